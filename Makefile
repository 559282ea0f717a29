# queuetop -- top for queues and workflows.
#   make            build ./queuetop
#   make test       every suite (unit, integration, end-to-end); SAN=1 for ASan+UBSan
#   make demo       throwaway Redis + simulated traffic + the dashboard
#   make bench      what watching costs: vs the naive reader, Redis' own time, peers, 100k streams
#   make fuzz       the libFuzzer targets, FUZZ_SECONDS each (default 60)
#   make test-fresh the README's commands on a bare Debian root (root, network, slow)
#   make install    PREFIX=/usr/local (DESTDIR honoured)

CC      ?= cc
PREFIX  ?= /usr/local
PKGS    := ncursesw hiredis libpq jansson openssl
SAN     ?= 0

# `make test`, `make demo` and `make bench` first install what is missing (scripts/deps.sh: the
# Debian packages, with sudo when not root), then build and run in a sub-make. Every other
# build goal needs the compiler and the libraries already there, and says so in one line.
WRAPPED := test demo bench
OUTER   := $(if $(QT_DEPS_DONE),,$(filter $(WRAPPED),$(MAKECMDGOALS)))
NO_LIBS := $(OUTER) deps clean test-fresh
ifneq ($(filter-out $(NO_LIBS),$(or $(MAKECMDGOALS),all)),)
ifeq ($(shell command -v $(CC) >/dev/null 2>&1 && command -v pkg-config >/dev/null 2>&1 && \
              pkg-config --exists $(PKGS) && echo ok),)
$(error queuetop: a C compiler, pkg-config or a library ($(PKGS)) is missing; `make deps` installs them (Debian), or use `make test` / `make demo`, which do it first)
endif
endif

CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers \
           -D_DEFAULT_SOURCE -pthread $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -pthread -lm
# queuetop itself loads libpq when PostgreSQL is first used (collectors/pq_lib.h) and libssl
# when a rediss:// session is (collectors/ssl_lib.h); the tests link them, for their fixtures
APP_LDLIBS := $(shell pkg-config --libs $(filter-out libpq openssl,$(PKGS)) 2>/dev/null) -ldl -pthread -lm

ifeq ($(SAN),1)
BUILD   := build-san
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -O1
LDFLAGS += -fsanitize=address,undefined
else
BUILD   := build
endif

CORE_SRC := $(wildcard collectors/*.c) $(filter-out tui/main.c,$(wildcard tui/*.c)) \
            $(wildcard views/*.c) $(wildcard themes/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
INTEG_SRC := $(wildcard tests/integration/test_*.c)
INTEG_BIN := $(INTEG_SRC:tests/integration/%.c=$(BUILD)/tests/%)
TOOLS    := $(BUILD)/tests/sim $(BUILD)/tests/wf_sim $(BUILD)/tests/scale_sim $(BUILD)/tests/bench \
            $(BUILD)/tests/scale_bench $(BUILD)/tests/pg_bench $(BUILD)/tests/freeport \
            $(BUILD)/tests/pg_fixture $(BUILD)/tests/freeze_proxy $(BUILD)/tests/fake_resp \
            $(BUILD)/tests/maxrss

ifeq ($(SAN),1)
all: $(BUILD)/queuetop
else
all: queuetop
queuetop: $(BUILD)/queuetop
	cp $< $@
endif

$(BUILD)/queuetop: $(BUILD)/tui/main.o $(BUILD)/libqueuetop.a
	$(CC) $(LDFLAGS) -o $@ $^ $(APP_LDLIBS)

$(BUILD)/libqueuetop.a: $(CORE_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(BUILD)/libqueuetop.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs cmocka)

$(BUILD)/tests/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%.o: tests/integration/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/harness.o: tests/integration/harness.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/pg_harness.o: tests/integration/pg_harness.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/conductor_fixture.o: tests/integration/conductor_fixture.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(INTEG_BIN): $(BUILD)/tests/harness.o $(BUILD)/tests/pg_harness.o $(BUILD)/tests/conductor_fixture.o

$(BUILD)/tests/sim: tests/sim/sim.c $(BUILD)/libqueuetop.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/wf_sim: tests/sim/wf_sim.c $(BUILD)/libqueuetop.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/scale_sim: tests/sim/scale_sim.c $(BUILD)/libqueuetop.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/scale_bench: tests/bench/scale_bench.c $(BUILD)/tests/harness.o $(BUILD)/libqueuetop.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/bench: tests/bench/bench.c $(BUILD)/tests/harness.o $(BUILD)/libqueuetop.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/pg_bench: tests/bench/pg_bench.c $(BUILD)/tests/pg_harness.o $(BUILD)/tests/harness.o $(BUILD)/libqueuetop.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/pg_fixture: tests/tools/pg_fixture.c $(BUILD)/tests/pg_harness.o $(BUILD)/tests/harness.o $(BUILD)/tests/conductor_fixture.o $(BUILD)/libqueuetop.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/freeze_proxy: tests/tools/freeze_proxy.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

$(BUILD)/tests/fake_resp: tests/tools/fake_resp.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

$(BUILD)/tests/maxrss: tests/tools/maxrss.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

$(BUILD)/tests/freeport: tests/tools/freeport.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

tools: $(TOOLS)

# libFuzzer targets for the parsers of untrusted input (clang only).
FUZZ_CFLAGS := -std=c11 -g -O1 -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=600 -fsanitize=fuzzer,address,undefined \
               $(shell pkg-config --cflags hiredis)
build-fuzz/fuzz_sanitize: tests/fuzz/fuzz_sanitize.c tui/sanitize.c
	@mkdir -p build-fuzz
	clang $(FUZZ_CFLAGS) -o $@ $^
build-fuzz/fuzz_url: tests/fuzz/fuzz_url.c collectors/redis_conn.c collectors/util.c
	@mkdir -p build-fuzz
	clang $(FUZZ_CFLAGS) -o $@ $^ $(shell pkg-config --libs hiredis)
build-fuzz/fuzz_conductor_json: tests/fuzz/fuzz_conductor_json.c collectors/pg_conductor.c collectors/pg_counts.c \
                                collectors/workflow.c collectors/pg_conn.c collectors/pq_lib.c collectors/cancel.c collectors/snapshot.c collectors/util.c
	@mkdir -p build-fuzz
	clang $(FUZZ_CFLAGS) $(shell pkg-config --cflags libpq jansson) -o $@ $^ $(shell pkg-config --libs libpq jansson)
build-fuzz/fuzz_mapping_sql: tests/fuzz/fuzz_mapping_sql.c collectors/pg_mapping.c collectors/pg_mapping_read.c \
                             collectors/workflow.c collectors/pg_conn.c collectors/pq_lib.c collectors/cancel.c collectors/snapshot.c collectors/util.c
	@mkdir -p build-fuzz
	clang $(FUZZ_CFLAGS) $(shell pkg-config --cflags libpq jansson) -o $@ $^ $(shell pkg-config --libs libpq jansson)

build-fuzz/fuzz_resp: tests/fuzz/fuzz_resp.c $(wildcard collectors/*.c)
	@mkdir -p build-fuzz
	clang $(FUZZ_CFLAGS) $(shell pkg-config --cflags libpq jansson) -o $@ $^ $(shell pkg-config --libs hiredis libpq jansson) -pthread -lm

FUZZ_BIN := build-fuzz/fuzz_sanitize build-fuzz/fuzz_url build-fuzz/fuzz_conductor_json \
            build-fuzz/fuzz_mapping_sql build-fuzz/fuzz_resp

fuzz: $(FUZZ_BIN)
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-60} sh tests/fuzz/run.sh

ifneq ($(OUTER),)
# the first pass: install what is missing, then the same goal again with everything there
# (SAN=1 and -j reach the sub-make through MAKEFLAGS)
$(OUTER):
	@sh scripts/deps.sh $(filter bench,$@)
	@$(MAKE) --no-print-directory QT_DEPS_DONE=1 $@
else
test: all $(UNIT_BIN) $(INTEG_BIN) $(TOOLS) $(FUZZ_BIN)
	@BUILD=$(BUILD) QUEUETOP=$(BUILD)/queuetop sh tests/run.sh $(UNIT_BIN) $(INTEG_BIN)

demo: all $(BUILD)/tests/sim $(BUILD)/tests/wf_sim $(BUILD)/tests/freeport
	@BUILD=$(BUILD) sh scripts/demo.sh

bench: all $(BUILD)/tests/bench $(BUILD)/tests/pg_bench $(BUILD)/tests/scale_sim $(BUILD)/tests/scale_bench
	@BUILD=$(BUILD) sh tests/bench/run.sh
endif

# The README's commands on a bare Debian bookworm (debootstrap --variant=minbase in a temp
# dir, a clone of this repository's HEAD, `make test` and `make demo` inside it). Needs root
# and the network to a Debian mirror; slow (see README), so not part of `make test`.
test-fresh:
	sh tests/fresh/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/queuetop $(DESTDIR)$(PREFIX)/bin/queuetop
	install -m 644 docs/queuetop.1 $(DESTDIR)$(PREFIX)/share/man/man1/queuetop.1

deps:
	sh scripts/deps.sh

clean:
	rm -rf build build-san build-fuzz queuetop

.PHONY: all test demo bench fuzz install deps clean tools test-fresh
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
