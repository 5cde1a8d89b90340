/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of dataplane/neigh.c: the lock-free neighbour table, alone and
 * under four threads learning the same keys at once.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/neigh.h"

#define SLOTS 64
static struct dp_neigh_entry store[SLOTS];
static struct dp_neigh_table t;
static const uint8_t M1[6] = { 0x02, 0, 0, 0, 0, 0x01 }, M2[6] = { 0x02, 0, 0, 0, 0, 0x02 };
/* 16 bytes, so that the same buffer is also a (different) IPv6 key */
static const uint8_t IP4[16] = { 198, 19, 1, 2 };
static const uint8_t IP6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 2 };

static void setup(void)
{
	memset(store, 0, sizeof(store));
	dp_neigh_init(&t, store, SLOTS);
}

TestSuite(neigh, .init = setup);

static unsigned slots_in_state(const struct dp_neigh_entry *s, unsigned n, uint32_t state)
{
	unsigned c = 0;

	for (unsigned i = 0; i < n; i++)
		c += atomic_load(&s[i].state) == state;
	return c;
}

Test(neigh, empty_table_finds_nothing)
{
	cr_assert_null(dp_neigh_lookup(&t, 0, 4, IP4));
	cr_assert_null(dp_neigh_lookup(&t, 0, 6, IP6));
	cr_assert_eq(slots_in_state(store, SLOTS, 0), SLOTS, "a lookup claims no slot");
}

Test(neigh, learned_mac_is_found_with_its_time)
{
	struct dp_neigh_entry *e;
	uint8_t mac[6];

	cr_assert_not_null(dp_neigh_learn(&t, 1, 4, IP4, M1, 100, false));
	e = dp_neigh_lookup(&t, 1, 4, IP4);
	cr_assert_not_null(e);
	cr_assert_eq(e->port, 1);
	cr_assert_eq(e->family, 4);
	cr_assert_arr_eq(e->ip, IP4, 4);
	cr_assert(dp_neigh_mac(e, mac));
	cr_assert_arr_eq(mac, M1, 6);
	cr_assert_eq(atomic_load(&e->confirmed_at), 100);
	cr_assert_eq(atomic_load(&e->mac), DP_NEIGH_VALID | 0x020000000001ull);
}

Test(neigh, learn_returns_the_entry_lookup_finds)
{
	struct dp_neigh_entry *e = dp_neigh_learn(&t, 1, 6, IP6, M1, 1, false);

	cr_assert_eq(dp_neigh_lookup(&t, 1, 6, IP6), e);
}

Test(neigh, created_entry_has_no_mac_until_learned)
{
	struct dp_neigh_entry *e = dp_neigh_get(&t, 0, 6, IP6);
	uint8_t mac[6];

	cr_assert_not_null(e);
	cr_assert_not(dp_neigh_mac(e, mac));
	dp_neigh_learn(&t, 0, 6, IP6, M2, 5, false);
	cr_assert(dp_neigh_mac(e, mac));
	cr_assert_arr_eq(mac, M2, 6);
}

Test(neigh, get_twice_returns_the_same_slot)
{
	struct dp_neigh_entry *e = dp_neigh_get(&t, 0, 6, IP6);

	cr_assert_eq(dp_neigh_get(&t, 0, 6, IP6), e);
	cr_assert_eq(atomic_load(&t.used), 1);
	cr_assert_eq(slots_in_state(store, SLOTS, 2), 1);
}

Test(neigh, another_port_is_another_key)
{
	struct dp_neigh_entry *e1 = dp_neigh_learn(&t, 1, 4, IP4, M1, 1, false);
	struct dp_neigh_entry *e2;
	uint8_t mac[6];

	cr_assert_null(dp_neigh_lookup(&t, 2, 4, IP4));
	e2 = dp_neigh_learn(&t, 2, 4, IP4, M2, 1, false);
	cr_assert_not_null(e2);
	cr_assert_neq(e1, e2);
	cr_assert(dp_neigh_mac(dp_neigh_lookup(&t, 1, 4, IP4), mac));
	cr_assert_arr_eq(mac, M1, 6);
	cr_assert(dp_neigh_mac(dp_neigh_lookup(&t, 2, 4, IP4), mac));
	cr_assert_arr_eq(mac, M2, 6);
}

Test(neigh, another_family_is_another_key)
{
	struct dp_neigh_entry *e4 = dp_neigh_learn(&t, 1, 4, IP4, M1, 1, false);
	struct dp_neigh_entry *e6;
	uint8_t mac[6];

	cr_assert_null(dp_neigh_lookup(&t, 1, 6, IP4));
	e6 = dp_neigh_learn(&t, 1, 6, IP4, M2, 1, false);
	cr_assert_not_null(e6);
	cr_assert_neq(e4, e6);
	cr_assert(dp_neigh_mac(dp_neigh_lookup(&t, 1, 4, IP4), mac));
	cr_assert_arr_eq(mac, M1, 6);
	cr_assert(dp_neigh_mac(dp_neigh_lookup(&t, 1, 6, IP4), mac));
	cr_assert_arr_eq(mac, M2, 6);
}

Test(neigh, ipv4_key_is_the_first_4_bytes_only)
{
	uint8_t other[16];
	struct dp_neigh_entry *e = dp_neigh_get(&t, 0, 4, IP4);

	memcpy(other, IP4, 16);
	memset(other + 4, 0xaa, 12);
	cr_assert_eq(dp_neigh_lookup(&t, 0, 4, other), e);
	other[3] ^= 1;
	cr_assert_null(dp_neigh_lookup(&t, 0, 4, other));
}

Test(neigh, learning_again_updates_the_mac_and_time)
{
	struct dp_neigh_entry *e = dp_neigh_learn(&t, 0, 4, IP4, M1, 10, false);
	uint8_t mac[6];

	cr_assert_eq(dp_neigh_learn(&t, 0, 4, IP4, M2, 20, false), e);
	cr_assert(dp_neigh_mac(e, mac));
	cr_assert_arr_eq(mac, M2, 6);
	cr_assert_eq(atomic_load(&e->confirmed_at), 20);
	cr_assert_eq(atomic_load(&t.used), 1);
}

Test(neigh, static_entry_is_not_overwritten_by_a_learned_mac)
{
	struct dp_neigh_entry *e = dp_neigh_learn(&t, 0, 4, IP4, M1, 1, true);
	uint8_t mac[6];

	cr_assert_eq(atomic_load(&e->mac), DP_NEIGH_VALID | DP_NEIGH_STATIC | 0x020000000001ull);
	cr_assert_eq(dp_neigh_learn(&t, 0, 4, IP4, M2, 2, false), e);
	cr_assert(dp_neigh_mac(e, mac));
	cr_assert_arr_eq(mac, M1, 6);
	cr_assert_eq(atomic_load(&e->confirmed_at), 1);
	cr_assert(atomic_load(&e->mac) & DP_NEIGH_STATIC);
}

Test(neigh, static_entry_is_replaced_by_a_new_static_one)
{
	struct dp_neigh_entry *e = dp_neigh_learn(&t, 0, 4, IP4, M1, 1, true);
	uint8_t mac[6];

	dp_neigh_learn(&t, 0, 4, IP4, M2, 3, true);
	cr_assert(dp_neigh_mac(e, mac));
	cr_assert_arr_eq(mac, M2, 6);
}

Test(neigh, learned_entry_is_made_static_by_a_static_one)
{
	struct dp_neigh_entry *e = dp_neigh_learn(&t, 0, 4, IP4, M1, 1, false);
	uint8_t mac[6];

	dp_neigh_learn(&t, 0, 4, IP4, M2, 2, true);
	dp_neigh_learn(&t, 0, 4, IP4, M1, 3, false);
	cr_assert(dp_neigh_mac(e, mac));
	cr_assert_arr_eq(mac, M2, 6);
}

static void fill(unsigned *made)
{
	uint8_t ip[4] = { 198, 18, 0, 0 };

	*made = 0;
	for (unsigned i = 0; i < 2 * SLOTS; i++) {
		ip[3] = (uint8_t)i;
		if (dp_neigh_get(&t, 0, 4, ip))
			(*made)++;
	}
}

Test(neigh, full_table_keeps_one_slot_free)
{
	unsigned made;

	fill(&made);
	cr_assert_eq(made, SLOTS - 1);
	cr_assert_eq(atomic_load(&t.used), SLOTS - 1);
	cr_assert_eq(slots_in_state(store, SLOTS, 2), SLOTS - 1);
	cr_assert_eq(slots_in_state(store, SLOTS, 0), 1);
}

Test(neigh, full_table_refuses_new_keys)
{
	static const uint8_t absent[4] = { 198, 18, 7, 7 };
	unsigned made;

	fill(&made);
	cr_assert_null(dp_neigh_get(&t, 0, 4, absent));
	cr_assert_null(dp_neigh_learn(&t, 0, 4, absent, M1, 1, false));
	cr_assert_eq(atomic_load(&t.used), SLOTS - 1);
}

Test(neigh, full_table_lookups_of_absent_keys_end, .timeout = 10)
{
	uint8_t ip[4] = { 198, 18, 7, 0 };
	unsigned made;

	fill(&made);
	for (unsigned i = 0; i < 256; i++) {
		ip[3] = (uint8_t)i;
		cr_assert_null(dp_neigh_lookup(&t, 0, 4, ip));
	}
}

Test(neigh, full_table_still_finds_every_key_it_holds)
{
	uint8_t ip[4] = { 198, 18, 0, 0 };
	unsigned made, found = 0;

	fill(&made);
	for (unsigned i = 0; i < 2 * SLOTS; i++) {
		struct dp_neigh_entry *e;

		ip[3] = (uint8_t)i;
		e = dp_neigh_lookup(&t, 0, 4, ip);
		if (e) {
			cr_assert_arr_eq(e->ip, ip, 4);
			found++;
		}
	}
	cr_assert_eq(found, SLOTS - 1);
}

Test(neigh, request_is_claimed_once_per_interval)
{
	struct dp_neigh_entry *e = dp_neigh_get(&t, 0, 4, IP4);

	cr_assert(dp_neigh_claim_request(e, 1000, 100));
	cr_assert_eq(atomic_load(&e->requested_at), 1000);
	cr_assert_not(dp_neigh_claim_request(e, 1000, 100), "a second caller at the same time");
	cr_assert_not(dp_neigh_claim_request(e, 1099, 100));
	cr_assert(dp_neigh_claim_request(e, 1100, 100));
	cr_assert_not(dp_neigh_claim_request(e, 1150, 100));
}

Test(neigh, request_claimed_at_time_0_is_claimed_once)
{
	struct dp_neigh_entry *e = dp_neigh_get(&t, 0, 4, IP4);

	cr_assert(dp_neigh_claim_request(e, 0, 100));
	cr_expect_not(dp_neigh_claim_request(e, 0, 100), "claimed twice at time 0");
	cr_expect_not(dp_neigh_claim_request(e, 50, 100), "claimed again 50 after time 0");
}

/* Workers read their clock before calling: a worker that read 999 may call
 * after another claimed at 1000. */
Test(neigh, request_is_not_claimed_again_with_an_earlier_time)
{
	struct dp_neigh_entry *e = dp_neigh_get(&t, 0, 4, IP4);

	uint64_t last;

	cr_assert(dp_neigh_claim_request(e, 1000, 100));
	cr_expect_not(dp_neigh_claim_request(e, 999, 100), "claimed at 999 after 1000");
	last = atomic_load(&e->requested_at);
	cr_expect_eq(last, 1000, "the last claim moved back to %lu", (unsigned long)last);
}

/* --- four threads ------------------------------------------------------ */

#define KEYS	1000
#define BIG	2048
#define THREADS 4
static struct dp_neigh_entry big[BIG];
static struct dp_neigh_table bt;
static pthread_barrier_t start;
static _Atomic unsigned claims;
static _Atomic unsigned misses;

static void key_ip(unsigned k, uint8_t ip[4])
{
	ip[0] = 10;
	ip[1] = (uint8_t)(k >> 16);
	ip[2] = (uint8_t)(k >> 8);
	ip[3] = (uint8_t)k;
}

static void mac_of(unsigned k, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0;
	mac[2] = 0;
	mac[3] = (uint8_t)(k >> 16);
	mac[4] = (uint8_t)(k >> 8);
	mac[5] = (uint8_t)k;
}

/* Every thread walks the same keys in the same order, so that they race for
 * the same slots: odd keys are learned, even ones created by get, and each is
 * looked up right after. */
static void *hammer(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;

	pthread_barrier_wait(&start);
	for (unsigned k = 0; k < KEYS; k++) {
		uint8_t ip[4], mac[6];
		struct dp_neigh_entry *e;

		key_ip(k, ip);
		mac_of(k, mac);
		if ((k + id) & 1)
			e = dp_neigh_learn(&bt, (uint16_t)(k % 3), 4, ip, mac, k, false);
		else
			e = dp_neigh_get(&bt, (uint16_t)(k % 3), 4, ip);
		if (!e || dp_neigh_lookup(&bt, (uint16_t)(k % 3), 4, ip) != e)
			atomic_fetch_add(&misses, 1);
	}
	return NULL;
}

Test(neigh_concurrent, four_threads_learning_the_same_keys_key_each_once, .timeout = 60)
{
	for (int trial = 0; trial < 50; trial++) {
		pthread_t th[THREADS];
		unsigned keyed = 0;

		memset(big, 0, sizeof(big));
		dp_neigh_init(&bt, big, BIG);
		atomic_store(&misses, 0);
		pthread_barrier_init(&start, NULL, THREADS);
		for (uintptr_t i = 0; i < THREADS; i++)
			cr_assert_eq(pthread_create(&th[i], NULL, hammer, (void *)i), 0);
		for (int i = 0; i < THREADS; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&start);

		cr_assert_eq(atomic_load(&misses), 0, "trial %d: a get, learn or lookup missed",
			     trial);
		keyed = slots_in_state(big, BIG, 2);
		cr_assert_eq(keyed, KEYS, "trial %d: %u keyed slots", trial, keyed);
		cr_assert_eq(slots_in_state(big, BIG, 0), BIG - KEYS, "trial %d", trial);
		cr_assert_eq(atomic_load(&bt.used), KEYS, "trial %d", trial);
		for (unsigned k = 0; k < KEYS; k++) {
			uint8_t ip[4], mac[6], want[6];
			unsigned copies = 0;
			struct dp_neigh_entry *e;

			key_ip(k, ip);
			for (unsigned i = 0; i < BIG; i++)
				copies += atomic_load(&big[i].state) == 2 && big[i].port == k % 3 &&
					  big[i].family == 4 && memcmp(big[i].ip, ip, 4) == 0;
			cr_assert_eq(copies, 1, "trial %d: key %u in %u slots", trial, k, copies);
			e = dp_neigh_lookup(&bt, (uint16_t)(k % 3), 4, ip);
			cr_assert_not_null(e);
			/* every key was learned by the threads of the other parity */
			mac_of(k, want);
			cr_assert(dp_neigh_mac(e, mac), "trial %d: key %u has no MAC", trial, k);
			cr_assert_arr_eq(mac, want, 6);
		}
	}
}

static struct dp_neigh_entry *claim_entry;

static void *claimer(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	for (uint64_t now = 1000; now < 1000 + 100 * 1000; now += 100)
		if (dp_neigh_claim_request(claim_entry, now, 100))
			atomic_fetch_add(&claims, 1);
	return NULL;
}

Test(neigh_concurrent, four_threads_claim_each_interval_once, .timeout = 60)
{
	pthread_t th[THREADS];

	memset(store, 0, sizeof(store));
	dp_neigh_init(&t, store, SLOTS);
	claim_entry = dp_neigh_get(&t, 0, 4, IP4);
	atomic_store(&claims, 0);
	pthread_barrier_init(&start, NULL, THREADS);
	for (uintptr_t i = 0; i < THREADS; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, claimer, (void *)i), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	/* a thread that falls behind calls with times earlier than the last
	 * claim: those must be refused, so there is at most one claim for each
	 * of the 1000 intervals */
	cr_expect_leq(atomic_load(&claims), 1000, "%u claims for 1000 intervals",
		      atomic_load(&claims));
}
