#!/usr/bin/env bash
# A TCP transfer through the appliance: iperf3 from lan to a server in wan,
# over IPv4 and IPv6, and an HTTP fetch with curl.
. "$(dirname "$0")/lib.sh"
lab_up

ip netns exec wan iperf3 -s -D -1 -p 5201 --logfile "$TMP/iperf-server.log"
wait_until 5 ip netns exec wan sh -c 'ss -ltn | grep -q :5201' || fail "iperf3 server did not start"
ip netns exec lan iperf3 -c 198.19.1.2 -p 5201 -t 2 -J >"$TMP/iperf4.json" || fail "iperf3 over IPv4"
python3 - "$TMP/iperf4.json" <<'PY' || fail "iperf3 IPv4 result"
import json, sys
r = json.load(open(sys.argv[1]))["end"]["sum_received"]
assert r["bytes"] > 1_000_000, r
print("ok: iperf3 IPv4 %.1f Mbit/s" % (r["bits_per_second"] / 1e6))
PY
ip netns exec wan iperf3 -s -D -1 -p 5202 --logfile "$TMP/iperf-server6.log"
wait_until 5 ip netns exec wan sh -c 'ss -ltn | grep -q :5202' || fail "iperf3 server did not start"
ip netns exec lan iperf3 -6 -c 2001:db8:2::2 -p 5202 -t 2 -J >"$TMP/iperf6.json" || fail "iperf3 over IPv6"
python3 - "$TMP/iperf6.json" <<'PY' || fail "iperf3 IPv6 result"
import json, sys
r = json.load(open(sys.argv[1]))["end"]["sum_received"]
assert r["bytes"] > 1_000_000, r
print("ok: iperf3 IPv6 %.1f Mbit/s" % (r["bits_per_second"] / 1e6))
PY

head -c 3000000 /dev/urandom >"$TMP/blob"
(cd "$TMP" && exec ip netns exec wan python3 -m http.server 8080 --bind 198.19.1.2 >/dev/null 2>&1) &
CLEANUP_EXTRA="kill $!"
wait_until 5 ip netns exec wan sh -c 'ss -ltn | grep -q :8080' || fail "http server did not start"
ip netns exec lan curl -sS --max-time 20 -o "$TMP/got" http://198.19.1.2:8080/blob || fail "curl"
cmp -s "$TMP/blob" "$TMP/got" || fail "curl: content differs"
ok "curl fetched 3 MB intact"
