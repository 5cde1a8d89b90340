/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * punt.c - the kernel side of the exception path. The dataplane creates the
 * TAP interface (rampart0); ctrl gives it the appliance's addresses and
 * default routes so the kernel's own sockets (ctrl's services) use them, with
 * ARP and ND off: the dataplane routes whatever the kernel sends, whatever
 * its destination MAC. Done with ip(8), argv only, never a shell; redone when
 * the interface reappears (dataplane restart) or the addresses change.
 */
#include <errno.h>
#include <net/if.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "ctrl/ctrl.h"

extern char **environ;

static int run_ip(const char *const *argv)
{
	pid_t pid;
	int status, rc;

	rc = posix_spawnp(&pid, "ip", NULL, NULL, (char *const *)argv, environ);
	if (rc != 0)
		return -rc;
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

void ctrl_punt_sync(struct ctrl *c)
{
	const char *dev = c->conf.punt_iface;
	unsigned ifindex;
	int rc = 0;

	if (!dev[0])
		return;
	ifindex = if_nametoindex(dev);
	if (ifindex == 0) {
		c->punt_ifindex = 0;
		return;
	}
	if (ifindex == c->punt_ifindex && c->punt_generation == c->generation)
		return;
	{
		const char *up[] = {"ip", "link", "set", "dev", dev, "up", "arp", "off", NULL};
		const char *flush[] = {"ip", "addr", "flush", "dev", dev, NULL};

		rc |= run_ip(up);
		rc |= run_ip(flush);
	}
	for (unsigned i = 0; i < c->conf.n_ports; i++)
		for (unsigned k = 0; k < c->conf.ports[i].n_addrs; k++) {
			char a[64];
			const char *v4[] = {"ip", "addr", "replace", a, "dev", dev, NULL};
			const char *v6[] = {"ip", "-6", "addr", "replace", a, "dev", dev, "nodad",
					    NULL};
			const struct dp_addr *ad = &c->conf.ports[i].addrs[k];

			dp_addr_format(ad, true, a, sizeof(a));
			rc |= run_ip(ad->family == 4 ? v4 : v6);
		}
	{
		const char *r4[] = {"ip", "route", "replace", "default", "dev", dev, NULL};
		const char *r6[] = {"ip", "-6", "route", "replace", "default", "dev", dev, NULL};

		rc |= run_ip(r4);
		rc |= run_ip(r6);
	}
	if (rc) {
		ctrl_log("error", "exception interface %s: configuring it failed; retrying", dev);
		return;
	}
	c->punt_ifindex = ifindex;
	c->punt_generation = c->generation;
	ctrl_log("info", "exception interface %s configured", dev);
}
