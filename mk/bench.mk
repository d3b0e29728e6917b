# mk/bench.mk - the benchmark program of `make bench` (tests/bench.sh):
# tests/bench_load.c linked with the library, like the Check suites but
# without Check.  tests-build builds it too, so `make check` notices when
# an API change breaks it.
$(B)/bench_load: $(B)/tests/bench_load.o $(LIB)
	$(call q,LINK,$@)$(CC) $(CFLAGS) $(BT_LDFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) -lm

tests-build: $(B)/bench_load
bench-build: $(B)/bench_load
.PHONY: bench-build

# `make bench-scale` (tests/bench-scale.sh, issue 13): 100 M and 1 G
# generated events, tens of GB of disk and minutes to hours.  Never part of
# `make check` or CI.  BENCH_SCALE_SIZES, BENCH_SCALE_DB_EVENTS,
# BENCH_SCALE_DIR and BENCH_SCALE_KEEP=1 as the script describes.
bench-scale:
	$(Q)sh tests/deps.sh
	$(Q)$(MAKE) --no-print-directory all
	$(Q)B=$(B) BIN=$(BIN) sh tests/bench-scale.sh
.PHONY: bench-scale
