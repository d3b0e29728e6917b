/*
 * fuzz_alert.c - libFuzzer target for IDS alerts (graph/alert.c): any bytes
 * as an alert file; every alert read must hold a NUL-terminated spec
 * without a newline.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../graph/alert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bt_alert *a = NULL;
	size_t n = 0, i;
	FILE *in = fmemopen((void *)data, size, "r");

	if (!in)
		return 0;
	if (bt_alert_read(&a, &n, in, "fuzz") == 0) {
		for (i = 0; i < n; i++)
			if (!memchr(a[i].spec, '\0', sizeof(a[i].spec)) ||
			    strchr(a[i].spec, '\n') || !a[i].spec[0])
				abort();
		free(a);
	}
	fclose(in);
	return 0;
}
