/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pktgen.h - rampart-pktgen, the benchmark traffic generator: its settings,
 * the latency histogram, and the result of one trial (a bounded run at one
 * rate). pktgen.c reads the options and drives the run, pktgen_traffic.c
 * builds, sends and counts the packets, pktgen_stats.c turns samples into
 * percentiles and prints them, pktgen_rfc2544.c searches the zero-loss rate,
 * pktgen_dns.c builds the DNS mode's queries and reads its answers,
 * pktgen_vpn.c is the VPN mode's client: keys, encryption, checks.
 */
#ifndef RAMPART_BENCH_PKTGEN_H
#define RAMPART_BENCH_PKTGEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#define BENCH_BURST	     32
#define BENCH_MAX_FLOWS	     65534 /* source addresses 198.18.0.1 .. 198.18.255.254 */
#define BENCH_MAX_DURATION_S 300   /* hard cap on any run */
#define BENCH_MAX_TRIALS     64
#define BENCH_LAT_MAGIC	     0x52504c54u /* "RPLT" */
#define BENCH_DNS_SET	     1024	 /* queries in the DNS mode's set, sent in turn */
#define BENCH_DNS_MSG_MAX    128	 /* the longest of them (names under 64 bytes) */
/* The VPN mode's outer addresses (bench.conf's port "in" is 198.18.0.1/16)
 * and port, and the share of downstream packets decrypted to check them. */
#define BENCH_VPN_SERVER      0xc6120001u /* 198.18.0.1 */
#define BENCH_VPN_PEER	      0xc6120002u /* 198.18.0.2 */
#define BENCH_VPN_PORT	      1194
#define BENCH_VPN_CHECK_EVERY 64

/*
 * Latency histogram, log2/linear (the HdrHistogram layout): values below
 * 2^(BENCH_HIST_SUB_BITS + 1) ns have a bucket each; above, every power of two
 * is cut into 2^BENCH_HIST_SUB_BITS equal buckets, so a bucket is never wider
 * than 1/64 (1.6 %) of its value, from 1 ns up to 2^40 ns (18 minutes).
 */
#define BENCH_HIST_SUB_BITS 6
#define BENCH_HIST_SUB	    (1u << BENCH_HIST_SUB_BITS)
#define BENCH_HIST_MAX_LOG2 40
#define BENCH_HIST_BUCKETS \
	(2 * BENCH_HIST_SUB + (BENCH_HIST_MAX_LOG2 - BENCH_HIST_SUB_BITS - 1) * BENCH_HIST_SUB)

struct bench_hist {
	uint64_t n, min_ns, max_ns, sum_ns;
	uint64_t bucket[BENCH_HIST_BUCKETS];
};

struct bench_cfg {
	uint16_t tx_port, rx_port;
	double rate_pps; /* 0: as fast as the port takes them */
	double rate_pct; /* of line_rate_mbps, when set */
	double line_rate_mbps;
	unsigned size; /* frame size with CRC, 64..1518 */
	bool imix;
	unsigned flows;
	bool ipv6;
	bool dns;	    /* DNS queries to port 53 instead of UDP to port 9 */
	unsigned dns_names; /* host0 .. host<N-1> exist in the zone */
	const char *vpn_sock; /* the VPN mode: the DUT's dataplane socket */
	bool vpn_down;	      /* the DUT encrypts (else: it decrypts) */
	int vpn_cipher;	      /* enum vpn_cipher */
	/* src_base: flow 0's source address */
	uint8_t dst_ip[16], src_base[16];
	struct rte_ether_addr src_mac, dst_mac;
	bool have_src_mac;
	double duration_s, warmup_s, rx_timeout_s;
	uint64_t count;		/* packets per run; 0: by duration */
	unsigned latency_every; /* timestamp one packet in N; 0: none */
	bool rfc2544;
	double trial_s, rate_min_pps, loss_tolerance, resolution_pct;
	unsigned max_trials;
	double link_wait_s, ready_wait_s;
	const char *json_path;
	bool quiet;
	struct rte_mempool *pool;
};

struct bench_result {
	double rate_pps; /* offered; 0: as fast as possible */
	uint64_t tx_pkts, rx_pkts, tx_bytes, rx_bytes, tx_refused;
	int64_t lost; /* tx - rx; negative when the DUT duplicated */
	double elapsed_s;
	double tx_mpps, rx_mpps, tx_gbps, rx_gbps;
	double loss; /* fraction of tx not received */
	uint64_t lat_stamped, lat_samples, lat_reordered;
	double lat_min_us, lat_mean_us, lat_p50_us, lat_p99_us, lat_p999_us, lat_max_us;
	bool pass; /* rfc2544: loss within the tolerance */
	/* --dns: what came back as DNS responses, by rcode (the rest of
	 * rx_pkts came back unanswered, as a forwarder returns them) */
	bool dns;
	uint64_t dns_answers, dns_noerror, dns_nxdomain, dns_other;
	double dns_answers_per_s;
	/* --vpn --vpn-down: received packets decrypted to check them, and
	 * those that failed (tag, replay, inner destination) */
	bool vpn_down;
	uint64_t vpn_checked, vpn_bad;
};

/* pktgen_traffic.c */
double bench_frame_avg(const struct bench_cfg *cfg);
int bench_templates_build(const struct bench_cfg *cfg);
void bench_templates_free(void);
int bench_wait_ready(const struct bench_cfg *cfg, double timeout_s);
int bench_trial(const struct bench_cfg *cfg, double rate_pps, double duration_s,
		struct bench_result *res);

/* pktgen_dns.c */
size_t bench_dns_query(unsigned i, unsigned names, uint8_t *msg);
int bench_dns_rcode(const uint8_t *frame, size_t len);

/* pktgen_vpn.c: the keys and the mirror of the DUT's state; give the DUT
 * its peer (retrying while no dataplane listens, up to timeout_s); wrap and
 * encrypt a burst of inner packets in place; decrypt and check one packet
 * the DUT encrypted */
int bench_vpn_init(const struct bench_cfg *cfg);
int bench_vpn_push(const struct bench_cfg *cfg, double timeout_s);
int bench_vpn_wrap(struct rte_mbuf **m, unsigned n);
bool bench_vpn_check(struct rte_mbuf *m);

/* pktgen_stats.c */
void bench_hist_reset(struct bench_hist *h);
void bench_hist_add(struct bench_hist *h, uint64_t ns);
uint64_t bench_hist_percentile(const struct bench_hist *h, double p);
void bench_result_latency(struct bench_result *r, const struct bench_hist *h);
void bench_print_trial(const char *what, const struct bench_result *r);
void bench_print_summary(const struct bench_cfg *cfg, const struct bench_result *r);
void bench_json_result(FILE *f, const struct bench_result *r);
int bench_json_write(const struct bench_cfg *cfg, const struct bench_result *headline,
		     const struct bench_result *max, const struct bench_result *trials,
		     unsigned n_trials);

/* pktgen_rfc2544.c */
int bench_rfc2544(const struct bench_cfg *cfg, struct bench_result *max,
		  struct bench_result *trials, unsigned *n_trials, struct bench_result *best);

extern volatile bool bench_quit;

#endif /* RAMPART_BENCH_PKTGEN_H */
