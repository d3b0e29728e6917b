/*
 * fuzz_drops.c - libFuzzer target for the drops note parser and reader
 * (core/drops.c).
 *
 * The first byte picks what the rest is: even, the text of one drops note
 * (bt_drops_add_text(), twice: the counts must add up and every name kept
 * must be of [a-z0-9_.]); odd, a whole log whose notes are summed
 * (bt_drops_read(): 0 or an error with a message).  The summary of causes
 * must fit its buffer and stay terminated.  Build with `make fuzz`; run
 * e.g. `build/fuzz/fuzz_drops -max_total_time=60 DIR`.  The same checks
 * run in CI on hostile text (tests/check_drops.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/drops.h"
#include "../../core/error.h"
#include "../../core/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct bt_drops *d)
{
	char buf[64];
	uint32_t i;
	size_t k;

	if (d->ncauses > BT_DROPS_CAUSES)
		abort();
	for (i = 0; i < d->ncauses; i++)
		for (k = 0; d->cause[i].name[k]; k++) {
			char c = d->cause[i].name[k];

			if (k >= BT_DROPS_NAME - 1 ||
			    !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			      c == '_' || c == '.'))
				abort();
		}
	bt_drops_causes(d, buf, sizeof(buf));
	if (strlen(buf) >= sizeof(buf))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bt_drops d;

	if (size < 1)
		return 0;
	if (!(data[0] & 1)) {
		uint64_t a, b;

		memset(&d, 0, sizeof(d));
		a = bt_drops_add_text(&d, (const char *)data + 1, size - 1);
		b = bt_drops_add_text(&d, (const char *)data + 1, size - 1);
		if (d.total != a + b)
			abort();
		check(&d);
	} else {
		struct bt_log *log = NULL;

		if (bt_log_open_mem(&log, data + 1, size - 1) == 0) {
			if (bt_drops_read(&d, log) == 0)
				check(&d);
			else if (!bt_error_msg()[0])
				abort();
		}
		bt_log_close(log);
	}
	return 0;
}
