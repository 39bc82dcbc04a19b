#!/usr/bin/env bash
# bench/track_io.sh: BPF run time per event of `latscope track block` and `track irq` against libbpf-tools biolatency and hardirqs + softirqs, same load.
#
# The load: O_DIRECT 64 KiB writes with fsync on the disk under /var/tmp (block requests, the
# disk's hard IRQs, BLOCK softirqs) and loopback TCP connections (NET_RX softirqs). Each variant
# is attached in turn, the load runs, and the kernel's BPF statistics (kernel.bpf_stats_enabled)
# give the run time and run count of the variant's programs: ns per program run (per event).
# Rounds alternate the variants; medians are printed.
#   latscope-block: latscope track block --threshold 1h (insert, issue, complete, merge, requeue)
#   biolatency:     libbpf-tools biolatency -Q (insert, issue, complete: the same two intervals)
#   latscope-irq:   latscope track irq --threshold 1h (hard IRQ, softirq, raise -> entry)
#   hardirqs+softirqs: libbpf-tools hardirqs -d and softirqs -d together (no raise latency)
#
#   make bench-track_io         (ROUNDS=3 WRITES=150 CONNS=150 by default; VARIANTS="..." picks)
set -u
BUILD=${LATSCOPE_BUILD:-build}
LATSCOPE=$BUILD/latscope
WRITER=$BUILD/tests/helpers/blk_direct
NET=$BUILD/tests/helpers/net_loop
ROUNDS=${ROUNDS:-3}
WRITES=${WRITES:-150}
CONNS=${CONNS:-150}
TOOLS=${TOOLS:-/usr/sbin}
TMP=$(mktemp -d)
DATA=$(mktemp -d /var/tmp/latscope-bench.XXXXXX)
PIDS=()

if [ "$(id -u)" != 0 ]; then
	echo "bench-track_io: needs root" >&2
	exit 1
fi
for f in "$LATSCOPE" "$WRITER" "$NET"; do
	[ -x "$f" ] || {
		echo "bench-track_io: $f missing (make)" >&2
		exit 1
	}
done

old_stats=$(sysctl -n kernel.bpf_stats_enabled)
stop() {
	for p in "${PIDS[@]}"; do
		kill -INT "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	PIDS=()
}
cleanup() {
	stop
	sysctl -q -w kernel.bpf_stats_enabled="$old_stats"
	rm -rf "$TMP" "$DATA"
}
trap cleanup EXIT
sysctl -q -w kernel.bpf_stats_enabled=1

if [ -z "${VARIANTS:-}" ]; then
	VARIANTS="latscope-block latscope-irq"
	[ -x "$TOOLS/biolatency" ] && VARIANTS="$VARIANTS biolatency"
	[ -x "$TOOLS/hardirqs" ] && [ -x "$TOOLS/softirqs" ] && VARIANTS="$VARIANTS hardirqs+softirqs"
fi

prog_ids() { bpftool prog show 2>/dev/null | sed -n 's/^\([0-9]*\): .*/\1/p' | sort -n; }

# Sum of run_time_ns and run_cnt over the programs in $PROGS whose names match $NAMES (other
# engineers' tools may load programs meanwhile: new ids alone are not enough).
prog_stats() {
	bpftool prog show 2>/dev/null | awk -v ids=" $PROGS " -v names="$NAMES" '
		/^[0-9]+: / { id = $1; sub(":", "", id); keep = index(ids, " " id " ") > 0 && $4 ~ names }
		keep { for (i = 1; i < NF; i++) { if ($i == "run_time_ns") t += $(i+1); if ($i == "run_cnt") c += $(i+1) } }
		END { printf "%d %d\n", t, c }'
}

# launch OUT READY CMD...: one tool in the background; waits until OUT shows READY.
launch() {
	local out=$1 ready=$2
	shift 2
	"$@" >"$out" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 400); do
		grep -q "$ready" "$out" && return 0
		kill -0 "${PIDS[-1]}" 2>/dev/null || break
		sleep 0.025
	done
	echo "bench-track_io: $1 did not start: $(head -3 "$out")" >&2
	return 1
}

start() {
	local before
	before=$(prog_ids)
	case $1 in
	latscope-block) NAMES='^lat_block_' ;;
	latscope-irq) NAMES='^lat_(soft)?irq_' ;;
	biolatency) NAMES='^block_rq_' ;;
	hardirqs+softirqs) NAMES='^(irq_handler_|softirq_)' ;;
	esac
	case $1 in
	latscope-block) launch "$TMP/a.out" Tracking "$LATSCOPE" track block --threshold 1h --quiet ;;
	latscope-irq) launch "$TMP/a.out" Tracking "$LATSCOPE" track irq --threshold 1h --quiet ;;
	biolatency) launch "$TMP/a.out" Tracing stdbuf -oL "$TOOLS/biolatency" -Q ;;
	hardirqs+softirqs)
		launch "$TMP/a.out" Tracing stdbuf -oL "$TOOLS/hardirqs" -d &&
			launch "$TMP/b.out" Tracing stdbuf -oL "$TOOLS/softirqs" -d
		;;
	esac || {
		stop
		return 1
	}
	PROGS=$(comm -13 <(echo "$before") <(prog_ids) | tr '\n' ' ')
}

load() {
	"$WRITER" "$DATA/f" "$WRITES" 65536 &
	local w=$!
	"$NET" -n "$CONNS" -b 20000 >/dev/null
	wait "$w"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "bench-track_io: $ROUNDS rounds, load: $WRITES O_DIRECT 64 KiB writes + fsync and $CONNS loopback connections; variants: $VARIANTS"
for round in $(seq "$ROUNDS"); do
	for v in $VARIANTS; do
		start "$v" || continue
		s0=$(prog_stats)
		load
		s1=$(prog_stats)
		stop
		read -r t0 c0 <<<"$s0"
		read -r t1 c1 <<<"$s1"
		awk -v t=$((t1 - t0)) -v c=$((c1 - c0)) 'BEGIN { printf "%.1f\n", c ? t / c : 0 }' >>"$TMP/ns.$v"
		echo $((c1 - c0)) >>"$TMP/cnt.$v"
		echo $((t1 - t0)) >>"$TMP/tot.$v"
		printf '  round %d %-18s %8s ns/run %8d runs\n' "$round" "$v" "$(tail -1 "$TMP/ns.$v")" $((c1 - c0)) >&2
	done
done

declare -A ns
printf '\n%-18s %12s %12s %14s\n' variant "ns/run" "runs" "BPF total us"
for v in $VARIANTS; do
	[ -s "$TMP/ns.$v" ] || continue
	ns[$v]=$(median <"$TMP/ns.$v")
	printf '%-18s %12s %12s %14s\n' "$v" "${ns[$v]}" "$(median <"$TMP/cnt.$v")" \
		"$(median <"$TMP/tot.$v" | awk '{ printf "%.0f", $1 / 1000 }')"
done
echo "(ns/run: BPF run time per program run, i.e. per traced event, from kernel.bpf_stats_enabled)"
echo

ratio() { awk -v p="$1" -v o="$2" 'BEGIN { if (o <= 0) o = 0.1; printf "%.2f", p / o }'; }
if [ -n "${ns[latscope-block]:-}" ] && [ -n "${ns[biolatency]:-}" ]; then
	echo "BENCH track_block_bpf ours=${ns[latscope-block]} ns peer=${ns[biolatency]} ns peer_name=libbpf-tools-biolatency-Q ratio=$(ratio "${ns[biolatency]}" "${ns[latscope-block]}")"
fi
if [ -n "${ns[latscope-irq]:-}" ] && [ -n "${ns[hardirqs+softirqs]:-}" ]; then
	echo "BENCH track_irq_bpf ours=${ns[latscope-irq]} ns peer=${ns[hardirqs+softirqs]} ns peer_name=libbpf-tools-hardirqs+softirqs ratio=$(ratio "${ns[hardirqs+softirqs]}" "${ns[latscope-irq]}")"
fi
