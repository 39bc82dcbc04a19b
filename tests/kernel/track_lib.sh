# tests/kernel/track_lib.sh: what the `latscope track` kernel tests share. Source it after
# ../lib.sh and the skip checks. It gives TMP (removed at exit, with every path added to
# CLEANUP_PATHS; every pid in CLEANUP_PIDS and the running tracker are killed), start_track and
# stop_track, spawn_held and go (a helper held on a FIFO so that a tracker can be started on its
# pid first: filtering by pid keeps concurrent runs apart), and pyq (questions on --json output).
TMP=$(mktemp -d)
TRACK_PID=
CLEANUP_PIDS=()
CLEANUP_PATHS=()
_track_cleanup() {
	[ -n "$TRACK_PID" ] && kill "$TRACK_PID" 2>/dev/null
	for p in "${CLEANUP_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	exec 7>&- 2>/dev/null
	rm -rf "$TMP" "${CLEANUP_PATHS[@]}"
}
trap _track_cleanup EXIT

# start_track NAME ARGS...: latscope track ARGS in the background (output in $TMP/NAME.out and
# .err); returns once its probes are attached.
start_track() {
	local name=$1
	shift
	"$LATSCOPE" track "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	TRACK_PID=$!
	for _ in $(seq 200); do
		grep -q '^Tracking' "$TMP/$name.err" && return 0
		kill -0 "$TRACK_PID" 2>/dev/null || break
		sleep 0.05
	done
	diag "latscope track did not start: $(cat "$TMP/$name.err")"
	return 1
}

# stop_track: Ctrl-C to the tracker; returns its exit status.
stop_track() {
	kill -INT "$TRACK_PID"
	wait "$TRACK_PID"
	local rc=$?
	TRACK_PID=
	return $rc
}

# spawn_held PROG ARGS...: PROG -w ARGS in the background (pid in SPID; its stdout is the
# caller's), blocked on a FIFO until `go`.
spawn_held() {
	local prog=$1
	shift
	GO=$TMP/go.$RANDOM
	mkfifo "$GO"
	"$prog" -w "$@" <"$GO" &
	SPID=$!
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
