/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsbench.c - rampart-dnsbench: what the DNS fast path costs a query,
 * alone, away from ports and generators: a zone of N names is built, then a
 * mixed query set (hits, NXDOMAIN, referrals, wildcards, CNAMEs, EDNS) is
 * parsed and answered over and over as the worker does it (dns_query_parse,
 * dns_answer into the query's own buffer). Prints TSC cycles per query and
 * queries per second on this core.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#include "dns/zone.h"

static void usage(FILE *f)
{
	fprintf(f, "NAME\n"
		   "    rampart-dnsbench - cycles per query of the authoritative DNS fast path\n"
		   "\n"
		   "SYNOPSIS\n"
		   "    rampart-dnsbench [--names N] [--queries Q]\n"
		   "\n"
		   "DESCRIPTION\n"
		   "    Builds the zone example.org with N host names (default 10000), each\n"
		   "    with an A and an AAAA record, plus a CNAME, a wildcard and a\n"
		   "    delegation with glue, then answers Q queries (default 5000000) taken\n"
		   "    in turn from a set of 1024: 40%% A or AAAA of existing names, 20%%\n"
		   "    NXDOMAIN, 10%% NODATA, 10%% CNAME, 10%% wildcard, 10%% referral;\n"
		   "    half of them with EDNS (1232). Each is parsed and answered as the\n"
		   "    worker does, in the query's own buffer. Prints TSC cycles per query\n"
		   "    and the answers by rcode. One core, no other work.\n");
}

struct q {
	uint8_t msg[300];
	size_t len;
};

static size_t query(uint8_t *m, const char *name, uint16_t qtype, int edns)
{
	size_t n;

	memset(m, 0, 12);
	m[0] = 0x12;
	m[5] = 1;
	n = dns_name_from_text(name, m + 12, 280, false);
	m[12 + n] = (uint8_t)(qtype >> 8);
	m[13 + n] = (uint8_t)qtype;
	m[15 + n] = 1;
	n += 16;
	if (edns) {
		m[11] = 1;
		memset(m + n, 0, 11);
		m[n + 2] = 41;
		m[n + 3] = 1232 >> 8;
		m[n + 4] = 1232 & 0xff;
		n += 11;
	}
	return n;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "names", required_argument, NULL, 'n' },
		{ "queries", required_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long names = 10000, queries = 5000000, rcodes[16] = { 0 };
	struct dns_zone_rr *rrs;
	uint8_t(*owners)[DNS_NAME_MAX], (*rdata)[64], apex[DNS_NAME_MAX];
	struct dns_zone *z;
	struct q *set;
	char err[256], name[64];
	size_t n = 0;
	int opt;

	while ((opt = getopt_long(argc, argv, "n:q:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			names = strtoul(optarg, NULL, 10);
			break;
		case 'q':
			queries = strtoul(optarg, NULL, 10);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (names < 1 || names > 1000000 || !queries) {
		fprintf(stderr, "rampart-dnsbench: --names 1..1000000, --queries > 0\n");
		return 2;
	}
	rrs = calloc(2 * names + 16, sizeof(*rrs));
	owners = calloc(2 * names + 16, sizeof(*owners));
	rdata = calloc(2 * names + 16, sizeof(*rdata));
	set = calloc(1024, sizeof(*set));
	if (!rrs || !owners || !rdata || !set)
		return 1;
#define ADD(owner_text, type, data, dlen)                                               \
	do {                                                                            \
		dns_name_from_text(owner_text, owners[n], DNS_NAME_MAX, false);         \
		memcpy(rdata[n], data, dlen);                                           \
		rrs[n] = (struct dns_zone_rr){ owners[n], type, 300, rdata[n], dlen, 0 }; \
		n++;                                                                    \
	} while (0)
	{
		uint8_t soa[128], ns[64], a[4] = { 192, 0, 2, 1 }, aaaa[16] = { 0x20, 1, 0xd, 0xb8 };
		size_t sl = dns_name_from_text("ns1.example.org", soa, 64, false);
		size_t nl;

		sl += dns_name_from_text("hostmaster.example.org", soa + sl, 64, false);
		memset(soa + sl, 1, 20);
		ADD("example.org", DNS_T_SOA, soa, (uint16_t)(sl + 20));
		nl = dns_name_from_text("ns1.example.org", ns, sizeof(ns), false);
		ADD("example.org", DNS_T_NS, ns, (uint16_t)nl);
		ADD("ns1.example.org", DNS_T_A, a, 4);
		nl = dns_name_from_text("host0.example.org", ns, sizeof(ns), false);
		ADD("www.example.org", DNS_T_CNAME, ns, (uint16_t)nl);
		ADD("*.wild.example.org", DNS_T_A, a, 4);
		nl = dns_name_from_text("ns.sub.example.org", ns, sizeof(ns), false);
		ADD("sub.example.org", DNS_T_NS, ns, (uint16_t)nl);
		ADD("ns.sub.example.org", DNS_T_A, a, 4);
		for (unsigned long i = 0; i < names; i++) {
			snprintf(name, sizeof(name), "host%lu.example.org", i);
			a[3] = (uint8_t)i;
			aaaa[15] = (uint8_t)i;
			ADD(name, DNS_T_A, a, 4);
			ADD(name, DNS_T_AAAA, aaaa, 16);
		}
	}
	dns_name_from_text("example.org", apex, sizeof(apex), false);
	if (dns_zone_build(apex, rrs, n, &z, err, sizeof(err), NULL) != 0) {
		fprintf(stderr, "rampart-dnsbench: %s\n", err);
		return 1;
	}
	srand(1);
	for (int i = 0; i < 1024; i++) {
		int kind = rand() % 10, edns = i & 1;
		unsigned long h = (unsigned long)rand() % names;

		if (kind < 4) {
			snprintf(name, sizeof(name), "host%lu.example.org", h);
			set[i].len = query(set[i].msg, name, kind & 1 ? DNS_T_AAAA : DNS_T_A, edns);
		} else if (kind < 6) {
			snprintf(name, sizeof(name), "nohost%lu.example.org", h);
			set[i].len = query(set[i].msg, name, DNS_T_A, edns);
		} else if (kind == 6) {
			snprintf(name, sizeof(name), "host%lu.example.org", h);
			set[i].len = query(set[i].msg, name, 15, edns);
		} else if (kind == 7) {
			set[i].len = query(set[i].msg, "www.example.org", DNS_T_A, edns);
		} else if (kind == 8) {
			snprintf(name, sizeof(name), "x%lu.wild.example.org", h);
			set[i].len = query(set[i].msg, name, DNS_T_A, edns);
		} else {
			snprintf(name, sizeof(name), "h%lu.sub.example.org", h);
			set[i].len = query(set[i].msg, name, DNS_T_A, edns);
		}
	}
	{
		const struct dns_zone *zs[1] = { z };
		uint8_t buf[1500];
		uint64_t t0 = __rdtsc(), t1;
		unsigned long bytes = 0;

		for (unsigned long i = 0; i < queries; i++) {
			const struct q *qq = &set[i & 1023];
			struct dns_query dq;
			uint8_t rc = 0;

			/* the worker answers in the query's own buffer */
			memcpy(buf, qq->msg, qq->len);
			if (dns_query_parse(buf, qq->len, &dq) == DNS_ANSWER)
				bytes += dns_answer(zs, 1, &dq, buf, sizeof(buf), dns_udp_limit(&dq, 1472),
						    1232, &rc);
			rcodes[rc & 15]++;
		}
		t1 = __rdtsc();
		printf("%lu names (%zu records), %lu queries: %.1f cycles per query, %.0f bytes per "
		       "answer; NOERROR %lu, NXDOMAIN %lu, other %lu\n",
		       names, n, queries, (double)(t1 - t0) / (double)queries,
		       (double)bytes / (double)queries, rcodes[0], rcodes[3],
		       queries - rcodes[0] - rcodes[3]);
	}
	dns_zone_free(z);
	free(rrs);
	free(owners);
	free(rdata);
	free(set);
	return 0;
}
