#!/usr/bin/env bash
# bench/track_sched.sh: cost per context switch of `latscope track wakeup` and `track offcpu` against empty BPF programs, libbpf-tools (runqlat, offcputime) and bpftrace.
#
# A context-switch-heavy loop (build/tests/helpers/wk_pingpong: two threads ping-pong a byte over
# two pipes, both pinned to one CPU: each round trip is two wake-ups and two context switches) is
# timed in CPU time of the loop's process (the switches, wake-ups and the BPF programs that run on
# them cost CPU time in its threads; time given to other tasks does not count, so a busy machine
# skews it less than wall time, also printed) with, in turn: nothing attached (base); empty tp_btf programs on sched_switch and
# sched_waking (the floor of any tracker of these events), and the same with one clock read each
# (bpf_ktime_get_ns: ~60 ns on this VM's kvm-clock; a latency tracker needs one per event);
# `latscope track wakeup` and
# `latscope track offcpu` at a threshold nothing reaches; Debian libbpf-tools' `runqlat` (wake-up
# to run, a histogram) and `offcputime -m` (off-CPU time with stacks, above a minimum nothing
# reaches); the bpftrace scripts that do the same jobs as simply as bpftrace can. Rounds alternate
# the variants; medians are printed. BPF run time per event and per round trip come from
# kernel.bpf_stats_enabled (run_time_ns / run_cnt of the variant's programs).
#
#   make bench-track_sched      (ROUNDS=3 N=50000 by default; CPU=1 pins the loop)
set -u
BUILD=${LATSCOPE_BUILD:-build}
LATSCOPE=$BUILD/latscope
LOOP=$BUILD/tests/helpers/wk_pingpong
EMPTY=$BUILD/bench/track_sched_empty
ROUNDS=${ROUNDS:-3}
N=${N:-50000}
CPU=${CPU:-1}
RUNQLAT=${RUNQLAT:-$(command -v runqlat || echo /usr/sbin/runqlat)}
OFFCPUTIME=${OFFCPUTIME:-$(command -v offcputime || echo /usr/sbin/offcputime)}
TMP=$(mktemp -d)
TOOL_PID=

if [ "$(id -u)" != 0 ]; then
	echo "bench-track_sched: needs root" >&2
	exit 1
fi
for f in "$LATSCOPE" "$LOOP" "$EMPTY"; do
	[ -x "$f" ] || {
		echo "bench-track_sched: $f missing (make)" >&2
		exit 1
	}
done

# BPF run-time statistics held on by an fd (BPF_ENABLE_STATS), not the shared sysctl, which
# another benchmark may switch off meanwhile.
STATS_PID=
cleanup() {
	stop
	[ -n "$STATS_PID" ] && kill -TERM "$STATS_PID" 2>/dev/null && wait "$STATS_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
"$EMPTY" stats >"$TMP/stats.out" 2>&1 &
STATS_PID=$!
for _ in $(seq 200); do
	grep -q ready "$TMP/stats.out" && break
	sleep 0.025
done
grep -q ready "$TMP/stats.out" || echo "bench-track_sched: BPF statistics unavailable: $(cat "$TMP/stats.out")" >&2

# runqlat.bt's job: wake-up (or preemption) to switch-in, in a histogram.
cat >"$TMP/runqlat.bt" <<'EOF'
BEGIN { printf("ready\n"); }
tracepoint:sched:sched_wakeup, tracepoint:sched:sched_wakeup_new { @qtime[args->pid] = nsecs; }
tracepoint:sched:sched_switch {
	if (args->prev_state == 0) { @qtime[args->prev_pid] = nsecs; }
	$ns = @qtime[args->next_pid];
	if ($ns) { @usecs = hist((nsecs - $ns) / 1000); }
	delete(@qtime[args->next_pid]);
}
EOF
# offcpu's job without stacks: switch-out to switch-in by tid, in a histogram.
cat >"$TMP/offcpu.bt" <<'EOF'
BEGIN { printf("ready\n"); }
tracepoint:sched:sched_switch {
	@start[args->prev_pid] = nsecs;
	$ns = @start[args->next_pid];
	if ($ns) { @usecs = hist((nsecs - $ns) / 1000); delete(@start[args->next_pid]); }
}
EOF

VARIANTS="base empty clock wakeup offcpu"
[ -x "$RUNQLAT" ] && VARIANTS="$VARIANTS runqlat"
[ -x "$OFFCPUTIME" ] && VARIANTS="$VARIANTS offcputime"
command -v bpftrace >/dev/null && VARIANTS="$VARIANTS bt_runqlat bt_offcpu"

# The ids of the BPF programs loaded now.
prog_ids() { bpftool prog show 2>/dev/null | sed -n 's/^\([0-9]*\): .*/\1/p' | sort -n; }

# Sum of run_time_ns and run_cnt over the programs in $TOOL_PROGS.
prog_stats() {
	bpftool prog show 2>/dev/null | awk -v ids=" $TOOL_PROGS " '
		/^[0-9]+: / { id = $1; sub(":", "", id); keep = index(ids, " " id " ") > 0 }
		keep { for (i = 1; i < NF; i++) { if ($i == "run_time_ns") t += $(i+1); if ($i == "run_cnt") c += $(i+1) } }
		END { printf "%d %d\n", t, c }'
}

# start VARIANT: attaches the variant's probes (in the background) and returns when they are live.
start() {
	local before ready=
	before=$(prog_ids)
	: >"$TMP/tool.out"
	case $1 in
	base) TOOL_PID= ;;
	empty | clock) "$EMPTY" "$1" >"$TMP/tool.out" 2>&1 & TOOL_PID=$! ready=ready ;;
	wakeup | offcpu) "$LATSCOPE" track "$1" --threshold 1h --quiet >/dev/null 2>"$TMP/tool.out" & TOOL_PID=$! ready=Tracking ;;
	runqlat) stdbuf -oL "$RUNQLAT" >"$TMP/tool.out" 2>&1 & TOOL_PID=$! ready=Tracing ;;
	offcputime) "$OFFCPUTIME" -m 3600000000 >"$TMP/tool.out" 2>&1 & TOOL_PID=$! ready=PROGS ;;
	bt_runqlat) bpftrace "$TMP/runqlat.bt" >"$TMP/tool.out" 2>&1 & TOOL_PID=$! ready=ready ;;
	bt_offcpu) bpftrace "$TMP/offcpu.bt" >"$TMP/tool.out" 2>&1 & TOOL_PID=$! ready=ready ;;
	esac
	if [ "$ready" = PROGS ]; then # says nothing when ready: wait for its programs to be attached
		for _ in $(seq 400); do
			[ -n "$(comm -13 <(echo "$before") <(prog_ids))" ] && break
			kill -0 "$TOOL_PID" 2>/dev/null || break
			sleep 0.025
		done
		sleep 0.3
		echo PROGS >>"$TMP/tool.out"
	fi
	if [ -n "$ready" ]; then
		for _ in $(seq 400); do
			grep -q "$ready" "$TMP/tool.out" && break
			kill -0 "$TOOL_PID" 2>/dev/null || break
			sleep 0.025
		done
		if ! grep -q "$ready" "$TMP/tool.out"; then
			echo "bench-track_sched: $1 did not start: $(head -3 "$TMP/tool.out")" >&2
			stop
			return 1
		fi
	fi
	TOOL_PROGS=$(comm -13 <(echo "$before") <(prog_ids) | tr '\n' ' ')
}

# SIGTERM: background jobs of a script ignore SIGINT, and bpftrace does not take it back; bpftrace
# sometimes misses the TERM too: SIGKILL after 5 s.
stop() {
	if [ -n "$TOOL_PID" ]; then
		kill -TERM "$TOOL_PID" 2>/dev/null
		for _ in $(seq 100); do
			kill -0 "$TOOL_PID" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$TOOL_PID" 2>/dev/null
		wait "$TOOL_PID" 2>/dev/null
		TOOL_PID=
	fi
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "bench-track_sched: $ROUNDS rounds of $N ping-pong round trips per variant (2 wake-ups, 2 switches each), on CPU $CPU, variants: $VARIANTS"
for round in $(seq "$ROUNDS"); do
	for v in $VARIANTS; do
		start "$v" || continue
		s0=$(prog_stats)
		read -r cpu_ns wall_ns < <(taskset -c "$CPU" "$LOOP" "$N")
		s1=$(prog_stats)
		stop
		echo "$cpu_ns" >>"$TMP/ns.$v"
		echo "$wall_ns" >>"$TMP/wall.$v"
		read -r t0 c0 <<<"$s0"
		read -r t1 c1 <<<"$s1"
		if [ "$v" != base ]; then
			awk -v t=$((t1 - t0)) -v n="$N" 'BEGIN { printf "%.1f\n", t / n }' >>"$TMP/bpf.$v"
			awk -v t=$((t1 - t0)) -v c=$((c1 - c0)) 'BEGIN { printf "%.1f\n", c ? t / c : 0 }' >>"$TMP/run.$v"
		fi
	done
done

base=$(median <"$TMP/ns.base")
declare -A added
printf '\n%-11s %12s %10s %12s %16s %11s\n' variant "CPU ns/trip" "added ns" "wall ns/trip" "BPF ns/roundtrip" "BPF ns/run"
for v in $VARIANTS; do
	[ -s "$TMP/ns.$v" ] || continue
	m=$(median <"$TMP/ns.$v")
	added[$v]=$(awk -v a="$m" -v b="$base" 'BEGIN { printf "%.1f", a - b }')
	bpf=- run=-
	[ -s "$TMP/bpf.$v" ] && bpf=$(median <"$TMP/bpf.$v")
	[ -s "$TMP/run.$v" ] && run=$(median <"$TMP/run.$v")
	printf '%-11s %12s %10s %12s %16s %11s\n' "$v" "$m" "${added[$v]}" "$(median <"$TMP/wall.$v")" "$bpf" "$run"
done
echo "(base: nothing attached; empty: empty tp_btf sched_switch + sched_waking programs; clock:"
echo " the same with one bpf_ktime_get_ns() each;"
echo " wakeup/offcpu: latscope track ... --threshold 1h --quiet; runqlat: libbpf-tools runqlat;"
echo " offcputime: libbpf-tools offcputime -m 1h (takes stacks at every switch-out); bt_runqlat:"
echo " bpftrace wakeup->switch-in hist; bt_offcpu: bpftrace switch-out->switch-in hist, no stacks."
echo " CPU ns/trip: CPU time of the loop per round trip; BPF ns/roundtrip: run time of the variant's"
echo " programs (every task's switches) / round trips; BPF ns/run: per program invocation)"
echo

ratio() { awk -v p="$1" -v o="$2" 'BEGIN { if (o <= 0) o = 0.1; printf "%.2f", p / o }'; }
bench() { # bench NAME OURS_VARIANT PEER_VARIANT PEER_NAME
	local ours=${added[$2]:-} peer=${added[$3]:-}
	[ -n "$ours" ] && [ -n "$peer" ] || return 0
	echo "BENCH $1 ours=$ours ns peer=$peer ns peer_name=$4 ratio=$(ratio "$peer" "$ours")"
}
for v in wakeup offcpu; do
	[ -n "${added[$v]:-}" ] || continue
	above=$(awk -v a="${added[$v]}" -v b="${added[empty]:-0}" 'BEGIN { printf "%.1f", a - b }')
	echo "latscope track $v adds ${added[$v]} ns of CPU per round trip over base, $above ns over empty programs"
	if [ -s "$TMP/run.$v" ] && [ -s "$TMP/run.empty" ]; then
		echo "latscope track $v: BPF run time $(median <"$TMP/run.$v") ns per program run (empty programs: $(median <"$TMP/run.empty") ns, with a clock read: $(median <"$TMP/run.clock" 2>/dev/null) ns)"
	fi
done
bench track_wakeup wakeup runqlat libbpf-tools-runqlat
bench track_wakeup_bpftrace wakeup bt_runqlat bpftrace-runqlat
bench track_offcpu offcpu offcputime libbpf-tools-offcputime
bench track_offcpu_bpftrace offcpu bt_offcpu bpftrace-offcpu-nostack
# The same, in BPF run time per round trip (what the programs themselves cost, without the noise
# of the loop's timing).
bpf_bench() { # bpf_bench NAME OURS_VARIANT PEER_VARIANT PEER_NAME
	[ -s "$TMP/bpf.$2" ] && [ -s "$TMP/bpf.$3" ] || return 0
	local ours peer
	ours=$(median <"$TMP/bpf.$2")
	peer=$(median <"$TMP/bpf.$3")
	echo "BENCH $1 ours=$ours ns peer=$peer ns peer_name=$4 ratio=$(ratio "$peer" "$ours")"
}
bpf_bench track_wakeup_bpf_runtime wakeup runqlat libbpf-tools-runqlat
bpf_bench track_wakeup_bpf_runtime_bpftrace wakeup bt_runqlat bpftrace-runqlat
bpf_bench track_offcpu_bpf_runtime offcpu offcputime libbpf-tools-offcputime
bpf_bench track_offcpu_bpf_runtime_bpftrace offcpu bt_offcpu bpftrace-offcpu-nostack
