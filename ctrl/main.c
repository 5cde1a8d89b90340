/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c - rampart-ctrl's entry: options, --check, then the configuration,
 * the API socket and the event loop (loop.c). ctrl starts and runs whether
 * the dataplane is there or not; it connects when it can.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl/ctrl.h"

static void usage(FILE *f)
{
	fprintf(f, "NAME\n"
		   "    rampart-ctrl - control daemon of the rampart appliance\n"
		   "\n"
		   "SYNOPSIS\n"
		   "    rampart-ctrl [-c FILE] [--caldav-admin-password-file FILE] [-n|--check]\n"
		   "    rampart-ctrl -h|--help\n"
		   "\n"
		   "DESCRIPTION\n"
		   "    rampart-ctrl reads the configuration FILE and keeps rampart-dataplane\n"
		   "    running its network configuration: port addresses, static routes and\n"
		   "    static neighbours. It connects to the dataplane's control socket\n"
		   "    (dataplane.socket), compares generations (a hash of the network\n"
		   "    configuration) and pushes when they differ. Every resync_interval_ms it\n"
		   "    says hello again, so a restarted dataplane is re-synced, and retries\n"
		   "    when the dataplane is not there. ctrl never waits more than about a\n"
		   "    second for the dataplane, and never exits because it is gone; the\n"
		   "    dataplane keeps forwarding on its last configuration while ctrl is down.\n"
		   "\n"
		   "    Once the dataplane has created the exception interface (dataplane.punt,\n"
		   "    default rampart0), ctrl sets it up, turns ARP and neighbour discovery\n"
		   "    off on it, gives it every port address and routes IPv4 and IPv6\n"
		   "    defaults through it, so the kernel's own sockets use the appliance's\n"
		   "    addresses. This is redone when the interface reappears or the addresses\n"
		   "    change; addresses no longer configured are removed.\n"
		   "\n"
		   "    ctrl serves the rampart(8) command on ctrl.socket (mode 0660), and\n"
		   "    CalDAV when rampart.conf has a caldav section (docs/caldav.md).\n"
		   "\n"
		   "OPTIONS\n"
		   "    -c, --config FILE\n"
		   "        the configuration (default " CTRL_DEFAULT_CONF "); see\n"
		   "        docs/config.md\n"
		   "    --caldav-admin-password-file FILE\n"
		   "        the CalDAV admin password (one line, at least 12 characters), in\n"
		   "        place of caldav.admin_password_file (docs/caldav.md)\n"
		   "    -n, --check\n"
		   "        validate FILE whole and exit: status 0 and a summary when it is\n"
		   "        good; status 1 and \"file:line: message\" on standard error when\n"
		   "        not (like pfctl -n). The firewall's rule file (firewall.rules)\n"
		   "        is checked too. Nothing is contacted and nothing is written.\n"
		   "    -h, --help\n"
		   "        this text\n"
		   "\n"
		   "SIGNALS\n"
		   "    SIGHUP   read FILE again (as `rampart reload`): a file with an error,\n"
		   "             or one the dataplane refuses, is refused whole and the\n"
		   "             running configuration stays\n"
		   "    SIGINT, SIGTERM\n"
		   "             stop; the dataplane keeps forwarding\n"
		   "\n"
		   "LOGGING\n"
		   "    One line per event on standard error: \"rampart-ctrl: LEVEL: message\",\n"
		   "    LEVEL one of info, warning, error.\n"
		   "\n"
		   "EXIT STATUS\n"
		   "    0  stopped by a signal, or --check found FILE good\n"
		   "    1  FILE has an error, the API socket could not be created, or the\n"
		   "       event loop failed\n"
		   "    2  usage error\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "caldav-admin-password-file", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CTRL_DEFAULT_CONF, *admin_pw = NULL;
	struct ctrl c;
	bool check = false;
	char err[512];
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "c:nh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = true;
			break;
		case 'P':
			admin_pw = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Usage: rampart-ctrl [-c FILE] [--check] (see --help)\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "rampart-ctrl: unexpected argument \"%s\" (see --help)\n",
			argv[optind]);
		return 2;
	}
	if ((check ? ctrl_init_check : ctrl_init)(&c, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "rampart-ctrl: %s\n", err);
		return 1;
	}
	if (check) {
		printf("%s: configuration OK (%u ports, %u routes, %u neighbours, generation "
		       "%016llx)\n",
		       path, c.conf.n_ports, c.conf.n_routes, c.conf.n_neigh,
		       (unsigned long long)c.generation);
		if (c.conf.fw_rules[0])
			printf("%s: rules OK (%u rules, %u classifier entries)\n", c.conf.fw_rules,
			       c.fw.checked_rules, c.fw.n_entries);
		ctrl_fini(&c);
		return 0;
	}
	ctrl_dns_listen(&c); /* without it, UDP still works */
	ctrl_tenants_init(&c);
	if (admin_pw)
		snprintf(c.conf.caldav.admin_password_file,
			 sizeof(c.conf.caldav.admin_password_file), "%s", admin_pw);
	ctrl_http_start(&c); /* without it, the rest of ctrl still runs */
	ctrl_vpn_start(&c);
	ctrl_vpn_client_start(&c);
	rc = ctrl_api_listen(&c);
	if (rc < 0) {
		fprintf(stderr, "rampart-ctrl: API socket %s: %s\n", c.conf.ctrl_socket,
			strerror(-rc));
		ctrl_fini(&c);
		return 1;
	}
	ctrl_log("info", "started: configuration %s, generation %016llx, API on %s", path,
		 (unsigned long long)c.generation, c.conf.ctrl_socket);
	rc = ctrl_loop_run(&c);
	ctrl_fini(&c);
	return rc < 0 ? 1 : 0;
}
