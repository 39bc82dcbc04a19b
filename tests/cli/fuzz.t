#!/bin/bash
# fuzz.t: a short libFuzzer run of every fuzzer (tests/fuzz/NAME.c, built by `make tests` into
# build/fuzz/NAME) from its seed corpus tests/fuzz/corpus/NAME: no crash, leak, hang or sanitizer
# report. period_expr runs 10 s (it was tests/cli/period_fuzz.t), the others FUZZ_TEST_TIME s
# (3 by default); `make fuzz` runs them all for ~10 min.
. "$(dirname "$0")/../lib.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

names=()
for src in "$LATSCOPE_SRC"/tests/fuzz/*.c; do
	[ -e "$src" ] && names+=("$(basename "$src" .c)")
done
[ ${#names[@]} -gt 0 ] || skip_all "no tests/fuzz/*.c"

for name in "${names[@]}"; do
	fuzz=$LATSCOPE_BUILD/fuzz/$name
	seeds=$LATSCOPE_SRC/tests/fuzz/corpus/$name
	if [ ! -x "$fuzz" ]; then
		ok 1 "$name: the fuzzer is built ($fuzz: make tests)"
		continue
	fi
	nseeds=$(ls "$seeds" 2>/dev/null | wc -l)
	[ "$nseeds" -gt 0 ]
	ok $? "$name: a seed corpus in tests/fuzz/corpus/$name ($nseeds inputs)"
	secs=${FUZZ_TEST_TIME:-3}
	[ "$name" = period_expr ] && secs=10
	mkdir -p "$TMP/$name"
	# a harness whose __asan_default_options() turns leak detection off (ctf_trace: libbabeltrace2's
	# plugins leak when unloaded) keeps that choice: the exported ASAN_OPTIONS would override it
	leaks=1
	grep -q '"detect_leaks=0"' "$LATSCOPE_SRC/tests/fuzz/$name.c" && leaks=0
	out=$(ASAN_OPTIONS=detect_leaks=$leaks "$fuzz" -max_total_time="$secs" -timeout=5 -rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix="$TMP/$name-" "$TMP/$name" "$seeds" 2>&1)
	status=$?
	ok $status "$name: $secs s of fuzzing: no crash, leak, hang or sanitizer report"
	if [ $status -ne 0 ]; then
		printf '%s\n' "$out" | grep -E 'ERROR|SUMMARY|runtime error|==[0-9]+==|Test unit|artifact' |
			head -20 | sed 's/^/# /'
		for a in "$TMP/$name"-*; do
			[ -e "$a" ] && diag "input ($(basename "$a")): $(head -c 300 "$a" | od -c | head -5)"
		done
	fi
	runs=$(printf '%s\n' "$out" | sed -n 's/^stat::number_of_executed_units: *//p')
	diag "$name: ${runs:-?} inputs in $secs s"
	if [ "$name" = period_expr ]; then
		like "$runs" '^[0-9]{4,}$' "$name: thousands of inputs ran ($runs)"
	else
		[ "${runs:-0}" -ge "$nseeds" ]
		ok $? "$name: every seed ran, then new inputs ($runs)"
	fi
done
done_testing
