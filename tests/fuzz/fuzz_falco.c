/*
 * fuzz_falco.c - libFuzzer target for one alert line as `btrack watch`
 * reads it (graph/alert.c bt_alert_parse: Falco's JSON alerts and the
 * generic form): any bytes, not NUL-terminated.  An alert accepted must
 * hold a NUL-terminated, non-empty spec without a newline, and strings
 * (rule, priority, container id) that are NUL-terminated in their fields;
 * a refused one must say where (the line number).  Dictionary:
 * tests/fuzz/fuzz_falco.dict.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/error.h"
#include "../../graph/alert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bt_alert a;
	/* A copy of exactly `size` bytes: ASan sees any read past them. */
	char *buf = malloc(size ? size : 1);
	int r;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	r = bt_alert_parse(&a, buf, size, "fuzz", 3);
	if (r == 0) {
		if (!memchr(a.spec, '\0', sizeof(a.spec)) || !a.spec[0] ||
		    strchr(a.spec, '\n') ||
		    !memchr(a.rule, '\0', sizeof(a.rule)) ||
		    !memchr(a.priority, '\0', sizeof(a.priority)) ||
		    !memchr(a.container, '\0', sizeof(a.container)))
			abort();
	} else if (r != BT_ECORRUPT || !strstr(bt_error_msg(), "fuzz:3")) {
		abort();
	}
	free(buf);
	return 0;
}
