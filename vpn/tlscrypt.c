/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tlscrypt.c - tls-crypt and tls-crypt-v2 (tlscrypt.h) with mbedTLS's
 * AES-256-CTR and HMAC-SHA256.
 */
#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "vpn/tlscrypt.h"

void vpn_tc_init(struct vpn_tc *tc, const struct vpn_key2 *k, bool server)
{
	const uint8_t *o = k->k[server ? 0 : 1], *i = k->k[server ? 1 : 0];

	memcpy(tc->out.enc, o, 32);
	memcpy(tc->out.mac, o + 64, 32);
	memcpy(tc->in.enc, i, 32);
	memcpy(tc->in.mac, i + 64, 32);
}

void vpn_tc_wipe(struct vpn_tc *tc)
{
	mbedtls_platform_zeroize(tc, sizeof(*tc));
}

/* HMAC-SHA256 of a || b into tag. */
static int hmac2(const uint8_t key[32], const uint8_t *a, size_t al, const uint8_t *b, size_t bl,
		 uint8_t tag[32])
{
	mbedtls_md_context_t md;
	int rc;

	mbedtls_md_init(&md);
	rc = mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1);
	if (!rc)
		rc = mbedtls_md_hmac_starts(&md, key, 32);
	if (!rc)
		rc = mbedtls_md_hmac_update(&md, a, al);
	if (!rc && bl)
		rc = mbedtls_md_hmac_update(&md, b, bl);
	if (!rc)
		rc = mbedtls_md_hmac_finish(&md, tag);
	mbedtls_md_free(&md);
	return rc;
}

/* AES-256-CTR with the first 16 bytes of iv as the counter block. */
static int ctr(const uint8_t key[32], const uint8_t iv[16], const uint8_t *in, size_t len,
	       uint8_t *out)
{
	mbedtls_aes_context aes;
	uint8_t nc[16], stream[16];
	size_t off = 0;
	int rc;

	memcpy(nc, iv, 16);
	mbedtls_aes_init(&aes);
	rc = mbedtls_aes_setkey_enc(&aes, key, 256);
	if (!rc)
		rc = mbedtls_aes_crypt_ctr(&aes, len, &off, nc, stream, in, out);
	mbedtls_aes_free(&aes);
	mbedtls_platform_zeroize(stream, sizeof(stream));
	return rc;
}

static bool same(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t d = 0;

	for (size_t i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

size_t vpn_tc_wrap(const struct vpn_tc *tc, const uint8_t *hdr, const uint8_t *plain, size_t len,
		   uint8_t *out, size_t cap)
{
	uint8_t *tag = out + VPN_TC_HDR_LEN;

	if (cap < VPN_TC_HDR_LEN + VPN_TC_TAG_LEN + len)
		return 0;
	memcpy(out, hdr, VPN_TC_HDR_LEN);
	if (hmac2(tc->out.mac, hdr, VPN_TC_HDR_LEN, plain, len, tag) ||
	    ctr(tc->out.enc, tag, plain, len, tag + VPN_TC_TAG_LEN))
		return 0;
	return VPN_TC_HDR_LEN + VPN_TC_TAG_LEN + len;
}

long vpn_tc_unwrap(const struct vpn_tc *tc, const uint8_t *pkt, size_t len, uint8_t *plain,
		   size_t cap)
{
	const uint8_t *tag = pkt + VPN_TC_HDR_LEN;
	uint8_t mine[32];
	size_t n;

	if (len < VPN_TC_HDR_LEN + VPN_TC_TAG_LEN)
		return -1;
	n = len - VPN_TC_HDR_LEN - VPN_TC_TAG_LEN;
	if (n > cap || ctr(tc->in.enc, tag, tag + VPN_TC_TAG_LEN, n, plain) ||
	    hmac2(tc->in.mac, pkt, VPN_TC_HDR_LEN, plain, n, mine) ||
	    !same(mine, tag, sizeof(mine))) {
		mbedtls_platform_zeroize(plain, n <= cap ? n : 0);
		return -1;
	}
	return (long)n;
}

long vpn_tc2_unwrap_wkc(const uint8_t server_key[128], const uint8_t *pkt, size_t len,
			struct vpn_key2 *kc, uint8_t *meta, size_t *meta_len)
{
	uint8_t plain[VPN_WKC_MAX], mine[32], lb[2];
	const uint8_t *wkc;
	size_t wl, n;

	if (len < 2)
		return -1;
	wl = (size_t)(pkt[len - 2] << 8 | pkt[len - 1]);
	if (wl < 32 + sizeof(*kc) + 2 + 1 || wl > VPN_WKC_MAX || wl > len)
		return -1;
	wkc = pkt + len - wl;
	n = wl - 32 - 2;
	lb[0] = (uint8_t)(wl >> 8);
	lb[1] = (uint8_t)wl;
	/* T = HMAC(Ka, len || Kc || metadata); the IV is T's first 16 bytes */
	if (ctr(server_key, wkc, wkc + 32, n, plain) ||
	    hmac2(server_key + 64, lb, 2, plain, n, mine) || !same(mine, wkc, 32)) {
		mbedtls_platform_zeroize(plain, sizeof(plain));
		return -1;
	}
	memcpy(kc, plain, sizeof(*kc));
	*meta_len = n - sizeof(*kc);
	memcpy(meta, plain + sizeof(*kc), *meta_len);
	mbedtls_platform_zeroize(plain, sizeof(plain));
	return (long)wl;
}

size_t vpn_tc2_wrap_wkc(const uint8_t server_key[128], const struct vpn_key2 *kc,
			const uint8_t *meta, size_t meta_len, uint8_t *out, size_t cap)
{
	uint8_t plain[VPN_WKC_MAX], lb[2];
	size_t n = sizeof(*kc) + meta_len, wl = 32 + n + 2;

	if (wl > VPN_WKC_MAX || wl > cap || !meta_len)
		return 0;
	memcpy(plain, kc, sizeof(*kc));
	memcpy(plain + sizeof(*kc), meta, meta_len);
	lb[0] = (uint8_t)(wl >> 8);
	lb[1] = (uint8_t)wl;
	if (hmac2(server_key + 64, lb, 2, plain, n, out) ||
	    ctr(server_key, out, plain, n, out + 32)) {
		mbedtls_platform_zeroize(plain, sizeof(plain));
		return 0;
	}
	out[wl - 2] = lb[0];
	out[wl - 1] = lb[1];
	mbedtls_platform_zeroize(plain, sizeof(plain));
	return wl;
}

void vpn_ta_init(struct vpn_ta *ta, const struct vpn_key2 *k, int direction, bool sha256)
{
	const uint8_t *o = k->k[direction == 1 ? 1 : 0], *i = k->k[direction == 0 ? 1 : 0];

	ta->hlen = sha256 ? 32 : 20;
	memcpy(ta->out, o + 64, 64);
	memcpy(ta->in, i + 64, 64);
}

/* HMAC of rpid(8) || op(1) || sid(8) || rest, keyed by the first hlen bytes. */
static int ta_hmac(const uint8_t *key, size_t hlen, const uint8_t *hdr, const uint8_t *rest,
		   size_t len, uint8_t *mac)
{
	mbedtls_md_context_t md;
	int rc;

	mbedtls_md_init(&md);
	rc = mbedtls_md_setup(
		&md, mbedtls_md_info_from_type(hlen == 32 ? MBEDTLS_MD_SHA256 : MBEDTLS_MD_SHA1),
		1);
	if (!rc)
		rc = mbedtls_md_hmac_starts(&md, key, hlen);
	if (!rc)
		rc = mbedtls_md_hmac_update(&md, hdr + 9, 8); /* replay id and time first */
	if (!rc)
		rc = mbedtls_md_hmac_update(&md, hdr, 9); /* op, session id */
	if (!rc && len)
		rc = mbedtls_md_hmac_update(&md, rest, len);
	if (!rc)
		rc = mbedtls_md_hmac_finish(&md, mac);
	mbedtls_md_free(&md);
	return rc;
}

size_t vpn_ta_wrap(const struct vpn_ta *ta, const uint8_t *hdr, const uint8_t *plain, size_t len,
		   uint8_t *out, size_t cap)
{
	size_t n = 9 + ta->hlen + 8 + len;

	if (cap < n || ta_hmac(ta->out, ta->hlen, hdr, plain, len, out + 9))
		return 0;
	memcpy(out, hdr, 9);
	memcpy(out + 9 + ta->hlen, hdr + 9, 8);
	memcpy(out + 9 + ta->hlen + 8, plain, len);
	return n;
}

long vpn_ta_unwrap(const struct vpn_ta *ta, const uint8_t *pkt, size_t len,
		   uint8_t hdr[VPN_TC_HDR_LEN], const uint8_t **rest)
{
	uint8_t mac[32];
	size_t n;

	if (len < 9 + ta->hlen + 8)
		return -1;
	n = len - 9 - ta->hlen - 8;
	memcpy(hdr, pkt, 9);
	memcpy(hdr + 9, pkt + 9 + ta->hlen, 8);
	*rest = pkt + 9 + ta->hlen + 8;
	if (ta_hmac(ta->in, ta->hlen, hdr, *rest, n, mac) || !same(mac, pkt + 9, ta->hlen))
		return -1;
	return (long)n;
}

bool vpn_replay_check(struct vpn_replay *r, uint32_t id, uint32_t time)
{
	uint32_t back;

	if (!id)
		return false;
	if (!r->any || time > r->time) { /* a new sequence */
		r->any = true;
		r->time = time;
		r->top = id;
		r->seen = 1;
		return true;
	}
	if (time < r->time)
		return false;
	if (id > r->top) {
		uint32_t shift = id - r->top;

		r->seen = shift >= 64 ? 0 : r->seen << shift;
		r->seen |= 1;
		r->top = id;
		return true;
	}
	back = r->top - id;
	if (back >= 64 || (r->seen >> back & 1))
		return false;
	r->seen |= 1ULL << back;
	return true;
}
