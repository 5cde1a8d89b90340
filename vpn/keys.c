/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * keys.c - OpenVPN key files (keys.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "vpn/keys.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

/* The text between "-----BEGIN <what>-----" and "-----END <what>-----". */
static const char *armour(const char *text, size_t len, const char *what, size_t *body_len)
{
	char begin[96], end[96];
	const char *b, *e;
	size_t bl;

	snprintf(begin, sizeof(begin), "-----BEGIN %s-----", what);
	snprintf(end, sizeof(end), "-----END %s-----", what);
	bl = strlen(begin);
	b = memmem(text, len, begin, bl);
	if (!b)
		return NULL;
	b += bl;
	e = memmem(b, len - (size_t)(b - text), end, strlen(end));
	if (!e)
		return NULL;
	*body_len = (size_t)(e - b);
	return b;
}

long vpn_base64_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;
	bool pad = false;

	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		int v;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad = true;
			continue;
		}
		if (pad)
			return -1; /* data after padding */
		v = c >= 'A' && c <= 'Z'   ? c - 'A'
		    : c >= 'a' && c <= 'z' ? c - 'a' + 26
		    : c >= '0' && c <= '9' ? c - '0' + 52
		    : c == '+'		   ? 62
		    : c == '/'		   ? 63
					   : -1;
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return n;
}

int vpn_static_key_parse(const char *text, size_t len, struct vpn_key2 *out, char *err,
			 size_t errlen)
{
	size_t bl, n = 0;
	const char *b = armour(text, len, "OpenVPN Static key V1", &bl);
	int hi = -1;

	if (!b)
		return ERR("not an OpenVPN static key (no -----BEGIN OpenVPN Static key V1-----)");
	for (size_t i = 0; i < bl; i++) {
		char c = b[i];
		int v = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;

		if (v < 0) {
			if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
				continue;
			return ERR("a static key holds hex digits only");
		}
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == sizeof(*out))
			return ERR("a static key has 256 bytes, this one more");
		((uint8_t *)out)[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (n != sizeof(*out) || hi >= 0)
		return ERR("a static key has 256 bytes, this one %zu", n);
	return 0;
}

int vpn_tc2_server_key_parse(const char *text, size_t len, uint8_t key[128], char *err,
			     size_t errlen)
{
	size_t bl;
	const char *b = armour(text, len, "OpenVPN tls-crypt-v2 server key", &bl);
	uint8_t buf[160];
	long n;

	if (!b)
		return ERR("not a tls-crypt-v2 server key (openvpn --genkey tls-crypt-v2-server)");
	n = vpn_base64_decode(b, bl, buf, sizeof(buf));
	if (n != 128)
		return ERR("a tls-crypt-v2 server key has 128 bytes, this one %ld", n);
	memcpy(key, buf, 128);
	return 0;
}

int vpn_tc2_client_key_parse(const char *text, size_t len, struct vpn_key2 *kc, uint8_t *wkc,
			     size_t *wkc_len, char *err, size_t errlen)
{
	size_t bl, wl;
	const char *b = armour(text, len, "OpenVPN tls-crypt-v2 client key", &bl);
	uint8_t buf[sizeof(*kc) + VPN_WKC_MAX];
	long n;

	if (!b)
		return ERR("not a tls-crypt-v2 client key (openvpn --tls-crypt-v2 SERVER-KEY "
			   "--genkey tls-crypt-v2-client)");
	n = vpn_base64_decode(b, bl, buf, sizeof(buf));
	if (n < (long)sizeof(*kc) + 32 + 2 + 1)
		return ERR("a tls-crypt-v2 client key of %ld bytes is too short", n);
	memcpy(kc, buf, sizeof(*kc));
	wl = (size_t)n - sizeof(*kc);
	/* the WKc ends with its own length */
	if ((size_t)(buf[n - 2] << 8 | buf[n - 1]) != wl)
		return ERR("the wrapped key's length (%u) is not the %zu bytes that follow the key",
			   (unsigned)(buf[n - 2] << 8 | buf[n - 1]), wl);
	memcpy(wkc, buf + sizeof(*kc), wl);
	*wkc_len = wl;
	return 0;
}
