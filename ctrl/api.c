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

int ctrl_api_listen(struct ctrl *c)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[sizeof(sa.sun_path)], *slash;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->conf.ctrl_socket);
	snprintf(dir, sizeof(dir), "%s", c->conf.ctrl_socket);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(sa.sun_path, 0660) < 0 ||
	    listen(fd, 16) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	c->api_fd = fd;
	return 0;
}

static json_t *error_reply(const char *fmt, const char *arg)
{
	char buf[512];

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
		json_array_append_new(arr, json_string(dp_addr_format(&a[i], true, buf, sizeof(buf))));
	return arr;
}

static json_t *cmd_status(struct ctrl *c)
{
	char g1[17], g2[17];
	json_t *dp;

	/* refresh what we know of the dataplane (and re-sync it if needed) */
	if (c->dp_connected || ctrl_dp_connect(c) == 0)
		ctrl_dp_sync(c);
	dp = json_pack("{s:b, s:s}", "connected", c->dp_connected, "socket", c->conf.dp_socket);
	if (c->dp_connected) {
		json_object_set_new(dp, "pid", json_integer(c->hello.pid));
		json_object_set_new(dp, "uptime_s", json_integer((json_int_t)c->hello.uptime_s));
		json_object_set_new(dp, "workers", json_integer(c->hello.n_workers));
		json_object_set_new(dp, "ports", json_integer(c->hello.n_ports));
		json_object_set_new(dp, "generation",
				    json_string(gen_hex(c->hello.netcfg_generation, g1)));
	}
	return json_pack("{s:b, s:{s:i, s:I, s:s, s:s}, s:o, s:b, s:s}", "ok", 1, "ctrl", "pid",
			 (int)getpid(), "uptime_s", (json_int_t)(time(NULL) - c->started),
			 "config", c->conf_path, "generation", gen_hex(c->generation, g2),
			 "dataplane", dp, "in_sync", c->in_sync, "last_error", c->last_error);
}

static json_t *cmd_ports(struct ctrl *c)
{
	const struct dp_port_info *p;
	struct dp_msg m;
	json_t *arr;
	int rc = ctrl_dp_call(c, DP_MSG_GET_PORTS, 0, NULL, 0, DP_MSG_PORTS, &m);

	if (rc < 0)
		return dp_unreachable(c, rc);
	arr = json_array();
	p = m.payload;
	for (size_t i = 0; m.hdr.type == DP_MSG_PORTS && i < m.len / sizeof(*p); i++) {
		char mac[18];

		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", p[i].mac[0],
			 p[i].mac[1], p[i].mac[2], p[i].mac[3], p[i].mac[4], p[i].mac[5]);
		json_array_append_new(
			arr,
			json_pack("{s:s%, s:s%, s:i, s:s, s:b, s:b, s:i, s:i, s:i, s:i, s:o, "
				  "s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
				  "name", p[i].name, strnlen(p[i].name, sizeof(p[i].name)), "devargs",
				  p[i].devargs, strnlen(p[i].devargs, sizeof(p[i].devargs)),
				  "port_id", p[i].port_id, "mac", mac, "link_up", p[i].link_up,
				  "exception", p[i].is_punt, "speed_mbps", (int)p[i].speed_mbps,
				  "mtu", p[i].mtu, "rx_queues", p[i].n_rxq, "tx_queues", p[i].n_txq,
				  "addresses",
				  addr_list(p[i].addrs, p[i].n_addrs < DP_PORT_ADDRS_MAX
								? p[i].n_addrs
								: DP_PORT_ADDRS_MAX),
				  "rx_pkts", (json_int_t)p[i].rx_pkts, "tx_pkts",
				  (json_int_t)p[i].tx_pkts, "rx_bytes", (json_int_t)p[i].rx_bytes,
				  "tx_bytes", (json_int_t)p[i].tx_bytes, "rx_missed",
				  (json_int_t)p[i].rx_missed, "rx_errors", (json_int_t)p[i].rx_errors,
				  "tx_errors", (json_int_t)p[i].tx_errors, "rx_nombuf",
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
	arr = json_array();
	r = m.payload;
	for (size_t i = 0; m.hdr.type == DP_MSG_ROUTES && i < m.len / sizeof(*r); i++) {
		char dst[64], via[64];
		const char *type = "static";

		if (r[i].flags & DP_ROUTE_F_CONNECTED)
			type = "connected";
		else if (r[i].flags & DP_ROUTE_F_BLACKHOLE)
			type = "blackhole";
		else if (r[i].flags & DP_ROUTE_F_UNREACH)
			type = "unreachable";
		json_array_append_new(
			arr, json_pack("{s:s, s:s, s:s%, s:s}", "dst",
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
	uint64_t sum[DP_CNT_MAX] = {0};
	struct dp_msg m;
	json_t *lcores, *reply;
	int rc = ctrl_dp_call(c, DP_MSG_GET_STATS, 0, NULL, 0, DP_MSG_STATS, &m);

	if (rc < 0)
		return dp_unreachable(c, rc);
	if (m.hdr.type != DP_MSG_STATS) {
		dp_msg_free(&m);
		return error_reply("%s", "dataplane returned no counters");
	}
	h = m.payload;
	ls = (const struct dp_lcore_stats *)(h + 1);
	lcores = json_array();
	for (uint32_t i = 0; i < h->n_lcores; i++) {
		for (unsigned k = 0; k < DP_CNT_MAX; k++)
			sum[k] += ls[i].counters[k];
		json_array_append_new(lcores, json_pack("{s:i, s:o}", "lcore", ls[i].lcore_id,
							"counters", counters_json(ls[i].counters)));
	}
	reply = json_pack("{s:b, s:o, s:o, s:I}", "ok", 1, "totals", counters_json(sum),
			  "lcores", lcores, "tsc_hz", (json_int_t)h->tsc_hz);
	if (sum[DP_CNT_rx_pkts])
		json_object_set_new(reply, "cycles_per_packet",
				    json_real((double)sum[DP_CNT_busy_cycles] /
					      (double)sum[DP_CNT_rx_pkts]));
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

int ctrl_api_serve(struct ctrl *c, int fd)
{
	char *buf = malloc(CTRL_API_MSG_MAX + 1), *out;
	json_t *req = NULL, *reply;
	json_error_t jerr;
	const char *cmd = NULL;
	ssize_t n;
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	n = recv(fd, buf, CTRL_API_MSG_MAX, MSG_DONTWAIT);
	if (n <= 0) {
		free(buf);
		return n == 0 ? -ECONNRESET : (errno == EAGAIN ? 0 : -errno);
	}
	buf[n] = '\0';
	req = json_loads(buf, 0, &jerr);
	if (!req || json_unpack(req, "{s:s}", "cmd", &cmd) < 0)
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
	else
		reply = error_reply("unknown command \"%s\"", cmd);
	out = json_dumps(reply, JSON_COMPACT);
	if (out && send(fd, out, strlen(out), MSG_NOSIGNAL) < 0)
		rc = -errno;
	free(out);
	json_decref(reply);
	json_decref(req);
	free(buf);
	return rc;
}
