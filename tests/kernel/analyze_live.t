#!/usr/bin/env bash
# analyze_live.t: `latscope analyze NAME --live` on the real kernel against `latscope record` of
# the same moment: a known workload (N writes of K bytes, a 20 ms nanosleep, 200 ms of CPU) runs
# while both watch; its syscallstats block and its cputop row are the same live as on the trace
# (and the trace's as the workload made them); bad usage; a periodlog whose expressions read
# fields of the live events; with --record DIR, the trace of the very records the analysis read
# gives the same output to the nanosecond.
. "$(dirname "$0")/../lib.sh"

require_root
[ -r /sys/kernel/btf/vmlinux ] || skip_all "the kernel has no BTF"
WORKLOAD=$LATSCOPE_BUILD/tests/helpers/rec_workload
[ -x "$WORKLOAD" ] || skip_all "test helpers not built (make)"
. "$(dirname "$0")/record_lib.sh"

# --- usage errors --------------------------------------------------------------------------------
"$LATSCOPE" analyze cputop --live "$TMP" >/dev/null 2>"$TMP/err"
is "$?" 2 "--live with a TRACE: usage error"
like "$(head -1 "$TMP/err")" '^latscope: --live takes no TRACE' "--live with a TRACE: said"
"$LATSCOPE" analyze cputop --duration 1s "$TMP" >/dev/null 2>"$TMP/err"
is "$?" 2 "--duration without --live: usage error"
"$LATSCOPE" analyze cputop --live --begin 10:00:00 >/dev/null 2>"$TMP/err"
is "$?" 2 "--live --begin: usage error"
"$LATSCOPE" analyze cputop --live --buffer-size 3000 >/dev/null 2>"$TMP/err"
is "$?" 2 "--live --buffer-size not a power of two: usage error"
"$LATSCOPE" analyze cputop --live --duration nope >/dev/null 2>"$TMP/err"
is "$?" 2 "--live --duration nope: usage error"
if nobody_can_run; then
	# a copy nobody can reach: the checkout may sit under a folder only root can enter (/root)
	install -d -m 0755 "$TMP/nonroot" && install -m 0755 "$LATSCOPE" "$TMP/nonroot/latscope"
	chmod 0755 "$TMP"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$TMP/nonroot/latscope" analyze cputop \
		--live --duration 1 >/dev/null 2>"$TMP/err"
	is "$?" 1 "--live without privilege: exit 1"
	like "$(cat "$TMP/err")" '^latscope: --live: needs root' "--live without privilege: one line saying so"
else
	skip 2 "uid 65534 cannot run programs here (no setpriv, or a root directory only root may enter)"
fi
"$LATSCOPE" analyze cputop --live --duration 1 --record /proc/nope >/dev/null 2>"$TMP/err"
is "$?" 1 "--live --record into an unwritable folder: exit 1"
like "$(cat "$TMP/err")" '^latscope: --live: /proc/nope/kernel: ' "--live --record unwritable: says where"

# --- live analyses in the background -------------------------------------------------------------
# start_live NAME ARGS...: latscope analyze ARGS --live, stdout in $TMP/NAME.out, stderr in .err;
# back once its probes run and its statedump went (its "live" line), or a failed test and exit.
LIVE_PIDS=()
declare -A LIVE_PID
_live_cleanup() {
	for p in "${LIVE_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	_record_cleanup
}
trap _live_cleanup EXIT
_live_started() {
	grep -qs 'on this machine live' "$TMP/$1.err" && return 0
	kill -0 "${LIVE_PID[$1]}" 2>/dev/null || return 0
	return 1
}
live_explain() {
	diag "live run '$1': latscope analyze ${*:2} --live; exit status: ${LIVE_RC[$1]:-(running)}"
	diag "  stderr:"
	sed -n '1,20s/^/    /p' "$TMP/$1.err" 2>/dev/null | sed 's/^/# /'
}
declare -A LIVE_RC LIVE_ARGS
start_live() {
	local name=$1
	shift
	: >"$TMP/$name.err"
	LIVE_ARGS[$name]="$*"
	"$LATSCOPE" analyze "$@" --live >"$TMP/$name.out" 2>"$TMP/$name.err" &
	LIVE_PID[$name]=$!
	LIVE_PIDS+=($!)
	wait_until "$REC_START_TIMEOUT" _live_started "$name"
	grep -qs 'on this machine live' "$TMP/$name.err" && return 0
	ok 1 "latscope analyze $* --live started (within ${REC_START_TIMEOUT} s)"
	live_explain "$name" "$@"
	done_testing
	exit 1
}
stop_live() { # stop_live NAME: Ctrl-C, then its exit status
	kill -INT "${LIVE_PID[$1]}"
	wait "${LIVE_PID[$1]}"
	LIVE_RC[$1]=$?
	return "${LIVE_RC[$1]}"
}

# --- one workload, seen by the recorder and the live analyses at once ----------------------------
N=100
K=4096
start_record wl --events sched,syscall
start_live ss syscallstats
start_live cpu cputop --limit unlimited --lami
# SCHED_FIFO as in record.t: its nanosleep is then ~20 ms on a loaded machine
(chrt -f -p 1 "$BASHPID" >/dev/null 2>&1; exec "$WORKLOAD" $N $K 20 200 "$TMP/wl.data") &
W=$!
wait $W
is "$?" 0 "workload ran (tid $W)"
stop_record
is "$?" 0 "recorder stopped cleanly"
stop_live ss
is "$?" 0 "live syscallstats: exit 0 after Ctrl-C" || live_explain ss syscallstats
stop_live cpu
is "$?" 0 "live cputop: exit 0 after Ctrl-C" || live_explain cpu cputop

# syscallstats: the workload's block, live and on the trace
"$LATSCOPE" analyze syscallstats "$TMP/wl" >"$TMP/trace.ss" 2>"$TMP/trace.ss.err"
is "$?" 0 "syscallstats on the trace"
block() { # block FILE: the workload's (tid $W) per-TID block (header to Total:)
	awk 'index($0, "(" W ", TID: " W ")") { on = 1 } on { print } on && /^Total:/ { exit }' W="$W" "$1"
}
block "$TMP/trace.ss" >"$TMP/trace.block"
block "$TMP/ss.out" >"$TMP/live.block"
is "$(awk '$2 == "write" {print $3}' "$TMP/trace.block")" "$N" "trace: the workload's $N writes"
sleep_us=$(awk '$2 == "nanosleep" {print $4}' "$TMP/trace.block")
awk -v v="$sleep_us" 'BEGIN { exit !(v >= 20000 && v < 30000) }'
ok $? "trace: one ~20 ms nanosleep (got $sleep_us us)"
is "$(awk '$2 == "write" {print $3}' "$TMP/live.block")" "$N" "live: the workload's $N writes"
# Each home has its own probes on the same tracepoints, run one after the other: a time differs
# by what the other's program costs (µs, more when an interrupt comes between), so the counts
# and return values are equal and the durations within SLACK_US (a max beyond it when the sums
# differ as much: one call preempted between the two programs).
SLACK_US=50
compare_blocks() { # compare_blocks TRACE_BLOCK LIVE_BLOCK: the differences, one a line
	python3 - "$1" "$2" "$SLACK_US" <<'EOF'
import re, sys
def rows(path):
    out = {}
    for line in open(path):
        m = re.match(r" - (\S+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+\S+\s+(\{.*\})", line)
        if m:
            out[m.group(1)] = (int(m.group(2)), [float(m.group(i)) for i in (3, 4, 5)], m.group(6))
    return out
t, l, slack = rows(sys.argv[1]), rows(sys.argv[2]), float(sys.argv[3])
if not t:
    print("no syscall rows on the trace")
for name in sorted(set(t) | set(l)):
    if name not in t or name not in l:
        print("%s: only %s" % (name, "on the trace" if name in t else "live"))
        continue
    (tc, td, tr), (lc, ld, lr) = t[name], l[name]
    if tc != lc or tr != lr:
        print("%s: count/returns %d %s on the trace, %d %s live" % (name, tc, tr, lc, lr))
    for what, a, b in zip(("min", "avg", "max"), td, ld):
        # a preemption between the two homes' programs adds its time to one call in one home:
        # a max that differs by more than the slack must show in the sums as much (one call's
        # extra time, not another call)
        if what == "max" and abs(a - b) > slack and tc == lc and \
                abs(tc * td[1] - lc * ld[1]) >= abs(a - b) - slack:
            continue
        if abs(a - b) > slack:
            print("%s: %s %.3f us on the trace, %.3f us live" % (name, what, a, b))
EOF
}
diffs=$(compare_blocks "$TMP/trace.block" "$TMP/live.block")
is "$diffs" "" "syscallstats: the workload's block live = on the trace (every syscall's count and returns; durations within $SLACK_US us)" ||
	diag "trace:" "$(cat "$TMP/trace.block")" "live:" "$(cat "$TMP/live.block")" \
		"live stderr:" "$(cat "$TMP/ss.err")"
is "$(head -1 "$TMP/live.block")" "$(head -1 "$TMP/trace.block")" \
	"syscallstats: the workload's name and TID live = on the trace"
like "$(head -1 "$TMP/ss.out")" '^Timerange: \[' "live syscallstats: the trace's text (Timerange first)"

# cputop: the workload's row (name, migrations, priorities, CPU time = ratio x range)
"$LATSCOPE" analyze cputop --limit unlimited --lami "$TMP/wl" >"$TMP/trace.cpu" 2>"$TMP/trace.cpu.err"
is "$?" 0 "cputop on the trace"
row() { # row FILE: "name tid migrations prios cpu_us" of the workload, from LAMI
	python3 - "$1" "$W" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for t in d["results"]:
    b, e = t["time-range"]["begin"]["value"], t["time-range"]["end"]["value"]
    for r in t["data"]:
        if r[0].get("tid") == int(sys.argv[2]):
            print(r[0]["name"], r[0]["tid"], r[1]["value"], r[2]["value"],
                  round(r[3]["value"] * (e - b) / 1000))
EOF
}
trace_row=$(row "$TMP/trace.cpu")
live_row=$(row "$TMP/cpu.out")
cpu_us=$(echo "$trace_row" | awk '{print $NF}')
awk -v v="$cpu_us" 'BEGIN { exit !(v > 150000 && v < 400000) }'
ok $? "trace: the workload used ~200 ms of CPU ($trace_row)"
is "${live_row% *}" "${trace_row% *}" "cputop: the workload's row live = on the trace (name, tid, migrations, priorities)" ||
	diag "live stderr:" "$(cat "$TMP/cpu.err")"
# its CPU time: the switches' times differ as the syscalls' (above), a few us per switch
awk -v a="${trace_row##* }" -v b="${live_row##* }" 'BEGIN { d = a - b; exit !(a != "" && d <= 1000 && d >= -1000) }'
ok $? "cputop: the workload's CPU time live = on the trace within 1 ms (${trace_row##* } us, ${live_row##* } us live)"

# --- --record DIR: the same records to a trace and to the analysis: equal to the nanosecond ----
# One set of probes: the trace record.c writes from them, read back by the CTF source, and the
# live events decoded from them give the same syscallstats, every thread's, every figure (the
# trace read whole: --no-intersection; the Timerange line aside, the trace's streams' range).
start_live same syscallstats --record "$TMP/same"
(chrt -f -p 1 "$BASHPID" >/dev/null 2>&1; exec "$WORKLOAD" $N $K 20 50 "$TMP/wl3.data") &
W3=$!
wait $W3
stop_live same
is "$?" 0 "live syscallstats --record: exit 0 after Ctrl-C" || live_explain same syscallstats
"$LATSCOPE" analyze syscallstats --no-intersection --skip-validation "$TMP/same" \
	>"$TMP/same.trace" 2>"$TMP/same.trace.err"
is "$?" 0 "syscallstats on the --record trace" || diag "$(cat "$TMP/same.trace.err")"
W=$W3 block "$TMP/same.out" >"$TMP/same.live.block"
W=$W3 block "$TMP/same.trace" >"$TMP/same.trace.block"
is "$(awk '$2 == "write" {print $3}' "$TMP/same.live.block")" "$N" "--record: live, the workload's $N writes"
is "$(cat "$TMP/same.live.block")" "$(cat "$TMP/same.trace.block")" \
	"--record: the workload's syscallstats block live = on its trace, to the ns"
# The two statedumps (record.c's into the trace, live_statedump.c's) read /proc one after the
# other: a process that comes or goes between them is known by its pid to one of them only,
# shown "(?, TID: N)" by the other; such headers are told apart, and counted.
same_lines() { # same_lines TRACE LIVE: the lines that differ otherwise, one a line
	python3 - "$1" "$2" <<'EOF'
import re, sys
t = open(sys.argv[1]).read().splitlines()[1:]
l = open(sys.argv[2]).read().splitlines()[1:]
if len(t) != len(l):
    print("%d lines on the trace, %d live" % (len(t), len(l)))
pid = re.compile(r"\((?:\d+|\?), TID: (\d+)\)\s*")
for a, b in zip(t, l):
    if a != b and pid.sub("(P, TID: \\1) ", a) != pid.sub("(P, TID: \\1) ", b):
        print("trace: " + a)
        print("live:  " + b)
EOF
}
same_diff=$(same_lines "$TMP/same.trace" "$TMP/same.out")
is "$same_diff" "" "--record: the whole syscallstats ($(wc -l <"$TMP/same.out") lines, every thread) live = on its trace" ||
	diag "live stderr:" "$(cat "$TMP/same.err")"
pid_only=$(diff <(tail -n +2 "$TMP/same.trace") <(tail -n +2 "$TMP/same.out") | grep -c '^<')
diag "--record: $pid_only header(s) differ by a pid only one statedump knew"

# --- --duration, LAMI, periods with a field ------------------------------------------------------
"$LATSCOPE" analyze periodlog --live --duration 2s --lami \
	--period 'sl : $evt.$name == "syscall_entry_nanosleep" && $evt.rqtp != 0 : $evt.$name == "syscall_exit_nanosleep" && $evt.ret == 0' \
	>"$TMP/plog.json" 2>"$TMP/plog.err" &
P=$!
wait_until "$REC_START_TIMEOUT" grep -qs 'on this machine live' "$TMP/plog.err"
(chrt -f -p 1 "$BASHPID" >/dev/null 2>&1; exec "$WORKLOAD" 1 16 30 0 "$TMP/wl2.data") &
W2=$!
wait $W2
wait $P
is "$?" 0 "periodlog --live --duration 2s: ends by itself, exit 0" ||
	diag "stderr:" "$(cat "$TMP/plog.err")"
durs=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(str(r[2]["value"]) for t in d["results"] for r in t["data"]))' "$TMP/plog.json")
ok $? "periodlog --live --lami: a LAMI document"
awk -v d="$durs" 'BEGIN { n = split(d, a, " "); for (i = 1; i <= n; i++) if (a[i] >= 30e6 && a[i] < 45e6) exit 0; exit 1 }'
ok $? "periodlog --live: the 30 ms nanosleep, its fields read live (\$evt.rqtp, \$evt.ret)" ||
	diag "periods: $durs" "$(head -c 2000 "$TMP/plog.json")"

done_testing
