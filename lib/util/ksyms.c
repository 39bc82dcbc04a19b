/* ksyms.c: kernel symbol lookup from /proc/kallsyms (sorted array, binary search). */
#include "util/ksyms.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Every line of kallsyms becomes one entry: text symbols (t, T, w, W) with their name, any other
 * symbol as an unnamed boundary, so that an address in data after the last function of a region
 * does not resolve to that function. The last entry has no known end: it covers LAST_SYMBOL_SPAN
 * bytes at most (BPF programs and module functions at the end of the table are small).
 */
#define LAST_SYMBOL_SPAN 4096
#define NO_NAME          UINT32_MAX

struct ksym {
	uint64_t addr;
	uint32_t name; /* offset in names, NO_NAME for a boundary */
	uint32_t rank; /* preference among symbols at the same address, lower is better */
};

struct lat_ksyms {
	struct ksym *syms;
	size_t count;
	char *names;
};

struct builder {
	struct ksym *syms;
	size_t count, cap;
	char *names;
	size_t names_len, names_cap;
};

static int add_name(struct builder *b, const char *name, size_t len, uint32_t *off)
{
	if (b->names_len + len + 1 > b->names_cap) {
		size_t cap = b->names_cap ? b->names_cap * 2 : 1 << 20;
		char *names;

		while (cap < b->names_len + len + 1) {
			cap *= 2;
		}
		if (cap > UINT32_MAX) {
			return -E2BIG;
		}
		names = realloc(b->names, cap);
		if (!names) {
			return -ENOMEM;
		}
		b->names = names;
		b->names_cap = cap;
	}
	memcpy(b->names + b->names_len, name, len);
	b->names[b->names_len + len] = '\0';
	*off = (uint32_t)b->names_len;
	b->names_len += len + 1;
	return 0;
}

static int add_sym(struct builder *b, uint64_t addr, uint32_t name, uint32_t rank)
{
	if (b->count == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16384;
		struct ksym *syms = realloc(b->syms, cap * sizeof(*syms));

		if (!syms) {
			return -ENOMEM;
		}
		b->syms = syms;
		b->cap = cap;
	}
	b->syms[b->count++] = (struct ksym){.addr = addr, .name = name, .rank = rank};
	return 0;
}

/*
 * Which name to keep when several symbols share an address (as perf's choose_best): a global
 * one before a weak one before a local one, then the one with fewer leading underscores.
 */
static uint32_t rank_of(char type, const char *name)
{
	uint32_t rank;
	uint32_t underscores = 0;

	switch (type) {
	case 'T':
		rank = 0;
		break;
	case 'W':
	case 'w':
		rank = 1;
		break;
	default:
		rank = 2;
		break;
	}
	while (name[underscores] == '_' && underscores < 255) {
		underscores++;
	}
	return rank << 8 | underscores;
}

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr) {
		return x->addr < y->addr ? -1 : 1;
	}
	/* Named entries first, best rank first; the file order breaks ties (name offsets grow). */
	if ((x->name == NO_NAME) != (y->name == NO_NAME)) {
		return x->name == NO_NAME ? 1 : -1;
	}
	if (x->rank != y->rank) {
		return x->rank < y->rank ? -1 : 1;
	}
	return x->name < y->name ? -1 : x->name > y->name;
}

/* Parses "ffffffff81000000 T name\t[module]"; returns 1 for a line to keep, 0 to skip it. */
static int parse_line(char *line, uint64_t *addr, char *type, char **name, size_t *name_len,
		      char **module, size_t *module_len)
{
	char *p, *end;

	*addr = strtoull(line, &end, 16);
	if (end == line || *end != ' ') {
		return 0;
	}
	p = end + 1;
	if (!*p || p[1] != ' ') {
		return 0;
	}
	*type = *p;
	p += 2;
	*name = p;
	while (*p && *p != '\t' && *p != ' ' && *p != '\n') {
		p++;
	}
	*name_len = (size_t)(p - *name);
	if (*name_len == 0) {
		return 0;
	}
	*module = NULL;
	*module_len = 0;
	while (*p == '\t' || *p == ' ') {
		p++;
	}
	if (*p == '[') {
		char *close = strchr(p, ']');

		if (close) {
			*module = p;
			*module_len = (size_t)(close - p + 1);
		}
	}
	return 1;
}

static bool is_text(char type)
{
	return type == 't' || type == 'T' || type == 'w' || type == 'W';
}

int lat_ksyms_load(const char *path, struct lat_ksyms **out)
{
	struct builder b = {0};
	struct lat_ksyms *ksyms = NULL;
	char *line = NULL;
	size_t line_cap = 0;
	bool any_address = false;
	FILE *f;
	int err = 0;

	*out = NULL;
	f = fopen(path ? path : "/proc/kallsyms", "re");
	if (!f) {
		return -errno;
	}
	/* Large reads: /proc/kallsyms costs much more in 4 KiB reads than in 256 KiB ones. */
	setvbuf(f, NULL, _IOFBF, 256 * 1024);
	while (getline(&line, &line_cap, f) > 0) {
		uint64_t addr;
		char type, *name, *module;
		size_t name_len, module_len;
		uint32_t name_off = NO_NAME;
		char saved;

		if (!parse_line(line, &addr, &type, &name, &name_len, &module, &module_len)) {
			continue;
		}
		if (addr) {
			any_address = true;
		}
		if (is_text(type)) {
			if (module) {
				/* "name [module]": the name and the module, one space apart. */
				memmove(name + name_len + 1, module, module_len);
				name[name_len] = ' ';
				name_len += 1 + module_len;
			}
			saved = name[name_len];
			name[name_len] = '\0';
			err = add_name(&b, name, name_len, &name_off);
			if (!err) {
				err = add_sym(&b, addr, name_off, rank_of(type, name));
			}
			name[name_len] = saved;
		} else {
			err = add_sym(&b, addr, NO_NAME, 0);
		}
		if (err) {
			goto out;
		}
	}
	if (ferror(f)) {
		err = -EIO;
		goto out;
	}
	if (b.count == 0) {
		err = -ENOENT;
		goto out;
	}
	/* kptr_restrict (or no CAP_SYSLOG): every address reads as 0. */
	if (!any_address) {
		err = -EPERM;
		goto out;
	}
	qsort(b.syms, b.count, sizeof(*b.syms), cmp_ksym);
	/* Keep one entry per address: the best named one, else a boundary. */
	{
		size_t kept = 0;

		for (size_t i = 0; i < b.count; i++) {
			if (kept && b.syms[kept - 1].addr == b.syms[i].addr) {
				continue;
			}
			b.syms[kept++] = b.syms[i];
		}
		b.count = kept;
	}
	ksyms = calloc(1, sizeof(*ksyms));
	if (!ksyms) {
		err = -ENOMEM;
		goto out;
	}
	ksyms->syms = b.syms;
	ksyms->count = b.count;
	ksyms->names = b.names;
	b.syms = NULL;
	b.names = NULL;
	*out = ksyms;
out:
	free(line);
	free(b.syms);
	free(b.names);
	fclose(f);
	return err;
}

void lat_ksyms_free(struct lat_ksyms *ksyms)
{
	if (!ksyms) {
		return;
	}
	free(ksyms->syms);
	free(ksyms->names);
	free(ksyms);
}

const char *lat_ksyms_lookup(const struct lat_ksyms *ksyms, uint64_t addr, uint64_t *offset)
{
	size_t lo = 0, hi;
	const struct ksym *sym;

	if (!ksyms || ksyms->count == 0 || addr < ksyms->syms[0].addr) {
		return NULL;
	}
	/* The last entry whose address is <= addr. */
	hi = ksyms->count;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ksyms->syms[mid].addr <= addr) {
			lo = mid;
		} else {
			hi = mid;
		}
	}
	sym = &ksyms->syms[lo];
	if (sym->name == NO_NAME) {
		return NULL;
	}
	if (lo + 1 == ksyms->count && addr - sym->addr >= LAST_SYMBOL_SPAN) {
		return NULL;
	}
	if (offset) {
		*offset = addr - sym->addr;
	}
	return ksyms->names + sym->name;
}

void lat_ksyms_format(const struct lat_ksyms *ksyms, uint64_t addr, char *buf, size_t len)
{
	uint64_t offset = 0;
	const char *name = lat_ksyms_lookup(ksyms, addr, &offset);
	const char *module;

	if (!buf || len == 0) {
		return;
	}
	if (!name) {
		snprintf(buf, len, "0x%llx", (unsigned long long)addr);
		return;
	}
	/* "name [module]" prints as "name+0xoff [module]". */
	module = strstr(name, " [");
	if (module) {
		snprintf(buf, len, "%.*s+0x%llx%s", (int)(module - name), name,
			 (unsigned long long)offset, module);
	} else {
		snprintf(buf, len, "%s+0x%llx", name, (unsigned long long)offset);
	}
}
