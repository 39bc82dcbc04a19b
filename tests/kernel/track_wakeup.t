#!/usr/bin/env bash
# track_wakeup.t: `latscope track wakeup` on the real kernel: a task pinned to a CPU that a competitor keeps busy waits to run after its wake-ups.
. "$(dirname "$0")/../lib.sh"

require_root
[ -r /sys/kernel/btf/vmlinux ] || skip_all "the kernel has no BTF"
WK=$LATSCOPE_BUILD/tests/helpers/wk_sched
[ -x "$WK" ] || skip_all "$WK not built (make)"
command -v taskset >/dev/null && command -v chrt >/dev/null || skip_all "taskset and chrt (util-linux) needed"
[ "$(nproc)" -ge 2 ] || skip_all "needs 2 CPUs (one is kept busy)"
CPU=$(($(nproc) - 1))
. "$(dirname "$0")/track_lib.sh"

# The competitor: a SCHED_FIFO task pinned to $CPU, busy in bursts of BURST ms with 10 ms pauses
# (a fair-class spinner is preempted by a waking task at once under EEVDF: no delay to see).
# Each section starts its own (for at most 10 s) and stops it when done.
spin() { # spin BURST_MS
	taskset -c "$CPU" chrt -f 1 "$WK" spin 10000 "$1" 10 &
	SPIN=$!
	CLEANUP_PIDS+=("$SPIN")
}
unspin() {
	kill "$SPIN" 2>/dev/null
	wait "$SPIN" 2>/dev/null
}
# A sleeper pinned to $CPU, held until `go` (pid in SPID): sleeps MS ms COUNT times.
sleeper() { # sleeper COUNT MS
	local go=$TMP/go.$RANDOM
	mkfifo "$go"
	exec 7<>"$go"
	taskset -c "$CPU" "$WK" sleep -w "$1" "$2" <"$go" &
	SPID=$!
	CLEANUP_PIDS+=("$SPID")
}
go() {
	echo go >&7
	wait "$SPID"
	exec 7>&-
}

taskset -c "$CPU" chrt -f 1 true 2>/dev/null || skip_all "cannot run a SCHED_FIFO task (chrt -f)"

# --- a task pinned behind a busy CPU: its wake-ups wait above the threshold ---------------------
spin 20
sleeper 30 2
sleeper_pid=$SPID
start_track t5 wakeup --threshold 5ms --pid "$SPID" --json
go
stop_track
ok $? "track exits 0 on SIGINT"
pyq "$TMP/t5.out" 'len(A) >= 3' 'sorted(set(a["pid"] for a in A))' \
	'all(a["tid"] == a["pid"] and a["comm"] == "wk_sleep" and not a["timeout"] for a in A)' \
	'all(5e6 < a["delay_ns"] < 1e9 for a in A)' 'sorted(set(a["cpu"] for a in A))' \
	'len([a for a in A if a["prev_comm"] == "wk_spin" and a["prev_pid"] == '"$SPIN"'])' \
	'all(a["prev_state"] in ("R", "S", "D", "T", "X", "?") and (a["prev_tid"] > 0 or a["prev_comm"].startswith("swapper/")) for a in A)' \
	'S[0]["tracker"] + " " + str(S[0]["events"] >= 20) + " " + str(S[0]["reported"] == len(A))' \
	'sorted(S[0]["drops"])' 'sum(h["count"] for h in S[0]["hist"]) == S[0]["events"]' \
	'S[0]["max_ns"] > 5e6'
unspin
is "${R[0]}" True "wake-ups delayed above 5 ms are reported"
is "${R[1]}" "[$sleeper_pid]" "with the sleeper's pid"
is "${R[2]}" True "tid, comm, timeout false"
is "${R[3]}" True "delays above the threshold"
is "${R[4]}" "[$CPU]" "on the CPU it is pinned to"
ok $([ "${R[5]}" -ge 1 ] 2>/dev/null && echo 0 || echo 1) "what ran there: the competitor (prev_comm wk_spin, its pid) (${R[5]})"
is "${R[6]}" True "prev_state and prev_tid (the idle task, swapper/N, is tid 0: a vCPU the host kept waiting)"
[ "${R[6]}" = True ] || diag "alerts: $(grep -o '"prev_[a-z]*": *[^,]*' "$TMP/t5.out" | sort | uniq -c | head -20 | tr '\n' ' ')"
is "${R[7]}" "wakeup True True" "JSON summary: every wake-up counted, the reported ones"
is "${R[8]}" "['bad_records', 'inflight_full', 'replaced', 'ringbuf_full', 'stack_failed', 'timer_failed']" \
	"summary shows every drop counter"
is "${R[9]}" True "histogram holds every event"
is "${R[10]}" True "summary max above the threshold"

# --- text; not reported above the threshold ------------------------------------------------------
spin 20
sleeper 15 2
start_track text wakeup -t 5ms -p "$SPID"
go
stop_track
unspin
text=$(cat "$TMP/text.out")
like "$text" "^wakeup_latency: comm=wk_sleep pid=[0-9]+ tid=[0-9]+ prev_comm=[^ ]+ prev_pid=[0-9]+ prev_tid=[0-9]+ prev_state=[A-Z?] waker_tid=[0-9]+ delay_us=[0-9]+ timeout=0 cpu=$CPU$" \
	"text line in the original's spirit"
like "$text" '^wakeup: [0-9]+ events, [0-9]+ reported' "text summary"
like "$text" '^  lost: inflight_full=0 ringbuf_full=0 stack_failed=0 timer_failed=0' "text summary shows drops"
spin 20
sleeper 15 2
start_track t200 wakeup -t 200ms -p "$SPID" --json
go
stop_track
unspin
pyq "$TMP/t200.out" 'len(A)' 'S[0]["events"] >= 15'
is "${R[0]}" 0 "no wake-up waits 200 ms"
is "${R[1]}" True "but every one is counted"

# --- timeout: 80 ms bursts, timeout 30 ms --------------------------------------------------------
spin 80
sleeper 12 2
start_track to wakeup -t 5ms --timeout 30ms -p "$SPID" --json
go
stop_track
unspin
pyq "$TMP/to.out" 'len([a for a in A if a["timeout"]]) >= 1' \
	'all(25e6 <= a["delay_ns"] < 80e6 and "prev_comm" not in a for a in A if a["timeout"])' \
	'all(any(b["start_ns"] == a["start_ns"] and not b["timeout"] and b["delay_ns"] > a["delay_ns"] for b in A) for a in A if a["timeout"])'
is "${R[0]}" True "a wait past the timeout gives a timeout report"
is "${R[1]}" True "at ~30 ms, before anything ran for it"
is "${R[2]}" True "then the switch-in report of the same wake-up"

# --- --pid keeps other processes out --------------------------------------------------------------
spin 20
sleeper 12 2
wanted=$SPID
taskset -c "$CPU" "$WK" sleep 40 2 &
other=$!
CLEANUP_PIDS+=("$other")
start_track pid wakeup -t 5ms -p "$wanted" --json
go
wait "$other"
stop_track
unspin
pyq "$TMP/pid.out" 'sorted(set(a["pid"] for a in A))'
is "${R[0]}" "[$wanted]" "--pid: only the chosen process (another sleeper on the same CPU is left out)"

done_testing
