#!/usr/bin/env bash
# The lab's VPN profile (make lab VPN=1, docs/vpn.md "In the lab"): the road
# warrior host behind wan brings its tunnel up against rampart-ctrl's server
# through the dataplane's exception path, and reaches lan through the tunnel;
# vpn status lists it; the lab goes down without leftovers.
. "$(dirname "$0")/lib.sh"
command -v openvpn >/dev/null || { echo "SKIP: needs openvpn"; exit 77; }

conf=$TMP/lab.conf
copy_conf "$conf"
printf '\nvpn = { server = "%s/vpn/vpn-server.conf"; dataplane = true; };\n' "$RUN" >>"$conf"
LAB_VPN=1 LAB_CONF=$conf "$top/scripts/lab.sh" up || fail "the lab with the VPN did not come up"

addr=$(ip -n road -4 -o addr show dev tun0 | awk '{print $4}')
[ "$addr" = 198.18.60.2/24 ] || fail "road's tunnel address: '$addr', want 198.18.60.2/24 from the pool"
ip -n road route | grep "^198.18.1.0/24 .*dev tun0" >/dev/null || fail "the pushed route to lan is not on road's tun0: $(ip -n road route)"
ok "road's tunnel up: $addr, route to lan pushed"

ip netns exec road ping -c 3 -i 0.2 -W 2 198.18.60.1 >/dev/null || fail "road -> 198.18.60.1 (ctrl's end of the tunnel)"
ip netns exec road ping -c 3 -i 0.2 -W 2 198.18.1.2 >/dev/null || fail "road -> 198.18.1.2 (lan) through the tunnel"
ip netns exec road curl -s -m 3 -o /dev/null 198.18.1.2:9 && fail "road reached lan's port 9: nothing listens there"
ok "road pings ctrl's end of the tunnel and the lan host through it"

st=$("$RAMPART" --json vpn status)
echo "$st" | python3 -c '
import json, sys
d = json.load(sys.stdin)
c = [x for x in d["clients"] if x["state"] == "up"]
sys.exit(not (len(c) == 1 and c[0]["address"] == "198.18.60.2" and c[0]["subject"] == "CN=road"
	      and c[0]["rx_packets"] >= 6))' || fail "vpn status: $st"
ok "vpn status lists road (CN=road, 198.18.60.2) up"

"$top/scripts/lab.sh" down >/dev/null 2>&1
ip netns list | grep '^road' >/dev/null && fail "road outlived lab down"
[ -e "$RUN/vpn" ] && fail "$RUN/vpn outlived lab down"
ok "VPN lab: all cases passed"
