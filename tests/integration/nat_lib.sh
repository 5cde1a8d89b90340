# shellcheck shell=bash
# Helpers of the NAT tests: the firewall lab with the wan host's route back to
# lan removed (so only translated packets can be answered), the one reader of
# "rampart nat show --json", and servers that log or echo who they saw.
# Sourced after lib.sh and fw_lib.sh.

# nat_lab_up RULES: fw_lab_up RULES (never on a lab already running), then
# the wan host loses its IPv4 default route (via the appliance): it can answer
# 198.19.1.0/24 only, so a reply that reaches lan proves the request was
# translated
nat_lab_up() {
	# lab.sh would reuse a running lab with its own configuration, and this
	# test's clean-up would take it down: refuse, leaving it alone
	if [ -f "$RUN/dataplane.pid" ] && kill -0 "$(cat "$RUN/dataplane.pid")" 2>/dev/null; then
		trap - EXIT
		rm -rf "$TMP"
		echo "FAIL: a lab is running already (dataplane pid $(cat "$RUN/dataplane.pid"): make lab," \
			"or another test); stop it (make lab-down) or wait for it" >&2
		exit 1
	fi
	fw_lab_up "$1"
	ip -n wan route del default via 198.19.1.1
	if ip -n wan route get 198.18.1.2 >/dev/null 2>&1; then
		fail "the wan host still has a route to 198.18.1.2: $(ip -n wan -4 route)"
	fi
	ip -n wan route get 198.19.1.1 >/dev/null 2>&1 || fail "the wan host lost its route to 198.19.1.1"
}

# nat_json WHAT [ARG...]: reads "rampart nat show --json"; the only place that
# knows its field names. WHAT:
#   count          the number of bindings
#   list           one line per binding: PROTO INSIDE INSIDE_PORT PUBLIC PUBLIC_PORT SESSIONS
#   pool ADDR PROTO  "IN_USE SIZE" of the pool of ADDR for PROTO (exit 1 if none)
# Exit 1 with the reason on standard error when the command or the JSON fails.
nat_json() {
	local js
	js=$("$RAMPART" nat show --json 2>&1) || {
		echo "rampart nat show --json failed: $js" >&2
		return 1
	}
	python3 -c '
import json, sys
what, raw = sys.argv[1], sys.stdin.read()
try:
    d = json.loads(raw)
    if what == "count":
        print(int(d["bindings"]))
    elif what == "list":
        for b in d["list"]:
            print(b["proto"], b["inside"], b["inside_port"], b["public"],
                  b["public_port"], b.get("sessions", "-"))
    elif what == "pool":
        for p in d["pools"]:
            if p["address"] == sys.argv[2] and p["proto"] == sys.argv[3]:
                print(p["in_use"], p["size"])
                break
        else:
            sys.exit("no pool for %s %s in %s" % (sys.argv[2], sys.argv[3], d["pools"]))
    else:
        sys.exit("nat_json: unknown query " + what)
except (ValueError, KeyError, TypeError) as e:
    sys.exit("rampart nat show --json: unexpected reply (%r): %.300s" % (e, raw))
' "$@" <<<"$js"
}

# nat_binding PROTO INSIDE [INSIDE_PORT]: "PUBLIC PUBLIC_PORT" of the first
# binding of INSIDE (and INSIDE_PORT) for PROTO; exit 1 when there is none
nat_binding() {
	local list
	list=$(nat_json list) || return 1
	awk -v p="$1" -v a="$2" -v port="${3:-}" '
		$1 == p && $2 == a && (port == "" || $3 == port) { print $4, $5; found = 1; exit }
		END { exit !found }' <<<"$list"
}

# nat_count_is N: the bindings number exactly N (for wait_until)
nat_count_is() {
	[ "$(nat_json count)" = "$1" ]
}

# nat_show_summary: a short view of the bindings for failure messages
nat_show_summary() {
	local list
	list=$(nat_json list 2>&1) || { echo "$list"; return 0; }
	echo "$(wc -l <<<"$list") bindings: $(head -5 <<<"$list" | tr '\n' ';')"
}

# http_logged NS ADDR PORT TEXT: an HTTP server answering TEXT at /, its
# access log (one line per request, the client's address first) in
# $TMP/http-ADDR-PORT.log, and a 40 MB file /big for long transfers (more
# than the socket buffers of both ends hold: the server's connection stays
# established while a rate-limited client reads)
http_logged() {
	local dir="$TMP/www-$2-$3"
	mkdir -p "$dir"
	echo "$4" >"$dir/index.html"
	truncate -s 40M "$dir/big"
	(cd "$dir" && exec ip netns exec "$1" python3 -u -m http.server "$3" --bind "$2" \
		>/dev/null 2>"$TMP/http-$2-$3.log") &
	CLEANUP_EXTRA="${CLEANUP_EXTRA:-true}; kill $! || true"
	wait_until 5 ip netns exec "$1" sh -c "ss -ltnH 'sport = :$3' | grep -qF '$2'" ||
		fail "http server on $2:$3 did not start"
}

# nat_echo_server NS ADDR PORT: answers every datagram (up to 64 KiB) with
# "PEER_ADDR:PEER_PORT PAYLOAD", the source it saw and what it got
nat_echo_server() {
	ip netns exec "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
s.bind((sys.argv[1], int(sys.argv[2])))
while True:
    d, a = s.recvfrom(65535)
    s.sendto(("%s:%d " % a).encode() + d, a)' "$2" "$3" &
	CLEANUP_EXTRA="${CLEANUP_EXTRA:-true}; kill $! || true"
	wait_until 5 ip netns exec "$1" sh -c "ss -lunH 'sport = :$3' | grep -qF '$2'" ||
		fail "udp echo server on $2:$3 did not start"
}
