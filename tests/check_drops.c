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

static Suite *drops_suite(void)
{
	Suite *s = suite_create("drops");
	TCase *t = tcase_create("drops");

	tcase_add_test(t, writers_notes);
	tcase_add_test(t, hostile_text);
	tcase_add_test(t, read_log);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return tu_run(drops_suite());
}
