/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_zonefile.c - zone files through libzscanner into zones: $ORIGIN,
 * $TTL, $INCLUDE, relative names, unknown types in RFC 3597 form, answered
 * afterwards; every syntax error reported with its file and line; what the
 * zone builder refuses, with the line of the record concerned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "dns/zonefile.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/rampart-zonefile-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

static void write_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static int load(const char *name, struct dns_zone **z, char *err, size_t errlen)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return dns_zonefile_load("example.org", path, NULL, 0, NULL, z, err, errlen);
}

/* the rcode and answer count of a query against z */
static void ask(const struct dns_zone *z, const char *name, uint16_t qtype, uint8_t *rcode,
		uint16_t *an)
{
	uint8_t q[300], r[1500];
	struct dns_query dq;
	const struct dns_zone *zs[1] = { z };
	size_t n = dns_name_from_text(name, q + 12, 280, false);

	memset(q, 0, 12);
	q[5] = 1;
	q[12 + n] = (uint8_t)(qtype >> 8);
	q[13 + n] = (uint8_t)qtype;
	q[14 + n] = 0;
	q[15 + n] = 1;
	cr_assert_eq(dns_query_parse(q, n + 16, &dq), DNS_ANSWER);
	cr_assert_gt(dns_answer(zs, 1, &dq, r, sizeof(r), 1232, 1232, rcode), 0);
	*an = (uint16_t)(r[6] << 8 | r[7]);
}

TestSuite(dns_zonefile, .init = setup, .fini = teardown);

Test(dns_zonefile, a_zone_with_directives)
{
	struct dns_zone *z;
	char err[1024];
	uint8_t rc;
	uint16_t an;

	write_file("hosts.inc", "mail  IN A 192.0.2.25\nmail  IN AAAA 2001:db8::25\n");
	write_file("example.org.zone",
		   "$ORIGIN example.org.\n"
		   "$TTL 300\n"
		   "@     3600 IN SOA ns1 hostmaster ( 2026112901 ; serial\n"
		   "                 3600 600 86400 300 )\n"
		   "      IN NS  ns1\n"
		   "      IN MX  10 mail\n"
		   "ns1   IN A   192.0.2.53\n"
		   "www   IN A   192.0.2.80\n"
		   "      IN TXT \"hello world\" \"second string\"\n"
		   "odd   IN TYPE65280 \\# 4 0a000001\n"
		   "$INCLUDE hosts.inc\n"
		   "$ORIGIN sub.example.org.\n"
		   "deep  IN CNAME www.example.org.\n");
	cr_assert_eq(load("example.org.zone", &z, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(dns_zone_serial(z), 2026112901);
	cr_assert_eq(dns_zone_records(z), 10);
	ask(z, "www.example.org", 16, &rc, &an);
	cr_assert_eq(an, 1);
	ask(z, "odd.example.org", 65280, &rc, &an);
	cr_assert_eq(an, 1, "an unknown type, served as it was written");
	ask(z, "mail.example.org", 28, &rc, &an);
	cr_assert_eq(an, 1, "from the included file");
	ask(z, "deep.sub.example.org", 1, &rc, &an);
	cr_assert_eq(an, 2, "a relative name under a later $ORIGIN, CNAME followed");
	dns_zone_free(z);
}

Test(dns_zonefile, every_syntax_error_with_its_line)
{
	struct dns_zone *z;
	char err[2048];

	write_file("bad.zone", "$TTL 300\n"
			       "@ IN SOA ns1 hostmaster 1 2 3 4 5\n"
			       "@ IN NS ns1\n"
			       "www IN A 192.0.2.300\n"
			       "ok IN A 192.0.2.1\n"
			       "ftp IN BOGUSTYPE foo\n");
	cr_assert_eq(load("bad.zone", &z, err, sizeof(err)), -22);
	cr_assert_null(z);
	cr_assert(strstr(err, "bad.zone:4: "), "%s", err);
	cr_assert(strstr(err, "bad.zone:6: "), "%s", err);
	cr_assert_null(strstr(err, "bad.zone:5: "), "%s", err);
}

Test(dns_zonefile, what_the_builder_refuses_names_its_line)
{
	struct dns_zone *z;
	char err[1024];

	write_file("ttl.zone", "$TTL 300\n"
			       "@ IN SOA ns1 hostmaster 1 2 3 4 5\n"
			       "@ IN NS ns1\n"
			       "www 60 IN A 192.0.2.1\n"
			       "www 120 IN A 192.0.2.2\n");
	cr_assert_eq(load("ttl.zone", &z, err, sizeof(err)), -22);
	cr_assert(strstr(err, "ttl.zone:5: www.example.org. type 1: records with TTL 60 and 120"),
		  "%s", err);
	write_file("nosoa.zone", "$TTL 300\n@ IN NS ns1\n");
	cr_assert_eq(load("nosoa.zone", &z, err, sizeof(err)), -22);
	cr_assert(strstr(err, "nosoa.zone: no SOA at the zone's apex"), "%s", err);
	cr_assert_eq(load("absent.zone", &z, err, sizeof(err)), -22);
	cr_assert(strstr(err, "absent.zone"), "%s", err);
}

Test(dns_zonefile, from_a_string)
{
	static const char text[] = "@ 300 IN SOA ns1 hostmaster 1 2 3 4 5\n"
				   "@ 300 IN NS ns1\n"
				   "ns1 300 IN A 192.0.2.53\n";
	struct dns_zone *z;
	char err[512];

	cr_assert_eq(dns_zonefile_load("example.org.", NULL, text, sizeof(text) - 1, "pushed", &z,
				       err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(dns_zone_names(z), 2);
	dns_zone_free(z);
	cr_assert_eq(dns_zonefile_load("example..org", NULL, text, sizeof(text) - 1, "pushed", &z,
				       err, sizeof(err)),
		     -22);
	cr_assert(strstr(err, "bad zone name"), "%s", err);
}

Test(dns_zonefile, the_shipped_example_loads)
{
	struct dns_zone *z;
	char err[1024];
	uint8_t rc;
	uint16_t an;

	cr_assert_eq(dns_zonefile_load("example.org", SRC_ROOT "/conf/example.org.zone", NULL, 0, NULL,
				       &z, err, sizeof(err)),
		     0, "%s", err);
	ask(z, "ftp.example.org", 1, &rc, &an);
	cr_assert_eq(an, 2, "CNAME and its address");
	ask(z, "alice.users.example.org", 16, &rc, &an);
	cr_assert_eq(an, 1);
	dns_zone_free(z);
}
