#!/usr/bin/env bash
# track_syscall_select.t: `latscope track syscall --syscall / --exclude-syscall / --exclude-idle`: only the chosen system calls are timed (checked in the probe: the summary counts only them), names or numbers, bad lists refused.
. "$(dirname "$0")/../lib.sh"

require_root
[ -r /sys/kernel/btf/vmlinux ] || skip_all "the kernel has no BTF"
command -v python3 >/dev/null || skip_all "no python3"
. "$(dirname "$0")/track_lib.sh"

# run_workload NAME ARGS...: a python that does 5 × (a 30 ms clock_nanosleep, a 30 ms select),
# tracked with ARGS on its pid.
run_workload() {
	local name=$1
	shift
	local go=$TMP/go.$name
	mkfifo "$go"
	exec 7<>"$go"
	python3 -S -c "
import select, sys, time
sys.stdin.readline()
for _ in range(5):
    time.sleep(0.03)
    select.select([], [], [], 0.03)" <"$go" &
	local w=$!
	CLEANUP_PIDS+=("$w")
	start_track "$name" syscall -t 20ms --pid "$w" --json --no-stack "$@"
	echo go >&7
	wait "$w"
	stop_track
	exec 7>&-
}
PYQ_DEFS='
NAMES = sorted(set(a["syscall"] for a in A))
SEL = [a for a in A if a["syscall"] in ("select", "pselect6")]
NS = [a for a in A if a["syscall"] == "clock_nanosleep"]'

run_workload only --syscall clock_nanosleep
pyq "$TMP/only.out" 'NAMES' 'len(NS)' 'S[0]["events"]'
is "${R[0]}" "['clock_nanosleep']" "--syscall clock_nanosleep: only it is reported" ||
	diag "stderr: $(cat "$TMP/only.err")"
is "${R[1]}" 5 "--syscall: the 5 sleeps"
is "${R[2]}" 5 "--syscall: the probe times nothing else (5 events in the summary)"

run_workload num --syscall 230
pyq "$TMP/num.out" 'NAMES' 'S[0]["events"]'
is "${R[0]}:${R[1]}" "['clock_nanosleep']:5" "--syscall 230: a number works as the name (x86-64)"

run_workload excl --exclude-syscall clock_nanosleep
pyq "$TMP/excl.out" 'len(NS)' 'len(SEL)'
is "${R[0]}:${R[1]}" "0:5" "--exclude-syscall clock_nanosleep: no sleep, the 5 selects"

run_workload idle --exclude-idle
pyq "$TMP/idle.out" 'len(NS)' 'len(SEL)'
is "${R[0]}:${R[1]}" "5:0" "--exclude-idle: the sleeps, not the selects"

# Bad input: one line, exit 2.
err=$("$LATSCOPE" track syscall --syscall nosuch 2>&1)
is "$?" 2 "an unknown system call: exit 2"
like "$err" "^latscope: track: --syscall: unknown system call 'nosuch'" "and says which"
is "$(printf '%s\n' "$err" | wc -l)" 1 "in one line"
"$LATSCOPE" track offcpu --exclude-idle >/dev/null 2>&1
is "$?" 2 "--exclude-idle without the syscall tracker: exit 2"
"$LATSCOPE" track syscall --exclude-syscall , >/dev/null 2>&1
is "$?" 2 "an empty list: exit 2"
done_testing
