/*
 * fuzz_log_v2.c - libFuzzer target for the version 2 block decoder
 * (core/log.c, man/btrack-log.5).
 *
 * Random bytes almost never pass a block's CRC-32C, so fuzz_log.c would
 * exercise little more than the checksum.  This target wraps the input in
 * a valid version 2 header and splits it into blocks (the first input byte
 * picks how), each with a correct checksum and chain fields, so that the
 * decoder and the checks on decoded records see hostile record bytes.  The
 * reader must never read outside the buffer; a refused log is an error with
 * an offset.  Build with `make fuzz`; run e.g.
 * `build/fuzz/fuzz_log_v2 -max_total_time=60`.  tests/check_log.c runs
 * mutated version 2 logs in CI.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/crc32c.h"
#include "../../core/error.h"
#include "../../core/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Header crc as the writer computes it (bytes 0-11, 24-39, 48-63). */
static uint32_t hcrc(const uint8_t *b)
{
	uint32_t c = bt_crc32c(0, b, 12);

	c = bt_crc32c(c, b + 24, 16);
	return bt_crc32c(c, b + 48, 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bt_log_header *h;
	struct bt_log *log;
	struct bt_log_iter it;
	const struct bt_rec_head *rh;
	struct bt_log_stats st;
	size_t cap, off, chunk, nblocks = 0;
	uint8_t *buf;
	volatile uint8_t sum = 0;
	int r;

	if (size < 1)
		return 0;
	/* chunk: the record bytes of each block, 16 to 4096 */
	chunk = ((size_t)data[0] + 1) * 16;
	data++;
	size--;
	cap = 64 + (size / chunk + 1) * (32 + chunk + 8);
	buf = calloc(1, cap);
	if (!buf)
		return 0;
	h = (struct bt_log_header *)buf;
	memcpy(h->magic, BT_LOG_MAGIC, 8);
	h->version = 2;
	h->created = 1;
	h->header_size = 64;
	h->block_size = BT_LOG_BLOCK_SIZE;
	h->hcrc = hcrc(buf);
	off = 64;
	while (size) {
		struct bt_log_block *b = (struct bt_log_block *)(buf + off);
		size_t n = size < chunk ? size : chunk;

		/* The chain fields are unknown without decoding: leave them
		 * 0, so later blocks mostly fail the chain check; the first
		 * takes up to 4 KiB of records. */
		b->seq = (uint32_t)nblocks++;
		memcpy(buf + off + 32, data, n);
		b->used = (uint32_t)n;
		b->crc = bt_crc32c(0, (uint8_t *)b + 8, 24 + n);
		data += n;
		size -= n;
		off += 32 + n;
		if (size)
			off = (off + 7) & ~(size_t)7;
	}
	h->committed = off;
	if (bt_log_open_mem(&log, buf, off)) {
		if (!strstr(bt_error_msg(), "offset"))
			abort();
		free(buf);
		return 0;
	}
	bt_log_iter_init(&it, log);
	while ((r = bt_log_next(&it, &rh)) == 1) {
		uint32_t len = rh->type == BT_REC_EVENT ? 24 : rh->len;
		const uint8_t *p = (const uint8_t *)rh;
		uint32_t i;

		for (i = 0; i < len; i++)
			sum += p[i];
	}
	bt_log_iter_release(&it);
	if (bt_log_verify(log, &st) != r)
		abort();
	if (r < 0 && !strstr(bt_error_msg(), "offset"))
		abort();
	bt_log_close(log);
	free(buf);
	return 0;
}
