/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * compile.c - from a parsed rule file to the flat entry list the dataplane
 * classifies with: tables, host names and dns-servers are resolved, every
 * list in a rule is expanded (families x protocols x sources x destinations
 * x ports x port directions), rules that can never match and rules shadowed
 * by earlier ones are reported as warnings. Also the wire form of the result
 * and its validation on the receiving side, and the two plain first-match
 * interpreters the classifier is checked against.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw_rules/fw_internal.h"

struct addrs {
	unsigned n, cap;
	struct dp_addr *a;
	bool any;
};

static int addrs_push(struct addrs *s, const struct dp_addr *a)
{
	if (s->n == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 8;
		struct dp_addr *n = realloc(s->a, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->a = n;
		s->cap = cap;
	}
	s->a[s->n++] = *a;
	return 0;
}

static const struct fw_table *table_find(const struct fw_file *f, const char *name)
{
	for (unsigned i = 0; i < f->n_tables; i++)
		if (strcmp(f->tables[i].name, name) == 0)
			return &f->tables[i];
	return NULL;
}

static void host_addrs(const struct fw_env *env, const char *host, const struct dp_addr **a,
		       unsigned *n)
{
	*a = NULL;
	*n = 0;
	if (env && env->resolve && env->resolve(env->resolve_arg, host, a, n) < 0) {
		*a = NULL;
		*n = 0;
	}
	if (!*a)
		*n = 0;
}

static int resolve_one(const struct fw_file *f, const struct fw_env *env, const struct fw_target *t,
		       struct addrs *out, unsigned depth)
{
	const struct dp_addr *a;
	unsigned n;

	switch (t->kind) {
	case FW_T_ADDR:
		return addrs_push(out, &t->addr);
	case FW_T_HOST:
		host_addrs(env, t->name, &a, &n);
		for (unsigned i = 0; i < n; i++)
			if (addrs_push(out, &a[i]) < 0)
				return -ENOMEM;
		return 0;
	case FW_T_DNS:
		for (unsigned i = 0; env && i < env->n_dns; i++)
			if (addrs_push(out, &env->dns[i]) < 0)
				return -ENOMEM;
		return 0;
	case FW_T_TABLE: {
		const struct fw_table *tb = table_find(f, t->name);

		if (!tb || depth)
			return 0;
		for (unsigned i = 0; i < tb->n; i++)
			if (resolve_one(f, env, &tb->items[i], out, depth + 1) < 0)
				return -ENOMEM;
		return 0;
	}
	}
	return 0;
}

static int resolve_side(const struct fw_file *f, const struct fw_env *env,
			const struct fw_target *t, unsigned n, struct addrs *out)
{
	memset(out, 0, sizeof(*out));
	if (!n) {
		out->any = true;
		return 0;
	}
	for (unsigned i = 0; i < n; i++)
		if (resolve_one(f, env, &t[i], out, 0) < 0)
			return -ENOMEM;
	return 0;
}

struct emit {
	struct fw_entry *e;
	size_t n, cap;
};

static int emit_push(struct emit *em, const struct fw_entry *e)
{
	if (em->n == em->cap) {
		size_t cap = em->cap ? em->cap * 2 : 256;
		struct fw_entry *n;

		if (cap > FW_MAX_ENTRIES)
			cap = FW_MAX_ENTRIES;
		if (em->n >= cap)
			return -E2BIG;
		n = realloc(em->e, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		em->e = n;
		em->cap = cap;
	}
	em->e[em->n++] = *e;
	return 0;
}

static bool proto_in_family(uint8_t proto, uint8_t family)
{
	return !((proto == 1 && family == 6) || (proto == 58 && family == 4));
}

/* Expand rule ri; returns entries emitted or a negative errno. */
static long expand_rule(const struct fw_file *f, const struct fw_env *env, unsigned ri,
			struct emit *em)
{
	const struct fw_rule *r = &f->rules[ri];
	struct addrs src, dst;
	size_t before = em->n;
	uint8_t ports[2][2];
	unsigned n_ports = 0;
	long rc = 0;

	if (r->port < 0) {
		ports[n_ports][0] = FW_PORT_ANY;
		ports[n_ports++][1] = FW_PORT_ANY;
	} else {
		if (r->dir != FW_DIR_OUT) {
			ports[n_ports][0] = (uint8_t)r->port;
			ports[n_ports++][1] = FW_PORT_ANY;
		}
		if (r->dir != FW_DIR_IN) {
			ports[n_ports][0] = FW_PORT_ANY;
			ports[n_ports++][1] = (uint8_t)r->port;
		}
	}
	if (resolve_side(f, env, r->src, r->n_src, &src) < 0 ||
	    resolve_side(f, env, r->dst, r->n_dst, &dst) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	for (uint8_t fam = 4; fam <= 6; fam += 2) {
		unsigned ns = src.any ? 1 : src.n, nd = dst.any ? 1 : dst.n;
		unsigned np = r->n_protos ? r->n_protos : 1;

		if (r->family && r->family != fam)
			continue;
		for (unsigned pi = 0; pi < np; pi++) {
			uint8_t proto = r->n_protos ? r->protos[pi] : 0;
			bool l4 = proto == 6 || proto == 17, icmp = proto == 1 || proto == 58;
			unsigned nsp = l4 && r->n_sport ? r->n_sport : 1;
			unsigned ndp = l4 && r->n_dport ? r->n_dport : 1;
			unsigned nic = icmp && r->n_icmp ? r->n_icmp : 1;

			if (!proto_in_family(proto, fam))
				continue;
			for (unsigned s = 0; s < ns; s++) {
				const struct dp_addr *sa = src.any ? NULL : &src.a[s];

				if (sa && sa->family != fam)
					continue;
				for (unsigned d = 0; d < nd; d++) {
					const struct dp_addr *da = dst.any ? NULL : &dst.a[d];

					if (da && da->family != fam)
						continue;
					for (unsigned io = 0; io < n_ports; io++)
						for (unsigned a = 0; a < nsp; a++)
							for (unsigned b = 0; b < ndp; b++)
								for (unsigned c = 0; c < nic; c++) {
									struct fw_entry e = {
										.rule = ri,
										.family = fam,
										.proto = proto,
										.slen = sa ? sa->prefixlen
											   : 0,
										.dlen = da ? da->prefixlen
											   : 0,
										.sport_lo = 0,
										.sport_hi = 65535,
										.dport_lo = 0,
										.dport_hi = 65535,
										.in_port = ports[io]
												[0],
										.out_port =
											ports[io]
											     [1],
									};

									if (sa)
										memcpy(e.src,
										       sa->addr,
										       16);
									if (da)
										memcpy(e.dst,
										       da->addr,
										       16);
									if (l4 && r->n_sport) {
										e.sport_lo =
											r->sport[a]
												.lo;
										e.sport_hi =
											r->sport[a]
												.hi;
									}
									if (l4 && r->n_dport) {
										e.dport_lo =
											r->dport[b]
												.lo;
										e.dport_hi =
											r->dport[b]
												.hi;
									}
									if (icmp && r->n_icmp) {
										const struct fw_icmp *ic =
											&r->icmp[c];

										e.sport_lo = e.sport_hi =
											(uint16_t)ic
												->type;
										if (ic->code >= 0)
											e.dport_lo = e.dport_hi =
												(uint16_t)ic
													->code;
									}
									rc = emit_push(em, &e);
									if (rc < 0)
										goto out;
								}
				}
			}
		}
	}
	rc = (long)(em->n - before);
out:
	free(src.a);
	free(dst.a);
	return rc;
}

static bool range_covers(uint16_t lo, uint16_t hi, uint16_t lo2, uint16_t hi2)
{
	return lo <= lo2 && hi2 <= hi;
}

/* Every packet matching b also matches a. */
static bool entry_covers(const struct fw_entry *a, const struct fw_entry *b)
{
	return a->family == b->family && (a->proto == 0 || a->proto == b->proto) &&
	       a->slen <= b->slen && fw_prefix_has(a->src, a->slen, b->src) && a->dlen <= b->dlen &&
	       fw_prefix_has(a->dst, a->dlen, b->dst) &&
	       range_covers(a->sport_lo, a->sport_hi, b->sport_lo, b->sport_hi) &&
	       range_covers(a->dport_lo, a->dport_hi, b->dport_lo, b->dport_hi) &&
	       (a->in_port == FW_PORT_ANY || a->in_port == b->in_port) &&
	       (a->out_port == FW_PORT_ANY || a->out_port == b->out_port);
}

#define SHADOW_ENTRIES_MAX 4000

static void check_shadowed(const struct fw_file *f, const struct emit *em, const size_t *first,
			   struct fw_diag *diag)
{
	if (f->n_rules > FW_SHADOW_CHECK_MAX || em->n > SHADOW_ENTRIES_MAX)
		return;
	for (unsigned j = 1; j < f->n_rules; j++) {
		size_t b0 = first[j], b1 = first[j + 1];
		unsigned by = 0;
		bool all = b1 > b0;

		for (size_t k = b0; k < b1 && all; k++) {
			bool covered = false;

			for (size_t i = 0; i < b0 && !covered; i++)
				if (entry_covers(&em->e[i], &em->e[k])) {
					covered = true;
					if (!by || f->rules[em->e[i].rule].line < by)
						by = f->rules[em->e[i].rule].line;
				}
			all = covered;
		}
		if (all)
			fw_diag_add(diag, true, f->name, f->rules[j].line, 0,
				    "rule is shadowed by the rule on line %u and never decides",
				    by);
	}
}

int fw_compile(const struct fw_file *f, const struct fw_env *env, struct fw_compiled *out,
	       struct fw_diag *diag)
{
	struct emit em = { 0 };
	size_t *first = NULL;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	first = calloc(f->n_rules + 1, sizeof(*first));
	out->meta = calloc(f->n_rules ? f->n_rules : 1, sizeof(*out->meta));
	if (!first || !out->meta) {
		rc = -ENOMEM;
		goto fail;
	}
	for (unsigned i = 0; i < f->n_rules; i++) {
		const struct fw_rule *r = &f->rules[i];
		long n;

		first[i] = em.n;
		out->meta[i] = (struct fw_rule_meta){
			.action = r->action,
			.flags = r->log ? FW_RULE_F_LOG : 0,
			.line = r->line,
		};
		n = expand_rule(f, env, i, &em);
		if (n == -E2BIG) {
			fw_diag_add(diag, false, f->name, r->line, 0,
				    "the rules expand to more than %u classifier entries",
				    FW_MAX_ENTRIES);
			rc = -E2BIG;
			goto fail;
		}
		if (n < 0) {
			fw_diag_add(diag, false, f->name, r->line, 0, "out of memory");
			rc = (int)n;
			goto fail;
		}
		if (n == 0)
			fw_diag_add(
				diag, true, f->name, r->line, 0,
				"rule can never match (no address of a family its protocols and "
				"the other side allow%s)",
				(r->n_src || r->n_dst) ? ", or a name or table that is empty" : "");
	}
	first[f->n_rules] = em.n;
	check_shadowed(f, &em, first, diag);
	out->hdr = (struct fw_wire_hdr){
		.magic = FW_WIRE_MAGIC,
		.n_rules = f->n_rules,
		.n_entries = (uint32_t)em.n,
		.default_action = f->default_action,
		.flags = f->keep_flows ? FW_WIRE_F_KEEP_FLOWS : 0,
		.n_ports = (uint16_t)(env ? env->n_ports : 0),
		.log_rate = f->log_rate,
	};
	memcpy(out->hdr.timeouts, f->timeouts, sizeof(out->hdr.timeouts));
	out->entries = em.e;
	free(first);
	return 0;
fail:
	free(first);
	free(em.e);
	free(out->meta);
	memset(out, 0, sizeof(*out));
	return rc;
}

void fw_compiled_free(struct fw_compiled *c)
{
	free(c->meta);
	free(c->entries);
	memset(c, 0, sizeof(*c));
}

int fw_wire_encode(const struct fw_compiled *c, void **buf, size_t *len)
{
	size_t mlen = (size_t)c->hdr.n_rules * sizeof(struct fw_rule_meta);
	size_t elen = (size_t)c->hdr.n_entries * sizeof(struct fw_entry);
	uint8_t *b = malloc(sizeof(c->hdr) + mlen + elen);

	if (!b)
		return -ENOMEM;
	memcpy(b, &c->hdr, sizeof(c->hdr));
	if (mlen)
		memcpy(b + sizeof(c->hdr), c->meta, mlen);
	if (elen)
		memcpy(b + sizeof(c->hdr) + mlen, c->entries, elen);
	*buf = b;
	*len = sizeof(c->hdr) + mlen + elen;
	return 0;
}

static bool host_bits_zero(const uint8_t a[16], unsigned len)
{
	uint8_t m[16];

	fw_mask(m, a, len);
	return memcmp(m, a, 16) == 0;
}

#define BAD(...)                                    \
	do {                                        \
		snprintf(err, errlen, __VA_ARGS__); \
		return -EINVAL;                     \
	} while (0)

int fw_wire_decode(const void *buf, size_t len, struct fw_compiled *view, char *err, size_t errlen)
{
	const struct fw_wire_hdr *h = buf;
	size_t need;

	memset(view, 0, sizeof(*view));
	if (len < sizeof(*h))
		BAD("rules: %zu bytes, shorter than the header", len);
	if (h->magic != FW_WIRE_MAGIC)
		BAD("rules: bad magic %#x", h->magic);
	if (h->n_rules > FW_MAX_RULES || h->n_entries > FW_MAX_ENTRIES)
		BAD("rules: %u rules, %u entries: over the limits", h->n_rules, h->n_entries);
	need = sizeof(*h) + (size_t)h->n_rules * sizeof(struct fw_rule_meta) +
	       (size_t)h->n_entries * sizeof(struct fw_entry);
	if (len != need)
		BAD("rules: %zu bytes where the counts say %zu", len, need);
	if (h->default_action > FW_REJECT || (h->flags & ~FW_WIRE_F_KEEP_FLOWS))
		BAD("rules: bad default action or flags");
	if (h->n_ports > DP_MAX_PORTS || h->log_rate > 100000)
		BAD("rules: bad port count or log rate");
	for (int i = 0; i < FW_TO_MAX; i++)
		if (h->timeouts[i] == 0 || h->timeouts[i] > 30 * 86400)
			BAD("rules: timeout %s out of range", fw_timeout_names[i]);
	view->hdr = *h;
	view->meta = (struct fw_rule_meta *)(h + 1);
	view->entries = (struct fw_entry *)(view->meta + h->n_rules);
	for (uint32_t i = 0; i < h->n_rules; i++)
		if (view->meta[i].action > FW_REJECT || (view->meta[i].flags & ~FW_RULE_F_LOG))
			BAD("rules: rule %u: bad action or flags", i);
	for (uint32_t i = 0; i < h->n_entries; i++) {
		const struct fw_entry *e = &view->entries[i];
		unsigned max = e->family == 4 ? 32 : 128;

		if (e->rule >= h->n_rules || (i && e->rule < view->entries[i - 1].rule))
			BAD("rules: entry %u: rule index %u out of order or range", i, e->rule);
		if ((e->family != 4 && e->family != 6) || e->slen > max || e->dlen > max)
			BAD("rules: entry %u: bad family or prefix length", i);
		if (!host_bits_zero(e->src, e->slen) || !host_bits_zero(e->dst, e->dlen) ||
		    (e->family == 4 &&
		     (!host_bits_zero(e->src, 32) || !host_bits_zero(e->dst, 32))))
			BAD("rules: entry %u: address bits beyond the prefix", i);
		if (e->sport_lo > e->sport_hi || e->dport_lo > e->dport_hi)
			BAD("rules: entry %u: empty port range", i);
		if ((e->in_port != FW_PORT_ANY && e->in_port >= h->n_ports) ||
		    (e->out_port != FW_PORT_ANY && e->out_port >= h->n_ports))
			BAD("rules: entry %u: port index out of range", i);
	}
	return 0;
}

static bool entry_match(const struct fw_entry *e, const struct fw_key *k)
{
	return e->family == k->family && (e->proto == 0 || e->proto == k->proto) &&
	       fw_prefix_has(e->src, e->slen, k->src) && fw_prefix_has(e->dst, e->dlen, k->dst) &&
	       k->sport >= e->sport_lo && k->sport <= e->sport_hi && k->dport >= e->dport_lo &&
	       k->dport <= e->dport_hi && (e->in_port == FW_PORT_ANY || e->in_port == k->in_port) &&
	       (e->out_port == FW_PORT_ANY || e->out_port == k->out_port);
}

uint32_t fw_eval_entries_linear(const struct fw_compiled *c, const struct fw_key *k)
{
	for (uint32_t i = 0; i < c->hdr.n_entries; i++)
		if (entry_match(&c->entries[i], k))
			return c->entries[i].rule;
	return c->hdr.n_rules;
}

/* ---- the reference interpreter: rules as written, no expansion ---- */

static bool addr_hits(const struct dp_addr *a, const struct fw_key *k, const uint8_t *ip)
{
	return a->family == k->family && fw_prefix_has(a->addr, a->prefixlen, ip);
}

static bool target_hits(const struct fw_file *f, const struct fw_env *env,
			const struct fw_target *t, const struct fw_key *k, const uint8_t *ip,
			unsigned depth)
{
	const struct dp_addr *a;
	unsigned n;

	switch (t->kind) {
	case FW_T_ADDR:
		return addr_hits(&t->addr, k, ip);
	case FW_T_HOST:
		host_addrs(env, t->name, &a, &n);
		for (unsigned i = 0; i < n; i++)
			if (addr_hits(&a[i], k, ip))
				return true;
		return false;
	case FW_T_DNS:
		for (unsigned i = 0; env && i < env->n_dns; i++)
			if (addr_hits(&env->dns[i], k, ip))
				return true;
		return false;
	case FW_T_TABLE: {
		const struct fw_table *tb = table_find(f, t->name);

		for (unsigned i = 0; tb && !depth && i < tb->n; i++)
			if (target_hits(f, env, &tb->items[i], k, ip, depth + 1))
				return true;
		return false;
	}
	}
	return false;
}

static bool side_hits(const struct fw_file *f, const struct fw_env *env, const struct fw_target *t,
		      unsigned n, const struct fw_key *k, const uint8_t *ip)
{
	if (!n)
		return true;
	for (unsigned i = 0; i < n; i++)
		if (target_hits(f, env, &t[i], k, ip, 0))
			return true;
	return false;
}

static bool ranges_hit(const struct fw_range *r, unsigned n, uint16_t v)
{
	if (!n)
		return true;
	for (unsigned i = 0; i < n; i++)
		if (v >= r[i].lo && v <= r[i].hi)
			return true;
	return false;
}

static bool rule_hits(const struct fw_file *f, const struct fw_env *env, const struct fw_rule *r,
		      const struct fw_key *k)
{
	bool proto_ok = !r->n_protos;

	if (r->family && r->family != k->family)
		return false;
	/* icmp rules exist in IPv4 only, icmpv6 rules in IPv6 only */
	for (unsigned i = 0; i < r->n_protos; i++)
		if (r->protos[i] == k->proto && proto_in_family(k->proto, k->family))
			proto_ok = true;
	if (!proto_ok)
		return false;
	if (r->port >= 0) {
		bool in = k->in_port == r->port, out = k->out_port == r->port;

		if ((r->dir == FW_DIR_IN && !in) || (r->dir == FW_DIR_OUT && !out) ||
		    (r->dir == FW_DIR_ANY && !in && !out))
			return false;
	}
	if (!side_hits(f, env, r->src, r->n_src, k, k->src) ||
	    !side_hits(f, env, r->dst, r->n_dst, k, k->dst))
		return false;
	if (k->proto == 6 || k->proto == 17) {
		if (!ranges_hit(r->sport, r->n_sport, k->sport) ||
		    !ranges_hit(r->dport, r->n_dport, k->dport))
			return false;
	}
	if ((k->proto == 1 || k->proto == 58) && r->n_icmp) {
		bool hit = false;

		for (unsigned i = 0; i < r->n_icmp; i++)
			if (r->icmp[i].type == k->sport &&
			    (r->icmp[i].code < 0 || r->icmp[i].code == k->dport))
				hit = true;
		if (!hit)
			return false;
	}
	return true;
}

uint32_t fw_eval_linear(const struct fw_file *f, const struct fw_env *env, const struct fw_key *k)
{
	for (uint32_t i = 0; i < f->n_rules; i++)
		if (rule_hits(f, env, &f->rules[i], k))
			return i;
	return f->n_rules;
}
