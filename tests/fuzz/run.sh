#!/usr/bin/env bash
# Run every libFuzzer target built in BUILD/tests/fuzz for SECONDS each, on a
# copy of its seed corpus (tests/fuzz/corpus/<target>/). Fails on any crash.
# Usage: tests/fuzz/run.sh BUILD SECONDS
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd) seconds=${2:-30}
rc=0
export LSAN_OPTIONS="suppressions=$top/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
for t in "$build"/tests/fuzz/*_fuzz; do
	[ -x "$t" ] || continue
	name=$(basename "$t" _fuzz)
	work=$(mktemp -d)
	[ -d "$top/tests/fuzz/corpus/$name" ] && cp -r "$top/tests/fuzz/corpus/$name/." "$work/"
	echo "== $name: $seconds s"
	if ! (cd "$work" && "$t" -max_total_time="$seconds" -print_final_stats=1 "$work" 2>&1 | tail -12); then
		rc=1
	fi
	ls "$work"/crash-* >/dev/null 2>&1 && { echo "$name: crash found"; rc=1; }
	rm -rf "$work"
done
exit $rc
