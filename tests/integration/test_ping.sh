#!/usr/bin/env bash
# Ping through the appliance, both ways, IPv4 and IPv6, and the appliance's
# own addresses (answered by the dataplane itself).
. "$(dirname "$0")/lib.sh"
lab_up

for dst in 198.18.1.1 198.19.1.1 198.19.1.2 198.51.100.1 2001:db8:1::1 2001:db8:2::1 2001:db8:2::2 2001:db8:100::1; do
	ip netns exec lan ping -c 3 -i 0.2 -W 2 "$dst" >/dev/null || fail "lan -> $dst"
	ok "lan -> $dst"
done
for dst in 198.18.1.2 2001:db8:1::2; do
	ip netns exec wan ping -c 3 -i 0.2 -W 2 "$dst" >/dev/null || fail "wan -> $dst"
	ok "wan -> $dst"
done
[ "$(counter echo_replies_sent)" -ge 12 ] || fail "echo replies not counted"
[ "$(counter fwd_ipv4)" -gt 0 ] || fail "fwd_ipv4 not counted"
[ "$(counter fwd_ipv6)" -gt 0 ] || fail "fwd_ipv6 not counted"
# no route: 192.0.2.1 is not routed by the lab config -> net unreachable
out=$(ip netns exec lan ping -c 1 -W 2 192.0.2.1 2>&1 || true)
echo "$out" | grep -q "Destination Net Unreachable" || fail "no ICMP net unreachable for 192.0.2.1: $out"
ok "no route answered with net unreachable"
