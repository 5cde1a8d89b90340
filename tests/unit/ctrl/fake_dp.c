/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fake_dp.c - the fake dataplane agent of fake_dp.h: one thread, poll over
 * the listening socket and up to four clients, canned answers. Validates
 * what it receives with the same codec the real agent uses.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/unit/ctrl/fake_dp.h"

#define FAKE_CLIENTS 4

static int reply_result(int fd, const struct dp_msg *m, int rc, const char *msg,
			uint64_t generation)
{
	struct dp_result r = { .rc = rc, .generation = generation };

	snprintf(r.msg, sizeof(r.msg), "%s", msg);
	return dp_msg_send(fd, DP_MSG_RESULT, m->hdr.seq, generation, &r, sizeof(r));
}

static int on_netcfg(struct fake_dp *f, int fd, const struct dp_msg *m)
{
	char err[256];

	atomic_fetch_add(&f->n_netcfg, 1);
	if (dp_netcfg_validate(m->payload, m->len, err, sizeof(err)) < 0) {
		snprintf(f->last_netcfg_err, sizeof(f->last_netcfg_err), "%s", err);
		return reply_result(fd, m, -EINVAL, err, f->generation);
	}
	if (atomic_load(&f->mode) == FAKE_DP_REFUSE)
		return reply_result(fd, m, -EINVAL, "refused by test", f->generation);
	f->generation = m->hdr.generation;
	return reply_result(fd, m, 0, "in service", f->generation);
}

static int on_hello(struct fake_dp *f, int fd, const struct dp_msg *m)
{
	struct dp_hello h = {
		.version = DP_PROTO_VERSION,
		.n_ports = 3,
		.n_workers = 2,
		.pid = 4242,
		.netcfg_generation = f->generation,
		.uptime_s = 3725,
	};

	atomic_fetch_add(&f->n_hello, 1);
	snprintf(h.ports[0], sizeof(h.ports[0]), "lan");
	snprintf(h.ports[1], sizeof(h.ports[1]), "wan");
	snprintf(h.ports[2], sizeof(h.ports[2]), "rampart0");
	return dp_msg_send(fd, DP_MSG_HELLO_REPLY, m->hdr.seq, f->generation, &h, sizeof(h));
}

static int on_ports(struct fake_dp *f, int fd, const struct dp_msg *m)
{
	struct dp_port_info p[2] = {
		{ .name = "lan",
		  .port_id = 0,
		  .mtu = 1500,
		  .mac = { 2, 0, 0, 0, 1, 1 },
		  .link_up = 1,
		  .speed_mbps = 10000,
		  .n_rxq = 2,
		  .n_txq = 2,
		  .n_addrs = 2,
		  .rx_pkts = 100,
		  .tx_pkts = 90,
		  .rx_missed = 1,
		  .rx_nombuf = 2 },
		{ .name = "rampart0",
		  .port_id = 2,
		  .mtu = 1500,
		  .mac = { 2, 0, 0, 0, 0, 0xfe },
		  .is_punt = 1,
		  .n_rxq = 1,
		  .n_txq = 1 },
	};

	snprintf(p[0].devargs, sizeof(p[0].devargs), "net_null0");
	dp_addr_parse("198.18.1.1/24", true, false, &p[0].addrs[0]);
	dp_addr_parse("2001:db8:1::1/64", true, false, &p[0].addrs[1]);
	return dp_msg_send(fd, DP_MSG_PORTS, m->hdr.seq, f->generation, p, sizeof(p));
}

static int on_routes(struct fake_dp *f, int fd, const struct dp_msg *m)
{
	size_t n = 3 + f->n_routes;
	struct dp_route *r = calloc(n, sizeof(*r));
	int rc;

	if (!r)
		return reply_result(fd, m, -ENOMEM, "out of memory", f->generation);
	dp_addr_parse("198.18.1.0/24", true, true, &r[0].dst);
	snprintf(r[0].port, sizeof(r[0].port), "lan");
	r[0].flags = DP_ROUTE_F_CONNECTED;
	dp_addr_parse("198.51.100.0/24", true, true, &r[1].dst);
	dp_addr_parse("198.19.1.2", false, false, &r[1].via);
	snprintf(r[1].port, sizeof(r[1].port), "wan");
	dp_addr_parse("203.0.113.0/24", true, true, &r[2].dst);
	r[2].flags = DP_ROUTE_F_BLACKHOLE;
	for (size_t i = 3; i < n; i++) {
		char s[64];

		snprintf(s, sizeof(s), "2001:db8:%zx:%zx::/64", 0x100 + i / 65536, i % 65536);
		dp_addr_parse(s, true, true, &r[i].dst);
		dp_addr_parse("2001:db8:2::2", false, false, &r[i].via);
		snprintf(r[i].port, sizeof(r[i].port), "wan");
	}
	rc = dp_msg_send(fd, DP_MSG_ROUTES, m->hdr.seq, f->generation, r, n * sizeof(*r));
	free(r);
	return rc;
}

static int on_stats(struct fake_dp *f, int fd, const struct dp_msg *m)
{
	struct {
		struct dp_stats_hdr h;
		struct dp_lcore_stats l[2];
	} s = { .h = { .n_lcores = 2, .n_counters = DP_CNT_MAX, .tsc_hz = 2000000000 } };

	s.l[0].lcore_id = 1;
	s.l[0].counters[DP_CNT_rx_pkts] = 100;
	s.l[0].counters[DP_CNT_busy_cycles] = 5000;
	s.l[0].counters[DP_CNT_drop_no_route] = 7;
	s.l[1].lcore_id = 2;
	s.l[1].counters[DP_CNT_rx_pkts] = 300;
	s.l[1].counters[DP_CNT_busy_cycles] = 15000;
	return dp_msg_send(fd, DP_MSG_STATS, m->hdr.seq, f->generation, &s, sizeof(s));
}

/* One request; a negative return closes the connection. */
static int serve(struct fake_dp *f, int fd)
{
	struct dp_msg m;
	int rc = dp_msg_recv(fd, &m);

	if (rc == -EAGAIN)
		return 0;
	if (rc < 0)
		return rc;
	if (atomic_load(&f->mode) == FAKE_DP_SILENT) {
		dp_msg_free(&m);
		return 0;
	}
	if (dp_msg_check_size(&m) < 0) {
		rc = reply_result(fd, &m, -EBADMSG, "bad message size", f->generation);
		dp_msg_free(&m);
		return rc;
	}
	switch (m.hdr.type) {
	case DP_MSG_HELLO:
		rc = on_hello(f, fd, &m);
		break;
	case DP_MSG_NETCFG:
		rc = on_netcfg(f, fd, &m);
		break;
	case DP_MSG_GET_PORTS:
		rc = on_ports(f, fd, &m);
		break;
	case DP_MSG_GET_ROUTES:
		rc = on_routes(f, fd, &m);
		break;
	case DP_MSG_GET_STATS:
		rc = on_stats(f, fd, &m);
		break;
	default:
		rc = reply_result(fd, &m, -EOPNOTSUPP, "unexpected message type", f->generation);
	}
	dp_msg_free(&m);
	return rc;
}

static void *run(void *arg)
{
	struct fake_dp *f = arg;
	struct pollfd pfd[1 + FAKE_CLIENTS];
	unsigned n = 0;

	pfd[0] = (struct pollfd){ .fd = f->lfd, .events = POLLIN };
	while (!atomic_load(&f->stop)) {
		if (poll(pfd, 1 + n, 20) <= 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			int cfd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);

			if (cfd >= 0 && n < FAKE_CLIENTS)
				pfd[1 + n++] = (struct pollfd){ .fd = cfd, .events = POLLIN };
			else if (cfd >= 0)
				close(cfd);
		}
		for (unsigned i = 1; i <= n; i++) {
			if (!pfd[i].revents)
				continue;
			if ((pfd[i].revents & POLLIN) ? serve(f, pfd[i].fd) < 0 : true) {
				close(pfd[i].fd);
				pfd[i] = pfd[n--];
				i--;
			}
		}
	}
	for (unsigned i = 1; i <= n; i++)
		close(pfd[i].fd);
	return NULL;
}

int fake_dp_start(struct fake_dp *f, const char *path, uint64_t generation)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int rc;

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	f->generation = generation;
	f->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (f->lfd < 0)
		return -errno;
	unlink(path);
	if (bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(f->lfd, 4) < 0) {
		rc = -errno;
		close(f->lfd);
		return rc;
	}
	rc = pthread_create(&f->thread, NULL, run, f);
	if (rc) {
		close(f->lfd);
		return -rc;
	}
	return 0;
}

void fake_dp_stop(struct fake_dp *f)
{
	atomic_store(&f->stop, true);
	pthread_join(f->thread, NULL);
	close(f->lfd);
	unlink(f->path);
}
