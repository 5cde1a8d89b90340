#!/usr/bin/env bash
# Pushing firewall rules live: pushes while a UDP stream runs lose none of its
# packets; --confirm undoes a push that is not confirmed in time and keeps one
# that is; host names in rules are resolved through a real DNS server
# (dnsmasq in wan) and followed when their address changes; dns-servers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fw_lib.sh"
command -v dnsmasq >/dev/null || { echo "skip: dnsmasq not installed (make deps)"; exit 77; }

cat >"$TMP/a.rules" <<'EOF'
set default block
pass in on lan proto { tcp, udp } to any port 5201
pass in on lan proto icmp icmp-type echo-request
pass in on lan inet6 proto icmpv6 icmp-type echo-request
EOF
fw_lab_up "$TMP/a.rules"

# --- pushes under a stream: no packet of it lost, new rules for new flows
ip netns exec wan iperf3 -s -D -p 5201 --logfile "$TMP/iperf-server.log"
CLEANUP_EXTRA="${CLEANUP_EXTRA:-true}; ip netns exec wan pkill -f 'iperf3 -s'"
wait_until 5 ip netns exec wan sh -c 'ss -ltn | grep -q :5201' || fail "iperf3 server did not start"
# a warm-up run first: neighbours resolved, sockets and caches warm
ip netns exec lan iperf3 -u -b 20M -l 1000 -c 198.19.1.2 -p 5201 -t 2 >/dev/null || fail "warm-up"
d0=$(counter drop_fw_revoked)
ip netns exec lan iperf3 -u -b 20M -l 1000 -c 198.19.1.2 -p 5201 -t 6 -J >"$TMP/udp.json" &
iperf=$!
sleep 1
for i in 1 2 3 4 5 6; do
	if [ $((i % 2)) = 1 ]; then
		cp "$TMP/a.rules" "$TMP/p.rules"
		echo "pass in on lan proto tcp to any port 8$i" >>"$TMP/p.rules"
	else
		cp "$TMP/a.rules" "$TMP/p.rules"
		echo "block in on lan proto udp to any port 9$i" >>"$TMP/p.rules"
	fi
	"$RAMPART" rules push "$TMP/p.rules" >/dev/null || fail "push $i under load"
	sleep 0.5
done
wait $iperf || fail "iperf3 UDP stream"
python3 - "$TMP/udp.json" <<'PY' || fail "packets lost while pushing"
import json, sys
e = json.load(open(sys.argv[1]))["end"]["sum"]
assert e["packets"] > 10000, e
assert e["lost_packets"] == 0, e
print("ok: 6 pushes during a UDP stream: %d packets, 0 lost" % e["packets"])
PY
[ "$(counter drop_fw_revoked)" = "$d0" ] || fail "flows revoked by pushes that allow them"

# --- --confirm: a push that blocks everything undoes itself
cat >"$TMP/closed.rules" <<'EOF'
set default block
EOF
ip netns exec lan ping -c 1 -W 2 198.19.1.2 >/dev/null || fail "ping before"
"$RAMPART" rules push "$TMP/closed.rules" --confirm 2 >"$TMP/out" || fail "push --confirm"
grep -q "confirm with" "$TMP/out" || fail "push --confirm output: $(cat "$TMP/out")"
if ip netns exec lan ping -c 1 -W 1 198.19.1.2 >/dev/null 2>&1; then
	fail "the pushed rules are not in force"
fi
"$RAMPART" rules push "$TMP/a.rules" >/dev/null 2>&1 && fail "a second push while one awaits confirmation"
wait_until 8 ip netns exec lan ping -c 1 -W 1 198.19.1.2 || fail "the unconfirmed push was not undone"
"$RAMPART" rules history --json | python3 -c '
import json, sys
h = json.load(sys.stdin)["history"]
assert h[-1]["action"] == "revert", h[-1]' || fail "history does not show the revert"
ok "an unconfirmed push reverts by itself"

"$RAMPART" rules push "$TMP/a.rules" --confirm 3 >/dev/null || fail "push --confirm 3"
"$RAMPART" rules confirm >/dev/null || fail "confirm"
sleep 4
"$RAMPART" rules history --json | python3 -c '
import json, sys
h = json.load(sys.stdin)["history"]
assert h[-1]["action"] == "confirm", h[-1]' || fail "a confirmed push was undone"
"$RAMPART" rules confirm >/dev/null 2>&1 && fail "confirm with nothing pending"
ok "a confirmed push stays"

# --- host names through a real DNS server, followed when they change
start_dns() { # address of web.lab.example
	[ -n "${dnspid:-}" ] && kill "$dnspid" 2>/dev/null && wait "$dnspid" 2>/dev/null
	ip netns exec wan dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces \
		--listen-address=198.19.1.2 --port=53 --local-ttl=1 \
		--host-record="web.lab.example,$1" --log-facility=- >"$TMP/dnsmasq.log" 2>&1 &
	dnspid=$!
	wait_until 5 ip netns exec wan sh -c 'ss -lun | grep -q "198.19.1.2:53 "' || fail "dnsmasq did not start"
}
# two destinations behind wan, both routed: the name points at one of them
ip -n wan addr add 198.51.100.2/32 dev lo
start_dns 198.51.100.1
CLEANUP_EXTRA="${CLEANUP_EXTRA:-true}; kill \$dnspid"
cat >"$TMP/names.rules" <<'EOF'
set default block
pass in on lan proto icmp to host web.lab.example
pass in on lan to dns-servers
EOF
"$RAMPART" rules check "$TMP/names.rules" >/dev/null || fail "check with a host name"
"$RAMPART" rules push "$TMP/names.rules" >/dev/null || fail "push with a host name"
ip netns exec lan ping -c 1 -W 2 198.51.100.1 >/dev/null || fail "ping to the name's address"
if ip netns exec lan ping -c 1 -W 1 198.51.100.2 >/dev/null 2>&1; then
	fail "ping to another address passed"
fi
"$RAMPART" rules show | grep -q "host web.lab.example (ok): 198.51.100.1" || fail "show: names"
ok "host web.lab.example resolved by ctrl to 198.51.100.1"

# DNS itself passes to the configured server (dns-servers: UDP 53)
ip netns exec lan python3 -c '
import socket
q = bytes.fromhex("abcd01000001000000000000") + b"\x03web\x03lab\x07example\x00\x00\x01\x00\x01"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
s.sendto(q, ("198.19.1.2", 53)); r = s.recv(512)
assert r[:2] == b"\xab\xcd" and r[7] == 1, r' || fail "DNS query to dns-servers"
ok "dns-servers: a DNS query from lan reaches the configured server"

gen=$(fw_generation)
start_dns 198.51.100.2
wait_until 30 ip netns exec lan ping -c 1 -W 1 198.51.100.2 || fail "the new address of the name was not followed"
[ "$(fw_generation)" != "$gen" ] || fail "no new generation after the name changed"
if ip netns exec lan ping -c 1 -W 1 198.51.100.1 >/dev/null 2>&1; then
	fail "the old address of the name still passes"
fi
ok "the name moved to 198.51.100.2: rules recompiled and pushed by ctrl"
