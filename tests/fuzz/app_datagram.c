/* app_datagram.c: libFuzzer target for the agent's application datagrams: agent_app_parse()
 * (sizes, header, name charset, UTF-8 of label and detail, ranges), then the bounded table of
 * names (a quota per user, idle names evicted) and a series per label, as the agent feeds them.
 * Built with agent/app.c and agent/metrics.c included (they are not in the library). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../agent/app.c"
#include "../../agent/metrics.c"
#include "outputs/jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint64_t bounds[] = {1000, 1000000, 1000000000};

static void check_text(const char *text, size_t size, bool spaces)
{
	if (strnlen(text, size) == size || !agent_text_valid(text, strlen(text), spaces)) {
		abort(); /* a message taken holds only NUL-terminated, valid text */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct agent_apps apps;
	static bool ready;
	static uint64_t now = 1;
	struct lat_agent_msg m;
	enum agent_app_bad bad;
	struct agent_app *app;
	uint32_t uid;

	if (!ready) {
		/* small limits, so that the quota and the eviction paths run */
		if (agent_apps_init(&apps, 8, 3, 1000, 2, bounds, 3, 5) != 0) {
			abort();
		}
		ready = true;
	}
	bad = agent_app_parse(data, size, &m);
	if ((unsigned)bad >= AGENT_APP_BAD_COUNT_ || !agent_app_bad_name(bad)[0]) {
		abort();
	}
	if (bad != AGENT_APP_OK) {
		return 0;
	}
	check_text(m.name, sizeof(m.name), false);
	check_text(m.label, sizeof(m.label), false);
	check_text(m.detail, sizeof(m.detail), true);
	if (!m.count || m.count > AGENT_APP_COUNT_MAX || m.value_ns > AGENT_APP_VALUE_MAX) {
		abort();
	}
	/* the sender: one of 4 users, time moving on by the message's low bits */
	uid = m.pid % 4;
	now += m.tid % 2000;
	app = agent_apps_get(&apps, m.name, uid, now);
	if (app && m.kind == LAT_AGENT_MSG_EVENT) {
		agent_apps_event_allowed(&apps, uid, now);
	}
	if (app) {
		struct agent_series *s = agent_family_get(&app->fam, m.label);
		char *json = NULL;
		size_t json_len = 0;
		FILE *out = open_memstream(&json, &json_len);

		if (s) {
			agent_series_record(s, now, m.value_ns, m.count);
		}
		if (out) {
			/* the JSON of what reaches events.jsonl stays valid UTF-8 */
			lat_jsonl_string(out, m.detail);
			fclose(out);
			if (!agent_text_valid(json, json_len, false)) {
				abort();
			}
			free(json);
		}
	}
	if (apps.n > apps.cap || agent_apps_of_user(&apps, uid) > apps.per_user) {
		abort();
	}
	return 0;
}
