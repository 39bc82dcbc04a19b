#!/usr/bin/env bash
# record_relay.t: `latscope record -o net://` against the real lttng-relayd (started here on
# 127.0.0.1, free ports, its own output folder): the relay's folder read by babeltrace2 and
# lttng-analyses equals the same workload recorded locally; --live read while it runs by
# babeltrace2's lttng-live; the relay absent, restarted mid-recording (the recorder reconnects, the
# trace goes on in a second part, the packets it could not keep counted as discarded), then
# killed for good; 8 recorders at once.
. "$(dirname "$0")/../lib.sh"

require_root
[ -r /sys/kernel/btf/vmlinux ] || skip_all "the kernel has no BTF"
command -v lttng-relayd >/dev/null || skip_all "lttng-relayd not installed (lttng-tools)"
command -v babeltrace2 >/dev/null || skip_all "babeltrace2 not installed"
WORKLOAD=$LATSCOPE_BUILD/tests/helpers/rec_workload
BURST=$LATSCOPE_BUILD/tests/helpers/getppid_loop
[ -x "$WORKLOAD" ] && [ -x "$BURST" ] || skip_all "test helpers not built (make)"
PEER_PY=/usr/bin/python3
PEER=/usr/bin

TMP=$(mktemp -d /tmp/record_relay.XXXXXX)
RELAY_PID=
PIDS=()
cleanup() {
	for p in "${PIDS[@]}" $RELAY_PID; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
HOST=$(uname -n)

# wait_for SECONDS COMMAND...: polls COMMAND every 50 ms until it succeeds (0) or time is up (1).
wait_for() {
	local end=$(($(date +%s) + $1))
	shift
	while [ "$(date +%s)" -le $end ]; do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}
listening() { ss -ltnH "sport = :$1" 2>/dev/null | grep -q LISTEN; }

# start_relay NAME: lttng-relayd on three free ports (CTRL, DATA, LIVE), output in $TMP/NAME.
start_relay() {
	local name=$1
	for _ in 1 2 3 4 5; do
		CTRL=$((20000 + RANDOM % 30000))
		DATA=$((CTRL + 1))
		LIVE=$((CTRL + 2))
		listening $CTRL || listening $DATA || listening $LIVE && continue
		lttng-relayd -C tcp://127.0.0.1:$CTRL -D tcp://127.0.0.1:$DATA \
			-L tcp://127.0.0.1:$LIVE -o "$TMP/$name" >"$TMP/$name.log" 2>&1 &
		RELAY_PID=$!
		if wait_for 20 listening $LIVE && listening $CTRL && kill -0 $RELAY_PID 2>/dev/null; then
			return 0
		fi
		kill $RELAY_PID 2>/dev/null
		wait $RELAY_PID 2>/dev/null
		RELAY_PID=
	done
	diag "lttng-relayd did not start: $(cat "$TMP/$name.log")"
	return 1
}
# restart_relay NAME: lttng-relayd again on the same ports and output folder (kill -9 first).
restart_relay() {
	lttng-relayd -C tcp://127.0.0.1:$CTRL -D tcp://127.0.0.1:$DATA \
		-L tcp://127.0.0.1:$LIVE -o "$TMP/$1" >>"$TMP/$1.log" 2>&1 &
	RELAY_PID=$!
	wait_for 60 listening $LIVE && listening $CTRL && listening $DATA && kill -0 $RELAY_PID 2>/dev/null &&
		return 0
	diag "lttng-relayd did not start again: $(cat "$TMP/$1.log")"
	return 1
}
stop_relay() {
	kill $RELAY_PID 2>/dev/null
	wait $RELAY_PID 2>/dev/null
	RELAY_PID=
}

# start_rec NAME ARGS...: latscope record ARGS in the background, stderr in $TMP/NAME.err;
# back once it records. REC is its pid.
start_rec() {
	local name=$1
	shift
	: >"$TMP/$name.err" # there before the poll below reads it
	"$LATSCOPE" record "$@" 2>"$TMP/$name.err" &
	REC=$!
	PIDS+=($REC)
	started() { grep -Eq '^latscope record: (writing|streaming|flight)' "$TMP/$name.err" ||
		! kill -0 $REC 2>/dev/null; }
	wait_for 30 started && kill -0 $REC 2>/dev/null && return 0
	diag "latscope record did not start: $(cat "$TMP/$name.err")"
	return 1
}
stop_rec() { # stop_rec PID: SIGINT, then its exit status (killed after 60 s: 137)
	kill -INT "$1" 2>/dev/null
	local i
	for i in $(seq 1200); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$1" 2>/dev/null && { diag "record $1 did not stop in 60 s"; kill -9 "$1"; }
	wait "$1"
}
events_of() { babeltrace2 --component=sink.utils.counter "$1" 2>/dev/null | awk '/Event messages/ {n = $1} END {print n}'; }

# --- usage and the relay absent ------------------------------------------------------------------
"$LATSCOPE" record -o "$TMP/x" --live 1s >/dev/null 2>"$TMP/err"
is "$?" 2 "--live without net://: usage error"
like "$(cat "$TMP/err")" '^latscope: record: --live needs -o net://HOST' "--live without net://: says so"
"$LATSCOPE" record --flight -o net://127.0.0.1 --live 1s >/dev/null 2>"$TMP/err"
is "$?" 2 "--live with --flight: usage error (LTTng's live and snapshot modes are exclusive)"
like "$(head -1 "$TMP/err")" "^latscope: record: --live and --flight are exclusive \\(as LTTng's live and snapshot modes\\)" \
	"--live with --flight: says so"
"$LATSCOPE" record -o net://127.0.0.1:99999 >/dev/null 2>"$TMP/err"
is "$?" 2 "bad port: usage error"
like "$(head -1 "$TMP/err")" "^latscope: record: -o: 'net://127.0.0.1:99999' is not net://HOST" "bad port: says so"
"$LATSCOPE" record -o net://127.0.0.1 --live 0 >/dev/null 2>"$TMP/err"
is "$?" 2 "--live 0: usage error"
P=$((20000 + RANDOM % 30000))
while listening $P; do P=$((P + 3)); done
timeout 60 "$LATSCOPE" record -o net://127.0.0.1:$P:$((P + 1)) -d 5s >/dev/null 2>"$TMP/err"
is "$?" 1 "relay absent: exit 1"
is "$(wc -l <"$TMP/err")" 1 "relay absent: one line"
like "$(cat "$TMP/err")" "^latscope: record: cannot connect to lttng-relayd at 127.0.0.1:$P: Connection refused$" \
	"relay absent: says where and why"

# --- a recording streamed, beside the same recording written locally -----------------------------
start_relay relay || exit 1
N=100
K=3217 # an odd write size: the workload's writes are told apart from everybody else's
start_rec loc -o "$TMP/loc" --events sched,syscall
LOC=$REC
start_rec net -o net://127.0.0.1:$CTRL:$DATA/plain --events sched,syscall
NET=$REC
"$WORKLOAD" $N $K 20 50 "$TMP/wl.data" &
W=$!
wait $W
is "$?" 0 "workload ran"
stop_rec $NET
is "$?" 0 "net recording: stopped by SIGINT, exit 0"
stop_rec $LOC
is "$?" 0 "local recording: exit 0"
like "$(cat "$TMP/net.err")" "streaming to lttng-relayd at 127.0.0.1: $HOST/plain/kernel/" "net: says where"
like "$(tail -1 "$TMP/net.err")" '^latscope record: [0-9]+ packets, .* MB sent to lttng-relayd at 127.0.0.1' \
	"net: summary of what was sent"
RD=$TMP/relay/$HOST/plain/kernel
ok "$([ -s "$RD/metadata" ] && [ -s "$RD/channel0_0" ] && [ -s "$RD/index/channel0_0.idx" ]; echo $?)" \
	"the relay stored it as LTTng's: OUTPUT/HOSTNAME/SESSION/kernel/{metadata,channel0_N,index/}"
ncpu=$(ls /sys/devices/system/cpu/ | grep -c '^cpu[0-9]')
is "$(ls "$RD" | grep -c '^channel0_')" "$ncpu" "one stream per CPU on the relay"
babeltrace2 "$RD" >"$TMP/net.txt" 2>"$TMP/net.bt.err"
is "$?" 0 "babeltrace2 reads the relay's folder"
is "$(cat "$TMP/net.bt.err")" "" "babeltrace2: nothing on stderr"
babeltrace2 "$TMP/loc" >"$TMP/loc.txt" 2>/dev/null
summary=$(grep -Eo '[0-9]+ events, 0 discarded' "$TMP/net.err" | awk '{print $1}')
is "$(grep -c . "$TMP/net.txt")" "$summary" "every event written reached the relay ($summary)"
# the workload's events in both, times aside: the same
strip() { grep -E "$1" "$2" | sed -E 's/^\[[^]]*\] \([^)]*\) //'; }
strip "syscall_(entry|exit)_write: .*count = $K }" "$TMP/net.txt" >"$TMP/net.wl"
strip "syscall_(entry|exit)_write: .*count = $K }" "$TMP/loc.txt" >"$TMP/loc.wl"
is "$(grep -c . "$TMP/net.wl")" "$N" "relay: the workload's $N writes"
cmp -s "$TMP/net.wl" "$TMP/loc.wl"
ok $? "relay and local: the workload's writes are the same events" ||
	diag "$(diff "$TMP/loc.wl" "$TMP/net.wl" | head -5)"
like "$(grep -m1 "sched_process_exec:.*tid = $W," "$TMP/net.txt")" 'filename = ".*rec_workload"' \
	"relay: the workload's exec"
if [ -x "$PEER/lttng-syscallstats" ]; then
	"$PEER_PY" "$PEER/lttng-syscallstats" --no-progress --skip-validation --tid $W "$RD" \
		>"$TMP/peer.net" 2>&1
	is "$?" 0 "lttng-syscallstats reads the relay's folder"
	"$PEER_PY" "$PEER/lttng-syscallstats" --no-progress --skip-validation --tid $W "$TMP/loc" \
		>"$TMP/peer.loc" 2>&1
	is "$(awk '$2 == "write" {print $3}' "$TMP/peer.net")" "$N" "lttng-syscallstats: $N writes on the relay"
	is "$(awk '$2 == "write" {print $3}' "$TMP/peer.loc")" "$N" "lttng-syscallstats: $N writes locally"
else
	skip 3 "lttng-analyses not installed"
fi

# --- live: read while it runs --------------------------------------------------------------------
start_rec live -o net://127.0.0.1:$CTRL:$DATA/live --live 250ms --events sched,syscall
LREC=$REC
listed() { babeltrace2 --input-format=lttng-live net://127.0.0.1:$LIVE 2>/dev/null |
	grep -q "host/$HOST/live (timer = 250000"; }
wait_for 20 listed
ok $? "the relay lists the live session (timer = 250000 us)"
babeltrace2 --input-format=lttng-live net://127.0.0.1:$LIVE/host/$HOST/live \
	>"$TMP/live.txt" 2>"$TMP/live.err" &
VIEW=$!
PIDS+=($VIEW)
viewing() { babeltrace2 --input-format=lttng-live net://127.0.0.1:$LIVE 2>/dev/null |
	grep -q "host/$HOST/live (timer.* 1 client(s) connected"; }
wait_for 30 viewing
ok $? "babeltrace2 attached to the live session"
K2=2741
"$WORKLOAD" 20 $K2 1 1 "$TMP/wl2.data"
seen() { [ "$(grep -c "syscall_entry_write: .*count = $K2 }" "$TMP/live.txt")" -ge 20 ]; }
wait_for 60 seen
ok $? "the live viewer shows the workload's 20 writes" ||
	diag "viewer: $(tail -3 "$TMP/live.err")"
kill -0 $LREC 2>/dev/null
ok $? "... while the recording runs"
stop_rec $LREC
is "$?" 0 "live recording: exit 0"
ended() { ! kill -0 $VIEW 2>/dev/null; }
wait_for 30 ended
ok $? "the viewer ends with the session"
wait $VIEW
is "$?" 0 "babeltrace2 lttng-live: exit 0" || diag "$(tail -3 "$TMP/live.err")"
babeltrace2 "$TMP/relay/$HOST/live/kernel" >/dev/null 2>&1
is "$?" 0 "the live session's folder is a complete trace too"

# the relay serves one viewer per session: latscope analyze reads a second one
start_rec live2 -o net://127.0.0.1:$CTRL:$DATA/live2 --live 250ms --events sched,syscall
LREC=$REC
listed2() { babeltrace2 --input-format=lttng-live net://127.0.0.1:$LIVE 2>/dev/null |
	grep -q "host/$HOST/live2 (timer"; }
wait_for 20 listed2
"$LATSCOPE" analyze syscallstats net://127.0.0.1:$LIVE/host/$HOST/live2 >"$TMP/an.txt" 2>"$TMP/an.err" &
AN=$!
PIDS+=($AN)
attached() { babeltrace2 --input-format=lttng-live net://127.0.0.1:$LIVE 2>/dev/null |
	grep -q "host/$HOST/live2 (timer.* 1 client(s) connected"; }
wait_for 30 attached
ok $? "latscope analyze attached to the live session"
"$WORKLOAD" 20 $K2 1 1 "$TMP/wl3.data"
on_relay() { [ "$(babeltrace2 "$TMP/relay/$HOST/live2/kernel" 2>/dev/null |
	grep -c "syscall_entry_write: .*count = $K2 }")" -ge 20 ]; }
wait_for 30 on_relay
ok $? "the writes reached the relay during the live session"
stop_rec $LREC
is "$?" 0 "second live recording: exit 0"
an_ended() { ! kill -0 $AN 2>/dev/null; }
wait_for 30 an_ended
ok $? "latscope analyze net://… ends with the session too"
wait $AN
is "$?" 0 "latscope analyze syscallstats net://…: exit 0" || diag "$(tail -5 "$TMP/an.err" "$TMP/an.txt")"
like "$(cat "$TMP/an.txt")" ' write ' "latscope analyze syscallstats net://…: the writes live"

# --- several recorders at once to one relay ------------------------------------------------------
# started together, all streaming before the load, stopped together (SIGINT)
F=8
FP=()
for i in $(seq $F); do
	"$LATSCOPE" record -o net://127.0.0.1:$CTRL:$DATA/fleet$i --events sched 2>"$TMP/fleet$i.err" &
	FP+=($!)
	PIDS+=($!)
done
all_streaming() {
	local i
	for i in $(seq $F); do
		grep -q '^latscope record: streaming' "$TMP/fleet$i.err" || return 1
	done
}
wait_for 180 all_streaming
ok $? "$F recorders streaming to one relay at once" ||
	for i in $(seq $F); do diag "fleet$i: $(cat "$TMP/fleet$i.err")"; done
"$BURST" 20000 >/dev/null
for i in $(seq $F); do
	kill -INT ${FP[$((i - 1))]} 2>/dev/null
done
good=0
for i in $(seq $F); do
	stop_rec ${FP[$((i - 1))]} && good=$((good + 1))
done
is "$good" "$F" "$F recorders to one relay: all exit 0"
complete=0
for i in $(seq $F); do
	n=$(events_of "$TMP/relay/$HOST/fleet$i/kernel")
	s=$(grep -Eo '[0-9]+ events, 0 discarded' "$TMP/fleet$i.err" | awk '{print $1}')
	[ -n "$n" ] && [ "$n" = "$s" ] && complete=$((complete + 1)) ||
		diag "fleet$i: relay has '$n' events, the recorder wrote '$s'"
done
is "$complete" "$F" "$F traces separate and complete on the relay"

# --- the relay restarted mid-recording: packets kept up to the buffer size, then counted ----------
# Only getppid events (with tid): packets fill only under the bursts, so that the relay is killed
# with no packet on the wire (one it was receiving would stay cut short in the first part's file,
# which babeltrace2 then refuses, as for LTTng's own streams).
start_rec rs -o net://127.0.0.1:$CTRL:$DATA/rs --events syscall_entry_getppid,syscall_exit_getppid \
	-c tid -b 4M
RS=$REC
RSD=$TMP/relay/$HOST/rs
"$BURST" 60000 >/dev/null
part0() { cat "$RSD"/kernel/channel0_* 2>/dev/null | wc -c; }
settled() { local a b; a=$(part0); sleep 0.3; b=$(part0); [ "$a" = "$b" ] && [ "$a" -gt 0 ]; }
wait_for 30 settled
ok $? "the first part reached the relay ($(part0) bytes)"
{ kill -9 $RELAY_PID && wait $RELAY_PID; } 2>/dev/null
RELAY_PID=
"$BURST" 600000 >/dev/null # far more than the 4 MB kept: packets dropped, counted
says_lost() { grep -q '^latscope record: lttng-relayd at 127.0.0.1 lost (' "$TMP/rs.err"; }
wait_for 60 says_lost
ok $? "relay killed: the recorder says so, and keeps recording" || diag "$(cat "$TMP/rs.err")"
restart_relay relay
says_back() { grep -q '^latscope record: lttng-relayd at 127.0.0.1 back' "$TMP/rs.err"; }
wait_for 60 says_back
ok $? "relay restarted: the recorder reconnects (backoff at most 5 s)" || diag "$(cat "$TMP/rs.err")"
like "$(grep ' back' "$TMP/rs.err")" "back: the trace goes on in $HOST/rs/reconnect-1/kernel/" \
	"... and says where the trace goes on"
"$BURST" 20000 >/dev/null &
AFTER=$!
wait $AFTER
stop_rec $RS
is "$?" 0 "relay restarted: exit 0" || diag "$(cat "$TMP/rs.err")"
ok "$([ -s "$RSD/kernel/metadata" ] && [ -s "$RSD/reconnect-1/kernel/metadata" ]; echo $?)" \
	"two parts on the relay: $HOST/rs/kernel/ and $HOST/rs/reconnect-1/kernel/"
babeltrace2 "$RSD" >"$TMP/rs.txt" 2>"$TMP/rs.bt.err"
is "$?" 0 "babeltrace2 reads both parts as one trace" || diag "$(head -3 "$TMP/rs.bt.err")"
is "$(grep -Ev '^WARNING: Tracer discarded [0-9]+ (events?|packets?) between' "$TMP/rs.bt.err" | grep -c .)" 0 \
	"babeltrace2: nothing on stderr but the discarded counts" || diag "$(cat "$TMP/rs.bt.err" "$TMP/rs.err")"
is "$(grep -c "syscall_entry_getppid: .*{ tid = $AFTER }" "$TMP/rs.txt")" 20000 \
	"the 20000 calls made after the restart are all on the relay"
unsent=$(grep -Eo '\(([0-9]+) events\) not sent \(the relay away\)' "$TMP/rs.err" | grep -Eo '[0-9]+' | head -1)
ring=$(grep -Eo '[0-9]+ events, [0-9]+ discarded' "$TMP/rs.err" | awk '{print $3}')
written=$(grep -Eo '[0-9]+ events, [0-9]+ discarded' "$TMP/rs.err" | awk '{print $1}')
bt_disc=$(grep -Eo 'discarded [0-9]+ events?' "$TMP/rs.bt.err" | awk '{s += $2} END {print s + 0}')
ok "$([ "${unsent:-0}" -gt 0 ]; echo $?)" "relay away: packets not sent, counted (${unsent:-none} events)"
is "$bt_disc" "$((${unsent:-0} + ${ring:-0}))" \
	"babeltrace2's discarded events = the summary's not sent ($unsent) + ring discarded ($ring)"
is "$(($(grep -c . "$TMP/rs.txt") + ${unsent:-0}))" "$written" \
	"events on the relay + not sent = events written ($written)"

# a live session across a restart: the viewer attaches to the new session at the same URL
start_rec lvr -o net://127.0.0.1:$CTRL:$DATA/lvr --live 250ms --events syscall_entry_getppid,syscall_exit_getppid -c tid
LVR=$REC
"$BURST" 1000 >/dev/null
{ kill -9 $RELAY_PID && wait $RELAY_PID; } 2>/dev/null
RELAY_PID=
says_lost2() { grep -q ' lost (' "$TMP/lvr.err"; }
wait_for 60 says_lost2 # the next live flush finds the relay gone
restart_relay relay
says_back2() { grep -q ' back' "$TMP/lvr.err"; }
wait_for 60 says_back2
ok $? "live: the recorder reconnects to the restarted relay" || diag "$(cat "$TMP/lvr.err")"
listed3() { babeltrace2 --input-format=lttng-live net://127.0.0.1:$LIVE 2>/dev/null |
	grep -q "host/$HOST/lvr (timer = 250000"; }
wait_for 30 listed3
ok $? "live: the restarted relay lists the session again"
babeltrace2 --input-format=lttng-live net://127.0.0.1:$LIVE/host/$HOST/lvr >"$TMP/lvr.txt" 2>"$TMP/lvr.view.err" &
VIEW=$!
PIDS+=($VIEW)
viewing3() { babeltrace2 --input-format=lttng-live net://127.0.0.1:$LIVE 2>/dev/null |
	grep -q "host/$HOST/lvr (timer.* 1 client(s) connected"; }
wait_for 30 viewing3
"$BURST" 500 >/dev/null &
AFTER=$!
wait $AFTER
seen3() { [ "$(grep -c "syscall_entry_getppid: .*{ tid = $AFTER }" "$TMP/lvr.txt")" -ge 500 ]; }
wait_for 60 seen3
ok $? "live: the viewer of the new session sees the 500 calls made after the restart" ||
	diag "viewer: $(tail -3 "$TMP/lvr.view.err")"
stop_rec $LVR
is "$?" 0 "live across a restart: exit 0" || diag "$(cat "$TMP/lvr.err")"
ended3() { ! kill -0 $VIEW 2>/dev/null; }
wait_for 30 ended3
ok $? "live: the viewer ends with the session"
wait $VIEW 2>/dev/null

# --- flight-recorder snapshots to the relay ------------------------------------------------------
start_rec fl --flight --keep-size 4M --socket "$TMP/fl.sock" -o net://127.0.0.1:$CTRL:$DATA/fl --events sched
FL=$REC
"$BURST" 20000 >/dev/null
snap=$("$LATSCOPE" ctl --socket "$TMP/fl.sock" snapshot 2>"$TMP/ctl.err")
is "$?" 0 "ctl snapshot with -o net://: exit 0" || diag "$(cat "$TMP/ctl.err" "$TMP/fl.err")"
like "$snap" "^net://127.0.0.1/$HOST/fl/snapshot-[0-9T]+-1/kernel$" "the snapshot's place on the relay"
SD=$(ls -d "$TMP/relay/$HOST/fl/"snapshot-*/kernel 2>/dev/null | head -1)
n=$(events_of "$SD")
s=$(grep -Eo 'snapshot net://[^:]*: [0-9]+ events' "$TMP/fl.err" | awk '{print $3}')
[ -n "$n" ] && [ "$n" = "$s" ]
ok $? "the snapshot on the relay: babeltrace2 reads the $s events written ($n)"

# --- the relay killed mid-recording --------------------------------------------------------------
start_rec gone -o net://127.0.0.1:$CTRL:$DATA/gone --events syscall -b 1M
GONE=$REC
"$BURST" 20000 >/dev/null
{ kill -9 $RELAY_PID && wait $RELAY_PID; } 2>/dev/null
RELAY_PID=
"$BURST" 400000 >/dev/null
kill -0 $GONE 2>/dev/null
ok $? "relay gone: the recorder keeps recording"
snap=$("$LATSCOPE" ctl --socket "$TMP/fl.sock" snapshot 2>/dev/null)
like "$snap" '^/var/tmp/latscope-snapshots/snapshot-[0-9T]+-2$' "relay gone: the snapshot is kept locally"
like "$(grep 'kept locally' "$TMP/fl.err")" '^latscope: record: snapshot snapshot-[0-9T]+-2 kept locally in /var/tmp/latscope-snapshots/$' \
	"relay gone: ... and the recorder says so"
babeltrace2 "$snap" >/dev/null 2>&1
is "$?" 0 "the local snapshot reads"
case $snap in /var/tmp/latscope-snapshots/snapshot-*) rm -rf "$snap" ;; esac
stop_rec $FL
is "$?" 0 "flight recorder with net://: exit 0"
stop_rec $GONE
is "$?" 1 "relay gone: exit 1"
like "$(tail -1 "$TMP/gone.err")" \
	'^latscope: record: lttng-relayd at 127.0.0.1: .*; [1-9][0-9]* packets \([1-9][0-9]* events\) not sent$' \
	"relay gone: one line, the packets and events not sent" || diag "$(cat "$TMP/gone.err")"

done_testing
