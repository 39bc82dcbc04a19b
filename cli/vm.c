/* vm.c: `latscope vm`: virtual machines from a KVM host's trace (vCPU states, steal time, VM
 * exits) and, with the guests' traces, the time guest threads lost to host preemption. */
#include "analyses/sync.h"
#include "analyses/vm.h"
#include "cli.h"
#include "outputs/lami.h"
#include "outputs/text.h"
#include "sources/ctf.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GUESTS 64

static void print_help(void)
{
	printf(
	    "Usage: latscope vm [OPTIONS] HOST_TRACE [GUEST_TRACE[@VM]...]\n\n"
	    "Virtual machines seen from a KVM host's kernel trace (kvm_x86_entry/kvm_x86_exit or\n"
	    "kvm_entry/kvm_exit, sched_switch): the state of every vCPU over time (guest: running\n"
	    "guest code; hypervisor: out of guest mode on a host CPU; preempted: its thread\n"
	    "runnable but switched out; idle: its thread sleeping, e.g. after a HLT exit), each\n"
	    "VM's steal time (preempted), VM-exit statistics per reason (as perf kvm stat: from\n"
	    "the exit to the next entry). With guests' traces: the time each guest thread lost\n"
	    "because its vCPU was preempted on the host while it ran (guest CPU N = vCPU N).\n"
	    "A guest trace belongs to the only VM, or to VM (its pid or process name) after "
	    "'@'.\n\n"
	    "  --sync FILE.json       put every trace on one timeline with latscope sync's\n"
	    "                         transforms (default: each guest's clock from its vmsync\n"
	    "                         hypercall markers when the host has some, else the host's)\n"
	    "  --tid LIST             guest threads to report (and log their slowed runs)\n"
	    "  --procname LIST        the same by name (default: every guest thread that lost "
	    "time)\n"
	    "  --timeline             print every vCPU state interval (a log, in time order)\n"
	    "  --gmt                  times in UTC\n"
	    "  -j, --json             JSON instead of text\n"
	    "  -h, --help             this help\n\n"
	    "Example: latscope vm --sync sync.json host/ guest1/@qemu-vm1 --procname cyclictest\n");
}

struct guest_arg {
	char path[PATH_MAX];
	const char *vm_key; /* after '@', or NULL */
	long double slope, offset_ns;
	struct lat_vm_guest *g;
	uint64_t lost_events;
	bool by_markers; /* clock from the hypercall markers */
	struct lat_vm_clock clock;
};

struct vm_args {
	const char *host;
	struct guest_arg guests[MAX_GUESTS];
	uint32_t nguests;
	const char *sync_file;
	int32_t tids[LAT_MAX_FILTER];
	const char *procnames[LAT_MAX_FILTER];
	size_t ntids, nprocnames;
	bool timeline, json, gmt;
	long double host_slope, host_offset_ns;
	uint64_t host_lost;
};

/* Feeds one trace's events, on the common timeline, to a callback of the analysis. */
struct feed {
	long double slope, offset_ns;
	int (*fn)(void *target, const struct lat_kevent *ev);
	void *target;
};

static int on_event(const struct lat_kevent *ev, void *user)
{
	struct feed *f = user;
	struct lat_kevent copy;

	if (f->slope == 1.0L && f->offset_ns == 0.0L) {
		return f->fn(f->target, ev);
	}
	copy = *ev;
	copy.ts = (int64_t)llroundl(f->slope * (long double)ev->ts + f->offset_ns);
	return f->fn(f->target, &copy);
}

static int host_fn(void *target, const struct lat_kevent *ev)
{
	return lat_vm_host_event(target, ev);
}

static int guest_fn(void *target, const struct lat_kevent *ev)
{
	return lat_vm_guest_event(target, ev);
}

static int markers_fn(void *target, const struct lat_kevent *ev)
{
	return lat_vm_markers_add(target, ev, -1);
}

/* Reads the trace at path through fn; returns 0 or CLI_EXIT_FAILURE (message printed). */
static int read_trace(const char *path, struct feed *f, struct lat_state *state, uint64_t *lost)
{
	struct lat_ctf_options opts = {.intersect = false, .kernel_only = true};
	struct lat_ctf_source *src;
	char err[512];
	int major, minor, patch, ret;

	ret = lat_ctf_source_open(path, &opts, &src, err, sizeof(err));
	if (ret) {
		cli_error("vm: %s: %s", path, err);
		return CLI_EXIT_FAILURE;
	}
	if (lat_ctf_source_is_live(src)) {
		lat_ctf_source_destroy(src);
		cli_error("vm: %s: a live session: give a trace folder", path);
		return CLI_EXIT_FAILURE;
	}
	if (state && lat_ctf_source_tracer_version(src, &major, &minor, &patch) == 0) {
		lat_state_set_tracer_version(state, major, minor, patch);
	}
	ret = lat_ctf_source_run(src, on_event, f);
	if (ret) {
		const char *why = lat_ctf_source_error(src);

		cli_error("vm: %s: %s", path, *why ? why : strerror(-ret));
		lat_ctf_source_destroy(src);
		return CLI_EXIT_FAILURE;
	}
	*lost = lat_ctf_source_stats(src)->discarded_events;
	for (uint32_t i = 0; i < lat_ctf_stats_warning_count(lat_ctf_source_stats(src)); i++) {
		char w[512];

		lat_ctf_stats_warning(lat_ctf_source_stats(src), i, w, sizeof(w));
		fprintf(stderr, "latscope: warning: %s: %s\n", path, w);
	}
	lat_ctf_source_destroy(src);
	return 0;
}

/*
 * A guest without --sync, when the host has hypercall markers: its clock from its own markers
 * (a first reading of its trace); none: the host's clock. Returns 0 or CLI_EXIT_FAILURE.
 */
static int marker_clock(const struct lat_vm *vm, struct guest_arg *ga)
{
	struct lat_vm_markers markers;
	struct feed f = {1.0L, 0.0L, markers_fn, &markers};
	uint64_t lost;
	char why[256];
	int ret;

	lat_vm_markers_init(&markers);
	if (read_trace(ga->path, &f, NULL, &lost)) {
		lat_vm_markers_fini(&markers);
		return CLI_EXIT_FAILURE;
	}
	if (markers.n == 0) {
		lat_vm_markers_fini(&markers);
		return 0;
	}
	ret = lat_vm_guest_clock(&vm->markers, &markers, &ga->clock, why, sizeof(why));
	lat_vm_markers_fini(&markers);
	if (ret) {
		cli_error("vm: %s: its hypercall markers do not give its clock: %s", ga->path,
			  ret == -ENOMEM ? strerror(ENOMEM) : why);
		return CLI_EXIT_FAILURE;
	}
	ga->by_markers = true;
	ga->slope = ga->clock.slope;
	ga->offset_ns = ga->clock.offset_ns;
	return 0;
}

static int parse_args(int argc, char **argv, struct vm_args *a)
{
	static const struct option longopts[] = {
	    {"sync", required_argument, NULL, 's'},
	    {"tid", required_argument, NULL, 't'},
	    {"procname", required_argument, NULL, 'p'},
	    {"timeline", no_argument, NULL, 'T'},
	    {"gmt", no_argument, NULL, 'g'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char *save, *tok;
	int opt;

	optind = 1;
	opterr = 0; /* the refused option is named in our one line */
	while ((opt = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			a->sync_file = optarg;
			break;
		case 't': {
			int n;

			if (!cli_parse_int_list("vm", "vm: --tid", "TIDs", optarg, 0, CLI_PID_MAX,
						a->tids, LAT_MAX_FILTER, &n)) {
				return CLI_EXIT_USAGE;
			}
			a->ntids = (size_t)n;
			break;
		}
		case 'p':
			for (tok = strtok_r(optarg, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				if (a->nprocnames >= LAT_MAX_FILTER) {
					return cli_usage_error("vm",
							       "vm: --procname: too many names");
				}
				a->procnames[a->nprocnames++] = tok;
			}
			break;
		case 'T':
			a->timeline = true;
			break;
		case 'g':
			a->gmt = true;
			break;
		case 'j':
			a->json = true;
			cli_json_errors = true;
			break;
		case 'h':
			print_help();
			return CLI_EXIT_OK;
		default:
			return cli_usage_error("vm", "vm: unknown option or missing value: %s",
					       argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		return cli_usage_error("vm",
				       "vm: needs the host's trace (HOST_TRACE [GUEST_TRACE...])");
	}
	a->host = argv[optind++];
	if (argc - optind > MAX_GUESTS) {
		return cli_usage_error("vm", "vm: at most %d guest traces", MAX_GUESTS);
	}
	for (; optind < argc; optind++) {
		struct guest_arg *g = &a->guests[a->nguests++];
		char *at = strrchr(argv[optind], '@');

		snprintf(g->path, sizeof(g->path), "%s", argv[optind]);
		if (at && at[1] && !strchr(at, '/')) {
			g->path[at - argv[optind]] = '\0';
			g->vm_key = at + 1;
		}
		g->slope = 1.0L;
	}
	a->host_slope = 1.0L;
	return -1;
}

/* The transforms of every trace from the sync file. */
static int load_sync(struct vm_args *a)
{
	char err[512];

	if (!a->sync_file) {
		return 0;
	}
	if (lat_sync_file_lookup(a->sync_file, a->host, &a->host_slope, &a->host_offset_ns, err,
				 sizeof(err))) {
		cli_error("vm: --sync: %s", err);
		return CLI_EXIT_FAILURE;
	}
	for (uint32_t i = 0; i < a->nguests; i++) {
		struct guest_arg *g = &a->guests[i];

		if (lat_sync_file_lookup(a->sync_file, g->path, &g->slope, &g->offset_ns, err,
					 sizeof(err))) {
			cli_error("vm: --sync: %s", err);
			return CLI_EXIT_FAILURE;
		}
	}
	return 0;
}

/* --- output --------------------------------------------------------------------------------- */

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

static double pct(int64_t part, int64_t whole)
{
	return whole > 0 ? 100.0 * (double)part / (double)whole : 0.0;
}

static int64_t vcpu_span(const struct lat_vcpu *v)
{
	int64_t sum = 0;

	for (int s = 0; s < LAT_VCPU_NSTATES; s++) {
		sum += v->total[s];
	}
	return sum;
}

static void exit_label(char *buf, size_t len, uint32_t isa, uint32_t reason)
{
	const char *name = lat_vm_exit_name(isa, reason);

	if (name) {
		snprintf(buf, len, "%s", name);
	} else {
		snprintf(buf, len, "%s_%u", isa == 2 ? "svm" : "vmx", reason);
	}
}

struct timeline_item {
	const struct lat_vm_machine *m;
	const struct lat_vcpu *v;
	const struct lat_vcpu_interval *iv;
};

static int cmp_item(const void *a, const void *b)
{
	const struct timeline_item *x = a, *y = b;

	if (x->iv->begin != y->iv->begin) {
		return x->iv->begin < y->iv->begin ? -1 : 1;
	}
	if (x->m->pid != y->m->pid) {
		return x->m->pid < y->m->pid ? -1 : 1;
	}
	return x->v->vcpu_id < y->v->vcpu_id ? -1 : x->v->vcpu_id > y->v->vcpu_id;
}

static struct timeline_item *timeline(const struct lat_vm *vm, size_t *count)
{
	struct timeline_item *items;
	size_t n = 0;

	for (uint32_t i = 0; i < vm->nvms; i++) {
		for (uint32_t c = 0; c < vm->vms[i].nvcpus; c++) {
			n += vm->vms[i].vcpus[c].nintervals;
		}
	}
	items = calloc(n ? n : 1, sizeof(*items));
	if (!items) {
		return NULL;
	}
	n = 0;
	for (uint32_t i = 0; i < vm->nvms; i++) {
		for (uint32_t c = 0; c < vm->vms[i].nvcpus; c++) {
			const struct lat_vcpu *v = &vm->vms[i].vcpus[c];

			for (uint32_t k = 0; k < v->nintervals; k++) {
				items[n++] =
				    (struct timeline_item){&vm->vms[i], v, &v->intervals[k]};
			}
		}
	}
	qsort(items, n, sizeof(*items), cmp_item);
	*count = n;
	return items;
}

static void print_text(const struct vm_args *a, const struct lat_vm *vm,
		       const struct timeline_item *items, size_t nitems)
{
	char b[64], e[64], label[64];

	lat_format_timestamp(b, sizeof(b), vm->begin, true, a->gmt);
	lat_format_timestamp(e, sizeof(e), vm->end, true, a->gmt);
	printf("Host trace %s: [%s, %s] (%.3f ms), %" PRIu64 " events, %" PRIu64
	       " kvm events, %" PRIu64 " lost by the tracer\n",
	       a->host, b, e, ms(vm->end - vm->begin), vm->events, vm->kvm_events, a->host_lost);
	if (vm->unattributed) {
		printf("  %" PRIu64 " kvm events of threads not known as vCPUs yet (left out)\n",
		       vm->unattributed);
	}
	for (uint32_t i = 0; i < vm->nvms; i++) {
		const struct lat_vm_machine *m = &vm->vms[i];
		int64_t span = 0;

		for (uint32_t c = 0; c < m->nvcpus; c++) {
			span += vcpu_span(&m->vcpus[c]);
		}
		printf("\nVM %s (pid %d): %u vCPU%s, steal time %.3f ms (%.2f %% of its vCPUs' "
		       "time)\n",
		       m->comm, m->pid, m->nvcpus, m->nvcpus == 1 ? "" : "s",
		       ms(m->total[LAT_VCPU_PREEMPTED]), pct(m->total[LAT_VCPU_PREEMPTED], span));
		printf("  %-5s %-8s %-16s %14s %14s %14s %14s %8s\n", "vCPU", "tid", "thread",
		       "guest ms", "hypervisor ms", "preempted ms", "idle ms", "exits");
		for (uint32_t c = 0; c < m->nvcpus; c++) {
			const struct lat_vcpu *v = &m->vcpus[c];

			printf("  %-5u %-8d %-16s %14.3f %14.3f %14.3f %14.3f %8" PRIu64 "\n",
			       v->vcpu_id, v->tid, v->comm, ms(v->total[LAT_VCPU_GUEST]),
			       ms(v->total[LAT_VCPU_HYPERVISOR]), ms(v->total[LAT_VCPU_PREEMPTED]),
			       ms(v->total[LAT_VCPU_IDLE]), v->exits);
		}
		if (m->nexits) {
			uint64_t count = 0;
			int64_t total = 0;

			for (uint32_t k = 0; k < m->nexits; k++) {
				count += m->exits[k].count;
				total += m->exits[k].total_ns;
			}
			printf("  VM exits (from the exit to the next entry):\n");
			printf("  %-22s %8s %8s %8s %12s %12s %12s %12s\n", "reason", "count",
			       "count%", "time%", "min us", "avg us", "max us", "total ms");
			for (uint32_t k = 0; k < m->nexits; k++) {
				const struct lat_vm_exit_stat *st = &m->exits[k];

				exit_label(label, sizeof(label), st->isa, st->reason);
				printf("  %-22s %8" PRIu64 " %7.2f%% %7.2f%% %12.3f %12.3f %12.3f "
				       "%12.3f\n",
				       label, st->count, pct((int64_t)st->count, (int64_t)count),
				       pct(st->total_ns, total), st->min_ns / 1e3,
				       (double)st->total_ns / (double)st->count / 1e3,
				       st->max_ns / 1e3, ms(st->total_ns));
			}
		}
	}
	for (uint32_t i = 0; i < a->nguests; i++) {
		const struct guest_arg *ga = &a->guests[i];
		const struct lat_vm_guest *g = ga->g;
		uint32_t shown = 0;

		printf("\nGuest trace %s on VM %s (pid %d): %" PRIu64 " events, %" PRIu64
		       " lost by the tracer",
		       ga->path, g->vm->comm, g->vm->pid, g->events, ga->lost_events);
		if (ga->slope != 1.0L || ga->offset_ns != 0.0L) {
			printf(", clock corrected: %.15Lf * t %c %.3Lf ns", ga->slope,
			       ga->offset_ns < 0 ? '-' : '+', fabsl(ga->offset_ns));
		}
		if (ga->by_markers) {
			printf(" (from %" PRIu64 " hypercall markers of vm_uid %" PRIu64
			       ", accuracy +-%.3f us)",
			       ga->clock.messages, ga->clock.vm_uid, ga->clock.accuracy_ns / 1e3);
		}
		printf("\n");
		if (g->switches_outside) {
			printf("  %" PRIu64 " of %" PRIu64 " guest context switches fall while the "
			       "vCPU is out of guest mode (clock accuracy?)\n",
			       g->switches_outside, g->switches_checked);
		}
		if (g->cpus_without_vcpu) {
			printf("  %" PRIu64 " runs on guest CPUs the VM has no vCPU for (not "
			       "charged)\n",
			       g->cpus_without_vcpu);
		}
		printf("  Time guest threads lost while their vCPU was preempted on the host:\n");
		printf("  %-24s %8s %14s %14s %8s %14s %14s\n", "thread", "runs", "on CPU ms",
		       "lost ms", "slowed", "worst lost ms", "in exits ms");
		for (uint32_t t = 0; t < g->map.count; t++) {
			const struct lat_vm_guest_thread *th = &g->threads[t];
			bool filtered = a->ntids || a->nprocnames;

			if (filtered ? !th->selected : th->lost_ns == 0) {
				continue;
			}
			snprintf(label, sizeof(label), "%s (%d)", th->comm, th->tid);
			printf("  %-24s %8" PRIu64 " %14.3f %14.3f %8" PRIu64 " %14.3f %14.3f\n",
			       label, th->runs, ms(th->on_cpu_ns), ms(th->lost_ns), th->slowed_runs,
			       ms(th->worst_lost_ns), ms(th->hypervisor_ns));
			shown++;
		}
		if (!shown) {
			printf("  (none)\n");
		}
		for (uint32_t t = 0; t < g->map.count; t++) {
			const struct lat_vm_guest_thread *th = &g->threads[t];

			if (!th->selected || !th->nrun_log) {
				continue;
			}
			printf("  Runs of %s (%d) slowed by host preemption:\n", th->comm, th->tid);
			for (uint32_t r = 0; r < th->nrun_log; r++) {
				const struct lat_vm_guest_run *run = &th->run_log[r];

				lat_format_timestamp(b, sizeof(b), run->begin, false, a->gmt);
				lat_format_timestamp(e, sizeof(e), run->end, false, a->gmt);
				printf("    [%s, %s] on CPU %u: %.3f ms, %.3f ms of it preempted, "
				       "%.3f ms in VM exits\n",
				       b, e, run->cpu, ms(run->end - run->begin), ms(run->lost_ns),
				       ms(run->hypervisor_ns));
			}
		}
	}
	if (a->timeline) {
		printf("\nTimeline of the vCPUs:\n");
		for (size_t k = 0; k < nitems; k++) {
			const struct timeline_item *it = &items[k];

			lat_format_timestamp(b, sizeof(b), it->iv->begin, false, a->gmt);
			lat_format_timestamp(e, sizeof(e), it->iv->end, false, a->gmt);
			printf("[%s, %s] %10.3f ms  %s (pid %d) vCPU %u: %s", b, e,
			       ms(it->iv->end - it->iv->begin), it->m->comm, it->m->pid,
			       it->v->vcpu_id, lat_vcpu_state_name(it->iv->state));
			if (it->iv->has_exit) {
				exit_label(label, sizeof(label), it->iv->isa, it->iv->exit_reason);
				printf(" (exit %s)", label);
			}
			printf("\n");
		}
	}
}

static void json_states(const int64_t *total)
{
	printf("\"guest_ns\": %" PRId64 ", \"hypervisor_ns\": %" PRId64
	       ", \"preempted_ns\": %" PRId64 ", \"idle_ns\": %" PRId64,
	       total[LAT_VCPU_GUEST], total[LAT_VCPU_HYPERVISOR], total[LAT_VCPU_PREEMPTED],
	       total[LAT_VCPU_IDLE]);
}

static void print_json(const struct vm_args *a, const struct lat_vm *vm,
		       const struct timeline_item *items, size_t nitems)
{
	char label[64];

	printf("{\"host\": {\"trace\": ");
	lat_json_string(stdout, a->host);
	printf(", \"begin_ns\": %" PRId64 ", \"end_ns\": %" PRId64 ", \"events\": %" PRIu64
	       ", \"kvm_events\": %" PRIu64 ", \"lost_events\": %" PRIu64
	       ", \"unattributed_kvm_events\": %" PRIu64 "}, \"vms\": [",
	       vm->begin, vm->end, vm->events, vm->kvm_events, a->host_lost, vm->unattributed);
	for (uint32_t i = 0; i < vm->nvms; i++) {
		const struct lat_vm_machine *m = &vm->vms[i];

		printf("%s{\"pid\": %d, \"name\": ", i ? ", " : "", m->pid);
		lat_json_string(stdout, m->comm);
		printf(", \"steal_ns\": %" PRId64 ", ", m->total[LAT_VCPU_PREEMPTED]);
		json_states(m->total);
		printf(", \"vcpus\": [");
		for (uint32_t c = 0; c < m->nvcpus; c++) {
			const struct lat_vcpu *v = &m->vcpus[c];

			printf("%s{\"vcpu_id\": %u, \"tid\": %d, \"thread\": ", c ? ", " : "",
			       v->vcpu_id, v->tid);
			lat_json_string(stdout, v->comm);
			printf(", \"first_ns\": %" PRId64 ", ", v->first_ts);
			json_states(v->total);
			printf(", \"exits\": %" PRIu64 ", \"unfinished_exits\": %" PRIu64 "}",
			       v->exits, v->unfinished_exits);
		}
		printf("], \"exits\": [");
		for (uint32_t k = 0; k < m->nexits; k++) {
			const struct lat_vm_exit_stat *st = &m->exits[k];

			exit_label(label, sizeof(label), st->isa, st->reason);
			printf("%s{\"reason\": %u, \"name\": ", k ? ", " : "", st->reason);
			lat_json_string(stdout, label);
			printf(", \"isa\": %u, \"count\": %" PRIu64 ", \"min_ns\": %" PRId64
			       ", \"avg_ns\": %.3f, \"max_ns\": %" PRId64 ", \"total_ns\": %" PRId64
			       "}",
			       st->isa, st->count, st->min_ns,
			       (double)st->total_ns / (double)st->count, st->max_ns, st->total_ns);
		}
		printf("]}");
	}
	printf("], \"guests\": [");
	for (uint32_t i = 0; i < a->nguests; i++) {
		const struct guest_arg *ga = &a->guests[i];
		const struct lat_vm_guest *g = ga->g;
		bool first = true;

		printf("%s{\"trace\": ", i ? ", " : "");
		lat_json_string(stdout, ga->path);
		printf(", \"clock\": \"%s\"", a->sync_file     ? "sync"
					      : ga->by_markers ? "markers"
							       : "host");
		if (ga->by_markers) {
			printf(", \"markers\": %" PRIu64 ", \"vm_uid\": %" PRIu64
			       ", \"accuracy_ns\": %.3f",
			       ga->clock.messages, ga->clock.vm_uid, ga->clock.accuracy_ns);
		}
		printf(", \"vm_pid\": %d, \"slope\": %.21Lg, \"offset_ns\": %.3Lf, \"begin_ns\": "
		       "%" PRId64 ", \"end_ns\": %" PRId64 ", \"events\": %" PRIu64
		       ", \"lost_events\": %" PRIu64 ", \"runs_without_vcpu\": %" PRIu64
		       ", \"switches_checked\": %" PRIu64 ", \"switches_outside_guest_mode\": "
		       "%" PRIu64 ", \"threads\": [",
		       g->vm->pid, ga->slope, ga->offset_ns, g->begin, g->end, g->events,
		       ga->lost_events, g->cpus_without_vcpu, g->switches_checked,
		       g->switches_outside);
		for (uint32_t t = 0; t < g->map.count; t++) {
			const struct lat_vm_guest_thread *th = &g->threads[t];

			if ((a->ntids || a->nprocnames) && !th->selected) {
				continue;
			}
			printf("%s{\"tid\": %d, \"name\": ", first ? "" : ", ", th->tid);
			first = false;
			lat_json_string(stdout, th->comm);
			printf(", \"runs\": %" PRIu64 ", \"on_cpu_ns\": %" PRId64
			       ", \"lost_ns\": %" PRId64 ", \"slowed_runs\": %" PRIu64
			       ", \"worst_lost_ns\": %" PRId64 ", \"hypervisor_ns\": %" PRId64,
			       th->runs, th->on_cpu_ns, th->lost_ns, th->slowed_runs,
			       th->worst_lost_ns, th->hypervisor_ns);
			if (th->selected) {
				printf(", \"slowed\": [");
				for (uint32_t r = 0; r < th->nrun_log; r++) {
					const struct lat_vm_guest_run *run = &th->run_log[r];

					printf("%s{\"begin_ns\": %" PRId64 ", \"end_ns\": %" PRId64
					       ", \"cpu\": %u, \"lost_ns\": %" PRId64
					       ", \"hypervisor_ns\": %" PRId64 "}",
					       r ? ", " : "", run->begin, run->end, run->cpu,
					       run->lost_ns, run->hypervisor_ns);
				}
				printf("]");
			}
			printf("}");
		}
		printf("]}");
	}
	printf("]");
	if (a->timeline) {
		printf(", \"timeline\": [");
		for (size_t k = 0; k < nitems; k++) {
			const struct timeline_item *it = &items[k];

			printf("%s{\"vm_pid\": %d, \"vcpu_id\": %u, \"begin_ns\": %" PRId64
			       ", \"end_ns\": %" PRId64 ", \"state\": \"%s\"",
			       k ? ", " : "", it->m->pid, it->v->vcpu_id, it->iv->begin,
			       it->iv->end, lat_vcpu_state_name(it->iv->state));
			if (it->iv->has_exit) {
				exit_label(label, sizeof(label), it->iv->isa, it->iv->exit_reason);
				printf(", \"exit\": ");
				lat_json_string(stdout, label);
			}
			printf("}");
		}
		printf("]");
	}
	printf("}\n");
}

/* --- the command ------------------------------------------------------------------------------ */

/* The VM of guest trace ga (message printed when none). */
static int guest_vm(const struct lat_vm *vm, const struct guest_arg *ga)
{
	char list[512] = "";
	size_t len = 0;
	int index;

	if (ga->vm_key) {
		index = lat_vm_find(vm, ga->vm_key);
		if (index == -2) {
			cli_error("vm: %s@%s: several VMs are named %s: give its pid", ga->path,
				  ga->vm_key, ga->vm_key);
			return -1;
		}
	} else if (ga->by_markers && ga->clock.vm_pid >= 0) {
		char pid[16];

		snprintf(pid, sizeof(pid), "%d", ga->clock.vm_pid);
		index = lat_vm_find(vm, pid);
	} else {
		index = vm->nvms == 1 ? 0 : -1;
	}
	if (index >= 0) {
		return index;
	}
	for (uint32_t i = 0; i < vm->nvms && len < sizeof(list) - 64; i++) {
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s (pid %d)",
					i ? ", " : "", vm->vms[i].comm, vm->vms[i].pid);
	}
	if (ga->vm_key) {
		cli_error("vm: %s: no VM %s in the host trace (VMs: %s)", ga->path, ga->vm_key,
			  list);
	} else {
		cli_error("vm: %s: which VM is this guest? The host runs %u: %s; write %s@PID",
			  ga->path, vm->nvms, list, ga->path);
	}
	return -1;
}

int cmd_vm(int argc, char **argv)
{
	struct vm_args *a = calloc(1, sizeof(*a));
	struct lat_vm *vm = calloc(1, sizeof(*vm));
	struct timeline_item *items = NULL;
	struct lat_vm_guest_filter filter;
	size_t nitems = 0;
	int status = CLI_EXIT_FAILURE, ret;
	bool vm_ready = false;

	if (!a || !vm) {
		cli_error("vm: %s", strerror(ENOMEM));
		goto out;
	}
	status = parse_args(argc, argv, a);
	if (status >= 0) {
		goto out;
	}
	status = CLI_EXIT_FAILURE;
	if (load_sync(a)) {
		goto out;
	}
	ret = lat_vm_init(vm);
	if (ret) {
		cli_error("vm: %s", strerror(-ret));
		goto out;
	}
	vm_ready = true;
	{
		struct feed f = {a->host_slope, a->host_offset_ns, host_fn, vm};

		if (read_trace(a->host, &f, &vm->state, &a->host_lost)) {
			goto out;
		}
	}
	if (vm->kvm_events == 0) {
		cli_error(
		    "vm: %s: no kvm_entry/kvm_exit events: not the trace of a KVM host "
		    "(latscope vm HOST_TRACE [GUEST_TRACE...]: the host's trace, with its kvm "
		    "events, comes first)",
		    a->host);
		goto out;
	}
	ret = lat_vm_host_end(vm, vm->end);
	if (ret) {
		cli_error("vm: %s", strerror(-ret));
		goto out;
	}
	filter = (struct lat_vm_guest_filter){a->tids, a->ntids, a->procnames, a->nprocnames};
	for (uint32_t i = 0; i < a->nguests; i++) {
		struct guest_arg *ga = &a->guests[i];
		struct feed f;
		int index;

		if (!a->sync_file && vm->markers.n && marker_clock(vm, ga)) {
			goto out;
		}
		index = guest_vm(vm, ga);
		if (index < 0) {
			goto out;
		}
		ga->g = calloc(1, sizeof(*ga->g));
		if (!ga->g) {
			cli_error("vm: %s", strerror(ENOMEM));
			goto out;
		}
		ret = lat_vm_guest_init(ga->g, vm, (uint32_t)index, &filter);
		if (ret) {
			cli_error("vm: %s", strerror(-ret));
			goto out;
		}
		f = (struct feed){ga->slope, ga->offset_ns, guest_fn, ga->g};
		if (read_trace(ga->path, &f, &ga->g->state, &ga->lost_events)) {
			goto out;
		}
		if (ga->g->events == 0 || ga->g->end < vm->begin || ga->g->begin > vm->end) {
			cli_error(
			    "vm: %s: the guest's events do not overlap the host's in time: not "
			    "on the host's clock? (synchronize them: latscope sync -o FILE.json "
			    "HOST GUEST, then --sync FILE.json)",
			    ga->path);
			goto out;
		}
		if (ga->g->switches_checked >= 4 &&
		    ga->g->switches_outside * 2 > ga->g->switches_checked) {
			cli_error(
			    "vm: %s: %" PRIu64 " of the guest's %" PRIu64 " context switches "
			    "fall while its vCPU is out of guest mode on the host: not on the "
			    "host's clock, or not this VM's trace (synchronize them: latscope "
			    "sync -o FILE.json HOST GUEST, then --sync FILE.json; or GUEST@VM)",
			    ga->path, ga->g->switches_outside, ga->g->switches_checked);
			goto out;
		}
		ret = lat_vm_guest_end(ga->g, ga->g->end);
		if (ret) {
			cli_error("vm: %s", strerror(-ret));
			goto out;
		}
	}
	if (a->timeline) {
		items = timeline(vm, &nitems);
		if (!items) {
			cli_error("vm: %s", strerror(ENOMEM));
			goto out;
		}
	}
	if (a->json) {
		print_json(a, vm, items, nitems);
	} else {
		print_text(a, vm, items, nitems);
	}
	status = CLI_EXIT_OK;
out:
	free(items);
	if (a) {
		for (uint32_t i = 0; i < a->nguests; i++) {
			if (a->guests[i].g) {
				lat_vm_guest_fini(a->guests[i].g);
				free(a->guests[i].g);
			}
		}
	}
	if (vm_ready) {
		lat_vm_fini(vm);
	}
	free(vm);
	free(a);
	return status;
}
