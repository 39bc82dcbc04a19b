#!/usr/bin/env bash
# analyze.sh: `make bench-analyze`: events per second of `latscope analyze NAME` for each analysis
# enabled in tests/data/conformance.enabled, against the peer (lttng-NAME, lttng-analyses) and
# against babeltrace2's own decoding (`babeltrace2 TRACE -o dummy`, the floor for anything built
# on libbabeltrace2), on the largest real trace (basic-kernel-analysis, 134,500 events).
# Each figure is the best of BENCH_ANALYZE_RUNS runs (default 3; the peer: 1 run).
# The peer takes ~3 s per analysis on this trace, so to stay under a minute it runs for the first
# BENCH_ANALYZE_PEER_MAX analyses only (default 4; the others get no vs-peer line, said so).
# BENCH_ANALYZE_BIG=N also runs ours and the floor on a synthetic trace of N events
# (tests/traces/make_trace.py big, ~30 us per event to generate, cached in $LATSCOPE_BUILD).
# Each analysis runs with both CTF decoders in the same run: libbabeltrace2 (the analyze-NAME
# lines) and the LTTng decoder, lib/sources/lttng_decode.c, on one thread (analyze-NAME-lttng-1t
# lines) and with LATSCOPE_CTF_THREADS=$(nproc) (-2t lines: both CPUs of this machine), against
# babeltrace2 -o dummy and against lttng-analyses. Beside each wall-time rate, a -cpu line gives
# the rates per CPU-second of either side (user + system time, bench/runtime.c): those hold on a
# loaded machine; the wall-time lines, the -2t ones above all, need a quiet one.
# bug446190 (31,556 events, 4 streams) runs too, without the peer.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${LATSCOPE_BUILD:-$src/build}
LATSCOPE=${LATSCOPE:-$build/latscope}
SHARED_TRACES=${SHARED_TRACES:-$src/../shared/traces}
PY=/usr/bin/python3
RUNS=${BENCH_ANALYZE_RUNS:-3}
PEER_MAX=${BENCH_ANALYZE_PEER_MAX:-4}
RUNTIME=$build/bench/runtime
NCPU=$(nproc)
export LC_ALL=C.UTF-8 TZ=UTC

now() { date +%s%N; }

# best_ns RUNS CMD...: the shortest wall time of RUNS runs of CMD (output discarded), in ns;
# prints "fail" when CMD exits non-zero
best_ns() {
	local runs=$1 best="" t0 t1 i
	shift
	for ((i = 0; i < runs; i++)); do
		t0=$(now)
		"$@" >/dev/null 2>&1 || {
			echo fail
			return
		}
		t1=$(now)
		if [ -z "$best" ] || [ $((t1 - t0)) -lt "$best" ]; then best=$((t1 - t0)); fi
	done
	echo "$best"
}

rate() { # rate EVENTS NS: events per second, integer
	awk -v e="$1" -v ns="$2" 'BEGIN { printf "%.0f", e / (ns / 1e9) }'
}

ratio() { # ratio OURS_RATE PEER_RATE
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

event_count() { # event_count TRACE: events as babeltrace2 decodes them (cached per trace)
	local cache
	cache=$build/bench-analyze.events.$(echo "$1" | md5sum | cut -c1-12)
	if [ ! -s "$cache" ]; then
		mkdir -p "$build"
		babeltrace2 "$1" 2>/dev/null | wc -l >"$cache"
	fi
	cat "$cache"
}

enabled=()
if [ -r "$src/tests/data/conformance.enabled" ]; then
	while read -r name _; do
		case "$name" in '' | '#'*) continue ;; esac
		enabled+=("$name")
	done <"$src/tests/data/conformance.enabled"
fi
have_ours=1
"$LATSCOPE" analyze --help >/dev/null 2>&1 || have_ours=0

# measure RUNS CMD...: "WALL_NS CPU_NS" (bench/runtime.c, each the best of RUNS runs), or "fail"
measure() {
	local runs=$1 ns
	shift
	if [ -x "$RUNTIME" ]; then
		"$RUNTIME" "$runs" "$@"
	else # no helper: wall time only, the CPU time taken as the wall time
		ns=$(best_ns "$runs" "$@")
		[ "$ns" = fail ] && echo fail || echo "$ns $ns"
	fi
}

# line NAME OURS_RATE PEER_RATE PEER_NAME [UNIT]: one BENCH line (rates in events per second)
line() {
	echo "BENCH $1 ours=$2 ${5:-ev/s} peer=$3 ${5:-ev/s} peer_name=$4 ratio=$(ratio "$2" "$3")"
}

bench_trace() { # bench_trace LABEL TRACE WITH_PEER
	local label=$1 trace=$2 with_peer=$3 events floor floor_rate floor_cpu a m ours ours_rate
	local peer peer_rate peer_cpu sfx t m1 m2 w c npeer=0
	events=$(event_count "$trace")
	m=$(measure "$RUNS" babeltrace2 "$trace" -o dummy)
	if [ "$m" = fail ]; then
		echo "# $label: babeltrace2 -o dummy failed on $trace"
		return
	fi
	floor=${m% *}
	floor_rate=$(rate "$events" "$floor")
	floor_cpu=$(rate "$events" "${m#* }")
	echo "# $label: $trace, $events events; babeltrace2 -o dummy: $((floor / 1000000)) ms wall, $floor_rate ev/s, $floor_cpu ev/CPU-s"
	sfx=$([ "$label" = real ] || echo "-$label")
	if [ "$have_ours" = 0 ] || [ ${#enabled[@]} -eq 0 ]; then
		echo "# $label: latscope analyze has no enabled analysis yet (tests/data/conformance.enabled)"
		return
	fi
	for a in "${enabled[@]}"; do
		ours=$(best_ns "$RUNS" env LATSCOPE_CTF_DECODER=babeltrace2 "$LATSCOPE" analyze "$a" \
			--no-intersection --skip-validation "$trace")
		# the LTTng decoder on one thread, and with a thread per CPU (the default)
		m1=$(measure "$RUNS" env LATSCOPE_CTF_DECODER=lttng LATSCOPE_CTF_THREADS=1 \
			"$LATSCOPE" analyze "$a" --no-intersection --skip-validation "$trace")
		m2=$(measure "$RUNS" env LATSCOPE_CTF_DECODER=lttng LATSCOPE_CTF_THREADS="$NCPU" \
			"$LATSCOPE" analyze "$a" --no-intersection --skip-validation "$trace")
		if [ "$ours" = fail ]; then
			echo "# $label: latscope analyze $a failed on $trace"
			continue
		fi
		ours_rate=$(rate "$events" "$ours")
		if [ "$with_peer" = 1 ] && [ "$npeer" -lt "$PEER_MAX" ]; then
			npeer=$((npeer + 1))
			m=$(measure 1 "$PY" "/usr/bin/lttng-$a" --skip-validation --no-progress \
				--no-intersection "$trace")
			if [ "$m" != fail ]; then
				peer_rate=$(rate "$events" "${m% *}")
				peer_cpu=$(rate "$events" "${m#* }")
				line "analyze-$a" "$ours_rate" "$peer_rate" "lttng-$a"
				for t in 1 2; do
					m=$([ $t = 1 ] && echo "$m1" || echo "$m2")
					[ "$m" = fail ] && continue
					w=$(rate "$events" "${m% *}")
					c=$(rate "$events" "${m#* }")
					line "analyze-$a-lttng-${t}t" "$w" "$peer_rate" "lttng-$a"
					line "analyze-$a-lttng-${t}t-cpu" "$c" "$peer_cpu" "lttng-$a-cpu" ev/CPU-s
				done
			else
				echo "# $label: lttng-$a failed on $trace"
			fi
		elif [ "$with_peer" = 1 ]; then
			echo "# $label: lttng-$a not run (time budget: BENCH_ANALYZE_PEER_MAX=$PEER_MAX)"
		fi
		line "analyze-$a-vs-decode$sfx" "$ours_rate" "$floor_rate" babeltrace2-dummy
		for t in 1 2; do
			m=$([ $t = 1 ] && echo "$m1" || echo "$m2")
			if [ "$m" = fail ]; then
				echo "# $label: latscope analyze $a with the LTTng decoder ($t) failed on $trace"
				continue
			fi
			w=$(rate "$events" "${m% *}")
			c=$(rate "$events" "${m#* }")
			# -1t: one thread; -2t: LATSCOPE_CTF_THREADS=$NCPU (both CPUs here). Wall-time
			# rates need a quiet machine; the -cpu lines (CPU time of either side) do not.
			line "analyze-$a-lttng-${t}t-vs-decode$sfx" "$w" "$floor_rate" babeltrace2-dummy
			line "analyze-$a-lttng-${t}t-cpu-vs-decode$sfx" "$c" "$floor_cpu" babeltrace2-dummy-cpu ev/CPU-s
		done
	done
}

real=$SHARED_TRACES/basic-kernel-analysis
if [ -d "$real/kernel" ]; then
	bench_trace real "$real" 1
else
	echo "# basic-kernel-analysis not found under $SHARED_TRACES"
fi
# the other real traces, without the peer (scp-sync: babeltrace2 refuses its streams, which go
# back in time, so it has no floor)
for t in bug446190; do
	[ -d "$SHARED_TRACES/$t" ] && bench_trace "$(basename "$t")" "$SHARED_TRACES/$t" 0
done

if [ -n "${BENCH_ANALYZE_BIG:-}" ]; then
	big=$build/bench-traces/big-$BENCH_ANALYZE_BIG
	if [ ! -d "$big/big/kernel" ] || [ "$src/tests/traces/make_trace.py" -nt "$big/big/kernel/metadata" ]; then
		echo "# generating a $BENCH_ANALYZE_BIG-event synthetic trace into $big (cached)"
		"$PY" "$src/tests/traces/make_trace.py" "$big" big --events "$BENCH_ANALYZE_BIG" || exit 1
	fi
	bench_trace big "$big/big" 0
else
	echo "# synthetic big trace skipped (BENCH_ANALYZE_BIG=2000000 to add one; ~1 min to generate once)"
fi
