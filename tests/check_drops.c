/*
 * check_drops.c - tests for core/drops.c: the drops notes of a log summed
 * (what backtrack and forward warn about), their text parsed as untrusted
 * input, and the window of the captures that lost records.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../core/drops.h"
#include "../core/error.h"
#include "../core/log.h"
#include "../core/record.h"
#include "../graph/graph.h"
#include "../graph/index.h"
#include "testutil.h"

#define T0 1700000000000000000ull

static uint64_t add(struct bt_drops *d, const char *s)
{
	return bt_drops_add_text(d, s, strlen(s));
}

/* What the drainer, the recorder and the eBPF recorder write. */
START_TEST(writers_notes)
{
	struct bt_drops d = { 0 };
	char buf[256];

	ck_assert_uint_eq(add(&d, "full=0 fault=0 toolong=0 nested=0 lock=0 "
			      "rearm=0 bad=0 resync=0"), 0);
	ck_assert_uint_eq(d.ncauses, 0);
	ck_assert_uint_eq(add(&d, "full=120 fault=0 toolong=0 nested=0 "
			      "lock=0 rearm=0 bad=3 resync=0 op.read=100 "
			      "op.write=20"), 123);
	ck_assert_uint_eq(add(&d, "page_holes=1 page_pid_not_traced=7 "
			      "page_ring_header_repaired=2 "
			      "page_ring_full_claimed=99999999999"), 8);
	ck_assert_uint_eq(add(&d, "io_uring_calls=4 io_uring_processes=1"), 4);
	ck_assert_uint_eq(add(&d, "full=5"), 5);
	ck_assert_uint_eq(d.total, 140);
	ck_assert_uint_eq(d.unreadable, 0);
	ck_assert_str_eq(bt_drops_causes(&d, buf, sizeof(buf)),
			 "full=125 bad=3 page_holes=1 page_pid_not_traced=7 "
			 "io_uring_calls=4");
	/* cut short, still terminated */
	ck_assert_str_eq(bt_drops_causes(&d, buf, 9), "full=125");
}
END_TEST

/* Hostile text: nothing guessed, nothing overflows, nothing unshown. */
START_TEST(hostile_text)
{
	struct bt_drops d = { 0 };
	char name[64], buf[1024];
	int i;

	ck_assert_uint_eq(add(&d, "full=-1 =5 x= \x1b]0;t\x07=3 FULL=2 a=b "
			      "full=18446744073709551616 y=1x"), 0);
	ck_assert_uint_eq(d.unreadable, 8);
	ck_assert_uint_eq(add(&d, "a=18446744073709551615"), UINT64_MAX);
	/* the sum would overflow: refused, counted */
	ck_assert_uint_eq(add(&d, "b=1"), 0);
	ck_assert_uint_eq(d.unreadable, 9);
	ck_assert_uint_eq(add(&d, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1"),
			  0);
	memset(&d, 0, sizeof(d));
	for (i = 0; i < BT_DROPS_CAUSES + 4; i++) {
		snprintf(name, sizeof(name), "c%d=2", i);
		add(&d, name);
	}
	ck_assert_uint_eq(d.ncauses, BT_DROPS_CAUSES);
	ck_assert_uint_eq(d.other, 8);
	ck_assert_uint_eq(d.total, 2 * (BT_DROPS_CAUSES + 4));
	ck_assert_ptr_nonnull(strstr(bt_drops_causes(&d, buf, sizeof(buf)),
				     " other=8"));
}
END_TEST

static void note(struct bt_log_writer *w, uint32_t key, uint64_t t,
		 const char *s)
{
	ck_assert_int_eq(bt_log_append_note(w, key, t, s, strlen(s)), 0);
}

/* A log of two captures (the second appended): the notes summed, the
 * window from the first start to the last end; a drops note with no
 * source before it leaves the start unknown. */
START_TEST(read_log)
{
	const char *path = tu_path("d.btl");
	struct bt_log_writer *w = NULL;
	struct bt_log *log = NULL;
	struct bt_drops d;

	unlink(path);
	ck_assert_int_eq(bt_log_writer_open(&w, path, BT_LOGW_CREATE), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_log_open(&log, path), 0);
	ck_assert_int_eq(bt_drops_read(&d, log), 0);
	ck_assert_uint_eq(d.total, 0);
	ck_assert_uint_eq(d.until, 0);
	ck_assert(!bt_drops_meets(&d, 0, UINT64_MAX));
	bt_log_close(log);

	ck_assert_int_eq(bt_log_writer_open(&w, path, BT_LOGW_APPEND), 0);
	note(w, BT_NOTE_SOURCE, T0 + 100, "capture");
	ck_assert_int_eq(bt_log_append_process(w, 1, 1, T0, 0, 0), 0);
	note(w, BT_NOTE_DROPS, T0 + 200, "full=0 bad=0");
	note(w, BT_NOTE_SOURCE, T0 + 1000, "capture");
	note(w, BT_NOTE_TEXT, T0 + 1100, "full=1000");
	note(w, BT_NOTE_DROPS, T0 + 2000, "full=10 bad=2");
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_log_open(&log, path), 0);
	ck_assert_int_eq(bt_drops_read(&d, log), 0);
	ck_assert_uint_eq(d.total, 12);
	ck_assert_uint_eq(d.notes, 1);
	ck_assert_uint_eq(d.since, T0 + 1000);
	ck_assert_uint_eq(d.until, T0 + 2000);
	ck_assert(bt_drops_meets(&d, T0 + 1500, T0 + 1600));
	ck_assert(bt_drops_meets(&d, T0, T0 + 1000));
	ck_assert(!bt_drops_meets(&d, T0, T0 + 999));
	ck_assert(!bt_drops_meets(&d, T0 + 2001, T0 + 3000));
	bt_log_close(log);

	/* drops dated before the source note before them: start unknown */
	ck_assert_int_eq(bt_log_writer_open(&w, path, BT_LOGW_APPEND), 0);
	note(w, BT_NOTE_DROPS, T0 + 500, "lock=1");
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_log_open(&log, path), 0);
	ck_assert_int_eq(bt_drops_read(&d, log), 0);
	ck_assert_uint_eq(d.total, 13);
	ck_assert_uint_eq(d.notes, 2);
	ck_assert_uint_eq(d.since, 0);
	ck_assert_uint_eq(d.until, T0 + 2000);
	ck_assert(bt_drops_meets(&d, T0, T0 + 1));
	bt_log_close(log);
}
END_TEST

static bool same_drops(const struct bt_drops *a, const struct bt_drops *b)
{
	uint32_t i;

	if (a->total != b->total || a->notes != b->notes ||
	    a->unreadable != b->unreadable || a->ncauses != b->ncauses ||
	    a->other != b->other || a->since != b->since ||
	    a->until != b->until)
		return false;
	for (i = 0; i < a->ncauses; i++)
		if (strcmp(a->cause[i].name, b->cause[i].name) ||
		    a->cause[i].count != b->cause[i].count)
			return false;
	return true;
}

/* Append to the log at path (a new one when `create`) `n` rounds of a
 * write event and, every so often, a capture's source note, drops notes
 * and a note that only looks like one: notes land in many blocks, a
 * capture's start in a block before its drops. */
static void notes_log(const char *path, bool create, uint32_t n,
		      uint64_t t)
{
	struct bt_log_writer *w = NULL;
	uint32_t i, base;

	ck_assert_int_eq(bt_log_writer_open(&w, path, create ?
			 BT_LOGW_CREATE | BT_LOGW_TRUNC : BT_LOGW_APPEND), 0);
	base = bt_log_writer_objects(w);
	ck_assert_int_eq(bt_log_append_process(w, base + 1, 100 + base, t, 1,
					       0), 0);
	ck_assert_int_eq(bt_log_append_file(w, base + 2, 0, 1, 7 + base), 0);
	for (i = 0; i < n; i++) {
		char txt[64];

		ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 0,
				 t + i, base + 1, base + 2), 0);
		if (i % 3000 == 0)
			note(w, BT_NOTE_SOURCE, t + i, "capture");
		if (i % 4000 == 1999) {
			snprintf(txt, sizeof(txt), "full=%u ring%u=1 op.read=9",
				 i % 7, (i / 4000) % 20);
			note(w, BT_NOTE_DROPS, t + i, txt);
		}
		if (i % 5000 == 7)
			note(w, BT_NOTE_TEXT, t + i, "full=99");
	}
	ck_assert_int_eq(bt_log_writer_close(w), 0);
}

/* Load the log at path under index policy pol (from its index or not,
 * as `from_index` says): the graph's drops are `want`. */
static void graph_drops_are(const char *path, enum bt_index_policy pol,
			    bool from_index, const struct bt_drops *want)
{
	struct bt_graph *g = NULL;
	struct bt_drops d;

	bt_index_set_policy(pol);
	ck_assert_int_eq(bt_graph_load(&g, path, NULL, NULL), 0);
	ck_assert(bt_graph_from_index(g) == from_index);
	ck_assert_int_eq(bt_graph_drops(g, &d), 0);
	ck_assert(same_drops(&d, want));
	bt_graph_free(g);
}

/* A scan in two parts, split at any block, is the whole log's read; from
 * an index, and from an index whose log grew since, the graph's drops
 * are the log's (bt_graph_drops() reads only the blocks past those the
 * index summed: a question on a large log does not read it whole). */
START_TEST(scan_parts_and_index)
{
	const char *path = tu_path("dp.btl");
	char ipath[4096];
	struct bt_log *log = NULL;
	struct bt_graph *g = NULL;
	struct bt_drops whole, d;
	struct bt_drops_scan sc;
	uint32_t nb, b;

	unlink(path);
	notes_log(path, true, 60000, T0);
	ck_assert_int_eq(bt_log_open(&log, path), 0);
	nb = bt_log_blocks(log);
	ck_assert_uint_gt(nb, 3);
	ck_assert_int_eq(bt_drops_read(&whole, log), 0);
	ck_assert_uint_gt(whole.notes, 10);
	ck_assert_uint_gt(whole.ncauses, 5);
	for (b = 0; b <= nb; b++) {
		bt_drops_scan_init(&sc);
		ck_assert_int_eq(bt_drops_scan_blocks(&sc, log, 0, b), 0);
		ck_assert_int_eq(bt_drops_scan_blocks(&sc, log, b, nb), 0);
		bt_drops_scan_end(&sc, &d);
		ck_assert(same_drops(&d, &whole));
	}
	ck_assert_int_lt(bt_drops_scan_blocks(&sc, log, 1, nb + 1), 0);
	bt_log_close(log);

	snprintf(ipath, sizeof(ipath), "%s%s", path, BT_INDEX_SUFFIX);
	unlink(ipath);
	ck_assert_int_eq(bt_index_build(path, NULL, NULL, NULL, NULL), 0);
	graph_drops_are(path, BT_INDEX_AUTO, true, &whole);

	/* the log grows (the last block and new ones): the index is
	 * extended, and its drops with the blocks after it */
	notes_log(path, false, 30000, T0 + 100000);
	ck_assert_int_eq(bt_log_open(&log, path), 0);
	ck_assert_int_eq(bt_drops_read(&whole, log), 0);
	bt_log_close(log);
	graph_drops_are(path, BT_INDEX_NEVER, true, &whole);
	/* the index written again (the log grew by half): the same */
	bt_index_set_policy(BT_INDEX_AUTO);
	ck_assert_int_eq(bt_graph_load(&g, path, NULL, NULL), 0);
	ck_assert_ptr_nonnull(bt_graph_warning(g));
	bt_graph_free(g);
	graph_drops_are(path, BT_INDEX_NEVER, true, &whole);

	/* without the index: the same */
	graph_drops_are(path, BT_INDEX_OFF, false, &whole);
	bt_index_set_policy(BT_INDEX_AUTO);
	unlink(ipath);
	unlink(path);
}
END_TEST

/* Scan states from outside (an index's header) are checked. */
START_TEST(scan_valid)
{
	struct bt_drops_scan sc;

	bt_drops_scan_init(&sc);
	ck_assert(bt_drops_scan_valid(&sc));
	bt_drops_add_text(&sc.d, "full=3 bad=1", 12);
	ck_assert(bt_drops_scan_valid(&sc));
	sc.d.cause[1].name[0] = 'X';
	ck_assert(!bt_drops_scan_valid(&sc));
	sc.d.cause[1].name[0] = 'b';
	memset(sc.d.cause[0].name, 'a', BT_DROPS_NAME);
	ck_assert(!bt_drops_scan_valid(&sc));
	sc.d.cause[0].name[4] = '\0';
	ck_assert(bt_drops_scan_valid(&sc));
	sc.d.ncauses = BT_DROPS_CAUSES + 1;
	ck_assert(!bt_drops_scan_valid(&sc));
}
END_TEST

static Suite *drops_suite(void)
{
	Suite *s = suite_create("drops");
	TCase *t = tcase_create("drops");

	tcase_add_test(t, writers_notes);
	tcase_add_test(t, hostile_text);
	tcase_add_test(t, read_log);
	tcase_add_test(t, scan_parts_and_index);
	tcase_add_test(t, scan_valid);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return tu_run(drops_suite());
}
