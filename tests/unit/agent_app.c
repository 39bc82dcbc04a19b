/* agent_app.c: unit tests of the agent's checks on application datagrams (agent/app.c, built in):
 * UTF-8 and charset of labels and details, every refusal reason, the names table's per-user
 * quota and idle eviction, and liblatscope's client cutting a long label at a character's start. */
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../agent/app.c"
#include "../../agent/metrics.c"

static const uint64_t bounds[] = {1000, 1000000};

static size_t build(struct lat_agent_msg *m, const char *name, const char *label, uint64_t value,
		    uint64_t count, const char *detail)
{
	memset(m, 0, sizeof(*m));
	m->magic = LAT_AGENT_MSG_MAGIC;
	m->version = LAT_AGENT_MSG_VERSION;
	m->kind = detail ? LAT_AGENT_MSG_EVENT : LAT_AGENT_MSG_SAMPLE;
	m->value_ns = value;
	m->count = count;
	memcpy(m->name, name, strnlen(name, sizeof(m->name)));
	memcpy(m->label, label, strnlen(label, sizeof(m->label)));
	if (detail) {
		memcpy(m->detail, detail, strlen(detail));
	}
	return offsetof(struct lat_agent_msg, detail) + (detail ? strlen(detail) : 0) + 1;
}

int main(void)
{
	static const struct {
		const char *text;
		bool spaces, valid;
		const char *why;
	} texts[] = {
	    {"GET /api/users", false, true, "ASCII"},
	    {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", false, true,
	     "2-, 3- and 4-byte characters"},
	    {"\xff\xfe", false, false, "0xff 0xfe (the issue's bytes)"},
	    {"caf\xc3", false, false, "a character cut at its end"},
	    {"\x80x", false, false, "a continuation byte first"},
	    {"\xc0\xaf", false, false, "an overlong '/' (0xc0 0xaf)"},
	    {"\xe0\x80\xaf", false, false, "an overlong 3-byte form"},
	    {"\xed\xa0\x80", false, false, "a surrogate (U+D800)"},
	    {"\xf4\x90\x80\x80", false, false, "above U+10FFFF"},
	    {"a\x01"
	     "b",
	     false, false, "a control character"},
	    {"a\x7f", false, false, "DEL"},
	    {"line1\nline2\tx", true, true, "a detail's newline and tab"},
	    {"line1\nline2", false, false, "a newline in a label"},
	    {"a\rb", true, false, "a carriage return in a detail"},
	};
	struct lat_agent_msg m, out;
	struct agent_apps apps;
	size_t len;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		is_int(agent_text_valid(texts[i].text, strlen(texts[i].text), texts[i].spaces),
		       texts[i].valid, "text: %s", texts[i].why);
	}

	len = build(&m, "requests", "GET", 1000000, 3, NULL);
	is_int(agent_app_parse(&m, len, &out), AGENT_APP_OK, "a sample is taken");
	is_str(out.label, "GET", "its label");
	is_int(agent_app_parse(&m, 10, &out), AGENT_APP_BAD_SIZE, "shorter than the header: size");
	is_int(agent_app_parse(&m, sizeof(m) + 1, &out), AGENT_APP_BAD_SIZE,
	       "longer than a message: size");
	len = build(&m, "requests", "GET", 1, 1, "no end");
	is_int(agent_app_parse(&m, len - 1, &out), AGENT_APP_BAD_SIZE,
	       "a detail without its NUL: size");
	m.magic = 0;
	is_int(agent_app_parse(&m, len, &out), AGENT_APP_BAD_HEADER, "a bad magic: header");
	len = build(&m, "requests", "GET", 1, 1, NULL);
	m.kind = 3;
	is_int(agent_app_parse(&m, len, &out), AGENT_APP_BAD_HEADER, "an unknown kind: header");
	len = build(&m, "bad-name", "GET", 1, 1, NULL);
	is_int(agent_app_parse(&m, len, &out), AGENT_APP_BAD_NAME, "a '-' in the name: name");
	len = build(&m, "", "GET", 1, 1, NULL);
	is_int(agent_app_parse(&m, len, &out), AGENT_APP_BAD_NAME, "an empty name: name");
	len = build(&m, "requests", "", 1, 1, NULL);
	memset(m.name, 'a', sizeof(m.name));
	is_int(agent_app_parse(&m, len, &out), AGENT_APP_BAD_NAME, "a name without its NUL: name");
	len = build(&m, "requests", "\xff\xfe", 1, 1, NULL);
	is_int(agent_app_parse(&m, len, &out), AGENT_APP_BAD_TEXT, "a label not UTF-8: text");
	len = build(&m, "requests", "", 1, 1, NULL);
	memset(m.label, 'a', sizeof(m.label));
	is_int(agent_app_parse(&m, len, &out), AGENT_APP_BAD_TEXT, "a label without its NUL: text");
	len = build(&m, "requests", "ok", 1, 1, "detail \xff\xfe end");
	is_int(agent_app_parse(&m, len, &out), AGENT_APP_BAD_TEXT, "a detail not UTF-8: text");
	len = build(&m, "requests", "ok", 1, 0, NULL);
	is_int(agent_app_parse(&m, len, &out), AGENT_APP_BAD_RANGE, "count 0: range");
	len = build(&m, "requests", "ok", 1, AGENT_APP_COUNT_MAX + 1, NULL);
	is_int(agent_app_parse(&m, len, &out), AGENT_APP_BAD_RANGE, "count 2^32 + 1: range");
	len = build(&m, "requests", "ok", AGENT_APP_VALUE_MAX, AGENT_APP_COUNT_MAX, NULL);
	is_int(agent_app_parse(&m, len, &out), AGENT_APP_OK, "2^53 ns x 2^32: taken");
	len = build(&m, "requests", "ok", AGENT_APP_VALUE_MAX + 1, 1, NULL);
	is_int(agent_app_parse(&m, len, &out), AGENT_APP_BAD_RANGE, "2^53 + 1 ns: range");

	/* the names table: 3 names at most, 2 per user, 10 ns of silence to be evicted */
	ok(agent_apps_init(&apps, 3, 2, 10, 5, bounds, 2, 2) == 0, "a table of 3 names");
	ok(agent_apps_get(&apps, "a", 1000, 1) != NULL, "user 1000: a");
	ok(agent_apps_get(&apps, "b", 1000, 2) != NULL, "user 1000: b");
	ok(agent_apps_get(&apps, "c", 1000, 3) == NULL && apps.quota == 1,
	   "user 1000's third name: refused, counted as quota");
	ok(agent_apps_get(&apps, "a", 1000, 4) != NULL, "its known names still work");
	ok(agent_apps_get(&apps, "x", 0, 5) != NULL, "another user gets a name");
	ok(agent_apps_get(&apps, "y", 0, 6) == NULL && apps.overflow == 1,
	   "full, nothing silent for 10 ns: overflow");
	ok(agent_apps_get(&apps, "y", 0, 13) != NULL && apps.evicted == 1,
	   "b silent since 2 (11 ns at 13): evicted for y");
	ok(agent_apps_of_user(&apps, 1000) == 1 && agent_apps_of_user(&apps, 0) == 2,
	   "user 1000 holds 1 name, user 0 holds 2");
	{
		struct agent_app *big = agent_apps_get(&apps, "a", 1000, 14);
		struct agent_series *s = agent_family_get(&big->fam, "x");

		agent_series_record(s, 14, AGENT_APP_VALUE_MAX, 4096);
		ok(s->sum_ns == (unsigned __int128)1 << 65,
		   "a series' sum holds 2^65 ns (no wrap)");
	}
	{
		int written = 0;

		/* 2 a second, a burst of 20: 25 events at once, 20 lines; 1 s later, 2 more */
		for (int i = 0; i < 25; i++) {
			written += agent_apps_event_allowed(&apps, 1000, 1000000000ULL);
		}
		is_int(written, 20, "events at once: a burst of 10 s of app_events_per_user (2)");
		is_int((int)apps.event_lines_dropped, 5, "the rest are counted");
		written = 0;
		for (int i = 0; i < 5; i++) {
			written += agent_apps_event_allowed(&apps, 1000, 2000000000ULL);
		}
		is_int(written, 2, "a second later: 2 more");
		ok(agent_apps_event_allowed(&apps, 0, 2000000000ULL), "another user has its own");
	}
	agent_apps_fini(&apps);

	/* liblatscope's client cuts a long label at a character's start */
	{
		struct sockaddr_un addr = {.sun_family = AF_UNIX};
		struct lat_agent_client *client;
		char label[64], path[64];
		int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		ssize_t got;

		snprintf(path, sizeof(path), "/tmp/latscope-agent-app-%d.sock", (int)getpid());
		snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
		unlink(path);
		ok(fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0, "a socket");
		/* 46 ASCII bytes then "é" (2 bytes): the 47-byte cut falls inside it */
		memset(label, 'a', 46);
		strcpy(label + 46, "\xc3\xa9");
		ok(lat_agent_client_open(path, &client) == 0 &&
		       lat_agent_client_sample(client, "requests", label, 1000, 1) == 0,
		   "a sample with a 48-byte label is sent");
		got = recv(fd, &m, sizeof(m), 0);
		is_int(agent_app_parse(&m, got > 0 ? (size_t)got : 0, &out), AGENT_APP_OK,
		       "the agent takes it (the label cut before the 2-byte character)");
		is_int((int)strlen(out.label), 46, "46 bytes of it");
		lat_agent_client_close(client);
		close(fd);
		unlink(path);
	}
	return tap_done_testing();
}
