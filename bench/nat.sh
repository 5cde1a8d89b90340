#!/usr/bin/env bash
# The NAT44 benchmark (docs/bench.md, "NAT"): source NAT to the outside
# port's address, side by side in one run, in Linux (nftables masquerade, and
# plain kernel forwarding as the floor) and in rampart (the firewall with a
# "nat on wan" rule, and the firewall alone), between the same two network
# namespaces as bench/fw.sh:
#
#   rpnb-gen: rampart-pktgen, lcore 0   rpnb-dut: the device under test
#     gen0  ──── veth ──────────────────►  dut0  198.18.1.1/24  (rampart: "lan")
#     sink0 ◄─── veth ───────────────────  dut1  198.19.1.1/24  (rampart: "wan")
#     (198.19.1.2, a static neighbour of the DUT; 198.19.2.0/24 routed to it)
#
# Two figures per DUT: Mpps forwarded for 1000 UDP flows (64 B, as fw.sh),
# and new connections per second: rounds of 30 000 flows, each sent once to a
# destination no earlier round used, so every packet opens a connection and,
# with NAT, a binding. Every process runs under a time limit, the whole script
# too; on exit, failure or signal everything it started is stopped, its
# namespaces deleted and its temporary files removed. Results: nat.json,
# nat.md and raw/nat.* in the report directory.
#
# Usage: bench/nat.sh [--quick] [--out DIR]
#   --quick   3 s runs, 3 rounds of new connections (a smoke test, about a minute)
#   --out     report directory (default bench/report)
# Environment: BUILD (build directory, default build/), NAT_BENCH_TIMEOUT
# (seconds for the whole run, default 600), RAMPART_BENCH_LOCK_HELD=1 when the
# caller (bench/run.sh) already holds /run/lock/rampart-bench.lock.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"

# the whole run is bounded; the TERM this sends runs the cleanup below
bench_bounded RAMPART_NATBENCH_BOUNDED "${NAT_BENCH_TIMEOUT:-600}" "$@"

BUILD=${BUILD:-$top/build}
OUT=$top/bench/report
QUICK=0
bench_options "nat bench" 26 "$@"
[ "$(id -u)" -eq 0 ] || { echo "nat bench: needs root (sudo bench/nat.sh)" >&2; exit 1; }

PKTGEN=$BUILD/bench/rampart-pktgen
DATAPLANE=$BUILD/dataplane/rampart-dataplane
CTRL=$BUILD/ctrl/rampart-ctrl
CLI=$BUILD/ctrl/rampart
[ -x "$PKTGEN" ] || { echo "nat bench: $PKTGEN not built (make)" >&2; exit 1; }
for c in nft jq ip python3; do
	command -v $c >/dev/null ||
		{ echo "nat bench: $c not found (apt-get install nftables jq iproute2 python3)" >&2; exit 1; }
done

if [ $QUICK = 1 ]; then
	DUR=3; WARM=0.5; ROUNDS=3
else
	DUR=10; WARM=1; ROUNDS=7
fi
FLOWS=1000       # the steady run: flows sent in turn, all known after the warm-up
# A new-connection round: each flow sent once. With a warm-up round and 7
# counted ones Linux holds 8 x 30 000 unreplied UDP entries at the end (they
# last 30 s), under nf_conntrack_max (262 144 by default); rampart needs 4
# flow table entries per flow with NAT (connection, mapping, its alias, the
# host's count), 120 000 of 262 144, and 30 000 of the 31 744 public ports of
# its default range (nat_port_min/max 1024-32767).
CONN_FLOWS=30000
CONN_MAX_S=30    # upper bound of one round (it ends after CONN_FLOWS packets)
CONN_RX_TAIL=0.02 # s: what a DUT still forwards from its queues after that is not counted
RUN_LIMIT=$((DUR + 90)) # seconds any one process may run
SYNC_WAIT=20            # seconds for rampart-ctrl to report in_sync
NS_GEN=rpnb-gen
NS_DUT=rpnb-dut
GEN_CPU=0 DUT_CPU=1     # the generator's core, and the DUT's (rampart's worker, kernel RPS)
GEN_MAC=02:72:70:6e:00:01
DUT0_MAC=02:72:70:6e:00:02
DUT1_MAC=02:72:70:6e:00:03
SINK_MAC=02:72:70:6e:00:04 # 198.19.1.2, the DUT's static neighbour

# One bench at a time: two would share the cores and measure each other.
bench_lock "nat bench"

RUN=$(mktemp -d /run/rampart-natbench.XXXXXX)
PREFIX=rpnb-$$ # EAL file prefixes: $PREFIX-pg, $PREFIX-dp
pids=()
cleanup() {
	local rc=$?
	trap '' INT TERM
	trap - EXIT
	stop_spawned
	# deleting the namespaces deletes the veths, the nft table and conntrack in them
	ip netns del $NS_GEN 2>/dev/null || true
	ip netns del $NS_DUT 2>/dev/null || true
	rm -rf "$RUN" /var/run/dpdk/"$PREFIX"-pg /var/run/dpdk/"$PREFIX"-dp
	# both run on --no-huge; a hugepage file would be one a killed process left
	rm -f /dev/hugepages/"$PREFIX"-*map_* 2>/dev/null || true
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

RAW=$OUT/raw
mkdir -p "$RAW"
rm -f "$RAW"/nat.* "$OUT/nat.json" "$OUT/nat.md"
FIG=$RAW/nat.figures.tsv
: >"$FIG"

in_dut() { ip netns exec $NS_DUT "$@"; }

# record KEY JSON-VALUE: one figure for nat.json (report.py --nat reads them)
record() {
	printf '%s\t%s\n' "$1" "$2" >>"$FIG"
}

num_or_null() { # a number, or null
	case $1 in
	'' | n/a | null | *[!0-9.e+-]*) echo null ;;
	*) echo "$1" ;;
	esac
}

# ---- the namespaces (as fw.sh) ----

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
	# ... and drops them after that (AF_PACKET taps see a frame before the
	# ingress hook): else its IP layer handles each one, on the core that
	# sent it - the DUT's - and more slowly for 1000 sources than for the one
	# a NAT leaves, which would favour the NAT rows
	ip netns exec $NS_GEN nft -f - <<-'EOF'
		table netdev rpnb_gen {
			chain sink0_in {
				type filter hook ingress device "sink0" priority 0; policy drop;
			}
			chain gen0_in {
				type filter hook ingress device "gen0" priority 0; policy drop;
			}
		}
	EOF
}

# The kernel of rpnb-dut forwards: addresses, a static neighbour, a route for
# the new-connection rounds' destinations, no reverse path filter (the
# sources, 198.18.0.0/16, are not on dut0's prefix), and RPS puts the
# forwarding on the DUT's core, as rampart's worker is.
dut_kernel() {
	local i
	ip -n $NS_DUT addr add 198.18.1.1/24 dev dut0
	ip -n $NS_DUT addr add 198.19.1.1/24 dev dut1
	ip -n $NS_DUT link set dut0 arp on
	ip -n $NS_DUT link set dut1 arp on
	ip -n $NS_DUT neigh replace 198.19.1.2 lladdr $SINK_MAC dev dut1 nud permanent
	ip -n $NS_DUT route replace 198.19.2.0/24 via 198.19.1.2 dev dut1
	in_dut sysctl -qw net.ipv4.ip_forward=1
	for i in all default dut0 dut1; do in_dut sysctl -qw "net.ipv4.conf.$i.rp_filter=0"; done
	in_dut sh -c "printf %x $((1 << DUT_CPU)) >/sys/class/net/dut0/queues/rx-0/rps_cpus" || true
}

# rampart owns dut0 and dut1 through AF_PACKET: the kernel of rpnb-dut sees the
# same frames and must neither forward nor answer them (as scripts/lab.sh).
# The namespaces are made anew first: the nft rounds leave a hundred thousand
# conntrack entries that would expire, and be collected by the kernel on any
# core, while rampart is measured; deleting the namespace frees them at once.
dut_rampart() {
	local i
	net_up
	sleep 1 # the old namespace's cleanup runs in the background
	in_dut nft delete table ip nat 2>/dev/null || true
	ip -n $NS_DUT route del 198.19.2.0/24 2>/dev/null || true
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

# shellcheck disable=SC2054 # -l takes a list
PKTGEN_CMD=(ip netns exec "$NS_GEN" taskset -c "$GEN_CPU" "$PKTGEN" -l "$GEN_CPU" --no-huge -m 512
	--no-pci --file-prefix "$PREFIX-pg" --log-level=lib.eal:error
	--vdev net_af_packet0,iface=gen0 --vdev net_af_packet1,iface=sink0
	-- --dst-mac "$DUT0_MAC" --tx-port 0 --rx-port 1 --rate 0 --link-wait 10 --ready-wait 10)
STEADY_ARGS=(--flows "$FLOWS" --duration "$DUR" --warmup "$WARM")
CONN_ARGS=(--flows "$CONN_FLOWS" --count "$CONN_FLOWS" --duration "$CONN_MAX_S" --latency-every 0
	--rx-timeout "$CONN_RX_TAIL")

# pktgen NAME ARGS...: one bounded run of the generator, leaving
# nat.NAME.pktgen.{log,json} in raw/; on failure nat.NAME.na has the reason
pktgen() {
	local name=$1 pg
	shift
	spawn pg "$RAW/nat.$name.pktgen.log" "${PKTGEN_CMD[@]}" "$@" \
		--json "$RAW/nat.$name.pktgen.json"
	if ! wait "$pg"; then
		echo "rampart-pktgen failed: $(grep -v TELEMETRY "$RAW/nat.$name.pktgen.log" | tail -1)" \
			>"$RAW/nat.$name.na"
		return 1
	fi
}

# The DUT's own view, before and after each run. For nft: the packets that
# went through the masquerade rule (only a connection's first packet passes
# a nat chain, so: bindings made) and conntrack's entry count. For rampart:
# its counters (rampart stats --json).
DUT_KIND=''
snapshot() { # FILE
	case $DUT_KIND in
	nft)
		in_dut nft -j list chain ip nat postrouting 2>/dev/null |
			jq -c '{masquerade: ([.nftables[] | .rule? // empty | .expr[] | .counter? // empty
			         | .packets] | add // 0)}' >"$1.m" 2>/dev/null || echo '{}' >"$1.m"
		jq -c --arg ct "$(in_dut cat /proc/sys/net/netfilter/nf_conntrack_count 2>/dev/null || echo 0)" \
			'. + {conntrack: ($ct | tonumber? // 0)}' "$1.m" >"$1"
		rm -f "$1.m"
		;;
	rampart)
		timeout 5 "$CLI" -s "$RUN/ctrl.sock" --json stats >"$1" 2>/dev/null || echo '{}' >"$1"
		;;
	*) echo '{}' >"$1" ;;
	esac
}

# what changed on the DUT during run NAME (recorded as ROW.KEY.dut)
dut_delta() { # name row key
	local d
	case $DUT_KIND in
	nft)
		d=$(jq -cn --slurpfile a "$RAW/nat.$1.before.json" --slurpfile b "$RAW/nat.$1.after.json" \
			'{bindings_created: ($b[0].masquerade - $a[0].masquerade),
			  conntrack_entries_added: ($b[0].conntrack - $a[0].conntrack),
			  conntrack_at_start: $a[0].conntrack}' 2>/dev/null) ||
			d=null
		;;
	rampart)
		d=$(stats_delta "$RAW/nat.$1.before.json" "$RAW/nat.$1.after.json") || d=null
		;;
	*) d=null ;;
	esac
	record "$2.$3.dut" "$d"
	DELTA=$d
}

# cpu_busy: jiffies the DUT's core spent working (user, nice, system, irq,
# softirq; not idle, iowait or steal), from /proc/stat
cpu_busy() {
	awk -v c="cpu$DUT_CPU" '$1 == c { print $2 + $3 + $4 + $7 + $8 }' /proc/stat
}

# steady ROW: Mpps for FLOWS flows; prints the row's line. For Linux, the
# DUT core's busy time over the run too: the kernel has no cycle counter of
# its own per packet, rampart does (busy_cycles)
steady() {
	local row=$1 name="$1.steady" busy0 busy1
	snapshot "$RAW/nat.$name.before.json"
	busy0=$(cpu_busy)
	if ! pktgen "$name" "${STEADY_ARGS[@]}"; then
		record "$row.steady.na" "$(json_str "$(cat "$RAW/nat.$name.na")")"
		STEADY_TXT="not available: $(cat "$RAW/nat.$name.na")"
		return 0
	fi
	busy1=$(cpu_busy)
	snapshot "$RAW/nat.$name.after.json"
	if [ "$DUT_KIND" != rampart ]; then
		record "$row.steady.cpu" "{\"busy_s\": $(((busy1 - busy0) * 1000 / $(getconf CLK_TCK)))e-3, \"seconds\": $(awk -v a="$DUR" -v b="$WARM" "BEGIN { print a + b }")}"
	fi
	record "$row.steady.pktgen" "$(jq -c '{rx_mpps, tx_mpps, rx_pkts, tx_pkts, loss}' \
		"$RAW/nat.$name.pktgen.json")"
	dut_delta "$name" "$row" steady
	STEADY_TXT="$(jq -r '"\(.rx_mpps * 1000 | round / 1000) Mpps (generator sent \(.tx_mpps * 1000 | round / 1000))"' \
		"$RAW/nat.$name.pktgen.json")"
}

# conn ROW ROUND: CONN_FLOWS new flows, each sent once, to a destination no
# earlier round used (198.19.2.N, routed to 198.19.1.2). Round 0 is a
# warm-up, not counted, for every DUT alike: the first round after a start
# may be slower (table memory touched for the first time, on 4 KiB pages).
CONN_SEQ=0
conn() {
	local row=$1 r=$2 name="$1.conn.$2"
	CONN_SEQ=$((CONN_SEQ + 1))
	record "$row.conn.$r.dst" "\"198.19.2.$CONN_SEQ\""
	snapshot "$RAW/nat.$name.before.json"
	if ! pktgen "$name" "${CONN_ARGS[@]}" --dst-ip "198.19.2.$CONN_SEQ"; then
		record "$row.conn.$r.na" "$(json_str "$(cat "$RAW/nat.$name.na")")"
		CONN_TXT="not available: $(cat "$RAW/nat.$name.na")"
		return 0
	fi
	snapshot "$RAW/nat.$name.after.json"
	record "$row.conn.$r.pktgen" "$(jq -c '{rx_mpps, tx_mpps, rx_pkts, tx_pkts, loss,
		elapsed_s: (.run.elapsed_s // .elapsed_s)}' "$RAW/nat.$name.pktgen.json")"
	dut_delta "$name" "$row" "conn.$r"
	CONN_TXT="$(jq -r '"\(.rx_mpps * 1e6 | round) new/s (\(.rx_pkts) of \(.tx_pkts) forwarded)"' \
		"$RAW/nat.$name.pktgen.json")"
}

rnd() { if [ "$1" = 0 ]; then echo "warm-up"; else echo "#$1     "; fi; }

BUSY_BEFORE=$(busy_cores)
echo "nat bench: ${DUR}s runs of $FLOWS flows; $ROUNDS round(s) of $CONN_FLOWS new flows after a warm-up round;" \
	"generator on core $GEN_CPU, DUT on core $DUT_CPU; other load now: $BUSY_BEFORE of $(nproc) cores busy"
record quick "$([ $QUICK = 1 ] && echo true || echo false)"
record duration_s $DUR
record warmup_s $WARM
record flows $FLOWS
record conn_flows $CONN_FLOWS
record conn_rounds $ROUNDS
record other_busy_cores_before "$BUSY_BEFORE"
record nft_version "$(json_str "$(nft --version 2>/dev/null || true)")"
record cmd.pktgen_steady "$(json_str "${PKTGEN_CMD[*]} ${STEADY_ARGS[*]} --json RAW.json")"
record cmd.pktgen_conn "$(json_str "${PKTGEN_CMD[*]} ${CONN_ARGS[*]} --dst-ip 198.19.2.N --json RAW.json")"

# ---- a: Linux, plain forwarding, then nftables masquerade ----

net_up
dut_kernel
DUT_KIND=kernel
steady kernel
echo "kernel    forwarding, no nft:     $STEADY_TXT"
for r in $(seq 0 "$ROUNDS"); do
	conn kernel "$r"
	echo "kernel    new connections $(rnd "$r"): $CONN_TXT"
done

cat >"$RUN/masq.nft" <<'EOF'
table ip nat {
	chain postrouting {
		type nat hook postrouting priority 100;
		oifname "dut1" counter masquerade
	}
}
EOF
cp "$RUN/masq.nft" "$RAW/nat.nft_masq.nft"
record cmd.nft "$(json_str "ip netns exec $NS_DUT nft -f masq.nft")"
record nft_ruleset "$(json_str "$(cat "$RUN/masq.nft")")"
if timeout -k 5 60 ip netns exec $NS_DUT nft -f "$RUN/masq.nft" 2>"$RAW/nat.nft.log"; then
	DUT_KIND=nft
	record nft_conntrack_max "$(num_or_null "$(in_dut cat /proc/sys/net/netfilter/nf_conntrack_max 2>/dev/null || true)")"
	steady nft_masq
	echo "nft       masquerade:             $STEADY_TXT"
	for r in $(seq 0 "$ROUNDS"); do
		# a new destination per round: every flow is a new conntrack entry,
		# and so a new masquerade binding
		conn nft_masq "$r"
		echo "nft       new connections $(rnd "$r"): $CONN_TXT" \
			"$(jq -r '"; bindings made: \(.bindings_created // "?")"' <<<"${DELTA:-null}" 2>/dev/null || true)"
	done
	in_dut nft -j list ruleset >"$RAW/nat.nft_masq.ruleset.json" 2>/dev/null || true
else
	reason="nft -f failed: $(tail -1 "$RAW/nat.nft.log")"
	record nft_masq.na "$(json_str "$reason")"
	echo "nft       masquerade: not available: $reason"
fi
in_dut nft delete table ip nat 2>/dev/null || true

# ---- b: rampart, the firewall alone and with NAT ----

rampart_conf() { # FILE RULES-FILE
	cat >"$1" <<EOF
# bench/nat.sh: rampart between $NS_GEN's gen0 and sink0, in namespace $NS_DUT
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
routes = (
	{ dst = "198.19.2.0/24"; via = "198.19.1.2"; }
);
neighbors = (
	{ ip = "198.19.1.2"; mac = "$SINK_MAC"; port = "wan"; }
);
firewall = {
	rules = "$2";
	state_dir = "$RUN/state";
};
EOF
}

printf 'set default pass\n' >"$RUN/fw.rules"
printf 'set default pass\nnat on wan from 198.18.0.0/15 -> wan\n' >"$RUN/nat.rules"
cp "$RUN/fw.rules" "$RAW/nat.rampart_fw.rules"
cp "$RUN/nat.rules" "$RAW/nat.rampart_nat.rules"

in_sync() {
	timeout 3 "$CLI" -s "$RUN/ctrl.sock" status --json 2>/dev/null |
		jq -e 'any(.. | objects | select(has("in_sync")); .in_sync == true)
		       and .firewall.in_service == true' >/dev/null 2>&1
}

DP='' CTL=''
rampart_start() { # row rules-file; on failure writes nat.ROW.na and returns 1
	local row=$1
	rampart_conf "$RUN/$row.conf" "$2"
	cp "$RUN/$row.conf" "$RAW/nat.$row.conf"
	rm -rf "$RUN/dataplane.sock" "$RUN/ctrl.sock" "$RUN/state"
	mkdir -p "$RUN/state"
	spawn DP "$RAW/nat.$row.dataplane.log" ip netns exec $NS_DUT \
		"$DATAPLANE" -c "$RUN/$row.conf"
	for _ in $(seq 150); do
		[ -S "$RUN/dataplane.sock" ] && break
		kill -0 "$DP" 2>/dev/null || break
		sleep 0.1
	done
	if [ ! -S "$RUN/dataplane.sock" ]; then
		echo "rampart-dataplane did not come up: $(tail -1 "$RAW/nat.$row.dataplane.log")" \
			>"$RAW/nat.$row.na"
		return 1
	fi
	# ctrl on the generator's core, so it never preempts the worker
	spawn CTL "$RAW/nat.$row.ctrl.log" ip netns exec $NS_DUT \
		taskset -c $GEN_CPU "$CTRL" -c "$RUN/$row.conf"
	for _ in $(seq $((SYNC_WAIT * 5))); do
		in_sync && return 0
		kill -0 "$CTL" 2>/dev/null || break
		kill -0 "$DP" 2>/dev/null || break
		sleep 0.2
	done
	echo "rampart-ctrl did not report in_sync with the rules in service within ${SYNC_WAIT}s:" \
		"$(grep -v '^$' "$RAW/nat.$row.ctrl.log" | tail -1)" >"$RAW/nat.$row.na"
	return 1
}

rampart_stop() {
	stop "$CTL"
	stop "$DP"
	CTL='' DP=''
}

ms_now() { echo $(($(date +%s%N) / 1000000)); }

# a clean slate before a round of new connections: no flows, no bindings.
# The workers unlink flushed entries (and return their ports) over their next
# polls: wait, up to 10 s, until the flow table is empty, so that the round
# neither competes with that work nor starts with a fuller table.
rampart_flush() { # row round
	local t0 n=null
	timeout 10 "$CLI" -s "$RUN/ctrl.sock" flows flush >/dev/null 2>&1 ||
		record "$1.conn.$2.flows_flush_failed" true
	if [ "$1" = rampart_nat ] &&
		! timeout 10 "$CLI" -s "$RUN/ctrl.sock" nat flush >"$RAW/nat.$1.flush.$2.log" 2>&1; then
		record "$1.conn.$2.nat_flush_failed" "$(json_str "$(tail -1 "$RAW/nat.$1.flush.$2.log")")"
	fi
	t0=$(ms_now)
	for _ in $(seq 100); do
		n=$(timeout 5 "$CLI" -s "$RUN/ctrl.sock" --json rules show 2>/dev/null |
			jq '.flows.in_use // null' 2>/dev/null) || n=null
		[ "$n" = 0 ] && break
		sleep 0.1
	done
	record "$1.conn.$2.flows_in_use_at_start" "$(num_or_null "$n")"
	record "$1.conn.$2.flush_wait_ms" $(($(ms_now) - t0))
	if [ "$1" = rampart_nat ]; then
		record "$1.conn.$2.nat_at_start" "$(timeout 5 "$CLI" -s "$RUN/ctrl.sock" --json nat show \
			2>/dev/null | jq -c '{bindings, ports_in_use: ([.pools[]?.in_use] | add)}' \
			2>/dev/null || echo null)"
	fi
}

# rampart ROW RULES LABEL: one DUT configuration, fresh start
rampart_row() {
	local row=$1 rules=$2 label=$3 r
	if ! rampart_start "$row" "$rules"; then
		record "$row.na" "$(json_str "$(cat "$RAW/nat.$row.na")")"
		echo "$label: not available: $(cat "$RAW/nat.$row.na")"
		rampart_stop
		return 0
	fi
	DUT_KIND=rampart
	steady "$row"
	echo "$label:  $STEADY_TXT"
	for r in $(seq 0 "$ROUNDS"); do
		rampart_flush "$row" "$r"
		conn "$row" "$r"
		echo "$label new connections $(rnd "$r"): $CONN_TXT"
	done
	if [ "$row" = rampart_nat ]; then
		# after the last round, before any flush: the bindings it made
		if timeout 5 "$CLI" -s "$RUN/ctrl.sock" --json nat show >"$RAW/nat.rampart_nat.show.json" \
			2>"$RAW/nat.rampart_nat.show.log" && jq -e . "$RAW/nat.rampart_nat.show.json" >/dev/null 2>&1; then
			# the mappings themselves stay in the raw file
			record nat_show "$(jq -c 'if (.list | type) == "array"
				then del(.list) + {list_entries: (.list | length)} else . end' \
				"$RAW/nat.rampart_nat.show.json")"
		else
			record nat_show.na "$(json_str "rampart nat show --json failed: $(cat "$RAW/nat.rampart_nat.show.log" \
				"$RAW/nat.rampart_nat.show.json" 2>/dev/null | grep -v '^$' | tail -1)")"
		fi
	fi
	timeout 5 "$CLI" -s "$RUN/ctrl.sock" --json stats >"$RAW/nat.$row.stats.json" 2>/dev/null ||
		rm -f "$RAW/nat.$row.stats.json"
	rampart_stop
	DUT_KIND=''
}

if [ ! -x "$DATAPLANE" ] || [ ! -x "$CTRL" ] || [ ! -x "$CLI" ]; then
	record rampart_fw.na '"rampart not built"'
	record rampart_nat.na '"rampart not built"'
	echo "rampart   not available: rampart not built"
else
	dut_rampart
	record cmd.rampart_dataplane "$(json_str "ip netns exec $NS_DUT $DATAPLANE -c RUN/ROW.conf")"
	record cmd.rampart_ctrl "$(json_str "ip netns exec $NS_DUT taskset -c $GEN_CPU $CTRL -c RUN/ROW.conf")"
	record rampart_fw.rules "$(json_str "$(cat "$RUN/fw.rules")")"
	record rampart_nat.rules "$(json_str "$(cat "$RUN/nat.rules")")"
	rampart_row rampart_fw "$RUN/fw.rules" "rampart   firewall, no NAT"
	rampart_row rampart_nat "$RUN/nat.rules" "rampart   firewall + NAT  "
fi
BUSY_AFTER=$(busy_cores)
record other_busy_cores_after "$BUSY_AFTER"

# ---- c: the report ----

python3 "$top/bench/report.py" --nat "$RAW" "$OUT"
echo "nat bench: report in $OUT/nat.md and $OUT/nat.json"
