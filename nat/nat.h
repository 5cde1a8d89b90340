/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nat.h - NAT44 building blocks over plain byte buffers (no EAL): rewriting
 * an IPv4 packet's source or destination (address and TCP/UDP port or ICMP
 * query identifier) with checksums updated incrementally (RFC 1624), the
 * translation of an ICMP error and the packet it quotes (RFC 5508 §4.2), and
 * a port allocator that gives each worker its own slice of the public ports,
 * so that workers never contend for a port.
 *
 * The dataplane's NAT stage calls these on mbuf data; the unit tests and the
 * fuzzer call them on arrays.
 */
#ifndef RAMPART_NAT_H
#define RAMPART_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/pkt.h"

/* One's complement update of checksum hc for a 16-bit word going from old
 * to new (RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')). All in host order. */
static inline uint16_t nat_csum_update16(uint16_t hc, uint16_t old, uint16_t new_)
{
	uint32_t s = (uint32_t)(uint16_t)~hc + (uint16_t)~old + new_;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* The same for a 32-bit word (an IPv4 address), as two 16-bit words. */
static inline uint16_t nat_csum_update32(uint16_t hc, uint32_t old, uint32_t new_)
{
	hc = nat_csum_update16(hc, (uint16_t)(old >> 16), (uint16_t)(new_ >> 16));
	return nat_csum_update16(hc, (uint16_t)old, (uint16_t)new_);
}

enum nat_side { NAT_SRC = 0, NAT_DST };

/* Rewrite the source (NAT_SRC) or destination (NAT_DST) of a parsed IPv4
 * packet: the address becomes addr (host order) and the TCP/UDP port, or the
 * identifier of an ICMP echo request or reply, becomes port. The IP header
 * checksum and the TCP, UDP (unless zero: RFC 768) or ICMP checksum are
 * updated, not recomputed. Returns 0, or -EINVAL when the packet is not IPv4,
 * has no L4 header to rewrite (a non-first fragment, an ICMP message other
 * than echo) or is too short for it. */
int nat_rewrite(uint8_t *frame, size_t len, const struct dp_pkt_info *pi, enum nat_side side,
		uint32_t addr, uint16_t port);

/* The address alone, for a later fragment (no L4 header: the first
 * fragment's L4 checksum covered the change already): only the IP header
 * checksum follows. Returns 0 or -EINVAL (not IPv4, short). */
int nat_rewrite_addr(uint8_t *frame, size_t len, const struct dp_pkt_info *pi, enum nat_side side,
		     uint32_t addr);

/* Translate an ICMP error and the packet it quotes (RFC 5508 §4.2).
 * NAT_DST: an error about a packet that went out translated comes back to
 * the public address: the outer destination becomes addr, the quoted
 * packet's source (the public address and port) becomes addr and port.
 * NAT_SRC: an error an inside host sends about a packet that came in
 * translated goes out: the outer source becomes addr, the quoted
 * destination addr and port. The quoted IP checksum, the quoted TCP/UDP
 * checksum when it is inside the quote, and the ICMP checksum are updated.
 * Returns 0 or -EINVAL (not an IPv4 ICMP error, quote too short, quote not
 * IPv4, quoted packet without ports). */
int nat_rewrite_icmp_error(uint8_t *frame, size_t len, const struct dp_pkt_info *pi,
			   enum nat_side side, uint32_t addr, uint16_t port);

/* ---- port allocation ---- */

#define NAT_PORT_MIN	1024
#define NAT_PORT_MAX	65535
#define NAT_WORKERS_MAX 64

/* The public ports of one address and protocol, split between workers:
 * worker w owns [lo[w], hi[w]] and allocates and frees only inside it. */
struct nat_ports {
	unsigned n_workers;
	uint16_t lo[NAT_WORKERS_MAX], hi[NAT_WORKERS_MAX];
	uint16_t next[NAT_WORKERS_MAX]; /* where the next search starts */
	uint32_t in_use[NAT_WORKERS_MAX];
	uint64_t bitmap[65536 / 64]; /* bit set: port taken */
};

/* Split [first, last] between n_workers. Returns 0 or -EINVAL (no workers,
 * more workers than ports, first > last). */
int nat_ports_init(struct nat_ports *p, uint16_t first, uint16_t last, unsigned n_workers);
/* A free port of worker w's slice, searching from a rotating start so that
 * ports are not reused at once; 0 when the slice is exhausted. */
uint16_t nat_port_alloc(struct nat_ports *p, unsigned w);
/* Give port back (it must be w's and taken). Returns 0 or -EINVAL. */
int nat_port_free(struct nat_ports *p, unsigned w, uint16_t port);
/* Take a given port (a static mapping) if it is w's and free. */
int nat_port_take(struct nat_ports *p, unsigned w, uint16_t port);

#endif /* RAMPART_NAT_H */
