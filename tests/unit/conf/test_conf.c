/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of ctrl/conf/conf.c: good files load whole, bad files are
 * refused whole with file:line and the cause. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctrl/conf/conf.h"

static struct ctrl_conf c;
static char err[512];

static int load(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", CONF_FILES, name);
	return ctrl_conf_load(path, &c, err, sizeof(err));
}

/* the error must be exactly FILES/name:line: cause */
static void assert_error(const char *name, int line, const char *cause)
{
	char want[512];

	cr_assert_eq(load(name), -EINVAL, "%s loaded", name);
	snprintf(want, sizeof(want), "%s/%s:%d: %s", CONF_FILES, name, line, cause);
	cr_assert_str_eq(err, want);
	cr_assert_null(c.routes, "nothing returned on error");
}

Test(conf, the_shipped_default_configuration_loads)
{
	cr_assert_eq(ctrl_conf_load(CONF_DEFAULT, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c.n_ports, 2);
	cr_assert_str_eq(c.punt_iface, "rampart0");
	ctrl_conf_free(&c);
}

Test(conf, good_file_with_include_loads_every_section)
{
	cr_assert_eq(load("good.conf"), 0, "%s", err);
	cr_assert_str_eq(c.lcores, "0-3");
	cr_assert_eq(c.hugepages, CTRL_CONF_HUGEPAGES_OFF);
	cr_assert_eq(c.memory_mb, 512, "default");
	cr_assert_eq(c.icmp_rate_pps, 10);
	cr_assert_eq(c.n_ports, 2);
	cr_assert_str_eq(c.ports[1].name, "wan");
	cr_assert_eq(c.ports[1].mtu, 9000);
	cr_assert_eq(c.ports[0].mtu, 1500, "default");
	cr_assert_eq(c.ports[0].n_addrs, 2);
	cr_assert_eq(c.n_routes, 3);
	cr_assert_str_eq(c.routes[0].port, "wan", "port found from the gateway");
	cr_assert_eq(c.routes[1].flags, DP_ROUTE_F_BLACKHOLE);
	cr_assert_eq(c.n_neigh, 1);
	cr_assert_eq(c.neigh[0].mac[5], 2);
	ctrl_conf_free(&c);
}

Test(conf, netcfg_payload_carries_addresses_routes_and_neighbours)
{
	struct dp_netcfg_view v;
	void *p;
	size_t len;

	cr_assert_eq(load("good.conf"), 0, "%s", err);
	cr_assert_eq(ctrl_conf_netcfg(&c, &p, &len), 0);
	cr_assert_eq(dp_netcfg_validate(p, len, err, sizeof(err)), 0, "%s", err);
	dp_netcfg_view(p, &v);
	cr_assert_eq(v.hdr->n_addrs, 4);
	cr_assert_eq(v.hdr->n_routes, 3);
	cr_assert_eq(v.hdr->n_neigh, 1);
	cr_assert_eq(v.hdr->icmp_rate_pps, 10);
	cr_assert_str_eq(v.addrs[2].port, "wan");
	free(p);
	ctrl_conf_free(&c);
}

Test(conf, route_via_outside_connected_prefixes_is_refused_with_its_line)
{
	assert_error("bad_via.conf", 6,
		     "route 198.51.100.0/24: via 192.0.2.1 is on no connected prefix of any port");
}

Test(conf, unknown_setting_is_refused_with_its_line)
{
	assert_error("bad_unknown.conf", 3, "unknown setting \"lcore\"");
}

Test(conf, syntax_error_is_refused_with_its_line)
{
	assert_error("bad_syntax.conf", 3, "syntax error");
}

Test(conf, network_address_as_port_address_is_refused)
{
	assert_error("bad_addr.conf", 3,
		     "address \"198.18.1.0/24\" is the network or broadcast address");
}

Test(conf, port_defined_twice_is_refused)
{
	assert_error("bad_dup_port.conf", 3, "port lan: defined twice (first on line 2)");
}

Test(conf, route_destination_with_host_bits_is_refused)
{
	assert_error("bad_host_bits.conf", 3,
		     "dst \"198.51.100.1/24\": expected a prefix with no host bits set, such as "
		     "\"198.51.100.0/24\"");
}

Test(conf, value_out_of_range_is_refused)
{
	assert_error("bad_range.conf", 2, "memory_mb: 16 is out of range 64..1048576");
}

Test(conf, configuration_without_ports_is_refused)
{
	assert_error("bad_noports.conf", 0, "no ports: define at least one in ports = ( )");
}

Test(conf, multicast_mac_for_a_neighbour_is_refused)
{
	assert_error("bad_neigh.conf", 3,
		     "mac \"03:00:00:00:00:01\": expected a unicast MAC such as 02:00:00:00:00:01");
}

Test(conf, missing_file_is_reported_with_errno)
{
	cr_assert_eq(load("absent.conf"), -ENOENT);
	cr_assert(strstr(err, "No such file"));
}
