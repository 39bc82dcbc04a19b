/* sync.c: `latscope sync`: the clock corrections that put traces of several hosts on one timeline.
 */
#include "analyses/sync.h"
#include "cli.h"
#include "util/json.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_SYNC_TRACES 64

static void print_help(void)
{
	printf(
	    "Usage: latscope sync [OPTIONS] TRACE TRACE...\n"
	    "       latscope sync [OPTIONS] FOLDER   (every host's trace under FOLDER)\n\n"
	    "Finds the clock correction of each trace relative to a reference trace from the TCP\n"
	    "packets the hosts exchanged (inet_sock_local_out matched with inet_sock_local_in by\n"
	    "seq, ack_seq, flags and window), with the fully incremental convex hull method:\n"
	    "corrected = slope * t + offset_ns (t in ns since the epoch), and its accuracy (the\n"
	    "worst error over the trace of the estimate against every correction the packets\n"
	    "allow). Each TRACE is one host (a trace folder, or a session folder holding "
	    "kernel/).\n\n"
	    "  -r, --reference TRACE  the trace whose clock the others are put on (default: the "
	    "first)\n"
	    "  -j, --json             print {\"reference\": ..., \"transforms\": [...]} instead "
	    "of text\n"
	    "  -o, --output FILE      also write that JSON to FILE (for other tools)\n"
	    "  -w, --write DIR        write a corrected copy of every trace to DIR/NAME (NAME: "
	    "the\n"
	    "                         trace folder's name); any CTF reader then sees one timeline\n"
	    "  -h, --help             this help\n\n"
	    "Example: latscope sync -w /tmp/synced scp-sync/scp_src scp-sync/scp_dest\n");
}

struct trace {
	const char *arg;
	char real[PATH_MAX];
	struct lat_sync_trace_info info;
};

static void json_string(FILE *out, const char *s)
{
	lat_json_write_string(out, s, 0);
}

static void print_json(FILE *out, const struct trace *t, uint32_t n, uint32_t ref,
		       const struct lat_sync_transform *tr, const struct lat_sync_stats *st)
{
	bool first = true;

	fputs("{\"reference\": ", out);
	json_string(out, t[ref].arg);
	fputs(", \"reference_path\": ", out);
	json_string(out, t[ref].real);
	fputs(", \"reference_hostname\": ", out);
	json_string(out, t[ref].info.hostname);
	fputs(", \"transforms\": [", out);
	for (uint32_t i = 0; i < n; i++) {
		if (i == ref) {
			continue;
		}
		fputs(first ? "{" : ", {", out);
		first = false;
		fputs("\"trace\": ", out);
		json_string(out, t[i].arg);
		fputs(", \"path\": ", out);
		json_string(out, t[i].real);
		fputs(", \"hostname\": ", out);
		json_string(out, t[i].info.hostname);
		fprintf(out,
			", \"slope\": %.21Lg, \"offset_ns\": %.3Lf, \"accuracy_ns\": %.3f, "
			"\"accuracy_packets_ns\": %.3f, \"accuracy_exact\": %s, \"slope_min\": "
			"%.21Lg, \"slope_max\": %.21Lg, "
			"\"via\": ",
			tr[i].slope, tr[i].offset_ns, tr[i].accuracy_ns, tr[i].accuracy_packets_ns,
			tr[i].accuracy_exact ? "true" : "false", tr[i].slope_min, tr[i].slope_max);
		json_string(out, t[tr[i].via].arg);
		fprintf(out,
			", \"packets_sent\": %llu, \"packets_received\": %llu, \"hull_points\": "
			"[%u, %u], \"begin_ns\": %lld, \"end_ns\": %lld}",
			(unsigned long long)tr[i].sent, (unsigned long long)tr[i].received,
			tr[i].hull_below, tr[i].hull_above, (long long)t[i].info.begin,
			(long long)t[i].info.end);
	}
	fprintf(out,
		"], \"packets\": {\"sent\": %llu, \"received\": %llu, \"matched\": %llu, "
		"\"unmatched\": %llu}, \"check\": {\"packets\": %llu, \"received_before_sent\": "
		"%llu, \"min_delay_ns\": %.3f}}\n",
		(unsigned long long)st->sends, (unsigned long long)st->receives,
		(unsigned long long)st->matched, (unsigned long long)st->unmatched,
		(unsigned long long)st->checked, (unsigned long long)st->violations,
		isfinite(st->min_delay_ns) ? st->min_delay_ns : 0.0);
}

static const char *name_of(const struct trace *t)
{
	return t->info.hostname[0] ? t->info.hostname : "?";
}

static void print_text(const struct trace *t, uint32_t n, uint32_t ref,
		       const struct lat_sync_transform *tr, const struct lat_sync_stats *st)
{
	printf("Synchronization of %u traces by TCP packets: %llu sent, %llu received, %llu matched"
	       " (%llu receptions without a send in another trace)\n",
	       n, (unsigned long long)st->sends, (unsigned long long)st->receives,
	       (unsigned long long)st->matched, (unsigned long long)st->unmatched);
	printf("Reference: %s (host %s)\n", t[ref].arg, name_of(&t[ref]));
	for (uint32_t i = 0; i < n; i++) {
		if (i == ref) {
			continue;
		}
		printf("%s (host %s):\n", t[i].arg, name_of(&t[i]));
		printf("  t_%s = %.15Lf * t_%s %c %.3Lf ns\n", name_of(&t[ref]), tr[i].slope,
		       name_of(&t[i]), tr[i].offset_ns < 0 ? '-' : '+', fabsl(tr[i].offset_ns));
		printf("  accuracy: +-%.3f us over the trace%s, +-%.3f us while packets were "
		       "exchanged; drift %+.3Lf ppm (feasible slopes "
		       "%.12Lf..%.12Lf)\n",
		       tr[i].accuracy_ns / 1000, tr[i].accuracy_exact ? "" : " (approximate)",
		       tr[i].accuracy_packets_ns / 1000, (tr[i].slope - 1) * 1e6L, tr[i].slope_min,
		       tr[i].slope_max);
		printf("  through %s: %llu packets sent to it, %llu received from it; hull points "
		       "%u + %u\n",
		       t[tr[i].via].arg, (unsigned long long)tr[i].sent,
		       (unsigned long long)tr[i].received, tr[i].hull_below, tr[i].hull_above);
	}
	if (st->violations) {
		printf(
		    "After correction: %llu of %llu matched packets are received before they are "
		    "sent\n",
		    (unsigned long long)st->violations, (unsigned long long)st->checked);
	} else {
		printf(
		    "After correction: every one of %llu matched packets is received after it is "
		    "sent (smallest one-way delay %.3f us)\n",
		    (unsigned long long)st->checked, st->min_delay_ns / 1000);
	}
}

/* DIR/NAME for trace t: NAME the last component of its path (NAME-2... when taken). */
static void write_name(const struct trace *t, uint32_t i, const char *dir, char *out, size_t len)
{
	const char *base = strrchr(t[i].real, '/');
	int dup = 0;

	base = base ? base + 1 : t[i].real;
	for (uint32_t j = 0; j < i; j++) {
		const char *b = strrchr(t[j].real, '/');

		dup += !strcmp(b ? b + 1 : t[j].real, base);
	}
	if (dup) {
		snprintf(out, len, "%s/%s-%d", dir, base, dup + 1);
	} else {
		snprintf(out, len, "%s/%s", dir, base);
	}
}

int cmd_sync(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"reference", required_argument, NULL, 'r'},
	    {"json", no_argument, NULL, 'j'},
	    {"output", required_argument, NULL, 'o'},
	    {"write", required_argument, NULL, 'w'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *reference = NULL, *output = NULL, *write_dir = NULL;
	struct lat_sync_transform *tr = NULL;
	struct lat_sync_stats st;
	struct trace *t = NULL;
	struct lat_sync *s = NULL;
	const char *const *args;
	char **hosts = NULL;
	uint32_t nhosts = 0;
	bool json = false;
	uint32_t n, ref = 0;
	char err[512];
	int opt, ret, status = CLI_EXIT_FAILURE;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "r:jo:w:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			reference = optarg;
			break;
		case 'j':
			json = true;
			cli_json_errors = true;
			break;
		case 'o':
			output = optarg;
			break;
		case 'w':
			write_dir = optarg;
			break;
		case 'h':
			print_help();
			return CLI_EXIT_OK;
		default:
			return cli_usage_error("sync", "sync: unknown option or missing value '%s'",
					       argv[optind - 1]);
		}
	}
	if (argc - optind == 1) { /* one folder holding every host's trace? */
		if (lat_sync_find_hosts(argv[optind], &hosts, &nhosts)) {
			cli_error("sync: %s", strerror(ENOMEM));
			return CLI_EXIT_FAILURE;
		}
		if (nhosts < 2) {
			lat_sync_free_hosts(hosts, nhosts);
			return cli_usage_error(
			    "sync", "sync: needs two traces or more (one per host); %s holds %u",
			    argv[optind], nhosts);
		}
		args = (const char *const *)hosts;
		n = nhosts;
	} else if (argc - optind < 2) {
		return cli_usage_error("sync", "sync: needs two traces or more (one per host)");
	} else {
		args = (const char *const *)&argv[optind];
		n = (uint32_t)(argc - optind);
	}
	if (n > MAX_SYNC_TRACES) {
		lat_sync_free_hosts(hosts, nhosts);
		return cli_usage_error("sync", "sync: at most %d traces", MAX_SYNC_TRACES);
	}
	t = calloc(n, sizeof(*t));
	tr = calloc(n, sizeof(*tr));
	if (!t || !tr || lat_sync_create(n, &s)) {
		cli_error("sync: %s", strerror(ENOMEM));
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		t[i].arg = args[i];
		if (!realpath(t[i].arg, t[i].real)) {
			cli_error("sync: %s: %s", t[i].arg, strerror(errno));
			goto out;
		}
		for (uint32_t j = 0; j < i; j++) {
			size_t li = strlen(t[i].real), lj = strlen(t[j].real);
			size_t l = li < lj ? li : lj;

			/* the same folder, or one inside the other: one host given twice */
			if (!strncmp(t[i].real, t[j].real, l) &&
			    (li == lj || (li > lj ? t[i].real[l] : t[j].real[l]) == '/')) {
				status = cli_usage_error(
				    "sync", "sync: %s and %s: the same trace given twice", t[j].arg,
				    t[i].arg);
				goto out;
			}
		}
	}
	if (reference) {
		char real[PATH_MAX];
		bool found = false;

		for (uint32_t i = 0; i < n && !found; i++) {
			if (!strcmp(reference, t[i].arg) ||
			    (realpath(reference, real) && !strcmp(real, t[i].real))) {
				ref = i;
				found = true;
			}
		}
		if (!found) {
			status = cli_usage_error(
			    "sync", "sync: the reference %s is not one of the traces", reference);
			goto out;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		ret = lat_sync_read_trace(s, i, t[i].arg, &t[i].info, err, sizeof(err));
		if (ret) {
			cli_error("sync: %s: %s", t[i].arg, err);
			goto out;
		}
		if (!t[i].info.sends && !t[i].info.receives) {
			cli_error("sync: %s: no TCP packet events (inet_sock_local_out/"
				  "inet_sock_local_in) in the trace: nothing to synchronize with",
				  t[i].arg);
			goto out;
		}
		lat_sync_set_range(s, i, t[i].info.begin, t[i].info.end);
	}
	ret = lat_sync_compute(s, ref, tr, &st, err, sizeof(err));
	if (ret) {
		for (uint32_t i = 0; i < n; i++) {
			if (tr[i].status) {
				cli_error("sync: %s and %s cannot be synchronized: %s", t[i].arg,
					  t[ref].arg, tr[i].why);
				break;
			}
		}
		goto out;
	}
	if (output) {
		FILE *f = fopen(output, "w");

		if (!f) {
			cli_error("sync: %s: %s", output, strerror(errno));
			goto out;
		}
		print_json(f, t, n, ref, tr, &st);
		if (fclose(f)) {
			cli_error("sync: %s: %s", output, strerror(errno));
			goto out;
		}
	}
	if (json) {
		print_json(stdout, t, n, ref, tr, &st);
	} else {
		print_text(t, n, ref, tr, &st);
	}
	fflush(stdout);
	if (write_dir) {
		for (uint32_t i = 0; i < n; i++) {
			char dir[PATH_MAX];
			double max_err;

			write_name(t, i, write_dir, dir, sizeof(dir));
			ret = lat_sync_write_trace(t[i].real, dir, tr[i].slope, tr[i].offset_ns,
						   t[i].info.begin, t[i].info.end, &max_err, err,
						   sizeof(err));
			if (ret) {
				cli_error("sync: writing %s: %s", dir, err);
				goto out;
			}
			if (!json) {
				printf("Wrote %s (corrected clock; frequency rounding error at "
				       "most %.1f "
				       "ns)\n",
				       dir, max_err);
			}
		}
	}
	status = CLI_EXIT_OK;
out:
	lat_sync_destroy(s);
	free(t);
	free(tr);
	lat_sync_free_hosts(hosts, nhosts);
	return status;
}
