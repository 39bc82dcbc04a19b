/* live.c: `latscope record`'s eBPF records decoded to typed kernel events, in time order, after
 * a statedump from /proc (the live source of the analyses, live.h). */
#include "sources/live.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../bpf/record.h"
#include "analyses/period_expr.h"
#include "outputs/ctf_writer.h"
#include "sources/live_statedump.h"
#include "sources/record.h"
#include "sources/record_syscalls.h"

#define TID_SLOTS 65536 /* last syscall entry arguments by tid (direct mapped), as record.c */

#define STRIDE(n) (((n) + 7) & ~(size_t)7)

/* One record waiting for its turn: its copy is at `off` in the arena. */
struct pending {
	uint64_t ts; /* CLOCK_MONOTONIC, the probes' clock */
	uint64_t seq;
	uint32_t off, size;
};

struct live_syscall {
	const struct lat_rec_syscall *sc; /* NULL: syscall_*_unknown */
	char *entry_name, *exit_name;     /* "syscall_entry_read" */
	uint32_t id;
	bool known;      /* looked up */
	bool is_unknown; /* no description: src->unknown's */
};

struct tid_args {
	uint32_t tid;
	int32_t nr;
	uint64_t args[LAT_REC_SYS_ARGS];
};

struct lat_live_source {
	struct lat_record *rec;
	lat_live_event_fn fn;
	void *user;
	uint64_t duration_ns;
	volatile int stop;
	int64_t offset; /* CLOCK_REALTIME - CLOCK_MONOTONIC at open: the events' epoch */
	/* the records read, not yet delivered */
	struct pending *pend;
	size_t npend, cap_pend;
	uint8_t *arena, *arena2;
	size_t arena_len, arena_cap, arena2_cap;
	uint64_t seq;
	uint64_t last_ts; /* the last delivered (monotonic) */
	bool delivered_any;
	int64_t first_ev, last_ev;
	/* syscalls: dense ids of their names, in order of first sight (as ctf.c) */
	struct live_syscall sys[LAT_REC_SYS_MAX];
	struct live_syscall unknown;
	char **names;
	uint32_t nnames, cap_names;
	struct tid_args *tids;
	/* the event being delivered, for lat_live_source_field() */
	const struct lat_kevent *cur_ev;
	const struct lat_rec_hdr *cur_hdr;
	const uint8_t *cur_payload;
	size_t cur_size;
	char scratch[4][LAT_REC_STR]; /* decode: 0, 1; lat_live_source_field(): 2, 3 */
	unsigned next_scratch;
	struct lat_live_stats stats;
	uint64_t bad;               /* records too short for their kind (decode) */
	struct lat_record_stats rs; /* the probes' counters, last read */
	char unsupported[512];
	char error[512];
};

static void set_error(struct lat_live_source *src, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_error(struct lat_live_source *src, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(src->error, sizeof(src->error), fmt, ap);
	va_end(ap);
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* --- records in, in ring order ---------------------------------------------------------------- */

static int consume(void *user, const struct lat_rec_hdr *hdr, const void *payload, size_t size)
{
	struct lat_live_source *src = user;
	size_t need = STRIDE(sizeof(*hdr) + size); /* each record 8-byte aligned */
	struct pending *p;

	if (hdr->kind == 0 || hdr->kind >= LAT_REC_KIND_MAX) {
		return -EINVAL;
	}
	if (src->npend == src->cap_pend) {
		size_t cap = src->cap_pend ? src->cap_pend * 2 : 4096;
		struct pending *grown = realloc(src->pend, cap * sizeof(*grown));

		if (!grown) {
			return -ENOMEM;
		}
		src->pend = grown;
		src->cap_pend = cap;
	}
	if (src->arena_len + need > src->arena_cap) {
		size_t cap = src->arena_cap ? src->arena_cap * 2 : (1u << 20);
		uint8_t *grown;

		while (cap < src->arena_len + need) {
			cap *= 2;
		}
		if (cap > UINT32_MAX) {
			return -ENOMEM;
		}
		grown = realloc(src->arena, cap);
		if (!grown) {
			return -ENOMEM;
		}
		src->arena = grown;
		src->arena_cap = cap;
	}
	p = &src->pend[src->npend++];
	p->ts = hdr->ts;
	p->seq = src->seq++;
	p->off = (uint32_t)src->arena_len;
	p->size = (uint32_t)(sizeof(*hdr) + size);
	memcpy(src->arena + src->arena_len, hdr, sizeof(*hdr));
	memcpy(src->arena + src->arena_len + sizeof(*hdr), payload, size);
	src->arena_len += need;
	return 0;
}

/* --- records -> typed events ----------------------------------------------------------------- */

/* A char[n] that may lack its NUL, as a string (in scratch buffer i). */
static const char *str_of(struct lat_live_source *src, int i, const char *s, size_t n)
{
	size_t len = strnlen(s, n < LAT_REC_STR ? n : LAT_REC_STR - 1);

	memcpy(src->scratch[i], s, len);
	src->scratch[i][len] = 0;
	return src->scratch[i];
}

static uint32_t intern(struct lat_live_source *src, const char *name)
{
	for (uint32_t i = 0; i < src->nnames; i++) {
		if (strcmp(src->names[i], name) == 0) {
			return i;
		}
	}
	if (src->nnames == src->cap_names) {
		uint32_t cap = src->cap_names ? src->cap_names * 2 : 64;
		char **grown = realloc(src->names, cap * sizeof(*grown));

		if (!grown) {
			return UINT32_MAX;
		}
		src->names = grown;
		src->cap_names = cap;
	}
	src->names[src->nnames] = strdup(name);
	return src->names[src->nnames] ? src->nnames++ : UINT32_MAX;
}

/* The syscall of number nr (names and dense id made on first sight), or NULL on ENOMEM. */
static struct live_syscall *syscall_of(struct lat_live_source *src, int64_t nr)
{
	struct live_syscall *s = nr >= 0 && nr < LAT_REC_SYS_MAX ? &src->sys[nr] : &src->unknown;
	const char *name;

	if (s->known) {
		return s->is_unknown ? syscall_of(src, -1) : s;
	}
	s->sc = s == &src->unknown ? NULL : lat_record_syscall((long)nr);
	if (!s->sc && s != &src->unknown) {
		s->known = s->is_unknown = true; /* the trace's syscall_entry_unknown */
		return syscall_of(src, -1);
	}
	name = s->sc ? s->sc->name : "unknown";
	if (asprintf(&s->entry_name, "syscall_entry_%s", name) < 0) {
		s->entry_name = NULL;
		return NULL;
	}
	if (asprintf(&s->exit_name, "syscall_exit_%s", name) < 0) {
		s->exit_name = NULL;
		return NULL;
	}
	s->id = intern(src, name);
	if (s->id == UINT32_MAX) {
		return NULL;
	}
	s->known = true;
	return s;
}

/* An argument as the trace's field of that type holds it (truncated, then sign-extended for
 * the signed types), as the CTF decoder gives it. */
static int64_t typed_value(uint8_t type, uint64_t v)
{
	switch (type) {
	case LAT_CTF_U8:
		return (uint8_t)v;
	case LAT_CTF_U16:
		return (uint16_t)v;
	case LAT_CTF_U32:
	case LAT_CTF_X32:
		return (uint32_t)v;
	case LAT_CTF_S8:
		return (int8_t)v;
	case LAT_CTF_S16:
		return (int16_t)v;
	case LAT_CTF_S32:
		return (int32_t)v;
	default:
		return (int64_t)v;
	}
}

static bool is_signed_type(uint8_t type)
{
	return type == LAT_CTF_S8 || type == LAT_CTF_S16 || type == LAT_CTF_S32 ||
	       type == LAT_CTF_S64;
}

/* The string argument `arg` of an entry record ("" when not copied). */
static const char *entry_string(const struct lat_rec_sys_entry_str *srec, int arg)
{
	for (int k = 0; srec && k < 2; k++) {
		if (srec->str_arg[k] == (uint8_t)arg) {
			return srec->str[k];
		}
	}
	return "";
}

static int decode_sys_entry(struct lat_live_source *src, const void *data, size_t size,
			    uint32_t tid, struct lat_kevent *ev)
{
	const struct lat_rec_sys_entry *sys = data;
	const struct lat_rec_sys_entry_str *srec = size >= sizeof(*srec) ? data : NULL;
	struct tid_args *slot;
	struct live_syscall *s;

	if (size < sizeof(*sys)) {
		return -EINVAL;
	}
	slot = &src->tids[tid % TID_SLOTS];
	slot->tid = tid;
	slot->nr = (int32_t)sys->nr;
	memcpy(slot->args, sys->args, sizeof(slot->args));
	s = syscall_of(src, sys->nr);
	if (!s) {
		return -ENOMEM;
	}
	ev->type = LAT_EV_SYSCALL_ENTRY;
	ev->name = s->entry_name;
	ev->syscall.name = src->names[s->id];
	ev->syscall.id = s->id;
	for (unsigned i = 0; s->sc && i < s->sc->entry_count; i++) {
		const struct lat_rec_sysfield *f = &s->sc->entry[i];
		int64_t v = f->arg >= 0 ? typed_value(f->type, sys->args[f->arg]) : 0;

		if (strcmp(f->name, "filename") == 0 && f->type == LAT_CTF_STRING) {
			ev->syscall.filename =
			    str_of(src, 0, entry_string(srec, f->arg), LAT_REC_STR);
			ev->present |= LAT_HAS_FILENAME;
		} else if (f->type == LAT_CTF_STRING) {
			continue;
		} else if (strcmp(f->name, "fd") == 0) {
			ev->syscall.fd = v;
			ev->present |= LAT_HAS_FD;
		} else if (strcmp(f->name, "count") == 0) {
			ev->syscall.count = (uint64_t)v;
			ev->present |= LAT_HAS_COUNT;
		} else if (strcmp(f->name, "flags") == 0) {
			ev->syscall.flags = v;
			ev->present |= LAT_HAS_FLAGS;
		} else if (strcmp(f->name, "fildes") == 0 || strcmp(f->name, "oldfd") == 0) {
			ev->syscall.oldfd = v; /* dup; dup2, dup3 (ctf.c's syscall_entry_fields) */
			ev->present |= LAT_HAS_OLDFD;
		} else if (strcmp(f->name, "newfd") == 0) {
			ev->syscall.newfd = v;
			ev->present |= LAT_HAS_NEWFD;
		} else if (strcmp(f->name, "cmd") == 0) {
			ev->syscall.cmd = v; /* fcntl */
			ev->present |= LAT_HAS_CMD;
		} else if (strcmp(f->name, "timeout_msecs") == 0 ||
			   strcmp(f->name, "timeout") == 0) {
			ev->syscall.timeout = v; /* poll; epoll_wait */
			ev->present |= LAT_HAS_TIMEOUT;
		} else if (strcmp(f->name, "cpu_id") == 0) {
			ev->cpu =
			    (uint32_t)v; /* the CTF source's CPU: babeltrace 1's cpu_id (ctf.c) */
		}
	}
	return 0;
}

static int decode_sys_exit(struct lat_live_source *src, const void *data, size_t size, uint32_t tid,
			   struct lat_kevent *ev)
{
	const struct lat_rec_sys_exit *sys = data;
	const struct tid_args *slot;
	struct live_syscall *s;
	int64_t nr;

	if (size < sizeof(*sys)) {
		return -EINVAL;
	}
	slot = &src->tids[tid % TID_SLOTS];
	nr = sys->nr;
	if (nr < 0 && slot->tid == tid) {
		nr = slot->nr; /* orig_ax is -1 after a signal interrupted the call: its entry's */
	}
	s = syscall_of(src, nr);
	if (!s) {
		return -ENOMEM;
	}
	ev->type = LAT_EV_SYSCALL_EXIT;
	ev->name = s->exit_name;
	ev->syscall.name = src->names[s->id];
	ev->syscall.id = s->id;
	ev->syscall.ret = sys->ret; /* every exit has its ret (syscall_exit_unknown too) */
	ev->present |= LAT_HAS_RET;
	for (unsigned i = 0; s->sc && i < s->sc->exit_count; i++) {
		const struct lat_rec_sysfield *f = &s->sc->exit[i];

		if (strcmp(f->name, "cpu_id") == 0 && f->type != LAT_CTF_STRING) {
			/* as at entry; an argument the trace takes from the entry's */
			uint64_t v = f->arg < 0                           ? (uint64_t)sys->ret
				     : slot->tid == tid && slot->nr == nr ? slot->args[f->arg]
									  : 0;

			ev->cpu = (uint32_t)typed_value(f->type, v);
		}
	}
	return 0;
}

#define NEED(type)                         \
	do {                               \
		if (size < sizeof(type)) { \
			return -EINVAL;    \
		}                          \
	} while (0)

/* The typed event of one record (ctf.c's event_specs for the trace record.c writes). */
static int decode(struct lat_live_source *src, const struct lat_rec_hdr *hdr, const void *data,
		  size_t size, struct lat_kevent *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts = (int64_t)hdr->ts + src->offset;
	ev->cpu = hdr->cpu;
	ev->name = lat_record_kind_name(hdr->kind);
	switch (hdr->kind) {
	case LAT_REC_SYS_ENTRY:
		return decode_sys_entry(src, data, size, hdr->tid, ev);
	case LAT_REC_SYS_EXIT:
		return decode_sys_exit(src, data, size, hdr->tid, ev);
	case LAT_REC_SCHED_SWITCH: {
		const struct lat_rec_switch *r = data;

		NEED(*r);
		ev->type = LAT_EV_SCHED_SWITCH;
		ev->sched_switch.prev_comm = str_of(src, 0, r->prev_comm, LAT_REC_COMM);
		ev->sched_switch.next_comm = str_of(src, 1, r->next_comm, LAT_REC_COMM);
		ev->sched_switch.prev_tid = r->prev_tid;
		ev->sched_switch.next_tid = r->next_tid;
		ev->sched_switch.prev_prio = r->prev_prio;
		ev->sched_switch.next_prio = r->next_prio;
		ev->sched_switch.prev_state = r->prev_state;
		return 0;
	}
	case LAT_REC_SCHED_WAKING:
	case LAT_REC_SCHED_WAKEUP:
	case LAT_REC_SCHED_WAKEUP_NEW: {
		const struct lat_rec_wakeup *r = data;

		NEED(*r);
		ev->type = LAT_EV_SCHED_WAKEUP;
		ev->task.comm = str_of(src, 0, r->comm, LAT_REC_COMM);
		ev->task.tid = r->tid;
		ev->task.prio = r->prio;
		ev->task.target_cpu = r->target_cpu;
		return 0;
	}
	case LAT_REC_SCHED_MIGRATE: {
		const struct lat_rec_migrate *r = data;

		NEED(*r);
		ev->type = LAT_EV_SCHED_MIGRATE;
		ev->task.comm = str_of(src, 0, r->comm, LAT_REC_COMM);
		ev->task.tid = r->tid;
		ev->task.prio = r->prio;
		ev->task.orig_cpu = r->orig_cpu;
		ev->task.target_cpu = r->dest_cpu;
		return 0;
	}
	case LAT_REC_SCHED_FORK: {
		const struct lat_rec_fork *r = data;

		NEED(*r);
		ev->type = LAT_EV_SCHED_FORK;
		ev->fork.parent_comm = str_of(src, 0, r->parent_comm, LAT_REC_COMM);
		ev->fork.child_comm = str_of(src, 1, r->child_comm, LAT_REC_COMM);
		ev->fork.parent_tid = r->parent_tid;
		ev->fork.parent_pid = r->parent_pid;
		ev->fork.child_tid = r->child_tid;
		ev->fork.child_pid = r->child_pid;
		return 0;
	}
	case LAT_REC_SCHED_EXEC: {
		const struct lat_rec_exec *r = data;

		NEED(*r);
		ev->type = LAT_EV_SCHED_EXEC;
		ev->task.filename = str_of(src, 0, r->filename, LAT_REC_STR);
		ev->task.tid = r->tid;
		return 0;
	}
	case LAT_REC_SCHED_EXIT:
	case LAT_REC_SCHED_FREE: {
		const struct lat_rec_task *r = data;

		NEED(*r);
		if (hdr->kind == LAT_REC_SCHED_FREE) {
			return 0; /* LAT_EV_OTHER, as the CTF source reads it */
		}
		ev->type = LAT_EV_SCHED_EXIT;
		ev->task.comm = str_of(src, 0, r->comm, LAT_REC_COMM);
		ev->task.tid = r->tid;
		ev->task.prio = r->prio;
		return 0;
	}
	case LAT_REC_BLOCK_INSERT:
	case LAT_REC_BLOCK_ISSUE:
	case LAT_REC_BLOCK_COMPLETE: {
		const struct lat_rec_block *r = data;

		NEED(*r);
		if (hdr->kind == LAT_REC_BLOCK_INSERT) {
			return 0; /* not a typed event */
		}
		ev->type = hdr->kind == LAT_REC_BLOCK_ISSUE ? LAT_EV_BLOCK_RQ_ISSUE
							    : LAT_EV_BLOCK_RQ_COMPLETE;
		ev->block.dev = r->dev;
		ev->block.sector = r->sector;
		ev->block.nr_sector = r->nr_sector;
		ev->block.rwbs = r->rwbs;
		ev->block.tid = hdr->kind == LAT_REC_BLOCK_ISSUE ? r->tid : 0;
		return 0;
	}
	case LAT_REC_IRQ_ENTRY: {
		const struct lat_rec_irq_entry *r = data;

		NEED(*r);
		ev->type = LAT_EV_IRQ_ENTRY;
		ev->irq.irq = r->irq;
		ev->irq.name = str_of(src, 0, r->name, LAT_REC_NAME);
		return 0;
	}
	case LAT_REC_IRQ_EXIT: {
		const struct lat_rec_irq_exit *r = data;

		NEED(*r);
		ev->type = LAT_EV_IRQ_EXIT;
		ev->irq.irq = r->irq;
		ev->irq.ret = r->ret;
		return 0;
	}
	case LAT_REC_SOFTIRQ_RAISE:
	case LAT_REC_SOFTIRQ_ENTRY:
	case LAT_REC_SOFTIRQ_EXIT: {
		const struct lat_rec_softirq *r = data;

		NEED(*r);
		ev->type = hdr->kind == LAT_REC_SOFTIRQ_RAISE   ? LAT_EV_SOFTIRQ_RAISE
			   : hdr->kind == LAT_REC_SOFTIRQ_ENTRY ? LAT_EV_SOFTIRQ_ENTRY
								: LAT_EV_SOFTIRQ_EXIT;
		ev->irq.irq = (int32_t)r->vec;
		return 0;
	}
	case LAT_REC_NET_XMIT:
	case LAT_REC_NET_RECEIVE: {
		const struct lat_rec_net *r = data;

		NEED(*r);
		ev->type = hdr->kind == LAT_REC_NET_XMIT ? LAT_EV_NET_XMIT : LAT_EV_NET_RECV;
		ev->net.name = str_of(src, 0, r->name, LAT_REC_NAME);
		ev->net.len = r->len;
		return 0;
	}
	case LAT_REC_PAGE_ALLOC:
	case LAT_REC_PAGE_FREE:
		ev->type = hdr->kind == LAT_REC_PAGE_ALLOC ? LAT_EV_PAGE_ALLOC : LAT_EV_PAGE_FREE;
		return 0;
	case LAT_REC_KVM_ENTRY: {
		const struct lat_rec_kvm_entry *r = data;

		NEED(*r);
		ev->type = LAT_EV_KVM_ENTRY;
		ev->kvm.vcpu_id = r->vcpu_id;
		return 0;
	}
	case LAT_REC_KVM_EXIT: {
		const struct lat_rec_kvm_exit *r = data;

		NEED(*r);
		ev->type = LAT_EV_KVM_EXIT;
		ev->kvm.exit_reason = r->exit_reason;
		ev->kvm.guest_rip = r->guest_rip;
		ev->kvm.isa = r->isa;
		ev->kvm.vcpu_id = r->vcpu_id;
		ev->present |= LAT_HAS_ISA | LAT_HAS_VCPU;
		return 0;
	}
	default:
		return ev->name ? 0 : -EINVAL; /* timers, work items: LAT_EV_OTHER */
	}
}

#undef NEED

/* --- delivery in time order ------------------------------------------------------------------ */

static int pending_cmp(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	if (x->ts != y->ts) {
		return x->ts < y->ts ? -1 : 1;
	}
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int deliver_one(struct lat_live_source *src, struct lat_rec_hdr *hdr, size_t size)
{
	const uint8_t *payload = (const uint8_t *)(hdr + 1);
	struct lat_kevent ev;
	int ret;

	if (src->delivered_any && hdr->ts < src->last_ts) {
		hdr->ts = src->last_ts; /* later than the hold: in order, at the last time given */
		src->stats.late++;
	}
	ret = decode(src, hdr, payload, size - sizeof(*hdr), &ev);
	if (ret == -EINVAL) {
		src->bad++;
		return 0;
	}
	if (ret) {
		return ret;
	}
	src->last_ts = hdr->ts;
	src->delivered_any = true;
	src->first_ev = src->first_ev ? src->first_ev : ev.ts;
	src->last_ev = ev.ts;
	src->cur_ev = &ev;
	src->cur_hdr = hdr;
	src->cur_payload = payload;
	src->cur_size = size - sizeof(*hdr);
	src->stats.events++;
	ret = src->fn(&ev, src->user);
	src->cur_ev = NULL;
	src->cur_hdr = NULL;
	return ret;
}

/* Delivers the records older than cut (monotonic ns), in time order; keeps the others. */
static int deliver(struct lat_live_source *src, uint64_t cut)
{
	size_t n = 0, keep_len = 0;
	int ret = 0;

	qsort(src->pend, src->npend, sizeof(*src->pend), pending_cmp);
	while (n < src->npend && src->pend[n].ts <= cut && ret == 0) {
		struct pending *p = &src->pend[n++];

		ret = deliver_one(src, (struct lat_rec_hdr *)(src->arena + p->off), p->size);
	}
	if (ret) {
		src->npend = 0;
		src->arena_len = 0;
		return ret;
	}
	/* the rest moves to the other arena, which becomes the arena */
	for (size_t i = n; i < src->npend; i++) {
		keep_len += STRIDE(src->pend[i].size);
	}
	if (keep_len > src->arena2_cap) {
		uint8_t *grown = realloc(src->arena2, src->arena_cap);

		if (!grown) {
			return -ENOMEM;
		}
		src->arena2 = grown;
		src->arena2_cap = src->arena_cap;
	}
	keep_len = 0;
	for (size_t i = n; i < src->npend; i++) {
		struct pending *p = &src->pend[i];

		memcpy(src->arena2 + keep_len, src->arena + p->off, p->size);
		p->off = (uint32_t)keep_len;
		keep_len += STRIDE(p->size);
		src->pend[i - n] = *p;
	}
	src->npend -= n;
	{
		uint8_t *a = src->arena;
		size_t cap = src->arena_cap;

		src->arena = src->arena2;
		src->arena_cap = src->arena2_cap;
		src->arena2 = a;
		src->arena2_cap = cap;
	}
	src->arena_len = keep_len;
	return 0;
}

/* --- lifecycle ------------------------------------------------------------------------------- */

int lat_live_source_open(const struct lat_live_opts *opts, struct lat_live_source **out, char *err,
			 size_t err_len)
{
	struct lat_record_opts ropts = {0};
	struct lat_live_source *src;
	int ret;

	*out = NULL;
	src = calloc(1, sizeof(*src));
	if (!src) {
		snprintf(err, err_len, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	src->tids = calloc(TID_SLOTS, sizeof(*src->tids));
	if (!src->tids) {
		free(src);
		snprintf(err, err_len, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	ropts.events = opts->events ? opts->events : LAT_LIVE_EVENTS;
	ropts.buffer_bytes = opts->buffer_bytes;
	ropts.record_self = opts->record_self;
	ropts.dir = opts->record_dir;
	ropts.consume = consume;
	ropts.consume_user = src;
	src->duration_ns = opts->duration_ns;
	ret = lat_record_open(&ropts, &src->rec, err, err_len);
	if (ret) {
		free(src->tids);
		free(src);
		return ret;
	}
	snprintf(src->unsupported, sizeof(src->unsupported), "%s",
		 lat_record_unsupported(src->rec));
	src->offset = (int64_t)(clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC));
	*out = src;
	return 0;
}

/* A statedump event (live_statedump.h) to the callback, stamped ts. */
static int on_statedump(void *user, struct lat_kevent *ev)
{
	struct lat_live_source *src = user;

	src->stats.events++;
	src->stats.statedump++;
	src->first_ev = src->first_ev ? src->first_ev : ev->ts;
	src->last_ev = ev->ts;
	src->cur_ev = ev;
	return src->fn(ev, src->user);
}

int lat_live_source_start(struct lat_live_source *src, lat_live_event_fn fn, void *user, char *err,
			  size_t err_len)
{
	uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
	int ret;

	src->fn = fn;
	src->user = user;
	ret = lat_record_start(src->rec, err, err_len);
	if (ret) {
		return ret;
	}
	/* every event of the probes is at or after t0: the statedump, stamped t0, comes first */
	ret = lat_live_statedump((int64_t)t0 + src->offset, on_statedump, src);
	src->cur_ev = NULL;
	src->last_ts = t0;
	src->delivered_any = true;
	if (ret < 0) {
		snprintf(err, err_len, "the statedump: %s", strerror(-ret));
		set_error(src, "the statedump: %s", strerror(-ret));
	}
	return ret < 0 ? ret : 0;
}

/* The probes' counters into the source's. */
static void update_stats(struct lat_live_source *src)
{
	if (src->rec) {
		lat_record_get_stats(src->rec, &src->rs);
	}
	src->stats.discarded = src->rs.discarded;
	src->stats.malformed = src->rs.malformed + src->bad;
}

int lat_live_source_poll(struct lat_live_source *src, int timeout_ms)
{
	uint64_t now = clock_ns(CLOCK_MONOTONIC);
	int n, ret;

	if (!src->rec) {
		return -EINVAL; /* stopped */
	}
	n = lat_record_poll(src->rec, timeout_ms);
	if (n == -EINTR) {
		return 0;
	}
	if (n < 0) {
		set_error(src, "reading the probes: %s", strerror(-n));
		return n;
	}
	/* what was committed before `now` was read by this poll: all but the last
	 * LAT_LIVE_HOLD_NS goes (a record may be reserved a little after its time) */
	ret = deliver(src, now - LAT_LIVE_HOLD_NS);
	update_stats(src);
	if (ret < 0 && !src->error[0]) {
		set_error(src, "%s", strerror(-ret));
	}
	return ret;
}

int lat_live_source_fd(const struct lat_live_source *src)
{
	return src->rec ? lat_record_fd(src->rec) : -1;
}

int lat_live_source_stop(struct lat_live_source *src, bool deliver_rest)
{
	int ret = 0, cret;

	if (!src->rec) {
		return 0;
	}
	/* detached, the rest read (into the pending records), then delivered */
	cret = lat_record_close(src->rec, &src->rs);
	src->rec = NULL;
	if (cret) {
		set_error(src, "reading the probes: %s", strerror(-cret));
		ret = cret;
	}
	if (ret == 0 && deliver_rest) {
		ret = deliver(src, UINT64_MAX);
	}
	update_stats(src);
	if (ret < 0 && !src->error[0]) {
		set_error(src, "%s", strerror(-ret));
	}
	return ret < 0 ? ret : 0;
}

int lat_live_source_run(struct lat_live_source *src)
{
	uint64_t start = clock_ns(CLOCK_MONOTONIC);
	uint64_t deadline = src->duration_ns ? start + src->duration_ns : 0;
	int ret = 0, sret;

	while (!src->stop && ret == 0) {
		uint64_t now = clock_ns(CLOCK_MONOTONIC);
		int timeout = LAT_RECORD_READ_TIMER_MS;

		if (deadline && now >= deadline) {
			break;
		}
		if (deadline && (deadline - now) / 1000000 + 1 < (uint64_t)timeout) {
			timeout = (int)((deadline - now) / 1000000 + 1);
		}
		ret = lat_live_source_poll(src, timeout);
	}
	sret = lat_live_source_stop(src, ret == 0);
	if (ret == 0) {
		ret = sret;
	}
	return ret < 0 ? ret : 0; /* > 0: the callback stopped */
}

void lat_live_source_interrupt(struct lat_live_source *src)
{
	src->stop = 1;
}

void lat_live_source_range(const struct lat_live_source *src, int64_t *begin, int64_t *end)
{
	*begin = src->first_ev;
	*end = src->last_ev;
}

const struct lat_live_stats *lat_live_source_stats(const struct lat_live_source *src)
{
	return &src->stats;
}

uint32_t lat_live_source_syscall_count(const struct lat_live_source *src)
{
	return src->nnames;
}

const char *lat_live_source_unsupported(const struct lat_live_source *src)
{
	return src->unsupported;
}

void lat_live_source_tracer_version(const struct lat_live_source *src, int *major, int *minor,
				    int *patch)
{
	(void)src;
	*major = 2; /* ctf_writer.c's default, which record.c keeps */
	*minor = 10;
	*patch = 5;
}

const char *lat_live_source_error(const struct lat_live_source *src)
{
	return src->error;
}

void lat_live_source_destroy(struct lat_live_source *src)
{
	if (!src) {
		return;
	}
	lat_record_close(src->rec, NULL);
	for (size_t i = 0; i < LAT_REC_SYS_MAX; i++) {
		free(src->sys[i].entry_name);
		free(src->sys[i].exit_name);
	}
	free(src->unknown.entry_name);
	free(src->unknown.exit_name);
	for (uint32_t i = 0; i < src->nnames; i++) {
		free(src->names[i]);
	}
	free(src->names);
	free(src->tids);
	free(src->pend);
	free(src->arena);
	free(src->arena2);
	free(src);
}

/* --- fields by name, for the periods' expressions -------------------------------------------- */

/* A payload field of a record kind: its LTTng name, where it is in the record, its type. */
struct live_field {
	const char *name;
	uint16_t off;
	uint8_t type; /* enum lat_ctf_type; COMM and STRING: a char array of len bytes */
	uint16_t len;
};

#define LF(st, member, name, t)                                                                  \
	{                                                                                        \
		name, offsetof(struct st, member), LAT_CTF_##t, sizeof(((struct st *)0)->member) \
	}
static const struct live_field lf_switch[] = {LF(lat_rec_switch, prev_comm, "prev_comm", COMM),
					      LF(lat_rec_switch, prev_tid, "prev_tid", S32),
					      LF(lat_rec_switch, prev_prio, "prev_prio", S32),
					      LF(lat_rec_switch, prev_state, "prev_state", S64),
					      LF(lat_rec_switch, next_comm, "next_comm", COMM),
					      LF(lat_rec_switch, next_tid, "next_tid", S32),
					      LF(lat_rec_switch, next_prio, "next_prio", S32),
					      {0}};
static const struct live_field lf_wakeup[] = {LF(lat_rec_wakeup, comm, "comm", COMM),
					      LF(lat_rec_wakeup, tid, "tid", S32),
					      LF(lat_rec_wakeup, prio, "prio", S32),
					      LF(lat_rec_wakeup, target_cpu, "target_cpu", S32),
					      {0}};
static const struct live_field lf_migrate[] = {
    LF(lat_rec_migrate, comm, "comm", COMM),        LF(lat_rec_migrate, tid, "tid", S32),
    LF(lat_rec_migrate, prio, "prio", S32),         LF(lat_rec_migrate, orig_cpu, "orig_cpu", S32),
    LF(lat_rec_migrate, dest_cpu, "dest_cpu", S32), {0}};
static const struct live_field lf_fork[] = {LF(lat_rec_fork, parent_comm, "parent_comm", COMM),
					    LF(lat_rec_fork, parent_tid, "parent_tid", S32),
					    LF(lat_rec_fork, parent_pid, "parent_pid", S32),
					    LF(lat_rec_fork, parent_ns_inum, "parent_ns_inum", U32),
					    LF(lat_rec_fork, child_comm, "child_comm", COMM),
					    LF(lat_rec_fork, child_tid, "child_tid", S32),
					    LF(lat_rec_fork, child_pid, "child_pid", S32),
					    LF(lat_rec_fork, child_ns_inum, "child_ns_inum", U32),
					    {0}};
static const struct live_field lf_exec[] = {LF(lat_rec_exec, filename, "filename", STRING),
					    LF(lat_rec_exec, tid, "tid", S32),
					    LF(lat_rec_exec, old_tid, "old_tid", S32),
					    {0}};
static const struct live_field lf_task[] = {LF(lat_rec_task, comm, "comm", COMM),
					    LF(lat_rec_task, tid, "tid", S32),
					    LF(lat_rec_task, prio, "prio", S32),
					    {0}};
static const struct live_field lf_block_rq[] = {LF(lat_rec_block, dev, "dev", U32),
						LF(lat_rec_block, sector, "sector", U64),
						LF(lat_rec_block, nr_sector, "nr_sector", U32),
						LF(lat_rec_block, bytes, "bytes", U32),
						LF(lat_rec_block, tid, "tid", S32),
						LF(lat_rec_block, rwbs, "rwbs", U32),
						LF(lat_rec_block, comm, "comm", COMM),
						{0}};
static const struct live_field lf_block_complete[] = {
    LF(lat_rec_block, dev, "dev", U32),
    LF(lat_rec_block, sector, "sector", U64),
    LF(lat_rec_block, nr_sector, "nr_sector", U32),
    LF(lat_rec_block, errors, "errors", S32),
    LF(lat_rec_block, rwbs, "rwbs", U32),
    {0}};
static const struct live_field lf_irq_entry[] = {
    LF(lat_rec_irq_entry, irq, "irq", S32), LF(lat_rec_irq_entry, name, "name", STRING), {0}};
static const struct live_field lf_irq_exit[] = {
    LF(lat_rec_irq_exit, irq, "irq", S32), LF(lat_rec_irq_exit, ret, "ret", S32), {0}};
static const struct live_field lf_softirq[] = {LF(lat_rec_softirq, vec, "vec", U32), {0}};
static const struct live_field lf_xmit[] = {LF(lat_rec_net, skbaddr, "skbaddr", X64),
					    LF(lat_rec_net, rc, "rc", S32),
					    LF(lat_rec_net, len, "len", U32),
					    LF(lat_rec_net, name, "name", STRING),
					    {0}};
static const struct live_field lf_receive[] = {LF(lat_rec_net, skbaddr, "skbaddr", X64),
					       LF(lat_rec_net, len, "len", U32),
					       LF(lat_rec_net, name, "name", STRING),
					       {0}};
static const struct live_field lf_page_alloc[] = {LF(lat_rec_page, page, "page", X64),
						  LF(lat_rec_page, pfn, "pfn", U64),
						  LF(lat_rec_page, order, "order", U32),
						  LF(lat_rec_page, gfp_flags, "gfp_flags", U32),
						  LF(lat_rec_page, migratetype, "migratetype", S32),
						  {0}};
static const struct live_field lf_page_free[] = {LF(lat_rec_page, page, "page", X64),
						 LF(lat_rec_page, pfn, "pfn", U64),
						 LF(lat_rec_page, order, "order", U32),
						 {0}};
#undef LF

static const struct live_field *kind_fields(unsigned kind)
{
	switch (kind) {
	case LAT_REC_SCHED_SWITCH:
		return lf_switch;
	case LAT_REC_SCHED_WAKING:
	case LAT_REC_SCHED_WAKEUP:
	case LAT_REC_SCHED_WAKEUP_NEW:
		return lf_wakeup;
	case LAT_REC_SCHED_MIGRATE:
		return lf_migrate;
	case LAT_REC_SCHED_FORK:
		return lf_fork;
	case LAT_REC_SCHED_EXEC:
		return lf_exec;
	case LAT_REC_SCHED_EXIT:
	case LAT_REC_SCHED_FREE:
		return lf_task;
	case LAT_REC_BLOCK_INSERT:
	case LAT_REC_BLOCK_ISSUE:
		return lf_block_rq;
	case LAT_REC_BLOCK_COMPLETE:
		return lf_block_complete;
	case LAT_REC_IRQ_ENTRY:
		return lf_irq_entry;
	case LAT_REC_IRQ_EXIT:
		return lf_irq_exit;
	case LAT_REC_SOFTIRQ_RAISE:
	case LAT_REC_SOFTIRQ_ENTRY:
	case LAT_REC_SOFTIRQ_EXIT:
		return lf_softirq;
	case LAT_REC_NET_XMIT:
		return lf_xmit;
	case LAT_REC_NET_RECEIVE:
		return lf_receive;
	case LAT_REC_PAGE_ALLOC:
		return lf_page_alloc;
	case LAT_REC_PAGE_FREE:
		return lf_page_free;
	default:
		return NULL;
	}
}

/* A char array as a string: in place when it holds its NUL, else a copy in scratch[2..3]. */
static const char *field_string(struct lat_live_source *src, const char *s, size_t len)
{
	if (memchr(s, 0, len)) {
		return s;
	}
	src->next_scratch = (src->next_scratch + 1) & 1;
	return str_of(src, 2 + (int)src->next_scratch, s, len);
}

static void int_value(uint8_t type, int64_t v, struct lat_pval *out)
{
	if (is_signed_type(type)) {
		out->kind = LAT_PVAL_SINT;
		out->i = v;
	} else {
		out->kind = LAT_PVAL_UINT;
		out->u = (uint64_t)v;
	}
}

static void read_record_field(struct lat_live_source *src, const struct live_field *f,
			      struct lat_pval *out)
{
	const uint8_t *p = src->cur_payload + f->off;
	uint64_t u = 0;

	if ((size_t)f->off + f->len > src->cur_size) {
		return;
	}
	if (f->type == LAT_CTF_COMM || f->type == LAT_CTF_STRING) {
		out->kind = LAT_PVAL_STR;
		out->s = field_string(src, (const char *)p, f->len);
		return;
	}
	memcpy(&u, p, f->len < sizeof(u) ? f->len : sizeof(u)); /* little-endian */
	int_value(f->type, typed_value(f->type, u), out);
}

/* syscall_entry_X / syscall_exit_X fields (record_syscalls.c), or the _unknown ones. */
static void read_syscall_field(struct lat_live_source *src, const char *name, struct lat_pval *out)
{
	bool entry = src->cur_ev->type == LAT_EV_SYSCALL_ENTRY;
	const struct lat_rec_sys_entry *sys = (const void *)src->cur_payload;
	const struct lat_rec_sys_exit *sx = (const void *)src->cur_payload;
	const struct tid_args *slot = &src->tids[src->cur_hdr->tid % TID_SLOTS];
	int64_t nr = entry ? sys->nr : sx->nr;
	const struct live_syscall *s;
	const struct lat_rec_sysfield *fields;
	unsigned count;

	if (!entry && nr < 0 && slot->tid == src->cur_hdr->tid) {
		nr = slot->nr; /* as decode_sys_exit() */
	}
	s = syscall_of(src, nr);
	if (!s || !s->sc) { /* syscall_entry_unknown: id, args_0..5; exit: id, ret */
		if (strcmp(name, "id") == 0) {
			int_value(LAT_CTF_S32, (int32_t)(entry ? sys->nr : sx->nr), out);
			return;
		} else if (!entry && strcmp(name, "ret") == 0) {
			int_value(LAT_CTF_S64, sx->ret, out);
		} else if (entry && strncmp(name, "args_", 5) == 0 && name[5] >= '0' &&
			   name[5] < '0' + LAT_REC_SYS_ARGS && !name[6]) {
			int_value(LAT_CTF_U64, (int64_t)sys->args[name[5] - '0'], out);
		}
		return;
	}
	fields = entry ? s->sc->entry : s->sc->exit;
	count = entry ? s->sc->entry_count : s->sc->exit_count;
	for (unsigned i = 0; i < count; i++) {
		const struct lat_rec_sysfield *f = &fields[i];
		uint64_t v = 0;

		if (strcmp(f->name, name) != 0) {
			continue;
		}
		if (f->type == LAT_CTF_STRING) {
			const struct lat_rec_sys_entry_str *srec =
			    entry && src->cur_size >= sizeof(*srec) ? (const void *)sys : NULL;

			out->kind = LAT_PVAL_STR;
			out->s = field_string(src, entry_string(srec, f->arg), LAT_REC_STR);
			return;
		}
		if (f->arg < 0) {
			v = (uint64_t)sx->ret;
		} else if (entry) {
			v = sys->args[f->arg];
		} else if (slot->tid == src->cur_hdr->tid && slot->nr == nr) {
			v = slot->args[f->arg]; /* an exit's argument: its entry's */
		}
		int_value(f->type, typed_value(f->type, v), out);
		return;
	}
}

/* The statedump's events (no record): their typed fields, by their LTTng names. */
static void read_statedump_field(const struct lat_kevent *ev, const char *name,
				 struct lat_pval *out)
{
	switch (ev->type) {
	case LAT_EV_STATEDUMP_PROCESS:
		if (strcmp(name, "name") == 0) {
			out->kind = LAT_PVAL_STR;
			out->s = ev->sd_process.name;
		} else if (strcmp(name, "tid") == 0 || strcmp(name, "vtid") == 0) {
			int_value(LAT_CTF_S32, ev->sd_process.tid, out);
		} else if (strcmp(name, "pid") == 0 || strcmp(name, "vpid") == 0) {
			int_value(LAT_CTF_S32, ev->sd_process.pid, out);
		} else if (strcmp(name, "ppid") == 0 || strcmp(name, "vppid") == 0) {
			int_value(LAT_CTF_S32, ev->sd_process.ppid, out);
		}
		break;
	case LAT_EV_STATEDUMP_FD:
		if (strcmp(name, "filename") == 0) {
			out->kind = LAT_PVAL_STR;
			out->s = ev->sd_fd.filename;
		} else if (strcmp(name, "pid") == 0) {
			int_value(LAT_CTF_S32, ev->sd_fd.pid, out);
		} else if (strcmp(name, "fd") == 0) {
			int_value(LAT_CTF_S32, ev->sd_fd.fd, out);
		} else if (strcmp(name, "flags") == 0) {
			int_value(LAT_CTF_U32, ev->sd_fd.flags, out);
		}
		break;
	case LAT_EV_STATEDUMP_BLOCKDEV:
		if (strcmp(name, "diskname") == 0) {
			out->kind = LAT_PVAL_STR;
			out->s = ev->blockdev.diskname;
		} else if (strcmp(name, "dev") == 0) {
			int_value(LAT_CTF_U32, (int64_t)ev->blockdev.dev, out);
		}
		break;
	default:
		break;
	}
}

int lat_live_source_field(void *user, const struct lat_kevent *ev, const struct lat_pfield *field,
			  struct lat_pval *out)
{
	struct lat_live_source *src = user;
	const struct live_field *fields;
	bool payload = field->scope == LAT_PSCOPE_AUTO || field->scope == LAT_PSCOPE_PAYLOAD;

	out->kind = LAT_PVAL_MISSING;
	if (!field->name || ev != src->cur_ev) {
		return 0;
	}
	if (payload && !src->cur_hdr) {
		read_statedump_field(ev, field->name, out);
	} else if (payload &&
		   (ev->type == LAT_EV_SYSCALL_ENTRY || ev->type == LAT_EV_SYSCALL_EXIT)) {
		read_syscall_field(src, field->name, out);
	} else if (payload && (fields = kind_fields(src->cur_hdr->kind))) {
		for (; fields->name; fields++) {
			if (strcmp(fields->name, field->name) == 0) {
				read_record_field(src, fields, out);
				break;
			}
		}
	}
	if (out->kind == LAT_PVAL_MISSING && strcmp(field->name, "cpu_id") == 0 &&
	    (field->scope == LAT_PSCOPE_AUTO || field->scope == LAT_PSCOPE_PKT_CTX)) {
		int_value(LAT_CTF_U32, ev->cpu, out); /* the packet context's */
	}
	return 0;
}
