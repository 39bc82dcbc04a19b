#!/usr/bin/env bash
# tests/soak/agent.sh (make soak-agent): the agent under a syscall-heavy load for SOAK_SECONDS
# (default 300): its RSS, sampled every 10 s, must not grow by more than 10% after the first
# minute, and every record the probes put in the ring buffer must reach it (the rest counted as
# lost). A slow target, not in `make test`. Prints SOAK lines with the figures.
set -u
LATSCOPE_SRC=${LATSCOPE_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
LATSCOPE_BUILD=${LATSCOPE_BUILD:-$LATSCOPE_SRC/build}
LATSCOPE=$LATSCOPE_BUILD/latscope
SLEEPER=$LATSCOPE_BUILD/tests/helpers/nanosleeper
LOOP=$LATSCOPE_BUILD/tests/helpers/getppid_loop
SECONDS_TOTAL=${SOAK_SECONDS:-300}
[ "$(id -u)" = 0 ] || { echo "soak-agent: needs root" >&2; exit 1; }
for b in "$LATSCOPE" "$SLEEPER" "$LOOP"; do
	[ -x "$b" ] || { echo "soak-agent: $b is not built" >&2; exit 1; }
done
[ "$SECONDS_TOTAL" -ge 90 ] || { echo "soak-agent: SOAK_SECONDS must be at least 90" >&2; exit 2; }

TMP=$(mktemp -d)
PIDS=()
AGENT=
cleanup() {
	for p in "${PIDS[@]}" $AGENT; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# syscall threshold 200 us: the 1 ms sleeps below are all reported, with their stacks
cat >"$TMP/agent.conf" <<EOC
listen = 127.0.0.1:0
control_socket = $TMP/ctl.sock
app_socket = off
events = $TMP/events.jsonl
tracker = syscall threshold=200us
tracker = wakeup
tracker = offcpu
tracker = block
tracker = irq
EOC
[ "${SOAK_STACKS:-on}" = off ] && echo "stacks = off" >>"$TMP/agent.conf"
"$LATSCOPE" agent --config "$TMP/agent.conf" >"$TMP/agent.out" 2>"$TMP/agent.err" &
AGENT=$!
for _ in $(seq 600); do
	[ -S "$TMP/ctl.sock" ] && break
	kill -0 "$AGENT" 2>/dev/null || { cat "$TMP/agent.err" >&2; exit 1; }
	sleep 0.1
done
[ -S "$TMP/ctl.sock" ] || { echo "soak-agent: the agent did not start" >&2; exit 1; }

# the load: getppid in a tight loop (every syscall goes through the tracker), 1 ms sleeps
# (reported), and short-lived processes (new pids for the agent's symbol caches)
(while :; do "$LOOP" 20000000 >/dev/null; done) &
PIDS+=("$!")
"$SLEEPER" 1 100000000 >/dev/null &
PIDS+=("$!")
(while :; do "$SLEEPER" 1 20 >/dev/null; sleep 0.1; done) &
PIDS+=("$!")

rss() { awk '/^VmRSS:/{print $2}' "/proc/$AGENT/status"; }
anon() { awk '/^RssAnon:/{print $2}' "/proc/$AGENT/status"; }
base=
max_after=0
fail=0
for ((t = 10; t <= SECONDS_TOTAL; t += 10)); do
	sleep 10
	kill -0 "$AGENT" 2>/dev/null || { echo "soak-agent: the agent died" >&2; cat "$TMP/agent.err" >&2; exit 1; }
	r=$(rss)
	echo "SOAK t=${t}s rss_kb=$r anon_kb=$(anon) events_file_kb=$(($(stat -c %s "$TMP/events.jsonl") / 1024))"
	: >"$TMP/events.jsonl" # keep the disk use small (the agent appends)
	[ "$t" = 60 ] && base=$r
	if [ -n "$base" ] && [ "$t" -gt 60 ] && [ "$r" -gt "$max_after" ]; then
		max_after=$r
	fi
done
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
wait "${PIDS[@]}" 2>/dev/null
PIDS=()

# every record put in a ring buffer reaches the agent: submitted (read first) <= received once
# it has caught up (the machine keeps running: both go on growing)
status=$("$LATSCOPE" ctl --socket "$TMP/ctl.sock" status)
[ -n "$status" ] || { echo "soak-agent: no status from the agent" >&2; exit 1; }
field() { printf '%s\n' "$2" | sed -n "s/^$1=//p"; }
for t in syscall wakeup offcpu block irq; do
	sub=$(field "$t.submitted" "$status")
	events=$(field "$t.events" "$status")
	got=0
	for _ in $(seq 120); do
		now=$("$LATSCOPE" ctl --socket "$TMP/ctl.sock" status)
		got=$(field "$t.reported" "$now")
		lost=$(field "$t.lost" "$now")
		[ -n "$got" ] && [ "$got" -ge "$sub" ] && break
		sleep 0.5
	done
	echo "SOAK tracker=$t events=$events submitted=$sub received=$got lost_counted=$lost"
	if [ -z "$sub" ] || [ -z "$got" ] || [ "$got" -lt "$sub" ]; then
		echo "soak-agent: $t: ${sub:-?} records put in the ring buffer, ${got:-?} received" >&2
		fail=1
	fi
done
growth=$(awk -v b="$base" -v m="$max_after" 'BEGIN{printf "%.1f", (m - b) * 100 / b}')
echo "SOAK rss_kb_at_60s=$base max_rss_kb_after=$max_after growth_pct=$growth seconds=$SECONDS_TOTAL"
if awk -v b="$base" -v m="$max_after" 'BEGIN{exit !(m > b * 1.10)}'; then
	echo "soak-agent: RSS grew by $growth% after the first minute (limit 10%)" >&2
	fail=1
fi
[ "$fail" = 0 ] && echo "soak-agent: ok" || echo "soak-agent: FAILED"
exit "$fail"
