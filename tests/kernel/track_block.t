#!/usr/bin/env bash
# track_block.t: `latscope track block` on the real kernel: O_DIRECT writes with fsync, device numbers, queueing series, --pid.
. "$(dirname "$0")/../lib.sh"

require_root
[ -r /sys/kernel/btf/vmlinux ] || skip_all "the kernel has no BTF"
WRITER=$LATSCOPE_BUILD/tests/helpers/blk_direct
[ -x "$WRITER" ] || skip_all "$WRITER not built (make)"
# O_DIRECT needs a real block device under the file: /var/tmp is on disk (/tmp may be tmpfs).
DATA=$(mktemp -d /var/tmp/latscope-blk.XXXXXX)
. "$(dirname "$0")/track_lib.sh"
CLEANUP_PATHS+=("$DATA")
"$WRITER" "$DATA/probe" 1 4096 2>/dev/null || skip_all "no O_DIRECT on $DATA's file system"

spawn() { spawn_held "$WRITER" "$@"; } # a writer (pid in SPID) held until `go`
PYQ_DEFS='
I = [a for a in A if a.get("series") == "issue"]
Q = [a for a in A if a.get("series") == "queue"]'

# The device under $DATA: the file's own device (a partition or a whole disk) and its disk.
part=$(stat -c '%Hd:%Ld' "$DATA/probe")
disk=$part
if [ -e "/sys/dev/block/$part/partition" ]; then
	disk=$(cat "/sys/dev/block/$part/../dev")
fi
diag "file system on $part, disk $disk"
sched=$(cat "/sys/dev/block/$disk/queue/scheduler" 2>/dev/null)

# --- 8 O_DIRECT writes of 64 KiB with fsync, threshold 0 ---------------------------------------
spawn "$DATA/f1" 8 65536
spid=$SPID
start_track t0 block --threshold 0 --pid "$spid" --json
go
wait "$spid"
ok $? "the writer succeeded"
wait_lines "$TMP/t0.out" '"series":"issue",.*"bytes":65536,"rwbs":"W' 8
stop_track
ok $? "track exits 0 on SIGINT"
pyq "$TMP/t0.out" 'len([a for a in I if a["bytes"] == 65536 and "W" in a["rwbs"]]) >= 8' \
	'sorted(set(a["dev"] for a in A))' 'sorted(set(a.get("part") for a in I))' \
	'sorted(set(a["pid"] for a in A))' 'all(a["comm"] == "blk_direct" and a["tid"] == a["pid"] for a in A)' \
	'all(0 < a["delay_ns"] < 10e9 and a["timeout"] is False and a["error"] == 0 for a in I)' \
	'all(a["sector"] > 0 for a in I)' '[s["series"] for s in S]' \
	'S[0]["events"] >= 8 and S[0]["reported"] == len(I)' \
	'sum(h["count"] for h in S[0]["hist"]) == S[0]["events"]' 'sorted(S[0]["drops"])' \
	'len(Q) == S[1]["reported"] and S[1]["events"] >= len(Q)' \
	'all(a["dev"] == I[0]["dev"] for a in Q)'
is "${R[0]}" True "eight 64 KiB writes reported (rwbs has W)"
is "${R[1]}" "['$disk']" "dev is the disk's major:minor"
is "${R[2]}" "['$part']" "part is the file system's major:minor (stat)"
is "${R[3]}" "[$spid]" "pid is the writer's"
is "${R[4]}" True "comm and tid"
is "${R[5]}" True "delay, timeout false, error 0"
is "${R[6]}" True "sectors"
is "${R[7]}" "['block', 'block_queue']" "summary has both series"
is "${R[8]}" True "summary counts the events and the reports"
is "${R[9]}" True "histogram holds every event"
is "${R[10]}" "['bad_records', 'inflight_full', 'replaced', 'ringbuf_full', 'stack_failed', 'timer_failed']" \
	"summary shows every drop counter"
is "${R[11]}" True "queue series: reports match the summary"
is "${R[12]}" True "queue series on the same disk"
case "$sched" in
*'[none]'*) ok 0 "# SKIP no I/O scheduler on $disk: no insert -> issue" ;;
*)
	pyq "$TMP/t0.out" 'len(Q) >= 8' 'all(a["pid"] == '"$spid"' for a in Q)'
	is "${R[0]}" True "queueing delays (insert -> issue) reported under $sched"
	;;
esac

# --- text output --------------------------------------------------------------------------------
spawn "$DATA/f2" 2 65536
start_track text block -t 0 -p "$SPID" --no-stack
go
wait "$SPID"
wait_lines "$TMP/text.out" '^block_latency: .* series=issue .* bytes=65536 ' 2
stop_track
like "$(cat "$TMP/text.out")" "^block_latency: comm=blk_direct pid=$SPID tid=$SPID series=issue dev=$disk part=$part sector=[0-9]+ bytes=65536 rwbs=W[A-Z]* error=0 delay_us=[0-9]+ timeout=0" \
	"text line in the original's spirit"
like "$(cat "$TMP/text.out")" '^block: [0-9]+ events, [0-9]+ reported' "text summary, block series"
like "$(cat "$TMP/text.out")" '^block_queue: [0-9]+ events' "text summary, queue series"
like "$(cat "$TMP/text.out")" '^  lost: inflight_full=0 ringbuf_full=0' "text summary shows drops"

# --- threshold: nothing above 10 s, but everything counted ----------------------------------------
spawn "$DATA/f3" 4 65536
start_track t10s block -t 10s -p "$SPID" --json
go
wait "$SPID" # its completions are counted by then; stop_track reads what is left
stop_track
pyq "$TMP/t10s.out" 'len(A)' 'S[0]["events"] >= 4'
is "${R[0]}" 0 "no report at threshold 10 s"
is "${R[1]}" True "but the requests are counted"

# --- --pid keeps other writers out --------------------------------------------------------------
spawn "$DATA/f4" 6 65536
wanted=$SPID
start_track pid block -t 0 -p "$wanted" --json
"$WRITER" "$DATA/f5" 6 65536 &
other=$!
go
wait "$wanted" "$other"
wait_lines "$TMP/pid.out" '"series":"issue",' 6
stop_track
pyq "$TMP/pid.out" 'sorted(set(a["pid"] for a in A))' 'len(I) >= 6'
is "${R[0]}" "[$wanted]" "--pid: only the chosen writer"
is "${R[1]}" True "--pid: its writes are reported"

# --- --timeout 2us: requests still in the device are reported, then completed -----------------
spawn "$DATA/f6" 4 65536
start_track to block -t 0 --timeout 2us -p "$SPID" --json --no-stack
go
wait "$SPID"
wait_lines "$TMP/to.out" '"timeout":false,"series":"issue",' 4
# and until every request reported in the device has its completion report (a loaded machine may
# add a request of the writer's: the fourth completion is not always the last)
_all_completed() {
	python3 -S -c '
import json, sys
I = [a for a in (json.loads(l) for l in open(sys.argv[1]) if l.startswith("{"))
     if a.get("type") == "alert" and a.get("series") == "issue"]
done = {a["start_ns"] for a in I if not a["timeout"]}
sys.exit(not all(a["start_ns"] in done for a in I if a["timeout"]))' "$TMP/to.out"
}
wait_until "$WAIT_TIMEOUT" _all_completed || diag "waited ${WAIT_TIMEOUT} s for the completion of every request reported in the device"
stop_track
pyq "$TMP/to.out" 'len([a for a in I if a["timeout"]]) >= 1' \
	'all(any(b["start_ns"] == a["start_ns"] and not b["timeout"] and b["delay_ns"] >= a["delay_ns"] for b in I) for a in I if a["timeout"])' \
	'all("error" not in a and a["bytes"] > 0 and a["dev"] == "'"$disk"'" for a in I if a["timeout"])' \
	'S[0]["timeouts"] == len([a for a in I if a["timeout"]]) and S[1]["timeouts"] == 0'
is "${R[0]}" True "timeout reports of requests still in the device"
is "${R[1]}" True "each followed by its completion report (same start, longer delay)"
is "${R[2]}" True "timeout reports carry the request's fields, no error yet"
is "${R[3]}" True "summary counts the timeouts in the block series"

done_testing
