/* ctf_metadata.c: libFuzzer target for the CTF metadata checks made before libbabeltrace2
 * (lib/sources/ctf_check.c): packetized or text metadata, TSDL tokens, names, clocks, layout. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sources/ctf_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lat_ctf_metadata md;
	char err[256];
	int64_t ns;
	int ret;

	ret = lat_ctf_metadata_check(data, size, &md, err, sizeof(err));
	if (ret == 0) {
		/* the text is NUL-terminated and no longer than the input */
		if (md.text_len > size || md.text[md.text_len] != '\0' ||
		    strlen(md.text) > md.text_len) {
			abort();
		}
		/* a known layout reads whole bytes inside the bytes it says it needs */
		if (md.layout.known &&
		    (md.layout.timestamp_begin.offset_bits + md.layout.timestamp_begin.size_bits >
			 md.layout.context_end_bits ||
		     md.layout.packet_size.offset_bits % 8 || md.layout.packet_size.size_bits % 8 ||
		     md.layout.packet_size.size_bits > 64)) {
			abort();
		}
		/* a checked clock converts without overflow (UBSan would say so) */
		if (md.clock.present) {
			lat_ctf_clock_to_ns(&md.clock, 0, &ns);
			lat_ctf_clock_to_ns(&md.clock, UINT64_MAX, &ns);
		}
		lat_ctf_metadata_fini(&md);
	} else if (ret != -ENOMEM && (ret != -EINVAL || !err[0])) {
		abort(); /* every refusal says why */
	}
	return 0;
}
