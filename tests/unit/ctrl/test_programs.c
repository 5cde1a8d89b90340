/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * End-to-end tests of the programs as built: rampart-ctrl (--check, the
 * daemon: sync, SIGHUP, re-sync of a restarted dataplane, SIGTERM) against
 * the fake dataplane of fake_dp.c, and the rampart CLI against that daemon:
 * tables, --json, exit statuses.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctrl/ctrl.h"
#include "tests/unit/ctrl/fake_dp.h"
#include "tests/unit/ctrl/helpers.h"

extern char **environ;

static struct tdir t;

static void setup(void)
{
	tdir_make(&t);
	tdir_write_conf(&t, "", "");
}

static void teardown(void)
{
	tdir_remove(&t);
}

TestSuite(programs, .init = setup, .fini = teardown);

static char *out_of(void)
{
	return slurp(t.out);
}

static char *err_of(void)
{
	return slurp(t.err);
}

Test(programs, ctrl_check_passes_a_good_file_with_status_0)
{
	const char *argv[] = { CTRL_BIN, "-c", t.conf, "--check", NULL };
	char *out;

	cr_assert_eq(run_prog(&t, argv), 0);
	out = out_of();
	cr_assert(strstr(out, "configuration OK (2 ports, 1 routes, 0 neighbours"), "%s", out);
	free(out);
}

Test(programs, ctrl_check_refuses_a_bad_file_with_file_line_and_status_1)
{
	const char *argv[] = { CTRL_BIN, "--check", "-c", t.conf, NULL };
	char want[300], *e;

	tdir_write_raw(&t, "ports = (\n\t{ name = \"LAN\"; devargs = \"net_null0\"; }\n);\n");
	cr_assert_eq(run_prog(&t, argv), 1);
	e = err_of();
	snprintf(want, sizeof(want),
		 "rampart-ctrl: %s:2: port name \"LAN\": use 1-15 of a-z 0-9 _ -\n", t.conf);
	cr_assert_str_eq(e, want);
	free(e);
}

Test(programs, ctrl_help_goes_to_stdout_and_usage_errors_exit_2)
{
	const char *help[] = { CTRL_BIN, "--help", NULL };
	const char *bad[] = { CTRL_BIN, "--frobnicate", NULL };
	const char *extra[] = { CTRL_BIN, "-c", t.conf, "extra", NULL };
	char *out;

	cr_assert_eq(run_prog(&t, help), 0);
	out = out_of();
	cr_assert(strstr(out, "SYNOPSIS") && strstr(out, "EXIT STATUS") && strstr(out, "SIGHUP"));
	free(out);
	cr_assert_eq(run_prog(&t, bad), 2);
	cr_assert_eq(run_prog(&t, extra), 2);
}

Test(programs, cli_without_ctrl_exits_3_naming_the_socket)
{
	const char *argv[] = { CLI_BIN, "-s", t.api_sock, "status", NULL };
	char want[300], *e;

	cr_assert_eq(run_prog(&t, argv), 3);
	e = err_of();
	snprintf(want, sizeof(want),
		 "rampart: cannot reach rampart-ctrl on %s: No such file or directory\n",
		 t.api_sock);
	cr_assert_str_eq(e, want);
	free(e);
}

Test(programs, cli_usage_errors_exit_2_and_help_exits_0)
{
	const char *none[] = { CLI_BIN, NULL };
	const char *unknown[] = { CLI_BIN, "frobnicate", NULL };
	const char *extra[] = { CLI_BIN, "status", "now", NULL };
	const char *badopt[] = { CLI_BIN, "--frobnicate", "status", NULL };
	static const char *const cmds[] = { "status", "ports", "routes", "stats", "reload" };
	char *out;

	cr_assert_eq(run_prog(&t, none), 2);
	cr_assert_eq(run_prog(&t, unknown), 2);
	cr_assert_eq(run_prog(&t, extra), 2);
	cr_assert_eq(run_prog(&t, badopt), 2);
	for (unsigned i = 0; i < 5; i++) {
		const char *a[] = { CLI_BIN, "help", cmds[i], NULL };
		const char *b[] = { CLI_BIN, cmds[i], "--help", NULL };
		char head[64];

		snprintf(head, sizeof(head), "NAME\n    rampart %s - ", cmds[i]);
		cr_assert_eq(run_prog(&t, a), 0);
		out = out_of();
		cr_assert(strncmp(out, head, strlen(head)) == 0, "%s", out);
		free(out);
		cr_assert_eq(run_prog(&t, b), 0, "%s --help", cmds[i]);
	}
	{
		const char *h[] = { CLI_BIN, "--help", NULL };

		cr_assert_eq(run_prog(&t, h), 0);
		out = out_of();
		cr_assert(strstr(out, "EXIT STATUS") &&
			  strstr(out, "3  rampart-ctrl is not reachable"));
		free(out);
	}
}

static pid_t start_ctrl(void)
{
	const char *argv[] = { CTRL_BIN, "-c", t.conf, NULL };
	posix_spawn_file_actions_t fa;
	char log[160];
	pid_t pid;

	snprintf(log, sizeof(log), "%s/ctrl.log", t.dir);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_eq(posix_spawn(&pid, CTRL_BIN, &fa, NULL, (char *const *)argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

static bool wait_generation(struct fake_dp *f, uint64_t gen, double seconds)
{
	double end = now_s() + seconds;

	while (now_s() < end) {
		if (atomic_load(&f->generation) == gen)
			return true;
		usleep(10000);
	}
	return false;
}

/* The generation ctrl will compute for the file as it is now. */
static uint64_t generation_of_conf(void)
{
	struct ctrl c;
	char err[512];
	uint64_t g;

	cr_assert_eq(ctrl_init(&c, t.conf, err, sizeof(err)), 0, "%s", err);
	g = c.generation;
	ctrl_fini(&c);
	return g;
}

Test(programs, daemon_syncs_serves_the_cli_reloads_and_resyncs_a_restarted_dataplane)
{
	const char *status[] = { CLI_BIN, "-s", t.api_sock, "status", NULL };
	const char *stats[] = { CLI_BIN, "-s", t.api_sock, "stats", "--json", NULL };
	const char *routes[] = { CLI_BIN, "-s", t.api_sock, "routes", NULL };
	const char *ports[] = { CLI_BIN, "-s", t.api_sock, "ports", NULL };
	const char *reload[] = { CLI_BIN, "-s", t.api_sock, "reload", NULL };
	uint64_t gen1 = generation_of_conf(), gen2;
	struct fake_dp dp;
	json_error_t jerr;
	char want[300], *s;
	json_t *j;
	pid_t pid;
	int st;

	cr_assert_eq(fake_dp_start(&dp, t.dp_sock, 0), 0);
	pid = start_ctrl();
	cr_assert(wait_generation(&dp, gen1, 5), "ctrl did not push its configuration");

	cr_assert_eq(run_prog(&t, status), 0);
	s = out_of();
	cr_assert(strstr(s, "dataplane   pid 4242, up 1h02m, 2 workers, 3 ports"), "%s", s);
	cr_assert(strstr(s, "in sync     yes"), "%s", s);
	free(s);

	cr_assert_eq(run_prog(&t, stats), 0);
	s = out_of();
	j = json_loads(s, 0, &jerr);
	cr_assert_not_null(j, "--json printed no JSON: %s", s);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(j, "totals"), "rx_pkts")),
		     400);
	json_decref(j);
	free(s);

	cr_assert_eq(run_prog(&t, routes), 0);
	s = out_of();
	cr_assert(strstr(s, "DESTINATION      VIA         PORT  TYPE\n"), "%s", s);
	cr_assert(strstr(s, "198.51.100.0/24  198.19.1.2  wan   static\n"), "%s", s);
	free(s);

	cr_assert_eq(run_prog(&t, ports), 0);
	s = out_of();
	cr_assert(strstr(s, "lan       02:00:00:00:01:01  up    1500      100       90      3  "
			    "198.18.1.1/24 2001:db8:1::1/64\n"),
		  "%s", s);
	cr_assert(strstr(s, "(exception)"), "%s", s);
	free(s);

	/* a bad file: refused with its line, the running one stays */
	tdir_write_raw(
		&t, "ports = (\n\t{ name = \"lan\"; devargs = \"net_null0\"; mtu = 100; }\n);\n");
	cr_assert_eq(run_prog(&t, reload), 1);
	s = err_of();
	snprintf(want, sizeof(want), "rampart: reload: %s:2: mtu: 100 is out of range 576..9000\n",
		 t.conf);
	cr_assert_str_eq(s, want);
	free(s);
	cr_assert_eq(atomic_load(&dp.generation), gen1);

	/* SIGHUP with a good file */
	tdir_write_conf(&t, "", ",\n\t{ dst = \"203.0.113.0/24\"; type = \"blackhole\"; }");
	gen2 = generation_of_conf();
	cr_assert_neq(gen2, gen1);
	kill(pid, SIGHUP);
	cr_assert(wait_generation(&dp, gen2, 5), "SIGHUP did not push the new configuration");

	/* the dataplane restarts with nothing: ctrl notices and re-pushes */
	fake_dp_stop(&dp);
	usleep(300000);
	cr_assert_eq(fake_dp_start(&dp, t.dp_sock, 0), 0);
	cr_assert(wait_generation(&dp, gen2, 5), "restarted dataplane was not re-synced");

	kill(pid, SIGTERM);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
	cr_assert_neq(access(t.api_sock, F_OK), 0, "API socket left behind");
	fake_dp_stop(&dp);
}
