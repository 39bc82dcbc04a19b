/* lttng_lanes.c: the streams of a trace decoded ahead on worker threads, each into a bounded
 * queue of batches handed to the merging consumer in the stream's order. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "sources/lttng_decode_int.h"

#define MAX_QUEUE 8

/*
 * A stream's queue: batches wpos - rpos filled and not yet taken, the one the consumer holds
 * (held), the one being filled (busy). All of it under the mutex; a batch's contents belong to
 * whoever fills it until it is counted in wpos, then to the consumer until it is given back.
 */
struct lane {
	struct batch b[MAX_QUEUE];
	uint32_t wpos, rpos;
	bool held, busy, done;
};

struct lat_lanes {
	pthread_mutex_t mu;
	pthread_cond_t work;  /* a stream has room for a batch (the workers wait) */
	pthread_cond_t ready; /* the batch the consumer waits for is filled */
	struct lane *lanes;
	uint32_t nlanes, depth;
	uint32_t want; /* the stream the consumer waits for, or UINT32_MAX */
	bool stop;
	lat_lanes_fill_fn fill;
	void *ctx;
	pthread_t *threads;
	unsigned nthreads;
};

static bool has_room(const struct lat_lanes *ls, const struct lane *ln)
{
	return !ln->busy && !ln->done && ln->wpos - ln->rpos + ln->held < ls->depth;
}

/* Fills stream i's next batch, the mutex held on entry and on return (not while filling). */
static void fill_one(struct lat_lanes *ls, uint32_t i)
{
	struct lane *ln = &ls->lanes[i];
	struct batch *b = &ln->b[ln->wpos % ls->depth];
	int last;

	ln->busy = true;
	pthread_mutex_unlock(&ls->mu);
	b->n = 0;
	b->nvals = 0;
	b->nstr = 0;
	b->err = 0;
	last = ls->fill(ls->ctx, i, b);
	if (last < 0) {
		b->err = last; /* no memory for the batch itself: the stream ends there */
	}
	pthread_mutex_lock(&ls->mu);
	ln->busy = false;
	ln->wpos++;
	ln->done = last != 0;
	if (ls->want == i) {
		pthread_cond_signal(&ls->ready);
	}
}

static void *worker(void *arg)
{
	struct lat_lanes *ls = arg;

	pthread_mutex_lock(&ls->mu);
	while (!ls->stop) {
		uint32_t best = UINT32_MAX, best_queued = UINT32_MAX;
		bool alive = false;

		/* the stream the consumer waits for, else the one with the fewest batches ready */
		for (uint32_t i = 0; i < ls->nlanes; i++) {
			const struct lane *ln = &ls->lanes[i];

			alive |= !ln->done;
			if (!has_room(ls, ln)) {
				continue;
			}
			if (i == ls->want) {
				best = i;
				break;
			}
			if (ln->wpos - ln->rpos < best_queued) {
				best = i;
				best_queued = ln->wpos - ln->rpos;
			}
		}
		if (best != UINT32_MAX) {
			fill_one(ls, best);
		} else if (!alive) {
			break;
		} else {
			pthread_cond_wait(&ls->work, &ls->mu);
		}
	}
	pthread_mutex_unlock(&ls->mu);
	return NULL;
}

int lat_lanes_start(uint32_t nstreams, unsigned nworkers, unsigned depth, lat_lanes_fill_fn fill,
		    void *ctx, struct lat_lanes **out)
{
	struct lat_lanes *ls = calloc(1, sizeof(*ls));

	*out = NULL;
	if (!ls) {
		return -ENOMEM;
	}
	ls->lanes = calloc(nstreams ? nstreams : 1, sizeof(*ls->lanes));
	ls->threads = calloc(nworkers ? nworkers : 1, sizeof(*ls->threads));
	if (!ls->lanes || !ls->threads) {
		free(ls->lanes);
		free(ls->threads);
		free(ls);
		return -ENOMEM;
	}
	ls->nlanes = nstreams;
	ls->depth = depth < 2 ? 2 : depth > MAX_QUEUE ? MAX_QUEUE : depth;
	ls->want = UINT32_MAX;
	ls->fill = fill;
	ls->ctx = ctx;
	pthread_mutex_init(&ls->mu, NULL);
	pthread_cond_init(&ls->work, NULL);
	pthread_cond_init(&ls->ready, NULL);
	for (unsigned i = 0; i < nworkers; i++) {
		if (pthread_create(&ls->threads[ls->nthreads], NULL, worker, ls) == 0) {
			ls->nthreads++;
		}
	}
	if (nworkers && !ls->nthreads) {
		lat_lanes_stop(ls);
		return -EAGAIN;
	}
	*out = ls;
	return 0;
}

struct batch *lat_lanes_next(struct lat_lanes *ls, uint32_t stream)
{
	struct lane *ln = &ls->lanes[stream];
	struct batch *b = NULL;

	pthread_mutex_lock(&ls->mu);
	if (ln->held) {
		ln->held = false;
		pthread_cond_signal(&ls->work); /* room in this stream's queue */
	}
	while (ln->wpos == ln->rpos && !(ln->done && !ln->busy)) {
		if (has_room(ls, ln)) {
			fill_one(ls,
				 stream); /* no worker on it: rather than wait, decode it here */
			continue;
		}
		ls->want = stream;
		pthread_cond_wait(&ls->ready, &ls->mu);
	}
	ls->want = UINT32_MAX;
	if (ln->wpos != ln->rpos) {
		b = &ln->b[ln->rpos % ls->depth];
		ln->rpos++;
		ln->held = true;
	}
	pthread_mutex_unlock(&ls->mu);
	return b;
}

void lat_lanes_stop(struct lat_lanes *ls)
{
	if (!ls) {
		return;
	}
	pthread_mutex_lock(&ls->mu);
	ls->stop = true;
	pthread_cond_broadcast(&ls->work);
	pthread_mutex_unlock(&ls->mu);
	for (unsigned i = 0; i < ls->nthreads; i++) {
		pthread_join(ls->threads[i], NULL);
	}
	for (uint32_t i = 0; i < ls->nlanes; i++) {
		for (unsigned k = 0; k < MAX_QUEUE; k++) {
			free(ls->lanes[i].b[k].items);
			free(ls->lanes[i].b[k].vals);
			free(ls->lanes[i].b[k].str);
		}
	}
	pthread_cond_destroy(&ls->ready);
	pthread_cond_destroy(&ls->work);
	pthread_mutex_destroy(&ls->mu);
	free(ls->lanes);
	free(ls->threads);
	free(ls);
}
