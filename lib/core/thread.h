/* thread.h: per-thread set-up of liblatscope: liburcu-memb registration and a counter slot. */
#ifndef LATSCOPE_CORE_THREAD_H
#define LATSCOPE_CORE_THREAD_H

#define _LGPL_SOURCE
#include <urcu/urcu-memb.h>

/*
 * Slots 0..LAT_NSLOTS-1 belong to one live thread each (its counters need no atomic
 * read-modify-write); threads beyond that share slot LAT_SLOT_SHARED. A slot is given back when its
 * thread exits.
 */
#define LAT_NSLOTS      64
#define LAT_SLOT_SHARED LAT_NSLOTS

extern __thread int lat_thread_slot_; /* -1 until the thread's first call */

/* Registers the calling thread with urcu-memb (once); returns its slot. */
int lat_thread_register(void);

static inline int lat_thread_enter(void)
{
	int slot = lat_thread_slot_;

	if (__builtin_expect(slot >= 0, 1)) {
		return slot;
	}
	return lat_thread_register();
}

/*
 * ThreadSanitizer does not see liburcu's grace periods (membarrier and volatile accesses inside
 * an uninstrumented library), so it would report a race between a reader that looked at an event
 * inside an RCU read-side section and the thread that reuses the event after the grace period.
 * We tell it about the real ordering: every read-side section ends with a release on the
 * tracker's grace-period token, and the reclaimer acquires that token after synchronize_rcu().
 */
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define LAT_TSAN_RELEASE(addr) __tsan_release((void *)(addr))
#define LAT_TSAN_ACQUIRE(addr) __tsan_acquire((void *)(addr))
#else
#define LAT_TSAN_RELEASE(addr) ((void)(addr))
#define LAT_TSAN_ACQUIRE(addr) ((void)(addr))
#endif

#endif /* LATSCOPE_CORE_THREAD_H */
