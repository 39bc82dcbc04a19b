/* agent_app.c: test workload: an application sending latency samples and events to latscope agent
 * through liblatscope's agent client (built in from lib/core/agent_client.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/core/agent_client.c"

int main(int argc, char **argv)
{
	struct lat_agent_client *client;
	uint64_t sent, dropped, value, count;
	const char *detail = NULL;
	int err;

	if (argc < 6) {
		fprintf(stderr, "usage: agent_app SOCKET NAME LABEL VALUE_NS COUNT [EVENT_DETAIL]\n"
				"  sends COUNT samples of VALUE_NS (one message each), or COUNT "
				"events with EVENT_DETAIL\n");
		return 2;
	}
	value = strtoull(argv[4], NULL, 10);
	count = strtoull(argv[5], NULL, 10);
	if (argc > 6) {
		detail = argv[6];
	}
	err = lat_agent_client_open(argv[1], &client);
	if (err) {
		fprintf(stderr, "agent_app: %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	for (uint64_t i = 0; i < count; i++) {
		/* a full socket is retried for up to 5 s (and counted dropped each time) */
		for (int tries = 0; tries < 5000; tries++) {
			err = detail
				  ? lat_agent_client_event(client, argv[2], argv[3], value, detail)
				  : lat_agent_client_sample(client, argv[2], argv[3], value, 1);
			if (err != -EAGAIN) {
				break;
			}
			usleep(1000);
		}
		if (err && err != -EAGAIN) {
			fprintf(stderr, "agent_app: %s\n", strerror(-err));
			return 1;
		}
	}
	lat_agent_client_counters(client, &sent, &dropped);
	printf("sent=%llu dropped=%llu\n", (unsigned long long)sent, (unsigned long long)dropped);
	lat_agent_client_close(client);
	return 0;
}
