#!/usr/bin/python3
"""make_trace.py: synthetic LTTng kernel traces for latscope's conformance tests.

Run with /usr/bin/python3 (needs Debian's python3-babeltrace, babeltrace 1's CTFWriter):

    make_trace.py OUTDIR                 every default scenario -> OUTDIR/<scenario>/kernel/
    make_trace.py OUTDIR cputop irq      only these
    make_trace.py --list                 the scenarios and what each one checks
    make_trace.py OUTDIR big --events N  the benchmark trace (N events, about 30 us each to write)

The traces look like what lttng-modules writes: session folder SESSION/kernel/, one stream per CPU
(channel0_N) with cpu_id in the packet context (babeltrace 1's Python binding cannot add a
packet-context field, so the C function of the same library is called through ctypes), a
"monotonic" clock with an offset from the epoch, env domain = "kernel", tracer_name =
"lttng-modules", tracer_major/minor/patchlevel as integers, and LTTng's event and field names and
types (lttng-modules 2.10 layouts; the old sys_*/exit_syscall naming when the tracer is < 2.6).
Events of a scenario are given in any order; they are sorted by time (stable) before writing.
"""

import argparse
import ctypes
import os
import random
import re
import shutil
import sys
from fractions import Fraction

from babeltrace import CTFStringEncoding, CTFWriter

MS = 1000000  # ns per ms: the scenarios give times in ms, like the peer's own tests
DEFAULT_OFFSET_S = 1500000000  # 2017-07-14 02:40:00 UTC: traces start on a fixed, known date

# lttng-modules 2.10 payload layouts (from a real trace's metadata). Type codes:
# i8..i64/u8..u64 integers (x64: u64 printed in hex), comm: char[16] UTF-8, str: string,
# cmd: the block layer's u64 __cmd_length + u8 _cmd[__cmd_length] sequence.
EVENTS = {
    'sched_switch': [('prev_comm', 'comm'), ('prev_tid', 'i32'), ('prev_prio', 'i32'),
                     ('prev_state', 'i64'), ('next_comm', 'comm'), ('next_tid', 'i32'),
                     ('next_prio', 'i32')],
    'sched_wakeup': [('comm', 'comm'), ('tid', 'i32'), ('prio', 'i32'), ('target_cpu', 'i32')],
    'sched_waking': [('comm', 'comm'), ('tid', 'i32'), ('prio', 'i32'), ('target_cpu', 'i32')],
    'sched_wakeup_new': [('comm', 'comm'), ('tid', 'i32'), ('prio', 'i32'),
                         ('target_cpu', 'i32')],
    'sched_migrate_task': [('comm', 'comm'), ('tid', 'i32'), ('prio', 'i32'),
                           ('orig_cpu', 'i32'), ('dest_cpu', 'i32')],
    'sched_process_fork': [('parent_comm', 'comm'), ('parent_tid', 'i32'),
                           ('parent_pid', 'i32'), ('parent_ns_inum', 'u32'),
                           ('child_comm', 'comm'), ('child_tid', 'i32'), ('child_pid', 'i32'),
                           ('child_ns_inum', 'u32')],
    'sched_process_exec': [('filename', 'str'), ('tid', 'i32'), ('old_tid', 'i32')],
    'sched_process_free': [('comm', 'comm'), ('tid', 'i32'), ('prio', 'i32')],
    'sched_pi_setprio': [('comm', 'comm'), ('tid', 'i32'), ('oldprio', 'i32'),
                         ('newprio', 'i32')],
    'irq_handler_entry': [('irq', 'i32'), ('name', 'str')],
    'irq_handler_exit': [('irq', 'i32'), ('ret', 'i32')],
    'softirq_raise': [('vec', 'u32')],
    'softirq_entry': [('vec', 'u32')],
    'softirq_exit': [('vec', 'u32')],
    'block_rq_issue': [('dev', 'u32'), ('sector', 'u64'), ('nr_sector', 'u32'),
                       ('bytes', 'u32'), ('tid', 'i32'), ('rwbs', 'u32'), ('cmd', 'cmd'),
                       ('comm', 'comm')],
    'block_rq_complete': [('dev', 'u32'), ('sector', 'u64'), ('nr_sector', 'u32'),
                          ('errors', 'i32'), ('rwbs', 'u32'), ('cmd', 'cmd')],
    'kmem_mm_page_alloc': [('page', 'x64'), ('pfn', 'u64'), ('order', 'u32'),
                           ('gfp_flags', 'u32'), ('migratetype', 'i32')],
    'kmem_mm_page_free': [('page', 'x64'), ('pfn', 'u64'), ('order', 'u32')],
    'net_dev_xmit': [('skbaddr', 'x64'), ('rc', 'i32'), ('len', 'u32'), ('name', 'str')],
    'netif_receive_skb': [('skbaddr', 'x64'), ('len', 'u32'), ('name', 'str')],
    # lttng-modules' addons (scp-sync's traces): TCP segments out of / into a socket
    'inet_sock_local_out': [('sk', 'x64'), ('seq', 'u32'), ('ack_seq', 'u32'), ('check', 'u16'),
                            ('window', 'u16'), ('flags', 'u16')],
    'inet_sock_local_in': [('sk', 'x64'), ('seq', 'u32'), ('ack_seq', 'u32'), ('check', 'u16'),
                           ('window', 'u16'), ('flags', 'u16')],
    'lttng_statedump_start': [],
    'lttng_statedump_end': [],
    'lttng_statedump_process_state': [('tid', 'i32'), ('vtid', 'i32'), ('pid', 'i32'),
                                      ('vpid', 'i32'), ('ppid', 'i32'), ('vppid', 'i32'),
                                      ('name', 'comm'), ('type', 'i32'), ('mode', 'i32'),
                                      ('submode', 'i32'), ('status', 'i32'),
                                      ('ns_level', 'i32'), ('ns_inum', 'u32'), ('cpu', 'u32')],
    'lttng_statedump_file_descriptor': [('pid', 'i32'), ('fd', 'i32'), ('flags', 'u32'),
                                        ('fmode', 'u32'), ('filename', 'str')],
    'lttng_statedump_block_device': [('dev', 'u32'), ('diskname', 'str')],
}

# System call payloads (entry, exit) for lttng-modules >= 2.6 (syscall_entry_X / syscall_exit_X).
SYSCALLS = {
    'read': ([('fd', 'u32'), ('count', 'u64')], [('ret', 'i64'), ('buf', 'u64')]),
    'write': ([('fd', 'u32'), ('buf', 'u64'), ('count', 'u64')], [('ret', 'i64')]),
    'pread64': ([('fd', 'u32'), ('count', 'u64'), ('pos', 'i64')],
                [('ret', 'i64'), ('buf', 'u64')]),
    'pwrite64': ([('fd', 'u32'), ('buf', 'u64'), ('count', 'u64'), ('pos', 'i64')],
                 [('ret', 'i64')]),
    'open': ([('filename', 'str'), ('flags', 'i32'), ('mode', 'u16')], [('ret', 'i64')]),
    'openat': ([('dfd', 'i32'), ('filename', 'str'), ('flags', 'i32'), ('mode', 'u16')],
               [('ret', 'i64')]),
    'close': ([('fd', 'u32')], [('ret', 'i64')]),
    'fsync': ([('fd', 'u32')], [('ret', 'i64')]),
    'sendto': ([('fd', 'i32'), ('buff', 'u64'), ('len', 'u64'), ('flags', 'u32'),
                ('addr', 'u64'), ('addr_len', 'i32')], [('ret', 'i64')]),
    'recvfrom': ([('fd', 'i32'), ('size', 'u64'), ('flags', 'u32'), ('addr_len', 'u64')],
                 [('ret', 'i64'), ('ubuf', 'u64'), ('addr', 'u64'), ('addr_len', 'u64')]),
    'nanosleep': ([('rqtp', 'u64')], [('ret', 'i64'), ('rmtp', 'u64')]),
    'futex': ([('uaddr', 'u64'), ('op', 'i32'), ('val', 'u32'), ('utime', 'u64'),
               ('uaddr2', 'u64'), ('val3', 'u32')], [('ret', 'i64'), ('uaddr', 'u64'),
                                                     ('uaddr2', 'u64')]),
    'getpid': ([], [('ret', 'i64')]),
    'exit_group': ([('error_code', 'i32')], [('ret', 'i64')]),
}
# lttng-modules < 2.6: entries sys_X (32-bit fields on the traces we have), one exit_syscall.
OLD_SYSCALLS = {
    'read': [('fd', 'u32'), ('buf', 'x64'), ('count', 'u64')],
    'write': [('fd', 'u32'), ('buf', 'x64'), ('count', 'u64')],
    'open': [('filename', 'str'), ('flags', 'i32'), ('mode', 'u16')],
    'close': [('fd', 'u32')],
    'fsync': [('fd', 'u32')],
    'nanosleep': [('rqtp', 'x64'), ('rmtp', 'x64')],
    'getpid': [],
}
OLD_EXIT = [('ret', 'i64')]

_lib = ctypes.CDLL('libbabeltrace-ctf.so.1')
for _fn in ('bt_ctf_stream_class_get_packet_context_type', 'bt_ctf_stream_get_packet_context',
            'bt_ctf_field_structure_get_field'):
    getattr(_lib, _fn).restype = ctypes.c_void_p


def _ptr(swig_obj):
    return ctypes.c_void_p(int(swig_obj))


class KernelTrace:
    """Collects events (ev()) then writes them (write()) as an LTTng kernel CTF trace."""

    def __init__(self, session_dir, tracer=(2, 10, 5), domain='kernel', subdir='kernel',
                 offset_s=DEFAULT_OFFSET_S, hostname='latscope-test', packet_events=256,
                 stagger_ns=0, layouts=None, cpu_field=False):
        # domain=None: no env.domain (nor tracer_name, hostname...), as generic CTF writers
        # write; cpu_field: cpu_id is a field of every event (the payload's last one) and the
        # events go to one stream (new_stream() starts another), as lttng-analyses' own test
        # writer does, instead of lttng-modules' one stream per CPU with cpu_id in its packets
        self.cpu_field = cpu_field
        self.stream_of = []  # by seq: the stream number (cpu_field traces)
        self.stream_no = 0
        self.session_dir = session_dir
        self.path = os.path.join(session_dir, subdir)
        self.tracer = tracer
        self.domain = domain
        self.offset_s = offset_s
        self.hostname = hostname
        self.packet_events = packet_events
        # every event of CPU n is shifted by n * stagger_ns: no two CPUs then have events at the
        # same time, whose merge order would be the decoder's choice (babeltrace 1 and 2 differ)
        self.stagger_ns = stagger_ns
        self.old_naming = tuple(tracer) < (2, 6, 0)
        self.events = []  # (ts_ns, seq, cpu, name, fields)
        self.discarded = []  # (ts_ns, seq, cpu, count): added to the packet holding ts
        self.cpus = set()
        self.layouts = layouts or {}  # event name -> payload layout, overriding EVENTS

    # --- event collection ------------------------------------------------------------------
    def ev(self, ts_ns, cpu, event, /, **fields):
        ts = int(ts_ns) + cpu * self.stagger_ns
        self.stream_of.append(self.stream_no)
        self.events.append((ts, len(self.events), cpu, event, fields))
        self.cpus.add(cpu)

    def new_stream(self):
        """cpu_field traces: the next events go to a new stream (no-op otherwise)."""
        self.stream_no += 1

    def lost(self, ts_ns, cpu, count):
        """count events discarded by the tracer on CPU cpu, in the packet that holds ts_ns."""
        self.discarded.append((int(ts_ns) + cpu * self.stagger_ns, cpu, count))
        self.cpus.add(cpu)

    def sched_switch(self, ms, cpu, prev_comm, prev_tid, next_comm, next_tid, prev_prio=20,
                     prev_state=1, next_prio=20):
        self.ev(ms * MS, cpu, 'sched_switch', prev_comm=prev_comm, prev_tid=prev_tid,
                prev_prio=prev_prio, prev_state=prev_state, next_comm=next_comm,
                next_tid=next_tid, next_prio=next_prio)

    def switch_50pc(self, begin_ms, end_ms, cpu, period_ms, comm1, tid1, comm2, tid2):
        """comm2 and comm1 alternate on cpu every period_ms (comm2 first), like the peer's
        sched_switch_50pc."""
        t = begin_ms
        while t < end_ms:
            self.sched_switch(t, cpu, comm1, tid1, comm2, tid2)
            t += period_ms
            self.sched_switch(t, cpu, comm2, tid2, comm1, tid1)
            t += period_ms

    def syscall(self, ms, cpu, name, dur_ms=None, ret=0, exit_fields=None, **entry):
        """An entry at ms and, when dur_ms is not None, its exit dur_ms later."""
        if self.old_naming:
            self.ev(ms * MS, cpu, 'sys_' + name, **entry)
        else:
            self.ev(ms * MS, cpu, 'syscall_entry_' + name, **entry)
        if dur_ms is not None:
            self.syscall_exit((ms + dur_ms), cpu, name, ret, **(exit_fields or {}))

    def syscall_exit(self, ms, cpu, name, ret=0, **fields):
        if self.old_naming:
            self.ev(ms * MS, cpu, 'exit_syscall', ret=ret)
        else:
            self.ev(ms * MS, cpu, 'syscall_exit_' + name, ret=ret, **fields)

    def statedump_process(self, ms, cpu, tid, pid, name, ppid=1, prio=20, status=5):
        self.ev(ms * MS, cpu, 'lttng_statedump_process_state', tid=tid, vtid=tid, pid=pid,
                vpid=pid, ppid=ppid, vppid=ppid, name=name, type=0, mode=5, submode=0,
                status=status, ns_level=0, ns_inum=4026531836, cpu=cpu)

    # --- writing ---------------------------------------------------------------------------
    def _int(self, bits, signed, base=10, align=8):
        t = CTFWriter.IntegerFieldDeclaration(bits)
        t.signed = signed
        t.alignment = align
        if base != 10:
            t.base = base
        return t

    def _types(self):
        u8 = self._int(8, False)
        char = self._int(8, False)
        char.encoding = CTFStringEncoding.UTF8
        types = {
            'i16': self._int(16, True), 'u16': self._int(16, False),
            'i32': self._int(32, True), 'u32': self._int(32, False),
            'i64': self._int(64, True), 'u64': self._int(64, False),
            'u8': u8, 'x64': self._int(64, False, base=16),
            'comm': CTFWriter.ArrayFieldDeclaration(char, 16),
            'str': CTFWriter.StringFieldDeclaration(),
            'cmd_len': self._int(64, False),
            'cmd': CTFWriter.SequenceFieldDeclaration(self._int(8, False, base=16),
                                                      '__cmd_length'),
        }
        types.update(_nethdr_types(self._int))
        return types

    def _layout(self, name, fields):
        if name in self.layouts:
            return self.layouts[name]
        if name in EVENTS:
            return EVENTS[name]
        for prefix, idx in (('syscall_entry_', 0), ('syscall_exit_', 1)):
            if name.startswith(prefix) and name[len(prefix):] in SYSCALLS:
                return SYSCALLS[name[len(prefix):]][idx]
        if name.startswith('sys_') and name[4:] in OLD_SYSCALLS:
            return OLD_SYSCALLS[name[4:]]
        if name == 'exit_syscall':
            return OLD_EXIT
        # anything else: infer the types from the values given at the first occurrence
        return [(k, 'str' if isinstance(v, str) else 'i64') for k, v in fields.items()]

    def write(self):
        self._write_ctf()  # returns once babeltrace has released (and flushed) everything
        # lttng-modules writes the tracer version as integers; the writer only has strings
        meta = os.path.join(self.path, 'metadata')
        with open(meta) as f:
            text = f.read()
        text = re.sub(r'(tracer_(?:major|minor|patchlevel)) = "(\d+)";', r'\1 = \2;', text)
        with open(meta, 'w') as f:
            f.write(text)
        return self.path

    def _write_ctf(self):
        if os.path.exists(self.path):
            shutil.rmtree(self.path)
        os.makedirs(os.path.dirname(self.path) or '.', exist_ok=True)
        types = self._types()
        writer = CTFWriter.Writer(self.path)
        clock = CTFWriter.Clock('monotonic')
        clock.description = 'Monotonic Clock'
        clock.offset_seconds = self.offset_s
        writer.add_clock(clock)
        env = [('hostname', self.hostname), ('domain', self.domain), ('sysname', 'Linux'),
               ('kernel_release', '6.1.0-latscope'), ('kernel_version', '#1 SMP'),
               ('tracer_name', 'lttng-modules' if self.domain == 'kernel' else 'lttng-ust'),
               ('tracer_major', self.tracer[0]), ('tracer_minor', self.tracer[1]),
               ('tracer_patchlevel', self.tracer[2])]
        if self.domain is None:  # a generic CTF writer: the tracer version only
            env = [('writer', 'make_trace.py')] + env[-3:]
        for k, v in env:
            writer.add_environment_field(k, v)
        sc = CTFWriter.StreamClass('channel0')
        sc.clock = clock
        classes = {}
        for _, _, _, name, fields in self.events:
            if name in classes:
                continue
            ec = CTFWriter.EventClass(name)
            layout = self._layout(name, fields)
            for fname, code in layout:
                if code == 'cmd':
                    ec.add_field(types['cmd_len'], '__cmd_length')
                    ec.add_field(types['cmd'], '_cmd')
                elif code == 'nethdr':
                    ec.add_field(types['nh_enum'], '_network_header_type')
                    ec.add_field(types['nh_var'], '_network_header')
                else:
                    ec.add_field(types[code], '_' + fname)
            if self.cpu_field:
                ec.add_field(types['u32'], '_cpu_id')
            sc.add_event_class(ec)
            classes[name] = (ec, layout)
        streams = {}
        if self.cpu_field:  # one stream (a few with new_stream()), cpu_id in the events
            for n in sorted(set(self.stream_of)):
                streams[n] = [writer.create_stream(sc), 0]
            self._write_events(clock, classes, streams, lambda seq, cpu: self.stream_of[seq])
            writer.flush_metadata()
            return
        # cpu_id in the packet context, where lttng-modules puts it
        pct = _lib.bt_ctf_stream_class_get_packet_context_type(_ptr(sc._sc))
        if _lib.bt_ctf_field_type_structure_add_field(ctypes.c_void_p(pct),
                                                      _ptr(types['u32']._ft), b'cpu_id'):
            raise RuntimeError('cannot add cpu_id to the packet context')
        for cpu in sorted(self.cpus):
            s = writer.create_stream(sc)
            pc = _lib.bt_ctf_stream_get_packet_context(_ptr(s._s))
            f = _lib.bt_ctf_field_structure_get_field(ctypes.c_void_p(pc), b'cpu_id')
            _lib.bt_ctf_field_unsigned_integer_set_value(ctypes.c_void_p(f),
                                                          ctypes.c_uint64(cpu))
            streams[cpu] = [s, 0]
        self._write_events(clock, classes, streams, lambda seq, cpu: cpu)
        writer.flush_metadata()

    def _write_events(self, clock, classes, streams, stream_key):
        lost = sorted(self.discarded)
        for ts, seq, cpu, name, fields in sorted(self.events, key=lambda e: (e[0], e[1])):
            while lost and lost[0][0] <= ts:
                _, lcpu, count = lost.pop(0)
                streams[lcpu][0].append_discarded_events(count)
            ec, layout = classes[name]
            e = CTFWriter.Event(ec)
            for fname, code in layout:
                v = fields.get(fname, '' if code in ('str', 'comm') else 0)
                if code == 'comm':
                    b = v.encode()[:15] + b'\0' * 16
                    arr = e.payload('_' + fname)
                    for i in range(16):
                        arr.field(i).value = b[i]
                elif code == 'cmd':
                    n = e.payload('__cmd_length')
                    n.value = 0
                    e.payload('_cmd').length = n
                elif code == 'nethdr':
                    _write_nethdr(e, fields.get(fname))
                elif code == 'str':
                    e.payload('_' + fname).value = str(v)
                else:
                    e.payload('_' + fname).value = int(v)
            if self.cpu_field:
                e.payload('_cpu_id').value = cpu
            clock.time = ts
            st = streams[stream_key(seq, cpu)]
            st[0].append_event(e)
            st[1] += 1
            if st[1] % self.packet_events == 0:
                st[0].flush()
        for ts, cpu, count in lost:  # after the last event: in the last packet
            streams[cpu][0].append_discarded_events(count)
        for s, _ in streams.values():
            s.flush()


# --- scenarios ------------------------------------------------------------------------------
# Each takes the session folder, writes a trace there, and has a docstring saying what it checks.
SCENARIOS = {}


def scenario(default=True):
    def reg(fn):
        SCENARIOS[fn.__name__] = (fn, default)
        return fn
    return reg


@scenario()
def cputop(d, **style):
    """The peer's cputop test: 100 % on CPU 5, 20 % (CPU 0) and 25 % (CPU 1) tasks, alternating
    with swapper every 100 ms; per-stream CPU ids. Use --no-intersection (CPUs span different
    ranges)."""
    t = KernelTrace(d, tracer=(2, 8, 0), offset_s=0, **style)
    t.sched_switch(1000, 5, 'swapper/5', 0, 'prog100pc-cpu5', 42)
    t.switch_50pc(1100, 5000, 0, 100, 'swapper/0', 0, 'prog20pc-cpu0', 30664)
    t.switch_50pc(5100, 10000, 1, 100, 'swapper/1', 0, 'prog25pc-cpu1', 30665)
    t.sched_switch(11000, 5, 'prog100pc-cpu5', 42, 'swapper/5', 0)
    return t


@scenario()
def irq(d, **style):
    """The peer's irq test: softirq raise/entry/exit on CPUs 1 and 3 (TIMER, RCU, SCHED), six
    ahci hard IRQs (41) each raising BLOCK on CPU 0, one softirq_exit without entry. Use
    --no-intersection."""
    t = KernelTrace(d, tracer=(2, 8, 0), offset_s=0, **style)
    seq = [('raise', 1000, 1, 1), ('raise', 1001, 3, 1), ('raise', 1002, 1, 9),
           ('exit', 1003, 0, 4), ('raise', 1004, 3, 9), ('raise', 1005, 3, 7),
           ('entry', 1006, 3, 1), ('entry', 1007, 1, 1), ('exit', 1008, 1, 1),
           ('exit', 1009, 3, 1), ('entry', 1010, 1, 9), ('entry', 1011, 3, 7),
           ('exit', 1012, 1, 9), ('exit', 1013, 3, 7), ('entry', 1014, 3, 9),
           ('exit', 1015, 3, 9)]
    for kind, ms, cpu, vec in seq:
        t.ev(ms * MS, cpu, 'softirq_' + kind, vec=vec)
    for base in range(1016, 1042, 5):
        t.ev(base * MS, 0, 'irq_handler_entry', irq=41, name='ahci')
        t.ev((base + 1) * MS, 0, 'softirq_raise', vec=4)
        t.ev((base + 2) * MS, 0, 'irq_handler_exit', irq=41, ret=1)
        t.ev((base + 3) * MS, 0, 'softirq_entry', vec=4)
        t.ev((base + 4) * MS, 0, 'softirq_exit', vec=4)
    return t


@scenario()
def io(d, **style):
    """The peer's io test: statedump of app (99) and of fd 3 'testfile' of app2 (100); write of
    10 B, read of 100 B, a read on an unknown fd of an unknown task (101) returning 42; a block
    write and read on dev 8:0; net xmit on wlan0 and receive on wlan1/wlan0; an open. Use
    --no-intersection."""
    t = KernelTrace(d, tracer=(2, 8, 0), offset_s=0, **style)
    t.statedump_process(1000, 0, 99, 99, 'app', ppid=98)
    t.ev(1001 * MS, 0, 'lttng_statedump_file_descriptor', pid=100, fd=3, flags=0, fmode=0,
         filename='testfile')
    t.sched_switch(1002, 0, 'swapper/0', 0, 'app', 99)
    t.syscall(1004, 0, 'write', 1, ret=10, fd=4, buf=0xabcd, count=10)
    t.sched_switch(1006, 0, 'app', 99, 'app2', 100)
    t.syscall(1008, 0, 'read', 1, ret=100, exit_fields={'buf': 0xcafe}, fd=3, count=100)
    t.sched_switch(1010, 0, 'app2', 100, 'app3', 101)
    t.syscall(1012, 0, 'read', 1, ret=42, exit_fields={'buf': 0xcafe}, fd=3, count=100)
    t.ev(1015 * MS, 0, 'block_rq_issue', dev=264241152, sector=33, nr_sector=10, bytes=40,
         tid=99, rwbs=0, comm='app')
    t.ev(1016 * MS, 0, 'block_rq_complete', dev=264241152, sector=33, nr_sector=10, errors=0,
         rwbs=0)
    t.ev(1017 * MS, 0, 'block_rq_issue', dev=8388608, sector=33, nr_sector=20, bytes=90,
         tid=101, rwbs=1, comm='app3')
    t.ev(1018 * MS, 0, 'block_rq_complete', dev=8388608, sector=33, nr_sector=20, errors=0,
         rwbs=1)
    t.ev(1020 * MS, 2, 'net_dev_xmit', skbaddr=0xff, rc=0, len=32, name='wlan0')
    t.ev(1021 * MS, 1, 'netif_receive_skb', skbaddr=0xff, len=100, name='wlan1')
    t.ev(1022 * MS, 1, 'netif_receive_skb', skbaddr=0xff, len=200, name='wlan0')
    t.syscall(1023, 0, 'open', 1, ret=42, filename='test/open/file', flags=0, mode=0)
    return t


@scenario()
def no_intersection(d, **style):
    """The peer's intersection test: CPU 3 holds [1005, 1009] ms, CPU 2 only 1010 ms; the streams
    do not overlap, so the default (intersection) mode has nothing to analyse."""
    t = KernelTrace(d, tracer=(2, 8, 0), offset_s=0, **style)
    t.ev(1005 * MS, 3, 'softirq_raise', vec=1)
    t.ev(1006 * MS, 3, 'softirq_entry', vec=1)
    t.ev(1009 * MS, 3, 'softirq_exit', vec=1)
    t.new_stream()
    t.ev(1010 * MS, 2, 'softirq_exit', vec=7)
    return t


# The same four scenarios as lttng-analyses' own integration tests write them (its
# tests/integration/trace_writer.py, babeltrace 1's CTFWriter): one stream for every CPU,
# cpu_id a field of each event, no env.domain, the tracer version only.
CTF_WRITER = {'domain': None, 'cpu_field': True}


@scenario()
def ctfw_cputop(d):
    """cputop as the peer's test writer writes it: one stream, cpu_id an event field, no
    env.domain (kernel-ness from the events, CPUs from the events). Use --no-intersection."""
    return cputop(d, **CTF_WRITER)


@scenario()
def ctfw_irq(d):
    """irq as the peer's test writer writes it (one stream, cpu_id an event field, no
    env.domain). Use --no-intersection."""
    return irq(d, **CTF_WRITER)


@scenario()
def ctfw_io(d):
    """io as the peer's test writer writes it (one stream, cpu_id an event field, no
    env.domain); one stream, so the intersection is the whole trace."""
    return io(d, **CTF_WRITER)


@scenario()
def ctfw_intersect(d):
    """no_intersection as the peer's test writer writes it: a first stream with CPU 3's events
    [1005, 1009] ms, a second one with CPU 2's at 1010 ms (cpu_id an event field, no
    env.domain)."""
    return no_intersection(d, **CTF_WRITER)


@scenario()
def cputop_nodomain(d):
    """cputop as lttng-modules writes it (one stream per CPU, cpu_id in the packets) but
    without env.domain, in a folder not named kernel (SESSION/trace/): read as a kernel trace
    from the events it declares, with a note saying so. Use --no-intersection."""
    t = cputop(d, domain=None)
    t.path = os.path.join(d, 'trace')
    return t


@scenario()
def irq_cpufield(d):
    """irq of an lttng-modules-like trace (env.domain kernel) whose cpu_id is an event field
    (one stream): softirqs of different CPUs stay apart. Use --no-intersection."""
    return irq(d, cpu_field=True)


@scenario()
def whole_trace(d):
    """Tasks alive across the whole trace: 'longrun' (200) runs on CPU 0 from before the first
    event to after the last one (never switched), 'early' (201) is switched out at 10 ms without
    a switch-in, 'late' (202) is switched in at 90 ms and never out; CPU 1 alternates two tasks
    for the whole 100 ms so both streams span the same range."""
    t = KernelTrace(d, stagger_ns=1000)
    t.statedump_process(0, 1, 200, 200, 'longrun')
    t.ev(1 * MS, 0, 'syscall_entry_getpid')
    t.syscall_exit(2, 0, 'getpid', ret=200)
    t.sched_switch(10, 0, 'early', 201, 'longrun', 200)
    t.sched_switch(90, 0, 'longrun', 200, 'late', 202)
    t.ev(100 * MS, 0, 'syscall_entry_getpid')
    t.switch_50pc(0, 100, 1, 10, 'worker', 300, 'helper', 301)
    t.ev(100 * MS, 1, 'syscall_entry_getpid')
    return t


@scenario()
def migrations(d):
    """Migrations: 'mover' (400) runs alternately on CPUs 0 and 1 with sched_migrate_task
    events between, 'stay' (401) stays on CPU 0, prio changes of mover (20 -> 10 via
    sched_pi_setprio and next_prio)."""
    t = KernelTrace(d, stagger_ns=1000)
    t.statedump_process(0, 0, 400, 400, 'mover')
    t.statedump_process(0, 0, 401, 401, 'stay')
    for i in range(6):
        cpu = i % 2
        base = 10 + i * 20
        prio = 20 if i < 3 else 10
        t.sched_switch(base, cpu, 'swapper/%d' % cpu, 0, 'mover', 400, next_prio=prio)
        t.sched_switch(base + 8, cpu, 'mover', 400, 'swapper/%d' % cpu, 0, prev_prio=prio)
        t.ev((base + 9) * MS, cpu, 'sched_migrate_task', comm='mover', tid=400, prio=prio,
             orig_cpu=cpu, dest_cpu=1 - cpu)
        if i == 2:
            t.ev((base + 9) * MS + 1, cpu, 'sched_pi_setprio', comm='mover', tid=400,
                 oldprio=20, newprio=10)
    t.switch_50pc(0, 140, 0, 35, 'swapper/0', 0, 'stay', 401)
    t.sched_switch(140, 1, 'swapper/1', 0, 'swapper/1', 0)
    return t


@scenario()
def syscalls(d):
    """System calls: exits without entries (at trace start), entries without exits (at trace
    end), errors (ENOENT, EAGAIN, EBADF), a nanosleep spanning a context switch, counts for
    syscallstats on two tasks and CPUs."""
    t = KernelTrace(d, stagger_ns=1000)
    t.sched_switch(0, 0, 'swapper/0', 0, 'app', 500)
    t.sched_switch(0, 1, 'swapper/1', 0, 'tool', 510)
    t.syscall_exit(1, 0, 'read', ret=5, buf=0)  # no entry: began before the trace
    t.syscall_exit(1, 1, 'write', ret=5)
    t.statedump_process(2, 0, 500, 500, 'app')
    t.statedump_process(2, 0, 510, 510, 'tool')
    for i in range(10):
        t.syscall(5 + i * 3, 0, 'read', 1 + (i % 3) * 0.25, ret=64 + i,
                  exit_fields={'buf': 0x1000}, fd=3, count=4096)
    for i in range(4):
        t.syscall(40 + i * 2, 0, 'openat', 0.5, ret=-2, dfd=-100, filename='/nope/%d' % i,
                  flags=0, mode=0)
    t.syscall(50, 0, 'openat', 0.125, ret=4, dfd=-100, filename='/etc/hosts', flags=0,
              mode=0)
    t.syscall(51, 0, 'close', 0.0625, ret=0, fd=4)
    t.syscall(52, 0, 'close', 0.0625, ret=-9, fd=99)
    for i in range(7):
        t.syscall(5 + i * 4, 1, 'write', 2, ret=512, fd=1, buf=0x2000, count=512)
    t.syscall(40, 1, 'recvfrom', 3, ret=-11, fd=5, size=1500, flags=0, addr_len=0)
    t.syscall(45, 1, 'futex', 1, ret=0, uaddr=0x7f00, op=128, val=1)
    # nanosleep: app sleeps 10 ms off-CPU
    t.ev(60 * MS, 0, 'syscall_entry_nanosleep', rqtp=0x7ff0)
    t.sched_switch(60.5, 0, 'app', 500, 'swapper/0', 0, prev_state=1)
    t.ev(70 * MS, 1, 'sched_waking', comm='app', tid=500, prio=20, target_cpu=0)
    t.sched_switch(70.25, 0, 'swapper/0', 0, 'app', 500)
    t.syscall_exit(70.5, 0, 'nanosleep', ret=0, rmtp=0)
    # entries without exits at the end
    t.ev(80 * MS, 0, 'syscall_entry_read', fd=3, count=10)
    t.ev(80 * MS, 1, 'syscall_entry_write', fd=1, buf=0, count=1)
    return t


@scenario()
def old_syscalls(d):
    """lttng-modules 2.5 naming: sys_read/sys_open/sys_close entries and exit_syscall exits (the
    syscall name comes from the running task's last entry), one exit without an entry."""
    t = KernelTrace(d, tracer=(2, 5, 0), stagger_ns=1000)
    t.sched_switch(0, 0, 'swapper/0', 0, 'oldapp', 600)
    t.sched_switch(0, 1, 'swapper/1', 0, 'oldtool', 601)
    t.syscall_exit(1, 0, 'read', ret=3)
    for i in range(5):
        t.syscall(2 + i * 4, 0, 'read', 1.5, ret=100, fd=3, buf=0x1000, count=100)
        t.syscall(3 + i * 4, 1, 'write', 0.5, ret=10, fd=1, buf=0x1000, count=10)
    t.syscall(30, 0, 'open', 0.25, ret=-2, filename='/missing', flags=0, mode=0)
    t.syscall(31, 0, 'open', 0.25, ret=5, filename='/etc/passwd', flags=0, mode=0)
    t.syscall(32, 0, 'close', 0.25, ret=0, fd=5)
    t.sched_switch(40, 0, 'oldapp', 600, 'swapper/0', 0)
    t.sched_switch(40, 1, 'oldtool', 601, 'swapper/1', 0)
    return t


@scenario()
def lost_events(d):
    """Discarded events: CPU 0 reports 7 lost events in its second packet, CPU 1 reports 3 in
    its last one; the rest is ordinary scheduling and syscalls (small packets of 16 events)."""
    t = KernelTrace(d, stagger_ns=1000)
    t.packet_events = 16
    for cpu in (0, 1):
        t.switch_50pc(0, 100, cpu, 2, 'swapper/%d' % cpu, 0, 'busy%d' % cpu, 700 + cpu)
        for i in range(20):
            t.syscall(1 + i * 4, cpu, 'getpid', 0.5, ret=700 + cpu)
    t.lost(20 * MS, 0, 7)
    t.lost(99 * MS, 1, 3)
    return t


@scenario()
def memory(d):
    """Page allocations and frees (kmem_mm_page_alloc/free) by three tasks on two CPUs, some
    while swapper runs (attributed to no task)."""
    t = KernelTrace(d, stagger_ns=1000)
    t.sched_switch(0, 0, 'swapper/0', 0, 'alloc', 800)
    t.sched_switch(0, 1, 'swapper/1', 0, 'freer', 801)
    for i in range(30):
        t.ev((1 + i) * MS, 0, 'kmem_mm_page_alloc', page=0xffffea0000000000 + i * 64,
             pfn=1000 + i, order=0, gfp_flags=0x24200ca, migratetype=1)
    for i in range(12):
        t.ev((1 + i * 2) * MS, 1, 'kmem_mm_page_free', page=0xffffea0000000000 + i * 64,
             pfn=1000 + i, order=0)
    t.sched_switch(40, 0, 'alloc', 800, 'both', 802)
    for i in range(5):
        t.ev((41 + i) * MS, 0, 'kmem_mm_page_alloc', page=0xffffea0000100000 + i * 64,
             pfn=5000 + i, order=0, gfp_flags=0, migratetype=0)
        t.ev((41 + i) * MS + 500, 0, 'kmem_mm_page_free', page=0xffffea0000100000 + i * 64,
             pfn=5000 + i, order=0)
    t.sched_switch(50, 1, 'freer', 801, 'swapper/1', 0)
    t.ev(51 * MS, 1, 'kmem_mm_page_free', page=0xffffea0000200000, pfn=1, order=0)
    t.sched_switch(60, 0, 'both', 802, 'swapper/0', 0)
    t.sched_switch(60, 1, 'swapper/1', 0, 'swapper/1', 0)
    return t


@scenario()
def sched(d):
    """Wakeup -> switch latencies: sched_waking and sched_wakeup (first one kept), a wakeup of a
    task already running (ignored), sched_wakeup_new after a fork, an exec, waker known and
    unknown, three priorities, on 2 CPUs."""
    t = KernelTrace(d, stagger_ns=1000)
    t.statedump_process(0, 0, 900, 900, 'server')
    t.statedump_process(0, 0, 901, 900, 'server-w1')
    t.statedump_process(0, 0, 902, 902, 'client')
    t.sched_switch(1, 0, 'swapper/0', 0, 'client', 902)
    t.sched_switch(1, 1, 'swapper/1', 0, 'server', 900)
    lat = [0.05, 0.125, 0.2, 1.5, 0.075, 0.3, 0.01, 2.25]
    for i, l in enumerate(lat):
        base = 5 + i * 10
        # client wakes server-w1 (prio 20 or 0) on CPU 1
        prio = 20 if i % 3 else 0
        t.ev(base * MS, 0, 'sched_waking', comm='server-w1', tid=901, prio=prio, target_cpu=1)
        t.ev(base * MS + 1000, 1, 'sched_wakeup', comm='server-w1', tid=901, prio=prio,
             target_cpu=1)
        t.sched_switch(base + l, 1, 'server', 900, 'server-w1', 901, next_prio=prio)
        t.sched_switch(base + 3, 1, 'server-w1', 901, 'server', 900, prev_prio=prio)
        # a wakeup of client, which is already running: ignored
        t.ev((base + 4) * MS, 1, 'sched_wakeup', comm='client', tid=902, prio=20, target_cpu=0)
    # fork + wakeup_new + exec, woken from an interrupt-like context on CPU 0 (waker = client)
    t.ev(90 * MS, 0, 'sched_process_fork', parent_comm='client', parent_tid=902,
         parent_pid=902, child_comm='client', child_tid=903, child_pid=903)
    t.ev(90 * MS + 100, 0, 'sched_wakeup_new', comm='client', tid=903, prio=20, target_cpu=1)
    t.sched_switch(90.4, 1, 'server', 900, 'client', 903)
    t.ev(90.5 * MS, 1, 'sched_process_exec', filename='/usr/bin/child', tid=903, old_tid=903)
    t.sched_switch(92, 1, 'child', 903, 'server', 900)
    # a task never seen before, woken by nobody known (CPU idle)
    t.sched_switch(93, 0, 'client', 902, 'swapper/0', 0)
    t.ev(94 * MS, 0, 'sched_waking', comm='kworker/0:1', tid=30, prio=-100 + 120,
         target_cpu=0)
    t.sched_switch(94.5, 0, 'swapper/0', 0, 'kworker/0:1', 30, next_prio=20)
    t.sched_switch(95, 0, 'kworker/0:1', 30, 'swapper/0', 0)
    t.sched_switch(100, 1, 'server', 900, 'swapper/1', 0)
    return t


@scenario()
def multi_cpu(d):
    """Four CPUs, everything at once: statedump (processes, fds, block devices), scheduling with
    wakeups, file and network syscalls, block requests on two disks, hard and soft IRQs, page
    allocations, network packets; 200 ms."""
    t = KernelTrace(d, stagger_ns=1000)
    t.ev(0, 0, 'lttng_statedump_start')
    t.ev(100, 0, 'lttng_statedump_block_device', dev=8388608, diskname='sda')
    t.ev(100, 0, 'lttng_statedump_block_device', dev=8388624, diskname='sdb')
    t.ev(100, 0, 'lttng_statedump_block_device', dev=264241152, diskname='vda')
    names = {1000: 'db', 1001: 'web', 1002: 'cron', 1003: 'backup'}
    for tid, name in names.items():
        t.statedump_process(0.001, 0, tid, tid, name)
        t.ev(200, 0, 'lttng_statedump_file_descriptor', pid=tid, fd=3, flags=0, fmode=0,
             filename='/var/%s/data' % name)
    t.ev(300, 0, 'lttng_statedump_end')
    for cpu, tid in zip(range(4), names):
        t.sched_switch(1, cpu, 'swapper/%d' % cpu, 0, names[tid], tid)
    for step in range(40):
        ms = 2 + step * 5
        cpu = step % 4
        tid = list(names)[cpu]
        name = names[tid]
        t.syscall(ms, cpu, 'read', 0.5 + (step % 5) * 0.1, ret=4096,
                  exit_fields={'buf': 0x1000}, fd=3, count=4096)
        t.syscall(ms + 1, cpu, 'write', 0.25 + (step % 3) * 0.05, ret=1024, fd=3,
                  buf=0x1000, count=1024)
        if step % 4 == 1:
            t.syscall(ms + 2, cpu, 'sendto', 0.125, ret=1400, fd=7, buff=0, len=1400,
                      flags=0, addr=0, addr_len=0)
            t.ev((ms + 2.1) * MS, cpu, 'net_dev_xmit', skbaddr=0xffff0000 + step, rc=0,
                 len=1466, name='eth0')
        if step % 4 == 3:
            t.ev((ms + 2) * MS, cpu, 'netif_receive_skb', skbaddr=0xffff1000 + step,
                 len=1500, name='eth0')
        if step % 5 == 0:
            dev = 8388608 if step % 10 == 0 else 8388624
            t.ev((ms + 1.5) * MS, cpu, 'block_rq_issue', dev=dev, sector=1000 + step * 8,
                 nr_sector=8, bytes=4096, tid=tid, rwbs=1 if step % 2 else 0, comm=name)
            t.ev((ms + 3.5) * MS, (cpu + 1) % 4, 'irq_handler_entry', irq=14, name='ata_piix')
            t.ev((ms + 3.5) * MS + 2000, (cpu + 1) % 4, 'block_rq_complete', dev=dev,
                 sector=1000 + step * 8, nr_sector=8, errors=0, rwbs=1 if step % 2 else 0)
            t.ev((ms + 3.5) * MS + 3000, (cpu + 1) % 4, 'softirq_raise', vec=4)
            t.ev((ms + 3.5) * MS + 9000, (cpu + 1) % 4, 'irq_handler_exit', irq=14, ret=1)
            t.ev((ms + 3.5) * MS + 12000, (cpu + 1) % 4, 'softirq_entry', vec=4)
            t.ev((ms + 3.5) * MS + 20000 + step * 100, (cpu + 1) % 4, 'softirq_exit', vec=4)
        t.ev((ms + 0.2) * MS, cpu, 'irq_handler_entry', irq=0, name='timer')
        t.ev((ms + 0.2) * MS + 1500 + step * 10, cpu, 'softirq_raise', vec=1)
        t.ev((ms + 0.2) * MS + 3000 + step * 20, cpu, 'irq_handler_exit', irq=0, ret=1)
        t.ev((ms + 0.2) * MS + 4000 + step * 20, cpu, 'softirq_entry', vec=1)
        t.ev((ms + 0.2) * MS + 9000 + step * 30, cpu, 'softirq_exit', vec=1)
        t.ev((ms + 0.3) * MS, cpu, 'kmem_mm_page_alloc', page=0xffffea0000000000 + step,
             pfn=step, order=0, gfp_flags=0, migratetype=0)
        if step % 2:
            t.ev((ms + 0.4) * MS, cpu, 'kmem_mm_page_free', page=0xffffea0000000000 + step,
                 pfn=step, order=0)
        # a context switch through swapper with a wakeup from another CPU
        t.sched_switch(ms + 3, cpu, name, tid, 'swapper/%d' % cpu, 0)
        t.ev((ms + 3.4) * MS, (cpu + 1) % 4, 'sched_waking', comm=name, tid=tid, prio=20,
             target_cpu=cpu)
        t.sched_switch(ms + 3.4 + 0.01 * (step % 7 + 1), cpu, 'swapper/%d' % cpu, 0, name,
                       tid)
    for cpu, tid in zip(range(4), names):
        t.sched_switch(205, cpu, names[tid], tid, 'swapper/%d' % cpu, 0)
    return t


@scenario(default=False)
def ust_only(d):
    """Not a kernel trace: an lttng-ust-like trace (env domain "ust", SESSION/ust/uid/0/64-bit)
    with one tracepoint; kernel analyses must refuse it."""
    t = KernelTrace(d, domain='ust', subdir='ust/uid/0/64-bit', tracer=(2, 13, 0))
    for i in range(10):
        t.ev(i * MS, 0, 'my_provider:my_event', value=i, text='hello')
    return t


@scenario(default=False)
def big(d, events=2000000):
    """The benchmark trace: about `events` events on 2 CPUs (scheduling, syscalls, IRQs, pages,
    block), in 4096-event packets."""
    t = KernelTrace(d, packet_events=4096)
    names = ['w%d' % i for i in range(16)]
    per_iter = 16  # events added per loop iteration (2 CPUs x 8)
    n = max(1, events // per_iter)
    ns = 0
    for i in range(n):
        for cpu in (0, 1):
            tid = 2000 + (i * 2 + cpu) % 16
            prev = 2000 + ((i - 1) * 2 + cpu) % 16
            name, pname = names[tid - 2000], names[prev - 2000]
            base = ns + cpu * 3000
            t.ev(base, cpu, 'sched_switch', prev_comm=pname, prev_tid=prev, prev_prio=20,
                 prev_state=1, next_comm=name, next_tid=tid, next_prio=20)
            t.ev(base + 1000, cpu, 'syscall_entry_read', fd=3, count=4096)
            t.ev(base + 1500 + (i % 7) * 100, cpu, 'syscall_exit_read', ret=4096, buf=0)
            t.ev(base + 4000, cpu, 'irq_handler_entry', irq=0, name='timer')
            t.ev(base + 4200, cpu, 'irq_handler_exit', irq=0, ret=1)
            t.ev(base + 5000, cpu, 'kmem_mm_page_alloc', page=i, pfn=i, order=0, gfp_flags=0,
                 migratetype=0)
            t.ev(base + 5500, cpu, 'sched_waking', comm=pname, tid=prev, prio=20,
                 target_cpu=cpu)
            t.ev(base + 6000, cpu, 'syscall_entry_getpid')
        ns += 10000
    return t


# lttng-modules >= 2.9: net_dev_queue / netif_receive_skb carry the IP and TCP headers
# (network_header_type enum + network_header variant: ipv4 { ..., transport_header_type,
# transport_header variant: tcp { source_port, dest_port, seq, ack_seq, data_offset, reserved,
# flags, window_size, checksum, urg_ptr } }). Field `header`: a dict of TCP fields (and of IPv4
# ones prefixed ip_: ip_saddr, ip_daddr), or None.
NETDEV_LAYOUT = [('skbaddr', 'x64'), ('len', 'u32'), ('name', 'str'), ('header', 'nethdr')]
_TCP_FIELDS = (('source_port', 16), ('dest_port', 16), ('seq', 32), ('ack_seq', 32),
               ('data_offset', 8), ('reserved', 8), ('flags', 16), ('window_size', 16),
               ('checksum', 16), ('urg_ptr', 16))
_IPV4_FIELDS = (('version', 8), ('ihl', 8), ('tos', 8), ('tot_len', 16), ('id', 16),
                ('frag_off', 16), ('ttl', 8), ('protocol', 8), ('checksum', 16), ('saddr', 32),
                ('daddr', 32))


def _nethdr_types(integer):
    nh_enum = CTFWriter.EnumerationFieldDeclaration(integer(8, False))
    for i, label in enumerate(('_unknown', '_ipv4', '_ipv6')):
        nh_enum.add_mapping(label, i, i)
    th_enum = CTFWriter.EnumerationFieldDeclaration(integer(8, False))
    th_enum.add_mapping('_unknown', 0, 0)
    th_enum.add_mapping('_tcp', 1, 1)
    unknown = CTFWriter.StructureFieldDeclaration()
    unknown.add_field(integer(8, False), '_pad')  # (lttng's is empty: the writer wants a field)
    tcp = CTFWriter.StructureFieldDeclaration()
    for name, bits in _TCP_FIELDS:
        tcp.add_field(integer(bits, False), '_' + name)
    th_var = CTFWriter.VariantFieldDeclaration(th_enum, '_transport_header_type')
    th_var.add_field(unknown, '_unknown')
    th_var.add_field(tcp, '_tcp')
    ipv4 = CTFWriter.StructureFieldDeclaration()
    for name, bits in _IPV4_FIELDS:
        ipv4.add_field(integer(bits, False), '_' + name)
    ipv4.add_field(th_enum, '_transport_header_type')
    ipv4.add_field(th_var, '_transport_header')
    nh_var = CTFWriter.VariantFieldDeclaration(nh_enum, '_network_header_type')
    nh_var.add_field(unknown, '_unknown')
    nh_var.add_field(ipv4, '_ipv4')
    nh_var.add_field(unknown, '_ipv6')
    return {'nh_enum': nh_enum, 'nh_var': nh_var}


def _write_nethdr(e, tcp):
    tag = e.payload('_network_header_type')
    tag.container.value = 1 if tcp is not None else 0
    v = e.payload('_network_header').field(tag)
    if tcp is None:
        v.field('_pad').value = 0
        return
    for name, _ in _IPV4_FIELDS:
        v.field('_' + name).value = tcp.get(
            'ip_' + name, {'version': 4, 'ihl': 5, 'protocol': 6, 'ttl': 64}.get(name, 0))
    ttag = v.field('_transport_header_type')
    ttag.container.value = 1
    t = v.field('_transport_header').field(ttag)
    for name, _ in _TCP_FIELDS:
        t.field('_' + name).value = tcp.get(name, 0)


# --- several hosts: traces to synchronize (latscope sync) ----------------------------------
class TraceSet:
    """Several hosts' traces (SESSION/NAME/kernel/) written together, and truth.json: for each
    host, the exact clock relation to the first one (t_first = slope * t_host + offset_ns, ns
    since the epoch, as decimal strings)."""

    def __init__(self, session_dir):
        self.session_dir = session_dir
        self.hosts = {}  # name -> (KernelTrace, drift, offset_ns): t_host = t*(1+drift)+offset

    def host(self, name, drift=0.0, offset_ns=0, cpus=1, netdev=False):
        """netdev: segments as net_dev_queue/netif_receive_skb with headers (lttng-modules >=
        2.9) instead of inet_sock_local_out/in"""
        layouts = {'net_dev_queue': NETDEV_LAYOUT, 'netif_receive_skb': NETDEV_LAYOUT}
        t = KernelTrace(os.path.join(self.session_dir, name), hostname=name, stagger_ns=7,
                        layouts=layouts if netdev else None)
        t.netdev = netdev
        self.hosts[name] = (t, Fraction(drift).limit_denominator(10 ** 12), int(offset_ns), cpus)
        # the trace's range: an event well before and after the packets
        for cpu in range(cpus):
            self.ev(name, 0, cpu, 'sched_switch', prev_comm='swapper/%d' % cpu, prev_tid=0,
                    prev_prio=20, prev_state=0, next_comm='sshd', next_tid=100 + cpu,
                    next_prio=20)
            self.ev(name, 4000 * MS, cpu, 'sched_switch', prev_comm='sshd', prev_tid=100 + cpu,
                    prev_prio=20, prev_state=1, next_comm='swapper/%d' % cpu, next_tid=0,
                    next_prio=20)
        return t

    def local(self, name, true_ns):
        """the host's clock (ns from the trace's start) at true time true_ns"""
        _, drift, offset, _ = self.hosts[name]
        return int(true_ns * (1 + drift)) + offset

    def ev(self, name, true_ns, cpu, event, /, **fields):
        self.hosts[name][0].ev(self.local(name, true_ns), cpu, event, **fields)

    def packet(self, src, dst, true_ns, delay_ns, key, cpu=0):
        seq, ack, check, window, flags = key
        f = dict(seq=seq, ack_seq=ack, check=check, window=window, flags=flags)
        for host, ts, kind in ((src, true_ns, 'out'), (dst, true_ns + delay_ns, 'in')):
            c = cpu % self.hosts[host][3]
            if self.hosts[host][0].netdev:
                h = dict(source_port=22, dest_port=40000, seq=seq, ack_seq=ack, data_offset=5,
                         flags=flags & 0x1ff, window_size=window, checksum=check)
                self.ev(host, ts, c, 'net_dev_queue' if kind == 'out' else 'netif_receive_skb',
                        skbaddr=0xffff8800, len=1500, name='eth0', header=h)
            else:
                self.ev(host, ts, c, 'inet_sock_local_' + kind, sk=0xffff8800, **f)

    def write(self):
        import json
        e = Fraction(DEFAULT_OFFSET_S * 10 ** 9)
        truth = {}
        names = list(self.hosts)
        _, d0, o0, _ = self.hosts[names[0]]
        for name in names:
            self.hosts[name][0].write()
            _, d, o, _ = self.hosts[name]
            # t_host = E + rel*(1+d) + o, t_first = E + rel*(1+d0) + o0
            slope = (1 + d0) / (1 + d)
            offset = e + o0 - slope * (e + o)
            truth[name] = {'slope': _decimal(slope, 24), 'offset_ns': _decimal(offset, 6)}
        with open(os.path.join(self.session_dir, 'truth.json'), 'w') as f:
            json.dump({'reference': names[0], 'hosts': truth}, f, indent=1)
        return self.session_dir


def _decimal(fr, digits):
    """a Fraction as a decimal string with `digits` decimals (exact enough for ns)"""
    neg = fr < 0
    fr = abs(fr)
    whole = fr.numerator // fr.denominator
    frac = (fr - whole) * 10 ** digits
    return '%s%d.%0*d' % ('-' if neg else '', whole, digits, int(round(frac)))


def _tcp_traffic(ts, a, b, n, seed, start_ms=500, span_ms=3000, both_ways=True):
    """n TCP segments between hosts a and b over span_ms (true time), each way in turn (or a to
    b only), one-way delays 40 us + exponential (mean 80 us), keys unique"""
    rnd = random.Random(seed)
    seq_a, seq_b = rnd.getrandbits(32), rnd.getrandbits(32)
    for i in range(n):
        t = start_ms * MS + i * span_ms * MS // n + rnd.randrange(0, MS)
        delay = 40000 + int(rnd.expovariate(1 / 80000))
        forward = (not both_ways) or i % 2 == 0 or rnd.random() < 0.2
        src, dst = (a, b) if forward else (b, a)
        key = ((seq_a if forward else seq_b) & 0xffffffff, (seq_b if forward else seq_a) & 0xffffffff,
               rnd.getrandbits(16), rnd.randrange(100, 3000), 0x5018)
        if forward:
            seq_a += 1448
        else:
            seq_b += 1448
        ts.packet(src, dst, t, delay, key, cpu=i)


@scenario(default=False)
def sync_pair(d):
    """Two hosts (host_a, the reference, and host_b: clock 2.5 s ahead, 40 ppm fast, 2 CPUs)
    exchanging 300 TCP segments both ways over 3 s, plus 3 receptions from an untraced host;
    truth.json has the exact relation: latscope sync must recover it within its accuracy."""
    ts = TraceSet(d)
    ts.host('host_a')
    ts.host('host_b', drift=40e-6, offset_ns=2500 * MS, cpus=2)
    _tcp_traffic(ts, 'host_a', 'host_b', 300, seed=9)
    for i in range(3):  # from a host that was not traced: no send to match
        ts.ev('host_b', 1000 * MS + i * MS, 0, 'inet_sock_local_in', sk=1, seq=7 + i, ack_seq=1,
              check=0, window=10, flags=0x5010)
    return ts


@scenario(default=False)
def sync_chain(d):
    """Three hosts: host_a talks with host_b, host_b with host_c, host_a never with host_c
    (host_b: +1.2 s, -30 ppm; host_c: +0.4 s, +55 ppm): host_c's relation to host_a is the
    chain of the two pairs."""
    ts = TraceSet(d)
    ts.host('host_a')
    ts.host('host_b', drift=-30e-6, offset_ns=1200 * MS)
    ts.host('host_c', drift=55e-6, offset_ns=400 * MS)
    _tcp_traffic(ts, 'host_a', 'host_b', 200, seed=1)
    _tcp_traffic(ts, 'host_b', 'host_c', 200, seed=2)
    return ts


@scenario(default=False)
def sync_netdev(d):
    """Two hosts recorded with lttng-modules >= 2.9's network events: segments as
    net_dev_queue / netif_receive_skb with their IP and TCP headers (host_b: 0.8 s behind,
    -20 ppm), plus non-TCP packets (no transport header) to skip."""
    ts = TraceSet(d)
    ts.host('host_a', netdev=True)
    ts.host('host_b', drift=-20e-6, offset_ns=-800 * MS + 4000 * MS, netdev=True)
    _tcp_traffic(ts, 'host_a', 'host_b', 120, seed=5)
    for i in range(5):  # ARP-like: no network header
        ts.ev('host_a', (700 + i) * MS, 0, 'netif_receive_skb', skbaddr=1, len=60, name='eth0',
              header=None)
    return ts


@scenario(default=False)
def sync_oneway(d):
    """Two hosts, segments from host_a to host_b only: the drift cannot be bounded."""
    ts = TraceSet(d)
    ts.host('host_a')
    ts.host('host_b', drift=10e-6, offset_ns=100 * MS)
    _tcp_traffic(ts, 'host_a', 'host_b', 50, seed=3, both_ways=False)
    return ts


@scenario(default=False)
def sync_nocommon(d):
    """Two hosts that each talk to someone else: no segment in common."""
    ts = TraceSet(d)
    ts.host('host_a')
    ts.host('host_b', offset_ns=100 * MS)
    for i in range(20):
        ts.ev('host_a', (600 + i) * MS, 0, 'inet_sock_local_out', sk=1, seq=1000 + i, ack_seq=5,
              check=0, window=10, flags=0x5018)
        ts.ev('host_b', (600 + i) * MS, 0, 'inet_sock_local_in', sk=1, seq=9000 + i, ack_seq=5,
              check=0, window=10, flags=0x5018)
    return ts


# --- virtual machines: a KVM host's trace and its guests' (latscope vm) ----------------------
# lttng-modules' kvm instrumentation (include/instrumentation/events/arch/x86/kvm/trace.h) writes
# the kernel's kvm_entry/kvm_exit as kvm_x86_entry/kvm_x86_exit; kvm_exit carries vcpu_id (and
# intr_info, error_code) since Linux 5.10. Older tracers: kvm_entry/kvm_exit without vcpu_id in
# the exit (the exiting vCPU is then the thread's).
VM_LAYOUTS = {
    'kvm_x86_entry': [('vcpu_id', 'u32')],
    'kvm_x86_exit': [('exit_reason', 'u32'), ('guest_rip', 'x64'), ('isa', 'u32'),
                     ('info1', 'u64'), ('info2', 'u64'), ('intr_info', 'u32'),
                     ('error_code', 'u32'), ('vcpu_id', 'u32')],
    'kvm_entry': [('vcpu_id', 'u32')],
    'kvm_exit': [('exit_reason', 'u32'), ('guest_rip', 'x64'), ('isa', 'u32'),
                 ('info1', 'u64'), ('info2', 'u64')],
    # lttng-modules' addons (lttng-vmsync-host/guest): hypercall markers every 10 ms
    'vmsync_gh_guest': [('cnt', 'u32'), ('vm_uid', 'u64')],
    'vmsync_gh_host': [('cnt', 'u32'), ('vm_uid', 'u64')],
    'vmsync_hg_host': [('cnt', 'u32'), ('vm_uid', 'u64')],
    'vmsync_hg_guest': [('cnt', 'u32'), ('vm_uid', 'u64')],
}
VMX_EXITS = {'EXTERNAL_INTERRUPT': 1, 'HLT': 12, 'VMCALL': 18, 'IO_INSTRUCTION': 30,
             'MSR_WRITE': 32, 'EPT_MISCONFIG': 49}
US = 1000  # ns per us
VM_STATES = ('guest', 'hypervisor', 'preempted', 'idle')


class VmHost:
    """Writes a KVM host's scheduling and kvm events into `emit(ns, cpu, event, **fields)` and
    keeps, apart from latscope, the figures latscope vm must report: per vCPU the ns spent in
    each state from its first kvm event to `end()`, per VM and exit reason the exits (from the exit
    to the next entry of that vCPU; exits without an entry before the end are unfinished)."""

    def __init__(self, emit, x86_names=True):
        self.emit = emit
        self.x86 = x86_names
        self.current = {}  # host CPU -> (comm, tid)
        self.threads = {}  # tid -> dict(pid, vcpu, comm, state, since, totals, exit)
        self.vms = {}  # pid -> name
        self.exits = {}  # (pid, reason name) -> [count, min, max, total]
        self.unfinished = {}

    def vcpu(self, pid, vm_name, tid, vcpu_id):
        if pid not in self.vms:
            self.vms[pid] = vm_name
            self.emit(0, 0, 'lttng_statedump_process_state', tid=pid, vtid=pid, pid=pid,
                      vpid=pid, ppid=1, vppid=1, name=vm_name, type=0, mode=5, submode=0,
                      status=5, ns_level=0, ns_inum=4026531836, cpu=0)
        comm = 'CPU %d/KVM' % vcpu_id
        self.emit(0, 0, 'lttng_statedump_process_state', tid=tid, vtid=tid, pid=pid, vpid=pid,
                  ppid=1, vppid=1, name=comm, type=0, mode=5, submode=0, status=5, ns_level=0,
                  ns_inum=4026531836, cpu=0)
        self.threads[tid] = dict(pid=pid, vcpu=vcpu_id, comm=comm, state=None, since=None,
                                 totals=dict.fromkeys(VM_STATES, 0), exit=None, exits=0)

    def _set(self, th, ns, state):
        if th['state'] is not None:
            th['totals'][th['state']] += ns - th['since']
            th['state'], th['since'] = state, ns

    def switch(self, ns, cpu, next_comm, next_tid, prev_state=0):
        prev_comm, prev_tid = self.current.get(cpu, ('swapper/%d' % cpu, 0))
        self.emit(ns, cpu, 'sched_switch', prev_comm=prev_comm, prev_tid=prev_tid,
                  prev_prio=20, prev_state=prev_state, next_comm=next_comm, next_tid=next_tid,
                  next_prio=20)
        self.current[cpu] = (next_comm, next_tid)
        if prev_tid in self.threads:
            self._set(self.threads[prev_tid], ns, 'preempted' if prev_state == 0 else 'idle')
        if next_tid in self.threads:
            self._set(self.threads[next_tid], ns, 'hypervisor')

    def run_vcpu(self, ns, cpu, tid, prev_state=0):
        """tid's vCPU thread switched in on cpu (the CPU's task switched out in prev_state)"""
        self.switch(ns, cpu, self.threads[tid]['comm'], tid, prev_state)

    def _cpu_of(self, tid):
        return next(c for c, (_, t) in self.current.items() if t == tid)

    def entry(self, ns, tid):
        th = self.threads[tid]
        self.emit(ns, self._cpu_of(tid), 'kvm_x86_entry' if self.x86 else 'kvm_entry',
                  vcpu_id=th['vcpu'])
        if th['state'] is None:
            th['state'], th['since'] = 'guest', ns
        self._set(th, ns, 'guest')
        if th['exit']:
            reason, ts = th['exit']
            st = self.exits.setdefault((th['pid'], reason), [0, None, 0, 0])
            d = ns - ts
            st[0] += 1
            st[1] = d if st[1] is None else min(st[1], d)
            st[2] = max(st[2], d)
            st[3] += d
            th['exit'] = None

    def exit(self, ns, tid, reason):
        th = self.threads[tid]
        fields = dict(exit_reason=VMX_EXITS[reason], guest_rip=0xffffffff81000000 + ns % 4096,
                      isa=1, info1=0, info2=0)
        if self.x86:
            self.emit(ns, self._cpu_of(tid), 'kvm_x86_exit', intr_info=0, error_code=0,
                      vcpu_id=th['vcpu'], **fields)
        else:
            self.emit(ns, self._cpu_of(tid), 'kvm_exit', **fields)
        self._set(th, ns, 'hypervisor')
        th['exit'] = (reason, ns)
        th['exits'] += 1

    def end(self, ns, cpu=0):
        """the trace's last event (a wakeup of an unrelated task) at ns: every state closes"""
        self.emit(ns, cpu, 'sched_wakeup', comm='rcu_sched', tid=9, prio=20, target_cpu=cpu)
        for th in self.threads.values():
            self._set(th, ns, th['state'])

    def truth(self):
        vms = {}
        for tid, th in sorted(self.threads.items()):
            vm = vms.setdefault(str(th['pid']), {
                'name': self.vms[th['pid']], 'vcpus': {}, 'exits': {},
                **{s + '_ns': 0 for s in VM_STATES}})
            vm['vcpus'][str(th['vcpu'])] = dict(tid=tid, exits=th['exits'],
                                                unfinished_exits=int(th['exit'] is not None),
                                                **{s + '_ns': th['totals'][s] for s in VM_STATES})
            for s in VM_STATES:
                vm[s + '_ns'] += th['totals'][s]
        for (pid, reason), (count, mn, mx, total) in self.exits.items():
            vms[str(pid)]['exits'][reason] = dict(count=count, min_ns=mn, max_ns=mx,
                                                  total_ns=total)
        for vm in vms.values():
            vm['steal_ns'] = vm['preempted_ns']
        return vms


class _VmScenario:
    """A scenario's writer(s) plus the figures latscope vm must find, written to truth.json
    (merged into the one a TraceSet writes)."""

    def __init__(self, session_dir, writer, truth):
        self.session_dir, self.writer, self.truth = session_dir, writer, truth

    def write(self):
        import json
        self.writer.write()
        path = os.path.join(self.session_dir, 'truth.json')
        truth = {}
        if os.path.exists(path):
            with open(path) as f:
                truth = json.load(f)
        truth.update(self.truth)
        with open(path, 'w') as f:
            json.dump(truth, f, indent=1)
        return self.session_dir


@scenario(default=False)
def vm_fight(d):
    """A KVM host (lttng-modules kvm_x86_entry/kvm_x86_exit with vcpu_id): VMs qemu-vm1 (pid
    1000, vCPUs 0 and 1) and qemu-vm2 (pid 2000, vCPU 0); vm1's vCPU 0 and vm2's vCPU 0 fight for
    host CPU 0 (4 ms slices, each preempted while the other runs; MSR_WRITE, IO_INSTRUCTION,
    EPT_MISCONFIG and EXTERNAL_INTERRUPT exits), vm1's vCPU 1 runs 2 ms then HLTs (idle 3 ms) on
    CPU 1; 7 events lost by the tracer on CPU 1. truth.json: every vCPU's time per state, steal
    time per VM, exits per reason."""
    t = KernelTrace(os.path.join(d, 'host'), hostname='kvm-host', layouts=VM_LAYOUTS,
                    packet_events=16)  # the loss is reported in a packet after the first
    h = VmHost(t.ev)
    h.vcpu(1000, 'qemu-vm1', 1001, 0)
    h.vcpu(1000, 'qemu-vm1', 1002, 1)
    h.vcpu(2000, 'qemu-vm2', 2001, 0)
    for k in range(12):  # host CPU 0: 4 ms slices, vm1 and vm2 in turn
        s = (1000 + 4000 * k) * US
        tid = 1001 if k % 2 == 0 else 2001
        h.run_vcpu(s, 0, tid, prev_state=0)
        h.entry(s + 20 * US, tid)
        first = 'MSR_WRITE' if tid == 1001 else 'IO_INSTRUCTION'
        h.exit(s + 1000 * US, tid, first)
        h.entry(s + (1010 + k) * US, tid)
        h.exit(s + 2000 * US, tid, 'EPT_MISCONFIG')
        h.entry(s + (2025 + 2 * k) * US, tid)
        h.exit(s + 3900 * US, tid, 'EXTERNAL_INTERRUPT')
    h.switch(49000 * US, 0, 'swapper/0', 0, prev_state=0)
    for c in range(10):  # host CPU 1: vm1's vCPU 1 runs 2 ms, HLT, idle 3 ms
        s = (2000 + 5000 * c) * US
        t.ev(s - 5 * US, 1, 'sched_wakeup', comm='CPU 1/KVM', tid=1002, prio=20, target_cpu=1)
        h.run_vcpu(s, 1, 1002, prev_state=0)
        h.entry(s + 10 * US, 1002)
        h.exit(s + 2000 * US, 1002, 'HLT')
        h.switch(s + 2030 * US, 1, 'swapper/1', 0, prev_state=1)
    t.lost(49500 * US, 1, 7)  # the tracer lost 7 events on CPU 1 (shown, not guessed at)
    h.end(50000 * US)
    return _VmScenario(d, t, {'vms': h.truth(), 'lost_events': 7})


@scenario(default=False)
def vm_periodic(d):
    """A host (kvm_entry/kvm_exit of older lttng-modules: no vcpu_id in the exit) running VM
    qemu-guest1 (pid 3000, one vCPU, thread 3001) on CPU 0, and that guest's trace twice: guest
    (the host's clock) and guest_skewed (clock 1.5 s ahead; TCP segments with the host to
    synchronize it). In the guest, `periodic` (tid 500) runs 2 ms every 10 ms (20 times); 5 of
    its runs are slowed because the host preempts the vCPU for a `hog` (1.5-4 ms) meanwhile: the
    guest sees them last 2 ms + the stall. truth.json: the host's figures and the guest thread's
    runs, on CPU time, lost time, slowed runs (begin, end, lost), and the clock relations."""
    ts = TraceSet(d)
    host = ts.host('host')
    host.layouts = VM_LAYOUTS
    ts.host('guest')
    ts.host('guest_skewed', offset_ns=1500 * MS)
    _tcp_traffic(ts, 'host', 'guest_skewed', 200, seed=7)

    def guest_ev(ns, cpu, event, /, **fields):
        ts.ev('guest', ns, cpu, event, **fields)
        ts.ev('guest_skewed', ns, cpu, event, **fields)

    def host_ev(ns, cpu, event, /, **fields):
        ts.ev('host', ns, cpu, event, **fields)

    h, guest = _periodic_guest(host_ev, guest_ev)
    return _VmScenario(d, ts, {'vms': h.truth(), 'guest_threads': {'500': guest}})


@scenario(default=False)
def vm_hypercall(d):
    """vm_periodic's host and guest with hypercall markers (lttng-modules' vmsync addons: in each
    period the guest's vmsync_gh_guest, a VMCALL exit with the host's vmsync_gh_host and
    vmsync_hg_host, the guest's vmsync_hg_guest), the guest's clock 0.7 s ahead and 30 ppm fast:
    latscope vm finds the guest's clock from the markers alone. truth.json as vm_periodic (the
    VMCALL exits stall the guest 3 us per run)."""
    ts = TraceSet(d)
    ts.host('host').layouts = VM_LAYOUTS
    ts.host('guest', drift=30e-6, offset_ns=700 * MS).layouts = VM_LAYOUTS

    def guest_ev(ns, cpu, event, /, **fields):
        ts.ev('guest', ns, cpu, event, **fields)

    def host_ev(ns, cpu, event, /, **fields):
        ts.ev('host', ns, cpu, event, **fields)

    h, guest = _periodic_guest(host_ev, guest_ev, markers=True)
    return _VmScenario(d, ts, {'vms': h.truth(), 'guest_threads': {'500': guest}})


@scenario(default=False)
def vm_big(d):
    """For timing latscope vm: a host whose two VMs' vCPUs share CPU 0 in 400 us slices, each
    with 10 MSR_WRITE exits, 8000 slices (about 184,000 events)."""
    t = KernelTrace(os.path.join(d, 'host'), layouts=VM_LAYOUTS, packet_events=4096)
    h = VmHost(t.ev)
    h.vcpu(1000, 'qemu-vm1', 1001, 0)
    h.vcpu(2000, 'qemu-vm2', 2001, 0)
    for k in range(8000):
        s = (1000 + 400 * k) * US
        tid = 1001 if k % 2 == 0 else 2001
        h.run_vcpu(s, 0, tid)
        h.entry(s + 2 * US, tid)
        for j in range(10):
            h.exit(s + (30 + 30 * j) * US, tid, 'MSR_WRITE')
            h.entry(s + (32 + 30 * j) * US, tid)
        h.exit(s + 390 * US, tid, 'EXTERNAL_INTERRUPT')
    h.end((1000 + 400 * 8000 + 100) * US)
    return _VmScenario(d, t, {'vms': h.truth()})


def _periodic_guest(host_ev, guest_ev, markers=False):
    """vm_periodic's events: the host's through host_ev, the guest's through guest_ev (true
    times); returns the VmHost and the guest thread's truth"""
    h = VmHost(host_ev, x86_names=False)
    h.current[0] = ('sshd', 100)  # TraceSet.host's first event on each CPU
    h.vcpu(3000, 'qemu-guest1', 3001, 0)
    guest_ev(0, 0, 'lttng_statedump_process_state', tid=500, vtid=500, pid=500, vpid=500,
             ppid=1, vppid=1, name='periodic', type=0, mode=5, submode=0, status=5, ns_level=0,
             ns_inum=4026531836, cpu=0)
    stalls = {2: 3000, 5: 1500, 6: 4000, 11: 2500, 17: 3000}  # period -> host preemption (us)
    epoch = DEFAULT_OFFSET_S * 10 ** 9
    uid = 0x5eed1234abcd
    runs = on_cpu = lost = hyp = 0
    slowed = []
    for k in range(20):
        s = (10000 + 10000 * k) * US
        h.run_vcpu(s, 0, 3001)
        h.entry(s + 10 * US, 3001)
        guest_ev(s + 20 * US, 0, 'sched_switch', prev_comm='swapper/0', prev_tid=0,
                 prev_prio=20, prev_state=0, next_comm='periodic', next_tid=500, next_prio=20)
        end = s + 2020 * US
        run_hyp = 0
        if markers:  # a hypercall round trip: 3 us out of guest mode
            guest_ev(s + 300 * US, 0, 'vmsync_gh_guest', cnt=2 * k, vm_uid=uid)
            h.exit(s + 301 * US, 3001, 'VMCALL')
            host_ev(s + 302 * US, 0, 'vmsync_gh_host', cnt=2 * k, vm_uid=uid)
            host_ev(s + 303 * US, 0, 'vmsync_hg_host', cnt=2 * k + 1, vm_uid=uid)
            h.entry(s + 304 * US, 3001)
            guest_ev(s + 305 * US, 0, 'vmsync_hg_guest', cnt=2 * k + 1, vm_uid=uid)
            end += 3 * US
            run_hyp += 3 * US
        if k in stalls:
            p = stalls[k] * US
            h.exit(s + 520 * US, 3001, 'EXTERNAL_INTERRUPT')
            h.switch(s + 530 * US, 0, 'hog', 4000, prev_state=0)
            h.run_vcpu(s + 530 * US + p, 0, 3001, prev_state=1)
            h.entry(s + 540 * US + p, 3001)
            end += p + 20 * US  # the stall: exit .. entry
            # in the run: preempted p, out of guest mode 20 us (exit .. switch, switch .. entry)
            run_hyp += 20 * US
            slowed.append({'begin_ns': epoch + s + 20 * US, 'end_ns': epoch + end,
                           'lost_ns': p, 'hypervisor_ns': run_hyp})
            lost += p
        guest_ev(end, 0, 'sched_switch', prev_comm='periodic', prev_tid=500, prev_prio=20,
                 prev_state=1, next_comm='swapper/0', next_tid=0, next_prio=20)
        runs += 1
        hyp += run_hyp
        on_cpu += end - (s + 20 * US)
        h.exit(end + 20 * US, 3001, 'HLT')
        h.switch(end + 40 * US, 0, 'swapper/0', 0, prev_state=1)
    h.end(4000 * MS)  # TraceSet.host's last event
    guest = {'tid': 500, 'name': 'periodic', 'runs': runs, 'on_cpu_ns': on_cpu, 'lost_ns': lost,
             'slowed_runs': len(slowed), 'worst_lost_ns': max(stalls.values()) * US,
             'hypervisor_ns': hyp, 'slowed': slowed}
    return h, guest


# --- critical path: known chains of waits (latscope critical-path) --------------------------
CRITPATH_LAYOUTS = {
    'timer_hrtimer_expire_entry': [('hrtimer', 'x64'), ('now', 'i64'), ('function', 'x64')],
    'timer_hrtimer_expire_exit': [('hrtimer', 'x64')],
    'sched_process_exit': [('comm', 'comm'), ('tid', 'i32'), ('prio', 'i32')],
}


class CritTrace(KernelTrace):
    """A KernelTrace with helpers for tasks that fork, block, wake each other and exit, and the
    expected critical path (truth.json: intervals in ns since the epoch)."""

    def __init__(self, d):
        super().__init__(d, layouts=CRITPATH_LAYOUTS)
        self.expect = {}  # tid -> [(begin_ms, end_ms, tid, comm, state, cause)]

    def ns(self, ms):
        return DEFAULT_OFFSET_S * 10 ** 9 + int(round(ms * MS))

    def fork(self, ms, cpu, parent, ptid, child, ctid, target_cpu):
        self.ev(ms * MS, cpu, 'sched_process_fork', parent_comm=parent, parent_tid=ptid,
                parent_pid=ptid, child_comm=child, child_tid=ctid, child_pid=ctid)
        self.ev(ms * MS + 500, cpu, 'sched_wakeup_new', comm=child, tid=ctid, prio=20,
                target_cpu=target_cpu)

    def waking(self, ms, cpu, comm, tid, target_cpu):
        self.ev(ms * MS, cpu, 'sched_waking', comm=comm, tid=tid, prio=20, target_cpu=target_cpu)
        self.ev(ms * MS + 300, target_cpu, 'sched_wakeup', comm=comm, tid=tid, prio=20,
                target_cpu=target_cpu)

    def exit(self, ms, cpu, comm, tid, next_comm, next_tid):
        self.syscall(ms - 0.01, cpu, 'exit_group', None, error_code=0)
        self.ev(ms * MS, cpu, 'sched_process_exit', comm=comm, tid=tid, prio=20)
        self.sched_switch(ms + 0.1, cpu, comm, tid, next_comm, next_tid, prev_state=64)

    def critical_path(self, tid, *intervals):
        self.expect[tid] = intervals

    def write(self):
        import json
        out = super().write()
        truth = {}
        for tid, ivs in self.expect.items():
            truth[str(tid)] = [{'begin_ns': self.ns(b), 'end_ns': self.ns(e), 'tid': t,
                                'comm': c, 'state': s, 'cause': cause}
                               for b, e, t, c, s, cause in ivs]
        with open(os.path.join(self.session_dir, 'truth.json'), 'w') as f:
            json.dump(truth, f, indent=1)
        return out


@scenario(default=False)
def critpath_pipe(d):
    """A (reader, 2001) reads a pipe that B (writer, 2002) writes after a 30 ms nanosleep (a
    timer wakes it up in an hrtimer expiry): A's critical path is A running, B running, B
    blocked on the timer for 30 ms, B waiting for its CPU, B running, A waiting for its CPU, A
    running; 2 CPUs, both forked by sh (2000), which waits for them."""
    t = CritTrace(d)
    t.sched_switch(0.5, 0, 'swapper/0', 0, 'sh', 2000, prev_state=0)
    t.fork(1.0, 0, 'sh', 2000, 'reader', 2001, 1)
    t.fork(1.2, 0, 'sh', 2000, 'writer', 2002, 0)
    t.sched_switch(1.5, 1, 'swapper/1', 0, 'reader', 2001, prev_state=0)
    t.syscall(1.8, 0, 'futex', None, uaddr=0, op=0, val=0, utime=0, uaddr2=0, val3=0)
    t.sched_switch(2.0, 0, 'sh', 2000, 'writer', 2002)
    # A blocks on the empty pipe at 10 ms
    t.syscall(9.9, 1, 'read', None, fd=3, count=4096)
    t.sched_switch(10.0, 1, 'reader', 2001, 'swapper/1', 0)
    # B sleeps 30 ms from 12 ms; the hrtimer fires at 42 ms on the idle CPU 0
    t.syscall(11.9, 0, 'nanosleep', None, rqtp=0)
    t.sched_switch(12.0, 0, 'writer', 2002, 'swapper/0', 0)
    t.ev(41.999 * MS, 0, 'timer_hrtimer_expire_entry', hrtimer=0xffff9a0, now=42 * MS,
         function=0xffffffff81100000)
    t.waking(42.0, 0, 'writer', 2002, 0)
    t.ev(42.0 * MS + 900, 0, 'timer_hrtimer_expire_exit', hrtimer=0xffff9a0)
    t.sched_switch(42.05, 0, 'swapper/0', 0, 'writer', 2002, prev_state=0)
    t.syscall_exit(42.06, 0, 'nanosleep', 0, rmtp=0)
    # B writes the pipe at 45 ms: A wakes up on CPU 1
    t.syscall(44.9, 0, 'write', 0.2, ret=4096, fd=4, buf=0, count=4096)
    t.waking(45.0, 0, 'reader', 2001, 1)
    t.sched_switch(45.1, 1, 'swapper/1', 0, 'reader', 2001, prev_state=0)
    t.syscall_exit(45.12, 1, 'read', 4096, buf=0)
    # B exits (waking sh), then A
    t.waking(46.0, 0, 'sh', 2000, 0)
    t.exit(46.1, 0, 'writer', 2002, 'sh', 2000)
    t.exit(50.0, 1, 'reader', 2001, 'swapper/1', 0)
    t.sched_switch(55.0, 0, 'sh', 2000, 'swapper/0', 0)
    t.critical_path(2001,
           (1.0, 1.5, 2001, 'reader', 'wait_cpu', ''),
           (1.5, 10.0, 2001, 'reader', 'running', ''),
           (10.0, 12.0, 2002, 'writer', 'running', ''),
           (12.0, 42.0, 2002, 'writer', 'blocked', 'timer'),
           (42.0, 42.05, 2002, 'writer', 'wait_cpu', ''),
           (42.05, 45.0, 2002, 'writer', 'running', ''),
           (45.0, 45.1, 2001, 'reader', 'wait_cpu', ''),
           (45.1, 50.1, 2001, 'reader', 'running', ''))
    return t


@scenario(default=False)
def critpath_mixed(d):
    """Task 3001 (worker) on CPU 0: preempted by hog (3003) from 5 to 8 ms, blocked on a disk
    read (sda, completed in IRQ 14 on CPU 1: 21 -> 26 ms), blocked on a socket (NET_RX soft IRQ
    receiving on eth0 on CPU 1: 30 -> 37 ms), then on a futex held by helper (3002), itself
    blocked on the disk (40 -> 44 ms); exits at 50 ms."""
    t = CritTrace(d)
    t.ev(0.1 * MS, 0, 'lttng_statedump_block_device', dev=8388608, diskname='sda')
    t.statedump_process(0.2, 0, 3000, 3000, 'sh')
    t.statedump_process(0.2, 0, 3002, 3002, 'helper')
    t.sched_switch(0.5, 0, 'swapper/0', 0, 'sh', 3000, prev_state=0)
    t.fork(1.0, 0, 'sh', 3000, 'worker', 3001, 0)
    t.sched_switch(1.5, 0, 'sh', 3000, 'worker', 3001)
    # preempted by hog from 5 to 8 ms (hog woken from CPU 1's task helper)
    t.sched_switch(2.0, 1, 'swapper/1', 0, 'helper', 3002, prev_state=0)
    t.waking(4.9, 1, 'hog', 3003, 0)
    t.sched_switch(5.0, 0, 'worker', 3001, 'hog', 3003, prev_state=0, next_prio=-2)
    t.sched_switch(8.0, 0, 'hog', 3003, 'worker', 3001, prev_prio=-2)
    # a disk read: blocked from 21 to 26 ms, woken in the disk's IRQ on CPU 1
    t.syscall(20.9, 0, 'read', None, fd=5, count=4096)
    t.ev(20.95 * MS, 0, 'block_rq_issue', dev=8388608, sector=2048, nr_sector=8, bytes=4096,
         tid=3001, rwbs=0, comm='worker')
    t.sched_switch(21.0, 0, 'worker', 3001, 'swapper/0', 0, prev_state=2)
    t.ev(25.99 * MS, 1, 'irq_handler_entry', irq=14, name='ahci')
    t.ev(25.995 * MS, 1, 'block_rq_complete', dev=8388608, sector=2048, nr_sector=8, errors=0,
         rwbs=0)
    t.waking(26.0, 1, 'worker', 3001, 0)
    t.ev(26.01 * MS, 1, 'irq_handler_exit', irq=14, ret=1)
    t.sched_switch(26.2, 0, 'swapper/0', 0, 'worker', 3001, prev_state=0)
    t.syscall_exit(26.3, 0, 'read', 4096, buf=0)
    # a socket read: blocked from 30 to 37 ms, woken by NET_RX on CPU 1
    t.syscall(29.9, 0, 'recvfrom', None, fd=6, size=1500, flags=0, addr_len=0)
    t.sched_switch(30.0, 0, 'worker', 3001, 'swapper/0', 0)
    t.ev(36.99 * MS, 1, 'softirq_entry', vec=3)
    t.ev(36.995 * MS, 1, 'netif_receive_skb', skbaddr=0xffff1, len=1500, name='eth0')
    t.waking(37.0, 1, 'worker', 3001, 0)
    t.ev(37.01 * MS, 1, 'softirq_exit', vec=3)
    t.sched_switch(37.2, 0, 'swapper/0', 0, 'worker', 3001, prev_state=0)
    # helper blocks on the disk at 39 ms; worker waits for helper (futex) from 40 to 44 ms
    t.sched_switch(39.0, 1, 'helper', 3002, 'swapper/1', 0, prev_state=2)
    t.syscall(39.9, 0, 'futex', None, uaddr=0, op=0, val=0, utime=0, uaddr2=0, val3=0)
    t.sched_switch(40.0, 0, 'worker', 3001, 'swapper/0', 0)
    t.ev(42.99 * MS, 1, 'irq_handler_entry', irq=14, name='ahci')
    t.ev(42.995 * MS, 1, 'block_rq_complete', dev=8388608, sector=4096, nr_sector=8, errors=0,
         rwbs=0)
    t.waking(43.0, 1, 'helper', 3002, 1)
    t.ev(43.01 * MS, 1, 'irq_handler_exit', irq=14, ret=1)
    t.sched_switch(43.5, 1, 'swapper/1', 0, 'helper', 3002, prev_state=0)
    t.waking(44.0, 1, 'worker', 3001, 0)
    t.sched_switch(44.3, 0, 'swapper/0', 0, 'worker', 3001, prev_state=0)
    t.exit(49.9, 0, 'worker', 3001, 'sh', 3000)
    t.sched_switch(55.0, 1, 'helper', 3002, 'swapper/1', 0)
    t.critical_path(3001,
           (1.0, 1.5, 3001, 'worker', 'wait_cpu', ''),
           (1.5, 5.0, 3001, 'worker', 'running', ''),
           (5.0, 8.0, 3001, 'worker', 'preempted', ''),
           (8.0, 21.0, 3001, 'worker', 'running', ''),
           (21.0, 26.0, 3001, 'worker', 'blocked', 'disk'),
           (26.0, 26.2, 3001, 'worker', 'wait_cpu', ''),
           (26.2, 30.0, 3001, 'worker', 'running', ''),
           (30.0, 37.0, 3001, 'worker', 'blocked', 'network'),
           (37.0, 37.2, 3001, 'worker', 'wait_cpu', ''),
           (37.2, 40.0, 3001, 'worker', 'running', ''),
           (40.0, 43.0, 3002, 'helper', 'blocked', 'disk'),
           (43.0, 43.5, 3002, 'helper', 'wait_cpu', ''),
           (43.5, 44.0, 3002, 'helper', 'running', ''),
           (44.0, 44.3, 3001, 'worker', 'wait_cpu', ''),
           (44.3, 50.0, 3001, 'worker', 'running', ''))
    return t


@scenario(default=False)
def critpath_hosts(d):
    """Two hosts (host_b: clock 300 ms ahead, 20 ppm fast) exchanging 300 background TCP
    segments (for latscope sync) and one request/reply: client (200) on host_a sends a request
    and blocks on the reply; server (300) on host_b, blocked on its socket, is woken by the
    request (NET_RX), sleeps 20 ms on a timer, sends the reply, which wakes the client (NET_RX).
    The client's path crosses to host_b and back; critpath.json has it in true (host_a) ns.
    Segments as inet_sock_local_out/in."""
    return _critpath_hosts(d, False)


@scenario(default=False)
def critpath_hosts_netdev(d):
    """critpath_hosts with the segments as net_dev_queue/netif_receive_skb and their IP and TCP
    headers (lttng-modules >= 2.9)."""
    return _critpath_hosts(d, True)


def _critpath_hosts(d, netdev):
    ts = TraceSet(d)
    for name, kw in (('host_a', {}), ('host_b', {'drift': 20e-6, 'offset_ns': 300 * MS})):
        ts.host(name, netdev=netdev, **kw).layouts.update(CRITPATH_LAYOUTS)
    _tcp_traffic(ts, 'host_a', 'host_b', 300, seed=11)

    def ev(host, ms, event, **f):
        ts.ev(host, int(round(ms * MS)), 0, event, **f)

    def switch(host, ms, prev, ptid, nxt, ntid, state=1):
        ev(host, ms, 'sched_switch', prev_comm=prev, prev_tid=ptid, prev_prio=20,
           prev_state=state, next_comm=nxt, next_tid=ntid, next_prio=20)

    def segment(host, ms, key, out):
        seq, ack, check, window, flags = key
        if netdev:  # host_a (10.0.0.1, the client's port 40000) and host_b (10.0.0.2:22)
            sender = host if out else ('host_b' if host == 'host_a' else 'host_a')
            ports = (40000, 22) if sender == 'host_a' else (22, 40000)
            addrs = (0x0a000001, 0x0a000002) if sender == 'host_a' else (0x0a000002, 0x0a000001)
            h = dict(source_port=ports[0], dest_port=ports[1], seq=seq, ack_seq=ack, data_offset=5,
                     flags=flags & 0x1ff, window_size=window, checksum=check, ip_saddr=addrs[0],
                     ip_daddr=addrs[1])
            ev(host, ms, 'net_dev_queue' if out else 'netif_receive_skb', skbaddr=0xffff8801,
               len=1500, name='eth0', header=h)
        else:
            ev(host, ms, 'inet_sock_local_' + ('out' if out else 'in'), sk=0xffff8801, seq=seq,
               ack_seq=ack, check=check, window=window, flags=flags)

    def netrx_wakeup(host, ms, comm, tid, key):
        """a segment received at ms in NET_RX, waking comm/tid"""
        ev(host, ms - 0.01, 'softirq_entry', vec=3)
        segment(host, ms, key, False)
        ev(host, ms + 0.01, 'sched_waking', comm=comm, tid=tid, prio=20, target_cpu=0)
        ev(host, ms + 0.02, 'softirq_exit', vec=3)

    def send(host, ms, key):
        segment(host, ms, key, True)

    request = (0x11112222, 0x33334444, 0x5555, 512, 0x5018)
    reply = (0x33334444, 0x11112322, 0x6666, 512, 0x5018)
    # the server runs, then waits on its socket from 905 ms
    switch('host_b', 900, 'sshd', 100, 'server', 300, state=0)
    switch('host_b', 905, 'server', 300, 'sshd', 100)
    # the client is forked at 999 ms, runs from 1000 ms, sends the request at 1001 and blocks
    ev('host_a', 999, 'sched_process_fork', parent_comm='sshd', parent_tid=100, parent_pid=100,
       child_comm='client', child_tid=200, child_pid=200)
    switch('host_a', 1000, 'sshd', 100, 'client', 200, state=0)
    send('host_a', 1001.0, request)
    switch('host_a', 1001.1, 'client', 200, 'sshd', 100)
    # the request reaches host_b at 1001.2; the server runs from 1001.3, sleeps 20 ms at 1003
    netrx_wakeup('host_b', 1001.2, 'server', 300, request)
    switch('host_b', 1001.3, 'sshd', 100, 'server', 300, state=0)
    switch('host_b', 1003, 'server', 300, 'sshd', 100)
    ev('host_b', 1022.99, 'timer_hrtimer_expire_entry', hrtimer=1, now=0, function=2)
    ev('host_b', 1023.0, 'sched_waking', comm='server', tid=300, prio=20, target_cpu=0)
    ev('host_b', 1023.01, 'timer_hrtimer_expire_exit', hrtimer=1)
    switch('host_b', 1023.1, 'sshd', 100, 'server', 300, state=0)
    # the reply leaves at 1025, reaches host_a at 1025.3; the client runs from 1025.4 to 1030
    send('host_b', 1025.0, reply)
    switch('host_b', 1025.5, 'server', 300, 'sshd', 100)
    netrx_wakeup('host_a', 1025.3, 'client', 200, reply)
    switch('host_a', 1025.4, 'sshd', 100, 'client', 200, state=0)
    ev('host_a', 1030.0, 'sched_process_exit', comm='client', tid=200, prio=20)
    switch('host_a', 1030.1, 'client', 200, 'sshd', 100, state=64)
    expect = [(999, 1000, 'host_a', 200, 'wait_cpu', ''),
              (1000, 1001.1, 'host_a', 200, 'running', ''),
              (1001.1, 1001.21, 'host_b', 300, 'blocked', 'network'),
              (1001.21, 1001.3, 'host_b', 300, 'wait_cpu', ''),
              (1001.3, 1003, 'host_b', 300, 'running', ''),
              (1003, 1023, 'host_b', 300, 'blocked', 'timer'),
              (1023, 1023.1, 'host_b', 300, 'wait_cpu', ''),
              (1023.1, 1025, 'host_b', 300, 'running', ''),
              (1025, 1025.31, 'host_a', 200, 'blocked', 'network'),
              (1025.31, 1025.4, 'host_a', 200, 'wait_cpu', ''),
              (1025.4, 1030.1, 'host_a', 200, 'running', '')]
    import json
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'critpath.json'), 'w') as f:
        json.dump([{'begin_ns': DEFAULT_OFFSET_S * 10 ** 9 + int(round(b * MS)),
                    'end_ns': DEFAULT_OFFSET_S * 10 ** 9 + int(round(e * MS)), 'host': h,
                    'tid': tid, 'state': s, 'cause': c} for b, e, h, tid, s, c in expect], f,
                  indent=1)
    return ts


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('outdir', nargs='?')
    p.add_argument('scenarios', nargs='*', help='default: every default scenario')
    p.add_argument('--list', action='store_true', help='list the scenarios')
    p.add_argument('--events', type=int, default=2000000, help='events of the big scenario')
    args = p.parse_args()
    if args.list:
        for name, (fn, default) in SCENARIOS.items():
            doc = ' '.join(fn.__doc__.split())
            print('%-16s %s%s' % (name, '' if default else '(not default) ', doc))
        return 0
    if not args.outdir:
        p.error('OUTDIR is required')
    names = args.scenarios or [n for n, (_, default) in SCENARIOS.items() if default]
    for name in names:
        if name not in SCENARIOS:
            print('make_trace.py: unknown scenario %r (see --list)' % name, file=sys.stderr)
            return 2
    for name in names:
        fn = SCENARIOS[name][0]
        d = os.path.join(args.outdir, name)
        t = fn(d, args.events) if name == 'big' else fn(d)
        t.write()
    return 0


if __name__ == '__main__':
    sys.exit(main())
