/* app.c: the checks on application datagrams and the bounded table of application names (see
 * app.h). */
#include "app.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *agent_app_bad_name(enum agent_app_bad reason)
{
	static const char *const names[AGENT_APP_BAD_COUNT_] = {
	    [AGENT_APP_OK] = "ok",
	    [AGENT_APP_BAD_SIZE] = "size",
	    [AGENT_APP_BAD_HEADER] = "header",
	    [AGENT_APP_BAD_NAME] = "name",
	    [AGENT_APP_BAD_TEXT] = "text",
	    [AGENT_APP_BAD_RANGE] = "range",
	};

	return (unsigned)reason < AGENT_APP_BAD_COUNT_ ? names[reason] : "?";
}

bool agent_text_valid(const char *text, size_t len, bool allow_space_controls)
{
	const unsigned char *p = (const unsigned char *)text, *end = p + len;

	while (p < end) {
		unsigned char c = *p;
		uint32_t cp;
		int more;

		if (c < 0x80) {
			if ((c < 0x20 && !(allow_space_controls && (c == '\t' || c == '\n'))) ||
			    c == 0x7f) {
				return false;
			}
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			more = 1, cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			more = 2, cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3, cp = c & 0x07;
		} else {
			return false; /* a continuation byte first, 0xc0/0xc1 (overlong), 0xf5+ */
		}
		if (end - p <= more) {
			return false;
		}
		for (int i = 1; i <= more; i++) {
			if ((p[i] & 0xc0) != 0x80) {
				return false;
			}
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((more == 2 && cp < 0x800) || (more == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff)) {
			return false; /* overlong, beyond Unicode, or a surrogate */
		}
		p += more + 1;
	}
	return true;
}

static bool valid_name(const char *name, size_t size)
{
	size_t n = 0;

	for (; n < size && name[n]; n++) {
		char c = name[n];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_')) {
			return false;
		}
	}
	return n > 0 && n < size;
}

enum agent_app_bad agent_app_parse(const void *buf, size_t len, struct lat_agent_msg *out)
{
	const size_t fixed = offsetof(struct lat_agent_msg, detail);
	const char *detail_end;
	size_t label_len;

	memset(out, 0, sizeof(*out));
	if (len < fixed + 1 || len > sizeof(*out)) {
		return AGENT_APP_BAD_SIZE;
	}
	memcpy(out, buf, len);
	detail_end = memchr(out->detail, '\0', len - fixed);
	if (!detail_end) {
		return AGENT_APP_BAD_SIZE;
	}
	if (out->magic != LAT_AGENT_MSG_MAGIC || out->version != LAT_AGENT_MSG_VERSION ||
	    (out->kind != LAT_AGENT_MSG_SAMPLE && out->kind != LAT_AGENT_MSG_EVENT)) {
		return AGENT_APP_BAD_HEADER;
	}
	if (!valid_name(out->name, sizeof(out->name))) {
		return AGENT_APP_BAD_NAME;
	}
	label_len = strnlen(out->label, sizeof(out->label));
	if (label_len == sizeof(out->label) || !agent_text_valid(out->label, label_len, false) ||
	    !agent_text_valid(out->detail, (size_t)(detail_end - out->detail), true)) {
		return AGENT_APP_BAD_TEXT;
	}
	if (!out->count || out->count > AGENT_APP_COUNT_MAX ||
	    out->value_ns > AGENT_APP_VALUE_MAX) {
		return AGENT_APP_BAD_RANGE;
	}
	/* what follows a string's NUL is never read again: zero it (no stale bytes anywhere) */
	memset(out->name + strlen(out->name), 0, sizeof(out->name) - strlen(out->name));
	memset(out->label + label_len, 0, sizeof(out->label) - label_len);
	return AGENT_APP_OK;
}

int agent_apps_init(struct agent_apps *t, int cap, int per_user, uint64_t idle_ns, int top_labels,
		    const uint64_t *bounds_ns, int nbounds, int events_per_user)
{
	memset(t, 0, sizeof(*t));
	t->v = calloc((size_t)cap, sizeof(*t->v));
	if (!t->v) {
		return -ENOMEM;
	}
	t->cap = cap;
	t->per_user = per_user;
	t->idle_ns = idle_ns;
	t->top_labels = top_labels;
	t->bounds_ns = bounds_ns;
	t->nbounds = nbounds;
	t->events_per_user = events_per_user;
	return 0;
}

static void app_free(struct agent_app *app)
{
	agent_family_fini(&app->fam);
	free(app);
}

void agent_apps_fini(struct agent_apps *t)
{
	for (int i = 0; i < t->n; i++) {
		app_free(t->v[i]);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

bool agent_apps_event_allowed(struct agent_apps *t, uint32_t uid, uint64_t now_ns)
{
	double burst = (double)t->events_per_user * 10;
	struct agent_app_user *u = NULL;

	for (int i = 0; i < t->nusers && !u; i++) {
		if (t->users[i].uid == uid) {
			u = &t->users[i];
		}
	}
	if (!u) {
		/* a new user; when the table is full, the newcomers share its last bucket */
		u = &t->users[t->nusers < AGENT_APP_USERS_MAX ? t->nusers++
							      : AGENT_APP_USERS_MAX - 1];
		if (u->last_ns == 0) {
			u->uid = uid;
			u->tokens = burst;
			u->last_ns = now_ns;
		}
	}
	if (now_ns > u->last_ns) {
		u->tokens += (double)(now_ns - u->last_ns) / 1e9 * t->events_per_user;
		if (u->tokens > burst) {
			u->tokens = burst;
		}
	}
	u->last_ns = now_ns > u->last_ns ? now_ns : u->last_ns;
	if (u->tokens < 1) {
		t->event_lines_dropped++;
		return false;
	}
	u->tokens -= 1;
	return true;
}

int agent_apps_of_user(const struct agent_apps *t, uint32_t uid)
{
	int n = 0;

	for (int i = 0; i < t->n; i++) {
		n += t->v[i]->uid == uid;
	}
	return n;
}

struct agent_app *agent_apps_get(struct agent_apps *t, const char *name, uint32_t uid,
				 uint64_t now_ns)
{
	struct agent_app *app;

	for (int i = 0; i < t->n; i++) {
		if (!strcmp(t->v[i]->name, name)) {
			t->v[i]->last_ns = now_ns;
			return t->v[i];
		}
	}
	if (agent_apps_of_user(t, uid) >= t->per_user) {
		t->quota++;
		return NULL;
	}
	if (t->n == t->cap) {
		int idlest = -1;

		for (int i = 0; i < t->n; i++) {
			if (now_ns - t->v[i]->last_ns >= t->idle_ns &&
			    (idlest < 0 || t->v[i]->last_ns < t->v[idlest]->last_ns)) {
				idlest = i;
			}
		}
		if (idlest < 0) {
			t->overflow++;
			return NULL;
		}
		app_free(t->v[idlest]);
		t->v[idlest] = t->v[--t->n];
		t->evicted++;
	}
	app = calloc(1, sizeof(*app));
	if (!app || agent_family_init(&app->fam, name, t->top_labels, t->bounds_ns, t->nbounds)) {
		free(app);
		t->overflow++;
		return NULL;
	}
	snprintf(app->name, sizeof(app->name), "%s", name);
	app->uid = uid;
	app->last_ns = now_ns;
	t->v[t->n++] = app;
	return app;
}
