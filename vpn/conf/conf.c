/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conf.c - the OpenVPN configuration parser of rampart's VPN. Lines are
 * split as OpenVPN 2.6's parse_line does (options.c: quotes, backslash
 * escapes, '#'/';' comments at the start of a word, a leading "--" dropped),
 * inline <tag>...</tag> blocks as its read_inline_file does; each option is
 * then checked against one table (accepted, ignored, or refused with why),
 * and the whole is cross-checked at the end (role, pool, certificates,
 * control-channel wrapping). The first error wins: "file:line: message".
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vpn/conf/conf.h"

#define F_INLINE (1u << 0) /* may be given as a <name> block */

struct ctx {
	const char *path;
	char *dir; /* the config file's folder; NULL: none in path */
	char *err;
	size_t errlen;
	struct vpn_conf *c;
	unsigned line;	   /* of the option being handled */
	bool is_inline;	   /* p[1] is a block's text */
	size_t inline_len; /* its length */

	/* lines where options were seen, for the checks at the end */
	unsigned client_line, server_line, mode_server_line, tls_client_line, tls_server_line;
	unsigned pull_line, dev_line, dev_type_line, proto_line, keepalive_line, ping_line;
	unsigned ifconfig_line, ifconfig_pool_line, tls_version_max_line;
	unsigned cookie_line;
	unsigned server_only_line, client_only_line;
	const char *server_only_name, *client_only_name;
	uint32_t ifconfig_local, ifconfig_netmask;
	uint32_t ifpool_start, ifpool_end, ifpool_netmask;
	bool proto_tcp_client, proto_tcp_server;
	bool rport_set;
	uint16_t rport;
	uint64_t remote_has_proto; /* bit i: remotes[i] named its proto */
};

struct opt {
	const char *name;
	int (*fn)(struct ctx *x, char **p, int n); /* NULL: refused, or ignored */
	const char *why;   /* refused: the reason; NULL with fn NULL: ignored */
	const char *usage; /* parameters, for errors */
	unsigned char min, max;
	unsigned flags;
};

static int fail(struct ctx *x, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct ctx *x, unsigned line, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	if (!x->errlen)
		return -EINVAL;
	snprintf(x->err, x->errlen, "%s:%u: ", x->path, line);
	n = strlen(x->err);
	va_start(ap, fmt);
	vsnprintf(x->err + n, x->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The wording for every refusal: "option X is not supported: why". */
static int refuse(struct ctx *x, unsigned line, const char *what, const char *why)
{
	return fail(x, line, "option %s is not supported: %s", what, why);
}

static int refuse_value(struct ctx *x, const char *opt, const char *value, const char *why)
{
	char what[VPN_CONF_PARAM_MAX + 64];

	snprintf(what, sizeof(what), "%s %s", opt, value);
	return refuse(x, x->line, what, why);
}

/* ---- small parsers ---- */

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static int get_num(struct ctx *x, const char *opt, const char *s, unsigned min, unsigned max,
		   unsigned *out)
{
	uint64_t v;

	if (parse_u64(s, max, &v) || v < min)
		return fail(x, x->line, "option %s: \"%s\" is not a number from %u to %u", opt, s,
			    min, max);
	*out = (unsigned)v;
	return 0;
}

static int get_ip4(struct ctx *x, const char *opt, const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return fail(x, x->line, "option %s: \"%s\" is not an IPv4 address", opt, s);
	*out = ntohl(a.s_addr);
	return 0;
}

static int get_netmask(struct ctx *x, const char *opt, const char *s, uint32_t *out)
{
	uint32_t m = 0;

	if (get_ip4(x, opt, s, &m))
		return -EINVAL;
	if (m & (~m >> 1))
		return fail(x, x->line, "option %s: \"%s\" is not a netmask", opt, s);
	*out = m;
	return 0;
}

static unsigned mask_bits(uint32_t m)
{
	unsigned n = 0;

	while (m & 0x80000000u) {
		n++;
		m <<= 1;
	}
	return n;
}

/* "2001:db8::/64" (bits default to 128 as OpenVPN's get_ipv6_addr does) */
static int get_ip6_prefix(struct ctx *x, const char *opt, const char *s, uint8_t addr[16],
			  uint8_t *bits)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned b = 128;

	if (alen >= sizeof(buf))
		goto bad;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET6, buf, addr) != 1)
		goto bad;
	if (slash) {
		uint64_t v;

		if (parse_u64(slash + 1, 128, &v))
			goto bad;
		b = (unsigned)v;
	}
	*bits = (uint8_t)b;
	return 0;
bad:
	return fail(x, x->line, "option %s: \"%s\" is not an IPv6 address[/bits]", opt, s);
}

static void mask6(uint8_t a[16], unsigned bits)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = bits > i * 8 ? bits - i * 8 : 0;

		if (keep < 8)
			a[i] &= (uint8_t)(0xff00u >> keep);
	}
}

static int set_str(struct ctx *x, char **dst, const char *s)
{
	char *d = strdup(s);

	if (!d)
		return fail(x, x->line, "out of memory");
	free(*dst);
	*dst = d;
	return 0;
}

/* Grow *arr (of *n elements of size sz) by one zeroed element. */
static void *push_elem(struct ctx *x, void *arr_p, size_t *n, size_t sz, size_t max)
{
	void **arr = arr_p;
	char *a;

	if (*n >= max) {
		fail(x, x->line, "too many: at most %zu", max);
		return NULL;
	}
	a = realloc(*arr, (*n + 1) * sz);
	if (!a) {
		fail(x, x->line, "out of memory");
		return NULL;
	}
	*arr = a;
	memset(a + *n * sz, 0, sz);
	return a + (*n)++ * sz;
}

static void file_clear(struct vpn_conf_file *f)
{
	free(f->path);
	free(f->inline_text);
	memset(f, 0, sizeof(*f));
}

/* A key or PEM file: a path joined to the config's folder, or inline text.
 * Last one wins, as in OpenVPN. */
static int set_file(struct ctx *x, struct vpn_conf_file *f, const char *v)
{
	file_clear(f);
	f->line = x->line;
	if (x->is_inline) {
		f->inline_text = malloc(x->inline_len + 1);
		if (!f->inline_text)
			return fail(x, x->line, "out of memory");
		memcpy(f->inline_text, v, x->inline_len + 1);
		f->inline_len = x->inline_len;
		return 0;
	}
	if (v[0] == '/' || !x->dir) {
		f->path = strdup(v);
	} else {
		size_t n = strlen(x->dir) + strlen(v) + 2;

		f->path = malloc(n);
		if (f->path)
			snprintf(f->path, n, "%s/%s", x->dir, v);
	}
	if (!f->path)
		return fail(x, x->line, "out of memory");
	return 0;
}

static void server_only(struct ctx *x, const char *name)
{
	if (!x->server_only_line) {
		x->server_only_line = x->line;
		x->server_only_name = name;
	}
}

static void client_only(struct ctx *x, const char *name)
{
	if (!x->client_only_line) {
		x->client_only_line = x->line;
		x->client_only_name = name;
	}
}

/* ---- roles ---- */

static int h_client(struct ctx *x, char **p, int n)
{
	(void)p, (void)n;
	x->client_line = x->tls_client_line = x->pull_line = x->line;
	return 0;
}

static int h_tls_client(struct ctx *x, char **p, int n)
{
	(void)p, (void)n;
	x->tls_client_line = x->line;
	return 0;
}

static int h_tls_server(struct ctx *x, char **p, int n)
{
	(void)p, (void)n;
	x->tls_server_line = x->line;
	return 0;
}

static int h_pull(struct ctx *x, char **p, int n)
{
	(void)p, (void)n;
	x->pull_line = x->line;
	return 0;
}

static int h_mode(struct ctx *x, char **p, int n)
{
	(void)n;
	if (strcmp(p[1], "server") == 0) {
		x->mode_server_line = x->line;
		return 0;
	}
	if (strcmp(p[1], "p2p") == 0)
		return refuse_value(
			x, "mode", "p2p",
			"point-to-point mode is not implemented: use client and server");
	return fail(x, x->line, "option mode: \"%s\" is neither server nor p2p", p[1]);
}

/* server NETWORK NETMASK ['nopool'] (OpenVPN's helper_client_server with
 * dev tun and topology subnet: the server is .1, the pool .2 to the last
 * address below the broadcast address). */
static int h_server(struct ctx *x, char **p, int n)
{
	struct vpn_conf_pool4 *s = &x->c->pool4;
	uint32_t net = 0, mask = 0;

	if (get_ip4(x, "server", p[1], &net) || get_netmask(x, "server", p[2], &mask))
		return -EINVAL;
	if (n == 4 && strcmp(p[3], "nopool") != 0)
		return fail(x, x->line, "option server: \"%s\" is not nopool", p[3]);
	if (net & ~mask)
		return fail(x, x->line, "option server: %s is not a network address for netmask %s",
			    p[1], p[2]);
	if (mask_bits(mask) > 29)
		return fail(x, x->line, "option server: the netmask must be /29 or shorter (%s)",
			    p[2]);
	memset(s, 0, sizeof(*s));
	s->set = true;
	s->network = net;
	s->netmask = mask;
	s->local = net + 1;
	if (n < 4) {
		s->pool_start = net + 2;
		s->pool_end = (net | ~mask) - 1;
	}
	s->line = x->line;
	if (!x->server_line)
		x->server_line = x->line;
	x->mode_server_line = x->tls_server_line = x->line;
	server_only(x, "server");
	return 0;
}

/* server-ipv6 NETWORK/BITS: OpenVPN wants 64 to 124 bits. */
static int h_server_ipv6(struct ctx *x, char **p, int n)
{
	struct vpn_conf_pool6 *s = &x->c->pool6;
	uint8_t a[16], bits;

	(void)n;
	if (get_ip6_prefix(x, "server-ipv6", p[1], a, &bits))
		return -EINVAL;
	if (bits < 64 || bits > 124)
		return fail(x, x->line, "option server-ipv6: the prefix must be /64 to /124 (%s)",
			    p[1]);
	mask6(a, bits);
	memset(s, 0, sizeof(*s));
	s->set = true;
	memcpy(s->network, a, 16);
	memcpy(s->local, a, 16);
	s->local[15] |= 1;
	s->prefix_len = bits;
	s->line = x->line;
	if (!x->server_line)
		x->server_line = x->line;
	x->mode_server_line = x->tls_server_line = x->line;
	server_only(x, "server-ipv6");
	return 0;
}

static int h_ifconfig(struct ctx *x, char **p, int n)
{
	(void)n;
	if (get_ip4(x, "ifconfig", p[1], &x->ifconfig_local) ||
	    get_netmask(x, "ifconfig", p[2], &x->ifconfig_netmask))
		return -EINVAL;
	x->ifconfig_line = x->line;
	server_only(x, "ifconfig");
	return 0;
}

static int h_ifconfig_pool(struct ctx *x, char **p, int n)
{
	if (get_ip4(x, "ifconfig-pool", p[1], &x->ifpool_start) ||
	    get_ip4(x, "ifconfig-pool", p[2], &x->ifpool_end))
		return -EINVAL;
	x->ifpool_netmask = 0;
	if (n == 4 && get_netmask(x, "ifconfig-pool", p[3], &x->ifpool_netmask))
		return -EINVAL;
	if (x->ifpool_start > x->ifpool_end)
		return fail(x, x->line, "option ifconfig-pool: %s comes after %s", p[1], p[2]);
	x->ifconfig_pool_line = x->line;
	server_only(x, "ifconfig-pool");
	return 0;
}

/* ---- transport ---- */

static int get_proto(struct ctx *x, const char *opt, const char *s, struct vpn_conf_proto *out,
		     bool *tcp_client, bool *tcp_server)
{
	static const struct {
		const char *name;
		enum vpn_conf_transport t;
		enum vpn_conf_family f;
		int end; /* 1: -client, 2: -server */
	} protos[] = {
		{ "udp", VPN_CONF_UDP, VPN_CONF_AF_ANY, 0 },
		{ "udp4", VPN_CONF_UDP, VPN_CONF_AF_INET, 0 },
		{ "udp6", VPN_CONF_UDP, VPN_CONF_AF_INET6, 0 },
		{ "tcp", VPN_CONF_TCP, VPN_CONF_AF_ANY, 0 },
		{ "tcp4", VPN_CONF_TCP, VPN_CONF_AF_INET, 0 },
		{ "tcp6", VPN_CONF_TCP, VPN_CONF_AF_INET6, 0 },
		{ "tcp-client", VPN_CONF_TCP, VPN_CONF_AF_ANY, 1 },
		{ "tcp4-client", VPN_CONF_TCP, VPN_CONF_AF_INET, 1 },
		{ "tcp6-client", VPN_CONF_TCP, VPN_CONF_AF_INET6, 1 },
		{ "tcp-server", VPN_CONF_TCP, VPN_CONF_AF_ANY, 2 },
		{ "tcp4-server", VPN_CONF_TCP, VPN_CONF_AF_INET, 2 },
		{ "tcp6-server", VPN_CONF_TCP, VPN_CONF_AF_INET6, 2 },
	};

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (strcasecmp(s, protos[i].name) != 0)
			continue;
		out->transport = protos[i].t;
		out->family = protos[i].f;
		if (tcp_client)
			*tcp_client = protos[i].end == 1;
		if (tcp_server)
			*tcp_server = protos[i].end == 2;
		return 0;
	}
	return fail(x, x->line, "option %s: unknown protocol \"%s\"", opt, s);
}

static int h_proto(struct ctx *x, char **p, int n)
{
	(void)n;
	x->proto_line = x->line;
	return get_proto(x, "proto", p[1], &x->c->proto, &x->proto_tcp_client,
			 &x->proto_tcp_server);
}

static int h_port(struct ctx *x, char **p, int n)
{
	unsigned v;

	(void)n;
	if (get_num(x, p[0], p[1], 1, 65535, &v))
		return -EINVAL;
	if (strcmp(p[0], "rport") != 0)
		x->c->port = (uint16_t)v;
	if (strcmp(p[0], "lport") != 0) {
		x->rport = (uint16_t)v;
		x->rport_set = true;
	}
	return 0;
}

static int h_local(struct ctx *x, char **p, int n)
{
	(void)n;
	return set_str(x, &x->c->local, p[1]);
}

/* remote HOST [PORT] [PROTO]: they accumulate, as OpenVPN's connection list */
static int h_remote(struct ctx *x, char **p, int n)
{
	struct vpn_conf_remote *r;
	unsigned port = 0;
	struct vpn_conf_proto pr = { 0 };
	bool tcp_server = false;

	if (n >= 3 && get_num(x, "remote", p[2], 1, 65535, &port))
		return -EINVAL;
	if (n == 4 && get_proto(x, "remote", p[3], &pr, NULL, &tcp_server))
		return -EINVAL;
	if (tcp_server)
		return fail(x, x->line, "option remote: %s is for a server", p[3]);
	r = push_elem(x, &x->c->remotes, &x->c->n_remotes, sizeof(*r), VPN_CONF_MAX_REMOTES);
	if (!r)
		return -EINVAL;
	r->line = x->line;
	r->port = (uint16_t)port;
	r->proto = pr;
	/* a remote without its own proto takes proto's, known only at the end */
	if (n == 4)
		x->remote_has_proto |= 1ull << (x->c->n_remotes - 1);
	client_only(x, "remote");
	return set_str(x, &r->host, p[1]);
}

static int h_flag(struct ctx *x, char **p, int n)
{
	struct vpn_conf *c = x->c;

	(void)n;
	if (strcmp(p[0], "nobind") == 0) {
		c->nobind = true;
		client_only(x, "nobind");
	} else if (strcmp(p[0], "float") == 0) {
		c->float_peer = true;
	} else if (strcmp(p[0], "remote-random") == 0) {
		c->remote_random = true;
		client_only(x, "remote-random");
	} else if (strcmp(p[0], "client-to-client") == 0) {
		c->client_to_client = true;
		server_only(x, "client-to-client");
	}
	return 0;
}

static int h_resolv_retry(struct ctx *x, char **p, int n)
{
	unsigned v;

	(void)n;
	client_only(x, "resolv-retry");
	if (strcmp(p[1], "infinite") == 0) {
		x->c->resolv_retry_s = -1;
		return 0;
	}
	if (get_num(x, "resolv-retry", p[1], 0, 1000000000, &v))
		return -EINVAL;
	x->c->resolv_retry_s = (int)v;
	return 0;
}

/* ---- tunnel ---- */

static int h_dev(struct ctx *x, char **p, int n)
{
	(void)n;
	if (strncmp(p[1], "tap", 3) == 0)
		return refuse_value(x, "dev", p[1],
				    "rampart carries IP packets only (layer 3, dev tun); tap "
				    "bridges Ethernet frames");
	if (strcmp(p[1], "null") == 0)
		return refuse_value(x, "dev", p[1], "a VPN without a tunnel device is of no use");
	x->dev_line = x->line;
	return set_str(x, &x->c->dev, p[1]);
}

static int h_dev_type(struct ctx *x, char **p, int n)
{
	(void)n;
	if (strcmp(p[1], "tun") != 0)
		return refuse_value(x, "dev-type", p[1],
				    "rampart carries IP packets only (layer 3, dev-type tun)");
	x->dev_type_line = x->line;
	return 0;
}

static int h_topology(struct ctx *x, char **p, int n)
{
	(void)n;
	if (strcmp(p[1], "subnet") == 0)
		return 0;
	if (strcmp(p[1], "net30") == 0 || strcmp(p[1], "p2p") == 0)
		return refuse_value(x, "topology", p[1],
				    "rampart gives each client one address in one subnet "
				    "(topology subnet); net30 and p2p are OpenVPN's legacy "
				    "per-client point-to-point layouts");
	return fail(x, x->line, "option topology: unknown topology \"%s\"", p[1]);
}

/* push "OPTION ...": PUSH_REPLY is split at commas, so none may appear;
 * compression would be switched on in the client: refused. */
static int h_push(struct ctx *x, char **p, int n)
{
	struct vpn_conf_push *e;
	size_t w;

	(void)n;
	server_only(x, "push");
	if (strchr(p[1], ','))
		return fail(x, x->line,
			    "option push: \"%s\" contains a comma (PUSH_REPLY separates options "
			    "with commas)",
			    p[1]);
	w = strcspn(p[1], " \t");
	if (w == 0)
		return fail(x, x->line, "option push: empty option");
	if ((w == 8 && strncmp(p[1], "comp-lzo", 8) == 0) ||
	    (w == 8 && strncmp(p[1], "compress", 8) == 0))
		return refuse_value(x, "push", p[1],
				    "compression is insecure (VORACLE); rampart neither "
				    "compresses nor frames for it");
	e = push_elem(x, &x->c->push, &x->c->n_push, sizeof(*e), 4096);
	if (!e)
		return -EINVAL;
	e->line = x->line;
	return set_str(x, &e->option, p[1]);
}

static int get_metric(struct ctx *x, const char *opt, const char *s, int *out)
{
	unsigned v;

	if (strcmp(s, "default") == 0) {
		*out = -1;
		return 0;
	}
	if (get_num(x, opt, s, 0, 2147483647u, &v))
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/* route NETWORK [NETMASK] [GATEWAY] [METRIC]; numeric addresses only */
static int h_route(struct ctx *x, char **p, int n)
{
	struct vpn_conf_route4 r = { .netmask = 0xffffffffu, .metric = -1, .line = x->line };
	struct vpn_conf_route4 *e;

	if (get_ip4(x, "route", p[1], &r.network))
		return -EINVAL;
	if (n >= 3 && strcmp(p[2], "default") != 0 && get_netmask(x, "route", p[2], &r.netmask))
		return -EINVAL;
	if (n >= 4 && strcmp(p[3], "default") != 0) {
		if (strcmp(p[3], "vpn_gateway") == 0)
			r.gw = VPN_CONF_GW_VPN;
		else if (strcmp(p[3], "net_gateway") == 0)
			r.gw = VPN_CONF_GW_NET;
		else if (strcmp(p[3], "remote_host") == 0)
			r.gw = VPN_CONF_GW_REMOTE_HOST;
		else if (get_ip4(x, "route", p[3], &r.gateway))
			return -EINVAL;
		else
			r.gw = VPN_CONF_GW_ADDR;
	}
	if (n >= 5 && get_metric(x, "route", p[4], &r.metric))
		return -EINVAL;
	r.network &= r.netmask; /* OpenVPN warns and the kernel masks */
	e = push_elem(x, &x->c->routes, &x->c->n_routes, sizeof(*e), 65536);
	if (!e)
		return -EINVAL;
	*e = r;
	return 0;
}

static int h_route_ipv6(struct ctx *x, char **p, int n)
{
	struct vpn_conf_route6 r = { .metric = -1, .line = x->line };
	struct vpn_conf_route6 *e;

	if (get_ip6_prefix(x, "route-ipv6", p[1], r.network, &r.prefix_len))
		return -EINVAL;
	mask6(r.network, r.prefix_len);
	if (n >= 3 && strcmp(p[2], "default") != 0) {
		struct in6_addr a;

		if (inet_pton(AF_INET6, p[2], &a) != 1)
			return fail(x, x->line, "option route-ipv6: \"%s\" is not an IPv6 address",
				    p[2]);
		memcpy(r.gateway, &a, 16);
		r.has_gateway = true;
	}
	if (n >= 4 && get_metric(x, "route-ipv6", p[3], &r.metric))
		return -EINVAL;
	e = push_elem(x, &x->c->routes6, &x->c->n_routes6, sizeof(*e), 65536);
	if (!e)
		return -EINVAL;
	*e = r;
	return 0;
}

static int h_redirect_gateway(struct ctx *x, char **p, int n)
{
	static const struct {
		const char *name;
		unsigned flag;
	} flags[] = {
		{ "local", VPN_CONF_RG_LOCAL },
		{ "autolocal", VPN_CONF_RG_AUTOLOCAL },
		{ "def1", VPN_CONF_RG_DEF1 },
		{ "bypass-dhcp", VPN_CONF_RG_BYPASS_DHCP },
		{ "bypass-dns", VPN_CONF_RG_BYPASS_DNS },
		{ "block-local", VPN_CONF_RG_BLOCK_LOCAL },
		{ "ipv6", VPN_CONF_RG_IPV6 },
		{ "!ipv4", VPN_CONF_RG_NOT_IPV4 },
	};
	unsigned f = 0;

	client_only(x, "redirect-gateway");
	for (int i = 1; i < n; i++) {
		size_t k;

		for (k = 0; k < sizeof(flags) / sizeof(flags[0]); k++)
			if (strcmp(p[i], flags[k].name) == 0)
				break;
		if (k == sizeof(flags) / sizeof(flags[0]))
			return fail(x, x->line, "option redirect-gateway: unknown flag \"%s\"",
				    p[i]);
		f |= flags[k].flag;
	}
	x->c->redirect_gateway = true;
	x->c->redirect_gateway_flags = f;
	return 0;
}

static int h_dhcp_option(struct ctx *x, char **p, int n)
{
	struct vpn_conf_dhcp_option *e;

	e = push_elem(x, &x->c->dhcp_options, &x->c->n_dhcp_options, sizeof(*e), 4096);
	if (!e)
		return -EINVAL;
	e->line = x->line;
	if (set_str(x, &e->type, p[1]) || (n == 3 && set_str(x, &e->value, p[2])))
		return -EINVAL;
	return 0;
}

static int h_max_clients(struct ctx *x, char **p, int n)
{
	(void)n;
	server_only(x, "max-clients");
	return get_num(x, "max-clients", p[1], 1, 1000000, &x->c->max_clients);
}

static int h_tun_mtu(struct ctx *x, char **p, int n)
{
	(void)n;
	return get_num(x, "tun-mtu", p[1], 68, 65535, &x->c->tun_mtu);
}

/* mssfix [N ['mtu'|'fixed']]: no N is the default 1492; 0 turns it off */
static int h_mssfix(struct ctx *x, char **p, int n)
{
	struct vpn_conf *c = x->c;

	c->mssfix = 1492;
	c->mssfix_mtu = c->mssfix_fixed = false;
	if (n >= 2 && get_num(x, "mssfix", p[1], 0, 65535, &c->mssfix))
		return -EINVAL;
	if (n == 3) {
		if (strcmp(p[2], "mtu") == 0)
			c->mssfix_mtu = true;
		else if (strcmp(p[2], "fixed") == 0)
			c->mssfix_fixed = true;
		else
			return fail(x, x->line, "option mssfix: \"%s\" is neither mtu nor fixed",
				    p[2]);
	}
	return 0;
}

/* ---- TLS ---- */

static int h_file(struct ctx *x, char **p, int n)
{
	struct vpn_conf *c = x->c;
	struct vpn_conf_file *f = NULL;

	(void)n;
	if (strcmp(p[0], "ca") == 0)
		f = &c->ca;
	else if (strcmp(p[0], "cert") == 0)
		f = &c->cert;
	else if (strcmp(p[0], "key") == 0)
		f = &c->key;
	else if (strcmp(p[0], "extra-certs") == 0)
		f = &c->extra_certs;
	else if (strcmp(p[0], "tls-crypt") == 0)
		f = &c->tls_crypt;
	return set_file(x, f, p[1]);
}

static int h_crl_verify(struct ctx *x, char **p, int n)
{
	if (n == 3) {
		if (strcmp(p[2], "dir") == 0)
			return refuse_value(x, "crl-verify", "dir",
					    "give one CRL file (PEM), not a folder of revoked "
					    "serial numbers");
		return fail(x, x->line, "option crl-verify: \"%s\" is not dir", p[2]);
	}
	return set_file(x, &x->c->crl_verify, p[1]);
}

static int h_dh(struct ctx *x, char **p, int n)
{
	(void)n;
	if (!x->is_inline && strcmp(p[1], "none") == 0)
		return 0;
	return refuse(x, x->line, x->is_inline ? "dh" : "dh with a file",
		      "finite-field Diffie-Hellman is not used: rampart's TLS uses ECDHE only "
		      "(write dh none)");
}

static int h_tls_crypt_v2(struct ctx *x, char **p, int n)
{
	if (n == 3) {
		if (strcmp(p[2], "force-cookie") == 0) {
			x->c->tls_crypt_v2_force_cookie = true;
			x->cookie_line = x->line;
		} else if (strcmp(p[2], "allow-noncookie") == 0) {
			x->c->tls_crypt_v2_force_cookie = false;
			x->cookie_line = 0;
		} else {
			return fail(x, x->line,
				    "option tls-crypt-v2: \"%s\" is neither force-cookie nor "
				    "allow-noncookie",
				    p[2]);
		}
	}
	return set_file(x, &x->c->tls_crypt_v2, p[1]);
}

static int get_key_direction(struct ctx *x, const char *opt, const char *s,
			     enum vpn_conf_key_dir *out)
{
	if (strcmp(s, "0") == 0)
		*out = VPN_CONF_KEYDIR_NORMAL;
	else if (strcmp(s, "1") == 0)
		*out = VPN_CONF_KEYDIR_INVERSE;
	else if (strcmp(s, "bidirectional") == 0 || strcmp(s, "bi") == 0)
		*out = VPN_CONF_KEYDIR_BIDI;
	else
		return fail(x, x->line, "option %s: direction \"%s\" is not 0 or 1", opt, s);
	return 0;
}

static int h_tls_auth(struct ctx *x, char **p, int n)
{
	enum vpn_conf_key_dir d = VPN_CONF_KEYDIR_BIDI;

	if (n == 3 && get_key_direction(x, "tls-auth", p[2], &d))
		return -EINVAL;
	/* tls-auth's direction and key-direction set one value: last wins */
	if (n == 3)
		x->c->tls_auth_direction = d;
	return set_file(x, &x->c->tls_auth, p[1]);
}

static int h_key_direction(struct ctx *x, char **p, int n)
{
	(void)n;
	return get_key_direction(x, "key-direction", p[1], &x->c->tls_auth_direction) ? -EINVAL : 0;
}

static int h_verify_x509_name(struct ctx *x, char **p, int n)
{
	struct vpn_conf *c = x->c;

	c->verify_x509_type = VPN_CONF_X509_SUBJECT;
	if (n == 3) {
		if (strcmp(p[2], "subject") == 0)
			c->verify_x509_type = VPN_CONF_X509_SUBJECT;
		else if (strcmp(p[2], "name") == 0)
			c->verify_x509_type = VPN_CONF_X509_NAME;
		else if (strcmp(p[2], "name-prefix") == 0)
			c->verify_x509_type = VPN_CONF_X509_NAME_PREFIX;
		else
			return fail(x, x->line,
				    "option verify-x509-name: type \"%s\" is not subject, name or "
				    "name-prefix",
				    p[2]);
	}
	return set_str(x, &c->verify_x509_name, p[1]);
}

static int h_remote_cert_tls(struct ctx *x, char **p, int n)
{
	(void)n;
	if (strcmp(p[1], "server") == 0)
		x->c->remote_cert_tls = VPN_CONF_CERT_TLS_SERVER;
	else if (strcmp(p[1], "client") == 0)
		x->c->remote_cert_tls = VPN_CONF_CERT_TLS_CLIENT;
	else
		return fail(x, x->line, "option remote-cert-tls: \"%s\" is not server or client",
			    p[1]);
	return 0;
}

static int get_tls_version(struct ctx *x, const char *opt, const char *s,
			   enum vpn_conf_tls_version *out)
{
	if (strcmp(s, "1.2") == 0)
		*out = VPN_CONF_TLS_1_2;
	else if (strcmp(s, "1.3") == 0)
		*out = VPN_CONF_TLS_1_3;
	else if (strcmp(s, "1.0") == 0 || strcmp(s, "1.1") == 0)
		return refuse_value(x, opt, s,
				    "TLS before 1.2 is deprecated (RFC 8996); rampart speaks TLS "
				    "1.2 and 1.3");
	else
		return fail(x, x->line, "option %s: unknown TLS version \"%s\"", opt, s);
	return 0;
}

static int h_tls_version_min(struct ctx *x, char **p, int n)
{
	if (n == 3 && strcmp(p[2], "or-highest") != 0)
		return fail(x, x->line, "option tls-version-min: \"%s\" is not or-highest", p[2]);
	return get_tls_version(x, "tls-version-min", p[1], &x->c->tls_version_min);
}

static int h_tls_version_max(struct ctx *x, char **p, int n)
{
	(void)n;
	x->tls_version_max_line = x->line;
	return get_tls_version(x, "tls-version-max", p[1], &x->c->tls_version_max);
}

static int h_tls_string(struct ctx *x, char **p, int n)
{
	struct vpn_conf *c = x->c;
	char **dst = strcmp(p[0], "tls-cipher") == 0	     ? &c->tls_cipher
		     : strcmp(p[0], "tls-ciphersuites") == 0 ? &c->tls_ciphersuites
		     : strcmp(p[0], "tls-groups") == 0	     ? &c->tls_groups
							     : &c->ecdh_curve;

	(void)n;
	return set_str(x, dst, p[1]);
}

static int h_verify_client_cert(struct ctx *x, char **p, int n)
{
	(void)n;
	server_only(x, "verify-client-cert");
	if (strcmp(p[1], "require") == 0)
		return 0;
	if (strcmp(p[1], "none") == 0 || strcmp(p[1], "optional") == 0)
		return refuse_value(x, "verify-client-cert", p[1],
				    "every client must present a certificate the ca signed");
	return fail(x, x->line, "option verify-client-cert: \"%s\" is not require", p[1]);
}

/* ---- data channel ---- */

static const char *const cipher_names[] = {
	[VPN_CONF_AES_256_GCM] = "AES-256-GCM",
	[VPN_CONF_AES_128_GCM] = "AES-128-GCM",
	[VPN_CONF_CHACHA20_POLY1305] = "CHACHA20-POLY1305",
};

const char *vpn_conf_cipher_name(enum vpn_conf_cipher c)
{
	if (c >= VPN_CONF_AES_256_GCM && c <= VPN_CONF_CHACHA20_POLY1305)
		return cipher_names[c];
	return "none";
}

static enum vpn_conf_cipher cipher_by_name(const char *s)
{
	for (int i = VPN_CONF_AES_256_GCM; i <= VPN_CONF_CHACHA20_POLY1305; i++)
		if (strcasecmp(s, cipher_names[i]) == 0)
			return (enum vpn_conf_cipher)i;
	return VPN_CONF_CIPHER_NONE;
}

#define WHY_AEAD                                                                                \
	"the data channel runs AEAD ciphers only: AES-256-GCM, AES-128-GCM, CHACHA20-POLY1305 " \
	"(no CBC, no unauthenticated encryption)"

/* data-ciphers A:B:C, in preference order; "?NAME" is optional in OpenVPN
 * 2.6 (skipped when the library lacks it): one rampart lacks is skipped. */
static int h_data_ciphers(struct ctx *x, char **p, int n)
{
	struct vpn_conf *c = x->c;
	char *list = strdup(p[1]), *save = NULL, *tok;
	int rc = 0;

	(void)n;
	if (!list)
		return fail(x, x->line, "out of memory");
	c->n_data_ciphers = 0;
	for (tok = strtok_r(list, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		bool optional = tok[0] == '?';
		enum vpn_conf_cipher k = cipher_by_name(tok + optional);
		size_t i;

		if (k == VPN_CONF_CIPHER_NONE) {
			if (optional)
				continue;
			rc = refuse_value(x, "data-ciphers", tok, WHY_AEAD);
			goto out;
		}
		for (i = 0; i < c->n_data_ciphers && c->data_ciphers[i] != k; i++)
			;
		if (i == c->n_data_ciphers)
			c->data_ciphers[c->n_data_ciphers++] = k;
	}
	if (c->n_data_ciphers == 0)
		rc = fail(x, x->line, "option data-ciphers: no cipher in \"%s\"", p[1]);
out:
	free(list);
	return rc;
}

static int h_cipher(struct ctx *x, char **p, int n)
{
	enum vpn_conf_cipher k = cipher_by_name(p[1]);

	(void)n;
	if (k == VPN_CONF_CIPHER_NONE)
		return refuse_value(x, "cipher", p[1], WHY_AEAD);
	x->c->cipher = k;
	return 0;
}

static int h_auth(struct ctx *x, char **p, int n)
{
	static const struct {
		const char *name;
		enum vpn_conf_digest d;
	} digests[] = {
		{ "SHA1", VPN_CONF_SHA1 },     { "SHA224", VPN_CONF_SHA224 },
		{ "SHA256", VPN_CONF_SHA256 }, { "SHA384", VPN_CONF_SHA384 },
		{ "SHA512", VPN_CONF_SHA512 },
	};

	(void)n;
	for (size_t i = 0; i < sizeof(digests) / sizeof(digests[0]); i++) {
		if (strcasecmp(p[1], digests[i].name) == 0) {
			x->c->auth = digests[i].d;
			return 0;
		}
	}
	if (strcasecmp(p[1], "MD5") == 0)
		return refuse_value(x, "auth", p[1],
				    "MD5 is broken; tls-auth's HMAC takes SHA1 or SHA-2 "
				    "(SHA224, SHA256, SHA384, SHA512)");
	if (strcasecmp(p[1], "none") == 0)
		return refuse_value(x, "auth", p[1],
				    "packets must be authenticated; tls-auth's HMAC takes SHA1 "
				    "or SHA-2");
	return refuse_value(x, "auth", p[1],
			    "tls-auth's HMAC takes SHA1 or SHA-2 (SHA224, SHA256, SHA384, "
			    "SHA512)");
}

static int h_allow_compression(struct ctx *x, char **p, int n)
{
	(void)n;
	if (strcmp(p[1], "no") == 0)
		return 0;
	return refuse_value(x, "allow-compression", p[1],
			    "compression is insecure (VORACLE); rampart neither compresses nor "
			    "frames for it (allow-compression no is accepted)");
}

static int h_key_method(struct ctx *x, char **p, int n)
{
	(void)n;
	if (strcmp(p[1], "2") == 0)
		return 0;
	return refuse_value(x, "key-method", p[1],
			    "key-method 1 was removed from OpenVPN 2.5; rampart runs key-method "
			    "2 only");
}

/* ---- timers ---- */

static int h_keepalive(struct ctx *x, char **p, int n)
{
	struct vpn_conf *c = x->c;

	(void)n;
	if (get_num(x, "keepalive", p[1], 1, 86400, &c->keepalive_interval_s) ||
	    get_num(x, "keepalive", p[2], 1, 86400 * 2, &c->keepalive_timeout_s))
		return -EINVAL;
	if (c->keepalive_timeout_s < 2 * c->keepalive_interval_s)
		return fail(x, x->line,
			    "option keepalive: the timeout (%u) must be at least twice the "
			    "interval (%u)",
			    c->keepalive_timeout_s, c->keepalive_interval_s);
	x->keepalive_line = x->line;
	return 0;
}

static int h_ping(struct ctx *x, char **p, int n)
{
	struct vpn_conf *c = x->c;
	unsigned *dst = strcmp(p[0], "ping") == 0	    ? &c->ping_s
			: strcmp(p[0], "ping-restart") == 0 ? &c->ping_restart_s
							    : &c->ping_exit_s;

	(void)n;
	x->ping_line = x->line;
	return get_num(x, p[0], p[1], 0, 86400 * 7, dst);
}

static int h_reneg_sec(struct ctx *x, char **p, int n)
{
	struct vpn_conf *c = x->c;

	c->reneg_sec_min = 0;
	if (get_num(x, "reneg-sec", p[1], 0, 86400 * 365, &c->reneg_sec))
		return -EINVAL;
	if (n == 3) {
		if (get_num(x, "reneg-sec", p[2], 0, 86400 * 365, &c->reneg_sec_min))
			return -EINVAL;
		if (c->reneg_sec_min > c->reneg_sec)
			return fail(x, x->line, "option reneg-sec: the minimum %u exceeds %u",
				    c->reneg_sec_min, c->reneg_sec);
	}
	return 0;
}

static int h_reneg_count(struct ctx *x, char **p, int n)
{
	uint64_t *dst = strcmp(p[0], "reneg-bytes") == 0 ? &x->c->reneg_bytes : &x->c->reneg_pkts;

	(void)n;
	if (parse_u64(p[1], UINT64_MAX, dst))
		return fail(x, x->line, "option %s: \"%s\" is not a number", p[0], p[1]);
	return 0;
}

static int h_seconds(struct ctx *x, char **p, int n)
{
	unsigned *dst =
		strcmp(p[0], "hand-window") == 0 ? &x->c->hand_window_s : &x->c->tls_timeout_s;

	(void)n;
	return get_num(x, p[0], p[1], 1, 3600, dst);
}

static int h_explicit_exit_notify(struct ctx *x, char **p, int n)
{
	x->c->explicit_exit_notify = 1;
	if (n == 2)
		return get_num(x, "explicit-exit-notify", p[1], 0, 3600,
			       &x->c->explicit_exit_notify);
	return 0;
}

static int h_nothing(struct ctx *x, char **p, int n)
{
	(void)x, (void)p, (void)n;
	return 0;
}

/* ---- the table ---- */

#define ACCEPT(name, fn, usage, min, max, flags)       \
	{                                              \
		name, fn, NULL, usage, min, max, flags \
	}
#define IGNORE(name, min, max)                      \
	{                                           \
		name, NULL, NULL, NULL, min, max, 0 \
	}
#define REFUSE(name, why)                                        \
	{                                                        \
		name, NULL, why, NULL, 0, VPN_CONF_MAX_PARAMS, 0 \
	}

#define WHY_SCRIPTS "rampart runs no scripts or plugins"
#define WHY_COMPRESS \
	"compression is insecure (VORACLE); rampart neither compresses nor frames for it"
#define WHY_PUSHED "it is negotiated or pushed by the server, never set in a file"

static const struct opt opts[] = {
	ACCEPT("client", h_client, "client", 0, 0, 0),
	ACCEPT("tls-client", h_tls_client, "tls-client", 0, 0, 0),
	ACCEPT("tls-server", h_tls_server, "tls-server", 0, 0, 0),
	ACCEPT("pull", h_pull, "pull", 0, 0, 0),
	ACCEPT("mode", h_mode, "mode server", 1, 1, 0),
	ACCEPT("server", h_server, "server NETWORK NETMASK [nopool]", 2, 3, 0),
	ACCEPT("server-ipv6", h_server_ipv6, "server-ipv6 NETWORK/BITS", 1, 1, 0),
	ACCEPT("ifconfig", h_ifconfig, "ifconfig LOCAL NETMASK", 2, 2, 0),
	ACCEPT("ifconfig-pool", h_ifconfig_pool, "ifconfig-pool START END [NETMASK]", 2, 3, 0),
	ACCEPT("proto", h_proto, "proto udp|udp4|udp6|tcp|tcp4|tcp6|tcp-client|tcp-server", 1, 1,
	       0),
	ACCEPT("port", h_port, "port PORT", 1, 1, 0),
	ACCEPT("lport", h_port, "lport PORT", 1, 1, 0),
	ACCEPT("rport", h_port, "rport PORT", 1, 1, 0),
	ACCEPT("local", h_local, "local HOST", 1, 1, 0),
	ACCEPT("remote", h_remote, "remote HOST [PORT] [PROTO]", 1, 3, 0),
	ACCEPT("remote-random", h_flag, "remote-random", 0, 0, 0),
	ACCEPT("nobind", h_flag, "nobind", 0, 0, 0),
	ACCEPT("float", h_flag, "float", 0, 0, 0),
	ACCEPT("resolv-retry", h_resolv_retry, "resolv-retry SECONDS|infinite", 1, 1, 0),
	ACCEPT("dev", h_dev, "dev tun", 1, 1, 0),
	ACCEPT("dev-type", h_dev_type, "dev-type tun", 1, 1, 0),
	ACCEPT("topology", h_topology, "topology subnet", 1, 1, 0),
	ACCEPT("push", h_push, "push \"OPTION ...\"", 1, 1, 0),
	ACCEPT("route", h_route, "route NETWORK [NETMASK] [GATEWAY] [METRIC]", 1, 4, 0),
	ACCEPT("route-ipv6", h_route_ipv6, "route-ipv6 NETWORK/BITS [GATEWAY] [METRIC]", 1, 3, 0),
	ACCEPT("redirect-gateway", h_redirect_gateway, "redirect-gateway [FLAGS...]", 0, 8, 0),
	ACCEPT("dhcp-option", h_dhcp_option, "dhcp-option TYPE [VALUE]", 1, 2, 0),
	ACCEPT("client-to-client", h_flag, "client-to-client", 0, 0, 0),
	ACCEPT("max-clients", h_max_clients, "max-clients N", 1, 1, 0),
	ACCEPT("tun-mtu", h_tun_mtu, "tun-mtu BYTES", 1, 1, 0),
	ACCEPT("mssfix", h_mssfix, "mssfix [BYTES [mtu|fixed]]", 0, 2, 0),
	ACCEPT("ca", h_file, "ca FILE", 1, 1, F_INLINE),
	ACCEPT("cert", h_file, "cert FILE", 1, 1, F_INLINE),
	ACCEPT("key", h_file, "key FILE", 1, 1, F_INLINE),
	ACCEPT("extra-certs", h_file, "extra-certs FILE", 1, 1, F_INLINE),
	ACCEPT("crl-verify", h_crl_verify, "crl-verify FILE", 1, 2, F_INLINE),
	ACCEPT("dh", h_dh, "dh none", 1, 1, F_INLINE),
	ACCEPT("tls-crypt", h_file, "tls-crypt FILE", 1, 1, F_INLINE),
	ACCEPT("tls-crypt-v2", h_tls_crypt_v2, "tls-crypt-v2 FILE [force-cookie|allow-noncookie]",
	       1, 2, F_INLINE),
	ACCEPT("tls-auth", h_tls_auth, "tls-auth FILE [0|1]", 1, 2, F_INLINE),
	ACCEPT("key-direction", h_key_direction, "key-direction 0|1", 1, 1, 0),
	ACCEPT("verify-x509-name", h_verify_x509_name,
	       "verify-x509-name NAME [subject|name|name-prefix]", 1, 2, 0),
	ACCEPT("remote-cert-tls", h_remote_cert_tls, "remote-cert-tls server|client", 1, 1, 0),
	ACCEPT("verify-client-cert", h_verify_client_cert, "verify-client-cert require", 1, 1, 0),
	ACCEPT("tls-version-min", h_tls_version_min, "tls-version-min 1.2|1.3 [or-highest]", 1, 2,
	       0),
	ACCEPT("tls-version-max", h_tls_version_max, "tls-version-max 1.2|1.3", 1, 1, 0),
	ACCEPT("tls-cipher", h_tls_string, "tls-cipher LIST", 1, 1, 0),
	ACCEPT("tls-ciphersuites", h_tls_string, "tls-ciphersuites LIST", 1, 1, 0),
	ACCEPT("tls-groups", h_tls_string, "tls-groups LIST", 1, 1, 0),
	ACCEPT("ecdh-curve", h_tls_string, "ecdh-curve NAME", 1, 1, 0),
	ACCEPT("data-ciphers", h_data_ciphers, "data-ciphers CIPHER[:CIPHER...]", 1, 1, 0),
	ACCEPT("cipher", h_cipher, "cipher AEAD", 1, 1, 0),
	ACCEPT("auth", h_auth, "auth SHA1|SHA256|...", 1, 1, 0),
	ACCEPT("allow-compression", h_allow_compression, "allow-compression no", 1, 1, 0),
	ACCEPT("key-method", h_key_method, "key-method 2", 1, 1, 0),
	ACCEPT("force-tls-key-material-export", h_nothing, "force-tls-key-material-export", 0, 0,
	       0),
	ACCEPT("keepalive", h_keepalive, "keepalive INTERVAL TIMEOUT", 2, 2, 0),
	ACCEPT("ping", h_ping, "ping SECONDS", 1, 1, 0),
	ACCEPT("ping-restart", h_ping, "ping-restart SECONDS", 1, 1, 0),
	ACCEPT("ping-exit", h_ping, "ping-exit SECONDS", 1, 1, 0),
	ACCEPT("reneg-sec", h_reneg_sec, "reneg-sec MAX [MIN]", 1, 2, 0),
	ACCEPT("reneg-bytes", h_reneg_count, "reneg-bytes N", 1, 1, 0),
	ACCEPT("reneg-pkts", h_reneg_count, "reneg-pkts N", 1, 1, 0),
	ACCEPT("hand-window", h_seconds, "hand-window SECONDS", 1, 1, 0),
	ACCEPT("tls-timeout", h_seconds, "tls-timeout SECONDS", 1, 1, 0),
	ACCEPT("explicit-exit-notify", h_explicit_exit_notify, "explicit-exit-notify [N]", 0, 1, 0),

	/* accepted and ignored: rampart's own process, logging and sandbox
	 * (docs/vpn.md says why each) */
	IGNORE("user", 1, 1),
	IGNORE("group", 1, 1),
	IGNORE("chroot", 1, 1),
	IGNORE("persist-key", 0, 0),
	IGNORE("persist-tun", 0, 0),
	IGNORE("persist-local-ip", 0, 0),
	IGNORE("persist-remote-ip", 0, 0),
	IGNORE("daemon", 0, 1),
	IGNORE("writepid", 1, 1),
	IGNORE("verb", 1, 1),
	IGNORE("mute", 1, 1),
	IGNORE("mute-replay-warnings", 0, 0),
	IGNORE("status", 1, 2),
	IGNORE("status-version", 1, 1),
	IGNORE("log", 1, 1),
	IGNORE("log-append", 1, 1),
	IGNORE("syslog", 0, 1),
	IGNORE("suppress-timestamps", 0, 0),
	IGNORE("machine-readable-output", 0, 0),
	IGNORE("disable-dco", 0, 0),
	IGNORE("ifconfig-pool-persist", 1, 2),
	IGNORE("auth-nocache", 0, 0),
	IGNORE("sndbuf", 1, 1),
	IGNORE("rcvbuf", 1, 1),
	IGNORE("txqueuelen", 1, 1),
	IGNORE("fast-io", 0, 0),
	IGNORE("tcp-nodelay", 0, 0),
	IGNORE("ping-timer-rem", 0, 0),
	IGNORE("connect-retry", 1, 2),
	IGNORE("connect-retry-max", 1, 1),
	IGNORE("server-poll-timeout", 1, 1),
	IGNORE("tun-ipv6", 0, 0),
	IGNORE("mlock", 0, 0),
	IGNORE("nice", 1, 1),

	REFUSE("fragment", "fragmenting inside the tunnel is not implemented (as in MirageVPN); "
			   "lower tun-mtu or use mssfix"),
	REFUSE("comp-lzo", WHY_COMPRESS),
	REFUSE("compress", WHY_COMPRESS),
	REFUSE("comp-noadapt", WHY_COMPRESS),
	REFUSE("secret", "static keys have no forward secrecy and no key exchange: use TLS "
			 "with certificates"),
	REFUSE("ncp-disable", "removed from OpenVPN 2.6: the data cipher is negotiated from "
			      "data-ciphers"),
	REFUSE("ncp-ciphers", "the old name of data-ciphers: write data-ciphers"),
	REFUSE("data-ciphers-fallback",
	       "it serves peers that cannot negotiate ciphers (before OpenVPN 2.4); rampart "
	       "requires cipher negotiation and AEAD"),
	REFUSE("duplicate-cn", "clients are told apart by their certificate's common name: "
			       "give each client its own certificate"),
	REFUSE("script-security", WHY_SCRIPTS),
	REFUSE("up", WHY_SCRIPTS),
	REFUSE("down", WHY_SCRIPTS),
	REFUSE("plugin", WHY_SCRIPTS),
	REFUSE("route-up", WHY_SCRIPTS),
	REFUSE("route-pre-down", WHY_SCRIPTS),
	REFUSE("ipchange", WHY_SCRIPTS),
	REFUSE("client-connect", WHY_SCRIPTS),
	REFUSE("client-disconnect", WHY_SCRIPTS),
	REFUSE("learn-address", WHY_SCRIPTS),
	REFUSE("tls-verify", WHY_SCRIPTS),
	REFUSE("tls-crypt-v2-verify", WHY_SCRIPTS),
	REFUSE("auth-user-pass-verify", WHY_SCRIPTS),
	REFUSE("management", "rampart is managed through its control socket, not OpenVPN's "
			     "management interface"),
	REFUSE("key-derivation", WHY_PUSHED),
	REFUSE("protocol-flags", WHY_PUSHED),
	REFUSE("peer-id", WHY_PUSHED),
	REFUSE("connection", "write several remote lines instead of <connection> blocks"),
	REFUSE("config", "one file per configuration: write the options, or inline blocks, "
			 "in it"),
	REFUSE("pkcs12", "give ca, cert and key as PEM"),
	REFUSE("peer-fingerprint", "peers are authenticated with a ca, cert and key"),
	REFUSE("auth-user-pass", "clients authenticate with certificates only"),
	REFUSE("http-proxy", "rampart connects directly, without proxies"),
	REFUSE("socks-proxy", "rampart connects directly, without proxies"),
	REFUSE("server-bridge", "it bridges Ethernet (dev tap); rampart is tun only"),
	REFUSE("ifconfig-ipv6", "a server's IPv6 pool is given with server-ipv6"),
	REFUSE("ifconfig-ipv6-pool", "a server's IPv6 pool is given with server-ipv6"),
	REFUSE("client-config-dir", "per-client configuration files are not implemented"),
	REFUSE("ns-cert-type", "removed from OpenVPN 2.5: write remote-cert-tls"),
};

static const struct opt *find_opt(const char *name)
{
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (strcmp(opts[i].name, name) == 0)
			return &opts[i];
	return NULL;
}

/* ---- lines and blocks ---- */

static bool is_space(char c)
{
	return c == '\0' || isspace((unsigned char)c);
}

static void free_params(char **p, int n)
{
	for (int i = 0; i < n; i++)
		free(p[i]);
}

/* Split one line into words exactly as OpenVPN's parse_line does (the
 * terminating NUL is one more character it reads: it ends the last word). */
static int split_line(struct ctx *x, const char *s, size_t len, char **p, int *np)
{
	enum { INITIAL, UNQUOTED, QUOTED, SQUOTED, DONE } st = INITIAL;
	char parm[VPN_CONF_PARAM_MAX];
	size_t plen = 0;
	bool backslash = false;
	int n = 0;

	for (size_t i = 0; i <= len; i++) {
		char in = i < len ? s[i] : '\0', out = 0;

		if (!backslash && in == '\\' && st != SQUOTED) {
			backslash = true;
		} else {
			if (st == INITIAL) {
				if (!is_space(in)) {
					if (in == ';' || in == '#')
						break;
					if (!backslash && in == '"') {
						st = QUOTED;
					} else if (!backslash && in == '\'') {
						st = SQUOTED;
					} else {
						out = in;
						st = UNQUOTED;
					}
				}
			} else if (st == UNQUOTED) {
				if (!backslash && is_space(in))
					st = DONE;
				else
					out = in;
			} else if (st == QUOTED) {
				if (!backslash && in == '"')
					st = DONE;
				else
					out = in;
			} else if (st == SQUOTED) {
				if (in == '\'')
					st = DONE;
				else
					out = in;
			}
			if (st == DONE) {
				if (n >= VPN_CONF_MAX_PARAMS) {
					fail(x, x->line, "more than %d words on one line",
					     VPN_CONF_MAX_PARAMS);
					goto fail;
				}
				p[n] = malloc(plen + 1);
				if (!p[n]) {
					fail(x, x->line, "out of memory");
					goto fail;
				}
				memcpy(p[n], parm, plen);
				p[n++][plen] = '\0';
				st = INITIAL;
				plen = 0;
			}
			if (backslash && out && !(out == '\\' || out == '"' || is_space(out))) {
				fail(x, x->line,
				     "bad backslash: \\ escapes only \\, \" and spaces (write \\\\ "
				     "for a backslash)");
				goto fail;
			}
			backslash = false;
		}
		if (out) {
			if (plen >= sizeof(parm)) {
				fail(x, x->line, "a parameter is longer than %d characters",
				     VPN_CONF_PARAM_MAX);
				goto fail;
			}
			parm[plen++] = out;
		}
	}
	if (st == QUOTED) {
		fail(x, x->line, "no closing quotation (\")");
		goto fail;
	}
	if (st == SQUOTED) {
		fail(x, x->line, "no closing single quotation (')");
		goto fail;
	}
	if (st != INITIAL) {
		fail(x, x->line, "the line ends with a backslash");
		goto fail;
	}
	*np = n;
	return 0;
fail:
	free_params(p, n);
	return -EINVAL;
}

struct cursor {
	const char *text;
	size_t len, pos;
	unsigned line;
};

/* The next line (without its '\n'); false at the end. */
static bool next_line(struct cursor *cu, const char **s, size_t *n)
{
	const char *nl;

	if (cu->pos >= cu->len)
		return false;
	*s = cu->text + cu->pos;
	nl = memchr(*s, '\n', cu->len - cu->pos);
	*n = nl ? (size_t)(nl - *s) : cu->len - cu->pos;
	cu->pos += *n + (nl ? 1 : 0);
	cu->line++;
	return true;
}

/* After "<name>": the lines up to "</name>" (leading white space allowed,
 * anything after it ignored, as OpenVPN's read_inline_file) into p[1]. */
static int read_block(struct ctx *x, struct cursor *cu, char **p, int *np)
{
	char close[VPN_CONF_PARAM_MAX + 4];
	size_t cl, tlen = 0, cap = 256;
	const char *s;
	size_t n;
	char *t = malloc(cap);

	if (!t)
		return fail(x, x->line, "out of memory");
	cl = (size_t)snprintf(close, sizeof(close), "</%s>", p[0]);
	while (next_line(cu, &s, &n)) {
		size_t k = 0;

		while (k < n && isspace((unsigned char)s[k]))
			k++;
		if (n - k >= cl && memcmp(s + k, close, cl) == 0) {
			t[tlen] = '\0';
			p[1] = t;
			*np = 2;
			x->inline_len = tlen;
			return 0;
		}
		if (tlen + n + 2 > cap) {
			char *nt;

			while (tlen + n + 2 > cap)
				cap *= 2;
			nt = realloc(t, cap);
			if (!nt) {
				free(t);
				return fail(x, x->line, "out of memory");
			}
			t = nt;
		}
		memcpy(t + tlen, s, n);
		tlen += n;
		t[tlen++] = '\n';
	}
	free(t);
	return fail(x, x->line, "<%s> has no %s", p[0], close);
}

static int handle(struct ctx *x, char **p, int n)
{
	const struct opt *o = find_opt(p[0]);

	if (!o) {
		char what[VPN_CONF_PARAM_MAX + 4];

		snprintf(what, sizeof(what), x->is_inline ? "<%s>" : "%s", p[0]);
		return refuse(x, x->line, what,
			      "rampart does not implement it (docs/vpn.md lists the options it "
			      "does)");
	}
	if (o->why)
		return refuse(x, x->line, o->name, o->why);
	if (x->is_inline && !(o->flags & F_INLINE))
		return fail(x, x->line, "option %s cannot be given as an inline <%s> block",
			    o->name, o->name);
	if (n - 1 < o->min || n - 1 > o->max) {
		if (!o->usage)
			return fail(x, x->line, "option %s: wrong number of parameters", o->name);
		return fail(x, x->line, "option %s: wrong number of parameters (%s)", o->name,
			    o->usage);
	}
	return o->fn ? o->fn(x, p, n) : 0;
}

static int parse_text(struct ctx *x, const char *text, size_t len)
{
	struct cursor cu = { .text = text, .len = len };
	const char *s;
	size_t n;
	const char *nul = memchr(text, '\0', len);

	if (nul) {
		unsigned line = 1;

		for (const char *q = text; q < nul; q++)
			line += *q == '\n';
		return fail(x, line, "a NUL byte: this is not a text file");
	}
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		cu.pos = 3; /* a UTF-8 byte order mark, skipped as OpenVPN does */
	while (next_line(&cu, &s, &n)) {
		char *p[VPN_CONF_MAX_PARAMS + 1] = { 0 };
		int np = 0, rc;

		x->line = cu.line;
		x->is_inline = false;
		if (split_line(x, s, n, p, &np))
			return -EINVAL;
		if (np == 0)
			continue;
		/* "--name" in a file is "name" (OpenVPN's bypass_doubledash) */
		if (strlen(p[0]) >= 3 && p[0][0] == '-' && p[0][1] == '-')
			memmove(p[0], p[0] + 2, strlen(p[0]) - 1);
		if (np == 1 && p[0][0] == '<' && strlen(p[0]) >= 3 &&
		    p[0][strlen(p[0]) - 1] == '>') {
			if (p[0][1] == '/') {
				rc = fail(x, x->line, "%s without its opening tag", p[0]);
				free_params(p, np);
				return rc;
			}
			memmove(p[0], p[0] + 1, strlen(p[0]));
			p[0][strlen(p[0]) - 1] = '\0';
			x->is_inline = true;
			if (read_block(x, &cu, p, &np)) {
				free_params(p, np);
				return -EINVAL;
			}
		}
		rc = handle(x, p, np);
		free_params(p, np);
		if (rc)
			return rc;
	}
	x->c->n_lines = cu.line;
	return 0;
}

/* ---- after the last line ---- */

static int check_role(struct ctx *x)
{
	struct vpn_conf *c = x->c;

	if (x->tls_client_line && x->tls_server_line) {
		unsigned later = x->tls_client_line > x->tls_server_line ? x->tls_client_line
									 : x->tls_server_line;

		return fail(x, later, "a configuration is either a client or a server, not both");
	}
	if (x->tls_client_line) {
		if (!x->pull_line)
			return refuse(x, x->tls_client_line, "tls-client without pull",
				      "point-to-point mode is not implemented (write client)");
		if (x->mode_server_line)
			return fail(x, x->mode_server_line, "mode server in a client");
		c->role = VPN_CONF_ROLE_CLIENT;
		c->role_line = x->client_line ? x->client_line : x->tls_client_line;
		c->pull = true;
		return 0;
	}
	if (x->tls_server_line) {
		if (!x->mode_server_line)
			return refuse(x, x->tls_server_line, "tls-server without mode server",
				      "point-to-point mode is not implemented (write server)");
		if (x->pull_line)
			return fail(x, x->pull_line, "pull is for a client, not a server");
		c->role = VPN_CONF_ROLE_SERVER;
		c->role_line = x->server_line ? x->server_line : x->mode_server_line;
		return 0;
	}
	if (x->mode_server_line)
		return fail(x, x->mode_server_line, "mode server needs tls-server");
	if (x->pull_line)
		return fail(x, x->pull_line, "pull needs tls-client (or write client)");
	return fail(x, c->n_lines ? c->n_lines : 1,
		    "neither client nor server: write client, or server with its address pool");
}

static const char *missing_pki(const struct vpn_conf *c)
{
	if (!c->ca.line)
		return "ca";
	if (!c->cert.line)
		return "cert";
	if (!c->key.line)
		return "key";
	return NULL;
}

static int check_server(struct ctx *x)
{
	struct vpn_conf *c = x->c;
	const char *m;

	if (x->client_only_line)
		return fail(x, x->client_only_line, "option %s is for a client, not a server",
			    x->client_only_name);
	if (x->proto_tcp_client)
		return fail(x, x->proto_line, "option proto: tcp-client is for a client");
	if (x->ifconfig_pool_line) {
		struct vpn_conf_pool4 *s = &c->pool4;

		if (x->server_line && c->pool4.set)
			return fail(x, x->ifconfig_pool_line,
				    "option ifconfig-pool: server already defines the pool");
		if (!x->ifconfig_line)
			return fail(x, x->ifconfig_pool_line,
				    "option ifconfig-pool needs ifconfig (the server's address)");
		if (x->ifpool_netmask && x->ifpool_netmask != x->ifconfig_netmask)
			return fail(x, x->ifconfig_pool_line,
				    "option ifconfig-pool: its netmask differs from ifconfig's");
		if ((x->ifpool_start & x->ifconfig_netmask) !=
			    (x->ifconfig_local & x->ifconfig_netmask) ||
		    (x->ifpool_end & x->ifconfig_netmask) !=
			    (x->ifconfig_local & x->ifconfig_netmask))
			return fail(x, x->ifconfig_pool_line,
				    "option ifconfig-pool: the pool is outside ifconfig's subnet");
		s->set = true;
		s->netmask = x->ifconfig_netmask;
		s->network = x->ifconfig_local & x->ifconfig_netmask;
		s->local = x->ifconfig_local;
		s->pool_start = x->ifpool_start;
		s->pool_end = x->ifpool_end;
		s->line = x->ifconfig_pool_line;
	} else if (x->ifconfig_line && x->server_line && c->pool4.set) {
		return fail(x, x->ifconfig_line, "option ifconfig: server already sets it");
	}
	if (!c->pool4.set && !c->pool6.set)
		return fail(x, c->role_line,
			    "a server needs an address pool: add server or server-ipv6");
	m = missing_pki(c);
	if (m)
		return fail(x, c->role_line, "a server needs ca, cert and key: %s is missing", m);
	return 0;
}

static int check_client(struct ctx *x)
{
	struct vpn_conf *c = x->c;
	const char *m;

	if (x->server_only_line)
		return fail(x, x->server_only_line, "option %s is for a server, not a client",
			    x->server_only_name);
	if (x->proto_tcp_server)
		return fail(x, x->proto_line, "option proto: tcp-server is for a server");
	if (c->tls_crypt_v2.line && (c->tls_crypt.line || c->tls_auth.line)) {
		unsigned other = c->tls_crypt.line ? c->tls_crypt.line : c->tls_auth.line;

		return fail(x, other > c->tls_crypt_v2.line ? other : c->tls_crypt_v2.line,
			    "a client uses one of tls-crypt-v2, tls-crypt and tls-auth");
	}
	if (x->cookie_line)
		return fail(x, x->cookie_line,
			    "option tls-crypt-v2: force-cookie is for a server, not a client");
	if (!c->n_remotes)
		return fail(x, c->role_line, "a client needs remote (the server's address)");
	m = missing_pki(c);
	if (m)
		return fail(x, c->role_line, "a client needs ca, cert and key: %s is missing", m);
	return 0;
}

static int check_all(struct ctx *x)
{
	struct vpn_conf *c = x->c;

	if (check_role(x))
		return -EINVAL;
	if (!c->dev)
		return fail(x, c->role_line, "no dev: add dev tun");
	if (strncmp(c->dev, "tun", 3) != 0 && !x->dev_type_line)
		return fail(x, x->dev_line, "dev %s: add dev-type tun (the name does not say)",
			    c->dev);
	if (c->tls_auth.line && c->tls_crypt.line)
		return fail(x,
			    c->tls_auth.line > c->tls_crypt.line ? c->tls_auth.line
								 : c->tls_crypt.line,
			    "tls-auth and tls-crypt are mutually exclusive");
	if (c->role == VPN_CONF_ROLE_SERVER ? check_server(x) : check_client(x))
		return -EINVAL;
	if (!c->tls_crypt_v2.line && !c->tls_crypt.line && !c->tls_auth.line)
		return fail(x, c->role_line,
			    "no control-channel wrapping: add tls-crypt-v2, tls-crypt or "
			    "tls-auth (rampart never runs an unwrapped control channel)");
	if (x->keepalive_line && x->ping_line)
		return fail(x, x->keepalive_line > x->ping_line ? x->keepalive_line : x->ping_line,
			    "keepalive conflicts with ping, ping-restart and ping-exit "
			    "(keepalive sets them)");
	if (c->tls_version_max && c->tls_version_max < c->tls_version_min)
		return fail(x, x->tls_version_max_line,
			    "option tls-version-max is below tls-version-min");
	return 0;
}

/* Defaults that depend on the whole file. */
static void finish(struct ctx *x)
{
	struct vpn_conf *c = x->c;

	if (c->keepalive_interval_s) {
		c->ping_s = c->keepalive_interval_s;
		c->ping_restart_s =
			c->keepalive_timeout_s * (c->role == VPN_CONF_ROLE_SERVER ? 2u : 1u);
	}
	for (size_t i = 0; i < c->n_remotes; i++) {
		struct vpn_conf_remote *r = &c->remotes[i];

		if (!r->port)
			r->port = x->rport_set ? x->rport : VPN_CONF_DEFAULT_PORT;
		if (!(x->remote_has_proto & (1ull << i)))
			r->proto = c->proto;
	}
}

static void set_defaults(struct vpn_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->port = VPN_CONF_DEFAULT_PORT;
	c->resolv_retry_s = -1;
	c->max_clients = 1024;
	c->tun_mtu = 1500;
	c->mssfix = 1492;
	c->tls_version_min = VPN_CONF_TLS_1_2;
	c->tls_auth_direction = VPN_CONF_KEYDIR_BIDI;
	c->auth = VPN_CONF_SHA1;
	c->data_ciphers[0] = VPN_CONF_AES_256_GCM;
	c->data_ciphers[1] = VPN_CONF_AES_128_GCM;
	c->data_ciphers[2] = VPN_CONF_CHACHA20_POLY1305;
	c->n_data_ciphers = 3;
	c->reneg_sec = 3600;
	c->hand_window_s = 60;
	c->tls_timeout_s = 2;
}

static int read_file(struct ctx *x, char **text, size_t *len)
{
	FILE *f = fopen(x->path, "rb");
	size_t cap = 4096, n = 0;
	char *t;
	int rc;

	if (!f) {
		rc = -errno;
		snprintf(x->err, x->errlen, "%s: %s", x->path, strerror(errno));
		return rc;
	}
	t = malloc(cap);
	while (t) {
		size_t r = fread(t + n, 1, cap - n, f);

		n += r;
		if (n < cap)
			break;
		if (cap > VPN_CONF_MAX_FILE) {
			free(t);
			fclose(f);
			snprintf(x->err, x->errlen, "%s: larger than %u bytes", x->path,
				 VPN_CONF_MAX_FILE);
			return -EINVAL;
		}
		cap *= 2;
		char *nt = realloc(t, cap);

		if (!nt)
			free(t);
		t = nt;
	}
	rc = ferror(f) ? -EIO : 0;
	fclose(f);
	if (!t) {
		snprintf(x->err, x->errlen, "%s: out of memory", x->path);
		return -ENOMEM;
	}
	if (rc) {
		free(t);
		snprintf(x->err, x->errlen, "%s: read error", x->path);
		return rc;
	}
	*text = t;
	*len = n;
	return 0;
}

int vpn_conf_parse(const char *path, const char *text, size_t len, struct vpn_conf *out, char *err,
		   size_t errlen)
{
	struct ctx x = { .path = path ? path : "(config)", .err = err, .errlen = errlen, .c = out };
	char *owned = NULL;
	const char *slash;
	int rc;

	if (errlen)
		err[0] = '\0';
	set_defaults(out);
	slash = path ? strrchr(path, '/') : NULL;
	if (slash) {
		x.dir = strndup(path, (size_t)(slash - path)); /* "" for "/x.conf" */
		if (!x.dir)
			return -ENOMEM;
	}
	if (!text) {
		rc = read_file(&x, &owned, &len);
		if (rc)
			goto out;
		text = owned;
	}
	if (len > VPN_CONF_MAX_FILE) {
		rc = fail(&x, 1, "larger than %u bytes", VPN_CONF_MAX_FILE);
		goto out;
	}
	rc = parse_text(&x, text, len);
	if (rc == 0)
		rc = check_all(&x);
	if (rc == 0)
		finish(&x);
out:
	free(owned);
	free(x.dir);
	if (rc)
		vpn_conf_free(out);
	return rc;
}

void vpn_conf_free(struct vpn_conf *c)
{
	free(c->local);
	for (size_t i = 0; i < c->n_remotes; i++)
		free(c->remotes[i].host);
	free(c->remotes);
	free(c->dev);
	for (size_t i = 0; i < c->n_push; i++)
		free(c->push[i].option);
	free(c->push);
	free(c->routes);
	free(c->routes6);
	for (size_t i = 0; i < c->n_dhcp_options; i++) {
		free(c->dhcp_options[i].type);
		free(c->dhcp_options[i].value);
	}
	free(c->dhcp_options);
	file_clear(&c->ca);
	file_clear(&c->cert);
	file_clear(&c->key);
	file_clear(&c->crl_verify);
	file_clear(&c->extra_certs);
	file_clear(&c->tls_crypt_v2);
	file_clear(&c->tls_crypt);
	file_clear(&c->tls_auth);
	free(c->verify_x509_name);
	free(c->tls_cipher);
	free(c->tls_ciphersuites);
	free(c->tls_groups);
	free(c->ecdh_curve);
	memset(c, 0, sizeof(*c));
}
