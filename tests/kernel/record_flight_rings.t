#!/usr/bin/env bash
# record_flight_rings.t: `latscope record --flight` in its kernel-resident rings (the default):
# a known workload's snapshot read back by babeltrace2, lttng-analyses and latscope (file names
# of open included), a burst that overwrites the rings many times over (the snapshot complete,
# its newest events whole, the overwritten counted, no loss unaccounted), the recorder idle
# between snapshots, --keep-time, usage errors.
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
ncpu=$(ls /sys/devices/system/cpu/ | grep -c '^cpu[0-9]')

# --- usage errors --------------------------------------------------------------------------------
"$LATSCOPE" record -o "$TMP/u" --flight --flight-rings disk >/dev/null 2>"$TMP/err"
is "$?" 2 "--flight-rings disk: usage error"
like "$(head -1 "$TMP/err")" "^latscope: record: --flight-rings: 'disk' is not kernel or user" \
	"--flight-rings disk: one-line reason"
"$LATSCOPE" record -o "$TMP/u" --flight-rings kernel >/dev/null 2>"$TMP/err"
is "$?" 2 "--flight-rings without --flight: usage error"
like "$(head -1 "$TMP/err")" '--flight-rings needs --flight' "--flight-rings without --flight: says so"
# 64 KiB on 2 or more CPUs: less than the 80 KiB a CPU's rings take
if [ "$ncpu" -ge 2 ]; then
	"$LATSCOPE" record -o "$TMP/u" --flight --keep-size 64K -d 1s >/dev/null 2>"$TMP/err"
	is "$?" 1 "kernel rings smaller than 80 KiB a CPU: exit 1"
	like "$(head -1 "$TMP/err")" '^latscope: record: cannot keep 65536 bytes in [0-9]+ rings: less than 80 KiB per CPU' \
		"kernel rings too small: one-line reason"
else
	skip 2 "one CPU: 64K is enough"
fi

# --- a known workload in a snapshot --------------------------------------------------------------
N=100
K=4096
# (a short workload, 1 ms of sleep and of CPU, and large rings: on a machine busy with other
# tests the rings must still hold its start when the snapshot is taken)
start_flight wl --events sched,syscall --keep-size 128M
"$WORKLOAD" $N $K 1 1 "$TMP/wl.data" &
W=$!
wait $W
is "$?" 0 "workload ran"
snap=$("$LATSCOPE" ctl --socket "$TMP/wl.sock" snapshot 2>"$TMP/ctl.err")
is "$?" 0 "ctl snapshot: exit 0"
status=$("$LATSCOPE" ctl --socket "$TMP/wl.sock" status)
rec_tids=" $(ls /proc/"$REC_PID"/task | tr '\n' ' ')"
sleep 1 # a second snapshot, a second later: the recorder's own switches over a longer window
snap2=$("$LATSCOPE" ctl --socket "$TMP/wl.sock" snapshot 2>>"$TMP/ctl.err")
stop_record
is "$?" 0 "flight recorder stopped by SIGINT, exit 0"
like "$(grep -m1 '^latscope record: snapshot ' "$TMP/wl.err")" \
	'^latscope record: snapshot .*: [0-9]+ events, 0 discarded, ' "the snapshot: events, none discarded"
like "$status" 'record.ring_bytes=13[0-9]{7}' "ctl status: the rings' bytes (128M)"
babeltrace2 "$snap" >"$TMP/wl.txt" 2>"$TMP/wl.bt.err"
is "$?" 0 "babeltrace2 reads the snapshot"
is "$(cat "$TMP/wl.bt.err")" "" "babeltrace2: nothing on stderr"
like "$(head -1 "$TMP/wl.txt")" 'lttng_statedump_start' "the snapshot starts with a statedump"
writes=$(grep -c "syscall_entry_write: .*, count = $K }" "$TMP/wl.txt")
[ "$writes" -ge $N ]
ok $? "babeltrace2: at least $N syscall_entry_write of count = $K (got $writes)"
like "$(grep -m1 "sched_process_exec:.*tid = $W," "$TMP/wl.txt")" 'filename = ".*rec_workload"' \
	"sched_process_exec of the workload with its filename"
like "$(grep -m1 'syscall_entry_openat:.*wl.data' "$TMP/wl.txt")" \
	'dfd = -100, filename = ".*/wl.data", flags = [0-9]+' "openat: the filename string, as LTTng's"
"$PEER_PY" "$PEER/lttng-syscallstats" --no-progress --skip-validation --no-intersection --tid $W \
	"$snap" >"$TMP/peer.ss" 2>&1
is "$?" 0 "lttng-syscallstats reads the snapshot"
is "$(awk '$2 == "write" {print $3}' "$TMP/peer.ss")" "$N" "lttng-syscallstats: the workload made $N writes"
"$LATSCOPE" analyze syscallstats --no-intersection --tid $W "$snap" >"$TMP/ours.ss" 2>&1
is "$?" 0 "latscope analyze syscallstats reads the snapshot"
is "$(awk '$2 == "write" {print $3, $4}' "$TMP/ours.ss")" \
	"$(awk '$2 == "write" {print $3, $4}' "$TMP/peer.ss")" "latscope syscallstats: the writes as the peer's"
# per-file I/O needs the file names of open: the peer's iousagetop names the workload's file
"$PEER_PY" "$PEER/lttng-iousagetop" --no-progress --skip-validation --no-intersection "$snap" \
	>"$TMP/peer.io" 2>&1
is "$?" 0 "lttng-iousagetop reads the snapshot"
like "$(sed -n '/Per-file I\/O Write/,/^$/p' "$TMP/peer.io" | grep 'wl.data')" \
	"400.00 KiB .*wl.data" "lttng-iousagetop: $N x $K bytes written to wl.data, by name"
# the recorder does not wake for events: the times it blocks and is woken again are few, 10 a
# second for its timer and some for the first snapshot (the user rings: tens of thousands).
# Counted by its switches out in a sleep (prev_state not 0): on a loaded machine the times it is
# preempted, prev_state 0, are the machine's doing, not wake-ups. Other latscope processes of
# the machine are not counted: by tid.
span_s=$(sed -nE 's/^latscope record: snapshot .* discarded, ([0-9.]+)(ms|s) kept.*/\1 \2/p' "$TMP/wl.err" |
	tail -1 | awk '{ print $2 == "ms" ? $1 / 1000 : $1 }')
babeltrace2 "$snap2" 2>/dev/null | grep 'sched_switch: .*prev_comm = "latscope"' >"$TMP/self.txt"
self=$(sed -nE 's/.*prev_tid = ([0-9]+),.*prev_state = ([0-9]+).*/\1 \2/p' "$TMP/self.txt" |
	awk -v t="$rec_tids" '$2 != 0 && index(t, " " $1 " ") { n++ } END { print n + 0 }')
preempted=$(sed -nE 's/.*prev_tid = ([0-9]+),.*prev_state = ([0-9]+).*/\1 \2/p' "$TMP/self.txt" |
	awk -v t="$rec_tids" '$2 == 0 && index(t, " " $1 " ") { n++ } END { print n + 0 }')
awk -v n="$self" -v s="$span_s" 'BEGIN { exit !(s > 0 && n / s <= 100) }'
ok $? "the recorder blocks and is woken at most 100 times a second ($self in ${span_s}s; preempted besides: $preempted)"

# --- a burst that overwrites the rings many times over -------------------------------------------
# (4M: the newest events, the marker's, must outlive the machine's other events until the
# snapshot on a loaded machine; the burst's 400,000 events are 6 times that)
start_flight burst --events sched,syscall --keep-size 4M
"$BURST" 200000 >/dev/null
"$WORKLOAD" 3 $K 1 1 "$TMP/marker.data" &
M=$!
wait $M
is "$?" 0 "the marker workload ran after the burst"
snap=$("$LATSCOPE" ctl --socket "$TMP/burst.sock" snapshot)
is "$?" 0 "burst: ctl snapshot"
status=$("$LATSCOPE" ctl --socket "$TMP/burst.sock" status)
stop_record
is "$?" 0 "burst: exit 0"
over=$(echo "$status" | sed -n 's/^record.overwritten=//p')
[ "${over:-0}" -gt 200000 ]
ok $? "the burst's 400000 events overwrite the rings, counted ($over overwritten)" ||
	diag "status: $status"
kept=$(echo "$status" | sed -n 's/^record.kept_bytes=//p')
[ "${kept:-0}" -le 4194304 ]
ok $? "the rings hold at most --keep-size ($kept bytes)"
like "$(tail -1 "$TMP/burst.err")" ' [1-9][0-9]* overwritten, ' "summary: overwritten events counted"
lost=$(sed -nE 's/^latscope record: snapshot .*: [0-9]+ events, ([0-9]+) discarded.*/\1/p' "$TMP/burst.err")
babeltrace2 "$snap" >"$TMP/b.txt" 2>"$TMP/b.bt.err"
is "$?" 0 "babeltrace2 reads the snapshot of overwritten rings"
is "$(grep -v 'Tracer discarded' "$TMP/b.bt.err")" "" "babeltrace2: no error"
bt_lost=$(grep -oE 'Tracer discarded [0-9]+ events' "$TMP/b.bt.err" | awk '{s += $3} END {print s + 0}')
[ "$bt_lost" -le "${lost:-0}" ]
ok $? "every loss babeltrace2 sees is counted by latscope ($bt_lost of ${lost:-none})"
n=$(grep -c 'syscall_entry_getppid' "$TMP/b.txt")
[ "$n" -gt 0 ] && [ "$n" -lt 200000 ]
ok $? "the snapshot holds the newest of the burst's getppid calls only ($n of 200000)"
# complete: on each CPU, the burst's entries and exits alternate (no sub-buffer missing between)
bad=$(grep -E 'syscall_(entry|exit)_getppid' "$TMP/b.txt" |
	sed -E 's/.*syscall_(entry|exit)_getppid: \{ cpu_id = ([0-9]+) \}.*/\2 \1/' |
	awk '{ if (last[$1] == $2) bad++; last[$1] = $2 } END { print bad + 0 }')
is "$bad" 0 "the burst's getppid entries and exits alternate on every CPU"
# the newest events whole: the marker's 3 writes, its open with the file name
"$LATSCOPE" analyze syscallstats --no-intersection --tid $M "$snap" >"$TMP/b.ss" 2>&1
is "$?" 0 "latscope analyze reads the overwritten snapshot"
is "$(awk '$2 == "write" {print $3}' "$TMP/b.ss")" 3 "the marker's 3 writes are in the snapshot" ||
	diag "$(cat "$TMP/b.ss")"
like "$(grep -m1 'syscall_entry_openat:.*marker.data' "$TMP/b.txt")" 'filename = ".*/marker.data"' \
	"the marker's openat with its file name"

# --- --keep-time: a snapshot of the kernel rings spans at most that long --------------------------
start_flight kt --events sched,syscall --keep-time 300ms
sleep 1 # a span of time, not a wait for the kernel: the rings then hold events older than 300 ms
"$LATSCOPE" ctl --socket "$TMP/kt.sock" snapshot >/dev/null
is "$?" 0 "--keep-time: ctl snapshot"
stop_record
span=$(sed -nE 's/^latscope record: snapshot .* discarded, ([0-9.]+(ns|us|ms|s)) kept.*/\1/p' "$TMP/kt.err")
like "$span" '^([0-9.]+(ns|us)|([0-9]|[1-2][0-9]|[1-2][0-9][0-9]|300)(\.[0-9]+)?ms)$' \
	"--keep-time 300ms: the snapshot spans at most 300 ms ($span)"
like "$(tail -1 "$TMP/kt.err")" ' [1-9][0-9]* expired, ' "--keep-time: the older events left out, counted"

done_testing
