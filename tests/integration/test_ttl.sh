#!/usr/bin/env bash
# A packet that arrives with TTL / hop limit 1 is not forwarded: the sender
# gets ICMP time exceeded from the appliance's address on its side.
. "$(dirname "$0")/lib.sh"
lab_up

out=$(ip netns exec lan ping -c 1 -t 1 -W 2 198.19.1.2 2>&1 || true)
echo "$out" | grep -q "From 198.18.1.1 .*Time to live exceeded" || fail "IPv4: $out"
ok "IPv4 time exceeded from 198.18.1.1"
out=$(ip netns exec lan ping -6 -c 1 -t 1 -W 2 2001:db8:2::2 2>&1 || true)
echo "$out" | grep -qi "From 2001:db8:1::1 .*Time exceeded" || fail "IPv6: $out"
ok "IPv6 time exceeded from 2001:db8:1::1"
[ "$(counter drop_ttl_exceeded)" -ge 2 ] || fail "drop_ttl_exceeded not counted"
# TTL 2 reaches the wan host (decremented once)
ip netns exec lan ping -c 1 -t 2 -W 2 198.19.1.2 >/dev/null || fail "TTL 2 should pass"
ok "TTL 2 passes"
