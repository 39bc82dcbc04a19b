/* analyze_state.c: the kernel state model fed in-memory events (lttng-analyses' rules). */
#include <string.h>

#include "state/state.h"
#include "tap.h"

static struct lat_state_change change;

static int apply(struct lat_state *st, struct lat_kevent ev)
{
	return lat_state_update(st, &ev, &change);
}

static struct lat_kevent sw(int64_t ts, uint32_t cpu, int32_t prev, const char *next_comm,
			    int32_t next, int32_t next_prio)
{
	struct lat_kevent ev = {.ts = ts, .cpu = cpu, .type = LAT_EV_SCHED_SWITCH};

	ev.sched_switch.prev_comm = "prev";
	ev.sched_switch.prev_tid = prev;
	ev.sched_switch.prev_prio = 20;
	ev.sched_switch.next_comm = next_comm;
	ev.sched_switch.next_tid = next;
	ev.sched_switch.next_prio = next_prio;
	return ev;
}

int main(void)
{
	struct lat_state st;
	struct lat_kevent ev;
	struct lat_task *t;

	is_int(lat_state_init(&st), 0, "state init");

	apply(&st, sw(10, 0, 0, "bash", 100, 20));
	is_int(st.cpus[0].current_tid, 100, "sched_switch: current task of the CPU");
	is_int(st.ncpus, 1, "  one CPU known");
	ok(change.task && change.task->tid == 100, "  change: the task switched in");
	is_int(change.nprio, 1, "  its priority, first seen, is a change");
	apply(&st, sw(20, 0, 100, "swapper/0", 0, 20));
	is_int(st.cpus[0].current_tid, LAT_NO_TID, "idle counts as no task");

	/* a wakeup from CPU 1 (unknown task running there: no waker), prio as recorded */
	ev = (struct lat_kevent){.ts = 30, .cpu = 1, .type = LAT_EV_SCHED_WAKEUP};
	ev.task.tid = 100;
	ev.task.prio = 20;
	ev.task.target_cpu = 0;
	apply(&st, ev);
	t = lat_state_task(&st, 100);
	is_int(t->last_wakeup, 30, "wakeup: time kept");
	is_int(st.ncpus, 2, "  the waking CPU is known now");
	ev.ts = 35;
	apply(&st, ev);
	is_int(t->last_wakeup, 30, "  a second wakeup keeps the first one");
	apply(&st, sw(40, 0, 0, "bash", 100, 20));
	is_int(change.wakeup_ts, 30, "switch-in: the pending wakeup is handed over");
	is_int(lat_state_task(&st, 100)->last_wakeup, -1, "  and cleared");
	ev.ts = 45;
	apply(&st, ev);
	is_int(lat_state_task(&st, 100)->last_wakeup, -1, "a running task's wakeup is ignored");

	lat_state_set_tracer_version(&st, 2, 5, 0);
	ev = (struct lat_kevent){.ts = 46, .cpu = 0, .type = LAT_EV_SCHED_WAKEUP};
	ev.task.tid = 300;
	ev.task.prio = 120;
	apply(&st, ev);
	is_int(lat_state_task(&st, 300)->prio, 20,
	       "before lttng-modules 2.7.1 wakeup prio is -100");
	ok(change.task && lat_state_task(&st, 300)->last_waker == 100,
	   "  and the task running on the waking CPU is the waker");

	/* syscalls on the current task */
	ev = (struct lat_kevent){.ts = 50, .cpu = 0, .type = LAT_EV_SYSCALL_ENTRY};
	ev.syscall.name = "read";
	apply(&st, ev);
	ev = (struct lat_kevent){
	    .ts = 58, .cpu = 0, .type = LAT_EV_SYSCALL_EXIT, .present = LAT_HAS_RET};
	ev.syscall.ret = -2;
	apply(&st, ev);
	ok(change.syscall != NULL, "syscall exit: the completed call");
	is_str(change.syscall->name, "read", "  named by its entry");
	is_int(change.syscall->end_ts - change.syscall->begin_ts, 8, "  its duration");
	is_int(change.syscall->ret, -2, "  its return value");
	apply(&st, ev);
	ok(change.syscall == NULL, "an exit without entry is ignored");

	/* fork: parent keyed by its pid, child replaces any older task with that tid */
	ev = (struct lat_kevent){.ts = 60, .cpu = 0, .type = LAT_EV_SCHED_FORK};
	ev.fork.parent_comm = "bash";
	ev.fork.parent_pid = 100;
	ev.fork.parent_tid = 100;
	ev.fork.child_comm = "bash";
	ev.fork.child_pid = 200;
	ev.fork.child_tid = 200;
	apply(&st, ev);
	t = lat_state_task(&st, 200);
	ok(t && t->pid == 200 && strcmp(t->comm, "bash") == 0,
	   "fork: the child, with pid and comm");

	/* statedump: thread of another process, with its fd moved to the process */
	ev = (struct lat_kevent){
	    .ts = 70, .cpu = 0, .type = LAT_EV_STATEDUMP_FD, .present = LAT_HAS_FLAGS};
	ev.sd_fd.pid = 500;
	ev.sd_fd.fd = 3;
	ev.sd_fd.filename = "/var/log/x";
	apply(&st, ev);
	ev = (struct lat_kevent){.ts = 71, .cpu = 0, .type = LAT_EV_STATEDUMP_PROCESS};
	ev.sd_process.tid = 501;
	ev.sd_process.pid = 500;
	ev.sd_process.name = "mysqld";
	apply(&st, ev);
	ok(lat_state_task(&st, 501)->pid == 500, "statedump: a thread and its process");
	is_int(lat_state_task(&st, 500)->nfds, 1, "  the process's fds");
	is_str(lat_state_task(&st, 500)->fds[0].filename, "/var/log/x", "  with their names");

	/* pages: frees before any allocation are not counted */
	ev = (struct lat_kevent){.ts = 80, .cpu = 0, .type = LAT_EV_PAGE_FREE};
	apply(&st, ev);
	ok(!change.accounted, "page free with no allocation seen: ignored");
	ev.type = LAT_EV_PAGE_ALLOC;
	apply(&st, ev);
	ok(change.accounted && change.task->tid == 100, "page alloc: on the current task");

	/* IRQs */
	ev = (struct lat_kevent){.ts = 90, .cpu = 3, .type = LAT_EV_IRQ_ENTRY};
	ev.irq.irq = 41;
	ev.irq.name = "ahci";
	apply(&st, ev);
	ev.type = LAT_EV_IRQ_EXIT;
	ev.ts = 95;
	apply(&st, ev);
	ok(change.irq && change.irq->hard && change.irq->end_ts - change.irq->begin_ts == 5,
	   "hard IRQ: entry to exit");
	is_str(lat_state_irq_name(&st, 41), "ahci", "  its name");
	is_int(st.ncpus, 3, "  an IRQ makes its CPU known");
	ev = (struct lat_kevent){.ts = 100, .cpu = 3, .type = LAT_EV_SOFTIRQ_RAISE};
	ev.irq.irq = 1;
	apply(&st, ev);
	ev.ts = 101;
	apply(&st, ev); /* level-triggered: same raise */
	ev.type = LAT_EV_SOFTIRQ_ENTRY;
	ev.ts = 104;
	apply(&st, ev);
	ev.type = LAT_EV_SOFTIRQ_EXIT;
	ev.ts = 110;
	apply(&st, ev);
	ok(change.irq && !change.irq->hard && change.irq->raise_ts == 100 &&
	       change.irq->begin_ts == 104 && change.irq->end_ts == 110,
	   "soft IRQ: first raise, entry, exit");
	apply(&st, ev);
	ok(change.irq == NULL, "  an exit without raise or entry is ignored");

	lat_state_fini(&st);
	return tap_done_testing();
}
