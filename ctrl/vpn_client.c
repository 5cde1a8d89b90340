/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpn_client.c - rampart-ctrl as an OpenVPN client (vpn.h, docs/vpn.md): an
 * OpenVPN client config file, one session at a time to its first remote
 * over UDP, a TUN that takes the pushed addresses and the routes (the
 * config's, the pushed ones, redirect-gateway's two halves), and a new
 * session with backoff whenever one ends. Fail hard: the TUN and its routes
 * are put in place before the first connection and stay while the tunnel is
 * down, so traffic routed into the tunnel is dropped (and counted), never
 * sent in clear around it; the way to the server itself is pinned by a host
 * route so that the tunnel's own packets do not loop into it.
 *
 * With vpn { client; dataplane = true; } there is no TUN: the routes go into
 * the dataplane's network configuration on the port "vpn" (and the pinned
 * ones by the route they had there), the session's keys to the dataplane
 * (DP_MSG_VPN, DP_VPN_F_CLIENT), whose workers encrypt what is routed into
 * the tunnel and decrypt what the server sends; while no key is there, what
 * is routed into it is dropped. ctrl keeps the control channel.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "ctrl/ctrl.h"
#include "ctrl/resolve/resolve.h"

#define CLI_BACKOFF_MAX_S 60
#define CLI_ANSWER_S	  10 /* a server silent this long: a new attempt */

/* A route into the tunnel: the TUN's in the kernel, or with the data
 * channel in the dataplane one on its port "vpn" (sent with the network
 * configuration once the routes are all there: dp_routes_changed) */
static int route_add(struct ctrl_vpn_cli *v, struct dp_addr *p)
{
	unsigned bits = p->family == 4 ? 32 : 128;

	for (unsigned b = p->prefixlen; b < bits; b++)
		p->addr[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
	if (!v->dp)
		return ctrl_iface_route(v->tun, p, true);
	for (unsigned i = 0; i < v->n_routes; i++)
		if (memcmp(&v->routes[i].dst, p, sizeof(*p)) == 0)
			return 0;
	if (v->n_routes == CTRL_VPN_CLI_ROUTES_MAX) {
		errno = ENOSPC;
		return -1;
	}
	v->routes[v->n_routes] = (struct dp_route){ .dst = *p };
	snprintf(v->routes[v->n_routes++].port, DP_PORT_NAME_MAX, "vpn");
	return 0;
}

static int route4(struct ctrl_vpn_cli *v, uint32_t net, uint32_t mask)
{
	struct dp_addr p = { .family = 4, .prefixlen = (uint8_t)__builtin_popcount(mask) };
	uint32_t n = htonl(net & mask);

	memcpy(p.addr, &n, 4);
	return route_add(v, &p);
}

static int route6(struct ctrl_vpn_cli *v, const uint8_t net[16], unsigned len)
{
	struct dp_addr p = { .family = 6, .prefixlen = (uint8_t)len };

	memcpy(p.addr, net, 16);
	return route_add(v, &p);
}

/* With the data channel in the dataplane: its network configuration again,
 * with the routes as they are now */
static void dp_routes_changed(struct ctrl_vpn_cli *v)
{
	if (v->dp && ctrl_netcfg_update(v->ctrl) < 0)
		ctrl_log("warning", "vpn client: the dataplane did not take the tunnel's routes");
}

/* A remote given as an address: its socket address (1), or 0 for a name. */
static int remote_addr(const struct vpn_conf_remote *r, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, r->host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(r->port);
		return 1;
	}
	if (inet_pton(AF_INET6, r->host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(r->port);
		return 1;
	}
	return 0;
}

/* With redirect-gateway: the remote about to be tried keeps its way around
 * the tunnel (a host route by the route it had), the one before loses it. */
static void pin_server(struct ctrl_vpn_cli *v)
{
	struct dp_addr host = { 0 };
	int rc;

	if (!v->redirected || !v->have_remote)
		return;
	if (v->remote.ss_family == AF_INET) {
		host.family = 4;
		host.prefixlen = 32;
		memcpy(host.addr, &((struct sockaddr_in *)&v->remote)->sin_addr, 4);
	} else {
		host.family = 6;
		host.prefixlen = 128;
		memcpy(host.addr, &((struct sockaddr_in6 *)&v->remote)->sin6_addr, 16);
	}
	if (v->dp) {
		/* the dataplane's route to it, as it was before the tunnel's */
		if (memcmp(&v->pinned, &host, sizeof(host)) != 0) {
			v->pinned = host;
			dp_routes_changed(v);
		}
		return;
	}
	if (v->pinned.family && memcmp(&v->pinned, &host, sizeof(host)) != 0) {
		ctrl_route_unpin(&v->pinned); /* another remote than the last time */
		memset(&v->pinned, 0, sizeof(v->pinned));
	}
	if (v->pinned.family)
		return;
	if ((rc = ctrl_route_pin(&host)) < 0)
		ctrl_log("warning", "vpn client: pinning the route to the server: %s",
			 strerror(-rc));
	else
		v->pinned = host;
}

/* redirect-gateway: the server pinned, then two halves that beat the
 * default route without replacing it (def1's way, always). A remote given
 * by name has its DNS servers pinned too: its address is asked before each
 * attempt, while the halves send everything else into the tunnel. */
static void redirect(struct ctrl_vpn_cli *v, bool ipv6)
{
	static const uint8_t half6[16] = { 0x80 };
	static const uint8_t zero6[16];
	const struct ctrl *c = v->ctrl;
	bool names = false;

	v->redirected = true;
	pin_server(v);
	for (size_t i = 0; i < v->conf.n_remotes; i++) {
		struct sockaddr_storage ss;

		names |= remote_addr(&v->conf.remotes[i], &ss) == 0;
	}
	for (unsigned i = 0; names && i < c->conf.n_dns && !v->n_pinned_dns; i++) {
		v->pinned_dns[i] = c->conf.dns[i];
		if (!v->dp && ctrl_route_pin(&v->pinned_dns[i]) < 0)
			ctrl_log("warning", "vpn client: pinning the route to DNS server %u failed",
				 i);
		if (i + 1 == c->conf.n_dns)
			v->n_pinned_dns = c->conf.n_dns;
	}
	if (route4(v, 0, 0x80000000u) < 0 || route4(v, 0x80000000u, 0x80000000u) < 0)
		ctrl_log("warning", "vpn client: redirect-gateway routes: %s", strerror(errno));
	if (ipv6 && (route6(v, zero6, 1) < 0 || route6(v, half6, 1) < 0))
		ctrl_log("warning", "vpn client: redirect-gateway IPv6 routes failed");
}

/* The config's own routes and redirect-gateway: in place before any
 * connection, so nothing meant for the tunnel leaves another way. */
static void static_routes(struct ctrl_vpn_cli *v)
{
	const struct vpn_conf *cf = &v->conf;

	for (size_t i = 0; i < cf->n_routes; i++)
		if (route4(v, cf->routes[i].network, cf->routes[i].netmask) < 0)
			ctrl_log("warning", "vpn client: route of line %u not set",
				 cf->routes[i].line);
	for (size_t i = 0; i < cf->n_routes6; i++)
		if (route6(v, cf->routes6[i].network, cf->routes6[i].prefix_len) < 0)
			ctrl_log("warning", "vpn client: route-ipv6 of line %u not set",
				 cf->routes6[i].line);
	if (cf->redirect_gateway)
		redirect(v, cf->redirect_gateway_flags & VPN_CONF_RG_IPV6);
	dp_routes_changed(v);
}

/* What the server pushed: the TUN's addresses, its routes. */
static void apply_push(struct ctrl_vpn_cli *v)
{
	const struct vpn_push *p = &v->ss->push_in;
	struct dp_addr a[2] = { { 0 } };
	unsigned n = 0, routes = 0;
	int rc;

	if (p->has_ifconfig) {
		uint32_t m;

		memcpy(&m, p->netmask, 4);
		a[n].family = 4;
		a[n].prefixlen = (uint8_t)__builtin_popcount(m);
		memcpy(a[n++].addr, p->ifconfig, 4);
	}
	if (p->ifconfig_ipv6[0]) {
		char addr[64];
		unsigned len = 64;

		if (sscanf(p->ifconfig_ipv6, "%63[^/]/%u", addr, &len) >= 1 &&
		    inet_pton(AF_INET6, addr, a[n].addr) == 1 && len <= 128) {
			a[n].family = 6;
			a[n++].prefixlen = (uint8_t)len;
		}
	}
	if (v->dp) {
		/* the dataplane's state says them; no TUN to put them on */
		uint8_t was[4];
		bool had4 = v->has4;

		memcpy(was, v->tun4, 4);
		v->has4 = v->has6 = false;
		for (unsigned i = 0; i < n; i++)
			if (a[i].family == 4 && (v->has4 = true))
				memcpy(v->tun4, a[i].addr, 4);
			else if (a[i].family == 6 && (v->has6 = true))
				memcpy(v->tun6, a[i].addr, 16);
		/* "nat on vpn ... -> vpn" translates to the new address before
		 * the keys reach the dataplane */
		if (v->has4 != had4 || memcmp(was, v->tun4, 4) != 0)
			ctrl_fw_recompile(v->ctrl);
		rc = 0;
	} else {
		rc = ctrl_iface_setup(v->tun, p->tun_mtu ? p->tun_mtu : 1500, a, n);
	}
	if (rc < 0)
		ctrl_log("warning", "vpn client: setting the pushed addresses on %s: %s", v->tun,
			 strerror(-rc));
	for (unsigned i = 0; i < p->n_routes; i++) {
		char net[64], mask[64];
		struct in_addr na, ma;
		uint8_t n6[16];
		unsigned len;

		if (sscanf(p->routes[i], "%63s %63s", net, mask) == 2 &&
		    inet_pton(AF_INET, net, &na) == 1 && inet_pton(AF_INET, mask, &ma) == 1)
			rc = route4(v, ntohl(na.s_addr), ntohl(ma.s_addr));
		else if (sscanf(p->routes[i], "%63[^/]/%u", net, &len) == 2 &&
			 inet_pton(AF_INET6, net, n6) == 1 && len <= 128)
			rc = route6(v, n6, len);
		else
			continue;
		routes += rc == 0;
	}
	if (p->redirect_gateway)
		redirect(v, false);
	dp_routes_changed(v);
	if (v->dp && v->ss->peer_id >= DP_VPN_PEERS_MAX)
		ctrl_log("error",
			 "vpn client: the server pushed %s peer-id: the dataplane takes P_DATA_V2 "
			 "under peer ids below %u only; what is routed into the tunnel is dropped",
			 v->ss->peer_id == VPN_PEER_ID_NONE ? "no" : "too large a", DP_VPN_PEERS_MAX);
	v->applied = true;
	ctrl_log("info", "vpn client: up: %s%s%s, cipher %s, %u pushed routes%s",
		 n ? inet_ntoa(*(struct in_addr *)a[0].addr) : "no address",
		 p->ifconfig_ipv6[0] ? " and " : "", p->ifconfig_ipv6,
		 vpn_cipher_name((enum vpn_cipher)v->ss->cipher), routes,
		 p->redirect_gateway ? ", all traffic (redirect-gateway)" : "");
}

static int setup(struct ctrl *c, char *err, size_t errlen)
{
	struct ctrl_vpn_cli *v = &c->vpn_client;
	const struct vpn_conf *cf = &v->conf;
	char ca[300], cert[300], key[300], tc2[300];
	const struct vpn_conf_remote *r;
	int rc;

	if (cf->role != VPN_CONF_ROLE_CLIENT || !cf->n_remotes) {
		snprintf(err, errlen, "%s: not a client config (client, remote HOST PORT)",
			 c->conf.vpn.client);
		return -1;
	}
	r = &cf->remotes[0];
	v->tcp = r->proto.transport == VPN_CONF_TCP;
	for (size_t i = 0; i < cf->n_remotes; i++) {
		const struct vpn_conf_remote *ri = &cf->remotes[i];
		struct sockaddr_storage ss;

		if ((ri->proto.transport == VPN_CONF_TCP) != v->tcp) {
			snprintf(err, errlen,
				 "%s:%u: remote %s: rampart-ctrl's client takes remotes of one "
				 "transport (all UDP or all TCP)",
				 c->conf.vpn.client, ri->line, ri->host);
			return -1;
		}
		if (remote_addr(ri, &ss) > 0)
			continue;
		if (rs_name_check(ri->host) < 0) {
			snprintf(err, errlen,
				 "%s:%u: remote %s: neither an address nor a host name",
				 c->conf.vpn.client, ri->line, ri->host);
			return -1;
		}
		if (!c->conf.n_dns) {
			snprintf(err, errlen,
				 "%s:%u: remote %s: a name needs DNS servers to ask "
				 "(firewall.dns_servers in rampart.conf)",
				 c->conf.vpn.client, ri->line, ri->host);
			return -1;
		}
	}
	if (!cf->tls_crypt_v2.line) {
		snprintf(err, errlen,
			 "%s: rampart-ctrl's client wraps its control channel with "
			 "tls-crypt-v2: give a client key (tls-crypt-v2 FILE)",
			 c->conf.vpn.client);
		return -1;
	}
	snprintf(v->files, sizeof(v->files), "%.280s/vpn-client", c->conf.state_dir);
	mkdir(c->conf.state_dir, 0755);
	mkdir(v->files, 0700);
	if (ctrl_vpn_conf_file(v->files, &cf->ca, "ca.pem", ca, sizeof(ca), err, errlen) < 0 ||
	    ctrl_vpn_conf_file(v->files, &cf->cert, "cert.pem", cert, sizeof(cert), err, errlen) <
		    0 ||
	    ctrl_vpn_conf_file(v->files, &cf->key, "key.pem", key, sizeof(key), err, errlen) < 0 ||
	    ctrl_vpn_conf_file(v->files, &cf->tls_crypt_v2, "tc2.key", tc2, sizeof(tc2), err,
			       errlen) < 0)
		return -1;
	rc = vpn_client_conf_init(&v->ep, ca, cert, key, tc2,
				  cf->verify_x509_name ? cf->verify_x509_name : "", err, errlen);
	v->ep_ready = true;
	if (rc < 0)
		return -1;
	if (cf->n_data_ciphers) {
		v->ep.n_ciphers = 0;
		for (size_t i = 0; i < cf->n_data_ciphers && i < 3; i++)
			v->ep.ciphers[v->ep.n_ciphers++] = ctrl_vpn_cipher_of(cf->data_ciphers[i]);
	}
	if (v->tcp) { /* a connection per session, made when the session starts */
		v->in = malloc(CTRL_VPN_TCP_BUF);
		v->out = malloc(CTRL_VPN_TCP_BUF);
		if (!v->in || !v->out) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	if (v->dp) {
		/* the dataplane carries the data channel: no TUN */
		if (v->tcp) {
			snprintf(err, errlen,
				 "%s:%u: proto tcp-client: the dataplane carries the data channel "
				 "over UDP only (drop dataplane = true to keep it in ctrl)",
				 c->conf.vpn.client, cf->remotes[0].line);
			return -1;
		}
		if (!c->conf.punt_iface[0]) {
			snprintf(err, errlen,
				 "vpn { dataplane = true; } needs the exception path "
				 "(dataplane.punt): the control channel goes through it");
			return -1;
		}
		snprintf(v->tun, sizeof(v->tun), "vpn");
	} else {
		v->tun_fd = ctrl_vpn_tun_open(cf->dev, v->tun, err, errlen);
		if (v->tun_fd < 0)
			return -1;
		rc = ctrl_iface_setup(v->tun, cf->tun_mtu ? cf->tun_mtu : 1500, NULL, 0);
		if (rc < 0) {
			snprintf(err, errlen, "bringing %s up: %s", v->tun, strerror(-rc));
			return -1;
		}
	}
	if (remote_addr(&cf->remotes[0], &v->remote) > 0)
		v->have_remote = true; /* pinned at once with redirect-gateway */
	static_routes(v);
	return 0;
}

int ctrl_vpn_client_start(struct ctrl *c)
{
	struct ctrl_vpn_cli *v = &c->vpn_client;
	char err[768];

	v->sock_fd = v->tun_fd = -1;
	if (!c->conf.vpn.client[0])
		return 0;
	v->on = true;
	v->ctrl = c;
	v->dp = c->conf.vpn.dataplane;
	if (ctrl_vpn_read_conf(c->conf.vpn.client, &v->conf, err, sizeof(err)) < 0 ||
	    setup(c, err, sizeof(err)) < 0)
		goto fail;
	ctrl_log("info",
		 "vpn client: %s, to %s port %u%s, tunnel %s%s (traffic routed into it is "
		 "dropped while it is down)",
		 c->conf.vpn.client, v->conf.remotes[0].host, v->conf.remotes[0].port,
		 v->conf.n_remotes > 1 ? " (then the other remotes, in turn)" : "", v->tun,
		 v->dp ? " in the dataplane" : "");
	return 0;
fail:
	ctrl_log("error", "vpn client: %s; the VPN client is off", err);
	ctrl_vpn_client_stop(c);
	return -1;
}

/* ---- the data channel in the dataplane ---- */

static bool same_prefix(const struct dp_addr *a, const struct dp_addr *b)
{
	unsigned bits = a->family == 4 ? 32 : 128;

	if (a->family != b->family || a->prefixlen != b->prefixlen)
		return false;
	for (unsigned i = 0; i < bits; i++) {
		uint8_t m = (uint8_t)(0x80 >> (i % 8));

		if (i < a->prefixlen && (a->addr[i / 8] & m) != (b->addr[i / 8] & m))
			return false;
	}
	return true;
}

/* Whether conf (its connected prefixes, its routes) or the routes before
 * already have dst: the dataplane takes a prefix once. */
static bool taken(const struct ctrl_conf *conf, const struct dp_route *r, unsigned n,
		  const struct dp_addr *dst)
{
	for (unsigned i = 0; i < conf->n_ports; i++)
		for (unsigned k = 0; k < conf->ports[i].n_addrs; k++)
			if (same_prefix(&conf->ports[i].addrs[k], dst))
				return true;
	for (unsigned i = 0; i < conf->n_routes; i++)
		if (same_prefix(&conf->routes[i].dst, dst))
			return true;
	for (unsigned i = 0; i < n; i++)
		if (same_prefix(&r[i].dst, dst))
			return true;
	return false;
}

/* host's way in conf, the tunnel's routes aside (the longest prefix of its
 * ports and routes that holds it), as a host route of its own: 1, or 0 when
 * conf has none. */
static int pin_route(const struct ctrl_conf *conf, const struct dp_addr *host, struct dp_route *out)
{
	const struct dp_route *by = NULL;
	const char *port = NULL;
	int best = -1;

	for (unsigned i = 0; i < conf->n_ports; i++)
		for (unsigned k = 0; k < conf->ports[i].n_addrs; k++) {
			const struct dp_addr *a = &conf->ports[i].addrs[k];

			if (a->family == host->family && a->prefixlen > best &&
			    dp_addr_in_prefix(host, a)) {
				best = a->prefixlen;
				port = conf->ports[i].name;
				by = NULL;
			}
		}
	for (unsigned i = 0; i < conf->n_routes; i++) {
		const struct dp_route *r = &conf->routes[i];

		if (r->dst.family == host->family && r->dst.prefixlen > best &&
		    strcmp(r->port, "vpn") != 0 && dp_addr_in_prefix(host, &r->dst)) {
			best = r->dst.prefixlen;
			by = r;
		}
	}
	if (best < 0)
		return 0;
	if (by) {
		*out = *by;
	} else {
		*out = (struct dp_route){ 0 };
		snprintf(out->port, sizeof(out->port), "%s", port);
	}
	out->dst = *host;
	out->dst.prefixlen = host->family == 4 ? 32 : 128;
	return 1;
}

unsigned ctrl_vpn_client_routes(const struct ctrl *c, const struct ctrl_conf *conf,
				struct dp_route *out, unsigned max)
{
	const struct ctrl_vpn_cli *v = &c->vpn_client;
	struct dp_addr pins[5];
	unsigned n = 0, np = 0;

	if (!v->on || !v->dp)
		return 0;
	if (v->pinned.family)
		pins[np++] = v->pinned;
	for (unsigned i = 0; i < v->n_pinned_dns && np < 5; i++)
		pins[np++] = v->pinned_dns[i];
	for (unsigned i = 0; i < np && n < max; i++) {
		struct dp_route r;

		if (pin_route(conf, &pins[i], &r) && !taken(conf, out, n, &r.dst))
			out[n++] = r;
	}
	for (unsigned i = 0; i < v->n_routes && n < max; i++)
		if (!taken(conf, out, n, &v->routes[i].dst))
			out[n++] = v->routes[i];
	return n;
}

/* The client's tunnel as the dataplane is to run it: the server its one
 * peer, under the peer id it pushed, with this session's keys (the one in
 * use, the one before it for its transition window); without them no peer,
 * and what is routed into the tunnel is dropped. */
static void *dp_state(struct ctrl_vpn_cli *v, size_t *len)
{
	const struct vpn_session *ss = v->ss;
	uint64_t now = ctrl_vpn_now_ms();
	struct dp_vpn_hdr *h;
	struct dp_vpn_peer *p;
	unsigned mtu = ss && ss->push_in.tun_mtu ? ss->push_in.tun_mtu
		       : v->conf.tun_mtu	 ? v->conf.tun_mtu
						 : 1500;
	unsigned n = 0;

	h = calloc(1, sizeof(*h) + sizeof(*p));
	if (!h)
		return NULL;
	p = (struct dp_vpn_peer *)(h + 1);
	h->flags = DP_VPN_F_CLIENT;
	h->port = v->local_port;
	h->tun_mtu = (uint16_t)(mtu < 576 ? 576 : mtu > 9000 ? 9000 : mtu);
	h->ping_s = ss && ss->push_in.ping ? ss->push_in.ping : 10;
	*len = sizeof(*h);
	if (!ss || !v->session_up || ss->peer_id >= DP_VPN_PEERS_MAX)
		return h;
	n = ctrl_vpn_dp_keys(ss, v->serial, now, p->keys);
	if (!n)
		return h;
	h->n_peers = 1;
	h->max_peers = ss->peer_id + 1;
	p->peer_id = ss->peer_id;
	p->n_keys = (uint8_t)n;
	p->epoch = v->serial;
	if (v->remote.ss_family == AF_INET) {
		const struct sockaddr_in *r = (const void *)&v->remote,
					 *l = (const void *)&v->local;

		p->remote = (struct dp_addr){ .family = 4, .prefixlen = 32 };
		memcpy(p->remote.addr, &r->sin_addr, 4);
		p->remote_port = ntohs(r->sin_port);
		p->local = (struct dp_addr){ .family = 4, .prefixlen = 32 };
		memcpy(p->local.addr, &l->sin_addr, 4);
	} else {
		const struct sockaddr_in6 *r = (const void *)&v->remote,
					  *l = (const void *)&v->local;

		p->remote = (struct dp_addr){ .family = 6, .prefixlen = 128 };
		memcpy(p->remote.addr, &r->sin6_addr, 16);
		p->remote_port = ntohs(r->sin6_port);
		p->local = (struct dp_addr){ .family = 6, .prefixlen = 128 };
		memcpy(p->local.addr, &l->sin6_addr, 16);
	}
	p->has4 = v->has4;
	memcpy(p->tun4, v->tun4, 4);
	p->has6 = v->has6;
	memcpy(p->tun6, v->tun6, 16);
	*len = sizeof(*h) + sizeof(*p);
	return h;
}

static void dp_sync(struct ctrl_vpn_cli *v, bool force)
{
	struct ctrl *c = v->ctrl;
	size_t len;
	void *p;

	if (!v->dp || !v->local_port || !c->conf.dp_socket[0] || c->check_only)
		return;
	p = dp_state(v, &len);
	if (p)
		ctrl_vpn_dp_push(c, p, len, force, &v->dps, &c->hello.vpn_client_generation);
}

/* The dataplane's counters of the session: what the server sent there keeps
 * it alive (ping-restart) and counts toward reneg-bytes/-pkts. */
static void dp_stats(struct ctrl_vpn_cli *v)
{
	const struct dp_vpn_stats *h;
	const struct dp_vpn_peer_stats *ps;
	struct dp_msg m;

	if (!v->dp || !v->ss || ctrl_vpn_dp_stats(v->ctrl, &m, &v->dp_crypto_pmd) < 0)
		return;
	h = m.payload;
	ps = (const struct dp_vpn_peer_stats *)(h + 1);
	for (uint32_t i = 0; i < h->n_peers; i++)
		if (ps[i].peer_id == DP_VPN_CLIENT_PEER && ps[i].epoch == v->serial)
			ctrl_vpn_dp_account(v->ss, &ps[i], &v->dpc, ctrl_vpn_now_ms());
	dp_msg_free(&m);
}

static void session_end(struct ctrl_vpn_cli *v, const char *why)
{
	if (!v->ss)
		return;
	snprintf(v->last_down, sizeof(v->last_down), "%s", why);
	ctrl_log("info", "vpn client: session ended: %s; next attempt in %u s", why,
		 v->backoff_s ? v->backoff_s : 1);
	vpn_session_fini(v->ss);
	free(v->ss);
	v->ss = NULL;
	dp_sync(v, false);  /* its keys leave the dataplane: the tunnel drops what it gets */
	if (!v->session_up) /* never up: the next remote, as OpenVPN goes round them */
		v->remote_idx = (v->remote_idx + 1) % (unsigned)v->conf.n_remotes;
	v->session_up = false;
	v->have_remote = false;
	if (v->sock_fd >= 0) {
		close(v->sock_fd); /* and out of ctrl's epoll */
		v->sock_fd = -1;
		v->connected = v->out_waits = false;
		v->in_len = v->out_len = 0;
	}
	v->next_try_ms = ctrl_vpn_now_ms() + 1000ull * (v->backoff_s ? v->backoff_s : 1);
	v->backoff_s = v->backoff_s ? v->backoff_s * 2 : 2;
	if (v->backoff_s > CLI_BACKOFF_MAX_S)
		v->backoff_s = CLI_BACKOFF_MAX_S;
}

static void flush_out(struct ctrl_vpn_cli *v);

void ctrl_vpn_client_stop(struct ctrl *c)
{
	struct ctrl_vpn_cli *v = &c->vpn_client;

	if (!v->on)
		return;
	if (v->ss) {
		/* explicit-exit-notify: the server is told, not left to time out */
		if (v->conf.explicit_exit_notify && v->ss->push_in.cc_exit &&
		    vpn_session_send_control(v->ss, "EXIT", ctrl_vpn_now_ms()) == 0)
			flush_out(v);
		vpn_session_fini(v->ss);
		free(v->ss);
		v->ss = NULL;
	}
	/* the keys leave the dataplane; its routes into the tunnel stay in its
	 * configuration and drop what they get (fail hard) */
	dp_sync(v, false);
	if (v->sock_fd >= 0)
		close(v->sock_fd);
	if (v->tun_fd >= 0)
		close(v->tun_fd); /* the TUN and its routes go with it */
	if (v->pinned.family && !v->dp)
		ctrl_route_unpin(&v->pinned); /* the host route to the server too */
	for (unsigned i = 0; i < v->n_pinned_dns && !v->dp; i++)
		ctrl_route_unpin(&v->pinned_dns[i]);
	if (v->ep_ready)
		vpn_server_fini(&v->ep);
	vpn_conf_free(&v->conf);
	free(v->in);
	free(v->out);
	memset(v, 0, sizeof(*v));
	v->sock_fd = v->tun_fd = -1;
}

unsigned ctrl_vpn_client_fds(struct ctrl *c, int fds[2])
{
	unsigned n = 0;

	c->vpn_client.epoll_fd = c->epoll_fd; /* the sockets join it as they are made */
	if (c->vpn_client.tun_fd >= 0)
		fds[n++] = c->vpn_client.tun_fd;
	return n;
}

/* Over TCP: what waits goes first; EPOLLOUT while some stays (or while
 * the connection is being made). */
static void tcp_send(struct ctrl_vpn_cli *v)
{
	ssize_t n =
		v->connected && v->out_len ? send(v->sock_fd, v->out, v->out_len, MSG_NOSIGNAL) : 0;
	struct epoll_event ev = { .data.fd = v->sock_fd };
	bool wait;

	if (n > 0) {
		memmove(v->out, v->out + n, v->out_len - (size_t)n);
		v->out_len -= (size_t)n;
	}
	wait = !v->connected || v->out_len > 0;
	if (wait != v->out_waits && v->epoll_fd >= 0) {
		ev.events = EPOLLIN | (wait ? EPOLLOUT : 0);
		epoll_ctl(v->epoll_fd, EPOLL_CTL_MOD, v->sock_fd, &ev);
		v->out_waits = wait;
	}
}

static void flush_out(struct ctrl_vpn_cli *v)
{
	uint8_t pkt[2048];
	size_t len;

	while (v->ss && (len = vpn_session_output(v->ss, pkt, sizeof(pkt)))) {
		if (!v->tcp) {
			if (send(v->sock_fd, pkt, len, 0) > 0)
				v->tx_pkts++;
			continue;
		}
		if (v->sock_fd < 0 || v->out_len + len + 2 > CTRL_VPN_TCP_BUF) {
			v->dropped_bad++;
			continue;
		}
		v->out[v->out_len++] = (uint8_t)(len >> 8); /* framed by its length */
		v->out[v->out_len++] = (uint8_t)len;
		memcpy(v->out + v->out_len, pkt, len);
		v->out_len += len;
		v->tx_pkts++;
	}
	if (v->tcp && v->sock_fd >= 0)
		tcp_send(v);
}

/* One packet from the server, over either transport. */
static void got(struct ctrl_vpn_cli *v, const uint8_t *pkt, size_t n)
{
	uint8_t plain[2048];
	size_t len;

	if (vpn_session_input(v->ss, pkt, n, ctrl_vpn_now_ms(), plain, sizeof(plain), &len) == 1) {
		v->rx_pkts++;
		if (v->dp)
			v->dropped_not_dp++; /* before the dataplane had the keys */
		else if (write(v->tun_fd, plain, len) < 0)
			v->dropped_bad++;
	}
	if (v->ss->state == VPN_S_ACTIVE && !v->session_up) {
		/* the first time this session is up */
		v->session_up = true;
		v->ups++;
		v->backoff_s = 0;
		apply_push(v);
	}
	if (v->dp && v->session_up) {
		v->ss->ping_s = 0; /* the dataplane sends the keepalive pings */
		dp_sync(v, false); /* keys ready, renegotiated, retired */
	}
}

static void on_udp(struct ctrl_vpn_cli *v)
{
	uint8_t pkt[2048];

	for (unsigned burst = 0; burst < 64; burst++) {
		ssize_t n = recv(v->sock_fd, pkt, sizeof(pkt), 0);

		if (n <= 0)
			return;
		if (!v->ss)
			continue;
		got(v, pkt, (size_t)n);
		flush_out(v);
	}
}

static void on_tcp(struct ctrl_vpn_cli *v, uint32_t events)
{
	ssize_t n;
	long next;

	if (!v->ss)
		return;
	if (!v->connected && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		int e = 0;
		socklen_t el = sizeof(e);

		if (getsockopt(v->sock_fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0 || e) {
			char why[160];

			snprintf(why, sizeof(why), "connecting over TCP: %s",
				 strerror(e ? e : errno));
			session_end(v, why);
			return;
		}
		v->connected = true;
	}
	if (v->connected && (events & EPOLLOUT))
		tcp_send(v);
	if (!v->connected || !(events & (EPOLLIN | EPOLLHUP)))
		return;
	n = recv(v->sock_fd, v->in + v->in_len, CTRL_VPN_TCP_BUF - v->in_len, 0);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		session_end(v, n == 0 ? "the server closed the connection" : strerror(errno));
		return;
	}
	if (n > 0)
		v->in_len += (size_t)n;
	while (v->ss && (next = vpn_tcp_next(v->in, v->in_len)) > 0) {
		got(v, v->in + 2, (size_t)next - 2);
		memmove(v->in, v->in + next, v->in_len - (size_t)next);
		v->in_len -= (size_t)next;
	}
	if (v->ss && vpn_tcp_next(v->in, v->in_len) < 0) {
		session_end(v, "a packet of length 0 on the connection");
		return;
	}
	flush_out(v);
}

static void on_tun(struct ctrl_vpn_cli *v)
{
	uint8_t ip[2048];

	for (unsigned burst = 0; burst < 64; burst++) {
		ssize_t n = read(v->tun_fd, ip, sizeof(ip));

		if (n <= 0)
			break;
		/* fail hard: without a session up, into the tunnel means nowhere */
		if (!v->ss || v->ss->state != VPN_S_ACTIVE) {
			v->dropped_down++;
			continue;
		}
		if (vpn_session_send_data(v->ss, ip, (size_t)n) < 0)
			v->dropped_bad++;
	}
	flush_out(v);
}

bool ctrl_vpn_client_event(struct ctrl *c, int fd, uint32_t events)
{
	struct ctrl_vpn_cli *v = &c->vpn_client;

	if (!v->on || fd < 0)
		return false;
	if (fd == v->sock_fd && v->tcp)
		on_tcp(v, events);
	else if (fd == v->sock_fd)
		on_udp(v);
	else if (fd == v->tun_fd)
		on_tun(v);
	else
		return false;
	return true;
}

/* The socket of the session about to start, to the remote chosen: UDP,
 * or over TCP a connection (proto tcp-client). */
static int open_connection(struct ctrl_vpn_cli *v)
{
	struct epoll_event ev = { .events = EPOLLIN | (v->tcp ? EPOLLOUT : 0) };
	int fd = socket(v->remote.ss_family,
			(v->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	v->remote_len = v->remote.ss_family == AF_INET ? sizeof(struct sockaddr_in)
						       : sizeof(struct sockaddr_in6);
	if (fd < 0 || (connect(fd, (struct sockaddr *)&v->remote, v->remote_len) < 0 &&
		       errno != EINPROGRESS)) {
		ctrl_log("info", "vpn client: connecting %s: %s",
			 v->tcp ? "over TCP" : "a UDP socket", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	ev.data.fd = fd;
	if (v->epoll_fd < 0 || epoll_ctl(v->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		return -1;
	}
	v->sock_fd = fd;
	v->connected = !v->tcp;
	v->out_waits = v->tcp;
	v->in_len = v->out_len = 0;
	return 0;
}

/* The remote's name resolved (or not): its first address of the family its
 * proto asks for (IPv4 first for plain udp/tcp), tried at the next tick. A
 * name that does not resolve counts as a failed attempt: the next remote. */
static void resolved(void *arg, const char *name, int rc, const struct rs_answer *a4,
		     const struct rs_answer *a6)
{
	struct ctrl_vpn_cli *v = &((struct ctrl *)arg)->vpn_client;
	const struct vpn_conf_remote *r;
	const struct rs_answer *use = NULL;

	if (!v->on || !v->resolving)
		return;
	v->resolving = false;
	r = &v->conf.remotes[v->remote_idx];
	if (strcmp(name, r->host) != 0)
		return;
	if (r->proto.family != VPN_CONF_AF_INET6 && a4->n)
		use = a4;
	else if (r->proto.family != VPN_CONF_AF_INET && a6->n)
		use = a6;
	if (!use) {
		snprintf(v->resolve_error, sizeof(v->resolve_error), "remote %s: %s", name,
			 rc == -ENOENT	    ? "no such name, or no address of the family asked"
			 : rc == -ETIMEDOUT ? "the DNS servers did not answer"
					    : "the DNS servers answered with an error");
		ctrl_log("info", "vpn client: %s; the next remote in %u s", v->resolve_error,
			 v->backoff_s ? v->backoff_s : 1);
		v->remote_idx = (v->remote_idx + 1) % (unsigned)v->conf.n_remotes;
		v->next_try_ms = ctrl_vpn_now_ms() + 1000ull * (v->backoff_s ? v->backoff_s : 1);
		v->backoff_s = v->backoff_s ? v->backoff_s * 2 : 2;
		if (v->backoff_s > CLI_BACKOFF_MAX_S)
			v->backoff_s = CLI_BACKOFF_MAX_S;
		return;
	}
	v->resolve_error[0] = '\0';
	memset(&v->remote, 0, sizeof(v->remote));
	if (use->addrs[0].family == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&v->remote;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, use->addrs[0].addr, 4);
		s4->sin_port = htons(r->port);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&v->remote;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, use->addrs[0].addr, 16);
		s6->sin6_port = htons(r->port);
	}
	v->have_remote = true;
	v->next_try_ms = 0;
}

/* The address of the remote to try: at once for an address, after a lookup
 * for a name. 1 when v->remote holds it. */
static int choose_remote(struct ctrl *c, struct ctrl_vpn_cli *v)
{
	const struct vpn_conf_remote *r = &v->conf.remotes[v->remote_idx];
	struct rs_resolver *rs;

	if (v->have_remote)
		return 1;
	if (remote_addr(r, &v->remote) > 0)
		return v->have_remote = true;
	if (v->resolving)
		return 0;
	rs = ctrl_resolver(c);
	if (!rs || rs_resolve(rs, r->host, resolved, c) < 0) {
		v->next_try_ms = ctrl_vpn_now_ms() + 1000;
		return 0;
	}
	v->resolving = true;
	return 0;
}

void ctrl_vpn_client_tick(struct ctrl *c)
{
	struct ctrl_vpn_cli *v = &c->vpn_client;
	uint64_t now = ctrl_vpn_now_ms();
	unsigned hand = v->conf.hand_window_s ? v->conf.hand_window_s : 60;

	if (!v->on)
		return;
	dp_stats(v);
	if (v->ss) {
		vpn_session_tick(v->ss, now);
		dp_sync(v, false);
		flush_out(v);
		if (v->ss->state == VPN_S_FAILED)
			session_end(v, v->ss->why);
		else if (!v->ss->last_rx_ms && now - v->started_ms > CLI_ANSWER_S * 1000ull)
			session_end(v, "no answer from the server"); /* try again, afresh */
		else if (v->ss->state != VPN_S_ACTIVE && now - v->started_ms > hand * 1000ull)
			session_end(v, "no session within hand-window");
		return;
	}
	if (now < v->next_try_ms || choose_remote(c, v) <= 0)
		return;
	pin_server(v);
	if (open_connection(v) < 0) {
		v->have_remote = false;
		v->next_try_ms = now + 1000ull * (v->backoff_s ? v->backoff_s : 1);
		return;
	}
	v->ss = calloc(1, sizeof(*v->ss));
	if (!v->ss)
		return;
	if (v->dp) {
		/* the dataplane sends from where ctrl's socket does */
		socklen_t ll = sizeof(v->local);

		if (getsockname(v->sock_fd, (struct sockaddr *)&v->local, &ll) == 0)
			v->local_port =
				ntohs(v->local.ss_family == AF_INET
					      ? ((struct sockaddr_in *)&v->local)->sin_port
					      : ((struct sockaddr_in6 *)&v->local)->sin6_port);
		v->dpc = (struct ctrl_vpn_dpcount){ 0 };
	}
	v->serial = v->connects + 1;
	vpn_session_init(v->ss, &v->ep, 0);
	v->ss->tcp = v->tcp;
	v->ss->reneg_s = v->conf.reneg_sec;
	v->ss->reneg_bytes = v->conf.reneg_bytes;
	v->ss->reneg_pkts = v->conf.reneg_pkts;
	vpn_session_start(v->ss, now);
	v->started_ms = now;
	v->connects++;
	flush_out(v);
}

json_t *ctrl_vpn_client_status(struct ctrl *c)
{
	struct ctrl_vpn_cli *v = &c->vpn_client;
	const struct vpn_push *p = v->ss ? &v->ss->push_in : NULL;
	bool up = v->ss && v->ss->state == VPN_S_ACTIVE;
	char remote[64], addr[INET_ADDRSTRLEN] = "";

	json_t *j;

	ctrl_vpn_peer_str(&v->remote, remote, sizeof(remote));
	if (up && p->has_ifconfig)
		inet_ntop(AF_INET, p->ifconfig, addr, sizeof(addr));
	j = json_pack(
		"{s:b,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:s}", "ok", 1, "state",
		up	       ? "up"
		: v->ss	       ? "connecting"
		: v->resolving ? "resolving"
			       : "down",
		"remote", v->have_remote || v->ss ? remote : "", "remote_host",
		v->conf.remotes[v->remote_idx].host, "resolve_error", v->resolve_error, "tun",
		v->tun, "address", addr, "address6", up ? p->ifconfig_ipv6 : "", "cipher",
		up ? vpn_cipher_name((enum vpn_cipher)v->ss->cipher) : "", "connects",
		(json_int_t)v->connects, "ups", (json_int_t)v->ups, "rx_packets",
		(json_int_t)v->rx_pkts, "tx_packets", (json_int_t)v->tx_pkts, "dropped_tunnel_down",
		(json_int_t)v->dropped_down, "last_down", v->last_down);
	if (j && v->dp) {
		/* the tunnel's packets are the dataplane's (rampart stats: vpn_*) */
		json_object_set_new(j, "data_channel", json_string("dataplane"));
		json_object_set_new(j, "crypto",
				    json_string(v->dp_crypto_pmd ? "ipsec-mb PMD" : "libsodium"));
		json_object_set_new(j, "dataplane_error", json_string(v->dps.error));
		json_object_set_new(j, "dropped_not_dataplane",
				    json_integer((json_int_t)v->dropped_not_dp));
	} else if (j) {
		json_object_set_new(j, "data_channel", json_string("ctrl"));
	}
	return j;
}
