#!/usr/bin/env bash
# The exception path: TCP to the appliance's own address is not handled by a
# fast path, so it is punted to the kernel on rampart0, where an ordinary
# socket answers; the replies come back out of the TAP and leave by route.
. "$(dirname "$0")/lib.sh"
lab_up

# ctrl gives rampart0 the appliance's addresses once the dataplane made it
wait_until 10 sh -c 'ip -n rampart addr show dev rampart0 | grep -q "198.18.1.1/24"' ||
	fail "rampart0 has not got the appliance's addresses"
echo "hello from the appliance" >"$TMP/index.html"
# socketserver, not http.server: the latter looks up the host name, and this
# namespace has no resolver to ask
(cd "$TMP" && exec ip netns exec rampart python3 -c '
import http.server, socketserver
socketserver.TCPServer.allow_reuse_address = True
socketserver.TCPServer(("198.18.1.1", 8081), http.server.SimpleHTTPRequestHandler).serve_forever()
' >/dev/null 2>&1) &
CLEANUP_EXTRA="kill $!"
wait_until 5 ip netns exec rampart sh -c 'ss -ltn | grep -q :8081' || fail "server did not start"
got=$(ip netns exec lan curl -sS --max-time 10 http://198.18.1.1:8081/index.html) || fail "curl to the appliance"
[ "$got" = "hello from the appliance" ] || fail "unexpected body: $got"
ok "TCP to 198.18.1.1 served by a kernel socket behind rampart0"
[ "$(counter punted)" -gt 0 ] || fail "punted not counted"
[ "$(counter from_punt)" -gt 0 ] || fail "from_punt not counted"
ok "punted $(counter punted), from the kernel $(counter from_punt)"

ip netns exec rampart iperf3 -s -D -1 -B 2001:db8:1::1 -p 5203 --logfile "$TMP/iperf.log"
wait_until 5 ip netns exec rampart sh -c 'ss -ltn | grep -q :5203' || fail "iperf3 server did not start"
ip netns exec lan iperf3 -c 2001:db8:1::1 -p 5203 -t 1 >/dev/null || fail "iperf3 over IPv6 to the appliance"
ok "iperf3 over IPv6 to a kernel socket on the appliance"
