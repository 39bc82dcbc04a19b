/* alert_stacks.h: an alert's stacks as text (kernel symbols, user stacks unwound and
 * symbolized): what track prints, passes to --exec and the agent writes in its event lines. */
#ifndef LATSCOPE_TRACKERS_ALERT_STACKS_H
#define LATSCOPE_TRACKERS_ALERT_STACKS_H

#include <stdbool.h>

#include "trackers/alert.h"

#define LAT_ALERT_USTACK_FRAMES 64
#define LAT_ALERT_FRAME_LEN     256

/* One set of stacks as text. */
struct lat_alert_frames {
	int kn;
	char kstack[LAT_KSTACK_MAX][160];
	bool has_ustack;
	int un;
	char ustack[LAT_ALERT_USTACK_FRAMES][LAT_ALERT_FRAME_LEN];
	char note[128]; /* why the user stack is incomplete; "" when complete */
};

/* The symbol tables: the process's caches of kernel and user symbols. */
struct lat_alert_symbols;

/*
 * kernel: load /proc/kallsyms; user: unwind and symbolize user stacks. A table that cannot be
 * had (kptr_restrict, no libdw) leaves its addresses raw ("0x..."): not an error. Returns 0, or
 * -ENOMEM.
 */
int lat_alert_symbols_create(bool kernel, bool user, struct lat_alert_symbols **out);
void lat_alert_symbols_free(struct lat_alert_symbols *s);

/*
 * The alert's own stacks into stacks and its tracker's extra stacks (a->extra_name) into extra
 * (either may be NULL); s NULL: addresses raw. Call it while the record is valid (in the alert
 * callback): a syscall record's mappings seed the user symbols of a process that has exited.
 */
void lat_alert_symbolize(struct lat_alert_symbols *s, const struct lat_alert *a,
			 struct lat_alert_frames *stacks, struct lat_alert_frames *extra);

#endif /* LATSCOPE_TRACKERS_ALERT_STACKS_H */
