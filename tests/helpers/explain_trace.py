#!/usr/bin/python3
"""explain_trace.py: synthetic LTTng kernel traces with known causes for `latscope explain`.

    explain_trace.py OUTDIR      -> OUTDIR/explain_all/kernel/ and OUTDIR/explain_all/truth.json

Built on tests/traces/make_trace.py (its CritTrace). Times in ms from the trace's start. The
client (4001) goes through every cause once, on CPU 0 (CPU 1 runs the others):
   1.0 -  5.0  running (getpid 2.0-2.5: kernel; IRQ 11 eth0 3.0-3.2 on its CPU: irq time)
   5.0 -  8.0  preempted: hog1 (4101) 5.0-6.5, hog2 (4102) 6.5-8.0
  10.0 - 30.0  nanosleep, woken on an idle CPU with no hrtimer event (a timer, told from the call)
  31.0 - 46.0  poll(timeout 15 ms) returning 0, its wake-up while bystander (4200) was in a
               system call on CPU 1 (critical-path follows bystander: explain says timer)
  47.1 - 51.01 pread64 on /data/file: sda, one request inserted 47.05, issued 47.10, completed
               in IRQ 14 (ahci) at 51.005
  52.0 - 63.1  read on a pipe written by writer (4002), itself asleep 52.6-62.6 (nanosleep)
  64.0 - 70.02 recvfrom on a local socket: server (4003) sends at 69.9 (NET_RX soft IRQ in its
               call), after its own 5 ms nanosleep (64.5-69.5); the socket (fd 6) connect()ed
               to 127.0.0.1:8080 at 0.6, before the event (lttng-modules' family/dport/v4addr)
  the waits for a CPU after each wake-up: 30.0-30.1, 46.0-46.2, 51.01-51.2, 63.1-63.3, 70.02-70.2
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'traces'))
import make_trace  # noqa: E402
from make_trace import MS, CritTrace  # noqa: E402

make_trace.SYSCALLS.setdefault('poll', ([('ufds', 'u64'), ('nfds', 'u32'),
                                         ('timeout_msecs', 'i32')],
                                        [('ret', 'i64'), ('ufds', 'u64')]))
make_trace.SYSCALLS.setdefault('connect', ([('fd', 'i32'), ('uservaddr', 'x64'),
                                            ('addrlen', 'i32'), ('family', 'u16'),
                                            ('dport', 'u16'), ('v4addr', 'u32')],
                                           [('ret', 'i64')]))
SDA = 8388608  # 8:0 as lttng-modules writes dev_t (major << 20 | minor)


def explain_all(d):
    t = CritTrace(d)
    t.layouts = dict(t.layouts, block_rq_insert=make_trace.EVENTS['block_rq_issue'])
    t.ev(0.1 * MS, 0, 'lttng_statedump_block_device', dev=SDA, diskname='sda')
    for tid, name in ((4001, 'client'), (4002, 'writer'), (4003, 'server'), (4101, 'hog1'),
                      (4102, 'hog2'), (4200, 'bystander')):
        t.statedump_process(0.2, 0, tid, tid, name)
    for fd, name in ((3, 'pipe:[77]'), (5, '/data/file'), (6, 'socket:[88]')):
        t.ev(0.3 * MS, 0, 'lttng_statedump_file_descriptor', pid=4001, fd=fd, flags=0, fmode=0,
             filename=name)
    # before the event: the socket's connect()
    t.sched_switch(0.5, 0, 'swapper/0', 0, 'client', 4001, prev_state=0)
    t.syscall(0.6, 0, 'connect', 0.05, ret=0, fd=6, uservaddr=0, addrlen=16, family=2, dport=8080,
              v4addr=0x7f000001)
    t.sched_switch(0.8, 0, 'client', 4001, 'swapper/0', 0, prev_state=0)
    # running, a system call, an IRQ on its CPU
    t.sched_switch(1.0, 0, 'swapper/0', 0, 'client', 4001, prev_state=0)
    t.syscall(2.0, 0, 'getpid', 0.5, ret=4001)
    t.ev(3.0 * MS, 0, 'irq_handler_entry', irq=11, name='eth0')
    t.ev(3.2 * MS, 0, 'irq_handler_exit', irq=11, ret=1)
    # preempted by two hogs
    t.sched_switch(5.0, 0, 'client', 4001, 'hog1', 4101, prev_state=0)
    t.sched_switch(6.5, 0, 'hog1', 4101, 'hog2', 4102, prev_state=0)
    t.sched_switch(8.0, 0, 'hog2', 4102, 'client', 4001, prev_state=0)
    # nanosleep, no hrtimer event, woken on its idle CPU
    t.syscall(9.95, 0, 'nanosleep', None, rqtp=0)
    t.sched_switch(10.0, 0, 'client', 4001, 'swapper/0', 0)
    t.waking(30.0, 0, 'client', 4001, 0)
    t.sched_switch(30.1, 0, 'swapper/0', 0, 'client', 4001, prev_state=0)
    t.syscall_exit(30.15, 0, 'nanosleep', 0, rmtp=0)
    # poll with a 15 ms timeout; the wake-up while bystander is in a call on CPU 1
    t.sched_switch(40.0, 1, 'swapper/1', 0, 'bystander', 4200, prev_state=0)
    t.syscall(45.0, 1, 'read', None, fd=9, count=10)
    t.syscall(30.95, 0, 'poll', None, ufds=0, nfds=1, timeout_msecs=15)
    t.sched_switch(31.0, 0, 'client', 4001, 'swapper/0', 0)
    t.waking(46.0, 1, 'client', 4001, 0)
    t.sched_switch(46.2, 0, 'swapper/0', 0, 'client', 4001, prev_state=0)
    t.syscall_exit(46.25, 0, 'poll', 0, ufds=0)
    # a disk read
    t.syscall(47.0, 0, 'pread64', None, fd=5, count=4096, pos=0)
    t.ev(47.05 * MS, 0, 'block_rq_insert', dev=SDA, sector=1000, nr_sector=8, bytes=4096,
         tid=4001, rwbs=0, comm='client')
    t.ev(47.10 * MS, 0, 'block_rq_issue', dev=SDA, sector=1000, nr_sector=8, bytes=4096,
         tid=4001, rwbs=0, comm='client')
    t.sched_switch(47.1, 0, 'client', 4001, 'swapper/0', 0)
    t.ev(51.0 * MS, 1, 'irq_handler_entry', irq=14, name='ahci')
    t.ev(51.005 * MS, 1, 'block_rq_complete', dev=SDA, sector=1000, nr_sector=8, errors=0,
         rwbs=0)
    t.waking(51.01, 1, 'client', 4001, 0)
    t.ev(51.02 * MS, 1, 'irq_handler_exit', irq=14, ret=1)
    t.sched_switch(51.2, 0, 'swapper/0', 0, 'client', 4001, prev_state=0)
    t.syscall_exit(51.25, 0, 'pread64', 4096)
    # a pipe written by writer after its own sleep
    t.sched_switch(51.5, 1, 'bystander', 4200, 'writer', 4002)
    t.syscall(51.9, 0, 'read', None, fd=3, count=4096)
    t.sched_switch(52.0, 0, 'client', 4001, 'swapper/0', 0)
    t.syscall(52.55, 1, 'nanosleep', None, rqtp=0)
    t.sched_switch(52.6, 1, 'writer', 4002, 'swapper/1', 0)
    t.waking(62.6, 1, 'writer', 4002, 1)
    t.sched_switch(62.7, 1, 'swapper/1', 0, 'writer', 4002, prev_state=0)
    t.syscall_exit(62.75, 1, 'nanosleep', 0, rmtp=0)
    t.syscall(63.0, 1, 'write', 0.15, ret=4096, fd=4, buf=0, count=4096)
    t.waking(63.1, 1, 'client', 4001, 0)
    t.sched_switch(63.3, 0, 'swapper/0', 0, 'client', 4001, prev_state=0)
    t.syscall_exit(63.35, 0, 'read', 4096, buf=0)
    t.sched_switch(63.6, 1, 'writer', 4002, 'server', 4003)
    # a local socket: server answers after its own 5 ms sleep
    t.syscall(63.9, 0, 'recvfrom', None, fd=6, size=1500, flags=0, addr_len=0)
    t.sched_switch(64.0, 0, 'client', 4001, 'swapper/0', 0)
    t.syscall(64.45, 1, 'nanosleep', None, rqtp=0)
    t.sched_switch(64.5, 1, 'server', 4003, 'swapper/1', 0)
    t.waking(69.5, 1, 'server', 4003, 1)
    t.sched_switch(69.6, 1, 'swapper/1', 0, 'server', 4003, prev_state=0)
    t.syscall_exit(69.65, 1, 'nanosleep', 0, rmtp=0)
    t.syscall(69.9, 1, 'sendto', 0.15, ret=10, fd=4, buff=0, len=10, flags=0, addr=0,
              addr_len=0)
    t.ev(70.01 * MS, 1, 'softirq_entry', vec=3)
    t.ev(70.015 * MS, 1, 'netif_receive_skb', skbaddr=0xffff1, len=10, name='lo')
    t.waking(70.02, 1, 'client', 4001, 0)
    t.ev(70.03 * MS, 1, 'softirq_exit', vec=3)
    t.sched_switch(70.2, 0, 'swapper/0', 0, 'client', 4001, prev_state=0)
    t.syscall_exit(70.25, 0, 'recvfrom', 10)
    t.sched_switch(80.0, 0, 'client', 4001, 'swapper/0', 0, prev_state=0)
    t.sched_switch(80.0, 1, 'server', 4003, 'swapper/1', 0)
    t.write()
    ns = t.ns
    truth = {'tid': 4001, 'begin_ns': ns(1.0), 'end_ns': ns(75.0)}
    with open(os.path.join(d, 'truth.json'), 'w') as f:
        json.dump(truth, f)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    explain_all(os.path.join(sys.argv[1], 'explain_all'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
