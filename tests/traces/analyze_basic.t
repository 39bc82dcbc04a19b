#!/usr/bin/env bash
# analyze_basic.t: `latscope analyze` on the real LTTng traces of ../shared/traces: the analyses'
# text and LAMI output, the options (dates, filters, limits, intersection), the LAMI phases and
# the errors a user meets. Byte-for-byte equality with lttng-analyses is conformance.t's job.
. "$(dirname "$0")/../lib.sh"

BASIC=$SHARED_TRACES/basic-kernel-analysis
OLD=$SHARED_TRACES/bug446190
PY=/usr/bin/python3
export TZ=UTC LC_ALL=C.UTF-8

[ -d "$BASIC/kernel" ] && [ -d "$OLD/kernel" ] || skip_all "no real traces in $SHARED_TRACES"

TMP=$(mktemp -d /tmp/latscope-analyze-basic.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

run() { # run ARGS...: latscope analyze ARGS; sets out, err, rc
	"$LATSCOPE" analyze "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	out=$(cat "$TMP/out")
	err=$(cat "$TMP/err")
}

json_ok() { # json_ok: stdout is one JSON document
	"$PY" -c 'import json,sys; json.load(sys.stdin)' <"$TMP/out" 2>/dev/null
}

json_get() { # json_get PYTHON_EXPR: evaluates EXPR with d = the JSON document on stdout
	"$PY" -c "import json,sys; d=json.load(sys.stdin); print($1)" <"$TMP/out" 2>&1
}

# --- cputop ----------------------------------------------------------------------------------
run cputop --skip-validation --gmt "$BASIC"
is "$rc" 0 "cputop on basic-kernel-analysis exits 0"
is "$(head -1 <<<"$out")" "Timerange: [2018-03-19 18:39:19.831423009, 2018-03-19 18:39:26.800583411]" \
	"cputop: the time range of the trace's events (stream intersection)"
like "$out" "3\.40 %   bash \(13665\) +0   \[20\]" "cputop: the busiest task, its migrations and priorities"
like "$out" "11\.62 % CPU 1" "cputop: per-CPU usage"
like "$out" "Total CPU Usage: 9\.46%" "cputop: total usage"
is "$(grep -c ' %   ' <<<"$out")" 10 "cputop: ten tasks by default (--limit 10)"
is "$err" "" "cputop: nothing on stderr (no progress bar when stderr is not a terminal)"

run cputop --skip-validation --gmt --limit 3 "$BASIC"
is "$(grep -c ' %   ' <<<"$out")" 3 "cputop --limit 3: three tasks"
run cputop --skip-validation --gmt --limit unlimited "$BASIC"
ok $(($(grep -c ' %   ' <<<"$out") > 10 ? 0 : 1)) "cputop --limit unlimited: every task"

run cputop --gmt "$BASIC"
is "$(head -1 <<<"$out")" "Checking the trace for lost events..." \
	"without --skip-validation: the lost-events check is announced, as the peer does"

run cputop --skip-validation --gmt --cpu 0 "$BASIC"
like "$out" "CPU 0" "cputop --cpu 0: CPU 0 shown"
unlike "$out" "CPU 1" "cputop --cpu 0: CPU 1 left out"

run cputop --skip-validation --gmt --tid 13665 "$BASIC"
is "$(grep -c ' %   ' <<<"$out")" 1 "cputop --tid: only that thread"
run cputop --skip-validation --gmt --procname gcc "$BASIC"
is "$(grep ' %   ' <<<"$out" | grep -vc ' gcc (')" 0 "cputop --procname gcc: only gcc threads"

# --- memtop, syscallstats ---------------------------------------------------------------------
run memtop --skip-validation --gmt "$BASIC"
is "$rc" 0 "memtop exits 0"
like "$out" "Per-TID Memory Allocations" "memtop: allocations"
like "$out" "3435 pages gcc \(13674\)" "memtop: pages of the top allocator"
like "$out" "^- [0-9]+ pages allocated$" "memtop: totals"

run syscallstats --skip-validation --gmt "$BASIC"
is "$rc" 0 "syscallstats exits 0"
like "$out" "^gcc \(13674, TID: 13674\) +Count +Min +Average +Max +Stdev +Return values" \
	"syscallstats: one table per thread"
like "$out" " - newlstat +1486 +0\.0 +1\.745 +435\.096 +11\.345  \{'success': 1280, 'ENOENT': 206\}" \
	"syscallstats: counts, durations (us), stdev and return values"
like "$out" "^Total syscalls: [0-9]+$" "syscallstats: grand total"

run syscallstats --skip-validation --gmt "$OLD"
like "$out" " - ioctl " "old sys_*/exit_syscall naming (lttng-modules 2.5) read as syscalls"
like "$out" "^Total syscalls: 1801$" "syscallstats on bug446190: every completed syscall"

# --- dates --------------------------------------------------------------------------------------
run cputop --skip-validation --gmt --begin 08:36:03 --end 08:36:05.500000000 "$OLD"
is "$(head -1 <<<"$out")" "Timerange: [2014-10-07 08:36:03.002719539, 2014-10-07 08:36:05.493682939]" \
	"--begin/--end as times of day: the events within"
run cputop --skip-validation --gmt --timerange "[2014-10-07 08:36:03, 1412670965000000000]" "$OLD"
is "$(head -1 <<<"$out")" "Timerange: [2014-10-07 08:36:03.002719539, 2014-10-07 08:36:04.993683839]" \
	"--timerange with a full date and ns since the epoch"
run cputop --skip-validation --gmt --end 08:00:00 "$OLD"
is "$rc" 2 "--end before the trace: usage error"
is "$err" "latscope: --end timestamp before beginning of trace
Try 'latscope analyze --help'." "  with the peer's message"
run cputop --skip-validation --gmt --begin yesterday "$OLD"
is "$rc $(head -1 <<<"$err")" "2 latscope: --begin: Unrecognised date format: yesterday" "a bad date"

# --- LAMI ---------------------------------------------------------------------------------------
run cputop --mi-version
is "$rc $out" "0 1.0" "--mi-version: 1.0"
run syscallstats --lami --metadata
json_ok
ok $? "--metadata: JSON"
is "$(json_get "sorted(d['table-classes'])")" "['per-tid', 'summary', 'total']" \
	"--metadata: syscallstats' table classes"
is "$(json_get "d['tags']")" "['linux-kernel', 'lttng-analyses', 'syscall', 'stats']" "--metadata: tags"
run cputop --lami --test-compatibility "$BASIC"
is "$rc:$out" "0:" "--test-compatibility on a kernel trace: exit 0, nothing printed"
run cputop --lami --test-compatibility "$TMP"
ok $((rc != 0 ? 0 : 1)) "--test-compatibility on a folder without trace: non-zero"
like "$out" '^\{"error-message": "Error: ' "  and a LAMI error object"

run cputop --lami --limit 2 "$BASIC"
json_ok
ok $? "cputop --lami: JSON results"
is "$(json_get "[t['class'] for t in d['results']]")" "['per-process', 'per-cpu', 'total']" \
	"cputop --lami: the peer's tables, in its order"
is "$(json_get "len(d['results'][0]['data'])")" 2 "--lami --limit 2"
is "$(json_get "d['results'][2]['data'][0][0]['value']")" "0.0946176915099794" \
	"cputop --lami: total usage ratio to the last digit"
run syscallstats --lami --begin 1412670963000000000 --end 1412670965000000000 "$OLD"
is "$(json_get "d['results'][0]['class']['inherit']")" "per-tid" \
	"syscallstats --lami: per-thread tables inherit per-tid"
is "$(json_get "d['results'][-1]['time-range']['begin']['value'] >= 1412670963000000000")" "True" \
	"--lami --begin in ns"
run memtop --lami --output-progress "$OLD"
is "$(head -1 <<<"$out")" "0 Checking the trace for lost events..." "--output-progress: the check first"
is "$(sed -n '2p' <<<"$out" | cut -c1-21)" "0 Starting analysis f" "--output-progress: then the start"
is "$(sed -n '3p' <<<"$out")" "1 Done!" "--output-progress: then Done"
like "$(tail -1 <<<"$out")" '^\{"results": ' "--output-progress: then the results"

# --- intersection and errors --------------------------------------------------------------------
mkdir -p "$TMP/session"
ln -s "$OLD/kernel" "$TMP/session/kernel"
run memtop --skip-validation --gmt "$TMP/session"
is "$(head -1 <<<"$out")" "Timerange: [2014-10-07 08:36:01.211260539, 2014-10-07 08:36:07.217750839]" \
	"a session folder holding kernel/"
run memtop --skip-validation --gmt "$OLD/kernel"
is "$rc" 0 "the kernel/ folder itself"
run cputop --skip-validation "$TMP/nowhere"
is "$rc $err" "1 latscope: $TMP/nowhere: No such file or directory" "missing path: one line, exit 1"
run cputop --skip-validation "$TMP/session/.."
ok $((rc == 0 ? 0 : 1)) "a folder above the session is searched"
mkdir -p "$TMP/empty"
run cputop --skip-validation "$TMP/empty"
is "$rc $err" "1 latscope: $TMP/empty: no CTF trace found there" "folder without a trace: one line, exit 1"
run cputop
is "$rc" 2 "no trace path: usage error"
run frobtop "$OLD"
is "$rc $(head -1 <<<"$err")" "2 latscope: unknown analysis 'frobtop'" "unknown analysis: usage error"
run syscallstats --limit 3 "$OLD"
is "$rc" 2 "an option the analysis does not take: usage error"
run --help
like "$out" "cputop +Per-TID, per-CPU and total top CPU usage" "--help lists the analyses"

done_testing
