/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conf.c - reads rampart.conf with libconfig and validates all of it before
 * returning anything: unknown settings, wrong types, bad addresses, routes
 * whose gateway is on no connected prefix. The first error is reported as
 * "file:line: message", with the line of the offending setting.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libconfig.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctrl/conf/conf.h"

struct ctx {
	const char *path;
	const char *dir; /* of path, where @include looks; NULL: the cwd */
	char *err;
	size_t errlen;
};

/* libconfig names an included file as @include wrote it: say where it is. */
static void where(const struct ctx *x, const char *file, int line)
{
	if (!file)
		file = x->path;
	if (x->dir && file[0] != '/' && strcmp(file, x->path) != 0)
		snprintf(x->err, x->errlen, "%s/%s:%d: ", x->dir, file, line);
	else
		snprintf(x->err, x->errlen, "%s:%d: ", file, line);
}

static int conf_error(struct ctx *x, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int conf_error(struct ctx *x, const config_setting_t *s, const char *fmt, ...)
{
	const char *file = s ? config_setting_source_file(s) : NULL;
	int line = s ? (int)config_setting_source_line(s) : 0;
	size_t n;
	va_list ap;

	where(x, file, line);
	n = strlen(x->err);
	if (n + 1 < x->errlen) {
		va_start(ap, fmt);
		vsnprintf(x->err + n, x->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Refuse any setting of group g not named in allowed (NULL-terminated). */
static int only_known(struct ctx *x, const config_setting_t *g, const char *const *allowed)
{
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(s);
		bool ok = false;

		for (const char *const *a = allowed; *a && !ok; a++)
			ok = name && strcmp(name, *a) == 0;
		if (!ok)
			return conf_error(x, s, "unknown setting \"%s\"", name ? name : "?");
	}
	return 0;
}

static int get_string(struct ctx *x, const config_setting_t *g, const char *name, char *out,
		      size_t len, bool required)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	const char *v;

	if (!s) {
		if (required)
			return conf_error(x, g, "missing setting \"%s\"", name);
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return conf_error(x, s, "%s: expected a string in double quotes", name);
	v = config_setting_get_string(s);
	if (strlen(v) >= len)
		return conf_error(x, s, "%s: longer than %zu characters", name, len - 1);
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

static int get_uint(struct ctx *x, const config_setting_t *g, const char *name, unsigned *out,
		    unsigned min, unsigned max)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	long long v;

	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return conf_error(x, s, "%s: expected an integer", name);
	v = config_setting_get_int64(s);
	if (v < min || v > max)
		return conf_error(x, s, "%s: %lld is out of range %u..%u", name, v, min, max);
	*out = (unsigned)v;
	return 0;
}

/* [a-z0-9_-]{1,max-1}: port and interface names end up in EAL devargs
 * ("iface=NAME,...") and interface names, so nothing that could split them. */
static bool name_valid(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n >= max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-'))
			return false;
	return true;
}

/* Parse an EAL lcore list ("0-3,5") into a bit set; false when malformed. */
static bool lcores_parse(const char *s, uint64_t set[16])
{
	memset(set, 0, 16 * sizeof(uint64_t));
	while (*s) {
		unsigned long lo, hi;
		char *end;

		if (*s < '0' || *s > '9')
			return false;
		lo = hi = strtoul(s, &end, 10);
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return false;
			hi = strtoul(end + 1, &end, 10);
		}
		if (lo > hi || hi >= 1024)
			return false;
		for (unsigned long l = lo; l <= hi; l++)
			set[l / 64] |= 1ull << (l % 64);
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			return false;
		s = end;
	}
	return true;
}

/* The setting name of group g, or g itself when absent: where an error
 * about a defaulted value points. */
static const config_setting_t *member_or(const config_setting_t *g, const char *name)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	return s ? s : g;
}

static int check_socket_path(struct ctx *x, const config_setting_t *g, const char *path)
{
	/* dataplane and ctrl may start from different directories */
	if (path[0] != '/')
		return conf_error(x, member_or(g, "socket"),
				  "socket \"%s\": expected an absolute path", path);
	return 0;
}

static int parse_dataplane(struct ctx *x, const config_setting_t *g, struct ctrl_conf *c)
{
	static const char *const known[] = { "lcores",	  "main_lcore",	  "memory_mb",
					     "hugepages", "file_prefix",  "socket",
					     "punt",	  "mbufs",	  "rx_desc",
					     "tx_desc",	  "neigh_max",	  "icmp_rate_pps",
					     "flows_max", "nat_port_min", "nat_port_max",
					     NULL };
	char huge[32] = "auto";
	uint64_t lcores[16];
	bool workers = false;
	int rc;

	if (!config_setting_is_group(g))
		return conf_error(x, g, "dataplane: expected a group { ... }");
	if ((rc = only_known(x, g, known)) < 0 ||
	    (rc = get_string(x, g, "lcores", c->lcores, sizeof(c->lcores), false)) < 0 ||
	    (rc = get_uint(x, g, "main_lcore", &c->main_lcore, 0, 1023)) < 0 ||
	    (rc = get_uint(x, g, "memory_mb", &c->memory_mb, 64, 1u << 20)) < 0 ||
	    (rc = get_string(x, g, "hugepages", huge, sizeof(huge), false)) < 0 ||
	    (rc = get_string(x, g, "file_prefix", c->file_prefix, sizeof(c->file_prefix), false)) <
		    0 ||
	    (rc = get_string(x, g, "socket", c->dp_socket, sizeof(c->dp_socket), false)) < 0 ||
	    (rc = get_string(x, g, "punt", c->punt_iface, sizeof(c->punt_iface), false)) < 0 ||
	    (rc = get_uint(x, g, "mbufs", &c->mbufs, 1023, 1u << 24)) < 0 ||
	    (rc = get_uint(x, g, "rx_desc", &c->rx_desc, 64, 16384)) < 0 ||
	    (rc = get_uint(x, g, "tx_desc", &c->tx_desc, 64, 16384)) < 0 ||
	    (rc = get_uint(x, g, "neigh_max", &c->neigh_max, 16, 1u << 20)) < 0 ||
	    (rc = get_uint(x, g, "icmp_rate_pps", &c->icmp_rate_pps, 0, 1000000)) < 0 ||
	    (rc = get_uint(x, g, "flows_max", &c->flows_max, 1024, 1u << 24)) < 0 ||
	    (rc = get_uint(x, g, "nat_port_min", &c->nat_port_min, 1024, 65535)) < 0 ||
	    (rc = get_uint(x, g, "nat_port_max", &c->nat_port_max, 1024, 65535)) < 0)
		return rc;
	if (c->nat_port_max < c->nat_port_min + 63)
		return conf_error(
			x, member_or(g, "nat_port_max"),
			"nat_port_min %u, nat_port_max %u: want a range of 64 ports or more",
			c->nat_port_min, c->nat_port_max);
	if (strcmp(huge, "auto") == 0)
		c->hugepages = CTRL_CONF_HUGEPAGES_AUTO;
	else if (strcmp(huge, "on") == 0)
		c->hugepages = CTRL_CONF_HUGEPAGES_ON;
	else if (strcmp(huge, "off") == 0)
		c->hugepages = CTRL_CONF_HUGEPAGES_OFF;
	else
		return conf_error(x, config_setting_get_member(g, "hugepages"),
				  "hugepages: \"%s\" is not auto, on or off", huge);
	if (!lcores_parse(c->lcores, lcores) || !c->lcores[0])
		return conf_error(x, member_or(g, "lcores"),
				  "lcores \"%s\": expected a list such as \"0-1\" or \"0,2-3\"",
				  c->lcores);
	if (!(lcores[c->main_lcore / 64] & (1ull << (c->main_lcore % 64))))
		return conf_error(x, member_or(g, "main_lcore"),
				  "main_lcore %u is not in lcores \"%s\"", c->main_lcore,
				  c->lcores);
	lcores[c->main_lcore / 64] &= ~(1ull << (c->main_lcore % 64));
	for (unsigned i = 0; i < 16; i++)
		workers |= lcores[i] != 0;
	if (!workers)
		return conf_error(x, member_or(g, "lcores"),
				  "lcores \"%s\" leaves no worker: list at least one lcore "
				  "besides main_lcore %u",
				  c->lcores, c->main_lcore);
	if (!name_valid(c->file_prefix, sizeof(c->file_prefix)))
		return conf_error(x, member_or(g, "file_prefix"),
				  "file_prefix \"%s\": use 1-63 of a-z 0-9 _ -", c->file_prefix);
	if (c->punt_iface[0] && !name_valid(c->punt_iface, sizeof(c->punt_iface)))
		return conf_error(x, member_or(g, "punt"),
				  "punt \"%s\": use 1-15 of a-z 0-9 _ -, or \"\" for none",
				  c->punt_iface);
	return check_socket_path(x, g, c->dp_socket);
}

/* A list of addresses: name = [ "198.18.1.2", "2001:db8::2" ]. */
static int get_addrs(struct ctx *x, const config_setting_t *g, const char *name,
		     struct dp_addr *out, unsigned *n, unsigned max)
{
	const config_setting_t *t = config_setting_get_member(g, name);

	*n = 0;
	if (!t)
		return 0;
	if (!config_setting_is_array(t) && !config_setting_is_list(t))
		return conf_error(x, t, "%s: expected [ \"address\", ... ]", name);
	if (config_setting_length(t) > (int)max)
		return conf_error(x, t, "%s: at most %u addresses", name, max);
	for (int k = 0; k < config_setting_length(t); k++) {
		const config_setting_t *a = config_setting_get_elem(t, (unsigned)k);
		const char *v = config_setting_get_string(a);

		if (!v || dp_addr_parse(v, false, false, &out[*n]) < 0)
			return conf_error(x, a, "%s: \"%s\" is not an IPv4 or IPv6 address", name,
					  v ? v : "?");
		(*n)++;
	}
	return 0;
}

/* The record types a right may name. */
static const struct {
	const char *name;
	uint16_t type;
} rr_types[] = {
	{ "A", 1 },	   { "NS", 2 },	    { "CNAME", 5 },  { "PTR", 12 },
	{ "MX", 15 },	   { "TXT", 16 },   { "AAAA", 28 },  { "SRV", 33 },
	{ "DS", 43 },	   { "SSHFP", 44 }, { "TLSA", 52 },  { "CDS", 59 },
	{ "CDNSKEY", 60 }, { "SVCB", 64 },  { "HTTPS", 65 }, { "CAA", 257 },
};

static bool name_text_ok(const char *n)
{
	size_t len = strlen(n);

	if (!len || len > 253)
		return false;
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' ||
		      (*p == '*' && p == n && p[1] == '.')))
			return false;
	return strstr(n, "..") == NULL && n[0] != '.';
}

/* update = ( { key = "acme"; names = [ "_acme-challenge.example.org" ]; types = [ "TXT" ]; } ) */
static int parse_grants(struct ctx *x, const config_setting_t *e, struct ctrl_conf *c,
			struct ctrl_conf_zone *z)
{
	static const char *const known[] = { "key", "names", "types", NULL };
	const config_setting_t *ul = config_setting_get_member(e, "update");
	int rc;

	if (!ul)
		return 0;
	if (!config_setting_is_list(ul))
		return conf_error(x, ul, "update: expected ( { key = ...; names = [ ... ]; } )");
	if (config_setting_length(ul) > CTRL_CONF_GRANTS_MAX)
		return conf_error(x, ul, "update: at most %d rights per zone",
				  CTRL_CONF_GRANTS_MAX);
	for (int i = 0; i < config_setting_length(ul); i++) {
		const config_setting_t *g = config_setting_get_elem(ul, (unsigned)i), *nl, *tl;
		struct ctrl_conf_grant *gr = &z->grants[z->n_grants];
		char key[256] = "";
		size_t used = 0;
		bool found = false;

		if (!config_setting_is_group(g))
			return conf_error(x, g, "update: expected { key = ...; names = [ ... ]; }");
		if ((rc = only_known(x, g, known)) < 0 ||
		    (rc = get_string(x, g, "key", key, sizeof(key), true)) < 0)
			return rc;
		for (unsigned k = 0; k < c->n_keys && !found; k++)
			if (strcasecmp(c->keys[k].name, key) == 0) {
				gr->key = k;
				found = true;
			}
		if (!found)
			return conf_error(x, config_setting_get_member(g, "key"),
					  "update: no key \"%s\" in dns.keys", key);
		nl = config_setting_get_member(g, "names");
		if (!nl || (!config_setting_is_array(nl) && !config_setting_is_list(nl)) ||
		    !config_setting_length(nl))
			return conf_error(x, nl ? nl : g,
					  "update: names: expected [ \"name\", \"*.below\", ... ]");
		for (int k = 0; k < config_setting_length(nl); k++) {
			const config_setting_t *a = config_setting_get_elem(nl, (unsigned)k);
			const char *v = config_setting_get_string(a);
			char rel[300];
			size_t vl;

			if (!v || !name_text_ok(v))
				return conf_error(x, a,
						  "update: names: \"%s\" is not a domain name",
						  v ? v : "?");
			/* inside the zone */
			snprintf(rel, sizeof(rel), "%s", v);
			vl = strlen(rel);
			if (vl && rel[vl - 1] == '.')
				rel[--vl] = '\0';
			if (!(strcasecmp(rel, z->name) == 0 ||
			      (vl > strlen(z->name) &&
			       strcasecmp(rel + vl - strlen(z->name), z->name) == 0 &&
			       rel[vl - strlen(z->name) - 1] == '.')))
				return conf_error(x, a, "update: names: %s is outside the zone %s",
						  v, z->name);
			if (used + vl + 2 > sizeof(gr->names))
				return conf_error(x, a, "update: names: too many");
			used += (size_t)snprintf(gr->names + used, sizeof(gr->names) - used, "%s%s",
						 used ? " " : "", rel);
		}
		tl = config_setting_get_member(g, "types");
		if (tl && !config_setting_is_array(tl) && !config_setting_is_list(tl))
			return conf_error(x, tl, "update: types: expected [ \"TXT\", ... ]");
		for (int k = 0; tl && k < config_setting_length(tl); k++) {
			const config_setting_t *a = config_setting_get_elem(tl, (unsigned)k);
			const char *v = config_setting_get_string(a);
			bool ok = false;

			if (gr->n_types == CTRL_CONF_TYPES_MAX)
				return conf_error(x, a, "update: types: at most %d",
						  CTRL_CONF_TYPES_MAX);
			for (size_t t = 0; v && t < sizeof(rr_types) / sizeof(rr_types[0]) && !ok;
			     t++)
				if (strcasecmp(v, rr_types[t].name) == 0) {
					gr->types[gr->n_types++] = rr_types[t].type;
					ok = true;
				}
			if (!ok)
				return conf_error(x, a,
						  "update: types: \"%s\" is not a type updates may "
						  "change (SOA never; docs/dns.md lists them)",
						  v ? v : "?");
		}
		z->n_grants++;
	}
	return 0;
}

/* keys = ( { name = "acme"; algorithm = "hmac-sha256"; secret = "base64"; } ) */
static int parse_keys(struct ctx *x, const config_setting_t *g, struct ctrl_conf *c)
{
	static const char *const known[] = { "name", "algorithm", "secret", NULL };
	const config_setting_t *kl = config_setting_get_member(g, "keys");
	int rc;

	if (!kl)
		return 0;
	if (!config_setting_is_list(kl))
		return conf_error(x, kl, "dns.keys: expected ( { name = ...; secret = ...; } )");
	if (config_setting_length(kl) > CTRL_CONF_KEYS_MAX)
		return conf_error(x, kl, "dns.keys: at most %d", CTRL_CONF_KEYS_MAX);
	for (int i = 0; i < config_setting_length(kl); i++) {
		const config_setting_t *e = config_setting_get_elem(kl, (unsigned)i);
		struct ctrl_conf_key *k = &c->keys[c->n_keys];
		size_t sl, pad = 0;

		if (!config_setting_is_group(e))
			return conf_error(x, e, "dns.keys: expected { name = ...; secret = ...; }");
		snprintf(k->algorithm, sizeof(k->algorithm), "hmac-sha256");
		if ((rc = only_known(x, e, known)) < 0 ||
		    (rc = get_string(x, e, "name", k->name, sizeof(k->name), true)) < 0 ||
		    (rc = get_string(x, e, "algorithm", k->algorithm, sizeof(k->algorithm),
				     false)) < 0 ||
		    (rc = get_string(x, e, "secret", k->secret, sizeof(k->secret), true)) < 0)
			return rc;
		k->line = (unsigned)config_setting_source_line(e);
		if (!name_text_ok(k->name) || k->name[0] == '*')
			return conf_error(x, e, "dns.keys: name \"%s\" is not a domain name",
					  k->name);
		for (unsigned j = 0; j < c->n_keys; j++)
			if (strcasecmp(c->keys[j].name, k->name) == 0)
				return conf_error(x, e, "dns.keys: key %s given twice", k->name);
		if (strcasecmp(k->algorithm, "hmac-sha256") != 0 &&
		    strcasecmp(k->algorithm, "hmac-sha384") != 0 &&
		    strcasecmp(k->algorithm, "hmac-sha512") != 0)
			return conf_error(
				x, config_setting_get_member(e, "algorithm"),
				"dns.keys: algorithm %s is not supported: use hmac-sha256, "
				"hmac-sha384 or hmac-sha512 (RFC 8945 §6: MD5 and SHA-1 "
				"are too weak)",
				k->algorithm);
		/* base64, at least 16 bytes of key */
		sl = strlen(k->secret);
		for (size_t j = 0; j < sl; j++) {
			char ch = k->secret[j];

			if (ch == '=' && j + 2 >= sl) {
				pad++;
				continue;
			}
			if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			      (ch >= '0' && ch <= '9') || ch == '+' || ch == '/'))
				return conf_error(x, config_setting_get_member(e, "secret"),
						  "dns.keys: secret: not base64");
		}
		if (sl % 4 || (sl / 4) * 3 - pad < 16)
			return conf_error(x, config_setting_get_member(e, "secret"),
					  "dns.keys: secret: expected base64 of at least 16 bytes "
					  "(keymgr -t NAME hmac-sha256 makes one)");
		c->n_keys++;
	}
	return 0;
}

/* dns = { zones = ( { name = "example.org"; file = "example.org.zone"; } ); } */
static int parse_dns(struct ctx *x, const config_setting_t *g, struct ctrl_conf *c,
		     const char *conf_path)
{
	static const char *const known[] = { "zones", "rate_limit", "slip", "keys", NULL };
	static const char *const zknown[] = { "name",	   "file",   "transfer", "notify",
					      "primaries", "update", NULL };
	const config_setting_t *zl;
	int rc;

	if (!config_setting_is_group(g))
		return conf_error(x, g, "dns: expected a group { ... }");
	if ((rc = only_known(x, g, known)) < 0 ||
	    (rc = get_uint(x, g, "rate_limit", &c->dns_rate_limit, 0, 1000000)) < 0 ||
	    (rc = get_uint(x, g, "slip", &c->dns_slip, 0, 10)) < 0 ||
	    (rc = parse_keys(x, g, c)) < 0)
		return rc;
	zl = config_setting_get_member(g, "zones");
	if (!zl)
		return 0;
	if (!config_setting_is_list(zl))
		return conf_error(x, zl,
				  "dns.zones: expected a list ( { name = ...; file = ...; } )");
	if (config_setting_length(zl) > CTRL_CONF_ZONES_MAX)
		return conf_error(x, zl, "dns.zones: at most %d", CTRL_CONF_ZONES_MAX);
	for (int i = 0; i < config_setting_length(zl); i++) {
		const config_setting_t *e = config_setting_get_elem(zl, (unsigned)i);
		struct ctrl_conf_zone *z = &c->zones[c->n_zones];
		char file[512] = "";
		size_t nl;

		if (!config_setting_is_group(e))
			return conf_error(x, e, "dns.zones: expected { name = ...; file = ...; }");
		if ((rc = only_known(x, e, zknown)) < 0 ||
		    (rc = get_string(x, e, "name", z->name, sizeof(z->name), true)) < 0 ||
		    (rc = get_string(x, e, "file", file, sizeof(file), true)) < 0)
			return rc;
		nl = strlen(z->name);
		if (nl > 1 && z->name[nl - 1] == '.')
			z->name[nl - 1] = '\0';
		for (unsigned k = 0; k < c->n_zones; k++)
			if (strcasecmp(c->zones[k].name, z->name) == 0)
				return conf_error(x, e, "dns.zones: zone %s given twice", z->name);
		if (file[0] == '/') {
			snprintf(z->file, sizeof(z->file), "%s", file);
		} else {
			const char *slash = strrchr(conf_path, '/');
			int dl = slash ? (int)(slash - conf_path) : 1;

			if (snprintf(z->file, sizeof(z->file), "%.*s/%s", dl,
				     slash ? conf_path : ".", file) >= (int)sizeof(z->file))
				return conf_error(x, e, "file: path too long");
		}
		z->line = (unsigned)config_setting_source_line(e);
		if ((rc = get_addrs(x, e, "transfer", z->transfer, &z->n_transfer,
				    CTRL_CONF_XFR_MAX)) < 0 ||
		    (rc = get_addrs(x, e, "notify", z->notify, &z->n_notify, CTRL_CONF_XFR_MAX)) <
			    0 ||
		    (rc = get_addrs(x, e, "primaries", z->primaries, &z->n_primaries,
				    CTRL_CONF_XFR_MAX)) < 0 ||
		    (rc = parse_grants(x, e, c, z)) < 0)
			return rc;
		if (!config_setting_get_member(e, "notify")) {
			memcpy(z->notify, z->transfer, sizeof(z->notify));
			z->n_notify = z->n_transfer;
		}
		if (z->n_primaries && z->n_grants)
			return conf_error(
				x, config_setting_get_member(e, "update"),
				"update: zone %s is a secondary (primaries): updates go to "
				"its primary",
				z->name);
		c->n_zones++;
	}
	return 0;
}

static int parse_firewall(struct ctx *x, const config_setting_t *g, struct ctrl_conf *c,
			  const char *conf_path)
{
	static const char *const known[] = { "rules", "state_dir", "dns_servers", NULL };
	const config_setting_t *d;
	char rules[256] = "";
	int rc;

	if (!config_setting_is_group(g))
		return conf_error(x, g, "firewall: expected a group { ... }");
	c->fw_enabled = true;
	if ((rc = only_known(x, g, known)) < 0 ||
	    (rc = get_string(x, g, "rules", rules, sizeof(rules), false)) < 0 ||
	    (rc = get_string(x, g, "state_dir", c->state_dir, sizeof(c->state_dir), false)) < 0)
		return rc;
	if (c->state_dir[0] != '/')
		return conf_error(x, config_setting_get_member(g, "state_dir"),
				  "state_dir: expected an absolute path");
	if (rules[0] == '/' || !rules[0]) {
		snprintf(c->fw_rules, sizeof(c->fw_rules), "%s", rules);
	} else {
		/* relative to the folder of the file that names it */
		const char *slash = strrchr(conf_path, '/');
		int dl = slash ? (int)(slash - conf_path) : 1;

		if (snprintf(c->fw_rules, sizeof(c->fw_rules), "%.*s/%s", dl,
			     slash ? conf_path : ".", rules) >= (int)sizeof(c->fw_rules))
			return conf_error(x, config_setting_get_member(g, "rules"),
					  "rules: path too long");
	}
	d = config_setting_get_member(g, "dns_servers");
	if (d) {
		if (!config_setting_is_array(d) && !config_setting_is_list(d))
			return conf_error(x, d, "dns_servers: expected [ \"address\", ... ]");
		if (config_setting_length(d) > CTRL_CONF_DNS_MAX)
			return conf_error(x, d, "dns_servers: at most %d", CTRL_CONF_DNS_MAX);
		for (int i = 0; i < config_setting_length(d); i++) {
			const config_setting_t *e = config_setting_get_elem(d, (unsigned)i);
			const char *v = config_setting_get_string(e);

			if (!v || dp_addr_parse(v, false, false, &c->dns[c->n_dns]) < 0)
				return conf_error(
					x, e, "dns_servers: \"%s\" is not an IPv4 or IPv6 address",
					v ? v : "?");
			c->dns[c->n_dns].prefixlen = c->dns[c->n_dns].family == 4 ? 32 : 128;
			c->n_dns++;
		}
	}
	return 0;
}

static int parse_ctrl(struct ctx *x, const config_setting_t *g, struct ctrl_conf *c)
{
	static const char *const known[] = { "socket", "resync_interval_ms", NULL };
	int rc;

	if (!config_setting_is_group(g))
		return conf_error(x, g, "ctrl: expected a group { ... }");
	if ((rc = only_known(x, g, known)) < 0 ||
	    (rc = get_string(x, g, "socket", c->ctrl_socket, sizeof(c->ctrl_socket), false)) < 0 ||
	    (rc = get_uint(x, g, "resync_interval_ms", &c->resync_interval_ms, 50, 600000)) < 0)
		return rc;
	return check_socket_path(x, g, c->ctrl_socket);
}

int ctrl_conf_sockaddr(const char *s, struct sockaddr_storage *ss, unsigned *len)
{
	char host[64];
	const char *colon;
	char *end;
	unsigned long port;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host))
			return -1;
		snprintf(host, sizeof(host), "%.*s", (int)(close - s - 1), s + 1);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(host))
			return -1;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
	}
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || port == 0 || port > 65535)
		return -1;
	if (s[0] != '[') {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -1;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -1;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
	}
	return 0;
}

static bool loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static int get_bool(struct ctx *x, const config_setting_t *g, const char *name, bool *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return conf_error(x, s, "%s: expected true or false", name);
	*out = config_setting_get_bool(s);
	return 0;
}

/* A path relative to the folder of the configuration file. */
static int rel_path(struct ctx *x, const config_setting_t *s, const char *conf_path, char *p,
		    size_t len)
{
	char tmp[256];
	const char *slash = strrchr(conf_path, '/');

	if (!p[0] || p[0] == '/')
		return 0;
	snprintf(tmp, sizeof(tmp), "%s", p);
	if (snprintf(p, len, "%.*s/%s", slash ? (int)(slash - conf_path) : 1,
		     slash ? conf_path : ".", tmp) >= (int)len)
		return conf_error(x, s, "%s: path too long", config_setting_name(s));
	return 0;
}

/* caldav = { http = "127.0.0.1:5232"; https = "...:8443"; cert = ...; key = ...; } */
static int parse_caldav(struct ctx *x, const config_setting_t *g, struct ctrl_conf *c,
			const char *conf_path)
{
	static const char *const known[] = { "http",
					     "http_any",
					     "https",
					     "cert",
					     "key",
					     "data_dir",
					     "admin_password_file",
					     "max_body_kb",
					     "max_object_kb",
					     "max_objects",
					     "git_remote",
					     NULL };
	struct ctrl_conf_caldav *cd = &c->caldav;
	struct sockaddr_storage ss;
	unsigned len;
	int rc;

	if (!config_setting_is_group(g))
		return conf_error(x, g, "caldav: expected a group { ... }");
	cd->enabled = true;
	cd->line = (unsigned)config_setting_source_line(g);
	cd->max_body_kb = 1024;
	cd->max_object_kb = 256;
	if ((rc = only_known(x, g, known)) < 0 ||
	    (rc = get_string(x, g, "http", cd->http, sizeof(cd->http), false)) < 0 ||
	    (rc = get_bool(x, g, "http_any", &cd->http_any)) < 0 ||
	    (rc = get_string(x, g, "https", cd->https, sizeof(cd->https), false)) < 0 ||
	    (rc = get_string(x, g, "cert", cd->cert, sizeof(cd->cert), false)) < 0 ||
	    (rc = get_string(x, g, "key", cd->key, sizeof(cd->key), false)) < 0 ||
	    (rc = get_string(x, g, "data_dir", cd->data_dir, sizeof(cd->data_dir), false)) < 0 ||
	    (rc = get_string(x, g, "admin_password_file", cd->admin_password_file,
			     sizeof(cd->admin_password_file), false)) < 0 ||
	    (rc = get_uint(x, g, "max_body_kb", &cd->max_body_kb, 1, 1u << 20)) < 0 ||
	    (rc = get_uint(x, g, "max_object_kb", &cd->max_object_kb, 1, 1u << 16)) < 0 ||
	    (rc = get_uint(x, g, "max_objects", &cd->max_objects, 0, 1u << 24)) < 0 ||
	    (rc = get_string(x, g, "git_remote", cd->git_remote, sizeof(cd->git_remote), false)) <
		    0)
		return rc;
	if (!cd->http[0] && !cd->https[0])
		return conf_error(x, g,
				  "caldav: give http = \"127.0.0.1:PORT\" or https = "
				  "\"ADDR:PORT\" (or both)");
	if (cd->http[0]) {
		if (ctrl_conf_sockaddr(cd->http, &ss, &len) < 0)
			return conf_error(x, member_or(g, "http"),
					  "http: \"%s\" is not ADDR:PORT or [ADDR6]:PORT",
					  cd->http);
		if (!loopback(&ss) && !cd->http_any)
			return conf_error(x, member_or(g, "http"),
					  "http: %s is not a loopback address: plain HTTP would "
					  "carry passwords in clear; use https, or set "
					  "http_any = true",
					  cd->http);
	}
	if (cd->https[0]) {
		if (ctrl_conf_sockaddr(cd->https, &ss, &len) < 0)
			return conf_error(x, member_or(g, "https"),
					  "https: \"%s\" is not ADDR:PORT or [ADDR6]:PORT",
					  cd->https);
		if (!cd->cert[0] || !cd->key[0])
			return conf_error(x, member_or(g, "https"),
					  "https: needs cert and key (PEM files)");
	}
	if ((rc = rel_path(x, member_or(g, "cert"), conf_path, cd->cert, sizeof(cd->cert))) < 0 ||
	    (rc = rel_path(x, member_or(g, "key"), conf_path, cd->key, sizeof(cd->key))) < 0 ||
	    (rc = rel_path(x, member_or(g, "admin_password_file"), conf_path,
			   cd->admin_password_file, sizeof(cd->admin_password_file))) < 0 ||
	    (rc = rel_path(x, member_or(g, "data_dir"), conf_path, cd->data_dir,
			   sizeof(cd->data_dir))) < 0)
		return rc;
	return 0;
}

/* vpn = { server = "vpn-server.conf"; dataplane = true; } */
static int parse_vpn(struct ctx *x, const config_setting_t *g, struct ctrl_conf *c,
		     const char *conf_path)
{
	static const char *const known[] = { "server", "client", "dataplane", NULL };
	int rc;

	if (!config_setting_is_group(g))
		return conf_error(x, g, "vpn: expected a group { ... }");
	c->vpn.enabled = true;
	c->vpn.line = (unsigned)config_setting_source_line(g);
	if ((rc = only_known(x, g, known)) < 0 ||
	    (rc = get_string(x, g, "server", c->vpn.server, sizeof(c->vpn.server), false)) < 0 ||
	    (rc = get_string(x, g, "client", c->vpn.client, sizeof(c->vpn.client), false)) < 0 ||
	    (rc = get_bool(x, g, "dataplane", &c->vpn.dataplane)) < 0)
		return rc;
	if (!c->vpn.server[0] && !c->vpn.client[0])
		return conf_error(x, g,
				  "vpn: give server = \"FILE\" or client = \"FILE\" (or both)");
	if ((rc = rel_path(x, member_or(g, "server"), conf_path, c->vpn.server,
			   sizeof(c->vpn.server))) < 0)
		return rc;
	return rel_path(x, member_or(g, "client"), conf_path, c->vpn.client, sizeof(c->vpn.client));
}

static int parse_port_addr(struct ctx *x, const config_setting_t *s, struct ctrl_conf_port *p)
{
	struct dp_addr *a = &p->addrs[p->n_addrs];
	const char *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return conf_error(x, s, "addresses: expected strings such as \"198.18.1.1/24\"");
	v = config_setting_get_string(s);
	if (p->n_addrs == DP_PORT_ADDRS_MAX)
		return conf_error(x, s, "port %s: more than %d addresses", p->name,
				  DP_PORT_ADDRS_MAX);
	if (dp_addr_parse(v, true, false, a) < 0 || !strchr(v, '/'))
		return conf_error(x, s, "address \"%s\": expected ADDRESS/PREFIXLEN", v);
	if (a->family == 4 && a->prefixlen <= 30) {
		uint32_t ip = (uint32_t)a->addr[0] << 24 | (uint32_t)a->addr[1] << 16 |
			      (uint32_t)a->addr[2] << 8 | a->addr[3];
		uint32_t host = ip & (0xffffffffu >> a->prefixlen);

		if (host == 0 || host == (0xffffffffu >> a->prefixlen))
			return conf_error(x, s,
					  "address \"%s\" is the network or broadcast address", v);
	}
	if ((a->family == 4 && (a->addr[0] == 0 || a->addr[0] >= 224)) ||
	    (a->family == 6 && a->addr[0] == 0xff))
		return conf_error(x, s, "address \"%s\" is not a unicast address", v);
	p->n_addrs++;
	return 0;
}

static int parse_ports(struct ctx *x, const config_setting_t *list, struct ctrl_conf *c)
{
	static const char *const known[] = { "name", "devargs", "addresses", "mtu", NULL };
	int rc;

	if (!config_setting_is_list(list) && !config_setting_is_array(list))
		return conf_error(x, list, "ports: expected a list ( { ... }, ... )");
	if (config_setting_length(list) > DP_MAX_PORTS)
		return conf_error(x, list, "ports: more than %d ports", DP_MAX_PORTS);
	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i), *addrs;
		struct ctrl_conf_port *p = &c->ports[c->n_ports];

		if (!config_setting_is_group(g))
			return conf_error(x, g, "ports: each port is a group { name = ...; ... }");
		p->line = (int)config_setting_source_line(g);
		p->mtu = 1500;
		if ((rc = only_known(x, g, known)) < 0 ||
		    (rc = get_string(x, g, "name", p->name, sizeof(p->name), true)) < 0 ||
		    (rc = get_string(x, g, "devargs", p->devargs, sizeof(p->devargs), true)) < 0 ||
		    (rc = get_uint(x, g, "mtu", &p->mtu, 576, 9000)) < 0)
			return rc;
		if (!name_valid(p->name, sizeof(p->name)))
			return conf_error(x, config_setting_get_member(g, "name"),
					  "port name \"%s\": use 1-15 of a-z 0-9 _ -", p->name);
		if (!p->devargs[0])
			return conf_error(x, config_setting_get_member(g, "devargs"),
					  "port %s: devargs must not be empty", p->name);
		if (c->punt_iface[0] && strcmp(p->name, c->punt_iface) == 0)
			return conf_error(x, g, "port %s: the name is taken by the exception port",
					  p->name);
		for (unsigned k = 0; k < c->n_ports; k++) {
			if (strcmp(c->ports[k].name, p->name) == 0)
				return conf_error(x, g, "port %s: defined twice (first on line %d)",
						  p->name, c->ports[k].line);
			if (strcmp(c->ports[k].devargs, p->devargs) == 0)
				return conf_error(x, g, "port %s: same devargs as port %s", p->name,
						  c->ports[k].name);
		}
		addrs = config_setting_get_member(g, "addresses");
		if (addrs) {
			if (!config_setting_is_array(addrs) && !config_setting_is_list(addrs))
				return conf_error(x, addrs,
						  "addresses: expected [ \"ADDRESS/LEN\", ... ]");
			for (int k = 0; k < config_setting_length(addrs); k++)
				if ((rc = parse_port_addr(
					     x, config_setting_get_elem(addrs, (unsigned)k), p)) <
				    0)
					return rc;
		}
		c->n_ports++;
	}
	/* An address is on one port only, and a connected prefix too: the
	 * dataplane derives one connected route per prefix, and a gateway must
	 * say unambiguously which port it is on. */
	for (unsigned i = 0; i < c->n_ports; i++)
		for (unsigned a = 0; a < c->ports[i].n_addrs; a++)
			for (unsigned j = 0; j <= i; j++)
				for (unsigned b = 0; b < (j == i ? a : c->ports[j].n_addrs); b++) {
					const struct dp_addr *p1 = &c->ports[i].addrs[a],
							     *p2 = &c->ports[j].addrs[b];
					const config_setting_t *where = config_setting_get_elem(
						config_setting_get_member(
							config_setting_get_elem(list, i),
							"addresses"),
						a);
					char buf[64];

					if (p1->family != p2->family)
						continue;
					dp_addr_format(p1, true, buf, sizeof(buf));
					if (memcmp(p1->addr, p2->addr, 16) == 0)
						return conf_error(
							x, where,
							"address \"%s\" is already on port %s", buf,
							c->ports[j].name);
					if (p1->prefixlen == p2->prefixlen &&
					    dp_addr_in_prefix(p1, p2))
						return conf_error(
							x, where,
							"address \"%s\": its prefix is already "
							"connected on port %s",
							buf, c->ports[j].name);
				}
	return 0;
}

/* The port whose connected prefix holds a, or -1. */
static int connected_port(const struct ctrl_conf *c, const struct dp_addr *a)
{
	for (unsigned i = 0; i < c->n_ports; i++)
		for (unsigned k = 0; k < c->ports[i].n_addrs; k++)
			if (dp_addr_in_prefix(a, &c->ports[i].addrs[k]))
				return (int)i;
	return -1;
}

/* The port that has a as one of its own addresses, or -1. */
static int own_address_port(const struct ctrl_conf *c, const struct dp_addr *a)
{
	for (unsigned i = 0; i < c->n_ports; i++)
		for (unsigned k = 0; k < c->ports[i].n_addrs; k++)
			if (c->ports[i].addrs[k].family == a->family &&
			    memcmp(c->ports[i].addrs[k].addr, a->addr, 16) == 0)
				return (int)i;
	return -1;
}

/* The port with a connected prefix equal to prefix, or -1. */
static int connected_prefix_port(const struct ctrl_conf *c, const struct dp_addr *prefix)
{
	for (unsigned i = 0; i < c->n_ports; i++)
		for (unsigned k = 0; k < c->ports[i].n_addrs; k++)
			if (c->ports[i].addrs[k].prefixlen == prefix->prefixlen &&
			    dp_addr_in_prefix(prefix, &c->ports[i].addrs[k]))
				return (int)i;
	return -1;
}

static int parse_routes(struct ctx *x, const config_setting_t *list, struct ctrl_conf *c)
{
	static const char *const known[] = { "dst", "via", "port", "type", NULL };
	int n = config_setting_length(list), rc;

	if (!config_setting_is_list(list))
		return conf_error(x, list, "routes: expected a list ( { ... }, ... )");
	if (n > DP_ROUTES_MAX)
		return conf_error(x, list, "routes: more than %d routes", DP_ROUTES_MAX);
	c->routes = calloc((size_t)n + 1, sizeof(*c->routes));
	if (!c->routes)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct dp_route *r = &c->routes[c->n_routes];
		char dst[64] = "", via[64] = "", type[16] = "";
		int p;

		if (!config_setting_is_group(g))
			return conf_error(x, g, "routes: each route is a group { dst = ...; }");
		if ((rc = only_known(x, g, known)) < 0 ||
		    (rc = get_string(x, g, "dst", dst, sizeof(dst), true)) < 0 ||
		    (rc = get_string(x, g, "via", via, sizeof(via), false)) < 0 ||
		    (rc = get_string(x, g, "port", r->port, sizeof(r->port), false)) < 0 ||
		    (rc = get_string(x, g, "type", type, sizeof(type), false)) < 0)
			return rc;
		if (dp_addr_parse(dst, true, true, &r->dst) < 0)
			return conf_error(x, config_setting_get_member(g, "dst"),
					  "dst \"%s\": expected a prefix with no host bits set, "
					  "such as \"198.51.100.0/24\"",
					  dst);
		if (type[0]) {
			if (strcmp(type, "blackhole") == 0)
				r->flags = DP_ROUTE_F_BLACKHOLE;
			else if (strcmp(type, "unreachable") == 0)
				r->flags = DP_ROUTE_F_UNREACH;
			else
				return conf_error(x, config_setting_get_member(g, "type"),
						  "type \"%s\": expected blackhole or unreachable",
						  type);
			if (via[0] || r->port[0])
				return conf_error(x, g, "route %s: a %s route has no via or port",
						  dst, type);
		} else if (!via[0] && !r->port[0]) {
			return conf_error(x, g, "route %s: needs via, port or type", dst);
		}
		if (r->port[0] && ctrl_conf_port_index(c, r->port) < 0)
			return conf_error(x, config_setting_get_member(g, "port"),
					  "route %s: no port \"%s\"", dst, r->port);
		if (via[0]) {
			if (dp_addr_parse(via, false, false, &r->via) < 0)
				return conf_error(x, config_setting_get_member(g, "via"),
						  "via \"%s\": expected an address", via);
			if (r->via.family != r->dst.family)
				return conf_error(x, config_setting_get_member(g, "via"),
						  "route %s: via %s is of the other address family",
						  dst, via);
			if ((p = own_address_port(c, &r->via)) >= 0)
				return conf_error(x, config_setting_get_member(g, "via"),
						  "route %s: via %s is an address of port %s, not "
						  "a next hop",
						  dst, via, c->ports[p].name);
			p = connected_port(c, &r->via);
			if (p < 0)
				return conf_error(x, config_setting_get_member(g, "via"),
						  "route %s: via %s is on no connected prefix "
						  "of any port",
						  dst, via);
			if (r->port[0] && strcmp(r->port, c->ports[p].name) != 0)
				return conf_error(x, config_setting_get_member(g, "port"),
						  "route %s: via %s is on port %s, not %s", dst,
						  via, c->ports[p].name, r->port);
			snprintf(r->port, sizeof(r->port), "%s", c->ports[p].name);
		}
		if (r->dst.prefixlen == (r->dst.family == 4 ? 32 : 128) &&
		    (p = own_address_port(c, &r->dst)) >= 0)
			return conf_error(x, config_setting_get_member(g, "dst"),
					  "route %s: is an address of port %s", dst,
					  c->ports[p].name);
		if ((p = connected_prefix_port(c, &r->dst)) >= 0)
			return conf_error(x, config_setting_get_member(g, "dst"),
					  "route %s: is the connected prefix of port %s", dst,
					  c->ports[p].name);
		for (unsigned k = 0; k < c->n_routes; k++)
			if (c->routes[k].dst.family == r->dst.family &&
			    c->routes[k].dst.prefixlen == r->dst.prefixlen &&
			    memcmp(c->routes[k].dst.addr, r->dst.addr, 16) == 0)
				return conf_error(x, g, "route %s: defined twice", dst);
		c->n_routes++;
	}
	return 0;
}

static int parse_neighbors(struct ctx *x, const config_setting_t *list, struct ctrl_conf *c)
{
	static const char *const known[] = { "ip", "mac", "port", NULL };
	int n = config_setting_length(list), rc;

	if (!config_setting_is_list(list))
		return conf_error(x, list, "neighbors: expected a list ( { ... }, ... )");
	if (n > DP_NEIGH_STATIC_MAX)
		return conf_error(x, list, "neighbors: more than %d", DP_NEIGH_STATIC_MAX);
	c->neigh = calloc((size_t)n + 1, sizeof(*c->neigh));
	if (!c->neigh)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct dp_neigh *ne = &c->neigh[c->n_neigh];
		char ip[64] = "", mac[32] = "";
		int p;

		if (!config_setting_is_group(g))
			return conf_error(x, g, "neighbors: each is a group { ip = ...; }");
		if ((rc = only_known(x, g, known)) < 0 ||
		    (rc = get_string(x, g, "ip", ip, sizeof(ip), true)) < 0 ||
		    (rc = get_string(x, g, "mac", mac, sizeof(mac), true)) < 0 ||
		    (rc = get_string(x, g, "port", ne->port, sizeof(ne->port), true)) < 0)
			return rc;
		if (dp_addr_parse(ip, false, false, &ne->ip) < 0)
			return conf_error(x, config_setting_get_member(g, "ip"),
					  "ip \"%s\": expected an address", ip);
		if (dp_mac_parse(mac, ne->mac) < 0 || (ne->mac[0] & 1))
			return conf_error(x, config_setting_get_member(g, "mac"),
					  "mac \"%s\": expected a unicast MAC such as "
					  "02:00:00:00:00:01",
					  mac);
		if ((p = own_address_port(c, &ne->ip)) >= 0)
			return conf_error(x, config_setting_get_member(g, "ip"),
					  "neighbor %s is an address of port %s", ip,
					  c->ports[p].name);
		p = ctrl_conf_port_index(c, ne->port);
		if (p < 0)
			return conf_error(x, config_setting_get_member(g, "port"),
					  "neighbor %s: no port \"%s\"", ip, ne->port);
		if (connected_port(c, &ne->ip) != p)
			return conf_error(x, config_setting_get_member(g, "ip"),
					  "neighbor %s is on no connected prefix of port %s", ip,
					  ne->port);
		for (unsigned k = 0; k < c->n_neigh; k++)
			if (c->neigh[k].ip.family == ne->ip.family &&
			    memcmp(c->neigh[k].ip.addr, ne->ip.addr, 16) == 0)
				return conf_error(x, g, "neighbor %s: defined twice", ip);
		c->n_neigh++;
	}
	return 0;
}

static void defaults(struct ctrl_conf *c)
{
	snprintf(c->lcores, sizeof(c->lcores), "0-1");
	c->memory_mb = 512;
	snprintf(c->file_prefix, sizeof(c->file_prefix), "rampart");
	snprintf(c->dp_socket, sizeof(c->dp_socket), "/run/rampart/dataplane.sock");
	snprintf(c->punt_iface, sizeof(c->punt_iface), "rampart0");
	c->mbufs = 16383;
	c->rx_desc = 1024;
	c->tx_desc = 1024;
	c->neigh_max = 4096;
	c->icmp_rate_pps = 100;
	c->flows_max = 262144;
	c->dns_slip = 2;
	c->nat_port_min = 1024;
	c->nat_port_max = 32767; /* below Linux's ephemeral ports (32768-60999) */
	snprintf(c->state_dir, sizeof(c->state_dir), "/var/lib/rampart");
	snprintf(c->ctrl_socket, sizeof(c->ctrl_socket), "/run/rampart/ctrl.sock");
	c->resync_interval_ms = 1000;
}

int ctrl_conf_load(const char *path, struct ctrl_conf *conf, char *err, size_t errlen)
{
	static const char *const known[] = { "dataplane", "ctrl", "ports",  "routes", "neighbors",
					     "firewall",  "dns",  "caldav", "vpn",    NULL };
	struct ctx x = { .path = path };
	config_t cfg;
	const config_setting_t *root, *s;
	char dir[PATH_MAX], *slash, scratch[512];
	FILE *f;
	int rc = 0;

	if (!err || errlen == 0) { /* the caller wants no message: build it anyway */
		err = scratch;
		errlen = sizeof(scratch);
	}
	err[0] = '\0';
	x.err = err;
	x.errlen = errlen;
	memset(conf, 0, sizeof(*conf));
	defaults(conf);
	snprintf(conf->path, sizeof(conf->path), "%s", path);
	f = fopen(path, "r");
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	fclose(f);
	config_init(&cfg);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash) {
		/* "/x.conf" includes from "/", not from "" */
		slash[slash == dir] = '\0';
		config_set_include_dir(&cfg, dir);
		x.dir = dir;
	}
	if (config_read_file(&cfg, path) != CONFIG_TRUE) {
		size_t n;

		where(&x, config_error_file(&cfg), config_error_line(&cfg));
		n = strlen(err);
		if (n + 1 < errlen)
			snprintf(err + n, errlen - n, "%s", config_error_text(&cfg));
		rc = -EINVAL;
		goto out;
	}
	root = config_root_setting(&cfg);
	if ((rc = only_known(&x, root, known)) < 0)
		goto out;
	if ((s = config_setting_get_member(root, "dataplane")) &&
	    (rc = parse_dataplane(&x, s, conf)) < 0)
		goto out;
	if ((s = config_setting_get_member(root, "ctrl")) && (rc = parse_ctrl(&x, s, conf)) < 0)
		goto out;
	s = config_setting_get_member(root, "ports");
	if (s && (rc = parse_ports(&x, s, conf)) < 0)
		goto out;
	if (conf->n_ports == 0) {
		rc = conf_error(&x, s ? s : root, "no ports: define at least one in ports = ( )");
		goto out;
	}
	if ((s = config_setting_get_member(root, "routes")) && (rc = parse_routes(&x, s, conf)) < 0)
		goto out;
	if ((s = config_setting_get_member(root, "neighbors")) &&
	    (rc = parse_neighbors(&x, s, conf)) < 0)
		goto out;
	if ((s = config_setting_get_member(root, "dns")) && (rc = parse_dns(&x, s, conf, path)) < 0)
		goto out;
	if ((s = config_setting_get_member(root, "firewall")) &&
	    (rc = parse_firewall(&x, s, conf, path)) < 0)
		goto out;
	if ((s = config_setting_get_member(root, "caldav")) &&
	    (rc = parse_caldav(&x, s, conf, path)) < 0)
		goto out;
	if ((s = config_setting_get_member(root, "vpn")) && (rc = parse_vpn(&x, s, conf, path)) < 0)
		goto out;
	if (conf->caldav.enabled && !conf->caldav.data_dir[0])
		snprintf(conf->caldav.data_dir, sizeof(conf->caldav.data_dir), "%.*s/caldav",
			 (int)(sizeof(conf->caldav.data_dir) - 8), conf->state_dir);
out:
	config_destroy(&cfg);
	if (rc < 0)
		ctrl_conf_free(conf);
	return rc;
}

void ctrl_conf_free(struct ctrl_conf *conf)
{
	free(conf->routes);
	free(conf->neigh);
	conf->routes = NULL;
	conf->neigh = NULL;
	conf->n_routes = conf->n_neigh = 0;
}

int ctrl_conf_port_index(const struct ctrl_conf *conf, const char *name)
{
	for (unsigned i = 0; i < conf->n_ports; i++)
		if (strcmp(conf->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}

int ctrl_conf_netcfg(const struct ctrl_conf *conf, void **payload, size_t *len)
{
	return ctrl_conf_netcfg_with(conf, NULL, 0, payload, len);
}

int ctrl_conf_netcfg_with(const struct ctrl_conf *conf, const struct dp_route *extra,
			  unsigned n_extra, void **payload, size_t *len)
{
	struct dp_netcfg_hdr h = {
		.n_routes = conf->n_routes + n_extra,
		.n_neigh = conf->n_neigh,
		.icmp_rate_pps = conf->icmp_rate_pps,
	};
	struct dp_port_addr *pa;
	size_t sz;
	char *p;

	for (unsigned i = 0; i < conf->n_ports; i++)
		h.n_addrs += conf->ports[i].n_addrs;
	sz = sizeof(h) + h.n_addrs * sizeof(struct dp_port_addr) +
	     h.n_routes * sizeof(struct dp_route) + h.n_neigh * sizeof(struct dp_neigh);
	p = calloc(1, sz);
	if (!p)
		return -ENOMEM;
	memcpy(p, &h, sizeof(h));
	pa = (struct dp_port_addr *)(p + sizeof(h));
	for (unsigned i = 0; i < conf->n_ports; i++)
		for (unsigned k = 0; k < conf->ports[i].n_addrs; k++, pa++) {
			snprintf(pa->port, sizeof(pa->port), "%s", conf->ports[i].name);
			pa->addr = conf->ports[i].addrs[k];
		}
	if (conf->n_routes)
		memcpy(pa, conf->routes, conf->n_routes * sizeof(struct dp_route));
	if (n_extra)
		memcpy((struct dp_route *)pa + conf->n_routes, extra,
		       n_extra * sizeof(struct dp_route));
	if (h.n_neigh)
		memcpy((char *)pa + h.n_routes * sizeof(struct dp_route), conf->neigh,
		       h.n_neigh * sizeof(struct dp_neigh));
	*payload = p;
	*len = sz;
	return 0;
}
