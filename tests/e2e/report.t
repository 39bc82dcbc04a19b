#!/usr/bin/env bash
# report.t: `latscope report` pages opened in Debian's headless Chromium (through chromedriver,
# one browser for the whole file): no console message, the charts there with the right number of
# points, the hover details of a point, a screenshot; from a real `latscope track --json` log
# (root: the syscall tracker on a sleeping workload) and from a real LTTng trace; bad input.
. "$(dirname "$0")/../lib.sh"

TRACE=$SHARED_TRACES/basic-kernel-analysis
SLEEPER=$LATSCOPE_BUILD/tests/helpers/nanosleeper
PY=/usr/bin/python3
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
export TZ=UTC LC_ALL=C.UTF-8

[ -x "$CHROMIUM" ] && [ -x "$CHROMEDRIVER" ] || skip_all "no chromium/chromedriver (scripts/deps.sh)"

TMP=$(mktemp -d /tmp/latscope-report.XXXXXX)
DRIVER_PID=
cleanup() {
	[ -n "$DRIVER_PID" ] && kill "$DRIVER_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# --- bad input: one line, exit 1, no page ---------------------------------------------------
bad() { # bad INPUT REGEX DESCRIPTION
	local out rc
	out=$("$LATSCOPE" report "$1" -o "$TMP/bad.html" 2>&1)
	rc=$?
	is "$rc" 1 "$3: exit 1"
	is "$(printf '%s\n' "$out" | wc -l)" 1 "$3: one line"
	like "$out" "$2" "$3: says why"
	ok "$([ ! -e "$TMP/bad.html" ]; echo $?)" "$3: no page written"
}
echo 'this is not JSON' >"$TMP/notjson.log"
bad "$TMP/notjson.log" '^latscope: .*notjson\.log:1: not a latscope track --json log' "a text file"
: >"$TMP/empty.log"
bad "$TMP/empty.log" '^latscope: .*empty\.log: empty file' "an empty file"
echo '{"hello": [1, 2]}' >"$TMP/other.json"
bad "$TMP/other.json" 'no alert or summary record' "JSON that is not a track log"
bad "$TMP/missing-trace" '^latscope: .*missing-trace: No such file or directory' "a missing input"
mkdir "$TMP/notrace"
bad "$TMP/notrace" '^latscope: .*notrace: ' "a folder with no trace"
out=$("$LATSCOPE" report 2>&1)
is "$?" 2 "no INPUT is a usage error (exit 2)"

# --- a real track log: the syscall tracker on a workload that sleeps 30 x 20 ms ----------------
LOG=$TMP/track.jsonl
if [ "$(id -u)" = 0 ] && [ -x "$SLEEPER" ]; then
	# the workload waits on a FIFO until the tracker runs on its pid (concurrent tests apart)
	mkfifo "$TMP/go"
	"$SLEEPER" -w -l 1500 20 30 <"$TMP/go" >/dev/null &
	spid=$!
	"$LATSCOPE" track syscall --pid "$spid" --threshold 5ms --json --duration 30s \
		>"$LOG" 2>"$TMP/track.err" &
	tpid=$!
	for _ in $(seq 1 300); do
		grep -q '^Tracking' "$TMP/track.err" && break
		kill -0 "$tpid" 2>/dev/null || break
		sleep 0.1
	done
	echo go >"$TMP/go"
	wait "$spid"
	kill -INT "$tpid" # the summaries are printed at the end
	wait "$tpid"
	is "$?" 0 "latscope track syscall --json ran"
else
	# not root: a log of the same format, written by hand
	diag "not root: a hand-written track log instead of a real one"
	for i in $(seq 0 29); do
		printf '{"type":"alert","tracker":"syscall","comm":"nanosleeper","pid":42,"tid":42,"cpu":0,"start_ns":%d,"delay_ns":%d,"timeout":false,"syscall":"nanosleep","nr":35,"ret":0,"kstack":["hrtimer_nanosleep+0xb5"],"kstack_cut":false,"ustack":["sleep_in_nanosleep+0x5b (nanosleeper)","main+0x50 (nanosleeper)"],"ustack_cut":false}\n' \
			$((1000000000 + i * 21000000)) $((20100000 + i * 1000))
	done >"$LOG"
	echo '{"type":"summary","tracker":"syscall","series":"syscall","events":90,"reported":30,"timeouts":0,"max_ns":20130000,"mean_ns":6700000,"threshold_ns":5000000,"drops":{"inflight_full":0,"ringbuf_full":0,"stack_failed":0,"timer_failed":0,"replaced":0,"bad_records":0},"hist":[{"low_ns":512,"high_ns":1024,"count":60},{"low_ns":16777216,"high_ns":33554432,"count":30}]}' >>"$LOG"
fi
NALERTS=$(grep -c '"type":"alert"' "$LOG")
NSLEEPS=$(grep '"type":"alert"' "$LOG" | grep -c '"syscall":"nanosleep"')
NSUMS=$(grep -c '"type":"summary"' "$LOG")
NBUCKETS=$("$PY" -c 'import json,sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d["type"] == "summary": print(sum(1 for b in d["hist"] if b["count"]))' "$LOG")
is "$NSLEEPS" 30 "the log has the 30 sleeps of 20 ms over the 5 ms threshold"

"$LATSCOPE" report "$LOG" -o "$TMP/track.html" 2>"$TMP/err"
is "$?" 0 "latscope report LOG -o FILE exits 0"
is "$(cat "$TMP/err")" "" "  and prints nothing"
unlike "$(grep -Eio '<script[^>]*src=|<link[^>]*href=|(https?|ftp)://[^" ]*' "$TMP/track.html" | grep -v '^http://www.w3.org/2000/svg$')" . \
	"  the page loads nothing from outside (no script src, no link, no URL but the SVG namespace)"
"$LATSCOPE" report - -o "$TMP/stdin.html" <"$LOG"
is "$?" 0 "the log can come from stdin (INPUT -)"
cmp -s <(grep -v 'track log' "$TMP/track.html") <(grep -v 'track log' "$TMP/stdin.html")
ok $? "  the same page"

"$LATSCOPE" report "$TRACE" -o "$TMP/trace.html" 2>"$TMP/err"
is "$?" 0 "latscope report TRACE -o FILE exits 0 (basic-kernel-analysis)"

# --- one headless Chromium, driven through chromedriver (WebDriver) ---------------------------
PORT=$((20000 + $$ % 20000))
"$CHROMEDRIVER" --port=$PORT >"$TMP/driver.log" 2>&1 &
DRIVER_PID=$!

cat >"$TMP/browse.py" <<'EOF'
# browse.py PORT CHROMIUM OUT_PREFIX PAGE...: opens each page, prints what the test asserts.
import base64, json, sys, time, urllib.request

port, chromium, prefix, pages = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
base = "http://127.0.0.1:%s" % port

def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())["value"]

for _ in range(300):
    try:
        if call("GET", "/status")["ready"]:
            break
    except Exception:
        time.sleep(0.1)
caps = {"capabilities": {"alwaysMatch": {
    "browserName": "chrome",
    "goog:loggingPrefs": {"browser": "ALL"},
    "goog:chromeOptions": {"binary": chromium, "args": [
        "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,1800",
        "--hide-scrollbars", "--no-first-run", "--disable-extensions"]}}}}
sid = call("POST", "/session", caps)["sessionId"]
s = "/session/" + sid
js = lambda script, *args: call("POST", s + "/execute/sync", {"script": script, "args": list(args)})
try:
    for n, page in enumerate(pages):
        call("POST", s + "/url", {"url": "file://" + page})
        logs = call("POST", s + "/se/log", {"type": "browser"})
        print("page%d.console=%d" % (n, len(logs)))
        for entry in logs:
            print("page%d.console_message=%s" % (n, entry.get("message", "")))
        print("page%d.title=%s" % (n, js("return document.title")))
        print("page%d.toc=%d" % (n, js("return document.querySelectorAll('nav#toc a').length")))
        for kind in ("scatter", "histogram", "bars", "freq"):
            charts = js("return Array.from(document.querySelectorAll('svg.chart.%s')).map("
                        "function(c){return [c.getAttribute('data-points'),"
                        "c.querySelectorAll('circle.pt,rect.bar,rect.hb').length]})" % kind)
            print("page%d.%s=%s" % (n, kind, " ".join("%s/%s" % (a, b) for a, b in charts)))
        print("page%d.sections=%s" % (n, " ".join(js(
            "return Array.from(document.querySelectorAll('section')).map(function(s){return s.id})"))))
        print("page%d.cpubars=%s" % (n, js(
            "var c=document.querySelector('section#cpu svg.bars');"
            "return c?Array.from(c.querySelectorAll('text')).slice(1,3).map(function(t){"
            "return t.textContent}).join('|'):''")))
        print("page%d.offenders=%s" % (n, js(
            "return Array.from(document.querySelectorAll('section#offenders svg.bars text.t'))"
            ".map(function(t){return t.textContent}).join('|')")))
        # hover the slowest point of the scatter: the tooltip shows its fields and stacks
        if js("return document.querySelector('svg.scatter circle.pt') !== null"):
            el = call("POST", s + "/element", {"using": "css selector",
                                                 "value": "svg.scatter circle.pt"})
            key = next(iter(el))
            call("POST", s + "/actions", {"actions": [{"type": "pointer", "id": "mouse",
                "parameters": {"pointerType": "mouse"}, "actions": [
                    {"type": "pointerMove", "duration": 0, "x": 0, "y": 0,
                     "origin": {key: el[key]}}]}]})
            tip = js("var t=document.getElementById('tip');"
                     "return [getComputedStyle(t).display, t.textContent]")
            print("page%d.tip_display=%s" % (n, tip[0]))
            print("page%d.tip=%s" % (n, json.dumps(tip[1])))
        png = base64.b64decode(call("GET", s + "/screenshot"))
        open("%s%d.png" % (prefix, n), "wb").write(png)
        logs = call("POST", s + "/se/log", {"type": "browser"})
        print("page%d.console_after=%d" % (n, len(logs)))
finally:
    call("DELETE", s)
EOF

"$PY" "$TMP/browse.py" "$PORT" "$CHROMIUM" "$TMP/shot" "$TMP/track.html" "$TMP/trace.html" \
	>"$TMP/browse.out" 2>"$TMP/browse.err"
ok $? "headless Chromium opened both pages"
[ -s "$TMP/browse.err" ] && diag "$(tail -5 "$TMP/browse.err")"
get() { sed -n "s/^$1=//p" "$TMP/browse.out" | head -1; }

# the track log's page
is "$(get page0.console)" 0 "track page: no console message while loading (no error, no warning)"
is "$(get page0.console_after)" 0 "track page: none after hovering and the screenshot"
is "$(get page0.title)" "latency report" "track page: its title"
is "$(get page0.toc)" 5 "track page: the script ran (table of contents: 5 sections)"
is "$(get page0.sections)" "overview timeline distributions offenders losses" \
	"track page: overview, latency over time, distributions, offenders, losses"
is "$(get page0.scatter)" "$NALERTS/$NALERTS" \
	"track page: latency over time has one point per report of the log ($NALERTS)"
is "$(get page0.histogram)" "$NBUCKETS/$NBUCKETS" \
	"track page: one distribution per summary, one bar per non-empty bucket ($NBUCKETS)"
like "$(get page0.offenders)" '^syscall: slowest by comm .*\|syscall: slowest by syscall' \
	"track page: top offenders by comm and by syscall"
NSYSCALLS=$(grep '"type":"alert"' "$LOG" | grep -o '"syscall":"[a-z0-9_]*"' | sort -u | wc -l)
is "$(get page0.bars)" "1/1 $NSYSCALLS/$NSYSCALLS" \
	"track page: one bar for the one process, one for each system call reported ($NSYSCALLS)"
is "$(get page0.tip_display)" "block" "track page: hovering a point shows its details"
tip=$(get page0.tip)
like "$tip" '^"syscall: [0-9.]+ ms\\ncomm=nanosleeper pid=[0-9]+' "  the tracker, duration, comm and pid"
like "$tip" 'syscall=nanosleep nr=35 ret=0' "  the tracker's fields"
like "$tip" 'user stack:\\n  [^"]*sleep_in_nanosleep' "  and its stacks"
png=$(head -c 8 "$TMP/shot0.png" | od -An -tx1 | tr -d ' \n')
is "$png" 89504e470d0a1a0a "track page: a PNG screenshot"
ok "$([ "$(stat -c %s "$TMP/shot0.png")" -gt 20000 ]; echo $?)" "  with something drawn in it"

# the trace's page
is "$(get page1.console)" 0 "trace page: no console message while loading"
is "$(get page1.title)" "trace report" "trace page: its title"
is "$(get page1.sections)" "overview cpu memory io syscalls sched irq" \
	"trace page: CPU, memory, I/O, system calls, scheduling, IRQ sections"
is "$(get page1.cpubars)" "bash (13665)|3.40 %" \
	"trace page: CPU per process, the busiest first (as latscope analyze cputop)"
like "$(get page1.bars)" '^10/10' "trace page: ten processes in the CPU chart (--limit 10)"
freq=$(get page1.freq)
like "$freq" '^([0-9]+/[0-9]+ ?)+$' "trace page: latency distributions (I/O, scheduling, IRQ)"
bad_freq=$(tr ' ' '\n' <<<"$freq" | awk -F/ '$1 != $2' | head -3)
is "$bad_freq" "" "trace page: each distribution has one bar per non-empty bin"
png=$(head -c 8 "$TMP/shot1.png" | od -An -tx1 | tr -d ' \n')
is "$png" 89504e470d0a1a0a "trace page: a PNG screenshot"

if [ -n "${LATSCOPE_REPORT_KEEP:-}" ]; then
	mkdir -p "$LATSCOPE_REPORT_KEEP" && cp "$TMP"/*.html "$TMP"/*.png "$LATSCOPE_REPORT_KEEP"/
fi
done_testing
