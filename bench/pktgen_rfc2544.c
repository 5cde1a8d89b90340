/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pktgen_rfc2544.c - the RFC 2544 §26.1 throughput search: the highest rate
 * at which the device under test forwards every packet (or loses no more than
 * --loss-tolerance), found by bisection between --rate-min and the rate the
 * generator reaches flat out, one bounded trial per step, each printed.
 */
#include <errno.h>
#include <stdio.h>

#include "bench/pktgen.h"

static int run_trial(const struct bench_cfg *cfg, double rate, struct bench_result *r)
{
	int rc = bench_trial(cfg, rate, cfg->trial_s, r);

	r->pass = r->tx_pkts > 0 && r->loss <= cfg->loss_tolerance;
	return rc;
}

/*
 * Fills max (the flat-out trial), trials[] (the search, at most
 * cfg->max_trials), and best: the passing trial at the highest rate, or when
 * none passed, the last trial (pass false). Returns 0, or -EINTR when stopped.
 */
int bench_rfc2544(const struct bench_cfg *cfg, struct bench_result *max,
		  struct bench_result *trials, unsigned *n_trials, struct bench_result *best)
{
	double lo = cfg->rate_min_pps, hi;
	bool found = false, tried_min = false;
	unsigned n = 0;
	int rc;

	*n_trials = 0;
	/* the ceiling: what leaves the generator flat out */
	rc = run_trial(cfg, 0, max);
	bench_print_trial("max", max);
	*best = *max;
	if (rc < 0)
		return rc;
	if (max->pass) {
		printf("no loss at the generator's own maximum: the DUT is not the bottleneck\n");
		goto out;
	}
	hi = max->tx_mpps * 1e6;
	lo = cfg->rate_min_pps < hi ? cfg->rate_min_pps : hi / 2;
	while (n < cfg->max_trials && !bench_quit) {
		double rate;

		if (found && (hi - lo) / hi * 100 <= cfg->resolution_pct)
			break;
		/* the last trial left, with nothing passed yet: is rate-min itself clean? */
		if (!found && n + 1 == cfg->max_trials) {
			rate = lo;
			tried_min = true;
		} else {
			rate = (lo + hi) / 2;
		}
		rc = run_trial(cfg, rate, &trials[n]);
		bench_print_trial(trials[n].pass ? "pass" : "loss", &trials[n]);
		if (rc < 0)
			break;
		if (trials[n].pass) {
			*best = trials[n];
			found = true;
			lo = rate;
		} else if (tried_min) {
			*best = trials[n];
		} else {
			hi = rate;
		}
		n++;
		if (tried_min)
			break;
	}
	*n_trials = n;
	if (!found && !tried_min && n)
		*best = trials[n - 1];
out:
	if (best->pass)
		printf("zero-loss throughput: %.3f Mpps (%.3f Gbit/s received) after %u trials\n",
		       best->rx_mpps, best->rx_gbps, n);
	else
		printf("zero-loss throughput: none found at or above %.0f pps after %u trials\n",
		       lo, n);
	return bench_quit ? -EINTR : 0;
}
