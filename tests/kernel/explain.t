#!/usr/bin/env bash
# explain.t: latscope explain on real workloads recorded with latscope record (eBPF) on this
# machine, each with a known cause it measures itself (tests/helpers/explain_wk.c): a reader on a
# pipe whose writer sleeps 100 ms; a worker pinned beside two CPU hogs; O_DIRECT reads of 1 MiB; a client
# whose local server answers after 200 ms; a futex held by a sleeping thread; a UDP query nobody
# answers, polled with a 300 ms timeout. The figures are checked within 1 % of the workload's own
# (the trace has no hrtimer events: timers are told from the system calls).
. "$(dirname "$0")/../lib.sh"

require_root
[ -r /sys/kernel/btf/vmlinux ] || skip_all "the kernel has no BTF"
WK=$LATSCOPE_BUILD/tests/helpers/explain_wk
[ -x "$WK" ] || skip_all "test helpers not built (make)"
. "$(dirname "$0")/record_lib.sh"

start_record rec --events sched,irq,syscall,block,net || skip_all "latscope record did not start"
"$WK" pipe 100 >"$TMP/pipe.out" &&
	"$WK" tcp 200 >"$TMP/tcp.out" &&
	"$WK" futex 100 >"$TMP/futex.out" &&
	"$WK" udp 300 >"$TMP/udp.out" &&
	"$WK" hogs 60 1 >"$TMP/hogs.out" &&
	"$WK" dio "$TMP/dio.dat" 16 1024 >"$TMP/dio.out"
ok $? "the six workloads ran under latscope record" || diag "$(cat "$TMP"/*.out)"
# (nothing to wait for: the stop detaches the probes, then reads what they wrote before)
stop_record
is "$?" 0 "recorded" || diag "$(cat "$TMP/rec.err")"
# the trace's clock: CLOCK_MONOTONIC + its offset (the workloads print CLOCK_MONOTONIC ns)
OFFSET=$(sed -n 's/^[[:space:]]*offset = \([0-9]*\);.*/\1/p' "$TMP/rec/kernel/metadata" | head -1)
[ -n "$OFFSET" ]
ok $? "the trace clock's offset from its metadata: $OFFSET"

# explain_of NAME: explains the event NAME.out gives (tid, begin, end) into NAME.json
explain_of() {
	local tid begin end line
	line=$(cat "$TMP/$1.out")
	tid=${line#tid=}
	tid=${tid%% *}
	begin=$(sed -n 's/.* begin=\([0-9]*\).*/\1/p' <<<"$line")
	end=$(sed -n 's/.* end=\([0-9]*\).*/\1/p' <<<"$line")
	"$LATSCOPE" explain --json --tid "$tid" --from $((begin + OFFSET)) --to $((end + OFFSET)) \
		"$TMP/rec" >"$TMP/$1.json" 2>"$TMP/$1.err"
}

# check NAME CHECKS...: python asserts on NAME.json (j), with the workload's figures (w: its
# key=value line) and helpers; prints "ok" or what differs, and the explanation's summary
check() {
	local name=$1
	shift
	/usr/bin/python3 - "$TMP/$name.json" "$TMP/$name.out" "$OFFSET" "$@" <<'PYEOF'
import json, sys
j = json.load(open(sys.argv[1]))
w = {k: int(v) for k, v in (x.split('=') for x in open(sys.argv[2]).read().split())}
off = int(sys.argv[3])
dur = j['event']['duration_ns']
def top(state, on=None):
    for it in j['breakdown']:
        if it['state'] == state and it['on'] == on:
            return it
    return {'ns': 0, 'tasks': [], 'breakdown': [], 'tid': -1}
def sub(it, state, on=None):
    for c in it['breakdown']:
        if c['state'] == state and c['on'] == on:
            return c
    return {'ns': 0, 'tasks': [], 'breakdown': []}
def tasks(it):
    return {t['tid']: t['ns'] for t in it['tasks']}
def share(tid):
    # a hog's time while the worker waited, with the interrupts that hit it (this kernel has
    # no IRQ_TIME_ACCOUNTING: /proc/PID/schedstat counts them in the task's time)
    for t in top('preempted')['tasks']:
        if t['tid'] == tid:
            print('%s: %d ns + %d ns of IRQs' % (t['comm'], t['ns'], t['irq_ns']), file=sys.stderr)
            return t['ns'] + t['irq_ns']
    return 0
def near_steal(got, want):
    steal = (w['steal_ticks'] + 1) * 10000000  # a count of 0 ticks is less than one tick
    ok = abs(got - want) <= 0.01 * want + steal
    print('%d ns, measured %d ns (%d steal ticks): %s' % (got, want, w['steal_ticks'],
          'ok' if ok else 'BAD'), file=sys.stderr)
    return ok
def show(*what):
    print('%r' % (what,), file=sys.stderr)
    return True
def between(got, lo, hi):
    if not lo <= got <= hi:
        print('%d ns, expected %d..%d ns' % (got, lo, hi), file=sys.stderr)
        print(json.dumps(j['breakdown'])[:600], file=sys.stderr)
    return lo <= got <= hi
def near_switches(it, want):
    # the trace stamps a switch at the sched_switch event, the scheduler's accounting at its
    # run queue clock's update a few instructions before: a few us a switch
    slack = 0.01 * want + it['count'] * 10000
    ok = abs(it['ns'] - want) <= slack
    print('%d ns, measured %d ns, %d intervals: %s' % (it['ns'], want, it['count'],
          'ok' if ok else 'BAD'), file=sys.stderr)
    return ok
def near(got, want, of=None):
    ok = abs(got - want) <= 0.01 * (of if of is not None else want)
    if not ok:
        print('%d ns, expected %d ns (1 %%)' % (got, want), file=sys.stderr)
    return ok
def overlap(b0, e0, b1, e1):
    return max(0, min(e0, e1) - max(b0, b1))
def slept(got, asked):
    # the timer part of the task's sleep inside the event: at least the sleep it asked for
    # (the timer cannot fire sooner), at most the sleep it measured (which adds the wait for
    # the interrupt and for a CPU after it: a loaded machine's or hypervisor's), within 1 %
    b, e = j['event']['begin_ns'], j['event']['end_ns']
    lo = overlap(b, e, w['sleep_begin'] + off, w['sleep_begin'] + off + asked)
    hi = overlap(b, e, w['sleep_begin'] + off, w['sleep_begin'] + off + w['sleep'])
    ok = lo - 0.01 * lo <= got <= hi + 0.01 * lo
    if not ok:
        print('timer %d ns, expected %d..%d' % (got, lo, hi), file=sys.stderr)
    return ok
bad = []
for expr in sys.argv[4:]:
    try:
        if not eval(expr):
            bad.append(expr)
    except Exception as e:
        bad.append('%s: %s' % (expr, e))
if abs(sum(i['ns'] for i in j['breakdown']) - dur) > 0.01 * dur:
    bad.append('the top-level ns do not add up to duration_ns')
print('ok' if not bad else 'BAD ' + ' | '.join(bad[:3]))
print(j['summary'], file=sys.stderr)
PYEOF
}

# the pipe: the reader's wait is the writer's; the writer's part is its 100 ms timer
explain_of pipe
ok $? "explain the reader's read(2)" || diag "$(cat "$TMP/pipe.err")"
r=$(check pipe "top('blocked', 'task')['ns'] >= 0.9 * (dur - top('preempted')['ns'])" \
	"list(tasks(top('blocked', 'task'))) == [w['writer_tid']]" \
	"slept(sub(top('blocked', 'task'), 'blocked', 'timer')['ns'], 100000000)" \
	2>"$TMP/pipe.sum")
is "$r" ok "pipe: >= 90 % (of the time it could not run) on the writer (named), its 100 ms sleep a timer (1 %)"
diag "$(cat "$TMP/pipe.sum")"

# a local TCP server that answers after 200 ms
explain_of tcp
r=$(check tcp "top('blocked', 'network')['ns'] + top('blocked', 'task')['ns'] >= 0.9 * dur" \
	"w['server_tid'] in tasks(top('blocked', 'network')) or w['server_tid'] in tasks(top('blocked', 'task'))" \
	"slept(sub(top('blocked', 'network'), 'blocked', 'timer')['ns'] + sub(top('blocked', 'task'), 'blocked', 'timer')['ns'], 200000000)" \
	2>"$TMP/tcp.sum")
is "$r" ok "tcp: the wait for the reply on the server (named), its 200 ms sleep a timer (within 1 %)"
diag "$(cat "$TMP/tcp.sum")"

# a futex held by a thread that sleeps 100 ms
explain_of futex
r=$(check futex "top('blocked', 'task')['ns'] >= 0.9 * (dur - top('preempted')['ns'])" \
	"list(tasks(top('blocked', 'task'))) == [w['holder_tid']]" \
	"top('blocked', 'task')['syscalls'][0]['name'].startswith('futex')" \
	"slept(sub(top('blocked', 'task'), 'blocked', 'timer')['ns'], 100000000)" \
	2>"$TMP/futex.sum")
is "$r" ok "futex: the lock's wait on its holder (named), the holder's 100 ms sleep a timer (within 1 %)"
diag "$(cat "$TMP/futex.sum")"

# a UDP query nobody answers: poll's 300 ms timeout
explain_of udp
r=$(check udp "w['poll'] == 0" "top('blocked', 'timer')['syscalls'][0]['name'] == 'poll'" \
	"top('blocked', 'timer')['timeout_ns'] == 300000000" "top('blocked', 'timer')['timed_out']" \
	"between(top('blocked', 'timer')['ns'], 0.99 * 300000000, 1.01 * w['wait'])" 2>"$TMP/udp.sum")
is "$r" ok "udp: blocked in poll() on its 300 ms timeout (asked, run out; between it and the wait measured, 1 %)"
diag "$(cat "$TMP/udp.sum")"

# a worker pinned beside two hogs: its CPU time, and theirs while it waited
explain_of hogs
# preempted against the kernel's own account of the worker's time on the run queue
# (/proc/PID/schedstat's run_delay); the tasks' CPU clocks leave out the
# hypervisor's steal time, the trace cannot: those checks allow the steal /proc/stat counted on
# that CPU meanwhile, in its 10 ms ticks, plus one tick)
r=$(check hogs "near_switches(top('preempted'), w['waited'])" \
	"near_steal(top('running')['ns'] + top('irq')['ns'], w['cpu'])" \
	"near_steal(share(w['hog1']), w['hog1_ns'])" "near_steal(share(w['hog2']), w['hog2_ns'])" \
	2>"$TMP/hogs.sum")
is "$r" ok "hogs: preempted = its run-queue time (1 % + 10 us a switch), running = its CPU time (+ steal), xp_hog1 and xp_hog2 named with their CPU time (+ steal)"
diag "$(cat "$TMP/hogs.sum")"

# O_DIRECT reads: the disk, with the requests
explain_of dio
r=$(check dio "show(j['io'], top('blocked', 'disk').get('requests'))" \
	"j['io']['requests'] >= w['reads']" "j['io']['bytes'] == w['size'] * w['reads']" \
	"top('blocked', 'disk')['ns'] >= 0.5 * (dur - top('preempted')['ns'])" \
	"0 < top('blocked', 'disk')['requests'] <= j['io']['requests']" \
	"top('blocked', 'disk')['device'] != ''" \
	"top('blocked', 'disk')['service_ns'] > 0" 2>"$TMP/dio.sum")
is "$r" ok "dio: its $(sed 's/.*reads=\([0-9]*\).*/\1/' "$TMP/dio.out") reads of 1 MiB: their requests (one or more a read) and exactly their bytes counted; most of the time it could run, blocked on the disk"
diag "$(cat "$TMP/dio.sum")"

# what critical-path says on the same trace (the peer): the same waits, no causes added up
line=$(cat "$TMP/udp.out")
tid=${line#tid=}
tid=${tid%% *}
out=$("$LATSCOPE" critical-path --tid "$tid" "$TMP/rec" 2>&1)
ok $? "critical-path on the same recording (the query's task)"

# the flight recorder: a snapshot triggered by the reader's slow read(2), its trigger.txt and,
# with --explain, its explanation written into the snapshot
start_flight fl --events sched,irq,syscall --trigger 'syscall>80ms,comm=xp_reader' --explain ||
	skip_all "the flight recorder did not start"
"$WK" pipe 100 >"$TMP/flpipe.out"
ok $? "the pipe workload under latscope record --flight --explain"
snap=
_explained() { # the explanation is written by a child after the snapshot
	for f in "$TMP"/fl/snapshot-*/explain.json; do
		[ -s "$f" ] && grep -q '}$' "$f" && snap=${f%/explain.json}
	done
	[ -n "$snap" ]
}
wait_until "$WAIT_TIMEOUT" _explained
stop_record
ok $? "the flight recorder stopped" || diag "$(cat "$TMP/fl.err")"
[ -n "$snap" ]
ok $? "a snapshot with explain.json and explain.txt ($snap)" || diag "$(cat "$TMP/fl.err")"
line=$(cat "$TMP/flpipe.out")
rtid=${line#tid=}
rtid=${rtid%% *}
is "$(sed -n 's/^tid=//p' "$snap/trigger.txt")" "$rtid" "trigger.txt names the reader"
is "$(sed -n 's/^tracker=//p' "$snap/trigger.txt")" syscall "...and the syscall tracker"
r=$(/usr/bin/python3 - "$snap/explain.json" "$TMP/flpipe.out" "$snap/trigger.txt" <<'PYEOF'
import json, sys
j = json.load(open(sys.argv[1]))
w = {k: int(v) for k, v in (x.split('=') for x in open(sys.argv[2]).read().split())}
t = dict(l.strip().split('=', 1) for l in open(sys.argv[3]) if '=' in l)
e = j['event']
bad = []
if e['tid'] != w['tid'] or e['tracker'] != 'syscall':
    bad.append('event %r' % e)
if abs(int(t['delay_ns']) - w['wait']) > 0.01 * w['wait']:
    bad.append('delay %s vs the read measured %d' % (t['delay_ns'], w['wait']))
if e['duration_ns'] != int(t['end_ns']) - int(t['start_ns']):
    bad.append('the event is not the trigger\'s')
task = [i for i in j['breakdown'] if i['on'] == 'task']
runnable = sum(i['ns'] for i in j['breakdown'] if i['state'] == 'preempted')
if not task or task[0]['ns'] < 0.9 * (e['duration_ns'] - runnable) or \
        task[0]['tasks'][0]['tid'] != w['writer_tid']:
    bad.append('not >= 90 %% on the writer: %s' % j['summary'])
print('ok' if not bad else 'BAD ' + ' | '.join(bad))
PYEOF
)
is "$r" ok "explain.json: the trigger's event (its delay within 1 % of the read's), >= 90 % (of the time it could not run) on the writer"
like "$(head -1 "$snap/explain.txt")" "^Why xp_reader \(tid $rtid\) took .* \(tracker syscall\)$" "explain.txt: the same, as text"
if command -v babeltrace2 >/dev/null; then
	n=$(babeltrace2 "$snap" 2>"$TMP/bt.err" | wc -l)
	ok $? "babeltrace2 reads the snapshot folder (trigger.txt and explain.* beside kernel/): $n events"
	is "$(grep -c . "$TMP/bt.err")" 0 "...and says nothing about them"
else
	skip 2 "babeltrace2 missing"
fi

done_testing
