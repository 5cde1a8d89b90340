#!/usr/bin/env bash
# The CalDAV server of rampart-ctrl (docs/caldav.md) with real clients, in a
# network namespace of its own, ctrl without a dataplane:
#   - the config check refuses plain HTTP off loopback and https without a cert
#   - authentication (401), the /admin/ endpoints (enrolment, groups,
#     passwords; 403 without the admin password)
#   - python3-caldav (caldav_client.py): discovery, calendars, events (plain,
#     weekly in Europe/Berlin with an EXDATE, all-day), an edit, time-range
#     queries with and without expand, todos, a delete
#   - sharing with the RFC 3744 ACL method: a user, then a group; read, write;
#     a group's members changed; a user removed and enrolled again
#   - refusals that store nothing: malformed XML, malformed iCalendar, a UID
#     used twice, bodies too large, If-Match / If-None-Match, a lost race
#   - MOVE, COPY, DELETE of a calendar; sync tokens of a calendar made again
#   - history and revert through the CLI, seen by a client's next sync
#   - vdirsyncer syncing a local vdir both ways, with a conflict
#   - HTTPS with a CA made here: curl, python3-caldav; plain HTTP on the TLS
#     port and TLS 1.1 refused
#   - a restart of ctrl: data, rights and sync tokens still good
# Each check prints "ok: ..." or "FAIL: ..."; the test goes on after a failed
# check where it can and exits 1 at its end (at once when what follows cannot
# run). ctrl's log is printed on failure.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/tests/integration
BUILD=${BUILD:-$top/build}
CTRL=$BUILD/ctrl/rampart-ctrl
RAMPART=$BUILD/ctrl/rampart
PY=/usr/bin/python3 # python3-caldav is Debian's; a pyenv python3 may shadow it
CLIENT=$here/caldav_client.py

for tool in curl openssl vdirsyncer; do
	command -v $tool >/dev/null || { echo "SKIP: $tool not installed (make deps)"; exit 77; }
done
$PY -c 'import caldav' 2>/dev/null || { echo "SKIP: python3-caldav not installed (make deps)"; exit 77; }
[ -x "$CTRL" ] && [ -x "$RAMPART" ] || { echo "FAIL: no $CTRL or $RAMPART: build first" >&2; exit 1; }

NS=rp-caldav-$$
TMP=$(mktemp -d /tmp/rp-caldav.XXXXXX)
LOG=$TMP/ctrl.log
CONF=$TMP/rampart.conf
SOCK=$TMP/ctrl.sock
HTTP=http://127.0.0.1:5232
HTTPS=https://127.0.0.1:5233
ctrl_pid=
failures=0

stop_ctrl() {
	[ -n "$ctrl_pid" ] || return 0
	kill "$ctrl_pid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$ctrl_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$ctrl_pid" 2>/dev/null || true
	wait "$ctrl_pid" 2>/dev/null || true
	ctrl_pid=
}

cleanup() {
	local rc=$?
	[ $failures -gt 0 ] && [ $rc -eq 0 ] && rc=1
	stop_ctrl
	if [ $rc -ne 0 ] && [ -f "$LOG" ]; then
		echo "--- ctrl's log (last 80 lines):" >&2
		tail -80 "$LOG" >&2
	fi
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$TMP"
	exit $rc
}
trap cleanup EXIT
trap "exit 143" TERM
trap "exit 130" INT

fail() { echo "FAIL: $*" >&2; exit 1; }   # what follows cannot run
bad() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
nsx() { ip netns exec "$NS" "$@"; }

# req METHOD URLPATH USER:PASSWORD [curl args...]: one request to the HTTP
# port; prints the status; the body in $TMP/body, the headers in $TMP/hdr.
# AUTH "" sends none. BASE and CURL_TLS change the port and TLS options.
BASE=$HTTP
CURL_TLS=()
req() {
	local m=$1 p=$2 auth=$3
	shift 3
	local a=()
	[ -n "$auth" ] && a=(-u "$auth")
	nsx curl -sS -m 20 -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' -X "$m" "${a[@]}" \
		"${CURL_TLS[@]}" "$@" "$BASE$p"
}
# is GOT WANT WHAT: a status check; on failure the request's answer is shown
is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		bad "$3: HTTP $1, want $2: $(head -c 600 "$TMP/body" | tr '\n' ' ')"
	fi
}
# body_has REGEX WHAT
body_has() {
	if grep -qE -- "$1" "$TMP/body"; then ok "$2"; else bad "$2: body lacks /$1/: $(head -c 600 "$TMP/body" | tr '\n' ' ')"; fi
}
header() { tr -d '\r' <"$TMP/hdr" | sed -n "s/^$1: //Ip" | tail -1; }
# put_ics PATH AUTH FILE [curl args]: PUT a calendar object
put_ics() {
	local p=$1 auth=$2 f=$3
	shift 3
	req PUT "$p" "$auth" -H 'Content-Type: text/calendar; charset=utf-8' --data-binary "@$f" "$@"
}
# ics FILE UID SUMMARY: a small VEVENT, CRLF line ends
ics() {
	printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//rampart tests//curl//EN\r\nBEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:20250601T100000Z\r\nDTEND:20250601T110000Z\r\nSUMMARY:%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' \
		"$2" "$3" >"$1"
}
# hist PATH: "author|message" of each commit that changed PATH, newest first,
# a message's lines joined with " / " (one commit may hold several changes of
# one user: "3 changes by tim / / calendars/...: added VEVENT ... / ...")
hist() {
	"$RAMPART" -s "$SOCK" --json caldav history "$1" | $PY -c '
import json, sys
for e in json.load(sys.stdin)["history"]:
    print(e["author"] + "|" + " / ".join(e["message"].strip().splitlines()))'
}
# hist_has PATH N AUTHOR TEXT: the Nth commit (0 newest) of PATH is AUTHOR's and
# its message has TEXT; N "*": any commit
hist_has() {
	local h
	h=$(hist "$1")
	if [ "$2" = "*" ]; then
		grep -F "$3|" <<<"$h" | grep -qF -- "$4"
	else
		sed -n "$(($2 + 1))p" <<<"$h" | grep -F "$3|" | grep -qF -- "$4"
	fi
}
hist_commit() { # hist_commit PATH N: the commit id of the Nth change (0: newest)
	"$RAMPART" -s "$SOCK" --json caldav history "$1" | $PY -c '
import json, sys
print(json.load(sys.stdin)["history"][int(sys.argv[1])]["commit"])' "$2"
}
# hrefs: the hrefs of $TMP/body's responses, "HREF STATUS" (STATUS: a
# response's own status, or 200 for one with propstats)
hrefs() {
	$PY -c '
import sys, urllib.parse, xml.etree.ElementTree as ET
D = "{DAV:}"
for r in ET.parse(sys.argv[1]).getroot().iter(D + "response"):
    st = r.find(D + "status")
    code = st.text.split()[1] if st is not None else "200"
    print(urllib.parse.unquote(r.find(D + "href").text), code)' "$TMP/body" | sort
}
# others: the hrefs but the collection's own (the argument)
others() { hrefs | awk -v c="$1" '$1 != c'; }
sync_token_of() { # sync_token_of CALPATH AUTH: the collection's DAV:sync-token
	req PROPFIND "$1" "$2" -H 'Depth: 0' --data '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:sync-token/></D:prop></D:propfind>' >/dev/null
	$PY -c '
import sys, xml.etree.ElementTree as ET
print(ET.parse(sys.argv[1]).getroot().find(".//{DAV:}sync-token").text)' "$TMP/body"
}
sync_report() { # sync_report CALPATH AUTH TOKEN: RFC 6578 sync-collection; prints the status
	req REPORT "$1" "$2" -H 'Depth: 1' -H 'Content-Type: application/xml' --data "<?xml version=\"1.0\"?><D:sync-collection xmlns:D=\"DAV:\"><D:sync-token>$3</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>"
}
wait_ready() {
	for _ in $(seq 100); do
		[ "$(nsx curl -s -o /dev/null -w '%{http_code}' -X OPTIONS "$HTTP/" 2>/dev/null)" = 200 ] && return 0
		kill -0 "$ctrl_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
start_ctrl() {
	# not through nsx: $! must be ctrl's own pid (ip netns exec execs it)
	ip netns exec "$NS" "$CTRL" -c "$CONF" >>"$LOG" 2>&1 &
	ctrl_pid=$!
	wait_ready || fail "ctrl's CalDAV did not come up: $(tail -5 "$LOG")"
}

# ---- certificates: a CA, and a server certificate for 127.0.0.1 (IP SAN)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/ca.key" -out "$TMP/ca.pem" -days 2 \
	-subj "/CN=rampart test CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/srv.csr" \
	-subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$TMP/ext"
openssl x509 -req -in "$TMP/srv.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" -CAcreateserial \
	-out "$TMP/cert.pem" -days 2 -extfile "$TMP/ext" 2>/dev/null
ADMINPW=admin-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$ADMINPW" >"$TMP/admin.pw"
chmod 600 "$TMP/admin.pw"
mkdir -p "$TMP/state"

# conf FILE CALDAV-GROUP-BODY: a config with that caldav section
conf() {
	cat >"$1" <<CONF
dataplane = { socket = "$TMP/dp.sock"; };
ctrl = { socket = "$SOCK"; };
ports = ( { name = "lan"; devargs = "net_null0"; addresses = [ "198.18.1.1/24" ]; } );
firewall = { state_dir = "$TMP/state"; };
caldav = {
$2
};
CONF
}
conf "$CONF" '	http = "127.0.0.1:5232";
	https = "127.0.0.1:5233";
	cert = "cert.pem";
	key = "key.pem";
	data_dir = "data";
	admin_password_file = "admin.pw";'

# ---- the config check
out=$("$CTRL" --check -c "$CONF" 2>&1) && ok "--check: the test's config is good" ||
	bad "--check refuses the test's config: $out"
conf "$TMP/bad1.conf" '	http = "198.18.1.1:5232";
	data_dir = "data";'
line=$(grep -n 'http = "198.18.1.1:5232"' "$TMP/bad1.conf" | cut -d: -f1)
if out=$("$CTRL" --check -c "$TMP/bad1.conf" 2>&1); then
	bad "--check accepts plain HTTP on 198.18.1.1: $out"
elif grep -q "bad1.conf:$line" <<<"$out" && grep -qi "loopback" <<<"$out"; then
	ok "--check refuses http = \"198.18.1.1:5232\" at bad1.conf:$line: $(head -1 <<<"$out")"
else
	bad "--check on http = 198.18.1.1: want bad1.conf:$line and 'loopback': $out"
fi
conf "$TMP/bad2.conf" '	http = "127.0.0.1:5232";
	https = "127.0.0.1:5233";
	data_dir = "data";'
line=$(grep -n 'https = ' "$TMP/bad2.conf" | cut -d: -f1)
if out=$("$CTRL" --check -c "$TMP/bad2.conf" 2>&1); then
	bad "--check accepts https without a cert: $out"
elif grep -q "bad2.conf:$line" <<<"$out" && grep -qi "cert" <<<"$out"; then
	ok "--check refuses https without cert and key at bad2.conf:$line: $(head -1 <<<"$out")"
else
	bad "--check on https without cert: want bad2.conf:$line and 'cert': $out"
fi
[ ! -e "$TMP/data" ] && ok "--check wrote nothing (no data_dir made)" || bad "--check made $TMP/data"

# ---- ctrl in its namespace
ip netns add "$NS"
ip -n "$NS" link set lo up
start_ctrl
grep -q "caldav: serving http://127.0.0.1:5232 and https://127.0.0.1:5233" "$LOG" &&
	ok "ctrl serves CalDAV on 5232 and 5233 without a dataplane" ||
	bad "ctrl's log does not say it serves CalDAV: $(grep -i caldav "$LOG" | head -3)"

# ---- authentication and the admin endpoints
A="admin:$ADMINPW"
is "$(req PROPFIND / "" -H 'Depth: 0')" 401 "PROPFIND / without credentials: 401"
header WWW-Authenticate | grep '^Basic realm=' >/dev/null && ok "401 carries WWW-Authenticate: Basic" ||
	bad "401 without WWW-Authenticate Basic: $(cat "$TMP/hdr")"
is "$(req PUT /admin/users/mallory "" -d '{"password":"mallorypass"}')" 401 \
	"PUT /admin/users/mallory without credentials: 401"
is "$(req PUT /admin/users/mallory "admin:wrong-password-xx" -d '{"password":"mallorypass"}')" 401 \
	"PUT /admin/users/mallory with a wrong admin password: 401"
for u in tim bob carol dave vera; do
	is "$(req PUT /admin/users/$u "$A" -d "{\"password\":\"$u-password-1\"}")" 201 "enrol $u: 201"
done
is "$(req PUT /admin/users/mallory "tim:tim-password-1" -d '{"password":"mallorypass"}')" 403 \
	"PUT /admin/users/mallory as user tim (not the admin password): 403"
body_has "admin password" "the 403 says the admin password is needed"
is "$(req GET /admin/users "tim:tim-password-1")" 403 "GET /admin/users as tim: 403"
is "$(req PUT /admin/users/erin "$A" -d '{"password":"short"}')" 400 "enrol with a 5-character password: 400"
is "$(req PUT /admin/users/admin "$A" -d '{"password":"admin-password-1"}')" 400 "enrol a user named admin: 400"
is "$(req PUT /admin/groups/team "$A" -d '{"members":["bob","carol"]}')" 201 "group team = bob, carol: 201"
is "$(req PUT /admin/groups/ghosts "$A" -d '{"members":["bob","nobody"]}')" 400 "group with a member who is not a user: 400"
is "$(req GET /admin/users "$A")" 200 "GET /admin/users as admin: 200"
got=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(",".join(sorted(d["users"])), ",".join(sorted(d["groups"])), ",".join(d["groups"]["team"]["members"]))' "$TMP/body" 2>&1)
[ "$got" = "bob,carol,dave,tim,vera team bob,carol" ] && ok "users and groups listed: $got (no mallory, erin, ghosts)" ||
	bad "GET /admin/users: want 'bob,carol,dave,tim,vera team bob,carol', got: $got"
is "$(req PROPFIND / "tim:wrong-password" -H 'Depth: 0')" 401 "tim with a wrong password: 401"
is "$(req PROPFIND / "bob:tim-password-1" -H 'Depth: 0')" 401 "bob with tim's password: 401"
is "$(req PROPFIND / "nobody:tim-password-1" -H 'Depth: 0')" 401 "an unknown user: 401"
is "$(req PROPFIND / "tim:tim-password-1" -H 'Depth: 0')" 207 "tim with his password: 207"
code=$(req PROPFIND /.well-known/caldav "tim:tim-password-1" -H 'Depth: 0')
case $code in
301 | 302 | 307 | 308) [ "$(header Location)" = / ] || [ "$(header Location)" = "$HTTP/" ] &&
	ok "/.well-known/caldav redirects ($code) to $(header Location) (RFC 6764)" ||
	bad "/.well-known/caldav: Location $(header Location), want /" ;;
*) bad "/.well-known/caldav: HTTP $code, want a redirect to /" ;;
esac
# passwords: a user changes their own, not another's
is "$(req POST /admin/users/carol/password "bob:bob-password-1" -d '{"password":"carol-by-bob-1"}')" 403 \
	"bob changes carol's password: 403"
is "$(req POST /admin/users/carol/password "carol:carol-password-1" -d '{"password":"carol-password-2"}')" 200 \
	"carol changes her own password: 200"
is "$(req PROPFIND / "carol:carol-password-1" -H 'Depth: 0')" 401 "carol's old password: 401"
is "$(req PROPFIND / "carol:carol-password-2" -H 'Depth: 0')" 207 "carol's new password: 207"
is "$(req POST /admin/users/dave/password "$A" -d '{"password":"dave-password-2"}')" 200 \
	"the admin sets dave's password: 200"
is "$(req PROPFIND / "dave:dave-password-2" -H 'Depth: 0')" 207 "dave's new password: 207"
T=tim:tim-password-1 B=bob:bob-password-1 C=carol:carol-password-2 D=dave:dave-password-2

# ---- a real client: python3-caldav
if nsx $PY "$CLIENT" "$HTTP" tim tim-password-1 main; then
	ok "python3-caldav: all its checks passed"
else
	bad "python3-caldav: some checks failed (above)"
fi
W=/calendars/tim/work
[ "$(req GET $W/plain-1@rampart.test.ics "$T")" = 200 ] ||
	fail "the python client's event is not there, what follows needs it: $(cat "$TMP/body")"
cp "$TMP/body" "$TMP/plain-by-tim"
PL=calendars/tim/work/plain-1@rampart.test.ics
hist_has $PL 0 tim "$PL: changed VEVENT plain-1@rampart.test" &&
	hist_has $PL "*" tim "$PL: added VEVENT plain-1@rampart.test" &&
	ok "history of plain-1: added and changed, by tim" ||
	bad "history of plain-1: want tim's add and change: $(hist $PL)"
# allday-1 came and went within one commit perhaps (one user's changes of a
# second are one commit): its delete is in the whole history's messages
hist_has "" "*" tim "calendars/tim/work/allday-1@rampart.test.ics: deleted VEVENT allday-1@rampart.test" &&
	ok "history: allday-1 deleted by tim" || bad "history: no delete of allday-1 by tim: $(hist "" | head -3)"
hist_has calendars/tim/tasks "*" tim "calendars/tim/tasks: calendar created" &&
	hist_has calendars/tim/tasks 0 tim "todo-1@rampart.test.ics: changed VTODO todo-1@rampart.test" &&
	ok "history of tasks: created, the todo completed, by tim" || bad "history of tasks: $(hist calendars/tim/tasks)"

# ---- sharing: bob, then the group team
acl() { # acl CALPATH AUTH ACE...: each ACE "PRINCIPAL-HREF read|write"
	local p=$1 auth=$2 body='<?xml version="1.0" encoding="utf-8"?><D:acl xmlns:D="DAV:">'
	shift 2
	for ace in "$@"; do
		set -- $ace
		body+="<D:ace><D:principal><D:href>$1</D:href></D:principal><D:grant><D:privilege><D:$2/></D:privilege></D:grant></D:ace>"
	done
	req ACL "$p" "$auth" -H 'Content-Type: application/xml' --data "$body</D:acl>"
}
ics "$TMP/bob1.ics" bob-1@rampart.test "Bob's event"
is "$(req GET $W/plain-1@rampart.test.ics "$B")" 404 "bob GETs tim's event before a share: 404"
is "$(req PROPFIND $W/ "$B" -H 'Depth: 1')" 404 "bob PROPFINDs tim's calendar before a share: 404"
is "$(put_ics $W/bob-1.ics "$B" "$TMP/bob1.ics")" 404 "bob PUTs into tim's calendar before a share: 404"
is "$(acl $W/ "$B" "/principals/users/bob/ write")" 404 "bob sets an ACL on tim's calendar: 404"
is "$(acl $W/ "$T" "/principals/users/bob/ read")" 200 "tim shares work with bob, read: 200"
is "$(req GET $W/plain-1@rampart.test.ics "$B")" 200 "bob GETs tim's event after the share: 200"
cmp -s "$TMP/body" "$TMP/plain-by-tim" && ok "bob reads what tim reads" || bad "bob's GET differs from tim's"
is "$(req PROPFIND $W/ "$B" -H 'Depth: 1')" 207 "bob PROPFINDs tim's calendar: 207"
[ "$(hrefs | grep -c '\.ics 200')" = 2 ] && ok "bob's PROPFIND lists the two events" ||
	bad "bob's PROPFIND: $(hrefs)"
is "$(put_ics $W/bob-1.ics "$B" "$TMP/bob1.ics")" 403 "bob PUTs into the read-shared calendar: 403"
body_has "need-privileges" "the 403 is DAV:need-privileges"
is "$(req GET $W/bob-1.ics "$T")" 404 "the refused PUT stored nothing"
is "$(req DELETE $W/plain-1@rampart.test.ics "$B")" 403 "bob DELETEs in the read-shared calendar: 403"
is "$(acl $W/ "$B" "/principals/users/bob/ write")" 403 "bob (a reader) sets the ACL: 403"
is "$(req PROPPATCH $W/ "$B" --data '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>Bob was here</D:displayname></D:prop></D:set></D:propertyupdate>')" 403 \
	"bob (a reader) PROPPATCHes tim's calendar: 403"
is "$(acl $W/ "$T" "/principals/users/nobody/ read")" 403 "an ACL naming an unknown user: 403"
body_has "recognized-principal" "the 403 is DAV:recognized-principal"
is "$(req ACL $W/ "$T" --data '<D:acl xmlns:D="DAV:"><D:ace><D:principal><D:href>/principals/users/bob/</D:href></D:principal><D:deny><D:privilege><D:read/></D:privilege></D:deny></D:ace></D:acl>')" 403 \
	"an ACL with deny: 403"
is "$(req GET $W/plain-1@rampart.test.ics "$B")" 200 "the refused ACLs left bob's read share"
is "$(acl $W/ "$T" "/principals/users/bob/ write")" 200 "tim shares work with bob, write: 200"
is "$(put_ics $W/bob-1.ics "$B" "$TMP/bob1.ics")" 201 "bob PUTs into the write-shared calendar: 201"
is "$(req GET $W/bob-1.ics "$T")" 200 "tim reads bob's event"
req GET $W/plain-1@rampart.test.ics "$B" >/dev/null
etag=$(header ETag)
sed 's/^SUMMARY:.*/SUMMARY:Plain meeting (bob edited)\r/' "$TMP/body" >"$TMP/plain-by-bob"
is "$(put_ics $W/plain-1@rampart.test.ics "$B" "$TMP/plain-by-bob" -H "If-Match: $etag")" 204 \
	"bob edits tim's event with If-Match: 204"
hist_has $PL 0 bob "$PL: changed VEVENT plain-1@rampart.test" &&
	ok "history: bob's edit is by bob" || bad "history: newest change of plain-1: $(hist $PL | head -1)"
out=$("$RAMPART" -s "$SOCK" caldav history /calendars/tim/work/plain-1@rampart.test.ics --max 1 2>&1)
grep -qE "^[0-9a-f]{12} [0-9-]{10} [0-9:]{8} bob +(.*plain-1@rampart.test.ics: changed VEVENT|2 changes by bob)" <<<"$out" &&
	ok "rampart caldav history (a URL path, --max 1): $(head -1 <<<"$out")" || bad "rampart caldav history --max 1: $out"
n=$("$RAMPART" -s "$SOCK" --json caldav history calendars/tim/work --max 2 | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["history"]))')
[ "$n" = 2 ] && ok "history --max 2 gives 2 commits" || bad "history --max 2 gives $n commits"
hist_has calendars/tim/work/bob-1.ics 0 bob "calendars/tim/work/bob-1.ics: added VEVENT bob-1@rampart.test" &&
	ok "history: bob-1 added by bob" || bad "history of bob-1: $(hist calendars/tim/work/bob-1.ics)"
hist_has calendars/tim/work "*" tim "calendars/tim/work: ACL changed" && ok "history: the ACL changes, by tim" ||
	bad "history of work has no ACL change by tim: $(hist calendars/tim/work)"
is "$(req DELETE $W/ "$B")" 403 "bob (a writer) DELETEs tim's calendar: 403"
# group share
TC=/calendars/tim/teamcal
is "$(req MKCALENDAR $TC/ "$T")" 201 "tim makes teamcal: 201"
ics "$TMP/team1.ics" team-1@rampart.test "Team meeting"
is "$(put_ics $TC/team-1.ics "$T" "$TMP/team1.ics")" 201 "tim adds team-1"
is "$(req GET $TC/team-1.ics "$C")" 404 "carol before the group share: 404"
is "$(acl $TC/ "$T" "/principals/groups/team/ read")" 200 "tim shares teamcal with group team, read"
is "$(req GET $TC/team-1.ics "$C")" 200 "carol (in team) reads teamcal: 200"
is "$(req GET $TC/team-1.ics "$B")" 200 "bob (in team) reads teamcal: 200"
is "$(req GET $TC/team-1.ics "$D")" 404 "dave (not in team) reads teamcal: 404"
is "$(req PUT /admin/groups/team "$A" -d '{"members":["bob"]}')" 200 "the admin takes carol out of team: 200"
is "$(req GET $TC/team-1.ics "$C")" 404 "carol, out of team, reads teamcal: 404"
is "$(req GET $TC/team-1.ics "$B")" 200 "bob, still in team, reads teamcal: 200"
is "$(req PUT /admin/groups/team "$A" -d '{"members":["bob","carol"]}')" 200 "carol back in team: 200"
ics "$TMP/team2.ics" team-2@rampart.test "Carol's team item"
is "$(put_ics $TC/team-2.ics "$C" "$TMP/team2.ics")" 403 "carol writes to the read-shared teamcal: 403"
is "$(acl $TC/ "$T" "/principals/groups/team/ write")" 200 "tim gives group team write"
is "$(put_ics $TC/team-2.ics "$C" "$TMP/team2.ics")" 201 "carol writes to teamcal: 201"
is "$(put_ics $TC/team-2.ics "$D" "$TMP/team2.ics")" 404 "dave writes to teamcal: 404"
# a user removed and enrolled again under the same name is someone new: the
# old one's shares are not theirs
is "$(req PUT /admin/users/eve "$A" -d '{"password":"eve-password-1"}')" 201 "enrol eve"
is "$(acl $TC/ "$T" "/principals/groups/team/ write" "/principals/users/eve/ read")" 200 "tim shares teamcal with eve too"
is "$(req GET $TC/team-1.ics "eve:eve-password-1")" 200 "eve reads teamcal"
is "$(req DELETE /admin/users/eve "$A")" 200 "the admin removes eve: 200"
is "$(req PROPFIND / "eve:eve-password-1" -H 'Depth: 0')" 401 "  the removed eve cannot log in: 401"
is "$(req PUT /admin/users/eve "$A" -d '{"password":"eve-password-2"}')" 201 "a new user named eve is enrolled"
is "$(req GET $TC/team-1.ics "eve:eve-password-2")" 404 "  the new eve does not inherit the old eve's share: 404"
is "$(req DELETE /admin/users/eve "$A")" 200 "  and is removed"
is "$(acl $TC/ "$T")" 200 "tim clears teamcal's ACL"
is "$(req GET $TC/team-1.ics "$C")" 404 "carol after the share is withdrawn: 404"

# ---- refusals that store nothing
commits() { "$RAMPART" -s "$SOCK" --json caldav history | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["history"]))'; }
# malformed iCalendar goes to a calendar of its own: if one is stored by
# mistake, it does not break the clients' reads of work later
J=/calendars/tim/junk
is "$(req MKCALENDAR $J/ "$T")" 201 "tim makes junk, for the malformed objects"
n0=$(commits)
# malformed XML
is "$(req PROPFIND $W/ "$T" -H 'Depth: 0' --data '<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop>')" 400 \
	"PROPFIND with a truncated XML body: 400"
body_has "malformed XML" "the 400 says malformed XML"
is "$(req PROPPATCH $W/ "$T" --data '<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>Broken</D:prop></D:set></D:propertyupdate>')" 400 \
	"PROPPATCH with mismatched tags: 400"
is "$(req MKCALENDAR /calendars/tim/broken/ "$T" --data '<C:mkcalendar xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set>')" 400 \
	"MKCALENDAR with malformed XML: 400"
is "$(req PROPFIND /calendars/tim/broken/ "$T" -H 'Depth: 0')" 404 "the refused MKCALENDAR made no calendar"
is "$(req ACL $W/ "$T" --data '<D:acl xmlns:D="DAV:"><D:ace>')" 400 "ACL with malformed XML: 400"
is "$(req GET $W/plain-1@rampart.test.ics "$B")" 200 "the refused ACL kept bob's share"
is "$(req PROPFIND $W/ "$T" -H 'Depth: 0' --data '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&e;</D:displayname></D:prop></D:propfind>')" 400 \
	"PROPFIND with a DTD (external entity): 400"
! grep -q "root:" "$TMP/body" && ok "nothing of /etc/passwd in the answer" || bad "XXE: /etc/passwd leaked"
is "$(req PROPFIND $W/ "$T" -H 'Depth: 0' --data '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:displayname/></D:prop></D:propfind>')" 207 \
	"PROPFIND displayname"
body_has "<D:displayname>Work</D:displayname>" "displayname is still Work"
# malformed iCalendar: each is refused with a reason, nothing is stored
bad_ics() { # bad_ics NAME WHAT TEXT (\n become CRLF)
	printf '%b' "$3" | sed 's/$/\r/' >"$TMP/bad.ics"
	is "$(put_ics $J/$1.ics "$T" "$TMP/bad.ics")" 400 "malformed iCalendar ($2): 400"
	if grep -q "valid-calendar-object-resource" "$TMP/body" &&
		[ -n "$(sed -n 's:.*<D\:responsedescription>\(.*\)</D\:responsedescription>.*:\1:p' "$TMP/body")" ]; then
		ok "  the 400 says why: $(sed -n 's:.*<D\:responsedescription>\(.*\)</D\:responsedescription>.*:\1:p' "$TMP/body")"
	else
		bad "  the 400 for $2 does not say why: $(cat "$TMP/body")"
	fi
	is "$(req GET $J/$1.ics "$T")" 404 "  $1.ics was not stored"
}
H='BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//t//EN\n'
bad_ics nocal "not iCalendar at all" 'Hello, this is not a calendar\n'
bad_ics noend "no END:VCALENDAR" "${H}BEGIN:VEVENT\nUID:noend\nDTSTAMP:20250101T000000Z\nDTSTART:20250601T100000Z\nEND:VEVENT\n"
bad_ics nouid "a VEVENT without UID" "${H}BEGIN:VEVENT\nDTSTAMP:20250101T000000Z\nDTSTART:20250601T100000Z\nEND:VEVENT\nEND:VCALENDAR\n"
bad_ics baddate "DTSTART 2025-13-45" "${H}BEGIN:VEVENT\nUID:baddate\nDTSTAMP:20250101T000000Z\nDTSTART:20251345T100000Z\nEND:VEVENT\nEND:VCALENDAR\n"
bad_ics feb30 "DTSTART on 30 February" "${H}BEGIN:VEVENT\nUID:feb30\nDTSTAMP:20250101T000000Z\nDTSTART:20250230T100000Z\nEND:VEVENT\nEND:VCALENDAR\n"
bad_ics hour25 "DTSTART at 25:60" "${H}BEGIN:VEVENT\nUID:hour25\nDTSTAMP:20250101T000000Z\nDTSTART:20250601T256000Z\nEND:VEVENT\nEND:VCALENDAR\n"
bad_ics garbage "DTSTART garbage" "${H}BEGIN:VEVENT\nUID:garbage\nDTSTAMP:20250101T000000Z\nDTSTART:garbage\nEND:VEVENT\nEND:VCALENDAR\n"
bad_ics badrrule "RRULE:FREQ=SOMETIMES" "${H}BEGIN:VEVENT\nUID:badrrule\nDTSTAMP:20250101T000000Z\nDTSTART:20250601T100000Z\nRRULE:FREQ=SOMETIMES\nEND:VEVENT\nEND:VCALENDAR\n"
bad_ics badtz "an undefined TZID" "${H}BEGIN:VEVENT\nUID:badtz\nDTSTAMP:20250101T000000Z\nDTSTART;TZID=Mars/Olympus_Mons:20250601T100000\nEND:VEVENT\nEND:VCALENDAR\n"
bad_ics twouids "two UIDs in one object" "${H}BEGIN:VEVENT\nUID:one\nDTSTAMP:20250101T000000Z\nDTSTART:20250601T100000Z\nEND:VEVENT\nBEGIN:VEVENT\nUID:two\nDTSTAMP:20250101T000000Z\nDTSTART:20250602T100000Z\nEND:VEVENT\nEND:VCALENDAR\n"
bad_ics method "METHOD in a stored object" "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//t//EN\nMETHOD:REQUEST\nBEGIN:VEVENT\nUID:method\nDTSTAMP:20250101T000000Z\nDTSTART:20250601T100000Z\nEND:VEVENT\nEND:VCALENDAR\n"
bad_ics noversion "no VERSION" "BEGIN:VCALENDAR\nPRODID:-//t//t//EN\nBEGIN:VEVENT\nUID:noversion\nDTSTAMP:20250101T000000Z\nDTSTART:20250601T100000Z\nEND:VEVENT\nEND:VCALENDAR\n"
# a UID already used in the calendar
ics "$TMP/dup.ics" weekly-1@rampart.test "Same UID, other name"
is "$(put_ics $W/dup.ics "$T" "$TMP/dup.ics")" 409 "PUT of a second object with weekly-1's UID: 409"
body_has "no-uid-conflict" "the 409 is CALDAV:no-uid-conflict"
body_has "<D:href>/calendars/tim/work/weekly-1@rampart.test.ics</D:href>" "the 409 names the object that has the UID"
is "$(req GET $W/dup.ics "$T")" 404 "dup.ics was not stored"
# bodies too large: the request (max_body_kb 1024), the object (max_object_kb 256)
head -c $((1100 * 1024)) /dev/zero | tr '\0' 'x' >"$TMP/huge"
is "$(put_ics $W/huge.ics "$T" "$TMP/huge")" 413 "a 1100 KiB PUT body: 413"
is "$(put_ics $W/huge.ics "$T" "$TMP/huge" -H 'Transfer-Encoding: chunked')" 413 "a 1100 KiB PUT body, chunked (no Content-Length): 413"
{
	printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:big\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:20250601T100000Z\r\nSUMMARY:big\r\n'
	for _ in $(seq 4000); do printf 'COMMENT:%s\r\n' "$(printf '%070d' 0)"; done
	printf 'END:VEVENT\r\nEND:VCALENDAR\r\n'
} >"$TMP/big.ics"
is "$(put_ics $W/big.ics "$T" "$TMP/big.ics")" 413 "a valid $(($(stat -c %s "$TMP/big.ics") / 1024)) KiB object (over 256 KiB): 413"
body_has "max-resource-size" "the 413 is CALDAV:max-resource-size"
is "$(req GET $W/big.ics "$T")" 404 "big.ics was not stored"
is "$(req GET $W/huge.ics "$T")" 404 "huge.ics was not stored"
n1=$(commits)
[ "$n0" = "$n1" ] && ok "the refused requests made no commit ($n1 in history)" ||
	bad "the refused requests changed the history: $n0 -> $n1 commits"
# conditional requests
ics "$TMP/race.ics" race-1@rampart.test "Race start"
is "$(put_ics $W/race.ics "$T" "$TMP/race.ics" -H 'If-None-Match: *')" 201 "PUT race.ics with If-None-Match: * (new): 201"
etag=$(header ETag)
[ -n "$etag" ] && ok "the 201 has an ETag: $etag" || bad "no ETag on the 201"
is "$(put_ics $W/race.ics "$T" "$TMP/race.ics" -H 'If-None-Match: *')" 412 "PUT with If-None-Match: * on an existing object: 412"
ics "$TMP/race-x.ics" race-1@rampart.test "Wrong ETag"
is "$(put_ics $W/race.ics "$T" "$TMP/race-x.ics" -H 'If-Match: "0123456789abcdef0123456789abcdef"')" 412 \
	"PUT with a wrong If-Match: 412"
is "$(req DELETE $W/race.ics "$T" -H 'If-Match: "0123456789abcdef0123456789abcdef"')" 412 "DELETE with a wrong If-Match: 412"
is "$(req GET $W/race.ics "$T")" 200 "race.ics is still there"
body_has "SUMMARY:Race start" "race.ics is unchanged by the refused requests"
# two clients race: both read the ETag, both PUT with If-Match at once
is "$(req GET $W/race.ics "$T")" 200 "client A reads race.ics"
ea=$(header ETag)
is "$(req GET $W/race.ics "$B")" 200 "client B (bob, a writer) reads race.ics"
eb=$(header ETag)
[ "$ea" = "$eb" ] && [ "$ea" = "$etag" ] && ok "both hold ETag $ea" || bad "ETags differ: $etag $ea $eb"
ics "$TMP/race-a.ics" race-1@rampart.test "Client A wins"
ics "$TMP/race-b.ics" race-1@rampart.test "Client B wins"
put_one() { nsx curl -sS -m 20 -o /dev/null -w '%{http_code}' -X PUT -u "$2" -H 'Content-Type: text/calendar' \
	-H "If-Match: $ea" --data-binary "@$1" "$HTTP$W/race.ics" >"$1.code"; }
put_one "$TMP/race-a.ics" "$T" &
pa=$!
put_one "$TMP/race-b.ics" "$B" &
pb=$!
wait $pa $pb
codes="$(cat "$TMP/race-a.ics.code") $(cat "$TMP/race-b.ics.code")"
req GET $W/race.ics "$T" >/dev/null
case $codes in
"204 412") grep -q "Client A wins" "$TMP/body" && ok "race: A 204, B 412, A's version stored" || bad "race: A won but GET has: $(grep SUMMARY "$TMP/body")" ;;
"412 204") grep -q "Client B wins" "$TMP/body" && ok "race: B 204, A 412, B's version stored" || bad "race: B won but GET has: $(grep SUMMARY "$TMP/body")" ;;
*) bad "race: want one 204 and one 412, got $codes" ;;
esac
# the loser, sequentially too
is "$(put_ics $W/race.ics "$T" "$TMP/race-a.ics" -H "If-Match: $ea")" 412 "a PUT with the ETag from before the race: 412"

# ---- MOVE and COPY within tim's home; DELETE of a calendar
P=/calendars/tim/personal
is "$(req MKCALENDAR $P/ "$T")" 201 "tim makes personal: 201"
is "$(req MKCALENDAR $P/ "$T")" 405 "MKCALENDAR on an existing calendar: 405"
is "$(req COPY $W/race.ics "$T" -H "Destination: $HTTP$W/race-copy.ics")" 409 \
	"COPY within work (the copy would repeat the UID): 409"
is "$(req COPY $W/race.ics "$T" -H "Destination: $HTTP$P/race.ics")" 201 "COPY work/race.ics to personal/: 201"
req GET $W/race.ics "$T" >/dev/null && cp "$TMP/body" "$TMP/race-now"
is "$(req GET $P/race.ics "$T")" 200 "the copy is there"
cmp -s "$TMP/body" "$TMP/race-now" && ok "the copy has the same content" || bad "the copy differs"
is "$(req GET $W/race.ics "$T")" 200 "the source of the COPY is still there"
is "$(req COPY $W/race.ics "$T" -H "Destination: $HTTP$P/race.ics" -H 'Overwrite: F')" 412 "COPY onto an existing object with Overwrite: F: 412"
ics "$TMP/mv.ics" move-1@rampart.test "To be moved"
is "$(put_ics $W/move-me.ics "$T" "$TMP/mv.ics")" 201 "PUT move-me.ics"
is "$(req MOVE $W/move-me.ics "$T" -H "Destination: $HTTP$W/moved.ics")" 201 "MOVE move-me.ics to moved.ics (same calendar): 201"
is "$(req GET $W/move-me.ics "$T")" 404 "  the old name is gone"
is "$(req GET $W/moved.ics "$T")" 200 "  the new name is there"
is "$(req MOVE $W/moved.ics "$T" -H "Destination: $P/moved.ics")" 201 "MOVE moved.ics to personal/ (Destination a path): 201"
is "$(req GET $W/moved.ics "$T")" 404 "  gone from work"
is "$(req GET $P/moved.ics "$T")" 200 "  in personal"
body_has "UID:move-1@rampart.test" "  with its content"
ics "$TMP/ow-a.ics" ow-a@rampart.test "Overwrites ow-b"
ics "$TMP/ow-b.ics" ow-b@rampart.test "Is overwritten"
put_ics $W/ow-a.ics "$T" "$TMP/ow-a.ics" >/dev/null
put_ics $W/ow-b.ics "$T" "$TMP/ow-b.ics" >/dev/null
is "$(req MOVE $W/ow-a.ics "$T" -H "Destination: $HTTP$W/ow-b.ics" -H 'Overwrite: T')" 204 \
	"MOVE ow-a.ics onto the existing ow-b.ics in the same calendar, Overwrite: T: 204"
is "$(req GET $W/ow-b.ics "$T")" 200 "  ow-b.ics is there"
body_has "UID:ow-a@rampart.test" "  with ow-a's content"
is "$(req GET $W/ow-a.ics "$T")" 404 "  ow-a.ics is gone"
req DELETE $W/ow-a.ics "$T" >/dev/null
req DELETE $W/ow-b.ics "$T" >/dev/null
is "$(req MKCALENDAR /calendars/bob/own/ "$B")" 201 "bob makes his own calendar"
is "$(req MKCALENDAR /calendars/bob/other/ "$T")" 403 "tim makes a calendar in bob's home: 403"
is "$(req MOVE $P/moved.ics "$T" -H "Destination: $HTTP/calendars/bob/own/moved.ics")" 403 "MOVE into bob's home: 403"
is "$(req GET $P/moved.ics "$T")" 200 "  the refused MOVE left it"
ptok=$(sync_token_of $P/ "$T")
is "$(req DELETE $P/ "$T")" 204 "DELETE of the calendar personal: 204"
is "$(req PROPFIND $P/ "$T" -H 'Depth: 0')" 404 "  personal is gone"
is "$(req GET $P/race.ics "$T")" 404 "  with its objects"
hist_has calendars/tim/personal 0 tim "calendars/tim/personal: calendar deleted (2 objects)" &&
	ok "history: personal deleted by tim, 2 objects" || bad "history of personal: $(hist calendars/tim/personal | head -1)"
# a calendar made again under the same name is another collection: a client's
# token for the old one must not pass for it (RFC 6578 3.2: valid-sync-token)
is "$(req MKCALENDAR $P/ "$T")" 201 "tim makes personal again"
for i in 1 2 3 4 5; do
	ics "$TMP/p$i.ics" "p$i@rampart.test" "Personal $i"
	put_ics $P/p$i.ics "$T" "$TMP/p$i.ics" >/dev/null
done
is "$(sync_report $P/ "$T" "$ptok")" 403 "sync-collection on the new personal with the old one's token ($ptok): 403"
body_has "valid-sync-token" "  DAV:valid-sync-token"
is "$(sync_report $P/ "$T" "http://rampart.invalid/sync/999999")" 403 "sync-collection with a token from the future: 403"
body_has "valid-sync-token" "  DAV:valid-sync-token"
is "$(sync_report $P/ "$T" "")" 207 "sync-collection without a token (initial sync): 207"
[ "$(others $P/ | wc -l)" = 5 ] && ok "  lists the 5 objects" || bad "  initial sync: $(others $P/)"

# ---- history and revert
req GET $W/weekly-1@rampart.test.ics "$T" >/dev/null
cp "$TMP/body" "$TMP/weekly-before"
tok0=$(nsx $PY "$CLIENT" "$HTTP" tim tim-password-1 sync-token work) || fail "python sync-token: $tok0"
commits >/dev/null # history flushes tim's pending changes: the delete is a commit of its own
is "$(req DELETE $W/weekly-1@rampart.test.ics "$T")" 204 "tim deletes weekly-1: 204"
is "$(req GET $W/weekly-1@rampart.test.ics "$T")" 404 "  gone"
tok1=$(nsx $PY "$CLIENT" "$HTTP" tim tim-password-1 sync-token work) || fail "python sync-token: $tok1"
got=$(nsx $PY "$CLIENT" "$HTTP" tim tim-password-1 sync-since work "$tok0" | sed '/^token /d')
[ "$(cut -d' ' -f1,3 <<<"$got")" = "weekly-1@rampart.test.ics gone" ] && ok "python sync since before the delete: weekly-1 gone" ||
	bad "python sync since before the delete: [$got]"
WK=calendars/tim/work/weekly-1@rampart.test.ics
[ "$(hist $WK | head -1)" = "tim|$WK: deleted VEVENT weekly-1@rampart.test" ] &&
	ok "history: the delete, by tim, a commit of its own" || bad "history of weekly-1: $(hist $WK | head -1)"
if ! del=$(hist_commit $WK 0 2>&1); then
	bad "no history for weekly-1: the revert checks cannot run"
else
	if out=$("$RAMPART" -s "$SOCK" caldav revert "$del" 2>&1); then
		grep -q "^reverted $del as [0-9a-f]\{40\}" <<<"$out" && ok "revert of the delete: $out" || bad "revert output: $out"
	else
		bad "revert of the delete failed: $out"
	fi
	is "$(req GET $W/weekly-1@rampart.test.ics "$T")" 200 "weekly-1 is back"
	cmp -s "$TMP/body" "$TMP/weekly-before" && ok "  with the same content" || bad "  weekly-1 differs after the revert"
	[ "$(hist $WK | head -1)" = "admin|Revert ${del:0:12}: $WK: deleted VEVENT weekly-1@rampart.test" ] &&
		ok "history: the revert, by admin" || bad "history after the revert: $(hist $WK | head -1)"
	got=$(nsx $PY "$CLIENT" "$HTTP" tim tim-password-1 sync-since work "$tok1" | sed '/^token /d')
	[ "$(cut -d' ' -f1,3 <<<"$got")" = "weekly-1@rampart.test.ics loaded" ] &&
		ok "python sync since the delete: weekly-1 is back ($got)" || bad "python sync since the delete: [$got]"
	is "$(sync_report $W/ "$T" "$tok1")" 207 "sync-collection REPORT with the token from before the revert"
	[ "$(others $W/)" = "$W/weekly-1@rampart.test.ics 200" ] && ok "  lists weekly-1 only" ||
		bad "  sync-collection since the delete: $(hrefs)"
	is "$(req PROPFIND /calendars/tim/work/ "$T" -H 'Depth: 1' --data '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>')" 207 \
		"PROPFIND work after the revert"
	hrefs | grep "^$W/weekly-1@rampart.test.ics 200" >/dev/null && ok "  lists weekly-1" || bad "  PROPFIND after revert: $(hrefs)"
fi
# a revert of a change that was changed again since is refused
# plain-1's oldest commit (its add, perhaps with tim's change in one commit); bob changed it since
req GET $W/plain-1@rampart.test.ics "$T" >/dev/null
cp "$TMP/body" "$TMP/plain-now"
if ! added=$(hist_commit $PL -1 2>&1); then
	bad "no history for plain-1: the refused revert cannot be checked"
else
	n0=$(commits)
	if out=$("$RAMPART" -s "$SOCK" caldav revert "$added" 2>&1); then
		bad "revert of plain-1's first version, changed twice since, was accepted: $out"
	elif grep -q "changed again since" <<<"$out"; then
		ok "revert of an old change edited since is refused: $out"
	else
		bad "revert refused without a clear message: $out"
	fi
	req GET $W/plain-1@rampart.test.ics "$T" >/dev/null
	cmp -s "$TMP/body" "$TMP/plain-now" && ok "  plain-1 unchanged" || bad "  the refused revert changed plain-1"
	[ "$(commits)" = "$n0" ] && ok "  no commit made" || bad "  the refused revert made a commit"
fi
if out=$("$RAMPART" -s "$SOCK" caldav revert 0123456789abcdef0123456789abcdef01234567 2>&1); then
	bad "revert of a commit that does not exist was accepted: $out"
else
	ok "revert of an unknown commit is refused: $out"
fi

# ---- vdirsyncer, both ways, as vera
V=/calendars/vera/sync
VA=vera:vera-password-1
is "$(req MKCALENDAR $V/ "$VA")" 201 "vera makes the calendar sync"
mkdir -p "$TMP/vds/local"
vconf() { # vconf CONFLICT_RESOLUTION
	cat >"$TMP/vds/conf" <<VDS
[general]
status_path = "$TMP/vds/status/"

[pair cal]
a = "local"
b = "remote"
collections = ["from b"]
conflict_resolution = $1

[storage local]
type = "filesystem"
path = "$TMP/vds/local/"
fileext = ".ics"

[storage remote]
type = "caldav"
url = "$HTTP/"
username = "vera"
password = "vera-password-1"
VDS
}
vconf null
vds() { nsx vdirsyncer -c "$TMP/vds/conf" "$@" >"$TMP/vds/out" 2>&1; }
if vds discover < <(yes); then
	ok "vdirsyncer discover"
else
	fail "vdirsyncer discover: $(cat "$TMP/vds/out")"
fi
[ -d "$TMP/vds/local/sync" ] && ok "  made the local collection sync" || bad "  no local collection: $(cat "$TMP/vds/out")"
mkdir -p "$TMP/vds/local/sync"
L=$TMP/vds/local/sync
vsync() { if vds sync; then ok "vdirsyncer sync ($1)"; else bad "vdirsyncer sync ($1): $(cat "$TMP/vds/out")"; fi; }
vsync "empty"
# one event that stays: vdirsyncer refuses to sync a side that was emptied
ics "$TMP/keep.ics" keep-1 "Stays all along"
is "$(put_ics $V/keep-1.ics "$VA" "$TMP/keep.ics")" 201 "curl PUT keep-1 on the server"
vsync "keep-1 to local"
# local -> server
ics "$L/local-1.ics" local-1 "Made locally"
vsync "a local event"
is "$(req PROPFIND $V/ "$VA" -H 'Depth: 1')" 207 "PROPFIND vera's calendar"
lh=$(hrefs | awk -v k="$V/keep-1.ics" '/\.ics 200$/ && $1 != k {print $1}')
[ "$(wc -l <<<"$lh")" = 1 ] && [ -n "$lh" ] && ok "  one more object on the server: $lh" || bad "  objects on the server: [$lh]"
is "$(req GET "$lh" "$VA")" 200 "  GET it"
body_has "UID:local-1" "  the server has the local event"
body_has "SUMMARY:Made locally" "  with its summary"
# server -> local
ics "$TMP/server1.ics" server-1 "Made on the server"
is "$(put_ics $V/server-1.ics "$VA" "$TMP/server1.ics")" 201 "curl PUT server-1 on the server"
vsync "a server event"
sf=$(cd "$L" && for f in *.ics; do [ -f "$f" ] && grep -q "UID:server-1" "$f" && echo "$L/$f"; done; true)
[ -n "$sf" ] && grep -q "SUMMARY:Made on the server" "$sf" && ok "  the local vdir has server-1" ||
	bad "  server-1 not in the local vdir: $(ls "$L")"
# deletions both ways
rm -f "$L/local-1.ics"
vsync "a local delete"
is "$(req GET "$lh" "$VA")" 404 "  local-1 deleted on the server"
is "$(req DELETE $V/server-1.ics "$VA")" 204 "curl DELETE server-1"
vsync "a server delete"
[ -z "$(cd "$L" && grep -l "UID:server-1" ./*.ics 2>/dev/null)" ] && ok "  server-1 deleted locally" ||
	bad "  server-1 still local: $(ls "$L")"
# a conflict: both sides edit one event
ics "$TMP/both.ics" both-1 "Original"
is "$(put_ics $V/both-1.ics "$VA" "$TMP/both.ics")" 201 "curl PUT both-1"
vsync "both-1 to local"
bf=$(cd "$L" && for f in *.ics; do [ -f "$f" ] && grep -q "UID:both-1" "$f" && echo "$L/$f"; done; true)
[ -n "$bf" ] || fail "both-1 did not reach the local vdir: $(ls "$L"; cat "$TMP/vds/out")"
sed -i 's/^SUMMARY:.*/SUMMARY:Local edit\r/' "$bf"
ics "$TMP/both-s.ics" both-1 "Server edit"
is "$(put_ics $V/both-1.ics "$VA" "$TMP/both-s.ics")" 204 "curl PUT an edit of both-1 on the server"
if vds sync; then
	bad "vdirsyncer sync with both sides edited succeeded: $(cat "$TMP/vds/out")"
else
	grep -qi "conflict\|both items changed" "$TMP/vds/out" && ok "vdirsyncer reports the conflict: $(grep -i "conflict\|both" "$TMP/vds/out" | head -1)" ||
		bad "vdirsyncer failed without a conflict: $(cat "$TMP/vds/out")"
fi
grep -q "SUMMARY:Local edit" "$bf" && ok "  the local edit is kept" || bad "  the local edit was lost"
req GET $V/both-1.ics "$VA" >/dev/null
body_has "SUMMARY:Server edit" "  the server edit is kept"
vconf '"b wins"'
vsync "conflict_resolution = b wins"
grep -q "SUMMARY:Server edit" "$bf" && ok "  the server's edit won locally" || bad "  local after b wins: $(grep SUMMARY "$bf")"
req GET $V/both-1.ics "$VA" >/dev/null
body_has "SUMMARY:Server edit" "  and on the server"
vsync "nothing to do"
grep -qi "copying\|updating\|deleting" "$TMP/vds/out" && bad "  a sync with no change moved items: $(cat "$TMP/vds/out")" ||
	ok "  nothing copied, updated or deleted"

# ---- HTTPS
BASE=$HTTPS
CURL_TLS=(--cacert "$TMP/ca.pem")
is "$(req PROPFIND /calendars/tim/ "$T" -H 'Depth: 1')" 207 "https: PROPFIND tim's home with the test CA: 207"
hrefs | grep "^/calendars/tim/work/ 200" >/dev/null && ok "  lists work" || bad "  https PROPFIND: $(hrefs)"
is "$(req GET $W/race.ics "$T")" 200 "https: GET race.ics"
cp "$TMP/body" "$TMP/race-tls"
BASE=$HTTP
req GET $W/race.ics "$T" >/dev/null
cmp -s "$TMP/body" "$TMP/race-tls" && ok "  the same content as over http" || bad "  differs from http"
BASE=$HTTPS
is "$(req GET $W/race.ics "")" 401 "https: without credentials: 401"
CURL_TLS=()
if out=$(nsx curl -sS -m 10 -o /dev/null "$HTTPS/" 2>&1); then
	bad "https: curl accepted the server without the test CA"
else
	grep -qi "certificate" <<<"$out" && ok "https: without the CA the certificate is not trusted" || bad "https without CA: $out"
fi
if out=$(nsx curl -sS -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:5233/" 2>&1); then
	bad "plain HTTP on the https port got an HTTP answer: $out"
else
	ok "plain HTTP on the https port: no HTTP answer ($out)"
fi
# TLS 1.1 only: SECLEVEL=0 lets OpenSSL offer it, so a refusal is the server's
if out=$(nsx curl -sS -m 10 -o /dev/null --cacert "$TMP/ca.pem" --tlsv1.1 --tls-max 1.1 \
	--ciphers 'DEFAULT@SECLEVEL=0' "$HTTPS/" 2>&1); then
	bad "a TLS 1.1-only client was served"
else
	grep -qi "protocol version" <<<"$out" && ok "a TLS 1.1-only client is refused by the server: $out" ||
		bad "TLS 1.1 failed, but not with the server's protocol_version alert: $out"
fi
if out=$(nsx curl -sS -m 10 -o /dev/null -w '%{http_code}' --cacert "$TMP/ca.pem" --tlsv1.2 --tls-max 1.2 -u "$T" \
	-X PROPFIND -H 'Depth: 0' "$HTTPS/" 2>&1) && [ "$out" = 207 ]; then
	ok "a TLS 1.2 client is served"
else
	bad "TLS 1.2: $out"
fi
if nsx $PY "$CLIENT" "$HTTPS" tim tim-password-1 --ca "$TMP/ca.pem" https race-1@rampart.test; then
	ok "python3-caldav over https with ssl_verify_cert=CA"
else
	bad "python3-caldav over https (above)"
fi
BASE=$HTTP

# ---- a restart of ctrl
req PROPFIND $W/ "$T" -H 'Depth: 1' --data '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>' >/dev/null
before=$($PY -c '
import sys, xml.etree.ElementTree as ET
for r in ET.parse(sys.argv[1]).getroot().iter("{DAV:}response"):
    e = r.find(".//{DAV:}getetag")
    print(r.find("{DAV:}href").text, e.text if e is not None else "")' "$TMP/body" | sort)
tok=$(sync_token_of $W/ "$T")
vtok=$(sync_token_of $V/ "$VA")
stop_ctrl
if grep -qE "runtime error|AddressSanitizer|LeakSanitizer" "$LOG"; then
	bad "sanitizer report in ctrl's log: $(grep -E -A5 "runtime error|AddressSanitizer|LeakSanitizer" "$LOG" | head -20)"
fi
start_ctrl
ok "ctrl restarted"
req PROPFIND $W/ "$T" -H 'Depth: 1' --data '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>' >/dev/null
after=$($PY -c '
import sys, xml.etree.ElementTree as ET
for r in ET.parse(sys.argv[1]).getroot().iter("{DAV:}response"):
    e = r.find(".//{DAV:}getetag")
    print(r.find("{DAV:}href").text, e.text if e is not None else "")' "$TMP/body" | sort)
[ "$before" = "$after" ] && ok "after the restart: work has the same objects and ETags ($(grep -c ics <<<"$after") objects)" ||
	bad "after the restart work differs: before [$before] after [$after]"
[ "$(sync_token_of $W/ "$T")" = "$tok" ] && ok "  the same sync token" || bad "  sync token $tok -> $(sync_token_of $W/ "$T")"
is "$(req PROPFIND $W/ "$B" -H 'Depth: 0')" 207 "  bob's share survived"
is "$(req GET $TC/team-1.ics "$C")" 404 "  the withdrawn group share stayed withdrawn"
is "$(req PROPFIND / "$C" -H 'Depth: 0')" 207 "  carol's changed password works"
is "$(req PROPFIND / "carol:carol-password-1" -H 'Depth: 0')" 401 "  carol's old password does not"
is "$(req GET /admin/groups "$A")" 200 "  GET /admin/groups"
body_has '"team"' "  the group team is there"
is "$(sync_report $W/ "$T" "$tok")" 207 "  sync-collection with the token from before the restart: 207"
[ -z "$(others $W/)" ] && ok "  reports no change" || bad "  reports changes: $(hrefs)"
ics "$TMP/after.ics" after-1@rampart.test "After the restart"
is "$(put_ics $W/after-restart.ics "$T" "$TMP/after.ics")" 201 "  PUT after-restart.ics"
is "$(req DELETE $W/race.ics "$T")" 204 "  DELETE race.ics"
is "$(sync_report $W/ "$T" "$tok")" 207 "  sync-collection with the old token again"
got=$(others $W/ | tr '\n' ';')
[ "$got" = "$W/after-restart.ics 200;$W/race.ics 404;" ] && ok "  reports exactly the new object and the deleted one: $got" ||
	bad "  sync since before the restart: want after-restart.ics 200 and race.ics 404, got $got"
got=$(nsx $PY "$CLIENT" "$HTTP" tim tim-password-1 sync-since work "$tok" | sed '/^token /d' | cut -d' ' -f1,3 | tr '\n' ';')
[ "$got" = "after-restart.ics loaded;race.ics gone;" ] && ok "  python3-caldav's incremental sync agrees: $got" ||
	bad "  python3-caldav's sync since before the restart: $got"
vsync "after the restart"
grep -qi "copying\|updating\|deleting" "$TMP/vds/out" && bad "  vdirsyncer moved items after the restart: $(cat "$TMP/vds/out")" ||
	ok "  vdirsyncer: nothing to do"
[ "$(sync_token_of $V/ "$VA")" = "$vtok" ] && ok "  vera's calendar keeps its sync token" || bad "  vera's token changed"
out=$("$RAMPART" -s "$SOCK" caldav status 2>&1) || bad "rampart caldav status: $out"
grep -q "^5 users, 1 groups, " <<<"$out" && ok "rampart caldav status: $(sed -n 2p <<<"$out")" ||
	bad "rampart caldav status: $out"

stop_ctrl
if grep -qE "runtime error|AddressSanitizer|LeakSanitizer" "$LOG"; then
	bad "sanitizer report in ctrl's log: $(grep -E -A5 "runtime error|AddressSanitizer|LeakSanitizer" "$LOG" | head -20)"
fi
if [ $failures -gt 0 ]; then
	echo "FAIL: $failures checks failed" >&2
	exit 1
fi
ok "CalDAV: all cases passed"
