/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flow.h - the dataplane's flow table: connection tracking for the firewall
 * (and the NAT after it). One table shared by every worker, so both
 * directions of a flow find the same entry whichever lcore receives them:
 * the key is canonical (the two endpoints in a fixed order), the entry says
 * which endpoint opened the flow.
 *
 * Lock-free: readers probe two buckets of eight slots; a worker publishes a
 * new entry with one compare-and-swap into a free slot. Entries are split
 * between workers; each allocates, expires and frees only its own share, so
 * the free lists need no locks. An expired entry is unlinked at once and
 * reused only after every worker has passed a quiescent point (epochs, as
 * RCU), so a reader never sees an entry change under it.
 *
 * Plain C over memory the caller provides; no EAL.
 */
#ifndef RAMPART_DP_FLOW_H
#define RAMPART_DP_FLOW_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP_FLOW_SLOTS	    8
#define DP_FLOW_WORKERS_MAX 64

struct dp_flow_key {
	uint8_t a[16], b[16]; /* endpoint addresses, (a, pa) < (b, pb) */
	uint16_t pa, pb;      /* ports; ICMP echo: the identifier on both */
	uint8_t proto;
	uint8_t family;
	uint8_t pad[2];
};

/* TCP state: bits set as the packets are seen (RFC 9293 §3.3.2, simplified
 * to what a firewall needs; sequence numbers are not checked). */
#define DP_FLOW_TCP_SYN	   0x01 /* the opener's SYN */
#define DP_FLOW_TCP_SYNACK 0x02 /* the responder's SYN+ACK */
#define DP_FLOW_TCP_EST	   0x04 /* the opener's ACK after it: established */
#define DP_FLOW_TCP_FIN_O  0x08 /* FIN from the opener */
#define DP_FLOW_TCP_FIN_R  0x10 /* FIN from the responder */
#define DP_FLOW_TCP_RST	   0x20
#define DP_FLOW_REPLY	   0x40 /* any protocol: the responder has sent */

#define DP_FLOW_F_USED 0x1 /* linked in the table */
#define DP_FLOW_F_DEAD 0x2 /* revoked: lookups skip it, its owner frees it */

/* What an entry is. Connections are what the firewall tracks; the NAT adds
 * its mappings (key: the inside endpoint), each with an alias (key: the
 * public endpoint) that goes when the mapping goes, and one entry per inside
 * host counting its mappings. Entries hold references on others (a NAT'd
 * connection on its mapping, a mapping on its host): an entry with
 * references never expires; once the last goes, it expires after the hold
 * timeout (DP_FLOW_CL_HOLD). */
enum dp_flow_kind {
	DP_FLOW_K_CONN = 0,
	DP_FLOW_K_MAP,
	DP_FLOW_K_ALIAS,
	DP_FLOW_K_HOST,
	DP_FLOW_K_FRAG, /* a fragmented datagram whose first fragment passed */
};

/* The key's family byte of the NAT's entries: never 4 or 6, so they never
 * meet a connection's key. */
#define DP_FLOW_FAM_MAP	  0x84 /* a: inside address, pa: inside port */
#define DP_FLOW_FAM_ALIAS 0x85 /* a: public address, pa: public port */
#define DP_FLOW_FAM_HOST  0x86 /* a: inside address */
/* A fragmented IPv4 datagram (a: source, b: destination, pa: IP
 * identification): as the firewall sees it, and as it arrived at a public
 * address (xaddr[0]: what the way in writes). */
#define DP_FLOW_FAM_FRAG    0x87
#define DP_FLOW_FAM_FRAG_IN 0x88

/* A connection's translations (dp_flow.nat). */
#define DP_FLOW_NAT_SRC 0x1 /* the opener's endpoint is seen outside as xaddr[0]:xport[0] */
#define DP_FLOW_NAT_DST 0x2 /* the responder is reached at xaddr[1]:xport[1] */
#define DP_FLOW_NAT_EIF 0x4 /* opened from outside through a mapping (no rule) */
#define DP_FLOW_NAT_LOG 0x8 /* a mapping whose creation and end are logged */

#define DP_FLOW_REFS_DYING 0x80000000u /* being unlinked: takes no more references */

struct dp_flow {
	/* first cache line: what every packet of a connection reads */
	struct dp_flow_key key;
	_Atomic uint64_t generation; /* of the rules that admitted it */
	_Atomic uint32_t last_seen;  /* seconds, the caller's clock */
	_Atomic uint8_t state;	     /* DP_FLOW_TCP_*, DP_FLOW_REPLY */
	_Atomic uint8_t flags;	     /* DP_FLOW_F_* */
	uint8_t opener_a;	     /* the opener is endpoint a */
	uint8_t in_port, out_port;   /* the opener's direction (config indexes) */
	uint8_t owner;		     /* worker that allocated it */
	uint8_t kind;		     /* enum dp_flow_kind */
	uint8_t nat;		     /* connection: DP_FLOW_NAT_* */
	uint32_t rule;		     /* the rule that admitted it */
	/* second: the translation, and what its owner and the sweep use */
	uint64_t hash;
	uint8_t pool;		/* mapping: the NAT pool its port is from */
	uint32_t next;		/* free list / limbo link */
	_Atomic uint32_t refs;	/* entries holding this one (+ DP_FLOW_REFS_DYING) */
	uint32_t hold;		/* index + 1 of the entry this one holds; 0: none */
	uint32_t peer;		/* index + 1 of the entry unlinked with this one */
	/* NAT addresses (network order) and ports: a connection's (DP_FLOW_NAT_*);
	 * a mapping's public endpoint in [0]; an alias's inside endpoint in [0]. */
	uint32_t xaddr[2];
	uint16_t xport[2];
	uint64_t retire_epoch;
} __attribute__((aligned(64))); /* two cache lines, the first the hot one */

struct dp_flow_bucket {
	_Atomic uint32_t slot[DP_FLOW_SLOTS]; /* entry index + 1, 0: free */
	_Atomic uint32_t sig[DP_FLOW_SLOTS];  /* high hash bits, to skip most compares */
};

struct dp_flow_worker {
	uint32_t lo, hi;    /* entries [lo, hi) are this worker's */
	uint32_t free_head; /* UINT32_MAX: empty */
	uint32_t n_free;
	uint32_t limbo_head, limbo_tail; /* unlinked, waiting for the grace period */
	uint32_t sweep;			 /* next entry the expiry sweep looks at */
	_Atomic uint64_t quiescent_epoch;
	uint64_t n_created, n_expired, n_full;
} __attribute__((aligned(64)));

struct dp_flow_table {
	uint32_t capacity;
	uint32_t bucket_mask;
	unsigned n_workers;
	struct dp_flow_bucket *buckets;
	struct dp_flow *flows;
	_Atomic uint64_t epoch;
	uint32_t timeouts[16]; /* seconds, indexed by enum dp_flow_class */
	/* Called by the owner as it unlinks an entry that is not a connection
	 * (the NAT gives back a mapping's port). */
	void (*release)(void *arg, unsigned w, const struct dp_flow *f);
	void *release_arg;
	struct dp_flow_worker workers[DP_FLOW_WORKERS_MAX];
};

enum dp_flow_class {
	DP_FLOW_CL_TCP_OPENING = 0,
	DP_FLOW_CL_TCP_ESTABLISHED,
	DP_FLOW_CL_TCP_CLOSING,
	DP_FLOW_CL_TCP_CLOSED,
	DP_FLOW_CL_UDP,
	DP_FLOW_CL_UDP_STREAM,
	DP_FLOW_CL_ICMP,
	DP_FLOW_CL_OTHER,
	DP_FLOW_CL_HOLD, /* NAT mappings and hosts once nothing holds them */
	DP_FLOW_CL_FRAG, /* fragments after the first */
	DP_FLOW_CL_MAX,
};

/* Bytes of memory a table of capacity entries needs (64-byte aligned). */
size_t dp_flow_table_size(uint32_t capacity);
/* Lay out a table in mem (zeroed, dp_flow_table_size bytes, 64-byte aligned)
 * for n_workers. capacity is rounded down to a multiple of n_workers.
 * Returns the table or NULL on bad arguments. */
struct dp_flow_table *dp_flow_table_init(void *mem, uint32_t capacity, unsigned n_workers);

/* Canonical key of a packet; *from_a tells whether (src, sport) is endpoint a. */
void dp_flow_key_make(struct dp_flow_key *k, uint8_t family, uint8_t proto, const uint8_t *src,
		      const uint8_t *dst, uint16_t sport, uint16_t dport, bool *from_a);
uint64_t dp_flow_hash(const struct dp_flow_key *k);

/* The two buckets a key of this hash may be in. */
static inline void dp_flow_buckets_of(const struct dp_flow_table *t, uint64_t hash, uint32_t b[2])
{
	b[0] = (uint32_t)hash & t->bucket_mask;
	b[1] = (uint32_t)(hash >> 24) & t->bucket_mask;
	if (b[1] == b[0])
		b[1] = (b[0] + 1) & t->bucket_mask;
}

/* Fetch the two buckets of hash into the cache, ahead of a lookup (inline:
 * a call would cost as much as the prefetch saves). */
static inline void dp_flow_prefetch(const struct dp_flow_table *t, uint64_t hash)
{
	uint32_t b[2];

	dp_flow_buckets_of(t, hash, b);
	__builtin_prefetch(&t->buckets[b[0]]);
	__builtin_prefetch(&t->buckets[b[1]]);
}
/* Find a live entry; NULL when none. */
struct dp_flow *dp_flow_lookup(struct dp_flow_table *t, const struct dp_flow_key *k, uint64_t hash);
/* What a new entry starts with, besides its key. */
struct dp_flow_init {
	uint64_t generation;
	uint32_t rule;
	uint8_t opener_a;
	uint8_t in_port, out_port;
	uint8_t state;
	uint8_t kind, nat, pool;
	uint32_t hold, peer; /* index + 1; hold: a reference the caller took */
	uint32_t xaddr[2];
	uint16_t xport[2];
};
/* Create and publish an entry for k on worker w. NULL when the worker's share
 * or both buckets are full. */
struct dp_flow *dp_flow_insert(struct dp_flow_table *t, unsigned w, const struct dp_flow_key *k,
			       uint64_t hash, uint32_t now, const struct dp_flow_init *init);

/* Note a packet: TCP flags (0 for other protocols), from the opener or not;
 * returns the new state bits. */
uint8_t dp_flow_update(struct dp_flow *f, bool from_opener, uint8_t tcp_flags);
/* The timeout class of an entry. */
enum dp_flow_class dp_flow_class_of(const struct dp_flow *f);
/* Idle seconds after which an entry of this class expires. */
static inline uint32_t dp_flow_timeout(const struct dp_flow_table *t, const struct dp_flow *f)
{
	return t->timeouts[dp_flow_class_of(f)];
}

/* Mark an entry revoked: lookups stop finding it; its owner frees it. */
void dp_flow_kill(struct dp_flow *f);

/* Take a reference on f (it then outlives the taker); false when f is being
 * unlinked. Give it back with dp_flow_unref, which restarts f's hold timer. */
bool dp_flow_ref(struct dp_flow *f);
void dp_flow_unref(struct dp_flow_table *t, uint32_t idx, uint32_t now);
/* Index + 1 of an entry, as hold and peer store it. */
static inline uint32_t dp_flow_id(const struct dp_flow_table *t, const struct dp_flow *f)
{
	return (uint32_t)(f - t->flows) + 1;
}

/* Worker w's quiescent point: it holds no entry pointer now. */
static inline void dp_flow_quiescent(struct dp_flow_table *t, unsigned w)
{
	atomic_store(&t->workers[w].quiescent_epoch, atomic_load(&t->epoch));
}
/* Worker w's housekeeping: look at up to budget of its entries, unlink the
 * expired and revoked ones, free those whose grace period has passed.
 * Returns the entries unlinked. */
unsigned dp_flow_expire(struct dp_flow_table *t, unsigned w, uint32_t now, unsigned budget);
/* Revoke every entry of worker w and unlink those nothing holds at once;
 * the rest go in the sweep once their holders have gone (flush). Returns the
 * entries revoked. */
unsigned dp_flow_flush(struct dp_flow_table *t, unsigned w);

/* Entries in use (linked or waiting to be freed), summed over workers. */
uint32_t dp_flow_in_use(const struct dp_flow_table *t);

#endif /* RAMPART_DP_FLOW_H */
