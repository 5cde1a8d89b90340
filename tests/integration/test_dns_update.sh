#!/usr/bin/env bash
# Dynamic updates (RFC 2136) with TSIG (RFC 8945), made with Knot's
# knsupdate from the lan host: a good key adds and deletes what its rights
# name (the serial goes up, the fast path answers the change at once, the
# journal has it, the zone file is written back and survives a restart of
# ctrl); a wrong secret, an unknown key, an unsigned update and a key
# without rights for a name or a type are refused and change nothing.
. "$(dirname "$0")/lib.sh"
command -v knsupdate >/dev/null || { echo "SKIP: knsupdate not installed (make deps)"; exit 77; }

zone=$TMP/example.org.zone
cat >"$zone" <<'ZONE'
$ORIGIN example.org.
$TTL 300
@      IN SOA ns1 hostmaster ( 100 3600 600 86400 300 )
       IN NS  ns1
ns1    IN A   198.18.1.1
www    IN A   192.0.2.80
ZONE
secret=$(head -c 32 /dev/urandom | base64)
other=$(head -c 32 /dev/urandom | base64)
copy_conf "$TMP/rampart.conf"
cat >>"$TMP/rampart.conf" <<CONF
dns = {
	keys = (
		{ name = "acme"; algorithm = "hmac-sha256"; secret = "$secret"; },
		{ name = "ops"; algorithm = "hmac-sha512"; secret = "$other"; }
	);
	zones = ( {
		name = "example.org"; file = "$zone";
		update = (
			{ key = "acme"; names = [ "_acme-challenge.example.org", "*.dyn.example.org" ]; types = [ "TXT" ]; },
			{ key = "ops"; names = [ "*.example.org" ]; }
		);
	} );
};
CONF
lab_up "$TMP/rampart.conf"
wait_until 10 grep -q "dns: 1 zones in service" "$RUN/ctrl.log" ||
	fail "zones not in service: $(grep dns "$RUN/ctrl.log" | tail -3)"

q() { ip netns exec lan kdig +timeout=2 +retry=0 +norec "$@" 2>&1 || true; }
serial() { q @198.18.1.1 +short example.org SOA | awk '{print $3}'; }
# upd KEYSPEC COMMANDS...: one update from lan; prints knsupdate's output
upd() {
	local key=$1
	shift
	{
		echo "server 198.18.1.1"
		echo "zone example.org."
		printf '%s\n' "$@"
		echo "send"
	} | ip netns exec lan timeout 10 knsupdate -t 3 -r 0 ${key:+-y "$key"} 2>&1
}

# --- a good key adds a TXT record: served by the fast path, serial 101
out=$(upd "hmac-sha256:acme:$secret" 'update add _acme-challenge.example.org. 60 TXT "token-1"') ||
	fail "update with the acme key: $out"
out=$(q @198.18.1.1 _acme-challenge.example.org TXT)
grep -q '"token-1"' <<<"$out" || fail "the added TXT is not served: $out"
[ "$(serial)" = 101 ] || fail "serial after one update: $(serial), want 101"
ok "acme key: TXT added, answered by the fast path, serial 100 -> 101"

# a second value, and a name below dyn
upd "hmac-sha256:acme:$secret" 'update add _acme-challenge.example.org. 60 TXT "token-2"' \
	'update add host1.dyn.example.org. 60 TXT "x"' >/dev/null || fail "second update"
[ "$(q @198.18.1.1 +short _acme-challenge.example.org TXT | wc -l)" = 2 ] ||
	fail "want 2 TXT values: $(q @198.18.1.1 _acme-challenge.example.org TXT)"
[ "$(serial)" = 102 ] || fail "serial: $(serial), want 102"

# --- refused, and nothing changes
for case in "wrong secret|hmac-sha256:acme:$other|update add _acme-challenge.example.org. 60 TXT \"evil\"" \
	"unknown key|hmac-sha256:nobody:$secret|update add _acme-challenge.example.org. 60 TXT \"evil\"" \
	"unsigned||update add _acme-challenge.example.org. 60 TXT \"evil\"" \
	"name outside the key's rights|hmac-sha256:acme:$secret|update add www.example.org. 60 TXT \"evil\"" \
	"type outside the key's rights|hmac-sha256:acme:$secret|update add _acme-challenge.example.org. 60 A 192.0.2.66" \
	"the zone's SOA|hmac-sha256:acme:$secret|update delete example.org. SOA"; do
	IFS='|' read -r what key cmd <<<"$case"
	if out=$(upd "$key" "$cmd"); then
		fail "$what: the update was accepted: $out"
	fi
	grep -qiE "NOTAUTH|REFUSED|BADKEY|BADSIG" <<<"$out" || fail "$what: no refusal rcode: $out"
	[ "$(serial)" = 102 ] || fail "$what: the serial moved: $(serial)"
done
grep -q 'not signed' "$RUN/ctrl.log" && grep -q 'bad signature' "$RUN/ctrl.log" &&
	grep -q 'unknown key' "$RUN/ctrl.log" && grep -q 'may not change www.example.org' "$RUN/ctrl.log" ||
	fail "refusals not logged: $(grep UPDATE "$RUN/ctrl.log" | tail -6)"
out=$(q @198.18.1.1 www.example.org TXT)
grep -q "ANSWER: 0" <<<"$out" || fail "a refused update left a record: $out"
ok "refused with NOTAUTH/REFUSED and logged: wrong secret, unknown key, unsigned, name and type outside the rights, the SOA"

# --- another key with its own rights (every name, every type; sha512)
upd "hmac-sha512:ops:$other" 'update delete www.example.org. A' \
	'update add www.example.org. 120 A 192.0.2.90' >/dev/null || fail "ops: replace www A"
out=$(q @198.18.1.1 www.example.org A)
grep -qE "120\s+IN\s+A\s+192\.0\.2\.90" <<<"$out" && ! grep -q "192.0.2.80" <<<"$out" ||
	fail "www A after the replace: $out"
# prerequisites: "www must not exist" fails (YXDOMAIN), nothing changes
if out=$(upd "hmac-sha512:ops:$other" 'prereq nxdomain www.example.org.' \
	'update add www.example.org. 120 A 192.0.2.91'); then
	fail "prerequisite nxdomain on an existing name passed: $out"
fi
grep -q "YXDOMAIN" <<<"$out" || fail "prerequisite: want YXDOMAIN: $out"
[ "$(serial)" = 103 ] || fail "serial after the ops update: $(serial), want 103"
ok "ops key (hmac-sha512): www A replaced; a failed prerequisite (YXDOMAIN) changes nothing"

# --- delete, then the journal and the zone file
upd "hmac-sha256:acme:$secret" 'update delete _acme-challenge.example.org. TXT "token-1"' >/dev/null ||
	fail "delete one TXT"
[ "$(q @198.18.1.1 +short _acme-challenge.example.org TXT)" = '"token-2"' ] ||
	fail "after deleting token-1: $(q @198.18.1.1 _acme-challenge.example.org TXT)"
j=$TMP/state/dns/example.org.journal
[ "$(grep -c '^; .* serial ' "$j")" = 4 ] || fail "journal: want 4 changes: $(cat "$j")"
grep -q '^-_acme-challenge.example.org.*"token-1"' "$j" && grep -q "by key acme\. from 198\.18\.1\.2" "$j" ||
	fail "journal: the deletion or the key is missing: $(cat "$j")"
grep -q '"token-2"' "$zone" && ! grep -q '"token-1"' "$zone" && grep -qE "SOA.* 104 " "$zone" ||
	fail "zone file not written back: $(cat "$zone")"
ok "delete; journal has 4 changes with key and address; zone file written back at serial 104"

# --- the change survives a restart of ctrl
kill "$(cat "$RUN/ctrl.pid")"
sleep 0.5
ip netns exec rampart "$CTRL" -c "$TMP/rampart.conf" >>"$RUN/ctrl.log" 2>&1 &
echo $! >"$RUN/ctrl.pid"
wait_until 20 sh -c "'$RAMPART' status --json | grep -q '\"in_sync\": true'" || fail "ctrl did not come back"
wait_until 10 sh -c "ip netns exec lan kdig +timeout=1 +retry=0 +short @198.18.1.1 host1.dyn.example.org TXT | grep -q x" ||
	fail "after a restart: $(q @198.18.1.1 host1.dyn.example.org TXT)"
[ "$(serial)" = 104 ] || fail "serial after a restart: $(serial)"
out=$("$RAMPART" dns zones --json 2>&1)
ok "ctrl restarted: the updated zone is served at serial 104"
ok "dynamic updates: all cases passed"
