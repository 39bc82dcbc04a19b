#!/usr/bin/env bash
# track_offcpu.t: `latscope track offcpu` on the real kernel: a reader blocked on a pipe, its writer as the waker, stacks, threshold, timeout, --pid.
. "$(dirname "$0")/../lib.sh"

require_root
[ -r /sys/kernel/btf/vmlinux ] || skip_all "the kernel has no BTF"
PIPE=$LATSCOPE_BUILD/tests/helpers/offcpu_pipe
[ -x "$PIPE" ] || skip_all "$PIPE not built (make)"
. "$(dirname "$0")/track_lib.sh"

# spawn MS COUNT: an offcpu_pipe (writer pid in WPID, reader pid in RPID) held until `go`, so that
# a tracker can be started on their pids first.
spawn() {
	local go=$TMP/go.$RANDOM
	mkfifo "$go"
	exec 7<>"$go"
	# emptied here, before the child opens it: the last spawn's line must not be read as this
	# one's (the child truncates the file only once it runs; a poll in between saw the old
	# "reader=" and then read an empty file: --pid '')
	: >"$TMP/pids"
	"$PIPE" -w "$@" <"$go" >"$TMP/pids" &
	WPID=$!
	CLEANUP_PIDS+=("$WPID")
	wait_until "$WAIT_TIMEOUT" grep -qs '^reader=[0-9][0-9]* ' "$TMP/pids" ||
		diag "offcpu_pipe did not print its pids in ${WAIT_TIMEOUT} s"
	RPID=$(sed -n 's/^reader=\([0-9]*\) .*/\1/p' "$TMP/pids")
}
go() {
	echo go >&7
	wait "$WPID"
	local rc=$?
	exec 7>&-
	WPID=
	return $rc
}

# for pyq: RD = the reader's waits on the pipe: blocked, and woken by the writer (or reported at
# a timeout, before any wake-up). A busy machine may also preempt the reader, or block it
# elsewhere long enough (in its exit, on a lock another task holds): not the workload's waits.
PYQ_DEFS='
RD = [a for a in A if a.get("comm") == "offcpu_reader" and a.get("reason") == "blocked" and
      (a["timeout"] or a.get("waker_comm") == "offcpu_writer")]'

# --- a reader blocked 50 ms on a pipe: reported with the writer as waker -----------------------
spawn 50 3
reader=$RPID writer=$WPID
start_track t20 offcpu --threshold 20ms --pid "$reader" --json
go
ok $? "the workload ran"
stop_track
ok $? "track exits 0 on SIGINT"
pyq "$TMP/t20.out" 'len(RD)' 'sorted(set(a["pid"] for a in A))' \
	'all(a["tid"] == a["pid"] and not a["timeout"] for a in RD)' \
	'all(20e6 < a["delay_ns"] < 1e9 for a in RD) and max(a["delay_ns"] for a in RD) >= 45e6' \
	'sorted(set((a["waker_comm"], a["waker_pid"], a["waker_tid"], a["waker_context"]) for a in RD))' \
	'" ".join(RD[0]["kstack"])' '" ".join(RD[0]["waker_kstack"])' '" ".join(RD[0]["waker_ustack"])' \
	'S[0]["tracker"] + " " + str(S[0]["events"] >= 3) + " " + str(S[0]["reported"])' \
	'sorted(S[0]["drops"])' 'sum(h["count"] for h in S[0]["hist"]) == S[0]["events"]' \
	'all(isinstance(a["waker_kstack"], list) and isinstance(a["waker_ustack"], list) for a in RD)'
is "${R[0]}" 3 "three 50 ms waits on the pipe reported at 20 ms"
is "${R[1]}" "[$reader]" "with the reader's pid only"
is "${R[2]}" True "tid, timeout false"
is "${R[3]}" True "delays above the threshold, up to ~50 ms"
is "${R[4]}" "[('offcpu_writer', $writer, $writer, 'task')]" "the waker is the writer (comm, pid, tid, in a task)"
like "${R[5]}" 'pipe_read|pipe_wait' "kernel stack through the pipe read path"
like "${R[6]}" 'pipe_write' "waker kernel stack through the pipe write path"
like "${R[6]}" '^(autoremove_wake_function|__wake_up|try_to_wake_up|default_wake_function)' "waker kernel stack starts at the wake-up, not in BPF"
like "${R[7]}" 'write_one.*main' "waker user stack unwound through the writer's function to main"
is "${R[8]}" "offcpu True $(grep -c '"type":"alert"' "$TMP/t20.out")" "JSON summary: events counted, every alert reported"
is "${R[9]}" "['bad_records', 'inflight_full', 'replaced', 'ringbuf_full', 'stack_failed', 'timer_failed']" \
	"summary shows every drop counter"
is "${R[10]}" True "histogram holds every event"
is "${R[11]}" True "waker_kstack and waker_ustack are arrays"

# --- text output ------------------------------------------------------------------------------
spawn 30 1
reader=$RPID writer=$WPID
start_track text offcpu -t 10ms -p "$RPID"
go
stop_track
text=$(cat "$TMP/text.out")
like "$text" "^offcpu_latency: comm=offcpu_reader pid=$reader tid=$reader reason=blocked waker_comm=offcpu_writer waker_pid=$writer waker_tid=$writer waker_context=task delay_us=[0-9]+ timeout=0 cpu=[0-9]+$" \
	"text line in the original's spirit"
like "$text" '^  kernel stack:$' "text: kernel stack"
like "$text" '^  waker kernel stack:$' "text: waker kernel stack"
like "$text" '^  waker user stack:$' "text: waker user stack"
like "$text" '^offcpu: [0-9]+ events, [1-9][0-9]* reported' "text summary (the blocked wait; a busy machine may add preemptions)"
like "$text" '^  lost: inflight_full=0 ringbuf_full=0 stack_failed=0 timer_failed=0' "text summary shows drops"

# --- not above the threshold; --no-stack --------------------------------------------------------
spawn 30 2
start_track t200 offcpu --threshold 200ms --pid "$RPID" --json
go
stop_track
pyq "$TMP/t200.out" 'len(A)' 'S[0]["events"] >= 2'
is "${R[0]}" 0 "30 ms waits not reported at threshold 200 ms"
is "${R[1]}" True "but counted in the summary"
spawn 30 1
start_track nostack offcpu -t 10ms --pid "$RPID" --json --no-stack
go
stop_track
pyq "$TMP/nostack.out" 'len(RD)' '(RD[0]["kstack"], RD[0]["waker_kstack"], RD[0]["waker_ustack"], RD[0]["waker_comm"])'
is "${R[0]}" 1 "--no-stack: still reported"
is "${R[1]}" "([], [], [], 'offcpu_writer')" "--no-stack: no stacks, the waker still named"

# --- timeout: a 150 ms wait with timeout 40 ms -------------------------------------------------
spawn 150 1
start_track to offcpu -t 20ms --timeout 40ms --pid "$RPID" --json --no-stack
go
stop_track
pyq "$TMP/to.out" '[a["timeout"] for a in RD]' \
	'35e6 <= RD[0]["delay_ns"] < 140e6 and RD[1]["delay_ns"] >= 100e6' \
	'RD[0]["start_ns"] == RD[1]["start_ns"]' '("waker_comm" in RD[0], RD[1]["waker_comm"])'
is "${R[0]}" "[True, False]" "a timeout report, then the switch-in report"
is "${R[1]}" True "timeout at ~40 ms, switch-in at ~150 ms"
is "${R[2]}" True "both reports are the same wait"
is "${R[3]}" "(False, 'offcpu_writer')" "no waker before the wake-up; the writer after"

# --- --pid keeps other processes out: the writer's pid only ------------------------------------
spawn 30 3
start_track pid offcpu -t 10ms --pid "$WPID" --json --no-stack
writer=$WPID reader=$RPID
go
stop_track
pyq "$TMP/pid.out" 'sorted(set(a["pid"] for a in A))' 'len(A) >= 3'
is "${R[0]}" "[$writer]" "--pid on the writer: the reader is not reported"
is "${R[1]}" True "--pid: the writer's own 30 ms sleeps are reported"

# --- --exec: the waker's fields and stacks in the environment ----------------------------------
# (two waits: the first alert's --exec runs while the writer is alive, so its stack can be unwound)
spawn 30 2
reader=$RPID writer=$WPID
start_track exec offcpu -t 10ms --pid "$RPID" -q --exec "env > $TMP/env.\$\$"
go
_env_written() { grep -qs '^LATSCOPE_WAKER_USTACK=' "$TMP"/env.*; } # its --exec has run
wait_until "$WAIT_TIMEOUT" _env_written || diag "no --exec output in ${WAIT_TIMEOUT} s"
stop_track
envfile=$(ls "$TMP"/env.* 2>/dev/null | head -1)
env=$(cat "$envfile" 2>/dev/null)
like "$env" '^LATSCOPE_TRACKER=offcpu$' "--exec: LATSCOPE_TRACKER"
like "$env" "^LATSCOPE_PID=$reader\$" "--exec: LATSCOPE_PID (the reader)"
like "$env" "^LATSCOPE_WAKER_PID=$writer\$" "--exec: LATSCOPE_WAKER_PID (the writer)"
like "$env" '^LATSCOPE_WAKER_COMM=offcpu_writer$' "--exec: LATSCOPE_WAKER_COMM"
like "$env" '^LATSCOPE_WAKER_KSTACK=.*pipe_write' "--exec: LATSCOPE_WAKER_KSTACK"
like "$env" '^LATSCOPE_WAKER_USTACK=.*write_one' "--exec: LATSCOPE_WAKER_USTACK"

done_testing
