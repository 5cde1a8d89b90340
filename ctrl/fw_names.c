/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fw_names.c - the addresses behind "host NAME" in firewall rules. ctrl
 * resolves every name the rules use (A and AAAA) through the configured DNS
 * servers with its stub resolver, never in the packet path; an answer is
 * kept for its TTL (clamped to 5 s .. 1 day) and then asked again. When the
 * addresses of a name change, the rules in force are compiled again and
 * pushed as a new generation. A failed lookup keeps the last good addresses
 * and retries in 30 s, so a flaky resolver does not open or close holes.
 */
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctrl/ctrl.h"
#include "ctrl/fw.h"
#include "ctrl/resolve/resolve.h"

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct ctrl_fw_name *find(struct ctrl *c, const char *host)
{
	for (unsigned i = 0; i < c->fw.n_names; i++)
		if (strcmp(c->fw.names[i].host, host) == 0)
			return &c->fw.names[i];
	return NULL;
}

int ctrl_fw_names_get(struct ctrl *c, const char *host, const struct dp_addr **addrs, unsigned *n)
{
	struct ctrl_fw_name *nm = find(c, host);

	if (!nm || !nm->n) {
		*addrs = NULL;
		*n = 0;
		return -ENOENT;
	}
	*addrs = nm->addrs;
	*n = nm->n;
	return 0;
}

static int same_set(const struct dp_addr *a, unsigned na, const struct dp_addr *b, unsigned nb)
{
	if (na != nb)
		return 0;
	for (unsigned i = 0; i < na; i++) {
		bool found = false;

		for (unsigned k = 0; k < nb && !found; k++)
			found = memcmp(&a[i], &b[k], sizeof(a[i])) == 0;
		if (!found)
			return 0;
	}
	return 1;
}

static void done(void *arg, const char *host, int rc, const struct rs_answer *a4,
		 const struct rs_answer *a6)
{
	struct ctrl *c = arg;
	struct ctrl_fw_name *nm = find(c, host);
	struct dp_addr addrs[CTRL_FW_NAME_ADDRS];
	uint32_t ttl = CTRL_FW_TTL_MAX;
	unsigned n = 0;
	time_t now = time(NULL);

	if (!nm)
		return;
	nm->pending = false;
	nm->last_rc = rc;
	if (rc < 0 && rc != -ENOENT) {
		/* keep what we had; ask again soon */
		nm->refresh_at = now + CTRL_FW_RETRY_S;
		ctrl_log("warning", "firewall: looking up %s failed (%s); keeping %u address%s",
			 host, strerror(-rc), nm->n, nm->n == 1 ? "" : "es");
		return;
	}
	for (int f = 0; f < 2; f++) {
		const struct rs_answer *a = f ? a6 : a4;

		if (!a)
			continue;
		/* a failed query of one family says nothing about the TTL */
		if ((a->n || a->ttl) && a->ttl < ttl)
			ttl = a->ttl;
		for (unsigned i = 0; i < a->n && n < CTRL_FW_NAME_ADDRS; i++)
			addrs[n++] = a->addrs[i];
	}
	if (ttl < CTRL_FW_TTL_MIN)
		ttl = CTRL_FW_TTL_MIN;
	nm->refresh_at = now + ttl;
	nm->resolved_at = now;
	if (same_set(addrs, n, nm->addrs, nm->n))
		return;
	ctrl_log("info", "firewall: %s has %u address%s now (TTL %u s)", host, n,
		 n == 1 ? "" : "es", ttl);
	memcpy(nm->addrs, addrs, n * sizeof(addrs[0]));
	nm->n = n;
	if (nm->used)
		ctrl_fw_recompile(c);
}

static int ensure_resolver(struct ctrl *c)
{
	if (c->fw.rs)
		return 0;
	if (!c->conf.n_dns)
		return -ENOENT;
	c->fw.rs = rs_new(c->conf.dns, c->conf.n_dns, 53, 1000, 3);
	return c->fw.rs ? 0 : -ENOMEM;
}

struct rs_resolver *ctrl_resolver(struct ctrl *c)
{
	return ensure_resolver(c) == 0 ? c->fw.rs : NULL;
}

static void start(struct ctrl *c, struct ctrl_fw_name *nm)
{
	int rc;

	if (nm->pending)
		return;
	rc = ensure_resolver(c);
	if (rc == 0)
		rc = rs_resolve(c->fw.rs, nm->host, done, c);
	if (rc < 0) {
		nm->last_rc = rc;
		nm->refresh_at = time(NULL) + CTRL_FW_RETRY_S;
		return;
	}
	nm->pending = true;
}

static void note_one(void *arg, const char *host)
{
	struct ctrl *c = arg;
	struct ctrl_fw_name *nm = find(c, host);

	if (!nm) {
		if (c->fw.n_names == CTRL_FW_NAMES_MAX) {
			ctrl_log("warning", "firewall: more than %d host names; %s not resolved",
				 CTRL_FW_NAMES_MAX, host);
			return;
		}
		nm = &c->fw.names[c->fw.n_names++];
		memset(nm, 0, sizeof(*nm));
		snprintf(nm->host, sizeof(nm->host), "%s", host);
	}
	if (!nm->resolved_at)
		start(c, nm);
}

/* Wait for the answers to lookups just started, up to timeout_ms: a check
 * or push then compiles with the addresses, not with empty names. The loop
 * waits on nothing else meanwhile; bounded, and only on an operator's
 * request. */
static void settle(struct ctrl *c, unsigned timeout_ms)
{
	uint64_t end = mono_ms() + timeout_ms;

	for (;;) {
		struct pollfd p[2];
		int fds[2], n = ctrl_fw_names_fds(c, fds);
		bool pending = false;
		uint64_t now = mono_ms();

		for (unsigned i = 0; i < c->fw.n_names; i++)
			pending |= c->fw.names[i].pending;
		if (!pending || n <= 0 || now >= end)
			return;
		for (int i = 0; i < n; i++)
			p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		if (poll(p, (nfds_t)n, (int)(end - now < 100 ? end - now : 100)) > 0)
			rs_on_readable(c->fw.rs);
		rs_on_timer(c->fw.rs, mono_ms());
	}
}

void ctrl_fw_names_note(struct ctrl *c, const struct fw_file *f)
{
	fw_file_hosts(f, note_one, c);
	settle(c, 3000);
}

static void mark_used(void *arg, const char *host)
{
	struct ctrl_fw_name *nm = find(arg, host);

	if (nm)
		nm->used = true;
	else
		note_one(arg, host);
}

void ctrl_fw_names_want(struct ctrl *c)
{
	unsigned keep = 0;

	for (unsigned i = 0; i < c->fw.n_names; i++)
		c->fw.names[i].used = false;
	if (c->fw.have)
		fw_file_hosts(&c->fw.cur.file, mark_used, c);
	/* forget names no rule uses, unless an answer is on its way */
	for (unsigned i = 0; i < c->fw.n_names; i++)
		if (c->fw.names[i].used || c->fw.names[i].pending)
			c->fw.names[keep++] = c->fw.names[i];
	c->fw.n_names = keep;
}

void ctrl_fw_names_tick(struct ctrl *c)
{
	time_t now = time(NULL);

	if (c->fw.rs)
		rs_on_timer(c->fw.rs, mono_ms());
	for (unsigned i = 0; i < c->fw.n_names; i++) {
		struct ctrl_fw_name *nm = &c->fw.names[i];

		if (nm->used && !nm->pending && now >= nm->refresh_at)
			start(c, nm);
	}
}

int ctrl_fw_names_fds(struct ctrl *c, int fds[2])
{
	if (!c->fw.rs)
		return 0;
	return rs_fds(c->fw.rs, fds);
}

void ctrl_fw_names_readable(struct ctrl *c)
{
	if (c->fw.rs)
		rs_on_readable(c->fw.rs);
}

json_t *ctrl_fw_names_json(struct ctrl *c)
{
	json_t *arr = json_array();
	char buf[64];

	for (unsigned i = 0; i < c->fw.n_names; i++) {
		const struct ctrl_fw_name *nm = &c->fw.names[i];
		json_t *a = json_array();

		for (unsigned k = 0; k < nm->n; k++)
			json_array_append_new(a, json_string(dp_addr_format(&nm->addrs[k], false,
									    buf, sizeof(buf))));
		json_array_append_new(arr, json_pack("{s:s, s:o, s:I, s:I, s:s}", "host", nm->host,
						     "addresses", a, "resolved_at",
						     (json_int_t)nm->resolved_at, "refresh_at",
						     (json_int_t)nm->refresh_at, "status",
						     nm->pending	? "pending"
						     : nm->last_rc == 0 ? "ok"
									: strerror(-nm->last_rc)));
	}
	return arr;
}

void ctrl_fw_names_fini(struct ctrl *c)
{
	if (c->fw.rs)
		rs_free(c->fw.rs);
	c->fw.rs = NULL;
	c->fw.n_names = 0;
}
