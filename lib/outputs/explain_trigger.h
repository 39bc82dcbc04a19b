/* explain_trigger.h: the trigger of a flight-recorder snapshot, in a file beside its kernel/. */
#ifndef LATSCOPE_OUTPUTS_EXPLAIN_TRIGGER_H
#define LATSCOPE_OUTPUTS_EXPLAIN_TRIGGER_H

#include <stdint.h>

/*
 * SNAPSHOT/trigger.txt: "key=value" lines (tracker, tid, comm, start_ns, end_ns, delay_ns; times
 * in ns since the epoch on the trace's clock), written by `latscope record --flight` when a
 * tracker's event triggered the snapshot, read by `latscope explain SNAPSHOT`. Trace readers
 * (babeltrace2, Trace Compass) look for CTF metadata files only: they ignore it.
 */
struct lat_xp_trigger {
	char tracker[32];
	char comm[32];
	int32_t tid;
	int64_t start_ns, end_ns, delay_ns;
};

#define LAT_XP_TRIGGER_FILE "trigger.txt"

/* Writes dir/trigger.txt (through a temporary file, renamed). Returns 0 or -errno. */
int lat_xp_trigger_write(const char *dir, const struct lat_xp_trigger *t);

/*
 * Reads it from dir (a snapshot folder, or its kernel/ folder). Returns 0, -ENOENT (no file),
 * -EINVAL (not a trigger file: a key missing or bad), or -errno.
 */
int lat_xp_trigger_read(const char *dir, struct lat_xp_trigger *t);

#endif /* LATSCOPE_OUTPUTS_EXPLAIN_TRIGGER_H */
