# btrack - one GNU Makefile.  See README for the two commands that matter:
#   make demo     record, backtrack and render a small attack on real programs
#   make check    install what the tests need, build, run every test
#
# Options: SANITIZE=address,undefined  DEVELOPER=1 (-Werror)  V=1  PREFIX=
#          DESTDIR=  KDIR= (kernel build tree for `make kmod`)
# Parts add their own rules in mk/*.mk (kernel module, VM test, recorder).

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/btrack
CC ?= cc
PKG_CONFIG ?= pkg-config
B ?= build
# The binary: ./btrack for the default build, $(B)/btrack for another B.
BIN ?= $(if $(filter build,$(B)),btrack,$(B)/btrack)

# libpq: its headers only; core/pqdl.c opens the library when a
# PostgreSQL case database is used.
PKGS := sqlite3 libcgraph libgvc jansson libcrypto
# '=' (not ':='): pkg-config runs only when a rule needs the flags, so
# `make check` can install the packages first.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) libpq 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

WARN := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla -Wno-unused-parameter
CFLAGS ?= -O2 -g
BT_CFLAGS := -std=gnu11 $(WARN) -D_GNU_SOURCE -fno-strict-aliasing
ifeq ($(DEVELOPER),1)
BT_CFLAGS += -Werror
endif
ifneq ($(SANITIZE),)
BT_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
BT_LDFLAGS += -fsanitize=$(SANITIZE)
endif
ifneq ($(V),1)
Q := @
q = @printf '  %-7s %s\n' '$1' '$2';
endif

LIB_SRC := $(sort $(wildcard core/*.c graph/*.c capture/*.c capture/audit/*.c live/*.c))
CLI_SRC := $(sort $(wildcard cli/*.c))
TEST_SRC := $(sort $(wildcard tests/check_*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(B)/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(B)/tests/%)
LIB := $(B)/libbtrack.a
MAN := $(sort $(wildcard man/*.[0-9]))

all: $(BIN)

$(BIN): $(CLI_OBJ) $(LIB)
	$(call q,LINK,$@)$(CC) $(CFLAGS) $(BT_LDFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(PKG_LIBS) -lm

$(LIB): $(LIB_OBJ)
	$(call q,AR,$@)rm -f $@ && $(AR) rcs $@ $(LIB_OBJ)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call q,CC,$<)$(CC) $(BT_CFLAGS) $(CFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) $(CHECK_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/check_%: $(B)/tests/check_%.o $(B)/tests/testutil.o $(LIB)
	$(call q,LINK,$@)$(CC) $(CFLAGS) $(BT_LDFLAGS) $(LDFLAGS) -o $@ $< $(B)/tests/testutil.o $(LIB) $(CHECK_LIBS) $(PKG_LIBS) -lm

tests-build: $(BIN) $(TEST_BIN)

# Install the Debian packages the build and tests need, if missing.
deps:
	$(Q)sh tests/deps.sh

check:
	$(Q)sh tests/deps.sh
	$(Q)$(MAKE) --no-print-directory tests-build
	$(Q)B=$(B) BIN=$(BIN) sh tests/run.sh

bench:
	$(Q)sh tests/deps.sh
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh tests/bench.sh

demo:
	$(Q)sh tests/deps.sh
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BTRACK=$(abspath $(BIN)) sh tests/demo.sh

# Fuzz targets: tests/fuzz/fuzz_*.c, built with clang's libFuzzer.
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)
fuzz: $(FUZZ_BIN)
# (capture/ebpf/loader.c without BT_HAVE_EBPF: its stubs, for ebpfrec.c)
FUZZ_LIB_SRC := $(LIB_SRC) capture/ebpf/loader.c
$(B)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_SRC)
	@mkdir -p $(dir $@)
	$(call q,FUZZ,$@)clang -std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) -o $@ $< $(FUZZ_LIB_SRC) $(PKG_LIBS) -lm

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man4 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 755 btrack $(DESTDIR)$(BINDIR)/btrack
	install -d $(DESTDIR)$(DATADIR)
	install -m 644 capture/audit/btrack.rules $(DESTDIR)$(DATADIR)/btrack.rules
	install -m 644 capture/audit/btrack-minimal.rules $(DESTDIR)$(DATADIR)/btrack-minimal.rules
	for m in $(MAN); do s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/btrack $(DESTDIR)$(DATADIR)/btrack.rules $(DESTDIR)$(DATADIR)/btrack-minimal.rules
	-rmdir $(DESTDIR)$(DATADIR) 2>/dev/null
	for m in $(MAN); do s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; done

clean:
	rm -rf $(B) $(BIN)

-include $(sort $(wildcard mk/*.mk))
-include $(shell find $(B) -name '*.d' 2>/dev/null)

ifneq ($(BIN),btrack)
btrack: $(BIN)
endif
.PHONY: all check bench demo deps fuzz install uninstall clean tests-build
.DELETE_ON_ERROR:
