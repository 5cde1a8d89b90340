#!/usr/bin/env bash
# The CalDAV benchmark (docs/bench.md, "CalDAV"): rampart-ctrl's CalDAV
# server against Radicale (Debian's), side by side in one run, in a network
# namespace of their own, the same events and the same client for both:
#
#   rpcd: bench/caldav_load.py (N processes, one keep-alive connection each), core 0
#         rampart-ctrl  http://127.0.0.1:5232/calendars/bench/cal/  core 1
#         Radicale      http://127.0.0.1:5233/bench/cal/            core 1
#
# Rows, each for both servers in turn:
#   put       PUT of ev00000.ics, ev00001.ics, ... into the empty calendar
#             (10 000 at most, PUT_DUR seconds at most); the rest of the
#             10 000 events is then written to each server's folder as a PUT
#             stores it (rampart is restarted to read them and commits them)
#   multiget  calendar-multiget of 50 random hrefs, getetag and calendar-data
#   week      calendar-query, VEVENTs in a time-range of one week (recurrences
#             expanded to match), getetag
#   day       the same, one day
#   propfind  PROPFIND Depth 1 on the calendar, getetag of all 10 000 (one
#             connection: Radicale takes half a minute an answer)
#   put10k    PUT of new events into the 10 000-event calendar
# Figures: requests (events) a second, the server's CPU time per request
# (/proc/PID/stat, utime+stime, before and after the row), the client's CPU
# (to show when the client is the bottleneck); the answers are compared
# (the same events for the same query on both servers, else the row fails).
# Every process runs under a time limit, the whole script too; on exit,
# failure or signal everything it started is stopped and its namespace and
# files removed. Results: caldav.md, caldav.json and raw/caldav.* in the
# report directory.
#
# Usage: bench/caldav.sh [--quick] [--perf] [--out DIR]
#   --quick   2 s rows, 2000 events (a smoke test, about a minute)
#   --perf    also record rampart-ctrl with perf during its rows
#             (raw/caldav.perf.ROW.txt)
#   --out     report directory (default bench/report)
# Environment: BUILD (build directory, default build/), CALDAV_BENCH_TIMEOUT
# (seconds for the whole run, default 420), CALDAV_CONC (client connections,
# default 4), RAMPART_BENCH_LOCK_HELD=1 when the caller (bench/run.sh)
# already holds /run/lock/rampart-bench.lock.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"

bench_bounded RAMPART_CALDAVBENCH_BOUNDED "${CALDAV_BENCH_TIMEOUT:-420}" "$@"

BUILD=${BUILD:-$top/build}
OUT=$top/bench/report
QUICK=0 PERF=0
args=()
for a in "$@"; do
	if [ "$a" = --perf ]; then PERF=1; else args+=("$a"); fi
done
bench_options "caldav bench" 39 "${args[@]+"${args[@]}"}"
[ "$(id -u)" -eq 0 ] || { echo "caldav bench: needs root (sudo bench/caldav.sh)" >&2; exit 1; }
CTRL=$BUILD/ctrl/rampart-ctrl
PY=/usr/bin/python3 # not a pyenv's: Radicale is Debian's, for Debian's Python
LOAD=$top/bench/caldav_load.py
[ -x "$CTRL" ] || { echo "caldav bench: $CTRL not built (make)" >&2; exit 1; }
for c in ip curl taskset; do
	command -v $c >/dev/null || { echo "caldav bench: $c not found" >&2; exit 1; }
done
"$PY" -c 'import radicale' 2>/dev/null ||
	{ echo "caldav bench: Radicale not found (apt-get install radicale)" >&2; exit 1; }
[ $PERF = 0 ] || command -v perf >/dev/null || { echo "caldav bench: --perf: no perf" >&2; exit 1; }

N=10000 DUR=10 PUT_DUR=20 PUT10K_MAX=1000 PUT10K_DUR=10
[ $QUICK = 1 ] && N=2000 DUR=2 PUT_DUR=3 PUT10K_MAX=100 PUT10K_DUR=2
CONC=${CALDAV_CONC:-4}
RUN_LIMIT=400 # seconds any one process may run
NS=rpcd
R_PORT=5232 X_PORT=5233
USER_PW=bench-password-1234
ADMIN_PW=bench-admin-password-1234
if [ "$(nproc)" -ge 2 ]; then CORE_CLI=0 CORE_SRV=1; else CORE_CLI=0 CORE_SRV=0; fi

bench_lock "caldav bench"
RUN=$(mktemp -d /run/rampart-caldavbench.XXXXXX)
RAW=$OUT/raw
mkdir -p "$RAW"
rm -f "$RAW"/caldav.* "$OUT/caldav.md" "$OUT/caldav.json"
pids=()
cleanup() {
	local rc=$?
	trap '' INT TERM
	trap - EXIT
	stop_spawned
	ip netns del $NS 2>/dev/null || true
	rm -rf "$RUN"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

in_ns() { ip netns exec $NS "$@"; }
ip netns del $NS 2>/dev/null || true
ip netns add $NS
ip -n $NS link set lo up

# ---- the servers

mkdir -p "$RUN/r/state" "$RUN/r/data" "$RUN/x/collections"
echo "$ADMIN_PW" >"$RUN/r/admin.pw"
chmod 600 "$RUN/r/admin.pw"
cat >"$RUN/r/rampart.conf" <<EOF
dataplane = { socket = "$RUN/r/dp.sock"; };
ctrl = { socket = "$RUN/r/ctrl.sock"; };
ports = ( { name = "lan"; devargs = "net_null0"; addresses = [ "198.18.1.1/24" ]; } );
firewall = { state_dir = "$RUN/r/state"; };
caldav = { http = "127.0.0.1:$R_PORT"; data_dir = "$RUN/r/data";
	admin_password_file = "$RUN/r/admin.pw"; max_objects = 0; };
EOF
# Radicale: no authentication (any user name, no password check: the
# cheapest it has), each user their own collections, warnings only
cat >"$RUN/x/radicale.conf" <<EOF
[server]
hosts = 127.0.0.1:$X_PORT
max_connections = 64
[auth]
type = none
[rights]
type = owner_only
[storage]
filesystem_folder = $RUN/x/collections
[web]
type = none
[logging]
level = warning
mask_passwords = True
EOF

# the server's own process (spawn's is timeout's; ip netns exec and taskset exec)
server_pid() {
	local p
	for _ in $(seq 50); do
		p=$(pgrep -P "$1" | head -1 || true)
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.1
	done
	return 1
}

# up PORT: the server answers OPTIONS within 30 s
up() {
	for _ in $(seq 300); do
		in_ns curl -s -o /dev/null -m 2 -X OPTIONS "http://127.0.0.1:$1/" && return 0
		sleep 0.1
	done
	return 1
}

R_TPID='' R_PID=''
start_rampart() { # log
	spawn R_TPID "$1" ip netns exec $NS taskset -c $CORE_SRV "$CTRL" -c "$RUN/r/rampart.conf"
	if ! R_PID=$(server_pid "$R_TPID") || ! up $R_PORT; then
		echo "caldav bench: rampart-ctrl did not come up: $(tail -3 "$1")" >&2
		exit 1
	fi
}
start_rampart "$RAW/caldav.rampart.log"
X_TPID='' X_PID=''
spawn X_TPID "$RAW/caldav.radicale.log" ip netns exec $NS taskset -c $CORE_SRV \
	"$PY" -m radicale -C "$RUN/x/radicale.conf"
if ! X_PID=$(server_pid "$X_TPID") || ! up $X_PORT; then
	echo "caldav bench: Radicale did not come up: $(tail -3 "$RAW/caldav.radicale.log")" >&2
	exit 1
fi

R_URL=http://127.0.0.1:$R_PORT X_URL=http://127.0.0.1:$X_PORT
R_COLL=/calendars/bench/cal/ X_COLL=/bench/cal/
code=$(in_ns curl -s -o "$RUN/enrol" -w '%{http_code}' -u "admin:$ADMIN_PW" -X PUT \
	-d "{\"password\":\"$USER_PW\"}" "$R_URL/admin/users/bench")
[ "${code:0:1}" = 2 ] || { echo "caldav bench: enrolling bench: $code $(cat "$RUN/enrol")" >&2; exit 1; }
for s in "$R_URL$R_COLL" "$X_URL$X_COLL"; do
	code=$(in_ns curl -s -o "$RUN/mkcal" -w '%{http_code}' -u "bench:$USER_PW" -X MKCALENDAR "$s")
	[ "$code" = 201 ] || { echo "caldav bench: MKCALENDAR $s: $code $(cat "$RUN/mkcal")" >&2; exit 1; }
done

# commits in rampart's history
commits() { git -C "$RUN/r/data" rev-list --count HEAD 2>/dev/null || echo 0; }
T0=$(date +%s)

# load SERVER ROW caldav_load.py-args...: one row against one server, its
# JSON in raw/caldav.ROW.SERVER.json
load() {
	local srv=$1 row=$2 cmd=$3 url coll pid perf_pid=''
	shift 3
	if [ "$srv" = rampart ]; then url=$R_URL coll=$R_COLL pid=$R_PID; else url=$X_URL coll=$X_COLL pid=$X_PID; fi
	if [ $PERF = 1 ] && [ "$srv" = rampart ] && [ "$row" != warm ]; then
		# DWARF call graphs: the release build has no frame pointers
		perf record -q --call-graph dwarf,16384 -F 499 -o "$RUN/perf.$row.data" -p "$pid" \
			>/dev/null 2>&1 &
		perf_pid=$!
		pids+=("$perf_pid")
		sleep 0.3
	fi
	timeout $((RUN_LIMIT / 2)) ip netns exec $NS taskset -c $CORE_CLI "$PY" "$LOAD" "$cmd" \
		--url "$url" --coll "$coll" --user bench --password "$USER_PW" --conc "$CONC" \
		--n "$N" --server-pid "$pid" "$@" >"$RAW/caldav.$row.$srv.json" 2>"$RAW/caldav.$row.$srv.err" ||
		echo '{"errors": ["the load generator failed: see raw/caldav.'"$row.$srv"'.err"]}' \
			>"$RAW/caldav.$row.$srv.json"
	if [ -n "$perf_pid" ]; then
		kill -INT "$perf_pid" 2>/dev/null || true
		wait "$perf_pid" 2>/dev/null || true
		perf report -q -i "$RUN/perf.$row.data" --children --percent-limit 1.5 \
			--stdio -g none >"$RAW/caldav.perf.$row.txt" 2>/dev/null || true
		rm -f "$RUN/perf.$row.data"
	fi
	"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1]));
print("  %4ss %-9s %-8s %8.1f /s  server %6s ms CPU/req  client %.2f, other %.2f cores  %s" % (sys.argv[4], sys.argv[2], sys.argv[3],
  d.get("rate", 0), "%.3f" % d["server_cpu_per_req_ms"] if d.get("server_cpu_per_req_ms") is not None else "-",
  d.get("client_busy", 0), d.get("other_busy", 0), "; ".join(d.get("errors", []))[:160]))' \
		"$RAW/caldav.$row.$srv.json" "$row" "$srv" $(($(date +%s) - T0))
}

BUSY_BEFORE=$(busy_cores)
echo "caldav bench: $N events, ${DUR} s rows, $CONC connections; client on core $CORE_CLI," \
	"servers on core $CORE_SRV; other load now: $BUSY_BEFORE of $(nproc) cores busy"

# ---- PUT into the empty calendar, then the rest of the events on disk
R_COMMITS0=$(commits)
for srv in rampart radicale; do
	load $srv put put --dur "$PUT_DUR"
done
stop "$R_TPID" # rampart commits what it has not yet committed on the way out
R_COMMITS_PUT=$(($(commits) - R_COMMITS0))
for d in "$RUN/r/data/calendars/bench/cal" "$RUN/x/collections/collection-root/bench/cal"; do
	[ -d "$d" ] || { echo "caldav bench: $d: no such calendar folder" >&2; exit 1; }
	"$PY" "$LOAD" fill --dir "$d" --n "$N" >>"$RAW/caldav.fill.json"
done
start_rampart "$RAW/caldav.rampart2.log"
# once, unmeasured: both read the events not yet read (rampart parses each
# once and keeps it; Radicale fills its cache folder, .Radicale.cache)
for srv in rampart radicale; do
	load $srv warm query --range week --dur 100 --max 1 --conc 1 >/dev/null
done

# ---- the rows over the 10 000 events
for srv in rampart radicale; do load $srv multiget multiget --dur "$DUR"; done
for srv in rampart radicale; do load $srv week query --range week --dur "$DUR"; done
for srv in rampart radicale; do load $srv day query --range day --dur "$DUR"; done
# one connection: a Radicale answer takes tens of seconds at 10 000 events
for srv in rampart radicale; do load $srv propfind propfind --dur "$DUR" --conc 1; done
for srv in rampart radicale; do
	load $srv put10k put --first "$N" --max "$PUT10K_MAX" --dur "$PUT10K_DUR"
done
BUSY_AFTER=$(busy_cores)
R_COMMITS=$(commits)

# ---- the report
"$PY" - "$RAW" "$OUT" <<EOF
import json, os, sys, time
raw, out = sys.argv[1], sys.argv[2]
N, DUR, CONC, TARGET = $N, $DUR, $CONC, 5.0
def get(row, srv):
    try:
        return json.load(open(os.path.join(raw, "caldav.%s.%s.json" % (row, srv))))
    except Exception as e:
        return {"errors": ["no result: %s" % e]}
rows = [("put", "PUT, empty calendar (events/s)"),
        ("multiget", "calendar-multiget, 50 hrefs (requests/s)"),
        ("week", "calendar-query, one week (requests/s)"),
        ("day", "calendar-query, one day (requests/s)"),
        ("propfind", "PROPFIND Depth 1, %d getetags (requests/s)" % N),
        ("put10k", "PUT into the %d-event calendar (events/s)" % N)]
res, lines = [], []
all_ok = True
for row, title in rows:
    r, x = get(row, "rampart"), get(row, "radicale")
    problems = []
    for name, d in (("rampart", r), ("Radicale", x)):
        if d.get("errors"):
            problems.append("%s: %s" % (name, "; ".join(d["errors"])[:300]))
        if not d.get("ok"):
            problems.append("%s: no request answered" % name)
        if d.get("missing"):
            problems.append("%s: %d objects missing from multiget answers" % (name, d["missing"]))
        for what in ("results", "counts"):
            for key, seen in d.get(what, {}).items():
                if len(seen) > 1:
                    problems.append("%s: different answers to the same %s: %s" % (name, key, seen))
    answers = {}
    for name, d in (("rampart", r), ("radicale", x)):
        for what in ("results", "counts"):
            for key, seen in d.get(what, {}).items():
                answers.setdefault(what + ":" + key, {})[name] = sorted(seen)
    match = None
    for key, a in answers.items():
        if len(a) == 2:
            same = a["rampart"] == a["radicale"]
            match = same if match is None else (match and same)
            if not same:
                problems.append("answers differ: rampart %s, Radicale %s (events:digest)" % (a["rampart"], a["radicale"]))
    rr, xr = r.get("rate") or 0, x.get("rate") or 0
    ratio = rr / xr if xr else None
    cr, cx = r.get("server_cpu_per_req_ms"), x.get("server_cpu_per_req_ms")
    cratio = cx / cr if cr and cx else None
    ok = not problems
    all_ok = all_ok and ok
    res.append({"row": row, "title": title, "rampart": r, "radicale": x, "ratio": ratio,
                "cpu_ratio": cratio, "target_met": bool(ok and ratio and ratio >= TARGET),
                "answers": answers, "problems": problems, "ok": ok})
def f(v, p=None):
    if v is None:
        return "-"
    if p is None:  # three significant digits or so
        p = "%.0f" if v >= 100 else "%.1f" if v >= 10 else "%.2f" if v >= 1 else "%.3f"
    return p % v
def events(d, row):
    if row.startswith("put"):
        return "%d stored" % d.get("ok", 0)
    if row == "multiget":
        return "%d objects/s" % (d.get("objects", 0) / d["seconds"]) if d.get("seconds") else "-"
    for seen in d.get("counts", {}).values():
        return "/".join(sorted(seen)) + " events"
    return "-"
L = lines.append
L("## CalDAV (%s, %d cores, %d connections, %d s rows)" % (time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()), os.cpu_count(), CONC, DUR))
L("")
L("rampart-ctrl against Radicale on %d events (client on core 0, each server alone on core 1). Other load: $BUSY_BEFORE cores busy before, $BUSY_AFTER after." % N)
L("")
L("| row | rampart | Radicale | rampart / Radicale | target 5x | rampart CPU ms/req | Radicale CPU ms/req | CPU ratio | answers (rampart ; Radicale) | client cores (r ; R) | other load, cores (r ; R) |")
L("|---|---:|---:|---:|---|---:|---:|---:|---|---|---|")
for e in res:
    r, x = e["rampart"], e["radicale"]
    L("| %s | %s | %s | %s | %s | %s | %s | %s | %s ; %s | %s ; %s | %s ; %s |" % (
        e["title"], f(r.get("rate")), f(x.get("rate")), (f(e["ratio"]) + "x" if e["ratio"] else "-"),
        ("met" if e["target_met"] else "**not met**") if e["ok"] else "**FAILED**",
        f(r.get("server_cpu_per_req_ms")), f(x.get("server_cpu_per_req_ms")), (f(e["cpu_ratio"]) + "x" if e["cpu_ratio"] else "-"),
        events(r, e["row"]), events(x, e["row"]), f(r.get("client_busy"), "%.2f"), f(x.get("client_busy"), "%.2f"),
        f(r.get("other_busy"), "%.2f"), f(x.get("other_busy"), "%.2f")))
L("")
for e in res:
    for p in e["problems"]:
        L("- %s: %s" % (e["row"], p))
L("")
L("rampart: HTTP Basic, argon2id checked once then remembered by a keyed hash; every change on disk (fsync) before the answer and in git history, committed in batches (the PUT row's %d events: $R_COMMITS_PUT commits; $R_COMMITS in the whole run). Radicale 3 (Debian), auth type none (the cheapest), fsync on (its default), storage multifilesystem. The PUT row runs %d s at most per server from an empty calendar (each server's count differs: Radicale's PUT cost grows with the calendar, so it is measured on a smaller one); the events left are then written to each server's folder as a PUT stores them." % (res[0]["rampart"].get("ok", 0), $PUT_DUR))
L("CPU ms/req: the server's utime+stime over the row / requests answered (/proc/PID/stat). Client cores: the load generator's CPU over the row; near 1.0 means the client, not the server, set the rate. Other load: the cores busy with anything but the server and the client during the row (/proc/stat; other work on this machine slows the server it shares core 1 with, which CPU ms/req does not show).")
if $PERF:
    L("With --perf: rampart's rows ran under perf record (DWARF call graphs), which slows it; its figures here are not comparable.")
text = "\n".join(lines) + "\n"
open(os.path.join(out, "caldav.md"), "w").write(text)
json.dump({"rows": res, "events": N, "duration_s": DUR, "connections": CONC,
           "other_busy_cores_before": float("$BUSY_BEFORE"), "other_busy_cores_after": float("$BUSY_AFTER"),
           "rampart_commits": "$R_COMMITS", "all_ok": all_ok}, open(os.path.join(out, "caldav.json"), "w"), indent=1)
sys.stdout.write(text)
sys.exit(0 if all_ok else 3)
EOF
