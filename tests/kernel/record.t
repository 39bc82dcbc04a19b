#!/usr/bin/env bash
# record.t: `latscope record` on the real kernel: a known workload recorded, then read back by
# babeltrace2, by lttng-analyses (the peer) and by `latscope analyze`; drops; bad usage.
. "$(dirname "$0")/../lib.sh"

require_root
[ -r /sys/kernel/btf/vmlinux ] || skip_all "the kernel has no BTF"
WORKLOAD=$LATSCOPE_BUILD/tests/helpers/rec_workload
BURST=$LATSCOPE_BUILD/tests/helpers/getppid_loop
[ -x "$WORKLOAD" ] && [ -x "$BURST" ] || skip_all "test helpers not built (make)"
command -v babeltrace2 >/dev/null || skip_all "babeltrace2 not installed"
PEER_PY=/usr/bin/python3
PEER=/usr/bin
. "$(dirname "$0")/record_lib.sh"

# --- usage errors --------------------------------------------------------------------------------
"$LATSCOPE" record >/dev/null 2>"$TMP/err"
is "$?" 2 "no -o: usage error (exit 2)"
like "$(cat "$TMP/err")" '^latscope: record: -o DIR is required' "no -o: one-line reason"
"$LATSCOPE" record -o "$TMP/x" --events sched,bogus >/dev/null 2>"$TMP/err"
is "$?" 2 "unknown event: usage error"
like "$(head -1 "$TMP/err")" "unknown event 'bogus'" "unknown event: named"
"$LATSCOPE" record -o "$TMP/x" --buffer-size 3000 >/dev/null 2>"$TMP/err"
is "$?" 2 "buffer size not a power of two: usage error"
"$LATSCOPE" record -o /proc/nope -d 1s >/dev/null 2>"$TMP/err"
is "$?" 1 "unwritable output: exit 1"
like "$(cat "$TMP/err")" '^latscope: record: /proc/nope/kernel: ' "unwritable output: says where"

# --- a known workload ----------------------------------------------------------------------------
N=100
K=4096
start_record wl --events sched,syscall
# SCHED_FIFO: on a loaded machine its 20 ms nanosleep would last 30 ms and more (waiting for a
# CPU); set on the subshell that then execs it, so that its exec is the workload's own
(chrt -f -p 1 "$BASHPID" >/dev/null 2>&1; exec "$WORKLOAD" $N $K 20 200 "$TMP/wl.data") &
W=$!
wait $W
is "$?" 0 "workload ran"
stop_record # it drains its rings before it exits: nothing to wait for
is "$?" 0 "record stopped by SIGINT, exit 0"
like "$(tail -1 "$TMP/wl.err")" '^latscope record: [0-9]+ events, 0 discarded, .* \([0-9]+ streams\)$' \
	"summary: events, discarded, streams"
ncpu=$(ls /sys/devices/system/cpu/ | grep -c '^cpu[0-9]')
is "$(ls "$TMP/wl/kernel" | grep -c '^channel0_')" "$ncpu" "one stream per CPU"
like "$(cat "$TMP/wl/kernel/metadata")" 'tracer_name = "lttng-modules";' "env: tracer_name"

babeltrace2 "$TMP/wl" >"$TMP/wl.txt" 2>"$TMP/wl.bt.err"
is "$?" 0 "babeltrace2 reads the trace"
is "$(cat "$TMP/wl.bt.err")" "" "babeltrace2: nothing on stderr"
like "$(head -1 "$TMP/wl.txt")" 'lttng_statedump_start' "statedump first"
like "$(grep -m1 lttng_statedump_process_state "$TMP/wl.txt")" 'tid = 1, vtid = 1, pid = 1,' \
	"statedump: init's process state"
# the workload's own events, by its tid (the first write after the execve)
writes=$(grep -c "syscall_entry_write: .*, count = $K }" "$TMP/wl.txt")
[ "$writes" -ge $N ]
ok $? "babeltrace2: at least $N syscall_entry_write of count = $K (got $writes)"
like "$(grep -m1 "sched_process_exec:.*tid = $W," "$TMP/wl.txt")" 'filename = ".*rec_workload"' \
	"sched_process_exec of the workload with its filename"
like "$(grep -m1 'syscall_entry_openat:.*wl.data' "$TMP/wl.txt")" 'dfd = -100, filename = ".*/wl.data", flags = [0-9]+' \
	"openat: the filename string"

# syscallstats: the peer and latscope
"$PEER_PY" "$PEER/lttng-syscallstats" --no-progress --skip-validation --tid $W "$TMP/wl" \
	>"$TMP/peer.ss" 2>&1
is "$?" 0 "lttng-syscallstats reads the trace"
peer_writes=$(awk '$2 == "write" {print $3}' "$TMP/peer.ss")
is "$peer_writes" "$N" "lttng-syscallstats: the workload made $N writes"
peer_sleep=$(awk '$2 == "nanosleep" {print $4}' "$TMP/peer.ss")
awk -v v="$peer_sleep" 'BEGIN { exit !(v >= 20000 && v < 30000) }'
ok $? "lttng-syscallstats: one ~20 ms nanosleep (got $peer_sleep us)"
"$LATSCOPE" analyze syscallstats --tid $W "$TMP/wl" >"$TMP/ours.ss" 2>&1
is "$?" 0 "latscope analyze syscallstats reads the trace"
is "$(awk '$2 == "write" {print $3}' "$TMP/ours.ss")" "$N" "latscope syscallstats: $N writes"
is "$(awk '$2 == "nanosleep" {print $4}' "$TMP/ours.ss")" "$peer_sleep" \
	"latscope syscallstats: the nanosleep as the peer's"

# iousagetop (peer): N x K bytes written by the workload
"$PEER_PY" "$PEER/lttng-iousagetop" --no-progress --skip-validation "$TMP/wl" >"$TMP/peer.io" 2>&1
is "$?" 0 "lttng-iousagetop reads the trace"
# (the peer names the process bash or rec_workload: its comm changes at exec, which the peer only
# sees at the next sched_switch, and the workload may not be switched out before its writes end)
like "$(sed -n '/Per-process I\/O Write/,/^$/p' "$TMP/peer.io" | grep "($W)")" \
	"400.00 KiB (rec_workload|bash) \\($W\\)" "lttng-iousagetop: the workload wrote $N x $K bytes"

# cputop: the workload burned ~200 ms of CPU; latscope and the peer agree
"$PEER_PY" "$PEER/lttng-cputop" --no-progress --skip-validation "$TMP/wl" >"$TMP/peer.cpu" 2>&1
is "$?" 0 "lttng-cputop reads the trace"
"$LATSCOPE" analyze cputop "$TMP/wl" >"$TMP/ours.cpu" 2>&1
is "$?" 0 "latscope analyze cputop reads the trace"
peer_line=$(grep -m1 "($W) " "$TMP/peer.cpu" | sed 's/^[^0-9]*//')
ours_line=$(grep -m1 "($W) " "$TMP/ours.cpu" | sed 's/^[^0-9]*//')
is "$ours_line" "$peer_line" "cputop: the workload's line as the peer's"
range=$(grep -m1 '^Timerange' "$TMP/ours.cpu")
pct=$(echo "$ours_line" | awk '{print $1}')
span=$(echo "$range" | sed -E 's/.*\[[^ ]+ ([0-9:.]+), [^ ]+ ([0-9:.]+)\]/\1 \2/' |
	awk '{split($1,a,":"); split($2,b,":"); print (b[1]*3600+b[2]*60+b[3]) - (a[1]*3600+a[2]*60+a[3])}')
awk -v p="$pct" -v s="$span" 'BEGIN { ms = p / 100 * s * 1000; exit !(ms > 150 && ms < 400) }'
ok $? "cputop: the workload used ~200 ms of CPU ($pct % of ${span}s)" ||
	diag "$range" "$(grep -m3 "($W)" "$TMP/ours.cpu")"

# sched: latscope's own reader sees the same switches as babeltrace2
bt_switch=$(grep -c 'sched_switch:' "$TMP/wl.txt")
[ "$bt_switch" -gt 0 ]
ok $? "sched_switch events recorded ($bt_switch)"

# --- a burst beyond the buffer: counted drops, a trace that still reads --------------------------
start_record burst --events syscall --buffer-size 4K
"$BURST" 200000 >/dev/null
stop_record
is "$?" 0 "burst: record exit 0"
discarded=$(sed -nE 's/^latscope record: [0-9]+ events, ([0-9]+) discarded.*/\1/p' "$TMP/burst.err")
[ "${discarded:-0}" -gt 0 ]
ok $? "burst: discarded events counted ($discarded)"
babeltrace2 "$TMP/burst" >"$TMP/burst.txt" 2>"$TMP/burst.bt.err"
is "$?" 0 "burst: babeltrace2 reads the trace"
bt_lost=$(cat "$TMP/burst.txt" "$TMP/burst.bt.err" | grep -oE 'Tracer discarded [0-9]+ events' |
	awk '{s += $3} END {print s + 0}')
is "$bt_lost" "$discarded" "burst: babeltrace2 reports the same discarded count"
"$PEER_PY" "$PEER/lttng-syscallstats" --no-progress --skip-validation "$TMP/burst" >/dev/null \
	2>"$TMP/burst.peer.err"
is "$?" 0 "burst: lttng-syscallstats reads the trace" || diag "$(tail -5 "$TMP/burst.peer.err")"
# The peer keeps the streams' intersection (babeltrace 1's, which it reads with): every stream
# spans the whole recording, as LTTng's do, however few events one CPU kept, so nothing is cut
# (before, a stream began at its first event and ended at its last: under stress-ng one stream
# began 128 ms after the other and 716 of 4216 events were cut; if one stream ends before another
# begins, the peer exits 1, "Trace has no intersection", the likely cause of a CI failure of the
# check above, whose stderr was not kept)
if command -v babeltrace >/dev/null; then
	for t in burst wl; do
		inter=$(babeltrace --stream-intersection "$TMP/$t" 2>/dev/null | wc -l)
		all=$(babeltrace "$TMP/$t" 2>/dev/null | wc -l)
		is "$inter" "$all" "$t: the streams' intersection (babeltrace 1) holds every event"
	done
else
	skip 2 "babeltrace 1 (the peer's reader) not installed"
fi

# --- --duration ----------------------------------------------------------------------------------
start=$(date +%s%N)
"$LATSCOPE" record -o "$TMP/dur" --events sched -d 500ms -q 2>"$TMP/dur.err"
is "$?" 0 "--duration: exit 0"
elapsed=$((($(date +%s%N) - start) / 1000000))
[ $elapsed -lt 5000 ]
ok $? "--duration 500ms stops by itself (${elapsed} ms)"
is "$(cat "$TMP/dur.err")" "" "-q: nothing on stderr"
babeltrace2 "$TMP/dur" >/dev/null 2>&1
is "$?" 0 "--duration: babeltrace2 reads the trace"

done_testing
