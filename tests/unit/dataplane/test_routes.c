/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of dataplane/runtime.c: a network configuration becomes FIBs
 * whose lookups give the right next hop (connected, own address, broadcast,
 * static via a gateway, blackhole, none), for IPv4 and IPv6. EAL runs
 * without hugepages or shared files; no ports are started.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_eal.h>
#include <rte_fib.h>
#include <rte_fib6.h>

#include "dataplane/dp.h"

struct dp_main dp;

static void setup(void)
{
	char *argv[] = {
		"test", "-l",	       "0",	   "--no-huge",	     "-m",
		"256",	"--no-shconf", "--no-pci", "--no-telemetry", "--log-level=lib.eal:error",
		NULL
	};

	cr_assert_geq(rte_eal_init(10, argv), 0);
	/* two ports, as dp_ports_setup would leave them */
	dp.n_ports = 2;
	snprintf(dp.ports[0].name, DP_PORT_NAME_MAX, "lan");
	dp.ports[0].port_id = 0;
	snprintf(dp.ports[1].name, DP_PORT_NAME_MAX, "wan");
	dp.ports[1].port_id = 1;
}

TestSuite(routes, .init = setup);

struct cfg {
	struct dp_netcfg_hdr h;
	struct dp_port_addr a[4];
	struct dp_route r[3];
};

static struct cfg lab(void)
{
	struct cfg c = { .h = { .n_addrs = 4, .n_routes = 3, .icmp_rate_pps = 7 } };
	const char *addrs[4][2] = { { "lan", "198.18.1.1/24" },
				    { "lan", "2001:db8:1::1/64" },
				    { "wan", "198.19.1.1/24" },
				    { "wan", "2001:db8:2::1/64" } };

	for (int i = 0; i < 4; i++) {
		snprintf(c.a[i].port, DP_PORT_NAME_MAX, "%s", addrs[i][0]);
		dp_addr_parse(addrs[i][1], true, false, &c.a[i].addr);
	}
	dp_addr_parse("198.51.100.0/24", true, true, &c.r[0].dst);
	dp_addr_parse("198.19.1.2", false, false, &c.r[0].via);
	dp_addr_parse("2001:db8:100::/48", true, true, &c.r[1].dst);
	dp_addr_parse("2001:db8:2::2", false, false, &c.r[1].via);
	dp_addr_parse("203.0.113.0/24", true, true, &c.r[2].dst);
	c.r[2].flags = DP_ROUTE_F_BLACKHOLE;
	return c;
}

static const struct dp_nexthop *nh4(const struct dp_runtime *rt, const char *ip)
{
	struct dp_addr a;
	uint32_t v;
	uint64_t nh;

	dp_addr_parse(ip, false, false, &a);
	v = (uint32_t)a.addr[0] << 24 | (uint32_t)a.addr[1] << 16 | (uint32_t)a.addr[2] << 8 |
	    a.addr[3];
	rte_fib_lookup_bulk(rt->fib4, &v, &nh, 1);
	return &rt->nh[nh];
}

static const struct dp_nexthop *nh6(const struct dp_runtime *rt, const char *ip)
{
	uint8_t a[1][16];
	struct dp_addr x;
	uint64_t nh;

	dp_addr_parse(ip, false, false, &x);
	memcpy(a[0], x.addr, 16);
	rte_fib6_lookup_bulk(rt->fib6, a, &nh, 1);
	return &rt->nh[nh];
}

Test(routes, ipv4_lookups_give_connected_local_broadcast_static_and_none)
{
	struct cfg c = lab();
	struct dp_runtime *rt;
	char err[200];
	const struct dp_nexthop *n;

	cr_assert_eq(dp_runtime_build(&c, sizeof(c), 42, &rt, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(rt->generation, 42);
	cr_assert_eq(rt->icmp_rate_pps, 7);
	n = nh4(rt, "198.18.1.77");
	cr_assert_eq(n->type, DP_NH_FORWARD);
	cr_assert(n->connected);
	cr_assert_eq(n->port_id, 0);
	cr_assert_eq(nh4(rt, "198.19.1.1")->type, DP_NH_LOCAL);
	cr_assert_eq(nh4(rt, "198.18.1.255")->type, DP_NH_BLACKHOLE, "subnet broadcast");
	n = nh4(rt, "198.51.100.9");
	cr_assert_eq(n->type, DP_NH_FORWARD);
	cr_assert_not(n->connected);
	cr_assert_eq(n->port_id, 1, "port found from the gateway");
	cr_assert_arr_eq(n->gw, ((uint8_t[]){ 198, 19, 1, 2 }), 4);
	cr_assert_eq(nh4(rt, "203.0.113.5")->type, DP_NH_BLACKHOLE);
	cr_assert_eq(nh4(rt, "192.0.2.1")->type, DP_NH_NONE, "no route");
	dp_runtime_free(rt);
}

Test(routes, ipv6_lookups_give_connected_local_static_and_none)
{
	struct cfg c = lab();
	struct dp_runtime *rt;
	char err[200];

	cr_assert_eq(dp_runtime_build(&c, sizeof(c), 1, &rt, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(nh6(rt, "2001:db8:1::99")->type, DP_NH_FORWARD);
	cr_assert(nh6(rt, "2001:db8:1::99")->connected);
	cr_assert_eq(nh6(rt, "2001:db8:2::1")->type, DP_NH_LOCAL);
	cr_assert_eq(nh6(rt, "2001:db8:100:5::1")->port_id, 1);
	cr_assert_not(nh6(rt, "2001:db8:100:5::1")->connected);
	cr_assert_eq(nh6(rt, "2001:db8:ff::1")->type, DP_NH_NONE);
	dp_runtime_free(rt);
}

Test(routes, effective_table_lists_connected_prefixes_then_static_routes)
{
	struct cfg c = lab();
	struct dp_runtime *rt;
	struct dp_route *r;
	size_t n;
	char err[200], buf[64];

	cr_assert_eq(dp_runtime_build(&c, sizeof(c), 1, &rt, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(dp_runtime_routes(rt, &r, &n), 0);
	cr_assert_eq(n, 7);
	cr_assert_str_eq(dp_addr_format(&r[0].dst, true, buf, sizeof(buf)), "198.18.1.0/24");
	cr_assert_eq(r[0].flags, DP_ROUTE_F_CONNECTED);
	cr_assert_str_eq(dp_addr_format(&r[4].dst, true, buf, sizeof(buf)), "198.51.100.0/24");
	free(r);
	dp_runtime_free(rt);
}

Test(routes, unknown_port_or_unreachable_gateway_is_refused_whole)
{
	struct cfg c = lab();
	struct dp_runtime *rt = NULL;
	char err[200];

	snprintf(c.a[3].port, DP_PORT_NAME_MAX, "dmz");
	cr_assert_eq(dp_runtime_build(&c, sizeof(c), 1, &rt, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "address on port \"dmz\": no such port");
	cr_assert_null(rt);
	c = lab();
	dp_addr_parse("192.0.2.1", false, false, &c.r[0].via);
	c.r[0].port[0] = '\0';
	cr_assert_eq(dp_runtime_build(&c, sizeof(c), 1, &rt, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "route 198.51.100.0/24: gateway is on no connected prefix");
}
