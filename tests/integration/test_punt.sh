#!/usr/bin/env bash
# The exception path: TCP to the appliance's own address is not handled by a
# fast path, so it is punted to the kernel on rampart0, where an ordinary
# socket answers; the replies come back out of the TAP and leave by route.
. "$(dirname "$0")/lib.sh"
lab_up

echo "hello from the appliance" >"$TMP/index.html"
(cd "$TMP" && exec ip netns exec rampart python3 -m http.server 8081 --bind 198.18.1.1 >/dev/null 2>&1) &
CLEANUP_EXTRA="kill $!"
wait_until 5 ip netns exec rampart sh -c 'ss -ltn | grep -q :8081' || fail "server did not start"
got=$(ip netns exec lan curl -sS --max-time 10 http://198.18.1.1:8081/index.html) || fail "curl to the appliance"
[ "$got" = "hello from the appliance" ] || fail "unexpected body: $got"
ok "TCP to 198.18.1.1 served by a kernel socket behind rampart0"
[ "$(counter punted)" -gt 0 ] || fail "punted not counted"
[ "$(counter from_punt)" -gt 0 ] || fail "from_punt not counted"
ok "punted $(counter punted), from the kernel $(counter from_punt)"
