#!/usr/bin/env bash
# tracker.sh: `make bench-tracker`: liblatscope in/out pairs per second vs. a mutex-protected table.
set -euo pipefail
build=${LATSCOPE_BUILD:-$(cd "$(dirname "$0")/.." && pwd)/build}
echo "# liblatscope in/out pairs (1, 2, 4 threads; 8- and 32-byte keys; $(nproc) CPUs), 1 s per run"
exec "$build/bench/tracker" "${BENCH_TRACKER_SECONDS:-1}"
