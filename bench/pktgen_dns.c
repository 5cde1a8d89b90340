/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pktgen_dns.c - rampart-pktgen's DNS mode: the set of queries it sends in
 * turn, the same mix as rampart-dnsbench and bench/dns.sh over the zone they
 * build (example.org, host0 .. host<N-1> with an A and an AAAA each, a CNAME
 * www, a wildcard *.wild, a delegation sub), and the reading of what comes
 * back: a DNS response's rcode, from the frame as it lies in the mbuf.
 */
#include <stdio.h>
#include <string.h>

#include <rte_ether.h>

#include "bench/pktgen.h"

#define T_A    1
#define T_MX   15
#define T_AAAA 28
#define T_OPT  41

/* Query i's draw, the same whoever asks and in whatever order: a fixed mix
 * of i's bits (splitmix64), so the set needs no state and no seed. */
static uint64_t draw(uint64_t i)
{
	uint64_t z = (i + 1) * 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* text (dots between labels, no trailing dot) to wire form; the names here
 * are ours, short and plain, so there is nothing to escape */
static size_t wire_name(const char *text, uint8_t *out)
{
	size_t n = 0;

	while (*text) {
		size_t l = strcspn(text, ".");

		out[n++] = (uint8_t)l;
		memcpy(out + n, text, l);
		n += l;
		text += l;
		if (*text == '.')
			text++;
	}
	out[n++] = 0;
	return n;
}

/*
 * Query i of the set into msg (at least BENCH_DNS_MSG_MAX bytes); returns its
 * length. 40% A or AAAA of an existing name, 20% NXDOMAIN, 10% each NODATA
 * (MX of a host), CNAME, wildcard, referral; every other one with an EDNS OPT
 * (1232 bytes). ID i, RD clear: an authoritative server's traffic.
 */
size_t bench_dns_query(unsigned i, unsigned names, uint8_t *msg)
{
	uint64_t r = draw(i);
	unsigned kind = (unsigned)(r % 10), h = (unsigned)((r >> 32) % (names ? names : 1));
	uint16_t qtype = T_A;
	char name[64];
	size_t n;

	if (kind < 4) {
		snprintf(name, sizeof(name), "host%u.example.org", h);
		qtype = kind & 1 ? T_AAAA : T_A;
	} else if (kind < 6) {
		snprintf(name, sizeof(name), "nohost%u.example.org", h);
	} else if (kind == 6) {
		snprintf(name, sizeof(name), "host%u.example.org", h);
		qtype = T_MX;
	} else if (kind == 7) {
		snprintf(name, sizeof(name), "www.example.org");
	} else if (kind == 8) {
		snprintf(name, sizeof(name), "x%u.wild.example.org", h);
	} else {
		snprintf(name, sizeof(name), "h%u.sub.example.org", h);
	}
	memset(msg, 0, 12);
	msg[0] = (uint8_t)(i >> 8);
	msg[1] = (uint8_t)i;
	msg[5] = 1; /* QDCOUNT */
	n = 12 + wire_name(name, msg + 12);
	msg[n++] = (uint8_t)(qtype >> 8);
	msg[n++] = (uint8_t)qtype;
	msg[n++] = 0;
	msg[n++] = 1; /* IN */
	if (i & 1) {
		msg[11] = 1; /* ARCOUNT */
		memset(msg + n, 0, 11);
		msg[n + 2] = T_OPT;
		msg[n + 3] = 1232 >> 8;
		msg[n + 4] = 1232 & 0xff;
		n += 11;
	}
	return n;
}

/* The rcode of a DNS response (UDP from port 53, QR set) in an Ethernet frame
 * of len bytes; -1 when it is anything else, such as the query itself coming
 * back from a forwarder. */
int bench_dns_rcode(const uint8_t *frame, size_t len)
{
	size_t l4;
	uint16_t type;

	if (len < RTE_ETHER_HDR_LEN + 20)
		return -1;
	type = (uint16_t)(frame[12] << 8 | frame[13]);
	if (type == RTE_ETHER_TYPE_IPV4) {
		const uint8_t *ip = frame + RTE_ETHER_HDR_LEN;

		if (ip[9] != 17)
			return -1;
		l4 = RTE_ETHER_HDR_LEN + (size_t)(ip[0] & 0xf) * 4;
	} else if (type == RTE_ETHER_TYPE_IPV6) {
		if (frame[RTE_ETHER_HDR_LEN + 6] != 17)
			return -1;
		l4 = RTE_ETHER_HDR_LEN + 40;
	} else {
		return -1;
	}
	if (len < l4 + 8 + 12 || frame[l4] != 0 || frame[l4 + 1] != 53 ||
	    !(frame[l4 + 8 + 2] & 0x80))
		return -1;
	return frame[l4 + 8 + 3] & 0xf;
}
