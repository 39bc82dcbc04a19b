#!/bin/bash
# critpath.t: latscope critical-path on traces with known chains of waits (make_trace.py
# critpath_* scenarios: every interval's task, state, cause and bounds checked against
# truth.json), on the real basic-kernel-analysis trace (the path of dd, of a cc1 and of a shell
# covers the task's life as babeltrace2 shows it: contiguous intervals adding up to it), and the
# errors users meet.
. "$(dirname "$0")/../lib.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
BASIC=$SHARED_TRACES/basic-kernel-analysis

"$LATSCOPE" critical-path --help >/dev/null 2>&1 || skip_all "latscope critical-path missing"
/usr/bin/python3 -c 'import babeltrace' 2>/dev/null ||
	skip_all "python3-babeltrace missing (scripts/deps.sh)"

# check_path JSON [TRUTH TID]: the intervals are contiguous, do not overlap, add up to the range
# and start/end at its bounds; with TRUTH, they are exactly the expected ones. Prints "ok ..." or
# the first difference.
check_path() {
	/usr/bin/python3 - "$@" <<'PYEOF'
import json, sys
p = json.load(open(sys.argv[1]))
iv = p['intervals']
errs = []
if not iv:
    errs.append('no interval')
else:
    if iv[0]['begin_ns'] != p['begin_ns'] or iv[-1]['end_ns'] != p['end_ns']:
        errs.append('bounds %d..%d vs range %d..%d' % (iv[0]['begin_ns'], iv[-1]['end_ns'],
                                                        p['begin_ns'], p['end_ns']))
    for a, b in zip(iv, iv[1:]):
        if a['end_ns'] != b['begin_ns']:
            errs.append('gap or overlap at %d/%d' % (a['end_ns'], b['begin_ns']))
    for i in iv:
        if i['end_ns'] - i['begin_ns'] != i['duration_ns'] or i['duration_ns'] <= 0:
            errs.append('bad duration %r' % i)
    total = sum(i['duration_ns'] for i in iv)
    if total != p['end_ns'] - p['begin_ns'] or total != p['duration_ns']:
        errs.append('sum %d != %d' % (total, p['end_ns'] - p['begin_ns']))
    for key in ('by_task', 'by_state'):
        if sum(x['ns'] for x in p[key]) != total:
            errs.append('%s does not add up' % key)
if len(sys.argv) > 2:
    want = json.load(open(sys.argv[2]))[sys.argv[3]]
    got = [{k: i[k] for k in ('begin_ns', 'end_ns', 'tid', 'comm', 'state', 'cause')}
           for i in iv]
    if len(got) != len(want):
        errs.append('%d intervals, expected %d' % (len(got), len(want)))
    for g, w in zip(got, want):
        if g != w:
            errs.append('got %r expected %r' % (g, w))
            break
print('ok %d intervals, %d ns, depth %d' % (len(iv), p['duration_ns'], p['max_depth'])
      if not errs else 'BAD ' + '; '.join(errs[:3]))
PYEOF
}

# --- known chains -------------------------------------------------------------------------------
/usr/bin/python3 "$LATSCOPE_SRC/tests/traces/make_trace.py" "$TMP/syn" critpath_pipe \
	critpath_mixed >"$TMP/gen.log" 2>&1
ok $? "make_trace.py wrote the critpath scenarios"
S=$TMP/syn

out=$("$LATSCOPE" critical-path --tid 2001 "$S/critpath_pipe" 2>&1)
ok $? "critical-path --tid 2001 on the pipe scenario"
like "$out" "^Critical path of reader \(tid 2001\) from \[[0-9:.]+\] to \[[0-9:.]+\]: 49\.100ms, 8 intervals" \
	"header: the reader's whole life, 49.1 ms"
like "$out" "  writer \(2002\): blocked: timer$" "the writer's 30 ms sleep is on the reader's path"
like "$out" " 30\.000ms    writer \(2002\): blocked: timer" "...for exactly 30 ms, one level down"
like "$out" "^  blocked: timer +30\.000ms +61\.10 %" "summary by state: 30 ms of 49.1 ms on the timer"
like "$out" "^  writer \(2002\) +35\.000ms" "summary by task: 35 ms spent in the writer's path"
"$LATSCOPE" critical-path --json --tid 2001 "$S/critpath_pipe" >"$TMP/pipe.json"
ok $? "--json"
r=$(check_path "$TMP/pipe.json" "$S/critpath_pipe/truth.json" 2001)
like "$r" "^ok 8 intervals, 49100000 ns, depth 1$" \
	"A running, B running, B blocked on the timer 30 ms, B waiting for CPU, B running, A waiting, A running: exact ns ($r)"
out=$("$LATSCOPE" critical-path --procname writer "$S/critpath_pipe" 2>&1)
like "$out" "^Critical path of writer \(tid 2002\).*: 45\.000ms" "--procname finds the writer (its life: 1.2 to 46.2 ms)"

out=$("$LATSCOPE" critical-path --tid 3001 "$S/critpath_mixed" 2>&1)
ok $? "critical-path on the mixed scenario"
like "$out" "worker \(3001\): preempted by hog \(3003\)$" "preempted: by whom"
like "$out" " 5\.000ms  worker \(3001\): blocked: disk sda$" "a disk read woken in the disk's IRQ: 5 ms on sda"
like "$out" " 7\.000ms  worker \(3001\): blocked: network eth0$" "a socket woken by NET_RX: 7 ms on eth0"
like "$out" " 3\.000ms    helper \(3002\): blocked: disk sda$" \
	"a futex on a task blocked on the disk: the helper's disk wait is on the worker's path"
"$LATSCOPE" critical-path --json --tid 3001 "$S/critpath_mixed" >"$TMP/mixed.json"
r=$(check_path "$TMP/mixed.json" "$S/critpath_mixed/truth.json" 3001)
like "$r" "^ok 15 intervals, 49000000 ns, depth 1$" "every interval as truth.json says ($r)"
"$LATSCOPE" critical-path --json --tid 3001 --begin 1500000000020000000 --end 1500000000042000000 \
	"$S/critpath_mixed" >"$TMP/sub.json"
r=$(check_path "$TMP/sub.json")
like "$r" "^ok 8 intervals, 22000000 ns" "--begin/--end (ns): the path covers 20..42 ms exactly ($r)"

# lost events (make_trace.py lost_events: 7 on CPU 0, 3 on CPU 1) are counted and shown
/usr/bin/python3 "$LATSCOPE_SRC/tests/traces/make_trace.py" "$TMP/syn" lost_events >>"$TMP/gen.log" 2>&1
out=$("$LATSCOPE" critical-path --tid 700 "$S/lost_events" 2>&1)
like "$out" "^Warning: the tracer lost 10 events: the path may be wrong around them$" \
	"lost events: counted and shown"
out=$("$LATSCOPE" critical-path --json --tid 700 "$S/lost_events" 2>&1)
like "$out" '"lost_events": 10,' "...and in the JSON"

# --- two hosts: a wait on the network followed to the sender, on the other host ---------------
# the same exchange with inet_sock_local_out/in, then with net_dev_queue/netif_receive_skb headers
/usr/bin/python3 "$LATSCOPE_SRC/tests/traces/make_trace.py" "$TMP/syn" critpath_hosts \
	critpath_hosts_netdev >>"$TMP/gen.log" 2>&1
for v in critpath_hosts critpath_hosts_netdev; do
	H=$S/$v
	"$LATSCOPE" sync -o "$TMP/$v.json" "$H/host_a" "$H/host_b" >/dev/null
	ok $? "$v: latscope sync puts host_b (300 ms ahead, 20 ppm fast) on host_a's clock"
	out=$("$LATSCOPE" critical-path --sync "$TMP/$v.json" --tid 200 "$H/host_a" "$H/host_b" 2>&1)
	ok $? "$v: critical-path --sync FILE TRACE TRACE"
	like "$out" "2 waits followed to another host through a TCP segment" "$v: both network waits followed"
	like "$out" "    server@host_b \(300\): blocked: network[a-z0-9 ]*, a TCP segment in flight from client@host_a \(200\)$" \
		"$v: the server's wait for the request: the request in flight from the client"
	like "$out" " 20\.000ms    server@host_b \(300\): blocked: timer$" \
		"$v: the server's 20 ms sleep (host_b's clock, corrected) is on the client's path"
	like "$out" "  client@host_a \(200\): blocked: network[a-z0-9 ]*, a TCP segment in flight from server@host_b \(300\)$" \
		"$v: the client's wait for the reply: the reply in flight from the server"
	"$LATSCOPE" critical-path --json --sync "$TMP/$v.json" --tid 200 "$H/host_a" "$H/host_b" \
		>"$TMP/${v}_path.json"
	r=$(check_path "$TMP/${v}_path.json")
	like "$r" "^ok 11 intervals, 31100000 ns, depth 1$" "$v: contiguous across hosts, adding up to the client's life ($r)"
	r=$(/usr/bin/python3 - "$TMP/${v}_path.json" "$H/critpath.json" "$TMP/$v.json" <<'PYEOF'
import json, sys
got = json.load(open(sys.argv[1]))['intervals']
want = json.load(open(sys.argv[2]))
tol = json.load(open(sys.argv[3]))['transforms'][0]['accuracy_ns'] + 2
worst = 0
for g, w in zip(got, want):
    if (g['host'], g['tid'], g['state'], g['cause']) != (w['host'], w['tid'], w['state'], w['cause']):
        print('BAD got %r expected %r' % (g, w)); sys.exit()
    worst = max(worst, abs(g['begin_ns'] - w['begin_ns']), abs(g['end_ns'] - w['end_ns']))
print('%s %d intervals, worst %d ns, tolerance %d ns' %
      ('ok' if len(got) == len(want) and worst <= tol else 'BAD', len(got), worst, tol))
PYEOF
)
	like "$r" "^ok 11 intervals" "$v: every interval's host, task, state and cause as made; bounds within sync's accuracy ($r)"
done

# --- the real trace -----------------------------------------------------------------------------
if [ -d "$BASIC/kernel" ]; then
	# life of a tid as babeltrace2 shows it: its fork, and the switch-out after which it is
	# gone (prev_state 64: TASK_DEAD), in ns since the epoch
	babeltrace2 --clock-seconds "$BASIC" 2>/dev/null | grep -E "sched_(process_fork|process_exec|switch)" >"$TMP/sched.txt"
	life() {
		local fork end
		fork=$(grep -E "sched_process_fork: .*child_tid = $1," "$TMP/sched.txt" | head -1 |
			sed 's/^\[\([0-9]*\)\.\([0-9]*\)\].*/\1\2/')
		end=$(grep -E "sched_switch: .*prev_tid = $1, .*prev_state = 64," "$TMP/sched.txt" |
			tail -1 | sed 's/^\[\([0-9]*\)\.\([0-9]*\)\].*/\1\2/')
		echo "$fork $end"
	}
	"$LATSCOPE" critical-path --json --procname dd "$BASIC" >"$TMP/dd.json"
	ok $? "critical-path --procname dd on basic-kernel-analysis"
	r=$(check_path "$TMP/dd.json")
	like "$r" "^ok " "dd: contiguous, non-overlapping intervals adding up to its life ($r)"
	read -r tid b e < <(/usr/bin/python3 -c "
import json; p = json.load(open('$TMP/dd.json')); print(p['tid'], p['begin_ns'], p['end_ns'])")
	is "$b $e" "$(life "$tid")" "dd's range is its life by babeltrace2: fork to last switch-out"

	grep -E 'sched_process_exec: .*/cc1"' "$TMP/sched.txt" | sed 's/.*tid = \([0-9]*\),.*/\1/' \
		>"$TMP/cc1.tids"
	listed=$("$LATSCOPE" critical-path --procname cc1 "$BASIC" 2>&1 |
		sed -nE 's/^\(([0-9]+) tasks named cc1, tids ([0-9 ]+): the first one; choose with --tid\)$/\1 \2/p')
	is "$(echo $listed | tr ' ' '\n' | tail -n +2 | sort -n | tr '\n' ' ')" \
		"$(sort -n "$TMP/cc1.tids" | tr '\n' ' ')" \
		"--procname cc1: the cc1 processes babeltrace2 shows are listed ($listed)"
	tid=$(sed -n 3p "$TMP/cc1.tids")
	"$LATSCOPE" critical-path --json --tid "$tid" "$BASIC" >"$TMP/cc1.json"
	ok $? "critical-path --tid $tid (a cc1)"
	r=$(check_path "$TMP/cc1.json")
	like "$r" "^ok " "cc1 $tid: contiguous intervals adding up to its life ($r)"
	read -r b e < <(/usr/bin/python3 -c "
import json; p = json.load(open('$TMP/cc1.json')); print(p['begin_ns'], p['end_ns'])")
	is "$b $e" "$(life "$tid")" "cc1 $tid: fork to last switch-out, as babeltrace2 shows them"

	# the shell that ran ping waits for it: the path follows ping across processes
	"$LATSCOPE" critical-path --json --tid 13658 "$BASIC" >"$TMP/bash.json"
	r=$(check_path "$TMP/bash.json")
	like "$r" "^ok .*depth [1-9]" "a shell's path follows the tasks it waited for ($r)"
	/usr/bin/python3 -c "
import json; p = json.load(open('$TMP/bash.json'))
names = {i['comm'] for i in p['intervals'] if i['depth'] > 0}
assert 'ping' in names and any(i['cause'] == 'network' for i in p['intervals']), names"
	ok $? "...through ping, blocked on the network"
else
	ok 0 "# SKIP no basic-kernel-analysis trace in $SHARED_TRACES"
fi

# --- either decoder -----------------------------------------------------------------------------
# the LTTng decoder (the default) and libbabeltrace2 fill the same typed fields (the TCP headers
# of inet_sock_local_* and of net_dev_queue/netif_receive_skb's variants included): the same bytes
same_bytes() { # same_bytes DESCRIPTION -- ARGS...: critical-path ARGS on both decoders
	local desc=$1 a b
	shift 2
	a=$(LATSCOPE_CTF_DECODER=lttng "$LATSCOPE" critical-path "$@" 2>&1)
	b=$(LATSCOPE_CTF_DECODER=babeltrace2 "$LATSCOPE" critical-path "$@" 2>&1)
	if [ "$a" = "$b" ] && [ -n "$a" ]; then
		ok 0 "either decoder, the same bytes: $desc"
	else
		ok 1 "either decoder, the same bytes: $desc"
		diff <(echo "$a") <(echo "$b") | head -10 | sed 's/^/# /'
	fi
}
same_bytes "critpath_pipe" -- --tid 2001 "$S/critpath_pipe"
same_bytes "critpath_mixed --json" -- --json --tid 3001 "$S/critpath_mixed"
for v in critpath_hosts critpath_hosts_netdev; do
	same_bytes "$v --sync" -- --sync "$TMP/$v.json" --tid 200 "$S/$v/host_a" "$S/$v/host_b"
	same_bytes "$v --sync --json" -- --json --sync "$TMP/$v.json" --tid 200 "$S/$v/host_a" \
		"$S/$v/host_b"
done
if [ -d "$BASIC/kernel" ]; then
	same_bytes "basic-kernel-analysis, dd" -- --procname dd "$BASIC"
	same_bytes "basic-kernel-analysis, the shell that ran ping --json" -- --json --tid 13658 "$BASIC"
else
	skip 2 "no basic-kernel-analysis trace in $SHARED_TRACES"
fi

# --- bad input ----------------------------------------------------------------------------------
err_is() { # err_is STATUS REGEX DESCRIPTION -- ARGS...
	local want=$1 regex=$2 desc=$3 out status
	shift 4
	out=$("$LATSCOPE" critical-path "$@" 2>&1 >/dev/null)
	status=$?
	is "$status" "$want" "$desc: exit $want"
	like "$out" "$regex" "$desc: one line saying why"
}
err_is 1 "^latscope: critical-path: no task with tid 4242 in " "unknown tid" -- \
	--tid 4242 "$S/critpath_pipe"
err_is 1 "^latscope: critical-path: no task named nosuch in " "unknown name" -- \
	--procname nosuch "$S/critpath_pipe"
err_is 1 "^latscope: critical-path: empty range: reader \(tid 2001\) lives from .* outside --begin/--end$" \
	"a range outside the task's life" -- --tid 2001 --begin 1500000000051000000 "$S/critpath_pipe"
err_is 2 "^latscope: critical-path: empty range: --end is not after --begin$" "--end before --begin" -- \
	--tid 2001 --begin 1500000000030000000 --end 1500000000020000000 "$S/critpath_pipe"
err_is 2 "^latscope: critical-path: give the task: --tid TID or --procname NAME$" "no task" -- \
	"$S/critpath_pipe"
err_is 2 "^latscope: critical-path: --tid: not a thread id: abc$" "a bad tid" -- --tid abc \
	"$S/critpath_pipe"
err_is 2 "^latscope: critical-path: several traces \(hosts\) need --sync FILE.json" \
	"two traces without --sync" -- --tid 1 "$S/critpath_pipe" "$S/critpath_mixed"
err_is 1 "^latscope: critical-path: --sync $TMP/none.json: " "a missing --sync file" -- \
	--tid 1 --sync "$TMP/none.json" "$S/critpath_pipe" "$S/critpath_mixed"
err_is 1 "^latscope: critical-path: $TMP/none: " "a missing trace" -- --tid 1 "$TMP/none"
out=$("$LATSCOPE" critical-path --json --tid 4242 "$S/critpath_pipe" 2>&1 >/dev/null)
like "$out" '^\{"error": "critical-path: no task with tid 4242' "--json: errors as JSON"
n=$("$LATSCOPE" critical-path --tid 4242 "$S/critpath_pipe" 2>&1 | wc -l)
is "$n" 1 "an error is one line"

done_testing
