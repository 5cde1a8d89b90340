/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c - rampart-dataplane: reads the dataplane and port sections of
 * rampart.conf, initialises EAL from them, starts the ports and one worker
 * per lcore, then runs the agent thread on the main lcore until SIGINT or
 * SIGTERM. The network configuration (addresses, routes, neighbours) arrives
 * from rampart-ctrl over the control socket.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pdump.h>

#include "dataplane/dp.h"

struct dp_main dp;

#define EAL_ARGS_MAX 96

static void usage(FILE *f)
{
	fprintf(f, "Usage: rampart-dataplane [-c FILE] [-n] [-- EAL-OPTIONS...]\n"
		   "\n"
		   "The packet-processing process of the rampart appliance. It polls the ports\n"
		   "named in the configuration on one worker per lcore, answers ARP, neighbour\n"
		   "discovery and ping for its addresses, forwards IPv4 and IPv6 by its static\n"
		   "routes, and hands other traffic for the appliance to the kernel through the\n"
		   "exception TAP interface. Addresses, routes and static neighbours come from\n"
		   "rampart-ctrl over the control socket; until ctrl has pushed them, packets are\n"
		   "dropped and counted as drop_no_config.\n"
		   "\n"
		   "Options:\n"
		   "  -c, --config FILE  configuration file (default " CTRL_DEFAULT_CONF ");\n"
		   "                     the dataplane reads its 'dataplane' and 'ports' sections\n"
		   "  -n, --check        validate the configuration and the EAL arguments that\n"
		   "                     would be used, print them, and exit\n"
		   "  -h, --help         this text\n"
		   "  -- EAL-OPTIONS     extra DPDK EAL options, appended to those built from the\n"
		   "                     configuration (for example --log-level=pmd.net.*:debug)\n"
		   "\n"
		   "Hugepages: with hugepages = \"auto\" the dataplane uses hugepages when enough\n"
		   "are reserved (memory_mb of them free), and runs with --no-huge otherwise.\n"
		   "Live capture with dpdk-dumpcap needs hugepages (a secondary process must map\n"
		   "the dataplane's memory). Counters are exported through DPDK telemetry:\n"
		   "  dpdk-telemetry.py -f FILE_PREFIX   then   /rampart/stats\n"
		   "\n"
		   "Signals: SIGINT and SIGTERM stop the workers, the ports and the process.\n"
		   "Exit status: 0 after a clean stop, 1 on a configuration or start-up error.\n");
}

static void on_signal(int sig)
{
	(void)sig;
	dp.quit = true;
}

/* Enough free hugepages for memory_mb? Pages held by files of an earlier run
 * with our file prefix count as free: EAL removes those files at start. */
static bool hugepages_available(const char *prefix, unsigned memory_mb)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128], own[96];
	unsigned long free_pages = 0, size_kb = 0;
	struct dirent *de;
	DIR *d;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "HugePages_Free: %lu", &free_pages);
		sscanf(line, "Hugepagesize: %lu kB", &size_kb);
	}
	fclose(f);
	snprintf(own, sizeof(own), "%smap_", prefix);
	d = opendir("/dev/hugepages");
	while (d && (de = readdir(d)))
		if (strncmp(de->d_name, own, strlen(own)) == 0)
			free_pages++;
	if (d)
		closedir(d);
	return free_pages * size_kb >= (unsigned long)memory_mb * 1024;
}

/* EAL arguments from the configuration; strings are kept in store. */
static int build_eal_args(char **argv, int max, char store[][160], char *err, size_t errlen)
{
	const struct ctrl_conf *c = &dp.conf;
	int argc = 0, s = 0;
	bool pci = false;

#define ARG(...)                                                   \
	do {                                                       \
		if (argc >= max - 1 || s >= max)                   \
			goto too_many;                             \
		snprintf(store[s], sizeof(store[s]), __VA_ARGS__); \
		argv[argc++] = store[s++];                         \
	} while (0)

	ARG("rampart-dataplane");
	ARG("-l");
	ARG("%s", c->lcores);
	ARG("--main-lcore");
	ARG("%u", c->main_lcore);
	ARG("--file-prefix");
	ARG("%s", c->file_prefix);
	switch (c->hugepages) {
	case CTRL_CONF_HUGEPAGES_OFF:
		ARG("--no-huge");
		break;
	case CTRL_CONF_HUGEPAGES_ON:
		if (!hugepages_available(c->file_prefix, c->memory_mb)) {
			snprintf(
				err, errlen,
				"%s: hugepages = \"on\" but fewer than %u MB of hugepages are free",
				c->path, c->memory_mb);
			return -ENOMEM;
		}
		break;
	case CTRL_CONF_HUGEPAGES_AUTO:
		if (!hugepages_available(c->file_prefix, c->memory_mb))
			ARG("--no-huge");
		break;
	}
	ARG("-m");
	ARG("%u", c->memory_mb);
	for (unsigned i = 0; i < c->n_ports; i++) {
		if (strncmp(c->ports[i].devargs, "net_", 4) == 0) {
			ARG("--vdev");
		} else {
			ARG("-a");
			pci = true;
		}
		ARG("%s", c->ports[i].devargs);
	}
	if (c->punt_iface[0]) {
		ARG("--vdev");
		ARG("net_tap_punt,iface=%s", c->punt_iface);
	}
	if (!pci)
		ARG("--no-pci");
	argv[argc] = NULL;
	return argc;
too_many:
	snprintf(err, errlen, "too many EAL arguments");
	return -E2BIG;
#undef ARG
}

static int setup_workers(char *err, size_t errlen)
{
	unsigned lcore;

	dp.n_workers = 0;
	RTE_LCORE_FOREACH_WORKER (lcore) {
		if (dp.n_workers == DP_MAX_LCORES)
			break;
		dp.lcores[lcore].worker_index = dp.n_workers;
		dp.worker_lcores[dp.n_workers++] = lcore;
	}
	if (dp.n_workers == 0) {
		snprintf(err, errlen,
			 "%s: lcores \"%s\" leaves no worker: list at least one lcore besides "
			 "main_lcore %u",
			 dp.conf.path, dp.conf.lcores, dp.conf.main_lcore);
		return -EINVAL;
	}
	return 0;
}

static void assign_queues(void)
{
	for (unsigned w = 0; w < dp.n_workers; w++) {
		struct dp_lcore *lc = &dp.lcores[dp.worker_lcores[w]];

		lc->n_rx = 0;
		for (unsigned p = 0; p < dp.n_ports; p++)
			if (w < dp.ports[p].n_rxq) {
				lc->rx[lc->n_rx].port_id = dp.ports[p].port_id;
				lc->rx[lc->n_rx].queue = (uint16_t)w;
				lc->n_rx++;
			}
	}
}

static int setup_memory(char *err, size_t errlen)
{
	unsigned data_room = 2048;
	uint32_t size = 1;
	size_t sz;
	void *neigh, *flows;

	for (unsigned i = 0; i < dp.conf.n_ports; i++)
		if (dp.conf.ports[i].mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN > data_room)
			data_room = dp.conf.ports[i].mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;
	dp.pool = rte_pktmbuf_pool_create("dp_pool", dp.conf.mbufs, 256, 0,
					  (uint16_t)(data_room + RTE_PKTMBUF_HEADROOM),
					  (int)rte_socket_id());
	if (!dp.pool) {
		snprintf(err, errlen, "cannot create a pool of %u mbufs: %s (raise memory_mb)",
			 dp.conf.mbufs, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	sz = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE);
	dp.rcu = rte_zmalloc("dp_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (!dp.rcu || rte_rcu_qsbr_init(dp.rcu, RTE_MAX_LCORE) < 0) {
		snprintf(err, errlen, "cannot set up RCU");
		return -ENOMEM;
	}
	while (size < dp.conf.neigh_max * 2)
		size <<= 1;
	neigh = rte_zmalloc("dp_neigh", size * sizeof(struct dp_neigh_entry), RTE_CACHE_LINE_SIZE);
	if (!neigh) {
		snprintf(err, errlen, "cannot allocate the neighbour table");
		return -ENOMEM;
	}
	dp_neigh_init(&dp.neigh, neigh, size);
	/* the flow table: connection tracking, shared by the workers */
	flows = rte_zmalloc("dp_flows", dp_flow_table_size(dp.conf.flows_max), RTE_CACHE_LINE_SIZE);
	if (!flows) {
		snprintf(err, errlen, "cannot allocate the flow table (%u flows, %zu MiB)",
			 dp.conf.flows_max, dp_flow_table_size(dp.conf.flows_max) >> 20);
		return -ENOMEM;
	}
	dp.flows = dp_flow_table_init(flows, dp.conf.flows_max, dp.n_workers);
	if (dp.flows)
		dp.flows->release = dp_nat_release;
	if (!dp.flows) {
		snprintf(err, errlen, "flows_max %u is fewer than the %u workers",
			 dp.conf.flows_max, dp.n_workers);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char store[EAL_ARGS_MAX][160];
	const char *path = CTRL_DEFAULT_CONF;
	char *eal_argv[EAL_ARGS_MAX + 32], err[512];
	bool check = false;
	int eal_argc, opt, rc;
	unsigned lcore;

	while ((opt = getopt_long(argc, argv, "c:nh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	rc = ctrl_conf_load(path, &dp.conf, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "rampart-dataplane: %s\n", err);
		return 1;
	}
	eal_argc = build_eal_args(eal_argv, EAL_ARGS_MAX, store, err, sizeof(err));
	if (eal_argc < 0) {
		fprintf(stderr, "rampart-dataplane: %s\n", err);
		return 1;
	}
	for (int i = optind; i < argc && eal_argc < EAL_ARGS_MAX + 30; i++)
		eal_argv[eal_argc++] = argv[i];
	eal_argv[eal_argc] = NULL;
	if (check) {
		printf("%s: configuration OK\nEAL:", path);
		for (int i = 0; i < eal_argc; i++)
			printf(" %s", eal_argv[i]);
		printf("\n");
		return 0;
	}

	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "rampart-dataplane: EAL arguments:");
	for (int i = 1; i < eal_argc; i++)
		fprintf(stderr, " %s", eal_argv[i]);
	fprintf(stderr, "\n");
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "rampart-dataplane: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	dp.tsc_hz = rte_get_tsc_hz();
	dp.start_tsc = rte_rdtsc();
	rc = setup_workers(err, sizeof(err));
	if (rc == 0)
		rc = setup_memory(err, sizeof(err));
	if (rc == 0)
		rc = dp_ports_setup(err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "rampart-dataplane: %s\n", err);
		dp_ports_close();
		rte_eal_cleanup();
		return 1;
	}
	assign_queues();
	dp_vpn_init();
	rte_pdump_init();
	if (dp_telemetry_register() < 0)
		RTE_LOG(WARNING, USER1, "telemetry commands not registered\n");

	RTE_LOG(INFO, USER1, "%u ports, %u workers; waiting for rampart-ctrl on %s\n", dp.n_ports,
		dp.n_workers, dp.conf.dp_socket);
	rte_eal_mp_remote_launch(dp_worker_main, NULL, SKIP_MAIN);
	rc = dp_agent_run();
	dp.quit = true;
	RTE_LCORE_FOREACH_WORKER (lcore)
		rte_eal_wait_lcore(lcore);
	RTE_LOG(INFO, USER1, "stopping\n");
	rte_pdump_uninit();
	dp_ports_close();
	dp_fw_fini();
	dp_vpn_fini();
	dp_runtime_free(atomic_load(&dp.runtime));
	ctrl_conf_free(&dp.conf);
	rte_eal_cleanup();
	return rc < 0 ? 1 : 0;
}
