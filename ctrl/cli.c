/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli.c - the rampart command: sends one request to rampart-ctrl over its
 * local API socket and prints the answer as aligned tables, or ctrl's JSON
 * reply as it is (--json) for scripts. It holds no state and talks to nothing
 * else: everything it shows comes from ctrl, which asks the dataplane.
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

#define EXIT_CTRL_ERROR	 1
#define EXIT_USAGE	 2
#define EXIT_UNREACHABLE 3
#define CLI_TIMEOUT_S	 15 /* ctrl answers within a few CTRL_DP_TIMEOUT_MS */

static const struct cmd {
	const char *name;
	const char *summary;
	const char *help;
} cmds[] = {
	{ "status", "what runs, and whether the dataplane runs ctrl's configuration",
	  "    Shows rampart-ctrl (pid, uptime, configuration file, generation of its\n"
	  "    network configuration) and the dataplane (connected or not, pid, uptime,\n"
	  "    workers, ports, generation of the configuration it runs). \"in sync\" is\n"
	  "    yes when both generations are equal. The last error ctrl met (dataplane\n"
	  "    unreachable, configuration refused) is shown until it clears.\n"
	  "    Exit status 0 even when the dataplane is down: that is a state, not an\n"
	  "    error of the command.\n" },
	{ "ports", "ports with their MAC, link, addresses and packet counts",
	  "    One line per dataplane port: name, MAC, link state, MTU, packets received\n"
	  "    and sent, drops reported by the device (missed, receive and transmit\n"
	  "    errors, no buffer) and the port's addresses. The exception interface\n"
	  "    towards the kernel is marked \"(exception)\". With --json, also bytes,\n"
	  "    devargs, speed and queue counts.\n"
	  "    Exit status 1 when the dataplane is not reachable.\n" },
	{ "routes", "the dataplane's routing table",
	  "    The routes the dataplane holds, connected prefixes (from the port\n"
	  "    addresses) first: destination prefix, gateway (\"-\" for a prefix on the\n"
	  "    link), port and type (connected, static, blackhole, unreachable).\n"
	  "    Exit status 1 when the dataplane is not reachable.\n" },
	{ "stats", "dataplane counters, summed over the workers",
	  "    The dataplane's counters summed over its worker lcores, non-zero ones\n"
	  "    only (all with --all), each with what it counts, then the cycles spent\n"
	  "    per received packet (busy_cycles / rx_pkts). With --verbose, the\n"
	  "    counters of each worker lcore follow. Exit status 1 when the dataplane\n"
	  "    is not reachable.\n" },
	{ "reload", "read the configuration file again and apply it",
	  "    Makes rampart-ctrl read its configuration file again, as SIGHUP does,\n"
	  "    and push it to the dataplane. The file is validated whole first: on any\n"
	  "    error nothing changes, the error is printed as \"file:line: message\"\n"
	  "    and the exit status is 1. A configuration the dataplane refuses is\n"
	  "    refused the same way. When the dataplane is down the new configuration\n"
	  "    is accepted and pushed once it is back.\n" },
};

#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *f)
{
	fprintf(f, "NAME\n"
		   "    rampart - ask rampart-ctrl about the appliance, or tell it what to do\n"
		   "\n"
		   "SYNOPSIS\n"
		   "    rampart [-s SOCKET] [-j|--json] [-v|--verbose] [-a|--all] COMMAND\n"
		   "    rampart help [COMMAND]\n"
		   "    rampart COMMAND --help\n"
		   "\n"
		   "COMMANDS\n");
	for (size_t i = 0; i < N_CMDS; i++)
		fprintf(f, "    %-8s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "    %-8s %s\n", "help", "this text, or the help of one command");
	fprintf(f, "\n"
		   "OPTIONS\n"
		   "    -s, --socket PATH\n"
		   "        rampart-ctrl's API socket (default " CTRL_DEFAULT_SOCKET ",\n"
		   "        ctrl.socket in rampart.conf)\n"
		   "    -j, --json\n"
		   "        print ctrl's JSON reply, indented, instead of tables; also on errors\n"
		   "    -v, --verbose\n"
		   "        stats: the counters of each worker lcore too\n"
		   "    -a, --all\n"
		   "        stats: zero counters too\n"
		   "    -h, --help\n"
		   "        this text; after a command, that command's help\n"
		   "\n"
		   "EXIT STATUS\n"
		   "    0  done\n"
		   "    1  rampart-ctrl answered with an error (the message is printed; for\n"
		   "       reload, \"file:line: message\"), e.g. the dataplane is not reachable\n"
		   "    2  usage error\n"
		   "    3  rampart-ctrl is not reachable on its socket\n"
		   "\n"
		   "SEE ALSO\n"
		   "    rampart-ctrl --help, docs/cli.md, docs/config.md\n");
}

static const struct cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < N_CMDS; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

static int cmd_help(const char *name)
{
	const struct cmd *c = find_cmd(name);

	if (!c) {
		fprintf(stderr, "rampart: unknown command \"%s\" (see rampart --help)\n", name);
		return EXIT_USAGE;
	}
	printf("NAME\n    rampart %s - %s\n\nSYNOPSIS\n    rampart [-s SOCKET] [--json]%s %s\n\n"
	       "DESCRIPTION\n%s",
	       c->name, c->summary, strcmp(name, "stats") == 0 ? " [--verbose] [--all]" : "",
	       c->name, c->help);
	return 0;
}

/* Ask ctrl; exits with EXIT_UNREACHABLE when it cannot. */
static json_t *call(const char *sock, const char *cmd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CLI_TIMEOUT_S };
	json_t *req = json_pack("{s:s}", "cmd", cmd), *reply;
	char *buf, *text = json_dumps(req, JSON_COMPACT), peek;
	json_error_t jerr;
	ssize_t n;
	int fd;

	json_decref(req);
	if (strlen(sock) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "rampart: socket path %s is too long\n", sock);
		exit(EXIT_USAGE);
	}
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || !text || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "rampart: cannot reach rampart-ctrl on %s: %s\n", sock,
			strerror(errno));
		exit(EXIT_UNREACHABLE);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (send(fd, text, strlen(text), MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "rampart: sending to rampart-ctrl on %s: %s\n", sock,
			strerror(errno));
		exit(EXIT_UNREACHABLE);
	}
	free(text);
	/* the reply's size first (MSG_TRUNC), then the reply whole */
	n = recv(fd, &peek, 1, MSG_PEEK | MSG_TRUNC);
	if (n <= 0 || (size_t)n > CTRL_API_REPLY_MAX) {
		fprintf(stderr, "rampart: no answer from rampart-ctrl on %s: %s\n", sock,
			n == 0	? "connection closed"
			: n < 0 ? strerror(errno)
				: "reply too long");
		exit(EXIT_UNREACHABLE);
	}
	buf = malloc((size_t)n);
	if (!buf || recv(fd, buf, (size_t)n, 0) != n) {
		fprintf(stderr, "rampart: reading the answer of rampart-ctrl: %s\n",
			strerror(errno));
		exit(EXIT_UNREACHABLE);
	}
	close(fd);
	reply = json_loadb(buf, (size_t)n, 0, &jerr);
	free(buf);
	if (!json_is_object(reply)) {
		fprintf(stderr, "rampart: unreadable answer from rampart-ctrl: %s\n", jerr.text);
		exit(EXIT_CTRL_ERROR);
	}
	return reply;
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s && *s ? s : "-";
}

static long long num(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static const char *duration(long long s, char *buf, size_t len)
{
	if (s >= 86400)
		snprintf(buf, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
	else
		snprintf(buf, len, "%llds", s);
	return buf;
}

/* A table printed with each column as wide as its widest cell. */
#define TABLE_COLS 8
struct table {
	unsigned n_cols;
	bool right[TABLE_COLS]; /* numbers align right */
	size_t width[TABLE_COLS];
	size_t n_rows;
	char **cells; /* n_rows * n_cols, malloc'd */
};

static void table_add(struct table *t, const char *const *row)
{
	char **c = realloc(t->cells, (t->n_rows + 1) * t->n_cols * sizeof(*c));

	if (!c) {
		perror("rampart");
		exit(EXIT_CTRL_ERROR);
	}
	t->cells = c;
	for (unsigned i = 0; i < t->n_cols; i++) {
		c[t->n_rows * t->n_cols + i] = strdup(row[i] ? row[i] : "-");
		if (strlen(row[i] ? row[i] : "-") > t->width[i])
			t->width[i] = strlen(row[i] ? row[i] : "-");
	}
	t->n_rows++;
}

static void table_print(struct table *t)
{
	for (size_t r = 0; r < t->n_rows; r++) {
		for (unsigned i = 0; i < t->n_cols; i++) {
			const char *cell = t->cells[r * t->n_cols + i];
			bool last = i + 1 == t->n_cols;

			if (t->right[i])
				printf("%*s", (int)t->width[i], cell);
			else
				printf("%-*s", last ? 0 : (int)t->width[i], cell);
			printf("%s", last ? "\n" : "  ");
			free(t->cells[r * t->n_cols + i]);
		}
	}
	free(t->cells);
}

static void print_status(json_t *r)
{
	json_t *c = json_object_get(r, "ctrl"), *d = json_object_get(r, "dataplane");
	char up[32];

	printf("ctrl        pid %lld, up %s, config %s, generation %s\n", num(c, "pid"),
	       duration(num(c, "uptime_s"), up, sizeof(up)), str(c, "config"),
	       str(c, "generation"));
	if (json_is_true(json_object_get(d, "connected")))
		printf("dataplane   pid %lld, up %s, %lld workers, %lld ports, generation %s\n",
		       num(d, "pid"), duration(num(d, "uptime_s"), up, sizeof(up)),
		       num(d, "workers"), num(d, "ports"), str(d, "generation"));
	else
		printf("dataplane   not connected (%s)\n", str(d, "socket"));
	printf("in sync     %s\n", json_is_true(json_object_get(r, "in_sync")) ? "yes" : "no");
	if (strcmp(str(r, "last_error"), "-") != 0)
		printf("last error  %s\n", str(r, "last_error"));
}

static void print_ports(json_t *r)
{
	struct table t = { .n_cols = 8,
			   .right = { [3] = true, [4] = true, [5] = true, [6] = true } };
	static const char *const head[] = { "PORT",    "MAC",	  "LINK",  "MTU",
					    "RX PKTS", "TX PKTS", "DROPS", "ADDRESSES" };
	size_t i;
	json_t *p;

	table_add(&t, head);
	json_array_foreach (json_object_get(r, "ports"), i, p) {
		char mtu[16], rx[24], tx[24], drops[24], addrs[1024] = "";
		const char *row[8] = { str(p, "name"),
				       str(p, "mac"),
				       json_is_true(json_object_get(p, "link_up")) ? "up" : "down",
				       mtu,
				       rx,
				       tx,
				       drops,
				       addrs };
		size_t k, off = 0;
		json_t *a;

		snprintf(mtu, sizeof(mtu), "%lld", num(p, "mtu"));
		snprintf(rx, sizeof(rx), "%lld", num(p, "rx_pkts"));
		snprintf(tx, sizeof(tx), "%lld", num(p, "tx_pkts"));
		snprintf(drops, sizeof(drops), "%lld",
			 num(p, "rx_missed") + num(p, "rx_errors") + num(p, "tx_errors") +
				 num(p, "rx_nombuf"));
		json_array_foreach (json_object_get(p, "addresses"), k, a)
			if (off < sizeof(addrs))
				off += (size_t)snprintf(addrs + off, sizeof(addrs) - off, "%s%s",
							off ? " " : "", json_string_value(a));
		if (json_is_true(json_object_get(p, "exception")) && off < sizeof(addrs))
			snprintf(addrs + off, sizeof(addrs) - off, "%s(exception)", off ? " " : "");
		table_add(&t, row);
	}
	table_print(&t);
}

static void print_routes(json_t *r)
{
	struct table t = { .n_cols = 4 };
	static const char *const head[] = { "DESTINATION", "VIA", "PORT", "TYPE" };
	size_t i;
	json_t *x;

	table_add(&t, head);
	json_array_foreach (json_object_get(r, "routes"), i, x) {
		const char *row[4] = { str(x, "dst"), str(x, "via"), str(x, "port"),
				       str(x, "type") };

		table_add(&t, row);
	}
	table_print(&t);
}

static void add_counters(struct table *t, json_t *counters, bool all)
{
	for (unsigned k = 0; k < DP_CNT_MAX; k++) {
		json_t *v = json_object_get(counters, dp_counter_names[k]);
		char val[24];
		const char *row[3] = { dp_counter_names[k], val, dp_counter_help[k] };

		if (!v || (!all && json_integer_value(v) == 0))
			continue;
		snprintf(val, sizeof(val), "%llu", (unsigned long long)json_integer_value(v));
		table_add(t, row);
	}
}

static void print_stats(json_t *r, bool verbose, bool all)
{
	struct table t = { .n_cols = 3, .right = { [1] = true } };
	static const char *const head[] = { "COUNTER", "TOTAL", "MEANING" };
	json_t *cpp = json_object_get(r, "cycles_per_packet"), *l;
	size_t i;

	table_add(&t, head);
	add_counters(&t, json_object_get(r, "totals"), all);
	if (cpp) {
		char v[32];
		const char *row[3] = { "cycles_per_packet", v, "busy_cycles / rx_pkts" };

		snprintf(v, sizeof(v), "%.1f", json_real_value(cpp));
		table_add(&t, row);
	}
	table_print(&t);
	if (!verbose)
		return;
	json_array_foreach (json_object_get(r, "lcores"), i, l) {
		struct table lt = { .n_cols = 3, .right = { [1] = true } };
		char title[32];
		const char *lhead[3] = { "COUNTER", title, "MEANING" };

		snprintf(title, sizeof(title), "LCORE %lld", num(l, "lcore"));
		table_add(&lt, lhead);
		add_counters(&lt, json_object_get(l, "counters"), all);
		printf("\n");
		table_print(&lt);
	}
}

static void print_json(json_t *reply)
{
	char *out = json_dumps(reply, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (out)
		printf("%s\n", out);
	free(out);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' }, { "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },	    { "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },	    { NULL, 0, NULL, 0 },
	};
	const char *sock = CTRL_DEFAULT_SOCKET, *cmd;
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
			fprintf(stderr, "Usage: rampart [-s SOCKET] [--json] COMMAND "
					"(see rampart --help)\n");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		if (help) {
			usage(stdout);
			return 0;
		}
		fprintf(stderr, "rampart: no command given (see rampart --help)\n");
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "help") == 0) {
		if (optind + 2 < argc) {
			fprintf(stderr, "rampart: help takes one command at most\n");
			return EXIT_USAGE;
		}
		if (optind + 1 < argc)
			return cmd_help(argv[optind + 1]);
		usage(stdout);
		return 0;
	}
	if (!find_cmd(cmd)) {
		fprintf(stderr, "rampart: unknown command \"%s\" (see rampart --help)\n", cmd);
		return EXIT_USAGE;
	}
	if (help)
		return cmd_help(cmd);
	if (optind + 1 != argc) {
		fprintf(stderr, "rampart: %s takes no arguments (see rampart %s --help)\n", cmd,
			cmd);
		return EXIT_USAGE;
	}
	reply = call(sock, cmd);
	if (!json_is_true(json_object_get(reply, "ok"))) {
		fprintf(stderr, "rampart: %s: %s\n", cmd, str(reply, "error"));
		rc = EXIT_CTRL_ERROR;
		if (json)
			print_json(reply);
	} else if (json) {
		print_json(reply);
	} else if (strcmp(cmd, "status") == 0) {
		print_status(reply);
	} else if (strcmp(cmd, "ports") == 0) {
		print_ports(reply);
	} else if (strcmp(cmd, "routes") == 0) {
		print_routes(reply);
	} else if (strcmp(cmd, "stats") == 0) {
		print_stats(reply, verbose, all);
	} else {
		printf("reload: configuration loaded, generation %s, %s\n",
		       str(reply, "generation"),
		       json_is_true(json_object_get(reply, "in_sync"))
			       ? "in service on the dataplane"
			       : "dataplane not in sync yet (see rampart status)");
	}
	json_decref(reply);
	return rc;
}
