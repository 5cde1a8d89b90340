#!/usr/bin/env bash
# rampart-tender with the example tenants: hello (command line, clocks,
# yield, exit status), kv (a key-value store on a block device: kept
# across runs, one tenant's device unseen by another), the jail seen from
# outside while a tenant runs (nobody, no capability, seccomp, no new
# privileges, namespaces of its own, an empty root, only its descriptors),
# every refusal of the tender, and the hostile tenant: each forbidden thing
# ends it with SIGSYS (SIGSEGV past its memory), reported on the console
# by name, and changes nothing.
. "$(dirname "$0")/lib.sh"
TENDER=$BUILD/sandbox/rampart-tender
T=$BUILD/sandbox/tenants
# an ASan build of the tender must leave SIGSEGV to the kernel
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0:handle_sigbus=0"

# --- hello
out=$("$TENDER" "$T/hello.tenant" -- sleep=20 exit=7 2>&1) && rc=0 || rc=$?
[ $rc = 7 ] || fail "hello: exit status $rc, want 7: $out"
grep -q 'hello from a tenant: cmdline "sleep=20 exit=7"' <<<"$out" || fail "hello: $out"
us=$(sed -n 's/^slept \([0-9]*\) us.*/\1/p' <<<"$out")
[ "${us:-0}" -ge 20000 ] || fail "hello: slept $us us, want at least 20000 (yield)"
ok "hello: command line, a 20 ms yield, exit status 7"

# --- kv: data kept across runs, two devices kept apart
truncate -s 64K "$TMP/a.img" "$TMP/b.img"
kv() { local img=$1; shift; "$TENDER" --block:storage="$img" "$T/kv.tenant" "$@" 2>&1; }
kv "$TMP/a.img" set color blue >/dev/null || fail "kv set"
kv "$TMP/a.img" set size 42 >/dev/null || fail "kv set"
kv "$TMP/b.img" set color red >/dev/null || fail "kv set on b"
[ "$(kv "$TMP/a.img" get color)" = "color=blue" ] || fail "kv get: $(kv "$TMP/a.img" get color)"
[ "$(kv "$TMP/b.img" get color)" = "color=red" ] || fail "kv b: $(kv "$TMP/b.img" get color)"
kv "$TMP/a.img" del size >/dev/null || fail "kv del"
[ "$(kv "$TMP/a.img" list)" = "color=blue" ] || fail "kv list after del: $(kv "$TMP/a.img" list)"
out=$(kv "$TMP/a.img" get size) && fail "kv get of a deleted key succeeded: $out"
ok "kv: set, get, del, list; kept across runs; two devices apart"

# --- the jail, seen from outside while hello sleeps
"$TENDER" --name=jailed "$T/hello.tenant" sleep=1500 >"$TMP/jailed.out" 2>&1 &
pid=$!
wait_until 5 grep -q "hello from a tenant" "$TMP/jailed.out" || fail "the jailed tenant did not start"
st=/proc/$pid/status
grep -qE "^Uid:\s+65534\s+65534\s+65534\s+65534" $st || fail "not nobody: $(grep Uid $st)"
grep -qE "^CapEff:\s+0+$" $st && grep -qE "^CapPrm:\s+0+$" $st || fail "capabilities: $(grep Cap $st)"
grep -qE "^Seccomp:\s+2" $st || fail "no seccomp filter: $(grep Seccomp $st)"
grep -qE "^NoNewPrivs:\s+1" $st || fail "no_new_privs not set"
for ns in net mnt ipc uts; do
	[ "$(readlink /proc/$pid/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ] || fail "shares the host's $ns namespace"
done
[ -z "$(ls -A /proc/$pid/root/ 2>&1)" ] || fail "its root is not empty: $(ls -A /proc/$pid/root/)"
nfd=$(ls /proc/$pid/fd | wc -l)
[ "$nfd" = 5 ] || fail "descriptors: want 0, 1, 2, epoll and timer, got $(ls -l /proc/$pid/fd)"
wait $pid || fail "the jailed tenant failed: $(cat "$TMP/jailed.out")"
ok "jail: nobody, no capability, seccomp, no_new_privs, own net/mnt/ipc/uts namespaces, an empty root, 5 descriptors"

# --- the tender's refusals (status 125, nothing run)
refused() { # WANT-MESSAGE ARGS...
	local want=$1 out rc
	shift
	out=$("$TENDER" "$@" 2>&1) && rc=0 || rc=$?
	[ $rc = 125 ] || fail "$*: status $rc, want 125: $out"
	grep -qF -- "$want" <<<"$out" || fail "$*: want \"$want\": $out"
}
refused "device storage (block) is declared by the image but not given: --block:storage=..." "$T/kv.tenant" list
refused "--block:other: the image declares no block device of that name" \
	--block:storage="$TMP/a.img" --block:other="$TMP/b.img" "$T/kv.tenant" list
head -c 4096 /dev/urandom >"$TMP/junk"
refused "not an ELF file" "$TMP/junk"
refused "want a regular file of a whole number of 512-byte blocks" --block:storage=/dev/null "$T/kv.tenant" list
printf 'x' >"$TMP/odd.img"
refused "want a regular file of a whole number of 512-byte blocks" --block:storage="$TMP/odd.img" "$T/kv.tenant" list
refused "--mem: want 2..1024 (MiB)" --mem=1 "$T/hello.tenant"
python3 - "$T/hello.tenant" "$TMP/wx.tenant" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
phoff, = struct.unpack_from("<Q", b, 32)
# the first program header (code) made writable too
flags, = struct.unpack_from("<I", b, phoff + 4)
struct.pack_into("<I", b, phoff + 4, flags | 2)
open(sys.argv[2], "wb").write(b)
PY
refused "is writable and executable" "$TMP/wx.tenant"
ok "refused with status 125 and a reason: a device missing, one undeclared, not ELF, a bad block file, --mem, a W+X segment"

# --- hostile: every attempt ends the tenant and changes nothing
cp "$TMP/b.img" "$TMP/b.before"
for attack in open:openat socket:socket execve:execve fork:fork clone:clone ptrace:ptrace \
	mprotect:mprotect mmap:mmap otherfd:pread64 blocksize:pread64 beyond:pwrite64 kill:kill \
	stdin:read; do
	what=${attack%%:*} call=${attack#*:}
	out=$("$TENDER" --name=hostile --block:storage="$TMP/a.img" "$T/hostile.tenant" "$what" 2>&1) && rc=0 || rc=$?
	[ $rc = 159 ] || fail "hostile $what: status $rc, want 159 (SIGSYS): $out"
	grep -qE "rampart-tender: hostile: killed: forbidden system call [0-9]+ \($call\)" <<<"$out" ||
		fail "hostile $what: no report naming $call: $out"
	! grep -q survived <<<"$out" || fail "hostile $what survived: $out"
done
out=$("$TENDER" --block:storage="$TMP/a.img" "$T/hostile.tenant" memory 2>&1) && rc=0 || rc=$?
[ $rc = 139 ] || fail "hostile memory: status $rc, want 139 (SIGSEGV): $out"
cmp -s "$TMP/b.img" "$TMP/b.before" || fail "another tenant's block device changed"
# the hostile tenant wrote its own last block (allowed) and nothing beyond
[ "$(stat -c %s "$TMP/a.img")" = 65536 ] || fail "the block device grew: $(stat -c %s "$TMP/a.img")"
[ "$(kv "$TMP/a.img" get color)" = "color=blue" ] || fail "kv data after the hostile runs"
ok "hostile: open, socket, execve, fork, clone, ptrace, mprotect, mmap, other descriptors, two blocks at once, past the device, kill, reading stdin: each SIGSYS and named; past its memory: SIGSEGV; nothing else changed"
ok "tenants: all cases passed"
