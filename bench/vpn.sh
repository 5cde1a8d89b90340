#!/usr/bin/env bash
# The VPN benchmark (docs/bench.md, "VPN"): rampart's OpenVPN-compatible data
# channel against the raw AEAD of DPDK's crypto PMD and against OpenVPN 2.6,
# side by side in one run, on this machine:
#
#   1. engine    rampart-vpndatabench: vpn_data_encrypt / vpn_data_decrypt
#                (vpn/data.h: libsodium, mbedTLS for AES-128-GCM) alone, AES-256-GCM, AES-128-GCM,
#                CHACHA20-POLY1305, 1420 B, 64 B and IMIX, core 1
#   1b. stage    rampart-vpndpbench: the dataplane's dp_vpn_encrypt and
#                dp_vpn_decrypt (dataplane/vpn.c) in bursts of 32 through the
#                PMD, 1420 B and 64 B, core 1
#   2. ceiling   dpdk-test-crypto-perf --ptest throughput on the ipsec-mb
#                PMDs (crypto_aesni_gcm, crypto_chacha20_poly1305), the same
#                AEADs (12-byte nonce, 8-byte AAD, 16-byte tag), lcore 1;
#                openssl speed -evp beside it (what OpenVPN's data channel
#                calls), and the ceiling if a PMD is missing
#   3. tunnels   rpvb-s-PID: the servers, core 1    rpvb-c-PID: clients, core 0
#                  vs 198.18.70.1/24 ──── veth ──── vc 198.18.70.2/24
#                rampart-ctrl (vpn = { server }, UDP 1194, tun71, pool
#                198.18.71.0/24) and openvpn 2.6 (--disable-dco, UDP 1195,
#                tun72, pool 198.18.72.0/24) from the same OpenVPN server
#                config (AES-256-GCM, tls-crypt-v2), each with a Debian
#                openvpn 2.6 client; iperf3 through each in turn: UDP with
#                1420 B and 64 B tunnelled packets (-b 0) up, 1420 B down
#                (-R), one TCP stream up.
# Figures: packets/s and Gbit/s of the tunnelled IP packets (the TUN's
# counters at the far end), and cycles per byte: TSC cycles of the engine,
# crypto-perf's Cycles/Buf, for the servers their process's CPU time
# (/proc/PID/stat) x the TSC rate over the bytes they moved.
#   4. dataplane the lab's VPN profile (scripts/lab.sh, LAB_VPN=1) with the
#                data channel in the dataplane's worker (core 1): road's
#                openvpn 2.6 and iperf3 (core 0) through it to lan, the same
#                four rows; the worker's busy cycles per inner byte.
#   5. full bursts bench/run.sh's VPN scenarios: rampart-pktgen --vpn, one
#                OpenVPN client of the dataplane over memif (the generator on
#                core 0, the worker on core 1), 1420 B and IMIX up and down,
#                64 B up, AES-256-GCM; a user-space client (4) fills a burst with
#                one or two packets, the generator with 32. Run here, or
#                taken from the report directory when bench/run.sh ran them
#                just before (make bench).
# Only correctness fails the
# run (exit 3: a decryption that does not give the packet back, a tunnel
# that does not come up, no traffic through it); targets are reported.
# Every process runs under a time limit, the whole script too; on exit,
# failure or signal everything it started is stopped and its namespaces and
# files removed. Results: vpn.md, vpn.json and raw/vpn.* in the report
# directory.
#
# Usage: bench/vpn.sh [--quick] [--perf] [--out DIR]
#   --quick   2 s tunnel rows, fewer packets (a smoke test, about a minute)
#   --perf    also record rampart-ctrl with perf during its tunnel rows
#             (raw/vpn.perf.ROW.txt; perf slows it: figures not comparable)
#   --out     report directory (default bench/report)
# Environment: BUILD (build directory, default build/), VPN_BENCH_TIMEOUT
# (seconds for the whole run, default 480), RAMPART_BENCH_LOCK_HELD=1 when
# the caller (bench/run.sh) already holds /run/lock/rampart-bench.lock.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"

bench_bounded RAMPART_VPNBENCH_BOUNDED "${VPN_BENCH_TIMEOUT:-480}" "$@"

BUILD=${BUILD:-$top/build}
OUT=$top/bench/report
QUICK=0 PERF=0
args=()
for a in "$@"; do
	if [ "$a" = --perf ]; then PERF=1; else args+=("$a"); fi
done
bench_options "vpn bench" 43 "${args[@]+"${args[@]}"}"
[ "$(id -u)" -eq 0 ] || { echo "vpn bench: needs root (sudo bench/vpn.sh)" >&2; exit 1; }
CTRL=$BUILD/ctrl/rampart-ctrl
DATABENCH=$BUILD/bench/rampart-vpndatabench
PY=/usr/bin/python3 # not a pyenv's
for f in "$CTRL" "$DATABENCH"; do
	[ -x "$f" ] || { echo "vpn bench: $f not built (make)" >&2; exit 1; }
done
for c in ip taskset openvpn openssl iperf3 jq; do
	command -v $c >/dev/null || { echo "vpn bench: $c not found (make deps)" >&2; exit 1; }
done
[ -c /dev/net/tun ] || { echo "vpn bench: no /dev/net/tun" >&2; exit 1; }
[ $PERF = 0 ] || command -v perf >/dev/null || { echo "vpn bench: --perf: no perf" >&2; exit 1; }
CRYPTOPERF=$(command -v dpdk-test-crypto-perf || true)

# the engine and the ceiling: the median of REPEAT runs (a VM's neighbours
# move single runs by a third)
DUR=4 COUNT=30000 OPS_AES=1000000 OPS_CHACHA=500000 SPEED_S=1 REPEAT=3
[ $QUICK = 1 ] && DUR=2 COUNT=10000 OPS_AES=300000 OPS_CHACHA=150000 REPEAT=1
RUN_LIMIT=240 # seconds any one process may run
if [ "$(nproc)" -ge 2 ]; then CORE_REST=0 CORE_SRV=1; else CORE_REST=0 CORE_SRV=0; fi
S=rpvb-s-$$ C=rpvb-c-$$
PREFIX=rampart-vpnbench-$$ # the EAL file prefix of dpdk-test-crypto-perf

bench_lock "vpn bench"
RUN=$(mktemp -d /run/rampart-vpnbench.XXXXXX)
RAW=$OUT/raw
mkdir -p "$RAW"
rm -f "$RAW"/vpn.* "$OUT/vpn.md" "$OUT/vpn.json"
pids=()
cleanup() {
	local rc=$?
	trap '' INT TERM
	trap - EXIT
	stop_spawned
	[ -n "${LABD:-}" ] && LAB_VPN=1 "$top/scripts/lab.sh" down >/dev/null 2>&1
	ip netns del "$C" 2>/dev/null || true
	ip netns del "$S" 2>/dev/null || true
	rm -rf "$RUN" /var/run/dpdk/"$PREFIX"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

BUSY_BEFORE=$(busy_cores)
echo "vpn bench: measured work on core $CORE_SRV, the rest on core $CORE_REST;" \
	"other load now: $BUSY_BEFORE of $(nproc) cores busy"

# ---- 1. the engine alone: rampart-vpndatabench on the measured core
echo "vpn bench: engine (vpn_data_encrypt/decrypt, $COUNT packets of 1420 B, 4x of 64 B, 2x IMIX)"
ENGINE_RC=0
timeout -k 5 120 taskset -c $CORE_SRV "$DATABENCH" --count $COUNT --repeat $REPEAT --json \
	>"$RAW/vpn.engine.json" 2>"$RAW/vpn.engine.err" || ENGINE_RC=$?
jq -r '.rows[] | select(.size == "1420") | "  \(.cipher) \(.op) 1420 B: \(.gbps * 1000 | round / 1000) Gbit/s, \(.cycles_per_byte * 100 | round / 100) cycles/B"' \
	"$RAW/vpn.engine.json" 2>/dev/null || true
[ $ENGINE_RC = 0 ] || echo "vpn bench: rampart-vpndatabench failed ($ENGINE_RC): $(cat "$RAW/vpn.engine.err")" >&2

# ---- 1b. the dataplane's crypto stage alone: rampart-vpndpbench (dp_vpn_encrypt
# and dp_vpn_decrypt in bursts of 32 through the PMD), the measured core
DPSTAGE_RC=0
if [ -x "$BUILD/bench/rampart-vpndpbench" ]; then
	echo "vpn bench: the dataplane's crypto stage (dp_vpn_encrypt/decrypt, bursts of 32)"
	timeout -k 5 120 taskset -c $CORE_SRV "$BUILD/bench/rampart-vpndpbench" --lcore $CORE_SRV \
		--count $COUNT >"$RAW/vpn.dpstage.out" 2>"$RAW/vpn.dpstage.err" || DPSTAGE_RC=$?
	grep '^{"tsc_hz"' "$RAW/vpn.dpstage.out" >"$RAW/vpn.dpstage.json" || true
	jq -r '.rows[] | select(.size == 1420) | "  \(.cipher) \(.op) 1420 B: \(.cycles_per_byte * 100 | round / 100) cycles/B"' \
		"$RAW/vpn.dpstage.json" 2>/dev/null || true
fi

# ---- 2. the ceiling: the crypto PMD's AEAD alone (dpdk-test-crypto-perf)
# cryptoperf NAME PMD ALGO KEY-BYTES OPS
cryptoperf() {
	local name=$1 pmd=$2 algo=$3 ks=$4 ops=$5 op rep f
	for op in encrypt decrypt; do
		for rep in $(seq $REPEAT); do
		f=$RAW/vpn.cryptoperf.$name.$op.$rep.txt
		timeout -k 5 60 "$CRYPTOPERF" -l "$CORE_REST,$CORE_SRV" --no-huge -m 512 --no-pci \
			--file-prefix "$PREFIX" --vdev "$pmd" --log-level=lib.eal:error \
			--log-level=lib.telemetry:error -- --ptest throughput --devtype "$pmd" \
			--optype aead --aead-algo "$algo" --aead-op $op --aead-key-sz "$ks" \
			--aead-iv-sz 12 --aead-aad-sz 8 --digest-sz 16 --buffer-sz 64,594,1420,1518 \
			--total-ops "$ops" --silent >"$f" 2>&1 || echo "exit status $?" >>"$f"
		done
		awk -v n="$name" -v op=$op '$1 ~ /^[0-9]+$/ && NF == 10 && $2 == 1420 {
			printf "  %s %s 1420 B: %.3f Gbit/s, %.3f cycles/B\n", n, op, $9, $10 / $2 }' \
			"$f"
	done
}
if [ -n "$CRYPTOPERF" ]; then
	echo "vpn bench: ceiling (dpdk-test-crypto-perf, ipsec-mb PMDs, lcore $CORE_SRV)"
	cryptoperf AES-256-GCM crypto_aesni_gcm aes-gcm 32 $OPS_AES
	cryptoperf AES-128-GCM crypto_aesni_gcm aes-gcm 16 $OPS_AES
	cryptoperf CHACHA20-POLY1305 crypto_chacha20_poly1305 chacha20-poly1305 32 $OPS_CHACHA
else
	echo "vpn bench: no dpdk-test-crypto-perf (apt-get install dpdk): openssl speed is the ceiling"
fi
# openssl speed -evp: OpenSSL's AEAD through EVP, as OpenVPN 2.6 calls it
for c in aes-256-gcm aes-128-gcm chacha20-poly1305; do
	for b in 1420 64 594 1518; do
		timeout -k 5 30 taskset -c $CORE_SRV openssl speed -evp $c -bytes $b -seconds $SPEED_S \
			-mr 2>/dev/null | grep '^+F:' >>"$RAW/vpn.openssl-speed.txt" || true
	done
done

# ---- 3. the tunnels
PKI=$RUN/pki
mkdir -p "$PKI"
(
	cd "$PKI"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout ca.key -out ca.crt -days 2 -subj "/CN=bench-ca" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
	leaf() {
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$1.key" -out "$1.csr" -subj "/CN=$1"
		printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\n' \
			"$2" >"$1.ext"
		openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
			-days 2 -extfile "$1.ext" -out "$1.crt"
	}
	leaf server serverAuth
	leaf client clientAuth
	openvpn --genkey tls-crypt-v2-server tc2-server.key
	openvpn --tls-crypt-v2 tc2-server.key --genkey tls-crypt-v2-client tc2-client.key
) >"$RAW/vpn.pki.log" 2>&1 || { echo "vpn bench: making the PKI: $(tail -3 "$RAW/vpn.pki.log")" >&2; exit 1; }

ip netns add "$S"
ip netns add "$C"
ip -n "$S" link set lo up
ip -n "$C" link set lo up
ip -n "$S" link add vs type veth peer name vc netns "$C"
ip -n "$S" addr add 198.18.70.1/24 dev vs
ip -n "$C" addr add 198.18.70.2/24 dev vc
ip -n "$S" link set vs up
ip -n "$C" link set vc up

# one OpenVPN server config, read by both servers: server-conf PORT DEV POOL
server_conf() {
	cat <<EOF
server $3 255.255.255.0
topology subnet
dev $2
proto udp
port $1
local 198.18.70.1
ca ca.crt
cert server.crt
key server.key
dh none
remote-cert-tls client
tls-version-min 1.2
tls-crypt-v2 tc2-server.key
data-ciphers AES-256-GCM
keepalive 10 60
disable-dco
verb 3
EOF
}
server_conf 1194 tun71 198.18.71.0 >"$PKI/rampart-vpn.conf"
server_conf 1195 tun72 198.18.72.0 >"$PKI/openvpn-server.conf"
mkdir -p "$RUN/state"
cat >"$RUN/rampart.conf" <<EOF
dataplane = { socket = "$RUN/dp.sock"; };
ctrl = { socket = "$RUN/ctrl.sock"; };
ports = ( { name = "lan"; devargs = "net_null0"; addresses = [ "198.18.1.1/24" ]; } );
firewall = { state_dir = "$RUN/state"; };
vpn = { server = "$PKI/rampart-vpn.conf"; };
EOF

# the process a spawn started (spawn's is timeout's; ip netns exec and taskset exec)
child_pid() {
	local p
	for _ in $(seq 50); do
		p=$(pgrep -P "$1" | head -1 || true)
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.1
	done
	return 1
}
# wait_log SECONDS FILE PATTERN
wait_log() {
	for _ in $(seq $(($1 * 10))); do
		grep -q "$3" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
FAILED=()

spawn R_T "$RAW/vpn.rampart-ctrl.log" ip netns exec "$S" taskset -c $CORE_SRV "$CTRL" -c "$RUN/rampart.conf"
spawn O_T "$RAW/vpn.openvpn-server.log" ip netns exec "$S" taskset -c $CORE_SRV \
	openvpn --cd "$PKI" --config openvpn-server.conf
R_PID=$(child_pid "$R_T") || true
O_PID=$(child_pid "$O_T") || true
wait_log 15 "$RAW/vpn.rampart-ctrl.log" "vpn: server from .* on UDP 198.18.70.1:1194, tunnel tun71" ||
	FAILED+=("rampart-ctrl's VPN server did not start: $(grep vpn "$RAW/vpn.rampart-ctrl.log" | tail -2)")
wait_log 15 "$RAW/vpn.openvpn-server.log" "Initialization Sequence Completed" ||
	FAILED+=("the openvpn server did not start: $(tail -2 "$RAW/vpn.openvpn-server.log")")

# the same openvpn 2.6 client for both: client NAME PORT DEV
client() {
	spawn "$1_T" "$RAW/vpn.client-$1.log" ip netns exec "$C" taskset -c $CORE_REST \
		openvpn --client --dev "$3" --proto udp --remote 198.18.70.1 "$2" --nobind \
		--cd "$PKI" --ca ca.crt --cert client.crt --key client.key --remote-cert-tls server \
		--tls-crypt-v2 tc2-client.key --data-ciphers AES-256-GCM --disable-dco --verb 3
}
client RC 1194 tun71
client OC 1195 tun72
RC_PID=$(child_pid "$RC_T") || true
OC_PID=$(child_pid "$OC_T") || true
wait_log 30 "$RAW/vpn.client-RC.log" "Initialization Sequence Completed" ||
	FAILED+=("the openvpn client of rampart-ctrl: no tunnel: $(tail -2 "$RAW/vpn.client-RC.log")")
wait_log 30 "$RAW/vpn.client-OC.log" "Initialization Sequence Completed" ||
	FAILED+=("the openvpn client of the openvpn server: no tunnel: $(tail -2 "$RAW/vpn.client-OC.log")")

# iperf3 servers behind each tunnel's server end, on the other core
spawn IR_T "$RAW/vpn.iperf3-server-rampart.log" ip netns exec "$S" taskset -c $CORE_REST \
	iperf3 -s -B 198.18.71.1 -p 5201
spawn IO_T "$RAW/vpn.iperf3-server-openvpn.log" ip netns exec "$S" taskset -c $CORE_REST \
	iperf3 -s -B 198.18.72.1 -p 5202
for _ in $(seq 50); do
	ip netns exec "$S" ss -ltn | grep -q 198.18.71.1:5201 &&
		ip netns exec "$S" ss -ltn | grep -q 198.18.72.1:5202 && break
	sleep 0.1
done

# cpu PID: utime+stime in clock ticks (0 when gone)
cpu() {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
# ifstat NS DEV: its counters as JSON
ifstat() {
	local d=/sys/class/net/$2/statistics
	ip netns exec "$1" sh -c "printf '{\"rx_bytes\":%s,\"rx_packets\":%s,\"tx_bytes\":%s,\"tx_packets\":%s}' \
		\$(cat $d/rx_bytes $d/rx_packets $d/tx_bytes $d/tx_packets)" 2>/dev/null || echo '{}'
}
# snap SRV: a JSON snapshot of the counters a row is measured with
snap() {
	local dev spid cpid
	if [ "$1" = rampart ]; then dev=tun71 spid=$R_PID cpid=$RC_PID; else dev=tun72 spid=$O_PID cpid=$OC_PID; fi
	printf '{"t":%s,"server_cpu_ticks":%s,"client_cpu_ticks":%s,"s_tun":%s,"c_tun":%s,"s_veth":%s,"c_veth":%s}' \
		"$(date +%s.%N)" "$(cpu "$spid")" "$(cpu "$cpid")" "$(ifstat "$S" $dev)" "$(ifstat "$C" $dev)" \
		"$(ifstat "$S" vs)" "$(ifstat "$C" vc)"
}

# row SRV ROW iperf3-args...: one row through one server's tunnel
T0=$(date +%s)
row() {
	local srv=$1 name=$2 addr port perf_pid='' pid rc=0
	shift 2
	if [ "$srv" = rampart ]; then addr=198.18.71.1 port=5201 pid=$R_PID; else addr=198.18.72.1 port=5202 pid=$O_PID; fi
	if [ $PERF = 1 ] && [ "$srv" = rampart ]; then
		perf record -q -g -F 999 -o "$RUN/perf.$name.data" -p "$pid" >/dev/null 2>&1 &
		perf_pid=$!
		pids+=("$perf_pid")
		sleep 0.3
	fi
	snap "$srv" >"$RAW/vpn.$name.$srv.before.json"
	timeout -k 5 $((DUR + 20)) ip netns exec "$C" taskset -c $CORE_REST iperf3 -c $addr -p $port \
		-t "$DUR" -J "$@" >"$RAW/vpn.$name.$srv.iperf3.json" 2>"$RAW/vpn.$name.$srv.iperf3.err" || rc=$?
	snap "$srv" >"$RAW/vpn.$name.$srv.after.json"
	if [ -n "$perf_pid" ]; then
		kill -INT "$perf_pid" 2>/dev/null || true
		wait "$perf_pid" 2>/dev/null || true
		{
			perf report -q -i "$RUN/perf.$name.data" --no-children --sort dso --stdio -g none
			echo
			perf report -q -i "$RUN/perf.$name.data" --no-children --percent-limit 1 --stdio -g none
		} >"$RAW/vpn.perf.$name.txt" 2>/dev/null || true
		rm -f "$RUN/perf.$name.data"
	fi
	[ $rc = 0 ] || echo "iperf3 exit status $rc: $(tail -c 300 "$RAW/vpn.$name.$srv.iperf3.json" | tr '\n' ' ')" \
		>>"$RAW/vpn.$name.$srv.iperf3.err"
	"$PY" - "$RAW" "$name" "$srv" $(($(date +%s) - T0)) <<'EOF'
import json, sys
raw, name, srv, t = sys.argv[1:5]
b = json.load(open("%s/vpn.%s.%s.before.json" % (raw, name, srv)))
a = json.load(open("%s/vpn.%s.%s.after.json" % (raw, name, srv)))
dt = a["t"] - b["t"]
down = name.endswith("down")
tun = "c_tun" if down else "s_tun"
d = lambda k, f: a[k].get(f, 0) - b[k].get(f, 0)
cpu = (a["server_cpu_ticks"] - b["server_cpu_ticks"]) / 100
print("  %3ss %-9s %-8s %7.3f Gbit/s %9.0f pps   server %.2f cores, client %.2f cores" % (
    t, name, srv, d(tun, "rx_bytes") * 8 / dt / 1e9, d(tun, "rx_packets") / dt, cpu / dt,
    (a["client_cpu_ticks"] - b["client_cpu_ticks"]) / 100 / dt))
EOF
}
if [ ${#FAILED[@]} = 0 ]; then
	echo "vpn bench: tunnels up; ${DUR} s rows, servers on core $CORE_SRV, clients and iperf3 on core $CORE_REST"
	# warm-up, unmeasured: ARP, both tunnels' first packets
	ip netns exec "$C" ping -c 2 -i 0.2 -W 2 198.18.71.1 >/dev/null 2>&1 || true
	ip netns exec "$C" ping -c 2 -i 0.2 -W 2 198.18.72.1 >/dev/null 2>&1 || true
	# 1420 B tunnelled: 1392 B of UDP payload + 8 + 20; 64 B: 36 B of payload
	for srv in rampart openvpn; do row $srv udp1420 -u -b 0 -l 1392; done
	for srv in rampart openvpn; do row $srv udp64 -u -b 0 -l 36; done
	for srv in rampart openvpn; do row $srv udp1420down -u -b 0 -l 1392 -R; done
	for srv in rampart openvpn; do row $srv tcp; done
fi

# ---- 4. the tunnel through the dataplane: the lab's VPN profile, the data
# channel in the workers (vpn { dataplane = true; }), road's openvpn and
# both iperf3 ends on core $CORE_REST, the dataplane's worker on core 1
DPLAB=0
if [ -x "$BUILD/dataplane/rampart-dataplane" ] && [ ${#FAILED[@]} = 0 ]; then
	stop_spawned
	pids=()
	ip netns del "$C" 2>/dev/null || true
	ip netns del "$S" 2>/dev/null || true
	LABD=$RUN/lab
	mkdir -p "$LABD/state"
	cp "$top/conf/rampart.conf" "$top/conf/rules.conf" "$LABD/"
	sed -i "s|^[[:space:]]*# state_dir = .*|\tstate_dir = \"$LABD/state\";|" "$LABD/rampart.conf"
	printf '\nvpn = { server = "/run/rampart-lab/vpn/vpn-server.conf"; dataplane = true; };\n' >>"$LABD/rampart.conf"
	printf 'pass in on vpn proto tcp to 198.18.1.2 port 5203\npass in on vpn proto udp to 198.18.1.2 port 5203\n' >>"$LABD/rules.conf"
	export LAB_VPN=1 LAB_CONF=$LABD/rampart.conf LAB_BUILD=$BUILD
	if timeout -k 5 120 "$top/scripts/lab.sh" up >"$RAW/vpn.lab.log" 2>&1; then
		DPLAB=1
		for p in $(cat /run/rampart-lab/road.pid /run/rampart-lab/ctrl.pid 2>/dev/null); do
			taskset -a -p -c $CORE_REST "$p" >/dev/null 2>&1 || true
		done
		spawn ID_T "$RAW/vpn.iperf3-server-lan.log" ip netns exec lan taskset -c $CORE_REST \
			iperf3 -s -B 198.18.1.2 -p 5203
		for _ in $(seq 50); do
			ip netns exec lan ss -ltn | grep -q 198.18.1.2:5203 && break
			sleep 0.1
		done
		ip netns exec road ping -c 2 -i 0.2 -W 2 198.18.1.2 >/dev/null 2>&1 || true
	else
		FAILED+=("the lab with the VPN in the dataplane did not come up: $(tail -3 "$RAW/vpn.lab.log" | tr '\n' ' ')")
		"$top/scripts/lab.sh" down >/dev/null 2>&1 || true
	fi
fi
# dpsnap: the dataplane's counters, summed over its workers (JSON)
dpsnap() {
	printf '{"t":%s,"totals":%s,"client_cpu_ticks":%s}' "$(date +%s.%N)" \
		"$("$BUILD/ctrl/rampart" --json stats | jq -c .totals)" "$(cpu "$(cat /run/rampart-lab/road.pid)")"
}
dprow() {
	local name=$1 rc=0
	shift
	dpsnap >"$RAW/vpn.dp.$name.before.json"
	timeout -k 5 $((DUR + 20)) ip netns exec road taskset -c $CORE_REST iperf3 -c 198.18.1.2 -p 5203 \
		-t "$DUR" -J "$@" >"$RAW/vpn.dp.$name.iperf3.json" 2>"$RAW/vpn.dp.$name.iperf3.err" || rc=$?
	dpsnap >"$RAW/vpn.dp.$name.after.json"
	[ $rc = 0 ] || echo "iperf3 exit status $rc" >>"$RAW/vpn.dp.$name.iperf3.err"
	echo "  dataplane $name: $(jq -r -s '"\((.[1].totals.vpn_rx_bytes + .[1].totals.vpn_tx_bytes - .[0].totals.vpn_rx_bytes - .[0].totals.vpn_tx_bytes) / (.[1].t - .[0].t) * 8 / 1e9 * 1000 | floor / 1000) Gbit/s inner, \((.[1].totals.busy_cycles - .[0].totals.busy_cycles) / ([.[1].totals.vpn_rx_bytes + .[1].totals.vpn_tx_bytes - .[0].totals.vpn_rx_bytes - .[0].totals.vpn_tx_bytes, 1] | max) * 100 | floor / 100) worker cycles/B"' \
		"$RAW/vpn.dp.$name.before.json" "$RAW/vpn.dp.$name.after.json")"
}
if [ $DPLAB = 1 ]; then
	echo "vpn bench: the tunnel through the dataplane (the lab's VPN profile); ${DUR} s rows"
	dprow udp1420 -u -b 0 -l 1392
	dprow udp64 -u -b 0 -l 36
	dprow udp1420down -u -b 0 -l 1392 -R
	dprow tcp
	"$top/scripts/lab.sh" down >/dev/null 2>&1 || true
fi

# ---- 5. the tunnel at full bursts: bench/run.sh's VPN scenarios (memif,
# rampart-pktgen --vpn); bench/run.sh ran them just before when it called us
MEMIF_RAW=""
MEMIF_SCEN="vpn1420_up vpn64_up vpnimix_up vpn1420_down vpnimix_down"
if [ "${RAMPART_BENCH_LOCK_HELD:-0}" = 1 ] && [ -f "$RAW/vpn1420_up.rampart-vpn.1.stats.json" ]; then
	MEMIF_RAW=$RAW
elif [ -x "$BUILD/bench/rampart-pktgen" ] && [ -x "$BUILD/dataplane/rampart-dataplane" ]; then
	stop_spawned
	pids=()
	echo "vpn bench: the tunnel at full bursts (bench/run.sh: $MEMIF_SCEN)"
	QUICK_OPT=()
	[ $QUICK = 1 ] && QUICK_OPT=(--quick)
	if RAMPART_BENCH_LOCK_HELD=1 BENCH_ONLY="$MEMIF_SCEN" BENCH_TIMEOUT=240 BUILD="$BUILD" \
		"$top/bench/run.sh" "${QUICK_OPT[@]+"${QUICK_OPT[@]}"}" --dut rampart --out "$OUT/vpn-memif" \
		>"$RAW/vpn.memif.log" 2>&1; then
		MEMIF_RAW=$OUT/vpn-memif/raw
		grep -E "^vpn" "$RAW/vpn.memif.log" | cut -c1-110 || true
	else
		FAILED+=("bench/run.sh's VPN scenarios failed: $(tail -2 "$RAW/vpn.memif.log" | tr '\n' ' ')")
	fi
fi
BUSY_AFTER=$(busy_cores)

# ---- the report
"$PY" - "$RAW" "$OUT" <<EOF
import json, os, re, subprocess, sys, time
raw, out = sys.argv[1], sys.argv[2]
DUR, QUICK, PERF = $DUR, $QUICK, $PERF
CORE_SRV, CORE_REST = $CORE_SRV, $CORE_REST
FAILED = json.loads(r'''$(jq -n '$ARGS.positional' --args "${FAILED[@]+"${FAILED[@]}"}")''')
ENGINE_RC = $ENGINE_RC
DPSTAGE_RC = $DPSTAGE_RC
CIPHERS = ["AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"]
IMIX = [(64, 7), (594, 4), (1518, 1)]
problems = list(FAILED)

def f(v, p=None):
    if v is None:
        return "-"
    if p is None:
        p = "%.0f" if abs(v) >= 100 else "%.1f" if abs(v) >= 10 else "%.2f" if abs(v) >= 1 else "%.3f"
    return p % v

# the engine
try:
    engine = json.load(open(os.path.join(raw, "vpn.engine.json")))
except Exception as e:
    engine = {"rows": [], "failures": 1}
    problems.append("rampart-vpndatabench gave no result: %s" % e)
if ENGINE_RC or engine.get("failures"):
    err = open(os.path.join(raw, "vpn.engine.err")).read().strip()
    problems.append("engine: decryption check failed (exit %d): %s" % (ENGINE_RC, err[:400]))
tsc_hz = engine.get("tsc_hz")
if not tsc_hz:
    m = re.search(r"cpu MHz\s*:\s*([0-9.]+)", open("/proc/cpuinfo").read())
    tsc_hz = float(m.group(1)) * 1e6 if m else 2e9
def erow(cipher, size, op):
    for r in engine["rows"]:
        if r["cipher"] == cipher and r["size"] == size and r["op"] == op:
            return r
    return None

# the ceiling: crypto-perf (Cycles/Buf are TSC cycles: rte_get_tsc_hz)
ceiling = {}
for c in CIPHERS:
    for op in ("encrypt", "decrypt"):
        runs = {}
        for rep in range(1, $REPEAT + 1):
            p = os.path.join(raw, "vpn.cryptoperf.%s.%s.%d.txt" % (c, op, rep))
            if not os.path.exists(p):
                continue
            for line in open(p):
                w = line.split()
                if len(w) == 10 and w[0].isdigit():
                    runs.setdefault(int(w[1]), []).append(
                        {"mops": float(w[7]), "gbps": float(w[8]), "cycles_per_buf": float(w[9])})
        for size, rs in runs.items():
            m = sorted(rs, key=lambda x: x["cycles_per_buf"])[len(rs) // 2]  # the median run
            ceiling[(c, op, size)] = dict(m, cycles_per_byte=m["cycles_per_buf"] / size, runs=len(rs))
# openssl speed -evp (bytes/s of plaintext, one core)
ossl = {}
names = {"AES-256-GCM": "AES-256-GCM", "AES-128-GCM": "AES-128-GCM", "ChaCha20-Poly1305": "CHACHA20-POLY1305"}
speed_sizes = [1420, 64, 594, 1518]
cnt = {}
p = os.path.join(raw, "vpn.openssl-speed.txt")
if os.path.exists(p):
    for line in open(p):
        w = line.strip().split(":")
        if len(w) >= 4 and w[2] in names:
            c = names[w[2]]
            i = cnt.get(c, 0)
            cnt[c] = i + 1
            if i < len(speed_sizes):
                bps = float(w[3])
                ossl[(c, speed_sizes[i])] = {"gbps": bps * 8 / 1e9, "cycles_per_byte": tsc_hz / bps if bps else None}
def imix_of(get):
    """cycles/byte and Gbit/s of IMIX 7:4:1 from per-size cycles/byte (None if a size is missing)"""
    cyc = byt = 0.0
    for size, w in IMIX:
        cpb = get(size)
        if cpb is None:
            return None, None
        cyc += w * cpb * size
        byt += w * size
    cpb = cyc / byt
    return cpb, tsc_hz / cpb * 8 / 1e9
def ceil_cpb(c, op, size):
    if size == "imix":
        return imix_of(lambda s: (ceiling.get((c, op, s)) or {}).get("cycles_per_byte"))[0]
    e = ceiling.get((c, op, size))
    return e["cycles_per_byte"] if e else None
def ossl_cpb(c, size):
    if size == "imix":
        return imix_of(lambda s: (ossl.get((c, s)) or {}).get("cycles_per_byte"))[0]
    e = ossl.get((c, size))
    return e["cycles_per_byte"] if e else None
ceiling_src = "dpdk-test-crypto-perf" if ceiling else "openssl speed -evp (no dpdk-test-crypto-perf result)"
def ceiling_of(c, op, size):
    return ceil_cpb(c, op, size) if ceiling else ossl_cpb(c, size)

# the tunnels
tunnel_rows = [("udp1420", "UDP up, 1420 B tunnelled packets (iperf3 -u -b 0 -l 1392)", 1420),
               ("udp64", "UDP up, 64 B tunnelled packets (iperf3 -u -b 0 -l 36)", 64),
               ("udp1420down", "UDP down, 1420 B (iperf3 -u -b 0 -l 1392 -R)", 1420),
               ("tcp", "TCP up, one stream (iperf3)", None)]
tunnels = []
for name, title, size in tunnel_rows:
    res = {"row": name, "title": title}
    for srv in ("rampart", "openvpn"):
        r = {}
        try:
            b = json.load(open(os.path.join(raw, "vpn.%s.%s.before.json" % (name, srv))))
            a = json.load(open(os.path.join(raw, "vpn.%s.%s.after.json" % (name, srv))))
        except Exception:
            res[srv] = None
            continue
        dt = a["t"] - b["t"]
        d = lambda k, fl: a[k].get(fl, 0) - b[k].get(fl, 0)
        down = name.endswith("down")
        far = "c_tun" if down else "s_tun"
        r["seconds"] = dt
        r["packets"] = d(far, "rx_packets")
        r["bytes"] = d(far, "rx_bytes")
        r["gbps"] = r["bytes"] * 8 / dt / 1e9
        r["pps"] = r["packets"] / dt
        # what the server handled: upload, the packets it decrypted into its
        # TUN; download, the packets it sent (outer frames less Ethernet 14,
        # IPv4 20, UDP 8, P_DATA_V2 24)
        if down:
            r["server_packets"] = d("s_veth", "tx_packets")
            r["server_bytes"] = d("s_veth", "tx_bytes") - 66 * r["server_packets"]
            r["sent_packets"] = d("s_tun", "tx_packets")
        else:
            r["server_packets"] = d("s_tun", "rx_packets")
            r["server_bytes"] = d("s_tun", "rx_bytes")
            r["sent_packets"] = d("c_tun", "tx_packets")
        r["server_cpu_s"] = (a["server_cpu_ticks"] - b["server_cpu_ticks"]) / 100
        r["client_cpu_s"] = (a["client_cpu_ticks"] - b["client_cpu_ticks"]) / 100
        r["server_cores"] = r["server_cpu_s"] / dt
        r["client_cores"] = r["client_cpu_s"] / dt
        r["server_cycles_per_byte"] = (r["server_cpu_s"] * tsc_hz / r["server_bytes"]) if r["server_bytes"] > 0 else None
        r["server_gbps_per_core"] = (r["server_bytes"] * 8 / r["server_cpu_s"] / 1e9) if r["server_cpu_s"] > 0 else None
        r["loss"] = None
        try:
            ij = json.load(open(os.path.join(raw, "vpn.%s.%s.iperf3.json" % (name, srv))))
            end = ij.get("end", {})
            r["iperf3_error"] = ij.get("error")
            cu = end.get("cpu_utilization_percent", {})
            r["iperf3_sender_cpu_pct"] = cu.get("remote_total" if down else "host_total")
            if name.startswith("tcp"):
                r["iperf3_received_gbps"] = end["sum_received"].get("bits_per_second", 0) / 1e9
            else:
                s = end["sum"]
                r["iperf3_lost_percent"] = s.get("lost_percent")
                if s.get("lost_percent") is not None:
                    r["loss"] = s["lost_percent"] / 100
                # datagrams that arrived x the payload (-l): 1420 or 64 B less IPv4 and UDP headers
                got = s.get("packets", 0) - s.get("lost_packets", 0)
                r["iperf3_received_gbps"] = got * (size - 28) * 8 / s["seconds"] / 1e9 if s.get("seconds") else None
        except Exception as e:
            r["iperf3_error"] = "no iperf3 result: %s" % e
        if r.get("iperf3_error"):
            problems.append("%s through %s: iperf3: %s" % (name, srv, r["iperf3_error"]))
        if r["packets"] < 100:
            problems.append("%s through %s: %d packets came out of the tunnel" % (name, srv, r["packets"]))
        res[srv] = r
    rr, oo = res.get("rampart"), res.get("openvpn")
    res["ratio"] = rr["gbps"] / oo["gbps"] if rr and oo and oo["gbps"] else None
    res["cpu_ratio"] = (oo["server_cycles_per_byte"] / rr["server_cycles_per_byte"]
                        if rr and oo and rr.get("server_cycles_per_byte") and oo.get("server_cycles_per_byte") else None)
    tunnels.append(res)

# the dataplane's crypto stage alone (1b)
dpstage = []
try:
    ds = json.load(open(os.path.join(raw, "vpn.dpstage.json")))
    if ds.get("failures") or DPSTAGE_RC:
        problems.append("rampart-vpndpbench: %s checks failed (exit %d): %s" % (
            ds.get("failures"), DPSTAGE_RC, open(os.path.join(raw, "vpn.dpstage.err")).read()[:300]))
    for r in ds["rows"]:
        cc = ceiling_of(r["cipher"], r["op"], r["size"])
        dpstage.append(dict(r, ceiling_cycles_per_byte=cc,
                            ratio=cc / r["cycles_per_byte"] if cc and r["cycles_per_byte"] else None))
except Exception as e:
    if DPSTAGE_RC:
        problems.append("rampart-vpndpbench gave no result (exit %d): %s" % (DPSTAGE_RC, e))

# the tunnel through the dataplane (section 4)
dptun = []
for name, title, size in tunnel_rows:
    try:
        b = json.load(open(os.path.join(raw, "vpn.dp.%s.before.json" % name)))
        a = json.load(open(os.path.join(raw, "vpn.dp.%s.after.json" % name)))
    except Exception:
        continue
    d = lambda k: a["totals"].get(k, 0) - b["totals"].get(k, 0)
    dt = a["t"] - b["t"]
    r = {"row": name, "title": title, "seconds": dt}
    r["inner_bytes"] = d("vpn_rx_bytes") + d("vpn_tx_bytes")
    r["packets"] = d("vpn_rx") + d("vpn_tx")
    r["busy_cycles"] = d("busy_cycles")
    r["crypto_cycles_per_byte"] = d("vpn_crypto_cycles") / r["inner_bytes"] if r["inner_bytes"] > 0 else None
    r["pipeline_cycles_per_byte"] = d("pipeline_cycles") / r["inner_bytes"] if r["inner_bytes"] > 0 else None
    r["pipeline_cycles_per_packet"] = d("pipeline_cycles") / r["packets"] if r["packets"] > 0 else None
    r["gbps"] = r["inner_bytes"] * 8 / dt / 1e9
    r["kpps"] = r["packets"] / dt / 1e3
    r["cycles_per_byte"] = r["busy_cycles"] / r["inner_bytes"] if r["inner_bytes"] > 0 else None
    r["cycles_per_packet"] = r["busy_cycles"] / r["packets"] if r["packets"] > 0 else None
    r["gbps_per_core"] = (tsc_hz / r["pipeline_cycles_per_byte"] * 8 / 1e9
                          if r.get("pipeline_cycles_per_byte") else None)
    r["client_cores"] = (a["client_cpu_ticks"] - b["client_cpu_ticks"]) / 100 / dt
    r["drops"] = {k: d(k) for k in ("drop_vpn_auth", "drop_vpn_replay", "drop_vpn_spoofed", "drop_vpn_bad",
                                    "drop_too_big", "drop_tx_full") if d(k)}
    op = "encrypt" if name.endswith("down") else "decrypt"
    cc = ceiling_of("AES-256-GCM", op, size) if size else None
    r["vs_ceiling"] = cc / r["pipeline_cycles_per_byte"] if cc and r["pipeline_cycles_per_byte"] else None
    r["worker_vs_ceiling"] = cc / r["cycles_per_byte"] if cc and r["cycles_per_byte"] else None
    r["crypto_vs_ceiling"] = cc / r["crypto_cycles_per_byte"] if cc and r["crypto_cycles_per_byte"] else None
    o = next((t.get("openvpn") for t in tunnels if t["row"] == name), None)
    r["openvpn_server_cycles_per_byte"] = o.get("server_cycles_per_byte") if o else None
    r["vs_openvpn_per_core"] = (r["openvpn_server_cycles_per_byte"] / r["pipeline_cycles_per_byte"]
                                if r["openvpn_server_cycles_per_byte"] and r["pipeline_cycles_per_byte"] else None)
    r["worker_vs_openvpn_per_core"] = (r["openvpn_server_cycles_per_byte"] / r["cycles_per_byte"]
                                       if r["openvpn_server_cycles_per_byte"] and r["cycles_per_byte"] else None)
    if r["packets"] < 100:
        problems.append("%s through the dataplane: %d packets through the tunnel" % (name, r["packets"]))
    if r["drops"].get("drop_vpn_auth") or r["drops"].get("drop_vpn_replay"):
        problems.append("%s through the dataplane: %s" % (name, r["drops"]))
    dptun.append(r)

# the tunnel at full bursts (section 5): bench/run.sh's VPN scenarios, each
# run's counters (rampart stats) and the generator's figures; the median run
MEMIF_RAW = "$MEMIF_RAW"
memif_rows = [("vpn1420_up", "udp1420", "up, 1420 B packets (the worker decrypts)", 1420, "decrypt", "vpn_rx_bytes"),
              ("vpn64_up", "udp64", "up, 64 B packets (the worker decrypts)", 64, "decrypt", "vpn_rx_bytes"),
              ("vpnimix_up", None, "up, IMIX 7:4:1 of 46/552/1420 B packets (the worker decrypts)", "imix",
               "decrypt", "vpn_rx_bytes"),
              ("vpn1420_down", "udp1420down", "down, 1420 B packets (the worker encrypts)", 1420, "encrypt",
               "vpn_tx_bytes"),
              ("vpnimix_down", None, "down, IMIX 7:4:1 of 46/552/1420 B packets (the worker encrypts)", "imix",
               "encrypt", "vpn_tx_bytes")]
fullburst = []
for scen, trow, title, size, op, bytes_key in memif_rows if MEMIF_RAW else ():
    runs = []
    for rep in range(1, 10):
        base = os.path.join(MEMIF_RAW, "%s.rampart-vpn.%d" % (scen, rep))
        if os.path.exists(base + ".na"):
            problems.append("%s run %d: %s" % (scen, rep, open(base + ".na").read().strip()))
            continue
        try:
            st = json.load(open(base + ".stats.json"))
            pg = json.load(open(base + ".json"))
        except Exception:
            break
        t = st.get("totals") or {}
        ib, pk = t.get(bytes_key, 0), t.get("rx_pkts", 0)
        if ib <= 0 or pk <= 0:
            problems.append("%s run %d: no packet through the tunnel" % (scen, rep))
            continue
        r = {"run": rep, "inner_bytes": ib, "packets": pk,
             "pipeline_cycles_per_byte": t.get("pipeline_cycles", 0) / ib,
             "pipeline_cycles_per_packet": t.get("pipeline_cycles", 0) / pk,
             "crypto_cycles_per_byte": t.get("vpn_crypto_cycles", 0) / ib,
             "port_io_cycles_per_packet": t.get("port_io_cycles", 0) / pk,
             "cycles_per_byte": t.get("busy_cycles", 0) / ib, "cycles_per_packet": t.get("busy_cycles", 0) / pk,
             "packets_per_busy_poll": pk / t["busy_polls"] if t.get("busy_polls") else None,
             "rx_mpps": pg.get("rx_mpps"), "loss": pg.get("loss"),
             "drops": {k: v for k, v in t.items() if k.startswith("drop_") and v}}
        for k in ("drop_vpn_auth", "drop_vpn_replay", "drop_vpn_spoofed", "drop_vpn_bad"):
            if t.get(k):
                problems.append("%s run %d: %s %d" % (scen, rep, k, t[k]))
        runs.append(r)
    if not runs:
        continue
    m = dict(sorted(runs, key=lambda x: x["pipeline_cycles_per_byte"])[len(runs) // 2])
    m.update(row=scen, title=title, size=size, op=op, runs=len(runs),
             runs_pipeline_cycles_per_byte=[x["pipeline_cycles_per_byte"] for x in runs])
    m["gbps_per_core"] = tsc_hz / m["pipeline_cycles_per_byte"] * 8 / 1e9
    # the ceiling's IMIX is another mix (64/594/1518 B): no ratio for these rows
    cc = ceiling_of("AES-256-GCM", op, size) if size != "imix" else None
    m["ceiling_cycles_per_byte"] = cc
    m["vs_ceiling"] = cc / m["pipeline_cycles_per_byte"] if cc else None
    m["worker_vs_ceiling"] = cc / m["cycles_per_byte"] if cc else None
    o = next((t.get("openvpn") for t in tunnels if t["row"] == trow), None) if trow else None
    m["openvpn_server_cycles_per_byte"] = oc = o.get("server_cycles_per_byte") if o else None
    m["vs_openvpn_per_core"] = oc / m["pipeline_cycles_per_byte"] if oc else None
    m["worker_vs_openvpn_per_core"] = oc / m["cycles_per_byte"] if oc else None
    fullburst.append(m)

L = []
A = L.append
A("## VPN (%s, %d cores, %s)" % (time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()), os.cpu_count(),
                                  "quick" if QUICK else "full"))
A("")
A("Two data channels: rampart-ctrl's in user space (vpn = { server }: a UDP socket and a TUN, one recvfrom/write and "
  "one read/sendto per packet, the AEAD of vpn/data.c: libsodium for AES-256-GCM and ChaCha20-Poly1305, mbedTLS for "
  "AES-128-GCM), as OpenVPN does; and the dataplane's (vpn = { server; dataplane = true; }: the workers decrypt and "
  "encrypt P_DATA_V2 in bursts through the ipsec-mb PMD's CPU-crypto API and route the inner packets). "
  "The engine rows are vpn/data.c alone; the ceiling is the crypto PMD alone.")
A("")
A("Measured work on core %d, everything else on core %d; cycles are TSC cycles at %.3f GHz (the TSC measured against "
  "CLOCK_MONOTONIC; this VM has no cycle counter for perf stat). Other load: $BUSY_BEFORE cores busy before, $BUSY_AFTER after."
  % (CORE_SRV, CORE_REST, tsc_hz / 1e9))
A("")
A("### The data channel on one core: engine against the AEAD ceiling")
A("")
A("Engine: rampart-vpndatabench, vpn_data_encrypt/vpn_data_decrypt with keys from vpn_data_keys_from_ekm on a fixed EKM, "
  "every decryption checked. Ceiling: %s, ipsec-mb PMDs (crypto_aesni_gcm, crypto_chacha20_poly1305), "
  "12-byte nonce, 8-byte AAD, 16-byte tag, bursts of 32. Sizes are the plaintext, the tunnelled IP packet; "
  "IMIX is 7:4:1 of 64/594/1518 B (the engine runs that mix; the ceiling's IMIX is computed from its 64, 594 and 1518 B rows). "
  "OpenSSL: openssl speed -evp, the library OpenVPN's data channel calls." % ceiling_src)
A("")
A("| cipher | size | op | engine Gbit/s | engine Mpps | engine cycles/B | ceiling Gbit/s | ceiling cycles/B | engine / ceiling | target 0.6x (1420 B) | OpenSSL EVP cycles/B |")
A("|---|---|---|---:|---:|---:|---:|---:|---:|---|---:|")
engine_res = []
for c in CIPHERS:
    for size in ("1420", "64", "imix"):
        for op in ("encrypt", "decrypt"):
            e = erow(c, size, op)
            sz = int(size) if size != "imix" else "imix"
            cc = ceiling_of(c, op, sz)
            oc = ossl_cpb(c, sz)
            ratio = cc / e["cycles_per_byte"] if e and cc else None
            cg = tsc_hz / cc * 8 / 1e9 if cc else None
            tgt = "-" if size != "1420" or ratio is None else ("met" if ratio >= 0.6 else "**not met**")
            engine_res.append({"cipher": c, "size": size, "op": op, "engine": e, "ceiling_cycles_per_byte": cc,
                               "ceiling_gbps": cg, "openssl_cycles_per_byte": oc, "ratio": ratio})
            A("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                c, size, op, f(e and e["gbps"]), f(e and e["pps"] / 1e6), f(e and e["cycles_per_byte"]),
                f(cg), f(cc), (f(ratio) + "x") if ratio else "-", tgt, f(oc)))
ko = [r for r in engine["rows"] if "/key-once" in r["cipher"]]
if ko:
    A("")
    A("For comparison, mbedTLS AES-GCM with the key set up once (vpn/data.c uses it for AES-128-GCM, with the key set up per packet): " +
      "; ".join("%s %s B %s cycles/B (engine %s)" % (r["cipher"].split("/")[0], r["size"], f(r["cycles_per_byte"]),
                f((erow(r["cipher"].split("/")[0], r["size"], "encrypt") or {}).get("cycles_per_byte"))) for r in ko) + ".")
A("")
A("### Tunnels end to end: rampart-ctrl against OpenVPN 2.6, same client, same run")
A("")
A("Two namespaces joined by a veth (MTU 1500). Servers from one OpenVPN server config (AES-256-GCM, tls-crypt-v2, "
  "topology subnet, tun-mtu 1500): rampart-ctrl (vpn = { server }, no dataplane) and openvpn 2.6 --disable-dco, "
  "each alone on core %d; the client, Debian's openvpn 2.6 --disable-dco, and both iperf3 ends on core %d. %d s rows, "
  "rampart then OpenVPN. Gbit/s and pps: the tunnelled IP packets out of the tunnel's far end (its TUN's counters: what the "
  "tunnel delivered to the kernel there); iperf3 received: its payload as its receiver counted it, less when the "
  "receiver, on the busy core, drops from its socket. "
  "Server cycles/B: the server process's CPU time (utime+stime) x the TSC rate / the bytes it moved (upload: decrypted "
  "into its TUN; download: sent, inner bytes); its kernel work in softirq on the other core is not in it. "
  "Loss (UDP): iperf3's, datagrams sent and not received (the sender is unbounded: -b 0, so most of it is the "
  "client's TUN queue overflowing while core %d is busy)." % (CORE_SRV, CORE_REST, DUR, CORE_REST))
A("")
A("| row | rampart Gbit/s | OpenVPN Gbit/s | rampart / OpenVPN | rampart kpps | OpenVPN kpps | rampart server cycles/B | OpenVPN server cycles/B | per-core ratio | target 10x | rampart Gbit/s per server core | server cores (r ; O) | client cores (r ; O) | iperf3 received Gbit/s (r ; O) | loss (r ; O) |")
A("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---|---|---|")
for t in tunnels:
    r, o = t.get("rampart"), t.get("openvpn")
    if not r or not o:
        A("| %s | not measured | | | | | | | | | | | | | |" % t["title"])
        continue
    tgt = "-" if t["ratio"] is None else ("met" if t["ratio"] >= 10 and (t["cpu_ratio"] or 0) >= 10 else "**not met**")
    A("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s ; %s | %s ; %s | %s ; %s | %s ; %s |" % (
        t["title"], f(r["gbps"]), f(o["gbps"]), (f(t["ratio"]) + "x") if t["ratio"] else "-",
        f(r["pps"] / 1e3), f(o["pps"] / 1e3), f(r["server_cycles_per_byte"]), f(o["server_cycles_per_byte"]),
        (f(t["cpu_ratio"]) + "x") if t["cpu_ratio"] else "-", tgt, f(r["server_gbps_per_core"]),
        f(r["server_cores"], "%.2f"), f(o["server_cores"], "%.2f"), f(r["client_cores"], "%.2f"),
        f(o["client_cores"], "%.2f"), f(r.get("iperf3_received_gbps")), f(o.get("iperf3_received_gbps")),
        f(r["loss"], "%.2f"), f(o["loss"], "%.2f")))
A("")
A("IMIX is not run through the tunnels (iperf3 sends one size); the engine's IMIX rows stand for it.")
A("")
A("### The dataplane's crypto stage alone")
A("")
if dpstage:
    A("rampart-vpndpbench: dataplane/vpn.c's dp_vpn_encrypt and dp_vpn_decrypt as a worker calls them, bursts of 32 "
      "packets under one key (P_DATA_V2 framing, packet ids, the replay window; AES-GCM through the ipsec-mb PMD's "
      "CPU-crypto API, ChaCha20-Poly1305 through libsodium), every decryption checked against the plaintext; the peer's "
      "packets made by vpn/data.c. The ceiling as above.")
    A("")
    A("| cipher | size | op | cycles/B | cycles/packet | Gbit/s | ceiling cycles/B | stage / ceiling | target 0.6x (1420 B) |")
    A("|---|---|---|---:|---:|---:|---:|---:|---|")
    for r in dpstage:
        tgt = "-" if r["size"] != 1420 or r["ratio"] is None else ("met" if r["ratio"] >= 0.6 else "**not met**")
        A("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["cipher"], r["size"], r["op"], f(r["cycles_per_byte"]), f(r["cycles_per_packet"]), f(r["gbps"]),
            f(r["ceiling_cycles_per_byte"]), (f(r["ratio"]) + "x") if r["ratio"] else "-", tgt))
else:
    A("Not measured (no rampart-vpndpbench in the build).")
A("")
A("### The tunnel through the dataplane's worker")
A("")
if dptun:
    A("The lab's VPN profile (make lab VPN=1) with the data channel in the dataplane: road, Debian's openvpn 2.6 "
      "--disable-dco, and both iperf3 ends on core %d; the dataplane's one worker on core %d, its ports AF_PACKET on "
      "veths. Per inner byte (the tunnelled IP packets both ways, keepalives and TCP's ACKs included): the pipeline's "
      "cycles (the pipeline_cycles counter: TSC around the worker's stages for each burst, port I/O excluded: the "
      "dataplane's own work, parse, decrypt, firewall, route, encrypt, encapsulate), of them the AEAD's "
      "(vpn_crypto_cycles: around the calls to the PMD), and the whole worker's (busy_cycles: every poll that "
      "returned packets, with the port I/O: AF_PACKET's copies and system calls, and the kernel's work on the far "
      "side of the veths that a transmission runs in the worker's context). Gbit/s per core and the ratios are of "
      "the pipeline; the ceiling: the PMD's AES-256-GCM 1420 B cycles/B (decrypt for upload, encrypt for download); "
      "OpenVPN: its server's cycles/B of the same row above (its process's CPU time, its socket and TUN system "
      "calls included). Throughput is what road's user-space client pushed (client cores), not the worker's limit."
      % (CORE_REST, CORE_SRV))
    A("")
    A("| row | inner Gbit/s | kpps | pipeline cycles/packet | pipeline cycles/B | of them AEAD | Gbit/s per core | ceiling / pipeline (target 0.6x) | OpenVPN server cycles/B | per-core ratio to OpenVPN (target 10x) | whole worker cycles/packet | whole worker cycles/B | client cores | drops |")
    A("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in dptun:
        A("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["title"], f(r["gbps"]), f(r["kpps"]), f(r["pipeline_cycles_per_packet"]),
            f(r["pipeline_cycles_per_byte"]), f(r["crypto_cycles_per_byte"]), f(r["gbps_per_core"]),
            (f(r["vs_ceiling"]) + "x") if r["vs_ceiling"] else "-", f(r["openvpn_server_cycles_per_byte"]),
            (f(r["vs_openvpn_per_core"]) + "x") if r["vs_openvpn_per_core"] else "-",
            f(r["cycles_per_packet"]), f(r["cycles_per_byte"]), f(r["client_cores"], "%.2f"),
            ", ".join("%s %d" % kv for kv in r["drops"].items()) or "-"))
else:
    A("Not measured (no dataplane build, or the lab did not come up: raw/vpn.lab.log).")
A("")
A("### The tunnel through the dataplane's worker at full bursts")
A("")
if fullburst:
    A("bench/run.sh's VPN scenarios: rampart-pktgen --vpn is one OpenVPN client of the dataplane over two memif ports "
      "(the generator on core 0, the worker alone on core 1): it gives the dataplane a peer with fresh keys over its "
      "socket, as rampart-ctrl does after a handshake, and runs the peer's side with the same crypto code. Up: "
      "P_DATA_V2 with increasing packet ids that the worker decrypts, checks (tag, replay window, inner source) and "
      "forwards out of its other port; down: plain packets to the peer's tunnel address that the worker encrypts "
      "towards it (the generator decrypts one in 64 to check them). AES-256-GCM through the ipsec-mb PMD, no firewall "
      "rules (ctrl runs without the VPN: the generator stands in for its server). Per inner byte: the pipeline "
      "(pipeline_cycles: the worker's stages, port I/O excluded), its AEAD (vpn_crypto_cycles), the ports' receive and "
      "transmit calls (port_io_cycles: memif copies every frame in and out, which a NIC's DMA does not), the whole "
      "worker (busy_cycles). The median of %d run(s) by pipeline cycles/B; the ceiling and OpenVPN as above."
      % max(r["runs"] for r in fullburst))
    A("")
    A("| row | Mpps | packets per poll | pipeline cycles/packet | pipeline cycles/B (runs) | of them AEAD | Gbit/s per core | ceiling cycles/B | ceiling / pipeline (target 0.6x) | OpenVPN server cycles/B | per-core ratio to OpenVPN (target 10x) | port I/O cycles/packet | whole worker cycles/B |")
    A("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in fullburst:
        A("| %s | %s | %s | %s | %s (%s) | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["title"], f(r["rx_mpps"]), f(r["packets_per_busy_poll"]), f(r["pipeline_cycles_per_packet"]),
            f(r["pipeline_cycles_per_byte"]), ", ".join(f(x) for x in r["runs_pipeline_cycles_per_byte"]),
            f(r["crypto_cycles_per_byte"]), f(r["gbps_per_core"]), f(r["ceiling_cycles_per_byte"]),
            (f(r["vs_ceiling"]) + "x") if r["vs_ceiling"] else "-", f(r["openvpn_server_cycles_per_byte"]),
            (f(r["vs_openvpn_per_core"]) + "x") if r["vs_openvpn_per_core"] else "-",
            f(r["port_io_cycles_per_packet"]), f(r["cycles_per_byte"])))
else:
    A("Not measured (no rampart-pktgen or dataplane in the build, or bench/run.sh's VPN scenarios failed: raw/vpn.memif.log).")
A("")
# the ratios the issue asks for
A("### Against the targets")
A("")
e256 = next((x for x in engine_res if x["cipher"] == "AES-256-GCM" and x["size"] == "1420" and x["op"] == "decrypt"), None)
e256e = next((x for x in engine_res if x["cipher"] == "AES-256-GCM" and x["size"] == "1420" and x["op"] == "encrypt"), None)
up = next((t for t in tunnels if t["row"] == "udp1420"), None)
c_dec = ceiling_of("AES-256-GCM", "decrypt", 1420)
targets = {}
if e256 and e256["ratio"] and e256e and e256e["ratio"]:
    targets["engine_vs_ceiling_1420"] = {"encrypt": e256e["ratio"], "decrypt": e256["ratio"], "target": 0.6}
    A("- vpn/data.c alone (ctrl's data channel: libsodium's AES-256-GCM, one packet per call) is at %sx (encrypt) and "
      "%sx (decrypt) of the PMD's rate at 1420 B (%s against %s cycles/B)."
      % (f(e256e["ratio"]), f(e256["ratio"]), f(e256["engine"]["cycles_per_byte"]), f(c_dec)))
for r in dpstage:
    if r["cipher"] == "AES-256-GCM" and r["size"] == 1420 and r["ratio"]:
        targets["dataplane_crypto_stage_vs_ceiling_1420_" + r["op"]] = {"ratio": r["ratio"], "target": 0.6}
        A("- The dataplane's crypto stage alone, AES-256-GCM 1420 B %s in bursts of 32: %s cycles/B, %sx the PMD's "
          "rate (%s for this stage; the tunnel's other stages come on top, below)." % (
              r["op"], f(r["cycles_per_byte"]), f(r["ratio"]), "at or above 0.6x" if r["ratio"] >= 0.6 else "below 0.6x"))
dpu = next((r for r in dptun if r["row"] == "udp1420"), None)
dpd = next((r for r in dptun if r["row"] == "udp1420down"), None)
for r, way in ((dpu, "upload (decrypt)"), (dpd, "download (encrypt)")):
    if r and r["vs_ceiling"]:
        targets["dataplane_vs_ceiling_1420_" + r["row"]] = {"pipeline": r["vs_ceiling"], "whole_worker": r["worker_vs_ceiling"],
                                                            "target": 0.6}
        A("- **0.6x the raw AEAD rate per core at 1420 B**, the tunnel through the dataplane, %s: the pipeline at %s "
          "cycles/B (%s Gbit/s per core) is %sx the PMD's rate: **%s**; its AEAD alone %s cycles/B. With the port I/O of "
          "this rig (AF_PACKET on veths, %s cycles a packet) the whole worker is at %sx." % (
              way, f(r["pipeline_cycles_per_byte"]), f(r["gbps_per_core"]), f(r["vs_ceiling"]),
              "met" if r["vs_ceiling"] >= 0.6 else "not met", f(r["crypto_cycles_per_byte"]),
              f(r["cycles_per_packet"]), f(r["worker_vs_ceiling"])))
    if r and r["vs_openvpn_per_core"]:
        targets["dataplane_vs_openvpn_1420_" + r["row"]] = {"pipeline": r["vs_openvpn_per_core"],
                                                            "whole_worker": r["worker_vs_openvpn_per_core"], "target": 10}
        A("- **10x OpenVPN 2.6 user space** at 1420 B, %s, per core: the pipeline's %s cycles/B against the OpenVPN "
          "server's %s: %sx, **%s** (the whole worker, port I/O included: %sx)." % (
              way, f(r["pipeline_cycles_per_byte"]), f(r["openvpn_server_cycles_per_byte"]), f(r["vs_openvpn_per_core"]),
              "met" if r["vs_openvpn_per_core"] >= 10 else "not met", f(r["worker_vs_openvpn_per_core"])))
for r in fullburst:
    if r["size"] != 1420:
        continue
    way = "upload (decrypt)" if r["op"] == "decrypt" else "download (encrypt)"
    targets["fullburst_vs_ceiling_1420_" + r["op"]] = {"pipeline": r["vs_ceiling"], "whole_worker": r["worker_vs_ceiling"],
                                                       "target": 0.6}
    targets["fullburst_vs_openvpn_1420_" + r["op"]] = {"pipeline": r["vs_openvpn_per_core"],
                                                       "whole_worker": r["worker_vs_openvpn_per_core"], "target": 10}
    if r["vs_ceiling"]:
        A("- **0.6x the raw AEAD rate per core at 1420 B, at full bursts**, %s: the pipeline at %s cycles/B (%s Gbit/s "
          "per core) is %sx the PMD's rate: **%s** (the whole worker, with memif's copies, %sx)." % (
              way, f(r["pipeline_cycles_per_byte"]), f(r["gbps_per_core"]), f(r["vs_ceiling"]),
              "met" if r["vs_ceiling"] >= 0.6 else "not met", f(r["worker_vs_ceiling"])))
    if r["vs_openvpn_per_core"]:
        A("- **10x OpenVPN 2.6 user space at 1420 B, at full bursts**, %s, per core: %sx, **%s** (the whole worker: %sx)." % (
              way, f(r["vs_openvpn_per_core"]), "met" if r["vs_openvpn_per_core"] >= 10 else "not met",
              f(r["worker_vs_openvpn_per_core"])))
if up and up.get("rampart") and up.get("openvpn"):
    targets["ctrl_vs_openvpn_1420"] = {"throughput": up["ratio"], "per_core": up["cpu_ratio"]}
    A("- rampart-ctrl's user-space tunnel at 1420 B carries %sx OpenVPN's throughput at %sx its cycles per byte: "
      "the same shape as OpenVPN (one packet per system call, a TUN)." % (f(up["ratio"]), f(up["cpu_ratio"])))
A("")
for p in problems:
    A("- **FAILED**: %s" % p)
if PERF:
    A("With --perf: rampart-ctrl's rows ran under perf record, which slows it; its figures are not comparable (profiles in raw/vpn.perf.ROW.txt).")
text = "\n".join(L) + "\n"
open(os.path.join(out, "vpn.md"), "w").write(text)
json.dump({"tsc_hz": tsc_hz, "duration_s": DUR, "quick": bool(QUICK), "core_measured": CORE_SRV, "core_rest": CORE_REST,
           "imix": "7:4:1 of 64/594/1518 B plaintext", "ceiling_source": ceiling_src,
           "engine": engine, "engine_vs_ceiling": engine_res,
           "ceiling": [{"cipher": k[0], "op": k[1], "size": k[2], **v} for k, v in sorted(ceiling.items())],
           "openssl_speed": [{"cipher": k[0], "size": k[1], **v} for k, v in sorted(ossl.items())],
           "tunnels": tunnels, "targets": targets, "dataplane_crypto_stage": dpstage,
           "dataplane_tunnel": dptun, "dataplane_tunnel_full_bursts": fullburst,
           "other_busy_cores_before": float("$BUSY_BEFORE"), "other_busy_cores_after": float("$BUSY_AFTER"),
           "problems": problems, "all_ok": not problems}, open(os.path.join(out, "vpn.json"), "w"), indent=1)
sys.stdout.write(text)
sys.exit(3 if problems else 0)
EOF
