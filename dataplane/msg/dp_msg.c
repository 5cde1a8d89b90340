/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_msg.c - the control-channel codec of dataplane.h: framing over
 * SOCK_SEQPACKET, bulk payloads in sealed memfds, and the validation both
 * sides run on every message before using it. Plain C, no EAL.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataplane/dataplane.h"

#define DP_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

const char *const dp_counter_names[DP_CNT_MAX] = {
#define DP_CNT_NAME(name, help) #name,
	DP_COUNTERS(DP_CNT_NAME)
#undef DP_CNT_NAME
};

const char *const dp_counter_help[DP_CNT_MAX] = {
#define DP_CNT_HELP(name, help) help,
	DP_COUNTERS(DP_CNT_HELP)
#undef DP_CNT_HELP
};

static int send_memfd(int fd, struct dp_msg_hdr *h, const void *payload, size_t len)
{
	union {
		struct cmsghdr c;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { .iov_base = h, .iov_len = sizeof(*h) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	const char *p = payload;
	size_t off = 0;
	int mfd, rc = 0;

	mfd = memfd_create("rampart-msg", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return -errno;
	while (off < len) {
		ssize_t n = write(mfd, p + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		off += (size_t)n;
	}
	if (fcntl(mfd, F_ADD_SEALS, DP_SEALS) < 0) {
		rc = -errno;
		goto out;
	}
	memset(&u, 0, sizeof(u));
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	u.c.cmsg_level = SOL_SOCKET;
	u.c.cmsg_type = SCM_RIGHTS;
	u.c.cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(&u.c), &mfd, sizeof(int));
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
		rc = -errno;
out:
	close(mfd);
	return rc;
}

int dp_msg_send(int fd, uint16_t type, uint32_t seq, uint64_t generation, const void *payload,
		size_t len)
{
	struct dp_msg_hdr h = {
		.magic = DP_PROTO_MAGIC,
		.version = DP_PROTO_VERSION,
		.type = type,
		.seq = seq,
		.len = (uint32_t)len,
		.generation = generation,
	};
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)payload, .iov_len = len },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };

	if (len > DP_MSG_PAYLOAD_MAX)
		return -EMSGSIZE;
	if (len > DP_MSG_INLINE_MAX) {
		h.flags = DP_MSG_F_MEMFD;
		return send_memfd(fd, &h, payload, len);
	}
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

static void close_fds(struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int x;

			memcpy(&x, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			close(x);
		}
	}
}

/* The single descriptor carried by mh, or -1. */
static int take_fd(struct msghdr *mh)
{
	struct cmsghdr *c = CMSG_FIRSTHDR(mh);
	int x;

	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)) || CMSG_NXTHDR(mh, c)) {
		close_fds(mh);
		return -1;
	}
	memcpy(&x, CMSG_DATA(c), sizeof(int));
	return x;
}

static int map_memfd(int mfd, size_t len, void **out)
{
	struct stat st;
	int seals = fcntl(mfd, F_GET_SEALS);
	void *p;

	/* Sealed, so the sender can change nothing after we validate it. */
	if (seals < 0 || (seals & DP_SEALS) != DP_SEALS)
		return -EPERM;
	if (fstat(mfd, &st) < 0)
		return -errno;
	if ((size_t)st.st_size != len || len == 0)
		return -EBADMSG;
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, mfd, 0);
	if (p == MAP_FAILED)
		return -errno;
	*out = p;
	return 0;
}

int dp_msg_recv(int fd, struct dp_msg *msg)
{
	union {
		struct cmsghdr c;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} u;
	char *buf;
	size_t cap = sizeof(struct dp_msg_hdr) + DP_MSG_INLINE_MAX;
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;
	int rc = 0, mfd;

	memset(msg, 0, sizeof(*msg));
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	iov = (struct iovec){ .iov_base = buf, .iov_len = cap };
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0) {
		rc = errno == EWOULDBLOCK ? -EAGAIN : -errno;
		goto fail;
	}
	if (n == 0) {
		rc = -ECONNRESET;
		goto fail;
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		close_fds(&mh);
		rc = -EMSGSIZE;
		goto fail;
	}
	if ((size_t)n < sizeof(msg->hdr)) {
		close_fds(&mh);
		rc = -EBADMSG;
		goto fail;
	}
	memcpy(&msg->hdr, buf, sizeof(msg->hdr));
	if (msg->hdr.magic != DP_PROTO_MAGIC || msg->hdr.version != DP_PROTO_VERSION ||
	    msg->hdr.type == 0 || msg->hdr.type >= DP_MSG_TYPE_MAX ||
	    (msg->hdr.flags & ~DP_MSG_F_MEMFD) || msg->hdr.len > DP_MSG_PAYLOAD_MAX) {
		close_fds(&mh);
		rc = -EPROTO;
		goto fail;
	}
	msg->len = msg->hdr.len;
	if (msg->hdr.flags & DP_MSG_F_MEMFD) {
		if ((size_t)n != sizeof(msg->hdr)) {
			close_fds(&mh);
			rc = -EBADMSG;
			goto fail;
		}
		mfd = take_fd(&mh);
		if (mfd < 0) {
			rc = -EBADMSG;
			goto fail;
		}
		rc = map_memfd(mfd, msg->len, &msg->payload);
		close(mfd);
		if (rc < 0)
			goto fail;
		msg->mapped = true;
		free(buf);
		return 0;
	}
	if (mh.msg_controllen) {
		close_fds(&mh); /* descriptors nobody asked for */
		rc = -EBADMSG;
		goto fail;
	}
	if ((size_t)n - sizeof(msg->hdr) != msg->len) {
		rc = -EBADMSG;
		goto fail;
	}
	if (msg->len) {
		memmove(buf, buf + sizeof(msg->hdr), msg->len);
		msg->payload = buf;
	} else {
		free(buf);
	}
	return 0;
fail:
	free(buf);
	memset(msg, 0, sizeof(*msg));
	return rc;
}

void dp_msg_free(struct dp_msg *msg)
{
	if (msg->mapped)
		munmap(msg->payload, msg->len);
	else
		free(msg->payload);
	memset(msg, 0, sizeof(*msg));
}

int dp_msg_check_size(const struct dp_msg *msg)
{
	size_t len = msg->len;

	switch (msg->hdr.type) {
	case DP_MSG_HELLO:
	case DP_MSG_GET_PORTS:
	case DP_MSG_GET_ROUTES:
	case DP_MSG_GET_STATS:
	case DP_MSG_GET_RULE_STATS:
	case DP_MSG_GET_DNS_STATS:
	case DP_MSG_FLUSH_FLOWS:
	case DP_MSG_GET_VPN_STATS:
		return len == 0 ? 0 : -EBADMSG;
	case DP_MSG_VPN:
		return dp_vpn_validate(msg->payload, len, NULL, 0);
	case DP_MSG_VPN_STATS: {
		const struct dp_vpn_stats *h = msg->payload;

		if (len < sizeof(*h) || h->n_peers > DP_VPN_PEERS_MAX + 1) /* and the client's */
			return -EBADMSG;
		return len == sizeof(*h) + h->n_peers * sizeof(struct dp_vpn_peer_stats) ? 0
											     : -EBADMSG;
	}
	case DP_MSG_RULES:
	case DP_MSG_ZONES:
		return len > 0 ? 0 : -EBADMSG; /* fw_wire_decode, dns_zones_decode check the rest */
	case DP_MSG_GET_NAT:
		return len == sizeof(struct dp_nat_query) ? 0 : -EBADMSG;
	case DP_MSG_DNS_STATS: {
		const struct dp_dns_stats *h = msg->payload;

		if (len < sizeof(*h) || h->n_zones > 65536)
			return -EBADMSG;
		return len == sizeof(*h) + h->n_zones * sizeof(struct dp_zone_counters) ? 0
											  : -EBADMSG;
	}
	case DP_MSG_NAT_FLUSH:
		return len == sizeof(struct dp_nat_flush) ? 0 : -EBADMSG;
	case DP_MSG_NAT: {
		const struct dp_nat_hdr *h = msg->payload;

		if (len < sizeof(*h) || h->n_pools > 65536 || h->n_list > (1u << 22))
			return -EBADMSG;
		return len == sizeof(*h) + h->n_pools * sizeof(struct dp_nat_pool_info) +
				      (size_t)h->n_list * sizeof(struct dp_nat_mapping)
			       ? 0
			       : -EBADMSG;
	}
	case DP_MSG_RULE_STATS: {
		const struct dp_rule_stats *h = msg->payload;

		if (len < sizeof(*h))
			return -EBADMSG;
		return len == sizeof(*h) + ((size_t)h->n_rules + 1) * sizeof(struct dp_rule_counter)
			       ? 0
			       : -EBADMSG;
	}
	case DP_MSG_HELLO_REPLY:
		return len == sizeof(struct dp_hello) ? 0 : -EBADMSG;
	case DP_MSG_RESULT:
		return len == sizeof(struct dp_result) ? 0 : -EBADMSG;
	case DP_MSG_PORTS:
		return len % sizeof(struct dp_port_info) == 0 &&
				       len / sizeof(struct dp_port_info) <= DP_MAX_PORTS + 1
			       ? 0
			       : -EBADMSG;
	case DP_MSG_ROUTES:
		return len % sizeof(struct dp_route) == 0 ? 0 : -EBADMSG;
	case DP_MSG_STATS: {
		const struct dp_stats_hdr *h = msg->payload;

		if (len < sizeof(*h) || h->n_counters != DP_CNT_MAX || h->n_lcores > DP_MAX_LCORES)
			return -EBADMSG;
		return len == sizeof(*h) + h->n_lcores * sizeof(struct dp_lcore_stats) ? 0
										       : -EBADMSG;
	}
	case DP_MSG_NETCFG:
		return dp_netcfg_validate(msg->payload, len, NULL, 0);
	default:
		return -EPROTO;
	}
}

static bool addr_ok(const struct dp_addr *a, bool allow_none)
{
	if (a->family == 0)
		return allow_none;
	if (a->family == 4)
		return a->prefixlen <= 32;
	if (a->family == 6)
		return a->prefixlen <= 128;
	return false;
}

static bool name_ok(const char *s, bool allow_empty)
{
	size_t n = strnlen(s, DP_PORT_NAME_MAX);

	return n < DP_PORT_NAME_MAX && (allow_empty || n > 0);
}

#define FAIL(...)                                           \
	do {                                                \
		if (err && errlen)                          \
			snprintf(err, errlen, __VA_ARGS__); \
		return -EINVAL;                             \
	} while (0)

#define DP_ROUTE_F_ALL	(DP_ROUTE_F_CONNECTED | DP_ROUTE_F_BLACKHOLE | DP_ROUTE_F_UNREACH)
#define DP_ROUTE_F_DROP (DP_ROUTE_F_BLACKHOLE | DP_ROUTE_F_UNREACH)

static int route_check(const struct dp_route *r, uint32_t i, char *err, size_t errlen)
{
	if (!addr_ok(&r->dst, false))
		FAIL("netcfg: route %u: destination family %u or prefix length %u is invalid", i,
		     r->dst.family, r->dst.prefixlen);
	if (!addr_ok(&r->via, true))
		FAIL("netcfg: route %u: gateway family %u or prefix length %u is invalid", i,
		     r->via.family, r->via.prefixlen);
	if (r->via.family && r->via.family != r->dst.family)
		FAIL("netcfg: route %u: gateway family differs from destination", i);
	if (!name_ok(r->port, true))
		FAIL("netcfg: route %u: port name is not NUL-terminated", i);
	if (r->flags & ~DP_ROUTE_F_ALL)
		FAIL("netcfg: route %u: unknown flags 0x%x", i, r->flags);
	if ((r->flags & DP_ROUTE_F_DROP) == DP_ROUTE_F_DROP)
		FAIL("netcfg: route %u: both blackhole and unreachable", i);
	if ((r->flags & DP_ROUTE_F_DROP) && r->via.family)
		FAIL("netcfg: route %u: a blackhole or unreachable route has no gateway", i);
	if (!(r->flags & DP_ROUTE_F_DROP) && !r->via.family && !r->port[0])
		FAIL("netcfg: route %u has neither gateway nor port", i);
	return 0;
}

int dp_netcfg_validate(const void *payload, size_t len, char *err, size_t errlen)
{
	const struct dp_netcfg_hdr *h = payload;
	struct dp_netcfg_view v;
	uint64_t need;
	int rc;

	if (!payload || len < sizeof(*h))
		FAIL("netcfg: %zu bytes, shorter than its header", len);
	/* Counts are capped first, so the products below stay far from overflow
	 * (at most 65536 * 64 bytes) even where size_t were 32 bits wide. */
	if (h->n_addrs > DP_MAX_PORTS * DP_PORT_ADDRS_MAX)
		FAIL("netcfg: %u addresses, more than %d", h->n_addrs,
		     DP_MAX_PORTS * DP_PORT_ADDRS_MAX);
	if (h->n_routes > DP_ROUTES_MAX)
		FAIL("netcfg: %u routes, more than %d", h->n_routes, DP_ROUTES_MAX);
	if (h->n_neigh > DP_NEIGH_STATIC_MAX)
		FAIL("netcfg: %u neighbours, more than %d", h->n_neigh, DP_NEIGH_STATIC_MAX);
	need = sizeof(*h) + (uint64_t)h->n_addrs * sizeof(struct dp_port_addr) +
	       (uint64_t)h->n_routes * sizeof(struct dp_route) +
	       (uint64_t)h->n_neigh * sizeof(struct dp_neigh);
	if (need != len)
		FAIL("netcfg: length %zu, counts say %llu", len, (unsigned long long)need);
	dp_netcfg_view(payload, &v);
	for (uint32_t i = 0; i < h->n_addrs; i++) {
		if (!addr_ok(&v.addrs[i].addr, false))
			FAIL("netcfg: address %u: family %u or prefix length %u is invalid", i,
			     v.addrs[i].addr.family, v.addrs[i].addr.prefixlen);
		if (!name_ok(v.addrs[i].port, false))
			FAIL("netcfg: address %u: port name empty or not NUL-terminated", i);
	}
	for (uint32_t i = 0; i < h->n_routes; i++)
		if ((rc = route_check(&v.routes[i], i, err, errlen)) < 0)
			return rc;
	for (uint32_t i = 0; i < h->n_neigh; i++) {
		if (!addr_ok(&v.neigh[i].ip, false))
			FAIL("netcfg: neighbour %u: family %u or prefix length %u is invalid", i,
			     v.neigh[i].ip.family, v.neigh[i].ip.prefixlen);
		if (!name_ok(v.neigh[i].port, false))
			FAIL("netcfg: neighbour %u: port name empty or not NUL-terminated", i);
	}
	return 0;
}

void dp_netcfg_view(const void *payload, struct dp_netcfg_view *view)
{
	const char *p = payload;

	view->hdr = payload;
	p += sizeof(*view->hdr);
	view->addrs = (const struct dp_port_addr *)p;
	p += view->hdr->n_addrs * sizeof(struct dp_port_addr);
	view->routes = (const struct dp_route *)p;
	p += view->hdr->n_routes * sizeof(struct dp_route);
	view->neigh = (const struct dp_neigh *)p;
}

int dp_addr_parse(const char *s, bool want_prefix, bool strict, struct dp_addr *out)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long plen = 0;
	unsigned bits;

	memset(out, 0, sizeof(*out));
	if (n == 0 || n >= INET6_ADDRSTRLEN)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = 4;
		bits = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = 6;
		bits = 128;
	} else {
		return -EINVAL;
	}
	if (slash) {
		const char *d = slash + 1;

		/* digits only: strtoul would also take " 24", "+24" and "0x18" */
		if (!want_prefix || !*d || strlen(d) > 3)
			return -EINVAL;
		for (; *d; d++) {
			if (*d < '0' || *d > '9')
				return -EINVAL;
			plen = plen * 10 + (unsigned long)(*d - '0');
		}
		if (plen > bits)
			return -EINVAL;
	} else {
		plen = bits;
	}
	out->prefixlen = (uint8_t)plen;
	if (strict)
		for (unsigned b = (unsigned)plen; b < bits; b++)
			if (out->addr[b / 8] & (0x80 >> (b % 8)))
				return -EINVAL;
	return 0;
}

char *dp_addr_format(const struct dp_addr *a, bool with_prefix, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	if (a->family != 4 && a->family != 6) {
		snprintf(buf, len, "-");
		return buf;
	}
	inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->addr, tmp, sizeof(tmp));
	if (with_prefix)
		snprintf(buf, len, "%s/%u", tmp, a->prefixlen);
	else
		snprintf(buf, len, "%s", tmp);
	return buf;
}

bool dp_addr_in_prefix(const struct dp_addr *a, const struct dp_addr *prefix)
{
	return a->family == prefix->family &&
	       dp_bytes_in_prefix(a->addr, prefix->addr, prefix->prefixlen);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int dp_mac_parse(const char *s, uint8_t mac[6])
{
	uint8_t v[6];

	/* exactly xx:xx:xx:xx:xx:xx; sscanf("%2x") would take " 1", "+1" or "0x" */
	if (strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hex_digit(s[3 * i]), lo = hex_digit(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		v[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, v, sizeof(v));
	return 0;
}

#define VPN_BAD(...)                                        \
	do {                                                \
		if (err)                                    \
			snprintf(err, errlen, __VA_ARGS__); \
		return -EINVAL;                             \
	} while (0)

int dp_vpn_validate(const void *payload, size_t len, char *err, size_t errlen)
{
	const struct dp_vpn_hdr *h = payload;
	const struct dp_vpn_peer *p;
	uint8_t seen[DP_VPN_PEERS_MAX / 8] = { 0 };

	if (len < sizeof(*h))
		VPN_BAD("VPN state: %zu bytes, shorter than its header", len);
	if (h->n_peers > DP_VPN_PEERS_MAX || h->max_peers > DP_VPN_PEERS_MAX ||
	    len != sizeof(*h) + (size_t)h->n_peers * sizeof(*p))
		VPN_BAD("VPN state: %u peers (at most %u) do not fill %zu bytes", h->n_peers,
			DP_VPN_PEERS_MAX, len);
	if (!h->port || h->tun_mtu < 576 || h->tun_mtu > 9000 ||
	    (h->flags & ~(DP_VPN_F_C2C | DP_VPN_F_CLIENT)))
		VPN_BAD("VPN state: port %u, tun-mtu %u or flags %#x out of range", h->port,
			h->tun_mtu, h->flags);
	if ((h->flags & DP_VPN_F_CLIENT) &&
	    (h->n_peers > 1 || h->pool4.family || h->pool6.family || h->local4.family ||
	     h->local6.family || h->pool4_start || (h->flags & DP_VPN_F_C2C)))
		VPN_BAD("VPN client's tunnel: at most one peer (the server), no pool, no "
			"client-to-client");
	if ((h->pool4.family != 0 && h->pool4.family != 4) ||
	    (h->pool6.family != 0 && h->pool6.family != 6) || !addr_ok(&h->pool4, true) ||
	    !addr_ok(&h->pool6, true) || (h->local4.family != 0 && h->local4.family != 4) ||
	    (h->local6.family != 0 && h->local6.family != 6))
		VPN_BAD("VPN state: the tunnel's networks are not IPv4 and IPv6 prefixes");
	p = (const struct dp_vpn_peer *)(h + 1);
	for (uint32_t i = 0; i < h->n_peers; i++, p++) {
		if (p->peer_id >= h->max_peers || (seen[p->peer_id / 8] & (1u << (p->peer_id % 8))))
			VPN_BAD("VPN peer %u: peer id %u out of range or twice", i, p->peer_id);
		seen[p->peer_id / 8] |= (uint8_t)(1u << (p->peer_id % 8));
		if (p->n_keys < 1 || p->n_keys > 2 || p->tx_key >= p->n_keys)
			VPN_BAD("VPN peer %u: %u keys, sending with key %u", p->peer_id, p->n_keys,
				p->tx_key);
		for (unsigned k = 0; k < p->n_keys; k++)
			if (p->keys[k].key_id > 7 || p->keys[k].cipher > 2)
				VPN_BAD("VPN peer %u: key id %u or cipher %u out of range",
					p->peer_id, p->keys[k].key_id, p->keys[k].cipher);
		if (p->n_keys == 2 && p->keys[0].key_id == p->keys[1].key_id)
			VPN_BAD("VPN peer %u: two keys with id %u", p->peer_id, p->keys[0].key_id);
		if ((p->remote.family != 4 && p->remote.family != 6) || !p->remote_port ||
		    (p->local.family && p->local.family != p->remote.family))
			VPN_BAD("VPN peer %u: its outer addresses are not of one family", p->peer_id);
		if (!(h->flags & DP_VPN_F_CLIENT) &&
		    ((p->has4 && h->pool4.family != 4) || (p->has6 && h->pool6.family != 6)))
			VPN_BAD("VPN peer %u: a tunnel address outside the tunnel's networks",
				p->peer_id);
	}
	return 0;
}
