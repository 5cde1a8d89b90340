/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pktgen_stats.c - what rampart-pktgen makes of its counts: the log2/linear
 * latency histogram the receive path fills, its percentiles, the one-line
 * trial report, the human summary at the end, and the JSON object written
 * with --json (written whole to FILE.tmp, then renamed, so a reader never
 * sees half of it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/pktgen.h"
#include "vpn/data.h"

void bench_hist_reset(struct bench_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min_ns = UINT64_MAX;
}

static unsigned hist_index(uint64_t v)
{
	unsigned k, shift;

	if (v < 2 * BENCH_HIST_SUB)
		return (unsigned)v;
	k = 63u - (unsigned)__builtin_clzll(v);
	if (k >= BENCH_HIST_MAX_LOG2)
		return BENCH_HIST_BUCKETS - 1;
	shift = k - BENCH_HIST_SUB_BITS;
	return 2 * BENCH_HIST_SUB + (k - BENCH_HIST_SUB_BITS - 1) * BENCH_HIST_SUB +
	       (unsigned)((v >> shift) - BENCH_HIST_SUB);
}

/* The highest value that falls in bucket i. */
static uint64_t hist_bucket_high(unsigned i)
{
	unsigned r, k, shift;

	if (i < 2 * BENCH_HIST_SUB)
		return i;
	r = i - 2 * BENCH_HIST_SUB;
	k = r / BENCH_HIST_SUB + BENCH_HIST_SUB_BITS + 1;
	shift = k - BENCH_HIST_SUB_BITS;
	return (((uint64_t)BENCH_HIST_SUB + r % BENCH_HIST_SUB + 1) << shift) - 1;
}

void bench_hist_add(struct bench_hist *h, uint64_t ns)
{
	h->bucket[hist_index(ns)]++;
	h->n++;
	h->sum_ns += ns;
	if (ns < h->min_ns)
		h->min_ns = ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

/* The smallest value at or below which a fraction p of the samples lie, to the
 * bucket's resolution (its highest value, never above the largest sample). */
uint64_t bench_hist_percentile(const struct bench_hist *h, double p)
{
	uint64_t want, seen = 0;

	if (!h->n)
		return 0;
	want = (uint64_t)(p * (double)h->n + 0.999999);
	if (want < 1)
		want = 1;
	for (unsigned i = 0; i < BENCH_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= want) {
			uint64_t v = hist_bucket_high(i);

			/* the last bucket is open-ended */
			return v < h->max_ns && i < BENCH_HIST_BUCKETS - 1 ? v : h->max_ns;
		}
	}
	return h->max_ns;
}

void bench_result_latency(struct bench_result *r, const struct bench_hist *h)
{
	r->lat_samples = h->n;
	if (!h->n)
		return;
	r->lat_min_us = (double)h->min_ns / 1e3;
	r->lat_mean_us = (double)h->sum_ns / (double)h->n / 1e3;
	r->lat_p50_us = (double)bench_hist_percentile(h, 0.50) / 1e3;
	r->lat_p99_us = (double)bench_hist_percentile(h, 0.99) / 1e3;
	r->lat_p999_us = (double)bench_hist_percentile(h, 0.999) / 1e3;
	r->lat_max_us = (double)h->max_ns / 1e3;
}

void bench_print_trial(const char *what, const struct bench_result *r)
{
	char offered[32];

	if (r->rate_pps > 0)
		snprintf(offered, sizeof(offered), "%10.0f pps", r->rate_pps);
	else
		snprintf(offered, sizeof(offered), "%14s", "max");
	printf("%-8s offered %s  tx %10lu  rx %10lu  loss %8.4f%%  tx %.3f Mpps  rx %.3f Mpps",
	       what, offered, (unsigned long)r->tx_pkts, (unsigned long)r->rx_pkts, r->loss * 100,
	       r->tx_mpps, r->rx_mpps);
	if (r->lat_samples)
		printf("  latency p50 %.1f p99 %.1f p99.9 %.1f max %.1f us", r->lat_p50_us,
		       r->lat_p99_us, r->lat_p999_us, r->lat_max_us);
	if (r->dns)
		printf("  answers %lu (%.3f M/s: NOERROR %lu NXDOMAIN %lu other %lu)",
		       (unsigned long)r->dns_answers, r->dns_answers_per_s / 1e6,
		       (unsigned long)r->dns_noerror, (unsigned long)r->dns_nxdomain,
		       (unsigned long)r->dns_other);
	printf("\n");
	fflush(stdout);
}

void bench_print_summary(const struct bench_cfg *cfg, const struct bench_result *r)
{
	char size[32];

	if (cfg->imix)
		snprintf(size, sizeof(size), "IMIX 7:4:1 (avg %.0f B)", bench_frame_avg(cfg));
	else if (cfg->dns)
		snprintf(size, sizeof(size), "DNS query (avg %.0f B)", bench_frame_avg(cfg));
	else
		snprintf(size, sizeof(size), "%.0f B", bench_frame_avg(cfg));
	printf("\n%s UDP, %s frames, %u flow%s, port %u -> port %u, %.2f s\n",
	       cfg->ipv6 ? "IPv6" : "IPv4", size, cfg->flows, cfg->flows == 1 ? "" : "s",
	       cfg->tx_port, cfg->rx_port, r->elapsed_s);
	printf("  sent      %12lu pkts  %8.3f Mpps  %7.3f Gbit/s", (unsigned long)r->tx_pkts,
	       r->tx_mpps, r->tx_gbps);
	if (r->rate_pps > 0)
		printf("  (offered %.3f Mpps)", r->rate_pps / 1e6);
	printf("\n  received  %12lu pkts  %8.3f Mpps  %7.3f Gbit/s\n", (unsigned long)r->rx_pkts,
	       r->rx_mpps, r->rx_gbps);
	printf("  lost      %12ld pkts  %8.4f %%\n", (long)r->lost, r->loss * 100);
	if (r->dns)
		printf("  answered  %12lu       %8.3f M/s  NOERROR %lu, NXDOMAIN %lu, other %lu; "
		       "%lu came back unanswered\n",
		       (unsigned long)r->dns_answers, r->dns_answers_per_s / 1e6,
		       (unsigned long)r->dns_noerror, (unsigned long)r->dns_nxdomain,
		       (unsigned long)r->dns_other, (unsigned long)(r->rx_pkts - r->dns_answers));
	if (r->vpn_down)
		printf("  checked   %12lu pkts decrypted, %lu failed\n",
		       (unsigned long)r->vpn_checked, (unsigned long)r->vpn_bad);
	if (r->lat_samples)
		printf("  latency   p50 %.2f  p99 %.2f  p99.9 %.2f  min %.2f  max %.2f us"
		       "  (%lu of %lu stamped back, %lu out of order)\n",
		       r->lat_p50_us, r->lat_p99_us, r->lat_p999_us, r->lat_min_us, r->lat_max_us,
		       (unsigned long)r->lat_samples, (unsigned long)r->lat_stamped,
		       (unsigned long)r->lat_reordered);
	else if (cfg->latency_every)
		printf("  latency   no stamped packet came back\n");
	fflush(stdout);
}

static void json_fields(FILE *f, const struct bench_result *r)
{
	fprintf(f,
		"\"rate_pps\": %.0f, \"tx_pkts\": %lu, \"rx_pkts\": %lu, \"lost\": %ld, "
		"\"loss\": %.9f, \"tx_bytes\": %lu, \"rx_bytes\": %lu, \"tx_refused\": %lu, "
		"\"elapsed_s\": %.6f, \"tx_mpps\": %.6f, \"rx_mpps\": %.6f, \"tx_gbps\": %.6f, "
		"\"rx_gbps\": %.6f, \"latency_stamped\": %lu, \"latency_samples\": %lu, "
		"\"latency_reordered\": %lu, \"latency_us\": ",
		r->rate_pps, (unsigned long)r->tx_pkts, (unsigned long)r->rx_pkts, (long)r->lost,
		r->loss, (unsigned long)r->tx_bytes, (unsigned long)r->rx_bytes,
		(unsigned long)r->tx_refused, r->elapsed_s, r->tx_mpps, r->rx_mpps, r->tx_gbps,
		r->rx_gbps, (unsigned long)r->lat_stamped, (unsigned long)r->lat_samples,
		(unsigned long)r->lat_reordered);
	if (r->lat_samples)
		fprintf(f,
			"{\"min\": %.3f, \"mean\": %.3f, \"p50\": %.3f, \"p99\": %.3f, "
			"\"p99_9\": %.3f, \"max\": %.3f}",
			r->lat_min_us, r->lat_mean_us, r->lat_p50_us, r->lat_p99_us, r->lat_p999_us,
			r->lat_max_us);
	else
		fprintf(f, "null");
	if (r->dns)
		fprintf(f,
			", \"dns\": {\"answers\": %lu, \"answers_per_s\": %.1f, \"noerror\": %lu, "
			"\"nxdomain\": %lu, \"other\": %lu}",
			(unsigned long)r->dns_answers, r->dns_answers_per_s,
			(unsigned long)r->dns_noerror, (unsigned long)r->dns_nxdomain,
			(unsigned long)r->dns_other);
	if (r->vpn_down)
		fprintf(f, ", \"vpn\": {\"checked\": %lu, \"bad\": %lu}",
			(unsigned long)r->vpn_checked, (unsigned long)r->vpn_bad);
}

void bench_json_result(FILE *f, const struct bench_result *r)
{
	fprintf(f, "{");
	json_fields(f, r);
	if (r->rate_pps > 0 || r->pass)
		fprintf(f, ", \"pass\": %s", r->pass ? "true" : "false");
	fprintf(f, "}");
}

/*
 * The JSON object: the run's settings, then the headline figures at the top
 * level (the run, or for --rfc2544 the zero-loss trial), then the detail:
 * "run", or "max", "trials" and "zero_loss".
 */
int bench_json_write(const struct bench_cfg *cfg, const struct bench_result *headline,
		     const struct bench_result *max, const struct bench_result *trials,
		     unsigned n_trials)
{
	char tmp[4096];
	FILE *f;
	int rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", cfg->json_path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"{\"tool\": \"rampart-pktgen\", \"mode\": \"%s\", \"size\": %u, \"imix\": %s, "
		"\"frame_bytes_avg\": %.1f, \"flows\": %u, \"ipv6\": %s, \"tx_port\": %u, "
		"\"rx_port\": %u, \"latency_every\": %u, \"dns_mode\": %s, \"dns_names\": %u, "
		"\"vpn_mode\": %s, \"vpn_cipher\": %s%s%s,\n ",
		cfg->rfc2544 ? "rfc2544" : "run", cfg->imix || cfg->dns ? 0 : cfg->size,
		cfg->imix ? "true" : "false", bench_frame_avg(cfg), cfg->flows,
		cfg->ipv6 ? "true" : "false", cfg->tx_port, cfg->rx_port, cfg->latency_every,
		cfg->dns ? "true" : "false", cfg->dns ? cfg->dns_names : 0,
		!cfg->vpn_sock	? "null"
		: cfg->vpn_down ? "\"down\""
				: "\"up\"",
		cfg->vpn_sock ? "\"" : "",
		cfg->vpn_sock ? vpn_cipher_name((enum vpn_cipher)cfg->vpn_cipher) : "null",
		cfg->vpn_sock ? "\"" : "");
	json_fields(f, headline);
	if (cfg->rfc2544) {
		fprintf(f, ",\n \"loss_tolerance\": %g, \"resolution_pct\": %g, \"trial_s\": %g,",
			cfg->loss_tolerance, cfg->resolution_pct, cfg->trial_s);
		fprintf(f, "\n \"zero_loss_mpps\": %.6f, \"zero_loss\": ",
			headline->pass ? headline->rx_mpps : 0.0);
		bench_json_result(f, headline);
		fprintf(f, ",\n \"max\": ");
		bench_json_result(f, max);
		fprintf(f, ",\n \"trials\": [");
		for (unsigned i = 0; i < n_trials; i++) {
			fprintf(f, "%s\n  ", i ? "," : "");
			bench_json_result(f, &trials[i]);
		}
		fprintf(f, "]");
	} else {
		fprintf(f, ",\n \"run\": ");
		bench_json_result(f, headline);
	}
	fprintf(f, "}\n");
	if (ferror(f))
		rc = -EIO;
	if (fclose(f) != 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, cfg->json_path) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}
