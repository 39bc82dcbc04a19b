#!/usr/bin/env bash
# record_wake.t: `latscope record` does not trace itself in a loop: the probes wake the reader only
# past the ring's watermark, it reads on a timer; a quiet workload's events (below the watermark)
# are all in the trace; losses while the reader cannot read (stopped) are all counted, in a plain
# recording and in a flight recorder's snapshot, and babeltrace2 reports them too.
. "$(dirname "$0")/../lib.sh"

require_root
[ -r /sys/kernel/btf/vmlinux ] || skip_all "the kernel has no BTF"
SLEEPER=$LATSCOPE_BUILD/tests/helpers/nanosleeper
BURST=$LATSCOPE_BUILD/tests/helpers/getppid_loop
[ -x "$SLEEPER" ] && [ -x "$BURST" ] || skip_all "test helpers not built (make)"
command -v babeltrace2 >/dev/null || skip_all "babeltrace2 not installed"
. "$(dirname "$0")/record_lib.sh"

# ctxt PID: the times the task blocked so far (its voluntary context switches: its wake-ups; the
# preemptions a loaded machine adds are not the recorder's doing), from the kernel
ctxt() { awk '/^voluntary_ctxt_switches/ { s += $2 } END { print s + 0 }' "/proc/$1/status"; }
# bt_discarded TRACE: the events babeltrace2 says the tracer discarded, all streams
bt_discarded() {
	babeltrace2 "$1" 2>&1 >/dev/null | grep -oE 'Tracer discarded [0-9]+ events' |
		awk '{ s += $3 } END { print s + 0 }'
}

# --- the recorder's own switches: a few a second, not one per record -----------------------------
# the default event set (sched, syscalls, irq, timers...) with the tid context, 4 s; a quiet
# workload meanwhile: 5
# nanosleeps of 20 ms (its events stay far below the watermark: only the read timer gets them)
WINDOW=4
start_record quiet --context tid
c0=$(ctxt "$REC_PID")
t0=$(date +%s%N)
"$SLEEPER" 20 5 >/dev/null &
S=$!
wait $S
is "$?" 0 "the sleeper slept 5 times 20 ms"
sleep $WINDOW
c1=$(ctxt "$REC_PID")
t1=$(date +%s%N)
pid=$REC_PID
stop_record
is "$?" 0 "recorder stopped by SIGINT, exit 0"
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
rate=$(awk -v n=$((c1 - c0)) -v s="$secs" 'BEGIN { printf "%.1f", n / s }')
awk -v r="$rate" 'BEGIN { exit !(r <= 50) }'
ok $? "the kernel counts at most 50 wake-ups a second of the recorder ($rate/s over ${secs}s)"
babeltrace2 "$TMP/quiet" >"$TMP/q.txt" 2>"$TMP/q.bt.err"
is "$?" 0 "babeltrace2 reads the recording"
# the recorder's own switches out while blocking (prev_state not 0: it waits for the timer or the
# watermark), each one a wake-up to come
own=$(grep 'sched_switch:' "$TMP/q.txt" | grep -cE "prev_tid = $pid, prev_prio = [0-9-]+, prev_state = [1-9]")
ins=$(grep 'sched_switch:' "$TMP/q.txt" | grep -c "next_tid = $pid,")
all=$(grep -c 'sched_switch:' "$TMP/q.txt")
span=$(awk -F'[][]' 'NR == 1 { split($2, a, ":"); f = a[1] * 3600 + a[2] * 60 + a[3] }
	{ l = $2 } END { split(l, a, ":"); print a[1] * 3600 + a[2] * 60 + a[3] - f }' "$TMP/q.txt")
orate=$(awk -v n="$own" -v s="$span" 'BEGIN { if (s > 0) printf "%.1f", n / s; else print n }')
awk -v r="$orate" 'BEGIN { exit !(r <= 50) }'
ok $? "the trace holds at most 50 blocking switches a second of the recorder ($own of $all in ${span}s: $orate/s; $ins switches to it)"
[ "$all" -gt "$own" ]
ok $? "the trace holds the other tasks' switches ($all)"
n=$(grep -c "syscall_entry_nanosleep: { cpu_id = [0-9]* }, { tid = $S }" "$TMP/q.txt")
x=$(grep -c "syscall_exit_nanosleep: { cpu_id = [0-9]* }, { tid = $S }, { ret = 0," "$TMP/q.txt")
is "$n $x" "5 5" "the quiet workload's 5 nanosleeps are in the trace, read on the timer (entries, exits)"
nsw=$(grep 'sched_switch:' "$TMP/q.txt" | grep -cE "prev_tid = $S, prev_prio = [0-9-]+, prev_state = [1-9]")
[ "$nsw" -ge 5 ]
ok $? "the sleeper's 5 sleeps are in the trace as switches out, blocked ($nsw)"

# --- losses while the reader is stopped: all counted ---------------------------------------------
# a 4K ring holds under 100 system call records: of a 100,000-getppid burst (200,000 events) while
# the recorder is stopped (SIGSTOP), at least 199,000 are lost, whatever the machine's speed
start_record stopped --events syscall --buffer-size 4K
kill -STOP "$REC_PID"
"$BURST" 100000 >/dev/null
kill -CONT "$REC_PID"
stop_record
is "$?" 0 "stopped recorder: exit 0"
d=$(sed -nE 's/^latscope record: [0-9]+ events, ([0-9]+) discarded.*/\1/p' "$TMP/stopped.err")
[ "${d:-0}" -ge 199000 ]
ok $? "plain recording: the events lost while the reader was stopped are counted (${d:-none} >= 199000)"
bt=$(bt_discarded "$TMP/stopped")
[ "$bt" -ge 199000 ] && [ "$bt" -le "${d:-0}" ]
ok $? "plain recording: babeltrace2 reports them ($bt of ${d:-none})"
[ "$bt" -ge 199000 ] || diag "$(tail -3 "$TMP/stopped.err")"

start_flight fstop --events syscall --buffer-size 4K --keep-size 4M
kill -STOP "$REC_PID"
"$BURST" 100000 >/dev/null
kill -CONT "$REC_PID"
snap=$("$LATSCOPE" ctl --socket "$TMP/fstop.sock" snapshot)
is "$?" 0 "flight, stopped recorder: ctl snapshot"
stop_record
is "$?" 0 "flight, stopped recorder: exit 0"
lost=$(sed -nE 's/^latscope record: snapshot .*: [0-9]+ events, ([0-9]+) discarded.*/\1/p' \
	"$TMP/fstop.err")
[ "${lost:-0}" -ge 199000 ]
ok $? "flight: the snapshot's window counts the events lost while the reader was stopped (${lost:-none})"
bt=$(bt_discarded "$snap")
[ "$bt" -gt 0 ] && [ "$bt" -le "${lost:-0}" ]
ok $? "flight: babeltrace2 reports discarded events in the snapshot ($bt of ${lost:-none})"

done_testing
