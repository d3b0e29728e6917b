/*
 * check_hash.c - the interning maps (core/hash.h): many keys, colliding
 * keys, replacing values, putting 0 to make a key absent, and the load
 * factor bound.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hash.h"
#include "testutil.h"

START_TEST(u64_many_keys)
{
	struct bt_u64map m;
	uint64_t k;

	bt_u64map_init(&m);
	for (k = 0; k < 200000; k++)
		tu_assert_int_eq(bt_u64map_put(&m, k * 7919, (uint32_t)k + 1),
				 0);
	for (k = 0; k < 200000; k++)
		tu_assert_uint_eq(bt_u64map_get(&m, k * 7919), k + 1);
	/* Keys never put are absent. */
	ck_assert_uint_eq(bt_u64map_get(&m, 1), 0);
	ck_assert_uint_eq(bt_u64map_get(&m, UINT64_MAX), 0);
	ck_assert(m.cap && (m.cap & (m.cap - 1)) == 0);
	ck_assert(m.used * 10 <= m.cap * 7);
	bt_u64map_release(&m);
}
END_TEST

START_TEST(u64_colliding_keys)
{
	struct bt_u64map m;
	uint64_t k;

	/* Keys that share their low bits probe into the same cluster. */
	bt_u64map_init(&m);
	for (k = 1; k <= 5000; k++)
		tu_assert_int_eq(bt_u64map_put(&m, k << 40, (uint32_t)k), 0);
	for (k = 1; k <= 5000; k++)
		tu_assert_uint_eq(bt_u64map_get(&m, k << 40), k);
	ck_assert_uint_eq(bt_u64map_get(&m, 5001ULL << 40), 0);
	bt_u64map_release(&m);
}
END_TEST

START_TEST(u64_reput_and_zero)
{
	struct bt_u64map m;

	bt_u64map_init(&m);
	ck_assert_uint_eq(bt_u64map_get(&m, 5), 0);   /* empty map */
	ck_assert_int_eq(bt_u64map_put(&m, 5, 1), 0);
	ck_assert_int_eq(bt_u64map_put(&m, 5, 9), 0);
	ck_assert_uint_eq(bt_u64map_get(&m, 5), 9);
	ck_assert_int_eq(bt_u64map_put(&m, 5, 0), 0);
	ck_assert_uint_eq(bt_u64map_get(&m, 5), 0);
	ck_assert_int_eq(bt_u64map_put(&m, 5, 3), 0);
	ck_assert_uint_eq(bt_u64map_get(&m, 5), 3);
	/* Key 0 is a key like any other. */
	ck_assert_uint_eq(bt_u64map_get(&m, 0), 0);
	ck_assert_int_eq(bt_u64map_put(&m, 0, 42), 0);
	ck_assert_uint_eq(bt_u64map_get(&m, 0), 42);
	ck_assert_int_eq(bt_u64map_put(&m, 0, 0), 0);
	ck_assert_uint_eq(bt_u64map_get(&m, 0), 0);
	/* Putting 0 for an absent key adds nothing. */
	ck_assert_int_eq(bt_u64map_put(&m, 77, 0), 0);
	ck_assert_uint_eq(bt_u64map_get(&m, 77), 0);
	bt_u64map_release(&m);
	bt_u64map_release(NULL);
}
END_TEST

START_TEST(u64_zero_survives_growth)
{
	struct bt_u64map m;
	uint64_t k;

	bt_u64map_init(&m);
	ck_assert_int_eq(bt_u64map_put(&m, 0, 7), 0);
	for (k = 1; k < 1000; k++)
		tu_assert_int_eq(bt_u64map_put(&m, k, 1), 0);
	ck_assert_uint_eq(bt_u64map_get(&m, 0), 7);
	bt_u64map_release(&m);
}
END_TEST

START_TEST(str_many_keys)
{
	struct bt_strmap m;
	char key[64];
	unsigned i;

	bt_strmap_init(&m);
	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof(key), "/tmp/file-%u", i);
		tu_assert_int_eq(bt_strmap_put(&m, key, i + 1), 0);
	}
	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof(key), "/tmp/file-%u", i);
		tu_assert_uint_eq(bt_strmap_get(&m, key), i + 1);
	}
	ck_assert_uint_eq(bt_strmap_get(&m, "/tmp/file-100000"), 0);
	ck_assert_uint_eq(bt_strmap_get(&m, ""), 0);
	ck_assert(m.used * 10 <= m.cap * 7);
	bt_strmap_release(&m);
}
END_TEST

START_TEST(str_reput_zero_empty)
{
	struct bt_strmap m;
	char buf[16];

	bt_strmap_init(&m);
	ck_assert_uint_eq(bt_strmap_get(&m, "a"), 0);
	ck_assert_int_eq(bt_strmap_put(&m, "a", 1), 0);
	ck_assert_int_eq(bt_strmap_put(&m, "a", 2), 0);
	ck_assert_uint_eq(bt_strmap_get(&m, "a"), 2);
	ck_assert_int_eq(bt_strmap_put(&m, "a", 0), 0);
	ck_assert_uint_eq(bt_strmap_get(&m, "a"), 0);
	ck_assert_int_eq(bt_strmap_put(&m, "", 5), 0);
	ck_assert_uint_eq(bt_strmap_get(&m, ""), 5);
	/* The map copies keys: changing the caller's buffer changes
	 * nothing. */
	strcpy(buf, "key");
	ck_assert_int_eq(bt_strmap_put(&m, buf, 9), 0);
	strcpy(buf, "kez");
	ck_assert_uint_eq(bt_strmap_get(&m, "key"), 9);
	ck_assert_uint_eq(bt_strmap_get(&m, buf), 0);
	/* Prefixes are different keys. */
	ck_assert_uint_eq(bt_strmap_get(&m, "ke"), 0);
	bt_strmap_release(&m);
	bt_strmap_release(NULL);
}
END_TEST

START_TEST(hash_functions)
{
	/* Deterministic, and different inputs differ (for these). */
	ck_assert(bt_hash_bytes("abc", 3) == bt_hash_bytes("abc", 3));
	ck_assert(bt_hash_bytes("abc", 3) != bt_hash_bytes("abd", 3));
	ck_assert(bt_hash_bytes("", 0) != bt_hash_bytes("\0", 1));
	ck_assert(bt_hash_u64(1) != bt_hash_u64(2));
	/* Low bits spread: keys differing only in high bits land apart. */
	ck_assert((bt_hash_u64(1ULL << 40) & 1023) !=
		  (bt_hash_u64(2ULL << 40) & 1023));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hash");
	SRunner *sr;
	TCase *tc;
	int failed;

#define T(fn) do { tc = tcase_create(#fn); tcase_add_test(tc, fn); \
		   tcase_set_timeout(tc, 60); suite_add_tcase(s, tc); } while (0)
	T(u64_many_keys);
	T(u64_colliding_keys);
	T(u64_reput_and_zero);
	T(u64_zero_survives_growth);
	T(str_many_keys);
	T(str_reput_zero_empty);
	T(hash_functions);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
