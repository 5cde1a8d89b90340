/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of dataplane/vpn.c, the VPN's data channel in the workers,
 * against the reference vpn/data.c byte for byte: AES-GCM through the
 * ipsec-mb PMD (CPU-crypto API), ChaCha20-Poly1305 and AES-256-GCM without
 * the PMD through libsodium, the reference through libsodium and mbedTLS.
 * A one-peer state is built and published as the agent does; packets are
 * encrypted (headers, packet ids 1, 2, 3...) and decrypted (the replay
 * window, forged ciphertext, tag and header), and a second state keeps the
 * key it still names with its packet ids and window. EAL runs without
 * hugepages, shared files or PCI, in each test's own process.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/dp.h"
#include "vpn/data.h"

struct dp_main dp;

#define OFF	  66 /* where the OpenVPN packet starts: outer Ethernet, IPv6, UDP */
#define N_PKTS	  40 /* more than a burst */
#define PEER	  2
#define PLAIN_MAX 1500

static struct rte_mempool *pool;

static void setup(void)
{
	/* --no-huge is legacy memory, which --in-memory refuses: no shared
	 * files instead, so the test processes share the prefix (its directory
	 * stays empty) */
	char *argv[] = { "test",
			 "-l",
			 "0",
			 "--no-huge",
			 "-m",
			 "256",
			 "--no-shconf",
			 "--no-pci",
			 "--no-telemetry",
			 "--log-level",
			 "lib.eal:error",
			 "--file-prefix",
			 "rampart-test-vpn",
			 NULL };
	size_t sz;

	cr_assert_geq(rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv), 0);
	memset(dp.port_index, -1, sizeof(dp.port_index));
	dp.n_workers = 1;
	dp.n_ports = 0;
	dp.tsc_hz = rte_get_tsc_hz();
	sz = rte_rcu_qsbr_get_memsize(1);
	dp.rcu = rte_zmalloc("test_rcu", sz, RTE_CACHE_LINE_SIZE);
	cr_assert_not_null(dp.rcu);
	cr_assert_eq(rte_rcu_qsbr_init(dp.rcu, 1), 0);
	dp_vpn_init();
	cr_assert_not_null(dp.vpn_cnt);
	pool = rte_pktmbuf_pool_create("test_vpn_mbufs", 511, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	cr_assert_not_null(pool);
}

static void teardown(void)
{
	/* the last state retired: its keys and sessions freed and wiped (rte_malloc's
	 * memory, which ASan does not watch; the test's own is) */
	dp_vpn_publish(NULL);
	cr_assert_null(atomic_load(&dp.vpn));
}

TestSuite(vpn_dp, .init = setup, .fini = teardown);

/* ---- the state ctrl sends ---- */

struct vpn_state {
	struct dp_vpn_hdr h;
	struct dp_vpn_peer p[1];
};

_Static_assert(sizeof(struct vpn_state) == sizeof(struct dp_vpn_hdr) + sizeof(struct dp_vpn_peer),
	       "the test's state is the wire form");

/* One key as both sides hold it: the dataplane's (the server) and the
 * reference's for each direction, from one exporter output. */
struct test_key {
	struct dp_vpn_key dp;
	struct vpn_data_keys ref; /* out: we send with (enc), in: the peer (dec) */
};

static void key_make(struct test_key *k, enum vpn_cipher c, uint64_t epoch, uint8_t key_id,
		     uint8_t seed)
{
	uint8_t ekm[256];

	for (unsigned i = 0; i < sizeof(ekm); i++)
		ekm[i] = (uint8_t)(i * 7 + seed);
	memset(k, 0, sizeof(*k));
	vpn_data_keys_from_ekm(ekm, c, true, &k->ref);
	k->dp.epoch = epoch;
	k->dp.key_id = key_id;
	k->dp.cipher = (uint8_t)c;
	memcpy(k->dp.enc_key, k->ref.out.key, 32);
	memcpy(k->dp.enc_iv, k->ref.out.implicit_iv, 8);
	memcpy(k->dp.dec_key, k->ref.in.key, 32);
	memcpy(k->dp.dec_iv, k->ref.in.implicit_iv, 8);
	/* the two directions differ, and from the other seeds' */
	cr_assert_neq(memcmp(k->dp.enc_key, k->dp.dec_key, 32), 0);
	cr_assert_neq(memcmp(k->dp.enc_iv, k->dp.dec_iv, 8), 0);
}

static void addr(const char *s, struct dp_addr *a)
{
	cr_assert_eq(dp_addr_parse(s, true, false, a), 0, "%s", s);
}

/* Peer 2 at 198.51.100.10:40000, tunnel address 198.18.60.4, with keys. */
static struct vpn_state state(const struct test_key *keys, unsigned n_keys, uint8_t tx_key)
{
	struct vpn_state s;
	struct dp_vpn_peer *p = &s.p[0];
	struct dp_addr t;

	memset(&s, 0, sizeof(s));
	s.h.n_peers = 1;
	s.h.max_peers = 4;
	s.h.port = 1194;
	s.h.tun_mtu = 1400;
	s.h.ping_s = 10;
	s.h.pool4_start = 0xc6123c02; /* 198.18.60.2 */
	addr("198.18.60.0/24", &s.h.pool4);
	addr("198.18.60.1", &s.h.local4);
	p->peer_id = PEER;
	p->n_keys = (uint8_t)n_keys;
	p->tx_key = tx_key;
	p->has4 = 1;
	p->epoch = 1000;
	addr("198.51.100.10", &p->remote);
	p->remote_port = 40000;
	p->local_port = 1194;
	addr("198.18.60.4", &t);
	memcpy(p->tun4, t.addr, 4);
	for (unsigned i = 0; i < n_keys; i++)
		p->keys[i] = keys[i].dp;
	return s;
}

static struct dp_vpn *build(const void *payload, size_t len)
{
	struct dp_vpn *v = NULL;
	char err[300] = "";

	cr_assert_eq(dp_vpn_build(payload, len, 42, &v, err, sizeof(err)), 0, "refused: %s", err);
	cr_assert_not_null(v);
	return v;
}

static struct dp_vpn *publish(const struct vpn_state *s)
{
	struct dp_vpn *v = build(s, sizeof(*s));

	dp_vpn_publish(v);
	cr_assert_eq(atomic_load(&dp.vpn), v);
	return v;
}

/* AES-GCM in the dataplane is the PMD's; without it the test says so. */
static void need_cipher(enum vpn_cipher c)
{
	if (c != VPN_CHACHA20_POLY1305 && dp.crypto_dev < 0)
		cr_skip_test("no ipsec-mb AES-GCM PMD (crypto_aesni_gcm) here: %s through the PMD "
			     "is not tested",
			     vpn_cipher_name(c));
}

/* One peer with one key (id 1) of cipher c, published: the state most
 * tests start from. */
static struct dp_vpn *one_key_published(enum vpn_cipher c, struct test_key *k)
{
	struct vpn_state s;

	need_cipher(c);
	key_make(k, c, 7, 1, 1);
	s = state(k, 1, 0);
	return publish(&s);
}

/* ---- packets ---- */

static const size_t lens[] = { 1, 16, 64, 1420, 1500 };

static void plain_of(unsigned i, uint8_t *out, size_t n)
{
	for (size_t j = 0; j < n; j++)
		out[j] = (uint8_t)(i * 31 + j * 7 + 3);
}

/* An mbuf with OFF bytes of outer headers, then n bytes. */
static struct rte_mbuf *mbuf_with(const uint8_t *bytes, size_t n)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *d;

	cr_assert_not_null(m);
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(OFF + n));
	cr_assert_not_null(d);
	memset(d, 0xee, OFF);
	memcpy(d + OFF, bytes, n);
	return m;
}

static uint8_t *at(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod(m, uint8_t *) + OFF;
}

static struct dp_vpn_op op_of(struct rte_mbuf *m, struct dp_vpn_key_state *k, size_t len)
{
	return (struct dp_vpn_op){ .m = m,
				   .p = atomic_load(&dp.vpn)->peer[PEER],
				   .k = k,
				   .off = OFF,
				   .len = (uint16_t)len,
				   .status = -1 };
}

/* As the worker calls them: bursts of at most DP_BURST. */
static void in_bursts(void (*fn)(struct dp_vpn_op *, unsigned), struct dp_vpn_op *ops, unsigned n)
{
	for (unsigned i = 0; i < n; i += DP_BURST)
		fn(ops + i, n - i < DP_BURST ? n - i : DP_BURST);
}

/* The packet to send: the plaintext after 24 bytes of room (garbage) */
static struct rte_mbuf *to_send(const uint8_t *plain, size_t n)
{
	uint8_t buf[VPN_DATA_OVERHEAD + PLAIN_MAX];

	memset(buf, 0xaa, VPN_DATA_OVERHEAD);
	memcpy(buf + VPN_DATA_OVERHEAD, plain, n);
	return mbuf_with(buf, VPN_DATA_OVERHEAD + n);
}

/* The packet encrypted in m is the reference's, the outer headers as they were. */
static void sent_is(struct rte_mbuf *m, const struct vpn_data_key *ref, uint8_t key_id,
		    uint32_t packet_id, const uint8_t *plain, size_t n)
{
	uint8_t want[VPN_DATA_OVERHEAD + PLAIN_MAX], outer[OFF];

	cr_assert_eq(vpn_data_encrypt(ref, key_id, PEER, packet_id, plain, n, want, sizeof(want)),
		     n + VPN_DATA_OVERHEAD);
	cr_assert_eq(rte_pktmbuf_data_len(m), OFF + VPN_DATA_OVERHEAD + n);
	memset(outer, 0xee, OFF);
	cr_assert_arr_eq(rte_pktmbuf_mtod(m, uint8_t *), outer, OFF, "the outer headers stay");
	cr_assert_arr_eq(at(m), want, 8, "header of packet id %u (%zu bytes)", packet_id, n);
	cr_assert_arr_eq(at(m) + 8, want + 8, 16, "tag of packet id %u (%zu bytes)", packet_id, n);
	cr_assert_arr_eq(at(m) + VPN_DATA_OVERHEAD, want + VPN_DATA_OVERHEAD, n,
			 "ciphertext of packet id %u (%zu bytes)", packet_id, n);
}

/* What the peer sends: the reference's packet under its key. */
static struct rte_mbuf *from_peer(const struct vpn_data_key *ref, uint8_t key_id,
				  uint32_t packet_id, const uint8_t *plain, size_t n)
{
	uint8_t pkt[VPN_DATA_OVERHEAD + PLAIN_MAX];

	cr_assert_eq(vpn_data_encrypt(ref, key_id, PEER, packet_id, plain, n, pkt, sizeof(pkt)),
		     n + VPN_DATA_OVERHEAD);
	return mbuf_with(pkt, n + VPN_DATA_OVERHEAD);
}

static void free_all(struct dp_vpn_op *ops, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		rte_pktmbuf_free(ops[i].m);
}

/* ---- encryption ---- */

static void encrypts_as_the_reference(enum vpn_cipher c)
{
	struct test_key k;
	struct dp_vpn *v = one_key_published(c, &k);
	struct dp_vpn_op ops[N_PKTS];
	uint8_t plain[PLAIN_MAX];

	cr_assert_not_null(v->peer[PEER]);
	cr_assert_eq(v->peer[PEER]->tx, v->peer[PEER]->key[1]);
	cr_assert_eq(v->peer[PEER]->tx->enc_sess != NULL,
		     c != VPN_CHACHA20_POLY1305 && dp.crypto_dev >= 0, "through the PMD");
	for (unsigned i = 0; i < N_PKTS; i++) {
		plain_of(i, plain, lens[i % 5]);
		ops[i] = op_of(to_send(plain, lens[i % 5]), v->peer[PEER]->tx,
			       VPN_DATA_OVERHEAD + lens[i % 5]);
	}
	in_bursts(dp_vpn_encrypt, ops, N_PKTS);
	for (unsigned i = 0; i < N_PKTS; i++) {
		cr_assert_eq(ops[i].status, 0, "packet %u: status %d", i, ops[i].status);
		plain_of(i, plain, lens[i % 5]);
		sent_is(ops[i].m, &k.ref.out, 1, i + 1, plain, lens[i % 5]);
	}
	free_all(ops, N_PKTS);
	vpn_data_keys_wipe(&k.ref);
}

Test(vpn_dp, aes_256_gcm_encrypts_as_the_reference)
{
	encrypts_as_the_reference(VPN_AES_256_GCM);
}

Test(vpn_dp, aes_128_gcm_encrypts_as_the_reference)
{
	encrypts_as_the_reference(VPN_AES_128_GCM);
}

Test(vpn_dp, chacha20_poly1305_encrypts_as_the_reference)
{
	encrypts_as_the_reference(VPN_CHACHA20_POLY1305);
}

/* ---- decryption ---- */

static void decrypt_expect(struct dp_vpn_op *ops, unsigned n, int32_t status, const char *what)
{
	in_bursts(dp_vpn_decrypt, ops, n);
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(ops[i].status, status, "%s: packet %u: status %d, not %d", what, i,
			     ops[i].status, status);
}

static void decrypts_as_the_reference(enum vpn_cipher c)
{
	struct test_key k;
	struct dp_vpn *v = one_key_published(c, &k);
	struct dp_vpn_key_state *ks;
	struct dp_vpn_op ops[N_PKTS];
	uint8_t plain[PLAIN_MAX];

	ks = v->peer[PEER]->key[1];
	cr_assert_not_null(ks);

	/* packet ids 1..N: all authentic, the plaintext back in place */
	for (unsigned i = 0; i < N_PKTS; i++) {
		plain_of(i, plain, lens[i % 5]);
		ops[i] = op_of(from_peer(&k.ref.in, 1, i + 1, plain, lens[i % 5]), ks,
			       VPN_DATA_OVERHEAD + lens[i % 5]);
	}
	decrypt_expect(ops, N_PKTS, 0, "first time");
	for (unsigned i = 0; i < N_PKTS; i++) {
		plain_of(i, plain, lens[i % 5]);
		cr_assert_arr_eq(at(ops[i].m) + VPN_DATA_OVERHEAD, plain, lens[i % 5],
				 "plaintext of packet id %u", i + 1);
	}
	free_all(ops, N_PKTS);

	/* the same packets again: authentic, but replayed */
	for (unsigned i = 0; i < N_PKTS; i++) {
		plain_of(i, plain, lens[i % 5]);
		ops[i] = op_of(from_peer(&k.ref.in, 1, i + 1, plain, lens[i % 5]), ks,
			       VPN_DATA_OVERHEAD + lens[i % 5]);
	}
	decrypt_expect(ops, N_PKTS, DP_CNT_drop_vpn_replay, "replayed");
	free_all(ops, N_PKTS);

	/* packet id N+1 forged three ways (ciphertext, tag, header: the
	 * additional data) in one batch with an authentic N+2 */
	plain_of(99, plain, 64);
	for (unsigned i = 0; i < 3; i++)
		ops[i] = op_of(from_peer(&k.ref.in, 1, N_PKTS + 1, plain, 64), ks,
			       VPN_DATA_OVERHEAD + 64);
	at(ops[0].m)[VPN_DATA_OVERHEAD + 10] ^= 0x20;
	at(ops[1].m)[8 + 5] ^= 0x80;
	at(ops[2].m)[3] ^= 0x01; /* the peer id's low bit */
	ops[3] = op_of(from_peer(&k.ref.in, 1, N_PKTS + 2, plain, 64), ks, VPN_DATA_OVERHEAD + 64);
	dp_vpn_decrypt(ops, 4);
	cr_assert_eq(ops[0].status, DP_CNT_drop_vpn_auth, "a flipped ciphertext bit");
	cr_assert_eq(ops[1].status, DP_CNT_drop_vpn_auth, "a flipped tag bit");
	cr_assert_eq(ops[2].status, DP_CNT_drop_vpn_auth, "a flipped header bit");
	cr_assert_eq(ops[3].status, 0, "the authentic packet among them");
	cr_assert_arr_eq(at(ops[3].m) + VPN_DATA_OVERHEAD, plain, 64);
	free_all(ops, 4);

	/* the forgeries did not take N+1 in the window: the real one passes, once */
	ops[0] = op_of(from_peer(&k.ref.in, 1, N_PKTS + 1, plain, 64), ks, VPN_DATA_OVERHEAD + 64);
	decrypt_expect(ops, 1, 0, "the authentic N+1");
	cr_assert_arr_eq(at(ops[0].m) + VPN_DATA_OVERHEAD, plain, 64);
	free_all(ops, 1);
	ops[0] = op_of(from_peer(&k.ref.in, 1, N_PKTS + 1, plain, 64), ks, VPN_DATA_OVERHEAD + 64);
	decrypt_expect(ops, 1, DP_CNT_drop_vpn_replay, "N+1 again");
	free_all(ops, 1);

	/* our own direction's key does not open the peer's packets */
	ops[0] = op_of(from_peer(&k.ref.out, 1, N_PKTS + 3, plain, 64), ks, VPN_DATA_OVERHEAD + 64);
	decrypt_expect(ops, 1, DP_CNT_drop_vpn_auth, "under the other direction's key");
	free_all(ops, 1);
	vpn_data_keys_wipe(&k.ref);
}

Test(vpn_dp, aes_256_gcm_decrypts_as_the_reference_and_drops_replays_and_forgeries)
{
	decrypts_as_the_reference(VPN_AES_256_GCM);
}

Test(vpn_dp, aes_128_gcm_decrypts_as_the_reference_and_drops_replays_and_forgeries)
{
	decrypts_as_the_reference(VPN_AES_128_GCM);
}

Test(vpn_dp, chacha20_poly1305_decrypts_as_the_reference_and_drops_replays_and_forgeries)
{
	decrypts_as_the_reference(VPN_CHACHA20_POLY1305);
}

/* ---- a new state keeps the keys it still names ---- */

static void keeps_a_key_across_states(enum vpn_cipher c)
{
	struct test_key k[2];
	struct vpn_state s;
	struct dp_vpn *v, *v3;
	struct dp_vpn_key_state *old, *kept, *fresh;
	struct dp_vpn_op ops[N_PKTS];
	struct dp_vpn_hdr empty;
	uint8_t plain[PLAIN_MAX];

	need_cipher(c);
	key_make(&k[0], c, 7, 1, 1);
	key_make(&k[1], c, 8, 2, 101);
	s = state(k, 1, 0);
	v = publish(&s);
	old = v->peer[PEER]->key[1];
	cr_assert_eq(dp.vpn_cnt[PEER].epoch, 1000, "the slot's counters are the peer's");

	/* N packets sent, packet id 1 received */
	for (unsigned i = 0; i < N_PKTS; i++) {
		plain_of(i, plain, 16);
		ops[i] = op_of(to_send(plain, 16), old, VPN_DATA_OVERHEAD + 16);
	}
	in_bursts(dp_vpn_encrypt, ops, N_PKTS);
	for (unsigned i = 0; i < N_PKTS; i++)
		cr_assert_eq(ops[i].status, 0);
	free_all(ops, N_PKTS);
	plain_of(0, plain, 16);
	ops[0] = op_of(from_peer(&k[0].ref.in, 1, 1, plain, 16), old, VPN_DATA_OVERHEAD + 16);
	decrypt_expect(ops, 1, 0, "packet id 1");
	free_all(ops, 1);

	/* a renegotiation: the same key (epoch 7) and a new one sending */
	s = state(k, 2, 1);
	v = publish(&s);
	kept = v->peer[PEER]->key[1];
	fresh = v->peer[PEER]->key[2];
	cr_assert_eq(kept, old, "the key of the same epoch is the same object");
	cr_assert_not_null(fresh);
	cr_assert_neq(fresh, kept);
	cr_assert_eq(v->peer[PEER]->tx, fresh);

	/* one batch, the keys interleaved: each goes on from where it was */
	for (unsigned i = 0; i < 6; i++) {
		plain_of(200 + i, plain, lens[i % 5]);
		ops[i] = op_of(to_send(plain, lens[i % 5]), i % 2 ? fresh : kept,
			       VPN_DATA_OVERHEAD + lens[i % 5]);
	}
	dp_vpn_encrypt(ops, 6);
	for (unsigned i = 0; i < 6; i++) {
		cr_assert_eq(ops[i].status, 0, "packet %u", i);
		plain_of(200 + i, plain, lens[i % 5]);
		if (i % 2)
			sent_is(ops[i].m, &k[1].ref.out, 2, i / 2 + 1, plain, lens[i % 5]);
		else
			sent_is(ops[i].m, &k[0].ref.out, 1, N_PKTS + i / 2 + 1, plain, lens[i % 5]);
	}
	free_all(ops, 6);

	/* the kept key's window too; the new key's is its own */
	plain_of(0, plain, 16);
	ops[0] = op_of(from_peer(&k[0].ref.in, 1, 1, plain, 16), kept, VPN_DATA_OVERHEAD + 16);
	ops[1] = op_of(from_peer(&k[1].ref.in, 2, 1, plain, 16), fresh, VPN_DATA_OVERHEAD + 16);
	ops[2] = op_of(from_peer(&k[0].ref.in, 1, 2, plain, 16), kept, VPN_DATA_OVERHEAD + 16);
	dp_vpn_decrypt(ops, 3);
	cr_assert_eq(ops[0].status, DP_CNT_drop_vpn_replay, "the kept key saw packet id 1");
	cr_assert_eq(ops[1].status, 0, "the new key did not");
	cr_assert_eq(ops[2].status, 0);
	for (unsigned i = 1; i < 3; i++)
		cr_assert_arr_eq(at(ops[i].m) + VPN_DATA_OVERHEAD, plain, 16);
	free_all(ops, 3);

	/* no peers: both keys retired, freed and wiped */
	empty = s.h;
	empty.n_peers = 0;
	v3 = build(&empty, sizeof(empty));
	dp_vpn_publish(v3);
	cr_assert_eq(atomic_load(&dp.vpn), v3);
	cr_assert_eq(v3->n_peers, 0);
	cr_assert_null(v3->peer[PEER]);
	vpn_data_keys_wipe(&k[0].ref);
	vpn_data_keys_wipe(&k[1].ref);
}

Test(vpn_dp, aes_256_gcm_keeps_a_key_across_states)
{
	keeps_a_key_across_states(VPN_AES_256_GCM);
}

Test(vpn_dp, aes_128_gcm_keeps_a_key_across_states)
{
	keeps_a_key_across_states(VPN_AES_128_GCM);
}

Test(vpn_dp, chacha20_poly1305_keeps_a_key_across_states)
{
	keeps_a_key_across_states(VPN_CHACHA20_POLY1305);
}

/* ---- without the PMD ---- */

Test(vpn_dp, aes_256_gcm_without_the_pmd_goes_through_libsodium)
{
	struct test_key k;
	struct vpn_state s;
	struct dp_vpn *v;
	struct dp_vpn_key_state *ks;
	struct dp_vpn_op ops[N_PKTS];
	uint8_t plain[PLAIN_MAX];

	if (!crypto_aead_aes256gcm_is_available())
		cr_skip_test("no AES-NI and PCLMUL here: libsodium has no AES-256-GCM");
	dp.crypto_dev = -1; /* as dp_vpn_init leaves it without the PMD */
	key_make(&k, VPN_AES_256_GCM, 7, 1, 1);
	s = state(&k, 1, 0);
	v = publish(&s);
	ks = v->peer[PEER]->key[1];
	cr_assert_null(ks->enc_sess);
	cr_assert_null(ks->dec_sess);
	for (unsigned i = 0; i < N_PKTS; i++) {
		plain_of(i, plain, lens[i % 5]);
		ops[i] = op_of(to_send(plain, lens[i % 5]), ks, VPN_DATA_OVERHEAD + lens[i % 5]);
	}
	in_bursts(dp_vpn_encrypt, ops, N_PKTS);
	for (unsigned i = 0; i < N_PKTS; i++) {
		cr_assert_eq(ops[i].status, 0);
		plain_of(i, plain, lens[i % 5]);
		sent_is(ops[i].m, &k.ref.out, 1, i + 1, plain, lens[i % 5]);
	}
	free_all(ops, N_PKTS);
	for (unsigned i = 0; i < N_PKTS; i++) {
		plain_of(i, plain, lens[i % 5]);
		ops[i] = op_of(from_peer(&k.ref.in, 1, i + 1, plain, lens[i % 5]), ks,
			       VPN_DATA_OVERHEAD + lens[i % 5]);
	}
	at(ops[7].m)[8] ^= 0x01;
	in_bursts(dp_vpn_decrypt, ops, N_PKTS);
	for (unsigned i = 0; i < N_PKTS; i++) {
		cr_assert_eq(ops[i].status, i == 7 ? DP_CNT_drop_vpn_auth : 0, "packet %u", i);
		plain_of(i, plain, lens[i % 5]);
		if (i != 7)
			cr_assert_arr_eq(at(ops[i].m) + VPN_DATA_OVERHEAD, plain, lens[i % 5]);
	}
	free_all(ops, N_PKTS);
	vpn_data_keys_wipe(&k.ref);
}

Test(vpn_dp, aes_128_gcm_without_the_pmd_is_refused_and_nothing_changes)
{
	struct test_key k;
	struct vpn_state s;
	struct dp_vpn *v = NULL;
	char err[300] = "";

	dp.crypto_dev = -1;
	key_make(&k, VPN_AES_128_GCM, 7, 1, 1);
	s = state(&k, 1, 0);
	cr_assert_eq(dp_vpn_build(&s, sizeof(s), 42, &v, err, sizeof(err)), -EOPNOTSUPP);
	cr_assert_null(v);
	cr_assert_str_eq(err, "AES-128-GCM needs the ipsec-mb PMD (crypto_aesni_gcm), which did "
			      "not start here");
	cr_assert_null(atomic_load(&dp.vpn));
	vpn_data_keys_wipe(&k.ref);
}

/* ---- a payload the agent must refuse ---- */

/* ---- a key's packet ids never wrap ---- */

Test(vpn_dp, a_key_whose_packet_ids_are_spent_sends_nothing_more)
{
	struct test_key k;
	struct vpn_state s;
	struct dp_vpn *v;
	struct dp_vpn_key_state *ks;
	struct dp_vpn_op ops[3];
	uint8_t plain[64];

	need_cipher(VPN_AES_256_GCM);
	key_make(&k, VPN_AES_256_GCM, 7, 1, 1);
	s = state(&k, 1, 0);
	v = publish(&s);
	ks = v->peer[PEER]->tx;
	atomic_store(&ks->tx_pid, VPN_PID_LAST - 1);
	plain_of(0, plain, sizeof(plain));
	for (unsigned i = 0; i < 3; i++)
		ops[i] =
			op_of(to_send(plain, sizeof(plain)), ks, VPN_DATA_OVERHEAD + sizeof(plain));
	dp_vpn_encrypt(ops, 3);
	cr_assert_eq(ops[0].status, 0, "the last packet id but one goes");
	sent_is(ops[0].m, &k.ref.out, 1, VPN_PID_LAST, plain, sizeof(plain));
	cr_assert_eq(ops[1].status, DP_CNT_drop_vpn_key, "past the last packet id: refused");
	cr_assert_eq(ops[2].status, DP_CNT_drop_vpn_key, "and so on: the counter never wraps");
	free_all(ops, 3);
	vpn_data_keys_wipe(&k.ref);
}

Test(vpn_dp, a_peer_id_beyond_max_peers_is_refused_and_nothing_changes)
{
	struct test_key k;
	struct vpn_state s;
	struct dp_vpn *v = NULL, *running;
	char err[300] = "";

	key_make(&k, VPN_CHACHA20_POLY1305, 7, 1, 1);
	s = state(&k, 1, 0);
	running = publish(&s);
	s.p[0].peer_id = 4; /* max_peers 4 */
	cr_assert_eq(dp_vpn_build(&s, sizeof(s), 43, &v, err, sizeof(err)), -EINVAL);
	cr_assert_null(v);
	cr_assert_str_eq(err, "VPN peer 0: peer id 4 out of range or twice");
	cr_assert_eq(atomic_load(&dp.vpn), running);
	cr_assert_eq(running->generation, 42);
	cr_assert_not_null(running->peer[PEER]->key[1]);
	vpn_data_keys_wipe(&k.ref);
}

/* The VPN client's tunnel is a state of its own beside the server's: its
 * one peer the server (the last counter slot, any inner source), its keys
 * and packets as a server's peer's, its counters in the stats as
 * DP_VPN_CLIENT_PEER; going down (no peer) leaves the server's state. */
Test(vpn_dp, the_client_tunnel_is_a_state_of_its_own)
{
	struct test_key ks, kc;
	struct vpn_state s, cs;
	struct dp_vpn *srv, *cli;
	struct dp_vpn_op op;
	const struct dp_vpn_stats *h;
	const struct dp_vpn_peer_stats *ps;
	uint8_t plain[64];
	void *st;
	size_t len;

	need_cipher(VPN_AES_256_GCM);
	key_make(&ks, VPN_AES_256_GCM, 7, 1, 1);
	key_make(&kc, VPN_AES_256_GCM, 9, 0, 2);
	s = state(&ks, 1, 0);
	srv = publish(&s);
	cs = state(&kc, 1, 0);
	cs.h = (struct dp_vpn_hdr){ .n_peers = 1,
				    .max_peers = 4,
				    .port = 40123,
				    .tun_mtu = 1500,
				    .flags = DP_VPN_F_CLIENT,
				    .ping_s = 10 };
	cli = build(&cs, sizeof(cs));
	dp_vpn_publish(cli);
	cr_assert_eq(atomic_load(&dp.vpn_cli), cli);
	cr_assert_eq(atomic_load(&dp.vpn), srv, "the server's state stays");
	cr_assert(cli->peer[PEER]->is_server && !srv->peer[PEER]->is_server);
	cr_assert_eq(cli->peer[PEER]->cnt, DP_VPN_PEERS_MAX);
	cr_assert_eq(srv->peer[PEER]->cnt, PEER);
	cr_assert_eq(cli->peer[PEER]->local_port, rte_cpu_to_be_16(40123));
	cr_assert_eq(cli->peer[PEER]->tun_mtu, 1500);

	plain_of(1, plain, sizeof(plain));
	op = (struct dp_vpn_op){ .m = to_send(plain, sizeof(plain)),
				 .p = cli->peer[PEER],
				 .k = cli->peer[PEER]->tx,
				 .off = OFF,
				 .len = VPN_DATA_OVERHEAD + sizeof(plain) };
	dp_vpn_encrypt(&op, 1);
	cr_assert_eq(op.status, 0);
	sent_is(op.m, &kc.ref.out, 0, 1, plain, sizeof(plain));
	rte_pktmbuf_free(op.m);

	dp.vpn_cnt[DP_VPN_PEERS_MAX].tx_pkts = 5; /* worker 0's count of the client's server */
	cr_assert_eq(dp_vpn_stats(&st, &len), 0);
	h = st;
	ps = (const struct dp_vpn_peer_stats *)(h + 1);
	cr_assert_eq(h->n_peers, 2);
	cr_assert_eq(len, sizeof(*h) + 2 * sizeof(*ps));
	cr_assert_eq(ps[0].peer_id, PEER);
	cr_assert_eq(ps[0].tx_pkts, 0);
	cr_assert_eq(ps[1].peer_id, DP_VPN_CLIENT_PEER);
	cr_assert_eq(ps[1].epoch, 1000);
	cr_assert_eq(ps[1].tx_pkts, 5);
	free(st);

	cs.h.n_peers = 0; /* down: what is routed into the tunnel is dropped */
	dp_vpn_publish(build(&cs, sizeof(cs.h)));
	cr_assert_eq(atomic_load(&dp.vpn_cli)->n_peers, 0);
	cr_assert_eq(atomic_load(&dp.vpn), srv);
	vpn_data_keys_wipe(&ks.ref);
	vpn_data_keys_wipe(&kc.ref);
}
