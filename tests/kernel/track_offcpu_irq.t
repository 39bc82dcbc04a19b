#!/usr/bin/env bash
# track_offcpu_irq.t: `latscope track offcpu` names a timer wake-up's timer, never the task the timer interrupt landed on (a sleeper sharing a CPU with a spinner).
. "$(dirname "$0")/../lib.sh"

require_root
[ -r /sys/kernel/btf/vmlinux ] || skip_all "the kernel has no BTF"
command -v taskset >/dev/null || skip_all "no taskset"
command -v python3 >/dev/null || skip_all "no python3"
. "$(dirname "$0")/track_lib.sh"

N=10
CPU=$(($(nproc) - 1))
# The spinner: always in user mode on CPU, so the sleeper's timer interrupts land on it.
taskset -c "$CPU" sh -c 'while :; do :; done' &
SPIN=$!
CLEANUP_PIDS+=("$SPIN")
# The sleeper, on the same CPU, held on a FIFO until the tracker runs: N sleeps of 50 ms.
GO=$TMP/go
mkfifo "$GO"
exec 7<>"$GO"
taskset -c "$CPU" python3 -S -c "
import sys, time
sys.stdin.readline()
for _ in range($N):
    time.sleep(0.05)" <"$GO" &
SLEEPER=$!
CLEANUP_PIDS+=("$SLEEPER")

start_track irq offcpu --threshold 20ms --pid "$SLEEPER" --json
echo go >&7
wait "$SLEEPER"
ok $? "the sleeper ran"
stop_track
ok $? "track exits 0 on SIGINT"
exec 7>&-

PYQ_DEFS='
SPIN = int(ARGS.pop(0))
# The sleeps: blocked in nanosleep (its kernel stack says so; without one, any wait but the one on
# the FIFO, woken by this script); on a loaded machine python may also wait 45 ms and more for
# the disk (a page fault), which is not one of them.
def sleep_wait(a):
    if a["kstack"]:
        return any("nanosleep" in f for f in a["kstack"])
    return True
W = [a for a in A if a.get("reason") == "blocked" and a["delay_ns"] >= 45e6 and not a["timeout"]
     and not any("pipe" in f for f in a["kstack"]) and sleep_wait(a)]
BAD = [a for a in W if a.get("waker_pid") == SPIN or a.get("waker_tid") == SPIN]'
pyq "$TMP/irq.out" "$SPIN" 'len(W)' 'len(BAD)' \
	'sorted(set(a.get("waker_context") for a in W))' \
	'sorted(set(a["waker_timer"] for a in W if "waker_timer" in a))' \
	'all(not a.get("waker_ustack") for a in W)' \
	'all("hrtimer_wakeup" in " ".join(a["waker_kstack"]) for a in W if a.get("waker_kstack"))' \
	'sorted(set((a.get("waker_comm"), a.get("waker_pid")) for a in W if a.get("waker_pid")))'
# Once in a suite run (load 2), one of the 10 sleeps had no alert: the summary counted 18 off-CPU
# periods (16 in every other run) and 11 reports, no drop; as if that sleep's 50 ms came as
# several short periods. Not understood yet: shown, not failing, under issue 18.
todo "issue 18: a 50 ms sleep once came as no alert (18 off-CPU periods instead of 16)"
is "${R[0]}" "$N" "the $N sleeps of 50 ms are reported" ||
	diag "alerts: $(grep alert "$TMP/irq.out" | head -20)" "stderr: $(cat "$TMP/irq.err")"
is "${R[1]}" 0 "0 of $N wake-ups name the spinner ($SPIN) as waker" ||
	diag "alerts: $(grep alert "$TMP/irq.out" | head -20)"
is "${R[2]}" "['timer']" "every wake-up ran in a timer interrupt (waker_context=timer)"
is "${R[3]}" "['hrtimer_wakeup']" "the timer is the sleeper's own timeout (waker_timer=hrtimer_wakeup)"
is "${R[4]}" True "no user stack of the interrupted task as the waker's"
is "${R[5]}" True "waker kernel stacks run through hrtimer_wakeup"
is "${R[6]}" "[]" "no task (spinner or bystander) named as the waker of a timer wake-up"

# Text output says the same.
exec 7<>"$GO"
taskset -c "$CPU" python3 -S -c "
import sys, time
sys.stdin.readline()
time.sleep(0.05)" <"$GO" &
SLEEPER=$!
CLEANUP_PIDS+=("$SLEEPER")
start_track text offcpu -t 20ms --pid "$SLEEPER" --no-stack
echo go >&7
wait "$SLEEPER"
stop_track
exec 7>&-
like "$(cat "$TMP/text.out")" "^offcpu_latency: comm=python3 pid=$SLEEPER tid=$SLEEPER reason=blocked (waker_tid=[0-9]+ )?waker_context=timer( waker_timer=hrtimer_wakeup)? delay_us=" \
	"text: waker_context=timer, no waker task"
kill "$SPIN"
done_testing
