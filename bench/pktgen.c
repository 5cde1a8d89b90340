/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pktgen.c - rampart-pktgen: options, port setup, and the two modes: one
 * bounded run at a given rate, or an RFC 2544 (§26.1) zero-loss throughput
 * search by bisection over trials. Prints a summary, and JSON on request.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "bench/pktgen.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rampart-pktgen [EAL-OPTIONS] -- [OPTIONS]\n"
		"\n"
		"A DPDK traffic generator for benchmarking rampart (or anything that forwards):\n"
		"sends UDP over IPv4 or IPv6 out of one port at a set rate, counts what comes\n"
		"back on another (or the same) port, samples latency with TSC timestamps, and\n"
		"can search the RFC 2544 zero-loss throughput. Every run is bounded in time.\n"
		"Source addresses are 198.18.0.0/16 (2001:db8:18::/64 for IPv6), one per flow.\n"
		"\n"
		"Options:\n"
		"  --tx-port N          port to send on (default 0)\n"
		"  --rx-port N          port to receive on (default 1, or 0 with one port)\n"
		"  --dst-mac MAC        destination MAC of the packets (required)\n"
		"  --dst-ip ADDR        destination address (default 198.19.1.2, or\n"
		"                       2001:db8:2::2 with --ipv6)\n"
		"  --ipv6               send IPv6 instead of IPv4\n"
		"  --rate PPS           offered rate in packets/s; 0 = as fast as possible (default)\n"
		"  --rate-pct P         offered rate as P%% of --line-rate-mbps (default 10000)\n"
		"  --size BYTES         frame size with CRC, 64..1518 (default 64)\n"
		"  --imix               7:4:1 mix of 64, 570 and 1518 byte frames\n"
		"  --flows N            number of flows, 1..%d (default 1)\n"
		"  --duration S         seconds of traffic per run (default 5, at most 300)\n"
		"  --count N            packets per run instead of a duration\n"
		"  --warmup S           seconds of traffic before measuring (default 0)\n"
		"  --rx-timeout S       wait for packets in flight after sending (default 0.2)\n"
		"  --latency-every N    timestamp one packet in N (default 1000; 0 = off)\n"
		"  --rfc2544            zero-loss throughput search instead of one run\n"
		"  --trial S            seconds per search trial (default 2)\n"
		"  --rate-min PPS       lowest rate to try (default 10000)\n"
		"  --loss-tolerance F   loss fraction counted as zero (default 0)\n"
		"  --resolution P       stop when the bounds are within P%% (default 2)\n"
		"  --max-trials N       at most N trials (default 12)\n"
		"  --link-wait S        wait for links to come up (default 30)\n"
		"  --json FILE          also write the results as JSON\n"
		"  -h, --help           this text\n"
		"\n"
		"Example, two memif ports towards a device under test:\n"
		"  rampart-pktgen -l 0 --no-huge -m 256 --vdev net_memif0,role=server,socket=/run/a.sock\\\n"
		"      --vdev net_memif1,role=server,socket=/run/b.sock -- --dst-mac 02:00:00:00:01:01\\\n"
		"      --rate 1000000 --duration 5\n"
		"Exit status: 0 done, 1 error, 2 usage.\n",
		BENCH_MAX_FLOWS);
}

static void on_signal(int sig)
{
	(void)sig;
	bench_quit = true;
}

static int port_setup(uint16_t port, struct rte_mempool *pool)
{
	struct rte_eth_conf conf = {0};
	int rc;

	if ((rc = rte_eth_dev_configure(port, 1, 1, &conf)) < 0 ||
	    (rc = rte_eth_rx_queue_setup(port, 0, 1024, rte_eth_dev_socket_id(port), NULL, pool)) <
		    0 ||
	    (rc = rte_eth_tx_queue_setup(port, 0, 1024, rte_eth_dev_socket_id(port), NULL)) < 0 ||
	    (rc = rte_eth_dev_start(port)) < 0)
		return rc;
	rte_eth_promiscuous_enable(port);
	return 0;
}

static bool links_up(const struct bench_cfg *cfg)
{
	struct rte_eth_link a, b;

	return rte_eth_link_get_nowait(cfg->tx_port, &a) == 0 && a.link_status &&
	       rte_eth_link_get_nowait(cfg->rx_port, &b) == 0 && b.link_status;
}

static void print_result(const char *what, const struct bench_result *r)
{
	printf("%-8s offered %10.0f pps  tx %10lu  rx %10lu  loss %7.4f%%  tx %.3f Mpps  rx %.3f "
	       "Mpps",
	       what, r->rate_pps, (unsigned long)r->tx_pkts, (unsigned long)r->rx_pkts,
	       r->loss * 100, r->tx_mpps, r->rx_mpps);
	if (r->lat_samples)
		printf("  latency p50 %.1f p99 %.1f p99.9 %.1f max %.1f us", r->lat_p50_us,
		       r->lat_p99_us, r->lat_p999_us, r->lat_max_us);
	printf("\n");
	fflush(stdout);
}

static void json_result(FILE *f, const struct bench_result *r)
{
	fprintf(f,
		"{\"rate_pps\": %.0f, \"tx_pkts\": %lu, \"rx_pkts\": %lu, \"tx_bytes\": %lu, "
		"\"rx_bytes\": %lu, \"elapsed_s\": %.6f, \"tx_mpps\": %.6f, \"rx_mpps\": %.6f, "
		"\"rx_gbps\": %.6f, \"loss\": %.8f, \"latency_samples\": %lu, "
		"\"latency_us\": {\"min\": %.3f, \"p50\": %.3f, \"p99\": %.3f, \"p99_9\": %.3f, "
		"\"max\": %.3f}}",
		r->rate_pps, (unsigned long)r->tx_pkts, (unsigned long)r->rx_pkts,
		(unsigned long)r->tx_bytes, (unsigned long)r->rx_bytes, r->elapsed_s, r->tx_mpps,
		r->rx_mpps, r->rx_gbps, r->loss, (unsigned long)r->lat_samples, r->lat_min_us,
		r->lat_p50_us, r->lat_p99_us, r->lat_p999_us, r->lat_max_us);
}

/* RFC 2544 §26.1: the highest rate with no loss, by bisection. */
static int rfc2544(const struct bench_cfg *cfg, FILE *json)
{
	struct bench_result r, best = {0};
	double lo = cfg->rate_min_pps, hi;
	unsigned trials = 0;

	/* the ceiling: what the generator gets out at full speed */
	bench_trial(cfg, 0, cfg->trial_s, &r);
	print_result("max", &r);
	if (json) {
		fprintf(json, "\"max\": ");
		json_result(json, &r);
		fprintf(json, ", \"trials\": [");
	}
	hi = r.tx_mpps * 1e6;
	if (r.loss <= cfg->loss_tolerance) {
		best = r;
		lo = hi;
	}
	while (!bench_quit && trials < cfg->max_trials && hi > lo &&
	       (hi - lo) / hi * 100 > cfg->resolution_pct) {
		double mid = (lo + hi) / 2;

		bench_trial(cfg, mid, cfg->trial_s, &r);
		if (json)
			fprintf(json, "%s", trials ? ", " : ""), json_result(json, &r);
		trials++;
		print_result(r.loss <= cfg->loss_tolerance ? "pass" : "loss", &r);
		if (r.loss <= cfg->loss_tolerance) {
			lo = mid;
			best = r;
		} else {
			hi = mid;
		}
	}
	printf("zero-loss throughput: %.3f Mpps (%.3f Gbit/s received) after %u trials\n",
	       best.rx_mpps, best.rx_gbps, trials);
	if (json) {
		fprintf(json, "], \"zero_loss\": ");
		json_result(json, &best);
		fprintf(json, ", \"zero_loss_mpps\": %.6f", best.rx_mpps);
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct bench_cfg *cfg)
{
	enum {
		O_TX = 256, O_RX, O_DMAC, O_DIP, O_V6, O_RATE, O_PCT, O_LINE, O_SIZE, O_IMIX,
		O_FLOWS, O_DUR, O_COUNT, O_WARM, O_RXTO, O_LAT, O_2544, O_TRIAL, O_RMIN, O_TOL,
		O_RES, O_MAXT, O_LWAIT, O_JSON,
	};
	static const struct option opts[] = {
		{"tx-port", 1, NULL, O_TX},	  {"rx-port", 1, NULL, O_RX},
		{"dst-mac", 1, NULL, O_DMAC},	  {"dst-ip", 1, NULL, O_DIP},
		{"ipv6", 0, NULL, O_V6},	  {"rate", 1, NULL, O_RATE},
		{"rate-pct", 1, NULL, O_PCT},	  {"line-rate-mbps", 1, NULL, O_LINE},
		{"size", 1, NULL, O_SIZE},	  {"imix", 0, NULL, O_IMIX},
		{"flows", 1, NULL, O_FLOWS},	  {"duration", 1, NULL, O_DUR},
		{"count", 1, NULL, O_COUNT},	  {"warmup", 1, NULL, O_WARM},
		{"rx-timeout", 1, NULL, O_RXTO},  {"latency-every", 1, NULL, O_LAT},
		{"rfc2544", 0, NULL, O_2544},	  {"trial", 1, NULL, O_TRIAL},
		{"rate-min", 1, NULL, O_RMIN},	  {"loss-tolerance", 1, NULL, O_TOL},
		{"resolution", 1, NULL, O_RES},	  {"max-trials", 1, NULL, O_MAXT},
		{"link-wait", 1, NULL, O_LWAIT},  {"json", 1, NULL, O_JSON},
		{"help", 0, NULL, 'h'},		  {NULL, 0, NULL, 0},
	};
	const char *dst_ip = NULL;
	bool have_mac = false, rx_set = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case O_TX: cfg->tx_port = (uint16_t)atoi(optarg); break;
		case O_RX: cfg->rx_port = (uint16_t)atoi(optarg); rx_set = true; break;
		case O_DMAC:
			if (rte_ether_unformat_addr(optarg, &cfg->dst_mac) < 0)
				goto bad;
			have_mac = true;
			break;
		case O_DIP: dst_ip = optarg; break;
		case O_V6: cfg->ipv6 = true; break;
		case O_RATE: cfg->rate_pps = atof(optarg); break;
		case O_PCT: cfg->rate_pct = atof(optarg); break;
		case O_LINE: cfg->line_rate_mbps = atof(optarg); break;
		case O_SIZE: cfg->size = (unsigned)atoi(optarg); break;
		case O_IMIX: cfg->imix = true; break;
		case O_FLOWS: cfg->flows = (unsigned)atoi(optarg); break;
		case O_DUR: cfg->duration_s = atof(optarg); break;
		case O_COUNT: cfg->count = strtoull(optarg, NULL, 10); break;
		case O_WARM: cfg->warmup_s = atof(optarg); break;
		case O_RXTO: cfg->rx_timeout_s = atof(optarg); break;
		case O_LAT: cfg->latency_every = (unsigned)atoi(optarg); break;
		case O_2544: cfg->rfc2544 = true; break;
		case O_TRIAL: cfg->trial_s = atof(optarg); break;
		case O_RMIN: cfg->rate_min_pps = atof(optarg); break;
		case O_TOL: cfg->loss_tolerance = atof(optarg); break;
		case O_RES: cfg->resolution_pct = atof(optarg); break;
		case O_MAXT: cfg->max_trials = (unsigned)atoi(optarg); break;
		case O_LWAIT: cfg->link_wait_s = atof(optarg); break;
		case O_JSON: cfg->json_path = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: goto bad;
		}
	}
	if (!have_mac) {
		fprintf(stderr, "rampart-pktgen: --dst-mac is required\n");
		goto bad;
	}
	if (!rx_set && rte_eth_dev_count_avail() < 2)
		cfg->rx_port = 0;
	if (cfg->size < 64 || cfg->size > 1518 || cfg->flows < 1 || cfg->flows > BENCH_MAX_FLOWS ||
	    cfg->duration_s <= 0 || cfg->duration_s > 300 || cfg->trial_s <= 0 ||
	    cfg->trial_s > 60 || cfg->rate_pps < 0 || cfg->warmup_s < 0 || cfg->warmup_s > 60 ||
	    cfg->rx_timeout_s < 0 || cfg->rx_timeout_s > 10) {
		fprintf(stderr, "rampart-pktgen: a value is out of range (see --help)\n");
		goto bad;
	}
	if (inet_pton(cfg->ipv6 ? AF_INET6 : AF_INET,
		      dst_ip ? dst_ip : (cfg->ipv6 ? "2001:db8:2::2" : "198.19.1.2"),
		      cfg->dst_ip) != 1) {
		fprintf(stderr, "rampart-pktgen: --dst-ip: not an address of the family\n");
		goto bad;
	}
	inet_pton(cfg->ipv6 ? AF_INET6 : AF_INET, cfg->ipv6 ? "2001:db8:18::" : "198.18.0.0",
		  cfg->src_base);
	if (cfg->rate_pct > 0) {
		double avg = cfg->imix ? (7 * 64 + 4 * 570 + 1518) / 12.0 : cfg->size;

		cfg->rate_pps = cfg->rate_pct / 100 * cfg->line_rate_mbps * 1e6 / ((avg + 20) * 8);
	}
	return 0;
bad:
	usage(stderr);
	return -EINVAL;
}

int main(int argc, char **argv)
{
	struct bench_cfg cfg = {
		.rx_port = 1, .line_rate_mbps = 10000, .size = 64, .flows = 1, .duration_s = 5,
		.rx_timeout_s = 0.2, .latency_every = 1000, .trial_s = 2, .rate_min_pps = 10000,
		.resolution_pct = 2, .max_trials = 12, .link_wait_s = 30,
	};
	struct bench_result r;
	FILE *json = NULL;
	uint64_t deadline;
	int n;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "rampart-pktgen: EAL initialisation failed\n");
		return 1;
	}
	if (parse_args(argc - n, argv + n, &cfg) < 0)
		return 2;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!rte_eth_dev_is_valid_port(cfg.tx_port) || !rte_eth_dev_is_valid_port(cfg.rx_port)) {
		fprintf(stderr, "rampart-pktgen: ports %u/%u: no such port (%u available)\n",
			cfg.tx_port, cfg.rx_port, rte_eth_dev_count_avail());
		return 1;
	}
	cfg.pool = rte_pktmbuf_pool_create("bench_pool", 16383, 256, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!cfg.pool || port_setup(cfg.tx_port, cfg.pool) < 0 ||
	    (cfg.rx_port != cfg.tx_port && port_setup(cfg.rx_port, cfg.pool) < 0)) {
		fprintf(stderr, "rampart-pktgen: cannot set up the ports\n");
		return 1;
	}
	if (bench_templates_build(&cfg) < 0)
		return 1;
	deadline = rte_rdtsc() + (uint64_t)(cfg.link_wait_s * (double)rte_get_tsc_hz());
	while (!links_up(&cfg) && rte_rdtsc() < deadline && !bench_quit)
		rte_delay_ms(50);
	if (!links_up(&cfg)) {
		fprintf(stderr, "rampart-pktgen: links did not come up in %.0f s\n", cfg.link_wait_s);
		return 1;
	}
	if (cfg.json_path) {
		json = fopen(cfg.json_path, "w");
		if (!json) {
			perror(cfg.json_path);
			return 1;
		}
		fprintf(json, "{\"size\": %u, \"imix\": %s, \"flows\": %u, \"ipv6\": %s, ", cfg.size,
			cfg.imix ? "true" : "false", cfg.flows, cfg.ipv6 ? "true" : "false");
	}
	if (cfg.warmup_s > 0)
		bench_trial(&cfg, cfg.rate_pps, cfg.warmup_s, &r);
	if (cfg.rfc2544) {
		rfc2544(&cfg, json);
	} else {
		bench_trial(&cfg, cfg.rate_pps, cfg.duration_s, &r);
		print_result("run", &r);
		if (json) {
			fprintf(json, "\"run\": ");
			json_result(json, &r);
		}
	}
	if (json) {
		fprintf(json, "}\n");
		fclose(json);
	}
	for (uint16_t p = 0; p < 2; p++)
		if (rte_eth_dev_is_valid_port(p)) {
			rte_eth_dev_stop(p);
			rte_eth_dev_close(p);
		}
	rte_eal_cleanup();
	return 0;
}
