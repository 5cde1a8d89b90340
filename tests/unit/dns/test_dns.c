/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_dns.c - the DNS codec of dns/wire.h: what the fast path answers,
 * refuses, drops or hands on, for every rule of dns_query_parse; the
 * response header, echoed question and OPT; names between text and wire
 * form; and mutated queries that must never be read past their end (run
 * under ASan by make test-asan).
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "dns/wire.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* A query: header (ID 0x1234, flags, QDCOUNT 1, ARCOUNT ar), the question
 * for name/qtype/IN; returns its length. */
static size_t query(uint8_t *m, uint16_t flags, const char *name, uint16_t qtype, uint16_t ar)
{
	size_t n;

	memset(m, 0, DNS_HDR_LEN);
	put16(m, 0x1234);
	put16(m + 2, flags);
	put16(m + 4, 1);
	put16(m + 10, ar);
	n = dns_name_from_text(name, m + DNS_HDR_LEN, DNS_NAME_MAX, false);
	cr_assert_gt(n, 0, "bad test name %s", name);
	put16(m + DNS_HDR_LEN + n, qtype);
	put16(m + DNS_HDR_LEN + n + 2, DNS_CLASS_IN);
	return DNS_HDR_LEN + n + 4;
}

/* Append an OPT: size, version, DO, and optlen bytes of options. */
static size_t opt(uint8_t *m, size_t len, uint16_t size, uint8_t version, bool dobit,
		  const uint8_t *opts, uint16_t optlen)
{
	uint8_t *p = m + len;

	p[0] = 0;
	put16(p + 1, DNS_T_OPT);
	put16(p + 3, size);
	p[5] = 0;
	p[6] = version;
	put16(p + 7, dobit ? 0x8000 : 0);
	put16(p + 9, optlen);
	if (optlen)
		memcpy(p + 11, opts, optlen);
	return len + 11 + optlen;
}

static enum dns_verdict parse(const uint8_t *m, size_t len, struct dns_query *q)
{
	/* a copy of exactly len bytes, so ASan sees any read past the end */
	uint8_t *c = malloc(len ? len : 1);
	enum dns_verdict v;

	memcpy(c, m, len);
	v = dns_query_parse(c, len, q);
	free(c);
	return v;
}

Test(dns_parse, a_plain_query)
{
	uint8_t m[512];
	struct dns_query q;
	size_t len = query(m, DNS_F_RD, "WWW.Example.ORG", DNS_T_AAAA, 0);

	cr_assert_eq(parse(m, len, &q), DNS_ANSWER);
	cr_assert_eq(q.id, 0x1234);
	cr_assert_eq(q.opcode, DNS_OP_QUERY);
	cr_assert_eq(q.qtype, DNS_T_AAAA);
	cr_assert_eq(q.qclass, DNS_CLASS_IN);
	cr_assert_eq(q.labels, 3);
	cr_assert_eq(q.qname_len, 17);
	cr_assert_eq(q.question_len, 21);
	cr_assert(q.question_ok);
	cr_assert_not(q.edns);
	cr_assert_eq(memcmp(q.qname, "\3WWW\7Example\3ORG", 17), 0, "case kept");
	cr_assert_eq(memcmp(q.qname_lc, "\3www\7example\3org", 17), 0, "folded for lookups");
	cr_assert_eq(dns_udp_limit(&q, 1232), 512);
}

Test(dns_parse, the_root_and_edns)
{
	uint8_t m[512], cookie[12] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct dns_query q;
	size_t len = query(m, 0, ".", DNS_T_SOA, 1);

	len = opt(m, len, 4096, 0, true, cookie, sizeof(cookie));
	cr_assert_eq(parse(m, len, &q), DNS_ANSWER);
	cr_assert_eq(q.labels, 0);
	cr_assert_eq(q.qname_len, 1);
	cr_assert(q.edns);
	cr_assert(q.edns_do);
	cr_assert_eq(q.edns_size, 4096);
	cr_assert_eq(dns_udp_limit(&q, 1232), 1232);
	/* a size under 512 counts as 512 (RFC 6891 §6.2.3) */
	len = query(m, 0, "example.org", DNS_T_A, 1);
	len = opt(m, len, 100, 0, false, NULL, 0);
	cr_assert_eq(parse(m, len, &q), DNS_ANSWER);
	cr_assert_eq(q.edns_size, 512);
	/* EDNS version 1: BADVERS, with the question kept for the answer */
	len = query(m, 0, "example.org", DNS_T_A, 1);
	len = opt(m, len, 1232, 1, false, NULL, 0);
	cr_assert_eq(parse(m, len, &q), DNS_BADVERS);
	cr_assert(q.question_ok);
}

Test(dns_parse, drop_punt_and_notimp)
{
	uint8_t m[512];
	struct dns_query q;
	size_t len = query(m, 0, "example.org", DNS_T_A, 0);

	cr_assert_eq(parse(m, 11, &q), DNS_DROP, "shorter than a header");
	put16(m + 2, DNS_F_QR);
	cr_assert_eq(parse(m, len, &q), DNS_DROP, "a response");
	put16(m + 2, DNS_OP_NOTIFY << 11);
	cr_assert_eq(parse(m, len, &q), DNS_PUNT);
	put16(m + 2, DNS_OP_UPDATE << 11);
	cr_assert_eq(parse(m, len, &q), DNS_PUNT);
	put16(m + 2, 2 << 11); /* STATUS */
	cr_assert_eq(parse(m, len, &q), DNS_NOTIMP);
	cr_assert_eq(q.id, 0x1234, "the id is kept for the answer");
	len = query(m, 0, "example.org", DNS_T_AXFR, 0);
	cr_assert_eq(parse(m, len, &q), DNS_PUNT, "transfers go to ctrl (TCP)");
	len = query(m, 0, "example.org", DNS_T_IXFR, 0);
	cr_assert_eq(parse(m, len, &q), DNS_PUNT);
}

Test(dns_parse, tsig_goes_to_ctrl_when_last)
{
	uint8_t m[512];
	struct dns_query q;
	size_t len = query(m, 0, "example.org", DNS_T_SOA, 1), n;
	uint8_t *p = m + len;

	/* a TSIG record owned by "key.", rdata left empty: the fast path only
	 * needs to see that it is there */
	n = dns_name_from_text("key", p, DNS_NAME_MAX, false);
	put16(p + n, DNS_T_TSIG);
	put16(p + n + 2, 255);
	memset(p + n + 4, 0, 6);
	len += n + 10;
	cr_assert_eq(parse(m, len, &q), DNS_PUNT);
	/* with an OPT after it: TSIG must be the last record */
	put16(m + 10, 2);
	len = opt(m, len, 1232, 0, false, NULL, 0);
	cr_assert_eq(parse(m, len, &q), DNS_FORMERR);
}

Test(dns_parse, formerr_cases)
{
	uint8_t m[700], bad[4] = { 0, 10, 0, 9 };
	struct dns_query q;
	size_t len;

	len = query(m, 0, "example.org", DNS_T_A, 0);
	put16(m + 4, 0);
	cr_assert_eq(parse(m, len, &q), DNS_FORMERR, "QDCOUNT 0");
	cr_assert_not(q.question_ok);
	put16(m + 4, 2);
	cr_assert_eq(parse(m, len, &q), DNS_FORMERR, "QDCOUNT 2");
	put16(m + 4, 1);
	put16(m + 6, 1);
	cr_assert_eq(parse(m, len, &q), DNS_FORMERR, "an answer in a query");
	put16(m + 6, 0);
	cr_assert_eq(parse(m, len - 1, &q), DNS_FORMERR, "truncated question");
	cr_assert_eq(parse(m, len + 1, &q), DNS_FORMERR, "a byte after the question");
	/* a compression pointer in the question (to the header: bytes enough
	 * follow it for a question) */
	m[DNS_HDR_LEN] = 0xc0;
	m[DNS_HDR_LEN + 1] = 12;
	cr_assert_eq(parse(m, len, &q), DNS_FORMERR);
	/* a label of 64 bytes, the message long enough for it */
	memset(m, 0, DNS_HDR_LEN);
	put16(m + 4, 1);
	m[DNS_HDR_LEN] = 64;
	memset(m + DNS_HDR_LEN + 1, 'a', 64);
	m[DNS_HDR_LEN + 65] = 0;
	put16(m + DNS_HDR_LEN + 66, DNS_T_A);
	put16(m + DNS_HDR_LEN + 68, 1);
	cr_assert_eq(parse(m, DNS_HDR_LEN + 70, &q), DNS_FORMERR, "64-byte label");
	m[DNS_HDR_LEN] = 63; /* the same with 63 and one more byte of label: fine */
	m[DNS_HDR_LEN + 64] = 0;
	put16(m + DNS_HDR_LEN + 65, DNS_T_A);
	put16(m + DNS_HDR_LEN + 67, 1);
	cr_assert_eq(parse(m, DNS_HDR_LEN + 69, &q), DNS_ANSWER, "63-byte label");
	/* a name of 256 bytes: four labels of 63 and one of 2, plus the root */
	memset(m, 0, DNS_HDR_LEN);
	put16(m + 4, 1);
	len = DNS_HDR_LEN;
	for (int i = 0; i < 4; i++) {
		m[len++] = 63;
		memset(m + len, 'a', 63);
		len += 63;
	}
	m[len++] = 2;
	m[len++] = 'a';
	m[len++] = 'a';
	m[len++] = 0;
	put16(m + len, DNS_T_A);
	put16(m + len + 2, 1);
	len += 4;
	cr_assert_eq(parse(m, len, &q), DNS_FORMERR, "256-byte name");
	/* two OPTs */
	len = query(m, 0, "example.org", DNS_T_A, 2);
	len = opt(m, len, 1232, 0, false, NULL, 0);
	len = opt(m, len, 1232, 0, false, NULL, 0);
	cr_assert_eq(parse(m, len, &q), DNS_FORMERR);
	/* an option running past the OPT's RDATA */
	len = query(m, 0, "example.org", DNS_T_A, 1);
	len = opt(m, len, 1232, 0, false, bad, sizeof(bad));
	cr_assert_eq(parse(m, len, &q), DNS_FORMERR);
	/* an OPT not owned by the root */
	len = query(m, 0, "example.org", DNS_T_A, 1);
	m[len] = 0xc0;
	m[len + 1] = 12;
	memmove(m + len + 2, m + len + 1, 0);
	put16(m + len + 2, DNS_T_OPT);
	put16(m + len + 4, 1232);
	memset(m + len + 6, 0, 6);
	cr_assert_eq(parse(m, len + 12, &q), DNS_FORMERR);
	/* an A record in the additional section */
	len = query(m, 0, "example.org", DNS_T_A, 1);
	m[len] = 0;
	put16(m + len + 1, DNS_T_A);
	put16(m + len + 3, 1);
	memset(m + len + 5, 0, 4);
	put16(m + len + 9, 4);
	memset(m + len + 11, 1, 4);
	cr_assert_eq(parse(m, len + 15, &q), DNS_FORMERR);
	/* ARCOUNT says 1, nothing follows */
	len = query(m, 0, "example.org", DNS_T_A, 1);
	cr_assert_eq(parse(m, len, &q), DNS_FORMERR);
}

Test(dns_resp, header_question_and_opt)
{
	uint8_t m[512], r[512];
	struct dns_query q;
	size_t len = query(m, DNS_F_RD | DNS_F_CD | DNS_F_AD, "Mixed.Example.org", DNS_T_A, 1), n;

	len = opt(m, len, 1400, 0, true, NULL, 0);
	cr_assert_eq(parse(m, len, &q), DNS_ANSWER);
	n = dns_resp_begin(r, sizeof(r), &q, DNS_RC_NXDOMAIN, true);
	cr_assert_eq(n, DNS_HDR_LEN + q.question_len);
	cr_assert_eq(get16(r), 0x1234);
	cr_assert_eq(get16(r + 2), DNS_F_QR | DNS_F_AA | DNS_F_RD | DNS_F_CD | DNS_RC_NXDOMAIN,
		     "RD and CD echoed, AD not, QR and AA set");
	cr_assert_eq(get16(r + 4), 1);
	cr_assert_eq(memcmp(r + DNS_HDR_LEN, m + DNS_HDR_LEN, q.question_len), 0,
		     "the question exactly as asked, case included");
	n = dns_resp_opt(r, n, sizeof(r), &q, 1232, DNS_RC_NOERROR);
	cr_assert_eq(get16(r + 10), 1);
	cr_assert_eq(r[n - 11], 0);
	cr_assert_eq(get16(r + n - 10), DNS_T_OPT);
	cr_assert_eq(get16(r + n - 8), 1232);
	cr_assert_eq(get16(r + n - 4), 0x8000, "DO echoed");
	/* BADVERS: 16 is 1 in the OPT's extended rcode, 0 in the header */
	n = dns_resp_begin(r, sizeof(r), &q, DNS_RC_BADVERS, false);
	cr_assert_eq(get16(r + 2) & 0xf, 0);
	n = dns_resp_opt(r, n, sizeof(r), &q, 1232, DNS_RC_BADVERS);
	cr_assert_eq(r[n - 6], 1);
	/* too small a buffer: nothing written */
	cr_assert_eq(dns_resp_begin(r, DNS_HDR_LEN + 3, &q, 0, false), 0);
	cr_assert_eq(dns_resp_opt(r, DNS_HDR_LEN, DNS_HDR_LEN + 10, &q, 512, 0), 0);
	dns_set_counts(r, 1, 2, 3);
	cr_assert_eq(get16(r + 6), 1);
	cr_assert_eq(get16(r + 8), 2);
	cr_assert_eq(get16(r + 10), 3);
}

Test(dns_resp, formerr_without_a_question)
{
	uint8_t m[64], r[64];
	struct dns_query q;
	size_t len = query(m, DNS_F_RD, "example.org", DNS_T_A, 0);

	put16(m + 4, 3);
	cr_assert_eq(parse(m, len, &q), DNS_FORMERR);
	cr_assert_eq(dns_resp_begin(r, sizeof(r), &q, DNS_RC_FORMERR, false), DNS_HDR_LEN);
	cr_assert_eq(get16(r + 4), 0, "no question echoed");
	cr_assert_eq(get16(r + 2) & 0xf, DNS_RC_FORMERR);
}

Test(dns_name, text_and_wire)
{
	uint8_t w[300];
	char t[1100];
	char long_name[300];

	cr_assert_eq(dns_name_from_text("Example.ORG.", w, sizeof(w), true), 13);
	cr_assert_eq(memcmp(w, "\7example\3org", 13), 0);
	cr_assert_str_eq(dns_name_to_text(w, t, sizeof(t)), "example.org.");
	cr_assert_eq(dns_name_from_text(".", w, sizeof(w), false), 1);
	cr_assert_str_eq(dns_name_to_text(w, t, sizeof(t)), ".");
	cr_assert_eq(dns_name_from_text("*.example.org", w, sizeof(w), false), 15);
	cr_assert_eq(dns_name_from_text("a*.example.org", w, sizeof(w), false), 0);
	cr_assert_eq(dns_name_from_text("a..b", w, sizeof(w), false), 0);
	cr_assert_eq(dns_name_from_text("", w, sizeof(w), false), 0);
	cr_assert_eq(dns_name_from_text("a b", w, sizeof(w), false), 0);
	memset(long_name, 'a', 64);
	long_name[64] = '\0';
	cr_assert_eq(dns_name_from_text(long_name, w, sizeof(w), false), 0, "64-byte label");
	for (int i = 0; i < 300; i += 2) {
		long_name[i] = 'a';
		long_name[i + 1] = '.';
	}
	long_name[255] = '\0';
	cr_assert_eq(dns_name_from_text(long_name, w, sizeof(w), false), 0, "over 255");
	cr_assert_eq(dns_name_from_text("example.org", w, 5, false), 0, "small buffer");
	/* bytes that are not printable come out as \DDD */
	memcpy(w, "\3a.\001\0", 5);
	cr_assert_str_eq(dns_name_to_text(w, t, sizeof(t)), "a\\046\\001.");
	/* a small buffer truncates, always terminated */
	cr_assert_eq(dns_name_from_text("example.org", w, sizeof(w), false), 13);
	dns_name_to_text(w, t, 6);
	cr_assert_eq(strlen(t) < 6, true);
}

/* Mutations of valid queries and random bytes: never a read past the end
 * (ASan), and what is answered has its question inside the message. */
Test(dns_parse, mutations_stay_inside, .timeout = 60)
{
	uint64_t s = 0x9e3779b97f4a7c15ULL;
	uint8_t base[600], m[600];
	struct dns_query q;
	size_t blen = query(base, 0, "www.example.org", DNS_T_A, 1);

	blen = opt(base, blen, 1232, 0, true, NULL, 0);
	for (int i = 0; i < 200000; i++) {
		size_t len;

		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		memcpy(m, base, blen);
		len = blen;
		if (s & 1) {
			/* a few bytes changed, maybe cut short or grown */
			for (int k = 0; k < 1 + (int)(s >> 8 & 3); k++)
				m[(s >> (16 + 8 * k)) % blen] ^= (uint8_t)(s >> (24 + k));
			if (s & 2)
				len = (s >> 40) % (blen + 1);
		} else {
			len = (s >> 8) % sizeof(m);
			for (size_t k = 0; k < len; k++)
				m[k] = (uint8_t)(s >> (k % 56));
		}
		if (parse(m, len, &q) == DNS_ANSWER) {
			cr_assert(q.question_ok);
			cr_assert_leq(DNS_HDR_LEN + q.question_len, len);
			cr_assert_leq(q.qname_len, DNS_NAME_MAX);
		}
	}
}
