/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pkt.h - packet parsing and emitting over plain byte buffers (no EAL): the
 * "parse once" step of the worker loop, and the packets the dataplane answers
 * or originates itself (ARP, neighbour discovery, ICMP echo replies, ICMP
 * errors). The worker calls these on mbuf data; the unit tests and the fuzzer
 * call them on arrays.
 */
#ifndef RAMPART_DP_PKT_H
#define RAMPART_DP_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP_ETH_HLEN	  14
#define DP_ETHERTYPE_IPV4 0x0800
#define DP_ETHERTYPE_ARP  0x0806
#define DP_ETHERTYPE_IPV6 0x86dd

#define DP_IPPROTO_ICMP	  1
#define DP_IPPROTO_TCP	  6
#define DP_IPPROTO_UDP	  17
#define DP_IPPROTO_ICMPV6 58

enum dp_l3 {
	DP_L3_NONE = 0,
	DP_L3_ARP,
	DP_L3_IPV4,
	DP_L3_IPV6,
};

#define DP_PKT_F_FRAG	    0x01 /* a fragment (first or not) */
#define DP_PKT_F_FRAG_LATER 0x02 /* a fragment other than the first */
#define DP_PKT_F_DF	    0x04 /* IPv4 don't-fragment */
#define DP_PKT_F_L2_BCAST   0x08
#define DP_PKT_F_L2_MCAST   0x10 /* group bit set (includes broadcast) */

struct dp_pkt_info {
	uint16_t ethertype;
	uint8_t l3;	  /* enum dp_l3 */
	uint8_t l4_proto; /* IPv4 protocol or IPv6 upper-layer next header */
	uint16_t l3_off;
	uint16_t l3_len;       /* IPv4 total length, or 40 + IPv6 payload length */
	uint16_t l4_off;       /* 0 when there is no L4 header to read */
	uint8_t ttl;	       /* TTL or hop limit */
	uint8_t flags;	       /* DP_PKT_F_* */
	uint16_t sport, dport; /* TCP/UDP, host order, when l4_off != 0 */
	uint8_t icmp_type, icmp_code;
};

/* Parse one Ethernet frame. Returns 0, -EBADMSG for a malformed or truncated
 * frame, -EPROTONOSUPPORT for an ethertype or IP version we do not handle.
 * Checks the IPv4 header checksum. Frames may carry trailing padding beyond
 * l3_off + l3_len. */
int dp_pkt_parse(const uint8_t *frame, size_t len, struct dp_pkt_info *pi);

/* Internet checksum helpers (RFC 1071, RFC 1624). */
uint32_t dp_csum_add(uint32_t sum, const void *buf, size_t len);
uint16_t dp_csum_fold(uint32_t sum);
/* Decrement the IPv4 TTL at ip, updating the header checksum incrementally. */
void dp_ipv4_dec_ttl(uint8_t *ip);

/* ARP (RFC 826) for Ethernet/IPv4. */
struct dp_arp {
	uint16_t op; /* 1 request, 2 reply */
	uint8_t sha[6], spa[4], tha[6], tpa[4];
};
int dp_arp_parse(const uint8_t *frame, size_t len, struct dp_arp *arp);
/* Build a frame into buf (at least 60 bytes); returns its length. */
size_t dp_arp_build(uint8_t *buf, uint16_t op, const uint8_t smac[6], const uint8_t dmac[6],
		    const uint8_t sha[6], const uint8_t spa[4], const uint8_t tha[6],
		    const uint8_t tpa[4]);

/* Neighbour discovery (RFC 4861 §4.3, §4.4, §7.1). */
#define DP_ND_NS 135
#define DP_ND_NA 136
struct dp_nd {
	uint8_t type;
	uint8_t target[16];
	uint8_t src[16]; /* IPv6 source of the message */
	bool has_ll;	 /* a source (NS) or target (NA) link-layer option */
	uint8_t ll[6];
	bool solicited; /* NA: S flag */
};
/* Validate an NS or NA: hop limit 255, code 0, checksum, length, options.
 * Returns 0, -EBADMSG, or -ENOENT when the packet is not NS/NA. */
int dp_nd_parse(const uint8_t *frame, size_t len, const struct dp_pkt_info *pi, struct dp_nd *nd);
#define DP_ND_NS_LEN (DP_ETH_HLEN + 40 + 24 + 8)
#define DP_ND_NA_LEN (DP_ETH_HLEN + 40 + 24 + 8)
/* A solicitation for target, to its solicited-node multicast group. */
size_t dp_nd_ns_build(uint8_t *buf, const uint8_t smac[6], const uint8_t src[16],
		      const uint8_t target[16]);
/* An advertisement of target (ours) with router and override flags; solicited
 * when answering a unicast-sourced NS. dst NULL: all-nodes multicast. */
size_t dp_nd_na_build(uint8_t *buf, const uint8_t smac[6], const uint8_t dmac[6],
		      const uint8_t target[16], const uint8_t *dst, bool solicited);

/* Turn an ICMP or ICMPv6 echo request, in place, into its reply: swap L2 and
 * L3 addresses, change the type, fix checksums, reset TTL/hop limit. Returns 0
 * or -EINVAL when the packet is not a well-formed echo request. */
int dp_icmp_echo_reply(uint8_t *frame, size_t len, const struct dp_pkt_info *pi);

/* Turn a UDP datagram whose payload has been replaced by payload_len bytes
 * into the reply to its sender: MACs, addresses and ports swapped, lengths
 * set, TTL or hop limit 64, IP header and UDP checksums computed. The frame
 * must hold l4_off + 8 + payload_len bytes. Returns the frame's length. */
size_t dp_udp_reply(uint8_t *frame, const struct dp_pkt_info *pi, size_t payload_len);

/* ICMP errors (RFC 792, RFC 1812 §4.3.2, RFC 4443 §2.4). */
#define DP_ICMP_UNREACH		 3
#define DP_ICMP_UNREACH_NET	 0
#define DP_ICMP_UNREACH_HOST	 1
#define DP_ICMP_UNREACH_NEEDFRAG 4
#define DP_ICMP_TIMXCEED	 11
#define DP_ICMP6_UNREACH	 1
#define DP_ICMP6_UNREACH_NOROUTE 0
#define DP_ICMP6_UNREACH_ADDR	 3
#define DP_ICMP6_PKT_TOO_BIG	 2
#define DP_ICMP6_TIME_EXCEEDED	 3

/* May an error be sent about this packet? Not about ICMP errors, non-first
 * fragments, L2 or L3 broadcast/multicast, or unspecified/multicast sources. */
bool dp_icmp_error_allowed(const uint8_t *frame, size_t len, const struct dp_pkt_info *pi);
/* Largest frame dp_icmp_error_build writes. */
#define DP_ICMP_ERROR_MAX (DP_ETH_HLEN + 40 + 8 + 1232)
/* Build an error about orig into buf (DP_ICMP_ERROR_MAX bytes), sent from src
 * (an address of the family of orig) and smac to orig's L2 source. param is
 * the MTU for "fragmentation needed"/"packet too big". Returns the frame
 * length, or 0 when no error may be sent. */
size_t dp_icmp_error_build(uint8_t *buf, const uint8_t *orig, size_t orig_len,
			   const struct dp_pkt_info *pi, uint8_t type, uint8_t code, uint32_t param,
			   const uint8_t smac[6], const uint8_t *src);

/* Is this ICMP (family 4) or ICMPv6 (6) type an error message? (RFC 792,
 * RFC 4443 §2.1) */
bool dp_icmp_is_error(uint8_t family, uint8_t type);

/* The packet an ICMP error quotes (RFC 792, RFC 4443 §3): its addresses,
 * protocol and, when quoted, ports (ICMP echo: the identifier in both). */
struct dp_pkt_inner {
	uint8_t family, proto;
	uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes, the rest zero */
	uint16_t sport, dport;
	bool has_ports;
};
/* Returns 0, or -EBADMSG when the quote is too short or not the error's IP
 * version. */
int dp_icmp_inner(const uint8_t *frame, size_t len, const struct dp_pkt_info *pi,
		  struct dp_pkt_inner *in);

/* A TCP reset answering the segment orig (RFC 9293 §3.10.7.1), from its
 * destination back to its source, with smac as the Ethernet source. Returns
 * the frame length, or 0 when none may be sent (orig is a RST itself). */
#define DP_TCP_RST_MAX (DP_ETH_HLEN + 40 + 20)
size_t dp_tcp_rst_build(uint8_t *buf, const uint8_t *orig, size_t len, const struct dp_pkt_info *pi,
			const uint8_t smac[6]);

#endif /* RAMPART_DP_PKT_H */
