#!/usr/bin/env bash
# track_net.t: `latscope track net` on the real kernel: loopback TCP (IPv4, IPv6): received skbs and connect latency, timeout, --pid.
. "$(dirname "$0")/../lib.sh"

require_root
[ -r /sys/kernel/btf/vmlinux ] || skip_all "the kernel has no BTF"
NET=$LATSCOPE_BUILD/tests/helpers/net_loop
[ -x "$NET" ] || skip_all "$NET not built (make)"
. "$(dirname "$0")/track_lib.sh"

spawn() { # spawn OUT ARGS...: a net_loop (pid in SPID) held until `go`, its output in OUT
	local out=$1
	shift
	spawn_held "$NET" "$@" >"$out"
}
PYQ_DEFS='
S = {l["series"]: l for l in lines if l.get("type") == "summary"}
RX = [a for a in A if a.get("series") == "rx"]
C = [a for a in A if a.get("series") == "connect"]
P = [dict(kv.split("=") for kv in l.split()) for l in open(ARGS[0])] if ARGS[0] != "-" else []
P = [(int(p["client"]), int(p["server"])) for p in P]
ARGS.pop(0)'

# --- 5 IPv4 loopback connections, threshold 0 -------------------------------------------------
spawn "$TMP/v4.ports" -n 5 -b 3000
spid=$SPID
start_track v4 net --threshold 0 --pid "$spid" --json
go
wait "$spid"
ok $? "the workload succeeded"
wait_lines "$TMP/v4.out" '"series":"connect",' 5
stop_track
ok $? "track exits 0 on SIGINT"
pyq "$TMP/v4.out" "$TMP/v4.ports" 'len(C)' 'sorted((c["lport"], c["rport"]) for c in C) == sorted(P)' \
	'all(c["state"] == "ESTABLISHED" and c["family"] == "ipv4" and c["laddr"] == "127.0.0.1" and c["raddr"] == "127.0.0.1" for c in C)' \
	'all(c["comm"] == "net_loop" and c["pid"] == c["tid"] == '"$spid"' and 0 < c["delay_ns"] < 5e9 and c["timeout"] is False for c in C)' \
	'len([r for r in RX if r["out"] == "copy" and r["out_id"] == 0]) >= 10' \
	'all(r["iface"] == "lo" and r["ifindex"] == 1 and r["len"] > 0 and r["out"] in ("copy", "consume", "free") for r in RX)' \
	'sorted(set(a["pid"] for a in A))' 'sorted(S)' \
	'[S[k]["reported"] for k in ("net_rx", "net_connect")] == [len(RX), len(C)]' \
	'[sum(h["count"] for h in S[k]["hist"]) == S[k]["events"] for k in sorted(S)]' \
	'sorted(S["net_rx"]["drops"])' 'all(r["delay_ns"] > 0 for r in RX)'
is "${R[0]}" 5 "five connects reported"
is "${R[1]}" True "with the client's and the server's ports"
is "${R[2]}" True "ESTABLISHED, IPv4, 127.0.0.1 both ends"
is "${R[3]}" True "comm, pid, tid, delay, timeout false"
is "${R[4]}" True "received data copied to the reader (out_id 0)"
is "${R[5]}" True "rx: interface lo, length, out"
is "${R[6]}" "[$spid]" "only the workload's pid"
is "${R[7]}" "['net_connect', 'net_rx']" "summary has both series"
is "${R[8]}" True "each series' reports match its alerts"
is "${R[9]}" "[True, True]" "histograms hold every event"
is "${R[10]}" "['bad_records', 'inflight_full', 'replaced', 'ringbuf_full', 'stack_failed', 'timer_failed']" \
	"summary shows every drop counter"
is "${R[11]}" True "rx delays"

# --- IPv6 and text output -------------------------------------------------------------------
if [ -e /proc/net/if_inet6 ] && ip -6 addr show lo 2>/dev/null | grep -q '::1'; then
	spawn "$TMP/v6.ports" -6 -n 2
	start_track v6 net -t 0 --pid "$SPID" --json
	go
	wait "$SPID"
	wait_lines "$TMP/v6.out" '"series":"connect",' 2
	stop_track
	pyq "$TMP/v6.out" "$TMP/v6.ports" 'len(C)' 'sorted((c["lport"], c["rport"]) for c in C) == sorted(P)' \
		'all(c["family"] == "ipv6" and c["laddr"] == "::1" and c["raddr"] == "::1" for c in C)'
	is "${R[0]}" 2 "IPv6: two connects"
	is "${R[1]}" True "IPv6: ports"
	is "${R[2]}" True "IPv6: family and addresses"
else
	for _ in 1 2 3; do ok 0 "# SKIP no IPv6 on lo"; done
fi
spawn "$TMP/text.ports" -n 1
start_track text net -t 0 --pid "$SPID" --no-stack
go
wait "$SPID"
wait_lines "$TMP/text.out" '^net_latency: .* series=connect ' 1
wait_lines "$TMP/text.out" '^net_latency: .* series=rx ' 1
stop_track
like "$(cat "$TMP/text.out")" "^net_latency: comm=net_loop pid=$SPID tid=$SPID series=connect state=ESTABLISHED family=ipv4 laddr=127.0.0.1 lport=[0-9]+ raddr=127.0.0.1 rport=[0-9]+ delay_us=[0-9]+ timeout=0" \
	"text line: connect"
like "$(cat "$TMP/text.out")" "^net_latency: comm=net_loop pid=$SPID tid=[0-9]+ series=rx iface=lo ifindex=1 out=copy out_id=0 len=[0-9]+ delay_us=" \
	"text line: rx, in the original's spirit (iface, out_id)"
like "$(cat "$TMP/text.out")" '^net_connect: 1 events, 1 reported' "text summary per series"

# --- a connect stuck in SYN_SENT: timeout report, then the out when it is closed -----------------
# A listener with a full accept queue drops SYNs: the second connect stays in SYN_SENT.
GO=$TMP/go.syn
mkfifo "$GO"
python3 -S -c '
import socket, sys, time
sys.stdin.readline()
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(0)
c1 = socket.create_connection(("127.0.0.1", l.getsockname()[1]))
c2 = socket.socket(); c2.setblocking(False)
try:
    c2.connect(("127.0.0.1", l.getsockname()[1]))
except BlockingIOError:
    pass
time.sleep(0.4)
c2.close()' <"$GO" &
spid=$!
start_track syn net -t 50ms --timeout 150ms --pid "$spid" --json
go
wait "$spid"
wait_lines "$TMP/syn.out" '"series":"connect",' 2
stop_track
pyq "$TMP/syn.out" - '[(c["timeout"], c["state"]) for c in C]' \
	'140e6 <= C[0]["delay_ns"] < 390e6 and C[1]["delay_ns"] >= 390e6 and C[0]["start_ns"] == C[1]["start_ns"]' \
	'(S["net_connect"]["timeouts"], S["net_connect"]["events"])'
is "${R[0]}" "[(True, 'SYN_SENT'), (False, 'CLOSE')]" "timeout report in SYN_SENT, then the close"
is "${R[1]}" True "timeout at ~150 ms, close at >= 400 ms, same connect"
is "${R[2]}" "(1, 2)" "summary counts the timeout (and both connects)"

# --- --pid keeps other processes out --------------------------------------------------------------
spawn "$TMP/pid.ports" -n 3
wanted=$SPID
start_track pid net -t 0 --pid "$wanted" --json --no-stack
"$NET" -n 3 >/dev/null &
other=$!
go
wait "$wanted" "$other"
wait_lines "$TMP/pid.out" '"series":"connect",' 3
stop_track
pyq "$TMP/pid.out" - 'sorted(set(a["pid"] for a in A))' 'len(C)'
is "${R[0]}" "[$wanted]" "--pid: only the chosen process"
is "${R[1]}" 3 "--pid: its connects are reported"

done_testing
