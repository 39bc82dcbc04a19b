#!/usr/bin/python3
"""damage.py: deterministic damage to a copy of a CTF trace, for tests/traces/damaged.t.

    damage.py KIND TRACE_DIR [SEED]

TRACE_DIR is a trace folder (it holds `metadata`), already a copy: it is changed in place.
KIND is one of:

  metadata-cut        cut the metadata in the middle of its last packet's content
  metadata-magic      break the magic of the metadata's second packet (packetized) or of the
                      first one
  metadata-sizes      a metadata packet whose content_size is larger than its packet_size
  metadata-zero-size  a metadata packet whose sizes are 0
  dup-field           a second member named like an earlier one in an event's payload
  dup-field-underscore  `_x` and `x` in one structure (babeltrace2 drops the underscore)
  clock-offset        clock offset_s near INT64_MAX / 1e9 * 10 (more than 2^63 ns)
  clock-offset-cycles clock offset (in cycles) near INT64_MAX
  empty-streams       every stream file emptied
  index-timestamp     the first index entry's timestamp_begin of the first stream moved by
                      1.5 s (the packets are unchanged)
  index-garbage       the first stream's index file overwritten by bytes that are no index
  stream-zero-size    the second packet of the first stream says its sizes are 0 (babeltrace2
                      loops forever indexing it; found by tests/fuzz/ctf_trace.c)
  stream-huge-size    the first packet of the first stream says its packet_size is
                      2^64 - 10^8 bits (babeltrace2 asserts: found by tests/fuzz/ctf_trace.c)
  first-discarded     the first packet of the first stream says 5 events were discarded
                      (before it: a loss babeltrace2 gives no count for)
  mutate              SEED: a few random byte flips in one file, or a truncation, chosen by
                      the seed (the same seed gives the same damage)

The packetized metadata (LTTng) is rewritten packet by packet; plain-text metadata (make_trace.py)
as text. Stream packet contexts are found with make_trace.py's layout (header 24 bytes, then
timestamp_begin, timestamp_end, content_size, packet_size, events_discarded as u64 LE).
"""

import os
import random
import re
import struct
import sys

MAGIC = 0x75D11D57
HEADER = 37


def read(path):
    with open(path, 'rb') as f:
        return bytearray(f.read())


def write(path, data):
    os.chmod(path, 0o644) if os.path.exists(path) else None
    with open(path, 'wb') as f:
        f.write(data)


def packets(meta):
    """(offset, content_bytes, packet_bytes) of each metadata packet (little-endian only)."""
    out, off = [], 0
    while off + HEADER <= len(meta):
        magic, = struct.unpack_from('<I', meta, off)
        if magic != MAGIC:
            break
        cs, ps = struct.unpack_from('<II', meta, off + 24)
        out.append((off, cs // 8, ps // 8))
        if ps == 0:
            break
        off += ps // 8
    return out


def is_packetized(meta):
    return len(meta) >= 4 and struct.unpack_from('<I', meta, 0)[0] == MAGIC


def get_text(meta):
    if not is_packetized(meta):
        return bytes(meta)
    return b''.join(bytes(meta[o + HEADER:o + c]) for o, c, _ in packets(meta))


def put_text(path, meta, text):
    """Writes `text` back as plain text: babeltrace2 reads both forms."""
    if is_packetized(meta):
        text = b'/* CTF 1.8 */\n' + text
    write(path, bytearray(text))


def streams(trace):
    return sorted(n for n in os.listdir(trace)
                  if n != 'metadata' and os.path.isfile(os.path.join(trace, n)))


def main():
    kind, trace = sys.argv[1], sys.argv[2]
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    mpath = os.path.join(trace, 'metadata')
    meta = read(mpath)

    if kind == 'metadata-cut':
        if is_packetized(meta):
            off, content, _ = packets(meta)[-1]
            cut = off + HEADER + (content - HEADER) // 2
        else:
            cut = len(meta) // 2
        write(mpath, meta[:cut])
    elif kind in ('metadata-magic', 'metadata-sizes', 'metadata-zero-size'):
        pk = packets(meta)
        off = pk[1][0] if len(pk) > 1 else 0
        if kind == 'metadata-magic':
            struct.pack_into('<I', meta, off, 0xdeadbeef)
        elif kind == 'metadata-sizes':
            cs, ps = struct.unpack_from('<II', meta, off + 24)
            struct.pack_into('<I', meta, off + 24, ps + 8 * 64)
        else:
            struct.pack_into('<II', meta, off + 24, 0, 0)
        write(mpath, meta)
    elif kind in ('dup-field', 'dup-field-underscore'):
        text = get_text(meta).decode('utf-8', 'replace')
        # the first payload structure with two members or more: its second member renamed
        member = re.compile(r'(\w+)(\[[^\]]*\])?;[ \t]*$')
        for block in re.finditer(r'fields := struct \{\n((?:[^\n]*\n){2})', text):
            lines = block.group(1).split('\n')
            m1, m2 = member.search(lines[0]), member.search(lines[1])
            if m1 and m2:
                break
        first = m1.group(1)
        new = first
        if kind == 'dup-field-underscore':
            new = first[1:] if first.startswith('_') else '_' + first
        start = block.start(1) + len(lines[0]) + 1 + m2.start(1)
        text = text[:start] + new + text[start + len(m2.group(1)):]
        put_text(mpath, meta, text.encode())
    elif kind in ('clock-offset', 'clock-offset-cycles'):
        text = get_text(meta).decode('utf-8', 'replace')
        text = re.sub(r'\s*offset_s\s*=\s*-?\d+;', '', text)
        text = re.sub(r'(\n\s*)offset\s*=\s*-?\d+;', r'\1offset = 0;', text, count=1)
        if kind == 'clock-offset':
            text = text.replace('offset = 0;', 'offset_s = 9223372036854775000; offset = 0;', 1)
        else:
            text = text.replace('offset = 0;', 'offset = 9223372036854775000;', 1)
        put_text(mpath, meta, text.encode())
    elif kind == 'empty-streams':
        for name in streams(trace):
            write(os.path.join(trace, name), bytearray())
    elif kind in ('index-timestamp', 'index-garbage'):
        idx_dir = os.path.join(trace, 'index')
        name = sorted(os.listdir(idx_dir))[0]
        ipath = os.path.join(idx_dir, name)
        idx = read(ipath)
        if kind == 'index-timestamp':
            begin, = struct.unpack_from('>Q', idx, 16 + 24)
            struct.pack_into('>Q', idx, 16 + 24, begin + 1500000000)
        else:
            idx = bytearray(random.Random(seed).randbytes(len(idx)))
        write(ipath, idx)
    elif kind == 'stream-zero-size':
        spath = os.path.join(trace, streams(trace)[0])
        data = read(spath)
        ps, = struct.unpack_from('<Q', data, 48)
        off = ps // 8 if ps // 8 + 64 <= len(data) else 0
        struct.pack_into('<QQ', data, off + 40, 0, 0)
        write(spath, data)
    elif kind == 'stream-huge-size':
        spath = os.path.join(trace, streams(trace)[0])
        data = read(spath)
        struct.pack_into('<Q', data, 48, 2**64 - 10**8)
        write(spath, data)
    elif kind == 'first-discarded':
        spath = os.path.join(trace, streams(trace)[0])
        data = read(spath)
        off = 0
        while off + 64 <= len(data):
            ps, = struct.unpack_from('<Q', data, off + 48)
            ed, = struct.unpack_from('<Q', data, off + 56)
            struct.pack_into('<Q', data, off + 56, ed + 5)
            if ps == 0:
                break
            off += ps // 8
        write(spath, data)
    elif kind == 'mutate':
        rng = random.Random(seed)
        files = ['metadata'] + streams(trace)
        # the metadata one time in three: most damage lands in the streams, as on disk
        name = 'metadata' if rng.random() < 0.34 else rng.choice(files[1:])
        path = os.path.join(trace, name)
        data = read(path)
        if not data:
            return
        if rng.random() < 0.3:
            data = data[:rng.randrange(len(data))]
        else:
            for _ in range(rng.randint(1, 8)):
                i = rng.randrange(len(data))
                data[i] = rng.choice([0, 0xff, data[i] ^ (1 << rng.randrange(8)),
                                      rng.randrange(256)])
        write(path, data)
        print(f'{name}')
    else:
        sys.exit(f'damage.py: unknown kind {kind}')


if __name__ == '__main__':
    main()
