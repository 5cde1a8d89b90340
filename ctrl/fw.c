/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fw.c - firewall rule sets in rampart-ctrl: check, diff, push (with an
 * optional confirm deadline), confirm, rollback, show with counters, history.
 *
 * A rule file is parsed and compiled here, against the configuration's port
 * names, DNS servers and the addresses of the host names it uses, then sent
 * to the dataplane as one DP_MSG_RULES object whose generation is the hash of
 * what was sent. Nothing changes unless the whole file is valid and the
 * dataplane took it. Every version put in force is kept under
 * state_dir/rules/ with a history line (time, hash, source, what happened), so
 * a restart, a rollback and an unconfirmed push all know what to go back to.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctrl/ctrl.h"
#include "ctrl/fw.h"

#define RULES_FILE_MAX (64u << 20)

static void version_free(struct ctrl_fw_version *v)
{
	fw_file_free(&v->file);
	free(v->text);
	memset(v, 0, sizeof(*v));
}

static int read_text(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > RULES_FILE_MAX) {
		snprintf(err, errlen, "%s: not a regular file of at most %u MiB", path,
			 RULES_FILE_MAX >> 20);
		close(fd);
		return -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		snprintf(err, errlen, "%s: short read", path);
		free(buf);
		return -EIO;
	}
	buf[n] = '\0';
	*text = buf;
	*len = (size_t)n;
	return 0;
}

static int env_resolve(void *arg, const char *host, const struct dp_addr **addrs, unsigned *n)
{
	return ctrl_fw_names_get(arg, host, addrs, n);
}

void ctrl_fw_env(struct ctrl *c, struct fw_env *env)
{
	static char names[DP_MAX_PORTS + 1][DP_PORT_NAME_MAX];
	static uint32_t ip4[DP_MAX_PORTS + 1];
	unsigned n = c->conf.n_ports;
	uint32_t dyn = 0;

	for (unsigned i = 0; i < c->conf.n_ports; i++) {
		memcpy(names[i], c->conf.ports[i].name, DP_PORT_NAME_MAX);
		ip4[i] = 0;
		for (unsigned k = c->conf.ports[i].n_addrs; k-- > 0;)
			if (c->conf.ports[i].addrs[k].family == 4)
				memcpy(&ip4[i], c->conf.ports[i].addrs[k].addr, 4);
	}
	/* the VPN's tunnel, when the dataplane carries it: "pass in on vpn";
	 * its address, the one the VPN client's server pushed ("nat on vpn
	 * ... -> vpn"), comes with the tunnel */
	if (c->conf.vpn.dataplane && n < DP_MAX_PORTS) {
		const struct ctrl_vpn_cli *v = &c->vpn_client;

		snprintf(names[n], DP_PORT_NAME_MAX, "vpn");
		ip4[n] = 0;
		if (v->on && v->dp && v->has4)
			memcpy(&ip4[n], v->tun4, 4);
		dyn = 1u << n++;
	}
	*env = (struct fw_env){
		.n_ports = n,
		.ports = (const char(*)[DP_PORT_NAME_MAX])names,
		.n_dns = c->conf.n_dns,
		.dns = c->conf.dns,
		.resolve = env_resolve,
		.resolve_arg = c,
		.port_ip4 = ip4,
		.dyn_ports = dyn,
	};
}

/* Parse text into v (which takes text over). */
static int version_parse(struct ctrl *c, const char *name, char *text, size_t len,
			 struct ctrl_fw_version *v, struct fw_diag *d)
{
	struct fw_env env;
	int rc;

	memset(v, 0, sizeof(*v));
	ctrl_fw_env(c, &env);
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->text = text;
	v->len = len;
	v->hash = ctrl_fnv1a(text, len);
	rc = fw_parse(name, text, len, &env, &v->file, d);
	if (rc < 0) {
		free(text);
		v->text = NULL;
	}
	return rc;
}

/* Compile v with the names known now into a wire object. */
static int version_compile(struct ctrl *c, const struct ctrl_fw_version *v, void **wire,
			   size_t *wire_len, uint32_t *n_entries, struct fw_diag *d)
{
	struct fw_compiled comp;
	struct fw_env env;
	int rc;

	ctrl_fw_env(c, &env);
	rc = fw_compile(&v->file, &env, &comp, d);
	if (rc < 0)
		return rc;
	*n_entries = comp.hdr.n_entries;
	rc = fw_wire_encode(&comp, wire, wire_len);
	fw_compiled_free(&comp);
	return rc;
}

static json_t *lines_array(const char *text)
{
	json_t *arr = json_array();

	while (text && *text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);

		json_array_append_new(arr, json_stringn(text, n));
		text += n + (nl ? 1 : 0);
	}
	return arr;
}

static json_t *err_json(const char *msg)
{
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

/* ---- history on disk ---- */

/* state_dir is at most 255 bytes: every path below fits in 300 */
static void rules_dir(const struct ctrl *c, char *buf, size_t len)
{
	snprintf(buf, len, "%.255s/rules", c->conf.state_dir);
}

static int mkdirs(const char *path)
{
	char tmp[512];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0750) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0750) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Write a file whole or not at all: temporary file, fsync, rename. */
static int write_atomic(const char *path, const void *data, size_t len)
{
	char tmp[600];
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) < 0)
		rc = -errno ? -errno : -EIO;
	close(fd);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

static int history_append(struct ctrl *c, const char *action, unsigned seq, unsigned prev,
			  const struct ctrl_fw_version *v)
{
	char dir[300], path[400], hash[17], gen[17];
	json_t *line;
	char *txt;
	int fd, rc = 0;

	rules_dir(c, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/history", dir);
	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)v->hash);
	snprintf(gen, sizeof(gen), "%016llx", (unsigned long long)c->fw.generation);
	/* hash: of the text; generation: of what the dataplane got (names resolved) */
	line = json_pack("{s:I, s:I, s:s, s:I, s:s, s:s, s:s, s:I}", "seq", (json_int_t)seq, "prev",
			 (json_int_t)prev, "action", action, "time", (json_int_t)time(NULL), "hash",
			 hash, "generation", gen, "source", v->name, "rules",
			 (json_int_t)v->file.n_rules);
	txt = json_dumps(line, JSON_COMPACT);
	json_decref(line);
	if (!txt)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0 || dprintf(fd, "%s\n", txt) < 0 || fsync(fd) < 0)
		rc = -errno;
	if (fd >= 0)
		close(fd);
	free(txt);
	return rc;
}

static int version_store(struct ctrl *c, struct ctrl_fw_version *v)
{
	char dir[300], path[400];
	int rc;

	rules_dir(c, dir, sizeof(dir));
	rc = mkdirs(dir);
	if (rc < 0)
		return rc;
	v->seq = ++c->fw.last_seq;
	snprintf(path, sizeof(path), "%s/%06u.rules", dir, v->seq);
	return write_atomic(path, v->text, v->len);
}

static int version_load_seq(struct ctrl *c, unsigned seq, const char *source,
			    struct ctrl_fw_version *v, char *err, size_t errlen)
{
	char dir[300], path[400];
	struct fw_diag d = { 0 };
	char *text;
	size_t len;
	int rc;

	rules_dir(c, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%06u.rules", dir, seq);
	rc = read_text(path, &text, &len, err, errlen);
	if (rc < 0)
		return rc;
	rc = version_parse(c, source, text, len, v, &d);
	if (rc < 0)
		snprintf(err, errlen, "%s", d.errors ? d.errors : "parse error");
	v->seq = seq;
	fw_diag_free(&d);
	return rc;
}

/* ---- putting a version in force ---- */

static int dp_push(struct ctrl *c, const void *wire, size_t len, uint64_t gen, char *err,
		   size_t errlen, uint64_t *build_us)
{
	const struct dp_result *r;
	struct dp_msg m;
	int rc;

	if (!c->dp_connected) {
		snprintf(err, errlen, "dataplane not connected");
		return -ENOTCONN;
	}
	rc = ctrl_dp_call(c, DP_MSG_RULES, gen, wire, len, DP_MSG_RESULT, &m);
	if (rc < 0) {
		snprintf(err, errlen, "dataplane: %s", strerror(-rc));
		return rc;
	}
	r = m.payload;
	rc = r->rc;
	if (rc < 0)
		snprintf(err, errlen, "dataplane refused the rules: %.*s",
			 (int)strnlen(r->msg, sizeof(r->msg)), r->msg);
	else if (r->generation != gen)
		rc = -EPROTO;
	else {
		c->hello.rules_generation = gen;
		if (build_us)
			sscanf(r->msg, "in service, built in %llu us",
			       (unsigned long long *)build_us);
	}
	dp_msg_free(&m);
	return rc;
}

/* Make next the version in force: compile, push, keep. On failure nothing
 * changes and err says why. */
static int install(struct ctrl *c, struct ctrl_fw_version *next, bool push, char *err,
		   size_t errlen, struct fw_diag *d, uint64_t *build_us)
{
	void *wire = NULL;
	size_t wire_len = 0;
	uint32_t n_entries = 0;
	uint64_t gen;
	int rc;

	rc = version_compile(c, next, &wire, &wire_len, &n_entries, d);
	if (rc < 0) {
		snprintf(err, errlen, "%s", d->errors ? d->errors : "compile failed");
		return rc;
	}
	gen = ctrl_fnv1a(wire, wire_len);
	if (push) {
		rc = dp_push(c, wire, wire_len, gen, err, errlen, build_us);
		if (rc < 0) {
			free(wire);
			return rc;
		}
	}
	version_free(&c->fw.prev);
	c->fw.prev = c->fw.cur;
	c->fw.cur = *next;
	memset(next, 0, sizeof(*next));
	free(c->fw.wire);
	c->fw.wire = wire;
	c->fw.wire_len = wire_len;
	c->fw.generation = gen;
	c->fw.n_entries = n_entries;
	c->fw.refused = 0;
	c->fw.have = true;
	c->fw.since = time(NULL);
	ctrl_fw_names_want(c);
	return 0;
}

/* Put version seq of the history in force (pushed when push is set). */
static int install_seq(struct ctrl *c, unsigned seq, bool push, char *err, size_t errlen)
{
	struct ctrl_fw_version v;
	struct fw_diag d = { 0 };
	char dir[300];
	int rc;

	rc = version_load_seq(c, seq, "history", &v, err, errlen);
	if (rc < 0)
		return rc;
	rules_dir(c, dir, sizeof(dir));
	snprintf(v.name, sizeof(v.name), "%.230s/%06u.rules", dir, seq);
	rc = install(c, &v, push, err, errlen, &d, NULL);
	fw_diag_free(&d);
	if (rc < 0)
		version_free(&v);
	return rc;
}

/* Compile the version in force again (names changed) and push it. */
void ctrl_fw_recompile(struct ctrl *c)
{
	struct fw_diag d = { 0 };
	void *wire = NULL;
	size_t len = 0;
	uint32_t n = 0;

	if (!c->fw.have)
		return;
	if (version_compile(c, &c->fw.cur, &wire, &len, &n, &d) < 0) {
		ctrl_log("error", "firewall: recompiling after a name change failed: %s",
			 d.errors ? d.errors : "?");
		fw_diag_free(&d);
		return;
	}
	fw_diag_free(&d);
	if (ctrl_fnv1a(wire, len) == c->fw.generation) {
		free(wire);
		return;
	}
	free(c->fw.wire);
	c->fw.wire = wire;
	c->fw.wire_len = len;
	c->fw.generation = ctrl_fnv1a(wire, len);
	c->fw.n_entries = n;
	ctrl_log("info",
		 "firewall: addresses changed (hosts, the VPN client's tunnel), rules %016llx to "
		 "push",
		 (unsigned long long)c->fw.generation);
	ctrl_fw_sync(c);
}

int ctrl_fw_sync(struct ctrl *c)
{
	char err[300];
	int rc;

	if (!c->fw.have || !c->dp_connected || c->hello.rules_generation == c->fw.generation)
		return 0;
	if (c->fw.refused == c->fw.generation)
		return -EINVAL;
	rc = dp_push(c, c->fw.wire, c->fw.wire_len, c->fw.generation, err, sizeof(err), NULL);
	if (rc < 0) {
		c->fw.refused = c->fw.generation;
		ctrl_log("error", "firewall rules %016llx: %s",
			 (unsigned long long)c->fw.generation, err);
		return rc;
	}
	ctrl_log("info", "firewall rules %016llx in service (%u rules, %u entries)",
		 (unsigned long long)c->fw.generation, c->fw.cur.file.n_rules, c->fw.n_entries);
	return 0;
}

/* ---- start-up ---- */

/* Every line of the history that parses, oldest first (an empty array when
 * there is no history yet). */
static json_t *history_load(struct ctrl *c)
{
	char dir[300], path[400], line[2048];
	json_t *arr = json_array();
	FILE *f;

	rules_dir(c, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/history", dir);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		json_t *j = json_loads(line, 0, NULL);

		if (j)
			json_array_append_new(arr, j);
	}
	if (f)
		fclose(f);
	return arr;
}

/* What the history says: the version in force, the text hash of the last
 * version loaded from the configured file. */
static unsigned history_scan(struct ctrl *c, uint64_t *load_hash)
{
	json_t *arr = history_load(c), *j;
	unsigned cur = 0, pending_prev = 0;
	bool pending = false;
	size_t i;

	*load_hash = 0;
	json_array_foreach (arr, i, j) {
		json_int_t seq = 0, prev = 0;
		const char *action = "", *hash = "";

		if (json_unpack(j, "{s:I, s:I, s:s, s:s}", "seq", &seq, "prev", &prev, "action",
				&action, "hash", &hash) < 0)
			continue;
		if ((unsigned)seq > c->fw.last_seq)
			c->fw.last_seq = (unsigned)seq;
		if (strcmp(action, "confirm") == 0) {
			pending = false;
		} else {
			pending = strcmp(action, "push-confirm") == 0;
			pending_prev = (unsigned)prev;
			cur = (unsigned)seq;
			if (strcmp(action, "load") == 0)
				*load_hash = strtoull(hash, NULL, 16);
		}
	}
	json_decref(arr);
	if (pending) {
		ctrl_log("warning", "firewall: version %u was never confirmed; going back to %u",
			 cur, pending_prev);
		cur = pending_prev;
	}
	return cur;
}

/* --check: the configured rule file parses and compiles (host names are not
 * looked up: they match nothing yet). */
static int check_configured(struct ctrl *c, char *err, size_t errlen)
{
	struct ctrl_fw_version v;
	struct fw_diag d = { 0 };
	uint32_t n = 0;
	size_t len, wlen;
	char *text;
	void *wire;
	int rc;

	if (!c->conf.fw_rules[0])
		return 0;
	rc = read_text(c->conf.fw_rules, &text, &len, err, errlen);
	if (rc < 0)
		return rc;
	rc = version_parse(c, c->conf.fw_rules, text, len, &v, &d);
	if (rc == 0 && (rc = version_compile(c, &v, &wire, &wlen, &n, &d)) == 0)
		free(wire);
	if (rc < 0)
		snprintf(err, errlen, "%s", d.errors ? d.errors : "rules refused");
	else
		c->fw.n_entries = n;
	c->fw.checked_rules = rc == 0 ? v.file.n_rules : 0;
	version_free(&v);
	fw_diag_free(&d);
	return rc;
}

/* At start: the configured file when it changed since it was last loaded
 * (or nothing is in the history), else the last version put in force. */
int ctrl_fw_init(struct ctrl *c, char *err, size_t errlen)
{
	struct ctrl_fw_version v;
	struct fw_diag d = { 0 };
	uint64_t load_hash;
	unsigned cur, prev;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (!c->conf.fw_enabled)
		return 0;
	if (c->check_only)
		return check_configured(c, err, errlen);
	cur = history_scan(c, &load_hash);
	if (c->conf.fw_rules[0]) {
		rc = read_text(c->conf.fw_rules, &text, &len, err, errlen);
		if (rc < 0)
			return rc;
	}
	if (cur && (!text || ctrl_fnv1a(text, len) == load_hash)) {
		free(text);
		rc = install_seq(c, cur, false, err, errlen);
		if (rc < 0)
			return rc;
		ctrl_log("info", "firewall: version %u from the history (%u rules)", cur,
			 c->fw.cur.file.n_rules);
		return 0;
	}
	if (!text)
		return 0; /* nothing pushed, no file: plain routing until a push */
	rc = version_parse(c, c->conf.fw_rules, text, len, &v, &d);
	if (rc == 0)
		rc = install(c, &v, false, err, errlen, &d, NULL);
	if (rc < 0) {
		snprintf(err, errlen, "%s", d.errors ? d.errors : "rules refused");
		version_free(&v);
		fw_diag_free(&d);
		return rc;
	}
	if (d.warnings)
		ctrl_log("warning", "firewall: %s", d.warnings);
	fw_diag_free(&d);
	prev = cur;
	if (version_store(c, &c->fw.cur) < 0 ||
	    history_append(c, "load", c->fw.cur.seq, prev, &c->fw.cur) < 0)
		ctrl_log("warning", "firewall: cannot write the history under %s",
			 c->conf.state_dir);
	ctrl_log("info", "firewall: %s loaded as version %u (%u rules)", c->conf.fw_rules,
		 c->fw.cur.seq, c->fw.cur.file.n_rules);
	return 0;
}

void ctrl_fw_fini(struct ctrl *c)
{
	version_free(&c->fw.cur);
	version_free(&c->fw.prev);
	free(c->fw.wire);
	ctrl_fw_names_fini(c);
	memset(&c->fw, 0, sizeof(c->fw));
}

/* ---- the API ---- */

static json_t *check_reply(const struct ctrl_fw_version *v, const struct fw_diag *d,
			   uint32_t n_entries, bool ok)
{
	json_t *r = json_pack("{s:b, s:o, s:o}", "ok", ok, "errors", lines_array(d->errors),
			      "warnings", lines_array(d->warnings));

	if (ok) {
		json_object_set_new(r, "rules", json_integer(v->file.n_rules));
		json_object_set_new(r, "entries", json_integer(n_entries));
		json_object_set_new(r, "default",
				    json_string(fw_action_name(v->file.default_action)));
	} else {
		char msg[64];

		snprintf(msg, sizeof(msg), "rules refused: %u error%s", d->n_errors,
			 d->n_errors == 1 ? "" : "s");
		json_object_set_new(r, "error", json_string(msg));
	}
	return r;
}

/* Load and check the file a request names; on failure *reply says why. */
static int request_version(struct ctrl *c, json_t *req, struct ctrl_fw_version *v,
			   struct fw_diag *d, json_t **reply)
{
	const char *path = NULL;
	char err[400], *text;
	size_t len;
	int rc;

	if (json_unpack(req, "{s:s}", "path", &path) < 0 || path[0] != '/') {
		*reply =
			err_json("bad request: expected \"path\": an absolute path to a rule file");
		return -EINVAL;
	}
	rc = read_text(path, &text, &len, err, sizeof(err));
	if (rc < 0) {
		*reply = err_json(err);
		return rc;
	}
	rc = version_parse(c, path, text, len, v, d);
	if (rc < 0) {
		*reply = check_reply(v, d, 0, false);
		return rc;
	}
	return 0;
}

static json_t *cmd_check(struct ctrl *c, json_t *req)
{
	struct ctrl_fw_version v;
	struct fw_diag d = { 0 };
	json_t *reply;
	void *wire;
	size_t len;
	uint32_t n = 0;

	if (request_version(c, req, &v, &d, &reply) == 0) {
		ctrl_fw_names_note(c, &v.file); /* resolve what the check saw */
		if (version_compile(c, &v, &wire, &len, &n, &d) == 0) {
			free(wire);
			reply = check_reply(&v, &d, n, true);
		} else {
			reply = check_reply(&v, &d, 0, false);
		}
		version_free(&v);
	}
	fw_diag_free(&d);
	return reply;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **canonical(struct ctrl *c, const struct fw_file *f)
{
	char **out = calloc(f->n_rules + f->n_nat + 1, sizeof(*out)), buf[4096];
	struct fw_env env;

	ctrl_fw_env(c, &env);
	for (unsigned i = 0; out && i < f->n_rules; i++)
		out[i] = strdup(fw_rule_format(f, &f->rules[i], &env, buf, sizeof(buf)));
	for (unsigned i = 0; out && i < f->n_nat; i++)
		out[f->n_rules + i] = strdup(fw_rule_format(f, &f->nat[i], &env, buf, sizeof(buf)));
	return out;
}

static json_t *cmd_diff(struct ctrl *c, json_t *req)
{
	struct ctrl_fw_version v;
	struct fw_diag d = { 0 };
	json_t *reply, *add, *del, *set;
	char **a, **b;
	unsigned na, nb, i = 0, k = 0, same = 0;

	if (request_version(c, req, &v, &d, &reply) < 0) {
		fw_diag_free(&d);
		return reply;
	}
	na = c->fw.have ? c->fw.cur.file.n_rules + c->fw.cur.file.n_nat : 0;
	nb = v.file.n_rules + v.file.n_nat;
	a = c->fw.have ? canonical(c, &c->fw.cur.file) : calloc(1, sizeof(char *));
	b = canonical(c, &v.file);
	add = json_array();
	del = json_array();
	set = json_array();
	if (a && b) {
		bool order_same = na == nb;

		for (unsigned x = 0; order_same && x < na; x++)
			order_same = a[x] && b[x] && strcmp(a[x], b[x]) == 0;
		qsort(a, na, sizeof(*a), cmp_str);
		qsort(b, nb, sizeof(*b), cmp_str);
		while (i < na || k < nb) {
			int cmp = i == na ? 1 : k == nb ? -1 : strcmp(a[i], b[k]);

			if (cmp == 0) {
				same++;
				i++;
				k++;
			} else if (cmp < 0) {
				json_array_append_new(del, json_string(a[i++]));
			} else {
				json_array_append_new(add, json_string(b[k++]));
			}
		}
		if (!order_same && json_array_size(add) == 0 && json_array_size(del) == 0 && na)
			json_array_append_new(set, json_string("rule order changed"));
	}
	if (!c->fw.have || c->fw.cur.file.default_action != v.file.default_action) {
		char s[64];

		snprintf(s, sizeof(s), "set default %s", fw_action_name(v.file.default_action));
		json_array_append_new(set, json_string(s));
	}
	if (c->fw.have && c->fw.cur.file.keep_flows != v.file.keep_flows)
		json_array_append_new(set, json_string(v.file.keep_flows ? "set flows keep"
									 : "set flows recheck"));
	if (c->fw.have && c->fw.cur.file.nat_eif != v.file.nat_eif)
		json_array_append_new(set, json_string(v.file.nat_eif
							       ? "set nat filtering endpoint-independent"
							       : "set nat filtering address-port-dependent"));
	if (c->fw.have && c->fw.cur.file.nat_host_limit != v.file.nat_host_limit) {
		char s[64];

		snprintf(s, sizeof(s), "set nat host-limit %u", v.file.nat_host_limit);
		json_array_append_new(set, json_string(s));
	}
	for (int t = 0; c->fw.have && t < FW_TO_MAX; t++)
		if (c->fw.cur.file.timeouts[t] != v.file.timeouts[t]) {
			char s[80];

			snprintf(s, sizeof(s), "set timeout %s %u", fw_timeout_names[t],
				 v.file.timeouts[t]);
			json_array_append_new(set, json_string(s));
		}
	reply = json_pack("{s:b, s:o, s:o, s:o, s:I, s:o}", "ok", 1, "added", add, "removed", del,
			  "settings", set, "unchanged", (json_int_t)same, "warnings",
			  lines_array(d.warnings));
	for (unsigned x = 0; a && x < na; x++)
		free(a[x]);
	for (unsigned x = 0; b && x < nb; x++)
		free(b[x]);
	free(a);
	free(b);
	version_free(&v);
	fw_diag_free(&d);
	return reply;
}

static json_t *pushed_reply(struct ctrl *c, const struct fw_diag *d, uint64_t build_us, double ms)
{
	char g[17];

	snprintf(g, sizeof(g), "%016llx", (unsigned long long)c->fw.generation);
	return json_pack("{s:b, s:s, s:I, s:I, s:I, s:I, s:f, s:o, s:I}", "ok", 1, "generation", g,
			 "version", (json_int_t)c->fw.cur.seq, "rules",
			 (json_int_t)c->fw.cur.file.n_rules, "entries", (json_int_t)c->fw.n_entries,
			 "dataplane_build_us", (json_int_t)build_us, "total_ms", ms, "warnings",
			 lines_array(d->warnings), "confirm_by",
			 (json_int_t)c->fw.confirm_deadline);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static json_t *cmd_push(struct ctrl *c, json_t *req)
{
	double t0 = now_ms();
	struct ctrl_fw_version v;
	struct fw_diag d = { 0 };
	json_int_t confirm = 0;
	uint64_t build_us = 0;
	unsigned prev_seq = c->fw.have ? c->fw.cur.seq : 0;
	char err[1024];
	json_t *reply;

	json_unpack(req, "{s?I}", "confirm", &confirm);
	if (confirm < 0 || confirm > 86400) {
		fw_diag_free(&d);
		return err_json("confirm: 0..86400 seconds");
	}
	if (c->fw.confirm_deadline)
		return err_json(
			"a push is waiting for confirmation: confirm or roll it back first");
	if (request_version(c, req, &v, &d, &reply) < 0) {
		fw_diag_free(&d);
		return reply;
	}
	if (json_is_true(json_object_get(req, "keep_flows")))
		v.file.keep_flows = true; /* this push keeps every flow */
	ctrl_fw_names_note(c, &v.file);
	if (install(c, &v, true, err, sizeof(err), &d, &build_us) < 0) {
		version_free(&v);
		if (d.n_errors)
			reply = check_reply(&v, &d, 0, false);
		else
			reply = err_json(err);
		fw_diag_free(&d);
		return reply;
	}
	if (version_store(c, &c->fw.cur) < 0 ||
	    history_append(c, confirm ? "push-confirm" : "push", c->fw.cur.seq, prev_seq,
			   &c->fw.cur) < 0)
		ctrl_log("warning", "firewall: cannot write the history under %s: %s",
			 c->conf.state_dir, strerror(errno));
	c->fw.confirm_deadline = confirm ? time(NULL) + confirm : 0;
	c->fw.confirm_prev_seq = prev_seq;
	ctrl_log("info", "firewall: pushed %s as version %u (%016llx, %u rules)%s", c->fw.cur.name,
		 c->fw.cur.seq, (unsigned long long)c->fw.generation, c->fw.cur.file.n_rules,
		 confirm ? ", awaiting confirmation" : "");
	reply = pushed_reply(c, &d, build_us, now_ms() - t0);
	fw_diag_free(&d);
	return reply;
}

/* Put version seq (from the history) in force again. */
static int restore(struct ctrl *c, unsigned seq, const char *action, char *err, size_t errlen)
{
	unsigned from = c->fw.cur.seq;
	int rc = install_seq(c, seq, true, err, errlen);

	if (rc < 0)
		return rc;
	/* the restored version keeps its number; its history line says how */
	history_append(c, action, seq, 0, &c->fw.cur);
	ctrl_log("info", "firewall: %s from version %u to version %u", action, from, seq);
	return 0;
}

static unsigned prev_of(struct ctrl *c, unsigned seq)
{
	json_t *arr = history_load(c), *j;
	unsigned prev = 0;
	size_t i;

	json_array_foreach (arr, i, j) {
		json_int_t s = 0, p = 0;
		const char *action = "";

		if (json_unpack(j, "{s:I, s:I, s:s}", "seq", &s, "prev", &p, "action", &action) ==
			    0 &&
		    (unsigned)s == seq &&
		    (strncmp(action, "push", 4) == 0 || strcmp(action, "load") == 0))
			prev = (unsigned)p;
	}
	json_decref(arr);
	return prev;
}

static json_t *cmd_rollback(struct ctrl *c)
{
	char err[1024];
	unsigned to;

	if (!c->fw.have)
		return err_json("no rules in force");
	to = c->fw.confirm_deadline ? c->fw.confirm_prev_seq : prev_of(c, c->fw.cur.seq);
	if (!to)
		return err_json("nothing to roll back to: this is the first version");
	if (restore(c, to, "rollback", err, sizeof(err)) < 0)
		return err_json(err);
	c->fw.confirm_deadline = 0;
	return pushed_reply(c, &(struct fw_diag){ 0 }, 0, 0);
}

static json_t *cmd_confirm(struct ctrl *c)
{
	if (!c->fw.confirm_deadline)
		return err_json("no push is waiting for confirmation");
	c->fw.confirm_deadline = 0;
	history_append(c, "confirm", c->fw.cur.seq, c->fw.confirm_prev_seq, &c->fw.cur);
	ctrl_log("info", "firewall: version %u confirmed", c->fw.cur.seq);
	return json_pack("{s:b, s:I}", "ok", 1, "version", (json_int_t)c->fw.cur.seq);
}

void ctrl_fw_tick(struct ctrl *c)
{
	char err[1024];

	ctrl_fw_names_tick(c);
	if (!c->fw.confirm_deadline || time(NULL) < c->fw.confirm_deadline)
		return;
	ctrl_log("warning", "firewall: version %u not confirmed in time; reverting to %u",
		 c->fw.cur.seq, c->fw.confirm_prev_seq);
	if (!c->fw.confirm_prev_seq) {
		/* the first rules ever: back to none is not possible without a
		 * restart of the dataplane; keep them and say so */
		ctrl_log("error", "firewall: no earlier version to revert to; keeping %u",
			 c->fw.cur.seq);
		c->fw.confirm_deadline = 0;
		return;
	}
	if (restore(c, c->fw.confirm_prev_seq, "revert", err, sizeof(err)) < 0) {
		ctrl_log("error", "firewall: revert failed: %s; retrying", err);
		return;
	}
	c->fw.confirm_deadline = 0;
}

static json_t *cmd_show(struct ctrl *c)
{
	const struct dp_rule_stats *st = NULL;
	const struct dp_rule_counter *cnt = NULL;
	struct fw_env env;
	json_t *rules, *nat, *reply;
	struct dp_msg m = { 0 };
	char buf[4096], g[17];
	int rc;

	if (!c->fw.have)
		return json_pack("{s:b, s:b}", "ok", 1, "active", 0);
	rc = ctrl_dp_call(c, DP_MSG_GET_RULE_STATS, 0, NULL, 0, DP_MSG_RULE_STATS, &m);
	if (rc == 0 && m.hdr.type == DP_MSG_RULE_STATS) {
		st = m.payload;
		if (st->generation == c->fw.generation && st->n_rules == c->fw.cur.file.n_rules)
			cnt = (const struct dp_rule_counter *)(st + 1);
	}
	ctrl_fw_env(c, &env);
	rules = json_array();
	for (unsigned i = 0; i < c->fw.cur.file.n_rules; i++) {
		const struct fw_rule *r = &c->fw.cur.file.rules[i];

		json_array_append_new(
			rules, json_pack("{s:I, s:I, s:s, s:s, s:I, s:I}", "number",
					 (json_int_t)i + 1, "line", (json_int_t)r->line, "rule",
					 fw_rule_format(&c->fw.cur.file, r, &env, buf, sizeof(buf)),
					 "action", fw_action_name(r->action), "packets",
					 (json_int_t)(cnt ? cnt[i].pkts : 0), "bytes",
					 (json_int_t)(cnt ? cnt[i].bytes : 0)));
	}
	nat = json_array();
	for (unsigned i = 0; i < c->fw.cur.file.n_nat; i++) {
		const struct fw_rule *r = &c->fw.cur.file.nat[i];

		json_array_append_new(
			nat, json_pack("{s:I, s:I, s:s, s:s}", "number", (json_int_t)i + 1, "line",
				       (json_int_t)r->line, "rule",
				       fw_rule_format(&c->fw.cur.file, r, &env, buf, sizeof(buf)),
				       "action", fw_action_name(r->action)));
	}
	snprintf(g, sizeof(g), "%016llx", (unsigned long long)c->fw.generation);
	reply = json_pack("{s:b, s:b, s:s, s:I, s:s, s:I, s:b, s:o, s:{s:s, s:I, s:I}, s:I}", "ok",
			  1, "active", 1, "generation", g, "version", (json_int_t)c->fw.cur.seq,
			  "source", c->fw.cur.name, "since", (json_int_t)c->fw.since, "in_service",
			  c->hello.rules_generation == c->fw.generation, "rules", rules, "default",
			  "action", fw_action_name(c->fw.cur.file.default_action), "packets",
			  (json_int_t)(cnt ? cnt[c->fw.cur.file.n_rules].pkts : 0), "bytes",
			  (json_int_t)(cnt ? cnt[c->fw.cur.file.n_rules].bytes : 0), "confirm_by",
			  (json_int_t)c->fw.confirm_deadline);
	if (st) {
		json_object_set_new(reply, "flows",
				    json_pack("{s:I, s:I}", "in_use", (json_int_t)st->flows_in_use,
					      "capacity", (json_int_t)st->flows_capacity));
		json_object_set_new(reply, "classifier",
				    json_pack("{s:I, s:I, s:I, s:I}", "entries",
					      (json_int_t)c->fw.n_entries, "tuples",
					      (json_int_t)st->classifier_tuples, "bytes",
					      (json_int_t)st->classifier_bytes, "build_us",
					      (json_int_t)st->build_us));
	}
	json_object_set_new(reply, "nat", nat);
	json_object_set_new(reply, "names", ctrl_fw_names_json(c));
	if (rc == 0)
		dp_msg_free(&m);
	return reply;
}

static json_t *cmd_history(struct ctrl *c)
{
	return json_pack("{s:b, s:o, s:I}", "ok", 1, "history", history_load(c), "current",
			 (json_int_t)(c->fw.have ? c->fw.cur.seq : 0));
}

/* Ask the dataplane for something that answers with a result: NULL when
 * done, else the error reply. */
static json_t *dp_request(struct ctrl *c, uint16_t type, const void *payload, size_t len)
{
	struct dp_msg m;
	int rc = ctrl_dp_call(c, type, 0, payload, len, DP_MSG_RESULT, &m);

	if (rc < 0)
		return err_json("dataplane not reachable");
	rc = ((const struct dp_result *)m.payload)->rc;
	dp_msg_free(&m);
	return rc < 0 ? err_json("dataplane refused the request") : NULL;
}

static json_t *cmd_flush(struct ctrl *c)
{
	json_t *err = dp_request(c, DP_MSG_FLUSH_FLOWS, NULL, 0);

	if (err)
		return err;
	ctrl_log("info", "firewall: every tracked flow flushed");
	return json_pack("{s:b}", "ok", 1);
}

static const char *proto_name(uint8_t p)
{
	return p == 6 ? "tcp" : p == 17 ? "udp" : p == 1 ? "icmp" : "?";
}

static int host_arg(json_t *req, uint32_t *addr, json_t **err)
{
	const char *h = json_string_value(json_object_get(req, "host"));
	struct dp_addr a;

	*addr = 0;
	if (!h)
		return 0;
	if (dp_addr_parse(h, false, true, &a) < 0 || a.family != 4) {
		*err = err_json("bad host: want an inside IPv4 address");
		return -1;
	}
	memcpy(addr, a.addr, 4);
	return 0;
}

/* nat.show [host] [limit]: pools, mapping counts, and the mappings */
static json_t *cmd_nat_show(struct ctrl *c, json_t *req)
{
	struct dp_nat_query q = { .max_list = 10000 };
	json_t *lim = json_object_get(req, "limit"), *err = NULL, *pools, *list, *reply;
	const struct dp_nat_hdr *h;
	const struct dp_nat_pool_info *pi;
	const struct dp_nat_mapping *ml;
	struct dp_msg m;
	int rc;

	if (host_arg(req, &q.addr, &err) < 0)
		return err;
	if (json_is_integer(lim) && json_integer_value(lim) >= 0)
		q.max_list = (uint32_t)json_integer_value(lim);
	rc = ctrl_dp_call(c, DP_MSG_GET_NAT, 0, &q, sizeof(q), DP_MSG_NAT, &m);
	if (rc < 0)
		return err_json("dataplane not reachable");
	if (m.hdr.type != DP_MSG_NAT) {
		dp_msg_free(&m);
		return err_json("dataplane refused the request");
	}
	h = m.payload;
	pi = (const struct dp_nat_pool_info *)(h + 1);
	ml = (const struct dp_nat_mapping *)(pi + h->n_pools);
	pools = json_array();
	for (uint32_t i = 0; i < h->n_pools; i++) {
		char a[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &pi[i].addr, a, sizeof(a));
		json_array_append_new(pools, json_pack("{s:s, s:s, s:I, s:I}", "address", a,
						       "proto", proto_name(pi[i].proto), "in_use",
						       (json_int_t)pi[i].in_use, "size",
						       (json_int_t)pi[i].size));
	}
	list = json_array();
	for (uint32_t i = 0; i < h->n_list; i++) {
		char in[INET_ADDRSTRLEN], pub[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &ml[i].inside, in, sizeof(in));
		inet_ntop(AF_INET, &ml[i].public_, pub, sizeof(pub));
		json_array_append_new(
			list, json_pack("{s:s, s:I, s:s, s:s, s:I, s:s, s:I, s:I}", "inside", in,
					"inside_port", (json_int_t)ml[i].inside_port, "proto",
					proto_name(ml[i].proto), "public", pub, "public_port",
					(json_int_t)ml[i].public_port, "port",
					ml[i].out_port < c->conf.n_ports
						? c->conf.ports[ml[i].out_port].name
						: "?",
					"sessions", (json_int_t)ml[i].sessions, "idle",
					(json_int_t)ml[i].idle));
	}
	reply = json_pack("{s:b, s:I, s:I, s:I, s:I, s:o, s:o, s:{s:I, s:I}}", "ok", 1, "bindings",
			  (json_int_t)h->mappings, "hosts", (json_int_t)h->hosts, "host_limit",
			  (json_int_t)h->host_limit, "binding_bytes", (json_int_t)h->binding_bytes,
			  "pools", pools, "list", list, "flows", "in_use",
			  (json_int_t)h->flows_in_use, "capacity", (json_int_t)h->flows_capacity);
	dp_msg_free(&m);
	return reply;
}

/* nat.flush [host]: the mappings (of one inside host) and their connections */
static json_t *cmd_nat_flush(struct ctrl *c, json_t *req)
{
	struct dp_nat_flush q = { 0 };
	json_t *err = NULL;
	char a[INET_ADDRSTRLEN];

	if (host_arg(req, &q.addr, &err) < 0)
		return err;
	err = dp_request(c, DP_MSG_NAT_FLUSH, &q, sizeof(q));
	if (err)
		return err;
	inet_ntop(AF_INET, &q.addr, a, sizeof(a));
	ctrl_log("info", "nat: mappings flushed (%s)", q.addr ? a : "all hosts");
	return json_pack("{s:b}", "ok", 1);
}

json_t *ctrl_fw_api(struct ctrl *c, const char *cmd, json_t *req)
{
	if (!c->conf.fw_enabled)
		return err_json("the firewall is not configured: add firewall { } to the "
				"configuration (docs/firewall.md)");
	if (strcmp(cmd, "rules.check") == 0)
		return cmd_check(c, req);
	if (strcmp(cmd, "rules.diff") == 0)
		return cmd_diff(c, req);
	if (strcmp(cmd, "rules.push") == 0)
		return cmd_push(c, req);
	if (strcmp(cmd, "rules.confirm") == 0)
		return cmd_confirm(c);
	if (strcmp(cmd, "rules.rollback") == 0)
		return cmd_rollback(c);
	if (strcmp(cmd, "rules.show") == 0)
		return cmd_show(c);
	if (strcmp(cmd, "rules.history") == 0)
		return cmd_history(c);
	if (strcmp(cmd, "flows.flush") == 0)
		return cmd_flush(c);
	if (strcmp(cmd, "nat.show") == 0)
		return cmd_nat_show(c, req);
	if (strcmp(cmd, "nat.flush") == 0)
		return cmd_nat_flush(c, req);
	return NULL;
}
