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

/* Read the configured zones (only the one named only, when not NULL; the
 * others stay as they are). */
static int load(struct ctrl *c, const char *only, char *errors, size_t errlen)
{
	struct ctrl_dns *d = &c->dns, next;
	size_t used = 0;
	int failed = 0;

	memset(&next, 0, sizeof(next));
	if (errors && errlen)
		errors[0] = '\0';
	for (unsigned i = 0; i < c->conf.n_zones; i++) {
		const struct ctrl_conf_zone *cz = &c->conf.zones[i];
		char err[4096];
		struct dns_zone *z = NULL, *old = NULL;
		time_t old_loaded = 0;
		unsigned slot = next.n;

		/* the version in service, if any */
		for (unsigned k = 0; k < d->n; k++)
			if (d->zones[k] && strcasecmp(d->names[k], cz->name) == 0) {
				old = d->zones[k];
				old_loaded = d->loaded[k];
				snprintf(next.status[slot], sizeof(next.status[0]), "%s", d->status[k]);
				d->zones[k] = NULL;
			}
		snprintf(next.names[slot], sizeof(next.names[0]), "%s", cz->name);
		if (only && strcasecmp(only, cz->name) != 0 && old) {
			next.zones[next.n] = old;
			next.loaded[next.n++] = old_loaded;
			continue;
		}
		if (dns_zonefile_load(cz->name, cz->file, NULL, 0, NULL, &z, err, sizeof(err)) == 0) {
			dns_zone_free(old);
			next.zones[next.n] = z;
			next.status[slot][0] = '\0';
			next.loaded[next.n++] = time(NULL);
			ctrl_log("info", "dns: zone %s loaded from %s: %zu records, serial %u",
				 cz->name, cz->file, dns_zone_records(z), dns_zone_serial(z));
			continue;
		}
		failed++;
		snprintf(next.status[slot], sizeof(next.status[0]), "%.500s", err);
		if (errors && used < errlen)
			used += (size_t)snprintf(errors + used, errlen - used, "%s%s", used ? "\n" : "",
						 err);
		ctrl_log("error", "dns: zone %s refused%s: %s", cz->name,
			 old ? ", the version loaded before stays in service" : ", not served", err);
		if (old) {
			next.zones[next.n] = old;
			next.loaded[next.n++] = old_loaded;
		}
	}
	/* what the configuration no longer names goes */
	for (unsigned k = 0; k < d->n; k++)
		dns_zone_free(d->zones[k]);
	free(d->wire);
	next.refused = d->refused;
	next.tcp_fd = d->tcp_fd;
	memcpy(next.conns, d->conns, sizeof(next.conns));
	next.tcp_queries = d->tcp_queries;
	*d = next;
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
	return failed;
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
	free(c->dns.wire);
	memset(&c->dns, 0, sizeof(c->dns));
	c->dns.tcp_fd = -1;
}

/* ---- TCP (RFC 7766) ---- */

int ctrl_dns_listen(struct ctrl *c)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(53) };
	int fd, off = 0, on = 1;

	c->dns.tcp_fd = -1;
	if (!c->conf.n_zones)
		return 0;
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
static bool peer_of(int fd, struct dp_addr *a)
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

static bool send_msg(int fd, const uint8_t *m, size_t n)
{
	uint8_t len[2] = { (uint8_t)(n >> 8), (uint8_t)n };

	return send(fd, len, 2, MSG_NOSIGNAL | MSG_MORE) == 2 &&
	       send(fd, m, n, MSG_NOSIGNAL) == (ssize_t)n;
}

/* AXFR (RFC 5936) of zone z to fd: the SOA, every other record, the SOA
 * again, in messages of up to 16 KiB with owner names written out whole.
 * The socket blocks (for at most 5 s a send) while it runs. */
static int axfr(int fd, const struct dns_query *q, const struct dns_zone *z)
{
	static uint8_t m[16384 + 1024];
	const struct dns_zone *zs[1] = { z };
	void *set;
	size_t setlen, len = 0, n_rec = 0;
	struct timeval tv = { .tv_sec = 5 };
	int flags = fcntl(fd, F_GETFL), rc = -1;
	const uint8_t *soa = NULL, *p, *end;
	bool first = true;

	if (dns_zones_encode(zs, 1, &set, &setlen) < 0)
		return -1;
	fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* the set holds one zone: magic, count, apex, record count, records */
	p = (const uint8_t *)set + 8;
	p += 1 + p[0] + 4;
	end = (const uint8_t *)set + setlen;
	for (const uint8_t *r = p; r < end; r += 1 + r[0] + 8 + (r[1 + r[0] + 6] << 8 | r[1 + r[0] + 7]))
		if ((r[1 + r[0]] << 8 | r[2 + r[0]]) == DNS_T_SOA)
			soa = r;
	if (!soa)
		goto out;
	/* pass 0: the SOA; 1: the rest; 2: the SOA again */
	for (int pass = 0; pass < 3; pass++)
		for (const uint8_t *r = pass == 1 ? p : soa; r < end;) {
			size_t olen = r[0], rdlen = (size_t)(r[1 + olen + 6] << 8 | r[1 + olen + 7]);
			size_t need = olen + 10 + rdlen;
			uint16_t type = (uint16_t)(r[1 + olen] << 8 | r[2 + olen]);

			if (pass == 1 && type == DNS_T_SOA) {
				r += 1 + olen + 8 + rdlen;
				continue;
			}
			if (len && len + need > 16384) {
				dns_set_counts(m, (uint16_t)n_rec, 0, 0);
				if (!send_msg(fd, m, len))
					goto out;
				len = 0;
			}
			if (!len) {
				/* a message: the question in the first only */
				struct dns_query nq = *q;

				nq.question_ok = first;
				len = dns_resp_begin(m, sizeof(m), &nq, DNS_RC_NOERROR, true);
				first = false;
				n_rec = 0;
			}
			memcpy(m + len, r + 1, olen);
			m[len + olen] = (uint8_t)(type >> 8);
			m[len + olen + 1] = (uint8_t)type;
			m[len + olen + 2] = 0;
			m[len + olen + 3] = DNS_CLASS_IN;
			memcpy(m + len + olen + 4, r + 1 + olen + 2, 6 + rdlen); /* TTL, RDLENGTH, RDATA */
			len += need;
			n_rec++;
			if (pass != 1)
				break;
			r += 1 + olen + 8 + rdlen;
		}
	dns_set_counts(m, (uint16_t)n_rec, 0, 0);
	rc = send_msg(fd, m, len) ? 0 : -1;
out:
	fcntl(fd, F_SETFL, flags);
	free(set);
	return rc;
}

/* May the peer of fd transfer zone i of the configuration? */
static const struct dns_zone *transfer_allowed(struct ctrl *c, int fd, const struct dns_query *q)
{
	struct dp_addr peer;
	char name[DNS_NAME_MAX * 4];

	if (!peer_of(fd, &peer))
		return NULL;
	dns_name_to_text(q->qname_lc, name, sizeof(name));
	if (name[0] && strcmp(name, ".") != 0)
		name[strlen(name) - 1] = '\0';
	for (unsigned i = 0; i < c->conf.n_zones; i++) {
		const struct ctrl_conf_zone *cz = &c->conf.zones[i];

		if (strcasecmp(cz->name, name) != 0)
			continue;
		for (unsigned k = 0; k < cz->n_transfer; k++)
			if (cz->transfer[k].family == peer.family &&
			    memcmp(cz->transfer[k].addr, peer.addr, peer.family == 4 ? 4 : 16) == 0)
				for (unsigned j = 0; j < c->dns.n; j++)
					if (strcasecmp(c->dns.names[j], cz->name) == 0)
						return c->dns.zones[j];
	}
	return NULL;
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
	if (v == DNS_PUNT && q.opcode == DNS_OP_QUERY && q.qtype == DNS_T_AXFR &&
	    q.qclass == DNS_CLASS_IN) {
		const struct dns_zone *z = transfer_allowed(c, fd, &q);

		if (z) {
			char name[DNS_NAME_MAX * 4];

			ctrl_log("info", "dns: AXFR of %s, serial %u",
				 dns_name_to_text(dns_zone_apex(z), name, sizeof(name)),
				 dns_zone_serial(z));
			return axfr(fd, &q, z);
		}
		v = DNS_PUNT; /* refused below */
	}
	switch (v) {
	case DNS_DROP:
		return -1;
	case DNS_ANSWER:
		n = dns_answer((const struct dns_zone *const *)c->dns.zones, c->dns.n, &q, out + 2,
			       65535, 65535, 65535, &rcode);
		break;
	default:
		/* transfers, NOTIFY and UPDATE are not served yet: refused */
		rcode = v == DNS_FORMERR  ? DNS_RC_FORMERR
			: v == DNS_NOTIMP ? DNS_RC_NOTIMP
			: v == DNS_BADVERS ? DNS_RC_BADVERS
					   : DNS_RC_REFUSED;
		n = dns_resp_begin(out + 2, 65535, &q, rcode, false);
		if (n && q.edns)
			n = dns_resp_opt(out + 2, n, 65535, &q, 65535, rcode) ?: n;
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
			cnt = (const struct dp_zone_counters *)((const struct dp_dns_stats *)m.payload + 1);
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
		for (unsigned k = 0; k < CTRL_CONF_ZONES_MAX && c->dns.names[k][0]; k++)
			if (strcasecmp(c->dns.names[k], cz->name) == 0)
				status = c->dns.status[k];
		o = json_pack("{s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:s}", "name", cz->name, "file",
			      cz->file, "served", z != NULL, "serial",
			      (json_int_t)(z ? dns_zone_serial(z) : 0), "records",
			      (json_int_t)(z ? dns_zone_records(z) : 0), "names",
			      (json_int_t)(z ? dns_zone_names(z) : 0), "loaded", (json_int_t)loaded,
			      "error", status);
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
		return json_pack("{s:b, s:o, s:s, s:b, s:b, s:I}", "ok", 1, "zones", zones_json(c),
				 "generation", g, "in_service",
				 c->dns.generation && c->hello.zones_generation == c->dns.generation,
				 "tcp", c->dns.tcp_fd >= 0, "tcp_queries",
				 (json_int_t)c->dns.tcp_queries);
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
		ctrl_dns_sync(c);
		if (failed > 0)
			return json_pack("{s:b, s:s, s:o}", "ok", 0, "error", errors, "zones",
					 zones_json(c));
		return json_pack("{s:b, s:o}", "ok", 1, "zones", zones_json(c));
	}
	return NULL;
}
