# shellcheck shell=bash
# What the VPN tests share (test_vpn_server.sh, test_vpn_client.sh): their
# messages, a poll with a bound, and the PKI of scripts/pki.sh (as
# tests/unit/vpn/test_session.c makes it). Sourced; the including test defines
# its own cleanup.

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

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

# the PKI: vpn_ca, vpn_leaf
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/pki.sh"
