/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * punt.c - the kernel side of the exception path. The dataplane creates the
 * TAP interface (dataplane.punt, rampart0); ctrl gives it the appliance's
 * addresses and IPv4/IPv6 default routes, so the kernel's own sockets (ctrl's
 * services) use them, with ARP and ND off (IFF_NOARP, which also skips IPv6
 * duplicate address detection): the dataplane routes whatever the kernel
 * sends, whatever its destination MAC, and answers ARP/ND itself on the
 * ports. Spoken over rtnetlink directly: no ip(8), no shell.
 *
 * Every step is a "replace", so running it again changes nothing; it runs
 * when the interface (re)appears with a new ifindex (a restarted dataplane)
 * or the set of addresses changes, and then removes the global addresses that
 * are no longer configured, after the new ones are in place.
 */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctrl/ctrl.h"

#define NL_BUF 16384

struct nl_req {
	struct nlmsghdr n;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
		struct rtmsg rt;
	};
	char attrs[256];
};

static int nl_open(void)
{
	struct timeval tv = { .tv_sec = 1 };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

static void nl_attr(struct nl_req *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)&r->n + NLMSG_ALIGN(r->n.nlmsg_len));

	/* callers add at most a few small attributes: r->attrs always has room */
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* Send one request and wait for its acknowledgement. */
static int nl_talk(int fd, struct nl_req *r)
{
	static uint32_t seq;
	char buf[NL_BUF];
	ssize_t n;

	r->n.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	r->n.nlmsg_seq = ++seq;
	if (send(fd, r, r->n.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != r->n.nlmsg_seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				return -EBADMSG;
			return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
		}
	}
}

static int link_up_noarp(int fd, unsigned ifindex)
{
	struct nl_req r = {
		.n = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		       .nlmsg_type = RTM_NEWLINK },
		.ifi = { .ifi_family = AF_UNSPEC,
			 .ifi_index = (int)ifindex,
			 .ifi_flags = IFF_UP | IFF_NOARP,
			 .ifi_change = IFF_UP | IFF_NOARP },
	};

	return nl_talk(fd, &r);
}

static int addr_change(int fd, int type, unsigned ifindex, const struct dp_addr *a)
{
	struct nl_req r = {
		.n = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)), .nlmsg_type = type },
		.ifa = { .ifa_family = a->family == 4 ? AF_INET : AF_INET6,
			 .ifa_prefixlen = a->prefixlen,
			 .ifa_scope = RT_SCOPE_UNIVERSE,
			 .ifa_index = ifindex },
	};
	size_t alen = a->family == 4 ? 4 : 16;
	uint32_t flags = a->family == 6 ? IFA_F_NODAD : 0;

	if (type == RTM_NEWADDR) {
		r.n.nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
		r.ifa.ifa_flags = (unsigned char)flags;
		nl_attr(&r, IFA_FLAGS, &flags, sizeof(flags));
	}
	nl_attr(&r, IFA_LOCAL, a->addr, alen);
	nl_attr(&r, IFA_ADDRESS, a->addr, alen);
	return nl_talk(fd, &r);
}

static int default_route(int fd, unsigned ifindex, int family)
{
	struct nl_req r = {
		.n = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
		       .nlmsg_type = RTM_NEWROUTE,
		       .nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE },
		.rt = { .rtm_family = (unsigned char)family,
			.rtm_table = RT_TABLE_MAIN,
			.rtm_protocol = RTPROT_STATIC,
			.rtm_scope = RT_SCOPE_LINK,
			.rtm_type = RTN_UNICAST },
	};
	uint32_t oif = ifindex;

	nl_attr(&r, RTA_OIF, &oif, sizeof(oif));
	return nl_talk(fd, &r);
}

int ctrl_iface_setup(const char *name, unsigned mtu, const struct dp_addr *addrs, unsigned n)
{
	unsigned ifindex = if_nametoindex(name);
	struct nl_req r = {
		.n = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		       .nlmsg_type = RTM_NEWLINK },
		.ifi = { .ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP },
	};
	int fd, rc;

	if (!ifindex)
		return -ENODEV;
	fd = nl_open();
	if (fd < 0)
		return fd;
	r.ifi.ifi_index = (int)ifindex;
	nl_attr(&r, IFLA_MTU, &mtu, sizeof(mtu));
	rc = nl_talk(fd, &r);
	for (unsigned i = 0; rc == 0 && i < n; i++)
		rc = addr_change(fd, RTM_NEWADDR, ifindex, &addrs[i]);
	close(fd);
	return rc;
}

int ctrl_iface_route(const char *name, const struct dp_addr *prefix, bool add)
{
	unsigned ifindex = if_nametoindex(name);
	struct nl_req r = {
		.n = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
		       .nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE,
		       .nlmsg_flags = add ? NLM_F_CREATE | NLM_F_REPLACE : 0 },
		.rt = { .rtm_family = prefix->family == 4 ? AF_INET : AF_INET6,
			.rtm_dst_len = prefix->prefixlen,
			.rtm_table = RT_TABLE_MAIN,
			.rtm_protocol = RTPROT_STATIC,
			.rtm_scope = RT_SCOPE_LINK,
			.rtm_type = RTN_UNICAST },
	};
	uint32_t oif = ifindex;
	int fd, rc;

	if (!ifindex)
		return -ENODEV;
	fd = nl_open();
	if (fd < 0)
		return fd;
	nl_attr(&r, RTA_DST, prefix->addr, prefix->family == 4 ? 4 : 16);
	nl_attr(&r, RTA_OIF, &oif, sizeof(oif));
	rc = nl_talk(fd, &r);
	close(fd);
	return rc;
}

/* The route the kernel takes to host now: its gateway (if any) and oif. */
static int route_get(int fd, const struct dp_addr *host, uint8_t gw[16], bool *has_gw,
		     uint32_t *oif)
{
	static uint32_t seq = 1u << 30;
	struct nl_req r = {
		.n = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
		       .nlmsg_type = RTM_GETROUTE,
		       .nlmsg_flags = NLM_F_REQUEST,
		       .nlmsg_seq = ++seq },
		.rt = { .rtm_family = host->family == 4 ? AF_INET : AF_INET6,
			.rtm_dst_len = host->family == 4 ? 32 : 128 },
	};
	size_t alen = host->family == 4 ? 4 : 16;
	char buf[NL_BUF];
	ssize_t n;

	nl_attr(&r, RTA_DST, host->addr, alen);
	if (send(fd, &r, r.n.nlmsg_len, 0) < 0)
		return -errno;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	*has_gw = false;
	*oif = 0;
	for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
	     h = NLMSG_NEXT(h, n)) {
		struct rtmsg *rt = NLMSG_DATA(h);
		int alen2;

		if (h->nlmsg_type == NLMSG_ERROR)
			return ((struct nlmsgerr *)NLMSG_DATA(h))->error ?: -ENOENT;
		if (h->nlmsg_type != RTM_NEWROUTE)
			continue;
		alen2 = (int)RTM_PAYLOAD(h);
		for (struct rtattr *a = RTM_RTA(rt); RTA_OK(a, alen2); a = RTA_NEXT(a, alen2)) {
			if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) == alen) {
				memcpy(gw, RTA_DATA(a), alen);
				*has_gw = true;
			} else if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) == 4) {
				memcpy(oif, RTA_DATA(a), 4);
			}
		}
		return *oif ? 0 : -ENOENT;
	}
	return -ENOENT;
}

int ctrl_route_pin(const struct dp_addr *host)
{
	struct nl_req r = {
		.n = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
		       .nlmsg_type = RTM_NEWROUTE,
		       .nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE },
		.rt = { .rtm_family = host->family == 4 ? AF_INET : AF_INET6,
			.rtm_dst_len = host->family == 4 ? 32 : 128,
			.rtm_table = RT_TABLE_MAIN,
			.rtm_protocol = RTPROT_STATIC,
			.rtm_scope = RT_SCOPE_UNIVERSE,
			.rtm_type = RTN_UNICAST },
	};
	size_t alen = host->family == 4 ? 4 : 16;
	uint8_t gw[16];
	bool has_gw;
	uint32_t oif;
	int fd = nl_open(), rc;

	if (fd < 0)
		return fd;
	rc = route_get(fd, host, gw, &has_gw, &oif);
	if (rc == 0) {
		if (!has_gw)
			r.rt.rtm_scope = RT_SCOPE_LINK;
		nl_attr(&r, RTA_DST, host->addr, alen);
		if (has_gw)
			nl_attr(&r, RTA_GATEWAY, gw, alen);
		nl_attr(&r, RTA_OIF, &oif, sizeof(oif));
		rc = nl_talk(fd, &r);
	}
	close(fd);
	return rc;
}

int ctrl_route_unpin(const struct dp_addr *host)
{
	struct nl_req r = {
		.n = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
		       .nlmsg_type = RTM_DELROUTE },
		.rt = { .rtm_family = host->family == 4 ? AF_INET : AF_INET6,
			.rtm_dst_len = host->family == 4 ? 32 : 128,
			.rtm_table = RT_TABLE_MAIN,
			.rtm_protocol = RTPROT_STATIC,
			.rtm_scope = RT_SCOPE_NOWHERE,
			.rtm_type = RTN_UNICAST },
	};
	int fd = nl_open(), rc;

	if (fd < 0)
		return fd;
	nl_attr(&r, RTA_DST, host->addr, host->family == 4 ? 4 : 16);
	rc = nl_talk(fd, &r);
	close(fd);
	return rc;
}

static bool configured(const struct ctrl *c, const struct dp_addr *a)
{
	for (unsigned i = 0; i < c->n_punt_extra; i++)
		if (dp_addr_in_prefix(a, &c->punt_extra[i]) &&
		    a->prefixlen == c->punt_extra[i].prefixlen)
			return true;
	for (unsigned i = 0; i < c->conf.n_ports; i++)
		for (unsigned k = 0; k < c->conf.ports[i].n_addrs; k++) {
			const struct dp_addr *b = &c->conf.ports[i].addrs[k];

			if (b->family == a->family && b->prefixlen == a->prefixlen &&
			    memcmp(b->addr, a->addr, a->family == 4 ? 4 : 16) == 0)
				return true;
		}
	return false;
}

/* Parse one RTM_NEWADDR of a dump: a global address of ifindex, or false. */
static bool dumped_addr(struct nlmsghdr *h, unsigned ifindex, struct dp_addr *a)
{
	struct ifaddrmsg *ifa = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifa));
	const void *local = NULL, *address = NULL;

	if (h->nlmsg_type != RTM_NEWADDR || len < 0 || ifa->ifa_index != ifindex ||
	    ifa->ifa_scope != RT_SCOPE_UNIVERSE ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return false;
	memset(a, 0, sizeof(*a));
	a->family = ifa->ifa_family == AF_INET ? 4 : 6;
	a->prefixlen = ifa->ifa_prefixlen;
	for (struct rtattr *rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (RTA_PAYLOAD(rta) != (a->family == 4 ? 4u : 16u))
			continue;
		if (rta->rta_type == IFA_LOCAL)
			local = RTA_DATA(rta);
		else if (rta->rta_type == IFA_ADDRESS)
			address = RTA_DATA(rta);
	}
	/* IPv4 names its own address IFA_LOCAL; IPv6 only has IFA_ADDRESS */
	if (!local)
		local = address;
	if (!local)
		return false;
	memcpy(a->addr, local, a->family == 4 ? 4 : 16);
	return true;
}

/* Remove the global addresses of ifindex that are not configured. */
static int remove_stale(struct ctrl *c, int fd, unsigned ifindex)
{
	struct dp_addr stale[256];
	unsigned n_stale = 0;
	struct nl_req r = {
		.n = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)),
		       .nlmsg_type = RTM_GETADDR,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		       .nlmsg_seq = 0x7a7a },
		.ifa = { .ifa_family = AF_UNSPEC },
	};
	char *buf = malloc(NL_BUF);
	bool done = false;
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	if (send(fd, &r, r.n.nlmsg_len, 0) < 0) {
		rc = -errno;
		goto out;
	}
	/* Read the whole dump before changing anything: a dump is not to be
	 * interleaved with requests on the same socket. */
	while (!done) {
		ssize_t n = recv(fd, buf, NL_BUF, 0);

		if (n < 0) {
			rc = errno == EAGAIN ? -ETIMEDOUT : -errno;
			goto out;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			struct dp_addr a;

			if (h->nlmsg_seq != r.n.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				rc = -EIO;
				goto out;
			}
			if (dumped_addr(h, ifindex, &a) && !configured(c, &a) &&
			    n_stale < sizeof(stale) / sizeof(stale[0]))
				stale[n_stale++] = a;
		}
	}
	for (unsigned i = 0; i < n_stale; i++) {
		char s[64];
		int e = addr_change(fd, RTM_DELADDR, ifindex, &stale[i]);

		dp_addr_format(&stale[i], true, s, sizeof(s));
		if (e < 0 && e != -EADDRNOTAVAIL) {
			ctrl_log("error", "exception interface: removing %s: %s", s, strerror(-e));
			rc = e;
		} else {
			ctrl_log("info", "exception interface: %s removed (no longer configured)",
				 s);
		}
	}
out:
	free(buf);
	return rc;
}

/* What the interface is given, hashed: redo the work only when it changes. */
static uint64_t addrs_hash(const struct ctrl *c)
{
	uint64_t h = 0;

	for (unsigned i = 0; i < c->conf.n_ports; i++)
		h ^= ctrl_fnv1a(c->conf.ports[i].addrs,
				c->conf.ports[i].n_addrs * sizeof(struct dp_addr)) *
		     (i + 1);
	h ^= ctrl_fnv1a(c->punt_extra, c->n_punt_extra * sizeof(struct dp_addr)) * 977;
	return h;
}

static int configure(struct ctrl *c, unsigned ifindex, const char **step)
{
	bool fam[7] = { false };
	int fd, rc;

	fd = nl_open();
	if (fd < 0) {
		*step = "rtnetlink socket";
		return fd;
	}
	*step = "link up, arp off";
	rc = link_up_noarp(fd, ifindex);
	for (unsigned i = 0; i < c->conf.n_ports && rc == 0; i++)
		for (unsigned k = 0; k < c->conf.ports[i].n_addrs && rc == 0; k++) {
			const struct dp_addr *a = &c->conf.ports[i].addrs[k];

			*step = "adding an address";
			rc = addr_change(fd, RTM_NEWADDR, ifindex, a);
			fam[a->family] = true;
		}
	for (unsigned i = 0; i < c->n_punt_extra && rc == 0; i++) {
		*step = "adding a VPN tunnel address";
		rc = addr_change(fd, RTM_NEWADDR, ifindex, &c->punt_extra[i]);
	}
	/* a default route of a family the appliance has no address of would
	 * leave the kernel without a source address for it */
	if (rc == 0 && fam[4]) {
		*step = "IPv4 default route";
		rc = default_route(fd, ifindex, AF_INET);
	}
	if (rc == 0 && fam[6]) {
		*step = "IPv6 default route";
		rc = default_route(fd, ifindex, AF_INET6);
	}
	if (rc == 0) {
		*step = "removing stale addresses";
		rc = remove_stale(c, fd, ifindex);
	}
	close(fd);
	return rc;
}

void ctrl_punt_sync(struct ctrl *c)
{
	const char *dev = c->conf.punt_iface, *step = "";
	uint64_t hash = addrs_hash(c);
	unsigned ifindex;
	int rc;

	if (!dev[0])
		return;
	ifindex = if_nametoindex(dev);
	if (ifindex == 0) {
		if (c->punt_ifindex)
			ctrl_log("warning",
				 "exception interface %s is gone; configured again "
				 "when it is back",
				 dev);
		c->punt_ifindex = 0;
		return;
	}
	if (ifindex == c->punt_ifindex && hash == c->punt_addrs_hash)
		return;
	rc = configure(c, ifindex, &step);
	if (rc < 0) {
		if (!c->punt_failed)
			ctrl_log("error", "exception interface %s: %s: %s; retrying every tick",
				 dev, step, strerror(-rc));
		c->punt_failed = true;
		c->punt_ifindex = 0;
		return;
	}
	c->punt_failed = false;
	c->punt_ifindex = ifindex;
	c->punt_addrs_hash = hash;
	ctrl_log("info", "exception interface %s (ifindex %u) configured", dev, ifindex);
}
