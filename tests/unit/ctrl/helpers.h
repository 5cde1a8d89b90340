/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helpers.h - what the tests of rampart-ctrl share: a private directory with
 * a configuration file whose sockets live in it, and a way to run the
 * programs and keep their output.
 */
#ifndef RAMPART_TEST_CTRL_HELPERS_H
#define RAMPART_TEST_CTRL_HELPERS_H

#include <stddef.h>

struct tdir {
	char dir[64];
	char conf[100];	    /* dir/rampart.conf */
	char dp_sock[100];  /* dir/dp.sock */
	char api_sock[100]; /* dir/run/ctrl.sock: its folder does not exist yet */
	char out[100], err[100];
};

/* mkdtemp, and write a configuration with extra_routes appended inside
 * routes = ( ... ) and punt as the exception interface ("" for none). */
void tdir_make(struct tdir *t);
void tdir_write_conf(const struct tdir *t, const char *punt, const char *extra_routes);
/* Write text as the configuration file as it is. */
void tdir_write_raw(const struct tdir *t, const char *text);
void tdir_remove(struct tdir *t);

/* Run argv (no shell), stdout and stderr to t->out and t->err; the exit status,
 * or -1. */
int run_prog(const struct tdir *t, const char *const *argv);
/* A file's content (malloc'd, NUL-terminated). */
char *slurp(const char *path);
double now_s(void);

#endif
