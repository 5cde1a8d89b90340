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
# With LAB_VPN=1 (make lab VPN=1) rampart-ctrl also runs the VPN server
# (conf/rampart-vpn.conf; its OpenVPN config, keys and certificates made in
# /run/rampart-lab/vpn), and a road warrior host joins behind wan:
#
#   road: road0 198.51.100.10/24 -- wan: road-gw 198.51.100.254/24 (routing)
#
# road runs Debian's openvpn as a client of 198.19.1.1:1194 and reaches lan
# (198.18.1.0/24) through the tunnel: ctrl's TUN, the kernel of "rampart"
# (forwarding between tun0 and rampart0 only, the clients masqueraded to the
# appliance's address), the exception path, the dataplane.
#
# Usage: lab.sh up|down|status. Environment: LAB_CONF (default conf/rampart.conf,
# conf/rampart-vpn.conf with LAB_VPN=1), LAB_BUILD (default build), LAB_VPN=1,
# LAB_QUIET=1 to print less. Safe to run twice.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
VPN=${LAB_VPN:-0}
if [ "$VPN" = 1 ]; then
	CONF=${LAB_CONF:-$top/conf/rampart-vpn.conf}
else
	CONF=${LAB_CONF:-$top/conf/rampart.conf}
fi
BUILD=${LAB_BUILD:-$top/build}
RUN=/run/rampart-lab
HUGEPAGES=${LAB_HUGEPAGES:-256}

say() { [ "${LAB_QUIET:-0}" = 1 ] || echo "$@"; }
die() { echo "lab: $*" >&2; exit 1; }

running() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

conf_get() { # the first value of key in the config or a file it @includes (simple string settings)
	local f v
	for f in "$CONF" $(sed -n 's/^@include "\(.*\)"/\1/p' "$CONF"); do
		case "$f" in /*) ;; *) [ "$f" = "$CONF" ] || f=$(dirname "$CONF")/$f ;; esac
		v=$(sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"\([^\"]*\)\".*/\1/p" "$f" | head -1)
		[ -n "$v" ] && { echo "$v"; return; }
	done
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

# The VPN's keys, certificates and server config, before ctrl reads them.
vpn_prepare() {
	local d=$RUN/vpn
	command -v openvpn >/dev/null || die "LAB_VPN=1 needs openvpn (make deps)"
	rm -rf "$d"
	mkdir -p "$d"
	chmod 700 "$d"
	(
		cd "$d"
		. "$top/scripts/pki.sh"
		vpn_ca ca
		vpn_leaf server ca serverAuth
		vpn_leaf road ca clientAuth
		openvpn --genkey tls-crypt-v2-server tc2-server.key
		openvpn --tls-crypt-v2 tc2-server.key --genkey tls-crypt-v2-client tc2-road.key
	) >"$d/pki.log" 2>&1 || die "making the VPN's keys failed ($d/pki.log)"
	cat >"$d/vpn-server.conf" <<EOT
# the lab's VPN server (scripts/lab.sh, LAB_VPN=1)
server 198.18.60.0 255.255.255.0
server-ipv6 2001:db8:60::/64
topology subnet
dev tun
proto udp
local 198.19.1.1
port 1194
ca $d/ca.crt
cert $d/server.crt
key $d/server.key
dh none
remote-cert-tls client
tls-crypt-v2 $d/tc2-server.key
data-ciphers AES-256-GCM:CHACHA20-POLY1305:AES-128-GCM
push "route 198.18.1.0 255.255.255.0"
push "route-ipv6 2001:db8:1::/64"
keepalive 10 60
explicit-exit-notify 1
EOT
	cat >"$d/road.conf" <<EOT
# the road warrior's OpenVPN client (scripts/lab.sh, LAB_VPN=1)
client
dev tun
proto udp
remote 198.19.1.1 1194
nobind
ca $d/ca.crt
cert $d/road.crt
key $d/road.key
remote-cert-tls server
verify-x509-name server name
tls-crypt-v2 $d/tc2-road.key
data-ciphers AES-256-GCM:CHACHA20-POLY1305
disable-dco
verb 3
EOT
}

# road behind wan, and the kernel side of the tunnel in "rampart"
vpn_hosts() {
	ip netns add road
	ip link add road0 netns road type veth peer name road-gw netns wan
	ip -n road link set lo up
	ip -n road addr add 198.51.100.10/24 dev road0
	ip -n road link set road0 up
	ip -n road route add default via 198.51.100.254
	ip -n wan addr add 198.51.100.254/24 dev road-gw
	ip -n wan link set road-gw up
	ip netns exec wan sysctl -qw net.ipv4.ip_forward=1
}

vpn_kernel_side() {
	# with the data channel in the dataplane (vpn { dataplane = true; }) the
	# dataplane routes the tunnel; with ctrl's TUN the kernel forwards
	# between it and rampart0 only (never what it sees on the dataplane's
	# ports), masquerading the tunnel's addresses
	if grep -E '^[^#]*dataplane[[:space:]]*=[[:space:]]*true' "$CONF" >/dev/null; then
		vpn_road_up
		return
	fi
	ip netns exec rampart sysctl -qw net.ipv4.ip_forward=1
	for i in $(ip -n rampart -o link show | awk -F': ' '{print $2}' | sed 's/@.*//'); do
		case "$i" in tun* | rampart0) ;; *) ip netns exec rampart sysctl -qw "net.ipv4.conf.$i.forwarding=0" 2>/dev/null || true ;; esac
	done
	ip netns exec rampart nft -f - <<EOT
table ip rampart_vpn {
	chain post {
		type nat hook postrouting priority 100;
		ip saddr 198.18.60.0/24 oifname "rampart0" masquerade
	}
}
EOT
	vpn_road_up
}

vpn_road_up() {
	ip netns exec road openvpn --cd "$RUN/vpn" --config road.conf --log "$RUN/road.log" \
		--daemon --writepid "$RUN/road.pid"
	if ! wait_for 30 "the road warrior's tunnel" ip -n road addr show dev tun0; then
		tail -20 "$RUN/road.log" >&2
		die "the road warrior's tunnel did not come up (logs: $RUN/road.log, $RUN/ctrl.log)"
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
	[ "$VPN" = 1 ] && vpn_prepare
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

	[ "$VPN" = 1 ] && vpn_hosts
	start_dataplane
	start_ctrl
	[ "$VPN" = 1 ] && vpn_kernel_side
	status
}

down() {
	if [ -f "$RUN/road.pid" ]; then
		kill "$(cat "$RUN/road.pid")" 2>/dev/null || true
		rm -f "$RUN/road.pid"
	fi
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
	for ns in road lan wan rampart; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$RUN/vpn"
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
	if ip netns list | grep -q '^road'; then
		cat <<EOT
VPN: road 198.51.100.10, tunnel $(ip -n road -4 -o addr show dev tun0 2>/dev/null | awk '{print $4}') (log $RUN/road.log)
  sudo ip netns exec road ping -c 3 198.18.1.2      # lan, through the tunnel
  sudo $BUILD/ctrl/rampart vpn status
EOT
	fi
}

case "${1:-}" in
up) up ;;
down) down ;;
status) status ;;
*) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
