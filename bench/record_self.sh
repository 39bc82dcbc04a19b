#!/usr/bin/env bash
# bench/record_self.sh: `make bench-record_self`: what a continuous recording of the machine as it
# is (no load of its own) costs the recorder itself: `latscope record` (the sched and syscall
# events, irq) against `trace-cmd record --no-filter -d` (as bench-record runs it: this kernel
# refuses its set_ftrace_pid) on the same tracepoints, DUR s each, writing to tmpfs:
# the recorder's CPU time (user + system, children included, /usr/bin/time) and, for latscope,
# its own switches-in in its trace (sched_switch to its pid), which were one per few records when
# the probes woke the reader per record (docs/record.md, "How the recorder reads").
#
#   make bench-record_self   (DUR=10)
set -u
BUILD=${LATSCOPE_BUILD:-build}
LATSCOPE=$BUILD/latscope
DUR=${DUR:-10}
TMP=$(mktemp -d /dev/shm/latscope-bench-record-self.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

if [ "$(id -u)" != 0 ]; then
	echo "bench-record_self: needs root" >&2
	exit 1
fi
[ -x /usr/bin/time ] || {
	echo "bench-record_self: /usr/bin/time missing" >&2
	exit 1
}

/usr/bin/time -f '%U %S' -o "$TMP/lat.time" "$LATSCOPE" record -o "$TMP/lat" \
	-e sched,syscall,irq -d "${DUR}s" 2>"$TMP/lat.err" &
tpid=$!
pid=
for _ in $(seq 100); do
	pid=$(pgrep -P "$tpid" -x latscope) && break
	sleep 0.05
done
wait $tpid || {
	echo "bench-record_self: latscope record failed: $(cat "$TMP/lat.err")" >&2
	exit 1
}
lat_ms=$(awk 'NF == 2 { printf "%.0f", ($1 + $2) * 1000 }' "$TMP/lat.time")
events=$(sed -nE 's/^latscope record: ([0-9]+) events.*/\1/p' "$TMP/lat.err")
own=$(babeltrace2 "$TMP/lat" 2>/dev/null | grep 'sched_switch:' | grep -c "next_tid = $pid,")
rm -rf "$TMP/lat"
echo "latscope record: $events events in ${DUR}s, ${lat_ms} ms of CPU, $own switches to itself"

if command -v trace-cmd >/dev/null; then
	# its exit status: not 0 here, it cannot reset set_ftrace_filter at the end; its trace counts
	/usr/bin/time -f '%U %S' -o "$TMP/tc.time" trace-cmd record --no-filter -d -e sched \
		-e raw_syscalls -e irq -o "$TMP/trace.dat" sleep "$DUR" >"$TMP/tc.err" 2>&1
	if [ ! -s "$TMP/trace.dat" ]; then
		echo "bench-record_self: trace-cmd record failed: $(grep -m1 trace-cmd "$TMP/tc.err")" >&2
		exit 1
	fi
	# trace-cmd's own time, without the sleep's (nothing)
	tc_ms=$(awk 'NF == 2 { printf "%.0f", ($1 + $2) * 1000 }' "$TMP/tc.time")
	echo "trace-cmd record: ${tc_ms} ms of CPU"
	awk -v o="$lat_ms" -v p="$tc_ms" -v d="$DUR" 'BEGIN {
		printf "BENCH record_self_cpu ours=%.1f ms/s peer=%.1f ms/s peer_name=trace-cmd-record ratio=%.2f\n",
			o / d, p / d, (o > 0 ? p / o : 0) }'
fi
awk -v n="$own" -v d="$DUR" 'BEGIN { printf "record_self_switches=%.1f/s\n", n / d }'
