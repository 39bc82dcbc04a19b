#!/usr/bin/env bash
# basics.t: the latscope command itself: help, version, unknown commands and exit codes.
. "$(dirname "$0")/../lib.sh"

out=$("$LATSCOPE" --help)
ok $? "latscope --help exits 0"
like "$out" '^Usage: latscope COMMAND' "--help prints the usage"

out=$("$LATSCOPE" --version)
like "$out" '^latscope [0-9]+\.[0-9]+\.[0-9]+$' "--version prints the version"

out=$("$LATSCOPE" no-such-command 2>&1)
is "$?" 2 "an unknown command exits 2"
like "$out" "^latscope: unknown or ambiguous command 'no-such-command'" "and says so in one line"

"$LATSCOPE" >/dev/null 2>&1
is "$?" 2 "no command exits 2"

done_testing
