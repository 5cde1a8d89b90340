/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * runtime.c - builds the workers' network configuration (FIBs, next hops, own
 * addresses) from a validated DP_MSG_NETCFG payload, and publishes it with one
 * pointer store. The old one is freed after an RCU grace period, once every
 * worker has passed a quiescent state, so no worker ever sees a half-built or
 * freed table. This is the mechanism every live update uses.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_malloc.h>

#include "dataplane/dp.h"

#define DP_FIB_TBL8 (1u << 12)

static uint32_t v4(const uint8_t *a)
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

static int fib_add(struct dp_runtime *rt, const struct dp_addr *dst, uint32_t nh)
{
	if (dst->family == 4)
		return rte_fib_add(rt->fib4, v4(dst->addr), dst->prefixlen, nh);
	return rte_fib6_add(rt->fib6, dst->addr, dst->prefixlen, nh);
}

static int add_nh(struct dp_runtime *rt, const struct dp_nexthop *nh, const struct dp_addr *dst)
{
	uint32_t id = rt->n_nh++;

	rt->nh[id] = *nh;
	return fib_add(rt, dst, id);
}

void dp_runtime_free(struct dp_runtime *rt)
{
	if (!rt)
		return;
	rte_fib_free(rt->fib4);
	rte_fib6_free(rt->fib6);
	free(rt->netcfg);
	rte_free(rt);
}

static int add_port_addr(struct dp_runtime *rt, const struct dp_port_addr *pa, char *err,
			 size_t errlen)
{
	struct dp_nexthop nh = { .family = pa->addr.family };
	struct dp_addr host = pa->addr, net = pa->addr;
	int idx = dp_port_by_name(pa->port);
	struct dp_port_addrs *pas;
	unsigned bits = pa->addr.family == 4 ? 32 : 128;

	if (idx < 0 || dp.ports[idx].is_punt) {
		snprintf(err, errlen, "address on port \"%s\": no such port", pa->port);
		return -EINVAL;
	}
	pas = &rt->addrs[dp.ports[idx].port_id];
	if (pas->n == DP_PORT_ADDRS_MAX) {
		snprintf(err, errlen, "port %s: too many addresses", pa->port);
		return -EINVAL;
	}
	pas->a[pas->n++] = pa->addr;

	/* the connected prefix */
	for (unsigned b = net.prefixlen; b < bits; b++)
		net.addr[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
	nh.type = DP_NH_FORWARD;
	nh.connected = true;
	nh.port_id = dp.ports[idx].port_id;
	if (net.prefixlen < bits && add_nh(rt, &nh, &net) < 0)
		goto fail;

	/* our own address */
	host.prefixlen = (uint8_t)bits;
	nh.type = DP_NH_LOCAL;
	if (add_nh(rt, &nh, &host) < 0)
		goto fail;

	/* the IPv4 subnet broadcast is never forwarded (RFC 1812 §5.3.5.2) */
	if (pa->addr.family == 4 && net.prefixlen <= 30) {
		struct dp_addr bcast = net;

		for (unsigned b = net.prefixlen; b < 32; b++)
			bcast.addr[b / 8] |= (uint8_t)(0x80 >> (b % 8));
		bcast.prefixlen = 32;
		nh.type = DP_NH_BLACKHOLE;
		if (add_nh(rt, &nh, &bcast) < 0)
			goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "port %s: cannot add address to the FIB (duplicate or full)",
		 pa->port);
	return -EINVAL;
}

static int add_route(struct dp_runtime *rt, const struct dp_route *r, char *err, size_t errlen)
{
	struct dp_nexthop nh = { .family = r->dst.family, .type = DP_NH_FORWARD };
	char buf[64];
	int idx = -1;

	if (r->flags & DP_ROUTE_F_BLACKHOLE)
		nh.type = DP_NH_BLACKHOLE;
	else if (r->flags & DP_ROUTE_F_UNREACH)
		nh.type = DP_NH_UNREACH;
	if (nh.type == DP_NH_FORWARD && strcmp(r->port, "vpn") == 0 &&
	    dp.port_index[DP_VPN_PORT] >= 0) {
		/* into the VPN client's tunnel (dropped while it is down) */
		if (r->via.family) {
			snprintf(err, errlen,
				 "route %s: into the tunnel (port vpn) takes no gateway",
				 dp_addr_format(&r->dst, true, buf, sizeof(buf)));
			return -EINVAL;
		}
		nh.type = DP_NH_TUNNEL;
		nh.connected = true;
		rt->has_tunnel = true;
		if (add_nh(rt, &nh, &r->dst) < 0) {
			snprintf(err, errlen, "route %s: cannot add to the FIB (duplicate or full)",
				 dp_addr_format(&r->dst, true, buf, sizeof(buf)));
			return -EINVAL;
		}
		return 0;
	}
	if (r->port[0]) {
		idx = dp_port_by_name(r->port);
		if (idx < 0 || dp.ports[idx].is_punt) {
			snprintf(err, errlen, "route %s: no port \"%s\"",
				 dp_addr_format(&r->dst, true, buf, sizeof(buf)), r->port);
			return -EINVAL;
		}
	} else if (nh.type == DP_NH_FORWARD) {
		/* the port whose connected prefix holds the gateway */
		for (unsigned p = 0; p < dp.n_ports && idx < 0; p++) {
			const struct dp_port_addrs *pas = &rt->addrs[dp.ports[p].port_id];

			for (unsigned i = 0; i < pas->n; i++)
				if (dp_addr_in_prefix(&r->via, &pas->a[i])) {
					idx = (int)p;
					break;
				}
		}
		if (idx < 0) {
			snprintf(err, errlen, "route %s: gateway is on no connected prefix",
				 dp_addr_format(&r->dst, true, buf, sizeof(buf)));
			return -EINVAL;
		}
	}
	if (idx >= 0)
		nh.port_id = dp.ports[idx].port_id;
	if (r->via.family)
		memcpy(nh.gw, r->via.addr, 16);
	else
		nh.connected = true;
	if (add_nh(rt, &nh, &r->dst) < 0) {
		snprintf(err, errlen, "route %s: cannot add to the FIB (duplicate or full)",
			 dp_addr_format(&r->dst, true, buf, sizeof(buf)));
		return -EINVAL;
	}
	return 0;
}

int dp_runtime_build(const void *netcfg, size_t len, uint64_t generation, struct dp_runtime **out,
		     char *err, size_t errlen)
{
	static unsigned seq;
	struct rte_fib_conf c4 = {
		.type = RTE_FIB_DIR24_8,
		.default_nh = 0,
		.dir24_8 = { .nh_sz = RTE_FIB_DIR24_8_4B, .num_tbl8 = DP_FIB_TBL8 },
	};
	struct rte_fib6_conf c6 = {
		.type = RTE_FIB6_TRIE,
		.default_nh = 0,
		.trie = { .nh_sz = RTE_FIB6_TRIE_4B, .num_tbl8 = DP_FIB_TBL8 },
	};
	struct dp_netcfg_view v;
	struct dp_runtime *rt;
	char name[RTE_MEMZONE_NAMESIZE];
	size_t max_nh;
	int rc;

	rc = dp_netcfg_validate(netcfg, len, err, errlen);
	if (rc < 0)
		return rc;
	dp_netcfg_view(netcfg, &v);
	max_nh = 1 + (size_t)v.hdr->n_addrs * 3 + v.hdr->n_routes;
	c4.max_routes = c6.max_routes = (int)max_nh;

	rt = rte_zmalloc("dp_runtime", sizeof(*rt) + max_nh * sizeof(rt->nh[0]),
			 RTE_CACHE_LINE_SIZE);
	if (!rt) {
		snprintf(err, errlen, "out of memory for the network configuration");
		return -ENOMEM;
	}
	rt->generation = generation;
	rt->icmp_rate_pps = v.hdr->icmp_rate_pps;
	rt->n_nh = 1;
	seq++;
	snprintf(name, sizeof(name), "fib4_%u", seq);
	rt->fib4 = rte_fib_create(name, SOCKET_ID_ANY, &c4);
	snprintf(name, sizeof(name), "fib6_%u", seq);
	rt->fib6 = rte_fib6_create(name, SOCKET_ID_ANY, &c6);
	if (!rt->fib4 || !rt->fib6) {
		snprintf(err, errlen, "cannot create FIB: %s (memory_mb too small?)",
			 rte_strerror(rte_errno));
		rc = -ENOMEM;
		goto fail;
	}
	for (uint32_t i = 0; i < v.hdr->n_addrs; i++)
		if ((rc = add_port_addr(rt, &v.addrs[i], err, errlen)) < 0)
			goto fail;
	for (uint32_t i = 0; i < v.hdr->n_routes; i++)
		if ((rc = add_route(rt, &v.routes[i], err, errlen)) < 0)
			goto fail;
	for (uint32_t i = 0; i < v.hdr->n_neigh; i++) {
		int idx = dp_port_by_name(v.neigh[i].port);

		if (idx < 0) {
			snprintf(err, errlen, "neighbour: no port \"%s\"", v.neigh[i].port);
			rc = -EINVAL;
			goto fail;
		}
	}
	rt->netcfg = malloc(len);
	if (!rt->netcfg) {
		rc = -ENOMEM;
		goto fail;
	}
	memcpy(rt->netcfg, netcfg, len);
	rt->netcfg_len = len;
	*out = rt;
	return 0;
fail:
	dp_runtime_free(rt);
	return rc;
}

/* Static neighbours go in the shared table when a configuration is published;
 * learned entries never overwrite them. */
static void load_static_neigh(const struct dp_runtime *rt)
{
	struct dp_netcfg_view v;

	dp_netcfg_view(rt->netcfg, &v);
	for (uint32_t i = 0; i < v.hdr->n_neigh; i++) {
		int idx = dp_port_by_name(v.neigh[i].port);

		dp_neigh_learn(&dp.neigh, dp.ports[idx].port_id, v.neigh[i].ip.family,
			       v.neigh[i].ip.addr, v.neigh[i].mac, rte_rdtsc(), true);
	}
}

void dp_runtime_publish(struct dp_runtime *rt)
{
	struct dp_runtime *old;

	load_static_neigh(rt);
	old = atomic_exchange_explicit(&dp.runtime, rt, memory_order_acq_rel);
	/* Wait until every worker has finished the burst that may still use
	 * old: each reports a quiescent state between bursts. */
	rte_rcu_qsbr_synchronize(dp.rcu, RTE_QSBR_THRID_INVALID);
	dp_runtime_free(old);
}

int dp_runtime_routes(const struct dp_runtime *rt, struct dp_route **routes, size_t *n)
{
	struct dp_netcfg_view v;
	struct dp_route *r;
	size_t k = 0;

	dp_netcfg_view(rt->netcfg, &v);
	r = calloc((size_t)v.hdr->n_addrs + v.hdr->n_routes + 1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (uint32_t i = 0; i < v.hdr->n_addrs; i++) {
		unsigned bits = v.addrs[i].addr.family == 4 ? 32 : 128;

		r[k].dst = v.addrs[i].addr;
		for (unsigned b = r[k].dst.prefixlen; b < bits; b++)
			r[k].dst.addr[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
		snprintf(r[k].port, sizeof(r[k].port), "%s", v.addrs[i].port);
		r[k].flags = DP_ROUTE_F_CONNECTED;
		k++;
	}
	for (uint32_t i = 0; i < v.hdr->n_routes; i++)
		r[k++] = v.routes[i];
	*routes = r;
	*n = k;
	return 0;
}
