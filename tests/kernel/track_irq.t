#!/usr/bin/env bash
# track_irq.t: `latscope track irq` on the real kernel: hard IRQs under disk I/O, NET_RX softirqs and raise latency under loopback traffic; ctl status per series; task filters refused; --help defaults.
. "$(dirname "$0")/../lib.sh"

require_root
[ -r /sys/kernel/btf/vmlinux ] || skip_all "the kernel has no BTF"
WRITER=$LATSCOPE_BUILD/tests/helpers/blk_direct
NET=$LATSCOPE_BUILD/tests/helpers/net_loop
[ -x "$WRITER" ] && [ -x "$NET" ] || skip_all "test helpers not built (make)"
DATA=$(mktemp -d /var/tmp/latscope-irq.XXXXXX)
. "$(dirname "$0")/track_lib.sh"
CLEANUP_PATHS+=("$DATA")

PYQ_DEFS='
S = {l["series"]: l for l in lines if l.get("type") == "summary"}
H = [a for a in A if a.get("kind") == "hard"]
SO = [a for a in A if a.get("kind") == "soft"]
RA = [a for a in A if a.get("kind") == "raise"]
IRQS = {}
for l in open("/proc/interrupts"):
    f = l.split()
    if f and f[0].rstrip(":").isdigit():
        IRQS[int(f[0].rstrip(":"))] = l'

# --- threshold 0 under disk and loopback traffic: all three series --------------------------
start_track t0 irq --threshold 0 --json --no-stack
"$WRITER" "$DATA/f" 16 65536 &
wpid=$!
"$NET" -n 20 -b 20000 >/dev/null
wait $wpid
# NET_RX may still be in ksoftirqd on a loaded machine: wait for it (and a hard IRQ)
wait_lines "$TMP/t0.out" '"kind":"soft","vec":3,"name":"NET_RX"' 1
wait_lines "$TMP/t0.out" '"kind":"raise","vec":3,"name":"NET_RX"' 1
wait_lines "$TMP/t0.out" '"kind":"hard",' 1
stop_track
ok $? "track exits 0 on SIGINT"
pyq "$TMP/t0.out" 'len(H) > 0' \
	'all(h["irq"] in IRQS and h["name"] in IRQS[h["irq"]] for h in H)' \
	'all(h["ret"] in (0, 1, 2, 3) and h["delay_ns"] > 0 and h["timeout"] is False for h in H)' \
	'len([s for s in SO if s["vec"] == 3 and s["name"] == "NET_RX"]) > 0' \
	'len([r for r in RA if r["vec"] == 3 and r["name"] == "NET_RX"]) > 0' \
	'sorted(set(a["name"] for a in SO + RA) - {"HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU"})' \
	'all(a["delay_ns"] >= 0 and a["comm"] and "pid" in a and "tid" in a and a["cpu"] >= 0 for a in A)' \
	'sorted(S)' '[S[k]["reported"] == len(L) for k, L in (("irq_hard", H), ("irq_soft", SO), ("irq_raise", RA))]' \
	'[sum(h["count"] for h in S[k]["hist"]) == S[k]["events"] for k in sorted(S)]' \
	'sorted(S["irq_hard"]["drops"])'
is "${R[0]}" True "hard IRQs reported at threshold 0"
is "${R[1]}" True "IRQ numbers and action names match /proc/interrupts"
is "${R[2]}" True "hard IRQ return value, delay, timeout false"
is "${R[3]}" True "NET_RX softirqs (vector 3) under loopback traffic"
is "${R[4]}" True "NET_RX raise -> entry latencies"
is "${R[5]}" "[]" "softirq names are the kernel's"
is "${R[6]}" True "every alert has comm, pid, tid, cpu, delay"
is "${R[7]}" "['irq_hard', 'irq_raise', 'irq_soft']" "summary has the three series"
is "${R[8]}" "[True, True, True]" "each series' reports match its alerts"
is "${R[9]}" "[True, True, True]" "histograms hold every event"
is "${R[10]}" "['bad_records', 'inflight_full', 'replaced', 'ringbuf_full', 'stack_failed', 'timer_failed']" \
	"summary shows every drop counter"

# --- text output and a threshold nothing reaches ---------------------------------------------------
start_track text irq -t 0 --no-stack
"$NET" -n 5 >/dev/null
wait_lines "$TMP/text.out" '^irq_latency: .* kind=soft vec=3 name=NET_RX ' 1
wait_lines "$TMP/text.out" '^irq_latency: .* kind=raise ' 1
stop_track
like "$(cat "$TMP/text.out")" '^irq_latency: comm=.* pid=[0-9]+ tid=[0-9]+ kind=soft vec=3 name=NET_RX delay_us=[0-9]+ timeout=0 cpu=[0-9]+$' \
	"text line: softirq"
like "$(cat "$TMP/text.out")" '^irq_latency: .* kind=raise vec=[0-9] name=[A-Z_]+ delay_us=' "text line: raise"
like "$(cat "$TMP/text.out")" '^irq_soft: [0-9]+ events, [0-9]+ reported' "text summary per series"

start_track t10s irq -t 10s --json --no-stack
"$NET" -n 5 >/dev/null
_status_counts() { # softirqs and raises counted (they happen all the time; NET_RX among them)
	"$LATSCOPE" ctl --pid "$TRACK_PID" status >"$TMP/status.out" 2>&1 &&
		grep -Eq 'irq\.irq_soft\.events=[1-9]' "$TMP/status.out" &&
		grep -Eq 'irq\.irq_raise\.events=[1-9]' "$TMP/status.out"
}
wait_until "$WAIT_TIMEOUT" _status_counts || diag "ctl status after ${WAIT_TIMEOUT} s: $(cat "$TMP/status.out")"
stop_track
pyq "$TMP/t10s.out" 'len(A)' 'S["irq_soft"]["events"] > 0 and S["irq_raise"]["events"] > 0'
is "${R[0]}" 0 "nothing reported at threshold 10 s"
is "${R[1]}" True "but softirqs are counted"
st=$(cat "$TMP/status.out")
like "$st" "irq\.irq_hard\.events=[0-9]+" "ctl status: the hard IRQ series"
like "$st" "irq\.irq_soft\.events=[1-9][0-9]*" "ctl status: the softirq series, counted"
like "$st" "irq\.irq_raise\.reported=0" "ctl status: the raise series"
python3 -S -c '
import sys
kv = dict(l.split("=", 1) for l in open(sys.argv[1]).read().split() if "=" in l)
print(int(kv["irq.events"]) == sum(int(kv["irq.%s.events" % s]) for s in ("irq_hard", "irq_soft", "irq_raise")))' \
	"$TMP/status.out" >"$TMP/status.sum"
is "$(cat "$TMP/status.sum")" True "ctl status: irq.events is the sum of the series"

# --- an IRQ has no task: the task filters are refused ------------------------------------------------
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
filters=("--pid 1" "--tid 1" "--comm sshd")
[ -n "$CG2" ] && filters+=("--cgroup $CG2")
for f in "${filters[@]}"; do
	# shellcheck disable=SC2086
	"$LATSCOPE" track irq $f -d 1 >"$TMP/flt.out" 2>"$TMP/flt.err"
	is "$?" 2 "irq $f: a usage error"
done
like "$(cat "$TMP/flt.err")" "^latscope: track: irq: --pid, --tid, --comm and --cgroup do not apply \(an interrupt has no task of its own\)" \
	"and a one-line reason"
"$LATSCOPE" track syscall irq --pid 1 -d 1 >/dev/null 2>"$TMP/flt2.err"
is "$?" 2 "with another tracker in the run too"
"$LATSCOPE" track --help >"$TMP/help.out"
like "$(grep '^  irq ' "$TMP/help.out")" '^  irq +500us ' "--help: irq's own default threshold (500us)"
like "$(grep -- '--threshold' "$TMP/help.out")" "default: the$" "--help: no single stale default"

done_testing
