#!/usr/bin/env bash
# IPv4 fragments through the firewall and the NAT, both ways. The lab's
# af_packet ports cannot carry them: DPDK 22.11's af_packet PMD joins its
# sockets to a fanout group with PACKET_FANOUT_FLAG_DEFRAG, so the kernel
# reassembles fragments before the dataplane sees them (and the whole datagram
# is larger than a frame). This test runs the lab with TAP ports instead
# (net_tap), each moved into its host's namespace as that host's interface,
# where fragments arrive as they were sent. The wan host has no route back to
# lan, so every answer proves a translation.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fw_lib.sh"
. "$(dirname "$0")/nat_lib.sh"

cat >"$TMP/nat.rules" <<'EOF'
set default block
nat on wan from 198.18.1.0/24 -> wan
rdr on wan proto udp to port 5300 -> 198.18.1.2 port 5300
pass in on lan from 198.18.1.0/24
pass in on wan proto udp to 198.18.1.2 port 5300
pass proto icmp icmp-type { echo-request, unreach, timex }
EOF
mkdir -p "$TMP/state"
python3 - "$top/conf/rampart.conf" "$TMP/rampart.conf" "$TMP/nat.rules" "$TMP/state" <<'PY'
import re, sys
src, dst, rules, state = sys.argv[1:]
t = open(src).read()
t, n = re.subn(r'(?ms)^firewall = \{.*?^\};\n',
               'firewall = {\n\trules = "%s";\n\tstate_dir = "%s";\n};\n' % (rules, state), t)
assert n == 1, "no firewall section"
for i, name in ((0, "lan"), (1, "wan")):
    old = '"net_af_packet%d,iface=%s0,qpairs=1"' % (i, name)
    assert old in t, "no af_packet port " + name
    t = t.replace(old, '"net_tap%d,iface=rf%s"' % (i, name))
open(dst, "w").write(t)
PY
lab_up "$TMP/rampart.conf"
wait_until 10 sh -c "'$RAMPART' status --json | grep -q '\"in_service\": true'" ||
	fail "rules not in service: $(tail -5 "$RUN/ctrl.log")"
# each host's interface becomes the TAP; the veth of the usual lab goes away
for side in lan:198.18.1 wan:198.19.1; do
	ns=${side%%:*} net=${side#*:}
	ip -n "$ns" link del veth0
	ip -n rampart link set "rf$ns" netns "$ns"
	ip -n "$ns" addr add "$net.2/24" dev "rf$ns"
	ip -n "$ns" link set "rf$ns" up
done
ip -n lan route add default via 198.18.1.1 dev rflan
ip -n wan route get 198.18.1.2 >/dev/null 2>&1 && fail "the wan host has a route to lan"
ok "lab on TAP ports; the wan host has no route to lan"

# --- 1. ICMP echo of 4000 bytes: three fragments each way
frag0=$(counter fw_fragments)
out=$(ip netns exec lan ping -c 2 -s 4000 -W 2 198.19.1.2 2>&1) ||
	fail "ping -s 4000 lan -> wan through the NAT: $out"
frag1=$(counter fw_fragments)
[ $((frag1 - frag0)) -ge 8 ] || fail "fw_fragments +$((frag1 - frag0)), want 8 (2 pings x 2 later fragments x 2 ways)"
ok "ping -s 4000 through the NAT: answered; fw_fragments +$((frag1 - frag0))"

# big_ask NS ADDR PORT: send 5891 bytes (four fragments at MTU 1500),
# print "PEER LENGTH SAME" of the answer, or "timeout"
big_ask() {
	ip netns exec "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect((sys.argv[1], int(sys.argv[2])))
msg = bytes(range(256)) * 23 + b"end"
for attempt in range(3):
    s.send(msg)
    try:
        r = s.recv(65535)
        break
    except socket.timeout:
        r = None
if r is None:
    print("timeout")
else:
    peer, _, body = r.partition(b" ")
    print(peer.decode(), len(body), body == msg)' "$2" "$3" 2>&1
}

# --- 2. UDP out through the masquerade: the server sees the public address
nat_echo_server wan 198.19.1.2 9400
out=$(big_ask lan 198.19.1.2 9400)
case "$out" in
"198.19.1.1:"*" 5891 True") ;;
*) fail "5891-byte datagram lan -> wan: got \"$out\" (want 198.19.1.1:PORT 5891 True)" ;;
esac
ok "5891-byte UDP datagram lan -> wan in fragments: answered whole, the server saw ${out%% *}"

# --- 3. UDP in through a port forward: later fragments follow the first in
nat_echo_server lan 198.18.1.2 5300
out=$(big_ask wan 198.19.1.1 5300)
case "$out" in
"198.19.1.2:"*" 5891 True") ;;
*) fail "5891-byte datagram wan -> 198.19.1.1:5300 (forwarded): got \"$out\"" ;;
esac
ok "5891-byte UDP datagram through the port forward: answered whole from 198.19.1.1:5300"

# --- 4. a later fragment whose first never came is dropped and counted
drop0=$(counter drop_fw_fragment)
ip netns exec lan python3 -c '
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
def csum(b):
    t = sum(struct.unpack("!10H", b))
    t = (t >> 16) + (t & 0xffff)
    return ~(t + (t >> 16)) & 0xffff
payload = b"x" * 64
hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x4242, 0x2000 | 100, 64, 17, 0,
                  socket.inet_aton("198.18.1.2"), socket.inet_aton("198.19.1.2"))
hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
s.sendto(hdr + payload, ("198.19.1.2", 0))'
wait_until 3 sh -c "[ \$('$RAMPART' stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"totals\"].get(\"drop_fw_fragment\", 0))') -gt $drop0 ]" ||
	fail "a lone later fragment was not dropped (drop_fw_fragment stays $drop0)"
ok "a later fragment without its first: dropped (drop_fw_fragment)"
ok "NAT44 fragments: all cases passed"
