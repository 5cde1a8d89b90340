#!/usr/bin/env bash
# The DNS benchmark (docs/bench.md, "DNS"): the same zone and the same query
# mix through the same path, dnsperf in one namespace, the server in another,
# side by side in one run:
#
#   rpdb-cli: dnsperf, core 0          rpdb-srv: the server, core 1
#     cli0 198.18.2.2/24 ──── veth ────  srv0 198.18.2.1/24
#
#   - NSD (one server process), answering through the kernel;
#   - Knot DNS (one UDP worker), the same way;
#   - rampart's fast path, the dataplane on srv0 through AF_PACKET;
#   - rampart-dnsbench: the responder alone (no packets), the fast path's
#     own cost;
#   - rampart's fast path on memif, from bench/run.sh's dns_memif (the same
#     zone and mix from rampart-pktgen --dns) when its report.json is in the
#     report directory (make bench runs it just before).
#
# Queries per second as dnsperf counts them, and cycles per query: for NSD and
# Knot their core's busy time (/proc/stat) over the run, for rampart
# busy_cycles per packet. Every process runs under a time limit, the whole
# script too; on exit, failure or signal everything it started is stopped and
# its namespaces and files removed. Results: dns.md and raw/dns.* in the
# report directory.
#
# Usage: bench/dns.sh [--quick] [--out DIR]
#   --quick   3 s runs (a smoke test, under a minute)
#   --out     report directory (default bench/report)
# Environment: BUILD (build directory, default build/), DNS_BENCH_TIMEOUT
# (seconds for the whole run, default 300), RAMPART_BENCH_LOCK_HELD=1 when the
# caller (bench/run.sh) already holds /run/lock/rampart-bench.lock.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"

bench_bounded RAMPART_DNSBENCH_BOUNDED "${DNS_BENCH_TIMEOUT:-300}" "$@"

BUILD=${BUILD:-$top/build}
OUT=$top/bench/report
QUICK=0
bench_options "dns bench" 30 "$@"
[ "$(id -u)" -eq 0 ] || { echo "dns bench: needs root (sudo bench/dns.sh)" >&2; exit 1; }
for c in nsd knotd knotc dnsperf ip; do
	command -v $c >/dev/null || { echo "dns bench: $c not found (make deps)" >&2; exit 1; }
done
DATAPLANE=$BUILD/dataplane/rampart-dataplane
CTRL=$BUILD/ctrl/rampart-ctrl
CLI=$BUILD/ctrl/rampart
DNSBENCH=$BUILD/bench/rampart-dnsbench
for f in "$DATAPLANE" "$CTRL" "$CLI" "$DNSBENCH"; do
	[ -x "$f" ] || { echo "dns bench: $f not built (make)" >&2; exit 1; }
done

DUR=10 NAMES=10000
RUN_LIMIT=120 # seconds any one process may run
[ $QUICK = 1 ] && DUR=3
NS_CLI=rpdb-cli NS_SRV=rpdb-srv
bench_lock "dns bench"
RUN=$(mktemp -d /run/rampart-dnsbench.XXXXXX)
PREFIX=rpdb-$$
RAW=$OUT/raw
mkdir -p "$RAW"
rm -f "$RAW"/dns.* "$OUT/dns.md"
pids=()
cleanup() {
	local rc=$?
	trap '' INT TERM
	trap - EXIT
	stop_spawned
	ip netns del $NS_CLI 2>/dev/null || true
	ip netns del $NS_SRV 2>/dev/null || true
	rm -rf "$RUN" /var/run/dpdk/"$PREFIX"-dp
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

in_srv() { ip netns exec $NS_SRV "$@"; }
in_cli() { ip netns exec $NS_CLI "$@"; }
cpu_busy() { awk '$1 == "cpu1" { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
hz() { awk -F: '/^cpu MHz/ { printf "%d\n", $2 * 1e6; exit }' /proc/cpuinfo; }

# the zone (as rampart-dnsbench builds it) and a query mix over it
dns_zone $NAMES 198.18.2.1 >"$RUN/example.org.zone"
awk -v n=$NAMES 'BEGIN { srand(1); for (i = 0; i < 10000; i++) { k = int(rand() * 10); h = int(rand() * n);
	if (k < 4) printf "host%d.example.org %s\n", h, (k % 2 ? "AAAA" : "A");
	else if (k < 6) printf "nohost%d.example.org A\n", h;
	else if (k == 6) printf "host%d.example.org MX\n", h;
	else if (k == 7) print "www.example.org A";
	else if (k == 8) printf "x%d.wild.example.org A\n", h;
	else printf "h%d.sub.example.org A\n", h } }' >"$RUN/queries"

net_up() {
	ip netns del $NS_CLI 2>/dev/null || true
	ip netns del $NS_SRV 2>/dev/null || true
	ip netns add $NS_CLI
	ip netns add $NS_SRV
	ip link add cli0 netns $NS_CLI type veth peer name srv0 netns $NS_SRV
	for ns in $NS_CLI $NS_SRV; do ip -n "$ns" link set lo up; done
	ip -n $NS_CLI addr add 198.18.2.2/24 dev cli0
	ip -n $NS_CLI link set cli0 up
	ip -n $NS_SRV link set srv0 up
	in_cli ethtool -K cli0 tx off >/dev/null 2>&1 || true
	in_srv ethtool -K srv0 tx off >/dev/null 2>&1 || true
}

# perf NAME: dnsperf for DUR seconds; the DUT core's busy time around it
perf() {
	local b0 b1
	b0=$(cpu_busy)
	timeout $((DUR + 20)) ip netns exec $NS_CLI taskset -c 0 dnsperf -s 198.18.2.1 \
		-d "$RUN/queries" -l "$DUR" -c 8 -q 200 >"$RAW/dns.$1.dnsperf" 2>&1 || true
	b1=$(cpu_busy)
	QPS=$(awk '/Queries per second:/ { print $4 }' "$RAW/dns.$1.dnsperf")
	LOST=$(awk '/Queries lost:/ { print $3 }' "$RAW/dns.$1.dnsperf")
	BUSY_S=$(awk -v a="$b0" -v b="$b1" -v t="$(getconf CLK_TCK)" 'BEGIN { print (b - a) / t }')
}

# the busy-time figures of NSD and Knot count whatever else runs on core 1
BUSY_BEFORE=$(busy_cores)
echo "dns bench: ${DUR}s runs, $NAMES names, dnsperf on core 0, the server on core 1;" \
	"other load now: $BUSY_BEFORE of $(nproc) cores busy"
HZ=$(hz)

# ---- NSD
net_up
in_srv ip addr add 198.18.2.1/24 dev srv0
mkdir -p "$RUN/nsd"
cat >"$RUN/nsd.conf" <<EOF
server:
	ip-address: 198.18.2.1
	port: 53
	server-count: 1
	username: ""
	chroot: ""
	zonesdir: "$RUN"
	database: ""
	pidfile: "$RUN/nsd/nsd.pid"
	xfrdfile: "$RUN/nsd/xfrd.state"
	zonelistfile: "$RUN/nsd/zone.list"
	logfile: "$RAW/dns.nsd.log"
	verbosity: 0
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
remote-control:
	control-enable: no
zone:
	name: example.org
	zonefile: "$RUN/example.org.zone"
EOF
spawn nsd_pid "$RAW/dns.nsd.out" ip netns exec $NS_SRV taskset -c 1 nsd -d -c "$RUN/nsd.conf"
for _ in $(seq 50); do in_srv ss -lunH 'sport = :53' | grep -q . && break; sleep 0.2; done
perf nsd
NSD_QPS=${QPS:-0} NSD_LOST=${LOST:-?}
NSD_CYC=$(awk -v s="$BUSY_S" -v h="$HZ" -v q="$NSD_QPS" -v d="$DUR" \
	'BEGIN { if (q > 0) printf "%.0f", s * h / (q * d); else print "n/a" }')
stop_spawned
pids=()
echo "  NSD: $NSD_QPS queries/s ($NSD_LOST lost), $NSD_CYC cycles per query on its core"

# ---- Knot DNS the same way: one UDP worker (with the one TCP and background
# worker it cannot do without) on the same core; no response rate limiting
# (mod-rrl is not loaded), the zone never written back or journalled
net_up
in_srv ip addr add 198.18.2.1/24 dev srv0
mkdir -p "$RUN/knot"
cat >"$RUN/knot.conf" <<EOF
server:
    rundir: "$RUN/knot"
    listen: 198.18.2.1@53
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: warning
control:
    listen: "$RUN/knot/knot.sock"
database:
    storage: "$RUN/knot"
template:
  - id: default
    storage: "$RUN"
    file: "example.org.zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
  - domain: example.org
EOF
spawn knot_pid "$RAW/dns.knot.log" ip netns exec $NS_SRV taskset -c 1 knotd -c "$RUN/knot.conf"
# knotd binds its sockets before it loads the zone: wait for the zone's serial
for _ in $(seq 100); do
	timeout 3 knotc -s "$RUN/knot/knot.sock" zone-status example.org 2>/dev/null |
		grep -qE 'serial: 1( |$)' && break
	sleep 0.2
done
# knotd pins UDP worker i to CPU i of all those online, whatever its own mask
# (here: core 0, dnsperf's): put every thread back on core 1
if ! taskset -a -pc 1 "$(cat "$RUN/knot/knot.pid" 2>/dev/null)" >/dev/null 2>&1; then
	echo "dns bench: could not pin knotd's threads to core 1" >&2
fi
perf knot
KNOT_QPS=${QPS:-0} KNOT_LOST=${LOST:-?}
KNOT_CYC=$(awk -v s="$BUSY_S" -v h="$HZ" -v q="$KNOT_QPS" -v d="$DUR" \
	'BEGIN { if (q > 0) printf "%.0f", s * h / (q * d); else print "n/a" }')
stop_spawned
pids=()
echo "  Knot: $KNOT_QPS queries/s ($KNOT_LOST lost), $KNOT_CYC cycles per query on its core"

# ---- rampart's fast path on the same veth
net_up
ip -n $NS_SRV link set srv0 arp off
in_srv sysctl -qw net.ipv6.conf.srv0.disable_ipv6=1
cat >"$RUN/rampart.conf" <<EOF
dataplane = {
	lcores = "0-1";
	main_lcore = 0;
	memory_mb = 256;
	hugepages = "off";
	file_prefix = "$PREFIX-dp";
	socket = "$RUN/dataplane.sock";
	punt = "";
	mbufs = 8191;
};
ctrl = { socket = "$RUN/ctrl.sock"; };
ports = ( { name = "srv"; devargs = "net_af_packet0,iface=srv0,qpairs=1"; addresses = [ "198.18.2.1/24" ]; } );
dns = { zones = ( { name = "example.org"; file = "$RUN/example.org.zone"; } ); };
EOF
spawn dp_pid "$RAW/dns.dataplane.log" ip netns exec $NS_SRV "$DATAPLANE" -c "$RUN/rampart.conf"
for _ in $(seq 100); do [ -S "$RUN/dataplane.sock" ] && break; sleep 0.2; done
spawn ctl_pid "$RAW/dns.ctrl.log" ip netns exec $NS_SRV taskset -c 0 "$CTRL" -c "$RUN/rampart.conf"
for _ in $(seq 100); do
	timeout 3 "$CLI" -s "$RUN/ctrl.sock" dns zones 2>/dev/null | grep -q "^in service" && break
	sleep 0.2
done
s0=$(timeout 5 "$CLI" -s "$RUN/ctrl.sock" --json stats 2>/dev/null || echo '{}')
perf rampart
s1=$(timeout 5 "$CLI" -s "$RUN/ctrl.sock" --json stats 2>/dev/null || echo '{}')
R_QPS=${QPS:-0} R_LOST=${LOST:-?}
R_CYC=$(jq -rn --argjson a "$s0" --argjson b "$s1" '(($b.totals.busy_cycles // 0) - ($a.totals.busy_cycles // 0)) as $c |
	(($b.totals.rx_pkts // 0) - ($a.totals.rx_pkts // 0)) as $p | if $p > 0 then ($c / $p | round) else "n/a" end')
R_ANS=$(jq -rn --argjson a "$s0" --argjson b "$s1" '($b.totals.dns_queries // 0) - ($a.totals.dns_queries // 0)')
echo "  rampart (AF_PACKET): $R_QPS queries/s ($R_LOST lost), $R_CYC cycles per packet, $R_ANS answered by the fast path"
stop_spawned
pids=()

# ---- the responder alone
ALONE=$("$DNSBENCH" --names $NAMES --queries $((DUR * 1000000)) | tee "$RAW/dns.dnsbench")
A_CYC=$(sed -n 's/.*: \([0-9.]*\) cycles per query.*/\1/p' <<<"$ALONE")
echo "  rampart-dnsbench: $A_CYC cycles per query (responder alone)"

# ---- rampart's fast path on memif: run.sh's dns_memif, same zone and mix,
# when its report.json is in the same folder (make bench runs it just before)
M_QPS=n/a M_CYC=n/a M_DATE="" MEMIF=""
if [ -s "$OUT/report.json" ]; then
	MEMIF=$(jq -r '.date as $d | .scenarios[]? | select(.id == "dns_memif")
		| .duts["rampart-dns"] // empty | select(.available == true)
		| [(.dns.answers_per_s // "n/a" | if type == "number" then round else . end),
		   (.cycles_per_packet // "n/a" | if type == "number" then round else . end), $d]
		| map(tostring) | join(" ")' "$OUT/report.json" 2>/dev/null | head -1) || true
fi
if [ -n "$MEMIF" ]; then read -r M_QPS M_CYC M_DATE <<<"$MEMIF"; fi
[ -n "$M_DATE" ] && echo "  rampart (memif, run.sh dns_memif of $M_DATE): $M_QPS answers/s, $M_CYC cycles per query"

BUSY_AFTER=$(busy_cores)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.1fx", a / b; else print "n/a" }'; }
cat >"$OUT/dns.md" <<EOF
# DNS benchmark

$(date -Iseconds), $(nproc) cores, clock $(awk -v h="$HZ" 'BEGIN { printf "%.2f GHz", h / 1e9 }'), $NAMES names, ${DUR} s runs; dnsperf (8 clients, 200 outstanding) on core 0, the server on core 1, between two namespaces over veth, NSD, Knot and rampart one after the other. Queries: 40% A/AAAA of existing names, 20% NXDOMAIN, 10% each NODATA, CNAME, wildcard, referral. Other load: $BUSY_BEFORE cores busy before the runs, $BUSY_AFTER after$(awk -v a="$BUSY_BEFORE" -v b="$BUSY_AFTER" 'BEGIN { if (a > 0.2 || b > 0.2) print " - figures are disturbed (NSD and Knot are charged for all of core 1)" }').

| server | queries/s | lost | cycles per query |
|---|---:|---:|---:|
| NSD $(nsd -v 2>&1 | head -1 | awk '{ print $3 }'), 1 server process | $NSD_QPS | $NSD_LOST | $NSD_CYC (its core's busy time) |
| Knot $(knotd --version 2>&1 | awk '{ print $NF; exit }'), 1 UDP worker | $KNOT_QPS | $KNOT_LOST | $KNOT_CYC (its core's busy time) |
| rampart fast path, AF_PACKET | $R_QPS | $R_LOST | $R_CYC (busy_cycles per packet) |
| rampart fast path, memif (report.md, dns_memif$([ -n "$M_DATE" ] && echo ", $M_DATE"); rampart-pktgen --dns) | $M_QPS | - | $M_CYC (busy_cycles per packet) |
| rampart responder alone (rampart-dnsbench) | - | - | $A_CYC |

Per core (cycles per query): NSD / rampart on memif $(ratio "$NSD_CYC" "$M_CYC"); Knot / rampart on memif $(ratio "$KNOT_CYC" "$M_CYC"); NSD / rampart on AF_PACKET $(ratio "$NSD_CYC" "$R_CYC"); Knot / rampart on AF_PACKET $(ratio "$KNOT_CYC" "$R_CYC"); NSD / rampart's responder alone $(ratio "$NSD_CYC" "$A_CYC"); Knot / rampart's responder alone $(ratio "$KNOT_CYC" "$A_CYC"). Over veth the servers are limited by what dnsperf sends on one core; rampart's cycles on AF_PACKET are mostly the PMD's system calls (see NAT in bench.md), which NIC and memif ports do not have; the memif row is the one the target is read from: the fast path at >= 10x NSD per core.
EOF
echo "dns bench: report in $OUT/dns.md"
