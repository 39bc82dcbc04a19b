#!/usr/bin/env bash
# bench/record.sh: `make bench-record`: `latscope record` against `perf record -e` and
# `trace-cmd record --no-filter -d` on the same tracepoints (system calls, sched_switch,
# sched_waking, sched_wakeup), system-wide, each with the same kernel buffer (BUF: latscope's
# ring buffer; BUF / CPUs per CPU for the peers), writing to tmpfs, recorder pinned to CPU 0.
#
# The load: build/bench/record_load on CPU 1: getppid() calls (two events each), or with
# MODE=pipe pairs of threads bouncing a byte through pipes (a round trip: 4 system calls, 2
# sched_switch, 2 sched_waking, 2 sched_wakeup: 14 events; latscope and the peers alike).
#  1. Cost: ROUNDS rounds of the unpaced load (DUR s) with nothing attached, then with each
#     recorder in turn. Per event: the load's slowdown (its CPU time per call over the base,
#     divided by the events of a call: the probe's work in the traced threads, BPF or
#     perf/ftrace), the recorder process's CPU
#     time (user + system, its children included) per event it recorded, and for latscope the
#     BPF run time per program run (kernel.bpf_stats_enabled, from its fdinfo). Medians.
#  2. Loss: the load stepped up (STEPS, events/s of the load; "max": unpaced on CPU 1; "max2":
#     unpaced on both CPUs) for STEP_DUR s each, until a recorder loses events (by its own
#     count: latscope's discarded events, perf's LOST_SAMPLES, trace-cmd's overrun + dropped).
#     Sustained: the load's rate at the last step without loss.
# Every recorder also records the machine's other processes (in "offered" and in the counts,
# not in the load's rate); perf and trace-cmd record their own system calls too, latscope not.
#
# The flight recorder's two designs are recorders too (RECORDERS):
#   flight       latscope record --flight --keep-size BUF: BPF-written per-CPU overwrite rings
#                in an mmapable array map, read only at a snapshot (design b, the one kept)
#   flight-user  the same with --flight-rings user: every event crosses to the recorder's rings
#   tracefs      the kernel's own ring buffer in a private tracefs instance (BUF / CPUs per CPU,
#                overwrite mode, the same tracepoints), read only at a snapshot (design a,
#                trace-cmd's path); nothing runs in user space meanwhile
# and for them "events" are every event written to the rings (kept + overwritten).
#  0. Idle: with IDLE > 0 (s), the flight recorders' own CPU time (user + system, /proc/PID/stat)
#     over IDLE s of the machine as it is, no load.
#
#   make bench-record   (MODE=getppid ROUNDS=5 DUR=1 STEP_DUR=3 BUF=4M IDLE=0
#                        RECORDERS="latscope perf trace-cmd flight flight-user tracefs"
#                        STEPS="20000 50000 100000 200000 400000 max max2")
set -u
BUILD=${LATSCOPE_BUILD:-build}
LATSCOPE=$BUILD/latscope
LOAD=$BUILD/bench/record_load
ROUNDS=${ROUNDS:-5}
DUR=${DUR:-1}
STEP_DUR=${STEP_DUR:-3}
MODE=${MODE:-getppid}
BUF=${BUF:-4M}
STEPS=${STEPS:-"20000 50000 100000 200000 400000 max max2"}
RECORDERS=${RECORDERS:-"latscope perf trace-cmd flight flight-user tracefs"}
IDLE=${IDLE:-0}
INSTANCE=/sys/kernel/tracing/instances/latscope-bench-$$
TMP=$(mktemp -d /dev/shm/latscope-bench-record.XXXXXX)
REC_PID=

if [ "$(id -u)" != 0 ]; then
	echo "bench-record: needs root" >&2
	exit 1
fi
for f in "$LATSCOPE" "$LOAD"; do
	[ -x "$f" ] || {
		echo "bench-record: $f missing (make)" >&2
		exit 1
	}
done
for t in perf trace-cmd; do
	command -v "$t" >/dev/null || {
		echo "bench-record: $t missing (scripts/deps.sh)" >&2
		exit 1
	}
done
[ -x /usr/bin/time ] || {
	echo "bench-record: /usr/bin/time missing" >&2
	exit 1
}
if [ "$(nproc)" -lt 2 ]; then
	echo "bench-record: needs 2 CPUs (recorder on CPU 0, load on CPU 1)" >&2
	exit 1
fi

old_stats=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
	[ -n "$REC_PID" ] && kill -KILL -- -"$REC_PID" 2>/dev/null && wait "$REC_PID" 2>/dev/null
	sysctl -q -w kernel.bpf_stats_enabled="$old_stats"
	[ -d "$INSTANCE" ] && rmdir "$INSTANCE"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
sysctl -q -w kernel.bpf_stats_enabled=1

ncpu=$(nproc)
declare -A idle_pct
case $MODE in
getppid) EV_PER_CALL=2 ;;
pipe) EV_PER_CALL=14 ;;
*)
	echo "bench-record: MODE is getppid or pipe" >&2
	exit 2
	;;
esac
buf_bytes=$(numfmt --from=iec "$BUF") || exit 1
buf_cpu_kb=$((buf_bytes / ncpu / 1024))
LAT_EVENTS=syscall,sched_switch,sched_waking,sched_wakeup
PEER_EVENTS=(-e raw_syscalls:sys_enter -e raw_syscalls:sys_exit -e sched:sched_switch
	-e sched:sched_waking -e sched:sched_wakeup)
TRACEFS_EVENTS="raw_syscalls/sys_enter raw_syscalls/sys_exit sched/sched_switch sched/sched_waking sched/sched_wakeup"

# tracefs_on / tracefs_off: design (a), a private instance in overwrite mode with the peers'
# tracepoints; tracefs_counts prints "written dropped" (entries + overrun, and dropped events).
tracefs_on() {
	mkdir "$INSTANCE" || return 1
	echo "$buf_cpu_kb" >"$INSTANCE/buffer_size_kb" &&
		echo 1 >"$INSTANCE/options/overwrite" &&
		for e in $TRACEFS_EVENTS; do echo 1 >"$INSTANCE/events/$e/enable" || return 1; done &&
		echo 1 >"$INSTANCE/tracing_on"
}
tracefs_counts() {
	cat "$INSTANCE"/per_cpu/cpu*/stats | awk '
		$1 == "entries:" || $1 == "overrun:" { w += $2 }
		$1 == "dropped" { d += $NF }
		END { printf "%d %d\n", w, d }'
}
tracefs_off() {
	echo 0 >"$INSTANCE/tracing_on"
	for e in $TRACEFS_EVENTS; do echo 0 >"$INSTANCE/events/$e/enable"; done
	rmdir "$INSTANCE"
}

# start NAME: the recorder in its own session (so SIGINT reaches all its processes), under
# /usr/bin/time, on CPU 0; returns once it records.
start() {
	local out=$TMP/rec
	rm -rf "$out" && mkdir -p "$out"
	: >"$TMP/rec.err"
	case $1 in
	latscope)
		setsid /usr/bin/time -f '%U %S' -o "$TMP/time" taskset -c 0 "$LATSCOPE" record \
			-o "$out/lat" -b "$BUF" -e "$LAT_EVENTS" >/dev/null 2>"$TMP/rec.err" &
		REC_PID=$! ready=writing
		;;
	perf)
		setsid /usr/bin/time -f '%U %S' -o "$TMP/time" taskset -c 0 perf record -a -q \
			-m "$((buf_cpu_kb))K" "${PEER_EVENTS[@]}" -o "$out/perf.data" \
			>/dev/null 2>"$TMP/rec.err" &
		REC_PID=$! ready=
		;;
	flight | flight-user)
		local rings=kernel
		[ "$1" = flight-user ] && rings=user
		setsid /usr/bin/time -f '%U %S' -o "$TMP/time" taskset -c 0 "$LATSCOPE" record \
			--flight --flight-rings "$rings" -o "$out/lat" --keep-size "$BUF" \
			--socket "$TMP/flight.sock" -e "$LAT_EVENTS" >/dev/null 2>"$TMP/rec.err" &
		REC_PID=$! ready="flight recorder"
		;;
	tracefs)
		tracefs_on || {
			echo "bench-record: tracefs instance $INSTANCE: cannot set up" >&2
			[ -d "$INSTANCE" ] && tracefs_off
			return 1
		}
		# nothing runs in user space: a placeholder process, 0 s of CPU
		setsid /usr/bin/time -f '%U %S' -o "$TMP/time" sleep 100000 &
		REC_PID=$! ready=
		echo up >"$TMP/rec.err"
		REC_CHILD=
		REC_T0=$(date +%s.%N)
		return 0
		;;
	trace-cmd)
		# stdbuf: its "Hit Ctrl^C" would otherwise come out only at exit
		setsid /usr/bin/time -f '%U %S' -o "$TMP/time" taskset -c 0 stdbuf -oL trace-cmd record \
			--no-filter -d -b "$buf_cpu_kb" "${PEER_EVENTS[@]}" -o "$out/trace.dat" \
			>"$TMP/rec.err" 2>&1 &
		REC_PID=$! ready="Hit Ctrl"
		;;
	esac
	local up=
	for _ in $(seq 400); do
		kill -0 "$REC_PID" 2>/dev/null || break
		if [ -n "$ready" ]; then
			grep -q "$ready" "$TMP/rec.err" && up=1 && break
		elif [ -s "$out/perf.data" ]; then
			sleep 1 # perf says nothing when it is ready: its file is there, the events soon
			up=1 && break
		fi
		sleep 0.05
	done
	if [ -z "$up" ] || ! kill -0 "$REC_PID" 2>/dev/null; then
		echo "bench-record: $1 did not start in 20 s: $(head -3 "$TMP/rec.err")" >&2
		kill -KILL -- -"$REC_PID" 2>/dev/null
		wait "$REC_PID" 2>/dev/null
		REC_PID=
		return 1
	fi
	REC_CHILD=$(pgrep -P "$REC_PID" | head -1)
	REC_T0=$(date +%s.%N)
}

# bpf_stats: "run_time_ns run_cnt" of the BPF programs latscope holds (its fdinfo).
bpf_stats() {
	cat /proc/"$REC_CHILD"/fdinfo/* 2>/dev/null |
		awk '$1 == "run_time_ns:" { t += $2 } $1 == "run_cnt:" { c += $2 } END { printf "%d %d\n", t, c }'
}

# stop NAME: SIGINT to the recorder's session, then its counts: sets REC_EVENTS, REC_LOST,
# REC_CPU_S (user + system of the recorder and its children), REC_SECS (from ready to SIGINT).
stop() {
	local n
	REC_SECS=$(awk -v a="$REC_T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
	kill -INT -- -"$REC_PID" 2>/dev/null
	# the tracefs placeholder ignores SIGINT (a background job's, inherited): TERM
	[ "$1" = tracefs ] && kill -TERM -- -"$REC_PID" 2>/dev/null
	for _ in $(seq 600); do
		kill -0 "$REC_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- -"$REC_PID" 2>/dev/null
	wait "$REC_PID" 2>/dev/null
	REC_PID=
	REC_CPU_S=$(awk 'END { print $1 + $2 }' "$TMP/time" 2>/dev/null)
	REC_EVENTS= REC_LOST=
	case $1 in
	flight | flight-user)
		read -r REC_EVENTS REC_LOST < <(sed -n 's/^latscope record: .* \([0-9]*\) events kept, \([0-9]*\) overwritten, [0-9]* expired, \([0-9]*\) discarded.*/\1 \2 \3/p' "$TMP/rec.err" |
			awk '{ print $1 + $2, $3 }')
		;;
	tracefs)
		read -r REC_EVENTS REC_LOST < <(tracefs_counts)
		tracefs_off
		REC_CPU_S=0
		;;
	latscope)
		read -r REC_EVENTS REC_LOST < <(sed -n 's/^latscope record: \([0-9]*\) events, \([0-9]*\) discarded.*/\1 \2/p' "$TMP/rec.err")
		;;
	perf)
		perf report -i "$TMP/rec/perf.data" --stats >"$TMP/stats" 2>/dev/null
		REC_EVENTS=$(awk '/^Aggregated stats:/ { a = 1 } a && /SAMPLE events:/ { print $3; exit }' "$TMP/stats")
		REC_LOST=$(awk '/ stats:$/ && !/^Aggregated/ { e = 1 } e && /LOST_SAMPLES events:/ { s += $3 } END { print s + 0 }' "$TMP/stats")
		;;
	trace-cmd)
		trace-cmd report -i "$TMP/rec/trace.dat" --stat >"$TMP/stats" 2>/dev/null
		REC_EVENTS=$(awk '/^read events:/ { s += $3 } END { print s + 0 }' "$TMP/stats")
		REC_LOST=$(awk '/^overrun:/ || /^dropped events:/ { s += $NF } END { print s + 0 }' "$TMP/stats")
		;;
	esac
	if [ -z "$REC_EVENTS" ] || [ "$REC_EVENTS" = 0 ]; then
		n=$(grep -v '^Command' "$TMP/rec.err" | head -3)
		echo "bench-record: $1 recorded nothing: $n" >&2
		return 1
	fi
	rm -rf "$TMP/rec"
}

# run_load RATE SECS: the load on CPU 1 (RATE events/s, max, max2); sets LOAD_EPS (events/s)
# and LOAD_CPU_NS (CPU ns per call).
run_load() {
	local out
	case $1 in
	max) out=$(taskset -c 1 "$LOAD" -m "$MODE" -d "$2") ;;
	max2) out=$(taskset -c 0,1 "$LOAD" -m "$MODE" -t 2 -d "$2") ;;
	*) out=$(taskset -c 1 "$LOAD" -m "$MODE" -r "$(($1 / EV_PER_CALL))" -d "$2") ;;
	esac
	LOAD_EPS=$(echo "$out" | sed -n 's/.*calls_per_s=\([0-9.]*\).*/\1/p' | awk -v k="$EV_PER_CALL" '{ printf "%.0f", k * $1 }')
	LOAD_CPU_NS=$(echo "$out" | sed -n 's/.*cpu_ns_per_call=\([0-9.]*\).*/\1/p')
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
div() { awk -v a="$1" -v b="$2" -v s="${3:-1}" 'BEGIN { if (b == 0) print "nan"; else printf "%.1f\n", a * s / b }'; }

echo "bench-record: $(date -u '+%F %H:%M UTC'), $(uname -r), $ncpu CPUs, load average $(cut -d' ' -f1 /proc/loadavg)"
echo "  recorders on CPU 0 with a $BUF buffer ($buf_cpu_kb KiB per CPU for perf and trace-cmd), load on CPU 1"

# --- 0. idle: the flight recorders' own CPU time -------------------------------------------------
# proc_cpu PID: user + system ticks of PID (all threads)
proc_cpu() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
if [ "$IDLE" -gt 0 ]; then
	echo "0. idle: the flight recorders' own CPU time over $IDLE s, no load (load average $(cut -d' ' -f1 /proc/loadavg))"
	tick=$(getconf CLK_TCK)
	for r in flight flight-user; do
		start "$r" || continue
		c0=$(proc_cpu "$REC_CHILD")
		sleep "$IDLE"
		c1=$(proc_cpu "$REC_CHILD")
		st=$("$LATSCOPE" ctl --socket "$TMP/flight.sock" status 2>/dev/null)
		stop "$r"
		idle_pct[$r]=$(awk -v a="$c0" -v b="$c1" -v t="$tick" -v s="$IDLE" 'BEGIN { printf "%.3f", 100 * (b - a) / t / s }')
		printf '  %-12s %s s of CPU in %s s: %s %% of one CPU; %s events written to the rings\n' "$r" \
			"$(awk -v a="$c0" -v b="$c1" -v t="$tick" 'BEGIN { printf "%.2f", (b - a) / t }')" "$IDLE" "${idle_pct[$r]}" "$REC_EVENTS"
	done
	echo
fi

# --- 1. cost -----------------------------------------------------------------------------------
echo "1. cost: $ROUNDS rounds of $DUR s of the unpaced load ($MODE)"
for round in $(seq "$ROUNDS"); do
	for r in base $RECORDERS; do
		if [ "$r" = base ]; then
			run_load max "$DUR"
			echo "$LOAD_CPU_NS" >>"$TMP/cpu.base"
			printf '  round %d %-9s %9s events/s %8.1f CPU ns/call\n' "$round" "$r" "$LOAD_EPS" "$LOAD_CPU_NS"
			continue
		fi
		start "$r" || continue
		case $r in latscope | flight*) read -r t0 c0 < <(bpf_stats) ;; esac
		run_load max "$DUR"
		case $r in latscope | flight*) read -r t1 c1 < <(bpf_stats) ;; esac
		stop "$r" || continue
		echo "$LOAD_CPU_NS" >>"$TMP/cpu.$r"
		div "$REC_CPU_S" "$REC_EVENTS" 1e9 >>"$TMP/rec_ns.$r"
		echo "$REC_EVENTS" >>"$TMP/events.$r"
		case $r in latscope | flight*) div $((t1 - t0)) $((c1 - c0)) >>"$TMP/bpf.$r" ;; esac
		printf '  round %d %-9s %9s events/s %8.1f CPU ns/call; recorder: %s events, %s lost, %s s CPU\n' \
			"$round" "$r" "$LOAD_EPS" "$LOAD_CPU_NS" "$REC_EVENTS" "$REC_LOST" "$REC_CPU_S"
	done
done

base=$(median <"$TMP/cpu.base")
declare -A slow rec total
printf '\n%-10s %14s %16s %18s %16s %14s\n' recorder "CPU ns/call" "load ns/event" "recorder ns/event" "total ns/event" "BPF ns/run"
printf '%-10s %14s\n' base "$base"
for r in $RECORDERS; do
	[ -s "$TMP/cpu.$r" ] || continue
	m=$(median <"$TMP/cpu.$r")
	slow[$r]=$(awk -v a="$m" -v b="$base" -v k="$EV_PER_CALL" 'BEGIN { printf "%.1f", (a - b) / k }')
	rec[$r]=$(median <"$TMP/rec_ns.$r")
	total[$r]=$(awk -v a="${slow[$r]}" -v b="${rec[$r]}" 'BEGIN { printf "%.1f", a + b }')
	bpf=-
	[ -s "$TMP/bpf.$r" ] && bpf=$(median <"$TMP/bpf.$r")
	printf '%-10s %14s %16s %18s %16s %14s\n' "$r" "$m" "${slow[$r]}" "${rec[$r]}" "${total[$r]}" "$bpf"
done
echo "(load ns/event: the traced thread's added CPU time per event, probe included; recorder ns/event:"
echo " the recorder process's CPU time per event it recorded, other processes' events included)"

# --- 2. loss -------------------------------------------------------------------------------------
echo
echo "2. loss: load stepped up through $STEPS (events/s; max: unpaced on CPU 1, max2: on both), $STEP_DUR s a step"
declare -A sustained sustained_all first_loss
for r in $RECORDERS; do
	sustained[$r]=0 sustained_all[$r]=0
	for step in $STEPS; do
		start "$r" || break
		run_load "$step" "$STEP_DUR"
		stop "$r" || break
		# Everything the recorder was offered (the load and the other processes), per second
		offered=$(awk -v e="$REC_EVENTS" -v l="$REC_LOST" -v s="$REC_SECS" 'BEGIN { printf "%.0f", (e + l) / s }')
		printf '  %-9s load %-7s %9s events/s; offered %9s events/s in all; %s recorded, %s lost\n' \
			"$r" "$step" "$LOAD_EPS" "$offered" "$REC_EVENTS" "$REC_LOST"
		if [ "$REC_LOST" != 0 ]; then
			first_loss[$r]="load $LOAD_EPS, offered $offered events/s (lost $REC_LOST of $((REC_EVENTS + REC_LOST)))"
			break
		fi
		sustained[$r]=$LOAD_EPS sustained_all[$r]=$offered
	done
done

printf '\n%-10s %24s %18s  %s\n' recorder "sustained load (ev/s)" "offered in all" "first loss at"
for r in $RECORDERS; do
	printf '%-10s %24s %18s  %s\n' "$r" "${sustained[$r]}" "${sustained_all[$r]}" "${first_loss[$r]:-none up to the last step}"
done
echo "(sustained load: the load's rate at the last step without loss; offered in all: every event"
echo " the recorder got then, per second of recording, other processes' and its own included)"
echo

ratio() { awk -v p="$1" -v o="$2" 'BEGIN { if (o <= 0 || p <= 0) print "nan"; else printf "%.2f", p / o }'; }
bn=record
[ "$MODE" = getppid ] || bn=record_$MODE
for ours in flight tracefs; do
	for peer in perf trace-cmd latscope; do
		[ -n "${total[$ours]:-}" ] && [ -n "${total[$peer]:-}" ] || continue
		[ "$peer" = latscope ] && name=latscope-record || name=$peer-record
		echo "BENCH ${bn}_${ours}_cost_$peer ours=${total[$ours]} ns peer=${total[$peer]} ns peer_name=$name ratio=$(ratio "${total[$peer]}" "${total[$ours]}")"
	done
done
if [ -n "${total[flight]:-}" ] && [ -n "${total[tracefs]:-}" ]; then
	echo "BENCH ${bn}_flight_cost_tracefs ours=${total[flight]} ns peer=${total[tracefs]} ns peer_name=tracefs-instance-overwrite ratio=$(ratio "${total[tracefs]}" "${total[flight]}")"
fi
if [ -n "${idle_pct[flight]:-}" ]; then
	echo "BENCH ${bn}_flight_idle_cpu ours=${idle_pct[flight]} % peer=0.1 % peer_name=goal ratio=$(ratio 0.1 "${idle_pct[flight]}")"
fi
for peer in perf trace-cmd; do
	[ -n "${total[latscope]:-}" ] && [ -n "${total[$peer]:-}" ] || continue
	name=$peer-record
	echo "BENCH ${bn}_cost_$peer ours=${total[latscope]} ns peer=${total[$peer]} ns peer_name=$name ratio=$(ratio "${total[$peer]}" "${total[latscope]}")"
	echo "BENCH ${bn}_load_cost_$peer ours=${slow[latscope]} ns peer=${slow[$peer]} ns peer_name=$name ratio=$(ratio "${slow[$peer]}" "${slow[latscope]}")"
	echo "BENCH ${bn}_sustained_$peer ours=${sustained[latscope]} events/s peer=${sustained[$peer]} events/s peer_name=$name ratio=$(ratio "${sustained[latscope]}" "${sustained[$peer]}")"
done
