/*
 * check_path.c - the lexical path join every capture source shares
 * (capture/path.c): relative names against a cwd or a dirfd's directory,
 * "." and ".." folded, the limits, and the names audit logs hand us.
 */
#include <check.h>
#include <string.h>

#include "../capture/path.h"
#include "../core/error.h"
#include "testutil.h"

static const char *join(const char *base, const char *rel)
{
	static char out[4096];

	if (bt_path_join(out, sizeof(out), base, rel))
		return NULL;
	return out;
}

START_TEST(relative_names_fold_dots)
{
	ck_assert_str_eq(join("/home/u", "f"), "/home/u/f");
	ck_assert_str_eq(join("/home/u/", "./a/./b"), "/home/u/a/b");
	ck_assert_str_eq(join("/home/u", "../v/x"), "/home/v/x");
	ck_assert_str_eq(join("/home/u", "a//b/"), "/home/u/a/b");
	ck_assert_str_eq(join("/a", "../../../etc/passwd"), "/etc/passwd");
	ck_assert_str_eq(join("/a", "..."), "/a/...");
	ck_assert_str_eq(join("/", ".."), "/");
	ck_assert_str_eq(join("/", "x"), "/x");
	ck_assert_str_eq(join("/a/b", ".."), "/a");
	ck_assert_str_eq(join("/a", "."), "/a");
	ck_assert_str_eq(join("/a", "..b"), "/a/..b");
}
END_TEST

/* What audit's PATH records give: a PARENT item "dir/", the cwd with a
 * trailing slash, ".." climbing out of the cwd (cat ../../etc/hostname). */
START_TEST(audit_style_names)
{
	ck_assert_str_eq(join("/tmp/w", "/tmp/w/"), "/tmp/w");
	ck_assert_str_eq(join("/tmp/w/", "../../etc/hostname"),
			 "/etc/hostname");
	ck_assert_str_eq(join("/tmp/w", "./.part"), "/tmp/w/.part");
	/* an absolute name ignores the base, even a missing one */
	ck_assert_str_eq(join(NULL, "/x/../y"), "/y");
	ck_assert_str_eq(join("relative", "/etc//hosts"), "/etc/hosts");
	ck_assert_str_eq(join("/home/u", "/etc//hosts"), "/etc/hosts");
	/* a dirfd's path is just another base */
	ck_assert_str_eq(join("/var/lib/db", "t.sqlite-wal"),
			 "/var/lib/db/t.sqlite-wal");
}
END_TEST

START_TEST(bad_bases_and_limits)
{
	char small[8], big[5000];

	ck_assert_ptr_null(join("relative", "f"));
	ck_assert_ptr_null(join(NULL, "f"));
	ck_assert_ptr_null(join("/a", NULL));
	ck_assert_int_eq(bt_path_join(small, sizeof(small), "/abc", "defgh"),
			 BT_ELIMIT);
	ck_assert_str_eq(small, "");
	ck_assert_int_eq(bt_path_join(small, sizeof(small), "/", "abcdef"), 0);
	ck_assert_str_eq(small, "/abcdef");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_ptr_null(join("/", big));
	ck_assert_int_eq(bt_path_join(small, 1, "/", "a"), BT_ELIMIT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("path");
	TCase *tc = tcase_create("join");

	tcase_add_test(tc, relative_names_fold_dots);
	tcase_add_test(tc, audit_style_names);
	tcase_add_test(tc, bad_bases_and_limits);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
