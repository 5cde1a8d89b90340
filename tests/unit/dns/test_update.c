/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_update.c - zones as record lists (dns/rrlist.h): owners folded, the
 * canonical order without duplicates, copies, a built zone and back,
 * differences and their application, SOA serials and RFC 1982 arithmetic;
 * dynamic updates (dns/update.h, RFC 2136): additions, the three kinds of
 * deletion, what is never deleted or never joined, RRset TTLs, SOA serials,
 * every prerequisite, the caller's rights, and every refused update leaving
 * the list exactly as it was.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "dns/update.h"

#define T_MX  15
#define T_TXT 16

/* ---- helpers ---- */

static size_t wname(const char *text, uint8_t *out)
{
	size_t n = dns_name_from_text(text, out, DNS_NAME_MAX, false);

	cr_assert_gt(n, 0, "bad test name %s", text);
	return n;
}

/* SOA RDATA: ns1.example.org hostmaster.example.org serial 3600 600 86400 300 */
static uint16_t soa_rdata(uint32_t serial, uint8_t *r)
{
	uint32_t v[5] = { htonl(serial), htonl(3600), htonl(600), htonl(86400), htonl(300) };
	size_t n = wname("ns1.example.org", r);

	n += wname("hostmaster.example.org", r + n);
	memcpy(r + n, v, 20);
	return (uint16_t)(n + 20);
}

static void ladd(struct dns_rrlist *l, const char *owner, uint16_t type, uint32_t ttl,
		 const void *rdata, uint16_t rdlen)
{
	uint8_t o[DNS_NAME_MAX];

	wname(owner, o);
	cr_assert_eq(dns_rrlist_add(l, o, type, ttl, rdata, rdlen), 0, "%s", owner);
}

static void ladd_a(struct dns_rrlist *l, const char *owner, uint32_t ttl, const char *ip)
{
	uint8_t a[4];

	cr_assert_eq(inet_pton(AF_INET, ip, a), 1);
	ladd(l, owner, DNS_T_A, ttl, a, 4);
}

static void ladd_name(struct dns_rrlist *l, const char *owner, uint16_t type, uint32_t ttl,
		      const char *target)
{
	uint8_t w[DNS_NAME_MAX];
	size_t n = wname(target, w);

	ladd(l, owner, type, ttl, w, (uint16_t)n);
}

static void ladd_soa(struct dns_rrlist *l, uint32_t serial)
{
	uint8_t r[300];
	uint16_t n = soa_rdata(serial, r);

	ladd(l, "example.org", DNS_T_SOA, 3600, r, n);
}

/* A TXT RDATA of one string. */
static uint16_t txt(const char *s, uint8_t *out)
{
	size_t n = strlen(s);

	out[0] = (uint8_t)n;
	memcpy(out + 1, s, n);
	return (uint16_t)(n + 1);
}

/* The index of (owner, type, rdata) in l, or -1. */
static long lfind(const struct dns_rrlist *l, const char *owner, uint16_t type, const void *rdata,
		  uint16_t rdlen)
{
	struct dns_rec r;

	memset(&r, 0, sizeof(r));
	r.owner_len = (uint8_t)dns_name_from_text(owner, r.owner, DNS_NAME_MAX, true);
	cr_assert_gt(r.owner_len, 0);
	r.type = type;
	r.rdata = (uint8_t *)rdata;
	r.rdlen = rdlen;
	return dns_rrlist_find(l, &r);
}

static long lfind_a(const struct dns_rrlist *l, const char *owner, const char *ip)
{
	uint8_t a[4];

	cr_assert_eq(inet_pton(AF_INET, ip, a), 1);
	return lfind(l, owner, DNS_T_A, a, 4);
}

static long lfind_name(const struct dns_rrlist *l, const char *owner, uint16_t type,
		       const char *target)
{
	uint8_t w[DNS_NAME_MAX];
	size_t n = wname(target, w);

	return lfind(l, owner, type, w, (uint16_t)n);
}

/* The TTL of an A record that must be in l. */
static uint32_t ttl_a(const struct dns_rrlist *l, const char *owner, const char *ip)
{
	long i = lfind_a(l, owner, ip);

	cr_assert_geq(i, 0, "%s A %s is not there", owner, ip);
	return l->r[i].ttl;
}

/* Records at owner (of type, or of any type for DNS_T_ANY). */
static size_t lcount(const struct dns_rrlist *l, const char *owner, uint16_t type)
{
	uint8_t o[DNS_NAME_MAX];
	size_t len = dns_name_from_text(owner, o, sizeof(o), true), n = 0;

	cr_assert_gt(len, 0);
	for (size_t i = 0; i < l->n; i++)
		n += l->r[i].owner_len == len && memcmp(l->r[i].owner, o, len) == 0 &&
		     (type == DNS_T_ANY || l->r[i].type == type);
	return n;
}

static uint32_t serial_of(const struct dns_rrlist *l)
{
	const struct dns_rec *soa = dns_rrlist_soa(l);

	cr_assert_not_null(soa, "no SOA in the list");
	return dns_soa_serial(soa->rdata, soa->rdlen);
}

/* Record by record, TTLs included. */
static void assert_same_list(const struct dns_rrlist *a, const struct dns_rrlist *b,
			     const char *what)
{
	cr_assert_eq(a->n, b->n, "%s: %zu records, want %zu", what, a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct dns_rec *x = &a->r[i], *y = &b->r[i];

		cr_assert_eq(x->owner_len, y->owner_len, "%s: record %zu owner", what, i);
		cr_assert_eq(memcmp(x->owner, y->owner, x->owner_len), 0, "%s: record %zu owner",
			     what, i);
		cr_assert_eq(x->type, y->type, "%s: record %zu type", what, i);
		cr_assert_eq(x->ttl, y->ttl, "%s: record %zu TTL", what, i);
		cr_assert_eq(x->rdlen, y->rdlen, "%s: record %zu RDLENGTH", what, i);
		cr_assert_eq(memcmp(x->rdata, y->rdata, x->rdlen), 0, "%s: record %zu RDATA", what,
			     i);
	}
}

static void assert_sorted(const struct dns_rrlist *l)
{
	for (size_t i = 1; i < l->n; i++) {
		const struct dns_rec *a = &l->r[i - 1], *b = &l->r[i];
		int c;

		if (a->owner_len != b->owner_len) {
			cr_assert_lt(a->owner_len, b->owner_len, "record %zu out of order", i);
			continue;
		}
		c = memcmp(a->owner, b->owner, a->owner_len);
		cr_assert_leq(c, 0, "record %zu out of order", i);
		if (c)
			continue;
		cr_assert_leq(a->type, b->type, "record %zu out of order", i);
		if (a->type != b->type)
			continue;
		cr_assert_not(dns_rec_same(a, b), "record %zu is a duplicate", i);
	}
}

/* ---- dns_rrlist ---- */

Test(dns_rrlist, add_folds_the_owner_and_refuses_bad_names)
{
	struct dns_rrlist l = { 0 };
	uint8_t o[DNS_NAME_MAX], want[DNS_NAME_MAX], rd[4] = { 192, 0, 2, 1 }, bad[300];
	size_t wl = wname("www.example.org", want);

	wname("WWW.Example.ORG", o);
	cr_assert_eq(dns_rrlist_add(&l, o, DNS_T_A, 300, rd, 4), 0);
	cr_assert_eq(l.n, 1);
	cr_assert_eq(l.r[0].owner_len, wl);
	cr_assert_eq(memcmp(l.r[0].owner, want, wl), 0, "owner not folded to lower case");
	cr_assert_eq(l.r[0].type, DNS_T_A);
	cr_assert_eq(l.r[0].ttl, 300);
	cr_assert_eq(l.r[0].rdlen, 4);
	/* the RDATA is copied, not referenced */
	rd[3] = 99;
	cr_assert_eq(l.r[0].rdata[3], 1);
	/* empty RDATA is a record too */
	cr_assert_eq(dns_rrlist_add(&l, o, 99, 60, NULL, 0), 0);
	cr_assert_eq(l.n, 2);
	cr_assert_eq(l.r[1].rdlen, 0);

	/* a label over 63 bytes */
	memset(bad, 0, sizeof(bad));
	bad[0] = 64;
	memset(bad + 1, 'a', 64);
	cr_assert_eq(dns_rrlist_add(&l, bad, DNS_T_A, 300, rd, 4), -EINVAL);
	/* a name over 255 bytes: four labels of 63 and the root, 257 */
	memset(bad, 0, sizeof(bad));
	for (int i = 0; i < 4; i++) {
		bad[i * 64] = 63;
		memset(bad + i * 64 + 1, 'a', 63);
	}
	cr_assert_eq(dns_rrlist_add(&l, bad, DNS_T_A, 300, rd, 4), -EINVAL);
	cr_assert_eq(l.n, 2, "a refused record was added");
	dns_rrlist_free(&l);
	cr_assert_eq(l.n, 0);
	cr_assert_null(l.r);
}

Test(dns_rrlist, sort_orders_and_drops_duplicates)
{
	struct dns_rrlist l = { 0 };
	uint8_t t1[2] = { 'a', 'b' }, t2[3] = { 'a', 'b', 'c' };
	uint16_t n1 = 2, n2 = 3;

	ladd_a(&l, "www.example.org", 300, "192.0.2.2");
	ladd_a(&l, "b.example.org", 300, "192.0.2.1");
	ladd_name(&l, "example.org", DNS_T_NS, 3600, "ns1.example.org");
	ladd_a(&l, "www.example.org", 300, "192.0.2.1");
	ladd_a(&l, "a.example.org", 300, "192.0.2.1");
	ladd_soa(&l, 7);
	ladd(&l, "www.example.org", 99, 300, t2, n2);
	ladd(&l, "www.example.org", 99, 300, t1, n1);
	ladd_a(&l, "example.org", 300, "192.0.2.9");
	ladd_a(&l, "www.example.org", 300, "192.0.2.2"); /* an exact duplicate */
	cr_assert_eq(l.n, 10);
	dns_rrlist_sort(&l);
	cr_assert_eq(l.n, 9, "the exact duplicate was not dropped");
	assert_sorted(&l);
	/* owner by length then bytes, then type, then RDATA */
	cr_assert_eq(lfind_a(&l, "example.org", "192.0.2.9"), 0);
	cr_assert_eq(lfind_name(&l, "example.org", DNS_T_NS, "ns1.example.org"), 1);
	cr_assert_eq(l.r[2].type, DNS_T_SOA);
	cr_assert_eq(lfind_a(&l, "a.example.org", "192.0.2.1"), 3);
	cr_assert_eq(lfind_a(&l, "b.example.org", "192.0.2.1"), 4);
	cr_assert_eq(lfind_a(&l, "www.example.org", "192.0.2.1"), 5);
	cr_assert_eq(lfind_a(&l, "www.example.org", "192.0.2.2"), 6);
	cr_assert_eq(lfind(&l, "www.example.org", 99, t1, n1), 7, "a shorter RDATA first");
	cr_assert_eq(lfind(&l, "www.example.org", 99, t2, n2), 8);
	/* sorting again changes nothing */
	dns_rrlist_sort(&l);
	cr_assert_eq(l.n, 9);
	dns_rrlist_free(&l);
}

Test(dns_rrlist, sort_keeps_one_of_records_differing_in_ttl_only)
{
	struct dns_rrlist l = { 0 };

	/* rrlist.h: records equal in owner, type and RDATA are dropped, the
	 * TTL aside: one of the two is kept */
	ladd_a(&l, "www.example.org", 300, "192.0.2.1");
	ladd_a(&l, "www.example.org", 600, "192.0.2.1");
	ladd_a(&l, "www.example.org", 300, "192.0.2.2");
	dns_rrlist_sort(&l);
	cr_assert_eq(l.n, 2);
	cr_assert_eq(lfind_a(&l, "www.example.org", "192.0.2.1"), 0);
	cr_assert(l.r[0].ttl == 300 || l.r[0].ttl == 600, "TTL %u", l.r[0].ttl);
	cr_assert_eq(l.r[1].ttl, 300);
	cr_assert(dns_rec_same(&l.r[0], &l.r[0]));
	cr_assert_not(dns_rec_same(&l.r[0], &l.r[1]));
	dns_rrlist_free(&l);
}

Test(dns_rrlist, find_ignores_the_ttl)
{
	struct dns_rrlist l = { 0 };
	struct dns_rec r;
	uint8_t a[4] = { 192, 0, 2, 1 };

	ladd_a(&l, "example.org", 300, "192.0.2.1");
	ladd_a(&l, "www.example.org", 300, "192.0.2.1");
	ladd_a(&l, "www.example.org", 300, "192.0.2.2");
	memset(&r, 0, sizeof(r));
	r.owner_len = (uint8_t)wname("www.example.org", r.owner);
	r.type = DNS_T_A;
	r.ttl = 12345;
	r.rdata = a;
	r.rdlen = 4;
	cr_assert_eq(dns_rrlist_find(&l, &r), 1);
	a[3] = 2;
	cr_assert_eq(dns_rrlist_find(&l, &r), 2);
	a[3] = 3;
	cr_assert_eq(dns_rrlist_find(&l, &r), -1);
	a[3] = 1;
	r.type = DNS_T_AAAA;
	cr_assert_eq(dns_rrlist_find(&l, &r), -1, "another type matched");
	r.type = DNS_T_A;
	r.rdlen = 3;
	cr_assert_eq(dns_rrlist_find(&l, &r), -1, "a prefix of the RDATA matched");
	r.rdlen = 4;
	r.owner_len = (uint8_t)wname("ftp.example.org", r.owner);
	cr_assert_eq(dns_rrlist_find(&l, &r), -1, "another owner matched");
	dns_rrlist_del(&l, 0);
	cr_assert_eq(l.n, 2);
	cr_assert_eq(lfind_a(&l, "www.example.org", "192.0.2.1"), 0, "del keeps the order");
	cr_assert_eq(lfind_a(&l, "www.example.org", "192.0.2.2"), 1);
	dns_rrlist_free(&l);
}

Test(dns_rrlist, copy_is_deep)
{
	struct dns_rrlist l = { 0 }, c, e = { 0 }, ec;

	ladd_soa(&l, 1);
	ladd_a(&l, "www.example.org", 300, "192.0.2.1");
	ladd_a(&l, "www.example.org", 60, "192.0.2.2");
	cr_assert_eq(dns_rrlist_copy(&l, &c), 0);
	assert_same_list(&c, &l, "copy");
	cr_assert_neq(c.r, l.r);
	cr_assert_neq(c.r[1].rdata, l.r[1].rdata);
	c.r[1].rdata[0] = 10;
	c.r[2].ttl = 1;
	cr_assert_eq(l.r[1].rdata[0], 192, "the copy shares RDATA");
	cr_assert_eq(l.r[2].ttl, 60);
	dns_rrlist_free(&l);
	cr_assert_eq(c.n, 3, "freeing the original touched the copy");
	cr_assert_eq(c.r[1].rdata[1], 0);
	dns_rrlist_free(&c);
	cr_assert_eq(dns_rrlist_copy(&e, &ec), 0);
	cr_assert_eq(ec.n, 0);
	dns_rrlist_free(&ec);
}

Test(dns_rrlist, from_zone_and_build_round_trip)
{
	struct dns_rrlist l = { 0 }, l2 = { 0 };
	struct dns_zone_rr rrs[16];
	uint8_t own[16][DNS_NAME_MAX], rd[16][300], apex[DNS_NAME_MAX];
	struct dns_zone *z = NULL, *z2 = NULL;
	char err[256] = "";
	size_t n = 0;
	long i;

#define RR(o, t, ttl_, setup)                                                                  \
	do {                                                                                   \
		uint16_t len_;                                                                 \
		wname(o, own[n]);                                                              \
		setup;                                                                         \
		rrs[n] = (struct dns_zone_rr){                                                 \
			.owner = own[n], .type = t, .ttl = ttl_, .rdata = rd[n], .rdlen = len_ \
		};                                                                             \
		n++;                                                                           \
	} while (0)

	RR("example.org", DNS_T_SOA, 3600, len_ = soa_rdata(2026010101, rd[n]));
	RR("example.org", DNS_T_NS, 3600, len_ = (uint16_t)wname("ns1.example.org", rd[n]));
	RR("example.org", DNS_T_NS, 3600, len_ = (uint16_t)wname("ns2.example.org", rd[n]));
	RR("example.org", DNS_T_A, 300, (inet_pton(AF_INET, "192.0.2.1", rd[n]), len_ = 4));
	RR("example.org", T_TXT, 300, len_ = txt("v=spf1 -all", rd[n]));
	RR("NS1.example.org", DNS_T_A, 300, (inet_pton(AF_INET, "192.0.2.53", rd[n]), len_ = 4));
	RR("ns2.example.org", DNS_T_AAAA, 300,
	   (inet_pton(AF_INET6, "2001:db8::53", rd[n]), len_ = 16));
	RR("www.example.org", DNS_T_A, 120, (inet_pton(AF_INET, "192.0.2.80", rd[n]), len_ = 4));
	RR("www.example.org", DNS_T_A, 120, (inet_pton(AF_INET, "192.0.2.81", rd[n]), len_ = 4));
	RR("www.example.org", DNS_T_AAAA, 300,
	   (inet_pton(AF_INET6, "2001:db8::80", rd[n]), len_ = 16));
	RR("a.b.example.org", T_TXT, 300, len_ = txt("below an empty non-terminal", rd[n]));
#undef RR

	wname("example.org", apex);
	cr_assert_eq(dns_zone_build(apex, rrs, n, &z, err, sizeof(err), NULL), 0, "%s", err);
	cr_assert_eq(dns_zone_records(z), n);
	cr_assert_eq(dns_zone_serial(z), 2026010101);

	cr_assert_eq(dns_rrlist_from_zone(z, &l), 0);
	cr_assert_eq(l.n, n);
	cr_assert_eq(serial_of(&l), 2026010101);
	cr_assert_geq(lfind_a(&l, "ns1.example.org", "192.0.2.53"), 0, "owner not folded");
	cr_assert_geq((i = lfind_a(&l, "www.example.org", "192.0.2.81")), 0);
	cr_assert_eq(l.r[i].ttl, 120);
	{
		uint8_t t[64];
		uint16_t tl = txt("below an empty non-terminal", t);

		cr_assert_geq(lfind(&l, "a.b.example.org", T_TXT, t, tl), 0);
	}
	dns_rrlist_sort(&l);
	cr_assert_eq(l.n, n, "the zone had duplicates");

	cr_assert_eq(dns_rrlist_build(&l, apex, &z2, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(dns_zone_records(z2), n);
	cr_assert_eq(dns_zone_serial(z2), 2026010101);
	cr_assert_eq(dns_zone_names(z2), dns_zone_names(z));
	cr_assert_eq(dns_rrlist_from_zone(z2, &l2), 0);
	dns_rrlist_sort(&l2);
	assert_same_list(&l2, &l, "zone -> list -> zone -> list");

	/* and a list the builder refuses, with the reason */
	dns_rrlist_del(&l2, (size_t)lfind_a(&l2, "www.example.org", "192.0.2.80"));
	ladd_a(&l2, "www.example.org", 300, "192.0.2.82");
	dns_zone_free(z2);
	z2 = NULL;
	err[0] = '\0';
	cr_assert_eq(dns_rrlist_build(&l2, apex, &z2, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "TTL"), "%s", err);

	dns_rrlist_free(&l);
	dns_rrlist_free(&l2);
	dns_zone_free(z);
}

/* version 1 of a zone, and version 2: one record gone, one new, one with a
 * new TTL */
static void v1(struct dns_rrlist *l)
{
	memset(l, 0, sizeof(*l));
	ladd_soa(l, 1);
	ladd_name(l, "example.org", DNS_T_NS, 3600, "ns1.example.org");
	ladd_a(l, "www.example.org", 300, "192.0.2.1");
	ladd_a(l, "www.example.org", 300, "192.0.2.2");
	ladd_a(l, "ftp.example.org", 300, "192.0.2.3");
	ladd_a(l, "mail.example.org", 300, "192.0.2.4");
	dns_rrlist_sort(l);
}

static void v2(struct dns_rrlist *l)
{
	memset(l, 0, sizeof(*l));
	ladd_soa(l, 2);
	ladd_name(l, "example.org", DNS_T_NS, 3600, "ns1.example.org");
	ladd_a(l, "www.example.org", 300, "192.0.2.1");
	ladd_a(l, "www.example.org", 300, "192.0.2.2");
	ladd_a(l, "mail.example.org", 900, "192.0.2.4");
	ladd_a(l, "new.example.org", 300, "192.0.2.5");
	dns_rrlist_sort(l);
}

Test(dns_rrlist, diff)
{
	struct dns_rrlist a, b, del, add;
	long i;

	v1(&a);
	v2(&b);
	cr_assert_eq(dns_rrlist_diff(&a, &b, &del, &add), 0);
	/* del: the old SOA, ftp, mail at TTL 300; add: the new SOA, mail at
	 * TTL 900, new */
	cr_assert_eq(del.n, 3);
	cr_assert_eq(add.n, 3);
	cr_assert_eq(dns_soa_serial(dns_rrlist_soa(&del)->rdata, dns_rrlist_soa(&del)->rdlen), 1);
	cr_assert_eq(dns_soa_serial(dns_rrlist_soa(&add)->rdata, dns_rrlist_soa(&add)->rdlen), 2);
	cr_assert_geq(lfind_a(&del, "ftp.example.org", "192.0.2.3"), 0);
	cr_assert_geq((i = lfind_a(&del, "mail.example.org", "192.0.2.4")), 0);
	cr_assert_eq(del.r[i].ttl, 300);
	cr_assert_geq((i = lfind_a(&add, "mail.example.org", "192.0.2.4")), 0);
	cr_assert_eq(add.r[i].ttl, 900);
	cr_assert_geq(lfind_a(&add, "new.example.org", "192.0.2.5"), 0);
	cr_assert_eq(lfind_a(&add, "www.example.org", "192.0.2.1"), -1);
	cr_assert_eq(lfind_a(&del, "www.example.org", "192.0.2.1"), -1);
	dns_rrlist_free(&del);
	dns_rrlist_free(&add);

	/* the other way round */
	cr_assert_eq(dns_rrlist_diff(&b, &a, &del, &add), 0);
	cr_assert_eq(del.n, 3);
	cr_assert_eq(add.n, 3);
	cr_assert_geq(lfind_a(&add, "ftp.example.org", "192.0.2.3"), 0);
	cr_assert_geq(lfind_a(&del, "new.example.org", "192.0.2.5"), 0);
	dns_rrlist_free(&del);
	dns_rrlist_free(&add);

	/* identical lists, and empty ones */
	cr_assert_eq(dns_rrlist_diff(&a, &a, &del, &add), 0);
	cr_assert_eq(del.n, 0);
	cr_assert_eq(add.n, 0);
	dns_rrlist_free(&del);
	dns_rrlist_free(&add);
	{
		struct dns_rrlist e = { 0 };

		cr_assert_eq(dns_rrlist_diff(&e, &a, &del, &add), 0);
		cr_assert_eq(del.n, 0);
		assert_same_list(&add, &a, "everything added");
		dns_rrlist_free(&del);
		dns_rrlist_free(&add);
	}
	dns_rrlist_free(&a);
	dns_rrlist_free(&b);
}

Test(dns_rrlist, apply)
{
	struct dns_rrlist a, b, del, add, a2, before;

	v1(&a);
	v2(&b);
	cr_assert_eq(dns_rrlist_diff(&a, &b, &del, &add), 0);
	cr_assert_eq(dns_rrlist_copy(&a, &a2), 0);
	cr_assert_eq(dns_rrlist_apply(&a2, &del, &add), 0);
	assert_sorted(&a2);
	assert_same_list(&a2, &b, "v1 + diff(v1, v2)");
	/* applied once more: the old SOA is not there any more */
	cr_assert_eq(dns_rrlist_copy(&a2, &before), 0);
	cr_assert_eq(dns_rrlist_apply(&a2, &del, &add), -ENOENT);
	assert_same_list(&a2, &before, "after -ENOENT");
	dns_rrlist_free(&a2);
	dns_rrlist_free(&before);

	/* a list missing a record the difference deletes */
	cr_assert_eq(dns_rrlist_copy(&a, &a2), 0);
	dns_rrlist_del(&a2, (size_t)lfind_a(&a2, "ftp.example.org", "192.0.2.3"));
	cr_assert_eq(dns_rrlist_copy(&a2, &before), 0);
	cr_assert_eq(dns_rrlist_apply(&a2, &del, &add), -ENOENT);
	assert_same_list(&a2, &before, "after -ENOENT");
	dns_rrlist_free(&a2);
	dns_rrlist_free(&before);

	/* a record that is there already, with another TTL: the TTL is the
	 * one added, and no second copy */
	{
		struct dns_rrlist e = { 0 }, one = { 0 };

		ladd_a(&one, "www.example.org", 900, "192.0.2.1");
		cr_assert_eq(dns_rrlist_copy(&a, &a2), 0);
		cr_assert_eq(dns_rrlist_apply(&a2, &e, &one), 0);
		cr_assert_eq(a2.n, a.n);
		cr_assert_eq(ttl_a(&a2, "www.example.org", "192.0.2.1"), 900);
		cr_assert_eq(ttl_a(&a2, "www.example.org", "192.0.2.2"), 300);
		dns_rrlist_free(&a2);
		dns_rrlist_free(&one);
	}

	/* an empty difference changes nothing */
	{
		struct dns_rrlist e = { 0 };

		cr_assert_eq(dns_rrlist_copy(&a, &a2), 0);
		cr_assert_eq(dns_rrlist_apply(&a2, &e, &e), 0);
		assert_same_list(&a2, &a, "empty difference");
		dns_rrlist_free(&a2);
	}
	dns_rrlist_free(&del);
	dns_rrlist_free(&add);
	dns_rrlist_free(&a);
	dns_rrlist_free(&b);
}

Test(dns_rrlist, soa_serial)
{
	struct dns_rrlist l = { 0 };
	uint8_t r[300];
	uint16_t n = soa_rdata(100, r);

	cr_assert_eq(dns_soa_serial(r, n), 100);
	dns_soa_set_serial(r, n, 0xdeadbeef);
	cr_assert_eq(dns_soa_serial(r, n), 0xdeadbeef);
	/* in network order, right after the two names */
	cr_assert_eq(r[n - 20], 0xde);
	cr_assert_eq(r[n - 17], 0xef);
	cr_assert_eq(r[n - 16], 0, "the refresh was overwritten");
	cr_assert_eq(r[n - 13], 3600 & 0xff);
	/* too short: 0, and nothing written */
	cr_assert_eq(dns_soa_serial(r, (uint16_t)(n - 1)), 0);
	dns_soa_set_serial(r, (uint16_t)(n - 1), 7);
	cr_assert_eq(dns_soa_serial(r, n), 0xdeadbeef);
	cr_assert_eq(dns_soa_serial(r, 3), 0);
	cr_assert_eq(dns_soa_serial(r, 0), 0);

	cr_assert_null(dns_rrlist_soa(&l));
	ladd_a(&l, "example.org", 300, "192.0.2.1");
	cr_assert_null(dns_rrlist_soa(&l));
	ladd_soa(&l, 42);
	cr_assert_eq(dns_rrlist_soa(&l), &l.r[1]);
	cr_assert_eq(serial_of(&l), 42);
	dns_rrlist_free(&l);
}

Test(dns_rrlist, serial_arithmetic)
{
	cr_assert(dns_serial_gt(2, 1));
	cr_assert_not(dns_serial_gt(1, 2));
	cr_assert_not(dns_serial_gt(5, 5));
	cr_assert_not(dns_serial_gt(0, 0));
	/* wrap-around */
	cr_assert(dns_serial_gt(1, 0xffffffffu));
	cr_assert(dns_serial_gt(0, 0xffffffffu));
	cr_assert_not(dns_serial_gt(0xffffffffu, 1));
	cr_assert(dns_serial_gt(0x10, 0xfffffff0u));
	/* the largest step forward, 2^31 - 1 */
	cr_assert(dns_serial_gt(0x7fffffffu, 0));
	cr_assert_not(dns_serial_gt(0, 0x7fffffffu));
	cr_assert(dns_serial_gt(0x7ffffffeu, 0xffffffffu));
	/* 2^31 apart: undefined (RFC 1982 §3.2), neither is newer */
	cr_assert_not(dns_serial_gt(0x80000000u, 0));
	cr_assert_not(dns_serial_gt(0, 0x80000000u));
}

/* ---- dns_update_apply ---- */

/* example.org: SOA (serial 100), 2 NS, A and TXT at the apex; ns1, www (two
 * A and an AAAA), alias (a CNAME to www) */
static struct dns_rrlist zone;
static uint8_t apex[DNS_NAME_MAX];

static void setup(void)
{
	uint8_t aaaa[16], t[64];
	uint16_t tl = txt("v=spf1 -all", t);

	memset(&zone, 0, sizeof(zone));
	wname("example.org", apex);
	ladd_soa(&zone, 100);
	ladd_name(&zone, "example.org", DNS_T_NS, 3600, "ns1.example.org");
	ladd_name(&zone, "example.org", DNS_T_NS, 3600, "ns2.example.net");
	ladd_a(&zone, "example.org", 300, "192.0.2.1");
	ladd(&zone, "example.org", T_TXT, 300, t, tl);
	ladd_a(&zone, "ns1.example.org", 3600, "192.0.2.53");
	ladd_a(&zone, "www.example.org", 300, "192.0.2.80");
	ladd_a(&zone, "www.example.org", 300, "192.0.2.81");
	inet_pton(AF_INET6, "2001:db8::80", aaaa);
	ladd(&zone, "www.example.org", DNS_T_AAAA, 300, aaaa, 16);
	ladd_name(&zone, "alias.example.org", DNS_T_CNAME, 300, "www.example.org");
	dns_rrlist_sort(&zone);
}

static void teardown(void)
{
	dns_rrlist_free(&zone);
}

TestSuite(dns_update, .init = setup, .fini = teardown);

/* The records of an update (or prerequisite) section. */
struct upd {
	struct dns_upd_rr rr[16];
	uint8_t owner[16][DNS_NAME_MAX];
	uint8_t rdata[16][300];
	size_t n;
};

static void u_add(struct upd *u, const char *owner, uint16_t type, uint16_t cls, uint32_t ttl,
		  const void *rdata, uint16_t rdlen)
{
	cr_assert_lt(u->n, 16);
	wname(owner, u->owner[u->n]);
	if (rdlen)
		memcpy(u->rdata[u->n], rdata, rdlen);
	u->rr[u->n] = (struct dns_upd_rr){ .owner = u->owner[u->n],
					   .type = type,
					   .cls = cls,
					   .ttl = ttl,
					   .rdata = u->rdata[u->n],
					   .rdlen = rdlen };
	u->n++;
}

static void u_a(struct upd *u, const char *owner, uint16_t cls, uint32_t ttl, const char *ip)
{
	uint8_t a[4];

	cr_assert_eq(inet_pton(AF_INET, ip, a), 1);
	u_add(u, owner, DNS_T_A, cls, ttl, a, 4);
}

static void u_name(struct upd *u, const char *owner, uint16_t type, uint16_t cls, uint32_t ttl,
		   const char *target)
{
	uint8_t w[DNS_NAME_MAX];
	size_t n = wname(target, w);

	u_add(u, owner, type, cls, ttl, w, (uint16_t)n);
}

static void u_txt(struct upd *u, const char *owner, uint16_t cls, uint32_t ttl, const char *s)
{
	uint8_t t[256];
	uint16_t n = txt(s, t);

	u_add(u, owner, T_TXT, cls, ttl, t, n);
}

static void u_soa(struct upd *u, const char *owner, uint32_t serial)
{
	uint8_t r[300];
	uint16_t n = soa_rdata(serial, r);

	r[n - 1] = 60; /* another minimum, to tell the new SOA */
	u_add(u, owner, DNS_T_SOA, DNS_CLASS_IN, 3600, r, n);
}

/* dns_update_apply on the zone; whatever the answer but NOERROR, the zone
 * must be what it was, record by record, and *changed false. */
static int apply_full(const struct upd *pre, const struct upd *upd, dns_update_allow_fn allow,
		      void *ctx, bool *changed)
{
	struct dns_rrlist before;
	char why[256] = "";
	int rc;

	cr_assert_eq(dns_rrlist_copy(&zone, &before), 0);
	*changed = true;
	rc = dns_update_apply(&zone, apex, pre ? pre->rr : NULL, pre ? pre->n : 0,
			      upd ? upd->rr : NULL, upd ? upd->n : 0, allow, ctx, changed, why,
			      sizeof(why));
	if (rc != DNS_RC_NOERROR) {
		cr_assert_neq(why[0], '\0', "rcode %d without a reason", rc);
		cr_assert_not(*changed, "rcode %d, and changed", rc);
		assert_same_list(&zone, &before, "after a refused update");
	} else {
		assert_sorted(&zone);
		if (!*changed)
			assert_same_list(&zone, &before, "unchanged, says the update");
	}
	dns_rrlist_free(&before);
	return rc;
}

static int apply(const struct upd *upd, bool *changed)
{
	return apply_full(NULL, upd, NULL, NULL, changed);
}

Test(dns_update, add_a_record_and_again)
{
	struct upd u = { 0 };
	bool changed;
	size_t n = zone.n;
	uint8_t t[64];
	uint16_t tl = txt("token-1", t);
	long i;

	u_txt(&u, "_acme-challenge.example.org", DNS_CLASS_IN, 60, "token-1");
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert(changed);
	cr_assert_eq(serial_of(&zone), 101);
	cr_assert_eq(zone.n, n + 1);
	cr_assert_geq((i = lfind(&zone, "_acme-challenge.example.org", T_TXT, t, tl)), 0);
	cr_assert_eq(zone.r[i].ttl, 60);

	/* the same record again: nothing to do */
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert_not(changed);
	cr_assert_eq(serial_of(&zone), 101);
	cr_assert_eq(zone.n, n + 1);

	/* and in other case: the same record */
	memset(&u, 0, sizeof(u));
	u_txt(&u, "_ACME-Challenge.EXAMPLE.org", DNS_CLASS_IN, 60, "token-1");
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert_not(changed);
	cr_assert_eq(zone.n, n + 1);
	cr_assert_eq(serial_of(&zone), 101);

	/* an empty update changes nothing */
	cr_assert_eq(apply(NULL, &changed), DNS_RC_NOERROR);
	cr_assert_not(changed);
	cr_assert_eq(serial_of(&zone), 101);
}

Test(dns_update, delete_a_record)
{
	struct upd u = { 0 };
	bool changed;
	size_t n = zone.n;

	u_a(&u, "www.example.org", DNS_CLASS_NONE, 0, "192.0.2.80");
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert(changed);
	cr_assert_eq(serial_of(&zone), 101);
	cr_assert_eq(zone.n, n - 1);
	cr_assert_eq(lfind_a(&zone, "www.example.org", "192.0.2.80"), -1);
	cr_assert_geq(lfind_a(&zone, "www.example.org", "192.0.2.81"), 0);

	/* gone already: nothing to do */
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert_not(changed);
	cr_assert_eq(serial_of(&zone), 101);
	cr_assert_eq(zone.n, n - 1);
}

Test(dns_update, delete_an_rrset)
{
	struct upd u = { 0 };
	bool changed;
	size_t n = zone.n;

	u_add(&u, "www.example.org", DNS_T_A, DNS_CLASS_ANY, 0, NULL, 0);
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert(changed);
	cr_assert_eq(serial_of(&zone), 101);
	cr_assert_eq(zone.n, n - 2);
	cr_assert_eq(lcount(&zone, "www.example.org", DNS_T_A), 0);
	cr_assert_eq(lcount(&zone, "www.example.org", DNS_T_AAAA), 1);

	/* an RRset that is not there */
	memset(&u, 0, sizeof(u));
	u_add(&u, "www.example.org", T_MX, DNS_CLASS_ANY, 0, NULL, 0);
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert_not(changed);
	cr_assert_eq(serial_of(&zone), 101);
}

Test(dns_update, delete_everything_at_a_name)
{
	struct upd u = { 0 };
	bool changed;
	size_t n = zone.n;

	u_add(&u, "WWW.example.org", DNS_T_ANY, DNS_CLASS_ANY, 0, NULL, 0);
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert(changed);
	cr_assert_eq(serial_of(&zone), 101);
	cr_assert_eq(zone.n, n - 3);
	cr_assert_eq(lcount(&zone, "www.example.org", DNS_T_ANY), 0);
	cr_assert_eq(lcount(&zone, "alias.example.org", DNS_T_ANY), 1, "another name touched");

	/* at the apex, SOA and NS stay */
	memset(&u, 0, sizeof(u));
	u_add(&u, "example.org", DNS_T_ANY, DNS_CLASS_ANY, 0, NULL, 0);
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert(changed);
	cr_assert_eq(serial_of(&zone), 102);
	cr_assert_eq(lcount(&zone, "example.org", DNS_T_ANY), 3);
	cr_assert_eq(lcount(&zone, "example.org", DNS_T_SOA), 1);
	cr_assert_eq(lcount(&zone, "example.org", DNS_T_NS), 2);
	cr_assert_eq(lcount(&zone, "example.org", DNS_T_A), 0);
	cr_assert_eq(lcount(&zone, "example.org", T_TXT), 0);

	/* again: only SOA and NS left, nothing to do */
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert_not(changed);
	cr_assert_eq(serial_of(&zone), 102);
}

Test(dns_update, apex_soa_and_ns_are_never_all_deleted)
{
	struct upd u = { 0 };
	bool changed;
	const struct dns_rec *soa;

	/* RRset deletions of the apex's SOA and NS are ignored */
	u_add(&u, "example.org", DNS_T_NS, DNS_CLASS_ANY, 0, NULL, 0);
	u_add(&u, "example.org", DNS_T_SOA, DNS_CLASS_ANY, 0, NULL, 0);
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert_not(changed);
	cr_assert_eq(lcount(&zone, "example.org", DNS_T_NS), 2);
	cr_assert_eq(serial_of(&zone), 100);

	/* so is deleting the SOA itself */
	memset(&u, 0, sizeof(u));
	soa = dns_rrlist_soa(&zone);
	u_add(&u, "example.org", DNS_T_SOA, DNS_CLASS_NONE, 0, soa->rdata, soa->rdlen);
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert_not(changed);
	cr_assert_eq(lcount(&zone, "example.org", DNS_T_SOA), 1);

	/* one NS of two may go, in one update with the other: that stays */
	memset(&u, 0, sizeof(u));
	u_name(&u, "example.org", DNS_T_NS, DNS_CLASS_NONE, 0, "ns1.example.org");
	u_name(&u, "example.org", DNS_T_NS, DNS_CLASS_NONE, 0, "ns2.example.net");
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert(changed);
	cr_assert_eq(serial_of(&zone), 101);
	cr_assert_eq(lcount(&zone, "example.org", DNS_T_NS), 1);
	cr_assert_eq(lfind_name(&zone, "example.org", DNS_T_NS, "ns1.example.org"), -1);
	cr_assert_geq(lfind_name(&zone, "example.org", DNS_T_NS, "ns2.example.net"), 0);

	/* the last NS is not deleted */
	memset(&u, 0, sizeof(u));
	u_name(&u, "example.org", DNS_T_NS, DNS_CLASS_NONE, 0, "ns2.example.net");
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert_not(changed);
	cr_assert_eq(lcount(&zone, "example.org", DNS_T_NS), 1);
	cr_assert_eq(serial_of(&zone), 101);

	/* an NS below the apex (a delegation) is an RRset like any other */
	memset(&u, 0, sizeof(u));
	u_name(&u, "sub.example.org", DNS_T_NS, DNS_CLASS_IN, 300, "ns.elsewhere.net");
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert(changed);
	memset(&u, 0, sizeof(u));
	u_name(&u, "sub.example.org", DNS_T_NS, DNS_CLASS_NONE, 0, "ns.elsewhere.net");
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert(changed);
	cr_assert_eq(lcount(&zone, "sub.example.org", DNS_T_ANY), 0);
	cr_assert_eq(serial_of(&zone), 103);
}

Test(dns_update, cname_and_other_data)
{
	struct upd u = { 0 };
	bool changed;
	size_t n = zone.n;
	long i;

	/* a CNAME where other data is: ignored */
	u_name(&u, "www.example.org", DNS_T_CNAME, DNS_CLASS_IN, 300, "alias.example.org");
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert_not(changed);
	cr_assert_eq(lcount(&zone, "www.example.org", DNS_T_CNAME), 0);
	cr_assert_eq(zone.n, n);
	cr_assert_eq(serial_of(&zone), 100);

	/* other data where a CNAME is: ignored */
	memset(&u, 0, sizeof(u));
	u_a(&u, "alias.example.org", DNS_CLASS_IN, 300, "192.0.2.7");
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert_not(changed);
	cr_assert_eq(lcount(&zone, "alias.example.org", DNS_T_ANY), 1);
	cr_assert_eq(zone.n, n);
	cr_assert_eq(serial_of(&zone), 100);

	/* a CNAME where a CNAME is replaces it */
	memset(&u, 0, sizeof(u));
	u_name(&u, "alias.example.org", DNS_T_CNAME, DNS_CLASS_IN, 600, "ns1.example.org");
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert(changed);
	cr_assert_eq(lcount(&zone, "alias.example.org", DNS_T_ANY), 1);
	cr_assert_geq((i = lfind_name(&zone, "alias.example.org", DNS_T_CNAME, "ns1.example.org")),
		      0);
	cr_assert_eq(zone.r[i].ttl, 600);
	cr_assert_eq(serial_of(&zone), 101);

	/* a CNAME at the apex: other data there */
	memset(&u, 0, sizeof(u));
	u_name(&u, "example.org", DNS_T_CNAME, DNS_CLASS_IN, 300, "www.example.org");
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert_not(changed);
	cr_assert_eq(lcount(&zone, "example.org", DNS_T_CNAME), 0);

	/* delete the A records, then the CNAME may come, in one update */
	memset(&u, 0, sizeof(u));
	u_add(&u, "www.example.org", DNS_T_ANY, DNS_CLASS_ANY, 0, NULL, 0);
	u_name(&u, "www.example.org", DNS_T_CNAME, DNS_CLASS_IN, 300, "alias.example.org");
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert(changed);
	cr_assert_eq(lcount(&zone, "www.example.org", DNS_T_ANY), 1);
	cr_assert_eq(lcount(&zone, "www.example.org", DNS_T_CNAME), 1);
	cr_assert_eq(serial_of(&zone), 102);
}

Test(dns_update, an_added_record_sets_the_rrset_ttl)
{
	struct upd u = { 0 };
	bool changed;

	u_a(&u, "www.example.org", DNS_CLASS_IN, 600, "192.0.2.82");
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert(changed);
	cr_assert_eq(lcount(&zone, "www.example.org", DNS_T_A), 3);
	cr_assert_eq(ttl_a(&zone, "www.example.org", "192.0.2.80"), 600);
	cr_assert_eq(ttl_a(&zone, "www.example.org", "192.0.2.81"), 600);
	cr_assert_eq(ttl_a(&zone, "www.example.org", "192.0.2.82"), 600);
	/* another RRset at the name keeps its own */
	for (size_t k = 0; k < zone.n; k++)
		if (zone.r[k].type == DNS_T_AAAA)
			cr_assert_eq(zone.r[k].ttl, 300);
	cr_assert_eq(serial_of(&zone), 101);

	/* a record already there with another TTL: the TTL changes */
	memset(&u, 0, sizeof(u));
	u_a(&u, "www.example.org", DNS_CLASS_IN, 30, "192.0.2.80");
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert(changed);
	cr_assert_eq(lcount(&zone, "www.example.org", DNS_T_A), 3);
	cr_assert_eq(ttl_a(&zone, "www.example.org", "192.0.2.80"), 30);
	cr_assert_eq(ttl_a(&zone, "www.example.org", "192.0.2.81"), 30);
	cr_assert_eq(ttl_a(&zone, "www.example.org", "192.0.2.82"), 30);
	cr_assert_eq(serial_of(&zone), 102);
	{
		/* and the list still builds (one TTL per RRset) */
		struct dns_zone *z = NULL;
		char err[256] = "";

		cr_assert_eq(dns_rrlist_build(&zone, apex, &z, err, sizeof(err)), 0, "%s", err);
		dns_zone_free(z);
	}
}

Test(dns_update, soa_serials)
{
	struct upd u = { 0 };
	bool changed;
	const struct dns_rec *soa;

	/* a newer SOA replaces the SOA, and is not raised again */
	u_soa(&u, "example.org", 200);
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert(changed);
	cr_assert_eq(lcount(&zone, "example.org", DNS_T_SOA), 1);
	cr_assert_eq(serial_of(&zone), 200);
	soa = dns_rrlist_soa(&zone);
	cr_assert_eq(soa->rdata[soa->rdlen - 1], 60, "the SOA's other fields were not replaced");
	cr_assert_eq(memcmp(soa->rdata, u.rdata[0], soa->rdlen), 0);

	/* an older one, and the same serial: ignored */
	memset(&u, 0, sizeof(u));
	u_soa(&u, "example.org", 150);
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert_not(changed);
	cr_assert_eq(serial_of(&zone), 200);
	memset(&u, 0, sizeof(u));
	u_soa(&u, "example.org", 200);
	u.rdata[0][u.rr[0].rdlen - 1] = 61;
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert_not(changed);
	soa = dns_rrlist_soa(&zone);
	cr_assert_eq(soa->rdata[soa->rdlen - 1], 60);

	/* a newer SOA with other changes: the serial is the SOA's */
	memset(&u, 0, sizeof(u));
	u_a(&u, "new.example.org", DNS_CLASS_IN, 300, "192.0.2.9");
	u_soa(&u, "example.org", 300);
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert(changed);
	cr_assert_eq(serial_of(&zone), 300);
	cr_assert_geq(lfind_a(&zone, "new.example.org", "192.0.2.9"), 0);

	/* an older SOA with other changes: ignored, and the serial goes up
	 * by one */
	memset(&u, 0, sizeof(u));
	u_soa(&u, "example.org", 5);
	u_a(&u, "new.example.org", DNS_CLASS_IN, 300, "192.0.2.10");
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert(changed);
	cr_assert_eq(serial_of(&zone), 301);

	/* an SOA below the apex: ignored */
	memset(&u, 0, sizeof(u));
	u_soa(&u, "www.example.org", 1000);
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert_not(changed);
	cr_assert_eq(lcount(&zone, "www.example.org", DNS_T_SOA), 0);
	cr_assert_eq(serial_of(&zone), 301);
}

Test(dns_update, the_serial_wraps_around)
{
	struct upd u = { 0 };
	bool changed;
	struct dns_rec *soa = (struct dns_rec *)dns_rrlist_soa(&zone);

	dns_soa_set_serial(soa->rdata, soa->rdlen, 0xffffffffu);
	u_a(&u, "new.example.org", DNS_CLASS_IN, 300, "192.0.2.9");
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert(changed);
	cr_assert_eq(serial_of(&zone), 0);
	cr_assert(dns_serial_gt(serial_of(&zone), 0xffffffffu));

	/* an SOA newer in serial arithmetic though smaller */
	memset(&u, 0, sizeof(u));
	u_soa(&u, "example.org", 5);
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOERROR);
	cr_assert(changed);
	cr_assert_eq(serial_of(&zone), 5);
}

Test(dns_update, outside_the_zone)
{
	struct upd u = { 0 }, p = { 0 };
	bool changed;

	u_a(&u, "www.example.org", DNS_CLASS_IN, 300, "192.0.2.99");
	u_a(&u, "www.example.net", DNS_CLASS_IN, 300, "192.0.2.1");
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOTZONE);
	cr_assert_eq(lfind_a(&zone, "www.example.org", "192.0.2.99"), -1);
	cr_assert_eq(serial_of(&zone), 100);

	memset(&u, 0, sizeof(u));
	u_a(&u, "www.notexample.org", DNS_CLASS_IN, 300, "192.0.2.1");
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOTZONE);
	memset(&u, 0, sizeof(u));
	u_add(&u, "org", DNS_T_ANY, DNS_CLASS_ANY, 0, NULL, 0);
	cr_assert_eq(apply(&u, &changed), DNS_RC_NOTZONE);

	/* a prerequisite outside the zone */
	memset(&u, 0, sizeof(u));
	u_a(&u, "www.example.org", DNS_CLASS_IN, 300, "192.0.2.99");
	u_add(&p, "www.example.com", DNS_T_ANY, DNS_CLASS_ANY, 0, NULL, 0);
	cr_assert_eq(apply_full(&p, &u, NULL, NULL, &changed), DNS_RC_NOTZONE);
	cr_assert_eq(serial_of(&zone), 100);
}

Test(dns_update, malformed_updates)
{
	struct upd u = { 0 };
	bool changed;
	uint8_t a[4] = { 192, 0, 2, 1 };

	/* class IN with type ANY (and the other meta types) */
	u_add(&u, "www.example.org", DNS_T_ANY, DNS_CLASS_IN, 300, a, 4);
	cr_assert_eq(apply(&u, &changed), DNS_RC_FORMERR);
	u.rr[0].type = DNS_T_AXFR;
	cr_assert_eq(apply(&u, &changed), DNS_RC_FORMERR);
	u.rr[0].type = DNS_T_OPT;
	cr_assert_eq(apply(&u, &changed), DNS_RC_FORMERR);
	/* class ANY with a TTL, or with RDATA */
	memset(&u, 0, sizeof(u));
	u_add(&u, "www.example.org", DNS_T_A, DNS_CLASS_ANY, 5, NULL, 0);
	cr_assert_eq(apply(&u, &changed), DNS_RC_FORMERR);
	memset(&u, 0, sizeof(u));
	u_add(&u, "www.example.org", DNS_T_A, DNS_CLASS_ANY, 0, a, 4);
	cr_assert_eq(apply(&u, &changed), DNS_RC_FORMERR);
	/* class NONE with a TTL, or type ANY */
	memset(&u, 0, sizeof(u));
	u_add(&u, "www.example.org", DNS_T_A, DNS_CLASS_NONE, 300, a, 4);
	cr_assert_eq(apply(&u, &changed), DNS_RC_FORMERR);
	memset(&u, 0, sizeof(u));
	u_add(&u, "www.example.org", DNS_T_ANY, DNS_CLASS_NONE, 0, NULL, 0);
	cr_assert_eq(apply(&u, &changed), DNS_RC_FORMERR);
	/* a class of its own (CH) */
	memset(&u, 0, sizeof(u));
	u_add(&u, "www.example.org", DNS_T_A, 3, 300, a, 4);
	cr_assert_eq(apply(&u, &changed), DNS_RC_FORMERR);
	/* a good record first changes nothing either (the prescan is whole) */
	memset(&u, 0, sizeof(u));
	u_a(&u, "www.example.org", DNS_CLASS_NONE, 0, "192.0.2.80");
	u_txt(&u, "txt.example.org", DNS_CLASS_IN, 300, "x");
	u_add(&u, "www.example.org", DNS_T_A, DNS_CLASS_ANY, 1, NULL, 0);
	cr_assert_eq(apply(&u, &changed), DNS_RC_FORMERR);
	cr_assert_geq(lfind_a(&zone, "www.example.org", "192.0.2.80"), 0);
	cr_assert_eq(lcount(&zone, "txt.example.org", DNS_T_ANY), 0);
	/* a bad owner name */
	memset(&u, 0, sizeof(u));
	u_a(&u, "www.example.org", DNS_CLASS_IN, 300, "192.0.2.99");
	u.owner[0][0] = 64;
	cr_assert_eq(apply(&u, &changed), DNS_RC_FORMERR);
	cr_assert_eq(serial_of(&zone), 100);
}

Test(dns_update, prerequisites_on_names_and_rrsets)
{
	struct upd p = { 0 }, u = { 0 };
	bool changed;

	u_txt(&u, "flag.example.org", DNS_CLASS_IN, 300, "done");

	/* name in use */
	u_add(&p, "www.example.org", DNS_T_ANY, DNS_CLASS_ANY, 0, NULL, 0);
	cr_assert_eq(apply_full(&p, NULL, NULL, NULL, &changed), DNS_RC_NOERROR);
	cr_assert_not(changed);
	p.n = 0;
	u_add(&p, "nothere.example.org", DNS_T_ANY, DNS_CLASS_ANY, 0, NULL, 0);
	cr_assert_eq(apply_full(&p, &u, NULL, NULL, &changed), DNS_RC_NXDOMAIN);
	/* an empty non-terminal is not in use */
	p.n = 0;
	u_add(&p, "example.org", DNS_T_ANY, DNS_CLASS_ANY, 0, NULL, 0);
	u_add(&p, "b.example.org", DNS_T_ANY, DNS_CLASS_ANY, 0, NULL, 0);
	ladd_a(&zone, "a.b.example.org", 300, "192.0.2.11");
	dns_rrlist_sort(&zone);
	cr_assert_eq(apply_full(&p, &u, NULL, NULL, &changed), DNS_RC_NXDOMAIN);

	/* RRset exists */
	p.n = 0;
	u_add(&p, "www.example.org", DNS_T_AAAA, DNS_CLASS_ANY, 0, NULL, 0);
	cr_assert_eq(apply_full(&p, NULL, NULL, NULL, &changed), DNS_RC_NOERROR);
	p.n = 0;
	u_add(&p, "www.example.org", T_MX, DNS_CLASS_ANY, 0, NULL, 0);
	cr_assert_eq(apply_full(&p, &u, NULL, NULL, &changed), DNS_RC_NXRRSET);

	/* name not in use */
	p.n = 0;
	u_add(&p, "nothere.example.org", DNS_T_ANY, DNS_CLASS_NONE, 0, NULL, 0);
	cr_assert_eq(apply_full(&p, NULL, NULL, NULL, &changed), DNS_RC_NOERROR);
	p.n = 0;
	u_add(&p, "Alias.example.org", DNS_T_ANY, DNS_CLASS_NONE, 0, NULL, 0);
	cr_assert_eq(apply_full(&p, &u, NULL, NULL, &changed), DNS_RC_YXDOMAIN);

	/* RRset does not exist */
	p.n = 0;
	u_add(&p, "www.example.org", T_MX, DNS_CLASS_NONE, 0, NULL, 0);
	cr_assert_eq(apply_full(&p, NULL, NULL, NULL, &changed), DNS_RC_NOERROR);
	p.n = 0;
	u_add(&p, "www.example.org", DNS_T_A, DNS_CLASS_NONE, 0, NULL, 0);
	cr_assert_eq(apply_full(&p, &u, NULL, NULL, &changed), DNS_RC_YXRRSET);

	/* all of them at once, met: the update is applied */
	p.n = 0;
	u_add(&p, "www.example.org", DNS_T_ANY, DNS_CLASS_ANY, 0, NULL, 0);
	u_add(&p, "www.example.org", DNS_T_A, DNS_CLASS_ANY, 0, NULL, 0);
	u_add(&p, "flag.example.org", DNS_T_ANY, DNS_CLASS_NONE, 0, NULL, 0);
	u_add(&p, "www.example.org", T_TXT, DNS_CLASS_NONE, 0, NULL, 0);
	cr_assert_eq(apply_full(&p, &u, NULL, NULL, &changed), DNS_RC_NOERROR);
	cr_assert(changed);
	cr_assert_eq(lcount(&zone, "flag.example.org", T_TXT), 1);
	cr_assert_eq(serial_of(&zone), 101);
	/* and now the last one fails */
	cr_assert_eq(apply_full(&p, &u, NULL, NULL, &changed), DNS_RC_YXDOMAIN);

	/* malformed: a TTL, RDATA in a class ANY or NONE one, a meta type,
	 * a class of its own */
	p.n = 0;
	u_add(&p, "www.example.org", DNS_T_A, DNS_CLASS_ANY, 1, NULL, 0);
	cr_assert_eq(apply_full(&p, &u, NULL, NULL, &changed), DNS_RC_FORMERR);
	p.n = 0;
	u_a(&p, "www.example.org", DNS_CLASS_IN, 300, "192.0.2.80");
	u_a(&p, "www.example.org", DNS_CLASS_IN, 300, "192.0.2.81");
	cr_assert_eq(apply_full(&p, &u, NULL, NULL, &changed), DNS_RC_FORMERR);
	p.n = 0;
	u_a(&p, "www.example.org", DNS_CLASS_ANY, 0, "192.0.2.80");
	cr_assert_eq(apply_full(&p, &u, NULL, NULL, &changed), DNS_RC_FORMERR);
	p.n = 0;
	u_a(&p, "www.example.org", DNS_CLASS_NONE, 0, "192.0.2.80");
	cr_assert_eq(apply_full(&p, &u, NULL, NULL, &changed), DNS_RC_FORMERR);
	p.n = 0;
	u_add(&p, "www.example.org", DNS_T_AXFR, DNS_CLASS_ANY, 0, NULL, 0);
	cr_assert_eq(apply_full(&p, &u, NULL, NULL, &changed), DNS_RC_FORMERR);
	p.n = 0;
	u_add(&p, "www.example.org", DNS_T_ANY, DNS_CLASS_IN, 0, NULL, 0);
	cr_assert_eq(apply_full(&p, &u, NULL, NULL, &changed), DNS_RC_FORMERR);
	p.n = 0;
	u_add(&p, "www.example.org", DNS_T_A, 3, 0, NULL, 0);
	cr_assert_eq(apply_full(&p, &u, NULL, NULL, &changed), DNS_RC_FORMERR);
	cr_assert_eq(serial_of(&zone), 101);
}

Test(dns_update, value_dependent_prerequisites)
{
	struct upd p = { 0 }, u = { 0 };
	bool changed;

	u_txt(&u, "flag.example.org", DNS_CLASS_IN, 300, "done");

	/* exactly the RRset, in any order and case: met */
	u_a(&p, "www.example.org", DNS_CLASS_IN, 0, "192.0.2.81");
	u_a(&p, "WWW.Example.org", DNS_CLASS_IN, 0, "192.0.2.80");
	cr_assert_eq(apply_full(&p, NULL, NULL, NULL, &changed), DNS_RC_NOERROR);
	/* with another RRset's prerequisite in between */
	p.n = 0;
	u_a(&p, "www.example.org", DNS_CLASS_IN, 0, "192.0.2.80");
	u_name(&p, "alias.example.org", DNS_T_CNAME, DNS_CLASS_IN, 0, "www.example.org");
	u_a(&p, "www.example.org", DNS_CLASS_IN, 0, "192.0.2.81");
	cr_assert_eq(apply_full(&p, NULL, NULL, NULL, &changed), DNS_RC_NOERROR);
	/* a record given twice counts once */
	u_a(&p, "www.example.org", DNS_CLASS_IN, 0, "192.0.2.81");
	cr_assert_eq(apply_full(&p, NULL, NULL, NULL, &changed), DNS_RC_NOERROR);

	/* one missing */
	p.n = 0;
	u_a(&p, "www.example.org", DNS_CLASS_IN, 0, "192.0.2.80");
	cr_assert_eq(apply_full(&p, &u, NULL, NULL, &changed), DNS_RC_NXRRSET);
	/* one too many */
	u_a(&p, "www.example.org", DNS_CLASS_IN, 0, "192.0.2.81");
	u_a(&p, "www.example.org", DNS_CLASS_IN, 0, "192.0.2.82");
	cr_assert_eq(apply_full(&p, &u, NULL, NULL, &changed), DNS_RC_NXRRSET);
	/* one different */
	p.n = 0;
	u_a(&p, "www.example.org", DNS_CLASS_IN, 0, "192.0.2.80");
	u_a(&p, "www.example.org", DNS_CLASS_IN, 0, "192.0.2.82");
	cr_assert_eq(apply_full(&p, &u, NULL, NULL, &changed), DNS_RC_NXRRSET);
	/* an RRset that is not there at all */
	p.n = 0;
	u_a(&p, "nothere.example.org", DNS_CLASS_IN, 0, "192.0.2.80");
	cr_assert_eq(apply_full(&p, &u, NULL, NULL, &changed), DNS_RC_NXRRSET);
	/* a TTL */
	p.n = 0;
	u_a(&p, "www.example.org", DNS_CLASS_IN, 0, "192.0.2.80");
	u_a(&p, "www.example.org", DNS_CLASS_IN, 300, "192.0.2.81");
	cr_assert_eq(apply_full(&p, &u, NULL, NULL, &changed), DNS_RC_FORMERR);
	cr_assert_eq(lcount(&zone, "flag.example.org", DNS_T_ANY), 0);
	cr_assert_eq(serial_of(&zone), 100);

	/* met, with the update */
	p.n = 0;
	u_a(&p, "www.example.org", DNS_CLASS_IN, 0, "192.0.2.80");
	u_a(&p, "www.example.org", DNS_CLASS_IN, 0, "192.0.2.81");
	cr_assert_eq(apply_full(&p, &u, NULL, NULL, &changed), DNS_RC_NOERROR);
	cr_assert(changed);
	cr_assert_eq(lcount(&zone, "flag.example.org", T_TXT), 1);
	cr_assert_eq(serial_of(&zone), 101);
}

/* The allow callback: what it was asked, and one (name, type) it refuses. */
struct rights {
	uint8_t deny[DNS_NAME_MAX];
	uint16_t deny_type;
	size_t asked;
	uint8_t name[16][DNS_NAME_MAX];
	uint16_t type[16];
};

static bool allow(void *ctx, const uint8_t *name, uint16_t type)
{
	struct rights *r = ctx;
	size_t len;

	for (len = 0; name[len]; len += 1u + name[len])
		;
	len++;
	if (r->asked < 16) {
		memcpy(r->name[r->asked], name, len);
		r->type[r->asked] = type;
	}
	r->asked++;
	return !(type == r->deny_type && memcmp(name, r->deny, len) == 0);
}

Test(dns_update, rights)
{
	struct upd u = { 0 };
	struct rights r;
	bool changed;
	uint8_t want[DNS_NAME_MAX];
	size_t wl;

	memset(&r, 0, sizeof(r));
	wname("www.example.org", r.deny);
	r.deny_type = DNS_T_A;

	/* the first would be allowed, the second is not: nothing happens */
	u_txt(&u, "_ACME-Challenge.Example.org", DNS_CLASS_IN, 60, "token");
	u_a(&u, "WWW.example.org", DNS_CLASS_IN, 300, "192.0.2.99");
	u_txt(&u, "later.example.org", DNS_CLASS_IN, 60, "token");
	cr_assert_eq(apply_full(NULL, &u, allow, &r, &changed), DNS_RC_REFUSED);
	cr_assert_eq(lcount(&zone, "_acme-challenge.example.org", DNS_T_ANY), 0);
	cr_assert_eq(lfind_a(&zone, "www.example.org", "192.0.2.99"), -1);
	cr_assert_eq(serial_of(&zone), 100);
	/* asked for each record in turn until the refusal, names in lower case */
	cr_assert_eq(r.asked, 2);
	wl = wname("_acme-challenge.example.org", want);
	cr_assert_eq(memcmp(r.name[0], want, wl), 0, "asked with the name as given");
	cr_assert_eq(r.type[0], T_TXT);
	wl = wname("www.example.org", want);
	cr_assert_eq(memcmp(r.name[1], want, wl), 0);
	cr_assert_eq(r.type[1], DNS_T_A);

	/* deletions are asked about too: an RRset, everything at a name */
	r.asked = 0;
	memset(&u, 0, sizeof(u));
	u_add(&u, "www.example.org", DNS_T_AAAA, DNS_CLASS_ANY, 0, NULL, 0);
	u_a(&u, "www.example.org", DNS_CLASS_NONE, 0, "192.0.2.80");
	cr_assert_eq(apply_full(NULL, &u, allow, &r, &changed), DNS_RC_REFUSED);
	cr_assert_eq(r.asked, 2);
	cr_assert_eq(r.type[0], DNS_T_AAAA);
	cr_assert_eq(lcount(&zone, "www.example.org", DNS_T_AAAA), 1);
	r.asked = 0;
	memset(&u, 0, sizeof(u));
	u_add(&u, "www.example.org", DNS_T_ANY, DNS_CLASS_ANY, 0, NULL, 0);
	r.deny_type = DNS_T_ANY;
	cr_assert_eq(apply_full(NULL, &u, allow, &r, &changed), DNS_RC_REFUSED);
	cr_assert_eq(r.asked, 1);
	cr_assert_eq(r.type[0], DNS_T_ANY);
	cr_assert_eq(lcount(&zone, "www.example.org", DNS_T_ANY), 3);

	/* all allowed */
	r.asked = 0;
	r.deny_type = T_MX;
	memset(&u, 0, sizeof(u));
	u_txt(&u, "_acme-challenge.example.org", DNS_CLASS_IN, 60, "token");
	u_a(&u, "www.example.org", DNS_CLASS_IN, 300, "192.0.2.99");
	cr_assert_eq(apply_full(NULL, &u, allow, &r, &changed), DNS_RC_NOERROR);
	cr_assert(changed);
	cr_assert_eq(r.asked, 2);
	cr_assert_eq(lcount(&zone, "_acme-challenge.example.org", T_TXT), 1);
	cr_assert_geq(lfind_a(&zone, "www.example.org", "192.0.2.99"), 0);
	cr_assert_eq(serial_of(&zone), 101);

	/* a refused update with prerequisites that are met */
	{
		struct upd p = { 0 };

		r.asked = 0;
		r.deny_type = DNS_T_A;
		u_add(&p, "www.example.org", DNS_T_A, DNS_CLASS_ANY, 0, NULL, 0);
		memset(&u, 0, sizeof(u));
		u_add(&u, "www.example.org", DNS_T_A, DNS_CLASS_ANY, 0, NULL, 0);
		cr_assert_eq(apply_full(&p, &u, allow, &r, &changed), DNS_RC_REFUSED);
		cr_assert_eq(lcount(&zone, "www.example.org", DNS_T_A), 3);
		cr_assert_eq(serial_of(&zone), 101);
	}
}

/* ---- dns_name_in ---- */

static bool name_in(const char *name, const char *zone_name)
{
	uint8_t n[DNS_NAME_MAX], a[DNS_NAME_MAX];

	wname(name, n);
	wname(zone_name, a);
	return dns_name_in(n, a);
}

Test(dns_name_in, inside_and_outside)
{
	uint8_t bad[80] = { 64 }, a[DNS_NAME_MAX];

	cr_assert(name_in("example.org", "example.org"));
	cr_assert(name_in("www.example.org", "example.org"));
	cr_assert(name_in("a.b.c.example.org", "example.org"));
	cr_assert(name_in("_acme-challenge.www.example.org", "example.org"));
	cr_assert_not(name_in("notexample.org", "example.org"));
	cr_assert_not(name_in("www.notexample.org", "example.org"));
	cr_assert_not(name_in("org", "example.org"));
	cr_assert_not(name_in("example.net", "example.org"));
	cr_assert_not(name_in("example.org.net", "example.org"));
	cr_assert_not(name_in("example.org", "www.example.org"));
	cr_assert_not(name_in("xexample.org", "example.org"));
	/* any case, on either side */
	cr_assert(name_in("WWW.EXAMPLE.ORG", "example.org"));
	cr_assert(name_in("www.example.org", "ExAmPlE.OrG"));
	cr_assert(name_in("Example.Org", "EXAMPLE.org"));
	/* the root holds everything */
	cr_assert(name_in("www.example.org", "."));
	cr_assert(name_in(".", "."));
	cr_assert_not(name_in(".", "example.org"));
	/* a bad name is in nothing */
	memset(bad + 1, 'a', 64);
	wname("example.org", a);
	cr_assert_not(dns_name_in(bad, a));
	/* the apex's bytes at the end of a name, but not on a label boundary:
	 * a label "z\x07example" then "org" */
	{
		const uint8_t tricky[] = { 9,	'z', 7, 'e', 'x', 'a', 'm', 'p',
					   'l', 'e', 3, 'o', 'r', 'g', 0 };

		cr_assert_not(dns_name_in(tricky, a));
	}
}

/* RFC 2136 §3.2.5: a prerequisite's TTL is checked before its zone, and
 * the value-dependent RRsets are compared after every other prerequisite. */
Test(dns_update, prerequisite_order)
{
	struct upd p = { 0 }, u = { 0 };
	bool changed;

	u_txt(&u, "flag.example.org", DNS_CLASS_IN, 300, "done");
	u_add(&p, "www.example.com", DNS_T_A, DNS_CLASS_ANY, 5, NULL, 0);
	cr_assert_eq(apply_full(&p, &u, NULL, NULL, &changed), DNS_RC_FORMERR);
	p.n = 0;
	u_a(&p, "nothere.example.org", DNS_CLASS_IN, 0, "192.0.2.4");
	u_add(&p, "nothere.example.org", DNS_T_ANY, DNS_CLASS_ANY, 0, NULL, 0);
	cr_assert_eq(apply_full(&p, &u, NULL, NULL, &changed), DNS_RC_NXDOMAIN);
}
