/* config.h: the agent's configuration: its file format (docs/agent.md), the built-in default,
 * and the checks that refuse a bad file with FILE:LINE: reason. */
#ifndef LATSCOPE_AGENT_CONFIG_H
#define LATSCOPE_AGENT_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AGENT_TRACKERS_MAX 16
#define AGENT_BUCKETS_MAX  40

struct agent_tracker_conf {
	char name[32];
	bool enabled;
	bool threshold_set, timeout_set;
	uint64_t threshold_ns, timeout_ns;
};

struct agent_config {
	char source[PATH_MAX]; /* the file read, or "(built-in)" */
	char listen[128];      /* ADDR:PORT, [IPv6]:PORT; "off": no HTTP */
	char control_socket[108];
	char app_socket[108];      /* "off": no applications */
	char graphite[128];        /* HOST:PORT of carbon, "" for none */
	char graphite_prefix[128]; /* "latscope.<hostname>" by default */
	uint64_t graphite_interval_ns;
	char events[PATH_MAX]; /* JSON lines of over-threshold events: a file, "-" (stdout), "" */
	int top_labels;        /* label values kept by name per tracker or app; the rest: other */
	uint64_t buckets_ns[AGENT_BUCKETS_MAX]; /* `le` bounds of the label and app histograms */
	int nbuckets;
	double profile_factor; /* last minute's p99 above factor x the last hour's: an event */
	uint64_t profile_min_samples;
	bool stacks;             /* kernel and user stacks in events */
	int app_names;           /* application names kept at once */
	int app_names_per_user;  /* of which one sending user may hold */
	uint64_t app_idle_ns;    /* a name silent that long may be evicted for a new one */
	int app_events_per_user; /* event lines a second one user's applications may write */
	struct agent_tracker_conf trackers[AGENT_TRACKERS_MAX];
	int ntrackers;
};

/* The built-in default: syscall, wakeup, offcpu, block and irq; /metrics on 127.0.0.1:9465. */
void agent_config_default(struct agent_config *cfg);

/*
 * Reads path into cfg (starting from the default). Returns 0, or -EINVAL (or -errno for a file
 * that cannot be read) with "PATH:LINE: reason" in why.
 */
int agent_config_load(const char *path, struct agent_config *cfg, char *why, size_t why_len);

/*
 * Parses the text of a configuration file (len bytes, NULs refused; source names it in errors)
 * into cfg, starting from the default. Pure: no I/O. Returns 0 or -EINVAL with
 * "SOURCE:LINE: reason" in why.
 */
int agent_config_parse(const char *text, size_t len, const char *source, struct agent_config *cfg,
		       char *why, size_t why_len);

/* Checks ADDR:PORT; fills the parts. Returns 0 or -EINVAL. */
int agent_parse_hostport(const char *text, char *host, size_t host_len, uint16_t *port);

/*
 * Checks a listen address as the agent binds it: a numeric IPv4 address or [IPv6] and a port.
 * Fills sa (a struct sockaddr_in or sockaddr_in6, at most sa_size bytes; may be NULL). Returns 0,
 * or -EINVAL with the reason in why.
 */
int agent_parse_listen(const char *text, void *sa, size_t sa_size, char *why, size_t why_len);

#endif /* LATSCOPE_AGENT_CONFIG_H */
