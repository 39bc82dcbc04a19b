#!/usr/bin/env bash
# agent_summary.t: `latscope agent --duration D` (the README's quick look): it runs the trackers
# for D and prints what it saw per series (events, over threshold, p50/p99/max, the worst events,
# losses), and its figures agree with the events it wrote; --summary prints the same at SIGINT.
. "$(dirname "$0")/../lib.sh"

TMP=$(mktemp -d)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

out=$("$LATSCOPE" agent --help)
like "$out" "--duration D" "--help documents --duration"
for bad in 0 soon; do
	out=$("$LATSCOPE" agent --duration "$bad" 2>&1)
	is "$?" 2 "--duration $bad: exit 2"
	like "$(printf '%s\n' "$out" | head -1)" "^latscope: agent: bad --duration '$bad'" "--duration $bad: says why"
done

if [ "$(id -u)" != 0 ] || [ ! -r /sys/kernel/btf/vmlinux ]; then
	diag "skipping the running agent: needs root and BTF"
	done_testing
	exit
fi
to_ms() { # "1.5s", "20.1ms", "3us" -> milliseconds
	awk -v v="$1" 'BEGIN { if (v ~ /ms$/) print v + 0; else if (v ~ /us$/) print v / 1e3;
		else if (v ~ /ns$/) print v / 1e6; else if (v ~ /s$/) print v * 1e3; else print -1 }'
}
SLEEPER=$LATSCOPE_BUILD/tests/helpers/nanosleeper
[ -x "$SLEEPER" ] || { diag "helpers not built"; done_testing; exit 1; }

# the built-in trackers, its sockets in TMP (another agent may run on this machine)
cat >"$TMP/agent.conf" <<EOC
listen = 127.0.0.1:0
control_socket = $TMP/ctl.sock
app_socket = off
events = $TMP/events.jsonl
stacks = off
EOC
"$SLEEPER" 20 1000 >/dev/null &
SPID=$!
PIDS+=("$SPID")
start=$(date +%s%N)
"$LATSCOPE" agent --config "$TMP/agent.conf" --duration 2s >"$TMP/out" 2>"$TMP/err"
rc=$?
is "$rc" 0 "agent --duration 2s exits 0 by itself"
diag "$(cat "$TMP/err")"
sum=$(cat "$TMP/out")
like "$sum" "^latscope agent: config $TMP/agent.conf, pid [0-9]+$" "the summary says which configuration"
like "$sum" '^Summary of 2\.[0-9]+s: ' "and how long it ran (2 s once the probes are loaded)"
like "$sum" '^SERIES +EVENTS +OVER +THRESHOLD +P50 +P99 +MAX +LOST$' "a table per series"
for s in syscall wakeup offcpu block block_queue irq_hard irq_soft irq_raise; do
	like "$sum" "^$s +[0-9]+ +[0-9]+ +[0-9.]+[mun]?s +" "series $s"
done
row=$(printf '%s\n' "$sum" | awk '$1 == "syscall"')
read -r _ events over thr p50 p99 max lost <<<"$row"
# (on an idle machine nearly every system call of 2 s may be a slow one: events >= over)
ok $([ "$events" -ge "$over" ] && [ "$over" -ge 50 ]; echo $?) \
	"syscall: every event counted ($events), the 20 ms sleeps over 1 ms among them ($over)" ||
	diag "$sum"
is "$thr" "1.000ms" "syscall: its default threshold"
ok $(awk -v m="$(to_ms "$max")" 'BEGIN{exit !(m >= 19)}'; echo $?) \
	"syscall: max of the run is at least the 20 ms sleep ($max)"
worst=$(printf '%s\n' "$sum" | awk '$1 == "syscall"{f=1; next} f && /^  worst: /{print; next} {f=0}')
is "$(printf '%s\n' "$worst" | grep -c .)" 3 "syscall: its three worst events"
like "$(printf '%s\n' "$worst" | head -1)" "^  worst: $max [^ ]+\[[0-9]+/[0-9]+\] syscall=[a-z_0-9]+ " \
	"the worst is the max, with its process and fields"
# the over-threshold counts are the events written as JSON lines
for t in syscall wakeup offcpu; do
	n=$(printf '%s\n' "$sum" | awk -v t="$t" '$1 == t {print $3}')
	is "$(grep -c "^{\"type\":\"event\".*\"tracker\":\"$t\"" "$TMP/events.jsonl")" "$n" "$t: OVER is the number of event lines ($n)"
done
is "$(grep -c '"comm":"nanosleeper".*"syscall":"nanosleep"' "$TMP/events.jsonl" | awk '{print ($1 >= 50)}')" 1 \
	"the nanosleeps are among them"
like "$sum" '^event lines written: [0-9]+, changes of profile: [0-9]+$' "the event lines written"
ok $([ ! -e "$TMP/ctl.sock" ]; echo $?) "and it cleaned up its control socket"

# --summary: the same at SIGINT
"$LATSCOPE" agent --config "$TMP/agent.conf" --summary >"$TMP/out2" 2>"$TMP/err2" &
APID=$!
explain2() { diag "agent --summary's stderr:"; sed 's/^/#   /' "$TMP/err2"; }
on_failure explain2
# once it has counted system calls (ctl status: the kernel's counts); it exits if it fails
_counted() {
	local n
	n=$("$LATSCOPE" ctl --socket "$TMP/ctl.sock" status 2>/dev/null | sed -n 's/^syscall.events=//p')
	[ "${n:-0}" -ge 1 ] || ! kill -0 "$APID" 2>/dev/null
}
wait_until 120 _counted || diag "agent --summary counted no system call in 120 s"
kill -INT "$APID"
wait "$APID"
is "$?" 0 "--summary: SIGINT, exit 0"
like "$(cat "$TMP/out2")" '^syscall +[1-9][0-9]* ' "--summary: the summary at SIGINT"
done_testing
