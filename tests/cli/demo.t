#!/usr/bin/env bash
# demo.t: `latscope demo`: slow and stuck requests are reported as they happen, counters at the end.
. "$(dirname "$0")/../lib.sh"

out=$("$LATSCOPE" demo --duration 1.5 2>&1)
ok $? "latscope demo --duration 1.5 exits 0"
like "$out" '^latscope demo: 3 workers serve requests for 1\.500s' "it says what it does first"
like "$out" '^\[ *[0-9]+\.[0-9]{3}s\] SLOW +req-[0-9]+ +worker [0-2] +took [0-9.]+ms \(threshold 20\.000ms\)$' \
	"slow requests are reported with their delay and the threshold"
# Timing bounds are loose on purpose: the machine may be busy.
like "$out" '^\[ *0\.[3-6][0-9]{2}s\] TIMEOUT req-7 +worker [0-2] +still running after [3-5][0-9]{2}\.[0-9]{3}ms' \
	"the stuck request is reported past its 300 ms timeout, while it runs"
like "$out" 'SLOW +req-7 +worker [0-2] +took (7[5-9][0-9]|[89][0-9]{2})\.[0-9]{3}ms .*after its timeout$' \
	"and again with its full delay (750 ms of work) when it ends"
timeout_line=$(printf '%s\n' "$out" | grep -n 'TIMEOUT req-7' | cut -d: -f1)
done_line=$(printf '%s\n' "$out" | grep -n 'SLOW *req-7 ' | cut -d: -f1)
ok $([ -n "$timeout_line" ] && [ -n "$done_line" ] && [ "$timeout_line" -lt "$done_line" ]; echo $?) \
	"the timeout comes before the completion (reported as they happen)"

num() { printf '%s\n' "$out" | sed -n "s/^  $1 *\([0-9]*\).*/\1/p"; }
requests=$(num requests); completed=$(num completed); slow=$(num slow); timeouts=$(num timeouts)
inflight=$(num 'in flight')
nslow=$(printf '%s\n' "$out" | grep -c '\] SLOW ')
like "$out" '^Summary \(3 workers\):$' "a summary follows"
ok $([ "${requests:-0}" -gt 100 ]; echo $?) "it served over 100 requests ($requests)"
is "$slow" "$nslow" "the summary's slow count equals the SLOW lines printed"
is "$timeouts" 1 "one timeout"
is "$((completed + inflight))" "$requests" "completed + in flight = requests (nothing lost)"
like "$out" 'requests +[0-9]+  \(tracked [0-9]+, dropped 0\)' "no request was dropped, and drops are shown"
like "$out" 'alerts +[1-9][0-9]*  \(alert fd wake-ups: [1-9]' "the alert fd woke the watcher"

json=$("$LATSCOPE" demo --duration 1 --json 2>&1)
ok $? "--json exits 0"
printf '%s\n' "$json" | python3 -c '
import json, sys
lines = [json.loads(l) for l in sys.stdin if l.strip()]
s = lines[-1]
assert s["type"] == "summary", s
assert s["timeouts"] == 1, s
assert s["slow"] == sum(1 for l in lines if l["type"] == "slow"), s
assert all(l["delay_ns"] > l["threshold_ns"] for l in lines if l["type"] == "slow")
assert s["requests"] == s["completed"] + s["in_flight"] + s["drops"], s
'
ok $? "--json: one object per line; slow/timeout events and a summary that adds up"

out=$(timeout 20 "$LATSCOPE" demo --duration 1 --timeout 1h --threshold 2h 2>&1)
ok $? "huge --timeout and --threshold: the run still ends on time (requests are cut at the end)"
like "$out" 'timeouts +0$' "and nothing was reported slow or stuck"

out=$("$LATSCOPE" demo --duration abc 2>&1)
is "$?" 2 "a bad duration exits 2"
like "$out" "^latscope: demo: invalid duration 'abc'$" "with a one-line error"
out=$("$LATSCOPE" demo --bogus 2>&1)
is "$?" 2 "an unknown option exits 2"
is "$out" "latscope: demo: unknown option or missing value '--bogus'
Try 'latscope demo --help'." "with one error line and a pointer to --help"
out=$("$LATSCOPE" demo extra 2>&1)
is "$?" 2 "an extra argument exits 2"
out=$("$LATSCOPE" demo --help)
like "$out" '^Usage: latscope demo' "--help prints the usage"

done_testing
