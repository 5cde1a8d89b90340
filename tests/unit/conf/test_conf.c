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

/* the error must be exactly FILES/file:line: cause, file being where it is */
static void assert_error_in(const char *name, const char *file, int line, const char *cause)
{
	char want[512];

	cr_assert_eq(load(name), -EINVAL, "%s loaded", name);
	snprintf(want, sizeof(want), "%s/%s:%d: %s", CONF_FILES, file, line, cause);
	cr_assert_str_eq(err, want);
}

Test(conf, a_minimal_file_takes_every_default)
{
	cr_assert_eq(load("good_minimal.conf"), 0, "%s", err);
	cr_assert_str_eq(c.lcores, "0-1");
	cr_assert_eq(c.main_lcore, 0);
	cr_assert_eq(c.memory_mb, 512);
	cr_assert_eq(c.hugepages, CTRL_CONF_HUGEPAGES_AUTO);
	cr_assert_str_eq(c.file_prefix, "rampart");
	cr_assert_str_eq(c.dp_socket, "/run/rampart/dataplane.sock");
	cr_assert_str_eq(c.punt_iface, "rampart0");
	cr_assert_eq(c.mbufs, 16383);
	cr_assert_eq(c.rx_desc, 1024);
	cr_assert_eq(c.tx_desc, 1024);
	cr_assert_eq(c.neigh_max, 4096);
	cr_assert_eq(c.icmp_rate_pps, 100);
	cr_assert_eq(c.nat_port_min, 1024);
	cr_assert_eq(c.nat_port_max, 32767);
	cr_assert_str_eq(c.ctrl_socket, "/run/rampart/ctrl.sock");
	cr_assert_eq(c.resync_interval_ms, 1000);
	cr_assert_eq(c.n_ports, 1);
	cr_assert_eq(c.ports[0].mtu, 1500);
	cr_assert_eq(c.ports[0].n_addrs, 0);
	cr_assert_eq(c.ports[0].line, 2);
	cr_assert_eq(c.n_routes, 0);
	cr_assert_eq(c.n_neigh, 0);
	ctrl_conf_free(&c);
}

Test(conf, routes_by_port_default_and_unreachable_are_accepted)
{
	cr_assert_eq(load("good_device_route.conf"), 0, "%s", err);
	cr_assert_eq(c.n_routes, 3);
	cr_assert_str_eq(c.routes[0].port, "wan");
	cr_assert_eq(c.routes[0].via.family, 0, "on the link: no gateway");
	cr_assert_eq(c.routes[1].dst.prefixlen, 0);
	cr_assert_str_eq(c.routes[1].port, "wan");
	cr_assert_eq(c.routes[2].flags, DP_ROUTE_F_UNREACH);
	cr_assert_str_empty(c.routes[2].port);
	ctrl_conf_free(&c);
}

Test(conf, netcfg_payload_has_no_connected_routes_and_is_laid_out_in_order)
{
	struct dp_netcfg_view v;
	size_t len;
	void *p;

	cr_assert_eq(load("good.conf"), 0, "%s", err);
	cr_assert_eq(ctrl_conf_netcfg(&c, &p, &len), 0);
	cr_assert_eq(len, sizeof(struct dp_netcfg_hdr) + 4 * sizeof(struct dp_port_addr) +
				  3 * sizeof(struct dp_route) + sizeof(struct dp_neigh));
	dp_netcfg_view(p, &v);
	cr_assert_str_eq(v.addrs[0].port, "lan");
	cr_assert_eq(v.addrs[1].addr.family, 6);
	for (unsigned i = 0; i < v.hdr->n_routes; i++)
		cr_assert_eq(v.routes[i].flags & DP_ROUTE_F_CONNECTED, 0);
	cr_assert_eq(v.routes[1].flags, DP_ROUTE_F_BLACKHOLE);
	cr_assert_str_eq(v.neigh[0].port, "wan");
	cr_assert_eq(v.neigh[0].mac[5], 2);
	free(p);
	ctrl_conf_free(&c);
}

Test(conf, port_names_must_be_short_lowercase_identifiers)
{
	assert_error("bad_port_name.conf", 2, "port name \"LAN\": use 1-15 of a-z 0-9 _ -");
	assert_error("bad_port_name_long.conf", 2, "name: longer than 15 characters");
}

Test(conf, empty_devargs_are_refused_on_their_line)
{
	assert_error("bad_devargs.conf", 3, "port lan: devargs must not be empty");
}

Test(conf, mtu_out_of_range_or_of_the_wrong_type_is_refused)
{
	assert_error("bad_mtu.conf", 3, "mtu: 100 is out of range 576..9000");
	assert_error("bad_type.conf", 3, "mtu: expected an integer");
}

Test(conf, hugepages_is_auto_on_or_off)
{
	assert_error("bad_hugepages.conf", 2, "hugepages: \"maybe\" is not auto, on or off");
}

Test(conf, lcores_must_parse_hold_main_lcore_and_leave_a_worker)
{
	assert_error("bad_lcores.conf", 2,
		     "lcores \"0-\": expected a list such as \"0-1\" or \"0,2-3\"");
	assert_error("bad_main_lcore.conf", 3, "main_lcore 4 is not in lcores \"0-1\"");
	assert_error("bad_no_worker.conf", 2,
		     "lcores \"2\" leaves no worker: list at least one lcore besides main_lcore 2");
}

Test(conf, exception_interface_name_cannot_smuggle_devargs)
{
	assert_error("bad_punt.conf", 2,
		     "punt \"tap0,iface=x\": use 1-15 of a-z 0-9 _ -, or \"\" for none");
}

Test(conf, sockets_need_absolute_paths)
{
	assert_error("bad_socket.conf", 2, "socket \"run/ctrl.sock\": expected an absolute path");
}

Test(conf, a_section_of_the_wrong_type_is_refused)
{
	assert_error("bad_group.conf", 1, "dataplane: expected a group { ... }");
}

Test(conf, broadcast_address_as_port_address_is_refused_on_its_own_line)
{
	assert_error("bad_broadcast.conf", 4,
		     "address \"198.18.2.255/24\" is the network or broadcast address");
}

Test(conf, port_address_needs_a_prefix_length)
{
	assert_error("bad_addr_noprefix.conf", 3,
		     "address \"198.18.1.1\": expected ADDRESS/PREFIXLEN");
}

Test(conf, one_prefix_cannot_be_connected_twice)
{
	assert_error("bad_same_prefix.conf", 4,
		     "address \"198.18.1.2/24\": its prefix is already connected on port lan");
}

Test(conf, blackhole_route_with_a_gateway_is_refused)
{
	assert_error("bad_route_blackhole_via.conf", 4,
		     "route 203.0.113.0/24: a blackhole route has no via or port");
}

Test(conf, duplicate_route_destination_is_refused)
{
	assert_error("bad_route_dup.conf", 4, "route 198.51.100.0/24: defined twice");
}

Test(conf, route_to_a_connected_prefix_is_refused)
{
	assert_error("bad_route_connected.conf", 3,
		     "route 198.19.1.0/24: is the connected prefix of port wan");
}

Test(conf, route_port_must_be_the_port_of_its_gateway)
{
	assert_error("bad_route_port.conf", 7,
		     "route 198.51.100.0/24: via 198.19.1.2 is on port wan, not lan");
}

Test(conf, route_gateway_must_be_of_the_destination_family)
{
	assert_error("bad_route_family.conf", 4,
		     "route 198.51.100.0/24: via 2001:db8:2::2 is of the other address family");
}

Test(conf, route_to_an_unknown_port_is_refused)
{
	assert_error("bad_route_noport.conf", 4, "route 198.51.100.0/24: no port \"dmz\"");
}

Test(conf, route_type_is_blackhole_or_unreachable)
{
	assert_error("bad_route_type.conf", 4,
		     "type \"prohibit\": expected blackhole or unreachable");
}

Test(conf, route_needs_a_gateway_a_port_or_a_type)
{
	assert_error("bad_route_nothing.conf", 3, "route 198.51.100.0/24: needs via, port or type");
}

Test(conf, neighbour_port_must_exist_and_hold_its_address)
{
	assert_error("bad_neigh_port.conf", 4, "neighbor 198.19.1.2: no port \"lan\"");
	assert_error("bad_neigh_prefix.conf", 3,
		     "neighbor 198.19.2.2 is on no connected prefix of port wan");
}

Test(conf, duplicate_neighbour_is_refused)
{
	assert_error("bad_neigh_dup.conf", 4, "neighbor 198.19.1.2: defined twice");
}

Test(conf, error_in_an_included_file_names_that_file_and_line)
{
	assert_error_in("bad_include.conf", "bad_included.inc", 3, "unknown setting \"adresses\"");
}

Test(conf, error_buffer_is_never_overrun)
{
	char small[12];

	memset(small, 'x', sizeof(small));
	cr_assert_eq(ctrl_conf_load(CONF_FILES "/bad_mtu.conf", &c, small, 8), -EINVAL);
	cr_assert_eq(strlen(small), 7);
	cr_assert_eq(small[8], 'x');
}

Test(conf, syntax_error_in_an_included_file_names_that_file_and_line)
{
	assert_error_in("bad_include_syntax.conf", "bad_syntax.inc", 3, "syntax error");
}

Test(conf, included_file_is_found_next_to_the_including_one_on_any_path)
{
	char want[512];

	cr_assert_eq(ctrl_conf_load(CONF_FILES "/../files/bad_include.conf", &c, err, sizeof(err)),
		     -EINVAL);
	snprintf(want, sizeof(want), "%s/../files/bad_included.inc:3: unknown setting \"adresses\"",
		 CONF_FILES);
	cr_assert_str_eq(err, want);
}

Test(conf, missing_included_file_is_reported_on_the_include_line)
{
	assert_error("bad_include_missing.conf", 2, "cannot open include file");
}

Test(conf, own_addresses_are_neither_routes_nor_gateways_nor_neighbours)
{
	assert_error("bad_route_own.conf", 3, "route 2001:db8:2::1/128: is an address of port wan");
	assert_error(
		"bad_via_own.conf", 4,
		"route 198.51.100.0/24: via 198.19.1.1 is an address of port wan, not a next hop");
	assert_error("bad_neigh_own.conf", 3, "neighbor 198.19.1.1 is an address of port wan");
}

Test(conf, ports_of_the_wrong_type_are_refused)
{
	assert_error("bad_ports_type.conf", 2, "ports: expected a list ( { ... }, ... )");
}

Test(conf, firewall_section)
{
	char want[600];

	cr_assert_eq(load("fw_good.conf"), 0, "%s", err);
	cr_assert(c.fw_enabled);
	/* a relative rule file is found beside the configuration */
	snprintf(want, sizeof(want), "%s/rules/fw.rules", CONF_FILES);
	cr_assert_str_eq(c.fw_rules, want);
	cr_assert_str_eq(c.state_dir, "/var/lib/rampart");
	cr_assert_eq(c.n_dns, 2);
	cr_assert_eq(c.dns[0].family, 4);
	cr_assert_eq(c.dns[0].prefixlen, 32);
	cr_assert_eq(c.dns[1].family, 6);
	cr_assert_eq(c.flows_max, 4096);
	ctrl_conf_free(&c);
	cr_assert_eq(load("good.conf"), 0, "%s", err);
	cr_assert_not(c.fw_enabled, "no section: no firewall");
	cr_assert_eq(c.flows_max, 262144);
	ctrl_conf_free(&c);
}

Test(conf, firewall_errors_have_their_line)
{
	assert_error("bad_fw_dns.conf", 6,
		     "dns_servers: \"not-an-address\" is not an IPv4 or IPv6 address");
	assert_error("bad_fw_state_dir.conf", 5, "state_dir: expected an absolute path");
	assert_error("bad_flows_max.conf", 5, "flows_max: 100 is out of range 1024..16777216");
	assert_error("bad_dns_dup.conf", 5, "dns.zones: zone Example.ORG given twice");
	assert_error("bad_dns_nofile.conf", 3, "missing setting \"file\"");
	assert_error("bad_dns_transfer.conf", 4,
		     "transfer: \"nope\" is not an IPv4 or IPv6 address");
	assert_error("bad_dns_key_md5.conf", 3,
		     "dns.keys: algorithm hmac-md5 is not supported: use hmac-sha256, hmac-sha384 "
		     "or hmac-sha512 (RFC 8945 §6: MD5 and SHA-1 are too weak)");
	assert_error("bad_dns_key_secret.conf", 3,
		     "dns.keys: secret: expected base64 of at least 16 bytes (keymgr -t NAME "
		     "hmac-sha256 makes one)");
	assert_error("bad_dns_update_key.conf", 4, "update: no key \"nobody\" in dns.keys");
	assert_error("bad_dns_update_name.conf", 5,
		     "update: names: www.notexample.org is outside the zone example.org");
	assert_error("bad_dns_update_type.conf", 5,
		     "update: types: \"SOA\" is not a type updates may change (SOA never; "
		     "docs/dns.md lists them)");
	assert_error(
		"bad_dns_secondary_update.conf", 5,
		"update: zone example.org is a secondary (primaries): updates go to its primary");
	assert_error("bad_nat_ports.conf", 3,
		     "nat_port_min 30000, nat_port_max 30010: want a range of 64 ports or more");
}

Test(conf, dns_keys_rights_and_secondaries)
{
	const struct ctrl_conf_zone *z;

	cr_assert_eq(load("dns_update_good.conf"), 0, "%s", err);
	cr_assert_eq(c.n_keys, 2);
	cr_assert_str_eq(c.keys[0].algorithm, "hmac-sha256", "the default");
	cr_assert_str_eq(c.keys[1].algorithm, "hmac-sha512");
	cr_assert_eq(c.n_zones, 2);
	z = &c.zones[0];
	cr_assert_str_eq(z->name, "example.org", "the trailing dot goes");
	cr_assert_eq(z->n_grants, 2);
	cr_assert_eq(z->grants[0].key, 0);
	cr_assert_str_eq(z->grants[0].names, "_acme-challenge.example.org *.dyn.example.org");
	cr_assert_eq(z->grants[0].n_types, 1);
	cr_assert_eq(z->grants[0].types[0], 16);
	cr_assert_eq(z->grants[1].key, 1);
	cr_assert_eq(z->grants[1].n_types, 0, "no types: every type");
	cr_assert_eq(z->n_notify, 1, "notify defaults to the transfer list");
	cr_assert_eq(z->n_primaries, 0);
	z = &c.zones[1];
	cr_assert_eq(z->n_primaries, 2);
	cr_assert_eq(z->primaries[1].family, 6);
	cr_assert_eq(z->n_notify, 0, "notify = [ ]: none");
	ctrl_conf_free(&c);
}

Test(conf, caldav_takes_its_addresses_files_and_limits)
{
	char want[512];

	cr_assert_eq(load("caldav_good.conf"), 0, "%s", err);
	cr_assert(c.caldav.enabled);
	cr_assert_str_eq(c.caldav.https, "[2001:db8::1]:8443");
	cr_assert_str_eq(c.caldav.http, "127.0.0.1:5232");
	snprintf(want, sizeof(want), "%s/caldav.crt", CONF_FILES);
	cr_assert_str_eq(c.caldav.cert, want, "relative to the file's folder");
	cr_assert_str_eq(c.caldav.key, "/etc/rampart/caldav.key");
	snprintf(want, sizeof(want), "%s/admin.pw", CONF_FILES);
	cr_assert_str_eq(c.caldav.admin_password_file, want);
	cr_assert_str_eq(c.caldav.data_dir, "/var/lib/rampart-test/caldav", "state_dir/caldav");
	cr_assert_eq(c.caldav.max_objects, 10000);
	cr_assert_eq(c.caldav.max_body_kb, 1024, "the default");
	cr_assert_eq(c.caldav.max_object_kb, 256, "the default");
	cr_assert_str_eq(c.caldav.git_remote, "/srv/caldav.git");
}

Test(conf, caldav_plain_http_off_loopback_is_refused)
{
	assert_error("bad_caldav_http.conf", 4,
		     "http: 198.18.1.1:5232 is not a loopback address: plain HTTP would carry "
		     "passwords in clear; use https, or set http_any = true");
}

Test(conf, caldav_https_without_a_key_is_refused)
{
	assert_error("bad_caldav_nocert.conf", 4, "https: needs cert and key (PEM files)");
}

Test(conf, caldav_without_an_address_is_refused)
{
	assert_error("bad_caldav_none.conf", 3,
		     "caldav: give http = \"127.0.0.1:PORT\" or https = \"ADDR:PORT\" (or both)");
}

Test(conf, caldav_address_without_a_port_is_refused)
{
	assert_error("bad_caldav_addr.conf", 4,
		     "http: \"127.0.0.1\" is not ADDR:PORT or [ADDR6]:PORT");
}

Test(conf, caldav_unknown_setting_is_refused)
{
	assert_error("bad_caldav_setting.conf", 5, "unknown setting \"password\"");
}

Test(conf, vpn_names_its_server_file_relative_to_the_config)
{
	char want[512];

	cr_assert_eq(load("vpn_good.conf"), 0, "%s", err);
	cr_assert(c.vpn.enabled);
	snprintf(want, sizeof(want), "%s/vpn-server.conf", CONF_FILES);
	cr_assert_str_eq(c.vpn.server, want);
}

Test(conf, vpn_without_a_server_file_is_refused)
{
	assert_error("bad_vpn_noserver.conf", 2,
		     "vpn: give server = \"FILE\" or client = \"FILE\" (or both)");
}

Test(conf, vpn_dataplane_is_off_by_default_and_for_server_or_client)
{
	cr_assert_eq(load("vpn_good.conf"), 0, "%s", err);
	cr_assert(!c.vpn.dataplane, "the data channel stays in ctrl unless asked");
	ctrl_conf_free(&c);
	cr_assert_eq(load("vpn_dataplane_client.conf"), 0, "%s", err);
	cr_assert(c.vpn.dataplane, "the client's data channel in the dataplane");
	cr_assert_str_eq(c.vpn.server, "");
	ctrl_conf_free(&c);
	assert_error("bad_vpn_dataplane_type.conf", 2, "dataplane: expected true or false");
}

Test(conf, vpn_unknown_setting_is_refused)
{
	assert_error("bad_vpn_setting.conf", 3, "unknown setting \"remote\"");
}
