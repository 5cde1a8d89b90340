#!/usr/bin/env bash
# Counters reach operators three ways: the CLI (human and JSON) and DPDK
# telemetry (dpdk-telemetry.py).
. "$(dirname "$0")/lib.sh"
lab_up
ip netns exec lan ping -c 3 -i 0.2 198.19.1.2 >/dev/null || fail "ping"

"$RAMPART" stats | grep -q "fwd_ipv4" || fail "rampart stats has no fwd_ipv4"
"$RAMPART" ports | grep -q "lan" || fail "rampart ports has no lan"
"$RAMPART" routes | grep -q "198.51.100.0/24" || fail "rampart routes has no static route"
"$RAMPART" status >/dev/null || fail "rampart status"
ok "CLI status, ports, routes, stats"

out=$(echo "/rampart/stats" | timeout 10 dpdk-telemetry.py -f rampart 2>&1) || true
echo "$out" | python3 -c '
import json, sys, re
text = sys.stdin.read()
m = re.search(r"\{.*\}", text, re.S)
d = json.loads(m.group(0))["/rampart/stats"]
assert d["fwd_ipv4"] >= 3, d
print("ok: telemetry /rampart/stats fwd_ipv4 =", d["fwd_ipv4"])' || fail "telemetry: $out"
