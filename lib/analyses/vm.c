/* vm.c: vCPU states, steal time and VM-exit statistics from a KVM host's trace; guest threads'
 * time lost to host preemption from the guests' traces. */
#include "analyses/vm.h"

#include <errno.h>
#include <inttypes.h>

#include "analyses/sync.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const state_names[LAT_VCPU_NSTATES] = {"guest", "hypervisor", "preempted",
							  "idle"};

const char *lat_vcpu_state_name(unsigned state)
{
	return state < LAT_VCPU_NSTATES ? state_names[state] : "?";
}

/* Linux's arch/x86/include/uapi/asm/vmx.h (VMX_EXIT_REASONS), as perf kvm stat names them. */
static const char *const vmx_exit_names[] = {
    [0] = "EXCEPTION_NMI",
    [1] = "EXTERNAL_INTERRUPT",
    [2] = "TRIPLE_FAULT",
    [3] = "INIT_SIGNAL",
    [4] = "SIPI_SIGNAL",
    [7] = "INTERRUPT_WINDOW",
    [8] = "NMI_WINDOW",
    [9] = "TASK_SWITCH",
    [10] = "CPUID",
    [12] = "HLT",
    [13] = "INVD",
    [14] = "INVLPG",
    [15] = "RDPMC",
    [16] = "RDTSC",
    [18] = "VMCALL",
    [19] = "VMCLEAR",
    [20] = "VMLAUNCH",
    [21] = "VMPTRLD",
    [22] = "VMPTRST",
    [23] = "VMREAD",
    [24] = "VMRESUME",
    [25] = "VMWRITE",
    [26] = "VMOFF",
    [27] = "VMON",
    [28] = "CR_ACCESS",
    [29] = "DR_ACCESS",
    [30] = "IO_INSTRUCTION",
    [31] = "MSR_READ",
    [32] = "MSR_WRITE",
    [33] = "INVALID_STATE",
    [34] = "MSR_LOAD_FAIL",
    [36] = "MWAIT_INSTRUCTION",
    [37] = "MONITOR_TRAP_FLAG",
    [39] = "MONITOR_INSTRUCTION",
    [40] = "PAUSE_INSTRUCTION",
    [41] = "MCE_DURING_VMENTRY",
    [43] = "TPR_BELOW_THRESHOLD",
    [44] = "APIC_ACCESS",
    [45] = "EOI_INDUCED",
    [46] = "GDTR_IDTR",
    [47] = "LDTR_TR",
    [48] = "EPT_VIOLATION",
    [49] = "EPT_MISCONFIG",
    [50] = "INVEPT",
    [51] = "RDTSCP",
    [52] = "PREEMPTION_TIMER",
    [53] = "INVVPID",
    [54] = "WBINVD",
    [55] = "XSETBV",
    [56] = "APIC_WRITE",
    [57] = "RDRAND",
    [58] = "INVPCID",
    [59] = "VMFUNC",
    [60] = "ENCLS",
    [61] = "RDSEED",
    [62] = "PML_FULL",
    [63] = "XSAVES",
    [64] = "XRSTORS",
    [67] = "UMWAIT",
    [68] = "TPAUSE",
    [74] = "BUS_LOCK",
    [75] = "NOTIFY",
};

/* Linux's arch/x86/include/uapi/asm/svm.h (SVM_EXIT_REASONS), the common ones. */
static const struct {
	uint32_t code;
	const char *name;
} svm_exit_names[] = {
    {0x000, "read_cr0"},
    {0x003, "read_cr3"},
    {0x004, "read_cr4"},
    {0x008, "read_cr8"},
    {0x010, "write_cr0"},
    {0x013, "write_cr3"},
    {0x014, "write_cr4"},
    {0x018, "write_cr8"},
    {0x060, "interrupt"},
    {0x061, "nmi"},
    {0x062, "smi"},
    {0x063, "init"},
    {0x064, "vintr"},
    {0x065, "cr0_sel_write"},
    {0x06e, "rdtsc"},
    {0x072, "cpuid"},
    {0x077, "pause"},
    {0x078, "hlt"},
    {0x079, "invlpg"},
    {0x07b, "io"},
    {0x07c, "msr"},
    {0x07f, "shutdown"},
    {0x080, "vmrun"},
    {0x081, "vmmcall"},
    {0x087, "rdtscp"},
    {0x08b, "wbinvd"},
    {0x08c, "monitor"},
    {0x08d, "mwait"},
    {0x08e, "mwait_cond"},
    {0x08f, "xsetbv"},
    {0x400, "npf"},
    {0x401, "avic_incomplete_ipi"},
    {0x402, "avic_unaccelerated_access"},
};

const char *lat_vm_exit_name(uint32_t isa, uint32_t reason)
{
	if (isa == 2) {
		for (size_t i = 0; i < sizeof(svm_exit_names) / sizeof(svm_exit_names[0]); i++) {
			if (svm_exit_names[i].code == reason) {
				return svm_exit_names[i].name;
			}
		}
		if (reason >= 0x040 && reason < 0x060) {
			return "exception";
		}
		return NULL;
	}
	reason &= 0xffff; /* the basic exit reason (bit 31: VM-entry failure) */
	if (reason < sizeof(vmx_exit_names) / sizeof(vmx_exit_names[0])) {
		return vmx_exit_names[reason];
	}
	return NULL;
}

int lat_vm_init(struct lat_vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->begin = -1;
	lat_vm_markers_init(&vm->markers);
	return lat_state_init(&vm->state);
}

static void free_machine(struct lat_vm_machine *m)
{
	for (uint32_t i = 0; i < m->nvcpus; i++) {
		free(m->vcpus[i].intervals);
	}
	free(m->vcpus);
	free(m->exits);
}

void lat_vm_fini(struct lat_vm *vm)
{
	for (uint32_t i = 0; i < vm->nvms; i++) {
		free_machine(&vm->vms[i]);
	}
	free(vm->vms);
	free(vm->thread_vcpu);
	lat_vm_markers_fini(&vm->markers);
	lat_tid_map_fini(&vm->threads);
	lat_state_fini(&vm->state);
	memset(vm, 0, sizeof(*vm));
}

/* --- vCPU states ----------------------------------------------------------------------------- */

/* Leaves the current state at ts (its time counted, its interval logged) for `state`. */
static int vcpu_set_state(struct lat_vcpu *v, int64_t ts, unsigned state)
{
	if (ts < v->since) { /* never go back in time (events of a CPU out of order) */
		ts = v->since;
	}
	if (ts > v->since) {
		struct lat_vcpu_interval *iv;

		if (lat_grow((void **)&v->intervals, &v->intervals_cap, v->nintervals + 1,
			     sizeof(*v->intervals))) {
			return -ENOMEM;
		}
		iv = &v->intervals[v->nintervals++];
		iv->begin = v->since;
		iv->end = ts;
		iv->state = v->state;
		iv->has_exit = v->state != LAT_VCPU_GUEST && v->exit_open;
		iv->isa = v->isa;
		iv->exit_reason = v->exit_reason;
		v->total[v->state] += ts - v->since;
	}
	v->state = (uint8_t)state;
	v->since = ts;
	return 0;
}

static struct lat_vm_exit_stat *exit_stat(struct lat_vm_machine *m, uint32_t isa, uint32_t reason)
{
	struct lat_vm_exit_stat *st;

	for (uint32_t i = 0; i < m->nexits; i++) {
		if (m->exits[i].isa == isa && m->exits[i].reason == reason) {
			return &m->exits[i];
		}
	}
	if (lat_grow((void **)&m->exits, &m->exits_cap, m->nexits + 1, sizeof(*m->exits))) {
		return NULL;
	}
	st = &m->exits[m->nexits++];
	st->isa = isa;
	st->reason = reason;
	st->min_ns = INT64_MAX;
	return st;
}

/* The VM of process pid (created with the process' name). */
static int find_machine(struct lat_vm *vm, int32_t pid, uint32_t *index)
{
	const struct lat_task *proc;
	struct lat_vm_machine *m;

	for (uint32_t i = 0; i < vm->nvms; i++) {
		if (vm->vms[i].pid == pid) {
			*index = i;
			return 0;
		}
	}
	if (lat_grow((void **)&vm->vms, &vm->vms_cap, vm->nvms + 1, sizeof(*vm->vms))) {
		return -ENOMEM;
	}
	m = &vm->vms[vm->nvms];
	memset(m, 0, sizeof(*m));
	m->pid = pid;
	proc = lat_state_task(&vm->state, pid);
	snprintf(m->comm, sizeof(m->comm), "%s", proc && proc->comm[0] ? proc->comm : "?");
	*index = vm->nvms++;
	return 0;
}

/*
 * The vCPU of thread tid: known, or (vcpu_id given: a kvm event of a thread met for the first
 * time) created in the VM of the thread's process. NULL with *err = 0 when unknown.
 */
static struct lat_vcpu *thread_vcpu(struct lat_vm *vm, int32_t tid, bool has_id, uint32_t vcpu_id,
				    int64_t ts, unsigned initial, int *err)
{
	const struct lat_task *task = lat_state_task(&vm->state, tid);
	struct lat_vm_machine *m;
	struct lat_vcpu *v = NULL;
	uint32_t index, vmi;
	int32_t pid;
	int ret;

	*err = 0;
	if (lat_tid_map_find(&vm->threads, tid, &index)) {
		return &vm->vms[vm->thread_vcpu[index].vm].vcpus[vm->thread_vcpu[index].vcpu];
	}
	if (!has_id) {
		return NULL;
	}
	pid = task && task->pid != LAT_NO_TID ? task->pid : tid;
	*err = find_machine(vm, pid, &vmi);
	if (*err) {
		return NULL;
	}
	m = &vm->vms[vmi];
	for (uint32_t i = 0; i < m->nvcpus; i++) { /* a new thread for a known vCPU */
		if (m->vcpus[i].vcpu_id == vcpu_id) {
			v = &m->vcpus[i];
		}
	}
	if (!v) {
		if (lat_grow((void **)&m->vcpus, &m->vcpus_cap, m->nvcpus + 1, sizeof(*m->vcpus))) {
			*err = -ENOMEM;
			return NULL;
		}
		v = &m->vcpus[m->nvcpus++];
		memset(v, 0, sizeof(*v));
		v->vcpu_id = vcpu_id;
		v->first_ts = ts;
		v->since = ts;
		v->state = (uint8_t)initial;
	}
	v->tid = tid;
	snprintf(v->comm, sizeof(v->comm), "%s", task && task->comm[0] ? task->comm : "?");
	ret = lat_tid_map_get(&vm->threads, tid, &index);
	if (ret < 0 || lat_grow((void **)&vm->thread_vcpu, &vm->thread_vcpu_cap, index + 1,
				sizeof(*vm->thread_vcpu))) {
		*err = -ENOMEM;
		return NULL;
	}
	vm->thread_vcpu[index].vm = vmi;
	vm->thread_vcpu[index].vcpu = (uint32_t)(v - m->vcpus);
	return v;
}

static struct lat_vm_machine *machine_of(struct lat_vm *vm, int32_t tid)
{
	uint32_t index;

	if (!lat_tid_map_find(&vm->threads, tid, &index)) {
		return NULL;
	}
	return &vm->vms[vm->thread_vcpu[index].vm];
}

/* The thread that emitted a kvm event: its tid context, else the CPU's current task. */
static int32_t event_tid(const struct lat_vm *vm, const struct lat_kevent *ev)
{
	if (ev->ctx_mask & LAT_CTX_TID) {
		return ev->ctx_tid;
	}
	if (ev->cpu < LAT_MAX_CPUS) {
		return vm->state.cpus[ev->cpu].current_tid;
	}
	return LAT_NO_TID;
}

/* The vCPU of a kvm event's thread (NULL: *err, or counted as unattributed when 0). */
static struct lat_vcpu *kvm_event_vcpu(struct lat_vm *vm, const struct lat_kevent *ev, bool has_id,
				       unsigned initial, int32_t *tid, int *err)
{
	struct lat_vcpu *v = NULL;

	*err = 0;
	*tid = event_tid(vm, ev);
	if (*tid != LAT_NO_TID) {
		v = thread_vcpu(vm, *tid, has_id, ev->kvm.vcpu_id, ev->ts, initial, err);
	}
	vm->unattributed += !v && !*err;
	return v;
}

static int on_kvm_entry(struct lat_vm *vm, const struct lat_kevent *ev)
{
	int32_t tid;
	int err;
	struct lat_vcpu *v = kvm_event_vcpu(vm, ev, true, LAT_VCPU_GUEST, &tid, &err);

	if (!v) {
		return err;
	}
	if (v->exit_open) {
		struct lat_vm_exit_stat *st =
		    exit_stat(machine_of(vm, tid), v->isa, v->exit_reason);
		int64_t d = ev->ts - v->exit_ts;

		if (!st) {
			return -ENOMEM;
		}
		st->count++;
		st->total_ns += d;
		st->min_ns = d < st->min_ns ? d : st->min_ns;
		st->max_ns = d > st->max_ns ? d : st->max_ns;
	}
	err = vcpu_set_state(v, ev->ts, LAT_VCPU_GUEST);
	v->exit_open = false;
	return err;
}

static int on_kvm_exit(struct lat_vm *vm, const struct lat_kevent *ev)
{
	bool has_id = (ev->present & LAT_HAS_VCPU) != 0;
	int32_t tid;
	int err;
	struct lat_vcpu *v = kvm_event_vcpu(vm, ev, has_id, LAT_VCPU_HYPERVISOR, &tid, &err);

	if (!v) {
		return err;
	}
	err = vcpu_set_state(v, ev->ts, LAT_VCPU_HYPERVISOR);
	v->exit_open = true;
	v->exit_ts = ev->ts;
	v->exit_reason = ev->kvm.exit_reason;
	v->isa = (ev->present & LAT_HAS_ISA) ? (uint8_t)ev->kvm.isa : 0;
	v->exits++;
	return err;
}

/*
 * prev_state of a task switched out while runnable: 0 (TASK_RUNNING), or with only bits above
 * the sleep states (lttng-modules and the kernel mark preemption with TASK_REPORT_MAX or
 * TASK_STATE_MAX: "R+").
 */
static bool switched_out_runnable(int64_t prev_state)
{
	return (prev_state & 0xff) == 0;
}

static int on_switch(struct lat_vm *vm, const struct lat_kevent *ev)
{
	const struct lat_ev_sched_switch *sw = &ev->sched_switch;
	struct lat_vcpu *v;
	int err;

	v = thread_vcpu(vm, sw->prev_tid, false, 0, ev->ts, 0, &err);
	if (v) {
		err = vcpu_set_state(v, ev->ts,
				     switched_out_runnable(sw->prev_state) ? LAT_VCPU_PREEMPTED
									   : LAT_VCPU_IDLE);
		if (err) {
			return err;
		}
	}
	v = thread_vcpu(vm, sw->next_tid, false, 0, ev->ts, 0, &err);
	if (v) {
		return vcpu_set_state(v, ev->ts, LAT_VCPU_HYPERVISOR);
	}
	return 0;
}

/* What host and guest readers do first with each event: its range, count and state model. */
static int see_event(struct lat_state *state, int64_t *begin, int64_t *end, uint64_t *events,
		     const struct lat_kevent *ev)
{
	struct lat_state_change change;

	if (*begin < 0) {
		*begin = ev->ts;
	}
	*end = ev->ts > *end ? ev->ts : *end;
	(*events)++;
	return lat_state_update(state, ev, &change);
}

int lat_vm_host_event(struct lat_vm *vm, const struct lat_kevent *ev)
{
	int ret = see_event(&vm->state, &vm->begin, &vm->end, &vm->events, ev);

	if (ret) {
		return ret;
	}
	switch (ev->type) {
	case LAT_EV_KVM_ENTRY:
		vm->kvm_events++;
		return on_kvm_entry(vm, ev);
	case LAT_EV_KVM_EXIT:
		vm->kvm_events++;
		return on_kvm_exit(vm, ev);
	case LAT_EV_SCHED_SWITCH:
		return on_switch(vm, ev);
	case LAT_EV_VMSYNC: {
		const struct lat_vm_machine *m = machine_of(vm, event_tid(vm, ev));

		return lat_vm_markers_add(&vm->markers, ev, m ? m->pid : -1);
	}
	default:
		return 0;
	}
}

static int cmp_vcpu(const void *a, const void *b)
{
	const struct lat_vcpu *x = a, *y = b;

	return x->vcpu_id < y->vcpu_id ? -1 : x->vcpu_id > y->vcpu_id;
}

static int cmp_exit(const void *a, const void *b)
{
	const struct lat_vm_exit_stat *x = a, *y = b;

	if (x->count != y->count) {
		return x->count > y->count ? -1 : 1;
	}
	if (x->total_ns != y->total_ns) {
		return x->total_ns > y->total_ns ? -1 : 1;
	}
	return x->reason < y->reason ? -1 : x->reason > y->reason;
}

static int cmp_machine(const void *a, const void *b)
{
	const struct lat_vm_machine *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

int lat_vm_host_end(struct lat_vm *vm, int64_t end)
{
	for (uint32_t i = 0; i < vm->nvms; i++) {
		struct lat_vm_machine *m = &vm->vms[i];

		for (uint32_t c = 0; c < m->nvcpus; c++) {
			struct lat_vcpu *v = &m->vcpus[c];
			int ret = vcpu_set_state(v, end, v->state);

			if (ret) {
				return ret;
			}
			v->unfinished_exits = v->exit_open;
			for (int s = 0; s < LAT_VCPU_NSTATES; s++) {
				m->total[s] += v->total[s];
			}
		}
		qsort(m->vcpus, m->nvcpus, sizeof(*m->vcpus), cmp_vcpu);
		qsort(m->exits, m->nexits, sizeof(*m->exits), cmp_exit);
	}
	qsort(vm->vms, vm->nvms, sizeof(*vm->vms), cmp_machine);
	/* the thread map indexes moved: rebuild it */
	for (uint32_t i = 0; i < vm->nvms; i++) {
		for (uint32_t c = 0; c < vm->vms[i].nvcpus; c++) {
			uint32_t index;

			if (lat_tid_map_find(&vm->threads, vm->vms[i].vcpus[c].tid, &index)) {
				vm->thread_vcpu[index].vm = i;
				vm->thread_vcpu[index].vcpu = c;
			}
		}
	}
	vm->ended = true;
	return 0;
}

int lat_vm_find(const struct lat_vm *vm, const char *key)
{
	char *endp;
	long pid = strtol(key, &endp, 10);
	int found = -1;

	for (uint32_t i = 0; i < vm->nvms; i++) {
		if ((*key && !*endp && vm->vms[i].pid == pid) || !strcmp(vm->vms[i].comm, key)) {
			if (found >= 0) {
				return -2;
			}
			found = (int)i;
		}
	}
	return found;
}

/* The first interval of vcpu ending after ts (or at ts when at_end). */
static uint32_t first_after(const struct lat_vcpu *vcpu, int64_t ts, bool at_end)
{
	uint32_t lo = 0, hi = vcpu->nintervals;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int64_t end = vcpu->intervals[mid].end;

		if (end < ts || (end == ts && !at_end)) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

int lat_vcpu_state_at(const struct lat_vcpu *vcpu, int64_t ts)
{
	uint32_t i = first_after(vcpu, ts, true);

	/* at a boundary between two intervals, either state is right: prefer guest */
	if (i + 1 < vcpu->nintervals && vcpu->intervals[i].end == ts &&
	    vcpu->intervals[i + 1].state == LAT_VCPU_GUEST) {
		return LAT_VCPU_GUEST;
	}
	if (i < vcpu->nintervals && vcpu->intervals[i].begin <= ts) {
		return vcpu->intervals[i].state;
	}
	return -1;
}

int64_t lat_vcpu_time_within(const struct lat_vcpu *vcpu, unsigned state, int64_t begin,
			     int64_t end)
{
	int64_t sum = 0;

	for (uint32_t i = first_after(vcpu, begin, false);
	     i < vcpu->nintervals && vcpu->intervals[i].begin < end; i++) {
		const struct lat_vcpu_interval *iv = &vcpu->intervals[i];

		if (iv->state == state) {
			int64_t b = iv->begin > begin ? iv->begin : begin;
			int64_t e = iv->end < end ? iv->end : end;

			sum += e > b ? e - b : 0;
		}
	}
	return sum;
}

/* --- hypercall markers ---------------------------------------------------------------------- */

void lat_vm_markers_init(struct lat_vm_markers *m)
{
	memset(m, 0, sizeof(*m));
	m->begin = -1;
}

void lat_vm_markers_fini(struct lat_vm_markers *m)
{
	free(m->v);
	lat_vm_markers_init(m);
}

int lat_vm_markers_add(struct lat_vm_markers *m, const struct lat_kevent *ev, int32_t vm_pid)
{
	struct lat_vm_marker *mk;
	const char *n = ev->name;

	if (m->begin < 0) {
		m->begin = ev->ts;
	}
	m->end = ev->ts > m->end ? ev->ts : m->end;
	if (ev->type != LAT_EV_VMSYNC || !n || strncmp(n, "vmsync_", 7) != 0 || strlen(n) < 14) {
		return 0;
	}
	if (lat_grow((void **)&m->v, &m->cap, m->n + 1, sizeof(*m->v))) {
		return -ENOMEM;
	}
	mk = &m->v[m->n++];
	mk->ts = ev->ts;
	mk->vm_uid = ev->vmsync.vm_uid;
	mk->cnt = ev->vmsync.cnt;
	mk->guest_to_host = !strncmp(n + 7, "gh_", 3);
	/* gh: the guest sends, the host receives; hg: the host sends, the guest receives */
	mk->send = mk->guest_to_host == !strcmp(n + 10, "guest");
	mk->vm_pid = vm_pid;
	return 0;
}

static struct lat_sync_key marker_key(const struct lat_vm_marker *mk)
{
	return (struct lat_sync_key){.seq = mk->cnt,
				     .ack_seq = (uint32_t)mk->vm_uid,
				     .window = (uint16_t)(mk->vm_uid >> 32),
				     .flags = mk->guest_to_host ? 1 : 2};
}

int lat_vm_guest_clock(const struct lat_vm_markers *host, const struct lat_vm_markers *guest,
		       struct lat_vm_clock *clock, char *why, size_t why_len)
{
	struct lat_sync_transform tr[2];
	struct lat_sync_stats stats;
	struct lat_sync *s;
	uint64_t host_markers = 0;
	int ret;

	memset(clock, 0, sizeof(*clock));
	clock->vm_pid = -1;
	if (!guest->n) {
		snprintf(why, why_len, "no vmsync marker in the guest's trace");
		return -ENODATA;
	}
	clock->vm_uid = guest->v[0].vm_uid;
	ret = lat_sync_create(2, &s);
	if (ret) {
		return ret;
	}
	for (uint32_t i = 0; i < host->n && !ret; i++) {
		if (host->v[i].vm_uid == clock->vm_uid) {
			struct lat_sync_key key = marker_key(&host->v[i]);

			if (clock->vm_pid < 0) {
				clock->vm_pid = host->v[i].vm_pid;
			}
			host_markers++;
			ret = lat_sync_add(s, 0, host->v[i].send, &key, host->v[i].ts);
		}
	}
	for (uint32_t i = 0; i < guest->n && !ret; i++) {
		if (guest->v[i].vm_uid == clock->vm_uid) {
			struct lat_sync_key key = marker_key(&guest->v[i]);

			ret = lat_sync_add(s, 1, guest->v[i].send, &key, guest->v[i].ts);
		}
	}
	if (!ret && !host_markers) {
		snprintf(why, why_len,
			 "the host's trace has no vmsync marker of this guest (vm_uid %" PRIu64 ")",
			 clock->vm_uid);
		ret = -ENODATA;
	}
	if (!ret) {
		lat_sync_set_range(s, 0, host->begin, host->end);
		lat_sync_set_range(s, 1, guest->begin, guest->end);
		ret = lat_sync_compute(s, 0, tr, &stats, why, why_len);
		if (ret && tr[1].status) {
			snprintf(why, why_len, "%s", tr[1].why);
		}
	}
	if (!ret) {
		clock->slope = tr[1].slope;
		clock->offset_ns = tr[1].offset_ns;
		clock->accuracy_ns = tr[1].accuracy_ns;
		clock->messages = tr[1].sent + tr[1].received;
	}
	lat_sync_destroy(s);
	return ret;
}

/* --- guests ------------------------------------------------------------------------------- */

int lat_vm_guest_init(struct lat_vm_guest *g, const struct lat_vm *host, uint32_t vm_index,
		      const struct lat_vm_guest_filter *filter)
{
	memset(g, 0, sizeof(*g));
	g->host = host;
	g->vm = &host->vms[vm_index];
	if (filter) {
		g->filter = *filter;
	}
	for (int i = 0; i < LAT_MAX_CPUS; i++) {
		g->cpu_tid[i] = LAT_NO_TID;
	}
	g->begin = -1;
	return lat_state_init(&g->state);
}

void lat_vm_guest_fini(struct lat_vm_guest *g)
{
	for (uint32_t i = 0; i < g->map.count; i++) {
		free(g->threads[i].run_log);
	}
	free(g->threads);
	lat_tid_map_fini(&g->map);
	lat_state_fini(&g->state);
}

static bool selected(const struct lat_vm_guest_filter *f, int32_t tid, const char *comm)
{
	for (size_t i = 0; i < f->ntids; i++) {
		if (f->tids[i] == tid) {
			return true;
		}
	}
	for (size_t i = 0; i < f->nprocnames; i++) {
		if (!strcmp(f->procnames[i], comm)) {
			return true;
		}
	}
	return false;
}

static const struct lat_vcpu *vcpu_of_cpu(const struct lat_vm_machine *m, uint32_t cpu)
{
	for (uint32_t i = 0; i < m->nvcpus; i++) {
		if (m->vcpus[i].vcpu_id == cpu) {
			return &m->vcpus[i];
		}
	}
	return NULL;
}

/* Thread tid left guest CPU `cpu` at ts, where it had been since cpu_since[cpu]. */
static int close_run(struct lat_vm_guest *g, uint32_t cpu, int64_t ts)
{
	int32_t tid = g->cpu_tid[cpu];
	const struct lat_task *task = lat_state_task(&g->state, tid);
	const struct lat_vcpu *v = vcpu_of_cpu(g->vm, cpu);
	int64_t begin = g->cpu_since[cpu], lost = 0, hyp = 0;
	struct lat_vm_guest_thread *t;
	uint32_t index;
	int ret;

	g->cpu_tid[cpu] = LAT_NO_TID;
	if (tid == LAT_NO_TID || tid == 0) {
		return 0;
	}
	ret = lat_tid_map_get(&g->map, tid, &index);
	if (ret < 0 ||
	    lat_grow((void **)&g->threads, &g->threads_cap, index + 1, sizeof(*g->threads))) {
		return -ENOMEM;
	}
	t = &g->threads[index];
	t->tid = tid;
	if (task && task->comm[0]) {
		snprintf(t->comm, sizeof(t->comm), "%s", task->comm);
	}
	t->selected = selected(&g->filter, tid, t->comm);
	if (v) {
		lost = lat_vcpu_time_within(v, LAT_VCPU_PREEMPTED, begin, ts);
		hyp = lat_vcpu_time_within(v, LAT_VCPU_HYPERVISOR, begin, ts);
	} else {
		g->cpus_without_vcpu++;
	}
	t->runs++;
	t->on_cpu_ns += ts - begin;
	t->lost_ns += lost;
	t->hypervisor_ns += hyp;
	if (lost > 0) {
		t->slowed_runs++;
		t->worst_lost_ns = lost > t->worst_lost_ns ? lost : t->worst_lost_ns;
		if (t->selected) {
			if (lat_grow((void **)&t->run_log, &t->run_log_cap, t->nrun_log + 1,
				     sizeof(*t->run_log))) {
				return -ENOMEM;
			}
			t->run_log[t->nrun_log++] = (struct lat_vm_guest_run){.begin = begin,
									      .end = ts,
									      .lost_ns = lost,
									      .hypervisor_ns = hyp,
									      .cpu = cpu};
		}
	}
	return 0;
}

int lat_vm_guest_event(struct lat_vm_guest *g, const struct lat_kevent *ev)
{
	int ret = see_event(&g->state, &g->begin, &g->end, &g->events, ev);

	if (ret || ev->type != LAT_EV_SCHED_SWITCH || ev->cpu >= LAT_MAX_CPUS) {
		return ret;
	}
	if (ev->ts < g->host->end) {
		const struct lat_vcpu *v = vcpu_of_cpu(g->vm, ev->cpu);

		if (v && ev->ts >= v->first_ts) {
			g->switches_checked++;
			g->switches_outside += lat_vcpu_state_at(v, ev->ts) != LAT_VCPU_GUEST;
		}
	}
	if (g->cpu_tid[ev->cpu] != LAT_NO_TID) {
		ret = close_run(g, ev->cpu, ev->ts);
		if (ret) {
			return ret;
		}
	}
	g->cpu_tid[ev->cpu] = ev->sched_switch.next_tid;
	g->cpu_since[ev->cpu] = ev->ts;
	return 0;
}

int lat_vm_guest_end(struct lat_vm_guest *g, int64_t end)
{
	for (uint32_t cpu = 0; cpu < LAT_MAX_CPUS; cpu++) {
		if (g->cpu_tid[cpu] != LAT_NO_TID) {
			int ret = close_run(g, cpu, end);

			if (ret) {
				return ret;
			}
		}
	}
	return 0;
}
