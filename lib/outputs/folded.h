/* folded.h: Brendan Gregg's folded stacks (`comm;frame;...;frame value`, as `offcputime -f`):
 * built from stack samples (track log alerts) or read from a folded file, summed per stack. */
#ifndef LATSCOPE_OUTPUTS_FOLDED_H
#define LATSCOPE_OUTPUTS_FOLDED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One stack line and its summed value. */
struct lat_folded_entry {
	char *stack; /* frames joined with ';' (no frame holds ';' or a control character) */
	uint64_t value;
};

/* A set of folded lines. Add samples or lines, then lat_folded_finish() sorts the lines and sums
 * equal stacks (the set is then ready to be written or drawn). */
struct lat_folded {
	struct lat_folded_entry *entries;
	size_t count, cap;
	uint64_t total; /* the sum of every value added */
	bool finished;
};

/*
 * One stack sample, stacks leaf first (as `latscope track --json` prints them). Frames are
 * written without their offset and module ("vfs_read+0x397" -> "vfs_read", "write+0x4f
 * (libc.so.6)" -> "write"); an unsymbolized address ("0x7f...") becomes "[unknown]", as bcc
 * prints it. The line is comm, the user frames root to leaf, the delimiter frame "-" (only when
 * both stacks have frames, as offcputime --delimited), then the kernel frames root to leaf.
 */
struct lat_folded_sample {
	const char *comm;
	const char *const *ustack;
	size_t nustack;
	const char *const *kstack;
	size_t nkstack;
	/* the waker (LAT_FOLDED_WAKER): appended as offwaketime -f does: "--", the waker's kernel
	 * frames leaf to root, "-" (both stacks), its user frames leaf to root, its name */
	const char *waker; /* its comm, or NULL (then waker_context, or "[unknown]") */
	const char *waker_context;
	const char *const *waker_kstack;
	size_t nwaker_kstack;
	const char *const *waker_ustack;
	size_t nwaker_ustack;
	uint64_t value; /* offcputime's unit: microseconds */
};

#define LAT_FOLDED_WAKER 1u /* append the waker's stacks (offwaketime) */

/* Adds one sample; 0 or -ENOMEM. */
int lat_folded_add_sample(struct lat_folded *f, const struct lat_folded_sample *s, unsigned flags);
/*
 * Adds one line of a folded file ("frames value", without its newline; the value is the last
 * space-separated word, an integer, a decimal part is dropped); empty lines and lines starting
 * with '#' are ignored. 0, 1 (ignored), -EINVAL (no value) or -ENOMEM. Control characters in
 * frames are replaced by '?'.
 */
int lat_folded_add_line(struct lat_folded *f, const char *line, size_t len);
/* Sorts the lines (strcmp of the stacks) and merges equal stacks; 0. Idempotent. */
int lat_folded_finish(struct lat_folded *f);
/* Writes the finished set, one "stack value\n" a line; 0 or -EIO. */
int lat_folded_write(const struct lat_folded *f, FILE *out);
void lat_folded_fini(struct lat_folded *f);

/* A frame as written in a folded line (see lat_folded_sample): into buf (always terminated). */
void lat_folded_frame(char *buf, size_t len, const char *frame);

#endif /* LATSCOPE_OUTPUTS_FOLDED_H */
