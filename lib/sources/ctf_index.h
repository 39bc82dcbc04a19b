/* ctf_index.h: a CTF trace's stream packets and LTTng packet indexes, checked before use. */
#ifndef LATSCOPE_SOURCES_CTF_INDEX_H
#define LATSCOPE_SOURCES_CTF_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "sources/ctf_check.h"

/*
 * One stream's first packet begin and last packet end (clock cycles), from its packet index
 * (DIR/index/NAME.idx) checked against the packets of the stream file DIR/NAME read with the
 * layout: every entry's offset, sizes and timestamps must equal its packet's. Returns 0 (the
 * index agrees), 1 (it does not, or it is unreadable: begin and end come from the packets and
 * `note` says what differs), 2 (the packets cannot be read with this layout: begin and end
 * come from the index alone, unchecked), -ENOENT (no index), -ENODATA (no packet), -EINVAL
 * (neither the index nor the packets can be read).
 */
int lat_ctf_stream_range(const char *dir, const char *name, const struct lat_ctf_layout *layout,
			 uint64_t *begin, uint64_t *end, char *note, size_t note_len);

/*
 * Walks the packets of every stream file of DIR with the layout (nothing when it is unknown):
 * a packet whose packet_size is 0 (babeltrace2 2.0.4 loops forever indexing it), at or above
 * 2^63 (it asserts), below its header and context, not whole bytes, or smaller than its
 * content_size, or cut short by the end of the file (babeltrace2 only says "Failed to index")
 * is refused: -EINVAL, err naming the file, the packet and its byte offset.
 */
int lat_ctf_check_streams(const char *dir, const struct lat_ctf_layout *layout, char *err,
			  size_t err_len);

#endif /* LATSCOPE_SOURCES_CTF_INDEX_H */
