/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpconn.c - rampart-ctrl's side of the control channel. Requests are
 * synchronous with a timeout: ctrl never waits long on a dataplane that is
 * slow or gone, and never exits because of one. Keeping the dataplane in
 * sync is one idempotent step run on every tick and after every reload:
 * hello, compare generations, push when they differ.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctrl/ctrl.h"

int ctrl_dp_connect(struct ctrl *c)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (c->dp_fd >= 0)
		return 0;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->conf.dp_socket);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	c->dp_fd = fd;
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

int ctrl_dp_call(struct ctrl *c, uint16_t type, uint64_t generation, const void *payload,
		 size_t len, uint16_t want, struct dp_msg *reply)
{
	struct pollfd pfd;
	uint32_t seq;
	int rc;

	rc = ctrl_dp_connect(c);
	if (rc < 0)
		return rc;
	seq = ++c->seq;
	rc = dp_msg_send(c->dp_fd, type, seq, generation, payload, len);
	if (rc < 0)
		goto fail;
	for (;;) {
		pfd = (struct pollfd){.fd = c->dp_fd, .events = POLLIN};
		rc = poll(&pfd, 1, CTRL_DP_TIMEOUT_MS);
		if (rc == 0) {
			rc = -ETIMEDOUT;
			goto fail;
		}
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto fail;
		}
		rc = dp_msg_recv(c->dp_fd, reply);
		if (rc == -EAGAIN)
			continue;
		if (rc < 0)
			goto fail;
		if (reply->hdr.seq != seq) { /* a late answer to a timed-out call */
			dp_msg_free(reply);
			continue;
		}
		break;
	}
	if ((reply->hdr.type != want && reply->hdr.type != DP_MSG_RESULT) ||
	    dp_msg_check_size(reply) < 0) {
		dp_msg_free(reply);
		rc = -EPROTO;
		goto fail;
	}
	return 0;
fail:
	ctrl_dp_disconnect(c);
	return rc;
}

static int push(struct ctrl *c)
{
	struct dp_msg m;
	const struct dp_result *r;
	int rc;

	rc = ctrl_dp_call(c, DP_MSG_NETCFG, c->generation, c->netcfg, c->netcfg_len,
			  DP_MSG_RESULT, &m);
	if (rc < 0)
		return rc;
	r = m.payload;
	rc = r->rc;
	if (rc < 0) {
		snprintf(c->last_error, sizeof(c->last_error), "dataplane refused: %.200s", r->msg);
		c->refused_generation = c->generation;
		ctrl_log("error", "%s", c->last_error);
	} else {
		c->hello.netcfg_generation = c->generation;
		c->last_error[0] = '\0';
		ctrl_log("info", "configuration %016llx in service on the dataplane",
			 (unsigned long long)c->generation);
	}
	dp_msg_free(&m);
	return rc;
}

int ctrl_dp_sync(struct ctrl *c)
{
	struct dp_msg m;
	bool was = c->dp_connected;
	int rc;

	rc = ctrl_dp_call(c, DP_MSG_HELLO, 0, NULL, 0, DP_MSG_HELLO_REPLY, &m);
	if (rc < 0)
		return rc;
	if (m.hdr.type != DP_MSG_HELLO_REPLY) {
		dp_msg_free(&m);
		ctrl_dp_disconnect(c);
		return -EPROTO;
	}
	memcpy(&c->hello, m.payload, sizeof(c->hello));
	dp_msg_free(&m);
	c->dp_connected = true;
	if (!was)
		ctrl_log("info", "dataplane pid %u connected: %u ports, %u workers, generation %016llx",
			 c->hello.pid, c->hello.n_ports, c->hello.n_workers,
			 (unsigned long long)c->hello.netcfg_generation);
	if (c->hello.netcfg_generation != c->generation) {
		if (was && c->refused_generation == c->generation) {
			c->in_sync = false;
			return -EINVAL;
		}
		rc = push(c);
		c->in_sync = rc == 0;
		return rc;
	}
	c->in_sync = true;
	return 0;
}
