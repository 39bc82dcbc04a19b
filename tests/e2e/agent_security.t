#!/usr/bin/env bash
# agent_security.t: what a local user who is not root can do to `latscope agent` through the
# sockets it reaches: hostile datagrams (bad UTF-8, junk names, huge values) leave /metrics valid
# for promtool and events.jsonl strict JSON; slow HTTP and control clients do not stall the agent;
# a second agent refuses to take the sockets of a running one; `ctl` refused never dies silently.
# Also: --check refuses a listen address the agent would refuse; a reload that changed nothing is
# an error.
. "$(dirname "$0")/../lib.sh"

TMP=$(mktemp -d)
chmod 755 "$TMP" # uid 65534 reaches the sockets below it
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
PY=/usr/bin/python3

# --- no root needed: --check and the listen address ---
printf 'listen = localhost:9465\n' >"$TMP/host.conf"
out=$("$LATSCOPE" agent --config "$TMP/host.conf" --check 2>&1)
is "$?" 1 "--check: a listen host name (the agent binds numeric addresses only): exit 1"
like "$out" "^latscope: agent: $TMP/host.conf:1: listen: 'localhost' is not a numeric IPv4 or IPv6 address" \
	"--check: one line, file:line, why"
out=$("$LATSCOPE" agent --listen localhost:9465 --check 2>&1)
is "$?" 2 "--listen localhost:9465 is a usage error (exit 2)"
printf 'listen = [::1]:9465\napp_names = 8\napp_names_per_user = 2\napp_idle = 30s\n' >"$TMP/ok.conf"
out=$("$LATSCOPE" agent --config "$TMP/ok.conf" --check 2>&1)
rc=$?
ok $rc "--check: [::1]:9465 and the application limits pass"
[ "$rc" = 0 ] || diag "$out"
printf 'app_names = 0\n' >"$TMP/bad.conf"
out=$("$LATSCOPE" agent --config "$TMP/bad.conf" --check 2>&1)
like "$out" "^latscope: agent: $TMP/bad.conf:1: app_names: " "app_names = 0 is refused"

if [ "$(id -u)" != 0 ] || [ ! -r /sys/kernel/btf/vmlinux ]; then
	diag "skipping the running agent: needs root and BTF"
	done_testing
	exit
fi
[ -x "$PY" ] || { diag "no $PY"; done_testing; exit 1; }

# send.py SOCKET NAME LABEL VALUE COUNT [DETAIL [KIND]]: one application datagram, as liblatscope
# sends it; LABEL and DETAIL take \xNN escapes (bytes that are not UTF-8).
cat >"$TMP/send.py" <<'EOP'
import socket, struct, sys
def raw(s): return s.encode('utf-8').decode('unicode_escape').encode('latin-1')
path, name, label, value, count = sys.argv[1], raw(sys.argv[2]), raw(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
detail = raw(sys.argv[6]) if len(sys.argv) > 6 else b''
kind = int(sys.argv[7]) if len(sys.argv) > 7 else (2 if len(sys.argv) > 6 else 1)
msg = struct.pack('<IHHIIQQ32s48s', 0x4d54414c, 1, kind, 1, 1, value, count, name, label) + detail + b'\0'
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(msg, path)
EOP
chmod 644 "$TMP/send.py"
NOBODY=
nobody_can_run && NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
as_nobody() { "${NOBODY[@]}" "$@"; }

# every failing check prints the stderr of the agent last started
AGENT_NAME=
explain() {
	[ -n "$AGENT_NAME" ] || return 0
	diag "agent $AGENT_NAME (pid $AGENT): its stderr:"
	sed -n '1,20s/^/    /p' "$TMP/$AGENT_NAME/err" | sed 's/^/# /'
}
on_failure explain
# start_agent NAME CONFIG_LINES: an agent on its own sockets; sets AGENT, PORT, URL
_port() { sed -n 's/^latscope agent: listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$TMP/$AGENT_NAME/err"; }
_started() { [ -n "$(_port)" ] || ! kill -0 "$AGENT" 2>/dev/null; } # exited: no use waiting
start_agent() {
	local name=$1
	shift
	AGENT_NAME=$name
	mkdir -p "$TMP/$name"
	{
		echo "listen = 127.0.0.1:0"
		echo "control_socket = $TMP/$name/run/ctl.sock"
		echo "app_socket = $TMP/$name/run/apps.sock"
		echo "events = $TMP/$name/events.jsonl"
		echo "tracker = irq threshold=1s"
		printf '%s\n' "$@"
	} >"$TMP/$name/agent.conf"
	"$LATSCOPE" agent --config "$TMP/$name/agent.conf" >"$TMP/$name/out" 2>"$TMP/$name/err" &
	AGENT=$!
	PIDS+=("$AGENT")
	wait_until 120 _started # BTF and the verifier on a loaded machine
	PORT=$(_port)
	URL=http://127.0.0.1:$PORT/metrics
	[ -n "$PORT" ] || diag "agent $name did not start: $(cat "$TMP/$name/err")"
}
metric() { curl -sf --max-time 10 "$URL" | awk -v k="$1" '$1 == k { print $2; exit }'; }
# wait_metric METRIC VALUE: polls /metrics until METRIC is VALUE (at most WAIT_TIMEOUT s); prints
# what it saw
_metric_is() { got=$(metric "$1"); [ "$got" = "$2" ]; }
wait_metric() {
	local got
	wait_until "$WAIT_TIMEOUT" _metric_is "$@"
	echo "$got"
}

# --- 1. hostile bytes: not UTF-8 in a label and a detail ---
start_agent a "top_labels = 5"
A=$AGENT
SOCK=$TMP/a/run/apps.sock
if [ -n "${NOBODY[*]}" ]; then
	as_nobody "$PY" "$TMP/send.py" "$SOCK" bad '\xff\xfe' 1000 1
	as_nobody "$PY" "$TMP/send.py" "$SOCK" bad 'ok' 1000 1 'detail \xff\xfe end'
	as_nobody "$PY" "$TMP/send.py" "$SOCK" bad 'ctl\x01' 1000 1
	as_nobody "$PY" "$TMP/send.py" "$SOCK" good 'caf\xc3\xa9' 2000 1 'caf\xc3\xa9 \xe2\x82\xac'
	got=$(wait_metric 'latscope_app_messages_total{result="ok"}' 1)
	is "$got" 1 "uid 65534 reaches the application socket (a valid UTF-8 message is taken)"
	body=$(curl -sf --max-time 10 "$URL")
	printf '%s\n' "$body" >"$TMP/a/metrics"
	# promtool: exit 1 and "error while linting" for a page it cannot parse; 3 for lint
	# advice only (the quantile gauges' "quantile" label: a naming choice, not a parse error)
	out=$(promtool check metrics <"$TMP/a/metrics" 2>&1)
	rc=$?
	ok $([ "$rc" != 1 ] && ! printf '%s\n' "$out" | grep -q 'error while linting'; echo $?) \
		"promtool check metrics parses /metrics after bytes that are not UTF-8 (exit $rc)"
	[ "$rc" != 1 ] || diag "$(printf '%s\n' "$out" | grep -v 'should not have "quantile"' | head -5)"
	unlike "$body" 'app="bad"' "the messages with bad text made no series"
	is "$(metric 'latscope_app_messages_total{result="bad"}')" 3 "they are counted as bad"
	like "$body" '^latscope_app_bad_messages_total\{reason="text"\} 3$' "with the reason: text"
	like "$body" '^latscope_app_latency_seconds_count\{app="good",label="café"\} 1$' "valid UTF-8 passes unchanged"
	out=$("$PY" -c '
import json, sys
n = 0
for raw in open(sys.argv[1], "rb"):
    json.loads(raw.decode("utf-8", errors="strict"))
    n += 1
print(n)' "$TMP/a/events.jsonl" 2>&1)
	rc=$?
	ok $rc "every events.jsonl line is strict JSON in UTF-8 ($out lines)"
	[ "$rc" = 0 ] || diag "$out"
	like "$(grep app_event "$TMP/a/events.jsonl")" '"detail":"café €"' "the valid event's detail is kept"
else
	skip 9 "uid 65534 cannot run programs here (no setpriv, or a root directory only root may enter)"
fi

# --- 2. application names: a per-user quota, then the rest of the room for others ---
if [ -n "${NOBODY[*]}" ]; then
	for i in $(seq 70); do echo "junk$i"; done | as_nobody "$PY" -c '
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for name in sys.stdin.read().split():
    s.sendto(struct.pack("<IHHIIQQ32s48s", 0x4d54414c, 1, 1, 1, 1, 1000, 1, name.encode(), b"x") + b"\0", sys.argv[1])
' "$SOCK"
	"$PY" "$TMP/send.py" "$SOCK" legit x 5000 1
	got=$(wait_metric 'latscope_app_latency_seconds_count{app="legit",label="x"}' 1)
	is "$got" 1 "after 70 junk names from uid 65534, a legitimate application gets its series"
	is "$(metric 'latscope_app_messages_total{result="quota"}')" 55 \
		"uid 65534's names past its quota (16, 'good' one of them) are counted as quota (55)"
	body=$(curl -sf --max-time 10 "$URL")
	is "$(printf '%s\n' "$body" | grep -c '^latscope_app_events_total{app="junk')" 15 "15 junk names were taken"
	like "$body" '^latscope_app_names\{uid="65534"\} 16$' "the names each user holds are shown"
	out=$("$LATSCOPE" ctl --socket "$TMP/a/run/ctl.sock" status)
	like "$out" "app_messages.quota=55" "ctl status shows the quota refusals"
else
	skip 5 "uid 65534 cannot run programs here"
fi

# --- 2b. a full table of names: the one silent for app_idle makes room ---
A_URL=$URL A_PORT=$PORT
start_agent c "app_names = 4" "app_names_per_user = 8" "app_idle = 2s" "app_events_per_user = 5"
C=$AGENT
for n in one two three four five; do echo "$n"; done | "$PY" -c '
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for name in sys.stdin.read().split():
    s.sendto(struct.pack("<IHHIIQQ32s48s", 0x4d54414c, 1, 1, 1, 1, 1000, 1, name.encode(), b"x") + b"\0", sys.argv[1])
' "$TMP/c/run/apps.sock"
is "$(wait_metric 'latscope_app_messages_total{result="overflow"}' 1)" 1 \
	"app_names = 4: a fifth name while the four are fresh is counted as overflow"
_evicted() { # a message from 'five' again, until one of the four silent names is evicted
	"$PY" "$TMP/send.py" "$TMP/c/run/apps.sock" five x 1000 1
	[ "$(metric 'latscope_app_evictions_total')" = 1 ]
}
wait_until "$WAIT_TIMEOUT" _evicted
is "$(metric 'latscope_app_evictions_total')" 1 "once they are silent for app_idle (2s), one is evicted"
like "$(curl -sf --max-time 10 "$URL")" '^latscope_app_latency_seconds_count\{app="five",label="x"\} [1-9]' \
	"and the new name has its series"
# events: a line each, at most app_events_per_user (5) a second per user, a burst of 50
"$PY" -c '
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for i in range(80):
    s.sendto(struct.pack("<IHHIIQQ32s48s", 0x4d54414c, 1, 2, 1, 1, 1000, 1, b"five", b"x") + b"flood\0", sys.argv[1])
' "$TMP/c/run/apps.sock"
got=$(wait_metric 'latscope_app_events_total{app="five"}' 80)
is "$got" 80 "80 events at once are all counted"
lines=$(grep -c '"type":"app_event"' "$TMP/c/events.jsonl")
dropped=$(metric 'latscope_app_event_lines_dropped_total')
ok $([ "$lines" -ge 50 ] && [ "$lines" -le 55 ] && [ $((lines + dropped)) = 80 ]; echo $?) \
	"but only a burst of 50 (+5 a second of refill) become lines ($lines), the rest counted ($dropped)"
kill -TERM "$C"
wait "$C"
URL=$A_URL PORT=$A_PORT AGENT=$A AGENT_NAME=a

# --- 3. sums that do not wrap at 2^64 ns ---
"$PY" "$TMP/send.py" "$SOCK" big x $((1 << 53)) 4096
got=$(wait_metric 'latscope_app_latency_seconds_count{app="big",label="x"}' 4096)
is "$got" 4096 "4096 samples of 2^53 ns (104 days: the largest value taken) are counted"
sum=$(metric 'latscope_app_latency_seconds_sum{app="big",label="x"}')
ok $("$PY" -c 'import sys; v=float(sys.argv[1]); sys.exit(0 if abs(v - 2**65/1e9) < 1e-6 * 2**65/1e9 else 1)' "${sum:-0}"; echo $?) \
	"their _sum is 2^65 ns (3.69e10 s), not wrapped at 2^64 (got $sum)"
"$PY" "$TMP/send.py" "$SOCK" huge x $((1 << 62)) 1
is "$(wait_metric 'latscope_app_bad_messages_total{reason="range"}' 1)" 1 \
	"a value above 2^53 ns is refused as out of range"

# --- 4. a slow control client does not stall the loop ---
as_slow_ctl() {
	"$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.send(b"s")
open(sys.argv[2], "w").close()
s.settimeout(0.5)
got = b""
try:
    for i in range(40):
        s.send(b"s")
        try:
            data = s.recv(4096)
            if not data:
                break
            got += data
        except socket.timeout:
            pass
except OSError:
    pass
open(sys.argv[3], "wb").write(got)
' "$1" "$2" "$3"
}
as_slow_ctl "$TMP/a/run/ctl.sock" "$TMP/slowctl.ready" "$TMP/slowctl.got" &
SLOW=$!
PIDS+=("$SLOW")
wait_until "$WAIT_TIMEOUT" test -e "$TMP/slowctl.ready"
start=$(date +%s%N)
curl -sf --max-time 5 "$URL" >/dev/null
ok $? "a scrape succeeds while a control client sends one byte every 0.5 s"
out=$("$LATSCOPE" ctl --socket "$TMP/a/run/ctl.sock" status 2>&1)
rc=$?
ok $rc "and so does another control request"
[ "$rc" = 0 ] || diag "$out"
diag "scrape and ctl took $((($(date +%s%N) - start) / 1000000)) ms"
wait "$SLOW" 2>/dev/null
like "$(cat "$TMP/slowctl.got" 2>/dev/null)" "^error: request timed out" \
	"the slow control client is told it timed out, and closed"
is "$(metric 'latscope_ctl_timeouts_total')" 1 "and counted"

# --- 5. slow HTTP clients: per-address limit and a request deadline ---
"$PY" -c '
import socket, sys, time
conns = []
for i in range(70):
    try:
        c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
        c.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        conns.append(c)
    except OSError:
        pass
open(sys.argv[2], "w").write(str(len(conns)))
end = time.time() + 40
while time.time() < end:
    for c in conns:
        try:
            c.send(b"X-Slow: 1\r\n")
        except OSError:
            pass
    time.sleep(3)
' "$PORT" "$TMP/slowhttp.ready" &
SLOWHTTP=$!
PIDS+=("$SLOWHTTP")
wait_until "$WAIT_TIMEOUT" test -e "$TMP/slowhttp.ready"
opened=$(cat "$TMP/slowhttp.ready" 2>/dev/null)
ok $([ "${opened:-0}" -ge 64 ]; echo $?) "70 slow HTTP connections were opened (${opened:-0} connected)"
out=$(curl -s --max-time 5 --interface 127.0.0.2 -o /dev/null -w '%{http_code}' "$URL")
is "$out" 200 "70 slow connections from 127.0.0.1: a scrape from 127.0.0.2 gets /metrics (per-address limit)"
code=
start=$(date +%s%N)
_scraped() { code=$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "$URL"); [ "$code" = 200 ]; }
wait_until "$WAIT_TIMEOUT" _scraped
diag "a scrape from 127.0.0.1 got through after $((($(date +%s%N) - start) / 1000000)) ms"
is "$code" 200 "and from 127.0.0.1 once the slow requests pass their deadline (10 s)"
got=$(metric 'latscope_http_deadline_closes_total')
ok $([ "${got:-0}" -ge 1 ]; echo $?) "the connections closed at their deadline are counted ($got)"
kill "$SLOWHTTP" 2>/dev/null
wait "$SLOWHTTP" 2>/dev/null

# --- 6. one live owner per socket ---
cp "$TMP/a/agent.conf" "$TMP/second.conf"
"$LATSCOPE" agent --config "$TMP/second.conf" --duration 2s >"$TMP/second.out" 2>"$TMP/second.err"
rc=$?
is "$rc" 1 "a second agent on the same sockets refuses to start (exit 1)"
like "$(cat "$TMP/second.err")" "^latscope: agent: control socket $TMP/a/run/ctl.sock: in use by pid $A\b" \
	"with one line naming the running agent's pid"
is "$(wc -l <"$TMP/second.err")" 1 "one line"
out=$("$LATSCOPE" ctl --socket "$TMP/a/run/ctl.sock" status 2>&1)
like "$out" "^pid=$A$" "the running agent still answers on its control socket"
"$PY" "$TMP/send.py" "$SOCK" after x 1000 1
got=$(wait_metric 'latscope_app_latency_seconds_count{app="after",label="x"}' 1)
is "$got" 1 "and on its application socket"

# --- 7. `latscope ctl` refused: one message, never a silent SIGPIPE ---
"$PY" -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(64)
open(sys.argv[1] + ".ready", "w").close()
while True:
    c, _ = s.accept()
    c.close()
' "$TMP/closer.sock" &
PIDS+=("$!")
wait_until "$WAIT_TIMEOUT" test -e "$TMP/closer.sock.ready"
sigpipe=0 silent=0
long=$(printf 'x.y=%0900d' 0)
for i in $(seq 30); do
	out=$("$LATSCOPE" ctl --socket "$TMP/closer.sock" get "$long" 2>&1)
	rc=$?
	[ "$rc" -ge 128 ] && sigpipe=$((sigpipe + 1))
	printf '%s\n' "$out" | grep -q '^latscope: ctl: ' || silent=$((silent + 1))
done
is "$sigpipe" 0 "ctl against a peer that closes at once: never killed by a signal (30 tries)"
is "$silent" 0 "and always one 'latscope: ctl:' line"
if [ -n "${NOBODY[*]}" ]; then
	mkdir -p "$TMP/nonroot" && cp "$LATSCOPE" "$TMP/nonroot/latscope" && chmod 755 "$TMP/nonroot" &&
		chmod 711 "$TMP/a/run" 2>/dev/null
	out=$(as_nobody "$TMP/nonroot/latscope" ctl --socket "$TMP/a/run/ctl.sock" status 2>&1)
	rc=$?
	is "$rc" 1 "ctl as uid 65534 against the agent: exit 1"
	like "$out" "^latscope: ctl: " "with one line saying why" 
else
	skip 2 "uid 65534 cannot run programs here"
fi

kill -TERM "$A"
wait "$A"
is "$?" 0 "the first agent exits 0"
ok $([ ! -e "$TMP/a/run/ctl.sock" ] && [ ! -e "$TMP/a/run/apps.sock" ]; echo $?) "and removes its own sockets"

# --- 8. the socket directory: made 0700 by someone else first, non-root clients still get in ---
mkdir -p "$TMP/b/run" && chmod 700 "$TMP/b/run"
start_agent b
B=$AGENT
if [ -n "${NOBODY[*]}" ]; then
	as_nobody "$PY" "$TMP/send.py" "$TMP/b/run/apps.sock" viaold x 1000 1
	got=$(wait_metric 'latscope_app_messages_total{result="ok"}' 1)
	is "$got" 1 "a socket directory created 0700 first: uid 65534 still reaches the application socket"
	like "$(stat -c %a "$TMP/b/run")" "^7[15][15]$" "the directory is searchable by others ($(stat -c %a "$TMP/b/run"))"
else
	skip 2 "uid 65534 cannot run programs here"
fi

# --- 9. a reload whose every change was refused is an error ---
# a port some other process listens on (it says which once it listens)
"$PY" -c '
import os, socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(60)' "$TMP/busy.port" &
PIDS+=("$!")
wait_until "$WAIT_TIMEOUT" test -s "$TMP/busy.port"
busy=$(cat "$TMP/busy.port")
sed -i "s/^listen = .*/listen = 127.0.0.1:$busy/" "$TMP/b/agent.conf"
kill -HUP "$B"
wait_until "$WAIT_TIMEOUT" grep -q 'reload' "$TMP/b/err"
like "$(grep reload "$TMP/b/err")" "reload: listen on 127.0.0.1:$busy: .*keeping" "the refused listen is said"
unlike "$(cat "$TMP/b/err")" "reloaded $TMP/b/agent.conf" "the reload is not said to be done"
is "$(metric 'latscope_config_reloads_total{result="error"}')" 1 "and counted as an error"
is "$(metric 'latscope_config_reloads_total{result="ok"}')" 0 "not as ok"
kill -TERM "$B"
wait "$B"
done_testing
