#!/usr/bin/env bash
# damaged.t: latscope on damaged copies of real traces (tests/traces/damage.py): metadata cut
# inside its last packet, bad metadata magic and sizes, a duplicated field name, huge clock
# offsets, empty streams, a corrupt packet index, a loss of unknown count; then a seeded
# mutation loop. Every run: bounded by `timeout` (no hang), no signal (no crash, no abort),
# the exit and the one line on stderr each case expects. With build/asan/latscope (make
# asan-cli), every case runs again under ASan+UBSan.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
DAMAGE=$LATSCOPE_SRC/tests/traces/damage.py
MAKE_TRACE=$LATSCOPE_SRC/tests/traces/make_trace.py
BUG=$SHARED_TRACES/bug446190             # packetized metadata, packet indexes, 4 streams
BASIC=$SHARED_TRACES/basic-kernel-analysis # for the index: cputop's total is known (9.46 %)
LIMIT=30                                  # seconds a run may take before it counts as a hang

[ -d "$BUG/kernel" ] && [ -d "$BASIC/kernel" ] || skip_all "no shared traces in $SHARED_TRACES"
"$PY" -c 'import babeltrace' 2>/dev/null || skip_all "python3-babeltrace missing (scripts/deps.sh)"

TMP=$(mktemp -d /tmp/latscope-damaged.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
"$PY" "$MAKE_TRACE" "$TMP/gen" multi_cpu sync_pair >"$TMP/gen.log" 2>&1 ||
	skip_all "make_trace.py failed: $(tail -1 "$TMP/gen.log")"
GEN=$TMP/gen/multi_cpu # plain-text metadata
PEER=$TMP/gen/sync_pair/host_a

BINARIES=("$LATSCOPE")
if [ -x "$LATSCOPE_BUILD/asan/latscope" ]; then
	BINARIES+=("$LATSCOPE_BUILD/asan/latscope")
else
	diag "no $LATSCOPE_BUILD/asan/latscope (make asan-cli): the sanitizer runs are skipped"
fi
export ASAN_OPTIONS="detect_leaks=0 abort_on_error=0 exitcode=99" \
	UBSAN_OPTIONS="print_stacktrace=1 halt_on_error=1 exitcode=99"

damaged() { # damaged NAME SOURCE KIND [SEED]: a fresh damaged copy, its path printed
	local name=$1 src=$2 kind=$3 seed=${4:-0}
	rm -rf "${TMP:?}/$name"
	cp -r "$src" "$TMP/$name" && chmod -R u+w "$TMP/$name"
	"$PY" "$DAMAGE" "$kind" "$TMP/$name/kernel" "$seed" >/dev/null || return 1
	echo "$TMP/$name"
}

run() { # run BINARY ARGS...: $rc, $TMP/out, $TMP/err
	timeout -k 5 "$LIMIT" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
}

# The commands that read a trace, TRACE standing for the damaged one.
COMMANDS=("analyze cputop TRACE" "analyze irqstats TRACE" "vm TRACE"
	"critical-path --tid 1 TRACE" "report TRACE -o $TMP/report.html" "sync $PEER TRACE")

expect_error() { # expect_error WHAT TRACE REGEX: every command fails with one line matching
	local what=$1 trace=$2 regex=$3 bin cmd nlines
	for bin in "${BINARIES[@]}"; do
		for cmd in "${COMMANDS[@]}"; do
			# shellcheck disable=SC2086 # the command's words
			run "$bin" ${cmd//TRACE/$trace}
			nlines=$(wc -l <"$TMP/err")
			[ "$rc" = 1 ] && [ "$nlines" = 1 ] && grep -Eq "^latscope: .*$regex" "$TMP/err"
			label=${cmd%% TRACE*}
			ok $? "$what: ${bin##*/build/} ${label//$TMP\//}: exit 1, one line /$regex/"
			if [ "$rc" != 1 ] || [ "$nlines" != 1 ] || ! grep -Eq "^latscope: .*$regex" "$TMP/err"; then
				diag "exit $rc (124: hang; 134: abort; 99: sanitizer), $nlines lines on stderr:"
				head -8 "$TMP/err" | sed 's/^/#   /'
			fi
		done
	done
}

# --- metadata: what libbabeltrace2 hangs (cut) or aborts (duplicated name) on --------------
t=$(damaged cut "$BUG" metadata-cut)
expect_error "metadata cut in its last packet" "$t" "kernel/metadata: metadata packet 86 at byte 352256: cut short"
t=$(damaged magic "$BUG" metadata-magic)
expect_error "bad metadata packet magic" "$t" "kernel/metadata: metadata packet 1 at byte 4096: bad magic 0xdeadbeef"
t=$(damaged sizes "$BUG" metadata-sizes)
expect_error "metadata content larger than its packet" "$t" "kernel/metadata: metadata packet 1 at byte 4096: bad sizes"
t=$(damaged zero "$BUG" metadata-zero-size)
expect_error "metadata packet of size 0" "$t" "kernel/metadata: metadata packet 1 at byte 4096: bad sizes \(content 0 bits, packet 0 bits\)"
t=$(damaged dup "$BUG" dup-field)
expect_error "duplicated field name (packetized)" "$t" 'kernel/metadata: metadata line [0-9]+: a second member named "pid"'
t=$(damaged dup_text "$GEN" dup-field-underscore)
expect_error "_x and x in one structure (text)" "$t" 'kernel/metadata: metadata line [0-9]+: a second member named "dev"'
t=$(damaged cut_text "$GEN" metadata-cut)
expect_error "text metadata cut in half" "$t" "kernel/metadata: metadata line [0-9]+: .* never closed"

# --- clocks: offsets near INT64_MAX (UBSan: signed overflow in the conversion) ------------
t=$(damaged clock "$BUG" clock-offset)
expect_error "clock offset_s near INT64_MAX" "$t" "kernel/metadata: metadata line [0-9]+: clock offset out of range"
t=$(damaged clock_cycles "$GEN" clock-offset-cycles)
expect_error "clock offset (cycles) near INT64_MAX" "$t" "Cannot convert clock cycles to nanoseconds from origin \(.*/kernel/channel0_"

# an event whose timestamp overflows (mutation seed 130 of bug446190: bytes of channel0_2):
# babeltrace2 leaves an error on the thread, and its next call aborted (sync: SIGABRT)
t=$(damaged ts_overflow "$BUG" mutate 130)
expect_error "an event timestamp beyond 2^63 ns" "$t" "(more than 2\^63 ns from the epoch \(stream .*/kernel/channel0_2\)|overflows the signed 64-bit integer range)"

# a stream packet of size 0 (found by the ctf_trace fuzzer: babeltrace2 loops indexing it)
t=$(damaged zero_packet "$GEN" stream-zero-size)
expect_error "a stream packet of size 0" "$t" "/kernel/channel0_0: packet [01] at byte [0-9]+: bad sizes \(content 0 bits, packet 0 bits"

# a stream packet_size above 2^63 (found by the ctf_trace fuzzer: babeltrace2 asserts)
t=$(damaged huge_packet "$GEN" stream-huge-size)
expect_error "a stream packet_size of 2^64 - 10^8 bits" "$t" "/kernel/channel0_0: packet 0 at byte 0: bad sizes \(content [0-9]+ bits, packet 18446744073609551616 bits"

# a stream file cut inside its last packet: babeltrace2 said only "Failed to index"
t=$(damaged cut_stream "$BUG" empty-streams)
rm -rf "$t" && cp -r "$BUG" "$t" && chmod -R u+w "$t" && truncate -s 290000 "$t/kernel/channel0_1"
expect_error "a stream file cut inside a packet" "$t" "/kernel/channel0_1: packet 1 at byte 262144: cut short \(27856 of its 28672 bytes\)"

# --- empty streams: sync used to abort ("Graph has no sink component") ---------------------
t=$(damaged empty "$GEN" empty-streams)
expect_error "every stream empty" "$t" "no data stream \(every stream file is empty\)"

# --- the cause chain: the file babeltrace2's root cause is about --------------------------
t=$(damaged magic_stream "$GEN" empty-streams) # (a copy; the stream magic broken below)
rm -rf "$t" && cp -r "$GEN" "$t"
printf '\xde\xad\xbe\xef' | dd of="$t/kernel/channel0_1" bs=1 seek=0 conv=notrunc status=none
expect_error "bad stream packet magic" "$t" "Invalid CTF magic number \(.*/kernel/channel0_1\)"

# the muxer's errors name no stream: the stream and the event are found and said
t=$(damaged backwards "$GEN" mutate 29)
for bin in "${BINARIES[@]}"; do
	run "$bin" analyze cputop "$t"
	like "$rc $(cat "$TMP/err")" "^1 latscope: .*: Youngest upstream message iterator .* \(.*/kernel/channel0_2: its event 40 goes back in time \([0-9]+ ns after [0-9]+\)\)$" \
		"${bin##*/build/} timestamps going back (mutation 29): the stream and the event named"
done
if [ -d "$SHARED_TRACES/scp-sync/scp_src/kernel" ]; then
	run "$LATSCOPE" analyze cputop "$SHARED_TRACES/scp-sync/scp_src"
	like "$rc $(cat "$TMP/err")" "^1 latscope: .*\(.*/scp_src/kernel/channel0_0: its packet 2 goes back in time" \
		"scp_src (lttng-modules 2.1, packets overlapping): the stream and the packet named"
fi

# --- packet index: checked against the packets, a mismatch said, results unchanged ------
for bin in "${BINARIES[@]}"; do
	run "$bin" analyze cputop "$BASIC"
	good_total=$(grep -o 'Total CPU Usage: .*' "$TMP/out")
	good_range=$(grep -o 'Timerange: .*' "$TMP/out")
	is "$rc $(wc -l <"$TMP/err")" "0 0" "${bin##*/build/}: the good trace: no warning"
	for kind in index-timestamp index-garbage; do
		t=$(damaged "$kind" "$BASIC" "$kind")
		run "$bin" analyze cputop "$t"
		is "$rc $(grep -o 'Total CPU Usage: .*' "$TMP/out")" "0 $good_total" \
			"${bin##*/build/} $kind: cputop's total unchanged ($good_total)"
		is "$(grep -o 'Timerange: .*' "$TMP/out")" "$good_range" \
			"${bin##*/build/} $kind: time range unchanged"
		like "$(cat "$TMP/err")" "^latscope: warning: .*/kernel/index/chan1_0.idx: .*time range taken from the packets" \
			"${bin##*/build/} $kind: the mismatch is said, naming the index file"
	done
done

# --- a loss of unknown count (events_discarded above 0 in a stream's first packet) --------
t=$(damaged first_lost "$GEN" first-discarded)
for bin in "${BINARIES[@]}"; do
	run "$bin" analyze cputop "$t"
	is "$rc" 0 "${bin##*/build/} loss of unknown count: analysed"
	like "$(cat "$TMP/err")" 'Tracer may have discarded events between .* in stream ".*/channel0_0" \(how many is unknown\)' \
		"${bin##*/build/} loss of unknown count: shown, per stream"
	like "$(cat "$TMP/err")" '^latscope: warning: the tracer lost 0 events and 0 packets in .*, and more of unknown count' \
		"${bin##*/build/} loss of unknown count: in the summary"
done
run "$LATSCOPE" analyze periodstats --period 'sw : $evt.$name == "sched_switch"' "$t"
like "$rc $(cat "$TMP/err")" '^0 latscope: warning: the tracer lost 0 events and 0 packets in .*, and more of unknown count' \
	"periodstats: the loss of unknown count in its summary"
ti=$(damaged index_periods "$BASIC" index-timestamp)
run "$LATSCOPE" analyze periodstats --period 'sw : $evt.$name == "sched_switch"' "$ti"
like "$rc $(cat "$TMP/err")" '^0 latscope: warning: .*/kernel/index/chan1_0.idx: ' \
	"periodstats: the corrupt index is said"
for cmd in vm "critical-path --tid 1"; do
	# shellcheck disable=SC2086
	run "$LATSCOPE" $cmd "$t"
	like "$(cat "$TMP/err")" '^latscope: warning: .*: the tracer lost events 1 time without saying how many' \
		"${cmd%% *}: the loss of unknown count said"
done
run "$LATSCOPE" report "$t" -o "$TMP/lost.html"
like "$rc $(grep -o '[0-9]* + unknown' "$TMP/lost.html" | head -1)" '^0 0 \+ unknown$' \
	"report: the loss of unknown count on its card"
run "$LATSCOPE" report "$ti" -o "$TMP/index.html"
like "$rc $(grep -c 'chan1_0.idx: entry 0 says timestamp_begin' "$TMP/index.html")" '^0 [1-9]' \
	"report: the corrupt index said on the page"
babeltrace2 "$t" 2>&1 >/dev/null | grep -q 'may have discarded events'
ok $? "the peer (babeltrace2) warns about the same loss"

# --- mutation loop: seeded random damage, every command exits 0, 1 or 2, no signal, no hang -
# 40 seeds x (bug446190 or the generated trace) x two commands, under 60 s on this machine.
SMALL=$GEN
"$PY" "$MAKE_TRACE" "$TMP/gen2" cputop >/dev/null 2>&1 && SMALL=$TMP/gen2/cputop
bad=0
start=$SECONDS
for seed in $(seq 1 40); do
	src=$SMALL
	[ $((seed % 4)) = 0 ] && src=$BUG
	t=$(damaged "mut" "$src" mutate "$seed") || continue
	for cmd in "analyze cputop --no-intersection" "sync $PEER"; do
		# shellcheck disable=SC2086
		run "$LATSCOPE" $cmd "$t"
		if [ "$rc" -gt 2 ]; then
			bad=$((bad + 1))
			diag "seed $seed (${src##*/}), $cmd: exit $rc (124: hang, 134: abort)"
			head -3 "$TMP/err" | sed 's/^/#   /'
		elif [ "$rc" != 0 ] && [ "$(grep -c '^latscope: ' "$TMP/err")" -lt 1 ]; then
			bad=$((bad + 1))
			diag "seed $seed, $cmd: exit $rc without a 'latscope: ' line"
		fi
	done
done
is "$bad" 0 "mutation loop: 40 damaged traces x 2 commands, every exit 0/1/2, no signal, no hang ($((SECONDS - start)) s)"

done_testing
