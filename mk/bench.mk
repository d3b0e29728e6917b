# mk/bench.mk - the benchmark program of `make bench` (tests/bench.sh):
# tests/bench_load.c linked with the library, like the Check suites but
# without Check.
$(B)/bench_load: $(B)/tests/bench_load.o $(LIB)
	$(call q,LINK,$@)$(CC) $(CFLAGS) $(BT_LDFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) -lm

bench-build: $(B)/bench_load
.PHONY: bench-build
