#!/usr/bin/env bash
# tracker.sh: `make bench-tracker`: liblatscope in/out pairs per second vs. a mutex-protected table.
# THREADS="1 2 4" (or 1,2,4) picks the thread counts; default 1 .. 2 x the CPUs (and 4 at least).
set -euo pipefail
build=${LATSCOPE_BUILD:-$(cd "$(dirname "$0")/.." && pwd)/build}
secs=${BENCH_TRACKER_SECONDS:-0.2}
cpus=$(nproc)
if [ -z "${THREADS:-}" ]; then
	max=$((2 * cpus > 4 ? 2 * cpus : 4))
	THREADS=$(seq -s, 1 "$max")
fi
threads=$(echo "$THREADS" | tr ' ' ',')
echo "# liblatscope in/out pairs: threads $threads; 8- and 32-byte keys; $cpus CPUs;" \
	"median of 5 alternating ${secs} s runs; load average $(cut -d' ' -f1 /proc/loadavg)"
echo "# event times from CLOCK_MONOTONIC (both sides)"
"$build/bench/tracker" --threads "$threads" "$secs"
if grep -qw constant_tsc /proc/cpuinfo && grep -qw nonstop_tsc /proc/cpuinfo; then
	echo "# event times from the TSC: ours LAT_TRACKER_CLOCK_TSC, the peer the same rdtsc scaling"
	"$build/bench/tracker" --lib-tsc --threads "$threads" "$secs"
else
	echo "# no invariant TSC (constant_tsc, nonstop_tsc): LAT_TRACKER_CLOCK_TSC not measured"
fi
echo "# load average at the end $(cut -d' ' -f1 /proc/loadavg)"
