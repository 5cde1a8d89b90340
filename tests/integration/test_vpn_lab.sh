#!/usr/bin/env bash
# The lab's VPN profile (make lab VPN=1, docs/vpn.md "In the lab"), with the
# data channel in the dataplane (vpn { dataplane = true; }): the road warrior
# host behind wan brings its tunnel up against rampart-ctrl (the handshake
# through the exception path) and reaches lan through the tunnel, whose
# packets the dataplane's workers decrypt, filter ("in on vpn"), route and
# encrypt; a TCP transfer checks out; renegotiations every 5 s with traffic
# flowing rotate the keys in the dataplane without loss; vpn status lists
# road; the lab goes down without leftovers.
. "$(dirname "$0")/lib.sh"
command -v openvpn >/dev/null || { echo "SKIP: needs openvpn"; exit 77; }

conf=$TMP/lab.conf
copy_conf "$conf"
printf '\nvpn = { server = "%s/vpn/vpn-server.conf"; dataplane = true; };\n' "$RUN" >>"$conf"
# the tunnel is the firewall's port "vpn": road may reach lan's web server
printf 'pass in on vpn proto tcp to 198.18.1.2 port 8080\n' >>"$TMP/rules.conf"
CLEANUP_EXTRA='[ -f "$TMP/http.pid" ] && kill "$(cat "$TMP/http.pid")"'
LAB_VPN=1 LAB_CONF=$conf "$top/scripts/lab.sh" up || fail "the lab with the VPN did not come up"

road_again() { # ARGS: road's openvpn again, with more options; waits for its tunnel
	local pid
	pid=$(cat "$RUN/road.pid")
	kill "$pid"
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	ip netns exec road openvpn --cd "$RUN/vpn" --config road.conf "$@" --log "$RUN/road.log" \
		--daemon --writepid "$RUN/road.pid"
	for _ in $(seq 100); do ip -n road addr show dev tun0 2>/dev/null | grep 198.18.60 >/dev/null && break; sleep 0.1; done
}

stat() { # NAME: a dataplane counter
	"$RAMPART" --json stats | python3 -c "import json,sys; print(json.load(sys.stdin)['totals'].get('$1', 0))"
}

addr=$(ip -n road -4 -o addr show dev tun0 | awk '{print $4}')
[ "$addr" = 198.18.60.2/24 ] || fail "road's tunnel address: '$addr', want 198.18.60.2/24 from the pool"
ip -n road route | grep "^198.18.1.0/24 .*dev tun0" >/dev/null || fail "the pushed route to lan is not on road's tun0: $(ip -n road route)"
ok "road's tunnel up: $addr, route to lan pushed"
mtu=$(ip -n road -o link show dev tun0 | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
[ "$mtu" = 1428 ] || fail "road's tun0 MTU: '$mtu', want 1428 pushed (1500 less outer IPv6, UDP and P_DATA_V2)"
ip netns exec road ping -c 2 -W 2 -M do -s 1400 198.18.1.2 >/dev/null ||
	fail "road -> lan with 1428-byte packets, not fragmented"
ok "tun-mtu 1428 pushed: full-size tunnel packets fit the ports unfragmented"

rx0=$(stat vpn_rx)
ip netns exec road ping -c 3 -i 0.2 -W 2 198.18.60.1 >/dev/null || fail "road -> 198.18.60.1 (the server's end of the tunnel)"
ip netns exec road ping -c 3 -i 0.2 -W 2 198.18.1.2 >/dev/null || fail "road -> 198.18.1.2 (lan) through the tunnel"
ip -n road -6 addr show dev tun0 | grep "2001:db8:60::2/64" >/dev/null || fail "road's IPv6 tunnel address: $(ip -n road -6 addr show dev tun0)"
ip netns exec road ping -6 -c 3 -i 0.2 -W 2 2001:db8:60::1 >/dev/null || fail "road -> 2001:db8:60::1 (the server's end of the tunnel, IPv6)"
ip netns exec road ping -6 -c 3 -i 0.2 -W 2 2001:db8:1::2 >/dev/null || fail "road -> 2001:db8:1::2 (lan) through the tunnel, IPv6"
ip netns exec road curl -s -m 3 -o /dev/null 198.18.1.2:9 && fail "road reached lan's port 9: the firewall does not pass it"
rx1=$(stat vpn_rx)
[ $((rx1 - rx0)) -ge 12 ] || fail "the dataplane decrypted $((rx1 - rx0)) packets for 12 pings"
ok "road pings the server's end of the tunnel and the lan host through the dataplane, both stacks ($((rx1 - rx0)) packets decrypted)"

# a TCP transfer through the tunnel, checked end to end
head -c 3000000 /dev/urandom >"$TMP/blob"
(cd "$TMP" && exec ip netns exec lan python3 -m http.server -b 198.18.1.2 8080 >/dev/null 2>&1) &
echo $! >"$TMP/http.pid"
for _ in $(seq 50); do ip netns exec road curl -s -m 1 -o /dev/null 198.18.1.2:8080/ && break; sleep 0.1; done
ip netns exec road curl -s -m 20 -o "$TMP/got" 198.18.1.2:8080/blob || fail "road could not fetch 3 MB from lan through the tunnel"
[ "$(sha256sum <"$TMP/got")" = "$(sha256sum <"$TMP/blob")" ] || fail "the 3 MB from lan arrived corrupted"
ok "3 MB over TCP from lan to road through the tunnel, checksums equal"

# renegotiation every 5 s with traffic flowing: road's openvpn again, with reneg-sec 5
road_again --reneg-sec 5
ip netns exec road ping -c 1 -W 5 198.18.1.2 >/dev/null || fail "road's new tunnel does not reach lan"
lost=$(ip netns exec road ping -c 80 -i 0.2 -W 1 198.18.1.2 | sed -n 's/.* \([0-9]*\) received.*/\1/p')
[ "${lost:-0}" -ge 79 ] || fail "$((80 - ${lost:-0})) of 80 pings lost across renegotiations"
renegs=$("$RAMPART" --json vpn status | python3 -c 'import json,sys; print(max(c["renegotiations"] for c in json.load(sys.stdin)["clients"]))')
[ "$renegs" -ge 2 ] || fail "$renegs renegotiations in 16 s with reneg-sec 5"
ok "$renegs renegotiations in 16 s, $((80 - lost)) of 80 pings lost: the keys rotate in the dataplane"

# the other ciphers: ChaCha20-Poly1305 (libsodium in the worker), AES-128-GCM (the PMD)
for cipher in CHACHA20-POLY1305 AES-128-GCM; do
	road_again --data-ciphers $cipher
	rx0=$(stat vpn_rx)
	ip netns exec road ping -c 1 -W 5 198.18.1.2 >/dev/null || true # the first may meet the keys on their way
	ip netns exec road ping -c 5 -i 0.2 -W 2 198.18.1.2 >/dev/null || fail "$cipher: road -> lan through the tunnel"
	ip netns exec road ping -6 -c 3 -i 0.2 -W 2 2001:db8:1::2 >/dev/null || fail "$cipher: road -> lan through the tunnel, IPv6"
	grep "Data Channel: cipher '$cipher'" "$RUN/road.log" >/dev/null || fail "$cipher: road's log does not show it in use"
	[ $(($(stat vpn_rx) - rx0)) -ge 8 ] || fail "$cipher: the dataplane decrypted $(($(stat vpn_rx) - rx0)) packets for 9 pings"
done
ok "ChaCha20-Poly1305 and AES-128-GCM through the dataplane, both stacks"

# NAT rebinding: road's packets leave from another address; the session
# follows them (float): the dataplane at once, ctrl within its tick
ip -n road addr add 198.51.100.11/24 dev road0
ip -n road route change default via 198.51.100.254 src 198.51.100.11
ip netns exec road ping -c 15 -i 0.2 -W 1 198.18.1.2 >/dev/null || true
ip netns exec road ping -c 5 -i 0.2 -W 2 198.18.1.2 >/dev/null || fail "road -> lan after road's address changed"
"$RAMPART" --json vpn status | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(not (d["floats"] >= 1 and any(c["peer"].startswith("198.51.100.11:") for c in d["clients"])))' ||
	fail "vpn status after road moved to 198.51.100.11: $("$RAMPART" --json vpn status)"
[ "$(stat vpn_floats)" -ge 1 ] || fail "the dataplane saw no float"
grep "floated to 198.51.100.11:" "$RUN/ctrl.log" >/dev/null || fail "ctrl's log does not say road floated"
ok "road moved to 198.51.100.11 (NAT rebinding): its session floated there"

st=$("$RAMPART" --json vpn status)
echo "$st" | python3 -c '
import json, sys
d = json.load(sys.stdin)
# the first session of road stays until its ping-restart (road.conf has no
# explicit-exit-notify); the second one carried the pings
c = [x for x in d["clients"] if x["state"] == "up" and x["subject"] == "CN=road"
     and x["address"].startswith("198.18.60.") and x["rx_packets"] >= 70]
sys.exit(not (len(c) >= 1 and d["data_channel"] == "dataplane"
	      and d["dataplane_error"] == "" and d["dropped_not_dataplane"] <= 5))' || fail "vpn status: $st"
for c in drop_vpn_auth drop_vpn_replay drop_vpn_spoofed; do
	[ "$(stat $c)" = 0 ] || fail "dataplane counter $c: $(stat $c)"
done
ok "vpn status lists road (CN=road) up, its packets carried by the dataplane"

# outer IPv6: road gets an address behind wan, the server listens on wan's
# IPv6 address (ctrl again with that config; the dataplane keeps running,
# and is told its old peers are gone)
ip -n road addr add 2001:db8:100:51::10/64 dev road0 nodad
ip -n wan addr add 2001:db8:100:51::254/64 dev road-gw nodad
ip netns exec wan sysctl -qw net.ipv6.conf.all.forwarding=1
ip -n road -6 route add default via 2001:db8:100:51::254
kill "$(cat "$RUN/road.pid")"
sed -i -e 's/^proto udp$/proto udp6/' -e 's/^local .*/local 2001:db8:2::1/' "$RUN/vpn/vpn-server.conf"
sed -e 's/^proto udp$/proto udp6/' -e 's/^remote .*/remote 2001:db8:2::1 1194/' "$RUN/vpn/road.conf" >"$RUN/vpn/road6.conf"
pid=$(cat "$RUN/ctrl.pid")
kill "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
nsenter --net=/run/netns/rampart "$BUILD/ctrl/rampart-ctrl" -c "$conf" >>"$RUN/ctrl.log" 2>&1 &
echo $! >"$RUN/ctrl.pid"
for _ in $(seq 100); do "$RAMPART" --json status 2>/dev/null | grep '"in_sync": true' >/dev/null && break; sleep 0.1; done
ip netns exec road openvpn --cd "$RUN/vpn" --config road6.conf --log "$RUN/road.log" \
	--daemon --writepid "$RUN/road.pid"
for _ in $(seq 150); do ip -n road addr show dev tun0 2>/dev/null | grep 198.18.60 >/dev/null && break; sleep 0.1; done
ip -n road addr show dev tun0 2>/dev/null | grep 198.18.60 >/dev/null || fail "road's tunnel over IPv6 did not come up: $(tail -5 "$RUN/road.log")"
rx0=$(stat vpn_rx)
ip netns exec road ping -c 1 -W 5 198.18.1.2 >/dev/null || true
ip netns exec road ping -c 5 -i 0.2 -W 2 198.18.1.2 >/dev/null || fail "road -> lan through the tunnel over IPv6"
ip netns exec road ping -6 -c 3 -i 0.2 -W 2 2001:db8:1::2 >/dev/null || fail "road -> lan (IPv6) through the tunnel over IPv6"
[ $(($(stat vpn_rx) - rx0)) -ge 8 ] || fail "over IPv6 the dataplane decrypted $(($(stat vpn_rx) - rx0)) packets for 9 pings"
"$RAMPART" --json vpn status | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(not (len(d["clients"]) == 1 and d["clients"][0]["peer"].startswith("[2001:db8:100:51::10]")))' ||
	fail "vpn status after ctrl's restart: $("$RAMPART" --json vpn status)"
ok "the tunnel over IPv6 (road 2001:db8:100:51::10 to 2001:db8:2::1), after ctrl started again"

# under ASan and UBSan (make test-asan-lab) what they found is in the logs
for l in ctrl dataplane; do
	if grep -E "runtime error|ERROR: AddressSanitizer" "$RUN/$l.log" >/dev/null; then
		fail "the sanitizers in $l: $(grep -m1 -E "runtime error|ERROR: AddressSanitizer" "$RUN/$l.log")"
	fi
done

"$top/scripts/lab.sh" down >/dev/null 2>&1
ip netns list | grep '^road' >/dev/null && fail "road outlived lab down"
[ -e "$RUN/vpn" ] && fail "$RUN/vpn outlived lab down"
ok "VPN lab: all cases passed"
