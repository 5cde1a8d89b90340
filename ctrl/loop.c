/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * loop.c - rampart-ctrl's one event loop: epoll over the API socket and its
 * clients, a signalfd (SIGHUP reloads, SIGINT and SIGTERM stop) and a timerfd
 * that runs the resync step every resync_interval_ms. Everything ctrl does
 * happens here, one thing at a time; calls to the dataplane are bounded by
 * CTRL_DP_TIMEOUT_MS, so a hung dataplane slows ctrl down but never stops it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "ctrl/ctrl.h"

void ctrl_tick(struct ctrl *c)
{
	if (ctrl_dp_sync(c) == 0)
		c->last_error[0] = '\0';
	ctrl_punt_sync(c);
	ctrl_fw_tick(c);
	ctrl_dns_tick(c);
	ctrl_http_tick(c);
	ctrl_vpn_tick(c);
	ctrl_vpn_client_tick(c);
	if (!c->check_only)
		ctrl_tenants_tick(c);
}

static int arm(struct ctrl *c, bool now)
{
	unsigned ms = c->conf.resync_interval_ms;
	struct itimerspec its = {
		.it_interval = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 },
	};

	its.it_value = its.it_interval;
	if (now)
		its.it_value = (struct timespec){ .tv_nsec = 1000000 }; /* first tick at once */
	if (timerfd_settime(c->timer_fd, 0, &its, NULL) < 0)
		return -errno;
	c->timer_ms = ms;
	return 0;
}

void ctrl_loop_rearm(struct ctrl *c)
{
	if (c->timer_fd >= 0 && c->timer_ms != c->conf.resync_interval_ms)
		arm(c, false);
}

static int watch(struct ctrl *c, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(c->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* The resolver's sockets exist once a host name is looked up: watch them. */
static void watch_resolver(struct ctrl *c)
{
	int fds[2], n = ctrl_fw_names_fds(c, fds);

	for (int i = 0; i < 2; i++) {
		int want = i < n ? fds[i] : -1;

		if (c->watched_fds[i] == want)
			continue;
		if (c->watched_fds[i] >= 0)
			epoll_ctl(c->epoll_fd, EPOLL_CTL_DEL, c->watched_fds[i], NULL);
		c->watched_fds[i] = want >= 0 && watch(c, want) == 0 ? want : -1;
	}
}

/* Returns 1 to stop, 0 to go on. */
static int on_signal(struct ctrl *c, int sfd)
{
	struct signalfd_siginfo si;
	char err[512];

	if (read(sfd, &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo == SIGHUP) {
		ctrl_log("info", "SIGHUP: reloading %s", c->conf_path);
		ctrl_reload(c, err, sizeof(err));
		return 0;
	}
	ctrl_log("info", "stopping on signal %u; the dataplane keeps its configuration",
		 si.ssi_signo);
	return 1;
}

static void on_accept(struct ctrl *c)
{
	int cfd = accept4(c->api_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (cfd < 0)
		return;
	if (watch(c, cfd) < 0)
		close(cfd);
}

int ctrl_loop_run(struct ctrl *c)
{
	sigset_t mask;
	int sfd = -1, rc = -1;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		goto fail;
	signal(SIGPIPE, SIG_IGN); /* a CLI that went away is not a reason to die */
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	c->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	c->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || c->timer_fd < 0 || c->epoll_fd < 0)
		goto fail;
	if (arm(c, true) < 0 || watch(c, sfd) < 0 || watch(c, c->timer_fd) < 0 ||
	    watch(c, c->api_fd) < 0 || (c->dns.tcp_fd >= 0 && watch(c, c->dns.tcp_fd) < 0) ||
	    (c->dns.udp_fd >= 0 && watch(c, c->dns.udp_fd) < 0) ||
	    (c->dns.notify_fd >= 0 && watch(c, c->dns.notify_fd) < 0))
		goto fail;
	{
		int hfds[3];
		unsigned nh = ctrl_http_fds(c, hfds);

		for (unsigned i = 0; i < nh; i++)
			if (watch(c, hfds[i]) < 0)
				goto fail;
		nh = ctrl_vpn_fds(c, hfds);
		for (unsigned i = 0; i < nh; i++)
			if (watch(c, hfds[i]) < 0)
				goto fail;
		nh = ctrl_vpn_client_fds(c, hfds);
		for (unsigned i = 0; i < nh; i++)
			if (watch(c, hfds[i]) < 0)
				goto fail;
	}

	for (;;) {
		struct epoll_event evs[16];
		int n = epoll_wait(c->epoll_fd, evs, 16, -1);

		if (n < 0 && errno != EINTR)
			goto fail;
		watch_resolver(c);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			uint64_t expirations;

			if (fd == sfd) {
				if (on_signal(c, sfd)) {
					rc = 0;
					goto out;
				}
			} else if (fd == c->timer_fd) {
				if (read(c->timer_fd, &expirations, sizeof(expirations)) > 0)
					ctrl_tick(c);
			} else if (fd == c->api_fd) {
				on_accept(c);
			} else if (fd == c->watched_fds[0] || fd == c->watched_fds[1]) {
				ctrl_fw_names_readable(c);
			} else if (c->dns.udp_fd >= 0 && fd == c->dns.udp_fd) {
				ctrl_dns_udp(c);
			} else if (c->dns.notify_fd >= 0 && fd == c->dns.notify_fd) {
				ctrl_dns_notify_answers(c);
			} else if (c->dns.tcp_fd >= 0 && fd == c->dns.tcp_fd) {
				ctrl_dns_accept(c, watch);
			} else if (ctrl_vpn_event(c, fd, evs[i].events) ||
				   ctrl_vpn_client_event(c, fd, evs[i].events)) {
				/* the VPN's socket or TUN */
			} else if (ctrl_http_event(c, fd, evs[i].events)) {
				/* CalDAV, its TLS front */
			} else if (ctrl_dns_is_conn(c, fd)) {
				if (ctrl_dns_serve(c, fd) < 0)
					epoll_ctl(c->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
			} else if ((evs[i].events & EPOLLIN) ? ctrl_api_serve(c, fd) < 0 : true) {
				/* a client's hangup or error, after its last request */
				epoll_ctl(c->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
				close(fd);
			}
		}
	}
fail:
	ctrl_log("error", "event loop: %s", strerror(errno));
out:
	if (sfd >= 0)
		close(sfd);
	return rc;
}
