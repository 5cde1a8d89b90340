/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * resolve.c - the DNS stub resolver ctrl uses for the host names in firewall
 * rules. First the messages (RFC 1035 §4): one question out; in, the answer
 * section walked for the addresses of the name asked, following CNAMEs, and
 * the SOA of a negative answer for its TTL (RFC 2308 §5). Every read is
 * checked against the message length first.
 *
 * Then the resolver: a lookup sends an A and an AAAA query at once to the
 * first server, each with a random id; a response counts only when it comes
 * from the server asked, on its port, with the id and the question of a
 * query in flight. A query not answered in time, or refused, goes to the
 * next server until its tries are spent. ctrl's loop watches the sockets and
 * calls the timer; nothing here blocks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ctrl/resolve/resolve.h"

#define HDR_LEN		12
#define WIRE_NAME_MAX	255 /* RFC 1035 §2.3.4 */
#define LABEL_MAX	63
#define PTR_HOPS_MAX	128
#define CHAIN_MAX	16
#define NEG_TTL_DEFAULT 60
#define TYPE_CNAME	5
#define TYPE_SOA	6
#define CLASS_IN	1
#define FLAG_QR		0x8000
#define FLAG_TC		0x0200
#define FLAG_RD		0x0100
#define RCODE_NXDOMAIN	3
#define DGRAM_MAX	4096
#define RECV_BUDGET	1024

/* A name in wire form, uncompressed, in lower case, with its root label. */
struct wname {
	size_t len;
	uint8_t b[WIRE_NAME_MAX];
};

struct rr {
	struct wname owner;
	uint16_t type, class;
	uint32_t ttl;
	size_t rdata, rdlen;
};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 'a' - 'A') : c;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

int rs_name_check(const char *name)
{
	size_t len = strlen(name), label = 0;

	if (len && name[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (!label)
				return -EINVAL;
			label = 0;
		} else if (!name_char(name[i]) || ++label > LABEL_MAX) {
			return -EINVAL;
		}
	}
	return label ? 0 : -EINVAL;
}

/* name (checked) in wire form into out, which has room for WIRE_NAME_MAX. */
static size_t name_to_wire(const char *name, uint8_t *out, bool fold)
{
	size_t o = 0, label = 0;

	out[o++] = 0;
	for (const char *p = name; *p; p++) {
		if (*p == '.') {
			label = o++;
			out[label] = 0;
			continue;
		}
		out[o++] = fold ? lower((uint8_t)*p) : (uint8_t)*p;
		out[label]++;
	}
	/* the root label, unless the name ended with a dot and so has it */
	if (out[label])
		out[o++] = 0;
	return o;
}

int rs_query_build(uint8_t *buf, size_t len, uint16_t id, const char *name, uint16_t qtype)
{
	uint8_t wire[WIRE_NAME_MAX];
	size_t n;

	if (rs_name_check(name) < 0)
		return -EINVAL;
	n = name_to_wire(name, wire, false);
	if (len < HDR_LEN + n + 4)
		return -ENOSPC;
	memset(buf, 0, HDR_LEN);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[2] = FLAG_RD >> 8;
	buf[5] = 1; /* QDCOUNT */
	memcpy(buf + HDR_LEN, wire, n);
	buf[HDR_LEN + n] = (uint8_t)(qtype >> 8);
	buf[HDR_LEN + n + 1] = (uint8_t)qtype;
	buf[HDR_LEN + n + 2] = 0;
	buf[HDR_LEN + n + 3] = CLASS_IN;
	return (int)(HDR_LEN + n + 4);
}

/*
 * The name at *off into out; *off moves past it (past its first pointer if
 * it has one). RFC 1035 §4.1.4: a pointer must land before the part of the
 * name it ends, as every encoder writes them, so no chain of pointers can
 * loop; the hops are bounded anyway.
 */
static int read_name(const uint8_t *m, size_t len, size_t *off, struct wname *out)
{
	size_t pos = *off, end = 0;
	size_t start = pos;
	unsigned hops = 0;

	out->len = 0;
	for (;;) {
		uint8_t l;

		if (pos >= len)
			return -EBADMSG;
		l = m[pos];
		if ((l & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= len)
				return -EBADMSG;
			target = (size_t)(l & 0x3f) << 8 | m[pos + 1];
			if (target < HDR_LEN || target >= start || ++hops > PTR_HOPS_MAX)
				return -EBADMSG;
			if (!end)
				end = pos + 2;
			pos = start = target;
			continue;
		}
		if (l > LABEL_MAX)
			return -EBADMSG; /* the 0x40 and 0x80 label types: none in use */
		if (out->len + 1 + l > WIRE_NAME_MAX || pos + 1 + l > len)
			return -EBADMSG;
		out->b[out->len++] = l;
		for (size_t i = 0; i < l; i++)
			out->b[out->len++] = lower(m[pos + 1 + i]);
		pos += 1 + (size_t)l;
		if (l == 0)
			break;
	}
	*off = end ? end : pos;
	return 0;
}

static bool name_eq(const struct wname *a, const struct wname *b)
{
	return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

/* The resource record at *off; *off moves past it. */
static int read_rr(const uint8_t *m, size_t len, size_t *off, struct rr *rr)
{
	size_t o = *off;

	if (read_name(m, len, &o, &rr->owner) < 0 || len - o < 10)
		return -EBADMSG;
	rr->type = rd16(m + o);
	rr->class = rd16(m + o + 2);
	rr->ttl = rd32(m + o + 4);
	if (rr->ttl > INT32_MAX)
		rr->ttl = 0; /* RFC 2181 §8 */
	rr->rdlen = rd16(m + o + 8);
	rr->rdata = o + 10;
	if (len - rr->rdata < rr->rdlen)
		return -EBADMSG;
	*off = rr->rdata + rr->rdlen;
	return 0;
}

/* RFC 2308 §5: the negative TTL, from the SOA of the authority section. */
static int negative_ttl(const uint8_t *m, size_t len, size_t off, unsigned ns, uint32_t *ttl)
{
	struct wname skip;
	struct rr rr;

	*ttl = NEG_TTL_DEFAULT;
	for (unsigned i = 0; i < ns; i++) {
		size_t o;
		uint32_t minimum;

		if (read_rr(m, len, &off, &rr) < 0)
			return -EBADMSG;
		if (rr.type != TYPE_SOA || rr.class != CLASS_IN)
			continue;
		/* MNAME, RNAME, then SERIAL, REFRESH, RETRY, EXPIRE, MINIMUM */
		o = rr.rdata;
		if (read_name(m, len, &o, &skip) < 0 || read_name(m, len, &o, &skip) < 0 ||
		    o + 20 != rr.rdata + rr.rdlen)
			return -EBADMSG;
		minimum = rd32(m + o + 16);
		if (minimum > INT32_MAX)
			minimum = 0;
		*ttl = minimum < rr.ttl ? minimum : rr.ttl;
		return 0;
	}
	return 0;
}

static void add_addr(struct rs_answer *out, uint16_t qtype, const uint8_t *p)
{
	struct dp_addr a = { 0 };
	size_t alen = qtype == RS_QTYPE_A ? 4 : 16;

	a.family = qtype == RS_QTYPE_A ? 4 : 6;
	a.prefixlen = (uint8_t)(alen * 8);
	memcpy(a.addr, p, alen);
	for (unsigned i = 0; i < out->n; i++)
		if (memcmp(&out->addrs[i], &a, sizeof(a)) == 0)
			return;
	if (out->n < RS_MAX_ADDRS)
		out->addrs[out->n++] = a;
}

/*
 * The addresses of qtype at the end of the CNAME chain that starts at qname,
 * in an answer section of an records at off, all of them readable. 0 with
 * out->n and out->ttl set, -ENOENT when the chain ends without addresses,
 * -EBADMSG for a malformed record on the way, a loop or a chain too long.
 */
static int follow_chain(const uint8_t *m, size_t len, size_t off, unsigned an, uint16_t qtype,
			const struct wname *qname, struct rs_answer *out)
{
	struct wname seen[CHAIN_MAX + 1];
	size_t alen = qtype == RS_QTYPE_A ? 4 : 16;
	uint32_t ttl = UINT32_MAX;
	unsigned hops = 0;

	seen[0] = *qname;
	for (;;) {
		const struct wname *cur = &seen[hops];
		uint32_t cname_ttl = 0;
		bool found = false, cname = false;
		struct wname next;
		size_t o = off;
		struct rr rr;

		for (unsigned i = 0; i < an; i++) {
			size_t t;

			if (read_rr(m, len, &o, &rr) < 0)
				return -EBADMSG;
			if (rr.class != CLASS_IN || !name_eq(&rr.owner, cur))
				continue;
			if (rr.type == qtype) {
				if (rr.rdlen != alen)
					return -EBADMSG;
				add_addr(out, qtype, m + rr.rdata);
				ttl = rr.ttl < ttl ? rr.ttl : ttl;
				found = true;
			} else if (rr.type == TYPE_CNAME && !cname) {
				t = rr.rdata;
				if (read_name(m, len, &t, &next) < 0 || t != rr.rdata + rr.rdlen)
					return -EBADMSG;
				cname_ttl = rr.ttl;
				cname = true;
			}
		}
		if (found) {
			out->ttl = ttl;
			return 0;
		}
		if (!cname)
			return -ENOENT;
		ttl = cname_ttl < ttl ? cname_ttl : ttl;
		if (hops == CHAIN_MAX)
			return -EBADMSG;
		for (unsigned i = 0; i <= hops; i++)
			if (name_eq(&seen[i], &next))
				return -EBADMSG;
		seen[++hops] = next;
	}
}

static int parse(const uint8_t *msg, size_t len, uint16_t id, const char *name, uint16_t qtype,
		 struct rs_answer *out)
{
	struct wname want, qname;
	size_t off = HDR_LEN, answers, authority;
	unsigned an, ns;
	uint16_t flags;
	struct rr rr;
	int rc;

	if ((qtype != RS_QTYPE_A && qtype != RS_QTYPE_AAAA) || rs_name_check(name) < 0)
		return -EINVAL;
	want.len = name_to_wire(name, want.b, true);
	if (len < HDR_LEN || rd16(msg) != id)
		return -EBADMSG;
	flags = rd16(msg + 2);
	if (!(flags & FLAG_QR) || ((flags >> 11) & 0xf) != 0 || rd16(msg + 4) != 1)
		return -EBADMSG;
	if (read_name(msg, len, &off, &qname) < 0 || len - off < 4 || !name_eq(&qname, &want) ||
	    rd16(msg + off) != qtype || rd16(msg + off + 2) != CLASS_IN)
		return -EBADMSG;
	off += 4;
	out->rcode = flags & 0xf;
	if (flags & FLAG_TC) {
		out->truncated = true;
		return -EAGAIN;
	}
	if (out->rcode != 0 && out->rcode != RCODE_NXDOMAIN)
		return -EPROTO;
	an = rd16(msg + 6);
	ns = rd16(msg + 8);
	/* every record of the answer and authority sections must be readable
	 * before any of them is believed */
	answers = off;
	for (unsigned i = 0; i < an; i++)
		if (read_rr(msg, len, &off, &rr) < 0)
			return -EBADMSG;
	authority = off;
	for (unsigned i = 0; i < ns; i++)
		if (read_rr(msg, len, &off, &rr) < 0)
			return -EBADMSG;
	if (out->rcode == 0) {
		rc = follow_chain(msg, len, answers, an, qtype, &want, out);
		if (rc != -ENOENT)
			return rc;
	}
	/* NXDOMAIN, or NODATA: the chain ended without addresses */
	rc = negative_ttl(msg, len, authority, ns, &out->ttl);
	return rc < 0 ? rc : -ENOENT;
}

int rs_response_parse(const uint8_t *msg, size_t len, uint16_t id, const char *name, uint16_t qtype,
		      struct rs_answer *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = parse(msg, len, id, name, qtype, out);
	if (rc != 0) {
		out->n = 0;
		memset(out->addrs, 0, sizeof(out->addrs));
	}
	return rc;
}

/* ---- the resolver ---- */

union rs_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_storage ss;
};

struct rs_query {
	uint16_t id, qtype;
	unsigned tries;	 /* sent so far */
	unsigned server; /* asked by the last try */
	uint64_t deadline_ms;
	bool done;
	int rc;
	struct rs_answer ans;
};

struct rs_lookup {
	struct rs_lookup *next;
	char name[RS_NAME_MAX + 1];
	rs_done_fn cb;
	void *arg;
	struct rs_query q[2]; /* A, AAAA */
};

struct rs_resolver {
	union rs_sockaddr servers[RS_MAX_SERVERS];
	unsigned n_servers;
	int fd4, fd6;
	unsigned timeout_ms, tries;
	struct rs_lookup *lookups;
	unsigned busy; /* inside rs_on_readable or rs_on_timer */
	bool freed;    /* rs_free called from a callback: free on the way out */
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct rs_resolver *rs_new(const struct dp_addr *servers, unsigned n_servers, uint16_t port,
			   unsigned timeout_ms, unsigned tries)
{
	struct rs_resolver *r;

	if (!servers || !n_servers || n_servers > RS_MAX_SERVERS || !timeout_ms ||
	    timeout_ms > INT_MAX || !tries)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->fd4 = r->fd6 = -1;
	r->timeout_ms = timeout_ms;
	r->tries = tries;
	for (unsigned i = 0; i < n_servers; i++) {
		union rs_sockaddr *sa = &r->servers[i];
		int *fd;

		if (servers[i].family == 4) {
			sa->in.sin_family = AF_INET;
			sa->in.sin_port = htons(port ? port : 53);
			memcpy(&sa->in.sin_addr, servers[i].addr, 4);
			fd = &r->fd4;
		} else if (servers[i].family == 6) {
			sa->in6.sin6_family = AF_INET6;
			sa->in6.sin6_port = htons(port ? port : 53);
			memcpy(&sa->in6.sin6_addr, servers[i].addr, 16);
			fd = &r->fd6;
		} else {
			goto fail;
		}
		if (*fd < 0) {
			*fd = socket(sa->sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
				     0);
			if (*fd < 0)
				goto fail;
		}
		r->n_servers++;
	}
	return r;
fail:
	rs_free(r);
	return NULL;
}

static void destroy(struct rs_resolver *r)
{
	while (r->lookups) {
		struct rs_lookup *l = r->lookups;

		r->lookups = l->next;
		free(l);
	}
	if (r->fd4 >= 0)
		close(r->fd4);
	if (r->fd6 >= 0)
		close(r->fd6);
	free(r);
}

void rs_free(struct rs_resolver *r)
{
	if (!r)
		return;
	if (r->busy)
		r->freed = true;
	else
		destroy(r);
}

int rs_fds(const struct rs_resolver *r, int fds[2])
{
	int n = 0;

	if (r->fd4 >= 0)
		fds[n++] = r->fd4;
	if (r->fd6 >= 0)
		fds[n++] = r->fd6;
	return n;
}

int rs_fd(const struct rs_resolver *r)
{
	return r->fd4 >= 0 ? r->fd4 : r->fd6;
}

static socklen_t sa_len(const union rs_sockaddr *sa)
{
	return sa->sa.sa_family == AF_INET ? sizeof(sa->in) : sizeof(sa->in6);
}

/* One try of q, to the server whose turn it is. A try that cannot be sent
 * counts as lost: its time is up at once, and the timer moves on. */
static void send_try(struct rs_resolver *r, struct rs_lookup *l, struct rs_query *q, uint64_t now)
{
	const union rs_sockaddr *sa;
	uint8_t buf[HDR_LEN + WIRE_NAME_MAX + 4];
	int len;

	q->server = q->tries % r->n_servers;
	q->tries++;
	q->deadline_ms = now;
	sa = &r->servers[q->server];
	if (getrandom(&q->id, sizeof(q->id), 0) != (ssize_t)sizeof(q->id))
		return;
	len = rs_query_build(buf, sizeof(buf), q->id, l->name, q->qtype);
	if (len < 0)
		return;
	if (sendto(sa->sa.sa_family == AF_INET ? r->fd4 : r->fd6, buf, (size_t)len, 0, &sa->sa,
		   sa_len(sa)) != len)
		return;
	q->deadline_ms = now + r->timeout_ms;
}

int rs_resolve(struct rs_resolver *r, const char *name, rs_done_fn cb, void *arg)
{
	uint64_t now = mono_ms();
	struct rs_lookup *l;

	if (r->freed || !cb || rs_name_check(name) < 0)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	memcpy(l->name, name, strlen(name) + 1);
	l->cb = cb;
	l->arg = arg;
	l->q[0].qtype = RS_QTYPE_A;
	l->q[1].qtype = RS_QTYPE_AAAA;
	l->next = r->lookups;
	r->lookups = l;
	for (int k = 0; k < 2; k++)
		send_try(r, l, &l->q[k], now);
	return 0;
}

/* Both queries of l are done: take it off the list, then tell the caller. */
static void finish(struct rs_resolver *r, struct rs_lookup *l)
{
	struct rs_lookup **p = &r->lookups;
	int rc = l->q[0].rc;

	while (*p != l)
		p = &(*p)->next;
	*p = l->next;
	if (l->q[0].rc == 0 || l->q[1].rc == 0)
		rc = 0;
	l->cb(l->arg, l->name, rc, &l->q[0].ans, &l->q[1].ans);
	free(l);
}

static void query_done(struct rs_query *q, int rc, const struct rs_answer *ans)
{
	q->done = true;
	q->rc = rc;
	if (ans && (rc == 0 || rc == -ENOENT))
		q->ans = *ans;
	else
		q->ans = (struct rs_answer){ .rcode = ans ? ans->rcode : 0,
					     .truncated = ans && ans->truncated };
}

static bool same_addr(const union rs_sockaddr *a, const union rs_sockaddr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->in.sin_port == b->in.sin_port &&
		       a->in.sin_addr.s_addr == b->in.sin_addr.s_addr;
	return a->in6.sin6_port == b->in6.sin6_port &&
	       memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, sizeof(a->in6.sin6_addr)) == 0;
}

/* The query this datagram answers, if any; the lookup's callback runs when
 * it was the last one outstanding. */
static void on_datagram(struct rs_resolver *r, const uint8_t *buf, size_t len,
			const union rs_sockaddr *from)
{
	uint64_t now = mono_ms();

	if (len < 2)
		return;
	for (struct rs_lookup *l = r->lookups; l; l = l->next) {
		for (int k = 0; k < 2; k++) {
			struct rs_query *q = &l->q[k];
			struct rs_answer ans;
			int rc;

			if (q->done || rd16(buf) != q->id ||
			    !same_addr(from, &r->servers[q->server]))
				continue;
			rc = rs_response_parse(buf, len, q->id, l->name, q->qtype, &ans);
			if (rc == -EBADMSG || rc == -EINVAL)
				continue; /* not the response to this question */
			if (rc == -EPROTO && q->tries < r->tries) {
				send_try(r, l, q, now); /* SERVFAIL, REFUSED: ask the next */
				return;
			}
			query_done(q, rc, &ans);
			if (l->q[!k].done)
				finish(r, l);
			return;
		}
	}
}

void rs_on_readable(struct rs_resolver *r)
{
	int fds[2], n = rs_fds(r, fds);

	r->busy++;
	for (int i = 0; i < n && !r->freed; i++) {
		for (unsigned budget = 0; budget < RECV_BUDGET && !r->freed; budget++) {
			union rs_sockaddr from;
			socklen_t fromlen = sizeof(from);
			uint8_t buf[DGRAM_MAX];
			ssize_t got =
				recvfrom(fds[i], buf, sizeof(buf), MSG_TRUNC, &from.sa, &fromlen);

			if (got < 0)
				break;
			if ((size_t)got > sizeof(buf) || fromlen > sizeof(from))
				continue; /* cut short: no use */
			on_datagram(r, buf, (size_t)got, &from);
		}
	}
	if (--r->busy == 0 && r->freed)
		destroy(r);
}

void rs_on_timer(struct rs_resolver *r, uint64_t now_ms)
{
	r->busy++;
again:
	for (struct rs_lookup *l = r->lookups; l && !r->freed; l = l->next) {
		for (int k = 0; k < 2; k++) {
			struct rs_query *q = &l->q[k];

			if (q->done || now_ms < q->deadline_ms)
				continue;
			if (q->tries < r->tries)
				send_try(r, l, q, now_ms);
			else
				query_done(q, -ETIMEDOUT, NULL);
		}
		if (l->q[0].done && l->q[1].done) {
			/* the callback may change the list: start again */
			finish(r, l);
			goto again;
		}
	}
	if (--r->busy == 0 && r->freed)
		destroy(r);
}

int rs_next_timeout_ms(const struct rs_resolver *r, uint64_t now_ms)
{
	uint64_t next = UINT64_MAX;

	for (const struct rs_lookup *l = r->lookups; l; l = l->next)
		for (int k = 0; k < 2; k++)
			if (!l->q[k].done && l->q[k].deadline_ms < next)
				next = l->q[k].deadline_ms;
	if (next == UINT64_MAX)
		return -1;
	if (next <= now_ms)
		return 0;
	return next - now_ms > INT_MAX ? INT_MAX : (int)(next - now_ms);
}
