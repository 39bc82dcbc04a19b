# latscope top-level build: library, BPF skeletons, CLI, tests, benchmarks, install.
#
#   make              build everything into build/ (CLI at build/latscope)
#   make test         build, then run the whole TAP suite with prove
#   make bench        run every benchmark (make bench-NAME runs one)
#   make install PREFIX=/usr/local
#
# Sources are found by directory, so adding a file needs no Makefile edit:
#   lib/core/*.c                     -> liblatscope (.a and .so), the public in-process library
#   lib/{util,sources,state,analyses,outputs,trackers}/*.c -> build/libinternal.a (the CLI)
#   bpf/*.bpf.c                      -> build/bpf/*.bpf.o -> build/bpf/*.skel.h
#   cli/*.c agent/*.c                -> build/latscope
#   tests/unit/*.c                   -> build/tests/unit/*.t (plain, ASan+UBSan and TSan builds)
#   bench/*.c                        -> build/bench/*

VERSION := 0.1.0
BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2
CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 $(WARN) -fPIC -D_GNU_SOURCE -DLATSCOPE_VERSION='"$(VERSION)"' \
	-Iinclude -Ilib -I$(BUILD) -I$(BUILD)/bpf -MMD -MP
LDFLAGS ?=

# Libraries: liblatscope needs libpthread only; the CLI needs everything.
PKGS_CLI := libbpf libelf libdw babeltrace2 libmicrohttpd ncursesw json-c
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS_CLI) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS_CLI) 2>/dev/null)
CLI_LIBS := $(PKG_LIBS) -lz -lpthread -lm

CORE_SRCS := $(sort $(wildcard lib/core/*.c))
INTERNAL_SRCS := $(sort $(wildcard lib/util/*.c lib/sources/*.c lib/state/*.c \
	lib/analyses/*.c lib/outputs/*.c lib/trackers/*.c))
CLI_SRCS := $(sort $(wildcard cli/*.c agent/*.c))
BPF_SRCS := $(sort $(wildcard bpf/*.bpf.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
TEST_HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))
BENCH_SRCS := $(sort $(wildcard bench/*.c))

CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/%.o)
INTERNAL_OBJS := $(INTERNAL_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)
BPF_OBJS := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
BPF_SKELS := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/bpf/%.skel.h)
UNIT_TESTS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%.t)
ASAN_TESTS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/asan/tests/unit/%.t)
TSAN_TESTS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tsan/tests/unit/%.t)
TEST_HELPERS := $(TEST_HELPER_SRCS:tests/helpers/%.c=$(BUILD)/tests/helpers/%)
BENCHES := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

LIBLATSCOPE_A := $(BUILD)/liblatscope.a
LIBLATSCOPE_SO := $(BUILD)/liblatscope.so
LIBINTERNAL := $(BUILD)/libinternal.a
VMLINUX_H := $(BUILD)/vmlinux.h

# Keep the BPF objects between skeletons and runs (make would delete them as intermediates).
.SECONDARY:

.PHONY: all lib bpf cli tests test test-unit test-sanitize test-cli test-kernel test-traces \
	test-e2e bench install uninstall clean format check-format deps

# `make`: what a user runs (the CLI, liblatscope, the man pages); the tests, their sanitizer
# builds and the benchmarks have their own targets (make test, make bench).
all: lib cli

lib: $(LIBLATSCOPE_A) $(LIBLATSCOPE_SO) $(BUILD)/liblatscope.so.0 $(BUILD)/latscope-uninstalled.pc
bpf: $(BPF_SKELS)
cli: $(BUILD)/latscope
tests: $(UNIT_TESTS) $(ASAN_TESTS) $(TSAN_TESTS) $(TEST_HELPERS) $(BENCHES)

deps:
	scripts/deps.sh

# --- the public library -------------------------------------------------------------------
$(BUILD)/lib/core/%.o: lib/core/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fvisibility=hidden -c $< -o $@

$(LIBLATSCOPE_A): $(CORE_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(LIBLATSCOPE_SO): $(CORE_OBJS)
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,liblatscope.so.0 -o $@ $^ $(LDFLAGS) -lpthread

$(BUILD)/liblatscope.so.0: $(LIBLATSCOPE_SO)
	ln -sf liblatscope.so $@

# The build tree used as an install: PKG_CONFIG_PATH=build pkg-config --cflags --libs latscope
# (pkg-config prefers NAME-uninstalled.pc; the rpath finds build/liblatscope.so.0 at run time).
$(BUILD)/latscope-uninstalled.pc: scripts/latscope.pc.in Makefile
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(abspath .)|' -e 's|@LIBDIR@|$(abspath $(BUILD))|' \
		-e 's|@INCLUDEDIR@|$(abspath include)|' -e 's|@VERSION@|$(VERSION)|' \
		-e 's|^Libs: .*|Libs: -L$${libdir} -Wl,-rpath,$${libdir} -llatscope|' $< > $@

# --- BPF: vmlinux.h from the running kernel's BTF, then object and skeleton per probe ------
$(VMLINUX_H):
	@mkdir -p $(@D)
	@if [ -r /sys/kernel/btf/vmlinux ]; then \
		$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@; \
	else \
		echo "no BTF at /sys/kernel/btf/vmlinux: the probes need a kernel built with" \
			"CONFIG_DEBUG_INFO_BTF (or VMLINUX_H=FILE, a vmlinux.h of the target kernel)" >&2; \
		exit 1; \
	fi

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(VMLINUX_H) $(wildcard bpf/*.h)
	@mkdir -p $(@D)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Ibpf -Iinclude \
		-Wall -Werror -Wno-unused-function -c $< -o $@

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

# --- internal library and CLI ---------------------------------------------------------------
$(BUILD)/lib/%.o: lib/%.c | $(BPF_SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(LIBINTERNAL): $(INTERNAL_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/cli/%.o $(BUILD)/agent/%.o: | $(BPF_SKELS)
$(BUILD)/cli/%.o: cli/%.c | $(BPF_SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@
$(BUILD)/agent/%.o: agent/%.c | $(BPF_SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/latscope: $(CLI_OBJS) $(LIBINTERNAL) $(LIBLATSCOPE_A)
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJS) $(LIBINTERNAL) $(LIBLATSCOPE_A) $(LDFLAGS) $(CLI_LIBS)

# --- tests: each tests/unit/X.c links against everything, built three ways ---------------
$(BUILD)/tests/unit/%.t: tests/unit/%.c tests/tap.h $(LIBINTERNAL) $(LIBLATSCOPE_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests -o $@ $< $(LIBINTERNAL) $(LIBLATSCOPE_A) \
		$(LDFLAGS) $(CLI_LIBS)

# Sanitizer variants: the whole library (core + internal) rebuilt once per variant.
ASAN_FLAGS := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
TSAN_FLAGS := -O1 -fsanitize=thread
SAN_OBJS = $(CORE_SRCS:%.c=$(BUILD)/$(1)/%.o) $(INTERNAL_SRCS:%.c=$(BUILD)/$(1)/%.o)

$(BUILD)/asan/%.o: %.c | $(BPF_SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(ASAN_FLAGS) -c $< -o $@
$(BUILD)/tsan/%.o: %.c | $(BPF_SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(TSAN_FLAGS) -c $< -o $@

$(BUILD)/asan/liball.a: $(call SAN_OBJS,asan)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/tsan/liball.a: $(call SAN_OBJS,tsan)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/asan/tests/unit/%.t: tests/unit/%.c tests/tap.h $(BUILD)/asan/liball.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(ASAN_FLAGS) -Itests -o $@ $< $(BUILD)/asan/liball.a \
		$(LDFLAGS) $(CLI_LIBS)
$(BUILD)/tsan/tests/unit/%.t: tests/unit/%.c tests/tap.h $(BUILD)/tsan/liball.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(TSAN_FLAGS) -Itests -o $@ $< $(BUILD)/tsan/liball.a \
		$(LDFLAGS) $(CLI_LIBS)

# The CLI with ASan+UBSan, not in `make all` (`make asan-cli`): tests/traces/damaged.t runs
# every damaged trace through it too when it is there.
ASAN_CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/asan/%.o)
# (gcc -O1 sees format truncations in cli/ that -O2 does not: warnings only, for this build)
$(ASAN_CLI_OBJS): override CFLAGS += -Wno-error=format-truncation
.PHONY: asan-cli
asan-cli: $(BUILD)/asan/latscope
$(BUILD)/asan/latscope: $(ASAN_CLI_OBJS) $(BUILD)/asan/liball.a
	$(CC) $(CFLAGS) $(ASAN_FLAGS) -o $@ $(ASAN_CLI_OBJS) $(BUILD)/asan/liball.a $(LDFLAGS) \
		$(CLI_LIBS)

$(BUILD)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS) -lpthread -lm

$(BUILD)/bench/%: bench/%.c $(LIBINTERNAL) $(LIBLATSCOPE_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(LIBINTERNAL) $(LIBLATSCOPE_A) $(LDFLAGS) $(CLI_LIBS)

# bench-json: the same workload against each JSON library, one binary each (their symbols clash).
JSON_BENCHES := $(BUILD)/bench/json_jansson $(BUILD)/bench/json_jsonc
$(BUILD)/bench/json_jansson: bench/json/json_lib.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DUSE_JANSSON $(shell $(PKG_CONFIG) --cflags jansson) -o $@ $< \
		$(LDFLAGS) $(shell $(PKG_CONFIG) --libs jansson)
$(BUILD)/bench/json_jsonc: bench/json/json_lib.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DUSE_JSONC $(shell $(PKG_CONFIG) --cflags json-c) -o $@ $< \
		$(LDFLAGS) $(shell $(PKG_CONFIG) --libs json-c)
.PHONY: bench-json
bench-json: all tests $(JSON_BENCHES)
	@bash bench/json.sh

# prove runs compiled tests and shell scenarios alike (--exec '' runs each file as is).
PROVE := prove --exec '' --timer
PROVE_TEE := prove --exec $(abspath tests/tap-tee) --timer
TSAN_OPTIONS_ENV := TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp"
ASAN_OPTIONS_ENV := ASAN_OPTIONS="detect_leaks=1 abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1"
export LATSCOPE_BUILD := $(abspath $(BUILD))
export LATSCOPE_SRC := $(CURDIR)

test: all tests
	@$(MAKE) --no-print-directory test-run

# Each file's TAP is also kept in build/test-logs/ (tests/tap-tee); on a failure, the failed
# checks' diagnostics, which prove does not show, are printed after its summary.
TEST_LOGS := $(BUILD)/test-logs
test-run:
	@rm -rf $(TEST_LOGS) && mkdir -p $(TEST_LOGS)
	@LATSCOPE_TEST_LOGS=$(abspath $(TEST_LOGS)) $(ASAN_OPTIONS_ENV) $(TSAN_OPTIONS_ENV) \
		$(PROVE_TEE) $(UNIT_TESTS) $(ASAN_TESTS) $(TSAN_TESTS) \
		$(sort $(wildcard tests/cli/*.t tests/traces/*.t tests/kernel/*.t tests/e2e/*.t)) || \
		{ rc=$$?; scripts/test-failures.sh $(TEST_LOGS); exit $$rc; }

test-unit: tests
	$(PROVE) $(UNIT_TESTS)
test-sanitize: tests
	$(ASAN_OPTIONS_ENV) $(TSAN_OPTIONS_ENV) $(PROVE) $(ASAN_TESTS) $(TSAN_TESTS)
test-cli test-kernel test-traces test-e2e: test-%: all tests
	$(PROVE) $(sort $(wildcard tests/$*/*.t))

# --- benchmarks -----------------------------------------------------------------------------
bench: all tests
	@for b in $(sort $(wildcard bench/*.sh)); do echo "== $$b"; bash $$b || exit 1; done

bench-%: all tests
	@bash bench/$*.sh

# --- soak (slow, not in make test): the agent under a syscall-heavy load for SOAK_SECONDS
# (default 300); fails if its RSS grows by more than 10% after the first minute or a record is
# lost uncounted (tests/soak/agent.sh).
.PHONY: soak-agent
soak-agent: cli $(TEST_HELPERS)
	bash tests/soak/agent.sh

# --- man pages and bash completion from the CLI's own --help (docs/cli.md) -------------------
# scripts/gen-man.py runs `latscope [COMMAND] --help` and adds docs/man/src/*.txt: docs/man/*.N
# and dist/bash-completion/latscope (kept in git too, for an install without python3).
.PHONY: man
all install man: $(BUILD)/man.stamp
$(BUILD)/man.stamp: $(BUILD)/latscope scripts/gen-man.py $(wildcard docs/man/src/*.txt)
	@if command -v python3 >/dev/null; then python3 scripts/gen-man.py --cli $(BUILD)/latscope \
		--version $(VERSION) --src docs/man/src --man docs/man \
		--completion dist/bash-completion/latscope || \
		echo "man: gen-man.py failed: pages kept as they were (tests/cli/manuals.t)"; \
	else echo "man: no python3: docs/man and dist/bash-completion kept as they are"; fi
	@touch $@

# --- install (docs/packaging.md) -------------------------------------------------------------
# make install [PREFIX=/usr/local] [DESTDIR=] [LIBDIR=$(PREFIX)/lib] [SYSCONFDIR=/etc|$(PREFIX)/etc]
# Man pages, bash completion, the systemd unit and the default config are installed when they
# exist in the tree (docs/man/, dist/); `make deb` builds the Debian packages (debian/).
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
MAN_PAGES := $(sort $(wildcard docs/man/*.[1-8]))
BASH_COMPLETION := $(wildcard dist/bash-completion/latscope)
SYSTEMD_UNITS := $(sort $(wildcard dist/*.service))
DEFAULT_CONF := $(wildcard dist/latscope.conf)

install: lib cli
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(INCLUDEDIR)/latscope
	install -m 0755 $(BUILD)/latscope $(DESTDIR)$(PREFIX)/bin/latscope
	install -m 0644 $(LIBLATSCOPE_A) $(DESTDIR)$(LIBDIR)/
	install -m 0755 $(LIBLATSCOPE_SO) $(DESTDIR)$(LIBDIR)/liblatscope.so.$(VERSION)
	ln -sf liblatscope.so.$(VERSION) $(DESTDIR)$(LIBDIR)/liblatscope.so.0
	ln -sf liblatscope.so.0 $(DESTDIR)$(LIBDIR)/liblatscope.so
	install -m 0644 include/latscope/*.h $(DESTDIR)$(INCLUDEDIR)/latscope/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		-e 's|@VERSION@|$(VERSION)|' scripts/latscope.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/latscope.pc
	$(foreach m,$(MAN_PAGES),install -D -m 0644 $(m) \
		$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)) &&) true
	$(if $(BASH_COMPLETION),install -D -m 0644 $(BASH_COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/latscope)
	$(foreach u,$(SYSTEMD_UNITS),install -D -m 0644 $(u) $(DESTDIR)$(SYSTEMDUNITDIR)/$(notdir $(u)) &&) true
	$(if $(DEFAULT_CONF),install -D -m 0644 $(DEFAULT_CONF) $(DESTDIR)$(SYSCONFDIR)/latscope.conf)

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/latscope $(DESTDIR)$(LIBDIR)/liblatscope.a \
		$(DESTDIR)$(LIBDIR)/liblatscope.so $(DESTDIR)$(LIBDIR)/liblatscope.so.0 \
		$(DESTDIR)$(LIBDIR)/liblatscope.so.$(VERSION) $(DESTDIR)$(LIBDIR)/pkgconfig/latscope.pc
	rm -rf $(DESTDIR)$(INCLUDEDIR)/latscope
	rm -f $(foreach m,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)))
	rm -f $(DESTDIR)$(BASHCOMPDIR)/latscope
	rm -f $(foreach u,$(SYSTEMD_UNITS),$(DESTDIR)$(SYSTEMDUNITDIR)/$(notdir $(u)))
	@echo "uninstall: $(DESTDIR)$(SYSCONFDIR)/latscope.conf is kept (configuration)"

# Debian packages from the tree (debian/): latscope, liblatscope0, liblatscope-dev in ..
.PHONY: deb
deb:
	dpkg-buildpackage -us -uc -b

# --- fuzzing (issues 5, 14): libFuzzer on every input people control -----------------------
# Every tests/fuzz/NAME.c (defining LLVMFuzzerTestOneInput) becomes $(BUILD)/fuzz/NAME, built with
# clang -fsanitize=fuzzer,address,undefined against a clang-built copy of the internal library
# and core instrumented with -fsanitize=fuzzer-no-link,address,undefined ($(BUILD)/fuzz/lib/).
# A harness that needs a front end's file (cli/, agent/: not in the library) names it on a line
#   /* fuzz-sources: cli/report_json.c */
# and those files are compiled into it. Seeds: tests/fuzz/corpus/NAME/ (real inputs, small).
#   make fuzz [FUZZ_TIME=s]      every fuzzer FUZZ_TIME s (default: ~10 min in all), new inputs
#                                kept in $(BUILD)/fuzz/corpus/NAME/; not part of `make test`
#   make fuzz-NAME               one (fuzz-period: period_expr, as before)
# tests/cli/fuzz.t runs each built fuzzer for a few seconds in `make test`.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/*.c))
FUZZ_NAMES := $(FUZZ_SRCS:tests/fuzz/%.c=%)
FUZZ_BINS := $(FUZZ_NAMES:%=$(BUILD)/fuzz/%)
FUZZ_COUNT := $(words $(FUZZ_NAMES))
FUZZ_TIME ?= $(shell echo $$(( 600 / ($(FUZZ_COUNT) + ($(FUZZ_COUNT) == 0)) )))
FUZZ_CFLAGS := -g -O1 -fno-omit-frame-pointer -std=gnu11 -D_GNU_SOURCE \
	-DLATSCOPE_VERSION='"$(VERSION)"' -Iinclude -Ilib -Icli -Iagent -I$(BUILD) -I$(BUILD)/bpf \
	-fno-sanitize-recover=all -Wno-unused-command-line-argument
FUZZ_LIB_OBJS := $(CORE_SRCS:%.c=$(BUILD)/fuzz/lib/%.o) $(INTERNAL_SRCS:%.c=$(BUILD)/fuzz/lib/%.o)
FUZZ_LIB := $(BUILD)/fuzz/lib/libfuzz.a
# the files a harness names on its "fuzz-sources:" line
fuzz_sources = $(shell sed -n 's|^/\* *fuzz-sources: *\(.*[^ ]\) *\*/ *$$|\1|p' tests/fuzz/$(1).c)

tests: $(FUZZ_BINS)

$(BUILD)/fuzz/lib/%.o: %.c | $(BPF_SKELS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) $(PKG_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP \
		-c $< -o $@
$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

.SECONDEXPANSION:
$(BUILD)/fuzz/%: tests/fuzz/%.c $$(call fuzz_sources,$$*) $(FUZZ_LIB) \
		$(wildcard include/*/*.h lib/*/*.h cli/*.h agent/*.h)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) $(PKG_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< \
		$(call fuzz_sources,$*) $(FUZZ_LIB) $(LDFLAGS) $(CLI_LIBS)

FUZZ_RUN_FLAGS := -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
.PHONY: fuzz fuzz-period $(FUZZ_NAMES:%=fuzz-%)
fuzz: $(FUZZ_NAMES:%=fuzz-%)
$(FUZZ_NAMES:%=fuzz-%): fuzz-%: $(BUILD)/fuzz/%
	@mkdir -p $(BUILD)/fuzz/corpus/$*
	@echo "fuzz: $* for $(FUZZ_TIME) s"
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		$(BUILD)/fuzz/$* -max_total_time=$(FUZZ_TIME) $(FUZZ_RUN_FLAGS) \
		-artifact_prefix=$(BUILD)/fuzz/$*- $(BUILD)/fuzz/corpus/$* tests/fuzz/corpus/$*
fuzz-period: fuzz-period_expr

# Every C file but the generated ones (record_syscalls_gen.py's, syscall_names.c) and LTTng-UST's
# tracepoint provider header.
FORMATTED = $(filter-out lib/sources/record_syscalls.c lib/sources/syscall_names.c \
	tests/e2e/ust_jobs/ust_jobs_tp.h,$(shell git ls-files '*.c' '*.h'))
format:
	clang-format -i $(FORMATTED)

# Lists the files clang-format would change (exit 1 if any); `make format` changes them.
check-format:
	@clang-format --dry-run $(FORMATTED) 2>&1 | \
		sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: warning: code should be clang-formatted.*/\1/p' | \
		sort -u | { ! grep .; }

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
