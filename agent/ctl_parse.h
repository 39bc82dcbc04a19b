/* ctl_parse.h: the agent's control requests (`latscope ctl --socket`) parsed from one line: the
 * verb, and the TRACKER.SETTING[=VALUE] items with their values checked. Pure: no I/O, no agent
 * state (which trackers run is checked by the caller). */
#ifndef LATSCOPE_AGENT_CTL_PARSE_H
#define LATSCOPE_AGENT_CTL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/ctlsock.h"

enum agent_ctl_verb {
	AGENT_CTL_UNKNOWN,
	AGENT_CTL_EMPTY,
	AGENT_CTL_STATUS,
	AGENT_CTL_TOP,
	AGENT_CTL_WINDOWS,
	AGENT_CTL_GET,
	AGENT_CTL_SET,
};

enum agent_ctl_setting { AGENT_CTL_THRESHOLD, AGENT_CTL_TIMEOUT, AGENT_CTL_ENABLED };

/* Why an item is refused (reported by the caller once it knows the tracker runs). */
enum agent_ctl_error {
	AGENT_CTL_OK,
	AGENT_CTL_E_KEY,      /* not TRACKER.SETTING (set: or no '=') */
	AGENT_CTL_E_SETTING,  /* an unknown setting */
	AGENT_CTL_E_DURATION, /* threshold, timeout: not a duration */
	AGENT_CTL_E_BOOL,     /* enabled: not 0 or 1 */
};

struct agent_ctl_item {
	const char *key;     /* TRACKER.SETTING as given (set: without =VALUE) */
	const char *value;   /* set: the text after '=' (NULL for get) */
	size_t tracker_len;  /* key[0..tracker_len) is the tracker's name */
	const char *setting; /* after the dot */
	enum agent_ctl_setting kind;
	uint64_t ns; /* threshold, timeout */
	bool on;     /* enabled */
	enum agent_ctl_error error;
};

/* A line holds at most LAT_CTLSOCK_LINE_MAX bytes: items of 3 characters and a space at most. */
#define AGENT_CTL_ITEMS_MAX (LAT_CTLSOCK_LINE_MAX / 4)

struct agent_ctl_req {
	char text[LAT_CTLSOCK_LINE_MAX]; /* the line, cut into its words */
	enum agent_ctl_verb verb;
	const char *verb_text;
	int n;
	struct agent_ctl_item items[AGENT_CTL_ITEMS_MAX];
};

/* Parses line (NUL-terminated, without its end) into req. Never fails: errors are in req. */
void agent_ctl_parse(const char *line, struct agent_ctl_req *req);

#endif /* LATSCOPE_AGENT_CTL_PARSE_H */
