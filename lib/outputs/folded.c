/* folded.c: folded stacks (Brendan Gregg's format, as `offcputime -f`) from stack samples or a
 * folded file, sorted and summed per stack. folded.h */
#include "outputs/folded.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Length of the symbol name in "name+0xoff", "name+0xoff (file)", "name+0xoff [mod]". */
static size_t name_len(const char *frame)
{
	size_t n = strlen(frame);

	for (size_t i = n; i-- > 0;) {
		size_t j = i + 3;

		if (frame[i] != '+' || frame[i + 1] != '0' || frame[i + 2] != 'x' ||
		    !is_hex(frame[j])) {
			continue;
		}
		while (is_hex(frame[j])) {
			j++;
		}
		if (frame[j] == '\0' || frame[j] == ' ') {
			return i;
		}
	}
	return n;
}

void lat_folded_frame(char *buf, size_t len, const char *frame)
{
	size_t n, i, j = 0;

	if (!len) {
		return;
	}
	if (!frame) {
		frame = "";
	}
	n = name_len(frame);
	if (strncmp(frame, "[unknown]", 9) == 0) {
		n = 9;
	} else if (n > 2 && frame[0] == '0' && frame[1] == 'x') {
		for (i = 2; i < n && is_hex(frame[i]); i++) {
		}
		if (i == n) {
			frame = "[unknown]"; /* an address nothing symbolized, as bcc prints it */
			n = 9;
		}
	}
	if (n == 0) {
		frame = "[unknown]";
		n = 9;
	}
	for (i = 0; i < n && j + 1 < len; i++) {
		unsigned char c = (unsigned char)frame[i];

		buf[j++] = c == ';' ? ':' : (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	buf[j] = '\0';
}

/* Appends s (len bytes) to the line being built. */
struct line {
	char *s;
	size_t len, cap;
	bool oom;
};

static void line_add(struct line *l, const char *s, size_t n)
{
	if (l->oom) {
		return;
	}
	if (l->len + n + 1 > l->cap) {
		size_t ncap = l->cap ? l->cap : 256;
		char *ns;

		while (ncap < l->len + n + 1) {
			ncap *= 2;
		}
		ns = realloc(l->s, ncap);
		if (!ns) {
			l->oom = true;
			return;
		}
		l->s = ns;
		l->cap = ncap;
	}
	memcpy(l->s + l->len, s, n);
	l->len += n;
	l->s[l->len] = '\0';
}

static void line_frame(struct line *l, const char *frame)
{
	char buf[1024];

	lat_folded_frame(buf, sizeof(buf), frame);
	if (l->len) {
		line_add(l, ";", 1);
	}
	line_add(l, buf, strlen(buf));
}

static int add_entry(struct lat_folded *f, char *stack, uint64_t value)
{
	if (f->count == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 256;
		struct lat_folded_entry *ne = realloc(f->entries, ncap * sizeof(*ne));

		if (!ne) {
			return -ENOMEM;
		}
		f->entries = ne;
		f->cap = ncap;
	}
	f->entries[f->count].stack = stack;
	f->entries[f->count].value = value;
	f->count++;
	f->total += value;
	f->finished = false;
	return 0;
}

int lat_folded_add_sample(struct lat_folded *f, const struct lat_folded_sample *s, unsigned flags)
{
	struct line l = {0};
	int ret;

	line_frame(&l, s->comm && s->comm[0] ? s->comm : "[unknown]");
	for (size_t i = s->nustack; i-- > 0;) {
		line_frame(&l, s->ustack[i]);
	}
	if (s->nustack && s->nkstack) {
		line_add(&l, ";-", 2);
	}
	for (size_t i = s->nkstack; i-- > 0;) {
		line_frame(&l, s->kstack[i]);
	}
	if (flags & LAT_FOLDED_WAKER) {
		line_add(&l, ";--", 3);
		for (size_t i = 0; i < s->nwaker_kstack; i++) {
			line_frame(&l, s->waker_kstack[i]);
		}
		if (s->nwaker_kstack && s->nwaker_ustack) {
			line_add(&l, ";-", 2);
		}
		for (size_t i = 0; i < s->nwaker_ustack; i++) {
			line_frame(&l, s->waker_ustack[i]);
		}
		line_frame(&l, s->waker && s->waker[0]                   ? s->waker
			       : s->waker_context && s->waker_context[0] ? s->waker_context
									 : "[unknown]");
	}
	if (l.oom) {
		free(l.s);
		return -ENOMEM;
	}
	ret = add_entry(f, l.s, s->value);
	if (ret) {
		free(l.s);
	}
	return ret;
}

int lat_folded_add_line(struct lat_folded *f, const char *line, size_t len)
{
	size_t end = len, sp, vstart;
	uint64_t value = 0;
	char *stack;
	int ret;

	while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t' || line[end - 1] == '\r' ||
			   line[end - 1] == '\n')) {
		end--;
	}
	if (end == 0 || line[0] == '#') {
		return 1;
	}
	sp = end;
	while (sp > 0 && line[sp - 1] != ' ' && line[sp - 1] != '\t') {
		sp--;
	}
	vstart = sp;
	if (vstart == end || vstart == 0) {
		return -EINVAL;
	}
	for (size_t i = vstart; i < end; i++) {
		if (line[i] == '.') {
			/* flamegraph.pl accepts a decimal part: dropped here */
			for (size_t k = i + 1; k < end; k++) {
				if (line[k] < '0' || line[k] > '9') {
					return -EINVAL;
				}
			}
			if (i == vstart) {
				return -EINVAL;
			}
			break;
		}
		if (line[i] < '0' || line[i] > '9' ||
		    value > (UINT64_MAX - (uint64_t)(line[i] - '0')) / 10) {
			return -EINVAL;
		}
		value = value * 10 + (uint64_t)(line[i] - '0');
	}
	while (sp > 0 && (line[sp - 1] == ' ' || line[sp - 1] == '\t')) {
		sp--;
	}
	if (sp == 0) {
		return -EINVAL;
	}
	if (f->total > UINT64_MAX - value) {
		return -EINVAL; /* the sum would overflow */
	}
	stack = malloc(sp + 1);
	if (!stack) {
		return -ENOMEM;
	}
	for (size_t i = 0; i < sp; i++) {
		unsigned char c = (unsigned char)line[i];

		stack[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	stack[sp] = '\0';
	ret = add_entry(f, stack, value);
	if (ret) {
		free(stack);
	}
	return ret;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct lat_folded_entry *x = a, *y = b;

	return strcmp(x->stack, y->stack);
}

int lat_folded_finish(struct lat_folded *f)
{
	size_t n = 0;

	if (f->finished) {
		return 0;
	}
	if (f->count) {
		qsort(f->entries, f->count, sizeof(*f->entries), cmp_entry);
	}
	for (size_t i = 0; i < f->count; i++) {
		if (n && strcmp(f->entries[n - 1].stack, f->entries[i].stack) == 0) {
			f->entries[n - 1].value += f->entries[i].value;
			free(f->entries[i].stack);
		} else {
			f->entries[n++] = f->entries[i];
		}
	}
	f->count = n;
	f->finished = true;
	return 0;
}

int lat_folded_write(const struct lat_folded *f, FILE *out)
{
	for (size_t i = 0; i < f->count; i++) {
		fprintf(out, "%s %llu\n", f->entries[i].stack,
			(unsigned long long)f->entries[i].value);
	}
	return ferror(out) ? -EIO : 0;
}

void lat_folded_fini(struct lat_folded *f)
{
	for (size_t i = 0; i < f->count; i++) {
		free(f->entries[i].stack);
	}
	free(f->entries);
	memset(f, 0, sizeof(*f));
}
