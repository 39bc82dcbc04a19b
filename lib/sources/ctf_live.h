/* ctf_live.h: events of a running LTTng session, from lttng-relayd (src.ctf.lttng-live). */
#ifndef LATSCOPE_SOURCES_CTF_LIVE_H
#define LATSCOPE_SOURCES_CTF_LIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "sources/ctf.h"

/*
 * A babeltrace2 graph: src.ctf.lttng-live (which merges the streams itself) -> a simple sink
 * that fills a struct lat_kevent per event: ts, name, cpu (packet context cpu_id) and raw (the
 * bt_event, for the periods' generic field access); the typed payloads are not decoded here.
 * Runs until the session is destroyed (lttng destroy), lat_ctf_live_interrupt() or the
 * callback stops it.
 */
struct lat_ctf_live;

/* True for net://, net4:// and net6:// URLs. */
bool lat_ctf_is_live_url(const char *path);

/*
 * url: net://HOST[:PORT]/host/HOSTNAME/SESSION. The session must exist when the graph first
 * connects ("session not found" ends the run with an error). Returns 0, -ENOENT (no
 * babeltrace2 ctf plugin), -EINVAL (bad URL: see err), -ENOMEM.
 */
int lat_ctf_live_open(const char *url, struct lat_ctf_live **out, char *err, size_t err_len);

/* Runs until the session ends (0), an interruption (0), fn stops it (0) or an error (-errno). */
int lat_ctf_live_run(struct lat_ctf_live *live, lat_ctf_event_fn fn, void *user);

/* Async-signal-safe: makes lat_ctf_live_run() return soon (Ctrl-C). */
void lat_ctf_live_interrupt(struct lat_ctf_live *live);

const char *lat_ctf_live_error(const struct lat_ctf_live *live);
const struct lat_ctf_stats *lat_ctf_live_stats(const struct lat_ctf_live *live);
void lat_ctf_live_destroy(struct lat_ctf_live *live);

#endif /* LATSCOPE_SOURCES_CTF_LIVE_H */
