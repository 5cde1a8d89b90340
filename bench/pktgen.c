/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pktgen.c - rampart-pktgen's entry point: the manual (--help), the options
 * after the EAL's, port and mempool setup, and the run itself: an optional
 * warm-up, then one bounded run at a set rate or an RFC 2544 zero-loss
 * search (pktgen_rfc2544.c), then the summary and the JSON file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "bench/pktgen.h"
#include "vpn/data.h"

#define BENCH_NB_MBUFS 16383
#define BENCH_NB_DESC  1024

static const char manual[] =
	"NAME\n"
	"    rampart-pktgen - DPDK traffic generator for benchmarking packet forwarders\n"
	"\n"
	"SYNOPSIS\n"
	"    rampart-pktgen [EAL-OPTIONS] -- --dst-mac MAC [OPTIONS]\n"
	"\n"
	"DESCRIPTION\n"
	"    Sends UDP over IPv4 (or IPv6) out of one DPDK port at a set rate, counts what\n"
	"    comes back on another port (or the same one), and measures latency from a\n"
	"    TSC timestamp carried in one packet in N. Or searches the RFC 2544 zero-loss\n"
	"    throughput by bisection. Or, with --dns, sends DNS queries to a server and\n"
	"    counts its answers. Or, with --vpn, is an OpenVPN client of a rampart\n"
	"    dataplane: sends P_DATA_V2 into its tunnel, or receives what it encrypts.\n"
	"    One lcore does everything: transmit bursts paced by the\n"
	"    TSC, receive polls between them. Every run is bounded in time.\n"
	"\n"
	"    EAL options come first, up to \"--\": the lcore (-l), memory (-m, --no-huge),\n"
	"    --file-prefix, and the ports (-a PCI address, or --vdev for net_memif, net_tap,\n"
	"    net_af_packet ...). Ports are numbered in the order the EAL found them.\n"
	"\n"
	"OPTIONS\n"
	"  Ports and addresses\n"
	"    --tx-port N         port to send on (default 0)\n"
	"    --rx-port N         port to count on; may equal --tx-port (default 1, or 0\n"
	"                        when there is a single port)\n"
	"    --dst-mac MAC       destination MAC of every frame: the DUT's receiving port\n"
	"                        (required; the generator answers and sends no ARP)\n"
	"    --src-mac MAC       source MAC (default: the MAC of the transmit port)\n"
	"    --dst-ip ADDR       destination address (default 198.19.1.2, or\n"
	"                        2001:db8:2::2 with --ipv6)\n"
	"    --src-ip ADDR       source address of flow 0 (default 198.18.0.1, or\n"
	"                        2001:db8:18::1 with --ipv6); flow i has ADDR + i in the\n"
	"                        last 16 bits\n"
	"    --ipv6              send IPv6 instead of IPv4\n"
	"\n"
	"  Traffic\n"
	"    --size BYTES        frame size including CRC, 64..1518 (default 64)\n"
	"    --imix              7:4:1 mix of 64, 570 and 1518 byte frames (avg 362 B)\n"
	"    --flows N           flows, 1..%d (default 1): flow i has source address\n"
	"                        --src-ip + i (198.18.0.0 + i + 1 by default) and UDP\n"
	"                        source port 1024 + i; packets take the flows in turn\n"
	"\n"
	"  DNS\n"
	"    --dns               send DNS queries to port 53 of --dst-ip (required: the\n"
	"                        server's address) from a set of %d, in turn: 40%% A or\n"
	"                        AAAA of hostN.example.org, 20%% NXDOMAIN, 10%% each NODATA\n"
	"                        (MX), CNAME (www), wildcard (*.wild), referral (sub); every\n"
	"                        other one with EDNS (OPT, 1232 bytes); query i from flow\n"
	"                        i %% --flows (at most %d). Count the responses that come\n"
	"                        back (UDP from port 53, QR set) by rcode. No latency\n"
	"                        stamps (they would overwrite the message); not with\n"
	"                        --size or --imix. --ready-wait waits for an answer from\n"
	"                        the zone (NOERROR or NXDOMAIN) or for a packet that is not\n"
	"                        a response (a forwarder's)\n"
	"    --dns-names N       the zone has host0 .. host<N-1> (default 10000)\n"
	"\n"
	"  VPN (a rampart dataplane with vpn.dataplane = true)\n"
	"    --vpn SOCKET        be one client of the DUT's VPN data channel: once the\n"
	"                        links are up, give the dataplane listening on SOCKET a\n"
	"                        peer with fresh keys (DP_MSG_VPN, as rampart-ctrl does\n"
	"                        after a handshake; 256 random bytes stand for the TLS\n"
	"                        exporter's), outer address 198.18.0.2 port 1194 towards\n"
	"                        the DUT's 198.18.0.1 port 1194, tunnel network\n"
	"                        198.19.60.0/24. The DUT needs a static neighbour for\n"
	"                        198.18.0.2. Upstream (the default) the packets --size,\n"
	"                        --imix, --src-ip and --dst-ip describe are the inner\n"
	"                        ones: each is sent as IPv4/UDP P_DATA_V2 to the DUT,\n"
	"                        encrypted with increasing packet ids by the dataplane's\n"
	"                        own crypto code (ipsec-mb PMD, libsodium for ChaCha),\n"
	"                        and counted as the plain packet the DUT forwards;\n"
	"                        --src-ip is the peer's tunnel address (198.19.60.2 ..\n"
	"                        .254), --flows 1; --imix's large frames carry 1420-byte\n"
	"                        packets (1438-byte inner frames)\n"
	"    --vpn-down          downstream: send the packets plain to --dst-ip, the\n"
	"                        peer's tunnel address; count what the DUT encrypts\n"
	"                        towards the peer, decrypting one in %d to check its tag,\n"
	"                        packet id and inner destination. No latency stamps\n"
	"    --vpn-cipher NAME   AES-256-GCM (default), AES-128-GCM or\n"
	"                        CHACHA20-POLY1305\n"
	"\n"
	"  Rate\n"
	"    --rate PPS          offered rate in packets/s (default 0: as fast as the\n"
	"                        port accepts)\n"
	"    --rate-pct P        offered rate as P %% (0..100] of --line-rate-mbps, counting\n"
	"                        20 bytes of preamble and gap per frame\n"
	"    --line-rate-mbps M  line rate for --rate-pct (default 10000)\n"
	"\n"
	"  Length of a run\n"
	"    --duration S        seconds of traffic (default 5; at most %d)\n"
	"    --count N           stop after N packets (still at most --duration, or %d s\n"
	"                        when --duration is not given)\n"
	"    --warmup S          send at the same rate for S seconds first, uncounted\n"
	"                        (default 0, at most 60): fills caches, ARP, flow tables\n"
	"    --rx-timeout S      keep receiving S seconds after the last packet went out\n"
	"                        (default 0.2, at most 10); later arrivals count as lost\n"
	"\n"
	"  Latency\n"
	"    --latency-every N   timestamp one packet in N (default 1000, 0 with --dns;\n"
	"                        0: none)\n"
	"\n"
	"  RFC 2544 throughput (section 26.1)\n"
	"    --rfc2544           search the highest rate without loss instead of one run:\n"
	"                        a flat-out trial sets the ceiling, then bisection between\n"
	"                        --rate-min and the ceiling, one trial per step\n"
	"    --trial S           seconds per trial (default 2, at most 60)\n"
	"    --rate-min PPS      lowest rate to consider (default 10000)\n"
	"    --loss-tolerance F  loss fraction still counted as zero (default 0)\n"
	"    --resolution P      stop when the bounds are within P %% (default 2)\n"
	"    --max-trials N      at most N trials after the ceiling (default 12, at most %d);\n"
	"                        the last one tests --rate-min when nothing passed yet\n"
	"\n"
	"  Output and control\n"
	"    --json FILE         also write the results as one JSON object to FILE\n"
	"    --link-wait S       wait up to S seconds for both links (default 30)\n"
	"    --ready-wait S      then send a probe every millisecond until one comes back,\n"
	"                        up to S seconds (default 0: start at once); for a DUT\n"
	"                        that takes a while to forward after its links are up\n"
	"    --quiet             no summary, only the one-line trial reports\n"
	"    -h, --help          this manual\n"
	"\n"
	"PACKETS\n"
	"    Ethernet, IPv4 (DF set, TTL 64) or IPv6 (hop limit 64), UDP to port 9, with\n"
	"    valid checksums. A stamped packet carries 16 bytes after the UDP header: the\n"
	"    magic 0x52504c54 (\"RPLT\"), a 32-bit sequence number and the 64-bit TSC, in\n"
	"    host order; its UDP checksum is recomputed. IPv6 frames are at least 82 bytes,\n"
	"    the smallest that holds the stamp. Latency is the TSC difference at receipt,\n"
	"    so the transmit and receive ports must be on this host; it includes the\n"
	"    generator's own queueing (at full rate, mostly that). With --dns, UDP to\n"
	"    port 53 carrying query i of the set (ID i, RD clear), no stamp, as long as\n"
	"    the query is. With --vpn upstream, the inner packet (the frame without its\n"
	"    Ethernet header) after outer Ethernet, IPv4 (20 B), UDP (8 B) and the\n"
	"    P_DATA_V2 header and tag (24 B): --size 1438 carries 1420-byte packets in\n"
	"    1490-byte frames.\n"
	"\n"
	"OUTPUT\n"
	"    One line per trial (run, max, pass, loss), then a summary: packets sent and\n"
	"    received, Mpps, Gbit/s of frames with CRC, lost = sent - received, latency\n"
	"    percentiles p50/p99/p99.9 and max in microseconds (log2/linear histogram,\n"
	"    within 1.6 %%); with --dns, the answers, answers per second and their rcodes.\n"
	"    With --json, an object with the settings (size, imix, flows, ipv6, dns_mode,\n"
	"    dns_names), the headline figures at the top level (tx_pkts, rx_pkts, lost,\n"
	"    loss, tx_mpps, rx_mpps, latency_us {p50, p99, p99_9, max, ...}, with --dns\n"
	"    dns {answers, answers_per_s, noerror, nxdomain, other}; with --vpn-down\n"
	"    vpn {checked, bad}), and \"run\", or for\n"
	"    --rfc2544 \"zero_loss_mpps\", \"zero_loss\", \"max\" and \"trials\" [].\n"
	"\n"
	"EXIT STATUS\n"
	"    0 the run completed (whatever the loss); 1 setup failed, links stayed down,\n"
	"    nothing came back within --ready-wait, the JSON file could not be written,\n"
	"    or SIGINT/SIGTERM stopped the run, the dataplane refused the VPN peer, or a\n"
	"    packet the DUT encrypted failed its check (--vpn-down); 2 usage error.\n"
	"\n"
	"EXAMPLES\n"
	"    Two memif ports towards a DUT that is memif client on both sockets:\n"
	"      rampart-pktgen -l 0 --no-huge -m 256 --no-pci \\\n"
	"        --vdev net_memif0,role=server,socket=/run/b/a.sock \\\n"
	"        --vdev net_memif1,role=server,socket=/run/b/b.sock \\\n"
	"        -- --dst-mac 02:00:00:00:01:01 --rate 1000000 --duration 10\n"
	"    DNS queries to 198.18.0.1 for 10 s, the answers counted on the same port:\n"
	"      rampart-pktgen -l 0 --no-huge -m 256 --no-pci \\\n"
	"        --vdev net_memif0,role=server,socket=/run/b/a.sock -- \\\n"
	"        --dst-mac 02:00:00:00:01:01 --dns --dst-ip 198.18.0.1 --src-ip 198.18.0.2 \\\n"
	"        --flows 100 --duration 10\n"
	"    1420-byte packets into a rampart dataplane's tunnel, forwarded out of its\n"
	"    second port (both ports as in the first example):\n"
	"      rampart-pktgen ... -- --dst-mac 02:00:00:00:01:01 --vpn /run/b/dataplane.sock \\\n"
	"        --src-ip 198.19.60.3 --size 1438 --latency-every 0 --duration 10\n"
	"    Two NIC ports bound to vfio-pci, zero-loss search at 64 bytes, 1000 flows:\n"
	"      rampart-pktgen -l 2 -a 0000:3b:00.0 -a 0000:3b:00.1 -- \\\n"
	"        --dst-mac 02:00:00:00:01:01 --flows 1000 --rfc2544 --trial 10 --json r.json\n"
	"\n"
	"SEE ALSO\n"
	"    docs/bench.md, bench/run.sh (make bench), dpdk-testpmd(1), RFC 2544.\n";

static void usage(FILE *f)
{
	fprintf(f, manual, BENCH_MAX_FLOWS, BENCH_DNS_SET, BENCH_DNS_SET, BENCH_VPN_CHECK_EVERY,
		BENCH_MAX_DURATION_S, BENCH_MAX_DURATION_S, BENCH_MAX_TRIALS);
}

static void on_signal(int sig)
{
	(void)sig;
	bench_quit = true;
}

static int parse_double(const char *opt, const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < min || v > max) {
		fprintf(stderr, "rampart-pktgen: --%s: \"%s\" is not a number in %g..%g\n", opt, s,
			min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_uint(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < min || v > max) {
		fprintf(stderr, "rampart-pktgen: --%s: \"%s\" is not an integer in %llu..%llu\n",
			opt, s, (unsigned long long)min, (unsigned long long)max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_mac(const char *opt, const char *s, struct rte_ether_addr *mac)
{
	if (rte_ether_unformat_addr(s, mac) < 0) {
		fprintf(stderr, "rampart-pktgen: --%s: \"%s\" is not a MAC address\n", opt, s);
		return -EINVAL;
	}
	return 0;
}

enum {
	O_TX = 256,
	O_RX,
	O_DMAC,
	O_SMAC,
	O_DIP,
	O_SIP,
	O_V6,
	O_RATE,
	O_PCT,
	O_LINE,
	O_SIZE,
	O_IMIX,
	O_FLOWS,
	O_DNS,
	O_DNAMES,
	O_VPN,
	O_VPNDOWN,
	O_VPNCIPHER,
	O_DUR,
	O_COUNT,
	O_WARM,
	O_RXTO,
	O_LAT,
	O_2544,
	O_TRIAL,
	O_RMIN,
	O_TOL,
	O_RES,
	O_MAXT,
	O_LWAIT,
	O_RWAIT,
	O_JSON,
	O_QUIET,
};

static const struct option options[] = {
	{ "tx-port", 1, NULL, O_TX },
	{ "rx-port", 1, NULL, O_RX },
	{ "dst-mac", 1, NULL, O_DMAC },
	{ "src-mac", 1, NULL, O_SMAC },
	{ "dst-ip", 1, NULL, O_DIP },
	{ "src-ip", 1, NULL, O_SIP },
	{ "ipv6", 0, NULL, O_V6 },
	{ "rate", 1, NULL, O_RATE },
	{ "rate-pct", 1, NULL, O_PCT },
	{ "line-rate-mbps", 1, NULL, O_LINE },
	{ "size", 1, NULL, O_SIZE },
	{ "imix", 0, NULL, O_IMIX },
	{ "flows", 1, NULL, O_FLOWS },
	/* the DNS mode */
	{ "dns", 0, NULL, O_DNS },
	{ "dns-names", 1, NULL, O_DNAMES },
	/* the VPN mode */
	{ "vpn", 1, NULL, O_VPN },
	{ "vpn-down", 0, NULL, O_VPNDOWN },
	{ "vpn-cipher", 1, NULL, O_VPNCIPHER },
	{ "duration", 1, NULL, O_DUR },
	{ "count", 1, NULL, O_COUNT },
	{ "warmup", 1, NULL, O_WARM },
	{ "rx-timeout", 1, NULL, O_RXTO },
	{ "latency-every", 1, NULL, O_LAT },
	{ "rfc2544", 0, NULL, O_2544 },
	{ "trial", 1, NULL, O_TRIAL },
	{ "rate-min", 1, NULL, O_RMIN },
	{ "loss-tolerance", 1, NULL, O_TOL },
	{ "resolution", 1, NULL, O_RES },
	{ "max-trials", 1, NULL, O_MAXT },
	{ "link-wait", 1, NULL, O_LWAIT },
	{ "ready-wait", 1, NULL, O_RWAIT },
	{ "json", 1, NULL, O_JSON },
	{ "quiet", 0, NULL, O_QUIET },
	{ "help", 0, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* what the options said beyond the settings themselves: which were given */
struct given {
	bool rx, dur, dmac, lat, vpn_cipher;
	const char *dst_ip, *src_ip;
};

static int parse_one(int opt, const char *arg, struct bench_cfg *cfg, struct given *g)
{
	const char *name = "?";
	uint64_t u = 0;
	int rc = 0;

	for (const struct option *o = options; o->name; o++)
		if (o->val == opt)
			name = o->name;

	switch (opt) {
	case O_TX:
		rc = parse_uint(name, arg, 0, RTE_MAX_ETHPORTS - 1, &u);
		cfg->tx_port = (uint16_t)u;
		break;
	case O_RX:
		rc = parse_uint(name, arg, 0, RTE_MAX_ETHPORTS - 1, &u);
		cfg->rx_port = (uint16_t)u;
		g->rx = true;
		break;
	case O_DMAC:
		rc = parse_mac(name, arg, &cfg->dst_mac);
		g->dmac = true;
		break;
	case O_SMAC:
		rc = parse_mac(name, arg, &cfg->src_mac);
		cfg->have_src_mac = true;
		break;
	case O_DIP:
		g->dst_ip = arg;
		break;
	case O_SIP:
		g->src_ip = arg;
		break;
	case O_V6:
		cfg->ipv6 = true;
		break;
	case O_RATE:
		rc = parse_double(name, arg, 0, 1e9, &cfg->rate_pps);
		break;
	case O_PCT:
		rc = parse_double(name, arg, 1e-6, 100, &cfg->rate_pct);
		break;
	case O_LINE:
		rc = parse_double(name, arg, 1, 1e7, &cfg->line_rate_mbps);
		break;
	case O_SIZE:
		rc = parse_uint(name, arg, 64, 1518, &u);
		cfg->size = (unsigned)u;
		break;
	case O_IMIX:
		cfg->imix = true;
		break;
	case O_FLOWS:
		rc = parse_uint(name, arg, 1, BENCH_MAX_FLOWS, &u);
		cfg->flows = (unsigned)u;
		break;
	case O_DNS:
		cfg->dns = true;
		break;
	case O_DNAMES:
		rc = parse_uint(name, arg, 1, 100000000, &u);
		cfg->dns_names = (unsigned)u;
		break;
	case O_VPN:
		cfg->vpn_sock = arg;
		break;
	case O_VPNDOWN:
		cfg->vpn_down = true;
		break;
	case O_VPNCIPHER:
		cfg->vpn_cipher = vpn_cipher_from_name(arg);
		g->vpn_cipher = true;
		if (cfg->vpn_cipher < 0) {
			fprintf(stderr,
				"rampart-pktgen: --vpn-cipher: \"%s\" is not AES-256-GCM, "
				"AES-128-GCM or CHACHA20-POLY1305\n",
				arg);
			rc = -EINVAL;
		}
		break;
	case O_DUR:
		rc = parse_double(name, arg, 0.001, BENCH_MAX_DURATION_S, &cfg->duration_s);
		g->dur = true;
		break;
	case O_COUNT:
		rc = parse_uint(name, arg, 1, UINT64_MAX, &cfg->count);
		break;
	case O_WARM:
		rc = parse_double(name, arg, 0, 60, &cfg->warmup_s);
		break;
	case O_RXTO:
		rc = parse_double(name, arg, 0, 10, &cfg->rx_timeout_s);
		break;
	case O_LAT:
		rc = parse_uint(name, arg, 0, UINT32_MAX, &u);
		cfg->latency_every = (unsigned)u;
		g->lat = true;
		break;
	case O_2544:
		cfg->rfc2544 = true;
		break;
	case O_TRIAL:
		rc = parse_double(name, arg, 0.01, 60, &cfg->trial_s);
		break;
	case O_RMIN:
		rc = parse_double(name, arg, 1, 1e9, &cfg->rate_min_pps);
		break;
	case O_TOL:
		rc = parse_double(name, arg, 0, 1, &cfg->loss_tolerance);
		break;
	case O_RES:
		rc = parse_double(name, arg, 0.01, 50, &cfg->resolution_pct);
		break;
	case O_MAXT:
		rc = parse_uint(name, arg, 1, BENCH_MAX_TRIALS, &u);
		cfg->max_trials = (unsigned)u;
		break;
	case O_LWAIT:
		rc = parse_double(name, arg, 0, 600, &cfg->link_wait_s);
		break;
	case O_RWAIT:
		rc = parse_double(name, arg, 0, 600, &cfg->ready_wait_s);
		break;
	case O_JSON:
		cfg->json_path = arg;
		break;
	case O_QUIET:
		cfg->quiet = true;
		break;
	default:
		rc = -EINVAL;
	}
	return rc;
}

static int parse_args(int argc, char **argv, struct bench_cfg *cfg)
{
	struct given g = { 0 };
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			exit(0);
		}
		if (parse_one(opt, optarg, cfg, &g) < 0)
			goto bad;
	}
	if (optind < argc) {
		fprintf(stderr, "rampart-pktgen: unexpected argument \"%s\"\n", argv[optind]);
		goto bad;
	}
	if (!g.dmac) {
		fprintf(stderr, "rampart-pktgen: --dst-mac is required\n");
		goto bad;
	}
	if (cfg->rate_pps > 0 && cfg->rate_pct > 0) {
		fprintf(stderr, "rampart-pktgen: --rate and --rate-pct exclude each other\n");
		goto bad;
	}
	if (cfg->imix && cfg->size != 64) {
		fprintf(stderr, "rampart-pktgen: --imix and --size exclude each other\n");
		goto bad;
	}
	if (cfg->dns) {
		if (!g.dst_ip) {
			fprintf(stderr,
				"rampart-pktgen: --dns needs --dst-ip, the server's address\n");
			goto bad;
		}
		if (cfg->imix || cfg->size != 64) {
			fprintf(stderr, "rampart-pktgen: --dns sends queries as long as they are: "
					"no --size or --imix\n");
			goto bad;
		}
		if (g.lat && cfg->latency_every) {
			fprintf(stderr, "rampart-pktgen: --dns has no latency stamps\n");
			goto bad;
		}
		if (cfg->flows > BENCH_DNS_SET) {
			fprintf(stderr, "rampart-pktgen: --dns: at most %d flows\n", BENCH_DNS_SET);
			goto bad;
		}
		cfg->latency_every = 0;
	}
	if ((cfg->vpn_down || g.vpn_cipher) && !cfg->vpn_sock) {
		fprintf(stderr, "rampart-pktgen: --vpn-down and --vpn-cipher go with --vpn\n");
		goto bad;
	}
	if (cfg->vpn_sock) {
		if (cfg->dns || cfg->ipv6) {
			fprintf(stderr, "rampart-pktgen: --vpn sends IPv4 UDP: not with --dns or "
					"--ipv6\n");
			goto bad;
		}
		if (!cfg->vpn_down && cfg->flows != 1) {
			fprintf(stderr, "rampart-pktgen: --vpn upstream: one flow, from the peer's "
					"tunnel address\n");
			goto bad;
		}
		if (cfg->vpn_down) {
			if (g.lat && cfg->latency_every) {
				fprintf(stderr,
					"rampart-pktgen: --vpn-down: no latency stamps (the "
					"packets come back encrypted)\n");
				goto bad;
			}
			cfg->latency_every = 0;
		}
	}
	if (cfg->count && !g.dur)
		cfg->duration_s = BENCH_MAX_DURATION_S;
	if (!g.rx && rte_eth_dev_count_avail() < 2)
		cfg->rx_port = 0;
	if (!g.dst_ip)
		g.dst_ip = cfg->ipv6 ? "2001:db8:2::2" : "198.19.1.2";
	if (!g.src_ip)
		g.src_ip = cfg->ipv6 ? "2001:db8:18::1" : "198.18.0.1";
	if (inet_pton(cfg->ipv6 ? AF_INET6 : AF_INET, g.dst_ip, cfg->dst_ip) != 1) {
		fprintf(stderr, "rampart-pktgen: --dst-ip: \"%s\" is not an %s address\n", g.dst_ip,
			cfg->ipv6 ? "IPv6" : "IPv4");
		goto bad;
	}
	if (inet_pton(cfg->ipv6 ? AF_INET6 : AF_INET, g.src_ip, cfg->src_base) != 1) {
		fprintf(stderr, "rampart-pktgen: --src-ip: \"%s\" is not an %s address\n", g.src_ip,
			cfg->ipv6 ? "IPv6" : "IPv4");
		goto bad;
	}
	if (cfg->rate_pct > 0) {
		double avg = bench_frame_avg(cfg);

		cfg->rate_pps = cfg->rate_pct / 100 * cfg->line_rate_mbps * 1e6 / ((avg + 20) * 8);
	}
	return 0;
bad:
	fprintf(stderr, "Try 'rampart-pktgen --help'.\n");
	return -EINVAL;
}

static int port_setup(uint16_t port, struct rte_mempool *pool)
{
	struct rte_eth_conf conf = { 0 };
	uint16_t nb_rxd = BENCH_NB_DESC, nb_txd = BENCH_NB_DESC;
	int rc;

	rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc < 0)
		return rc;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (rc < 0)
		return rc;
	rc = rte_eth_rx_queue_setup(port, 0, nb_rxd, rte_eth_dev_socket_id(port), NULL, pool);
	if (rc < 0)
		return rc;
	rc = rte_eth_tx_queue_setup(port, 0, nb_txd, rte_eth_dev_socket_id(port), NULL);
	if (rc < 0)
		return rc;
	rc = rte_eth_dev_start(port);
	if (rc < 0)
		return rc;
	/* frames come back with the DUT's rewritten MACs, or a test MAC on a mirror */
	rte_eth_promiscuous_enable(port);
	return 0;
}

static bool links_up(const struct bench_cfg *cfg)
{
	struct rte_eth_link a, b;

	return rte_eth_link_get_nowait(cfg->tx_port, &a) == 0 && a.link_status &&
	       rte_eth_link_get_nowait(cfg->rx_port, &b) == 0 && b.link_status;
}

static int wait_links(const struct bench_cfg *cfg)
{
	uint64_t deadline = rte_rdtsc() + (uint64_t)(cfg->link_wait_s * (double)rte_get_tsc_hz());

	while (!links_up(cfg) && rte_rdtsc() < deadline && !bench_quit)
		rte_delay_ms(20);
	if (!links_up(cfg)) {
		fprintf(stderr, "rampart-pktgen: links of ports %u and %u not up after %.0f s\n",
			cfg->tx_port, cfg->rx_port, cfg->link_wait_s);
		return -ENETDOWN;
	}
	return 0;
}

static int setup(struct bench_cfg *cfg)
{
	int rc;

	if (!rte_eth_dev_is_valid_port(cfg->tx_port) || !rte_eth_dev_is_valid_port(cfg->rx_port)) {
		fprintf(stderr, "rampart-pktgen: ports %u/%u: no such port (%u available)\n",
			cfg->tx_port, cfg->rx_port, rte_eth_dev_count_avail());
		return -ENODEV;
	}
	cfg->pool = rte_pktmbuf_pool_create("bench_pool", BENCH_NB_MBUFS, 256, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!cfg->pool) {
		fprintf(stderr, "rampart-pktgen: mbuf pool: %s\n", rte_strerror(rte_errno));
		return -rte_errno;
	}
	rc = port_setup(cfg->tx_port, cfg->pool);
	if (rc == 0 && cfg->rx_port != cfg->tx_port)
		rc = port_setup(cfg->rx_port, cfg->pool);
	if (rc < 0) {
		fprintf(stderr, "rampart-pktgen: port setup: %s\n", rte_strerror(-rc));
		return rc;
	}
	if (!cfg->have_src_mac)
		rte_eth_macaddr_get(cfg->tx_port, &cfg->src_mac);
	rc = bench_templates_build(cfg);
	if (rc < 0) {
		fprintf(stderr, "rampart-pktgen: packet templates: %s\n", strerror(-rc));
		return rc;
	}
	if (cfg->vpn_sock && (rc = bench_vpn_init(cfg)) < 0)
		return rc;
	rc = wait_links(cfg);
	/* the DUT's links are up: its dataplane listens, or soon will */
	if (rc == 0 && cfg->vpn_sock)
		rc = bench_vpn_push(cfg, RTE_MAX(cfg->ready_wait_s, 10.0));
	if (rc == 0 && cfg->ready_wait_s > 0) {
		rc = bench_wait_ready(cfg, cfg->ready_wait_s);
		if (rc == -ETIMEDOUT)
			fprintf(stderr,
				"rampart-pktgen: nothing came back on port %u within %.0f s\n",
				cfg->rx_port, cfg->ready_wait_s);
	}
	return rc;
}

static void teardown(void)
{
	uint16_t p;

	RTE_ETH_FOREACH_DEV(p)
	{
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	bench_templates_free();
	rte_eal_cleanup();
}

static int run(const struct bench_cfg *cfg)
{
	static struct bench_result trials[BENCH_MAX_TRIALS];
	struct bench_result r, max = { 0 };
	unsigned n_trials = 0;
	int rc;

	if (cfg->warmup_s > 0) {
		rc = bench_trial(cfg, cfg->rate_pps, cfg->warmup_s, &r);
		if (!cfg->quiet)
			bench_print_trial("warmup", &r);
		if (rc < 0)
			return rc;
	}
	if (cfg->rfc2544) {
		rc = bench_rfc2544(cfg, &max, trials, &n_trials, &r);
	} else {
		rc = bench_trial(cfg, cfg->rate_pps, cfg->duration_s, &r);
		bench_print_trial("run", &r);
	}
	if (!cfg->quiet)
		bench_print_summary(cfg, &r);
	if (rc < 0)
		return rc;
	if (cfg->json_path) {
		rc = bench_json_write(cfg, &r, &max, trials, n_trials);
		if (rc < 0) {
			fprintf(stderr, "rampart-pktgen: %s: %s\n", cfg->json_path, strerror(-rc));
			return rc;
		}
	}
	if (r.vpn_bad) {
		fprintf(stderr,
			"rampart-pktgen: %lu of %lu packets the DUT encrypted failed their check\n",
			(unsigned long)r.vpn_bad, (unsigned long)r.vpn_checked);
		return -EBADMSG;
	}
	return 0;
}

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct bench_cfg cfg = {
		.rx_port = 1,
		.line_rate_mbps = 10000,
		.size = 64,
		.flows = 1,
		.dns_names = 10000,
		.vpn_cipher = VPN_AES_256_GCM,
		.duration_s = 5,
		.rx_timeout_s = 0.2,
		.latency_every = 1000,
		.trial_s = 2,
		.rate_min_pps = 10000,
		.resolution_pct = 2,
		.max_trials = 12,
		.link_wait_s = 30,
	};
	int n, rc;

	/* the manual without starting the EAL, wherever -h/--help is */
	if (wants_help(argc, argv)) {
		usage(stdout);
		return 0;
	}
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "rampart-pktgen: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	/* the EAL leaves the program name in argv[n], in front of our options */
	if (parse_args(argc - n, argv + n, &cfg) < 0) {
		rte_eal_cleanup();
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = setup(&cfg);
	if (rc == 0)
		rc = run(&cfg);
	if (rc == -EINTR)
		fprintf(stderr, "rampart-pktgen: stopped by a signal\n");
	teardown();
	return rc < 0 ? 1 : 0;
}
