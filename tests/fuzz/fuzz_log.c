/*
 * fuzz_log.c - libFuzzer target for the log reader (core/log.c), both
 * format versions (fuzz_log_v2.c gets past version 2's checksums).
 *
 * Opens the input with bt_log_open_mem(), reads every record with
 * bt_log_next() and then bt_log_stats(), which must agree.  The reader must
 * never read outside the input, whatever the bytes; corruption is an error
 * return with an offset.  Build with `make fuzz`; run e.g.
 * `build/fuzz/fuzz_log -max_total_time=60 CORPUS_DIR`.  The same logic runs
 * in CI on mutated logs (tests/check_log.c, test_mutated_logs).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/error.h"
#include "../../core/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bt_log *log;
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	struct bt_log_stats st;
	uint64_t n = 0;
	volatile uint8_t sum = 0;
	int r;

	if (bt_log_open_mem(&log, data, size))
		return 0;
	bt_log_iter_init(&it, log);
	while ((r = bt_log_next(&it, &h)) == 1) {
		/* read all of the record's bytes, as a consumer would:
		 * the sanitizer catches a record past the input */
		uint32_t len = h->type == BT_REC_EVENT ? 24 : h->len;
		const uint8_t *p = (const uint8_t *)h;
		uint32_t i;

		for (i = 0; i < len; i++)
			sum += p[i];
		n++;
	}
	bt_log_iter_release(&it);
	/* (version 2: offsets in the decoded records, not the input) */
	if (it.off > bt_log_committed(log) ||
	    (bt_log_version(log) == 1 && it.off > size))
		abort();
	if (bt_log_stats(log, &st) != r || (r == 0 && st.records != n))
		abort();
	if (r < 0 && !strstr(bt_error_msg(), "offset"))
		abort();
	bt_log_close(log);
	return 0;
}
