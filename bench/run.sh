#!/usr/bin/env bash
# make bench: rampart against dpdk-testpmd (io forwarding) side by side, same
# generator, same run. rampart-pktgen owns lcore 0 and two memif servers; the
# device under test (DUT) is a memif client on both and forwards on lcore 1.
# Every run is bounded; everything started here is stopped on exit.
#
# Usage: bench/run.sh [--quick] [--dut testpmd|rampart|both] [--out DIR]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
OUT=$top/bench/report
DUTS="testpmd rampart"
QUICK=0
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--dut) shift; case $1 in both) DUTS="testpmd rampart" ;; testpmd|rampart) DUTS=$1 ;; *) echo "bad --dut" >&2; exit 2 ;; esac ;;
	--out) shift; OUT=$1 ;;
	-h|--help) sed -n '2,8p' "$0"; exit 0 ;;
	*) echo "unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (sudo make bench)" >&2; exit 1; }

RUN=/run/rampart-bench
RAW=$OUT/raw
PKTGEN=$BUILD/bench/rampart-pktgen
CONF=$top/bench/conf/bench.conf
DUT_MAC=02:00:00:00:01:01
# Each scenario runs REPEAT times, the DUTs alternating, and the report takes
# the median: this machine's neighbours make single runs noisy.
if [ $QUICK = 1 ]; then DUR=2; WARM=1; TRIAL=0.5; TRIALS=5; REPEAT=1; else DUR=4; WARM=1; TRIAL=1; TRIALS=8; REPEAT=3; fi

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 0.3
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	rm -rf "$RUN"
}
trap cleanup EXIT
mkdir -p "$RAW" "$RUN"
rm -f "$RAW"/*

EAL_COMMON=(--no-pci --log-level=lib.eal:error --log-level=pmd.net.memif:error)

start_pktgen() { # name args...
	local name=$1
	shift
	rm -f "$RUN"/a.sock "$RUN"/b.sock
	timeout 400 "$PKTGEN" -l 0 --no-huge -m 256 --file-prefix rampart-pktgen "${EAL_COMMON[@]}" \
		--vdev "net_memif0,role=server,socket=$RUN/a.sock,id=0,mac=02:00:00:00:02:01" \
		--vdev "net_memif1,role=server,socket=$RUN/b.sock,id=0,mac=02:00:00:00:02:02" \
		-- --dst-mac $DUT_MAC --link-wait 30 --warmup $WARM --json "$RAW/$name.json" "$@" \
		>"$RAW/$name.log" 2>&1 &
	PG=$!
	pids+=($PG)
	for _ in $(seq 100); do [ -S "$RUN/b.sock" ] && break; sleep 0.1; done
}

start_dut() { # dut name
	case $1 in
	testpmd)
		# --stats-period keeps testpmd running until signalled, without a terminal
		timeout 400 dpdk-testpmd -l 0,1 --main-lcore 0 --no-huge -m 512 \
			--file-prefix rampart-bench-tp "${EAL_COMMON[@]}" \
			--vdev "net_memif0,role=client,socket=$RUN/a.sock,id=0,mac=$DUT_MAC" \
			--vdev "net_memif1,role=client,socket=$RUN/b.sock,id=0,mac=02:00:00:00:01:02" \
			-- --forward-mode=io --auto-start --nb-cores=1 --total-num-mbufs=16384 \
			--stats-period 1 </dev/null >"$RAW/$2.dut.log" 2>&1 &
		DUT=$!
		pids+=($DUT)
		;;
	rampart)
		timeout 400 "$BUILD/dataplane/rampart-dataplane" -c "$CONF" >"$RAW/$2.dut.log" 2>&1 &
		DUT=$!
		pids+=($DUT)
		for _ in $(seq 100); do [ -S "$RUN/dataplane.sock" ] && break; sleep 0.1; done
		# ctrl on the generator's core, so it never preempts the worker
		taskset -c 0 timeout 400 "$BUILD/ctrl/rampart-ctrl" -c "$CONF" >"$RAW/$2.ctrl.log" 2>&1 &
		CTRL=$!
		pids+=($CTRL)
		;;
	esac
}

stop_dut() { # dut name
	if [ "$1" = rampart ]; then
		"$BUILD/ctrl/rampart" -s "$RUN/ctrl.sock" stats --json >"$RAW/$2.stats.json" 2>/dev/null || true
		kill "$CTRL" 2>/dev/null || true
		wait "$CTRL" 2>/dev/null || true
	fi
	kill "$DUT" 2>/dev/null || true
	wait "$DUT" 2>/dev/null || true
}

scenario() { # id description pktgen-args...
	local id=$1 desc=$2
	shift 2
	echo "$id	$desc" >>"$RAW/scenarios.tsv"
	for rep in $(seq $REPEAT); do
		for dut in $DUTS; do
			run_one "$id" "$dut" "$rep" "$@"
		done
	done
}

run_one() { # id dut rep pktgen-args...
	local id=$1 dut=$2 rep=$3
	shift 3
	local name="$id.$dut.$rep"
	printf '%-10s %-8s #%s ' "$id" "$dut" "$rep"
	if [ "$dut" = rampart ] && [ ! -x "$BUILD/dataplane/rampart-dataplane" ]; then
		echo "not available: rampart-dataplane not built" | tee "$RAW/$name.na"
		return
	fi
	start_pktgen "$name" "$@"
	start_dut "$dut" "$name"
	if ! wait "$PG"; then
		echo "failed: $(tail -1 "$RAW/$name.log")" | tee "$RAW/$name.na"
		stop_dut "$dut" "$name"
		return
	fi
	stop_dut "$dut" "$name"
	grep -E "^(run|zero-loss)" "$RAW/$name.log" | tail -1 | cut -c1-100
}

echo "bench: generator on lcore 0, DUT on lcore 1, memif links; ${DUR}s per run, $REPEAT runs each"
scenario fwd64 "IPv4 forwarding, 64 B, 1 flow, max rate" --size 64 --duration $DUR
scenario fwd64_1k "IPv4 forwarding, 64 B, 1000 flows, max rate" --size 64 --flows 1000 --duration $DUR
scenario imix "IPv4 forwarding, IMIX 7:4:1, max rate" --imix --flows 100 --duration $DUR
scenario fwd64_v6 "IPv6 forwarding, 64 B, max rate" --ipv6 --size 64 --duration $DUR
scenario latency "latency at 1 Mpps, 64 B" --size 64 --rate 1000000 --latency-every 100 --duration $DUR
scenario rfc2544 "RFC 2544 zero-loss throughput, 64 B" --size 64 --rfc2544 --trial $TRIAL \
	--max-trials $TRIALS --resolution 2 --rate-min 100000

python3 "$top/bench/report.py" "$RAW" "$OUT"
echo "bench: report in $OUT/report.md"
