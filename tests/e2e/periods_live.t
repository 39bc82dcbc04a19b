#!/bin/bash
# periods_live.t: latscope reads a live LTTng session (lttng-relayd on 127.0.0.1) and reports the
# slow jobs of a program instrumented with LTTng-UST while it still runs, then stops when the
# session is destroyed. The session daemon runs as `nobody` with its own LTTNG_HOME, so it
# neither needs nor disturbs a system-wide one.
. "$(dirname "$0")/../lib.sh"
require_root
for tool in lttng lttng-sessiond lttng-relayd setpriv gcc babeltrace2; do
	command -v $tool >/dev/null || skip_all "$tool is not installed (scripts/deps.sh)"
done
nobody_can_run || skip_all "uid 65534 cannot run programs here (a root directory only root may enter)"
TMP=$(mktemp -d)
chmod 755 "$TMP"
mkdir "$TMP/home" && chown nobody "$TMP/home"
AS_USER=(setpriv --reuid=65534 --regid=65534 --clear-groups env "LTTNG_HOME=$TMP/home")
pids=()
_running() { # PID runs (a child that ended but was not waited for is a zombie: not running)
	local state
	state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$state" ] && [ "$state" != Z ]
}
_all_ended() {
	for p in "${pids[@]}"; do _running "$p" && return 1; done
	return 0
}
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait_until 5 _all_ended # then whoever is left is killed
	for p in "${pids[@]}"; do _running "$p" && kill -9 "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT

# the program: built here (it links liblttng-ust, which the generic helper rule does not)
gcc -std=gnu11 -O1 -I"$LATSCOPE_SRC/tests/e2e/ust_jobs" -o "$TMP/ust_jobs" \
	"$LATSCOPE_SRC/tests/e2e/ust_jobs/ust_jobs.c" -llttng-ust -ldl
ok $? "ust_jobs builds against liblttng-ust"

# Set-up commands are run through `step`, which keeps each one's output and status: when one fails,
# its output and the daemons' logs are printed as TAP comments.
setup_failed=0
step() { # step COMMAND...: runs it, output appended to $TMP/setup.log
	echo "\$ $*" >>"$TMP/setup.log"
	"$@" >>"$TMP/setup.log" 2>&1
	local status=$?
	[ $status -ne 0 ] && { echo "(exit $status)" >>"$TMP/setup.log"; setup_failed=1; }
	return $status
}
setup_diag() {
	for f in "$TMP/setup.log" "$TMP/relayd.log" "$TMP/sessiond.log"; do
		[ -s "$f" ] && { echo "# --- $(basename "$f")"; sed 's/^/# /' "$f" | tail -40; }
	done
	ps -eo pid,user,args | grep -E '[l]ttng-(relayd|sessiond)' | sed 's/^/# running: /'
}
# every failing check prints the newest outputs of the test and the relay daemon's last lines
explain() {
	local f
	for f in $(ls -t "$TMP"/*.out "$TMP"/*.err 2>/dev/null | head -2); do
		diag "$(basename "$f"), its last lines:"
		tail -8 "$f" | cut -c1-300 | sed 's/^/#   /'
	done
	diag "relayd.log, its last lines:"
	tail -4 "$TMP/relayd.log" | cut -c1-300 | sed 's/^/#   /'
}
on_failure explain
# ended PID: status is the exit status of the reader PID once it ends, at most WAIT_TIMEOUT s (124
# if it still runs then)
ended() {
	status=124
	wait_until "$WAIT_TIMEOUT" _ended "$1" || { diag "pid $1 still runs after $WAIT_TIMEOUT s"; return; }
	wait "$1"
	status=$?
}
_ended() { ! _running "$1"; }
# (wait_lines FILE REGEX COUNT, tests/lib.sh's: at most WAIT_TIMEOUT s for COUNT lines; a loaded
# machine delays the live stream)
# a TCP port that nobody listens on, probed by connecting (no ss: a fresh machine may lack iproute2)
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# three free ports in a row for the relay daemon
port=$((20000 + ($$ % 2000) * 3))
while port_busy $port || port_busy $((port + 1)) || port_busy $((port + 2)); do port=$((port + 3)); done
# the relay daemon in the foreground (its pid is ours to stop); ready when its live port listens
lttng-relayd -v -C tcp://127.0.0.1:$port -D tcp://127.0.0.1:$((port + 1)) \
	-L tcp://127.0.0.1:$((port + 2)) -o "$TMP/relay" >"$TMP/relayd.log" 2>&1 &
pids+=($!)
_relayd_up() { port_busy $((port + 2)) || ! _running "${pids[-1]}"; } # ended: no use waiting
wait_until "$WAIT_TIMEOUT" _relayd_up
port_busy $((port + 2))
ok $? "lttng-relayd listens on 127.0.0.1:$port-$((port + 2))"
# viewers SESSION: the viewers attached to SESSION, as lttng-relayd counts them (babeltrace2 lists
# the sessions; listing attaches to none)
viewers() {
	babeltrace2 -i lttng-live "net://127.0.0.1:$((port + 2))" 2>/dev/null |
		sed -n "s|^net://.*/host/[^/]*/$1 (.*, \([0-9]*\) client(s) connected)$|\1|p"
}
_viewers_are() { [ "$(viewers "$1")" "$2" "$3" ]; }
# attached SESSION PID: until the reader PID is attached to SESSION, at most WAIT_TIMEOUT s (the
# relay daemon sends a viewer what comes after it attached: a workload starts after that)
_attached_or_ended() { _viewers_are "$1" -ge 1 || ! kill -0 "$2" 2>/dev/null; }
attached() {
	wait_until "$WAIT_TIMEOUT" _attached_or_ended "$1" "$2" && kill -0 "$2" 2>/dev/null && return 0
	diag "the reader (pid $2) is not attached to $1: $(viewers "$1") viewers," \
		"it $(kill -0 "$2" 2>/dev/null && echo runs || echo ended)"
	return 1
}
# the session daemon of `nobody` (its own LTTNG_HOME, so no other daemon shares it): --background
# returns once the daemon accepts commands; its pid file is then in LTTNG_HOME
"${AS_USER[@]}" lttng-sessiond --background -v >"$TMP/sessiond.log" 2>&1 || setup_failed=1
sessiond_pid=$(cat "$TMP/home/.lttng/lttng-sessiond.pid" 2>/dev/null)
[ -n "$sessiond_pid" ] && pids+=("$sessiond_pid")
# --no-sessiond: never spawn a second daemon behind our back
LTTNG=("${AS_USER[@]}" lttng --no-sessiond)
session=latscope_$$
step "${LTTNG[@]}" create $session --live=100000 --set-url=net://127.0.0.1:$port:$((port + 1)) &&
	step "${LTTNG[@]}" enable-event -u 'latscope_test:*' &&
	step "${LTTNG[@]}" add-context -u -t procname -t vpid &&
	step "${LTTNG[@]}" start
ok $setup_failed "live session $session on 127.0.0.1:$port (relay) with the UST tracepoints, procname and vpid contexts"
[ $setup_failed -ne 0 ] && setup_diag

JOB='job : $evt.$name == "latscope_test:job_start" : $evt.$name == "latscope_test:job_end" && $evt.id == $begin.$evt.id'
# the same, matched through the stream event context (lttng add-context) of the live trace
JOB_CTX='job : $evt.$name == "latscope_test:job_start" && $evt.$stream_ctx.procname =* "ust_job*" : $evt.$name == "latscope_test:job_end" && $evt.id == $begin.$evt.id && $evt.vpid == $begin.$evt.$stream_ctx.vpid'
URL=net://127.0.0.1:$((port + 2))/host/$(hostname)/$session
"$LATSCOPE" analyze periodstats --period "$JOB_CTX" --period-captures 'job : id = $evt.id, kind = $evt.kind, app = $evt.procname' \
	--min-duration 200000 --gmt "$URL" >"$TMP/live.out" 2>"$TMP/live.err" &
latscope=$!
pids+=($latscope)
attached $session $latscope

# 16 jobs, every 4th slow (600 ms), the others 30 ms: about 2.8 s in all
"${AS_USER[@]}" "$TMP/ust_jobs" 16 4 30 600 >"$TMP/app.out" 2>&1 &
app=$!
pids+=($app)
wait_lines "$TMP/live.out" "'id': 3, 'kind': 'slow'" 1
seen=$?
running=1
kill -0 $app 2>/dev/null && running=0
done_jobs=$(grep -c done "$TMP/app.out")
ok $seen "the first slow job (id 3) is reported live"
ok $running "... while the program still runs ($done_jobs of 16 jobs done then)"
wait $app
ok $? "the program ran to its end"
wait_lines "$TMP/live.out" "'kind': 'slow', 'app': 'ust_jobs'" 4
is "$(grep -c "'kind': 'slow', 'app': 'ust_jobs'" "$TMP/live.out")" 4 "the 4 slow jobs (3, 7, 11, 15) are reported, none of the fast ones; procname from the context"
unlike "$(cat "$TMP/live.out")" "'kind': 'fast'" "no fast job passes --min-duration 200000 us"

step "${LTTNG[@]}" destroy $session
ended $latscope
is "$status" 0 "latscope ends by itself when the session is destroyed"
like "$(cat "$TMP/live.out")" '^job +4 +6[0-9]{5}\.[0-9]{3} ' "then the stats view: 4 jobs of about 600 ms"
[ -s "$TMP/live.err" ] && sed 's/^/# stderr: /' "$TMP/live.err"

# Ctrl-C: a second reader on a new session stops at SIGINT, with its results
session2=${session}_b
setup_failed=0
step "${LTTNG[@]}" create $session2 --live=100000 --set-url=net://127.0.0.1:$port:$((port + 1)) &&
	step "${LTTNG[@]}" enable-event -u 'latscope_test:*' &&
	step "${LTTNG[@]}" start
ok $setup_failed "a second live session $session2"
[ $setup_failed -ne 0 ] && setup_diag
"$LATSCOPE" analyze periodlog --period "$JOB" --gmt \
	net://127.0.0.1:$((port + 2))/host/$(hostname)/$session2 >"$TMP/live2.out" 2>&1 &
latscope=$!
pids+=($latscope)
attached $session2 $latscope
"${AS_USER[@]}" "$TMP/ust_jobs" 3 0 20 20 >/dev/null 2>&1
wait_lines "$TMP/live2.out" '^\[' 3
kill -INT $latscope
ended $latscope
is "$status" 0 "Ctrl-C stops the live reader cleanly"
is "$(grep -c '^\[' "$TMP/live2.out")" 6 "3 jobs printed as they ended, then in the log"
step "${LTTNG[@]}" destroy $session2

# The kernel analyses read live sessions through the same source. There is no lttng-modules on
# this kernel, so no live kernel session: a user-space one must be refused on its first event,
# in one line; session end and Ctrl-C behave as for periods.
session3=${session}_c
setup_failed=0
step "${LTTNG[@]}" create $session3 --live=100000 --set-url=net://127.0.0.1:$port:$((port + 1)) &&
	step "${LTTNG[@]}" enable-event -u 'latscope_test:*' &&
	step "${LTTNG[@]}" start
ok $setup_failed "a third live session $session3"
[ $setup_failed -ne 0 ] && setup_diag
URL3=net://127.0.0.1:$((port + 2))/host/$(hostname)/$session3
"$LATSCOPE" analyze cputop "$URL3" >"$TMP/cputop.out" 2>"$TMP/cputop.err" &
latscope=$!
pids+=($latscope)
attached $session3 $latscope
"${AS_USER[@]}" "$TMP/ust_jobs" 2 0 10 10 >/dev/null 2>&1
ended $latscope
is "$status" 1 "cputop on a live user-space session: exit 1 once its events arrive"
is "$(wc -l <"$TMP/cputop.err")" 1 "... one line on stderr"
like "$(cat "$TMP/cputop.err")" "^latscope: $URL3: no kernel events in this live session \(its trace's domain is 'ust'\)" \
	"... saying that the session has no kernel events"
# lttng-relayd takes one viewer a session at a time: the next reader once the first has left
wait_until "$WAIT_TIMEOUT" _viewers_are $session3 -eq 0 ||
	diag "cputop still attached: $(viewers $session3) viewers"
"$LATSCOPE" analyze syscallstats --lami "$URL3" >"$TMP/sc.out" 2>"$TMP/sc.err" &
latscope_sc=$!
pids+=($latscope_sc)
attached $session3 $latscope_sc
"${AS_USER[@]}" "$TMP/ust_jobs" 2 0 10 10 >/dev/null 2>&1
ended $latscope_sc
is "$status" 1 "syscallstats --lami: exit 1 too"
like "$(cat "$TMP/sc.out")" '"error-message": "Error: net://.*no kernel events' "... with the LAMI error object"
step "${LTTNG[@]}" destroy $session3

# a session that stays empty: the analysis ends with the session, or at Ctrl-C, with its report
session4=${session}_d
setup_failed=0
step "${LTTNG[@]}" create $session4 --live=100000 --set-url=net://127.0.0.1:$port:$((port + 1)) &&
	step "${LTTNG[@]}" enable-event -u 'latscope_test:*' &&
	step "${LTTNG[@]}" start
ok $setup_failed "a fourth live session $session4"
[ $setup_failed -ne 0 ] && setup_diag
URL4=net://127.0.0.1:$((port + 2))/host/$(hostname)/$session4
"$LATSCOPE" analyze irqstats "$URL4" >"$TMP/irq.out" 2>&1 &
latscope=$!
pids+=($latscope)
attached $session4 $latscope # its Ctrl-C handler is set before it connects
kill -INT $latscope
ended $latscope
is "$status" 0 "irqstats on a live session: Ctrl-C stops it, exit 0"
like "$(cat "$TMP/irq.out")" '^Reading net://.* live until the session is destroyed' "... it said it was reading live"
wait_until "$WAIT_TIMEOUT" _viewers_are $session4 -eq 0 ||
	diag "irqstats still attached: $(viewers $session4) viewers"
"$LATSCOPE" analyze schedstats "$URL4" >"$TMP/sched.out" 2>&1 &
latscope_sched=$!
pids+=($latscope_sched)
attached $session4 $latscope_sched
step "${LTTNG[@]}" destroy $session4
ended $latscope_sched
is "$status" 0 "schedstats on a live session ends by itself when the session is destroyed"
[ "$status" != 0 ] && sed 's/^/# /' "$TMP/sched.out"
out=$("$LATSCOPE" analyze cputop --begin 10:00:00 "$URL4" 2>&1)
is "$?" 2 "--begin with a live session: usage error"

# a session that does not exist: one line, exit 1
out=$("$LATSCOPE" analyze periodlog --period "$JOB" net://127.0.0.1:$((port + 2))/host/$(hostname)/nope 2>&1)
is "$?" 1 "no such session: exit 1"
like "$out" '^latscope: net://.*/nope: ' "no such session: one line naming the URL"
done_testing
