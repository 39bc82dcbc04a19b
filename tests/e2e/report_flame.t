#!/usr/bin/env bash
# report_flame.t: `latscope report --folded/--flamegraph` and the flame-graph section: folded
# lines of a real offcpu log (root: a workload sleeping 20 x 30 ms) summing to the log's delays,
# the sleeps under their nanosleep stack; the SVG well-formed with hostile names; the page in
# headless Chromium: frames' values and widths within their parents', search and zoom.
. "$(dirname "$0")/../lib.sh"

SLEEPER=$LATSCOPE_BUILD/tests/helpers/nanosleeper
PY=/usr/bin/python3
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
export TZ=UTC LC_ALL=C.UTF-8

TMP=$(mktemp -d /tmp/latscope-flame.XXXXXX)
DRIVER_PID=
cleanup() {
	[ -n "$DRIVER_PID" ] && kill "$DRIVER_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# --- the log: offcpu on a workload that sleeps 20 x 30 ms --------------------------------------
LOG=$TMP/off.jsonl
if [ "$(id -u)" = 0 ] && [ -x "$SLEEPER" ]; then
	mkfifo "$TMP/go"
	"$SLEEPER" -w -l 1500 30 20 <"$TMP/go" >/dev/null &
	spid=$!
	"$LATSCOPE" track offcpu --pid "$spid" --threshold 10ms --json --duration 60s \
		>"$LOG" 2>"$TMP/track.err" &
	tpid=$!
	for _ in $(seq 1 300); do
		grep -q '^Tracking' "$TMP/track.err" && break
		kill -0 "$tpid" 2>/dev/null || break
		sleep 0.1
	done
	echo go >"$TMP/go"
	wait "$spid"
	kill -INT "$tpid"
	wait "$tpid"
	is "$?" 0 "latscope track offcpu --json ran"
	[ -s "$TMP/track.err" ] && diag "track: $(tail -3 "$TMP/track.err")"
else
	diag "not root: a hand-written offcpu log instead of a real one"
	for i in $(seq 0 19); do
		printf '{"type":"alert","tracker":"offcpu","comm":"nanosleeper","pid":42,"tid":42,"cpu":0,"start_ns":%d,"delay_ns":%d,"timeout":false,"reason":"blocked","waker_context":"timer","waker_timer":"hrtimer_wakeup","kstack":["do_nanosleep+0x6a","hrtimer_nanosleep+0xb5","__x64_sys_clock_nanosleep+0xc1","do_syscall_64+0x71"],"kstack_cut":false,"ustack":["clock_nanosleep+0x5b (libc.so.6)","sleep_in_nanosleep+0x5b (nanosleeper)","main+0x50 (nanosleeper)"],"ustack_cut":false,"waker_kstack":["try_to_wake_up+0x3b6","hrtimer_wakeup+0x1e"],"waker_ustack":[]}\n' \
			$((1000000000 + i * 31000000)) $((30100000 + i * 1001))
	done >"$LOG"
fi
SUM_US=$("$PY" -c 'import json,sys
print(sum(int(d["delay_ns"]) // 1000 for d in map(json.loads, open(sys.argv[1]))
          if d.get("type") == "alert" and d["tracker"] == "offcpu"))' "$LOG")
NSLEEPS=$(grep '"type":"alert"' "$LOG" | grep -c 'nanosleep')
ok "$([ "$NSLEEPS" -ge 20 ]; echo $?)" "the log has the 20 sleeps of 30 ms ($NSLEEPS with a nanosleep stack)"

# --- --folded ---------------------------------------------------------------------------------
"$LATSCOPE" report "$LOG" --folded "$TMP/off.folded" 2>"$TMP/err"
is "$?" 0 "latscope report LOG --folded FILE exits 0"
is "$(cat "$TMP/err")" "" "  and prints nothing"
ok "$([ ! -e report.html ] || [ report.html -ot "$LOG" ]; echo $?)" "  and writes no page without -o"
bad=$(grep -Ev '^[^; ]([^;]*;)*[^;]* [0-9]+$' "$TMP/off.folded" | head -3)
is "$bad" "" "every line is FRAME;...;FRAME VALUE"
is "$(awk '{s += $NF} END {print s}' "$TMP/off.folded")" "$SUM_US" \
	"the values sum to the log's delays in µs ($SUM_US)"
is "$(cut -d' ' -f1 "$TMP/off.folded" | sort | uniq -d | head -3)" "" "each stack once (summed)"
cmp -s "$TMP/off.folded" <(LC_ALL=C sort "$TMP/off.folded")
ok $? "lines sorted (bytes order)"
sleeps=$(grep '^nanosleeper;' "$TMP/off.folded" | grep 'nanosleep;' | awk '{s += $NF} END {print s + 0}')
ok "$([ "$sleeps" -ge 600000 ]; echo $?)" \
	"the sleeps: under a nanosleep kernel frame, >= 20 x 30 ms ($sleeps µs)"
# ground truth of the order: the first sleep's stacks from the log, reversed, offsets dropped
want=$("$PY" -c 'import json, re, sys
strip = lambda f: "[unknown]" if re.match(r"^(0x[0-9a-f]+|\[unknown\])", f) else re.sub(r"\+0x[0-9a-f]+( .*)?$", "", f)
for d in map(json.loads, open(sys.argv[1])):
    if d.get("type") == "alert" and d["comm"] == "nanosleeper" and "nanosleep" in json.dumps(d["kstack"]):
        u = [strip(f) for f in reversed(d.get("ustack", []))]
        k = [strip(f) for f in reversed(d.get("kstack", []))]
        print(";".join([d["comm"]] + u + (["-"] if u and k else []) + k)); break' "$LOG")
ok "$(cut -d' ' -f1 "$TMP/off.folded" | grep -qxF -- "$want"; echo $?)" \
	"a sleep's line: comm;user frames root first;-;kernel frames root first (offcputime -f --delimited)"
diag "  $want"
"$LATSCOPE" report "$LOG" --folded - --waker >"$TMP/waker.folded"
is "$?" 0 "--waker exits 0"
is "$(grep -vc ';--;' "$TMP/waker.folded")" 0 "--waker: every line has the -- frame (offwaketime -f)"
is "$(awk '{s += $NF} END {print s}' "$TMP/waker.folded")" "$SUM_US" "--waker: the same sum"

# a folded file as input: the same lines back
"$LATSCOPE" report "$TMP/off.folded" --folded - >"$TMP/again.folded"
cmp -s "$TMP/off.folded" "$TMP/again.folded"
ok $? "a folded file as input gives the same folded lines"

# --- the standalone SVG, and hostile names ----------------------------------------------------
"$LATSCOPE" report "$LOG" --flamegraph "$TMP/off.svg"
is "$?" 0 "--flamegraph FILE exits 0"
printf '%s\n' "<script>alert(1)</script>;a&b\"'x 5" $'bad\xff\xfe;\xed\xa0\x80 3' \
	$'ctl\x01;]]>--> 2' "x y;z 1.5" >"$TMP/hostile.folded"
"$LATSCOPE" report "$TMP/hostile.folded" --flamegraph "$TMP/hostile.svg"
is "$?" 0 "hostile frame names: --flamegraph exits 0"
check_svg='import sys, xml.dom.minidom as m
d = m.parse(sys.argv[1])
svg = d.documentElement
g = [e for e in d.getElementsByTagName("g") if e.getAttribute("class") == "f"]
by = {}
for e in g:
    r = e.getElementsByTagName("rect")[0]
    by.setdefault(int(e.getAttribute("data-d")), []).append(
        (float(r.getAttribute("x")), float(r.getAttribute("width")), int(e.getAttribute("data-v"))))
bad = 0
for depth in sorted(by)[1:]:
    for x, w, v in by[depth]:
        par = [p for p in by[depth - 1] if p[0] - 1e-3 <= x and x + w <= p[0] + p[1] + 1e-3]
        kids = [k for k in by[depth] if par and par[0][0] - 1e-3 <= k[0] < par[0][0] + par[0][1] - 1e-6]
        if not par or sum(k[2] for k in kids) > par[0][2] or sum(k[1] for k in kids) > par[0][1] + 0.01:
            bad += 1
print(svg.getAttribute("data-total"), len(g), svg.getAttribute("data-points"), bad)'
read -r total nframes npoints nbad < <("$PY" -c "$check_svg" "$TMP/off.svg" 2>"$TMP/py.err")
[ -s "$TMP/py.err" ] && diag "$(tail -3 "$TMP/py.err")"
is "$total" "$SUM_US" "the SVG parses (minidom); its root is worth the log's delays"
is "$nframes" "$npoints" "  one frame group per frame it counts ($npoints)"
is "$nbad" 0 "  every frame's children fit in it (values and widths)"
read -r total nframes npoints nbad < <("$PY" -c "$check_svg" "$TMP/hostile.svg" 2>"$TMP/py.err")
[ -s "$TMP/py.err" ] && diag "$(tail -3 "$TMP/py.err")"
is "$total $nframes" "11 9" "hostile names: the SVG parses (minidom), 9 frames, total 11"
unlike "$(cat "$TMP/hostile.svg")" '<script' "  no raw <script"

# --- bad input and usage ----------------------------------------------------------------------
printf 'a;b 1\nno value here\n' >"$TMP/bad.folded"
out=$("$LATSCOPE" report "$TMP/bad.folded" --folded - 2>&1)
is "$?" 1 "a bad folded line: exit 1"
like "$out" '^latscope: .*bad\.folded:2: not a folded stack line' "  one line that says where"
printf '%s\n' '{"type":"alert","tracker":"block","comm":"x","pid":1,"tid":1,"cpu":0,"start_ns":1,"delay_ns":2,"timeout":false}' >"$TMP/nostack.jsonl"
out=$("$LATSCOPE" report "$TMP/nostack.jsonl" --folded - 2>&1)
is "$?" 1 "a log without stacks: exit 1"
like "$out" '^latscope: .*no alert with a stack' "  says so"
(cat "$LOG"; sed 's/"tracker":"offcpu"/"tracker":"wakeup"/' "$LOG") >"$TMP/two.jsonl"
out=$("$LATSCOPE" report "$TMP/two.jsonl" --folded - 2>&1)
is "$?" 2 "stacks of two trackers without --tracker: usage error"
like "$out" 'choose one with --tracker' "  says so"
"$LATSCOPE" report "$TMP/two.jsonl" --folded - --tracker offcpu | cmp -s - "$TMP/off.folded"
ok $? "--tracker offcpu picks the offcpu stacks"

# --- the pages in headless Chromium -------------------------------------------------------------
"$LATSCOPE" report "$LOG" -o "$TMP/track.html" 2>"$TMP/err"
is "$?" 0 "latscope report LOG -o FILE exits 0"
"$LATSCOPE" report "$TMP/off.folded" -o "$TMP/folded.html" 2>"$TMP/err"
is "$?" 0 "latscope report FOLDED -o FILE exits 0"
if ! [ -x "$CHROMIUM" ] || ! [ -x "$CHROMEDRIVER" ]; then
	skip 12 "no chromium/chromedriver (scripts/deps.sh)"
	done_testing
	exit 0
fi
PORT=$((20000 + ($$ + 7919) % 20000))
"$CHROMEDRIVER" --port=$PORT >"$TMP/driver.log" 2>&1 &
DRIVER_PID=$!
cat >"$TMP/browse.py" <<'PYEOF'
# browse.py PORT CHROMIUM PAGE...: the flame graph's DOM, search and zoom, per page.
import json, sys, time, urllib.request

port, chromium, pages = sys.argv[1], sys.argv[2], sys.argv[3:]
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
    "browserName": "chrome", "goog:loggingPrefs": {"browser": "ALL"},
    "goog:chromeOptions": {"binary": chromium, "args": [
        "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,1800",
        "--no-first-run", "--disable-extensions"]}}}}
sid = call("POST", "/session", caps)["sessionId"]
s = "/session/" + sid
js = lambda script: call("POST", s + "/execute/sync", {"script": script, "args": []})
try:
    for n, page in enumerate(pages):
        call("POST", s + "/url", {"url": "file://" + page})
        print("page%d.console=%d" % (n, len(call("POST", s + "/se/log", {"type": "browser"}))))
        print("page%d.flames=%d" % (n, js("return document.querySelectorAll('svg.flame').length")))
        print("page%d.total=%s" % (n, js(
            "var s=document.querySelector('svg.flame');return s?s.getAttribute('data-total'):''")))
        # every frame's children: values and drawn widths within the parent's
        print("page%d.bad=%d" % (n, js("""
var bad=0,fs=Array.from(document.querySelectorAll('svg.flame g.f'));
fs.forEach(function(p){var r=p.querySelector('rect'),x=+r.getAttribute('x'),w=+r.getAttribute('width'),
 d=+p.getAttribute('data-d'),sv=0,sw=0;
 fs.forEach(function(c){var q=c.querySelector('rect'),cx=+q.getAttribute('x');
  if(+c.getAttribute('data-d')===d+1&&cx>=x-1e-3&&cx<x+w-1e-6){sv+=+c.getAttribute('data-v');
  sw+=q.getBoundingClientRect().width;}});
 if(sv>+p.getAttribute('data-v')||sw>r.getBoundingClientRect().width+0.05)bad++;});
return bad;""")))
        inp = call("POST", s + "/element", {"using": "css selector", "value": ".flame-search input"})
        key = next(iter(inp))
        call("POST", s + "/element/%s/value" % inp[key], {"text": "nanosleep"})
        print("page%d.matched=%s" % (n, js(
            "return document.querySelector('svg.flame').getAttribute('data-matched')")))
        print("page%d.hits=%s" % (n, js("return document.querySelectorAll('svg.flame g.f.hit').length")))
        js("var g=Array.from(document.querySelectorAll('svg.flame g.f')).filter(function(g){"
           "return g.getAttribute('data-d')==='1'})[0];"
           "g.dispatchEvent(new MouseEvent('click',{bubbles:true}));")
        print("page%d.zoom=%s" % (n, js(
            "var s=document.querySelector('svg.flame'),g=Array.from(s.querySelectorAll('g.f'))"
            ".filter(function(g){return g.getAttribute('data-d')==='1'&&g.style.display!=='none'})[0];"
            "return s.getAttribute('data-zoom')+'|'+(g?g.querySelector('rect').getAttribute('width'):'')")))
        print("page%d.console_after=%d" % (n, len(call("POST", s + "/se/log", {"type": "browser"}))))
finally:
    call("DELETE", s)
PYEOF
"$PY" "$TMP/browse.py" "$PORT" "$CHROMIUM" "$TMP/track.html" "$TMP/folded.html" \
	>"$TMP/browse.out" 2>"$TMP/browse.err"
ok $? "headless Chromium opened both pages"
[ -s "$TMP/browse.err" ] && diag "$(tail -5 "$TMP/browse.err")"
get() { sed -n "s/^$1=//p" "$TMP/browse.out" | head -1; }
for n in 0 1; do
	is "$(get page$n.console) $(get page$n.console_after)" "0 0" "page $n: no console message"
	is "$(get page$n.flames) $(get page$n.total)" "1 $SUM_US" \
		"page $n: one flame graph, worth the log's delays"
	is "$(get page$n.bad)" 0 "page $n: children's values and widths within their parents'"
	ok "$("$PY" -c 'import sys; sys.exit(0 if 0 < float(sys.argv[1]) <= 100 else 1)' "$(get page$n.matched)"; echo $?)" \
		"page $n: searching nanosleep matches ($(get page$n.matched) %, $(get page$n.hits) frames)"
	like "$(get page$n.zoom)" '^[^|]+\|1110\.000$' "page $n: a click zooms on a frame (full width)"
done
done_testing
