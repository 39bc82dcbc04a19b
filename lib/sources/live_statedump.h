/* live_statedump.h: the processes, their files and the disks now, from /proc, as the typed
 * statedump events of an LTTng trace (the live source's start: live.h). */
#ifndef LATSCOPE_SOURCES_LIVE_STATEDUMP_H
#define LATSCOPE_SOURCES_LIVE_STATEDUMP_H

#include <stdint.h>

#include "sources/event.h"

/* Returns 0 to go on, non-zero to stop the dump (returned by lat_live_statedump()). */
typedef int (*lat_statedump_fn)(void *user, struct lat_kevent *ev);

/*
 * What `latscope record` writes at start (record.c's statedump), in its order and with its
 * values, as events stamped ts on CPU 0: lttng_statedump_start, then for each process each
 * thread's lttng_statedump_process_state (tid, pid, ppid, name) and the process's
 * lttng_statedump_file_descriptor (pid, fd, filename, flags: /proc/PID/fdinfo's), then one
 * lttng_statedump_block_device per /proc/partitions line (dev: major << 20 | minor), then
 * lttng_statedump_end. Processes and files that go meanwhile are skipped. Returns 0, what fn
 * returned, or -errno (no /proc).
 */
int lat_live_statedump(int64_t ts, lat_statedump_fn fn, void *user);

#endif /* LATSCOPE_SOURCES_LIVE_STATEDUMP_H */
