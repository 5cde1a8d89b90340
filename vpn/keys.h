/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * keys.h - OpenVPN's key files (../shared/ref/openvpn.md §2.1, §2.5), as
 * `openvpn --genkey` writes them: a static key ("OpenVPN Static key V1",
 * 256 bytes in hex: tls-crypt, tls-auth), a tls-crypt-v2 server key (128
 * bytes in base64) and a tls-crypt-v2 client key (its 256-byte key and the
 * wrapped key WKc the server reads, in base64). Text from a file or an
 * inline block; anything outside the BEGIN/END lines is ignored, CRLF too.
 */
#ifndef RAMPART_VPN_KEYS_H
#define RAMPART_VPN_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define VPN_WKC_MAX 1024

/* struct key2: keys[i] is a 64-byte cipher key then a 64-byte HMAC key;
 * an algorithm takes the first bytes it needs of each. */
struct vpn_key2 {
	uint8_t k[2][128];
};

/* Each returns 0, or -1 with the reason in err. */
int vpn_static_key_parse(const char *text, size_t len, struct vpn_key2 *out, char *err,
			 size_t errlen);
int vpn_tc2_server_key_parse(const char *text, size_t len, uint8_t key[128], char *err,
			     size_t errlen);
int vpn_tc2_client_key_parse(const char *text, size_t len, struct vpn_key2 *kc, uint8_t *wkc,
			     size_t *wkc_len, char *err, size_t errlen);

/* Base64 (RFC 4648, padding optional, whitespace skipped): the bytes
 * decoded, or -1. */
long vpn_base64_decode(const char *in, size_t len, uint8_t *out, size_t cap);

#endif /* RAMPART_VPN_KEYS_H */
