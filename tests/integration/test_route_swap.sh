#!/usr/bin/env bash
# Live updates by RCU: routes are rebuilt and swapped 20 times while a ping
# stream crosses the appliance, and not one packet is lost.
. "$(dirname "$0")/lib.sh"
conf="$TMP/rampart.conf"
copy_conf "$conf"
sed 's|^routes = (|routes = (\n\t{ dst = "203.0.113.0/24"; via = "198.19.1.2"; },|' "$conf" >"$TMP/b.conf"
cp "$conf" "$TMP/a.conf"
lab_up "$conf"

before=$(grep -c "in service" "$RUN/dataplane.log" || true)
ip netns exec lan ping -c 400 -i 0.01 -W 1 198.51.100.1 >"$TMP/ping.out" 2>&1 &
pingpid=$!
for i in $(seq 20); do
	if [ $((i % 2)) = 1 ]; then cp "$TMP/b.conf" "$conf"; else cp "$TMP/a.conf" "$conf"; fi
	"$RAMPART" reload >/dev/null || fail "reload $i"
	sleep 0.1
done
wait $pingpid || true
after=$(grep -c "in service" "$RUN/dataplane.log" || true)
[ $((after - before)) -ge 20 ] || fail "only $((after - before)) configurations published"
ok "$((after - before)) route tables swapped under traffic"
grep -q " 0% packet loss" "$TMP/ping.out" || fail "packets lost during swaps: $(tail -2 $TMP/ping.out)"
ok "no packet lost: $(grep -o '[0-9]* received' $TMP/ping.out)"
