/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flowbench.c - rampart-flowbench: what the flow table costs a packet, alone,
 * away from ports and generators: for N flows in a table of the default size,
 * the TSC cycles of what the firewall stage does for a packet of an
 * established flow (canonical key, hash, lookup, state update), packets
 * taking the flows in turn as rampart-pktgen sends them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#include "dataplane/flow.h"

#define BURST 32

static void usage(FILE *f)
{
	fprintf(f, "NAME\n"
		   "    rampart-flowbench - cycles per packet of the dataplane's flow table\n"
		   "\n"
		   "SYNOPSIS\n"
		   "    rampart-flowbench [--flows N] [--capacity C] [--packets P] [--prefetch]\n"
		   "\n"
		   "DESCRIPTION\n"
		   "    Fills a flow table of C entries (default 262144, the default\n"
		   "    dataplane.flows_max) with N UDP flows (default 1000) from\n"
		   "    198.18.0.0/16 to 198.19.1.2 port 9, then times P packets (default\n"
		   "    10000000) that take the flows in turn: key, hash, lookup and state\n"
		   "    update, as the firewall stage does for an established flow, in\n"
		   "    bursts of 32: keys and hashes first, then the lookups; with\n"
		   "    --prefetch, the buckets of the whole burst are prefetched between\n"
		   "    the two. Prints TSC cycles per packet. One core, no other work.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "flows", required_argument, NULL, 'f' },
		{ "capacity", required_argument, NULL, 'c' },
		{ "packets", required_argument, NULL, 'p' },
		{ "prefetch", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long flows = 1000, cap = 262144, packets = 10000000;
	static const struct dp_flow_init init = { .generation = 1, .opener_a = 1 };
	struct dp_flow_table *t;
	uint8_t dst[4] = { 198, 19, 1, 2 };
	uint64_t t0, t1, found = 0;
	bool prefetch = false;
	void *mem;
	int opt;

	while ((opt = getopt_long(argc, argv, "f:c:p:Ph", opts, NULL)) != -1) {
		switch (opt) {
		case 'P':
			prefetch = true;
			break;
		case 'f':
			flows = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			cap = strtoul(optarg, NULL, 10);
			break;
		case 'p':
			packets = strtoul(optarg, NULL, 10);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!flows || flows > 65534 || cap < flows || cap > (1u << 24) || !packets) {
		fprintf(stderr,
			"rampart-flowbench: want 1 <= flows <= 65534 <= capacity <= 2^24\n");
		return 2;
	}
	mem = aligned_alloc(64, (dp_flow_table_size((uint32_t)cap) + 63) & ~(size_t)63);
	if (!mem)
		return 1;
	memset(mem, 0, dp_flow_table_size((uint32_t)cap));
	t = dp_flow_table_init(mem, (uint32_t)cap, 1);
	for (unsigned long i = 0; i < flows; i++) {
		uint8_t src[4] = { 198, 18, (uint8_t)((i + 1) >> 8), (uint8_t)(i + 1) };
		struct dp_flow_key k;
		bool a;

		dp_flow_key_make(&k, 4, 17, src, dst, (uint16_t)(1024 + i), 9, &a);
		if (!dp_flow_insert(t, 0, &k, dp_flow_hash(&k), 0, &init)) {
			fprintf(stderr, "rampart-flowbench: table full at %lu flows\n", i);
			return 1;
		}
	}
	t0 = __rdtsc();
	for (unsigned long p = 0; p < packets; p += BURST) {
		struct dp_flow_key k[BURST];
		uint64_t h[BURST];
		bool a[BURST];

		/* as the worker: keys and hashes of a burst first, buckets
		 * prefetched (--prefetch), then the lookups */
		for (unsigned j = 0; j < BURST; j++) {
			unsigned long i = (p + j) % flows;
			uint8_t src[4] = { 198, 18, (uint8_t)((i + 1) >> 8), (uint8_t)(i + 1) };

			dp_flow_key_make(&k[j], 4, 17, src, dst, (uint16_t)(1024 + i), 9, &a[j]);
			h[j] = dp_flow_hash(&k[j]);
			if (prefetch)
				dp_flow_prefetch(t, h[j]);
		}
		for (unsigned j = 0; j < BURST; j++) {
			struct dp_flow *f = dp_flow_lookup(t, &k[j], h[j]);

			if (f) {
				dp_flow_update(f, a[j] == (bool)f->opener_a, 0);
				found++;
			}
		}
	}
	packets = (packets + BURST - 1) / BURST * BURST;
	t1 = __rdtsc();
	printf("%lu flows in a table of %lu: %.1f cycles per packet (%lu found of %lu)\n", flows,
	       cap, (double)(t1 - t0) / (double)packets, (unsigned long)found, packets);
	free(mem);
	return found == packets ? 0 : 1;
}
