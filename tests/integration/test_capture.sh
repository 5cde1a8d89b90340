#!/usr/bin/env bash
# Live capture with dpdk-dumpcap (rte_pdump) while traffic crosses a port.
# A capture attaches as a DPDK secondary process, which needs the dataplane
# on hugepages: on a machine where none could be reserved this is skipped (77).
. "$(dirname "$0")/lib.sh"
lab_up
if grep -q -- "--no-huge" "$RUN/dataplane.log"; then
	echo "SKIP: the dataplane runs with --no-huge (no hugepages could be reserved)"
	exit 77
fi
ip netns exec lan ping -c 40 -i 0.1 198.19.1.2 >/dev/null &
timeout 20 dpdk-dumpcap --file-prefix=rampart -i net_af_packet0 -c 10 -w "$TMP/cap.pcapng" \
	>"$TMP/dumpcap.log" 2>&1 || fail "dpdk-dumpcap: $(tail -3 $TMP/dumpcap.log)"
wait
got=$(sed -n "s/^Packets received\/dropped on interface '[^']*': \([0-9]*\)\/.*/\1/p" "$TMP/dumpcap.log")
[ "${got:-0}" -ge 10 ] || fail "capture: $(tail -3 $TMP/dumpcap.log)"
size=$(stat -c %s "$TMP/cap.pcapng")
[ "$size" -gt 1000 ] || fail "capture file of $size bytes"
ok "dpdk-dumpcap captured $got packets on port lan ($size bytes)"
