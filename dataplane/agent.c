/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * agent.c - the agent thread (on the main lcore): serves the control socket
 * for rampart-ctrl. It validates every message, builds new runtime
 * configurations off the packet path and publishes them by RCU, and answers
 * status, port, route and counter queries. It never touches packets.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_log.h>

#include "dataplane/dp.h"

#define DP_AGENT_CLIENTS 4

static int listen_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)], *slash;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0600) < 0 ||
	    listen(fd, 4) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

static uint64_t current_generation(void)
{
	struct dp_runtime *rt = atomic_load(&dp.runtime);

	return rt ? rt->generation : 0;
}

static uint64_t rules_generation(void)
{
	struct dp_fw *fw = atomic_load(&dp.fw);

	return fw ? fw->generation : 0;
}

static int reply_result_gen(int fd, uint32_t seq, int rc, const char *msg, uint64_t generation)
{
	struct dp_result r = { .rc = rc, .generation = generation };

	snprintf(r.msg, sizeof(r.msg), "%s", msg);
	return dp_msg_send(fd, DP_MSG_RESULT, seq, r.generation, &r, sizeof(r));
}

static int reply_result(int fd, uint32_t seq, int rc, const char *msg)
{
	struct dp_result r = { .rc = rc, .generation = current_generation() };

	snprintf(r.msg, sizeof(r.msg), "%s", msg);
	return dp_msg_send(fd, DP_MSG_RESULT, seq, r.generation, &r, sizeof(r));
}

static int on_netcfg(int fd, const struct dp_msg *m)
{
	struct dp_runtime *rt;
	char err[200];
	int rc;

	if (m->hdr.generation == 0)
		return reply_result(fd, m->hdr.seq, -EINVAL, "generation 0 is reserved");
	rc = dp_runtime_build(m->payload, m->len, m->hdr.generation, &rt, err, sizeof(err));
	if (rc < 0) {
		RTE_LOG(ERR, USER1, "network configuration refused: %s\n", err);
		return reply_result(fd, m->hdr.seq, rc, err);
	}
	dp_runtime_publish(rt);
	RTE_LOG(INFO, USER1, "network configuration %016llx in service\n",
		(unsigned long long)m->hdr.generation);
	return reply_result(fd, m->hdr.seq, 0, "in service");
}

static int on_rules(int fd, const struct dp_msg *m)
{
	struct dp_fw *fw;
	char err[200], ok[64];
	int rc;

	rc = dp_fw_build(m->payload, m->len, m->hdr.generation, &fw, err, sizeof(err));
	if (rc < 0) {
		RTE_LOG(ERR, USER1, "firewall rules refused: %s\n", err);
		return reply_result_gen(fd, m->hdr.seq, rc, err, rules_generation());
	}
	dp_fw_publish(fw);
	RTE_LOG(INFO, USER1,
		"firewall rules %016llx in service: %u rules, %u entries, built in %llu us\n",
		(unsigned long long)fw->generation, fw->n_rules, fw->view.hdr.n_entries,
		(unsigned long long)fw->build_us);
	snprintf(ok, sizeof(ok), "in service, built in %llu us", (unsigned long long)fw->build_us);
	return reply_result_gen(fd, m->hdr.seq, 0, ok, fw->generation);
}

static uint64_t zones_generation(void)
{
	struct dp_dns *d = atomic_load(&dp.dns); /* the agent is its only writer */

	return d ? d->generation : 0;
}

static uint64_t vpn_generation(void)
{
	struct dp_vpn *v = atomic_load(&dp.vpn); /* the agent is its only writer */

	return v ? v->generation : 0;
}

static uint64_t vpn_client_generation(void)
{
	struct dp_vpn *v = atomic_load(&dp.vpn_cli);

	return v ? v->generation : 0;
}

static int on_vpn(int fd, const struct dp_msg *m)
{
	struct dp_vpn *v;
	char err[300], ok[80];
	int rc;

	rc = dp_vpn_build(m->payload, m->len, m->hdr.generation, &v, err, sizeof(err));
	if (!m->mapped)
		explicit_bzero(m->payload, m->len); /* the keys' copy in the message (a memfd's goes with it) */
	if (rc < 0) {
		RTE_LOG(ERR, USER1, "VPN state refused: %s\n", err);
		return reply_result_gen(fd, m->hdr.seq, rc, err, vpn_generation());
	}
	dp_vpn_publish(v);
	if (v->flags & DP_VPN_F_CLIENT)
		snprintf(ok, sizeof(ok), "in service: the client's tunnel %s",
			 v->n_peers && v->peers[0].tx ? "up"
						      : "down (what is routed into it is dropped)");
	else
		snprintf(ok, sizeof(ok), "in service: %u peers", v->n_peers);
	RTE_LOG(INFO, USER1, "VPN %s %016llx %s\n", v->flags & DP_VPN_F_CLIENT ? "client" : "state",
		(unsigned long long)v->generation, ok);
	return reply_result_gen(fd, m->hdr.seq, 0, ok, v->generation);
}

static int on_vpn_stats(int fd, const struct dp_msg *m)
{
	void *p;
	size_t len;
	int rc = dp_vpn_stats(&p, &len);

	if (rc < 0)
		return reply_result(fd, m->hdr.seq, rc, "out of memory");
	rc = dp_msg_send(fd, DP_MSG_VPN_STATS, m->hdr.seq, vpn_generation(), p, len);
	free(p);
	return rc;
}

static int on_zones(int fd, const struct dp_msg *m)
{
	struct dp_dns *d;
	char err[300], ok[64];
	int rc;

	rc = dp_dns_build(m->payload, m->len, m->hdr.generation, &d, err, sizeof(err));
	if (rc < 0) {
		RTE_LOG(ERR, USER1, "DNS zones refused: %s\n", err);
		return reply_result_gen(fd, m->hdr.seq, rc, err, zones_generation());
	}
	dp_dns_publish(d);
	RTE_LOG(INFO, USER1, "DNS zones %016llx in service: %u zones\n",
		(unsigned long long)d->generation, d->n);
	snprintf(ok, sizeof(ok), "%u zones in service", d->n);
	return reply_result_gen(fd, m->hdr.seq, 0, ok, d->generation);
}

static int on_dns_stats(int fd, const struct dp_msg *m)
{
	void *p;
	size_t len;
	int rc;

	if (dp_dns_stats(&p, &len) < 0)
		return reply_result(fd, m->hdr.seq, -ENOMEM, "out of memory");
	rc = dp_msg_send(fd, DP_MSG_DNS_STATS, m->hdr.seq, zones_generation(), p, len);
	free(p);
	return rc;
}

static int on_rule_stats(int fd, const struct dp_msg *m)
{
	void *p;
	size_t len;
	int rc;

	if (dp_fw_stats(&p, &len) < 0)
		return reply_result(fd, m->hdr.seq, -ENOMEM, "out of memory");
	rc = dp_msg_send(fd, DP_MSG_RULE_STATS, m->hdr.seq, rules_generation(), p, len);
	free(p);
	return rc;
}

static int on_get_nat(int fd, const struct dp_msg *m)
{
	void *p;
	size_t len;
	int rc;

	if (dp_nat_show(m->payload, &p, &len) < 0)
		return reply_result(fd, m->hdr.seq, -ENOMEM, "out of memory");
	rc = dp_msg_send(fd, DP_MSG_NAT, m->hdr.seq, rules_generation(), p, len);
	free(p);
	return rc;
}

static int on_hello(int fd, const struct dp_msg *m)
{
	struct dp_hello h = {
		.version = DP_PROTO_VERSION,
		.n_ports = dp.n_ports,
		.n_workers = dp.n_workers,
		.pid = (uint32_t)getpid(),
		.netcfg_generation = current_generation(),
		.rules_generation = rules_generation(),
		.zones_generation = zones_generation(),
		.vpn_generation = vpn_generation(),
		.vpn_client_generation = vpn_client_generation(),
		.uptime_s = (rte_rdtsc() - dp.start_tsc) / dp.tsc_hz,
	};

	for (unsigned i = 0; i < dp.n_ports && i < DP_MAX_PORTS; i++)
		snprintf(h.ports[i], sizeof(h.ports[i]), "%s", dp.ports[i].name);
	return dp_msg_send(fd, DP_MSG_HELLO_REPLY, m->hdr.seq, h.netcfg_generation, &h, sizeof(h));
}

static int on_get_ports(int fd, const struct dp_msg *m)
{
	struct dp_port_info info[DP_MAX_PORTS + 1];
	struct dp_runtime *rt = atomic_load(&dp.runtime);

	for (unsigned i = 0; i < dp.n_ports; i++)
		dp_port_info(i, &info[i], rt);
	return dp_msg_send(fd, DP_MSG_PORTS, m->hdr.seq, current_generation(), info,
			   dp.n_ports * sizeof(info[0]));
}

static int on_get_routes(int fd, const struct dp_msg *m)
{
	struct dp_runtime *rt = atomic_load(&dp.runtime);
	struct dp_route *r = NULL;
	size_t n = 0;
	int rc;

	/* The agent is the only writer of dp.runtime, so rt stays alive here. */
	if (rt && dp_runtime_routes(rt, &r, &n) < 0)
		return reply_result(fd, m->hdr.seq, -ENOMEM, "out of memory");
	rc = dp_msg_send(fd, DP_MSG_ROUTES, m->hdr.seq, current_generation(), r, n * sizeof(*r));
	free(r);
	return rc;
}

static int on_get_stats(int fd, const struct dp_msg *m)
{
	size_t len = sizeof(struct dp_stats_hdr) + dp.n_workers * sizeof(struct dp_lcore_stats);
	struct dp_stats_hdr *h = calloc(1, len);
	struct dp_lcore_stats *ls;
	int rc;

	if (!h)
		return reply_result(fd, m->hdr.seq, -ENOMEM, "out of memory");
	ls = (struct dp_lcore_stats *)(h + 1);
	h->n_lcores = dp.n_workers;
	h->n_counters = DP_CNT_MAX;
	h->tsc_hz = dp.tsc_hz;
	for (unsigned w = 0; w < dp.n_workers; w++) {
		ls[w].lcore_id = dp.worker_lcores[w];
		memcpy(ls[w].counters, dp.lcores[dp.worker_lcores[w]].cnt, sizeof(ls[w].counters));
	}
	rc = dp_msg_send(fd, DP_MSG_STATS, m->hdr.seq, current_generation(), h, len);
	free(h);
	return rc;
}

/* One request from a client; a negative return closes the connection. */
static int serve(int fd)
{
	struct dp_msg m;
	int rc = dp_msg_recv(fd, &m);

	if (rc == -EAGAIN)
		return 0;
	if (rc < 0) {
		if (rc != -ECONNRESET)
			RTE_LOG(WARNING, USER1, "control message refused: %s\n", strerror(-rc));
		return rc;
	}
	rc = dp_msg_check_size(&m);
	if (rc < 0) {
		RTE_LOG(WARNING, USER1, "control message type %u: bad size %zu\n", m.hdr.type,
			m.len);
		reply_result(fd, m.hdr.seq, rc, "bad message size");
		dp_msg_free(&m);
		return 0;
	}
	switch (m.hdr.type) {
	case DP_MSG_HELLO:
		rc = on_hello(fd, &m);
		break;
	case DP_MSG_NETCFG:
		rc = on_netcfg(fd, &m);
		break;
	case DP_MSG_GET_PORTS:
		rc = on_get_ports(fd, &m);
		break;
	case DP_MSG_GET_ROUTES:
		rc = on_get_routes(fd, &m);
		break;
	case DP_MSG_GET_STATS:
		rc = on_get_stats(fd, &m);
		break;
	case DP_MSG_RULES:
		rc = on_rules(fd, &m);
		break;
	case DP_MSG_GET_RULE_STATS:
		rc = on_rule_stats(fd, &m);
		break;
	case DP_MSG_FLUSH_FLOWS:
		dp_fw_flush_flows();
		rc = reply_result_gen(fd, m.hdr.seq, 0, "flows flushed", rules_generation());
		break;
	case DP_MSG_GET_NAT:
		rc = on_get_nat(fd, &m);
		break;
	case DP_MSG_ZONES:
		rc = on_zones(fd, &m);
		break;
	case DP_MSG_GET_DNS_STATS:
		rc = on_dns_stats(fd, &m);
		break;
	case DP_MSG_VPN:
		rc = on_vpn(fd, &m);
		break;
	case DP_MSG_GET_VPN_STATS:
		rc = on_vpn_stats(fd, &m);
		break;
	case DP_MSG_NAT_FLUSH:
		dp_nat_flush_request(((const struct dp_nat_flush *)m.payload)->addr);
		rc = reply_result_gen(fd, m.hdr.seq, 0, "NAT mappings flushed",
				      rules_generation());
		break;
	default:
		rc = reply_result(fd, m.hdr.seq, -EOPNOTSUPP, "unexpected message type");
		break;
	}
	dp_msg_free(&m);
	return rc;
}

int dp_agent_run(void)
{
	struct pollfd pfd[1 + DP_AGENT_CLIENTS];
	unsigned n_clients = 0;
	int lfd = listen_socket(dp.conf.dp_socket);

	if (lfd < 0) {
		RTE_LOG(ERR, USER1, "control socket %s: %s\n", dp.conf.dp_socket, strerror(-lfd));
		return lfd;
	}
	RTE_LOG(INFO, USER1, "control socket %s ready\n", dp.conf.dp_socket);
	pfd[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
	while (!dp.quit) {
		int n = poll(pfd, 1 + n_clients, 200);

		dp_fw_log_drain();
		if (n <= 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (cfd >= 0 && n_clients < DP_AGENT_CLIENTS)
				pfd[1 + n_clients++] =
					(struct pollfd){ .fd = cfd, .events = POLLIN };
			else if (cfd >= 0)
				close(cfd); /* busy: the client retries */
		}
		for (unsigned i = 1; i <= n_clients; i++) {
			if (!pfd[i].revents)
				continue;
			if ((pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL)) ||
			    serve(pfd[i].fd) < 0) {
				close(pfd[i].fd);
				pfd[i] = pfd[n_clients--];
				i--;
			}
		}
	}
	for (unsigned i = 1; i <= n_clients; i++)
		close(pfd[i].fd);
	close(lfd);
	unlink(dp.conf.dp_socket);
	return 0;
}
