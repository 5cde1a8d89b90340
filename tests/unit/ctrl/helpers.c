/* SPDX-License-Identifier: BSD-3-Clause */
/* helpers.c - see helpers.h. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/ctrl/helpers.h"

extern char **environ;

void tdir_make(struct tdir *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/rampart-ctrl-test-XXXXXX");
	cr_assert_not_null(mkdtemp(t->dir));
	snprintf(t->conf, sizeof(t->conf), "%s/rampart.conf", t->dir);
	snprintf(t->dp_sock, sizeof(t->dp_sock), "%s/dp.sock", t->dir);
	snprintf(t->api_sock, sizeof(t->api_sock), "%s/run/ctrl.sock", t->dir);
	snprintf(t->out, sizeof(t->out), "%s/stdout", t->dir);
	snprintf(t->err, sizeof(t->err), "%s/stderr", t->dir);
}

void tdir_write_raw(const struct tdir *t, const char *text)
{
	char tmp[160];
	FILE *f;

	/* rename: a reader never sees half a file */
	snprintf(tmp, sizeof(tmp), "%s.tmp", t->conf);
	f = fopen(tmp, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	cr_assert_eq(rename(tmp, t->conf), 0);
}

void tdir_write_conf(const struct tdir *t, const char *punt, const char *extra_routes)
{
	char text[4096];

	snprintf(text, sizeof(text),
		 "dataplane = {\n"
		 "\tsocket = \"%s\";\n"
		 "\tpunt = \"%s\";\n"
		 "};\n"
		 "ctrl = {\n"
		 "\tsocket = \"%s\";\n"
		 "\tresync_interval_ms = 100;\n"
		 "};\n"
		 "ports = (\n"
		 "\t{ name = \"lan\"; devargs = \"net_null0\";\n"
		 "\t  addresses = [ \"198.18.1.1/24\", \"2001:db8:1::1/64\" ]; },\n"
		 "\t{ name = \"wan\"; devargs = \"net_null1\";\n"
		 "\t  addresses = [ \"198.19.1.1/24\", \"2001:db8:2::1/64\" ]; }\n"
		 ");\n"
		 "routes = (\n"
		 "\t{ dst = \"198.51.100.0/24\"; via = \"198.19.1.2\"; }%s\n"
		 ");\n",
		 t->dp_sock, punt, t->api_sock, extra_routes);
	tdir_write_raw(t, text);
}

void tdir_remove(struct tdir *t)
{
	const char *argv[] = { "rm", "-rf", t->dir, NULL };
	pid_t pid;
	int st;

	if (posix_spawnp(&pid, "rm", NULL, NULL, (char *const *)argv, environ) == 0)
		waitpid(pid, &st, 0);
}

int run_prog(const struct tdir *t, const char *const *argv)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st = 0, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, t->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, t->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	cr_assert_not_null(f, "%s", path);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
