#!/usr/bin/env python3
"""gen-man.py: latscope's man pages and bash completion from the CLI's own --help.

One source: each subcommand's --help text (in its cli/*.c) is the reference. This script runs
`latscope --help` and `latscope COMMAND --help` for every command of the table, parses the help
(Usage lines, paragraphs, lists such as "Options:" or "Trackers:"), and writes
  docs/man/latscope.1, docs/man/latscope-COMMAND.1  the help plus a per-command supplement
                                                    (docs/man/src/latscope-COMMAND.txt:
                                                    EXAMPLES, FILES, SEE ALSO...)
  docs/man/NAME.N for every docs/man/src/NAME.N.txt  stand-alone pages (latscope.conf(5),
                                                    liblatscope(3)) in the same source format
  dist/bash-completion/latscope                     subcommands, options, arguments
so the help, the man pages and the completion cannot disagree (tests/cli/manuals.t checks it).

Source format (docs/man/src/*.txt), blocks separated by blank lines:
  # HEADING            a section (.SH)          ## Title    a subsection (.SS)
  * TERM               a tagged paragraph; the lines after it are its text
  4-space indented     a literal block (commands, examples)
  other lines          a paragraph; `code` is bold, name(N) a reference
  %help WORD...        (supplement) the options of `latscope COMMAND WORD --help`, e.g. the
                       period analyses of analyze: completion uses them after any of WORD...
  %complete-words W... (supplement) words completed as the first argument; {CMD:Heading} is
                       the terms of the list "Heading..." of `latscope CMD --help`
  %complete-next W...  words completed for the arguments after the first
  %complete-args file|dir  what the other arguments are
A stand-alone page's first line is `NAME(N) - summary`.
"""
import argparse
import os
import re
import subprocess
import sys

DATE = "2026-11-23"
SECTION_ORDER = ["NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "EXIT STATUS",
                 "ENVIRONMENT", "FILES", "NOTES", "EXAMPLES", "SEE ALSO"]
EXIT_STATUS = ("* 0\n  success\n* 1\n  failure: the command ran and failed (bad input, missing "
               "privilege, a probe that did not load...)\n* 2\n  usage error: the command line "
               "is wrong (unknown option, bad value)\n")


# --- the --help text --------------------------------------------------------------------------
class Entry:
    def __init__(self, term, desc):
        self.term = term
        self.desc = desc  # list of lines

    def options(self):
        """[(name, argument or '')] for an option entry: '-t, --threshold X' -> -t X, --threshold X."""
        parts = [p.strip() for p in re.split(r",\s+(?=-)", self.term)]
        out = []
        for p in parts:
            m = re.match(r"^(--?[A-Za-z0-9][\w-]*)(?:[ =](.*))?$", p)
            if m:
                out.append([m.group(1), (m.group(2) or "").strip()])
        for i, o in enumerate(out):  # -t, --threshold X: -t takes X too
            if not o[1] and not o[0].startswith("--") and i + 1 < len(out):
                o[1] = out[i + 1][1]
        return [tuple(o) for o in out]


class Help:
    def __init__(self, text):
        self.usage = []
        self.blocks = []  # ('para', [lines]) or ('list', heading, [Entry])
        lines = text.rstrip("\n").split("\n")
        i = 0
        while i < len(lines) and (lines[i].startswith("Usage:") or
                                  (self.usage and lines[i].startswith("       "))):
            self.usage.append(re.sub(r"^(Usage:)?\s+", "", lines[i]))
            i += 1
        group = []
        for line in lines[i:] + [""]:
            if line.strip():
                group.append(line.rstrip())
            elif group:
                self._add_group(group)
                group = []

    @staticmethod
    def _is_option_line(line):
        return re.match(r"^ {1,8}-[-A-Za-z0-9]", line) is not None

    def _add_group(self, group):
        heading = None
        if re.match(r"^\S.*:$", group[0]) and len(group) > 1 and group[1].startswith(" "):
            heading, group = group[0][:-1], group[1:]
        elif not self._is_option_line(group[0]):
            self.blocks.append(("para", group))
            return
        if heading is None or any(self._is_option_line(l) for l in group[:1]):
            kind = "options"
        else:
            kind = "list"
        entries = []
        base = len(group[0]) - len(group[0].lstrip())
        for line in group:
            indent = len(line) - len(line.lstrip())
            new = indent <= base + 4 and (kind == "list" or self._is_option_line(line))
            if new or not entries:
                m = re.match(r"^\s*(\S.*?)(?: {2,}(\S.*))?$", line)
                if kind == "list" and not m.group(2):  # a long name: one space left
                    m = re.match(r"^\s*(\S+)(?: +(\S.*))?$", line)
                entries.append(Entry(m.group(1), [m.group(2)] if m.group(2) else []))
            else:
                entries[-1].desc.append(line.strip())
        self.blocks.append((kind, heading or "Options", entries))

    def lists(self, kind=None):
        return [b for b in self.blocks if b[0] != "para" and (kind is None or b[0] == kind)]

    def options(self):
        """[(name, argument)] of every option entry, in order."""
        return [o for b in self.lists("options") for e in b[2] for o in e.options()]

    def terms(self, heading_prefix):
        for b in self.lists("list"):
            if b[1].startswith(heading_prefix):
                return [re.split(r"[ ,]", e.term)[0] for e in b[2]]
        return []


def run_help(cli, args):
    res = subprocess.run([cli] + args + ["--help"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=dict(os.environ, LC_ALL="C.UTF-8"))
    if res.returncode != 0:
        sys.exit("gen-man: `latscope %s --help` exited %d" % (" ".join(args), res.returncode))
    return res.stdout.decode()


# --- roff -----------------------------------------------------------------------------------
def esc(text):
    """Plain text to roff: backslashes, dashes, non-ASCII characters."""
    text = text.replace("\\", "\\e")
    text = re.sub(r"(?<![A-Za-z0-9])-", r"\\-", text)
    text = re.sub(r",(?=\S)", r",\\:", text)  # a break point in long lists (a,b,c)
    return "".join(c if ord(c) < 128 else "\\[u%04X]" % ord(c) for c in text)


def inline(text):
    """Text with `code` and name(N) references to roff."""
    out = []
    for i, part in enumerate(re.split(r"`([^`]*)`", text)):
        if i % 2:
            out.append("\\fB" + esc(part) + "\\fR")
            continue
        part = esc(part)
        part = re.sub(r"(?<![\w\\])((?:lib)?latscope[\w.\\-]*|babeltrace2|lttng[\w\\-]*|"
                      r"bpftool|man|systemd\.service|prometheus)\(([1-8])\)",
                      r"\\fB\1\\fR(\2)", part)
        out.append(part)
    line = "".join(out)
    return "\\&" + line if line.startswith((".", "'")) else line


def term_roff(term, is_option):
    """-t, --threshold [TRACKER=]DURATION -> bold names, italic arguments."""
    if not is_option:
        return "\\fB" + esc(term) + "\\fR"
    out = []
    for tok in re.split(r"(\s+|,\s*)", term):
        if re.match(r"^--?[A-Za-z0-9][\w-]*$", tok):
            out.append("\\fB" + esc(tok) + "\\fR")
        elif tok.strip(", "):
            out.append("\\fI" + esc(tok) + "\\fR")
        else:
            out.append(tok)
    return "".join(out)


def synopsis_roff(usage, command):
    out = [".nf"]
    for u in usage:
        m = re.match(r"^(latscope(?: %s)?)(.*)$" % re.escape(command or ""), u)
        head, rest = (m.group(1), m.group(2)) if m else ("", u)
        out.append(("\\fB" + esc(head) + "\\fR" if head else "\\ \\ \\ \\ ") + esc(rest))
    out.append(".fi")
    return out


def para_roff(lines):
    """A help paragraph: lines joined; '  - ' lines begin bullets."""
    items = [[".PP", []]]
    for line in lines:
        if re.match(r"^\s+- ", line):
            items.append([".IP \\(bu 2", [line.strip()[2:]]])
        else:
            items[-1][1].append(line.strip())
    out = []
    for macro, text in items:
        if text:
            out += [macro, inline(" ".join(text))]
    return out


def list_roff(block):
    kind, _, entries = block
    out = []
    for e in entries:
        out += [".TP", term_roff(e.term, kind == "options")]
        desc = " ".join(e.desc)
        if kind == "list":  # a second column: "1ms    system calls"
            desc = re.sub(r" {2,}", " \u2014 ", desc, count=1)
        out.append(inline(desc) if desc else "\\&")
    return out


def source_roff(text, helps, cmd=None):
    """The small source format to roff sections: {HEADING: [roff lines]} in order."""
    sections = {}
    current = None
    blocks, block = [], []
    for line in text.rstrip("\n").split("\n") + [""]:
        if line.strip():
            block.append(line.rstrip())
        elif block:
            blocks.append(block)
            block = []
    for block in blocks:
        # a heading or directive line may start a block: split them off
        while block and (block[0].startswith("#") or block[0].startswith("%")):
            head, block = block[0], block[1:]
            if head.startswith("## "):
                sections[current].append(".SS " + esc(head[3:]))
            elif head.startswith("# "):
                current = head[2:].strip().upper()
                sections.setdefault(current, [])
            elif head.startswith("%help ") and current:
                h = helps[(cmd, head.split()[1])]
                sections[current] += synopsis_roff(h.usage, None)
                for b in h.blocks:
                    sections[current] += para_roff(b[1]) if b[0] == "para" else list_roff(b)
        if not block:
            continue
        out = sections[current]
        if block[0].startswith("* "):
            items = []
            for line in block:
                if line.startswith("* "):
                    items.append([line[2:], []])
                else:
                    items[-1][1].append(line.strip())
            for term, body in items:
                out += [".TP", inline(term), inline(" ".join(body)) if body else "\\&"]
        elif all(l.startswith("    ") for l in block):
            out += [".PP", ".RS 4", ".nf"] + ["\\&" + esc(l[4:]) for l in block] + [".fi", ".RE"]
        else:
            out += [".PP", inline(" ".join(l.strip() for l in block))]
    return sections


def page(name, section, summary, sections, version):
    out = ['.\\" Generated by scripts/gen-man.py from the --help of latscope and %s:' % (
        "docs/man/src/" + name + (".%s.txt" % section if section != "1" else ".txt")),
           '.\\" do not edit; change the source and run make.',
           '.TH %s %s "%s" "latscope %s" "latscope manual"' % (
               esc(name.upper()), section, DATE, version),
           ".ad l", ".nh",  # lists of names do not justify nor hyphenate well
           ".SH NAME", "%s \\- %s" % (esc(name), esc(summary))]
    order = [s for s in SECTION_ORDER if s in sections]
    order += [s for s in sections if s not in SECTION_ORDER and s != "SEE ALSO"]
    order.sort(key=lambda s: SECTION_ORDER.index(s) if s in SECTION_ORDER else
               SECTION_ORDER.index("NOTES"))
    for s in order:
        if sections[s]:
            out.append(".SH " + esc(s))
            out += sections[s]
    text = "\n".join(out) + "\n"
    return re.sub(r"^(\.S[HS] .*\n)\.PP\n", r"\1", text, flags=re.M)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


# --- pages ----------------------------------------------------------------------------------
def read(path):
    if not os.path.exists(path):
        return ""
    with open(path) as f:
        return f.read()


def directives(text, name):
    return [l.split()[1:] for l in text.split("\n") if l.startswith("%" + name + " ") or
            l.strip() == "%" + name]


def command_page(cmd, summary, help_, supplement, helps, version, commands):
    sections = {"SYNOPSIS": synopsis_roff(help_.usage, cmd), "DESCRIPTION": [], "OPTIONS": []}
    for b in help_.blocks:
        if b[0] == "para":
            sections["DESCRIPTION"] += para_roff(b[1])
        elif b[0] == "options":
            sections["OPTIONS"] += list_roff(b)
        else:
            if cmd:
                sections["DESCRIPTION"] += [".SS " + esc(b[1])] + list_roff(b)
            else:
                sections["COMMANDS"] = list_roff(b)
                for i, line in enumerate(sections["COMMANDS"]):
                    m = re.match(r"^\\fB([\w-]+)\\fR$", line)
                    if m and m.group(1) in commands:
                        sections["COMMANDS"][i] = line + " (latscope\\-%s(1))" % m.group(1)
    sup = source_roff(supplement, helps, cmd)
    for k, v in sup.items():
        sections.setdefault(k, [])
        sections[k] += v
    if "EXIT STATUS" not in sections:
        sections["EXIT STATUS"] = source_roff("# EXIT STATUS\n" + EXIT_STATUS, helps)["EXIT STATUS"]
    see = ["latscope(1)"] if cmd else ["latscope-%s(1)" % c for c in commands]
    if "SEE ALSO" in sup:
        sections["SEE ALSO"] = []
        extra = " ".join(l for l in supplement.split("# SEE ALSO", 1)[1].split("\n")
                         if l and not l.startswith("#")).strip()
        see += [s.strip() for s in extra.split(",") if s.strip()]
    sections["SEE ALSO"] = [", ".join(inline(s) for s in see)]
    name = "latscope-" + cmd if cmd else "latscope"
    return page(name, "1", summary, sections, version)


def standalone_page(src_text, helps, version):
    first, rest = src_text.split("\n", 1)
    m = re.match(r"^([\w.-]+)\(([1-8])\) - (.*)$", first)
    if not m:
        sys.exit("gen-man: a stand-alone page begins with 'NAME(N) - summary': " + first)
    return m.group(1), m.group(2), page(m.group(1), m.group(2), m.group(3),
                                        source_roff(rest, helps), version)


# --- bash completion ------------------------------------------------------------------------
def expand_words(words, helps):
    out = []
    for w in words:
        m = re.match(r"^(.*)\{(\w[\w-]*):([^}]*)\}(.*)$", w)
        if m:
            out += [m.group(1) + t + m.group(4) for t in helps[(m.group(2),)].terms(m.group(3))]
        else:
            out.append(w)
    return out


def arg_kind(arg):
    if re.search(r"DIR\b|FOLDER", arg):
        return "dir"
    if re.search(r"FILE|PATH|TRACE", arg):
        return "file"
    return ""


def option_vars(opts):
    names = [o[0] for o in opts]
    seen = set()
    names = [n for n in names if not (n in seen or seen.add(n))]
    with_arg = sorted({o[0] for o in opts if o[1]})
    files = sorted({o[0] for o in opts if arg_kind(o[1]) == "file"})
    dirs = sorted({o[0] for o in opts if arg_kind(o[1]) == "dir"})
    return ("opts='%s'; argopts='%s'; fileopts='%s'; diropts='%s'" %
            (" ".join(names), " ".join(with_arg), " ".join(files), " ".join(dirs)))


COMPLETION_HEAD = r"""# bash completion for latscope(1).
# Generated by scripts/gen-man.py from `latscope --help` and `latscope COMMAND --help` (the same
# source as the man pages) and docs/man/src/*.txt (%complete-*): do not edit, run make.

# Sets opts, argopts (options taking a value), fileopts, diropts, words (the first argument),
# next (the arguments after it) and args (file or dir) for COMMAND [FIRST_ARGUMENT].
_latscope_spec()
{
	words='' next='' args=''
	case $1 in
"""

COMPLETION_TAIL = r"""	*) opts='' argopts='' fileopts='' diropts='' ;;
	esac
}

_latscope()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local opts argopts fileopts diropts words next args cmd first='' npos=0 i w
	COMPREPLY=()
	if [ "$COMP_CWORD" -le 1 ]; then
		mapfile -t COMPREPLY < <(compgen -W "$_latscope_commands --help --version" -- "$cur")
		return
	fi
	cmd=${COMP_WORDS[1]}
	case " $_latscope_commands " in
	*" $cmd "*) ;;
	*) # a prefix only one command has, as latscope itself accepts
		local c match='' n=0
		for c in $_latscope_commands; do
			case $c in "$cmd"*) match=$c n=$((n + 1)) ;; esac
		done
		[ "$n" -eq 1 ] && cmd=$match ;;
	esac
	# --option=value: bash splits it at '=' (COMP_WORDBREAKS)
	if [ "$cur" = "=" ]; then
		cur=''
	elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -ge 3 ]; then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	fi
	_latscope_spec "$cmd"
	for ((i = 2; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [ "$w" = "=" ]; then
			i=$((i + 1))
			continue
		fi
		case " $argopts " in *" $w "*)
			[ "${COMP_WORDS[i + 1]}" = "=" ] || i=$((i + 1))
			continue ;;
		esac
		case $w in -*) continue ;; esac
		[ -z "$first" ] && first=$w
		npos=$((npos + 1))
	done
	_latscope_spec "$cmd" "$first"
	case " $fileopts " in *" $prev "*)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	esac
	case " $diropts " in *" $prev "*)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return ;;
	esac
	case " $argopts " in *" $prev "*) return ;; esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
		return
	fi
	if [ "$npos" -eq 0 ] && [ -n "$words" ]; then
		mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
		return
	fi
	if [ "$npos" -gt 0 ] && [ -n "$next" ]; then
		mapfile -t COMPREPLY < <(compgen -W "$next" -- "$cur")
		return
	fi
	case $args in
	file) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
	dir) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
	esac
}
complete -F _latscope latscope
"""


def completion(commands, helps, supplements):
    out = [COMPLETION_HEAD]
    for cmd in commands:
        h = helps[(cmd,)]
        sup = supplements.get(cmd, "")
        words = expand_words(sum(directives(sup, "complete-words"), []), helps)
        nxt = expand_words(sum(directives(sup, "complete-next"), []), helps)
        args = (directives(sup, "complete-args") or [[""]])[0]
        out.append("\t%s)\n" % cmd)
        spec = "words='%s' next='%s' args='%s'" % (" ".join(words), " ".join(nxt), args[0])
        subs = directives(sup, "help")
        if subs:
            out.append("\t\tcase $2 in\n")
            for sub in subs:
                out.append("\t\t%s)\n\t\t\t%s ;;\n" % ("|".join(sub),
                                                       option_vars(helps[(cmd, sub[0])].options())))
            out.append("\t\t*)\n\t\t\t%s ;;\n\t\tesac\n" % option_vars(h.options()))
        else:
            out.append("\t\t%s\n" % option_vars(h.options()))
        out.append("\t\t%s\n\t\t;;\n" % spec)
    head = "_latscope_commands='%s'\n\n" % " ".join(commands)
    return out[0].replace("_latscope_spec()", head + "_latscope_spec()", 1) + \
        "".join(out[1:]) + COMPLETION_TAIL


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cli", required=True, help="the latscope binary")
    ap.add_argument("--src", default="docs/man/src")
    ap.add_argument("--man", default="docs/man", help="where the pages go")
    ap.add_argument("--completion", default="dist/bash-completion/latscope")
    ap.add_argument("--version", default="0")
    a = ap.parse_args()

    top = Help(run_help(a.cli, []))
    cmd_list = [b for b in top.lists("list") if b[1] == "Commands"]
    if not cmd_list:
        sys.exit("gen-man: no 'Commands:' list in `latscope --help`")
    summaries = {e.term: " ".join(e.desc) for e in cmd_list[0][2]}
    commands = list(summaries)
    helps = {(c,): Help(run_help(a.cli, [c])) for c in commands}
    supplements = {c: read(os.path.join(a.src, "latscope-%s.txt" % c)) for c in commands}
    for c, sup in supplements.items():
        for sub in directives(sup, "help"):
            helps[(c, sub[0])] = Help(run_help(a.cli, [c, sub[0]]))

    write(os.path.join(a.man, "latscope.1"),
          command_page(None, "find latency problems on Linux servers and explain them", top,
                       read(os.path.join(a.src, "latscope.txt")), helps, a.version, commands))
    for c in commands:
        write(os.path.join(a.man, "latscope-%s.1" % c),
              command_page(c, summaries[c], helps[(c,)], supplements[c], helps, a.version,
                           commands))
    for f in sorted(os.listdir(a.src)):
        if re.match(r"^.*\.[1-8]\.txt$", f):
            name, section, text = standalone_page(read(os.path.join(a.src, f)), helps, a.version)
            write(os.path.join(a.man, "%s.%s" % (name, section)), text)
    write(a.completion, completion(commands, helps, supplements))
    for f in os.listdir(a.man):  # the page of a command that is no more
        m = re.match(r"^latscope-(.+)\.1$", f)
        if m and m.group(1) not in commands and "gen-man.py" in read(os.path.join(a.man, f)):
            os.remove(os.path.join(a.man, f))


if __name__ == "__main__":
    main()
