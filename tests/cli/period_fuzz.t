#!/bin/bash
# period_fuzz.t: a short libFuzzer run (about 10 s) on the period expression parser, from the
# corpus in tests/fuzz/corpus/period_expr (`make fuzz-period` runs longer).
. "$(dirname "$0")/../lib.sh"
FUZZ=$LATSCOPE_BUILD/fuzz/period_expr
if [ ! -x "$FUZZ" ]; then
	ok 1 "the fuzzer is built ($FUZZ: make tests)"
	done_testing
	exit
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
out=$("$FUZZ" -max_total_time=10 -timeout=5 -rss_limit_mb=1024 -print_final_stats=1 \
	"$TMP" "$LATSCOPE_SRC/tests/fuzz/corpus/period_expr" 2>&1)
status=$?
ok $status "10 s of fuzzing: no crash, leak, hang or sanitizer report"
[ $status -ne 0 ] && printf '%s\n' "$out" | grep -E 'ERROR|SUMMARY|==|Test unit' | head -20 | sed 's/^/# /'
runs=$(printf '%s\n' "$out" | sed -n 's/^stat::number_of_executed_units: *//p')
like "$runs" '^[0-9]{4,}$' "thousands of inputs ran ($runs)"
done_testing
