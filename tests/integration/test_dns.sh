#!/usr/bin/env bash
# The authoritative DNS fast path in the lab, asked with kdig from the lan
# host: answers with the query's case echoed, NXDOMAIN with the SOA,
# referrals, wildcards, IPv6, EDNS and truncation, REFUSED outside the zones,
# the counters; then a zone file broken on reload (the zone stays in
# service) and one changed on reload (the change is served).
. "$(dirname "$0")/lib.sh"
command -v kdig >/dev/null || { echo "SKIP: kdig not installed (make deps)"; exit 77; }

zone=$TMP/example.org.zone
write_zone() { # SERIAL EXTRA-LINES
	cat >"$zone" <<EOF
\$ORIGIN example.org.
\$TTL 300
@      IN SOA ns1 hostmaster ( $1 3600 600 86400 300 )
       IN NS  ns1
ns1    IN A   198.18.1.1
www    IN A   192.0.2.80
       IN A   192.0.2.81
       IN AAAA 2001:db8::80
alias  IN CNAME www
*.wild IN TXT "wildcard"
sub    IN NS  ns.sub
ns.sub IN A   192.0.2.99
big    IN TXT "$(printf 'a%.0s' $(seq 200))" "$(printf 'b%.0s' $(seq 200))"
       IN TXT "$(printf 'c%.0s' $(seq 200))" "$(printf 'd%.0s' $(seq 200))"
$2
EOF
}
write_zone 2026112901 ""
copy_conf "$TMP/rampart.conf"
printf 'dns = {\n\tzones = ( { name = "example.org"; file = "%s"; transfer = [ "198.19.1.2" ]; } );\n};\n' "$zone" \
	>>"$TMP/rampart.conf"
lab_up "$TMP/rampart.conf"
wait_until 10 grep -q "dns: 1 zones in service" "$RUN/ctrl.log" ||
	fail "zones not in service: $(grep dns "$RUN/ctrl.log" | tail -3)"

q() { ip netns exec lan kdig +timeout=2 +retry=0 +norec "$@" 2>&1; }

# --- exact answer, authoritative (kdig sends names in lower case: the case
# echo is checked with a query of our own)
out=$(q @198.18.1.1 www.example.org A)
grep -q "status: NOERROR" <<<"$out" || fail "www A: $out"
grep -qiE "flags: qr aa;" <<<"$out" || fail "www A: not authoritative: $out"
[ "$(grep -cE "IN\s+A\s+192\.0\.2\.8" <<<"$out")" = 2 ] || fail "www A: want 2 records: $out"
out=$(ip netns exec lan python3 -c '
import socket, struct
q = struct.pack(">HHHHHH", 0x4242, 0, 1, 0, 0, 0)
for l in ("WwW", "ExAmPle", "org"):
    q += bytes([len(l)]) + l.encode()
q += b"\0" + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(q, ("198.18.1.1", 53))
r = s.recv(4096)
# the question as asked, then answers whose owners point at it (0xc00c)
print(r[:2] == b"\x42\x42", r[12:12 + len(q) - 12] == q[12:], r[len(q):len(q) + 2] == b"\xc0\x0c",
      struct.unpack(">H", r[6:8])[0])' 2>&1)
[ "$out" = "True True True 2" ] || fail "case echo: id, question, owner pointer, answers: $out"
ok "www A: 2 records, aa; a mixed-case query gets its own case back"

# --- NXDOMAIN with the SOA; NODATA
out=$(q @198.18.1.1 nope.example.org A)
grep -q "status: NXDOMAIN" <<<"$out" || fail "nope: $out"
grep -qE "example\.org\.\s+300\s+IN\s+SOA" <<<"$out" || fail "nope: no SOA in authority: $out"
out=$(q @198.18.1.1 www.example.org MX)
grep -q "status: NOERROR" <<<"$out" && grep -q "ANSWER: 0" <<<"$out" || fail "www MX (NODATA): $out"
ok "NXDOMAIN and NODATA with the SOA"

# --- CNAME, wildcard, referral
out=$(q @198.18.1.1 alias.example.org A)
grep -q "ANSWER: 3" <<<"$out" || fail "alias A: want the CNAME and 2 addresses: $out"
out=$(q @198.18.1.1 anything.wild.example.org TXT)
grep -qE "^anything\.wild\.example\.org\.\s+300\s+IN\s+TXT\s+\"wildcard\"" <<<"$out" ||
	fail "wildcard: $out"
out=$(q @198.18.1.1 host.sub.example.org A)
grep -qiE "flags: qr;" <<<"$out" || fail "referral: authoritative? $out"
grep -qE "sub\.example\.org\.\s+300\s+IN\s+NS\s+ns\.sub\.example\.org\." <<<"$out" &&
	grep -qE "ns\.sub\.example\.org\.\s+300\s+IN\s+A\s+192\.0\.2\.99" <<<"$out" ||
	fail "referral: want NS and glue: $out"
ok "CNAME followed, wildcard synthesized, referral with glue"

# --- IPv6 transport, EDNS, truncation, REFUSED
out=$(q @2001:db8:1::1 www.example.org AAAA)
grep -qE "IN\s+AAAA\s+2001:db8::80" <<<"$out" || fail "over IPv6: $out"
out=$(q @198.18.1.1 +bufsize=1232 big.example.org TXT)
grep -qi "Version: 0; flags: ; UDP size: 1232" <<<"$out" && grep -q "ANSWER: 2" <<<"$out" ||
	fail "big TXT with EDNS 1232: $out"
out=$(q @198.18.1.1 +noedns +notcp +ignore big.example.org TXT)
grep -qiE "flags: qr aa tc" <<<"$out" || fail "big TXT without EDNS: no TC: $out"
out=$(q @198.18.1.1 www.example.com A)
grep -q "status: REFUSED" <<<"$out" || fail "outside the zones: $out"
ok "IPv6, EDNS 1232, TC at 512, REFUSED outside"

# --- over TCP (ctrl, RFC 7766): the same answers, no truncation, pipelined
out=$(q +tcp @198.18.1.1 big.example.org TXT)
grep -q "ANSWER: 2" <<<"$out" && grep -q "(TCP)" <<<"$out" || fail "big TXT over TCP: $out"
out=$(q +tcp +keepopen @198.18.1.1 www.example.org A nope.example.org A example.org SOA)
[ "$(grep -c "status: " <<<"$out")" = 3 ] && grep -q "status: NXDOMAIN" <<<"$out" ||
	fail "three queries on one TCP connection: $out"
out=$(q +tcp @2001:db8:1::1 www.example.org AAAA)
grep -qE "IN\s+AAAA\s+2001:db8::80" <<<"$out" || fail "TCP over IPv6: $out"
ok "TCP: whole answers, three queries on one connection, IPv6"

# --- counters
for c in dns_queries dns_noerror dns_nxdomain dns_refused dns_truncated; do
	[ "$(counter $c)" -gt 0 ] || fail "counter $c did not move"
done
ok "counters: $(counter dns_queries) queries, $(counter dns_noerror) NOERROR," \
	"$(counter dns_nxdomain) NXDOMAIN, $(counter dns_refused) REFUSED"

# --- a broken zone file on reload: the zone stays in service
cp "$zone" "$TMP/good.zone"
echo "broken IN A 300.1.2.3" >>"$zone"
"$RAMPART" reload >/dev/null 2>&1 || true
wait_until 5 grep -q "zone example.org refused, the version loaded before stays" "$RUN/ctrl.log" ||
	fail "the broken zone was not reported: $(grep dns "$RUN/ctrl.log" | tail -3)"
grep -qE "example.org.zone:[0-9]+: " "$RUN/ctrl.log" || fail "no file:line in the report"
out=$(q @198.18.1.1 www.example.org A)
grep -q "ANSWER: 2" <<<"$out" || fail "after a broken reload: $out"
ok "broken zone file on reload: reported with its line, the zone still answers"

# --- rampart dns zones / dns reload ZONE
out=$("$RAMPART" dns zones 2>&1) || fail "dns zones: $out"
grep -qE "^example\.org\s+2026112901\s+[0-9]+\s+[0-9]+\s+[1-9][0-9]*\s+[1-9][0-9]*\s+served \(last read refused\)" <<<"$out" ||
	fail "dns zones after the broken reload: $out"
if out=$("$RAMPART" dns reload example.org 2>&1); then
	fail "dns reload of a broken file succeeded: $out"
fi
grep -qE "example\.org\.zone:[0-9]+: " <<<"$out" || fail "dns reload: no file:line: $out"
if out=$("$RAMPART" dns reload example.net 2>&1); then
	fail "dns reload of an unknown zone succeeded"
fi
ok "dns zones: the zone served with its NOERROR and NXDOMAIN counts, its last read refused; dns reload reports file:line"

# --- a changed zone on reload: served at once
write_zone 2026112902 "new    IN A   192.0.2.77"
out=$("$RAMPART" dns reload example.org 2>&1) || fail "dns reload: $out"
wait_until 5 sh -c "ip netns exec lan kdig +timeout=1 +retry=0 @198.18.1.1 new.example.org A |
	grep -q 192.0.2.77" || fail "the new record is not served: $(q @198.18.1.1 new.example.org A)"
out=$(q @198.18.1.1 example.org SOA)
grep -q "2026112902" <<<"$out" || fail "serial not updated: $out"
out=$("$RAMPART" dns zones 2>&1)
grep -qE "^example\.org\s+2026112902\s+[0-9]+\s+[0-9]+\s+[0-9]+\s+[0-9]+\s+served$" <<<"$out" ||
	fail "dns zones: $out"
ok "changed zone, dns reload example.org: new record and serial served"
# --- reloads under a stream of queries: not one goes unanswered (the
# dataplane swaps zone sets by RCU); 1500 queries over about 3 s, one at a
# time, while the zone is read again 6 times, changed each time
ip netns exec lan python3 -c '
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
q = struct.pack(">HHHHHH", 9, 0, 1, 0, 0, 0) + b"\x03www\x07example\x03org\x00" + struct.pack(">HH", 1, 1)
lost = 0
for i in range(1500):
    s.sendto(q, ("198.18.1.1", 53))
    try:
        r = s.recv(2048)
        if struct.unpack(">H", r[6:8])[0] != 2:
            lost += 1
    except socket.timeout:
        lost += 1
    time.sleep(0.002)
print(lost)' >"$TMP/stream.out" 2>&1 &
stream=$!
for i in 1 2 3 4 5 6; do
	write_zone $((2026112910 + i)) "r$i    IN A   192.0.2.$i"
	"$RAMPART" dns reload example.org >/dev/null 2>&1 || fail "dns reload $i"
	sleep 0.4
done
wait $stream || fail "the query stream failed: $(cat "$TMP/stream.out")"
[ "$(cat "$TMP/stream.out")" = 0 ] ||
	fail "queries unanswered (or not the 2 answers) during 6 reloads: $(cat "$TMP/stream.out")"
out=$(q @198.18.1.1 r6.example.org A)
grep -q "192.0.2.6" <<<"$out" || fail "the last reload is not served: $out"
ok "6 reloads under a stream of 1500 queries: every one answered whole"

# --- AXFR to a secondary: NSD in wan transfers the zone over TCP and then
# answers as rampart does; a host not listed is refused
if command -v nsd >/dev/null; then
	mkdir -p "$TMP/nsd"
	cat >"$TMP/nsd/nsd.conf" <<EOF
server:
	ip-address: 198.19.1.2
	port: 53
	server-count: 1
	username: ""
	chroot: ""
	zonesdir: "$TMP/nsd"
	database: ""
	pidfile: "$TMP/nsd/nsd.pid"
	xfrdfile: "$TMP/nsd/xfrd.state"
	zonelistfile: "$TMP/nsd/zone.list"
	logfile: "$TMP/nsd/nsd.log"
	rrl-ratelimit: 0
remote-control:
	control-enable: no
zone:
	name: example.org
	zonefile: "$TMP/nsd/example.org.zone"
	request-xfr: AXFR 198.19.1.1 NOKEY
	allow-notify: 198.19.1.1 NOKEY
EOF
	ip netns exec wan timeout 60 nsd -d -c "$TMP/nsd/nsd.conf" >"$TMP/nsd/out" 2>&1 &
	CLEANUP_EXTRA="${CLEANUP_EXTRA:-true}; kill $! || true"
	wait_until 20 sh -c "ip netns exec wan kdig +timeout=1 +retry=0 @198.19.1.2 example.org SOA |
		grep -q 'status: NOERROR'" ||
		fail "NSD did not transfer the zone: $(tail -5 "$TMP/nsd/nsd.log" "$TMP/nsd/out" 2>/dev/null)"
	for qq in "www.example.org A" "alias.example.org A" "nope.example.org A" \
		"x.wild.example.org TXT" "example.org SOA" "big.example.org TXT"; do
		# shellcheck disable=SC2086
		a=$(ip netns exec wan kdig +timeout=2 +retry=0 +norec +short @198.19.1.2 $qq | sort)
		# shellcheck disable=SC2086
		b=$(ip netns exec wan kdig +timeout=2 +retry=0 +norec +short @198.19.1.1 $qq | sort)
		[ "$a" = "$b" ] || fail "NSD and rampart differ for $qq: NSD \"$a\", rampart \"$b\""
	done
	out=$(ip netns exec lan kdig +timeout=2 +retry=0 +tcp @198.18.1.1 example.org AXFR 2>&1 || true)
	grep -q "REFUSED\|failed" <<<"$out" || fail "AXFR to a host not listed: $out"
	ok "AXFR: NSD in wan transferred the zone and answers as rampart does; lan is refused"
fi

# --- response rate limiting: 5 a second per source prefix, every 2nd
# response over the limit sent truncated (slip), the others dropped
sed -i 's|^dns = {|dns = {\n\trate_limit = 5;|' "$TMP/rampart.conf"
"$RAMPART" reload >/dev/null 2>&1 || fail "reload with rate_limit"
wait_until 5 sh -c "'$RAMPART' dns zones | grep -q 'in service'" || fail "zones not in service"
drop0=$(counter drop_dns_rrl) slip0=$(counter dns_rrl_slipped)
out=$(ip netns exec lan python3 -c '
import socket, struct, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
q = struct.pack(">HHHHHH", 7, 0, 1, 0, 0, 0) + b"\x03www\x07example\x03org\x00" + struct.pack(">HH", 1, 1)
for i in range(60):
    s.sendto(q, ("198.18.1.1", 53))
s.settimeout(0.5)
full = tc = 0
try:
    while True:
        r = s.recv(2048)
        if r[2] & 0x02:
            tc += 1
        elif struct.unpack(">H", r[6:8])[0]:
            full += 1
except socket.timeout:
    pass
print(full, tc)')
read -r full tc <<<"$out"
[ "$full" -ge 1 ] && [ "$full" -le 10 ] || fail "rate limit 5/s: $full full answers of 60 (want 1-10)"
[ "$tc" -ge 1 ] || fail "rate limit: no truncated (slip) answer"
[ $(($(counter drop_dns_rrl) - drop0)) -ge 20 ] || fail "drop_dns_rrl did not count the drops"
[ $(($(counter dns_rrl_slipped) - slip0)) -eq "$tc" ] || fail "dns_rrl_slipped is not the $tc sent"
ok "rate limit 5/s: 60 queries at once: $full answered, $tc truncated (slip), the rest dropped"
ok "DNS fast path: all cases passed"
