/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tls.c - ctrl's TLS front (mbedtls, TLS 1.2 and up, certificate and key
 * from PEM files): it accepts HTTPS connections, does the handshake without
 * blocking ctrl's loop, and carries the plaintext both ways between the TLS
 * connection and one end of a socket pair whose other end an HTTP server
 * (http.c) owns. Each connection has a buffer each way; a side that cannot
 * take more is waited for (EPOLLOUT) rather than read ahead of.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "ctrl/ctrl.h"
#include "ctrl/http.h"

#define TLS_BUF 16384

struct tls_conn {
	int net_fd, app_fd;
	mbedtls_ssl_context ssl;
	bool handshaken, net_eof, app_eof;
	unsigned char up[TLS_BUF]; /* plaintext read from TLS, for the app */
	size_t up_len, up_off;
	unsigned char down[TLS_BUF]; /* plaintext from the app, for TLS */
	size_t down_len, down_off;
	uint32_t net_ev, app_ev; /* what epoll watches now */
	time_t last;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	struct tls_conn *next;
};

struct ctrl_tls {
	int listen_fd, epoll_fd;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt cert;
	mbedtls_pk_context key;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	struct tls_conn *conns;
	unsigned n_conns;
	uint64_t handshakes, handshake_failed;
};

static const char *tls_strerror(int rc, char *buf, size_t len)
{
	mbedtls_strerror(rc, buf, len);
	return buf;
}

static int net_send(void *ctx, const unsigned char *buf, size_t len)
{
	ssize_t n = send(*(int *)ctx, buf, len, MSG_NOSIGNAL);

	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EINTR)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	return MBEDTLS_ERR_NET_SEND_FAILED;
}

static int net_recv(void *ctx, unsigned char *buf, size_t len)
{
	ssize_t n = recv(*(int *)ctx, buf, len, 0);

	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EINTR)
		return MBEDTLS_ERR_SSL_WANT_READ;
	return MBEDTLS_ERR_NET_RECV_FAILED;
}

struct ctrl_tls *ctrl_tls_open(const char *listen_addr, const char *cert, const char *key,
			       int epoll_fd, char *err, size_t errlen)
{
	static const char pers[] = "rampart-ctrl tls front";
	static const char *alpn[] = { "http/1.1", NULL };
	struct ctrl_tls *t = calloc(1, sizeof(*t));
	struct sockaddr_storage ss;
	unsigned len;
	char buf[160];
	int rc, one = 1;

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->listen_fd = -1;
	t->epoll_fd = epoll_fd;
	mbedtls_ssl_config_init(&t->conf);
	mbedtls_x509_crt_init(&t->cert);
	mbedtls_pk_init(&t->key);
	mbedtls_entropy_init(&t->entropy);
	mbedtls_ctr_drbg_init(&t->drbg);
	if ((rc = mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func, &t->entropy,
					(const unsigned char *)pers, sizeof(pers))) != 0) {
		snprintf(err, errlen, "seeding the TLS random generator: %s",
			 tls_strerror(rc, buf, sizeof(buf)));
		goto fail;
	}
	if ((rc = mbedtls_x509_crt_parse_file(&t->cert, cert)) != 0) {
		snprintf(err, errlen, "cert %s: %s", cert, tls_strerror(rc, buf, sizeof(buf)));
		goto fail;
	}
	if ((rc = mbedtls_pk_parse_keyfile(&t->key, key, NULL)) != 0) {
		snprintf(err, errlen, "key %s: %s", key, tls_strerror(rc, buf, sizeof(buf)));
		goto fail;
	}
	if ((rc = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_SERVER,
					      MBEDTLS_SSL_TRANSPORT_STREAM,
					      MBEDTLS_SSL_PRESET_DEFAULT)) != 0 ||
	    (rc = mbedtls_ssl_conf_own_cert(&t->conf, &t->cert, &t->key)) != 0 ||
	    (rc = mbedtls_ssl_conf_alpn_protocols(&t->conf, alpn)) != 0) {
		snprintf(err, errlen, "TLS setup (do cert and key match?): %s",
			 tls_strerror(rc, buf, sizeof(buf)));
		goto fail;
	}
	/* TLS 1.2 at least; 1.3 when the library has it */
	mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
	if (ctrl_conf_sockaddr(listen_addr, &ss, &len) < 0) {
		snprintf(err, errlen, "%s: not ADDR:PORT", listen_addr);
		goto fail;
	}
	t->listen_fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->listen_fd < 0 ||
	    setsockopt(t->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(t->listen_fd, (struct sockaddr *)&ss, len) < 0 || listen(t->listen_fd, 128) < 0) {
		snprintf(err, errlen, "listening on %s: %s", listen_addr, strerror(errno));
		goto fail;
	}
	return t;
fail:
	ctrl_tls_close(t);
	return NULL;
}

static void conn_close(struct ctrl_tls *t, struct tls_conn *k)
{
	for (struct tls_conn **pp = &t->conns; *pp; pp = &(*pp)->next) {
		if (*pp == k) {
			*pp = k->next;
			break;
		}
	}
	if (t->epoll_fd >= 0) {
		epoll_ctl(t->epoll_fd, EPOLL_CTL_DEL, k->net_fd, NULL);
		epoll_ctl(t->epoll_fd, EPOLL_CTL_DEL, k->app_fd, NULL);
	}
	close(k->net_fd);
	close(k->app_fd);
	mbedtls_ssl_free(&k->ssl);
	explicit_bzero(k->up, sizeof(k->up));
	explicit_bzero(k->down, sizeof(k->down));
	free(k);
	t->n_conns--;
}

void ctrl_tls_close(struct ctrl_tls *t)
{
	if (!t)
		return;
	while (t->conns)
		conn_close(t, t->conns);
	if (t->listen_fd >= 0)
		close(t->listen_fd);
	mbedtls_ssl_config_free(&t->conf);
	mbedtls_x509_crt_free(&t->cert);
	mbedtls_pk_free(&t->key);
	mbedtls_ctr_drbg_free(&t->drbg);
	mbedtls_entropy_free(&t->entropy);
	free(t);
}

int ctrl_tls_listen_fd(const struct ctrl_tls *t)
{
	return t->listen_fd;
}

void ctrl_tls_set_epoll(struct ctrl_tls *t, int epoll_fd)
{
	t->epoll_fd = epoll_fd;
}

static void set_events(struct ctrl_tls *t, int fd, uint32_t *cur, uint32_t want)
{
	struct epoll_event ev = { .events = want, .data.fd = fd };

	if (*cur == want)
		return;
	epoll_ctl(t->epoll_fd, EPOLL_CTL_MOD, fd, &ev);
	*cur = want;
}

/* Move what can be moved; -1 when the connection is done. */
static int pump(struct ctrl_tls *t, struct tls_conn *k)
{
	bool net_wants_write = false, app_full = false;
	char buf[160];
	int rc;

	k->last = time(NULL);
	if (!k->handshaken) {
		rc = mbedtls_ssl_handshake(&k->ssl);
		if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
			set_events(t, k->net_fd, &k->net_ev,
				   EPOLLIN | (rc == MBEDTLS_ERR_SSL_WANT_WRITE ? EPOLLOUT : 0));
			return 0;
		}
		if (rc != 0) {
			t->handshake_failed++;
			if (rc != MBEDTLS_ERR_NET_RECV_FAILED && rc != MBEDTLS_ERR_NET_SEND_FAILED)
				ctrl_log("info", "caldav: TLS handshake failed: %s",
					 tls_strerror(rc, buf, sizeof(buf)));
			return -1;
		}
		k->handshaken = true;
		t->handshakes++;
	}
	/* TLS to the app */
	for (;;) {
		if (k->up_off < k->up_len) {
			ssize_t n = send(k->app_fd, k->up + k->up_off, k->up_len - k->up_off,
					 MSG_NOSIGNAL);

			if (n < 0 && errno == EAGAIN) {
				app_full = true;
				break;
			}
			if (n < 0)
				return -1;
			k->up_off += (size_t)n;
			continue;
		}
		if (k->net_eof)
			break;
		rc = mbedtls_ssl_read(&k->ssl, k->up, sizeof(k->up));
		if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
			net_wants_write = rc == MBEDTLS_ERR_SSL_WANT_WRITE;
			break;
		}
		if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
			k->net_eof = true;
			shutdown(k->app_fd, SHUT_WR);
			break;
		}
		if (rc < 0)
			return -1;
		k->up_len = (size_t)rc;
		k->up_off = 0;
	}
	/* the app to TLS */
	for (;;) {
		if (k->down_off < k->down_len) {
			rc = mbedtls_ssl_write(&k->ssl, k->down + k->down_off,
					       k->down_len - k->down_off);
			if (rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ) {
				net_wants_write = true;
				break;
			}
			if (rc < 0)
				return -1;
			k->down_off += (size_t)rc;
			continue;
		}
		if (k->app_eof)
			break;
		ssize_t n = recv(k->app_fd, k->down, sizeof(k->down), 0);

		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			k->app_eof = true;
			break;
		}
		k->down_len = (size_t)n;
		k->down_off = 0;
	}
	if (k->app_eof && k->down_off >= k->down_len) {
		mbedtls_ssl_close_notify(&k->ssl);
		return -1;
	}
	if (k->net_eof && k->up_off >= k->up_len && k->app_eof)
		return -1;
	/* read no more from a side whose data the other cannot take */
	set_events(t, k->net_fd, &k->net_ev,
		   (app_full || k->net_eof ? 0 : EPOLLIN) | (net_wants_write ? EPOLLOUT : 0));
	set_events(t, k->app_fd, &k->app_ev,
		   (net_wants_write || k->app_eof ? 0 : EPOLLIN) | (app_full ? EPOLLOUT : 0));
	return 0;
}

void ctrl_tls_accept(struct ctrl_tls *t,
		     int (*hand)(void *arg, int fd, const struct sockaddr *addr, socklen_t len),
		     void *arg)
{
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int fd = accept4(t->listen_fd, (struct sockaddr *)&peer, &plen,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		int pair[2];
		struct tls_conn *k;
		struct epoll_event ev = { .events = EPOLLIN };

		if (fd < 0)
			return;
		if (t->n_conns >= CTRL_TLS_CONNS_MAX || t->epoll_fd < 0 ||
		    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) < 0) {
			close(fd);
			continue;
		}
		k = calloc(1, sizeof(*k));
		if (!k) {
			close(fd);
			close(pair[0]);
			close(pair[1]);
			continue;
		}
		k->net_fd = fd;
		k->app_fd = pair[0];
		k->peer = peer;
		k->peer_len = plen;
		mbedtls_ssl_init(&k->ssl);
		if (mbedtls_ssl_setup(&k->ssl, &t->conf) != 0) {
			mbedtls_ssl_free(&k->ssl);
			close(fd);
			close(pair[0]);
			close(pair[1]);
			free(k);
			continue;
		}
		mbedtls_ssl_set_bio(&k->ssl, &k->net_fd, net_send, net_recv, NULL);
		k->next = t->conns;
		t->conns = k;
		t->n_conns++;
		ev.data.fd = k->net_fd;
		epoll_ctl(t->epoll_fd, EPOLL_CTL_ADD, k->net_fd, &ev);
		ev.data.fd = k->app_fd;
		epoll_ctl(t->epoll_fd, EPOLL_CTL_ADD, k->app_fd, &ev);
		k->net_ev = k->app_ev = EPOLLIN;
		if (hand(arg, pair[1], (struct sockaddr *)&peer, plen) < 0) {
			conn_close(t, k);
			continue;
		}
		if (pump(t, k) < 0)
			conn_close(t, k);
	}
}

bool ctrl_tls_event(struct ctrl_tls *t, int fd, uint32_t events)
{
	for (struct tls_conn *k = t->conns; k; k = k->next) {
		if (k->net_fd != fd && k->app_fd != fd)
			continue;
		if (pump(t, k) < 0)
			conn_close(t, k);
		return true;
	}
	return false;
}

void ctrl_tls_tick(struct ctrl_tls *t)
{
	time_t now = time(NULL);

	for (struct tls_conn *k = t->conns, *next; k; k = next) {
		next = k->next;
		if (now - k->last > CTRL_TLS_IDLE_S)
			conn_close(t, k);
	}
}
