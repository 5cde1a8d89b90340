/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stats.c - counters summed over lcores on read, and their export through
 * rte_telemetry, so `dpdk-telemetry.py` (and anything speaking its socket)
 * sees /rampart/stats, /rampart/lcore_stats,<lcore> and /rampart/ports.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_telemetry.h>

#include "dataplane/dp.h"

void dp_stats_sum(uint64_t out[DP_CNT_MAX])
{
	memset(out, 0, sizeof(uint64_t) * DP_CNT_MAX);
	for (unsigned w = 0; w < dp.n_workers; w++) {
		const struct dp_lcore *lc = &dp.lcores[dp.worker_lcores[w]];

		for (unsigned i = 0; i < DP_CNT_MAX; i++)
			out[i] += lc->cnt[i];
	}
}

static void counters_to_dict(struct rte_tel_data *d, const uint64_t *c)
{
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < DP_CNT_MAX; i++)
		rte_tel_data_add_dict_u64(d, dp_counter_names[i], c[i]);
}

static int tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t sum[DP_CNT_MAX];

	(void)cmd;
	(void)params;
	dp_stats_sum(sum);
	counters_to_dict(d, sum);
	return 0;
}

static int tel_lcore_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char *end;
	unsigned long lcore;

	(void)cmd;
	if (!params || !*params)
		return -1;
	lcore = strtoul(params, &end, 10);
	if (*end || lcore >= RTE_MAX_LCORE)
		return -1;
	for (unsigned w = 0; w < dp.n_workers; w++)
		if (dp.worker_lcores[w] == lcore) {
			counters_to_dict(d, dp.lcores[lcore].cnt);
			return 0;
		}
	return -1;
}

static int tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < dp.n_ports; i++)
		rte_tel_data_add_dict_int(d, dp.ports[i].name, dp.ports[i].port_id);
	return 0;
}

int dp_telemetry_register(void)
{
	int rc = 0;

	rc |= rte_telemetry_register_cmd("/rampart/stats", tel_stats,
					 "Dataplane counters summed over workers. No parameters");
	rc |= rte_telemetry_register_cmd("/rampart/lcore_stats", tel_lcore_stats,
					 "Counters of one worker. Parameters: int lcore_id");
	rc |= rte_telemetry_register_cmd("/rampart/ports", tel_ports,
					 "Port names and their ethdev ids. No parameters");
	return rc ? -1 : 0;
}
