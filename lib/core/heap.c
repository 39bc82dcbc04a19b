/* heap.c: a binary min-heap of event indices, ordered by a caller's comparison (the timer's queue).
 */
#include "core/heap.h"

#include <errno.h>
#include <stdlib.h>

int lat_heap_init(struct lat_heap *h, uint32_t cap, bool (*before)(void *, uint32_t, uint32_t),
		  void *ctx)
{
	h->items = calloc(cap ? cap : 1, sizeof(*h->items));
	if (!h->items) {
		return -ENOMEM;
	}
	h->len = 0;
	h->cap = cap;
	h->before = before;
	h->ctx = ctx;
	return 0;
}

void lat_heap_fini(struct lat_heap *h)
{
	free(h->items);
	h->items = NULL;
	h->len = h->cap = 0;
}

static void sift_up(struct lat_heap *h, uint32_t i)
{
	uint32_t item = h->items[i];

	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (!h->before(h->ctx, item, h->items[parent])) {
			break;
		}
		h->items[i] = h->items[parent];
		i = parent;
	}
	h->items[i] = item;
}

static void sift_down(struct lat_heap *h, uint32_t i)
{
	uint32_t item = h->items[i];

	for (;;) {
		uint32_t child = 2 * i + 1;

		if (child >= h->len) {
			break;
		}
		if (child + 1 < h->len && h->before(h->ctx, h->items[child + 1], h->items[child])) {
			child++;
		}
		if (!h->before(h->ctx, h->items[child], item)) {
			break;
		}
		h->items[i] = h->items[child];
		i = child;
	}
	h->items[i] = item;
}

void lat_heap_push(struct lat_heap *h, uint32_t item)
{
	if (h->len >= h->cap) {
		return; /* cannot happen, see the precondition */
	}
	h->items[h->len] = item;
	sift_up(h, h->len++);
}

uint32_t lat_heap_pop(struct lat_heap *h)
{
	uint32_t top = h->items[0];

	h->items[0] = h->items[--h->len];
	if (h->len) {
		sift_down(h, 0);
	}
	return top;
}

void lat_heap_filter(struct lat_heap *h, bool (*drop)(void *ctx, uint32_t item))
{
	uint32_t kept = 0;

	for (uint32_t i = 0; i < h->len; i++) {
		if (!drop(h->ctx, h->items[i])) {
			h->items[kept++] = h->items[i];
		}
	}
	if (kept == h->len) {
		return;
	}
	h->len = kept;
	for (uint32_t i = h->len / 2; i-- > 0;) {
		sift_down(h, i);
	}
}
