#!/usr/bin/env bash
# track_hist.t: `latscope track` summaries against the exact delays: p50/p90/p99/p99.9 of the kernel's log-linear histogram within 2 %, max, min and count as measured, bucket labels with their true bounds.
. "$(dirname "$0")/../lib.sh"

require_root
[ -r /sys/kernel/btf/vmlinux ] || skip_all "the kernel has no BTF"
command -v python3 >/dev/null || skip_all "no python3"
. "$(dirname "$0")/track_lib.sh"

# A workload of known sleeps (1, 2, 5, 10, 20 ms, 10 each), held on a FIFO until tracked.
GO=$TMP/go
mkfifo "$GO"
exec 7<>"$GO"
python3 -S -c "
import sys, time
sys.stdin.readline()
for d in [0.001, 0.002, 0.005, 0.010, 0.020] * 10:
    time.sleep(d)" <"$GO" &
W=$!
CLEANUP_PIDS+=("$W")

# -t 0: every event is also a record, with its exact delay: the ground truth of the summary.
start_track h syscall -t 0 --pid "$W" --json --no-stack
echo go >&7
wait "$W"
ok $? "the workload ran"
stop_track
ok $? "track exits 0 on SIGINT"
exec 7>&-

PYQ_DEFS='
import math
D = sorted(a["delay_ns"] for a in A)
S0 = S[0]
def exact(q):
    return D[max(1, math.ceil(q * len(D))) - 1]
def err(q, key):
    return abs(S0[key] - exact(q)) / exact(q)
SL = sorted(a["delay_ns"] for a in A if a["syscall"] == "clock_nanosleep")'
pyq "$TMP/h.out" 'len(D) == S0["events"] == S0["count"] and len(D) > 50' \
	'max(err(0.5, "p50_ns"), err(0.9, "p90_ns"), err(0.99, "p99_ns"), err(0.999, "p999_ns")) < 0.02' \
	'(S0["max_ns"] == D[-1], S0["min_ns"] == D[0])' \
	'S0["quantile_error"]' \
	'len(SL) == 50 and all(d >= 1e6 for d in SL)' \
	'all(h["low_ns"] < h["high_ns"] and (h["high_ns"] - h["low_ns"]) * 32 <= max(h["low_ns"], 32) for h in S0["hist"])' \
	'max(err(0.5, "p50_ns"), err(0.9, "p90_ns"), err(0.99, "p99_ns"), err(0.999, "p999_ns"))'
is "${R[0]}" True "summary count = events = the records (every event reported at -t 0)" ||
	diag "stderr: $(cat "$TMP/h.err")"
is "${R[1]}" True "p50, p90, p99, p99.9 within 2 % of the exact quantiles of the records (worst ${R[6]})" ||
	diag "summary: $(grep summary "$TMP/h.out" | cut -c1-400)"
is "${R[2]}" "(True, True)" "max and min are the measured ones"
is "${R[3]}" 0.016 "the error bound is stated in the JSON summary"
is "${R[4]}" True "the 50 sleeps are there, none shorter than 1 ms"
is "${R[5]}" True "JSON buckets: at most 1/32 of their low bound wide"

# Text: the quantile line with the bound stated, labels with true bounds (2^21 ns = 2.097 ms).
exec 7<>"$GO"
python3 -S -c "
import sys, time
sys.stdin.readline()
for _ in range(5):
    time.sleep(0.002)" <"$GO" &
W=$!
CLEANUP_PIDS+=("$W")
start_track t syscall -t 1s --pid "$W" --no-stack
echo go >&7
wait "$W"
stop_track
exec 7>&-
text=$(cat "$TMP/t.out")
like "$text" '^  count [0-9]+, p50 [0-9.]+[nums]+, p90 [0-9.]+[nums]+, p99 [0-9.]+[nums]+, p99\.9 [0-9.]+[nums]+, max [0-9.]+[nums]+, min [0-9.]+[nums]+ \(quantiles within 1\.6 %; max and min as measured\)$' \
	"text: count, p50, p90, p99, p99.9, max, min and the error bound"
like "$text" '^  \[(1\.049ms, 2\.097ms|2\.097ms, 4\.194ms)\) +[1-9]' "text: buckets labelled with their true bounds"
unlike "$text" '\[1ms, 2ms\)' "text: no binary unit passed off as a decimal one"
done_testing
