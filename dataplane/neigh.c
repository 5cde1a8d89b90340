/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * neigh.c - the lock-free neighbour table of neigh.h. Every worker probes the
 * same sequence of slots for a key, and a slot changes from free to keyed by
 * one compare-and-swap, so two workers learning the same neighbour at once
 * end on the same slot. Readers never wait except for a slot being keyed,
 * which takes a few stores.
 */
#include <string.h>

#include "dataplane/neigh.h"

void dp_neigh_init(struct dp_neigh_table *t, struct dp_neigh_entry *storage, uint32_t size)
{
	t->size = size;
	atomic_store(&t->used, 0);
	t->e = storage;
}

static uint32_t neigh_hash(uint16_t port, uint8_t family, const uint8_t *ip)
{
	uint32_t h = 2166136261u ^ port ^ ((uint32_t)family << 16);
	unsigned len = family == 4 ? 4 : 16;

	for (unsigned i = 0; i < len; i++)
		h = (h ^ ip[i]) * 16777619u;
	return h ^ (h >> 15);
}

static bool key_equal(const struct dp_neigh_entry *e, uint16_t port, uint8_t family,
		      const uint8_t *ip)
{
	return e->port == port && e->family == family &&
	       memcmp(e->ip, ip, family == 4 ? 4 : 16) == 0;
}

static struct dp_neigh_entry *probe(struct dp_neigh_table *t, uint16_t port, uint8_t family,
				    const uint8_t *ip, bool create)
{
	uint32_t mask = t->size - 1, i = neigh_hash(port, family, ip) & mask;

	for (uint32_t n = 0; n < t->size; n++, i = (i + 1) & mask) {
		struct dp_neigh_entry *e = &t->e[i];
		uint32_t s = atomic_load_explicit(&e->state, memory_order_acquire);

		if (s == 0) {
			uint32_t expected = 0;

			if (!create)
				return NULL;
			if (atomic_load_explicit(&t->used, memory_order_relaxed) >= t->size - 1)
				return NULL; /* keep one slot free so lookups end */
			if (atomic_compare_exchange_strong(&e->state, &expected, 1)) {
				e->port = port;
				e->family = family;
				memset(e->ip, 0, sizeof(e->ip));
				memcpy(e->ip, ip, family == 4 ? 4 : 16);
				atomic_fetch_add(&t->used, 1);
				atomic_store_explicit(&e->state, 2, memory_order_release);
				return e;
			}
			s = expected;
		}
		while (s == 1) /* being keyed by another worker: a few stores away */
			s = atomic_load_explicit(&e->state, memory_order_acquire);
		if (key_equal(e, port, family, ip))
			return e;
	}
	return NULL;
}

struct dp_neigh_entry *dp_neigh_lookup(struct dp_neigh_table *t, uint16_t port, uint8_t family,
				       const uint8_t *ip)
{
	return probe(t, port, family, ip, false);
}

struct dp_neigh_entry *dp_neigh_get(struct dp_neigh_table *t, uint16_t port, uint8_t family,
				    const uint8_t *ip)
{
	return probe(t, port, family, ip, true);
}

struct dp_neigh_entry *dp_neigh_learn(struct dp_neigh_table *t, uint16_t port, uint8_t family,
				      const uint8_t *ip, const uint8_t mac[6], uint64_t now,
				      bool is_static)
{
	struct dp_neigh_entry *e = probe(t, port, family, ip, true);
	uint64_t v = DP_NEIGH_VALID | (is_static ? DP_NEIGH_STATIC : 0);

	if (!e)
		return NULL;
	if (!is_static && (atomic_load_explicit(&e->mac, memory_order_relaxed) & DP_NEIGH_STATIC))
		return e;
	for (int i = 0; i < 6; i++)
		v |= (uint64_t)mac[i] << (40 - 8 * i);
	atomic_store_explicit(&e->confirmed_at, now, memory_order_relaxed);
	atomic_store_explicit(&e->mac, v, memory_order_release);
	return e;
}

bool dp_neigh_claim_request(struct dp_neigh_entry *e, uint64_t now, uint64_t interval)
{
	uint64_t last = atomic_load_explicit(&e->requested_at, memory_order_relaxed);

	/* signed: a worker whose clock read precedes another's claim must not
	 * see a huge unsigned difference and claim again */
	if (last != 0 && (int64_t)(now - last) < (int64_t)interval)
		return false;
	return atomic_compare_exchange_strong(&e->requested_at, &last, now ? now : 1);
}
