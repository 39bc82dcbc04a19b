/* vm.h: virtual machines seen from a KVM host's trace: vCPU states, steal time, VM exits, and the
 * time guest threads lose while their vCPU is preempted on the host. */
#ifndef LATSCOPE_ANALYSES_VM_H
#define LATSCOPE_ANALYSES_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyses/analysis.h"
#include "sources/event.h"
#include "state/state.h"

/*
 * A vCPU is a host thread (the tid that emits kvm_entry for a vcpu_id); its VM is the thread's
 * process. From the host's events, each vCPU is at any time in one state:
 *   guest       running guest code (kvm_entry .. kvm_exit)
 *   hypervisor  on a host CPU, out of guest mode (kvm_exit .. kvm_entry, or switched in and not
 *               entered yet)
 *   preempted   switched out while runnable (sched_switch prev_state: running): steal time
 *   idle        switched out while sleeping (sched_switch prev_state: a sleep state, e.g.
 *               after a HLT exit)
 * A vCPU's states start at its first kvm event (before, its thread is not known to be one).
 * The events are fed in time order; the library does no I/O.
 */
enum lat_vcpu_state {
	LAT_VCPU_GUEST = 0,
	LAT_VCPU_HYPERVISOR,
	LAT_VCPU_PREEMPTED,
	LAT_VCPU_IDLE,
	LAT_VCPU_NSTATES,
};

/* "guest", "hypervisor", "preempted", "idle". */
const char *lat_vcpu_state_name(unsigned state);

/* The name of an exit reason ("HLT", "EXTERNAL_INTERRUPT"...) for isa 1 (VMX) or 2 (SVM), as
 * perf kvm stat prints them; NULL when unknown. isa 0 (not in the trace) reads as VMX. */
const char *lat_vm_exit_name(uint32_t isa, uint32_t reason);

/* One interval of a vCPU's timeline. */
struct lat_vcpu_interval {
	int64_t begin, end;
	uint8_t state;        /* enum lat_vcpu_state */
	uint8_t isa;          /* of the exit below */
	bool has_exit;        /* out of guest mode after an exit (not guest, not before any exit) */
	uint32_t exit_reason; /* the exit that left guest mode */
};

struct lat_vcpu {
	uint32_t vcpu_id;
	int32_t tid;
	char comm[LAT_STATE_COMM_LEN];
	int64_t first_ts;                 /* its first kvm event */
	int64_t total[LAT_VCPU_NSTATES];  /* ns in each state, from first_ts to the end */
	uint64_t exits, unfinished_exits; /* exits; those with no entry before the end */
	struct lat_vcpu_interval *intervals;
	uint32_t nintervals, intervals_cap;
	/* while reading */
	uint8_t state;
	uint8_t isa;
	bool exit_open;
	uint32_t exit_reason;
	int64_t since, exit_ts;
};

/* VM-exit statistics of one reason (as perf kvm stat: the time from the exit to the next entry,
 * which includes any time the vCPU then spent preempted or idle). */
struct lat_vm_exit_stat {
	uint32_t isa, reason;
	uint64_t count;
	int64_t min_ns, max_ns, total_ns;
};

struct lat_vm_machine {
	int32_t pid;
	char comm[LAT_STATE_COMM_LEN];
	struct lat_vcpu *vcpus; /* sorted by vcpu_id after lat_vm_host_end() */
	uint32_t nvcpus, vcpus_cap;
	struct lat_vm_exit_stat *exits; /* sorted by count (descending) after lat_vm_host_end() */
	uint32_t nexits, exits_cap;
	int64_t total[LAT_VCPU_NSTATES]; /* sums over its vCPUs; total[PREEMPTED] = steal time */
};

/*
 * Hypercall markers (lttng-modules' vmsync addons): a guest module makes a hypercall every 10 ms;
 * the guest writes vmsync_gh_guest (cnt, vm_uid) before it and the host vmsync_gh_host when it
 * handles it (a message from the guest to the host), then the host writes vmsync_hg_host before
 * returning and the guest vmsync_hg_guest after (from the host to the guest). Each pair is a
 * message with a send and a reception, as TCP segments between hosts: the convex-hull fit of
 * lib/analyses/sync.c gives the guest's clock relation to the host's (as Trace Compass' VM
 * analysis does with the same events).
 */
struct lat_vm_marker {
	int64_t ts;
	uint64_t vm_uid;
	uint32_t cnt;
	bool guest_to_host; /* gh (else hg) */
	bool send;          /* gh_guest, hg_host */
	int32_t vm_pid; /* host markers: the VM of the vCPU thread that wrote it (-1: unknown) */
};

struct lat_vm_markers {
	struct lat_vm_marker *v;
	uint32_t n, cap;
	int64_t begin, end; /* the range of the events offered (begin -1: none) */
};

void lat_vm_markers_init(struct lat_vm_markers *m);
/* Notes ev's time, and keeps it when it is a vmsync event (vm_pid: the writer's VM, or -1). */
int lat_vm_markers_add(struct lat_vm_markers *m, const struct lat_kevent *ev, int32_t vm_pid);
void lat_vm_markers_fini(struct lat_vm_markers *m);

/* A guest's clock on the host's: host_ts = slope * guest_ts + offset_ns. */
struct lat_vm_clock {
	long double slope, offset_ns;
	double accuracy_ns; /* over the guest's range */
	uint64_t vm_uid;
	int32_t vm_pid;    /* the VM whose vCPU threads wrote the host's markers, -1 if not known */
	uint64_t messages; /* markers of the guest matched with the host's */
};

/*
 * The relation from the guest's markers and the host's of the same vm_uid. Returns 0, -ENODATA
 * (the guest has no marker, or the host none of its vm_uid), -EDOM/-ERANGE (no linear relation
 * fits: see lat_sync_fit_points), -ENOMEM; `why` says so in one line.
 */
int lat_vm_guest_clock(const struct lat_vm_markers *host, const struct lat_vm_markers *guest,
		       struct lat_vm_clock *clock, char *why, size_t why_len);

struct lat_vm {
	struct lat_state state;        /* the host's */
	struct lat_vm_markers markers; /* hypercall markers */
	struct lat_vm_machine *vms;    /* sorted by pid after lat_vm_host_end() */
	uint32_t nvms, vms_cap;
	struct lat_tid_map threads; /* vCPU thread tid -> thread_vcpu[index] */
	struct {
		uint32_t vm, vcpu;
	} * thread_vcpu;
	uint32_t thread_vcpu_cap;
	int64_t begin, end; /* first and last event */
	uint64_t events, kvm_events;
	uint64_t unattributed; /* kvm events whose thread was not known (trace began mid-exit) */
	bool ended;
};

int lat_vm_init(struct lat_vm *vm);
void lat_vm_fini(struct lat_vm *vm);

/* One host event (ts on the common timeline). Returns 0 or -ENOMEM. */
int lat_vm_host_event(struct lat_vm *vm, const struct lat_kevent *ev);

/* Closes every state at `end` (the host trace's last event), sorts VMs, vCPUs and exits. */
int lat_vm_host_end(struct lat_vm *vm, int64_t end);

/* The VM whose pid (decimal) or process name is `key`; -1 when none, -2 when several. */
int lat_vm_find(const struct lat_vm *vm, const char *key);

/* Time vcpu spent in `state` within [begin, end]. */
int64_t lat_vcpu_time_within(const struct lat_vcpu *vcpu, unsigned state, int64_t begin,
			     int64_t end);

/* The state of vcpu at ts (an interval's ends belong to it), or -1 outside its intervals. */
int lat_vcpu_state_at(const struct lat_vcpu *vcpu, int64_t ts);

/* --- a guest's trace ------------------------------------------------------------------------ */

/* One stay of a guest thread on a guest CPU (sched_switch in .. out). */
struct lat_vm_guest_run {
	int64_t begin, end;
	int64_t lost_ns;       /* its vCPU was preempted on the host this long meanwhile */
	int64_t hypervisor_ns; /* ... and out of guest mode on a host CPU (VM exits) this long */
	uint32_t cpu;
};

struct lat_vm_guest_thread {
	int32_t tid;
	char comm[LAT_STATE_COMM_LEN];
	bool selected; /* --tid/--procname: its runs are kept */
	uint64_t runs; /* completed stays on a guest CPU */
	uint64_t slowed_runs;
	int64_t on_cpu_ns, lost_ns, worst_lost_ns;
	int64_t hypervisor_ns;            /* time its vCPU spent in VM exits while it ran */
	struct lat_vm_guest_run *run_log; /* selected threads: the runs that lost time */
	uint32_t nrun_log, run_log_cap;
};

struct lat_vm_guest_filter {
	const int32_t *tids;
	size_t ntids;
	const char *const *procnames;
	size_t nprocnames;
};

/*
 * Guest CPU N runs on vCPU N of the VM. The guest's events (ts already on the host's timeline)
 * say which thread runs on which guest CPU; each stay is charged the time its vCPU was
 * preempted on the host meanwhile.
 */
struct lat_vm_guest {
	const struct lat_vm *host;
	const struct lat_vm_machine *vm;
	struct lat_vm_guest_filter filter;
	struct lat_state state;        /* the guest's */
	int32_t cpu_tid[LAT_MAX_CPUS]; /* per guest CPU: the thread on it (LAT_NO_TID: none) */
	int64_t cpu_since[LAT_MAX_CPUS];
	struct lat_tid_map map;
	struct lat_vm_guest_thread *threads;
	uint32_t threads_cap;
	int64_t begin, end;
	uint64_t events;
	uint64_t cpus_without_vcpu; /* runs on a guest CPU the VM has no vCPU for */
	/*
	 * A guest context switch on guest CPU N happens while vCPU N runs guest code. Those that
	 * fall when it does not (over its known range) say the clocks are not aligned, or the
	 * guest is not this VM's.
	 */
	uint64_t switches_checked, switches_outside;
};

int lat_vm_guest_init(struct lat_vm_guest *g, const struct lat_vm *host, uint32_t vm_index,
		      const struct lat_vm_guest_filter *filter);
int lat_vm_guest_event(struct lat_vm_guest *g, const struct lat_kevent *ev);
/* Closes the runs still open at `end`. */
int lat_vm_guest_end(struct lat_vm_guest *g, int64_t end);
void lat_vm_guest_fini(struct lat_vm_guest *g);

#endif /* LATSCOPE_ANALYSES_VM_H */
