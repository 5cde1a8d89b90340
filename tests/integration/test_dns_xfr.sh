#!/usr/bin/env bash
# Zone transfers out with NOTIFY: NSD in wan is a secondary of rampart. It
# transfers the zone whole (AXFR) at start; every change after (a reload of
# a changed zone file, a signed update) is announced by NOTIFY, and NSD
# fetches just the change (IXFR, RFC 1995) and answers as rampart does. An
# IXFR from a serial whose changes rampart no longer holds gets the whole
# zone; IXFR over UDP gets the SOA; a host not listed gets nothing.
. "$(dirname "$0")/lib.sh"
for t in nsd kdig knsupdate; do
	command -v $t >/dev/null || { echo "SKIP: $t not installed (make deps)"; exit 77; }
done

zone=$TMP/example.org.zone
write_zone() { # SERIAL EXTRA-LINES
	cat >"$zone" <<ZONE
\$ORIGIN example.org.
\$TTL 300
@      IN SOA ns1 hostmaster ( $1 3600 600 86400 300 )
       IN NS  ns1
ns1    IN A   198.18.1.1
www    IN A   192.0.2.80
       IN AAAA 2001:db8::80
alias  IN CNAME www
*.wild IN TXT "wildcard"
sub    IN NS  ns.sub
ns.sub IN A   192.0.2.99
$2
ZONE
}
write_zone 1000 ""
secret=$(head -c 32 /dev/urandom | base64)
copy_conf "$TMP/rampart.conf"
cat >>"$TMP/rampart.conf" <<CONF
dns = {
	keys = ( { name = "acme"; secret = "$secret"; } );
	zones = ( {
		name = "example.org"; file = "$zone"; transfer = [ "198.19.1.2", "2001:db8:2::2" ];
		notify = [ "198.19.1.2" ];
		update = ( { key = "acme"; names = [ "*.example.org" ]; types = [ "TXT", "A" ]; } );
	} );
};
CONF
lab_up "$TMP/rampart.conf"
wait_until 10 grep -q "dns: 1 zones in service" "$RUN/ctrl.log" ||
	fail "zones not in service: $(grep dns "$RUN/ctrl.log" | tail -3)"

mkdir -p "$TMP/nsd"
cat >"$TMP/nsd/nsd.conf" <<NSD
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
	verbosity: 2
	rrl-ratelimit: 0
remote-control:
	control-enable: no
zone:
	name: example.org
	zonefile: "$TMP/nsd/example.org.zone"
	request-xfr: 198.19.1.1 NOKEY
	allow-notify: 198.19.1.1 NOKEY
	allow-notify: 198.18.1.1 NOKEY
NSD
ip netns exec wan timeout 120 nsd -d -c "$TMP/nsd/nsd.conf" >"$TMP/nsd/out" 2>&1 &
CLEANUP_EXTRA="kill $! || true"

nsd_q() { ip netns exec wan kdig +timeout=1 +retry=0 +norec +short @198.19.1.2 "$@" 2>/dev/null || true; }
nsd_serial() { nsd_q example.org SOA | awk '{print $3}'; }
wait_until 20 sh -c "[ \"\$(ip netns exec wan kdig +timeout=1 +retry=0 +short @198.19.1.2 example.org SOA | awk '{print \$3}')\" = 1000 ]" ||
	fail "NSD did not transfer the zone: $(tail -5 "$TMP/nsd/nsd.log" "$TMP/nsd/out" 2>/dev/null)"
grep -q "AXFR of example.org to 198.19.1.2: serial 1000" "$RUN/ctrl.log" ||
	fail "no AXFR in ctrl's log: $(grep -i xfr "$RUN/ctrl.log" | tail -3)"
ok "NSD transferred the zone whole at start (AXFR, serial 1000)"

same_answers() {
	for qq in "www.example.org A" "www.example.org AAAA" "alias.example.org A" "nope.example.org A" \
		"x.wild.example.org TXT" "example.org SOA" "example.org NS" "$@"; do
		# shellcheck disable=SC2086
		a=$(nsd_q $qq | sort)
		# shellcheck disable=SC2086
		b=$(ip netns exec wan kdig +timeout=2 +retry=0 +norec +short @198.19.1.1 $qq | sort)
		[ "$a" = "$b" ] || fail "NSD and rampart differ for $qq: NSD \"$a\", rampart \"$b\""
	done
}

# --- a changed zone file, reloaded: NOTIFY, then IXFR
write_zone 1001 "new    IN A   192.0.2.77"
"$RAMPART" dns reload example.org >/dev/null || fail "dns reload"
wait_until 10 sh -c "ip netns exec wan kdig +timeout=1 +retry=0 +short @198.19.1.2 new.example.org A | grep -q 192.0.2.77" ||
	fail "NSD did not get the change: serial $(nsd_serial); $(tail -5 "$TMP/nsd/nsd.log")"
grep -q "IXFR of example.org to 198.19.1.2: serial 1000 to 1001" "$RUN/ctrl.log" ||
	fail "NSD did not ask for IXFR: $(grep -iE "xfr|notify" "$RUN/ctrl.log" | tail -4)"
same_answers "new.example.org A"
ok "reload of a changed zone: NOTIFY, NSD fetched the change by IXFR (1000 -> 1001) and answers as rampart"

# --- a signed update: NOTIFY, IXFR again; then a second reload removing a record
printf 'server 198.18.1.1\nzone example.org.\nupdate add _acme-challenge.example.org. 60 TXT "t1"\nsend\n' |
	ip netns exec lan knsupdate -t 3 -r 0 -y "hmac-sha256:acme:$secret" >/dev/null 2>&1 || fail "knsupdate"
wait_until 10 sh -c "ip netns exec wan kdig +timeout=1 +retry=0 +short @198.19.1.2 _acme-challenge.example.org TXT | grep -q t1" ||
	fail "NSD did not get the update: serial $(nsd_serial)"
grep -q "IXFR of example.org to 198.19.1.2: serial 1001 to 1002" "$RUN/ctrl.log" ||
	fail "no IXFR after the update: $(grep -iE "xfr|notify" "$RUN/ctrl.log" | tail -4)"
write_zone 1003 ""
"$RAMPART" dns reload example.org >/dev/null || fail "dns reload"
wait_until 10 sh -c "[ \"\$(ip netns exec wan kdig +timeout=1 +retry=0 +short @198.19.1.2 example.org SOA | awk '{print \$3}')\" = 1003 ]" ||
	fail "NSD did not get serial 1003: $(nsd_serial)"
[ -z "$(nsd_q new.example.org A)" ] || fail "the removed record is still at NSD"
same_answers "new.example.org A" "_acme-challenge.example.org TXT"
ok "signed update (1001 -> 1002) and a reload removing records (1002 -> 1003): NOTIFY and IXFR each time"

# --- IXFR asked by hand: from a serial held (the changes), from one not
# held (the whole zone), from the current one (the SOA alone), over UDP
x() { ip netns exec wan kdig +timeout=2 +retry=0 @198.19.1.1 "$@" 2>&1 || true; }
out=$(x +tcp example.org IXFR=1001)
[ "$(grep -cE "IN\s+SOA" <<<"$out")" = 6 ] || fail "IXFR=1001: want 6 SOA (2 changes): $out"
out=$(x +tcp example.org IXFR=7)
[ "$(grep -cE "IN\s+SOA" <<<"$out")" = 2 ] && grep -qE "^www\.example\.org\." <<<"$out" ||
	fail "IXFR=7: want the whole zone: $out"
out=$(x +tcp example.org IXFR=1003)
[ "$(grep -cE "IN\s+SOA" <<<"$out")" = 1 ] || fail "IXFR=1003: want the SOA alone: $out"
out=$(x +notcp example.org IXFR=1001)
grep -qE "IN\s+SOA.* 1003 " <<<"$out" || fail "IXFR over UDP: want the SOA: $out"
out=$(ip netns exec wan kdig +timeout=2 +retry=0 +tcp @2001:db8:2::1 example.org AXFR 2>&1 || true)
[ "$(grep -cE "IN\s+SOA" <<<"$out")" = 2 ] && grep -qE "^www\.example\.org\." <<<"$out" ||
	fail "AXFR over IPv6: $out"
out=$(ip netns exec lan kdig +timeout=2 +retry=0 +tcp @198.18.1.1 example.org IXFR=1001 2>&1 || true)
grep -q "REFUSED\|failed" <<<"$out" || fail "IXFR from a host not listed: $out"
ok "IXFR: 2 changes from 1001, the whole zone from an unknown serial, the SOA when current and over UDP; AXFR over IPv6; refused to lan"

# --- counters
out=$("$RAMPART" dns zones --json)
python3 - "$out" <<'PY' || fail "dns zones counters: $out"
import json, sys
z = json.loads(sys.argv[1])["zones"][0]
assert z["notify_answered"] >= 3 and z["notify_pending"] == 0, z
assert z["ixfr_out"] >= 3, z
assert z["changes_kept"] == 3 and z["oldest_serial"] == 1000, z
assert z["updates"] == 1, z
PY
ok "zone transfers: all cases passed"
