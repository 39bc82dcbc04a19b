# tests/kernel/record_lib.sh: what the `latscope record` kernel tests share. Source it after
# ../lib.sh and the skip checks. It gives TMP (removed at exit; the running recorder is killed),
# start_record and start_flight (a recorder in the background, back once its probes run),
# stop_record (SIGINT, then its exit status); ../lib.sh gives wait_until and wait_lines (poll
# with a deadline, never a fixed sleep). A failing check prints, as TAP comments, the last
# recorder's command line, exit status and stderr (once a run).
TMP=$(mktemp -d)
REC_PID=
REC_NAME=
REC_RC=
REC_START_TIMEOUT=${REC_START_TIMEOUT:-120} # BTF and verifier on a loaded machine
_record_cleanup() {
	[ -n "$REC_PID" ] && kill "$REC_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap _record_cleanup EXIT

# Every failing check (ok, hence is/like/unlike) explains the recorder run it is about.
eval "_tap_ok() $(declare -f ok | tail -n +2)"
_REC_EXPLAINED=
ok() {
	_tap_ok "$@"
	[ "$1" -eq 0 ] || record_explain
}
record_explain() {
	local name=$REC_NAME
	[ -n "$name" ] && [ "$_REC_EXPLAINED" != "$name" ] || return 0
	_REC_EXPLAINED=$name
	diag "recorder run '$name': latscope record -o $TMP/$name ${REC_ARGS[*]}"
	diag "  exit status: ${REC_RC:-(still running)}; uptime:$(uptime | sed 's/.*load/ load/')"
	diag "  stderr:"
	sed -n '1,20s/^/    /p' "$TMP/$name.err" 2>/dev/null | sed 's/^/# /'
}

# wait_until and wait_lines (a poll with a deadline) are tests/lib.sh's.

# start_record NAME ARGS...: latscope record -o $TMP/NAME ARGS, its stderr in $TMP/NAME.err.
# When it does not start within REC_START_TIMEOUT s, that is a failed test with its stderr, and
# the file ends there.
_record_started() {
	grep -Eqs '^latscope record: (writing|flight recorder)' "$TMP/$REC_NAME.err" && return 0
	kill -0 "$REC_PID" 2>/dev/null || return 0 # exited: no use waiting
	return 1
}
start_record() {
	local name=$1
	shift
	REC_NAME=$name
	REC_ARGS=("$@")
	REC_RC=
	: >"$TMP/$name.err" # made before the recorder runs: no grep on a file not there yet
	"$LATSCOPE" record -o "$TMP/$name" "$@" 2>"$TMP/$name.err" &
	REC_PID=$!
	wait_until "$REC_START_TIMEOUT" _record_started
	grep -Eqs '^latscope record: (writing|flight recorder)' "$TMP/$name.err" && return 0
	if ! kill -0 "$REC_PID" 2>/dev/null; then
		wait "$REC_PID"
		REC_RC=$?
	fi
	ok 1 "latscope record -o $TMP/$name $* started (within ${REC_START_TIMEOUT} s)"
	done_testing
	exit 1
}

# start_flight NAME ARGS...: the flight recorder, its control socket at $TMP/NAME.sock.
start_flight() {
	local name=$1
	shift
	start_record "$name" --flight --socket "$TMP/$name.sock" "$@"
}

# stop_record: Ctrl-C to the recorder (which drains its rings before it exits); its status.
stop_record() {
	kill -INT "$REC_PID"
	wait "$REC_PID"
	REC_RC=$?
	REC_PID=
	return $REC_RC
}
