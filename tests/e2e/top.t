#!/usr/bin/env bash
# top.t: `latscope top -b` for real: bad command lines, not root, then frames from the probes
# while a 20 ms nanosleep loop, a CPU burner and O_DIRECT dd run (each shows where it should),
# the frame count (-n, --duration), and --agent against a running agent (its `top` request).
. "$(dirname "$0")/../lib.sh"

TMP=$(mktemp -d)
DATA=
PIDS=()
AGENT_PID=
cleanup() {
	for p in "${PIDS[@]}" $AGENT_PID; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMP" ${DATA:+"$DATA"}
}
trap cleanup EXIT

# --- the command line (no root needed) ---
out=$("$LATSCOPE" top --help)
ok $? "top --help exits 0"
like "$out" "--iterations N" "--help documents -n/--iterations"
check_usage() { # check_usage DESCRIPTION REGEX ARGS...
	local what=$1 regex=$2
	shift 2
	out=$("$LATSCOPE" top "$@" 2>&1 </dev/null)
	is "$?" 2 "$what: exit 2"
	like "$(printf '%s\n' "$out" | head -1)" "^latscope: top: $regex" "$what: says why"
	is "$(printf '%s\n' "$out" | wc -l)" 2 "$what: one line and the pointer to --help"
}
check_usage "-d 50ms" "bad --delay '50ms'" -b -d 50ms
check_usage "-d soon" "bad --delay 'soon'" -b -d soon
check_usage "-n 0" "bad --iterations '0'" -b -n 0
check_usage "-n x" "bad --iterations 'x'" -b -n x
check_usage "--duration 0" "bad --duration '0'" -b --duration 0
check_usage "-s x" "bad --sort 'x' \(c, i or l\)" -b -s x
check_usage "--limit -1" "bad --limit '-1'" -b --limit -1
check_usage "an unknown option" "unknown option '--colour'" --colour
check_usage "-d without a value" "option '-d' needs a value" -b -d
check_usage "an extra argument" "unexpected argument 'now'" -b now
out=$("$LATSCOPE" top -b -n 1 --agent "$TMP/none.sock" 2>&1)
is "$?" 1 "--agent with no agent there: exit 1"
like "$out" "^latscope: top: $TMP/none.sock: No such file or directory \(is latscope agent running\?\)$" \
	"--agent with no agent there: one line"

if [ "$(id -u)" != 0 ] || [ ! -r /sys/kernel/btf/vmlinux ]; then
	diag "skipping the probes: needs root and BTF"
	done_testing
	exit
fi
if nobody_can_run; then
	# a copy nobody can reach: the checkout may sit under a folder only root can enter (/root)
	install -d -m 0755 "$TMP/nonroot" && install -m 0755 "$LATSCOPE" "$TMP/nonroot/latscope"
	chmod 0755 "$TMP"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$TMP/nonroot/latscope" top -b -n 1 \
		>/dev/null 2>"$TMP/nonroot.err"
	is "$? $(wc -l <"$TMP/nonroot.err")" "1 1" "not root: exit 1, one line"
	like "$(cat "$TMP/nonroot.err")" '^latscope: top: needs root' "not root: says so"
else
	skip 2 "uid 65534 cannot run programs here (no setpriv, or a root directory only root may enter)"
fi

# A process's row: PID COMM CPU% RD/s WR/s BRD/s BWR/s REQ/s OVER WORST SERIES
row() { printf '%s\n' "$1" | awk -v p="$2" -v c="$3" '$1 == p && $2 == c' | tail -1; }
check_sleeper() { # check_sleeper FRAME DESCRIPTION: over-threshold syscalls of 19 ms to 1 s
	local r
	r=$(row "$1" "$SPID" nanosleeper)
	ok $(printf '%s\n' "$r" | awk '$9 > 0 && $10 ~ /^[0-9.]+ms$/ && $10 + 0 >= 19 && $11 == "syscall" {f = 1} END {exit !f}'
		echo $?) "$2"
	local rc=$?
	diag "${r:-no row for $SPID}"
	return $rc
}
check_burner() { # check_burner FRAME DESCRIPTION: at least 2% of a CPU (its share on a loaded machine)
	local r
	r=$(row "$1" "$BPID" cpuburner)
	ok $(printf '%s\n' "$r" | awk '$3 >= 2 {f = 1} END {exit !f}'; echo $?) "$2"
	diag "${r:-no row for $BPID}"
}

# --- workloads: a 20 ms nanosleep loop, a CPU burner, O_DIRECT dd --------------------------------
SLEEPER=$LATSCOPE_BUILD/tests/helpers/nanosleeper
[ -x "$SLEEPER" ] || { diag "helpers not built"; done_testing; exit 1; }
DATA=$(mktemp -d /var/tmp/latscope-top.XXXXXX) # O_DIRECT needs a disk (not tmpfs)
cp /bin/bash "$TMP/cpuburner"
cp "$(command -v dd)" "$TMP/topdd"
"$SLEEPER" 20 2000 >/dev/null &
SPID=$!
PIDS+=("$SPID")
"$TMP/cpuburner" -c 'while :; do :; done' &
BPID=$!
PIDS+=("$BPID")
(while :; do
	"$TMP/topdd" if=/dev/zero of="$DATA/dd.out" bs=64k count=16 oflag=direct conv=notrunc 2>/dev/null
	sleep 0.05
done) &
PIDS+=("$!")

"$LATSCOPE" top -b -n 3 --limit 0 -s l >"$TMP/frames" 2>"$TMP/top.err"
is "$?" 0 "top -b -n 3 exits 0"
is "$(grep -c '^latscope top - ' "$TMP/frames")" 3 "-n 3: three frames"
is "$(wc -c <"$TMP/top.err")" 0 "nothing on stderr"
last=$(awk '/^latscope top - /{n++} n==3' "$TMP/frames")
like "$last" '^latscope top - [0-9:]+, interval [0-9.]+m?s, source: probes, sort: latency$' \
	"a frame says its interval, source and sort"
for s in syscall wakeup offcpu block block_queue irq_hard irq_soft irq_raise; do
	like "$last" "^$s +[0-9]+ +[0-9]+ +[0-9.]+[mun]?s " "series $s: events, over, threshold..."
done
like "$last" '^syscall +[1-9][0-9]* +[1-9][0-9]* +1\.000ms +[0-9.]+[mun]?s +[0-9.]+[mun]?s +[0-9.]+[mun]?s +[0-9]+ ' \
	"syscall: events and over-threshold events counted, p50/p99/max"
check_sleeper "$last" "the 20 ms nanosleep loop shows under syscall with its comm and worst delay"
check_burner "$last" "the CPU burner shows in CPU per process"
dd_rows=$(grep -h ' topdd ' "$TMP/frames" | awk '$7 != "0B" && $8 > 0')
ok $([ -n "$dd_rows" ]; echo $?) "O_DIRECT dd shows in block I/O per process (bytes and requests)"
diag "$(printf '%s\n' "$dd_rows" | head -2)"
like "$(grep -h ' topdd ' "$TMP/frames")" ' topdd +[0-9.]+ +[0-9.]+[BKMG] +[0-9.]+[KMG] ' \
	"and its write syscalls"
like "$last" '^CPU: sched_switch run time per thread' "the frame says where CPU figures come from"

# --- from a running agent -------------------------------------------------------------------------
cat >"$TMP/agent.conf" <<EOC
listen = 127.0.0.1:0
control_socket = $TMP/ctl.sock
app_socket = off
stacks = off
EOC
"$LATSCOPE" agent --config "$TMP/agent.conf" >"$TMP/agent.out" 2>"$TMP/agent.err" &
AGENT_PID=$!
for _ in $(seq 300); do
	grep -q 'listening on' "$TMP/agent.err" && [ -S "$TMP/ctl.sock" ] && break
	sleep 0.05
done
agent_top() {
	python3 -c 'import socket,sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"top\n")
print(s.makefile().read(), end="")' "$TMP/ctl.sock" 2>/dev/null
}
# until the agent has figures of the sleeper (polled with a deadline; 1 s on a quiet machine)
_sleeper_slow() {
	reply=$(agent_top)
	printf '%s\n' "$reply" | grep -q "\"type\":\"slow\",\"pid\":$SPID,"
}
for _ in $(seq 600); do
	_sleeper_slow && break
	sleep 0.1
done
like "$reply" '^\{"type":"interval","interval_ns":[0-9]+' "the agent's top request: the interval"
like "$reply" '^\{"type":"series","tracker":"syscall","series":"syscall","events":[1-9][0-9]*,"over":[0-9]+' \
	"the agent's top request: a JSON line per series"
like "$reply" "\"type\":\"slow\",\"pid\":$SPID,\"comm\":\"nanosleeper\"" "and the slow processes"
is "$(printf '%s\n' "$reply" | tail -1)" ok "ending with ok"
"$LATSCOPE" top -b -n 2 --limit 0 -s l --agent "$TMP/ctl.sock" >"$TMP/agent.frames" 2>&1
is "$?" 0 "top --agent exits 0"
is "$(grep -c '^latscope top - ' "$TMP/agent.frames")" 2 "top --agent -n 2: two frames"
last=$(awk '/^latscope top - /{n++} n==2' "$TMP/agent.frames")
diag "$(grep 'more processes' "$TMP/agent.frames")"
like "$last" "source: agent $TMP/ctl.sock" "the frame says the agent is its source"
like "$last" '^syscall +[1-9][0-9]* +[1-9][0-9]* +1\.000ms ' "the agent's syscall series"
# Each frame is an interval: on a loaded machine one may have none of the sleeper's 20 ms sleeps
# (it waited for a CPU the whole time), so the check takes the frame that has its row.
sleeper_frame=$(awk -v p="$SPID" '/^latscope top - /{n++} $1 == p && $2 == "nanosleeper" {print n}' \
	"$TMP/agent.frames" | tail -1)
check_sleeper "$(awk -v f="${sleeper_frame:-2}" '/^latscope top - /{n++} n==f' "$TMP/agent.frames")" \
	"the nanosleep loop, from the agent's slow events" ||
	diag "frames: $(cat "$TMP/agent.frames")" "agent stderr: $(tail -5 "$TMP/agent.err")"
check_burner "$last" "the burner, from /proc"
like "$last" '^CPU: /proc/PID/stat utime\+stime' "the frame says CPU comes from /proc"
"$LATSCOPE" top -b -d 500ms --duration 1500ms --limit 3 --agent "$TMP/ctl.sock" >"$TMP/dur" 2>&1
is "$?" 0 "--duration 1500ms -d 500ms exits 0"
is "$(grep -c '^latscope top - ' "$TMP/dur")" 3 "--duration 1500ms -d 500ms: three frames"
is "$(awk '/^ +PID COMM/{getline; n=0; while ($0 ~ /^ +[0-9]+ /) {n++; if (!getline) break} print n; exit}' "$TMP/dur")" 3 \
	"--limit 3: three processes"

# a tracker turned off in the agent shows as off, not as a row of 0 events
"$LATSCOPE" ctl --socket "$TMP/ctl.sock" set block.enabled=0 >/dev/null
"$LATSCOPE" top -b -n 2 --agent "$TMP/ctl.sock" >"$TMP/off.frames" 2>&1
last=$(awk '/^latscope top - /{n++} n==2' "$TMP/off.frames")
like "$last" '^block +off \(turned off: block\.enabled=0\)$' "block.enabled=0: the block row says off" ||
	diag "$(cat "$TMP/off.frames")"
like "$last" '^syscall +[0-9]+ +[0-9]+ ' "  the syscall row as before"

kill "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
AGENT_PID=
out=$("$LATSCOPE" top -b -n 1 --agent "$TMP/ctl.sock" 2>&1)
is "$?" 1 "the agent gone: exit 1"
is "$(printf '%s\n' "$out" | wc -l)" 1 "the agent gone: one line"
done_testing
