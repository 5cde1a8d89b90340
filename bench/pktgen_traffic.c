/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pktgen_traffic.c - what rampart-pktgen sends and counts: UDP packet
 * templates per flow and size, one trial paced by the TSC on a single lcore
 * (transmit bursts when due, receive between them), and latency from TSC
 * timestamps carried in the payload of one packet in N.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "bench/pktgen.h"

volatile bool bench_quit;

/* IMIX 7:4:1 of 64, 570 and 1518 byte frames, interleaved */
static const unsigned imix_pattern[12] = {64, 570, 64, 1518, 64, 570, 64, 570, 64, 64, 570, 64};

struct tmpl {
	uint16_t len; /* without CRC */
	uint8_t data[1518];
};

static struct tmpl *templates; /* [flow * n_sizes + size index] */
static unsigned n_sizes;

struct lat_payload {
	uint32_t magic;
	uint32_t seq;
	uint64_t tsc;
} __attribute__((packed));

static void build_one(const struct bench_cfg *cfg, unsigned flow, unsigned size, struct tmpl *t)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)t->data;
	struct rte_ether_addr src;
	struct rte_udp_hdr *udp;
	unsigned l3 = size - RTE_ETHER_CRC_LEN - sizeof(*eth);

	memset(t, 0, sizeof(*t));
	t->len = (uint16_t)(size - RTE_ETHER_CRC_LEN);
	rte_eth_macaddr_get(cfg->tx_port, &src);
	eth->dst_addr = cfg->dst_mac;
	eth->src_addr = src;
	if (cfg->ipv6) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);

		if (t->len < 14 + 40 + 8 + 16) { /* room for the latency stamp */
			t->len = 14 + 40 + 8 + 16;
			l3 = t->len - sizeof(*eth);
		}
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ip->vtc_flow = rte_cpu_to_be_32(0x60000000);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(l3 - sizeof(*ip)));
		ip->proto = IPPROTO_UDP;
		ip->hop_limits = 64;
		memcpy(ip->src_addr, cfg->src_base, 16);
		ip->src_addr[14] = (uint8_t)((flow + 1) >> 8);
		ip->src_addr[15] = (uint8_t)(flow + 1);
		memcpy(ip->dst_addr, cfg->dst_ip, 16);
		udp = (struct rte_udp_hdr *)(ip + 1);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16((uint16_t)l3);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		memcpy(&ip->src_addr, cfg->src_base, 4);
		((uint8_t *)&ip->src_addr)[2] = (uint8_t)((flow + 1) >> 8);
		((uint8_t *)&ip->src_addr)[3] = (uint8_t)(flow + 1);
		memcpy(&ip->dst_addr, cfg->dst_ip, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		udp = (struct rte_udp_hdr *)(ip + 1);
	}
	udp->src_port = rte_cpu_to_be_16((uint16_t)(1024 + flow % 60000));
	udp->dst_port = rte_cpu_to_be_16(9); /* discard */
	udp->dgram_len = rte_cpu_to_be_16(
		(uint16_t)(t->len - ((uint8_t *)udp - t->data)));
}

int bench_templates_build(const struct bench_cfg *cfg)
{
	n_sizes = cfg->imix ? 12 : 1;
	templates = calloc((size_t)cfg->flows * n_sizes, sizeof(*templates));
	if (!templates)
		return -ENOMEM;
	for (unsigned f = 0; f < cfg->flows; f++)
		for (unsigned s = 0; s < n_sizes; s++)
			build_one(cfg, f, cfg->imix ? imix_pattern[s] : cfg->size,
				  &templates[f * n_sizes + s]);
	return 0;
}

static unsigned lat_offset(const struct bench_cfg *cfg)
{
	return cfg->ipv6 ? 14 + 40 + 8 : 14 + 20 + 8;
}

struct trial_state {
	uint64_t rx_pkts, rx_bytes, lat_n, lat_max, lat_min;
	uint32_t *hist;
};

static void rx_poll(const struct bench_cfg *cfg, struct trial_state *st, uint64_t ns_per_tick_q)
{
	struct rte_mbuf *m[BENCH_BURST];
	uint16_t n = rte_eth_rx_burst(cfg->rx_port, 0, m, BENCH_BURST);
	uint64_t now;

	if (!n)
		return;
	now = rte_rdtsc();
	for (uint16_t i = 0; i < n; i++) {
		const struct lat_payload *lp;

		st->rx_pkts++;
		st->rx_bytes += m[i]->pkt_len + RTE_ETHER_CRC_LEN;
		if (cfg->latency_every && m[i]->data_len >= lat_offset(cfg) + sizeof(*lp)) {
			lp = rte_pktmbuf_mtod_offset(m[i], const struct lat_payload *,
						     lat_offset(cfg));
			if (lp->magic == BENCH_LAT_MAGIC && now > lp->tsc) {
				/* cycles -> ns with a 2^20 fixed-point factor */
				uint64_t ns = ((now - lp->tsc) * ns_per_tick_q) >> 20;
				uint64_t b = ns / BENCH_LAT_BUCKET_NS;

				st->hist[b < BENCH_LAT_BUCKETS ? b : BENCH_LAT_BUCKETS - 1]++;
				st->lat_n++;
				if (ns > st->lat_max)
					st->lat_max = ns;
				if (ns < st->lat_min)
					st->lat_min = ns;
			}
		}
	}
	rte_pktmbuf_free_bulk(m, n);
}

static double percentile(const struct trial_state *st, double p)
{
	uint64_t want = (uint64_t)ceil(p * (double)st->lat_n), seen = 0;

	for (unsigned b = 0; b < BENCH_LAT_BUCKETS; b++) {
		seen += st->hist[b];
		if (seen >= want && want)
			return (double)(b + 1) * BENCH_LAT_BUCKET_NS / 1000.0;
	}
	return 0;
}

/* Fill n mbufs from the templates, flow after flow. */
static int fill(const struct bench_cfg *cfg, struct rte_mbuf **m, unsigned n, uint64_t *next,
		uint64_t *bytes)
{
	if (rte_pktmbuf_alloc_bulk(cfg->pool, m, n) < 0)
		return -ENOBUFS;
	for (unsigned i = 0; i < n; i++, (*next)++) {
		uint64_t k = *next;
		const struct tmpl *t =
			&templates[(k % cfg->flows) * n_sizes + (k / cfg->flows) % n_sizes];

		rte_memcpy(rte_pktmbuf_mtod(m[i], void *), t->data, t->len);
		m[i]->data_len = m[i]->pkt_len = t->len;
		*bytes += t->len + RTE_ETHER_CRC_LEN;
	}
	return 0;
}

int bench_trial(const struct bench_cfg *cfg, double rate_pps, double duration_s,
		struct bench_result *res)
{
	struct trial_state st = {.lat_min = UINT64_MAX};
	uint64_t hz = rte_get_tsc_hz(), start, end, next_tx, gap, now, seq = 0, sent = 0,
		 tx_bytes = 0, next_pkt = 0, limit = cfg->count ? cfg->count : UINT64_MAX;
	uint64_t ns_per_tick_q = (uint64_t)((1e9 / (double)hz) * (1 << 20));
	struct rte_mbuf *m[BENCH_BURST];

	memset(res, 0, sizeof(*res));
	st.hist = calloc(BENCH_LAT_BUCKETS, sizeof(*st.hist));
	if (!st.hist)
		return -ENOMEM;
	/* pace bursts: one burst of BENCH_BURST every gap cycles */
	gap = rate_pps > 0 ? (uint64_t)((double)hz * BENCH_BURST / rate_pps) : 0;
	start = rte_rdtsc();
	end = start + (uint64_t)(duration_s * (double)hz);
	next_tx = start;
	while (!bench_quit) {
		now = rte_rdtsc();
		if (now >= end || sent >= limit)
			break;
		if (now >= next_tx) {
			unsigned n = BENCH_BURST, done;

			if (limit - sent < n)
				n = (unsigned)(limit - sent);
			if (fill(cfg, m, n, &next_pkt, &tx_bytes) == 0) {
				if (cfg->latency_every) {
					for (unsigned i = 0; i < n; i++) {
						struct lat_payload *lp;

						if ((sent + i) % cfg->latency_every)
							continue;
						lp = rte_pktmbuf_mtod_offset(m[i], struct lat_payload *,
									     lat_offset(cfg));
						lp->magic = BENCH_LAT_MAGIC;
						lp->seq = (uint32_t)seq++;
						lp->tsc = rte_rdtsc();
					}
				}
				done = rte_eth_tx_burst(cfg->tx_port, 0, m, (uint16_t)n);
				if (done < n) {
					/* what the port did not take was never sent */
					for (unsigned i = done; i < n; i++)
						tx_bytes -= m[i]->pkt_len + RTE_ETHER_CRC_LEN;
					rte_pktmbuf_free_bulk(&m[done], n - done);
				}
				sent += done;
				next_pkt -= n - done;
			}
			next_tx += gap;
			if (gap && now > next_tx + 1000 * gap)
				next_tx = now; /* fell far behind: do not burst to catch up */
		}
		rx_poll(cfg, &st, ns_per_tick_q);
	}
	end = rte_rdtsc();
	res->elapsed_s = (double)(end - start) / (double)hz;
	/* let what is in flight arrive */
	for (uint64_t stop = end + (uint64_t)(cfg->rx_timeout_s * (double)hz); rte_rdtsc() < stop;)
		rx_poll(cfg, &st, ns_per_tick_q);
	res->rate_pps = rate_pps;
	res->tx_pkts = sent;
	res->tx_bytes = tx_bytes;
	res->rx_pkts = st.rx_pkts;
	res->rx_bytes = st.rx_bytes;
	res->tx_mpps = (double)sent / res->elapsed_s / 1e6;
	res->rx_mpps = (double)st.rx_pkts / res->elapsed_s / 1e6;
	res->rx_gbps = (double)st.rx_bytes * 8 / res->elapsed_s / 1e9;
	res->loss = sent ? (double)(sent > st.rx_pkts ? sent - st.rx_pkts : 0) / (double)sent : 0;
	res->lat_samples = st.lat_n;
	if (st.lat_n) {
		res->lat_p50_us = percentile(&st, 0.50);
		res->lat_p99_us = percentile(&st, 0.99);
		res->lat_p999_us = percentile(&st, 0.999);
		res->lat_max_us = (double)st.lat_max / 1000.0;
		res->lat_min_us = (double)st.lat_min / 1000.0;
	}
	free(st.hist);
	return 0;
}
