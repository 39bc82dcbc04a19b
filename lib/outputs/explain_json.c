/* explain_json.c: `latscope explain --json`: the event, its summary and nested breakdown. */
#include "outputs/explain_json.h"

#include <inttypes.h>

#include "outputs/explain_text.h"
#include "outputs/lami.h"

static void print_item(FILE *out, const struct lat_explanation *e, const struct lat_xp_item *it)
{
	char detail[1024];

	fprintf(out, "{\"state\": \"%s\", \"on\": ", lat_xp_state_name(it->state));
	if (it->state == LAT_XP_BLOCKED) {
		fprintf(out, "\"%s\"", lat_xp_on_name(it->on));
	} else {
		fputs("null", out);
	}
	fprintf(out, ", \"ns\": %" PRId64 ", \"tasks\": [", it->ns);
	for (size_t i = 0; i < it->ntasks; i++) {
		fprintf(out, "%s{\"tid\": %d, \"comm\": ", i ? ", " : "", it->tasks[i].tid);
		lat_json_string(out, it->tasks[i].comm);
		fprintf(out, ", \"ns\": %" PRId64, it->tasks[i].ns);
		if (it->state == LAT_XP_PREEMPTED) {
			fprintf(out, ", \"irq_ns\": %" PRId64, it->tasks[i].irq_ns);
		}
		fputs("}", out);
	}
	lat_xp_detail(e, it, detail, sizeof(detail));
	fputs("], \"detail\": ", out);
	lat_json_string(out, detail);
	fputs(", \"breakdown\": [", out);
	for (size_t i = 0; i < it->nchildren; i++) {
		fputs(i ? ", " : "", out);
		print_item(out, e, &it->children[i]);
	}
	fprintf(out, "], \"tid\": %d, \"comm\": ", it->tid);
	lat_json_string(out, it->comm);
	fprintf(out, ", \"count\": %u, \"syscalls\": [", it->count);
	for (size_t i = 0; i < it->nsyscalls; i++) {
		fputs(i ? ", {\"name\": " : "{\"name\": ", out);
		lat_json_string(out, it->syscalls[i].name);
		fprintf(out, ", \"ns\": %" PRId64 ", \"count\": %u}", it->syscalls[i].ns,
			it->syscalls[i].count);
	}
	fputs("]", out);
	switch (it->state) {
	case LAT_XP_RUNNING:
		fprintf(out, ", \"user_ns\": %" PRId64 ", \"kernel_ns\": %" PRId64 ", \"cpu\": %d",
			it->user_ns, it->kernel_ns, it->cpu);
		break;
	case LAT_XP_PREEMPTED:
		fprintf(out, ", \"cpu\": %d, \"idle_ns\": %" PRId64 ", \"irq_ns\": %" PRId64,
			it->cpu, it->idle_ns, it->irq_ns);
		break;
	case LAT_XP_IRQ:
		fprintf(out, ", \"cpu\": %d, \"irq\": %d, \"irq_name\": ", it->cpu, it->irq);
		lat_json_string(out, it->irq_name);
		break;
	default:
		fprintf(out, ", \"fd\": %" PRId64 ", \"file\": ", it->fd);
		lat_json_string(out, it->file);
		fprintf(out, ", \"timeout_ns\": %" PRId64 ", \"timed_out\": %s", it->timeout_ns,
			it->timed_out ? "true" : "false");
		if (it->on == LAT_XP_ON_DISK) {
			fputs(", \"device\": ", out);
			lat_json_string(out, it->device);
			fprintf(out,
				", \"requests\": %u, \"bytes\": %" PRIu64 ", \"queue_ns\": %" PRId64
				", \"service_ns\": %" PRId64,
				it->requests, it->bytes, it->queue_ns, it->service_ns);
		}
		if (it->on == LAT_XP_ON_NETWORK) {
			fputs(", \"netif\": ", out);
			lat_json_string(out, it->netif);
			fputs(", \"peer\": ", out);
			if (it->peer[0]) {
				lat_json_string(out, it->peer);
			} else {
				fputs("null", out);
			}
		}
		if (it->why) {
			static const char *const whys[] = {"",         "untraced", "no_wakeup",
							   "not_seen", "irq",      "no_history"};

			fprintf(out, ", \"why\": \"%s\"", whys[it->why < 6 ? it->why : 0]);
		}
		break;
	}
	fputs("}", out);
}

void lat_xp_print_json(FILE *out, const struct lat_explanation *e, const char *trace,
		       uint64_t lost_events)
{
	char summary[4096], missing[512];

	fputs("{\"trace\": ", out);
	lat_json_string(out, trace);
	fprintf(out, ", \"event\": {\"tid\": %d, \"comm\": ", e->tid);
	lat_json_string(out, e->comm);
	fprintf(out,
		", \"begin_ns\": %" PRId64 ", \"end_ns\": %" PRId64 ", \"duration_ns\": %" PRId64
		", \"tracker\": ",
		e->begin, e->end, e->end - e->begin);
	if (e->tracker[0]) {
		lat_json_string(out, e->tracker);
	} else {
		fputs("null", out);
	}
	lat_xp_summary(e, summary, sizeof(summary));
	fputs("}, \"summary\": ", out);
	lat_json_string(out, summary);
	fprintf(out, ", \"lost_events\": %" PRIu64 ", \"depth\": %u, \"breakdown\": [", lost_events,
		e->depth);
	for (size_t i = 0; i < e->n; i++) {
		fputs(i ? ", " : "", out);
		print_item(out, e, &e->items[i]);
	}
	lat_xp_missing(e, missing, sizeof(missing));
	fprintf(out, "], \"io\": {\"requests\": %u, \"bytes\": %" PRIu64 ", \"device\": ",
		e->io_requests, e->io_bytes);
	lat_json_string(out, e->io_device ? e->io_device : "");
	fputs("}, \"missing\": ", out);
	lat_json_string(out, missing);
	fputs(", \"path\": [", out);
	for (size_t i = 0; i < e->path.n; i++) {
		const struct lat_cp_interval *iv = &e->path.intervals[i];

		fprintf(out,
			"%s{\"begin_ns\": %" PRId64 ", \"end_ns\": %" PRId64 ", \"tid\": %d, "
			"\"comm\": ",
			i ? ", " : "", iv->begin, iv->end, iv->tid);
		lat_json_string(out, iv->comm);
		fprintf(out,
			", \"depth\": %u, \"state\": \"%s\", \"cause\": \"%s\", \"other_tid\": %d}",
			iv->depth, lat_cp_state_name(iv->state), lat_cp_cause_name(iv->cause),
			iv->other_tid > 0 ? iv->other_tid : -1);
	}
	fputs("]}\n", out);
}
