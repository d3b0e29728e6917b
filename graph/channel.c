/*
 * channel.c - the two ends of one connection in a log, matched (see
 * channel.h for the rule; man/btrack-log.5, Connections, for users).
 *
 * bt_conn_match() sorts the ends by (local port, remote port, first time),
 * so that the candidates for an end's peer, whose ports are its own
 * swapped, are one range found by binary search; at most MAX_SCAN of them,
 * the nearest in time, are tried.  The candidate pairs are then taken best
 * first (exact addresses, then overlapping or nearest times), each end at
 * most once.  bt_channels_new() feeds it a graph's labelled endpoints.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/hash.h"
#include "../core/log.h"
#include "../core/util.h"
#include "channel.h"

/* Candidates tried per end: the same port pair seen this many times in a
 * log is already pathological; the nearest in time are the ones kept. */
#define MAX_SCAN 64

/* ---- addresses --------------------------------------------------------- */

static int parse_port(uint16_t *out, const char *s, size_t len)
{
	uint32_t v = 0;
	size_t i;

	if (!len || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (!v || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int bt_sockaddr_parse(struct bt_sockaddr *out, const char *s, size_t len)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					    0xff, 0xff };
	static const uint8_t zero[16];
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *end;
	size_t hl;

	memset(out, 0, sizeof(*out));
	if (!s || !len)
		goto bad;
	if (s[0] == '[') {
		end = memchr(s, ']', len);
		if (!end || (size_t)(end - s) + 1 >= len || end[1] != ':')
			goto bad;
		hl = (size_t)(end - s) - 1;
		colon = end + 1;
		/* a zone ("%eth0") names the interface, not the address */
		{
			const char *pct = memchr(s + 1, '%', hl);

			if (pct)
				hl = (size_t)(pct - s) - 1;
		}
		if (!hl || hl >= sizeof(host))
			goto bad;
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		if (inet_pton(AF_INET6, host, out->addr) != 1)
			goto bad;
	} else {
		colon = memrchr(s, ':', len);
		if (!colon)
			goto bad;
		hl = (size_t)(colon - s);
		if (!hl || hl >= sizeof(host))
			goto bad;
		memcpy(host, s, hl);
		host[hl] = '\0';
		memcpy(out->addr, mapped, sizeof(mapped));
		if (inet_pton(AF_INET, host, out->addr + 12) != 1)
			goto bad;
	}
	if (parse_port(&out->port, colon + 1, len - (size_t)(colon - s) - 1))
		goto bad;
	out->any = !memcmp(out->addr, zero, 16) ||
		   (!memcmp(out->addr, mapped, 12) &&
		    !memcmp(out->addr + 12, zero, 4));
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	return bt_error_set(BT_EINVAL, "not an IP address and port: '%.*s'",
			    (int)(len > 80 ? 80 : len), s ? s : "");
}

int bt_sockaddr_parse_local(struct bt_sockaddr *out, const char *s,
			    size_t len)
{
	const char *hash;
	char buf[INET6_ADDRSTRLEN + 16];
	size_t pl;

	if (s && len && s[0] == '?') {
		memset(out, 0, sizeof(*out));
		out->any = true;
		return 0;
	}
	hash = s ? memchr(s, '#', len) : NULL;
	pl = hash ? (size_t)(hash - s) : len;
	/* "ADDR:0": the address alone (parsed with a stand-in port) */
	if (s && pl >= 3 && s[pl - 1] == '0' && s[pl - 2] == ':' &&
	    pl < sizeof(buf)) {
		memcpy(buf, s, pl);
		buf[pl - 1] = '1';
		if (bt_sockaddr_parse(out, buf, pl))
			return bt_error_set(BT_EINVAL, "not an IP address and "
					    "port: '%.*s'",
					    (int)(len > 80 ? 80 : len), s);
		out->port = 0;
		return 0;
	}
	if (hash)
		return bt_error_set(BT_EINVAL, "not an IP address and port: "
				    "'%.*s'", (int)(len > 80 ? 80 : len), s);
	return bt_sockaddr_parse(out, s, len);
}

bool bt_sockaddr_match(const struct bt_sockaddr *a,
		       const struct bt_sockaddr *b)
{
	return a->port == b->port &&
	       (a->any || b->any || !memcmp(a->addr, b->addr, 16));
}

/* ---- matching ---------------------------------------------------------- */

struct cand {
	unsigned foreign;       /* loopback across two hosts: last resort */
	unsigned wild;          /* addresses matched only through "any" */
	uint64_t gap;           /* ns between the spans, 0 if they overlap */
	uint64_t dstart;        /* ns between the first events */
	size_t a, b;            /* a < b */
};

static int cmp_cand(const void *x, const void *y)
{
	const struct cand *p = x, *q = y;

	if (p->foreign != q->foreign)
		return p->foreign < q->foreign ? -1 : 1;
	if (p->wild != q->wild)
		return p->wild < q->wild ? -1 : 1;
	if (p->gap != q->gap)
		return p->gap < q->gap ? -1 : 1;
	if (p->dstart != q->dstart)
		return p->dstart < q->dstart ? -1 : 1;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return p->b < q->b ? -1 : p->b > q->b;
}

static int cmp_end(const void *x, const void *y, void *arg)
{
	const struct bt_conn_end *e = arg;
	const struct bt_conn_end *p = &e[*(const size_t *)x];
	const struct bt_conn_end *q = &e[*(const size_t *)y];

	if (p->local.port != q->local.port)
		return p->local.port < q->local.port ? -1 : 1;
	if (p->remote.port != q->remote.port)
		return p->remote.port < q->remote.port ? -1 : 1;
	if (p->first != q->first)
		return p->first < q->first ? -1 : 1;
	return *(const size_t *)x < *(const size_t *)y ? -1 : 1;
}

static bool loopback(const struct bt_sockaddr *a)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					    0xff, 0xff };
	static const uint8_t one[16] = { [15] = 1 };

	return !memcmp(a->addr, one, 16) ||
	       (!memcmp(a->addr, mapped, 12) && a->addr[12] == 127);
}

/* Whether b may be a's other end; fills the pair's score. */
static bool can_pair(const struct bt_conn_end *a, const struct bt_conn_end *b,
		     uint64_t tol, struct cand *c)
{
	if (!bt_sockaddr_match(&a->local, &b->remote) ||
	    !bt_sockaddr_match(&a->remote, &b->local))
		return false;
	if (a->last < b->first)
		c->gap = b->first - a->last;
	else if (b->last < a->first)
		c->gap = a->first - b->last;
	else
		c->gap = 0;
	if (c->gap > tol)
		return false;
	c->foreign = a->host != b->host &&
		     (loopback(&a->local) || loopback(&a->remote) ||
		      loopback(&b->local) || loopback(&b->remote));
	if (c->foreign && c->gap > BT_CHANNEL_LOOPBACK_NS)
		return false;
	c->wild = (unsigned)(memcmp(a->local.addr, b->remote.addr, 16) != 0) +
		  (unsigned)(memcmp(a->remote.addr, b->local.addr, 16) != 0);
	c->dstart = a->first > b->first ? a->first - b->first :
		    b->first - a->first;
	return true;
}

/* ---- half-known ends (channel.h) -------------------------------------- */

static bool half(const struct bt_conn_end *e)
{
	return e->local.port == 0;
}

/* Whether the known end d may be the half-known end h's other end; *gap
 * the ns between their spans (0: they overlap). */
static bool can_pair_half(const struct bt_conn_end *h,
			  const struct bt_conn_end *d, uint64_t tol,
			  uint64_t *gap)
{
	if (!bt_sockaddr_match(&d->local, &h->remote) ||
	    loopback(&h->remote) != loopback(&d->remote))
		return false;
	if (!h->local.any && memcmp(h->local.addr, d->remote.addr, 16))
		return false;
	if (h->last < d->first)
		*gap = d->first - h->last;
	else if (d->last < h->first)
		*gap = h->first - d->last;
	else
		*gap = 0;
	if (*gap > tol)
		return false;
	if (h->host != d->host && loopback(&h->remote) &&
	    *gap > BT_CHANNEL_LOOPBACK_NS)
		return false;
	return true;
}

static int cmp_known(const void *x, const void *y, void *arg)
{
	const struct bt_conn_end *e = arg;
	const struct bt_conn_end *p = &e[*(const size_t *)x];
	const struct bt_conn_end *q = &e[*(const size_t *)y];

	if (p->local.port != q->local.port)
		return p->local.port < q->local.port ? -1 : 1;
	if (p->first != q->first)
		return p->first < q->first ? -1 : 1;
	return *(const size_t *)x < *(const size_t *)y ? -1 : 1;
}

/*
 * The second pass: half-known ends with the known ends left unpaired.
 * Per end, how many candidates overlap it (ov) and are near (nr), and the
 * last one seen of each: a pair is one whose two counts name each other
 * alone (channel.h).
 */
static int match_half(size_t *peer, bool *ambiguous,
		      const struct bt_conn_end *ends, size_t n, uint64_t tol)
{
	size_t *kx = NULL, nk = 0, i, *ovp = NULL, *nrp = NULL;
	uint32_t *ov = NULL, *nr = NULL;
	bool any = false;
	int ret = 0;

	for (i = 0; i < n && !any; i++)
		any = half(&ends[i]) && ends[i].remote.port;
	if (!any)
		return 0;
	kx = malloc(n * sizeof(*kx));
	ovp = malloc(n * sizeof(*ovp));
	nrp = malloc(n * sizeof(*nrp));
	ov = calloc(n, sizeof(*ov));
	nr = calloc(n, sizeof(*nr));
	if (!kx || !ovp || !nrp || !ov || !nr) {
		ret = bt_error_set(BT_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (!half(&ends[i]) && peer[i] == SIZE_MAX)
			kx[nk++] = i;
	qsort_r(kx, nk, sizeof(*kx), cmp_known, (void *)ends);
	for (i = 0; i < n; i++) {
		const struct bt_conn_end *h = &ends[i];
		uint64_t until = h->last > UINT64_MAX - tol ? UINT64_MAX :
				 h->last + tol;
		size_t lo = 0, hi = nk, k, scanned = 0;

		if (!half(h) || !h->remote.port)
			continue;
		/* known ends on port h.remote.port starting by `until` */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			const struct bt_conn_end *m = &ends[kx[mid]];

			if (m->local.port < h->remote.port ||
			    (m->local.port == h->remote.port &&
			     m->first <= until))
				lo = mid + 1;
			else
				hi = mid;
		}
		for (k = lo; k-- > 0 && scanned < MAX_SCAN;) {
			const struct bt_conn_end *d = &ends[kx[k]];
			uint64_t gap;

			if (d->local.port != h->remote.port)
				break;
			scanned++;
			if (!can_pair_half(h, d, tol, &gap))
				continue;
			if (!gap) {
				ov[i]++, ovp[i] = kx[k];
				ov[kx[k]]++, ovp[kx[k]] = i;
			}
			nr[i]++, nrp[i] = kx[k];
			nr[kx[k]]++, nrp[kx[k]] = i;
		}
	}
	for (i = 0; i < n; i++) {
		size_t d;

		if (!half(&ends[i]) || !nr[i])
			continue;
		if (ov[i] == 1 && ov[d = ovp[i]] == 1) {
			peer[i] = d;
			peer[d] = i;
		} else if (!ov[i] && nr[i] == 1 && !ov[d = nrp[i]] &&
			   nr[d] == 1) {
			peer[i] = d;
			peer[d] = i;
		} else if (ambiguous) {
			ambiguous[i] = true;
		}
	}
	/* a known end some half-known one could be, left alone: the same */
	for (i = 0; ambiguous && i < n; i++)
		if (!half(&ends[i]) && nr[i] && peer[i] == SIZE_MAX)
			ambiguous[i] = true;
out:
	free(kx);
	free(ovp);
	free(nrp);
	free(ov);
	free(nr);
	return ret;
}

int bt_conn_match(size_t *peer, const struct bt_conn_end *ends, size_t n,
		  uint64_t tolerance)
{
	return bt_conn_match_ex(peer, NULL, ends, n, tolerance);
}

int bt_conn_match_ex(size_t *peer, bool *ambiguous,
		     const struct bt_conn_end *ends, size_t n,
		     uint64_t tolerance)
{
	size_t *ix = NULL, i, nc = 0, cap = 0;
	struct cand *c = NULL;
	int ret = 0;

	for (i = 0; i < n; i++) {
		peer[i] = SIZE_MAX;
		if (ambiguous)
			ambiguous[i] = false;
	}
	if (n < 2)
		return 0;
	ix = malloc(n * sizeof(*ix));
	if (!ix)
		return bt_error_set(BT_ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		ix[i] = i;
	qsort_r(ix, n, sizeof(*ix), cmp_end, (void *)ends);
	for (i = 0; i < n; i++) {
		const struct bt_conn_end *a = &ends[i];
		uint64_t until = a->last > UINT64_MAX - tolerance ?
				 UINT64_MAX : a->last + tolerance;
		size_t lo = 0, hi = n, k, scanned = 0;

		if (half(a))
			continue;       /* the second pass */

		/* first index with ports (a.remote, a.local) and first
		 * time after `until`: candidates are below it */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			const struct bt_conn_end *m = &ends[ix[mid]];

			if (m->local.port < a->remote.port ||
			    (m->local.port == a->remote.port &&
			     (m->remote.port < a->local.port ||
			      (m->remote.port == a->local.port &&
			       m->first <= until))))
				lo = mid + 1;
			else
				hi = mid;
		}
		for (k = lo; k-- > 0 && scanned < MAX_SCAN;) {
			const struct bt_conn_end *b = &ends[ix[k]];
			struct cand x;

			if (b->local.port != a->remote.port ||
			    b->remote.port != a->local.port)
				break;
			if (ix[k] == i || half(b))
				continue;
			scanned++;
			if (!can_pair(a, b, tolerance, &x))
				continue;
			x.a = i < ix[k] ? i : ix[k];
			x.b = i < ix[k] ? ix[k] : i;
			if (nc + 1 > cap &&
			    (ret = bt_grow(&c, &cap, nc + 1, sizeof(*c))))
				goto out;
			c[nc++] = x;
		}
	}
	/* best pairs first; each end once (a pair found from both of its
	 * ends appears twice: the second finds both taken) */
	if (nc)
		qsort(c, nc, sizeof(*c), cmp_cand);
	for (i = 0; i < nc; i++) {
		if (peer[c[i].a] != SIZE_MAX || peer[c[i].b] != SIZE_MAX)
			continue;
		peer[c[i].a] = c[i].b;
		peer[c[i].b] = c[i].a;
	}
	ret = match_half(peer, ambiguous, ends, n, tolerance);
out:
	free(ix);
	free(c);
	return ret;
}

/* ---- a graph's channels ------------------------------------------------ */

struct bt_channels {
	struct bt_u64map peer;  /* endpoint id -> peer endpoint id */
	struct bt_u64map amb;   /* ambiguous endpoint id -> 1 */
	size_t pairs;
	size_t ambiguous;       /* half-known ends left unjoined */
	uint64_t slack;         /* bt_channel_slack() */
};

/* The slack a case database's note gives, from the records before the
 * first event (where its notes are), or 0. */
static uint64_t note_slack(const struct bt_graph *g)
{
	const struct bt_log *log = bt_graph_log(g);
	const size_t pl = sizeof(BT_CHANNEL_HOSTS_NOTE) - 1;
	const struct bt_rec_head *h;
	struct bt_log_iter it;
	uint64_t v = 0;

	if (!log || !bt_graph_lead_notes(g))
		return 0;
	bt_log_iter_init(&it, log);
	while (bt_log_next(&it, &h) == 1 && h->type != BT_REC_EVENT) {
		const struct bt_rec_note *n = (const void *)h;
		const char *t;
		size_t i;

		if (h->type != BT_REC_NOTE || n->key != BT_NOTE_TEXT ||
		    n->text.len <= pl ||
		    memcmp(bt_rec_str(&n->text), BT_CHANNEL_HOSTS_NOTE, pl))
			continue;
		t = bt_rec_str(&n->text);
		for (i = pl, v = 0; i < n->text.len && t[i] >= '0' &&
		     t[i] <= '9' && v <= BT_CHANNEL_TOLERANCE_NS; i++)
			v = v * 10 + (uint64_t)(t[i] - '0');
		/* a log could say anything: never more than the tolerance */
		if (v > BT_CHANNEL_TOLERANCE_NS)
			v = BT_CHANNEL_TOLERANCE_NS;
		break;
	}
	bt_log_iter_release(&it);
	return v;
}

struct local_ctx {
	const char *s;
	size_t len;
};

static void last_local(void *arg, const char *value, size_t len,
		       uint64_t time)
{
	struct local_ctx *c = arg;

	(void)time;
	c->s = value;
	c->len = len;
}

/* An endpoint's events' first and last times (in- and out-lists are each
 * sorted by time); false if it has none. */
static bool span(const struct bt_graph *g, uint32_t id, uint64_t *first,
		 uint64_t *last)
{
	const uint32_t *l;
	size_t n;
	bool any = false;
	int dir;

	for (dir = 0; dir < 2; dir++) {
		n = dir ? bt_graph_out(g, id, &l) : bt_graph_in(g, id, &l);
		if (!n)
			continue;
		struct bt_rec_event ea, eb;
		uint64_t a, b;

		bt_graph_event(g, l[0], &ea);
		bt_graph_event(g, l[n - 1], &eb);
		a = ea.time;
		b = eb.time;

		if (!any || a < *first)
			*first = a;
		if (!any || b > *last)
			*last = b;
		any = true;
	}
	return any;
}

int bt_channels_new(struct bt_channels **out, const struct bt_graph *g,
		    uint64_t tolerance)
{
	struct bt_channels *c;
	struct bt_conn_end *ends = NULL;
	size_t n = 0, cap = 0, i, *peer = NULL;
	bool *amb = NULL;
	uint32_t id, nobj = bt_graph_nobjects(g);
	int r = 0;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return bt_error_set(BT_ENOMEM, "out of memory");
	bt_u64map_init(&c->peer);
	bt_u64map_init(&c->amb);
	c->slack = note_slack(g);
	for (id = 1; id <= nobj; id++) {
		struct local_ctx lc = { NULL, 0 };
		struct bt_object_info in;
		struct bt_conn_end e;

		if (bt_graph_kind(g, id) != BT_OBJ_ENDPOINT)
			continue;
		bt_graph_labels(g, id, BT_LABEL_LOCAL, last_local, &lc);
		if (!lc.s || bt_graph_object(g, id, &in) || !in.path ||
		    bt_sockaddr_parse_local(&e.local, lc.s, lc.len) ||
		    bt_sockaddr_parse(&e.remote, in.path, strlen(in.path)) ||
		    !span(g, id, &e.first, &e.last))
			continue;
		e.id = id;
		e.host = 0;
		if (n + 1 > cap &&
		    (r = bt_grow(&ends, &cap, n + 1, sizeof(*ends))))
			goto fail;
		ends[n++] = e;
	}
	if (n) {
		peer = malloc(n * sizeof(*peer));
		amb = malloc(n * sizeof(*amb));
		if (!peer || !amb) {
			r = bt_error_set(BT_ENOMEM, "out of memory");
			goto fail;
		}
		if ((r = bt_conn_match_ex(peer, amb, ends, n, tolerance)))
			goto fail;
		for (i = 0; i < n; i++) {
			if (amb[i]) {
				c->ambiguous++;
				if ((r = bt_u64map_put(&c->amb, ends[i].id, 1)))
					goto fail;
			}
			if (peer[i] == SIZE_MAX)
				continue;
			if ((r = bt_u64map_put(&c->peer, ends[i].id,
					       ends[peer[i]].id)))
				goto fail;
			if (i < peer[i])
				c->pairs++;
		}
	}
	free(ends);
	free(peer);
	free(amb);
	*out = c;
	return 0;
fail:
	free(ends);
	free(peer);
	free(amb);
	bt_channels_free(c);
	return r;
}

void bt_channels_free(struct bt_channels *c)
{
	if (!c)
		return;
	bt_u64map_release(&c->peer);
	bt_u64map_release(&c->amb);
	free(c);
}

uint32_t bt_channel_peer(const struct bt_channels *c, uint32_t id)
{
	return c ? bt_u64map_get(&c->peer, id) : 0;
}

int bt_channel_peer_lazy(struct bt_channels **c, const struct bt_graph *g,
			 uint64_t tolerance, uint32_t id, uint32_t *out)
{
	struct local_ctx lc = { NULL, 0 };
	int r;

	*out = 0;
	if (!*c) {
		if (bt_graph_kind(g, id) != BT_OBJ_ENDPOINT)
			return 0;
		bt_graph_labels(g, id, BT_LABEL_LOCAL, last_local, &lc);
		if (!lc.s)
			return 0;
		if ((r = bt_channels_new(c, g, tolerance)))
			return r;
	}
	*out = bt_channel_peer(*c, id);
	return 0;
}

uint64_t bt_channel_slack(const struct bt_channels *c)
{
	return c ? c->slack : 0;
}

size_t bt_channels_count(const struct bt_channels *c)
{
	return c ? c->pairs : 0;
}

size_t bt_channels_ambiguous(const struct bt_channels *c)
{
	return c ? c->ambiguous : 0;
}

bool bt_channel_is_ambiguous(const struct bt_channels *c, uint32_t id)
{
	return c && bt_u64map_get(&c->amb, id);
}
