/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * neigh.h - the neighbour table (ARP and IPv6 ND results), shared by every
 * worker without locks: a fixed array probed linearly, where a slot is
 * claimed once by compare-and-swap and its MAC is one atomic 64-bit word.
 * Entries are never removed; stale ones are probed again while in use.
 * Plain C with C11 atomics, so it is unit-tested without EAL. Times are in
 * the caller's clock units (TSC cycles in the dataplane).
 */
#ifndef RAMPART_DP_NEIGH_H
#define RAMPART_DP_NEIGH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define DP_NEIGH_VALID	(1ull << 48)
#define DP_NEIGH_STATIC (1ull << 49)

struct dp_neigh_entry {
	_Atomic uint32_t state; /* 0 free, 1 being claimed, 2 keyed */
	uint16_t port;
	uint8_t family;
	uint8_t pad;
	uint8_t ip[16];
	_Atomic uint64_t mac;	       /* 48-bit MAC | DP_NEIGH_VALID | DP_NEIGH_STATIC */
	_Atomic uint64_t confirmed_at; /* when the MAC was last learned */
	_Atomic uint64_t requested_at; /* when a request was last sent */
};

struct dp_neigh_table {
	uint32_t size; /* power of two */
	_Atomic uint32_t used;
	struct dp_neigh_entry *e;
};

/* Initialise over caller-provided storage of size entries (a power of two,
 * zeroed). */
void dp_neigh_init(struct dp_neigh_table *t, struct dp_neigh_entry *storage, uint32_t size);

/* Find the entry for (port, family, ip), or NULL. */
struct dp_neigh_entry *dp_neigh_lookup(struct dp_neigh_table *t, uint16_t port, uint8_t family,
				       const uint8_t *ip);
/* Find or create the entry; NULL when the table is full. */
struct dp_neigh_entry *dp_neigh_get(struct dp_neigh_table *t, uint16_t port, uint8_t family,
				    const uint8_t *ip);

/* Record a MAC learned at now. Static entries are not overwritten unless
 * is_static. Returns the entry, or NULL when the table is full. */
struct dp_neigh_entry *dp_neigh_learn(struct dp_neigh_table *t, uint16_t port, uint8_t family,
				      const uint8_t *ip, const uint8_t mac[6], uint64_t now,
				      bool is_static);

/* Copy the MAC out; false when the entry has none yet. */
static inline bool dp_neigh_mac(const struct dp_neigh_entry *e, uint8_t mac[6])
{
	uint64_t v = atomic_load_explicit(&e->mac, memory_order_acquire);

	if (!(v & DP_NEIGH_VALID))
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(v >> (40 - 8 * i));
	return true;
}

/* Claim the right to send a request for e at now: true for exactly one
 * caller per interval. */
bool dp_neigh_claim_request(struct dp_neigh_entry *e, uint64_t now, uint64_t interval);

#endif /* RAMPART_DP_NEIGH_H */
