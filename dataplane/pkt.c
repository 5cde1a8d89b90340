/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pkt.c - the worker's "parse once" step and the packets the dataplane writes
 * itself. Everything reads through explicit lengths: a field is read only
 * after the check that it lies inside the frame.
 */
#include <errno.h>
#include <string.h>

#include "dataplane/pkt.h"

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

uint32_t dp_csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t acc = 0;

	/* four bytes at a time in host order, folded, then swapped to network
	 * order: the ones' complement sum does not care which (RFC 1071 2.B) */
	for (; len >= 4; p += 4, len -= 4) {
		uint32_t w;

		memcpy(&w, p, 4);
		acc += w;
	}
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	acc = __builtin_bswap16((uint16_t)acc);
#endif
	sum += (uint32_t)acc;
	while (len > 1) {
		sum += rd16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

uint16_t dp_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), on the 16-bit word holding TTL. */
void dp_ipv4_dec_ttl(uint8_t *ip)
{
	uint16_t old_word = rd16(ip + 8);
	uint32_t sum;

	ip[8]--;
	sum = (uint16_t)~rd16(ip + 10);
	sum += (uint16_t)~old_word;
	sum += rd16(ip + 8);
	wr16(ip + 10, dp_csum_fold(sum));
}

static int parse_l4(const uint8_t *frame, size_t end, size_t off, struct dp_pkt_info *pi)
{
	switch (pi->l4_proto) {
	case DP_IPPROTO_TCP:
		if (end - off < 20)
			return -EBADMSG;
		if ((frame[off + 12] >> 4) < 5 || (size_t)(frame[off + 12] >> 4) * 4 > end - off)
			return -EBADMSG;
		break;
	case DP_IPPROTO_UDP:
		if (end - off < 8 || rd16(frame + off + 4) < 8 || rd16(frame + off + 4) > end - off)
			return -EBADMSG;
		break;
	case DP_IPPROTO_ICMP:
	case DP_IPPROTO_ICMPV6:
		if (end - off < 8)
			return -EBADMSG;
		pi->icmp_type = frame[off];
		pi->icmp_code = frame[off + 1];
		pi->l4_off = (uint16_t)off;
		return 0;
	default:
		return 0; /* forwarded without looking inside */
	}
	pi->sport = rd16(frame + off);
	pi->dport = rd16(frame + off + 2);
	pi->l4_off = (uint16_t)off;
	return 0;
}

static int parse_ipv4(const uint8_t *frame, size_t len, struct dp_pkt_info *pi)
{
	const uint8_t *ip = frame + pi->l3_off;
	size_t avail = len - pi->l3_off, ihl;
	uint16_t frag;

	if (avail < 20 || (ip[0] >> 4) != 4)
		return -EBADMSG;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	pi->l3_len = rd16(ip + 2);
	if (ihl < 20 || pi->l3_len < ihl || pi->l3_len > avail)
		return -EBADMSG;
	if (dp_csum_fold(dp_csum_add(0, ip, ihl)) != 0)
		return -EBADMSG;
	pi->l4_proto = ip[9];
	pi->ttl = ip[8];
	frag = rd16(ip + 6);
	if (frag & 0x4000)
		pi->flags |= DP_PKT_F_DF;
	if (frag & 0x3fff) {
		pi->flags |= DP_PKT_F_FRAG;
		if (frag & 0x1fff) {
			pi->flags |= DP_PKT_F_FRAG_LATER;
			return 0; /* no L4 header in later fragments */
		}
	}
	if (pi->flags & DP_PKT_F_FRAG) {
		/* A first fragment may cut the L4 header short: read only
		 * what is certainly there. */
		if (pi->l3_len - ihl >= 8) {
			pi->l4_off = (uint16_t)(pi->l3_off + ihl);
			pi->sport = rd16(ip + ihl);
			pi->dport = rd16(ip + ihl + 2);
			pi->icmp_type = ip[ihl];
			pi->icmp_code = ip[ihl + 1];
		}
		return 0;
	}
	return parse_l4(frame, pi->l3_off + pi->l3_len, pi->l3_off + ihl, pi);
}

/* RFC 8200 §4: walk the extension headers we can skip to the upper layer. */
static int parse_ipv6(const uint8_t *frame, size_t len, struct dp_pkt_info *pi)
{
	const uint8_t *ip = frame + pi->l3_off;
	size_t avail = len - pi->l3_off, off, end;
	uint8_t nh;
	int hops;

	if (avail < 40 || (ip[0] >> 4) != 6)
		return -EBADMSG;
	/* no jumbograms (RFC 2675): l3_len must fit its 16 bits */
	if ((size_t)rd16(ip + 4) + 40 > avail || rd16(ip + 4) > 65535 - 40)
		return -EBADMSG;
	pi->l3_len = (uint16_t)(rd16(ip + 4) + 40);
	pi->ttl = ip[7];
	nh = ip[6];
	off = pi->l3_off + 40;
	end = pi->l3_off + pi->l3_len;
	for (hops = 0; hops < 8; hops++) {
		switch (nh) {
		case 0:	 /* hop-by-hop options */
		case 43: /* routing */
		case 60: /* destination options */
			if (end - off < 8 || end - off < (size_t)(frame[off + 1] + 1) * 8)
				return -EBADMSG;
			nh = frame[off];
			off += (size_t)(frame[off + 1] + 1) * 8;
			continue;
		case 44: /* fragment */
			if (end - off < 8)
				return -EBADMSG;
			pi->flags |= DP_PKT_F_FRAG;
			if (rd16(frame + off + 2) & 0xfff8) {
				pi->flags |= DP_PKT_F_FRAG_LATER;
				pi->l4_proto = frame[off];
				return 0;
			}
			nh = frame[off];
			off += 8;
			continue;
		default:
			pi->l4_proto = nh;
			if (pi->flags & DP_PKT_F_FRAG) {
				if (end - off >= 8) {
					pi->l4_off = (uint16_t)off;
					pi->sport = rd16(frame + off);
					pi->dport = rd16(frame + off + 2);
					pi->icmp_type = frame[off];
					pi->icmp_code = frame[off + 1];
				}
				return 0;
			}
			return parse_l4(frame, end, off, pi);
		}
	}
	return -EBADMSG; /* too many extension headers */
}

int dp_pkt_parse(const uint8_t *frame, size_t len, struct dp_pkt_info *pi)
{
	memset(pi, 0, sizeof(*pi));
	if (len < DP_ETH_HLEN)
		return -EBADMSG;
	if (frame[0] & 1) {
		pi->flags |= DP_PKT_F_L2_MCAST;
		if (memcmp(frame, "\xff\xff\xff\xff\xff\xff", 6) == 0)
			pi->flags |= DP_PKT_F_L2_BCAST;
	}
	pi->ethertype = rd16(frame + 12);
	pi->l3_off = DP_ETH_HLEN;
	switch (pi->ethertype) {
	case DP_ETHERTYPE_IPV4:
		pi->l3 = DP_L3_IPV4;
		return parse_ipv4(frame, len, pi);
	case DP_ETHERTYPE_IPV6:
		pi->l3 = DP_L3_IPV6;
		return parse_ipv6(frame, len, pi);
	case DP_ETHERTYPE_ARP:
		pi->l3 = DP_L3_ARP;
		if (len - DP_ETH_HLEN < 28)
			return -EBADMSG;
		pi->l3_len = 28;
		return 0;
	default:
		return -EPROTONOSUPPORT;
	}
}

int dp_arp_parse(const uint8_t *frame, size_t len, struct dp_arp *arp)
{
	const uint8_t *a = frame + DP_ETH_HLEN;

	if (len < DP_ETH_HLEN + 28)
		return -EBADMSG;
	/* Ethernet (1), IPv4, hlen 6, plen 4 */
	if (rd16(a) != 1 || rd16(a + 2) != DP_ETHERTYPE_IPV4 || a[4] != 6 || a[5] != 4)
		return -EBADMSG;
	arp->op = rd16(a + 6);
	if (arp->op != 1 && arp->op != 2)
		return -EBADMSG;
	memcpy(arp->sha, a + 8, 6);
	memcpy(arp->spa, a + 14, 4);
	memcpy(arp->tha, a + 18, 6);
	memcpy(arp->tpa, a + 24, 4);
	return 0;
}

size_t dp_arp_build(uint8_t *buf, uint16_t op, const uint8_t smac[6], const uint8_t dmac[6],
		    const uint8_t sha[6], const uint8_t spa[4], const uint8_t tha[6],
		    const uint8_t tpa[4])
{
	uint8_t *a = buf + DP_ETH_HLEN;

	memcpy(buf, dmac, 6);
	memcpy(buf + 6, smac, 6);
	wr16(buf + 12, DP_ETHERTYPE_ARP);
	wr16(a, 1);
	wr16(a + 2, DP_ETHERTYPE_IPV4);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, op);
	memcpy(a + 8, sha, 6);
	memcpy(a + 14, spa, 4);
	memcpy(a + 18, tha, 6);
	memcpy(a + 24, tpa, 4);
	memset(a + 28, 0, 60 - DP_ETH_HLEN - 28); /* pad to the Ethernet minimum */
	return 60;
}

/* The ICMPv6 checksum covers a pseudo-header (RFC 8200 §8.1). */
static uint16_t icmp6_csum(const uint8_t *ip6, const uint8_t *icmp, size_t icmp_len)
{
	uint32_t sum = dp_csum_add(0, ip6 + 8, 32);

	sum += (uint32_t)(icmp_len >> 16) + (uint32_t)(icmp_len & 0xffff);
	sum += DP_IPPROTO_ICMPV6;
	return dp_csum_fold(dp_csum_add(sum, icmp, icmp_len));
}

int dp_nd_parse(const uint8_t *frame, size_t len, const struct dp_pkt_info *pi, struct dp_nd *nd)
{
	const uint8_t *ip = frame + pi->l3_off, *icmp, *opt;
	size_t icmp_len, olen;
	uint8_t want_opt;

	if (pi->l3 != DP_L3_IPV6 || pi->l4_proto != DP_IPPROTO_ICMPV6 || pi->l4_off == 0)
		return -ENOENT;
	if (pi->icmp_type != DP_ND_NS && pi->icmp_type != DP_ND_NA)
		return -ENOENT;
	icmp = frame + pi->l4_off;
	icmp_len = (size_t)(pi->l3_off + pi->l3_len - pi->l4_off);
	/* RFC 4861 §7.1.1/§7.1.2 validity checks */
	if (pi->ttl != 255 || icmp[1] != 0 || icmp_len < 24 || pi->l4_off != pi->l3_off + 40)
		return -EBADMSG;
	if (icmp6_csum(ip, icmp, icmp_len) != 0)
		return -EBADMSG;
	(void)len;
	memset(nd, 0, sizeof(*nd));
	nd->type = icmp[0];
	memcpy(nd->target, icmp + 8, 16);
	memcpy(nd->src, ip + 8, 16);
	if (nd->target[0] == 0xff)
		return -EBADMSG; /* target must not be multicast */
	nd->solicited = nd->type == DP_ND_NA && (icmp[4] & 0x40);
	want_opt = nd->type == DP_ND_NS ? 1 : 2;
	for (opt = icmp + 24, olen = icmp_len - 24; olen > 0;) {
		size_t l;

		if (olen < 2 || opt[1] == 0 || (size_t)opt[1] * 8 > olen)
			return -EBADMSG;
		l = (size_t)opt[1] * 8;
		if (opt[0] == want_opt && l == 8) {
			nd->has_ll = true;
			memcpy(nd->ll, opt + 2, 6);
		}
		opt += l;
		olen -= l;
	}
	return 0;
}

static void ip6_header(uint8_t *ip, uint16_t plen, uint8_t nh, uint8_t hlim, const uint8_t src[16],
		       const uint8_t dst[16])
{
	ip[0] = 0x60;
	ip[1] = ip[2] = ip[3] = 0;
	wr16(ip + 4, plen);
	ip[6] = nh;
	ip[7] = hlim;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
}

/* The IPv6 header and ND message of an NS or NA (RFC 4861 §4.3, §4.4) after
 * the Ethernet addresses: flags, target, and one link-layer address option
 * (1 source, 2 target) carrying smac. */
static void nd_message(uint8_t *buf, uint8_t type, uint8_t flags, const uint8_t *src,
		       const uint8_t *dst, const uint8_t *target, uint8_t opt, const uint8_t *smac)
{
	uint8_t *ip = buf + DP_ETH_HLEN, *icmp = ip + 40;

	wr16(buf + 12, DP_ETHERTYPE_IPV6);
	ip6_header(ip, 32, DP_IPPROTO_ICMPV6, 255, src, dst);
	memset(icmp, 0, 32);
	icmp[0] = type;
	icmp[4] = flags;
	memcpy(icmp + 8, target, 16);
	icmp[24] = opt;
	icmp[25] = 1; /* 8 bytes */
	memcpy(icmp + 26, smac, 6);
	wr16(icmp + 2, icmp6_csum(ip, icmp, 32));
}

size_t dp_nd_ns_build(uint8_t *buf, const uint8_t smac[6], const uint8_t src[16],
		      const uint8_t target[16])
{
	static const uint8_t snm[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff };
	uint8_t dst[16];

	/* RFC 4291 §2.7.1 solicited-node group; RFC 2464 §7 its MAC */
	memcpy(dst, snm, 13);
	memcpy(dst + 13, target + 13, 3);
	buf[0] = 0x33;
	buf[1] = 0x33;
	memcpy(buf + 2, dst + 12, 4);
	memcpy(buf + 6, smac, 6);
	nd_message(buf, DP_ND_NS, 0, src, dst, target, 1, smac);
	return DP_ND_NS_LEN;
}

size_t dp_nd_na_build(uint8_t *buf, const uint8_t smac[6], const uint8_t dmac[6],
		      const uint8_t target[16], const uint8_t *dst, bool solicited)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };

	if (!dst) {
		dst = all_nodes;
		dmac = (const uint8_t *)"\x33\x33\x00\x00\x00\x01";
	}
	memcpy(buf, dmac, 6);
	memcpy(buf + 6, smac, 6);
	/* router, override, and solicited when answering a solicitation */
	nd_message(buf, DP_ND_NA, 0x80 | 0x20 | (solicited ? 0x40 : 0), target, dst, target, 2,
		   smac);
	return DP_ND_NA_LEN;
}

int dp_icmp_echo_reply(uint8_t *frame, size_t len, const struct dp_pkt_info *pi)
{
	uint8_t tmp[16], *ip = frame + pi->l3_off, *icmp;
	size_t ihl;
	uint32_t sum;

	(void)len;
	if (pi->l4_off == 0 || (pi->flags & DP_PKT_F_FRAG))
		return -EINVAL;
	/* check everything first: a refused request is left as it came */
	if (pi->l3 == DP_L3_IPV4) {
		if (pi->l4_proto != DP_IPPROTO_ICMP || pi->icmp_type != 8 || pi->icmp_code != 0)
			return -EINVAL;
	} else if (pi->l3 != DP_L3_IPV6 || pi->l4_proto != DP_IPPROTO_ICMPV6 ||
		   pi->icmp_type != 128 || pi->icmp_code != 0) {
		return -EINVAL;
	}
	icmp = frame + pi->l4_off;
	memcpy(tmp, frame, 6);
	memcpy(frame, frame + 6, 6);
	memcpy(frame + 6, tmp, 6);
	if (pi->l3 == DP_L3_IPV4) {
		ihl = (size_t)(ip[0] & 0xf) * 4;
		memcpy(tmp, ip + 12, 4);
		memcpy(ip + 12, ip + 16, 4);
		memcpy(ip + 16, tmp, 4);
		ip[8] = 64;
		wr16(ip + 10, 0);
		wr16(ip + 10, dp_csum_fold(dp_csum_add(0, ip, ihl)));
		/* Recomputed, not updated: an incremental update of an all-zero
		 * reply would give +0 (0x0000) where the sum must be 0xffff. */
		icmp[0] = 0;
		wr16(icmp + 2, 0);
		wr16(icmp + 2,
		     dp_csum_fold(dp_csum_add(0, icmp, pi->l3_off + pi->l3_len - pi->l4_off)));
		return 0;
	}
	memcpy(tmp, ip + 8, 16);
	memcpy(ip + 8, ip + 24, 16);
	memcpy(ip + 24, tmp, 16);
	ip[7] = 64;
	icmp[0] = 129; /* the pseudo-header sum is unchanged by the swap, never zero */
	sum = (uint16_t)~rd16(icmp + 2);
	sum += (uint16_t) ~(128u << 8);
	sum += 129u << 8;
	wr16(icmp + 2, dp_csum_fold(sum));
	return 0;
}

static bool ipv4_special_src(const uint8_t *a)
{
	return a[0] == 0 || a[0] == 127 || a[0] >= 224;
}

bool dp_icmp_error_allowed(const uint8_t *frame, size_t len, const struct dp_pkt_info *pi)
{
	const uint8_t *ip = frame + pi->l3_off;

	(void)len;
	if (pi->flags & (DP_PKT_F_FRAG_LATER | DP_PKT_F_L2_MCAST))
		return false;
	if (pi->l3 == DP_L3_IPV4) {
		/* RFC 1812 §4.3.2.7 */
		if (ipv4_special_src(ip + 12) || ip[16] >= 224)
			return false;
		if (pi->l4_proto == DP_IPPROTO_ICMP) {
			if (pi->l4_off == 0)
				return false;
			/* errors only about queries: echo, timestamp, info */
			return pi->icmp_type == 8 || pi->icmp_type == 0 || pi->icmp_type == 13 ||
			       pi->icmp_type == 14;
		}
		return true;
	}
	if (pi->l3 == DP_L3_IPV6) {
		static const uint8_t zero[16];

		/* RFC 4443 §2.4 (e) */
		if (ip[8] == 0xff || memcmp(ip + 8, zero, 16) == 0 || ip[24] == 0xff)
			return false;
		if (pi->l4_proto == DP_IPPROTO_ICMPV6)
			return pi->l4_off != 0 && pi->icmp_type >= 128;
		return true;
	}
	return false;
}

size_t dp_icmp_error_build(uint8_t *buf, const uint8_t *orig, size_t orig_len,
			   const struct dp_pkt_info *pi, uint8_t type, uint8_t code, uint32_t param,
			   const uint8_t smac[6], const uint8_t *src)
{
	const uint8_t *oip = orig + pi->l3_off;
	uint8_t *ip = buf + DP_ETH_HLEN, *icmp;
	size_t quote = (size_t)pi->l3_len, hlen;

	if (!dp_icmp_error_allowed(orig, orig_len, pi))
		return 0;
	memcpy(buf, orig + 6, 6);
	memcpy(buf + 6, smac, 6);
	if (pi->l3 == DP_L3_IPV4) {
		/* RFC 1812 §4.3.2.3: as much of the original as fits in 576 */
		if (quote > 576 - 28)
			quote = 576 - 28;
		hlen = 20;
		wr16(buf + 12, DP_ETHERTYPE_IPV4);
		ip[0] = 0x45;
		ip[1] = 0xc0; /* internetwork control */
		wr16(ip + 2, (uint16_t)(hlen + 8 + quote));
		wr16(ip + 4, 0);
		wr16(ip + 6, 0);
		ip[8] = 64;
		ip[9] = DP_IPPROTO_ICMP;
		wr16(ip + 10, 0);
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, oip + 12, 4);
		wr16(ip + 10, dp_csum_fold(dp_csum_add(0, ip, hlen)));
		icmp = ip + hlen;
		icmp[0] = type;
		icmp[1] = code;
		wr16(icmp + 2, 0);
		wr16(icmp + 4, 0);
		wr16(icmp + 6, type == DP_ICMP_UNREACH && code == DP_ICMP_UNREACH_NEEDFRAG
				       ? (uint16_t)param
				       : 0);
		memcpy(icmp + 8, oip, quote);
		wr16(icmp + 2, dp_csum_fold(dp_csum_add(0, icmp, 8 + quote)));
		return DP_ETH_HLEN + hlen + 8 + quote;
	}
	/* RFC 4443 §2.4 (c): as much as fits in the minimum MTU, 1280 */
	if (quote > 1280 - 48)
		quote = 1280 - 48;
	wr16(buf + 12, DP_ETHERTYPE_IPV6);
	ip6_header(ip, (uint16_t)(8 + quote), DP_IPPROTO_ICMPV6, 64, src, oip + 8);
	icmp = ip + 40;
	icmp[0] = type;
	icmp[1] = code;
	wr16(icmp + 2, 0);
	icmp[4] = (uint8_t)(param >> 24);
	icmp[5] = (uint8_t)(param >> 16);
	icmp[6] = (uint8_t)(param >> 8);
	icmp[7] = (uint8_t)param;
	memcpy(icmp + 8, oip, quote);
	wr16(icmp + 2, icmp6_csum(ip, icmp, 8 + quote));
	return DP_ETH_HLEN + 40 + 8 + quote;
}

bool dp_icmp_is_error(uint8_t family, uint8_t type)
{
	if (family == 4)
		return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
	return type >= 1 && type <= 4;
}

int dp_icmp_inner(const uint8_t *frame, size_t len, const struct dp_pkt_info *pi,
		  struct dp_pkt_inner *in)
{
	size_t end = (size_t)pi->l3_off + pi->l3_len, off = (size_t)pi->l4_off + 8, l4;
	const uint8_t *ip;

	memset(in, 0, sizeof(*in));
	if (!pi->l4_off || end > len || off >= end)
		return -EBADMSG;
	ip = frame + off;
	if (pi->l3 == DP_L3_IPV4) {
		size_t ihl;

		if (end - off < 20 || (ip[0] >> 4) != 4 || (ip[0] & 0xf) < 5)
			return -EBADMSG;
		ihl = (size_t)(ip[0] & 0xf) * 4;
		in->family = 4;
		in->proto = ip[9];
		memcpy(in->src, ip + 12, 4);
		memcpy(in->dst, ip + 16, 4);
		/* a quoted non-first fragment carries no ports */
		if ((rd16(ip + 6) & 0x1fff) != 0)
			return 0;
		l4 = off + ihl;
	} else {
		if (end - off < 40 || (ip[0] >> 4) != 6)
			return -EBADMSG;
		in->family = 6;
		in->proto = ip[6]; /* extension headers are not followed */
		memcpy(in->src, ip + 8, 16);
		memcpy(in->dst, ip + 24, 16);
		l4 = off + 40;
	}
	if (l4 + 8 > end)
		return 0;
	if (in->proto == DP_IPPROTO_TCP || in->proto == DP_IPPROTO_UDP) {
		in->sport = rd16(frame + l4);
		in->dport = rd16(frame + l4 + 2);
		in->has_ports = true;
	} else if ((in->proto == DP_IPPROTO_ICMP && frame[l4] == 8) ||
		   (in->proto == DP_IPPROTO_ICMPV6 && frame[l4] == 128)) {
		in->sport = in->dport = rd16(frame + l4 + 4);
		in->has_ports = true;
	}
	return 0;
}

size_t dp_tcp_rst_build(uint8_t *buf, const uint8_t *orig, size_t len, const struct dp_pkt_info *pi,
			const uint8_t smac[6])
{
	enum { FIN = 0x01, SYN = 0x02, RST = 0x04, ACK = 0x10 };
	const uint8_t *oip = orig + pi->l3_off, *otcp = orig + pi->l4_off;
	uint8_t *ip = buf + DP_ETH_HLEN, *tcp;
	size_t hlen = pi->l3 == DP_L3_IPV4 ? 20 : 40, olen;
	uint32_t seq, ack, sum;
	uint8_t oflags;

	if (pi->l4_proto != DP_IPPROTO_TCP || !pi->l4_off ||
	    (size_t)pi->l4_off + 20 > (size_t)pi->l3_off + pi->l3_len ||
	    (size_t)pi->l3_off + pi->l3_len > len)
		return 0;
	oflags = otcp[13];
	if (oflags & RST)
		return 0;
	/* segment length: payload, plus one each for SYN and FIN */
	olen = (size_t)pi->l3_off + pi->l3_len - pi->l4_off - (size_t)(otcp[12] >> 4) * 4;
	olen += !!(oflags & SYN) + !!(oflags & FIN);
	memcpy(buf, orig + 6, 6);
	memcpy(buf + 6, smac, 6);
	tcp = ip + hlen;
	memset(tcp, 0, 20);
	wr16(tcp, rd16(otcp + 2));
	wr16(tcp + 2, rd16(otcp));
	if (oflags & ACK) {
		seq = (uint32_t)rd16(otcp + 8) << 16 | rd16(otcp + 10);
		ack = 0;
		tcp[13] = RST;
	} else {
		seq = 0;
		ack = ((uint32_t)rd16(otcp + 4) << 16 | rd16(otcp + 6)) + (uint32_t)olen;
		tcp[13] = RST | ACK;
	}
	wr16(tcp + 4, (uint16_t)(seq >> 16));
	wr16(tcp + 6, (uint16_t)seq);
	wr16(tcp + 8, (uint16_t)(ack >> 16));
	wr16(tcp + 10, (uint16_t)ack);
	tcp[12] = 5 << 4;
	if (pi->l3 == DP_L3_IPV4) {
		wr16(buf + 12, DP_ETHERTYPE_IPV4);
		ip[0] = 0x45;
		ip[1] = 0;
		wr16(ip + 2, 40);
		wr16(ip + 4, 0);
		wr16(ip + 6, 0x4000); /* DF */
		ip[8] = 64;
		ip[9] = DP_IPPROTO_TCP;
		wr16(ip + 10, 0);
		memcpy(ip + 12, oip + 16, 4);
		memcpy(ip + 16, oip + 12, 4);
		wr16(ip + 10, dp_csum_fold(dp_csum_add(0, ip, 20)));
		sum = dp_csum_add(0, ip + 12, 8) + DP_IPPROTO_TCP + 20;
	} else {
		wr16(buf + 12, DP_ETHERTYPE_IPV6);
		ip6_header(ip, 20, DP_IPPROTO_TCP, 64, oip + 24, oip + 8);
		sum = dp_csum_add(0, ip + 8, 32) + DP_IPPROTO_TCP + 20;
	}
	wr16(tcp + 16, dp_csum_fold(dp_csum_add(sum, tcp, 20)));
	return DP_ETH_HLEN + hlen + 20;
}

size_t dp_udp_reply(uint8_t *frame, const struct dp_pkt_info *pi, size_t payload_len)
{
	uint8_t tmp[16], *ip = frame + pi->l3_off, *udp = frame + pi->l4_off, pseudo[40];
	size_t ulen = 8 + payload_len, plen;
	uint32_t sum;
	uint16_t c;

	memcpy(tmp, frame, 6);
	memcpy(frame, frame + 6, 6);
	memcpy(frame + 6, tmp, 6);
	memcpy(tmp, udp, 2);
	memcpy(udp, udp + 2, 2);
	memcpy(udp + 2, tmp, 2);
	wr16(udp + 4, (uint16_t)ulen);
	wr16(udp + 6, 0);
	if (pi->l3 == DP_L3_IPV4) {
		size_t ihl = (size_t)(ip[0] & 0xf) * 4;

		memcpy(tmp, ip + 12, 4);
		memcpy(ip + 12, ip + 16, 4);
		memcpy(ip + 16, tmp, 4);
		wr16(ip + 2, (uint16_t)(pi->l4_off - pi->l3_off + ulen));
		wr16(ip + 6, 0); /* DF off, no fragment: a fresh datagram */
		ip[8] = 64;
		wr16(ip + 10, 0);
		wr16(ip + 10, dp_csum_fold(dp_csum_add(0, ip, ihl)));
		memcpy(pseudo, ip + 12, 8);
		pseudo[8] = 0;
		pseudo[9] = DP_IPPROTO_UDP;
		wr16(pseudo + 10, (uint16_t)ulen);
		plen = 12;
	} else {
		memcpy(tmp, ip + 8, 16);
		memcpy(ip + 8, ip + 24, 16);
		memcpy(ip + 24, tmp, 16);
		wr16(ip + 4, (uint16_t)(pi->l4_off - pi->l3_off - 40 + ulen));
		ip[7] = 64;
		memcpy(pseudo, ip + 8, 32);
		memset(pseudo + 32, 0, 8);
		wr16(pseudo + 34, (uint16_t)ulen);
		pseudo[39] = DP_IPPROTO_UDP;
		plen = 40;
	}
	sum = dp_csum_add(0, pseudo, plen);
	sum = dp_csum_add(sum, udp, ulen);
	c = dp_csum_fold(sum);
	wr16(udp + 6, c ? c : 0xffff); /* RFC 768: 0 would mean none */
	return pi->l4_off + ulen;
}
