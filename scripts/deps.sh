#!/usr/bin/env bash
# Installs every Debian package latscope needs to build, test and benchmark; idempotent.
# usage: scripts/deps.sh            (as root, or through sudo)
set -euo pipefail

# Build: C toolchain, BPF CO-RE (clang, bpftool, libbpf), the libraries latscope links.
build_pkgs=(
	gcc make pkg-config clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libdw-dev
	libbabeltrace2-dev libmicrohttpd-dev libncurses-dev libjson-c-dev
	dpkg-dev debhelper build-essential python3
)
# Tests and benchmarks: TAP runner, the real peers, the tools users would pick instead.
test_pkgs=(
	perl procps iproute2 util-linux python3 babeltrace2 python3-lttnganalyses
	python3-babeltrace lttng-tools liblttng-ust-dev bpftrace libbpf-tools linux-perf
	libc6-dbg
	libjansson-dev
	libclang-rt-14-dev
	chromium chromium-driver
	prometheus graphite-carbon python3-whisper curl
	mariadb-server-core mariadb-client-core sysbench
	trace-cmd stress-ng
	mandoc man-db groff-base
)

pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}")

missing=()
for pkg in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$pkg")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#pkgs[@]} packages already installed"
	exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
	SUDO=sudo
fi
echo "deps: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
