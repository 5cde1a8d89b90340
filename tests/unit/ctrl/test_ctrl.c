/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of rampart-ctrl's parts against a fake dataplane (fake_dp.c):
 * sync by generation, re-sync of a restarted dataplane, bounded waits,
 * reloads that fail whole, and the JSON API.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctrl/ctrl.h"
#include "tests/unit/ctrl/fake_dp.h"
#include "tests/unit/ctrl/helpers.h"

static struct tdir t;
static struct ctrl c;
static struct fake_dp dp;
static bool dp_running;
static char err[512];

static void setup(void)
{
	tdir_make(&t);
	tdir_write_conf(&t, "", "");
	cr_assert_eq(ctrl_init(&c, t.conf, err, sizeof(err)), 0, "%s", err);
}

static void teardown(void)
{
	if (dp_running)
		fake_dp_stop(&dp);
	dp_running = false;
	ctrl_fini(&c);
	tdir_remove(&t);
}

static void dp_start(uint64_t generation)
{
	cr_assert_eq(fake_dp_start(&dp, t.dp_sock, generation), 0);
	dp_running = true;
}

static void dp_stop(void)
{
	fake_dp_stop(&dp);
	dp_running = false;
}

/* Ask the API as the CLI would, and parse the answer. */
static json_t *api(const char *req)
{
	char *out = ctrl_api_request(&c, req, strlen(req));
	json_error_t jerr;
	json_t *j;

	cr_assert_not_null(out);
	j = json_loads(out, 0, &jerr);
	cr_assert_not_null(j, "reply is not JSON: %s", out);
	free(out);
	return j;
}

/* The member at a dotted path ("ctrl.config"), or NULL. */
static json_t *jget(json_t *o, const char *path)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
		o = json_object_get(o, k);
	return o;
}

static const char *jstr(json_t *o, const char *path)
{
	const char *s = json_string_value(jget(o, path));

	cr_assert_not_null(s, "no string at %s", path);
	return s;
}

static long long jint(json_t *o, const char *path)
{
	cr_assert(json_is_integer(jget(o, path)), "no integer at %s", path);
	return (long long)json_integer_value(jget(o, path));
}

TestSuite(ctrl, .init = setup, .fini = teardown);
TestSuite(api, .init = setup, .fini = teardown);

Test(ctrl, generation_is_the_fnv1a_64_hash_and_never_zero)
{
	/* reference values of FNV-1a 64 (draft-eastlake-fnv) */
	cr_assert_eq(ctrl_fnv1a("", 0), 0xcbf29ce484222325ull);
	cr_assert_eq(ctrl_fnv1a("a", 1), 0xaf63dc4c8601ec8cull);
	cr_assert_eq(ctrl_fnv1a("foobar", 6), 0x85944171f73967e8ull);
	cr_assert_eq(c.generation, ctrl_fnv1a(c.netcfg, c.netcfg_len));
	cr_assert_neq(c.generation, 0);
}

Test(ctrl, first_hello_pushes_the_configuration_then_stays_quiet)
{
	dp_start(0);
	cr_assert_eq(ctrl_dp_sync(&c), 0, "%s", c.last_error);
	cr_assert(c.dp_connected);
	cr_assert(c.in_sync);
	cr_assert_eq(atomic_load(&dp.n_netcfg), 1);
	cr_assert_eq(atomic_load(&dp.generation), c.generation);
	cr_assert_str_empty(dp.last_netcfg_err);
	cr_assert_eq(ctrl_dp_sync(&c), 0);
	cr_assert_eq(atomic_load(&dp.n_netcfg), 1, "in sync: not pushed again");
	cr_assert_eq(atomic_load(&dp.n_hello), 2);
}

Test(ctrl, dataplane_already_running_our_generation_is_not_pushed)
{
	dp_start(c.generation);
	cr_assert_eq(ctrl_dp_sync(&c), 0);
	cr_assert(c.in_sync);
	cr_assert_eq(atomic_load(&dp.n_netcfg), 0);
}

Test(ctrl, restarted_dataplane_is_resynced_on_the_next_tick)
{
	dp_start(0);
	ctrl_tick(&c);
	cr_assert(c.in_sync);
	dp_stop();
	ctrl_tick(&c);
	cr_assert_not(c.dp_connected, "the old connection is gone");
	cr_assert_not(c.in_sync);
	dp_start(0); /* a new dataplane, with no configuration */
	ctrl_tick(&c);
	cr_assert(c.dp_connected);
	cr_assert(c.in_sync);
	cr_assert_eq(atomic_load(&dp.n_netcfg), 1);
	cr_assert_eq(atomic_load(&dp.generation), c.generation);
	cr_assert_str_empty(c.last_error);
}

Test(ctrl, dataplane_restarted_between_two_ticks_is_resynced_at_the_second)
{
	dp_start(0);
	ctrl_tick(&c);
	cr_assert(c.in_sync);
	dp_stop();
	dp_start(0); /* ctrl still holds the dead connection */
	ctrl_tick(&c);
	cr_assert(c.dp_connected);
	cr_assert(c.in_sync, "%s", c.last_error);
	cr_assert_eq(atomic_load(&dp.n_netcfg), 1);
	cr_assert_eq(atomic_load(&dp.generation), c.generation);
}

Test(ctrl, absent_dataplane_is_reported_and_retried_without_waiting)
{
	char want[256];
	double t0 = now_s();

	ctrl_tick(&c);
	ctrl_tick(&c);
	cr_assert_lt(now_s() - t0, 0.2);
	cr_assert_not(c.dp_connected);
	snprintf(want, sizeof(want), "dataplane not reachable on %s: No such file or directory",
		 t.dp_sock);
	cr_assert_str_eq(c.last_error, want);
}

Test(ctrl, silent_dataplane_costs_about_one_second_and_a_reconnect)
{
	double t0, dt;

	dp_start(0);
	atomic_store(&dp.mode, FAKE_DP_SILENT);
	t0 = now_s();
	cr_assert_eq(ctrl_dp_sync(&c), -ETIMEDOUT);
	dt = now_s() - t0;
	cr_assert(dt >= 0.9 && dt < 1.5, "waited %.2f s", dt);
	cr_assert_not(c.dp_connected);
	cr_assert_eq(c.dp_fd, -1, "the connection is dropped: late replies cannot confuse");
	atomic_store(&dp.mode, FAKE_DP_NORMAL);
	cr_assert_eq(ctrl_dp_sync(&c), 0);
	cr_assert(c.in_sync);
}

Test(ctrl, refused_configuration_is_reported_and_not_pushed_every_tick)
{
	dp_start(0);
	atomic_store(&dp.mode, FAKE_DP_REFUSE);
	cr_assert_eq(ctrl_dp_sync(&c), -EINVAL);
	cr_assert(c.dp_connected);
	cr_assert_not(c.in_sync);
	cr_assert(strstr(c.last_error, "refused by test"), "%s", c.last_error);
	ctrl_tick(&c);
	ctrl_tick(&c);
	cr_assert_eq(atomic_load(&dp.n_netcfg), 1);
	cr_assert(strstr(c.last_error, "refused by test"), "error kept: %s", c.last_error);
}

Test(ctrl, reload_of_a_bad_file_keeps_the_running_configuration_and_names_the_line)
{
	uint64_t gen = c.generation;
	char want[300];

	dp_start(0);
	ctrl_tick(&c);
	tdir_write_raw(&t, "ports = (\n\t{ name = \"lan\"; devargs = \"x\"; bogus = 1; }\n);\n");
	cr_assert_eq(ctrl_reload(&c, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: unknown setting \"bogus\"", t.conf);
	cr_assert_str_eq(err, want);
	cr_assert_eq(c.generation, gen);
	cr_assert_eq(c.conf.n_routes, 1);
	cr_assert(c.in_sync);
	cr_assert_eq(atomic_load(&dp.n_netcfg), 1);
}

Test(ctrl, reload_of_a_good_file_pushes_the_new_generation)
{
	uint64_t gen = c.generation;

	dp_start(0);
	ctrl_tick(&c);
	tdir_write_conf(&t, "", ",\n\t{ dst = \"203.0.113.0/24\"; type = \"blackhole\"; }");
	cr_assert_eq(ctrl_reload(&c, err, sizeof(err)), 0, "%s", err);
	cr_assert_neq(c.generation, gen);
	cr_assert_eq(c.conf.n_routes, 2);
	cr_assert(c.in_sync);
	cr_assert_eq(atomic_load(&dp.generation), c.generation);
	cr_assert_eq(atomic_load(&dp.n_netcfg), 2);
}

Test(ctrl, reload_refused_by_the_dataplane_keeps_the_running_configuration)
{
	uint64_t gen = c.generation;

	dp_start(0);
	ctrl_tick(&c);
	atomic_store(&dp.mode, FAKE_DP_REFUSE);
	tdir_write_conf(&t, "", ",\n\t{ dst = \"203.0.113.0/24\"; type = \"blackhole\"; }");
	cr_assert_eq(ctrl_reload(&c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "refused by test"), "%s", err);
	cr_assert_eq(c.generation, gen);
	cr_assert_eq(c.conf.n_routes, 1);
	cr_assert(c.in_sync, "the dataplane still runs ours");
}

Test(ctrl, reload_while_the_dataplane_is_down_is_pushed_when_it_is_back)
{
	tdir_write_conf(&t, "", ",\n\t{ dst = \"203.0.113.0/24\"; type = \"unreachable\"; }");
	cr_assert_eq(ctrl_reload(&c, err, sizeof(err)), 0, "%s", err);
	dp_start(0);
	ctrl_tick(&c);
	cr_assert(c.in_sync);
	cr_assert_eq(atomic_load(&dp.generation), c.generation);
}

Test(api, status_shows_both_sides_and_whether_they_agree)
{
	json_t *r;
	char gen[17];

	dp_start(0);
	r = api("{\"cmd\": \"status\"}");
	snprintf(gen, sizeof(gen), "%016llx", (unsigned long long)c.generation);
	cr_assert(json_is_true(json_object_get(r, "ok")));
	cr_assert_str_eq(jstr(r, "ctrl.config"), t.conf);
	cr_assert_str_eq(jstr(r, "ctrl.generation"), gen);
	cr_assert_eq(jint(r, "ctrl.pid"), getpid());
	cr_assert_geq(jint(r, "ctrl.uptime_s"), 0);
	cr_assert(json_is_true(jget(r, "dataplane.connected")));
	cr_assert_eq(jint(r, "dataplane.pid"), 4242);
	cr_assert_eq(jint(r, "dataplane.workers"), 2);
	cr_assert_eq(jint(r, "dataplane.uptime_s"), 3725);
	cr_assert_str_eq(jstr(r, "dataplane.generation"), gen);
	cr_assert(json_is_true(json_object_get(r, "in_sync")));
	json_decref(r);
}

Test(api, status_with_the_dataplane_down_says_so_and_succeeds)
{
	json_t *r = api("{\"cmd\": \"status\"}");

	cr_assert(json_is_true(json_object_get(r, "ok")));
	cr_assert(json_is_false(jget(r, "dataplane.connected")));
	cr_assert_str_eq(jstr(r, "dataplane.socket"), t.dp_sock);
	cr_assert(json_is_false(json_object_get(r, "in_sync")));
	json_decref(r);
}

Test(api, queries_with_the_dataplane_down_fail_naming_its_socket)
{
	static const char *const cmds[] = { "ports", "routes", "stats" };
	char want[256];

	snprintf(want, sizeof(want), "dataplane not reachable on %s: No such file or directory",
		 t.dp_sock);
	for (unsigned i = 0; i < 3; i++) {
		char req[64];
		json_t *r;

		snprintf(req, sizeof(req), "{\"cmd\": \"%s\"}", cmds[i]);
		r = api(req);
		cr_assert(json_is_false(json_object_get(r, "ok")), "%s", cmds[i]);
		cr_assert_str_eq(json_string_value(json_object_get(r, "error")), want);
		json_decref(r);
	}
}

Test(api, stats_sum_the_lcores_and_give_cycles_per_packet)
{
	json_t *r, *totals, *lcores;

	dp_start(0);
	r = api("{\"cmd\": \"stats\"}");
	cr_assert(json_is_true(json_object_get(r, "ok")));
	totals = json_object_get(r, "totals");
	for (unsigned k = 0; k < DP_CNT_MAX; k++)
		cr_assert_not_null(json_object_get(totals, dp_counter_names[k]), "%s missing",
				   dp_counter_names[k]);
	cr_assert_eq(json_integer_value(json_object_get(totals, "rx_pkts")), 400);
	cr_assert_eq(json_integer_value(json_object_get(totals, "busy_cycles")), 20000);
	cr_assert_eq(json_integer_value(json_object_get(totals, "drop_no_route")), 7);
	cr_assert_float_eq(json_real_value(json_object_get(r, "cycles_per_packet")), 50.0, 1e-9);
	lcores = json_object_get(r, "lcores");
	cr_assert_eq(json_array_size(lcores), 2);
	cr_assert_eq(jint(json_array_get(lcores, 1), "lcore"), 2);
	cr_assert_eq(jint(json_array_get(lcores, 1), "counters.rx_pkts"), 300);
	json_decref(r);
}

Test(api, ports_are_translated_with_mac_addresses_and_counters)
{
	json_t *r, *p;

	dp_start(0);
	r = api("{\"cmd\": \"ports\"}");
	cr_assert(json_is_true(json_object_get(r, "ok")));
	cr_assert_eq(json_array_size(json_object_get(r, "ports")), 2);
	p = json_array_get(json_object_get(r, "ports"), 0);
	cr_assert_str_eq(jstr(p, "name"), "lan");
	cr_assert_str_eq(jstr(p, "mac"), "02:00:00:00:01:01");
	cr_assert_str_eq(jstr(p, "devargs"), "net_null0");
	cr_assert(json_is_true(json_object_get(p, "link_up")));
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(p, "addresses"), 1)),
			 "2001:db8:1::1/64");
	cr_assert_eq(json_integer_value(json_object_get(p, "rx_nombuf")), 2);
	p = json_array_get(json_object_get(r, "ports"), 1);
	cr_assert(json_is_true(json_object_get(p, "exception")));
	json_decref(r);
}

Test(api, routes_carry_their_type)
{
	json_t *r, *x;

	dp_start(0);
	r = api("{\"cmd\": \"routes\"}");
	cr_assert(json_is_true(json_object_get(r, "ok")));
	x = json_object_get(r, "routes");
	cr_assert_eq(json_array_size(x), 3);
	cr_assert_str_eq(jstr(json_array_get(x, 0), "type"), "connected");
	cr_assert_str_eq(jstr(json_array_get(x, 0), "via"), "-");
	cr_assert_str_eq(jstr(json_array_get(x, 1), "dst"), "198.51.100.0/24");
	cr_assert_str_eq(jstr(json_array_get(x, 1), "via"), "198.19.1.2");
	cr_assert_str_eq(jstr(json_array_get(x, 1), "type"), "static");
	cr_assert_str_eq(jstr(json_array_get(x, 2), "type"), "blackhole");
	json_decref(r);
}

Test(api, reload_reports_the_error_with_file_and_line)
{
	json_t *r;
	char want[300];

	tdir_write_raw(&t, "ctrl = {\n\tresync_interval_ms = 10;\n};\n");
	r = api("{\"cmd\": \"reload\"}");
	snprintf(want, sizeof(want), "%s:2: resync_interval_ms: 10 is out of range 50..600000",
		 t.conf);
	cr_assert(json_is_false(json_object_get(r, "ok")));
	cr_assert_str_eq(json_string_value(json_object_get(r, "error")), want);
	json_decref(r);
}

Test(api, malformed_requests_are_answered_with_an_error)
{
	static const char *const bad[] = { "not json", "[1, 2]", "{\"cmd\": 5}",
					   "{\"command\": \"status\"}",
					   "{\"cmd\": \"frobnicate\"}" };

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *r = api(bad[i]);

		cr_assert(json_is_false(json_object_get(r, "ok")), "%s", bad[i]);
		cr_assert_not_null(json_string_value(json_object_get(r, "error")), "%s", bad[i]);
		json_decref(r);
	}
}

/* One request over the real socket, as the CLI does. */
static json_t *api_socket(const char *req, size_t max)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *buf = malloc(max);
	json_error_t jerr;
	json_t *j;
	ssize_t n;
	int fd, cfd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", t.api_sock);
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	cfd = accept(c.api_fd, NULL, NULL);
	cr_assert_geq(cfd, 0);
	cr_assert_eq(ctrl_api_serve(&c, cfd), 0);
	n = recv(fd, buf, max, 0);
	cr_assert_gt(n, 0);
	j = json_loadb(buf, (size_t)n, 0, &jerr);
	cr_assert_not_null(j, "%s", jerr.text);
	close(cfd);
	close(fd);
	free(buf);
	return j;
}

Test(api, socket_is_made_with_its_folder_and_mode_0660)
{
	struct stat st;
	char dir[160];
	json_t *r;

	cr_assert_eq(ctrl_api_listen(&c), 0);
	snprintf(dir, sizeof(dir), "%s/run", t.dir);
	cr_assert_eq(stat(dir, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0755);
	cr_assert_eq(stat(t.api_sock, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0660);
	r = api_socket("{\"cmd\": \"status\"}", 65536);
	cr_assert(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
}

Test(api, a_live_socket_is_not_stolen_but_a_stale_one_is_replaced)
{
	struct ctrl other;
	int fd;

	cr_assert_eq(ctrl_api_listen(&c), 0);
	cr_assert_eq(ctrl_init(&other, t.conf, err, sizeof(err)), 0);
	cr_assert_eq(ctrl_api_listen(&other), -EADDRINUSE);
	/* c "crashes": its socket file stays, nobody listens */
	fd = c.api_fd;
	c.api_fd = -1;
	close(fd);
	cr_assert_eq(ctrl_api_listen(&other), 0);
	ctrl_fini(&other);
}

Test(api, a_routing_table_larger_than_a_socket_buffer_comes_back_whole)
{
	json_t *r;

	dp_start(0);
	dp.n_routes = 20000; /* about 2 MB of JSON */
	cr_assert_eq(ctrl_api_listen(&c), 0);
	r = api_socket("{\"cmd\": \"routes\"}", CTRL_API_REPLY_MAX);
	cr_assert(json_is_true(json_object_get(r, "ok")), "%s",
		  json_string_value(json_object_get(r, "error")));
	cr_assert_eq(json_array_size(json_object_get(r, "routes")), 20003);
	json_decref(r);
}
