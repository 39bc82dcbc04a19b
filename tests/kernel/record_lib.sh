# tests/kernel/record_lib.sh: what the `latscope record` kernel tests share. Source it after
# ../lib.sh and the skip checks. It gives TMP (removed at exit; the running recorder is killed),
# start_record and start_flight (a recorder in the background, back once its probes run) and
# stop_record (SIGINT, then its exit status).
TMP=$(mktemp -d)
REC_PID=
_record_cleanup() {
	[ -n "$REC_PID" ] && kill "$REC_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap _record_cleanup EXIT

# start_record NAME ARGS...: latscope record -o $TMP/NAME ARGS, its stderr in $TMP/NAME.err.
start_record() {
	local name=$1
	shift
	"$LATSCOPE" record -o "$TMP/$name" "$@" 2>"$TMP/$name.err" &
	REC_PID=$!
	for _ in $(seq 200); do
		grep -Eq '^latscope record: (writing|flight recorder)' "$TMP/$name.err" && return 0
		kill -0 "$REC_PID" 2>/dev/null || break
		sleep 0.05
	done
	diag "latscope record did not start: $(cat "$TMP/$name.err")"
	return 1
}

# start_flight NAME ARGS...: the flight recorder, its control socket at $TMP/NAME.sock.
start_flight() {
	local name=$1
	shift
	start_record "$name" --flight --socket "$TMP/$name.sock" "$@"
}

stop_record() {
	kill -INT "$REC_PID"
	wait "$REC_PID"
	local rc=$?
	REC_PID=
	return $rc
}
