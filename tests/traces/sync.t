#!/bin/bash
# sync.t: latscope sync on the real scp-sync traces (two VMs, one scp between them) and on
# synthetic hosts with a known clock offset and drift (make_trace.py sync_* scenarios): the
# formula, every reception after its send once corrected (checked independently, with
# babeltrace2 reading each trace), the injected relation recovered within the accuracy, the
# corrected copies (-w) read by other tools, and the errors users meet.
. "$(dirname "$0")/../lib.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
SCP=$SHARED_TRACES/scp-sync

# Dumps one trace's TCP segments with babeltrace2, every stream straight to the sink (the muxer
# refuses scp-sync: packets overlap), as "out|in SEQ ACK FLAGS WINDOW CHECK NS" lines.
dump_tcp() { # dump_tcp TRACE_DIR(holding kernel/) OUT
	babeltrace2 run --component=src:src.ctf.fs --params="inputs=[\"$1/kernel\"]" \
		--component=sink:sink.text.pretty --params='clock-seconds=true,color="never"' \
		--connect=src:sink 2>/dev/null |
		sed -n 's/^\[\([0-9]*\)\.\([0-9]*\)\].*inet_sock_local_\(out\|in\): .*seq = \([0-9A-Fx]*\), ack_seq = \([0-9A-Fx]*\), check = \([0-9A-Fx]*\), window = \([0-9A-Fx]*\), flags = \([0-9A-Fx]*\).*/\3 \4 \5 \8 \7 \6 \1\2/p' >"$2"
}

# check_order REF_DUMP OTHER_DUMP JSON|- : matches segments (seq, ack, flags, window; the same
# checksum first) and prints "matched N violations V" with OTHER's times corrected by the JSON's
# transform (or raw with -).
check_order() {
	/usr/bin/python3 - "$@" <<'PYEOF'
import json, sys
from decimal import Decimal as D, getcontext
getcontext().prec = 50
ref, other, js = sys.argv[1:4]
slope, off = D(1), D(0)
if js != '-':
    t = json.load(open(js), parse_float=D)['transforms'][0]
    slope, off = D(t['slope']), D(t['offset_ns'])
def load(path, fix):
    segs = []
    for line in open(path):
        kind, seq, ack, flags, win, check, ns = line.split()
        ts = D(ns) * slope + off if fix else D(ns)
        segs.append((kind, (seq, ack, flags, win), check, ts))
    return segs
a, b = load(ref, False), load(other, True)
sends = {}
for kind, key, check, ts in sorted(a + b, key=lambda s: s[3]):
    if kind == 'out':
        sends.setdefault(key, []).append([check, ts, False])
n = v = 0
for segs, others in ((a, b), (b, a)):
    mine = {(s[1], s[3]) for s in others if s[0] == 'out'}
    for kind, key, check, ts in segs:
        if kind != 'in':
            continue
        cands = [c for c in sends.get(key, []) if not c[2] and (key, c[1]) in mine]
        if not cands:
            continue
        c = next((c for c in cands if c[0] == check), cands[0])
        c[2] = True
        n += 1
        v += ts <= c[1]
print('matched %d violations %d' % (n, v))
PYEOF
}

# --- scp-sync ---------------------------------------------------------------------------------
if [ -d "$SCP/scp_src" ] && [ -d "$SCP/scp_dest" ]; then
	out=$("$LATSCOPE" sync -o "$TMP/scp.json" "$SCP/scp_dest" "$SCP/scp_src" 2>&1)
	ok $? "sync scp_dest scp_src runs"
	like "$out" "^  t_VM3 = 0\.99[0-9]+ \* t_VM1 [+-] [0-9.]+ ns$" "the formula puts VM1's clock on VM3's"
	like "$out" "every one of [0-9]+ matched packets is received after it is sent" \
		"latscope says every reception comes after its send"
	/usr/bin/python3 -c "
import json, sys; j = json.load(open('$TMP/scp.json')); t = j['transforms'][0]
assert j['reference'].endswith('scp_dest') and t['trace'].endswith('scp_src'), j
assert 0.99 < t['slope'] < 1.01 and t['accuracy_ns'] > 0 and t['packets_sent'] > 10 \
    and t['packets_received'] > 10 and j['check']['received_before_sent'] == 0, t"
	ok $? "--output writes {reference, transforms: [{trace, slope, offset_ns, ...}]}"
	dump_tcp "$SCP/scp_dest" "$TMP/dest.tcp"
	dump_tcp "$SCP/scp_src" "$TMP/src.tcp"
	raw=$(check_order "$TMP/dest.tcp" "$TMP/src.tcp" -)
	fixed=$(check_order "$TMP/dest.tcp" "$TMP/src.tcp" "$TMP/scp.json")
	diag "babeltrace2's view, raw clocks: $raw; corrected: $fixed"
	like "$raw" "violations [1-9]" "raw clocks: some packets are received before they are sent"
	like "$fixed" "^matched (4[0-9]|[5-9][0-9]) violations 0$" \
		"corrected (checked apart from latscope): every received packet comes after its send"

	out=$("$LATSCOPE" sync -w "$TMP/scp-synced" "$SCP/scp_dest" "$SCP/scp_src" 2>&1)
	ok $? "sync -w writes corrected copies"
	dump_tcp "$TMP/scp-synced/scp_dest" "$TMP/dest2.tcp"
	dump_tcp "$TMP/scp-synced/scp_src" "$TMP/src2.tcp"
	is "$(check_order "$TMP/dest2.tcp" "$TMP/src2.tcp" -)" "$fixed" \
		"babeltrace2 reads the corrected copies on one timeline (receptions after sends)"
	cmp -s "$TMP/dest.tcp" "$TMP/dest2.tcp"
	ok $? "the reference's copy keeps its timestamps"
	out=$("$LATSCOPE" sync --json "$SCP" 2>&1)
	like "$out" '^\{"reference": "[^"]*scp_dest", .*"trace": "[^"]*scp_src"' \
		"sync FOLDER: every host's trace under it (scp_dest the reference, sorted first)"
else
	ok 0 "# SKIP no scp-sync traces in $SCP"
fi

# --- synthetic hosts with a known relation ----------------------------------------------------
/usr/bin/python3 "$LATSCOPE_SRC/tests/traces/make_trace.py" "$TMP/syn" sync_pair sync_chain \
	sync_netdev sync_oneway sync_nocommon
ok $? "make_trace.py wrote the sync scenarios"

# within TRUTH JSON HOST: |estimate - truth| <= accuracy (+2 ns of rounding) at both ends of the
# host's trace, and the true slope inside the feasible slopes
within() {
	/usr/bin/python3 - "$@" <<'PYEOF'
import json, sys
from decimal import Decimal as D, getcontext
getcontext().prec = 50
truth = json.load(open(sys.argv[1]))['hosts']
res = json.load(open(sys.argv[2]), parse_float=D)
host = sys.argv[3]
t = next(t for t in res['transforms'] if t['hostname'] == host)
ref = res['reference_hostname']
# truth is relative to the first host; put it on the reference's clock
def rel(h):
    return D(truth[h]['slope']), D(truth[h]['offset_ns'])
sh, oh = rel(host)
sr, orr = rel(ref)  # t_first = sr * t_ref + orr  =>  t_ref = (t_first - orr) / sr
s_true, o_true = sh / sr, (oh - orr) / sr
worst = max(abs(t['slope'] * x + t['offset_ns'] - (s_true * x + o_true))
            for x in (D(t['begin_ns']), D(t['end_ns'])))
ok = worst <= D(t['accuracy_ns']) + 2 and t['slope_min'] <= s_true <= t['slope_max']
print('%s worst %.1f ns accuracy %.1f ns slope %s true %s' %
      ('ok' if ok else 'BAD', worst, t['accuracy_ns'], t['slope'], s_true))
PYEOF
}

S=$TMP/syn
"$LATSCOPE" sync --json "$S/sync_pair/host_a" "$S/sync_pair/host_b" >"$TMP/pair.json"
ok $? "sync --json on two synthetic hosts"
r=$(within "$S/sync_pair/truth.json" "$TMP/pair.json" host_b)
diag "host_b: $r"
like "$r" "^ok " "host_b's injected offset and 40 ppm drift recovered within the accuracy"
/usr/bin/python3 -c "
import json; t = json.load(open('$TMP/pair.json'))['transforms'][0]
assert t['accuracy_ns'] < 200000 and t['packets_sent'] + t['packets_received'] == 300, t
c = json.load(open('$TMP/pair.json'))['packets']; assert c['unmatched'] == 3, c"
ok $? "300 segments matched, 3 from an untraced host left alone, accuracy under 200 us"

"$LATSCOPE" sync --json -r "$S/sync_pair/host_b" "$S/sync_pair/host_a" "$S/sync_pair/host_b" \
	>"$TMP/pair-b.json"
r=$(within "$S/sync_pair/truth.json" "$TMP/pair-b.json" host_a)
like "$r" "^ok " "--reference host_b: host_a's relation to it recovered too ($r)"

"$LATSCOPE" sync --json "$S/sync_chain/host_a" "$S/sync_chain/host_b" "$S/sync_chain/host_c" \
	>"$TMP/chain.json"
ok $? "three hosts, host_a and host_c never talking"
r=$(within "$S/sync_chain/truth.json" "$TMP/chain.json" host_c)
diag "host_c: $r"
like "$r" "^ok " "host_c synchronized through host_b, within the (summed) accuracy"
like "$(cat "$TMP/chain.json")" '"hostname": "host_c", [^}]*"via": "[^"]*host_b"' \
	"host_c's transform says it goes through host_b"

"$LATSCOPE" sync --json "$S/sync_netdev" >"$TMP/netdev.json"
ok $? "net_dev_queue/netif_receive_skb with IP and TCP headers (lttng-modules >= 2.9)"
r=$(within "$S/sync_netdev/truth.json" "$TMP/netdev.json" host_b)
like "$r" "^ok " "their relation recovered within the accuracy ($r)"
like "$(cat "$TMP/netdev.json")" '"matched": 120, "unmatched": 0' \
	"120 TCP segments matched, the packets without TCP header skipped"

# corrected copies: other latscope commands see the reference's timeline
"$LATSCOPE" sync -w "$TMP/syn-synced" -o "$TMP/pair2.json" "$S/sync_pair/host_a" \
	"$S/sync_pair/host_b" >/dev/null
ok $? "sync -w on the synthetic pair"
b0=$("$LATSCOPE" analyze cputop --lami --skip-validation "$S/sync_pair/host_b" 2>/dev/null |
	/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["time-range"]["begin"]["value"])')
b1=$("$LATSCOPE" analyze cputop --lami --skip-validation "$TMP/syn-synced/host_b" 2>/dev/null |
	/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["time-range"]["begin"]["value"])')
/usr/bin/python3 -c "
import json; from decimal import Decimal as D
t = json.load(open('$TMP/pair2.json'), parse_float=D)['transforms'][0]
exp = t['slope'] * D('$b0') + t['offset_ns']
assert abs(exp - D('$b1')) <= 10, (exp, '$b1')" 2>/dev/null
ok $? "analyze on the corrected copy: the period begins at slope * t + offset ($b0 -> $b1)"

# --- bad input: one line, non-zero ------------------------------------------------------------
one_line() { # one_line STATUS OUTPUT EXPECTED_STATUS REGEX DESCRIPTION
	if [ "$1" = "$3" ] && [ "$(printf '%s\n' "$2" | grep -c .)" -le 2 ] &&
		printf '%s\n' "$2" | head -1 | grep -Eq -- "^latscope: .*$4"; then
		ok 0 "$5"
	else
		ok 1 "$5"
		printf '%s\n' "status $1: $2" | sed 's/^/#   /'
	fi
}
out=$("$LATSCOPE" sync "$S/sync_pair/host_a" 2>&1)
one_line $? "$out" 2 "sync: needs two traces or more.*holds 1" "one trace only: usage error"
out=$("$LATSCOPE" sync 2>&1)
one_line $? "$out" 2 "sync: needs two traces or more" "no trace at all: usage error"
out=$("$LATSCOPE" sync "$S/sync_oneway/host_a" "$S/sync_oneway/host_b" 2>&1)
one_line $? "$out" 1 "one direction only.*cannot be bounded" "packets one way only: says why"
out=$("$LATSCOPE" sync "$S/sync_nocommon/host_a" "$S/sync_nocommon/host_b" 2>&1)
one_line $? "$out" 1 "cannot be synchronized: no packets in common" "no packets in common"
out=$("$LATSCOPE" sync "$S/sync_pair/host_a" "$TMP/nope" 2>&1)
one_line $? "$out" 1 "nope: No such file" "a missing trace"
out=$("$LATSCOPE" sync "$S/sync_pair/host_a" "$S/sync_pair/host_a/kernel" 2>&1)
one_line $? "$out" 2 "given twice" "the same trace twice"
out=$("$LATSCOPE" sync -r "$S/sync_chain/host_c" "$S/sync_pair/host_a" "$S/sync_pair/host_b" 2>&1)
one_line $? "$out" 2 "not one of the traces" "a reference that is not among the traces"
if [ -d "$SHARED_TRACES/basic-kernel-analysis" ]; then
	out=$("$LATSCOPE" sync "$S/sync_pair/host_a" "$SHARED_TRACES/basic-kernel-analysis" 2>&1)
	one_line $? "$out" 1 "no TCP packet events" "a trace without TCP segment events"
fi
mkdir -p "$TMP/empty"
out=$("$LATSCOPE" sync "$S/sync_pair/host_a" "$TMP/empty" 2>&1)
one_line $? "$out" 1 "no CTF trace" "a folder without a trace"
out=$("$LATSCOPE" sync --json "$S/sync_oneway/host_a" "$S/sync_oneway/host_b" 2>&1 >/dev/null)
like "$out" '^\{"error": ".*one direction only' "--json: the error as a JSON object"

done_testing
