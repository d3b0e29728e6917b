/*
 * check_fdtable.c - the parts of capture/fdtable's API the audit importer
 * added (access mode, a socket's local address, walking the known fds,
 * copying another table's descriptor);
 * the recorder's own fd table checks are in check_recorder.c.
 */
#include <check.h>
#include <string.h>

#include "../capture/fdtable.h"
#include "../core/error.h"
#include "testutil.h"

/* dup2, dup3 and fork keep how the fd was opened and its local address:
 * `exec 3>a; cmd 1>&3` writes a through 1 in the child. */
START_TEST(access_and_local_follow_dup_and_fork)
{
	struct bt_fdtable *t, *c;
	const struct bt_fd *f;

	ck_assert_int_eq(bt_fdtable_new(&t), 0);
	ck_assert_int_eq(bt_fdtable_set(t, 3, BT_FD_FILE, 8, 42, "/w/a", NULL,
					false), 0);
	bt_fdtable_set_access(t, 3, BT_FD_WRITE);
	bt_fdtable_set_stamp(t, 3, 1234);
	ck_assert_int_eq(bt_fdtable_set(t, 4, BT_FD_SOCKET, 0, 0, NULL, NULL,
					false), 0);
	ck_assert_int_eq(bt_fdtable_set_local(t, 4, "0.0.0.0:8080"), 0);
	ck_assert_int_eq(bt_fdtable_dup(t, 3, 1, false), 0);
	ck_assert_int_eq(bt_fdtable_dup(t, 4, 7, true), 0);
	ck_assert_int_eq(bt_fdtable_copy(&c, t), 0);
	bt_fdtable_unref(t);
	f = bt_fdtable_get(c, 1);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->path, "/w/a");
	ck_assert_uint_eq(f->access, BT_FD_WRITE);
	ck_assert_uint_eq(f->stamp, 1234);
	f = bt_fdtable_get(c, 7);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->local, "0.0.0.0:8080");
	ck_assert(f->cloexec);
	/* an unknown fd takes no access mode and no address */
	bt_fdtable_set_access(c, 9, BT_FD_READ);
	ck_assert_ptr_null(bt_fdtable_get(c, 9));
	ck_assert_int_eq(bt_fdtable_set_local(c, 9, "x"), BT_ENOTFOUND);
	/* dup over a known fd replaces all of it */
	ck_assert_int_eq(bt_fdtable_set(c, 5, BT_FD_PIPE, 0, 1, NULL, NULL,
					false), 0);
	ck_assert_int_eq(bt_fdtable_dup(c, 5, 7, false), 0);
	f = bt_fdtable_get(c, 7);
	ck_assert_ptr_null(f->local);
	ck_assert_uint_eq(f->access, 0);
	bt_fdtable_unref(c);
}
END_TEST

START_TEST(next_walks_the_known_fds)
{
	struct bt_fdtable *t;
	int fd, seen[4], n = 0;

	ck_assert_int_eq(bt_fdtable_new(&t), 0);
	ck_assert_int_eq(bt_fdtable_next(t, 0), -1);
	ck_assert_int_eq(bt_fdtable_set(t, 0, BT_FD_PIPE, 0, 1, NULL, NULL,
					false), 0);
	ck_assert_int_eq(bt_fdtable_set(t, 5, BT_FD_FILE, 0, 2, "/x", NULL,
					true), 0);
	ck_assert_int_eq(bt_fdtable_set(t, 9, BT_FD_FILE, 0, 3, "/y", NULL,
					false), 0);
	bt_fdtable_close(t, 9);
	for (fd = bt_fdtable_next(t, 0); fd >= 0 && n < 4;
	     fd = bt_fdtable_next(t, fd + 1))
		seen[n++] = fd;
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(seen[0], 0);
	ck_assert_int_eq(seen[1], 5);
	ck_assert_int_eq(bt_fdtable_next(t, -3), 0);
	ck_assert_int_eq(bt_fdtable_next(t, 6), -1);
	bt_fdtable_exec(t);
	ck_assert_int_eq(bt_fdtable_next(t, 1), -1);
	/* what survives an exec was given to a program */
	ck_assert_uint_eq(bt_fdtable_get(t, 0)->access, BT_FD_EXECD);
	bt_fdtable_unref(t);
}
END_TEST

/* pidfd_getfd: a descriptor of another table, all of it, close-on-exec as
 * asked; the source keeps its own; an unknown one forgets the target fd. */
START_TEST(copy_fd_takes_another_tables_descriptor)
{
	struct bt_fdtable *t, *u;
	const struct bt_fd *f;

	ck_assert_int_eq(bt_fdtable_new(&t), 0);
	ck_assert_int_eq(bt_fdtable_new(&u), 0);
	ck_assert_int_eq(bt_fdtable_set(t, 3, BT_FD_FILE, 8, 42, "/w/a", NULL,
					false), 0);
	bt_fdtable_set_access(t, 3, BT_FD_READ);
	bt_fdtable_set_stamp(t, 3, 99);
	ck_assert_int_eq(bt_fdtable_set(u, 6, BT_FD_FILE, 8, 7, "/w/old",
					NULL, false), 0);
	ck_assert_int_eq(bt_fdtable_copy_fd(u, 6, t, 3, true), 0);
	f = bt_fdtable_get(u, 6);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->path, "/w/a");
	ck_assert_uint_eq(f->ino, 42);
	ck_assert_uint_eq(f->access, BT_FD_READ);
	ck_assert_uint_eq(f->stamp, 99);
	ck_assert(f->cloexec);
	f = bt_fdtable_get(t, 3);
	ck_assert_ptr_nonnull(f);
	ck_assert(!f->cloexec);
	/* the copy is its own: closing one leaves the other */
	bt_fdtable_close(t, 3);
	ck_assert_str_eq(bt_fdtable_get(u, 6)->path, "/w/a");
	ck_assert_int_eq(bt_fdtable_copy_fd(u, 6, t, 3, false), 0);
	ck_assert_ptr_null(bt_fdtable_get(u, 6));
	/* within one table it is dup */
	ck_assert_int_eq(bt_fdtable_set(u, 1, BT_FD_PIPE, 0, 5, NULL, NULL,
					false), 0);
	ck_assert_int_eq(bt_fdtable_copy_fd(u, 900, u, 1, false), 0);
	ck_assert_uint_eq(bt_fdtable_get(u, 900)->ino, 5);
	bt_fdtable_unref(t);
	bt_fdtable_unref(u);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fdtable");
	TCase *tc = tcase_create("audit_api");

	tcase_add_test(tc, access_and_local_follow_dup_and_fork);
	tcase_add_test(tc, next_walks_the_known_fds);
	tcase_add_test(tc, copy_fd_takes_another_tables_descriptor);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
