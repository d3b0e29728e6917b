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

/* Run suite s (owned: freed here) in the mode CK_FORK says; returns the
 * exit status of a test program: 0 if every test passed, 1 otherwise. */
int tu_run(Suite *s);

#endif
