/* ctl_parse.c: the agent's control request lines (see ctl_parse.h). */
#include "ctl_parse.h"

#include <stdio.h>
#include <string.h>

#include "util/units.h"

static void parse_item(struct agent_ctl_item *it, char *word, bool is_set)
{
	char *eq = is_set ? strchr(word, '=') : NULL;
	const char *dot;

	memset(it, 0, sizeof(*it));
	it->key = word;
	if (is_set && !eq) {
		it->error = AGENT_CTL_E_KEY;
		return;
	}
	if (eq) {
		*eq = '\0';
		it->value = eq + 1;
	}
	dot = strchr(word, '.');
	if (!dot) {
		it->error = AGENT_CTL_E_KEY;
		return;
	}
	it->tracker_len = (size_t)(dot - word);
	it->setting = dot + 1;
	if (!strcmp(it->setting, "threshold")) {
		it->kind = AGENT_CTL_THRESHOLD;
	} else if (!strcmp(it->setting, "timeout")) {
		it->kind = AGENT_CTL_TIMEOUT;
	} else if (!strcmp(it->setting, "enabled")) {
		it->kind = AGENT_CTL_ENABLED;
	} else {
		it->error = AGENT_CTL_E_SETTING;
		return;
	}
	if (!is_set) {
		return;
	}
	if (it->kind == AGENT_CTL_ENABLED) {
		if (strcmp(it->value, "0") && strcmp(it->value, "1")) {
			it->error = AGENT_CTL_E_BOOL;
		}
		it->on = it->value[0] == '1';
	} else if (lat_parse_duration(it->value, 1, &it->ns) != 0) {
		it->error = AGENT_CTL_E_DURATION;
	}
}

void agent_ctl_parse(const char *line, struct agent_ctl_req *req)
{
	static const struct {
		const char *name;
		enum agent_ctl_verb verb;
	} verbs[] = {
	    {"status", AGENT_CTL_STATUS}, {"top", AGENT_CTL_TOP}, {"windows", AGENT_CTL_WINDOWS},
	    {"get", AGENT_CTL_GET},       {"set", AGENT_CTL_SET},
	};
	char *save = NULL, *word;

	snprintf(req->text, sizeof(req->text), "%s", line);
	req->n = 0;
	req->verb = AGENT_CTL_EMPTY;
	req->verb_text = strtok_r(req->text, " \t", &save);
	if (!req->verb_text) {
		return;
	}
	req->verb = AGENT_CTL_UNKNOWN;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (!strcmp(verbs[i].name, req->verb_text)) {
			req->verb = verbs[i].verb;
		}
	}
	if (req->verb != AGENT_CTL_GET && req->verb != AGENT_CTL_SET) {
		return;
	}
	while (req->n < AGENT_CTL_ITEMS_MAX && (word = strtok_r(NULL, " \t", &save))) {
		parse_item(&req->items[req->n++], word, req->verb == AGENT_CTL_SET);
	}
}
