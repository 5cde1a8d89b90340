/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rewrite.c - NAT44 header rewriting: an address and a port (or ICMP query
 * identifier) replaced in place, every checksum that covers them updated by
 * RFC 1624's incremental rule instead of being recomputed over the payload;
 * and the inside-bound translation of an ICMP error together with the header
 * it quotes (RFC 5508 §4.2, RFC 792). Nothing is read past the lengths the
 * parser checked or, inside an ICMP error, past the quote.
 */
#include <errno.h>
#include <string.h>

#include "nat/nat.h"

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

/* Replace the address at ip+off (12: source, 16: destination), updating the
 * IP header checksum and, through csum (NULL: none), an L4 checksum whose
 * pseudo-header holds it. Returns the old address. */
static uint32_t set_addr(uint8_t *ip, unsigned off, uint32_t addr, uint8_t *csum, bool udp)
{
	uint32_t old = rd32(ip + off);

	wr32(ip + off, addr);
	wr16(ip + 10, nat_csum_update32(rd16(ip + 10), old, addr));
	if (csum && !(udp && rd16(csum) == 0)) {
		uint16_t c = nat_csum_update32(rd16(csum), old, addr);

		wr16(csum, udp && c == 0 ? 0xffff : c); /* RFC 768: 0 means none */
	}
	return old;
}

static void set_port(uint8_t *at, uint16_t port, uint8_t *csum, bool udp)
{
	uint16_t old = rd16(at);

	wr16(at, port);
	if (csum && !(udp && rd16(csum) == 0)) {
		uint16_t c = nat_csum_update16(rd16(csum), old, port);

		wr16(csum, udp && c == 0 ? 0xffff : c);
	}
}

/* Load and store 16-bit words as they are in the packet: a one's complement
 * sum is the same in either byte order (RFC 1071 §2(B)), so the updates
 * below need no swapping. */
static inline uint16_t ld16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static inline void st16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static inline uint16_t fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The TCP/UDP case, the one on the per-packet path: the address at
 * ip+aoff and the port at pp change; the IP header checksum and the L4
 * checksum at ck (RFC 1624 eqn. 3, every changed word in one sum each). */
static void rewrite_l4(uint8_t *ip, unsigned aoff, uint8_t *pp, uint8_t *ck, uint32_t addr,
		       uint16_t port, bool udp)
{
	uint8_t na[4] = { (uint8_t)(addr >> 24), (uint8_t)(addr >> 16), (uint8_t)(addr >> 8),
			  (uint8_t)addr };
	uint8_t np[2] = { (uint8_t)(port >> 8), (uint8_t)port };
	uint16_t o0 = ld16(ip + aoff), o1 = ld16(ip + aoff + 2), n0 = ld16(na), n1 = ld16(na + 2);
	uint16_t op = ld16(pp), npw = ld16(np), c;
	uint32_t delta = (uint16_t)~o0 + (uint32_t)(uint16_t)~o1 + n0 + n1;

	memcpy(ip + aoff, na, 4);
	memcpy(pp, np, 2);
	st16(ip + 10, (uint16_t)~fold((uint16_t)~ld16(ip + 10) + delta));
	c = ld16(ck);
	if (udp && c == 0)
		return; /* RFC 768: no checksum stays none */
	c = (uint16_t)~fold((uint16_t)~c + delta + (uint16_t)~op + npw);
	st16(ck, udp && c == 0 ? 0xffff : c);
}

int nat_rewrite(uint8_t *frame, size_t len, const struct dp_pkt_info *pi, enum nat_side side,
		uint32_t addr, uint16_t port)
{
	uint8_t *ip = frame + pi->l3_off, *l4 = frame + pi->l4_off;
	size_t end = (size_t)pi->l3_off + pi->l3_len;

	if (pi->l3 != DP_L3_IPV4 || !pi->l4_off || end > len)
		return -EINVAL;
	switch (pi->l4_proto) {
	case DP_IPPROTO_TCP:
		if (pi->l4_off + 18u > end)
			return -EINVAL;
		rewrite_l4(ip, side == NAT_SRC ? 12 : 16, l4 + (side == NAT_SRC ? 0 : 2), l4 + 16,
			   addr, port, false);
		return 0;
	case DP_IPPROTO_UDP:
		if (pi->l4_off + 8u > end)
			return -EINVAL;
		rewrite_l4(ip, side == NAT_SRC ? 12 : 16, l4 + (side == NAT_SRC ? 0 : 2), l4 + 6,
			   addr, port, true);
		return 0;
	case DP_IPPROTO_ICMP:
		/* echo request and reply: the identifier is the "port"; the ICMP
		 * checksum has no pseudo-header (RFC 792) */
		if ((pi->icmp_type != 8 && pi->icmp_type != 0) || pi->l4_off + 8u > end)
			return -EINVAL;
		set_addr(ip, side == NAT_SRC ? 12 : 16, addr, NULL, false);
		set_port(l4 + 4, port, l4 + 2, false);
		if (rd16(l4 + 2) == 0) {
			/* RFC 1624's update yields 0x0000 where an all-zero message
			 * needs 0xffff; ICMP has no pseudo-header to rule that out,
			 * so in this one case (1 in 65536) sum it whole */
			wr16(l4 + 2, 0);
			wr16(l4 + 2, dp_csum_fold(dp_csum_add(0, l4, end - pi->l4_off)));
		}
		return 0;
	default:
		return -EINVAL;
	}
}

int nat_rewrite_addr(uint8_t *frame, size_t len, const struct dp_pkt_info *pi, enum nat_side side,
		     uint32_t addr)
{
	if (pi->l3 != DP_L3_IPV4 || (size_t)pi->l3_off + 20 > len)
		return -EINVAL;
	set_addr(frame + pi->l3_off, side == NAT_SRC ? 12 : 16, addr, NULL, false);
	return 0;
}

int nat_rewrite_icmp_error(uint8_t *frame, size_t len, const struct dp_pkt_info *pi,
			   enum nat_side side, uint32_t addr, uint16_t port)
{
	/* NAT_DST: outer destination, quoted source; NAT_SRC: the other two */
	unsigned outer = side == NAT_SRC ? 12 : 16, quoted = side == NAT_SRC ? 16 : 12;
	unsigned qport = side == NAT_SRC ? 2 : 0;
	size_t end = (size_t)pi->l3_off + pi->l3_len, q, ihl, ql4;
	uint8_t *ip = frame + pi->l3_off, *icmp = frame + pi->l4_off, *qip, *ql;
	uint16_t icsum, old_qsum, new_qsum;
	uint32_t old;
	uint8_t proto;

	if (pi->l3 != DP_L3_IPV4 || pi->l4_proto != DP_IPPROTO_ICMP || !pi->l4_off || end > len ||
	    !dp_icmp_is_error(4, pi->icmp_type))
		return -EINVAL;
	q = (size_t)pi->l4_off + 8;
	if (q + 20 > end)
		return -EINVAL;
	qip = frame + q;
	ihl = (size_t)(qip[0] & 0xf) * 4;
	if ((qip[0] >> 4) != 4 || ihl < 20 || q + ihl + 8 > end || (rd16(qip + 6) & 0x1fff))
		return -EINVAL;
	proto = qip[9];
	ql4 = q + ihl;
	ql = frame + ql4;
	if (proto != DP_IPPROTO_TCP && proto != DP_IPPROTO_UDP &&
	    !(proto == DP_IPPROTO_ICMP && (ql[0] == 8 || ql[0] == 0)))
		return -EINVAL;

	/* the outer address: no pseudo-header in ICMP, only the IP checksum */
	set_addr(ip, outer, addr, NULL, false);

	/* every byte of the quote is under the ICMP checksum: follow each change */
	icsum = rd16(icmp + 2);
	old = rd32(qip + quoted);
	old_qsum = rd16(qip + 10);
	wr32(qip + quoted, addr);
	new_qsum = nat_csum_update32(old_qsum, old, addr);
	wr16(qip + 10, new_qsum);
	icsum = nat_csum_update32(icsum, old, addr);
	icsum = nat_csum_update16(icsum, old_qsum, new_qsum);
	if (proto == DP_IPPROTO_ICMP) {
		/* a quoted echo: its identifier and its checksum (no pseudo-header) */
		uint16_t oid = rd16(ql + 4), oc = rd16(ql + 2),
			 nc = nat_csum_update16(oc, oid, port);

		wr16(ql + 4, port);
		wr16(ql + 2, nc);
		icsum = nat_csum_update16(icsum, oid, port);
		icsum = nat_csum_update16(icsum, oc, nc);
	} else {
		uint16_t oport = rd16(ql + qport);
		/* the quoted L4 checksum when it is inside the quote */
		size_t coff = proto == DP_IPPROTO_TCP ? 16 : 6;

		wr16(ql + qport, port);
		icsum = nat_csum_update16(icsum, oport, port);
		if (ql4 + coff + 2 <= end && !(proto == DP_IPPROTO_UDP && rd16(ql + coff) == 0)) {
			uint16_t oc = rd16(ql + coff), nc;

			nc = nat_csum_update32(oc, old, addr);
			nc = nat_csum_update16(nc, oport, port);
			if (proto == DP_IPPROTO_UDP && nc == 0)
				nc = 0xffff;
			wr16(ql + coff, nc);
			icsum = nat_csum_update16(icsum, oc, nc);
		}
	}
	wr16(icmp + 2, icsum);
	return 0;
}
