#!/usr/bin/env bash
# gen-expected.sh: runs the peer, lttng-analyses, on every case of tests/data/conformance.list and
# stores its outputs as the reference latscope's analyses are compared with:
#   tests/data/expected/TRACE/ID.txt    text output (stdout) of lttng-NAME --no-color --no-progress
#                                       --skip-validation --gmt OPTIONS TRACE
#   tests/data/expected/TRACE/ID.err    its stderr, when not empty
#   tests/data/expected/TRACE/ID.json   LAMI output of lttng-NAME-mi --skip-validation --gmt OPTIONS
#                                       (with -r/--refresh, --period*: its per-interval tables, through
#                                       tests/traces/peer_refresh_mi.py)
#   tests/data/expected/TRACE/ID.rc     "text N" / "lami N" exit codes, only when one is not 0
#   tests/data/expected/metadata/NAME.json   lttng-NAME-mi --metadata
# Files over 32 KiB are stored gzipped (ID.txt.gz, ID.json.gz); lami_compare.py reads both forms.
# Synthetic traces are generated first (tests/traces/make_trace.py) into a temporary folder.
#
# usage: scripts/gen-expected.sh            regenerate everything (removes stale files)
#        scripts/gen-expected.sh TRACE...   regenerate the cases of these traces only
#        scripts/gen-expected.sh --ids      print "TRACE ANALYSIS ID OPTIONS" for every case
#        scripts/gen-expected.sh --cases    the same as "TRACE|ANALYSIS|ID|OPTIONS|COMMENT" lines
# Needs python3-lttnganalyses and python3-babeltrace (scripts/deps.sh); run with Debian's python.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
MANIFEST=$SRC/tests/data/conformance.list
EXPECTED=$SRC/tests/data/expected
SHARED_TRACES=${SHARED_TRACES:-$SRC/../shared/traces}
PY=/usr/bin/python3
JOBS=${JOBS:-$(nproc)}
# Reproducible peer output: fixed hash seed (set iteration order), UTF-8 bars, UTC.
export PYTHONHASHSEED=0 LC_ALL=C.UTF-8 TZ=UTC

# case_id ANALYSIS OPTIONS: the file name of a case (see the header of conformance.list)
case_id() {
	local id=$1
	[ -n "$2" ] && id="${id}_$2"
	printf '%s' "$id" | tr ' ' '_' | sed 's/[^A-Za-z0-9_.,=+-]/./g'
}

# manifest_cases: "TRACE|ANALYSIS|ID|OPTIONS|COMMENT" per case
manifest_cases() {
	local line body comment trace analysis opts
	while IFS= read -r line || [ -n "$line" ]; do
		body=${line%%#*}
		comment=""
		[ "$body" != "$line" ] && comment=${line#*#}
		read -r trace analysis opts <<<"$body" || true
		[ -z "${trace:-}" ] && continue
		printf '%s|%s|%s|%s|%s\n' "$trace" "$analysis" "$(case_id "$analysis" "$opts")" \
			"$opts" "$comment"
	done <"$MANIFEST"
}

# trace_path NAME SYNTH_DIR: the session folder of a real trace or of a synthetic scenario
trace_path() {
	local name=$1 synth=$2 d
	if [ -d "$synth/$name" ]; then
		echo "$synth/$name"
		return
	fi
	d=$(find "$SHARED_TRACES" -type d -name "$name" 2>/dev/null | head -1)
	[ -n "$d" ] && [ -d "$d/kernel" ] && echo "$d" && return
	echo "gen-expected: unknown trace '$name'" >&2
	return 1
}

if [ "${1:-}" = "--ids" ]; then
	manifest_cases | awk -F'|' '{print $1, $2, $3, $4}'
	exit 0
fi
if [ "${1:-}" = "--cases" ]; then # for tests/traces/conformance.t
	manifest_cases
	exit 0
fi

[ -x /usr/bin/lttng-cputop ] || {
	echo "gen-expected: lttng-analyses is not installed (scripts/deps.sh)" >&2
	exit 1
}

TMP=$(mktemp -d /tmp/latscope-gen-expected.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
"$PY" "$SRC/tests/traces/make_trace.py" "$TMP/synth"

only=("$@")
if [ ${#only[@]} -eq 0 ]; then
	# stale files: the folders of the manifest's traces and its analyses' metadata only
	# (tests/data/expected/periods belongs to the periods analyses' own generator)
	for trace in $(manifest_cases | cut -d'|' -f1 | sort -u); do
		rm -rf "${EXPECTED:?}/$trace"
	done
	for analysis in $(manifest_cases | cut -d'|' -f2 | sort -u); do
		rm -f "$EXPECTED/metadata/$analysis.json"
	done
fi
mkdir -p "$EXPECTED/metadata"

# one job per case: TRACE ANALYSIS ID PATH OPTIONS
jobs_file=$TMP/jobs
: >"$jobs_file"
while IFS='|' read -r trace analysis id opts _; do
	if [ ${#only[@]} -gt 0 ] && [[ ! " ${only[*]} " == *" $trace "* ]]; then
		continue
	fi
	path=$(trace_path "$trace" "$TMP/synth")
	printf '%s|%s|%s|%s|%s\n' "$trace" "$analysis" "$id" "$path" "$opts" >>"$jobs_file"
done < <(manifest_cases)

run_case() {
	local trace=$1 analysis=$2 id=$3 path=$4 opts=$5 out rc_t rc_l
	out=$EXPECTED/$trace
	mkdir -p "$out"
	rm -f "$out/$id".{txt,err,json,rc} "$out/$id".{txt,err,json}.gz
	# shellcheck disable=SC2086 # options are split on blanks by design
	(cd "$TMP" && timeout 600 "$PY" "/usr/bin/lttng-$analysis" --no-color --no-progress \
		--skip-validation --gmt $opts "$path" >"$out/$id.txt" 2>"$out/$id.err") && rc_t=0 || rc_t=$?
	[ -s "$out/$id.err" ] || rm -f "$out/$id.err"
	# -r/--refresh, --period*: the peer's -mi replaces its per-interval tables with a summary (or
	# nothing); the reference is those per-interval tables (tests/traces/peer_refresh_mi.py)
	local mi=("/usr/bin/lttng-$analysis-mi")
	[[ " $opts " =~ \ (-r|--refresh|--period[a-z-]*)\  ]] &&
		mi=("$SRC/tests/traces/peer_refresh_mi.py" "$analysis")
	# shellcheck disable=SC2086
	(cd "$TMP" && timeout 600 "$PY" "${mi[@]}" --skip-validation --gmt $opts \
		"$path" >"$out/$id.json" 2>/dev/null) && rc_l=0 || rc_l=$?
	if [ "$rc_t" != 0 ] || [ "$rc_l" != 0 ]; then
		printf 'text %s\nlami %s\n' "$rc_t" "$rc_l" >"$out/$id.rc"
	fi
	local f
	for f in "$out/$id".{txt,err,json}; do # big outputs are stored compressed (gzip -n: stable)
		if [ -f "$f" ] && [ "$(stat -c %s "$f")" -gt 32768 ]; then gzip -9n "$f"; fi
	done
	echo "$trace $id text=$rc_t lami=$rc_l"
}
export -f run_case
export EXPECTED TMP PY SRC

n=$(wc -l <"$jobs_file")
echo "gen-expected: $n cases, $JOBS at a time"
tr '\n' '\0' <"$jobs_file" | xargs -0 -P "$JOBS" -I{} bash -c 'IFS="|" read -r a b c d e <<<"$1"; run_case "$a" "$b" "$c" "$d" "$e"' _ {}

for analysis in $(manifest_cases | cut -d'|' -f2 | sort -u); do
	"$PY" "/usr/bin/lttng-$analysis-mi" --metadata >"$EXPECTED/metadata/$analysis.json"
done
echo "gen-expected: done ($(find "$EXPECTED" -type f | wc -l) files)"
