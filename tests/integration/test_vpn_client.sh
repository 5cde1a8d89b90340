#!/usr/bin/env bash
# rampart-ctrl as an OpenVPN client (docs/vpn.md, "rampart as a client") with
# Debian's openvpn 2.6 as the server, in a namespace of its own ("wan", a host
# behind it on its lo), rampart-ctrl (without a dataplane) in another, whose
# default route leads to the server's side in clear, so that a leak would
# have a way out to be seen on:
#   fail hard before the first connection (the config's routes on the TUN,
#   traffic into them dropped and counted); the tunnel up with the pushed
#   addresses (IPv4 and IPv6), cipher, routes (pushed and the config's own),
#   `rampart vpn client` and ctrl's log saying so; pings over both stacks and
#   TCP (curl of a file, checksum) to the host behind the server; rampart's
#   own renegotiation every 5 s under pings every 0.2 s; the server killed:
#   nothing reaches the networks of the tunnel in clear (tcpdump on the
#   veth), the session ends by ping-restart and says so, what is sent is
#   dropped and counted; the server back: rampart reconnects by itself;
#   explicit-exit-notify: ctrl stopped, the server told at once;
#   redirect-gateway def1: the two halves on the TUN, the server pinned, an
#   address reachable only through the tunnel answered, and, the server
#   killed, an arbitrary address not seen in clear; refusals: a server
#   certificate without serverAuth, a server whose name is not the one of
#   verify-x509-name; a server with server-ipv6 (which pushes tun-ipv6).
# Its own namespaces (rp-vpncli-*-PID) and files only: never the shared lab.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$top/build}
RAMPART="$BUILD/ctrl/rampart"
CTRL="$BUILD/ctrl/rampart-ctrl"
PY=/usr/bin/python3

for t in openvpn openssl curl tcpdump; do
	command -v "$t" >/dev/null || { echo "SKIP: $t not installed (make deps)"; exit 77; }
done
[ -x "$PY" ] || { echo "SKIP: no $PY"; exit 77; }
[ -c /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }
[ -x "$CTRL" ] && [ -x "$RAMPART" ] || { echo "FAIL: no $CTRL or $RAMPART (BUILD=$BUILD)" >&2; exit 1; }

TMP=$(mktemp -d /tmp/rp-vpncli.XXXXXX)
W=rp-vpncli-w-$$ CL=rp-vpncli-c-$$
SOCK=$TMP/ctrl.sock
LOG=$TMP/ctrl-none.log
ctrl_pid=
ctrl_logs=()
bg_pids=()

cleanup() {
	local rc=$?
	set +e
	if [ $rc -ne 0 ]; then
		echo "--- ctrl's log $(basename "$LOG") (last 60 lines):" >&2
		tail -n 60 "$LOG" >&2 2>/dev/null
		for f in "$TMP"/*.ovpn.log; do
			[ -f "$f" ] || continue
			echo "--- $(basename "$f") (last 15 lines):" >&2
			tail -n 15 "$f" >&2
		done
	fi
	for f in "$TMP"/*.pid; do
		[ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
	done
	for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
	if [ -n "$ctrl_pid" ]; then
		kill "$ctrl_pid" 2>/dev/null
		wait "$ctrl_pid" 2>/dev/null
	fi
	for ns in "$CL" "$W"; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$TMP"
	return $rc
}
trap cleanup EXIT

. "$(dirname "$0")/vpn_lib.sh"

# ---- the PKI (as tests/unit/vpn/test_session.c makes it)
(
	cd "$TMP"
	vpn_ca ca
	vpn_leaf server ca serverAuth
	vpn_leaf client ca clientAuth
	# the right name, but a client's certificate (no serverAuth)
	vpn_leaf noeku ca clientAuth server
	# serverAuth, but another name than verify-x509-name's
	vpn_leaf impostor ca serverAuth
	openvpn --genkey tls-crypt-v2-server tc2-server.key
	openvpn --tls-crypt-v2 tc2-server.key --genkey tls-crypt-v2-client tc2-client.key
) >"$TMP/pki.log" 2>&1 || fail "making the PKI: $(tail -5 "$TMP/pki.log")"

# ---- the namespaces: wan (the server, 198.18.52.1, a host behind it on its
# lo: 198.19.62.1, 2001:db8:63::1, and 198.19.70.1 for redirect-gateway) and
# the client (198.18.52.2, its default routes via the server's side)
ip netns add "$W"
ip netns add "$CL"
ip -n "$W" link set lo up
ip -n "$CL" link set lo up
ip -n "$W" link add v0 type veth peer name eth0 netns "$CL"
ip -n "$W" addr add 198.18.52.1/24 dev v0
ip -n "$W" addr add 2001:db8:52::1/64 dev v0 nodad
ip -n "$W" link set v0 up
ip -n "$CL" addr add 198.18.52.2/24 dev eth0
ip -n "$CL" addr add 2001:db8:52::2/64 dev eth0 nodad
ip -n "$CL" link set eth0 up
ip -n "$CL" route add default via 198.18.52.1
ip -n "$CL" -6 route add default via 2001:db8:52::1
for a in 198.19.62.1/32 198.19.70.1/32; do ip -n "$W" addr add "$a" dev lo; done
ip -n "$W" addr add 2001:db8:63::1/128 dev lo
ip netns exec "$W" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
wait_until 5 ip netns exec "$CL" ping -c 1 -W 1 198.18.52.1 || fail "the client namespace does not reach wan"
# without the tunnel, the default routes carry these in clear: a leak would answer
ip netns exec "$CL" ping -c 1 -W 2 198.19.62.1 >/dev/null &&
	ip netns exec "$CL" ping -6 -c 1 -W 2 2001:db8:63::1 >/dev/null ||
	fail "without the tunnel, the host behind wan should be reachable in clear"

# ---- the OpenVPN server
# The IPv6 pool in its long form: server-ipv6 would push tun-ipv6 too (for
# OpenVPN 2.2 clients); that form has a check of its own at the end.
cat >"$TMP/wan.conf" <<'CONF'
server 198.18.62.0 255.255.255.0
ifconfig-ipv6 2001:db8:62::1/64 2001:db8:62::2
ifconfig-ipv6-pool 2001:db8:62::1000/64
topology subnet
dev tun
proto udp
local 198.18.52.1
port 1194
ca ca.crt
dh none
tls-crypt-v2 tc2-server.key
data-ciphers AES-256-GCM:CHACHA20-POLY1305
keepalive 2 6
reneg-sec 3600
push "route 198.19.62.0 255.255.255.0"
push "route-ipv6 2001:db8:63::/48"
disable-dco
verb 3
CONF
# server NAME CERT [CONFIG]: openvpn with CERT, logging to $TMP/NAME.ovpn.log
server() {
	rm -f "$TMP/wan.pid" "$TMP/$1.ovpn.log"
	ip netns exec "$W" openvpn --cd "$TMP" --config "${3:-wan.conf}" --cert "$2.crt" --key "$2.key" \
		--log "$TMP/$1.ovpn.log" --daemon --writepid "$TMP/wan.pid"
	wait_until 5 test -s "$TMP/wan.pid" || fail "openvpn $1 did not start"
	wait_until 10 grep -q "Initialization Sequence Completed" "$TMP/$1.ovpn.log" ||
		fail "openvpn $1 did not come up: $(tail -5 "$TMP/$1.ovpn.log")"
}
server_kill() {
	local pid
	pid=$(cat "$TMP/wan.pid")
	kill -9 "$pid"
	wait_until 5 sh -c "! kill -0 $pid" || fail "openvpn (pid $pid) survived SIGKILL"
	rm -f "$TMP/wan.pid"
}

# ---- the client configs
client_conf() {
	cat <<'CONF'
client
dev tun
proto udp
remote 198.18.52.1 1194
nobind
ca ca.crt
cert client.crt
key client.key
remote-cert-tls server
verify-x509-name server name
tls-crypt-v2 tc2-client.key
data-ciphers AES-256-GCM:CHACHA20-POLY1305
CONF
}
{
	client_conf
	printf 'route 198.19.64.0 255.255.255.0\nroute-ipv6 2001:db8:64::/48\nreneg-sec 5\nexplicit-exit-notify 1\n'
} >"$TMP/vpn-client.conf"
{
	client_conf
	printf 'redirect-gateway def1\n'
} >"$TMP/vpn-client-rg.conf"
client_conf >"$TMP/vpn-client-plain.conf"
mkdir -p "$TMP/state"

# ctrl_start NAME CLIENTCONF: rampart-ctrl in the client namespace, logging to
# $TMP/ctrl-NAME.log (LOG)
ctrl_start() {
	local dns_line=""
	[ -n "${CTRL_DNS:-}" ] && dns_line=" dns_servers = [ \"$CTRL_DNS\" ];"
	cat >"$TMP/rampart.conf" <<CONF
dataplane = { socket = "$TMP/dp.sock"; };
ctrl = { socket = "$SOCK"; };
ports = ( { name = "lan"; devargs = "net_null0"; addresses = [ "198.18.1.1/24" ]; } );
firewall = { state_dir = "$TMP/state";$dns_line };
vpn = { client = "$2"; };
CONF
	LOG=$TMP/ctrl-$1.log
	ctrl_logs+=("$LOG")
	ip netns exec "$CL" "$CTRL" -c "$TMP/rampart.conf" >"$LOG" 2>&1 &
	ctrl_pid=$!
	wait_until 10 grep -q "vpn client: .*$2, to ${CTRL_REMOTE:-198.18.52.1} port 1194.*, tunnel tun0" "$LOG" ||
		fail "ctrl ($1): the VPN client did not start: $(grep vpn "$LOG" | tail -3)"
	wait_until 10 "$RAMPART" -s "$SOCK" vpn client || fail "ctrl ($1): rampart vpn client does not answer"
}
# ctrl_stop: SIGTERM, and gone within 5 s
ctrl_stop() {
	kill -TERM "$ctrl_pid"
	wait_until 5 sh -c "! kill -0 $ctrl_pid" || fail "ctrl did not stop within 5 s of SIGTERM"
	wait "$ctrl_pid" 2>/dev/null || true
	ctrl_pid=
}

# ---- helpers
cj() { "$RAMPART" -s "$SOCK" --json vpn client; }
# cfield NAME: one field of vpn client
cfield() { cj | $PY -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
state_is() { [ "$(cfield state)" = "$1" ]; }
not_up() { ! state_is up; }
mark() { wc -l <"$LOG"; }
since() { tail -n "+$(($1 + 1))" "$LOG"; }
pings() { ip netns exec "$1" ping "${@:2}" >/dev/null 2>&1; }
# lost FILE: the pings of a ping summary that got no answer
lost() {
	sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$1" | awk '{print $1 - $2}'
}
now() { date +%s.%N; }
secs() { $PY -c 'import sys; print("%.1f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$1" "$2"; }
# capture NAME: tcpdump on the client's veth, bounded, to $TMP/NAME.pcap
capture() {
	rm -f "$TMP/$1.pcap" "$TMP/$1.tcpdump.err"
	ip netns exec "$CL" timeout 60 tcpdump -i eth0 -n -U -w "$TMP/$1.pcap" 2>"$TMP/$1.tcpdump.err" &
	cap_pid=$!
	bg_pids+=($cap_pid)
	wait_until 5 grep -q "listening on" "$TMP/$1.tcpdump.err" || fail "tcpdump did not start: $(cat "$TMP/$1.tcpdump.err")"
}
capture_stop() {
	sleep 0.5
	kill -TERM "$cap_pid" 2>/dev/null
	wait "$cap_pid" 2>/dev/null || true
}
# pcap NAME FILTER: the packets of the capture that match, one a line
pcap() { tcpdump -r "$TMP/$1.pcap" -n "$2" 2>/dev/null; }

# ---- 0. fail hard before the first connection: the config's routes are on
# the TUN while no server answers, and what they carry is dropped
ctrl_start main vpn-client.conf
ip -n "$CL" route show 198.19.64.0/24 | grep "dev tun0" >/dev/null ||
	fail "before the first connection: the config's route 198.19.64.0/24 is not on tun0: $(ip -n "$CL" route)"
ip -n "$CL" -6 route show 2001:db8:64::/48 | grep "dev tun0" >/dev/null ||
	fail "before the first connection: the config's route-ipv6 2001:db8:64::/48 is not on tun0: $(ip -n "$CL" -6 route)"
state_is connecting || fail "no server yet: vpn client should be connecting: $(cj)"
d0=$(cfield dropped_tunnel_down)
if pings "$CL" -c 2 -i 0.2 -W 1 198.19.64.1; then fail "198.19.64.1 answered with no tunnel"; fi
d1=$(cfield dropped_tunnel_down)
[ "$d1" -ge $((d0 + 2)) ] || fail "dropped_tunnel_down: $d0 before, $d1 after 2 pings into the config's route with no tunnel"
ok "fail hard before the first connection: the config's routes (198.19.64.0/24, 2001:db8:64::/48) on tun0, connecting; pings into them dropped ($d0 -> $d1)"

# ---- 1. the tunnel comes up with the push
server wan1 server
t0=$(now)
wait_until 20 state_is up || fail "the tunnel did not come up within 20 s: $(cj)"
a4=$(cfield address)
a6=$(cfield address6)
[[ "$a4" =~ ^198\.18\.62\.([2-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-4])$ ]] ||
	fail "vpn client's address '$a4' is not from the server's pool 198.18.62.0/24"
[[ "$a6" =~ ^2001:db8:62:: ]] || fail "vpn client's address6 '$a6' is not from 2001:db8:62::/64"
[ "$(cfield cipher)" = AES-256-GCM ] || fail "vpn client's cipher: $(cfield cipher)"
grep -q "PUSH_REPLY.*ifconfig $a4 255.255.255.0" "$TMP/wan1.ovpn.log" ||
	fail "the server did not push $a4: $(grep PUSH "$TMP/wan1.ovpn.log")"
grep -q "PUSH_REPLY.*ifconfig-ipv6 $a6 2001:db8:62::1" "$TMP/wan1.ovpn.log" ||
	fail "the server did not push $a6: $(grep PUSH "$TMP/wan1.ovpn.log")"
ip -n "$CL" -o addr show dev tun0 | grep "inet $a4/24" >/dev/null ||
	fail "tun0 lacks $a4/24: $(ip -n "$CL" -o addr show dev tun0)"
ip -n "$CL" -o addr show dev tun0 | grep "inet6 ${a6%/*}/64" >/dev/null ||
	fail "tun0 lacks ${a6%/*}/64: $(ip -n "$CL" -o addr show dev tun0)"
grep -qE "vpn client: up: $a4 and ${a6//./\\.}, cipher AES-256-GCM, 2 pushed routes" "$LOG" ||
	fail "no up line in ctrl's log: $(grep 'vpn client' "$LOG")"
out=$("$RAMPART" -s "$SOCK" vpn client)
grep -q "^up to 198.18.52.1:1194 on tun0: address $a4 ${a6//./\\.}, cipher AES-256-GCM" <<<"$out" ||
	fail "rampart vpn client: $out"
ip -n "$CL" route show 198.19.62.0/24 | grep "dev tun0" >/dev/null ||
	fail "pushed route 198.19.62.0/24 not on tun0: $(ip -n "$CL" route)"
ip -n "$CL" -6 route show 2001:db8:63::/48 | grep "dev tun0" >/dev/null ||
	fail "pushed route-ipv6 2001:db8:63::/48 not on tun0: $(ip -n "$CL" -6 route)"
ip -n "$CL" route show 198.19.64.0/24 | grep "dev tun0" >/dev/null ||
	fail "the config's route 198.19.64.0/24 not on tun0 after the push: $(ip -n "$CL" route)"
ok "tunnel up in $(secs "$t0" "$(now)") s: $a4 and $a6 as pushed, AES-256-GCM, logged up, vpn client says so; pushed routes 198.19.62.0/24, 2001:db8:63::/48 and the config's 198.19.64.0/24 on tun0"

# ---- 2. traffic through the tunnel
pings "$CL" -c 3 -i 0.2 -W 2 198.18.62.1 || fail "no ping to the server's tunnel address 198.18.62.1"
pings "$CL" -6 -c 3 -i 0.2 -W 2 2001:db8:62::1 || fail "no ping to the server's tunnel address 2001:db8:62::1"
tx0=$(ip -n "$W" -s -j link show tun0 | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])')
pings "$CL" -c 3 -i 0.2 -W 2 198.19.62.1 || fail "no ping to 198.19.62.1 behind the server"
pings "$CL" -6 -c 3 -i 0.2 -W 2 2001:db8:63::1 || fail "no ping to 2001:db8:63::1 behind the server"
tx1=$(ip -n "$W" -s -j link show tun0 | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])')
[ "$tx1" -ge $((tx0 + 6)) ] || fail "the 6 pings to the host behind did not come out of the server's tun0 ($tx0 -> $tx1): not through the tunnel"
mkdir -p "$TMP/www"
head -c 3000000 /dev/urandom >"$TMP/www/blob"
sum=$(sha256sum <"$TMP/www/blob")
ip netns exec "$W" $PY -m http.server --bind 198.19.62.1 8080 --directory "$TMP/www" >"$TMP/http.log" 2>&1 &
bg_pids+=($!)
wait_until 10 ip netns exec "$W" sh -c "ss -ltn | grep -q '198.19.62.1:8080'" ||
	fail "the HTTP server does not listen: $(cat "$TMP/http.log")"
rm -f "$TMP/got"
n=$(ip netns exec "$CL" curl -sS -m 20 -o "$TMP/got" -w '%{size_download}' http://198.19.62.1:8080/blob) ||
	fail "curl http://198.19.62.1:8080/blob through the tunnel failed"
[ "$n" = 3000000 ] && [ "$(sha256sum <"$TMP/got")" = "$sum" ] ||
	fail "curl through the tunnel: $n bytes, want the 3000000 bytes served"
ok "through the tunnel: pings to 198.18.62.1, 2001:db8:62::1, 198.19.62.1, 2001:db8:63::1 (out of the server's tun0); 3000000 bytes by HTTP from 198.19.62.1, checksum equal"

# ---- 3. rampart's own renegotiation (reneg-sec 5; the server's is 3600)
tls0=$(grep -c "Control Channel: TLSv1.2" "$TMP/wan1.ovpn.log")
ip netns exec "$CL" ping -6 -c 80 -i 0.2 -W 1 2001:db8:63::1 >"$TMP/ping6.out" 2>&1 &
p6=$!
# ping's status is 1 with one reply missing, which is allowed: the loss is checked
ip netns exec "$CL" ping -c 80 -i 0.2 -W 1 198.19.62.1 >"$TMP/ping4.out" 2>&1 && rc4=0 || rc4=$?
wait "$p6" && rc6=0 || rc6=$?
[ "$rc4" -le 1 ] && [ "$rc6" -le 1 ] || fail "ping failed to run: $(cat "$TMP/ping4.out" "$TMP/ping6.out")"
lost4=$(lost "$TMP/ping4.out")
lost6=$(lost "$TMP/ping6.out")
[ -n "$lost4" ] && [ -n "$lost6" ] || fail "ping's summary missing: $(tail -2 "$TMP/ping4.out" "$TMP/ping6.out")"
tls1=$(grep -c "Control Channel: TLSv1.2" "$TMP/wan1.ovpn.log")
[ $((tls1 - tls0)) -ge 2 ] ||
	fail "renegotiation: $((tls1 - tls0)) new TLS sessions in the server's log in 16 s with reneg-sec 5 in rampart's config"
if grep -q "TLS: soft reset" "$TMP/wan1.ovpn.log"; then fail "the server started a soft reset (its reneg-sec is 3600)"; fi
[ "$lost4" -le 1 ] && [ "$lost6" -le 1 ] ||
	fail "pings lost across renegotiations: $lost4 of 80 (IPv4), $lost6 of 80 (IPv6)"
state_is up || fail "not up after the renegotiations: $(cj)"
ok "renegotiation by rampart (reneg-sec 5): $((tls1 - tls0)) new TLS sessions in the server's log in 16 s; pings every 0.2 s lost $lost4 of 80 (IPv4), $lost6 of 80 (IPv6)"

# ---- 4. fail hard: the server killed
capture fh
server_kill
tk=$(now)
# still up: what goes into the tunnel is sealed, to the server's UDP port
if pings "$CL" -c 2 -i 0.3 -W 1 198.19.62.1; then fail "198.19.62.1 answered with the server killed"; fi
wait_until 15 not_up || fail "the session did not end within 15 s of the server's death (keepalive 2 6 pushed): $(cj)"
td=$(secs "$tk" "$(now)")
$PY -c 'import sys; sys.exit(not float(sys.argv[1]) <= 10)' "$td" ||
	fail "the session ended ${td} s after the server died: ping-restart 6 was pushed"
last=$(cfield last_down)
grep -q "ping-restart" <<<"$last" || fail "last_down does not say ping-restart: '$last'"
grep -q "vpn client: session ended: .*ping-restart" "$LOG" || fail "no ping-restart end in ctrl's log: $(grep 'vpn client' "$LOG" | tail -3)"
out=$("$RAMPART" -s "$SOCK" vpn client)
grep -q "^last session ended: nothing from the peer for 6 s (ping-restart)" <<<"$out" ||
	fail "rampart vpn client does not say why the session ended: $out"
# down: dropped and counted
d0=$(cfield dropped_tunnel_down)
if pings "$CL" -c 2 -i 0.3 -W 1 198.19.62.1; then fail "198.19.62.1 answered with the tunnel down"; fi
if pings "$CL" -6 -c 2 -i 0.3 -W 1 2001:db8:63::1; then fail "2001:db8:63::1 answered with the tunnel down"; fi
ip netns exec "$CL" bash -c 'echo leak >/dev/udp/198.19.62.9/9' 2>/dev/null ||
	fail "could not send the UDP probe to 198.19.62.9"
# a leak would connect to the HTTP server on 8080; there is nothing on 80
if ip netns exec "$CL" curl -sS -m 2 -o /dev/null http://198.19.62.1:8080/blob 2>/dev/null; then
	fail "TCP to 198.19.62.1:8080 connected with the tunnel down"
fi
if ip netns exec "$CL" timeout 3 bash -c 'exec 3<>/dev/tcp/198.19.62.1/80' 2>/dev/null; then
	fail "TCP to 198.19.62.1:80 connected with the tunnel down"
fi
d1=$(cfield dropped_tunnel_down)
[ "$d1" -ge $((d0 + 6)) ] || fail "dropped_tunnel_down: $d0 before, $d1 after 2+2 pings, a UDP packet and 2 TCP connects"
capture_stop
leaked=$(pcap fh 'dst net 198.19.62.0/24 or dst net 2001:db8:63::/48 or dst net 198.19.64.0/24')
[ -z "$leaked" ] || fail "sent in clear on the veth, around the tunnel: $(head -5 <<<"$leaked")"
other=$(pcap fh '(ip or ip6) and not (udp and dst host 198.18.52.1 and dst port 1194) and not (icmp and src host 198.18.52.1) and not dst net ff00::/8 and not (icmp6 and ip6[40] >= 133 and ip6[40] <= 136)')
[ -z "$other" ] || fail "on the veth, other than the client's UDP to 198.18.52.1:1194 and ICMP from it: $(head -5 <<<"$other")"
nudp=$(pcap fh 'udp and dst host 198.18.52.1 and dst port 1194' | wc -l)
[ "$nudp" -ge 2 ] || fail "the capture has $nudp UDP packets to the server: is it capturing?"
ok "fail hard: the server killed, the session ended by ping-restart ${td} s later (last_down: $last); pings (v4, v6), UDP and TCP to the tunnel's networks unanswered, dropped_tunnel_down $d0 -> $d1; the veth saw none of them, only $nudp UDP packets to 198.18.52.1:1194"

# ---- 5. the server back: rampart reconnects by itself
ups0=$(cfield ups)
server wan2 server
tr=$(now)
wait_until 30 state_is up || fail "no reconnection within 30 s of the server's restart: $(cj)"
trs=$(secs "$tr" "$(now)")
$PY -c 'import sys; sys.exit(not float(sys.argv[1]) <= 20)' "$trs" ||
	fail "reconnected ${trs} s after the server came back: want within 20 s (backoff 1, 2, 4 ... s)"
[ "$(cfield ups)" -eq $((ups0 + 1)) ] || fail "ups: $ups0 before, $(cfield ups) after the reconnection"
pings "$CL" -c 3 -i 0.2 -W 2 198.19.62.1 || fail "no ping to 198.19.62.1 after the reconnection"
pings "$CL" -6 -c 3 -i 0.2 -W 2 2001:db8:63::1 || fail "no ping to 2001:db8:63::1 after the reconnection"
ok "the server back: rampart reconnected by itself ${trs} s later (ups $ups0 -> $(cfield ups), $(cfield connects) connection attempts); pings (v4, v6) through again"

# ---- 6. explicit-exit-notify: ctrl stopped, the server told at once
wait_until 10 grep -q "Control Channel: TLSv1.2" "$TMP/wan2.ovpn.log" || fail "no TLS session in the server's log"
ts=$(now)
ctrl_stop
wait_until 3 grep -qE "CC-EEN exit message received|remote-exit" "$TMP/wan2.ovpn.log" ||
	fail "ctrl stopped with explicit-exit-notify 1: the server was not told: $(tail -5 "$TMP/wan2.ovpn.log")"
tee=$(secs "$ts" "$(now)")
if ip -n "$CL" link show tun0 >/dev/null 2>&1; then fail "tun0 stays after ctrl stopped"; fi
ok "explicit-exit-notify: ctrl stopped, the server logged the client's exit ${tee} s after SIGTERM; tun0 and its routes gone"

# ---- 7. redirect-gateway def1
ctrl_start rg vpn-client-rg.conf
ip -n "$CL" route show 0.0.0.0/1 | grep "dev tun0" >/dev/null && ip -n "$CL" route show 128.0.0.0/1 | grep "dev tun0" >/dev/null ||
	fail "redirect-gateway: 0.0.0.0/1 and 128.0.0.0/1 not on tun0 before the first connection: $(ip -n "$CL" route)"
wait_until 20 state_is up || fail "redirect-gateway: the tunnel did not come up: $(cj)"
ip -n "$CL" route show 0.0.0.0/1 | grep "dev tun0" >/dev/null && ip -n "$CL" route show 128.0.0.0/1 | grep "dev tun0" >/dev/null ||
	fail "redirect-gateway: 0.0.0.0/1 and 128.0.0.0/1 not on tun0: $(ip -n "$CL" route)"
ip -n "$CL" route show 198.18.52.1/32 | grep "dev eth0" >/dev/null ||
	fail "redirect-gateway: no host route to the server 198.18.52.1 via eth0: $(ip -n "$CL" route)"
ip -n "$CL" route get 198.18.52.1 | grep "dev eth0" >/dev/null || fail "the way to the server is not eth0: $(ip -n "$CL" route get 198.18.52.1)"
ip -n "$CL" route get 198.18.99.99 | grep "dev tun0" >/dev/null || fail "198.18.99.99 is not routed into tun0: $(ip -n "$CL" route get 198.18.99.99)"
# 198.19.70.1 is in no route but the halves: through the tunnel, out of the server's tun0
rx0=$(ip -n "$W" -s -j link show tun0 | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])')
pings "$CL" -c 5 -i 0.2 -W 2 198.19.70.1 || fail "redirect-gateway: no ping to 198.19.70.1 through the tunnel"
rx1=$(ip -n "$W" -s -j link show tun0 | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])')
[ "$rx1" -ge $((rx0 + 5)) ] || fail "redirect-gateway: the 5 pings to 198.19.70.1 did not come out of the server's tun0 ($rx0 -> $rx1)"
pings "$CL" -c 3 -i 0.2 -W 2 198.19.62.1 || fail "redirect-gateway: no ping to 198.19.62.1"
server_kill
wait_until 15 not_up || fail "redirect-gateway: the session did not end within 15 s of the server's death: $(cj)"
capture rg
d0=$(cfield dropped_tunnel_down)
if pings "$CL" -c 3 -i 0.3 -W 1 198.18.99.99; then fail "198.18.99.99 answered with the tunnel down"; fi
if pings "$CL" -c 2 -i 0.3 -W 1 198.19.70.1; then fail "198.19.70.1 answered with the tunnel down"; fi
d1=$(cfield dropped_tunnel_down)
capture_stop
[ "$d1" -ge $((d0 + 5)) ] || fail "redirect-gateway: dropped_tunnel_down $d0 -> $d1 after 5 pings with the tunnel down"
leaked=$(pcap rg 'dst host 198.18.99.99 or dst host 198.19.70.1')
[ -z "$leaked" ] || fail "redirect-gateway: sent in clear on the veth with the tunnel down: $(head -5 <<<"$leaked")"
ok "redirect-gateway def1: 0.0.0.0/1 and 128.0.0.0/1 on tun0 (before the first connection too), the server pinned on eth0, 198.19.70.1 reached only through the tunnel; the server killed, pings to 198.18.99.99 and 198.19.70.1 dropped ($d0 -> $d1), none on the veth"
ctrl_stop

# ---- 8. refusals: the client never comes up, and says why
# refused NAME CERT WHAT PATTERN
refused() {
	server "$1" "$2"
	ctrl_start "$1" vpn-client-plain.conf
	wait_until 8 grep -qE "vpn client: session ended: $4" "$LOG" ||
		fail "$3: no end like /$4/ in ctrl's log: $(grep 'vpn client' "$LOG" | tail -3)"
	sleep 1
	grep -qE "$4" <<<"$(cfield last_down)" || fail "$3: last_down: $(cfield last_down)"
	[ "$(cfield ups)" = 0 ] || fail "$3: the tunnel came up: $(cj)"
	if grep -q "vpn client: up:" "$LOG"; then fail "$3: an up line in ctrl's log"; fi
	if ip -n "$CL" -o addr show dev tun0 | grep "198.18.62" >/dev/null; then fail "$3: tun0 has a pushed address"; fi
	echo "    $3: $(grep -E "vpn client: session ended: $4" "$LOG" | head -1 | sed 's/.*vpn client: //')"
	ctrl_stop
	server_kill
}
# why: rampart's own words (session.c), or mbedtls's verify info on the usage
refused noeku noeku "a server certificate without serverAuth" \
	"(the server's certificate has no serverAuth extended key usage|TLS: .*([Uu]sage|serverAuth))"
refused impostor impostor "a server named impostor (verify-x509-name server name)" \
	"TLS: .*(Common Name|CN)"
ok "refused: a server certificate without serverAuth, a server whose name is not verify-x509-name's; never up, each said why in last_down and ctrl's log"

# ---- 9. the IPv6 pool as most servers write it: server-ipv6, which makes
# OpenVPN 2.6 push tun-ipv6 (a no-op for its clients since 2.3)
sed 's|^ifconfig-ipv6 .*|server-ipv6 2001:db8:62::/64|; /^ifconfig-ipv6-pool /d' "$TMP/wan.conf" >"$TMP/wan-s6.conf"
server wan-s6 server wan-s6.conf
ctrl_start s6 vpn-client-plain.conf
wait_until 15 grep -q "PUSH_REPLY.*tun-ipv6" "$TMP/wan-s6.ovpn.log" || fail "server-ipv6: the server pushed no tun-ipv6 (nothing to check)"
wait_until 10 state_is up ||
	fail "a server with server-ipv6 (it pushes tun-ipv6): the tunnel did not come up: last_down '$(cfield last_down)'"
a6=$(cfield address6)
[[ "$a6" =~ ^2001:db8:62:: ]] || fail "server-ipv6: address6 '$a6'"
pings "$CL" -6 -c 3 -i 0.2 -W 2 2001:db8:63::1 || fail "server-ipv6: no ping to 2001:db8:63::1"
ok "a server with server-ipv6 (pushing tun-ipv6): up with $a6, pings 2001:db8:63::1"
ctrl_stop
server_kill

# ---- 10. over TCP: proto tcp-client against a tcp-server; a session ends with
# its connection, and the next one makes a new connection
sed 's/^proto udp$/proto tcp-server/' "$TMP/wan.conf" >"$TMP/wan-tcp.conf"
grep -q "^proto tcp-server$" "$TMP/wan-tcp.conf" || fail "no proto udp in wan.conf to change"
sed 's/^proto udp$/proto tcp-client/' "$TMP/vpn-client-plain.conf" >"$TMP/vpn-client-tcp.conf"
server wan-tcp server wan-tcp.conf
ctrl_start tcp vpn-client-tcp.conf
wait_until 15 state_is up || fail "over TCP: the tunnel did not come up: last_down '$(cfield last_down)'"
grep -q "TCP connection established" "$TMP/wan-tcp.ovpn.log" || fail "over TCP: the server saw no TCP connection"
pings "$CL" -c 3 -i 0.2 -W 2 198.19.62.1 || fail "over TCP: no ping to 198.19.62.1"
pings "$CL" -6 -c 3 -i 0.2 -W 2 2001:db8:63::1 || fail "over TCP: no ping to 2001:db8:63::1"
server_kill
wait_until 10 sh -c "grep -q 'session ended: the server closed the connection' '$LOG'" ||
	fail "over TCP: the server's death did not end the session: $(grep 'vpn client' "$LOG" | tail -2)"
pings "$CL" -c 2 -W 1 198.19.62.1 && fail "over TCP: 198.19.62.1 answered with the server dead"
server wan-tcp server wan-tcp.conf
wait_until 20 state_is up || fail "over TCP: no reconnection after the server came back: $(cj)"
pings "$CL" -c 3 -i 0.2 -W 2 198.19.62.1 || fail "over TCP: no ping after the reconnection"
ok "over TCP: up, pings both stacks; the server killed: the session ends with its connection; back: a new connection and traffic again"
ctrl_stop
server_kill

# ---- 11. remotes by name, in turn: the first does not resolve (NXDOMAIN),
# the second, a name, resolves to the server (knotd in wan answers for
# example.net, asked through firewall.dns_servers)
if command -v knotd >/dev/null; then
	mkdir -p "$TMP/knot"
	cat >"$TMP/knot/example.net.zone" <<'ZONE'
$ORIGIN example.net.
$TTL 60
@	SOA ns hostmaster 1 3600 600 86400 60
	NS ns
ns	A 198.18.52.1
vpn	A 198.18.52.1
ZONE
	cat >"$TMP/knot/knot.conf" <<KNOT
server:
    listen: [ 198.18.52.1@53, 198.19.71.1@53 ]
    rundir: "$TMP/knot"
database:
    storage: "$TMP/knot/db"
template:
  - id: default
    storage: "$TMP/knot"
zone:
  - domain: example.net
    file: example.net.zone
KNOT
	ip -n "$W" addr add 198.19.71.1/32 dev lo
	ip netns exec "$W" timeout 120 knotd -c "$TMP/knot/knot.conf" >"$TMP/knot/out" 2>&1 &
	bg_pids+=($!)
	wait_until 10 sh -c "ip netns exec '$CL' kdig +timeout=1 +retry=0 @198.18.52.1 vpn.example.net A | grep -q 198.18.52.1" ||
		fail "knotd did not answer: $(tail -5 "$TMP/knot/out")"
	sed 's/^remote .*/remote nowhere.example.net 1194\nremote vpn.example.net 1194/' "$TMP/vpn-client-plain.conf" >"$TMP/vpn-client-names.conf"
	server wan-names server
	CTRL_DNS=198.18.52.1 CTRL_REMOTE=nowhere.example.net ctrl_start names vpn-client-names.conf
	wait_until 20 state_is up || fail "remotes by name: the tunnel did not come up: $(cj)"
	[ "$(cfield remote_host)" = vpn.example.net ] || fail "remotes by name: the remote in use: $(cj)"
	[ "$(cfield remote)" = 198.18.52.1:1194 ] || fail "remotes by name: the address in use: $(cj)"
	grep -q "remote nowhere.example.net: no such name" "$LOG" || fail "remotes by name: the first one's failure was not logged: $(grep 'vpn client' "$LOG" | tail -3)"
	pings "$CL" -c 3 -i 0.2 -W 2 198.19.62.1 || fail "remotes by name: no ping to 198.19.62.1"
	"$RAMPART" -s "$SOCK" vpn client | grep "up to vpn.example.net (198.18.52.1:1194)" >/dev/null ||
		fail "remotes by name: rampart vpn client: $("$RAMPART" -s "$SOCK" vpn client)"
	ok "remotes by name, in turn: nowhere.example.net does not resolve, vpn.example.net does and the tunnel is up"
	ctrl_stop
	# with redirect-gateway the halves send everything into the tunnel before
	# the first connection: the DNS server (198.19.71.1 here) keeps its way
	# around it, or the name would never resolve
	{
		sed 's/^remote .*/remote vpn.example.net 1194/' "$TMP/vpn-client-plain.conf"
		printf 'redirect-gateway def1\n'
	} >"$TMP/vpn-client-names-rg.conf"
	CTRL_DNS=198.19.71.1 CTRL_REMOTE=vpn.example.net ctrl_start names-rg vpn-client-names-rg.conf
	wait_until 20 state_is up || fail "a remote by name with redirect-gateway: the tunnel did not come up: $(cj)"
	ip -n "$CL" route get 198.19.71.1 | grep "dev eth0" >/dev/null ||
		fail "redirect-gateway: the DNS server is not pinned outside the tunnel: $(ip -n "$CL" route get 198.19.71.1)"
	pings "$CL" -c 3 -i 0.2 -W 2 198.19.70.1 || fail "a remote by name with redirect-gateway: no ping through the tunnel"
	ctrl_stop
	ip -n "$CL" route | grep "198.19.71.1" >/dev/null && fail "the DNS server's pinned route outlived ctrl"
	ok "a remote by name with redirect-gateway: its DNS server pinned outside the tunnel, the name resolved, the tunnel up; the pin gone with ctrl"
	server_kill
fi

# ---- ctrl clean in every run
for f in "${ctrl_logs[@]}"; do
	if grep -qE "runtime error|AddressSanitizer|LeakSanitizer" "$f"; then
		LOG=$f
		fail "sanitizer report in $(basename "$f")"
	fi
done
ok "VPN client: all cases passed"
