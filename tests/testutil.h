/*
 * testutil.h - helpers for the Check suites: a temporary directory removed
 * at exit, building logs from observations, reading whole files.
 */
#ifndef BT_TESTUTIL_H
#define BT_TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

/* A fresh temporary directory (removed with its contents at exit).  The
 * returned path is static storage valid for the process. */
const char *tu_tmpdir(void);

/* A path inside tu_tmpdir(): static buffer rotation of 8 entries. */
const char *tu_path(const char *name);

/* Read a whole file into malloc'd memory (caller frees); NULL on error. */
void *tu_read_file(const char *path, size_t *len);

/* Write bytes to a file; 0 or -1. */
int tu_write_file(const char *path, const void *data, size_t len);

/* Import JSONL text (lines separated by '\n') into a new log at path, via
 * bt_ingest and the JSONL parser.  Returns the bt_error. */
int tu_log_from_jsonl(const char *path, const char *jsonl);

/* Assertions for loops over many records.  Every passing ck_assert*
 * records its location with the runner (Check's _mark_point: a write(2)
 * per assertion in fork mode), so a check of each of 200,000 events
 * costs 200,000 system calls, most of a suite's time; these say the
 * same when they fail and cost a compare when they pass. */
#define tu_assert(expr, ...) do { \
	if (!(expr)) \
		ck_abort_msg("Assertion '" #expr "' failed: " __VA_ARGS__); \
} while (0)
#define tu_assert_uint_eq(X, Y) do { \
	uintmax_t tu_x_ = (X), tu_y_ = (Y); \
	if (tu_x_ != tu_y_) \
		ck_abort_msg("Assertion '%s == %s' failed: %s == %ju, " \
			     "%s == %ju", #X, #Y, #X, tu_x_, #Y, tu_y_); \
} while (0)
#define tu_assert_int_eq(X, Y) do { \
	intmax_t tu_x_ = (X), tu_y_ = (Y); \
	if (tu_x_ != tu_y_) \
		ck_abort_msg("Assertion '%s == %s' failed: %s == %jd, " \
			     "%s == %jd", #X, #Y, #X, tu_x_, #Y, tu_y_); \
} while (0)

/* Run suite s (owned: freed here) in the mode CK_FORK says; returns the
 * exit status of a test program: 0 if every test passed, 1 otherwise. */
int tu_run(Suite *s);

#endif
