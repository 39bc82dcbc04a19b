/* oltp_empty.c: bench/oltp.sh's `empty` configuration: attaches bpf/bench_all_empty.bpf.c (empty
 * programs on the tracepoints of every latscope tracker), prints "ready", detaches on SIGINT or
 * SIGTERM. */
#include <bpf/libbpf.h>
#include <signal.h>
#include <stdio.h>

#include "bench_all_empty.skel.h"

int main(void)
{
	struct bench_all_empty_bpf *skel = bench_all_empty_bpf__open_and_load();
	sigset_t stop;
	int sig, err;

	if (!skel) {
		fprintf(stderr, "oltp_empty: cannot load the BPF object\n");
		return 1;
	}
	err = bench_all_empty_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "oltp_empty: cannot attach: %d\n", err);
		bench_all_empty_bpf__destroy(skel);
		return 1;
	}
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	printf("ready\n");
	fflush(stdout);
	sigwait(&stop, &sig);
	bench_all_empty_bpf__destroy(skel);
	return 0;
}
