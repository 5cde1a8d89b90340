#!/usr/bin/env bash
# Run the unit tests (Criterion, each binary's own summary shown) and the
# integration tests (tests/integration/test_*.sh, root only: without root they
# are reported as skipped, never as passed). Ends with "N passed, N failed".
# Usage: tests/run.sh BUILD_DIR. TESTS_ONLY=unit|integration narrows the run;
# TESTS_SKIP="test_a test_b" leaves integration tests out (TESTS_SKIP_WHY says
# why in the SKIP line).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
only=${TESTS_ONLY:-}
passed=0 failed=0 skipped=0
failures=()

if [ "$only" != integration ]; then
	echo "== unit tests"
	for t in $(find "$build/tests/unit" -maxdepth 2 -type f -name 'test_*' -perm -u+x 2>/dev/null | sort); do
		out=$("$t" --jobs 1 2>&1)
		rc=$?
		echo "$out" | grep -E '^\[----\]|Synthesis|FAIL|CRASH' | tail -20
		p=$(echo "$out" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p' | tail -1)
		f=$(echo "$out" | sed -n 's/.*Failing: \([0-9]*\) | Crashing: \([0-9]*\).*/\1 \2/p' | tail -1)
		passed=$((passed + ${p:-0}))
		if [ -n "$f" ]; then
			set -- $f
			failed=$((failed + $1 + $2))
			[ $(($1 + $2)) -gt 0 ] && failures+=("$(basename "$t")")
		elif [ $rc -ne 0 ]; then
			failed=$((failed + 1))
			failures+=("$(basename "$t") (exit $rc)")
			echo "$out" | tail -20
		fi
		[ $rc -ne 0 ] && [ -z "$f" ] || true
	done
fi

if [ -z "$only" ] && [ -n "${FUZZ_BUILD:-}" ] && [ -d "$FUZZ_BUILD/tests/fuzz" ]; then
	FUZZ_BUILD=$(cd "$FUZZ_BUILD" && pwd)
	echo "== fuzz targets (${FUZZ_SECONDS:-10} s each)"
	for t in "$FUZZ_BUILD"/tests/fuzz/*_fuzz; do
		name=$(basename "$t")
		work=$(mktemp -d)
		corpus="$top/tests/fuzz/corpus/${name%_fuzz}"
		[ -d "$corpus" ] && cp -r "$corpus/." "$work/"
		if (cd "$work" && LSAN_OPTIONS=suppressions=$top/tests/fuzz/lsan.supp \
			"$t" -max_total_time="${FUZZ_SECONDS:-10}" "$work" >"$work/log" 2>&1); then
			echo "PASS $name ($(grep -o 'Done [0-9]* runs' "$work/log"))"
			passed=$((passed + 1))
		else
			echo "FAIL $name"
			grep -E "ERROR|SUMMARY|#0|#1|#2" "$work/log" | head -10 | sed 's/^/    /'
			failed=$((failed + 1))
			failures+=("$name")
		fi
		rm -rf "$work"
	done
fi

if [ "$only" != unit ]; then
	echo "== integration tests"
	for t in "$top"/tests/integration/test_*.sh; do
		name=$(basename "$t" .sh)
		case " ${TESTS_SKIP:-} " in
		*" $name "*)
			echo "SKIP $name (TESTS_SKIP: ${TESTS_SKIP_WHY:-asked})"
			skipped=$((skipped + 1))
			continue
			;;
		esac
		if [ "$(id -u)" -ne 0 ]; then
			echo "SKIP $name (needs root: network namespaces)"
			skipped=$((skipped + 1))
			continue
		fi
		log=$(mktemp)
		start=$(date +%s)
		rm -f /run/rampart-lab/dataplane.log /run/rampart-lab/ctrl.log
		BUILD="$build" timeout 300 bash "$t" >"$log" 2>&1
		rc=$?
		# a sanitizer build reports in the lab's logs and goes on: count it
		if [ $rc -eq 0 ] && grep -qsE "runtime error|AddressSanitizer|LeakSanitizer" \
			/run/rampart-lab/dataplane.log /run/rampart-lab/ctrl.log; then
			grep -hsE -A6 "runtime error|AddressSanitizer|LeakSanitizer" \
				/run/rampart-lab/dataplane.log /run/rampart-lab/ctrl.log >>"$log"
			rc=1
		fi
		if [ $rc -eq 0 ]; then
			echo "PASS $name ($(( $(date +%s) - start ))s)"
			passed=$((passed + 1))
		elif [ $rc -eq 77 ]; then
			echo "SKIP $name: $(grep SKIP "$log" | head -1)"
			skipped=$((skipped + 1))
		else
			echo "FAIL $name ($(( $(date +%s) - start ))s)"
			sed 's/^/    /' "$log" | tail -40
			failed=$((failed + 1))
			failures+=("$name")
		fi
		rm -f "$log"
	done
	"$top/scripts/lab.sh" down >/dev/null 2>&1 || true
fi

[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
[ $skipped -gt 0 ] && echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
