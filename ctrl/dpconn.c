/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpconn.c - rampart-ctrl's side of the control channel. Requests are
 * synchronous with a deadline: ctrl never waits longer than
 * CTRL_DP_TIMEOUT_MS on a dataplane that is slow or gone, and never exits
 * because of one; any failure drops the connection, and the next tick makes
 * a new one. Keeping the dataplane in sync is one idempotent step run on
 * every tick and after every reload: hello, compare generations, push when
 * they differ.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctrl/ctrl.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ctrl_dp_connect(struct ctrl *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CTRL_DP_TIMEOUT_MS / 1000,
			      .tv_usec = (CTRL_DP_TIMEOUT_MS % 1000) * 1000 };
	int fd, rc;

	if (c->dp_fd >= 0)
		return 0;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->conf.dp_socket);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Bounds connect() on a full backlog and sendmsg() on a full queue:
	 * both block on a Unix socket, and a stuck dataplane must not stick us. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = errno == EINPROGRESS ? -ETIMEDOUT : -errno;
		close(fd);
		return rc;
	}
	c->dp_fd = fd;
	c->n_connects++;
	return 0;
}

void ctrl_dp_disconnect(struct ctrl *c)
{
	if (c->dp_fd >= 0)
		close(c->dp_fd);
	c->dp_fd = -1;
	if (c->dp_connected)
		ctrl_log("warning", "dataplane disconnected; it keeps its last configuration");
	c->dp_connected = false;
	c->in_sync = false;
}

/* Wait for the reply to seq until the deadline; older replies (to calls that
 * timed out) are dropped. */
static int wait_reply(struct ctrl *c, uint32_t seq, int64_t deadline, struct dp_msg *reply)
{
	for (;;) {
		struct pollfd pfd = { .fd = c->dp_fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		int rc;

		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(&pfd, 1, (int)left);
		if (rc == 0)
			return -ETIMEDOUT;
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		rc = dp_msg_recv(c->dp_fd, reply);
		if (rc == -EAGAIN)
			continue;
		if (rc < 0)
			return rc;
		if (reply->hdr.seq == seq)
			return 0;
		dp_msg_free(reply);
	}
}

/* The connection died under us (a restarted dataplane), not the request. */
static bool stale(int rc)
{
	return rc == -EPIPE || rc == -ECONNRESET || rc == -ENOTCONN;
}

int ctrl_dp_call(struct ctrl *c, uint16_t type, uint64_t generation, const void *payload,
		 size_t len, uint16_t want, struct dp_msg *reply)
{
	int64_t deadline = now_ms() + CTRL_DP_TIMEOUT_MS;
	uint32_t seq;
	int rc;

	memset(reply, 0, sizeof(*reply));
	for (int attempt = 0;; attempt++) {
		bool fresh = c->dp_fd < 0;

		rc = ctrl_dp_connect(c);
		if (rc < 0)
			return rc;
		seq = ++c->seq;
		rc = dp_msg_send(c->dp_fd, type, seq, generation, payload, len);
		if (rc == -EAGAIN)
			rc = -ETIMEDOUT; /* SO_SNDTIMEO ran out */
		if (rc == 0)
			rc = wait_reply(c, seq, deadline, reply);
		if (rc == 0)
			break;
		ctrl_dp_disconnect(c);
		/* A connection made before the dataplane restarted fails at
		 * once: one more try on a new one, not a tick later. Every
		 * request is idempotent, so a retry never does harm. */
		if (fresh || attempt > 0 || !stale(rc))
			return rc;
	}
	if ((reply->hdr.type != want && reply->hdr.type != DP_MSG_RESULT) ||
	    dp_msg_check_size(reply) < 0) {
		ctrl_log("error", "dataplane answered message type %u with type %u of %zu bytes",
			 type, reply->hdr.type, reply->len);
		dp_msg_free(reply);
		ctrl_dp_disconnect(c);
		return -EPROTO;
	}
	return 0;
}

static int push(struct ctrl *c)
{
	const struct dp_result *r;
	struct dp_msg m;
	int rc;

	rc = ctrl_dp_call(c, DP_MSG_NETCFG, c->generation, c->netcfg, c->netcfg_len, DP_MSG_RESULT,
			  &m);
	if (rc < 0) {
		snprintf(c->last_error, sizeof(c->last_error), "pushing configuration %016llx: %s",
			 (unsigned long long)c->generation, strerror(-rc));
		ctrl_log("error", "%s", c->last_error);
		return rc;
	}
	r = m.payload;
	rc = r->rc;
	if (rc < 0) {
		snprintf(c->last_error, sizeof(c->last_error),
			 "dataplane refused configuration "
			 "%016llx: %.*s (%s)",
			 (unsigned long long)c->generation, (int)strnlen(r->msg, sizeof(r->msg)),
			 r->msg, strerror(-rc));
		c->refused_generation = c->generation;
		ctrl_log("error", "%s", c->last_error);
	} else {
		c->hello.netcfg_generation = r->generation;
		c->last_error[0] = '\0';
		ctrl_log("info", "dataplane runs configuration %016llx: %.*s",
			 (unsigned long long)c->generation, (int)strnlen(r->msg, sizeof(r->msg)),
			 r->msg);
		if (r->generation != c->generation)
			rc = -EPROTO; /* it said yes but runs something else */
	}
	dp_msg_free(&m);
	return rc;
}

int ctrl_dp_sync(struct ctrl *c)
{
	unsigned connects = c->n_connects;
	bool was = c->dp_connected;
	struct dp_msg m;
	int rc;

	rc = ctrl_dp_call(c, DP_MSG_HELLO, 0, NULL, 0, DP_MSG_HELLO_REPLY, &m);
	if (c->n_connects != connects)
		was = false; /* whoever answers is perhaps another dataplane */
	if (rc < 0) {
		/* logged once per outage, not once per tick */
		if (c->last_error[0] == '\0') {
			snprintf(c->last_error, sizeof(c->last_error),
				 "dataplane not reachable on %s: %s", c->conf.dp_socket,
				 strerror(-rc));
			ctrl_log("warning", "%s; retrying every %u ms", c->last_error,
				 c->conf.resync_interval_ms);
		}
		return rc;
	}
	if (m.hdr.type != DP_MSG_HELLO_REPLY) {
		ctrl_log("error", "dataplane answered hello with a result: %.*s",
			 (int)sizeof(((struct dp_result *)0)->msg),
			 ((const struct dp_result *)m.payload)->msg);
		dp_msg_free(&m);
		ctrl_dp_disconnect(c);
		return -EPROTO;
	}
	memcpy(&c->hello, m.payload, sizeof(c->hello));
	dp_msg_free(&m);
	if (c->hello.version != DP_PROTO_VERSION) {
		ctrl_log("error", "dataplane speaks protocol version %u, we speak %u",
			 c->hello.version, DP_PROTO_VERSION);
		ctrl_dp_disconnect(c);
		return -EPROTO;
	}
	c->dp_connected = true;
	if (!was) {
		/* a new connection (perhaps a new dataplane) gets any generation */
		c->refused_generation = 0;
		c->fw.refused = 0;
		c->dns.refused = 0;
		ctrl_log("info",
			 "dataplane pid %u connected: %u ports, %u workers, generation "
			 "%016llx, up %llus",
			 c->hello.pid, c->hello.n_ports, c->hello.n_workers,
			 (unsigned long long)c->hello.netcfg_generation,
			 (unsigned long long)c->hello.uptime_s);
	}
	if (c->hello.netcfg_generation == c->generation) {
		c->in_sync = true;
		rc = ctrl_fw_sync(c);
		ctrl_dns_sync(c);
		return rc;
	}
	c->in_sync = false;
	if (c->refused_generation == c->generation)
		return -EINVAL; /* refused once: not again until it changes */
	if (was)
		ctrl_log("info", "dataplane runs generation %016llx, ours is %016llx: pushing",
			 (unsigned long long)c->hello.netcfg_generation,
			 (unsigned long long)c->generation);
	rc = push(c);
	c->in_sync = rc == 0;
	if (rc == 0)
		rc = ctrl_fw_sync(c);
	if (c->in_sync)
		ctrl_dns_sync(c);
	return rc;
}
