/* app.h: what the agent takes from applications (liblatscope's datagrams): the checks every
 * message passes before it can reach an export (sizes, charset, UTF-8, ranges), and the bounded
 * table of application names (a quota per sending user, idle names evicted). No I/O here. */
#ifndef LATSCOPE_AGENT_APP_H
#define LATSCOPE_AGENT_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "latscope/agent.h"
#include "metrics.h"

/* The largest sample value taken (2^53 ns, 104 days) and count per message. */
#define AGENT_APP_VALUE_MAX (1ULL << 53)
#define AGENT_APP_COUNT_MAX (1ULL << 32)

/* Why a datagram was refused (latscope_app_bad_messages_total{reason}). */
enum agent_app_bad {
	AGENT_APP_OK = 0,
	AGENT_APP_BAD_SIZE,   /* shorter than the header, or a detail without its NUL */
	AGENT_APP_BAD_HEADER, /* magic, version or kind */
	AGENT_APP_BAD_NAME,   /* not 1-31 characters of [A-Za-z0-9_] */
	AGENT_APP_BAD_TEXT,   /* label or detail not UTF-8, or with control characters */
	AGENT_APP_BAD_RANGE,  /* count 0 or above 2^32, value above 2^53 ns */
	AGENT_APP_BAD_COUNT_,
};

const char *agent_app_bad_name(enum agent_app_bad reason);

/*
 * True when text[0..len) is UTF-8 (shortest forms, no surrogates, at most U+10FFFF) without C0
 * controls or DEL; with allow_space_controls, tab and newline are allowed (a detail's lines).
 */
bool agent_text_valid(const char *text, size_t len, bool allow_space_controls);

/*
 * Checks one datagram of len bytes and copies it into out (every string NUL-terminated, the
 * unused tail zero). Returns AGENT_APP_OK or the reason it is refused. Pure: no I/O, no state.
 */
enum agent_app_bad agent_app_parse(const void *buf, size_t len, struct lat_agent_msg *out);

/* One application (a name sent by liblatscope clients). */
struct agent_app {
	char name[LAT_AGENT_NAME_LEN];
	uint32_t uid;            /* the user who sent its first message (its quota is charged) */
	uint64_t last_ns;        /* its last message */
	struct agent_family fam; /* its samples by label */
	uint64_t events;         /* over-threshold events received */
};

/* The event lines a user may have written (a token bucket: events_per_user a second, a burst of
 * 10 seconds' worth): a flood of events cannot fill the disk under events.jsonl. */
#define AGENT_APP_USERS_MAX 64

struct agent_app_user {
	uint32_t uid;
	double tokens;
	uint64_t last_ns;
};

struct agent_apps {
	struct agent_app **v;
	int n;
	int cap;             /* app_names */
	int per_user;        /* app_names_per_user */
	uint64_t idle_ns;    /* app_idle: a name silent that long may make room for a new one */
	int top_labels;      /* of each application's family */
	int events_per_user; /* app_events_per_user: event lines a second per user */
	struct agent_app_user users[AGENT_APP_USERS_MAX]; /* the last one is shared when full */
	int nusers;
	const uint64_t *bounds_ns;
	int nbounds;
	/* counters */
	uint64_t ok, bad[AGENT_APP_BAD_COUNT_], overflow, quota, evicted;
	uint64_t event_lines_dropped; /* events past their user's rate (sample kept, no line) */
};

int agent_apps_init(struct agent_apps *t, int cap, int per_user, uint64_t idle_ns, int top_labels,
		    const uint64_t *bounds_ns, int nbounds, int events_per_user);
void agent_apps_fini(struct agent_apps *t);

/*
 * The application called name, for a message from uid at now_ns: an existing one, else a new
 * one when uid is under its quota and there is room (the longest silent name past idle_ns is
 * evicted to make room). NULL with the refusal counted (quota, overflow) or on ENOMEM (overflow).
 */
struct agent_app *agent_apps_get(struct agent_apps *t, const char *name, uint32_t uid,
				 uint64_t now_ns);

/*
 * Whether uid may have one more event line written at now_ns (app_events_per_user a second, a
 * burst of 10 s of them); counts the refusal in event_lines_dropped.
 */
bool agent_apps_event_allowed(struct agent_apps *t, uint32_t uid, uint64_t now_ns);

/* How many names uid holds. */
int agent_apps_of_user(const struct agent_apps *t, uint32_t uid);

#endif /* LATSCOPE_AGENT_APP_H */
