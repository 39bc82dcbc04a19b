#!/bin/bash
# explain.t: latscope explain on synthetic traces with known causes (tests/helpers/explain_trace.py:
# every cause of the client's 74 ms checked to the ns, nested ones too), on make_trace.py's
# critpath scenarios (the same figures as critical-path's), the flight-recorder trigger file
# (read with no --tid, ignored by babeltrace2), and the errors users meet.
. "$(dirname "$0")/../lib.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

"$LATSCOPE" explain --help >/dev/null 2>&1 || skip_all "latscope explain missing"
/usr/bin/python3 -c 'import babeltrace' 2>/dev/null ||
	skip_all "python3-babeltrace missing (scripts/deps.sh)"

/usr/bin/python3 "$LATSCOPE_SRC/tests/helpers/explain_trace.py" "$TMP" >"$TMP/gen.log" 2>&1
ok $? "explain_trace.py wrote explain_all" || diag "$(cat "$TMP/gen.log")"
S=$TMP/explain_all
B=1500000000001000000
E=1500000000075000000

# check JSON CHECKS...: python asserts on the explanation (j: the object, top(state, on): the
# top-level item); prints "ok" or what differs
check() {
	local json=$1
	shift
	/usr/bin/python3 - "$json" "$@" <<'PYEOF'
import json, sys
j = json.load(open(sys.argv[1]))
def top(state, on=None, tid=None):
    for it in j['breakdown']:
        if it['state'] == state and it['on'] == on and (tid is None or it['tid'] == tid):
            return it
    raise AssertionError('no %s/%s item in %s' % (state, on,
                         [(i['state'], i['on'], i['ns']) for i in j['breakdown']]))
def sub(it, state, on=None):
    for c in it['breakdown']:
        if c['state'] == state and c['on'] == on:
            return c
    raise AssertionError('no %s/%s under %s' % (state, on, it['detail']))
def tasks(it):
    return {t['comm']: t['ns'] for t in it['tasks']}
bad = []
for expr in sys.argv[2:]:
    try:
        if not eval(expr):
            bad.append(expr)
    except Exception as e:
        bad.append('%s: %s' % (expr, e))
print('ok' if not bad else 'BAD ' + ' | '.join(bad[:3]))
PYEOF
}

"$LATSCOPE" explain --json --tid 4001 --from $B --to $E "$S" >"$TMP/all.json" 2>"$TMP/err"
ok $? "explain --json --tid --from --to" || diag "$(cat "$TMP/err")"
r=$(check "$TMP/all.json" "j['event']['duration_ns'] == 74000000" "j['event']['comm'] == 'client'" \
	"j['event']['tracker'] is None" \
	"sum(i['ns'] for i in j['breakdown']) == j['event']['duration_ns']")
is "$r" ok "event: 74 ms of client; the top-level causes add up to it exactly"
r=$(check "$TMP/all.json" "top('running')['ns'] == 13900000" "top('running')['kernel_ns'] == 1150000" \
	"top('irq')['ns'] == 200000" "top('irq')['irq_name'] == 'eth0'")
is "$r" ok "running 13.9 ms (kernel 1.15 ms: the calls' time on the CPU), its CPU's IRQ 0.2 ms apart"
r=$(check "$TMP/all.json" "top('preempted')['ns'] == 3870000" \
	"tasks(top('preempted')) == {'hog1': 1500000, 'hog2': 1500000}" \
	"top('preempted')['idle_ns'] == 870000")
is "$r" ok "preempted 3.87 ms: hog1 1.5 ms and hog2 1.5 ms named, 0.87 ms waiting for an idle CPU"
r=$(check "$TMP/all.json" \
	"[i['ns'] for i in j['breakdown'] if i['on'] == 'timer'] == [20000000, 15000000]" \
	"[i['syscalls'][0]['name'] for i in j['breakdown'] if i['on'] == 'timer'] == ['nanosleep', 'poll']" \
	"[i['timeout_ns'] for i in j['breakdown'] if i['on'] == 'timer'] == [-1, 15000000]" \
	"[i['timed_out'] for i in j['breakdown'] if i['on'] == 'timer'] == [False, True]")
is "$r" ok "timers without hrtimer events: nanosleep 20 ms; poll 15 ms, its 15 ms timeout asked and run out"
r=$(check "$TMP/all.json" "top('blocked', 'disk')['ns'] == 3910000" \
	"top('blocked', 'disk')['device'] == 'sda'" "top('blocked', 'disk')['requests'] == 1" \
	"top('blocked', 'disk')['bytes'] == 4096" "top('blocked', 'disk')['service_ns'] == 3905000" \
	"top('blocked', 'disk')['queue_ns'] == 50000" "top('blocked', 'disk')['file'] == '/data/file'")
is "$r" ok "disk 3.91 ms on sda: 1 request of 4 KiB, queue 50 us, service 3.905 ms, in pread64 on /data/file"
r=$(check "$TMP/all.json" "top('blocked', 'task')['ns'] == 11100000" \
	"tasks(top('blocked', 'task')) == {'writer': 11100000}" \
	"top('blocked', 'task')['file'] == 'pipe:[77]'" \
	"sub(top('blocked', 'task'), 'blocked', 'timer')['ns'] == 10000000" \
	"sum(c['ns'] for c in top('blocked', 'task')['breakdown']) == 11100000")
is "$r" ok "a pipe: 11.1 ms on writer, whose own 10 ms sleep is nested (its causes add up to the wait)"
r=$(check "$TMP/all.json" "top('blocked', 'network')['ns'] == 6020000" \
	"tasks(top('blocked', 'network')) == {'server': 6020000}" \
	"top('blocked', 'network')['netif'] == 'lo'" \
	"sub(top('blocked', 'network'), 'blocked', 'timer')['ns'] == 5000000" \
	"sum(c['ns'] for c in top('blocked', 'network')['breakdown']) == 6020000")
is "$r" ok "a local socket: 6.02 ms, the server that sent the packet named, its 5 ms sleep nested"
r=$(check "$TMP/all.json" "top('blocked', 'network')['peer'] == '127.0.0.1:8080'")
is "$r" ok "...its peer address and port, from the socket's connect() before the event"
r=$(check "$TMP/all.json" "'hrtimer' in j['missing']" "len(j['path']) == 22" \
	"j['summary'].startswith('client (4001) took 74.000ms: 20.000ms (27.0 %) blocked in nanosleep() on a timer')")
is "$r" ok "what is missing (hrtimer events) is said; the critical path is given; the summary leads"

# the peer on the same trace: critical-path follows the task that was in a call when the timer
# interrupt came (bystander) for the poll's timeout; explain says it was the timeout
out=$("$LATSCOPE" critical-path --tid 4001 --begin $B --end $E "$S" 2>&1)
like "$out" "bystander \(4200\): running" "critical-path puts bystander on the poll's wait (no hrtimer events)"
out=$("$LATSCOPE" explain --tid 4001 --from $B --to $E "$S" 2>&1)
ok $? "explain (text)"
unlike "${out%%Critical path*}" "bystander" \
	"explain does not (its summary and breakdown; the path it cut is printed after): a poll that returned 0 waited for its timeout"
like "$out" "^client \(4001\) took 74\.000ms: " "text: the summary paragraph first"
like "$out" "^ +11\.100ms +15\.00 %  client \(4001\) blocked on a task: in read\(fd 3 pipe:\[77\]\): woken by writer \(4002\)$" \
	"text: the pipe wait and who woke it"
like "$out" "^ +10\.000ms +13\.51 %    writer \(4002\) blocked on timer: in nanosleep\(\)" \
	"text: the writer's sleep, one level down"
like "$out" "blocked on network: in recvfrom\(fd 6 socket:\[88\]\): the network on lo, a packet sent by server \(4003\) over a local socket, peer 127\.0\.0\.1:8080$" \
	"text: the socket's wait, the sender and the peer named"

# make_trace.py's critpath scenarios: the same waits as critical-path's intervals
/usr/bin/python3 "$LATSCOPE_SRC/tests/traces/make_trace.py" "$TMP/syn" critpath_pipe critpath_mixed \
	critpath_hosts_netdev >>"$TMP/gen.log" 2>&1
"$LATSCOPE" explain --json --tid 2001 "$TMP/syn/critpath_pipe" >"$TMP/pipe.json"
r=$(check "$TMP/pipe.json" "j['event']['duration_ns'] == 49100000" \
	"top('blocked', 'task')['ns'] == 35000000" \
	"sub(top('blocked', 'task'), 'blocked', 'timer')['ns'] == 30000000" \
	"'hrtimer' not in j['missing']" \
	"sum(i['ns'] for i in j['breakdown']) == 49100000")
is "$r" ok "critpath_pipe: 35 ms on the writer, its 30 ms hrtimer sleep inside (critical-path: 35.000ms, 30.000ms)"
"$LATSCOPE" explain --json --tid 3001 "$TMP/syn/critpath_mixed" >"$TMP/mixed.json"
r=$(check "$TMP/mixed.json" "top('blocked', 'disk')['ns'] == 5000000" \
	"top('blocked', 'network')['ns'] == 7000000" "top('blocked', 'network')['netif'] == 'eth0'" \
	"tasks(top('blocked', 'task')) == {'helper': 4000000}" \
	"sub(top('blocked', 'task'), 'blocked', 'disk')['ns'] == 3000000" \
	"tasks(top('preempted'))['hog'] == 3000000" \
	"sum(i['ns'] for i in j['breakdown']) == 49000000")
is "$r" ok "critpath_mixed: disk 5 ms, network 7 ms on eth0, futex on helper (its 3 ms disk inside), hog 3 ms"
# no connect() in the trace: the peer is the sender of the TCP segment that woke the task (its IPv4
# and TCP headers: net_dev_queue/netif_receive_skb of lttng-modules >= 2.9)
H=$TMP/syn/critpath_hosts_netdev
"$LATSCOPE" explain --json --tid 200 "$H/host_a" >"$TMP/hosts_a.json"
"$LATSCOPE" explain --json --tid 300 "$H/host_b" >"$TMP/hosts_b.json"
r=$(check "$TMP/hosts_a.json" "top('blocked', 'network')['peer'] == '10.0.0.2:22'" \
	"top('blocked', 'network')['netif'] == 'eth0'")
is "$r" ok "critpath_hosts_netdev: the client's waits on the network: the server's 10.0.0.2:22 sent what woke it"
r=$(check "$TMP/hosts_b.json" "top('blocked', 'network')['peer'] == '10.0.0.1:40000'")
is "$r" ok "...the server's wait for the request: the client's 10.0.0.1:40000"

# a flight-recorder snapshot: the trigger beside kernel/, read with no --tid
cat >"$S/trigger.txt" <<EOT
# latscope record --flight: the event that triggered this snapshot
tracker=syscall
tid=4001
comm=client
start_ns=$B
end_ns=$E
delay_ns=74000000
EOT
"$LATSCOPE" explain --json "$S" >"$TMP/trig.json" 2>"$TMP/err"
ok $? "explain SNAPSHOT (no --tid): the trigger's event" || diag "$(cat "$TMP/err")"
r=$(check "$TMP/trig.json" "j['event']['tracker'] == 'syscall'" "j['event']['tid'] == 4001" \
	"j['event']['duration_ns'] == 74000000" "top('preempted')['ns'] == 3870000")
is "$r" ok "...the same explanation, with its tracker"
"$LATSCOPE" report "$S" -o "$TMP/report.html" 2>"$TMP/err"
ok $? "latscope report on the snapshot" || diag "$(cat "$TMP/err")"
like "$(grep -c 'id="explain"' "$TMP/report.html")" "^1$" "...has the section explaining its trigger"
like "$(grep -o 'class="chart timeline" data-points="[0-9]*"' "$TMP/report.html")" 'data-points="22"$' \
	"...with a timeline of the 22 intervals of the critical path"
like "$(cat "$TMP/report.html")" "client \(4001\) took 74\.000ms \(a syscall event\): 20\.000ms" "...and the summary"
"$LATSCOPE" explain --json "$S/kernel" >"$TMP/trig2.json" 2>&1
r=$(check "$TMP/trig2.json" "j['event']['tracker'] == 'syscall'")
is "$r" ok "...also given the snapshot's kernel/ folder"
if command -v babeltrace2 >/dev/null; then
	n1=$(babeltrace2 "$S" 2>"$TMP/bt.err" | wc -l)
	rm "$S/trigger.txt"
	n2=$(babeltrace2 "$S" 2>/dev/null | wc -l)
	is "$n1" "$n2" "babeltrace2 reads the snapshot folder with trigger.txt in it: the same $n2 events"
	is "$(grep -c . "$TMP/bt.err")" 0 "...and says nothing about it"
else
	skip 2 "babeltrace2 missing"
fi

# the real basic-kernel-analysis trace (LTTng 2.x, no hrtimer events): a shell's wait4() on a
# sub-shell waiting for ping, whose poll() waits for its timeout; sleep's nanosleep; dd running
BASIC=$SHARED_TRACES/basic-kernel-analysis
if [ -d "$BASIC" ]; then
	for name in bash ping sleep dd; do
		tid=$("$LATSCOPE" critical-path --json --procname $name "$BASIC" 2>/dev/null |
			/usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["tid"])')
		"$LATSCOPE" explain --json --tid "$tid" "$BASIC" >"$TMP/basic-$name.json" 2>"$TMP/err"
		ok $? "basic-kernel-analysis: explain the first $name ($tid)" || diag "$(cat "$TMP/err")"
	done
	r=$(check "$TMP/basic-ping.json" "top('blocked', 'timer')['syscalls'][0]['name'] == 'poll'" \
		"top('blocked', 'timer')['timeout_ns'] == 973000000" "top('blocked', 'timer')['timed_out']" \
		"top('blocked', 'network')['syscalls'][0]['name'] == 'recvmsg'" \
		"sum(i['ns'] for i in j['breakdown']) == j['event']['duration_ns']")
	is "$r" ok "ping: poll() on its 973 ms timeout (from the entry's timeout_msecs), recvmsg() on the network"
	r=$(check "$TMP/basic-bash.json" "top('blocked', 'task')['syscalls'][0]['name'] == 'wait4'" \
		"sub(top('blocked', 'task'), 'blocked', 'task')['tasks'][0]['comm'] == 'ping'" \
		"sum(i['ns'] for i in j['breakdown']) == j['event']['duration_ns']")
	is "$r" ok "bash: wait4() on a sub-shell, itself in wait4() on ping (two waits down)"
	r=$(check "$TMP/basic-sleep.json" "top('blocked', 'timer')['ns'] >= 0.99 * j['event']['duration_ns']")
	is "$r" ok "sleep: its nanosleep on a timer (told from the call: no hrtimer events)"
	r=$(check "$TMP/basic-dd.json" "top('running')['kernel_ns'] > 0.9 * top('running')['ns']" \
		"top('running')['syscalls'][0]['name'] == 'read'")
	is "$r" ok "dd: running, in the kernel, mostly in read()"
else
	skip 8 "no $BASIC (SHARED_TRACES)"
fi

# either decoder (the LTTng one, the default, and libbabeltrace2): the same bytes, text and JSON
same_bytes() { # same_bytes DESCRIPTION -- ARGS...: explain ARGS on both decoders
	local desc=$1 a b
	shift 2
	a=$(LATSCOPE_CTF_DECODER=lttng "$LATSCOPE" explain "$@" 2>&1)
	b=$(LATSCOPE_CTF_DECODER=babeltrace2 "$LATSCOPE" explain "$@" 2>&1)
	if [ "$a" = "$b" ] && [ -n "$a" ]; then
		ok 0 "either decoder, the same bytes: $desc"
	else
		ok 1 "either decoder, the same bytes: $desc"
		diff <(echo "$a") <(echo "$b") | head -10 | sed 's/^/# /'
	fi
}
same_bytes "explain_all (text)" -- --tid 4001 --from $B --to $E "$S"
same_bytes "explain_all --json" -- --json --tid 4001 --from $B --to $E "$S"
same_bytes "critpath_mixed --json" -- --json --tid 3001 "$TMP/syn/critpath_mixed"
same_bytes "critpath_hosts_netdev host_b --json" -- --json --tid 300 "$H/host_b"
if [ -d "$BASIC" ]; then
	for name in bash ping; do
		tid=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["event"]["tid"])' \
			"$TMP/basic-$name.json")
		same_bytes "basic-kernel-analysis, $name ($tid)" -- --tid "$tid" "$BASIC"
	done
else
	skip 2 "no $BASIC (SHARED_TRACES)"
fi

# errors: one line, exit 1 (bad input) or 2 (usage)
out=$("$LATSCOPE" explain "$S" 2>&1)
is "$?" 1 "no --tid and no trigger.txt: exit 1"
like "$out" "^latscope: explain: .*no trigger.txt.*--tid TID" "...saying what to give"
out=$("$LATSCOPE" explain --tid 99999 "$S" 2>&1)
is "$?" 1 "unknown tid: exit 1"
like "$out" "^latscope: explain: no task with tid 99999 in " "...one line"
out=$("$LATSCOPE" explain --from $B "$S" 2>&1)
is "$?" 2 "--from without --tid: usage error"
out=$("$LATSCOPE" explain --tid x "$S" 2>&1)
is "$?" 2 "--tid x: usage error"
out=$("$LATSCOPE" explain --tid 4001 --from $E --to $B "$S" 2>&1)
is "$?" 2 "--to before --from: usage error"
out=$("$LATSCOPE" explain --tid 4001 "$TMP/nonexistent" 2>&1)
is "$?" 1 "a missing trace: exit 1"
like "$out" "^latscope: explain: $TMP/nonexistent: " "...one line naming it"
echo "garbage" >"$TMP/trigger.txt"
mkdir -p "$TMP/badsnap" && cp -r "$S/kernel" "$TMP/badsnap/" && echo "tid=abc" >"$TMP/badsnap/trigger.txt"
out=$("$LATSCOPE" explain "$TMP/badsnap" 2>&1)
is "$?" 1 "a damaged trigger.txt: exit 1"
like "$out" "trigger.txt: not a trigger" "...saying so"
out=$("$LATSCOPE" explain --json --tid 99999 "$S" 2>&1)
like "$out" '^\{"error": "explain: no task with tid 99999' "--json: errors as JSON"

done_testing
