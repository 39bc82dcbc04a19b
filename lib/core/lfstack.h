/* lfstack.h: lock-free stacks of event indices (the free list, retired and timer intake lists). */
#ifndef LATSCOPE_CORE_LFSTACK_H
#define LATSCOPE_CORE_LFSTACK_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Elements are 1-based indices into one preallocated array (0 = none); each element has an
 * _Atomic uint32_t link at a fixed offset. Two kinds of stack:
 *  - lf_tstack (free list): push, push_chain and pop by many threads. The head carries a 32-bit
 *    tag bumped on every change, so a pop cannot be fooled by ABA (a node popped and pushed back
 *    between the read of the head and the compare-and-swap).
 *  - lf_pstack (retired batches, timer intake): push by many threads, take_all by anyone.
 *    Pop-free, so ABA is harmless and a plain index head is enough. A push is seq_cst so that a
 *    pusher and the timer thread going idle always see each other (see kick_idle_timer()).
 */
struct lf_nodes {
	char *base;      /* element 1 is at base */
	size_t stride;   /* bytes between elements */
	size_t link_off; /* offset of the _Atomic uint32_t link in an element */
};

static inline _Atomic uint32_t *lf_link(const struct lf_nodes *n, uint32_t idx)
{
	return (_Atomic uint32_t *)(n->base + (size_t)(idx - 1) * n->stride + n->link_off);
}

struct lf_tstack {
	_Atomic uint64_t head; /* low 32 bits: index; high 32 bits: tag */
};

static inline void lf_tstack_push_chain(struct lf_tstack *s, const struct lf_nodes *n,
					uint32_t first, uint32_t last)
{
	uint64_t head = atomic_load_explicit(&s->head, memory_order_relaxed);
	uint64_t next;

	do {
		atomic_store_explicit(lf_link(n, last), (uint32_t)head, memory_order_relaxed);
		next = (uint64_t)first | (((head >> 32) + 1) << 32);
	} while (!atomic_compare_exchange_weak_explicit(&s->head, &head, next, memory_order_release,
							memory_order_relaxed));
}

static inline uint32_t lf_tstack_pop(struct lf_tstack *s, const struct lf_nodes *n)
{
	uint64_t head = atomic_load_explicit(&s->head, memory_order_acquire);
	uint64_t next;
	uint32_t idx;

	do {
		idx = (uint32_t)head;
		if (idx == 0) {
			return 0;
		}
		next = atomic_load_explicit(lf_link(n, idx), memory_order_relaxed);
		next |= ((head >> 32) + 1) << 32;
	} while (!atomic_compare_exchange_weak_explicit(&s->head, &head, next, memory_order_acquire,
							memory_order_acquire));
	return idx;
}

static inline int lf_tstack_empty(struct lf_tstack *s)
{
	return (uint32_t)atomic_load_explicit(&s->head, memory_order_relaxed) == 0;
}

struct lf_pstack {
	_Atomic uint32_t head;
};

static inline void lf_pstack_push(struct lf_pstack *s, const struct lf_nodes *n, uint32_t idx)
{
	uint32_t head = atomic_load_explicit(&s->head, memory_order_relaxed);

	do {
		atomic_store_explicit(lf_link(n, idx), head, memory_order_relaxed);
	} while (!atomic_compare_exchange_weak_explicit(&s->head, &head, idx, memory_order_seq_cst,
							memory_order_relaxed));
}

/* Takes the whole stack; walk it with lf_link(). */
static inline uint32_t lf_pstack_take_all(struct lf_pstack *s)
{
	if (atomic_load_explicit(&s->head, memory_order_relaxed) == 0) {
		return 0;
	}
	return atomic_exchange_explicit(&s->head, 0, memory_order_acquire);
}

#endif /* LATSCOPE_CORE_LFSTACK_H */
