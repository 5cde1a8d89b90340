/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control.c - key-method 2, peer-info, NCP, PUSH_REPLY, commands
 * (control.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpn/control.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

/* ---- key method 2 ---- */

/* str = u16 len (with the NUL) || bytes || NUL; empty: len 0 (or 1, NUL).
 * 1 read, 0 nothing left (the string is optional), -1 malformed. */
static int get_str(const uint8_t *p, size_t len, size_t *o, char *out, size_t cap)
{
	size_t n;

	out[0] = '\0';
	if (*o == len)
		return 0;
	if (len - *o < 2)
		return -1;
	n = (size_t)(p[*o] << 8 | p[*o + 1]);
	*o += 2;
	if (!n)
		return 1;
	if (n > len - *o || n > cap || p[*o + n - 1] != '\0' ||
	    memchr(p + *o, 0, n) != p + *o + n - 1)
		return -1;
	memcpy(out, p + *o, n);
	*o += n;
	return 1;
}

int vpn_km2_parse(const uint8_t *p, size_t len, bool from_client, struct vpn_km2 *m, char *err,
		  size_t errlen)
{
	size_t o = 5, need = 5 + (from_client ? 48 : 0) + 64;
	char *strs[4] = { m->options, m->username, m->password, m->peer_info };
	size_t caps[4] = { sizeof(m->options), sizeof(m->username), sizeof(m->password),
			   sizeof(m->peer_info) };

	memset(m, 0, sizeof(*m));
	m->from_client = from_client;
	if (len < need)
		return ERR("key-method 2: %zu bytes, want at least %zu", len, need + 2);
	if (p[0] | p[1] | p[2] | p[3])
		return ERR("key-method 2: the first word is not 0");
	if ((p[4] & 0x0f) != 2)
		return ERR("key method %u: only key method 2 is supported",
			   (unsigned)(p[4] & 0x0f));
	if (from_client) {
		memcpy(m->pre_master, p + o, 48);
		o += 48;
	}
	memcpy(m->random1, p + o, 32);
	memcpy(m->random2, p + o + 32, 32);
	o += 64;
	for (int i = 0; i < 4; i++) {
		int r = get_str(p, len, &o, strs[i], caps[i]);

		if (r < 0)
			return ERR("key-method 2: string %d is malformed or too long", i + 1);
		if (r == 0 && i == 0)
			return ERR("key-method 2: no options string");
		if (r == 0)
			break;
	}
	if (o != len)
		return ERR("key-method 2: %zu bytes after the last string", len - o);
	return 0;
}

static size_t put_str(uint8_t *out, size_t o, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (!o)
		return 0;
	if (o + 2 + (n ? n + 1 : 0) > cap)
		return 0;
	out[o] = (uint8_t)((n ? n + 1 : 0) >> 8);
	out[o + 1] = (uint8_t)(n ? n + 1 : 0);
	if (n)
		memcpy(out + o + 2, s, n + 1);
	return o + 2 + (n ? n + 1 : 0);
}

size_t vpn_km2_write(const struct vpn_km2 *m, uint8_t *out, size_t cap)
{
	size_t o = 5 + (m->from_client ? 48 : 0) + 64;

	if (cap < o)
		return 0;
	memset(out, 0, 4);
	out[4] = 2;
	if (m->from_client)
		memcpy(out + 5, m->pre_master, 48);
	memcpy(out + o - 64, m->random1, 32);
	memcpy(out + o - 32, m->random2, 32);
	o = put_str(out, o, cap, m->options);
	o = put_str(out, o, cap, m->username);
	o = put_str(out, o, cap, m->password);
	return put_str(out, o, cap, m->peer_info);
}

void vpn_options_string(char *out, size_t cap, bool server, bool tcp)
{
	snprintf(out, cap,
		 "V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto %s,auth SHA1,keysize "
		 "128,key-method 2,%s",
		 tcp ? (server ? "TCPv4_SERVER" : "TCPv4_CLIENT") : "UDPv4",
		 server ? "tls-server" : "tls-client");
}

/* ---- peer-info ---- */

int vpn_peer_info_parse(const char *text, struct vpn_peer_info *pi, char *err, size_t errlen)
{
	memset(pi, 0, sizeof(*pi));
	for (const char *l = text; *l;) {
		size_t n = strcspn(l, "\n"), k;
		const char *eq = memchr(l, '=', n);
		char val[256];

		if (n > 255)
			return ERR("peer-info: a line of %zu characters", n);
		if (!eq || (strncmp(l, "IV_", 3) != 0 && strncmp(l, "UV_", 3) != 0))
			goto next; /* a 2.6 server ignores it */
		for (k = 0; l + k < eq; k++)
			if (!((l[k] >= 'A' && l[k] <= 'Z') || (l[k] >= 'a' && l[k] <= 'z') ||
			      (l[k] >= '0' && l[k] <= '9') || l[k] == '_'))
				goto next;
		snprintf(val, sizeof(val), "%.*s", (int)(n - (size_t)(eq - l) - 1), eq + 1);
		for (k = 0; val[k]; k++)
			if (val[k] < 0x20 || val[k] > 0x7e)
				goto next;
#define KEY(s) ((size_t)(eq - l) == strlen(s) && strncmp(l, s, strlen(s)) == 0)
		if (KEY("IV_PROTO"))
			pi->proto = (unsigned)strtoul(val, NULL, 10);
		else if (KEY("IV_CIPHERS"))
			snprintf(pi->ciphers, sizeof(pi->ciphers), "%s", val);
		else if (KEY("IV_NCP"))
			pi->ncp2 = atoi(val) >= 2;
		else if (KEY("IV_MTU"))
			pi->mtu = (unsigned)strtoul(val, NULL, 10);
		else if (KEY("IV_VER"))
			snprintf(pi->version, sizeof(pi->version), "%.31s", val);
		else if (KEY("IV_PLAT"))
			snprintf(pi->platform, sizeof(pi->platform), "%.31s", val);
#undef KEY
	next:
		l += n + (l[n] == '\n');
	}
	return 0;
}

void vpn_peer_info_write(char *out, size_t cap, const enum vpn_cipher *ciphers, unsigned n,
			 unsigned iv_proto)
{
	size_t o =
		(size_t)snprintf(out, cap, "IV_VER=2.6.14\nIV_PLAT=linux\nIV_PROTO=%u\nIV_CIPHERS=",
				 iv_proto ? iv_proto
					  : VPN_IV_DATA_V2 | VPN_IV_REQUEST_PUSH |
						    VPN_IV_TLS_KEY_EXPORT | VPN_IV_CC_EXIT_NOTIFY);

	for (unsigned i = 0; i < n && o < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? ":" : "",
				      vpn_cipher_name(ciphers[i]));
	if (o < cap)
		snprintf(out + o, cap - o, "\n");
}

int vpn_ncp_choose(const enum vpn_cipher *ours, unsigned n, const struct vpn_peer_info *pi)
{
	for (unsigned i = 0; i < n; i++) {
		const char *name = vpn_cipher_name(ours[i]);
		size_t nl = strlen(name);

		if (pi->ciphers[0]) {
			/* exact, case-sensitive, as 2.6 compares */
			for (const char *c = pi->ciphers; *c;) {
				size_t cl = strcspn(c, ":");

				if (cl == nl && strncmp(c, name, nl) == 0)
					return ours[i];
				c += cl + (c[cl] == ':');
			}
		} else if (pi->ncp2 && (ours[i] == VPN_AES_256_GCM || ours[i] == VPN_AES_128_GCM)) {
			return ours[i];
		}
	}
	return -1;
}

/* ---- PUSH_REPLY ---- */

void vpn_push_init(struct vpn_push *p)
{
	memset(p, 0, sizeof(*p));
	p->peer_id = VPN_PEER_ID_NONE;
	p->cipher = -1;
}

static bool ip4(const char *s, uint8_t out[4])
{
	return s && inet_pton(AF_INET, s, out) == 1;
}

static int option(struct vpn_push *p, char *opt, char *err, size_t errlen, int *cont)
{
	char *argv[8] = { 0 }, *save = NULL;
	int argc = 0;

	for (char *t = strtok_r(opt, " ", &save); t && argc < 8; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	if (!argc)
		return 0;
#define IS(s) (strcmp(argv[0], s) == 0)
	if (IS("push-continuation") && argc == 2) {
		*cont = atoi(argv[1]);
	} else if (IS("ifconfig") && argc == 3) {
		if (!ip4(argv[1], p->ifconfig) || !ip4(argv[2], p->netmask))
			return ERR("pushed ifconfig %s %s: not two IPv4 addresses", argv[1],
				   argv[2]);
		p->has_ifconfig = true;
	} else if (IS("ifconfig-ipv6") && argc >= 2) {
		snprintf(p->ifconfig_ipv6, sizeof(p->ifconfig_ipv6), "%.63s", argv[1]);
	} else if (IS("route-gateway") && argc == 2) {
		if (!ip4(argv[1], p->route_gateway))
			return ERR("pushed route-gateway %s: not an IPv4 address", argv[1]);
		p->has_route_gateway = true;
	} else if ((IS("route") && argc >= 2) || (IS("route-ipv6") && argc >= 2)) {
		if (p->n_routes == VPN_PUSH_ROUTES_MAX)
			return ERR("more than %d pushed routes", VPN_PUSH_ROUTES_MAX);
		snprintf(p->routes[p->n_routes++], sizeof(p->routes[0]), "%.30s%s%.30s", argv[1],
			 argc > 2 && IS("route") ? " " : "",
			 argc > 2 && IS("route") ? argv[2] : "");
	} else if (IS("redirect-gateway")) {
		p->redirect_gateway = true;
	} else if (IS("dhcp-option") && argc == 3) {
		if (strcmp(argv[1], "DNS") == 0 && p->n_dns < 8)
			snprintf(p->dns[p->n_dns++], sizeof(p->dns[0]), "%.63s", argv[2]);
	} else if (IS("topology") && argc == 2) {
		if (strcmp(argv[1], "subnet") != 0)
			return ERR("pushed topology %s: only subnet is supported", argv[1]);
	} else if ((IS("ping") || IS("ping-restart") || IS("tun-mtu") || IS("peer-id")) &&
		   argc == 2) {
		char *end;
		unsigned long v = strtoul(argv[1], &end, 10);

		if (*end || (IS("peer-id") && v >= VPN_PEER_ID_NONE) || v > 0xffffff)
			return ERR("pushed %s %s: not a number in range", argv[0], argv[1]);
		if (IS("ping"))
			p->ping = (unsigned)v;
		else if (IS("ping-restart"))
			p->ping_restart = (unsigned)v;
		else if (IS("tun-mtu"))
			p->tun_mtu = (unsigned)v;
		else
			p->peer_id = (uint32_t)v;
	} else if (IS("cipher") && argc == 2) {
		p->cipher = vpn_cipher_from_name(argv[1]);
		if (p->cipher < 0)
			return ERR("pushed cipher %s: not one of AES-256-GCM, AES-128-GCM, "
				   "CHACHA20-POLY1305",
				   argv[1]);
	} else if (IS("key-derivation") && argc == 2 && strcmp(argv[1], "tls-ekm") == 0) {
		p->tls_ekm = true;
	} else if (IS("protocol-flags")) {
		for (int i = 1; i < argc; i++) {
			p->tls_ekm |= strcmp(argv[i], "tls-ekm") == 0;
			p->cc_exit |= strcmp(argv[i], "cc-exit") == 0;
			p->dyn_tls_crypt |= strcmp(argv[i], "dyn-tls-crypt") == 0;
		}
	} else if (IS("comp-lzo") || IS("compress")) {
		return ERR("pushed %s refused: compression is not supported (VORACLE)", argv[0]);
	} else if (IS("explicit-exit-notify") || IS("auth-token") || IS("auth-token-user") ||
		   IS("block-ipv6") || IS("dns") || IS("tun-ipv6")) {
		/* understood, nothing to keep here (tun-ipv6: a server with server-ipv6
		 * still pushes it; IPv6 in the tunnel needs nothing more) */
	} else {
		return ERR("pushed option \"%s\" refused: not one rampart knows", argv[0]);
	}
#undef IS
	return 0;
}

int vpn_push_parse(const char *msg, size_t len, struct vpn_push *p, char *err, size_t errlen)
{
	char buf[VPN_PUSH_BUNDLE + 1], *save = NULL;
	int cont = -1;

	if (len && msg[len - 1] == '\0')
		len--;
	if (len < 10 || strncmp(msg, "PUSH_REPLY", 10) != 0 || len - 10 > VPN_PUSH_BUNDLE ||
	    memchr(msg, 0, len))
		return ERR("not a PUSH_REPLY of at most %d bytes", VPN_PUSH_BUNDLE);
	memcpy(buf, msg + 10, len - 10);
	buf[len - 10] = '\0';
	for (char *o = strtok_r(buf, ",", &save); o; o = strtok_r(NULL, ",", &save))
		if (option(p, o, err, errlen, &cont) < 0)
			return -1;
	return cont == 2 ? 0 : 1;
}

int vpn_push_build(const char *options, void (*emit)(void *ctx, const char *msg, size_t len),
		   void *ctx)
{
	static const char more[] = ",push-continuation 2", last[] = ",push-continuation 1";
	char msg[VPN_PUSH_BUNDLE + 16];
	size_t total = strlen(options), base = strlen("PUSH_REPLY");
	int parts = 0;

	if (base + 1 + total <= VPN_PUSH_BUNDLE) {
		size_t n = (size_t)snprintf(msg, sizeof(msg), "PUSH_REPLY,%s", options);

		emit(ctx, msg, n + 1);
		return 1;
	}
	for (const char *o = options; *o;) {
		size_t n = base;

		memcpy(msg, "PUSH_REPLY", base);
		/* whole options while they fit with the continuation */
		while (*o) {
			size_t ol = strcspn(o, ",");

			if (n + 1 + ol + sizeof(more) - 1 > VPN_PUSH_BUNDLE) {
				if (n == base)
					return -1; /* one option alone is too long */
				break;
			}
			msg[n++] = ',';
			memcpy(msg + n, o, ol);
			n += ol;
			o += ol + (o[ol] == ',');
		}
		memcpy(msg + n, *o ? more : last, sizeof(more));
		n += sizeof(more) - 1;
		emit(ctx, msg, n + 1);
		parts++;
	}
	return parts;
}

enum vpn_cmd vpn_cmd_of(const char *msg, size_t len)
{
	static const struct {
		const char *p;
		enum vpn_cmd c;
	} cmds[] = {
		{ "PUSH_REQUEST", VPN_CMD_PUSH_REQUEST },
		{ "PUSH_REPLY", VPN_CMD_PUSH_REPLY },
		{ "AUTH_FAILED", VPN_CMD_AUTH_FAILED },
		{ "AUTH_PENDING", VPN_CMD_AUTH_PENDING },
		{ "RESTART", VPN_CMD_RESTART },
		{ "HALT", VPN_CMD_HALT },
		{ "EXIT", VPN_CMD_EXIT },
		{ "INFO", VPN_CMD_INFO },
	};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		size_t n = strlen(cmds[i].p);

		if (len >= n && strncmp(msg, cmds[i].p, n) == 0)
			return cmds[i].c;
	}
	return VPN_CMD_UNKNOWN;
}
