/*
 * timefmt.c - parsing and formatting times (see timefmt.h).
 *
 * Accepted forms:
 *   RFC 3339: YYYY-MM-DD{T,t,' '}hh:mm:ss[.fraction]{Z,z,+hh:mm,-hh:mm}
 *     The fraction may have any number of digits; digits past the ninth
 *     (below a nanosecond) are ignored (truncated, never rounded up).
 *     Leap seconds (ss = 60) are rejected: records count POSIX time, which
 *     has no leap seconds, and clamping would silently reorder events.
 *     Years 1970..2262, and the resulting instant must not be before the
 *     epoch (e.g. 1970-01-01T00:30:00+01:00 is rejected).
 *   Epoch seconds: DIGITS[.DIGITS], same range and fraction rule.
 *
 * Calendar arithmetic is our own (days from civil, proleptic Gregorian), so
 * neither the locale nor TZ can change a result.  This module does not
 * parse relative times ("1h ago") or time zones by name.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "timefmt.h"

#define NS 1000000000ULL
#define YEAR_MIN 1970
#define YEAR_MAX 2262

/* Days since 1970-01-01 of a proleptic Gregorian date (y >= 1970). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = z / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int64_t y, unsigned m)
{
	static const unsigned char md[] = { 31, 28, 31, 30, 31, 30, 31, 31,
					    30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : md[m - 1];
}

/* The first second that is out of range: 2263-01-01T00:00:00Z. */
static uint64_t max_seconds(void)
{
	return (uint64_t)days_from_civil(YEAR_MAX + 1, 1, 1) * 86400;
}

/* Exactly n digits at *p; advances. */
static bool digits(const char **p, unsigned n, unsigned *out)
{
	unsigned v = 0, i;

	for (i = 0; i < n; i++) {
		char c = (*p)[i];

		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (unsigned)(c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

/* A fraction after '.': at least one digit, first nine kept. */
static bool fraction(const char **p, uint64_t *ns)
{
	const char *s = *p;
	uint64_t v = 0;
	unsigned n = 0;

	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (n < 9) {
			v = v * 10 + (uint64_t)(*s - '0');
			n++;
		}
	}
	for (; n < 9; n++)
		v *= 10;
	*ns = v;
	*p = s;
	return true;
}

static int bad(const char *s, const char *why)
{
	return bt_error_set(BT_EINVAL, "bad time '%.64s%s': %s", s,
			    strlen(s) > 64 ? "..." : "", why);
}

int bt_time_parse_rfc3339(uint64_t *out, const char *s)
{
	const char *p = s;
	unsigned y, mo, d, h, mi, sec, oh = 0, om = 0;
	uint64_t frac = 0, t;
	int64_t days, off = 0;

	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) ||
	    *p++ != '-' || !digits(&p, 2, &d))
		return bad(s, "expected YYYY-MM-DD");
	if (*p != 'T' && *p != 't' && *p != ' ')
		return bad(s, "expected 'T' between date and time");
	p++;
	if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) ||
	    *p++ != ':' || !digits(&p, 2, &sec))
		return bad(s, "expected hh:mm:ss");
	if (*p == '.') {
		p++;
		if (!fraction(&p, &frac))
			return bad(s, "expected digits after '.'");
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1;

		if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om))
			return bad(s, "expected a +hh:mm offset");
		if (oh > 23 || om > 59)
			return bad(s, "offset out of range");
		off = sign * (int64_t)(oh * 3600 + om * 60);
	} else {
		return bad(s, "expected 'Z' or a +hh:mm offset");
	}
	if (*p)
		return bad(s, "trailing characters");
	if (y < YEAR_MIN || y > YEAR_MAX)
		return bad(s, "year out of range 1970..2262");
	if (mo < 1 || mo > 12)
		return bad(s, "month out of range");
	if (d < 1 || d > month_days(y, mo))
		return bad(s, "day out of range");
	if (h > 23 || mi > 59)
		return bad(s, "time of day out of range");
	if (sec == 60)
		return bad(s, "leap seconds are not supported");
	if (sec > 59)
		return bad(s, "seconds out of range");
	days = days_from_civil(y, mo, d);
	/* Local time minus offset is UTC. */
	days = days * 86400 + h * 3600 + mi * 60 + sec - off;
	if (days < 0 || (uint64_t)days >= max_seconds())
		return bad(s, "out of range");
	t = (uint64_t)days * NS + frac;
	*out = t;
	return 0;
}

int bt_time_parse(uint64_t *out, const char *s)
{
	const char *p = s;
	uint64_t sec = 0, frac = 0;

	if (!*s)
		return bad(s, "empty");
	if (*p < '0' || *p > '9')
		return bad(s, "not RFC 3339 or epoch seconds");
	while (*p >= '0' && *p <= '9')
		p++;
	/* Four digits and '-' is a date. */
	if (*p == '-')
		return bt_time_parse_rfc3339(out, s);
	for (p = s; *p >= '0' && *p <= '9'; p++) {
		sec = sec * 10 + (uint64_t)(*p - '0');
		if (sec >= max_seconds())
			return bad(s, "out of range");
	}
	if (*p == '.') {
		p++;
		if (!fraction(&p, &frac))
			return bad(s, "expected digits after '.'");
	}
	if (*p)
		return bad(s, "not RFC 3339 or epoch seconds");
	*out = sec * NS + frac;
	return 0;
}

size_t bt_time_format(char *buf, size_t n, uint64_t ns)
{
	uint64_t secs = ns / NS, rem = secs % 86400;
	int64_t y;
	unsigned m, d;
	int r;

	civil_from_days((int64_t)(secs / 86400), &y, &m, &d);
	r = snprintf(buf, n, "%04lld-%02u-%02uT%02u:%02u:%02u.%09uZ",
		     (long long)y, m, d, (unsigned)(rem / 3600),
		     (unsigned)(rem / 60 % 60), (unsigned)(rem % 60),
		     (unsigned)(ns % NS));
	return r < 0 ? 0 : (size_t)r;
}

uint64_t bt_time_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}
