/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_nat.c - NAT44 rewriting and port allocation: after every rewrite each
 * checksum must equal the one computed from scratch (RFC 1071) over the new
 * packet, for random TCP, UDP and ICMP echo packets and random translations;
 * ICMP errors translated with their quote (RFC 5508 §4.2); UDP without a
 * checksum left without one; what cannot be rewritten refused; ports split
 * between workers, exhausted, freed, taken, and allocated by two threads.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <criterion/criterion.h>

#include "nat/nat.h"

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint16_t csum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The TCP/UDP checksum over the pseudo-header (RFC 793, RFC 768). */
static uint16_t l4_csum(const uint8_t *ip, const uint8_t *l4, size_t l4len, uint8_t proto)
{
	uint32_t sum = 0;

	for (int i = 12; i < 20; i += 2)
		sum += get16(ip + i);
	sum += proto + (uint32_t)l4len;
	return csum(l4, l4len, sum);
}

/* A random IPv4 packet: TCP, UDP or an ICMP echo, with correct checksums.
 * Addresses in 198.18.0.0/15 and 198.51.100.0/24. */
static size_t make_packet(uint8_t *f, uint8_t proto, size_t payload)
{
	uint8_t *ip = f + 14, *l4 = ip + 20;
	size_t l4len = (proto == DP_IPPROTO_TCP ? 20 : 8) + payload;

	memset(f, 0, 14 + 20 + l4len);
	put16(f + 12, DP_ETHERTYPE_IPV4);
	ip[0] = 0x45;
	put16(ip + 2, 20 + l4len);
	ip[8] = 64;
	ip[9] = proto;
	ip[12] = 198;
	ip[13] = (uint8_t)(18 + rnd() % 2);
	ip[14] = (uint8_t)rnd();
	ip[15] = (uint8_t)rnd();
	ip[16] = 198;
	ip[17] = 51;
	ip[18] = 100;
	ip[19] = (uint8_t)rnd();
	put16(ip + 10, csum(ip, 20, 0));
	for (size_t i = 0; i < payload; i++)
		l4[l4len - payload + i] = (uint8_t)rnd();
	if (proto == DP_IPPROTO_ICMP) {
		l4[0] = rnd() % 2 ? 8 : 0;
		put16(l4 + 4, rnd());
		put16(l4 + 6, rnd());
		put16(l4 + 2, csum(l4, l4len, 0));
	} else {
		put16(l4, rnd());
		put16(l4 + 2, rnd());
		if (proto == DP_IPPROTO_UDP) {
			put16(l4 + 4, l4len);
			put16(l4 + 6, l4_csum(ip, l4, l4len, proto));
			if (get16(l4 + 6) == 0)
				put16(l4 + 6, 0xffff);
		} else {
			l4[12] = 5 << 4;
			l4[13] = 0x10;
			put16(l4 + 16, l4_csum(ip, l4, l4len, proto));
		}
	}
	return 14 + 20 + l4len;
}

/* Every checksum of the packet verifies. */
static void check_sums(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14, *l4 = ip + 20;
	size_t l4len = len - 34;

	cr_assert_eq(csum(ip, 20, 0), 0, "IP header checksum");
	if (ip[9] == DP_IPPROTO_ICMP)
		cr_assert_eq(csum(l4, l4len, 0), 0, "ICMP checksum");
	else if (ip[9] == DP_IPPROTO_TCP)
		cr_assert_eq(l4_csum(ip, l4, l4len, ip[9]), 0, "TCP checksum");
	else if (get16(l4 + 6) != 0)
		cr_assert_eq(l4_csum(ip, l4, l4len, ip[9]), 0, "UDP checksum");
}

Test(nat, rewrites_keep_every_checksum_right)
{
	static const uint8_t protos[] = { DP_IPPROTO_TCP, DP_IPPROTO_UDP, DP_IPPROTO_ICMP };
	uint8_t f[1600];

	for (unsigned i = 0; i < 20000; i++) {
		uint8_t proto = protos[i % 3];
		size_t len = make_packet(f, proto, rnd() % 1400);
		struct dp_pkt_info pi;
		enum nat_side side = rnd() % 2 ? NAT_SRC : NAT_DST;
		uint32_t addr = 0xc6130000u | (rnd() & 0xffff); /* 198.19.x.y */
		uint16_t port = (uint16_t)rnd();

		cr_assert_eq(dp_pkt_parse(f, len, &pi), 0);
		check_sums(f, len);
		cr_assert_eq(nat_rewrite(f, len, &pi, side, addr, port), 0);
		check_sums(f, len);
		cr_assert_eq((uint32_t)get16(f + 14 + (side == NAT_SRC ? 12 : 16)) << 16 |
				     get16(f + 14 + (side == NAT_SRC ? 14 : 18)),
			     addr);
		if (proto == DP_IPPROTO_ICMP)
			cr_assert_eq(get16(f + 34 + 4), port);
		else
			cr_assert_eq(get16(f + 34 + (side == NAT_SRC ? 0 : 2)), port);
	}
}

Test(nat, udp_without_checksum_stays_without)
{
	uint8_t f[200];
	size_t len = make_packet(f, DP_IPPROTO_UDP, 10);
	struct dp_pkt_info pi;

	put16(f + 34 + 6, 0);
	cr_assert_eq(dp_pkt_parse(f, len, &pi), 0);
	cr_assert_eq(nat_rewrite(f, len, &pi, NAT_SRC, 0xc6130101, 4000), 0);
	cr_assert_eq(get16(f + 34 + 6), 0);
	check_sums(f, len);
}

Test(nat, what_cannot_be_rewritten_is_refused)
{
	uint8_t f[200];
	size_t len = make_packet(f, DP_IPPROTO_ICMP, 8);
	struct dp_pkt_info pi;

	f[34] = 13; /* timestamp: no identifier we translate */
	put16(f + 36, 0);
	put16(f + 36, csum(f + 34, len - 34, 0));
	cr_assert_eq(dp_pkt_parse(f, len, &pi), 0);
	cr_assert_eq(nat_rewrite(f, len, &pi, NAT_SRC, 1, 1), -EINVAL);
	/* a later fragment: no ports */
	len = make_packet(f, DP_IPPROTO_UDP, 20);
	put16(f + 14 + 6, 100);
	put16(f + 14 + 10, 0);
	put16(f + 14 + 10, csum(f + 14, 20, 0));
	cr_assert_eq(dp_pkt_parse(f, len, &pi), 0);
	cr_assert_eq(nat_rewrite(f, len, &pi, NAT_SRC, 1, 1), -EINVAL);
}

/* An ICMP error from outside about a translated packet: build the packet as
 * it left (public source), quote it in an error to the public address, and
 * translate the error for the inside host. */
static void icmp_error_case_side(uint8_t proto, size_t quote_l4, enum nat_side side)
{
	uint8_t out[1600], err[1600];
	size_t olen = make_packet(out, proto, 40), elen;
	struct dp_pkt_info opi, epi;
	static const uint8_t smac[6] = { 2, 0, 0, 0, 0, 1 };
	uint8_t router[4] = { 198, 51, 100, 254 };
	uint8_t *ip, *icmp, *q;
	uint32_t inside = 0xc6120102; /* 198.18.1.2 */
	uint16_t inside_port = 40000;

	cr_assert_eq(dp_pkt_parse(out, olen, &opi), 0);
	/* the error about it, from a router, to the packet's (public) source */
	elen = dp_icmp_error_build(err, out, olen, &opi, 3, 3, 0, smac, router);
	cr_assert_gt(elen, 0);
	/* quote only the first 8 bytes of L4, as old routers do, when asked */
	if (quote_l4) {
		size_t cut = 14 + 20 + 8 + 20 + quote_l4;

		put16(err + 14 + 2, cut - 14);
		put16(err + 14 + 10, 0);
		put16(err + 14 + 10, csum(err + 14, 20, 0));
		put16(err + 36, 0);
		put16(err + 36, csum(err + 34, cut - 34, 0));
		elen = cut;
	}
	cr_assert_eq(dp_pkt_parse(err, elen, &epi), 0);
	cr_assert_eq(nat_rewrite_icmp_error(err, elen, &epi, side, inside, inside_port), 0);
	ip = err + 14;
	icmp = ip + 20;
	q = icmp + 8;
	cr_assert_eq(csum(ip, 20, 0), 0, "outer IP checksum");
	cr_assert_eq(csum(icmp, elen - 34, 0), 0, "ICMP checksum over the changed quote");
	cr_assert_eq(csum(q, 20, 0), 0, "quoted IP checksum");
	if (side == NAT_DST) {
		cr_assert_eq((uint32_t)get16(ip + 16) << 16 | get16(ip + 18), inside);
		cr_assert_eq((uint32_t)get16(q + 12) << 16 | get16(q + 14), inside);
	} else {
		cr_assert_eq((uint32_t)get16(ip + 12) << 16 | get16(ip + 14), inside);
		cr_assert_eq((uint32_t)get16(q + 16) << 16 | get16(q + 18), inside);
	}
	if (proto == DP_IPPROTO_ICMP) {
		cr_assert_eq(get16(q + 20 + 4), inside_port);
	} else {
		cr_assert_eq(get16(q + 20 + (side == NAT_SRC ? 2 : 0)), inside_port);
		if (!quote_l4) /* the whole packet is quoted: its L4 checksum verifies */
			cr_assert_eq(l4_csum(q, q + 20, elen - 34 - 8 - 20, proto), 0,
				     "quoted L4 checksum");
	}
}

static void icmp_error_case(uint8_t proto, size_t quote_l4)
{
	icmp_error_case_side(proto, quote_l4, NAT_DST);
	icmp_error_case_side(proto, quote_l4, NAT_SRC);
}

/* A later fragment: the address alone, the IP checksum follows; the first
 * fragment's L4 checksum (not here) covered the change. */
Test(nat, later_fragment_address_only)
{
	uint8_t f[200];
	size_t len = make_packet(f, DP_IPPROTO_UDP, 20);
	struct dp_pkt_info pi;

	put16(f + 14 + 6, 0x2000 | 100); /* MF, offset 800 */
	put16(f + 14 + 10, 0);
	put16(f + 14 + 10, csum(f + 14, 20, 0));
	cr_assert_eq(dp_pkt_parse(f, len, &pi), 0);
	cr_assert(pi.flags & DP_PKT_F_FRAG_LATER);
	cr_assert_eq(nat_rewrite_addr(f, len, &pi, NAT_SRC, 0xc6130101), 0);
	cr_assert_eq((uint32_t)get16(f + 14 + 12) << 16 | get16(f + 14 + 14), 0xc6130101);
	cr_assert_eq(csum(f + 14, 20, 0), 0, "IP header checksum");
	cr_assert_eq(nat_rewrite_addr(f, len, &pi, NAT_DST, 0xc6120102), 0);
	cr_assert_eq((uint32_t)get16(f + 14 + 16) << 16 | get16(f + 14 + 18), 0xc6120102);
	cr_assert_eq(csum(f + 14, 20, 0), 0, "IP header checksum");
}

Test(nat, icmp_errors_translated_with_their_quote)
{
	for (int i = 0; i < 200; i++) {
		icmp_error_case(DP_IPPROTO_UDP, 0);
		icmp_error_case(DP_IPPROTO_TCP, 0);
		icmp_error_case(DP_IPPROTO_ICMP, 0);
		icmp_error_case(DP_IPPROTO_UDP, 8);
		icmp_error_case(DP_IPPROTO_TCP, 8);
	}
}

Test(nat, ports_split_exhausted_freed_taken)
{
	static struct nat_ports p;
	uint16_t got[2000];
	unsigned n = 0;

	cr_assert_eq(nat_ports_init(&p, 1024, 3023, 2), 0);
	cr_assert_eq(p.lo[0], 1024);
	cr_assert_eq(p.hi[0], 2023);
	cr_assert_eq(p.lo[1], 2024);
	cr_assert_eq(p.hi[1], 3023);
	for (;;) {
		uint16_t port = nat_port_alloc(&p, 0);

		if (!port)
			break;
		cr_assert(port >= 1024 && port <= 2023);
		got[n++] = port;
	}
	cr_assert_eq(n, 1000, "the whole slice, then 0");
	cr_assert_eq(nat_port_free(&p, 0, got[500]), 0);
	cr_assert_eq(nat_port_free(&p, 0, got[500]), -EINVAL, "freed twice");
	cr_assert_eq(nat_port_free(&p, 1, got[501]), -EINVAL, "not worker 1's");
	cr_assert_eq(nat_port_alloc(&p, 0), got[500]);
	cr_assert_eq(nat_port_take(&p, 1, 2024), 0);
	cr_assert_eq(nat_port_take(&p, 1, 2024), -EINVAL);
	cr_assert_neq(nat_port_alloc(&p, 1), 2024);
	cr_assert_eq(nat_ports_init(&p, 10, 5, 1), -EINVAL);
	cr_assert_eq(nat_ports_init(&p, 1024, 1025, 3), -EINVAL);
}

Test(nat, a_freed_port_is_not_reused_at_once)
{
	static struct nat_ports p;
	uint16_t a, b;

	nat_ports_init(&p, 1024, 65535, 1);
	a = nat_port_alloc(&p, 0);
	nat_port_free(&p, 0, a);
	b = nat_port_alloc(&p, 0);
	cr_assert_neq(a, b);
}

struct worker_arg {
	struct nat_ports *p;
	unsigned w;
	unsigned n;
};

static void *alloc_all(void *arg)
{
	struct worker_arg *a = arg;

	for (int round = 0; round < 20; round++) {
		uint16_t got[32768];
		unsigned n = 0;
		uint16_t port;

		while ((port = nat_port_alloc(a->p, a->w)))
			got[n++] = port;
		a->n = n;
		for (unsigned i = 0; i < n; i++)
			nat_port_free(a->p, a->w, got[i]);
	}
	return NULL;
}

/* Two workers whose slices share a bitmap word, allocating at once: each
 * gets its whole slice every time, and nothing stays taken. */
Test(nat, two_workers_share_no_lock)
{
	static struct nat_ports p;
	struct worker_arg a[2] = { { &p, 0, 0 }, { &p, 1, 0 } };
	pthread_t t[2];

	cr_assert_eq(nat_ports_init(&p, 1000, 3001, 2), 0); /* an edge inside a word */
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, alloc_all, &a[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	cr_assert_eq(a[0].n, 1001);
	cr_assert_eq(a[1].n, 1001);
	for (unsigned i = 0; i < 65536 / 64; i++)
		cr_assert_eq(p.bitmap[i], 0);
}

/* An echo reply that is all zeros once its identifier is restored to 0 needs
 * the checksum 0xffff, which RFC 1624's update alone does not give. */
Test(nat, all_zero_echo_gets_a_valid_checksum)
{
	uint8_t f[200];
	size_t len = make_packet(f, DP_IPPROTO_ICMP, 0);
	struct dp_pkt_info pi;

	f[34] = 0; /* echo reply, id 0xff00, sequence 0 */
	put16(f + 34 + 4, 0xff00);
	put16(f + 34 + 6, 0);
	put16(f + 34 + 2, 0);
	put16(f + 34 + 2, csum(f + 34, 8, 0));
	cr_assert_eq(dp_pkt_parse(f, len, &pi), 0);
	cr_assert_eq(nat_rewrite(f, len, &pi, NAT_DST, 0xc6120102, 0), 0);
	cr_assert_eq(get16(f + 34 + 2), 0xffff);
	check_sums(f, len);
}
