#!/usr/bin/env bash
# bench/json.sh: `make bench-json`: the JSON library latscope uses (json-c, lib/util/json.c) against
# the other one Debian has (jansson), on latscope's two JSON paths (bench/json/json_lib.c, one
# binary per library): LAMI results of a big analysis written (streamed, each string encoded by
# the library: what lami.c does; and as one tree dumped at once), and `latscope report` reading a
# track --json log line by line. Best of ROUNDS.
#
#   make bench-json             (ROWS=200000 LINES=200000 ROUNDS=3)
set -u
BUILD=${LATSCOPE_BUILD:-build}
ROWS=${ROWS:-200000}
LINES=${LINES:-200000}
ROUNDS=${ROUNDS:-3}

for lib in jsonc jansson; do
	[ -x "$BUILD/bench/json_$lib" ] || {
		echo "bench-json: $BUILD/bench/json_$lib missing (make bench-json; scripts/deps.sh)" >&2
		exit 1
	}
done
echo "bench-json: LAMI $ROWS rows of 4 cells, a track log of $LINES alert lines; best of" \
	"$ROUNDS; $(nproc) CPUs, load average $(cut -d' ' -f1 /proc/loadavg)"
c=$("$BUILD/bench/json_jsonc" "$ROWS" "$LINES" "$ROUNDS") || exit 1
j=$("$BUILD/bench/json_jansson" "$ROWS" "$LINES" "$ROUNDS") || exit 1
echo "  $c"
echo "  $j"
val() { echo "$1" | sed -n "s/.* $2=\([0-9.]*\).*/\1/p"; }
[ "$(val "$c" check)" = "$(val "$j" check)" ] || {
	echo "bench-json: the two libraries read different values" >&2
	exit 1
}
awk -v rows="$ROWS" -v lines="$LINES" -v cs="$(val "$c" lami_stream)" -v js="$(val "$j" lami_stream)" \
	-v ct="$(val "$c" lami_tree)" -v jt="$(val "$j" lami_tree)" \
	-v cr="$(val "$c" report_read)" -v jr="$(val "$j" report_read)" 'BEGIN {
	printf "\n%-32s %12s %12s\n", "path (ns per row or line)", "json-c", "jansson"
	printf "%-32s %12.0f %12.0f\n", "LAMI written, streamed", cs * 1e9 / rows, js * 1e9 / rows
	printf "%-32s %12.0f %12.0f\n", "LAMI written as one tree", ct * 1e9 / rows, jt * 1e9 / rows
	printf "%-32s %12.0f %12.0f\n\n", "report: track log read", cr * 1e9 / lines, jr * 1e9 / lines
	printf "BENCH json_lami_write_ns_per_row ours=%.0f ns peer=%.0f ns peer_name=jansson ratio=%.2f\n", cs * 1e9 / rows, js * 1e9 / rows, js / cs
	printf "BENCH json_lami_tree_ns_per_row ours=%.0f ns peer=%.0f ns peer_name=jansson ratio=%.2f\n", ct * 1e9 / rows, jt * 1e9 / rows, jt / ct
	printf "BENCH json_report_read_ns_per_line ours=%.0f ns peer=%.0f ns peer_name=jansson ratio=%.2f\n", cr * 1e9 / lines, jr * 1e9 / lines, jr / cr
}'
