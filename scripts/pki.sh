# shellcheck shell=bash
# A small PKI for the VPN's lab and tests: EC P-256 certificates with the
# extended key usages OpenVPN's remote-cert-tls wants, made with openssl in the
# current folder. Sourced (scripts/lab.sh, tests/integration/vpn_lib.sh).

# vpn_ca NAME: a self-signed CA, NAME.key and NAME.crt
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
