#!/usr/bin/env python3
"""lami_compare.py: compares two LAMI 1.0 documents semantically (latscope's against the peer's).

usage: lami_compare.py [--metadata] [--max N] [--peer-fixes ANALYSIS] EXPECTED ACTUAL
       lami_compare.py --fix-text ANALYSIS EXPECTED.txt EXPECTED.json
  EXPECTED, ACTUAL  files (FILE or FILE.gz) holding a LAMI results document ({"results": [...]}), an error object
                    ({"error-message": ...}) or, with --metadata, a metadata document; "-" = stdin
  --peer-fixes A    first correct EXPECTED (the peer's output for analysis A) where the peer is
                    known to be wrong (docs/conformance.md, "Where the peer is wrong")
  --fix-text A      print the peer's text output EXPECTED.txt of analysis A with the same
                    corrections (EXPECTED.json, the LAMI output of the same case, gives the
                    exact values)
Exit status: 0 equal, 1 different (the first N differences are printed, default 10), 2 bad usage
or a document that is not JSON.

Results: the same tables in the same order, each with the same class (a name, or an inline class
compared by inherit and title), the same time range, the same rows in the same order, and the
same cells: data objects of the same class with the same properties; integers (counts, ns,
bytes) equal exactly; when either side is a float (ratios, averages, stdev) equal to 1e-9
relative; strings and booleans exactly. An error object on the expected side only requires an
error object on the actual side (the messages may differ).
Metadata: same mi-version, same table classes (name, inherit, title, and each column's title,
class and unit), and the same tags apart from "lttng-analyses"; the producer's version, title,
description, authors and url are not compared.
"""

import ast
import gzip
import json
import math
import os
import re
import statistics
import sys

REL_TOL = 1e-9


class Diff:
    def __init__(self, limit):
        self.limit = limit
        self.items = []

    def add(self, path, msg):
        self.items.append('%s: %s' % (path or '(document)', msg))

    def __bool__(self):
        return bool(self.items)


def short(v):
    s = json.dumps(v, sort_keys=True)
    return s if len(s) <= 120 else s[:117] + '...'


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def num_equal(e, a):
    if isinstance(e, int) and isinstance(a, int):
        return e == a
    if math.isnan(e) or math.isnan(a):
        return math.isnan(e) and math.isnan(a)
    if e == a:
        return True
    return abs(e - a) <= REL_TOL * max(abs(e), abs(a), 1e-300) or abs(e - a) <= 1e-12


def compare_value(e, a, path, diff):
    if is_num(e) and is_num(a):
        if not num_equal(e, a):
            diff.add(path, 'expected %r, got %r' % (e, a))
        return
    if isinstance(e, dict) and isinstance(a, dict):
        for k in e:
            if k not in a:
                diff.add(path, 'missing property %r (expected %s)' % (k, short(e[k])))
            else:
                compare_value(e[k], a[k], '%s.%s' % (path, k), diff)
        for k in a:
            if k not in e:
                diff.add(path, 'unexpected property %r = %s' % (k, short(a[k])))
        return
    if isinstance(e, list) and isinstance(a, list):
        if len(e) != len(a):
            diff.add(path, 'expected %d elements, got %d' % (len(e), len(a)))
        for i, (x, y) in enumerate(zip(e, a)):
            compare_value(x, y, '%s[%d]' % (path, i), diff)
        return
    if type(e) is not type(a) or e != a:
        diff.add(path, 'expected %s, got %s' % (short(e), short(a)))


def table_name(t):
    c = t.get('class')
    if isinstance(c, dict):
        return '%s [%s]' % (c.get('inherit'), c.get('title'))
    return str(c)


def compare_results(e, a, diff):
    if isinstance(e, dict) and 'error-message' in e:
        if not (isinstance(a, dict) and 'error-message' in a):
            diff.add('', 'expected an error object (%s), got %s'
                     % (short(e['error-message']), short(a)))
        return
    if not isinstance(a, dict) or 'results' not in a:
        diff.add('', 'expected a results object, got %s' % short(a))
        return
    er, ar = e.get('results', []), a['results']
    if len(er) != len(ar):
        diff.add('results', 'expected %d tables (%s), got %d (%s)'
                 % (len(er), ', '.join(table_name(t) for t in er), len(ar),
                    ', '.join(table_name(t) for t in ar)))
    for i, (et, at) in enumerate(zip(er, ar)):
        p = 'results[%d] (%s)' % (i, table_name(et))
        compare_value(et.get('class'), at.get('class'), p + '.class', diff)
        compare_value(et.get('time-range'), at.get('time-range'), p + '.time-range', diff)
        ed, ad = et.get('data', []), at.get('data', [])
        if len(ed) != len(ad):
            diff.add(p + '.data', 'expected %d rows, got %d' % (len(ed), len(ad)))
        for j, (erow, arow) in enumerate(zip(ed, ad)):
            compare_value(erow, arow, '%s.data[%d]' % (p, j), diff)
        for k in et:
            if k not in ('class', 'time-range', 'data') and k not in at:
                diff.add(p, 'missing property %r' % k)


def compare_metadata(e, a, diff):
    if not isinstance(a, dict):
        diff.add('', 'expected a metadata object, got %s' % short(a))
        return
    compare_value(e.get('mi-version'), a.get('mi-version'), 'mi-version', diff)
    etags = set(e.get('tags', [])) - {'lttng-analyses'}
    atags = set(a.get('tags', [])) - {'lttng-analyses'}
    if etags != atags:
        diff.add('tags', 'missing %s, unexpected %s'
                 % (sorted(etags - atags), sorted(atags - etags)))
    etc, atc = e.get('table-classes', {}), a.get('table-classes')
    if not isinstance(atc, dict):
        diff.add('table-classes', 'missing or not an object')
        return
    for name in etc:
        if name not in atc:
            diff.add('table-classes', 'missing class %r' % name)
        else:
            compare_value(etc[name], atc[name], 'table-classes.%s' % name, diff)
    for name in atc:
        if name not in etc:
            diff.add('table-classes', 'unexpected class %r' % name)


# --- corrections of the peer's known mistakes (docs/conformance.md) --------------------------------
# syscallstats (lttnganalyses/cli/syscallstats.py _get_result_tables):
#  1. return values: the first occurrence of a key sets its count to 1 and is then incremented,
#     so every count is one too many ({'success': 6} for 5 calls);
#  2. stdev: computed only for more than 2 calls (len(durations) > 2) where every other analysis
#     gives it from 2 values on; for 2 calls it is stdev([min, max]).

def _per_tid_rows(doc):
    for t in doc.get('results', []) if isinstance(doc, dict) else []:
        c = t.get('class')
        name = c.get('inherit') if isinstance(c, dict) else c
        if name == 'per-tid':
            for row in t.get('data', []):
                yield row


def _fixed_return_values(text):
    try:
        counts = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    return str({k: v - 1 for k, v in counts.items()})


def fix_peer_json(analysis, doc):
    if analysis != 'syscallstats':
        return doc
    for row in _per_tid_rows(doc):
        count, mn, mx, stdev, rv = row[1], row[2], row[4], row[5], row[6]
        if isinstance(rv, dict) and isinstance(rv.get('value'), str):
            rv['value'] = _fixed_return_values(rv['value'])
        if (isinstance(count, dict) and count.get('value') == 2 and isinstance(stdev, dict)
                and stdev.get('class') == 'unknown'):
            row[5] = {'class': 'duration',
                      'value': statistics.stdev([mn['value'], mx['value']])}
    return doc


SYSCALL_ROW = re.compile(r'^ - (\S+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)  (\{.*\})\s*$')


def fix_peer_text(analysis, text, doc):
    if analysis != 'syscallstats' or not isinstance(doc, dict):
        return text
    rows = list(_per_tid_rows(fix_peer_json(analysis, doc)))
    out, k = [], 0
    for line in text.split('\n'):
        m = SYSCALL_ROW.match(line)
        if m and k < len(rows):
            row = rows[k]
            k += 1
            stdev = m.group(6)
            if stdev == '?' and row[5].get('class') == 'duration':
                stdev = round(row[5]['value'] / 1000, 3)
            line = '{:<38} {:>14} {:>14} {:>14} {:>12} {:>10}  {:<14}'.format(
                ' - ' + m.group(1), m.group(2), m.group(3), m.group(4), m.group(5), stdev,
                _fixed_return_values(m.group(7)))
        out.append(line)
    return '\n'.join(out)


def read_text(path):
    """The text of path, or of path.gz (the expected files over 32 KiB are stored gzipped)."""
    if path == '-':
        return sys.stdin.read()
    if not path.endswith('.gz') and not os.path.exists(path) and os.path.exists(path + '.gz'):
        path += '.gz'
    if path.endswith('.gz'):
        with gzip.open(path, 'rt', encoding='utf-8') as f:
            return f.read()
    with open(path, encoding='utf-8') as f:
        return f.read()


def load(path):
    try:
        text = read_text(path)
    except OSError as exc:
        print('lami_compare: %s: %s' % (path, exc.strerror), file=sys.stderr)
        sys.exit(2)
    if text.startswith('Warning: ') and '\n{' in text:
        # lttng-io*-mi --cpu prints "Warning: cpu filter not enabled on I/O analysis" on
        # stdout before the document (docs/conformance.md, the io family)
        text = text[text.index('\n{') + 1:]
    try:
        return json.loads(text)
    except ValueError as exc:
        first = text.strip().splitlines()[:1]
        print('lami_compare: %s: not JSON (%s)%s' % (path, exc, (': ' + first[0][:100])
                                                     if first else ': empty'), file=sys.stderr)
        sys.exit(2)


def main(argv):
    metadata = False
    limit = 10
    fixes = fix_text = None
    args = []
    it = iter(argv)
    for arg in it:
        if arg == '--metadata':
            metadata = True
        elif arg == '--peer-fixes':
            fixes = next(it, '')
        elif arg == '--fix-text':
            fix_text = next(it, '')
        elif arg == '--max':
            limit = int(next(it, '10'))
        elif arg in ('-h', '--help'):
            print(__doc__.strip())
            return 0
        else:
            args.append(arg)
    if len(args) != 2:
        print('usage: lami_compare.py [--metadata] [--max N] [--peer-fixes ANALYSIS] EXPECTED '
              'ACTUAL', file=sys.stderr)
        return 2
    if fix_text is not None:
        try:
            text = read_text(args[0])
        except OSError as exc:
            print('lami_compare: %s: %s' % (args[0], exc.strerror), file=sys.stderr)
            return 2
        try:
            doc = json.loads(read_text(args[1]))
        except (OSError, ValueError):
            doc = None
        sys.stdout.write(fix_peer_text(fix_text, text, doc))
        return 0
    e, a = load(args[0]), load(args[1])
    if fixes:
        e = fix_peer_json(fixes, e)
    diff = Diff(limit)
    (compare_metadata if metadata else compare_results)(e, a, diff)
    if not diff:
        return 0
    print('%d difference%s (expected %s, actual %s):' % (len(diff.items),
          '' if len(diff.items) == 1 else 's', args[0], args[1]))
    for item in diff.items[:limit]:
        print('  ' + item)
    if len(diff.items) > limit:
        print('  ... %d more' % (len(diff.items) - limit))
    return 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
