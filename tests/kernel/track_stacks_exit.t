#!/usr/bin/env bash
# track_stacks_exit.t: `latscope track syscall` unwinds the user stacks of processes that exit before their records are read (ten 30 ms `sleep`s), from the mappings the record carries.
. "$(dirname "$0")/../lib.sh"

require_root
[ -r /sys/kernel/btf/vmlinux ] || skip_all "the kernel has no BTF"
SLEEP=$(command -v sleep)
[ -x "$SLEEP" ] || skip_all "no sleep"
. "$(dirname "$0")/track_lib.sh"

# A command name of our own (the comm of an exec through a symlink is the link's name), so that
# other sleeps on the machine stay out; the file mapped is still the system's sleep.
NAME=lsexit$RANDOM
ln -s "$SLEEP" "$TMP/$NAME"
N=10

start_track exit syscall -t 20ms -c "$NAME" --json
for _ in $(seq $N); do "$TMP/$NAME" 0.03; done
# Poll for the records (the reader may lag on a loaded machine).
for _ in $(seq 100); do
	[ "$(grep -c '"type":"alert"' "$TMP/exit.out")" -ge $N ] && break
	sleep 0.05
done
stop_track
ok $? "track exits 0 on SIGINT"

PYQ_DEFS='
N = [a for a in A if a.get("syscall") == "clock_nanosleep"]
WHOLE = [a for a in N if any(f.startswith(("main", "__libc_start_call_main")) for f in a["ustack"])]'
pyq "$TMP/exit.out" 'len(N)' 'len(WHOLE)' 'all(29e6 <= a["delay_ns"] < 1e9 for a in N)' \
	'sum(1 for a in N if "exited" in a.get("ustack_note", ""))' \
	'sorted(set(len(a["ustack"]) > 1 for a in N))'
is "${R[0]}" "$N" "the $N sleeps of 30 ms are reported" ||
	diag "stderr: $(cat "$TMP/exit.err")"
REASON="issue 18: under heavy load (stress-ng beside a second suite) 1 or 2 of 10 stacks were one frame, cause not found"
todo "$REASON"
ok "$([ "${R[1]}" -ge $((N - 1)) ] && echo 0 || echo 1)" \
	"at least $((N - 1)) of $N stacks whole, down to __libc_start_call_main (got ${R[1]})" ||
	diag "stacks: $(grep alert "$TMP/exit.out" | head -3)"
is "${R[2]}" True "delays of 30 ms or more"
is "${R[3]}" 0 "none says the process exited before its record was read"
todo "$REASON"
is "${R[4]}" "[True]" "no one-frame stack"

# Text output: the stack symbolized through the libc start.
start_track text syscall -t 20ms -c "$NAME"
"$TMP/$NAME" 0.03
for _ in $(seq 100); do
	grep -q '__libc_start' "$TMP/text.out" && break
	sleep 0.05
done
stop_track
like "$(cat "$TMP/text.out")" '__libc_start_call_main\+0x[0-9a-f]+ \(libc\.so\.6\)' \
	"text: the exited process's stack symbolized in libc"
done_testing
