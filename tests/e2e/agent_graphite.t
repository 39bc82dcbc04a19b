#!/usr/bin/env bash
# agent_graphite.t: a real carbon-cache (Debian's graphite-carbon) on 127.0.0.1 receives the
# agent's Graphite plaintext metrics and writes them to whisper files.
. "$(dirname "$0")/../lib.sh"

require_root
[ -r /sys/kernel/btf/vmlinux ] || skip_all "the kernel has no BTF"
command -v carbon-cache >/dev/null || skip_all "graphite-carbon not installed (scripts/deps.sh)"
command -v whisper-fetch >/dev/null || skip_all "python3-whisper not installed (scripts/deps.sh)"
APP=$LATSCOPE_BUILD/tests/helpers/agent_app
[ -x "$APP" ] || skip_all "helpers not built (make)"
TMP=$(mktemp -d)
AGENT_PID= CARBON_PID=
cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	[ -n "$CARBON_PID" ] && kill "$CARBON_PID" 2>/dev/null && wait "$CARBON_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# carbon-cache with a temporary configuration: every directory under $TMP, 1 s resolution
CPORT=$(free_port) PPORT=$(free_port) QPORT=$(free_port)
mkdir -p "$TMP/conf" "$TMP/storage/whisper" "$TMP/storage/lists" "$TMP/log" "$TMP/run"
cat >"$TMP/conf/carbon.conf" <<EOC
[cache]
STORAGE_DIR = $TMP/storage/
LOCAL_DATA_DIR = $TMP/storage/whisper/
WHITELISTS_DIR = $TMP/storage/lists/
CONF_DIR = $TMP/conf/
LOG_DIR = $TMP/log/
PID_DIR = $TMP/run/
ENABLE_LOGROTATION = False
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = inf
MAX_CREATES_PER_MINUTE = inf
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = $CPORT
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = $PPORT
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = $QPORT
LOG_LISTENER_CONNECTIONS = False
LOG_UPDATES = False
LOG_CREATES = True
EOC
printf '[all]\npattern = .*\nretentions = 1s:1h\n' >"$TMP/conf/storage-schemas.conf"
printf '[default]\npattern = .*\nxFilesFactor = 0\naggregationMethod = last\n' >"$TMP/conf/storage-aggregation.conf"
carbon-cache --config="$TMP/conf/carbon.conf" --pidfile="$TMP/run/carbon.pid" --nodaemon \
	--logdir="$TMP/log" start >"$TMP/carbon.out" 2>&1 &
CARBON_PID=$!
_carbon_up() { python3 -c "import socket; socket.create_connection(('127.0.0.1', $CPORT), 0.2)" 2>/dev/null; }
wait_until "$WAIT_TIMEOUT" _carbon_up
ok $? "carbon-cache listens on 127.0.0.1:$CPORT" || diag "$(tail -5 "$TMP/carbon.out")"

cat >"$TMP/agent.conf" <<EOC
listen = off
control_socket = $TMP/ctl.sock
app_socket = $TMP/apps.sock
graphite = 127.0.0.1:$CPORT
graphite_prefix = latscope.e2e
graphite_interval = 1s
tracker = syscall threshold=5ms
EOC
"$LATSCOPE" agent --config "$TMP/agent.conf" 2>"$TMP/agent.err" &
AGENT_PID=$!
# every failing check prints the agent's stderr and carbon's
explain() {
	diag "the agent's stderr:"
	sed -n '1,20s/^/    /p' "$TMP/agent.err" | sed 's/^/# /'
	diag "carbon-cache's output, the last lines:"
	tail -5 "$TMP/carbon.out" | sed 's/^/#     /'
}
on_failure explain
# the agent is ready once it says its configuration (its sockets bound, its probes attached)
_started() { grep -q '^latscope agent: config' "$TMP/agent.err" || ! kill -0 "$AGENT_PID" 2>/dev/null; }
wait_until 120 _started # BTF and the verifier on a loaded machine
"$APP" "$TMP/apps.sock" shop checkout.v2 4000000 25 >/dev/null
ok $? "an application sends 25 samples of 4 ms"

# whisper files appear for the tracker and the application (a dot in a label becomes '_')
W=$TMP/storage/whisper/latscope/e2e
_written() { [ -e "$W/app/shop/checkout_v2/count.wsp" ] && [ -e "$W/syscall/syscall/events.wsp" ]; }
wait_until "$WAIT_TIMEOUT" _written
ok $([ -e "$W/syscall/syscall/events.wsp" ]; echo $?) "carbon wrote latscope.e2e.syscall.syscall.events"
ok $([ -e "$W/app/shop/checkout_v2/count.wsp" ]; echo $?) "and latscope.e2e.app.shop.checkout_v2.count"
last() { # the last non-None value of a whisper file in the last minute
	whisper-fetch --from=$(($(date +%s) - 60)) "$1" 2>/dev/null | awk '$2 != "None" {v=$2} END {print v}'
}
# the count is cumulative: a flush may land while the samples still arrive, so wait for the
# last value to reach the total (carbon writes each 1 s point as it comes)
v=
_count_arrived() {
	v=$(last "$W/app/shop/checkout_v2/count.wsp")
	[ -n "$v" ] && [ "$(python3 -c "print(int(float('$v')))")" -ge 25 ]
}
wait_until "$WAIT_TIMEOUT" _count_arrived
is "$(python3 -c "print(int(float('${v:-0}')))")" 25 "the count that arrived is 25"
p50=$(last "$W/app/shop/checkout_v2/p50_1m.wsp")
ok $(python3 -c "import sys; sys.exit(0 if abs(float('${p50:-0}') - 0.004) <= 0.004 * 0.0625 else 1)"; echo $?) \
	"p50 over the last minute is 4 ms within 6.25% ($p50)"
ev=$(last "$W/syscall/syscall/events.wsp")
ok $(python3 -c "import sys; sys.exit(0 if float('${ev:-0}') > 0 else 1)"; echo $?) "syscall events were counted ($ev)"
done_testing
