/*
 * timefmt.h - times as the user writes them and as btrack shows them.
 *
 * Records hold nanoseconds since the epoch (UTC).  The CLI accepts RFC 3339
 * ("2026-11-21T10:00:01.5Z", "2026-11-21T12:00:01+02:00", fractional
 * seconds to nanoseconds) and epoch seconds ("1700000000", "1700000000.25").
 */
#ifndef BT_TIMEFMT_H
#define BT_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* Parse a time; BT_EINVAL with a message naming the string if it is not
 * one of the forms above or is out of range. */
int bt_time_parse(uint64_t *out, const char *s);

/* Parse RFC 3339 only (the JSONL "time" string form). */
int bt_time_parse_rfc3339(uint64_t *out, const char *s);

/* Format as RFC 3339 UTC with nanoseconds, "2026-11-21T10:00:01.500000000Z".
 * Returns the length; buf gets at most n bytes, NUL included. */
#define BT_TIME_BUFSZ 40
size_t bt_time_format(char *buf, size_t n, uint64_t ns);

/* The current time, ns since the epoch (CLOCK_REALTIME). */
uint64_t bt_time_now(void);

#endif
