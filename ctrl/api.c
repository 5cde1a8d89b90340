/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api.c - the local API of rampart-ctrl, used by the rampart CLI: one JSON
 * request per SOCK_SEQPACKET message, one JSON reply. Queries about ports,
 * routes and counters are answered from the dataplane, asked at that moment.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctrl/ctrl.h"

/* mkdir -p for the socket's directory: /run/rampart does not survive a boot */
static int make_parents(const char *path)
{
	char dir[CTRL_CONF_PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/* True when a live process answers on path: never steal its socket. */
static bool socket_in_use(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	bool used;

	if (fd < 0)
		return false;
	used = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	close(fd);
	return used;
}

int ctrl_api_listen(struct ctrl *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old_umask;
	int fd, rc;

	if (strlen(c->conf.ctrl_socket) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->conf.ctrl_socket);
	rc = make_parents(sa.sun_path);
	if (rc < 0)
		return rc;
	if (socket_in_use(&sa))
		return -EADDRINUSE;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(sa.sun_path); /* stale, from a ctrl that did not stop cleanly */
	/* created 0660 from the start: no window with wider permissions */
	old_umask = umask(0117);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_umask);
	if (rc < 0 || chmod(sa.sun_path, 0660) < 0 || listen(fd, 16) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	c->api_fd = fd;
	return 0;
}

static json_t *error_reply(const char *fmt, const char *arg)
{
	char buf[600];

	snprintf(buf, sizeof(buf), fmt, arg);
	return json_pack("{s:b, s:s}", "ok", 0, "error", buf);
}

static json_t *dp_unreachable(const struct ctrl *c, int rc)
{
	char buf[300];

	snprintf(buf, sizeof(buf), "dataplane not reachable on %s: %s", c->conf.dp_socket,
		 strerror(-rc));
	return json_pack("{s:b, s:s}", "ok", 0, "error", buf);
}

/* The dataplane answered a query with a RESULT: its error. */
static json_t *dp_error(struct dp_msg *m)
{
	const struct dp_result *r = m->payload;
	char buf[300];

	snprintf(buf, sizeof(buf), "dataplane: %.*s (%s)", (int)strnlen(r->msg, sizeof(r->msg)),
		 r->msg, strerror(r->rc < 0 ? -r->rc : EPROTO));
	dp_msg_free(m);
	return json_pack("{s:b, s:s}", "ok", 0, "error", buf);
}

static const char *gen_hex(uint64_t g, char *buf)
{
	snprintf(buf, 17, "%016llx", (unsigned long long)g);
	return buf;
}

static json_t *addr_list(const struct dp_addr *a, unsigned n)
{
	json_t *arr = json_array();
	char buf[64];

	for (unsigned i = 0; i < n; i++)
		json_array_append_new(arr,
				      json_string(dp_addr_format(&a[i], true, buf, sizeof(buf))));
	return arr;
}

static json_t *cmd_status(struct ctrl *c)
{
	char g1[17], g2[17];
	json_t *dp, *fw;

	/* what the dataplane says now, not at the last tick (and a re-sync
	 * when it needs one: the same step as a tick) */
	if (ctrl_dp_sync(c) == 0)
		c->last_error[0] = '\0';
	dp = json_pack("{s:b, s:s}", "connected", c->dp_connected, "socket", c->conf.dp_socket);
	if (c->dp_connected) {
		json_object_set_new(dp, "pid", json_integer(c->hello.pid));
		json_object_set_new(dp, "uptime_s", json_integer((json_int_t)c->hello.uptime_s));
		json_object_set_new(dp, "workers", json_integer(c->hello.n_workers));
		json_object_set_new(dp, "ports", json_integer(c->hello.n_ports));
		json_object_set_new(dp, "generation",
				    json_string(gen_hex(c->hello.netcfg_generation, g1)));
	}
	if (c->dp_connected)
		json_object_set_new(dp, "rules_generation",
				    json_string(gen_hex(c->hello.rules_generation, g1)));
	fw = json_pack("{s:b}", "active", c->fw.have);
	if (c->fw.have) {
		json_object_set_new(fw, "generation", json_string(gen_hex(c->fw.generation, g1)));
		json_object_set_new(fw, "version", json_integer(c->fw.cur.seq));
		json_object_set_new(fw, "rules", json_integer(c->fw.cur.file.n_rules));
		json_object_set_new(fw, "in_service",
				    json_boolean(c->hello.rules_generation == c->fw.generation));
		json_object_set_new(fw, "confirm_by", json_integer(c->fw.confirm_deadline));
	}
	return json_pack("{s:b, s:{s:i, s:I, s:s, s:s}, s:o, s:o, s:b, s:s}", "ok", 1, "ctrl",
			 "pid", (int)getpid(), "uptime_s", (json_int_t)(time(NULL) - c->started),
			 "config", c->conf_path, "generation", gen_hex(c->generation, g2),
			 "dataplane", dp, "firewall", fw, "in_sync", c->in_sync, "last_error",
			 c->last_error);
}

static json_t *cmd_ports(struct ctrl *c)
{
	const struct dp_port_info *p;
	struct dp_msg m;
	json_t *arr;
	int rc = ctrl_dp_call(c, DP_MSG_GET_PORTS, 0, NULL, 0, DP_MSG_PORTS, &m);

	if (rc < 0)
		return dp_unreachable(c, rc);
	if (m.hdr.type != DP_MSG_PORTS)
		return dp_error(&m);
	arr = json_array();
	p = m.payload;
	for (size_t i = 0; i < m.len / sizeof(*p); i++) {
		char mac[18];

		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", p[i].mac[0],
			 p[i].mac[1], p[i].mac[2], p[i].mac[3], p[i].mac[4], p[i].mac[5]);
		json_array_append_new(
			arr,
			json_pack("{s:s%, s:s%, s:i, s:s, s:b, s:b, s:i, s:i, s:i, s:i, s:o, "
				  "s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
				  "name", p[i].name, strnlen(p[i].name, sizeof(p[i].name)),
				  "devargs", p[i].devargs,
				  strnlen(p[i].devargs, sizeof(p[i].devargs)), "port_id",
				  p[i].port_id, "mac", mac, "link_up", p[i].link_up, "exception",
				  p[i].is_punt, "speed_mbps", (int)p[i].speed_mbps, "mtu", p[i].mtu,
				  "rx_queues", p[i].n_rxq, "tx_queues", p[i].n_txq, "addresses",
				  addr_list(p[i].addrs, p[i].n_addrs < DP_PORT_ADDRS_MAX
								? p[i].n_addrs
								: DP_PORT_ADDRS_MAX),
				  "rx_pkts", (json_int_t)p[i].rx_pkts, "tx_pkts",
				  (json_int_t)p[i].tx_pkts, "rx_bytes", (json_int_t)p[i].rx_bytes,
				  "tx_bytes", (json_int_t)p[i].tx_bytes, "rx_missed",
				  (json_int_t)p[i].rx_missed, "rx_errors",
				  (json_int_t)p[i].rx_errors, "tx_errors",
				  (json_int_t)p[i].tx_errors, "rx_nombuf",
				  (json_int_t)p[i].rx_nombuf));
	}
	dp_msg_free(&m);
	return json_pack("{s:b, s:o}", "ok", 1, "ports", arr);
}

static json_t *cmd_routes(struct ctrl *c)
{
	const struct dp_route *r;
	struct dp_msg m;
	json_t *arr;
	int rc = ctrl_dp_call(c, DP_MSG_GET_ROUTES, 0, NULL, 0, DP_MSG_ROUTES, &m);

	if (rc < 0)
		return dp_unreachable(c, rc);
	if (m.hdr.type != DP_MSG_ROUTES)
		return dp_error(&m);
	arr = json_array();
	r = m.payload;
	for (size_t i = 0; i < m.len / sizeof(*r); i++) {
		char dst[64], via[64];
		const char *type = "static";

		if (r[i].flags & DP_ROUTE_F_CONNECTED)
			type = "connected";
		else if (r[i].flags & DP_ROUTE_F_BLACKHOLE)
			type = "blackhole";
		else if (r[i].flags & DP_ROUTE_F_UNREACH)
			type = "unreachable";
		json_array_append_new(
			arr,
			json_pack("{s:s, s:s, s:s%, s:s}", "dst",
				  dp_addr_format(&r[i].dst, true, dst, sizeof(dst)), "via",
				  dp_addr_format(&r[i].via, false, via, sizeof(via)), "port",
				  r[i].port, strnlen(r[i].port, sizeof(r[i].port)), "type", type));
	}
	dp_msg_free(&m);
	return json_pack("{s:b, s:o}", "ok", 1, "routes", arr);
}

static json_t *counters_json(const uint64_t *v)
{
	json_t *o = json_object();

	for (unsigned i = 0; i < DP_CNT_MAX; i++)
		json_object_set_new(o, dp_counter_names[i], json_integer((json_int_t)v[i]));
	return o;
}

static json_t *cmd_stats(struct ctrl *c)
{
	const struct dp_stats_hdr *h;
	const struct dp_lcore_stats *ls;
	uint64_t sum[DP_CNT_MAX] = { 0 };
	struct dp_msg m;
	json_t *lcores, *reply;
	int rc = ctrl_dp_call(c, DP_MSG_GET_STATS, 0, NULL, 0, DP_MSG_STATS, &m);

	if (rc < 0)
		return dp_unreachable(c, rc);
	if (m.hdr.type != DP_MSG_STATS)
		return dp_error(&m);
	h = m.payload;
	ls = (const struct dp_lcore_stats *)(h + 1);
	lcores = json_array();
	for (uint32_t i = 0; i < h->n_lcores; i++) {
		for (unsigned k = 0; k < DP_CNT_MAX; k++)
			sum[k] += ls[i].counters[k];
		json_array_append_new(lcores, json_pack("{s:i, s:o}", "lcore", ls[i].lcore_id,
							"counters", counters_json(ls[i].counters)));
	}
	reply = json_pack("{s:b, s:o, s:o, s:I}", "ok", 1, "totals", counters_json(sum), "lcores",
			  lcores, "tsc_hz", (json_int_t)h->tsc_hz);
	if (sum[DP_CNT_rx_pkts])
		json_object_set_new(
			reply, "cycles_per_packet",
			json_real((double)sum[DP_CNT_busy_cycles] / (double)sum[DP_CNT_rx_pkts]));
	dp_msg_free(&m);
	return reply;
}

static json_t *cmd_reload(struct ctrl *c)
{
	char err[512], g[17];

	if (ctrl_reload(c, err, sizeof(err)) < 0)
		return json_pack("{s:b, s:s}", "ok", 0, "error", err);
	return json_pack("{s:b, s:s, s:b}", "ok", 1, "generation", gen_hex(c->generation, g),
			 "in_sync", c->in_sync);
}

static json_t *handle(struct ctrl *c, const char *buf, size_t len)
{
	const char *cmd = NULL;
	json_error_t jerr;
	json_t *req, *reply;

	req = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req)
		return error_reply("bad request: not JSON: %s", jerr.text);
	if (json_unpack(req, "{s:s}", "cmd", &cmd) < 0)
		reply = error_reply("%s", "bad request: expected {\"cmd\": \"...\"}");
	else if (strcmp(cmd, "status") == 0)
		reply = cmd_status(c);
	else if (strcmp(cmd, "ports") == 0)
		reply = cmd_ports(c);
	else if (strcmp(cmd, "routes") == 0)
		reply = cmd_routes(c);
	else if (strcmp(cmd, "stats") == 0)
		reply = cmd_stats(c);
	else if (strcmp(cmd, "reload") == 0)
		reply = cmd_reload(c);
	else if (strncmp(cmd, "dns.", 4) == 0) {
		reply = ctrl_dns_api(c, cmd, req);
		if (!reply)
			reply = error_reply("unknown command \"%s\"", cmd);
	} else if (strncmp(cmd, "vpn.", 4) == 0) {
		reply = ctrl_vpn_api(c, cmd, req);
		if (!reply)
			reply = error_reply("unknown command \"%s\"", cmd);
	} else if (strncmp(cmd, "caldav.", 7) == 0) {
		reply = ctrl_http_api(c, cmd, req);
		if (!reply)
			reply = error_reply("unknown command \"%s\"", cmd);
	} else if (strncmp(cmd, "tenant.", 7) == 0) {
		reply = ctrl_tenant_api(c, cmd, req);
		if (!reply)
			reply = error_reply("unknown command \"%s\"", cmd);
	} else if (strncmp(cmd, "rules.", 6) == 0 || strncmp(cmd, "flows.", 6) == 0 ||
		   strncmp(cmd, "nat.", 4) == 0) {
		reply = ctrl_fw_api(c, cmd, req);
		if (!reply)
			reply = error_reply("unknown command \"%s\"", cmd);
	} else
		reply = error_reply("unknown command \"%s\"", cmd);
	json_decref(req);
	return reply;
}

char *ctrl_api_request(struct ctrl *c, const char *req, size_t len)
{
	json_t *reply = handle(c, req, len);
	char *out = reply ? json_dumps(reply, JSON_COMPACT) : NULL;

	json_decref(reply);
	return out;
}

/* A SOCK_SEQPACKET message must fit the sender's buffer whole: grow it for
 * big replies (65536 routes). SO_SNDBUFFORCE passes net.core.wmem_max when
 * we may (ctrl runs with CAP_NET_ADMIN for the exception interface). */
static void fit_sndbuf(int fd, size_t len)
{
	int have = 0, want;
	socklen_t sl = sizeof(have);

	if (len > CTRL_API_REPLY_MAX)
		return;
	want = (int)len + 4096;
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &have, &sl) == 0 && have >= want + 512)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
}

static int send_reply(int fd, const char *out, size_t len)
{
	char small[256];

	fit_sndbuf(fd, len);
	if (send(fd, out, len, MSG_NOSIGNAL) == (ssize_t)len)
		return 0;
	if (errno != EMSGSIZE && errno != ENOBUFS)
		return -errno;
	snprintf(small, sizeof(small),
		 "{\"ok\": false, \"error\": \"reply of %zu bytes is too large for the API "
		 "socket (raise net.core.wmem_max)\"}",
		 len);
	return send(fd, small, strlen(small), MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int ctrl_api_serve(struct ctrl *c, int fd)
{
	char buf[CTRL_API_REQ_MAX];
	char *out;
	ssize_t n;
	int rc;

	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
	if (n == 0)
		return -ECONNRESET;
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if ((size_t)n > sizeof(buf))
		out = strdup("{\"ok\": false, \"error\": \"bad request: too long\"}");
	else
		out = ctrl_api_request(c, buf, (size_t)n);
	if (!out)
		return -ENOMEM;
	rc = send_reply(fd, out, strlen(out));
	free(out);
	return rc;
}
