/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * data.c - P_DATA_V2 with AES-GCM and ChaCha20-Poly1305 (data.h): libsodium
 * for AES-256-GCM (a per-key state) and ChaCha20-Poly1305, mbedTLS for
 * AES-128-GCM and where the CPU lacks AES-NI.
 */
#include <string.h>
#include <strings.h>

#include <mbedtls/gcm.h>
#include <mbedtls/platform_util.h>

#include "vpn/data.h"
#include "vpn/wire.h"

static const char *const names[] = { "AES-128-GCM", "AES-256-GCM", "CHACHA20-POLY1305" };

int vpn_cipher_from_name(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (strcasecmp(name, names[i]) == 0)
			return i;
	return -1;
}

const char *vpn_cipher_name(enum vpn_cipher c)
{
	return names[c];
}

static void one(struct vpn_data_key *d, enum vpn_cipher c, const uint8_t *k, const uint8_t *iv)
{
	memset(d, 0, sizeof(*d));
	d->cipher = c;
	memcpy(d->key, k, 32);
	memcpy(d->implicit_iv, iv, 8);
	/* the key schedule and GHASH table once, not per packet */
	d->has_gcm_state = c == VPN_AES_256_GCM && sodium_init() >= 0 &&
			   crypto_aead_aes256gcm_is_available() &&
			   crypto_aead_aes256gcm_beforenm(&d->gcm_state, k) == 0;
}

void vpn_data_keys_from_ekm(const uint8_t ekm[256], enum vpn_cipher c, bool server,
			    struct vpn_data_keys *k)
{
	/* client to server: K[0..], K[64..]; server to client: K[128..], K[192..] */
	one(server ? &k->in : &k->out, c, ekm, ekm + 64);
	one(server ? &k->out : &k->in, c, ekm + 128, ekm + 192);
}

void vpn_data_keys_wipe(struct vpn_data_keys *k)
{
	mbedtls_platform_zeroize(k, sizeof(*k));
}

/* AEAD of len bytes: encrypt (tag out) or decrypt (tag checked): 0 or -1. */
static int aead(const struct vpn_data_key *k, bool enc, const uint8_t nonce[12],
		const uint8_t ad[8], const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[16])
{
	int rc;

	if (k->cipher == VPN_CHACHA20_POLY1305) {
		rc = enc ? crypto_aead_chacha20poly1305_ietf_encrypt_detached(
				   out, tag, NULL, in, len, ad, 8, NULL, nonce, k->key)
			 : crypto_aead_chacha20poly1305_ietf_decrypt_detached(
				   out, NULL, in, len, tag, ad, 8, nonce, k->key);
	} else if (k->has_gcm_state) {
		rc = enc ? crypto_aead_aes256gcm_encrypt_detached_afternm(
				   out, tag, NULL, in, len, ad, 8, NULL, nonce, &k->gcm_state)
			 : crypto_aead_aes256gcm_decrypt_detached_afternm(
				   out, NULL, in, len, tag, ad, 8, nonce, &k->gcm_state);
	} else {
		mbedtls_gcm_context g;

		mbedtls_gcm_init(&g);
		rc = mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, k->key,
					k->cipher == VPN_AES_128_GCM ? 128 : 256);
		if (!rc)
			rc = enc ? mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, len, nonce,
							     12, ad, 8, in, out, 16, tag)
				 : mbedtls_gcm_auth_decrypt(&g, len, nonce, 12, ad, 8, tag, 16, in,
							    out);
		mbedtls_gcm_free(&g);
	}
	return rc ? -1 : 0;
}

size_t vpn_data_encrypt(const struct vpn_data_key *k, uint8_t key_id, uint32_t peer_id,
			uint32_t packet_id, const uint8_t *plain, size_t len, uint8_t *out,
			size_t cap)
{
	uint8_t nonce[12];

	if (!len || cap < len + VPN_DATA_OVERHEAD)
		return 0;
	out[0] = (uint8_t)(VPN_P_DATA_V2 << 3 | (key_id & 7));
	out[1] = (uint8_t)(peer_id >> 16);
	out[2] = (uint8_t)(peer_id >> 8);
	out[3] = (uint8_t)peer_id;
	out[4] = (uint8_t)(packet_id >> 24);
	out[5] = (uint8_t)(packet_id >> 16);
	out[6] = (uint8_t)(packet_id >> 8);
	out[7] = (uint8_t)packet_id;
	memcpy(nonce, out + 4, 4);
	memcpy(nonce + 4, k->implicit_iv, 8);
	if (aead(k, true, nonce, out, plain, len, out + VPN_DATA_OVERHEAD, out + 8) < 0)
		return 0;
	return len + VPN_DATA_OVERHEAD;
}

long vpn_data_decrypt(const struct vpn_data_key *k, const uint8_t *pkt, size_t len, uint8_t *plain,
		      size_t cap, uint32_t *packet_id)
{
	uint8_t nonce[12], tag[16];
	size_t n;

	if (len <= VPN_DATA_OVERHEAD || vpn_op_of(pkt[0]) != VPN_P_DATA_V2)
		return -1;
	n = len - VPN_DATA_OVERHEAD;
	if (n > cap)
		return -1;
	memcpy(nonce, pkt + 4, 4);
	memcpy(nonce + 4, k->implicit_iv, 8);
	memcpy(tag, pkt + 8, 16);
	if (aead(k, false, nonce, pkt, pkt + VPN_DATA_OVERHEAD, n, plain, tag) < 0) {
		mbedtls_platform_zeroize(plain, n);
		return -1;
	}
	*packet_id =
		(uint32_t)pkt[4] << 24 | (uint32_t)pkt[5] << 16 | (uint32_t)pkt[6] << 8 | pkt[7];
	return (long)n;
}
