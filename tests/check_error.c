/*
 * check_error.c - tests for the error message (core/error.c): a message
 * may quote the previous one, as callers do to add context.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "../core/error.h"
#include "testutil.h"

START_TEST(message_quotes_the_previous_one)
{
	bt_error_set(BT_ECORRUPT, "bad seal at offset %d", 64);
	ck_assert_int_eq(bt_error_set(BT_ECORRUPT, "'%s': %s", "x.btl",
				      bt_error_msg()), BT_ECORRUPT);
	ck_assert_str_eq(bt_error_msg(), "'x.btl': bad seal at offset 64");
	errno = ENOENT;
	bt_error_set_os(BT_EIO, "cannot open '%s'", "k");
	bt_error_set_os(BT_EIO, "%s", bt_error_msg());
	ck_assert_str_eq(bt_error_msg(), "cannot open 'k': No such file or "
			 "directory: No such file or directory");
}
END_TEST

static Suite *error_suite(void)
{
	Suite *s = suite_create("error");
	TCase *t = tcase_create("error");

	tcase_add_test(t, message_quotes_the_previous_one);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return tu_run(error_suite());
}
