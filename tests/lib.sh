# tests/lib.sh: TAP helpers for latscope's shell scenario tests. Source it, then call ok/is/like,
# and done_testing at the end. LATSCOPE is the CLI under test.
LATSCOPE_SRC=${LATSCOPE_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
LATSCOPE_BUILD=${LATSCOPE_BUILD:-$LATSCOPE_SRC/build}
LATSCOPE=${LATSCOPE:-$LATSCOPE_BUILD/latscope}
SHARED_TRACES=${SHARED_TRACES:-$LATSCOPE_SRC/../shared/traces}
_tap_count=0
_tap_failed=0

# ok, is, like and unlike return the check's status (0: passed), so that `CHECK || diag "..."`
# prints what a failure needs; no test runs under `set -e`.
ok() { # ok CONDITION_STATUS DESCRIPTION  (pass 0 for success)
	local status=$1 todo=${_tap_todo:-}
	shift
	_tap_todo=
	_tap_count=$((_tap_count + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $_tap_count - $*${todo:+ # TODO $todo}"
		return 0
	elif [ -n "$todo" ]; then
		echo "not ok $_tap_count - $* # TODO $todo"
	else
		_tap_failed=$((_tap_failed + 1))
		echo "not ok $_tap_count - $*"
		[ -z "${_tap_on_failure:-}" ] || "$_tap_on_failure"
	fi
	return 1
}

# on_failure FUNCTION: each failing check from now on (TODO ones aside) calls FUNCTION after its
# "not ok" line, to print as TAP comments what every failure of the file needs (the tool's
# stderr...); on_failure with no argument stops it.
on_failure() { _tap_on_failure=${1:-}; }

# todo REASON: the next check is a known defect, not yet fixed (TAP's TODO): its result is shown
# with REASON and does not fail the file. Each use names the issue that owns the defect.
todo() { _tap_todo=$1; }

is() { # is GOT EXPECTED DESCRIPTION
	local got=$1 expected=$2
	shift 2
	if [ "$got" = "$expected" ]; then
		ok 0 "$*"
	else
		ok 1 "$*"
		echo "#   got:      '$got'"
		echo "#   expected: '$expected'"
		return 1
	fi
}

like() { # like GOT EXTENDED_REGEX DESCRIPTION
	local got=$1 regex=$2
	shift 2
	if printf '%s\n' "$got" | grep -Eq -- "$regex"; then
		ok 0 "$*"
	else
		ok 1 "$*"
		printf '%s\n' "$got" | head -20 | sed 's/^/#   got: /'
		echo "#   expected to match: $regex"
		return 1
	fi
}

unlike() { # unlike GOT EXTENDED_REGEX DESCRIPTION
	local got=$1 regex=$2
	shift 2
	if printf '%s\n' "$got" | grep -Eq -- "$regex"; then
		ok 1 "$*"
		printf '%s\n' "$got" | grep -E -- "$regex" | head -5 | sed 's/^/#   matched: /'
		return 1
	else
		ok 0 "$*"
	fi
}

skip() { # skip COUNT REASON: COUNT tests skipped
	local i
	for ((i = 0; i < $1; i++)); do
		_tap_count=$((_tap_count + 1))
		echo "ok $_tap_count # SKIP $2"
	done
}

# nobody_can_run: true when uid 65534 can run programs here; false in a chroot whose root
# directory only root may enter (one made in a `mktemp -d` folder, as ../shared/tools/fresh-check
# does), where every program run as nobody fails to load libc.
nobody_can_run() {
	command -v setpriv >/dev/null &&
		setpriv --reuid=65534 --regid=65534 --clear-groups /bin/true 2>/dev/null
}

skip_all() { # skip_all REASON: the whole file is skipped
	echo "1..0 # SKIP $*"
	exit 0
}

diag() { printf '%s\n' "$*" | sed 's/^/# /'; }

# Waiting for the kernel, a daemon or a peer: a poll with a deadline, never a fixed sleep. The
# deadlines are generous (WAIT_TIMEOUT, 60 s by default): they only bound a wait that normally
# ends in moments, and a loaded machine stretches it.
WAIT_TIMEOUT=${WAIT_TIMEOUT:-60}

# wait_until SECONDS CMD...: runs CMD every 50 ms until it succeeds (0) or SECONDS pass (1).
wait_until() {
	local timeout=$1 end
	shift
	end=$(($(date +%s%N) + timeout * 1000000000))
	until "$@"; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# wait_lines FILE REGEX COUNT: until FILE has COUNT lines matching REGEX (grep -E), at most
# WAIT_TIMEOUT s; says what it saw when the deadline passes.
_lines_at_least() { [ "$(grep -Ecs -- "$2" "$1")" -ge "$3" ]; }
wait_lines() {
	wait_until "$WAIT_TIMEOUT" _lines_at_least "$@" && return 0
	diag "waited ${WAIT_TIMEOUT} s for $3 lines matching '$2' in $(basename "$1"): $(grep -Ecs -- "$2" "$1")"
	return 1
}

done_testing() {
	echo "1..$_tap_count"
	[ "$_tap_failed" -eq 0 ]
}

require_root() {
	[ "$(id -u)" = 0 ] || skip_all "needs root"
}
