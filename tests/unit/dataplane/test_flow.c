/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_flow.c - the flow table: both directions find one entry, TCP states
 * and their timeouts, expiry, reuse only after every worker's quiescent
 * point, a full table that refuses new flows and keeps the old, revoked
 * entries, and two threads working the table at once.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "dataplane/flow.h"

static struct dp_flow_table *table(uint32_t cap, unsigned workers)
{
	size_t sz = dp_flow_table_size(cap);
	void *mem = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	struct dp_flow_table *t;

	cr_assert_not_null(mem);
	memset(mem, 0, sz);
	t = dp_flow_table_init(mem, cap, workers);
	cr_assert_not_null(t);
	return t;
}

static const struct dp_flow_init init_opener_a = { .generation = 1, .opener_a = 1 };

static void key4(struct dp_flow_key *k, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp,
		 uint8_t proto, bool *from_a)
{
	uint8_t s[4], d[4];

	memcpy(s, &src, 4);
	memcpy(d, &dst, 4);
	dp_flow_key_make(k, 4, proto, s, d, sp, dp, from_a);
}

Test(flow, both_directions_one_entry)
{
	struct dp_flow_table *t = table(1024, 2);
	struct dp_flow_key k1, k2;
	bool a1, a2;
	struct dp_flow *f;

	key4(&k1, htonl(0xc6120001), htonl(0xc6120002), 40000, 80, 6, &a1);
	key4(&k2, htonl(0xc6120002), htonl(0xc6120001), 80, 40000, 6, &a2);
	cr_assert_eq(memcmp(&k1, &k2, sizeof(k1)), 0);
	cr_assert_neq(a1, a2);
	cr_assert_eq(dp_flow_hash(&k1), dp_flow_hash(&k2));
	cr_assert_null(dp_flow_lookup(t, &k1, dp_flow_hash(&k1)));
	f = dp_flow_insert(t, 0, &k1, dp_flow_hash(&k1), 100, &init_opener_a);
	cr_assert_not_null(f);
	cr_assert_eq(dp_flow_lookup(t, &k2, dp_flow_hash(&k2)), f);
	cr_assert_eq(dp_flow_in_use(t), 1);
	/* same addresses, other ports: another flow */
	key4(&k2, htonl(0xc6120002), htonl(0xc6120001), 81, 40000, 6, &a2);
	cr_assert_null(dp_flow_lookup(t, &k2, dp_flow_hash(&k2)));
	/* same endpoints, other protocol */
	key4(&k2, htonl(0xc6120001), htonl(0xc6120002), 40000, 80, 17, &a2);
	cr_assert_null(dp_flow_lookup(t, &k2, dp_flow_hash(&k2)));
	free(t);
}

Test(flow, ipv6_key_and_equal_addresses)
{
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct dp_flow_key k1, k2;
	bool fa, fb;

	/* same address both ends: the ports decide the order */
	dp_flow_key_make(&k1, 6, 17, a, a, 5000, 53, &fa);
	dp_flow_key_make(&k2, 6, 17, a, a, 53, 5000, &fb);
	cr_assert_eq(memcmp(&k1, &k2, sizeof(k1)), 0);
	cr_assert_neq(fa, fb);
}

Test(flow, tcp_states_and_timeouts)
{
	struct dp_flow_table *t = table(64, 1);
	struct dp_flow_key k;
	struct dp_flow *f;
	bool a;

	key4(&k, 1, 2, 1000, 22, 6, &a);
	f = dp_flow_insert(t, 0, &k, dp_flow_hash(&k), 0, &init_opener_a);
	dp_flow_update(f, true, 0x02); /* SYN */
	cr_assert_eq(dp_flow_class_of(f), DP_FLOW_CL_TCP_OPENING);
	cr_assert_eq(dp_flow_timeout(t, f), 30);
	dp_flow_update(f, true, 0x10); /* ACK before SYN+ACK: not established */
	cr_assert_eq(dp_flow_class_of(f), DP_FLOW_CL_TCP_OPENING);
	dp_flow_update(f, false, 0x12); /* SYN+ACK */
	dp_flow_update(f, true, 0x10);	/* ACK */
	cr_assert_eq(dp_flow_class_of(f), DP_FLOW_CL_TCP_ESTABLISHED);
	cr_assert_eq(dp_flow_timeout(t, f), 7440);
	dp_flow_update(f, true, 0x11); /* FIN+ACK */
	cr_assert_eq(dp_flow_class_of(f), DP_FLOW_CL_TCP_CLOSING);
	dp_flow_update(f, false, 0x11);
	cr_assert_eq(dp_flow_class_of(f), DP_FLOW_CL_TCP_CLOSED);
	cr_assert_eq(dp_flow_timeout(t, f), 10);

	key4(&k, 1, 2, 1001, 22, 6, &a);
	f = dp_flow_insert(t, 0, &k, dp_flow_hash(&k), 0, &init_opener_a);
	dp_flow_update(f, true, 0x02);
	dp_flow_update(f, false, 0x04); /* RST */
	cr_assert_eq(dp_flow_class_of(f), DP_FLOW_CL_TCP_CLOSED);

	key4(&k, 1, 2, 1001, 53, 17, &a);
	f = dp_flow_insert(t, 0, &k, dp_flow_hash(&k), 0, &init_opener_a);
	cr_assert_eq(dp_flow_class_of(f), DP_FLOW_CL_UDP);
	dp_flow_update(f, false, 0);
	cr_assert_eq(dp_flow_class_of(f), DP_FLOW_CL_UDP_STREAM);
	free(t);
}

Test(flow, expiry_and_grace_period)
{
	struct dp_flow_table *t = table(64, 2);
	struct dp_flow_key k;
	struct dp_flow *f;
	bool a;

	key4(&k, 1, 2, 1000, 53, 17, &a);
	f = dp_flow_insert(t, 0, &k, dp_flow_hash(&k), 100, &init_opener_a);
	cr_assert_not_null(f);
	cr_assert_eq(dp_flow_expire(t, 0, 100 + 120, 64), 0, "not idle long enough");
	cr_assert_eq(dp_flow_expire(t, 0, 100 + 121, 64), 1);
	cr_assert_null(dp_flow_lookup(t, &k, dp_flow_hash(&k)), "unlinked at once");
	cr_assert_eq(t->workers[0].n_free, 31, "not reusable before the grace period");
	dp_flow_quiescent(t, 0);
	dp_flow_expire(t, 0, 300, 1);
	cr_assert_eq(t->workers[0].n_free, 31, "worker 1 has not passed a quiescent point");
	dp_flow_quiescent(t, 1);
	dp_flow_expire(t, 0, 300, 1);
	cr_assert_eq(t->workers[0].n_free, 32);
	free(t);
}

Test(flow, full_table_keeps_existing_flows)
{
	struct dp_flow_table *t = table(32, 1);
	struct dp_flow_key k;
	unsigned made = 0;
	bool a;

	for (uint16_t p = 0; p < 100; p++) {
		key4(&k, 1, 2, p, 53, 17, &a);
		if (dp_flow_insert(t, 0, &k, dp_flow_hash(&k), 0, &init_opener_a))
			made++;
	}
	cr_assert_eq(made, 32);
	cr_assert_eq(t->workers[0].n_full, 68);
	for (uint16_t p = 0, found = 0; p < 100; p++) {
		key4(&k, 1, 2, p, 53, 17, &a);
		found += dp_flow_lookup(t, &k, dp_flow_hash(&k)) != NULL;
		if (p == 99)
			cr_assert_eq(found, 32, "every admitted flow is still there");
	}
	free(t);
}

Test(flow, killed_entry_is_skipped_and_freed)
{
	struct dp_flow_table *t = table(64, 1);
	struct dp_flow_key k;
	struct dp_flow *f, *g;
	bool a;

	key4(&k, 1, 2, 1, 2, 6, &a);
	f = dp_flow_insert(t, 0, &k, dp_flow_hash(&k), 5, &init_opener_a);
	dp_flow_kill(f);
	cr_assert_null(dp_flow_lookup(t, &k, dp_flow_hash(&k)));
	g = dp_flow_insert(t, 0, &k, dp_flow_hash(&k), 5, &init_opener_a);
	cr_assert_not_null(g);
	cr_assert_neq(f, g);
	cr_assert_eq(dp_flow_lookup(t, &k, dp_flow_hash(&k)), g);
	cr_assert_eq(dp_flow_expire(t, 0, 5, 64), 1, "the killed one goes at once");
	cr_assert_eq(dp_flow_lookup(t, &k, dp_flow_hash(&k)), g);
	cr_assert_eq(dp_flow_flush(t, 0), 1);
	cr_assert_null(dp_flow_lookup(t, &k, dp_flow_hash(&k)));
	free(t);
}

/* Two workers: each inserts flows, looks up the other's in the reverse
 * direction, expires its own; the table must stay consistent. */
struct stress {
	struct dp_flow_table *t;
	unsigned w;
	unsigned found;
	_Atomic unsigned *go;
};

static void *stress_main(void *arg)
{
	struct stress *s = arg;

	for (uint32_t round = 0; round < 200; round++) {
		for (uint16_t i = 0; i < 500; i++) {
			struct dp_flow_key k;
			struct dp_flow *f;
			bool a;

			/* worker 0 opens flows 1 -> 2, worker 1 sees their replies 2 -> 1 */
			if (s->w == 0) {
				key4(&k, 1, 2, i, (uint16_t)round, 17, &a);
				f = dp_flow_lookup(s->t, &k, dp_flow_hash(&k));
				if (!f)
					f = dp_flow_insert(s->t, 0, &k, dp_flow_hash(&k), round,
							   &init_opener_a);
				if (f)
					dp_flow_update(f, true, 0);
			} else {
				key4(&k, 2, 1, (uint16_t)round, i, 17, &a);
				f = dp_flow_lookup(s->t, &k, dp_flow_hash(&k));
				if (f) {
					cr_assert_eq(memcmp(&f->key, &k, sizeof(k)), 0);
					dp_flow_update(f, false, 0);
					s->found++;
				}
			}
			dp_flow_quiescent(s->t, s->w);
		}
		dp_flow_expire(s->t, s->w, round + 200, 256);
		dp_flow_quiescent(s->t, s->w);
	}
	return NULL;
}

Test(flow, two_workers_at_once, .timeout = 60)
{
	struct dp_flow_table *t = table(4096, 2);
	struct stress s[2] = { { t, 0, 0, NULL }, { t, 1, 0, NULL } };
	pthread_t th[2];

	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, stress_main, &s[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	cr_assert_leq(dp_flow_in_use(t), 2048u);
	/* drain: everything expires, every entry comes back */
	for (int i = 0; i < 4; i++) {
		dp_flow_quiescent(t, 0);
		dp_flow_quiescent(t, 1);
		dp_flow_expire(t, 0, 1000000, 4096);
		dp_flow_expire(t, 1, 1000000, 4096);
	}
	cr_assert_eq(dp_flow_in_use(t), 0);
	free(t);
}

/* Sequential flows, as a traffic generator makes them (source address and
 * port counting up): the hash must spread them so that the table fills to 90 %
 * without a single insert failing for want of a free slot. */
Test(flow, sequential_flows_fill_the_table)
{
	struct dp_flow_table *t = table(65536, 1);
	struct dp_flow_key k;
	unsigned made = 0;
	bool a;

	for (uint32_t i = 0; i < 65536 * 9 / 10; i++) {
		key4(&k, htonl(0xc6120001 + i), htonl(0xc6130102), (uint16_t)(1024 + i), 9, 17, &a);
		made += dp_flow_insert(t, 0, &k, dp_flow_hash(&k), 0, &init_opener_a) != NULL;
	}
	cr_assert_eq(made, 65536 * 9 / 10, "%u of %u inserted", made, 65536 * 9 / 10);
	cr_assert_eq(t->workers[0].n_full, 0);
	free(t);
}

/* ---- references: what the NAT builds on ---- */

static unsigned released;
static uint16_t released_port;

static void on_release(void *arg, unsigned w, const struct dp_flow *f)
{
	(void)arg;
	(void)w;
	released++;
	released_port = f->xport[0];
}

static struct dp_flow *put(struct dp_flow_table *t, uint8_t fam, uint32_t a, uint16_t pa,
			   const struct dp_flow_init *init, uint32_t now)
{
	struct dp_flow_key k;

	memset(&k, 0, sizeof(k));
	memcpy(k.a, &a, 4);
	k.pa = pa;
	k.proto = 17;
	k.family = fam;
	return dp_flow_insert(t, 0, &k, dp_flow_hash(&k), now, init);
}

static void sweep(struct dp_flow_table *t, uint32_t now)
{
	dp_flow_quiescent(t, 0);
	dp_flow_expire(t, 0, now, t->capacity);
	dp_flow_quiescent(t, 0);
	dp_flow_expire(t, 0, now, t->capacity);
}

/* A connection holds its mapping, the mapping its host: nothing held goes
 * while its holder lives; the holder gone, the held one waits its hold time,
 * then goes with its alias and gives its port back, once. */
Test(flow, held_entries_outlive_their_holders)
{
	struct dp_flow_table *t = table(64, 1);
	struct dp_flow_init hi = { .kind = DP_FLOW_K_HOST }, mi, ai, ci = init_opener_a;
	struct dp_flow *host, *map, *alias, *conn;
	struct dp_flow_key ck;
	bool fa;

	t->release = on_release;
	released = 0;
	host = put(t, DP_FLOW_FAM_HOST, 0x0201a8c0, 0, &hi, 100);
	cr_assert(dp_flow_ref(host));
	mi = (struct dp_flow_init){ .kind = DP_FLOW_K_MAP, .hold = dp_flow_id(t, host),
				    .xport = { 5000 } };
	map = put(t, DP_FLOW_FAM_MAP, 0x0201a8c0, 40000, &mi, 100);
	ai = (struct dp_flow_init){ .kind = DP_FLOW_K_ALIAS, .peer = dp_flow_id(t, map) };
	alias = put(t, DP_FLOW_FAM_ALIAS, 0x010113c6, 5000, &ai, 100);
	map->peer = dp_flow_id(t, alias);
	cr_assert(dp_flow_ref(map));
	ci.hold = dp_flow_id(t, map);
	key4(&ck, htonl(0xc0a80102), htonl(0xc6130102), 40000, 53, 17, &fa);
	conn = dp_flow_insert(t, 0, &ck, dp_flow_hash(&ck), 100, &ci);
	cr_assert_not_null(conn);
	cr_assert_eq(dp_flow_in_use(t), 4);

	/* long idle: only the connection (UDP, 120 s) expires */
	sweep(t, 100 + 121);
	cr_assert_eq(dp_flow_in_use(t), 3);
	cr_assert_eq(released, 0);
	cr_assert_eq(atomic_load(&map->refs), 0);
	/* the mapping's hold time counts from its last holder's end */
	sweep(t, 100 + 121 + t->timeouts[DP_FLOW_CL_HOLD]);
	cr_assert_eq(dp_flow_in_use(t), 3, "mapping held past its hold time");
	sweep(t, 100 + 121 + t->timeouts[DP_FLOW_CL_HOLD] + 1);
	cr_assert_eq(released, 1);
	cr_assert_eq(released_port, 5000);
	cr_assert_eq(dp_flow_in_use(t), 1, "the alias goes with its mapping");
	sweep(t, 100 + 121 + 2 * t->timeouts[DP_FLOW_CL_HOLD] + 2);
	cr_assert_eq(dp_flow_in_use(t), 0);
	cr_assert_eq(released, 2, "the host entry is released too");
}

/* A flush revokes everything; what something holds stays until it is let go. */
Test(flow, flush_waits_for_holders)
{
	struct dp_flow_table *t = table(64, 2);
	struct dp_flow_init mi = { .kind = DP_FLOW_K_MAP }, ci = init_opener_a;
	struct dp_flow *map, *conn;
	struct dp_flow_key k, ck;
	bool fa;

	t->release = on_release;
	released = 0;
	memset(&k, 0, sizeof(k));
	k.family = DP_FLOW_FAM_MAP;
	map = dp_flow_insert(t, 0, &k, dp_flow_hash(&k), 10, &mi); /* worker 0's */
	cr_assert(dp_flow_ref(map));
	ci.hold = dp_flow_id(t, map);
	key4(&ck, htonl(0xc0a80102), htonl(0xc6130102), 1, 2, 17, &fa);
	conn = dp_flow_insert(t, 1, &ck, dp_flow_hash(&ck), 10, &ci); /* worker 1's */
	cr_assert_not_null(conn);
	cr_assert_eq(dp_flow_flush(t, 0), 1);
	cr_assert_null(dp_flow_lookup(t, &k, dp_flow_hash(&k)), "revoked");
	cr_assert_eq(released, 0, "held: not unlinked");
	cr_assert_eq(dp_flow_flush(t, 1), 1);
	cr_assert_eq(atomic_load(&map->refs), 0);
	dp_flow_expire(t, 0, 11, t->capacity);
	cr_assert_eq(released, 1);
	/* a reference cannot be taken on an entry being unlinked */
	cr_assert_not(dp_flow_ref(map));
}
