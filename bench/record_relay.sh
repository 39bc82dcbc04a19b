#!/usr/bin/env bash
# bench/record_relay.sh: `make bench-record_relay`: events per second one `latscope record`
# sustains without loss streaming to a local lttng-relayd (-o net://127.0.0.1), beside the same
# recording to local disk (-o DIR, tmpfs), and the CPU of the recorder and of the relay.
#
# The load: build/bench/record_load on CPU 1 (getppid(): two events a call), stepped up (STEPS,
# events/s; "max": unpaced) for STEP_DUR s each; the recorder and the relay on CPU 0. Loss: the
# recorder's discarded events plus, to the relay, the packets' events not sent. Sustained: the
# events per second recorded (the load's and the machine's others) at the last step without loss.
#
#   make bench-record_relay   (STEP_DUR=3 BUF=4M STEPS="50000 100000 200000 400000 max")
set -u
BUILD=${LATSCOPE_BUILD:-build}
LATSCOPE=$BUILD/latscope
LOAD=$BUILD/bench/record_load
STEP_DUR=${STEP_DUR:-3}
BUF=${BUF:-4M}
STEPS=${STEPS:-"50000 100000 200000 400000 max"}
TMP=$(mktemp -d /dev/shm/latscope-bench-relay.XXXXXX)
RELAY_PID=
cleanup() {
	[ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null && wait "$RELAY_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "bench-record_relay: needs root" >&2; exit 1; }
for f in "$LATSCOPE" "$LOAD"; do
	[ -x "$f" ] || { echo "bench-record_relay: $f missing (make)" >&2; exit 1; }
done
command -v lttng-relayd >/dev/null || { echo "bench-record_relay: lttng-relayd missing" >&2; exit 1; }

P=$((20000 + RANDOM % 30000))
taskset -c 0 lttng-relayd -C tcp://127.0.0.1:$P -D tcp://127.0.0.1:$((P + 1)) \
	-L tcp://127.0.0.1:$((P + 2)) -o "$TMP/relay" >"$TMP/relay.log" 2>&1 &
RELAY_PID=$!
for _ in $(seq 100); do
	ss -ltnH "sport = :$P" | grep -q LISTEN && break
	sleep 0.05
done
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK_NS=$((1000000000 / $(getconf CLK_TCK)))

# run OUT STEP NAME: one recording of STEP_DUR s under the load; sets EVENTS LOSS REC_NS RELAY_NS
run() {
	local out=$1 step=$2 name=$3 r0 r1 load
	r0=$(cpu_ticks $RELAY_PID)
	/usr/bin/time -f '%U %S' -o "$TMP/time" taskset -c 0 "$LATSCOPE" record -o "$out" \
		-b "$BUF" --events syscall_entry_getppid,sched_switch -d $((STEP_DUR + 1))s 2>"$TMP/$name.err" &
	local rec=$!
	for _ in $(seq 200); do
		grep -Eq '^latscope record: (writing|streaming)' "$TMP/$name.err" && break
		sleep 0.05
	done
	case $step in
	max) load=$(taskset -c 1 "$LOAD" -d "$STEP_DUR") ;;
	*) load=$(taskset -c 1 "$LOAD" -r $((step / 2)) -d "$STEP_DUR") ;;
	esac
	wait $rec
	r1=$(cpu_ticks $RELAY_PID)
	EVENTS=$(grep -Eo '[0-9]+ events, [0-9]+ discarded' "$TMP/$name.err" | awk '{print $1}')
	LOSS=$(grep -Eo '[0-9]+ events, [0-9]+ discarded' "$TMP/$name.err" | awk '{print $3}')
	local unsent
	unsent=$(grep -Eo '\(([0-9]+) events\) not sent' "$TMP/$name.err" | grep -Eo '[0-9]+' | head -1)
	LOSS=$((${LOSS:-0} + ${unsent:-0}))
	REC_NS=$(awk -v e="${EVENTS:-1}" '{printf "%.0f", ($1 + $2) * 1e9 / e}' "$TMP/time")
	RELAY_NS=$(awk -v a=$r0 -v b=$r1 -v t=$TICK_NS -v e="${EVENTS:-1}" 'BEGIN {printf "%.0f", (b - a) * t / e}')
	# the events per second the recorder took in (the load's and the machine's other ones)
	LOAD_EPS=$(awk -v e="${EVENTS:-0}" -v d=$((STEP_DUR + 1)) 'BEGIN {printf "%.0f", e / d}')
	rm -rf "$out" "$TMP/relay"/*
}

declare -A sustained=([disk]=0 [relay]=0) cpu=([disk]=0 [relay]=0) relay_cpu=0
for step in $STEPS; do
	for dest in disk relay; do
		if [ $dest = disk ]; then
			run "$TMP/disk" "$step" disk
		else
			run "net://127.0.0.1:$P:$((P + 1))/bench" "$step" relay
			relay_cpu=$RELAY_NS
		fi
		printf '  %-6s %-7s recorded %9s events/s: %9s events, %7s lost, recorder %5s ns/event%s\n' \
			"$step" "$dest" "${LOAD_EPS:-?}" "${EVENTS:-?}" "$LOSS" "$REC_NS" \
			"$([ $dest = relay ] && echo ", relay $RELAY_NS ns/event")"
		if [ "$LOSS" = 0 ] && [ -n "$EVENTS" ]; then
			sustained[$dest]=${LOAD_EPS:-0}
			cpu[$dest]=$REC_NS
		fi
	done
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }'; }
echo "BENCH record_relay_sustained ours=${sustained[relay]} events/s peer=${sustained[disk]} events/s peer_name=record-to-tmpfs ratio=$(ratio "${sustained[relay]}" "${sustained[disk]}")"
echo "BENCH record_relay_recorder_cpu ours=${cpu[relay]} ns peer=${cpu[disk]} ns peer_name=record-to-tmpfs ratio=$(ratio "${cpu[disk]}" "${cpu[relay]}")"
echo "# lttng-relayd's CPU at the last step: $relay_cpu ns per event"
