/* syscall_names.h: x86-64 syscall number <-> name (a table generated from the kernel headers). */
#ifndef LATSCOPE_SOURCES_SYSCALL_NAMES_H
#define LATSCOPE_SOURCES_SYSCALL_NAMES_H

/* The name of syscall nr ("nanosleep"), or NULL when unknown. */
const char *lat_syscall_name(long nr);

/* The number of a syscall by name, or -1. */
long lat_syscall_number(const char *name);

#endif /* LATSCOPE_SOURCES_SYSCALL_NAMES_H */
