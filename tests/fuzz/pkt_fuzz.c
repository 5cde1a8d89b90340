/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pkt_fuzz.c - the dataplane's packet parser and everything that reads a
 * parsed packet (ARP, ND, ICMP error quoting, echo reply, TTL decrement), on
 * arbitrary bytes. Beyond memory safety it checks what the worker relies on:
 * the offsets stay inside the frame, whatever pkt.c writes parses back with
 * valid checksums (counted here by a plain RFC 1071 sum, not dp_csum_*), and
 * no ICMP error is allowed about an error we built.
 * Seeds: tests/fuzz/corpus/pkt/ (tests/fuzz/corpus/make_pkt_seeds.py).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                              \
	do {                                                                                  \
		if (!(c)) {                                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
			abort();                                                              \
		}                                                                             \
	} while (0)

static const uint8_t MAC_ME[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t IP4_ME[4] = { 198, 18, 1, 1 };
static const uint8_t IP6_ME[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 };

static unsigned get16(const uint8_t *p)
{
	return (unsigned)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint64_t ref_sum(const uint8_t *p, size_t len, uint64_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint64_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint64_t)p[len - 1] << 8;
	return sum;
}

static uint16_t ref_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static bool csum_ok(const uint8_t *p, size_t len)
{
	return ref_fold(ref_sum(p, len, 0)) == 0;
}

static bool csum6_ok(const uint8_t *ip6, const uint8_t *l4, size_t len)
{
	uint64_t sum = ref_sum(ip6 + 8, 32, 0) + (len >> 16) + (len & 0xffff) + DP_IPPROTO_ICMPV6;

	return ref_fold(ref_sum(l4, len, sum)) == 0;
}

/* Is the ICMP or ICMPv6 checksum of the parsed frame b valid? */
static bool l4_csum_ok(const uint8_t *b, const struct dp_pkt_info *pi)
{
	size_t len = (size_t)pi->l3_off + pi->l3_len - pi->l4_off;

	if (pi->l3 == DP_L3_IPV4)
		return csum_ok(b + pi->l4_off, len);
	return csum6_ok(b + pi->l3_off, b + pi->l4_off, len);
}

static void check_info(const struct dp_pkt_info *pi, size_t size)
{
	size_t end = (size_t)pi->l3_off + pi->l3_len;

	CHECK(pi->l3_off == DP_ETH_HLEN);
	CHECK(end <= size);
	switch (pi->l3) {
	case DP_L3_ARP:
		CHECK(pi->l3_len == 28);
		CHECK(pi->l4_off == 0);
		return;
	case DP_L3_IPV4:
		CHECK(pi->l3_len >= 20);
		break;
	case DP_L3_IPV6:
		CHECK(pi->l3_len >= 40);
		break;
	default:
		CHECK(!"parsed to no L3");
	}
	if (pi->flags & DP_PKT_F_FRAG_LATER) {
		CHECK(pi->flags & DP_PKT_F_FRAG);
		CHECK(pi->l4_off == 0);
	}
	if (pi->l4_off) {
		CHECK(pi->l4_off >= pi->l3_off + (pi->l3 == DP_L3_IPV4 ? 20 : 40));
		CHECK(pi->l4_off < end);
		/* what the worker and pkt.c read there: 8 bytes at least */
		CHECK(pi->l4_off + 8 <= end);
	}
}

/* The header fields the parser vouches for, read again here. */
static void check_headers(const uint8_t *b, const struct dp_pkt_info *pi)
{
	const uint8_t *ip = b + pi->l3_off, *l4 = b + pi->l4_off;
	size_t end = (size_t)pi->l3_off + pi->l3_len;

	if (pi->l3 == DP_L3_IPV4) {
		CHECK(ip[0] >> 4 == 4 && (ip[0] & 0xf) >= 5);
		CHECK(get16(ip + 2) == pi->l3_len);
		CHECK((size_t)(ip[0] & 0xf) * 4 <= pi->l3_len);
		CHECK(csum_ok(ip, (size_t)(ip[0] & 0xf) * 4));
		CHECK(pi->ttl == ip[8]);
	} else {
		CHECK(ip[0] >> 4 == 6);
		CHECK(get16(ip + 4) + 40u == pi->l3_len);
		CHECK(pi->ttl == ip[7]);
	}
	if (!pi->l4_off || (pi->flags & DP_PKT_F_FRAG))
		return;
	switch (pi->l4_proto) {
	case DP_IPPROTO_TCP:
		CHECK(l4[12] >> 4 >= 5 && pi->l4_off + (size_t)(l4[12] >> 4) * 4 <= end);
		CHECK(pi->sport == get16(l4) && pi->dport == get16(l4 + 2));
		break;
	case DP_IPPROTO_UDP:
		CHECK(get16(l4 + 4) >= 8 && pi->l4_off + get16(l4 + 4) <= end);
		CHECK(pi->sport == get16(l4) && pi->dport == get16(l4 + 2));
		break;
	case DP_IPPROTO_ICMP:
	case DP_IPPROTO_ICMPV6:
		CHECK(pi->icmp_type == l4[0] && pi->icmp_code == l4[1]);
		break;
	}
}

static void check_arp(const uint8_t *b, size_t size)
{
	struct dp_arp arp, back;
	struct dp_pkt_info pi;
	uint8_t out[60];

	if (dp_arp_parse(b, size, &arp) != 0)
		return;
	CHECK(arp.op == 1 || arp.op == 2);
	/* what we build from it parses back to the same message */
	CHECK(dp_arp_build(out, arp.op, b + 6, b, arp.sha, arp.spa, arp.tha, arp.tpa) == 60);
	CHECK(dp_pkt_parse(out, 60, &pi) == 0 && pi.l3 == DP_L3_ARP);
	CHECK(dp_arp_parse(out, 60, &back) == 0);
	CHECK(memcmp(&arp, &back, sizeof(arp)) == 0);
}

static void check_nd(const uint8_t *b, size_t size, const struct dp_pkt_info *pi)
{
	uint8_t out[DP_ND_NA_LEN > DP_ND_NS_LEN ? DP_ND_NA_LEN : DP_ND_NS_LEN];
	struct dp_pkt_info opi;
	struct dp_nd nd, back;
	int rc = dp_nd_parse(b, size, pi, &nd);
	size_t n;

	CHECK(rc == 0 || rc == -EBADMSG || rc == -ENOENT);
	if (rc != 0)
		return;
	CHECK(nd.type == DP_ND_NS || nd.type == DP_ND_NA);
	CHECK(pi->ttl == 255);
	CHECK(nd.target[0] != 0xff);
	CHECK(memcmp(nd.src, b + pi->l3_off + 8, 16) == 0);
	CHECK(l4_csum_ok(b, pi));
	/* answer it (or solicit its target) as the worker does; that parses back */
	if (nd.type == DP_ND_NS)
		n = dp_nd_na_build(out, MAC_ME, nd.has_ll ? nd.ll : b + 6, nd.target, nd.src, true);
	else
		n = dp_nd_ns_build(out, MAC_ME, IP6_ME, nd.target);
	CHECK(n == sizeof(out));
	CHECK(dp_pkt_parse(out, n, &opi) == 0);
	CHECK(dp_nd_parse(out, n, &opi, &back) == 0);
	CHECK(back.type == (nd.type == DP_ND_NS ? DP_ND_NA : DP_ND_NS));
	CHECK(memcmp(back.target, nd.target, 16) == 0);
	CHECK(back.has_ll && memcmp(back.ll, MAC_ME, 6) == 0);
}

static void check_icmp_error(const uint8_t *b, size_t size, const struct dp_pkt_info *pi,
			     uint8_t pick)
{
	static const uint8_t kinds[2][3][2] = {
		{ { DP_ICMP_TIMXCEED, 0 },
		  { DP_ICMP_UNREACH, DP_ICMP_UNREACH_NEEDFRAG },
		  { DP_ICMP_UNREACH, DP_ICMP_UNREACH_HOST } },
		{ { DP_ICMP6_TIME_EXCEEDED, 0 },
		  { DP_ICMP6_PKT_TOO_BIG, 0 },
		  { DP_ICMP6_UNREACH, DP_ICMP6_UNREACH_ADDR } },
	};
	static uint8_t err[DP_ICMP_ERROR_MAX];
	const uint8_t *kind = kinds[pi->l3 == DP_L3_IPV6][pick % 3];
	bool v4 = pi->l3 == DP_L3_IPV4, allowed = dp_icmp_error_allowed(b, size, pi);
	size_t n, hlen = v4 ? 20 : 40, quote;
	struct dp_pkt_info epi;

	n = dp_icmp_error_build(err, b, size, pi, kind[0], kind[1], 1280, MAC_ME,
				v4 ? IP4_ME : IP6_ME);
	CHECK(n <= DP_ICMP_ERROR_MAX);
	CHECK((n != 0) == allowed);
	if (!n)
		return;
	quote = n - DP_ETH_HLEN - hlen - 8;
	CHECK(quote == (pi->l3_len < (v4 ? 548 : 1232) ? pi->l3_len : (v4 ? 548u : 1232u)));
	CHECK(memcmp(err + DP_ETH_HLEN + hlen + 8, b + pi->l3_off, quote) == 0);
	CHECK(memcmp(err, b + 6, 6) == 0);
	CHECK(dp_pkt_parse(err, n, &epi) == 0);
	CHECK(epi.l3 == pi->l3);
	CHECK((size_t)epi.l3_off + epi.l3_len == n);
	CHECK(epi.l4_off == DP_ETH_HLEN + hlen);
	CHECK(epi.icmp_type == kind[0] && epi.icmp_code == kind[1]);
	if (v4)
		CHECK(csum_ok(err + DP_ETH_HLEN, 20));
	CHECK(l4_csum_ok(err, &epi));
	/* back to the source of the original */
	CHECK(memcmp(err + DP_ETH_HLEN + (v4 ? 16 : 24), b + pi->l3_off + (v4 ? 12 : 8),
		     v4 ? 4 : 16) == 0);
	/* RFC 1812 §4.3.2.7, RFC 4443 §2.4 (e): never an error about an error */
	CHECK(!dp_icmp_error_allowed(err, n, &epi));
}

static void check_ttl(uint8_t *b, size_t size, const struct dp_pkt_info *pi)
{
	struct dp_pkt_info after;
	uint8_t *ip = b + pi->l3_off;

	if (pi->ttl == 0)
		return;
	dp_ipv4_dec_ttl(ip);
	CHECK(ip[8] == pi->ttl - 1);
	CHECK(csum_ok(ip, (size_t)(ip[0] & 0xf) * 4));
	CHECK(dp_pkt_parse(b, size, &after) == 0);
	CHECK(after.ttl == pi->ttl - 1);
}

static void check_echo(uint8_t *b, size_t size, const struct dp_pkt_info *pi)
{
	uint8_t macs[12];
	bool was_valid = pi->l4_off && l4_csum_ok(b, pi);
	struct dp_pkt_info after;

	memcpy(macs, b, 12);
	if (dp_icmp_echo_reply(b, size, pi) != 0)
		return;
	CHECK(pi->l4_off != 0 && !(pi->flags & DP_PKT_F_FRAG));
	CHECK(memcmp(b, macs + 6, 6) == 0 && memcmp(b + 6, macs, 6) == 0);
	CHECK(dp_pkt_parse(b, size, &after) == 0);
	CHECK(after.l4_off == pi->l4_off && after.l3_len == pi->l3_len);
	CHECK(after.icmp_type == (pi->l3 == DP_L3_IPV4 ? 0 : 129));
	CHECK(after.ttl == 64);
	/* an incremental update keeps a valid checksum valid */
	if (was_valid)
		CHECK(l4_csum_ok(b, &after));
}

/* Everything, on one frame (which it changes). */
static void run(uint8_t *b, size_t size, uint8_t pick)
{
	struct dp_pkt_info pi;
	int rc = dp_pkt_parse(b, size, &pi);

	CHECK(rc == 0 || rc == -EBADMSG || rc == -EPROTONOSUPPORT);
	if (rc != 0)
		return;
	check_info(&pi, size);
	if (pi.l3 == DP_L3_ARP) {
		check_arp(b, size);
		return;
	}
	check_headers(b, &pi);
	if (pi.l3 == DP_L3_IPV6)
		check_nd(b, size, &pi);
	check_icmp_error(b, size, &pi, pick);
	if (pi.l3 == DP_L3_IPV4) {
		check_ttl(b, size, &pi);
		CHECK(dp_pkt_parse(b, size, &pi) == 0);
	}
	check_echo(b, size, &pi);
}

/* Make the IPv4 header checksum, then the ICMP or ICMPv6 one, valid: most
 * mutations break one and stop there. True when a byte changed. */
static bool fix_csums(uint8_t *b, size_t size)
{
	struct dp_pkt_info pi;
	uint8_t old[4];
	size_t hl, len;
	uint8_t *c;

	if (size < DP_ETH_HLEN + 20)
		return false;
	memcpy(old, b + DP_ETH_HLEN + 10, 2);
	hl = (size_t)(b[DP_ETH_HLEN] & 0xf) * 4;
	if (get16(b + 12) == DP_ETHERTYPE_IPV4 && hl >= 20 && DP_ETH_HLEN + hl <= size) {
		put16(b + DP_ETH_HLEN + 10, 0);
		put16(b + DP_ETH_HLEN + 10, ref_fold(ref_sum(b + DP_ETH_HLEN, hl, 0)));
	}
	if (dp_pkt_parse(b, size, &pi) != 0 || !pi.l4_off || (pi.flags & DP_PKT_F_FRAG) ||
	    pi.l4_proto != (pi.l3 == DP_L3_IPV4 ? DP_IPPROTO_ICMP : DP_IPPROTO_ICMPV6))
		return memcmp(old, b + DP_ETH_HLEN + 10, 2) != 0;
	c = b + pi.l4_off;
	len = (size_t)pi.l3_off + pi.l3_len - pi.l4_off;
	memcpy(old + 2, c + 2, 2);
	put16(c + 2, 0);
	if (pi.l3 == DP_L3_IPV4)
		put16(c + 2, ref_fold(ref_sum(c, len, 0)));
	else
		put16(c + 2, ref_fold(ref_sum(c, len,
					      ref_sum(b + pi.l3_off + 8, 32, 0) + (len >> 16) +
						      (len & 0xffff) + DP_IPPROTO_ICMPV6)));
	return memcmp(old, b + DP_ETH_HLEN + 10, 2) != 0 || memcmp(old + 2, c + 2, 2) != 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t pick = size ? data[size - 1] : 0;
	uint8_t *b;

	/* the worker passes an mbuf's 16-bit data_len */
	if (size > 65535)
		return 0;
	/* exact-size copies, so that any read past the end is caught */
	b = malloc(size ? size : 1);
	if (!b)
		return 0;
	memcpy(b, data, size);
	run(b, size, pick);
	memcpy(b, data, size);
	if (fix_csums(b, size))
		run(b, size, pick);
	free(b);
	return 0;
}
