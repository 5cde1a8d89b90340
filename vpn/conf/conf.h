/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conf.h - OpenVPN configuration files for rampart's VPN: the parser turns
 * an OpenVPN 2.6 config (client or server, inline <ca>...</ca> blocks
 * included) into a struct vpn_conf, refusing what rampart does not run
 * with "file:line: option X is not supported: why". docs/vpn.md lists every
 * option. Key and certificate files are not read here (vpn/keys.h does):
 * only their paths, or the inline text, are kept.
 */
#ifndef VPN_CONF_CONF_H
#define VPN_CONF_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VPN_CONF_MAX_REMOTES  64	 /* OpenVPN's CONNECTION_LIST_SIZE */
#define VPN_CONF_MAX_PARAMS   16	 /* OpenVPN's MAX_PARMS */
#define VPN_CONF_PARAM_MAX    256	 /* characters in a word; OpenVPN's OPTION_PARM_SIZE */
#define VPN_CONF_MAX_FILE     (4u << 20) /* bytes of one config file */
#define VPN_CONF_DEFAULT_PORT 1194
#define VPN_CONF_MAX_CIPHERS  3

enum vpn_conf_role { VPN_CONF_ROLE_NONE = 0, VPN_CONF_ROLE_CLIENT, VPN_CONF_ROLE_SERVER };

enum vpn_conf_transport { VPN_CONF_UDP = 0, VPN_CONF_TCP };

/* tcp-client/tcp-server are folded into TCP: the role says which end. */
enum vpn_conf_family { VPN_CONF_AF_ANY = 0, VPN_CONF_AF_INET, VPN_CONF_AF_INET6 };

struct vpn_conf_proto {
	enum vpn_conf_transport transport;
	enum vpn_conf_family family;
};

/* Data-channel ciphers: AEAD only. 0 is "none given". */
enum vpn_conf_cipher {
	VPN_CONF_CIPHER_NONE = 0,
	VPN_CONF_AES_256_GCM,
	VPN_CONF_AES_128_GCM,
	VPN_CONF_CHACHA20_POLY1305,
};

/* The HMAC digest of tls-auth (option auth); SHA1 is OpenVPN's default. */
enum vpn_conf_digest {
	VPN_CONF_SHA1 = 0,
	VPN_CONF_SHA224,
	VPN_CONF_SHA256,
	VPN_CONF_SHA384,
	VPN_CONF_SHA512,
};

enum vpn_conf_tls_version { VPN_CONF_TLS_ANY = 0, VPN_CONF_TLS_1_2, VPN_CONF_TLS_1_3 };

enum vpn_conf_x509_type {
	VPN_CONF_X509_SUBJECT = 0, /* the whole subject DN (OpenVPN's default) */
	VPN_CONF_X509_NAME,	   /* the common name */
	VPN_CONF_X509_NAME_PREFIX, /* the common name starts with it */
};

enum vpn_conf_cert_tls {
	VPN_CONF_CERT_TLS_NONE = 0,
	VPN_CONF_CERT_TLS_SERVER,
	VPN_CONF_CERT_TLS_CLIENT
};

/* key-direction / tls-auth's second parameter (openvpn.md §2.2) */
enum vpn_conf_key_dir {
	VPN_CONF_KEYDIR_BIDI = -1,
	VPN_CONF_KEYDIR_NORMAL = 0,
	VPN_CONF_KEYDIR_INVERSE = 1
};

/* A PEM or key file named by the config: a path (relative ones joined to
 * the config file's folder) or inline text from a <name>...</name> block.
 * Neither is set when the option was not given (line 0). */
struct vpn_conf_file {
	char *path;
	char *inline_text; /* NUL-terminated, the block's lines as written */
	size_t inline_len;
	unsigned line;
};

struct vpn_conf_remote {
	char *host;		     /* name or address, not resolved here */
	uint16_t port;		     /* its own, or rport/port, or 1194 */
	struct vpn_conf_proto proto; /* its own, or proto's */
	unsigned line;
};

/* server NETWORK NETMASK, or ifconfig + ifconfig-pool (topology subnet).
 * Addresses in host byte order. The server is `local`; clients get
 * pool_start..pool_end (pool_start == 0: nopool). */
struct vpn_conf_pool4 {
	bool set;
	uint32_t network, netmask, local, pool_start, pool_end;
	unsigned line;
};

/* server-ipv6 NETWORK/BITS: the server is network+1, clients from +2. */
struct vpn_conf_pool6 {
	bool set;
	uint8_t network[16], local[16];
	uint8_t prefix_len;
	unsigned line;
};

enum vpn_conf_gw {
	VPN_CONF_GW_DEFAULT = 0, /* route-gateway, or the VPN's gateway */
	VPN_CONF_GW_ADDR,	 /* gateway holds it */
	VPN_CONF_GW_VPN,	 /* vpn_gateway */
	VPN_CONF_GW_NET,	 /* net_gateway */
	VPN_CONF_GW_REMOTE_HOST, /* remote_host */
};

struct vpn_conf_route4 {
	uint32_t network, netmask; /* host order; network already masked */
	enum vpn_conf_gw gw;
	uint32_t gateway;
	int metric; /* -1: none given */
	unsigned line;
};

struct vpn_conf_route6 {
	uint8_t network[16];
	uint8_t prefix_len;
	bool has_gateway;
	uint8_t gateway[16];
	int metric; /* -1: none given */
	unsigned line;
};

/* push "..." : the option string as the server sends it in PUSH_REPLY */
struct vpn_conf_push {
	char *option;
	unsigned line;
};

struct vpn_conf_dhcp_option {
	char *type;  /* DNS, DNS6, DOMAIN, ... as written */
	char *value; /* NULL when none was given */
	unsigned line;
};

/* redirect-gateway flags */
#define VPN_CONF_RG_LOCAL	(1u << 0)
#define VPN_CONF_RG_AUTOLOCAL	(1u << 1)
#define VPN_CONF_RG_DEF1	(1u << 2)
#define VPN_CONF_RG_BYPASS_DHCP (1u << 3)
#define VPN_CONF_RG_BYPASS_DNS	(1u << 4)
#define VPN_CONF_RG_BLOCK_LOCAL (1u << 5)
#define VPN_CONF_RG_IPV6	(1u << 6)
#define VPN_CONF_RG_NOT_IPV4	(1u << 7) /* !ipv4 */

struct vpn_conf {
	enum vpn_conf_role role;
	unsigned role_line;
	bool pull; /* client: takes routes, address, ciphers from the server */

	/* transport */
	struct vpn_conf_proto proto;
	char *local;	 /* local address to bind; NULL: any */
	uint16_t port;	 /* local port (port/lport), default 1194 */
	bool nobind;	 /* client: no fixed local port */
	bool float_peer; /* float: the peer's address may change */
	struct vpn_conf_remote *remotes;
	size_t n_remotes;
	bool remote_random;
	int resolv_retry_s; /* -1: infinite (the default) */

	/* tunnel */
	char *dev; /* "tun", "tun0", ... (tun only) */
	struct vpn_conf_pool4 pool4;
	struct vpn_conf_pool6 pool6;
	struct vpn_conf_push *push;
	size_t n_push;
	struct vpn_conf_route4 *routes;
	size_t n_routes;
	struct vpn_conf_route6 *routes6;
	size_t n_routes6;
	bool redirect_gateway;
	unsigned redirect_gateway_flags; /* VPN_CONF_RG_* */
	struct vpn_conf_dhcp_option *dhcp_options;
	size_t n_dhcp_options;
	bool client_to_client; /* off by default */
	unsigned max_clients;  /* default 1024 */
	unsigned tun_mtu;      /* default 1500 */
	unsigned mssfix;       /* default 1492; 0: off */
	bool mssfix_mtu;       /* "mssfix N mtu": N counts the outer IP packet */
	bool mssfix_fixed;     /* "mssfix N fixed" */

	/* TLS and certificates */
	struct vpn_conf_file ca, cert, key, crl_verify, extra_certs;
	char *verify_x509_name; /* NULL: not given */
	enum vpn_conf_x509_type verify_x509_type;
	enum vpn_conf_cert_tls remote_cert_tls;
	enum vpn_conf_tls_version tls_version_min; /* default 1.2 */
	enum vpn_conf_tls_version tls_version_max; /* ANY: no maximum */
	char *tls_cipher;			   /* TLS 1.2 suites, OpenSSL names, or NULL */
	char *tls_ciphersuites;			   /* TLS 1.3 suites or NULL */
	char *tls_groups;			   /* or NULL */
	char *ecdh_curve;			   /* or NULL */

	/* control-channel wrapping: at least one is set */
	struct vpn_conf_file tls_crypt_v2; /* server key on a server, client key on a client */
	bool tls_crypt_v2_force_cookie;	   /* server: drop clients without early negotiation */
	struct vpn_conf_file tls_crypt;
	struct vpn_conf_file tls_auth;
	enum vpn_conf_key_dir tls_auth_direction; /* tls-auth's own, else key-direction */
	enum vpn_conf_digest auth;		  /* tls-auth's HMAC, default SHA1 */

	/* data channel */
	enum vpn_conf_cipher data_ciphers[VPN_CONF_MAX_CIPHERS]; /* in preference order */
	size_t n_data_ciphers;
	enum vpn_conf_cipher cipher; /* "cipher": kept, no effect (always in data_ciphers) */

	/* timers (seconds) and renegotiation; 0 means off unless said */
	unsigned keepalive_interval_s, keepalive_timeout_s; /* as written: a server pushes these */
	unsigned ping_s;	 /* effective local ping (keepalive or ping) */
	unsigned ping_restart_s; /* effective: a server doubles keepalive's timeout */
	unsigned ping_exit_s;
	unsigned reneg_sec;	/* default 3600 */
	unsigned reneg_sec_min; /* 0: not given (OpenVPN picks a jittered minimum) */
	uint64_t reneg_bytes, reneg_pkts;
	unsigned hand_window_s;	       /* default 60 */
	unsigned tls_timeout_s;	       /* default 2 */
	unsigned explicit_exit_notify; /* 0: off; else the count of retries */

	unsigned n_lines; /* lines in the file */
};

/*
 * Parse an OpenVPN config. With text != NULL, text[0..len) is parsed as if it
 * were the file `path`; with text == NULL the file at `path` is read. On
 * success returns 0 and fills *out (free with vpn_conf_free). On failure
 * returns -EINVAL (or -errno when the file cannot be read), *out is left
 * zeroed, and err holds the first error as "file:line: message"; a refused
 * option reads "file:line: option X is not supported: why".
 */
int vpn_conf_parse(const char *path, const char *text, size_t len, struct vpn_conf *out, char *err,
		   size_t errlen);

void vpn_conf_free(struct vpn_conf *c);

const char *vpn_conf_cipher_name(enum vpn_conf_cipher c);

#endif
