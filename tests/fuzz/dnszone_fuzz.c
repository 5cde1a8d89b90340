/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnszone_fuzz.c - libFuzzer target for the zone builder and the responder
 * (dns_zone_build, dns_answer): the input spells records under example.org
 * (owners, types, TTLs and RDATA from its bytes, an SOA and NS at the apex
 * added so that most zones build), then queries; every answer must be a
 * well-formed message within its limit: counts that match its records, and
 * owner pointers that point back into it.
 */
#include <stdlib.h>
#include <string.h>

#include "dns/zone.h"

static const uint16_t types[] = { DNS_T_A, DNS_T_AAAA, DNS_T_NS, DNS_T_CNAME, 16, 15, 43,
				  DNS_T_SOA, 99 };

struct in {
	const uint8_t *d;
	size_t n, o;
};

static uint8_t take(struct in *in)
{
	return in->o < in->n ? in->d[in->o++] : 0;
}

/* A name under example.org: 0-3 labels of 1-4 letters from the input, or
 * the wildcard label. */
static size_t make_name(struct in *in, uint8_t *out)
{
	static const uint8_t apex[] = "\7example\3org";
	unsigned labels = take(in) % 4;
	size_t o = 0;

	for (unsigned i = 0; i < labels; i++) {
		uint8_t l = (uint8_t)(1 + take(in) % 4);

		if (take(in) % 8 == 0) {
			out[o++] = 1;
			out[o++] = '*';
			continue;
		}
		out[o++] = l;
		for (unsigned k = 0; k < l; k++)
			out[o++] = (uint8_t)('a' + take(in) % 3);
	}
	memcpy(out + o, apex, sizeof(apex));
	return o + sizeof(apex);
}

/* Walk a response: header counts against the records, names in bounds with
 * pointers pointing backwards. */
static void check(const uint8_t *m, size_t len)
{
	size_t off = 12;
	unsigned total;

	if (len < 12)
		abort();
	total = (unsigned)(m[4] << 8 | m[5]);
	for (unsigned s = 0; s < 4; s++) {
		unsigned count = s ? (unsigned)(m[4 + 2 * s] << 8 | m[5 + 2 * s]) : total;

		for (unsigned i = 0; i < count; i++) {
			for (;;) {
				if (off >= len)
					abort();
				if ((m[off] & 0xc0) == 0xc0) {
					if (off + 2 > len ||
					    (size_t)((m[off] & 0x3f) << 8 | m[off + 1]) >= off)
						abort();
					off += 2;
					break;
				}
				if (m[off] == 0) {
					off++;
					break;
				}
				off += 1u + m[off];
			}
			off += s ? 10u : 4u;
			if (off > len)
				abort();
			if (s) {
				off += (size_t)(m[off - 2] << 8 | m[off - 1]);
				if (off > len)
					abort();
			}
		}
	}
	if (off != len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t owners[40][DNS_NAME_MAX], rdata[40][DNS_NAME_MAX + 24];
	static const uint8_t apex[] = "\7example\3org";
	static const uint8_t soa[] = "\3ns1\7example\3org\0\4host\7example\3org\0"
				     "\0\0\0\1\0\0\0\2\0\0\0\3\0\0\0\4\0\0\0\5";
	static const uint8_t ns[] = "\3ns1\7example\3org";
	struct dns_zone_rr rrs[40];
	struct in in = { data, size, 0 };
	struct dns_zone *z;
	unsigned n = 2;
	char err[256];

	rrs[0] = (struct dns_zone_rr){ apex, DNS_T_SOA, 300, soa, sizeof(soa) - 1, 0 };
	rrs[1] = (struct dns_zone_rr){ apex, DNS_T_NS, 300, ns, sizeof(ns), 0 };
	for (unsigned i = take(&in) % 38; i > 0 && n < 40; i--, n++) {
		uint16_t type = types[take(&in) % (sizeof(types) / sizeof(types[0]))];
		uint16_t rdlen;

		make_name(&in, owners[n]);
		switch (type) {
		case DNS_T_NS:
		case DNS_T_CNAME:
			rdlen = (uint16_t)make_name(&in, rdata[n]);
			break;
		case 15:
			rdata[n][0] = 0;
			rdata[n][1] = 10;
			rdlen = (uint16_t)(2 + make_name(&in, rdata[n] + 2));
			break;
		default:
			rdlen = type == DNS_T_A ? 4 : type == DNS_T_AAAA ? 16 : take(&in) % 24;
			for (unsigned k = 0; k < rdlen; k++)
				rdata[n][k] = take(&in);
		}
		rrs[n] = (struct dns_zone_rr){ owners[n], type, 300, rdata[n], rdlen, 0 };
	}
	if (dns_zone_build(apex, rrs, n, &z, err, sizeof(err), NULL) != 0)
		return 0;
	while (in.o < in.n) {
		const struct dns_zone *zs[1] = { z };
		uint8_t q[DNS_HDR_LEN + DNS_NAME_MAX + 4], r[1500];
		struct dns_query dq;
		size_t qn, len, limit = 12 + take(&in) * 6u;
		uint16_t qtype = take(&in) % 3 ? types[take(&in) % 9] : DNS_T_ANY;
		uint8_t rcode;

		memset(q, 0, DNS_HDR_LEN);
		q[5] = 1;
		qn = make_name(&in, q + DNS_HDR_LEN);
		q[DNS_HDR_LEN + qn] = (uint8_t)(qtype >> 8);
		q[DNS_HDR_LEN + qn + 1] = (uint8_t)qtype;
		q[DNS_HDR_LEN + qn + 3] = 1;
		if (dns_query_parse(q, DNS_HDR_LEN + qn + 4, &dq) != DNS_ANSWER)
			abort();
		len = dns_answer(zs, 1, &dq, r, sizeof(r), limit, 1232, &rcode);
		if (!len)
			continue; /* the limit is under the question */
		if (len > sizeof(r) || (len > limit && len > DNS_HDR_LEN + dq.question_len))
			abort();
		check(r, len);
	}
	dns_zone_free(z);
	return 0;
}
