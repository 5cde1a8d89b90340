#!/usr/bin/env bash
# rampart as a secondary of a Knot primary in wan: the zone comes whole at
# start (AXFR) and is answered by the fast path; a change at the primary (a
# dynamic update to Knot) is announced by Knot's NOTIFY and fetched as a
# change (IXFR); rampart then answers as Knot does. A NOTIFY from a host
# that is not the primary is refused; the transferred copy is kept in the
# zone's file and served at once after a restart of ctrl.
. "$(dirname "$0")/lib.sh"
for t in knotd knotc kdig knsupdate; do
	command -v $t >/dev/null || { echo "SKIP: $t not installed (make deps)"; exit 77; }
done

K=$TMP/knot
mkdir -p "$K/db"
cat >"$K/example.net.zone" <<'ZONE'
$ORIGIN example.net.
$TTL 300
@      IN SOA ns1 hostmaster ( 1 3600 600 86400 300 )
       IN NS  ns1
ns1    IN A   198.19.1.2
www    IN A   192.0.2.10
       IN AAAA 2001:db8::10
mail   IN MX  10 mx1
mx1    IN A   192.0.2.25
alias  IN CNAME www
*.wild IN TXT "wild"
txt    IN TXT "v=spf1 -all"
ZONE
cat >"$K/knot.conf" <<KNOT
server:
    listen: 198.19.1.2@53
    rundir: "$K"
    pidfile: "$K/knot.pid"
control:
    listen: "$K/knot.sock"
log:
  - target: "$K/knot.log"
    any: info
database:
    storage: "$K/db"
remote:
  - id: rampart
    address: 198.19.1.1@53
acl:
  - id: rampart
    address: [ 198.19.1.1, 198.18.1.1 ]
    action: transfer
  - id: local-update
    address: 198.19.1.2
    action: update
template:
  - id: default
    storage: "$K"
    zonefile-sync: -1
    journal-content: changes
zone:
  - domain: example.net
    file: example.net.zone
    notify: rampart
    acl: [ rampart, local-update ]
KNOT
copy_conf "$TMP/rampart.conf"
cat >>"$TMP/rampart.conf" <<CONF
dns = {
	zones = ( { name = "example.net"; file = "$TMP/example.net.zone"; primaries = [ "198.19.1.2" ]; } );
};
CONF
lab_up "$TMP/rampart.conf"
ip netns exec wan timeout 120 knotd -c "$K/knot.conf" >"$K/out" 2>&1 &
CLEANUP_EXTRA="kill $! || true"
wait_until 10 sh -c "ip netns exec wan kdig +timeout=1 +retry=0 @198.19.1.2 example.net SOA | grep -q NOERROR" ||
	fail "knotd did not start: $(tail -5 "$K/out" "$K/knot.log" 2>/dev/null)"

"$RAMPART" dns reload example.net >/dev/null 2>&1 || true # ask the primary now

r_q() { ip netns exec lan kdig +timeout=1 +retry=0 +norec +short @198.18.1.1 "$@" 2>/dev/null || true; }
k_q() { ip netns exec wan kdig +timeout=1 +retry=0 +norec +short @198.19.1.2 "$@" 2>/dev/null || true; }
wait_until 20 sh -c "ip netns exec lan kdig +timeout=1 +retry=0 +short @198.18.1.1 www.example.net A | grep -q 192.0.2.10" ||
	fail "no first transfer: $(grep dns "$RUN/ctrl.log" | tail -4)"
grep -q "dns: zone example.net: AXFR from 198.19.1.2, serial 0 -> 1" "$RUN/ctrl.log" ||
	fail "ctrl's log: $(grep dns "$RUN/ctrl.log" | tail -4)"
[ -s "$TMP/example.net.zone" ] || fail "the transferred copy was not written"
ok "first transfer from Knot (AXFR, serial 1), answered by the fast path, copy saved"

same_answers() {
	for qq in "www.example.net A" "www.example.net AAAA" "mail.example.net MX" "alias.example.net A" \
		"nope.example.net A" "x.wild.example.net TXT" "txt.example.net TXT" "example.net SOA" \
		"example.net NS" "$@"; do
		# shellcheck disable=SC2086
		a=$(k_q $qq | sort)
		# shellcheck disable=SC2086
		b=$(r_q $qq | sort)
		[ "$a" = "$b" ] || fail "Knot and rampart differ for $qq: Knot \"$a\", rampart \"$b\""
	done
}
same_answers
ok "rampart answers as Knot for 9 queries"

# --- a change at the primary: NOTIFY, IXFR
printf 'server 198.19.1.2\nzone example.net.\nupdate add new.example.net. 300 A 192.0.2.77\nupdate delete txt.example.net. TXT\nsend\n' |
	ip netns exec wan knsupdate -t 3 -r 0 >/dev/null 2>&1 || fail "knsupdate to Knot"
[ "$(k_q example.net SOA | awk '{print $3}')" = 2 ] || fail "Knot did not take the update"
wait_until 10 sh -c "ip netns exec lan kdig +timeout=1 +retry=0 +short @198.18.1.1 new.example.net A | grep -q 192.0.2.77" ||
	fail "rampart did not get the change: $(grep dns "$RUN/ctrl.log" | tail -4)"
grep -q "NOTIFY for example.net from 198.19.1.2" "$RUN/ctrl.log" &&
	grep -q "dns: zone example.net: IXFR from 198.19.1.2, serial 1 -> 2" "$RUN/ctrl.log" ||
	fail "want NOTIFY then IXFR: $(grep dns "$RUN/ctrl.log" | tail -4)"
same_answers "new.example.net A"
ok "update at Knot (serial 2): NOTIFY, IXFR 1 -> 2, the same answers (a record added, one removed)"

# --- a NOTIFY from a host that is not the primary
out=$(ip netns exec lan python3 -c '
import socket, struct
q = struct.pack(">HHHHHH", 77, 0x2400, 1, 0, 0, 0) + b"\x07example\x03net\x00" + struct.pack(">HH", 6, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(q, ("198.18.1.1", 53))
r = s.recv(512)
print(r[3] & 0xf)')
[ "$out" = 5 ] || fail "NOTIFY from lan: want REFUSED (5), got $out"
ok "NOTIFY from a host that is not the primary: REFUSED"

# --- ctrl restarted: the saved copy is served before any transfer
kill "$(cat "$RUN/ctrl.pid")"
sleep 0.5
ip netns exec rampart "$CTRL" -c "$TMP/rampart.conf" >>"$RUN/ctrl.log" 2>&1 &
echo $! >"$RUN/ctrl.pid"
wait_until 20 sh -c "'$RAMPART' status --json | grep -q '\"in_sync\": true'" || fail "ctrl did not come back"
grep -q "dns: zone example.net loaded from $TMP/example.net.zone: .* serial 2" "$RUN/ctrl.log" ||
	fail "the saved copy was not loaded: $(grep dns "$RUN/ctrl.log" | tail -4)"
same_answers "new.example.net A"
out=$("$RAMPART" dns zones --json)
python3 - "$out" <<'PY' || fail "dns zones: $out"
import json, sys
z = json.loads(sys.argv[1])["zones"][0]
assert z["role"] == "secondary" and z["serial"] == 2 and z["served"], z
PY
ok "rampart as a secondary of Knot: all cases passed"
