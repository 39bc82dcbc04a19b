#!/usr/bin/env bash
# bad_input.t: latscope analyze on inputs that are not (good) LTTng kernel traces, made at run time:
# a missing path, an empty folder, a folder of random files, a UST-only trace, kernel traces with
# a truncated stream file, a corrupted packet header or a corrupted metadata file. Each must end
# with a non-zero exit (no crash: exit < 128; no hang: 20 s bound) and ONE line "latscope: ..." on
# stderr. An option the analysis does not take is a usage error naming the option. A trace with
# lost events is analysed (exit 0) and the loss is reported.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
MAKE_TRACE=$LATSCOPE_SRC/tests/traces/make_trace.py

"$LATSCOPE" analyze --help >/dev/null 2>&1 || skip_all "latscope analyze does not exist yet"
"$PY" -c 'import babeltrace' 2>/dev/null || skip_all "python3-babeltrace missing (scripts/deps.sh)"

TMP=$(mktemp -d /tmp/latscope-bad-input.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

"$PY" "$MAKE_TRACE" "$TMP/gen" multi_cpu ust_only lost_events >"$TMP/gen.log" 2>&1 ||
	skip_all "make_trace.py failed: $(tail -1 "$TMP/gen.log")"

# the inputs
mkdir -p "$TMP/empty" "$TMP/random/kernel"
head -c 65536 /dev/urandom >"$TMP/random/data.bin"
head -c 4096 /dev/urandom >"$TMP/random/kernel/channel0_0"
printf 'not a trace\n' >"$TMP/random/kernel/metadata.txt"

good=$TMP/gen/multi_cpu
copy_of() { # copy_of NAME: a fresh copy of the good trace, printed path
	cp -r "$good" "$TMP/$1"
	echo "$TMP/$1"
}

t=$(copy_of truncated)
f=$t/kernel/channel0_0
truncate -s $(($(stat -c %s "$f") / 2 + 3)) "$f"

t=$(copy_of bad_header)
# CTF packet header: magic (u32, 0xc1fc1fc1), uuid[16], stream_id: break the magic of packet 1
printf '\xde\xad\xbe\xef' | dd of="$t/kernel/channel0_1" bs=1 seek=0 conv=notrunc status=none

t=$(copy_of bad_stream_id)
# an unknown stream class id in the first packet header (offset 20)
printf '\x63\x00\x00\x00' | dd of="$t/kernel/channel0_2" bs=1 seek=20 conv=notrunc status=none

t=$(copy_of bad_metadata)
# garbage in the middle of the TSDL text
m=$t/kernel/metadata
sz=$(stat -c %s "$m")
printf '}}} garbage @@@ { event := ;;; \xff\xfe' | dd of="$m" bs=1 seek=$((sz / 2)) conv=notrunc status=none

t=$(copy_of no_metadata)
rm -f "$t/kernel/metadata"

check_bad() { # check_bad WHAT PATH
	local what=$1 path=$2 rc nlines
	timeout 20 "$LATSCOPE" analyze cputop "$path" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ "$rc" -ne 0 ] && [ "$rc" -lt 124 ]
	ok $? "$what: exits non-zero, no crash, no hang (exit $rc)"
	nlines=$(wc -l <"$TMP/err")
	[ "$nlines" = 1 ] && grep -q '^latscope: ' "$TMP/err"
	ok $? "$what: one line 'latscope: ...' on stderr"
	if [ "$nlines" != 1 ] || ! grep -q '^latscope: ' "$TMP/err"; then
		head -5 "$TMP/err" | sed 's/^/#   stderr: /'
	fi
}

check_bad "a missing path" "$TMP/does-not-exist"
check_bad "an empty folder" "$TMP/empty"
check_bad "a folder of random files" "$TMP/random"
check_bad "a UST-only trace" "$TMP/gen/ust_only"
check_bad "a kernel trace with a truncated stream file" "$TMP/truncated"
check_bad "a kernel trace with a corrupted packet header (magic)" "$TMP/bad_header"
check_bad "a kernel trace with an unknown stream class id" "$TMP/bad_stream_id"
check_bad "a kernel trace with a corrupted metadata file" "$TMP/bad_metadata"
check_bad "a kernel trace without its metadata file" "$TMP/no_metadata"

# an option the analysis does not take: a usage error (exit 2) naming the option, not its value
for args in "--limit 3" "--limit=3" "--minsize 4096"; do
	# shellcheck disable=SC2086 # the option and its value as two words
	timeout 20 "$LATSCOPE" analyze irqstats $args "$good" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	opt=${args%%[ =]*}
	is "$rc $(head -1 "$TMP/err")" "2 latscope: irqstats does not take $opt" \
		"irqstats $args: usage error naming $opt"
done

# lost events: analysed, and the loss (7 + 3 discarded events) reported
timeout 20 "$LATSCOPE" analyze cputop --no-intersection "$TMP/gen/lost_events" >"$TMP/out" 2>"$TMP/err"
rc=$?
is "$rc" 0 "a trace with lost events is still analysed"
like "$(cat "$TMP/out" "$TMP/err")" '([Ll]ost|[Dd]iscarded)' "and the lost events are reported"

done_testing
