/* ctf_decoders.c: the differential test of the CTF source: babeltrace2 and lttng_decode.c give
 * the same typed events, field by field, on every trace (tests/traces/decoder_diff.t). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyses/period_expr.h"
#include "sources/ctf.h"
#include "sources/ctf_fields.h"
#include "tap.h"

/* Fields read by name (periods, I/O): both decoders must agree on these too. */
static struct lat_pfield pf[] = {
    {LAT_PSCOPE_AUTO, false, "fd"},
    {LAT_PSCOPE_AUTO, false, "ret"},
    {LAT_PSCOPE_AUTO, false, "filename"},
    {LAT_PSCOPE_PAYLOAD, false, "prev_state"},
    {LAT_PSCOPE_PAYLOAD, false, "rwbs"},
    {LAT_PSCOPE_PAYLOAD, false, "comm"},
    {LAT_PSCOPE_PKT_CTX, false, "cpu_id"},
    {LAT_PSCOPE_PKT_CTX, false, "packet_size"},
    {LAT_PSCOPE_STREAM_CTX, false, "tid"},
    {LAT_PSCOPE_AUTO, false, "cpu_id"},
    {LAT_PSCOPE_AUTO, false, "timestamp_end"},
    {LAT_PSCOPE_AUTO, false, "family"},
    {LAT_PSCOPE_AUTO, false, "uservaddr"},
    {LAT_PSCOPE_AUTO, false, "type"},
    {LAT_PSCOPE_HEADER, false, "id"},
};
static struct lat_pfields pfields = {pf, sizeof(pf) / sizeof(pf[0]), sizeof(pf) / sizeof(pf[0])};

/*
 * babeltrace2 (2.0) keeps the previous value of a string field when the trace holds an empty
 * string there (sys_open's filename in bug446190: babeltrace 1 and the bytes say ""). True
 * when line b (lttng) equals line a (babeltrace2) but for such fields, empty in b.
 */
static bool only_stale_strings(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0, j = 0;

	while (i < an && j < bn) {
		char d = b[j];

		if (a[i] == d) {
			i++, j++;
			continue;
		}
		if ((d != ' ' && d != '\'' && d != '|') || j == 0 ||
		    (b[j - 1] != ' ' && b[j - 1] != '\'')) {
			return false;
		}
		while (i < an && a[i] != d) {
			i++;
		}
	}
	return i == an && j == bn;
}

struct dump {
	char *buf;
	size_t len, cap;
	struct lat_ctf_fields *cf;
	/* comparing: the other decoder's dump and where we are in it */
	const char *ref;
	size_t ref_len, at;
	uint64_t n, mismatches, stale;
	char first_diff[600];
};

static const char *S(const char *s)
{
	return s ? s : "(null)";
}

static int line(const struct lat_kevent *ev, struct lat_ctf_fields *cf, char *out, size_t len)
{
	int n = snprintf(out, len, "%" PRId64 " cpu=%u type=%u %s ctx=%u:%d:%d:%s has=%x |", ev->ts,
			 ev->cpu, ev->type, S(ev->name), ev->ctx_mask, ev->ctx_pid, ev->ctx_tid,
			 ev->ctx_mask & LAT_CTX_PROCNAME ? S(ev->ctx_procname) : "", ev->present);

#define P(...) n += snprintf(out + n, len > (size_t)n ? len - n : 0, __VA_ARGS__)
	switch (ev->type) {
	case LAT_EV_SCHED_SWITCH: {
		const struct lat_ev_sched_switch *s = &ev->sched_switch;
		P(" %s %d %d %" PRId64 " %s %d %d", S(s->prev_comm), s->prev_tid, s->prev_prio,
		  s->prev_state, S(s->next_comm), s->next_tid, s->next_prio);
		break;
	}
	case LAT_EV_SCHED_MIGRATE:
	case LAT_EV_SCHED_WAKEUP:
	case LAT_EV_SCHED_EXEC:
	case LAT_EV_SCHED_EXIT:
	case LAT_EV_SCHED_PI_SETPRIO: {
		const struct lat_ev_sched_task *t = &ev->task;
		P(" %s %s %d %d %d %d", S(t->comm), S(t->filename), t->tid, t->prio, t->target_cpu,
		  t->orig_cpu);
		break;
	}
	case LAT_EV_SCHED_FORK: {
		const struct lat_ev_sched_fork *f = &ev->fork;
		P(" %s %s %d %d %d %d", S(f->parent_comm), S(f->child_comm), f->parent_pid,
		  f->parent_tid, f->child_pid, f->child_tid);
		break;
	}
	case LAT_EV_SYSCALL_ENTRY:
	case LAT_EV_SYSCALL_EXIT: {
		const struct lat_ev_syscall *s = &ev->syscall;
		P(" %s #%u %" PRId64 " %" PRIu64 " %s %" PRId64 " %" PRId64, S(s->name), s->id,
		  s->fd, s->count, ev->present & LAT_HAS_FILENAME ? S(s->filename) : "", s->flags,
		  s->ret);
		P(" %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %u %u %x", s->oldfd, s->newfd,
		  s->cmd, s->timeout, s->family, s->dport, s->v4addr);
		break;
	}
	case LAT_EV_STATEDUMP_PROCESS: {
		const struct lat_ev_statedump_process *p = &ev->sd_process;
		P(" %s %d %d %d %d", S(p->name), p->tid, p->pid, p->ppid, p->prio);
		break;
	}
	case LAT_EV_STATEDUMP_FD:
		P(" %s %d %d %" PRId64, S(ev->sd_fd.filename), ev->sd_fd.pid, ev->sd_fd.fd,
		  ev->sd_fd.flags);
		break;
	case LAT_EV_STATEDUMP_BLOCKDEV:
		P(" %s %" PRIu64, S(ev->blockdev.diskname), ev->blockdev.dev);
		break;
	case LAT_EV_IRQ_ENTRY:
	case LAT_EV_IRQ_EXIT:
	case LAT_EV_SOFTIRQ_RAISE:
	case LAT_EV_SOFTIRQ_ENTRY:
	case LAT_EV_SOFTIRQ_EXIT:
		P(" %s %d %d", S(ev->irq.name), ev->irq.irq, ev->irq.ret);
		break;
	case LAT_EV_BLOCK_RQ_ISSUE:
	case LAT_EV_BLOCK_RQ_COMPLETE:
	case LAT_EV_BLOCK_BIO_REMAP:
	case LAT_EV_BLOCK_BIO_BACKMERGE:
	case LAT_EV_BLOCK_RQ_INSERT: {
		const struct lat_ev_block *b = &ev->block;
		P(" %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %u %" PRId64 " %d",
		  S(b->rwbs_str), b->dev, b->sector, b->old_dev, b->old_sector, b->nr_sector,
		  b->rwbs, b->tid);
		break;
	}
	case LAT_EV_NET_XMIT:
	case LAT_EV_NET_RECV:
	case LAT_EV_NET_QUEUE:
	case LAT_EV_INET_SOCK_OUT:
	case LAT_EV_INET_SOCK_IN: {
		const struct lat_ev_net *t = &ev->net;
		P(" %s %" PRIu64 " tcp %u %u %u %u %u %u:%u %x>%x", S(t->name), t->len, t->seq,
		  t->ack_seq, t->flags, t->window, t->check, t->sport, t->dport, t->saddr,
		  t->daddr);
		break;
	}
	case LAT_EV_WRITEBACK_PAGES:
		P(" %" PRIu64, ev->pages.pages);
		break;
	case LAT_EV_KVM_ENTRY:
	case LAT_EV_KVM_EXIT:
		P(" %u %u %u %" PRIx64, ev->kvm.vcpu_id, ev->kvm.exit_reason, ev->kvm.isa,
		  ev->kvm.guest_rip);
		break;
	case LAT_EV_VMSYNC:
		P(" %" PRIu64 " %u", ev->vmsync.vm_uid, ev->vmsync.cnt);
		break;
	default:
		break;
	}
	P(" |");
	for (uint32_t i = 0; i < pfields.count; i++) {
		struct lat_pval v;

		if (lat_ctf_fields_read(cf, ev->raw, i, &v)) {
			return -ENOMEM;
		}
		switch (v.kind) {
		case LAT_PVAL_SINT:
			P(" %" PRId64, v.i);
			break;
		case LAT_PVAL_UINT:
			P(" u%" PRIu64, v.u);
			break;
		case LAT_PVAL_STR:
			P(" '%s'", S(v.s));
			break;
		case LAT_PVAL_FLOAT:
			P(" %g", v.d);
			break;
		default:
			P(" -");
		}
	}
	P("\n");
#undef P
	return n;
}

static int on_event(const struct lat_kevent *ev, void *user)
{
	struct dump *d = user;
	char l[4096];
	int n = line(ev, d->cf, l, sizeof(l));

	if (n < 0) {
		return n;
	}
	if ((size_t)n >= sizeof(l)) {
		n = sizeof(l) - 1;
	}
	d->n++;
	if (d->ref) { /* compare with the other decoder's line */
		const char *r = d->ref + d->at, *eol;
		size_t rl;

		if (d->at >= d->ref_len) {
			if (!d->mismatches++) {
				snprintf(d->first_diff, sizeof(d->first_diff),
					 "event %" PRIu64
					 ": babeltrace2 has no more, lttng: %.250s",
					 d->n, l);
			}
			return 0;
		}
		eol = memchr(r, '\n', d->ref_len - d->at);
		rl = eol ? (size_t)(eol - r + 1) : d->ref_len - d->at;
		if ((rl != (size_t)n || memcmp(r, l, n) != 0) && only_stale_strings(r, rl, l, n)) {
			d->stale++;
		} else if (rl != (size_t)n || memcmp(r, l, n) != 0) {
			if (!d->mismatches++) {
				snprintf(d->first_diff, sizeof(d->first_diff),
					 "event %" PRIu64
					 ":\n#  babeltrace2: %.*s#  lttng:       %.250s",
					 d->n, (int)(rl > 250 ? 250 : rl), r, l);
			}
		}
		d->at += rl;
		return 0;
	}
	if (d->len + n + 1 > d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 1 << 20;
		char *bigger;

		while (cap < d->len + n + 1) {
			cap *= 2;
		}
		bigger = realloc(d->buf, cap);
		if (!bigger) {
			return -ENOMEM;
		}
		d->buf = bigger;
		d->cap = cap;
	}
	memcpy(d->buf + d->len, l, n);
	d->len += n;
	return 0;
}

struct summary {
	int rc;
	char err[512];
	const char *decoder;
	int64_t rb, re, ib, ie;
	bool inter;
	struct lat_ctf_stats st;
	uint32_t syscalls;
};

static void run_one(const char *path, bool intersect, const char *decoder, struct dump *d,
		    struct summary *s)
{
	struct lat_ctf_options opts = {.intersect = intersect, .kernel_only = true};
	struct lat_ctf_source *src = NULL;
	const char *fallback;

	memset(s, 0, sizeof(*s));
	setenv("LATSCOPE_CTF_DECODER", decoder, 1);
	s->rc = lat_ctf_source_open(path, &opts, &src, s->err, sizeof(s->err));
	if (s->rc) {
		return;
	}
	s->decoder = lat_ctf_source_decoder(src, &fallback);
	lat_ctf_source_range(src, &s->rb, &s->re);
	s->inter = lat_ctf_source_intersection(src, &s->ib, &s->ie);
	if (lat_ctf_fields_create(&pfields, &d->cf)) {
		s->rc = -ENOMEM;
	} else {
		s->rc = lat_ctf_source_run(src, on_event, d);
		if (s->rc) {
			snprintf(s->err, sizeof(s->err), "%s", lat_ctf_source_error(src));
		}
	}
	s->st = *lat_ctf_source_stats(src);
	s->syscalls = lat_ctf_source_syscall_count(src);
	lat_ctf_fields_destroy(d->cf);
	d->cf = NULL;
	lat_ctf_source_destroy(src);
}

static void diff_trace(const char *path, bool intersect)
{
	struct dump a = {0}, b = {0};
	struct summary sa, sb;
	const char *label = intersect ? "intersection" : "whole trace";

	run_one(path, intersect, "babeltrace2", &a, &sa);
	b.ref = a.buf;
	b.ref_len = a.len;
	run_one(path, intersect, "lttng", &b, &sb);
	if (sa.rc) { /* babeltrace2 cannot read it: the LTTng decoder may, or fail cleanly */
		ok(1, "%s (%s): babeltrace2 fails (%s); lttng: %s", path, label, sa.err,
		   sb.rc ? sb.err : "reads it");
		free(a.buf);
		return;
	}
	if (!ok(sb.rc == 0 && strcmp(S(sb.decoder), "lttng") == 0, "%s (%s): lttng reads it", path,
		label)) {
		printf("#   lttng: rc %d: %s\n", sb.rc, sb.err);
	}
	if (!ok(b.mismatches == 0 && b.at == a.len && a.n == b.n,
		"%s (%s): %" PRIu64 " events, the same field by field", path, label, a.n)) {
		printf("#   babeltrace2: %" PRIu64 " events, lttng: %" PRIu64 ", %" PRIu64
		       " differ; first: %s\n",
		       a.n, b.n, b.mismatches, b.first_diff);
	}
	if (b.stale) {
		printf("# %s (%s): %" PRIu64
		       " empty strings babeltrace2 shows with a stale value\n",
		       path, label, b.stale);
	}
	if (!ok(sa.st.events == sb.st.events && sa.st.skipped == sb.st.skipped &&
		    sa.st.discarded_events == sb.st.discarded_events &&
		    sa.st.discarded_packets == sb.st.discarded_packets &&
		    sa.st.discarded_records == sb.st.discarded_records &&
		    sa.syscalls == sb.syscalls,
		"%s (%s): the same counts (events, skipped, lost, syscall names)", path, label)) {
		printf("#   babeltrace2: %" PRIu64 " %" PRIu64 " lost %" PRIu64 "/%" PRIu64
		       "/%" PRIu64 " syscalls %u\n#   lttng:       %" PRIu64 " %" PRIu64
		       " lost %" PRIu64 "/%" PRIu64 "/%" PRIu64 " syscalls %u\n",
		       sa.st.events, sa.st.skipped, sa.st.discarded_events, sa.st.discarded_packets,
		       sa.st.discarded_records, sa.syscalls, sb.st.events, sb.st.skipped,
		       sb.st.discarded_events, sb.st.discarded_packets, sb.st.discarded_records,
		       sb.syscalls);
	}
	bool same_losses = sa.st.nlosses == sb.st.nlosses;
	for (uint32_t i = 0; same_losses && i < sa.st.nlosses; i++) {
		const struct lat_ctf_loss *x = &sa.st.losses[i], *y = &sb.st.losses[i];

		same_losses = x->count == y->count && x->packets == y->packets &&
			      x->begin == y->begin && x->end == y->end &&
			      strcmp(x->stream, y->stream) == 0;
		if (!same_losses) {
			printf("#   loss %u: babeltrace2 %" PRIu64 "%s %" PRId64 "..%" PRId64
			       " %s\n#   loss %u: lttng       %" PRIu64 "%s %" PRId64 "..%" PRId64
			       " %s\n",
			       i, x->count, x->packets ? "p" : "e", x->begin, x->end, x->stream, i,
			       y->count, y->packets ? "p" : "e", y->begin, y->end, y->stream);
		}
	}
	if (!ok(same_losses, "%s (%s): the same %u loss reports (count, kind, times, stream)", path,
		label, sa.st.nlosses)) {
		printf("#   babeltrace2: %u reports, lttng: %u\n", sa.st.nlosses, sb.st.nlosses);
	}
	if (!ok(sa.rb == sb.rb && sa.re == sb.re && sa.inter == sb.inter && sa.ib == sb.ib &&
		    sa.ie == sb.ie,
		"%s (%s): the same range and intersection", path, label)) {
		printf("#   babeltrace2: %" PRId64 "..%" PRId64 " inter %d %" PRId64 "..%" PRId64
		       "\n#   lttng:       %" PRId64 "..%" PRId64 " inter %d %" PRId64 "..%" PRId64
		       "\n",
		       sa.rb, sa.re, sa.inter, sa.ib, sa.ie, sb.rb, sb.re, sb.inter, sb.ib, sb.ie);
	}
	free(a.buf);
}

int main(int argc, char **argv)
{
	const char *src = getenv("LATSCOPE_SRC");
	char paths[8][1024];
	int n = 0;
	static const char *const shared[] = {"basic-kernel-analysis", "bug446190",
					     "scp-sync/scp_src", "scp-sync/scp_dest"};

	if (argc > 1) {
		for (int i = 1; i < argc && n < 8; i++) {
			snprintf(paths[n++], sizeof(paths[0]), "%s", argv[i]);
		}
	} else {
		for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
			if (getenv("SHARED_TRACES")) {
				snprintf(paths[n], sizeof(paths[0]), "%s/%s",
					 getenv("SHARED_TRACES"), shared[i]);
			} else {
				snprintf(paths[n], sizeof(paths[0]), "%s/../shared/traces/%s",
					 src ? src : ".", shared[i]);
			}
			if (access(paths[n], R_OK) == 0) {
				n++;
			}
		}
	}
	if (n == 0) {
		printf("1..0 # SKIP no trace\n");
		return 0;
	}
	for (int i = 0; i < n; i++) {
		diff_trace(paths[i], true);
		diff_trace(paths[i], false);
	}
	return tap_done_testing();
}
