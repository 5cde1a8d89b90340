/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_zone.c - zones built for the fast path and the answers given from
 * them: exact matches with the query's case echoed, NODATA, NXDOMAIN, empty
 * non-terminals, CNAME chains in and out of the zone, wildcards, referrals
 * with glue, DS at a cut, ANY, truncation, EDNS, REFUSED, the longest zone;
 * and every reason a zone is refused.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "dns/zone.h"

/* ---- building the test zone ---- */

struct rrbuf {
	struct dns_zone_rr rr[64];
	uint8_t owner[64][DNS_NAME_MAX];
	uint8_t rdata[64][300];
	size_t n;
};

static void add(struct rrbuf *b, const char *owner, uint16_t type, uint32_t ttl,
		const uint8_t *rdata, uint16_t rdlen)
{
	cr_assert_lt(b->n, 64);
	cr_assert_gt(dns_name_from_text(owner, b->owner[b->n], DNS_NAME_MAX, false), 0, "%s", owner);
	memcpy(b->rdata[b->n], rdata, rdlen);
	b->rr[b->n] = (struct dns_zone_rr){ .owner = b->owner[b->n], .type = type, .ttl = ttl,
					    .rdata = b->rdata[b->n], .rdlen = rdlen };
	b->n++;
}

static void add_a(struct rrbuf *b, const char *owner, const char *ip)
{
	uint8_t a[4];

	inet_pton(AF_INET, ip, a);
	add(b, owner, DNS_T_A, 300, a, 4);
}

static void add_name(struct rrbuf *b, const char *owner, uint16_t type, const char *target)
{
	uint8_t w[DNS_NAME_MAX];
	size_t n = dns_name_from_text(target, w, sizeof(w), false);

	cr_assert_gt(n, 0);
	add(b, owner, type, 300, w, (uint16_t)n);
}

static void add_soa(struct rrbuf *b, const char *owner)
{
	uint8_t r[300];
	size_t n = dns_name_from_text("ns1.example.org", r, sizeof(r), false);
	uint32_t v[5] = { htonl(2026112901), htonl(3600), htonl(600), htonl(86400), htonl(300) };

	n += dns_name_from_text("hostmaster.example.org", r + n, sizeof(r) - n, false);
	memcpy(r + n, v, 20);
	add(b, owner, DNS_T_SOA, 3600, r, (uint16_t)(n + 20));
}

static void base_zone(struct rrbuf *b)
{
	uint8_t aaaa[16], mx[64], txt[6] = { 4, 'w', 'i', 'l', 'd' }, ds[8] = { 1, 2, 3, 4, 5 };
	size_t n;

	memset(b, 0, sizeof(*b));
	add_soa(b, "example.org");
	add_name(b, "example.org", DNS_T_NS, "ns1.example.org");
	add_name(b, "example.org", DNS_T_NS, "ns2.example.org");
	add_a(b, "example.org", "192.0.2.1");
	mx[0] = 0;
	mx[1] = 10;
	n = dns_name_from_text("mail.example.org", mx + 2, sizeof(mx) - 2, false);
	add(b, "example.org", 15, 300, mx, (uint16_t)(n + 2));
	add_a(b, "ns1.example.org", "192.0.2.53");
	inet_pton(AF_INET6, "2001:db8::53", aaaa);
	add(b, "ns2.example.org", DNS_T_AAAA, 300, aaaa, 16);
	add_a(b, "www.example.org", "192.0.2.80");
	add_a(b, "www.example.org", "192.0.2.81");
	inet_pton(AF_INET6, "2001:db8::80", aaaa);
	add(b, "www.example.org", DNS_T_AAAA, 300, aaaa, 16);
	add_name(b, "alias.example.org", DNS_T_CNAME, "www.example.org");
	add_name(b, "chain.example.org", DNS_T_CNAME, "ALIAS.example.org");
	add_name(b, "ext.example.org", DNS_T_CNAME, "www.example.net");
	add(b, "*.wild.example.org", 16, 300, txt, 5);
	add_a(b, "a.b.c.example.org", "192.0.2.5");
	add_name(b, "sub.example.org", DNS_T_NS, "ns.sub.example.org");
	add_name(b, "sub.example.org", DNS_T_NS, "ns.elsewhere.net");
	add(b, "sub.example.org", 43, 300, ds, 5);
	add_a(b, "ns.sub.example.org", "192.0.2.99");
	add_name(b, "loop1.example.org", DNS_T_CNAME, "loop2.example.org");
	add_name(b, "loop2.example.org", DNS_T_CNAME, "loop1.example.org");
}

static struct dns_zone *build(struct rrbuf *b, const char *apex)
{
	uint8_t a[DNS_NAME_MAX];
	struct dns_zone *z;
	char err[256] = "";

	dns_name_from_text(apex, a, sizeof(a), false);
	cr_assert_eq(dns_zone_build(a, b->rr, b->n, &z, err, sizeof(err), NULL), 0, "%s", err);
	return z;
}

/* ---- asking and reading answers ---- */

struct rec {
	char owner[300];
	uint16_t type;
	uint16_t rdlen;
	const uint8_t *rdata;
};

struct res {
	uint8_t msg[4096];
	size_t len;
	uint16_t flags, qd, an, ns, ar;
	uint8_t rcode;
	struct rec r[3][40]; /* answer, authority, additional */
};

/* A name at off, pointers followed (the test's own decompressor). */
static size_t read_name(const uint8_t *m, size_t len, size_t off, char *out)
{
	size_t o = off, end = 0, n = 0;
	int hops = 0;

	out[0] = '\0';
	for (;;) {
		cr_assert_lt(o, len, "name runs past the message");
		if ((m[o] & 0xc0) == 0xc0) {
			if (!end)
				end = o + 2;
			o = (size_t)(m[o] & 0x3f) << 8 | m[o + 1];
			cr_assert_lt(++hops, 20, "pointer loop");
			continue;
		}
		if (m[o] == 0) {
			if (!end)
				end = o + 1;
			if (!n)
				strcpy(out, ".");
			return end;
		}
		memcpy(out + n, m + o + 1, m[o]);
		n += m[o];
		out[n++] = '.';
		out[n] = '\0';
		o += 1u + m[o];
	}
}

static void ask(const struct dns_zone *const *zones, unsigned nz, const char *name, uint16_t qtype,
		uint16_t qclass, int edns, size_t limit, struct res *r)
{
	uint8_t q[600];
	struct dns_query dq;
	size_t n = dns_name_from_text(name, q + 12, 300, false), off;
	uint16_t *cnt[3] = { &r->an, &r->ns, &r->ar };

	memset(q, 0, 12);
	q[0] = 0xab;
	q[2] = 0x01; /* RD */
	q[5] = 1;
	q[12 + n] = (uint8_t)(qtype >> 8);
	q[13 + n] = (uint8_t)qtype;
	q[14 + n] = (uint8_t)(qclass >> 8);
	q[15 + n] = (uint8_t)qclass;
	n += 16;
	if (edns) {
		q[11] = 1;
		memset(q + n, 0, 11);
		q[n + 2] = DNS_T_OPT;
		q[n + 3] = (uint8_t)(edns >> 8);
		q[n + 4] = (uint8_t)edns;
		n += 11;
	}
	cr_assert_eq(dns_query_parse(q, n, &dq), DNS_ANSWER);
	r->len = dns_answer(zones, nz, &dq, r->msg, sizeof(r->msg), dns_udp_limit(&dq, limit), 1232,
			    &r->rcode);
	cr_assert_gt(r->len, 12);
	r->flags = (uint16_t)(r->msg[2] << 8 | r->msg[3]);
	r->qd = (uint16_t)(r->msg[4] << 8 | r->msg[5]);
	r->an = (uint16_t)(r->msg[6] << 8 | r->msg[7]);
	r->ns = (uint16_t)(r->msg[8] << 8 | r->msg[9]);
	r->ar = (uint16_t)(r->msg[10] << 8 | r->msg[11]);
	cr_assert_eq(r->flags & 0xf, r->rcode & 0xf);
	cr_assert(r->flags & DNS_F_QR);
	cr_assert(r->flags & DNS_F_RD, "RD echoed");
	cr_assert_eq(memcmp(r->msg + 12, q + 12, dq.question_len), 0, "question echoed");
	off = 12 + dq.question_len;
	for (int s = 0; s < 3; s++)
		for (unsigned i = 0; i < *cnt[s]; i++) {
			struct rec *x = &r->r[s][i < 40 ? i : 39];

			off = read_name(r->msg, r->len, off, x->owner);
			cr_assert_leq(off + 10, r->len);
			x->type = (uint16_t)(r->msg[off] << 8 | r->msg[off + 1]);
			x->rdlen = (uint16_t)(r->msg[off + 8] << 8 | r->msg[off + 9]);
			x->rdata = r->msg + off + 10;
			off += 10u + x->rdlen;
			cr_assert_leq(off, r->len);
		}
	cr_assert_eq(off, r->len, "nothing after the last record");
}

static struct dns_zone *zone;

static void setup(void)
{
	struct rrbuf *b = malloc(sizeof(*b));

	base_zone(b);
	zone = build(b, "example.org");
	free(b);
}

static void teardown(void)
{
	dns_zone_free(zone);
}

TestSuite(dns_answer, .init = setup, .fini = teardown);

Test(dns_answer, exact_match_echoes_the_case)
{
	const struct dns_zone *zs[1] = { zone };
	struct res r;

	ask(zs, 1, "WwW.Example.ORG", DNS_T_A, 1, 0, 512, &r);
	cr_assert_eq(r.rcode, DNS_RC_NOERROR);
	cr_assert(r.flags & DNS_F_AA);
	cr_assert_eq(r.an, 2);
	cr_assert_eq(r.ns + r.ar, 0, "minimal responses");
	cr_assert_str_eq(r.r[0][0].owner, "WwW.Example.ORG.");
	cr_assert_eq(r.r[0][0].type, DNS_T_A);
	cr_assert_eq(r.r[0][0].rdlen, 4);
	cr_assert_eq(r.r[0][1].rdata[3], 81);
	cr_assert_eq(dns_zone_serial(zone), 2026112901);
}

Test(dns_answer, nodata_nxdomain_and_empty_non_terminals)
{
	const struct dns_zone *zs[1] = { zone };
	struct res r;

	ask(zs, 1, "www.example.org", 15, 1, 0, 512, &r);
	cr_assert_eq(r.rcode, DNS_RC_NOERROR);
	cr_assert_eq(r.an, 0);
	cr_assert_eq(r.ns, 1);
	cr_assert_eq(r.r[1][0].type, DNS_T_SOA);
	cr_assert_str_eq(r.r[1][0].owner, "example.org.");
	ask(zs, 1, "nope.Example.org", DNS_T_A, 1, 0, 512, &r);
	cr_assert_eq(r.rcode, DNS_RC_NXDOMAIN);
	cr_assert(r.flags & DNS_F_AA);
	cr_assert_eq(r.ns, 1);
	cr_assert_str_eq(r.r[1][0].owner, "Example.org.", "the apex, as a suffix of the question");
	ask(zs, 1, "b.c.example.org", DNS_T_A, 1, 0, 512, &r);
	cr_assert_eq(r.rcode, DNS_RC_NOERROR, "an empty non-terminal exists");
	cr_assert_eq(r.an, 0);
	ask(zs, 1, "x.a.b.c.example.org", DNS_T_A, 1, 0, 512, &r);
	cr_assert_eq(r.rcode, DNS_RC_NXDOMAIN);
}

Test(dns_answer, cname_chains)
{
	const struct dns_zone *zs[1] = { zone };
	struct res r;

	ask(zs, 1, "chain.example.org", DNS_T_A, 1, 0, 512, &r);
	cr_assert_eq(r.rcode, DNS_RC_NOERROR);
	cr_assert_eq(r.an, 4, "two CNAMEs, then the two addresses");
	cr_assert_eq(r.r[0][0].type, DNS_T_CNAME);
	cr_assert_str_eq(r.r[0][1].owner, "ALIAS.example.org.", "owner: the target as written");
	cr_assert_str_eq(r.r[0][2].owner, "www.example.org.");
	cr_assert_eq(r.r[0][3].type, DNS_T_A);
	ask(zs, 1, "alias.example.org", DNS_T_CNAME, 1, 0, 512, &r);
	cr_assert_eq(r.an, 1, "asked for the CNAME itself");
	ask(zs, 1, "ext.example.org", DNS_T_A, 1, 0, 512, &r);
	cr_assert_eq(r.an, 1, "out of the zone: the resolver follows");
	cr_assert_eq(r.rcode, DNS_RC_NOERROR);
	ask(zs, 1, "loop1.example.org", DNS_T_A, 1, 0, 512, &r);
	cr_assert_leq(r.an, 9, "a loop stops");
}

Test(dns_answer, wildcards)
{
	const struct dns_zone *zs[1] = { zone };
	struct res r;

	ask(zs, 1, "Any.wild.example.org", 16, 1, 0, 512, &r);
	cr_assert_eq(r.rcode, DNS_RC_NOERROR);
	cr_assert_eq(r.an, 1);
	cr_assert_str_eq(r.r[0][0].owner, "Any.wild.example.org.", "synthesized at the name asked");
	ask(zs, 1, "deeper.down.wild.example.org", 16, 1, 0, 512, &r);
	cr_assert_eq(r.an, 1, "closest encloser wild.example.org");
	ask(zs, 1, "any.wild.example.org", DNS_T_A, 1, 0, 512, &r);
	cr_assert_eq(r.rcode, DNS_RC_NOERROR, "NODATA at a synthesized name");
	cr_assert_eq(r.an, 0);
	ask(zs, 1, "wild.example.org", 16, 1, 0, 512, &r);
	cr_assert_eq(r.an, 0, "the wildcard's parent itself is an empty non-terminal");
	cr_assert_eq(r.rcode, DNS_RC_NOERROR);
}

Test(dns_answer, referrals_glue_and_ds)
{
	const struct dns_zone *zs[1] = { zone };
	struct res r;

	ask(zs, 1, "www.Sub.example.org", DNS_T_A, 1, 0, 512, &r);
	cr_assert_eq(r.rcode, DNS_RC_NOERROR);
	cr_assert_not(r.flags & DNS_F_AA, "a referral is not authoritative");
	cr_assert_eq(r.an, 0);
	cr_assert_eq(r.ns, 2);
	cr_assert_str_eq(r.r[1][0].owner, "Sub.example.org.");
	cr_assert_eq(r.ar, 1, "glue for the name server inside the zone only");
	cr_assert_str_eq(r.r[2][0].owner, "ns.sub.example.org.");
	cr_assert_eq(r.r[2][0].rdata[3], 99);
	ask(zs, 1, "sub.example.org", 43, 1, 0, 512, &r);
	cr_assert(r.flags & DNS_F_AA, "DS: the parent side answers");
	cr_assert_eq(r.an, 1);
	cr_assert_eq(r.r[0][0].type, 43);
}

Test(dns_answer, any_refused_and_longest_zone)
{
	struct rrbuf *b = malloc(sizeof(*b));
	const struct dns_zone *zs[2] = { zone, NULL };
	struct dns_zone *child;
	struct res r;

	ask(zs, 1, "www.example.org", DNS_T_ANY, 1, 0, 512, &r);
	cr_assert_eq(r.an, 2, "RFC 8482: one RRset (the A records)");
	ask(zs, 1, "www.example.com", DNS_T_A, 1, 0, 512, &r);
	cr_assert_eq(r.rcode, DNS_RC_REFUSED);
	cr_assert_not(r.flags & DNS_F_AA);
	ask(zs, 1, "www.example.org", DNS_T_A, 3 /* CH */, 0, 512, &r);
	cr_assert_eq(r.rcode, DNS_RC_REFUSED);
	/* the child zone, served too, answers for its names */
	memset(b, 0, sizeof(*b));
	add_soa(b, "sub.example.org");
	add_name(b, "sub.example.org", DNS_T_NS, "ns.sub.example.org");
	add_a(b, "www.sub.example.org", "198.51.100.8");
	child = build(b, "sub.example.org");
	zs[1] = child;
	ask(zs, 2, "www.sub.example.org", DNS_T_A, 1, 0, 512, &r);
	cr_assert(r.flags & DNS_F_AA);
	cr_assert_eq(r.an, 1);
	cr_assert_eq(r.r[0][0].rdata[3], 8);
	dns_zone_free(child);
	free(b);
}

Test(dns_answer, truncation_and_edns)
{
	struct rrbuf *b = malloc(sizeof(*b));
	const struct dns_zone *zs[1];
	struct dns_zone *z;
	uint8_t txt[256];
	struct res r;

	memset(b, 0, sizeof(*b));
	add_soa(b, "example.org");
	add_name(b, "example.org", DNS_T_NS, "ns1.example.org");
	txt[0] = 250;
	for (int i = 0; i < 4; i++) {
		memset(txt + 1, 'a' + i, 250);
		add(b, "big.example.org", 16, 300, txt, 251);
	}
	z = build(b, "example.org");
	zs[0] = z;
	ask(zs, 1, "big.example.org", 16, 1, 0, 512, &r);
	cr_assert(r.flags & DNS_F_TC, "over 512 without EDNS");
	cr_assert_eq(r.an, 0);
	cr_assert_eq(r.len, 12 + 21);
	ask(zs, 1, "big.example.org", 16, 1, 1232, 1232, &r);
	cr_assert_not(r.flags & DNS_F_TC);
	cr_assert_eq(r.an, 4);
	cr_assert_eq(r.ar, 1, "the OPT");
	cr_assert_eq(r.r[2][0].type, DNS_T_OPT);
	ask(zs, 1, "big.example.org", 16, 1, 600, 1232, &r);
	cr_assert(r.flags & DNS_F_TC, "over the advertised 600");
	cr_assert_eq(r.ar, 1, "the OPT stays");
	cr_assert_leq(r.len, 600);
	dns_zone_free(z);
	free(b);
}

/* ---- refused zones ---- */

static void expect_refused(struct rrbuf *b, const char *want)
{
	uint8_t a[DNS_NAME_MAX];
	struct dns_zone *z;
	char err[256] = "";

	dns_name_from_text("example.org", a, sizeof(a), false);
	cr_assert_eq(dns_zone_build(a, b->rr, b->n, &z, err, sizeof(err), NULL), -22, "built; want %s",
		     want);
	cr_assert(strstr(err, want), "want \"%s\", got \"%s\"", want, err);
	cr_assert_null(z);
}

Test(dns_zone, refused_zones)
{
	struct rrbuf *b = malloc(sizeof(*b));
	uint8_t three[3] = { 1, 2, 3 };

	memset(b, 0, sizeof(*b));
	add_name(b, "example.org", DNS_T_NS, "ns1.example.org");
	expect_refused(b, "no SOA at the zone's apex");
	add_soa(b, "example.org");
	add_soa(b, "example.org");
	expect_refused(b, "2 SOA records at the apex");
	memset(b, 0, sizeof(*b));
	add_soa(b, "example.org");
	expect_refused(b, "no NS records at the zone's apex");
	add_name(b, "example.org", DNS_T_NS, "ns1.example.org");
	add_a(b, "www.example.net", "192.0.2.1");
	expect_refused(b, "www.example.net. is outside the zone example.org.");
	b->n--;
	add_name(b, "x.example.org", DNS_T_CNAME, "www.example.org");
	add_a(b, "x.example.org", "192.0.2.1");
	expect_refused(b, "x.example.org.: CNAME and other data at one name");
	b->n -= 2;
	add(b, "y.example.org", DNS_T_A, 300, three, 3);
	expect_refused(b, "y.example.org.: bad RDATA for type 1");
	b->n--;
	add_a(b, "z.example.org", "192.0.2.1");
	b->rr[b->n - 1].ttl = 60;
	add_a(b, "z.example.org", "192.0.2.2");
	expect_refused(b, "z.example.org. type 1: records with TTL 60 and 300 in one RRset");
	free(b);
}

/* ---- the zone set between ctrl and the dataplane ---- */

Test(dns_zone, zone_set_round_trip_and_validation)
{
	struct rrbuf *b = malloc(sizeof(*b));
	struct dns_zone *z = NULL, *out[4];
	const struct dns_zone *zs[1];
	char err[256];
	unsigned n;
	void *buf;
	size_t len;
	struct res r;

	base_zone(b);
	z = build(b, "example.org");
	zs[0] = z;
	cr_assert_eq(dns_zones_encode(zs, 1, &buf, &len), 0);
	cr_assert_eq(dns_zones_decode(buf, len, out, 4, &n, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(n, 1);
	cr_assert_eq(dns_zone_records(out[0]), dns_zone_records(z));
	cr_assert_eq(dns_zone_names(out[0]), dns_zone_names(z));
	zs[0] = out[0];
	ask(zs, 1, "chain.example.org", DNS_T_A, 1, 0, 512, &r);
	cr_assert_eq(r.an, 4, "the decoded zone answers as the original");
	dns_zone_free(out[0]);
	/* every cut short is refused, never read past */
	for (size_t cut = 0; cut < len; cut += 7) {
		void *c = malloc(cut ? cut : 1);

		memcpy(c, buf, cut);
		cr_assert_neq(dns_zones_decode(c, cut, out, 4, &n, err, sizeof(err)), 0, "cut %zu",
			      cut);
		free(c);
	}
	/* a length byte that lies */
	((uint8_t *)buf)[8] = 5;
	cr_assert_eq(dns_zones_decode(buf, len, out, 4, &n, err, sizeof(err)), -22);
	free(buf);
	dns_zone_free(z);
	free(b);
}
