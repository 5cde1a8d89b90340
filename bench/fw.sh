#!/usr/bin/env bash
# The firewall benchmark (docs/bench.md, "Firewall"): rampart-fwbench times
# checking, compiling and building 1, 100, 10 000 and 100 000 random rules and
# the classifier's lookups; then the same rules filter forwarded traffic, side
# by side in one run, in Linux (nftables, and plain kernel forwarding without
# rules) and in rampart, between the same two network namespaces:
#
#   rpfb-gen: rampart-pktgen, lcore 0   rpfb-dut: the device under test
#     gen0  ──── veth ──────────────────►  dut0  198.18.1.1/24  (rampart: "lan")
#     sink0 ◄─── veth ───────────────────  dut1  198.19.1.1/24  (rampart: "wan")
#     (198.19.1.2, a static neighbour of the DUT)
#
# Every process runs under a time limit, the whole script too; on exit,
# failure or signal everything it started is stopped, its namespaces deleted
# and its temporary files removed. Results: fw.json, fw.md and raw/ in the
# report directory.
#
# Usage: bench/fw.sh [--quick] [--out DIR]
#   --quick   1, 100 and 10 000 rules, 3 s runs (a smoke test, about 2 minutes)
#   --out     report directory (default bench/report)
# Environment: BUILD (build directory, default build/), FW_BENCH_TIMEOUT
# (seconds for the whole run, default 900), RAMPART_BENCH_LOCK_HELD=1 when the
# caller (bench/run.sh) already holds /run/lock/rampart-bench.lock.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"

# the whole run is bounded; the TERM this sends runs the cleanup below
bench_bounded RAMPART_FWBENCH_BOUNDED "${FW_BENCH_TIMEOUT:-900}" "$@"

BUILD=${BUILD:-$top/build}
OUT=$top/bench/report
QUICK=0
bench_options "fw bench" 23 "$@"
[ "$(id -u)" -eq 0 ] || { echo "fw bench: needs root (sudo bench/fw.sh)" >&2; exit 1; }

FWBENCH=$BUILD/bench/rampart-fwbench
PKTGEN=$BUILD/bench/rampart-pktgen
DATAPLANE=$BUILD/dataplane/rampart-dataplane
CTRL=$BUILD/ctrl/rampart-ctrl
CLI=$BUILD/ctrl/rampart
for f in "$FWBENCH" "$PKTGEN"; do
	[ -x "$f" ] || { echo "fw bench: $f not built (make)" >&2; exit 1; }
done
for c in nft jq ip; do
	command -v $c >/dev/null ||
		{ echo "fw bench: $c not found (apt-get install nftables jq iproute2)" >&2; exit 1; }
done

if [ $QUICK = 1 ]; then
	SIZES="1 100 10000"; DUR=3; WARM=0.5; LOOKUPS=200000
else
	SIZES="1 100 10000 100000"; DUR=10; WARM=1; LOOKUPS=2000000
fi
SEED=1
FLOWS=1000
RUN_LIMIT=$((DUR + 90)) # seconds any one process may run
SYNC_WAIT=20            # seconds for rampart-ctrl to report in_sync
NS_GEN=rpfb-gen
NS_DUT=rpfb-dut
GEN_CPU=0 DUT_CPU=1     # the generator's core, and the DUT's (rampart's worker, kernel RPS)
GEN_MAC=02:72:70:66:00:01
DUT0_MAC=02:72:70:66:00:02
DUT1_MAC=02:72:70:66:00:03
SINK_MAC=02:72:70:66:00:04 # 198.19.1.2, the DUT's static neighbour

# One bench at a time: two would share the cores and measure each other.
bench_lock "fw bench"

RUN=$(mktemp -d /run/rampart-fwbench.XXXXXX)
PREFIX=rpfb-$$ # EAL file prefixes: $PREFIX-pg, $PREFIX-dp
pids=()
cleanup() {
	local rc=$?
	trap '' INT TERM
	trap - EXIT
	# each child is `timeout CMD` in its own process group: TERM is passed on
	stop_spawned
	# deleting the namespaces deletes the veths and the nft table in them
	ip netns del $NS_GEN 2>/dev/null || true
	ip netns del $NS_DUT 2>/dev/null || true
	rm -rf "$RUN" /var/run/dpdk/"$PREFIX"-pg /var/run/dpdk/"$PREFIX"-dp
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

RAW=$OUT/raw
mkdir -p "$RAW"
rm -f "$RAW"/fw.* "$OUT/fw.json" "$OUT/fw.md"

ms_now() { echo $(($(date +%s%N) / 1000000)); }

in_dut() { ip netns exec $NS_DUT "$@"; }
in_gen() { ip netns exec $NS_GEN "$@"; }

# ---- the namespaces ----

net_up() {
	ip netns del $NS_GEN 2>/dev/null || true # left by a run killed with KILL
	ip netns del $NS_DUT 2>/dev/null || true
	ip netns add $NS_GEN
	ip netns add $NS_DUT
	ip link add gen0 address $GEN_MAC netns $NS_GEN type veth \
		peer name dut0 address $DUT0_MAC netns $NS_DUT
	ip link add sink0 address $SINK_MAC netns $NS_GEN type veth \
		peer name dut1 address $DUT1_MAC netns $NS_DUT
	local ns i
	for ns in $NS_GEN $NS_DUT; do
		ip -n "$ns" link set lo up
		for i in gen0 sink0 dut0 dut1; do
			ip -n "$ns" link show $i >/dev/null 2>&1 || continue
			ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1"
			# full checksums, no segmentation offload: frames as from a wire
			ip netns exec "$ns" ethtool -K $i tx off tso off gso off gro off \
				>/dev/null 2>&1 || true
			ip -n "$ns" link set $i up
		done
	done
	# the generator's kernel only hands the frames to rampart-pktgen
	ip -n $NS_GEN link set gen0 arp off
	ip -n $NS_GEN link set sink0 arp off
}

# The kernel of rpfb-dut forwards: addresses, a static neighbour, no reverse
# path filter (the sources, 198.18.0.0/16, are not on dut0's prefix), and RPS
# puts the forwarding on the DUT's core, as rampart's worker is.
dut_kernel() {
	local i
	ip -n $NS_DUT addr add 198.18.1.1/24 dev dut0
	ip -n $NS_DUT addr add 198.19.1.1/24 dev dut1
	ip -n $NS_DUT link set dut0 arp on
	ip -n $NS_DUT link set dut1 arp on
	ip -n $NS_DUT neigh replace 198.19.1.2 lladdr $SINK_MAC dev dut1 nud permanent
	in_dut sysctl -qw net.ipv4.ip_forward=1
	for i in all default dut0 dut1; do in_dut sysctl -qw "net.ipv4.conf.$i.rp_filter=0"; done
	in_dut sh -c "printf %x $((1 << DUT_CPU)) >/sys/class/net/dut0/queues/rx-0/rps_cpus" || true
}

# rampart owns dut0 and dut1 through AF_PACKET: the kernel of rpfb-dut sees the
# same frames and must neither forward nor answer them (as scripts/lab.sh).
dut_rampart() {
	local i
	in_dut nft delete table inet rampart_bench 2>/dev/null || true
	ip -n $NS_DUT neigh flush dev dut1 2>/dev/null || true
	ip -n $NS_DUT addr flush dev dut0
	ip -n $NS_DUT addr flush dev dut1
	in_dut sysctl -qw net.ipv4.ip_forward=0
	for i in all dut0 dut1; do in_dut sysctl -qw "net.ipv4.conf.$i.rp_filter=1"; done
	ip -n $NS_DUT link set dut0 arp off
	ip -n $NS_DUT link set dut1 arp off
	in_dut sh -c 'echo 0 >/sys/class/net/dut0/queues/rx-0/rps_cpus' || true
}

# ---- traffic ----

# traffic NAME: one bounded run of the generator; sets MPPS to the rx Mpps or
# "n/a" (TX to the tx Mpps), and leaves fw.NAME.pktgen.{log,json} (and
# fw.NAME.na with the reason) in raw/
MPPS=n/a TX=n/a
traffic() {
	local name=$1 pg
	MPPS=n/a TX=n/a
	spawn pg "$RAW/fw.$name.pktgen.log" ip netns exec $NS_GEN \
		taskset -c $GEN_CPU "$PKTGEN" -l $GEN_CPU --no-huge -m 512 --no-pci \
		--file-prefix "$PREFIX-pg" --log-level=lib.eal:error \
		--vdev net_af_packet0,iface=gen0 --vdev net_af_packet1,iface=sink0 \
		-- --dst-mac $DUT0_MAC --tx-port 0 --rx-port 1 --flows $FLOWS --rate 0 \
		--duration $DUR --warmup $WARM --link-wait 10 --ready-wait 10 \
		--json "$RAW/fw.$name.pktgen.json"
	if ! wait "$pg"; then
		echo "rampart-pktgen failed: $(grep -v TELEMETRY "$RAW/fw.$name.pktgen.log" | tail -1)" \
			>"$RAW/fw.$name.na"
		MPPS="n/a ($(cat "$RAW/fw.$name.na"))"
		return 0
	fi
	MPPS=$(jq -r '.rx_mpps' "$RAW/fw.$name.pktgen.json")
	TX=$(jq -r '.tx_mpps' "$RAW/fw.$name.pktgen.json")
	record "tx_mpps.$name" "$(num_or_null "$TX")"
}

# record KEY VALUE...: one figure for fw.json (JSON values)
record() {
	printf '%s\t%s\n' "$1" "$2" >>"$RAW/fw.figures.tsv"
}

num_or_null() { # a number, or null
	case $1 in
	'' | n/a | *[!0-9.]*) echo null ;;
	*) echo "$1" ;;
	esac
}

# ---- a: the rules, and the cost of checking them ----

BUSY_BEFORE=$(busy_cores)
echo "fw bench: sizes $SIZES; ${DUR}s runs, $FLOWS flows, generator on core $GEN_CPU," \
	"DUT on core $DUT_CPU; other load now: $BUSY_BEFORE of $(nproc) cores busy"
for n in $SIZES; do
	if ! timeout -k 5 600 "$FWBENCH" --rules "$n" --seed $SEED --lookups $LOOKUPS --json \
		--write "$RUN/rules.$n" --nft "$RUN/nft.$n" --nft-ifaces lan=dut0,wan=dut1 \
		>"$RAW/fw.fwbench.$n.json" 2>"$RAW/fw.fwbench.$n.log"; then
		echo "fw bench: rampart-fwbench --rules $n failed:" \
			"$(tail -1 "$RAW/fw.fwbench.$n.log")" >&2
		exit 1
	fi
	jq -r '"fwbench   \(.rules) rules: \(.entries) entries, \(.tuples) tuples; " +
		"parse+compile+build \(.check_ms) ms; \(.lookup_mps) M lookups/s; " +
		"linear \(.linear_mps) M/s; \(.mismatches) mismatches"' "$RAW/fw.fwbench.$n.json"
done

# ---- b: Linux, plain forwarding and nftables ----

net_up
dut_kernel
traffic kernel
record kernel_mpps "$(num_or_null "$MPPS")"
echo "kernel    forwarding, no rules: $MPPS Mpps"
for n in $SIZES; do
	t0=$(ms_now)
	if ! timeout -k 5 300 ip netns exec $NS_DUT nft -f "$RUN/nft.$n" \
		2>"$RAW/fw.nft.$n.log"; then
		echo "nft -f failed: $(tail -1 "$RAW/fw.nft.$n.log")" >"$RAW/fw.nft.$n.na"
		echo "nft       $n rules: not available: $(cat "$RAW/fw.nft.$n.na")"
		continue
	fi
	load=$(($(ms_now) - t0))
	record "nft_load_ms.$n" "$load"
	traffic "nft.$n"
	record "nft_mpps.$n" "$(num_or_null "$MPPS")"
	echo "nft       $n rules: $MPPS Mpps (nft -f: $load ms)"
done
in_dut nft delete table inet rampart_bench 2>/dev/null || true

# ---- c: rampart ----

rampart_conf() { # FILE with-firewall(0|1)
	cat >"$1" <<EOF
# bench/fw.sh: rampart between $NS_GEN's gen0 and sink0, in namespace $NS_DUT
dataplane = {
	lcores = "$GEN_CPU-$DUT_CPU";
	main_lcore = $GEN_CPU;
	memory_mb = 512;
	hugepages = "off";
	file_prefix = "$PREFIX-dp";
	socket = "$RUN/dataplane.sock";
	punt = "";
};
ctrl = {
	socket = "$RUN/ctrl.sock";
	resync_interval_ms = 1000;
};
ports = (
	{
		name = "lan";
		devargs = "net_af_packet0,iface=dut0,qpairs=1";
		addresses = [ "198.18.1.1/24" ];
	},
	{
		name = "wan";
		devargs = "net_af_packet1,iface=dut1,qpairs=1";
		addresses = [ "198.19.1.1/24" ];
	}
);
neighbors = (
	{ ip = "198.19.1.2"; mac = "$SINK_MAC"; port = "wan"; }
);
EOF
	if [ "$2" = 1 ]; then
		mkdir -p "$RUN/state"
		cat >>"$1" <<EOF
firewall = {
	rules = "";
	state_dir = "$RUN/state";
};
EOF
	fi
}

in_sync() {
	timeout 3 "$CLI" -s "$RUN/ctrl.sock" status --json 2>/dev/null |
		jq -e 'any(.. | objects | select(has("in_sync")); .in_sync == true)' >/dev/null 2>&1
}

DP='' CTL=''
rampart_start() { # name with-firewall; on failure writes fw.NAME.na and returns 1
	local name=$1
	rampart_conf "$RUN/rampart.$name.conf" "$2"
	cp "$RUN/rampart.$name.conf" "$RAW/fw.rampart.$name.conf"
	rm -f "$RUN/dataplane.sock" "$RUN/ctrl.sock"
	spawn DP "$RAW/fw.rampart.$name.dataplane.log" ip netns exec $NS_DUT \
		"$DATAPLANE" -c "$RUN/rampart.$name.conf"
	for _ in $(seq 150); do
		[ -S "$RUN/dataplane.sock" ] && break
		kill -0 "$DP" 2>/dev/null || break
		sleep 0.1
	done
	if [ ! -S "$RUN/dataplane.sock" ]; then
		echo "rampart-dataplane did not come up: $(tail -1 "$RAW/fw.rampart.$name.dataplane.log")" \
			>"$RAW/fw.rampart.$name.na"
		return 1
	fi
	# ctrl on the generator's core, so it never preempts the worker
	spawn CTL "$RAW/fw.rampart.$name.ctrl.log" ip netns exec $NS_DUT \
		taskset -c $GEN_CPU "$CTRL" -c "$RUN/rampart.$name.conf"
	for _ in $(seq $((SYNC_WAIT * 5))); do
		in_sync && return 0
		kill -0 "$CTL" 2>/dev/null || break
		kill -0 "$DP" 2>/dev/null || break
		sleep 0.2
	done
	echo "rampart-ctrl did not report in_sync within ${SYNC_WAIT}s: $(tail -1 "$RAW/fw.rampart.$name.ctrl.log")" \
		>"$RAW/fw.rampart.$name.na"
	return 1
}

rampart_stop() {
	stop "$CTL"
	stop "$DP"
	CTL='' DP=''
}

RULES_PUSH=0
if [ ! -x "$DATAPLANE" ] || [ ! -x "$CTRL" ] || [ ! -x "$CLI" ]; then
	echo "rampart not built" >"$RAW/fw.rampart.none.na"
	echo "rampart   not available: rampart not built"
else
	dut_rampart
	if rampart_start none 0; then
		traffic rampart.none
		record rampart_mpps.none "$(num_or_null "$MPPS")"
		echo "rampart   no firewall: $MPPS Mpps"
	else
		echo "rampart   no firewall: not available: $(cat "$RAW/fw.rampart.none.na")"
	fi
	rampart_stop
	if timeout 5 "$CLI" rules --help >/dev/null 2>&1; then
		RULES_PUSH=1
	else
		echo "rampart   rules: not pushed (this build's rampart has no \"rules push\")"
	fi
fi
record rules_push "$([ $RULES_PUSH = 1 ] && echo true || echo false)"
if [ $RULES_PUSH = 1 ]; then
	if rampart_start fw 1; then
		for n in $SIZES; do
			reply=$RAW/fw.rampart.push.$n.json
			t0=$(ms_now)
			if ! timeout -k 5 300 "$CLI" -s "$RUN/ctrl.sock" --json rules push \
				"$RUN/rules.$n" >"$reply" 2>"$RAW/fw.rampart.push.$n.log"; then
				echo "rules push failed: $(tail -1 "$RAW/fw.rampart.push.$n.log")" \
					"$(jq -r '.error // empty' "$reply" 2>/dev/null || true)" \
					>"$RAW/fw.rampart.$n.na"
				echo "rampart   $n rules: not available: $(cat "$RAW/fw.rampart.$n.na")"
				continue
			fi
			push=$(($(ms_now) - t0))
			record "rampart_push_ms.$n" "$push"
			record "rampart_push_ctrl_ms.$n" \
				"$(jq '.total_ms // null' "$reply" 2>/dev/null || echo null)"
			# every row starts with no flows: each of the generator's flows is
			# classified once, by these rules
			timeout 10 "$CLI" -s "$RUN/ctrl.sock" flows flush >/dev/null 2>&1 || true
			traffic "rampart.$n"
			record "rampart_mpps.$n" "$(num_or_null "$MPPS")"
			echo "rampart   $n rules: $MPPS Mpps (rules push: $push ms)"
		done
		timeout 5 "$CLI" -s "$RUN/ctrl.sock" --json stats >"$RAW/fw.rampart.stats.json" 2>/dev/null ||
			rm -f "$RAW/fw.rampart.stats.json"
	else
		echo "rampart   with firewall: not available: $(cat "$RAW/fw.rampart.fw.na")"
	fi
	rampart_stop
fi
BUSY_AFTER=$(busy_cores)

# ---- d: the report ----

jq -n --rawfile fig "$RAW/fw.figures.tsv" --arg sizes "$SIZES" --arg quick "$QUICK" \
	--arg dur "$DUR" --arg warm "$WARM" --arg flows "$FLOWS" --arg seed "$SEED" \
	--arg busy_before "$BUSY_BEFORE" --arg busy_after "$BUSY_AFTER" --arg nproc "$(nproc)" \
	--arg kernel "$(uname -r)" --arg nft "$(nft --version 2>/dev/null || true)" \
	--arg cpu "$(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)" \
	--arg commit "$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
	--arg date "$(date -u +%FT%TZ)" \
	--slurpfile fb <(cat "$RAW"/fw.fwbench.*.json) \
	'($fig | split("\n") | map(select(length > 0) | split("\t") | {(.[0]): (.[1] | fromjson)})
	  | add) as $f
	 | ($sizes | split(" ") | map(tonumber)) as $n
	 | {date: $date, commit: $commit, quick: ($quick == "1"), duration_s: ($dur | tonumber),
	    warmup_s: ($warm | tonumber), flows: ($flows | tonumber), seed: ($seed | tonumber),
	    machine: {cpu: $cpu, cores: ($nproc | tonumber), kernel: $kernel, nft: $nft},
	    other_busy_cores_before: ($busy_before | tonumber),
	    other_busy_cores_after: ($busy_after | tonumber),
	    kernel_forward_mpps: $f.kernel_mpps, kernel_forward_tx_mpps: $f["tx_mpps.kernel"],
	    rampart_no_firewall_tx_mpps: $f["tx_mpps.rampart.none"],
	    rampart_no_firewall_mpps: $f["rampart_mpps.none"],
	    rules_pushed: $f.rules_push,
	    rows: [$n[] as $k | ($k | tostring) as $s
	      | ($fb | map(select(.rules == $k)) | first) as $b
	      | {rules: $k, rampart_mpps: $f["rampart_mpps." + $s],
	         rampart_push_ms: $f["rampart_push_ms." + $s],
         rampart_push_ctrl_ms: $f["rampart_push_ctrl_ms." + $s],
	         nft_mpps: $f["nft_mpps." + $s], nft_load_ms: $f["nft_load_ms." + $s],
         generator_tx_mpps: {rampart: $f["tx_mpps.rampart." + $s], nft: $f["tx_mpps.nft." + $s]},
	         ratio: (if $f["rampart_mpps." + $s] and ($f["nft_mpps." + $s] // 0) > 0
	                 then $f["rampart_mpps." + $s] / $f["nft_mpps." + $s] else null end),
	         kernel_forward_mpps: $f.kernel_mpps, fwbench: $b}]}' >"$OUT/fw.json"

jq -r '
	def n(d): if . == null then "n/a" else (. * pow(10; d) | round / pow(10; d) | tostring) end;
	def mpps: if . == null then "n/a" elif . >= 0.01 then n(3) else n(5) end;
	(if .rules_pushed then null else "rules: not pushed" end) as $np
	| (if .rampart_no_firewall_mpps and (.kernel_forward_mpps // 0) > 0
	   then .rampart_no_firewall_mpps / .kernel_forward_mpps else null end) as $kr
	| "# Firewall benchmark\n",
	"\(.date), commit \(.commit), \(.machine.cpu), \(.machine.cores) cores, kernel " +
	"\(.machine.kernel), \(.machine.nft); \(.duration_s) s runs, \(.flows) flows, 64 B UDP" +
	"\(if .quick then " (--quick)" else "" end).\n",
	"Other load: \(.other_busy_cores_before) cores busy before, \(.other_busy_cores_after) after" +
	" (above about 0.2, distrust the run).\n",
	"The generator (1 lcore) and the DUT (1 core: rampart'"'"'s worker, or the kernel'"'"'s" +
	" forwarding by RPS) share a small machine over veth and AF_PACKET: absolute rates are" +
	" noisy; compare the columns of one run side by side. rampart classifies the first" +
	" packet of each flow and passes the rest on its flow table; nft walks its chain for" +
	" every packet of this one-way UDP (conntrack state new): see docs/bench.md.\n",
	"Generator tx Mpps (when a DUT receives about all of it, the generator is the limit):" +
	" kernel \(.kernel_forward_tx_mpps | mpps), rampart without firewall" +
	" \(.rampart_no_firewall_tx_mpps | mpps); " +
	([.rows[] | "\(.rules) rules: nft \(.generator_tx_mpps.nft | mpps), rampart" +
	  " \(.generator_tx_mpps.rampart | mpps)"] | join("; ")) + ".\n",
	"| rules | rampart Mpps | nft Mpps | rampart/nft | kernel fwd only Mpps | classifier" +
	" Mlookups/s | build ms (parse+compile+classifier) | rampart push ms | nft -f ms |",
	"|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
	"| none | \(.rampart_no_firewall_mpps | mpps) | - | \($kr | n(2)) (to kernel) | " +
	"\(.kernel_forward_mpps | mpps) | - | - | - | - |",
	(.rows[] | "| \(.rules) | \($np // (.rampart_mpps | mpps)) | \(.nft_mpps | mpps) | " +
	 "\(.ratio | n(2)) | \(.kernel_forward_mpps | mpps) | \(.fwbench.lookup_mps | n(3)) | " +
	 "\(.fwbench.check_ms | n(2)) | \(.rampart_push_ms | n(0)) | \(.nft_load_ms | n(0)) |")
	' "$OUT/fw.json" >"$OUT/fw.md"
cat "$OUT/fw.md"
echo "fw bench: report in $OUT/fw.md and $OUT/fw.json"
