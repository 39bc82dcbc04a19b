/* record.c: `latscope record`: eBPF records -> LTTng kernel CTF trace, statedump from /proc. */
#include "sources/record.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "../../bpf/flight.h"
#include "../../bpf/record.h"
#include "outputs/ctf_writer.h"
#include "record.skel.h"
#include "sources/ebpf.h"
#include "sources/flight_kring.h"
#include "sources/record_flight.h"
#include "sources/record_syscalls.h"
#include "sources/syscall_names.h"

/* Event groups (bits of the selection). */
enum {
	GROUP_SCHED = 1 << 0,
	GROUP_SYSCALL = 1 << 1,
	GROUP_BLOCK = 1 << 2,
	GROUP_IRQ = 1 << 3,
	GROUP_NET = 1 << 4,
	GROUP_KMEM = 1 << 5,
	GROUP_TIMER = 1 << 6,
	GROUP_WORKQUEUE = 1 << 7,
	GROUP_KVM = 1 << 8, /* not in "all" (the default): classic tracepoints, a hypervisor's */
};

/* One recorded kernel event: its LTTng name and fields, the BPF program, the record kind. */
struct rec_event {
	const char *name;
	const char *prog;
	unsigned group;
	uint16_t kind;
	const struct lat_ctf_field *fields;
	unsigned count;
	uint16_t copy; /* > 0: the record payload's first `copy` bytes are the CTF payload */
};

#define F(n, t)                \
	{                      \
		n, LAT_CTF_##t \
	}
static const struct lat_ctf_field f_switch[] = {
    F("prev_comm", COMM), F("prev_tid", S32), F("prev_prio", S32), F("prev_state", S64),
    F("next_comm", COMM), F("next_tid", S32), F("next_prio", S32)};
static const struct lat_ctf_field f_wakeup[] = {F("comm", COMM), F("tid", S32), F("prio", S32),
						F("target_cpu", S32)};
static const struct lat_ctf_field f_migrate[] = {F("comm", COMM), F("tid", S32), F("prio", S32),
						 F("orig_cpu", S32), F("dest_cpu", S32)};
static const struct lat_ctf_field f_fork[] = {
    F("parent_comm", COMM),   F("parent_tid", S32),  F("parent_pid", S32),
    F("parent_ns_inum", U32), F("child_comm", COMM), F("child_tid", S32),
    F("vtids", VTIDS),        F("child_pid", S32),   F("child_ns_inum", U32)};
static const struct lat_ctf_field f_exec[] = {F("filename", STRING), F("tid", S32),
					      F("old_tid", S32)};
static const struct lat_ctf_field f_task[] = {F("comm", COMM), F("tid", S32), F("prio", S32)};
static const struct lat_ctf_field f_block_rq[] = {
    F("dev", U32), F("sector", U64), F("nr_sector", U32), F("bytes", U32),
    F("tid", S32), F("rwbs", U32),   F("cmd", CMD),       F("comm", COMM)};
static const struct lat_ctf_field f_block_complete[] = {F("dev", U32),       F("sector", U64),
							F("nr_sector", U32), F("errors", S32),
							F("rwbs", U32),      F("cmd", CMD)};
static const struct lat_ctf_field f_irq_entry[] = {F("irq", S32), F("name", STRING)};
static const struct lat_ctf_field f_irq_exit[] = {F("irq", S32), F("ret", S32)};
static const struct lat_ctf_field f_softirq[] = {F("vec", U32)};
static const struct lat_ctf_field f_xmit[] = {F("skbaddr", X64), F("rc", S32), F("len", U32),
					      F("name", STRING)};
static const struct lat_ctf_field f_receive[] = {F("skbaddr", X64), F("len", U32),
						 F("name", STRING)};
static const struct lat_ctf_field f_page_alloc[] = {F("page", X64), F("pfn", U64), F("order", U32),
						    F("gfp_flags", U32), F("migratetype", S32)};
static const struct lat_ctf_field f_page_free[] = {F("page", X64), F("pfn", U64), F("order", U32)};
static const struct lat_ctf_field f_hrtimer_start[] = {F("hrtimer", X64), F("function", X64),
						       F("expires", S64), F("softexpires", S64),
						       F("mode", U32),    F("was_armed", U8)};
static const struct lat_ctf_field f_hrtimer_expire[] = {F("hrtimer", X64), F("now", S64),
							F("function", X64)};
static const struct lat_ctf_field f_hrtimer[] = {F("hrtimer", X64)};
static const struct lat_ctf_field f_timer_start[] = {F("timer", X64),   F("function", X64),
						     F("expires", U64), F("bucket_expiry", U64),
						     F("now", U64),     F("flags", U32)};
static const struct lat_ctf_field f_timer_expire[] = {F("timer", X64), F("now", U64),
						      F("function", X64), F("baseclk", U64)};
static const struct lat_ctf_field f_timer[] = {F("timer", X64)};
static const struct lat_ctf_field f_wq_queue[] = {F("work", X64), F("function", X64),
						  F("req_cpu", S32)};
static const struct lat_ctf_field f_wq_work[] = {F("work", X64)};
static const struct lat_ctf_field f_wq_exec[] = {F("work", X64), F("function", X64)};
static const struct lat_ctf_field f_kvm_entry[] = {F("vcpu_id", U32)};
static const struct lat_ctf_field f_kvm_exit[] = {
    F("exit_reason", U32), F("guest_rip", U64), F("isa", U32),        F("info1", U64),
    F("info2", U64),       F("intr_info", U32), F("error_code", U32), F("vcpu_id", U32)};
static const struct lat_ctf_field f_sd_process[] = {
    F("tid", S32),    F("vtid", S32),     F("pid", S32),     F("vpid", S32), F("ppid", S32),
    F("vppid", S32),  F("name", COMM),    F("type", S32),    F("mode", S32), F("submode", S32),
    F("status", S32), F("ns_level", S32), F("ns_inum", U32), F("cpu", U32)};
static const struct lat_ctf_field f_sd_fd[] = {F("pid", S32), F("fd", S32), F("flags", U32),
					       F("fmode", X32), F("filename", STRING)};
static const struct lat_ctf_field f_sd_block[] = {F("dev", U32), F("diskname", STRING)};
static const struct lat_ctf_field f_sd_irq[] = {F("irq", U32), F("name", STRING),
						F("action", STRING)};
static const struct lat_ctf_field f_sys_unknown[] = {
    F("id", S32),     F("args_0", U64), F("args_1", U64), F("args_2", U64),
    F("args_3", U64), F("args_4", U64), F("args_5", U64)};
static const struct lat_ctf_field f_sys_unknown_exit[] = {F("id", S32), F("ret", S64)};
#undef F

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define EV(name, prog, group, kind, fields, copy)                           \
	{                                                                   \
		name, "lat_rec_" prog, group, kind, fields, N(fields), copy \
	}

static const struct rec_event rec_events[] = {
    EV("sched_switch", "sched_switch", GROUP_SCHED, LAT_REC_SCHED_SWITCH, f_switch, 56),
    EV("sched_waking", "sched_waking", GROUP_SCHED, LAT_REC_SCHED_WAKING, f_wakeup, 28),
    EV("sched_wakeup", "sched_wakeup", GROUP_SCHED, LAT_REC_SCHED_WAKEUP, f_wakeup, 28),
    EV("sched_wakeup_new", "sched_wakeup_new", GROUP_SCHED, LAT_REC_SCHED_WAKEUP_NEW, f_wakeup, 28),
    EV("sched_migrate_task", "sched_migrate_task", GROUP_SCHED, LAT_REC_SCHED_MIGRATE, f_migrate,
       32),
    EV("sched_process_fork", "sched_process_fork", GROUP_SCHED, LAT_REC_SCHED_FORK, f_fork, 0),
    EV("sched_process_exec", "sched_process_exec", GROUP_SCHED, LAT_REC_SCHED_EXEC, f_exec, 0),
    EV("sched_process_exit", "sched_process_exit", GROUP_SCHED, LAT_REC_SCHED_EXIT, f_task, 24),
    EV("sched_process_free", "sched_process_free", GROUP_SCHED, LAT_REC_SCHED_FREE, f_task, 24),
    EV("block_rq_insert", "block_rq_insert", GROUP_BLOCK, LAT_REC_BLOCK_INSERT, f_block_rq, 0),
    EV("block_rq_issue", "block_rq_issue", GROUP_BLOCK, LAT_REC_BLOCK_ISSUE, f_block_rq, 0),
    EV("block_rq_complete", "block_rq_complete", GROUP_BLOCK, LAT_REC_BLOCK_COMPLETE,
       f_block_complete, 0),
    EV("irq_handler_entry", "irq_handler_entry", GROUP_IRQ, LAT_REC_IRQ_ENTRY, f_irq_entry, 0),
    EV("irq_handler_exit", "irq_handler_exit", GROUP_IRQ, LAT_REC_IRQ_EXIT, f_irq_exit, 8),
    EV("softirq_raise", "softirq_raise", GROUP_IRQ, LAT_REC_SOFTIRQ_RAISE, f_softirq, 4),
    EV("softirq_entry", "softirq_entry", GROUP_IRQ, LAT_REC_SOFTIRQ_ENTRY, f_softirq, 4),
    EV("softirq_exit", "softirq_exit", GROUP_IRQ, LAT_REC_SOFTIRQ_EXIT, f_softirq, 4),
    EV("net_dev_xmit", "net_dev_xmit", GROUP_NET, LAT_REC_NET_XMIT, f_xmit, 0),
    EV("netif_receive_skb", "netif_receive_skb", GROUP_NET, LAT_REC_NET_RECEIVE, f_receive, 0),
    EV("kmem_mm_page_alloc", "mm_page_alloc", GROUP_KMEM, LAT_REC_PAGE_ALLOC, f_page_alloc, 28),
    EV("kmem_mm_page_free", "mm_page_free", GROUP_KMEM, LAT_REC_PAGE_FREE, f_page_free, 20),
    EV("timer_hrtimer_start", "hrtimer_start", GROUP_TIMER, LAT_REC_HRTIMER_START, f_hrtimer_start,
       37),
    EV("timer_hrtimer_expire_entry", "hrtimer_expire_entry", GROUP_TIMER,
       LAT_REC_HRTIMER_EXPIRE_ENTRY, f_hrtimer_expire, 24),
    EV("timer_hrtimer_expire_exit", "hrtimer_expire_exit", GROUP_TIMER, LAT_REC_HRTIMER_EXPIRE_EXIT,
       f_hrtimer, 8),
    EV("timer_hrtimer_cancel", "hrtimer_cancel", GROUP_TIMER, LAT_REC_HRTIMER_CANCEL, f_hrtimer, 8),
    EV("timer_start", "timer_start", GROUP_TIMER, LAT_REC_TIMER_START, f_timer_start, 44),
    EV("timer_expire_entry", "timer_expire_entry", GROUP_TIMER, LAT_REC_TIMER_EXPIRE_ENTRY,
       f_timer_expire, 32),
    EV("timer_expire_exit", "timer_expire_exit", GROUP_TIMER, LAT_REC_TIMER_EXPIRE_EXIT, f_timer,
       8),
    EV("timer_cancel", "timer_cancel", GROUP_TIMER, LAT_REC_TIMER_CANCEL, f_timer, 8),
    EV("workqueue_queue_work", "workqueue_queue_work", GROUP_WORKQUEUE, LAT_REC_WQ_QUEUE,
       f_wq_queue, 20),
    EV("workqueue_activate_work", "workqueue_activate_work", GROUP_WORKQUEUE, LAT_REC_WQ_ACTIVATE,
       f_wq_work, 8),
    EV("workqueue_execute_start", "workqueue_execute_start", GROUP_WORKQUEUE, LAT_REC_WQ_START,
       f_wq_exec, 16),
    EV("workqueue_execute_end", "workqueue_execute_end", GROUP_WORKQUEUE, LAT_REC_WQ_END, f_wq_exec,
       16),
    EV("kvm_x86_entry", "kvm_entry", GROUP_KVM, LAT_REC_KVM_ENTRY, f_kvm_entry, 4),
    EV("kvm_x86_exit", "kvm_exit", GROUP_KVM, LAT_REC_KVM_EXIT, f_kvm_exit, 0),
};
#undef EV

/* Tracepoints whose arguments changed across kernels: the count the probe reads (Linux 6.18). */
static const struct {
	const char *tp;
	unsigned args;
} tp_args[] = {
    {"hrtimer_start", 3},                             /* was_armed: 6.18.33, 6.12.91, 6.6.141 */
    {"hrtimer_expire_entry", 2},  {"timer_start", 2}, /* bucket_expiry: 6.8 */
    {"timer_expire_entry", 2},                        /* baseclk: 5.2 */
    {"workqueue_execute_end", 2},                     /* function: 5.6 */
    {"workqueue_queue_work", 3},
};

/*
 * Whether this kernel has the tracepoint of event e with the arguments its probe reads: the
 * tp_btf/raw_tp probes need the tracepoint's BTF (btf_trace_NAME), the kvm ones (classic
 * tracepoints) its tracefs folder.
 */
static bool tracepoint_fits(const struct btf *vmlinux, const struct rec_event *ev)
{
	const char *tp = ev->prog + 8; /* "lat_rec_" */
	const struct btf_type *t;
	char name[128];
	int id;

	if (ev->group & GROUP_KVM) {
		snprintf(name, sizeof(name), "/sys/kernel/tracing/events/kvm/%s", tp);
		return access(name, F_OK) == 0;
	}
	if (!vmlinux) {
		return true; /* the load says */
	}
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF);
	if (id < 0) {
		return false;
	}
	t = btf__type_by_id(vmlinux, (uint32_t)id);
	t = t ? btf__type_by_id(vmlinux, t->type) : NULL; /* the pointer */
	t = t && btf_is_ptr(t) ? btf__type_by_id(vmlinux, t->type) : NULL;
	if (!t || !btf_is_func_proto(t)) {
		return false;
	}
	for (size_t i = 0; i < sizeof(tp_args) / sizeof(tp_args[0]); i++) {
		if (strcmp(tp_args[i].tp, tp) == 0) {
			return btf_vlen(t) == tp_args[i].args + 1; /* and the leading void * */
		}
	}
	return true;
}

static const struct {
	const char *name;
	unsigned groups;
} rec_groups[] = {
    {"all", ~(unsigned)GROUP_KVM},
    {"sched", GROUP_SCHED},
    {"syscall", GROUP_SYSCALL},
    {"syscalls", GROUP_SYSCALL},
    {"block", GROUP_BLOCK},
    {"irq", GROUP_IRQ},
    {"net", GROUP_NET},
    {"kmem", GROUP_KMEM},
    {"timer", GROUP_TIMER},
    {"workqueue", GROUP_WORKQUEUE},
    {"kvm", GROUP_KVM},
};

/* LTTng's kernel contexts (lttng add-context -k -t NAME), in the stream event context. */
enum {
	CTX_PROCNAME,
	CTX_TID,
	CTX_PID,
	CTX_PPID,
	CTX_PRIO,
	CTX_VPID,
	CTX_VTID,
	CTX_COUNT,
};

static const struct lat_ctf_field ctx_fields[CTX_COUNT] = {
    [CTX_PROCNAME] = {"procname", LAT_CTF_COMM},
    [CTX_TID] = {"tid", LAT_CTF_S32},
    [CTX_PID] = {"pid", LAT_CTF_S32},
    [CTX_PPID] = {"ppid", LAT_CTF_S32},
    [CTX_PRIO] = {"prio", LAT_CTF_S32},
    [CTX_VPID] = {"vpid", LAT_CTF_S32},
    [CTX_VTID] = {"vtid", LAT_CTF_S32},
};

#define TID_SLOTS 65536 /* last syscall entry arguments by tid (direct mapped) */

struct tid_args {
	uint32_t tid;
	int32_t nr;
	uint64_t args[LAT_REC_SYS_ARGS];
};

struct sys_class {
	const struct lat_rec_syscall *sc; /* NULL: syscall_entry_unknown */
	uint32_t entry_id, exit_id;
};

struct lat_record {
	struct record_bpf *skel;
	struct ring_buffer *rb;
	int epoll_fd; /* the ring buffer, edge-triggered: ready once per wake-up of the probes */
	struct lat_ctf_writer *writer;
	uint32_t cpus;
	uint64_t selected[2];  /* bit i: rec_events[i]; [1] bit 0: syscalls */
	char unsupported[512]; /* selected events this kernel's tracepoints cannot give */
	bool syscalls;
	uint32_t class_id[LAT_REC_KIND_MAX];
	const struct rec_event *by_kind[LAT_REC_KIND_MAX];
	struct sys_class sys[LAT_REC_SYS_MAX];
	uint32_t sys_unknown_entry, sys_unknown_exit;
	uint32_t sd_start, sd_end, sd_process, sd_fd, sd_block, sd_irq;
	uint8_t ctx[CTX_COUNT]; /* --context, in its order: CTX_* */
	unsigned nctx;
	struct lat_ctf_field ctx_decl[CTX_COUNT];
	struct lat_rec_ctx self_ctx; /* the recorder's own, for the statedump's events */
	struct tid_args *tids;
	uint64_t *drop_values; /* per possible CPU */
	uint64_t discarded;
	uint64_t bad_records;
	int error;
	/* flight recorder */
	struct lat_flight *flight; /* NULL: records go to the writer as they come */
	uint64_t *drops_noted;     /* per CPU: the loss total last noted in the rings */
	uint64_t *snap_lost;       /* per CPU: losses inside the snapshot being written */
	char *dir;
	const struct lat_ctf_sink *sink;      /* lat_record_opts.sink */
	const struct lat_ctf_sink *snap_sink; /* lat_record_set_snapshot_sink() */
	size_t packet_bytes;
	int64_t clock_offset_ns;
	uint64_t snapshots;
	/* --flight in kernel-resident rings (flight_kring.h); NULL: not, or in user space */
	struct lat_fl_kring *kring;
	uint64_t keep_ns, kring_expired;
	uint32_t nsub_extra;
	/* lat_record_opts.consume: the records go there, not to a writer */
	lat_record_consume_fn consume;
	void *consume_user;
	uint64_t consumed;
};

static int kring_check(struct lat_record *rec, const struct lat_record_opts *opts, uint32_t *nsub,
		       char *why, size_t why_len);
static void set_why(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_why(char *why, size_t len, const char *fmt, ...)
{
	va_list args;

	if (!why || !len) {
		return;
	}
	va_start(args, fmt);
	vsnprintf(why, len, fmt, args);
	va_end(args);
}

/* --- event selection ------------------------------------------------------------------------ */

static int parse_selection(const char *events, uint64_t *mask, bool *syscalls, char *why,
			   size_t why_len)
{
	char *copy, *save = NULL;
	int err = 0;

	*mask = 0;
	*syscalls = false;
	if (!events || !*events) {
		events = "all";
	}
	copy = strdup(events);
	if (!copy) {
		return -ENOMEM;
	}
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		bool found = false;

		while (isspace((unsigned char)*tok)) {
			tok++;
		}
		for (size_t i = 0; i < N(rec_groups); i++) {
			if (strcmp(tok, rec_groups[i].name) == 0) {
				for (size_t e = 0; e < N(rec_events); e++) {
					if (rec_events[e].group & rec_groups[i].groups) {
						*mask |= 1ull << e;
					}
				}
				if (rec_groups[i].groups & GROUP_SYSCALL) {
					*syscalls = true;
				}
				found = true;
			}
		}
		for (size_t e = 0; !found && e < N(rec_events); e++) {
			/* the LTTng name, or the kernel's (hrtimer_start, kvm_exit, mm_page_alloc)
			 */
			if (strcmp(tok, rec_events[e].name) == 0 ||
			    strcmp(tok, rec_events[e].prog + 8 /* "lat_rec_" */) == 0) {
				*mask |= 1ull << e;
				found = true;
			}
		}
		if (!found && (strncmp(tok, "syscall_entry_", 14) == 0 ||
			       strncmp(tok, "syscall_exit_", 13) == 0)) {
			*syscalls = true;
			found = true;
		}
		if (!found) {
			set_why(why, why_len,
				"unknown event '%s' (groups: all,sched,syscall,block,irq,net,kmem,"
				"timer,workqueue,kvm; the events: latscope record --help)",
				tok);
			err = -EINVAL;
			break;
		}
	}
	free(copy);
	return err;
}

static int parse_context(const char *list, uint8_t *ids, unsigned *count, char *why, size_t why_len)
{
	char *copy, *save = NULL;
	int err = 0;

	*count = 0;
	if (!list || !*list) {
		return 0;
	}
	copy = strdup(list);
	if (!copy) {
		return -ENOMEM;
	}
	for (char *tok = strtok_r(copy, ",", &save); tok && !err;
	     tok = strtok_r(NULL, ",", &save)) {
		unsigned id = CTX_COUNT;

		for (unsigned i = 0; i < CTX_COUNT; i++) {
			if (strcmp(tok, ctx_fields[i].name) == 0) {
				id = i;
			}
		}
		if (id == CTX_COUNT) {
			set_why(
			    why, why_len,
			    "unknown context '%s' (known: procname,tid,pid,ppid,prio,vpid,vtid)",
			    tok);
			err = -EINVAL;
		}
		for (unsigned i = 0; !err && i < *count; i++) {
			if (ids[i] == id) {
				set_why(why, why_len, "context '%s' given twice", tok);
				err = -EINVAL;
			}
		}
		if (!err) {
			ids[(*count)++] = (uint8_t)id;
		}
	}
	free(copy);
	return err;
}

int lat_record_parse_context(const char *list, char *why, size_t why_len)
{
	uint8_t ids[CTX_COUNT];
	unsigned n;

	return parse_context(list, ids, &n, why, why_len);
}

/* Sets the stream's event context from a record's (or the recorder's own). */
static void set_context(struct lat_record *rec, uint32_t cpu, uint32_t tid,
			const struct lat_rec_ctx *c)
{
	uint8_t bytes[64], *p = bytes;

	for (unsigned i = 0; i < rec->nctx; i++) {
		switch (rec->ctx[i]) {
		case CTX_PROCNAME:
			memcpy(p, c->procname, LAT_REC_COMM);
			p += LAT_REC_COMM;
			break;
		case CTX_TID:
			LAT_CTF_PUT(&p, int32_t, tid);
			break;
		case CTX_PID:
			LAT_CTF_PUT(&p, int32_t, c->pid);
			break;
		case CTX_PPID:
			LAT_CTF_PUT(&p, int32_t, c->ppid);
			break;
		case CTX_PRIO:
			LAT_CTF_PUT(&p, int32_t, c->prio);
			break;
		case CTX_VPID:
			LAT_CTF_PUT(&p, int32_t, c->vpid);
			break;
		default:
			LAT_CTF_PUT(&p, int32_t, c->vtid);
			break;
		}
	}
	lat_ctf_writer_set_context(rec->writer, cpu, bytes);
}

int lat_record_parse_events(const char *events, char *why, size_t why_len)
{
	uint64_t mask;
	bool syscalls;

	return parse_selection(events, &mask, &syscalls, why, why_len);
}

const char *lat_record_event_names(void)
{
	static char names[2048];

	if (!names[0]) {
		size_t pos = 0;

		for (size_t i = 0; i < N(rec_groups); i++) {
			pos +=
			    snprintf(names + pos, sizeof(names) - pos, "%s,", rec_groups[i].name);
		}
		for (size_t e = 0; e < N(rec_events) && pos < sizeof(names); e++) {
			pos += snprintf(names + pos, sizeof(names) - pos, "%s%s",
					rec_events[e].name, e + 1 < N(rec_events) ? "," : "");
		}
	}
	return names;
}

/* --- classes -------------------------------------------------------------------------------- */

/* The LTTng description of system call nr, or NULL. */
static const struct lat_rec_syscall *find_syscall(long nr)
{
	const char *scname = lat_syscall_name(nr);

	/* The kernel (and LTTng) call some by their new ABI name: newfstat, newuname... */
	for (int pass = 0; scname && pass < 2; pass++) {
		char alt[64];

		if (pass && strcmp(scname, "sendfile") == 0) {
			scname = "sendfile64";
		} else if (pass && strcmp(scname, "umount2") == 0) {
			scname = "umount";
		}
		snprintf(alt, sizeof(alt), "%s%s",
			 pass && strncmp(scname, "sendfile", 8) && strcmp(scname, "umount") ? "new"
											    : "",
			 scname);
		for (unsigned i = 0; i < lat_rec_syscall_count; i++) {
			if (strcmp(lat_rec_syscalls[i].name, alt) == 0) {
				return &lat_rec_syscalls[i];
			}
		}
	}
	return NULL;
}

const struct lat_rec_syscall *lat_record_syscall(long nr)
{
	return find_syscall(nr);
}

const char *lat_record_kind_name(unsigned kind)
{
	for (size_t e = 0; e < N(rec_events); e++) {
		if (rec_events[e].kind == kind) {
			return rec_events[e].name;
		}
	}
	return NULL;
}

/* Tells the probes which arguments of each system call are strings to copy. */
static int set_strargs(struct lat_record *rec)
{
	for (long nr = 0; nr < LAT_REC_SYS_MAX; nr++) {
		const struct lat_rec_syscall *sc = find_syscall(nr);
		uint32_t key = (uint32_t)nr;
		uint8_t strmask = 0;

		for (unsigned i = 0; sc && i < sc->entry_count; i++) {
			if (sc->entry[i].type == LAT_CTF_STRING && sc->entry[i].arg >= 0) {
				strmask |= 1 << sc->entry[i].arg;
			}
		}
		if (strmask && bpf_map_update_elem(bpf_map__fd(rec->skel->maps.lat_rec_strargs),
						   &key, &strmask, BPF_ANY)) {
			return -errno;
		}
	}
	return 0;
}

static int add_syscall_classes(struct lat_record *rec)
{
	struct lat_ctf_field fields[LAT_REC_SYS_ARGS + 1];
	char name[128];
	int err;

	err = lat_ctf_writer_add_class(rec->writer, "syscall_entry_unknown", f_sys_unknown,
				       N(f_sys_unknown), &rec->sys_unknown_entry);
	if (!err) {
		err = lat_ctf_writer_add_class(rec->writer, "syscall_exit_unknown",
					       f_sys_unknown_exit, N(f_sys_unknown_exit),
					       &rec->sys_unknown_exit);
	}
	for (long nr = 0; !err && nr < LAT_REC_SYS_MAX; nr++) {
		const struct lat_rec_syscall *sc = find_syscall(nr);
		struct sys_class *cls = &rec->sys[nr];

		cls->entry_id = rec->sys_unknown_entry;
		cls->exit_id = rec->sys_unknown_exit;
		if (!sc) {
			continue;
		}
		cls->sc = sc;
		for (unsigned i = 0; i < sc->entry_count; i++) {
			fields[i].name = sc->entry[i].name;
			fields[i].type = sc->entry[i].type;
		}
		snprintf(name, sizeof(name), "syscall_entry_%s", sc->name);
		err = lat_ctf_writer_add_class(rec->writer, name, fields, sc->entry_count,
					       &cls->entry_id);
		if (err) {
			break;
		}
		for (unsigned i = 0; i < sc->exit_count; i++) {
			fields[i].name = sc->exit[i].name;
			fields[i].type = sc->exit[i].type;
		}
		snprintf(name, sizeof(name), "syscall_exit_%s", sc->name);
		err = lat_ctf_writer_add_class(rec->writer, name, fields, sc->exit_count,
					       &cls->exit_id);
	}
	return err;
}

static int add_classes(struct lat_record *rec)
{
	int err = 0;

	for (size_t e = 0; !err && e < N(rec_events); e++) {
		const struct rec_event *ev = &rec_events[e];

		if (!(rec->selected[0] & (1ull << e))) {
			continue;
		}
		rec->by_kind[ev->kind] = ev;
		err = lat_ctf_writer_add_class(rec->writer, ev->name, ev->fields, ev->count,
					       &rec->class_id[ev->kind]);
	}
#define SD(var, name, fields)                                                                    \
	if (!err) {                                                                              \
		err = lat_ctf_writer_add_class(rec->writer, name, fields, N(fields), &rec->var); \
	}
	if (!err) {
		err = lat_ctf_writer_add_class(rec->writer, "lttng_statedump_start", NULL, 0,
					       &rec->sd_start);
	}
	if (!err) {
		err = lat_ctf_writer_add_class(rec->writer, "lttng_statedump_end", NULL, 0,
					       &rec->sd_end);
	}
	SD(sd_process, "lttng_statedump_process_state", f_sd_process);
	SD(sd_fd, "lttng_statedump_file_descriptor", f_sd_fd);
	SD(sd_block, "lttng_statedump_block_device", f_sd_block);
	SD(sd_irq, "lttng_statedump_interrupt", f_sd_irq);
#undef SD
	if (!err && rec->syscalls) {
		err = add_syscall_classes(rec);
	}
	return err;
}

/* --- records -> events ---------------------------------------------------------------------- */

static void put_int(uint8_t **p, uint8_t type, uint64_t v)
{
	switch (type) {
	case LAT_CTF_U8:
	case LAT_CTF_S8:
		LAT_CTF_PUT(p, uint8_t, v);
		break;
	case LAT_CTF_U16:
	case LAT_CTF_S16:
		LAT_CTF_PUT(p, uint16_t, v);
		break;
	case LAT_CTF_U32:
	case LAT_CTF_S32:
	case LAT_CTF_X32:
		LAT_CTF_PUT(p, uint32_t, v);
		break;
	default:
		LAT_CTF_PUT(p, uint64_t, v);
		break;
	}
}

static int write_sys_entry(struct lat_record *rec, const struct lat_rec_hdr *hdr, const void *data,
			   size_t size)
{
	const struct lat_rec_sys_entry *sys = data;
	const struct lat_rec_sys_entry_str *srec = NULL;
	const struct sys_class *cls;
	struct tid_args *slot;
	uint8_t *p, *start;
	size_t max;
	int err;

	if (size < sizeof(*sys)) {
		return -EINVAL;
	}
	if (size >= sizeof(*srec)) {
		srec = data;
	}
	slot = &rec->tids[hdr->tid % TID_SLOTS];
	slot->tid = hdr->tid;
	slot->nr = (int32_t)sys->nr;
	memcpy(slot->args, sys->args, sizeof(slot->args));
	if (sys->nr < 0 || sys->nr >= LAT_REC_SYS_MAX || !rec->sys[sys->nr].sc) {
		err = lat_ctf_event_begin(rec->writer, hdr->cpu, rec->sys_unknown_entry, hdr->ts,
					  4 + 8 * LAT_REC_SYS_ARGS, &p);
		if (err) {
			return err;
		}
		LAT_CTF_PUT(&p, int32_t, sys->nr);
		lat_ctf_put(&p, sys->args, sizeof(sys->args));
		lat_ctf_event_commit(rec->writer, hdr->cpu, 4 + 8 * LAT_REC_SYS_ARGS);
		return 0;
	}
	cls = &rec->sys[sys->nr];
	max = cls->sc->entry_count * 8 + (srec ? 2 * LAT_REC_STR : 0) + 8;
	err = lat_ctf_event_begin(rec->writer, hdr->cpu, cls->entry_id, hdr->ts, max, &start);
	if (err) {
		return err;
	}
	p = start;
	for (unsigned i = 0; i < cls->sc->entry_count; i++) {
		const struct lat_rec_sysfield *f = &cls->sc->entry[i];

		if (f->type == LAT_CTF_STRING) {
			const char *s = "";

			for (int k = 0; srec && k < 2; k++) {
				if (srec->str_arg[k] == (uint8_t)f->arg) {
					s = srec->str[k];
				}
			}
			lat_ctf_put_string(&p, s, LAT_REC_STR);
		} else {
			put_int(&p, f->type, f->arg >= 0 ? sys->args[f->arg] : 0);
		}
	}
	lat_ctf_event_commit(rec->writer, hdr->cpu, (size_t)(p - start));
	return 0;
}

static int write_sys_exit(struct lat_record *rec, const struct lat_rec_hdr *hdr, const void *data,
			  size_t size)
{
	const struct lat_rec_sys_exit *sys = data;
	const struct sys_class *cls;
	struct tid_args *slot;
	uint8_t *p, *start;
	int64_t nr;
	int err;

	if (size < sizeof(*sys)) {
		return -EINVAL;
	}
	slot = &rec->tids[hdr->tid % TID_SLOTS];
	nr = sys->nr;
	if (nr < 0 && slot->tid == hdr->tid) {
		nr = slot->nr; /* orig_ax is -1 after a signal interrupted the call: its entry's */
	}
	if (nr < 0 || nr >= LAT_REC_SYS_MAX || !rec->sys[nr].sc) {
		err = lat_ctf_event_begin(rec->writer, hdr->cpu, rec->sys_unknown_exit, hdr->ts, 12,
					  &p);
		if (err) {
			return err;
		}
		LAT_CTF_PUT(&p, int32_t, sys->nr);
		LAT_CTF_PUT(&p, int64_t, sys->ret);
		lat_ctf_event_commit(rec->writer, hdr->cpu, 12);
		return 0;
	}
	cls = &rec->sys[nr];
	err = lat_ctf_event_begin(rec->writer, hdr->cpu, cls->exit_id, hdr->ts,
				  cls->sc->exit_count * 8, &start);
	if (err) {
		return err;
	}
	p = start;
	for (unsigned i = 0; i < cls->sc->exit_count; i++) {
		const struct lat_rec_sysfield *f = &cls->sc->exit[i];
		uint64_t v = 0;

		if (f->arg < 0) {
			v = (uint64_t)sys->ret;
		} else if (slot->tid == hdr->tid && slot->nr == nr) {
			v = slot->args[f->arg];
		}
		put_int(&p, f->type, v);
	}
	lat_ctf_event_commit(rec->writer, hdr->cpu, (size_t)(p - start));
	return 0;
}

static int write_record(struct lat_record *rec, const struct lat_rec_hdr *hdr, const void *data,
			size_t size)
{
	const struct rec_event *ev;
	uint32_t id, cpu = hdr->cpu;
	uint8_t *p, *start;
	int err;

	if (hdr->kind == LAT_REC_SYS_ENTRY) {
		return write_sys_entry(rec, hdr, data, size);
	}
	if (hdr->kind == LAT_REC_SYS_EXIT) {
		return write_sys_exit(rec, hdr, data, size);
	}
	if (hdr->kind >= LAT_REC_KIND_MAX || !(ev = rec->by_kind[hdr->kind])) {
		return -EINVAL;
	}
	id = rec->class_id[hdr->kind];
	if (ev->copy) {
		if (size < ev->copy) {
			return -EINVAL;
		}
		return lat_ctf_event_write(rec->writer, cpu, id, hdr->ts, data, ev->copy);
	}
	switch (hdr->kind) {
	case LAT_REC_SCHED_FORK: {
		const struct lat_rec_fork *r = data;

		if (size < sizeof(*r)) {
			return -EINVAL;
		}
		err = lat_ctf_event_begin(rec->writer, cpu, id, hdr->ts, 80, &start);
		if (err) {
			return err;
		}
		p = start;
		lat_ctf_put(&p, r, 28); /* parent_comm .. parent_ns_inum */
		lat_ctf_put(&p, r->child_comm, LAT_REC_COMM);
		LAT_CTF_PUT(&p, int32_t, r->child_tid);
		LAT_CTF_PUT(&p, uint8_t, 1); /* vtids: the child's tid in its own namespace */
		LAT_CTF_PUT(&p, int32_t, r->child_tid);
		LAT_CTF_PUT(&p, int32_t, r->child_pid);
		LAT_CTF_PUT(&p, uint32_t, r->child_ns_inum);
		break;
	}
	case LAT_REC_SCHED_EXEC: {
		const struct lat_rec_exec *r = data;

		if (size < sizeof(*r)) {
			return -EINVAL;
		}
		err = lat_ctf_event_begin(rec->writer, cpu, id, hdr->ts, LAT_REC_STR + 8, &start);
		if (err) {
			return err;
		}
		p = start;
		lat_ctf_put_string(&p, r->filename, LAT_REC_STR);
		LAT_CTF_PUT(&p, int32_t, r->tid);
		LAT_CTF_PUT(&p, int32_t, r->old_tid);
		break;
	}
	case LAT_REC_BLOCK_INSERT:
	case LAT_REC_BLOCK_ISSUE:
	case LAT_REC_BLOCK_COMPLETE: {
		const struct lat_rec_block *r = data;

		if (size < sizeof(*r)) {
			return -EINVAL;
		}
		err = lat_ctf_event_begin(rec->writer, cpu, id, hdr->ts, 64, &start);
		if (err) {
			return err;
		}
		p = start;
		LAT_CTF_PUT(&p, uint32_t, r->dev);
		LAT_CTF_PUT(&p, uint64_t, r->sector);
		LAT_CTF_PUT(&p, uint32_t, r->nr_sector);
		if (hdr->kind == LAT_REC_BLOCK_COMPLETE) {
			LAT_CTF_PUT(&p, int32_t, r->errors);
			LAT_CTF_PUT(&p, uint32_t, r->rwbs);
			LAT_CTF_PUT(&p, uint64_t, 0); /* __cmd_length */
		} else {
			LAT_CTF_PUT(&p, uint32_t, r->bytes);
			LAT_CTF_PUT(&p, int32_t, r->tid);
			LAT_CTF_PUT(&p, uint32_t, r->rwbs);
			LAT_CTF_PUT(&p, uint64_t, 0); /* __cmd_length */
			lat_ctf_put(&p, r->comm, LAT_REC_COMM);
		}
		break;
	}
	case LAT_REC_IRQ_ENTRY: {
		const struct lat_rec_irq_entry *r = data;

		if (size < sizeof(*r)) {
			return -EINVAL;
		}
		err = lat_ctf_event_begin(rec->writer, cpu, id, hdr->ts, 4 + LAT_REC_NAME, &start);
		if (err) {
			return err;
		}
		p = start;
		LAT_CTF_PUT(&p, int32_t, r->irq);
		lat_ctf_put_string(&p, r->name, LAT_REC_NAME);
		break;
	}
	case LAT_REC_KVM_EXIT: {
		const struct lat_rec_kvm_exit *r = data;

		if (size < sizeof(*r)) {
			return -EINVAL;
		}
		err = lat_ctf_event_begin(rec->writer, cpu, id, hdr->ts, 44, &start);
		if (err) {
			return err;
		}
		p = start;
		LAT_CTF_PUT(&p, uint32_t, r->exit_reason);
		LAT_CTF_PUT(&p, uint64_t, r->guest_rip);
		LAT_CTF_PUT(&p, uint32_t, r->isa);
		LAT_CTF_PUT(&p, uint64_t, r->info1);
		LAT_CTF_PUT(&p, uint64_t, r->info2);
		LAT_CTF_PUT(&p, uint32_t, r->intr_info);
		LAT_CTF_PUT(&p, uint32_t, r->error_code);
		LAT_CTF_PUT(&p, uint32_t, r->vcpu_id);
		break;
	}
	case LAT_REC_NET_XMIT:
	case LAT_REC_NET_RECEIVE: {
		const struct lat_rec_net *r = data;

		if (size < sizeof(*r)) {
			return -EINVAL;
		}
		err = lat_ctf_event_begin(rec->writer, cpu, id, hdr->ts, 16 + LAT_REC_NAME, &start);
		if (err) {
			return err;
		}
		p = start;
		LAT_CTF_PUT(&p, uint64_t, r->skbaddr);
		if (hdr->kind == LAT_REC_NET_XMIT) {
			LAT_CTF_PUT(&p, int32_t, r->rc);
		}
		LAT_CTF_PUT(&p, uint32_t, r->len);
		lat_ctf_put_string(&p, r->name, LAT_REC_NAME);
		break;
	}
	default:
		return -EINVAL;
	}
	lat_ctf_event_commit(rec->writer, cpu, (size_t)(p - start));
	return 0;
}

/* A whole record (header, context, payload) to the trace. */
static int write_full(struct lat_record *rec, const struct lat_rec_hdr *hdr, size_t size)
{
	const uint8_t *data = (const uint8_t *)(hdr + 1);

	size -= sizeof(*hdr);
	if (rec->nctx) { /* the probes' with_ctx */
		if (size < sizeof(struct lat_rec_ctx)) {
			return -EINVAL;
		}
		set_context(rec, hdr->cpu, hdr->tid, (const struct lat_rec_ctx *)data);
		data += sizeof(struct lat_rec_ctx);
		size -= sizeof(struct lat_rec_ctx);
	}
	return write_record(rec, hdr, data, size);
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct lat_record *rec = ctx;
	const struct lat_rec_hdr *hdr = data;
	int err;

	if (size < sizeof(*hdr) || hdr->cpu >= rec->cpus) {
		rec->bad_records++;
		return 0;
	}
	if (rec->consume) {
		const uint8_t *payload = (const uint8_t *)(hdr + 1);
		size_t left = size - sizeof(*hdr);

		if (rec->nctx && left < sizeof(struct lat_rec_ctx)) {
			rec->bad_records++;
			return 0;
		}
		if (rec->nctx) {
			payload += sizeof(struct lat_rec_ctx);
			left -= sizeof(struct lat_rec_ctx);
		}
		err = rec->consume(rec->consume_user, hdr, payload, left);
		if (err == -EINVAL) {
			rec->bad_records++;
			return 0;
		}
		if (err) {
			rec->error = err;
			return err;
		}
		rec->consumed++;
		if (!rec->writer) {
			return 0;
		}
		/* and to the trace (lat_record_opts.dir with consume) */
	}
	if (rec->flight) {
		if (lat_flight_push(rec->flight, hdr->cpu, hdr->ts, data, size)) {
			rec->bad_records++; /* larger than a ring: refused at open */
		}
		return 0;
	}
	err = write_full(rec, hdr, size);
	if (err == -EINVAL) {
		rec->bad_records++;
		return 0;
	}
	if (err) {
		rec->error = err;
		return err; /* stops ring_buffer__poll */
	}
	return 0;
}

/* --- statedump ------------------------------------------------------------------------------ */

static int read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f) {
		return -errno;
	}
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
	return (int)n;
}

/* LTTng's process status from /proc's state letter (lttng-statedump-impl.c). */
static int lttng_status(char state)
{
	switch (state) {
	case 'R':
		return 6; /* LTTNG_RUN */
	case 'Z':
		return 4; /* LTTNG_ZOMBIE */
	case 'X':
		return 7; /* LTTNG_DEAD */
	default:
		return 5; /* LTTNG_WAIT */
	}
}

static uint32_t ns_inum(int pid)
{
	char path[64], link[64];
	ssize_t n;
	unsigned long v = 0;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", pid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = 0;
		sscanf(link, "pid:[%lu]", &v);
	}
	return (uint32_t)v;
}

static int dump_thread(struct lat_record *rec, uint64_t ts, int pid, int tid)
{
	char path[96], buf[1024], comm[LAT_REC_COMM] = {0};
	char *open_paren, *close_paren, state = 'S';
	int ppid = 0, processor = 0, kthread, n;
	unsigned long flags = 0;
	uint8_t *p, *start;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	if (read_file(path, buf, sizeof(buf)) <= 0) {
		return 0; /* gone meanwhile */
	}
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren) {
		return 0;
	}
	n = (int)(close_paren - open_paren - 1);
	memcpy(comm, open_paren + 1, (size_t)(n < LAT_REC_COMM - 1 ? n : LAT_REC_COMM - 1));
	/* after "(comm) ": state ppid pgrp session tty tpgid flags ... processor is field 39 */
	{
		char *fields = close_paren + 2, *save = NULL, *tok;
		int idx = 3;

		for (tok = strtok_r(fields, " ", &save); tok;
		     tok = strtok_r(NULL, " ", &save), idx++) {
			if (idx == 3) {
				state = tok[0];
			} else if (idx == 4) {
				ppid = atoi(tok);
			} else if (idx == 9) {
				flags = strtoul(tok, NULL, 10);
			} else if (idx == 39) {
				processor = atoi(tok);
				break;
			}
		}
	}
	kthread = (flags & 0x00200000) != 0; /* PF_KTHREAD */
	err = lat_ctf_event_begin(rec->writer, 0, rec->sd_process, ts, 80, &start);
	if (err) {
		return err;
	}
	p = start;
	LAT_CTF_PUT(&p, int32_t, tid);
	LAT_CTF_PUT(&p, int32_t, tid);
	LAT_CTF_PUT(&p, int32_t, pid);
	LAT_CTF_PUT(&p, int32_t, pid);
	LAT_CTF_PUT(&p, int32_t, ppid);
	LAT_CTF_PUT(&p, int32_t, ppid);
	lat_ctf_put(&p, comm, LAT_REC_COMM);
	LAT_CTF_PUT(&p, int32_t, kthread ? 1 : 0); /* LTTNG_KERNEL_THREAD : LTTNG_USER_THREAD */
	LAT_CTF_PUT(&p, int32_t, kthread ? 1 : 0); /* LTTNG_SYSCALL : LTTNG_USER_MODE */
	LAT_CTF_PUT(&p, int32_t, 0);               /* LTTNG_NONE */
	LAT_CTF_PUT(&p, int32_t, lttng_status(state));
	LAT_CTF_PUT(&p, int32_t, 0);
	LAT_CTF_PUT(&p, uint32_t, ns_inum(pid));
	LAT_CTF_PUT(&p, uint32_t, processor);
	lat_ctf_event_commit(rec->writer, 0, (size_t)(p - start));
	return 0;
}

static int dump_fds(struct lat_record *rec, uint64_t ts, int pid)
{
	char path[96], target[PATH_MAX], info[256];
	struct dirent *de;
	DIR *dir;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir) {
		return 0;
	}
	while (!err && (de = readdir(dir))) {
		unsigned long flags = 0;
		uint8_t *p, *start;
		ssize_t n;
		char *fl;
		int fd;

		if (!isdigit((unsigned char)de->d_name[0])) {
			continue;
		}
		fd = atoi(de->d_name);
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0) {
			continue;
		}
		target[n] = 0;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
		if (read_file(path, info, sizeof(info)) > 0 && (fl = strstr(info, "flags:"))) {
			flags = strtoul(fl + 6, NULL, 8);
		}
		err =
		    lat_ctf_event_begin(rec->writer, 0, rec->sd_fd, ts, 16 + (size_t)n + 1, &start);
		if (err) {
			break;
		}
		p = start;
		LAT_CTF_PUT(&p, int32_t, pid);
		LAT_CTF_PUT(&p, int32_t, fd);
		LAT_CTF_PUT(&p, uint32_t, flags);
		LAT_CTF_PUT(&p, uint32_t, 0); /* fmode: not in /proc */
		lat_ctf_put_string(&p, target, (size_t)n + 1);
		lat_ctf_event_commit(rec->writer, 0, (size_t)(p - start));
	}
	closedir(dir);
	return err;
}

static int dump_processes(struct lat_record *rec, uint64_t ts)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	int err = 0;

	if (!proc) {
		return -errno;
	}
	while (!err && (de = readdir(proc))) {
		char path[64];
		struct dirent *te;
		DIR *tasks;
		int pid;

		if (!isdigit((unsigned char)de->d_name[0])) {
			continue;
		}
		pid = atoi(de->d_name);
		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		tasks = opendir(path);
		if (!tasks) {
			continue;
		}
		while (!err && (te = readdir(tasks))) {
			if (isdigit((unsigned char)te->d_name[0])) {
				err = dump_thread(rec, ts, pid, atoi(te->d_name));
			}
		}
		closedir(tasks);
		if (!err) {
			err = dump_fds(rec, ts, pid);
		}
	}
	closedir(proc);
	return err;
}

static int dump_block_devices(struct lat_record *rec, uint64_t ts)
{
	FILE *f = fopen("/proc/partitions", "re");
	char line[256], name[128];
	unsigned major, minor;
	unsigned long long blocks;
	int err = 0;

	if (!f) {
		return 0;
	}
	while (!err && fgets(line, sizeof(line), f)) {
		uint8_t *p, *start;

		if (sscanf(line, " %u %u %llu %127s", &major, &minor, &blocks, name) != 4) {
			continue;
		}
		err = lat_ctf_event_begin(rec->writer, 0, rec->sd_block, ts, 4 + sizeof(name),
					  &start);
		if (err) {
			break;
		}
		p = start;
		LAT_CTF_PUT(&p, uint32_t, major << 20 | minor);
		lat_ctf_put_string(&p, name, sizeof(name));
		lat_ctf_event_commit(rec->writer, 0, (size_t)(p - start));
	}
	fclose(f);
	return err;
}

static int dump_interrupts(struct lat_record *rec, uint64_t ts)
{
	FILE *f = fopen("/proc/interrupts", "re");
	char line[1024];
	int err = 0;

	if (!f) {
		return 0;
	}
	while (!err && fgets(line, sizeof(line), f)) {
		char *s = line, *end, *chip = NULL, *action = NULL, *save = NULL;
		unsigned long irq;
		uint8_t *p, *start;

		while (isspace((unsigned char)*s)) {
			s++;
		}
		irq = strtoul(s, &end, 10);
		if (end == s || *end != ':') {
			continue; /* the header, NMI:, LOC:... */
		}
		line[strcspn(line, "\n")] = 0;
		for (char *tok = strtok_r(end + 1, " \t", &save); tok;
		     tok = strtok_r(NULL, " \t", &save)) {
			if (isdigit((unsigned char)tok[0]) && !chip) {
				continue; /* per-CPU counts */
			}
			if (!chip) {
				chip = tok;
			}
			action = tok; /* the last token: the handlers' names */
		}
		if (!chip) {
			continue;
		}
		err = lat_ctf_event_begin(rec->writer, 0, rec->sd_irq, ts, 4 + 2 * 256, &start);
		if (err) {
			break;
		}
		p = start;
		LAT_CTF_PUT(&p, uint32_t, irq);
		lat_ctf_put_string(&p, chip, 256);
		lat_ctf_put_string(&p, action ? action : "", 256);
		lat_ctf_event_commit(rec->writer, 0, (size_t)(p - start));
	}
	fclose(f);
	return err;
}

static int statedump(struct lat_record *rec, uint64_t ts)
{
	int err;

	if (rec->nctx) {
		set_context(rec, 0, (uint32_t)getpid(),
			    &rec->self_ctx); /* who dumps: the recorder */
	}
	err = lat_ctf_event_write(rec->writer, 0, rec->sd_start, ts, NULL, 0);

	if (!err) {
		err = dump_processes(rec, ts);
	}
	if (!err) {
		err = dump_interrupts(rec, ts);
	}
	if (!err) {
		err = dump_block_devices(rec, ts);
	}
	if (!err) {
		err = lat_ctf_event_write(rec->writer, 0, rec->sd_end, ts, NULL, 0);
	}
	return err;
}

/* --- lifecycle ------------------------------------------------------------------------------ */

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t ksym_address(const char *name)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[512], sym[256], type;
	unsigned long long addr;
	uint64_t found = 0;

	if (!f) {
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) == 3 &&
		    strcmp(sym, name) == 0) {
			found = addr;
			break;
		}
	}
	fclose(f);
	return found;
}

static void remove_partial(const char *dir);

/* Unselects the events this kernel cannot give as the probes read them (named in unsupported). */
static void drop_unsupported(struct lat_record *rec)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	size_t used = 0;

	for (size_t e = 0; e < N(rec_events); e++) {
		if (!(rec->selected[0] & (1ull << e)) || tracepoint_fits(vmlinux, &rec_events[e])) {
			continue;
		}
		rec->selected[0] &= ~(1ull << e);
		if (used < sizeof(rec->unsupported)) {
			used += (size_t)snprintf(rec->unsupported + used,
						 sizeof(rec->unsupported) - used, "%s%s",
						 used ? "," : "", rec_events[e].name);
		}
	}
	btf__free(vmlinux);
}

const char *lat_record_unsupported(const struct lat_record *rec)
{
	return rec->unsupported;
}

/* The recorder's own contexts (its statedump events'): from /proc/self/stat. */
static void self_context(struct lat_rec_ctx *c)
{
	char line[1024], *p;
	FILE *f = fopen("/proc/self/stat", "re");
	int ppid = 0, prio = 20;

	memset(c, 0, sizeof(*c));
	if (f && fgets(line, sizeof(line), f) && (p = strrchr(line, ')'))) {
		/* ") S ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
		 * cutime cstime priority" */
		sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %d",
		       &ppid, &prio);
	}
	if (f) {
		fclose(f);
	}
	f = fopen("/proc/self/comm", "re");
	if (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		memcpy(c->procname, line, strnlen(line, sizeof(c->procname) - 1));
	}
	if (f) {
		fclose(f);
	}
	c->pid = c->vpid = c->vtid = (int32_t)getpid();
	c->ppid = ppid;
	c->prio = prio; /* /proc's priority: prio - MAX_RT_PRIO, as LTTng's */
}

/* Creates a trace folder in dir (and dir's parents), then removes it: 0 or -errno. */
static int check_dir(struct lat_record *rec, const char *dir)
{
	struct lat_ctf_writer_opts wopts = {.cpus = rec->cpus};
	struct lat_ctf_writer *w = NULL;
	char kdir[4200];
	int err;

	snprintf(kdir, sizeof(kdir), "%s/kernel", dir);
	wopts.dir = kdir;
	err = lat_ctf_writer_create(&wopts, &w);
	if (!err) {
		err = lat_ctf_writer_close(w);
	}
	remove_partial(dir);
	return err;
}

/* A trace folder: the writer, the event classes and the metadata. */
static int open_writer(struct lat_record *rec, const char *dir)
{
	struct lat_ctf_writer_opts wopts = {0};
	int err;

	wopts.dir = dir;
	wopts.sink = rec->sink;
	wopts.cpus = rec->cpus;
	wopts.packet_bytes = rec->packet_bytes;
	wopts.clock_offset_ns = rec->clock_offset_ns;
	wopts.context = rec->ctx_decl;
	wopts.context_count = rec->nctx;
	err = lat_ctf_writer_create(&wopts, &rec->writer);
	if (err) {
		return err;
	}
	err = add_classes(rec);
	if (!err) {
		err = lat_ctf_writer_write_metadata(rec->writer);
	}
	return err;
}

int lat_record_open(const struct lat_record_opts *opts, struct lat_record **out, char *why,
		    size_t why_len)
{
	static const char *const tracepoints[] = {"sched/sched_switch", "raw_syscalls/sys_enter",
						  NULL};
	const struct lat_ebpf_needs needs = {.tracepoints = tracepoints};
	struct lat_record *rec;
	char dir[4096];
	size_t ring = opts->buffer_bytes ? opts->buffer_bytes : (32u << 20);
	uint32_t nsub = 0;
	int err, ncpus;

	if ((ring & (ring - 1)) || ring < 4096) {
		set_why(why, why_len, "the buffer size must be a power of two of at least 4 KiB");
		return -EINVAL;
	}
	if (opts->consume && (opts->flight || opts->sink)) {
		set_why(why, why_len,
			"a record consumer takes neither a flight recorder nor a sink");
		return -EINVAL;
	}
	err = lat_ebpf_check(&needs, why, why_len);
	if (err) {
		return err;
	}
	rec = calloc(1, sizeof(*rec));
	if (!rec) {
		return -ENOMEM;
	}
	rec->epoll_fd = -1;
	err = parse_selection(opts->events, &rec->selected[0], &rec->syscalls, why, why_len);
	if (!err) {
		err = parse_context(opts->context, rec->ctx, &rec->nctx, why, why_len);
	}
	if (err) {
		free(rec);
		return err;
	}
	for (unsigned i = 0; i < rec->nctx; i++) {
		rec->ctx_decl[i] = ctx_fields[rec->ctx[i]];
	}
	drop_unsupported(rec);
	self_context(&rec->self_ctx);
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		free(rec);
		set_why(why, why_len, "cannot count the CPUs");
		return ncpus < 0 ? ncpus : -EINVAL;
	}
	rec->cpus = (uint32_t)ncpus;
	rec->packet_bytes = opts->packet_bytes;
	rec->sink = opts->flight ? NULL : opts->sink;
	rec->clock_offset_ns = (int64_t)(clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC));
	rec->tids = calloc(TID_SLOTS, sizeof(*rec->tids));
	rec->drop_values = calloc(rec->cpus, sizeof(uint64_t));
	rec->consume = opts->consume;
	rec->consume_user = opts->consume_user;
	rec->dir = opts->dir ? strdup(opts->dir) : NULL;
	if (!rec->tids || !rec->drop_values || (opts->dir && !rec->dir)) {
		err = -ENOMEM;
		goto error;
	}
	if (opts->flight && !opts->flight_user) {
		err = kring_check(rec, opts, &nsub, why, why_len);
		if (err) {
			goto error;
		}
	}
	if (opts->flight && !opts->flight_user) {
		rec->drops_noted = calloc(2 * (size_t)rec->cpus, sizeof(uint64_t));
		rec->snap_lost = rec->drops_noted + rec->cpus;
		if (!rec->drops_noted) {
			err = -ENOMEM;
			goto error;
		}
	} else if (opts->flight) {
		uint64_t keep = opts->keep_bytes ? opts->keep_bytes : (64ull << 20);

		rec->drops_noted = calloc(2 * (size_t)rec->cpus, sizeof(uint64_t));
		rec->snap_lost = rec->drops_noted + rec->cpus;
		if (!rec->drops_noted) {
			err = -ENOMEM;
			goto error;
		}
		err = lat_flight_create(rec->cpus, keep, opts->keep_ns, &rec->flight);
		if (err) {
			set_why(why, why_len, "cannot keep %llu bytes in %u rings: %s",
				(unsigned long long)keep, rec->cpus,
				err == -EINVAL ? "less than 4 KiB per CPU" : strerror(-err));
			goto error;
		}
	}
	rec->skel = record_bpf__open();
	if (!rec->skel) {
		err = -errno;
		set_why(why, why_len, "cannot open the record probes: %s", strerror(-err));
		goto error;
	}
	rec->skel->rodata->lat_rec_config.self_tgid = opts->record_self ? 0 : (uint32_t)getpid();
	rec->skel->rodata->lat_rec_config.vmemmap_base_addr = ksym_address("vmemmap_base");
	rec->skel->rodata->lat_rec_config.jiffies_addr = ksym_address("jiffies_64");
	rec->skel->rodata->lat_rec_config.with_ctx = rec->nctx > 0;
	rec->skel->rodata->lat_rec_config.wake_bytes =
	    (nsub ? 4096 : ring) / LAT_RECORD_WAKE_FRACTION;
	rec->skel->rodata->lat_rec_config.wake_gap_ns = LAT_RECORD_WAKE_GAP_NS;
	bpf_map__set_max_entries(rec->skel->maps.lat_rec_events, nsub ? 4096 : (uint32_t)ring);
	rec->skel->rodata->lat_fl_nsub = nsub;
	rec->skel->rodata->lat_fl_nsub_extra = rec->nsub_extra;
	bpf_map__set_max_entries(rec->skel->maps.lat_fl_ring,
				 nsub ? rec->cpus * (nsub + (LAT_FL_LEVELS - 1) * rec->nsub_extra)
				      : 1);
	for (size_t e = 0; e < N(rec_events); e++) {
		struct bpf_program *prog =
		    bpf_object__find_program_by_name(rec->skel->obj, rec_events[e].prog);

		if (prog) {
			bpf_program__set_autoload(prog, (rec->selected[0] >> e) & 1);
		}
	}
	bpf_program__set_autoload(rec->skel->progs.lat_rec_sys_enter, rec->syscalls);
	bpf_program__set_autoload(rec->skel->progs.lat_rec_sys_exit, rec->syscalls);
	err = record_bpf__load(rec->skel);
	if (err) {
		set_why(why, why_len, "cannot load the record probes: %s%s", strerror(-err),
			nsub && err == -ENOMEM ? " (the --keep-size rings are kernel memory)" : "");
		goto error;
	}
	err = rec->syscalls ? set_strargs(rec) : 0;
	if (err) {
		set_why(why, why_len, "cannot configure the record probes: %s", strerror(-err));
		goto error;
	}
	if (nsub) {
		err = lat_fl_kring_open(bpf_map__fd(rec->skel->maps.lat_fl_ring),
					rec->skel->bss->lat_fl_cpus, rec->cpus, nsub,
					rec->nsub_extra, &rec->kring);
		if (err) {
			set_why(why, why_len, "cannot map the flight rings: %s", strerror(-err));
			goto error;
		}
	}
	if (rec->flight || rec->kring) {
		/* Snapshots only: DIR (and its parents) made and checked now, by a trial writer. */
		snprintf(dir, sizeof(dir), "%s/.check-%d.tmp", opts->dir, (int)getpid());
		err = check_dir(rec, dir);
		if (err) {
			set_why(why, why_len, "%s: %s", opts->dir, strerror(-err));
			goto error;
		}
	} else if (!rec->consume || opts->dir) {
		snprintf(dir, sizeof(dir), "%s/kernel", opts->dir);
		err = open_writer(rec, dir);
		if (err) {
			set_why(why, why_len, "%s: %s%s", dir,
				rec->writer ? "cannot write the metadata: " : "", strerror(-err));
			goto error;
		}
	}
	rec->rb =
	    ring_buffer__new(bpf_map__fd(rec->skel->maps.lat_rec_events), on_record, rec, NULL);
	if (!rec->rb) {
		err = -errno;
		set_why(why, why_len, "cannot read the ring buffer: %s", strerror(-err));
		goto error;
	}
	/* Edge-triggered: libbpf's own epoll is level-triggered, so a ring that always holds a few
	 * records (the probes no longer wake the reader per record) would be ready at every wait
	 * and the reader would spin under load. */
	rec->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (rec->epoll_fd < 0 ||
	    epoll_ctl(rec->epoll_fd, EPOLL_CTL_ADD, bpf_map__fd(rec->skel->maps.lat_rec_events),
		      &(struct epoll_event){.events = EPOLLIN | EPOLLET})) {
		err = -errno;
		set_why(why, why_len, "cannot wait for the ring buffer: %s", strerror(-err));
		goto error;
	}
	*out = rec;
	return 0;

error:
	lat_record_close(rec, NULL);
	return err;
}

int lat_record_start(struct lat_record *rec, char *why, size_t why_len)
{
	uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
	int err = record_bpf__attach(rec->skel);

	if (err) {
		set_why(why, why_len, "cannot attach the record probes: %s", strerror(-err));
		return err;
	}
	if (rec->flight || rec->kring || !rec->writer) {
		return 0; /* each snapshot has its own statedump; a consumer makes its own */
	}
	/* Every event from the probes is at or after t0: the statedump, stamped t0, comes first,
	 * and every stream begins there. */
	lat_ctf_writer_begin_at(rec->writer, t0);
	err = statedump(rec, t0);
	if (err) {
		set_why(why, why_len, "cannot write the statedump: %s", strerror(-err));
	}
	return err;
}

static void update_drops(struct lat_record *rec)
{
	uint32_t zero = 0;
	uint64_t total = 0, now = 0;

	if (rec->kring) {
		return; /* the rings count their losses (kring_stats) */
	}
	if (bpf_map_lookup_elem(bpf_map__fd(rec->skel->maps.lat_rec_drops), &zero,
				rec->drop_values)) {
		return;
	}
	for (uint32_t cpu = 0; cpu < rec->cpus; cpu++) {
		if (!rec->flight && rec->writer) {
			lat_ctf_writer_set_discarded(rec->writer, cpu, rec->drop_values[cpu]);
		} else if (!rec->flight) {
			/* a consumer (lat_record_opts.consume): the total only */
		} else if (rec->drop_values[cpu] != rec->drops_noted[cpu]) {
			/* In the rings with the events: a snapshot counts those of its window. */
			now = now ? now : clock_ns(CLOCK_MONOTONIC);
			if (lat_flight_note_drops(rec->flight, cpu, now, rec->drop_values[cpu]) ==
			    0) {
				rec->drops_noted[cpu] = rec->drop_values[cpu];
			}
		}
		total += rec->drop_values[cpu];
	}
	rec->discarded = total;
}

int lat_record_poll(struct lat_record *rec, int timeout_ms)
{
	struct epoll_event ev;
	int n;

	/* Waits for a wake-up (the ring past its watermark) or the timeout, then reads whatever
	 * the ring holds; with no timeout, it only takes the pending wake-up off the epoll fd. */
	if (epoll_wait(rec->epoll_fd, &ev, 1, timeout_ms) < 0 && errno == EINTR) {
		update_drops(rec);
		return -EINTR;
	}
	n = ring_buffer__consume(rec->rb);
	update_drops(rec);
	if (rec->error) {
		return rec->error;
	}
	return n;
}

int lat_record_fd(struct lat_record *rec)
{
	return rec->epoll_fd;
}

/* --- flight recorder: kernel-resident rings (flight_kring.h) -------------------------------- */

/* The rings' size for --keep-size: 0, or -EINVAL with why. */
static int kring_check(struct lat_record *rec, const struct lat_record_opts *opts, uint32_t *nsub,
		       char *why, size_t why_len)
{
	uint64_t keep = opts->keep_bytes ? opts->keep_bytes : (64ull << 20);

	*nsub = lat_fl_kring_nsub(keep, rec->cpus, &rec->nsub_extra);
	if (!*nsub) {
		set_why(why, why_len,
			"cannot keep %llu bytes in %u rings: less than 80 KiB per CPU",
			(unsigned long long)keep, rec->cpus);
		return -EINVAL;
	}
	rec->keep_ns = opts->keep_ns;
	return 0;
}

/* Copies the rings for a snapshot; its window (oldest, newest kept) goes to fs. */
static int kring_snapshot_copy(struct lat_record *rec, struct lat_flight_stats *fs, char *why,
			       size_t why_len)
{
	struct lat_fl_kring_stats ks;
	int err = lat_fl_kring_copy(rec->kring);

	memset(fs, 0, sizeof(*fs));
	if (err) {
		set_why(why, why_len, "cannot copy the flight rings: %s", strerror(-err));
		return err;
	}
	lat_fl_kring_get_stats(rec->kring, &ks);
	fs->oldest_ts = ks.oldest_ts;
	fs->newest_ts = ks.newest_ts;
	if (rec->keep_ns && fs->newest_ts > rec->keep_ns &&
	    fs->oldest_ts < fs->newest_ts - rec->keep_ns) {
		fs->oldest_ts = fs->newest_ts - rec->keep_ns;
	}
	return 0;
}

static int kring_snapshot_walk(struct lat_record *rec, const struct lat_flight_visitor *visitor)
{
	uint64_t expired = 0;
	int err = lat_fl_kring_walk(rec->kring, rec->keep_ns, visitor, rec, &expired);

	rec->kring_expired += expired;
	return err;
}

static void kring_stats(struct lat_record *rec, struct lat_record_stats *stats)
{
	struct lat_fl_kring_stats ks;

	lat_fl_kring_get_stats(rec->kring, &ks);
	stats->kept = ks.events;
	stats->kept_bytes = ks.bytes;
	stats->ring_bytes = ks.capacity;
	stats->kept_ns = ks.newest_ts - ks.oldest_ts;
	stats->overwritten = ks.overwritten;
	stats->expired = rec->kring_expired;
	stats->discarded = ks.discarded;
	stats->snapshots = rec->snapshots;
}

/* --- flight recorder snapshots -------------------------------------------------------------- */

static int snap_record(void *ctx, uint32_t cpu, uint64_t ts, const void *data, size_t size)
{
	struct lat_record *rec = ctx;
	const struct lat_rec_hdr *hdr = data;
	int err;

	(void)cpu;
	(void)ts;
	err = write_full(rec, hdr, size);
	return err == -EINVAL ? 0 : err; /* a malformed record was counted when it came */
}

static int snap_drops(void *ctx, uint32_t cpu, uint64_t ts, uint64_t total)
{
	struct lat_record *rec = ctx;

	(void)ts;
	lat_ctf_writer_set_discarded(rec->writer, cpu, total);
	rec->snap_lost[cpu] = total;
	return 0;
}

/* Removes a snapshot folder left incomplete: DIR/kernel/ and its files, DIR/kernel, DIR. */
static void remove_partial(const char *dir)
{
	char path[4200];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/kernel", dir);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/kernel/%s", dir, de->d_name);
			unlink(path);
		}
	}
	if (d) {
		closedir(d);
	}
	snprintf(path, sizeof(path), "%s/kernel", dir);
	rmdir(path);
	rmdir(dir);
}

void lat_record_set_snapshot_sink(struct lat_record *rec, const struct lat_ctf_sink *sink)
{
	rec->snap_sink = sink;
}

int lat_record_snapshot(struct lat_record *rec, const char *name,
			struct lat_record_snapshot_info *info, char *why, size_t why_len)
{
	static const struct lat_flight_visitor visitor = {.record = snap_record,
							  .drops = snap_drops};
	struct lat_flight_stats fs;
	char tmp[4096], final[4096], kdir[4200];
	struct stat st;
	uint64_t window_start;
	int err;

	memset(info, 0, sizeof(*info));
	if ((!rec->flight && !rec->kring) || !name || !*name || strchr(name, '/')) {
		set_why(why, why_len, "not a flight recorder, or a bad snapshot name");
		return -EINVAL;
	}
	snprintf(final, sizeof(final), "%s/%s", rec->dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", rec->dir, name);
	if (!rec->snap_sink && stat(final, &st) == 0) {
		set_why(why, why_len, "%s: %s", final, strerror(EEXIST));
		return -EEXIST;
	}
	if (rec->kring) {
		err = kring_snapshot_copy(rec, &fs, why, why_len);
		if (err) {
			return err;
		}
	} else {
		ring_buffer__consume(rec->rb); /* what the probes wrote until now */
		update_drops(rec);
		lat_flight_expire(rec->flight, clock_ns(CLOCK_MONOTONIC));
		lat_flight_get_stats(rec->flight, &fs);
	}
	window_start = fs.oldest_ts ? fs.oldest_ts : clock_ns(CLOCK_MONOTONIC);
	if (!rec->snap_sink) {
		remove_partial(tmp); /* left by a recorder killed while writing one */
	}
	snprintf(kdir, sizeof(kdir), "%s/kernel", tmp);
	rec->sink = rec->snap_sink;
	err = open_writer(rec, kdir);
	rec->sink = NULL;
	if (!err) {
		/* The processes now, stamped at the window's start: the snapshot's events follow.
		 */
		err = statedump(rec, window_start);
	}
	if (!err) {
		memset(rec->tids, 0, TID_SLOTS * sizeof(*rec->tids));
		memset(rec->snap_lost, 0, rec->cpus * sizeof(*rec->snap_lost));
		err = rec->kring ? kring_snapshot_walk(rec, &visitor)
				 : lat_flight_walk(rec->flight, &visitor, rec);
	}
	if (rec->writer) {
		int cerr = lat_ctf_writer_flush(rec->writer);

		info->events = lat_ctf_writer_events(rec->writer);
		info->bytes = lat_ctf_writer_bytes(rec->writer);
		cerr = lat_ctf_writer_close(rec->writer);
		rec->writer = NULL;
		err = err ? err : cerr;
	}
	if (!err && !rec->snap_sink && rename(tmp, final)) {
		err = -errno;
	}
	if (err) {
		if (!rec->snap_sink) {
			remove_partial(tmp);
		}
		set_why(why, why_len, "%s: %s", final, strerror(-err));
		return err;
	}
	for (uint32_t cpu = 0; cpu < rec->cpus; cpu++) {
		info->discarded += rec->snap_lost[cpu];
	}
	info->first_ts = fs.oldest_ts;
	info->last_ts = fs.newest_ts;
	rec->snapshots++;
	return 0;
}

int lat_record_live_flush(struct lat_record *rec)
{
	/* 1 ms back: an event reserved before the drain and committed after it stays in order */
	uint64_t t = clock_ns(CLOCK_MONOTONIC) - 1000000;

	if (!rec->writer || rec->flight || rec->error) {
		return rec->error;
	}
	ring_buffer__consume(rec->rb);
	update_drops(rec);
	return rec->error ? rec->error : lat_ctf_writer_live_flush(rec->writer, t);
}

void lat_record_get_stats(struct lat_record *rec, struct lat_record_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	if (!rec) {
		return;
	}
	update_drops(rec);
	stats->discarded = rec->discarded;
	stats->malformed = rec->bad_records;
	stats->cpus = rec->cpus;
	if (rec->writer && !rec->flight) {
		stats->events = lat_ctf_writer_events(rec->writer);
		stats->bytes = lat_ctf_writer_bytes(rec->writer);
	} else if (rec->consume) {
		stats->events = rec->consumed;
	}
	if (rec->kring) {
		kring_stats(rec, stats);
	} else if (rec->flight) {
		struct lat_flight_stats fs;

		lat_flight_get_stats(rec->flight, &fs);
		stats->kept = fs.events;
		stats->kept_bytes = fs.bytes;
		stats->ring_bytes = fs.capacity;
		stats->kept_ns = fs.newest_ts - fs.oldest_ts;
		stats->overwritten = fs.overwritten;
		stats->expired = fs.expired;
		stats->snapshots = rec->snapshots;
	}
}

int lat_record_close(struct lat_record *rec, struct lat_record_stats *stats)
{
	uint64_t stop_ts;
	int err = 0;

	if (!rec) {
		return 0;
	}
	if (rec->skel) {
		record_bpf__detach(rec->skel);
	}
	stop_ts = clock_ns(CLOCK_MONOTONIC); /* every probe's event is before it */
	if (rec->rb && (rec->writer || rec->flight || rec->consume) && !rec->error) {
		ring_buffer__consume(rec->rb); /* what the probes wrote before the detach */
		update_drops(rec);
	}
	err = rec->error;
	if (rec->writer) {
		/* Every stream ends at the stop, as LTTng's stop flushes them all. */
		int cerr = lat_ctf_writer_flush_at(rec->writer, stop_ts);

		if (stats) {
			lat_record_get_stats(rec, stats);
		}
		cerr = lat_ctf_writer_close(rec->writer);

		if (!err) {
			err = cerr;
		}
	} else if (stats && rec->skel && rec->rb) {
		lat_record_get_stats(rec, stats);
	}
	if (rec->epoll_fd >= 0) {
		close(rec->epoll_fd);
	}
	ring_buffer__free(rec->rb);
	lat_fl_kring_close(rec->kring);
	record_bpf__destroy(rec->skel);
	lat_flight_destroy(rec->flight);
	free(rec->drops_noted);
	free(rec->tids);
	free(rec->drop_values);
	free(rec->dir);
	free(rec);
	return err;
}
