# tests/kernel/track_lib.sh: what the `latscope track` kernel tests share. Source it after
# ../lib.sh and the skip checks. It gives TMP (removed at exit, with every path added to
# CLEANUP_PATHS; every pid in CLEANUP_PIDS and the running tracker are killed), start_track and
# stop_track, spawn_held and go (a helper held on a FIFO so that a tracker can be started on its
# pid first: filtering by pid keeps concurrent runs apart) and pyq (questions on --json output);
# ../lib.sh gives wait_until and wait_lines (poll with a deadline). A failing check prints,
# as TAP comments, the last tracker's command line, exit status, stderr and output (once a run).
TMP=$(mktemp -d)
TRACK_PID=
TRACK_NAME=
TRACK_RC=
CLEANUP_PIDS=()
CLEANUP_PATHS=()
# deadlines, in seconds: generous, since they only bound a wait that normally ends in moments
TRACK_START_TIMEOUT=${TRACK_START_TIMEOUT:-120} # BTF and verifier on a loaded machine
_track_cleanup() {
	[ -n "$TRACK_PID" ] && kill "$TRACK_PID" 2>/dev/null
	for p in "${CLEANUP_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	exec 7>&- 2>/dev/null
	rm -rf "$TMP" "${CLEANUP_PATHS[@]}"
}
trap _track_cleanup EXIT

# Every failing check (ok, hence is/like/unlike) explains the tracker run it is about.
eval "_tap_ok() $(declare -f ok | tail -n +2)"
_TRACK_EXPLAINED=
ok() {
	_tap_ok "$@"
	[ "$1" -eq 0 ] || track_explain
}

# track_explain: the last tracker run (command, exit status, stderr, output), once per run.
track_explain() {
	local name=$TRACK_NAME
	[ -n "$name" ] && [ "$_TRACK_EXPLAINED" != "$name" ] || return 0
	_TRACK_EXPLAINED=$name
	diag "tracker run '$name': latscope track ${TRACK_ARGS[*]}"
	diag "  exit status: ${TRACK_RC:-(still running)}; uptime:$(uptime | sed 's/.*load/ load/')"
	diag "  stderr:"
	sed -n '1,20s/^/    /p' "$TMP/$name.err" 2>/dev/null | sed 's/^/# /'
	if [ -s "$TMP/$name.out" ]; then
		diag "  stdout: $(wc -l <"$TMP/$name.out") lines, $(grep -c '"type":"alert"' "$TMP/$name.out") alerts; first and last lines:"
		{ head -5 "$TMP/$name.out"; echo ...; tail -3 "$TMP/$name.out"; } | cut -c1-400 | sed 's/^/#     /'
	else
		diag "  stdout: empty"
	fi
}

# wait_until and wait_lines (a poll with a deadline) are tests/lib.sh's.

# start_track NAME ARGS...: latscope track ARGS in the background (output in $TMP/NAME.out and
# .err); returns once its probes are attached. When it does not start within
# TRACK_START_TIMEOUT s, that is a failed test with the tracker's stderr, and the file ends there.
_track_started() {
	grep -qs '^Tracking' "$TMP/$TRACK_NAME.err" && return 0
	kill -0 "$TRACK_PID" 2>/dev/null || return 0 # exited: no use waiting
	return 1
}
start_track() {
	local name=$1
	shift
	TRACK_NAME=$name
	TRACK_ARGS=("$@")
	TRACK_RC=
	: >"$TMP/$name.err" # made before the tracker runs: no grep on a file not there yet
	"$LATSCOPE" track "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	TRACK_PID=$!
	wait_until "$TRACK_START_TIMEOUT" _track_started
	grep -qs '^Tracking' "$TMP/$name.err" && return 0
	if ! kill -0 "$TRACK_PID" 2>/dev/null; then
		wait "$TRACK_PID"
		TRACK_RC=$?
	fi
	ok 1 "latscope track $* started (within ${TRACK_START_TIMEOUT} s)"
	done_testing
	exit 1
}

# stop_track: Ctrl-C to the tracker; returns its exit status.
stop_track() {
	kill -INT "$TRACK_PID"
	wait "$TRACK_PID"
	TRACK_RC=$?
	TRACK_PID=
	return $TRACK_RC
}

# spawn_held PROG ARGS...: PROG -w ARGS in the background (pid in SPID; its stdout is the
# caller's), blocked on a FIFO until `go`. SPAWN_WITH=(chrt -f 1) runs it through a command that
# execs it (same pid): a SCHED_FIFO workload keeps its timing on a loaded machine.
SPAWN_WITH=()
spawn_held() {
	local prog=$1
	shift
	GO=$TMP/go.$RANDOM
	mkfifo "$GO"
	"${SPAWN_WITH[@]}" "$prog" -w "$@" <"$GO" &
	SPID=$!
	CLEANUP_PIDS+=("$SPID") # a test ending early must not leave it holding our stdout
}
go() { echo go >"$GO"; }

# pyq FILE EXPR...: evaluates each Python EXPR over the JSON lines of FILE and puts one result a
# line into the array R (one python run per output file: it is slow here). Names: lines, A (the
# alerts), S (the summaries), ARGS (the arguments after FILE), and whatever the test's PYQ_DEFS
# (Python statements) define; PYQ_DEFS may take arguments with ARGS.pop(0) before the EXPRs.
pyq() {
	mapfile -t R < <(PYQ_DEFS=${PYQ_DEFS:-} python3 -S -c '
import json, os, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
A = [l for l in lines if l.get("type") == "alert"]
S = [l for l in lines if l.get("type") == "summary"]
ARGS = sys.argv[2:]
exec(os.environ["PYQ_DEFS"])
for expr in ARGS:
    try:
        print(str(eval(expr)).replace("\n", " "))
    except Exception as e:
        print("error: %r" % e)' "$@")
}
