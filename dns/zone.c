/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * zone.c - zones compiled for the fast path and the responder over them.
 *
 * The builder sorts the records by owner and type into nodes (one per name,
 * the empty non-terminals added) and RRsets whose records sit in one blob as
 * (RDLENGTH, RDATA), and indexes the nodes by their lower-case wire name in
 * an open-addressing table. The responder walks the query name's suffixes
 * from the apex down (a zone cut on the way: a referral), answers what it
 * finds, and writes every owner name as a pointer to a name already in the
 * message (the question, or a name inside an RDATA written before), so the
 * echoed question's case is what the answer's owners show.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/zone.h"
#include "dns/dns_internal.h"

#define NODE_APEX 0x1
#define NODE_CUT  0x2 /* NS below the apex: a delegation */
#define CNAME_MAX 8   /* links followed inside a zone */

struct rrset {
	uint16_t type;
	uint16_t count;
	uint32_t ttl;
	uint32_t off; /* in the blob: count x (RDLENGTH, RDATA) */
	uint32_t len;
};

struct node {
	uint8_t name[DNS_NAME_MAX]; /* lower-case wire form */
	uint8_t name_len, labels, flags;
	uint32_t first, n; /* its RRsets: rrsets[first .. first + n) */
	uint32_t hash;
};

struct dns_zone {
	uint8_t apex[DNS_NAME_MAX];
	uint8_t apex_len, apex_labels;
	uint32_t serial;
	struct node *nodes;
	size_t n_nodes, cap_nodes;
	struct rrset *rrsets;
	size_t n_rrsets;
	uint8_t *blob;
	size_t blob_len;
	uint32_t *table; /* node index + 1, 0: free */
	uint32_t mask;
	size_t n_records;
	uint32_t apex_node; /* index of the apex's node */
};

/* Length and label count of a wire name, checked (no pointers); 0: bad. */
static size_t name_check(const uint8_t *n, size_t max, unsigned *labels)
{
	size_t o = 0;

	*labels = 0;
	for (;;) {
		if (o >= max || o >= DNS_NAME_MAX)
			return 0;
		if (n[o] == 0)
			return o + 1;
		if (n[o] > DNS_LABEL_MAX)
			return 0;
		o += 1u + n[o];
		(*labels)++;
	}
}

/* Eight bytes at a time, a multiply-fold per word: a few cycles for a
 * typical name (the responder hashes every suffix it looks up). */
static uint32_t name_hash(const uint8_t *n, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len;

	while (len >= 8) {
		uint64_t w;

		memcpy(&w, n, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
		n += 8;
		len -= 8;
	}
	if (len) {
		uint64_t w = 0;

		memcpy(&w, n, len);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
		h ^= h >> 32;
	}
	return (uint32_t)(h ^ (h >> 29));
}

/* Is name (len bytes, labels) at or below apex? Both lower case. */
static bool in_zone(const struct dns_zone *z, const uint8_t *name, size_t len, unsigned labels)
{
	return labels >= z->apex_labels && len >= z->apex_len &&
	       memcmp(name + len - z->apex_len, z->apex, z->apex_len) == 0;
}

static const struct node *find(const struct dns_zone *z, const uint8_t *name, size_t len)
{
	uint32_t h = name_hash(name, len);

	for (uint32_t i = h & z->mask;; i = (i + 1) & z->mask) {
		uint32_t v = z->table[i];
		const struct node *nd;

		if (!v)
			return NULL;
		nd = &z->nodes[v - 1];
		if (nd->hash == h && nd->name_len == len && memcmp(nd->name, name, len) == 0)
			return nd;
	}
}

static const struct rrset *rrset_of(const struct dns_zone *z, const struct node *nd, uint16_t type)
{
	for (uint32_t i = 0; i < nd->n; i++)
		if (z->rrsets[nd->first + i].type == type)
			return &z->rrsets[nd->first + i];
	return NULL;
}

/* ---- building ---- */

struct sorted {
	uint8_t name[DNS_NAME_MAX]; /* lower case */
	uint8_t len, labels;
	size_t idx; /* into the input */
	uint16_t type;
};

/* Canonical-ish order: by length, then bytes, then type: what matters is
 * that records of one name and type are adjacent. */
static int cmp_sorted(const void *a, const void *b)
{
	const struct sorted *x = a, *y = b;
	int c;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	c = memcmp(x->name, y->name, x->len);
	if (c)
		return c;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int add_node(struct dns_zone *z, const uint8_t *name, size_t len, unsigned labels)
{
	struct node *nd;

	if (z->n_nodes == z->cap_nodes) {
		size_t cap = z->cap_nodes ? z->cap_nodes * 2 : 64;
		struct node *n = realloc(z->nodes, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		z->nodes = n;
		z->cap_nodes = cap;
	}
	nd = &z->nodes[z->n_nodes++];
	memset(nd, 0, sizeof(*nd));
	memcpy(nd->name, name, len);
	nd->name_len = (uint8_t)len;
	nd->labels = (uint8_t)labels;
	nd->hash = name_hash(name, len);
	return 0;
}

static int index_nodes(struct dns_zone *z)
{
	uint32_t size = 16;

	while (size < z->n_nodes * 2 + 1)
		size <<= 1;
	free(z->table);
	z->table = calloc(size, sizeof(*z->table));
	if (!z->table)
		return -ENOMEM;
	z->mask = size - 1;
	for (size_t i = 0; i < z->n_nodes; i++) {
		uint32_t k = z->nodes[i].hash & z->mask;

		while (z->table[k])
			k = (k + 1) & z->mask;
		z->table[k] = (uint32_t)i + 1;
	}
	return 0;
}

/* RDATA fit for its type? (the types the responder reads names from) */
static bool rdata_ok(uint16_t type, const uint8_t *r, uint16_t len)
{
	unsigned l;
	size_t n;

	switch (type) {
	case DNS_T_A:
		return len == 4;
	case DNS_T_AAAA:
		return len == 16;
	case DNS_T_NS:
	case DNS_T_CNAME:
	case 12: /* PTR */
		return name_check(r, len, &l) == len;
	case 15: /* MX */
		return len > 2 && name_check(r + 2, len - 2u, &l) == len - 2u;
	case DNS_T_SOA:
		n = name_check(r, len, &l);
		if (!n)
			return false;
		{
			size_t m = name_check(r + n, len - n, &l);

			return m && n + m + 20 == len;
		}
	default:
		return true;
	}
}

#define FAIL(...)                                   \
	do {                                        \
		snprintf(err, errlen, __VA_ARGS__); \
		rc = -EINVAL;                       \
		goto fail;                          \
	} while (0)

int dns_zone_build(const uint8_t *apex, const struct dns_zone_rr *rrs, size_t n,
		   struct dns_zone **out, char *err, size_t errlen, uint32_t *err_line)
{
	uint32_t line_dummy;
	struct dns_zone *z = calloc(1, sizeof(*z));
	struct sorted *s = calloc(n ? n : 1, sizeof(*s));
	size_t blob = 0, n_real;
	unsigned al;
	char t[1024];
	int rc = -ENOMEM;

	if (!err_line)
		err_line = &line_dummy;
	*err_line = 0;
	*out = NULL;
	if (!z || !s)
		goto fail;
	z->apex_len = (uint8_t)name_check(apex, DNS_NAME_MAX, &al);
	if (!z->apex_len)
		FAIL("the zone's name is not a valid name");
	for (size_t i = 0; i < z->apex_len; i++)
		z->apex[i] = dns_lower(apex[i]);
	z->apex_labels = (uint8_t)al;
	/* fold, check and sort the records */
	for (size_t i = 0; i < n; i++) {
		unsigned l;
		size_t len = name_check(rrs[i].owner, DNS_NAME_MAX, &l);

		*err_line = rrs[i].line;
		if (!len)
			FAIL("record %zu: bad owner name", i + 1);
		for (size_t k = 0; k < len; k++)
			s[i].name[k] = dns_lower(rrs[i].owner[k]);
		s[i].len = (uint8_t)len;
		s[i].labels = (uint8_t)l;
		s[i].idx = i;
		s[i].type = rrs[i].type;
		if (!in_zone(z, s[i].name, len, l))
			FAIL("%s is outside the zone %s", dns_name_to_text(s[i].name, t, sizeof(t)),
			     dns_name_to_text(z->apex, t + 512, 512));
		if (rrs[i].type == DNS_T_OPT || rrs[i].type == DNS_T_TSIG ||
		    rrs[i].type == DNS_T_AXFR || rrs[i].type == DNS_T_IXFR ||
		    rrs[i].type == DNS_T_ANY || rrs[i].type == 0)
			FAIL("%s: type %u cannot be in a zone",
			     dns_name_to_text(s[i].name, t, sizeof(t)), rrs[i].type);
		if (!rdata_ok(rrs[i].type, rrs[i].rdata, rrs[i].rdlen))
			FAIL("%s: bad RDATA for type %u", dns_name_to_text(s[i].name, t, sizeof(t)),
			     rrs[i].type);
		blob += 2u + rrs[i].rdlen;
	}
	*err_line = 0;
	qsort(s, n, sizeof(*s), cmp_sorted);
	z->rrsets = calloc(n ? n : 1, sizeof(*z->rrsets));
	z->blob = malloc(blob ? blob : 1);
	if (!z->rrsets || !z->blob)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const struct dns_zone_rr *r = &rrs[s[i].idx];
		bool new_node = !i || s[i].len != s[i - 1].len ||
				memcmp(s[i].name, s[i - 1].name, s[i].len) != 0;
		bool new_set = new_node || s[i].type != s[i - 1].type;
		struct rrset *rs;

		if (new_node) {
			rc = add_node(z, s[i].name, s[i].len, s[i].labels);
			if (rc < 0)
				goto fail;
			z->nodes[z->n_nodes - 1].first = (uint32_t)z->n_rrsets;
		}
		if (new_set) {
			rs = &z->rrsets[z->n_rrsets++];
			*rs = (struct rrset){ .type = r->type,
					      .ttl = r->ttl,
					      .off = (uint32_t)z->blob_len };
			z->nodes[z->n_nodes - 1].n++;
		}
		rs = &z->rrsets[z->n_rrsets - 1];
		*err_line = r->line;
		if (rs->ttl != r->ttl)
			FAIL("%s type %u: records with TTL %u and %u in one RRset",
			     dns_name_to_text(s[i].name, t, sizeof(t)), r->type, rs->ttl, r->ttl);
		dns_wr16(z->blob + z->blob_len, r->rdlen);
		memcpy(z->blob + z->blob_len + 2, r->rdata, r->rdlen);
		z->blob_len += 2u + r->rdlen;
		rs->len = (uint32_t)(z->blob_len - rs->off);
		rs->count++;
	}
	*err_line = 0;
	z->n_records = n;
	n_real = z->n_nodes;
	rc = index_nodes(z);
	if (rc < 0)
		goto fail;
	/* the empty non-terminals: every name between a node and the apex */
	for (size_t i = 0; i < n_real; i++) {
		uint8_t name[DNS_NAME_MAX];
		size_t len = z->nodes[i].name_len, o = 0;
		unsigned labels = z->nodes[i].labels;

		memcpy(name, z->nodes[i].name, len);
		while (labels > z->apex_labels) {
			o += 1u + name[o];
			labels--;
			if (find(z, name + o, len - o))
				continue;
			rc = add_node(z, name + o, len - o, labels);
			if (rc < 0 || (rc = index_nodes(z)) < 0)
				goto fail;
		}
	}
	/* the apex: one SOA, some NS */
	{
		const struct node *ap = find(z, z->apex, z->apex_len);
		const struct rrset *soa = ap ? rrset_of(z, ap, DNS_T_SOA) : NULL;

		if (!soa)
			FAIL("no SOA at the zone's apex");
		if (soa->count != 1)
			FAIL("%u SOA records at the apex: want exactly one", soa->count);
		if (!rrset_of(z, ap, DNS_T_NS))
			FAIL("no NS records at the zone's apex");
		{
			const uint8_t *r = z->blob + soa->off + 2;
			unsigned l;
			size_t m = name_check(r, DNS_NAME_MAX, &l);

			m += name_check(r + m, DNS_NAME_MAX, &l);
			z->serial = (uint32_t)dns_rd16(r + m) << 16 | dns_rd16(r + m + 2);
		}
	}
	/* flags, and data that cannot stand together */
	for (size_t i = 0; i < z->n_nodes; i++) {
		struct node *nd = &z->nodes[i];

		if (nd->name_len == z->apex_len && memcmp(nd->name, z->apex, z->apex_len) == 0) {
			nd->flags |= NODE_APEX;
			z->apex_node = (uint32_t)i;
		} else if (rrset_of(z, nd, DNS_T_NS))
			nd->flags |= NODE_CUT;
		if (rrset_of(z, nd, DNS_T_CNAME) && nd->n > 1)
			FAIL("%s: CNAME and other data at one name",
			     dns_name_to_text(nd->name, t, sizeof(t)));
		if (nd->flags & NODE_APEX && rrset_of(z, nd, DNS_T_CNAME))
			FAIL("a CNAME at the zone's apex");
	}
	free(s);
	*out = z;
	return 0;
fail:
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	free(s);
	dns_zone_free(z);
	return rc;
}

void dns_zone_free(struct dns_zone *z)
{
	if (!z)
		return;
	free(z->nodes);
	free(z->rrsets);
	free(z->blob);
	free(z->table);
	free(z);
}

const uint8_t *dns_zone_apex(const struct dns_zone *z)
{
	return z->apex;
}

uint32_t dns_zone_serial(const struct dns_zone *z)
{
	return z->serial;
}

const uint8_t *dns_zone_soa(const struct dns_zone *z, uint16_t *rdlen, uint32_t *ttl)
{
	const struct rrset *soa = rrset_of(z, &z->nodes[z->apex_node], DNS_T_SOA);

	*rdlen = dns_rd16(z->blob + soa->off);
	*ttl = soa->ttl;
	return z->blob + soa->off + 2;
}

size_t dns_zone_names(const struct dns_zone *z)
{
	return z->n_nodes;
}

size_t dns_zone_records(const struct dns_zone *z)
{
	return z->n_records;
}

/* ---- answering ---- */

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	uint16_t an, ns, ar;
	bool full;
};

/* Write an RRset with a pointer as each owner; rd[i], when given, receives
 * the offset of record i's RDATA (for names inside it). */
static void emit(struct wbuf *w, size_t owner, const struct dns_zone *z, const struct rrset *s,
		 uint16_t *count, size_t *rd, unsigned rd_max)
{
	const uint8_t *r = z->blob + s->off;

	for (unsigned i = 0; i < s->count; i++) {
		uint16_t rdlen = dns_rd16(r);

		if (owner >= 0x3fff || w->len + 12u + rdlen > w->cap) {
			w->full = true;
			return;
		}
		dns_wr16(w->p + w->len, (uint16_t)(0xc000 | owner));
		dns_wr16(w->p + w->len + 2, s->type);
		dns_wr16(w->p + w->len + 4, DNS_CLASS_IN);
		dns_wr16(w->p + w->len + 6, (uint16_t)(s->ttl >> 16));
		dns_wr16(w->p + w->len + 8, (uint16_t)s->ttl);
		memcpy(w->p + w->len + 10, r, 2u + rdlen);
		if (rd && i < rd_max)
			rd[i] = w->len + 12;
		w->len += 12u + rdlen;
		r += 2u + rdlen;
		(*count)++;
	}
}

/* The SOA, for a negative answer; owner: the apex, a suffix of the name at
 * name_off in the message. */
static void emit_soa(struct wbuf *w, const struct dns_zone *z, size_t name_off, size_t name_len)
{
	const struct node *ap = &z->nodes[z->apex_node];

	emit(w, name_off + name_len - z->apex_len, z, rrset_of(z, ap, DNS_T_SOA), &w->ns, NULL, 0);
}

/* A referral: the cut's NS in the authority section, the addresses of the
 * name servers the zone has in the additional one (glue). */
static void referral(struct wbuf *w, const struct dns_zone *z, const struct node *cut,
		     size_t cut_off)
{
	const struct rrset *ns = rrset_of(z, cut, DNS_T_NS);
	size_t rd[16];
	unsigned n = ns->count < 16 ? ns->count : 16;

	emit(w, cut_off, z, ns, &w->ns, rd, 16);
	for (unsigned i = 0; i < n && !w->full; i++) {
		uint8_t name[DNS_NAME_MAX];
		unsigned l;
		size_t len = name_check(w->p + rd[i], w->len - rd[i], &l);
		const struct node *g;

		if (!len)
			continue;
		for (size_t k = 0; k < len; k++)
			name[k] = dns_lower(w->p[rd[i] + k]);
		if (!in_zone(z, name, len, l) || !(g = find(z, name, len)))
			continue;
		for (uint16_t t = DNS_T_A; t; t = t == DNS_T_A ? DNS_T_AAAA : 0) {
			const struct rrset *a = rrset_of(z, g, t);

			if (a)
				emit(w, rd[i], z, a, &w->ar, NULL, 0);
		}
	}
}

static size_t finish(struct wbuf *w, const struct dns_query *q, size_t base, uint8_t rcode, bool aa,
		     uint16_t edns_size, size_t limit)
{
	uint8_t *p = w->p;

	if (w->full) {
		/* does not fit: the question alone, TC set (RFC 1035 §4.1.1) */
		w->len = base;
		w->an = w->ns = w->ar = 0;
		dns_wr16(p + 2, (uint16_t)(dns_rd16(p + 2) | DNS_F_TC));
	}
	dns_wr16(p + 2, (uint16_t)((dns_rd16(p + 2) & ~(0xf | DNS_F_AA)) | (rcode & 0xf) |
				   (aa ? DNS_F_AA : 0)));
	dns_set_counts(p, w->an, w->ns, w->ar);
	if (q->edns) {
		size_t n = dns_resp_opt(p, w->len, w->cap + 11 > limit ? limit : w->cap + 11, q,
					edns_size, rcode);

		if (n)
			w->len = n;
	}
	return w->len;
}

size_t dns_answer(const struct dns_zone *const *zones, unsigned n, const struct dns_query *q,
		  uint8_t *out, size_t cap, size_t limit, uint16_t edns_size, uint8_t *rcode)
{
	int zone;

	return dns_answer_zone(zones, n, q, out, cap, limit, edns_size, rcode, &zone);
}

size_t dns_answer_zone(const struct dns_zone *const *zones, unsigned n, const struct dns_query *q,
		       uint8_t *out, size_t cap, size_t limit, uint16_t edns_size, uint8_t *rcode,
		       int *zone)
{
	const struct dns_zone *z = NULL;
	const uint8_t *qn = q->qname_lc;
	size_t qlen = q->qname_len, base, name_off, name_len;
	unsigned qlabels = q->labels, chain = 0;
	uint8_t cur[DNS_NAME_MAX]; /* the name being looked up, lower case */
	unsigned cur_labels;
	struct wbuf w = { .p = out };
	bool aa = true;
	uint8_t rc = DNS_RC_NOERROR;

	/* the zone: the longest apex that ends the name */
	*zone = -1;
	for (unsigned i = 0; i < n; i++)
		if (in_zone(zones[i], qn, qlen, qlabels) &&
		    (!z || zones[i]->apex_len > z->apex_len)) {
			z = zones[i];
			*zone = (int)i;
		}
	base = dns_resp_begin(out, cap, q, 0, false);
	if (!base)
		return 0;
	if (limit > cap)
		limit = cap;
	/* keep room for the OPT within the limit */
	w.cap = q->edns ? (limit > 11 ? limit - 11 : 0) : limit;
	w.len = base;
	if (!z || q->qclass != DNS_CLASS_IN) {
		*zone = -1;
		*rcode = DNS_RC_REFUSED;
		return finish(&w, q, base, DNS_RC_REFUSED, false, edns_size, limit);
	}
	memcpy(cur, qn, qlen);
	cur_labels = qlabels;
	name_off = DNS_HDR_LEN;
	name_len = qlen;
	for (;;) {
		const struct node *nd = NULL, *ce = NULL, *cut = NULL;
		const struct rrset *rs;
		size_t offs[128], cut_off = 0;
		unsigned k, nl = 0;

		/* the suffixes of the name, apex first: offs[j] starts the
		 * suffix with cur_labels - j labels */
		for (size_t o = 0; nl < 128; nl++) {
			offs[nl] = o;
			if (!cur[o])
				break;
			o += 1u + cur[o];
		}
		ce = &z->nodes[z->apex_node]; /* the apex exists */
		for (k = z->apex_labels + 1u; k <= cur_labels; k++) {
			size_t o = offs[cur_labels - k];
			const struct node *x = find(z, cur + o, name_len - o);

			if (!x)
				break;
			ce = x;
			if (x->flags & NODE_CUT) {
				cut = x;
				cut_off = name_off + o;
				break;
			}
		}
		if (cut && k == cur_labels && q->qtype == 43 /* DS */) {
			nd = cut; /* the parent side of the cut answers DS */
		} else if (cut) {
			aa = false;
			referral(&w, z, cut, cut_off);
			break;
		} else if (k > cur_labels) {
			nd = ce; /* every suffix exists: the name itself */
		}
		if (!nd) {
			/* RFC 4592: the source of synthesis, *.closest-encloser */
			uint8_t wc[DNS_NAME_MAX];
			size_t o = offs[cur_labels - (k - 1)];

			if (name_len - o + 2 <= DNS_NAME_MAX) {
				wc[0] = 1;
				wc[1] = '*';
				memcpy(wc + 2, cur + o, name_len - o);
				nd = find(z, wc, name_len - o + 2);
			}
			if (!nd) {
				rc = DNS_RC_NXDOMAIN;
				emit_soa(&w, z, name_off, name_len);
				break;
			}
		}
		rs = rrset_of(z, nd, DNS_T_CNAME);
		if (rs && q->qtype != DNS_T_CNAME) {
			size_t rd[1];
			unsigned l;

			emit(&w, name_off, z, rs, &w.an, rd, 1);
			if (w.full || ++chain > CNAME_MAX)
				break;
			/* follow it while it stays in this zone */
			name_len = name_check(w.p + rd[0], w.len - rd[0], &l);
			for (size_t i = 0; i < name_len; i++)
				cur[i] = dns_lower(w.p[rd[0] + i]);
			cur_labels = l;
			name_off = rd[0];
			if (!in_zone(z, cur, name_len, l))
				break;
			continue;
		}
		if (q->qtype == DNS_T_ANY && nd->n) {
			/* RFC 8482: one RRset is a full answer to ANY */
			emit(&w, name_off, z, &z->rrsets[nd->first], &w.an, NULL, 0);
			break;
		}
		rs = rrset_of(z, nd, q->qtype);
		if (rs)
			emit(&w, name_off, z, rs, &w.an, NULL, 0);
		else
			emit_soa(&w, z, name_off, name_len); /* NODATA */
		break;
	}
	*rcode = rc;
	return finish(&w, q, base, rc, aa, edns_size, limit);
}

/* ---- the zone set on the wire ----
 * "DZS1", zone count (4), then per zone: apex (length, name), record count
 * (4), records: owner (length, name), type (2), TTL (4), RDLENGTH (2),
 * RDATA. Numbers big-endian. */

#define ZS_MAGIC "DZS1"

static size_t zone_wire_len(const struct dns_zone *z)
{
	size_t n = 1 + z->apex_len + 4;

	for (size_t i = 0; i < z->n_nodes; i++) {
		const struct node *nd = &z->nodes[i];

		for (uint32_t k = 0; k < nd->n; k++) {
			const struct rrset *rs = &z->rrsets[nd->first + k];

			n += (size_t)rs->count * (1u + nd->name_len + 8) + rs->len;
		}
	}
	return n;
}

int dns_zones_encode(const struct dns_zone *const *zones, unsigned n, void **buf, size_t *len)
{
	size_t total = 8;
	uint8_t *b, *p;

	for (unsigned i = 0; i < n; i++)
		total += zone_wire_len(zones[i]);
	b = malloc(total);
	if (!b)
		return -ENOMEM;
	memcpy(b, ZS_MAGIC, 4);
	dns_wr16(b + 4, (uint16_t)(n >> 16));
	dns_wr16(b + 6, (uint16_t)n);
	p = b + 8;
	for (unsigned i = 0; i < n; i++) {
		const struct dns_zone *z = zones[i];
		uint8_t *count;

		*p++ = z->apex_len;
		memcpy(p, z->apex, z->apex_len);
		p += z->apex_len;
		count = p;
		p += 4;
		dns_wr16(count, (uint16_t)(z->n_records >> 16));
		dns_wr16(count + 2, (uint16_t)z->n_records);
		for (size_t k = 0; k < z->n_nodes; k++) {
			const struct node *nd = &z->nodes[k];

			for (uint32_t j = 0; j < nd->n; j++) {
				const struct rrset *rs = &z->rrsets[nd->first + j];
				const uint8_t *r = z->blob + rs->off;

				for (unsigned c = 0; c < rs->count; c++) {
					uint16_t rdlen = dns_rd16(r);

					*p++ = nd->name_len;
					memcpy(p, nd->name, nd->name_len);
					p += nd->name_len;
					dns_wr16(p, rs->type);
					dns_wr16(p + 2, (uint16_t)(rs->ttl >> 16));
					dns_wr16(p + 4, (uint16_t)rs->ttl);
					memcpy(p + 6, r, 2u + rdlen);
					p += 8u + rdlen;
					r += 2u + rdlen;
				}
			}
		}
	}
	*buf = b;
	*len = (size_t)(p - b);
	return 0;
}

static bool name_exact(const uint8_t *name, size_t len)
{
	unsigned l;

	return len && name_check(name, len, &l) == len;
}

int dns_zones_decode(const void *buf, size_t len, struct dns_zone **zones, unsigned max,
		     unsigned *n, char *err, size_t errlen)
{
	const uint8_t *b = buf, *p = b + 8, *end = b + len;
	struct dns_zone_rr *rrs = NULL;
	unsigned count, built = 0;
	int rc = -EINVAL;

	*n = 0;
	if (len < 8 || memcmp(b, ZS_MAGIC, 4) != 0) {
		snprintf(err, errlen, "zones: bad magic or short");
		return -EINVAL;
	}
	count = (unsigned)dns_rd16(b + 4) << 16 | dns_rd16(b + 6);
	if (count > max || count > DNS_ZONES_MAX) {
		snprintf(err, errlen, "zones: %u zones, at most %u", count, max);
		return -EINVAL;
	}
	for (unsigned i = 0; i < count; i++) {
		const uint8_t *apex;
		uint32_t nrec;
		char why[256];

		if (end - p < 1 || end - p < 1 + p[0] + 4) {
			snprintf(err, errlen, "zones: zone %u: truncated", i + 1);
			goto fail;
		}
		apex = p + 1;
		p += 1 + p[0];
		nrec = (uint32_t)dns_rd16(p) << 16 | dns_rd16(p + 2);
		p += 4;
		if (nrec > (size_t)(end - p) / 9) {
			snprintf(err, errlen, "zones: zone %u: %u records cannot fit", i + 1, nrec);
			goto fail;
		}
		free(rrs);
		rrs = calloc(nrec ? nrec : 1, sizeof(*rrs));
		if (!rrs) {
			rc = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		for (uint32_t k = 0; k < nrec; k++) {
			if (end - p < 1 || end - p < 1 + p[0] + 8 ||
			    end - p < 1 + p[0] + 8 + dns_rd16(p + 1 + p[0] + 6)) {
				snprintf(err, errlen, "zones: zone %u: record %u truncated", i + 1,
					 k + 1);
				goto fail;
			}
			rrs[k].owner = p + 1;
			p += 1 + p[0];
			rrs[k].type = dns_rd16(p);
			rrs[k].ttl = (uint32_t)dns_rd16(p + 2) << 16 | dns_rd16(p + 4);
			rrs[k].rdlen = dns_rd16(p + 6);
			rrs[k].rdata = p + 8;
			p += 8u + rrs[k].rdlen;
			/* a name is exactly as long as its length byte says */
			if (!name_exact(rrs[k].owner, rrs[k].owner[-1])) {
				snprintf(err, errlen, "zones: zone %u: record %u: bad owner", i + 1,
					 k + 1);
				goto fail;
			}
		}
		if (!name_exact(apex, apex[-1])) {
			snprintf(err, errlen, "zones: zone %u: bad name", i + 1);
			goto fail;
		}
		rc = dns_zone_build(apex, rrs, nrec, &zones[built], why, sizeof(why), NULL);
		if (rc < 0) {
			snprintf(err, errlen, "zones: zone %u: %s", i + 1, why);
			goto fail;
		}
		built++;
	}
	if (p != end) {
		snprintf(err, errlen, "zones: %zu bytes after the last zone", (size_t)(end - p));
		rc = -EINVAL;
		goto fail;
	}
	free(rrs);
	*n = built;
	return 0;
fail:
	free(rrs);
	while (built)
		dns_zone_free(zones[--built]);
	return rc;
}
