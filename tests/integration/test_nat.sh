#!/usr/bin/env bash
# NAT44 in the lab: lan (198.18.1.0/24) masqueraded behind the wan port's
# address 198.19.1.1, and a port forward from 198.19.1.1:8080 to the lan
# host's port 80. The wan host has no route back to lan, so any answer that
# reaches lan proves its request was translated; each case also checks what
# the peer saw (server logs, iperf3's report, echoed source) or the bindings
# and counters. TCP (HTTP, iperf3), UDP (DNS), ICMP echo, an ICMP error about
# a UDP flow, the port forward, address-and-port-dependent filtering, 2000
# concurrent flows, nat flush.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fw_lib.sh"
. "$(dirname "$0")/nat_lib.sh"
for t in dnsmasq kdig iperf3 curl; do
	command -v "$t" >/dev/null || { echo "SKIP: $t not installed (make deps)"; exit 77; }
done

# rdr translates before the rules are evaluated: the pass rule for the
# forwarded port names the inside address
cat >"$TMP/nat.rules" <<'EOF'
set default block
set nat filtering address-port-dependent
nat on wan from 198.18.1.0/24 -> wan
rdr on wan proto tcp to port 8080 -> 198.18.1.2 port 80
pass in on lan from 198.18.1.0/24
pass in on wan proto tcp to 198.18.1.2 port 80
pass proto icmp icmp-type { echo-request, unreach, timex }
EOF
nat_lab_up "$TMP/nat.rules"
if ip netns exec wan ping -c 1 -W 1 198.18.1.2 >/dev/null 2>&1; then
	fail "the wan host reaches 198.18.1.2 without the NAT: the checks below would prove nothing"
fi
ok "the wan host has no route to lan: only translated packets can be answered"

# --- 1. TCP: HTTP from lan; the wan server sees the public address only
http_logged wan 198.19.1.2 8080 "wan host"
weblog=$TMP/http-198.19.1.2-8080.log
page=$(ip netns exec lan curl -sS --max-time 5 http://198.19.1.2:8080/ 2>&1) ||
	fail "HTTP lan -> 198.19.1.2:8080 through the NAT: $page"
[ "$page" = "wan host" ] || fail "HTTP lan -> wan got \"$page\", not the wan server's page"
wait_until 2 grep -q '"GET / ' "$weblog" || fail "the wan server logged no request: $(cat "$weblog")"
clients=$(sed -n 's/^\([0-9.]*\) .*"GET .*/\1/p' "$weblog" | sort -u | tr '\n' ' ')
[ "$clients" = "198.19.1.1 " ] ||
	fail "the wan server saw client(s) $clients, not only 198.19.1.1 (source not translated)"
ok "HTTP from lan: the wan server's log shows client 198.19.1.1 only"

# a long transfer (40 MB at 10 MB/s) from a fixed inside port: while it
# runs, its binding and the connection the wan server holds name the same
# public address and port
ip netns exec lan curl -sS --max-time 30 --limit-rate 10M --local-port 41000 \
	-o "$TMP/big" http://198.19.1.2:8080/big 2>"$TMP/curl-big.err" &
curlpid=$!
# the peers ("ADDR:PORT") of the wan server's established connections
server_peers() {
	ip netns exec wan ss -tnH state established '( sport = :8080 )' | awk '{ print $4 }'
}
wait_until 5 sh -c "ip netns exec wan ss -tnH state established '( sport = :8080 )' | grep -q ." ||
	fail "no connection to the wan server during the long transfer: $(cat "$TMP/curl-big.err")"
peers=$(server_peers | sort -u | tr '\n' ' ')
binding=$(nat_binding tcp 198.18.1.2 41000) ||
	fail "no tcp binding for 198.18.1.2:41000 during the transfer: $(nat_show_summary)"
[ "${binding% *}" = 198.19.1.1 ] || fail "tcp binding of 198.18.1.2:41000 is public ${binding% *}, not 198.19.1.1"
[ "$peers" = "198.19.1.1:${binding#* } " ] ||
	fail "the wan server's connection comes from $peers, the binding says 198.19.1.1:${binding#* }"
wait $curlpid || fail "long transfer through the NAT: $(cat "$TMP/curl-big.err")"
[ "$(stat -c %s "$TMP/big")" = 41943040 ] || fail "long transfer: $(stat -c %s "$TMP/big") of 41943040 bytes"
rm -f "$TMP/big"
ok "40 MB over HTTP: the server's peer 198.19.1.1:${binding#* } is the binding of 198.18.1.2:41000"

# --- 2. TCP throughput: iperf3; the server reports the public address
timeout 30 ip netns exec wan iperf3 -s -1 -J -B 198.19.1.2 -p 5201 >"$TMP/iperf-server.json" 2>&1 &
iperfsrv=$!
CLEANUP_EXTRA="${CLEANUP_EXTRA:-true}; kill $iperfsrv || true"
wait_until 5 ip netns exec wan sh -c "ss -ltnH 'sport = :5201' | grep -q ." || fail "iperf3 server did not start"
timeout 20 ip netns exec lan iperf3 -c 198.19.1.2 -p 5201 -t 3 -J >"$TMP/iperf-client.json" 2>&1 ||
	fail "iperf3 lan -> wan through the NAT: $(grep -m1 '"error"' "$TMP/iperf-client.json" || tail -3 "$TMP/iperf-client.json")"
wait $iperfsrv || fail "iperf3 server: $(tail -3 "$TMP/iperf-server.json")"
python3 - "$TMP/iperf-server.json" "$TMP/iperf-client.json" <<'PY' || fail "iperf3: the server did not see 198.19.1.1 only"
import json, sys
s, c = (json.load(open(f)) for f in sys.argv[1:3])
ctl = s["start"]["accepted_connection"]["host"]
data = {x["remote_host"] for x in s["start"]["connected"]}
assert ctl == "198.19.1.1" and data == {"198.19.1.1"}, ("server saw", ctl, data)
assert {x["local_host"] for x in c["start"]["connected"]} == {"198.18.1.2"}, c["start"]["connected"]
r = c["end"]["sum_received"]
assert r["bytes"] > 0, r
print("ok: iperf3 3 s lan -> wan: %.0f Mbit/s; the server's peer is 198.19.1.1 (control and data)" %
      (r["bits_per_second"] / 1e6))
PY

# --- 3. UDP: a DNS query from lan; the server logs the public address
ip netns exec wan dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces --pid-file= \
	--listen-address=198.19.1.2 --port=53 --host-record=nat.lab.example,203.0.113.80 \
	--log-queries --log-facility="$TMP/dnsmasq.log" >"$TMP/dnsmasq.out" 2>&1 &
dnspid=$!
CLEANUP_EXTRA="${CLEANUP_EXTRA:-true}; kill $dnspid || true"
wait_until 5 ip netns exec wan sh -c "ss -lunH 'sport = :53' | grep -qF 198.19.1.2" ||
	fail "dnsmasq did not start: $(cat "$TMP/dnsmasq.out")"
ans=$(ip netns exec lan kdig @198.19.1.2 -p 53 +short +timeout=2 +retry=1 nat.lab.example A 2>&1) ||
	fail "kdig lan -> 198.19.1.2 through the NAT: $ans"
[ "$ans" = 203.0.113.80 ] || fail "kdig from lan got \"$ans\", not 203.0.113.80"
wait_until 2 grep -q 'query\[A\] nat\.lab\.example from' "$TMP/dnsmasq.log" ||
	fail "dnsmasq logged no query: $(tail -3 "$TMP/dnsmasq.log")"
from=$(sed -n 's/.*query\[A\] nat\.lab\.example from \([0-9.]*\).*/\1/p' "$TMP/dnsmasq.log" | sort -u | tr '\n' ' ')
[ "$from" = "198.19.1.1 " ] || fail "dnsmasq saw the query from $from, not only from 198.19.1.1"
ok "DNS over UDP from lan: answer 203.0.113.80, dnsmasq saw the query from 198.19.1.1"

# --- 4. ICMP echo: translated (identifier binding), counted both ways
out0=$(counter nat_out) in0=$(counter nat_in) new0=$(counter nat_mappings_created)
ip netns exec lan ping -c 3 -i 0.2 -W 2 198.19.1.2 >/dev/null || fail "ping lan -> 198.19.1.2 through the NAT"
binding=$(nat_binding icmp 198.18.1.2) || fail "no icmp binding for 198.18.1.2 after ping: $(nat_show_summary)"
[ "${binding% *}" = 198.19.1.1 ] || fail "icmp binding of 198.18.1.2 is public ${binding% *}, not 198.19.1.1"
out1=$(counter nat_out) in1=$(counter nat_in) new1=$(counter nat_mappings_created)
[ "$out1" -ge $((out0 + 3)) ] || fail "nat_out went $out0 -> $out1 for 3 echo requests"
[ "$in1" -ge $((in0 + 3)) ] || fail "nat_in went $in0 -> $in1 for 3 echo replies"
[ "$new1" -ge $((new0 + 1)) ] || fail "nat_mappings_created went $new0 -> $new1 for a new ping"
ok "ping lan -> wan: icmp binding 198.18.1.2 -> $binding, nat_out +$((out1 - out0)), nat_in +$((in1 - in0))"

# --- 5. an ICMP error about a translated UDP datagram comes back translated:
# the lan kernel finds the socket by the quoted header, so ECONNREFUSED means
# both the outer destination and the quoted source were rewritten
out=$(udp_ask lan 198.19.1.2 9999 x) && fail "a closed UDP port on 198.19.1.2 answered: $out"
[ "$out" = ECONNREFUSED ] ||
	fail "port unreachable from 198.19.1.2 did not reach the lan socket translated: $out"
ok "ICMP port unreachable about a translated datagram reaches the lan socket (ECONNREFUSED)"

# --- 6. port forward: 198.19.1.1:8080 reaches the lan host's port 80
http_logged lan 198.18.1.2 80 "lan host"
page=$(ip netns exec wan curl -sS --max-time 5 http://198.19.1.1:8080/ 2>&1) ||
	fail "port forward: wan -> 198.19.1.1:8080 did not reach 198.18.1.2:80: $page"
[ "$page" = "lan host" ] || fail "port forward: wan -> 198.19.1.1:8080 got \"$page\", not the lan server's page"
grep -q '^198\.19\.1\.2 .*"GET / ' "$TMP/http-198.18.1.2-80.log" ||
	fail "the lan server did not log the forwarded request from 198.19.1.2: $(cat "$TMP/http-198.18.1.2-80.log")"
ok "port forward: wan -> 198.19.1.1:8080 answered by 198.18.1.2:80, client 198.19.1.2 kept"

# --- 7. filtering (address and port dependent): a binding of lan's port
# 40500 with 198.19.1.2:9200 accepts datagrams from that endpoint only. The
# wan peer answers, then waits for the public port read from "nat show",
# sends to it from another port and from another address, then from 9200.
rm -f "$TMP/filter-target"
ip netns exec wan timeout 20 python3 - "$TMP/filter-target" "$TMP/filter-peer" <<'PY' &
import os, socket, sys, time
target, peer_file = sys.argv[1:3]
srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
srv.bind(("198.19.1.2", 9200))
d, peer = srv.recvfrom(2048)
open(peer_file, "w").write("%s:%d\n" % peer)
srv.sendto(b"welcome", peer)
while not os.path.exists(target):
    time.sleep(0.05)
time.sleep(0.1)
port = int(open(target).read())
for src in (("198.19.1.2", 9201), ("198.51.100.1", 9200)):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(src)
    s.sendto(b"intruder from %s:%d" % (src[0].encode(), src[1]), ("198.19.1.1", port))
time.sleep(0.2)
srv.sendto(b"legit", ("198.19.1.1", port))
PY
filterpeer=$!
wait_until 5 ip netns exec wan sh -c "ss -lunH 'sport = :9200' | grep -q ." || fail "the wan peer on port 9200 did not start"
ip netns exec lan timeout 20 python3 -u - >"$TMP/filter-lan.out" 2>&1 <<'PY' &
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.1.2", 40500))
s.settimeout(3)
s.sendto(b"hello", ("198.19.1.2", 9200))
print(s.recv(2048).decode())
end = time.time() + 10
while time.time() < end:
    s.settimeout(max(0.01, end - time.time()))
    try:
        d = s.recv(2048).decode()
    except socket.timeout:
        break
    print(d)
    if d == "legit":
        end = min(end, time.time() + 0.5)
PY
filterlan=$!
wait_until 5 grep -qx welcome "$TMP/filter-lan.out" ||
	fail "UDP lan:40500 -> 198.19.1.2:9200 got no answer: $(cat "$TMP/filter-lan.out")"
binding=$(nat_binding udp 198.18.1.2 40500) ||
	fail "no udp binding for 198.18.1.2:40500: $(nat_show_summary)"
[ "$(cat "$TMP/filter-peer")" = "${binding/ /:}" ] ||
	fail "the wan peer saw $(cat "$TMP/filter-peer"), nat show says ${binding/ /:}"
f0=$(counter drop_nat_filtered)
echo "${binding#* }" >"$TMP/filter-target"
wait $filterpeer || fail "the wan peer of the filtering case failed"
wait $filterlan || true
grep -qx legit "$TMP/filter-lan.out" ||
	fail "a datagram from the bound endpoint 198.19.1.2:9200 did not reach lan: $(tr '\n' ';' <"$TMP/filter-lan.out")"
if grep -q intruder "$TMP/filter-lan.out"; then
	fail "address-port-dependent filtering let in: $(grep intruder "$TMP/filter-lan.out" | tr '\n' ';')"
fi
f1=$(counter drop_nat_filtered)
[ "$f1" -ge $((f0 + 2)) ] || fail "drop_nat_filtered went $f0 -> $f1 for 2 unsolicited datagrams"
ok "filtering: ${binding/ /:} takes datagrams from 198.19.1.2:9200 only; 2 others dropped (drop_nat_filtered)"

# --- 8. 2000 concurrent UDP flows, each from its own socket (own port). All
# must be answered: a flow with no answer is sent again, at most twice, as a
# DNS client would (a burst can lose a datagram on the veths of a 2-core
# machine; a NAT that failed a flow loses all three). Each answer names the
# source the wan server saw: 198.19.1.1, and 2000 distinct public ports.
FLOWS=2000
nat_echo_server wan 198.19.1.2 9300
timeout 60 ip netns exec lan python3 - "$FLOWS" >"$TMP/flows.json" 2>&1 <<'PY' || fail "2000 flows: $(tail -3 "$TMP/flows.json")"
import json, resource, select, socket, sys, time
n = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_NOFILE, (n + 64, n + 64))
socks, index = [], {}
ep = select.epoll()
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    s.bind(("198.18.1.2", 0))
    socks.append(s)
    index[s.fileno()] = i
    ep.register(s.fileno(), select.EPOLLIN)
pending, seen, bad, resent = set(range(n)), {}, [], 0

def drain(timeout):
    for fd, _ in ep.poll(timeout):
        i = index[fd]
        try:
            d = socks[i].recv(2048).decode()
        except BlockingIOError:
            continue
        src, _, payload = d.partition(" ")
        if payload != "flow%d" % i:
            bad.append(d)
        elif i in pending:
            pending.discard(i)
            seen[i] = src

for attempt in range(3):
    todo = sorted(pending)
    if attempt:
        resent += len(todo)
    for k, i in enumerate(todo):
        socks[i].sendto(b"flow%d" % i, ("198.19.1.2", 9300))
        if k % 100 == 99:
            drain(0.02)
    end = time.time() + 3
    while pending and time.time() < end:
        drain(0.1)
    if not pending:
        break
inside = {s.getsockname()[1] for s in socks}
print(json.dumps({"flows": n, "inside_ports": len(inside), "answered": len(seen),
                  "resent": resent, "bad": bad[:5],
                  "addresses": sorted({v.rsplit(":", 1)[0] for v in seen.values()}),
                  "public_ports": len({v for v in seen.values()})}))
PY
python3 - "$TMP/flows.json" <<'PY' || fail "2000 concurrent flows: $(cat "$TMP/flows.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["inside_ports"] == r["flows"], "inside ports not distinct"
assert not r["bad"], "answers that do not match their flow"
assert r["answered"] == r["flows"], "flows never answered (3 tries each)"
assert r["addresses"] == ["198.19.1.1"], "the server saw other sources"
assert r["public_ports"] == r["flows"], "public ports not distinct"
print("ok: %d concurrent UDP flows answered (%d datagrams sent again), %d distinct public ports of 198.19.1.1"
      % (r["answered"], r["resent"], r["public_ports"]))
PY
n=$(nat_json count) || fail "nat show after 2000 flows"
[ "$n" -ge "$FLOWS" ] || fail "nat show reports $n bindings after $FLOWS flows"
pool=$(nat_json pool 198.19.1.1 udp) || fail "no udp pool of 198.19.1.1 in nat show"
[ "${pool% *}" -ge "$FLOWS" ] || fail "udp pool of 198.19.1.1: $pool (in use, size) after $FLOWS flows"
ok "nat show: $n bindings, udp ports of 198.19.1.1 in use/size: ${pool/ //}"

# --- 9. nat flush HOST, then nat flush: the bindings go, new flows work
"$RAMPART" nat flush 198.18.1.2 >"$TMP/flush.out" 2>&1 || fail "nat flush 198.18.1.2: $(cat "$TMP/flush.out")"
wait_until 5 nat_count_is 0 || fail "bindings after nat flush 198.18.1.2: $(nat_json count) ($(nat_show_summary))"
out=$(udp_ask lan 198.19.1.2 9300 again) || fail "UDP from lan after the flush: $out"
case "$out" in
"198.19.1.1:"*" again") ;;
*) fail "UDP from lan after the flush: the wan server answered \"$out\"" ;;
esac
n=$(nat_json count)
[ "$n" -ge 1 ] || fail "no binding for a flow opened after the flush"
"$RAMPART" nat flush >"$TMP/flush.out" 2>&1 || fail "nat flush: $(cat "$TMP/flush.out")"
wait_until 5 nat_count_is 0 || fail "bindings after nat flush: $(nat_json count) ($(nat_show_summary))"
ok "nat flush 198.18.1.2 and nat flush: 0 bindings; a new flow afterwards is translated"
# --- 10. hairpinning: the lan host reaches the port forward by the public
# address, and the server (itself) sees the public address as the client
hp0=$(counter nat_hairpins)
page=$(ip netns exec lan curl -sS --max-time 5 http://198.19.1.1:8080/ 2>&1) ||
	fail "hairpin: lan -> 198.19.1.1:8080: $page"
[ "$page" = "lan host" ] || fail "hairpin: lan -> 198.19.1.1:8080 got \"$page\""
last=$(grep '"GET / ' "$TMP/http-198.18.1.2-80.log" | tail -1 | cut -d' ' -f1)
[ "$last" = 198.19.1.1 ] || fail "hairpin: the lan server saw client $last, not 198.19.1.1"
[ "$(counter nat_hairpins)" -gt "$hp0" ] || fail "hairpin: nat_hairpins did not count it"
ok "hairpinning: lan -> 198.19.1.1:8080 reaches 198.18.1.2:80, which sees 198.19.1.1"

# --- 11. a push with a per-host limit and mapping logs: the host gets that
# many mappings, the rest are refused at once (ICMP administratively
# prohibited) and logged; the mappings it already had are kept
sed -e 's/^set nat filtering.*/&\nset nat host-limit 20\nset log-rate 1000/' \
	-e 's|^nat on wan from 198.18.1.0/24 -> wan|nat on wan log from 198.18.1.0/24 -> wan|' \
	"$TMP/nat.rules" >"$TMP/nat-limit.rules"
grep -q "host-limit 20" "$TMP/nat-limit.rules" || fail "could not write the limited rule file"
out=$("$RAMPART" rules push "$TMP/nat-limit.rules" 2>&1) || fail "rules push with host-limit: $out"
"$RAMPART" nat flush >/dev/null 2>&1 || fail "nat flush before the limit test"
wait_until 5 nat_count_is 0 || fail "bindings left before the limit test: $(nat_show_summary)"
nat_echo_server wan 198.19.1.2 9400
lim0=$(counter drop_nat_host_limit)
out=$(ip netns exec lan python3 -c '
import errno, socket
ok = refused = lost = 0
for i in range(40):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1)
    s.connect(("198.19.1.2", 9400))
    s.send(b"x")
    try:
        s.recv(2048)
        ok += 1
    except socket.timeout:
        lost += 1
    except OSError as e:
        refused += 1
print(ok, refused, lost)' 2>&1)
read -r n_ok n_refused n_lost <<<"$out"
[ "$n_ok" = 20 ] && [ "$n_refused" = 20 ] ||
	fail "host-limit 20: $n_ok answered, $n_refused refused, $n_lost lost of 40 (want 20, 20, 0)"
[ $(($(counter drop_nat_host_limit) - lim0)) -eq 20 ] ||
	fail "drop_nat_host_limit +$(($(counter drop_nat_host_limit) - lim0)), want +20"
wait_until 3 grep -q '"nat":"create","rule":1,"proto":17,"inside":"198.18.1.2"' "$RUN/dataplane.log" ||
	fail "no mapping creation logged: $(grep '"nat"' "$RUN/dataplane.log" | tail -3)"
wait_until 3 grep -q '"nat":"host-limit"' "$RUN/dataplane.log" ||
	fail "the host limit was not logged"
"$RAMPART" nat flush 198.18.1.2 >/dev/null 2>&1 || fail "nat flush after the limit test"
wait_until 5 grep -q '"nat":"delete","rule":1,"proto":17,"inside":"198.18.1.2"' "$RUN/dataplane.log" ||
	fail "no mapping end logged after the flush"
ok "host-limit 20: 20 of 40 flows mapped, 20 refused at once; create, limit and delete logged"

# the lab's example rule file with NAT stays valid
out=$("$RAMPART" rules check "$top/conf/nat.rules" 2>&1) || fail "conf/nat.rules: $out"
ok "conf/nat.rules checks"
ok "NAT44: all cases passed"
