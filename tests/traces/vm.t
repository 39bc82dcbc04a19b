#!/bin/bash
# vm.t: latscope vm on KVM host and guest traces written by make_trace.py (vm_fight: two VMs whose
# vCPUs fight for one host CPU; vm_periodic: a periodic guest task slowed when the host preempts
# its vCPU, the guest's trace on the host's clock and on a clock 1.5 s ahead): every figure
# (vCPU time per state, steal time, VM exits per reason, the guest thread's lost time and slowed
# runs) compared exactly with the scenario's truth.json; --sync with an exact transform and with
# latscope sync's; the errors users meet.
. "$(dirname "$0")/../lib.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

/usr/bin/python3 "$LATSCOPE_SRC/tests/traces/make_trace.py" "$TMP" vm_fight vm_periodic vm_hypercall \
	cputop
ok $? "make_trace.py wrote the vm scenarios"
F=$TMP/vm_fight
P=$TMP/vm_periodic
H=$TMP/vm_hypercall

# host_matches TRUTH JSON: every VM, vCPU and exit reason of the truth equals latscope's figure
host_matches() {
	/usr/bin/python3 - "$@" <<'PYEOF'
import json, sys
truth = json.load(open(sys.argv[1]))['vms']
res = json.load(open(sys.argv[2]))
bad = []
vms = {str(v['pid']): v for v in res['vms']}
if set(vms) != set(truth):
    bad.append('VMs %s, expected %s' % (sorted(vms), sorted(truth)))
states = ('guest_ns', 'hypervisor_ns', 'preempted_ns', 'idle_ns')
for pid, tv in truth.items():
    v = vms.get(pid, {})
    for k in ('name', 'steal_ns') + states:
        if v.get(k) != tv[k]:
            bad.append('VM %s %s: %s, expected %s' % (pid, k, v.get(k), tv[k]))
    cpus = {str(c['vcpu_id']): c for c in v.get('vcpus', [])}
    if set(cpus) != set(tv['vcpus']):
        bad.append('VM %s vCPUs %s, expected %s' % (pid, sorted(cpus), sorted(tv['vcpus'])))
    for cid, tc in tv['vcpus'].items():
        c = cpus.get(cid, {})
        for k in ('tid', 'exits', 'unfinished_exits') + states:
            if c.get(k) != tc[k]:
                bad.append('VM %s vCPU %s %s: %s, expected %s' % (pid, cid, k, c.get(k), tc[k]))
    exits = {e['name']: e for e in v.get('exits', [])}
    if set(exits) != set(tv['exits']):
        bad.append('VM %s exits %s, expected %s' % (pid, sorted(exits), sorted(tv['exits'])))
    for name, te in tv['exits'].items():
        e = exits.get(name, {})
        for k in ('count', 'min_ns', 'max_ns', 'total_ns'):
            if e.get(k) != te[k]:
                bad.append('VM %s exit %s %s: %s, expected %s' % (pid, name, k, e.get(k), te[k]))
        if e and abs(e['avg_ns'] - te['total_ns'] / te['count']) > 0.001:
            bad.append('VM %s exit %s avg_ns %s' % (pid, name, e['avg_ns']))
print('\n'.join(bad) if bad else 'ok')
PYEOF
}

# guest_matches TRUTH JSON [TOLERANCE_NS]: the guest thread's figures (within TOLERANCE_NS each)
guest_matches() {
	/usr/bin/python3 - "$@" <<'PYEOF'
import json, sys
truth = json.load(open(sys.argv[1]))['guest_threads']['500']
res = json.load(open(sys.argv[2]))
tol = int(sys.argv[3]) if len(sys.argv) > 3 else 0
threads = res['guests'][0]['threads']
bad = []
if [t['tid'] for t in threads] != [500]:
    bad.append('threads %s, expected [500]' % [t['tid'] for t in threads])
t = threads[0] if threads else {}
for k in ('name', 'runs', 'slowed_runs'):
    if t.get(k) != truth[k]:
        bad.append('%s: %s, expected %s' % (k, t.get(k), truth[k]))
for k in ('on_cpu_ns', 'lost_ns', 'worst_lost_ns', 'hypervisor_ns'):
    if abs(t.get(k, -10**12) - truth[k]) > tol * truth['runs']:
        bad.append('%s: %s, expected %s' % (k, t.get(k), truth[k]))
runs = t.get('slowed', [])
if len(runs) != len(truth['slowed']):
    bad.append('%d slowed runs, expected %d' % (len(runs), len(truth['slowed'])))
for r, tr in zip(runs, truth['slowed']):
    for k in ('begin_ns', 'end_ns', 'lost_ns', 'hypervisor_ns'):
        if abs(r[k] - tr[k]) > tol:
            bad.append('slowed run %s: %s, expected %s' % (k, r[k], tr[k]))
print('\n'.join(bad) if bad else 'ok')
PYEOF
}

# --- vm_fight: two VMs on one host CPU ---------------------------------------------------------
out=$("$LATSCOPE" vm --json "$F/host" 2>&1)
ok $? "vm --json on vm_fight's host trace"
printf '%s\n' "$out" >"$TMP/fight.json"
r=$(host_matches "$F/truth.json" "$TMP/fight.json")
is "$r" "ok" "vm_fight: every vCPU's guest/hypervisor/preempted/idle time, steal time and exits per reason as truth.json"
/usr/bin/python3 -c "import json; assert json.load(open('$TMP/fight.json'))['host']['lost_events'] == 7"
ok $? "the events the tracer lost are counted (7)"
out=$("$LATSCOPE" vm "$F/host" 2>&1)
like "$out" "^Host trace .*: \[2017-07-14 02:40:00\.000000000, 2017-07-14 02:40:00\.050000000\] \(50\.000 ms\), [0-9]+ events, 92 kvm events, 7 lost by the tracer$" \
	"text: the host trace's range, kvm events and lost events"
like "$out" "^VM qemu-vm1 \(pid 1000\): 2 vCPUs, steal time 25\.000 ms" "text: vm1's steal time (its vCPU 0 preempted while vm2's runs)"
like "$out" "^VM qemu-vm2 \(pid 2000\): 1 vCPU, steal time 21\.000 ms" "text: vm2's steal time"
like "$out" "^  HLT +9 .* 3010\.000 +3010\.000 +3010\.000 +27\.090$" \
	"text: HLT exits of vm1's idle vCPU 1 (count, min/avg/max us, total ms)"
like "$out" "^  1 +1002 +CPU 1/KVM +19\.900 +0\.390 +0\.000 +27\.700 +10$" "text: vm1's vCPU 1 per state"

"$LATSCOPE" vm --json --timeline "$F/host" >"$TMP/timeline.json" 2>&1
/usr/bin/python3 - "$TMP/timeline.json" <<'PYEOF'
import json, sys
res = json.load(open(sys.argv[1]))
by = {}
for iv in res['timeline']:
    by.setdefault((iv['vm_pid'], iv['vcpu_id']), []).append(iv)
for v in res['vms']:
    for c in v['vcpus']:
        ivs = by[(v['pid'], c['vcpu_id'])]
        # contiguous from the first kvm event to the trace's end, and summing to the totals
        assert ivs[0]['begin_ns'] == c['first_ns'] and ivs[-1]['end_ns'] == res['host']['end_ns']
        assert all(a['end_ns'] == b['begin_ns'] for a, b in zip(ivs, ivs[1:]))
        for s in ('guest', 'hypervisor', 'preempted', 'idle'):
            assert sum(i['end_ns'] - i['begin_ns'] for i in ivs if i['state'] == s) == c[s + '_ns']
begins = [i['begin_ns'] for i in res['timeline']]
assert begins == sorted(begins)
pre = [i for i in res['timeline'] if i['state'] == 'preempted']
assert pre and all(i.get('exit') == 'EXTERNAL_INTERRUPT' for i in pre), pre[:2]
PYEOF
ok $? "--timeline: each vCPU's intervals in time order, contiguous, summing to its totals; preemptions after EXTERNAL_INTERRUPT exits"
out=$("$LATSCOPE" vm --timeline "$F/host" 2>&1)
like "$out" "^\[02:40:00\.005000000, 02:40:00\.009000000\] +4\.000 ms  qemu-vm1 \(pid 1000\) vCPU 0: preempted \(exit EXTERNAL_INTERRUPT\)$" \
	"text timeline: vm1's vCPU 0 preempted during vm2's slice"

# --- vm_periodic: a guest task slowed by host preemption ---------------------------------------
"$LATSCOPE" vm --json "$P/host" "$P/guest" --tid 500 >"$TMP/periodic.json" 2>"$TMP/err"
ok $? "vm HOST GUEST --tid 500 (same clock)"
r=$(host_matches "$P/truth.json" "$TMP/periodic.json")
is "$r" "ok" "vm_periodic: the host's figures from kvm_entry/kvm_exit without vcpu_id (older lttng-modules)"
r=$(guest_matches "$P/truth.json" "$TMP/periodic.json")
is "$r" "ok" "the guest thread: runs, on-CPU time, time lost to host preemption and in VM exits, each slowed run (begin, end, lost, exits) as truth.json"
"$LATSCOPE" vm --json "$P/host" "$P/guest" --procname periodic >"$TMP/byname.json" 2>&1
r=$(guest_matches "$P/truth.json" "$TMP/byname.json")
is "$r" "ok" "--procname periodic: the same"
out=$("$LATSCOPE" vm "$P/host" "$P/guest" 2>&1)
like "$out" "^  periodic \(500\) +20 +54\.100 +14\.000 +5 +4\.000 +0\.100$" \
	"text, no filter: the threads that lost time (periodic: 14 ms lost in 5 of 20 runs)"
unlike "$out" "sshd" "text, no filter: threads that lost nothing are left out"
out=$("$LATSCOPE" vm "$P/host" "$P/guest" --tid 500 2>&1)
like "$out" "^    \[02:40:00\.070020000, 02:40:00\.076040000\] on CPU 0: 6\.020 ms, 4\.000 ms of it preempted, 0\.020 ms in VM exits$" \
	"text: the slowed runs of the selected thread"

# the guest's clock 1.5 s ahead: with the exact transform, the same figures
/usr/bin/python3 - "$P" "$TMP/exact.json" <<'PYEOF'
import json, os, sys
p, out = sys.argv[1:3]
t = json.load(open(os.path.join(p, 'truth.json')))['hosts']['guest_skewed']
json.dump({'reference': p + '/host', 'reference_path': os.path.realpath(p + '/host'),
           'transforms': [{'trace': p + '/guest_skewed',
                           'path': os.path.realpath(p + '/guest_skewed'),
                           'slope': float(t['slope']), 'offset_ns': float(t['offset_ns'])}]},
          open(out, 'w'))
PYEOF
"$LATSCOPE" vm --json --sync "$TMP/exact.json" "$P/host" "$P/guest_skewed" --tid 500 \
	>"$TMP/exact_out.json" 2>&1
ok $? "vm --sync (the exact transform of the guest's clock)"
r=$(guest_matches "$P/truth.json" "$TMP/exact_out.json")
is "$r" "ok" "--sync, exact transform: the guest thread's figures exactly"

# ... and with latscope sync's estimate (TCP segments between host and guest): within its accuracy
"$LATSCOPE" sync -o "$TMP/sync.json" "$P/host" "$P/guest_skewed" >/dev/null 2>&1
ok $? "latscope sync host guest_skewed"
acc=$(/usr/bin/python3 -c "import json,math; print(math.ceil(json.load(open('$TMP/sync.json'))['transforms'][0]['accuracy_ns']))")
"$LATSCOPE" vm --json --sync "$TMP/sync.json" "$P/host" "$P/guest_skewed" --tid 500 \
	>"$TMP/est.json" 2>&1
ok $? "vm --sync with latscope sync's transforms"
r=$(guest_matches "$P/truth.json" "$TMP/est.json" "$acc")
is "$r" "ok" "--sync, estimated transform: the figures within the sync accuracy (+-$acc ns)"

# --- hypercall markers: the guest's clock (0.7 s ahead, 30 ppm fast) from vmsync events alone --
"$LATSCOPE" vm --json "$H/host" "$H/guest" --tid 500 >"$TMP/hcall.json" 2>&1
ok $? "vm HOST GUEST (vmsync markers in both, no --sync)"
r=$(host_matches "$H/truth.json" "$TMP/hcall.json")
is "$r" "ok" "vm_hypercall: the host's figures (VMCALL exits of the markers included)"
acc=$(/usr/bin/python3 -c "
import json, math; g = json.load(open('$TMP/hcall.json'))['guests'][0]
assert g['clock'] == 'markers' and g['markers'] == 40 and g['vm_pid'] == 3000, g
print(math.ceil(g['accuracy_ns']))")
ok $? "the guest's clock from its 40 hypercall markers, its VM found by them (pid 3000)"
r=$(guest_matches "$H/truth.json" "$TMP/hcall.json" "$acc")
is "$r" "ok" "the guest thread's figures through the markers' clock (within +-$acc ns)"
out=$("$LATSCOPE" vm "$H/host" "$H/guest" 2>&1)
like "$out" "clock corrected: 0\.99997[0-9]* \* t \+ [0-9.]+ ns \(from 40 hypercall markers of vm_uid 104372305701837, accuracy" \
	"text: the guest's clock and where it comes from"

# --- bad input -----------------------------------------------------------------------------------
check_error() { # check_error STATUS REGEX DESCRIPTION -- ARGS...
	local want=$1 regex=$2 desc=$3
	shift 4
	local got status
	got=$("$LATSCOPE" vm "$@" 2>&1 >/dev/null)
	status=$?
	is "$status" "$want" "$desc: exit $want"
	like "$got" "$regex" "$desc: says why"
	is "$(printf '%s\n' "$got" | grep -c '^latscope: ')" 1 "$desc: in one line"
}
check_error 1 "^latscope: vm: .*guest: no kvm_entry/kvm_exit events: not the trace of a KVM host" \
	"a guest without its host" -- "$P/guest"
check_error 1 "no kvm_entry/kvm_exit events" "a host trace without kvm events" -- "$TMP/cputop"
check_error 1 "guest_skewed: 4[01] of the guest's 4[01] context switches fall while its vCPU is out of guest mode.*--sync" \
	"a guest on another clock, without --sync" -- "$P/host" "$P/guest_skewed"
check_error 1 "which VM is this guest\? The host runs 2: qemu-vm1 \(pid 1000\), qemu-vm2 \(pid 2000\)" \
	"a guest of a host running two VMs, without @VM" -- "$F/host" "$P/guest"
check_error 1 "no VM nosuch in the host trace" "GUEST@VM of no VM" -- "$F/host" "$P/guest@nosuch"
check_error 1 "--sync: .*guest.* is not in this synchronization" "a guest missing from the sync file" \
	-- --sync "$TMP/sync.json" "$P/host" "$P/guest"
check_error 1 "nonexistent: No such file or directory" "a missing trace" -- "$TMP/nonexistent"
check_error 2 "needs the host's trace" "no trace" --
check_error 2 "unknown option or missing value: --bogus" "an unknown option" -- --bogus "$F/host"
check_error 2 "--tid: not a list of TIDs" "a bad --tid" -- --tid abc "$F/host"
out=$("$LATSCOPE" vm --json "$P/guest" 2>&1)
like "$out" '^\{"error' "--json: errors as JSON too"
out=$("$LATSCOPE" vm --help)
like "$out" "^Usage: latscope vm \[OPTIONS\] HOST_TRACE \[GUEST_TRACE\[@VM\]\.\.\.\]" "--help"

done_testing
