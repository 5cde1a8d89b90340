#!/usr/bin/env bash
# Install the Debian 12 packages rampart needs to build, test, run the lab and
# benchmark. Idempotent, and quiet when everything is already there.
set -euo pipefail

PKGS=(
	# build
	build-essential meson ninja-build pkg-config
	libdpdk-dev dpdk python3-pyelftools
	libconfig-dev libjansson-dev libcriterion-dev
	libknot-dev libseccomp-dev libsodium-dev libmbedtls-dev
	libmicrohttpd-dev libxml2-dev libical-dev libgit2-dev
	clang libclang-rt-14-dev
	# lab, tests, benchmark
	iproute2 iputils-ping iperf3 curl ethtool procps psmisc python3 gnuplot-nox
	# firewall tests and benchmark: a real DNS server for host names, nftables
	dnsmasq-base nftables jq
	# NAT and DNS tests: kdig, a DNS client
	knot-dnsutils
	# DNS benchmark: NSD beside rampart, dnsperf to load both; DNS tests:
	# NSD and Knot as secondaries, Knot as a primary
	nsd dnsperf knot
	# VPN tests: Debian's OpenVPN 2.6 as the peer, tcpdump to see nothing leaks
	openvpn tcpdump
	# CalDAV tests: real clients, TLS certificates; benchmark: Radicale beside
	python3-caldav vdirsyncer openssl radicale
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "make deps: missing packages: ${missing[*]}" >&2
	echo "make deps: run as root (sudo make deps) to install them" >&2
	exit 1
fi
echo "make deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || true
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# the tests run their own NSD and Knot in namespaces: not the system's
systemctl disable --now knot nsd openvpn radicale >/dev/null 2>&1 || true
