# Shared by the integration tests: bring the lab up, tear it down on any exit,
# and small assertions. Sourced, not run.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$top/build}
export LAB_BUILD=$BUILD LAB_QUIET=1
RAMPART="$BUILD/ctrl/rampart"
CTRL="$BUILD/ctrl/rampart-ctrl"
DATAPLANE="$BUILD/dataplane/rampart-dataplane"
RUN=/run/rampart-lab
TMP=$(mktemp -d)

cleanup() {
	local rc=$?
	[ -n "${CLEANUP_EXTRA:-}" ] && eval "$CLEANUP_EXTRA" >/dev/null 2>&1
	"$top/scripts/lab.sh" down >/dev/null 2>&1 || true
	rm -rf "$TMP"
	return $rc
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# copy_conf DEST: conf/rampart.conf to DEST and its rules.conf beside it, the
# firewall's state kept in the test's directory (never in /var/lib/rampart)
copy_conf() {
	cp "$top/conf/rampart.conf" "$1"
	cp "$top/conf/rules.conf" "$(dirname "$1")/rules.conf"
	mkdir -p "$TMP/state"
	sed -i "s|^[[:space:]]*# state_dir = .*|\tstate_dir = \"$TMP/state\";|" "$1"
	grep -q "state_dir = \"$TMP/state\"" "$1" || fail "copy_conf: no state_dir line in $1"
}

# add_tenant_port CONF NAME TAP ADDRESS: one more port in CONF's ports, the
# TAP of a tenant (docs/sandbox.md); the lab makes the TAP
add_tenant_port() {
	python3 - "$@" <<'PY'
import re, sys
path, name, tap, addr = sys.argv[1:5]
s = open(path).read()
n = len(re.findall(r"devargs\s*=", s[s.index("ports = ("):]))
port = """	{
		name = "%s";
		devargs = "net_af_packet%d,iface=%s,qpairs=1";
		addresses = [ "%s" ];
		mtu = 1500;
	}""" % (name, n, tap, addr)
i = s.index("ports = (")
j = s.index("\n);", i)
open(path, "w").write(s[:j] + ",\n" + port + s[j:])
PY
}

# lab_up [CONF]: the lab with CONF, or with a copy of conf/rampart.conf
lab_up() {
	local conf=${1:-}
	if [ -z "$conf" ]; then
		conf=$TMP/lab.conf
		copy_conf "$conf"
	fi
	LAB_CONF=$conf "$top/scripts/lab.sh" up
}

# counter NAME: a dataplane counter summed over workers, from the CLI's JSON
counter() {
	"$RAMPART" stats --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
t = d.get("totals") or d.get("total") or {}
print(t.get(sys.argv[1], 0))' "$1"
}

# wait_until SECONDS COMMAND...: poll until COMMAND succeeds
wait_until() {
	local t=$1
	shift
	for _ in $(seq $((t * 10))); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
