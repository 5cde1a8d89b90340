/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * parse.c - the rule language: tokenizer and parser from text to struct
 * fw_file. One statement per line ("set", "table" or a rule); a { } list may
 * span lines. Every error is reported with file:line:col and parsing goes on
 * at the next statement, so one run shows them all. docs/firewall.md is the
 * user's description of the same grammar.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw_rules/fw_internal.h"

const char *const fw_timeout_names[FW_TO_MAX] = {
#define FW_TO_NAME(id, name, def, help) name,
	FW_TIMEOUTS(FW_TO_NAME)
#undef FW_TO_NAME
};
const uint32_t fw_timeout_defaults[FW_TO_MAX] = {
#define FW_TO_DEF(id, name, def, help) def,
	FW_TIMEOUTS(FW_TO_DEF)
#undef FW_TO_DEF
};

enum tok_type { T_WORD = 1, T_LBRACE, T_RBRACE, T_COMMA, T_TABLE, T_ARROW, T_NL, T_END };

struct tok {
	uint8_t type;
	unsigned line, col;
	size_t off, len; /* in the text; T_TABLE: the name inside < > */
};

struct parser {
	const char *name;
	const char *text;
	size_t len;
	struct tok *toks;
	size_t n_toks, cap, pos;
	const struct fw_env *env;
	struct fw_file *f;
	struct fw_diag *diag;
	bool failed;
};

void fw_diag_add(struct fw_diag *d, bool warning, const char *file, unsigned line, unsigned col,
		 const char *fmt, ...)
{
	char msg[512], head[320];
	char **buf = warning ? &d->warnings : &d->errors;
	size_t old = *buf ? strlen(*buf) : 0, add;
	va_list ap;
	char *n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (col)
		snprintf(head, sizeof(head), "%s:%u:%u: ", file, line, col);
	else if (line)
		snprintf(head, sizeof(head), "%s:%u: ", file, line);
	else
		snprintf(head, sizeof(head), "%s: ", file);
	add = strlen(head) + strlen(msg) + 2;
	n = realloc(*buf, old + add);
	if (!n)
		return;
	snprintf(n + old, add, "%s%s\n", head, msg);
	*buf = n;
	if (warning)
		d->n_warnings++;
	else
		d->n_errors++;
}

void fw_diag_free(struct fw_diag *d)
{
	free(d->errors);
	free(d->warnings);
	memset(d, 0, sizeof(*d));
}

static void err_at(struct parser *p, const struct tok *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void err_at(struct parser *p, const struct tok *t, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fw_diag_add(p->diag, false, p->name, t->line, t->col, "%s", msg);
	p->failed = true;
}

static int push_tok(struct parser *p, uint8_t type, unsigned line, unsigned col, size_t off,
		    size_t len)
{
	if (p->n_toks == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		struct tok *n = realloc(p->toks, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->toks = n;
		p->cap = cap;
	}
	p->toks[p->n_toks++] = (struct tok){ type, line, col, off, len };
	return 0;
}

static bool word_char(char c)
{
	return c > ' ' && c != '{' && c != '}' && c != ',' && c != '<' && c != '>' && c != '#' &&
	       c != 0x7f;
}

static int tokenize(struct parser *p)
{
	unsigned line = 1;
	size_t i = 0, line_start = 0;

	while (i < p->len) {
		char c = p->text[i];
		unsigned col = (unsigned)(i - line_start) + 1;

		if (c == '\n') {
			if (push_tok(p, T_NL, line, col, i, 1) < 0)
				return -ENOMEM;
			line++;
			line_start = ++i;
		} else if (c == ' ' || c == '\t' || c == '\r') {
			i++;
		} else if (c == '#') {
			while (i < p->len && p->text[i] != '\n')
				i++;
		} else if (c == '{' || c == '}' || c == ',') {
			if (push_tok(p,
				     c == '{'	? T_LBRACE
				     : c == '}' ? T_RBRACE
						: T_COMMA,
				     line, col, i, 1) < 0)
				return -ENOMEM;
			i++;
		} else if (c == '-' && i + 1 < p->len && p->text[i + 1] == '>') {
			if (push_tok(p, T_ARROW, line, col, i, 2) < 0)
				return -ENOMEM;
			i += 2;
		} else if (c == '<') {
			size_t s = ++i;

			while (i < p->len && (isalnum((unsigned char)p->text[i]) ||
					      p->text[i] == '_' || p->text[i] == '-'))
				i++;
			if (i >= p->len || p->text[i] != '>' || i == s || i - s >= FW_NAME_MAX) {
				struct tok t = { T_TABLE, line, col, s, 0 };

				err_at(p, &t,
				       "bad table reference: want <name> (letters, digits, '_', "
				       "'-', at most %d)",
				       FW_NAME_MAX - 1);
				while (i < p->len && p->text[i] != '\n')
					i++;
				continue;
			}
			if (push_tok(p, T_TABLE, line, col, s, i - s) < 0)
				return -ENOMEM;
			i++;
		} else if (word_char(c)) {
			size_t s = i;

			while (i < p->len && word_char(p->text[i]))
				i++;
			if (push_tok(p, T_WORD, line, col, s, i - s) < 0)
				return -ENOMEM;
		} else {
			struct tok t = { T_WORD, line, col, i, 1 };

			err_at(p, &t, "unexpected character 0x%02x", (unsigned char)c);
			while (i < p->len && p->text[i] != '\n')
				i++;
		}
	}
	if (push_tok(p, T_NL, line, 1, p->len, 0) < 0 || push_tok(p, T_END, line, 1, p->len, 0) < 0)
		return -ENOMEM;
	return 0;
}

static const struct tok *peek(struct parser *p)
{
	/* inside a statement, newlines only end it outside { } (handled by lists) */
	return &p->toks[p->pos];
}

static const struct tok *next(struct parser *p)
{
	const struct tok *t = &p->toks[p->pos];

	if (t->type != T_END)
		p->pos++;
	return t;
}

static bool word_eq(struct parser *p, const struct tok *t, const char *w)
{
	return t->type == T_WORD && t->len == strlen(w) && memcmp(p->text + t->off, w, t->len) == 0;
}

/* Copy a token's text (truncated to len-1). */
static void tok_str(struct parser *p, const struct tok *t, char *buf, size_t len)
{
	size_t n = t->len < len - 1 ? t->len : len - 1;

	memcpy(buf, p->text + t->off, n);
	buf[n] = '\0';
}

static void skip_statement(struct parser *p)
{
	int depth = 0;

	for (;;) {
		const struct tok *t = peek(p);

		if (t->type == T_END)
			return;
		if (t->type == T_LBRACE)
			depth++;
		else if (t->type == T_RBRACE && depth > 0)
			depth--;
		else if (t->type == T_NL && depth == 0) {
			next(p);
			return;
		}
		next(p);
	}
}

static int parse_uint(struct parser *p, const struct tok *t, unsigned long max, unsigned long *out)
{
	char buf[32], *end;

	if (t->type != T_WORD || t->len >= sizeof(buf) || !isdigit((unsigned char)p->text[t->off]))
		return -EINVAL;
	tok_str(p, t, buf, sizeof(buf));
	errno = 0;
	*out = strtoul(buf, &end, 10);
	if (errno || *end || *out > max)
		return -EINVAL;
	return 0;
}

/* Call fn on one item or on each item of a { } list (commas and newlines
 * separate items). Returns 0, or -1 after reporting an error. */
static int parse_list(struct parser *p, int (*fn)(struct parser *p, const struct tok *t, void *arg),
		      void *arg, const char *what)
{
	const struct tok *t = next(p);
	unsigned n = 0;

	if (t->type != T_LBRACE) {
		if (t->type == T_NL || t->type == T_END) {
			p->pos--;
			err_at(p, t, "missing %s", what);
			return -1;
		}
		return fn(p, t, arg);
	}
	for (;;) {
		t = next(p);
		if (t->type == T_NL || t->type == T_COMMA)
			continue;
		if (t->type == T_RBRACE)
			break;
		if (t->type == T_END) {
			err_at(p, t, "unterminated { list of %s", what);
			return -1;
		}
		if (++n > FW_LIST_MAX && strcmp(what, "table items") != 0) {
			err_at(p, t, "more than %d items in a list", FW_LIST_MAX);
			return -1;
		}
		if (fn(p, t, arg) < 0)
			return -1;
	}
	if (n == 0) {
		err_at(p, t, "empty { } list of %s", what);
		return -1;
	}
	return 0;
}

/* growable arrays */
static void *grow(void *arr, unsigned n, size_t size)
{
	/* capacity doubles at powers of two */
	if (n && (n & (n - 1)))
		return arr;
	return realloc(arr, (n ? n * 2 : 1) * size);
}

#define APPEND(p, arr, n, val)                                         \
	({                                                             \
		__typeof__(arr) _g = grow((arr), (n), sizeof(*(arr))); \
		int _rc = -1;                                          \
		if (_g) {                                              \
			(arr) = _g;                                    \
			(arr)[(n)++] = (val);                          \
			_rc = 0;                                       \
		} else {                                               \
			err_at((p), peek(p), "out of memory");         \
		}                                                      \
		_rc;                                                   \
	})

static int host_name_ok(const char *s)
{
	size_t len = strlen(s), label = 0;

	if (len == 0 || len > 253)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)c) && c != '-' && c != '_')
			return 0;
		if (++label > 63)
			return 0;
	}
	return 1;
}

/* An address item: a prefix (strict: no host bits), or "host NAME". */
static int parse_target_word(struct parser *p, const struct tok *t, struct fw_target *out,
			     bool allow_special)
{
	char buf[FW_HOST_MAX + 8];

	memset(out, 0, sizeof(*out));
	out->line = t->line;
	out->col = t->col;
	if (t->type == T_TABLE) {
		if (!allow_special) {
			err_at(p, t, "a table cannot contain another table");
			return -1;
		}
		out->kind = FW_T_TABLE;
		tok_str(p, t, out->name, FW_NAME_MAX);
		return 0;
	}
	if (t->type != T_WORD) {
		err_at(p, t, "expected an address, prefix, <table>, host NAME or dns-servers");
		return -1;
	}
	if (word_eq(p, t, "host")) {
		const struct tok *h = next(p);

		if (h->type != T_WORD || h->len >= FW_HOST_MAX) {
			err_at(p, h, "host wants a DNS name");
			return -1;
		}
		tok_str(p, h, out->name, FW_HOST_MAX);
		if (out->name[strlen(out->name) - 1] == '.')
			out->name[strlen(out->name) - 1] = '\0';
		if (!host_name_ok(out->name)) {
			err_at(p, h, "bad DNS name \"%s\"", out->name);
			return -1;
		}
		for (char *c = out->name; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		out->kind = FW_T_HOST;
		return 0;
	}
	if (word_eq(p, t, "dns-servers")) {
		if (!allow_special) {
			err_at(p, t, "dns-servers is not allowed in a table");
			return -1;
		}
		out->kind = FW_T_DNS;
		return 0;
	}
	if (t->len >= sizeof(buf)) {
		err_at(p, t, "address too long");
		return -1;
	}
	tok_str(p, t, buf, sizeof(buf));
	if (dp_addr_parse(buf, true, true, &out->addr) < 0) {
		struct dp_addr loose;

		if (dp_addr_parse(buf, true, false, &loose) == 0) {
			char fix[64];

			fw_mask(loose.addr, loose.addr, loose.prefixlen);
			err_at(p, t, "host bits set in %s (the network is %s)", buf,
			       dp_addr_format(&loose, true, fix, sizeof(fix)));
		} else {
			err_at(p, t, "bad address or prefix \"%s\"", buf);
		}
		return -1;
	}
	out->kind = FW_T_ADDR;
	return 0;
}

struct target_list {
	unsigned *n;
	struct fw_target **arr;
	bool allow_special;
};

static int add_target(struct parser *p, const struct tok *t, void *arg)
{
	struct target_list *tl = arg;
	struct fw_target x;

	if (t->type == T_WORD && word_eq(p, t, "any")) {
		err_at(p, t, "\"any\" cannot be combined with other addresses");
		return -1;
	}
	if (parse_target_word(p, t, &x, tl->allow_special) < 0)
		return -1;
	return APPEND(p, *tl->arr, *tl->n, x);
}

static int parse_range(struct parser *p, const struct tok *t, uint16_t min, struct fw_range *r)
{
	char buf[32], *sep, *end;
	unsigned long lo, hi;

	if (t->type != T_WORD || t->len >= sizeof(buf))
		goto bad;
	tok_str(p, t, buf, sizeof(buf));
	sep = strpbrk(buf, ":-");
	if (sep)
		*sep = '\0';
	errno = 0;
	lo = strtoul(buf, &end, 10);
	if (errno || *end || !isdigit((unsigned char)buf[0]) || lo > 65535 || lo < min)
		goto bad;
	hi = lo;
	if (sep) {
		hi = strtoul(sep + 1, &end, 10);
		if (errno || *end || !isdigit((unsigned char)sep[1]) || hi > 65535)
			goto bad;
		if (hi < lo) {
			err_at(p, t, "empty port range %lu:%lu", lo, hi);
			return -1;
		}
	}
	r->lo = (uint16_t)lo;
	r->hi = (uint16_t)hi;
	return 0;
bad:
	err_at(p, t, "bad port \"%.*s\": want N, N:M or N-M with %u <= N <= M <= 65535",
	       (int)t->len, p->text + t->off, min);
	return -1;
}

struct range_list {
	unsigned *n;
	struct fw_range **arr;
};

static int add_range(struct parser *p, const struct tok *t, void *arg)
{
	struct range_list *rl = arg;
	struct fw_range r;

	if (parse_range(p, t, 0, &r) < 0)
		return -1;
	return APPEND(p, *rl->arr, *rl->n, r);
}

static const struct {
	const char *name;
	uint8_t proto;
} protos[] = {
	{ "tcp", 6 },  { "udp", 17 }, { "icmp", 1 }, { "icmpv6", 58 }, { "icmp6", 58 },
	{ "gre", 47 }, { "esp", 50 }, { "ah", 51 },  { "sctp", 132 },
};

static int add_proto(struct parser *p, const struct tok *t, void *arg)
{
	struct fw_rule *r = arg;
	unsigned long v;

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (word_eq(p, t, protos[i].name)) {
			v = protos[i].proto;
			goto found;
		}
	if (word_eq(p, t, "any")) {
		err_at(p, t, "\"any\" cannot be in a list of protocols");
		return -1;
	}
	if (parse_uint(p, t, 255, &v) < 0 || v == 0) {
		err_at(p, t, "unknown protocol \"%.*s\"", (int)t->len, p->text + t->off);
		return -1;
	}
found:
	for (unsigned i = 0; i < r->n_protos; i++)
		if (r->protos[i] == v) {
			err_at(p, t, "protocol listed twice");
			return -1;
		}
	if (r->n_protos == sizeof(r->protos)) {
		err_at(p, t, "at most %zu protocols in a rule", sizeof(r->protos));
		return -1;
	}
	r->protos[r->n_protos++] = (uint8_t)v;
	return 0;
}

static const struct {
	const char *name;
	uint8_t v4, v6; /* 0xff: none */
} icmp_names[] = {
	{ "echo-reply", 0, 129 },
	{ "unreach", 3, 1 },
	{ "redirect", 5, 137 },
	{ "echo-request", 8, 128 },
	{ "router-advert", 9, 134 },
	{ "router-solicit", 10, 133 },
	{ "timex", 11, 3 },
	{ "paramprob", 12, 4 },
	{ "timestamp", 13, 0xff },
	{ "timestamp-reply", 14, 0xff },
	{ "toobig", 0xff, 2 },
	{ "neighbor-solicit", 0xff, 135 },
	{ "neighbor-advert", 0xff, 136 },
};

int fw_icmp_type_by_name(uint8_t family, const char *name)
{
	for (size_t i = 0; i < sizeof(icmp_names) / sizeof(icmp_names[0]); i++)
		if (strcmp(icmp_names[i].name, name) == 0) {
			uint8_t v = family == 4 ? icmp_names[i].v4 : icmp_names[i].v6;

			return v == 0xff ? -1 : v;
		}
	return -1;
}

static const char *icmp_type_name(uint8_t family, int type)
{
	for (size_t i = 0; i < sizeof(icmp_names) / sizeof(icmp_names[0]); i++)
		if ((family == 4 ? icmp_names[i].v4 : icmp_names[i].v6) == type)
			return icmp_names[i].name;
	return NULL;
}

const char *fw_action_name(uint8_t action)
{
	return action == FW_PASS     ? "pass"
	       : action == FW_REJECT ? "reject"
	       : action == FW_NAT    ? "nat"
	       : action == FW_RDR    ? "rdr"
				     : "block";
}

struct icmp_ctx {
	struct fw_rule *r;
	uint8_t family;
};

static int add_icmp(struct parser *p, const struct tok *t, void *arg)
{
	struct icmp_ctx *ic = arg;
	struct fw_icmp x = { -1, -1 };
	char name[32];
	unsigned long v;

	if (t->type != T_WORD) {
		err_at(p, t, "expected an ICMP type");
		return -1;
	}
	tok_str(p, t, name, sizeof(name));
	if (parse_uint(p, t, 255, &v) == 0) {
		x.type = (int16_t)v;
	} else {
		int ty = fw_icmp_type_by_name(ic->family, name);

		if (ty < 0) {
			err_at(p, t, "unknown %s type \"%s\"", ic->family == 4 ? "ICMP" : "ICMPv6",
			       name);
			return -1;
		}
		x.type = (int16_t)ty;
	}
	if (word_eq(p, peek(p), "code")) {
		const struct tok *c;

		next(p);
		c = next(p);
		if (parse_uint(p, c, 255, &v) < 0) {
			err_at(p, c, "code wants a number 0-255");
			return -1;
		}
		x.code = (int16_t)v;
	}
	return APPEND(p, ic->r->icmp, ic->r->n_icmp, x);
}

static void rule_free(struct fw_rule *r)
{
	free(r->to);
	free(r->src);
	free(r->dst);
	free(r->sport);
	free(r->dport);
	free(r->icmp);
	free(r->text);
}

/* from/to: any | item | { items } [port P] */
static int parse_side(struct parser *p, const struct tok *kw, struct fw_rule *r, bool to)
{
	struct target_list tl = { to ? &r->n_dst : &r->n_src, to ? &r->dst : &r->src, true };
	struct range_list rl = { to ? &r->n_dport : &r->n_sport, to ? &r->dport : &r->sport };

	if (*tl.n || *rl.n) {
		err_at(p, kw, "\"%s\" given twice", to ? "to" : "from");
		return -1;
	}
	if (word_eq(p, peek(p), "any"))
		next(p);
	else if (word_eq(p, peek(p), "port"))
		; /* "from port 53": any address */
	else if (parse_list(p, add_target, &tl, "addresses") < 0)
		return -1;
	if (word_eq(p, peek(p), "port")) {
		next(p);
		if (parse_list(p, add_range, &rl, "ports") < 0)
			return -1;
	}
	return 0;
}

static int port_by_name(struct parser *p, const struct tok *t)
{
	char name[DP_PORT_NAME_MAX + 1];

	if (t->type != T_WORD || t->len >= DP_PORT_NAME_MAX)
		return -1;
	tok_str(p, t, name, sizeof(name));
	for (unsigned i = 0; p->env && i < p->env->n_ports; i++)
		if (strcmp(p->env->ports[i], name) == 0)
			return (int)i;
	return -1;
}

static int add_nat_addr(struct parser *p, const struct tok *t, void *arg)
{
	struct fw_rule *r = arg;
	struct fw_target x;

	if (parse_target_word(p, t, &x, false) < 0)
		return -1;
	if (x.kind != FW_T_ADDR || x.addr.family != 4 || x.addr.prefixlen != 32) {
		err_at(p, t, "a NAT address is one IPv4 address");
		return -1;
	}
	if (r->n_to >= FW_NAT_ADDRS_MAX) {
		err_at(p, t, "more than %d addresses after ->", FW_NAT_ADDRS_MAX);
		return -1;
	}
	return APPEND(p, r->to, r->n_to, x);
}

/* "-> PORT" | "-> ADDR" | "-> { ADDR, ... }", then for rdr "[port N]" */
static int parse_nat_to(struct parser *p, const struct tok *arrow, struct fw_rule *r)
{
	const struct tok *t = peek(p);
	int port = port_by_name(p, t);

	if (port >= 0 && r->action == FW_NAT) {
		next(p);
		r->to_port_of = (int16_t)port;
	} else if (t->type == T_NL || t->type == T_END) {
		err_at(p, arrow, "-> wants %s",
		       r->action == FW_NAT ? "a port name or the pool's addresses"
					   : "the inside address");
		return -1;
	} else if (parse_list(p, add_nat_addr, r, "addresses") < 0) {
		return -1;
	}
	if (r->action == FW_RDR && word_eq(p, peek(p), "port")) {
		const struct tok *pt;
		struct fw_range rg;

		next(p);
		pt = next(p);
		if (parse_range(p, pt, 1, &rg) < 0)
			return -1;
		if (rg.lo != rg.hi) {
			err_at(p, pt, "the target port is one port (a range maps onto it in order)");
			return -1;
		}
		r->to_port = rg.lo;
	}
	return 0;
}

/* What a nat or rdr rule must have, besides what any rule must. */
static int check_nat_rule(struct parser *p, const struct tok *first, struct fw_rule *r,
			  bool seen_on, const struct tok *arrow)
{
	bool rdr = r->action == FW_RDR;

	if (!seen_on) {
		err_at(p, first, "%s wants \"on PORT\": %s", rdr ? "rdr" : "nat",
		       rdr ? "the port whose address is forwarded"
			   : "the port the translated packets leave by");
		return -1;
	}
	if (!arrow) {
		err_at(p, first, "%s wants \"-> %s\"", rdr ? "rdr" : "nat",
		       rdr ? "ADDRESS [port N]" : "PORT or ADDRESS");
		return -1;
	}
	r->family = 4;
	r->dir = rdr ? FW_DIR_IN : FW_DIR_OUT;
	for (unsigned i = 0; i < r->n_protos; i++)
		if (r->protos[i] != 6 && r->protos[i] != 17 && (rdr || r->protos[i] != 1)) {
			err_at(p, first, "%s translates %s only", rdr ? "rdr" : "nat",
			       rdr ? "tcp and udp" : "tcp, udp and icmp");
			return -1;
		}
	for (unsigned i = 0; i < r->n_src + r->n_dst; i++) {
		const struct fw_target *t = i < r->n_src ? &r->src[i] : &r->dst[i - r->n_src];

		if (t->kind == FW_T_ADDR && t->addr.family != 4) {
			struct tok at = { T_WORD, t->line, t->col, 0, 0 };

			err_at(p, &at, "NAT44 translates IPv4 only");
			return -1;
		}
	}
	if (!rdr)
		return 0;
	if (!r->n_protos) {
		err_at(p, first, "rdr wants \"proto tcp\", \"proto udp\" or both");
		return -1;
	}
	if (!r->n_dport) {
		err_at(p, first, "rdr wants \"to [ADDRESS] port N\": the forwarded port");
		return -1;
	}
	if (r->n_to != 1) {
		err_at(p, arrow, "rdr forwards to one inside address");
		return -1;
	}
	if (r->to_port && r->n_dport != 1) {
		err_at(p, arrow, "a target port wants one forwarded port or range");
		return -1;
	}
	for (unsigned i = 0; i < r->n_dst; i++)
		if (r->dst[i].kind != FW_T_ADDR || r->dst[i].addr.prefixlen != 32) {
			struct tok at = { T_WORD, r->dst[i].line, r->dst[i].col, 0, 0 };

			err_at(p, &at, "rdr forwards addresses of this box: one IPv4 address each");
			return -1;
		}
	return 0;
}

static int parse_rule(struct parser *p, const struct tok *first, struct fw_rule *r)
{
	const struct tok *icmp_tok = NULL, *port_tok[2] = { NULL, NULL }, *arrow = NULL;
	bool seen_dir = false, seen_on = false, seen_af = false, seen_proto = false, nat;
	size_t end;

	memset(r, 0, sizeof(*r));
	r->port = -1;
	r->to_port_of = -1;
	r->line = first->line;
	r->action = word_eq(p, first, "pass")	  ? FW_PASS
		    : word_eq(p, first, "reject") ? FW_REJECT
		    : word_eq(p, first, "nat")	  ? FW_NAT
		    : word_eq(p, first, "rdr")	  ? FW_RDR
						  : FW_BLOCK;
	nat = r->action == FW_NAT || r->action == FW_RDR;
	for (;;) {
		const struct tok *t = next(p);

		if (t->type == T_NL || t->type == T_END)
			break;
		if (t->type == T_ARROW && nat) {
			if (arrow)
				goto twice;
			arrow = t;
			if (parse_nat_to(p, t, r) < 0)
				return -1;
			continue;
		}
		if (t->type != T_WORD) {
			err_at(p, t, "unexpected \"%.*s\"", (int)(t->len ? t->len : 1),
			       p->text + t->off);
			return -1;
		}
		if (nat && (word_eq(p, t, "in") || word_eq(p, t, "out") ||
			    word_eq(p, t, "icmp-type") || word_eq(p, t, "icmp6-type") ||
			    word_eq(p, t, "inet6"))) {
			err_at(p, t, "\"%.*s\" is not allowed in a %s rule%s", (int)t->len,
			       p->text + t->off, r->action == FW_NAT ? "nat" : "rdr",
			       word_eq(p, t, "inet6") ? " (NAT44 translates IPv4 only)" : "");
			return -1;
		}
		if (word_eq(p, t, "in") || word_eq(p, t, "out")) {
			if (seen_dir)
				goto twice;
			seen_dir = true;
			r->dir = word_eq(p, t, "in") ? FW_DIR_IN : FW_DIR_OUT;
		} else if (word_eq(p, t, "log")) {
			if (r->log)
				goto twice;
			r->log = true;
		} else if (word_eq(p, t, "on")) {
			const struct tok *pt = next(p);
			char name[DP_PORT_NAME_MAX + 1];
			int idx = -1;

			if (seen_on)
				goto twice;
			seen_on = true;
			if (pt->type != T_WORD) {
				err_at(p, pt, "on wants a port name");
				return -1;
			}
			tok_str(p, pt, name, sizeof(name));
			for (unsigned i = 0; p->env && i < p->env->n_ports; i++)
				if (pt->len < DP_PORT_NAME_MAX &&
				    strcmp(p->env->ports[i], name) == 0)
					idx = (int)i;
			if (idx < 0) {
				err_at(p, pt, "unknown port \"%.*s\"", (int)pt->len,
				       p->text + pt->off);
				return -1;
			}
			r->port = (int16_t)idx;
		} else if (word_eq(p, t, "inet") || word_eq(p, t, "inet6")) {
			if (seen_af)
				goto twice;
			seen_af = true;
			r->family = word_eq(p, t, "inet") ? 4 : 6;
		} else if (word_eq(p, t, "proto")) {
			if (seen_proto)
				goto twice;
			seen_proto = true;
			if (word_eq(p, peek(p), "any"))
				next(p);
			else if (parse_list(p, add_proto, r, "protocols") < 0)
				return -1;
		} else if (word_eq(p, t, "from") || word_eq(p, t, "to")) {
			bool to = word_eq(p, t, "to");

			if (parse_side(p, t, r, to) < 0)
				return -1;
			port_tok[to] = t;
		} else if (word_eq(p, t, "all")) {
			/* "from any to any" */
		} else if (word_eq(p, t, "icmp-type") || word_eq(p, t, "icmp6-type")) {
			struct icmp_ctx ic = { r, 0 };

			if (icmp_tok)
				goto twice;
			icmp_tok = t;
			if (r->n_protos != 1 || (r->protos[0] != 1 && r->protos[0] != 58)) {
				err_at(p, t,
				       "icmp-type wants \"proto icmp\" or \"proto icmpv6\" before "
				       "it");
				return -1;
			}
			ic.family = r->protos[0] == 1 ? 4 : 6;
			if (parse_list(p, add_icmp, &ic, "ICMP types") < 0)
				return -1;
		} else {
			err_at(p, t, "unknown keyword \"%.*s\"", (int)t->len, p->text + t->off);
			return -1;
		}
		continue;
	twice:
		err_at(p, t, "\"%.*s\" given twice", (int)t->len, p->text + t->off);
		return -1;
	}
	if (nat && check_nat_rule(p, first, r, seen_on, arrow) < 0)
		return -1;
	/* consistency of what was given */
	for (int s = 0; s < 2; s++) {
		unsigned n = s ? r->n_dport : r->n_sport;

		if (!n)
			continue;
		for (unsigned i = 0; i < r->n_protos; i++)
			if (r->protos[i] != 6 && r->protos[i] != 17)
				n = 0;
		if (!r->n_protos || !n) {
			err_at(p, port_tok[s], "ports need \"proto tcp\", \"proto udp\" or both");
			return -1;
		}
	}
	for (unsigned i = 0; i < r->n_protos; i++)
		if ((r->protos[i] == 1 && r->family == 6) ||
		    (r->protos[i] == 58 && r->family == 4)) {
			err_at(p, first, "%s does not exist in %s",
			       r->protos[i] == 1 ? "icmp" : "icmpv6",
			       r->family == 6 ? "inet6" : "inet");
			return -1;
		}
	for (unsigned i = 0; i < r->n_dst; i++)
		if (r->dst[i].kind == FW_T_DNS && r->n_dst > 1) {
			err_at(p, port_tok[1], "dns-servers cannot be combined with other targets");
			return -1;
		}
	if (r->n_dst == 1 && r->dst[0].kind == FW_T_DNS) {
		/* Qubes' "specialtarget=dns": the DNS servers, port 53, TCP and UDP */
		if (!r->n_protos) {
			r->protos[r->n_protos++] = 17;
			r->protos[r->n_protos++] = 6;
		}
		for (unsigned i = 0; i < r->n_protos; i++)
			if (r->protos[i] != 6 && r->protos[i] != 17) {
				err_at(p, port_tok[1], "dns-servers means TCP and UDP port 53");
				return -1;
			}
		if (!r->n_dport &&
		    APPEND(p, r->dport, r->n_dport, ((struct fw_range){ 53, 53 })) < 0)
			return -1;
	}
	/* the rule's text, for show and diff: first token to end of statement */
	end = p->toks[p->pos - 1].off;
	while (end > first->off && (p->text[end - 1] == ' ' || p->text[end - 1] == '\t' ||
				    p->text[end - 1] == '\r' || p->text[end - 1] == '\n'))
		end--;
	r->text = strndup(p->text + first->off, end - first->off);
	if (!r->text) {
		err_at(p, first, "out of memory");
		return -1;
	}
	for (char *c = r->text; *c; c++)
		if (*c == '\n' || *c == '\t' || *c == '\r')
			*c = ' ';
	return 0;
}

static int add_table_item(struct parser *p, const struct tok *t, void *arg)
{
	struct fw_table *tb = arg;
	struct fw_target x;

	if (tb->n >= FW_MAX_TABLE_ITEMS) {
		err_at(p, t, "more than %d items in a table", FW_MAX_TABLE_ITEMS);
		return -1;
	}
	if (parse_target_word(p, t, &x, false) < 0)
		return -1;
	return APPEND(p, tb->items, tb->n, x);
}

static int parse_table(struct parser *p, const struct tok *kw)
{
	const struct tok *nt = next(p);
	struct fw_table tb = { .line = kw->line };
	const struct tok *end;

	if (nt->type != T_TABLE) {
		err_at(p, nt, "table wants a <name>");
		return -1;
	}
	tok_str(p, nt, tb.name, sizeof(tb.name));
	for (unsigned i = 0; i < p->f->n_tables; i++)
		if (strcmp(p->f->tables[i].name, tb.name) == 0) {
			err_at(p, nt, "table <%s> already defined on line %u", tb.name,
			       p->f->tables[i].line);
			return -1;
		}
	if (p->f->n_tables >= FW_MAX_TABLES) {
		err_at(p, nt, "more than %d tables", FW_MAX_TABLES);
		return -1;
	}
	if (peek(p)->type != T_LBRACE) {
		err_at(p, peek(p), "table wants a { } list of addresses");
		return -1;
	}
	if (parse_list(p, add_table_item, &tb, "table items") < 0) {
		free(tb.items);
		return -1;
	}
	end = next(p);
	if (end->type != T_NL && end->type != T_END) {
		err_at(p, end, "unexpected text after the table");
		free(tb.items);
		return -1;
	}
	if (APPEND(p, p->f->tables, p->f->n_tables, tb) < 0) {
		free(tb.items);
		return -1;
	}
	return 0;
}

static int parse_set(struct parser *p, const struct tok *kw)
{
	const struct tok *what = next(p), *v = next(p), *end;
	unsigned long n;

	if (word_eq(p, what, "default")) {
		if (word_eq(p, v, "pass"))
			p->f->default_action = FW_PASS;
		else if (word_eq(p, v, "block"))
			p->f->default_action = FW_BLOCK;
		else if (word_eq(p, v, "reject"))
			p->f->default_action = FW_REJECT;
		else {
			err_at(p, v, "set default wants pass, block or reject");
			return -1;
		}
	} else if (word_eq(p, what, "flows")) {
		if (word_eq(p, v, "keep"))
			p->f->keep_flows = true;
		else if (word_eq(p, v, "recheck"))
			p->f->keep_flows = false;
		else {
			err_at(p, v, "set flows wants keep or recheck");
			return -1;
		}
	} else if (word_eq(p, what, "log-rate")) {
		if (parse_uint(p, v, 100000, &n) < 0) {
			err_at(p, v, "set log-rate wants records per second, 0-100000");
			return -1;
		}
		p->f->log_rate = (uint32_t)n;
	} else if (word_eq(p, what, "nat")) {
		const struct tok *arg = next(p);

		if (word_eq(p, v, "filtering")) {
			if (word_eq(p, arg, "endpoint-independent"))
				p->f->nat_eif = true;
			else if (word_eq(p, arg, "address-port-dependent"))
				p->f->nat_eif = false;
			else {
				err_at(p, arg,
				       "set nat filtering wants endpoint-independent or "
				       "address-port-dependent");
				return -1;
			}
		} else if (word_eq(p, v, "host-limit")) {
			if (parse_uint(p, arg, 65535, &n) < 0 || n == 0) {
				err_at(p, arg, "set nat host-limit wants mappings per host, 1-65535");
				return -1;
			}
			p->f->nat_host_limit = (uint32_t)n;
		} else {
			err_at(p, v, "set nat wants filtering or host-limit");
			return -1;
		}
	} else if (word_eq(p, what, "timeout")) {
		const struct tok *secs = next(p);
		int which = -1;

		for (int i = 0; i < FW_TO_MAX; i++)
			if (word_eq(p, v, fw_timeout_names[i]))
				which = i;
		if (which < 0) {
			err_at(p, v, "unknown timeout \"%.*s\" (see docs/firewall.md)", (int)v->len,
			       p->text + v->off);
			return -1;
		}
		if (parse_uint(p, secs, 30 * 86400, &n) < 0 || n == 0) {
			err_at(p, secs, "timeout wants seconds, 1-2592000");
			return -1;
		}
		p->f->timeouts[which] = (uint32_t)n;
	} else {
		err_at(p, what,
		       "unknown setting \"%.*s\": want default, flows, log-rate, nat or timeout",
		       (int)what->len, p->text + what->off);
		return -1;
	}
	end = next(p);
	if (end->type != T_NL && end->type != T_END) {
		err_at(p, end, "unexpected \"%.*s\" after the setting", (int)end->len,
		       p->text + end->off);
		return -1;
	}
	(void)kw;
	return 0;
}

static void check_table_refs(struct parser *p, struct fw_target *t, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		bool found = false;

		if (t[i].kind != FW_T_TABLE)
			continue;
		for (unsigned k = 0; k < p->f->n_tables; k++)
			if (strcmp(p->f->tables[k].name, t[i].name) == 0) {
				p->f->tables[k].used = true;
				found = true;
			}
		if (!found) {
			fw_diag_add(p->diag, false, p->name, t[i].line, t[i].col,
				    "unknown table <%s>", t[i].name);
			p->failed = true;
		}
	}
}

int fw_parse(const char *name, const char *text, size_t len, const struct fw_env *env,
	     struct fw_file *out, struct fw_diag *diag)
{
	struct parser p = { .name = name, .text = text, .len = len, .env = env, .diag = diag };
	struct fw_file *f = out;

	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->default_action = FW_BLOCK;
	f->log_rate = 10;
	f->nat_host_limit = 4096;
	memcpy(f->timeouts, fw_timeout_defaults, sizeof(f->timeouts));
	p.f = f;
	if (memchr(text, '\0', len)) {
		fw_diag_add(diag, false, name, 0, 0, "the file contains a NUL byte");
		return -EINVAL;
	}
	if (tokenize(&p) < 0) {
		fw_diag_add(diag, false, name, 0, 0, "out of memory");
		free(p.toks);
		return -ENOMEM;
	}
	while (peek(&p)->type != T_END) {
		const struct tok *t = next(&p);

		if (t->type == T_NL)
			continue;
		if (t->type != T_WORD) {
			err_at(&p, t,
			       "a statement starts with pass, block, reject, nat, rdr, table or set");
			skip_statement(&p);
			continue;
		}
		if (word_eq(&p, t, "pass") || word_eq(&p, t, "block") || word_eq(&p, t, "reject") ||
		    word_eq(&p, t, "nat") || word_eq(&p, t, "rdr")) {
			/* nat and rdr rules go to a list of their own */
			bool nat = word_eq(&p, t, "nat") || word_eq(&p, t, "rdr");
			struct fw_rule r, **list = nat ? &f->nat : &f->rules;
			unsigned *n = nat ? &f->n_nat : &f->n_rules;
			unsigned max = nat ? FW_MAX_NAT_RULES : FW_MAX_RULES;

			if (*n >= max) {
				err_at(&p, t, "more than %u %s", max, nat ? "nat and rdr rules" : "rules");
				skip_statement(&p);
				continue;
			}
			if (parse_rule(&p, t, &r) < 0) {
				rule_free(&r);
				if (p.toks[p.pos - 1].type != T_NL)
					skip_statement(&p);
				continue;
			}
			if (APPEND(&p, *list, *n, r) < 0)
				rule_free(&r);
		} else if (word_eq(&p, t, "table")) {
			if (parse_table(&p, t) < 0)
				skip_statement(&p);
		} else if (word_eq(&p, t, "set")) {
			if (parse_set(&p, t) < 0 && p.toks[p.pos - 1].type != T_NL)
				skip_statement(&p);
		} else {
			err_at(&p, t,
			       "unknown statement \"%.*s\": want pass, block, reject, nat, rdr, table "
			       "or set",
			       (int)t->len, text + t->off);
			skip_statement(&p);
		}
	}
	for (unsigned i = 0; i < f->n_rules; i++) {
		check_table_refs(&p, f->rules[i].src, f->rules[i].n_src);
		check_table_refs(&p, f->rules[i].dst, f->rules[i].n_dst);
	}
	for (unsigned i = 0; i < f->n_nat; i++) {
		check_table_refs(&p, f->nat[i].src, f->nat[i].n_src);
		check_table_refs(&p, f->nat[i].dst, f->nat[i].n_dst);
	}
	for (unsigned i = 0; i < f->n_tables; i++)
		if (!f->tables[i].used)
			fw_diag_add(diag, true, name, f->tables[i].line, 0,
				    "table <%s> is not used by any rule", f->tables[i].name);
	free(p.toks);
	if (p.failed) {
		fw_file_free(f);
		return -EINVAL;
	}
	return 0;
}

void fw_file_free(struct fw_file *f)
{
	for (unsigned i = 0; i < f->n_rules; i++)
		rule_free(&f->rules[i]);
	free(f->rules);
	for (unsigned i = 0; i < f->n_nat; i++)
		rule_free(&f->nat[i]);
	free(f->nat);
	for (unsigned i = 0; i < f->n_tables; i++)
		free(f->tables[i].items);
	free(f->tables);
	memset(f, 0, sizeof(*f));
}

void fw_file_hosts(const struct fw_file *f, void (*fn)(void *arg, const char *host), void *arg)
{
	/* few names: a quadratic check for "each once" is fine */
	const char **seen = NULL;
	unsigned n = 0;

	for (unsigned r = 0; r <= f->n_rules + f->n_tables + f->n_nat; r++) {
		const struct fw_target *t = NULL;
		unsigned cnt = 0, nr = r - f->n_rules - f->n_tables;

		for (int side = 0; side < 2; side++) {
			if (r < f->n_rules) {
				t = side ? f->rules[r].dst : f->rules[r].src;
				cnt = side ? f->rules[r].n_dst : f->rules[r].n_src;
			} else if (r >= f->n_rules + f->n_tables && nr < f->n_nat) {
				t = side ? f->nat[nr].dst : f->nat[nr].src;
				cnt = side ? f->nat[nr].n_dst : f->nat[nr].n_src;
			} else if (r < f->n_rules + f->n_tables && side == 0) {
				t = f->tables[r - f->n_rules].items;
				cnt = f->tables[r - f->n_rules].n;
			} else {
				continue;
			}
			for (unsigned i = 0; i < cnt; i++) {
				bool dup = false;
				const char **ns;

				if (t[i].kind != FW_T_HOST)
					continue;
				for (unsigned k = 0; k < n; k++)
					if (strcmp(seen[k], t[i].name) == 0)
						dup = true;
				if (dup)
					continue;
				ns = realloc(seen, (n + 1) * sizeof(*seen));
				if (!ns)
					break;
				seen = ns;
				seen[n++] = t[i].name;
				fn(arg, t[i].name);
			}
		}
	}
	free(seen);
}

static size_t fmt_targets(char *buf, size_t len, const struct fw_target *t, unsigned n)
{
	size_t o = 0;
	char a[64];

	if (n > 1)
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "{ ");
	for (unsigned i = 0; i < n; i++) {
		const char *sep = i + 1 < n ? ", " : "";

		switch (t[i].kind) {
		case FW_T_ADDR:
			o += (size_t)snprintf(
				buf + o, o < len ? len - o : 0, "%s%s",
				dp_addr_format(&t[i].addr,
					       t[i].addr.prefixlen !=
						       (t[i].addr.family == 4 ? 32 : 128),
					       a, sizeof(a)),
				sep);
			break;
		case FW_T_TABLE:
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "<%s>%s", t[i].name,
					      sep);
			break;
		case FW_T_HOST:
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "host %s%s",
					      t[i].name, sep);
			break;
		default:
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "dns-servers%s", sep);
		}
	}
	if (n > 1)
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, " }");
	return o;
}

static size_t fmt_ranges(char *buf, size_t len, const struct fw_range *r, unsigned n)
{
	size_t o = 0;

	o += (size_t)snprintf(buf, len, " port %s", n > 1 ? "{ " : "");
	for (unsigned i = 0; i < n; i++) {
		if (r[i].lo == r[i].hi)
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%u", r[i].lo);
		else
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%u:%u", r[i].lo,
					      r[i].hi);
		if (i + 1 < n)
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0, ", ");
	}
	if (n > 1)
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, " }");
	return o;
}

#define FMT(...) (o += (size_t)snprintf(buf + o, o < len ? len - o : 0, __VA_ARGS__))

char *fw_rule_format(const struct fw_file *f, const struct fw_rule *r, const struct fw_env *env,
		     char *buf, size_t len)
{
	size_t o = 0;

	(void)f;
	buf[0] = '\0';
	bool nat = r->action == FW_NAT || r->action == FW_RDR;

	FMT("%s", fw_action_name(r->action));
	if (r->dir && !nat)
		FMT(" %s", r->dir == FW_DIR_IN ? "in" : "out");
	if (r->log)
		FMT(" log");
	if (r->port >= 0)
		FMT(" on %s", env && (unsigned)r->port < env->n_ports ? env->ports[r->port] : "?");
	if (r->family && !nat)
		FMT(" %s", r->family == 4 ? "inet" : "inet6");
	if (r->n_protos) {
		FMT(" proto %s", r->n_protos > 1 ? "{ " : "");
		for (unsigned i = 0; i < r->n_protos; i++) {
			const char *nm = NULL;

			for (size_t k = 0; k < sizeof(protos) / sizeof(protos[0]); k++)
				if (protos[k].proto == r->protos[i]) {
					nm = protos[k].name;
					break;
				}
			if (nm)
				FMT("%s%s", nm, i + 1 < r->n_protos ? ", " : "");
			else
				FMT("%u%s", r->protos[i], i + 1 < r->n_protos ? ", " : "");
		}
		if (r->n_protos > 1)
			FMT(" }");
	}
	if (!r->n_src && !r->n_sport && !r->n_dst && !r->n_dport) {
		FMT(" all");
	} else {
		FMT(" from ");
		if (r->n_src)
			o += fmt_targets(buf + o, o < len ? len - o : 0, r->src, r->n_src);
		else
			FMT("any");
		if (r->n_sport)
			o += fmt_ranges(buf + o, o < len ? len - o : 0, r->sport, r->n_sport);
		FMT(" to ");
		if (r->n_dst)
			o += fmt_targets(buf + o, o < len ? len - o : 0, r->dst, r->n_dst);
		else
			FMT("any");
		if (r->n_dport)
			o += fmt_ranges(buf + o, o < len ? len - o : 0, r->dport, r->n_dport);
	}
	if (r->n_icmp) {
		uint8_t fam = r->protos[0] == 1 ? 4 : 6;

		FMT(" icmp-type %s", r->n_icmp > 1 ? "{ " : "");
		for (unsigned i = 0; i < r->n_icmp; i++) {
			const char *nm = icmp_type_name(fam, r->icmp[i].type);

			if (nm)
				FMT("%s", nm);
			else
				FMT("%d", r->icmp[i].type);
			if (r->icmp[i].code >= 0)
				FMT(" code %d", r->icmp[i].code);
			if (i + 1 < r->n_icmp)
				FMT(", ");
		}
		if (r->n_icmp > 1)
			FMT(" }");
	}
	if (nat) {
		FMT(" ->");
		if (r->to_port_of >= 0)
			FMT(" %s", env && (unsigned)r->to_port_of < env->n_ports
					   ? env->ports[r->to_port_of]
					   : "?");
		else {
			FMT(" ");
			o += fmt_targets(buf + o, o < len ? len - o : 0, r->to, r->n_to);
		}
		if (r->to_port)
			FMT(" port %u", r->to_port);
	}
	return buf;
}
