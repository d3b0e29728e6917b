/*
 * check_time.c - parsing and formatting times (core/timefmt.h).  Expected
 * values were computed with Python's calendar.timegm, not by this code.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/timefmt.h"

#define NS 1000000000ULL

/* Parse s with bt_time_parse and expect ns. */
static void parses(const char *s, uint64_t ns)
{
	uint64_t t = 12345;
	int r = bt_time_parse(&t, s);

	ck_assert_msg(r == 0, "'%s' rejected: %s", s, bt_error_msg());
	ck_assert_msg(t == ns, "'%s' gave %llu, want %llu", s,
		      (unsigned long long)t, (unsigned long long)ns);
}

static void rejects(const char *s)
{
	uint64_t t = 12345;
	int r = bt_time_parse(&t, s);

	ck_assert_msg(r == BT_EINVAL, "'%s' accepted as %llu", s,
		      (unsigned long long)t);
	ck_assert_uint_eq(t, 12345);   /* untouched */
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "bad time"));
}

START_TEST(rfc3339_forms)
{
	parses("2026-11-21T10:00:01Z", 1795255201 * NS);
	parses("2026-11-21t10:00:01z", 1795255201 * NS);
	parses("2026-11-21 10:00:01Z", 1795255201 * NS);
	parses("2026-11-21T10:00:01.5Z", 1795255201 * NS + 500000000);
	parses("2026-11-21T12:00:01+02:00", 1795255201 * NS);
	parses("2026-11-21T08:00:01-02:00", 1795255201 * NS);
	parses("2026-11-21T10:00:01+00:00", 1795255201 * NS);
	parses("1970-01-01T00:00:00Z", 0);
	parses("2000-02-29T23:59:59Z", 951868799 * NS);
	parses("2024-02-29T12:00:00Z", 1709208000 * NS);
	parses("2262-12-31T23:59:59.999999999Z", 9246182399 * NS + 999999999);
}
END_TEST

START_TEST(fraction_digits)
{
	parses("1970-01-01T00:00:00.000000001Z", 1);
	parses("1970-01-01T00:00:00.123456789Z", 123456789);
	/* Past nine digits: truncated, not rounded, not an error. */
	parses("1970-01-01T00:00:00.1234567899999Z", 123456789);
	parses("1970-01-01T00:00:00.9999999999999999999999Z", 999999999);
	parses("1970-01-01T00:00:00.1Z", 100000000);
	rejects("1970-01-01T00:00:00.Z");
}
END_TEST

START_TEST(epoch_seconds)
{
	parses("0", 0);
	parses("1700000000", 1700000000 * NS);
	parses("1700000000.25", 1700000000 * NS + 250000000);
	parses("1700000000.0000000019", 1700000000 * NS + 1);
	parses("9246182399", 9246182399 * NS);
	rejects("9246182400");              /* 2263 */
	rejects("18446744073709551616");    /* 2^64 */
	rejects("99999999999999999999999999999999");
	rejects("1700000000.");
	rejects("-1");
	rejects("+1");
	rejects("1e9");
	rejects("0x10");
	rejects(" 1");
	rejects("1 ");
}
END_TEST

START_TEST(out_of_range)
{
	rejects("1969-12-31T23:59:59Z");
	rejects("1970-01-01T00:30:00+01:00");   /* before the epoch in UTC */
	rejects("2263-01-01T00:00:00Z");
	rejects("9999-12-31T23:59:59Z");
	rejects("2026-13-01T00:00:00Z");
	rejects("2026-00-01T00:00:00Z");
	rejects("2026-02-29T00:00:00Z");        /* not a leap year */
	rejects("2100-02-29T00:00:00Z");        /* century, not leap */
	rejects("2026-04-31T00:00:00Z");
	rejects("2026-01-00T00:00:00Z");
	rejects("2026-01-01T24:00:00Z");
	rejects("2026-01-01T23:60:00Z");
	rejects("2026-01-01T23:59:61Z");
	rejects("2026-01-01T00:00:00+24:00");
	rejects("2026-01-01T00:00:00+01:60");
}
END_TEST

START_TEST(leap_second_rejected)
{
	rejects("2016-12-31T23:59:60Z");
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "leap"));
}
END_TEST

START_TEST(hostile_strings)
{
	rejects("");
	rejects("T");
	rejects(".5");
	rejects("-");
	rejects("2026-11-21T10:00:01.5Z\n");
}
END_TEST

START_TEST(hostile_strings2)
{
	char big[5000];
	uint64_t t;

	/* A bare year is epoch seconds, not a date. */
	ck_assert_int_eq(bt_time_parse(&t, "2026"), 0);
	ck_assert_uint_eq(t, 2026 * NS);
	rejects("2026-11-21");
	rejects("2026-11-21T10:00:01");           /* no zone */
	rejects("2026-11-21T10:00:01Zjunk");
	rejects("2026-11-21T10:00:01+02:00x");
	rejects("2026-11-21T10:00:01+0200");
	rejects("2026-11-21T10:00Z");
	rejects("2026-1-21T10:00:01Z");
	rejects("2026-11-21X10:00:01Z");
	rejects("２０２６-11-21T10:00:01Z");
	rejects("now");
	/* A huge string is rejected and the message stays bounded. */
	memset(big, '9', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	rejects(big);
	ck_assert_uint_lt(strlen(bt_error_msg()), 200);
	memcpy(big, "2026-11-21T10:00:01.", 20);
	rejects(big + 0);  /* "...01.999...9" without a zone */
	/* The RFC 3339-only parser refuses epoch seconds. */
	ck_assert_int_eq(bt_time_parse_rfc3339(&t, "1700000000"), BT_EINVAL);
}
END_TEST

START_TEST(format_round_trip)
{
	char buf[BT_TIME_BUFSZ];
	uint64_t t;
	size_t n;

	n = bt_time_format(buf, sizeof(buf), 1795255201 * NS + 500000000);
	ck_assert_str_eq(buf, "2026-11-21T10:00:01.500000000Z");
	ck_assert_uint_eq(n, strlen(buf));
	bt_time_format(buf, sizeof(buf), 0);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00.000000000Z");
	bt_time_format(buf, sizeof(buf), 951868799 * NS + 1);
	ck_assert_str_eq(buf, "2000-02-29T23:59:59.000000001Z");
	bt_time_format(buf, sizeof(buf), 9246182399 * NS + 999999999);
	ck_assert_int_eq(bt_time_parse(&t, buf), 0);
	ck_assert_uint_eq(t, 9246182399 * NS + 999999999);
	/* Truncated into a small buffer, still NUL-terminated. */
	n = bt_time_format(buf, 5, 0);
	ck_assert_str_eq(buf, "1970");
	ck_assert_uint_eq(n, 30);
	/* UINT64_MAX formats (year 2554) without crashing. */
	bt_time_format(buf, sizeof(buf), UINT64_MAX);
	ck_assert_int_eq(strncmp(buf, "2554-", 5), 0);
}
END_TEST

START_TEST(ignores_tz)
{
	uint64_t a, b;

	setenv("TZ", "America/New_York", 1);
	ck_assert_int_eq(bt_time_parse(&a, "2026-11-21T10:00:01Z"), 0);
	setenv("TZ", "Asia/Tokyo", 1);
	ck_assert_int_eq(bt_time_parse(&b, "2026-11-21T10:00:01Z"), 0);
	ck_assert_uint_eq(a, b);
	ck_assert_uint_eq(a, 1795255201 * NS);
	ck_assert_uint_gt(bt_time_now(), 1700000000 * NS);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("time");
	SRunner *sr;
	TCase *tc;
	int failed;

#define T(fn) do { tc = tcase_create(#fn); tcase_add_test(tc, fn); \
		   suite_add_tcase(s, tc); } while (0)
	T(rfc3339_forms);
	T(fraction_digits);
	T(epoch_seconds);
	T(out_of_range);
	T(leap_second_rejected);
	T(hostile_strings);
	T(hostile_strings2);
	T(format_round_trip);
	T(ignores_tz);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
