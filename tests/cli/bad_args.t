#!/usr/bin/env bash
# bad_args.t: out-of-range numbers, unknown names and unusable values on every command: exit 2,
# one line "latscope: ..." naming the option and the value (issue 14: no silent wrap-around).
. "$(dirname "$0")/../lib.sh"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
P=(--period 'a : $evt.x == 1')

# usage_case REGEX DESCRIPTION -- ARGS...: latscope ARGS exits 2 with one error line matching.
usage_case() {
	local regex=$1 desc=$2 got status
	shift 3
	got=$(cd "$TMP" && "$LATSCOPE" "$@" 2>&1 >/dev/null)
	status=$?
	is "$status" 2 "$desc: exit 2"
	like "$got" "$regex" "$desc: says why"
	is "$(printf '%s\n' "$got" | grep -c '^latscope: ')" 1 "$desc: in one line"
}

# 32-bit wrap-around (was --tid 5, --cpu 0, --limit 1) and negative numbers
usage_case "^latscope: --tid: TIDs out of range \(0\.\.4194304\): 4294967301$" "analyze --tid 2^32+5" \
	-- analyze cputop --tid 4294967301 x
usage_case "^latscope: --cpu: CPU numbers out of range \(0\.\.8191\): 4294967296$" "analyze --cpu 2^32" \
	-- analyze cputop --cpu 4294967296 x
usage_case "^latscope: --limit: out of range \(0\.\.2147483647\): 4294967297$" "analyze --limit 2^32+1" \
	-- analyze cputop --limit 4294967297 x
usage_case "^latscope: --tid: TIDs out of range .*: -1$" "analyze --tid -1" -- analyze cputop --tid -1 x
usage_case "^latscope: --cpu: CPU numbers out of range .*: 1,-1$" "analyze --cpu 1,-1" \
	-- analyze cputop --cpu 1,-1 x
usage_case "^latscope: --cpu: not a list of CPU numbers: 1,,2$" "analyze --cpu 1,,2" \
	-- analyze cputop --cpu 1,,2 x
usage_case "^latscope: --limit: out of range .*: -3$" "analyze --limit -3" -- analyze cputop --limit -3 x
usage_case "^latscope: --freq-resolution: out of range \(1\.\.1000000\): 0$" "analyze --freq-resolution 0" \
	-- analyze iolatencyfreq --freq-resolution 0 x
usage_case "^latscope: --limit: out of range .*: 4294967297$" "periodtop --limit 2^32+1" \
	-- analyze periodtop "${P[@]}" --limit 4294967297 x
# durations of 2^63 ns and more (were 2^63, silently)
usage_case "^latscope: --min: out of range \(0ns\.\.9223372036\.855s\): 9223372036854775808ns$" \
	"analyze --min 2^63 ns" -- analyze iolatencytop --min 9223372036854775808ns x
usage_case "^latscope: --max: out of range .*: 1e30s$" "analyze --max 1e30s" -- analyze iolatencytop --max 1e30s x
usage_case "^latscope: --min-duration: out of range .*: 9999999999999999999$" "periodlog --min-duration" \
	-- analyze periodlog "${P[@]}" --min-duration 9999999999999999999 x
usage_case "^latscope: track: bad --duration: '9223372036854775808ns'" "track --duration 2^63 ns" \
	-- track --duration 9223372036854775808ns syscall
usage_case "^latscope: demo: invalid duration '9223372036854775808ns'$" "demo --duration 2^63 ns" \
	-- demo --duration 9223372036854775808ns
usage_case "^latscope: record: --duration: invalid '18446744073709551616'$" "record --duration 2^64 s" \
	-- record -o "$TMP/r" --duration 18446744073709551616
# unknown names in the period options (were accepted silently)
usage_case '^latscope: --period-captures: unknown period "b" \(the --period names: a\)$' \
	"--period-captures of no period" -- analyze periodlog "${P[@]}" --period-captures 'b : x = $evt.a' x
usage_case '^latscope: --group-by: period "a" has no capture "y"' "--group-by an unknown capture" \
	-- analyze periodstats "${P[@]}" --period-captures 'a : x = $evt.a' --group-by a.y x
usage_case '^latscope: --group-by: unknown period "b"' "--group-by an unknown period" \
	-- analyze periodstats "${P[@]}" --group-by b.x x
usage_case '^latscope: --group-by: "a" is not PERIOD.CAPTURE$' "--group-by without a capture" \
	-- analyze periodstats "${P[@]}" --group-by a x
usage_case '^latscope: --aggregate-by: unknown period "b"' "--aggregate-by an unknown period" \
	-- analyze periodlog "${P[@]}" --select a --aggregate-by b x
usage_case '^latscope: --select: unknown period "zz"' "--select an unknown period" \
	-- analyze periodlog "${P[@]}" --select zz x
# the other commands' numbers
usage_case "^latscope: track: bad --pid: '4294967301' \(1\.\.4194304\)" "track --pid 2^32+5" \
	-- track --pid 4294967301 syscall
usage_case "^latscope: track: bad --tid: '-1'" "track --tid -1" -- track --tid -1 syscall
usage_case "^latscope: track: bad --pid: '0'" "track --pid 0" -- track --pid 0 syscall
usage_case "^latscope: top: bad --limit '4294967297' \(a number, 0\.\.2147483647\)$" "top --limit 2^32+1" \
	-- top --limit 4294967297
usage_case "^latscope: top: bad --iterations '-1' \(a number, 1\.\.2147483647\)$" "top --iterations -1" \
	-- top --iterations -1
usage_case "^latscope: vm: --tid: TIDs out of range .*: 4294967301$" "vm --tid 2^32+5" -- vm --tid 4294967301 x
usage_case "^latscope: critical-path: --tid: not a thread id \(1\.\.4194304\): -5$" "critical-path --tid -5" \
	-- critical-path --tid -5 x
usage_case "^latscope: --max-points: out of range .*: 99999999999999999999$" "report --max-points 10^20" \
	-- report --max-points 99999999999999999999 x
usage_case "^latscope: ctl: bad --pid \(1\.\.4194304\): 4294967301" "ctl --pid 2^32+5" \
	-- ctl --pid 4294967301 status
usage_case "^latscope: record: --trigger 'syscall>5ms,pid=4294967301'" "record --trigger pid=2^32+5" \
	-- record -o "$TMP/r" --flight --trigger 'syscall>5ms,pid=4294967301'

# and the values still accepted at the edges
out=$("$LATSCOPE" analyze cputop --tid 4194304 --cpu 8191 --limit 2147483647 "$TMP/none" 2>&1)
unlike "$out" "out of range|not a number" "the largest TID, CPU and --limit are accepted"

done_testing
