/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c - rampart-ctrl: reads rampart.conf, keeps the dataplane in sync with
 * it, configures the exception interface, and serves the local API. One epoll
 * loop: the API socket and its clients, a signalfd (SIGHUP reloads,
 * SIGINT/SIGTERM stop) and a timerfd that re-syncs every resync_interval_ms.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "ctrl/ctrl.h"

void ctrl_log(const char *level, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rampart-ctrl: %s: ", level);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

uint64_t ctrl_fnv1a(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h ? h : 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rampart-ctrl [-c FILE] [--check] [-h]\n"
		"\n"
		"The control daemon of the rampart appliance. It reads the configuration,\n"
		"pushes the network configuration (port addresses, routes, static neighbours)\n"
		"to rampart-dataplane, checks every resync_interval_ms that the dataplane still\n"
		"runs it and re-pushes after either side restarts, gives the exception\n"
		"interface (rampart0) the appliance's addresses, and serves the local API used\n"
		"by the rampart command.\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE  configuration (default /etc/rampart/rampart.conf)\n"
		"  -n, --check        validate FILE whole and exit: 0 when good, 1 with\n"
		"                     \"file:line: message\" when not (like pfctl -n)\n"
		"  -h, --help         this text\n"
		"\n"
		"Signals: SIGHUP reloads the configuration; a configuration with an error is\n"
		"refused whole and the running one stays. SIGINT and SIGTERM stop ctrl; the\n"
		"dataplane keeps forwarding on the configuration it has.\n"
		"\n"
		"Logs go to standard error, one line per event.\n"
		"Exit status: 0 after a clean stop or a good --check, 1 otherwise.\n");
}

static int load(struct ctrl *c, struct ctrl_conf *conf, void **netcfg, size_t *len, char *err,
		size_t errlen)
{
	int rc = ctrl_conf_load(c->conf_path, conf, err, errlen);

	if (rc < 0)
		return rc;
	rc = ctrl_conf_netcfg(conf, netcfg, len);
	if (rc < 0) {
		snprintf(err, errlen, "out of memory");
		ctrl_conf_free(conf);
	}
	return rc;
}

int ctrl_reload(struct ctrl *c, char *err, size_t errlen)
{
	struct ctrl_conf conf, old = c->conf;
	void *netcfg, *old_netcfg = c->netcfg;
	size_t len, old_len = c->netcfg_len;
	uint64_t old_gen = c->generation;
	int rc = load(c, &conf, &netcfg, &len, err, errlen);

	if (rc < 0) {
		ctrl_log("error", "reload refused, running configuration kept: %s", err);
		return rc;
	}
	if (strcmp(conf.dp_socket, old.dp_socket) != 0 ||
	    strcmp(conf.ctrl_socket, old.ctrl_socket) != 0 ||
	    strcmp(conf.punt_iface, old.punt_iface) != 0)
		ctrl_log("warning", "socket and exception-interface changes apply after a restart");
	c->conf = conf;
	snprintf(c->conf.dp_socket, sizeof(c->conf.dp_socket), "%s", old.dp_socket);
	snprintf(c->conf.ctrl_socket, sizeof(c->conf.ctrl_socket), "%s", old.ctrl_socket);
	snprintf(c->conf.punt_iface, sizeof(c->conf.punt_iface), "%s", old.punt_iface);
	c->netcfg = netcfg;
	c->netcfg_len = len;
	c->generation = ctrl_fnv1a(netcfg, len);
	c->refused_generation = 0;
	rc = ctrl_dp_sync(c);
	if (rc < 0 && c->dp_connected) {
		/* the dataplane refused it: keep what it runs, here too */
		snprintf(err, errlen, "%s", c->last_error);
		ctrl_conf_free(&c->conf);
		free(c->netcfg);
		c->conf = old;
		c->netcfg = old_netcfg;
		c->netcfg_len = old_len;
		c->generation = old_gen;
		c->in_sync = c->hello.netcfg_generation == c->generation;
		return -EINVAL;
	}
	ctrl_conf_free(&old);
	free(old_netcfg);
	ctrl_punt_sync(c);
	ctrl_log("info", "configuration %s loaded, generation %016llx%s", c->conf_path,
		 (unsigned long long)c->generation,
		 c->dp_connected ? "" : " (dataplane not connected: pushed when it is)");
	return 0;
}

static void tick(struct ctrl *c)
{
	int rc = ctrl_dp_sync(c);

	if (rc < 0 && !c->dp_connected && c->last_error[0] == '\0') {
		snprintf(c->last_error, sizeof(c->last_error), "dataplane not reachable on %s: %s",
			 c->conf.dp_socket, strerror(-rc));
		ctrl_log("warning", "%s; retrying every %u ms", c->last_error,
			 c->conf.resync_interval_ms);
	}
	if (c->dp_connected && rc == 0)
		c->last_error[0] = '\0';
	ctrl_punt_sync(c);
}

static int run(struct ctrl *c)
{
	struct itimerspec its = {0};
	struct epoll_event ev;
	sigset_t mask;
	int ep, sfd, tfd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || tfd < 0 || ep < 0) {
		ctrl_log("error", "event loop: %s", strerror(errno));
		return 1;
	}
	its.it_value.tv_nsec = 1000000;
	its.it_interval.tv_sec = c->conf.resync_interval_ms / 1000;
	its.it_interval.tv_nsec = (long)(c->conf.resync_interval_ms % 1000) * 1000000;
	timerfd_settime(tfd, 0, &its, NULL);
	ev = (struct epoll_event){.events = EPOLLIN, .data.fd = sfd};
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.fd = tfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
	ev.data.fd = c->api_fd;
	epoll_ctl(ep, EPOLL_CTL_ADD, c->api_fd, &ev);

	for (;;) {
		struct epoll_event evs[16];
		int n = epoll_wait(ep, evs, 16, -1);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == sfd) {
				struct signalfd_siginfo si;
				char err[512];

				if (read(sfd, &si, sizeof(si)) != sizeof(si))
					continue;
				if (si.ssi_signo == SIGHUP) {
					ctrl_reload(c, err, sizeof(err));
					continue;
				}
				ctrl_log("info", "stopping on signal %u", si.ssi_signo);
				unlink(c->conf.ctrl_socket);
				return 0;
			} else if (fd == tfd) {
				uint64_t x;

				if (read(tfd, &x, sizeof(x)) == sizeof(x))
					tick(c);
			} else if (fd == c->api_fd) {
				int cfd = accept4(c->api_fd, NULL, NULL, SOCK_CLOEXEC);

				if (cfd >= 0) {
					ev = (struct epoll_event){.events = EPOLLIN, .data.fd = cfd};
					epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
				}
			} else if ((evs[i].events & (EPOLLHUP | EPOLLERR)) ||
				   ctrl_api_serve(c, fd) < 0) {
				epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
				close(fd);
			}
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ctrl c = {.conf_path = "/etc/rampart/rampart.conf", .dp_fd = -1, .api_fd = -1};
	bool check = false;
	char err[512];
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "c:nh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			c.conf_path = optarg;
			break;
		case 'n':
			check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	if (load(&c, &c.conf, &c.netcfg, &c.netcfg_len, err, sizeof(err)) < 0) {
		fprintf(stderr, "rampart-ctrl: %s\n", err);
		return 1;
	}
	c.generation = ctrl_fnv1a(c.netcfg, c.netcfg_len);
	if (check) {
		printf("%s: configuration OK (%u ports, %u routes, %u neighbours)\n", c.conf_path,
		       c.conf.n_ports, c.conf.n_routes, c.conf.n_neigh);
		return 0;
	}
	c.started = time(NULL);
	rc = ctrl_api_listen(&c);
	if (rc < 0) {
		fprintf(stderr, "rampart-ctrl: API socket %s: %s\n", c.conf.ctrl_socket,
			strerror(-rc));
		return 1;
	}
	ctrl_log("info", "configuration %s, generation %016llx; API on %s", c.conf_path,
		 (unsigned long long)c.generation, c.conf.ctrl_socket);
	rc = run(&c);
	ctrl_dp_disconnect(&c);
	ctrl_conf_free(&c.conf);
	free(c.netcfg);
	return rc;
}
