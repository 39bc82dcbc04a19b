#!/usr/bin/env bash
# bench/track.sh: cost per syscall of `latscope track syscall` against empty BPF programs, bpftrace and syscount -L.
#
# A tight getppid loop (build/tests/helpers/getppid_loop) is timed with, in turn: nothing
# attached (base); empty tp_btf programs on sys_enter/sys_exit (the floor of any tracker); the
# textbook trackers (start time in task storage; in a preallocated hash keyed by tid);
# `latscope track syscall` at a threshold nothing reaches; the bpftrace script that does the same
# job; Debian libbpf-tools' `syscount -L`. Rounds alternate the variants; medians are printed.
# BPF run time per getppid comes from kernel.bpf_stats_enabled (run_time_ns / loop count).
#
#   make bench-track            (ROUNDS=3 N=1000000 by default; CPU=1 pins the loop)
set -u
BUILD=${LATSCOPE_BUILD:-build}
LATSCOPE=$BUILD/latscope
LOOP=$BUILD/tests/helpers/getppid_loop
EMPTY=$BUILD/bench/track_empty
ROUNDS=${ROUNDS:-3}
N=${N:-1000000}
CPU=${CPU:-1}
SYSCOUNT=${SYSCOUNT:-$(command -v syscount || echo /usr/sbin/syscount)}
TMP=$(mktemp -d)
TOOL_PID=

if [ "$(id -u)" != 0 ]; then
	echo "bench-track: needs root" >&2
	exit 1
fi
for f in "$LATSCOPE" "$LOOP" "$EMPTY"; do
	[ -x "$f" ] || {
		echo "bench-track: $f missing (make)" >&2
		exit 1
	}
done

old_stats=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
	[ -n "$TOOL_PID" ] && kill -KILL "$TOOL_PID" 2>/dev/null && wait "$TOOL_PID" 2>/dev/null
	sysctl -q -w kernel.bpf_stats_enabled="$old_stats"
	rm -rf "$TMP"
}
trap cleanup EXIT
sysctl -q -w kernel.bpf_stats_enabled=1

cat >"$TMP/lat.bt" <<'EOF'
BEGIN { printf("ready\n"); }
tracepoint:raw_syscalls:sys_enter { @start[tid] = nsecs; }
tracepoint:raw_syscalls:sys_exit /@start[tid]/ {
	@lat = hist(nsecs - @start[tid]);
	delete(@start[tid]);
}
EOF

VARIANTS=${VARIANTS:-"base empty clock ts hash latscope"}
[ -z "${ONLY:-}" ] && command -v bpftrace >/dev/null && VARIANTS="$VARIANTS bpftrace"
[ -z "${ONLY:-}" ] && [ -x "$SYSCOUNT" ] && VARIANTS="$VARIANTS syscount"

# The ids of the BPF programs loaded now, sorted as text (for comm).
prog_ids() { bpftool prog show 2>/dev/null | sed -n 's/^\([0-9]*\): .*/\1/p' | sort; }

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
	empty | ts | hash | clock) "$EMPTY" "$1" >"$TMP/tool.out" 2>&1 & TOOL_PID=$! ready=ready ;;
	latscope) "$LATSCOPE" track syscall --threshold 1h --quiet >/dev/null 2>"$TMP/tool.out" & TOOL_PID=$! ready=Tracking ;;
	bpftrace) bpftrace "$TMP/lat.bt" >"$TMP/tool.out" 2>&1 & TOOL_PID=$! ready=ready ;;
	syscount) stdbuf -oL "$SYSCOUNT" -L >"$TMP/tool.out" 2>&1 & TOOL_PID=$! ready=Tracing ;;
	esac
	if [ -n "$ready" ]; then
		for _ in $(seq 1200); do
			grep -q "$ready" "$TMP/tool.out" && break
			kill -0 "$TOOL_PID" 2>/dev/null || break
			sleep 0.025
		done
		if ! grep -q "$ready" "$TMP/tool.out"; then
			echo "bench-track: $1 did not start: $(head -3 "$TMP/tool.out")" >&2
			stop
			return 1
		fi
	fi
	TOOL_PROGS=$(comm -13 <(echo "$before") <(prog_ids) | tr '\n' ' ')
}

# stop: SIGINT (the tools print their summaries), SIGKILL if one is still there after 10 s.
stop() {
	if [ -n "$TOOL_PID" ]; then
		kill -INT "$TOOL_PID" 2>/dev/null
		for _ in $(seq 100); do
			kill -0 "$TOOL_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$TOOL_PID" 2>/dev/null
		wait "$TOOL_PID" 2>/dev/null
		TOOL_PID=
	fi
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "bench-track: $ROUNDS rounds of $N getppid() per variant, loop on CPU $CPU, variants: $VARIANTS"
for round in $(seq "$ROUNDS"); do
	for v in $VARIANTS; do
		start "$v" || continue
		s0=$(prog_stats)
		ns=$(taskset -c "$CPU" "$LOOP" "$N")
		s1=$(prog_stats)
		stop
		echo "$ns" >>"$TMP/ns.$v"
		printf '  round %d %-9s %8s ns/getppid\n' "$round" "$v" "$ns" >&2
		read -r t0 c0 <<<"$s0"
		read -r t1 c1 <<<"$s1"
		if [ "$v" != base ]; then
			awk -v t=$((t1 - t0)) -v n="$N" 'BEGIN { printf "%.1f\n", t / n }' >>"$TMP/bpf.$v"
		fi
	done
done

base=$(median <"$TMP/ns.base")
declare -A added bpfns
printf '\n%-10s %12s %12s %16s\n' variant "ns/getppid" "added ns" "BPF ns/getppid"
for v in $VARIANTS; do
	[ -s "$TMP/ns.$v" ] || continue
	m=$(median <"$TMP/ns.$v")
	added[$v]=$(awk -v a="$m" -v b="$base" 'BEGIN { printf "%.1f", a - b }')
	bpf=-
	[ -s "$TMP/bpf.$v" ] && bpf=$(median <"$TMP/bpf.$v") && bpfns[$v]=$bpf
	printf '%-10s %12s %12s %16s\n' "$v" "$m" "${added[$v]}" "$bpf"
done
echo "(base: nothing attached; empty: empty tp_btf programs; clock: one bpf_ktime_get_ns() in each;"
echo " ts/hash: naive trackers in task storage /"
echo " a preallocated hash; latscope: latscope track syscall --threshold 1h; bpftrace: sys_enter stores"
echo " nsecs by tid, sys_exit adds to a hist and deletes; syscount: libbpf-tools syscount -L)"
echo

ratio() { awk -v p="$1" -v o="$2" 'BEGIN { if (o <= 0) o = 0.1; printf "%.2f", p / o }'; }
ours=${added[latscope]:-}
if [ -n "$ours" ]; then
	above=$(awk -v a="$ours" -v b="${added[empty]:-0}" 'BEGIN { printf "%.1f", a - b }')
	echo "latscope adds $ours ns per getppid over base, $above ns over empty programs (goal <= 100)"
	if [ -n "${added[bpftrace]:-}" ]; then
		echo "BENCH track_syscall ours=$ours ns peer=${added[bpftrace]} ns peer_name=bpftrace ratio=$(ratio "${added[bpftrace]}" "$ours")"
	fi
	if [ -n "${added[syscount]:-}" ]; then
		echo "BENCH track_syscall_syscount ours=$ours ns peer=${added[syscount]} ns peer_name=libbpf-tools-syscount-L ratio=$(ratio "${added[syscount]}" "$ours")"
	fi
	echo "BENCH track_syscall_taskstorage ours=$ours ns peer=${added[ts]} ns peer_name=naive-task-storage-tracker ratio=$(ratio "${added[ts]}" "$ours")"
	echo "BENCH track_syscall_hash ours=$ours ns peer=${added[hash]} ns peer_name=naive-hash-tracker ratio=$(ratio "${added[hash]}" "$ours")"
fi
# The same comparisons in BPF run time per getppid (kernel.bpf_stats_enabled): steadier on a busy machine.
ob=${bpfns[latscope]:-}
if [ -n "$ob" ]; then
	for peer in bpftrace syscount ts hash; do
		[ -n "${bpfns[$peer]:-}" ] || continue
		echo "BENCH track_syscall_bpf_runtime_$peer ours=$ob ns peer=${bpfns[$peer]} ns peer_name=$peer ratio=$(ratio "${bpfns[$peer]}" "$ob")"
	done
fi
