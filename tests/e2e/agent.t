#!/usr/bin/env bash
# agent.t: `latscope agent` for real: configuration errors, /metrics over HTTP (curl) while a workload
# runs, the inclusive `le` seam on application samples, ctl (threshold, on/off, bad requests),
# SIGHUP (a bad file refused, a good one applied), JSON lines of events with stacks.
. "$(dirname "$0")/../lib.sh"

TMP=$(mktemp -d)
AGENT_PID=
cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# --- no root needed: the command line and the configuration checks ---
out=$("$LATSCOPE" agent --help 2>&1)
ok $? "agent --help exits 0"
like "$out" "--config FILE" "--help documents --config"

printf 'listen = 127.0.0.1:9465\ntracker = syscall threshold=5ms\n' >"$TMP/good.conf"
out=$("$LATSCOPE" agent --config "$TMP/good.conf" --check 2>&1)
ok $? "a good configuration passes --check"
like "$out" "ok \(1 trackers, listen 127.0.0.1:9465\)" "--check says what it read"

check_bad() { # check_bad CONTENT EXPECTED_REGEX DESCRIPTION
	printf "$1" >"$TMP/bad.conf"
	out=$("$LATSCOPE" agent --config "$TMP/bad.conf" --check 2>&1)
	local rc=$?
	is "$rc" 1 "$3: exit 1"
	like "$out" "^latscope: agent: $TMP/bad.conf:$2" "$3: file:line and the reason"
	is "$(printf '%s\n' "$out" | wc -l)" 1 "$3: one line"
}
check_bad '# c\nlisten = 127.0.0.1\n' '2: listen: .127.0.0.1. is not ADDRESS:PORT' "listen without a port"
check_bad 'tracker = nosuch\n' '1: unknown tracker .nosuch.' "an unknown tracker"
check_bad '\n\ntracker = syscall threshold=fast\n' "3: tracker syscall: bad threshold 'fast'" "a bad duration"
check_bad 'buckets = 10ms 1ms\n' "1: buckets: bounds must increase" "buckets out of order"
check_bad 'colour = blue\n' "1: unknown key 'colour'" "an unknown key"
check_bad 'just words\n' "1: expected KEY = VALUE" "a line without ="
check_bad 'tracker = syscall\ntracker = syscall\n' "2: tracker 'syscall' is already configured" "a tracker twice"
out=$("$LATSCOPE" agent --config "$TMP/missing.conf" --check 2>&1)
is "$?" 1 "a missing file: exit 1"
like "$out" "^latscope: agent: $TMP/missing.conf: No such file or directory$" "a missing file: one line"
out=$("$LATSCOPE" agent --listen nowhere --check 2>&1)
is "$?" 2 "a bad --listen is a usage error (exit 2)"
out=$("$LATSCOPE" agent --bogus 2>&1)
is "$?" 2 "an unknown option is a usage error (exit 2)"
out=$("$LATSCOPE" agent --check 2>&1)
like "$out" "\(built-in\): ok \(5 trackers, listen 127.0.0.1:9465\)" "the built-in default: 5 trackers on 127.0.0.1:9465"

# --- the running agent (root, BPF) ---
if [ "$(id -u)" != 0 ] || [ ! -r /sys/kernel/btf/vmlinux ]; then
	diag "skipping the running agent: needs root and BTF"
	done_testing
	exit
fi
SLEEPER=$LATSCOPE_BUILD/tests/helpers/nanosleeper
APP=$LATSCOPE_BUILD/tests/helpers/agent_app
[ -x "$SLEEPER" ] && [ -x "$APP" ] || { diag "helpers not built"; done_testing; exit 1; }

cat >"$TMP/agent.conf" <<EOC
# agent.t
listen = 127.0.0.1:0
control_socket = $TMP/ctl.sock
app_socket = $TMP/apps.sock
events = $TMP/events.jsonl
buckets = 1ms 5ms 10ms 25ms
top_labels = 5
tracker = syscall threshold=5ms
EOC
# every failing check from here on prints the agent's stderr (whole the first time)
_explained=0
agent_explain() {
	local state=exited
	kill -0 "$AGENT_PID" 2>/dev/null && state=running
	diag "the agent: pid $AGENT_PID, $state; load average $(uptime | sed 's/.*load average: //')"
	if [ "$_explained" = 0 ]; then
		diag "  its stderr:"
		sed -n '1,30s/^/    /p' "$TMP/agent.err" | sed 's/^/# /'
	else
		diag "  its stderr: $(wc -l <"$TMP/agent.err") lines, the last: $(tail -1 "$TMP/agent.err")"
	fi
	_explained=1
}
"$LATSCOPE" agent --config "$TMP/agent.conf" >"$TMP/agent.out" 2>"$TMP/agent.err" &
AGENT_PID=$!
on_failure agent_explain
_port() { sed -n 's/^latscope agent: listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$TMP/agent.err"; }
_started() { [ -n "$(_port)" ] || ! kill -0 "$AGENT_PID" 2>/dev/null; } # exited: no use waiting
wait_until 120 _started # BTF and the verifier on a loaded machine
PORT=$(_port)
ok $([ -n "$PORT" ]; echo $?) "the agent starts and says where it listens (port ${PORT:-none})"
[ -n "$PORT" ] || { done_testing; exit 1; }
URL=http://127.0.0.1:$PORT/metrics
CTL="$LATSCOPE ctl --socket $TMP/ctl.sock"
metric() { curl -sf "$URL" | grep -F "$1" | awk '{print $2}' | head -1; }
# wait_metric METRIC OP VALUE: polls /metrics until METRIC OP VALUE holds (OP: test(1)'s -eq, -ge,
# =...), at most WAIT_TIMEOUT s; says what it saw when the deadline passes
_metric_holds() { local v; v=$(metric "$1"); [ -n "$v" ] && [ "$v" "$2" "$3" ]; }
wait_metric() {
	wait_until "$WAIT_TIMEOUT" _metric_holds "$@" && return 0
	diag "waited $WAIT_TIMEOUT s for $1 $2 $3; /metrics has: '$(metric "$1")'"
	return 1
}
# caught_up: until the agent has read every record the syscall probes had put in their ring
# buffer when it was called (ctl status: the probes' count is read before the agent's; the
# ring buffer is read in order), at most WAIT_TIMEOUT s
status_of() { $CTL status | sed -n "s/^$1=//p"; }
_read_at_least() { [ "$(status_of syscall.reported)" -ge "$1" ]; }
caught_up() {
	local submitted
	submitted=$(status_of syscall.submitted)
	wait_until "$WAIT_TIMEOUT" _read_at_least "${submitted:-0}" && return 0
	diag "waited $WAIT_TIMEOUT s for the agent to read the $submitted records submitted: ctl status says"
	$CTL status 2>&1 | grep '^syscall\.' | sed 's/^/#   /'
	return 1
}

"$SLEEPER" -l 1500 20 10 >/dev/null
caught_up # its over-threshold nanosleeps: records read from the ring buffer
body=$(curl -sf -D "$TMP/headers" "$URL")
ok $? "curl gets /metrics"
like "$(cat "$TMP/headers")" "Content-Type: text/plain; version=0.0.4" "the Prometheus text content type"
like "$body" '^# TYPE latscope_latency_seconds histogram$' "the syscall latency histogram is declared"
like "$body" '^latscope_latency_seconds_bucket\{tracker="syscall",series="syscall",le="0.000001023"\} [0-9]+$' \
	"its buckets are the kernel's log2 bounds (le = 1023 ns: inclusive)"
like "$body" '^latscope_latency_seconds_count\{tracker="syscall",series="syscall"\} [1-9][0-9]*$' "syscalls were counted"
like "$body" '^latscope_slow_seconds_count\{tracker="syscall",label="[a-z_0-9]+"\} ([1-9][0-9]*)$' \
	"over-threshold syscalls are counted by syscall name"
like "$body" '^latscope_reported_total\{tracker="syscall"\} [1-9][0-9]*$' "and in total"
like "$body" '^latscope_lost_total\{tracker="syscall",reason="ringbuf_full"\} [0-9]+$' "ring buffer losses are exported"
like "$body" '^latscope_latency_quantile_seconds\{tracker="syscall",series="syscall",window="1m",quantile="0.99"\} ' \
	"p99 over the last minute is exported"
like "$body" '^# TYPE latscope_latency_quantile_seconds summary$' "the windowed quantiles are a summary (a gauge may not carry quantile)"
like "$body" '^latscope_latency_quantile_seconds_count\{tracker="syscall",series="syscall",window="1m"\} [1-9][0-9]*$' \
	"each window's summary has its _count"
if command -v promtool >/dev/null; then
	lint=$(printf '%s\n' "$body" | promtool check metrics 2>&1)
	is "$lint" "" "promtool check metrics: no error, no warning" || diag "$lint"
else
	skip 1 "no promtool"
fi
inf=$(metric 'latscope_latency_seconds_bucket{tracker="syscall",series="syscall",le="+Inf"}')
count=$(metric 'latscope_latency_seconds_count{tracker="syscall",series="syscall"}')
ok $([ "$inf" -le "$count" ] && [ "$inf" -gt 0 ]; echo $?) "+Inf bucket and _count agree ($inf, $count: read at two scrapes)"
curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/nothing" >"$TMP/code"
is "$(cat "$TMP/code")" 404 "an unknown path is 404"

# events as JSON lines, with stacks
line=$(grep '"syscall":"nanosleep"' "$TMP/events.jsonl" | grep '"comm":"nanosleeper"' | head -1)
like "$line" '^\{"type":"event".*"tracker":"syscall".*"delay_ns":(2[0-9]{7}|[3-9][0-9]{7})' "an event line for a nanosleep of 20+ ms"
like "$line" '"kstack":\["[^"]+' "with its kernel stack"
like "$line" '"ustack":\[[^]]*sleep_in_nanosleep' "and its user stack, symbolized"

# applications: samples through liblatscope's client; the le seam
out=$("$APP" "$TMP/apps.sock" e2e GET 1000000 3 && "$APP" "$TMP/apps.sock" e2e GET 1000001 2 &&
	"$APP" "$TMP/apps.sock" e2e GET 3000000 4)
like "$out" "sent=4 dropped=0" "the application's samples are sent"
"$APP" "$TMP/apps.sock" e2e GET 30000000 1 "request 17 took 30ms" >/dev/null
# the 9 samples and the event sent: once the agent has read them all
wait_metric 'latscope_app_latency_seconds_count{app="e2e",label="GET"}' -ge 10 &&
	wait_metric 'latscope_app_events_total{app="e2e"}' -ge 1
body=$(curl -sf "$URL")
like "$body" '^latscope_app_latency_seconds_bucket\{app="e2e",label="GET",le="0.001"\} 3$' \
	"3 samples of exactly 1 ms count in le=\"0.001\" (inclusive)"
like "$body" '^latscope_app_latency_seconds_bucket\{app="e2e",label="GET",le="0.005"\} 9$' \
	"1 ms + 1 ns and 3 ms count in le=\"0.005\" (cumulative 9)"
like "$body" '^latscope_app_latency_seconds_bucket\{app="e2e",label="GET",le="\+Inf"\} 10$' "+Inf holds all 10"
like "$body" '^latscope_app_latency_seconds_sum\{app="e2e",label="GET"\} 0.047000002$' "_sum is exact"
like "$body" '^latscope_app_events_total\{app="e2e"\} 1$' "the application's event is counted"
like "$(grep app_event "$TMP/events.jsonl")" '"app":"e2e","label":"GET".*"delay_ns":30000000,"detail":"request 17 took 30ms"' \
	"and written as a JSON line"
printf 'garbage' | python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(sys.stdin.buffer.read(), sys.argv[1])' "$TMP/apps.sock"
wait_metric 'latscope_app_messages_total{result="bad"}' -ge 1
is "$(metric 'latscope_app_messages_total{result="bad"}')" 1 "a datagram that is not a message is counted as bad"
taken=$(metric 'latscope_app_messages_total{result="ok"}')
for i in $(seq 8); do "$APP" "$TMP/apps.sock" e2e "path$i" $((i * 1000000)) $i; done >"$TMP/app.out"
is "$(grep -c 'sent=' "$TMP/app.out")" 8 "8 more labels sent"
diag "$(tr '\n' ' ' <"$TMP/app.out")"
wait_metric 'latscope_app_messages_total{result="ok"}' -ge $((taken + 36)) # 1 + 2 + ... + 8
body=$(curl -sf "$URL")
is "$(printf '%s\n' "$body" | grep -c '^latscope_app_latency_seconds_count{app="e2e"')" 6 \
	"9 labels, top_labels = 5: 5 series and other"
like "$body" '^latscope_app_latency_seconds_count\{app="e2e",label="other"\} 10$' \
	"other holds the 4 quietest labels (1+2+3+4 samples)"

# report agent:SOCKET: the agent's windows as an HTML page (distributions per series)
"$LATSCOPE" report "agent:$TMP/ctl.sock" -o "$TMP/agent.html" 2>"$TMP/report.err"
ok $? "report agent:SOCKET writes a page" || diag "$(cat "$TMP/report.err")"
html=$(cat "$TMP/agent.html" 2>/dev/null)
like "$html" '<h3[^>]*>tracker syscall' "the page has the syscall tracker's windows"
like "$html" '<h3[^>]*>app e2e / path8' "and each application label's"
like "$html" '<svg' "with distributions drawn inline"
"$LATSCOPE" report "agent:$TMP/nothing.sock" -o "$TMP/none.html" 2>"$TMP/report.err"
is "$? $(wc -l <"$TMP/report.err")" "1 1" "report agent: with no agent there: one line, exit 1"
ok $([ ! -e "$TMP/none.html" ]; echo $?) "and no page"

# ctl: threshold up, nanosleeps no longer reported; back down, they are
out=$($CTL set syscall.threshold=200ms)
like "$out" "^syscall.threshold=200ms$" "ctl set syscall.threshold=200ms"
is "$(metric 'latscope_threshold_seconds{tracker="syscall"}')" 0.2 "/metrics shows the new threshold"
# the nanosleep events of a sleeper of ours (by pid: other tests on the machine run nanosleepers)
nslow() { grep -c "\"comm\":\"nanosleeper\",\"pid\":$1,.*\"syscall\":\"nanosleep\"" "$TMP/events.jsonl"; }
_nslow_at_least() { [ "$(nslow "$1")" -ge "$2" ]; }
"$SLEEPER" 20 5 >/dev/null &
S1=$!
wait "$S1"
caught_up # what the probes reported of the sleeper is read by now
before=$(nslow "$S1")
is "$before" 0 "20 ms nanosleeps under a 200 ms threshold are not reported"
$CTL set syscall.threshold=5ms >/dev/null
"$SLEEPER" 20 5 >/dev/null &
S2=$!
wait "$S2"
wait_until "$WAIT_TIMEOUT" _nslow_at_least "$S2" 5
after=$(nslow "$S2")
ok $([ "$after" -ge 5 ]; echo $?) "back at 5 ms they are ($after of the sleeper's 5)"
out=$($CTL set syscall.enabled=0)
like "$out" "syscall.enabled=0" "ctl turns the tracker off"
# the kernel's counts are read at each scrape: what a workload run after c1 adds is in c2
c1=$(metric 'latscope_events_total{tracker="syscall",series="syscall"}')
"$SLEEPER" 20 5 >/dev/null
c2=$(metric 'latscope_events_total{tracker="syscall",series="syscall"}')
is "$c2" "$c1" "off: no more syscalls counted"
$CTL set syscall.enabled=1 >/dev/null
out=$($CTL status)
like "$out" "syscall.events=[0-9]+" "ctl status: a snapshot with event counts"
like "$out" "app.e2e.samples=[0-9]+" "and the applications"
out=$($CTL set syscall.threshold=soon 2>&1)
is "$?" 1 "a bad ctl value: exit 1"
like "$out" "^latscope: ctl: bad duration 'soon' for syscall.threshold$" "a bad ctl value: one clear line"
out=$($CTL set wakeup.threshold=1ms 2>&1)
like "$out" "^latscope: ctl: unknown key in 'wakeup.threshold=1ms'" "a tracker not running: refused"
like "$out" "wakeup is not running in this agent \\(its config: tracker = wakeup\\)$" \
	"  and says it is not running, and how to run it"
out=$($CTL set syscall.colour=1 2>&1)
like "$out" "^latscope: ctl: unknown setting 'syscall.colour'" "an unknown setting: refused"

# SIGHUP: a bad file is refused (the running configuration stays), a good one is applied
cp "$TMP/agent.conf" "$TMP/agent.conf.good"
printf 'tracker = syscall threshold=7ms\nlisten = nowhere\n' >>"$TMP/agent.conf"
kill -HUP "$AGENT_PID"
wait_until "$WAIT_TIMEOUT" grep -q 'reload refused' "$TMP/agent.err"
like "$(cat "$TMP/agent.err")" "reload refused: $TMP/agent.conf:9: tracker 'syscall' is already configured \(the running configuration stays\)" \
	"SIGHUP with a bad file: refused with file:line"
is "$(metric 'latscope_threshold_seconds{tracker="syscall"}')" 0.005 "the running threshold stays"
is "$(metric 'latscope_config_reloads_total{result="error"}')" 1 "the refused reload is counted"
sed 's/threshold=5ms/threshold=7ms/' "$TMP/agent.conf.good" >"$TMP/agent.conf"
kill -HUP "$AGENT_PID"
wait_metric 'latscope_threshold_seconds{tracker="syscall"}' = 0.007
is "$(metric 'latscope_threshold_seconds{tracker="syscall"}')" 0.007 "SIGHUP with a good file: the new threshold applies"
kill -0 "$AGENT_PID"
ok $? "the agent still runs"

kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
is "$?" 0 "SIGTERM: the agent exits 0"
AGENT_PID=
ok $([ ! -e "$TMP/ctl.sock" ]; echo $?) "and removes its control socket"
done_testing
