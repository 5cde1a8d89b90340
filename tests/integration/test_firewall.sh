#!/usr/bin/env bash
# The stateful firewall with real traffic in the lab: allowed and blocked TCP,
# UDP and ICMP over IPv4 and IPv6, replies passing on the flow, reject
# answering with a RST or an ICMP unreachable, ICMP errors of a tracked flow,
# per-rule counters, check/diff/history, a push with an error changing
# nothing, re-check of existing flows after a push.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fw_lib.sh"

cat >"$TMP/a.rules" <<'EOF'
# the test's policy A
set default block
pass in on lan proto tcp to any port { 5201, 8080 }
pass in on lan proto udp to any port 9000:9100
pass in on lan proto icmp icmp-type echo-request
pass in on lan inet6 proto icmpv6 icmp-type echo-request
reject in on lan proto tcp to any port 81
reject in on lan proto udp to any port 7
pass in on wan log proto tcp to { 198.18.1.2, 2001:db8:1::2 } port 2222
EOF
fw_lab_up "$TMP/a.rules"

# --- TCP: allowed both stacks (replies pass on the flow), blocked, rejected
start_http wan 198.19.1.2 8080
start_http wan 2001:db8:2::2 8080
ip netns exec lan curl -sS --max-time 5 -o /dev/null http://198.19.1.2:8080/ || fail "allowed TCP v4"
ip netns exec lan curl -sS --max-time 5 -o /dev/null "http://[2001:db8:2::2]:8080/" || fail "allowed TCP v6"
ok "allowed TCP over IPv4 and IPv6, replies pass without a rule"

start_http wan 198.19.1.2 8081
b0=$(counter drop_fw_block)
if ip netns exec lan curl -sS --max-time 2 -o /dev/null http://198.19.1.2:8081/ 2>"$TMP/err"; then
	fail "TCP to a port no rule passes got through"
fi
grep -q "timed out" "$TMP/err" || fail "blocked TCP should time out: $(cat "$TMP/err")"
[ "$(counter drop_fw_block)" -gt "$b0" ] || fail "drop_fw_block did not count"
ok "TCP to port 8081 blocked silently"

# servers on port 81: a connection the firewall let through would succeed
start_http wan 198.19.1.2 81
start_http wan 2001:db8:2::2 81
r0=$(counter fw_rejects_sent)
if ip netns exec lan curl -sS --max-time 5 -o /dev/null http://198.19.1.2:81/ 2>"$TMP/err"; then
	fail "rejected TCP got through"
fi
grep -q "refused\|Couldn.t connect" "$TMP/err" || fail "reject should answer with a RST: $(cat "$TMP/err")"
if ip netns exec lan curl -sS --max-time 5 -o /dev/null "http://[2001:db8:2::2]:81/" 2>"$TMP/err"; then
	fail "rejected TCP over IPv6 got through"
fi
grep -q "refused\|Couldn.t connect" "$TMP/err" || fail "reject over IPv6 should answer with a RST: $(cat "$TMP/err")"
[ "$(counter fw_rejects_sent)" -ge $((r0 + 2)) ] || fail "fw_rejects_sent did not count"
ok "reject answers TCP with a RST (IPv4, IPv6)"

# --- inbound: wan may reach lan's port 2222 only
start_http lan 198.18.1.2 2222
start_http lan 198.18.1.2 2223
ip netns exec wan curl -sS --max-time 5 -o /dev/null http://198.18.1.2:2222/ || fail "wan -> lan:2222"
if ip netns exec wan curl -sS --max-time 2 -o /dev/null http://198.18.1.2:2223/ 2>/dev/null; then
	fail "wan -> lan:2223 should be blocked"
fi
ok "inbound: port 2222 passes, 2223 blocked"
# the logged rule: one JSON record per connection it admitted, from the agent
wait_until 3 grep -q '"fw":"pass","rule":7,.*"dst":"198.18.1.2","dport":2222,"in":"wan","out":"lan"' \
	"$RUN/dataplane.log" || fail "no log record for rule 7: $(grep '"fw"' "$RUN/dataplane.log" | tail -2)"
ok "log: a JSON record for the connection rule 7 admitted"

# --- UDP: a real exchange, replies on the flow; reject; ICMP error of a flow
udp_echo_server wan 198.19.1.2 9000
out=$(udp_ask lan 198.19.1.2 9000 hello) || fail "UDP to an allowed port: $out"
[ "$out" = "hello" ] || fail "UDP echo answered \"$out\""
ok "UDP request and reply"
out=$(udp_ask lan 198.19.1.2 7 x) && fail "UDP to port 7 should be rejected"
# administratively prohibited (a closed port at the host would be ECONNREFUSED)
echo "$out" | grep -q "EHOSTUNREACH\|EACCES" || fail "UDP reject: $out"
ok "UDP reject answered with ICMP unreachable ($out)"
rel0=$(counter fw_icmp_related)
out=$(udp_ask lan 198.19.1.2 9050 x) && fail "closed UDP port answered"
echo "$out" | grep -q ECONNREFUSED || fail "port unreachable from wan did not come back: $out"
[ "$(counter fw_icmp_related)" -gt "$rel0" ] || fail "fw_icmp_related did not count"
ok "ICMP port unreachable of a tracked UDP flow passes back to the sender"

# --- ICMP: echo out passes (replies on the flow), echo in is blocked
ip netns exec lan ping -c 2 -i 0.2 -W 2 198.19.1.2 >/dev/null || fail "ping lan -> wan"
ip netns exec lan ping -6 -c 2 -i 0.2 -W 2 2001:db8:2::2 >/dev/null || fail "ping6 lan -> wan"
if ip netns exec wan ping -c 1 -W 1 198.18.1.2 >/dev/null 2>&1; then
	fail "ping wan -> lan should be blocked"
fi
if ip netns exec wan ping -6 -c 1 -W 1 2001:db8:1::2 >/dev/null 2>&1; then
	fail "ping6 wan -> lan should be blocked"
fi
ok "ICMP echo: out passes both stacks, in blocked"

# --- counters per rule
"$RAMPART" rules show --json >"$TMP/show.json"
python3 - "$TMP/show.json" <<'PY' || fail "rules show counters"
import json, sys
s = json.load(open(sys.argv[1]))
r = {x["number"]: x for x in s["rules"]}
assert s["in_service"], s
assert r[1]["packets"] >= 2, r[1]      # the two HTTP connections opened
assert r[5]["packets"] >= 2, r[5]      # two rejected TCP connections
assert s["default"]["packets"] >= 3, s["default"]
assert s["flows"]["in_use"] >= 1, s["flows"]
print("ok: per-rule hits: rule 1 %d, rule 5 %d, default %d; %d flows" % (
    r[1]["packets"], r[5]["packets"], s["default"]["packets"], s["flows"]["in_use"]))
PY
"$RAMPART" rules show | grep -q "default block" || fail "rules show table"

# --- a push with errors changes nothing
gen=$(fw_generation)
cat >"$TMP/bad.rules" <<'EOF'
set default pass
pass proto tcpp
pass from 198.18.1.1/15
EOF
if "$RAMPART" rules push "$TMP/bad.rules" >"$TMP/out" 2>&1; then
	fail "a file with errors was pushed"
fi
grep -q "bad.rules:2:12: unknown protocol \"tcpp\"" "$TMP/out" || fail "error place: $(cat "$TMP/out")"
grep -q "bad.rules:3:11: host bits set" "$TMP/out" || fail "second error: $(cat "$TMP/out")"
[ "$(fw_generation)" = "$gen" ] || fail "the failed push changed the generation"
ip netns exec lan curl -sS --max-time 5 -o /dev/null http://198.19.1.2:8080/ || fail "traffic after a failed push"
if ip netns exec lan curl -sS --max-time 2 -o /dev/null http://198.19.1.2:8081/ 2>/dev/null; then
	fail "the failed push's default pass took effect"
fi
ok "a push with errors is refused whole, with places; traffic untouched"
"$RAMPART" rules check "$TMP/bad.rules" >/dev/null 2>&1 && fail "check of a bad file exits 0"

# --- diff and a push that narrows the policy: existing flows re-checked
sed -e 's/port { 5201, 8080 }/port 5201/' -e '/port 9000:9100/d' "$TMP/a.rules" >"$TMP/b.rules"
echo "pass in on lan proto udp to any port 9100" >>"$TMP/b.rules"
"$RAMPART" rules diff "$TMP/b.rules" >"$TMP/diff" || fail "diff"
grep -q "^- pass in on lan proto udp from any to any port 9000:9100" "$TMP/diff" || fail "diff -: $(cat "$TMP/diff")"
grep -q "^+ pass in on lan proto udp from any to any port 9100" "$TMP/diff" || fail "diff +: $(cat "$TMP/diff")"
ok "diff shows what a push changes"

# a UDP flow to 9000 is open (above); after the push its next packet is dropped
udp_ask lan 198.19.1.2 9000 again >/dev/null || fail "UDP flow before the push"
v0=$(counter drop_fw_revoked)
"$RAMPART" rules push "$TMP/b.rules" >"$TMP/push.out" || fail "push b: $(cat "$TMP/push.out")"
grep -q "version 2 in force" "$TMP/push.out" || fail "push output: $(cat "$TMP/push.out")"
out=$(udp_ask lan 198.19.1.2 9000 again) && fail "a flow the new rules deny still passes"
[ "$(counter drop_fw_revoked)" -gt "$v0" ] || fail "drop_fw_revoked did not count"
if ip netns exec lan curl -sS --max-time 2 -o /dev/null http://198.19.1.2:8080/ 2>/dev/null; then
	fail "new TCP to 8080 after the push that removed it"
fi
ok "after a push: flows the new rules deny are closed, new flows follow the new rules"

# --- history and rollback
"$RAMPART" rules history >"$TMP/hist" || fail "history"
grep -q "push" "$TMP/hist" || fail "history: $(cat "$TMP/hist")"
"$RAMPART" rules rollback >/dev/null || fail "rollback"
ip netns exec lan curl -sS --max-time 5 -o /dev/null http://198.19.1.2:8080/ || fail "8080 after rollback"
"$RAMPART" rules history --json | python3 -c '
import json, sys
h = json.load(sys.stdin)["history"]
assert [x["action"] for x in h] == ["load", "push", "rollback"], h
assert h[-1]["seq"] == 1, h' || fail "history after rollback"
ok "rollback puts version 1 back; history says so"
