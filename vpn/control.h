/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control.h - what OpenVPN 2.6 says inside TLS (../shared/ref/openvpn.md
 * §3.2-3.9): the key-method-2 message, the client's peer-info (IV_PROTO,
 * IV_CIPHERS, ...), cipher negotiation, PUSH_REPLY (built with its
 * continuations by a server, parsed and merged by a client, which refuses
 * anything it does not know, compression first), and the text commands.
 * Plain C over buffers, every length checked (tests/fuzz/vpnwire_fuzz.c).
 */
#ifndef RAMPART_VPN_CONTROL_H
#define RAMPART_VPN_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpn/data.h"

#define VPN_OPTIONS_MAX	 512  /* TLS_OPTIONS_LEN, with the NUL */
#define VPN_USERPASS_MAX 4096 /* USER_PASS_LEN on Debian */
#define VPN_PEERINFO_MAX 2048
#define VPN_PUSH_BUNDLE	 1024 /* PUSH_BUNDLE_SIZE */

/* IV_PROTO bits */
#define VPN_IV_DATA_V2	      (1u << 1)
#define VPN_IV_REQUEST_PUSH   (1u << 2)
#define VPN_IV_TLS_KEY_EXPORT (1u << 3)
#define VPN_IV_CC_EXIT_NOTIFY (1u << 7)
#define VPN_IV_DYN_TLS_CRYPT  (1u << 9)

struct vpn_km2 {
	bool from_client; /* the client's carries a pre-master secret */
	uint8_t pre_master[48], random1[32], random2[32];
	char options[VPN_OPTIONS_MAX];
	char username[VPN_USERPASS_MAX], password[VPN_USERPASS_MAX];
	char peer_info[VPN_PEERINFO_MAX];
};

/* Parse a key-method-2 message (the first TLS record each way); the
 * strings after the options string are optional, an empty one may be
 * len 0 or len 1 and a NUL. 0 or -1 with the reason. */
int vpn_km2_parse(const uint8_t *p, size_t len, bool from_client, struct vpn_km2 *m, char *err,
		  size_t errlen);
/* Write one (all four strings, as 2.6 does); its length, 0 if cap is short. */
size_t vpn_km2_write(const struct vpn_km2 *m, uint8_t *out, size_t cap);
/* The options string 2.6 sends (it only logs mismatches). */
void vpn_options_string(char *out, size_t cap, bool server, bool tcp);

/* A client's peer-info, as a 2.6 server reads it: IV_/UV_ lines only. */
struct vpn_peer_info {
	unsigned proto;	   /* IV_PROTO */
	char ciphers[256]; /* IV_CIPHERS, ':'-separated */
	bool ncp2;	   /* IV_NCP=2 */
	unsigned mtu;	   /* IV_MTU, 0: not sent */
	char version[32];  /* IV_VER */
	char platform[32]; /* IV_PLAT */
};
int vpn_peer_info_parse(const char *text, struct vpn_peer_info *pi, char *err, size_t errlen);
/* The peer-info rampart's client sends: IV_PROTO iv_proto (0: 142,
 * DATA_V2, REQUEST_PUSH, TLS_KEY_EXPORT, CC_EXIT_NOTIFY), its ciphers. */
void vpn_peer_info_write(char *out, size_t cap, const enum vpn_cipher *ciphers, unsigned n,
			 unsigned iv_proto);

/* Cipher negotiation (NCP): the first of the server's ciphers the client
 * offers (IV_CIPHERS, exact names; without it IV_NCP=2 means AES-256-GCM
 * and AES-128-GCM). -1: none (the server answers AUTH_FAILED). */
int vpn_ncp_choose(const enum vpn_cipher *ours, unsigned n, const struct vpn_peer_info *pi);

/* What a PUSH_REPLY carries that the client acts on. */
#define VPN_PUSH_ROUTES_MAX 64
struct vpn_push {
	uint8_t ifconfig[4], netmask[4], route_gateway[4];
	bool has_ifconfig, has_route_gateway;
	char ifconfig_ipv6[64]; /* "addr/len", "" if none */
	unsigned ping, ping_restart, tun_mtu;
	uint32_t peer_id; /* VPN_PEER_ID_NONE if none */
	int cipher;	  /* enum vpn_cipher, -1: none pushed */
	bool tls_ekm, cc_exit, dyn_tls_crypt, redirect_gateway;
	unsigned n_routes;
	char routes[VPN_PUSH_ROUTES_MAX][64]; /* "net mask" or "net/len" (IPv6) */
	unsigned n_dns;
	char dns[8][64];
};

/* Merge one PUSH_REPLY message (with its "PUSH_REPLY," prefix, NUL or
 * not) into p (zero it with vpn_push_init first). Returns 1 when the reply
 * is complete (push-continuation 1, or none), 0 when more parts follow,
 * -1 with the reason for an option refused: compression, anything not
 * known. */
void vpn_push_init(struct vpn_push *p);
int vpn_push_parse(const char *msg, size_t len, struct vpn_push *p, char *err, size_t errlen);
/* A server's reply for one client: the options as text (comma-separated,
 * without the prefix) cut into PUSH_REPLY messages of at most
 * VPN_PUSH_BUNDLE bytes with their continuation options; calls emit for
 * each. Returns the number of messages, -1 if an option is too long. */
int vpn_push_build(const char *options, void (*emit)(void *ctx, const char *msg, size_t len),
		   void *ctx);

/* The text commands (§3.9), by their prefix. */
enum vpn_cmd {
	VPN_CMD_UNKNOWN,
	VPN_CMD_PUSH_REQUEST,
	VPN_CMD_PUSH_REPLY,
	VPN_CMD_AUTH_FAILED,
	VPN_CMD_RESTART,
	VPN_CMD_HALT,
	VPN_CMD_EXIT,
	VPN_CMD_INFO,
	VPN_CMD_AUTH_PENDING,
};
enum vpn_cmd vpn_cmd_of(const char *msg, size_t len);

#endif /* RAMPART_VPN_CONTROL_H */
