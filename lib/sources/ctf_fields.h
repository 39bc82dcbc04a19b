/* ctf_fields.h: any field of a babeltrace2 event by scope and name, resolved once per class. */
#ifndef LATSCOPE_SOURCES_CTF_FIELDS_H
#define LATSCOPE_SOURCES_CTF_FIELDS_H

#include <stdint.h>

#include "analyses/period_expr.h"

/*
 * The periods read arbitrary fields ($evt.fd, $evt.$stream_ctx.procname, $evt.$pkt_ctx.cpu_id)
 * that the typed events do not carry. Each field of the program (struct lat_pfields, ids
 * 0..count-1) is resolved to (babeltrace2 scope, member index) the first time an event of a
 * class is met, and cached per event class: no lookup by name per event.
 *
 * Scopes as babeltrace2 exposes a CTF 1.8 trace: $payload = payload, $ctx = specific context,
 * $stream_ctx = common context (LTTng add-context), $pkt_ctx = packet context (without the
 * fields babeltrace2 consumes: packet_size, content_size, timestamp_begin/end,
 * events_discarded, packet_seq_num). $header and $pkt_header are not exposed by babeltrace2:
 * such fields are always missing. A bare name searches payload, ctx, stream_ctx, pkt_ctx.
 * Enumerations read as their (first) label, as babeltrace 1 does; text arrays are strings;
 * compound fields (structures, arrays, variants) are missing.
 */
struct lat_ctf_fields;

int lat_ctf_fields_create(const struct lat_pfields *fields, struct lat_ctf_fields **out);
void lat_ctf_fields_destroy(struct lat_ctf_fields *cf);

/*
 * Reads field `id` of `event` (a const bt_event *, struct lat_kevent.raw) into *out (kind
 * LAT_PVAL_MISSING when the event has no such field). Strings point into the event. $name is
 * not handled here (the caller has the event name). Returns 0 or -ENOMEM.
 */
int lat_ctf_fields_read(struct lat_ctf_fields *cf, const void *event, uint32_t id,
			struct lat_pval *out);

#endif /* LATSCOPE_SOURCES_CTF_FIELDS_H */
