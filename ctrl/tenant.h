/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tenant.h - rampart-ctrl's supervision of sandboxed tenants (tenant.c,
 * docs/sandbox.md): each tenant is a rampart-tender process ctrl starts with
 * the tenant's image, devices and limits, watches, restarts by its policy,
 * and finds again after ctrl itself restarts. What defines a tenant is kept
 * under state_dir/tenants/NAME/ (tenant.json, the console log, the pid);
 * images under state_dir/tenants/images/, named by their SHA-256.
 */
#ifndef RAMPART_CTRL_TENANT_H
#define RAMPART_CTRL_TENANT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define CTRL_TENANTS_MAX	32
#define CTRL_TENANT_DEVS_MAX	8
#define CTRL_TENANT_NAME_MAX	31
#define CTRL_TENANT_BACKOFF_MAX 60 /* s between restarts, at most */

enum ctrl_tenant_restart {
	TENANT_RESTART_ON_FAILURE, /* after a non-zero exit or a signal */
	TENANT_RESTART_ALWAYS,
	TENANT_RESTART_NEVER,
};

struct ctrl_tenant_dev {
	char dev[68];	/* the device's name in the tenant's manifest */
	char what[256]; /* block: a file; net: a port of rampart.conf */
	char iface[16]; /* net: the port's TAP (iface=tn-...) */
};

struct ctrl_tenant {
	char name[CTRL_TENANT_NAME_MAX + 1]; /* "": a free slot */
	char image_hash[65];
	unsigned mem_mb, cpu_pct; /* cpu_pct: of one core, 0: no limit */
	enum ctrl_tenant_restart restart;
	unsigned n_net, n_block;
	struct ctrl_tenant_dev net[CTRL_TENANT_DEVS_MAX], block[CTRL_TENANT_DEVS_MAX];
	char args[1024];
	bool want_running;
	/* the process */
	pid_t pid;		      /* 0: not running */
	unsigned long long starttime; /* /proc/PID/stat field 22: tells a reused pid */
	bool child;		      /* ours to wait for (not found again after a restart) */
	time_t started;
	int last_exit; /* >= 0 exit status, < 0 -signal; INT32_MIN: none yet */
	unsigned restarts;
	time_t next_start;	  /* a restart waits until then */
	unsigned backoff;	  /* s, doubling up to CTRL_TENANT_BACKOFF_MAX */
	long long console_logged; /* bytes of the console log already in ctrl's log */
};

struct ctrl;
struct json_t;

/* Read every tenant of state_dir/tenants, find those still running, start
 * those that should run. */
void ctrl_tenants_init(struct ctrl *c);
/* Exits, restarts, console lines to the log (from the tick). */
void ctrl_tenants_tick(struct ctrl *c);
/* The API: tenant.create/start/stop/restart/list/console/update/destroy;
 * NULL for another command. */
struct json_t *ctrl_tenant_api(struct ctrl *c, const char *cmd, struct json_t *req);

#endif /* RAMPART_CTRL_TENANT_H */
