/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flow.c - the lock-free flow table of flow.h: canonical keys, two-choice
 * buckets published by compare-and-swap, per-worker entry shares with their
 * own free lists, an incremental expiry sweep, and epoch-based reclamation
 * so that no entry is reused while another worker may still read it.
 */
#include <stddef.h>
#include <string.h>

#include "dataplane/flow.h"

_Static_assert(sizeof(struct dp_flow_key) == 40, "dp_flow_hash reads five words");
_Static_assert(offsetof(struct dp_flow, rule) + 4 <= 64,
	       "what every packet of a connection reads fits one cache line");
_Static_assert(offsetof(struct dp_flow_key, pa) == 32 && offsetof(struct dp_flow_key, pb) == 34 &&
		       offsetof(struct dp_flow_key, proto) == 36 &&
		       offsetof(struct dp_flow_key, family) == 37,
	       "dp_flow_key_make writes the last word whole");

#define NONE	  UINT32_MAX
#define SLOT_BUSY UINT32_MAX /* claimed, being filled */

static size_t align64(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

static uint32_t n_buckets_for(uint32_t capacity)
{
	uint32_t nb = 1;

	/* eight slots a bucket, two buckets a key: a quarter keeps it half empty */
	while (nb < capacity / 4 + 1)
		nb <<= 1;
	return nb;
}

size_t dp_flow_table_size(uint32_t capacity)
{
	return align64(sizeof(struct dp_flow_table)) +
	       align64((size_t)n_buckets_for(capacity) * sizeof(struct dp_flow_bucket)) +
	       (size_t)capacity * sizeof(struct dp_flow);
}

struct dp_flow_table *dp_flow_table_init(void *mem, uint32_t capacity, unsigned n_workers)
{
	struct dp_flow_table *t = mem;
	uint8_t *p = mem;
	uint32_t per;

	if (!mem || !n_workers || n_workers > DP_FLOW_WORKERS_MAX || capacity < n_workers ||
	    capacity >= NONE / 2)
		return NULL;
	per = capacity / n_workers;
	t->capacity = per * n_workers;
	t->bucket_mask = n_buckets_for(capacity) - 1;
	t->n_workers = n_workers;
	t->buckets = (struct dp_flow_bucket *)(p + align64(sizeof(*t)));
	t->flows =
		(struct dp_flow *)((uint8_t *)t->buckets + align64((size_t)(t->bucket_mask + 1) *
								   sizeof(struct dp_flow_bucket)));
	atomic_init(&t->epoch, 1);
	for (unsigned w = 0; w < n_workers; w++) {
		struct dp_flow_worker *fw = &t->workers[w];

		fw->lo = w * per;
		fw->hi = fw->lo + per;
		fw->free_head = NONE;
		fw->limbo_head = fw->limbo_tail = NONE;
		fw->sweep = fw->lo;
		/* free list in index order */
		for (uint32_t i = fw->hi; i-- > fw->lo;) {
			t->flows[i].next = fw->free_head;
			fw->free_head = i;
		}
		fw->n_free = per;
		atomic_init(&fw->quiescent_epoch, 1);
	}
	t->timeouts[DP_FLOW_CL_TCP_OPENING] = 30;
	t->timeouts[DP_FLOW_CL_TCP_ESTABLISHED] = 7440;
	t->timeouts[DP_FLOW_CL_TCP_CLOSING] = 240;
	t->timeouts[DP_FLOW_CL_TCP_CLOSED] = 10;
	t->timeouts[DP_FLOW_CL_UDP] = 120;
	t->timeouts[DP_FLOW_CL_UDP_STREAM] = 180;
	t->timeouts[DP_FLOW_CL_ICMP] = 60;
	t->timeouts[DP_FLOW_CL_OTHER] = 60;
	t->timeouts[DP_FLOW_CL_HOLD] = 30;
	t->timeouts[DP_FLOW_CL_FRAG] = 10;
	return t;
}

void dp_flow_key_make(struct dp_flow_key *k, uint8_t family, uint8_t proto, const uint8_t *src,
		      const uint8_t *dst, uint16_t sport, uint16_t dport, bool *from_a)
{
	uint64_t w[5] = { 0 }, s[2] = { 0 }, d[2] = { 0 };
	uint16_t pa = sport, pb = dport;
	int c;

	/* The key is written as five whole words, the way the hash and the
	 * compare read it: narrower stores followed by wide loads of the same
	 * bytes would stall store-to-load forwarding on every packet. */
	if (family == 4) {
		uint32_t x = (uint32_t)src[0] << 24 | (uint32_t)src[1] << 16 |
			     (uint32_t)src[2] << 8 | src[3];
		uint32_t y = (uint32_t)dst[0] << 24 | (uint32_t)dst[1] << 16 |
			     (uint32_t)dst[2] << 8 | dst[3];
		uint32_t sv, dv;

		c = x < y ? -1 : x > y;
		memcpy(&sv, src, 4);
		memcpy(&dv, dst, 4);
		s[0] = sv;
		d[0] = dv;
	} else {
		c = memcmp(src, dst, 16);
		memcpy(s, src, 16);
		memcpy(d, dst, 16);
	}
	*from_a = c < 0 || (c == 0 && sport <= dport);
	if (!*from_a) {
		pa = dport;
		pb = sport;
	}
	w[0] = *from_a ? s[0] : d[0];
	w[1] = *from_a ? s[1] : d[1];
	w[2] = *from_a ? d[0] : s[0];
	w[3] = *from_a ? d[1] : s[1];
	/* pa, pb, proto, family and the padding: the struct's last word */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	w[4] = pa | (uint64_t)pb << 16 | (uint64_t)proto << 32 | (uint64_t)family << 40;
#else
	{
		struct dp_flow_key t;

		memset(&t, 0, sizeof(t));
		t.pa = pa;
		t.pb = pb;
		t.proto = proto;
		t.family = family;
		memcpy(&w[4], &t.pa, sizeof(w[4]));
	}
#endif
	memcpy(k, w, sizeof(w));
}

/* Multiply-add over the five key words: independent products, a few cycles
 * on the per-packet path; the final shifts fold the well-mixed high bits
 * into the low ones the bucket index takes. */
uint64_t dp_flow_hash(const struct dp_flow_key *k)
{
	uint64_t w[5], h;

	memcpy(w, k, sizeof(w));
	h = (w[0] ^ 0x9e3779b97f4a7c15ULL) * 0xff51afd7ed558ccdULL +
	    (w[1] ^ 0xc2b2ae3d27d4eb4fULL) * 0xc4ceb9fe1a85ec53ULL +
	    (w[2] ^ 0x165667b19e3779f9ULL) * 0x9e3779b97f4a7c15ULL +
	    (w[3] ^ 0x27d4eb2f165667c5ULL) * 0xd6e8feb86659fd93ULL +
	    (w[4] ^ 0x85ebca77c2b2ae63ULL) * 0xa0761d6478bd642fULL;
	return h ^ (h >> 29) ^ (h >> 47);
}

/* Five word compares, inline: no call on the per-packet path. */
static inline bool key_eq(const struct dp_flow_key *a, const struct dp_flow_key *b)
{
	uint64_t x[5], y[5];

	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4])) == 0;
}

struct dp_flow *dp_flow_lookup(struct dp_flow_table *t, const struct dp_flow_key *k, uint64_t hash)
{
	uint32_t sig = (uint32_t)(hash >> 32), b[2];

	dp_flow_buckets_of(t, hash, b);
	for (int i = 0; i < 2; i++) {
		struct dp_flow_bucket *bk = &t->buckets[b[i]];

		for (int s = 0; s < DP_FLOW_SLOTS; s++) {
			uint32_t v = atomic_load_explicit(&bk->slot[s], memory_order_acquire);
			struct dp_flow *f;

			if (!v || v == SLOT_BUSY ||
			    atomic_load_explicit(&bk->sig[s], memory_order_relaxed) != sig)
				continue;
			f = &t->flows[v - 1];
			if (atomic_load_explicit(&f->flags, memory_order_relaxed) & DP_FLOW_F_DEAD)
				continue;
			if (key_eq(&f->key, k))
				return f;
		}
	}
	return NULL;
}

static void reclaim(struct dp_flow_table *t, struct dp_flow_worker *fw)
{
	uint64_t min = UINT64_MAX;

	if (fw->limbo_head == NONE)
		return;
	for (unsigned w = 0; w < t->n_workers; w++) {
		uint64_t q = atomic_load(&t->workers[w].quiescent_epoch);

		if (q < min)
			min = q;
	}
	while (fw->limbo_head != NONE && t->flows[fw->limbo_head].retire_epoch <= min) {
		uint32_t i = fw->limbo_head;

		fw->limbo_head = t->flows[i].next;
		if (fw->limbo_head == NONE)
			fw->limbo_tail = NONE;
		t->flows[i].next = fw->free_head;
		fw->free_head = i;
		fw->n_free++;
	}
}

struct dp_flow *dp_flow_insert(struct dp_flow_table *t, unsigned w, const struct dp_flow_key *k,
			       uint64_t hash, uint32_t now, const struct dp_flow_init *init)
{
	struct dp_flow_worker *fw = &t->workers[w];
	uint32_t sig = (uint32_t)(hash >> 32), b[2], idx;
	struct dp_flow *f;

	if (fw->free_head == NONE)
		reclaim(t, fw);
	if (fw->free_head == NONE) {
		fw->n_full++;
		return NULL;
	}
	idx = fw->free_head;
	f = &t->flows[idx];
	f->key = *k;
	f->hash = hash;
	f->owner = (uint8_t)w;
	f->rule = init->rule;
	f->in_port = init->in_port;
	f->out_port = init->out_port;
	f->opener_a = init->opener_a;
	f->kind = init->kind;
	f->nat = init->nat;
	f->pool = init->pool;
	f->hold = init->hold;
	f->peer = init->peer;
	f->xaddr[0] = init->xaddr[0];
	f->xaddr[1] = init->xaddr[1];
	f->xport[0] = init->xport[0];
	f->xport[1] = init->xport[1];
	atomic_store_explicit(&f->refs, 0, memory_order_relaxed);
	atomic_store_explicit(&f->generation, init->generation, memory_order_relaxed);
	atomic_store_explicit(&f->last_seen, now, memory_order_relaxed);
	atomic_store_explicit(&f->state, init->state, memory_order_relaxed);
	atomic_store_explicit(&f->flags, DP_FLOW_F_USED, memory_order_relaxed);
	dp_flow_buckets_of(t, hash, b);
	for (int i = 0; i < 2; i++) {
		struct dp_flow_bucket *bk = &t->buckets[b[i]];

		for (int s = 0; s < DP_FLOW_SLOTS; s++) {
			uint32_t expect = 0;

			if (atomic_load_explicit(&bk->slot[s], memory_order_relaxed))
				continue;
			if (!atomic_compare_exchange_strong_explicit(
				    &bk->slot[s], &expect, SLOT_BUSY, memory_order_acquire,
				    memory_order_relaxed))
				continue;
			atomic_store_explicit(&bk->sig[s], sig, memory_order_relaxed);
			atomic_store_explicit(&bk->slot[s], idx + 1, memory_order_release);
			fw->free_head = f->next;
			fw->n_free--;
			fw->n_created++;
			return f;
		}
	}
	atomic_store_explicit(&f->flags, 0, memory_order_relaxed);
	fw->n_full++;
	return NULL;
}

uint8_t dp_flow_update(struct dp_flow *f, bool from_opener, uint8_t tcp_flags)
{
	uint8_t cur = atomic_load_explicit(&f->state, memory_order_relaxed), add = 0;
	enum { FIN = 0x01, SYN = 0x02, RST = 0x04, ACK = 0x10 };

	if (!from_opener)
		add |= DP_FLOW_REPLY;
	if (f->key.proto == 6) {
		if (tcp_flags & RST)
			add |= DP_FLOW_TCP_RST;
		if (from_opener) {
			if ((tcp_flags & SYN) && !(tcp_flags & ACK))
				add |= DP_FLOW_TCP_SYN;
			if ((tcp_flags & ACK) && !(tcp_flags & SYN) && (cur & DP_FLOW_TCP_SYNACK))
				add |= DP_FLOW_TCP_EST;
			if (tcp_flags & FIN)
				add |= DP_FLOW_TCP_FIN_O;
		} else {
			if ((tcp_flags & SYN) && (tcp_flags & ACK))
				add |= DP_FLOW_TCP_SYNACK;
			if (tcp_flags & FIN)
				add |= DP_FLOW_TCP_FIN_R;
		}
	}
	/* write the shared line only when something changes */
	if ((cur | add) != cur)
		cur = atomic_fetch_or_explicit(&f->state, add, memory_order_relaxed) | add;
	return cur;
}

enum dp_flow_class dp_flow_class_of(const struct dp_flow *f)
{
	uint8_t st = atomic_load_explicit(&f->state, memory_order_relaxed);

	if (f->kind == DP_FLOW_K_FRAG)
		return DP_FLOW_CL_FRAG;
	if (f->kind != DP_FLOW_K_CONN)
		return DP_FLOW_CL_HOLD;
	switch (f->key.proto) {
	case 6:
		if ((st & DP_FLOW_TCP_RST) || (st & (DP_FLOW_TCP_FIN_O | DP_FLOW_TCP_FIN_R)) ==
						      (DP_FLOW_TCP_FIN_O | DP_FLOW_TCP_FIN_R))
			return DP_FLOW_CL_TCP_CLOSED;
		if (st & (DP_FLOW_TCP_FIN_O | DP_FLOW_TCP_FIN_R))
			return DP_FLOW_CL_TCP_CLOSING;
		if (st & DP_FLOW_TCP_EST)
			return DP_FLOW_CL_TCP_ESTABLISHED;
		return DP_FLOW_CL_TCP_OPENING;
	case 17:
		return st & DP_FLOW_REPLY ? DP_FLOW_CL_UDP_STREAM : DP_FLOW_CL_UDP;
	case 1:
	case 58:
		return DP_FLOW_CL_ICMP;
	default:
		return DP_FLOW_CL_OTHER;
	}
}

void dp_flow_kill(struct dp_flow *f)
{
	atomic_fetch_or_explicit(&f->flags, DP_FLOW_F_DEAD, memory_order_relaxed);
}

bool dp_flow_ref(struct dp_flow *f)
{
	uint32_t r = atomic_load_explicit(&f->refs, memory_order_relaxed);

	do {
		if (r & DP_FLOW_REFS_DYING)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(&f->refs, &r, r + 1, memory_order_acq_rel,
							 memory_order_relaxed));
	return true;
}

void dp_flow_unref(struct dp_flow_table *t, uint32_t idx, uint32_t now)
{
	struct dp_flow *f = &t->flows[idx - 1];

	atomic_store_explicit(&f->last_seen, now, memory_order_relaxed);
	atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel);
}

/* The owner's claim on an entry nothing holds: it takes no reference after. */
static bool claim(struct dp_flow *f)
{
	uint32_t expect = 0;

	return atomic_compare_exchange_strong_explicit(&f->refs, &expect, DP_FLOW_REFS_DYING,
						       memory_order_acq_rel, memory_order_relaxed);
}

static void unlink_one(struct dp_flow_table *t, struct dp_flow_worker *fw, uint32_t idx)
{
	struct dp_flow *f = &t->flows[idx];
	uint32_t b[2];

	dp_flow_buckets_of(t, f->hash, b);
	for (int i = 0; i < 2; i++)
		for (int s = 0; s < DP_FLOW_SLOTS; s++) {
			uint32_t expect = idx + 1;

			atomic_compare_exchange_strong(&t->buckets[b[i]].slot[s], &expect, 0);
		}
	atomic_store_explicit(&f->flags, 0, memory_order_relaxed);
	f->retire_epoch = atomic_fetch_add(&t->epoch, 1) + 1;
	f->next = NONE;
	if (fw->limbo_tail == NONE)
		fw->limbo_head = idx;
	else
		t->flows[fw->limbo_tail].next = idx;
	fw->limbo_tail = idx;
}

/* Unlink an entry nothing holds (claimed), with its peer; give back what it
 * holds and what it owns. */
static void unlink_entry(struct dp_flow_table *t, struct dp_flow_worker *fw, unsigned w,
			 uint32_t idx, uint32_t now)
{
	struct dp_flow *f = &t->flows[idx];

	if (f->peer && f->kind != DP_FLOW_K_ALIAS)
		unlink_one(t, fw, f->peer - 1);
	if (f->kind != DP_FLOW_K_CONN && f->kind != DP_FLOW_K_FRAG && t->release)
		t->release(t->release_arg, w, f);
	if (f->hold)
		dp_flow_unref(t, f->hold, now);
	unlink_one(t, fw, idx);
}

unsigned dp_flow_expire(struct dp_flow_table *t, unsigned w, uint32_t now, unsigned budget)
{
	struct dp_flow_worker *fw = &t->workers[w];
	unsigned n = 0;

	for (unsigned i = 0; i < budget; i++) {
		uint32_t idx = fw->sweep;
		struct dp_flow *f = &t->flows[idx];
		uint8_t fl = atomic_load_explicit(&f->flags, memory_order_relaxed);

		if (++fw->sweep >= fw->hi)
			fw->sweep = fw->lo;
		if (!(fl & DP_FLOW_F_USED) || f->kind == DP_FLOW_K_ALIAS ||
		    atomic_load_explicit(&f->refs, memory_order_relaxed))
			continue;
		if (!(fl & DP_FLOW_F_DEAD)) {
			int32_t idle = (int32_t)(now - atomic_load_explicit(&f->last_seen,
									    memory_order_relaxed));

			if (idle <= 0 || (uint32_t)idle <= dp_flow_timeout(t, f))
				continue;
		}
		if (!claim(f))
			continue;
		unlink_entry(t, fw, w, idx, now);
		fw->n_expired++;
		n++;
	}
	reclaim(t, fw);
	return n;
}

unsigned dp_flow_flush(struct dp_flow_table *t, unsigned w)
{
	struct dp_flow_worker *fw = &t->workers[w];
	unsigned n = 0;

	for (uint32_t idx = fw->lo; idx < fw->hi; idx++) {
		struct dp_flow *f = &t->flows[idx];

		if (!(atomic_load_explicit(&f->flags, memory_order_relaxed) & DP_FLOW_F_USED))
			continue;
		dp_flow_kill(f);
		n++;
		if (f->kind != DP_FLOW_K_ALIAS && claim(f)) {
			unlink_entry(t, fw, w, idx, atomic_load_explicit(&f->last_seen,
									 memory_order_relaxed));
			fw->n_expired++;
		}
	}
	return n;
}

uint32_t dp_flow_in_use(const struct dp_flow_table *t)
{
	uint32_t n = 0;

	for (unsigned w = 0; w < t->n_workers; w++)
		n += t->workers[w].hi - t->workers[w].lo - t->workers[w].n_free;
	return n;
}
