#!/usr/bin/env bash
# record_context.t: `latscope record --context LIST`: LTTng's kernel contexts (procname, tid, pid,
# ppid, prio, vpid, vtid) in the stream event context as lttng-modules writes them, checked
# against the tasks' own ids (a process in a new PID namespace is 1 there), read by babeltrace2,
# and used by lttng-analyses and latscope to name a task from its exec on (every system call of
# a freshly exec'd process is counted under its name); in a flight snapshot too; usage errors.
. "$(dirname "$0")/../lib.sh"

require_root
[ -r /sys/kernel/btf/vmlinux ] || skip_all "the kernel has no BTF"
BURST=$LATSCOPE_BUILD/tests/helpers/getppid_loop
[ -x "$BURST" ] || skip_all "test helpers not built (make)"
command -v babeltrace2 >/dev/null || skip_all "babeltrace2 not installed"
. "$(dirname "$0")/record_lib.sh"

# --- usage errors --------------------------------------------------------------------------------
"$LATSCOPE" record -o "$TMP/u" --context procname,bogus >/dev/null 2>"$TMP/err"
is "$?" 2 "unknown context: usage error (exit 2)"
like "$(head -1 "$TMP/err")" "^latscope: record: --context: unknown context 'bogus' \(known: procname,tid,pid,ppid,prio,vpid,vtid\)" \
	"unknown context: one-line reason"
"$LATSCOPE" record -o "$TMP/u" -c tid,pid,tid >/dev/null 2>"$TMP/err"
is "$?" 2 "a context twice: usage error"
like "$(head -1 "$TMP/err")" "context 'tid' given twice" "a context twice: named"

# --- every context, on known tasks ---------------------------------------------------------------
# names no other process has; the burst is exec'd by this shell ($$), the other is pid 1 of a new
# PID namespace
cp "$BURST" "$TMP/ctx_burst"
cp "$BURST" "$TMP/ctx_ns"
start_record all --events sched,syscall --context procname,tid,pid,ppid,prio,vpid,vtid
"$TMP/ctx_burst" 2000 >/dev/null &
P=$!
wait $P
is "$?" 0 "workload: 2000 getppid"
have_ns=no
if unshare --pid --fork "$TMP/ctx_ns" 300 >/dev/null 2>&1; then
	have_ns=yes
fi
stop_record
is "$?" 0 "recorded with every context"
like "$(tr -d '\n\t' <"$TMP/all/kernel/metadata")" 'event.context := struct \{integer \{ size = 8; align = 8; signed = 0; encoding = UTF8; base = 10; \} _procname\[16\];integer \{ size = 32; align = 8; signed = 1; encoding = none; base = 10; \} _tid;integer \{ size = 32; align = 8; signed = 1; encoding = none; base = 10; \} _pid;integer \{ size = 32; align = 8; signed = 1; encoding = none; base = 10; \} _ppid;integer \{ size = 32; align = 8; signed = 1; encoding = none; base = 10; \} _prio;integer \{ size = 32; align = 8; signed = 1; encoding = none; base = 10; \} _vpid;integer \{ size = 32; align = 8; signed = 1; encoding = none; base = 10; \} _vtid;\};' \
	"metadata: the stream event context, lttng-modules' types, in the order asked"
babeltrace2 "$TMP/all" >"$TMP/all.txt" 2>"$TMP/all.bt.err"
is "$?" 0 "babeltrace2 reads the trace"
is "$(cat "$TMP/all.bt.err")" "" "babeltrace2: nothing on stderr"
prio=$(awk '{ print $18 }' /proc/self/stat) # this shell's: the burst inherits it
n=$(grep -c "syscall_entry_getppid: { cpu_id = [0-9]* }, { procname = \"ctx_burst\", tid = $P, pid = $P, ppid = $$, prio = $prio, vpid = $P, vtid = $P }" "$TMP/all.txt")
is "$n" 2000 "babeltrace2: the 2000 getppid entries carry procname, tid, pid, ppid, prio, vpid, vtid"
if [ $have_ns = yes ]; then
	n=$(grep 'syscall_entry_getppid: .*procname = "ctx_ns"' "$TMP/all.txt" |
		grep -Ec 'tid = [0-9]{2,}, pid = [0-9]{2,}, .* vpid = 1, vtid = 1 \}')
	is "$n" 300 "a new PID namespace: vpid = vtid = 1, tid and pid the host's"
else
	skip 1 "unshare --pid does not work here"
fi
grep -q 'lttng_statedump_start: { cpu_id = 0 }, { procname = "latscope", tid = ' "$TMP/all.txt"
ok $? "the statedump's events carry the recorder's own context"

# --- a process named from its exec on: lttng-analyses and latscope ------------------------------
if [ -x /usr/bin/lttng-syscallstats ]; then
	/usr/bin/python3 /usr/bin/lttng-syscallstats --no-progress --skip-validation \
		--no-intersection --procname ctx_burst "$TMP/all" >"$TMP/peer.ss" 2>&1
	is "$?" 0 "lttng-syscallstats reads the trace with contexts"
	is "$(awk '$2 == "getppid" { print $3 }' "$TMP/peer.ss")" 2000 \
		"lttng-syscallstats --procname ctx_burst: all 2000 getppid (the exec's procname context)"
else
	skip 2 "lttng-analyses not installed"
fi
"$LATSCOPE" analyze syscallstats --no-intersection --procname ctx_burst "$TMP/all" >"$TMP/ss.txt" 2>&1
is "$?" 0 "latscope analyze syscallstats reads the trace with contexts"
is "$(awk '$2 == "getppid" { print $3 }' "$TMP/ss.txt")" 2000 \
	"latscope analyze --procname ctx_burst: all 2000 getppid"

# --- a flight snapshot ---------------------------------------------------------------------------
start_flight fl --events sched,syscall --keep-size 8M --context procname,tid
"$TMP/ctx_burst" 100 >/dev/null &
P=$!
wait $P
snap=$("$LATSCOPE" ctl --socket "$TMP/fl.sock" snapshot)
is "$?" 0 "flight with contexts: ctl snapshot"
stop_record
is "$?" 0 "flight with contexts: exit 0"
n=$(babeltrace2 "$snap" 2>/dev/null | grep -c "syscall_entry_getppid: { cpu_id = [0-9]* }, { procname = \"ctx_burst\", tid = $P }")
is "$n" 100 "the snapshot's events carry procname and tid"

done_testing
