#!/usr/bin/env bash
# conformance.t: latscope analyze gives the same results as lttng-analyses (the peer).
# For every case of tests/data/conformance.list whose analysis is listed in
# tests/data/conformance.enabled:
#   latscope analyze NAME OPTIONS --gmt --skip-validation TRACE        == expected/TRACE/ID.txt (bytes)
#   latscope analyze NAME --lami OPTIONS --gmt --skip-validation TRACE == expected/TRACE/ID.json
#                                                                         (tests/traces/lami_compare.py)
# the peer's outputs are first corrected where the peer is known to be wrong (lami_compare.py
# --fix-text / --peer-fixes; docs/conformance.md); where the peer failed (expected/TRACE/ID.rc),
# latscope must fail too (exit 1..127); cases
# marked peer-bug in the manifest are skipped with their reason; plus, per enabled analysis,
# `latscope analyze NAME --lami --metadata` against expected/metadata/NAME.json, and one case run
# live against the peer on a synthetic trace made now. Expected files come from
# scripts/gen-expected.sh; synthetic traces are generated into a temporary folder.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
DATA=$LATSCOPE_SRC/tests/data
EXPECTED=$DATA/expected
COMPARE=$LATSCOPE_SRC/tests/traces/lami_compare.py
MAKE_TRACE=$LATSCOPE_SRC/tests/traces/make_trace.py
export PYTHONHASHSEED=0 LC_ALL=C.UTF-8 TZ=UTC

TMP=$(mktemp -d /tmp/latscope-conformance.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

skip() { # skip REASON: one skipped test
	_tap_count=$((_tap_count + 1))
	echo "ok $_tap_count # SKIP $*"
}

show_head() { # show_head FILE N: the first N lines of FILE as TAP diagnostics
	head -n "$2" "$1" | sed 's/^/#   /'
}

# --- lami_compare.py itself ---------------------------------------------------------------------
ref=$EXPECTED/cputop/cputop_--no-intersection.json
"$PY" "$COMPARE" "$ref" "$ref" >"$TMP/cmp.out" 2>&1
ok $? "lami_compare: a document equals itself"
sed 's/"value": 0.25}/"value": 0.2500001}/' "$ref" >"$TMP/changed.json"
"$PY" "$COMPARE" "$ref" "$TMP/changed.json" >"$TMP/cmp.out" 2>&1
rc=$?
is "$rc $(grep -c 'results\[0\] (per-process).data\[1\]\[3\].value: expected 0.25, got 0.2500001' \
	"$TMP/cmp.out")" "1 1" "lami_compare: a ratio off by 4e-7 relative is a difference, with its path"
sed 's/"value": 0.25}/"value": 0.25000000000001}/' "$ref" >"$TMP/close.json"
"$PY" "$COMPARE" "$ref" "$TMP/close.json" >"$TMP/cmp.out" 2>&1
ok $? "lami_compare: a ratio within 1e-9 relative is equal"
echo 'Timerange: [' | "$PY" "$COMPARE" "$ref" - >"$TMP/cmp.out" 2>&1
is "$?" 2 "lami_compare: a document that is not JSON exits 2"

# --- the stored reference is what the peer prints now ---------------------------------------------
# Regenerates one synthetic trace and runs the peer live on it: checks make_trace.py, the peer
# and the stored expected files agree (the live comparison with latscope comes at the end).
have_peer=0
if [ -x /usr/bin/lttng-cputop ] && "$PY" -c 'import babeltrace' 2>/dev/null; then
	have_peer=1
	"$PY" "$MAKE_TRACE" "$TMP/live" cputop irq
	(cd "$TMP" && "$PY" /usr/bin/lttng-cputop --no-color --no-progress --skip-validation --gmt \
		--no-intersection "$TMP/live/cputop" >"$TMP/peer.txt" 2>&1)
	diff -u "$EXPECTED/cputop/cputop_--no-intersection.txt" "$TMP/peer.txt" >"$TMP/diff" 2>&1
	ok $? "peer live: lttng-cputop on a fresh synthetic trace prints the stored reference"
	[ -s "$TMP/diff" ] && show_head "$TMP/diff" 20
	(cd "$TMP" && "$PY" /usr/bin/lttng-irqstats-mi --skip-validation --gmt --no-intersection \
		"$TMP/live/irq" >"$TMP/peer.json" 2>/dev/null)
	"$PY" "$COMPARE" "$EXPECTED/irq/irqstats_--no-intersection.json" "$TMP/peer.json" >"$TMP/cmp.out"
	ok $? "peer live: lttng-irqstats-mi on a fresh synthetic trace equals the stored reference"
	[ -s "$TMP/cmp.out" ] && show_head "$TMP/cmp.out" 12
else
	skip "lttng-analyses or python3-babeltrace not installed (scripts/deps.sh)"
fi

# --- the enabled cases ------------------------------------------------------------------------------
enabled=()
if [ -r "$DATA/conformance.enabled" ]; then
	while read -r name _; do
		case "$name" in '' | '#'*) continue ;; esac
		enabled+=("$name")
	done <"$DATA/conformance.enabled"
fi
if [ ${#enabled[@]} -eq 0 ]; then
	skip "no analysis enabled yet in tests/data/conformance.enabled: nothing of latscope to compare"
	done_testing
	exit
fi
diag "enabled analyses: ${enabled[*]}"

if ! "$LATSCOPE" analyze --help >/dev/null 2>&1; then
	ok 1 "latscope analyze exists (analyses are enabled: ${enabled[*]})"
	done_testing
	exit
fi

is_enabled() {
	local n
	for n in "${enabled[@]}"; do [ "$n" = "$1" ] && return 0; done
	return 1
}

# trace_path NAME: a real trace's session folder, or a synthetic scenario generated on first use
synth_ok=1
trace_path() {
	local name=$1 d
	d=$(find "$SHARED_TRACES" -type d -name "$name" 2>/dev/null | head -1)
	if [ -n "$d" ] && [ -d "$d/kernel" ]; then
		echo "$d"
		return 0
	fi
	if [ ! -d "$TMP/synth" ] && [ "$synth_ok" = 1 ]; then
		"$PY" "$MAKE_TRACE" "$TMP/synth" >"$TMP/synth.log" 2>&1 || synth_ok=0
	fi
	[ -d "$TMP/synth/$name" ] && echo "$TMP/synth/$name" && return 0
	return 1
}

# expected_rc TRACE ID KIND: the peer's exit code for the text or lami run (0 without a .rc file)
expected_rc() {
	local f=$EXPECTED/$1/$2.rc
	if [ -r "$f" ]; then awk -v k="$3" '$1 == k {print $2}' "$f"; else echo 0; fi
}

run_latscope() { # run_latscope OUT ERR ARGS...: latscope analyze with a 60 s bound; prints rc
	local out=$1 err=$2 rc
	shift 2
	timeout 60 "$LATSCOPE" analyze "$@" >"$out" 2>"$err"
	rc=$?
	echo "$rc"
}

while IFS='|' read -r trace analysis id opts comment; do
	is_enabled "$analysis" || continue
	what="$analysis${opts:+ $opts} on $trace"
	if [[ "$comment" == *peer-bug* ]]; then
		skip "$what:${comment}"
		skip "$what (LAMI):${comment}"
		continue
	fi
	if ! path=$(trace_path "$trace"); then
		skip "$what: trace $trace not available"
		skip "$what (LAMI): trace $trace not available"
		continue
	fi
	exp=$EXPECTED/$trace/$id
	if [ ! -r "$exp.txt" ] && [ ! -r "$exp.txt.gz" ]; then
		ok 1 "$what: expected output $exp.txt exists (run scripts/gen-expected.sh)"
		continue
	fi
	# text
	# shellcheck disable=SC2086 # options are split on blanks by design (see conformance.list)
	rc=$(run_latscope "$TMP/out.txt" "$TMP/err.txt" "$analysis" $opts --gmt --skip-validation "$path")
	erc=$(expected_rc "$trace" "$id" text)
	if [ "$erc" != 0 ]; then
		[ "$rc" -ne 0 ] && [ "$rc" -lt 128 ]
		ok $? "$what: fails like the peer (peer exit $erc)"
		[ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] || diag "latscope exited $rc: $(head -3 "$TMP/err.txt")"
	else
		# the peer's text, corrected where the peer is known to be wrong (docs/conformance.md)
		if [ "$analysis" = syscallstats ]; then
			"$PY" "$COMPARE" --fix-text "$analysis" "$exp.txt" "$exp.json" >"$TMP/exp.txt"
		elif [ -r "$exp.txt" ]; then
			cp "$exp.txt" "$TMP/exp.txt"
		else
			gzip -dc "$exp.txt.gz" >"$TMP/exp.txt"
		fi
		diff -u "$TMP/exp.txt" "$TMP/out.txt" >"$TMP/diff" 2>&1
		drc=$?
		[ "$rc" = 0 ] && [ "$drc" = 0 ]
		ok $? "$what: text identical to lttng-$analysis"
		if [ "$rc" != 0 ]; then
			diag "latscope exited $rc: $(head -3 "$TMP/err.txt")"
		elif [ "$drc" != 0 ]; then
			show_head "$TMP/diff" 25
		fi
	fi
	# LAMI
	# shellcheck disable=SC2086
	rc=$(run_latscope "$TMP/out.json" "$TMP/err.json" "$analysis" --lami $opts --gmt \
		--skip-validation "$path")
	erc=$(expected_rc "$trace" "$id" lami)
	if [ "$erc" != 0 ]; then
		[ "$rc" -ne 0 ] && [ "$rc" -lt 128 ]
		ok $? "$what (LAMI): fails like the peer"
		[ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] || diag "latscope exited $rc"
	else
		"$PY" "$COMPARE" --peer-fixes "$analysis" "$exp.json" "$TMP/out.json" >"$TMP/cmp.out" 2>&1
		crc=$?
		[ "$rc" = 0 ] && [ "$crc" = 0 ]
		ok $? "$what (LAMI): equal to lttng-$analysis-mi"
		if [ "$rc" != 0 ]; then
			diag "latscope exited $rc: $(head -3 "$TMP/err.json")"
		elif [ "$crc" != 0 ]; then
			show_head "$TMP/cmp.out" 14
		fi
	fi
done < <("$LATSCOPE_SRC/scripts/gen-expected.sh" --cases)

# --- traces as others write them, and the options of the peer every analysis has ---------------
# (docs/conformance.md: kernel-ness, cpu_id lookup, several traces, -V, --debug, periods, -r)
if path=$(trace_path cputop_nodomain) && ctfw=$(trace_path ctfw_cputop); then
	timeout 60 "$LATSCOPE" analyze cputop --no-intersection --gmt --skip-validation "$path" \
		>"$TMP/nd.out" 2>"$TMP/nd.err"
	rc=$?
	grep -q '^latscope: note: .*/trace: no env.domain in its metadata: read as a kernel trace (it declares kernel events, e.g. sched_switch)$' "$TMP/nd.err"
	ok $? "no env.domain, folder not named kernel: analysed (exit $rc), with a note saying what was guessed"
	[ "$rc" = 0 ] || diag "stderr: $(head -3 "$TMP/nd.err")"
	timeout 60 "$LATSCOPE" analyze cputop --no-intersection --gmt --skip-validation "$ctfw" \
		>"$TMP/cw.out" 2>"$TMP/cw.err"
	is "$?:$(wc -c <"$TMP/cw.err")" "0:0" "no env.domain in a kernel/ folder (the peer's own tests' layout): analysed, nothing on stderr"
	grep -q ' 66.00 % CPU 1$' "$TMP/cw.out" && grep -q '100.00 % CPU 5$' "$TMP/cw.out"
	ok $? "cpu_id as an event field: CPUs 1 and 5 from the events (66.00 %, 100.00 %)"
	if ust=$("$PY" "$MAKE_TRACE" "$TMP/other" ust_only >/dev/null 2>&1 && echo "$TMP/other/ust_only"); then
		timeout 60 "$LATSCOPE" analyze cputop --gmt "$ust" >/dev/null 2>"$TMP/ust.err"
		rc=$?
		[ "$rc" = 1 ] && grep -q 'no kernel trace there' "$TMP/ust.err"
		ok $? "env.domain \"ust\": still refused (exit $rc: $(head -1 "$TMP/ust.err"))"
	fi
	# several traces of different UUIDs in one folder: listed, one asked for
	mkdir -p "$TMP/several"
	cp -r "$path" "$TMP/several/a" && cp -r "$ctfw" "$TMP/several/b"
	timeout 60 "$LATSCOPE" analyze cputop --gmt "$TMP/several" >/dev/null 2>"$TMP/sev.err"
	rc=$?
	[ "$rc" = 1 ] && grep -q "^latscope: $TMP/several: 2 traces there, with different UUIDs (one trace at a time: pass one of them): $TMP/several/a/trace, $TMP/several/b/kernel$" "$TMP/sev.err"
	ok $? "a folder of 2 traces with different UUIDs: both listed, exit 1 (got $rc)"
	[ "$rc" = 1 ] || diag "stderr: $(head -2 "$TMP/sev.err")"
	# -V, --debug, --progress-use-size
	out=$("$LATSCOPE" analyze irqstats -V 2>&1)
	is "$?:$out" "0:latscope $("$LATSCOPE" --version | awk '{print $2}') (lttng-analyses 0.6.1's analyses)" "-V prints the version, exit 0"
	"$LATSCOPE" analyze cputop --debug --no-intersection --skip-validation "$ctfw" >/dev/null 2>"$TMP/dbg.err"
	grep -q "^latscope: debug: $ctfw: streams cover \[1000000000, 11000000000\] ns, intersection \[1000000000, 11000000000\] ns, kernel tracer 2.8.0, " "$TMP/dbg.err"
	ok $? "--debug says the range, intersection and tracer version on stderr"
	"$LATSCOPE" analyze cputop --lami --output-progress --progress-use-size --no-intersection \
		--skip-validation "$ctfw" >"$TMP/pus.out" 2>&1
	size=$(find "$ctfw/kernel" -maxdepth 1 -type f -printf '%s\n' | awk '{s += $1} END {print s}')
	grep -q "^0 Starting analysis: $(awk -v s="$size" 'BEGIN {printf "%.0f", s / 30}') estimated events$" "$TMP/pus.out"
	rc=$?
	ok $rc "--progress-use-size: LAMI progress from the streams' size (30 B an event, as the peer)"
	[ $rc = 0 ] || show_head "$TMP/pus.out" 3
	# the period options' usage errors
	"$LATSCOPE" analyze cputop --period-begin sched_switch -r 1 "$ctfw" >/dev/null 2>"$TMP/pe.err"
	is "$?" 2 "--period* with -r: a usage error, as the peer's ($(grep -v '^Warning\|^ *--\|^$\|^Please' "$TMP/pe.err" | head -1))"
	"$LATSCOPE" analyze cputop --period-begin sched_switch --period 'x:$evt.$name=="a"' "$ctfw" \
		>/dev/null 2>"$TMP/pe.err"
	is "$?" 2 "old-style and --period periods together: a usage error"
	"$LATSCOPE" analyze cputop --period 'x:$evt.$name==' "$ctfw" >/dev/null 2>"$TMP/pe.err"
	[ $? = 2 ] && grep -q "^latscope: --period: column 15: " "$TMP/pe.err"
	ok $? "a malformed --period: one line with the column, exit 2, before the trace is read"
	"$LATSCOPE" analyze cputop --period 'x:$evt.$name=="nothing"' --no-intersection "$ctfw" \
		>"$TMP/pn.out" 2>&1
	is "$?:$(grep -c Timerange "$TMP/pn.out")" "0:0" "--period that never begins: no result, exit 0 (as the peer)"
	"$LATSCOPE" analyze cputop --lami --period 'x:$evt.$name=="nothing"' --no-intersection \
		"$ctfw" >"$TMP/pn.json" 2>&1
	is "$(cat "$TMP/pn.json")" '{"results": []}' "--period that never begins, LAMI: no table"
else
	skip "synthetic traces not available (make_trace.py failed: $(head -2 "$TMP/synth.log"))"
fi

# the peer's own cputop test, live: the peer on a fresh ctfw_cputop prints the stored reference
if [ "$have_peer" = 1 ]; then
	"$PY" "$MAKE_TRACE" "$TMP/live2" ctfw_cputop
	(cd "$TMP" && "$PY" /usr/bin/lttng-cputop --no-color --no-progress --skip-validation --gmt \
		--no-intersection "$TMP/live2/ctfw_cputop" >"$TMP/peer2.txt" 2>&1)
	diff -u "$EXPECTED/ctfw_cputop/cputop_--no-intersection.txt" "$TMP/peer2.txt" >"$TMP/diff" 2>&1
	ok $? "peer live: lttng-cputop on a fresh ctfw_cputop (the peer's own test trace) prints the stored reference"
	[ -s "$TMP/diff" ] && show_head "$TMP/diff" 20
fi

# --- LAMI metadata -----------------------------------------------------------------------------------
for analysis in "${enabled[@]}"; do
	rc=$(run_latscope "$TMP/meta.json" "$TMP/meta.err" "$analysis" --lami --metadata)
	"$PY" "$COMPARE" --metadata "$EXPECTED/metadata/$analysis.json" "$TMP/meta.json" \
		>"$TMP/cmp.out" 2>&1
	crc=$?
	[ "$rc" = 0 ] && [ "$crc" = 0 ]
	ok $? "$analysis --lami --metadata: same table classes as lttng-$analysis-mi --metadata"
	[ "$crc" != 0 ] && show_head "$TMP/cmp.out" 12
done

# --- one case live against the peer --------------------------------------------------------------------
# The first enabled analysis on the multi_cpu scenario, made now: latscope and the peer run
# side by side (text byte-identical, LAMI equal), no stored file involved.
if [ "$have_peer" = 1 ]; then
	a=${enabled[0]}
	"$PY" "$MAKE_TRACE" "$TMP/live" multi_cpu
	t=$TMP/live/multi_cpu
	(cd "$TMP" && "$PY" "/usr/bin/lttng-$a" --no-color --no-progress --skip-validation --gmt \
		--no-intersection "$t" >"$TMP/live.raw.txt" 2>/dev/null)
	(cd "$TMP" && "$PY" "/usr/bin/lttng-$a-mi" --skip-validation --gmt --no-intersection "$t" \
		>"$TMP/live.json" 2>/dev/null)
	"$PY" "$COMPARE" --fix-text "$a" "$TMP/live.raw.txt" "$TMP/live.json" >"$TMP/live.txt"
	rc=$(run_latscope "$TMP/ours.txt" "$TMP/ours.err" "$a" --no-intersection --gmt --skip-validation "$t")
	diff -u "$TMP/live.txt" "$TMP/ours.txt" >"$TMP/diff" 2>&1
	ok $? "live: latscope analyze $a prints what lttng-$a prints now on a fresh trace"
	[ -s "$TMP/diff" ] && show_head "$TMP/diff" 25
	rc=$(run_latscope "$TMP/ours.json" "$TMP/ours.err" "$a" --lami --no-intersection --gmt \
		--skip-validation "$t")
	"$PY" "$COMPARE" --peer-fixes "$a" "$TMP/live.json" "$TMP/ours.json" >"$TMP/cmp.out" 2>&1
	ok $? "live: latscope analyze $a --lami equals lttng-$a-mi now on a fresh trace"
	[ -s "$TMP/cmp.out" ] && show_head "$TMP/cmp.out" 12
else
	skip "live comparison: lttng-analyses not installed"
fi

done_testing
