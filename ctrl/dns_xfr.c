/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dns_xfr.c - zones moving between servers: the changes kept per zone
 * (IXFR out, RFC 1995), AXFR out (RFC 5936), NOTIFY sent on every change
 * and answered (RFC 1996), a secondary zone kept up to date from its
 * primaries (SOA query, then IXFR or AXFR in, on NOTIFY and on the SOA's
 * refresh timer), and the UDP socket on port 53 that receives what the fast
 * path hands on (NOTIFY, UPDATE, IXFR over UDP).
 *
 * Transfers in run in ctrl's loop with short timeouts (1 s to connect or
 * for the SOA, 5 s per read, 30 s in all): while one runs, the API waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <jansson.h>

#include "ctrl/ctrl.h"
#include "ctrl/dns.h"
#include "dns/msg.h"

#define XFR_MSG_MAX	  16384 /* bytes of records per transfer message */
#define NOTIFY_FIRST_WAIT 2	/* s before the first retry; doubles */
#define XFR_CONNECT_MS	  1000
#define XFR_READ_S	  5
#define XFR_TOTAL_S	  30
#define REFRESH_MIN	  2
#define REFRESH_MAX	  86400
#define RETRY_NO_ZONE	  10 /* s between tries before the first transfer */

static uint16_t random16(void)
{
	uint16_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint16_t)(time(NULL) ^ (uintptr_t)&v);
	return v;
}

static void set_flags(uint8_t *m, uint16_t f)
{
	m[2] = (uint8_t)(f >> 8);
	m[3] = (uint8_t)f;
}

static char *addr_text(const struct dp_addr *a, char *buf, size_t len)
{
	return dp_addr_format(a, false, buf, len);
}

static void to_sockaddr(const struct dp_addr *a, uint16_t port, struct sockaddr_in6 *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin6_family = AF_INET6;
	sa->sin6_port = htons(port);
	if (a->family == 4) {
		sa->sin6_addr.s6_addr[10] = sa->sin6_addr.s6_addr[11] = 0xff;
		memcpy(sa->sin6_addr.s6_addr + 12, a->addr, 4);
	} else {
		memcpy(sa->sin6_addr.s6_addr, a->addr, 16);
	}
}

static void from_sockaddr(const struct sockaddr_in6 *sa, struct dp_addr *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	memset(a, 0, sizeof(*a));
	if (memcmp(sa->sin6_addr.s6_addr, mapped, 12) == 0) {
		a->family = 4;
		memcpy(a->addr, sa->sin6_addr.s6_addr + 12, 4);
	} else {
		a->family = 6;
		memcpy(a->addr, sa->sin6_addr.s6_addr, 16);
	}
}

static bool addr_eq(const struct dp_addr *a, const struct dp_addr *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, a->family == 4 ? 4 : 16) == 0;
}

/* ---- per-zone state ---- */

static void hist_free(struct ctrl_dns_delta *d)
{
	dns_rrlist_free(&d->del);
	dns_rrlist_free(&d->add);
}

static void hist_clear(struct ctrl_dns_zst *st)
{
	for (unsigned i = 0; i < st->n_hist; i++)
		hist_free(&st->hist[i]);
	st->n_hist = 0;
}

struct ctrl_dns_zst *ctrl_dns_zst(struct ctrl *c, const char *name)
{
	struct ctrl_dns_zst *free_slot = NULL;

	for (unsigned i = 0; i < CTRL_CONF_ZONES_MAX; i++) {
		struct ctrl_dns_zst *st = &c->dns.zst[i];

		if (st->name[0] && strcasecmp(st->name, name) == 0)
			return st;
		/* a free slot, or one of a zone no longer configured */
		if (!free_slot && (!st->name[0] || !ctrl_dns_conf_zone(c, st->name)))
			free_slot = st;
	}
	if (!free_slot)
		return NULL;
	hist_clear(free_slot);
	memset(free_slot, 0, sizeof(*free_slot));
	snprintf(free_slot->name, sizeof(free_slot->name), "%s", name);
	return free_slot;
}

void ctrl_dns_xfr_fini(struct ctrl *c)
{
	for (unsigned i = 0; i < CTRL_CONF_ZONES_MAX; i++)
		hist_clear(&c->dns.zst[i]);
	for (unsigned i = 0; i < c->dns.n_keys; i++)
		dns_tsig_key_free(c->dns.keys[i]);
	c->dns.n_keys = 0;
}

int ctrl_dns_keys(struct ctrl *c, char *err, size_t errlen)
{
	for (unsigned i = 0; i < c->dns.n_keys; i++)
		dns_tsig_key_free(c->dns.keys[i]);
	c->dns.n_keys = 0;
	for (unsigned i = 0; i < c->conf.n_keys; i++) {
		const struct ctrl_conf_key *k = &c->conf.keys[i];

		if (dns_tsig_key_new(k->name, k->algorithm, k->secret, &c->dns.keys[i]) < 0) {
			if (err)
				snprintf(err, errlen, "%s:%u: dns.keys: key %s cannot be used",
					 c->conf_path, k->line, k->name);
			ctrl_log("error", "dns: key %s (line %u) cannot be used", k->name, k->line);
			return -EINVAL;
		}
		c->dns.n_keys = i + 1;
	}
	return 0;
}

/* ---- NOTIFY out ---- */

static void notify_send(struct ctrl *c, const struct ctrl_conf_zone *cz, struct ctrl_dns_zst *st,
			const struct dns_zone *z)
{
	uint8_t m[1024];
	uint16_t soa_len;
	uint32_t ttl;
	const uint8_t *soa = dns_zone_soa(z, &soa_len, &ttl);

	if (c->dns.notify_fd < 0)
		return;
	for (unsigned i = 0; i < cz->n_notify; i++) {
		struct sockaddr_in6 sa;
		size_t len;
		char a[64];

		if (!st->notify_left[i])
			continue;
		len = dns_msg_query(m, sizeof(m), st->notify_id[i], DNS_OP_NOTIFY, dns_zone_apex(z),
				    DNS_T_SOA, soa, soa_len);
		to_sockaddr(&cz->notify[i], 53, &sa);
		if (len && sendto(c->dns.notify_fd, m, len, 0, (struct sockaddr *)&sa,
				  sizeof(sa)) == (ssize_t)len)
			st->notify_sent++;
		if (--st->notify_left[i] == 0)
			ctrl_log("warning", "dns: zone %s: NOTIFY of serial %u to %s unanswered",
				 cz->name, st->notify_serial,
				 addr_text(&cz->notify[i], a, sizeof(a)));
	}
}

/* An answer to a NOTIFY we sent. */
static bool notify_answered(struct ctrl *c, const struct dp_addr *peer, uint16_t id)
{
	for (unsigned i = 0; i < c->conf.n_zones; i++) {
		const struct ctrl_conf_zone *cz = &c->conf.zones[i];
		struct ctrl_dns_zst *st = ctrl_dns_zst(c, cz->name);

		for (unsigned k = 0; st && k < cz->n_notify; k++)
			if (st->notify_id[k] == id && addr_eq(&cz->notify[k], peer) &&
			    st->notify_left[k]) {
				st->notify_left[k] = 0;
				st->notify_answered++;
				return true;
			}
	}
	return false;
}

void ctrl_dns_changed(struct ctrl *c, const char *name, const struct dns_zone *old,
		      const struct dns_zone *z)
{
	const struct ctrl_conf_zone *cz = ctrl_dns_conf_zone(c, name);
	struct ctrl_dns_zst *st = ctrl_dns_zst(c, name);
	uint32_t from = old ? dns_zone_serial(old) : 0, to = dns_zone_serial(z);

	if (!st || !cz)
		return;
	if (old) {
		struct dns_rrlist a, b, del, add;
		bool diffed = false;

		if (dns_rrlist_from_zone(old, &a) == 0) {
			if (dns_rrlist_from_zone(z, &b) == 0) {
				dns_rrlist_sort(&a);
				dns_rrlist_sort(&b);
				diffed = dns_rrlist_diff(&a, &b, &del, &add) == 0;
				dns_rrlist_free(&b);
			}
			dns_rrlist_free(&a);
		}
		if (!diffed) {
			hist_clear(st); /* out of memory: IXFR falls back to AXFR */
			return;
		}
		if (!del.n && !add.n) {
			dns_rrlist_free(&del);
			dns_rrlist_free(&add);
			return; /* the same zone read again */
		}
		if (!dns_serial_gt(to, from)) {
			ctrl_log("warning",
				 "dns: zone %s changed but its serial went from %u to %u: "
				 "secondaries "
				 "keep their copy until the serial goes up",
				 name, from, to);
			hist_clear(st);
			dns_rrlist_free(&del);
			dns_rrlist_free(&add);
			return;
		}
		if (st->n_hist == CTRL_DNS_HIST) {
			hist_free(&st->hist[0]);
			memmove(&st->hist[0], &st->hist[1],
				sizeof(st->hist[0]) * (CTRL_DNS_HIST - 1));
			st->n_hist--;
		}
		if (st->n_hist && st->hist[st->n_hist - 1].to != from)
			hist_clear(st);
		st->hist[st->n_hist++] =
			(struct ctrl_dns_delta){ .from = from, .to = to, .del = del, .add = add };
		ctrl_log("info", "dns: zone %s serial %u -> %u: %zu records out, %zu in", name,
			 from, to, del.n - 1, add.n - 1);
	}
	/* tell the secondaries */
	st->notify_serial = to;
	for (unsigned i = 0; i < cz->n_notify; i++) {
		st->notify_left[i] = CTRL_DNS_NOTIFY_TRIES;
		st->notify_id[i] = random16();
	}
	st->notify_next = time(NULL) + NOTIFY_FIRST_WAIT;
	notify_send(c, cz, st, z);
}

/* ---- transfers out ---- */

int ctrl_dns_transfer_allowed(struct ctrl *c, const struct dp_addr *peer, const uint8_t *qname)
{
	const struct ctrl_conf_zone *cz = ctrl_dns_conf_zone_wire(c, qname);
	int idx = -1;

	if (!cz)
		return -1;
	for (unsigned k = 0; k < cz->n_transfer; k++)
		if (addr_eq(&cz->transfer[k], peer) && ctrl_dns_zone(c, cz->name, &idx))
			return idx;
	return -1;
}

static bool send_msg(int fd, const uint8_t *m, size_t n)
{
	uint8_t len[2] = { (uint8_t)(n >> 8), (uint8_t)n };

	return send(fd, len, 2, MSG_NOSIGNAL | MSG_MORE) == 2 &&
	       send(fd, m, n, MSG_NOSIGNAL) == (ssize_t)n;
}

/* A transfer's messages: records appended, a message sent when the next
 * record would take it over XFR_MSG_MAX; the question in the first only. */
struct xout {
	int fd;
	const struct dns_msg *q;
	uint8_t buf[XFR_MSG_MAX + 2 * DNS_NAME_MAX + 65535];
	size_t len;
	uint16_t n;
	bool first, failed;
};

static void xflush(struct xout *x)
{
	if (!x->len || x->failed)
		return;
	dns_set_counts(x->buf, x->n, 0, 0);
	x->failed = !send_msg(x->fd, x->buf, x->len);
	x->len = 0;
}

static void xput(struct xout *x, const struct dns_rec *r)
{
	size_t need = r->owner_len + 10u + r->rdlen;

	if (x->len && x->len + need > XFR_MSG_MAX)
		xflush(x);
	if (x->failed)
		return;
	if (!x->len) {
		x->len = dns_msg_query(x->buf, sizeof(x->buf), x->q->id, DNS_OP_QUERY, x->q->qname,
				       x->q->qtype, NULL, 0);
		set_flags(x->buf, DNS_F_QR | DNS_F_AA);
		if (!x->first) {
			x->len = DNS_HDR_LEN;
			x->buf[4] = x->buf[5] = 0;
		}
		x->first = false;
		x->n = 0;
	}
	memcpy(x->buf + x->len, r->owner, r->owner_len);
	x->len += r->owner_len;
	x->buf[x->len] = (uint8_t)(r->type >> 8);
	x->buf[x->len + 1] = (uint8_t)r->type;
	x->buf[x->len + 2] = 0;
	x->buf[x->len + 3] = DNS_CLASS_IN;
	x->buf[x->len + 4] = (uint8_t)(r->ttl >> 24);
	x->buf[x->len + 5] = (uint8_t)(r->ttl >> 16);
	x->buf[x->len + 6] = (uint8_t)(r->ttl >> 8);
	x->buf[x->len + 7] = (uint8_t)r->ttl;
	x->buf[x->len + 8] = (uint8_t)(r->rdlen >> 8);
	x->buf[x->len + 9] = (uint8_t)r->rdlen;
	memcpy(x->buf + x->len + 10, r->rdata, r->rdlen);
	x->len += 10u + r->rdlen;
	x->n++;
}

/* The first record of type t in l, or NULL. */
static const struct dns_rec *first_of(const struct dns_rrlist *l, uint16_t t)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->r[i].type == t)
			return &l->r[i];
	return NULL;
}

int ctrl_dns_xfr_out(struct ctrl *c, int fd, const struct dns_msg *m, int idx)
{
	const struct dns_zone *z = c->dns.zones[idx];
	struct ctrl_dns_zst *st = ctrl_dns_zst(c, c->dns.names[idx]);
	struct timeval tv = { .tv_sec = XFR_READ_S };
	int flags = fcntl(fd, F_GETFL);
	struct dns_rrlist l;
	const struct dns_rec *soa;
	struct xout *x;
	uint32_t cur = dns_zone_serial(z), have = 0;
	unsigned from = CTRL_DNS_HIST;
	const char *how = "AXFR";
	char peer_s[64] = "?";
	struct dp_addr peer;

	if (dns_rrlist_from_zone(z, &l) < 0)
		return -1;
	x = calloc(1, sizeof(*x));
	if (!x) {
		dns_rrlist_free(&l);
		return -1;
	}
	*x = (struct xout){ .fd = fd, .q = m, .first = true };
	soa = first_of(&l, DNS_T_SOA);
	if (ctrl_dns_peer_of(fd, &peer))
		addr_text(&peer, peer_s, sizeof(peer_s));
	fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (m->qtype == DNS_T_IXFR) {
		const struct dns_upd_rr *r = m->n[DNS_SEC_NS] ? &m->rr[DNS_SEC_NS][0] : NULL;

		if (!r || r->type != DNS_T_SOA) {
			/* RFC 1995 §3: the requester's SOA is in the authority section */
			x->len = dns_msg_query(x->buf, sizeof(x->buf), m->id, DNS_OP_QUERY,
					       m->qname, m->qtype, NULL, 0);
			set_flags(x->buf, DNS_F_QR | DNS_RC_FORMERR);
			x->failed = !send_msg(fd, x->buf, x->len);
			goto out;
		}
		have = dns_soa_serial(r->rdata, r->rdlen);
		how = "IXFR";
		if (!dns_serial_gt(cur, have)) {
			xput(x, soa); /* up to date: the SOA alone */
			how = "IXFR (up to date)";
			goto done;
		}
		/* the changes from have to cur, when all are kept */
		for (unsigned i = 0; st && i < st->n_hist; i++)
			if (st->hist[i].from == have) {
				from = i;
				break;
			}
		if (from < CTRL_DNS_HIST && st->hist[st->n_hist - 1].to == cur) {
			xput(x, soa);
			for (unsigned i = from; i < st->n_hist; i++) {
				const struct ctrl_dns_delta *d = &st->hist[i];
				const struct dns_rec *os = first_of(&d->del, DNS_T_SOA),
						     *ns = first_of(&d->add, DNS_T_SOA);

				xput(x, os);
				for (size_t k = 0; k < d->del.n; k++)
					if (&d->del.r[k] != os)
						xput(x, &d->del.r[k]);
				xput(x, ns);
				for (size_t k = 0; k < d->add.n; k++)
					if (&d->add.r[k] != ns)
						xput(x, &d->add.r[k]);
			}
			xput(x, soa);
			st->ixfr_out++;
			goto done;
		}
		how = "IXFR (whole zone: the changes since are not kept)";
	}
	/* the whole zone: the SOA, every other record, the SOA again */
	xput(x, soa);
	for (size_t k = 0; k < l.n; k++)
		if (&l.r[k] != soa)
			xput(x, &l.r[k]);
	xput(x, soa);
done:
	xflush(x);
	if (st)
		st->xfr_out++;
	if (have)
		ctrl_log("info", "dns: %s of %s to %s: serial %u to %u%s", how, c->dns.names[idx],
			 peer_s, have, cur, x->failed ? ", failed" : "");
	else
		ctrl_log("info", "dns: %s of %s to %s: serial %u%s", how, c->dns.names[idx], peer_s,
			 cur, x->failed ? ", failed" : "");
out:
	fcntl(fd, F_SETFL, flags);
	{
		int rc = x->failed ? -1 : 0;

		free(x);
		dns_rrlist_free(&l);
		return rc;
	}
}

/* ---- UDP ---- */

int ctrl_dns_udp_open(struct ctrl *c)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(53) };
	int fd, off = 0;

	c->dns.udp_fd = c->dns.notify_fd = -1;
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ctrl_log("warning",
			 "dns: no UDP socket on port 53 (%s): no NOTIFY, no UPDATE over UDP",
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	c->dns.udp_fd = fd;
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0) {
		close(fd);
		fd = -1;
	}
	c->dns.notify_fd = fd;
	return 0;
}

void ctrl_dns_notify_answers(struct ctrl *c)
{
	uint8_t in[4096];

	for (int k = 0; k < 64; k++) {
		struct sockaddr_in6 sa;
		socklen_t sl = sizeof(sa);
		ssize_t r =
			recvfrom(c->dns.notify_fd, in, sizeof(in), 0, (struct sockaddr *)&sa, &sl);
		struct dp_addr peer;

		if (r < 0)
			return;
		from_sockaddr(&sa, &peer);
		if (r >= DNS_HDR_LEN && (in[2] & 0x80) && (in[2] >> 3 & 0xf) == DNS_OP_NOTIFY)
			notify_answered(c, &peer, (uint16_t)(in[0] << 8 | in[1]));
	}
}

size_t ctrl_dns_resp(uint8_t *out, size_t cap, const struct dns_msg *m, uint8_t rcode, bool aa)
{
	size_t n;

	if (m->has_question) {
		n = dns_msg_query(out, cap, m->id, m->opcode, m->qname, m->qtype, NULL, 0);
		if (!n)
			return 0;
	} else {
		if (cap < DNS_HDR_LEN)
			return 0;
		memset(out, 0, DNS_HDR_LEN);
		out[0] = (uint8_t)(m->id >> 8);
		out[1] = (uint8_t)m->id;
		n = DNS_HDR_LEN;
	}
	set_flags(out, (uint16_t)(DNS_F_QR | m->opcode << 11 | (aa ? DNS_F_AA : 0) |
				  (m->flags & DNS_F_RD) | rcode));
	return n;
}

/* NOTIFY from a primary of a secondary zone: refresh now. */
static size_t notify_in(struct ctrl *c, const struct dp_addr *peer, const struct dns_msg *m,
			uint8_t *out, size_t cap)
{
	const struct ctrl_conf_zone *cz = m->has_question && m->qtype == DNS_T_SOA
						  ? ctrl_dns_conf_zone_wire(c, m->qname)
						  : NULL;
	char a[64];

	for (unsigned i = 0; cz && i < cz->n_primaries; i++)
		if (addr_eq(&cz->primaries[i], peer)) {
			struct ctrl_dns_zst *st = ctrl_dns_zst(c, cz->name);

			if (st) {
				st->notify_in++;
				st->refresh_at = 0; /* at the next tick */
			}
			ctrl_log("info", "dns: NOTIFY for %s from %s: asking it for changes",
				 cz->name, addr_text(peer, a, sizeof(a)));
			return ctrl_dns_resp(out, cap, m, DNS_RC_NOERROR, true);
		}
	ctrl_log("info", "dns: NOTIFY refused from %s (not a primary of that zone)",
		 addr_text(peer, a, sizeof(a)));
	return ctrl_dns_resp(out, cap, m, DNS_RC_REFUSED, false);
}

size_t ctrl_dns_other(struct ctrl *c, const struct dp_addr *peer, const uint8_t *msg, size_t len,
		      uint8_t *out, size_t cap, bool tcp)
{
	struct dns_msg m;
	size_t n = 0;

	if (len < DNS_HDR_LEN || (msg[2] & 0x80))
		return 0; /* never answer an answer */
	if (dns_msg_parse(msg, len, &m) < 0) {
		/* the header alone, FORMERR */
		if (cap < DNS_HDR_LEN)
			return 0;
		memset(out, 0, DNS_HDR_LEN);
		memcpy(out, msg, 2);
		out[2] = (uint8_t)(0x80 | (msg[2] & 0x78));
		out[3] = DNS_RC_FORMERR;
		return DNS_HDR_LEN;
	}
	switch (m.opcode) {
	case DNS_OP_NOTIFY:
		n = notify_in(c, peer, &m, out, cap);
		break;
	case DNS_OP_UPDATE:
		n = ctrl_dns_update(c, peer, &m, out, cap);
		break;
	case DNS_OP_QUERY:
		if (!tcp && m.has_question && m.qtype == DNS_T_IXFR &&
		    ctrl_dns_transfer_allowed(c, peer, m.qname) >= 0) {
			/* over UDP: the current SOA, to come back over TCP (RFC 1995 §2) */
			int idx = ctrl_dns_transfer_allowed(c, peer, m.qname);
			uint16_t rdlen;
			uint32_t ttl;
			const uint8_t *soa = dns_zone_soa(c->dns.zones[idx], &rdlen, &ttl);

			n = ctrl_dns_resp(out, cap, &m, DNS_RC_NOERROR, true);
			if (n && n + 12 + rdlen <= cap) {
				set_flags(out, DNS_F_QR | DNS_F_AA);
				out[n] = 0xc0;
				out[n + 1] = DNS_HDR_LEN;
				out[n + 2] = 0;
				out[n + 3] = DNS_T_SOA;
				out[n + 4] = 0;
				out[n + 5] = DNS_CLASS_IN;
				out[n + 6] = (uint8_t)(ttl >> 24);
				out[n + 7] = (uint8_t)(ttl >> 16);
				out[n + 8] = (uint8_t)(ttl >> 8);
				out[n + 9] = (uint8_t)ttl;
				out[n + 10] = (uint8_t)(rdlen >> 8);
				out[n + 11] = (uint8_t)rdlen;
				memcpy(out + n + 12, soa, rdlen);
				n += 12u + rdlen;
				dns_set_counts(out, 1, 0, 0);
			}
			break;
		}
		/* AXFR over UDP, transfers not allowed, signed queries */
		n = ctrl_dns_resp(out, cap, &m,
				  m.has_question && m.qtype == DNS_T_AXFR && !tcp ? DNS_RC_FORMERR
										  : DNS_RC_REFUSED,
				  false);
		break;
	default:
		n = ctrl_dns_resp(out, cap, &m, DNS_RC_NOTIMP, false);
	}
	dns_msg_free(&m);
	return n;
}

void ctrl_dns_udp(struct ctrl *c)
{
	static uint8_t in[65536], out[65536];

	for (int k = 0; k < 64; k++) {
		struct sockaddr_in6 sa;
		socklen_t sl = sizeof(sa);
		ssize_t r = recvfrom(c->dns.udp_fd, in, sizeof(in), 0, (struct sockaddr *)&sa, &sl);
		struct dp_addr peer;
		size_t n;

		if (r < 0)
			return;
		c->dns.udp_queries++;
		from_sockaddr(&sa, &peer);
		n = ctrl_dns_other(c, &peer, in, (size_t)r, out, sizeof(out), false);
		if (n)
			sendto(c->dns.udp_fd, out, n, 0, (struct sockaddr *)&sa, sl);
	}
}

/* ---- a secondary ---- */

/* A socket to addr port 53, connected (TCP within XFR_CONNECT_MS), blocking
 * with a read timeout. */
static int dial(const struct dp_addr *addr, int type)
{
	struct sockaddr_in6 sa;
	struct timeval tv = { .tv_sec = type == SOCK_DGRAM ? 1 : XFR_READ_S };
	struct pollfd p;
	int fd = socket(AF_INET6, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), off = 0, e = 0;
	socklen_t el = sizeof(e);

	if (fd < 0)
		return -1;
	to_sockaddr(addr, 53, &sa);
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
		goto fail;
	p = (struct pollfd){ .fd = fd, .events = POLLOUT };
	if (poll(&p, 1, XFR_CONNECT_MS) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0 ||
	    e)
		goto fail;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
fail:
	close(fd);
	return -1;
}

/* The primary's serial (SOA query over UDP); -1 when it does not answer. */
static int64_t primary_serial(const struct dp_addr *p, const uint8_t *apex, char *why, size_t wl)
{
	uint8_t q[512], r[4096];
	uint16_t id = random16();
	size_t ql = dns_msg_query(q, sizeof(q), id, DNS_OP_QUERY, apex, DNS_T_SOA, NULL, 0);
	int fd = dial(p, SOCK_DGRAM);
	int64_t serial = -1;
	ssize_t n;
	struct dns_msg m;

	if (fd < 0) {
		snprintf(why, wl, "cannot reach it");
		return -1;
	}
	if (send(fd, q, ql, 0) != (ssize_t)ql || (n = recv(fd, r, sizeof(r), 0)) < 0) {
		snprintf(why, wl, "no answer to the SOA query");
		close(fd);
		return -1;
	}
	close(fd);
	if (dns_msg_parse(r, (size_t)n, &m) < 0 || m.id != id || !(m.flags & DNS_F_QR)) {
		snprintf(why, wl, "a malformed answer to the SOA query");
		if (m.pkt)
			dns_msg_free(&m);
		return -1;
	}
	if (m.rcode != DNS_RC_NOERROR || !(m.flags & DNS_F_AA))
		snprintf(why, wl, "SOA query answered with rcode %u%s", m.rcode,
			 m.flags & DNS_F_AA ? "" : ", not authoritative");
	else
		for (size_t i = 0; i < m.n[DNS_SEC_AN]; i++)
			if (m.rr[DNS_SEC_AN][i].type == DNS_T_SOA)
				serial = dns_soa_serial(m.rr[DNS_SEC_AN][i].rdata,
							m.rr[DNS_SEC_AN][i].rdlen);
	if (serial < 0 && !why[0])
		snprintf(why, wl, "no SOA in the answer");
	dns_msg_free(&m);
	return serial;
}

static bool read_full(int fd, uint8_t *b, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = recv(fd, b + got, n - got, 0);

		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

/* AXFR or IXFR from primary p into the records *seq (in the order sent).
 * Returns 0, or -1 with why. */
static int transfer_in(const struct dp_addr *p, const uint8_t *apex, const struct dns_zone *have,
		       struct dns_rrlist *seq, char *why, size_t wl)
{
	static uint8_t buf[65535];
	uint8_t q[1024];
	uint16_t id = random16(), soa_len = 0;
	uint32_t ttl, want = 0;
	const uint8_t *soa = have ? dns_zone_soa(have, &soa_len, &ttl) : NULL;
	uint16_t qtype = have ? DNS_T_IXFR : DNS_T_AXFR;
	size_t ql = dns_msg_query(q, sizeof(q), id, DNS_OP_QUERY, apex, qtype, soa, soa_len);
	uint8_t ql2[2] = { (uint8_t)(ql >> 8), (uint8_t)ql };
	time_t start = time(NULL);
	unsigned soas_want = 2, soas = 0;
	int fd = dial(p, SOCK_STREAM);

	memset(seq, 0, sizeof(*seq));
	if (fd < 0)
		return snprintf(why, wl, "cannot connect over TCP"), -1;
	if (send(fd, ql2, 2, MSG_NOSIGNAL | MSG_MORE) != 2 ||
	    send(fd, q, ql, MSG_NOSIGNAL) != (ssize_t)ql) {
		close(fd);
		return snprintf(why, wl, "cannot send the %s request", have ? "IXFR" : "AXFR"), -1;
	}
	for (;;) {
		uint8_t l2[2];
		size_t len;
		struct dns_msg m;
		bool done = false;

		if (time(NULL) - start > XFR_TOTAL_S) {
			snprintf(why, wl, "the transfer took over %d s", XFR_TOTAL_S);
			break;
		}
		if (!read_full(fd, l2, 2) || !(len = (size_t)(l2[0] << 8 | l2[1])) ||
		    !read_full(fd, buf, len)) {
			snprintf(why, wl, "the connection ended mid-transfer");
			break;
		}
		if (dns_msg_parse(buf, len, &m) < 0) {
			snprintf(why, wl, "a malformed transfer message");
			break;
		}
		if (m.id != id || !(m.flags & DNS_F_QR) || m.rcode != DNS_RC_NOERROR) {
			snprintf(why, wl, "the primary answered rcode %u", m.rcode);
			dns_msg_free(&m);
			break;
		}
		for (size_t i = 0; i < m.n[DNS_SEC_AN] && !done; i++) {
			const struct dns_upd_rr *r = &m.rr[DNS_SEC_AN][i];

			if (r->cls != DNS_CLASS_IN)
				continue;
			if (dns_rrlist_add(seq, r->owner, r->type, r->ttl, r->rdata, r->rdlen) <
			    0) {
				snprintf(why, wl, "out of memory");
				dns_msg_free(&m);
				goto fail;
			}
			if (seq->n == 1) {
				if (r->type != DNS_T_SOA) {
					snprintf(why, wl,
						 "the transfer does not begin with the SOA");
					dns_msg_free(&m);
					goto fail;
				}
				want = dns_soa_serial(r->rdata, r->rdlen);
			} else if (seq->n == 2 && have && r->type == DNS_T_SOA &&
				   dns_soa_serial(r->rdata, r->rdlen) != want) {
				soas_want = 3; /* incremental: the last change ends with it too */
			}
			if (r->type == DNS_T_SOA && dns_soa_serial(r->rdata, r->rdlen) == want)
				soas++;
			done = soas >= soas_want && r->type == DNS_T_SOA;
		}
		/* the SOA alone: nothing newer (IXFR, RFC 1995 §4) */
		if (!done && seq->n == 1 && have && !dns_serial_gt(want, dns_zone_serial(have)))
			done = true;
		dns_msg_free(&m);
		if (done) {
			close(fd);
			return 0;
		}
	}
fail:
	close(fd);
	dns_rrlist_free(seq);
	return -1;
}

/* The zone a transfer makes: seq as AXFR (the records between the SOAs),
 * or as IXFR (changes applied to have's records). */
static int zone_from_seq(const struct dns_rrlist *seq, const uint8_t *apex,
			 const struct dns_zone *have, struct dns_zone **out, bool *incremental,
			 char *why, size_t wl)
{
	struct dns_rrlist l = { 0 };
	int rc;

	*incremental = have && seq->n > 2 && seq->r[1].type == DNS_T_SOA &&
		       dns_soa_serial(seq->r[1].rdata, seq->r[1].rdlen) !=
			       dns_soa_serial(seq->r[0].rdata, seq->r[0].rdlen);
	if (!*incremental) {
		for (size_t i = 0; i + 1 < seq->n; i++)
			if (dns_rrlist_add(&l, seq->r[i].owner, seq->r[i].type, seq->r[i].ttl,
					   seq->r[i].rdata, seq->r[i].rdlen) < 0)
				goto nomem;
	} else {
		size_t i = 1;

		if (dns_rrlist_from_zone(have, &l) < 0)
			goto nomem;
		dns_rrlist_sort(&l);
		/* changes: SOA(old) deleted..., SOA(new) added..., up to the last SOA */
		while (i + 1 < seq->n) {
			struct dns_rrlist del = { 0 }, add = { 0 };
			struct dns_rrlist *into = &del;

			if (seq->r[i].type != DNS_T_SOA) {
				snprintf(why, wl, "an IXFR change does not begin with an SOA");
				goto bad;
			}
			for (int soas = 0; i + 1 < seq->n; i++) {
				const struct dns_rec *r = &seq->r[i];

				if (r->type == DNS_T_SOA && ++soas == 2)
					into = &add;
				if (r->type == DNS_T_SOA && soas == 3)
					break;
				if (dns_rrlist_add(into, r->owner, r->type, r->ttl, r->rdata,
						   r->rdlen) < 0) {
					dns_rrlist_free(&del);
					dns_rrlist_free(&add);
					goto nomem;
				}
			}
			rc = dns_rrlist_apply(&l, &del, &add);
			dns_rrlist_free(&del);
			dns_rrlist_free(&add);
			if (rc < 0) {
				snprintf(why, wl, "an IXFR change does not apply to the copy held");
				goto bad;
			}
		}
	}
	rc = dns_rrlist_build(&l, apex, out, why, wl);
	dns_rrlist_free(&l);
	return rc;
nomem:
	snprintf(why, wl, "out of memory");
bad:
	dns_rrlist_free(&l);
	return -1;
}

static uint32_t soa_field(const struct dns_zone *z, unsigned k)
{
	uint16_t len;
	uint32_t ttl;
	const uint8_t *r = dns_zone_soa(z, &len, &ttl);
	size_t o = 0;

	for (int names = 0; names < 2 && o < len; o++)
		if (r[o] == 0)
			names++;
		else
			o += r[o];
	o += 4u * k;
	return o + 4 <= len ? (uint32_t)r[o] << 24 | (uint32_t)r[o + 1] << 16 |
				      (uint32_t)r[o + 2] << 8 | r[o + 3]
			    : 0;
}

static time_t clamp_refresh(uint32_t v)
{
	return v < REFRESH_MIN ? REFRESH_MIN : v > REFRESH_MAX ? REFRESH_MAX : (time_t)v;
}

static void refresh(struct ctrl *c, const struct ctrl_conf_zone *cz, struct ctrl_dns_zst *st)
{
	uint8_t apex[DNS_NAME_MAX];
	const struct dns_zone *have = ctrl_dns_zone(c, cz->name, NULL);
	time_t now = time(NULL);
	char why[512] = "", a[64];

	if (!dns_name_from_text(cz->name, apex, sizeof(apex), true))
		return;
	for (unsigned i = 0; i < cz->n_primaries; i++) {
		const struct dp_addr *p = &cz->primaries[i];
		int64_t serial;
		struct dns_rrlist seq;
		struct dns_zone *z = NULL;
		bool incremental;

		why[0] = '\0';
		serial = primary_serial(p, apex, why, sizeof(why));
		if (serial < 0)
			goto next;
		if (have && !dns_serial_gt((uint32_t)serial, dns_zone_serial(have))) {
			st->refresh_at = now + clamp_refresh(soa_field(have, 1));
			st->expire_at = now + (time_t)soa_field(have, 3);
			snprintf(st->status, sizeof(st->status), "%s", "");
			return;
		}
		if (transfer_in(p, apex, have, &seq, why, sizeof(why)) < 0)
			goto next;
		if (seq.n == 1) { /* nothing newer after all */
			dns_rrlist_free(&seq);
			st->refresh_at = now + clamp_refresh(soa_field(have, 1));
			return;
		}
		if (zone_from_seq(&seq, apex, have, &z, &incremental, why, sizeof(why)) < 0) {
			dns_rrlist_free(&seq);
			goto next;
		}
		dns_rrlist_free(&seq);
		ctrl_log("info", "dns: zone %s: %s from %s, serial %u -> %u, %zu records", cz->name,
			 incremental ? "IXFR" : "AXFR", addr_text(p, a, sizeof(a)),
			 have ? dns_zone_serial(have) : 0, dns_zone_serial(z), dns_zone_records(z));
		if (incremental)
			st->ixfr_in++;
		st->xfr_in++;
		st->refresh_at = now + clamp_refresh(soa_field(z, 1));
		st->expire_at = now + (time_t)soa_field(z, 3);
		st->status[0] = '\0';
		ctrl_dns_replace(c, cz->name, z, true);
		return;
	next:
		snprintf(st->status, sizeof(st->status), "primary %s: %.400s",
			 addr_text(p, a, sizeof(a)), why);
		ctrl_log("warning", "dns: zone %s: primary %s: %s", cz->name, a, why);
	}
	st->refresh_at = now + (have ? clamp_refresh(soa_field(have, 2)) : RETRY_NO_ZONE);
	if (have && st->expire_at && now > st->expire_at)
		ctrl_log("error",
			 "dns: zone %s: no primary answered within the SOA's expire time; still "
			 "serving serial %u",
			 cz->name, dns_zone_serial(have));
}

void ctrl_dns_xfr_tick(struct ctrl *c)
{
	time_t now = time(NULL);

	for (unsigned i = 0; i < c->conf.n_zones; i++) {
		const struct ctrl_conf_zone *cz = &c->conf.zones[i];
		struct ctrl_dns_zst *st = ctrl_dns_zst(c, cz->name);
		const struct dns_zone *z;

		if (!st)
			continue;
		z = ctrl_dns_zone(c, cz->name, NULL);
		/* NOTIFY retries, waiting twice as long each time */
		if (z && now >= st->notify_next && dns_zone_serial(z) == st->notify_serial) {
			bool pending = false;

			for (unsigned k = 0; k < cz->n_notify; k++)
				pending |= st->notify_left[k] > 0;
			if (pending) {
				unsigned tries = CTRL_DNS_NOTIFY_TRIES;

				for (unsigned k = 0; k < cz->n_notify; k++)
					if (st->notify_left[k] && st->notify_left[k] < tries)
						tries = st->notify_left[k];
				notify_send(c, cz, st, z);
				st->notify_next = now + ((time_t)NOTIFY_FIRST_WAIT
							 << (CTRL_DNS_NOTIFY_TRIES - tries));
			}
		}
		if (cz->n_primaries && now >= st->refresh_at)
			refresh(c, cz, st);
	}
}

json_t *ctrl_dns_xfr_json(struct ctrl *c, const char *name)
{
	const struct ctrl_conf_zone *cz = ctrl_dns_conf_zone(c, name);
	struct ctrl_dns_zst *st = ctrl_dns_zst(c, name);
	json_t *o;
	unsigned pending = 0;

	if (!st || !cz)
		return json_object();
	for (unsigned k = 0; k < cz->n_notify; k++)
		pending += st->notify_left[k] > 0;
	o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "changes_kept",
		      (json_int_t)st->n_hist, "oldest_serial",
		      (json_int_t)(st->n_hist ? st->hist[0].from : 0), "notify_sent",
		      (json_int_t)st->notify_sent, "notify_answered",
		      (json_int_t)st->notify_answered, "notify_pending", (json_int_t)pending,
		      "notify_in", (json_int_t)st->notify_in, "transfers_out",
		      (json_int_t)st->xfr_out, "ixfr_out", (json_int_t)st->ixfr_out, "transfers_in",
		      (json_int_t)st->xfr_in, "updates", (json_int_t)st->updates, "updates_refused",
		      (json_int_t)st->updates_refused);
	if (cz->n_primaries) {
		long in = (long)(st->refresh_at - time(NULL));

		json_object_set_new(o, "refresh_in", json_integer(in < 0 ? 0 : in));
		json_object_set_new(o, "ixfr_in", json_integer((json_int_t)st->ixfr_in));
	}
	return o;
}
