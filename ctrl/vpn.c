/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpn.c - rampart-ctrl's OpenVPN-compatible server (vpn.h, docs/vpn.md):
 * the server config file read with vpn/conf, a UDP socket and a TUN device
 * in ctrl's event loop, one vpn/session per client address, the address
 * pool, and the tunnel's packets between sessions and the TUN. Client i
 * (its slot) holds pool address i, so both directions find their client
 * without a search.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <mbedtls/x509_crt.h>

#include "ctrl/ctrl.h"
#include "vpn/wire.h"

#define VPN_PKT_MAX 2048

uint64_t ctrl_vpn_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

void ctrl_vpn_peer_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, a, sizeof(a));
		port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
		snprintf(buf, len, "%s:%u", a, port);
	} else {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, a, sizeof(a));
		port = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
		snprintf(buf, len, "[%s]:%u", a, port);
	}
}

/* A file of the config: its path, or its inline block written to files/. */
int ctrl_vpn_conf_file(const char *dir, const struct vpn_conf_file *f, const char *name, char *out,
		       size_t len, char *err, size_t errlen)
{
	int fd;

	if (f->path) {
		snprintf(out, len, "%s", f->path);
		return 0;
	}
	if (!f->inline_text) {
		out[0] = '\0';
		return 0;
	}
	snprintf(out, len, "%.200s/%s", dir, name);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, f->inline_text, f->inline_len) != (ssize_t)f->inline_len) {
		snprintf(err, errlen, "writing %s: %s", out, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

enum vpn_cipher ctrl_vpn_cipher_of(enum vpn_conf_cipher c)
{
	return c == VPN_CONF_AES_128_GCM	 ? VPN_AES_128_GCM
	       : c == VPN_CONF_CHACHA20_POLY1305 ? VPN_CHACHA20_POLY1305
						 : VPN_AES_256_GCM;
}

static unsigned prefix_of_mask(uint32_t mask)
{
	return (unsigned)__builtin_popcount(mask);
}

/* What every client is pushed (its own ifconfig comes with its session). */
static void build_push(struct ctrl_vpn *v)
{
	const struct vpn_conf *cf = &v->conf;
	char *p = v->srv.push;
	size_t cap = sizeof(v->srv.push), o = 0;
	struct in_addr gw = { htonl(cf->pool4.local) };

	o += (size_t)snprintf(p + o, cap - o, "topology subnet,route-gateway %s", inet_ntoa(gw));
	for (size_t i = 0; i < cf->n_push && o < cap; i++)
		o += (size_t)snprintf(p + o, cap - o, ",%s", cf->push[i].option);
	if (o >= cap)
		p[cap - 1] = '\0';
}

static int server_init(struct ctrl *c, char *err, size_t errlen)
{
	struct ctrl_vpn *v = &c->vpn;
	const struct vpn_conf *cf = &v->conf;
	char ca[300], cert[300], key[300], wrap[300], crl[300];
	int rc;

	if (cf->role != VPN_CONF_ROLE_SERVER) {
		snprintf(err, errlen,
			 "%s: rampart-ctrl runs the server side: give "
			 "\"server NETWORK NETMASK\" (mode server, tls-server)",
			 c->conf.vpn.server);
		return -1;
	}
	v->tcp = cf->proto.transport == VPN_CONF_TCP;
	if (!cf->pool4.set) {
		snprintf(err, errlen, "%s: no address pool: give \"server NETWORK NETMASK\"",
			 c->conf.vpn.server);
		return -1;
	}
	snprintf(v->files, sizeof(v->files), "%s/vpn", c->conf.state_dir);
	mkdir(c->conf.state_dir, 0755);
	mkdir(v->files, 0700);
	if (ctrl_vpn_conf_file(v->files, &cf->ca, "ca.pem", ca, sizeof(ca), err, errlen) < 0 ||
	    ctrl_vpn_conf_file(v->files, &cf->cert, "cert.pem", cert, sizeof(cert), err, errlen) <
		    0 ||
	    ctrl_vpn_conf_file(v->files, &cf->key, "key.pem", key, sizeof(key), err, errlen) < 0 ||
	    ctrl_vpn_conf_file(v->files, &cf->crl_verify, "crl.pem", crl, sizeof(crl), err,
			       errlen) < 0)
		return -1;
	if (cf->tls_crypt_v2.line) {
		if (ctrl_vpn_conf_file(v->files, &cf->tls_crypt_v2, "tc2.key", wrap, sizeof(wrap),
				       err, errlen) < 0)
			return -1;
		rc = vpn_server_init(&v->srv, ca, cert, key, wrap, err, errlen);
	} else if (cf->tls_crypt.line) {
		if (ctrl_vpn_conf_file(v->files, &cf->tls_crypt, "tc.key", wrap, sizeof(wrap), err,
				       errlen) < 0)
			return -1;
		rc = vpn_server_init_tls_crypt(&v->srv, ca, cert, key, wrap, err, errlen);
	} else {
		if (ctrl_vpn_conf_file(v->files, &cf->tls_auth, "ta.key", wrap, sizeof(wrap), err,
				       errlen) < 0)
			return -1;
		rc = vpn_server_init_tls_auth(&v->srv, ca, cert, key, wrap, cf->tls_auth_direction,
					      cf->auth == VPN_CONF_SHA256, err, errlen);
	}
	v->srv_ready = true; /* vpn_server_fini frees what init made, even on failure */
	if (rc < 0)
		return -1;
	if (crl[0] && vpn_endpoint_crl(&v->srv, crl, err, errlen) < 0)
		return -1;
	if (cf->n_data_ciphers) {
		v->srv.n_ciphers = 0;
		for (size_t i = 0; i < cf->n_data_ciphers && i < 3; i++)
			v->srv.ciphers[v->srv.n_ciphers++] =
				ctrl_vpn_cipher_of(cf->data_ciphers[i]);
	}
	if (cf->keepalive_interval_s) {
		v->srv.ping_s = cf->keepalive_interval_s;
		v->srv.ping_restart_s = cf->keepalive_timeout_s;
	}
	build_push(v);
	return 0;
}

static int sock_open(struct ctrl *c, char *err, size_t errlen)
{
	const struct vpn_conf *cf = &c->vpn.conf;
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	bool v6 = (cf->local && strchr(cf->local, ':')) || cf->proto.family == VPN_CONF_AF_INET6;
	int fd, one = 1;

	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(cf->port);
		if (cf->local && inet_pton(AF_INET6, cf->local, &s6->sin6_addr) != 1)
			goto bad_local;
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(cf->port);
		if (cf->local && inet_pton(AF_INET, cf->local, &s4->sin_addr) != 1)
			goto bad_local;
		len = sizeof(*s4);
	}
	fd = socket(ss.ss_family,
		    (c->vpn.tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* freebind: ctrl itself gives the appliance's addresses to rampart0,
	 * after it starts; `local` may name one of them */
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_FREEBIND : IP_FREEBIND, &one,
		       sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 || (c->vpn.tcp && listen(fd, 64) < 0)) {
		snprintf(err, errlen, "%s port %u on %s: %s", c->vpn.tcp ? "TCP" : "UDP", cf->port,
			 cf->local ? cf->local : "any address", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	c->vpn.sock_fd = fd;
	return 0;
bad_local:
	snprintf(err, errlen, "local %s: not an address (names are not resolved)", cf->local);
	return -1;
}

int ctrl_vpn_read_conf(const char *path, struct vpn_conf *conf, char *err, size_t errlen)
{
	char *text = malloc(VPN_CONF_MAX_FILE + 1);
	FILE *f = fopen(path, "re");
	size_t len;
	int rc = -1;

	if (!f)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else if (!text)
		snprintf(err, errlen, "out of memory");
	else if ((len = fread(text, 1, VPN_CONF_MAX_FILE + 1, f)) > VPN_CONF_MAX_FILE)
		snprintf(err, errlen, "%s: larger than %u bytes", path, VPN_CONF_MAX_FILE);
	else
		rc = vpn_conf_parse(path, text, len, conf, err, errlen) < 0 ? -1 : 0;
	if (f)
		fclose(f);
	free(text);
	return rc;
}

int ctrl_vpn_tun_open(const char *dev, char name[16], char *err, size_t errlen)
{
	struct ifreq ifr = { .ifr_flags = IFF_TUN | IFF_NO_PI };
	int fd;

	/* "dev tun": the kernel numbers it; "dev tun3": that one */
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s",
		 !dev || strcmp(dev, "tun") == 0 ? "tun%d" : dev);
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0) {
		snprintf(err, errlen, "TUN %s: %s", ifr.ifr_name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	snprintf(name, 16, "%s", ifr.ifr_name);
	return fd;
}

static int tun_open(struct ctrl *c, char *err, size_t errlen)
{
	struct ctrl_vpn *v = &c->vpn;
	const struct vpn_conf *cf = &v->conf;
	struct dp_addr a[2] = { { .family = 4 } };
	uint32_t local = htonl(cf->pool4.local);
	unsigned n = 1;
	int rc;

	v->tun_fd = ctrl_vpn_tun_open(cf->dev, v->tun, err, errlen);
	if (v->tun_fd < 0)
		return -1;
	memcpy(a[0].addr, &local, 4);
	a[0].prefixlen = (uint8_t)prefix_of_mask(cf->pool4.netmask);
	if (cf->pool6.set) {
		a[1].family = 6;
		memcpy(a[1].addr, cf->pool6.local, 16);
		a[1].prefixlen = cf->pool6.prefix_len;
		n = 2;
	}
	rc = ctrl_iface_setup(v->tun, cf->tun_mtu ? cf->tun_mtu : 1500, a, n);
	if (rc < 0) {
		snprintf(err, errlen, "setting up %s: %s", v->tun, strerror(-rc));
		return -1;
	}
	return 0;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

/* vpn { dataplane = true; }: the workers carry the data channel over UDP;
 * the server's tunnel addresses go on the exception interface, so that
 * what the clients send to them reaches ctrl's kernel. */
static int dp_check(struct ctrl *c, char *err, size_t errlen)
{
	struct ctrl_vpn *v = &c->vpn;
	const struct vpn_conf *cf = &v->conf;

	c->n_punt_extra = 0;
	if (!v->dp)
		return 0;
	if (v->tcp) {
		snprintf(err, errlen,
			 "%s: proto tcp: the dataplane carries the data channel over UDP only "
			 "(leave dataplane out of rampart.conf's vpn section)",
			 c->conf.vpn.server);
		return -1;
	}
	if (!c->conf.punt_iface[0]) {
		snprintf(err, errlen,
			 "vpn: dataplane = true needs the exception path (dataplane.punt)");
		return -1;
	}
	/* the clients' tun-mtu: what fits a port once encapsulated (outer IPv6,
	 * UDP, P_DATA_V2), as the dataplane counts it, so that no client's
	 * kernel fragments the tunnel's packets (2.6 clients take it: IV_MTU) */
	if (!strstr(v->srv.push, "tun-mtu")) {
		unsigned mtu = cf->tun_mtu ? cf->tun_mtu : 1500;
		size_t o = strlen(v->srv.push);

		for (unsigned i = 0; i < c->conf.n_ports; i++) {
			unsigned pm = c->conf.ports[i].mtu ? c->conf.ports[i].mtu : 1500;

			if (pm - 72 < mtu)
				mtu = pm - 72;
		}
		snprintf(v->srv.push + o, sizeof(v->srv.push) - o, ",tun-mtu %u", mtu);
	}
	c->punt_extra[0] = (struct dp_addr){ .family = 4, .prefixlen = 32 };
	put_be32(c->punt_extra[0].addr, cf->pool4.local);
	c->n_punt_extra = 1;
	if (cf->pool6.set) {
		c->punt_extra[1] = (struct dp_addr){ .family = 6, .prefixlen = 128 };
		memcpy(c->punt_extra[1].addr, cf->pool6.local, 16);
		c->n_punt_extra = 2;
	}
	return 0;
}

int ctrl_vpn_start(struct ctrl *c)
{
	struct ctrl_vpn *v = &c->vpn;
	char err[768];

	v->sock_fd = v->tun_fd = -1;
	if (!c->conf.vpn.server[0])
		return 0;
	v->on = true;
	v->dp = c->conf.vpn.dataplane;
	if (ctrl_vpn_read_conf(c->conf.vpn.server, &v->conf, err, sizeof(err)) < 0 ||
	    server_init(c, err, sizeof(err)) < 0 || dp_check(c, err, sizeof(err)) < 0 ||
	    sock_open(c, err, sizeof(err)) < 0 || (!v->dp && tun_open(c, err, sizeof(err)) < 0))
		goto fail;
	v->max_clients = v->conf.max_clients ? v->conf.max_clients : CTRL_VPN_CLIENTS_MAX;
	if (v->max_clients > CTRL_VPN_CLIENTS_MAX)
		v->max_clients = CTRL_VPN_CLIENTS_MAX;
	if (v->max_clients > v->conf.pool4.pool_end - v->conf.pool4.pool_start + 1)
		v->max_clients = v->conf.pool4.pool_end - v->conf.pool4.pool_start + 1;
	v->clients = calloc(v->max_clients, sizeof(*v->clients));
	if (!v->clients) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	ctrl_log("info", "vpn: server from %s on %s %s:%u, tunnel %s, up to %u clients",
		 c->conf.vpn.server, v->tcp ? "TCP" : "UDP", v->conf.local ? v->conf.local : "*",
		 v->conf.port, v->dp ? "in the dataplane" : v->tun, v->max_clients);
	if (v->dp)
		ctrl_vpn_dp_sync(c, true); /* no peers: whatever an earlier ctrl left goes */
	return 0;
fail:
	ctrl_log("error", "vpn: %s; the VPN is off", err);
	ctrl_vpn_stop(c);
	return -1;
}

static void client_end(struct ctrl_vpn *v, struct ctrl_vpn_client *k, const char *why)
{
	char peer[64];

	ctrl_vpn_peer_str(&k->peer, peer, sizeof(peer));
	if (why)
		ctrl_log("info", "vpn: %s: session ended: %s", peer, why);
	vpn_session_fini(k->ss);
	free(k->ss);
	if (k->conn_fd > 0)
		close(k->conn_fd); /* and out of ctrl's epoll with it */
	free(k->in);
	free(k->out);
	memset(k, 0, sizeof(*k));
}

static void flush_out(struct ctrl_vpn *v, struct ctrl_vpn_client *k);

void ctrl_vpn_stop(struct ctrl *c)
{
	struct ctrl_vpn *v = &c->vpn;

	if (!v->on)
		return;
	for (unsigned i = 0; v->clients && i < v->max_clients; i++) {
		struct ctrl_vpn_client *k = &v->clients[i];

		if (!k->ss)
			continue;
		/* explicit-exit-notify: clients are told, and reconnect at once */
		if (v->conf.explicit_exit_notify &&
		    vpn_session_send_control(k->ss, "RESTART", ctrl_vpn_now_ms()) == 0)
			flush_out(v, k);
		client_end(v, k, NULL);
	}
	free(v->clients);
	if (v->sock_fd >= 0)
		close(v->sock_fd);
	if (v->tun_fd >= 0)
		close(v->tun_fd);
	if (v->srv_ready)
		vpn_server_fini(&v->srv);
	if (v->dp) {
		v->max_clients = 0; /* every peer and its keys leave the dataplane */
		ctrl_vpn_dp_sync(c, true);
		c->n_punt_extra = 0;
	}
	vpn_conf_free(&v->conf);
	memset(v, 0, sizeof(*v));
	v->sock_fd = v->tun_fd = -1;
}

unsigned ctrl_vpn_fds(struct ctrl *c, int fds[2])
{
	unsigned n = 0;

	c->vpn.epoll_fd = c->epoll_fd;
	if (c->vpn.sock_fd >= 0)
		fds[n++] = c->vpn.sock_fd;
	if (c->vpn.tun_fd >= 0)
		fds[n++] = c->vpn.tun_fd;
	return n;
}

/* Over TCP: what waits in k->out goes first; EPOLLOUT while some stays. */
static void tcp_send(struct ctrl_vpn *v, struct ctrl_vpn_client *k)
{
	ssize_t n = k->out_len ? send(k->conn_fd, k->out, k->out_len, MSG_NOSIGNAL) : 0;
	struct epoll_event ev = { .data.fd = k->conn_fd };
	bool wait;

	if (n > 0) {
		memmove(k->out, k->out + n, k->out_len - (size_t)n);
		k->out_len -= (size_t)n;
	}
	wait = k->out_len > 0;
	if (wait != k->out_waits && v->epoll_fd >= 0) {
		ev.events = EPOLLIN | (wait ? EPOLLOUT : 0);
		epoll_ctl(v->epoll_fd, EPOLL_CTL_MOD, k->conn_fd, &ev);
		k->out_waits = wait;
	}
}

static void flush_out(struct ctrl_vpn *v, struct ctrl_vpn_client *k)
{
	uint8_t pkt[VPN_PKT_MAX];
	size_t len;

	while ((len = vpn_session_output(k->ss, pkt, sizeof(pkt)))) {
		if (!v->tcp) {
			if (sendto(v->sock_fd, pkt, len, 0, (struct sockaddr *)&k->peer,
				   k->peer_len) > 0)
				k->tx_pkts++, k->tx_bytes += len;
			continue;
		}
		/* each packet framed by its 16-bit length */
		if (k->out_len + len + 2 > CTRL_VPN_TCP_BUF) {
			v->dropped_tcp_full++; /* a peer that does not read */
			continue;
		}
		k->out[k->out_len++] = (uint8_t)(len >> 8);
		k->out[k->out_len++] = (uint8_t)len;
		memcpy(k->out + k->out_len, pkt, len);
		k->out_len += len;
		k->tx_pkts++, k->tx_bytes += len;
	}
	if (v->tcp)
		tcp_send(v, k);
}

static bool same_peer(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

	return x->sin6_port == y->sin6_port &&
	       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
}

/* Client i's tunnel addresses, and its own part of the PUSH_REPLY. */
static void assign(struct ctrl_vpn *v, unsigned i, struct ctrl_vpn_client *k)
{
	const struct vpn_conf *cf = &v->conf;
	struct in_addr a = { htonl(cf->pool4.pool_start + i) }, m = { htonl(cf->pool4.netmask) };
	char as[INET_ADDRSTRLEN], ms[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN], l6[INET6_ADDRSTRLEN];
	size_t o;

	k->addr4 = cf->pool4.pool_start + i;
	inet_ntop(AF_INET, &a, as, sizeof(as));
	inet_ntop(AF_INET, &m, ms, sizeof(ms));
	o = (size_t)snprintf(k->ss->push_extra, sizeof(k->ss->push_extra), "ifconfig %s %s", as,
			     ms);
	if (cf->pool6.set) {
		uint32_t low;

		memcpy(k->addr6, cf->pool6.network, 16);
		memcpy(&low, k->addr6 + 12, 4);
		low = htonl(ntohl(low) + 2 + i); /* the server is +1 */
		memcpy(k->addr6 + 12, &low, 4);
		k->has6 = true;
		inet_ntop(AF_INET6, k->addr6, a6, sizeof(a6));
		inet_ntop(AF_INET6, cf->pool6.local, l6, sizeof(l6));
		snprintf(k->ss->push_extra + o, sizeof(k->ss->push_extra) - o,
			 ",ifconfig-ipv6 %s/%u %s", a6, cf->pool6.prefix_len, l6);
	}
}

static struct ctrl_vpn_client *client_new(struct ctrl_vpn *v, const struct sockaddr_storage *peer,
					  socklen_t plen)
{
	for (unsigned i = 0; i < v->max_clients; i++) {
		struct ctrl_vpn_client *k = &v->clients[i];

		if (k->ss)
			continue;
		k->ss = calloc(1, sizeof(*k->ss));
		if (!k->ss)
			return NULL;
		vpn_session_init(k->ss, &v->srv, i);
		/* keepalive N T: T pushed, 2T here (as OpenVPN's server) */
		k->ss->ping_restart_s = 2 * v->srv.ping_restart_s;
		k->ss->reneg_s = v->conf.reneg_sec;
		k->ss->reneg_bytes = v->conf.reneg_bytes;
		k->ss->reneg_pkts = v->conf.reneg_pkts;
		k->peer = *peer;
		k->peer_len = plen;
		k->since = time(NULL);
		k->serial = ++v->serials;
		if (v->dp)
			k->ss->ping_s = 0; /* the dataplane sends the keepalive pings */
		assign(v, i, k);
		return k;
	}
	return NULL;
}

/* The client that holds tunnel address dst of an IP packet, or NULL. */
static struct ctrl_vpn_client *client_by_dst(struct ctrl_vpn *v, const uint8_t *ip, size_t len)
{
	struct ctrl_vpn_client *k;

	if (len >= 20 && (ip[0] >> 4) == 4) {
		uint32_t dst;
		uint64_t i;

		memcpy(&dst, ip + 16, 4);
		i = (uint64_t)ntohl(dst) - v->conf.pool4.pool_start;
		if (ntohl(dst) < v->conf.pool4.pool_start || i >= v->max_clients)
			return NULL;
		k = &v->clients[i];
		return k->ss && k->addr4 == ntohl(dst) ? k : NULL;
	}
	if (len >= 40 && (ip[0] >> 4) == 6) {
		for (unsigned i = 0; i < v->max_clients; i++) {
			k = &v->clients[i];
			if (k->ss && k->has6 && memcmp(k->addr6, ip + 24, 16) == 0)
				return k;
		}
	}
	return NULL;
}

/* Is the packet's source the address its client holds? */
static bool source_ok(const struct ctrl_vpn_client *k, const uint8_t *ip, size_t len)
{
	if (len >= 20 && (ip[0] >> 4) == 4) {
		uint32_t src;

		memcpy(&src, ip + 12, 4);
		return ntohl(src) == k->addr4;
	}
	return len >= 40 && (ip[0] >> 4) == 6 && k->has6 && memcmp(ip + 8, k->addr6, 16) == 0;
}

static void log_up(struct ctrl_vpn *v, struct ctrl_vpn_client *k)
{
	const mbedtls_x509_crt *crt = mbedtls_ssl_get_peer_cert(&k->ss->tls);
	char peer[64], subject[256] = "?";
	struct in_addr a = { htonl(k->addr4) };

	if (crt)
		mbedtls_x509_dn_gets(subject, sizeof(subject), &crt->subject);
	ctrl_vpn_peer_str(&k->peer, peer, sizeof(peer));
	ctrl_log("info", "vpn: %s (%s) up: tunnel address %s, cipher %s, peer-id %u", peer, subject,
		 inet_ntoa(a), vpn_cipher_name((enum vpn_cipher)k->ss->cipher), k->ss->peer_id);
	k->logged_up = true;
	v->sessions++;
}

/* A plaintext IP packet from client k. */
static void from_client(struct ctrl_vpn *v, struct ctrl_vpn_client *k, const uint8_t *ip,
			size_t len)
{
	struct ctrl_vpn_client *to;

	k->rx_pkts++;
	k->rx_bytes += len;
	if (v->dp) {
		/* the dataplane routes the tunnel; what comes here (a datagram the
		 * client's kernel fragmented, a packet before the dataplane had
		 * the keys) has nowhere to go */
		v->dropped_not_dp++;
		return;
	}
	if (len >= 40 && (ip[0] >> 4) == 6 &&
	    ((ip[8] == 0xfe && (ip[9] & 0xc0) == 0x80) || ip[24] == 0xff)) {
		v->dropped_bad++; /* link-local and multicast stay on the client's link */
		return;
	}
	if (!source_ok(k, ip, len)) {
		v->dropped_spoofed++;
		return;
	}
	to = client_by_dst(v, ip, len);
	if (to) {
		if (!v->conf.client_to_client) {
			v->dropped_c2c++;
			return;
		}
		if (to->ss->state == VPN_S_ACTIVE && vpn_session_send_data(to->ss, ip, len) == 0)
			flush_out(v, to);
		return;
	}
	if (write(v->tun_fd, ip, len) < 0)
		v->dropped_bad++;
}

/* A reset refused (a key that does not unwrap, mostly): counted, and
 * logged at most every 10 s, so that unauthenticated packets cannot fill
 * the log. */
static void refused(struct ctrl_vpn *v, struct ctrl_vpn_client *fresh)
{
	static time_t last;
	static unsigned quiet;
	char peer[64];

	v->refused++;
	if (fresh->ss->why[0]) {
		if (time(NULL) - last >= 10) {
			ctrl_vpn_peer_str(&fresh->peer, peer, sizeof(peer));
			ctrl_log("info", "vpn: %s refused: %s%s", peer, fresh->ss->why,
				 quiet ? " (more refusals were not logged)" : "");
			last = time(NULL);
			quiet = 0;
		} else {
			quiet++;
		}
	}
	client_end(v, fresh, NULL);
}

static void on_udp(struct ctrl *c)
{
	struct ctrl_vpn *v = &c->vpn;
	uint8_t pkt[VPN_PKT_MAX], plain[VPN_PKT_MAX];

	for (unsigned burst = 0; burst < 64; burst++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		ssize_t n =
			recvfrom(v->sock_fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&peer, &plen);
		struct ctrl_vpn_client *k = NULL, *fresh = NULL;
		size_t out_len;
		uint8_t op;
		int rc;

		if (n <= 0)
			return;
		for (unsigned i = 0; i < v->max_clients && !k; i++)
			if (v->clients[i].ss && same_peer(&v->clients[i].peer, &peer))
				k = &v->clients[i];
		op = vpn_op_of(pkt[0]);
		if (op == VPN_P_CONTROL_HARD_RESET_CLIENT_V3 ||
		    op == VPN_P_CONTROL_HARD_RESET_CLIENT_V2) {
			/* a new client, or one that restarted: a session of its own,
			 * kept only when the reset is good */
			if (k && k->ss->state == VPN_S_INIT)
				fresh = NULL; /* its first reset again: the same session */
			else if (!(fresh = client_new(v, &peer, plen))) {
				v->refused++;
				continue;
			}
		}
		if (!k && !fresh) {
			v->dropped_no_client++;
			continue;
		}
		rc = vpn_session_input(fresh ? fresh->ss : k->ss, pkt, (size_t)n, ctrl_vpn_now_ms(),
				       plain, sizeof(plain), &out_len);
		if (fresh) {
			if (rc < 0) {
				refused(v, fresh);
				continue;
			}
			if (k) { /* the client keeps its slot, so its address */
				unsigned slot = (unsigned)(k - v->clients);

				client_end(v, k, "the client started again");
				*k = *fresh;
				memset(fresh, 0, sizeof(*fresh));
				k->ss->peer_id = slot;
				assign(v, slot, k);
			} else {
				k = fresh;
			}
		}
		if (rc == 1)
			from_client(v, k, plain, out_len);
		if (k->ss->state == VPN_S_ACTIVE && !k->logged_up)
			log_up(v, k);
		flush_out(v, k);
	}
}

/* proto tcp-server: a connection is a client; its first packet must be a
 * good hard reset, like a UDP client's. */
static void on_accept(struct ctrl *c)
{
	struct ctrl_vpn *v = &c->vpn;

	for (unsigned burst = 0; burst < 16; burst++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int fd = accept4(v->sock_fd, (struct sockaddr *)&peer, &plen,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
		struct ctrl_vpn_client *k;

		if (fd < 0)
			return;
		k = client_new(v, &peer, plen);
		if (!k || !(k->in = malloc(CTRL_VPN_TCP_BUF)) ||
		    !(k->out = malloc(CTRL_VPN_TCP_BUF)) ||
		    epoll_ctl(v->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			v->refused++;
			if (k)
				client_end(v, k, NULL);
			close(fd);
			continue;
		}
		k->conn_fd = fd;
		k->ss->tcp = true;
	}
}

static void on_conn(struct ctrl_vpn *v, struct ctrl_vpn_client *k, uint32_t events)
{
	uint8_t plain[VPN_PKT_MAX];
	ssize_t n;
	long next;

	if (events & EPOLLOUT)
		tcp_send(v, k);
	n = recv(k->conn_fd, k->in + k->in_len, CTRL_VPN_TCP_BUF - k->in_len, 0);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		client_end(v, k, n == 0 ? "the connection closed" : strerror(errno));
		return;
	}
	if (n > 0)
		k->in_len += (size_t)n;
	while ((next = vpn_tcp_next(k->in, k->in_len)) > 0) {
		size_t out_len;
		bool first = k->ss->state == VPN_S_INIT;
		int rc = vpn_session_input(k->ss, k->in + 2, (size_t)next - 2, ctrl_vpn_now_ms(),
					   plain, sizeof(plain), &out_len);

		memmove(k->in, k->in + next, k->in_len - (size_t)next);
		k->in_len -= (size_t)next;
		if (rc < 0 && first) {
			refused(v, k); /* ends it: closes the connection */
			return;
		}
		if (rc == 1)
			from_client(v, k, plain, out_len);
	}
	if (next < 0) {
		client_end(v, k, "a packet of length 0 on the connection");
		return;
	}
	if (k->ss->state == VPN_S_ACTIVE && !k->logged_up)
		log_up(v, k);
	flush_out(v, k);
}

static void on_tun(struct ctrl *c)
{
	struct ctrl_vpn *v = &c->vpn;
	uint8_t ip[VPN_PKT_MAX];

	for (unsigned burst = 0; burst < 64; burst++) {
		ssize_t n = read(v->tun_fd, ip, sizeof(ip));
		struct ctrl_vpn_client *k;

		if (n <= 0)
			return;
		k = client_by_dst(v, ip, (size_t)n);
		if (!k || k->ss->state != VPN_S_ACTIVE) {
			v->dropped_no_client++;
			continue;
		}
		if (vpn_session_send_data(k->ss, ip, (size_t)n) == 0)
			flush_out(v, k);
	}
}

bool ctrl_vpn_event(struct ctrl *c, int fd, uint32_t events)
{
	struct ctrl_vpn *v = &c->vpn;

	if (!v->on || fd < 0)
		return false;
	if (fd == v->sock_fd) {
		if (v->tcp)
			on_accept(c);
		else
			on_udp(c);
		if (v->dp)
			ctrl_vpn_dp_sync(c, false); /* keys ready before the client's first data */
	} else if (fd == v->tun_fd) {
		on_tun(c);
	} else {
		for (unsigned i = 0; v->tcp && i < v->max_clients; i++) {
			if (v->clients[i].ss && v->clients[i].conn_fd == fd) {
				on_conn(v, &v->clients[i], events);
				return true;
			}
		}
		return false;
	}
	return true;
}

/* The state of the data channel the dataplane needs: the tunnel, and each
 * client with keys: the key in use (once ready) and the one before it (in
 * its transition window), with which one we send. */
static void *dp_state(struct ctrl_vpn *v, size_t *len)
{
	const struct vpn_conf *cf = &v->conf;
	struct dp_vpn_hdr *h;
	struct dp_vpn_peer *p;
	struct dp_addr local = { 0 };
	uint64_t now = ctrl_vpn_now_ms();

	*len = sizeof(*h) + (size_t)v->max_clients * sizeof(*p);
	h = calloc(1, *len);
	if (!h)
		return NULL;
	h->max_peers = v->max_clients;
	h->port = cf->port ? cf->port : 1194;
	h->tun_mtu = (uint16_t)(cf->tun_mtu ? cf->tun_mtu : 1500);
	h->flags = cf->client_to_client ? DP_VPN_F_C2C : 0;
	h->ping_s = v->srv.ping_s;
	if (cf->pool4.set) {
		h->pool4_start = cf->pool4.pool_start;
		h->pool4 =
			(struct dp_addr){ .family = 4,
					  .prefixlen = (uint8_t)prefix_of_mask(cf->pool4.netmask) };
		put_be32(h->pool4.addr, cf->pool4.network);
		h->local4 = (struct dp_addr){ .family = 4, .prefixlen = 32 };
		put_be32(h->local4.addr, cf->pool4.local);
	}
	if (cf->pool6.set) {
		uint32_t low;

		h->pool6 =
			(struct dp_addr){ .family = 6, .prefixlen = (uint8_t)cf->pool6.prefix_len };
		memcpy(h->pool6.addr, cf->pool6.network, 16);
		h->local6 = (struct dp_addr){ .family = 6, .prefixlen = 128 };
		memcpy(h->local6.addr, cf->pool6.local, 16);
		memcpy(h->pool6_first, cf->pool6.network, 16);
		memcpy(&low, h->pool6_first + 12, 4);
		low = htonl(ntohl(low) + 2); /* as assign() gives them */
		memcpy(h->pool6_first + 12, &low, 4);
	}
	if (cf->local && dp_addr_parse(cf->local, false, false, &local) < 0)
		local.family = 0;
	p = (struct dp_vpn_peer *)(h + 1);
	for (unsigned i = 0; i < v->max_clients; i++) {
		const struct ctrl_vpn_client *k = &v->clients[i];
		const struct vpn_session *ss = k->ss;
		unsigned n = 0;

		if (!ss || (ss->state != VPN_S_KEYS && ss->state != VPN_S_ACTIVE))
			continue;
		n = ctrl_vpn_dp_keys(ss, k->serial, now, p->keys);
		if (!n)
			continue;
		p->peer_id = i;
		p->n_keys = (uint8_t)n;
		p->tx_key = 0; /* the key in use, or the old one until it is ready */
		p->epoch = k->serial;
		if (k->peer.ss_family == AF_INET) {
			const struct sockaddr_in *sa = (const void *)&k->peer;

			p->remote = (struct dp_addr){ .family = 4, .prefixlen = 32 };
			memcpy(p->remote.addr, &sa->sin_addr, 4);
			p->remote_port = ntohs(sa->sin_port);
		} else {
			const struct sockaddr_in6 *sa = (const void *)&k->peer;

			p->remote = (struct dp_addr){ .family = 6, .prefixlen = 128 };
			memcpy(p->remote.addr, &sa->sin6_addr, 16);
			p->remote_port = ntohs(sa->sin6_port);
		}
		if (local.family == p->remote.family)
			p->local = local;
		p->has4 = k->addr4 != 0;
		put_be32(p->tun4, k->addr4);
		p->has6 = k->has6;
		memcpy(p->tun6, k->addr6, 16);
		h->n_peers++;
		p++;
	}
	*len = sizeof(*h) + h->n_peers * sizeof(*p);
	return h;
}

/* Send a VPN state (the server's or the client's tunnel) unless the
 * dataplane runs it already: the same hash, and the generation its hello
 * says it runs (*hello_gen). Wipes and frees p. */
void ctrl_vpn_dp_push(struct ctrl *c, void *p, size_t len, bool force, struct ctrl_vpn_dpsync *st,
		      uint64_t *hello_gen)
{
	static uint64_t gens;
	const struct dp_result *r;
	struct dp_msg m;
	uint64_t h = ctrl_fnv1a(p, len);
	int rc;

	if (!force && h == st->hash && *hello_gen == st->gen && st->gen) {
		sodium_memzero(p, len);
		free(p);
		return;
	}
	if (!gens)
		gens = (uint64_t)time(NULL) << 20;
	rc = ctrl_dp_call(c, DP_MSG_VPN, ++gens, p, len, DP_MSG_RESULT, &m);
	sodium_memzero(p, len);
	free(p);
	if (rc < 0) {
		snprintf(st->error, sizeof(st->error), "the dataplane is not reachable: %s",
			 strerror(-rc));
		return;
	}
	r = m.payload;
	if (r->rc < 0) {
		if (strncmp(st->error, r->msg, sizeof(st->error) - 1) != 0)
			ctrl_log("error", "vpn: the dataplane refused the VPN's state: %.*s",
				 (int)strnlen(r->msg, sizeof(r->msg)), r->msg);
		snprintf(st->error, sizeof(st->error), "%.*s", (int)strnlen(r->msg, sizeof(r->msg)),
			 r->msg);
	} else {
		st->gen = *hello_gen = r->generation;
		st->hash = h;
		st->error[0] = '\0';
	}
	dp_msg_free(&m);
}

void ctrl_vpn_dp_sync(struct ctrl *c, bool force)
{
	struct ctrl_vpn *v = &c->vpn;
	size_t len;
	void *p;

	if (!v->dp || !c->conf.dp_socket[0] || c->check_only)
		return;
	p = dp_state(v, &len);
	if (p)
		ctrl_vpn_dp_push(c, p, len, force, &v->dps, &c->hello.vpn_generation);
}

/* The client's authentic packets come from another address and port (NAT
 * rebinding): it floats there, as OpenVPN's clients with a peer id do; the
 * control channel follows, the dataplane sends there from the next state. */
static void floated(struct ctrl_vpn *v, struct ctrl_vpn_client *k,
		    const struct dp_vpn_peer_stats *ps)
{
	char from[64], to[64];

	ctrl_vpn_peer_str(&k->peer, from, sizeof(from));
	if (k->peer.ss_family == AF_INET) {
		struct sockaddr_in *sa = (struct sockaddr_in *)&k->peer;

		memcpy(&sa->sin_addr, ps->float_addr, 4);
		sa->sin_port = htons(ps->float_port);
	} else {
		struct sockaddr_in6 *sa = (struct sockaddr_in6 *)&k->peer;

		memcpy(&sa->sin6_addr, ps->float_addr, 16);
		sa->sin6_port = htons(ps->float_port);
	}
	ctrl_vpn_peer_str(&k->peer, to, sizeof(to));
	ctrl_log("info", "vpn: %s (peer-id %u) floated to %s", from, k->ss->peer_id, to);
	v->floats++;
}

unsigned ctrl_vpn_dp_keys(const struct vpn_session *ss, uint64_t serial, uint64_t now_ms,
			  struct dp_vpn_key keys[2])
{
	unsigned n = 0;

	if (ss->keys_ready)
		keys[n++] = (struct dp_vpn_key){ .epoch = serial << 32 | ss->renegs,
						 .key_id = ss->kid,
						 .cipher = (uint8_t)ss->cipher };
	if (ss->prev.valid && now_ms < ss->prev.until_ms)
		keys[n++] = (struct dp_vpn_key){ .epoch = serial << 32 | (ss->renegs - 1),
						 .key_id = ss->prev.kid,
						 .cipher = (uint8_t)ss->cipher };
	for (unsigned j = 0; j < n; j++) {
		const struct vpn_data_keys *dk =
			j == 0 && ss->keys_ready ? &ss->keys : &ss->prev.keys;

		memcpy(keys[j].enc_key, dk->out.key, 32);
		memcpy(keys[j].enc_iv, dk->out.implicit_iv, 8);
		memcpy(keys[j].dec_key, dk->in.key, 32);
		memcpy(keys[j].dec_iv, dk->in.implicit_iv, 8);
	}
	return n;
}

int ctrl_vpn_dp_stats(struct ctrl *c, struct dp_msg *m, bool *pmd)
{
	if (!c->dp_connected || c->check_only ||
	    ctrl_dp_call(c, DP_MSG_GET_VPN_STATS, 0, NULL, 0, DP_MSG_VPN_STATS, m) < 0)
		return -1;
	if (m->hdr.type != DP_MSG_VPN_STATS) {
		dp_msg_free(m);
		return -1;
	}
	*pmd = ((const struct dp_vpn_stats *)m->payload)->crypto;
	return 0;
}

void ctrl_vpn_dp_account(struct vpn_session *ss, const struct dp_vpn_peer_stats *ps,
			 struct ctrl_vpn_dpcount *last, uint64_t now_ms)
{
	ss->key_bytes += ps->rx_bytes + ps->tx_bytes - last->rx_bytes - last->tx_bytes;
	ss->key_pkts += ps->rx_pkts + ps->tx_pkts - last->rx_pkts - last->tx_pkts;
	*last = (struct ctrl_vpn_dpcount){ .rx_pkts = ps->rx_pkts,
					   .tx_pkts = ps->tx_pkts,
					   .rx_bytes = ps->rx_bytes,
					   .tx_bytes = ps->tx_bytes };
	if (ps->rx_idle_ms != UINT64_MAX && now_ms - ps->rx_idle_ms > ss->last_rx_ms)
		ss->last_rx_ms = now_ms - ps->rx_idle_ms;
}

/* The dataplane's counters: what the clients sent there keeps their
 * sessions alive (ping-restart) and counts toward reneg-bytes/-pkts. */
static void dp_stats(struct ctrl *c)
{
	struct ctrl_vpn *v = &c->vpn;
	const struct dp_vpn_stats *h;
	const struct dp_vpn_peer_stats *ps;
	struct dp_msg m;

	if (!v->dp || ctrl_vpn_dp_stats(c, &m, &v->dp_crypto_pmd) < 0)
		return;
	h = m.payload;
	ps = (const struct dp_vpn_peer_stats *)(h + 1);
	for (uint32_t i = 0; i < h->n_peers; i++) {
		struct ctrl_vpn_client *k =
			ps[i].peer_id < v->max_clients ? &v->clients[ps[i].peer_id] : NULL;

		if (!k || !k->ss || k->serial != ps[i].epoch)
			continue;
		ctrl_vpn_dp_account(k->ss, &ps[i], &k->dpc, ctrl_vpn_now_ms());
		if (ps[i].floated)
			floated(v, k, &ps[i]);
	}
	dp_msg_free(&m);
}

void ctrl_vpn_tick(struct ctrl *c)
{
	struct ctrl_vpn *v = &c->vpn;
	uint64_t now = ctrl_vpn_now_ms();

	if (v->on && v->dp)
		dp_stats(c);
	for (unsigned i = 0; v->on && i < v->max_clients; i++) {
		struct ctrl_vpn_client *k = &v->clients[i];

		if (!k->ss)
			continue;
		vpn_session_tick(k->ss, now);
		flush_out(v, k);
		if (k->ss->state == VPN_S_FAILED)
			client_end(v, k, k->ss->why);
		else if (k->ss->state != VPN_S_ACTIVE &&
			 time(NULL) - k->since >
				 (time_t)(v->conf.hand_window_s ? v->conf.hand_window_s : 60))
			client_end(v, k, "no session within hand-window");
	}
	if (v->on && v->dp)
		ctrl_vpn_dp_sync(c, false);
}

json_t *ctrl_vpn_api(struct ctrl *c, const char *cmd, json_t *req)
{
	struct ctrl_vpn *v = &c->vpn;
	json_t *clients;

	if (strcmp(cmd, "vpn.client") == 0) {
		if (!c->vpn_client.on)
			return json_pack("{s:b,s:s}", "ok", 0, "error",
					 "no VPN client is configured: add vpn { client = "
					 "\"FILE\"; } (docs/vpn.md)");
		return ctrl_vpn_client_status(c);
	}
	if (strcmp(cmd, "vpn.status") != 0)
		return NULL;
	if (!v->on || !v->clients)
		return json_pack("{s:b,s:s}", "ok", 0, "error",
				 c->conf.vpn.server[0] ? "the VPN did not start: see ctrl's log"
						       : "no VPN is configured: add vpn { server = "
							 "\"FILE\"; } (docs/vpn.md)");
	clients = json_array();
	for (unsigned i = 0; i < v->max_clients; i++) {
		struct ctrl_vpn_client *k = &v->clients[i];
		const mbedtls_x509_crt *crt;
		char peer[64], subject[256] = "", a6[INET6_ADDRSTRLEN] = "";
		struct in_addr a = { htonl(k->addr4) };

		if (!k->ss)
			continue;
		crt = k->ss->state >= VPN_S_KEYS ? mbedtls_ssl_get_peer_cert(&k->ss->tls) : NULL;
		if (crt)
			mbedtls_x509_dn_gets(subject, sizeof(subject), &crt->subject);
		if (k->has6)
			inet_ntop(AF_INET6, k->addr6, a6, sizeof(a6));
		ctrl_vpn_peer_str(&k->peer, peer, sizeof(peer));
		json_array_append_new(
			clients, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:i}",
					   "peer", peer, "subject", subject, "state",
					   k->ss->state == VPN_S_ACTIVE ? "up" : "handshake",
					   "address", inet_ntoa(a), "address6", a6, "cipher",
					   k->ss->state == VPN_S_ACTIVE
						   ? vpn_cipher_name((enum vpn_cipher)k->ss->cipher)
						   : "",
					   "since", (json_int_t)k->since, "rx_packets",
					   (json_int_t)(k->rx_pkts + k->dpc.rx_pkts), "tx_packets",
					   (json_int_t)(k->tx_pkts + k->dpc.tx_pkts), "rx_bytes",
					   (json_int_t)(k->rx_bytes + k->dpc.rx_bytes), "tx_bytes",
					   (json_int_t)(k->tx_bytes + k->dpc.tx_bytes),
					   "renegotiations", (int)k->ss->renegs));
	}
	return json_pack("{s:b,s:s,s:s,s:s,s:I,s:I,s:s,s:i,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s}",
			 "ok", 1, "data_channel", v->dp ? "dataplane" : "ctrl", "dataplane_crypto",
			 !v->dp		    ? ""
			 : v->dp_crypto_pmd ? "ipsec-mb PMD"
					    : "libsodium",
			 "dataplane_error", v->dps.error, "dropped_not_dataplane",
			 (json_int_t)v->dropped_not_dp, "floats", (json_int_t)v->floats, "tun",
			 v->tun, "max_clients", (int)v->max_clients, "clients", clients, "sessions",
			 (json_int_t)v->sessions, "refused", (json_int_t)v->refused,
			 "dropped_spoofed", (json_int_t)v->dropped_spoofed, "dropped_no_client",
			 (json_int_t)v->dropped_no_client, "dropped_client_to_client",
			 (json_int_t)v->dropped_c2c, "dropped_bad", (json_int_t)v->dropped_bad,
			 "dropped_tcp_full", (json_int_t)v->dropped_tcp_full, "proto",
			 v->tcp ? "tcp" : "udp");
}
