# mk/bench.mk - the benchmark program of `make bench` (tests/bench.sh):
# tests/bench_load.c linked with the library, like the Check suites but
# without Check.  tests-build builds it too, so `make check` notices when
# an API change breaks it.
$(B)/bench_load: $(B)/tests/bench_load.o $(LIB)
	$(call q,LINK,$@)$(CC) $(CFLAGS) $(BT_LDFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) -lm

tests-build: $(B)/bench_load
bench-build: $(B)/bench_load
.PHONY: bench-build
