/*
 * check_outfile.c - tests for replacing files safely (core/outfile.c) and
 * the log writer's use of it (core/log.c, BT_LOGW_CREATE): a reader of the
 * old file keeps its records, two writers of one new name cannot both win,
 * a symlink is replaced and never written through, the header exists
 * before the file grows, and temporary files of a writer that died are
 * removed or reported.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/log.h"
#include "../core/outfile.h"
#include "testutil.h"

#define T0 1700000000000000000ull

extern int (*bt_outfile_renameat2)(int, const char *, int, const char *,
				   unsigned);

static struct bt_log_writer *wopen(const char *path, unsigned flags)
{
	struct bt_log_writer *w = NULL;
	int r = bt_log_writer_open(&w, path, flags);

	ck_assert_msg(r == 0, "open '%s': %s", path, bt_error_msg());
	return w;
}

/* A closed log at path with `nproc` process objects. */
static void make_log(const char *path, unsigned flags, uint32_t nproc)
{
	struct bt_log_writer *w = wopen(path, flags);
	uint32_t i;

	for (i = 1; i <= nproc; i++)
		ck_assert_int_eq(bt_log_append_process(w, i, i, T0, 0, 0), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
}

static uint64_t objects_in(const char *path)
{
	struct bt_log *log;
	struct bt_log_stats st;

	ck_assert_msg(bt_log_open(&log, path) == 0, "%s", bt_error_msg());
	ck_assert_int_eq(bt_log_stats(log, &st), 0);
	bt_log_close(log);
	return st.objects;
}

static int count_tmp(const char *name)
{
	char cmd[512];
	FILE *p;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "ls -a '%s' | grep -c '^\\.%s\\.btrack-tmp'",
		 tu_tmpdir(), name);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	if (fscanf(p, "%d", &n) != 1)
		n = -1;
	pclose(p);
	return n;
}

/* A pid that is not running: a child that has exited and been reaped. */
static long dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	return (long)pid;
}

START_TEST(test_reader_of_old_log_survives_replace)
{
	const char *path = tu_path("old.btl");
	struct bt_log_writer *w;
	struct bt_log *log;
	struct bt_log_stats st;
	uint32_t i;

	make_log(path, BT_LOGW_CREATE, 200);
	ck_assert_int_eq(bt_log_open(&log, path), 0);
	/* --force: written beside, renamed over; until the close the old
	 * log is at path, the new one in its temporary file */
	w = wopen(path, BT_LOGW_CREATE | BT_LOGW_TRUNC);
	ck_assert_str_ne(bt_log_writer_file(w), path);
	ck_assert_uint_eq(objects_in(path), 200);
	ck_assert_int_eq(bt_log_append_process(w, 1, 1, T0, 0, 0), 0);
	bt_log_writer_commit(w);
	ck_assert_uint_eq(objects_in(bt_log_writer_file(w)), 1);
	for (i = 2; i <= 5; i++)
		ck_assert_int_eq(bt_log_append_process(w, i, i, T0, 0, 0), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	/* the old reader reads all of its mapping (no SIGBUS) */
	ck_assert_int_eq(bt_log_stats(log, &st), 0);
	ck_assert_uint_eq(st.objects, 200);
	bt_log_close(log);
	ck_assert_uint_eq(objects_in(path), 5);
	ck_assert_int_eq(count_tmp("old.btl"), 0);
}
END_TEST

START_TEST(test_two_creators_one_wins)
{
	const char *path = tu_path("race.btl");
	struct bt_log_writer *a = wopen(path, BT_LOGW_CREATE);
	struct bt_log_writer *b = wopen(path, BT_LOGW_CREATE);

	ck_assert_int_eq(bt_log_append_process(a, 1, 1, T0, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_process(b, 1, 1, T0, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_process(b, 2, 2, T0, 0, 0), 0);
	ck_assert_int_eq(bt_log_writer_close(a), 0);
	ck_assert_int_eq(bt_log_writer_close(b), BT_EINVAL);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "meanwhile"));
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), ".race.btl.btrack-tmp."));
	/* the winner's log is not replaced; the loser's is kept */
	ck_assert_uint_eq(objects_in(path), 1);
	ck_assert_int_eq(count_tmp("race.btl"), 1);
	/* a later CREATE says the path exists, at open */
	ck_assert_int_eq(bt_log_writer_open(&a, path, BT_LOGW_CREATE),
			 BT_EINVAL);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "already exists"));
}
END_TEST

static int no_renameat2(int a, const char *b, int c, const char *d,
			unsigned e)
{
	(void)a; (void)b; (void)c; (void)d; (void)e;
	errno = EINVAL;
	return -1;
}

START_TEST(test_link_fallback)
{
	const char *path = tu_path("fallback.btl");
	struct bt_log_writer *a, *b;

	bt_outfile_renameat2 = no_renameat2;
	a = wopen(path, BT_LOGW_CREATE);
	b = wopen(path, BT_LOGW_CREATE);
	ck_assert_int_eq(bt_log_append_process(b, 1, 1, T0, 0, 0), 0);
	ck_assert_int_eq(bt_log_writer_close(a), 0);
	ck_assert_int_eq(bt_log_writer_close(b), BT_EINVAL);
	ck_assert_uint_eq(objects_in(path), 0);
	ck_assert_int_eq(count_tmp("fallback.btl"), 1);
}
END_TEST

START_TEST(test_symlink_replaced_not_followed)
{
	const char *path = tu_path("link.btl");
	const char *target = tu_path("target");
	struct bt_log_writer *w = NULL;
	struct stat st;
	size_t len;
	char *data;

	ck_assert_int_eq(tu_write_file(target, "precious", 8), 0);
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_int_eq(bt_log_writer_open(&w, path, BT_LOGW_CREATE),
			 BT_EINVAL);
	ck_assert_int_eq(bt_log_writer_open(&w, path, BT_LOGW_APPEND),
			 BT_EINVAL);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "symbolic link"));
	make_log(path, BT_LOGW_CREATE | BT_LOGW_TRUNC, 3);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_eq(objects_in(path), 3);
	data = tu_read_file(target, &len);
	ck_assert_ptr_nonnull(data);
	ck_assert_uint_eq(len, 8);
	ck_assert(!memcmp(data, "precious", 8));
	free(data);
}
END_TEST

/* The temporary file has its header before it has any other byte: a
 * writer killed just after the open leaves a valid (empty) log. */
START_TEST(test_header_before_growth)
{
	const char *path = tu_path("hdr.btl");
	struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE);
	struct bt_log *log;
	uint64_t n;

	ck_assert_int_eq(bt_log_open(&log, bt_log_writer_file(w)), 0);
	n = bt_log_committed(log);
	ck_assert_uint_eq(n, BT_LOG_HEADER_SIZE);
	bt_log_close(log);
	/* abort: nothing replaced, nothing left */
	bt_log_writer_abort(w);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(count_tmp("hdr.btl"), 0);
}
END_TEST

START_TEST(test_stale_temporaries)
{
	const char *path = tu_path("stale.btl");
	char empty[512], full[512], live[512];
	struct bt_log_writer *w;
	const char *warn;
	long pid = dead_pid();

	/* a writer that died before writing anything, one that died with
	 * records (a killed recorder), and one still running (us) */
	snprintf(empty, sizeof(empty), "%s/.stale.btl.btrack-tmp.%ld",
		 tu_tmpdir(), pid);
	ck_assert_int_eq(tu_write_file(empty, "", 0), 0);
	make_log(tu_path("f.btl"), BT_LOGW_CREATE, 2);
	snprintf(full, sizeof(full), "%s/.stale.btl.btrack-tmp.%ld-1",
		 tu_tmpdir(), pid);
	ck_assert_int_eq(rename(tu_path("f.btl"), full), 0);
	snprintf(live, sizeof(live), "%s/.stale.btl.btrack-tmp.%ld",
		 tu_tmpdir(), (long)getppid());
	ck_assert_int_eq(tu_write_file(live, "", 0), 0);

	w = wopen(path, BT_LOGW_CREATE);
	warn = bt_log_writer_warning(w);
	ck_assert_ptr_nonnull(warn);
	ck_assert_msg(strstr(warn, "removed") && strstr(warn, "kept"),
		      "warning: %s", warn);
	ck_assert_int_eq(access(empty, F_OK), -1);
	ck_assert_int_eq(access(full, F_OK), 0);
	ck_assert_int_eq(access(live, F_OK), 0);
	ck_assert_uint_eq(objects_in(full), 2);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
}
END_TEST

START_TEST(test_outfile_device_and_dir)
{
	struct bt_outfile of;

	/* a device is written to, not replaced, and needs no force */
	ck_assert_int_eq(bt_outfile_open(&of, "/dev/null", 0, 0644, NULL), 0);
	ck_assert_int_eq(write(of.fd, "x", 1), 1);
	ck_assert_int_eq(bt_outfile_commit(&of), 0);
	ck_assert_int_eq(access("/dev/null", W_OK), 0);
	ck_assert_int_eq(bt_outfile_open(&of, tu_tmpdir(), BT_OUTF_FORCE,
					 0644, NULL), BT_EINVAL);
	ck_assert_int_eq(bt_outfile_open(&of, tu_path("nodir/x"), 0, 0644,
					 NULL), BT_ENOTFOUND);
}
END_TEST

/* An appended log is never shrunk: a reader that mapped it while the
 * appender had grown it reads its pages after the close. */
START_TEST(test_append_never_shrinks)
{
	const char *path = tu_path("grow.btl");
	struct bt_log_writer *w;
	struct bt_log *log;
	struct bt_log_stats st;
	struct stat before, after;
	uint32_t i;

	make_log(path, BT_LOGW_CREATE, 1);
	w = wopen(path, BT_LOGW_APPEND);
	for (i = 2; i <= 1000; i++)
		ck_assert_int_eq(bt_log_append_process(w, i, i, T0, 0, 0), 0);
	bt_log_writer_commit(w);
	ck_assert_int_eq(stat(path, &before), 0);
	ck_assert_int_eq(bt_log_open(&log, path), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(stat(path, &after), 0);
	ck_assert_int_ge(after.st_size, before.st_size);
	ck_assert_int_eq(bt_log_stats(log, &st), 0);
	ck_assert_uint_eq(st.objects, 1000);
	bt_log_close(log);
}
END_TEST

/*
 * Readers beside a writer that replaces the log (--force) or appends to
 * it, in a loop for a bounded time: a reader never dies of SIGBUS (the
 * test process would) and never sees a corrupt log.  Before the writers
 * replaced by rename, a replace truncated the file under the reader's
 * mapping and a close shrank it.
 */
static void race_readers(const char *path, unsigned flags)
{
	struct timespec t0, t;
	pid_t pid;
	int status, reads = 0, opened = 0;

	make_log(path, BT_LOGW_CREATE, 10);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		for (;;) {
			struct bt_log_writer *w;
			uint32_t i, base;

			if (bt_log_writer_open(&w, path, flags))
				_exit(2);
			base = bt_log_writer_objects(w);
			for (i = 1; i <= 3000; i++) {
				if (bt_log_append_process(w, base + i, i, T0,
							  0, 0))
					_exit(3);
				if (i % 500 == 0)
					bt_log_writer_commit(w);
			}
			if (bt_log_writer_close(w))
				_exit(4);
			if (flags & BT_LOGW_APPEND && base > 30000) {
				/* keep it small: start again */
				make_log(path, BT_LOGW_CREATE | BT_LOGW_TRUNC,
					 10);
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		struct bt_log *log;
		struct bt_log_stats st;

		if (bt_log_open(&log, path) == 0) {
			ck_assert_msg(bt_log_stats(log, &st) == 0, "%s",
				      bt_error_msg());
			bt_log_close(log);
			opened++;
		}
		reads++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < 2);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		      "the writer failed: status %d", status);
	ck_assert_int_gt(opened, 0);
	printf("%s: %d reads beside the writer\n",
	       flags & BT_LOGW_APPEND ? "append" : "replace", reads);
}

START_TEST(test_readers_beside_replacing_writer)
{
	race_readers(tu_path("rrace.btl"), BT_LOGW_CREATE | BT_LOGW_TRUNC);
}
END_TEST

START_TEST(test_readers_beside_appending_writer)
{
	race_readers(tu_path("arace.btl"), BT_LOGW_APPEND);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("outfile");
	TCase *tc = tcase_create("outfile");

	tcase_add_test(tc, test_reader_of_old_log_survives_replace);
	tcase_add_test(tc, test_two_creators_one_wins);
	tcase_add_test(tc, test_link_fallback);
	tcase_add_test(tc, test_symlink_replaced_not_followed);
	tcase_add_test(tc, test_header_before_growth);
	tcase_add_test(tc, test_stale_temporaries);
	tcase_add_test(tc, test_outfile_device_and_dir);
	tcase_add_test(tc, test_append_never_shrinks);
	tcase_add_test(tc, test_readers_beside_replacing_writer);
	tcase_add_test(tc, test_readers_beside_appending_writer);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
