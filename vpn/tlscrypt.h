/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tlscrypt.h - wrapping OpenVPN's control channel (../shared/ref/openvpn.md
 * §2.2-2.5, §1.5): tls-crypt (HMAC-SHA256 over the header and plaintext,
 * AES-256-CTR with the tag as counter block), tls-crypt-v2 (the client's
 * key wrapped by the server's key, sent at the end of the client's first
 * packets), and the replay window every wrapped packet passes. Through
 * mbedTLS; keys live in the context and are wiped when it is.
 */
#ifndef RAMPART_VPN_TLSCRYPT_H
#define RAMPART_VPN_TLSCRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpn/keys.h"
#include "vpn/wire.h"

/* One direction: the AES-256 key, the HMAC-SHA256 key. */
struct vpn_tc_dir {
	uint8_t enc[32], mac[32];
};

struct vpn_tc {
	struct vpn_tc_dir out, in;
};

/* From a static key: the server is NORMAL (sends with key[0], receives with
 * key[1]), the client INVERSE. */
void vpn_tc_init(struct vpn_tc *tc, const struct vpn_key2 *k, bool server);
void vpn_tc_wipe(struct vpn_tc *tc);

/* Wrap: hdr (VPN_TC_HDR_LEN bytes: op, session id, replay id, time) and the
 * plaintext (acks, message id, payload) into out: hdr || tag || ciphertext.
 * Returns the length, 0 when cap is too small. */
size_t vpn_tc_wrap(const struct vpn_tc *tc, const uint8_t *hdr, const uint8_t *plain, size_t len,
		   uint8_t *out, size_t cap);
/* Unwrap a packet (len bytes): the plaintext into plain (cap bytes);
 * returns its length, or -1 when it does not authenticate (or is short).
 * The replay window is the caller's (vpn_replay_check, after this). */
long vpn_tc_unwrap(const struct vpn_tc *tc, const uint8_t *pkt, size_t len, uint8_t *plain,
		   size_t cap);

/* tls-crypt-v2, the server's side: the WKc is the last bytes of pkt (its
 * length in its last two); unwrapped with the server key (128 bytes: the
 * AES key at 0, the HMAC key at 64) into the client's key kc and its
 * metadata (meta, at most VPN_WKC_MAX bytes, *meta_len). Returns the WKc's
 * length (to strip from pkt), or -1 when it does not authenticate. */
long vpn_tc2_unwrap_wkc(const uint8_t server_key[128], const uint8_t *pkt, size_t len,
			struct vpn_key2 *kc, uint8_t *meta, size_t *meta_len);
/* Wrap kc and its metadata with the server key into a WKc (what `openvpn
 * --genkey tls-crypt-v2-client` appends to a client key). Returns its
 * length, 0 when it does not fit cap or VPN_WKC_MAX. */
size_t vpn_tc2_wrap_wkc(const uint8_t server_key[128], const struct vpn_key2 *kc,
			const uint8_t *meta, size_t meta_len, uint8_t *out, size_t cap);

/* tls-auth (§2.3): op || session id || HMAC || replay id, time || the rest,
 * the HMAC (SHA-1 or SHA-256, the `auth` option) over replay id, time, op,
 * session id and the rest. Directions: key-direction 0 (NORMAL) sends with
 * key[0]'s HMAC key and receives with key[1]'s, 1 the reverse, none (-1)
 * both key[0]'s. */
struct vpn_ta {
	uint8_t out[64], in[64];
	size_t hlen; /* 20 or 32 */
};
void vpn_ta_init(struct vpn_ta *ta, const struct vpn_key2 *k, int direction, bool sha256);
/* Wrap hdr (VPN_TC_HDR_LEN bytes) and plain; returns the length, 0 if cap
 * is too small. */
size_t vpn_ta_wrap(const struct vpn_ta *ta, const uint8_t *hdr, const uint8_t *plain, size_t len,
		   uint8_t *out, size_t cap);
/* Check a packet: the header as tls-crypt lays it out into hdr, the rest's
 * length returned (at *rest in pkt), -1 when the HMAC does not check. */
long vpn_ta_unwrap(const struct vpn_ta *ta, const uint8_t *pkt, size_t len,
		   uint8_t hdr[VPN_TC_HDR_LEN], const uint8_t **rest);

/* The replay window (OpenVPN's packet_id_test, window 64): a later time
 * starts a new sequence, an earlier one is refused; at equal time an id
 * above the highest is taken, one of the 64 below it once. Id 0 is refused.
 * Returns true (and records it) when the packet may pass. */
struct vpn_replay {
	uint32_t time, top;
	uint64_t seen; /* bit i: top - i seen */
	bool any;
};
bool vpn_replay_check(struct vpn_replay *r, uint32_t id, uint32_t time);

#endif /* RAMPART_VPN_TLSCRYPT_H */
