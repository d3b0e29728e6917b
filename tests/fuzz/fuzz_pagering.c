/*
 * fuzz_pagering.c - libFuzzer target for the page ring's consumer: the
 * input is laid over a 16-slot ring (header and slots, as a traced program
 * could write them), in two rounds with a drain after each, then a final
 * drain.  Every delivered record must pass the documented validation and
 * the counters must add up; nothing may crash or loop.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../capture/pagering.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t delivered;

static int check(void *arg, const struct bt_raw *raw)
{
	(void)arg;
	if ((raw->op != BT_RAW_PAGE_READ && raw->op != BT_RAW_PAGE_WRITE) ||
	    !raw->pid || !raw->time || raw->len != sizeof(*raw) || raw->nstr)
		abort();
	delivered++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bt_pagering *r;
	struct bt_pagering_stats st;
	size_t len = sizeof(struct bt_pagering_hdr) +
		     16 * sizeof(struct bt_pagering_slot), half = size / 2;
	uint8_t *m;
	int fd;

	if (bt_pagering_create(&r, 16, &fd))
		return 0;
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		bt_pagering_free(r);
		return 0;
	}
	delivered = 0;
	memcpy(m, data, half < len ? half : len);
	bt_pagering_drain(r, false, check, NULL);
	memcpy(m, data + half, size - half < len ? size - half : len);
	bt_pagering_drain(r, false, check, NULL);
	bt_pagering_drain(r, true, check, NULL);
	bt_pagering_stats(r, &st);
	if (st.events != delivered)
		abort();
	munmap(m, len);
	bt_pagering_free(r);
	return 0;
}
