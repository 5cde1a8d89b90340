# Helpers of the firewall tests: a lab whose configuration names a rule file
# and keeps its state in the test's directory, small servers and clients.
# Sourced after lib.sh.

# fw_lab_up RULES: the lab with the firewall on, rules from RULES (and
# dataplane.flows_max from FW_FLOWS_MAX when set)
fw_lab_up() {
	mkdir -p "$TMP/state"
	python3 - "$top/conf/rampart.conf" "$TMP/rampart.conf" "$1" "$TMP/state" <<'PY'
import os, re, sys
src, dst, rules, state = sys.argv[1:]
text = open(src).read()
fw = ('firewall = {\n\trules = "%s";\n\tstate_dir = "%s";\n'
      '\tdns_servers = [ "198.19.1.2" ];\n};\n' % (rules, state))
text, n = re.subn(r"(?ms)^firewall = \{.*?^\};\n", fw, text)
assert n == 1, "no firewall section in " + src
flows = os.environ.get("FW_FLOWS_MAX")
if flows:
    text, n = re.subn(r"(?m)^dataplane = \{\n", "dataplane = {\n\tflows_max = %s;\n" % flows, text)
    assert n == 1, "no dataplane section in " + src
open(dst, "w").write(text)
PY
	lab_up "$TMP/rampart.conf"
	wait_until 10 sh -c "'$RAMPART' status --json | grep -q '\"in_service\": true'" ||
		fail "firewall rules not in service: $(tail -5 $RUN/ctrl.log)"
}

# start_http NS ADDR PORT: a static HTTP server, stopped with the test
start_http() {
	mkdir -p "$TMP/www"
	echo hello >"$TMP/www/index.html"
	(cd "$TMP/www" && exec ip netns exec "$1" python3 -m http.server "$3" --bind "$2" \
		>/dev/null 2>&1) &
	CLEANUP_EXTRA="${CLEANUP_EXTRA:-true}; kill $!"
	wait_until 5 ip netns exec "$1" sh -c "ss -ltnH 'sport = :$3' | grep -qF '$2'" ||
		fail "http server on $2:$3 did not start"
}

# udp_echo_server NS ADDR PORT: echoes every datagram
udp_echo_server() {
	ip netns exec "$1" python3 -c '
import socket, sys
af = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(af, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(d, a)' "$2" "$3" &
	CLEANUP_EXTRA="${CLEANUP_EXTRA:-true}; kill $!"
	wait_until 5 ip netns exec "$1" sh -c "ss -lunH 'sport = :$3' | grep -qF '$2'" ||
		fail "udp echo server on $2:$3 did not start"
}

# udp_ask NS ADDR PORT MSG: send one datagram from a connected socket (always
# from the same source port, so repeated asks are one flow), print the reply,
# or the error's name and exit 1
udp_ask() {
	ip netns exec "$1" python3 -c '
import errno, socket, sys
af = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(af, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 40400))
s.settimeout(2)
s.connect((sys.argv[1], int(sys.argv[2])))
try:
    s.send(sys.argv[3].encode())
    print(s.recv(2048).decode())
except socket.timeout:
    print("timeout"); sys.exit(1)
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno))); sys.exit(1)' "$2" "$3" "$4"
}

# the generation of the rules the dataplane runs
fw_generation() {
	"$RAMPART" status --json | python3 -c '
import json, sys
print(json.load(sys.stdin)["dataplane"].get("rules_generation", ""))'
}
