#!/usr/bin/env bash
# bench/oltp.sh: whole-system overhead of latscope on a database (sysbench oltp_read_write on a private MariaDB), beside bpftrace, libbpf-tools and perf.
#
# The original latency tracker's table, redone here: a MariaDB instance of our own (datadir in a
# temporary directory under /var/tmp, unix socket only, --skip-networking, started and stopped by
# this script; a system-wide MariaDB is never touched), sysbench tables small enough to stay in the
# buffer pool, and sysbench oltp_read_write under each configuration in turn:
#   baseline            nothing attached
#   syscall             latscope track syscall            (OLTP_TRACK_OPTS, default --threshold 1h --quiet)
#   wakeup+offcpu       latscope track wakeup offcpu
#   block               latscope track block
#   all                 latscope track with every tracker it has (syscall wakeup offcpu block irq net ttfb)
#   agent               latscope agent --config (every tracker on), when `latscope agent --help` works
#   record              latscope record -o DIR (all events), when `latscope record --help` works
#   flight              latscope record --flight (all events, in the kernel-resident rings)
#   empty               empty BPF programs on the tracepoints of `all` (build/bench/oltp_empty):
#                       the floor no tracker attached there can go below
#   bpftrace-syscall    bpftrace: sys_enter -> sys_exit latency histogram (the job of track syscall)
#   syscount-L          libbpf-tools syscount -L (syscall counts and latency)
#   runqlat+offcputime  libbpf-tools runqlat and offcputime -m 1h together (the job of wakeup+offcpu)
#   biolatency          libbpf-tools biolatency -Q (the job of track block)
#   perf-record         perf record -a of the sched and raw_syscalls tracepoints (the job of record)
#   trace-cmd-record    trace-cmd record --no-filter -d of the same tracepoints (the job of record;
#                       its pid filter needs set_ftrace_filter, refused on this VM)
# Every configuration run is bracketed by baseline runs (B C1 B C2 B ... B; the order reverses
# every other round) and its overhead is 1 - tps / mean(the two baselines beside it), so slow
# drifts of a busy machine cancel. Rounds repeat that; the table gives medians and the spread
# (min..max over rounds), p95 latency, and from the kernel's BPF statistics (BPF_ENABLE_STATS held
# on by an fd, or kernel.bpf_stats_enabled) the tool's programs' ns per run, runs per transaction
# and BPF µs per transaction, the tool's own CPU (user space), every event it lost, and the CPU
# time per transaction of the whole machine (all CPUs, from /proc/stat: steadier than tps when
# the machine's speed moves between runs).
#
#   make bench-oltp
#   knobs (environment): OLTP_SECONDS=30 OLTP_REPEAT=3 OLTP_CONFIGS="syscall block ..."
#     OLTP_THREADS=4 OLTP_TABLES=4 OLTP_TABLE_SIZE=25000 OLTP_WARMUP=10 OLTP_BUFFER_POOL=512M
#     OLTP_TRACK_OPTS="--threshold 1h --quiet" OLTP_AGENT_OPTS="threshold=1h" (after each tracker
#     line of the agent's configuration; default: none, the agent's own thresholds)
#     OLTP_MYSQLD_OPTS="..." OLTP_NOTE="..."
#     OLTP_DOC=docs/performance.md (where the table is written; OLTP_DOC=0: nowhere)
#     OLTP_KEEP=DIR (keep every run's sysbench and tool output there)
set -u
export LC_ALL=C
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(realpath -m "${LATSCOPE_BUILD:-$ROOT/build}")
LATSCOPE=$BUILD/latscope
STATS_HOLDER=$BUILD/bench/track_sched_empty
RUN_SECONDS=${OLTP_SECONDS:-30}
REPEAT=${OLTP_REPEAT:-3}
THREADS=${OLTP_THREADS:-4}
TABLES=${OLTP_TABLES:-4}
TABLE_SIZE=${OLTP_TABLE_SIZE:-25000}
WARMUP=${OLTP_WARMUP:-10}
BUFFER_POOL=${OLTP_BUFFER_POOL:-512M}
TRACK_OPTS=${OLTP_TRACK_OPTS:---threshold 1h --quiet}
DOC=${OLTP_DOC:-$ROOT/docs/performance.md}
[ "$DOC" = 0 ] || DOC=$(realpath -m "$DOC")
cd "$ROOT" || exit 1
TOOLS=${TOOLS:-/usr/sbin}
ALL_CONFIGS="empty syscall wakeup+offcpu block all agent record flight bpftrace-syscall syscount-L runqlat+offcputime biolatency perf-record trace-cmd-record"
CONFIGS=${OLTP_CONFIGS:-$ALL_CONFIGS}
PERF_EVENTS="sched:sched_switch,sched:sched_waking,sched:sched_wakeup,sched:sched_wakeup_new,sched:sched_migrate_task,sched:sched_process_fork,sched:sched_process_exec,sched:sched_process_exit,sched:sched_process_free,raw_syscalls:sys_enter,raw_syscalls:sys_exit"

say() { echo "bench-oltp: $*" >&2; }
die() {
	say "$*"
	exit 1
}

for v in "$RUN_SECONDS" "$REPEAT" "$THREADS" "$TABLES" "$TABLE_SIZE" "$WARMUP"; do
	[[ $v =~ ^[0-9]+$ ]] || {
		say "OLTP_SECONDS, OLTP_REPEAT, OLTP_THREADS, OLTP_TABLES, OLTP_TABLE_SIZE, OLTP_WARMUP take whole numbers ('$v')"
		exit 2
	}
done
[ "$RUN_SECONDS" -ge 1 ] && [ "$REPEAT" -ge 1 ] && [ "$THREADS" -ge 1 ] && [ "$TABLES" -ge 1 ] && [ "$TABLE_SIZE" -ge 1 ] || {
	say "OLTP_SECONDS, OLTP_REPEAT, OLTP_THREADS, OLTP_TABLES and OLTP_TABLE_SIZE must be at least 1"
	exit 2
}
for c in $CONFIGS; do
	case " baseline $ALL_CONFIGS runqlat offcputime syscall-1ms " in
	*" $c "*) ;;
	*)
		say "unknown configuration '$c' (known: $ALL_CONFIGS runqlat offcputime syscall-1ms)"
		exit 2
		;;
	esac
done
[ "$(id -u)" = 0 ] || die "needs root"
[ -x "$LATSCOPE" ] || die "$LATSCOPE missing (make)"

# What it needs comes from scripts/deps.sh (mariadb-server-core, mariadb-client-core, sysbench,
# bpftrace, libbpf-tools, linux-perf).
if ! command -v mariadbd >/dev/null || ! command -v mariadb-install-db >/dev/null ||
	! command -v mariadb >/dev/null || ! command -v sysbench >/dev/null; then
	say "installing what is missing through scripts/deps.sh"
	scripts/deps.sh >&2 || die "scripts/deps.sh failed"
fi
export PATH=$PATH:/usr/sbin:/sbin

# Which configurations exist on this machine today.
RUN_CONFIGS=
for c in $CONFIGS; do
	why=
	case $c in
	baseline) continue ;;
	agent) "$LATSCOPE" agent --help >/dev/null 2>&1 || why="$LATSCOPE agent --help fails (not written yet)" ;;
	record) "$LATSCOPE" record --help >/dev/null 2>&1 || why="$LATSCOPE record --help fails (not written yet)" ;;
	flight) "$LATSCOPE" record --help 2>&1 | grep -q -- --flight-rings || why="$LATSCOPE record has no kernel-resident --flight rings" ;;
	empty) [ -x "$BUILD/bench/oltp_empty" ] || why="$BUILD/bench/oltp_empty missing (make)" ;;
	trace-cmd-record) command -v trace-cmd >/dev/null || why="no trace-cmd" ;;
	bpftrace-syscall) command -v bpftrace >/dev/null || why="no bpftrace" ;;
	syscount-L) [ -x "$TOOLS/syscount" ] || why="no $TOOLS/syscount" ;;
	runqlat+offcputime) [ -x "$TOOLS/runqlat" ] && [ -x "$TOOLS/offcputime" ] || why="no $TOOLS/runqlat or offcputime" ;;
	runqlat | offcputime | biolatency) [ -x "$TOOLS/$c" ] || why="no $TOOLS/$c" ;;
	perf-record) command -v perf >/dev/null && perf --version >/dev/null 2>&1 || why="no working perf" ;;
	esac
	if [ -n "$why" ]; then
		echo "bench-oltp: $c: not available ($why), skipped"
	else
		RUN_CONFIGS="$RUN_CONFIGS $c"
	fi
done
RUN_CONFIGS=${RUN_CONFIGS# }
[ -n "$RUN_CONFIGS" ] || echo "bench-oltp: no configuration besides the baseline"
# Every tracker latscope track has, from its help.
ALL_TRACKERS=$("$LATSCOPE" track --help 2>&1 | awk '/^Trackers:/ { on = 1; next } on && /^$/ { exit } on && NF { print $1 }' | tr '\n' ' ')
[ -n "$ALL_TRACKERS" ] || ALL_TRACKERS="syscall wakeup offcpu block irq"

WORK=$(mktemp -d /var/tmp/latscope-oltp.XXXXXX) || die "cannot create a directory under /var/tmp"
TMP=$WORK/tmp
mkdir -p "$TMP"
SOCK=$WORK/mysqld.sock
MYSQLD_PID=
SB_PID=
TOOL_PIDS=()
STATS_PID=
old_stats=
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

stop_tools() {
	local p
	for p in "${TOOL_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${TOOL_PIDS[@]}"; do
		for _ in $(seq 150); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	TOOL_PIDS=()
}
cleanup() {
	stop_tools
	[ -n "$SB_PID" ] && kill -KILL "$SB_PID" 2>/dev/null
	if [ -n "$MYSQLD_PID" ]; then
		kill -TERM "$MYSQLD_PID" 2>/dev/null
		for _ in $(seq 300); do
			kill -0 "$MYSQLD_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$MYSQLD_PID" 2>/dev/null
		wait "$MYSQLD_PID" 2>/dev/null
	fi
	[ -n "$STATS_PID" ] && kill -TERM "$STATS_PID" 2>/dev/null && wait "$STATS_PID" 2>/dev/null
	[ -n "$old_stats" ] && sysctl -q -w kernel.bpf_stats_enabled="$old_stats"
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# BPF run-time statistics: held on by an fd (BPF_ENABLE_STATS) so that another benchmark writing
# the shared sysctl meanwhile does not switch them off; the sysctl when the holder is not built.
if [ -x "$STATS_HOLDER" ]; then
	"$STATS_HOLDER" stats >"$TMP/stats.out" 2>&1 &
	STATS_PID=$!
	for _ in $(seq 200); do
		grep -q ready "$TMP/stats.out" && break
		sleep 0.025
	done
fi
if ! grep -qs ready "$TMP/stats.out"; then
	old_stats=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -q -w kernel.bpf_stats_enabled=1
fi

# --- the database ---------------------------------------------------------------------------
say "MariaDB in $WORK (unix socket only), $TABLES tables of $TABLE_SIZE rows, buffer pool $BUFFER_POOL"
mariadb-install-db --no-defaults --datadir="$WORK/data" --user=root \
	--auth-root-authentication-method=socket --skip-test-db >"$WORK/install.log" 2>&1 ||
	die "mariadb-install-db failed: $(tail -3 "$WORK/install.log")"
# shellcheck disable=SC2086 # OLTP_MYSQLD_OPTS is a list of options
mariadbd --no-defaults --datadir="$WORK/data" --socket="$SOCK" --pid-file="$WORK/mysqld.pid" \
	--skip-networking --user=root --innodb-buffer-pool-size="$BUFFER_POOL" \
	--max-connections=200 --log-error="$WORK/mariadbd.err" ${OLTP_MYSQLD_OPTS:-} >/dev/null 2>&1 &
MYSQLD_PID=$!
sql() { mariadb --no-defaults --socket="$SOCK" -u root -N -B -e "$1"; }
for _ in $(seq 600); do
	sql 'select 1' >/dev/null 2>&1 && break
	kill -0 "$MYSQLD_PID" 2>/dev/null || break
	sleep 0.1
done
sql 'select 1' >/dev/null 2>&1 || die "mariadbd did not start: $(tail -3 "$WORK/mariadbd.err")"
MARIADB_VERSION=$(sql 'select version()')
sql "create database sbtest; create user sbtest@localhost identified by 'sbtest';
     grant all on sbtest.* to sbtest@localhost" || die "cannot create the sbtest database"
SB=(sysbench oltp_read_write --db-driver=mysql --mysql-socket="$SOCK" --mysql-user=sbtest
	--mysql-password=sbtest --mysql-db=sbtest --tables="$TABLES" --table-size="$TABLE_SIZE")
"${SB[@]}" --threads=2 prepare >"$WORK/prepare.log" 2>&1 || die "sysbench prepare failed: $(tail -3 "$WORK/prepare.log")"
if [ "$WARMUP" -gt 0 ]; then
	"${SB[@]}" --threads="$THREADS" --time="$WARMUP" run >"$WORK/warmup.log" 2>&1 ||
		die "sysbench warm-up failed: $(grep -i -m3 -E 'error|fatal' "$WORK/warmup.log")"
fi

# --- the tools ------------------------------------------------------------------------------
cat >"$TMP/syscall.bt" <<'EOF'
BEGIN { printf("ready\n"); }
tracepoint:raw_syscalls:sys_enter { @start[tid] = nsecs; }
tracepoint:raw_syscalls:sys_exit /@start[tid]/ {
	@lat = hist(nsecs - @start[tid]);
	delete(@start[tid]);
}
EOF
{
	echo "# bench/oltp.sh: metrics on 127.0.0.1, any free port; nothing to Graphite"
	echo "listen = 127.0.0.1:0"
	echo "control_socket = $WORK/agent.sock"
	echo "app_socket = $WORK/apps.sock"
} >"$WORK/agent-default.conf"
cp "$WORK/agent-default.conf" "$WORK/agent.conf"
for t in $ALL_TRACKERS; do echo "tracker = $t ${OLTP_AGENT_OPTS:-}"; done >>"$WORK/agent.conf"
AGENT_TRACKERS=$ALL_TRACKERS

# launch NAME READY CMD...: one tool in the background, output in $TMP/NAME.out; READY is a
# pattern its output shows once it is attached, or BPF (it holds BPF programs and their number
# stopped growing), or PERF (it holds perf events).
launch() {
	local name=$1 ready=$2 pid n prev=-1 ok=
	shift 2
	"$@" >"$TMP/$name.out" 2>&1 &
	pid=$!
	TOOL_PIDS+=("$pid")
	for _ in $(seq 600); do # up to 30 s (bpftrace starts slowly on a loaded machine)
		kill -0 "$pid" 2>/dev/null || break
		case $ready in
		BPF)
			n=$(prog_ids_of "$pid" | wc -l)
			[ "$n" -gt 0 ] && [ "$n" = "$prev" ] && ok=1
			prev=$n
			;;
		PERF) [ -n "$(find "/proc/$pid/fd" -lname '*perf_event*' 2>/dev/null | head -1)" ] && sleep 0.5 && ok=1 ;;
		*) grep -qE "$ready" "$TMP/$name.out" && ok=1 ;;
		esac
		[ -n "$ok" ] && return 0
		sleep 0.05
	done
	say "$name did not start: $(head -3 "$TMP/$name.out" | tr '\n' ' ')"
	return 1
}

# The ids of the BPF programs a process holds (program fds and links), from /proc/PID/fdinfo.
prog_ids_of() {
	local p
	for p in "$@"; do
		cat /proc/"$p"/fdinfo/* 2>/dev/null | awk '$1 == "prog_id:" { print $2 }'
	done | sort -u
}

# BPF run time and run count summed over the programs in $PROGS.
bpf_stats() {
	[ -n "$PROGS" ] || {
		echo "0 0"
		return
	}
	bpftool prog show 2>/dev/null | awk -v ids=" $PROGS " '
		/^[0-9]+: / { id = $1; sub(":", "", id); keep = index(ids, " " id " ") > 0 }
		keep { for (i = 1; i < NF; i++) { if ($i == "run_time_ns") t += $(i+1); if ($i == "run_cnt") c += $(i+1) } }
		END { printf "%.0f %.0f\n", t, c }'
}

# The machine's busy CPU time (clock ticks, all CPUs: everything but idle and iowait), /proc/stat.
busy_ticks() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# CPU time (clock ticks, user + system) of the tools' processes, all threads.
tool_ticks() {
	local p
	for p in "${TOOL_PIDS[@]}"; do
		[ -r "/proc/$p/stat" ] && sed 's/^.*) //' "/proc/$p/stat"
	done | awk '{ t += $12 + $13 } END { printf "%d\n", t }'
}

# start CONFIG: attaches the configuration's tools and returns when they are live.
start() {
	local lat=("$LATSCOPE" track)
	# shellcheck disable=SC2206 # OLTP_TRACK_OPTS is a list of options
	local topts=($TRACK_OPTS)
	# shellcheck disable=SC2206 # the tracker list
	local all=($ALL_TRACKERS)
	case $1 in
	baseline) ;;
	syscall) launch latscope Tracking "${lat[@]}" syscall "${topts[@]}" ;;
	syscall-1ms) launch latscope Tracking "${lat[@]}" syscall --quiet ;;
	wakeup+offcpu) launch latscope Tracking "${lat[@]}" wakeup offcpu "${topts[@]}" ;;
	block) launch latscope Tracking "${lat[@]}" block "${topts[@]}" ;;
	all) launch latscope Tracking "${lat[@]}" "${all[@]}" "${topts[@]}" ;;
	agent)
		if [ "$AGENT_TRACKERS" = default ]; then
			launch agent BPF "$LATSCOPE" agent --config "$WORK/agent-default.conf"
		elif ! launch agent BPF "$LATSCOPE" agent --config "$WORK/agent.conf"; then
			stop_tools
			AGENT_TRACKERS=default
			say "agent: trying again with its default trackers"
			launch agent BPF "$LATSCOPE" agent --config "$WORK/agent-default.conf"
		fi
		;;
	record) rm -rf "$WORK/rec" && launch record 'writing|BPF' "$LATSCOPE" record -o "$WORK/rec" ;;
	flight) rm -rf "$WORK/rec" && launch record 'flight recorder' "$LATSCOPE" record --flight -o "$WORK/rec" --socket "$WORK/flight.sock" ;;
	empty) launch empty ready "$BUILD/bench/oltp_empty" ;;
	trace-cmd-record) launch tracecmd 'Hit Ctrl' stdbuf -oL trace-cmd record --no-filter -d -e sched:sched_switch -e sched:sched_waking -e sched:sched_wakeup -e sched:sched_wakeup_new -e sched:sched_migrate_task -e sched:sched_process_fork -e sched:sched_process_exec -e sched:sched_process_exit -e sched:sched_process_free -e raw_syscalls -o "$WORK/trace.dat" ;;
	bpftrace-syscall) launch bpftrace ready bpftrace "$TMP/syscall.bt" ;;
	syscount-L) launch syscount Tracing stdbuf -oL "$TOOLS/syscount" -L ;;
	runqlat) launch runqlat Tracing stdbuf -oL "$TOOLS/runqlat" ;;
	offcputime) launch offcputime BPF "$TOOLS/offcputime" -m 3600000000 ;;
	runqlat+offcputime)
		launch runqlat Tracing stdbuf -oL "$TOOLS/runqlat" &&
			launch offcputime BPF "$TOOLS/offcputime" -m 3600000000
		;;
	biolatency) launch biolatency Tracing stdbuf -oL "$TOOLS/biolatency" -Q ;;
	perf-record) launch perf PERF perf record -a -e "$PERF_EVENTS" -o "$WORK/perf.data" ;;
	esac || {
		stop_tools
		return 1
	}
	if [ "$1" = record ] || [ "$1" = flight ]; then # the recorder may say it writes before its programs are attached
		for _ in $(seq 100); do
			[ -n "$(prog_ids_of "${TOOL_PIDS[@]}")" ] && break
			sleep 0.05
		done
	fi
	PROGS=$(prog_ids_of "${TOOL_PIDS[@]}" | tr '\n' ' ')
	return 0
}

# The events a tool lost, from its output (latscope track's `lost:` lines, latscope record's
# discarded events, bpftrace's and perf's lost events); - when the tool reports none.
losses() {
	local f=$1
	[ -s "$f" ] || {
		echo -
		return
	}
	awk '
		/^ *lost: / { for (i = 2; i <= NF; i++) { split($i, kv, "="); n += kv[2] }; seen = 1 }
		/ discarded/ { for (i = 2; i <= NF; i++) if ($i ~ /^discarded/) { v = $(i-1); gsub(/[^0-9]/, "", v); n += v; seen = 1 } }
		/[Ll]ost [0-9]+ (events|chunks|samples)/ { for (i = 1; i < NF; i++) if ($i ~ /^[Ll]ost$/) { n += $(i+1); seen = 1 } }
		/LOST [0-9]+ events/ { for (i = 1; i < NF; i++) if ($i == "LOST") { n += $(i+1); seen = 1 } }
		/^latscope_lost_total[{ ]/ { n += $NF; seen = 1 }
		END { if (seen) print n + 0; else print "-" }' "$f"
}

# one_run ROUND INDEX CONFIG: starts the configuration, runs sysbench, appends a line to $TMP/runs:
#   round index config tps p95_ms transactions bpf_ns bpf_runs tool_ticks losses
one_run() {
	local round=$1 idx=$2 c=$3 s0 s1 k0 k1 c0 c1 out tps p95 txn lost=- f
	rm -f "$TMP"/{latscope,agent,record,bpftrace,syscount,runqlat,offcputime,biolatency,perf,empty,tracecmd}.out "$TMP/agent.metrics"
	if ! start "$c"; then
		echo "$round $idx $c fail" >>"$TMP/runs"
		return 1
	fi
	out=$TMP/sysbench.out
	s0=$(bpf_stats)
	k0=$(tool_ticks)
	c0=$(busy_ticks)
	"${SB[@]}" --threads="$THREADS" --time="$RUN_SECONDS" --percentile=95 --report-interval=0 run >"$out" 2>&1 &
	SB_PID=$!
	wait "$SB_PID"
	SB_PID=
	s1=$(bpf_stats)
	k1=$(tool_ticks)
	c1=$(busy_ticks)
	# The agent's losses are in its metrics (scraped once, as Prometheus would).
	if [ "$c" = agent ]; then
		port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/agent.out" | head -1)
		[ -n "$port" ] && curl -s -m 5 "http://127.0.0.1:$port/metrics" >"$TMP/agent.metrics"
	fi
	stop_tools
	if [ "$c" != baseline ]; then
		for f in "$TMP"/latscope.out "$TMP"/agent.metrics "$TMP"/record.out "$TMP"/bpftrace.out "$TMP"/syscount.out \
			"$TMP"/runqlat.out "$TMP"/offcputime.out "$TMP"/biolatency.out "$TMP"/perf.out "$TMP"/tracecmd.out; do
			[ -f "$f" ] || continue
			l=$(losses "$f")
			[ "$l" = - ] || lost=$((${lost/-/0} + l))
		done
	fi
	if [ -n "${OLTP_KEEP:-}" ]; then
		mkdir -p "$OLTP_KEEP"
		cp "$out" "$OLTP_KEEP/r$round-$idx-$c.sysbench"
		for f in "$TMP"/*.out; do
			[ "$f" = "$out" ] || [ "$f" = "$TMP/stats.out" ] || cp "$f" "$OLTP_KEEP/r$round-$idx-$c.$(basename "$f")"
		done
	fi
	rm -f "$TMP"/{latscope,agent,record,bpftrace,syscount,runqlat,offcputime,biolatency,perf,empty,tracecmd}.out "$TMP/agent.metrics"
	rm -rf "$WORK/rec" "$WORK/perf.data" "$WORK/perf.data.old" "$WORK"/trace.dat*
	tps=$(awk '/transactions:/ { gsub(/\(/, "", $3); print $3 }' "$out")
	p95=$(awk '/95th percentile:/ { print $3 }' "$out")
	txn=$(awk '/transactions:/ { print $2 }' "$out")
	if [ -z "$tps" ] || [ -z "$p95" ]; then
		say "round $round $c: sysbench failed: $(grep -i -m2 -E 'error|fatal' "$out" | tr '\n' ' ')"
		echo "$round $idx $c fail" >>"$TMP/runs"
		return 1
	fi
	read -r t0 n0 <<<"$s0"
	read -r t1 n1 <<<"$s1"
	echo "$round $idx $c $tps $p95 $txn $((t1 - t0)) $((n1 - n0)) $((k1 - k0)) $lost $((c1 - c0))" >>"$TMP/runs"
	printf '  round %d %-19s %8s tps  p95 %7s ms  BPF %6.1f ms  CPU %6.0f us/txn  lost %s\n' "$round" "$c" "$tps" "$p95" \
		"$(awk -v t=$((t1 - t0)) 'BEGIN { print t / 1e6 }')" \
		"$(awk -v b=$((c1 - c0)) -v n="$txn" -v k="$(getconf CLK_TCK)" 'BEGIN { print (n > 0 ? b * 1e6 / k / n : 0) }')" "$lost" >&2
}

nconf=$(wc -w <<<"$RUN_CONFIGS")
nruns=$(((2 * nconf + 1) * REPEAT))
echo "bench-oltp: sysbench oltp_read_write, $THREADS threads, ${RUN_SECONDS}s per run, $REPEAT rounds of $((2 * nconf + 1)) runs (~$((nruns * (RUN_SECONDS + 3) / 60)) min); configurations: baseline $RUN_CONFIGS"
echo "bench-oltp: load average before: $LOAD_BEFORE ($(nproc) CPUs); latscope track options: $TRACK_OPTS"
: >"$TMP/runs"
for round in $(seq "$REPEAT"); do
	order=$RUN_CONFIGS
	[ $((round % 2)) = 0 ] && order=$(tr ' ' '\n' <<<"$RUN_CONFIGS" | tac | tr '\n' ' ')
	idx=0
	one_run "$round" $idx baseline
	for c in $order; do
		one_run "$round" $((++idx)) "$c"
		one_run "$round" $((++idx)) baseline
	done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
TICK=$(getconf CLK_TCK)

# --- results --------------------------------------------------------------------------------
# Per configuration: medians of tps and p95, overhead % against the bracketing baselines (median,
# min, max over rounds), BPF ns per program run, runs per transaction, BPF µs per transaction,
# tool CPU % of one CPU, events lost (sum over rounds).
awk -v order="baseline $RUN_CONFIGS" -v secs="$RUN_SECONDS" -v tick="$TICK" -v ncpu="$(nproc)" '
	function median(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
		if (n == 0) return "nan"
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function minmax(s, which,   a, n, i, v) {
		n = split(s, a, " "); v = a[1]
		for (i = 2; i <= n; i++) if ((which == "min" && a[i] + 0 < v + 0) || (which == "max" && a[i] + 0 > v + 0)) v = a[i]
		return v
	}
	$4 == "fail" { fails[$3]++; next }
	{
		tps[$1, $2] = $4; conf[$1, $2] = $3
		T[$3] = T[$3] " " $4; P[$3] = P[$3] " " $5
		if ($8 > 0) { NS[$3] = NS[$3] " " $7 / $8; EV[$3] = EV[$3] " " $8 / $6; US[$3] = US[$3] " " $7 / 1000 / $6; BC[$3] = BC[$3] " " 100 * $7 / (secs * 1e9 * ncpu) }
		if ($3 != "baseline") CPU[$3] = CPU[$3] " " 100 * $9 / tick / secs
		if ($11 != "" && $6 > 0) CT[$3] = CT[$3] " " $11 * 1e6 / tick / $6
		if ($10 != "-") { lost[$3] += $10; haslost[$3] = 1 }
		if ($3 == "baseline") { if (lastb[$1] != "") BN[$3] = BN[$3] " " 100 * ($4 - lastb[$1]) / lastb[$1]; lastb[$1] = $4 }
	}
	END {
		for (k in conf) {
			split(k, rk, SUBSEP); r = rk[1]; i = rk[2]
			if (conf[k] == "baseline") continue
			b1 = tps[r, i - 1]; b2 = tps[r, i + 1]
			if (b1 == "" && b2 == "") continue
			b = (b1 != "" && b2 != "") ? (b1 + b2) / 2 : b1 + b2
			O[conf[k]] = O[conf[k]] " " 100 * (1 - tps[k] / b)
		}
		n = split(order, names, " ")
		for (j = 1; j <= n; j++) {
			c = names[j]
			if (T[c] == "") { printf "%s fail\n", c; continue }
			ov = "-"; lo = "-"; hi = "-"
			if (O[c] != "") { ov = sprintf("%.2f", median(O[c])); lo = sprintf("%.2f", minmax(O[c], "min")); hi = sprintf("%.2f", minmax(O[c], "max")) }
			if (c == "baseline" && BN[c] != "") { lo = sprintf("%.2f", minmax(BN[c], "min")); hi = sprintf("%.2f", minmax(BN[c], "max")) }
			printf "%s %.2f %.2f %s %s %s %s %s %s %s %s %s %d %s\n", c, median(T[c]), median(P[c]), ov, lo, hi,
				NS[c] == "" ? "-" : sprintf("%.0f", median(NS[c])),
				EV[c] == "" ? "-" : sprintf("%.0f", median(EV[c])),
				US[c] == "" ? "-" : sprintf("%.1f", median(US[c])),
				BC[c] == "" ? "-" : sprintf("%.2f", median(BC[c])),
				CPU[c] == "" ? "-" : sprintf("%.1f", median(CPU[c])),
				haslost[c] ? lost[c] : "-", fails[c] + 0,
				CT[c] == "" ? "-" : sprintf("%.0f", median(CT[c]))
		}
	}' "$TMP/runs" >"$TMP/table"

describe() {
	case $1 in
	baseline) echo "nothing attached" ;;
	syscall) echo "latscope track syscall" ;;
	syscall-1ms) echo "latscope track syscall --quiet (default 1 ms threshold: reports and stacks)" ;;
	wakeup+offcpu) echo "latscope track wakeup offcpu" ;;
	block) echo "latscope track block" ;;
	all) echo "latscope track $ALL_TRACKERS" ;;
	agent) echo "latscope agent, trackers: $AGENT_TRACKERS ${OLTP_AGENT_OPTS:-(its default thresholds)}" ;;
	record) echo "latscope record (all events)" ;;
	flight) echo "latscope record --flight (all events, kernel-resident rings)" ;;
	empty) echo "empty BPF programs on the tracepoints of all" ;;
	trace-cmd-record) echo "trace-cmd record sched + raw_syscalls" ;;
	bpftrace-syscall) echo "bpftrace sys_enter->sys_exit hist" ;;
	syscount-L) echo "libbpf-tools syscount -L" ;;
	runqlat) echo "libbpf-tools runqlat" ;;
	offcputime) echo "libbpf-tools offcputime -m 1h" ;;
	runqlat+offcputime) echo "libbpf-tools runqlat + offcputime -m 1h" ;;
	biolatency) echo "libbpf-tools biolatency -Q" ;;
	perf-record) echo "perf record -a sched + raw_syscalls" ;;
	esac
}

table_text() {
	printf '%-19s %9s %8s %10s %17s %7s %8s %7s %6s %6s %7s %8s\n' config tps "p95 ms" "overhead%" "spread%" "BPF ns" runs/txn "BPF us" "BPF%" tool% lost "CPU us"
	while read -r c tps p95 ov lo hi ns ev us bc cpu lost _ ct; do
		if [ "$tps" = fail ]; then
			printf '%-19s %s\n' "$c" "failed to start or run (see above)"
			continue
		fi
		spread=-
		[ "$lo" != - ] && spread="$lo..$hi"
		printf '%-19s %9s %8s %10s %17s %7s %8s %7s %6s %6s %7s %8s\n' "$c" "$tps" "$p95" "$ov" "$spread" "$ns" "$ev" "$us" "$bc" "$cpu" "$lost" "$ct"
	done <"$TMP/table"
}

table_md() {
	echo "| configuration | what runs | tps | p95 ms | overhead % | spread % (min..max) | BPF ns/run | BPF runs/txn | BPF µs/txn | BPF CPU % | tool CPU % | lost | CPU µs/txn |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	while read -r c tps p95 ov lo hi ns ev us bc cpu lost _ ct; do
		if [ "$tps" = fail ]; then
			echo "| $c | $(describe "$c") | failed | | | | | | | | | | |"
			continue
		fi
		spread=-
		[ "$lo" != - ] && spread="$lo..$hi"
		echo "| $c | $(describe "$c") | $tps | $p95 | $ov | $spread | $ns | $ev | $us | $bc | $cpu | $lost | $ct |"
	done <"$TMP/table"
}

echo
table_text
echo "(overhead: 1 - tps / mean of the baseline runs beside it, median over rounds; spread: min..max"
echo " over rounds; baseline's spread: run-to-run change of the baseline itself, the noise floor."
echo " BPF ns: run time per program run of the tool's programs (kernel BPF statistics); runs/txn:"
echo " program runs per transaction (whole machine); BPF us: BPF run time per transaction; BPF%:"
echo " BPF run time in % of all CPUs; tool%: the tool's user-space processes in % of one CPU; lost:"
echo " events the tools reported lost, all rounds; -: the tool reports no loss counts; CPU us: the"
echo " whole machine's CPU time per transaction, all CPUs, from /proc/stat)"
echo "bench-oltp: load average after: $LOAD_AFTER"
echo

# BENCH lines: overhead % (lower is better; ratio = peer / ours, ours below 0.05 % counted as
# 0.05 %), then the BPF run time per transaction (steadier on a busy machine).
get() { awk -v c="$1" -v col="$2" '$1 == c && $2 != "fail" { print $col }' "$TMP/table"; }
ratio() { awk -v p="$1" -v o="$2" 'BEGIN { if (o < 0.05) o = 0.05; if (p < 0) p = 0; printf "%.2f", p / o }'; }
bench() { # bench NAME OURS PEER PEER_NAME
	local o p
	o=$(get "$2" 4)
	p=$(get "$3" 4)
	[ -n "$o" ] && [ "$o" != - ] && [ -n "$p" ] && [ "$p" != - ] || return 0
	echo "BENCH $1 ours=$o % peer=$p % peer_name=$4 ratio=$(ratio "$p" "$o")"
}
bench_bpf() {
	local o p
	o=$(get "$2" 9)
	p=$(get "$3" 9)
	[ -n "$o" ] && [ "$o" != - ] && [ -n "$p" ] && [ "$p" != - ] || return 0
	echo "BENCH ${1}_bpf_us_per_txn ours=$o us peer=$p us peer_name=$4 ratio=$(awk -v p="$p" -v o="$o" 'BEGIN { if (o <= 0) o = 0.1; printf "%.2f", p / o }')"
}
{
bench oltp_syscall syscall bpftrace-syscall bpftrace-syscall-hist
bench oltp_syscall_syscount syscall syscount-L libbpf-tools-syscount-L
bench oltp_wakeup_offcpu wakeup+offcpu runqlat+offcputime libbpf-tools-runqlat+offcputime
bench oltp_block block biolatency libbpf-tools-biolatency-Q
bench oltp_record record perf-record perf-record-sched+syscalls
bench oltp_flight flight perf-record perf-record-sched+syscalls
bench oltp_flight_trace_cmd flight trace-cmd-record trace-cmd-record-sched+syscalls
bench_bpf oltp_syscall syscall bpftrace-syscall bpftrace-syscall-hist
bench_bpf oltp_syscall_syscount syscall syscount-L libbpf-tools-syscount-L
bench_bpf oltp_wakeup_offcpu wakeup+offcpu runqlat+offcputime libbpf-tools-runqlat+offcputime
bench_bpf oltp_block block biolatency libbpf-tools-biolatency-Q
# CPU time per transaction (all CPUs) against the floor: empty programs on the same tracepoints
bench_cpu() {
	local o p
	o=$(get "$2" 14)
	p=$(get "$3" 14)
	[ -n "$o" ] && [ "$o" != - ] && [ -n "$p" ] && [ "$p" != - ] || return 0
	echo "BENCH ${1}_cpu_txn ours=$o us peer=$p us peer_name=$4 ratio=$(awk -v p="$p" -v o="$o" 'BEGIN { if (o <= 0) o = 1; printf "%.2f", p / o }')"
}
bench_bpf oltp_all_empty all empty empty-programs
bench_bpf oltp_flight_empty flight empty empty-programs
bench_cpu oltp_all all empty empty-programs
bench_cpu oltp_flight flight empty empty-programs
bench_cpu oltp_flight_perf flight perf-record perf-record-sched+syscalls
bench_cpu oltp_flight_trace_cmd flight trace-cmd-record trace-cmd-record-sched+syscalls
# The original latency tracker's published figure (sysbench OLTP on MySQL, 3.31 %) for the
# configurations that have no peer running here.
for c in all agent; do
	o=$(get "$c" 4)
	[ -n "$o" ] && [ "$o" != - ] || continue
	echo "BENCH oltp_$c ours=$o % peer=3.31 % peer_name=latency_tracker-published ratio=$(ratio 3.31 "$o")"
done
} | tee "$TMP/bench"
o=$(get all 4)
[ -n "$o" ] && [ "$o" != - ] && echo "bench-oltp: all trackers together: $o % overhead (goal: below 1 %)"

# --- docs/performance.md --------------------------------------------------------------------
if [ "$DOC" != 0 ]; then
	busy=$(awk -v l="${LOAD_BEFORE%% *}" -v n="$(nproc)" 'BEGIN { print (l > 1.0) ? "yes" : "no" }')
	{
		echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`make bench-oltp\` (bench/oltp.sh)."
		echo
		echo "- machine: $(uname -r), $(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $(hostname -s)"
		echo "- MariaDB $MARIADB_VERSION (private instance, unix socket, buffer pool $BUFFER_POOL), $(sysbench --version) oltp_read_write, $THREADS threads, $TABLES tables of $TABLE_SIZE rows"
		echo "- $REPEAT rounds, ${RUN_SECONDS} s per run, every configuration run between two baseline runs; latscope track options: \`$TRACK_OPTS\`"
		if [ "$busy" = yes ]; then
			echo "- **busy machine**: load average $LOAD_BEFORE before the run, $LOAD_AFTER after (other work was running): compare the overheads with the baseline's spread; the BPF columns are the steadier figures"
		else
			echo "- load average $LOAD_BEFORE before the run, $LOAD_AFTER after"
		fi
		[ -n "${OLTP_NOTE:-}" ] && echo "- $OLTP_NOTE"
		echo
		table_md
		echo
		echo '```'
		grep '^BENCH ' "$TMP/bench" 2>/dev/null
		echo '```'
	} >"$TMP/section"
	if [ -f "$DOC" ] && grep -q '<!-- oltp:begin -->' "$DOC" && grep -q '<!-- oltp:end -->' "$DOC"; then
		awk -v sec="$TMP/section" '
			/<!-- oltp:begin -->/ { print; while ((getline l < sec) > 0) print l; skip = 1; next }
			/<!-- oltp:end -->/ { skip = 0 }
			!skip' "$DOC" >"$TMP/doc" && cat "$TMP/doc" >"$DOC"
		echo "bench-oltp: table written into $DOC"
	else
		echo "bench-oltp: $DOC has no <!-- oltp:begin --> / <!-- oltp:end --> markers; the section to paste:"
		cat "$TMP/section"
	fi
fi
