# Shared by bench/run.sh and bench/fw.sh (sourced): the share of the machine
# busy with other work, and processes started under a time limit and stopped
# for sure. The caller sets RUN_LIMIT (seconds) and the array pids.

# Share of the cores busy with other work, over one second, while nothing of
# ours runs: figures measured next to a compiler or a fuzzer are not worth much.
busy_cores() {
	local a b
	a=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9; exit}' /proc/stat)
	sleep 1
	b=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9; exit}' /proc/stat)
	echo "$a $b" | awk -v n="$(nproc)" '{ t = $4 - $2; printf "%.2f", (t > 0 ? ($3 - $1) / t * n : 0) }'
}

# spawn NAME-OF-VAR LOG CMD...: start CMD under the time limit, remember it
spawn() {
	local var=$1 log=$2
	shift 2
	timeout -k 5 "$RUN_LIMIT" "$@" </dev/null >"$log" 2>&1 9>&- &
	pids+=($!)
	printf -v "$var" %s $!
}

# stop PID: TERM (timeout passes it on), KILL the group after 3 s; the exit
# status is left in STOP_RC
STOP_RC=0
stop() {
	local p=$1
	STOP_RC=0
	[ -n "$p" ] || return 0
	kill -TERM "$p" 2>/dev/null || true
	for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -KILL -- "-$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || STOP_RC=$?
}

# ---- added for bench/nat.sh ----

# stop_spawned: the cleanup of a bench script: TERM every process in pids
# (each is `timeout CMD`, which passes it on), wait up to 3 s for all of them,
# then KILL what is left, whole process groups.
stop_spawned() {
	local p alive
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for _ in $(seq 30); do
		alive=0
		for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for p in "${pids[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done
}

# json_str TEXT: TEXT as a JSON string
json_str() {
	jq -n --arg s "$1" '$s'
}

# stats_delta BEFORE AFTER: two replies of `rampart stats --json`; prints the
# counters that changed between them (AFTER - BEFORE) as one JSON object, and
# cycles_per_packet (busy_cycles / rx_pkts of the difference) when packets
# came in. Fails when either file is not a stats reply.
stats_delta() {
	jq -ce -n --slurpfile a "$1" --slurpfile b "$2" '
		($a[0].totals // error("no totals")) as $x
		| ($b[0].totals // error("no totals"))
		| with_entries(.value -= ($x[.key] // 0)) | with_entries(select(.value != 0))
		| if (.rx_pkts // 0) > 0 and .busy_cycles then
			. + {cycles_per_packet: (.busy_cycles / .rx_pkts)} else . end' 2>/dev/null
}

# bench_options NAME HELP_LAST ARGS...: the options of the side benchmarks
# (fw.sh, nat.sh, dns.sh): --quick (QUICK=1), --out DIR (OUT), --help (lines
# 2..HELP_LAST of the calling script's header); anything else is a usage
# error (exit 2)
bench_options() {
	local name=$1 help=$2
	shift 2
	while [ $# -gt 0 ]; do
		case $1 in
		--quick) QUICK=1 ;;
		--out)
			[ $# -ge 2 ] || { echo "$name: --out needs a directory" >&2; exit 2; }
			shift
			OUT=$1
			;;
		-h | --help) sed -n "2,${help}p" "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
		*) echo "$name: unknown option $1 (see --help)" >&2; exit 2 ;;
		esac
		shift
	done
}

# bench_bounded VAR SECONDS "$@": the whole script again under timeout (once:
# VAR, exported, says it runs bounded); its TERM runs the script's cleanup
bench_bounded() {
	local var=$1 limit=$2
	shift 2
	if [ -z "${!var:-}" ]; then
		export "$var"=1
		exec timeout --foreground -k 20 "$limit" "$0" "$@"
	fi
}

# bench_lock NAME: one bench at a time (two would share the cores and measure
# each other): take /run/lock/rampart-bench.lock on fd 9, waiting up to 10
# min, unless the caller holds it already (RAMPART_BENCH_LOCK_HELD=1)
bench_lock() {
	[ "${RAMPART_BENCH_LOCK_HELD:-0}" = 1 ] && return 0
	mkdir -p /run/lock
	exec 9>/run/lock/rampart-bench.lock
	if ! flock -n 9; then
		echo "$1: another bench run holds /run/lock/rampart-bench.lock; waiting up to 10 min"
		flock -w 600 9 || { echo "$1: still busy, giving up" >&2; exit 1; }
	fi
}

# dns_zone NAMES NS-ADDRESS: the DNS benchmarks' zone file (dns.sh over veth,
# run.sh's dns_memif): example.org with host0 .. host<NAMES-1>, an A and an
# AAAA each, a CNAME (www), a wildcard (*.wild), a delegation with glue (sub),
# and ns1 at NS-ADDRESS; the names rampart-dnsbench and rampart-pktgen --dns
# ask for
dns_zone() {
	local i
	# shellcheck disable=SC2016 # the zone file's own $ORIGIN and $TTL
	printf '$ORIGIN example.org.\n$TTL 300\n'
	printf '@ IN SOA ns1 hostmaster 1 3600 600 86400 300\n  IN NS ns1\nns1 IN A %s\n' "$2"
	printf 'www IN CNAME host0\n*.wild IN A 192.0.2.1\nsub IN NS ns.sub\nns.sub IN A 192.0.2.1\n'
	for i in $(seq 0 $(($1 - 1))); do
		printf 'host%d IN A 192.0.2.%d\nhost%d IN AAAA 2001:db8::%x\n' "$i" $((i % 256)) "$i" "$i"
	done
}
