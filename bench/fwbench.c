/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fwbench.c - rampart-fwbench, the firewall part of make bench off the packet
 * path: generates N random ClassBench-like rules as rule-language text (and,
 * on request, the same rules as an nftables ruleset, so the dataplane and the
 * kernel baseline filter with identical rules), then times what a push costs
 * (fw_parse, fw_compile, the wire form, fw_class_build) and what a lookup
 * costs (fw_class_lookup against the linear scan of the entries), and checks
 * that the classifier and the linear scan agree on every key both answered.
 * bench/fw.sh runs it for each rule count and feeds the written files to
 * rampart and nft.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fw_rules/fw_rules.h"

#define BENCH_FW_DEFAULT_LOOKUPS 2000000u
#define BENCH_FW_MAX_LOOKUPS	 1000000000u
#define BENCH_FW_KEY_POOL	 (1u << 20) /* keys generated; lookups cycle through them */
#define BENCH_FW_LINEAR_MAX_N	 10000u	    /* the linear scan is timed up to this many rules */
#define BENCH_FW_LINEAR_WORK	 200000000u /* entries the timed linear scan may visit */
#define BENCH_FW_AGREE_SAMPLE	 1000u	    /* keys checked, untimed, above LINEAR_MAX_N */
#define BENCH_FW_IFNAME_MAX	 16

static const char manual[] =
	"NAME\n"
	"    rampart-fwbench - random firewall rules: time to check, compile and build them,\n"
	"    classifier lookups per second, and the same rules for nftables\n"
	"\n"
	"SYNOPSIS\n"
	"    rampart-fwbench [--rules N] [--lookups M] [--seed S] [--default block|pass]\n"
	"        [--write FILE] [--nft FILE [--nft-ifaces lan=IF,wan=IF]] [--json]\n"
	"\n"
	"DESCRIPTION\n"
	"    Generates N rules in rampart's rule language (docs/firewall.md): N - 1\n"
	"    random ClassBench-like rules, then, last before the default, the rule that\n"
	"    passes make bench's traffic:\n"
	"        pass proto udp from 198.18.0.0/16 to 198.19.1.2 port 9\n"
	"    No random rule matches that traffic (their destinations never hold\n"
	"    198.19.1.2), so each benchmark packet is compared with every rule before\n"
	"    it passes.\n"
	"\n"
	"    The random rules: pass or block (1:1); 20 %% \"in on lan\", 10 %% \"out on\n"
	"    wan\"; 80 %% IPv4, 20 %% IPv6; source any (25 %%) or a prefix, IPv4 /8-/32\n"
	"    (mostly /16, /24, /32), IPv6 /32-/128 (mostly /32, /48, /64, /128), drawn\n"
	"    around a few hundred base prefixes so that rules overlap and nest as in\n"
	"    real rule sets; destination always a prefix; protocol tcp 45 %%, udp 35 %%,\n"
	"    any 10 %%, icmp (icmpv6 for IPv6) 10 %%; for tcp and udp a destination port\n"
	"    exact (50 %%), a range (25 %%) or any. Only what the nftables translation\n"
	"    expresses identically is generated.\n"
	"\n"
	"    Then it measures, with CLOCK_MONOTONIC, on this core:\n"
	"    - parse: fw_parse of the text (what \"rampart rules check\" does first);\n"
	"    - compile: fw_compile into classifier entries, with its shadowing\n"
	"      analysis (up to %u rules);\n"
	"    - wire: fw_wire_encode and fw_wire_decode (what travels to the dataplane);\n"
	"    - build: fw_class_build, the tuple-space classifier the workers query;\n"
	"    - lookups: M calls of fw_class_lookup on random keys, half of them drawn\n"
	"      inside a random rule's prefixes, protocol and ports, half at random;\n"
	"    - linear: for N <= %u, the same keys through fw_eval_entries_linear (as many\n"
	"      as visit about %u entries, at least 1000), for comparison.\n"
	"    Every key the linear scan answered (above %u rules, a sample of %u, untimed)\n"
	"    must get the same answer from the classifier; a disagreement is printed\n"
	"    and the exit status is 1.\n"
	"\n"
	"OPTIONS\n"
	"    --rules N           rules, 1..%u (default 100); 1 is the pass rule alone\n"
	"    --lookups M         classifier lookups to time (default %u, 0: none)\n"
	"    --seed S            random seed (default 1): the same seed, the same rules\n"
	"    --default ACTION    the file's default, block or pass (default block)\n"
	"    --write FILE        write the rules (rule language) to FILE\n"
	"    --nft FILE          write the same rules as an nftables ruleset to FILE:\n"
	"                          table inet rampart_bench, chain bench_fwd (hook forward,\n"
	"                          priority 0, policy drop or accept), first\n"
	"                          \"ct state established,related accept\", then the\n"
	"                          rules in order; the file replaces the table when\n"
	"                          loaded again with nft -f\n"
	"    --nft-ifaces MAP    interface names for the ports, lan=IF,wan=IF (default\n"
	"                        lan=lan0,wan=wan0, the lab's)\n"
	"    --json              the results as one JSON object on stdout\n"
	"    -h, --help          this manual\n"
	"\n"
	"OUTPUT\n"
	"    rules, entries, classifier tuples and bytes, warnings from the compiler,\n"
	"    parse_ms, compile_ms, wire_ms, build_ms and check_ms (parse + compile +\n"
	"    build), lookups, lookup_mps (millions of lookups per second), lookup_ns,\n"
	"    hit_share (keys that matched a rule, not the default), linear_lookups,\n"
	"    linear_mps, agree_keys, mismatches.\n"
	"\n"
	"TRANSLATION TO NFTABLES\n"
	"    from/to PREFIX   ip saddr/daddr (IPv4), ip6 saddr/daddr (IPv6)\n"
	"    proto P          meta l4proto P (icmpv6: ipv6-icmp)\n"
	"    port N, N:M      th dport N, th dport N-M\n"
	"    in on lan        iifname IF; out on wan: oifname IF\n"
	"    pass, block      accept, drop; set default: the chain's policy\n"
	"    Both are first-match: nft's verdicts end the chain.\n"
	"\n"
	"EXIT STATUS\n"
	"    0 done; 1 the rules were refused, a file could not be written, or the\n"
	"    classifier and the linear scan disagreed; 2 usage error.\n"
	"\n"
	"EXAMPLES\n"
	"    rampart-fwbench --rules 10000\n"
	"    rampart-fwbench --rules 100000 --lookups 0 --write r.rules \\\n"
	"        --nft r.nft --nft-ifaces lan=dut0,wan=dut1 --json\n"
	"\n"
	"SEE ALSO\n"
	"    docs/bench.md, docs/firewall.md, bench/fw.sh, nft(8).\n";

static void usage(FILE *f)
{
	fprintf(f, manual, (unsigned)FW_SHADOW_CHECK_MAX, BENCH_FW_LINEAR_MAX_N,
		BENCH_FW_LINEAR_WORK, BENCH_FW_LINEAR_MAX_N, BENCH_FW_AGREE_SAMPLE,
		(unsigned)FW_MAX_RULES, BENCH_FW_DEFAULT_LOOKUPS);
}

/* ---- options ---- */

struct bench_fw_cfg {
	unsigned n_rules;
	unsigned long lookups;
	uint64_t seed;
	uint8_t default_action;
	const char *write_path;
	const char *nft_path;
	char ifname[2][BENCH_FW_IFNAME_MAX]; /* lan, wan */
	bool json;
};

/* ---- random rules ---- */

enum { BENCH_FW_LAN = 0, BENCH_FW_WAN = 1 };
static const char bench_fw_ports[2][DP_PORT_NAME_MAX] = { "lan", "wan" };

struct bench_fw_rule {
	uint8_t action; /* FW_PASS or FW_BLOCK */
	uint8_t dir;	/* FW_DIR_ANY, or FW_DIR_IN on lan, FW_DIR_OUT on wan */
	uint8_t family; /* 4 or 6 */
	uint8_t proto;	/* 0: any */
	uint8_t slen, dlen;
	bool src_any, dport_any;
	uint8_t src[16], dst[16];
	uint16_t dport_lo, dport_hi;
};

static uint64_t rng_state;

/* splitmix64: fast, and the same sequence everywhere for a seed */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned rnd_below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static void mask_prefix(uint8_t *a, unsigned plen, unsigned max)
{
	for (unsigned b = plen; b < max; b++)
		a[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
}

/* Set the bits of a after plen at random (a host inside the prefix). */
static void random_host_bits(uint8_t *a, unsigned plen, unsigned max)
{
	for (unsigned b = plen; b < max; b++)
		if (rnd() & 1)
			a[b / 8] ^= (uint8_t)(0x80 >> (b % 8));
}

static bool prefix_holds(const uint8_t *pfx, unsigned plen, const uint8_t *a)
{
	for (unsigned b = 0; b < plen; b++) {
		uint8_t m = (uint8_t)(0x80 >> (b % 8));

		if ((pfx[b / 8] & m) != (a[b / 8] & m))
			return false;
	}
	return true;
}

/* ClassBench's address prefixes cluster: most rules share a few hundred
 * short prefixes and differ below them. */
#define BENCH_FW_BASES 256
static uint8_t base4[BENCH_FW_BASES][4];
static uint8_t base6[BENCH_FW_BASES][16];

static void make_bases(void)
{
	for (unsigned i = 0; i < BENCH_FW_BASES; i++) {
		uint64_t r = rnd();

		/* unicast, not 0/8, 127/8 or 224/3 */
		base4[i][0] = (uint8_t)(1 + r % 223);
		if (base4[i][0] == 127)
			base4[i][0] = 126;
		base4[i][1] = (uint8_t)(r >> 8);
		base4[i][2] = (uint8_t)(r >> 16);
		base4[i][3] = (uint8_t)(r >> 24);
		memset(base6[i], 0, 16);
		base6[i][0] = 0x20 | (uint8_t)(r >> 32 & 0x1);
		for (unsigned b = 1; b < 8; b++)
			base6[i][b] = (uint8_t)(r >> (32 + 4 * b));
	}
}

static unsigned random_len4(void)
{
	unsigned r = rnd_below(100);

	if (r < 25)
		return 24;
	if (r < 45)
		return 32;
	if (r < 60)
		return 16;
	if (r < 65)
		return 8;
	return 8 + rnd_below(25);
}

static unsigned random_len6(void)
{
	unsigned r = rnd_below(100);

	if (r < 20)
		return 32;
	if (r < 40)
		return 48;
	if (r < 65)
		return 64;
	if (r < 80)
		return 128;
	return 32 + rnd_below(97);
}

static void random_prefix(uint8_t family, uint8_t *a, uint8_t *plen)
{
	unsigned b = rnd_below(BENCH_FW_BASES), max = family == 4 ? 32 : 128;

	memset(a, 0, 16);
	if (family == 4) {
		memcpy(a, base4[b], 4);
		*plen = (uint8_t)random_len4();
		/* below the base's first 8 (/8) to 16 bits, anything */
		random_host_bits(a, 8 + rnd_below(9), 32);
	} else {
		memcpy(a, base6[b], 16);
		*plen = (uint8_t)random_len6();
		random_host_bits(a, 24 + rnd_below(9), 128);
	}
	mask_prefix(a, *plen, max);
}

static const uint16_t well_known[] = { 20,   21,   22,	 23,   25,   53,   80,	 110,
				       123,  143,  161,	 179,  389,  443,  445,	 465,
				       514,  587,  636,	 993,  995,  1194, 1433, 1723,
				       3306, 3389, 5060, 5432, 6379, 8080, 8443, 9000 };
#define BENCH_FW_N_WELL_KNOWN (sizeof(well_known) / sizeof(well_known[0]))

static void random_rule(struct bench_fw_rule *r)
{
	/* the benchmark traffic's destination, which no random rule may hold */
	static const uint8_t bench_dst[4] = { 198, 19, 1, 2 };
	unsigned p = rnd_below(100), d = rnd_below(100);

	memset(r, 0, sizeof(*r));
	r->action = rnd() & 1 ? FW_PASS : FW_BLOCK;
	r->dir = d < 20 ? FW_DIR_IN : d < 30 ? FW_DIR_OUT : FW_DIR_ANY;
	r->family = rnd_below(100) < 80 ? 4 : 6;
	r->proto = p < 45 ? 6 : p < 80 ? 17 : p < 90 ? 0 : r->family == 4 ? 1 : 58;
	r->src_any = rnd_below(100) < 25;
	if (!r->src_any)
		random_prefix(r->family, r->src, &r->slen);
	do
		random_prefix(r->family, r->dst, &r->dlen);
	while (r->family == 4 && prefix_holds(r->dst, r->dlen, bench_dst));
	r->dport_any = true;
	if (r->proto == 6 || r->proto == 17) {
		unsigned k = rnd_below(100);

		if (k < 50) {
			r->dport_any = false;
			r->dport_lo = (uint16_t)(1 + rnd_below(65535));
			if (rnd_below(4))
				r->dport_lo = well_known[rnd_below(BENCH_FW_N_WELL_KNOWN)];
			r->dport_hi = r->dport_lo;
		} else if (k < 75) {
			r->dport_any = false;
			if (rnd_below(3) == 0) {
				r->dport_lo = 1024;
				r->dport_hi = 65535;
			} else {
				r->dport_lo = (uint16_t)rnd_below(60000);
				r->dport_hi = (uint16_t)(r->dport_lo + 1 + rnd_below(5000));
			}
		}
	}
}

/* The last rule: make bench's traffic (rampart-pktgen's defaults) passes. */
static void bench_pass_rule(struct bench_fw_rule *r)
{
	static const uint8_t src[4] = { 198, 18, 0, 0 }, dst[4] = { 198, 19, 1, 2 };

	memset(r, 0, sizeof(*r));
	r->action = FW_PASS;
	r->dir = FW_DIR_ANY;
	r->family = 4;
	r->proto = 17;
	memcpy(r->src, src, 4);
	r->slen = 16;
	memcpy(r->dst, dst, 4);
	r->dlen = 32;
	r->dport_lo = r->dport_hi = 9;
}

/* ---- text: the rule language and nftables ---- */

struct bench_fw_text {
	char *s;
	size_t len, cap;
	bool failed;
};

static void text_add(struct bench_fw_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void text_add(struct bench_fw_text *t, const char *fmt, ...)
{
	size_t room = t->cap - t->len, cap;
	va_list ap;
	char *s;
	int n;

	if (t->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? room : 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		goto fail;
	if (t->s && (size_t)n < room) {
		t->len += (size_t)n;
		return;
	}
	for (cap = t->cap ? t->cap * 2 : 1 << 16; cap < t->len + (size_t)n + 1;)
		cap *= 2;
	s = realloc(t->s, cap);
	if (!s)
		goto fail;
	t->s = s;
	t->cap = cap;
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
	return;
fail:
	t->failed = true;
}

static const char *prefix_str(uint8_t family, const uint8_t *a, uint8_t plen, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(family == 4 ? AF_INET : AF_INET6, a, ip, sizeof(ip));
	snprintf(buf, len, "%s/%u", ip, plen);
	return buf;
}

static const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case 1:
		return "icmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	default:
		return "icmpv6";
	}
}

static void rule_text(struct bench_fw_text *t, const struct bench_fw_rule *r)
{
	char s[64], d[64];

	text_add(t, "%s", r->action == FW_PASS ? "pass" : "block");
	if (r->dir == FW_DIR_IN)
		text_add(t, " in on %s", bench_fw_ports[BENCH_FW_LAN]);
	else if (r->dir == FW_DIR_OUT)
		text_add(t, " out on %s", bench_fw_ports[BENCH_FW_WAN]);
	if (r->proto)
		text_add(t, " proto %s", proto_name(r->proto));
	text_add(t, " from %s to %s",
		 r->src_any ? "any" : prefix_str(r->family, r->src, r->slen, s, sizeof(s)),
		 prefix_str(r->family, r->dst, r->dlen, d, sizeof(d)));
	if (!r->dport_any && r->dport_lo == r->dport_hi)
		text_add(t, " port %u", r->dport_lo);
	else if (!r->dport_any)
		text_add(t, " port %u:%u", r->dport_lo, r->dport_hi);
	text_add(t, "\n");
}

static void rule_nft(struct bench_fw_text *t, const struct bench_fw_rule *r,
		     const struct bench_fw_cfg *cfg)
{
	const char *ip = r->family == 4 ? "ip" : "ip6";
	char s[64], d[64];

	text_add(t, "\t\t");
	if (r->dir == FW_DIR_IN)
		text_add(t, "iifname \"%s\" ", cfg->ifname[BENCH_FW_LAN]);
	else if (r->dir == FW_DIR_OUT)
		text_add(t, "oifname \"%s\" ", cfg->ifname[BENCH_FW_WAN]);
	if (r->proto)
		text_add(t, "meta l4proto %s ",
			 r->proto == 58 ? "ipv6-icmp" : proto_name(r->proto));
	if (!r->src_any)
		text_add(t, "%s saddr %s ", ip,
			 prefix_str(r->family, r->src, r->slen, s, sizeof(s)));
	text_add(t, "%s daddr %s ", ip, prefix_str(r->family, r->dst, r->dlen, d, sizeof(d)));
	if (!r->dport_any && r->dport_lo == r->dport_hi)
		text_add(t, "th dport %u ", r->dport_lo);
	else if (!r->dport_any)
		text_add(t, "th dport %u-%u ", r->dport_lo, r->dport_hi);
	text_add(t, "%s\n", r->action == FW_PASS ? "accept" : "drop");
}

static void rules_text(struct bench_fw_text *t, const struct bench_fw_rule *rules, unsigned n,
		       const struct bench_fw_cfg *cfg)
{
	text_add(t,
		 "# rampart-fwbench --rules %u --seed %llu: %u random rules, then the rule\n"
		 "# that passes make bench's traffic (bench/fw.sh)\n"
		 "set default %s\n",
		 n, (unsigned long long)cfg->seed, n - 1,
		 cfg->default_action == FW_PASS ? "pass" : "block");
	for (unsigned i = 0; i < n; i++)
		rule_text(t, &rules[i]);
}

static void rules_nft(struct bench_fw_text *t, const struct bench_fw_rule *rules, unsigned n,
		      const struct bench_fw_cfg *cfg)
{
	/* declaring the table first makes the delete succeed on a fresh kernel:
	 * loading the file again replaces the rule set in one transaction */
	text_add(t,
		 "# rampart-fwbench --rules %u --seed %llu: the same rules as the rule file\n"
		 "table inet rampart_bench\n"
		 "delete table inet rampart_bench\n"
		 "table inet rampart_bench {\n"
		 "\tchain bench_fwd {\n"
		 "\t\ttype filter hook forward priority 0; policy %s;\n"
		 "\t\tct state established,related accept\n",
		 n, (unsigned long long)cfg->seed,
		 cfg->default_action == FW_PASS ? "accept" : "drop");
	for (unsigned i = 0; i < n; i++)
		rule_nft(t, &rules[i], cfg);
	text_add(t, "\t}\n}\n");
}

static int write_file(const char *path, const struct bench_fw_text *t)
{
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (!f)
		return -errno;
	if (fwrite(t->s, 1, t->len, f) != t->len)
		rc = -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

/* ---- keys ---- */

static void random_key_of(struct fw_key *k, uint8_t family)
{
	static const uint8_t prs[] = { 6, 6, 6, 17, 17, 17, 1, 47 };

	memset(k, 0, sizeof(*k));
	k->family = family;
	for (unsigned i = 0; i < (family == 4 ? 4u : 16u); i++) {
		k->src[i] = (uint8_t)rnd();
		k->dst[i] = (uint8_t)rnd();
	}
	k->proto = prs[rnd_below(sizeof(prs))];
	if (k->proto == 1 && family == 6)
		k->proto = 58;
	if (k->proto == 6 || k->proto == 17) {
		k->sport = (uint16_t)rnd();
		k->dport = rnd_below(2) ? (uint16_t)rnd()
					: well_known[rnd_below(BENCH_FW_N_WELL_KNOWN)];
	} else if (k->proto == 1 || k->proto == 58) {
		k->sport = (uint16_t)rnd_below(16); /* type */
		k->dport = (uint16_t)rnd_below(4);  /* code */
	}
	k->in_port = (uint8_t)rnd_below(2);
	k->out_port = (uint8_t)(1 - k->in_port);
}

static void random_key(struct fw_key *k)
{
	random_key_of(k, rnd_below(10) < 9 ? 4 : 6);
}

/* A key inside rule r's prefixes, protocol and ports (an earlier rule may
 * still take it: first match wins). */
static void key_for_rule(struct fw_key *k, const struct bench_fw_rule *r)
{
	unsigned max = r->family == 4 ? 32 : 128;

	random_key_of(k, r->family);
	if (!r->src_any) {
		memcpy(k->src, r->src, 16);
		random_host_bits(k->src, r->slen, max);
	}
	memcpy(k->dst, r->dst, 16);
	random_host_bits(k->dst, r->dlen, max);
	if (r->proto && r->proto != k->proto) {
		k->proto = r->proto;
		if (r->proto == 1 || r->proto == 58) {
			k->sport = (uint16_t)rnd_below(16);
			k->dport = (uint16_t)rnd_below(4);
		} else {
			k->sport = (uint16_t)rnd();
			k->dport = (uint16_t)rnd();
		}
	}
	if (!r->dport_any && (k->proto == 6 || k->proto == 17))
		k->dport = (uint16_t)(r->dport_lo + rnd_below(r->dport_hi - r->dport_lo + 1u));
	/* "in on lan" and "out on wan" both hold for traffic from lan to wan */
	if (r->dir != FW_DIR_ANY) {
		k->in_port = BENCH_FW_LAN;
		k->out_port = BENCH_FW_WAN;
	}
}

/* ---- measuring ---- */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct bench_fw_result {
	size_t text_bytes, wire_bytes;
	unsigned entries, tuples, warnings;
	size_t class_bytes;
	double parse_ms, compile_ms, wire_ms, build_ms;
	unsigned long lookups;
	double lookup_ms;
	double hit_share;
	unsigned long linear_lookups;
	double linear_ms;
	unsigned long agree_keys, mismatches;
};

static void print_mismatch(const struct fw_file *f, const struct fw_key *k, uint32_t lin,
			   uint32_t cls)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int af = k->family == 4 ? AF_INET : AF_INET6;

	inet_ntop(af, k->src, s, sizeof(s));
	inet_ntop(af, k->dst, d, sizeof(d));
	fprintf(stderr,
		"rampart-fwbench: classifier and linear scan disagree: %s -> %s proto %u "
		"sport %u dport %u in %u out %u: linear rule %u (%s), classifier rule %u (%s)\n",
		s, d, k->proto, k->sport, k->dport, k->in_port, k->out_port, lin,
		lin < f->n_rules ? f->rules[lin].text : "default", cls,
		cls < f->n_rules ? f->rules[cls].text : "default");
}

/* Times the lookups of keys[0..n_keys) cycled up to cfg->lookups, the linear
 * scan of a share of them, and checks both agree where both answered. */
static int measure_lookups(const struct bench_fw_cfg *cfg, const struct fw_file *f,
			   const struct fw_compiled *c, const struct fw_class *cl,
			   const struct fw_key *keys, unsigned n_keys, struct bench_fw_result *res)
{
	unsigned long n_lin = 0, hits = 0;
	volatile uint32_t sink = 0;
	uint32_t acc = 0, *cls_ans, *lin_ans;
	double t0;

	t0 = now_ms();
	for (unsigned long i = 0, j = 0; i < cfg->lookups; i++) {
		acc += fw_class_lookup(cl, &keys[j]);
		if (++j == n_keys)
			j = 0;
	}
	res->lookup_ms = now_ms() - t0;
	res->lookups = cfg->lookups;
	sink = acc;
	(void)sink;

	if (cfg->n_rules <= BENCH_FW_LINEAR_MAX_N) {
		n_lin = BENCH_FW_LINEAR_WORK / (c->hdr.n_entries + 1u);
		if (n_lin < 1000)
			n_lin = 1000;
	} else {
		n_lin = BENCH_FW_AGREE_SAMPLE;
	}
	if (n_lin > n_keys)
		n_lin = n_keys;
	cls_ans = malloc(sizeof(*cls_ans) * n_keys);
	if (!cls_ans)
		return -ENOMEM;
	for (unsigned i = 0; i < n_keys; i++) {
		cls_ans[i] = fw_class_lookup(cl, &keys[i]);
		hits += cls_ans[i] < c->hdr.n_rules;
	}
	res->hit_share = n_keys ? (double)hits / n_keys : 0;

	lin_ans = malloc(sizeof(*lin_ans) * (n_lin ? n_lin : 1));
	if (!lin_ans) {
		free(cls_ans);
		return -ENOMEM;
	}
	t0 = now_ms();
	for (unsigned long i = 0; i < n_lin; i++)
		lin_ans[i] = fw_eval_entries_linear(c, &keys[i]);
	if (cfg->n_rules <= BENCH_FW_LINEAR_MAX_N) {
		res->linear_ms = now_ms() - t0;
		res->linear_lookups = n_lin;
	}
	res->agree_keys = n_lin;
	for (unsigned long i = 0; i < n_lin; i++) {
		if (lin_ans[i] == cls_ans[i])
			continue;
		if (res->mismatches++ == 0)
			print_mismatch(f, &keys[i], lin_ans[i], cls_ans[i]);
	}
	free(lin_ans);
	free(cls_ans);
	return 0;
}

static int measure(const struct bench_fw_cfg *cfg, const struct bench_fw_text *text,
		   const struct bench_fw_rule *rules, struct bench_fw_result *res)
{
	struct fw_env env = { .n_ports = 2, .ports = bench_fw_ports };
	struct fw_compiled c = { 0 }, view;
	struct fw_class *cl = NULL;
	struct fw_diag diag = { 0 };
	struct fw_file f;
	struct fw_key *keys = NULL;
	unsigned n_keys;
	void *wire = NULL;
	char err[256];
	double t0;
	int rc;

	res->text_bytes = text->len;
	t0 = now_ms();
	rc = fw_parse("generated", text->s, text->len, &env, &f, &diag);
	res->parse_ms = now_ms() - t0;
	if (rc < 0) {
		fprintf(stderr, "rampart-fwbench: the generated rules were refused:\n%s",
			diag.errors ? diag.errors : "");
		fw_diag_free(&diag);
		return rc;
	}
	t0 = now_ms();
	rc = fw_compile(&f, &env, &c, &diag);
	res->compile_ms = now_ms() - t0;
	res->warnings = diag.n_warnings;
	if (rc < 0) {
		fprintf(stderr, "rampart-fwbench: the generated rules did not compile:\n%s",
			diag.errors ? diag.errors : "");
		goto out_file;
	}
	res->entries = c.hdr.n_entries;

	t0 = now_ms();
	rc = fw_wire_encode(&c, &wire, &res->wire_bytes);
	if (rc == 0 && fw_wire_decode(wire, res->wire_bytes, &view, err, sizeof(err)) < 0)
		rc = -EINVAL;
	res->wire_ms = now_ms() - t0;
	free(wire);
	if (rc < 0) {
		fprintf(stderr, "rampart-fwbench: wire form: %s\n", rc == -EINVAL ? err : "failed");
		goto out_compiled;
	}

	t0 = now_ms();
	rc = fw_class_build(&c, &cl);
	res->build_ms = now_ms() - t0;
	if (rc < 0) {
		fprintf(stderr, "rampart-fwbench: fw_class_build: %s\n", strerror(-rc));
		goto out_compiled;
	}
	fw_class_info(cl, &res->tuples, &res->class_bytes);

	/* keys: half inside a random rule, half anywhere */
	n_keys = cfg->lookups < BENCH_FW_KEY_POOL ? (unsigned)cfg->lookups : BENCH_FW_KEY_POOL;
	if (n_keys < BENCH_FW_AGREE_SAMPLE)
		n_keys = BENCH_FW_AGREE_SAMPLE;
	keys = malloc(sizeof(*keys) * n_keys);
	if (!keys) {
		rc = -ENOMEM;
		goto out_class;
	}
	for (unsigned i = 0; i < n_keys; i++) {
		if (i % 2 == 0)
			key_for_rule(&keys[i], &rules[rnd_below(cfg->n_rules)]);
		else
			random_key(&keys[i]);
	}
	rc = measure_lookups(cfg, &f, &c, cl, keys, n_keys, res);
	free(keys);
out_class:
	fw_class_free(cl);
out_compiled:
	fw_compiled_free(&c);
out_file:
	fw_file_free(&f);
	fw_diag_free(&diag);
	return rc;
}

static double per_s_m(unsigned long n, double ms)
{
	return ms > 0 ? (double)n / ms / 1e3 : 0;
}

static void print_result(const struct bench_fw_cfg *cfg, const struct bench_fw_result *r)
{
	double check_ms = r->parse_ms + r->compile_ms + r->build_ms;

	if (cfg->json) {
		printf("{\"rules\": %u, \"seed\": %llu, \"default\": \"%s\", \"text_bytes\": %zu, "
		       "\"entries\": %u, \"warnings\": %u, \"tuples\": %u, \"class_bytes\": %zu, "
		       "\"wire_bytes\": %zu, \"parse_ms\": %.3f, \"compile_ms\": %.3f, "
		       "\"wire_ms\": %.3f, \"build_ms\": %.3f, \"check_ms\": %.3f, "
		       "\"lookups\": %lu, \"lookup_mps\": %.4f, \"lookup_ns\": %.1f, "
		       "\"hit_share\": %.3f, \"linear_lookups\": %lu, \"linear_mps\": %.6f, "
		       "\"agree_keys\": %lu, \"mismatches\": %lu}\n",
		       cfg->n_rules, (unsigned long long)cfg->seed,
		       cfg->default_action == FW_PASS ? "pass" : "block", r->text_bytes, r->entries,
		       r->warnings, r->tuples, r->class_bytes, r->wire_bytes, r->parse_ms,
		       r->compile_ms, r->wire_ms, r->build_ms, check_ms, r->lookups,
		       per_s_m(r->lookups, r->lookup_ms),
		       r->lookups ? r->lookup_ms * 1e6 / (double)r->lookups : 0, r->hit_share,
		       r->linear_lookups, per_s_m(r->linear_lookups, r->linear_ms), r->agree_keys,
		       r->mismatches);
		return;
	}
	printf("rules %u (seed %llu): %u entries, %u tuples, %.1f KiB classifier, %u warnings\n",
	       cfg->n_rules, (unsigned long long)cfg->seed, r->entries, r->tuples,
	       (double)r->class_bytes / 1024, r->warnings);
	printf("parse %.2f ms  compile %.2f ms  wire %.2f ms  build %.2f ms  "
	       "(parse+compile+build %.2f ms)\n",
	       r->parse_ms, r->compile_ms, r->wire_ms, r->build_ms, check_ms);
	if (r->lookups)
		printf("classifier: %lu lookups, %.2f M/s, %.1f ns each; %.0f %% hit a rule\n",
		       r->lookups, per_s_m(r->lookups, r->lookup_ms),
		       r->lookup_ms * 1e6 / (double)r->lookups, r->hit_share * 100);
	if (r->linear_lookups)
		printf("linear scan: %lu lookups, %.4f M/s, %.1f us each\n", r->linear_lookups,
		       per_s_m(r->linear_lookups, r->linear_ms),
		       r->linear_ms * 1e3 / (double)r->linear_lookups);
	printf("agreement: %lu keys, %lu mismatches\n", r->agree_keys, r->mismatches);
}

/* ---- options ---- */

static int parse_ulong(const char *opt, const char *s, unsigned long min, unsigned long max,
		       unsigned long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < min || v > max) {
		fprintf(stderr, "rampart-fwbench: --%s: \"%s\" is not a number in %lu..%lu\n", opt,
			s, min, max);
		return -EINVAL;
	}
	*out = (unsigned long)v;
	return 0;
}

/* lan=IF,wan=IF (either or both) */
static int parse_ifaces(const char *s, struct bench_fw_cfg *cfg)
{
	char buf[128], *save = NULL;

	if (strlen(s) >= sizeof(buf))
		goto bad;
	strcpy(buf, s);
	for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		unsigned p;

		if (!eq)
			goto bad;
		*eq = '\0';
		if (!strcmp(item, "lan"))
			p = BENCH_FW_LAN;
		else if (!strcmp(item, "wan"))
			p = BENCH_FW_WAN;
		else
			goto bad;
		if (eq[1] == '\0' || strlen(eq + 1) >= BENCH_FW_IFNAME_MAX || strchr(eq + 1, '"'))
			goto bad;
		strcpy(cfg->ifname[p], eq + 1);
	}
	return 0;
bad:
	fprintf(stderr, "rampart-fwbench: --nft-ifaces: \"%s\" is not lan=IF,wan=IF\n", s);
	return -EINVAL;
}

enum { O_RULES = 256, O_LOOKUPS, O_SEED, O_DEFAULT, O_WRITE, O_NFT, O_IFACES, O_JSON };

static const struct option options[] = {
	{ "rules", 1, NULL, O_RULES },
	{ "lookups", 1, NULL, O_LOOKUPS },
	{ "seed", 1, NULL, O_SEED },
	{ "default", 1, NULL, O_DEFAULT },
	{ "write", 1, NULL, O_WRITE },
	{ "nft", 1, NULL, O_NFT },
	{ "nft-ifaces", 1, NULL, O_IFACES },
	{ "json", 0, NULL, O_JSON },
	{ "help", 0, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_args(int argc, char **argv, struct bench_fw_cfg *cfg)
{
	unsigned long u;
	int opt, rc = 0;

	while (rc == 0 && (opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			exit(0);
		case O_RULES:
			rc = parse_ulong("rules", optarg, 1, FW_MAX_RULES, &u);
			cfg->n_rules = (unsigned)u;
			break;
		case O_LOOKUPS:
			rc = parse_ulong("lookups", optarg, 0, BENCH_FW_MAX_LOOKUPS, &cfg->lookups);
			break;
		case O_SEED:
			rc = parse_ulong("seed", optarg, 0, ~0UL, &u);
			cfg->seed = u;
			break;
		case O_DEFAULT:
			if (!strcmp(optarg, "block")) {
				cfg->default_action = FW_BLOCK;
			} else if (!strcmp(optarg, "pass")) {
				cfg->default_action = FW_PASS;
			} else {
				fprintf(stderr,
					"rampart-fwbench: --default: \"%s\" is not block or pass\n",
					optarg);
				rc = -EINVAL;
			}
			break;
		case O_WRITE:
			cfg->write_path = optarg;
			break;
		case O_NFT:
			cfg->nft_path = optarg;
			break;
		case O_IFACES:
			rc = parse_ifaces(optarg, cfg);
			break;
		case O_JSON:
			cfg->json = true;
			break;
		default:
			rc = -EINVAL;
		}
	}
	if (rc == 0 && optind < argc) {
		fprintf(stderr, "rampart-fwbench: unexpected argument \"%s\"\n", argv[optind]);
		rc = -EINVAL;
	}
	if (rc < 0)
		fprintf(stderr, "Try 'rampart-fwbench --help'.\n");
	return rc;
}

int main(int argc, char **argv)
{
	struct bench_fw_cfg cfg = {
		.n_rules = 100,
		.lookups = BENCH_FW_DEFAULT_LOOKUPS,
		.seed = 1,
		.default_action = FW_BLOCK,
		.ifname = { "lan0", "wan0" },
	};
	struct bench_fw_text text = { 0 }, nft = { 0 };
	struct bench_fw_result res = { 0 };
	struct bench_fw_rule *rules;
	int rc = 1, err;

	if (parse_args(argc, argv, &cfg) < 0)
		return 2;
	rules = calloc(cfg.n_rules, sizeof(*rules));
	if (!rules) {
		fprintf(stderr, "rampart-fwbench: out of memory\n");
		return 1;
	}
	rng_state = cfg.seed;
	make_bases();
	for (unsigned i = 0; i + 1 < cfg.n_rules; i++)
		random_rule(&rules[i]);
	bench_pass_rule(&rules[cfg.n_rules - 1]);

	rules_text(&text, rules, cfg.n_rules, &cfg);
	if (cfg.nft_path)
		rules_nft(&nft, rules, cfg.n_rules, &cfg);
	if (text.failed || nft.failed) {
		fprintf(stderr, "rampart-fwbench: out of memory\n");
		goto out;
	}
	if (cfg.write_path && (err = write_file(cfg.write_path, &text)) < 0) {
		fprintf(stderr, "rampart-fwbench: %s: %s\n", cfg.write_path, strerror(-err));
		goto out;
	}
	if (cfg.nft_path && (err = write_file(cfg.nft_path, &nft)) < 0) {
		fprintf(stderr, "rampart-fwbench: %s: %s\n", cfg.nft_path, strerror(-err));
		goto out;
	}
	if (measure(&cfg, &text, rules, &res) < 0)
		goto out;
	print_result(&cfg, &res);
	rc = res.mismatches ? 1 : 0;
out:
	free(nft.s);
	free(text.s);
	free(rules);
	return rc;
}
