/* alert_stacks.c: an alert's stacks as text: kernel frames from /proc/kallsyms, user stacks
 * unwound from their copies (DWARF CFI, libdw) and symbolized, with why one is incomplete. */
#include "trackers/alert_stacks.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/ksyms.h"
#include "util/usyms.h"

#define SEEN_MAX 1024

struct lat_alert_symbols {
	struct lat_ksyms *ksyms; /* NULL: kernel addresses printed raw */
	struct lat_usyms *usyms; /* NULL: user addresses printed raw */
	/* the last command name seen for a pid, by pid % SEEN_MAX: an exec is a new one */
	struct {
		uint32_t pid;
		char comm[LAT_COMM_LEN];
	} seen[SEEN_MAX];
};

int lat_alert_symbols_create(bool kernel, bool user, struct lat_alert_symbols **out)
{
	struct lat_alert_symbols *s = calloc(1, sizeof(*s));

	if (!s) {
		return -ENOMEM;
	}
	if (kernel && lat_ksyms_load(NULL, &s->ksyms) != 0) {
		s->ksyms = NULL; /* addresses printed raw */
	}
	if (user && lat_usyms_create(&s->usyms) != 0) {
		s->usyms = NULL;
	}
	*out = s;
	return 0;
}

void lat_alert_symbols_free(struct lat_alert_symbols *s)
{
	if (!s) {
		return;
	}
	if (s->ksyms) {
		lat_ksyms_free(s->ksyms);
	}
	if (s->usyms) {
		lat_usyms_free(s->usyms);
	}
	free(s);
}

/*
 * The usyms cache holds a process's maps; an exec replaces them (and the command name) under the
 * same pid. A record whose comm differs from the last one seen for its pid drops that cache.
 */
static void forget_if_exec(struct lat_alert_symbols *run, const struct lat_record_hdr *hdr)
{
	unsigned int i = hdr->pid % SEEN_MAX;

	if (!run->usyms) {
		return;
	}
	if (run->seen[i].pid == hdr->pid &&
	    memcmp(run->seen[i].comm, hdr->comm, LAT_COMM_LEN) != 0) {
		lat_usyms_forget(run->usyms, (int)hdr->pid);
	}
	run->seen[i].pid = hdr->pid;
	memcpy(run->seen[i].comm, hdr->comm, LAT_COMM_LEN);
}

/*
 * A syscall record carries the process's executable mappings: given to the usyms cache, they let
 * a process that exited before its record was read (a short `sleep`) be unwound all the same.
 */
static void seed_maps(struct lat_alert_symbols *run, const struct lat_record_hdr *hdr,
		      const void *data)
{
	const struct lat_syscall_payload *sys;
	const struct lat_umaps *u;
	struct lat_usyms_map maps[LAT_UMAPS_MAX];
	char names[LAT_UMAPS_MAX][LAT_UMAP_NAME_LEN + 1];
	uint32_t n;

	if (!run->usyms || hdr->tracker != LAT_TRACKER_SYSCALL || hdr->payload_len < sizeof(*sys) ||
	    (size_t)hdr->payload_off + sizeof(*sys) > hdr->size) {
		return;
	}
	sys = (const void *)((const char *)data + hdr->payload_off);
	if (!sys->umaps_off || (size_t)sys->umaps_off + sizeof(*u) > hdr->size) {
		return;
	}
	u = (const void *)((const char *)data + sys->umaps_off);
	n = u->n < LAT_UMAPS_MAX ? u->n : LAT_UMAPS_MAX;
	for (uint32_t i = 0; i < n; i++) {
		const struct lat_umap *m = &u->map[i];

		memcpy(names[i], m->name, LAT_UMAP_NAME_LEN);
		names[i][LAT_UMAP_NAME_LEN] = '\0';
		maps[i] = (struct lat_usyms_map){
		    .start = m->start,
		    .end = m->end,
		    .off = m->pgoff * (uint64_t)sysconf(_SC_PAGESIZE),
		    .dev = makedev(m->dev >> 20, m->dev & 0xfffff),
		    .ino = m->ino,
		    .name = names[i],
		};
	}
	lat_usyms_seed(run->usyms, (int)hdr->pid, maps, n);
}

/*
 * Unwinds and symbolizes a copied user stack of pid into frames; note gets why it is incomplete
 * ("" when it is complete). A copy that stopped at the top of the stack's mapping
 * (LAT_REC_USTACK_CUT) holds the whole stack: a walk past its end reached the top.
 */
static int user_stack(struct lat_alert_symbols *run, uint32_t pid, const struct lat_ustack *u,
		      uint16_t flags, char frames[][LAT_ALERT_FRAME_LEN], char *note,
		      size_t note_len)
{
	struct lat_user_regs regs = {
	    .ip = u->ip,
	    .sp = u->sp,
	    .bp = u->bp,
	    .bx = u->bx,
	    .r12 = u->r12,
	    .r13 = u->r13,
	    .r14 = u->r14,
	    .r15 = u->r15,
	};
	enum lat_usyms_stop stop = LAT_USYMS_STOP_ERROR;
	uint64_t ips[LAT_ALERT_USTACK_FRAMES];
	int n = -ENOSYS;

	note[0] = '\0';
	if (run->usyms) {
		n = lat_usyms_unwind_why(run->usyms, (int)pid, &regs, u->data, u->len, ips,
					 LAT_ALERT_USTACK_FRAMES, &stop);
	}
	if (n < 1) {
		ips[0] = u->ip;
		n = 1;
	}
	for (int i = 0; i < n; i++) {
		if (run->usyms) {
			lat_usyms_format(run->usyms, (int)pid, ips[i], frames[i],
					 LAT_ALERT_FRAME_LEN);
		} else {
			snprintf(frames[i], LAT_ALERT_FRAME_LEN, "0x%" PRIx64, ips[i]);
		}
	}
	if (flags & LAT_REC_USTACK_FAIL) {
		snprintf(note, note_len, "cut short: the user stack could not be read");
	} else if (stop == LAT_USYMS_STOP_END ||
		   (stop == LAT_USYMS_STOP_COPY_END && (flags & LAT_REC_USTACK_CUT))) {
		/* complete */
	} else if (stop == LAT_USYMS_STOP_GONE) {
		snprintf(note, note_len,
			 "cut short: process %u exited before its record was read (not unwound, "
			 "not symbolized)",
			 pid);
	} else if (stop == LAT_USYMS_STOP_COPY_END) {
		snprintf(note, note_len,
			 "cut short: the next frame is past the %u bytes copied (--ustack-size)",
			 u->len);
	} else if (stop == LAT_USYMS_STOP_MAX) {
		snprintf(note, note_len, "cut short: more than %d frames", LAT_ALERT_USTACK_FRAMES);
	} else if (stop == LAT_USYMS_STOP_NO_UNWIND) {
		snprintf(note, note_len,
			 "cut short: unwinding stopped (a frame without CFI or frame pointer)");
	} else {
		snprintf(note, note_len, "cut short: not unwound (%s)", strerror(-n));
	}
	return n;
}

/* One set of stacks as text; a record's own stacks (record non-NULL) first tell the user
 * symbols of an exec and of the mappings the record carries. */
static void stacks_text(struct lat_alert_symbols *run, const struct lat_alert_stacks *st,
			const struct lat_record_hdr *record, struct lat_alert_frames *f)
{
	f->kn = 0;
	f->un = 0;
	f->has_ustack = false;
	f->note[0] = '\0';
	for (int i = 0; i < st->kstack_n && i < LAT_KSTACK_MAX; i++) {
		uint64_t ip;

		memcpy(&ip, &st->kstack[i], sizeof(ip));
		if (run->ksyms) {
			lat_ksyms_format(run->ksyms, ip, f->kstack[f->kn], sizeof(f->kstack[0]));
		} else {
			snprintf(f->kstack[f->kn], sizeof(f->kstack[0]), "0x%" PRIx64, ip);
		}
		f->kn++;
	}
	if (st->ustack) {
		f->has_ustack = true;
		if (record) {
			forget_if_exec(run, record);
			seed_maps(run, record, record);
		}
		f->un = user_stack(run, st->pid, st->ustack, st->flags, f->ustack, f->note,
				   sizeof(f->note));
	}
}

void lat_alert_symbolize(struct lat_alert_symbols *s, const struct lat_alert *a,
			 struct lat_alert_frames *stacks, struct lat_alert_frames *extra)
{
	static struct lat_alert_symbols none; /* no tables: addresses raw */

	s = s ? s : &none;
	if (stacks) {
		stacks_text(s, &a->stacks, a->hdr, stacks);
	}
	if (extra) {
		stacks_text(s, &a->extra, NULL, extra);
	}
}
