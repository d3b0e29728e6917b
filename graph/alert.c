/*
 * alert.c - IDS alerts (Falco JSON, generic JSON) as detection points; see
 * alert.h for the forms read.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "../core/error.h"
#include "../core/timefmt.h"
#include "../core/util.h"
#include "walk.h"

#define MAX_INPUT (256u << 20)  /* an alert file larger is refused */

/* A time field: an RFC 3339 string or integer ns. */
static int get_time(json_t *v, uint64_t *out)
{
	if (json_is_string(v))
		return bt_time_parse_rfc3339(out, json_string_value(v)) ? -1 : 0;
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	return -1;
}

static int bad(const char *name, uint64_t where, int lines, const char *why)
{
	return bt_error_set(BT_ECORRUPT, "%s:%s%" PRIu64 ": %s", name,
			    lines ? "" : "alert ", where, why);
}

/* Whether `s` is a plausible IP address (digits, hex, '.', ':'). */
static bool is_addr(const char *s)
{
	size_t n = strlen(s);

	return n && n < 64 && strspn(s, "0123456789abcdefABCDEF.:") == n;
}

/* Falco's port fields are integers, or strings in some outputs. */
static bool get_port(json_t *v, unsigned *out)
{
	const char *s;
	char *end;
	unsigned long p;

	if (json_is_integer(v)) {
		if (json_integer_value(v) <= 0 || json_integer_value(v) > 65535)
			return false;
		*out = (unsigned)json_integer_value(v);
		return true;
	}
	s = json_string_value(v);
	if (!s || !*s || strlen(s) > 5)
		return false;
	p = strtoul(s, &end, 10);
	if (*end || !p || p > 65535)
		return false;
	*out = (unsigned)p;
	return true;
}

/* "endpoint:IP:PORT" (IPv6 in brackets, as the importers write it). */
static bool set_endpoint(struct bt_alert *a, const char *ip, unsigned port)
{
	if (!is_addr(ip))
		return false;
	snprintf(a->spec, sizeof(a->spec), strchr(ip, ':') ?
		 "endpoint:[%s]:%u" : "endpoint:%s:%u", ip, port);
	return true;
}

/* A Falco network alert's remote end: fd.rip/fd.rport, else
 * fd.sip/fd.sport, else the part of fd.name after "->". */
static bool endpoint(struct bt_alert *a, json_t *f)
{
	static const char *const pairs[][2] = {
		{ "fd.rip", "fd.rport" }, { "fd.sip", "fd.sport" }
	};
	const char *s, *arrow;
	unsigned port;
	size_t i;

	for (i = 0; i < BT_ARRAY_SIZE(pairs); i++) {
		s = json_string_value(json_object_get(f, pairs[i][0]));
		if (s && get_port(json_object_get(f, pairs[i][1]), &port) &&
		    set_endpoint(a, s, port))
			return true;
	}
	s = json_string_value(json_object_get(f, "fd.name"));
	arrow = s ? strstr(s, "->") : NULL;
	if (arrow) {
		char ip[64];
		const char *colon = strrchr(arrow + 2, ':');
		size_t n;
		char *end;
		unsigned long p;

		if (!colon)
			return false;
		n = (size_t)(colon - (arrow + 2));
		if (n >= sizeof(ip))
			return false;
		memcpy(ip, arrow + 2, n);
		ip[n] = '\0';
		if (n >= 2 && ip[0] == '[' && ip[n - 1] == ']') {
			memmove(ip, ip + 1, n - 2);
			ip[n - 2] = '\0';
		}
		p = strtoul(colon + 1, &end, 10);
		if (*end || !p || p > 65535 || colon[1] < '0' || colon[1] > '9')
			return false;
		return set_endpoint(a, ip, (unsigned)p);
	}
	return false;
}

/* One alert object into *a. */
static int one(struct bt_alert *a, json_t *o, const char *name,
	       uint64_t where, int lines)
{
	json_t *f, *v;
	const char *s;
	char ts[BT_TIME_BUFSZ];

	memset(a, 0, sizeof(*a));
	a->time = BT_TIME_NONE;
	a->where = where;
	if (!json_is_object(o))
		return bad(name, where, lines, "an alert must be a JSON object");
	v = json_object_get(o, "time");
	if (v && get_time(v, &a->time))
		return bad(name, where, lines,
			   "'time' must be RFC 3339 or integer nanoseconds");
	if ((v = json_object_get(o, "rule")) && json_is_string(v))
		snprintf(a->rule, sizeof(a->rule), "%s", json_string_value(v));
	if ((v = json_object_get(o, "priority")) && json_is_string(v))
		snprintf(a->priority, sizeof(a->priority), "%s",
			 json_string_value(v));

	/* Generic form. */
	if ((v = json_object_get(o, "object"))) {
		s = json_string_value(v);
		if (!s || !*s || strlen(s) >= sizeof(a->spec))
			return bad(name, where, lines,
				   "'object' must be a detection point string");
		if (strchr(s, '\n'))
			return bad(name, where, lines,
				   "'object' has a newline");
		snprintf(a->spec, sizeof(a->spec), "%s", s);
		return 0;
	}

	/* Falco. */
	f = json_object_get(o, "output_fields");
	if (!json_is_object(f))
		return bad(name, where, lines,
			   "neither 'object' (generic) nor 'output_fields' "
			   "(Falco)");
	if (a->time == BT_TIME_NONE && (v = json_object_get(f, "evt.time")) &&
	    get_time(v, &a->time))
		return bad(name, where, lines, "bad 'evt.time'");
	s = json_string_value(json_object_get(f, "container.id"));
	if (s && strcspn(s, "\n\t") == strlen(s))
		snprintf(a->container, sizeof(a->container), "%s", s);
	s = json_string_value(json_object_get(f, "fd.name"));
	if (s && s[0] == '/' && !strchr(s, '\n')) {
		if (strlen(s) + 5 >= sizeof(a->spec))
			return bad(name, where, lines, "'fd.name' too long");
		snprintf(a->spec, sizeof(a->spec), "file:%s", s);
		return 0;
	}
	v = json_object_get(f, "proc.pid");
	if (json_is_integer(v) && json_integer_value(v) > 0 &&
	    json_integer_value(v) <= UINT32_MAX) {
		if (a->time != BT_TIME_NONE) {
			bt_time_format(ts, sizeof(ts), a->time);
			snprintf(a->spec, sizeof(a->spec), "proc:%" JSON_INTEGER_FORMAT "@%s",
				 json_integer_value(v), ts);
		} else {
			snprintf(a->spec, sizeof(a->spec), "proc:%" JSON_INTEGER_FORMAT,
				 json_integer_value(v));
		}
		return 0;
	}
	if (endpoint(a, f))
		return 0;
	return bad(name, where, lines,
		   "a Falco alert needs 'fd.name' (a path), 'proc.pid' or "
		   "a remote address (fd.rip and fd.rport)");
}

int bt_alert_parse(struct bt_alert *a, const char *buf, size_t len,
		   const char *name, uint64_t where)
{
	json_error_t jerr;
	json_t *o;
	int r;

	memset(a, 0, sizeof(*a));
	a->time = BT_TIME_NONE;
	a->where = where;
	o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o)
		return bt_error_set(BT_ECORRUPT, "%s:%" PRIu64 ": %s", name,
				    where, jerr.text);
	r = one(a, o, name, where, 1);
	json_decref(o);
	return r;
}

static int push(struct bt_alert **arr, size_t *n, size_t *cap)
{
	return *n + 1 > *cap ? bt_grow(arr, cap, *n + 1, sizeof(**arr)) : 0;
}

int bt_alert_read(struct bt_alert **out, size_t *n, FILE *in,
		  const char *name)
{
	struct bt_alert *arr = NULL;
	size_t cap = 0, cnt = 0, len = 0, bufcap = 0, i;
	char *buf = NULL;
	json_t *doc;
	json_error_t jerr;
	int r = 0;

	*out = NULL;
	*n = 0;
	/* Read it all (bounded): a whole-document parse first, else lines. */
	for (;;) {
		size_t got;

		if (len + 65536 + 1 > bufcap &&
		    (r = bt_grow(&buf, &bufcap, len + 65536 + 1, 1)))
			goto out;
		got = fread(buf + len, 1, bufcap - len - 1, in);
		len += got;
		if (len > MAX_INPUT) {
			r = bt_error_set(BT_EINVAL, "'%s' is larger than %u MiB",
					 name, MAX_INPUT >> 20);
			goto out;
		}
		if (!got)
			break;
	}
	if (ferror(in)) {
		r = bt_error_set_os(BT_EIO, "cannot read '%s'", name);
		goto out;
	}
	buf[len] = '\0';
	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (doc && json_is_array(doc)) {
		for (i = 0; i < json_array_size(doc) && !r; i++) {
			r = push(&arr, &cnt, &cap);
			if (!r)
				r = one(&arr[cnt], json_array_get(doc, i), name,
					i + 1, 0);
			if (!r)
				cnt++;
		}
		json_decref(doc);
	} else if (doc) {
		r = push(&arr, &cnt, &cap);
		if (!r)
			r = one(&arr[cnt], doc, name, 1, 1);
		if (!r)
			cnt++;
		json_decref(doc);
	} else {
		/* JSON Lines. */
		char *p = buf, *end = buf + len;
		uint64_t line = 0;

		while (p < end && !r) {
			char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
			size_t k;

			line++;
			for (k = 0; k < l && strchr(" \t\r", p[k]); k++)
				;
			if (k < l) {
				json_t *o = json_loadb(p, l, 0, &jerr);

				if (!o) {
					r = bt_error_set(BT_ECORRUPT,
						"%s:%" PRIu64 ": %s", name, line,
						jerr.text);
					break;
				}
				r = push(&arr, &cnt, &cap);
				if (!r)
					r = one(&arr[cnt], o, name, line, 1);
				if (!r)
					cnt++;
				json_decref(o);
			}
			p += l + 1;
		}
	}
	if (!r && !cnt)
		r = bt_error_set(BT_EINVAL, "no alert in '%s'", name);
out:
	free(buf);
	if (r) {
		free(arr);
		return r;
	}
	*out = arr;
	*n = cnt;
	return 0;
}
