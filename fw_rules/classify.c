/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * classify.c - the classifier the workers query: tuple-space search (as in
 * VPP's hash-based ACL and TupleMerge) over rounded prefix lengths.
 *
 * Entries are grouped into tuples by (family, source prefix length rounded
 * down to a level, destination length rounded likewise, protocol exact or
 * any, destination port exact or not). Each tuple is one open-addressing
 * hash table keyed by the masked addresses, protocol and port; a slot holds
 * the run of entries sharing that key, in rule order, each checked in full
 * (exact prefix lengths, port ranges, interfaces) before it counts. Tuples
 * are visited in the order of their earliest rule and the search stops once
 * no later tuple can hold an earlier rule than the best found.
 *
 * Why: the build is a sort and a hash fill, linear in the entries (a few ms
 * for 10 000 rules, where rte_acl needs seconds), and a lookup costs at most
 * (levels^2 x 4) hash probes per family, fewer when the earliest-rule bound
 * prunes; a probe is a few multiplications and one compare. Up to
 * FW_LINEAR_MAX entries a plain first-match scan is faster still and is used
 * instead. The table is rebuilt whole on a push; the dataplane builds it off
 * the workers and swaps it in by RCU.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fw_rules/fw_internal.h"

#define N_LEVELS 5
static const uint8_t levels4[N_LEVELS] = { 0, 8, 16, 24, 32 };
static const uint8_t levels6[N_LEVELS] = { 0, 32, 48, 64, 128 };

/* A tuple's key: the masked addresses as four words, protocol and port. */
struct ckey {
	uint64_t w[4]; /* source 0-1, destination 2-3 */
	uint32_t pd;   /* protocol << 16 | destination port */
	uint32_t pad;
};

struct fw_slot {
	struct ckey key;
	uint32_t start, count; /* count 0: empty */
	uint64_t hash;
};

struct fw_tuple {
	uint64_t mask[4]; /* of the rounded prefix lengths, as key words */
	uint32_t pd_mask;
	uint8_t slen, dlen; /* rounded */
	bool proto_exact, dport_exact;
	uint32_t min_rule;
	uint32_t slot_mask; /* slots - 1 */
	struct fw_slot *slots;
	struct fw_entry *entries;
	uint32_t n_entries;
};

struct fw_class {
	uint32_t n_rules;
	uint32_t n_linear; /* small sets: a first-match scan of these entries */
	struct fw_entry *linear;
	unsigned n_tuples[2];
	struct fw_tuple *tuples[2]; /* [0] IPv4, [1] IPv6 */
	size_t bytes;
};

/* Multiply-add over the key words: the products are independent, so a
 * probe costs a few cycles, not a chain of mixing rounds. */
static inline uint64_t ckey_hash(const struct ckey *k)
{
	uint64_t h = (k->w[0] ^ 0x9e3779b97f4a7c15ULL) * 0xff51afd7ed558ccdULL +
		     (k->w[1] ^ 0xc2b2ae3d27d4eb4fULL) * 0xc4ceb9fe1a85ec53ULL +
		     (k->w[2] ^ 0x165667b19e3779f9ULL) * 0x9e3779b97f4a7c15ULL +
		     (k->w[3] ^ 0x27d4eb2f165667c5ULL) * 0xd6e8feb86659fd93ULL +
		     ((uint64_t)k->pd ^ 0x85ebca77c2b2ae63ULL) * 0xa0761d6478bd642fULL;

	return h ^ (h >> 29) ^ (h >> 47);
}

static unsigned round_level(uint8_t family, unsigned len)
{
	const uint8_t *lv = family == 4 ? levels4 : levels6;
	unsigned r = 0;

	for (unsigned i = 0; i < N_LEVELS; i++)
		if (lv[i] <= len)
			r = i;
	return r;
}

/* Tuple index within a family: level pair x proto exact x dport exact. */
static unsigned tuple_of(const struct fw_entry *e)
{
	unsigned s = round_level(e->family, e->slen), d = round_level(e->family, e->dlen);
	unsigned pe = e->proto != 0, de = e->proto != 0 && e->dport_lo == e->dport_hi;

	return ((s * N_LEVELS + d) * 2 + pe) * 2 + de;
}

#define N_TUPLE_IDS (N_LEVELS * N_LEVELS * 4)

static void mask_words(uint64_t m[2], uint8_t family, unsigned len)
{
	uint8_t b[16];

	memset(b, 0, sizeof(b));
	if (family == 4 && len > 32)
		len = 32;
	for (unsigned i = 0; i < len; i++)
		b[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	memcpy(m, b, 16);
}

static void tuple_masks(struct fw_tuple *t, uint8_t family)
{
	mask_words(&t->mask[0], family, t->slen);
	mask_words(&t->mask[2], family, t->dlen);
	t->pd_mask = (t->proto_exact ? 0xff0000u : 0) | (t->dport_exact ? 0xffffu : 0);
}

/* The packet's words, loaded once per lookup. */
struct pkey {
	uint64_t w[4];
	uint32_t pd;
};

static inline void tuple_key(const struct fw_tuple *t, const struct pkey *p, struct ckey *k)
{
	k->w[0] = p->w[0] & t->mask[0];
	k->w[1] = p->w[1] & t->mask[1];
	k->w[2] = p->w[2] & t->mask[2];
	k->w[3] = p->w[3] & t->mask[3];
	k->pd = p->pd & t->pd_mask;
	k->pad = 0;
}

static inline void pkey_make(struct pkey *p, const uint8_t *src, const uint8_t *dst, uint8_t proto,
			     uint16_t dport)
{
	memcpy(&p->w[0], src, 16);
	memcpy(&p->w[2], dst, 16);
	p->pd = (uint32_t)proto << 16 | dport;
}

static inline bool ckey_eq(const struct ckey *a, const struct ckey *b)
{
	return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) | (a->w[2] ^ b->w[2]) |
		(a->w[3] ^ b->w[3]) | (uint64_t)(a->pd ^ b->pd)) == 0;
}

struct sort_item {
	struct ckey key;
	const struct fw_entry *e;
};

static int cmp_item(const void *a, const void *b)
{
	const struct sort_item *x = a, *y = b;
	int c = memcmp(&x->key, &y->key, sizeof(x->key));

	if (c)
		return c;
	return x->e->rule < y->e->rule ? -1 : x->e->rule > y->e->rule;
}

static int cmp_tuple(const void *a, const void *b)
{
	const struct fw_tuple *x = a, *y = b;

	return x->min_rule < y->min_rule ? -1 : x->min_rule > y->min_rule;
}

static int build_tuple(struct fw_tuple *t, uint8_t family, struct sort_item *items, uint32_t n,
		       size_t *bytes)
{
	uint32_t uniq = 0, cap = 4;

	tuple_masks(t, family);
	for (uint32_t i = 0; i < n; i++) {
		struct pkey p;

		pkey_make(&p, items[i].e->src, items[i].e->dst, items[i].e->proto,
			  items[i].e->dport_lo);
		tuple_key(t, &p, &items[i].key);
	}
	qsort(items, n, sizeof(*items), cmp_item);
	for (uint32_t i = 0; i < n; i++)
		if (i == 0 || memcmp(&items[i].key, &items[i - 1].key, sizeof(items[i].key)))
			uniq++;
	while (cap < uniq * 2)
		cap *= 2;
	t->slots = calloc(cap, sizeof(*t->slots));
	t->entries = malloc(n * sizeof(*t->entries));
	if (!t->slots || !t->entries)
		return -ENOMEM;
	*bytes += cap * sizeof(*t->slots) + n * sizeof(*t->entries);
	t->slot_mask = cap - 1;
	t->n_entries = n;
	t->min_rule = UINT32_MAX;
	for (uint32_t i = 0; i < n;) {
		uint32_t j = i;
		uint64_t h = ckey_hash(&items[i].key);
		struct fw_slot *s;

		while (j < n && memcmp(&items[j].key, &items[i].key, sizeof(items[i].key)) == 0) {
			t->entries[j] = *items[j].e;
			if (items[j].e->rule < t->min_rule)
				t->min_rule = items[j].e->rule;
			j++;
		}
		for (uint32_t p = (uint32_t)h & t->slot_mask;; p = (p + 1) & t->slot_mask) {
			s = &t->slots[p];
			if (!s->count)
				break;
		}
		s->key = items[i].key;
		s->hash = h;
		s->start = i;
		s->count = j - i;
		i = j;
	}
	return 0;
}

int fw_class_build(const struct fw_compiled *c, struct fw_class **out)
{
	return fw_class_build_with(c, FW_LINEAR_MAX, out);
}

int fw_class_build_with(const struct fw_compiled *c, uint32_t linear_max, struct fw_class **out)
{
	struct fw_class *cl = calloc(1, sizeof(*cl));
	struct sort_item *items = NULL;
	uint32_t *count = NULL, *pos = NULL;
	int rc = -ENOMEM;

	if (!cl)
		return -ENOMEM;
	cl->n_rules = c->hdr.n_rules;
	cl->bytes = sizeof(*cl);
	if (c->hdr.n_entries <= linear_max) {
		cl->n_linear = c->hdr.n_entries;
		cl->linear = malloc((cl->n_linear ? cl->n_linear : 1) * sizeof(*cl->linear));
		if (!cl->linear) {
			free(cl);
			return -ENOMEM;
		}
		if (cl->n_linear)
			memcpy(cl->linear, c->entries, cl->n_linear * sizeof(*cl->linear));
		cl->bytes += cl->n_linear * sizeof(*cl->linear);
		*out = cl;
		return 0;
	}
	count = calloc(2 * N_TUPLE_IDS, sizeof(*count));
	pos = calloc(2 * N_TUPLE_IDS, sizeof(*pos));
	items = malloc((c->hdr.n_entries ? c->hdr.n_entries : 1) * sizeof(*items));
	if (!count || !pos || !items)
		goto fail;
	for (uint32_t i = 0; i < c->hdr.n_entries; i++) {
		const struct fw_entry *e = &c->entries[i];

		count[(e->family == 6) * N_TUPLE_IDS + tuple_of(e)]++;
	}
	/* items grouped by tuple: a counting sort */
	for (unsigned i = 1; i < 2 * N_TUPLE_IDS; i++)
		pos[i] = pos[i - 1] + count[i - 1];
	for (uint32_t i = 0; i < c->hdr.n_entries; i++) {
		const struct fw_entry *e = &c->entries[i];

		items[pos[(e->family == 6) * N_TUPLE_IDS + tuple_of(e)]++].e = e;
	}
	for (unsigned f = 0; f < 2; f++) {
		unsigned n = 0;
		uint32_t base = 0;

		for (unsigned i = 0; i < f * N_TUPLE_IDS; i++)
			base += count[i];
		for (unsigned i = 0; i < N_TUPLE_IDS; i++)
			n += count[f * N_TUPLE_IDS + i] != 0;
		cl->tuples[f] = calloc(n ? n : 1, sizeof(struct fw_tuple));
		if (!cl->tuples[f])
			goto fail;
		cl->bytes += n * sizeof(struct fw_tuple);
		for (unsigned i = 0; i < N_TUPLE_IDS; i++) {
			uint32_t cnt = count[f * N_TUPLE_IDS + i];
			const uint8_t *lv = f ? levels6 : levels4;
			struct fw_tuple *t;

			if (!cnt)
				continue;
			t = &cl->tuples[f][cl->n_tuples[f]++];
			t->slen = lv[i / 4 / N_LEVELS];
			t->dlen = lv[(i / 4) % N_LEVELS];
			t->proto_exact = (i / 2) % 2;
			t->dport_exact = i % 2;
			if (build_tuple(t, f ? 6 : 4, items + base, cnt, &cl->bytes) < 0)
				goto fail;
			base += cnt;
		}
		qsort(cl->tuples[f], cl->n_tuples[f], sizeof(struct fw_tuple), cmp_tuple);
	}
	rc = 0;
	*out = cl;
	cl = NULL;
fail:
	free(items);
	free(count);
	free(pos);
	fw_class_free(cl);
	return rc;
}

void fw_class_free(struct fw_class *cl)
{
	if (!cl)
		return;
	for (unsigned f = 0; f < 2; f++) {
		for (unsigned i = 0; cl->tuples[f] && i < cl->n_tuples[f]; i++) {
			free(cl->tuples[f][i].slots);
			free(cl->tuples[f][i].entries);
		}
		free(cl->tuples[f]);
	}
	free(cl->linear);
	free(cl);
}

static inline bool residual_match(const struct fw_entry *e, const struct fw_key *k)
{
	return (e->proto == 0 || e->proto == k->proto) && fw_prefix_has(e->src, e->slen, k->src) &&
	       fw_prefix_has(e->dst, e->dlen, k->dst) && k->sport >= e->sport_lo &&
	       k->sport <= e->sport_hi && k->dport >= e->dport_lo && k->dport <= e->dport_hi &&
	       (e->in_port == FW_PORT_ANY || e->in_port == k->in_port) &&
	       (e->out_port == FW_PORT_ANY || e->out_port == k->out_port);
}

uint32_t fw_class_lookup(const struct fw_class *cl, const struct fw_key *k)
{
	unsigned f = k->family == 6;
	uint32_t best = cl->n_rules;
	struct pkey p;

	if (k->family != 4 && k->family != 6)
		return best;
	if (cl->linear) {
		/* entries in rule order: the first that matches decides */
		for (uint32_t i = 0; i < cl->n_linear; i++)
			if (cl->linear[i].family == k->family && residual_match(&cl->linear[i], k))
				return cl->linear[i].rule;
		return best;
	}
	pkey_make(&p, k->src, k->dst, k->proto, k->dport);
	for (unsigned ti = 0; ti < cl->n_tuples[f]; ti++) {
		const struct fw_tuple *t = &cl->tuples[f][ti];
		struct ckey key;
		uint64_t h;

		if (t->min_rule >= best)
			break;
		tuple_key(t, &p, &key);
		h = ckey_hash(&key);
		for (uint32_t i = (uint32_t)h & t->slot_mask;; i = (i + 1) & t->slot_mask) {
			const struct fw_slot *s = &t->slots[i];

			if (!s->count)
				break;
			if (s->hash != h || !ckey_eq(&s->key, &key))
				continue;
			for (uint32_t x = s->start; x < s->start + s->count; x++) {
				const struct fw_entry *e = &t->entries[x];

				if (e->rule >= best)
					break;
				if (residual_match(e, k)) {
					best = e->rule;
					break;
				}
			}
			break;
		}
	}
	return best;
}

void fw_class_info(const struct fw_class *cl, unsigned *n_tuples, size_t *bytes)
{
	/* 0 tuples: the small-set linear scan */
	*n_tuples = cl->n_tuples[0] + cl->n_tuples[1];
	*bytes = cl->bytes;
}
