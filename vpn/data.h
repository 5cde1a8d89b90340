/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * data.h - OpenVPN 2.6's data channel packet, P_DATA_V2 with an AEAD
 * (../shared/ref/openvpn.md §4.1, §3.4): op|key id, a 24-bit peer id, a
 * 32-bit packet id, the 16-byte tag, the ciphertext; the nonce is the
 * packet id followed by the 8-byte implicit IV, the additional data the
 * first 8 bytes. The keys come from the TLS exporter's 256 bytes
 * ("EXPORTER-OpenVPN-datakeys"). AES-128-GCM, AES-256-GCM and
 * CHACHA20-POLY1305, nothing else. AES-256-GCM (with AES-NI and PCLMUL,
 * its key schedule and GHASH table made once per key) and ChaCha20-Poly1305
 * go through libsodium, AES-128-GCM (and AES-256-GCM without those
 * instructions) through mbedTLS; the tests check each packet against the
 * other library.
 */
#ifndef RAMPART_VPN_DATA_H
#define RAMPART_VPN_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

enum vpn_cipher {
	VPN_AES_128_GCM,
	VPN_AES_256_GCM,
	VPN_CHACHA20_POLY1305,
};

#define VPN_DATA_OVERHEAD 24 /* op, peer id, packet id, tag */
/* The last packet id a key sends with (ids are 32 bits and never wrap: the
 * nonce would repeat), and the packets, both ways, after which a session
 * renegotiates whatever reneg-pkts says, well before that. */
#define VPN_PID_LAST	  0xffffff00u
#define VPN_KEY_PKTS_MAX  0xc0000000ull
#define VPN_PEER_ID_NONE  0xffffff

struct vpn_data_key {
	enum vpn_cipher cipher;
	uint8_t key[32];
	uint8_t implicit_iv[8];
	bool has_gcm_state; /* AES-256-GCM through libsodium, state below */
	crypto_aead_aes256gcm_state gcm_state;
};

struct vpn_data_keys {
	struct vpn_data_key out, in;
};

/* The cipher of an OpenVPN name ("AES-256-GCM", any case); -1: none of ours. */
int vpn_cipher_from_name(const char *name);
const char *vpn_cipher_name(enum vpn_cipher c);

/* Keys from the exporter's 256 bytes: the client sends with K[0..] and
 * K[64..71] (its IV), the server with K[128..] and K[192..199]. Plain data:
 * a copy of a key works as the key; vpn_data_keys_wipe erases it. */
void vpn_data_keys_from_ekm(const uint8_t ekm[256], enum vpn_cipher c, bool server,
			    struct vpn_data_keys *k);
void vpn_data_keys_wipe(struct vpn_data_keys *k);

/* Encrypt one packet (len >= 1 bytes of plaintext) into out: returns its
 * length (len + 24), 0 when cap is too small or len is 0. */
size_t vpn_data_encrypt(const struct vpn_data_key *k, uint8_t key_id, uint32_t peer_id,
			uint32_t packet_id, const uint8_t *plain, size_t len, uint8_t *out,
			size_t cap);
/* Decrypt a P_DATA_V2 packet: the plaintext's length (its packet id in
 * *packet_id, for the replay window), or -1: not P_DATA_V2, too short, an
 * empty payload, or the tag does not check. */
long vpn_data_decrypt(const struct vpn_data_key *k, const uint8_t *pkt, size_t len, uint8_t *plain,
		      size_t cap, uint32_t *packet_id);

#endif /* RAMPART_VPN_DATA_H */
