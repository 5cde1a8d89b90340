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
#include <time.h>
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
	{ "rules", "firewall rules: check, diff, push, confirm, rollback, show, history",
	  "    rampart rules check FILE\n"
	  "        Parse and compile FILE against the running configuration (port\n"
	  "        names, DNS servers, host names resolved now) without changing\n"
	  "        anything. Errors as \"file:line:col: message\", then warnings\n"
	  "        (shadowed rules, rules that can never match). Exit status 1 on any\n"
	  "        error.\n"
	  "    rampart rules diff FILE\n"
	  "        What pushing FILE would change: rules removed (-) and added (+), in\n"
	  "        canonical form, and changed settings (~).\n"
	  "    rampart rules push FILE [--confirm SECONDS] [--keep-flows]\n"
	  "        Check FILE, then put it in force on the dataplane in one step: no\n"
	  "        packet is dropped and no worker stops. On any error nothing\n"
	  "        changes. Flows admitted by the old rules are checked against the\n"
	  "        new ones on their next packet and closed if denied; --keep-flows\n"
	  "        (or \"set flows keep\" in the file) keeps them all. With --confirm,\n"
	  "        the push is undone after SECONDS unless \"rampart rules confirm\"\n"
	  "        comes first, so a push that cuts you off heals itself.\n"
	  "    rampart rules confirm\n"
	  "        Keep a push made with --confirm.\n"
	  "    rampart rules rollback\n"
	  "        Put the version before the current one back in force.\n"
	  "    rampart rules show\n"
	  "        The rules in force with their hit counters (packets and bytes each\n"
	  "        rule decided: first packets of the flows it admitted, and every\n"
	  "        packet it blocked), the default, flow table use, host names.\n"
	  "    rampart rules history\n"
	  "        Every version put in force: number, time, what happened (push,\n"
	  "        push-confirm, confirm, rollback, revert), source file, rules, hash.\n"
	  "    The rule language: docs/firewall.md.\n" },
	{ "flows", "tracked flows: flush",
	  "    rampart flows flush\n"
	  "        Forget every tracked flow (connection): established connections\n"
	  "        must start again and pass the rules. Exit status 1 when the dataplane\n"
	  "        is not reachable.\n" },
	{ "nat", "NAT44 mappings: show, flush",
	  "    rampart nat show [HOST]\n"
	  "        The NAT's public address pools (ports in use of the pool, per\n"
	  "        protocol), how many mappings and inside hosts there are, the memory\n"
	  "        one mapping takes, and the mappings (of HOST, an inside IPv4\n"
	  "        address, when given): inside address and port, protocol, public\n"
	  "        address and port, the port it leaves by, connections using it, and\n"
	  "        seconds idle since the last of them ended (a mapping nothing uses\n"
	  "        goes after \"set timeout nat.mapping\", 30 s by default).\n"
	  "    rampart nat flush [HOST]\n"
	  "        Drop the mappings of HOST (or of every host) and the connections\n"
	  "        using them, e.g. to end a host's sessions at once or to give its\n"
	  "        ports back. Translation stops at once; the entries and ports are\n"
	  "        free again within a few seconds.\n"
	  "    The nat and rdr rules are part of the rule file: docs/nat.md. Exit\n"
	  "    status 1 when the dataplane is not reachable or no rules are in force.\n" },
	{ "vpn", "the OpenVPN-compatible server and client: status, client",
	  "    rampart vpn status\n"
	  "        Where the data channel runs (the dataplane's workers with vpn {\n"
	  "        dataplane = true; }, its crypto, why it refused the VPN's state if\n"
	  "        it did, data packets that reached ctrl instead), or the\n"
	  "        server's TUN; per client: its address and port, its\n"
	  "        certificate's subject, state (handshake, up), tunnel addresses,\n"
	  "        cipher, packets and bytes each way, renegotiations, since when.\n"
	  "        Then the counters: sessions made, resets refused (bad tls-crypt-v2\n"
	  "        key, TLS failure, no free address), packets dropped because their\n"
	  "        source was not the client's address (spoofed), for no client, and\n"
	  "        between clients without client-to-client.\n"
	  "    rampart vpn client\n"
	  "        The client's state (resolving, connecting, up, down), the remote\n"
	  "        tried (name and address; after a failed attempt the next of the\n"
	  "        config's remotes), TUN, pushed\n"
	  "        addresses, cipher, connection attempts, sessions up, packets, and\n"
	  "        packets dropped because the tunnel was down (fail hard: nothing\n"
	  "        routed into the tunnel leaves another way). docs/vpn.md.\n" },
	{ "caldav", "the CalDAV server: status, history, revert",
	  "    rampart caldav status\n"
	  "        Where CalDAV listens, its data folder, users, groups, calendars and\n"
	  "        objects, and its counters: requests, 4xx and 5xx answers, failed\n"
	  "        logins, commits, request bodies refused as bad XML or iCalendar.\n"
	  "    rampart caldav history [PATH] [--max N]\n"
	  "        The changes to PATH, newest first: a calendar\n"
	  "        (/calendars/tim/work/), one object (/calendars/tim/work/x.ics) or\n"
	  "        everything (no PATH). Each is a git commit of the data folder, by\n"
	  "        the user who made it: commit, time, author, what changed.\n"
	  "    rampart caldav revert COMMIT\n"
	  "        Undo the change COMMIT (a full or abbreviated id from history): its\n"
	  "        objects go back to what they were before it, as a new commit by\n"
	  "        admin, and clients see the change at their next sync. Refused,\n"
	  "        changing nothing, when an object it touched was changed again since.\n"
	  "    Users, groups and passwords are managed over HTTP at /admin/ with the\n"
	  "        admin password: docs/caldav.md.\n" },
	{ "dns", "authoritative DNS zones: zones, reload",
	  "    rampart dns zones\n"
	  "        The zones of the configuration (dns.zones in rampart.conf): name,\n"
	  "        serial, records and names of the version served, when it was read,\n"
	  "        and the error of the last read when the file was refused (the\n"
	  "        version read before stays in service). Also whether the dataplane\n"
	  "        runs this set, and the queries ctrl answered over TCP. Then a line\n"
	  "        per zone: primary or secondary; a secondary's transfers in and its\n"
	  "        next refresh; the changes kept for IXFR; NOTIFY sent, answered and\n"
	  "        pending; transfers out; dynamic updates made and refused.\n"
	  "    rampart dns reload [ZONE]\n"
	  "        Read the zone files again (ZONE's alone when given) and put what\n"
	  "        reads without error in service at once; a file with errors keeps\n"
	  "        its zone as it was. Errors as \"file:line: message\", exit status 1.\n"
	  "        A changed zone is announced to its secondaries (NOTIFY). A\n"
	  "        secondary zone asks its primaries for changes at once.\n"
	  "    The fast path's counters are in rampart stats (dns_*). Dynamic updates\n"
	  "        come over DNS (knsupdate, nsupdate) signed with a key of dns.keys.\n"
	  "        docs/dns.md.\n" },
	{ "tenant", "sandboxed tenants: create, start, stop, list, console, update, destroy",
	  "    rampart tenant create NAME --image FILE [--net DEV=PORT]... [--block DEV=FILE]...\n"
	  "                   [--mem MB] [--cpu PCT] [--restart on-failure|always|never]\n"
	  "                   [-- ARGS...]\n"
	  "        Define a tenant: FILE, a tenant image (docs/sandbox.md), is checked and\n"
	  "        kept by its SHA-256; every device its manifest declares must be given:\n"
	  "        a net device on PORT, a port of rampart.conf on a tenant TAP\n"
	  "        (iface=tn-NAME), a block device on FILE (absolute). --mem: its memory,\n"
	  "        2..1024 MiB (16); --cpu: % of one core, 1..100 (0, no limit); --restart:\n"
	  "        what to do when it exits (on-failure: after a non-zero status or a\n"
	  "        signal, waiting 1, 2, 4 ... 60 s while it keeps failing). ARGS: its\n"
	  "        command line. Not started.\n"
	  "    rampart tenant start|stop|restart NAME\n"
	  "    rampart tenant list\n"
	  "        Each tenant: state (running, stopped, restarting, failed), pid,\n"
	  "        uptime, memory in use, restarts, last exit, image hash, devices.\n"
	  "    rampart tenant console NAME\n"
	  "        The last 16 KiB of its console (also in ctrl's log, a line each).\n"
	  "    rampart tenant update NAME --image FILE\n"
	  "        Replace its image (devices and limits kept); restarted if running.\n"
	  "    rampart tenant destroy NAME\n"
	  "        Stop it and forget it; its block files are left alone.\n"
	  "    Tenants run as rampart-tender processes of their own: they keep running\n"
	  "    when ctrl restarts, and ctrl finds them again.\n" },
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
	       strcmp(name, "rules") == 0   ? "rules SUBCOMMAND [FILE] [--confirm S] [--keep-flows]"
	       : strcmp(name, "flows") == 0 ? "flows flush"
	       : strcmp(name, "nat") == 0   ? "nat show|flush [HOST]"
	       : strcmp(name, "dns") == 0   ? "dns zones | dns reload [ZONE]"
	       : strcmp(name, "caldav") == 0
		       ? "caldav status | history [PATH] [--max N] | revert COMMIT"
	       : strcmp(name, "vpn") == 0    ? "vpn status | vpn client"
	       : strcmp(name, "tenant") == 0 ? "tenant SUBCOMMAND [NAME] [OPTIONS]"
					     : c->name,
	       c->help);
	return 0;
}

/* Ask ctrl; exits with EXIT_UNREACHABLE when it cannot. */
static json_t *call(const char *sock, json_t *req)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CLI_TIMEOUT_S };
	json_t *reply;
	char *buf, *text = json_dumps(req, JSON_COMPACT), peek;
	json_error_t jerr;
	ssize_t n;
	int fd;

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
#define TABLE_COLS 10
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

/* --json: the reply as it came, freed; the exit status its "ok" says. */
static int json_reply_exit(json_t *reply)
{
	int rc = json_is_true(json_object_get(reply, "ok")) ? 0 : EXIT_CTRL_ERROR;

	print_json(reply);
	json_decref(reply);
	return rc;
}

static void print_lines(FILE *f, json_t *arr, const char *prefix)
{
	size_t i;
	json_t *v;

	json_array_foreach (arr, i, v)
		fprintf(f, "%s%s\n", prefix, json_string_value(v));
}

static void print_rules_show(json_t *r)
{
	json_t *rules = json_object_get(r, "rules"), *v, *d = json_object_get(r, "default");
	json_t *fl = json_object_get(r, "flows"), *names = json_object_get(r, "names");
	struct table t = { .n_cols = 5, .right = { true, true, true, true, false } };
	char a[32], b[32], c[32], e[32];
	size_t i;

	if (!json_is_true(json_object_get(r, "active"))) {
		printf("no firewall rules in force: the appliance routes without filtering\n");
		return;
	}
	printf("version %lld (generation %s) from %s, %s\n", num(r, "version"),
	       str(r, "generation"), str(r, "source"),
	       json_is_true(json_object_get(r, "in_service")) ? "in service"
							      : "NOT in service on the dataplane");
	if (num(r, "confirm_by"))
		printf("awaiting confirmation: reverts in %lld s unless confirmed\n",
		       num(r, "confirm_by") - (long long)time(NULL));
	table_add(&t, (const char *const[]){ "#", "line", "packets", "bytes", "rule" });
	json_array_foreach (rules, i, v) {
		snprintf(a, sizeof(a), "%lld", num(v, "number"));
		snprintf(b, sizeof(b), "%lld", num(v, "line"));
		snprintf(c, sizeof(c), "%lld", num(v, "packets"));
		snprintf(e, sizeof(e), "%lld", num(v, "bytes"));
		table_add(&t, (const char *const[]){ a, b, c, e, str(v, "rule") });
	}
	snprintf(c, sizeof(c), "%lld", num(d, "packets"));
	snprintf(e, sizeof(e), "%lld", num(d, "bytes"));
	snprintf(b, sizeof(b), "default %s", str(d, "action"));
	table_add(&t, (const char *const[]){ "-", "-", c, e, b });
	table_print(&t);
	json_array_foreach (json_object_get(r, "nat"), i, v)
		printf("nat %lld (line %lld): %s\n", num(v, "number"), num(v, "line"),
		       str(v, "rule"));
	if (fl)
		printf("flows: %lld in use of %lld\n", num(fl, "in_use"), num(fl, "capacity"));
	json_array_foreach (names, i, v) {
		json_t *addrs = json_object_get(v, "addresses"), *x;
		size_t k;

		printf("host %s (%s):", str(v, "host"), str(v, "status"));
		json_array_foreach (addrs, k, x)
			printf(" %s", json_string_value(x));
		printf("\n");
	}
}

static void print_history(json_t *r)
{
	json_t *h = json_object_get(r, "history"), *v;
	struct table t = { .n_cols = 6, .right = { true } };
	size_t i;

	table_add(&t, (const char *const[]){ "#", "time", "action", "rules", "hash", "source" });
	json_array_foreach (h, i, v) {
		char seq[24], when[32], rules[24];
		time_t tt = (time_t)num(v, "time");
		struct tm tm;

		snprintf(seq, sizeof(seq), "%lld%s", num(v, "seq"),
			 num(v, "seq") == num(r, "current") && i + 1 == json_array_size(h) ? "*"
											   : "");
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime_r(&tt, &tm));
		snprintf(rules, sizeof(rules), "%lld", num(v, "rules"));
		table_add(&t, (const char *const[]){ seq, when, str(v, "action"), rules,
						     str(v, "hash"), str(v, "source") });
	}
	table_print(&t);
}

static void print_nat_show(json_t *r)
{
	struct table t = { .n_cols = 8,
			   .right = { false, true, false, false, true, false, true, true } };
	json_t *v;
	size_t i;

	printf("%lld mappings, %lld inside hosts (limit %lld mappings each), %lld bytes a "
	       "mapping\n",
	       num(r, "bindings"), num(r, "hosts"), num(r, "host_limit"), num(r, "binding_bytes"));
	json_array_foreach (json_object_get(r, "pools"), i, v)
		printf("pool %s %s: %lld of %lld ports in use\n", str(v, "address"),
		       str(v, "proto"), num(v, "in_use"), num(v, "size"));
	table_add(&t, (const char *const[]){ "inside", "port", "proto", "public", "port", "out",
					     "sessions", "idle" });
	json_array_foreach (json_object_get(r, "list"), i, v) {
		char a[24], b[24], c[24], d[24];

		snprintf(a, sizeof(a), "%lld", num(v, "inside_port"));
		snprintf(b, sizeof(b), "%lld", num(v, "public_port"));
		snprintf(c, sizeof(c), "%lld", num(v, "sessions"));
		snprintf(d, sizeof(d), "%lld", num(v, "idle"));
		table_add(&t, (const char *const[]){ str(v, "inside"), a, str(v, "proto"),
						     str(v, "public"), b, str(v, "port"), c, d });
	}
	table_print(&t);
}

/* rampart dns zones | dns reload [ZONE] */
static int cmd_dns(const char *sock, int argc, char **argv, bool json)
{
	json_t *req, *reply, *v;
	size_t i;
	int rc = 0;

	if (argc < 1 || (strcmp(argv[0], "zones") == 0 && argc != 1) ||
	    (strcmp(argv[0], "reload") == 0 && argc > 2) ||
	    (strcmp(argv[0], "zones") != 0 && strcmp(argv[0], "reload") != 0)) {
		fprintf(stderr,
			"rampart: dns wants zones or reload [ZONE] (see rampart dns --help)\n");
		return EXIT_USAGE;
	}
	req = json_pack("{s:s}", "cmd", strcmp(argv[0], "zones") == 0 ? "dns.zones" : "dns.reload");
	if (argc == 2)
		json_object_set_new(req, "zone", json_string(argv[1]));
	reply = call(sock, req);
	json_decref(req);
	if (json)
		return json_reply_exit(reply);
	if (!json_is_true(json_object_get(reply, "ok"))) {
		fprintf(stderr, "rampart: dns %s: %s\n", argv[0], str(reply, "error"));
		rc = EXIT_CTRL_ERROR;
	}
	if (json_object_get(reply, "zones")) {
		struct table t = { .n_cols = 7,
				   .right = { false, true, true, true, true, true, false } };

		if (strcmp(argv[0], "zones") == 0)
			printf("%s on the dataplane (generation %s); TCP %s, %lld queries\n",
			       json_is_true(json_object_get(reply, "in_service"))
				       ? "in service"
				       : "NOT in service",
			       str(reply, "generation"),
			       json_is_true(json_object_get(reply, "tcp")) ? "on" : "off",
			       num(reply, "tcp_queries"));
		table_add(&t, (const char *const[]){ "zone", "serial", "records", "names",
						     "noerror", "nxdomain", "state" });
		json_array_foreach (json_object_get(reply, "zones"), i, v) {
			char a[24], b[24], c[24], d[24], f[24];
			const char *e = json_string_value(json_object_get(v, "error"));
			json_t *an = json_object_get(v, "answers");

			snprintf(a, sizeof(a), "%lld", num(v, "serial"));
			snprintf(b, sizeof(b), "%lld", num(v, "records"));
			snprintf(c, sizeof(c), "%lld", num(v, "names"));
			snprintf(d, sizeof(d), an ? "%lld" : "-", num(an, "noerror"));
			snprintf(f, sizeof(f), an ? "%lld" : "-", num(an, "nxdomain"));
			table_add(&t, (const char *const[]){
					      str(v, "name"), a, b, c, d, f,
					      !json_is_true(json_object_get(v, "served"))
						      ? (strcmp(str(v, "role"), "secondary") == 0
								 ? "not served (no transfer yet)"
								 : "not served (errors)")
					      : e && e[0] ? "served (last read refused)"
							  : "served" });
		}
		table_print(&t);
		/* transfers, NOTIFY, updates, and the last error, per zone */
		json_array_foreach (json_object_get(reply, "zones"), i, v) {
			const char *e = json_string_value(json_object_get(v, "error"));
			bool secondary = strcmp(str(v, "role"), "secondary") == 0;

			if (strcmp(argv[0], "zones") != 0)
				break;
			printf("%s: %s", str(v, "name"), secondary ? "secondary" : "primary");
			if (secondary)
				printf(", %lld transfers in (%lld IXFR), next refresh in %lld s",
				       num(v, "transfers_in"), num(v, "ixfr_in"),
				       num(v, "refresh_in"));
			if (num(v, "changes_kept"))
				printf(", %lld changes kept for IXFR (from serial %lld)",
				       num(v, "changes_kept"), num(v, "oldest_serial"));
			if (num(v, "notify_sent"))
				printf(", NOTIFY %lld sent, %lld answered, %lld pending",
				       num(v, "notify_sent"), num(v, "notify_answered"),
				       num(v, "notify_pending"));
			if (num(v, "transfers_out"))
				printf(", %lld transfers out (%lld IXFR)", num(v, "transfers_out"),
				       num(v, "ixfr_out"));
			if (num(v, "updates") || num(v, "updates_refused"))
				printf(", %lld updates, %lld refused", num(v, "updates"),
				       num(v, "updates_refused"));
			printf("\n");
			if (e && e[0])
				printf("  %s\n", e);
		}
	}
	json_decref(reply);
	return rc;
}

/* rampart vpn status */
static int cmd_vpn(const char *sock, int argc, char **argv, bool json)
{
	json_t *req, *reply, *v;
	size_t i;
	int rc = 0;

	if (argc != 1 || (strcmp(argv[0], "status") != 0 && strcmp(argv[0], "client") != 0)) {
		fprintf(stderr, "rampart: vpn wants status or client (see rampart vpn --help)\n");
		return EXIT_USAGE;
	}
	if (strcmp(argv[0], "client") == 0) {
		req = json_pack("{s:s}", "cmd", "vpn.client");
		reply = call(sock, req);
		json_decref(req);
		if (json)
			return json_reply_exit(reply);
		if (!json_is_true(json_object_get(reply, "ok"))) {
			fprintf(stderr, "rampart: vpn client: %s\n", str(reply, "error"));
			json_decref(reply);
			return EXIT_CTRL_ERROR;
		}
		{
			const char *host = str(reply, "remote_host"), *addr = str(reply, "remote");
			char to[400];

			/* a name with the address it resolved to; an address alone */
			if (strstr(addr, host) == addr || strstr(addr, host) == addr + 1 ||
			    strcmp(addr, "-") == 0)
				snprintf(to, sizeof(to), "%s", strcmp(addr, "-") ? addr : host);
			else
				snprintf(to, sizeof(to), "%s (%s)", host, addr);
			printf("%s to %s on %s: address %s %s, cipher %s\n", str(reply, "state"), to,
			       str(reply, "tun"), str(reply, "address"), str(reply, "address6"),
			       str(reply, "cipher"));
		}
		if (json_string_length(json_object_get(reply, "resolve_error")))
			printf("%s\n", str(reply, "resolve_error"));
		if (strcmp(str(reply, "data_channel"), "dataplane") == 0)
			printf("data channel in the dataplane (%s)%s%s: its packets and drops in "
			       "rampart stats (vpn_rx, vpn_tx, drop_vpn_down)\n",
			       str(reply, "crypto"),
			       json_string_length(json_object_get(reply, "dataplane_error")) ? ": "
											     : "",
			       json_string_length(json_object_get(reply, "dataplane_error"))
				       ? str(reply, "dataplane_error")
				       : "");
		printf("%lld connection attempts, %lld sessions up, %lld packets in, %lld out, "
		       "%lld dropped while the tunnel was down\n",
		       num(reply, "connects"), num(reply, "ups"), num(reply, "rx_packets"),
		       num(reply, "tx_packets"), num(reply, "dropped_tunnel_down"));
		if (json_string_length(json_object_get(reply, "last_down")))
			printf("last session ended: %s\n", str(reply, "last_down"));
		json_decref(reply);
		return 0;
	}
	req = json_pack("{s:s}", "cmd", "vpn.status");
	reply = call(sock, req);
	json_decref(req);
	if (json)
		return json_reply_exit(reply);
	if (!json_is_true(json_object_get(reply, "ok"))) {
		fprintf(stderr, "rampart: vpn status: %s\n", str(reply, "error"));
		json_decref(reply);
		return EXIT_CTRL_ERROR;
	}
	if (strcmp(str(reply, "data_channel"), "dataplane") == 0)
		printf("data channel in the dataplane (%s)%s%s; %lld data packets reached ctrl "
		       "instead (fragmented, or before their keys)\n",
		       str(reply, "dataplane_crypto"),
		       strcmp(str(reply, "dataplane_error"), "-") ? ": " : "",
		       strcmp(str(reply, "dataplane_error"), "-") ? str(reply, "dataplane_error") : "",
		       num(reply, "dropped_not_dataplane"));
	printf("tunnel %s, %zu of %lld clients; %lld sessions made, %lld refused; dropped: "
	       "%lld spoofed, %lld for no client, %lld client to client\n",
	       strcmp(str(reply, "tun"), "-") ? str(reply, "tun") : "in the dataplane",
	       json_array_size(json_object_get(reply, "clients")),
	       num(reply, "max_clients"), num(reply, "sessions"), num(reply, "refused"),
	       num(reply, "dropped_spoofed"), num(reply, "dropped_no_client"),
	       num(reply, "dropped_client_to_client"));
	if (json_array_size(json_object_get(reply, "clients"))) {
		struct table t = { .n_cols = 9,
				   .right = { false, false, false, false, false, false, true, true,
					      true } };

		table_add(&t,
			  (const char *const[]){ "peer", "subject", "state", "address", "address6",
						 "cipher", "rx_pkts", "tx_pkts", "renegs" });
		json_array_foreach (json_object_get(reply, "clients"), i, v) {
			char a[24], b[24], c[24];

			snprintf(a, sizeof(a), "%lld", num(v, "rx_packets"));
			snprintf(b, sizeof(b), "%lld", num(v, "tx_packets"));
			snprintf(c, sizeof(c), "%lld", num(v, "renegotiations"));
			table_add(&t, (const char *const[]){ str(v, "peer"), str(v, "subject"),
							     str(v, "state"), str(v, "address"),
							     str(v, "address6"), str(v, "cipher"),
							     a, b, c });
		}
		table_print(&t);
	}
	json_decref(reply);
	return rc;
}

/* rampart caldav status | history [PATH] [--max N] | revert COMMIT */
static int cmd_caldav(const char *sock, int argc, char **argv, bool json)
{
	const char *path = "", *sub = argc ? argv[0] : "";
	long max = 0;
	json_t *req, *reply, *v;
	size_t i;
	int rc = 0;

	if (strcmp(sub, "status") == 0 && argc == 1) {
		req = json_pack("{s:s}", "cmd", "caldav.status");
	} else if (strcmp(sub, "history") == 0) {
		for (int k = 1; k < argc; k++) {
			if (strcmp(argv[k], "--max") == 0 && k + 1 < argc) {
				max = strtol(argv[++k], NULL, 10);
			} else if (argv[k][0] != '-' && !path[0]) {
				path = argv[k];
			} else {
				fprintf(stderr, "rampart: caldav history: unexpected \"%s\"\n",
					argv[k]);
				return EXIT_USAGE;
			}
		}
		req = json_pack("{s:s,s:s,s:i}", "cmd", "caldav.history", "path", path, "max",
				(int)max);
	} else if (strcmp(sub, "revert") == 0 && argc == 2) {
		req = json_pack("{s:s,s:s}", "cmd", "caldav.revert", "commit", argv[1]);
	} else {
		fprintf(stderr, "rampart: caldav wants status, history [PATH] [--max N] or "
				"revert COMMIT (see rampart caldav --help)\n");
		return EXIT_USAGE;
	}
	reply = call(sock, req);
	json_decref(req);
	if (json)
		return json_reply_exit(reply);
	if (!json_is_true(json_object_get(reply, "ok"))) {
		fprintf(stderr, "rampart: caldav %s: %s\n", sub, str(reply, "error"));
		rc = EXIT_CTRL_ERROR;
	} else if (strcmp(sub, "status") == 0) {
		const char *h = json_string_value(json_object_get(reply, "http"));
		const char *hs = json_string_value(json_object_get(reply, "https"));

		h = h ? h : "";
		hs = hs ? hs : "";
		printf("CalDAV on %s%s%s%s%s, data in %s\n", h[0] ? "http://" : "", h,
		       h[0] && hs[0] ? " and " : "", hs[0] ? "https://" : "", hs,
		       str(reply, "data_dir"));
		printf("%lld users, %lld groups, %lld calendars, %lld objects\n",
		       num(reply, "users"), num(reply, "groups"), num(reply, "calendars"),
		       num(reply, "objects"));
		printf("%lld requests, %lld 4xx, %lld 5xx, %lld failed logins, %lld commits, "
		       "%lld bad XML, %lld bad iCalendar\n",
		       num(reply, "requests"), num(reply, "errors_4xx"), num(reply, "errors_5xx"),
		       num(reply, "auth_failed"), num(reply, "commits"), num(reply, "bad_xml"),
		       num(reply, "bad_ical"));
	} else if (strcmp(sub, "history") == 0) {
		json_array_foreach (json_object_get(reply, "history"), i, v) {
			time_t t = (time_t)num(v, "time");
			char when[32];

			const char *m = str(v, "message"), *nl = strchr(m, '\n');

			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", gmtime(&t));
			printf("%.12s %s %-12s %.*s\n", str(v, "commit"), when, str(v, "author"),
			       nl ? (int)(nl - m) : (int)strlen(m), m);
			/* a commit of several changes lists them below */
			while (nl) {
				const char *line = nl + 1;

				nl = strchr(line, '\n');
				if (nl ? nl > line : *line)
					printf("    %.*s\n",
					       nl ? (int)(nl - line) : (int)strlen(line), line);
			}
		}
	} else {
		printf("reverted %s as %s\n", argv[1], str(reply, "commit"));
	}
	json_decref(reply);
	return rc;
}

/* rampart tenant ...: its own options, after the subcommand */
static int cmd_tenant(const char *sock, int argc, char **argv, bool json)
{
	json_t *req, *reply, *net = json_object(), *block = json_object();
	const char *sub = argc ? argv[0] : "";
	char args[1024] = "";
	size_t al = 0;
	int i = 1;
	bool named = strcmp(sub, "list") != 0;

	if (!argc || (named && argc < 2) ||
	    !strstr(" create start stop restart list console update destroy ", sub) || !sub[0]) {
		fprintf(stderr, "rampart: tenant wants create|start|stop|restart|list|console|"
				"update|destroy (see rampart tenant --help)\n");
		return EXIT_USAGE;
	}
	{
		char cmd[32];

		snprintf(cmd, sizeof(cmd), "tenant.%s", sub);
		req = json_pack("{s:s}", "cmd", cmd);
	}
	if (named)
		json_object_set_new(req, "name", json_string(argv[i++]));
	for (; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--json") == 0) {
			json = true;
		} else if (strcmp(a, "--") == 0) {
			for (i++; i < argc; i++)
				al += (size_t)snprintf(args + al, sizeof(args) - al, "%s%s",
						       al ? " " : "", argv[i]);
			if (al >= sizeof(args)) {
				fprintf(stderr, "rampart: tenant: ARGS over %zu bytes\n",
					sizeof(args) - 1);
				return EXIT_USAGE;
			}
			json_object_set_new(req, "args", json_string(args));
		} else if (v && (strcmp(a, "--net") == 0 || strcmp(a, "--block") == 0)) {
			const char *eq = strchr(v, '=');
			char dev[80];

			if (!eq || eq == v || (size_t)(eq - v) >= sizeof(dev)) {
				fprintf(stderr, "rampart: tenant: %s wants DEV=%s\n", a,
					a[2] == 'n' ? "PORT" : "FILE");
				return EXIT_USAGE;
			}
			snprintf(dev, sizeof(dev), "%.*s", (int)(eq - v), v);
			json_object_set_new(a[2] == 'n' ? net : block, dev, json_string(eq + 1));
			i++;
		} else if (v && strcmp(a, "--image") == 0) {
			char abs[4096];

			json_object_set_new(req, "image", json_string(realpath(v, abs) ? abs : v));
			i++;
		} else if (v && (strcmp(a, "--mem") == 0 || strcmp(a, "--cpu") == 0)) {
			char *end;
			long n = strtol(v, &end, 10);

			if (*end || n < 0 || n > 1024) {
				fprintf(stderr, "rampart: tenant: %s wants a number\n", a);
				return EXIT_USAGE;
			}
			json_object_set_new(req, a + 2, json_integer(n));
			i++;
		} else if (v && strcmp(a, "--restart") == 0) {
			json_object_set_new(req, "restart", json_string(v));
			i++;
		} else {
			fprintf(stderr,
				"rampart: tenant %s: unexpected \"%s\" (see rampart tenant "
				"--help)\n",
				sub, a);
			return EXIT_USAGE;
		}
	}
	{
		const char *k;
		json_t *v;

		json_object_foreach (block, k, v) {
			char abs[4096];

			if (realpath(json_string_value(v), abs))
				json_object_set_new(block, k, json_string(abs));
		}
	}
	json_object_set_new(req, "net", net);
	json_object_set_new(req, "block", block);
	reply = call(sock, req);
	json_decref(req);
	if (json)
		return json_reply_exit(reply);
	if (!json_is_true(json_object_get(reply, "ok"))) {
		fprintf(stderr, "rampart: tenant %s: %s\n", sub, str(reply, "error"));
		json_decref(reply);
		return EXIT_CTRL_ERROR;
	}
	if (strcmp(sub, "console") == 0) {
		fputs(str(reply, "console"), stdout);
	} else if (strcmp(sub, "list") == 0 || json_object_get(reply, "tenant")) {
		struct table t = { .n_cols = 9,
				   .right = { false, false, true, true, true, true, true, false,
					      false } };
		json_t *list = json_object_get(reply, "tenants"),
		       *one = json_object_get(reply, "tenant"), *v;
		size_t k;

		table_add(&t,
			  (const char *const[]){ "tenant", "state", "pid", "uptime", "rss_kb",
						 "pkts in/out", "restarts", "last exit", "image" });
		if (!list) {
			list = json_array();
			json_array_append(list, one);
		} else {
			json_incref(list);
		}
		json_array_foreach (list, k, v) {
			char a[24], b[24], c[24], d[24], e[32], img[16], pk[48];

			snprintf(a, sizeof(a), "%lld", num(v, "pid"));
			snprintf(b, sizeof(b), "%lld", num(v, "uptime"));
			snprintf(c, sizeof(c), "%lld", num(v, "rss_kb"));
			snprintf(d, sizeof(d), "%lld", num(v, "restarts"));
			if (json_object_get(v, "last_exit"))
				snprintf(e, sizeof(e), "status %lld", num(v, "last_exit"));
			else if (json_object_get(v, "last_signal"))
				snprintf(e, sizeof(e), "signal %lld", num(v, "last_signal"));
			else
				snprintf(e, sizeof(e), "-");
			snprintf(img, sizeof(img), "%.12s", str(v, "image"));
			if (json_object_get(v, "packets_in"))
				snprintf(pk, sizeof(pk), "%lld/%lld", num(v, "packets_in"),
					 num(v, "packets_out"));
			else
				snprintf(pk, sizeof(pk), "-");
			table_add(&t, (const char *const[]){ str(v, "name"), str(v, "state"), a, b,
							     c, pk, d, e, img });
		}
		json_decref(list);
		table_print(&t);
	}
	json_decref(reply);
	return 0;
}

/* rampart nat show|flush [HOST] */
static int cmd_nat(const char *sock, int argc, char **argv, bool json)
{
	json_t *req, *reply;
	char cmd[32];
	int rc = 0;

	if (argc < 1 || argc > 2 ||
	    (strcmp(argv[0], "show") != 0 && strcmp(argv[0], "flush") != 0)) {
		fprintf(stderr, "rampart: nat wants show [HOST] or flush [HOST] (see rampart nat "
				"--help)\n");
		return EXIT_USAGE;
	}
	snprintf(cmd, sizeof(cmd), "nat.%s", argv[0]);
	req = json_pack("{s:s}", "cmd", cmd);
	if (argc == 2)
		json_object_set_new(req, "host", json_string(argv[1]));
	reply = call(sock, req);
	json_decref(req);
	if (json) {
		print_json(reply);
		rc = json_is_true(json_object_get(reply, "ok")) ? 0 : EXIT_CTRL_ERROR;
	} else if (!json_is_true(json_object_get(reply, "ok"))) {
		fprintf(stderr, "rampart: nat %s: %s\n", argv[0], str(reply, "error"));
		rc = EXIT_CTRL_ERROR;
	} else if (strcmp(argv[0], "show") == 0) {
		print_nat_show(reply);
	} else {
		printf("nat flush: %s mappings dropped\n", argc == 2 ? argv[1] : "all");
	}
	json_decref(reply);
	return rc;
}

/* rampart rules ... / rampart flows ... */
static int cmd_group(const char *sock, const char *group, int argc, char **argv, bool json,
		     long confirm, bool keep_flows)
{
	static const char *const rules_sub[] = { "check",    "diff", "push",	"confirm",
						 "rollback", "show", "history", NULL };
	static const char *const flows_sub[] = { "flush", NULL };
	const char *const *subs = strcmp(group, "rules") == 0 ? rules_sub : flows_sub;
	bool file_arg, known = false;
	char cmd[32], *path = NULL;
	json_t *req, *reply;
	int rc = 0;

	if (argc < 1) {
		fprintf(stderr, "rampart: %s needs a subcommand (see rampart %s --help)\n", group,
			group);
		return EXIT_USAGE;
	}
	for (const char *const *s = subs; *s; s++)
		known |= strcmp(*s, argv[0]) == 0;
	if (!known) {
		fprintf(stderr, "rampart: unknown subcommand \"%s %s\" (see rampart %s --help)\n",
			group, argv[0], group);
		return EXIT_USAGE;
	}
	file_arg = strcmp(argv[0], "check") == 0 || strcmp(argv[0], "diff") == 0 ||
		   strcmp(argv[0], "push") == 0;
	if (argc != (file_arg ? 2 : 1)) {
		fprintf(stderr, "rampart: %s %s takes %s\n", group, argv[0],
			file_arg ? "one FILE" : "no arguments");
		return EXIT_USAGE;
	}
	if ((confirm >= 0 || keep_flows) && strcmp(argv[0], "push") != 0) {
		fprintf(stderr, "rampart: --confirm and --keep-flows go with rules push\n");
		return EXIT_USAGE;
	}
	snprintf(cmd, sizeof(cmd), "%s.%s", group, argv[0]);
	req = json_pack("{s:s}", "cmd", cmd);
	if (file_arg) {
		path = realpath(argv[1], NULL);
		if (!path) {
			fprintf(stderr, "rampart: %s: %s\n", argv[1], strerror(errno));
			json_decref(req);
			return EXIT_CTRL_ERROR;
		}
		json_object_set_new(req, "path", json_string(path));
	}
	if (confirm > 0)
		json_object_set_new(req, "confirm", json_integer(confirm));
	if (keep_flows)
		json_object_set_new(req, "keep_flows", json_true());
	reply = call(sock, req);
	json_decref(req);
	if (json) {
		print_json(reply);
		rc = json_is_true(json_object_get(reply, "ok")) ? 0 : EXIT_CTRL_ERROR;
		goto out;
	}
	print_lines(stderr, json_object_get(reply, "errors"), "");
	print_lines(stderr, json_object_get(reply, "warnings"), "warning: ");
	if (!json_is_true(json_object_get(reply, "ok"))) {
		fprintf(stderr, "rampart: %s %s: %s\n", group, argv[0], str(reply, "error"));
		rc = EXIT_CTRL_ERROR;
	} else if (strcmp(argv[0], "check") == 0) {
		printf("%s: %lld rules, %lld classifier entries, default %s\n", path,
		       num(reply, "rules"), num(reply, "entries"), str(reply, "default"));
	} else if (strcmp(argv[0], "diff") == 0) {
		print_lines(stdout, json_object_get(reply, "removed"), "- ");
		print_lines(stdout, json_object_get(reply, "added"), "+ ");
		print_lines(stdout, json_object_get(reply, "settings"), "~ ");
		printf("%lld rules unchanged\n", num(reply, "unchanged"));
	} else if (strcmp(argv[0], "push") == 0 || strcmp(argv[0], "rollback") == 0) {
		printf("version %lld in force (generation %s): %lld rules, %lld classifier "
		       "entries, %.1f ms\n",
		       num(reply, "version"), str(reply, "generation"), num(reply, "rules"),
		       num(reply, "entries"), json_real_value(json_object_get(reply, "total_ms")));
		if (num(reply, "confirm_by"))
			printf("confirm with \"rampart rules confirm\" within %ld s, or it is "
			       "undone\n",
			       confirm);
	} else if (strcmp(argv[0], "confirm") == 0) {
		printf("version %lld confirmed\n", num(reply, "version"));
	} else if (strcmp(argv[0], "show") == 0) {
		print_rules_show(reply);
	} else if (strcmp(argv[0], "history") == 0) {
		print_history(reply);
	} else {
		printf("%s %s: done\n", group, argv[0]);
	}
out:
	json_decref(reply);
	free(path);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ "confirm", required_argument, NULL, 'C' },
		{ "keep-flows", no_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	long confirm = -1;
	bool keep_flows = false;
	json_t *req;
	const char *sock = CTRL_DEFAULT_SOCKET, *cmd;
	bool json = false, verbose = false, all = false, help = false;
	json_t *reply;
	int opt, rc = 0, tenant_at = 0, all_argc = argc;

	/* "tenant" and "caldav" take options of their own after them: the
	 * global ones come before */
	for (int k = 1; k < argc; k++) {
		if (strcmp(argv[k], "-s") == 0 || strcmp(argv[k], "--socket") == 0) {
			k++;
			continue;
		}
		if (argv[k][0] == '-')
			continue;
		if (strcmp(argv[k], "tenant") == 0 || strcmp(argv[k], "caldav") == 0) {
			tenant_at = k;
			argc = k;
		}
		break;
	}
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
		case 'C': {
			char *end;

			confirm = strtol(optarg, &end, 10);
			if (*end || confirm < 1 || confirm > 86400) {
				fprintf(stderr, "rampart: --confirm wants seconds, 1..86400\n");
				return EXIT_USAGE;
			}
			break;
		}
		case 'K':
			keep_flows = true;
			break;
		default:
			fprintf(stderr, "Usage: rampart [-s SOCKET] [--json] COMMAND "
					"(see rampart --help)\n");
			return EXIT_USAGE;
		}
	}
	if (tenant_at) {
		if (help ||
		    (tenant_at + 1 < all_argc && strcmp(argv[tenant_at + 1], "--help") == 0))
			return cmd_help(argv[tenant_at]);
		if (strcmp(argv[tenant_at], "caldav") == 0)
			return cmd_caldav(sock, all_argc - tenant_at - 1, argv + tenant_at + 1,
					  json);
		return cmd_tenant(sock, all_argc - tenant_at - 1, argv + tenant_at + 1, json);
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
	if (strcmp(cmd, "rules") == 0 || strcmp(cmd, "flows") == 0)
		return cmd_group(sock, cmd, argc - optind - 1, argv + optind + 1, json, confirm,
				 keep_flows);
	if (strcmp(cmd, "dns") == 0)
		return cmd_dns(sock, argc - optind - 1, argv + optind + 1, json);
	if (strcmp(cmd, "caldav") == 0)
		return cmd_caldav(sock, argc - optind - 1, argv + optind + 1, json);
	if (strcmp(cmd, "vpn") == 0)
		return cmd_vpn(sock, argc - optind - 1, argv + optind + 1, json);
	if (strcmp(cmd, "nat") == 0) {
		if (confirm >= 0 || keep_flows) {
			fprintf(stderr, "rampart: --confirm and --keep-flows go with rules push\n");
			return EXIT_USAGE;
		}
		return cmd_nat(sock, argc - optind - 1, argv + optind + 1, json);
	}
	if (optind + 1 != argc || confirm >= 0 || keep_flows) {
		fprintf(stderr, "rampart: %s takes no arguments (see rampart %s --help)\n", cmd,
			cmd);
		return EXIT_USAGE;
	}
	req = json_pack("{s:s}", "cmd", cmd);
	reply = call(sock, req);
	json_decref(req);
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
