/* agent_config.c: libFuzzer target for the agent's configuration parser (agent_config_parse():
 * KEY = VALUE lines, tracker lines, buckets, listen addresses, durations). Built with
 * agent/config.c included (it is not in the library); the tracker table is the library's
 * (lib/trackers/ktracker.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../agent/config.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct agent_config cfg;
	char why[1024];
	int err = agent_config_parse((const char *)data, size, "fuzz.conf", &cfg, why, sizeof(why));

	if (err) {
		/* refused: one line naming the source and the line */
		if (strncmp(why, "fuzz.conf:", 10) != 0 || strchr(why, '\n')) {
			abort();
		}
		return 0;
	}
	if (cfg.ntrackers < 0 || cfg.ntrackers > AGENT_TRACKERS_MAX || cfg.nbuckets < 1 ||
	    cfg.nbuckets > AGENT_BUCKETS_MAX || cfg.app_names < 1 || cfg.app_names_per_user < 1) {
		abort();
	}
	for (int i = 1; i < cfg.nbuckets; i++) {
		if (cfg.buckets_ns[i] <= cfg.buckets_ns[i - 1]) {
			abort();
		}
	}
	/* what --check accepts the running agent binds */
	if (strcmp(cfg.listen, "off") &&
	    agent_parse_listen(cfg.listen, NULL, 0, why, sizeof(why))) {
		abort();
	}
	return 0;
}
