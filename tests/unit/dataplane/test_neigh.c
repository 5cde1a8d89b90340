/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of dataplane/neigh.c: the lock-free neighbour table. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>

#include "dataplane/neigh.h"

static struct dp_neigh_entry store[64];
static struct dp_neigh_table t;
static const uint8_t M1[6] = {2, 0, 0, 0, 0, 1}, M2[6] = {2, 0, 0, 0, 0, 2};

static void setup(void)
{
	memset(store, 0, sizeof(store));
	dp_neigh_init(&t, store, 64);
}

TestSuite(neigh, .init = setup);

Test(neigh, learned_mac_is_found_by_port_family_and_address)
{
	uint8_t ip[16] = {198, 19, 1, 2}, mac[6]; /* 16: also looked up as IPv6 */
	struct dp_neigh_entry *e;

	cr_assert_null(dp_neigh_lookup(&t, 1, 4, ip));
	cr_assert_not_null(dp_neigh_learn(&t, 1, 4, ip, M1, 100, false));
	e = dp_neigh_lookup(&t, 1, 4, ip);
	cr_assert_not_null(e);
	cr_assert(dp_neigh_mac(e, mac));
	cr_assert_arr_eq(mac, M1, 6);
	cr_assert_eq(atomic_load(&e->confirmed_at), 100);
	cr_assert_null(dp_neigh_lookup(&t, 2, 4, ip), "another port is another key");
	cr_assert_null(dp_neigh_lookup(&t, 1, 6, ip), "another family is another key");
}

Test(neigh, created_entry_has_no_mac_until_learned)
{
	uint8_t ip[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 9}, mac[6];
	struct dp_neigh_entry *e = dp_neigh_get(&t, 0, 6, ip);

	cr_assert_not_null(e);
	cr_assert_not(dp_neigh_mac(e, mac));
	cr_assert_eq(dp_neigh_get(&t, 0, 6, ip), e, "the same key finds the same slot");
	dp_neigh_learn(&t, 0, 6, ip, M2, 5, false);
	cr_assert(dp_neigh_mac(e, mac));
	cr_assert_arr_eq(mac, M2, 6);
}

Test(neigh, static_entries_are_not_overwritten_by_learning)
{
	uint8_t ip[4] = {198, 19, 1, 3}, mac[6];

	dp_neigh_learn(&t, 0, 4, ip, M1, 1, true);
	dp_neigh_learn(&t, 0, 4, ip, M2, 2, false);
	cr_assert(dp_neigh_mac(dp_neigh_lookup(&t, 0, 4, ip), mac));
	cr_assert_arr_eq(mac, M1, 6);
	dp_neigh_learn(&t, 0, 4, ip, M2, 3, true);
	cr_assert(dp_neigh_mac(dp_neigh_lookup(&t, 0, 4, ip), mac));
	cr_assert_arr_eq(mac, M2, 6, "a new static entry replaces the old");
}

Test(neigh, full_table_refuses_new_keys_and_lookups_still_end)
{
	uint8_t ip[4] = {198, 18, 0, 0};
	int made = 0;

	for (int i = 0; i < 100; i++) {
		ip[3] = (uint8_t)i;
		if (dp_neigh_get(&t, 0, 4, ip))
			made++;
	}
	cr_assert_eq(made, 63, "one slot stays free");
	ip[2] = 7;
	cr_assert_null(dp_neigh_lookup(&t, 0, 4, ip));
	cr_assert_null(dp_neigh_get(&t, 0, 4, ip));
}

Test(neigh, one_request_claim_per_interval)
{
	uint8_t ip[4] = {198, 19, 1, 2};
	struct dp_neigh_entry *e = dp_neigh_get(&t, 0, 4, ip);

	cr_assert(dp_neigh_claim_request(e, 1000, 100));
	cr_assert_not(dp_neigh_claim_request(e, 1050, 100));
	cr_assert(dp_neigh_claim_request(e, 1100, 100));
}

#define KEYS 1000
static struct dp_neigh_entry big[4096];
static struct dp_neigh_table bt;

static void *hammer(void *arg)
{
	uintptr_t seed = (uintptr_t)arg;

	for (int round = 0; round < 20; round++)
		for (int k = 0; k < KEYS; k++) {
			int key = (int)((k * 7 + seed * 13 + (unsigned)round) % KEYS);
			uint8_t ip[4] = {198, 18, (uint8_t)(key >> 8), (uint8_t)key};

			if (key & 1)
				dp_neigh_learn(&bt, 0, 4, ip, M1, 1, false);
			else
				dp_neigh_get(&bt, 0, 4, ip);
		}
	return NULL;
}

Test(neigh_concurrent, four_threads_creating_the_same_keys_make_each_once)
{
	pthread_t th[4];
	int keyed = 0;

	dp_neigh_init(&bt, big, 4096);
	for (uintptr_t i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, hammer, (void *)i);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 4096; i++)
		keyed += atomic_load(&big[i].state) == 2;
	cr_assert_eq(keyed, KEYS);
	cr_assert_eq(atomic_load(&bt.used), KEYS);
	for (int k = 0; k < KEYS; k++) {
		uint8_t ip[4] = {198, 18, (uint8_t)(k >> 8), (uint8_t)k}, mac[6];
		struct dp_neigh_entry *e = dp_neigh_lookup(&bt, 0, 4, ip);

		cr_assert_not_null(e);
		cr_assert_eq(dp_neigh_mac(e, mac), (k & 1) != 0);
	}
}
