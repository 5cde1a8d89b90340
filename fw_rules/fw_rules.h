/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fw_rules.h - the firewall's rule language and its classifier.
 *
 * ctrl parses a rule file (fw_parse), resolves its names against the
 * configuration and the resolver (fw_compile) into a flat list of classifier
 * entries, checks it, and sends it to the dataplane as one wire object
 * (fw_wire_encode). The dataplane validates the object (fw_wire_decode) and
 * builds the classifier the workers query (fw_class_build, fw_class_lookup),
 * off the packet path, then swaps it in by RCU. fw_eval_linear is the plain
 * first-match interpreter of the same rules the classifier is tested against.
 *
 * Plain C, no DPDK: the CLI, ctrl, the dataplane, the tests and the fuzzers
 * all link it. The language is described in docs/firewall.md.
 */
#ifndef RAMPART_FW_RULES_H
#define RAMPART_FW_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/dataplane.h"

#define FW_MAX_RULES	    200000
#define FW_MAX_ENTRIES	    (2u << 20) /* after tables and lists are expanded */
#define FW_MAX_TABLES	    1024
#define FW_MAX_TABLE_ITEMS  65536
#define FW_NAME_MAX	    33 /* table names, including the NUL */
#define FW_HOST_MAX	    254
#define FW_LIST_MAX	    256 /* items in one { } list in a rule */
#define FW_PORT_ANY	    0xff
#define FW_SHADOW_CHECK_MAX 2000 /* shadowing is analysed up to this many rules */
#define FW_LINEAR_MAX	    512	 /* entries: up to this many, a first-match scan */

enum fw_action { FW_PASS = 0, FW_BLOCK, FW_REJECT, FW_NAT, FW_RDR };
#define FW_MAX_NAT_RULES 1024
#define FW_NAT_ADDRS_MAX 8 /* addresses of one nat rule's pool */
/* The pool of a nat rule to a port without its address yet (fw_env's
 * dyn_ports): the rule has no entries, so nothing is translated to it. */
#define FW_NAT_ADDR_WAITING 0xffffffffu
enum fw_dir { FW_DIR_ANY = 0, FW_DIR_IN, FW_DIR_OUT };

/* Flow timeouts the rule file may set ("set timeout tcp.established 7440"). */
#define FW_TIMEOUTS(X)                                                   \
	X(tcp_opening, "tcp.opening", 30, "TCP handshake not completed") \
	X(tcp_established, "tcp.established", 7440, "TCP established")   \
	X(tcp_closing, "tcp.closing", 240, "TCP after the first FIN")    \
	X(tcp_closed, "tcp.closed", 10, "TCP after RST or both FINs")    \
	X(udp, "udp", 120, "UDP, one direction seen")                    \
	X(udp_stream, "udp.stream", 180, "UDP, both directions seen")    \
	X(icmp, "icmp", 60, "ICMP and ICMPv6 echo")                      \
	X(other, "other", 60, "other protocols")                          \
	X(nat_mapping, "nat.mapping", 30, "NAT mapping no connection uses any more") \
	X(fragment, "fragment", 10, "IPv4 fragments after the first")

enum fw_timeout {
#define FW_TO_ENUM(id, name, def, help) FW_TO_##id,
	FW_TIMEOUTS(FW_TO_ENUM)
#undef FW_TO_ENUM
		FW_TO_MAX
};
extern const char *const fw_timeout_names[FW_TO_MAX];
extern const uint32_t fw_timeout_defaults[FW_TO_MAX];

/* ---- the parsed file ---- */

enum fw_target_kind {
	FW_T_ADDR = 1, /* a prefix */
	FW_T_TABLE,    /* <name> */
	FW_T_HOST,     /* host example.org */
	FW_T_DNS,      /* dns-servers */
};

struct fw_target {
	uint8_t kind;
	struct dp_addr addr;	/* FW_T_ADDR */
	char name[FW_HOST_MAX]; /* FW_T_TABLE, FW_T_HOST */
	unsigned line, col;
};

struct fw_range {
	uint16_t lo, hi;
};

struct fw_icmp {
	int16_t type; /* -1: any */
	int16_t code; /* -1: any */
};

struct fw_rule {
	uint8_t action;
	uint8_t dir;
	bool log;
	uint8_t family; /* 0, 4 (inet) or 6 (inet6) */
	int16_t port;	/* config port index, -1: any */
	unsigned n_protos;
	uint8_t protos[8]; /* none: any */
	unsigned n_src, n_dst;
	struct fw_target *src, *dst; /* none: any */
	unsigned n_sport, n_dport;
	struct fw_range *sport, *dport; /* none: any */
	unsigned n_icmp;
	struct fw_icmp *icmp; /* none: any */
	/* nat and rdr: what follows "->": addresses (nat: the pool; rdr: the
	 * target), or a port whose IPv4 address is the pool; rdr: the target port
	 * (0: the packet's) */
	unsigned n_to;
	struct fw_target *to;
	int16_t to_port_of; /* -1: none */
	uint16_t to_port;
	unsigned line;
	char *text; /* the rule as written, trimmed */
};

struct fw_table {
	char name[FW_NAME_MAX];
	unsigned n;
	struct fw_target *items; /* FW_T_ADDR or FW_T_HOST */
	unsigned line;
	bool used;
};

struct fw_file {
	char name[256]; /* for messages */
	uint8_t default_action;
	bool keep_flows;   /* "set flows keep": a push keeps every existing flow */
	uint32_t log_rate; /* log records per second per lcore */
	uint32_t timeouts[FW_TO_MAX];
	unsigned n_rules;
	struct fw_rule *rules;
	unsigned n_nat; /* nat and rdr rules, in file order */
	struct fw_rule *nat;
	bool nat_eif;		 /* "set nat filtering endpoint-independent" */
	uint32_t nat_host_limit; /* mappings one inside host may hold */
	unsigned n_tables;
	struct fw_table *tables;
};

/* Messages: "file:line:col: message", one per line, in order. */
struct fw_diag {
	unsigned n_errors, n_warnings;
	char *errors;	/* malloc'd text, NULL when none */
	char *warnings; /* malloc'd text, NULL when none */
};
void fw_diag_free(struct fw_diag *d);

/* What the rule file may refer to besides itself. */
struct fw_env {
	unsigned n_ports;
	const char (*ports)[DP_PORT_NAME_MAX]; /* config port names, by index */
	unsigned n_dns;
	const struct dp_addr *dns; /* the "dns-servers" target */
	/* Addresses of a host name; NULL or *n == 0: not known (yet). */
	int (*resolve)(void *arg, const char *host, const struct dp_addr **addrs, unsigned *n);
	void *resolve_arg;
	/* By port index: the port's first IPv4 address (network order), 0: none
	 * ("nat ... -> wan"); NULL: not known. */
	const uint32_t *port_ip4;
	/* Bit i: port i's address comes and goes (the VPN client's tunnel, its
	 * pushed address): a nat rule to it without one matches nothing yet. */
	uint32_t dyn_ports;
};

/* Parse text (len bytes; name is for messages). Every error is reported, each
 * with its place; on any error returns -EINVAL and *out holds nothing. Port
 * names are checked against env. */
int fw_parse(const char *name, const char *text, size_t len, const struct fw_env *env,
	     struct fw_file *out, struct fw_diag *diag);
void fw_file_free(struct fw_file *f);

/* Every "host" name the file refers to (rules and tables), each once:
 * calls fn for each. */
void fw_file_hosts(const struct fw_file *f, void (*fn)(void *arg, const char *host), void *arg);

/* The rule in canonical form (for show and diff); returns buf. */
char *fw_rule_format(const struct fw_file *f, const struct fw_rule *r, const struct fw_env *env,
		     char *buf, size_t len);

/* ---- compiled: what the dataplane receives ---- */

/* One classifier entry: a rule with every list expanded. For ICMP the "ports"
 * are the ICMP type (sport) and code (dport); for other protocols than TCP,
 * UDP and ICMP they are 0. */
struct fw_entry {
	uint32_t rule; /* the rule's index: lower is earlier, wins */
	uint8_t family;
	uint8_t proto; /* 0: any */
	uint8_t slen, dlen;
	uint8_t src[16], dst[16];
	uint16_t sport_lo, sport_hi;
	uint16_t dport_lo, dport_hi;
	uint8_t in_port, out_port; /* FW_PORT_ANY: any */
	uint8_t pad[2];
};

#define FW_RULE_F_LOG 0x1u

struct fw_rule_meta {
	uint8_t action;
	uint8_t flags; /* FW_RULE_F_* */
	uint16_t pad;
	uint32_t line;
};

/* A nat or rdr rule as the dataplane needs it. Its entries (in the NAT
 * classifier) carry its match: nat rules "out on" their port, rdr rules on
 * any input port (so that inside hosts reach a forwarded port too:
 * hairpinning). */
struct fw_nat_meta {
	uint8_t kind;	  /* FW_NAT or FW_RDR */
	uint8_t port;	  /* the port of the public side (config index) */
	uint8_t n_addrs;  /* nat: the pool, 1..FW_NAT_ADDRS_MAX; rdr: 1, the target */
	uint8_t flags;	  /* FW_RULE_F_LOG */
	uint16_t to_port; /* rdr: the target port, 0: the packet's own */
	uint16_t from_lo; /* rdr with to_port: the rule's first port, for ranges */
	uint32_t line;
	uint32_t addrs[FW_NAT_ADDRS_MAX]; /* network order */
};

#define FW_WIRE_MAGIC	     0x46575232u /* "FWR2" */
#define FW_WIRE_F_KEEP_FLOWS 0x1u
#define FW_WIRE_F_NAT_EIF    0x2u /* NAT filtering endpoint-independent */

/* The DP_MSG_RULES payload: this header, n_rules fw_rule_meta, n_entries
 * fw_entry, n_nat fw_nat_meta, then n_nat_entries fw_entry. */
struct fw_wire_hdr {
	uint32_t magic;
	uint32_t n_rules;
	uint32_t n_entries;
	uint8_t default_action;
	uint8_t flags; /* FW_WIRE_F_* */
	uint16_t n_ports;
	uint32_t log_rate;
	uint32_t timeouts[FW_TO_MAX];
	uint32_t n_nat;
	uint32_t n_nat_entries;
	uint32_t nat_host_limit;
};

struct fw_compiled {
	struct fw_wire_hdr hdr;
	struct fw_rule_meta *meta;
	struct fw_entry *entries;
	struct fw_nat_meta *nat_meta;
	struct fw_entry *nat_entries;
};

/* The NAT rules as a classifier input of their own (entries' rule: the nat
 * rule's index). */
static inline struct fw_compiled fw_nat_view(const struct fw_compiled *c)
{
	struct fw_compiled v = { .hdr = c->hdr, .entries = c->nat_entries };

	v.hdr.n_rules = c->hdr.n_nat;
	v.hdr.n_entries = c->hdr.n_nat_entries;
	return v;
}

/* Resolve tables, host names and dns-servers and expand every rule into
 * entries; warns about rules that can never match and rules shadowed by an
 * earlier one. Returns 0 or -EINVAL/-E2BIG (errors in diag). */
int fw_compile(const struct fw_file *f, const struct fw_env *env, struct fw_compiled *out,
	       struct fw_diag *diag);
void fw_compiled_free(struct fw_compiled *c);

/* Encode to one malloc'd buffer; decode validates a received one (counts
 * against the length, families, prefix lengths, ranges, rule indexes, port
 * indexes) and points into it without copying. */
int fw_wire_encode(const struct fw_compiled *c, void **buf, size_t *len);
int fw_wire_decode(const void *buf, size_t len, struct fw_compiled *view, char *err, size_t errlen);

/* ---- matching ---- */

/* What a packet offers the classifier. ICMP: sport = type, dport = code. */
struct fw_key {
	uint8_t family;
	uint8_t proto;
	uint8_t in_port, out_port; /* config port indexes */
	uint16_t sport, dport;
	uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes, rest zero */
};

/* The index of the first entry-rule matching k, or n_rules (the default). */
uint32_t fw_eval_entries_linear(const struct fw_compiled *c, const struct fw_key *k);
/* The same question answered from the parsed file and the environment,
 * straight from the rule semantics: the reference for the classifier. */
uint32_t fw_eval_linear(const struct fw_file *f, const struct fw_env *env, const struct fw_key *k);

/* The workers' classifier: a first-match scan up to FW_LINEAR_MAX entries,
 * tuple-space search over rounded prefix lengths above. */
struct fw_class;
int fw_class_build(const struct fw_compiled *c, struct fw_class **out);
/* The same with another threshold (0: always tuple-space; the tests). */
int fw_class_build_with(const struct fw_compiled *c, uint32_t linear_max, struct fw_class **out);
void fw_class_free(struct fw_class *cl);
uint32_t fw_class_lookup(const struct fw_class *cl, const struct fw_key *k);
/* Tuples (hash tables) and memory, for stats. */
void fw_class_info(const struct fw_class *cl, unsigned *n_tuples, size_t *bytes);

/* ICMP type names ("echo-request") for family 4 or 6; -1 when unknown. */
int fw_icmp_type_by_name(uint8_t family, const char *name);
const char *fw_action_name(uint8_t action);

#endif /* RAMPART_FW_RULES_H */
