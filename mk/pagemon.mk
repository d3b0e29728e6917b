# mk/pagemon.mk - the LD_PRELOAD page monitor (capture/preload/*.c) as
# $(B)/libbtrack-pages.so, its test programs (tests/progs/pagemon-*.c) as
# $(B)/progs/, and its install rule ($(LIBDIR)/btrack/libbtrack-pages.so).
#
# The library is built without SANITIZE: a sanitizer runtime cannot be
# preloaded into arbitrary uninstrumented programs.  Only the interposed
# symbols are visible (-fvisibility=hidden, EXPORT in the source).

PAGEMON_SO := $(B)/libbtrack-pages.so
PAGEMON_SRC := $(sort $(wildcard capture/preload/*.c))
PAGEMON_CFLAGS := -std=gnu11 $(WARN) -D_GNU_SOURCE -fno-strict-aliasing \
	-fPIC -fvisibility=hidden $(if $(filter 1,$(DEVELOPER)),-Werror)
PAGEMON_PROG_SRC := $(sort $(wildcard tests/progs/pagemon-*.c))
PAGEMON_PROGS := $(PAGEMON_PROG_SRC:tests/progs/%.c=$(B)/progs/%)

$(PAGEMON_SO): $(PAGEMON_SRC) capture/pagering.h core/record.h
	@mkdir -p $(dir $@)
	$(call q,SO,$@)$(CC) $(PAGEMON_CFLAGS) $(CFLAGS) -shared -o $@ $(PAGEMON_SRC) -ldl -lpthread

# The same library with the architecture-neutral fault classification, for
# check_pagemon (see fault_is_write() in pagemon.c).
$(B)/progs/libbtrack-pages-generic.so: $(PAGEMON_SRC) capture/pagering.h core/record.h
	@mkdir -p $(dir $@)
	$(call q,SO,$@)$(CC) $(PAGEMON_CFLAGS) -DBT_PAGEMON_GENERIC $(CFLAGS) -shared -o $@ $(PAGEMON_SRC) -ldl -lpthread

$(B)/progs/pagemon-%: tests/progs/pagemon-%.c
	@mkdir -p $(dir $@)
	$(call q,CC,$@)$(CC) -std=gnu11 $(WARN) -D_GNU_SOURCE $(if $(filter 1,$(DEVELOPER)),-Werror) $(CFLAGS) -o $@ $< -lpthread

all: $(PAGEMON_SO)
tests-build: $(PAGEMON_SO) $(PAGEMON_PROGS) $(B)/progs/libbtrack-pages-generic.so
$(B)/tests/check_pagemon: $(PAGEMON_SO) $(PAGEMON_PROGS) $(B)/progs/libbtrack-pages-generic.so

install: install-pagemon
install-pagemon: $(PAGEMON_SO)
	install -d $(DESTDIR)$(LIBDIR)/btrack
	install -m 755 $(PAGEMON_SO) $(DESTDIR)$(LIBDIR)/btrack/libbtrack-pages.so

uninstall: uninstall-pagemon
uninstall-pagemon:
	rm -f $(DESTDIR)$(LIBDIR)/btrack/libbtrack-pages.so
	-rmdir $(DESTDIR)$(LIBDIR)/btrack 2>/dev/null

.PHONY: install-pagemon uninstall-pagemon
