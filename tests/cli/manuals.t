#!/usr/bin/env bash
# manuals.t: --help, the man pages and the bash completion agree, as bpftool checks its own:
# every command of cli/main.c's table is in `latscope --help`, has a man page and completes;
# for every command, the options its parser accepts (the getopt_long table and option string of
# the file defining it), those of its --help, of its man page and of its completion are the
# same sets; trackers and analyses complete as their --help lists them; every page renders with
# man -l, groff -ww and mandoc -T lint without a warning; every command exits 0 on --help and 2
# on an unknown option with latscope's message; the pages and the completion in the
# tree are those the CLI under test generates (make regenerates them: scripts/gen-man.py).
. "$(dirname "$0")/../lib.sh"

command -v python3 >/dev/null || skip_all "python3 is not installed (scripts/gen-man.py)"
command -v man >/dev/null || skip_all "man is not installed"
[ -x "$LATSCOPE" ] || skip_all "no CLI at $LATSCOPE (make first)"

export LC_ALL=C.UTF-8 # the pages have UTF-8 (µ); one collation for every sorted set
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$LATSCOPE_SRC

python3 "$src/scripts/gen-man.py" --cli "$LATSCOPE" --src "$src/docs/man/src" --man "$tmp/man" \
	--completion "$tmp/latscope.bash" --version "$("$LATSCOPE" --version | cut -d' ' -f2)" \
	2>"$tmp/gen.err"
ok $? "scripts/gen-man.py makes the pages and the completion from the CLI's --help"
[ -s "$tmp/gen.err" ] && diag "$(cat "$tmp/gen.err")"

# The candidates the completion offers for a command line whose last word is being completed.
. "$tmp/latscope.bash"
complete_line() { # complete_line WORD... (the last one may be empty)
	local COMP_WORDS=(latscope "$@") COMP_CWORD=$# COMPREPLY=()
	_latscope 2>&1
	printf '%s\n' "${COMPREPLY[@]}"
}

# Sets are printed one word a line, sorted.
sorted() { tr ' ' '\n' | sort -u | sed '/^$/d'; }

# Option names (-x, --long) in the terms of option lines (lines beginning with "-"; the term
# ends at two spaces), in text on stdin; with a section name, only in that section of a page.
OPTIONS_AWK='
!sec || /^[A-Z]/ { if (sec) on = ($0 == sec) }
(!sec || on) && /^ +-[-A-Za-z0-9]/ && (!sec || /^       -/) {
	t = $0; sub(/^ +/, "", t); sub(/  .*/, "", t); t = " " t
	while (match(t, /[ ,]--?[A-Za-z0-9][-A-Za-z0-9]*/)) {
		print substr(t, RSTART + 1, RLENGTH - 1); t = substr(t, RSTART + RLENGTH)
	}
}'
help_options() { awk -v sec= "$OPTIONS_AWK" | sort -u; }

# Options a C file's parser accepts: long names of its struct option tables, letters of the
# option string given to getopt_long.
source_options() { # source_options FILE
	awk '{
		t = $0
		while (match(t, /\{"[a-z0-9-]+", *(no|required|optional)_argument/)) {
			n = substr(t, RSTART + 2); sub(/".*/, "", n); print "--" n
			t = substr(t, RSTART + RLENGTH)
		}
		if (match($0, /getopt_long\([^,]+, *[^,]+, *"[^"]*"/)) {
			o = substr($0, RSTART, RLENGTH); sub(/"$/, "", o); sub(/.*"/, "", o)
			gsub(/[:+]/, "", o)
			for (i = 1; i <= length(o); i++) print "-" substr(o, i, 1)
		}
	}' "$1" | sort -u
}

# Options of a man page's section (OPTIONS, PERIOD ANALYSES), as groff renders it for man.
man_options() { # man_options PAGE SECTION
	groff -man -Tutf8 -rLL=200n -P-cbou "$1" 2>/dev/null |
		sed 's/\xe2\x88\x92/-/g; s/\xe2\x80\x90/-/g' | awk -v sec="$2" "$OPTIONS_AWK" | sort -u
}

# Commands: the table, --help, the pages, the completion.
table=$(sed -n '/^static const struct cli_command commands\[\] = {/,/^};/p' "$src/cli/main.c" |
	grep -oE '^\s*\{"[a-z-]+", *[a-z_]+' | sed -E 's/^\s*\{"([^"]+)", *([a-z_]+)/\1:\2/')
commands=$(echo "$table" | cut -d: -f1 | sorted)
[ -n "$commands" ]
ok $? "cli/main.c's command table is read ($(echo "$commands" | wc -w) commands)"
help_commands=$("$LATSCOPE" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }' | sorted)
is "$help_commands" "$commands" "latscope --help lists every command of the table"
is "$(complete_line '' | grep -v '^-' | sorted)" "$commands" "the completion offers every command"
like "$(MANWIDTH=200 man -l "$tmp/man/latscope.1" 2>&1)" "critical-path|sync" \
	"latscope(1) lists the commands"
for c in $commands; do
	[ -f "$tmp/man/latscope-$c.1" ] && grep -q "latscope\\\\-$c(1)" "$tmp/man/latscope.1"
	ok $? "latscope-$c(1) exists and latscope(1) points to it"
done

# Options of each command: source, --help, man page, completion.
check_options() { # check_options NAME SOURCE_FILE HELP_TEXT PAGE SECTION COMPLETION_WORDS...
	local name=$1 file=$2 help=$3 page=$4 section=$5
	shift 5
	local from_src from_help from_man from_comp
	from_src=$(source_options "$file")
	from_help=$(printf '%s\n' "$help" | help_options)
	from_man=$(man_options "$page" "$section")
	from_comp=$( (complete_line "$@" -; complete_line "$@" --) | sort -u)
	is "$from_help" "$from_src" "$name: --help lists the options ${file#"$src"/} accepts"
	is "$from_man" "$from_help" "$name: its man page ($section) has the same options"
	is "$from_comp" "$from_help" "$name: the completion offers the same options"
}

for entry in $table; do
	c=${entry%%:*}
	handler=${entry#*:}
	file=$(grep -lE "^int $handler\(int argc" "$src"/cli/*.c "$src"/agent/*.c 2>/dev/null | head -1)
	if [ -z "$file" ]; then
		ok 1 "$c: the file defining $handler() is found"
		continue
	fi
	check_options "$c" "$file" "$("$LATSCOPE" "$c" --help 2>&1)" "$tmp/man/latscope-$c.1" \
		OPTIONS "$c"
done

# Exit codes and messages (latscope(1)): --help exits 0 with the usage; an unknown option is a
# usage error: exit 2, a first line "latscope: ..." (not getopt's own message).
for c in $commands; do
	out=$("$LATSCOPE" "$c" --help 2>&1)
	st=$?
	[ $st -eq 0 ] && [[ $out == "Usage: latscope $c"* ]]
	ok $? "$c --help exits 0 and begins with its usage"
	err=$("$LATSCOPE" "$c" --no-such-option 2>&1 >/dev/null)
	is $? 2 "$c --no-such-option exits 2 (usage)"
	[[ $err == "latscope: "* ]]
	ok $? "  its first line is latscope's message, not getopt's"
done

# analyze's period analyses have their own parser, help and man page section.
check_options "analyze periodlog" "$src/cli/analyze_periods.c" \
	"$("$LATSCOPE" analyze periodlog --help 2>&1)" "$tmp/man/latscope-analyze.1" \
	"PERIOD ANALYSES" analyze periodlog
is "$(complete_line analyze periodstats --min | sorted)" "--min-duration" \
	"  each period analysis completes the periods' options (periodstats --min...)"
is "$(complete_line analyze cputop --min | sorted)" "$(printf -- '--min\n--minsize')" \
	"  the other analyses their own (cputop --min...)"

# Arguments: tracker names, analysis names, files and folders.
trackers=$("$LATSCOPE" track --help | sed -n '/^Trackers/,/^$/p' | awk 'NR > 1 && NF { print $1 }' | sorted)
[ -n "$trackers" ]
ok $? "track --help lists trackers ($(echo $trackers))"
is "$(complete_line track '' | sorted)" "$trackers" "latscope track <TAB> offers the trackers"
is "$(complete_line track syscall -t 5ms '' | sorted)" "$trackers" \
	"  after a tracker and an option with its value, the trackers again"
is "$(complete_line track w | sorted)" "wakeup" "  a prefix completes (w -> wakeup)"
analyses=$("$LATSCOPE" analyze --help | sed -n '/^Analyses/,/^$/p' | awk 'NR > 1 && NF { print $1 }' | sorted)
like "$(echo $analyses)" "cputop.*periodlog" "analyze --help lists the analyses and the period ones"
is "$(complete_line analyze '' | sorted)" "$analyses" "latscope analyze <TAB> offers the analyses"
like "$(complete_line ctl set sysc)" "^syscall\.threshold$" "latscope ctl set sysc<TAB>: syscall.threshold..."
mkdir -p "$tmp/files/traces.d" && touch "$tmp/files/track.jsonl"
is "$(cd "$tmp/files" && complete_line report -o '' | sorted)" "$(printf 'traces.d\ntrack.jsonl')" \
	"latscope report -o <TAB> offers files"
is "$(cd "$tmp/files" && complete_line sync '' | sorted)" "traces.d" \
	"latscope sync <TAB> offers folders (traces)"
is "$(cd "$tmp/files" && complete_line record -o '' | sorted)" "traces.d" \
	"latscope record -o <TAB> offers folders"
is "$(complete_line track --duration '')" "" "an option's value is not completed with options"
is "$(cd "$tmp/files" && complete_line report --output = '' | sorted)" "$(printf 'traces.d\ntrack.jsonl')" \
	"latscope report --output=<TAB> offers files too"
is "$(complete_line track --duration = 5s sys)" "syscall" "  and a --duration=5s value is skipped"
is "$(complete_line tr --thr)" "--threshold" "a command prefix completes as the command (tr --thr)"

# latscope.conf(5): the keys the agent's parser accepts, those of the page and of the default
# configuration are the same.
conf_src=$(grep -oE 'strcmp\(key, "[a-z_]+"\)' "$src/agent/config.c" | sed -E 's/.*"([a-z_]+)".*/\1/' | sort -u)
conf_man=$(groff -man -Tutf8 -rLL=200n -P-cbou "$tmp/man/latscope.conf.5" 2>/dev/null |
	sed -n '/^OPTIONS/,/^[A-Z]/p' | grep -oE '^ {7}[a-z_]+ =' | sed -E 's/^ +//; s/ =//' | sort -u)
conf_dist=$(grep -oE '^[a-z_]+ *=' "$src/dist/latscope.conf" | sed -E 's/ *=//' | sort -u)
[ -n "$conf_src" ]
ok $? "agent/config.c's keys are read ($(echo $conf_src | wc -w))"
is "$conf_man" "$conf_src" "latscope.conf(5) documents every key agent/config.c accepts"
is "$conf_dist" "$conf_src" "dist/latscope.conf has every key too"

# liblatscope(3): every public function of include/latscope/*.h is named in the page.
funcs=$(grep -hoE '^LAT_API [^(]*[ *](lat_[a-z0-9_]+)\(' "$src"/include/latscope/*.h |
	grep -oE 'lat_[a-z0-9_]+\($' | tr -d '(' | sort -u)
page=$(groff -man -Tutf8 -rLL=300n -P-cbou "$tmp/man/liblatscope.3" 2>/dev/null)
missing=$(for f in $funcs; do grep -q "$f" <<<"$page" || echo "$f"; done)
[ -n "$funcs" ]
ok $? "include/latscope/*.h's public functions are read ($(echo $funcs | wc -w))"
is "$(echo $missing)" "" "liblatscope(3) names every public function"

# Rendering: man -l, groff -ww (every warning), mandoc -T lint.
pages=$(ls "$tmp/man")
like "$pages" "latscope\.conf\.5" "latscope.conf(5) is made"
like "$pages" "liblatscope\.3" "liblatscope(3) is made"
for p in $pages; do
	err=$( { MANWIDTH=80 man -l "$tmp/man/$p" >/dev/null; } 2>&1)
	st=$?
	[ $st -eq 0 ] && [ -z "$err" ]
	ok $? "$p: man -l renders it without a message"
	[ -n "$err" ] && diag "$err"
	err=$(groff -ww -z -man -Tutf8 "$tmp/man/$p" 2>&1)
	is "$err" "" "$p: groff -ww finds nothing to warn about"
	if command -v mandoc >/dev/null; then
		err=$(mandoc -T lint -W warning "$tmp/man/$p" 2>&1)
		is "$err" "" "$p: mandoc -T lint finds no warning"
	fi
done
like "$(MANWIDTH=100 man -l "$tmp/man/latscope-track.1" 2>&1)" "EXIT STATUS.*" \
	"a command's page says its exit status"
out=$(MANWIDTH=100 man -l "$tmp/man/latscope.1" 2>&1)
like "$out" "2 +usage error" "latscope(1) documents exit code 2 (usage)"
like "$out" "1 +failure" "  and 1 (failure)"

# The tree's pages and completion are the generated ones (what make install installs).
for p in $pages; do
	cmp -s "$tmp/man/$p" "$src/docs/man/$p"
	ok $? "docs/man/$p is up to date (make regenerates it)"
done
cmp -s "$tmp/latscope.bash" "$src/dist/bash-completion/latscope"
ok $? "dist/bash-completion/latscope is up to date"
bash -n "$src/dist/bash-completion/latscope"
ok $? "  and is valid bash"

done_testing
