/* ctf_index.c: a CTF trace's stream packets and LTTng packet indexes, checked before use. */
#include "sources/ctf_index.h"
#include "util/errtext.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INDEX_MAGIC 0xC1F1DCC1u

static uint64_t get_uint(const unsigned char *p, unsigned bytes, bool big_endian)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		v = v << 8 | p[big_endian ? i : bytes - 1 - i];
	}
	return v;
}

/* --- packet index against the packets ---------------------------------------------------- */

struct packet_info {
	uint64_t offset, packet_size, content_size, begin, end; /* offset in bytes, sizes in bits */
};

static uint64_t read_field(const unsigned char *packet, const struct lat_ctf_field_pos *f)
{
	return get_uint(packet + f->offset_bits / 8, f->size_bits / 8, f->big_endian);
}

/*
 * Every packet of the stream file, read with the layout: count, or a negative errno: -EBADMSG
 * for a packet babeltrace2 would loop on, abort on or misread (sizes 0, at or above 2^63,
 * below the header, not whole bytes, content above the packet) or that the file cuts short
 * (babeltrace2 says only "Failed to index"); `why` says which and where.
 */
static int64_t walk_packets(const char *path, const struct lat_ctf_layout *layout,
			    struct packet_info **out, char *why, size_t why_len)
{
	size_t need = (layout->context_end_bits + 7) / 8, cap = 0;
	struct packet_info *packets = NULL;
	unsigned char *buf;
	uint64_t off = 0;
	int64_t count = 0;
	struct stat st;
	int fd;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return -errno;
	}
	buf = malloc(need ? need : 1);
	if (!buf || fstat(fd, &st)) {
		free(buf);
		close(fd);
		return -ENOMEM;
	}
	while (off < (uint64_t)st.st_size) {
		struct packet_info pi;

		ssize_t got = pread(fd, buf, need, (off_t)off);

		if (got != (ssize_t)need) {
			lat_errtext_set(why, why_len,
					"packet %" PRId64 " at byte %" PRIu64
					": cut short (%zd of its header "
					"and context's %zu bytes)",
					count, off, got, need);
			count = got < 0 ? -EIO : -EBADMSG;
			break;
		}
		pi.offset = off;
		pi.packet_size = layout->packet_size.size_bits
				     ? read_field(buf, &layout->packet_size)
				     : read_field(buf, &layout->content_size);
		pi.content_size = layout->content_size.size_bits
				      ? read_field(buf, &layout->content_size)
				      : pi.packet_size;
		pi.begin = pi.end = 0;
		if (layout->has_timestamps) {
			pi.begin = read_field(buf, &layout->timestamp_begin);
			pi.end = read_field(buf, &layout->timestamp_end);
		}
		/* babeltrace2 keeps the sizes in int64_t and asserts they have one sign */
		if (pi.packet_size > (uint64_t)INT64_MAX || pi.content_size > (uint64_t)INT64_MAX ||
		    pi.packet_size < need * 8 || pi.packet_size % 8 ||
		    pi.content_size > pi.packet_size || pi.content_size < need * 8) {
			lat_errtext_set(why, why_len,
					"packet %" PRId64 " at byte %" PRIu64
					": bad sizes (content %" PRIu64 " bits, packet %" PRIu64
					" bits, its header and context %zu bits)",
					count, off, pi.content_size, pi.packet_size, need * 8);
			count = -EBADMSG;
			break;
		}
		if (pi.packet_size / 8 > (uint64_t)st.st_size - off) {
			lat_errtext_set(why, why_len,
					"packet %" PRId64 " at byte %" PRIu64
					": cut short (%" PRIu64 " of its %" PRIu64 " bytes)",
					count, off, (uint64_t)st.st_size - off, pi.packet_size / 8);
			count = -EBADMSG;
			break;
		}
		if ((size_t)count == cap) {
			struct packet_info *more;

			cap = cap ? cap * 2 : 64;
			more = realloc(packets, cap * sizeof(*packets));
			if (!more) {
				count = -ENOMEM;
				break;
			}
			packets = more;
		}
		packets[count++] = pi;
		off += pi.packet_size / 8;
	}
	free(buf);
	close(fd);
	if (count < 0) {
		free(packets);
		return count;
	}
	*out = packets;
	return count;
}

/* The index file's entries; count or a negative errno (-ENOENT: no index; -EINVAL: bad). */
static int64_t read_index(const char *path, struct packet_info **out, char *why, size_t why_len)
{
	unsigned char header[16], *data = NULL;
	struct packet_info *entries;
	uint32_t entry_len;
	int64_t count;
	struct stat st;
	int fd;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return -errno;
	}
	if (fstat(fd, &st) || pread(fd, header, 16, 0) != 16) {
		lat_errtext_set(why, why_len, "shorter than its 16-byte header");
		close(fd);
		return -EINVAL;
	}
	entry_len = lat_ctf_get_u32(header + 12, true);
	if (lat_ctf_get_u32(header, true) != INDEX_MAGIC || entry_len < 56 || entry_len > 4096 ||
	    (st.st_size - 16) % entry_len) {
		lat_errtext_set(why, why_len,
				"not a CTF packet index (magic 0x%08" PRIx32 ", entry size %" PRIu32
				", file size %lld)",
				lat_ctf_get_u32(header, true), entry_len, (long long)st.st_size);
		close(fd);
		return -EINVAL;
	}
	count = (st.st_size - 16) / entry_len;
	data = malloc(count ? (size_t)(st.st_size - 16) : 1);
	entries = calloc(count ? (size_t)count : 1, sizeof(*entries));
	if (!data || !entries ||
	    pread(fd, data, (size_t)(st.st_size - 16), 16) != (ssize_t)(st.st_size - 16)) {
		free(data);
		free(entries);
		close(fd);
		return data && entries ? -EIO : -ENOMEM;
	}
	close(fd);
	for (int64_t i = 0; i < count; i++) {
		const unsigned char *e = data + (size_t)i * entry_len;

		entries[i].offset = get_uint(e, 8, true);
		entries[i].packet_size = get_uint(e + 8, 8, true);
		entries[i].content_size = get_uint(e + 16, 8, true);
		entries[i].begin = get_uint(e + 24, 8, true);
		entries[i].end = get_uint(e + 32, 8, true);
	}
	free(data);
	*out = entries;
	return count;
}

int lat_ctf_stream_range(const char *dir, const char *name, const struct lat_ctf_layout *layout,
			 uint64_t *begin, uint64_t *end, char *note, size_t note_len)
{
	struct packet_info *packets = NULL, *entries = NULL;
	char path[PATH_MAX], why[192] = "";
	int64_t npackets = -EINVAL, nentries;
	int ret = 0;

	if (note && note_len) {
		note[0] = '\0';
	}
	snprintf(path, sizeof(path), "%s/index/%s.idx", dir, name);
	nentries = read_index(path, &entries, why, sizeof(why));
	if (nentries == -ENOENT) {
		return -ENOENT;
	}
	if (layout->known && layout->has_timestamps) {
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		npackets = walk_packets(path, layout, &packets, NULL, 0);
	}
	if (npackets < 0) { /* the packets cannot be read here: the index as it is */
		ret = nentries > 0 ? 2 : nentries == 0 ? -ENODATA : (int)nentries;
		if (nentries > 0) {
			*begin = entries[0].begin;
			*end = entries[nentries - 1].end;
		}
		goto out;
	}
	if (npackets == 0) {
		ret = -ENODATA;
		goto out;
	}
	*begin = packets[0].begin;
	*end = packets[npackets - 1].end;
	if (nentries < 0) {
		lat_errtext_set(note, note_len,
				"index/%s.idx: %s: time range taken from the packets", name, why);
		ret = 1;
		goto out;
	}
	for (int64_t i = 0; i < npackets || i < nentries; i++) {
		const struct packet_info *pk = i < npackets ? &packets[i] : NULL;
		const struct packet_info *en = i < nentries ? &entries[i] : NULL;
		const char *what = NULL;
		uint64_t said = 0, is = 0;

		if (!pk || !en) {
			lat_errtext_set(note, note_len,
					"index/%s.idx: %" PRId64 " entries for %" PRId64
					" packets in %s: time "
					"range taken from the packets",
					name, nentries, npackets, name);
			ret = 1;
			break;
		}
#define CMP(member)                              \
	if (!what && pk->member != en->member) { \
		what = #member;                  \
		said = en->member;               \
		is = pk->member;                 \
	}
		CMP(offset)
		CMP(packet_size)
		CMP(content_size)
		CMP(begin)
		CMP(end)
#undef CMP
		if (what) {
			lat_errtext_set(note, note_len,
					"index/%s.idx: entry %" PRId64 " says %s %" PRIu64
					" but the packet at "
					"byte %" PRIu64 " of %s has %" PRIu64
					": time range taken from the packets",
					name, i,
					strcmp(what, "begin") == 0 ? "timestamp_begin"
					: strcmp(what, "end") == 0 ? "timestamp_end"
								   : what,
					said, pk->offset, name, is);
			ret = 1;
			break;
		}
	}
out:
	free(packets);
	free(entries);
	return ret;
}

/*
 * The index entries of stream NAME must lie inside its file: libbabeltrace2 seeks to an entry's
 * offset and asserts that it is inside the file (data-stream-file.c, medop_seek), so such an
 * index is refused rather than handed on. Entries inside the file that disagree with the
 * packets are only said (lat_ctf_stream_range()).
 */
static int check_index_bounds(const char *dir, const char *name, uint64_t file_size, char *err,
			      size_t err_len)
{
	struct packet_info *entries = NULL;
	char path[PATH_MAX], why[192] = "";
	int64_t count;
	int ret = 0;

	if (snprintf(path, sizeof(path), "%s/index/%s.idx", dir, name) >= (int)sizeof(path)) {
		return 0;
	}
	count = read_index(path, &entries, why, sizeof(why));
	for (int64_t i = 0; i < count; i++) {
		const struct packet_info *en = &entries[i];

		if (en->offset >= file_size || en->packet_size / 8 > file_size - en->offset ||
		    en->content_size > en->packet_size) {
			lat_errtext_set(err, err_len,
					"%s: entry %" PRId64 " puts a packet of %" PRIu64
					" bits at byte %" PRIu64 " of %s, which has %" PRIu64
					" bytes (remove the index folder to read "
					"the trace from its packets)",
					path, i, en->packet_size, en->offset, name, file_size);
			ret = -EINVAL;
			break;
		}
	}
	free(entries);
	return ret;
}

int lat_ctf_check_streams(const char *dir, const struct lat_ctf_layout *layout, char *err,
			  size_t err_len)
{
	struct dirent *entry;
	int ret = 0;
	DIR *d;

	if (!layout->known) {
		return 0;
	}
	d = opendir(dir);
	if (!d) {
		return 0;
	}
	while (!ret && (entry = readdir(d))) {
		struct packet_info *packets = NULL;
		char path[PATH_MAX], why[256] = "";
		struct stat st;

		if (entry->d_name[0] == '.' || strcmp(entry->d_name, "metadata") == 0 ||
		    snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name) >=
			(int)sizeof(path) ||
		    stat(path, &st) || !S_ISREG(st.st_mode)) {
			continue;
		}
		if (walk_packets(path, layout, &packets, why, sizeof(why)) == -EBADMSG) {
			lat_errtext_set(err, err_len, "%s: %s", path, why);
			ret = -EINVAL;
		}
		free(packets);
		if (!ret) {
			ret = check_index_bounds(dir, entry->d_name, (uint64_t)st.st_size, err,
						 err_len);
		}
	}
	closedir(d);
	return ret;
}
