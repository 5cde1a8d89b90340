#!/usr/bin/env bash
# Tenants on ports of the dataplane: the echo tenant's net device is TAP
# tn-echo in the appliance's namespace, read and written by the dataplane
# as port "svc" (AF_PACKET), so the tenant is a host behind the appliance
# like any other: reached from lan through the firewall (ping, UDP echo),
# refused from wan until a rule lets wan in, its port's counters moving.
# The http tenant on port "web" (tn-web) serves curl from lan.
. "$(dirname "$0")/lib.sh"
TENDER=$BUILD/sandbox/rampart-tender

copy_conf "$TMP/rampart.conf"
add_tenant_port "$TMP/rampart.conf" svc tn-echo 198.18.3.1/24
add_tenant_port "$TMP/rampart.conf" web tn-web 198.18.4.1/24
lab_up "$TMP/rampart.conf"
ip netns exec rampart "$TENDER" --name=echo --net:service=tn-echo "$BUILD/sandbox/tenants/echo.tenant" \
	ip=198.18.3.2 >"$TMP/echo.out" 2>&1 &
echo_pid=$!
ip netns exec rampart "$TENDER" --name=http --net:service=tn-web "$BUILD/sandbox/tenants/http.tenant" \
	ip=198.18.4.2 >"$TMP/http.out" 2>&1 &
CLEANUP_EXTRA="kill $echo_pid $! || true"
wait_until 5 grep -q "echo: 198.18.3.2" "$TMP/echo.out" || fail "the tenant did not start: $(cat "$TMP/echo.out")"

udp_echo() { # NS ADDR: one datagram to port 7, prints what comes back
	ip netns exec "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
s.sendto(b"through the appliance", (sys.argv[1], 7))
try:
    d, a = s.recvfrom(2048)
    print(d.decode(), a[0], a[1])
except socket.timeout:
    print("timeout")' "$2"
}

out=$(ip netns exec lan ping -c 3 -i 0.2 -W 1 198.18.3.2 2>&1 || true)
grep -q " 0% packet loss" <<<"$out" || fail "ping from lan to the tenant: $out"
out=$(udp_echo lan 198.18.3.2)
[ "$out" = "through the appliance 198.18.3.2 7" ] || fail "UDP echo from lan: $out"
ok "lan reaches the tenant through the appliance: ping, UDP echo"

out=$(udp_echo wan 198.18.3.2)
[ "$out" = timeout ] || fail "wan reached the tenant with no rule letting it in: $out"
cp "$TMP/rules.conf" "$TMP/rules2.conf"
echo 'pass in on wan proto udp to 198.18.3.2 port 7' >>"$TMP/rules2.conf"
"$RAMPART" rules push "$TMP/rules2.conf" >/dev/null || fail "rules push"
out=$(udp_echo wan 198.18.3.2)
[ "$out" = "through the appliance 198.18.3.2 7" ] || fail "UDP echo from wan after the rule: $out"
ok "the firewall stands in front of the tenant: wan refused, then let in by a rule"

out=$("$RAMPART" ports --json)
python3 - "$out" <<'PY' || fail "port svc counters: $out"
import json, sys
ports = json.loads(sys.argv[1])
ports = ports.get("ports", ports)
svc = [p for p in ports if p.get("name") == "svc"][0]
rx = svc["rx_pkts"]
tx = svc["tx_pkts"]
assert rx >= 5 and tx >= 5, svc
PY
ok "port svc counts the tenant's traffic"

wait_until 5 grep -q "http: serving on 198.18.4.2" "$TMP/http.out" || fail "the http tenant: $(cat "$TMP/http.out")"
out=$(ip netns exec lan curl -s -m 5 -w " %{http_code}" http://198.18.4.2/ || true)
[ "$out" = "hello from a rampart tenant
 200" ] || fail "curl from lan to the http tenant: $out"
for i in $(seq 10); do
	[ "$(ip netns exec lan curl -s -m 5 -o /dev/null -w "%{http_code}" http://198.18.4.2/ || true)" = 200 ] ||
		fail "curl $i to the http tenant"
done
out=$(ip netns exec lan curl -s -m 5 -w " %{http_code}" http://198.18.4.2/nope || true)
[ "$out" = "not found
 404" ] || fail "curl /nope: $out"
out=$(ip netns exec lan curl -s -m 5 http://198.18.4.2/stats || true)
grep -q "^requests 13$" <<<"$out" || fail "http stats: $out"
ok "http tenant on port web: 13 requests from lan over TCP through the firewall, counted by the tenant"
ok "the tenant on a dataplane port: all cases passed"
