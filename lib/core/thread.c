/* thread.c: per-thread set-up of liblatscope: a counter and free-cache slot per thread. */
#include "core/thread.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

__thread int lat_thread_slot_ __attribute__((tls_model("initial-exec"))) = -1;

static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static _Atomic uint64_t slots_used; /* bit i set: slot i belongs to a live thread */

static void thread_exit(void *arg)
{
	int slot = lat_thread_slot_;

	(void)arg;
	if (slot >= 0 && slot < LAT_NSLOTS) {
		atomic_fetch_and_explicit(&slots_used, ~(UINT64_C(1) << slot),
					  memory_order_acq_rel);
	}
	lat_thread_slot_ = -1;
}

static void exit_key_create(void)
{
	pthread_key_create(&exit_key, thread_exit);
}

static int take_slot(void)
{
	uint64_t used = atomic_load_explicit(&slots_used, memory_order_relaxed);
	int slot;

	while (~used != 0) {
		slot = __builtin_ctzll(~used);
		if (atomic_compare_exchange_weak_explicit(
			&slots_used, &used, used | (UINT64_C(1) << slot), memory_order_acq_rel,
			memory_order_relaxed)) {
			return slot;
		}
	}
	return LAT_SLOT_SHARED;
}

int lat_thread_register(void)
{
	pthread_once(&exit_key_once, exit_key_create);
	/* Any non-NULL value makes the key's destructor run at thread exit. */
	pthread_setspecific(exit_key, (void *)1);
	lat_thread_slot_ = take_slot();
	return lat_thread_slot_;
}
