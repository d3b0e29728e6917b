# mk/record.mk - `btrack record`: where the installed page monitor lives
# (cli/cmd-record.c looks there last) and the small programs the recorder's
# tests run (tests/progs/record-*.c -> $(B)/progs/record-*).
#
# The test programs are built without SANITIZE: the page monitor is
# preloaded into them, and a sanitizer runtime must come first in the
# preload list.  record-static is linked statically on purpose.

RECORD_PROG_SRC := $(sort $(wildcard tests/progs/record-*.c))
RECORD_PROGS := $(RECORD_PROG_SRC:tests/progs/%.c=$(B)/progs/%)
RECORD_PROG_CFLAGS := -std=gnu11 $(WARN) -D_GNU_SOURCE \
	$(if $(filter 1,$(DEVELOPER)),-Werror)

$(B)/cli/cmd-record.o: BT_CFLAGS += -DBTRACK_LIBDIR='"$(LIBDIR)"'

$(B)/progs/record-%: tests/progs/record-%.c
	@mkdir -p $(dir $@)
	$(call q,CC,$@)$(CC) $(RECORD_PROG_CFLAGS) $(CFLAGS) -o $@ $< -lpthread

$(B)/progs/record-static: tests/progs/record-static.c
	@mkdir -p $(dir $@)
	$(call q,CC,$@)$(CC) $(RECORD_PROG_CFLAGS) $(CFLAGS) -static -o $@ $<

tests-build: $(RECORD_PROGS)
$(B)/tests/check_recorder: $(RECORD_PROGS)

# record-hostile makes i386 system calls (int 0x80), which take 32-bit
# pointers: its static data must lie below 4 GiB.
$(B)/progs/record-hostile: tests/progs/record-hostile.c
	@mkdir -p $(dir $@)
	$(call q,CC,$@)$(CC) $(RECORD_PROG_CFLAGS) $(CFLAGS) -no-pie -o $@ $< -lpthread
