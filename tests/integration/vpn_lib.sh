# shellcheck shell=bash
# What the VPN tests share (test_vpn_server.sh, test_vpn_client.sh): their
# messages, a poll with a bound, and the PKI as tests/unit/vpn/test_session.c
# makes it (EC P-256, the EKUs OpenVPN's remote-cert-tls wants). Sourced; the
# including test defines its own cleanup.

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

# vpn_ca NAME: a self-signed CA, NAME.key and NAME.crt in the current folder
vpn_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1.key" -out "$1.crt" -days 2 -subj "/CN=$1" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign
}

# vpn_leaf FILE CA EKU [CN]: a certificate CA signs, with extended key usage EKU
vpn_leaf() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1.key" -out "$1.csr" -subj "/CN=${4:-$1}"
	printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\n' \
		"$3" >"$1.ext"
	openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial \
		-days 2 -extfile "$1.ext" -out "$1.crt"
}
