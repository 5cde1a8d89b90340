#!/usr/bin/env bash
# A full flow table: with dataplane.flows_max at its smallest (1024), a burst
# of new UDP flows from lan fills it; the flows beyond are dropped and counted,
# and a flow established before keeps passing, both ways.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fw_lib.sh"

cat >"$TMP/a.rules" <<'EOF2'
set default block
pass in on lan proto udp to any port 9000
EOF2
FW_FLOWS_MAX=1024 fw_lab_up "$TMP/a.rules"
udp_echo_server wan 198.19.1.2 9000
out=$(udp_ask lan 198.19.1.2 9000 before) || fail "the flow before the burst: $out"

f0=$(counter drop_fw_table_full)
# 1500 flows: one datagram from each of 1500 source ports
ip netns exec lan python3 -c '
import socket
socks = []
for i in range(1500):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("198.18.1.2", 41000 + i))
    s.sendto(b"x", ("198.19.1.2", 9000))
    socks.append(s)
' || fail "the burst"
wait_until 5 sh -c "[ \$('$RAMPART' stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"totals\"].get(\"drop_fw_table_full\", 0))') -gt $f0 ]" ||
	fail "drop_fw_table_full did not count"
"$RAMPART" rules show --json | python3 -c '
import json, sys
f = json.load(sys.stdin)["flows"]
assert f["in_use"] == f["capacity"], f
print("ok: table full: %d of %d flows" % (f["in_use"], f["capacity"]))' || fail "flows in use"
ok "new flows beyond the table dropped and counted ($(counter drop_fw_table_full))"

out=$(udp_ask lan 198.19.1.2 9000 after) || fail "the flow established before the table filled: $out"
[ "$out" = after ] || fail "echo answered \"$out\""
ok "the flow established before keeps passing both ways"
