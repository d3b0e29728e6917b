/*
 * check_index.c - the index beside a log (graph/index.h): a graph mapped
 * from an index answers exactly as one loaded from the log (and as the
 * same log in format version 1); a stale index (the log grew) is used and
 * extended with the rest; a damaged index never gives a wrong answer: every byte
 * flipped is caught (the answer fails, BT_ECORRUPT) or harmless (the same
 * answer).
 */
#include <check.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../capture/gen.h"
#include "../core/crc32c.h"
#include "../core/error.h"
#include "../core/log.h"
#include "../core/record.h"
#include "../graph/export.h"
#include "../graph/graph.h"
#include "../graph/index.h"
#include "../graph/walk.h"
#include "testutil.h"

static struct bt_gen_info gen_log(const char *path, uint64_t events)
{
	struct bt_log_writer *w;
	struct bt_gen_opts o = { .events = events, .seed = 7 };
	struct bt_gen_info info;

	ck_assert_int_eq(bt_log_writer_open(&w, path, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	ck_assert_int_eq(bt_gen(w, &o, &info), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	return info;
}

/* The JSON of a walk from `spec` (NULL when the graph failed: then the
 * error is BT_ECORRUPT). */
static char *answer(const struct bt_graph *g, const char *spec,
		    enum bt_dir dir, enum bt_gran gran)
{
	struct bt_walk_opts o;
	struct bt_result *r = NULL;
	uint32_t start;
	uint64_t t;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	err = bt_spec_resolve(&start, &t, g, spec);
	if (!err) {
		bt_walk_opts_init(&o);
		o.gran = gran;
		o.max_nodes = 300;   /* truncation is part of the answer */
		err = dir == BT_BACKWARD ? bt_backtrack(&r, g, start, &o) :
					   bt_forward(&r, g, start, &o);
	}
	if (!err) {
		f = open_memstream(&buf, &len);
		ck_assert_ptr_nonnull(f);
		err = bt_export(r, BT_FMT_JSON, f);
		fclose(f);
		if (!err)
			err = bt_graph_status(g);
	}
	bt_result_free(r);
	if (err) {
		free(buf);
		ck_assert_msg(err == BT_ECORRUPT || err == BT_ENOTFOUND,
			      "%s: %s", spec, bt_error_msg());
		return NULL;
	}
	return buf;
}

static const char *specs[] = {
	NULL,   /* the planted detection point */
	"file:/etc/crontab", "proc:3", "proc:1", "file:/dev/shm/.x",
};

START_TEST(same_answers)
{
	const char *log = tu_path("g.btl"), *v1 = tu_path("g1.btl");
	struct bt_gen_info info = gen_log(log, 100000);
	struct bt_graph *a, *b, *c;
	struct bt_index_stats st;
	struct bt_log *l;
	size_t i;
	int d, gr;

	specs[0] = info.detection;
	ck_assert_int_eq(bt_index_build(log, NULL, NULL, NULL, &st), 0);
	ck_assert_uint_ge(st.events, 90000);
	ck_assert_uint_gt(st.bytes, st.events * 16);
	/* the v1 image of the same log */
	ck_assert_int_eq(bt_log_open(&l, log), 0);
	ck_assert_int_eq(bt_log_upgrade(l, v1, BT_LOGW_V1, NULL), 0);
	bt_log_close(l);

	bt_index_set_policy(BT_INDEX_OFF);
	ck_assert_int_eq(bt_graph_load(&a, log, NULL, NULL), 0);
	ck_assert(!bt_graph_from_index(a));
	ck_assert_int_eq(bt_graph_load(&c, v1, NULL, NULL), 0);
	bt_index_set_policy(BT_INDEX_NEVER);
	ck_assert_int_eq(bt_graph_load(&b, log, NULL, NULL), 0);
	ck_assert(bt_graph_from_index(b));
	ck_assert_ptr_null(bt_graph_warning(b));
	ck_assert_uint_eq(bt_graph_nevents(a), bt_graph_nevents(b));
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		for (d = 0; d < 2; d++)
			for (gr = 0; gr < 3; gr++) {
				char *x = answer(a, specs[i], d, gr);
				char *y = answer(b, specs[i], d, gr);
				char *z = answer(c, specs[i], d, gr);

				ck_assert_ptr_nonnull(x);
				ck_assert_msg(y && !strcmp(x, y),
					      "%s dir %d gran %d differs "
					      "with the index", specs[i], d,
					      gr);
				ck_assert_msg(z && !strcmp(x, z),
					      "%s dir %d gran %d differs "
					      "in version 1", specs[i], d, gr);
				free(x);
				free(y);
				free(z);
			}
	bt_graph_free(a);
	bt_graph_free(b);
	bt_graph_free(c);
	/* a version 1 log has no index */
	ck_assert_int_eq(bt_index_build(v1, NULL, NULL, NULL, NULL),
			 BT_EVERSION);
	bt_index_set_policy(BT_INDEX_AUTO);
}
END_TEST

START_TEST(stale_index)
{
	const char *log = tu_path("s.btl");
	struct bt_gen_info info = gen_log(log, 20000);
	struct bt_log_writer *w;
	struct bt_graph *g;
	uint32_t f, p;
	uint64_t t;

	ck_assert_int_eq(bt_index_build(log, NULL, NULL, NULL, NULL), 0);
	/* the log grows: a new process reads the detection file */
	ck_assert_int_eq(bt_log_writer_open(&w, log, BT_LOGW_APPEND), 0);
	p = bt_log_writer_objects(w) + 1;
	ck_assert_int_eq(bt_log_append_process(w, p, 999999, 1, 0, 0), 0);
	bt_index_set_policy(BT_INDEX_NEVER);
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	ck_assert_int_eq(bt_spec_resolve(&f, &t, g, info.detection), 0);
	bt_graph_free(g);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0, 0,
					     UINT64_C(4000000000000000000),
					     f, p), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);

	/* the log only grew: the index is used and extended with the rest
	 * (check_extend.c compares every answer) */
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	ck_assert(bt_graph_from_index(g));
	ck_assert_ptr_null(bt_graph_warning(g));
	ck_assert_int_eq(bt_graph_find_process(g, 999999, 0, &p), 0);
	{
		const uint32_t *l;

		ck_assert_uint_eq(bt_graph_in(g, p, &l), 1);
	}
	bt_graph_free(g);
	/* written again when the policy writes indexes (the closed log
	 * grew), said; then used as it is */
	bt_index_set_policy(BT_INDEX_ALWAYS);
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	ck_assert_ptr_nonnull(bt_graph_warning(g));
	ck_assert_ptr_nonnull(strstr(bt_graph_warning(g), "rewritten"));
	ck_assert_int_eq(bt_graph_find_process(g, 999999, 0, &p), 0);
	bt_graph_free(g);
	bt_index_set_policy(BT_INDEX_NEVER);
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	ck_assert(bt_graph_from_index(g));
	ck_assert_ptr_null(bt_graph_warning(g));
	ck_assert_int_eq(bt_graph_find_process(g, 999999, 0, &p), 0);
	bt_graph_free(g);
	bt_index_set_policy(BT_INDEX_AUTO);
}
END_TEST

/* A small log with every kind of object and label: the planted chain of
 * btrack-gen(1) in miniature (remote -> curl -> script -> sh -> shared
 * page -> reader -> loot), with a decoy.  Its detection point:
 * file:/var/tmp/loot. */
static void tiny_log(const char *path)
{
	struct bt_log_writer *w;
	uint64_t t = UINT64_C(1700000000000000000);
	const char argv[] = "curl\0-o\0/tmp/x.sh";

	ck_assert_int_eq(bt_log_writer_open(&w, path, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	ck_assert_int_eq(bt_log_append_process(w, 1, 100, t, 1, 0), 0);
	ck_assert_int_eq(bt_log_append_endpoint(w, 2, "203.0.113.9:4444",
						16), 0);
	ck_assert_int_eq(bt_log_append_file(w, 3, 0, 8, 30), 0);
	ck_assert_int_eq(bt_log_append_label(w, 3, BT_LABEL_PATH, t,
					     "/tmp/x.sh", 9), 0);
	ck_assert_int_eq(bt_log_append_filename(w, 4, "/tmp/x.sh", 9), 0);
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_EXE, t,
					     "/usr/bin/curl", 13), 0);
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_ARGV, t, argv,
					     sizeof(argv) - 1), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_RECV, 0, 10, t + 1, 2,
					     1), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_CREATE, 0, 0, t + 2, 1,
					     4), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 10, t + 3, 1,
					     3), 0);
	ck_assert_int_eq(bt_log_append_process(w, 5, 101, t + 4, 100, 0), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_FORK, 0, 0, t + 4, 1,
					     5), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_LOOKUP, 0, 0, t + 5, 4,
					     5), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_EXEC, 0, 0, t + 5, 3,
					     5), 0);
	ck_assert_int_eq(bt_log_append_label(w, 5, BT_LABEL_CRED, t + 5,
					     "uid=0 euid=0", 12), 0);
	ck_assert_int_eq(bt_log_append_file(w, 6, 0, 8, 31), 0);
	ck_assert_int_eq(bt_log_append_label(w, 6, BT_LABEL_PATH, t,
					     "/dev/shm/.x", 11), 0);
	ck_assert_int_eq(bt_log_append_region(w, 7, 6, 5, BT_PROT_READ |
					      BT_PROT_WRITE | BT_PROT_SHARED,
					      0, 4), 0);
	ck_assert_int_eq(bt_log_append_page(w, 8, 6, 2), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_MMAP_WRITE,
					     BT_EVF_SHARED, 7, t + 6, 5, 6),
			 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_PAGE_WRITE, 0, 7,
					     t + 7, 5, 8), 0);
	ck_assert_int_eq(bt_log_append_process(w, 9, 102, t, 1, 0), 0);
	ck_assert_int_eq(bt_log_append_region(w, 10, 6, 9, BT_PROT_READ |
					      BT_PROT_SHARED, 0, 4), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_MMAP_READ,
					     BT_EVF_SHARED, 10, t + 6, 6, 9),
			 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_PAGE_READ, 0, 10,
					     t + 8, 8, 9), 0);
	ck_assert_int_eq(bt_log_append_file(w, 11, 0, 8, 32), 0);
	ck_assert_int_eq(bt_log_append_label(w, 11, BT_LABEL_PATH, t,
					     "/var/tmp/loot", 13), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 5, t + 9, 9,
					     11), 0);
	/* a decoy: written after the detection point's last write */
	ck_assert_int_eq(bt_log_append_file(w, 12, 0, 8, 33), 0);
	ck_assert_int_eq(bt_log_append_label(w, 12, BT_LABEL_PATH, t,
					     "/etc/passwd", 11), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0, 5, t + 10, 12,
					     9), 0);
	ck_assert_int_eq(bt_log_append_note(w, BT_NOTE_SOURCE, t, "test",
					    4), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
}

/* The index's header: its fields (magic .. the section table: 20
 * entries of offset, length and checksum offset, u64 each, from byte 104)
 * and zeros to 4096 (man/btrack-log.5, INDEX FILE). */
#define IX_HEADER 4096
#define IX_SECTIONS 20
#define IX_TABLE 104
#define IX_FIELDS (IX_TABLE + IX_SECTIONS * 24)

static uint64_t ix_u64(const char *img, size_t off)
{
	uint64_t v;

	memcpy(&v, img + off, sizeof(v));   /* little-endian, as the file */
	return v;
}

/* Whether i is within 16 bytes of either end of [a, a + n). */
static bool near_ends(size_t i, uint64_t a, uint64_t n)
{
	return n && i >= a && i < a + n && (i < a + 16 || i + 16 >= a + n);
}

/* Whether byte_flips flips byte i of the index image.  Flipping every
 * byte loads the graph some 6,000 times (7.6 s, and 80 s or more under
 * AddressSanitizer in CI); bytes of the same kind share one check (the
 * header's CRC covers all of its bytes; a section's CRC each 64 KiB
 * chunk of it), so it flips: every byte of the header's scalar fields;
 * the section table and the header's zero padding at strides; every
 * byte of the first and last 16 of each section and of each section's
 * checksums (the ends of what a check covers, where an off-by-one would
 * leave a byte unchecked); and a stride of 7 elsewhere (7 is prime to
 * 4, 8 and 64: over the file it hits every byte of a u32 or u64 field
 * and every offset in a 64-byte alignment gap). */
static bool flip_byte(const char *img, size_t len, size_t i)
{
	size_t k;

	if (i < IX_TABLE)
		return true;
	if (i < IX_FIELDS)
		return i % 7 == 0;
	if (i < IX_HEADER)
		return i % 61 == 0 || i == IX_HEADER - 1;
	for (k = 0; k < IX_SECTIONS; k++) {
		const size_t e = IX_TABLE + k * 24;
		uint64_t off = ix_u64(img, e), n = ix_u64(img, e + 8);
		uint64_t crcs = (n + 65535) / 65536 * 4;

		if (near_ends(i, off, n) ||
		    near_ends(i, ix_u64(img, e + 16), crcs))
			return true;
	}
	return i % 7 == 0 || i == len - 1;
}

/* Bytes of a small index flipped (flip_byte() says which): the answers
 * are the same or the question fails as corrupt; a flip in the header
 * makes the log be read instead. */
START_TEST(byte_flips)
{
	const char *log = tu_path("f.btl"), *spec = "file:/var/tmp/loot";
	char ipath[4096];
	struct bt_graph *g;
	char *ref[2], *img;
	size_t len, i;
	unsigned caught = 0, same = 0, flips = 0, hdr = 0;
	int d, fd, r;

	tiny_log(log);
	snprintf(ipath, sizeof(ipath), "%s%s", log, BT_INDEX_SUFFIX);
	ck_assert_int_eq(bt_index_build(log, NULL, NULL, NULL, NULL), 0);
	bt_index_set_policy(BT_INDEX_NEVER);
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	ck_assert(bt_graph_from_index(g));
	for (d = 0; d < 2; d++)
		ck_assert_ptr_nonnull(ref[d] = answer(g, spec, d,
						     BT_GRAN_PAGE));
	bt_graph_free(g);
	img = tu_read_file(ipath, &len);
	ck_assert_ptr_nonnull(img);
	ck_assert_uint_gt(len, IX_HEADER);
	fd = open(ipath, O_RDWR);
	ck_assert_int_ge(fd, 0);
	for (i = 0; i < len; i++) {
		char c;

		if (!flip_byte(img, len, i))
			continue;
		flips++;
		c = (char)(img[i] ^ 0x5a);
		ck_assert_int_eq(pwrite(fd, &c, 1, (off_t)i), 1);
		r = bt_graph_load(&g, log, NULL, NULL);
		if (r) {
			ck_assert_int_eq(r, BT_ECORRUPT);
			caught++;
		} else {
			/* a damaged header: the index is not used */
			if (i < IX_HEADER) {
				ck_assert_msg(!bt_graph_from_index(g),
					"header byte %zu flipped: the index "
					"is used", i);
				hdr++;
			}
			for (d = 0; d < 2; d++) {
				char *x = answer(g, spec, d,
						 BT_GRAN_PAGE);

				if (!x) {
					caught++;
				} else {
					ck_assert_msg(!strcmp(x, ref[d]),
						"byte %zu flipped: a different "
						"answer", i);
					same++;
				}
				free(x);
			}
			bt_graph_free(g);
		}
		ck_assert_int_eq(pwrite(fd, &img[i], 1, (off_t)i), 1);
	}
	close(fd);
	fprintf(stderr, "byte_flips: %u of %zu bytes flipped, %u in the "
		"header; %u answers failed as corrupt, %u the same\n", flips,
		len, hdr, caught, same);
	/* every header flip read the log (the same answer); damage in a
	 * section read by the walk fails it */
	ck_assert_uint_gt(hdr, 200);
	ck_assert_uint_gt(caught, 100);
	ck_assert_uint_ge(same, 2 * hdr);
	free(img);
	free(ref[0]);
	free(ref[1]);
	bt_index_set_policy(BT_INDEX_AUTO);
}
END_TEST

START_TEST(not_an_index)
{
	const char *log = tu_path("n.btl");
	struct bt_gen_info info = gen_log(log, 2000);
	char ipath[4096], junk[5000];
	struct bt_graph *g;
	char *x;

	snprintf(ipath, sizeof(ipath), "%s%s", log, BT_INDEX_SUFFIX);
	bt_index_set_policy(BT_INDEX_NEVER);
	/* empty, short, another file: read the log, say why */
	ck_assert_int_eq(tu_write_file(ipath, "", 0), 0);
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	ck_assert(!bt_graph_from_index(g));
	ck_assert_ptr_nonnull(strstr(bt_graph_warning(g), "not an index"));
	x = answer(g, info.detection, BT_BACKWARD, BT_GRAN_PAGE);
	ck_assert_ptr_nonnull(x);
	free(x);
	bt_graph_free(g);
	/* 5000 bytes of something else (not the path string: it is shorter) */
	memset(junk, 'x', sizeof(junk));
	ck_assert_int_eq(tu_write_file(ipath, junk, sizeof(junk)), 0);
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	ck_assert(!bt_graph_from_index(g));
	bt_graph_free(g);
	/* an index of another log */
	ck_assert_int_eq(bt_index_build(log, NULL, NULL, NULL, NULL), 0);
	gen_log(log, 2000);
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	ck_assert(!bt_graph_from_index(g));
	ck_assert_ptr_nonnull(bt_graph_warning(g));
	bt_graph_free(g);
	/* off: not even looked at */
	bt_index_set_policy(BT_INDEX_OFF);
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	ck_assert_ptr_null(bt_graph_warning(g));
	bt_graph_free(g);
	bt_index_set_policy(BT_INDEX_AUTO);
}
END_TEST

/* The whole of a file (test sizes), *n bytes. */
static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	ck_assert_int_gt(len, 0);
	rewind(f);
	buf = malloc((size_t)len);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return buf;
}

/* Every list of a and b the same: refs and ends. */
static void same_lists(const struct bt_graph *a, const struct bt_graph *b)
{
	uint32_t id;

	ck_assert_uint_eq(bt_graph_nobjects(a), bt_graph_nobjects(b));
	ck_assert_uint_eq(bt_graph_nevents(a), bt_graph_nevents(b));
	for (id = 1; id <= bt_graph_nobjects(a); id++) {
		const uint32_t *x, *y, *xe, *ye;
		size_t n = bt_graph_in(a, id, &x);

		tu_assert_uint_eq(bt_graph_in(b, id, &y), n);
		tu_assert(!n || !memcmp(x, y, n * sizeof(*x)), "object %u",
			  id);
		xe = bt_graph_in_ends(a, id);
		ye = bt_graph_in_ends(b, id);
		tu_assert(!n || (xe && ye && !memcmp(xe, ye, n * 4)),
			  "object %u", id);
		n = bt_graph_out(a, id, &x);
		tu_assert_uint_eq(bt_graph_out(b, id, &y), n);
		tu_assert(!n || !memcmp(x, y, n * sizeof(*x)), "object %u",
			  id);
		xe = bt_graph_out_ends(a, id);
		ye = bt_graph_out_ends(b, id);
		tu_assert(!n || (xe && ye && !memcmp(xe, ye, n * 4)),
			  "object %u", id);
	}
}

/* FNV-1a over every label an object has (value, time, order). */
static void lab_digest(void *arg, const char *v, size_t len, uint64_t t)
{
	uint64_t *h = arg;
	size_t i;

	for (i = 0; i < len; i++)
		*h = (*h ^ (uint8_t)v[i]) * 0x100000001b3ULL;
	*h = (*h ^ t) * 0x100000001b3ULL;
}

static bool same_str(const char *x, const char *y)
{
	return x == y || (x && y && !strcmp(x, y));
}

/* The same objects: what an analyst sees of each (its record and every
 * label, oldest first), and the same answer to a lookup of each path. */
static void same_objects(const struct bt_graph *a, const struct bt_graph *b)
{
	uint32_t id, key, fa, fb;

	for (id = 1; id <= bt_graph_nobjects(a); id++) {
		struct bt_object_info x, y;

		ck_assert_int_eq(bt_graph_object(a, id, &x), 0);
		ck_assert_int_eq(bt_graph_object(b, id, &y), 0);
		tu_assert(x.kind == y.kind && x.pid == y.pid &&
			  x.ppid == y.ppid && x.uid == y.uid &&
			  x.start == y.start && x.dev == y.dev &&
			  x.ino == y.ino && x.file_flags == y.file_flags &&
			  x.file == y.file && x.page == y.page &&
			  x.count == y.count && x.process == y.process &&
			  x.prot == y.prot && x.argv_len == y.argv_len &&
			  same_str(x.exe, y.exe) && same_str(x.comm, y.comm) &&
			  same_str(x.path, y.path) &&
			  (!x.argv_len || !memcmp(x.argv, y.argv, x.argv_len)),
			  "object %u", id);
		for (key = 1; key <= BT_LABEL_MAX; key++) {
			uint64_t ha = 0xcbf29ce484222325ULL, hb = ha;

			bt_graph_labels(a, id, key, lab_digest, &ha);
			bt_graph_labels(b, id, key, lab_digest, &hb);
			tu_assert(ha == hb, "labels %u of object %u", key, id);
		}
		if (x.kind == BT_OBJ_FILE && x.path) {
			tu_assert(bt_graph_find_file(a, x.path, &fa) == 0 &&
				  bt_graph_find_file(b, x.path, &fb) == 0 &&
				  fa == fb, "file %u", id);
		}
	}
}

/* Index `log` into `out` with BTRACK_INDEX_MEM = mib (0: the default)
 * on `threads` threads; the index's bytes. */
static char *index_with(const char *log, const char *out, unsigned mib,
			unsigned threads, size_t *n)
{
	char v[32];

	snprintf(v, sizeof(v), "%u", mib);
	if (mib)
		setenv("BTRACK_INDEX_MEM", v, 1);
	else
		unsetenv("BTRACK_INDEX_MEM");
	bt_graph_set_threads(threads);
	ck_assert_msg(bt_index_build(log, out, NULL, NULL, NULL) == 0, "%s",
		      bt_error_msg());
	bt_graph_set_threads(0);
	unsetenv("BTRACK_INDEX_MEM");
	return slurp(out, n);
}

START_TEST(threads_same_lists)
{
	const char *log = tu_path("t.btl");
	struct bt_graph *a, *b;

	gen_log(log, 400000);
	bt_index_set_policy(BT_INDEX_OFF);
	bt_graph_set_threads(1);
	ck_assert_int_eq(bt_graph_load(&a, log, NULL, NULL), 0);
	bt_graph_set_threads(2);
	ck_assert_int_eq(bt_graph_load(&b, log, NULL, NULL), 0);
	bt_graph_set_threads(0);
	same_lists(a, b);
	same_objects(a, b);
	bt_graph_free(a);
	bt_graph_free(b);
	bt_index_set_policy(BT_INDEX_AUTO);
}
END_TEST

/* An index built in many passes of bounded memory (BTRACK_INDEX_MEM),
 * on one thread or two, is the same file byte for byte as one built in
 * one pass; a graph mapped from it has the lists of the full load. */
START_TEST(passes_same_index)
{
	const char *log = tu_path("p.btl"), *x1 = tu_path("p1.btx");
	const char *x2 = tu_path("p2.btx"), *x3 = tu_path("p3.btx");
	struct bt_graph *a, *b;
	size_t n1, n2, n3;
	char *i1, *i2, *i3;

	gen_log(log, 300000);   /* two threads; 4.8 MB of lists */
	i1 = index_with(log, x1, 0, 2, &n1);
	i2 = index_with(log, x2, 1, 2, &n2);
	i3 = index_with(log, x3, 1, 1, &n3);
	ck_assert_uint_eq(n1, n2);
	ck_assert_uint_eq(n1, n3);
	ck_assert_msg(!memcmp(i1, i2, n1), "passes change the index");
	ck_assert_msg(!memcmp(i1, i3, n1), "threads change the index");
	free(i1);
	free(i2);
	free(i3);

	/* built in passes by bt_graph_load(): the graph comes from it */
	setenv("BTRACK_INDEX_MEM", "1", 1);
	bt_index_set_policy(BT_INDEX_ALWAYS);
	unlink(tu_path("p.btl.btx"));
	ck_assert_int_eq(bt_graph_load(&b, log, NULL, NULL), 0);
	unsetenv("BTRACK_INDEX_MEM");
	ck_assert(bt_graph_from_index(b));
	bt_index_set_policy(BT_INDEX_OFF);
	ck_assert_int_eq(bt_graph_load(&a, log, NULL, NULL), 0);
	same_lists(a, b);
	bt_graph_free(a);
	bt_graph_free(b);
	bt_index_set_policy(BT_INDEX_AUTO);
}
END_TEST

/* A log whose events are not in time order: lists sorted by time in the
 * full load, and in each pass of a build (lists spanning many passes). */
START_TEST(unsorted_passes)
{
	const char *log = tu_path("u.btl"), *x1 = tu_path("u1.btx");
	const char *x2 = tu_path("u2.btx");
	uint64_t t = UINT64_C(1700000000000000000);
	struct bt_log_writer *w;
	struct bt_graph *a, *b;
	uint32_t i, id, nf = 40;
	size_t n1, n2;
	char *i1, *i2;

	ck_assert_int_eq(bt_log_writer_open(&w, log, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(bt_log_append_process(w, i + 1, 100 + i, t,
						       1, 0), 0);
	for (i = 0; i < nf; i++)
		ck_assert_int_eq(bt_log_append_file(w, i + 4, 0, 8, 30 + i),
				 0);
	/* objects with no events at all too: files nf + 4 .. */
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(bt_log_append_file(w, nf + 4 + i, 0, 8,
						    100 + i), 0);
	for (i = 0; i < 120000; i++) {
		uint64_t at = t + 1 + (uint64_t)i * 7919 % 100003;
		uint32_t p = 1 + i % 3, f = 4 + i * 13 % nf;

		tu_assert_int_eq(i % 2 ?
			bt_log_append_event(w, BT_OP_READ, 0, 0, at, f, p) :
			bt_log_append_event(w, BT_OP_WRITE, 0, 0, at, p, f),
			0);
	}
	ck_assert_int_eq(bt_log_writer_close(w), 0);

	i1 = index_with(log, x1, 0, 0, &n1);
	i2 = index_with(log, x2, 1, 0, &n2);
	ck_assert_uint_eq(n1, n2);
	ck_assert_msg(!memcmp(i1, i2, n1), "passes change the index");
	free(i1);
	free(i2);
	bt_index_set_policy(BT_INDEX_OFF);
	ck_assert_int_eq(bt_graph_load(&a, log, NULL, NULL), 0);
	ck_assert(!bt_graph_time_ordered(a));
	bt_index_set_policy(BT_INDEX_NEVER);
	ck_assert_int_eq(rename(x2, tu_path("u.btl.btx")), 0);
	ck_assert_int_eq(bt_graph_load(&b, log, NULL, NULL), 0);
	ck_assert(bt_graph_from_index(b));
	same_lists(a, b);
	/* every list in time order, ties in log order */
	for (id = 1; id <= bt_graph_nobjects(a); id++) {
		const uint32_t *l;
		size_t n = bt_graph_in(a, id, &l), k;
		struct bt_rec_event e0, e1;

		for (k = 1; k < n; k++) {
			tu_assert(bt_graph_event(a, l[k - 1], &e0), "%u",
				  l[k - 1]);
			tu_assert(bt_graph_event(a, l[k], &e1), "%u", l[k]);
			tu_assert(e0.time < e1.time ||
				  (e0.time == e1.time && l[k - 1] < l[k]),
				  "object %u, entry %zu", id, (size_t)k);
		}
		if (id > nf + 3)
			ck_assert_uint_eq(n, 0);
	}
	bt_graph_free(a);
	bt_graph_free(b);
	bt_index_set_policy(BT_INDEX_AUTO);
}
END_TEST

/* An index says whether its log has text notes before its first event
 * (where a case database's export puts its hosts and channel notes), so
 * that a question on a generated log (objects, then events) need not
 * read the records before the first event; a log with such a note still
 * has them read. */
START_TEST(lead_notes)
{
	const char *log = tu_path("ln.btl"), *log2 = tu_path("ln2.btl");
	struct bt_log_writer *w;
	struct bt_graph *g;

	gen_log(log, 20000);
	bt_index_set_policy(BT_INDEX_OFF);
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	ck_assert(bt_graph_lead_notes(g));   /* not known: read them */
	bt_graph_free(g);
	bt_index_set_policy(BT_INDEX_NEVER);
	ck_assert_int_eq(bt_index_build(log, NULL, NULL, NULL, NULL), 0);
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	ck_assert(bt_graph_from_index(g));
	ck_assert(!bt_graph_lead_notes(g));
	bt_graph_free(g);

	ck_assert_int_eq(bt_log_writer_open(&w, log2, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	ck_assert_int_eq(bt_log_append_process(w, 1, 10, 1, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 2), 0);
	ck_assert_int_eq(bt_log_append_note(w, BT_NOTE_TEXT, 0, "hello", 5),
			 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 0, 5, 1, 2),
			 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_index_build(log2, NULL, NULL, NULL, NULL), 0);
	ck_assert_int_eq(bt_graph_load(&g, log2, NULL, NULL), 0);
	ck_assert(bt_graph_from_index(g));
	ck_assert(bt_graph_lead_notes(g));
	bt_graph_free(g);
	bt_index_set_policy(BT_INDEX_AUTO);
}
END_TEST

/* A log where /log is written 300 times by p1 and 300 by p4, with an
 * emptying (truncate to 0, p3) between them that p2 copies /log before;
 * p5 copies it after.  Times are ms apart. */
static char *emptied_log(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int t = 1, i;

	ck_assert_ptr_nonnull(m);
#define EVT(...) (fprintf(m, "{\"time\":%d000000,", t++), \
		  fprintf(m, __VA_ARGS__), fputs("}\n", m))
	for (i = 0; i < 300; i++)
		EVT("\"op\":\"write\",\"pid\":1,\"path\":\"/log\"");
	EVT("\"op\":\"read\",\"pid\":2,\"path\":\"/log\"");
	EVT("\"op\":\"write\",\"pid\":2,\"path\":\"/log.1\"");
	EVT("\"op\":\"truncate\",\"pid\":3,\"path\":\"/log\",\"length\":0");
	for (i = 0; i < 300; i++)
		EVT("\"op\":\"write\",\"pid\":4,\"path\":\"/log\"");
	EVT("\"op\":\"read\",\"pid\":5,\"path\":\"/log\"");
	EVT("\"op\":\"write\",\"pid\":5,\"path\":\"/out\"");
#undef EVT
	fclose(m);
	return buf;
}

/* A walk through an index stops at an emptying as the loaded graph's
 * does (K2): the same answers both ways, without p1 from /out and
 * without /out from p1. */
START_TEST(emptying_same_answers)
{
	const char *log = tu_path("e.btl");
	static const char *const sp[] = { "file:/out", "file:/log",
					   "file:/log.1", "proc:1", "proc:4" };
	char *jl = emptied_log();
	struct bt_graph *a, *b;
	size_t i;
	int d, gr;

	ck_assert_int_eq(tu_log_from_jsonl(log, jl), 0);
	free(jl);
	ck_assert_int_eq(bt_index_build(log, NULL, NULL, NULL, NULL), 0);
	bt_index_set_policy(BT_INDEX_OFF);
	ck_assert_int_eq(bt_graph_load(&a, log, NULL, NULL), 0);
	bt_index_set_policy(BT_INDEX_NEVER);
	ck_assert_int_eq(bt_graph_load(&b, log, NULL, NULL), 0);
	ck_assert(bt_graph_from_index(b));
	for (i = 0; i < sizeof(sp) / sizeof(sp[0]); i++)
		for (d = 0; d < 2; d++)
			for (gr = 0; gr < 3; gr++) {
				char *x = answer(a, sp[i], d, gr);
				char *y = answer(b, sp[i], d, gr);

				ck_assert_ptr_nonnull(x);
				ck_assert_msg(y && !strcmp(x, y),
					      "%s dir %d gran %d differs "
					      "with the index", sp[i], d, gr);
				if (i == 0 && d == BT_BACKWARD) {
					ck_assert_ptr_nonnull(
						strstr(y, "\"process [4]\""));
					ck_assert_ptr_null(
						strstr(y, "\"process [1]\""));
				}
				if (i == 3 && d == BT_FORWARD) {
					ck_assert_ptr_nonnull(
						strstr(y, "\"/log.1\""));
					ck_assert_ptr_null(
						strstr(y, "\"/out\""));
				}
				free(x);
				free(y);
			}
	bt_graph_free(a);
	bt_graph_free(b);
	bt_index_set_policy(BT_INDEX_AUTO);
}
END_TEST

/* Replace bytes [at, at + n) of section `sec` of the index at ipath
 * (from `bytes`) and the checksum of the chunk they lie in, so that the
 * index checks and says something else. */
static void ix_patch(const char *ipath, unsigned sec, uint64_t at,
		     const void *bytes, size_t n)
{
	size_t len;
	char *img = tu_read_file(ipath, &len);
	uint64_t off, slen, crc_off, chunk, c, a, e;
	uint32_t crc;
	int fd;

	ck_assert_ptr_nonnull(img);
	off = ix_u64(img, IX_TABLE + sec * 24);
	slen = ix_u64(img, IX_TABLE + sec * 24 + 8);
	crc_off = ix_u64(img, IX_TABLE + sec * 24 + 16);
	chunk = (uint32_t)ix_u64(img, 20);
	ck_assert_uint_le(at + n, slen);
	c = at / chunk;
	ck_assert_uint_eq((at + n - 1) / chunk, c);
	memcpy(img + off + at, bytes, n);
	a = c * chunk;
	e = a + chunk < slen ? a + chunk : slen;
	crc = bt_crc32c(0, img + off + a, e - a);
	memcpy(img + crc_off + c * 4, &crc, 4);
	fd = open(ipath, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, img + off + at, n, (off_t)(off + at)),
			 (ssize_t)n);
	ck_assert_int_eq(pwrite(fd, &crc, 4, (off_t)(crc_off + c * 4)), 4);
	close(fd);
	free(img);
}

/* A question decodes a few blocks of the log and reads the index's
 * entries of those only (the open reads no entry but the last two):
 * an entry that says something else than the log, its chunk's checksum
 * right, is caught if a decode reads it (the answer fails as corrupt,
 * naming the table) and costs nothing if none does (the same answer);
 * so is a damaged byte in a block of the log. */
START_TEST(block_table_read_lazily)
{
	const char *log = tu_path("bt.btl");
	struct bt_gen_info info = gen_log(log, 100000);
	struct bt_log_blockinfo e;
	struct bt_graph *g;
	struct bt_log *l;
	char ipath[4096], *ref, *x, c;
	unsigned caught[2] = { 0, 0 }, same[2] = { 0, 0 };
	uint32_t k, nb;
	off_t at;
	int fd, r;

	snprintf(ipath, sizeof(ipath), "%s%s", log, BT_INDEX_SUFFIX);
	ck_assert_int_eq(bt_index_build(log, NULL, NULL, NULL, NULL), 0);
	bt_index_set_policy(BT_INDEX_NEVER);
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	ck_assert(bt_graph_from_index(g));
	ref = answer(g, info.detection, BT_BACKWARD, BT_GRAN_PAGE);
	ck_assert_ptr_nonnull(ref);
	bt_graph_free(g);
	ck_assert_int_eq(bt_log_open(&l, log), 0);
	nb = bt_log_blocks(l);
	ck_assert_uint_ge(nb, 8);
	fd = open(log, O_RDWR);
	ck_assert_int_ge(fd, 0);
	for (k = 0; k < nb; k++) {
		ck_assert_int_eq(bt_log_block_info(l, k, &e), 0);
		/* the index's entry k: another checksum */
		e.crc ^= 1;
		ix_patch(ipath, 17 /* blocks */, (uint64_t)k * sizeof(e), &e,
			 sizeof(e));
		e.crc ^= 1;
		ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
		ck_assert(bt_graph_from_index(g));
		x = answer(g, info.detection, BT_BACKWARD, BT_GRAN_PAGE);
		if (x) {
			ck_assert_msg(!strcmp(x, ref), "entry %u: a different "
				      "answer", k);
			same[0]++;
		} else {
			ck_assert_msg(strstr(bt_error_msg(), "block table"),
				      "entry %u: %s", k, bt_error_msg());
			caught[0]++;
		}
		free(x);
		bt_graph_free(g);
		ix_patch(ipath, 17, (uint64_t)k * sizeof(e), &e, sizeof(e));

		/* a byte of block k of the log */
		at = (off_t)e.file_off + BT_LOG_BLOCK_HEADER + e.used / 2;
		ck_assert_int_eq(pread(fd, &c, 1, at), 1);
		c ^= 0x10;
		ck_assert_int_eq(pwrite(fd, &c, 1, at), 1);
		r = bt_graph_load(&g, log, NULL, NULL);
		x = NULL;
		if (!r) {
			ck_assert(bt_graph_from_index(g));
			x = answer(g, info.detection, BT_BACKWARD,
				   BT_GRAN_PAGE);
			bt_graph_free(g);
		} else {
			/* the last block: decoded at open */
			ck_assert_int_eq(r, BT_ECORRUPT);
		}
		if (x) {
			ck_assert_msg(!strcmp(x, ref), "block %u: a different "
				      "answer", k);
			same[1]++;
		} else {
			ck_assert_msg(strstr(bt_error_msg(), "checksum "
					     "mismatch"), "block %u: %s", k,
				      bt_error_msg());
			caught[1]++;
		}
		free(x);
		c ^= 0x10;
		ck_assert_int_eq(pwrite(fd, &c, 1, at), 1);
	}
	close(fd);
	bt_log_close(l);
	fprintf(stderr, "block_table_read_lazily: %u blocks; entries: %u "
		"caught, %u the same; log blocks: %u caught, %u the same\n",
		nb, caught[0], same[0], caught[1], same[1]);
	ck_assert_uint_gt(caught[0], 0);
	ck_assert_uint_gt(same[0], 0);
	ck_assert_uint_gt(caught[1], 0);
	ck_assert_uint_gt(same[1], 0);
	free(ref);
	bt_index_set_policy(BT_INDEX_AUTO);
}
END_TEST

/* Every file's last path finds a file of that path, and the file is
 * a version of it, loaded or from the index (the search by path hash:
 * by_path in hash order, searched by guessing in proportion). */
START_TEST(find_every_path)
{
	const char *log = tu_path("fp.btl");
	struct bt_object_info o, f;
	struct bt_graph *g;
	uint32_t id, x, v, vs, files;
	int pol;

	gen_log(log, 50000);
	ck_assert_int_eq(bt_index_build(log, NULL, NULL, NULL, NULL), 0);
	for (pol = 0; pol < 2; pol++) {
		bt_index_set_policy(pol ? BT_INDEX_NEVER : BT_INDEX_OFF);
		ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
		ck_assert(bt_graph_from_index(g) == (pol == 1));
		files = 0;
		for (id = 1; id <= bt_graph_nobjects(g); id++) {
			ck_assert_int_eq(bt_graph_object(g, id, &o), 0);
			if (o.kind != BT_OBJ_FILE || !o.path)
				continue;
			files++;
			ck_assert_msg(bt_graph_find_file(g, o.path, &x) == 0,
				      "%s: %s", o.path, bt_error_msg());
			ck_assert_int_eq(bt_graph_object(g, x, &f), 0);
			ck_assert_str_eq(f.path, o.path);
			bt_graph_file_version(g, id, &v, &vs);
			ck_assert_msg(v >= 1 && v <= vs, "%s: version %u of "
				      "%u", o.path, v, vs);
		}
		ck_assert_uint_gt(files, 100);
		ck_assert_int_eq(bt_graph_status(g), 0);
		bt_graph_free(g);
	}
	bt_index_set_policy(BT_INDEX_AUTO);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("index");
	TCase *tc = tcase_create("index");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, same_answers);
	tcase_add_test(tc, stale_index);
	tcase_add_test(tc, byte_flips);
	tcase_add_test(tc, not_an_index);
	tcase_add_test(tc, threads_same_lists);
	tcase_add_test(tc, passes_same_index);
	tcase_add_test(tc, unsorted_passes);
	tcase_add_test(tc, lead_notes);
	tcase_add_test(tc, emptying_same_answers);
	tcase_add_test(tc, block_table_read_lazily);
	tcase_add_test(tc, find_every_path);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite());
}
