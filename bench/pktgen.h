/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pktgen.h - rampart-pktgen, the benchmark traffic generator: its settings,
 * and the result of one trial (a bounded run at one rate).
 */
#ifndef RAMPART_BENCH_PKTGEN_H
#define RAMPART_BENCH_PKTGEN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>

#define BENCH_BURST 32
#define BENCH_MAX_FLOWS 65534
#define BENCH_LAT_MAGIC 0x52504c54u /* "RPLT" */
#define BENCH_LAT_BUCKET_NS 100
#define BENCH_LAT_BUCKETS 100000 /* 100 ns .. 10 ms; beyond goes in the last */

struct bench_cfg {
	uint16_t tx_port, rx_port;
	double rate_pps;   /* 0: as fast as the port takes them */
	double rate_pct;   /* of line_rate_mbps, when set */
	double line_rate_mbps;
	unsigned size;     /* frame size with CRC, 64..1518 */
	bool imix;
	unsigned flows;
	bool ipv6;
	uint8_t dst_ip[16], src_base[16];
	struct rte_ether_addr dst_mac;
	double duration_s, warmup_s, rx_timeout_s;
	uint64_t count;        /* packets per trial; 0: by duration */
	unsigned latency_every; /* timestamp one packet in N; 0: none */
	bool rfc2544;
	double trial_s, rate_min_pps, loss_tolerance, resolution_pct;
	unsigned max_trials;
	double link_wait_s;
	const char *json_path;
	struct rte_mempool *pool;
};

struct bench_result {
	double rate_pps; /* offered */
	uint64_t tx_pkts, rx_pkts, tx_bytes, rx_bytes;
	double elapsed_s;
	double tx_mpps, rx_mpps, rx_gbps;
	double loss; /* fraction of tx not received */
	uint64_t lat_samples;
	double lat_p50_us, lat_p99_us, lat_p999_us, lat_max_us, lat_min_us;
};

/* pktgen_traffic.c */
int bench_templates_build(const struct bench_cfg *cfg);
int bench_trial(const struct bench_cfg *cfg, double rate_pps, double duration_s,
		struct bench_result *res);

extern volatile bool bench_quit;

#endif /* RAMPART_BENCH_PKTGEN_H */
