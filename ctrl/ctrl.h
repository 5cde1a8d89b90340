/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctrl.h - rampart-ctrl, the control daemon: its state, the client of the
 * dataplane's control socket, the local API served to the rampart CLI, and
 * the kernel side of the exception interface.
 *
 * The local API is a Unix SOCK_SEQPACKET socket carrying one JSON object per
 * message: a request {"cmd": "status"|"ports"|"routes"|"stats"|"reload"} and a
 * reply {"ok": true, ...} or {"ok": false, "error": "..."}.
 */
#ifndef RAMPART_CTRL_H
#define RAMPART_CTRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ctrl/conf/conf.h"
#include "dataplane/dataplane.h"

#define CTRL_API_MSG_MAX (1u << 20)
#define CTRL_DP_TIMEOUT_MS 2000

struct ctrl {
	const char *conf_path;
	struct ctrl_conf conf;
	void *netcfg; /* DP_MSG_NETCFG payload built from conf */
	size_t netcfg_len;
	uint64_t generation; /* FNV-1a of netcfg, never 0 */
	time_t started;

	/* the dataplane */
	int dp_fd;
	uint32_t seq;
	bool dp_connected;
	bool in_sync;
	struct dp_hello hello;
	char last_error[256];
	uint64_t refused_generation; /* not pushed again until reload or reconnect */

	/* the exception interface's kernel side */
	unsigned punt_ifindex;
	uint64_t punt_generation;

	int api_fd;
};

/* dpconn.c: the dataplane client. Calls wait at most CTRL_DP_TIMEOUT_MS. */
int ctrl_dp_connect(struct ctrl *c);
void ctrl_dp_disconnect(struct ctrl *c);
/* Send a request and receive the reply of type want (or DP_MSG_RESULT). */
int ctrl_dp_call(struct ctrl *c, uint16_t type, uint64_t generation, const void *payload,
		 size_t len, uint16_t want, struct dp_msg *reply);
/* Say hello, push the configuration when the generations differ. */
int ctrl_dp_sync(struct ctrl *c);

/* punt.c: give the exception interface the appliance's addresses. */
void ctrl_punt_sync(struct ctrl *c);

/* api.c */
int ctrl_api_listen(struct ctrl *c);
/* Handle one request on fd; a negative return closes it. */
int ctrl_api_serve(struct ctrl *c, int fd);

/* main.c */
int ctrl_reload(struct ctrl *c, char *err, size_t errlen);
void ctrl_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t ctrl_fnv1a(const void *p, size_t len);

#endif /* RAMPART_CTRL_H */
