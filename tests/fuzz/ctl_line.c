/* ctl_line.c: libFuzzer target for the control request lines of track and the agent
 * (lat_ctl_parse() in lib/util/ctlproto.c: the verb, TRACKER.SETTING[=VALUE] items, durations
 * and 0/1). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/ctlproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lat_ctl_req req;
	char line[LAT_CTLSOCK_LINE_MAX];

	/* what the control socket hands on: at most a line's bytes, cut at the first NUL */
	if (size >= sizeof(line)) {
		size = sizeof(line) - 1;
	}
	memcpy(line, data, size);
	line[size] = '\0';
	lat_ctl_parse(line, LAT_CTL_SETTINGS_AGENT | LAT_CTL_SETTINGS_TRACK, &req);
	if (req.n < 0 || req.n > LAT_CTL_ITEMS_MAX ||
	    (req.n && req.verb != LAT_CTL_GET && req.verb != LAT_CTL_SET)) {
		abort();
	}
	for (int i = 0; i < req.n; i++) {
		const struct lat_ctl_item *it = &req.items[i];

		/* every item points inside the request's own copy of the line */
		if (it->key < req.text || it->key >= req.text + sizeof(req.text) ||
		    (it->value &&
		     (it->value < req.text || it->value >= req.text + sizeof(req.text)))) {
			abort();
		}
		if (it->error != LAT_CTL_E_KEY &&
		    (it->tracker_len >= strlen(it->key) || it->key[it->tracker_len] != '.' ||
		     it->setting != it->key + it->tracker_len + 1)) {
			abort();
		}
		if (req.verb == LAT_CTL_SET && it->error == LAT_CTL_OK && !it->value) {
			abort();
		}
	}
	return 0;
}
