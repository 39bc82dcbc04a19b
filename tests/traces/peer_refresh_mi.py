#!/usr/bin/python3
"""peer_refresh_mi.py: the peer's LAMI of one result set per -r interval or --period instance.

    peer_refresh_mi.py NAME [lttng-NAME-mi's options] TRACE

lttng-analyses' -mi commands compute the result tables of every interval of -r and of every
period instance of --period (each tick of Command._analysis_tick appends them, grouped by table
class) and then, when there are several, replace them with a summary (cputop, memtop,
syscallstats, irqstats --stats) or drop them (the others): Command._create_summary_result_tables,
syscallstats' _create_summary_result_table. latscope's --lami prints the per-interval tables
instead (docs/conformance.md); this runs lttng-NAME-mi with that last step disabled, so that the
two are compared on the same tables. Run with /usr/bin/python3 (Debian's peer).
"""

import sys
from importlib.metadata import distribution

from lttnganalyses.cli import command


def main():
    if len(sys.argv) < 2:
        print('usage: peer_refresh_mi.py NAME [OPTIONS] TRACE', file=sys.stderr)
        return 2
    name = sys.argv[1]
    script = 'lttng-%s-mi' % name
    points = [e for e in distribution('lttnganalyses').entry_points
              if e.group == 'console_scripts' and e.name == script]
    if not points:
        print('peer_refresh_mi.py: no command %s' % script, file=sys.stderr)
        return 2
    run = points[0].load()
    # every Command subclass loaded by now (the entry point's module): keep the tick tables
    pending = [command.Command]
    while pending:
        cls = pending.pop()
        cls._create_summary_result_tables = lambda self: None
        cls._create_summary_result_table = lambda self: None  # syscallstats' own name
        pending.extend(cls.__subclasses__())
    sys.argv = [script] + sys.argv[2:]
    return run()


if __name__ == '__main__':
    sys.exit(main())
