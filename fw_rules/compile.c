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

/* Expand rule r (index ri); rdr rules match on any input port and default
 * their destination to the port's address (dst_default). Returns entries
 * emitted or a negative errno. */
static long expand_rule(const struct fw_file *f, const struct fw_env *env, const struct fw_rule *r,
			unsigned ri, const struct dp_addr *dst_default, struct emit *em)
{
	struct addrs src, dst;
	size_t before = em->n;
	uint8_t ports[2][2];
	unsigned n_ports = 0;
	long rc = 0;

	if (r->port < 0 || r->action == FW_RDR) {
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
	    resolve_side(f, env, r->dst, r->n_dst, &dst) < 0 ||
	    (dst_default && !r->n_dst && (dst.any = false, addrs_push(&dst, dst_default) < 0))) {
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

static uint32_t port_ip4(const struct fw_env *env, int port)
{
	return env && env->port_ip4 && port >= 0 && (unsigned)port < env->n_ports
		       ? env->port_ip4[port]
		       : 0;
}

/* The nat and rdr rules: their metadata and their own classifier entries
 * (out->nat_meta, out->nat_entries, out->hdr.n_nat_entries). */
static int compile_nat(const struct fw_file *f, const struct fw_env *env, struct fw_compiled *out,
		       struct fw_diag *diag)
{
	struct emit em = { 0 };

	out->nat_meta = calloc(f->n_nat ? f->n_nat : 1, sizeof(*out->nat_meta));
	if (!out->nat_meta)
		return -ENOMEM;
	for (unsigned i = 0; i < f->n_nat; i++) {
		const struct fw_rule *r = &f->nat[i];
		struct fw_nat_meta *m = &out->nat_meta[i];
		struct dp_addr own = { .family = 4, .prefixlen = 32 };
		uint32_t a = port_ip4(env, r->port);
		long n;

		*m = (struct fw_nat_meta){
			.kind = r->action,
			.port = (uint8_t)r->port,
			.flags = r->log ? FW_RULE_F_LOG : 0,
			.to_port = r->to_port,
			.from_lo = r->n_dport ? r->dport[0].lo : 0,
			.line = r->line,
		};
		if (r->to_port_of >= 0) {
			m->addrs[m->n_addrs] = port_ip4(env, r->to_port_of);
			if (!m->addrs[m->n_addrs] && env && r->to_port_of < 32 &&
			    (env->dyn_ports & (1u << r->to_port_of))) {
				/* not yet: no entries, so the placeholder is never used */
				fw_diag_add(diag, true, f->name, r->line, 0,
					    "port %s has no IPv4 address yet: the rule matches "
					    "nothing until it has one",
					    env->ports[r->to_port_of]);
				m->addrs[m->n_addrs++] = FW_NAT_ADDR_WAITING;
				continue;
			}
			if (!m->addrs[m->n_addrs]) {
				fw_diag_add(diag, false, f->name, r->line, 0,
					    "port %s has no IPv4 address to translate to",
					    env->ports[r->to_port_of]);
				free(em.e);
				return -EINVAL;
			}
			m->n_addrs++;
		}
		for (unsigned k = 0; k < r->n_to; k++)
			memcpy(&m->addrs[m->n_addrs++], r->to[k].addr.addr, 4);
		if (r->action == FW_RDR && !r->n_dst) {
			if (!a) {
				fw_diag_add(diag, false, f->name, r->line, 0,
					    "port %s has no IPv4 address to forward",
					    env->ports[r->port]);
				free(em.e);
				return -EINVAL;
			}
			memcpy(own.addr, &a, 4);
		}
		n = expand_rule(f, env, r, i, r->action == FW_RDR && !r->n_dst ? &own : NULL, &em);
		if (n < 0) {
			fw_diag_add(diag, false, f->name, r->line, 0, "%s",
				    n == -E2BIG ? "too many NAT classifier entries" : "out of memory");
			free(em.e);
			return (int)n;
		}
		if (n == 0)
			fw_diag_add(diag, true, f->name, r->line, 0,
				    "%s rule can never match (a name or table that is empty?)",
				    fw_action_name(r->action));
	}
	out->nat_entries = em.e;
	out->hdr.n_nat_entries = (uint32_t)em.n;
	return 0;
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
		n = expand_rule(f, env, r, i, NULL, &em);
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
	rc = compile_nat(f, env, out, diag);
	if (rc < 0)
		goto fail;
	out->hdr = (struct fw_wire_hdr){
		.magic = FW_WIRE_MAGIC,
		.n_rules = f->n_rules,
		.n_entries = (uint32_t)em.n,
		.default_action = f->default_action,
		.flags = f->keep_flows ? FW_WIRE_F_KEEP_FLOWS : 0,
		.n_ports = (uint16_t)(env ? env->n_ports : 0),
		.log_rate = f->log_rate,
		.n_nat = f->n_nat,
		.n_nat_entries = out->hdr.n_nat_entries,
		.nat_host_limit = f->nat_host_limit,
	};
	if (f->nat_eif)
		out->hdr.flags |= FW_WIRE_F_NAT_EIF;
	memcpy(out->hdr.timeouts, f->timeouts, sizeof(out->hdr.timeouts));
	out->entries = em.e;
	free(first);
	return 0;
fail:
	free(first);
	free(em.e);
	free(out->meta);
	free(out->nat_meta);
	free(out->nat_entries);
	memset(out, 0, sizeof(*out));
	return rc;
}

void fw_compiled_free(struct fw_compiled *c)
{
	free(c->meta);
	free(c->entries);
	free(c->nat_meta);
	free(c->nat_entries);
	memset(c, 0, sizeof(*c));
}

int fw_wire_encode(const struct fw_compiled *c, void **buf, size_t *len)
{
	size_t mlen = (size_t)c->hdr.n_rules * sizeof(struct fw_rule_meta);
	size_t elen = (size_t)c->hdr.n_entries * sizeof(struct fw_entry);
	size_t nmlen = (size_t)c->hdr.n_nat * sizeof(struct fw_nat_meta);
	size_t nelen = (size_t)c->hdr.n_nat_entries * sizeof(struct fw_entry);
	uint8_t *b = malloc(sizeof(c->hdr) + mlen + elen + nmlen + nelen), *o;

	if (!b)
		return -ENOMEM;
	memcpy(b, &c->hdr, sizeof(c->hdr));
	o = b + sizeof(c->hdr);
	if (mlen)
		memcpy(o, c->meta, mlen);
	o += mlen;
	if (elen)
		memcpy(o, c->entries, elen);
	o += elen;
	if (nmlen)
		memcpy(o, c->nat_meta, nmlen);
	o += nmlen;
	if (nelen)
		memcpy(o, c->nat_entries, nelen);
	*buf = b;
	*len = sizeof(c->hdr) + mlen + elen + nmlen + nelen;
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
	if (h->n_rules > FW_MAX_RULES || h->n_entries > FW_MAX_ENTRIES ||
	    h->n_nat > FW_MAX_NAT_RULES || h->n_nat_entries > FW_MAX_ENTRIES)
		BAD("rules: %u rules, %u entries, %u nat rules, %u nat entries: over the limits",
		    h->n_rules, h->n_entries, h->n_nat, h->n_nat_entries);
	need = sizeof(*h) + (size_t)h->n_rules * sizeof(struct fw_rule_meta) +
	       (size_t)h->n_entries * sizeof(struct fw_entry) +
	       (size_t)h->n_nat * sizeof(struct fw_nat_meta) +
	       (size_t)h->n_nat_entries * sizeof(struct fw_entry);
	if (len != need)
		BAD("rules: %zu bytes where the counts say %zu", len, need);
	if (h->default_action > FW_REJECT ||
	    (h->flags & ~(FW_WIRE_F_KEEP_FLOWS | FW_WIRE_F_NAT_EIF)))
		BAD("rules: bad default action or flags");
	if (h->n_ports > DP_MAX_PORTS || h->log_rate > 100000)
		BAD("rules: bad port count or log rate");
	for (int i = 0; i < FW_TO_MAX; i++)
		if (h->timeouts[i] == 0 || h->timeouts[i] > 30 * 86400)
			BAD("rules: timeout %s out of range", fw_timeout_names[i]);
	if (h->nat_host_limit == 0 || h->nat_host_limit > 65535)
		BAD("rules: bad nat host limit %u", h->nat_host_limit);
	view->hdr = *h;
	view->meta = (struct fw_rule_meta *)(h + 1);
	view->entries = (struct fw_entry *)(view->meta + h->n_rules);
	view->nat_meta = (struct fw_nat_meta *)(view->entries + h->n_entries);
	view->nat_entries = (struct fw_entry *)(view->nat_meta + h->n_nat);
	for (uint32_t i = 0; i < h->n_nat; i++) {
		const struct fw_nat_meta *m = &view->nat_meta[i];

		if ((m->kind != FW_NAT && m->kind != FW_RDR) || m->port >= h->n_ports ||
		    (m->flags & ~FW_RULE_F_LOG) || m->n_addrs == 0 ||
		    m->n_addrs > FW_NAT_ADDRS_MAX || (m->kind == FW_RDR && m->n_addrs != 1))
			BAD("rules: nat rule %u: bad kind, port, flags or address count", i);
		for (unsigned k = 0; k < m->n_addrs; k++)
			if (m->addrs[k] == 0)
				BAD("rules: nat rule %u: address 0.0.0.0", i);
	}
	for (uint32_t i = 0; i < h->n_nat_entries; i++) {
		const struct fw_entry *e = &view->nat_entries[i];

		if (e->rule >= h->n_nat || (i && e->rule < view->nat_entries[i - 1].rule))
			BAD("rules: nat entry %u: rule index %u out of order or range", i, e->rule);
		if (e->family != 4 || e->slen > 32 || e->dlen > 32 ||
		    !host_bits_zero(e->src, e->slen) || !host_bits_zero(e->dst, e->dlen) ||
		    !host_bits_zero(e->src, 32) || !host_bits_zero(e->dst, 32))
			BAD("rules: nat entry %u: not IPv4 or address bits beyond the prefix", i);
		if (e->sport_lo > e->sport_hi || e->dport_lo > e->dport_hi)
			BAD("rules: nat entry %u: empty port range", i);
		if ((e->in_port != FW_PORT_ANY && e->in_port >= h->n_ports) ||
		    (e->out_port != FW_PORT_ANY && e->out_port >= h->n_ports))
			BAD("rules: nat entry %u: port index out of range", i);
		if (view->nat_meta[e->rule].kind == FW_RDR &&
		    (e->dlen != 32 || (e->proto != 6 && e->proto != 17)))
			BAD("rules: nat entry %u: rdr entry without one address or tcp/udp", i);
	}
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
