#!/usr/bin/env bash
# ctrl supervising tenants (rampart tenant ...): the echo tenant created on
# port svc with a CPU share and memory limit, started, reached from lan,
# its console in ctrl's log; killed, restarted by its policy; still
# running and found again after ctrl restarts; updated in place; a kv
# tenant that runs once; a hostile tenant killed by its filter and backed
# off; refusals (unknown port, devices that do not match the image); destroy.
. "$(dirname "$0")/lib.sh"
T=$BUILD/sandbox/tenants

copy_conf "$TMP/rampart.conf"
add_tenant_port "$TMP/rampart.conf" svc tn-echo 198.18.3.1/24
lab_up "$TMP/rampart.conf"
rt() { "$RAMPART" tenant "$@"; }
state() { rt list --json | python3 -c '
import json, sys
for t in json.load(sys.stdin)["tenants"]:
    if t["name"] == sys.argv[1]:
        print(t["state"], t["pid"], t["restarts"], t.get("last_exit", t.get("last_signal", "-")))' "$1"; }
udp_echo() {
	ip netns exec lan python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
s.sendto(b"ping", ("198.18.3.2", 7))
try:
    print(s.recv(100).decode())
except socket.timeout:
    print("timeout")'
}

# --- refusals
out=$(rt create echo --image "$T/echo.tenant" --net service=nope -- ip=198.18.3.2 2>&1) &&
	fail "create with an unknown port: $out"
grep -q "no port nope in rampart.conf" <<<"$out" || fail "unknown port: $out"
out=$(rt create echo --image "$T/echo.tenant" --net service=lan -- ip=198.18.3.2 2>&1) &&
	fail "create on a port that is not a tenant's: $out"
grep -q "is not a tenant's port" <<<"$out" || fail "not a tenant port: $out"
out=$(rt create echo --image "$T/echo.tenant" -- ip=198.18.3.2 2>&1) && fail "create without the net device: $out"
grep -q "the image declares net device service" <<<"$out" || fail "missing device: $out"
ok "refused: an unknown port, a port that is not a tenant's, a device the image declares not given"

# --- create, start, reach it
rt create echo --image "$T/echo.tenant" --net service=svc --mem 8 --cpu 50 -- ip=198.18.3.2 >/dev/null ||
	fail "create echo"
read -r st _ <<<"$(state echo)"
[ "$st" = stopped ] || fail "a created tenant is $st, want stopped"
rt start echo >/dev/null || fail "start echo"
wait_until 10 sh -c "[ \"\$(ip netns exec lan python3 -c 'import socket
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.settimeout(0.5); s.sendto(b\"x\",(\"198.18.3.2\",7))
try: print(s.recv(10).decode())
except Exception: print(\"no\")')\" = x ]" || fail "echo unreachable after start: $(rt console echo)"
[ "$(udp_echo)" = ping ] || fail "UDP echo through a supervised tenant"
read -r st pid1 _ <<<"$(state echo)"
[ "$st" = running ] || fail "echo is $st"
wait_until 5 grep -q "tenant echo: echo: 198.18.3.2" "$RUN/ctrl.log" ||
	fail "the console is not in ctrl's log: $(ls -la "$TMP/state/tenants/echo"; cat "$TMP/state/tenants/echo/console.log"; grep tenant "$RUN/ctrl.log")"
rt console echo | grep -q "echo: 198.18.3.2 on" || fail "console: $(rt console echo)"
cg=/sys/fs/cgroup
if [ -f $cg/cgroup.controllers ]; then
	grep -q "^50000 100000" $cg/rampart-echo/cpu.max || fail "cpu.max"
	grep -qx "$pid1" $cg/rampart-echo/cgroup.procs || fail "not in its cgroup"
else
	[ "$(cat $cg/cpu/rampart-echo/cpu.cfs_quota_us)" = 50000 ] || fail "cpu quota"
	[ "$(cat $cg/memory/rampart-echo/memory.limit_in_bytes)" = $(((8 + 32) << 20)) ] ||
		fail "memory limit"
	grep -qx "$pid1" $cg/cpu/rampart-echo/cgroup.procs || fail "not in its cpu cgroup"
fi
rt list --json | python3 -c '
import json, sys
t = [t for t in json.load(sys.stdin)["tenants"] if t["name"] == "echo"][0]
assert t["packets_in"] >= 2 and t["packets_out"] >= 2 and t["rss_kb"] > 0, t' ||
	fail "tenant list: packets and memory: $(rt list --json)"
ok "echo created and started: reached from lan, console in ctrl's log, in its cgroups (50% CPU, 8+32 MiB), packets and memory listed"

# --- killed: restarted by its policy (on-failure)
kill -9 "$pid1"
wait_until 10 sh -c "'$RAMPART' tenant list --json | grep -q '\"restarts\": 1'" || fail "not restarted: $(state echo)"
read -r st pid2 restarts last <<<"$(state echo)"
[ "$st" = running ] && [ "$pid2" != "$pid1" ] && [ "$last" = 9 ] || fail "after the kill: $st $pid2 $restarts $last"
wait_until 5 sh -c "ip netns exec lan python3 -c 'import socket
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.settimeout(0.5); s.sendto(b\"x\",(\"198.18.3.2\",7)); s.recv(10)'" ||
	fail "echo unreachable after its restart"
grep -q "tenant echo: killed by signal 9" "$RUN/ctrl.log" || fail "the kill is not logged"
ok "killed with SIGKILL: logged, restarted (restarts 1), reachable again"

# --- ctrl restarts: the tenant keeps running and is found again
kill "$(cat "$RUN/ctrl.pid")"
sleep 0.5
[ "$(udp_echo)" = ping ] || fail "echo stopped with ctrl"
nsenter --net=/run/netns/rampart "$CTRL" -c "$TMP/rampart.conf" >>"$RUN/ctrl.log" 2>&1 &
echo $! >"$RUN/ctrl.pid"
wait_until 20 sh -c "'$RAMPART' status --json | grep -q '\"in_sync\": true'" || fail "ctrl did not come back"
grep -q "tenant echo: found running, pid $pid2" "$RUN/ctrl.log" || fail "not found again: $(grep tenant "$RUN/ctrl.log" | tail -3)"
read -r st pid3 _ <<<"$(state echo)"
[ "$st" = running ] && [ "$pid3" = "$pid2" ] || fail "after ctrl's restart: $st $pid3"
ok "ctrl restarted: echo kept running (pid $pid2) and was found again"

# --- update: the image checked against the devices, replaced, restarted
out=$(rt update echo --image "$T/hello.tenant" 2>&1) && fail "update to an image without the net device: $out"
grep -q "not declared by the image" <<<"$out" || fail "update refusal: $out"
rt update echo --image "$T/echo.tenant" >/dev/null || fail "update"
wait_until 5 sh -c "ip netns exec lan python3 -c 'import socket
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.settimeout(0.5); s.sendto(b\"x\",(\"198.18.3.2\",7)); s.recv(10)'" ||
	fail "echo unreachable after its update"
read -r st pid4 _ <<<"$(state echo)"
[ "$st" = running ] && [ "$pid4" != "$pid2" ] || fail "after update: $st $pid4"
ok "update: an image that does not match the devices refused; the same image restarted in place"

# --- a kv tenant that runs once; a hostile one backed off
truncate -s 64K "$TMP/kv.img"
rt create store --image "$T/kv.tenant" --block storage="$TMP/kv.img" --restart on-failure -- set color green >/dev/null ||
	fail "create store"
rt start store >/dev/null || fail "start store"
wait_until 5 sh -c "'$RAMPART' tenant list --json | python3 -c 'import json,sys
t=[t for t in json.load(sys.stdin)[\"tenants\"] if t[\"name\"]==\"store\"][0]
sys.exit(0 if t[\"state\"]==\"stopped\" and t.get(\"last_exit\")==0 else 1)'" || fail "store: $(state store)"
rt console store | grep -q "set color" || fail "store console: $(rt console store)"
"$BUILD/sandbox/rampart-tender" --block:storage="$TMP/kv.img" "$T/kv.tenant" get color | grep -q "color=green" ||
	fail "the kv tenant's data"
rt create bad --image "$T/hostile.tenant" --block storage="$TMP/kv.img" -- socket >/dev/null || fail "create bad"
rt start bad >/dev/null || fail "start bad"
wait_until 10 grep -q "tenant bad: rampart-tender: bad: killed: forbidden system call 41 (socket)" "$RUN/ctrl.log" ||
	fail "the hostile tenant's report is not in ctrl's log: $(grep 'tenant bad' "$RUN/ctrl.log" | tail -3)"
wait_until 10 grep -q "tenant bad: restarting in 2 s" "$RUN/ctrl.log" || fail "no back-off: $(grep 'tenant bad' "$RUN/ctrl.log" | tail -4)"
rt stop bad >/dev/null || fail "stop bad"
ok "kv ran once (status 0, not restarted); hostile killed by SIGSYS, logged, restarted after 1 s then 2 s, stopped"

# --- destroy
rt destroy echo >/dev/null || fail "destroy"
[ -z "$(state echo)" ] || fail "still listed after destroy"
[ "$(udp_echo)" = timeout ] || fail "echo still answers after destroy"
ok "tenant supervision: all cases passed"
