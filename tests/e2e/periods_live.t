#!/bin/bash
# periods_live.t: latscope reads a live LTTng session (lttng-relayd on 127.0.0.1) and reports the
# slow jobs of a program instrumented with LTTng-UST while it still runs, then stops when the
# session is destroyed. The session daemon runs as `nobody` with its own LTTNG_HOME, so it
# neither needs nor disturbs a system-wide one.
. "$(dirname "$0")/../lib.sh"
require_root
for tool in lttng lttng-sessiond lttng-relayd setpriv gcc; do
	command -v $tool >/dev/null || skip_all "$tool is not installed (scripts/deps.sh)"
done
TMP=$(mktemp -d)
chmod 755 "$TMP"
mkdir "$TMP/home" && chown nobody "$TMP/home"
AS_USER=(setpriv --reuid=65534 --regid=65534 --clear-groups env "LTTNG_HOME=$TMP/home")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT

# the program: built here (it links liblttng-ust, which the generic helper rule does not)
gcc -std=gnu11 -O1 -I"$LATSCOPE_SRC/tests/e2e/ust_jobs" -o "$TMP/ust_jobs" \
	"$LATSCOPE_SRC/tests/e2e/ust_jobs/ust_jobs.c" -llttng-ust -ldl
ok $? "ust_jobs builds against liblttng-ust"

# three free ports in a row for the relay daemon
port=$((20000 + ($$ % 2000) * 3))
while ss -ltn | grep -qE ":($port|$((port + 1))|$((port + 2))) "; do port=$((port + 3)); done
lttng-relayd -C tcp://127.0.0.1:$port -D tcp://127.0.0.1:$((port + 1)) \
	-L tcp://127.0.0.1:$((port + 2)) -o "$TMP/relay" >"$TMP/relayd.log" 2>&1 &
pids+=($!)
"${AS_USER[@]}" lttng-sessiond >"$TMP/sessiond.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do "${AS_USER[@]}" lttng list >/dev/null 2>&1 && break; sleep 0.1; done
session=latscope_$$
"${AS_USER[@]}" lttng create $session --live=100000 \
	--set-url=net://127.0.0.1:$port:$((port + 1)) >"$TMP/lttng.log" 2>&1 &&
	"${AS_USER[@]}" lttng enable-event -u 'latscope_test:*' >>"$TMP/lttng.log" 2>&1 &&
	"${AS_USER[@]}" lttng add-context -u -t procname -t vpid >>"$TMP/lttng.log" 2>&1 &&
	"${AS_USER[@]}" lttng start >>"$TMP/lttng.log" 2>&1
ok $? "live session $session on 127.0.0.1:$port (relay) with the UST tracepoints, procname and vpid contexts"
[ $? -ne 0 ] && sed 's/^/# /' "$TMP/lttng.log" "$TMP/relayd.log" "$TMP/sessiond.log"

JOB='job : $evt.$name == "latscope_test:job_start" : $evt.$name == "latscope_test:job_end" && $evt.id == $begin.$evt.id'
# the same, matched through the stream event context (lttng add-context) of the live trace
JOB_CTX='job : $evt.$name == "latscope_test:job_start" && $evt.$stream_ctx.procname =* "ust_job*" : $evt.$name == "latscope_test:job_end" && $evt.id == $begin.$evt.id && $evt.vpid == $begin.$evt.$stream_ctx.vpid'
URL=net://127.0.0.1:$((port + 2))/host/$(hostname)/$session
"$LATSCOPE" analyze periodstats --period "$JOB_CTX" --period-captures 'job : id = $evt.id, kind = $evt.kind, app = $evt.procname' \
	--min-duration 200000 --gmt "$URL" >"$TMP/live.out" 2>"$TMP/live.err" &
latscope=$!
pids+=($latscope)
sleep 0.5

# 16 jobs, every 4th slow (600 ms), the others 30 ms: about 2.8 s in all
"${AS_USER[@]}" "$TMP/ust_jobs" 16 4 30 600 >"$TMP/app.out" 2>&1 &
app=$!
pids+=($app)
seen=1
for _ in $(seq 100); do
	grep -q "'id': 3, 'kind': 'slow'" "$TMP/live.out" && { seen=0; break; }
	sleep 0.05
done
running=1
kill -0 $app 2>/dev/null && running=0
done_jobs=$(grep -c done "$TMP/app.out")
ok $seen "the first slow job (id 3) is reported live"
ok $running "... while the program still runs ($done_jobs of 16 jobs done then)"
wait $app
ok $? "the program ran to its end"
sleep 0.5
is "$(grep -c "'kind': 'slow', 'app': 'ust_jobs'" "$TMP/live.out")" 4 "the 4 slow jobs (3, 7, 11, 15) are reported, none of the fast ones; procname from the context"
unlike "$(cat "$TMP/live.out")" "'kind': 'fast'" "no fast job passes --min-duration 200000 us"

"${AS_USER[@]}" lttng destroy $session >>"$TMP/lttng.log" 2>&1
status=124
for _ in $(seq 100); do
	kill -0 $latscope 2>/dev/null || { wait $latscope; status=$?; break; }
	sleep 0.1
done
is "$status" 0 "latscope ends by itself when the session is destroyed"
like "$(cat "$TMP/live.out")" '^job +4 +6[0-9]{5}\.[0-9]{3} ' "then the stats view: 4 jobs of about 600 ms"
[ -s "$TMP/live.err" ] && sed 's/^/# stderr: /' "$TMP/live.err"

# Ctrl-C: a second reader on a new session stops at SIGINT, with its results
session2=${session}_b
"${AS_USER[@]}" lttng create $session2 --live=100000 \
	--set-url=net://127.0.0.1:$port:$((port + 1)) >>"$TMP/lttng.log" 2>&1 &&
	"${AS_USER[@]}" lttng enable-event -u 'latscope_test:*' >>"$TMP/lttng.log" 2>&1 &&
	"${AS_USER[@]}" lttng start >>"$TMP/lttng.log" 2>&1
"$LATSCOPE" analyze periodlog --period "$JOB" --gmt \
	net://127.0.0.1:$((port + 2))/host/$(hostname)/$session2 >"$TMP/live2.out" 2>&1 &
latscope=$!
pids+=($latscope)
sleep 0.5
"${AS_USER[@]}" "$TMP/ust_jobs" 3 0 20 20 >/dev/null 2>&1
sleep 0.8
kill -INT $latscope
status=124
for _ in $(seq 50); do
	kill -0 $latscope 2>/dev/null || { wait $latscope; status=$?; break; }
	sleep 0.1
done
is "$status" 0 "Ctrl-C stops the live reader cleanly"
is "$(grep -c '^\[' "$TMP/live2.out")" 6 "3 jobs printed as they ended, then in the log"
"${AS_USER[@]}" lttng destroy $session2 >>"$TMP/lttng.log" 2>&1

# a session that does not exist: one line, exit 1
out=$("$LATSCOPE" analyze periodlog --period "$JOB" net://127.0.0.1:$((port + 2))/host/$(hostname)/nope 2>&1)
is "$?" 1 "no such session: exit 1"
like "$out" '^latscope: net://.*/nope: ' "no such session: one line naming the URL"
done_testing
