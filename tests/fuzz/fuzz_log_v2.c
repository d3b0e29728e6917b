/*
 * fuzz_log_v2.c - libFuzzer target for the version 2 block decoder
 * (core/log.c, man/btrack-log.5).
 *
 * Random bytes almost never pass a block's CRC-32C, so fuzz_log.c would
 * exercise little more than the checksum.  This target wraps the input in
 * a valid version 2 header and splits it into blocks (the first input byte
 * picks how), each with a correct checksum and with the chain fields the
 * blocks before it decode to, so that the decoder and its checks see
 * hostile record bytes in every block.  It then reads the log four ways,
 * which must agree: the iterator, bt_log_verify(), every block decoded on
 * its own (bt_log_block_decode(), and in compact form:
 * bt_log_block_events()) against the whole log decoded at once
 * (bt_log_data()), and a follower that opened the log at a block boundary
 * or in the middle of a block and took in the rest with bt_log_refresh()
 * (a memfd, as a writer's file); and the graph both ways its list pass
 * can go (graph_both_ways()).  The reader must never read outside the
 * buffer; a refused log is an error with an offset.  Build with `make
 * fuzz`; run e.g. `build/fuzz/fuzz_log_v2 -max_total_time=60`.
 * tests/check_log.c runs mutated version 2 logs in CI.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../core/crc32c.h"
#include "../../core/error.h"
#include "../../core/log.h"
#include "../../graph/graph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Header crc as the writer computes it (bytes 0-11, 24-39, 48-63). */
static uint32_t hcrc(const uint8_t *b)
{
	uint32_t c = bt_crc32c(0, b, 12);

	c = bt_crc32c(c, b + 24, 16);
	return bt_crc32c(c, b + 48, 16);
}

static void must_have_offset(void)
{
	if (!strstr(bt_error_msg(), "offset"))
		abort();
}

/* A checksum over what the block's word says it holds. */
static void seal_block(uint8_t *buf, size_t off, uint32_t used)
{
	struct bt_log_block *b = (struct bt_log_block *)(buf + off);

	b->used = used;
	b->crc = bt_crc32c(0, buf + off + 8, 24 + used);
}

/*
 * The chain fields of the block after the last one of buf[0, end): what
 * that block decodes to (objects, events, the last event's time).  0 if
 * it does not decode: later blocks then fail the chain check.
 */
static void next_chain(uint8_t *buf, size_t end, struct bt_log_block *nb)
{
	struct bt_log *log;
	struct bt_log_blockinfo bi;
	uint8_t *dec;
	size_t len, p;
	uint32_t last;

	((struct bt_log_header *)buf)->committed = end;
	if (bt_log_open_mem(&log, buf, end))
		return;
	last = bt_log_blocks(log) - 1;
	if (bt_log_block_info(log, last, &bi) == 0) {
		nb->objects = bi.first_object + bi.nobjects;
		nb->events = bi.first_event + bi.nevents;
		nb->base_time = bi.base_time;
		dec = malloc(bt_log_block_decoded_max(log));
		if (dec && !bt_log_block_decode(log, last, dec,
						bt_log_block_decoded_max(log),
						&len, NULL)) {
			for (p = 0; p < len;) {
				const struct bt_rec_head *h = (void *)(dec + p);

				if (h->type == BT_REC_EVENT) {
					nb->base_time =
						((const struct bt_rec_event *)h)
						->time;
					p += 24;
				} else {
					p += h->len;
				}
			}
		}
		free(dec);
	}
	bt_log_close(log);
}

/* Sum and count of the records an iterator returns from where it is. */
/* The graph loaded twice, its list pass taking pass 1's events and
 * decoding every block again (graph.c, keep_events()): the same answer,
 * and the same objects and events when it loads. */
static void graph_both_ways(const uint8_t *buf, size_t len)
{
	struct bt_graph *g[2] = { NULL, NULL };
	struct bt_log *log;
	int r[2], k;

	for (k = 0; k < 2; k++) {
		setenv("BTRACK_LOAD_DECODE", k ? "twice" : "", 1);
		if (bt_log_open_mem(&log, buf, len))
			return;
		r[k] = bt_graph_from_log(&g[k], log, NULL, NULL);
	}
	unsetenv("BTRACK_LOAD_DECODE");
	if (r[0] != r[1] ||
	    (!r[0] && (bt_graph_nobjects(g[0]) != bt_graph_nobjects(g[1]) ||
		       bt_graph_nevents(g[0]) != bt_graph_nevents(g[1]))))
		abort();
	bt_graph_free(g[0]);
	bt_graph_free(g[1]);
}

static int drain(struct bt_log_iter *it, uint64_t *n, uint64_t *sum)
{
	const struct bt_rec_head *h;
	int r;

	while ((r = bt_log_next(it, &h)) == 1) {
		uint32_t len = h->type == BT_REC_EVENT ? 24 : h->len;
		const uint8_t *p = (const uint8_t *)h;
		uint32_t i;

		if (it->at + len != it->off)
			abort();
		for (i = 0; i < len; i++)
			*sum += p[i] * (i + 1);
		(*n)++;
	}
	return r;
}

/* Block i in compact form (bt_log_block_events()) against its canonical
 * records dec[0, len) (rc: what bt_log_block_decode() returned): the
 * same verdict, the same events in order, the other records byte for
 * byte. */
static void compact_vs_canonical(const struct bt_log *log, uint32_t i,
				 const uint8_t *dec, size_t len, int rc,
				 size_t cap)
{
	struct bt_log_blockinfo bi;
	struct bt_log_events ev;
	uint8_t *buf = malloc(cap), *op, *auxop;
	uint32_t *cause, *effect, *aux, n, k = 0;
	size_t blen, p, q = 0;
	int r;

	if (bt_log_block_info(log, i, &bi))
		abort();
	n = bi.nevents;
	cause = malloc((n + 1) * sizeof(*cause));
	effect = malloc((n + 1) * sizeof(*effect));
	aux = malloc((n + 1) * sizeof(*aux));
	op = malloc(n + 1);
	auxop = malloc(n + 1);
	if (!buf || !cause || !effect || !aux || !op || !auxop)
		goto out;
	memset(&ev, 0, sizeof(ev));
	ev.cause = cause;
	ev.effect = effect;
	ev.op = op;
	ev.aux = aux;
	ev.auxop = auxop;
	ev.cap = n;
	r = bt_log_block_events(log, i, buf, cap, &blen, NULL, &ev);
	if (!r != !rc)
		abort();
	if (r) {
		must_have_offset();
		goto out;
	}
	for (p = 0; p < len;) {
		const struct bt_rec_head *h = (const void *)(dec + p);

		if (h->type == BT_REC_EVENT) {
			const struct bt_rec_event *e = (const void *)h;

			if (k >= ev.n || cause[k] != e->cause ||
			    effect[k] != e->effect || op[k] != e->op)
				abort();
			k++;
			p += 24;
		} else {
			if (q + h->len > blen || memcmp(buf + q, h, h->len))
				abort();
			q += h->len;
			p += h->len;
		}
	}
	if (k != ev.n || q != blen || ev.naux > ev.n)
		abort();
out:
	free(buf);
	free(cause);
	free(effect);
	free(aux);
	free(op);
	free(auxop);
}

/* Every block on its own against the whole log decoded at once. */
static void blocks_vs_image(const uint8_t *buf, size_t size)
{
	struct bt_log *a, *b;
	const uint8_t *img;
	uint8_t *dec;
	uint64_t at = BT_LOG_HEADER_SIZE;
	size_t cap, len;
	uint32_t i;
	int bad = 0;

	if (bt_log_open_mem(&a, buf, size))
		return;
	if (bt_log_open_mem(&b, buf, size))
		abort();
	cap = bt_log_block_decoded_max(a);
	dec = malloc(cap);
	for (i = 0; dec && i < bt_log_blocks(a); i++) {
		int rc = bt_log_block_decode(a, i, dec, cap, &len, NULL);

		compact_vs_canonical(a, i, dec, len, rc, cap);
		if (rc) {
			must_have_offset();
			bad = 1;
			break;
		}
	}
	img = bt_log_data(b);
	if (!img) {
		must_have_offset();
		if (!bad)
			abort();   /* every block decoded, the whole did not */
	} else {
		if (bad)
			abort();
		for (i = 0; dec && i < bt_log_blocks(a); i++) {
			if (bt_log_block_decode(a, i, dec, cap, &len, NULL) ||
			    at + len > bt_log_committed(b) ||
			    memcmp(dec, img + at, len))
				abort();
			at += len;
		}
		if (dec && at != bt_log_committed(b))
			abort();
	}
	free(dec);
	bt_log_close(a);
	bt_log_close(b);
}

/*
 * A follower: the log as a writer had it at `cut` (the last block's word
 * and the committed length at cut), opened from a memfd; then the rest is
 * written and bt_log_refresh() takes it in.  What the follower's iterator
 * reads before and after the refresh is what a reader of the whole log
 * reads.
 */
static void follow(const uint8_t *buf, size_t size, size_t cut_blk,
		   size_t prev_end, size_t cut)
{
	struct bt_log_header *h;
	struct bt_log *log = NULL, *whole = NULL;
	struct bt_log_iter it, iw;
	uint64_t n1 = 0, s1 = 0, n2 = 0, s2 = 0, ne;
	uint8_t *pre;
	char path[64];
	int fd, r1, r2;

	fd = memfd_create("fuzz_log_v2", 0);
	if (fd < 0)
		return;
	pre = malloc(size);
	if (!pre) {
		close(fd);
		return;
	}
	memcpy(pre, buf, size);
	/* the word of the block being written covers [block, cut); at a
	 * block boundary, the writer's committed length is the end of the
	 * block before (not its padding) */
	if (cut > cut_blk + 32)
		seal_block(pre, cut_blk, (uint32_t)(cut - cut_blk - 32));
	else if (cut_blk > BT_LOG_HEADER_SIZE)
		cut = prev_end;
	memset(pre + cut, 0, size - cut);
	h = (struct bt_log_header *)pre;
	h->committed = cut;
	if (pwrite(fd, pre, size, 0) != (ssize_t)size)
		goto out;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (bt_log_open(&log, path)) {
		must_have_offset();
		goto out;
	}
	bt_log_iter_init(&it, log);
	r1 = drain(&it, &n1, &s1);
	if (r1 < 0) {
		bt_log_iter_release(&it);
		goto out;
	}
	/* the writer goes on */
	if (pwrite(fd, buf, size, 0) != (ssize_t)size)
		abort();
	r1 = bt_log_refresh(log, &ne);
	if (r1 == 0)
		r1 = drain(&it, &n1, &s1);
	bt_log_iter_release(&it);
	if (bt_log_open_mem(&whole, buf, size)) {
		if (r1 == 0)
			abort();   /* the follower took in a bad log */
		goto out;
	}
	bt_log_iter_init(&iw, whole);
	r2 = drain(&iw, &n2, &s2);
	bt_log_iter_release(&iw);
	if (r1 == 0 && r2 == 0 && (n1 != n2 || s1 != s2))
		abort();
	if (r1 == 0 && r2 < 0)
		abort();
out:
	bt_log_close(whole);
	bt_log_close(log);
	free(pre);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bt_log_header *h;
	struct bt_log *log;
	struct bt_log_iter it;
	struct bt_log_stats st;
	size_t cap, off, chunk, nblocks = 0, blk_at[64], blk_end[64];
	uint8_t *buf, cutsel;
	uint64_t n = 0, sum = 0;
	int r;

	if (size < 2)
		return 0;
	/* chunk: the record bytes of each block, 16 to 4096; cutsel: where
	 * a follower starts */
	chunk = ((size_t)data[0] + 1) * 16;
	cutsel = data[1];
	data += 2;
	size -= 2;
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

		/* the chain fields the blocks before decode to (the first
		 * 64 blocks; later ones 0, mostly failing the chain) */
		if (nblocks && nblocks < 64)
			next_chain(buf, off, b);
		if (nblocks < 64) {
			blk_at[nblocks] = off;
			blk_end[nblocks] = off + 32 + n;
		}
		b->seq = (uint32_t)nblocks++;
		memcpy(buf + off + 32, data, n);
		seal_block(buf, off, (uint32_t)n);
		data += n;
		size -= n;
		off += 32 + n;
		if (size)
			off = (off + 7) & ~(size_t)7;
	}
	h->committed = off;
	if (bt_log_open_mem(&log, buf, off)) {
		must_have_offset();
		free(buf);
		return 0;
	}
	bt_log_iter_init(&it, log);
	r = drain(&it, &n, &sum);
	bt_log_iter_release(&it);
	if (bt_log_verify(log, &st) != r)
		abort();
	if (r < 0)
		must_have_offset();
	else if (st.records != n)
		abort();
	bt_log_close(log);
	blocks_vs_image(buf, off);
	graph_both_ways(buf, off);
	if (nblocks) {
		size_t k = cutsel % (nblocks < 64 ? nblocks : 64);
		size_t bend = blk_end[k];

		/* at the block's start, or within its records */
		follow(buf, off, blk_at[k], k ? blk_end[k - 1] : 0,
		       cutsel & 0x80 ? blk_at[k] + 32 + (bend - blk_at[k] -
		       32) * (cutsel & 0x7f) / 128 : blk_at[k]);
	}
	free(buf);
	return 0;
}
