/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http.h - ctrl's HTTP services (docs/caldav.md): libmicrohttpd run from
 * ctrl's event loop (http.c) answers plain HTTP on a loopback socket and
 * whatever the TLS front (tls.c, mbedtls) hands it: the TLS front accepts
 * HTTPS connections, does the handshake and carries the plaintext to
 * libmicrohttpd over a socket pair, so any HTTP service of ctrl sits behind
 * it. The one service today is CalDAV (ctrl/caldav/).
 */
#ifndef RAMPART_CTRL_HTTP_H
#define RAMPART_CTRL_HTTP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define CTRL_TLS_CONNS_MAX  256 /* HTTPS connections at once */
#define CTRL_TLS_IDLE_S	    60	/* an HTTPS connection idle this long is closed */
#define CTRL_HTTP_TIMEOUT_S 60	/* libmicrohttpd's idle timeout */
#define CTRL_HTTP_CONNS_MAX 512

struct ctrl;
struct ctrl_tls;
struct caldav;

struct ctrl_http {
	struct MHD_Daemon *mhd;
	int mhd_epoll_fd; /* libmicrohttpd's epoll, watched by ctrl's */
	int http_fd;	  /* the plain HTTP socket, -1: none */
	struct ctrl_tls *tls;
	struct caldav *caldav;
	bool started; /* ctrl_http_start ran: the fds above are set */
	uint64_t requests;
};

/* Open the CalDAV data and the sockets of conf.caldav; 0 when there is no
 * caldav section. Errors are logged and returned (ctrl then runs without). */
int ctrl_http_start(struct ctrl *c);
void ctrl_http_stop(struct ctrl *c);
/* The fds for ctrl's epoll (up to 3): libmicrohttpd's epoll, the TLS
 * listening socket. Called once ctrl's epoll exists: the TLS front adds its
 * connections to it. */
unsigned ctrl_http_fds(struct ctrl *c, int fds[3]);
/* fd is one of the HTTP services' (also a TLS connection's): handle it. */
bool ctrl_http_event(struct ctrl *c, int fd, uint32_t events);
/* From ctrl_tick: libmicrohttpd's timeouts, idle TLS connections. */
void ctrl_http_tick(struct ctrl *c);

/* The API's caldav.* commands (rampart caldav); NULL: not one of them. */
struct json_t;
struct json_t *ctrl_http_api(struct ctrl *c, const char *cmd, struct json_t *req);

/* tls.c: the TLS front. */
struct ctrl_tls *ctrl_tls_open(const char *listen, const char *cert, const char *key, int epoll_fd,
			       char *err, size_t errlen);
void ctrl_tls_close(struct ctrl_tls *t);
int ctrl_tls_listen_fd(const struct ctrl_tls *t);
void ctrl_tls_set_epoll(struct ctrl_tls *t, int epoll_fd);
/* Accept on the listening socket; each connection's plaintext end goes to
 * hand(arg, fd, addr, len), which owns it from then on. */
void ctrl_tls_accept(struct ctrl_tls *t,
		     int (*hand)(void *arg, int fd, const struct sockaddr *addr, socklen_t len),
		     void *arg);
/* fd is a TLS connection's: move its data; false when it is not one. */
bool ctrl_tls_event(struct ctrl_tls *t, int fd, uint32_t events);
void ctrl_tls_tick(struct ctrl_tls *t);

#endif /* RAMPART_CTRL_HTTP_H */
