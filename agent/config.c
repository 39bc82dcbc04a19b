/* config.c: the agent's configuration file: KEY = VALUE lines, `tracker = NAME [k=v...]`, checked
 * line by line (see docs/agent.md). */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trackers/ktracker.h"
#include "util/units.h"

static const char *const default_trackers[] = {"syscall", "wakeup", "offcpu", "block", "irq", NULL};

static const uint64_t default_buckets[] = {
    10000,     25000,      50000,      100000,     250000,      500000,    1000000,
    2500000,   5000000,    10000000,   25000000,   50000000,    100000000, 250000000,
    500000000, 1000000000, 2500000000, 5000000000, 10000000000,
};

static void add_tracker(struct agent_config *cfg, const char *name)
{
	struct agent_tracker_conf *t = &cfg->trackers[cfg->ntrackers++];

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->enabled = true;
}

void agent_config_default(struct agent_config *cfg)
{
	char host[64] = "localhost";

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->source, sizeof(cfg->source), "(built-in)");
	snprintf(cfg->listen, sizeof(cfg->listen), "127.0.0.1:9465");
	snprintf(cfg->control_socket, sizeof(cfg->control_socket), "%s",
		 "/run/latscope/agent.sock");
	snprintf(cfg->app_socket, sizeof(cfg->app_socket), "%s", "/run/latscope/apps.sock");
	gethostname(host, sizeof(host) - 1);
	for (char *p = host; *p; p++) {
		if (*p == '.') {
			*p = '\0'; /* the short name: a dot would add a Graphite level */
			break;
		}
	}
	snprintf(cfg->graphite_prefix, sizeof(cfg->graphite_prefix), "latscope.%s", host);
	cfg->graphite_interval_ns = 10000000000ULL;
	cfg->top_labels = 10;
	cfg->nbuckets = (int)(sizeof(default_buckets) / sizeof(default_buckets[0]));
	memcpy(cfg->buckets_ns, default_buckets, sizeof(default_buckets));
	cfg->profile_factor = 3;
	cfg->profile_min_samples = 100;
	cfg->stacks = true;
	cfg->app_names = 64;
	cfg->app_names_per_user = 16;
	cfg->app_idle_ns = 600000000000ULL; /* 10 min */
	cfg->app_events_per_user = 100;
	for (int i = 0; default_trackers[i]; i++) {
		add_tracker(cfg, default_trackers[i]);
	}
}

int agent_parse_hostport(const char *text, char *host, size_t host_len, uint16_t *port)
{
	const char *colon;
	char *end;
	unsigned long p;
	size_t hl;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':') {
			return -EINVAL;
		}
		hl = (size_t)(close - text - 1);
		text++;
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (!colon) {
			return -EINVAL;
		}
		hl = (size_t)(colon - text);
	}
	if (!hl || hl >= host_len) {
		return -EINVAL;
	}
	memcpy(host, text, hl);
	host[hl] = '\0';
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || p > 65535 || colon[1] == '-') {
		return -EINVAL;
	}
	*port = (uint16_t)p;
	return 0;
}

int agent_parse_listen(const char *text, void *sa, size_t sa_size, char *why, size_t why_len)
{
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
	struct sockaddr_in in4 = {.sin_family = AF_INET};
	char host[128];
	uint16_t port;

	if (agent_parse_hostport(text, host, sizeof(host), &port) != 0) {
		snprintf(why, why_len, "'%s' is not ADDRESS:PORT (127.0.0.1:9465, [::1]:9465)",
			 text);
		return -EINVAL;
	}
	if (text[0] != '[' && inet_pton(AF_INET, host, &in4.sin_addr) == 1) {
		in4.sin_port = htons(port);
		if (sa && sa_size >= sizeof(in4)) {
			memcpy(sa, &in4, sizeof(in4));
		}
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6.sin6_addr) == 1) {
		in6.sin6_port = htons(port);
		if (sa && sa_size >= sizeof(in6)) {
			memcpy(sa, &in6, sizeof(in6));
		}
		return 0;
	}
	snprintf(why, why_len, "'%s' is not a numeric IPv4 or IPv6 address (127.0.0.1, [::1])",
		 host);
	return -EINVAL;
}

struct parse_ctx {
	const char *path;
	int line;
	char *why;
	size_t why_len;
};

static int fail(struct parse_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parse_ctx *ctx, const char *fmt, ...)
{
	char reason[512];
	va_list args;

	va_start(args, fmt);
	vsnprintf(reason, sizeof(reason), fmt, args);
	va_end(args);
	snprintf(ctx->why, ctx->why_len, "%s:%d: %s", ctx->path, ctx->line, reason);
	return -EINVAL;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s)) {
		s++;
	}
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1])) {
		*--end = '\0';
	}
	return s;
}

static int parse_bool(const char *text, bool *out)
{
	if (!strcmp(text, "on") || !strcmp(text, "yes") || !strcmp(text, "true") ||
	    !strcmp(text, "1")) {
		*out = true;
		return 0;
	}
	if (!strcmp(text, "off") || !strcmp(text, "no") || !strcmp(text, "false") ||
	    !strcmp(text, "0")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

static int set_string(struct parse_ctx *ctx, const char *key, const char *value, char *dst,
		      size_t size)
{
	if (strlen(value) >= size) {
		return fail(ctx, "%s: too long (at most %zu bytes)", key, size - 1);
	}
	snprintf(dst, size, "%s", value);
	return 0;
}

/* tracker = NAME [threshold=DUR] [timeout=DUR] [enabled=on|off] */
static int parse_tracker(struct parse_ctx *ctx, struct agent_config *cfg, char *value,
			 bool *explicit_trackers)
{
	char *save = NULL, *name = strtok_r(value, " \t", &save), *opt;
	struct agent_tracker_conf *t = NULL;

	if (!name) {
		return fail(ctx, "tracker: which one? (tracker = NAME [threshold=DURATION] "
				 "[timeout=DURATION] [enabled=on|off])");
	}
	if (!lat_ktracker_find(name)) {
		return fail(ctx, "unknown tracker '%s'", name);
	}
	if (!*explicit_trackers) {
		cfg->ntrackers = 0; /* the first tracker line replaces the default list */
		*explicit_trackers = true;
	}
	for (int i = 0; i < cfg->ntrackers; i++) {
		if (!strcmp(cfg->trackers[i].name, name)) {
			return fail(ctx, "tracker '%s' is already configured", name);
		}
	}
	if (cfg->ntrackers == AGENT_TRACKERS_MAX) {
		return fail(ctx, "too many trackers");
	}
	add_tracker(cfg, name);
	t = &cfg->trackers[cfg->ntrackers - 1];
	while ((opt = strtok_r(NULL, " \t", &save))) {
		char *eq = strchr(opt, '=');

		if (!eq) {
			return fail(ctx, "tracker %s: '%s' is not KEY=VALUE", name, opt);
		}
		*eq = '\0';
		if (!strcmp(opt, "threshold") || !strcmp(opt, "timeout")) {
			uint64_t ns;

			if (lat_parse_duration(eq + 1, 1000000, &ns) != 0) {
				return fail(ctx,
					    "tracker %s: bad %s '%s' (a duration: 5ms, 250us...)",
					    name, opt, eq + 1);
			}
			if (opt[1] == 'h') {
				t->threshold_ns = ns;
				t->threshold_set = true;
			} else {
				t->timeout_ns = ns;
				t->timeout_set = true;
			}
		} else if (!strcmp(opt, "enabled")) {
			if (parse_bool(eq + 1, &t->enabled) != 0) {
				return fail(ctx, "tracker %s: enabled takes on or off, not '%s'",
					    name, eq + 1);
			}
		} else {
			return fail(ctx,
				    "tracker %s: unknown setting '%s' (threshold, timeout, "
				    "enabled)",
				    name, opt);
		}
	}
	return 0;
}

static int parse_buckets(struct parse_ctx *ctx, struct agent_config *cfg, char *value)
{
	char *save = NULL;
	int n = 0;

	for (char *tok = strtok_r(value, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		uint64_t ns;

		if (lat_parse_duration(tok, 1000000, &ns) != 0 || ns == 0) {
			return fail(ctx, "buckets: bad duration '%s'", tok);
		}
		if (n == AGENT_BUCKETS_MAX) {
			return fail(ctx, "buckets: at most %d bounds", AGENT_BUCKETS_MAX);
		}
		if (n && ns <= cfg->buckets_ns[n - 1]) {
			return fail(ctx, "buckets: bounds must increase ('%s')", tok);
		}
		cfg->buckets_ns[n++] = ns;
	}
	if (!n) {
		return fail(ctx, "buckets: at least one bound");
	}
	cfg->nbuckets = n;
	return 0;
}

static int parse_line(struct parse_ctx *ctx, struct agent_config *cfg, char *line,
		      bool *explicit_trackers)
{
	char *eq = strchr(line, '='), *key, *value;
	char host[128];
	uint16_t port;

	if (!eq) {
		return fail(ctx, "expected KEY = VALUE");
	}
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	if (!*key) {
		return fail(ctx, "a key is missing before '='");
	}
	if (!strcmp(key, "tracker")) {
		return parse_tracker(ctx, cfg, value, explicit_trackers);
	}
	if (!strcmp(key, "buckets")) {
		return parse_buckets(ctx, cfg, value);
	}
	if (!*value && strcmp(key, "graphite") && strcmp(key, "events")) {
		return fail(ctx, "%s: a value is missing", key);
	}
	if (!strcmp(key, "listen")) {
		char why[256];

		if (strcmp(value, "off") &&
		    agent_parse_hostport(value, host, sizeof(host), &port) != 0) {
			return fail(ctx,
				    "listen: '%s' is not ADDRESS:PORT (127.0.0.1:9465, "
				    "[::1]:9465) or off",
				    value);
		}
		/* what the running agent binds: --check refuses what it would refuse */
		if (strcmp(value, "off") && agent_parse_listen(value, NULL, 0, why, sizeof(why))) {
			return fail(ctx, "listen: %s", why);
		}
		return set_string(ctx, key, value, cfg->listen, sizeof(cfg->listen));
	}
	if (!strcmp(key, "app_names") || !strcmp(key, "app_names_per_user")) {
		char *end;
		long n = strtol(value, &end, 10);

		if (end == value || *end || n < 1 || n > 4096) {
			return fail(ctx, "%s: a number from 1 to 4096, not '%s'", key, value);
		}
		*(key[9] ? &cfg->app_names_per_user : &cfg->app_names) = (int)n;
		return 0;
	}
	if (!strcmp(key, "app_events_per_user")) {
		char *end;
		long n = strtol(value, &end, 10);

		if (end == value || *end || n < 1 || n > 1000000) {
			return fail(ctx, "%s: a number from 1 to 1000000, not '%s'", key, value);
		}
		cfg->app_events_per_user = (int)n;
		return 0;
	}
	if (!strcmp(key, "app_idle")) {
		if (lat_parse_duration(value, 1000000000ULL, &cfg->app_idle_ns) != 0 ||
		    cfg->app_idle_ns < 1000000000ULL) {
			return fail(ctx, "app_idle: '%s' is not a duration of 1s or more", value);
		}
		return 0;
	}
	if (!strcmp(key, "graphite")) {
		if (*value && agent_parse_hostport(value, host, sizeof(host), &port) != 0) {
			return fail(ctx, "graphite: '%s' is not HOST:PORT (127.0.0.1:2003)", value);
		}
		return set_string(ctx, key, value, cfg->graphite, sizeof(cfg->graphite));
	}
	if (!strcmp(key, "graphite_prefix")) {
		return set_string(ctx, key, value, cfg->graphite_prefix,
				  sizeof(cfg->graphite_prefix));
	}
	if (!strcmp(key, "graphite_interval")) {
		if (lat_parse_duration(value, 1000000000ULL, &cfg->graphite_interval_ns) != 0 ||
		    cfg->graphite_interval_ns < 1000000000ULL) {
			return fail(ctx, "graphite_interval: '%s' is not a duration of 1s or more",
				    value);
		}
		return 0;
	}
	if (!strcmp(key, "control_socket") || !strcmp(key, "app_socket")) {
		if (value[0] != '/' && strcmp(value, "off")) {
			return fail(ctx, "%s: an absolute path or off, not '%s'", key, value);
		}
		return set_string(ctx, key, value,
				  key[0] == 'c' ? cfg->control_socket : cfg->app_socket,
				  sizeof(cfg->app_socket));
	}
	if (!strcmp(key, "events")) {
		return set_string(ctx, key, value, cfg->events, sizeof(cfg->events));
	}
	if (!strcmp(key, "top_labels")) {
		char *end;
		long n = strtol(value, &end, 10);

		if (end == value || *end || n < 0 || n > 1000) {
			return fail(ctx, "top_labels: a number from 0 to 1000, not '%s'", value);
		}
		cfg->top_labels = (int)n;
		return 0;
	}
	if (!strcmp(key, "profile_change")) {
		char *end;
		double f = strtod(value, &end);

		if (end == value || (*end && strcmp(end, "x")) || !(f > 1) || f > 1000) {
			return fail(ctx, "profile_change: a factor above 1 (3, 3x), not '%s'",
				    value);
		}
		cfg->profile_factor = f;
		return 0;
	}
	if (!strcmp(key, "profile_min_samples")) {
		char *end;
		unsigned long long n = strtoull(value, &end, 10);

		if (end == value || *end || value[0] == '-') {
			return fail(ctx, "profile_min_samples: a number, not '%s'", value);
		}
		cfg->profile_min_samples = n;
		return 0;
	}
	if (!strcmp(key, "stacks")) {
		if (parse_bool(value, &cfg->stacks) != 0) {
			return fail(ctx, "stacks: on or off, not '%s'", value);
		}
		return 0;
	}
	return fail(ctx, "unknown key '%s'", key);
}

int agent_config_parse(const char *text, size_t len, const char *source, struct agent_config *cfg,
		       char *why, size_t why_len)
{
	struct parse_ctx ctx = {.path = source, .why = why, .why_len = why_len};
	bool explicit_trackers = false;
	char *copy, *line, *next;
	int err = 0;

	agent_config_default(cfg);
	snprintf(cfg->source, sizeof(cfg->source), "%s", source);
	copy = malloc(len + 1);
	if (!copy) {
		snprintf(why, why_len, "%s: out of memory", source);
		return -ENOMEM;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	for (line = copy; line && line < copy + len; line = next) {
		char *eol = memchr(line, '\n', (size_t)(copy + len - line)), *hash, *body;

		next = eol ? eol + 1 : NULL;
		if (eol) {
			*eol = '\0';
		}
		ctx.line++;
		if (strlen(line) != (size_t)((eol ? eol : copy + len) - line)) {
			err = fail(&ctx, "a NUL byte (not a text file?)");
			break;
		}
		hash = strchr(line, '#');
		if (hash) {
			*hash = '\0';
		}
		body = trim(line);
		if (!*body) {
			continue;
		}
		err = parse_line(&ctx, cfg, body, &explicit_trackers);
		if (err) {
			break;
		}
	}
	free(copy);
	return err;
}

#define CONFIG_SIZE_MAX (1 << 20)

int agent_config_load(const char *path, struct agent_config *cfg, char *why, size_t why_len)
{
	char *text = malloc(CONFIG_SIZE_MAX + 1);
	size_t len;
	int err;
	FILE *in;

	if (!text) {
		snprintf(why, why_len, "%s: out of memory", path);
		return -ENOMEM;
	}
	in = fopen(path, "re");
	if (!in) {
		err = -errno;
		snprintf(why, why_len, "%s: %s", path, strerror(errno));
		free(text);
		return err;
	}
	len = fread(text, 1, CONFIG_SIZE_MAX + 1, in);
	if (ferror(in)) {
		snprintf(why, why_len, "%s: read error", path);
		err = -EIO;
	} else if (len > CONFIG_SIZE_MAX) {
		snprintf(why, why_len, "%s: larger than %d bytes (not a configuration?)", path,
			 CONFIG_SIZE_MAX);
		err = -EINVAL;
	} else {
		err = agent_config_parse(text, len, path, cfg, why, why_len);
	}
	fclose(in);
	free(text);
	return err;
}
