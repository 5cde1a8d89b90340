/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * session.h - one OpenVPN client session on the server's side, over UDP
 * with tls-crypt-v2 (docs/vpn.md): the client's key unwrapped from its
 * first packet, the reliability layer, TLS 1.2 with certificates through
 * mbedTLS (the client's certificate verified against the CA), key-method 2
 * both ways, data keys from the TLS exporter (a client without EKM is
 * refused), cipher negotiation, PUSH_REPLY, then P_DATA_V2 both ways. The
 * caller owns the socket and the clock: it feeds packets in and takes the
 * packets to send out.
 */
#ifndef RAMPART_VPN_SESSION_H
#define RAMPART_VPN_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#include "vpn/control.h"
#include "vpn/data.h"
#include "vpn/reliable.h"
#include "vpn/tlscrypt.h"

/* What every session of one endpoint shares: a server's (its tls-crypt-v2
 * server key, what it pushes) or a client's (its tls-crypt-v2 client key,
 * the name the server's certificate must bear). */
struct vpn_server {
	bool client;
	uint8_t tc2_key[128]; /* the tls-crypt-v2 server key */
	bool tc1;	      /* tls-crypt (v1): one static key, V2 resets */
	struct vpn_key2 tc1_key;
	bool ta; /* tls-auth: a static key, its direction, SHA-1 or SHA-256 */
	struct vpn_key2 ta_key;
	int ta_dir;
	bool ta_sha256;
	struct vpn_key2 kc; /* a client's tls-crypt-v2 key and its WKc */
	uint8_t wkc[VPN_WKC_MAX];
	size_t wkc_len;
	char verify_name[256]; /* a client's verify-x509-name (CN or SAN) */
	mbedtls_x509_crt ca, cert;
	mbedtls_x509_crl crl; /* crl-verify: certificates the CA revoked */
	bool has_crl;
	mbedtls_pk_context key;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	enum vpn_cipher ciphers[3]; /* data-ciphers, in order */
	unsigned n_ciphers;
	char push[VPN_PUSH_BUNDLE * 4];	 /* options pushed to every client */
	unsigned ping_s, ping_restart_s; /* keepalive, pushed too: 10 and 60 by default */
	/* a client's IV_PROTO bits in its peer-info; 0: rampart's own (DATA_V2,
	 * REQUEST_PUSH, TLS_KEY_EXPORT, CC_EXIT_NOTIFY). The tests announce a
	 * client without TLS_KEY_EXPORT to see a server refuse it. */
	unsigned iv_proto;
};

/* Load the CA, certificate and key (PEM files) and the tls-crypt-v2 server
 * key. 0, or -1 with the reason. */
int vpn_server_init(struct vpn_server *s, const char *ca, const char *cert, const char *key,
		    const char *tc2_key, char *err, size_t errlen);
/* The same with tls-crypt (v1): a static key (`openvpn --genkey secret`)
 * shared by every client, which then starts with HARD_RESET_CLIENT_V2. */
int vpn_server_init_tls_crypt(struct vpn_server *s, const char *ca, const char *cert,
			      const char *key, const char *tc_key, char *err, size_t errlen);
/* The same with tls-auth (HMAC only, no encryption: accepted because
 * OpenVPN deployments use it; tls-crypt-v2 is the better choice):
 * key-direction (0, 1, -1 for none) and the HMAC (auth SHA1 or SHA256). */
int vpn_server_init_tls_auth(struct vpn_server *s, const char *ca, const char *cert,
			     const char *key, const char *ta_key, int direction, bool sha256,
			     char *err, size_t errlen);
void vpn_server_fini(struct vpn_server *s);
/* crl-verify: the peer's certificate must not be on this CRL (PEM). 0, or -1
 * with the reason. */
int vpn_endpoint_crl(struct vpn_server *s, const char *crl, char *err, size_t errlen);
/* A client's: the CA, its certificate and key, its tls-crypt-v2 client key,
 * the server's expected name. The server's certificate must also carry
 * the serverAuth EKU (remote-cert-tls server). */
int vpn_client_conf_init(struct vpn_server *s, const char *ca, const char *cert, const char *key,
			 const char *tc2_client_key, const char *verify_name, char *err,
			 size_t errlen);

enum vpn_session_state {
	VPN_S_INIT,   /* nothing yet */
	VPN_S_TLS,    /* resets exchanged, TLS under way */
	VPN_S_KEYS,   /* TLS up, key-method 2 exchanged, data keys derived */
	VPN_S_ACTIVE, /* pushed: data flows */
	VPN_S_FAILED, /* refused: the reason in why */
};

#define VPN_OUT_MAX	   64
#define VPN_TRAN_WINDOW_MS 60000 /* the old key still decrypts this long (tran-window) */

struct vpn_session {
	const struct vpn_server *srv;
	enum vpn_session_state state;
	char why[256];
	/* a server's options for this client alone (its ifconfig), pushed
	 * before those of vpn_server.push; set by the caller */
	char push_extra[256];
	/* packets dropped before a session, for a reason to log: a client key
	 * (tls-crypt-v2) that does not unwrap with the server key */
	unsigned wkc_refused;
	uint8_t sid[VPN_SID_LEN], peer_sid[VPN_SID_LEN];
	struct vpn_key2 kc; /* the client's tls-crypt key */
	struct vpn_tc tc;
	struct vpn_ta ta;
	struct vpn_replay replay;
	uint32_t rp_id, rp_time; /* ours */
	struct vpn_rel rel;
	mbedtls_ssl_config tls_conf;
	mbedtls_ssl_context tls;
	uint8_t tls_in[65536], tls_out[65536]; /* TLS bytes between it and the channel */
	size_t tls_in_len, tls_out_len;
	uint8_t ms[48], randoms[64]; /* for the exporter */
	mbedtls_tls_prf_types prf;
	bool km2_sent, pushed, resend_wkc, have_peer;
	bool tcp;	  /* set by the caller: packets come framed over TCP (it frames them) */
	uint8_t ekm[256]; /* a client keeps it until the cipher is pushed */
	struct vpn_push push_in;
	struct vpn_peer_info peer;
	int cipher;
	struct vpn_data_keys keys;
	uint32_t data_pid;
	struct vpn_replay data_replay;
	uint32_t peer_id;
	/* keepalive: a ping when nothing went out for ping_s, the session ends
	 * when nothing came in for ping_restart_s (a client takes the pushed
	 * values) */
	uint64_t last_rx_ms, last_tx_ms;
	unsigned ping_s, ping_restart_s;
	/* renegotiation: the key id in use, whether its data keys are ready, and
	 * the key before it, kept for a transition window */
	uint8_t kid;
	bool km2_done, keys_ready;
	unsigned renegs;
	/* our own renegotiation (reneg-sec, reneg-bytes, reneg-pkts; 0: off):
	 * set by the caller; counted from when the key in use became ready */
	unsigned reneg_s;
	uint64_t reneg_bytes, reneg_pkts;
	uint64_t key_since_ms, key_bytes, key_pkts;
	bool soft_reset_sent; /* we started this one: the peer's answer is not a new one */
	struct {
		bool valid;
		uint8_t kid;
		struct vpn_data_keys keys;
		uint32_t pid;
		struct vpn_replay replay;
		uint64_t until_ms;
	} prev;
	/* packets to send, in order */
	uint8_t out[VPN_OUT_MAX][1600];
	size_t out_len[VPN_OUT_MAX];
	unsigned n_out;
};

/* A new session (on the first packet from an address). */
void vpn_session_init(struct vpn_session *ss, const struct vpn_server *srv, uint32_t peer_id);
void vpn_session_fini(struct vpn_session *ss);
/* A client starts: its V3 hard reset, carrying its WKc. */
void vpn_session_start(struct vpn_session *ss, uint64_t now_ms);
/* A packet from the peer. Returns 1 with a data packet's plaintext (an IP
 * packet) in plain and its length in *plain_len, 0 for anything else (the
 * packets to send are queued), -1 when it was dropped. */
int vpn_session_input(struct vpn_session *ss, const uint8_t *pkt, size_t len, uint64_t now_ms,
		      uint8_t *plain, size_t cap, size_t *plain_len);
/* Timers: resends, keepalive pings, ping-restart. */
void vpn_session_tick(struct vpn_session *ss, uint64_t now_ms);
/* Start a renegotiation now (a soft reset under the next key id); the key
 * in use goes on for its transition window. Also done by vpn_session_tick
 * when reneg_s, reneg_bytes or reneg_pkts is reached. */
void vpn_session_renegotiate(struct vpn_session *ss, uint64_t now_ms);
/* A control message over TLS ("EXIT" from a client that stops, "RESTART"
 * from a server that stops: cc-exit, explicit-exit-notify), queued. 0 or -1. */
int vpn_session_send_control(struct vpn_session *ss, const char *msg, uint64_t now_ms);
/* Encrypt an IP packet to the client (queued). */
int vpn_session_send_data(struct vpn_session *ss, const uint8_t *ip, size_t len);
/* The next packet to send, or 0. */
size_t vpn_session_output(struct vpn_session *ss, uint8_t *buf, size_t cap);

#endif /* RAMPART_VPN_SESSION_H */
