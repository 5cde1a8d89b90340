/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli.c - the rampart command: asks rampart-ctrl over its local API and prints
 * the answer as aligned tables, or as JSON for scripts.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctrl/ctrl.h"

#define EXIT_CTRL_ERROR 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3

static const struct cmd {
	const char *name;
	const char *summary;
	const char *help;
} cmds[] = {
	{"status", "what runs, and whether the dataplane runs the configuration",
	 "Shows rampart-ctrl (pid, uptime, configuration file and generation) and the\n"
	 "dataplane (connected, pid, uptime, workers, generation of the configuration it\n"
	 "runs). \"in sync\" is yes when the dataplane runs ctrl's configuration.\n"},
	{"ports", "ports with their addresses, link and packet counts",
	 "One line per port: name, MAC, link, MTU, addresses, packets received and sent,\n"
	 "and drops reported by the device (missed, errors, no buffer). The exception\n"
	 "interface towards the kernel is marked \"(exception)\".\n"},
	{"routes", "the dataplane's routing table",
	 "Connected prefixes (from port addresses) and static routes, as the dataplane\n"
	 "holds them: destination, gateway, port and type (connected, static,\n"
	 "blackhole, unreachable).\n"},
	{"stats", "dataplane counters (non-zero), summed over workers",
	 "Counters of the dataplane summed over its workers, non-zero ones only (all of\n"
	 "them with --all), each with what it counts, and the cycles spent per packet.\n"
	 "With --verbose, the counters of each worker lcore follow.\n"},
	{"reload", "read the configuration file again and apply it",
	 "Makes rampart-ctrl read its configuration file again (as SIGHUP does). The file\n"
	 "is validated whole first: on any error nothing changes, and the error is\n"
	 "printed as file:line: message, with exit status 1.\n"},
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: rampart [-s SOCKET] [--json] COMMAND [--help]\n\n"
		   "Asks rampart-ctrl about the appliance, or tells it what to do.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "  %-8s %s\n", "help", "this text, or `rampart help COMMAND`");
	fprintf(f, "\nOptions:\n"
		   "  -s, --socket PATH  ctrl's API socket (default /run/rampart/ctrl.sock)\n"
		   "  -j, --json         print ctrl's JSON reply (for scripts)\n"
		   "  -v, --verbose      more detail (stats: per worker lcore)\n"
		   "  -a, --all          stats: zero counters too\n"
		   "  -h, --help         this text\n"
		   "\nExit status: 0 done; 1 ctrl answered with an error; 2 usage error;\n"
		   "3 ctrl not reachable.\n");
}

static int cmd_help(const char *name)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, name) == 0) {
			printf("Usage: rampart [-s SOCKET] [--json] %s\n\n%s", name, cmds[i].help);
			return 0;
		}
	fprintf(stderr, "rampart: unknown command \"%s\" (see rampart --help)\n", name);
	return EXIT_USAGE;
}

static bool known(const char *name)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, name) == 0)
			return true;
	return false;
}

static json_t *call(const char *sock, const char *cmd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 15};
	char *buf, *req;
	json_error_t jerr;
	json_t *reply;
	ssize_t n;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "rampart: cannot reach rampart-ctrl on %s: %s\n", sock,
			strerror(errno));
		exit(EXIT_UNREACHABLE);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	req = NULL;
	if (asprintf(&req, "{\"cmd\": \"%s\"}", cmd) < 0 || send(fd, req, strlen(req), 0) < 0) {
		fprintf(stderr, "rampart: sending to %s: %s\n", sock, strerror(errno));
		exit(EXIT_UNREACHABLE);
	}
	free(req);
	buf = malloc(CTRL_API_MSG_MAX + 1);
	n = buf ? recv(fd, buf, CTRL_API_MSG_MAX, 0) : -1;
	if (n <= 0) {
		fprintf(stderr, "rampart: no answer from rampart-ctrl on %s\n", sock);
		exit(EXIT_UNREACHABLE);
	}
	buf[n] = '\0';
	close(fd);
	reply = json_loads(buf, 0, &jerr);
	free(buf);
	if (!reply) {
		fprintf(stderr, "rampart: unreadable answer from rampart-ctrl: %s\n", jerr.text);
		exit(EXIT_CTRL_ERROR);
	}
	return reply;
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "-";
}

static long long num(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static void print_status(json_t *r)
{
	json_t *c = json_object_get(r, "ctrl"), *d = json_object_get(r, "dataplane");

	printf("ctrl        pid %lld, up %llds, config %s, generation %s\n", num(c, "pid"),
	       num(c, "uptime_s"), str(c, "config"), str(c, "generation"));
	if (json_is_true(json_object_get(d, "connected")))
		printf("dataplane   pid %lld, up %llds, %lld workers, %lld ports, generation %s\n",
		       num(d, "pid"), num(d, "uptime_s"), num(d, "workers"), num(d, "ports"),
		       str(d, "generation"));
	else
		printf("dataplane   not connected (%s)\n", str(d, "socket"));
	printf("in sync     %s\n", json_is_true(json_object_get(r, "in_sync")) ? "yes" : "no");
	if (*str(r, "last_error") && strcmp(str(r, "last_error"), "-") != 0)
		printf("last error  %s\n", str(r, "last_error"));
}

static void print_ports(json_t *r)
{
	size_t i;
	json_t *p;

	printf("%-10s %-17s %-5s %-5s %-12s %-12s %-8s  %s\n", "PORT", "MAC", "LINK", "MTU",
	       "RX PKTS", "TX PKTS", "DROPS", "ADDRESSES");
	json_array_foreach(json_object_get(r, "ports"), i, p)
	{
		json_t *a;
		size_t k;
		char name[40];

		snprintf(name, sizeof(name), "%s", str(p, "name"));
		printf("%-10s %-17s %-5s %-5lld %-12lld %-12lld %-8lld ", name, str(p, "mac"),
		       json_is_true(json_object_get(p, "link_up")) ? "up" : "down", num(p, "mtu"),
		       num(p, "rx_pkts"), num(p, "tx_pkts"),
		       num(p, "rx_missed") + num(p, "rx_errors") + num(p, "tx_errors") +
			       num(p, "rx_nombuf"));
		json_array_foreach(json_object_get(p, "addresses"), k, a)
			printf(" %s", json_string_value(a));
		if (json_is_true(json_object_get(p, "exception")))
			printf(" (exception)");
		printf("\n");
	}
}

static void print_routes(json_t *r)
{
	size_t i;
	json_t *x;

	printf("%-28s %-26s %-10s %s\n", "DESTINATION", "VIA", "PORT", "TYPE");
	json_array_foreach(json_object_get(r, "routes"), i, x)
		printf("%-28s %-26s %-10s %s\n", str(x, "dst"), str(x, "via"),
		       *str(x, "port") ? str(x, "port") : "-", str(x, "type"));
}

static void print_counters(json_t *counters, bool all)
{
	for (unsigned k = 0; k < DP_CNT_MAX; k++) {
		long long v = num(counters, dp_counter_names[k]);

		if (v || all)
			printf("  %-26s %16lld  %s\n", dp_counter_names[k], v, dp_counter_help[k]);
	}
}

static void print_stats(json_t *r, bool verbose, bool all)
{
	json_t *cpp = json_object_get(r, "cycles_per_packet"), *l;
	size_t i;

	printf("totals:\n");
	print_counters(json_object_get(r, "totals"), all);
	if (cpp)
		printf("  %-26s %16.1f  %s\n", "cycles_per_packet", json_real_value(cpp),
		       "busy_cycles / rx_pkts");
	if (!verbose)
		return;
	json_array_foreach(json_object_get(r, "lcores"), i, l)
	{
		printf("lcore %lld:\n", num(l, "lcore"));
		print_counters(json_object_get(l, "counters"), all);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'}, {"json", no_argument, NULL, 'j'},
		{"verbose", no_argument, NULL, 'v'},      {"all", no_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	const char *sock = "/run/rampart/ctrl.sock", *cmd;
	bool json = false, verbose = false, all = false, help = false;
	json_t *reply;
	int opt, rc = 0;

	while ((opt = getopt_long(argc, argv, "s:jvah", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			sock = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'a':
			all = true;
			break;
		case 'h':
			help = true;
			break;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		if (help) {
			usage(stdout);
			return 0;
		}
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "help") == 0) {
		if (optind + 1 < argc)
			return cmd_help(argv[optind + 1]);
		usage(stdout);
		return 0;
	}
	if (help)
		return cmd_help(cmd);
	if (optind + 1 != argc) {
		fprintf(stderr, "rampart: %s takes no arguments (see rampart %s --help)\n", cmd, cmd);
		return EXIT_USAGE;
	}
	if (!known(cmd)) {
		fprintf(stderr, "rampart: unknown command \"%s\" (see rampart --help)\n", cmd);
		return EXIT_USAGE;
	}
	reply = call(sock, cmd);
	if (!json_is_true(json_object_get(reply, "ok"))) {
		fprintf(stderr, "rampart: %s: %s\n", cmd, str(reply, "error"));
		rc = EXIT_CTRL_ERROR;
		if (json) {
			char *out = json_dumps(reply, JSON_INDENT(2));

			printf("%s\n", out);
			free(out);
		}
	} else if (json) {
		char *out = json_dumps(reply, JSON_INDENT(2));

		printf("%s\n", out);
		free(out);
	} else if (strcmp(cmd, "status") == 0) {
		print_status(reply);
	} else if (strcmp(cmd, "ports") == 0) {
		print_ports(reply);
	} else if (strcmp(cmd, "routes") == 0) {
		print_routes(reply);
	} else if (strcmp(cmd, "stats") == 0) {
		print_stats(reply, verbose, all);
	} else {
		printf("%s: done (generation %s)\n", cmd, str(reply, "generation"));
	}
	json_decref(reply);
	return rc;
}
