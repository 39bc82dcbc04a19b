/* agent.h: liblatscope's client of `latscope agent`: an application sends its latency samples and
 * its over-threshold events to the machine's agent, which exports them (Prometheus, Graphite). */
#ifndef LATSCOPE_AGENT_H
#define LATSCOPE_AGENT_H

/*
 * Transport: one unix datagram (struct lat_agent_msg) per sample or event, sent without blocking
 * to the agent's application socket (default LAT_AGENT_APP_SOCKET). When the agent is not running
 * or its socket buffer is full, the message is dropped and counted (lat_agent_client_dropped());
 * the application never waits for the agent. The agent counts the messages it could not decode,
 * and refuses (counted by reason) a label or detail that is not UTF-8 or holds control characters
 * (a detail may hold tabs and newlines), a count of 0 or above 2^32, a value above 2^53 ns, and a
 * new name past its sending user's quota (the agent's app_names_per_user).
 *
 * Thread safety: every function but lat_agent_client_close() may be called from any thread at
 * the same time (one sendto() a message). Cost: one system call a message (about 1-2 µs).
 *
 * Errors: 0 or a negative errno; never prints, never exits.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef LAT_API
#define LAT_API __attribute__((visibility("default")))
#endif

#define LAT_AGENT_APP_SOCKET "/run/latscope/apps.sock"

#define LAT_AGENT_MSG_MAGIC   0x4d54414cu /* "LATM" little endian */
#define LAT_AGENT_MSG_VERSION 1

enum lat_agent_msg_kind {
	LAT_AGENT_MSG_SAMPLE = 1, /* count samples of value_ns: feeds the histograms */
	LAT_AGENT_MSG_EVENT = 2,  /* one over-threshold event: a JSON line, and a sample too */
};

#define LAT_AGENT_NAME_LEN   32
#define LAT_AGENT_LABEL_LEN  48
#define LAT_AGENT_DETAIL_LEN 384

/* The datagram, in the sender's byte order (the agent is on the same machine). */
struct lat_agent_msg {
	uint32_t magic;
	uint16_t version;
	uint16_t kind;
	uint32_t pid;
	uint32_t tid;
	uint64_t value_ns;
	uint64_t count;
	char name[LAT_AGENT_NAME_LEN];     /* what is measured: "requests"; [A-Za-z0-9_] */
	char label[LAT_AGENT_LABEL_LEN];   /* one label value: "/api/users", "" for none */
	char detail[LAT_AGENT_DETAIL_LEN]; /* events: free text (request id, stack), "" for none */
};

struct lat_agent_client;

/*
 * Opens a client for the agent's socket at path (NULL: LAT_AGENT_APP_SOCKET). The agent does not
 * need to be running yet. -EINVAL for an empty or too long path.
 */
LAT_API int lat_agent_client_open(const char *path, struct lat_agent_client **out);
LAT_API void lat_agent_client_close(struct lat_agent_client *client);

/*
 * Sends count samples of value_ns for name (1 to 31 characters of [A-Za-z0-9_], else -EINVAL)
 * and label (may be NULL; cut at 47 bytes, at a character's start). -EAGAIN when the agent is not
 * there or is full (the sample is counted as dropped).
 */
LAT_API int lat_agent_client_sample(struct lat_agent_client *client, const char *name,
				    const char *label, uint64_t value_ns, uint64_t count);
/* Sends one over-threshold event (detail may be NULL; cut at 383 bytes, at a character's start). */
LAT_API int lat_agent_client_event(struct lat_agent_client *client, const char *name,
				   const char *label, uint64_t delay_ns, const char *detail);
/* Messages sent, and dropped because the agent was not there or full. */
LAT_API void lat_agent_client_counters(struct lat_agent_client *client, uint64_t *sent,
				       uint64_t *dropped);

#ifdef __cplusplus
}
#endif

#endif /* LATSCOPE_AGENT_H */
