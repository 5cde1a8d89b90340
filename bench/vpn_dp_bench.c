/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpn_dp_bench.c - rampart-vpndpbench: TSC cycles per byte of the
 * dataplane's VPN crypto stage alone (dataplane/vpn.c: dp_vpn_encrypt and
 * dp_vpn_decrypt, as a worker calls them), in bursts of 32 packets under one
 * key: AES-GCM through the ipsec-mb PMD's CPU-crypto API, ChaCha20-Poly1305
 * through libsodium. A state with one peer is built and published as the
 * agent does. Decryption is timed on packets made by the reference
 * (vpn/data.c) with increasing packet ids, copied into the mbufs before each
 * burst (the copy is not timed: a port's receive leaves the frame in the
 * cache the same way), every one checked. One JSON object on stdout:
 * {"tsc_hz", "pmd", "rows": [{cipher, size, op, packets, cycles_per_byte,
 * cycles_per_packet, gbps}], "failures"}.
 *
 * Usage: rampart-vpndpbench [--lcore N] [--count PACKETS]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/dp.h"
#include "vpn/data.h"

struct dp_main dp;

#define OFF	66 /* outer Ethernet, IPv6, UDP before the OpenVPN packet */
#define PEER	2
#define SIZEMAX 1500

struct state {
	struct dp_vpn_hdr h;
	struct dp_vpn_peer p;
};

static struct rte_mempool *pool;
static unsigned failures;

static int addr(const char *s, struct dp_addr *a)
{
	return dp_addr_parse(s, true, false, a);
}

/* One peer with one key from a fixed exporter output; ref gets the
 * reference's keys (out: what the dataplane sends with). */
static struct dp_vpn *publish(enum vpn_cipher c, uint64_t epoch, struct vpn_data_keys *ref)
{
	static struct state s;
	struct dp_vpn *v = NULL;
	struct dp_addr t;
	uint8_t ekm[256];
	char err[300];

	for (unsigned i = 0; i < sizeof(ekm); i++)
		ekm[i] = (uint8_t)(i * 13 + 5);
	vpn_data_keys_from_ekm(ekm, c, true, ref);
	memset(&s, 0, sizeof(s));
	s.h = (struct dp_vpn_hdr){ .n_peers = 1, .max_peers = 4, .port = 1194, .tun_mtu = 1500 };
	s.h.pool4_start = 0xc6123c02; /* 198.18.60.2 */
	if (addr("198.18.60.0/24", &s.h.pool4) < 0 || addr("198.51.100.10", &s.p.remote) < 0 ||
	    addr("198.18.60.4", &t) < 0)
		return NULL;
	s.p.peer_id = PEER;
	s.p.n_keys = 1;
	s.p.epoch = epoch;
	s.p.has4 = 1;
	s.p.remote_port = 40000;
	memcpy(s.p.tun4, t.addr, 4);
	s.p.keys[0] = (struct dp_vpn_key){ .epoch = epoch, .key_id = 1, .cipher = (uint8_t)c };
	memcpy(s.p.keys[0].enc_key, ref->out.key, 32);
	memcpy(s.p.keys[0].enc_iv, ref->out.implicit_iv, 8);
	memcpy(s.p.keys[0].dec_key, ref->in.key, 32);
	memcpy(s.p.keys[0].dec_iv, ref->in.implicit_iv, 8);
	if (dp_vpn_build(&s, sizeof(s), epoch, &v, err, sizeof(err)) < 0) {
		fprintf(stderr, "rampart-vpndpbench: %s: %s\n", vpn_cipher_name(c), err);
		return NULL;
	}
	dp_vpn_publish(v);
	return v;
}

static void row(const char *cipher, unsigned size, const char *op, uint64_t pkts, uint64_t cycles,
		bool *first)
{
	double cpb = (double)cycles / ((double)pkts * size);

	printf("%s{\"cipher\":\"%s\",\"size\":%u,\"op\":\"%s\",\"packets\":%llu,"
	       "\"cycles_per_byte\":%.4f,\"cycles_per_packet\":%.1f,\"gbps\":%.3f}",
	       *first ? "" : ",", cipher, size, op, (unsigned long long)pkts, cpb,
	       (double)cycles / (double)pkts, (double)dp.tsc_hz / cpb * 8 / 1e9);
	*first = false;
}

static void measure(enum vpn_cipher c, unsigned size, unsigned count, bool *first)
{
	struct vpn_data_keys ref;
	struct dp_vpn *v = publish(c, 100 + (uint64_t)c * 10 + size, &ref);
	struct dp_vpn_op ops[DP_BURST];
	struct rte_mbuf *m[DP_BURST];
	static uint8_t plain[SIZEMAX], pkt[DP_BURST][VPN_DATA_OVERHEAD + SIZEMAX];
	uint64_t enc = 0, dec = 0, n = 0;
	uint32_t pid = 0;
	const char *name = vpn_cipher_name(c);

	if (!v) {
		failures++;
		return;
	}
	for (unsigned i = 0; i < size; i++)
		plain[i] = (uint8_t)(i * 7 + 1);
	if (rte_pktmbuf_alloc_bulk(pool, m, DP_BURST) < 0) {
		failures++;
		return;
	}
	for (unsigned i = 0; i < DP_BURST; i++)
		rte_pktmbuf_append(m[i], (uint16_t)(OFF + VPN_DATA_OVERHEAD + size));
	while (n < count) {
		uint64_t t0;

		/* encryption: the plaintext behind 24 bytes of room */
		for (unsigned i = 0; i < DP_BURST; i++) {
			memcpy(rte_pktmbuf_mtod(m[i], uint8_t *) + OFF + VPN_DATA_OVERHEAD, plain,
			       size);
			ops[i] = (struct dp_vpn_op){ .m = m[i],
						     .p = v->peer[PEER],
						     .k = v->peer[PEER]->tx,
						     .off = OFF,
						     .len = (uint16_t)(VPN_DATA_OVERHEAD + size) };
		}
		t0 = rte_rdtsc();
		dp_vpn_encrypt(ops, DP_BURST);
		enc += rte_rdtsc() - t0;
		/* decryption: the peer's packets, made by the reference */
		for (unsigned i = 0; i < DP_BURST; i++) {
			if (ops[i].status)
				failures++;
			/* each burst new packet ids (the replay window), so made anew */
			if (vpn_data_encrypt(&ref.in, 1, PEER, pid + 1 + i, plain, size, pkt[i],
					     sizeof(pkt[i])) != VPN_DATA_OVERHEAD + size)
				failures++;
			memcpy(rte_pktmbuf_mtod(m[i], uint8_t *) + OFF, pkt[i],
			       VPN_DATA_OVERHEAD + size);
			ops[i] = (struct dp_vpn_op){ .m = m[i],
						     .p = v->peer[PEER],
						     .k = v->peer[PEER]->key[1],
						     .off = OFF,
						     .len = (uint16_t)(VPN_DATA_OVERHEAD + size) };
		}
		pid += DP_BURST;
		t0 = rte_rdtsc();
		dp_vpn_decrypt(ops, DP_BURST);
		dec += rte_rdtsc() - t0;
		for (unsigned i = 0; i < DP_BURST; i++)
			if (ops[i].status ||
			    memcmp(rte_pktmbuf_mtod(m[i], uint8_t *) + OFF + VPN_DATA_OVERHEAD,
				   plain, size) != 0)
				failures++;
		n += DP_BURST;
	}
	rte_pktmbuf_free_bulk(m, DP_BURST);
	row(name, size, "encrypt", n, enc, first);
	row(name, size, "decrypt", n, dec, first);
	vpn_data_keys_wipe(&ref);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "lcore", required_argument, NULL, 'l' },
					      { "count", required_argument, NULL, 'c' },
					      { NULL, 0, NULL, 0 } };
	char lcore[16] = "1";
	unsigned count = 100000;
	bool first = true;
	int o;

	while ((o = getopt_long(argc, argv, "l:c:", opts, NULL)) != -1) {
		if (o == 'l')
			snprintf(lcore, sizeof(lcore), "%s", optarg);
		else if (o == 'c')
			count = (unsigned)strtoul(optarg, NULL, 10);
		else {
			fprintf(stderr,
				"usage: rampart-vpndpbench [--lcore N] [--count PACKETS]\n");
			return 2;
		}
	}
	char *eal[] = { "rampart-vpndpbench", "-l",	  lcore,
			"--no-huge",	      "-m",	  "256",
			"--no-shconf",	      "--no-pci", "--no-telemetry",
			"--log-level",	      "*:error",  "--file-prefix",
			"rampart-vpndpbench", NULL };
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0) {
		fprintf(stderr, "rampart-vpndpbench: EAL initialisation failed\n");
		return 1;
	}
	memset(dp.port_index, -1, sizeof(dp.port_index));
	dp.n_workers = 1;
	dp.tsc_hz = rte_get_tsc_hz();
	dp.rcu = rte_zmalloc("bench_rcu", rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);
	if (!dp.rcu || rte_rcu_qsbr_init(dp.rcu, 1) < 0)
		return 1;
	dp_vpn_init();
	pool = rte_pktmbuf_pool_create("bench_mbufs", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (!pool || !dp.vpn_cnt)
		return 1;
	printf("{\"tsc_hz\":%llu,\"pmd\":%s,\"burst\":%d,\"rows\":[", (unsigned long long)dp.tsc_hz,
	       dp.crypto_dev >= 0 ? "true" : "false", DP_BURST);
	for (int c = VPN_AES_128_GCM; c <= VPN_CHACHA20_POLY1305; c++) {
		if (c != VPN_CHACHA20_POLY1305 && dp.crypto_dev < 0 && c == VPN_AES_128_GCM)
			continue; /* not offered without the PMD */
		measure((enum vpn_cipher)c, 1420, count, &first);
		measure((enum vpn_cipher)c, 64, count, &first);
	}
	dp_vpn_publish(NULL);
	printf("],\"failures\":%u}\n", failures);
	rte_eal_cleanup();
	return failures ? 3 : 0;
}
