#!/usr/bin/env bash
# A bad configuration is refused whole, with file:line, by both programs'
# --check and by a live reload, and the running configuration stays.
. "$(dirname "$0")/lib.sh"
good="$TMP/rampart.conf"
copy_conf "$good"

# a gateway outside every connected prefix, on a known line
bad="$TMP/bad.conf"
sed 's|via = "198.19.1.2"|via = "192.0.2.77"|' "$good" >"$bad"
line=$(grep -n '192.0.2.77' "$bad" | head -1 | cut -d: -f1)
out=$("$CTRL" -c "$bad" --check 2>&1) && fail "ctrl --check accepted a bad config"
echo "$out" | grep -q "$bad:$line:" || fail "ctrl: no $bad:$line: in: $out"
ok "ctrl --check: $out"
out=$("$DATAPLANE" -c "$bad" --check 2>&1) && true
# the dataplane reads the same file with the same parser
echo "$out" | grep -q "$bad:$line:" || fail "dataplane: no $bad:$line: in: $out"
ok "dataplane --check: $out"

# a syntax error
syn="$TMP/syntax.conf"
sed 's|mtu = 1500;|mtu = = 1500;|' "$good" >"$syn"
out=$("$CTRL" -c "$syn" --check 2>&1) && fail "ctrl --check accepted a syntax error"
echo "$out" | grep -qE "$syn:[0-9]+:" || fail "syntax error without file:line: $out"
ok "syntax error: $out"

# a rule file with an error: ctrl --check names it with line and column, and
# writes nothing (no history under state_dir)
printf 'set default block\npass in on lan proto tcpp\n' >"$TMP/rules.conf"
out=$("$CTRL" -c "$good" --check 2>&1) && fail "ctrl --check accepted a bad rule file"
echo "$out" | grep -q "rules.conf:2:22: unknown protocol \"tcpp\"" || fail "rules error: $out"
[ -z "$(ls -A "$TMP/state" 2>/dev/null)" ] || fail "--check wrote under state_dir"
cp "$top/conf/rules.conf" "$TMP/rules.conf"
out=$("$CTRL" -c "$good" --check 2>&1) || fail "ctrl --check refused the good rules: $out"
echo "$out" | grep -q "rules OK" || fail "--check says nothing of the rules: $out"
ok "ctrl --check checks the rule file too: $(echo "$out" | tail -1)"

# a port that cannot start: the dataplane exits non-zero, naming it
nodev="$TMP/nodev.conf"
sed 's|iface=lan0|iface=nosuchif0|; s|punt = "rampart0"|punt = ""|; s|file_prefix = "rampart"|file_prefix = "rampart-nodev"|; s|hugepages = "auto"|hugepages = "off"|; s|/run/rampart/|'"$TMP"'/|' \
	"$good" >"$nodev"
pline=$(grep -n "nosuchif0" "$nodev" | cut -d: -f1)
pline=$(awk -v l="$pline" 'NR < l && /^[[:space:]]*\{/ { s = NR } END { print s }' "$nodev")
out=$(timeout 60 "$DATAPLANE" -c "$nodev" 2>&1) && fail "dataplane started with a missing interface"
echo "$out" | grep -q "rampart-dataplane: $nodev:$pline: port lan: no device" ||
	fail "no clear error for a port that cannot start: $(echo "$out" | tail -2)"
ok "port that cannot start: $(echo "$out" | tail -1)"

# live: a bad reload leaves the running configuration in service
lab_up "$good"
gen=$("$RAMPART" status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["dataplane"]["generation"])')
cp "$bad" "$good"
out=$("$RAMPART" reload 2>&1) && fail "reload of a bad config succeeded"
echo "$out" | grep -q ":$line:" || fail "reload error without the line: $out"
ok "reload refused: $out"
gen2=$("$RAMPART" status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["dataplane"]["generation"])')
[ "$gen" = "$gen2" ] || fail "generation changed after a refused reload ($gen -> $gen2)"
ip netns exec lan ping -c 2 -W 2 198.51.100.1 >/dev/null || fail "running routes lost"
ok "running configuration untouched (generation $gen)"
