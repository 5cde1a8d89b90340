/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of ctrl/punt.c, the kernel side of the exception interface, in
 * a private network namespace (so root only; skipped otherwise) with a TAP
 * interface standing in for the one the dataplane's net_tap creates.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctrl/ctrl.h"
#include "tests/unit/ctrl/helpers.h"

#define IFACE "rampart0"

static struct tdir t;
static struct ctrl c;
static int tap = -1;
static char err[512];

/* A TAP interface that lives as long as its descriptor. */
static int tap_create(void)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	cr_assert_geq(fd, 0, "/dev/net/tun: %s", strerror(errno));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), IFACE);
	cr_assert_eq(ioctl(fd, TUNSETIFF, &ifr), 0, "TUNSETIFF: %s", strerror(errno));
	return fd;
}

static void setup(void)
{
	/* Criterion runs each test in its own process: the namespace is the
	 * test's alone, and goes with it. */
	if (unshare(CLONE_NEWNET) < 0)
		cr_skip_test("no private network namespace here (%s): needs root", strerror(errno));
	tdir_make(&t);
	tdir_write_conf(&t, IFACE, "");
	cr_assert_eq(ctrl_init(&c, t.conf, err, sizeof(err)), 0, "%s", err);
	tap = tap_create();
}

static void teardown(void)
{
	if (tap >= 0)
		close(tap);
	tap = -1;
	ctrl_fini(&c);
	if (t.dir[0])
		tdir_remove(&t);
}

/* True when IFACE has addr/prefixlen. */
static bool has_addr(const char *addr, unsigned prefixlen)
{
	struct ifaddrs *ifa, *i;
	struct dp_addr want;
	bool found = false;

	cr_assert_eq(dp_addr_parse(addr, false, false, &want), 0);
	cr_assert_eq(getifaddrs(&ifa), 0);
	for (i = ifa; i && !found; i = i->ifa_next) {
		const uint8_t *a, *m;
		unsigned bits = 0, len;

		if (!i->ifa_addr || strcmp(i->ifa_name, IFACE) != 0)
			continue;
		if (i->ifa_addr->sa_family == AF_INET && want.family == 4) {
			a = (const uint8_t *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr;
			m = (const uint8_t *)&((struct sockaddr_in *)i->ifa_netmask)->sin_addr;
			len = 4;
		} else if (i->ifa_addr->sa_family == AF_INET6 && want.family == 6) {
			a = (const uint8_t *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
			m = (const uint8_t *)&((struct sockaddr_in6 *)i->ifa_netmask)->sin6_addr;
			len = 16;
		} else {
			continue;
		}
		for (unsigned b = 0; b < len * 8; b++)
			bits += (m[b / 8] >> (7 - b % 8)) & 1;
		found = memcmp(a, want.addr, len) == 0 && bits == prefixlen;
	}
	freeifaddrs(ifa);
	return found;
}

static unsigned global_addrs(void)
{
	struct ifaddrs *ifa, *i;
	unsigned n = 0;

	cr_assert_eq(getifaddrs(&ifa), 0);
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, IFACE) != 0)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			n++;
		if (i->ifa_addr->sa_family == AF_INET6 &&
		    !IN6_IS_ADDR_LINKLOCAL(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr))
			n++;
	}
	freeifaddrs(ifa);
	return n;
}

static short if_flags(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), IFACE);
	cr_assert_eq(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	close(fd);
	return ifr.ifr_flags;
}

/* Default routes through IFACE, from /proc (v4: dst 0 mask 0; v6: ::/0). */
static bool default_route(int family)
{
	char *text = slurp(family == 4 ? "/proc/net/route" : "/proc/net/ipv6_route");
	bool found = false;

	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && !found;
	     l = strtok_r(NULL, "\n", &save)) {
		char dev[32], dst[40], mask[40];
		unsigned plen;

		if (family == 4)
			found = sscanf(l, "%31s %39s %*s %*s %*s %*s %*s %39s", dev, dst, mask) ==
					3 &&
				strcmp(dev, IFACE) == 0 && strcmp(dst, "00000000") == 0 &&
				strcmp(mask, "00000000") == 0;
		else
			found = sscanf(l, "%39s %x %*s %*s %*s %*s %*s %*s %*s %31s", dst, &plen,
				       dev) == 3 &&
				strcmp(dev, IFACE) == 0 && plen == 0 && strspn(dst, "0") == 32;
	}
	free(text);
	return found;
}

TestSuite(punt, .init = setup, .fini = teardown);

Test(punt, interface_gets_every_address_link_up_arp_off_and_default_routes)
{
	ctrl_punt_sync(&c);
	cr_assert_eq(c.punt_ifindex, if_nametoindex(IFACE));
	cr_assert(has_addr("198.18.1.1", 24));
	cr_assert(has_addr("198.19.1.1", 24));
	cr_assert(has_addr("2001:db8:1::1", 64));
	cr_assert(has_addr("2001:db8:2::1", 64));
	cr_assert_eq(global_addrs(), 4);
	cr_assert(if_flags() & IFF_UP);
	cr_assert(if_flags() & IFF_NOARP);
	cr_assert(default_route(4));
	cr_assert(default_route(6));
}

Test(punt, running_it_again_changes_nothing)
{
	ctrl_punt_sync(&c);
	c.punt_ifindex = 0; /* force the work again: every step is a replace */
	ctrl_punt_sync(&c);
	cr_assert_eq(c.punt_ifindex, if_nametoindex(IFACE));
	cr_assert_not(c.punt_failed);
	cr_assert_eq(global_addrs(), 4);
}

Test(punt, addresses_no_longer_configured_are_removed_after_a_reload)
{
	char text[1024];

	ctrl_punt_sync(&c);
	snprintf(text, sizeof(text),
		 "dataplane = { socket = \"%s\"; punt = \"" IFACE "\"; };\n"
		 "ctrl = { socket = \"%s\"; };\n"
		 "ports = ( { name = \"lan\"; devargs = \"net_null0\";\n"
		 "\taddresses = [ \"198.18.1.1/25\", \"2001:db8:1::1/64\" ]; } );\n",
		 t.dp_sock, t.api_sock);
	tdir_write_raw(&t, text);
	cr_assert_eq(ctrl_reload(&c, err, sizeof(err)), 0, "%s", err);
	cr_assert(has_addr("198.18.1.1", 25), "the new prefix length");
	cr_assert_not(has_addr("198.18.1.1", 24));
	cr_assert_not(has_addr("198.19.1.1", 24));
	cr_assert_not(has_addr("2001:db8:2::1", 64));
	cr_assert(has_addr("2001:db8:1::1", 64));
	cr_assert_eq(global_addrs(), 2);
}

Test(punt, a_reappearing_interface_is_configured_again)
{
	unsigned first;

	ctrl_punt_sync(&c);
	first = c.punt_ifindex;
	close(tap); /* the dataplane stops: the TAP goes */
	tap = -1;
	ctrl_punt_sync(&c);
	cr_assert_eq(c.punt_ifindex, 0);
	tap = tap_create(); /* a new dataplane makes a new one */
	cr_assert_eq(global_addrs(), 0);
	ctrl_punt_sync(&c);
	cr_assert_neq(c.punt_ifindex, first);
	cr_assert_eq(global_addrs(), 4);
	cr_assert(default_route(4));
}

Test(punt, nothing_is_done_before_the_interface_exists)
{
	close(tap);
	tap = -1;
	ctrl_punt_sync(&c);
	cr_assert_eq(c.punt_ifindex, 0);
	cr_assert_not(c.punt_failed);
}
