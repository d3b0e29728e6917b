# mk/probes.mk - the per-system-call probes (tests/probes/*.c ->
# $(B)/probes/*) that tests/scenario/probes.sh runs under each capture
# source.  Built without SANITIZE: the page monitor is preloaded into them.

PROBE_SRC := $(sort $(wildcard tests/probes/*.c))
PROBE_BINS := $(PROBE_SRC:tests/probes/%.c=$(B)/probes/%)
PROBE_HDRS := $(wildcard tests/probes/*.h)
PROBE_CFLAGS := -std=gnu11 -O1 $(WARN) $(if $(filter 1,$(DEVELOPER)),-Werror)

$(B)/probes/%: tests/probes/%.c $(PROBE_HDRS)
	@mkdir -p $(dir $@)
	$(call q,CC,$@)$(CC) $(PROBE_CFLAGS) -o $@ $<

tests-build: $(PROBE_BINS)
