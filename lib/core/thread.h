/* thread.h: per-thread set-up of liblatscope: a counter and free-cache slot per thread. */
#ifndef LATSCOPE_CORE_THREAD_H
#define LATSCOPE_CORE_THREAD_H

/*
 * Slots 0..LAT_NSLOTS-1 belong to one live thread each (its counters need no atomic
 * read-modify-write); threads beyond that share slot LAT_SLOT_SHARED. A slot is given back when its
 * thread exits.
 */
#define LAT_NSLOTS      64
#define LAT_SLOT_SHARED LAT_NSLOTS

extern __thread int lat_thread_slot_
    __attribute__((tls_model("initial-exec"))); /* -1 until the thread's first call */

/* Gives the calling thread a slot (once; given back at thread exit); returns it. */
int lat_thread_register(void);

static inline int lat_thread_enter(void)
{
	int slot = lat_thread_slot_;

	if (__builtin_expect(slot >= 0, 1)) {
		return slot;
	}
	return lat_thread_register();
}

#endif /* LATSCOPE_CORE_THREAD_H */
