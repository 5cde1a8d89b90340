#!/usr/bin/env bash
# The tenant benchmark (docs/bench.md, "Tenants"), side by side in one run:
#
#   rptn-cli: rampart-udpecho blast/first, core 0
#     tn0 (TAP) 198.18.5.1/24 ── the echo tenant under rampart-tender, core 1
#     cli0 198.18.6.2/24 ── veth ── rptn-srv: srv0 198.18.6.1/24,
#                                   rampart-udpecho echo (a host), core 1
#
#   - the system calls the tender's filter allows each example tenant
#     (solo5-spt allows 9);
#   - start to first packet: the tender started and a datagram sent every
#     millisecond at once, the time until the first answer (median of 5);
#   - UDP echo, answers a second, 64 and 1400 bytes, a window of 256 in
#     flight: to the tenant through its TAP, and to a host behind a veth
#     answering from a socket (recvmmsg/sendmmsg), the same traffic.
#
# Every process runs under a time limit, the whole script too; on exit its
# processes, namespaces and files go. Results: tenant.md in the report
# directory.
#
# Usage: bench/tenant.sh [--quick] [--out DIR]
#   --quick   1 s runs, 3 starts (a smoke test)
#   --out     report directory (default bench/report)
# Environment: BUILD (default build/), RAMPART_BENCH_LOCK_HELD=1 when the
# caller already holds the bench lock.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"

bench_bounded RAMPART_TENANTBENCH_BOUNDED "${TENANT_BENCH_TIMEOUT:-240}" "$@"

BUILD=${BUILD:-$top/build}
OUT=$top/bench/report
QUICK=0
bench_options "tenant bench" 26 "$@"
[ "$(id -u)" -eq 0 ] || { echo "tenant bench: needs root" >&2; exit 1; }
TENDER=$BUILD/sandbox/rampart-tender
UDPECHO=$BUILD/bench/rampart-udpecho
T=$BUILD/sandbox/tenants
for f in "$TENDER" "$UDPECHO" "$T/echo.tenant"; do
	[ -x "$f" ] || { echo "tenant bench: $f not built (make)" >&2; exit 1; }
done
DUR=5 STARTS=5
RUN_LIMIT=60
[ $QUICK = 1 ] && DUR=1 STARTS=3
NS_CLI=rptn-cli NS_SRV=rptn-srv
RUN=$(mktemp -d /run/rampart-tenantbench.XXXXXX)
pids=()

cleanup() {
	stop_spawned 2>/dev/null || true
	ip netns del $NS_CLI 2>/dev/null || true
	ip netns del $NS_SRV 2>/dev/null || true
	rm -rf "$RUN"
}
trap cleanup EXIT INT TERM
bench_lock "tenant bench"
mkdir -p "$OUT"

ip netns add $NS_CLI
ip netns add $NS_SRV
ip -n $NS_CLI link set lo up
ip -n $NS_SRV link set lo up
ip -n $NS_CLI tuntap add dev tn0 mode tap
ip -n $NS_CLI addr add 198.18.5.1/24 dev tn0
ip -n $NS_CLI link set tn0 up
ip link add cli0 netns $NS_CLI type veth peer name srv0 netns $NS_SRV
ip -n $NS_CLI addr add 198.18.6.2/24 dev cli0
ip -n $NS_SRV addr add 198.18.6.1/24 dev srv0
ip -n $NS_CLI link set cli0 up
ip -n $NS_SRV link set srv0 up

# --- system calls allowed
truncate -s 64K "$RUN/kv.img"
calls() { "$TENDER" --syscalls "$@" | wc -w; }
SC_HELLO=$(calls "$T/hello.tenant")
SC_KV=$(calls --block:storage="$RUN/kv.img" "$T/kv.tenant")
SC_ECHO=$(ip netns exec $NS_CLI "$TENDER" --syscalls --net:service=tn0 "$T/echo.tenant" | wc -w)

# --- start to first packet
firsts=()
for i in $(seq "$STARTS"); do
	ip netns exec $NS_CLI taskset -c 0 "$UDPECHO" first 198.18.5.2 7 5000 >"$RUN/first.$i" &
	f=$!
	spawn tp "$RUN/tenant.$i.log" ip netns exec $NS_CLI taskset -c 1 "$TENDER" --net:service=tn0 \
		"$T/echo.tenant" ip=198.18.5.2
	wait $f || true
	stop "$tp"
	firsts+=("$(cat "$RUN/first.$i")")
done
FIRST=$(printf '%s\n' "${firsts[@]}" | grep -v timeout | sort -n | awk '{a[NR]=$1} END {print NR ? a[int((NR+1)/2)] : "-"}')

# --- throughput: the tenant, then the host behind the veth
spawn tp "$RUN/tenant.log" ip netns exec $NS_CLI taskset -c 1 "$TENDER" --net:service=tn0 \
	"$T/echo.tenant" ip=198.18.5.2
spawn hp "$RUN/host.log" ip netns exec $NS_SRV taskset -c 1 "$UDPECHO" echo 7
sleep 0.5
declare -A PPS
for size in 64 1400; do
	for who in tenant:198.18.5.2 host:198.18.6.1; do
		name=${who%%:*} addr=${who#*:}
		r=$(ip netns exec $NS_CLI taskset -c 0 "$UDPECHO" blast "$addr" 7 "$DUR" "$size")
		PPS[$name.$size]=$(awk '{print $6}' <<<"$r")
		echo "  $name, $size B: $r"
	done
done
stop "$tp"
stop "$hp"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.2f" : "-"), a / b }'; }
cat >"$OUT/tenant.md" <<MD
## Tenants ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, ${DUR} s runs)

System calls the filter allows (solo5-spt: 9): hello (no device) $SC_HELLO, kv (a block device) $SC_KV, echo (a net device) $SC_ECHO; a tenant with both kinds of device: 9.

Start to first packet (rampart-tender started, a datagram every millisecond until the echo tenant answers), median of $STARTS: **$FIRST ms** (each: ${firsts[*]}).

UDP echo, answers a second (a window of 256 in flight, client on core 0, server on core 1):

| size | echo tenant (TAP) | host behind veth (socket) | tenant / host |
|---|---|---|---|
| 64 B | ${PPS[tenant.64]} | ${PPS[host.64]} | $(ratio "${PPS[tenant.64]}" "${PPS[host.64]}") |
| 1400 B | ${PPS[tenant.1400]} | ${PPS[host.1400]} | $(ratio "${PPS[tenant.1400]}" "${PPS[host.1400]}") |

The tenant answers a frame at a time with a read and a write system call on
its TAP (Solo5's net API has no batch) and parses the frame itself; the host
answers from a UDP socket in batches of 64 behind a veth, through the
kernel's IP and UDP layers. Through the dataplane (the lab's tenant ports),
the tenant's TAP is a port read with AF_PACKET, like the lab's others.
MD
cat "$OUT/tenant.md"
