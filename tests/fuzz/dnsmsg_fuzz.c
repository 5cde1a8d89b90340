/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsmsg_fuzz.c - libFuzzer target for what ctrl does with a whole message
 * from the network (dns/msg.h, dns/update.h, dns/rrlist.h): the input is
 * parsed as a message; its TSIG, if any, is checked with a fixed key and a
 * response signed; its prerequisite and update sections are applied to a
 * small zone as an UPDATE (a refusal must leave the zone as it was); its
 * answer section is taken as a version of the zone to transfer in. Every
 * change must round-trip: the difference from the old records to the new,
 * applied to the old, gives the new (what IXFR out and in rely on), and
 * every record prints as zone-file text.
 */
#include <stdlib.h>
#include <string.h>

#include "dns/msg.h"
#include "dns/rrlist.h"
#include "dns/update.h"

static const uint8_t apex[] = "\7example\3org";
static struct dns_rrlist base;
static struct dns_tsig_key *key;

static void add(const char *owner_text, uint16_t type, const void *rd, uint16_t len)
{
	uint8_t owner[DNS_NAME_MAX];

	dns_name_from_text(owner_text, owner, sizeof(owner), false);
	if (dns_rrlist_add(&base, owner, type, 300, rd, len) < 0)
		abort();
}

static void setup(void)
{
	static const uint8_t soa[] = "\3ns1\7example\3org\0\12hostmaster\7example\3org\0"
				     "\0\0\0\144\0\0\16\20\0\0\2\130\0\1\121\200\0\0\1\54";
	static const uint8_t ns[] = "\3ns1\7example\3org";
	static const uint8_t a1[] = { 192, 0, 2, 1 }, a2[] = { 192, 0, 2, 2 };
	static const uint8_t txt[] = "\5hello";
	static const uint8_t cname[] = "\3www\7example\3org";

	add("example.org", DNS_T_SOA, soa, sizeof(soa) - 1);
	add("example.org", DNS_T_NS, ns, sizeof(ns));
	add("ns1.example.org", DNS_T_A, a1, 4);
	add("www.example.org", DNS_T_A, a1, 4);
	add("www.example.org", DNS_T_A, a2, 4);
	add("www.example.org", 16, txt, sizeof(txt) - 1);
	add("alias.example.org", DNS_T_CNAME, cname, sizeof(cname));
	dns_rrlist_sort(&base);
	if (dns_tsig_key_new("fuzz", "hmac-sha256", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0", &key) < 0)
		abort();
}

static bool same(const struct dns_rrlist *a, const struct dns_rrlist *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!dns_rec_same(&a->r[i], &b->r[i]) || a->r[i].ttl != b->r[i].ttl)
			return false;
	return true;
}

/* from -> to must round-trip through a difference. */
static void roundtrip(const struct dns_rrlist *from, const struct dns_rrlist *to)
{
	struct dns_rrlist del, addl, x;
	char text[70000];

	if (dns_rrlist_diff(from, to, &del, &addl) < 0)
		return;
	if (dns_rrlist_copy(from, &x) == 0) {
		if (dns_rrlist_apply(&x, &del, &addl) != 0 || !same(&x, to))
			abort();
		dns_rrlist_free(&x);
	}
	for (size_t i = 0; i < addl.n; i++)
		dns_rec_text(&addl.r[i], text, sizeof(text));
	dns_rrlist_free(&del);
	dns_rrlist_free(&addl);
}

static bool allow(void *ctx, const uint8_t *name, uint16_t type)
{
	(void)ctx;
	(void)name;
	return type != 15; /* no MX: refusals get exercised too */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct dns_msg m;
	struct dns_rrlist l, seq = { 0 };
	uint8_t out[4096];
	size_t n;
	bool changed;
	char why[512];
	int rc;

	if (!ready) {
		setup();
		ready = true;
	}
	if (dns_msg_parse(data, size, &m) < 0)
		return 0;
	/* TSIG: check, then sign (or flag) a response */
	if (m.tsig) {
		int err = dns_msg_tsig_check(&m, dns_tsig_key_is(key, m.tsig_key) ? key : NULL);

		n = dns_msg_query(out, sizeof(out), m.id, m.opcode, apex, DNS_T_SOA, NULL, 0);
		if (n)
			dns_msg_tsig_sign(out, &n, sizeof(out), &m, key, err);
	}
	/* UPDATE */
	if (dns_rrlist_copy(&base, &l) == 0) {
		rc = dns_update_apply(&l, apex, m.rr[DNS_SEC_AN], m.n[DNS_SEC_AN], m.rr[DNS_SEC_NS],
				      m.n[DNS_SEC_NS], allow, NULL, &changed, why, sizeof(why));
		if (rc != DNS_RC_NOERROR && !same(&l, &base))
			abort(); /* a refused update changed the zone */
		if (rc == DNS_RC_NOERROR && !changed && !same(&l, &base))
			abort();
		if (rc == DNS_RC_NOERROR) {
			struct dns_zone *z = NULL;

			roundtrip(&base, &l);
			if (dns_rrlist_build(&l, apex, &z, why, sizeof(why)) == 0)
				dns_zone_free(z);
		}
		dns_rrlist_free(&l);
	}
	/* the answer section as a version of the zone */
	for (size_t i = 0; i < m.n[DNS_SEC_AN]; i++) {
		const struct dns_upd_rr *r = &m.rr[DNS_SEC_AN][i];

		if (dns_name_in(r->owner, apex))
			dns_rrlist_add(&seq, r->owner, r->type, r->ttl, r->rdata, r->rdlen);
	}
	dns_rrlist_sort(&seq);
	roundtrip(&base, &seq);
	roundtrip(&seq, &base);
	dns_rrlist_free(&seq);
	dns_msg_free(&m);
	return 0;
}
