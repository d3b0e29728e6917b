/*
 * fuzz_points.c - libFuzzer target for the points of a batch
 * (graph/query.c): any bytes as a --from-list file.  Every point read is
 * either a spec (non-empty, no NUL, no line break, no blank at either
 * end, not a comment) or a bad line with its reason; line numbers only
 * grow.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../graph/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bt_query_points ps = { 0 };
	FILE *in = fmemopen((void *)data, size, "r");
	size_t i, len, last = 0;

	if (!in)
		return 0;
	if (bt_query_points_read_list(&ps, in, "fuzz") == 0) {
		for (i = 0; i < ps.n; i++) {
			const struct bt_query_point *p = &ps.v[i];

			if (p->where <= last)
				abort();
			last = p->where;
			if (!p->spec) {
				if (!p->bad)
					abort();
				continue;
			}
			len = strlen(p->spec);
			if (!len || p->spec[0] == '#' ||
			    strpbrk(p->spec, "\n") ||
			    strchr(" \t", p->spec[0]) ||
			    strchr(" \t\r", p->spec[len - 1]))
				abort();
		}
	}
	bt_query_points_release(&ps);
	fclose(in);
	return 0;
}
