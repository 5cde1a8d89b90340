/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dns.c - the configured zone files, read with dns_zonefile_load into
 * zones, encoded as one zone set and sent to the dataplane (DP_MSG_ZONES)
 * whenever the one it runs differs. A broken zone file never replaces a
 * good zone: the version read before stays in service.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "ctrl/ctrl.h"
#include "ctrl/dns.h"
#include "dns/msg.h"
#include "dns/zonefile.h"

#include <jansson.h>

static uint64_t fnv64(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h ? h : 1;
}

static void encode_set(struct ctrl *c);

/* Read the configured zones (only the one named only, when not NULL; the
 * others stay as they are). */
static int load(struct ctrl *c, const char *only, char *errors, size_t errlen)
{
	struct ctrl_dns *d = &c->dns;
	struct dns_zone *zones[CTRL_CONF_ZONES_MAX] = { 0 };
	char names[CTRL_CONF_ZONES_MAX][256] = { { 0 } };
	time_t loaded[CTRL_CONF_ZONES_MAX] = { 0 };
	unsigned n = 0;
	size_t used = 0;
	int failed = 0;

	if (errors && errlen)
		errors[0] = '\0';
	for (unsigned i = 0; i < c->conf.n_zones; i++) {
		const struct ctrl_conf_zone *cz = &c->conf.zones[i];
		struct ctrl_dns_zst *st = ctrl_dns_zst(c, cz->name);
		char err[4096];
		struct dns_zone *z = NULL, *old = NULL;
		time_t old_loaded = 0;

		/* the version in service, if any */
		for (unsigned k = 0; k < d->n; k++)
			if (d->zones[k] && strcasecmp(d->names[k], cz->name) == 0) {
				old = d->zones[k];
				old_loaded = d->loaded[k];
				d->zones[k] = NULL;
			}
		snprintf(names[n], sizeof(names[0]), "%s", cz->name);
		if ((only && strcasecmp(only, cz->name) != 0 && old) ||
		    (cz->n_primaries && old && !only)) {
			/* not asked for, or a secondary's transferred copy */
			zones[n] = old;
			loaded[n++] = old_loaded;
			continue;
		}
		if (cz->n_primaries && access(cz->file, F_OK) < 0 && errno == ENOENT) {
			/* a secondary before its first transfer: not an error */
			if (old) {
				zones[n] = old;
				loaded[n++] = old_loaded;
			} else if (st) {
				snprintf(st->status, sizeof(st->status),
					 "waiting for the first transfer from the primary");
			}
			continue;
		}
		if (dns_zonefile_load(cz->name, cz->file, NULL, 0, NULL, &z, err, sizeof(err)) ==
		    0) {
			if (!c->check_only)
				ctrl_dns_changed(c, cz->name, old, z);
			dns_zone_free(old);
			zones[n] = z;
			loaded[n++] = time(NULL);
			if (st)
				st->status[0] = '\0';
			ctrl_log("info", "dns: zone %s loaded from %s: %zu records, serial %u",
				 cz->name, cz->file, dns_zone_records(z), dns_zone_serial(z));
			continue;
		}
		failed++;
		if (st)
			snprintf(st->status, sizeof(st->status), "%.500s", err);
		if (errors && used < errlen)
			used += (size_t)snprintf(errors + used, errlen - used, "%s%s",
						 used ? "\n" : "", err);
		ctrl_log("error", "dns: zone %s refused%s: %s", cz->name,
			 old ? ", the version loaded before stays in service" : ", not served",
			 err);
		if (old) {
			zones[n] = old;
			loaded[n++] = old_loaded;
		}
	}
	/* what the configuration no longer names goes */
	for (unsigned k = 0; k < d->n; k++)
		dns_zone_free(d->zones[k]);
	memset(d->zones, 0, sizeof(d->zones));
	memcpy(d->zones, zones, n * sizeof(zones[0]));
	memcpy(d->names, names, sizeof(names));
	memcpy(d->loaded, loaded, n * sizeof(loaded[0]));
	d->n = n;
	encode_set(c);
	return failed;
}

/* The zone set as the dataplane gets it: the rate limit, then the zones. */
static void encode_set(struct ctrl *c)
{
	struct ctrl_dns *d = &c->dns;

	free(d->wire);
	d->wire = NULL;
	d->wire_len = 0;
	d->generation = 0;
	if (d->n) {
		/* the rate limit in front of the zone set (struct dp_zones_hdr) */
		struct dp_zones_hdr h = { .rrl_rate = c->conf.dns_rate_limit,
					  .rrl_slip = c->conf.dns_slip };
		void *set = NULL;
		size_t len;

		if (dns_zones_encode((const struct dns_zone *const *)d->zones, d->n, &set, &len) ==
			    0 &&
		    (d->wire = malloc(sizeof(h) + len))) {
			memcpy(d->wire, &h, sizeof(h));
			memcpy((uint8_t *)d->wire + sizeof(h), set, len);
			d->wire_len = sizeof(h) + len;
			d->generation = fnv64(d->wire, d->wire_len);
		}
		if (d->n && d->wire == NULL)
			ctrl_log("error", "dns: out of memory encoding the zones");
		free(set);
	}
}

int ctrl_dns_load(struct ctrl *c, char *errors, size_t errlen)
{
	return load(c, NULL, errors, errlen);
}

int ctrl_dns_load_zone(struct ctrl *c, const char *name, char *errors, size_t errlen)
{
	bool known = false;

	for (unsigned i = 0; i < c->conf.n_zones; i++)
		known |= strcasecmp(c->conf.zones[i].name, name) == 0;
	if (!known)
		return -ENOENT;
	return load(c, name, errors, errlen);
}

struct dns_zone *ctrl_dns_zone(struct ctrl *c, const char *name, int *idx)
{
	for (unsigned k = 0; k < c->dns.n; k++)
		if (strcasecmp(c->dns.names[k], name) == 0) {
			if (idx)
				*idx = (int)k;
			return c->dns.zones[k];
		}
	return NULL;
}

const struct ctrl_conf_zone *ctrl_dns_conf_zone(const struct ctrl *c, const char *name)
{
	size_t len = strlen(name);

	if (len > 1 && name[len - 1] == '.')
		len--;
	for (unsigned i = 0; i < c->conf.n_zones; i++)
		if (strlen(c->conf.zones[i].name) == len &&
		    strncasecmp(c->conf.zones[i].name, name, len) == 0)
			return &c->conf.zones[i];
	return NULL;
}

const struct ctrl_conf_zone *ctrl_dns_conf_zone_wire(const struct ctrl *c, const uint8_t *name)
{
	char t[DNS_NAME_MAX * 4];

	return ctrl_dns_conf_zone(c, dns_name_to_text(name, t, sizeof(t)));
}

/* Write zone z over its file: a temporary file beside it, synced, renamed
 * over it; so the file is the old zone or the new one, whole. */
static int save(const struct ctrl *c, const struct ctrl_conf_zone *cz, const struct dns_zone *z)
{
	char tmp[600];
	struct dns_rrlist l;
	time_t now = time(NULL);
	FILE *f;
	int rc;

	if ((rc = dns_rrlist_from_zone(z, &l)) < 0)
		return rc;
	dns_rrlist_sort(&l);
	snprintf(tmp, sizeof(tmp), "%s.rampart-new", cz->file);
	f = fopen(tmp, "w");
	if (!f) {
		rc = -errno;
		dns_rrlist_free(&l);
		return rc;
	}
	fprintf(f, "; zone %s, serial %u, written by rampart-ctrl at %s", cz->name,
		dns_zone_serial(z), ctime(&now));
	if (cz->n_primaries)
		fprintf(f, "; a copy transferred from the zone's primary: changes go there\n");
	else
		fprintf(f, "; dynamic updates are journaled in %.255s/dns/%s.journal\n",
			c->conf.state_dir, cz->name);
	rc = dns_rrlist_print(&l, f);
	dns_rrlist_free(&l);
	if (rc == 0 && (fflush(f) != 0 || fsync(fileno(f)) < 0))
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, cz->file) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

int ctrl_dns_replace(struct ctrl *c, const char *name, struct dns_zone *z, bool save_it)
{
	const struct ctrl_conf_zone *cz = ctrl_dns_conf_zone(c, name);
	struct ctrl_dns *d = &c->dns;
	struct dns_zone *old;
	int idx = -1, rc;

	if (!cz) {
		dns_zone_free(z);
		return -ENOENT;
	}
	if (save_it && (rc = save(c, cz, z)) < 0) {
		ctrl_log("error", "dns: zone %s: cannot write %s: %s; the change is not made",
			 cz->name, cz->file, strerror(-rc));
		dns_zone_free(z);
		return rc;
	}
	old = ctrl_dns_zone(c, cz->name, &idx);
	ctrl_dns_changed(c, cz->name, old, z);
	if (idx < 0) {
		if (d->n == CTRL_CONF_ZONES_MAX) {
			dns_zone_free(z);
			return -ENOSPC;
		}
		idx = (int)d->n++;
		snprintf(d->names[idx], sizeof(d->names[0]), "%s", cz->name);
	}
	dns_zone_free(old);
	d->zones[idx] = z;
	d->loaded[idx] = time(NULL);
	encode_set(c);
	ctrl_dns_sync(c);
	return 0;
}

int ctrl_dns_sync(struct ctrl *c)
{
	struct ctrl_dns *d = &c->dns;
	const struct dp_result *r;
	struct dp_msg m;
	int rc;

	if (!d->generation || !c->dp_connected || c->check_only ||
	    c->hello.zones_generation == d->generation || d->refused == d->generation)
		return 0;
	rc = ctrl_dp_call(c, DP_MSG_ZONES, d->generation, d->wire, d->wire_len, DP_MSG_RESULT, &m);
	if (rc < 0)
		return rc;
	r = m.payload;
	rc = r->rc;
	if (rc < 0) {
		d->refused = d->generation;
		ctrl_log("error", "dns: the dataplane refused the zones: %.*s",
			 (int)strnlen(r->msg, sizeof(r->msg)), r->msg);
	} else {
		c->hello.zones_generation = r->generation;
		ctrl_log("info", "dns: %u zones in service on the dataplane (%016llx)", d->n,
			 (unsigned long long)d->generation);
	}
	dp_msg_free(&m);
	return rc;
}

void ctrl_dns_fini(struct ctrl *c)
{
	for (unsigned i = 0; i < c->dns.n; i++)
		dns_zone_free(c->dns.zones[i]);
	for (unsigned i = 0; i < CTRL_DNS_TCP_CONNS; i++)
		if (c->dns.conns[i]) {
			close(c->dns.conns[i]->fd);
			free(c->dns.conns[i]);
		}
	if (c->dns.tcp_fd >= 0)
		close(c->dns.tcp_fd);
	if (c->dns.udp_fd >= 0)
		close(c->dns.udp_fd);
	if (c->dns.notify_fd >= 0)
		close(c->dns.notify_fd);
	ctrl_dns_xfr_fini(c);
	free(c->dns.wire);
	memset(&c->dns, 0, sizeof(c->dns));
	c->dns.tcp_fd = -1;
	c->dns.udp_fd = c->dns.notify_fd = -1;
}

/* ---- TCP (RFC 7766) ---- */

int ctrl_dns_listen(struct ctrl *c)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(53) };
	int fd, off = 0, on = 1;

	c->dns.tcp_fd = -1;
	if (!c->conf.n_zones)
		return 0;
	ctrl_dns_udp_open(c);
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 128) < 0) {
		ctrl_log("warning", "dns: not answering over TCP: port 53: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	c->dns.tcp_fd = fd;
	ctrl_log("info", "dns: answering over TCP on port 53");
	return 0;
}

void ctrl_dns_accept(struct ctrl *c, int (*watch)(struct ctrl *c, int fd))
{
	int fd = accept4(c->dns.tcp_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	unsigned i;

	if (fd < 0)
		return;
	for (i = 0; i < CTRL_DNS_TCP_CONNS && c->dns.conns[i]; i++)
		;
	if (i == CTRL_DNS_TCP_CONNS || !(c->dns.conns[i] = malloc(sizeof(struct ctrl_dns_conn)))) {
		close(fd); /* full: the client tries again */
		return;
	}
	c->dns.conns[i]->fd = fd;
	c->dns.conns[i]->have = 0;
	c->dns.conns[i]->last = time(NULL);
	if (watch(c, fd) < 0) {
		close(fd);
		free(c->dns.conns[i]);
		c->dns.conns[i] = NULL;
	}
}

static int conn_index(const struct ctrl *c, int fd)
{
	for (int i = 0; i < CTRL_DNS_TCP_CONNS; i++)
		if (c->dns.conns[i] && c->dns.conns[i]->fd == fd)
			return i;
	return -1;
}

bool ctrl_dns_is_conn(const struct ctrl *c, int fd)
{
	return conn_index(c, fd) >= 0;
}

static void conn_close(struct ctrl *c, int i)
{
	close(c->dns.conns[i]->fd);
	free(c->dns.conns[i]);
	c->dns.conns[i] = NULL;
}

/* The peer of a TCP connection, as a dp_addr (IPv4-mapped IPv6 made IPv4). */
bool ctrl_dns_peer_of(int fd, struct dp_addr *a)
{
	struct sockaddr_in6 sa;
	socklen_t sl = sizeof(sa);
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	memset(a, 0, sizeof(*a));
	if (getpeername(fd, (struct sockaddr *)&sa, &sl) < 0 || sa.sin6_family != AF_INET6)
		return false;
	if (memcmp(sa.sin6_addr.s6_addr, mapped, 12) == 0) {
		a->family = 4;
		memcpy(a->addr, sa.sin6_addr.s6_addr + 12, 4);
	} else {
		a->family = 6;
		memcpy(a->addr, sa.sin6_addr.s6_addr, 16);
	}
	return true;
}

/* One message: the answer with its length in front; -1 to close. */
static int answer_one(struct ctrl *c, int fd, const uint8_t *msg, size_t len)
{
	static uint8_t out[2 + 65535];
	struct dns_query q;
	enum dns_verdict v = dns_query_parse(msg, len, &q);
	size_t n = 0;
	uint8_t rcode;

	c->dns.tcp_queries++;
	switch (v) {
	case DNS_DROP:
		return -1;
	case DNS_ANSWER:
		n = dns_answer((const struct dns_zone *const *)c->dns.zones, c->dns.n, &q, out + 2,
			       65535, 65535, 65535, &rcode);
		break;
	case DNS_PUNT:
	case DNS_FORMERR: {
		/* transfers, NOTIFY, UPDATE, signed queries: read whole */
		struct dp_addr peer;
		struct dns_msg m;

		if (!ctrl_dns_peer_of(fd, &peer))
			return -1;
		if (dns_msg_parse(msg, len, &m) == 0 && !(m.flags & DNS_F_QR) &&
		    m.opcode == DNS_OP_QUERY && m.has_question && m.qclass == DNS_CLASS_IN &&
		    (m.qtype == DNS_T_AXFR || m.qtype == DNS_T_IXFR)) {
			int idx = ctrl_dns_transfer_allowed(c, &peer, m.qname);
			int rc;

			if (idx >= 0) {
				rc = ctrl_dns_xfr_out(c, fd, &m, idx);
				dns_msg_free(&m);
				return rc;
			}
			dns_msg_free(&m);
		} else if (m.pkt) {
			dns_msg_free(&m);
		}
		n = ctrl_dns_other(c, &peer, msg, len, out + 2, 65535, true);
		if (n)
			break;
	}
		/* fall through */
	default:
		rcode = v == DNS_FORMERR   ? DNS_RC_FORMERR
			: v == DNS_NOTIMP  ? DNS_RC_NOTIMP
			: v == DNS_BADVERS ? DNS_RC_BADVERS
					   : DNS_RC_REFUSED;
		n = dns_resp_begin(out + 2, 65535, &q, rcode, false);
		if (n && q.edns) {
			size_t o = dns_resp_opt(out + 2, n, 65535, &q, 65535, rcode);

			n = o ? o : n;
		}
	}
	if (!n)
		return -1;
	out[0] = (uint8_t)(n >> 8);
	out[1] = (uint8_t)n;
	/* a client that does not read its answers is dropped, not waited for */
	return send(fd, out, n + 2, MSG_NOSIGNAL) == (ssize_t)(n + 2) ? 0 : -1;
}

int ctrl_dns_serve(struct ctrl *c, int fd)
{
	int i = conn_index(c, fd);
	struct ctrl_dns_conn *k;
	ssize_t r;

	if (i < 0)
		return -1;
	k = c->dns.conns[i];
	r = read(fd, k->buf + k->have, sizeof(k->buf) - k->have);
	if (r <= 0) {
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		conn_close(c, i);
		return -1;
	}
	k->have += (size_t)r;
	k->last = time(NULL);
	/* every whole message in the buffer, in order (pipelining) */
	while (k->have >= 2) {
		size_t len = (size_t)k->buf[0] << 8 | k->buf[1];

		if (k->have < 2 + len)
			break;
		if (answer_one(c, fd, k->buf + 2, len) < 0) {
			conn_close(c, i);
			return -1;
		}
		memmove(k->buf, k->buf + 2 + len, k->have - 2 - len);
		k->have -= 2 + len;
	}
	return 0;
}

void ctrl_dns_tick(struct ctrl *c)
{
	time_t now = time(NULL);

	if (!c->check_only)
		ctrl_dns_xfr_tick(c);

	for (int i = 0; i < CTRL_DNS_TCP_CONNS; i++)
		if (c->dns.conns[i] && now - c->dns.conns[i]->last > CTRL_DNS_TCP_IDLE_S)
			conn_close(c, i);
}

/* ---- the API ---- */

static json_t *err_reply(const char *msg)
{
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static json_t *zones_json(struct ctrl *c)
{
	json_t *zs = json_array();
	const struct dp_zone_counters *cnt = NULL;
	struct dp_msg m = { 0 };
	int rc = -1;

	/* the fast path's counters, when the dataplane runs this very set */
	if (c->dp_connected && c->dns.generation) {
		rc = ctrl_dp_call(c, DP_MSG_GET_DNS_STATS, 0, NULL, 0, DP_MSG_DNS_STATS, &m);
		if (rc == 0 && m.hdr.type == DP_MSG_DNS_STATS &&
		    ((const struct dp_dns_stats *)m.payload)->generation == c->dns.generation &&
		    ((const struct dp_dns_stats *)m.payload)->n_zones == c->dns.n)
			cnt = (const struct dp_zone_counters *)((const struct dp_dns_stats *)
									m.payload +
								1);
	}

	for (unsigned i = 0; i < c->conf.n_zones; i++) {
		const struct ctrl_conf_zone *cz = &c->conf.zones[i];
		const struct dns_zone *z = NULL;
		const char *status = "";
		time_t loaded = 0;
		int idx = -1;
		json_t *o;

		for (unsigned k = 0; k < c->dns.n; k++)
			if (strcasecmp(c->dns.names[k], cz->name) == 0) {
				z = c->dns.zones[k];
				loaded = c->dns.loaded[k];
				idx = (int)k;
			}
		{
			const struct ctrl_dns_zst *st = ctrl_dns_zst(c, cz->name);

			status = st ? st->status : "";
		}
		o = json_pack("{s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:s}", "name", cz->name,
			      "file", cz->file, "role", cz->n_primaries ? "secondary" : "primary",
			      "served", z != NULL, "serial",
			      (json_int_t)(z ? dns_zone_serial(z) : 0), "records",
			      (json_int_t)(z ? dns_zone_records(z) : 0), "names",
			      (json_int_t)(z ? dns_zone_names(z) : 0), "loaded", (json_int_t)loaded,
			      "error", status);
		json_object_update(o, ctrl_dns_xfr_json(c, cz->name));
		if (cnt && idx >= 0)
			json_object_set_new(o, "answers",
					    json_pack("{s:I, s:I, s:I}", "noerror",
						      (json_int_t)cnt[idx].noerror, "nxdomain",
						      (json_int_t)cnt[idx].nxdomain, "other",
						      (json_int_t)cnt[idx].other));
		json_array_append_new(zs, o);
	}
	if (rc == 0)
		dp_msg_free(&m);
	return zs;
}

json_t *ctrl_dns_api(struct ctrl *c, const char *cmd, json_t *req)
{
	char g[17], errors[8192];

	if (strcmp(cmd, "dns.zones") == 0) {
		snprintf(g, sizeof(g), "%016llx", (unsigned long long)c->dns.generation);
		return json_pack(
			"{s:b, s:o, s:s, s:b, s:b, s:I}", "ok", 1, "zones", zones_json(c),
			"generation", g, "in_service",
			c->dns.generation && c->hello.zones_generation == c->dns.generation, "tcp",
			c->dns.tcp_fd >= 0, "tcp_queries", (json_int_t)c->dns.tcp_queries);
	}
	if (strcmp(cmd, "dns.reload") == 0) {
		const char *zone = json_string_value(json_object_get(req, "zone"));
		int failed;

		if (!c->conf.n_zones)
			return err_reply("no zones are configured: add dns { zones = ( ... ) } "
					 "(docs/dns.md)");
		failed = zone ? ctrl_dns_load_zone(c, zone, errors, sizeof(errors))
			      : ctrl_dns_load(c, errors, sizeof(errors));
		if (failed == -ENOENT)
			return err_reply("no such zone in the configuration");
		/* a secondary asks its primaries at the next tick */
		for (unsigned i = 0; i < c->conf.n_zones; i++)
			if (c->conf.zones[i].n_primaries &&
			    (!zone || strcasecmp(zone, c->conf.zones[i].name) == 0)) {
				struct ctrl_dns_zst *st = ctrl_dns_zst(c, c->conf.zones[i].name);

				if (st)
					st->refresh_at = 0;
			}
		ctrl_dns_sync(c);
		if (failed > 0)
			return json_pack("{s:b, s:s, s:o}", "ok", 0, "error", errors, "zones",
					 zones_json(c));
		return json_pack("{s:b, s:o}", "ok", 1, "zones", zones_json(c));
	}
	return NULL;
}
