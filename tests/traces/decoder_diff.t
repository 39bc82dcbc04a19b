#!/usr/bin/env bash
# decoder_diff.t: the differential test of the CTF source: for every real trace of ../shared/traces
# and every synthetic trace make_trace.py and make_period_trace.py write, libbabeltrace2 and the
# LTTng decoder (lib/sources/lttng_decode.c) give the same typed events field by field, the same
# fields by name, counts and ranges (build/tests/unit/ctf_decoders.t does the comparing); then the
# analyses print the same bytes with either decoder, and a damaged trace gives one clear error.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
DIFF=$LATSCOPE_BUILD/tests/unit/ctf_decoders.t
export LC_ALL=C.UTF-8 TZ=UTC PYTHONHASHSEED=0

[ -x "$DIFF" ] || skip_all "$DIFF not built (make build/tests/unit/ctf_decoders.t)"
"$PY" -c 'import babeltrace' 2>/dev/null || skip_all "python3-babeltrace not installed (scripts/deps.sh)"

TMP=$(mktemp -d /tmp/latscope-decoder-diff.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

"$PY" "$LATSCOPE_SRC/tests/traces/make_trace.py" "$TMP/syn" >"$TMP/make.out" 2>&1
ok $? "make_trace.py wrote the synthetic traces"
"$PY" "$LATSCOPE_SRC/tests/traces/make_period_trace.py" "$TMP/per" >/dev/null 2>&1
ok $? "make_period_trace.py wrote the period traces"

traces=()
for t in basic-kernel-analysis bug446190 scp-sync/scp_src scp-sync/scp_dest; do
	[ -d "$SHARED_TRACES/$t" ] && traces+=("$SHARED_TRACES/$t")
done
# a trace of latscope's own CTF writer (lib/outputs/ctf_writer.c, what `latscope record` writes)
if [ -x "$LATSCOPE_BUILD/bench/ctf_write" ] &&
	"$LATSCOPE_BUILD/bench/ctf_write" -n 20000 -r 1 -o "$TMP/cw" >/dev/null 2>&1; then
	traces+=("$TMP/cw/ours")
fi
for t in "$TMP"/syn/* "$TMP"/per/*; do
	[ -d "$t" ] && traces+=("$t")
done

# ctf_decoders.t takes up to 8 traces per run: its TAP lines become ours
i=0
while [ $i -lt ${#traces[@]} ]; do
	batch=("${traces[@]:$i:8}")
	"$DIFF" "${batch[@]}" >"$TMP/diff.out" 2>&1
	rc=$?
	n=$(grep -c '^ok\|^not ok' "$TMP/diff.out")
	bad=$(grep -c '^not ok' "$TMP/diff.out")
	ok $((rc != 0 || bad != 0 || n == 0)) "both decoders agree on traces $((i + 1))..$((i + ${#batch[@]})) ($n checks)"
	if [ "$rc" != 0 ] || [ "$bad" != 0 ]; then
		grep -A4 '^not ok' "$TMP/diff.out" | head -40 | sed 's/^/# /'
	fi
	grep '^# .*stale' "$TMP/diff.out"
	i=$((i + 8))
done

# the analyses' bytes with either decoder (text and LAMI)
same=0 total=0 first=""
for t in "${traces[@]}"; do
	for a in cputop syscallstats memtop irqstats iolatencystats; do
		for mi in "" --mi --no-intersection; do
			LATSCOPE_CTF_DECODER=babeltrace2 "$LATSCOPE" analyze $a $mi "$t" >"$TMP/bt.out" 2>&1
			r1=$?
			LATSCOPE_CTF_DECODER=lttng "$LATSCOPE" analyze $a $mi "$t" >"$TMP/lt.out" 2>&1
			r2=$?
			[ $r1 != 0 ] && continue # babeltrace2 cannot read it (scp-sync): nothing to compare
			total=$((total + 1))
			if [ $r2 = 0 ] && cmp -s "$TMP/bt.out" "$TMP/lt.out"; then
				same=$((same + 1))
			elif [ -z "$first" ]; then
				first="$a $mi $t"
				diff "$TMP/bt.out" "$TMP/lt.out" | head -10 >"$TMP/first.diff"
			fi
		done
	done
done
is "$same/$total" "$total/$total" "analyses print the same bytes with both decoders"
ok $((total < 100)) "... in $total runs (5 analyses, 3 variants, ${#traces[@]} traces)"
[ -n "$first" ] && diag "first difference: $first" && sed 's/^/# /' "$TMP/first.diff"

# LATSCOPE_CTF_DECODER=auto says once why it fell back; lttng forced on a damaged trace fails cleanly
t=$TMP/syn/cputop
cp -r "$t" "$TMP/bad"
f=$(ls "$TMP"/bad/kernel/channel0_* | head -1)
truncate -s 100 "$f"
LATSCOPE_CTF_DECODER=lttng timeout 20 "$LATSCOPE" analyze cputop --no-intersection "$TMP/bad" >"$TMP/out" 2>"$TMP/err"
rc=$?
is "$rc $(wc -l <"$TMP/err")" "1 1" "lttng on a truncated stream: exit 1, one line"
like "$(cat "$TMP/err")" "^latscope: .*(truncated|past the end|cut short)" "... saying the packet is truncated"
cp -r "$t" "$TMP/fallback"
LATSCOPE_CTF_DECODER=auto "$LATSCOPE" analyze cputop --no-intersection "$TMP/fallback" >"$TMP/out" 2>"$TMP/err"
is "$?" 0 "auto on a trace it reads: exit 0"
is "$(grep -c 'babeltrace2' "$TMP/err")" 0 "... without a note"
# an event class with a floating-point field (never written): babeltrace2 reads it, not us
printf 'event {\n\tname = "fp_test";\n\tid = 65000;\n\tstream_id = 0;\n\tfields := struct { floating_point { exp_dig = 8; mant_dig = 24; align = 32; } _x; };\n};\n' \
	>>"$TMP/fallback/kernel/metadata"
LATSCOPE_CTF_DECODER=babeltrace2 "$LATSCOPE" analyze cputop --no-intersection "$TMP/fallback" >"$TMP/bt.out" 2>&1
ok $? "babeltrace2 reads the trace with a floating-point event class"
LATSCOPE_CTF_DECODER=auto "$LATSCOPE" analyze cputop --no-intersection "$TMP/fallback" >"$TMP/out" 2>"$TMP/err"
rc=$?
n=$(grep -c 'reading the trace with libbabeltrace2' "$TMP/err")
is "$rc $n" "0 1" "auto on a trace it does not handle: read, the fallback said once on stderr"
grep -v '^latscope: note' "$TMP/bt.out" | cmp -s - "$TMP/out"
ok $? "... with libbabeltrace2's results"
[ "$n" = 1 ] || diag "stderr: $(head -3 "$TMP/err")"

done_testing
