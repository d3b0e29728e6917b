/*
 * drops.c - the drops notes of a log, summed (see drops.h; the notes'
 * writers are cli/cmd-capture.c, capture/recorder.c and
 * capture/ebpfrec.c).  It never prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drops.h"
#include "error.h"
#include "log.h"

static bool name_ok(const char *s, size_t n)
{
	size_t i;

	if (!n || n >= BT_DROPS_NAME)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '.'))
			return false;
	return true;
}

/* Not a count of lost records: a breakdown of the counts before it
 * ("op.read"), a count of processes ("io_uring_processes"), of repairs
 * ("page_ring_header_repaired") or a count the traced program claims,
 * unverified ("page_ring_full_claimed").  `btrack log info` shows them. */
static bool not_records(const char *s, size_t n)
{
	static const char *const sfx[] = { "_processes", "_repaired",
					   "_claimed" };
	size_t i, l;

	if (memchr(s, '.', n))
		return true;
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		l = strlen(sfx[i]);
		if (n >= l && !memcmp(s + n - l, sfx[i], l))
			return true;
	}
	return false;
}

static void add_cause(struct bt_drops *d, const char *s, size_t n,
		      uint64_t v)
{
	uint32_t i;

	for (i = 0; i < d->ncauses; i++)
		if (strlen(d->cause[i].name) == n &&
		    !memcmp(d->cause[i].name, s, n))
			break;
	if (i == d->ncauses) {
		if (i == BT_DROPS_CAUSES) {
			d->other += v;
			return;
		}
		memcpy(d->cause[i].name, s, n);
		d->cause[i].name[n] = '\0';
		d->cause[i].count = 0;
		d->ncauses++;
	}
	d->cause[i].count += v;
}

uint64_t bt_drops_add_text(struct bt_drops *d, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	uint64_t sum = 0;

	while (p < end) {
		const char *w, *eq = NULL, *q;
		uint64_t v = 0;
		bool ok;

		while (p < end && *p == ' ')
			p++;
		if (p == end)
			break;
		for (w = p; p < end && *p != ' '; p++)
			if (*p == '=' && !eq)
				eq = p;
		ok = eq && eq + 1 < p && name_ok(w, (size_t)(eq - w));
		for (q = ok ? eq + 1 : p; ok && q < p; q++) {
			if (*q < '0' || *q > '9' ||
			    v > (UINT64_MAX - (uint64_t)(*q - '0')) / 10)
				ok = false;
			else
				v = v * 10 + (uint64_t)(*q - '0');
		}
		if (!ok) {
			d->unreadable++;
			continue;
		}
		if (!v || not_records(w, (size_t)(eq - w)))
			continue;
		if (sum + v < sum || d->total + sum + v < d->total) {
			d->unreadable++;
			continue;
		}
		add_cause(d, w, (size_t)(eq - w), v);
		sum += v;
	}
	d->total += sum;
	return sum;
}

void bt_drops_scan_init(struct bt_drops_scan *s)
{
	memset(s, 0, sizeof(*s));
}

void bt_drops_scan_rec(struct bt_drops_scan *s, const void *rec)
{
	const struct bt_rec_head *h = rec;
	const struct bt_rec_note *n = rec;
	struct bt_drops *out = &s->d;

	if (h->type != BT_REC_NOTE)
		return;
	if (n->key == BT_NOTE_SOURCE) {
		s->start = n->time;
		return;
	}
	if (n->key != BT_NOTE_DROPS ||
	    !bt_drops_add_text(out, bt_rec_str(&n->text), n->text.len))
		return;
	out->notes++;
	if (!s->start || s->start > n->time)
		s->start_unknown = true;
	else if (!out->since || s->start < out->since)
		out->since = s->start;
	if (n->time > out->until)
		out->until = n->time;
}

void bt_drops_scan_end(const struct bt_drops_scan *s, struct bt_drops *out)
{
	*out = s->d;
	if (s->start_unknown)
		out->since = 0;
}

int bt_drops_scan_blocks(struct bt_drops_scan *s, const struct bt_log *log,
			 uint32_t from, uint32_t to)
{
	size_t cap = bt_log_block_decoded_max(log), len, pos;
	const struct bt_rec_head *h;
	uint8_t *buf;
	uint32_t b;
	int r = 0;

	if (bt_log_version(log) < 2 || from > to || to > bt_log_blocks(log))
		return bt_error_set(BT_EINVAL, "no blocks [%u, %u) to read "
				    "drops notes from", from, to);
	if (from == to)
		return 0;
	if (!(buf = malloc(cap)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	for (b = from; b < to; b++) {
		if ((r = bt_log_block_decode(log, b, buf, cap, &len, NULL)))
			break;
		for (pos = 0; (h = bt_log_block_rec(buf, len, &pos));)
			bt_drops_scan_rec(s, h);
	}
	free(buf);
	return r;
}

bool bt_drops_scan_valid(const struct bt_drops_scan *s)
{
	uint32_t i;

	if (s->d.ncauses > BT_DROPS_CAUSES)
		return false;
	for (i = 0; i < s->d.ncauses; i++) {
		const char *nm = s->d.cause[i].name;
		size_t n = strnlen(nm, BT_DROPS_NAME);

		if (n == BT_DROPS_NAME || !name_ok(nm, n))
			return false;
	}
	return true;
}

int bt_drops_read(struct bt_drops *out, const struct bt_log *log)
{
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	struct bt_drops_scan s;
	int r;

	bt_drops_scan_init(&s);
	bt_log_iter_init(&it, log);
	while ((r = bt_log_next(&it, &h)) == 1)
		bt_drops_scan_rec(&s, h);
	bt_log_iter_release(&it);
	bt_drops_scan_end(&s, out);
	return r;
}

bool bt_drops_meets(const struct bt_drops *d, uint64_t t0, uint64_t t1)
{
	if (!d->total)
		return false;
	/* a drops note dated 0 (hand-made): when is unknown */
	if (!d->until)
		return true;
	return d->until >= t0 && d->since <= t1;
}

const char *bt_drops_causes(const struct bt_drops *d, char *buf, size_t n)
{
	size_t k = 0;
	uint32_t i;
	int w;

	if (!n)
		return buf;
	buf[0] = '\0';
	for (i = 0; i <= d->ncauses && k < n; i++) {
		if (i < d->ncauses)
			w = snprintf(buf + k, n - k, "%s%s=%llu", k ? " " : "",
				     d->cause[i].name,
				     (unsigned long long)d->cause[i].count);
		else if (d->other)
			w = snprintf(buf + k, n - k, "%sother=%llu",
				     k ? " " : "",
				     (unsigned long long)d->other);
		else
			break;
		if (w < 0)
			break;
		k += (size_t)w;
	}
	return buf;
}
