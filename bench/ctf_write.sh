#!/usr/bin/env bash
# bench/ctf_write.sh: `make bench-ctf_write`: writing CTF with latscope's own writer
# (lib/outputs/ctf_writer.c, what `latscope record` uses) against libbabeltrace2's sink.ctf.fs
# fed by a source component producing the same events (build/bench/ctf_write), best of ROUNDS;
# then both traces are read back with babeltrace2 (sink.utils.counter) and their event counts
# checked.
#
#   make bench-ctf_write        (EVENTS=2000000 ROUNDS=3 DIR=/dev/shm/latscope-ctf-write.PID)
set -u
BUILD=${LATSCOPE_BUILD:-build}
BIN=$BUILD/bench/ctf_write
EVENTS=${EVENTS:-2000000}
ROUNDS=${ROUNDS:-3}
DIR=${DIR:-/dev/shm/latscope-ctf-write.$$}

[ -x "$BIN" ] || {
	echo "bench-ctf_write: $BIN missing (make)" >&2
	exit 1
}
command -v babeltrace2 >/dev/null || {
	echo "bench-ctf_write: babeltrace2 missing (scripts/deps.sh)" >&2
	exit 1
}
trap 'rm -rf "$DIR"' EXIT

echo "bench-ctf_write: $EVENTS events (sched_switch, syscall_entry_read, syscall_exit_read in" \
	"turn), one stream, into $DIR; best of $ROUNDS; $(nproc) CPUs, load average" \
	"$(cut -d' ' -f1 /proc/loadavg)"
out=$("$BIN" -n "$EVENTS" -r "$ROUNDS" -o "$DIR") || {
	echo "bench-ctf_write: $BIN failed" >&2
	exit 1
}
echo "$out" | grep '^round' | sed 's/^/  /'
read -r ours bt2 <<<"$(echo "$out" | sed -n 's/^best events=[0-9]* ours=\([0-9.]*\) bt2=\([0-9.]*\)$/\1 \2/p')"
if [ -z "${ours:-}" ] || [ -z "${bt2:-}" ]; then
	echo "bench-ctf_write: no result from $BIN" >&2
	exit 1
fi

# Read back: every event there, babeltrace2 reading without error.
status=0
for w in ours bt2; do
	if ! n=$(babeltrace2 "$DIR/$w" -c sink.utils.counter -p step=+0 2>"$DIR/$w.err" |
		awk '/Event messages?$/ { print $1 }'); then
		n=
	fi
	size=$(du -sb "$DIR/$w" | cut -f1)
	if [ "$n" != "$EVENTS" ] || [ -s "$DIR/$w.err" ]; then
		echo "bench-ctf_write: $w: babeltrace2 read ${n:-no} events of $EVENTS: $(head -3 "$DIR/$w.err")" >&2
		status=1
	else
		printf '  read back %-4s %s events with babeltrace2, %s bytes\n' "$w" "$n" "$size"
	fi
	eval "size_$w=$size"
done
[ $status = 0 ] || exit 1

awk -v n="$EVENTS" -v o="$ours" -v b="$bt2" -v so="$size_ours" -v sb="$size_bt2" 'BEGIN {
	printf "\n%-34s %14s %12s %12s\n", "writer", "events/s", "ns/event", "bytes/event"
	printf "%-34s %14.0f %12.1f %12.1f\n", "latscope ctf_writer", n / o, o * 1e9 / n, so / n
	printf "%-34s %14.0f %12.1f %12.1f\n", "libbabeltrace2 source+sink.ctf.fs", n / b, b * 1e9 / n, sb / n
	printf "\n"
	printf "BENCH ctf_write_events_per_s ours=%.0f events/s peer=%.0f events/s peer_name=babeltrace2-sink.ctf.fs ratio=%.2f\n", n / o, n / b, b / o
	printf "BENCH ctf_write_ns_per_event ours=%.1f ns peer=%.1f ns peer_name=babeltrace2-sink.ctf.fs ratio=%.2f\n", o * 1e9 / n, b * 1e9 / n, b / o
}'
