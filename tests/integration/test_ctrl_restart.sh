#!/usr/bin/env bash
# Failure independence: with rampart-ctrl killed the dataplane keeps
# forwarding on its last configuration; a restarted ctrl re-syncs it (here
# with a configuration that gained a route while ctrl was down).
. "$(dirname "$0")/lib.sh"
copy_conf "$TMP/rampart.conf"
lab_up "$TMP/rampart.conf"

ip netns exec lan ping -c 60 -i 0.05 -W 1 198.19.1.2 >"$TMP/ping.out" 2>&1 &
pingpid=$!
sleep 0.5
kill -9 "$(cat $RUN/ctrl.pid)"
ok "rampart-ctrl killed"
wait $pingpid || true
grep -q " 0% packet loss" "$TMP/ping.out" || fail "loss while ctrl was down: $(tail -2 $TMP/ping.out)"
ok "forwarding went on without ctrl: $(grep -o '[0-9]* received' $TMP/ping.out)"
"$RAMPART" status >/dev/null 2>&1 && fail "ctrl still answering after kill -9"

# ctrl comes back with a route the dataplane does not have yet
sed -i 's|^routes = (|routes = (\n\t{ dst = "203.0.113.0/24"; via = "198.19.1.2"; },|' "$TMP/rampart.conf"
out=$(ip netns exec lan ping -c 1 -W 1 203.0.113.1 2>&1 || true)
echo "$out" | grep -q "1 received" && fail "203.0.113.1 reachable before the re-sync"
ip netns exec rampart "$CTRL" -c "$TMP/rampart.conf" >"$RUN/ctrl.log" 2>&1 &
echo $! >"$RUN/ctrl.pid"
wait_until 20 sh -c "'$RAMPART' status --json | grep -q '\"in_sync\": true'" || fail "ctrl did not re-sync"
ok "ctrl restarted and in sync"
"$RAMPART" routes | grep -q "203.0.113.0/24" || fail "route missing from 'rampart routes'"
ip netns exec lan ping -c 2 -W 2 203.0.113.1 >/dev/null || fail "new route not in service"
ok "route pushed by the restarted ctrl is in service"
