#!/usr/bin/env bash
# make bench: rampart against dpdk-testpmd (io forwarding) side by side, same
# generator, same run. rampart-pktgen owns lcore 0 and two memif servers; the
# device under test (DUT) is a memif client on both and forwards on lcore 1.
# Every process runs under a time limit, the whole script too; everything it
# started is stopped and its temporary files removed on exit, failure or signal.
# Results go to bench/report/ (report.md, report.json, report.png, raw/).
#
# The firewall: rampart with 1, 100, 10 000 (and 100 000) rules against the same
# testpmd baseline (memif), then bench/fw.sh (nftables on veth) into the same
# report directory. NAT44: rampart masquerading the same traffic (memif,
# scenario nat64_1k), then bench/nat.sh (nftables masquerade on veth). DNS:
# rampart's fast path answering the generator's queries from a zone of 10 000
# names, back out of the port they came in by (scenario dns_memif), against
# testpmd returning the same queries out of the same port; then bench/dns.sh
# (NSD and Knot against the fast path over veth).
#
# Usage: bench/run.sh [--quick] [--dut testpmd|rampart|both] [--out DIR]
#   --quick   short runs, one repetition (a smoke test, under a minute per DUT)
#   --dut     which device(s) under test (default both)
#   --out     report directory (default bench/report)
# Environment: BUILD (build directory, default build/), BENCH_TIMEOUT (seconds
# for the whole run, default 1200), BENCH_ONLY (scenario ids to run, e.g.
# "fw64_1k nat64_1k dns_memif"; fw.sh, nat.sh, dns.sh, tenant.sh, caldav.sh
# and vpn.sh run only without it).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"

# the whole run is bounded; the TERM this sends runs the cleanup below
bench_bounded RAMPART_BENCH_BOUNDED "${BENCH_TIMEOUT:-1200}" "$@"

BUILD=${BUILD:-$top/build}
OUT=$top/bench/report
DUTS="testpmd rampart"
QUICK=0
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--dut)
		[ $# -ge 2 ] || { echo "bench: --dut needs testpmd, rampart or both" >&2; exit 2; }
		shift
		case $1 in
		both) DUTS="testpmd rampart" ;;
		testpmd | rampart) DUTS=$1 ;;
		*) echo "bench: --dut $1: not testpmd, rampart or both" >&2; exit 2 ;;
		esac
		;;
	--out)
		[ $# -ge 2 ] || { echo "bench: --out needs a directory" >&2; exit 2; }
		shift
		OUT=$1
		;;
	-h | --help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (sudo make bench)" >&2; exit 1; }

PKTGEN=$BUILD/bench/rampart-pktgen
DATAPLANE=$BUILD/dataplane/rampart-dataplane
CTRL=$BUILD/ctrl/rampart-ctrl
CLI=$BUILD/ctrl/rampart
FWBENCH=$BUILD/bench/rampart-fwbench
TESTPMD=$(command -v dpdk-testpmd || true)
[ -x "$PKTGEN" ] || { echo "bench: $PKTGEN not built (make)" >&2; exit 1; }
[ -n "$TESTPMD" ] || { echo "bench: dpdk-testpmd not found (apt-get install dpdk)" >&2; exit 1; }
command -v jq >/dev/null || { echo "bench: jq not found (apt-get install jq)" >&2; exit 1; }

RAW=$OUT/raw
DUT_MAC=02:00:00:00:01:01  # the DUT's port on a.sock (rampart: "in")
PG_TX_MAC=02:00:00:00:02:01
PG_RX_MAC=02:00:00:00:02:02  # bench.conf's static neighbour 198.19.1.2
RUN_LIMIT=150               # seconds any one process may run
SYNC_WAIT=20                # seconds for rampart-ctrl to report in_sync
# Each scenario runs REPEAT times, the DUTs alternating, and the report takes
# the median: this machine's neighbours make single runs noisy.
if [ $QUICK = 1 ]; then
	DUR=2; WARM=0.5; TRIAL=0.5; TRIALS=5; REPEAT=1
else
	DUR=4; WARM=1; TRIAL=1; TRIALS=8; REPEAT=3
fi

# One bench at a time: two would share the two cores and measure each other
# (a caller that holds the lock, bench/vpn.sh, says so: RAMPART_BENCH_LOCK_HELD=1).
bench_lock bench

RUN=$(mktemp -d /run/rampart-bench.XXXXXX)
PREFIX=rampart-bench-$$  # EAL file prefixes: $PREFIX-pg, -tp, -dp
pids=()
cleanup() {
	local rc=$?
	# a second INT (Ctrl-C reaches us and the outer timeout passes it on too)
	# must not cut the cleanup short; the outer timeout's KILL still bounds it
	trap '' INT TERM
	trap - EXIT
	# each child is `timeout CMD` in its own process group: TERM is passed on
	stop_spawned
	rm -rf "$RUN" /var/run/dpdk/"$PREFIX"-pg /var/run/dpdk/"$PREFIX"-tp /var/run/dpdk/"$PREFIX"-dp
	# hugepage files a DUT on hugepages leaves when it is killed
	rm -f /dev/hugepages/"$PREFIX"-*map_* 2>/dev/null || true
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$RAW"
rm -f "$RAW"/*

# rampart's configuration: bench/conf/bench.conf with this run's directory and prefix
sed -e "s|/run/rampart-bench/|$RUN/|g" -e "s|\"rampart-bench\"|\"$PREFIX-dp\"|" \
	"$top/bench/conf/bench.conf" >"$RUN/bench.conf"

EAL_COMMON=(--no-huge --no-pci --log-level=lib.eal:error --log-level=lib.telemetry:error
	--log-level=pmd.net.memif:error)
# shellcheck disable=SC2054 # -l takes a list
TESTPMD_CMD=("$TESTPMD" -l 0,1 --main-lcore 0 -m 512 --file-prefix "$PREFIX-tp" "${EAL_COMMON[@]}"
	--vdev "net_memif0,role=client,socket=$RUN/a.sock,socket-abstract=no,id=0,mac=$DUT_MAC"
	--vdev "net_memif1,role=client,socket=$RUN/b.sock,socket-abstract=no,id=0,mac=02:00:00:00:01:02"
	-- --forward-mode=io --auto-start --nb-cores=1 --total-num-mbufs=16384 --stats-period 1)
# testpmd-loop: the same, each packet back out of the port it came in by, as
# rampart's DNS answers go
TESTPMD_LOOP_CMD=("${TESTPMD_CMD[@]}" --port-topology=loop)
DATAPLANE_CMD=("$DATAPLANE" -c "$RUN/bench.conf")
CTRL_CMD=(taskset -c 0 "$CTRL" -c "$RUN/bench.conf")
PKTGEN_CMD=("$PKTGEN" -l 0 -m 256 --file-prefix "$PREFIX-pg" "${EAL_COMMON[@]}"
	--vdev "net_memif0,role=server,socket=$RUN/a.sock,socket-abstract=no,id=0,mac=$PG_TX_MAC"
	--vdev "net_memif1,role=server,socket=$RUN/b.sock,socket-abstract=no,id=0,mac=$PG_RX_MAC"
	-- --dst-mac "$DUT_MAC" --link-wait 30 --ready-wait $((SYNC_WAIT + 5)) --warmup "$WARM")

PG='' DUT='' CTL=''
start_pktgen() { # name pktgen-args...
	local name=$1
	shift
	rm -f "$RUN"/a.sock "$RUN"/b.sock
	spawn PG "$RAW/$name.log" "${PKTGEN_CMD[@]}" --json "$RAW/$name.json" "$@"
	for _ in $(seq 100); do [ -S "$RUN/b.sock" ] && return 0; sleep 0.1; done
	echo "rampart-pktgen did not come up: $(tail -1 "$RAW/$name.log")" >"$RAW/$name.na"
	return 1
}

in_sync() {
	timeout 3 "$CLI" -s "$RUN/ctrl.sock" status --json 2>/dev/null |
		jq -e 'any(.. | objects | select(has("in_sync")); .in_sync == true)' >/dev/null 2>&1
}

# the firewall is in service with the configured rules
fw_in_service() {
	timeout 3 "$CLI" -s "$RUN/ctrl.sock" status --json 2>/dev/null |
		jq -e '.firewall.in_service == true' >/dev/null 2>&1
}

# the configured zones are in service on the dataplane
dns_in_service() {
	timeout 3 "$CLI" -s "$RUN/ctrl.sock" dns zones --json 2>/dev/null |
		jq -e '.in_service == true' >/dev/null 2>&1
}

# rampart-DUT's own part beside in_sync: its firewall, or its zones
dut_in_service() {
	case $1 in
	rampart | rampart-vpn) ;;
	rampart-dns) dns_in_service ;;
	*) fw_in_service ;;
	esac
}

start_dut() { # dut name; on failure writes NAME.na with the reason
	local dut=$1 name=$2 conf=$RUN/bench.conf ctl_conf
	case $dut in
	testpmd)
		spawn DUT "$RAW/$name.dut.log" "${TESTPMD_CMD[@]}"
		;;
	testpmd-loop)
		spawn DUT "$RAW/$name.dut.log" "${TESTPMD_LOOP_CMD[@]}"
		;;
	rampart | rampart-fw* | rampart-nat | rampart-dns | rampart-vpn)
		# rampart-fwN: the same with the firewall and N rules (below);
		# rampart-nat: with the firewall passing all and NAT44 (below);
		# rampart-dns: with a zone to answer from (below);
		# rampart-vpn: the VPN's data channel in the worker, ctrl without
		# the VPN (below)
		[ "$dut" = rampart ] || conf=$RUN/bench.${dut#rampart-}.conf
		ctl_conf=$conf
		[ "$dut" = rampart-vpn ] && ctl_conf=$RUN/bench.vpnctl.conf
		rm -f "$RUN/dataplane.sock" "$RUN/ctrl.sock"
		spawn DUT "$RAW/$name.dut.log" "$DATAPLANE" -c "$conf"
		for _ in $(seq 150); do
			[ -S "$RUN/dataplane.sock" ] && break
			kill -0 "$DUT" 2>/dev/null || break
			sleep 0.1
		done
		if [ ! -S "$RUN/dataplane.sock" ]; then
			echo "rampart-dataplane did not come up: $(tail -1 "$RAW/$name.dut.log")" >"$RAW/$name.na"
			return 1
		fi
		# ctrl on the generator's core, so it never preempts the worker
		spawn CTL "$RAW/$name.ctrl.log" taskset -c 0 "$CTRL" -c "$ctl_conf"
		for _ in $(seq $((SYNC_WAIT * 5))); do
			in_sync && dut_in_service "$dut" && return 0
			kill -0 "$CTL" 2>/dev/null || break
			kill -0 "$DUT" 2>/dev/null || break
			sleep 0.2
		done
		echo "rampart-ctrl did not report in_sync within ${SYNC_WAIT}s: $(tail -1 "$RAW/$name.ctrl.log")" >"$RAW/$name.na"
		return 1
		;;
	esac
}

stop_all() { # dut name
	local when="when stopped"
	if [ "${1%%-*}" = rampart ] && [ -n "$CTL" ]; then
		timeout 5 "$CLI" -s "$RUN/ctrl.sock" stats --json >"$RAW/$2.stats.json" 2>/dev/null ||
			rm -f "$RAW/$2.stats.json"
	fi
	if [ -n "$DUT" ] && ! kill -0 "$DUT" 2>/dev/null; then
		when="after the traffic, before it was stopped"
		[ "${1%%-*}" = rampart ] && when="$when (stats query $([ -s "$RAW/$2.stats.json" ] && echo answered || echo unanswered))"
	fi
	stop "$PG"
	stop "$CTL"
	stop "$DUT"
	# 143: our TERM, 137: our KILL, 124: its time limit; anything else is a crash
	case $STOP_RC in
	0 | 124 | 137 | 143) ;;
	*) echo "$1 exited with status $STOP_RC $when" >"$RAW/$2.dut.exit" ;;
	esac
	PG='' DUT='' CTL=''
}

run_one() { # id dut rep pktgen-args...
	local id=$1 dut=$2 rep=$3
	shift 3
	local name="$id.$dut.$rep" f
	printf '%-9s %-8s #%s  ' "$id" "$dut" "$rep"
	if [ "${dut%%-*}" = rampart ]; then
		for f in "$DATAPLANE" "$CTRL" "$CLI"; do
			if [ ! -x "$f" ]; then
				echo "${f#"$top"/} not built" >"$RAW/$name.na"
				echo "not available: $(cat "$RAW/$name.na")"
				return 0
			fi
		done
	fi
	if ! start_pktgen "$name" "$@" || ! start_dut "$dut" "$name"; then
		stop_all "$dut" "$name"
		echo "not available: $(cat "$RAW/$name.na")"
		return 0
	fi
	if ! wait "$PG"; then
		PG=''
		echo "rampart-pktgen failed: $(grep -v TELEMETRY "$RAW/$name.log" | tail -1)" >"$RAW/$name.na"
		echo "not available: $(cat "$RAW/$name.na")"
		stop_all "$dut" "$name"
		return 0
	fi
	PG=''
	if ! kill -0 "$DUT" 2>/dev/null; then
		echo "$dut exited during the run: $(tail -1 "$RAW/$name.dut.log")" >"$RAW/$name.na"
		stop_all "$dut" "$name"
		echo "not available: $(cat "$RAW/$name.na")"
		return 0
	fi
	stop_all "$dut" "$name"
	grep -E "^(run|zero-loss)" "$RAW/$name.log" | tail -1 | cut -c1-100
	if [ -f "$RAW/$name.dut.exit" ]; then echo "          note: $(cat "$RAW/$name.dut.exit")"; fi
}

scenario() { # id description pktgen-args...
	local id=$1 desc=$2
	shift 2
	case " ${BENCH_ONLY:-$id} " in
	*" $id "*) ;;
	*) return 0 ;;
	esac
	printf '%s\t%s\t%s\n' "$id" "$desc" "$DUTS" >>"$RAW/scenarios.tsv"
	for rep in $(seq $REPEAT); do
		for dut in $DUTS; do
			run_one "$id" "$dut" "$rep" "$@"
		done
	done
}

BUSY_BEFORE=$(busy_cores)
echo "bench: generator on lcore 0, DUT on lcore 1, memif links; ${DUR}s per run, $REPEAT run(s) each;" \
	"other load now: $BUSY_BEFORE of $(nproc) cores busy"
scenario fwd64 "IPv4 forwarding, 64 B, 1 flow, max rate" --size 64 --duration $DUR
scenario fwd64_1k "IPv4 forwarding, 64 B, 1000 flows, max rate" --size 64 --flows 1000 --duration $DUR
scenario imix "IPv4 forwarding, IMIX 7:4:1, 100 flows, max rate" --imix --flows 100 --duration $DUR
scenario fwd64_v6 "IPv6 forwarding, 82 B (smallest with the stamp), max rate" --ipv6 --size 64 --duration $DUR
scenario latency "latency at 1 Mpps, 64 B, 1 packet in 100 stamped" --size 64 --rate 1000000 \
	--latency-every 100 --duration $DUR
scenario rfc2544 "RFC 2544 zero-loss throughput, 64 B" --size 64 --rfc2544 --trial $TRIAL \
	--max-trials $TRIALS --resolution 2 --rate-min 100000

# The firewall: the same 1000-flow traffic through rampart with N random rules
# (rampart-fwbench, the pass rule for the generator's traffic last), loaded at
# start from bench.fwN.conf. Every flow's first packet is classified against all
# N rules; the rest pass on the flow table.
FW_SIZES="1 100 10000"
[ $QUICK = 1 ] || FW_SIZES="$FW_SIZES 100000"
FW_DUTS=""
for n in $FW_SIZES; do
	[ -x "$FWBENCH" ] || break
	timeout 300 "$FWBENCH" --rules "$n" --seed 1 --lookups 1000 --write "$RUN/rules.$n.lab" \
		>/dev/null 2>&1 || { echo "bench: rampart-fwbench --rules $n failed" >&2; continue; }
	# the generated rules name the lab's ports; here they are "in" and "out"
	sed -e 's/ on lan / on in /g' -e 's/ on wan / on out /g' "$RUN/rules.$n.lab" >"$RUN/rules.$n"
	{
		cat "$RUN/bench.conf"
		printf 'firewall = {\n\trules = "%s";\n\tstate_dir = "%s";\n};\n' \
			"$RUN/rules.$n" "$RUN/state.$n"
	} >"$RUN/bench.fw$n.conf"
	FW_DUTS="$FW_DUTS rampart-fw$n"
done
case " $DUTS " in
*" rampart "*)
	if [ -n "$FW_DUTS" ]; then
		SAVED_DUTS=$DUTS
		DUTS="$([ "$DUTS" = rampart ] || echo testpmd) rampart$FW_DUTS"
		scenario fw64_1k "firewall: IPv4, 64 B, 1000 flows, max rate, with N rules" \
			--size 64 --flows 1000 --duration $DUR
		DUTS=$SAVED_DUTS
	fi
	;;
esac

# NAT44: the same 1000-flow traffic, every flow's source masqueraded to the
# "out" port's address (a mapping per flow, made by its first packet), the
# firewall passing everything (bench.nat.conf)
printf 'set default pass\nnat on out from 198.18.0.0/15 -> out\n' >"$RUN/rules.nat"
{
	cat "$RUN/bench.conf"
	printf 'firewall = {\n\trules = "%s";\n\tstate_dir = "%s";\n};\n' \
		"$RUN/rules.nat" "$RUN/state.nat"
} >"$RUN/bench.nat.conf"
case " $DUTS " in
*" rampart "*)
	SAVED_DUTS=$DUTS
	DUTS="$([ "$DUTS" = rampart ] || echo testpmd) rampart rampart-nat"
	scenario nat64_1k "NAT44: IPv4, 64 B, 1000 flows, max rate, masqueraded to one address" \
		--size 64 --flows 1000 --duration $DUR
	DUTS=$SAVED_DUTS
	;;
esac
# DNS: the generator's queries (rampart-pktgen --dns: 40% hits, 20% NXDOMAIN,
# 10% each NODATA, CNAME, wildcard, referral, half with EDNS) from 100 sources
# to the "in" port's address, answered by the worker from the zone of 10 000
# names that bench/dns.sh serves (bench.dns.conf), the answers counted where
# they come back: the port they went in by. The baseline: testpmd sending the
# same queries back out of that port (testpmd-loop).
dns_zone 10000 198.18.0.1 >"$RUN/example.org.zone"
{
	cat "$RUN/bench.conf"
	printf 'dns = { zones = ( { name = "example.org"; file = "%s"; } ); };\n' \
		"$RUN/example.org.zone"
} >"$RUN/bench.dns.conf"
SAVED_DUTS=$DUTS
DUTS=""
for dut in $SAVED_DUTS; do
	case $dut in
	testpmd) DUTS="$DUTS testpmd-loop" ;;
	rampart) DUTS="$DUTS rampart-dns" ;;
	esac
done
DUTS=${DUTS# }
scenario dns_memif "DNS queries to the DUT's address, answered (testpmd: returned) out of the same port" \
	--dns --dst-ip 198.18.0.1 --src-ip 198.18.0.2 --flows 100 --rx-port 0 --duration $DUR
DUTS=$SAVED_DUTS

# The VPN's data channel in the worker (docs/vpn.md): the generator is one
# OpenVPN client (rampart-pktgen --vpn). It gives the dataplane a peer with
# fresh keys over the dataplane's socket, as rampart-ctrl does after a
# handshake, and keeps the mirror of that state, run by the dataplane's own
# crypto code. vpn1420_up: 1420-byte packets into the tunnel, which the
# worker decrypts, checks and forwards out of "out"; vpn64_up and vpnimix_up:
# the same with 64-byte packets and with IMIX; vpn1420_down and vpnimix_down:
# packets to the peer's tunnel address, which the worker encrypts towards
# the peer, out of "in" (the generator decrypts one in 64 to check them). AES-256-GCM through the
# ipsec-mb PMD. ctrl runs without the VPN (the generator stands in for its
# server), so without the firewall: the tunnel's packets go through the rest
# of the pipeline. No testpmd baseline: bench/vpn.sh sets these against the
# PMD's own rate (dpdk-test-crypto-perf) and OpenVPN.
sed -e 's|^neighbors = (|neighbors = (\n\t{ ip = "198.18.0.2"; mac = "'"$PG_TX_MAC"'"; port = "in"; },|' \
	"$RUN/bench.conf" >"$RUN/bench.vpnctl.conf"
printf '# not read: ctrl runs without the VPN here\n' >"$RUN/vpn-server.conf"
{
	cat "$RUN/bench.vpnctl.conf"
	printf 'vpn = { server = "%s"; dataplane = true; };\n' "$RUN/vpn-server.conf"
} >"$RUN/bench.vpn.conf"
SAVED_DUTS=$DUTS
case " $DUTS " in
*" rampart "*)
	DUTS=rampart-vpn
	VPN_ARGS=(--vpn "$RUN/dataplane.sock" --duration "$DUR")
	scenario vpn1420_up "VPN: 1420-byte packets into the tunnel (decrypted, forwarded), AES-256-GCM" \
		"${VPN_ARGS[@]}" --src-ip 198.19.60.3 --size 1438
	scenario vpn64_up "VPN: 64-byte packets into the tunnel (decrypted, forwarded), AES-256-GCM" \
		"${VPN_ARGS[@]}" --src-ip 198.19.60.3 --size 82
	scenario vpnimix_up "VPN: IMIX 7:4:1 into the tunnel (large: 1420 B packets), AES-256-GCM" \
		"${VPN_ARGS[@]}" --src-ip 198.19.60.3 --imix
	VPN_DOWN=(--vpn-down --tx-port 1 --rx-port 0 --dst-mac 02:00:00:00:01:02
		--src-ip 198.19.1.2 --dst-ip 198.19.60.3)
	scenario vpn1420_down "VPN: 1420-byte packets to a peer (encrypted towards it), AES-256-GCM" \
		"${VPN_ARGS[@]}" "${VPN_DOWN[@]}" --size 1438
	scenario vpnimix_down "VPN: IMIX 7:4:1 to a peer (large: 1420 B packets), AES-256-GCM" \
		"${VPN_ARGS[@]}" "${VPN_DOWN[@]}" --imix
	;;
esac
DUTS=$SAVED_DUTS
BUSY_AFTER=$(busy_cores)

# what ran, for the report
jq -n --arg busy_before "$BUSY_BEFORE" --arg busy_after "$BUSY_AFTER" --arg quick "$QUICK" \
	--arg duts "$DUTS" --arg repeat "$REPEAT" --arg dur "$DUR" --arg warm "$WARM" \
	--arg testpmd "${TESTPMD_CMD[*]}" --arg testpmd_loop "${TESTPMD_LOOP_CMD[*]}" \
	--arg dataplane "${DATAPLANE_CMD[*]}" \
	--arg ctrl "${CTRL_CMD[*]}" --arg pktgen "${PKTGEN_CMD[*]}" --arg conf "$(cat "$RUN/bench.conf")" \
	'{other_busy_cores_before: ($busy_before | tonumber), other_busy_cores_after: ($busy_after | tonumber),
	  quick: ($quick == "1"), duts: ($duts | split(" ")), repeat: ($repeat | tonumber),
	  duration_s: ($dur | tonumber), warmup_s: ($warm | tonumber),
	  commands: {testpmd: $testpmd, testpmd_loop: $testpmd_loop, rampart_dataplane: $dataplane,
	             rampart_ctrl: $ctrl,
	             pktgen: ($pktgen + " --json RAW.json SCENARIO-ARGS")},
	  rampart_conf: $conf}' >"$RAW/env.json"
python3 "$top/bench/report.py" "$RAW" "$OUT"
echo "bench: report in $OUT/report.md"

# the firewall against Linux nftables (veth, AF_PACKET): bench/fw.sh, same lock;
# then NAT44 against nftables masquerade the same way: bench/nat.sh; then
# the DNS fast path against NSD and Knot: bench/dns.sh; then tenants:
# bench/tenant.sh; then the CalDAV server against Radicale: bench/caldav.sh;
# then the VPN against OpenVPN 2.6 and the crypto PMD: bench/vpn.sh
QUICK_OPT=()
if [ $QUICK = 1 ]; then QUICK_OPT=(--quick); fi
case "${BENCH_ONLY:+only} $DUTS " in
" "*" rampart "*)
	RAMPART_BENCH_LOCK_HELD=1 BUILD="$BUILD" "$top/bench/fw.sh" \
		"${QUICK_OPT[@]}" --out "$OUT" || echo "bench: fw.sh failed" >&2
	RAMPART_BENCH_LOCK_HELD=1 BUILD="$BUILD" "$top/bench/nat.sh" \
		"${QUICK_OPT[@]}" --out "$OUT" || echo "bench: nat.sh failed" >&2
	RAMPART_BENCH_LOCK_HELD=1 BUILD="$BUILD" "$top/bench/dns.sh" \
		"${QUICK_OPT[@]}" --out "$OUT" || echo "bench: dns.sh failed" >&2
	RAMPART_BENCH_LOCK_HELD=1 BUILD="$BUILD" "$top/bench/tenant.sh" \
		"${QUICK_OPT[@]}" --out "$OUT" || echo "bench: tenant.sh failed" >&2
	RAMPART_BENCH_LOCK_HELD=1 BUILD="$BUILD" "$top/bench/caldav.sh" \
		"${QUICK_OPT[@]}" --out "$OUT" || echo "bench: caldav.sh failed" >&2
	RAMPART_BENCH_LOCK_HELD=1 BUILD="$BUILD" "$top/bench/vpn.sh" \
		"${QUICK_OPT[@]}" --out "$OUT" || echo "bench: vpn.sh failed" >&2
	;;
esac
