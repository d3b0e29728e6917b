/*
 * fuzz_index.c - libFuzzer target for the index beside a log
 * (graph/index.c, man/btrack-log.5 INDEX FILE).
 *
 * A small log (every kind of object and label) and its index are made
 * once.  Each input is applied to a copy of the index as XOR patches:
 * (u16 offset / 16 ... ) pairs of bytes naming where and what.  When the
 * first input byte is odd the section checksums and the header CRC are
 * then recomputed ("forged"), so the structural checks and the readers
 * behind the checksums meet hostile values; when even they are left, and
 * the damage must be caught.  Either way the load and a backtrack and a
 * forward walk (with a JSON export) must never read outside the mapping,
 * loop for ever or crash; an unforged damaged index must give the
 * undamaged answer or an error.  Build with `make fuzz`; run e.g.
 * `build/fuzz/fuzz_index -max_total_time=60`.  check_index flips every
 * byte of a small index in CI.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/crc32c.h"
#include "../../core/error.h"
#include "../../core/log.h"
#include "../../graph/export.h"
#include "../../graph/graph.h"
#include "../../graph/index.h"
#include "../../graph/walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], logp[128], idxp[160];
static uint8_t *good;
static size_t good_len;
static char *ref[2];

static void tiny_log(const char *path)
{
	struct bt_log_writer *w;
	uint64_t t = UINT64_C(1700000000000000000);

	if (bt_log_writer_open(&w, path, BT_LOGW_CREATE | BT_LOGW_TRUNC))
		abort();
	bt_log_append_process(w, 1, 100, t, 1, 0);
	bt_log_append_endpoint(w, 2, "203.0.113.9:4444", 16);
	bt_log_append_file(w, 3, 0, 8, 30);
	bt_log_append_label(w, 3, BT_LABEL_PATH, t, "/tmp/x.sh", 9);
	bt_log_append_filename(w, 4, "/tmp/x.sh", 9);
	bt_log_append_label(w, 1, BT_LABEL_EXE, t, "/usr/bin/curl", 13);
	bt_log_append_event(w, BT_OP_RECV, 0, 10, t + 1, 2, 1);
	bt_log_append_event(w, BT_OP_CREATE, 0, 0, t + 2, 1, 4);
	bt_log_append_event(w, BT_OP_WRITE, 0, 10, t + 3, 1, 3);
	bt_log_append_process(w, 5, 101, t + 4, 100, 0);
	bt_log_append_event(w, BT_OP_FORK, 0, 0, t + 4, 1, 5);
	bt_log_append_event(w, BT_OP_EXEC, 0, 0, t + 5, 3, 5);
	bt_log_append_file(w, 6, 0, 8, 31);
	bt_log_append_label(w, 6, BT_LABEL_PATH, t, "/dev/shm/.x", 11);
	bt_log_append_region(w, 7, 6, 5, BT_PROT_READ | BT_PROT_WRITE |
			     BT_PROT_SHARED, 0, 4);
	bt_log_append_page(w, 8, 6, 2);
	bt_log_append_event(w, BT_OP_MMAP_WRITE, BT_EVF_SHARED, 7, t + 6, 5,
			    6);
	bt_log_append_event(w, BT_OP_PAGE_WRITE, 0, 7, t + 7, 5, 8);
	bt_log_append_process(w, 9, 102, t, 1, 0);
	bt_log_append_event(w, BT_OP_PAGE_READ, 0, 0, t + 8, 8, 9);
	bt_log_append_file(w, 10, 0, 8, 32);
	bt_log_append_label(w, 10, BT_LABEL_PATH, t, "/var/tmp/loot", 13);
	bt_log_append_event(w, BT_OP_WRITE, 0, 5, t + 9, 9, 10);
	if (bt_log_writer_close(w))
		abort();
}

/* The JSON of a walk from the loot, or NULL. */
static char *answer(const struct bt_graph *g, enum bt_dir d)
{
	struct bt_walk_opts o;
	struct bt_result *r = NULL;
	uint32_t start;
	uint64_t t;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	err = bt_spec_resolve(&start, &t, g, "file:/var/tmp/loot");
	if (!err) {
		bt_walk_opts_init(&o);
		err = d == BT_BACKWARD ? bt_backtrack(&r, g, start, &o) :
					 bt_forward(&r, g, start, &o);
	}
	if (!err && (f = open_memstream(&buf, &len))) {
		err = bt_export(r, BT_FMT_JSON, f);
		fclose(f);
		if (!err)
			err = bt_graph_status(g);
	}
	bt_result_free(r);
	if (err) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void init(void)
{
	struct bt_graph *g;
	FILE *f;
	long n;
	int d;

	snprintf(dir, sizeof(dir), "/tmp/fuzz_index.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(logp, sizeof(logp), "%s/t.btl", dir);
	snprintf(idxp, sizeof(idxp), "%s%s", logp, BT_INDEX_SUFFIX);
	tiny_log(logp);
	if (bt_index_build(logp, NULL, NULL, NULL, NULL))
		abort();
	bt_index_set_policy(BT_INDEX_NEVER);
	if (bt_graph_load(&g, logp, NULL, NULL))
		abort();
	for (d = 0; d < 2; d++)
		if (!(ref[d] = answer(g, d)))
			abort();
	bt_graph_free(g);
	f = fopen(idxp, "rb");
	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0)
		abort();
	rewind(f);
	good_len = (size_t)n;
	good = malloc(good_len);
	if (!good || fread(good, 1, good_len, f) != good_len)
		abort();
	fclose(f);
}

/* Recompute every section's chunk checksums and the header CRC (the
 * layout of graph/index.c: header fields at fixed offsets). */
static void forge(uint8_t *img, size_t len)
{
	uint32_t crc;
	unsigned s;

	for (s = 0; s < 20; s++) {
		uint64_t off, sl, co, c;

		memcpy(&off, img + 104 + 24 * s, 8);
		memcpy(&sl, img + 112 + 24 * s, 8);
		memcpy(&co, img + 120 + 24 * s, 8);
		if (off > len || sl > len - off || co > len)
			continue;
		for (c = 0; c * 65536 < sl; c++) {
			uint64_t a = c * 65536, n = sl - a;

			if (n > 65536)
				n = 65536;
			if (co + c * 4 + 4 > len)
				break;
			crc = bt_crc32c(0, img + off + a, n);
			memcpy(img + co + c * 4, &crc, 4);
		}
	}
	memset(img + 16, 0, 4);
	crc = bt_crc32c(0, img, 4096);
	memcpy(img + 16, &crc, 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bt_graph *g;
	uint8_t *img;
	size_t i;
	bool forged;
	int fd, d;

	if (!good)
		init();
	if (size < 1)
		return 0;
	forged = data[0] & 1;
	img = malloc(good_len);
	if (!img)
		return 0;
	memcpy(img, good, good_len);
	/* (offset: 3 bytes, xor: 1 byte) patches */
	for (i = 1; i + 4 <= size; i += 4) {
		size_t off = ((size_t)data[i] | (size_t)data[i + 1] << 8 |
			      (size_t)data[i + 2] << 16) % good_len;

		img[off] ^= data[i + 3];
	}
	if (forged)
		forge(img, good_len);
	fd = open(idxp, O_WRONLY | O_TRUNC);
	if (fd < 0 || write(fd, img, good_len) != (ssize_t)good_len)
		abort();
	close(fd);
	free(img);
	if (bt_graph_load(&g, logp, NULL, NULL))
		return 0;
	for (d = 0; d < 2; d++) {
		char *x = answer(g, d);

		/* without forged checksums, damage is caught or harmless */
		if (x && !forged && strcmp(x, ref[d]))
			abort();
		free(x);
	}
	bt_graph_free(g);
	return 0;
}
