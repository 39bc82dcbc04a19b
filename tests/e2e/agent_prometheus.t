#!/usr/bin/env bash
# agent_prometheus.t: a real Prometheus (Debian's) scrapes a real `latscope agent` on 127.0.0.1
# with dist/prometheus.yml and dist/latscope.rules.yml; PromQL histogram_quantile over the
# syscall and application histograms gives the magnitude of the workload.
. "$(dirname "$0")/../lib.sh"

require_root
[ -r /sys/kernel/btf/vmlinux ] || skip_all "the kernel has no BTF"
command -v prometheus >/dev/null || skip_all "prometheus not installed (scripts/deps.sh)"
APP=$LATSCOPE_BUILD/tests/helpers/agent_app
SLEEPER=$LATSCOPE_BUILD/tests/helpers/nanosleeper
[ -x "$APP" ] && [ -x "$SLEEPER" ] || skip_all "helpers not built (make)"
TMP=$(mktemp -d)
AGENT_PID= PROM_PID=
cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	[ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cat >"$TMP/agent.conf" <<EOC
listen = 127.0.0.1:0
control_socket = $TMP/ctl.sock
app_socket = $TMP/apps.sock
tracker = syscall threshold=5ms
EOC
"$LATSCOPE" agent --config "$TMP/agent.conf" 2>"$TMP/agent.err" &
AGENT_PID=$!
# every failing check prints the agent's stderr and Prometheus's last log lines
explain() {
	diag "the agent's stderr:"
	sed -n '1,20s/^/    /p' "$TMP/agent.err" | sed 's/^/# /'
	[ -s "$TMP/prom.log" ] || return 0
	diag "prometheus's log, the last lines:"
	tail -5 "$TMP/prom.log" | cut -c1-300 | sed 's/^/#     /'
}
on_failure explain
_port() { sed -n 's/^latscope agent: listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$TMP/agent.err"; }
_started() { [ -n "$(_port)" ] || ! kill -0 "$AGENT_PID" 2>/dev/null; } # exited: no use waiting
wait_until 120 _started # BTF and the verifier on a loaded machine
PORT=$(_port)
ok $([ -n "$PORT" ]; echo $?) "the agent listens on 127.0.0.1:${PORT:-?}"
[ -n "$PORT" ] || { done_testing; exit 1; }

# Prometheus: the repository's example configuration, our target, a 1 s scrape interval
PPORT=$(free_port)
sed -e "s/\['host1:9465', 'host2:9465'\]/['127.0.0.1:$PORT']/" -e 's/15s/1s/g' \
	"$LATSCOPE_SRC/dist/prometheus.yml" >"$TMP/prometheus.yml"
cp "$LATSCOPE_SRC/dist/latscope.rules.yml" "$TMP/"
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/data" \
	--web.listen-address="127.0.0.1:$PPORT" >"$TMP/prom.log" 2>&1 &
PROM_PID=$!
wait_until "$WAIT_TIMEOUT" curl -sf "http://127.0.0.1:$PPORT/-/ready" -o /dev/null
curl -sf "http://127.0.0.1:$PPORT/-/ready" >/dev/null
ok $? "Prometheus is ready on 127.0.0.1:$PPORT"

# query PROMQL: the first result's value, or empty
query() {
	curl -sf --get "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1" |
		python3 -c 'import json,sys
r=json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null
}
# wait_query PROMQL [MIN]: v is the first result that is a number (and at least MIN), polled for
# at most WAIT_TIMEOUT s; at the deadline, v is the last result and a comment says so
_is_result() {
	v=$(query "$1")
	[ -n "$v" ] && [ "$v" != NaN ] &&
		{ [ -z "$2" ] || python3 -c "import sys; sys.exit(0 if float('$v') >= $2 else 1)"; }
}
wait_query() {
	v=
	wait_until "$WAIT_TIMEOUT" _is_result "$1" "${2:-}" && return 0
	diag "waited $WAIT_TIMEOUT s for $1${2:+ >= $2}: Prometheus has '$v'"
	return 1
}

# the workload: 200 application requests of 3 ms, and a process sleeping 20 ms 30 times
"$APP" "$TMP/apps.sock" shop checkout 3000000 200 >/dev/null
"$SLEEPER" 20 30 >/dev/null &
SPID=$!
wait_query 'up{job="latscope"}'
is "$v" 1 "Prometheus scrapes the agent (up == 1)"
wait_query 'histogram_quantile(0.5, latscope_app_latency_seconds_bucket{app="shop",label="checkout"})'
diag "histogram_quantile(0.5, app checkout) = $v"
ok $(python3 -c "import sys; sys.exit(0 if 0.0025 < float('${v:-0}') <= 0.005 else 1)"; echo $?) \
	"PromQL p50 of the application's 3 ms requests is in (2.5 ms, 5 ms] ($v)"
wait_query 'latscope_app_latency_seconds_count{app="shop"}' 200 # a scrape while they arrive
is "$v" 200 "Prometheus has all 200 samples"
wait_query 'histogram_quantile(0.5, latscope_latency_seconds_bucket{tracker="syscall"})'
diag "histogram_quantile(0.5, syscalls) = $v"
ok $(python3 -c "import sys; sys.exit(0 if 1e-7 <= float('${v:-0}') <= 1e-3 else 1)"; echo $?) \
	"PromQL p50 of every syscall is between 100 ns and 1 ms ($v)"
wait "$SPID"
# once the agent has read every record submitted when the sleeper ended (ctl status: the probes'
# count is read before the agent's, the ring buffer in order), and Prometheus scraped it since
status_of() { "$LATSCOPE" ctl --socket "$TMP/ctl.sock" status | sed -n "s/^$1=//p"; }
_read_at_least() { [ "$(status_of syscall.reported)" -ge "$1" ]; }
submitted=$(status_of syscall.submitted)
wait_until "$WAIT_TIMEOUT" _read_at_least "${submitted:-0}" ||
	diag "waited $WAIT_TIMEOUT s for the agent to read $submitted records: $(status_of syscall.reported) read"
wait_query 'timestamp(up{job="latscope"})' "$(date +%s.%N)"
wait_query 'sum(latscope_slow_seconds_count{tracker="syscall"})' 30
ok $(python3 -c "import sys; sys.exit(0 if float('${v:-0}') >= 30 else 1)"; echo $?) \
	"the 30 slow nanosleeps are among the over-threshold syscalls Prometheus has ($v)"
wait_query 'job:latscope_latency_seconds:p99_1m{tracker="syscall"}'
ok $([ -n "$v" ]; echo $?) "the fleet recording rule (p99 over instances) evaluates ($v)"
wait_query 'latscope_lost_total{tracker="syscall",reason="ringbuf_full"}'
ok $([ -n "$v" ]; echo $?) "losses are scraped too ($v)"
done_testing
