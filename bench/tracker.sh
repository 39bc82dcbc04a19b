#!/usr/bin/env bash
# tracker.sh: `make bench-tracker`: liblatscope in/out pairs per second vs. a mutex-protected table.
set -euo pipefail
build=${LATSCOPE_BUILD:-$(cd "$(dirname "$0")/.." && pwd)/build}
secs=${BENCH_TRACKER_SECONDS:-0.2}
echo "# liblatscope in/out pairs: 1, 2, 4 threads; 8- and 32-byte keys; $(nproc) CPUs;" \
	"median of 5 alternating ${secs} s runs; load average $(cut -d' ' -f1 /proc/loadavg)"
echo "# event times from CLOCK_MONOTONIC (both sides)"
"$build/bench/tracker" "$secs"
if grep -qw constant_tsc /proc/cpuinfo && grep -qw nonstop_tsc /proc/cpuinfo; then
	echo "# event times from the TSC: ours LAT_TRACKER_CLOCK_TSC, the peer the same rdtsc scaling"
	"$build/bench/tracker" --lib-tsc "$secs"
else
	echo "# no invariant TSC (constant_tsc, nonstop_tsc): LAT_TRACKER_CLOCK_TSC not measured"
fi
