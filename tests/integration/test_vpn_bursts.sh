#!/usr/bin/env bash
# The dataplane's VPN data channel at full bursts, every cipher: rampart-pktgen
# --vpn is one OpenVPN client of the dataplane over two memif ports (it gives
# the dataplane a peer with fresh keys, as ctrl does after a handshake, and
# runs the peer's side with the dataplane's own crypto code). Upstream, P_DATA_V2
# in bursts of 32 is decrypted, checked and forwarded; downstream, plain
# packets to the peer's tunnel address are encrypted towards it and the
# generator decrypts one in 64 to check tag, packet id and inner packet.
# Whatever is lost on the way, nothing may fail a check: no tag, replay or
# spoofing drop in the dataplane, no bad packet at the generator.
. "$(dirname "$0")/lib.sh"
PKTGEN=$BUILD/bench/rampart-pktgen
[ -x "$PKTGEN" ] || fail "$PKTGEN not built"
CTL=$TMP/ctrl.sock
DPS=$TMP/dataplane.sock
PREFIX=rampart-vpnbursts-$$
CLEANUP_EXTRA='kill $(jobs -p); rm -rf /var/run/dpdk/'"$PREFIX"'-*'

# the DUT: memif servers "in" (198.18.0.1, towards the peer 198.18.0.2) and
# "out" (198.19.1.1, towards 198.19.1.2); ctrl runs without the VPN (the
# generator stands in for its server), the dataplane carries the tunnel
base() {
	cat <<EOF
dataplane = {
	lcores = "0-1"; main_lcore = 0; memory_mb = 512; hugepages = "off";
	file_prefix = "$PREFIX-dp"; socket = "$DPS"; punt = ""; mbufs = 16383;
};
ctrl = { socket = "$CTL"; resync_interval_ms = 500; };
ports = (
	{ name = "in"; devargs = "net_memif0,role=server,socket=$TMP/a.sock,socket-abstract=no,id=0,mac=02:00:00:00:01:01";
	  addresses = [ "198.18.0.1/16" ]; },
	{ name = "out"; devargs = "net_memif1,role=server,socket=$TMP/b.sock,socket-abstract=no,id=0,mac=02:00:00:00:01:02";
	  addresses = [ "198.19.1.1/24" ]; }
);
neighbors = (
	{ ip = "198.19.1.2"; mac = "02:00:00:00:02:02"; port = "out"; },
	{ ip = "198.18.0.2"; mac = "02:00:00:00:02:01"; port = "in"; }
);
EOF
}
base >"$TMP/ctrl.conf"
{
	base
	echo "vpn = { server = \"$TMP/unused-server.conf\"; dataplane = true; };"
} >"$TMP/dp.conf"

timeout -k 5 300 "$DATAPLANE" -c "$TMP/dp.conf" >"$TMP/dataplane.log" 2>&1 &
wait_until 20 test -S "$DPS" || fail "the dataplane did not come up: $(tail -3 "$TMP/dataplane.log")"
timeout -k 5 300 "$CTRL" -c "$TMP/ctrl.conf" >"$TMP/ctrl.log" 2>&1 &
wait_until 20 sh -c "'$RAMPART' -s '$CTL' status --json 2>/dev/null | grep -q '\"in_sync\": *true'" ||
	fail "ctrl not in sync: $(tail -3 "$TMP/ctrl.log")"
grep -q "AES-GCM through crypto_aesni_gcm" "$TMP/dataplane.log" &&
	ok "the dataplane's AES-GCM runs through the ipsec-mb PMD" ||
	echo "note: no ipsec-mb PMD here: AES-256-GCM through libsodium, AES-128-GCM not offered"

stat() { "$RAMPART" -s "$CTL" stats --json | jq -r ".totals.$1"; }

# pktgen NAME ARGS...: one run, 20 000 packets at 200 kpps (bounded in count
# and time), its JSON in $TMP/NAME.json
pktgen() {
	local name=$1
	shift
	timeout -k 5 60 "$PKTGEN" -l 0 -m 256 --no-huge --no-pci --file-prefix "$PREFIX-pg" \
		--log-level=lib.eal:error --log-level=pmd.net.memif:error \
		--vdev "net_memif0,role=client,socket=$TMP/a.sock,socket-abstract=no,id=0,mac=02:00:00:00:02:01" \
		--vdev "net_memif1,role=client,socket=$TMP/b.sock,socket-abstract=no,id=0,mac=02:00:00:00:02:02" \
		-- --vpn "$DPS" --count 20000 --rate 200000 --duration 20 --ready-wait 20 \
		--json "$TMP/$name.json" "$@" >"$TMP/$name.log" 2>&1 ||
		fail "$name: rampart-pktgen: $(grep -v TELEMETRY "$TMP/$name.log" | tail -2)"
}

for cipher in AES-256-GCM AES-128-GCM CHACHA20-POLY1305; do
	if [ $cipher = AES-128-GCM ] && ! grep -q "through crypto_aesni_gcm" "$TMP/dataplane.log"; then
		continue # offered only with the PMD
	fi
	rx0=$(stat vpn_rx)
	pktgen "up-$cipher" --vpn-cipher $cipher --dst-mac 02:00:00:00:01:01 --src-ip 198.19.60.3 --imix
	got=$(jq .rx_pkts "$TMP/up-$cipher.json")
	dec=$(($(stat vpn_rx) - rx0))
	[ "$dec" -ge 19000 ] || fail "$cipher up: the dataplane decrypted $dec of 20000"
	[ "$got" -ge 19000 ] || fail "$cipher up: $got of 20000 came out of the tunnel"
	ok "$cipher up, IMIX in bursts: $dec decrypted, $got forwarded out of \"out\""

	tx0=$(stat vpn_tx)
	pktgen "down-$cipher" --vpn-cipher $cipher --vpn-down --tx-port 1 --rx-port 0 \
		--dst-mac 02:00:00:00:01:02 --src-ip 198.19.1.2 --dst-ip 198.19.60.3 --imix
	got=$(jq .rx_pkts "$TMP/down-$cipher.json")
	checked=$(jq .vpn.checked "$TMP/down-$cipher.json")
	enc=$(($(stat vpn_tx) - tx0))
	[ "$enc" -ge 19000 ] || fail "$cipher down: the dataplane encrypted $enc of 20000"
	[ "$got" -ge 19000 ] && [ "$checked" -ge 290 ] ||
		fail "$cipher down: $got received, $checked checked"
	[ "$(jq .vpn.bad "$TMP/down-$cipher.json")" = 0 ] || fail "$cipher down: bad packets"
	ok "$cipher down, IMIX in bursts: $enc encrypted, $got received, $checked decrypted by the peer and checked"
done

for c in drop_vpn_auth drop_vpn_replay drop_vpn_spoofed drop_vpn_bad drop_vpn_key; do
	[ "$(stat $c)" = 0 ] || fail "$c: $(stat $c)"
done
ok "no tag, replay, spoofing, key or malformed drop in the dataplane"
grep -E "ERROR|AddressSanitizer|runtime error" "$TMP/dataplane.log" && fail "the dataplane logged errors"
ok "the dataplane logged no error"
