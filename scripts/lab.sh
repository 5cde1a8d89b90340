#!/usr/bin/env bash
# The rampart lab: the appliance (rampart-dataplane, rampart-ctrl and the
# exception interface rampart0) in network namespace "rampart", between host
# "lan" and host "wan":
#
#   lan: veth0 198.18.1.2/24 2001:db8:1::2/64
#        |  (veth)
#   rampart: lan0 [port "lan" 198.18.1.1 2001:db8:1::1]
#            wan0 [port "wan" 198.19.1.1 2001:db8:2::1]   rampart0 (TAP, kernel side)
#        |  (veth)
#   wan: veth0 198.19.1.2/24 2001:db8:2::2/64, and on lo 198.51.100.1, 203.0.113.1,
#        2001:db8:100::1, 2001:db8:200::1 (destinations behind the wan host)
#
# A port of the configuration on "iface=tn-NAME" is a tenant's: the lab
# makes TAP tn-NAME in "rampart" for rampart-tender to attach the tenant to.
#
# Usage: lab.sh up|down|status. Environment: LAB_CONF (default conf/rampart.conf),
# LAB_BUILD (default build), LAB_QUIET=1 to print less. Safe to run twice.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
CONF=${LAB_CONF:-$top/conf/rampart.conf}
BUILD=${LAB_BUILD:-$top/build}
RUN=/run/rampart-lab
HUGEPAGES=${LAB_HUGEPAGES:-256}

say() { [ "${LAB_QUIET:-0}" = 1 ] || echo "$@"; }
die() { echo "lab: $*" >&2; exit 1; }

running() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

conf_get() { # the first value of key in the config (simple string settings)
	sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"\([^\"]*\)\".*/\1/p" "$CONF" | head -1
}

reserve_hugepages() {
	local f=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
	[ -w "$f" ] || return 0
	if [ "$(cat $f)" -lt "$HUGEPAGES" ]; then
		echo "$HUGEPAGES" >"$f" 2>/dev/null || true
	fi
	if ! grep -q hugetlbfs /proc/mounts; then
		mkdir -p /dev/hugepages
		mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null || true
	fi
}

host_side() { # ns addr4 addr6 gw4 gw6
	local ns=$1
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$2" dev veth0
	ip -n "$ns" addr add "$3" dev veth0 nodad
	ip -n "$ns" link set veth0 up
	# Full checksums and no segmentation offload: the appliance sees
	# frames as they would arrive from a wire.
	ip netns exec "$ns" ethtool -K veth0 tx off tso off gso off gro off >/dev/null 2>&1 || true
	ip -n "$ns" route add default via "$4"
	ip -n "$ns" -6 route add default via "$5"
}

appliance_side() { # iface
	local i=$1
	ip -n rampart link set "$i" up arp off
	ip netns exec rampart sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1"
	ip netns exec rampart ethtool -K "$i" tx off tso off gso off gro off >/dev/null 2>&1 || true
	# The dataplane reads the port with AF_PACKET; the kernel of this
	# namespace sees the same frames and must not answer on the appliance's
	# behalf: no ARP and no IPv6 on the port, forwarding off, and strict
	# reverse-path filtering drops what is addressed to rampart0's addresses
	# (their routes point to rampart0, not to this port).
	ip netns exec rampart sysctl -qw "net.ipv4.conf.$i.rp_filter=1"
}

wait_for() { # seconds description command...
	local t=$1 what=$2
	shift 2
	for _ in $(seq $((t * 10))); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

start_dataplane() {
	ip netns exec rampart "$BUILD/dataplane/rampart-dataplane" -c "$CONF" \
		>"$RUN/dataplane.log" 2>&1 &
	echo $! >"$RUN/dataplane.pid"
	local sock
	sock=$(conf_get socket)
	if ! wait_for 30 "dataplane socket" test -S "$sock"; then
		tail -20 "$RUN/dataplane.log" >&2
		die "rampart-dataplane did not come up (log: $RUN/dataplane.log)"
	fi
}

start_ctrl() {
	# nsenter, not ip netns exec: only the network namespace changes, /sys
	# stays the host's, with the cgroups ctrl puts tenants in
	nsenter --net=/run/netns/rampart "$BUILD/ctrl/rampart-ctrl" -c "$CONF" >"$RUN/ctrl.log" 2>&1 &
	echo $! >"$RUN/ctrl.pid"
	if ! wait_for 30 "ctrl in sync" sh -c "'$BUILD/ctrl/rampart' status --json | grep -q '\"in_sync\": true'"; then
		tail -20 "$RUN/ctrl.log" >&2
		die "rampart-ctrl did not sync with the dataplane (log: $RUN/ctrl.log)"
	fi
}

up() {
	[ "$(id -u)" -eq 0 ] || die "needs root (sudo make lab)"
	[ -x "$BUILD/dataplane/rampart-dataplane" ] || die "not built: run make"
	if running dataplane && running ctrl; then
		say "lab: already running"
		status
		return 0
	fi
	down >/dev/null 2>&1 || true
	mkdir -p "$RUN"
	reserve_hugepages

	for ns in rampart lan wan; do ip netns add "$ns"; done
	ip -n rampart link set lo up
	ip netns exec rampart sysctl -qw net.ipv4.ip_forward=0
	ip netns exec rampart sysctl -qw net.ipv4.conf.all.rp_filter=1
	ip link add lan0 netns rampart type veth peer name veth0 netns lan
	ip link add wan0 netns rampart type veth peer name veth0 netns wan
	appliance_side lan0
	appliance_side wan0
	host_side lan 198.18.1.2/24 2001:db8:1::2/64 198.18.1.1 2001:db8:1::1
	host_side wan 198.19.1.2/24 2001:db8:2::2/64 198.19.1.1 2001:db8:2::1
	for a in 198.51.100.1/32 203.0.113.1/32; do ip -n wan addr add "$a" dev lo; done
	for a in 2001:db8:100::1/128 2001:db8:200::1/128; do ip -n wan addr add "$a" dev lo; done

	# tenants' net devices (docs/sandbox.md): a port whose devargs read
	# iface=tn-NAME is a TAP that rampart-tender attaches the tenant to
	for t in $(grep -o 'iface=tn-[A-Za-z0-9_-]*' "$CONF" | sed 's/iface=//' | sort -u); do
		ip -n rampart tuntap add dev "$t" mode tap
		appliance_side "$t"
	done

	start_dataplane
	start_ctrl
	status
}

down() {
	for p in ctrl dataplane; do
		if running "$p"; then
			kill "$(cat "$RUN/$p.pid")" 2>/dev/null || true
			for _ in $(seq 50); do running "$p" || break; sleep 0.1; done
			running "$p" && kill -9 "$(cat "$RUN/$p.pid")" 2>/dev/null || true
		fi
		rm -f "$RUN/$p.pid"
	done
	# tenants ctrl started outlive it by design; the lab's go with the lab
	pkill -x rampart-tender 2>/dev/null || true
	for ns in lan wan rampart; do ip netns del "$ns" 2>/dev/null || true; done
	# hugepage files DPDK keeps for secondary processes (dpdk-dumpcap)
	rm -f /dev/hugepages/"$(conf_get file_prefix)"map_* 2>/dev/null || true
	say "lab: down"
}

status() {
	if ! running dataplane; then
		say "lab: not running (sudo make lab)"
		return 1
	fi
	[ "${LAB_QUIET:-0}" = 1 ] && return 0
	cat <<EOT
lab: running
  rampart-dataplane  pid $(cat "$RUN/dataplane.pid")  netns rampart  log $RUN/dataplane.log
  rampart-ctrl       pid $(cat "$RUN/ctrl.pid" 2>/dev/null || echo -)  netns rampart  log $RUN/ctrl.log
  config             $CONF
  hosts              lan 198.18.1.2 2001:db8:1::2 | wan 198.19.1.2 2001:db8:2::2
Try:
  sudo ip netns exec lan ping -c 3 198.19.1.2
  sudo ip netns exec lan ping -c 3 2001:db8:2::2
  sudo $BUILD/ctrl/rampart stats
Stop it with: sudo make lab-down
EOT
}

case "${1:-}" in
up) up ;;
down) down ;;
status) status ;;
*) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
