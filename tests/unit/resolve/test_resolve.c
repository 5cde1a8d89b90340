/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of ctrl/resolve/resolve.c: queries byte for byte; responses with
 * addresses, CNAME chains, compression, negative answers and their TTL; every
 * kind of malformed or mismatched response, and every truncation of good
 * ones; then the asynchronous resolver against UDP servers the test runs on
 * 127.0.0.1: answers, strangers ignored, timeouts, the next server.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ctrl/resolve/resolve.h"

#define NAME "web.lab.example"

static const uint8_t A1[4] = { 198, 51, 100, 7 }, A2[4] = { 198, 51, 100, 8 };
static const uint8_t A6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 };

static size_t put16(uint8_t *b, unsigned v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
	return 2;
}

static size_t put32(uint8_t *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b + 2, v & 0xffff);
	return 4;
}

static size_t put_name(uint8_t *b, const char *name)
{
	size_t o = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		b[o++] = (uint8_t)l;
		memcpy(b + o, name, l);
		o += l;
		name += l + (dot ? 1 : 0);
	}
	b[o++] = 0;
	return o;
}

/* A response header and its question. */
static size_t head(uint8_t *b, uint16_t id, uint16_t flags, unsigned an, unsigned ns,
		   const char *name, uint16_t qtype)
{
	size_t o = 0;

	o += put16(b + o, id);
	o += put16(b + o, flags);
	o += put16(b + o, 1);
	o += put16(b + o, an);
	o += put16(b + o, ns);
	o += put16(b + o, 0);
	o += put_name(b + o, name);
	o += put16(b + o, qtype);
	o += put16(b + o, 1);
	return o;
}

/* A record of class IN; owner NULL: a pointer to the question's name. */
static size_t rr(uint8_t *b, const char *owner, uint16_t type, uint32_t ttl, const void *rdata,
		 size_t rdlen)
{
	size_t o = owner ? put_name(b, owner) : put16(b, 0xc00c);

	o += put16(b + o, type);
	o += put16(b + o, 1);
	o += put32(b + o, ttl);
	o += put16(b + o, (unsigned)rdlen);
	memcpy(b + o, rdata, rdlen);
	return o + rdlen;
}

static size_t cname(uint8_t *b, const char *owner, uint32_t ttl, const char *target)
{
	uint8_t t[256];

	return rr(b, owner, 5, ttl, t, put_name(t, target));
}

static size_t soa(uint8_t *b, const char *owner, uint32_t ttl, uint32_t minimum)
{
	uint8_t d[256];
	size_t s = 0;

	s += put_name(d + s, "ns.lab.example");
	s += put_name(d + s, "hostmaster.lab.example");
	s += put32(d + s, 2024010101);
	s += put32(d + s, 3600);
	s += put32(d + s, 600);
	s += put32(d + s, 86400);
	s += put32(d + s, minimum);
	return rr(b, owner, 6, ttl, d, s);
}

static int parse(const uint8_t *b, size_t n, uint16_t id, uint16_t qtype, struct rs_answer *a)
{
	return rs_response_parse(b, n, id, NAME, qtype, a);
}

/* Every prefix of a good response is refused, and says nothing. */
static void assert_truncations_fail(const uint8_t *b, size_t n, uint16_t id, uint16_t qtype)
{
	struct rs_answer a;

	for (size_t len = 0; len < n; len++) {
		int rc = parse(b, len, id, qtype, &a);

		cr_assert(rc == -EBADMSG, "length %zu of %zu: %d", len, n, rc);
		cr_assert_eq(a.n, 0);
	}
}

/* ---- names and queries ---- */

Test(resolve, query_is_exactly_the_rfc_1035_bytes)
{
	/* header: id, RD, one question; the name; type AAAA, class IN */
	static const char want[] = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
				   "\x03www\x07"
				   "Example\x03org\x00"
				   "\x00\x1c\x00\x01";
	uint8_t b[300];

	cr_assert_eq(rs_query_build(b, sizeof(b), 0x1234, "www.Example.org", RS_QTYPE_AAAA),
		     (int)sizeof(want) - 1);
	cr_assert_eq(memcmp(b, want, sizeof(want) - 1), 0);
	memset(b, 0xee, sizeof(b));
	cr_assert_eq(rs_query_build(b, sizeof(b), 0x1234, "www.Example.org.", RS_QTYPE_AAAA),
		     (int)sizeof(want) - 1, "the final dot is the root label");
	cr_assert_eq(memcmp(b, want, sizeof(want) - 1), 0);
	cr_assert_eq(rs_query_build(b, sizeof(want) - 1, 0x1234, "www.Example.org", RS_QTYPE_AAAA),
		     (int)sizeof(want) - 1, "exactly enough room");
}

Test(resolve, query_for_a_has_type_1)
{
	uint8_t b[64];
	int n = rs_query_build(b, sizeof(b), 0xbeef, "a.b", RS_QTYPE_A);

	cr_assert_eq(n, 12 + 5 + 4);
	cr_assert_eq(b[0], 0xbe);
	cr_assert_eq(b[1], 0xef);
	cr_assert_eq(b[n - 3], 1);
	cr_assert_eq(b[n - 1], 1);
}

Test(resolve, query_refuses_bad_names_and_short_buffers)
{
	uint8_t b[300];

	cr_assert_eq(rs_query_build(b, 32, 1, "www.Example.org", RS_QTYPE_A), -ENOSPC);
	cr_assert_eq(rs_query_build(b, 0, 1, "www.Example.org", RS_QTYPE_A), -ENOSPC);
	cr_assert_eq(rs_query_build(b, sizeof(b), 1, "bad..name", RS_QTYPE_A), -EINVAL);
	cr_assert_eq(rs_query_build(b, sizeof(b), 1, "", RS_QTYPE_A), -EINVAL);
}

Test(resolve, name_check_takes_labels_of_63_not_64)
{
	char name[80];

	memset(name, 'a', 63);
	strcpy(name + 63, ".example");
	cr_assert_eq(rs_name_check(name), 0);
	memset(name, 'a', 64);
	strcpy(name + 64, ".example");
	cr_assert_eq(rs_name_check(name), -EINVAL);
	name[64] = '\0';
	cr_assert_eq(rs_name_check(name), -EINVAL);
}

Test(resolve, name_check_takes_253_characters_not_254)
{
	uint8_t wire[300];
	char name[300];

	/* labels of 49 and dots: 253 characters in all */
	for (int i = 0; i < 253; i++)
		name[i] = i % 50 == 49 ? '.' : 'b';
	name[253] = '\0';
	cr_assert_eq(rs_name_check(name), 0);
	name[253] = '.';
	name[254] = '\0';
	cr_assert_eq(rs_name_check(name), 0, "and a final dot");
	name[253] = 'b';
	cr_assert_eq(rs_name_check(name), -EINVAL);
	name[253] = '\0';
	cr_assert_eq(rs_query_build(wire, sizeof(wire), 1, name, RS_QTYPE_A), 12 + 255 + 4);
}

Test(resolve, name_check_refuses_empty_labels_and_other_characters)
{
	static const char *const good[] = { "a", "a.", "_dmarc.Example-1.org.", "1-2_3.x" };
	static const char *const bad[] = { "",	  ".",	   "..",    "a..b", ".a",    "a b",
					   "a/b", "a\\.b", "é.org", "a*.b", "a.b..", "a,b" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		cr_assert_eq(rs_name_check(good[i]), 0, "%s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(rs_name_check(bad[i]), -EINVAL, "%s", bad[i]);
}

/* ---- responses ---- */

static size_t answer_a(uint8_t *b)
{
	size_t o = head(b, 7, 0x8180, 2, 0, "Web.LAB.example", RS_QTYPE_A);

	o += rr(b + o, NULL, 1, 300, A1, 4);
	o += rr(b + o, NULL, 1, 200, A2, 4);
	return o;
}

Test(resolve, two_a_records_give_two_addresses_and_the_least_ttl)
{
	struct rs_answer a;
	uint8_t b[512];
	size_t n = answer_a(b);

	cr_assert_eq(parse(b, n, 7, RS_QTYPE_A, &a), 0);
	cr_assert_eq(a.n, 2);
	cr_assert_eq(a.ttl, 200);
	cr_assert_eq(a.rcode, 0);
	cr_assert_not(a.truncated);
	cr_assert_eq(a.addrs[0].family, 4);
	cr_assert_eq(a.addrs[0].prefixlen, 32);
	cr_assert_eq(memcmp(a.addrs[0].addr, A1, 4), 0);
	cr_assert_eq(memcmp(a.addrs[1].addr, A2, 4), 0);
	cr_assert_eq(a.addrs[1].addr[4], 0);
	cr_assert_eq(rs_response_parse(b, n, 7, "WEB.lab.example.", RS_QTYPE_A, &a), 0,
		     "the name compared without regard to case or final dot");
}

Test(resolve, aaaa_record_gives_an_ipv6_address)
{
	uint8_t b[512];
	struct rs_answer a;
	size_t o = head(b, 1, 0x8180, 1, 0, NAME, RS_QTYPE_AAAA);

	o += rr(b + o, NULL, 28, 3600, A6, 16);
	cr_assert_eq(parse(b, o, 1, RS_QTYPE_AAAA, &a), 0);
	cr_assert_eq(a.n, 1);
	cr_assert_eq(a.ttl, 3600);
	cr_assert_eq(a.addrs[0].family, 6);
	cr_assert_eq(a.addrs[0].prefixlen, 128);
	cr_assert_eq(memcmp(a.addrs[0].addr, A6, 16), 0);
	assert_truncations_fail(b, o, 1, RS_QTYPE_AAAA);
}

Test(resolve, records_of_other_types_and_owners_are_not_collected)
{
	uint8_t b[512];
	struct rs_answer a;
	size_t o = head(b, 1, 0x8180, 4, 0, NAME, RS_QTYPE_A);

	o += rr(b + o, NULL, 28, 10, A6, 16);
	o += rr(b + o, "other.lab.example", 1, 10, A2, 4);
	o += rr(b + o, NULL, 16, 10, "\3txt", 4);
	o += rr(b + o, NULL, 1, 100, A1, 4);
	cr_assert_eq(parse(b, o, 1, RS_QTYPE_A, &a), 0);
	cr_assert_eq(a.n, 1);
	cr_assert_eq(memcmp(a.addrs[0].addr, A1, 4), 0);
	cr_assert_eq(a.ttl, 100);
}

Test(resolve, duplicates_are_dropped_and_at_most_32_addresses_kept)
{
	uint8_t b[2048], ip[4] = { 10, 0, 0, 0 };
	struct rs_answer a;
	size_t o = head(b, 1, 0x8180, 41, 0, NAME, RS_QTYPE_A);

	o += rr(b + o, NULL, 1, 100, ip, 4);
	for (int i = 0; i < 40; i++) {
		ip[3] = (uint8_t)i;
		o += rr(b + o, NULL, 1, 100 - (uint32_t)i, ip, 4);
	}
	cr_assert_eq(parse(b, o, 1, RS_QTYPE_A, &a), 0);
	cr_assert_eq(a.n, RS_MAX_ADDRS);
	cr_assert_eq(a.addrs[0].addr[3], 0);
	cr_assert_eq(a.addrs[1].addr[3], 1);
	cr_assert_eq(a.ttl, 61, "the TTL of the whole set, kept or not");
}

Test(resolve, ttl_with_the_top_bit_set_counts_as_zero)
{
	uint8_t b[512];
	struct rs_answer a;
	size_t o = head(b, 1, 0x8180, 1, 0, NAME, RS_QTYPE_A);

	o += rr(b + o, NULL, 1, 0x80000000u, A1, 4);
	cr_assert_eq(parse(b, o, 1, RS_QTYPE_A, &a), 0);
	cr_assert_eq(a.ttl, 0);
}

Test(resolve, address_of_the_wrong_length_is_malformed)
{
	uint8_t b[512];
	struct rs_answer a;
	size_t o = head(b, 3, 0x8180, 2, 0, NAME, RS_QTYPE_A);

	o += rr(b + o, NULL, 1, 60, A1, 4);
	o += rr(b + o, NULL, 1, 60, A2, 2);
	cr_assert_eq(parse(b, o, 3, RS_QTYPE_A, &a), -EBADMSG);
	cr_assert_eq(a.n, 0, "nothing from a malformed response");
}

Test(resolve, cname_chain_in_order_is_followed)
{
	uint8_t b[512];
	struct rs_answer a;
	size_t o = head(b, 9, 0x8180, 3, 0, NAME, RS_QTYPE_A);

	o += cname(b + o, NULL, 3600, "edge.lab.example");
	o += cname(b + o, "edge.lab.example", 40, "cdn.example.net");
	o += rr(b + o, "CDN.example.net", 1, 300, A1, 4);
	cr_assert_eq(parse(b, o, 9, RS_QTYPE_A, &a), 0);
	cr_assert_eq(a.n, 1);
	cr_assert_eq(memcmp(a.addrs[0].addr, A1, 4), 0);
	cr_assert_eq(a.ttl, 40, "a CNAME's TTL counts");
	assert_truncations_fail(b, o, 9, RS_QTYPE_A);
}

Test(resolve, cname_chain_out_of_order_is_followed)
{
	uint8_t b[512];
	struct rs_answer a;
	size_t o = head(b, 9, 0x8180, 4, 0, NAME, RS_QTYPE_AAAA);

	o += rr(b + o, "cdn.example.net", 28, 50, A6, 16);
	o += rr(b + o, "edge.lab.example", 28, 5, A6, 16); /* not at the chain's end */
	o += cname(b + o, "edge.lab.example", 100, "cdn.example.net");
	o += cname(b + o, NULL, 3600, "edge.lab.example");
	cr_assert_eq(parse(b, o, 9, RS_QTYPE_AAAA, &a), 0);
	cr_assert_eq(a.n, 1);
	cr_assert_eq(a.addrs[0].family, 6);
	cr_assert_eq(a.ttl, 5, "edge has addresses itself: the chain stops there");
}

Test(resolve, cname_chain_of_16_links_is_followed_and_17_is_not)
{
	uint8_t b[2048];
	struct rs_answer a;
	char owner[32], target[32];

	for (int links = 16; links <= 17; links++) {
		size_t o = head(b, 9, 0x8180, (unsigned)links + 1, 0, NAME, RS_QTYPE_A);

		for (int i = 0; i < links; i++) {
			snprintf(owner, sizeof(owner), "n%d.example", i);
			snprintf(target, sizeof(target), "n%d.example", i + 1);
			o += cname(b + o, i ? owner : NULL, 60, target);
		}
		o += rr(b + o, target, 1, 60, A1, 4);
		cr_assert_eq(parse(b, o, 9, RS_QTYPE_A, &a), links == 16 ? 0 : -EBADMSG, "%d",
			     links);
	}
}

Test(resolve, cname_loop_is_malformed)
{
	uint8_t b[512];
	struct rs_answer a;
	size_t o = head(b, 9, 0x8180, 3, 0, NAME, RS_QTYPE_A);

	o += cname(b + o, NULL, 10, "b.example");
	o += cname(b + o, "b.example", 10, "c.example");
	o += cname(b + o, "c.example", 10, "B.EXAMPLE");
	cr_assert_eq(parse(b, o, 9, RS_QTYPE_A, &a), -EBADMSG);
	o = head(b, 9, 0x8180, 1, 0, NAME, RS_QTYPE_A);
	o += cname(b + o, NULL, 10, NAME);
	cr_assert_eq(parse(b, o, 9, RS_QTYPE_A, &a), -EBADMSG, "to itself");
}

Test(resolve, compressed_names_that_point_back_are_read)
{
	uint8_t b[512];
	struct rs_answer a;
	size_t o = head(b, 9, 0x8180, 2, 0, NAME, RS_QTYPE_A), edge;

	/* NAME CNAME edge.<ptr to lab.example in the question> */
	o += put16(b + o, 0xc00c);
	o += put16(b + o, 5);
	o += put16(b + o, 1);
	o += put32(b + o, 60);
	o += put16(b + o, 7);
	edge = o;
	b[o++] = 4;
	memcpy(b + o, "edge", 4);
	o += 4;
	o += put16(b + o, 0xc000 | (12 + 4));
	/* its owner: a pointer to that pointer's name */
	o += put16(b + o, 0xc000 | (unsigned)edge);
	o += put16(b + o, 1);
	o += put16(b + o, 1);
	o += put32(b + o, 30);
	o += put16(b + o, 4);
	memcpy(b + o, A2, 4);
	o += 4;
	cr_assert_eq(parse(b, o, 9, RS_QTYPE_A, &a), 0);
	cr_assert_eq(a.n, 1);
	cr_assert_eq(memcmp(a.addrs[0].addr, A2, 4), 0);
	cr_assert_eq(a.ttl, 30);
	assert_truncations_fail(b, o, 9, RS_QTYPE_A);
}

Test(resolve, forward_pointer_is_refused)
{
	uint8_t b[512];
	struct rs_answer a;
	size_t n = answer_a(b), q = head(b, 7, 0x8180, 2, 0, NAME, RS_QTYPE_A);

	/* the first answer's owner aimed at the second answer's owner */
	b[q + 1] = (uint8_t)(q + 16);
	cr_assert_eq(parse(b, n, 7, RS_QTYPE_A, &a), -EBADMSG);
}

Test(resolve, pointer_loops_are_refused)
{
	uint8_t b[512];
	struct rs_answer a;
	size_t n = answer_a(b), q = head(b, 7, 0x8180, 2, 0, NAME, RS_QTYPE_A), l;

	b[q + 1] = (uint8_t)q; /* at itself */
	cr_assert_eq(parse(b, n, 7, RS_QTYPE_A, &a), -EBADMSG);
	/* a label, then a pointer back to that label: x.x.x... */
	n = head(b, 7, 0x8180, 1, 0, NAME, RS_QTYPE_A);
	l = rr(b + n + 2, NULL, 1, 1, A1, 4);
	b[n] = 1;
	b[n + 1] = 'x';
	put16(b + n + 2, 0xc000 | (unsigned)n);
	cr_assert_eq(parse(b, n + 2 + l, 7, RS_QTYPE_A, &a), -EBADMSG);
}

Test(resolve, pointer_past_the_end_or_into_the_header_is_refused)
{
	uint8_t b[512];
	struct rs_answer a;
	size_t n = answer_a(b), q = head(b, 7, 0x8180, 2, 0, NAME, RS_QTYPE_A);

	put16(b + q, 0xc000 | 0x3fff);
	cr_assert_eq(parse(b, n, 7, RS_QTYPE_A, &a), -EBADMSG);
	put16(b + q, 0xc000 | (unsigned)n);
	cr_assert_eq(parse(b, n, 7, RS_QTYPE_A, &a), -EBADMSG);
	put16(b + q, 0xc000 | 2);
	cr_assert_eq(parse(b, n, 7, RS_QTYPE_A, &a), -EBADMSG);
	/* a pointer whose second byte is past the end */
	cr_assert_eq(rs_response_parse(b, q + 1, 7, NAME, RS_QTYPE_A, &a), -EBADMSG);
}

Test(resolve, label_types_0x40_and_0x80_are_refused)
{
	uint8_t b[512];
	struct rs_answer a;
	size_t n = answer_a(b), q = head(b, 7, 0x8180, 2, 0, NAME, RS_QTYPE_A);

	b[q] = 0x40;
	cr_assert_eq(parse(b, n, 7, RS_QTYPE_A, &a), -EBADMSG);
	b[q] = 0x80;
	cr_assert_eq(parse(b, n, 7, RS_QTYPE_A, &a), -EBADMSG);
}

/* A response whose record is owned by labels of 63 bytes, then the question's
 * name by a pointer. */
static size_t long_owner(uint8_t *b, int labels)
{
	size_t o = head(b, 7, 0x8180, 1, 0, NAME, RS_QTYPE_A);

	for (int i = 0; i < labels; i++) {
		b[o++] = 63;
		memset(b + o, 'x', 63);
		o += 63;
	}
	return o + rr(b + o, NULL, 1, 1, A1, 4);
}

Test(resolve, names_longer_than_255_bytes_are_refused)
{
	uint8_t b[1024];
	struct rs_answer a;

	cr_assert_eq(parse(b, long_owner(b, 4), 7, RS_QTYPE_A, &a), -EBADMSG, "256 + 17 bytes");
	cr_assert_eq(parse(b, long_owner(b, 3), 7, RS_QTYPE_A, &a), -ENOENT,
		     "192 + 17 bytes: readable, and another name");
}

Test(resolve, every_truncation_of_a_good_response_is_refused)
{
	uint8_t b[512];

	assert_truncations_fail(b, answer_a(b), 7, RS_QTYPE_A);
}

Test(resolve, response_to_another_query_is_refused)
{
	struct rs_answer a;
	uint8_t b[512], c[512];
	size_t n = answer_a(b);

	cr_assert_eq(parse(b, n, 8, RS_QTYPE_A, &a), -EBADMSG, "wrong id");
	cr_assert_eq(rs_response_parse(b, n, 7, "www.lab.example", RS_QTYPE_A, &a), -EBADMSG,
		     "wrong name");
	cr_assert_eq(rs_response_parse(b, n, 7, "web.lab.example.org", RS_QTYPE_A, &a), -EBADMSG,
		     "longer name");
	cr_assert_eq(rs_response_parse(b, n, 7, "lab.example", RS_QTYPE_A, &a), -EBADMSG,
		     "shorter name");
	cr_assert_eq(parse(b, n, 7, RS_QTYPE_AAAA, &a), -EBADMSG, "wrong type");
	memcpy(c, b, n);
	c[12 + 17 + 3] = 3; /* class CH */
	cr_assert_eq(parse(c, n, 7, RS_QTYPE_A, &a), -EBADMSG, "wrong class");
	memcpy(c, b, n);
	c[2] &= 0x7f;
	cr_assert_eq(parse(c, n, 7, RS_QTYPE_A, &a), -EBADMSG, "a query, not a response");
	memcpy(c, b, n);
	c[2] |= 0x10;
	cr_assert_eq(parse(c, n, 7, RS_QTYPE_A, &a), -EBADMSG, "opcode 2");
	memcpy(c, b, n);
	c[5] = 2;
	cr_assert_eq(parse(c, n, 7, RS_QTYPE_A, &a), -EBADMSG, "two questions");
	c[5] = 0;
	cr_assert_eq(parse(c, n, 7, RS_QTYPE_A, &a), -EBADMSG, "no question");
	memcpy(c, b, n);
	c[13] = 'X'; /* "Xeb.LAB.example": the same length, another name */
	cr_assert_eq(parse(c, n, 7, RS_QTYPE_A, &a), -EBADMSG);
	cr_assert_eq(rs_response_parse(b, n, 7, "bad..name", RS_QTYPE_A, &a), -EINVAL);
	cr_assert_eq(rs_response_parse(b, n, 7, NAME, 15, &a), -EINVAL, "MX is not asked");
}

Test(resolve, label_with_a_dot_in_it_is_not_two_labels)
{
	uint8_t b[512];
	struct rs_answer a;
	size_t o = 0;

	o += put16(b + o, 7);
	o += put16(b + o, 0x8180);
	o += put16(b + o, 1);
	o += put16(b + o, 1);
	o += put32(b + o, 0);
	b[o++] = 7;
	memcpy(b + o, "web.lab", 7);
	o += 7;
	o += put_name(b + o, "example");
	o += put16(b + o, 1);
	o += put16(b + o, 1);
	o += rr(b + o, NULL, 1, 1, A1, 4);
	cr_assert_eq(parse(b, o, 7, RS_QTYPE_A, &a), -EBADMSG);
}

Test(resolve, nxdomain_gives_the_negative_ttl_of_the_soa)
{
	uint8_t b[512];
	struct rs_answer a;
	size_t o = head(b, 5, 0x8183, 0, 1, NAME, RS_QTYPE_A);

	o += soa(b + o, "lab.example", 300, 30);
	cr_assert_eq(parse(b, o, 5, RS_QTYPE_A, &a), -ENOENT);
	cr_assert_eq(a.ttl, 30, "MINIMUM below the SOA's TTL");
	cr_assert_eq(a.rcode, 3);
	cr_assert_eq(a.n, 0);
	assert_truncations_fail(b, o, 5, RS_QTYPE_A);
	o = head(b, 5, 0x8183, 0, 1, NAME, RS_QTYPE_A);
	o += soa(b + o, "lab.example", 20, 900);
	cr_assert_eq(parse(b, o, 5, RS_QTYPE_A, &a), -ENOENT);
	cr_assert_eq(a.ttl, 20, "the SOA's TTL below MINIMUM");
}

Test(resolve, nxdomain_without_a_soa_gives_60_seconds)
{
	uint8_t b[512];
	struct rs_answer a;
	size_t o = head(b, 5, 0x8183, 0, 0, NAME, RS_QTYPE_A);

	cr_assert_eq(parse(b, o, 5, RS_QTYPE_A, &a), -ENOENT);
	cr_assert_eq(a.ttl, 60);
}

Test(resolve, nxdomain_at_the_end_of_a_cname_chain)
{
	uint8_t b[512];
	struct rs_answer a;
	size_t o = head(b, 5, 0x8183, 1, 1, NAME, RS_QTYPE_A);

	o += cname(b + o, NULL, 300, "gone.example.net");
	o += soa(b + o, "example.net", 300, 45);
	cr_assert_eq(parse(b, o, 5, RS_QTYPE_A, &a), -ENOENT);
	cr_assert_eq(a.ttl, 45);
	cr_assert_eq(a.n, 0);
}

Test(resolve, nodata_gives_enoent_and_the_negative_ttl)
{
	uint8_t b[512];
	struct rs_answer a;
	size_t o = head(b, 5, 0x8180, 0, 1, NAME, RS_QTYPE_AAAA);

	o += soa(b + o, "lab.example", 300, 120);
	cr_assert_eq(parse(b, o, 5, RS_QTYPE_AAAA, &a), -ENOENT);
	cr_assert_eq(a.ttl, 120);
	cr_assert_eq(a.rcode, 0);
	/* a chain whose end has no address of the type asked */
	o = head(b, 5, 0x8180, 2, 1, NAME, RS_QTYPE_AAAA);
	o += cname(b + o, NULL, 300, "v4only.example.net");
	o += rr(b + o, "v4only.example.net", 1, 300, A1, 4);
	o += soa(b + o, "example.net", 600, 600);
	cr_assert_eq(parse(b, o, 5, RS_QTYPE_AAAA, &a), -ENOENT);
	cr_assert_eq(a.ttl, 600);
	cr_assert_eq(a.n, 0);
}

Test(resolve, malformed_soa_is_malformed)
{
	uint8_t b[512];
	struct rs_answer a;
	size_t o = head(b, 5, 0x8183, 0, 1, NAME, RS_QTYPE_A);

	o += rr(b + o, "lab.example", 6, 300, "\0\0\0\0\0", 5);
	cr_assert_eq(parse(b, o, 5, RS_QTYPE_A, &a), -EBADMSG);
}

Test(resolve, servfail_and_refused_are_eproto_with_the_rcode)
{
	uint8_t b[512];
	struct rs_answer a;
	size_t o = head(b, 5, 0x8182, 0, 0, NAME, RS_QTYPE_A);

	cr_assert_eq(parse(b, o, 5, RS_QTYPE_A, &a), -EPROTO);
	cr_assert_eq(a.rcode, 2);
	b[3] = 0x85;
	cr_assert_eq(parse(b, o, 5, RS_QTYPE_A, &a), -EPROTO);
	cr_assert_eq(a.rcode, 5);
	cr_assert_eq(a.n, 0);
}

Test(resolve, truncated_response_is_eagain)
{
	uint8_t b[512];
	struct rs_answer a;
	size_t n = answer_a(b);

	b[2] |= 0x02;
	cr_assert_eq(parse(b, n, 7, RS_QTYPE_A, &a), -EAGAIN);
	cr_assert(a.truncated);
	cr_assert_eq(a.n, 0);
	/* the answer itself may be cut short: only the question must be there */
	cr_assert_eq(parse(b, 12 + 17 + 4, 7, RS_QTYPE_A, &a), -EAGAIN);
}

/* ---- the asynchronous resolver against servers run by the test ---- */

struct result {
	int calls, rc;
	char name[RS_NAME_MAX + 1];
	struct rs_answer a4, a6;
	struct rs_resolver *free_me;
};

static void done(void *arg, const char *name, int rc, const struct rs_answer *a4,
		 const struct rs_answer *a6)
{
	struct result *res = arg;

	res->calls++;
	res->rc = rc;
	snprintf(res->name, sizeof(res->name), "%s", name);
	res->a4 = *a4;
	res->a6 = *a6;
	if (res->free_me)
		rs_free(res->free_me);
}

static uint64_t ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A UDP socket on ip (127.0.0.x) and port (0: any; the port is read back). */
static int udp_server(uint8_t last, uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(*port),
				  .sin_addr.s_addr = htonl(0x7f000000u | last) };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

struct query {
	uint16_t id, qtype;
	char name[256];
	struct sockaddr_in peer;
};

/* Read one query from fd, waiting up to a second. */
static void read_query(int fd, struct query *q)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	socklen_t pl = sizeof(q->peer);
	uint8_t b[512];
	size_t i = 12, k = 0;
	ssize_t n;

	cr_assert_eq(poll(&p, 1, 1000), 1, "no query came");
	n = recvfrom(fd, b, sizeof(b), 0, (struct sockaddr *)&q->peer, &pl);
	cr_assert_gt(n, 12 + 1 + 4);
	cr_assert_eq(b[2], 0x01, "RD");
	while (b[i]) {
		if (k)
			q->name[k++] = '.';
		memcpy(q->name + k, b + i + 1, b[i]);
		k += b[i];
		i += (size_t)b[i] + 1;
	}
	q->name[k] = '\0';
	q->id = (uint16_t)(b[0] << 8 | b[1]);
	q->qtype = (uint16_t)(b[i + 1] << 8 | b[i + 2]);
	cr_assert_eq((size_t)n, i + 5);
}

/* Answer q out of fd: A 198.51.100.7 (TTL 120), AAAA 2001:db8::9 (TTL 90),
 * with rcode; id_delta makes the id wrong. */
static void answer(int fd, const struct query *q, unsigned rcode, int id_delta)
{
	uint8_t b[512];
	bool a = q->qtype == RS_QTYPE_A;
	size_t o = head(b, (uint16_t)(q->id + id_delta), (uint16_t)(0x8180 | rcode), !rcode, 0,
			q->name, q->qtype);

	if (!rcode)
		o += a ? rr(b + o, NULL, 1, 120, A1, 4) : rr(b + o, NULL, 28, 90, A6, 16);
	cr_assert_eq(sendto(fd, b, o, 0, (const struct sockaddr *)&q->peer, sizeof(q->peer)),
		     (ssize_t)o);
}

/* Run the resolver as ctrl's loop would, until the callback or limit_ms. */
static void drive(struct rs_resolver *r, struct result *res, unsigned limit_ms)
{
	uint64_t now = ms(), end = now + limit_ms;

	for (; !res->calls && now < end; now = ms()) {
		struct pollfd p;
		int fds[2], n = rs_fds(r, fds), t = rs_next_timeout_ms(r, now);

		cr_assert_eq(n, 1);
		cr_assert_eq(fds[0], rs_fd(r));
		cr_assert_geq(t, 0, "busy, so a timeout");
		if ((uint64_t)t > end - now)
			t = (int)(end - now);
		p = (struct pollfd){ .fd = fds[0], .events = POLLIN };
		if (poll(&p, 1, t) > 0)
			rs_on_readable(r);
		if (!res->calls)
			rs_on_timer(r, ms());
	}
}

static struct rs_resolver *resolver(uint16_t port, unsigned n, unsigned timeout_ms, unsigned tries)
{
	struct dp_addr srv[2] = {
		{ .family = 4, .prefixlen = 32, .addr = { 127, 0, 0, 1 } },
		{ .family = 4, .prefixlen = 32, .addr = { 127, 0, 0, 2 } },
	};
	struct rs_resolver *r = rs_new(srv, n, port, timeout_ms, tries);

	cr_assert_not_null(r);
	return r;
}

Test(resolve, lookup_gets_both_families_from_the_server)
{
	struct result res = { 0 };
	struct query q[2];
	uint16_t port = 0;
	int fd = udp_server(1, &port);
	struct rs_resolver *r = resolver(port, 1, 1000, 2);

	cr_assert_eq(rs_next_timeout_ms(r, ms()), -1, "idle");
	cr_assert_eq(rs_resolve(r, "Web.Lab.Example.", done, &res), 0);
	read_query(fd, &q[0]);
	read_query(fd, &q[1]);
	cr_assert_str_eq(q[0].name, "Web.Lab.Example");
	cr_assert_eq(q[0].qtype + q[1].qtype, RS_QTYPE_A + RS_QTYPE_AAAA);
	answer(fd, &q[0], 0, 0);
	answer(fd, &q[1], 0, 0);
	drive(r, &res, 3000);
	cr_assert_eq(res.calls, 1);
	cr_assert_eq(res.rc, 0);
	cr_assert_str_eq(res.name, "Web.Lab.Example.");
	cr_assert_eq(res.a4.n, 1);
	cr_assert_eq(res.a4.ttl, 120);
	cr_assert_eq(memcmp(res.a4.addrs[0].addr, A1, 4), 0);
	cr_assert_eq(res.a6.n, 1);
	cr_assert_eq(res.a6.ttl, 90);
	cr_assert_eq(res.a6.addrs[0].family, 6);
	cr_assert_eq(memcmp(res.a6.addrs[0].addr, A6, 16), 0);
	cr_assert_eq(rs_next_timeout_ms(r, ms()), -1, "idle again");
	rs_free(r);
	close(fd);
}

Test(resolve, answers_from_another_port_or_with_another_id_are_ignored)
{
	struct result res = { 0 };
	struct query q[2];
	uint16_t port = 0, other_port = 0;
	int fd = udp_server(1, &port), other = udp_server(1, &other_port);
	struct rs_resolver *r = resolver(port, 1, 2000, 1);

	cr_assert_eq(rs_resolve(r, NAME, done, &res), 0);
	read_query(fd, &q[0]);
	read_query(fd, &q[1]);
	answer(other, &q[0], 0, 0);
	answer(other, &q[1], 0, 0);
	answer(fd, &q[0], 0, 1);
	answer(fd, &q[1], 0, 1);
	drive(r, &res, 300);
	cr_assert_eq(res.calls, 0, "a stranger's answers were taken");
	answer(fd, &q[0], 0, 0);
	answer(fd, &q[1], 0, 0);
	drive(r, &res, 3000);
	cr_assert_eq(res.calls, 1);
	cr_assert_eq(res.rc, 0);
	cr_assert_eq(res.a4.n, 1);
	cr_assert_eq(res.a6.n, 1);
	rs_free(r);
	close(fd);
	close(other);
}

Test(resolve, silent_server_ends_in_etimedout_after_every_try)
{
	struct result res = { 0 };
	struct query q;
	uint16_t port = 0;
	int fd = udp_server(1, &port);
	struct rs_resolver *r = resolver(port, 1, 50, 2);
	uint64_t t0 = ms();

	cr_assert_eq(rs_resolve(r, NAME, done, &res), 0);
	drive(r, &res, 3000);
	cr_assert_eq(res.calls, 1);
	cr_assert_eq(res.rc, -ETIMEDOUT);
	cr_assert_eq(res.a4.n, 0);
	cr_assert_eq(res.a6.n, 0);
	cr_assert_geq(ms() - t0, 100, "two tries of 50 ms");
	for (int i = 0; i < 4; i++)
		read_query(fd, &q);
	cr_assert_eq(rs_next_timeout_ms(r, ms()), -1);
	rs_free(r);
	close(fd);
}

Test(resolve, tries_go_round_the_servers)
{
	struct result res = { 0 };
	struct query q1[2], q2[2];
	uint16_t port = 0;
	int fd1 = udp_server(1, &port), fd2 = udp_server(2, &port);
	struct rs_resolver *r = resolver(port, 2, 500, 3);
	struct pollfd p = { .fd = fd1, .events = POLLIN };

	cr_assert_eq(rs_resolve(r, NAME, done, &res), 0);
	read_query(fd1, &q1[0]);
	read_query(fd1, &q1[1]);
	/* 127.0.0.1 says nothing: the second tries go to 127.0.0.2 */
	drive(r, &res, 600);
	read_query(fd2, &q2[0]);
	read_query(fd2, &q2[1]);
	/* the first server's answers come late, for tries no longer waited on */
	answer(fd1, &q1[0], 0, 0);
	answer(fd1, &q1[1], 0, 0);
	drive(r, &res, 100);
	cr_assert_eq(res.calls, 0);
	for (int i = 0; i < 2; i++)
		answer(fd2, &q2[i], q2[i].qtype == RS_QTYPE_AAAA ? 3 : 0, 0);
	drive(r, &res, 3000);
	cr_assert_eq(res.calls, 1);
	cr_assert_eq(res.rc, 0, "A found, AAAA NXDOMAIN");
	cr_assert_eq(res.a4.n, 1);
	cr_assert_eq(res.a4.ttl, 120);
	cr_assert_eq(res.a6.n, 0);
	cr_assert_eq(res.a6.rcode, 3);
	cr_assert_eq(res.a6.ttl, 60);
	cr_assert_eq(poll(&p, 1, 0), 0, "no third try");
	rs_free(r);
	close(fd1);
	close(fd2);
}

Test(resolve, servfail_moves_on_to_the_next_server)
{
	struct result res = { 0 };
	struct query q[2];
	uint16_t port = 0;
	int fd1 = udp_server(1, &port), fd2 = udp_server(2, &port);
	struct rs_resolver *r = resolver(port, 2, 5000, 2);

	cr_assert_eq(rs_resolve(r, NAME, done, &res), 0);
	read_query(fd1, &q[0]);
	read_query(fd1, &q[1]);
	for (int i = 0; i < 2; i++)
		answer(fd1, &q[i], q[i].qtype == RS_QTYPE_A ? 2 : 5, 0);
	drive(r, &res, 200);
	read_query(fd2, &q[0]);
	read_query(fd2, &q[1]);
	for (int i = 0; i < 2; i++)
		answer(fd2, &q[i], q[i].qtype == RS_QTYPE_A ? 2 : 0, 0);
	drive(r, &res, 3000);
	cr_assert_eq(res.calls, 1);
	cr_assert_eq(res.rc, 0, "AAAA found");
	cr_assert_eq(res.a4.rcode, 2);
	cr_assert_eq(res.a6.n, 1);
	rs_free(r);
	close(fd1);
	close(fd2);
}

Test(resolve, nxdomain_for_both_is_enoent)
{
	struct result res = { 0 };
	struct query q[2];
	uint16_t port = 0;
	int fd = udp_server(1, &port);
	struct rs_resolver *r = resolver(port, 1, 1000, 1);

	cr_assert_eq(rs_resolve(r, NAME, done, &res), 0);
	read_query(fd, &q[0]);
	read_query(fd, &q[1]);
	answer(fd, &q[0], 3, 0);
	answer(fd, &q[1], 3, 0);
	drive(r, &res, 3000);
	cr_assert_eq(res.calls, 1);
	cr_assert_eq(res.rc, -ENOENT);
	cr_assert_eq(res.a4.ttl, 60);
	rs_free(r);
	close(fd);
}

Test(resolve, callback_may_free_the_resolver)
{
	struct result res = { 0 };
	struct query q[2];
	uint16_t port = 0;
	int fd = udp_server(1, &port);
	struct rs_resolver *r = resolver(port, 1, 1000, 1);

	res.free_me = r;
	cr_assert_eq(rs_resolve(r, NAME, done, &res), 0);
	cr_assert_eq(rs_resolve(r, "other.lab.example", done, &res), 0);
	read_query(fd, &q[0]);
	read_query(fd, &q[1]);
	answer(fd, &q[0], 0, 0);
	answer(fd, &q[1], 0, 0);
	drive(r, &res, 3000);
	cr_assert_eq(res.calls, 1, "the other lookup was dropped");
	close(fd);
}

Test(resolve, free_drops_pending_lookups_without_callback)
{
	struct result res = { 0 };
	uint16_t port = 0;
	int fd = udp_server(1, &port);
	struct rs_resolver *r = resolver(port, 1, 1000, 1);

	cr_assert_eq(rs_resolve(r, NAME, done, &res), 0);
	cr_assert_gt(rs_next_timeout_ms(r, ms()), 900);
	rs_free(r);
	cr_assert_eq(res.calls, 0);
	close(fd);
}

Test(resolve, bad_arguments_are_refused)
{
	struct dp_addr srv[5] = { { .family = 4, .prefixlen = 32, .addr = { 127, 0, 0, 1 } } };
	struct rs_resolver *r = rs_new(srv, 1, 53, 100, 1);
	struct result res = { 0 };

	cr_assert_not_null(r);
	cr_assert_null(rs_new(srv, 0, 53, 100, 1), "no server");
	cr_assert_null(rs_new(srv, 5, 53, 100, 1), "five servers");
	cr_assert_null(rs_new(srv, 2, 53, 100, 1), "family 0");
	cr_assert_null(rs_new(srv, 1, 53, 0, 1), "no timeout");
	cr_assert_null(rs_new(srv, 1, 53, 100, 0), "no tries");
	cr_assert_eq(rs_resolve(r, "bad name", done, &res), -EINVAL);
	cr_assert_eq(rs_resolve(r, "", done, &res), -EINVAL);
	cr_assert_eq(rs_next_timeout_ms(r, ms()), -1);
	rs_free(r);
	rs_free(NULL);
}
