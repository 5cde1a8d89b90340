/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http.c - ctrl's HTTP server: libmicrohttpd without threads of its own,
 * run from ctrl's event loop through its epoll fd. It reads each request
 * whole (up to caldav.max_body_kb), authenticates it (HTTP Basic: a CalDAV
 * user's password, or "admin" with the admin password for /admin/) and
 * hands it to the CalDAV server. Connections come from the plain HTTP
 * socket (loopback unless configured otherwise) and from the TLS front.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctrl/caldav/caldav.h"
#include "ctrl/ctrl.h"
#include "ctrl/http.h"

struct pending {
	char *body;
	size_t len, cap;
	bool too_big;
};

static const char *header(struct MHD_Connection *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

static enum MHD_Result send_resp(struct MHD_Connection *conn, struct caldav_resp *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ok;

	resp = MHD_create_response_from_buffer(r->body_len, r->body ? r->body : (void *)"",
					       r->body ? MHD_RESPMEM_MUST_FREE
						       : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		caldav_resp_free(r);
		return MHD_NO;
	}
	r->body = NULL; /* libmicrohttpd frees it */
	if (r->content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	for (unsigned i = 0; i < r->n_headers; i++)
		if (strcmp(r->headers[i].name, "Content-Length") != 0)
			MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
	ok = MHD_queue_response(conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ok;
}

static enum MHD_Result refuse(struct MHD_Connection *conn, int status, const char *text)
{
	struct caldav_resp r = { .status = status, .content_type = "text/plain; charset=utf-8" };

	r.body = strdup(text);
	r.body_len = r.body ? strlen(r.body) : 0;
	return send_resp(conn, &r);
}

static void peer(struct MHD_Connection *conn, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(buf, len, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf,
			  (socklen_t)len);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
			  (socklen_t)len);
}

/* A whole request, authenticated: to CalDAV. */
static enum MHD_Result answer(struct ctrl *c, struct MHD_Connection *conn, const char *url,
			      const char *method, struct pending *p)
{
	struct caldav *d = c->http.caldav;
	struct caldav_req req = {
		.method = method,
		.path = url,
		.depth = header(conn, "Depth"),
		.if_match = header(conn, "If-Match"),
		.if_none_match = header(conn, "If-None-Match"),
		.destination = header(conn, "Destination"),
		.overwrite = header(conn, "Overwrite"),
		.content_type = header(conn, MHD_HTTP_HEADER_CONTENT_TYPE),
		.body = p->body,
		.body_len = p->len,
	};
	struct caldav_resp r;
	char *pass = NULL, *user = MHD_basic_auth_get_username_password(conn, &pass);
	enum MHD_Result ok;

	c->http.requests++;
	if (user) {
		if (strcmp(user, "admin") == 0 && strncmp(url, "/admin/", 7) == 0)
			req.admin = caldav_auth_admin(d, pass ? pass : "");
		else if (caldav_auth(d, user, pass ? pass : ""))
			req.user = user;
		if (!req.admin && !req.user) {
			char addr[64];

			peer(conn, addr, sizeof(addr));
			ctrl_log("warning", "caldav: %s %s: bad password for %s from %s", method,
				 url, user, addr);
		}
	}
	if (user && !req.admin && !req.user) {
		struct caldav_resp bad = { .status = 401,
					   .content_type = "text/plain; charset=utf-8" };

		bad.body = strdup("wrong user name or password\n");
		bad.body_len = bad.body ? strlen(bad.body) : 0;
		bad.n_headers = 1;
		bad.headers[0].name = "WWW-Authenticate";
		snprintf(bad.headers[0].value, sizeof(bad.headers[0].value),
			 "Basic realm=\"rampart CalDAV\", charset=\"UTF-8\"");
		ok = send_resp(conn, &bad);
	} else {
		caldav_handle(d, &req, &r);
		ok = send_resp(conn, &r);
	}
	if (pass) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user)
		MHD_free(user);
	return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct ctrl *c = cls;
	struct pending *p = *con_cls;
	size_t max = (size_t)c->conf.caldav.max_body_kb << 10;

	if (!p) {
		const char *cl = header(conn, MHD_HTTP_HEADER_CONTENT_LENGTH);

		p = calloc(1, sizeof(*p));
		if (!p)
			return MHD_NO;
		*con_cls = p;
		if (cl && strtoull(cl, NULL, 10) > max)
			return refuse(conn, 413, "request body too large\n");
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (p->too_big || p->len + n > max) {
			p->too_big = true;
			return MHD_YES;
		}
		if (p->len + n > p->cap) {
			size_t cap = p->cap ? p->cap : 4096;
			char *b;

			while (cap < p->len + n)
				cap *= 2;
			if (!(b = realloc(p->body, cap)))
				return MHD_NO;
			p->body = b;
			p->cap = cap;
		}
		memcpy(p->body + p->len, upload_data, n);
		p->len += n;
		return MHD_YES;
	}
	if (p->too_big)
		return refuse(conn, 413, "request body too large\n");
	return answer(c, conn, url, method, p);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct pending *p = *con_cls;

	if (p) {
		free(p->body);
		free(p);
		*con_cls = NULL;
	}
}

static int listen_on(const char *addr, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	unsigned len;
	int one = 1, fd;

	if (ctrl_conf_sockaddr(addr, &ss, &len) < 0) {
		snprintf(err, errlen, "%s: not ADDR:PORT", addr);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0) {
		snprintf(err, errlen, "listening on %s: %s", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int read_secret(const char *path, char *out, size_t len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f) {
		snprintf(err, errlen, "admin_password_file %s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(out, 1, len - 1, f);
	fclose(f);
	out[n] = '\0';
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	if (n < 12) {
		snprintf(err, errlen,
			 "admin_password_file %s: the password must have at least "
			 "12 characters",
			 path);
		return -1;
	}
	return 0;
}

/* The TLS front hands over a connection's plaintext end. */
static int hand_to_mhd(void *arg, int fd, const struct sockaddr *addr, socklen_t len)
{
	struct ctrl *c = arg;

	if (MHD_add_connection(c->http.mhd, fd, addr, len) != MHD_YES)
		return -1; /* libmicrohttpd closed fd */
	return 0;
}

int ctrl_http_start(struct ctrl *c)
{
	const struct ctrl_conf_caldav *cc = &c->conf.caldav;
	struct caldav_conf dc = { 0 };
	const union MHD_DaemonInfo *info;
	char err[512];

	c->http.http_fd = -1;
	c->http.mhd_epoll_fd = -1;
	if (!cc->enabled)
		return 0;
	c->http.started = true;
	snprintf(dc.data_dir, sizeof(dc.data_dir), "%s", cc->data_dir);
	if (cc->admin_password_file[0] &&
	    read_secret(cc->admin_password_file, dc.admin_password, sizeof(dc.admin_password), err,
			sizeof(err)) < 0)
		goto fail;
	dc.max_body = (size_t)cc->max_body_kb << 10;
	dc.max_object = (size_t)cc->max_object_kb << 10;
	dc.max_objects = cc->max_objects;
	snprintf(dc.git_remote, sizeof(dc.git_remote), "%s", cc->git_remote);
	dc.log = ctrl_log;
	c->http.caldav = caldav_open(&dc, err, sizeof(err));
	explicit_bzero(dc.admin_password, sizeof(dc.admin_password));
	if (!c->http.caldav)
		goto fail;
	if (cc->http[0] && (c->http.http_fd = listen_on(cc->http, err, sizeof(err))) < 0)
		goto fail;
	c->http.mhd = MHD_start_daemon(
		MHD_USE_EPOLL | (c->http.http_fd < 0 ? MHD_USE_NO_LISTEN_SOCKET : 0), 0, NULL, NULL,
		on_request, c, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CTRL_HTTP_TIMEOUT_S,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)CTRL_HTTP_CONNS_MAX,
		c->http.http_fd >= 0 ? MHD_OPTION_LISTEN_SOCKET : MHD_OPTION_END, c->http.http_fd,
		MHD_OPTION_END);
	if (!c->http.mhd) {
		snprintf(err, sizeof(err), "libmicrohttpd did not start");
		goto fail;
	}
	info = MHD_get_daemon_info(c->http.mhd, MHD_DAEMON_INFO_EPOLL_FD);
	c->http.mhd_epoll_fd = info ? info->epoll_fd : -1;
	if (cc->https[0] &&
	    !(c->http.tls = ctrl_tls_open(cc->https, cc->cert, cc->key, -1, err, sizeof(err))))
		goto fail;
	ctrl_log("info", "caldav: serving %s%s%s%s%s, data in %s", cc->http[0] ? "http://" : "",
		 cc->http, cc->http[0] && cc->https[0] ? " and " : "",
		 cc->https[0] ? "https://" : "", cc->https, cc->data_dir);
	return 0;
fail:
	ctrl_log("error", "caldav: %s; CalDAV is off", err);
	ctrl_http_stop(c);
	return -1;
}

void ctrl_http_stop(struct ctrl *c)
{
	if (!c->http.started)
		return;
	if (c->http.tls)
		ctrl_tls_close(c->http.tls);
	if (c->http.mhd)
		MHD_stop_daemon(c->http.mhd);
	if (c->http.http_fd >= 0)
		close(c->http.http_fd);
	caldav_close(c->http.caldav);
	memset(&c->http, 0, sizeof(c->http));
}

unsigned ctrl_http_fds(struct ctrl *c, int fds[3])
{
	unsigned n = 0;

	if (c->http.tls)
		ctrl_tls_set_epoll(c->http.tls, c->epoll_fd);
	if (c->http.mhd_epoll_fd >= 0)
		fds[n++] = c->http.mhd_epoll_fd;
	if (c->http.tls)
		fds[n++] = ctrl_tls_listen_fd(c->http.tls);
	return n;
}

/* Run libmicrohttpd until it has nothing ready (bounded). */
static void run_mhd(struct ctrl *c)
{
	for (unsigned i = 0; i < 64; i++) {
		MHD_UNSIGNED_LONG_LONG t;

		MHD_run(c->http.mhd);
		if (MHD_get_timeout(c->http.mhd, &t) != MHD_YES || t != 0)
			break;
	}
}

bool ctrl_http_event(struct ctrl *c, int fd, uint32_t events)
{
	if (!c->http.mhd)
		return false;
	if (fd == c->http.mhd_epoll_fd) {
		run_mhd(c);
		return true;
	}
	if (c->http.tls && fd == ctrl_tls_listen_fd(c->http.tls)) {
		ctrl_tls_accept(c->http.tls, hand_to_mhd, c);
		run_mhd(c);
		return true;
	}
	if (c->http.tls && ctrl_tls_event(c->http.tls, fd, events)) {
		run_mhd(c);
		return true;
	}
	return false;
}

void ctrl_http_tick(struct ctrl *c)
{
	if (!c->http.mhd)
		return;
	run_mhd(c);
	caldav_flush(c->http.caldav);
	if (c->http.tls)
		ctrl_tls_tick(c->http.tls);
}

static json_t *api_error(const char *fmt, const char *arg)
{
	char buf[600];

	snprintf(buf, sizeof(buf), fmt, arg);
	return json_pack("{s:b,s:s}", "ok", 0, "error", buf);
}

/* caldav.status, caldav.history {path, max}, caldav.revert {commit}. */
json_t *ctrl_http_api(struct ctrl *c, const char *cmd, json_t *req)
{
	struct caldav *d = c->http.caldav;
	char err[512], oid[41];

	if (strcmp(cmd, "caldav.status") != 0 && strcmp(cmd, "caldav.history") != 0 &&
	    strcmp(cmd, "caldav.revert") != 0)
		return NULL;
	if (!d)
		return api_error("%s", c->conf.caldav.enabled
					       ? "CalDAV did not start: see ctrl's log"
					       : "CalDAV is not configured: add caldav { } "
						 "(docs/caldav.md)");
	if (strcmp(cmd, "caldav.status") == 0) {
		struct caldav_stats st;

		caldav_stats(d, &st);
		return json_pack(
			"{s:b,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:i,s:i,s:i,s:i}", "ok", 1,
			"http", c->conf.caldav.http, "https", c->conf.caldav.https, "data_dir",
			c->conf.caldav.data_dir, "requests", (json_int_t)st.requests, "errors_4xx",
			(json_int_t)st.errors_4xx, "errors_5xx", (json_int_t)st.errors_5xx,
			"auth_failed", (json_int_t)st.auth_failed, "commits",
			(json_int_t)st.commits, "bad_xml", (json_int_t)st.bad_xml, "bad_ical",
			(json_int_t)st.bad_ical, "users", (int)st.users, "groups", (int)st.groups,
			"calendars", (int)st.calendars, "objects", (int)st.objects_loaded);
	}
	if (strcmp(cmd, "caldav.history") == 0) {
		const char *path = json_string_value(json_object_get(req, "path"));
		json_int_t max = json_integer_value(json_object_get(req, "max"));
		char *text = caldav_history(d, path ? path : "", max > 0 ? (unsigned)max : 0, err,
					    sizeof(err));
		json_t *list = text ? json_loads(text, 0, NULL) : NULL;

		free(text);
		if (!list)
			return api_error("%s", err);
		return json_pack("{s:b,s:o}", "ok", 1, "history", list);
	}
	const char *commit = json_string_value(json_object_get(req, "commit"));

	if (!commit)
		return api_error("%s", "caldav.revert wants a commit");
	if (caldav_revert(d, commit, oid, err, sizeof(err)) < 0)
		return api_error("%s", err);
	ctrl_log("info", "caldav: %s reverted by the API as %s", commit, oid);
	return json_pack("{s:b,s:s}", "ok", 1, "commit", oid);
}
