/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_data.c - P_DATA_V2 (vpn/data.h): the keys' layout in the exporter's
 * 256 bytes and their directions, the packet's layout (op, peer id, packet
 * id, tag, ciphertext; the nonce and additional data), every cipher both
 * ways, each packet checked against the library data.c does not use for it
 * (mbedTLS against libsodium's AES-256-GCM and ChaCha20-Poly1305, and packets
 * the other library made opened), tampering and the wrong key refused.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <mbedtls/chachapoly.h>
#include <mbedtls/gcm.h>
#include <sodium.h>

#include "vpn/data.h"
#include "vpn/wire.h"

static uint8_t ekm[256];

static void setup(void)
{
	cr_assert_geq(sodium_init(), 0);
	for (int i = 0; i < 256; i++)
		ekm[i] = (uint8_t)(i * 5 + 1);
}

TestSuite(vpn_data, .init = setup);

Test(vpn_data, keys_from_the_exporter)
{
	struct vpn_data_keys c, s;

	vpn_data_keys_from_ekm(ekm, VPN_AES_256_GCM, false, &c);
	vpn_data_keys_from_ekm(ekm, VPN_AES_256_GCM, true, &s);
	cr_assert_eq(memcmp(c.out.key, ekm, 32), 0, "client to server: K[0..31]");
	cr_assert_eq(memcmp(c.out.implicit_iv, ekm + 64, 8), 0, "its IV: K[64..71]");
	cr_assert_eq(memcmp(c.in.key, ekm + 128, 32), 0);
	cr_assert_eq(memcmp(c.in.implicit_iv, ekm + 192, 8), 0);
	cr_assert_eq(memcmp(&s.in, &c.out, sizeof(s.in)), 0,
		     "the server receives what the client sends");
	cr_assert_eq(memcmp(&s.out, &c.in, sizeof(s.out)), 0);
	cr_assert_eq(vpn_cipher_from_name("aes-256-gcm"), VPN_AES_256_GCM);
	cr_assert_eq(vpn_cipher_from_name("CHACHA20-POLY1305"), VPN_CHACHA20_POLY1305);
	cr_assert_eq(vpn_cipher_from_name("AES-256-CBC"), -1, "no CBC");
	cr_assert_eq(vpn_cipher_from_name("BF-CBC"), -1);
	vpn_data_keys_wipe(&c);
	cr_assert_eq(c.out.key[0] | c.in.implicit_iv[7], 0);
}

static void check_cipher(enum vpn_cipher cipher)
{
	struct vpn_data_keys c, s;
	uint8_t plain[1400], pkt[1500], back[1500], nonce[12];
	uint32_t pid = 0;
	size_t n;

	for (size_t i = 0; i < sizeof(plain); i++)
		plain[i] = (uint8_t)(i ^ 0x5a);
	vpn_data_keys_from_ekm(ekm, cipher, false, &c);
	vpn_data_keys_from_ekm(ekm, cipher, true, &s);
	n = vpn_data_encrypt(&c.out, 3, 0x123456, 77, plain, sizeof(plain), pkt, sizeof(pkt));
	cr_assert_eq(n, sizeof(plain) + 24);
	cr_assert_eq(pkt[0], 0x48 | 3, "P_DATA_V2, key id 3");
	cr_assert_eq(pkt[1] << 16 | pkt[2] << 8 | pkt[3], 0x123456, "the peer id");
	cr_assert_eq(pkt[7], 77, "the packet id");
	cr_assert_eq(vpn_data_decrypt(&s.in, pkt, n, back, sizeof(back), &pid),
		     (long)sizeof(plain));
	cr_assert_eq(pid, 77);
	cr_assert_eq(memcmp(back, plain, sizeof(plain)), 0);
	cr_assert_eq(vpn_data_decrypt(&s.out, pkt, n, back, sizeof(back), &pid), -1,
		     "the other direction's key");
	for (size_t i = 0; i < n; i += 97) {
		pkt[i] ^= 0x20;
		cr_assert_eq(vpn_data_decrypt(&s.in, pkt, n, back, sizeof(back), &pid), -1,
			     "byte %zu", i);
		pkt[i] ^= 0x20;
	}
	cr_assert_eq(vpn_data_encrypt(&c.out, 0, 0, 1, plain, 0, pkt, sizeof(pkt)), 0,
		     "no empty payload");
	cr_assert_eq(vpn_data_decrypt(&s.in, pkt, 24, back, sizeof(back), &pid), -1);
	/* the other library agrees (mbedTLS, where data.c uses libsodium, and
	 * libsodium where it uses mbedTLS): nonce = packet id || implicit IV,
	 * AD = the first 8 bytes, the tag before the ciphertext */
	n = vpn_data_encrypt(&c.out, 3, 0x123456, 77, plain, sizeof(plain), pkt, sizeof(pkt));
	memcpy(nonce, pkt + 4, 4);
	memcpy(nonce + 4, c.out.implicit_iv, 8);
	if (cipher == VPN_CHACHA20_POLY1305) {
		mbedtls_chachapoly_context cp;

		mbedtls_chachapoly_init(&cp);
		cr_assert_eq(mbedtls_chachapoly_setkey(&cp, c.out.key), 0);
		cr_assert_eq(mbedtls_chachapoly_auth_decrypt(&cp, sizeof(plain), nonce, pkt, 8,
							     pkt + 8, pkt + 24, back),
			     0, "mbedTLS opens our ChaCha20-Poly1305 packet");
		mbedtls_chachapoly_free(&cp);
	} else {
		mbedtls_gcm_context g;

		mbedtls_gcm_init(&g);
		cr_assert_eq(mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, c.out.key,
						cipher == VPN_AES_128_GCM ? 128 : 256),
			     0);
		cr_assert_eq(mbedtls_gcm_auth_decrypt(&g, sizeof(plain), nonce, 12, pkt, 8, pkt + 8,
						      16, pkt + 24, back),
			     0, "mbedTLS opens our AES-GCM packet");
		mbedtls_gcm_free(&g);
		cr_assert_eq(c.out.has_gcm_state,
			     cipher == VPN_AES_256_GCM && crypto_aead_aes256gcm_is_available(),
			     "AES-256-GCM goes through libsodium where the CPU allows");
	}
	cr_assert_eq(memcmp(back, plain, sizeof(plain)), 0);
	if (cipher == VPN_AES_128_GCM) {
		/* and libsodium has no AES-128-GCM: mbedTLS both ways, checked
		 * above against a second context of its own */
		return;
	}
	/* a packet made by the other library opens with ours */
	if (cipher == VPN_CHACHA20_POLY1305)
		crypto_aead_chacha20poly1305_ietf_encrypt_detached(pkt + 24, pkt + 8, NULL, plain,
								   sizeof(plain), pkt, 8, NULL,
								   nonce, c.out.key);
	else {
		mbedtls_gcm_context g;

		mbedtls_gcm_init(&g);
		mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, c.out.key, 256);
		mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, sizeof(plain), nonce, 12, pkt, 8,
					  plain, pkt + 24, 16, pkt + 8);
		mbedtls_gcm_free(&g);
	}
	cr_assert_eq(vpn_data_decrypt(&s.in, pkt, n, back, sizeof(back), &pid), (long)sizeof(plain),
		     "a packet the other library made");
	cr_assert_eq(memcmp(back, plain, sizeof(plain)), 0);
}

Test(vpn_data, aes_256_gcm)
{
	check_cipher(VPN_AES_256_GCM);
}

Test(vpn_data, aes_128_gcm)
{
	check_cipher(VPN_AES_128_GCM);
}

Test(vpn_data, chacha20_poly1305)
{
	check_cipher(VPN_CHACHA20_POLY1305);
}
