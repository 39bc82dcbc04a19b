#!/usr/bin/python3
"""make_period_trace.py: synthetic traces for latscope's user-defined periods (issue #5).

Run with /usr/bin/python3 (babeltrace 1's CTFWriter, through make_trace.py's KernelTrace):

    make_period_trace.py OUTDIR            every scenario -> OUTDIR/<scenario>/
    make_period_trace.py OUTDIR wordpress  only this one
    make_period_trace.py --list

LTTng records the process context (procname, pid, tid) in the stream event context
(`lttng add-context`); babeltrace 1's CTFWriter cannot write a stream event context, so these
traces carry the same fields at the end of every event's payload. A bare `$evt.procname` finds
them there (the payload is searched first), exactly as it finds the context in a real trace.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_trace import MS, SYSCALLS, KernelTrace  # noqa: E402

CTX = [('pid', 'i32'), ('tid', 'i32'), ('procname', 'str')]

# syscalls of the WordPress request that make_trace.py does not describe (lttng-modules 2.10)
MORE_SYSCALLS = {
    'accept4': ([('fd', 'i32'), ('upeer_addrlen', 'u64'), ('flags', 'i32')],
                [('ret', 'i64'), ('upeer_sockaddr', 'u64'), ('upeer_addrlen', 'u64'),
                 ('family', 'u16'), ('sport', 'u16'), ('v4addr', 'u32')]),
    'connect': ([('fd', 'i32'), ('uservaddr', 'u64'), ('addrlen', 'i32'), ('family', 'u16'),
                 ('dport', 'u16'), ('v4addr', 'u32')], [('ret', 'i64')]),
    'writev': ([('fd', 'u64'), ('vec', 'u64'), ('vlen', 'u64')], [('ret', 'i64')]),
    'poll': ([('ufds', 'u64'), ('nfds', 'u32'), ('timeout_msecs', 'i32')], [('ret', 'i64')]),
}


class CtxTrace(KernelTrace):
    """A KernelTrace whose events all end with pid, tid and procname."""

    def _layout(self, name, fields):
        for prefix, idx in (('syscall_entry_', 0), ('syscall_exit_', 1)):
            base = name[len(prefix):]
            if name.startswith(prefix) and base in MORE_SYSCALLS:
                return MORE_SYSCALLS[base][idx] + CTX
            if name.startswith(prefix) and base in SYSCALLS:
                return SYSCALLS[base][idx] + CTX
        rest = {k: v for k, v in fields.items() if k not in ('pid', 'tid', 'procname')}
        return super()._layout(name, rest) + CTX

    def at(self, ms, cpu, name, proc, **fields):
        pid, procname = proc
        self.ev(ms * MS, cpu, name, pid=pid, tid=pid, procname=procname, **fields)


SCENARIOS = {}


def scenario(fn):
    SCENARIOS[fn.__name__] = fn
    return fn


@scenario
def wordpress(d):
    """The LinuxCon 2016 WordPress investigation, synthetic: apache2 workers 1000 and 1001 accept
    clients, open the script (url_rewrite), connect to MySQL on port 3306 (before_db_connect),
    query it (db_queries), render and writev the page to the client fd (rendering), then close
    the client fd. Requests 2 and 4 are slow in the database, request 3 in rendering; a mysqld
    thread and an nginx process use the same fds and syscalls (they must not match); the last
    request never ends (dropped, as the peer drops it)."""
    t = CtxTrace(d)
    mysqld = (2000, 'mysqld')
    nginx = (3000, 'nginx')

    def request(t0, cpu, proc, client_fd, db_fd, db_ms, render_ms, finish=True):
        t.at(t0, cpu, 'syscall_entry_accept4', proc, fd=4, upeer_addrlen=16, flags=524288)
        t.at(t0 + 0.01, cpu, 'syscall_exit_accept4', proc, ret=client_fd,
             upeer_sockaddr=0x7ffd0000, upeer_addrlen=16, family=2, sport=40000 + client_fd,
             v4addr=0x7f000001)
        t.at(t0 + 0.2, cpu, 'syscall_entry_open', proc, filename='/var/www/wp/index.php',
             flags=0, mode=0)
        t.at(t0 + 0.25, cpu, 'syscall_exit_open', proc, ret=client_fd + 1)
        t.at(t0 + 0.5, cpu, 'syscall_entry_connect', proc, fd=db_fd, uservaddr=0, addrlen=16,
             family=2, dport=3306, v4addr=0x7f000001)
        t.at(t0 + 0.6, cpu, 'syscall_exit_connect', proc, ret=0)
        q = t0 + 0.6
        for i in range(3):
            t.at(q + 0.1, cpu, 'syscall_entry_sendto', proc, fd=db_fd, buff=0, len=64, flags=0,
                 addr=0, addr_len=0)
            t.at(q + 0.12, cpu, 'syscall_exit_sendto', proc, ret=64)
            t.at(q + 0.15, cpu, 'syscall_entry_recvfrom', proc, fd=db_fd, size=4096, flags=0,
                 addr_len=0)
            q += db_ms / 3
            t.at(q, cpu, 'syscall_exit_recvfrom', proc, ret=512, ubuf=0, addr=0, addr_len=0)
        t.at(q + 0.1, cpu, 'syscall_entry_close', proc, fd=db_fd)
        t.at(q + 0.12, cpu, 'syscall_exit_close', proc, ret=0)
        r = q + 0.12 + render_ms
        if not finish:
            return
        t.at(r, cpu, 'syscall_entry_writev', proc, fd=client_fd, vec=0, vlen=2)
        t.at(r + 0.05, cpu, 'syscall_exit_writev', proc, ret=8192)
        t.at(r + 0.3, cpu, 'syscall_entry_close', proc, fd=client_fd)
        t.at(r + 0.32, cpu, 'syscall_exit_close', proc, ret=0)

    w1, w2 = (1000, 'apache2'), (1001, 'apache2')
    # noise before and between requests: the same syscalls from other processes
    t.at(1, 0, 'syscall_exit_accept4', nginx, ret=12, upeer_sockaddr=0, upeer_addrlen=16,
         family=2, sport=1, v4addr=0)
    t.at(2, 1, 'syscall_entry_close', mysqld, fd=12)
    request(10, 0, w1, 12, 13, db_ms=3, render_ms=2)
    request(12, 1, w2, 12, 14, db_ms=120, render_ms=2)  # slow database, same client fd
    t.at(30, 1, 'syscall_entry_close', mysqld, fd=12)  # another process closes fd 12
    request(200, 0, w1, 15, 16, db_ms=3, render_ms=80)  # slow rendering
    request(400, 1, w2, 17, 18, db_ms=250, render_ms=1)  # slow database
    request(700, 0, w1, 19, 20, db_ms=3, render_ms=3)
    request(900, 1, w2, 21, 22, db_ms=3, render_ms=3, finish=False)  # never ends
    t.at(950, 0, 'syscall_exit_accept4', nginx, ret=30, upeer_sockaddr=0, upeer_addrlen=16,
         family=2, sport=1, v4addr=0)
    return t


@scenario
def values(d):
    """Field types and comparisons: a string field, signed integers and strings in
    every event, events that lack some fields; periods open and close on
    the same event, several instances of one period at once, a period per CPU by the packet
    context's cpu_id."""
    t = CtxTrace(d)
    a, b = (10, 'alpha'), (20, 'beta')
    for i in range(6):
        cpu = i % 2
        t.at(10 + i * 10, cpu, 'job_start', a if i % 3 else b, id=i,
             neg=-i, label='job-%d' % i)
        t.at(14 + i * 10 + i, cpu, 'job_step', a, id=i)
        t.at(17 + i * 13, cpu, 'job_end', a if i % 3 else b, id=i, status='ok' if i else 'err')
    t.at(100, 0, 'tick', a)
    t.at(101, 1, 'tick', b)
    return t


@scenario
def ust(d):
    """A user-space (lttng-ust) trace: SESSION/ust/uid/0/64-bit, env domain "ust", tracepoints
    latscope_test:job_start / job_end with an id (jobs 3 and 7 slow)."""
    t = KernelTrace(d, domain='ust', subdir='ust/uid/0/64-bit', tracer=(2, 13, 0))
    for i in range(10):
        slow = 50 if i in (3, 7) else 1
        t.ev((10 + i * 100) * MS, i % 2, 'latscope_test:job_start', id=i)
        t.ev((10 + i * 100 + slow) * MS, i % 2, 'latscope_test:job_end', id=i)
    return t


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('outdir', nargs='?')
    p.add_argument('scenarios', nargs='*')
    p.add_argument('--list', action='store_true')
    args = p.parse_args()
    if args.list:
        for name, fn in SCENARIOS.items():
            print('%-12s %s' % (name, ' '.join(fn.__doc__.split())))
        return 0
    if not args.outdir:
        p.error('OUTDIR is required')
    for name in args.scenarios or SCENARIOS:
        if name not in SCENARIOS:
            print('make_period_trace.py: unknown scenario %r' % name, file=sys.stderr)
            return 2
        SCENARIOS[name](os.path.join(args.outdir, name)).write()
    return 0


if __name__ == '__main__':
    sys.exit(main())
