/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fw.h - rampart-ctrl's side of the firewall (fw.c, fw_names.c): the rule
 * set in force, its history, the confirm deadline, and the addresses of the
 * host names the rules use, resolved through the configured DNS servers and
 * refreshed when their TTL runs out.
 */
#ifndef RAMPART_CTRL_FW_H
#define RAMPART_CTRL_FW_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "fw_rules/fw_rules.h"

struct ctrl;
struct json_t;

#define CTRL_FW_NAMES_MAX  256
#define CTRL_FW_NAME_ADDRS 32
#define CTRL_FW_TTL_MIN	   5	 /* seconds: refresh no more often */
#define CTRL_FW_TTL_MAX	   86400 /* and at least daily */
#define CTRL_FW_RETRY_S	   5	 /* after a failed lookup */

struct ctrl_fw_version {
	char name[256]; /* where it came from */
	char *text;
	size_t len;
	uint64_t hash; /* of the text */
	unsigned seq;  /* its number in the history, 0: not stored */
	struct fw_file file;
};

struct ctrl_fw_name {
	char host[FW_HOST_MAX];
	unsigned n;
	struct dp_addr addrs[CTRL_FW_NAME_ADDRS];
	time_t refresh_at; /* next lookup */
	time_t resolved_at;
	bool pending;
	bool used; /* by the rules in force */
	int last_rc;
};

struct ctrl_fw {
	bool have; /* a rule set is in force (else plain routing) */
	struct ctrl_fw_version cur, prev;
	void *wire; /* cur, compiled with the names known now */
	size_t wire_len;
	uint64_t generation; /* hash of wire, never 0 */
	uint32_t n_entries;
	uint64_t refused; /* generation the dataplane refused */
	time_t since;
	time_t confirm_deadline; /* 0: nothing waits for confirmation */
	unsigned confirm_prev_seq;
	unsigned last_seq;
	unsigned checked_rules; /* --check: rules in the configured file */

	struct rs_resolver *rs;
	unsigned n_names;
	struct ctrl_fw_name names[CTRL_FW_NAMES_MAX];
};

/* fw.c */
int ctrl_fw_init(struct ctrl *c, char *err, size_t errlen);
void ctrl_fw_fini(struct ctrl *c);
void ctrl_fw_env(struct ctrl *c, struct fw_env *env);
/* Push the rules in force when the dataplane runs others. */
int ctrl_fw_sync(struct ctrl *c);
/* Once a tick: the confirm deadline, name refreshes. */
void ctrl_fw_tick(struct ctrl *c);
/* Compile the rules in force again (their names resolved anew) and push. */
void ctrl_fw_recompile(struct ctrl *c);
/* rules.* and flows.* requests; NULL when cmd is not one of them. */
struct json_t *ctrl_fw_api(struct ctrl *c, const char *cmd, struct json_t *req);

/* fw_names.c */
int ctrl_fw_names_get(struct ctrl *c, const char *host, const struct dp_addr **addrs, unsigned *n);
/* Look up the names of f not known yet (a check or push about to compile). */
void ctrl_fw_names_note(struct ctrl *c, const struct fw_file *f);
/* The rules in force changed: mark their names, forget unused ones. */
void ctrl_fw_names_want(struct ctrl *c);
void ctrl_fw_names_tick(struct ctrl *c);
/* The resolver's sockets, for the event loop; returns how many. */
int ctrl_fw_names_fds(struct ctrl *c, int fds[2]);
/* ctrl's stub resolver (made at first use, asking firewall.dns_servers):
 * the firewall's host names and the VPN client's remotes share it. NULL
 * without servers. */
struct rs_resolver *ctrl_resolver(struct ctrl *c);
void ctrl_fw_names_readable(struct ctrl *c);
struct json_t *ctrl_fw_names_json(struct ctrl *c);
void ctrl_fw_names_fini(struct ctrl *c);

#endif /* RAMPART_CTRL_FW_H */
