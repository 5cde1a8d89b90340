#!/usr/bin/env bash
# rampart as an OpenVPN client with its data channel in the dataplane
# (vpn { client = FILE; dataplane = true; }, docs/vpn.md): the lab, and
# Debian's openvpn 2.6 as the server in wan (198.19.1.2): rampart routes
# into the tunnel its config's routes (198.51.100.0/25, 2001:db8:100::/64,
# more specific than the lab's static routes through wan in clear) and the
# one the server pushes (198.51.100.128/25); lan's IPv4 goes in masqueraded
# to the pushed address ("nat on vpn ... -> vpn": the server knows nothing
# of lan's IPv4 network), its IPv6 as it is (the server routes lan's IPv6
# network back to rampart: iroute-ipv6).
#   fail hard before the first connection: lan's pings into the tunnel are
#   dropped and counted (drop_vpn_down), none seen in clear on wan;
#   the tunnel up: the routes on the port "vpn", the nat rule translating to
#   the pushed address (the server sees it as the source), lan pings both
#   stacks through it and fetches 3 MB over TCP (checksum), the dataplane's
#   workers encrypting and decrypting (vpn_tx, vpn_rx), on wan only UDP to
#   the server's port; renegotiation every 5 s under pings every 0.2 s;
#   the server killed: ping-restart ends the session, nothing leaks in
#   clear, what lan sends is dropped and counted; the server back: the
#   tunnel up again by itself.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vpn_lib.sh"
for t in openvpn openssl curl tcpdump; do
	command -v "$t" >/dev/null || { echo "SKIP: $t not installed (make deps)"; exit 77; }
done
CLEANUP_EXTRA='for f in "$TMP"/*.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")"; done; true'

# ---- the PKI, the server's and the client's configs
(
	cd "$TMP"
	vpn_ca ca
	vpn_leaf server ca serverAuth
	vpn_leaf client ca clientAuth
	openvpn --genkey tls-crypt-v2-server tc2-server.key
	openvpn --tls-crypt-v2 tc2-server.key --genkey tls-crypt-v2-client tc2-client.key
) >"$TMP/pki.log" 2>&1 || fail "making the PKI: $(tail -5 "$TMP/pki.log")"
mkdir -p "$TMP/ccd"
printf 'iroute-ipv6 2001:db8:1::/64\n' >"$TMP/ccd/client"
cat >"$TMP/server.conf" <<'CONF'
server 198.18.62.0 255.255.255.0
server-ipv6 2001:db8:62::/64
topology subnet
dev tun
proto udp
local 198.19.1.2
port 1194
ca ca.crt
cert server.crt
key server.key
dh none
tls-crypt-v2 tc2-server.key
data-ciphers AES-256-GCM:CHACHA20-POLY1305
keepalive 2 6
client-config-dir ccd
route-ipv6 2001:db8:1::/64
push "route 198.51.100.128 255.255.255.128"
push "route-ipv6 2001:db8:100::/64"
disable-dco
verb 3
CONF
cat >"$TMP/client.conf" <<CONF
client
dev tun
proto udp
remote 198.19.1.2 1194
nobind
ca $TMP/ca.crt
cert $TMP/client.crt
key $TMP/client.key
remote-cert-tls server
verify-x509-name server name
tls-crypt-v2 $TMP/tc2-client.key
data-ciphers AES-256-GCM:CHACHA20-POLY1305
route 198.51.100.0 255.255.255.128
route-ipv6 2001:db8:100::/64
reneg-sec 5
CONF
server() {
	rm -f "$TMP/server.pid" "$TMP/server.log"
	ip netns exec wan openvpn --cd "$TMP" --config server.conf --log "$TMP/server.log" \
		--daemon --writepid "$TMP/server.pid"
	wait_until 5 test -s "$TMP/server.pid" || fail "openvpn did not start"
	wait_until 10 grep -q "Initialization Sequence Completed" "$TMP/server.log" ||
		fail "openvpn did not come up: $(tail -5 "$TMP/server.log")"
}
server_kill() {
	kill -9 "$(cat "$TMP/server.pid")"
	rm -f "$TMP/server.pid"
}
cli() { "$RAMPART" --json vpn client | jq -r ".$1"; }
# clear SECONDS: what crosses wan's veth in clear towards the tunnel's
# networks while lan pings them (ICMP to 198.51.100.1 or 2001:db8:100::1)
clear_on_wan() {
	rm -f "$TMP/wan.pcap"
	ip netns exec wan timeout "$1" tcpdump -i veth0 -n -U -w "$TMP/wan.pcap" \
		"icmp or icmp6" >/dev/null 2>&1 &
	sleep 1
	ip netns exec lan ping -c $(($1 - 2)) -i 0.5 -W 1 198.51.100.1 >/dev/null 2>&1 || true
	ip netns exec lan ping -6 -c 2 -i 0.5 -W 1 2001:db8:100::1 >/dev/null 2>&1 || true
	wait
	tcpdump -r "$TMP/wan.pcap" -n 2>/dev/null | grep -E "> (198\.51\.100\.1|2001:db8:100::1):" || true
}

# fails_hard WHEN: lan's packets into the tunnel are dropped and counted,
# none crosses wan in clear
fails_hard() {
	local d0 d1 leak
	d0=$(counter drop_vpn_down)
	leak=$(clear_on_wan 5)
	[ -z "$leak" ] || fail "$1, lan's packets left in clear: $leak"
	d1=$(counter drop_vpn_down)
	[ $((d1 - d0)) -ge 3 ] || fail "$1, $((d1 - d0)) packets dropped into the tunnel"
	echo $((d1 - d0))
}

conf=$TMP/lab.conf
copy_conf "$conf"
printf '\nvpn = { client = "%s/client.conf"; dataplane = true; };\n' "$TMP" >>"$conf"
# lan's IPv4 into the tunnel as the address the server pushes
printf 'nat on vpn from 198.18.1.0/24 -> vpn\n' >>"$TMP/rules.conf"
lab_up "$conf" || fail "the lab did not come up"
ip -n wan addr add 198.51.100.129/32 dev lo
wait_until 10 "$RAMPART" vpn client || fail "rampart vpn client does not answer"
[ "$(cli data_channel)" = dataplane ] || fail "the data channel is not the dataplane's: $(cli data_channel)"

# ---- fail hard: no server yet
n=$(fails_hard "with no tunnel yet")
ok "no tunnel yet: $n packets routed into it dropped and counted, none in clear on wan"

# ---- the tunnel up
server
wait_until 30 sh -c "[ \"\$('$RAMPART' --json vpn client | jq -r .state)\" = up ]" ||
	fail "the tunnel did not come up: $(cli last_down)"
for r in 198.51.100.0/25 198.51.100.128/25 2001:db8:100::/64; do
	"$RAMPART" --json routes | jq -e ".routes[] | select(.dst == \"$r\" and .port == \"vpn\")" >/dev/null ||
		fail "no route $r on the port vpn: $("$RAMPART" routes)"
done
"$RAMPART" vpn client | grep -q "^up to 198.19.1.2:1194 on vpn: address $(cli address)" ||
	fail "rampart vpn client says: $("$RAMPART" vpn client)"
"$RAMPART" vpn client | grep -q "^data channel in the dataplane" ||
	fail "rampart vpn client does not say where the data channel runs: $("$RAMPART" vpn client)"
ok "tunnel up ($(cli address), $(cli cipher), crypto: $(cli crypto)); the config's and the pushed routes lead into it"

tx0=$(counter vpn_tx) rx0=$(counter vpn_rx)
wait_until 5 ip netns exec lan ping -c 1 -W 1 198.51.100.1 || fail "lan -> 198.51.100.1 through the tunnel"
ip netns exec lan ping -c 5 -i 0.2 -W 2 198.51.100.1 >/dev/null || fail "lan -> 198.51.100.1 through the tunnel"
ip netns exec lan ping -6 -c 5 -i 0.2 -W 2 2001:db8:100::1 >/dev/null || fail "lan -> 2001:db8:100::1 through the tunnel"
ip netns exec lan ping -c 2 -i 0.2 -W 2 198.51.100.129 >/dev/null || fail "lan -> 198.51.100.129 (a pushed route) through the tunnel"
tx1=$(counter vpn_tx) rx1=$(counter vpn_rx)
[ $((tx1 - tx0)) -ge 12 ] && [ $((rx1 - rx0)) -ge 12 ] ||
	fail "the dataplane encrypted $((tx1 - tx0)) and decrypted $((rx1 - rx0)) for 12 pings"
leak=$(clear_on_wan 4)
[ -z "$leak" ] || fail "with the tunnel up, lan's pings crossed wan in clear: $leak"
# what the server gets out of the tunnel: lan's IPv4 as the pushed address
ip netns exec wan timeout 4 tcpdump -i tun0 -n -c 2 icmp >"$TMP/tun0.txt" 2>/dev/null &
sleep 1
ip netns exec lan ping -c 2 -i 0.3 -W 1 198.51.100.1 >/dev/null || true
wait
grep -q "$(cli address) > 198.51.100.1" "$TMP/tun0.txt" ||
	fail "the server did not see lan's pings from $(cli address): $(cat "$TMP/tun0.txt")"
[ "$(counter nat_out)" -gt 0 ] || fail "no packet masqueraded (nat_out)"
ok "lan pings both stacks through the tunnel: the dataplane encrypted $((tx1 - tx0)), decrypted $((rx1 - rx0)); nothing in clear on wan; IPv4 masqueraded to $(cli address)"

head -c 3000000 /dev/urandom >"$TMP/blob"
(cd "$TMP" && exec ip netns exec wan python3 -m http.server -b 198.51.100.1 8080 >/dev/null 2>&1) &
echo $! >"$TMP/http.pid"
wait_until 5 ip netns exec lan curl -s -m 1 -o /dev/null 198.51.100.1:8080/
ip netns exec lan curl -s -m 20 -o "$TMP/got" 198.51.100.1:8080/blob || fail "lan could not fetch 3 MB through the tunnel"
[ "$(sha256sum <"$TMP/got")" = "$(sha256sum <"$TMP/blob")" ] || fail "the 3 MB arrived corrupted"
ok "3 MB over TCP through the tunnel, checksums equal"

n0=$(grep -c "VPN client .* up" "$RUN/dataplane.log" || true)
got=$(ip netns exec lan ping -c 80 -i 0.2 -W 1 198.51.100.1 | sed -n 's/.* \([0-9]*\) received.*/\1/p')
n1=$(grep -c "VPN client .* up" "$RUN/dataplane.log" || true)
[ $((n1 - n0)) -ge 2 ] || fail "$((n1 - n0)) new keys in the dataplane in 16 s with reneg-sec 5"
[ "${got:-0}" -ge 79 ] || fail "$((80 - ${got:-0})) of 80 pings lost across renegotiations"
ok "renegotiations every 5 s: $((n1 - n0)) new states in the dataplane, $((80 - got)) of 80 pings lost"

# ---- the server killed: ping-restart, fail hard
server_kill
wait_until 25 sh -c "[ \"\$('$RAMPART' --json vpn client | jq -r .state)\" != up ]" ||
	fail "the session did not end with the server gone"
grep -q "session ended: .*ping-restart" "$RUN/ctrl.log" || fail "ctrl's log does not say ping-restart: $(grep 'vpn client' "$RUN/ctrl.log" | tail -2)"
n=$(fails_hard "with the server gone")
ok "the server killed: ping-restart, $n packets dropped and counted, none in clear"

server
wait_until 40 sh -c "[ \"\$('$RAMPART' --json vpn client | jq -r .state)\" = up ]" ||
	fail "the tunnel did not come back: $(cli last_down)"
wait_until 10 ip netns exec lan ping -c 1 -W 1 198.51.100.1 || fail "lan -> 198.51.100.1 after the reconnection"
ok "the server back: the tunnel up again by itself, lan through it"
grep -E "AddressSanitizer|runtime error" "$RUN/dataplane.log" "$RUN/ctrl.log" && fail "sanitizer reports"
ok "no sanitizer report"
