/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_fw_rules.c - the rule language (good files, every kind of error with
 * its place, warnings), the compiler (expansion, wire form and its
 * validation) and the differential test: the tuple-space classifier, a
 * linear scan of the compiled entries and the reference interpreter of the
 * rules as written must agree on every packet.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "fw_rules/fw_rules.h"

static const char ports[3][DP_PORT_NAME_MAX] = { "lan", "wan", "dmz" };
static const struct dp_addr dns[2] = {
	{ .family = 4, .prefixlen = 32, .addr = { 198, 19, 1, 53 } },
	{ .family = 6, .prefixlen = 128, .addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 0x53 } },
};
static struct dp_addr host_a[2];

static int resolve(void *arg, const char *host, const struct dp_addr **a, unsigned *n)
{
	(void)arg;
	if (strcmp(host, "example.org") == 0) {
		*a = host_a;
		*n = 2;
		return 0;
	}
	*n = 0;
	return -1;
}

/* lan 198.18.1.1, wan 198.19.1.1, dmz none (network order) */
static const uint32_t port_ip4[3] = { 0x010112c6, 0x010113c6, 0 };

static struct fw_env env = {
	.n_ports = 3,
	.ports = ports,
	.n_dns = 2,
	.dns = dns,
	.resolve = resolve,
	.port_ip4 = port_ip4,
};

static void init_env(void)
{
	dp_addr_parse("198.51.100.7", true, true, &host_a[0]);
	dp_addr_parse("2001:db8:100::7", true, true, &host_a[1]);
}

static int parse(const char *text, struct fw_file *f, struct fw_diag *d)
{
	memset(d, 0, sizeof(*d));
	return fw_parse("rules.conf", text, strlen(text), &env, f, d);
}

/* Parse text, expect failure, and expect want among the errors. */
static void expect_error(const char *text, const char *want)
{
	struct fw_file f;
	struct fw_diag d;
	int rc = parse(text, &f, &d);

	cr_assert_eq(rc, -22, "accepted: %s", text);
	cr_assert_not_null(d.errors);
	cr_assert(strstr(d.errors, want), "for %s\nwant \"%s\"\ngot: %s", text, want, d.errors);
	fw_diag_free(&d);
}

static struct fw_key key4(const char *src, const char *dst, uint8_t proto, uint16_t sp, uint16_t dp,
			  uint8_t in, uint8_t out)
{
	struct fw_key k = { .family = 4,
			    .proto = proto,
			    .sport = sp,
			    .dport = dp,
			    .in_port = in,
			    .out_port = out };

	inet_pton(AF_INET, src, k.src);
	inet_pton(AF_INET, dst, k.dst);
	return k;
}

static struct fw_key key6(const char *src, const char *dst, uint8_t proto, uint16_t sp, uint16_t dp,
			  uint8_t in, uint8_t out)
{
	struct fw_key k = { .family = 6,
			    .proto = proto,
			    .sport = sp,
			    .dport = dp,
			    .in_port = in,
			    .out_port = out };

	inet_pton(AF_INET6, src, k.src);
	inet_pton(AF_INET6, dst, k.dst);
	return k;
}

struct built {
	struct fw_file f;
	struct fw_compiled c;
	struct fw_class *cl;  /* as the dataplane builds it */
	struct fw_class *tss; /* tuple-space search whatever the size */
	struct fw_diag d;
};

static void build(const char *text, struct built *b)
{
	int rc;

	init_env();
	rc = parse(text, &b->f, &b->d);
	cr_assert_eq(rc, 0, "parse: %s", b->d.errors ? b->d.errors : "");
	cr_assert_eq(fw_compile(&b->f, &env, &b->c, &b->d), 0, "compile: %s",
		     b->d.errors ? b->d.errors : "");
	cr_assert_eq(fw_class_build(&b->c, &b->cl), 0);
	cr_assert_eq(fw_class_build_with(&b->c, 0, &b->tss), 0);
}

static void unbuild(struct built *b)
{
	fw_class_free(b->cl);
	fw_class_free(b->tss);
	fw_compiled_free(&b->c);
	fw_file_free(&b->f);
	fw_diag_free(&b->d);
}

/* All three answers agree; returns the rule index. */
static uint32_t decide(struct built *b, const struct fw_key *k)
{
	uint32_t ref = fw_eval_linear(&b->f, &env, k);
	uint32_t lin = fw_eval_entries_linear(&b->c, k);
	uint32_t cls = fw_class_lookup(b->cl, k);

	cr_assert_eq(ref, lin, "reference %u, entries %u", ref, lin);
	cr_assert_eq(ref, cls, "reference %u, classifier %u", ref, cls);
	cr_assert_eq(ref, fw_class_lookup(b->tss, k), "reference %u, tuple-space search", ref);
	return ref;
}

Test(fw_parse, example_file)
{
	static const char text[] =
		"# the lab's policy\n"
		"set default block\n"
		"set timeout tcp.established 3600\n"
		"set log-rate 5\n"
		"table <servers> { 198.51.100.0/24, 2001:db8:100::/48\n"
		"                  host example.org }\n"
		"pass in on lan proto tcp from 198.18.1.0/24 to <servers> port { 80, 443 }\n"
		"pass in on lan to dns-servers\n"
		"pass proto icmp icmp-type { echo-request, unreach code 4 }\n"
		"pass inet6 proto icmpv6 all\n"
		"reject in on lan proto tcp to any port 25\n"
		"block log in on wan proto udp from any port 1024:65535 to 198.18.1.0/24 port "
		"0-1023\n";
	struct built b;
	char buf[512];

	build(text, &b);
	cr_assert_eq(b.f.n_rules, 6);
	cr_assert_eq(b.f.n_tables, 1);
	cr_assert_eq(b.f.tables[0].n, 3);
	cr_assert_eq(b.f.timeouts[FW_TO_tcp_established], 3600);
	cr_assert_eq(b.f.log_rate, 5);
	cr_assert_eq(b.f.rules[5].log, true);
	cr_assert_eq(b.f.rules[5].port, 1);
	cr_assert_eq(b.f.rules[5].dir, FW_DIR_IN);
	cr_assert_eq(b.f.rules[1].n_protos, 2, "dns-servers implies tcp and udp");
	cr_assert_eq(b.f.rules[1].dport[0].lo, 53);
	cr_assert_str_eq(
		fw_rule_format(&b.f, &b.f.rules[0], &env, buf, sizeof(buf)),
		"pass in on lan proto tcp from 198.18.1.0/24 to <servers> port { 80, 443 }");
	cr_assert_str_eq(fw_rule_format(&b.f, &b.f.rules[2], &env, buf, sizeof(buf)),
			 "pass proto icmp all icmp-type { echo-request, unreach code 4 }");
	cr_assert_str_eq(b.f.rules[4].text, "reject in on lan proto tcp to any port 25");

	/* tcp 443 from lan to the table, also by host name */
	struct fw_key k = key4("198.18.1.2", "198.51.100.9", 6, 40000, 443, 0, 1);
	cr_assert_eq(decide(&b, &k), 0);
	k = key4("198.18.1.2", "198.51.100.9", 6, 40000, 22, 0, 1);
	cr_assert_eq(decide(&b, &k), 6, "default");
	k = key4("198.18.1.2", "198.19.1.53", 17, 40000, 53, 0, 1);
	cr_assert_eq(decide(&b, &k), 1, "dns-servers over udp");
	k = key4("198.18.1.2", "198.19.1.54", 17, 40000, 53, 0, 1);
	cr_assert_eq(decide(&b, &k), 6, "not a DNS server");
	k = key4("198.18.1.2", "198.19.1.1", 1, 8, 0, 0, 1);
	cr_assert_eq(decide(&b, &k), 2, "echo request");
	k = key4("198.18.1.2", "198.19.1.1", 1, 3, 4, 0, 1);
	cr_assert_eq(decide(&b, &k), 2, "frag needed");
	k = key4("198.18.1.2", "198.19.1.1", 1, 3, 3, 0, 1);
	cr_assert_eq(decide(&b, &k), 6, "port unreachable is not listed");
	k = key6("2001:db8:1::2", "2001:db8:2::9", 58, 128, 0, 0, 1);
	cr_assert_eq(decide(&b, &k), 3);
	k = key4("198.18.1.2", "198.19.1.9", 6, 1000, 25, 0, 1);
	cr_assert_eq(decide(&b, &k), 4, "reject smtp from lan");
	k = key4("198.18.1.2", "198.19.1.9", 6, 1000, 25, 2, 1);
	cr_assert_eq(decide(&b, &k), 6, "not from lan");
	k = key4("198.19.1.9", "198.18.1.2", 17, 5000, 53, 1, 0);
	cr_assert_eq(decide(&b, &k), 5);
	k = key6("2001:db8:1::2", "2001:db8:100::7", 6, 5000, 80, 0, 1);
	cr_assert_eq(decide(&b, &k), 6, "IPv6: rule 0's source is IPv4 only");
	unbuild(&b);
}

Test(fw_parse, errors_have_places)
{
	expect_error("pass proto tcpp\n", "rules.conf:1:12: unknown protocol \"tcpp\"");
	expect_error(
		"\n\npass from 198.18.1.1/15\n",
		"rules.conf:3:11: host bits set in 198.18.1.1/15 (the network is 198.18.0.0/15)");
	expect_error("pass on lam\n", "rules.conf:1:9: unknown port \"lam\"");
	expect_error("pass to <nope>\n", "rules.conf:1:9: unknown table <nope>");
	expect_error("pass to any port 80\n", "ports need \"proto tcp\"");
	expect_error("pass proto tcp to any port 80:70\n", "empty port range 80:70");
	expect_error("pass proto tcp to any port 70000\n", "bad port \"70000\"");
	expect_error("pass icmp-type echo-request\n", "icmp-type wants \"proto icmp\"");
	expect_error("pass proto icmp icmp-type toobig\n", "unknown ICMP type \"toobig\"");
	expect_error("pass inet6 proto icmp\n", "icmp does not exist in inet6");
	expect_error("pass in in\n", "\"in\" given twice");
	expect_error("allow all\n", "rules.conf:1:1: unknown statement \"allow\"");
	expect_error("set default allow\n", "set default wants pass, block or reject");
	expect_error("set timeout tcp.est 5\n", "unknown timeout \"tcp.est\"");
	expect_error("set timeout udp 0\n", "timeout wants seconds");
	expect_error("table <t> { 1.2.3.4\n", "unterminated { list");
	expect_error("table <t> { }\npass to <t>\n", "empty { } list");
	expect_error("table <t> { 1.2.3.4 }\ntable <t> { 1.2.3.5 }\n",
		     "table <t> already defined on line 1");
	expect_error("table <t> { <u> }\n", "a table cannot contain another table");
	expect_error("pass to host bad..name\n", "bad DNS name \"bad..name\"");
	expect_error("pass to { dns-servers, 1.2.3.4 }\n", "dns-servers cannot be combined");
	expect_error("pass to 1.2.3.4 junk\n", "unknown keyword \"junk\"");
	expect_error("pass to <bad name>\n", "bad table reference");
	expect_error("pass \x01\n", "unexpected character 0x01");
}

Test(fw_parse, every_error_reported)
{
	struct fw_file f;
	struct fw_diag d;

	init_env();
	cr_assert_eq(parse("pass proto tcpp\npass on x\nblock all\npass to 300.1.1.1\n", &f, &d),
		     -22);
	cr_assert_eq(d.n_errors, 3, "%s", d.errors);
	cr_assert(strstr(d.errors, ":1:12:") && strstr(d.errors, ":2:9:") &&
			  strstr(d.errors, ":4:9:"),
		  "%s", d.errors);
	fw_diag_free(&d);
}

Test(fw_compile, warnings)
{
	struct built b;

	build("table <unused> { 198.18.0.0/15 }\n"
	      "pass proto tcp to 198.51.100.0/24\n"
	      "block proto tcp to 198.51.100.0/25 port 22\n"
	      "pass inet6 to 198.51.100.1\n"
	      "pass to host unknown.example\n",
	      &b);
	cr_assert_not_null(b.d.warnings);
	cr_assert(strstr(b.d.warnings, "rules.conf:1: table <unused> is not used"), "%s",
		  b.d.warnings);
	cr_assert(strstr(b.d.warnings, "rules.conf:3: rule is shadowed by the rule on line 2"),
		  "%s", b.d.warnings);
	cr_assert(strstr(b.d.warnings, "rules.conf:4: rule can never match"), "%s", b.d.warnings);
	cr_assert(strstr(b.d.warnings, "rules.conf:5: rule can never match"), "%s", b.d.warnings);
	cr_assert_eq(b.d.n_warnings, 4, "%s", b.d.warnings);
	unbuild(&b);
}

Test(fw_compile, wire_round_trip_and_validation)
{
	struct built b;
	struct fw_compiled v;
	char err[256];
	void *buf;
	size_t len;

	build("pass in on lan proto { tcp, udp } from 198.18.1.0/24 to any port { 53, 80:90 }\n"
	      "block log all\n",
	      &b);
	cr_assert_eq(b.c.hdr.n_entries, 4 + 1 * 2, "2 protos x 2 ports + block v4 and v6");
	cr_assert_eq(fw_wire_encode(&b.c, &buf, &len), 0);
	cr_assert_eq(fw_wire_decode(buf, len, &v, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(v.hdr.n_entries, b.c.hdr.n_entries);
	cr_assert_eq(memcmp(v.entries, b.c.entries, b.c.hdr.n_entries * sizeof(struct fw_entry)),
		     0);
	cr_assert_eq(v.meta[1].flags, FW_RULE_F_LOG);

	cr_assert_eq(fw_wire_decode(buf, len - 1, &v, err, sizeof(err)), -22);
	struct fw_entry *e = (struct fw_entry *)((uint8_t *)buf + len - sizeof(*e));
	e->rule = 7;
	cr_assert_eq(fw_wire_decode(buf, len, &v, err, sizeof(err)), -22);
	cr_assert(strstr(err, "rule index"), "%s", err);
	e->rule = 1;
	e->slen = 8;
	e->src[3] = 1;
	cr_assert_eq(fw_wire_decode(buf, len, &v, err, sizeof(err)), -22);
	e->slen = 0;
	e->src[3] = 0;
	e->in_port = 3;
	cr_assert_eq(fw_wire_decode(buf, len, &v, err, sizeof(err)), -22);
	e->in_port = FW_PORT_ANY;
	cr_assert_eq(fw_wire_decode(buf, len, &v, err, sizeof(err)), 0, "%s", err);
	free(buf);
	unbuild(&b);
}

/* ---- nat and rdr ---- */

Test(fw_nat, rules_compile_to_their_own_classifier)
{
	struct built b;
	struct fw_compiled v, nv;
	struct fw_class *ncl;
	struct fw_key k;
	char err[256];
	void *buf;
	size_t len;

	build("set nat filtering endpoint-independent\n"
	      "set nat host-limit 100\n"
	      "nat on wan from 198.18.1.0/24 -> wan\n"
	      "nat on wan proto { tcp, udp } from 198.18.2.0/24 -> { 198.19.1.1, 198.19.1.3 }\n"
	      "rdr on wan proto tcp to port 8000:8009 -> 198.18.1.2 port 9000\n"
	      "pass all\n",
	      &b);
	cr_assert_eq(b.f.n_rules, 1, "nat rules are not filter rules");
	cr_assert_eq(b.c.hdr.n_nat, 3);
	cr_assert_eq(b.c.hdr.n_nat_entries, 1 + 2 + 1);
	cr_assert_eq(b.c.nat_meta[0].addrs[0], port_ip4[1], "-> wan: its address");
	cr_assert_eq(b.c.nat_meta[1].n_addrs, 2);
	cr_assert_eq(b.c.nat_meta[2].kind, FW_RDR);
	cr_assert_eq(b.c.nat_meta[2].to_port, 9000);
	cr_assert_eq(b.c.nat_meta[2].from_lo, 8000);
	cr_assert(b.c.hdr.flags & FW_WIRE_F_NAT_EIF);
	cr_assert_eq(b.c.hdr.nat_host_limit, 100);
	cr_assert_eq(fw_wire_encode(&b.c, &buf, &len), 0);
	cr_assert_eq(fw_wire_decode(buf, len, &v, err, sizeof(err)), 0, "%s", err);
	nv = fw_nat_view(&v);
	cr_assert_eq(fw_class_build(&nv, &ncl), 0);
	/* out on wan from lan: rule 0; the rdr matches on any input port, and
	 * its destination is wan's address */
	k = key4("198.18.1.5", "203.0.113.1", 17, 4000, 53, 0, 1);
	cr_assert_eq(fw_class_lookup(ncl, &k), 0);
	k = key4("198.18.1.5", "203.0.113.1", 17, 4000, 53, 0, 2);
	cr_assert_eq(fw_class_lookup(ncl, &k), 3, "out on dmz: no nat rule");
	k = key4("203.0.113.9", "198.19.1.1", 6, 5555, 8005, 1, 0xfe);
	cr_assert_eq(fw_class_lookup(ncl, &k), 2);
	k = key4("198.18.1.9", "198.19.1.1", 6, 5555, 8009, 0, 0xfe);
	cr_assert_eq(fw_class_lookup(ncl, &k), 2, "hairpin: from inside too");
	k = key4("203.0.113.9", "198.19.1.1", 6, 5555, 8010, 1, 0xfe);
	cr_assert_eq(fw_class_lookup(ncl, &k), 3);
	fw_class_free(ncl);
	/* the receiving side checks the NAT part too */
	((struct fw_nat_meta *)((uint8_t *)buf + sizeof(struct fw_wire_hdr) +
				sizeof(struct fw_rule_meta) +
				b.c.hdr.n_entries * sizeof(struct fw_entry)))
		->n_addrs = 0;
	cr_assert_eq(fw_wire_decode(buf, len, &v, err, sizeof(err)), -22);
	cr_assert(strstr(err, "nat rule 0"), "%s", err);
	free(buf);
	unbuild(&b);
}

Test(fw_nat, errors)
{
	init_env();
	expect_error("nat from 198.18.1.0/24 -> wan\n", "1:1: nat wants \"on PORT\"");
	expect_error("nat on wan from 198.18.1.0/24\n", "nat wants \"-> PORT or ADDRESS\"");
	expect_error("nat on wan inet6 -> wan\n", "NAT44 translates IPv4 only");
	expect_error("nat on wan from 2001:db8::/32 -> wan\n", "1:17: NAT44 translates IPv4 only");
	expect_error("nat on wan -> 198.19.1.0/24\n", "1:15: a NAT address is one IPv4 address");
	expect_error("nat on wan proto gre -> wan\n", "translates tcp, udp and icmp only");
	expect_error("nat in on wan -> wan\n", "\"in\" is not allowed in a nat rule");
	expect_error("rdr on wan to port 80 -> 198.18.1.2\n", "rdr wants \"proto tcp\"");
	expect_error("rdr on wan proto tcp -> 198.18.1.2\n", "rdr wants \"to [ADDRESS] port N\"");
	expect_error("rdr on wan proto tcp to port 80 -> { 198.18.1.2, 198.18.1.3 }\n",
		     "rdr forwards to one inside address");
	expect_error("rdr on wan proto tcp to port { 80, 443 } -> 198.18.1.2 port 8080\n",
		     "a target port wants one forwarded port or range");
	expect_error("rdr on wan proto tcp to 198.19.1.0/24 port 80 -> 198.18.1.2\n",
		     "one IPv4 address each");
	expect_error("rdr on wan proto tcp to port 80 -> 198.18.1.2 port 80:81\n",
		     "the target port is one port");
	expect_error("set nat host-limit 0\n", "set nat host-limit wants");
	expect_error("set nat filtering open\n", "set nat filtering wants");
	expect_error("nat on wan -> wan -> wan\n", "\"->\" given twice");
	expect_error("nat on nowhere -> wan\n", "unknown port \"nowhere\"");
}

Test(fw_nat, port_without_address_is_refused_at_compile)
{
	struct fw_file f;
	struct fw_diag d;
	struct fw_compiled c;

	init_env();
	cr_assert_eq(parse("nat on dmz -> dmz\n", &f, &d), 0);
	cr_assert_eq(fw_compile(&f, &env, &c, &d), -22);
	cr_assert(strstr(d.errors, "1: port dmz has no IPv4 address"), "%s", d.errors);
	fw_file_free(&f);
	fw_diag_free(&d);
}

/* A port whose address comes and goes (the VPN client's tunnel): without
 * one, its nat rule compiles to nothing with a warning and a pool that
 * says so, and the rules load; with one, it translates to it. */
Test(fw_nat, port_whose_address_comes_later_waits_for_it)
{
	struct fw_env dyn = env;
	uint32_t ip4[3] = { port_ip4[0], port_ip4[1], 0 };
	struct fw_file f;
	struct fw_diag d;
	struct fw_compiled c;

	init_env();
	dyn.port_ip4 = ip4;
	dyn.dyn_ports = 1u << 2;
	cr_assert_eq(parse("nat on dmz from 198.18.1.0/24 -> dmz\n", &f, &d), 0);
	cr_assert_eq(fw_compile(&f, &dyn, &c, &d), 0, "%s", d.errors ? d.errors : "");
	cr_assert(d.warnings && strstr(d.warnings, "1: port dmz has no IPv4 address yet"), "%s",
		  d.warnings ? d.warnings : "(none)");
	cr_assert_eq(c.hdr.n_nat, 1);
	cr_assert_eq(c.hdr.n_nat_entries, 0, "it matches nothing");
	cr_assert_eq(c.nat_meta[0].n_addrs, 1);
	cr_assert_eq(c.nat_meta[0].addrs[0], FW_NAT_ADDR_WAITING);
	fw_compiled_free(&c);
	fw_diag_free(&d);

	ip4[2] = 0x023e12c6; /* 198.18.62.2: the tunnel is up */
	memset(&d, 0, sizeof(d));
	cr_assert_eq(fw_compile(&f, &dyn, &c, &d), 0, "%s", d.errors ? d.errors : "");
	cr_assert_gt(c.hdr.n_nat_entries, 0);
	cr_assert_eq(c.nat_meta[0].addrs[0], ip4[2]);
	fw_compiled_free(&c);
	fw_diag_free(&d);
	fw_file_free(&f);
}

/* ---- differential test ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* A pool of prefixes the rules and the packets share, so that most packets
 * hit some rule's addresses, with edge cases at the prefix boundaries. */
#define POOL 64
static struct dp_addr pool[POOL];

static void make_pool(void)
{
	for (unsigned i = 0; i < POOL; i++) {
		struct dp_addr *a = &pool[i];
		uint8_t fam = i % 3 == 2 ? 6 : 4;
		unsigned max = fam == 4 ? 32 : 128;

		memset(a, 0, sizeof(*a));
		a->family = fam;
		if (fam == 4) {
			a->addr[0] = 198;
			a->addr[1] = (uint8_t)(18 + rnd() % 2);
			a->addr[2] = (uint8_t)(rnd() % 4);
			a->addr[3] = (uint8_t)rnd();
		} else {
			a->addr[0] = 0x20;
			a->addr[1] = 0x01;
			a->addr[2] = 0x0d;
			a->addr[3] = 0xb8;
			a->addr[5] = (uint8_t)(rnd() % 3);
			a->addr[7] = (uint8_t)(rnd() % 3);
			a->addr[15] = (uint8_t)rnd();
		}
		a->prefixlen = (uint8_t)(rnd() % 4 == 0 ? max : rnd() % (max + 1));
		for (unsigned b = a->prefixlen; b < 128; b++)
			a->addr[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
	}
}

static size_t add_addr(char *buf, size_t len, const struct dp_addr *a)
{
	char s[64];

	return (size_t)snprintf(buf, len, "%s", dp_addr_format(a, true, s, sizeof(s)));
}

#define OUT(...) (o += (size_t)snprintf(buf + o, len - o, __VA_ARGS__))

static size_t random_side(char *buf, size_t len, unsigned n_tables)
{
	size_t o = 0;
	unsigned r = rnd() % 10;

	if (r < 3)
		OUT("any");
	else if (r < 7)
		o += add_addr(buf + o, len - o, &pool[rnd() % POOL]);
	else if (r < 8 && n_tables)
		OUT("<t%u>", rnd() % n_tables);
	else if (r < 9)
		OUT("host example.org");
	else {
		unsigned n = 2 + rnd() % 3;

		OUT("{ ");
		for (unsigned i = 0; i < n; i++) {
			o += add_addr(buf + o, len - o, &pool[rnd() % POOL]);
			OUT("%s", i + 1 < n ? ", " : " }");
		}
	}
	return o;
}

static size_t random_ports(char *buf, size_t len)
{
	size_t o = 0;
	unsigned r = rnd() % 4;
	unsigned a = rnd() % 8 * 1000 + rnd() % 3, b = a + rnd() % 3000;

	if (r == 0)
		OUT(" port %u", a);
	else if (r == 1)
		OUT(" port %u:%u", a, b > 65535 ? 65535 : b);
	else if (r == 2)
		OUT(" port { %u, %u-%u }", a, b, b + 5);
	return o;
}

static void random_rules(char *buf, size_t len, unsigned n_rules)
{
	static const char *acts[] = { "pass", "block", "reject" };
	static const char *prs[] = { "",
				     " proto tcp",
				     " proto udp",
				     " proto { tcp, udp }",
				     " proto icmp",
				     " proto icmpv6",
				     " proto gre" };
	unsigned n_tables = 3;
	size_t o = 0;

	for (unsigned t = 0; t < n_tables; t++) {
		OUT("table <t%u> { ", t);
		for (unsigned i = 0, n = 1 + rnd() % 4; i < n; i++) {
			o += add_addr(buf + o, len - o, &pool[rnd() % POOL]);
			OUT(", ");
		}
		OUT("host example.org }\n");
	}
	for (unsigned i = 0; i < n_rules; i++) {
		unsigned pr = rnd() % 7, dir = rnd() % 3, on = rnd() % 4;
		bool l4 = pr >= 1 && pr <= 3;

		OUT("%s", acts[rnd() % 3]);
		if (on < 3) {
			OUT("%s on %s", dir == 0 ? "" : dir == 1 ? " in" : " out", ports[on]);
		}
		if (rnd() % 8 == 0) {
			unsigned fam = rnd() % 2 ? 4 : 6;

			OUT(" %s", fam == 4 ? "inet" : "inet6");
			if ((pr == 4 && fam == 6) || (pr == 5 && fam == 4))
				pr = 0;
		}
		OUT("%s", prs[pr]);
		OUT(" from ");
		o += random_side(buf + o, len - o, n_tables);
		if (l4 && rnd() % 3 == 0)
			o += random_ports(buf + o, len - o);
		OUT(" to ");
		o += random_side(buf + o, len - o, n_tables);
		if (l4 && rnd() % 2 == 0)
			o += random_ports(buf + o, len - o);
		if ((pr == 4 || pr == 5) && rnd() % 2)
			OUT(" icmp-type { echo-request, 3 code %u }", rnd() % 5);
		OUT("\n");
		cr_assert_lt(o, len - 512, "buffer");
	}
}

static void random_key(struct fw_key *k)
{
	const struct dp_addr *s = &pool[rnd() % POOL];
	const struct dp_addr *d = NULL;
	static const uint8_t prs[] = { 6, 17, 1, 58, 47, 6, 17 };

	memset(k, 0, sizeof(*k));
	k->family = s->family;
	for (unsigned tries = 0; tries < 100; tries++) {
		d = &pool[rnd() % POOL];
		if (d->family == s->family)
			break;
	}
	memcpy(k->src, s->addr, 16);
	memcpy(k->dst, d->addr, 16);
	/* perturb host bits, sometimes just across the prefix boundary */
	for (int side = 0; side < 2; side++) {
		uint8_t *ip = side ? k->dst : k->src;
		unsigned plen = side ? d->prefixlen : s->prefixlen, max = k->family == 4 ? 32 : 128;

		if (rnd() % 10 == 0)
			plen = plen ? plen - 1 : 0;
		for (unsigned b = plen; b < max; b++)
			if (rnd() % 2)
				ip[b / 8] ^= (uint8_t)(0x80 >> (b % 8));
		if (rnd() % 20 == 0 && k->family == 4 && side)
			memcpy(ip, host_a[0].addr, 4);
		if (rnd() % 20 == 0 && k->family == 6 && side)
			memcpy(ip, host_a[1].addr, 16);
		if (rnd() % 20 == 0 && k->family == 4 && side)
			memcpy(ip, dns[0].addr, 4);
	}
	k->proto = prs[rnd() % sizeof(prs)];
	if (k->proto == 6 || k->proto == 17) {
		k->sport = (uint16_t)(rnd() % 3 == 0 ? rnd() % 8 * 1000 + rnd() % 4 : rnd());
		k->dport = (uint16_t)(rnd() % 3 == 0 ? rnd() % 8 * 1000 + rnd() % 4 : rnd());
		if (rnd() % 10 == 0)
			k->dport = 53;
	} else if (k->proto == 1 || k->proto == 58) {
		k->sport = (uint16_t)(rnd() % 2 ? (k->proto == 1 ? 8 : 128) : rnd() % 256);
		k->dport = (uint16_t)(rnd() % 5);
	}
	k->in_port = (uint8_t)(rnd() % 3);
	k->out_port = (uint8_t)(rnd() % 3);
}

static void differential(unsigned n_rules, unsigned n_keys, unsigned seed)
{
	size_t len = (size_t)n_rules * 400 + 4096;
	char *text = malloc(len);
	struct built b;
	unsigned hits = 0;

	rng = 0x9e3779b97f4a7c15ULL ^ seed;
	init_env();
	make_pool();
	random_rules(text, len, n_rules);
	build(text, &b);
	for (unsigned i = 0; i < n_keys; i++) {
		struct fw_key k;
		uint32_t ref, cls;

		random_key(&k);
		ref = fw_eval_linear(&b.f, &env, &k);
		cls = fw_class_lookup(b.cl, &k);
		if (ref == cls)
			cls = fw_class_lookup(b.tss, &k); /* both ways of looking up */
		if (ref != cls) {
			char s[64], d[64];

			inet_ntop(k.family == 4 ? AF_INET : AF_INET6, k.src, s, sizeof(s));
			inet_ntop(k.family == 4 ? AF_INET : AF_INET6, k.dst, d, sizeof(d));
			cr_assert_fail(
				"key %u: %s -> %s proto %u %u/%u in %u out %u: reference rule %u "
				"(%s), classifier %u (%s)",
				i, s, d, k.proto, k.sport, k.dport, k.in_port, k.out_port, ref,
				ref < b.f.n_rules ? b.f.rules[ref].text : "default", cls,
				cls < b.f.n_rules ? b.f.rules[cls].text : "default");
		}
		if (i < 20000)
			cr_assert_eq(fw_eval_entries_linear(&b.c, &k), ref);
		hits += ref < b.f.n_rules;
	}
	if (n_rules >= 100)
		cr_assert_gt(hits, n_keys / 10, "the packets must hit rules, not just the default");
	unbuild(&b);
	free(text);
}

Test(fw_classify, differential_small)
{
	differential(10, 200000, 1);
}
Test(fw_classify, differential_medium)
{
	differential(300, 200000, 2);
}
Test(fw_classify, differential_large, .timeout = 300)
{
	differential(5000, 100000, 3);
}

Test(fw_classify, differential_many_seeds)
{
	for (unsigned s = 10; s < 60; s++)
		differential(1 + s % 40, 20000, s);
}

Test(fw_classify, empty_and_default)
{
	struct built b;
	struct fw_key k = key4("198.18.0.1", "198.18.0.2", 6, 1, 2, 0, 1);

	build("set default pass\n", &b);
	cr_assert_eq(decide(&b, &k), 0);
	cr_assert_eq(b.c.hdr.default_action, FW_PASS);
	unbuild(&b);
}
