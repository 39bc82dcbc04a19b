#!/usr/bin/env bash
# explain.sh: `make bench`: the time `latscope explain` takes to explain one event in a ~64 MB
# flight-recorder snapshot, against `latscope critical-path` of the same task and range on the same
# snapshot (the peer: the pass over the trace both make, without the causes), against
# libbabeltrace2 only decoding the snapshot (`babeltrace2 -o dummy`, the floor of a reader built on
# it), and against explain itself on libbabeltrace2 (LATSCOPE_CTF_DECODER). The snapshot is real:
# `latscope record --flight --keep-size 256M` (its rings hold ~4x the CTF they write: ~64 MB;
# sched, irq, syscall, block, net) while getppid_loop
# floods system calls, triggered by tests/helpers/explain_wk's pipe reader (a 100 ms read); it is
# kept in $LATSCOPE_BUILD/bench-explain/ for the next runs (root is needed to make it, not to
# reuse it). Each figure is the best of BENCH_EXPLAIN_RUNS runs (default 3).
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${LATSCOPE_BUILD:-$src/build}
LATSCOPE=${LATSCOPE:-$build/latscope}
RUNS=${BENCH_EXPLAIN_RUNS:-3}
dir=$build/bench-explain
export LC_ALL=C.UTF-8 TZ=UTC

now() { date +%s%N; }

best_ns() { # best_ns RUNS CMD...: the shortest wall time of RUNS runs, or "fail"
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

make_snapshot() {
	local wk=$build/tests/helpers/explain_wk loop=$build/tests/helpers/getppid_loop rec lp i
	[ "$(id -u)" = 0 ] || {
		echo "# explain: making the snapshot needs root (none cached in $dir)"
		return 1
	}
	[ -x "$wk" ] && [ -x "$loop" ] || {
		echo "# explain: test helpers not built (make)"
		return 1
	}
	rm -rf "$dir"
	mkdir -p "$dir"
	"$LATSCOPE" record --flight -o "$dir/rec" --keep-size 256M --snapshot-interval 0 \
		--events sched,irq,syscall,block,net --socket "$dir/ctl.sock" \
		--trigger 'syscall>80ms,comm=xp_reader' 2>"$dir/rec.err" &
	rec=$!
	for i in $(seq 200); do
		grep -q 'flight recorder' "$dir/rec.err" && break
		sleep 0.05
	done
	"$loop" 1000000000 >/dev/null 2>&1 &
	lp=$!
	for i in $(seq 1200); do # until the rings are full (at most 120 s)
		kept=$("$LATSCOPE" ctl --socket "$dir/ctl.sock" status 2>/dev/null |
			sed -n 's/^record.kept_bytes=//p')
		[ -n "$kept" ] && [ "$kept" -ge $((240 * 1024 * 1024)) ] && break
		sleep 0.1
	done
	kill "$lp" 2>/dev/null
	wait "$lp" 2>/dev/null
	"$wk" pipe 100 >"$dir/pipe.out"
	for i in $(seq 600); do
		ls "$dir"/rec/snapshot-*/trigger.txt >/dev/null 2>&1 && break
		sleep 0.1
	done
	kill -INT "$rec"
	wait "$rec"
	ls "$dir"/rec/snapshot-*/trigger.txt >/dev/null 2>&1 || {
		echo "# explain: no triggered snapshot: $(tail -3 "$dir/rec.err")"
		return 1
	}
}

snap=$(ls -d "$dir"/rec/snapshot-* 2>/dev/null | head -1)
if [ -z "$snap" ] || [ ! -s "$snap/trigger.txt" ]; then
	make_snapshot || exit 0
	snap=$(ls -d "$dir"/rec/snapshot-* | head -1)
fi
size=$(du -sm "$snap/kernel" | cut -f1)
tid=$(sed -n 's/^tid=//p' "$snap/trigger.txt")
b=$(sed -n 's/^start_ns=//p' "$snap/trigger.txt")
e=$(sed -n 's/^end_ns=//p' "$snap/trigger.txt")
echo "# explain: $snap, ${size} MB of CTF; the event: tid $tid, $(((e - b) / 1000)) us"
"$LATSCOPE" explain "$snap" | sed -n '3p' | sed 's/^/# /'
ours=$(best_ns "$RUNS" "$LATSCOPE" explain --json "$snap")
peer=$(best_ns "$RUNS" "$LATSCOPE" critical-path --json --tid "$tid" --begin "$b" --end "$e" "$snap")
# the floor: libbabeltrace2 decoding the snapshot and nothing else
floor=$(best_ns "$RUNS" babeltrace2 "$snap/kernel" -o dummy)
# both on libbabeltrace2 (what they had before the analyses read only typed fields)
bt_ours=$(LATSCOPE_CTF_DECODER=babeltrace2 best_ns "$RUNS" "$LATSCOPE" explain --json "$snap")
if [ "$ours" = fail ] || [ "$peer" = fail ] || [ "$floor" = fail ] || [ "$bt_ours" = fail ]; then
	echo "# explain: a run failed (ours: $ours, peer: $peer, floor: $floor, babeltrace2: $bt_ours)"
	exit 1
fi
awk -v o="$ours" -v p="$peer" -v f="$floor" -v bo="$bt_ours" -v mb="$size" 'BEGIN {
	printf "BENCH explain_one_event_%dMB ours=%.3f s peer=%.3f s peer_name=latscope-critical-path ratio=%.2f\n",
	       mb, o / 1e9, p / 1e9, p / o
	printf "BENCH explain_one_event_%dMB-vs-decode ours=%.3f s peer=%.3f s peer_name=babeltrace2-dummy ratio=%.2f\n",
	       mb, o / 1e9, f / 1e9, f / o
	printf "BENCH explain_one_event_%dMB-lttng-vs-babeltrace2 ours=%.3f s peer=%.3f s peer_name=latscope-explain-on-libbabeltrace2 ratio=%.2f\n",
	       mb, o / 1e9, bo / 1e9, bo / o }'
