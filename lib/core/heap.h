/* heap.h: a binary min-heap of event indices, ordered by a caller's comparison (the timer's queue).
 */
#ifndef LATSCOPE_CORE_HEAP_H
#define LATSCOPE_CORE_HEAP_H

#include <stdbool.h>
#include <stdint.h>

/* Single-threaded: only the tracker's timer thread touches it. Capacity is fixed at init. */
struct lat_heap {
	uint32_t *items;
	uint32_t len;
	uint32_t cap;
	bool (*before)(void *ctx, uint32_t a, uint32_t b); /* a must come out before b */
	void *ctx;
};

int lat_heap_init(struct lat_heap *h, uint32_t cap, bool (*before)(void *, uint32_t, uint32_t),
		  void *ctx);
void lat_heap_fini(struct lat_heap *h);
/* Pre: len < cap (each event is in the heap at most once, and there are cap events). */
void lat_heap_push(struct lat_heap *h, uint32_t item);
/* Pre: len > 0. */
uint32_t lat_heap_pop(struct lat_heap *h);
static inline uint32_t lat_heap_top(const struct lat_heap *h)
{
	return h->items[0];
}
/* Removes every item for which drop() returns true, in O(len). */
void lat_heap_filter(struct lat_heap *h, bool (*drop)(void *ctx, uint32_t item));

#endif /* LATSCOPE_CORE_HEAP_H */
