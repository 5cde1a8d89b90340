/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fw.c - the firewall on the agent's side: a DP_MSG_RULES payload is copied,
 * validated (fw_wire_decode) and built into the classifier off the packet
 * path, then published with one pointer store; the old rule set is freed
 * after an RCU grace period. Also the per-rule counters summed for ctrl, a
 * flow flush, and the log records the workers queue, written out here as
 * one JSON line each (never from a worker).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "dataplane/dp.h"

static void fw_free(struct dp_fw *fw)
{
	if (!fw)
		return;
	fw_class_free(fw->cl);
	fw_class_free(fw->nat_cl);
	rte_free(fw->nat_pool);
	rte_free(fw->counters);
	rte_free(fw->blob);
	rte_free(fw);
}

int dp_fw_build(const void *payload, size_t len, uint64_t generation, struct dp_fw **out, char *err,
		size_t errlen)
{
	uint64_t t0 = rte_rdtsc();
	struct dp_fw *fw;
	int rc;

	if (generation == 0) {
		snprintf(err, errlen, "generation 0 is reserved");
		return -EINVAL;
	}
	fw = rte_zmalloc("dp_fw", sizeof(*fw), RTE_CACHE_LINE_SIZE);
	if (!fw)
		goto nomem;
	fw->generation = generation;
	fw->blob = rte_malloc("dp_fw_rules", len, RTE_CACHE_LINE_SIZE);
	if (!fw->blob)
		goto nomem;
	memcpy(fw->blob, payload, len);
	rc = fw_wire_decode(fw->blob, len, &fw->view, err, errlen);
	if (rc < 0) {
		fw_free(fw);
		return rc;
	}
	/* the ports of the configuration, and the VPN's tunnel ("vpn") after them */
	if (fw->view.hdr.n_ports != dp.conf.n_ports + (dp.port_index[DP_VPN_PORT] >= 0)) {
		snprintf(err, errlen, "rules name %u ports, the dataplane has %u",
			 fw->view.hdr.n_ports, dp.conf.n_ports + (dp.port_index[DP_VPN_PORT] >= 0));
		fw_free(fw);
		return -EINVAL;
	}
	fw->n_rules = fw->view.hdr.n_rules;
	/* each worker's counters on their own cache lines */
	fw->counter_stride =
		RTE_ALIGN_CEIL((size_t)(fw->n_rules + 1) * sizeof(struct dp_rule_counter),
			       RTE_CACHE_LINE_SIZE) /
		sizeof(struct dp_rule_counter);
	fw->counters =
		rte_zmalloc("dp_fw_counters",
			    fw->counter_stride * dp.n_workers * sizeof(struct dp_rule_counter),
			    RTE_CACHE_LINE_SIZE);
	if (!fw->counters)
		goto nomem;
	rc = fw_class_build(&fw->view, &fw->cl);
	if (rc < 0) {
		fw_free(fw);
		goto nomem;
	}
	rc = dp_nat_build(fw, err, errlen);
	if (rc < 0) {
		fw_free(fw);
		return rc;
	}
	fw->build_us = (rte_rdtsc() - t0) * 1000000 / dp.tsc_hz;
	*out = fw;
	return 0;
nomem:
	fw_free(fw);
	snprintf(err, errlen, "out of memory building the classifier");
	return -ENOMEM;
}

void dp_fw_publish(struct dp_fw *fw)
{
	struct dp_fw *old;

	/* the flow classes and the rule file's timeouts are in the same order */
	for (int i = 0; i < FW_TO_MAX && i < DP_FLOW_CL_MAX; i++)
		dp.flows->timeouts[i] = fw->view.hdr.timeouts[i];
	old = atomic_exchange_explicit(&dp.fw, fw, memory_order_acq_rel);
	rte_rcu_qsbr_synchronize(dp.rcu, RTE_QSBR_THRID_INVALID);
	fw_free(old);
}

void dp_fw_fini(void)
{
	fw_free(atomic_exchange_explicit(&dp.fw, NULL, memory_order_acq_rel));
}

int dp_fw_stats(void **payload, size_t *len)
{
	struct dp_fw *fw = atomic_load(&dp.fw); /* the agent is its only writer */
	uint32_t n = fw ? fw->n_rules : 0;
	struct dp_rule_stats *h;
	struct dp_rule_counter *c;
	size_t bytes = 0;
	unsigned tuples = 0;

	*len = sizeof(*h) + ((size_t)n + 1) * sizeof(*c);
	h = calloc(1, *len);
	if (!h)
		return -ENOMEM;
	c = (struct dp_rule_counter *)(h + 1);
	h->n_rules = n;
	h->flows_capacity = dp.flows->capacity;
	h->flows_in_use = dp_flow_in_use(dp.flows);
	if (fw) {
		h->generation = fw->generation;
		h->build_us = fw->build_us;
		fw_class_info(fw->cl, &tuples, &bytes);
		h->classifier_tuples = tuples;
		h->classifier_bytes = bytes;
		for (unsigned w = 0; w < dp.n_workers; w++)
			for (uint32_t r = 0; r <= n; r++) {
				const struct dp_rule_counter *x =
					&fw->counters[w * fw->counter_stride + r];

				c[r].pkts += x->pkts;
				c[r].bytes += x->bytes;
			}
	}
	*payload = h;
	return 0;
}

void dp_fw_flush_flows(void)
{
	/* revoked entries are skipped by lookups and freed by their owners */
	for (uint32_t i = 0; i < dp.flows->capacity; i++)
		if (atomic_load_explicit(&dp.flows->flows[i].flags, memory_order_relaxed) &
		    DP_FLOW_F_USED)
			dp_flow_kill(&dp.flows->flows[i]);
}

void dp_log_push(struct dp_lcore *lc, double rate, const struct dp_fw_log *rec)
{
	uint32_t head = atomic_load_explicit(&lc->fw_log_head, memory_order_relaxed);

	lc->fw_log_tokens += (double)(rec->tsc - lc->fw_log_last_tsc) * rate / (double)dp.tsc_hz;
	lc->fw_log_last_tsc = rec->tsc;
	if (lc->fw_log_tokens > rate)
		lc->fw_log_tokens = rate;
	if (lc->fw_log_tokens < 1.0 ||
	    head - atomic_load_explicit(&lc->fw_log_tail, memory_order_acquire) >= DP_FW_LOG_RING) {
		lc->cnt[DP_CNT_fw_log_suppressed]++;
		return;
	}
	lc->fw_log_tokens -= 1.0;
	lc->fw_log[head % DP_FW_LOG_RING] = *rec;
	atomic_store_explicit(&lc->fw_log_head, head + 1, memory_order_release);
	lc->cnt[DP_CNT_fw_log_records]++;
}

static const char *port_name(uint8_t idx)
{
	return idx < dp.conf.n_ports ? dp.conf.ports[idx].name : "-";
}

void dp_fw_log_drain(void)
{
	for (unsigned w = 0; w < dp.n_workers; w++) {
		struct dp_lcore *lc = &dp.lcores[dp.worker_lcores[w]];
		uint32_t tail = atomic_load_explicit(&lc->fw_log_tail, memory_order_relaxed);
		uint32_t head = atomic_load_explicit(&lc->fw_log_head, memory_order_acquire);

		for (; tail != head; tail++) {
			const struct dp_fw_log *r = &lc->fw_log[tail % DP_FW_LOG_RING];
			char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
			int af = r->family == 4 ? AF_INET : AF_INET6;

			inet_ntop(af, r->src, s, sizeof(s));
			inet_ntop(af, r->dst, d, sizeof(d));
			if (r->action >= DP_LOG_NAT_CREATE) {
				RTE_LOG(NOTICE, USER1,
					"{\"nat\":\"%s\",\"rule\":%d,\"proto\":%u,\"inside\":\"%s\","
					"\"inside_port\":%u,\"public\":\"%s\",\"public_port\":%u,"
					"\"port\":\"%s\",\"worker\":%u}\n",
					dp_log_nat_event(r->action), (int)r->rule + 1, r->proto, s,
					r->sport, d, r->dport, port_name(r->out_port), w);
				continue;
			}
			RTE_LOG(NOTICE, USER1,
				"{\"fw\":\"%s\",\"rule\":%d,\"generation\":\"%016llx\",\"proto\":%"
				"u,"
				"\"src\":\"%s\",\"sport\":%u,\"dst\":\"%s\",\"dport\":%u,"
				"\"in\":\"%s\",\"out\":\"%s\",\"worker\":%u}\n",
				fw_action_name(r->action), (int)r->rule + 1,
				(unsigned long long)r->generation, r->proto, s, r->sport, d,
				r->dport, port_name(r->in_port), port_name(r->out_port), w);
		}
		atomic_store_explicit(&lc->fw_log_tail, tail, memory_order_release);
	}
}
