/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nat.c - the NAT on the agent's side: the public address pools a rule set
 * names (made once, kept for the life of the process, because mappings keep
 * their ports across rule pushes), the NAT classifier of a rule set, the hook
 * that gives a mapping's port back when its entry leaves the flow table, and
 * what `rampart nat show|flush` ask. The per-packet part is in worker.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "dataplane/dp.h"

static int pool_find(uint32_t addr)
{
	unsigned n = atomic_load(&dp.n_nat_pools);

	for (unsigned i = 0; i < n; i++)
		if (dp.nat_pools[i]->addr == addr)
			return (int)i;
	return -1;
}

/* Only the agent adds pools; workers read n_nat_pools and the pointers
 * below it. */
static int pool_get(uint32_t addr, char *err, size_t errlen)
{
	unsigned n = atomic_load(&dp.n_nat_pools);
	struct dp_nat_pool *p;
	int i = pool_find(addr);

	if (i >= 0)
		return i;
	if (n >= DP_NAT_POOLS_MAX) {
		snprintf(err, errlen, "rules: more than %d NAT addresses", DP_NAT_POOLS_MAX);
		return -ENOSPC;
	}
	p = rte_zmalloc("dp_nat_pool", sizeof(*p), RTE_CACHE_LINE_SIZE);
	if (!p) {
		snprintf(err, errlen, "out of memory for a NAT pool");
		return -ENOMEM;
	}
	p->addr = addr;
	for (int k = 0; k < DP_NAT_PROTOS; k++)
		if (nat_ports_init(&p->ports[k], (uint16_t)dp.conf.nat_port_min,
				   (uint16_t)dp.conf.nat_port_max, dp.n_workers) < 0) {
			rte_free(p);
			snprintf(err, errlen, "cannot split NAT ports between %u workers",
				 dp.n_workers);
			return -EINVAL;
		}
	dp.nat_pools[n] = p;
	atomic_store(&dp.n_nat_pools, n + 1);
	return (int)n;
}

static void pub_add(struct dp_fw *fw, uint32_t addr)
{
	for (unsigned i = 0; i < fw->n_pub; i++)
		if (fw->pub[i] == addr)
			return;
	if (fw->n_pub < sizeof(fw->pub) / sizeof(fw->pub[0]))
		fw->pub[fw->n_pub++] = addr;
}

int dp_nat_build(struct dp_fw *fw, char *err, size_t errlen)
{
	const struct fw_compiled *v = &fw->view;
	struct fw_compiled nv = fw_nat_view(v);
	int rc;

	fw->n_nat = v->hdr.n_nat;
	if (!fw->n_nat)
		return 0;
	fw->nat_pool = rte_zmalloc("dp_nat_rules", fw->n_nat * sizeof(*fw->nat_pool), 0);
	if (!fw->nat_pool) {
		snprintf(err, errlen, "out of memory for the NAT rules");
		return -ENOMEM;
	}
	for (uint32_t r = 0; r < fw->n_nat; r++) {
		const struct fw_nat_meta *m = &v->nat_meta[r];

		if (m->kind != FW_NAT)
			continue;
		for (unsigned k = 0; k < m->n_addrs; k++) {
			if (m->addrs[k] == FW_NAT_ADDR_WAITING)
				continue; /* a rule without entries yet: no pool */
			rc = pool_get(m->addrs[k], err, errlen);
			if (rc < 0)
				return rc;
			fw->nat_pool[r][k] = (uint8_t)rc;
			pub_add(fw, m->addrs[k]);
		}
	}
	/* rdr rules' public addresses: their entries' destinations */
	for (uint32_t i = 0; i < v->hdr.n_nat_entries; i++) {
		const struct fw_entry *e = &v->nat_entries[i];
		uint32_t a;

		if (v->nat_meta[e->rule].kind != FW_RDR)
			continue;
		memcpy(&a, e->dst, 4);
		pub_add(fw, a);
	}
	rc = fw_class_build(&nv, &fw->nat_cl);
	if (rc < 0) {
		snprintf(err, errlen, "out of memory building the NAT classifier");
		return rc;
	}
	return 0;
}

static int proto_index(uint8_t proto)
{
	return proto == DP_IPPROTO_TCP ? DP_NAT_TCP : proto == DP_IPPROTO_UDP ? DP_NAT_UDP : DP_NAT_ICMP;
}

/* The flow table's release hook: a mapping leaves, its port is free again
 * (called by the owner, which allocated it from its own slice). */
void dp_nat_release(void *arg, unsigned w, const struct dp_flow *f)
{
	(void)arg;
	if (f->kind != DP_FLOW_K_MAP || f->pool >= atomic_load(&dp.n_nat_pools))
		return;
	nat_port_free(&dp.nat_pools[f->pool]->ports[proto_index(f->key.proto)], w, f->xport[0]);
	if (f->nat & DP_FLOW_NAT_LOG) {
		/* the owner's sweep: between its bursts, still an RCU reader */
		const struct dp_fw *fw = atomic_load_explicit(&dp.fw, memory_order_acquire);
		struct dp_fw_log rec = {
			.tsc = rte_rdtsc(),
			.rule = f->rule,
			.action = DP_LOG_NAT_DELETE,
			.family = 4,
			.proto = f->key.proto,
			.out_port = f->out_port,
			.sport = f->key.pa,
			.dport = f->xport[0],
		};

		memcpy(rec.src, f->key.a, 4);
		memcpy(rec.dst, &f->xaddr[0], 4);
		if (fw)
			dp_log_push(&dp.lcores[dp.worker_lcores[w]], fw->view.hdr.log_rate, &rec);
	}
}

static bool live(const struct dp_flow *f)
{
	return (atomic_load_explicit(&f->flags, memory_order_relaxed) &
		(DP_FLOW_F_USED | DP_FLOW_F_DEAD)) == DP_FLOW_F_USED;
}

/* The agent reads entries the workers may be changing: what it reports is a
 * snapshot, each field checked before use. */
int dp_nat_show(const struct dp_nat_query *q, void **payload, size_t *len)
{
	const struct dp_flow_table *t = dp.flows;
	unsigned n_pools = atomic_load(&dp.n_nat_pools), n_list = 0;
	struct dp_fw *fw = atomic_load(&dp.fw);
	uint32_t max = q->max_list < (1u << 20) ? q->max_list : (1u << 20);
	struct dp_nat_hdr *h;
	struct dp_nat_pool_info *pi;
	struct dp_nat_mapping *ml;
	uint32_t now = (uint32_t)((rte_rdtsc() - dp.start_tsc) / dp.tsc_hz);

	*len = sizeof(*h) + (size_t)n_pools * DP_NAT_PROTOS * sizeof(*pi) + (size_t)max * sizeof(*ml);
	h = calloc(1, *len);
	if (!h)
		return -ENOMEM;
	pi = (struct dp_nat_pool_info *)(h + 1);
	for (unsigned i = 0; i < n_pools; i++)
		for (int k = 0; k < DP_NAT_PROTOS; k++) {
			const struct nat_ports *p = &dp.nat_pools[i]->ports[k];
			struct dp_nat_pool_info *x = &pi[i * DP_NAT_PROTOS + k];

			x->addr = dp.nat_pools[i]->addr;
			x->proto = k == DP_NAT_TCP   ? DP_IPPROTO_TCP
				   : k == DP_NAT_UDP ? DP_IPPROTO_UDP
						     : DP_IPPROTO_ICMP;
			for (unsigned w = 0; w < p->n_workers; w++) {
				x->in_use += p->in_use[w];
				x->size += (uint32_t)(p->hi[w] - p->lo[w] + 1);
			}
		}
	ml = (struct dp_nat_mapping *)(pi + n_pools * DP_NAT_PROTOS);
	for (uint32_t i = 0; i < t->capacity; i++) {
		const struct dp_flow *f = &t->flows[i];
		uint32_t a, refs;

		if (!live(f))
			continue;
		if (f->kind == DP_FLOW_K_HOST && f->key.family == DP_FLOW_FAM_HOST) {
			h->hosts++;
			continue;
		}
		if (f->kind != DP_FLOW_K_MAP || f->key.family != DP_FLOW_FAM_MAP)
			continue;
		h->mappings++;
		memcpy(&a, f->key.a, 4);
		if ((q->addr && a != q->addr) || n_list >= max)
			continue;
		refs = atomic_load_explicit(&f->refs, memory_order_relaxed) & ~DP_FLOW_REFS_DYING;
		ml[n_list++] = (struct dp_nat_mapping){
			.inside = a,
			.public_ = f->xaddr[0],
			.inside_port = f->key.pa,
			.public_port = f->xport[0],
			.proto = f->key.proto,
			.out_port = f->out_port,
			.sessions = refs,
			.idle = refs ? 0
				     : now - atomic_load_explicit(&f->last_seen,
								  memory_order_relaxed),
		};
	}
	h->generation = fw ? fw->generation : 0;
	h->n_pools = n_pools * DP_NAT_PROTOS;
	h->n_list = n_list;
	/* a mapping is two entries (itself, its alias), each with a bucket slot
	 * (and its signature) at the table's load */
	h->binding_bytes = (uint32_t)(2 * (sizeof(struct dp_flow) +
					   (t->bucket_mask + 1) * sizeof(struct dp_flow_bucket) /
						   t->capacity));
	h->flows_capacity = t->capacity;
	h->flows_in_use = dp_flow_in_use(t);
	h->host_limit = fw ? fw->view.hdr.nat_host_limit : 0;
	*len = sizeof(*h) + (size_t)h->n_pools * sizeof(*pi) + (size_t)n_list * sizeof(*ml);
	memmove(pi + h->n_pools, ml, (size_t)n_list * sizeof(*ml));
	*payload = h;
	return 0;
}

void dp_nat_flush_request(uint32_t addr)
{
	atomic_store(&dp.nat_flush_addr, addr);
	atomic_fetch_add(&dp.nat_flush_seq, 1);
}

/* Worker w revokes its NAT entries of the host asked for (or all): mappings,
 * their aliases, the host's count, and the connections holding a mapping of
 * the host. The sweep then unlinks them, connections first. */
void dp_nat_flush_worker(unsigned w)
{
	struct dp_flow_table *t = dp.flows;
	const struct dp_flow_worker *fw = &t->workers[w];
	uint32_t addr = atomic_load(&dp.nat_flush_addr);

	for (uint32_t i = fw->lo; i < fw->hi; i++) {
		struct dp_flow *f = &t->flows[i];
		uint32_t a;

		if (!live(f))
			continue;
		switch (f->kind) {
		case DP_FLOW_K_CONN:
			if (!f->hold)
				continue;
			/* the mapping it holds cannot go before it: safe to read */
			memcpy(&a, t->flows[f->hold - 1].key.a, 4);
			break;
		case DP_FLOW_K_ALIAS:
			a = f->xaddr[0];
			break;
		default:
			memcpy(&a, f->key.a, 4);
			break;
		}
		if (!addr || a == addr)
			dp_flow_kill(f);
	}
}
