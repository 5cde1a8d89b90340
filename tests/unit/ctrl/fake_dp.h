/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fake_dp.h - a stand-in for rampart-dataplane's agent thread, for the unit
 * tests of rampart-ctrl only: it serves the control channel (dataplane.h) on
 * a Unix socket from a thread, answers from canned data, and records what it
 * was sent. Not a shipped program.
 */
#ifndef RAMPART_TEST_FAKE_DP_H
#define RAMPART_TEST_FAKE_DP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "dataplane/dataplane.h"

enum fake_dp_mode {
	FAKE_DP_NORMAL,
	FAKE_DP_REFUSE, /* refuse every NETCFG with -EINVAL "refused by test" */
	FAKE_DP_SILENT, /* read requests, never answer */
};

struct fake_dp {
	char path[108];
	int lfd;
	pthread_t thread;
	atomic_bool stop;
	atomic_int mode;
	atomic_uint n_hello;
	atomic_uint n_netcfg;	  /* NETCFG messages received */
	atomic_ullong generation; /* the one "in service" */
	unsigned n_routes;	  /* static routes in the GET_ROUTES answer */
	char last_netcfg_err[256];
};

/* Listen on path and serve from a thread; generation is what it "runs". */
int fake_dp_start(struct fake_dp *f, const char *path, uint64_t generation);
/* Stop the thread, close every connection, remove the socket. */
void fake_dp_stop(struct fake_dp *f);

#endif
