/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctrl.h - rampart-ctrl, the control daemon: its state, the event loop, the
 * client of the dataplane's control socket, the local API served to the
 * rampart CLI, and the kernel side of the exception interface.
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
#include "ctrl/dns.h"
#include "ctrl/fw.h"
#include "ctrl/http.h"
#include "ctrl/tenant.h"
#include "ctrl/vpn.h"
#include "dataplane/dataplane.h"

#define CTRL_API_REQ_MAX    4096	/* a request is one small JSON object */
#define CTRL_API_REPLY_MAX  (64u << 20) /* 65536 routes as JSON fit well */
#define CTRL_DP_TIMEOUT_MS  1000	/* longest ctrl waits on the dataplane per call */
#define CTRL_DEFAULT_SOCKET "/run/rampart/ctrl.sock"

struct ctrl {
	const char *conf_path;
	struct ctrl_conf conf;
	void *netcfg; /* DP_MSG_NETCFG payload built from conf */
	size_t netcfg_len;
	uint64_t generation; /* FNV-1a of netcfg, never 0 */
	time_t started;

	/* the dataplane */
	int dp_fd;
	unsigned n_connects; /* connections made: tells a new one from the old */
	uint32_t seq;
	bool dp_connected;
	bool in_sync;
	struct dp_hello hello;
	char last_error[256];
	uint64_t refused_generation; /* not pushed again until reload or reconnect */

	/* the exception interface's kernel side */
	unsigned punt_ifindex;	  /* configured ifindex, 0: not (yet) configured */
	uint64_t punt_addrs_hash; /* of the addresses it was given */
	bool punt_failed;	  /* last attempt failed, already logged */
	struct dp_addr punt_extra[2]; /* more addresses for it: the VPN server's tunnel ends */
	unsigned n_punt_extra;

	/* the firewall: rules in force, history, host names (fw.c) */
	struct ctrl_fw fw;
	/* authoritative DNS: the zones (dns.c) */
	struct ctrl_dns dns;
	/* HTTP services: CalDAV, behind the TLS front (http.c, tls.c) */
	struct ctrl_http http;
	/* the OpenVPN-compatible server (vpn.c) and client (vpn_client.c) */
	struct ctrl_vpn vpn;
	struct ctrl_vpn_cli vpn_client;
	bool check_only;    /* --check: change nothing, contact nothing */
	int watched_fds[2]; /* the resolver's sockets, once in the event loop */

	/* the event loop */
	int api_fd;
	int epoll_fd;
	int timer_fd;
	unsigned timer_ms; /* interval the timer runs at */
};

/* reload.c: the configuration ctrl runs. */
/* Load path into a fresh c (dataplane and API not yet touched). */
int ctrl_init(struct ctrl *c, const char *path, char *err, size_t errlen);
/* The same for --check: the rule file is parsed and compiled too, but no
 * history is written and no name is looked up. */
int ctrl_init_check(struct ctrl *c, const char *path, char *err, size_t errlen);
void ctrl_fini(struct ctrl *c);
/* Read the file again; on any error log it, copy it to err and keep the
 * running configuration. On success push it (when the dataplane is there). */
int ctrl_reload(struct ctrl *c, char *err, size_t errlen);
/* 64-bit FNV-1a, never 0 (0 is "no configuration" on the dataplane). */
uint64_t ctrl_fnv1a(const void *p, size_t len);

/* log.c: one line per event on stderr, with a level. */
void ctrl_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* loop.c: epoll over the API socket and clients, a signalfd (SIGHUP reloads,
 * SIGINT/SIGTERM stop) and a timerfd (ctrl_tick every resync_interval_ms). */
int ctrl_loop_run(struct ctrl *c);
/* One resync step: hello/push to the dataplane, then the exception interface. */
void ctrl_tick(struct ctrl *c);
/* Re-arm the timer when resync_interval_ms changed (after a reload). */
void ctrl_loop_rearm(struct ctrl *c);

/* dpconn.c: the dataplane client. Calls wait at most CTRL_DP_TIMEOUT_MS. */
int ctrl_dp_connect(struct ctrl *c);
void ctrl_dp_disconnect(struct ctrl *c);
/* Send a request and receive the reply of type want (or DP_MSG_RESULT); the
 * reply's size is checked (dp_msg_check_size). Any failure disconnects. */
int ctrl_dp_call(struct ctrl *c, uint16_t type, uint64_t generation, const void *payload,
		 size_t len, uint16_t want, struct dp_msg *reply);
/* Say hello, push the configuration when the generations differ. */
int ctrl_dp_sync(struct ctrl *c);
/* The network configuration again from the running conf and what the VPN
 * client adds; sent to the dataplane when it changed. 0, or the dataplane's
 * refusal (the one before stays, on both sides). */
int ctrl_netcfg_update(struct ctrl *c);

/* punt.c: give the exception interface the appliance's addresses, link up,
 * ARP/ND off, default routes; idempotent, cheap when nothing changed. */
void ctrl_punt_sync(struct ctrl *c);
/* Another interface ctrl owns (the VPN's TUN): up, its MTU, its addresses. */
int ctrl_iface_setup(const char *name, unsigned mtu, const struct dp_addr *addrs, unsigned n);
/* A route to prefix through interface name (added or removed). */
int ctrl_iface_route(const char *name, const struct dp_addr *prefix, bool add);
/* Pin the way to host as it is now (gateway, interface) in a host route, so
 * that routes through a tunnel do not capture the tunnel's own packets. */
int ctrl_route_pin(const struct dp_addr *host);
int ctrl_route_unpin(const struct dp_addr *host);

/* api.c */
int ctrl_api_listen(struct ctrl *c);
/* Handle one request on fd; a negative return closes it. */
int ctrl_api_serve(struct ctrl *c, int fd);
/* Answer one request (JSON text of len bytes); returns malloc'd JSON text. */
char *ctrl_api_request(struct ctrl *c, const char *req, size_t len);

#endif /* RAMPART_CTRL_H */
