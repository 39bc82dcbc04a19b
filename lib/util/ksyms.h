/* ksyms.h: kernel symbol lookup from /proc/kallsyms, for symbolizing kernel stacks. */
#ifndef LATSCOPE_UTIL_KSYMS_H
#define LATSCOPE_UTIL_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct lat_ksyms;

/* Loads /proc/kallsyms (or path, for tests). Returns 0 or -errno (-EPERM when addresses are
 * hidden). */
int lat_ksyms_load(const char *path, struct lat_ksyms **out);
void lat_ksyms_free(struct lat_ksyms *ksyms);

/* The symbol that contains addr, or NULL; *offset (if not NULL) gets addr - symbol start. */
const char *lat_ksyms_lookup(const struct lat_ksyms *ksyms, uint64_t addr, uint64_t *offset);

/* Formats addr as "name+0xoff" (or "0xaddr" when unknown) into buf. */
void lat_ksyms_format(const struct lat_ksyms *ksyms, uint64_t addr, char *buf, size_t len);

#endif /* LATSCOPE_UTIL_KSYMS_H */
