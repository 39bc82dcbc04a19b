/* explain_text.c: `latscope explain` as text: the summary paragraph, the causes, the path. */
#include "outputs/explain_text.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "outputs/datetime.h"
#include "outputs/text.h"
#include "util/units.h"

/* Appends to buf (always terminated; truncates). */
static void cat(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void cat(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static const char *dur(int64_t ns, char *buf, size_t len)
{
	lat_format_duration(ns > 0 ? (uint64_t)ns : 0, buf, len);
	return buf;
}

static const char *task_name(const char *comm)
{
	return comm && comm[0] ? comm : "?";
}

/* "read(fd 3 pipe:[123])", "nanosleep()", "" when no call. */
static void call_text(const struct lat_xp_item *it, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!it->nsyscalls) {
		return;
	}
	cat(buf, len, "%s(", it->syscalls[0].name);
	if (it->fd >= 0) {
		cat(buf, len, "fd %" PRId64 "%s%s", it->fd, it->file[0] ? " " : "", it->file);
	}
	cat(buf, len, ")");
}

static const char *why_text(const struct lat_xp_item *it, char *buf, size_t len)
{
	switch (it->why) {
	case LAT_XP_WHY_UNTRACED:
		return "woken by an interrupt the trace does not show (no hrtimer or IRQ event for "
		       "it), and not in a call that sleeps on a timer";
	case LAT_XP_WHY_NO_WAKEUP:
		return "no wake-up in the trace (lost events, or still blocked at the end)";
	case LAT_XP_WHY_NOT_SEEN:
		return "the task is not in the trace before this";
	case LAT_XP_WHY_IRQ:
		snprintf(buf, len, "woken in interrupt %d %s, of no kind the trace tells", it->irq,
			 it->irq_name);
		return buf;
	case LAT_XP_WHY_NO_HISTORY:
		return "woken by a task whose past the trace does not cover";
	default:
		return "";
	}
}

void lat_xp_detail(const struct lat_explanation *e, const struct lat_xp_item *it, char *buf,
		   size_t len)
{
	char d1[32], d2[32], call[160], why[128];

	buf[0] = '\0';
	call_text(it, call, sizeof(call));
	switch (it->state) {
	case LAT_XP_RUNNING:
		if (!e->has_syscalls) {
			cat(buf, len, "user and kernel not told apart (no system call events)");
			break;
		}
		cat(buf, len, "user %s, kernel %s", dur(it->user_ns, d1, sizeof(d1)),
		    dur(it->kernel_ns, d2, sizeof(d2)));
		for (size_t i = 0; i < it->nsyscalls && i < 5; i++) {
			cat(buf, len, "%s %s %s (%u)", i ? "," : ":", it->syscalls[i].name,
			    dur(it->syscalls[i].ns, d1, sizeof(d1)), it->syscalls[i].count);
		}
		if (it->nsyscalls > 5) {
			cat(buf, len, ", %zu more calls", it->nsyscalls - 5);
		}
		break;
	case LAT_XP_IRQ:
		cat(buf, len, "interrupt handlers on CPU %d while it ran (mostly %s)", it->cpu,
		    it->irq_name[0] ? it->irq_name : "?");
		break;
	case LAT_XP_PREEMPTED:
		if (it->cpu >= 0) {
			cat(buf, len, "on CPU %d: ", it->cpu);
		}
		for (size_t i = 0; i < it->ntasks && i < 6; i++) {
			cat(buf, len, "%s%s (%d) %.1f %%",
			    i ? ", " : "ran instead: ", task_name(it->tasks[i].comm),
			    it->tasks[i].tid,
			    100.0 * (double)it->tasks[i].ns / (double)(it->ns ? it->ns : 1));
		}
		if (it->ntasks > 6) {
			cat(buf, len, ", %zu more tasks", it->ntasks - 6);
		}
		if (it->idle_ns) {
			cat(buf, len, "%sCPU idle %.1f %% (waiting for the CPU to wake up)",
			    it->ntasks ? "; " : "", 100.0 * (double)it->idle_ns / (double)it->ns);
		}
		if (it->irq_ns) {
			cat(buf, len, "; interrupt handlers %s there",
			    dur(it->irq_ns, d1, sizeof(d1)));
		}
		break;
	case LAT_XP_BLOCKED:
		if (call[0]) {
			cat(buf, len, "in %s: ", call);
		}
		switch (it->on) {
		case LAT_XP_ON_TIMER:
			cat(buf, len, "%s", it->timed_out ? "its timeout ran out" : "a timer");
			if (it->timeout_ns >= 0) {
				cat(buf, len, " (timeout asked: %s)",
				    dur(it->timeout_ns, d1, sizeof(d1)));
			} else if (it->nsyscalls) {
				cat(buf, len,
				    " (the timeout asked is not in the trace: a pointer "
				    "argument)");
			}
			if (e->has_hrtimer == false) {
				cat(buf, len, "; told from the call (no hrtimer events)");
			}
			break;
		case LAT_XP_ON_DISK:
			cat(buf, len, "disk %s", it->device[0] ? it->device : "?");
			if (it->requests) {
				cat(buf, len, ", %u request%s, %" PRIu64 " KiB, service %s",
				    it->requests, it->requests > 1 ? "s" : "", it->bytes / 1024,
				    dur(it->service_ns, d1, sizeof(d1)));
				if (it->queue_ns >= 0) {
					cat(buf, len, ", queue %s",
					    dur(it->queue_ns, d1, sizeof(d1)));
				}
			}
			break;
		case LAT_XP_ON_NETWORK:
			cat(buf, len, "the network%s%s", it->netif[0] ? " on " : "", it->netif);
			if (it->ntasks) {
				cat(buf, len, ", a packet sent by %s (%d) over a local socket",
				    task_name(it->tasks[0].comm), it->tasks[0].tid);
			}
			if (it->peer[0]) {
				cat(buf, len, ", peer %s", it->peer);
			} else {
				cat(buf, len, " (peer address: not in the trace)");
			}
			break;
		case LAT_XP_ON_TASK:
			if (it->ntasks) {
				cat(buf, len, "woken by %s (%d)", task_name(it->tasks[0].comm),
				    it->tasks[0].tid);
			}
			if (it->why) {
				cat(buf, len, "; %s", why_text(it, why, sizeof(why)));
			}
			break;
		default:
			cat(buf, len, "cause unknown: %s", why_text(it, why, sizeof(why)));
			break;
		}
		break;
	default:
		break;
	}
}

/* "blocked on a timer", "preempted by hog (12) 66 %"... one cause in a few words. */
static void phrase(const struct lat_explanation *e, const struct lat_xp_item *it, int64_t total,
		   char *buf, size_t len, int depth)
{
	char d[32], call[160];

	call_text(it, call, sizeof(call));
	cat(buf, len, "%s (%.1f %%%s) ", dur(it->ns, d, sizeof(d)),
	    100.0 * (double)it->ns / (double)(total ? total : 1), depth ? " of it" : "");
	switch (it->state) {
	case LAT_XP_RUNNING:
		cat(buf, len, "running");
		if (e->has_syscalls && it->kernel_ns > it->user_ns && it->nsyscalls) {
			cat(buf, len, " (mostly in the kernel: %s())", it->syscalls[0].name);
		} else if (e->has_syscalls) {
			cat(buf, len, " (mostly in user mode)");
		}
		break;
	case LAT_XP_IRQ:
		cat(buf, len, "in interrupt handlers (%s)", it->irq_name);
		break;
	case LAT_XP_PREEMPTED:
		cat(buf, len, "runnable but not running");
		for (size_t i = 0; i < it->ntasks && i < 3; i++) {
			cat(buf, len, "%s%s (%d) %.0f %%", i ? ", " : ": preempted by ",
			    task_name(it->tasks[i].comm), it->tasks[i].tid,
			    100.0 * (double)it->tasks[i].ns / (double)it->ns);
		}
		if (!it->ntasks && it->idle_ns) {
			cat(buf, len, ": waiting for its idle CPU to wake up");
		}
		break;
	default:
		cat(buf, len, "blocked%s%s", call[0] ? " in " : "", call);
		switch (it->on) {
		case LAT_XP_ON_TIMER:
			cat(buf, len, " on a timer");
			if (it->timeout_ns >= 0) {
				cat(buf, len, " (its %s timeout%s)",
				    dur(it->timeout_ns, d, sizeof(d)),
				    it->timed_out ? " ran out" : "");
			}
			break;
		case LAT_XP_ON_DISK:
			cat(buf, len, " on the disk %s (%u requests)", it->device, it->requests);
			break;
		case LAT_XP_ON_NETWORK:
			cat(buf, len, " on the network");
			if (it->ntasks) {
				cat(buf, len, ", answered by %s (%d)", task_name(it->tasks[0].comm),
				    it->tasks[0].tid);
			}
			break;
		case LAT_XP_ON_TASK:
			cat(buf, len, " on %s (%d)",
			    it->ntasks ? task_name(it->tasks[0].comm) : "?",
			    it->ntasks ? it->tasks[0].tid : -1);
			break;
		default:
			cat(buf, len, ", cause unknown");
			break;
		}
		break;
	}
	if (it->nchildren && depth < 6) {
		const struct lat_xp_item *c = &it->children[0];

		cat(buf, len, " -> %s (%d) spent ", task_name(c->comm), c->tid);
		phrase(e, c, it->ns, buf, len, depth + 1);
	}
}

void lat_xp_summary(const struct lat_explanation *e, char *buf, size_t len)
{
	int64_t total = e->end - e->begin;
	char d[32];
	size_t shown = 0;

	buf[0] = '\0';
	cat(buf, len, "%s (%d) took %s", task_name(e->comm), e->tid, dur(total, d, sizeof(d)));
	if (e->tracker[0]) {
		cat(buf, len, " (a %s event)", e->tracker);
	}
	for (size_t i = 0; i < e->n; i++) {
		if (shown >= 3 || (shown && (double)e->items[i].ns < 0.01 * (double)total)) {
			break;
		}
		cat(buf, len, "%s", shown ? "; " : ": ");
		phrase(e, &e->items[i], total, buf, len, 0);
		shown++;
	}
	if (shown < e->n) {
		int64_t rest = 0;

		for (size_t i = shown; i < e->n; i++) {
			rest += e->items[i].ns;
		}
		cat(buf, len, "; %s in %zu other causes", dur(rest, d, sizeof(d)), e->n - shown);
	}
	cat(buf, len, ".");
}

void lat_xp_missing(const struct lat_explanation *e, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!e->has_syscalls) {
		cat(buf, len, "no system call events (the calls waited in, user/kernel time); ");
	}
	if (!e->has_irq) {
		cat(buf, len, "no IRQ events (interrupt time, disk and network wake-ups); ");
	}
	if (!e->has_block) {
		cat(buf, len, "no block events (disk requests); ");
	}
	if (!e->has_hrtimer) {
		cat(buf, len, "no hrtimer events (timer wake-ups told from the calls); ");
	}
	if (e->has_block && !e->has_insert) {
		cat(buf, len, "no block_rq_insert (queue time); ");
	}
	size_t n = strlen(buf);

	if (n >= 2) {
		buf[n - 2] = '\0';
	}
}

static void print_items(FILE *out, const struct lat_explanation *e, const struct lat_xp_item *v,
			size_t n, int64_t total, int depth)
{
	char d[32], detail[1024];

	for (size_t i = 0; i < n; i++) {
		const struct lat_xp_item *it = &v[i];
		const char *on = lat_xp_on_name(it->on);

		lat_xp_detail(e, it, detail, sizeof(detail));
		fprintf(out, "%12s %6.2f %%  %*s%s (%d) %s%s%s: %s\n", dur(it->ns, d, sizeof(d)),
			100.0 * (double)it->ns / (double)(total ? total : 1), depth * 2, "",
			task_name(it->comm), it->tid, lat_xp_state_name(it->state),
			on[0] ? " on " : "",
			on[0] ? (it->on == LAT_XP_ON_TASK ? "a task" : on) : "", detail);
		if (it->nchildren) {
			print_items(out, e, it->children, it->nchildren, total, depth + 1);
		}
	}
}

void lat_xp_print_text(FILE *out, const struct lat_explanation *e, bool gmt)
{
	bool multi = lat_is_multi_day(e->begin, e->end, gmt);
	char b[64], t[64], d[32], summary[4096], missing[512];
	int64_t total = e->end - e->begin;

	lat_format_timestamp(b, sizeof(b), e->begin, multi, gmt);
	lat_format_timestamp(t, sizeof(t), e->end, multi, gmt);
	fprintf(out, "Why %s (tid %d) took %s from [%s] to [%s]%s%s%s\n\n", task_name(e->comm),
		e->tid, dur(total, d, sizeof(d)), b, t, e->tracker[0] ? " (tracker " : "",
		e->tracker, e->tracker[0] ? ")" : "");
	lat_xp_summary(e, summary, sizeof(summary));
	fprintf(out, "%s\n\nBreakdown (indented: the tasks it waited for, over the wait):\n",
		summary);
	fprintf(out, "%12s %8s  %s\n", "Duration", "Share", "Task: state: detail");
	print_items(out, e, e->items, e->n, total, 0);
	fprintf(out, "\nCritical path (%zu intervals, %u tasks deep):\n", e->path.n, e->depth);
	for (size_t i = 0; i < e->path.n && i < 200; i++) {
		const struct lat_cp_interval *iv = &e->path.intervals[i];
		char label[48], other[96] = "";

		lat_format_timestamp(b, sizeof(b), iv->begin, multi, gmt);
		lat_cp_label(iv, label, sizeof(label));
		if (iv->other_tid > 0) {
			snprintf(other, sizeof(other), " (%s %d)", task_name(iv->other_comm),
				 iv->other_tid);
		}
		fprintf(out, "  %-20s %12s  %*s%s (%d): %s%s%s%s\n", b,
			dur(iv->end - iv->begin, d, sizeof(d)), iv->depth < 20 ? iv->depth * 2 : 40,
			"", task_name(iv->comm), iv->tid, label, iv->detail[0] ? " " : "",
			iv->detail, other);
	}
	if (e->path.n > 200) {
		fprintf(out, "  ... %zu more intervals (--json has them all)\n", e->path.n - 200);
	}
	lat_xp_missing(e, missing, sizeof(missing));
	if (missing[0]) {
		fprintf(out, "\nNot in the trace: %s.\n", missing);
	}
}
