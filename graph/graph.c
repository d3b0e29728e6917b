/*
 * graph.c - load a log into compact per-object indexes (see graph.h).
 *
 * Version 2 logs (blocks, core/log.h) load in two passes over ranges of
 * blocks, on up to two threads (bt_graph_set_threads()):
 *  1. each thread decodes its blocks (bt_log_block_events(): events in
 *     compact form, checksums and every record checked) and counts, per
 *     object, the events it causes and the events that affect it, notes
 *     each object's kind, and copies object and label records into an
 *     arena of its own;
 *  2. with the counts merged into prefix sums, each thread decodes its
 *     blocks again, now checking the kinds of objects of earlier blocks
 *     too (the kind table is complete), and fills its part of every list
 *     (an index build: in passes of bounded memory, see load_v2()).
 * Events are then referred to by their number in the log (u32): a walk
 * reads an event by decoding its block through a small cache of decoded
 * blocks (bt_graph_event()).  Object and label records are copies in the
 * graph's arena, so nothing borrows the decoded log.
 *
 * Version 1 logs keep the single-threaded loader over the mapping:
 * bt_log_next() validates, a raw walk fills; refs are record offsets / 8.
 *
 * Then, for both, from the object records alone: each file's pages and
 * regions, labels linked per object, PATH labels by path; and if the log
 * was not in time order, the lists that are not get sorted by (time, log
 * order) (a list of a time-ordered log is in order by construction).
 *
 * Per event the graph keeps two u32 references and (version 2) beside
 * each its op and other end: 16 bytes (version 1: 8).  Per object
 * about 30 bytes plus its record.  Arrays are allocated from counts (the
 * version 1 per-object ones grow geometrically), never per event.
 *
 * A graph may also come from an index beside the log (index.c): then the
 * same arrays point into the index's mapping, checked as they are used.
 *
 * Lookups: find_file binary-searches the PATH labels by hash;
 * find_process, find_filename and find_endpoint scan the object table
 * (linear in objects, once per query); find_page binary-searches the
 * file's page list.
 *
 * It does not walk (walk.c) and does not print.  Format: core/record.h and
 * man/btrack-log.5.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../core/drops.h"
#include "../core/error.h"
#include "graph.h"
#include "graph-int.h"
#include "../core/hash.h"
#include "../core/log.h"
#include "../core/util.h"

/* The page monitor btrack record preloads (capture/pagemon.c): a file by
 * this name that nothing in the log wrote is the recorder's, never a cause
 * of what the traced programs did. */
#define RECORDER_LIB "libbtrack-pages.so"

/* The hash of a PATH label's bytes (low half of bt_hash_bytes()). */
static uint32_t path_hash(const char *s, size_t n)
{
	return (uint32_t)bt_hash_bytes(s, n);
}

/* Pass 2 prefetches the counters of the event this many bytes ahead. */
#define PREFETCH_AHEAD (32 * sizeof(struct bt_rec_event))

#define MAX_LOG_BYTES (UINT64_C(1) << 35)   /* u32 refs of offset / 8 */

/* Below this many events a version 2 log loads on one thread: starting
 * a second costs more than it saves. */
#define PARALLEL_MIN_EVENTS 200000

/* Decoded blocks kept for bt_graph_event(): a walk reads the events of a
 * few objects at a time, each list in log order, but the times of its
 * edges' first and last events are spread over the whole log: with 8
 * blocks a walk of 200 objects on a 2 M-event log decoded a hundred
 * blocks or more (0.2 ms each), the same ones again and again, and so
 * did the next walk (`btrack watch` answers alert after alert on one
 * graph).  An entry keeps only the block's events (24 bytes each, not
 * the decoder's whole output buffer); EVC_WAYS entries a set, a block in
 * the set its number picks; at most EVC_BUDGET bytes of events (beyond
 * it a fill reuses an entry of the set that has its array). */
#define EVC_WAYS 8
#define EVC_N (64 * EVC_WAYS)
#define EVC_BUDGET ((size_t)32 << 20)

static unsigned load_threads;  /* 0: the default (up to 2) */

void bt_graph_set_threads(unsigned n)
{
	load_threads = n;
}

static unsigned threads_wanted(void)
{
	long c;

	if (load_threads)
		return load_threads > 2 ? 2 : load_threads;
	c = sysconf(_SC_NPROCESSORS_ONLN);
	return c >= 2 ? 2 : 1;
}

/* ---- the block layer ----------------------------------------------------
 * The reader's block table and block decoder (core/log.h). */

static uint32_t blk_count(const struct bt_log *log)
{
	return bt_log_blocks(log);
}

static int blk_info(const struct bt_log *log, uint32_t i,
		    struct bt_log_blockinfo *out)
{
	return bt_log_block_info(log, i, out);
}

static int blk_decode(const struct bt_log *log, uint32_t i, void *buf,
		      size_t cap, size_t *len, const uint8_t *kinds)
{
	return bt_log_block_decode(log, i, buf, cap, len, kinds);
}

static size_t blk_max(const struct bt_log *log)
{
	return bt_log_block_decoded_max(log);
}

/* ---- the event cache ---------------------------------------------------- */

struct evc_ent {
	bool valid;
	uint32_t block;
	uint32_t first, n;     /* events [first, first + n) */
	struct bt_rec_event *ev;   /* [n] the block's events */
	size_t ev_cap;
};

struct evcache {
	struct evc_ent e[EVC_N];
	unsigned last;         /* the entry hit last */
	size_t bufsz;          /* of buf */
	uint8_t *buf;          /* the decoder's output, for cache_fill() */
	size_t held;           /* bytes of the entries' event arrays */
	uint8_t next_way[EVC_N / EVC_WAYS];  /* each set's next to replace */
	int err;               /* first failure (bt_graph_status()) */
	char msg[512];
};

void bt_graph_fail(const struct bt_graph *g, int code, const char *msg)
{
	if (!g->cache || g->cache->err)
		return;
	g->cache->err = code;
	snprintf(g->cache->msg, sizeof(g->cache->msg), "%s", msg);
}

int bt_graph_status(const struct bt_graph *g)
{
	if (!g || !g->cache || !g->cache->err)
		return 0;
	return bt_error_set(g->cache->err, "%s", g->cache->msg);
}

int bt_graph_cache_init(struct bt_graph *g)
{
	if (!g->cache && !(g->cache = calloc(1, sizeof(*g->cache))))
		return bt_error_set(BT_ENOMEM, "out of memory");
	if (g->version >= 2 && g->log)
		g->cache->bufsz = blk_max(g->log);
	return 0;
}

void bt_graph_cache_reset(struct bt_graph *g, uint32_t from)
{
	struct evcache *c = g->cache;
	size_t want;
	unsigned i;

	if (!c)
		return;
	want = g->version >= 2 && g->log ? blk_max(g->log) : c->bufsz;
	/* The blocks before `from` are sealed: a refresh of a live log
	 * (`btrack watch`, a block or more a second) keeps what the walks
	 * of its alerts decoded. */
	for (i = 0; i < EVC_N; i++)
		if (c->e[i].block >= from)
			c->e[i].valid = false;
	if (want != c->bufsz) {
		free(c->buf);
		c->buf = NULL;
	}
	c->bufsz = want;
}

static void cache_free(struct evcache *c)
{
	unsigned i;

	if (!c)
		return;
	for (i = 0; i < EVC_N; i++)
		free(c->e[i].ev);
	free(c->buf);
	free(c);
}

/* Bytes the cache holds now (its buffers come with the first events
 * read). */
static size_t cache_memory(const struct evcache *c)
{
	size_t m = 0;
	unsigned i;

	if (!c)
		return 0;
	for (i = 0; i < EVC_N; i++)
		m += c->e[i].ev_cap * sizeof(*c->e[i].ev);
	return sizeof(*c) + (c->buf ? c->bufsz : 0) + m;
}

/* The block table (blocks, bfirst) of a graph mapped from an index is
 * read where a question needs it, each entry's chunk checked the first
 * time (bt_index_check()), as the other sections are: not checked whole
 * at the index's open (10 MB at a billion events).  A failure reads as 0
 * and is kept for bt_graph_status(). */
/* Whether a read of section s needs the index's check: mapped and not
 * copied to the heap by an extension. */
static inline bool mapped(const struct bt_graph *g, enum gsec s)
{
	return g->idx && !(g->own & (1u << s));
}

static inline uint32_t bfirst_at(const struct bt_graph *g, uint32_t i)
{
	if (mapped(g, GS_BFIRST) &&
	    !idx_ok(g, GS_BFIRST, (uint64_t)i * 4, 4))
		return 0;
	return g->bfirst[i];
}

/* Entry i (< nblocks) of the block table: its base time. */
static inline uint64_t base_time_at(const struct bt_graph *g, uint32_t i)
{
	if (mapped(g, GS_BLOCKS) &&
	    !idx_ok(g, GS_BLOCKS, (uint64_t)i * sizeof(*g->blocks),
		    sizeof(*g->blocks)))
		return 0;
	return g->blocks[i].base_time;
}

/* The block holding event `ref` (< nev): the last with bfirst <= ref (an
 * empty block shares its bfirst with the next one). */
static uint32_t block_of(const struct bt_graph *g, uint32_t ref)
{
	uint32_t lo = 0, hi = g->nblocks;

	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (bfirst_at(g, mid) <= ref)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Decode block b and copy its events into cache entry x. */
static int cache_fill(const struct bt_graph *g, struct evc_ent *x,
		      uint32_t b)
{
	struct evcache *c = g->cache;
	size_t len = 0, pos, need;
	uint32_t k = 0, want, first;
	uint32_t lo = b ? b - 1 : 0, hi = b + 2 < g->nblocks ? b + 2 :
					  g->nblocks;
	struct bt_log_blockinfo bi;
	int r;

	x->valid = false;
	/* The entries of the block table the log reads to decode block b
	 * (b's, and its neighbours' offsets and counts), and b's first event
	 * in both tables: what the index's open no longer checks whole. */
	if ((mapped(g, GS_BFIRST) &&
	     (r = bt_index_check(g, GS_BFIRST, (uint64_t)b * 4, 8))) ||
	    (mapped(g, GS_BLOCKS) &&
	     (r = bt_index_check(g, GS_BLOCKS, (uint64_t)lo * sizeof(*g->blocks),
				 (uint64_t)(hi - lo) * sizeof(*g->blocks)))))
		return r;
	first = g->bfirst[b];
	want = g->bfirst[b + 1] - first;
	if ((r = blk_info(g->log, b, &bi)))
		return r;
	if (g->bfirst[b + 1] < first || bi.first_event != first ||
	    bi.nevents != want || want > bi.used)
		return bt_error_set(BT_ECORRUPT, "block %u of the log does not "
				    "match the graph's table of blocks (events "
				    "%u from %u; %u from %llu)", b, want, first,
				    bi.nevents,
				    (unsigned long long)bi.first_event);
	/* a block of one large record needs more than most */
	need = bt_log_block_need(g->log, b);
	if (need > c->bufsz) {
		free(c->buf);
		c->buf = NULL;
		c->bufsz = need;
	}
	if (!c->buf && !(c->buf = malloc(c->bufsz)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	if (want > x->ev_cap) {
		size_t old = x->ev_cap;

		if ((r = bt_grow(&x->ev, &x->ev_cap, want, sizeof(*x->ev))))
			return r;
		c->held += (x->ev_cap - old) * sizeof(*x->ev);
	}
	if ((r = blk_decode(g->log, b, c->buf, c->bufsz, &len, g->kind)))
		return r;
	for (pos = 0; pos + 8 <= len;) {
		const struct bt_rec_head *h = (const void *)(c->buf + pos);
		size_t l = h->type == BT_REC_EVENT ?
			   sizeof(struct bt_rec_event) : h->len;

		if (l < 8 || l > len - pos)
			break;
		if (h->type == BT_REC_EVENT) {
			if (k == want)
				break;
			memcpy(&x->ev[k++], h, sizeof(*x->ev));
		}
		pos += l;
	}
	if (k != want || pos != len)
		return bt_error_set(BT_ECORRUPT,
			"block %u of the log changed since it was loaded or "
			"indexed (%u events, %u expected)", b, k, want);
	x->block = b;
	x->first = first;
	x->n = want;
	x->valid = true;
	return 0;
}

static const struct evc_ent *cache_get(const struct bt_graph *g,
				       uint32_t ref)
{
	struct evcache *c = g->cache;
	struct evc_ent *x = &c->e[c->last];
	uint32_t b, set;
	unsigned i, base;
	int r;

	if (x->valid && ref - x->first < x->n)
		return x;
	b = block_of(g, ref);
	set = b % (EVC_N / EVC_WAYS);
	base = set * EVC_WAYS;
	for (i = base; i < base + EVC_WAYS; i++) {
		x = &c->e[i];
		if (x->valid && x->block == b) {
			c->last = i;
			return x;
		}
	}
	i = base + c->next_way[set];
	if (!c->e[i].ev && c->held >= EVC_BUDGET) {
		unsigned k;

		for (k = base; k < base + EVC_WAYS; k++)
			if (c->e[k].ev) {
				i = k;
				break;
			}
	}
	c->next_way[set] = (uint8_t)((i - base + 1) % EVC_WAYS);
	x = &c->e[i];
	if ((r = cache_fill(g, x, b))) {
		bt_graph_fail(g, r, bt_error_msg());
		return NULL;
	}
	if (ref - x->first >= x->n) {
		/* a block table whose starts are not in order */
		bt_graph_fail(g, BT_ECORRUPT, "the graph's table of blocks "
			      "is out of order");
		return NULL;
	}
	c->last = i;
	return x;
}

bool bt_graph_event(const struct bt_graph *g, uint32_t ref,
		    struct bt_rec_event *out)
{
	const struct evc_ent *x;

	if (ref >= g->nev && g->version >= 2)
		goto bad;
	if (g->version < 2) {
		if ((uint64_t)ref * 8 + sizeof(*out) > g->data_len)
			goto bad;
		memcpy(out, g->data + (size_t)ref * 8, sizeof(*out));
		if (out->type != BT_REC_EVENT)
			goto bad;
		return true;
	}
	if (!(x = cache_get(g, ref)))
		goto fail;
	*out = x->ev[ref - x->first];
	return true;
bad:
	bt_graph_fail(g, BT_ECORRUPT, "an event reference out of range");
fail:
	memset(out, 0, sizeof(*out));
	return false;
}

/* The time of event `ref` (0 when it cannot be read: the failure is kept
 * for bt_graph_status()). */
static uint64_t ev_time(const struct bt_graph *g, uint32_t ref)
{
	struct bt_rec_event e;

	bt_graph_event(g, ref, &e);
	return e.time;
}

static inline const void *rec_at(const struct bt_graph *g, uint32_t off)
{
	return g->data + (size_t)off * 8;
}

/* ---- building ----------------------------------------------------------- */

/* bt_grow() for the loader's large growing arrays, huge pages advised
 * (bt_advise_huge()). */
static int big_grow(void *ptr, size_t *cap, size_t need, size_t size)
{
	size_t old = *cap;
	int r = bt_grow(ptr, cap, need, size);

	if (!r && *cap != old)
		bt_advise_huge(*(void **)ptr, *cap * size);
	return r;
}

/* Give every per-object array `ncap` slots; new slots are zeroed.  Used to
 * grow geometrically during a version 1 pass 1 and to fit exactly. */
static int resize_objs(struct bt_graph *g, size_t ncap)
{
	void *p;

	/* The first size: calloc, which leaves fresh pages untouched (the
	 * passes fault them in, on both threads). */
#define RESIZE(field) do { \
		p = g->cap ? realloc(g->field, ncap * sizeof(*g->field)) : \
			     calloc(ncap, sizeof(*g->field)); \
		if (!p) \
			return bt_error_set(BT_ENOMEM, "out of memory"); \
		g->field = p; \
		bt_advise_huge(p, ncap * sizeof(*g->field)); \
		if (g->cap && ncap > g->cap) \
			memset(g->field + g->cap, 0, \
			       (ncap - g->cap) * sizeof(*g->field)); \
	} while (0)
	RESIZE(kind);
	RESIZE(oflags);
	RESIZE(off);
	RESIZE(in_idx);
	RESIZE(out_idx);
	RESIZE(pg_idx);
	RESIZE(rg_idx);
	RESIZE(path_head);
	RESIZE(attr_head);
#undef RESIZE
	g->cap = ncap;
	return 0;
}

/* Make room for index `need` in every per-object array. */
static int grow_objs(struct bt_graph *g, size_t need)
{
	size_t ncap = g->cap ? g->cap : 1024;

	if (need < g->cap)
		return 0;
	while (ncap <= need) {
		if (ncap > SIZE_MAX / 16)
			return bt_error_set(BT_ENOMEM, "too many objects");
		ncap *= 2;
	}
	return resize_objs(g, ncap);
}

/* Counts in idx[0..n] -> exclusive starts; returns the total. */
static uint64_t prefix(uint32_t *idx, uint32_t n)
{
	uint64_t s = 0;
	uint32_t i, t;

	for (i = 0; i <= n + 1; i++) {
		t = idx[i];
		idx[i] = (uint32_t)s;
		s += t;
	}
	return s;
}

/* After filling with idx[id]++, idx[id] is the end of id: shift back. */
static void unshift(uint32_t *idx, uint32_t n)
{
	uint32_t i;

	for (i = n + 1; i > 0; i--)
		idx[i] = idx[i - 1];
	idx[0] = 0;
}

static uint64_t page_index(const struct bt_graph *g, uint32_t page)
{
	const struct bt_rec_page *p = rec_at(g, g->off[page]);

	return p->index;
}

static int cmp_page_index(const void *a, const void *b, void *arg)
{
	const struct bt_graph *g = arg;
	uint32_t pa = *(const uint32_t *)a, pb = *(const uint32_t *)b;
	uint64_t ia = page_index(g, pa), ib = page_index(g, pb);

	if (ia != ib)
		return ia < ib ? -1 : 1;
	return pa < pb ? -1 : pa > pb;
}

/* (time, ref, end) of a list being sorted. */
struct tref {
	uint64_t t;
	uint32_t ref;
	uint32_t side;
};

static int cmp_tref(const void *a, const void *b)
{
	const struct tref *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->ref < y->ref ? -1 : x->ref > y->ref;
}

/* Sort one list by (time, log order) if it is not in time order.  The
 * times are read once, in log order (refs of a list are increasing before
 * the sort), into tmp. */
static int sort_list(struct bt_graph *g, uint32_t *l, uint32_t *side,
		     size_t n, struct tref **tmp, size_t *cap)
{
	size_t i;
	bool sorted = true;
	int r;

	if (n < 2)
		return 0;
	if (n > *cap && (r = bt_grow(tmp, cap, n, sizeof(**tmp))))
		return r;
	for (i = 0; i < n; i++) {
		(*tmp)[i].t = ev_time(g, l[i]);
		(*tmp)[i].ref = l[i];
		(*tmp)[i].side = side ? side[i] : 0;
		if (i && (*tmp)[i].t < (*tmp)[i - 1].t)
			sorted = false;
	}
	if (sorted)
		return 0;
	qsort(*tmp, n, sizeof(**tmp), cmp_tref);
	for (i = 0; i < n; i++) {
		l[i] = (*tmp)[i].ref;
		if (side)
			side[i] = (*tmp)[i].side;
	}
	return 0;
}

/*
 * Sort the lists that are out of time order (only when the log as a whole
 * is not in time order: else every list already is).
 */
static int sort_lists(struct bt_graph *g)
{
	struct tref *tmp = NULL;
	size_t cap = 0;
	uint32_t id;
	int r = 0;

	if (!g->unsorted)
		return 0;
	for (id = 1; id <= g->n && !r; id++) {
		r = sort_list(g, g->in_refs + g->in_idx[id],
			      g->in_side ? g->in_side + g->in_idx[id] : NULL,
			      g->in_idx[id + 1] - g->in_idx[id], &tmp, &cap);
		if (!r)
			r = sort_list(g, g->out_refs + g->out_idx[id],
				      g->out_side ?
				      g->out_side + g->out_idx[id] : NULL,
				      g->out_idx[id + 1] - g->out_idx[id],
				      &tmp, &cap);
	}
	free(tmp);
	if (!r && g->cache && g->cache->err)
		r = bt_graph_status(g);
	return r;
}

/* Each file's pages sorted by index (they usually are, in id order). */
static void sort_pages(struct bt_graph *g)
{
	uint32_t id, i, a, b;
	uint64_t prev;
	bool sorted;

	for (id = 1; id <= g->n; id++) {
		a = g->pg_idx[id], b = g->pg_idx[id + 1];
		if (b - a < 2)
			continue;
		sorted = true;
		prev = page_index(g, g->pg[a]);
		for (i = a + 1; i < b && sorted; i++) {
			uint64_t x = page_index(g, g->pg[i]);

			sorted = x >= prev;
			prev = x;
		}
		if (!sorted)
			qsort_r(g->pg + a, b - a, sizeof(uint32_t),
				cmp_page_index, g);
	}
}

static int cmp_by_path(const void *a, const void *b, void *arg)
{
	const struct bt_graph *g = arg;
	const struct lab *x = &g->labs[*(const uint32_t *)a];
	const struct lab *y = &g->labs[*(const uint32_t *)b];
	const struct bt_rec_label *lx, *ly;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	lx = rec_at(g, x->rec);
	ly = rec_at(g, y->rec);
	if (lx->time != ly->time)
		return lx->time < ly->time ? -1 : 1;
	return x->rec < y->rec ? -1 : x->rec > y->rec;
}

static const char *base_of(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* Per label while loading (add_lab(), objects_finish()). */
#define LK_PATH   0x1   /* a PATH label */
#define LK_RECLIB 0x2   /* a PATH label whose base name is RECORDER_LIB */

/* A label record worth keeping (the reader checked it; keep the old
 * loader's guard). */
static bool label_ok(const struct bt_rec_label *l, uint32_t n)
{
	return l->object && l->object <= n && l->key &&
	       l->key <= BT_LABEL_MAX;
}

/*
 * Note a label of a load: its record at offset `off` (of the arena or the
 * mapping), and what objects_finish() needs so that it never reads the
 * records again (they are scattered over the arena): the object, kept in
 * `next` until objects_finish() links the label, the path's hash, and
 * LK_* in lk[] (grown with labs, to the same capacity).
 */
static int add_lab(struct lab **labs, uint8_t **lk, size_t *nlabs,
		   size_t *cap, uint64_t off, const struct bt_rec_label *l)
{
	struct lab *x;
	uint8_t f = 0;
	size_t c = *cap;
	void *p;
	int r;

	if (off / 8 > UINT32_MAX)
		return bt_error_set(BT_ELIMIT,
			"too many object and label records for the index");
	if (*nlabs + 1 > c) {
		if ((r = big_grow(labs, &c, *nlabs + 1, sizeof(**labs))))
			return r;
		if (!(p = realloc(*lk, c)))
			return bt_error_set(BT_ENOMEM, "out of memory");
		*lk = p;
		*cap = c;
	}
	x = &(*labs)[*nlabs];
	x->rec = (uint32_t)(off / 8);
	x->next = l->object;
	x->hash = 0;
	if (l->key == BT_LABEL_PATH) {
		f = LK_PATH;
		x->hash = path_hash(l->value.s, l->value.len);
		if (!strcmp(base_of(bt_rec_str(&l->value)), RECORDER_LIB))
			f |= LK_RECLIB;
	}
	(*lk)[*nlabs] = f;
	(*nlabs)++;
	return 0;
}

/*
 * From the object and label records alone (kind[], off[] and labs[] in log
 * order): each file's pages and regions, labels linked per object (oldest
 * first), PATH labels by path, the recorder's library, and the files with
 * page events and regions page events went through (pass 2 marked the
 * regions; a page has events iff its lists are not empty).
 */
static int objects_finish(struct bt_graph *g)
{
	uint32_t id, i, k, n = g->n;
	uint64_t npg = 0, nrg = 0;

	for (id = 1; id <= n; id++) {
		if (g->kind[id] == BT_OBJ_PAGE ||
		    g->kind[id] == BT_OBJ_REGION) {
			/* Both have the file id after their id. */
			const uint32_t *p = rec_at(g, g->off[id]);
			uint32_t f = p[3];

			if (f == 0 || f >= id || g->kind[f] != BT_OBJ_FILE)
				return bt_error_set(BT_ECORRUPT,
					"bad file id %u of object %u", f, id);
			if (g->kind[id] == BT_OBJ_PAGE) {
				g->pg_idx[f]++;
				npg++;
			} else {
				g->rg_idx[f]++;
				nrg++;
			}
		} else if (g->kind[id] != BT_OBJ_REGION) {
			g->oflags[id] &= (uint8_t)~OF_RG_PAGES;
		}
	}
	if (npg > UINT32_MAX || nrg > UINT32_MAX)
		return bt_error_set(BT_ELIMIT, "log too large for the index");
	g->npg = (uint32_t)npg;
	g->nrg = (uint32_t)nrg;
	g->pg = malloc((npg ? npg : 1) * sizeof(uint32_t));
	g->rg = malloc((nrg ? nrg : 1) * sizeof(uint32_t));
	if (!g->pg || !g->rg)
		return bt_error_set(BT_ENOMEM, "out of memory");
	prefix(g->pg_idx, n);
	prefix(g->rg_idx, n);
	for (id = 1; id <= n; id++) {
		if (g->kind[id] == BT_OBJ_PAGE) {
			const struct bt_rec_page *p = rec_at(g, g->off[id]);

			g->pg[g->pg_idx[p->file]++] = id;
			if (g->in_idx[id] != g->in_idx[id + 1] ||
			    g->out_idx[id] != g->out_idx[id + 1])
				g->oflags[p->file] |= OF_HAS_PAGES;
		} else if (g->kind[id] == BT_OBJ_REGION) {
			const struct bt_rec_region *rg = rec_at(g, g->off[id]);

			g->rg[g->rg_idx[rg->file]++] = id;
		}
	}
	unshift(g->pg_idx, n);
	unshift(g->rg_idx, n);
	sort_pages(g);

	/* Labels: prepend from the newest, so each list is oldest first
	 * (add_lab() left the object in `next`, and the hash). */
	for (k = 0, i = g->nlabs; i > 0; i--) {
		struct lab *x = &g->labs[i - 1];
		uint32_t obj = x->next, *head;

		if (g->lk[i - 1] & LK_PATH) {
			head = &g->path_head[obj];
			k++;
			if (g->lk[i - 1] & LK_RECLIB &&
			    g->kind[obj] == BT_OBJ_FILE &&
			    g->in_idx[obj] == g->in_idx[obj + 1])
				g->oflags[obj] |= OF_RECORDER;
		} else {
			head = &g->attr_head[obj];
		}
		x->next = *head;
		*head = i;
	}
	g->by_path = bt_alloc_huge((k ? k : 1) * sizeof(*g->by_path));
	if (!g->by_path)
		return bt_error_set(BT_ENOMEM, "out of memory");
	for (i = 0, k = 0; i < g->nlabs; i++)
		if (g->lk[i] & LK_PATH)
			g->by_path[k++] = i;
	g->npaths = k;
	qsort_r(g->by_path, k, sizeof(*g->by_path), cmp_by_path, g);
	return 0;
}

static int changed(uint64_t off)
{
	return bt_error_set(BT_ECORRUPT,
		"log changed while loading (record at offset %llu)",
		(unsigned long long)off);
}

/* ---- version 1: over the mapping ---------------------------------------- */

/* Pass 1: validate, note objects, count. */
static int v1_pass1(struct bt_graph *g, bt_progress_fn progress, void *arg)
{
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	uint64_t total = g->data_len, step, next;
	uint64_t last = 0;
	size_t nlabs = 0, labs_cap = 0;
	int r;

	step = total / 100 ? total / 100 : 1;
	next = step;
	bt_log_iter_init(&it, g->log);
	while ((r = bt_log_next(&it, &h)) == 1) {
		uint64_t off = (uint64_t)((const uint8_t *)h - g->data);

		if (h->type == BT_REC_EVENT) {
			const struct bt_rec_event *e = (const void *)h;

			/* The hot path: two counters; time order is checked
			 * for the whole log (then every list is in order). */
			g->nev++;
			g->in_idx[e->effect]++;
			g->out_idx[e->cause]++;
			if (e->time < last)
				g->unsorted = true;
			last = e->time;
		} else if (h->type == BT_REC_LABEL) {
			if (label_ok((const void *)h, it.nobjects) &&
			    (r = add_lab(&g->labs, &g->lk, &nlabs, &labs_cap,
					 off, (const void *)h)))
				break;
		} else if (bt_rec_is_object(h->type)) {
			/* An object record: ids are sequential (checked by
			 * the reader), the id follows the head. */
			uint32_t id = ((const uint32_t *)h)[2];

			if (id != it.nobjects || id == 0) {
				r = bt_error_set(BT_ECORRUPT,
					"object id %u out of sequence at offset %llu",
					id, (unsigned long long)off);
				break;
			}
			if ((size_t)id + 2 > g->cap &&
			    (r = grow_objs(g, (size_t)id + 2)))
				break;
			g->n = id;
			g->kind[id] = (uint8_t)h->type;
			g->off[id] = (uint32_t)(off / 8);
		}
		if (progress && it.off >= next) {
			progress(arg, it.off / 2, total);
			next = it.off + step;
		}
	}
	g->data_len = it.off;
	bt_log_iter_release(&it);
	if (r < 0)
		return r;
	g->nlabs = (uint32_t)nlabs;
	g->labs_cap = (uint32_t)labs_cap;
	if (g->nev > UINT32_MAX || nlabs > UINT32_MAX - 1)
		return bt_error_set(BT_ELIMIT, "log too large for the index");
	/* Fit: ids 0..n and the end of the last list at n + 1. */
	return resize_objs(g, (size_t)g->n + 2);
}

/*
 * Pass 2 scatters every event into two lists: the misses on the counters
 * and list slots dominate.  Prefetch the counters of the event
 * PREFETCH_AHEAD bytes ahead and the slots of the one half as far.  The
 * bytes there are a guess (they may not be an event): ids are checked
 * against n, and a prefetch never faults.
 */
static inline void prefetch_fill(const struct bt_graph *g, uint64_t off)
{
	const struct bt_rec_event *a;
	uint32_t n = g->n;

	if (off + PREFETCH_AHEAD + sizeof(*a) <= g->data_len) {
		a = (const void *)(g->data + off + PREFETCH_AHEAD);
		if (a->effect <= n && a->cause <= n) {
			__builtin_prefetch(g->in_idx + a->effect, 1);
			__builtin_prefetch(g->out_idx + a->cause, 1);
		}
	}
	if (off + PREFETCH_AHEAD / 2 + sizeof(*a) <= g->data_len) {
		a = (const void *)(g->data + off + PREFETCH_AHEAD / 2);
		if (a->effect <= n && a->cause <= n) {
			__builtin_prefetch(g->in_refs + g->in_idx[a->effect], 1);
			__builtin_prefetch(g->out_refs + g->out_idx[a->cause],
					   1);
		}
	}
}

/* Mark the region a page event went through (its aux; kinds are checked
 * in objects_finish()).  Atomic: two loader threads may mark one byte. */
static inline void mark_region(struct bt_graph *g,
			       const struct bt_rec_event *e)
{
	if ((e->op == BT_OP_PAGE_READ || e->op == BT_OP_PAGE_WRITE) &&
	    e->aux && e->aux <= g->n &&
	    !(__atomic_load_n(&g->oflags[e->aux], __ATOMIC_RELAXED) &
	      OF_RG_PAGES))
		__atomic_fetch_or(&g->oflags[e->aux], OF_RG_PAGES,
				  __ATOMIC_RELAXED);
}

/* Pass 2: the records are valid; fill the lists.  Progress: pass 1 is
 * reported as the first half of the bytes, pass 2 as the second. */
static int v1_pass2(struct bt_graph *g, bt_progress_fn progress, void *arg)
{
	uint64_t off = bt_log_header(g->log)->header_size, len;
	uint64_t total = g->data_len;
	uint64_t step = total / 100 ? total / 100 : 1, next = step;
	uint32_t n = g->n;

	if (prefix(g->in_idx, n) != g->nev || prefix(g->out_idx, n) != g->nev)
		return bt_error_set(BT_ECORRUPT, "event count mismatch");
	g->in_refs = malloc((g->nev ? g->nev : 1) * sizeof(uint32_t));
	g->out_refs = malloc((g->nev ? g->nev : 1) * sizeof(uint32_t));
	if (!g->in_refs || !g->out_refs)
		return bt_error_set(BT_ENOMEM, "out of memory");

	for (; off < g->data_len; off += len) {
		const struct bt_rec_head *h = (const void *)(g->data + off);
		uint32_t ref = (uint32_t)(off / 8);

		if (progress && off >= next) {
			progress(arg, total / 2 + off / 2, total);
			next = off + step;
		}
		if (h->type == BT_REC_EVENT) {
			const struct bt_rec_event *e = (const void *)h;

			prefetch_fill(g, off);
			len = sizeof(*e);
			/* Pass 1 validated these bytes; they change only if
			 * someone rewrites the file under us.  Stay in bounds
			 * then. */
			if (e->effect > n || e->cause > n ||
			    g->in_idx[e->effect] >= g->nev ||
			    g->out_idx[e->cause] >= g->nev)
				return changed(off);
			g->in_refs[g->in_idx[e->effect]++] = ref;
			g->out_refs[g->out_idx[e->cause]++] = ref;
			mark_region(g, e);
			continue;
		}
		len = h->len;
		if (len < 8 || len % 8)
			return changed(off);
	}
	unshift(g->in_idx, n);
	unshift(g->out_idx, n);
	return 0;
}

static int load_v1(struct bt_graph *g, bt_progress_fn progress, void *arg)
{
	int r;

	g->data = bt_log_data(g->log);
	/* the end of the records, already within the file */
	g->data_len = bt_log_committed(g->log);
	if (g->data_len > MAX_LOG_BYTES)
		return bt_error_set(BT_ELIMIT,
			"log of %llu bytes is too large for the index (at most 32 GiB of records)",
			(unsigned long long)g->data_len);
	if ((r = grow_objs(g, 2)) || (r = v1_pass1(g, progress, arg)) ||
	    (r = v1_pass2(g, progress, arg)))
		return r;
	return 0;
}

/* ---- version 2: blocks, on up to two threads ----------------------------- */

/*
 * Two passes over the blocks, on up to two threads that split them:
 *  1. each thread decodes its blocks (bt_log_block_events(): the events
 *     in compact form, into a block's worth of scratch arrays), counts per
 *     object the events that affect it and that it causes (each thread
 *     apart), notes each object's kind and copies object and label records
 *     into an arena of its own;
 *  2. the counts give each list's start, and each thread's cursor in it
 *     (the second thread's after the first's part); then each pass decodes
 *     every block again, now with the complete kind table (the decoder
 *     checks the kinds of other blocks' objects too), and stores the
 *     entries of a range of objects per direction at the cursors.  The
 *     full load does it in one pass into the graph's lists.  An index
 *     build (a sink) cannot hold 16 bytes an event of a billion events:
 *     its passes take ranges of objects whose lists fit the sink's budget
 *     and hand them to the sink, in order, to write.
 * Decoding twice costs less than keeping the events between the passes:
 * 8-9 bytes an event of fresh memory, which costs more to fault in than a
 * decode (measured on a virtual machine where it costs ~6 s per GB).
 * Each list is in log order, whatever the threads and passes; a log not
 * in time order has its lists sorted (sort_lists(), or sort_pass() per
 * pass of a build).
 */

/* A region named in aux (bt_log_events), with its block. */
struct auxent {
	uint32_t aux, block;
	uint8_t op;
};

/* One pass of an index build: objects [lo, hi) of each direction (0 in,
 * 1 out; lo == hi: none), whose lists are entries [base, base + len),
 * held in refs and side (side may be NULL). */
struct lpass {
	uint32_t lo[2], hi[2];
	uint64_t base[2], len[2];
	uint32_t *refs[2], *side[2];
};

/* The objects a block's events name (a build skips a block in a pass
 * whose ranges it does not meet). */
struct brange {
	uint32_t cmin, cmax, emin, emax;
};

struct worker {
	struct bt_graph *g;
	uint32_t b0, b1;        /* blocks [b0, b1) */
	int pass;               /* 1: decode and count; 2: a list pass */
	uint8_t *buf;
	size_t bufsz;
	uint32_t *inc, *outc;   /* pass 1: counts; pass 2: cursors */
	uint32_t *sc_cause, *sc_effect, *sc_aux;  /* [maxbev] */
	uint8_t *sc_op, *sc_auxop;
	/* Kept from pass 1 for pass 2, or NULL (then pass 2 decodes each
	 * block again): every event's cause, effect and op, by event
	 * number (load_v2(), keep_events()). */
	uint32_t *kc, *ke;
	uint8_t *ko;
	struct auxent *aux;
	size_t naux, aux_cap;
	const struct lpass *lp; /* pass 2 */
	struct brange *br;      /* [nblocks] (a build), or NULL */
	uint8_t *arena;         /* pass 1: object and label records */
	size_t alen, acap;
	struct lab *labs;
	uint8_t *lk;            /* [labs_cap] LK_* (add_lab()) */
	size_t nlabs, labs_cap;
	uint64_t nev;
	bool unsorted;
	bt_progress_fn progress;  /* worker 0 only */
	void *arg;
	uint32_t *done;         /* blocks done by both workers (atomic) */
	uint32_t total;         /* blocks of all passes */
	uint64_t pct;           /* progress reported, percent */
	int err;
	char msg[512];
};

static int wfail(struct worker *w, int r)
{
	if (!w->err) {
		w->err = r;
		snprintf(w->msg, sizeof(w->msg), "%s", bt_error_msg());
	}
	return r;
}

/*
 * A worker's arena of object and label records is an anonymous mapping of
 * its own, not malloc's: growing it moves pages (mremap) instead of
 * copying them, and merge_objects() moves the second worker's pages
 * behind the first's instead of copying them into fresh memory (on a
 * virtual machine that copy's page faults cost more than the rest of the
 * merge).  The graph keeps the first's mapping as g->arena (g->arena_map
 * bytes).
 */
static int amap_grow(uint8_t **p, size_t *cap, size_t need)
{
	size_t pg = bt_page_size(), ncap = *cap ? *cap : 64 * 1024;
	void *q;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return bt_error_set(BT_ENOMEM, "out of memory");
		ncap *= 2;
	}
	ncap = (ncap + pg - 1) & ~(pg - 1);
	if (*p)
		q = mremap(*p, *cap, ncap, MREMAP_MAYMOVE);
	else
		q = mmap(NULL, ncap, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q == MAP_FAILED)
		return bt_error_set(BT_ENOMEM, "out of memory");
	/* (huge pages only once large: else a small graph's first record
	 * would take 2 MiB) */
	bt_advise_huge(q, ncap);
	*p = q;
	*cap = ncap;
	return 0;
}

static void amap_free(uint8_t *p, size_t cap)
{
	if (p)
		munmap(p, cap);
}

/* Copy a record into the worker's arena (8-byte aligned lengths). */
static int arena_add(struct worker *w, const void *rec, size_t len,
		     uint64_t *off)
{
	int r;

	if (w->alen + len > w->acap &&
	    (r = amap_grow(&w->arena, &w->acap, w->alen + len)))
		return r;
	memcpy(w->arena + w->alen, rec, len);
	*off = w->alen;
	w->alen += len;
	return 0;
}

/* Decode block b into the worker's event arrays (the table's slice, or
 * the scratch arrays); `kinds` as bt_log_block_decode(). */
static int block_events(struct worker *w, uint32_t b, const uint8_t *kinds,
			struct bt_log_events *ev, size_t *len)
{
	struct bt_graph *g = w->g;
	uint32_t first = g->bfirst[b], want = g->bfirst[b + 1] - first;
	int r;

	memset(ev, 0, sizeof(*ev));
	ev->cause = w->kc ? w->kc + first : w->sc_cause;
	ev->effect = w->ke ? w->ke + first : w->sc_effect;
	ev->op = w->ko ? w->ko + first : w->sc_op;
	ev->aux = w->sc_aux;
	ev->auxop = w->sc_auxop;
	ev->cap = want;
	if ((r = bt_log_block_events(g->log, b, w->buf, w->bufsz, len, kinds,
				     ev)))
		return r;
	if (ev->n != want)
		return bt_error_set(BT_ECORRUPT,
			"block %u: %u events, its header says %u", b, ev->n,
			want);
	return 0;
}

static int pass1_block(struct worker *w, uint32_t b)
{
	struct bt_graph *g = w->g;
	struct bt_log_events ev;
	const uint8_t *p;
	uint32_t n = g->n, k, *inc = w->inc, *outc = w->outc;
	size_t len, pos, l;
	uint64_t off;
	int r;

	if ((r = block_events(w, b, NULL, &ev, &len)))
		return r;
	for (k = 0; k < ev.n; k++) {
		inc[ev.effect[k]]++;
		outc[ev.cause[k]]++;
	}
	if (w->br) {
		struct brange x = { UINT32_MAX, 0, UINT32_MAX, 0 };

		for (k = 0; k < ev.n; k++) {
			uint32_t c = ev.cause[k], f = ev.effect[k];

			x.cmin = c < x.cmin ? c : x.cmin;
			x.cmax = c > x.cmax ? c : x.cmax;
			x.emin = f < x.emin ? f : x.emin;
			x.emax = f > x.emax ? f : x.emax;
		}
		if (!ev.n) {
			/* decoded in every pass: its other records are
			 * checked against the complete kind table too */
			x.cmin = x.emin = 0;
			x.cmax = x.emax = UINT32_MAX;
		}
		w->br[b] = x;
	}
	w->nev += ev.n;
	if (ev.unsorted)
		w->unsorted = true;
	if (ev.naux) {
		if (w->naux + ev.naux > w->aux_cap &&
		    (r = bt_grow(&w->aux, &w->aux_cap, w->naux + ev.naux,
				 sizeof(*w->aux))))
			return r;
		for (k = 0; k < ev.naux; k++) {
			w->aux[w->naux].aux = ev.aux[k];
			w->aux[w->naux].op = ev.auxop[k];
			w->aux[w->naux++].block = b;
		}
	}
	p = w->buf;
	for (pos = 0; pos + 8 <= len; pos += l) {
		const struct bt_rec_head *h = (const void *)(p + pos);

		l = h->len;
		if (l < 8 || l % 8 || l > len - pos)
			return changed(pos);
		if (h->type == BT_REC_LABEL) {
			if (!label_ok((const void *)h, n))
				continue;
			if ((r = arena_add(w, h, l, &off)) ||
			    (r = add_lab(&w->labs, &w->lk, &w->nlabs,
					 &w->labs_cap, off, (const void *)h)))
				return r;
		} else if (bt_rec_is_object(h->type)) {
			uint32_t id = ((const uint32_t *)h)[2];

			if (id == 0 || id > n || g->kind[id])
				return changed(pos);
			if ((r = arena_add(w, h, l, &off)))
				return r;
			if (off / 8 > UINT32_MAX)
				return bt_error_set(BT_ELIMIT,
					"too many object records for the index");
			g->kind[id] = (uint8_t)h->type;
			g->off[id] = (uint32_t)(off / 8);
		}
	}
	if (pos != len)
		return changed(pos);
	return 0;
}

/* Whether objects [min, max] meet [lo, lo + span). */
static inline bool ev0_any(uint32_t min, uint32_t max, uint32_t lo,
			   uint32_t span)
{
	return span && min <= max && max >= lo &&
	       (uint64_t)min < (uint64_t)lo + span;
}

/* An index build's list pass over block b: the entries of this pass's
 * ranges, at the worker's cursors.  The kind table is complete: the
 * decoder checks everything. */
static int block_error(struct bt_graph *g, uint32_t b, const char *what);

static int pass2_block(struct worker *w, uint32_t b)
{
	struct bt_graph *g = w->g;
	const struct lpass *lp = w->lp;
	struct bt_log_events ev;
	uint32_t k, ev0 = g->bfirst[b], *inc = w->inc, *outc = w->outc;
	uint32_t ilo = lp->lo[0], ispan = lp->hi[0] - lp->lo[0];
	uint32_t olo = lp->lo[1], ospan = lp->hi[1] - lp->lo[1];
	size_t len;
	int r;

	/* No event of this block in this pass's ranges (it was decoded,
	 * and checked with the complete table, in the pass that had them):
	 * skip it.  Every block has events in some pass or none at all. */
	if (w->br && (!ev0_any(w->br[b].emin, w->br[b].emax, ilo, ispan) &&
		      !ev0_any(w->br[b].cmin, w->br[b].cmax, olo, ospan)))
		return 0;
	if (w->kc) {
		/* Kept from pass 1, which checked all but the kinds of the
		 * objects other blocks define: those now, and the decoder
		 * says what is wrong if one does not fit. */
		const uint8_t *kind = g->kind;

		memset(&ev, 0, sizeof(ev));
		ev.n = g->bfirst[b + 1] - ev0;
		ev.cause = w->kc + ev0;
		ev.effect = w->ke + ev0;
		ev.op = w->ko + ev0;
		for (k = 0; k < ev.n; k++)
			if (__builtin_expect(!bt_op_kinds_ok(ev.op[k],
						kind[ev.cause[k]],
						kind[ev.effect[k]]), 0))
				return block_error(g, b, "an event joins "
						   "objects of kinds its op "
						   "cannot join");
	} else if ((r = block_events(w, b, g->kind, &ev, &len))) {
		return r;
	}
	for (k = 0; k < ev.n; k++) {
		uint32_t c = ev.cause[k], f = ev.effect[k], pos;

		if (f - ilo < ispan) {
			pos = (uint32_t)(inc[f]++ - lp->base[0]);
			if (pos >= lp->len[0])
				return changed(0);
			lp->refs[0][pos] = ev0 + k;
			if (lp->side[0])
				lp->side[0][pos] = (uint32_t)ev.op[k] <<
						   BT_END_OBJ_BITS | c;
		}
		if (c - olo < ospan) {
			pos = (uint32_t)(outc[c]++ - lp->base[1]);
			if (pos >= lp->len[1])
				return changed(0);
			lp->refs[1][pos] = ev0 + k;
			if (lp->side[1])
				lp->side[1][pos] = (uint32_t)ev.op[k] <<
						   BT_END_OBJ_BITS | f;
		}
	}
	return 0;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	uint32_t b, done;
	int r;

	for (b = w->b0; b < w->b1; b++) {
		bt_log_read_ahead(w->g->log, w->b0, b);
		r = w->pass == 1 ? pass1_block(w, b) : pass2_block(w, b);
		if (r) {
			wfail(w, r);
			break;
		}
		done = __atomic_add_fetch(w->done, 1, __ATOMIC_RELAXED);
		/* about a hundred calls in all, from worker 0 */
		if (w->progress && (uint64_t)done * 100 / w->total != w->pct) {
			w->pct = (uint64_t)done * 100 / w->total;
			w->progress(w->arg, done, w->total);
		}
	}
	return NULL;
}

/* Run fn on each of args[0..n) (n <= 2), the first on this thread. */
static void run2(void *(*fn)(void *), void *a0, void *a1)
{
	pthread_t t;
	bool started = false;

	if (a1 && pthread_create(&t, NULL, fn, a1) == 0)
		started = true;
	fn(a0);
	if (a1) {
		if (started)
			pthread_join(t, NULL);
		else
			fn(a1);  /* no thread: do its share here */
	}
}

/* Run pass `pass` over the workers' ranges, worker 0 on this thread. */
static int run_pass(struct worker *ws, unsigned nw, int pass)
{
	unsigned i;

	for (i = 0; i < nw; i++)
		ws[i].pass = pass;
	run2(work, &ws[0], nw > 1 ? &ws[1] : NULL);
	for (i = 0; i < nw; i++)
		if (ws[i].err)
			return bt_error_set(ws[i].err, "%s", ws[i].msg);
	return 0;
}

/* The block table, and the objects and events it promises. */
static int read_blocks(struct bt_graph *g)
{
	uint32_t i, nb = blk_count(g->log);
	uint64_t nobj = 0, nev = 0;
	int r;

	g->nblocks = nb;
	g->blocks = calloc(nb ? nb : 1, sizeof(*g->blocks));
	g->bfirst = calloc((size_t)nb + 1, sizeof(*g->bfirst));
	if (!g->blocks || !g->bfirst)
		return bt_error_set(BT_ENOMEM, "out of memory");
	for (i = 0; i < nb; i++) {
		struct bt_log_blockinfo *x = &g->blocks[i];

		if ((r = blk_info(g->log, i, x)))
			return r;
		if (x->first_event != nev || x->first_object != nobj)
			return bt_error_set(BT_ECORRUPT,
				"block %u does not follow the one before it",
				i);
		g->bfirst[i] = (uint32_t)nev;
		nev += x->nevents;
		nobj += x->nobjects;
		if (nev >= UINT32_MAX || nobj >= UINT32_MAX - 2)
			return bt_error_set(BT_ELIMIT,
				"log too large for the index (at most 4 G events and objects)");
	}
	g->bfirst[nb] = (uint32_t)nev;
	g->nev = nev;
	g->n = (uint32_t)nobj;
	return 0;
}

/* The error a block's decoder gives with the complete kind table (what
 * a deferred check found), or a plain one if it finds none. */
static int block_error(struct bt_graph *g, uint32_t b, const char *what)
{
	uint8_t *buf = malloc(g->cache->bufsz);
	size_t len;
	int r;

	if (!buf)
		return bt_error_set(BT_ENOMEM, "out of memory");
	r = blk_decode(g->log, b, buf, g->cache->bufsz, &len, g->kind);
	free(buf);
	if (r)
		return r;
	return bt_error_set(BT_ECORRUPT, "block %u of the log: %s", b, what);
}

/* The regions named in aux: each must be one (the decoder could not tell
 * for another block's object); a page event marks its region. */
static int check_aux(struct bt_graph *g, const struct worker *w)
{
	size_t i;

	for (i = 0; i < w->naux; i++) {
		const struct auxent *a = &w->aux[i];

		if (a->aux > g->n || g->kind[a->aux] != BT_OBJ_REGION)
			return block_error(g, a->block,
					   "an aux that is not a region");
		if (a->op == BT_OP_PAGE_READ || a->op == BT_OP_PAGE_WRITE)
			g->oflags[a->aux] |= OF_RG_PAGES;
	}
	return 0;
}

/* Merge the workers' objects, labels and flags into g (after pass 1). */
static int merge_objects(struct bt_graph *g, struct worker *ws, unsigned nw,
			 uint32_t split, bool move)
{
	uint32_t id, n = g->n, i;
	uint64_t s, base, total;
	size_t pg = bt_page_size();
	int r;

	/* Every object was defined (the decoder checks the ids follow each
	 * other; pass 1 that each is defined once). */
	for (id = 1; id <= n; id++)
		if (!g->kind[id])
			return bt_error_set(BT_ECORRUPT,
				"object %u is never defined", id);
	g->unsorted = ws[0].unsorted || (nw == 2 && ws[1].unsorted);
	/* A graph for questions: the second worker's records go on the
	 * next page boundary after the first's (zeros between, which nothing
	 * refers to), where its pages can be moved.  An index build copies
	 * them, so that its file is the same byte for byte whatever the
	 * threads. */
	move = move && nw == 2 && ws[1].alen;
	base = move ? (ws[0].alen + pg - 1) & ~(uint64_t)(pg - 1) :
		      ws[0].alen;
	s = base + (nw == 2 ? ws[1].alen : 0);
	if (s / 8 > UINT32_MAX)
		return bt_error_set(BT_ELIMIT,
			"too many object records for the index");
	if (nw == 2 && ws[1].alen) {
		uint32_t first = g->blocks[split].first_object + 1;
		size_t moved = (ws[1].alen + pg - 1) & ~(pg - 1);

		if ((r = amap_grow(&ws[0].arena, &ws[0].acap,
				   base + (move ? moved : ws[1].alen))))
			return r;
		if (move && mremap(ws[1].arena, moved, moved,
			   MREMAP_MAYMOVE | MREMAP_FIXED,
			   ws[0].arena + base) != MAP_FAILED) {
			/* what stays of its mapping: the unused end */
			if (ws[1].acap > moved)
				munmap(ws[1].arena + moved,
				       ws[1].acap - moved);
			ws[1].arena = NULL;
			ws[1].acap = 0;
		} else {
			memcpy(ws[0].arena + base, ws[1].arena, ws[1].alen);
		}
		for (id = first; id <= n; id++)
			g->off[id] += (uint32_t)(base / 8);
		for (i = 0; i < ws[1].nlabs; i++)
			ws[1].labs[i].rec += (uint32_t)(base / 8);
	}
	g->arena = ws[0].arena;
	g->arena_map = ws[0].acap;
	ws[0].arena = NULL;
	ws[0].acap = 0;
	g->data = g->arena;
	g->data_len = s;
	total = ws[0].nlabs + (nw == 2 ? ws[1].nlabs : 0);
	if (total > UINT32_MAX - 1)
		return bt_error_set(BT_ELIMIT, "log too large for the index");
	if (nw == 2 && ws[1].nlabs) {
		void *p;

		if (total > ws[0].labs_cap) {
			if ((r = big_grow(&ws[0].labs, &ws[0].labs_cap, total,
					  sizeof(*ws[0].labs))))
				return r;
			if (!(p = realloc(ws[0].lk, ws[0].labs_cap)))
				return bt_error_set(BT_ENOMEM,
						    "out of memory");
			ws[0].lk = p;
		}
		memcpy(ws[0].labs + ws[0].nlabs, ws[1].labs,
		       ws[1].nlabs * sizeof(*ws[1].labs));
		memcpy(ws[0].lk + ws[0].nlabs, ws[1].lk, ws[1].nlabs);
	}
	g->labs = ws[0].labs;
	ws[0].labs = NULL;
	g->lk = ws[0].lk;
	ws[0].lk = NULL;
	g->nlabs = (uint32_t)total;
	if (ws[0].nev + (nw == 2 ? ws[1].nev : 0) != g->nev)
		return bt_error_set(BT_ECORRUPT, "event count mismatch");
	for (i = 0; i < nw; i++)
		if ((r = check_aux(g, &ws[i])))
			return r;
	return 0;
}

/* The ranges of objects whose lists (of `per` bytes an entry) take at
 * most `budget` bytes (or one object, larger): the ends of each in
 * cuts[1..], as object ids (cuts[0] = 1); returns how many. */
static uint32_t cut_ranges(const uint32_t *idx, uint32_t n, uint64_t per,
			   uint64_t budget, uint32_t *cuts)
{
	uint32_t k = 0, id, lo = 1;

	cuts[0] = 1;
	for (id = 1; id <= n; id++)
		if ((uint64_t)(idx[id + 1] - idx[lo]) * per > budget &&
		    id > lo) {
			cuts[++k] = id;
			lo = id;
		}
	cuts[++k] = n + 1;
	return k;
}

/* Sort the lists of a pass's ranges that are out of time order (see
 * sort_lists()). */
static int sort_pass(struct bt_graph *g, const struct lpass *lp)
{
	struct tref *tmp = NULL;
	size_t cap = 0;
	uint32_t id, d;
	int r = 0;

	for (d = 0; d < 2 && !r; d++) {
		const uint32_t *idx = d ? g->out_idx : g->in_idx;

		for (id = lp->lo[d]; id < lp->hi[d] && !r; id++) {
			uint64_t a = idx[id] - lp->base[d];

			r = sort_list(g, lp->refs[d] + a,
				      lp->side[d] ? lp->side[d] + a : NULL,
				      idx[id + 1] - idx[id], &tmp, &cap);
		}
	}
	free(tmp);
	if (!r && g->cache && g->cache->err)
		r = bt_graph_status(g);
	return r;
}

/* Steps 2-3 of an index build (see above): the lists through the sink, in
 * passes.  ws[i].inc/outc hold each worker's counts. */
static int build_lists(struct bt_graph *g, struct worker *ws, unsigned nw,
		       const struct bt_listsink *sink)
{
	uint32_t n = g->n, id, *cuts[2] = { NULL, NULL }, nr[2], p, np, d;
	uint32_t *b_in = nw == 2 ? ws[1].inc : NULL;
	uint32_t *b_out = nw == 2 ? ws[1].outc : NULL;
	uint32_t *cur0[2] = { NULL, NULL };
	bool side = !((uint64_t)n >> BT_END_OBJ_BITS);
	uint64_t per = side ? 8 : 4, si = 0, so = 0;
	uint64_t budget = sink ? sink->budget / 2 : UINT64_MAX;
	struct lpass lp;
	int r = 0;

	/* starts; worker 1's cursors after worker 0's part */
	for (id = 0; id <= n + 1; id++) {
		uint32_t a = g->in_idx[id], c = g->out_idx[id];

		g->in_idx[id] = (uint32_t)si;
		g->out_idx[id] = (uint32_t)so;
		si += a + (b_in ? b_in[id] : 0);
		so += c + (b_out ? b_out[id] : 0);
		if (b_in) {
			b_in[id] = g->in_idx[id] + a;
			b_out[id] = g->out_idx[id] + c;
		}
	}
	if (si != g->nev || so != g->nev)
		return bt_error_set(BT_ECORRUPT, "event count mismatch");
	if (budget < per)
		budget = per;
	cuts[0] = malloc(((size_t)n + 2) * sizeof(uint32_t));
	cuts[1] = malloc(((size_t)n + 2) * sizeof(uint32_t));
	cur0[0] = malloc(((size_t)n + 2) * sizeof(uint32_t));
	cur0[1] = malloc(((size_t)n + 2) * sizeof(uint32_t));
	if (!cuts[0] || !cuts[1] || !cur0[0] || !cur0[1]) {
		r = bt_error_set(BT_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(cur0[0], g->in_idx, ((size_t)n + 2) * sizeof(uint32_t));
	memcpy(cur0[1], g->out_idx, ((size_t)n + 2) * sizeof(uint32_t));
	ws[0].inc = cur0[0];
	ws[0].outc = cur0[1];
	nr[0] = cut_ranges(g->in_idx, n, per, budget, cuts[0]);
	nr[1] = cut_ranges(g->out_idx, n, per, budget, cuts[1]);
	np = nr[0] > nr[1] ? nr[0] : nr[1];
	for (d = 0; d < nw; d++)
		ws[d].total = g->nblocks * (1 + np);
	for (p = 0; p < np && !r; p++) {
		memset(&lp, 0, sizeof(lp));
		for (d = 0; d < 2; d++) {
			const uint32_t *idx = d ? g->out_idx : g->in_idx;

			if (p >= nr[d])
				continue;
			lp.lo[d] = cuts[d][p];
			lp.hi[d] = cuts[d][p + 1];
			lp.base[d] = idx[lp.lo[d]];
			lp.len[d] = idx[lp.hi[d]] - lp.base[d];
			lp.refs[d] = bt_alloc_huge(lp.len[d] * 4);
			lp.side[d] = side ? bt_alloc_huge(lp.len[d] * 4) : NULL;
			if (!lp.refs[d] || (side && !lp.side[d]))
				r = bt_error_set(BT_ENOMEM, "out of memory");
		}
		if (!r) {
			for (d = 0; d < nw; d++)
				ws[d].lp = &lp;
			r = run_pass(ws, nw, 2);
		}
		if (!r && g->unsorted)
			r = sort_pass(g, &lp);
		for (d = 0; d < 2 && !r && sink; d++) {
			if (!lp.len[d])
				continue;
			if ((r = sink->write(sink->ctx, g,
					     d ? GS_OUT_REFS : GS_IN_REFS,
					     lp.base[d], lp.refs[d],
					     lp.len[d])))
				break;
			if (side &&
			    (r = sink->write(sink->ctx, g,
					     d ? GS_OUT_SIDE : GS_IN_SIDE,
					     lp.base[d], lp.side[d],
					     lp.len[d])))
				break;
		}
		if (!r && np == 1) {
			/* one pass: the graph keeps its lists */
			g->in_refs = lp.refs[0];
			g->out_refs = lp.refs[1];
			g->in_side = lp.side[0];
			g->out_side = lp.side[1];
			if (!g->in_refs)   /* no events */
				g->in_refs = bt_alloc_huge(4);
			if (!g->out_refs)
				g->out_refs = bt_alloc_huge(4);
			if (side && !g->in_side)
				g->in_side = bt_alloc_huge(4);
			if (side && !g->out_side)
				g->out_side = bt_alloc_huge(4);
			if (!g->in_refs || !g->out_refs ||
			    (side && (!g->in_side || !g->out_side)))
				r = bt_error_set(BT_ENOMEM, "out of memory");
			continue;
		}
		for (d = 0; d < 2; d++) {
			free(lp.refs[d]);
			free(lp.side[d]);
		}
	}
	ws[0].inc = g->in_idx;   /* (freed by the graph, not by load_v2) */
	ws[0].outc = g->out_idx;
out:
	free(cuts[0]);
	free(cuts[1]);
	free(cur0[0]);
	free(cur0[1]);
	return r;
}

/*
 * Whether pass 2 takes the events pass 1 decoded (9 bytes an event, freed
 * when the load ends) rather than decode every block again: for a graph
 * for questions, when they take at most an eighth of the memory.  (An
 * index build keeps its memory bounded: its passes decode.)  Fresh
 * memory costs faults, but on this machine a decode costs several times
 * more.  BTRACK_LOAD_DECODE=twice decodes twice anyway (the tests use
 * both ways).
 */
static bool keep_events(const struct bt_graph *g,
			const struct bt_listsink *sink)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	const char *env = getenv("BTRACK_LOAD_DECODE");

	if (sink || !g->nev || (env && !strcmp(env, "twice")))
		return false;
	return pages > 0 && psz > 0 &&
	       g->nev * 9 <= (uint64_t)pages * (uint64_t)psz / 8;
}

static int load_v2(struct bt_graph *g, bt_progress_fn progress, void *arg,
		   const struct bt_listsink *sink)
{
	struct worker ws[2];
	unsigned nw = threads_wanted(), i;
	uint32_t n, done = 0, split, maxbev = 1, b;
	uint32_t *b_in = NULL, *b_out = NULL, *kc = NULL, *ke = NULL;
	uint8_t *ko = NULL;
	struct brange *br = NULL;
	int r;

	memset(ws, 0, sizeof(ws));
	if ((r = read_blocks(g)) || (r = resize_objs(g, (size_t)g->n + 2)) ||
	    (r = bt_graph_cache_init(g)))
		goto out;
	n = g->n;
	if (g->nev < PARALLEL_MIN_EVENTS || g->nblocks < 2)
		nw = 1;
	for (b = 0; b < g->nblocks; b++)
		if (g->bfirst[b + 1] - g->bfirst[b] > maxbev)
			maxbev = g->bfirst[b + 1] - g->bfirst[b];
	/* Split the blocks where half of the events are before. */
	split = g->nblocks;
	if (nw == 2) {
		split = block_of(g, (uint32_t)(g->nev / 2));
		if (split == 0)
			split = 1;
	}
	for (i = 0; i < nw; i++) {
		struct worker *w = &ws[i];

		w->g = g;
		w->b0 = i ? split : 0;
		w->b1 = i || nw == 1 ? g->nblocks : split;
		w->bufsz = g->cache->bufsz;
		w->done = &done;
		w->total = 2 * g->nblocks;
		w->buf = malloc(w->bufsz);
		w->sc_cause = malloc((size_t)maxbev * sizeof(uint32_t));
		w->sc_effect = malloc((size_t)maxbev * sizeof(uint32_t));
		w->sc_aux = malloc((size_t)maxbev * sizeof(uint32_t));
		w->sc_op = malloc(maxbev);
		w->sc_auxop = malloc(maxbev);
		if (!w->buf || !w->sc_cause || !w->sc_effect || !w->sc_aux ||
		    !w->sc_op || !w->sc_auxop) {
			r = bt_error_set(BT_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (sink) {
		br = malloc((g->nblocks ? g->nblocks : 1) * sizeof(*br));
		if (!br) {
			r = bt_error_set(BT_ENOMEM, "out of memory");
			goto out;
		}
		for (i = 0; i < nw; i++)
			ws[i].br = br;
	}
	ws[0].progress = progress;
	ws[0].arg = arg;
	ws[0].inc = g->in_idx;
	ws[0].outc = g->out_idx;
	if (nw == 2) {
		b_in = calloc((size_t)n + 2, sizeof(*b_in));
		b_out = calloc((size_t)n + 2, sizeof(*b_out));
		if (!b_in || !b_out) {
			r = bt_error_set(BT_ENOMEM, "out of memory");
			goto out;
		}
		ws[1].inc = b_in;
		ws[1].outc = b_out;
	}
	if (keep_events(g, sink)) {
		kc = bt_alloc_huge((size_t)g->nev * sizeof(uint32_t));
		ke = bt_alloc_huge((size_t)g->nev * sizeof(uint32_t));
		ko = bt_alloc_huge((size_t)g->nev);
		for (i = 0; kc && ke && ko && i < nw; i++) {
			ws[i].kc = kc;
			ws[i].ke = ke;
			ws[i].ko = ko;
		}
	}
	if ((r = run_pass(ws, nw, 1)))
		goto out;
	if ((r = merge_objects(g, ws, nw, split, !sink)))
		goto out;
	if ((r = build_lists(g, ws, nw, sink)))
		goto out;
	if (progress)
		progress(arg, ws[0].total, ws[0].total);
	r = 0;
out:
	for (i = 0; i < 2; i++) {
		free(ws[i].buf);
		amap_free(ws[i].arena, ws[i].acap);
		free(ws[i].labs);
		free(ws[i].lk);
		free(ws[i].aux);
		free(ws[i].sc_cause);
		free(ws[i].sc_effect);
		free(ws[i].sc_aux);
		free(ws[i].sc_op);
		free(ws[i].sc_auxop);
	}
	free(b_in);
	free(b_out);
	free(br);
	free(kc);
	free(ke);
	free(ko);
	return r;
}
struct bt_graph *bt_graph_alloc(void)
{
	return calloc(1, sizeof(struct bt_graph));
}

int bt_graph_from_log(struct bt_graph **out, struct bt_log *log,
		      bt_progress_fn progress, void *arg)
{
	return bt_graph_build(out, log, progress, arg, NULL);
}

int bt_graph_build(struct bt_graph **out, struct bt_log *log,
		   bt_progress_fn progress, void *arg,
		   const struct bt_listsink *sink)
{
	struct bt_graph *g;
	int r;

	*out = NULL;
	g = bt_graph_alloc();
	if (!g) {
		bt_log_close(log);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	g->log = log;
	g->version = bt_log_version(log);
	if (g->version >= 2)
		r = load_v2(g, progress, arg, sink);
	else if (sink)
		r = bt_error_set(BT_EVERSION,
			"a version 1 log has no index: upgrade it first (btrack log upgrade)");
	else
		r = load_v1(g, progress, arg);
	if (!r)
		r = objects_finish(g);
	free(g->lk);   /* only for objects_finish() */
	g->lk = NULL;
	if (!r && !g->cache)
		r = bt_graph_cache_init(g);
	if (!r && !sink)   /* a build sorts in its passes */
		r = sort_lists(g);
	if (r)
		goto fail;
	*out = g;
	return 0;
fail:
	bt_graph_free(g);
	return r;
}

void bt_graph_free(struct bt_graph *g)
{
	if (!g)
		return;
	if (g->bigmap)
		munmap(g->bigmap, g->bigmap_len);
	free(g->lk);
	if (!g->idx) {
		if (!g->bigmap) {
			free(g->in_refs);
			free(g->out_refs);
			free(g->in_side);
			free(g->out_side);
		}
		free(g->kind);
		free(g->oflags);
		free(g->off);
		free(g->in_idx);
		free(g->out_idx);
		free(g->pg_idx);
		free(g->rg_idx);
		free(g->path_head);
		free(g->attr_head);
		free(g->pg);
		free(g->rg);
		free(g->labs);
		free(g->by_path);
		free(g->bfirst);
		free(g->blocks);
	}
	bt_gext_free(g);
	bt_index_free(g->idx);
	amap_free(g->arena, g->arena_map);
	cache_free(g->cache);
	bt_log_close(g->log);
	free(g);
}


/* ---- reading the arrays --------------------------------------------------
 * In a graph mapped from an index every read goes through these, which
 * check the chunk it lies in the first time (bt_index_check()); a failure
 * reads as 0 and is kept for bt_graph_status().  In a loaded graph they
 * are plain reads. */


static inline uint32_t rd32(const struct bt_graph *g, enum gsec s,
			    const uint32_t *a, uint64_t i)
{
	if (mapped(g, s) && !idx_ok(g, s, i * 4, 4))
		return 0;
	return a[i];
}

static inline uint8_t rd8(const struct bt_graph *g, enum gsec s,
			  const uint8_t *a, uint64_t i)
{
	if (mapped(g, s) && !idx_ok(g, s, i, 1))
		return 0;
	return a[i];
}

#define KIND(g, i) rd8(g, GS_KIND, (g)->kind, i)
#define OFLAGS(g, i) rd8(g, GS_OFLAGS, (g)->oflags, i)
#define OFF(g, i) rd32(g, GS_OFF, (g)->off, i)
#define IN_IDX(g, i) rd32(g, GS_IN_IDX, (g)->in_idx, i)
#define OUT_IDX(g, i) rd32(g, GS_OUT_IDX, (g)->out_idx, i)
#define PG_IDX(g, i) rd32(g, GS_PG_IDX, (g)->pg_idx, i)
#define RG_IDX(g, i) rd32(g, GS_RG_IDX, (g)->rg_idx, i)
#define PATH_HEAD(g, i) rd32(g, GS_PATH_HEAD, (g)->path_head, i)
#define ATTR_HEAD(g, i) rd32(g, GS_ATTR_HEAD, (g)->attr_head, i)

static inline uint32_t BYP(const struct bt_graph *g, uint64_t i)
{
	uint32_t v = rd32(g, GS_BY_PATH, g->by_path, i);

	return v < g->nlabs ? v : 0;
}

static const struct lab zero_lab;

static inline struct lab LAB(const struct bt_graph *g, uint64_t i)
{
	if (i >= g->nlabs || (mapped(g, GS_LABS) && !idx_ok(g, GS_LABS,
			      i * sizeof(struct lab), sizeof(struct lab))))
		return zero_lab;
	return g->labs[i];
}

/* An object or label record: a zeroed one (of the largest kind) when it
 * cannot be read. */
static const uint64_t zero_rec[8];

static const void *REC(const struct bt_graph *g, uint32_t off)
{
	uint64_t at = (uint64_t)off * 8;
	const struct bt_rec_head *h;

	if (g->ext && at >= g->data_len) {
		/* added by an extension (checked by the decoder) */
		at -= g->data_len;
		if (at + 8 > g->ext->alen)
			return zero_rec;
		return g->ext->arena + at;
	}
	if (!g->idx)
		return g->data + at;
	if (at + 8 > g->data_len || !idx_ok(g, GS_ARENA, at, 8))
		return zero_rec;
	h = (const void *)(g->data + at);
	if (h->len < 8 || h->len > g->data_len - at ||
	    !idx_ok(g, GS_ARENA, at, h->len))
		return zero_rec;
	return h;
}

const struct bt_log *bt_graph_log(const struct bt_graph *g)
{
	return g->log;
}

int bt_graph_drops(const struct bt_graph *g, struct bt_drops *out)
{
	struct bt_drops_scan sc;
	uint32_t from = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (!g->log)
		return bt_error_set(BT_EINVAL, "the graph has no log");
	if (g->version >= 2 && bt_index_drops(g, &sc, &from)) {
		if ((r = bt_drops_scan_blocks(&sc, g->log, from,
					      bt_log_blocks(g->log))))
			return r;
		bt_drops_scan_end(&sc, out);
		return 0;
	}
	return bt_drops_read(out, g->log);
}

const char *bt_graph_warning(const struct bt_graph *g)
{
	if (g->warning[0])
		return g->warning;
	return bt_log_warning(g->log);
}

uint32_t bt_graph_nobjects(const struct bt_graph *g)
{
	return g->n;
}

uint64_t bt_graph_nevents(const struct bt_graph *g)
{
	return g->nev;
}

/* What an extension added (extend.c's arrays, at their capacities). */
static size_t ext_memory(const struct bt_graph *g)
{
	const struct bt_gext *x = g->ext;
	size_t m;

	m = sizeof(*x) + x->xid_cap * sizeof(*x->xid) +
	    x->xo_cap * sizeof(*x->xo) + x->acap +
	    /* kind, oflags, off, path_head, attr_head */
	    x->ocap * (2 + 3 * sizeof(uint32_t)) +
	    x->ltail_cap * sizeof(*x->ltail) +
	    /* in_idx, out_idx, pg_idx, rg_idx as loaded */
	    ((size_t)g->nbase + 2) * 4 * sizeof(uint32_t) +
	    x->labs_cap * sizeof(struct lab);
	return m + x->list_bytes;
}

size_t bt_graph_memory(const struct bt_graph *g)
{
	size_t per_obj = 2 * sizeof(uint8_t) + 7 * sizeof(uint32_t);

	if (g->ext)
		return sizeof(*g) + ext_memory(g) +
			(size_t)g->nev_base * (g->in_side ? 4 : 2) *
			sizeof(uint32_t) +
			((size_t)g->npg + g->nrg) * sizeof(uint32_t) +
			(size_t)g->npaths * sizeof(uint32_t) +
			(g->arena ? (size_t)g->data_len : 0) +
			(size_t)g->nblocks * (sizeof(*g->blocks) +
					      sizeof(uint32_t)) +
			cache_memory(g->cache);
	return sizeof(*g) + g->cap * per_obj +
		(size_t)g->nev * (g->in_side ? 4 : 2) * sizeof(uint32_t) +
		((size_t)g->npg + g->nrg) * sizeof(uint32_t) +
		(size_t)g->nlabs * sizeof(struct lab) +
		(size_t)g->npaths * sizeof(uint32_t) +
		(g->arena ? (size_t)g->data_len : 0) +
		(size_t)g->nblocks * (sizeof(*g->blocks) + sizeof(uint32_t)) +
		cache_memory(g->cache);
}

size_t bt_graph_cache_memory(const struct bt_graph *g)
{
	return cache_memory(g->cache);
}

bool bt_graph_label_ok(const struct bt_rec_label *l, uint32_t n)
{
	return label_ok(l, n);
}

uint32_t bt_graph_path_hash(const char *s, size_t n)
{
	return path_hash(s, n);
}

bool bt_graph_is_recorder_path(const char *path)
{
	return !strcmp(base_of(path), RECORDER_LIB);
}

/* cmp_by_path() through the checked reads and an extension's records. */
int bt_graph_cmp_by_path(const void *a, const void *b, void *arg)
{
	const struct bt_graph *g = arg;
	uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
	struct lab x = LAB(g, ia), y = LAB(g, ib);
	const struct bt_rec_label *lx, *ly;

	if (x.hash != y.hash)
		return x.hash < y.hash ? -1 : 1;
	lx = REC(g, x.rec);
	ly = REC(g, y.rec);
	if (lx->time != ly->time)
		return lx->time < ly->time ? -1 : 1;
	return x.rec < y.rec ? -1 : x.rec > y.rec;
}

enum bt_obj_kind bt_graph_kind(const struct bt_graph *g, uint32_t id)
{
	if (id == 0 || id > g->n)
		return BT_OBJ_NONE;
	return KIND(g, id);
}

static bool str_eq(const struct bt_rec_str *s, const char *p, size_t len)
{
	return s->len == len && memcmp(s->s, p, len) == 0;
}

/* The label of `key` that was true at time `at` (the latest not after it;
 * ties: the later in the log), or NULL.  at = UINT64_MAX: the latest. */
static const struct bt_rec_label *attr_at(const struct bt_graph *g,
					  uint32_t id, uint32_t key,
					  uint64_t at)
{
	const struct bt_rec_label *best = NULL;
	uint32_t i;

	uint32_t steps = 0;   /* a cycle in a damaged index ends */
	for (i = ATTR_HEAD(g, id); i && steps++ < g->nlabs; i = LAB(g, i - 1).next) {
		const struct bt_rec_label *l = REC(g, LAB(g, i - 1).rec);

		if (l->key == key && l->time <= at &&
		    (!best || l->time >= best->time))
			best = l;
	}
	return best;
}

static const struct bt_rec_label *attr(const struct bt_graph *g, uint32_t id,
				       uint32_t key)
{
	return attr_at(g, id, key, UINT64_MAX);
}

/*
 * The uid a process was first known to have: its record's, else the first
 * credential label's (a process first seen through a fork by an unknown
 * parent learns its credentials from its own first observation).
 */
static uint32_t first_uid(const struct bt_graph *g, uint32_t id,
			  uint32_t rec_uid)
{
	const struct bt_rec_label *first = NULL;
	const char *v;
	unsigned long u;
	char *end;
	uint32_t i;

	if (rec_uid != UINT32_MAX)
		return rec_uid;
	uint32_t steps = 0;   /* a cycle in a damaged index ends */
	for (i = ATTR_HEAD(g, id); i && steps++ < g->nlabs; i = LAB(g, i - 1).next) {
		const struct bt_rec_label *l = REC(g, LAB(g, i - 1).rec);

		if (l->key == BT_LABEL_CRED && (!first || l->time < first->time))
			first = l;
	}
	if (!first)
		return rec_uid;
	v = bt_rec_str(&first->value);
	if (strncmp(v, "uid=", 4) || v[4] < '0' || v[4] > '9')
		return rec_uid;
	errno = 0;
	u = strtoul(v + 4, &end, 10);
	if (errno || u >= UINT32_MAX || (*end && *end != ' '))
		return rec_uid;
	return (uint32_t)u;
}

/* The process that forked `id` and when, from its fork event. */
static uint32_t forked_by(const struct bt_graph *g, uint32_t id, uint64_t *t)
{
	const uint32_t *l;
	size_t i, n = bt_graph_in(g, id, &l);

	for (i = 0; i < n; i++) {
		struct bt_rec_event e;

		if (!bt_graph_event(g, l[i], &e))
			return 0;
		if (e.op == BT_OP_FORK && e.cause && e.cause <= g->n &&
		    KIND(g, e.cause) == BT_OBJ_PROCESS && e.cause != id) {
			*t = e.time;
			return e.cause;
		}
	}
	return 0;
}

/* A process that never executed keeps its parent's image: the exe, argv
 * and comm its parent had at the fork, up the chain of forks without exec
 * (bounded: a loop of forks in a corrupt log ends). */
static void inherit_image(const struct bt_graph *g, uint32_t id,
			  struct bt_object_info *out)
{
	const struct bt_rec_label *l;
	uint64_t t = 0;
	uint32_t p = id;
	int depth;

	for (depth = 0; depth < 64; depth++) {
		p = forked_by(g, p, &t);
		if (!p)
			return;
		if ((l = attr_at(g, p, BT_LABEL_EXE, t)) ||
		    (l = attr_at(g, p, BT_LABEL_COMM, t)) ||
		    (l = attr_at(g, p, BT_LABEL_ARGV, t)))
			break;
	}
	if (depth == 64)
		return;
	out->inherited = p;
	if ((l = attr_at(g, p, BT_LABEL_EXE, t)))
		out->exe = bt_rec_str(&l->value);
	if ((l = attr_at(g, p, BT_LABEL_ARGV, t))) {
		out->argv = bt_rec_str(&l->value);
		out->argv_len = l->value.len;
	}
	if ((l = attr_at(g, p, BT_LABEL_COMM, t)))
		out->comm = bt_rec_str(&l->value);
}

/* The latest PATH label of a file (ties: the later in the log). */
static const struct bt_rec_label *last_path(const struct bt_graph *g,
					    uint32_t file)
{
	const struct bt_rec_label *best = NULL;
	uint32_t i;

	uint32_t steps = 0;   /* a cycle in a damaged index ends */
	for (i = PATH_HEAD(g, file); i && steps++ < g->nlabs; i = LAB(g, i - 1).next) {
		const struct bt_rec_label *l = REC(g, LAB(g, i - 1).rec);

		if (!best || l->time >= best->time)
			best = l;
	}
	return best;
}

static const char *file_path(const struct bt_graph *g, uint32_t file)
{
	const struct bt_rec_label *l;

	if (file == 0 || file > g->n)
		return NULL;
	l = last_path(g, file);
	return l ? bt_rec_str(&l->value) : NULL;
}

/* The fields of object id's own record into *out (zeroed first); its
 * labels are for bt_graph_object(). */
static int object_record(const struct bt_graph *g, uint32_t id,
			 struct bt_object_info *out)
{
	const void *rec;

	memset(out, 0, sizeof(*out));
	if (id == 0 || id > g->n)
		return bt_error_set(BT_ENOTFOUND, "no object %u in the log",
				    id);
	rec = REC(g, OFF(g, id));
	out->id = id;
	out->kind = KIND(g, id);
	switch (KIND(g, id)) {
	case BT_OBJ_PROCESS: {
		const struct bt_rec_process *p = rec;

		out->pid = p->pid;
		out->ppid = p->ppid;
		out->uid = p->uid;
		out->start = p->start;
		break;
	}
	case BT_OBJ_FILE: {
		const struct bt_rec_file *f = rec;

		out->dev = f->dev;
		out->ino = f->ino;
		out->file_flags = f->flags;
		break;
	}
	case BT_OBJ_FILENAME:
		out->path = bt_rec_str(
			&((const struct bt_rec_filename *)rec)->path);
		break;
	case BT_OBJ_ENDPOINT:
		out->path = bt_rec_str(
			&((const struct bt_rec_endpoint *)rec)->addr);
		break;
	case BT_OBJ_PAGE: {
		const struct bt_rec_page *p = rec;

		out->file = p->file;
		out->page = p->index;
		break;
	}
	case BT_OBJ_REGION: {
		const struct bt_rec_region *rg = rec;

		out->file = rg->file;
		out->page = rg->first;
		out->count = rg->count;
		out->process = rg->process;
		out->prot = rg->prot;
		break;
	}
	default:
		break;
	}
	return 0;
}

int bt_graph_object_bare(const struct bt_graph *g, uint32_t id,
			 struct bt_object_info *out)
{
	return object_record(g, id, out);
}

int bt_graph_object(const struct bt_graph *g, uint32_t id,
		    struct bt_object_info *out)
{
	const struct bt_rec_label *l;
	int r;

	if ((r = object_record(g, id, out)))
		return r;
	switch (out->kind) {
	case BT_OBJ_PROCESS:
		out->uid = first_uid(g, id, out->uid);
		if ((l = attr(g, id, BT_LABEL_EXE)))
			out->exe = bt_rec_str(&l->value);
		if ((l = attr(g, id, BT_LABEL_ARGV))) {
			out->argv = bt_rec_str(&l->value);
			out->argv_len = l->value.len;
		}
		if ((l = attr(g, id, BT_LABEL_COMM)))
			out->comm = bt_rec_str(&l->value);
		if (!out->exe && !out->argv && !out->comm)
			inherit_image(g, id, out);
		break;
	case BT_OBJ_FILE:
		out->path = file_path(g, id);
		break;
	case BT_OBJ_PAGE:
	case BT_OBJ_REGION:
		out->path = file_path(g, out->file);
		break;
	default:
		break;
	}
	return 0;
}

void bt_graph_file_paths(const struct bt_graph *g, uint32_t file,
			 void (*fn)(void *arg, const char *path, uint64_t time),
			 void *arg)
{
	uint32_t i;

	if (file == 0 || file > g->n)
		return;
	uint32_t steps = 0;   /* a cycle in a damaged index ends */
	for (i = PATH_HEAD(g, file); i && steps++ < g->nlabs; i = LAB(g, i - 1).next) {
		const struct bt_rec_label *l = REC(g, LAB(g, i - 1).rec);

		fn(arg, bt_rec_str(&l->value), l->time);
	}
}

void bt_graph_labels(const struct bt_graph *g, uint32_t id, uint32_t key,
		     void (*fn)(void *arg, const char *value, size_t len,
				uint64_t time),
		     void *arg)
{
	uint32_t i;

	if (id == 0 || id > g->n)
		return;
	i = key == BT_LABEL_PATH ? PATH_HEAD(g, id) : ATTR_HEAD(g, id);
	uint32_t steps = 0;   /* a cycle in a damaged index ends */
	for (; i && steps++ < g->nlabs; i = LAB(g, i - 1).next) {
		const struct bt_rec_label *l = REC(g, LAB(g, i - 1).rec);

		if (l->key == key)
			fn(arg, bt_rec_str(&l->value), l->value.len, l->time);
	}
}

bool bt_graph_region_has_pages(const struct bt_graph *g, uint32_t region)
{
	return region && region <= g->n && (OFLAGS(g, region) & OF_RG_PAGES);
}

bool bt_graph_is_recorder(const struct bt_graph *g, uint32_t id)
{
	return id && id <= g->n && (OFLAGS(g, id) & OF_RECORDER);
}

/*
 * First index in by_path of labels with hash h (by_path is in hash
 * order).  The hashes are uniform, so a guess in proportion to h lands
 * near it: a few probes where halving 58 M paths took 26, each probe a
 * page of by_path and one of labs not read before in a graph mapped from
 * an index (a page fault each, tens of microseconds on a virtual
 * machine: a fifth of a question's time went to the JSON's file
 * versions).  A guess that does not halve the range is followed by a
 * halving, so it never takes more than twice the probes of halving; the
 * answer is the same.
 */
static uint32_t by_path_first(const struct bt_graph *g, uint32_t h)
{
	uint32_t lo = 0, hi = g->npaths;
	/* hashes below lo are < h, at hi and after >= h: their bounds */
	int64_t vlo = -1, vhi = INT64_C(1) << 32;
	bool halve = false;

	while (lo < hi) {
		uint32_t mid, v, was = hi - lo;

		if (halve) {
			mid = lo + (hi - lo) / 2;
		} else {
			uint64_t d = (uint64_t)((int64_t)h - vlo) * (hi - lo) /
				     (uint64_t)(vhi - vlo);

			mid = lo + (uint32_t)(d < hi - lo ? d : hi - lo - 1);
		}
		v = LAB(g, BYP(g, mid)).hash;
		if (v < h) {
			lo = mid + 1;
			vlo = v;
		} else {
			hi = mid;
			vhi = v;
		}
		halve = !halve && hi - lo > was / 2;
	}
	return lo;
}

void bt_graph_file_version(const struct bt_graph *g, uint32_t file,
			   uint32_t *version, uint32_t *versions)
{
	const struct bt_rec_label *last = NULL;
	uint32_t i, h, seen[256], n = 0, k;
	size_t len;

	*version = *versions = 0;
	if (file == 0 || file > g->n || KIND(g, file) != BT_OBJ_FILE ||
	    !(last = last_path(g, file)))
		return;
	len = last->value.len;
	h = path_hash(last->value.s, len);
	/* Files seen under the path, in the order of their first time
	 * there (by_path is in time order within a hash). */
	for (i = by_path_first(g, h); i < g->npaths &&
	     LAB(g, BYP(g, i)).hash == h; i++) {
		const struct bt_rec_label *l =
			REC(g, LAB(g, BYP(g, i)).rec);

		if (KIND(g, l->object) != BT_OBJ_FILE ||
		    !str_eq(&l->value, last->value.s, len))
			continue;
		for (k = 0; k < n && seen[k] != l->object; k++)
			;
		if (k < n)
			continue;
		if (l->object == file)
			*version = n + 1;
		if (n < BT_ARRAY_SIZE(seen))
			seen[n++] = l->object;
		else
			n++;  /* counted, no longer told apart */
	}
	*versions = n;
}

/* The list [idx[id], idx[id + 1]) of arr (nev or count entries): its
 * length and start, checked against the total and, from an index, its
 * chunks; 0 entries if they do not check. */
static size_t list_of(const struct bt_graph *g, uint32_t id,
		      enum gsec isec, const uint32_t *idx, enum gsec asec,
		      const uint32_t *arr, uint64_t total,
		      const uint32_t **out)
{
	uint32_t a, b;

	*out = NULL;
	if (id == 0 || id > g->n || !arr)
		return 0;
	if (g->ext && id > g->nbase)
		return 0;   /* added by an extension: no base list */
	a = rd32(g, isec, idx, id);
	b = rd32(g, isec, idx, (uint64_t)id + 1);
	if (a > b || b > total) {
		bt_graph_fail(g, BT_ECORRUPT,
			      "a list of the graph is out of range");
		return 0;
	}
	if (mapped(g, asec) && !idx_ok(g, asec, (uint64_t)a * 4,
			      (uint64_t)(b - a) * 4))
		return 0;
	*out = arr + a;
	return b - a;
}

/* An extended object's own list k (see bt_gext_list()): its entries, or
 * with `side` those beside them; -1 when it has none (the base answers).
 * Entries an extension chained (bt_gext_chained()) are first put into a
 * list of their own: a graph is not thread-safe (graph.h), so a reader
 * may do that. */
static ssize_t xlist_of(const struct bt_graph *g, uint32_t id, int k,
			bool side, const uint32_t **out)
{
	const struct xlist *l;
	int r;

	if (bt_gext_chained(g, id, k) &&
	    (r = bt_gext_fold((struct bt_graph *)g, id, k))) {
		bt_graph_fail(g, r, "out of memory reading a list of the "
			      "graph");
		*out = NULL;
		return 0;
	}
	l = bt_gext_list(g, id, k);
	if (!l)
		return -1;
	*out = side ? l->side : l->v;
	return l->n;
}

size_t bt_graph_in(const struct bt_graph *g, uint32_t id,
		   const uint32_t **out)
{
	ssize_t n = xlist_of(g, id, XL_IN, false, out);

	if (n >= 0)
		return (size_t)n;
	return list_of(g, id, GS_IN_IDX, g->in_idx, GS_IN_REFS, g->in_refs,
		       g->nev, out);
}

size_t bt_graph_out(const struct bt_graph *g, uint32_t id,
		    const uint32_t **out)
{
	ssize_t n = xlist_of(g, id, XL_OUT, false, out);

	if (n >= 0)
		return (size_t)n;
	return list_of(g, id, GS_OUT_IDX, g->out_idx, GS_OUT_REFS,
		       g->out_refs, g->nev, out);
}

const uint32_t *bt_graph_in_ends(const struct bt_graph *g, uint32_t id)
{
	const uint32_t *l;
	ssize_t n;

	if (g->in_side && (n = xlist_of(g, id, XL_IN, true, &l)) >= 0)
		return n ? l : NULL;
	if (!g->in_side || !list_of(g, id, GS_IN_IDX, g->in_idx, GS_IN_SIDE,
				    g->in_side, g->nev, &l))
		return NULL;
	return l;
}

const uint32_t *bt_graph_out_ends(const struct bt_graph *g, uint32_t id)
{
	const uint32_t *l;
	ssize_t n;

	if (g->out_side && (n = xlist_of(g, id, XL_OUT, true, &l)) >= 0)
		return n ? l : NULL;
	if (!g->out_side || !list_of(g, id, GS_OUT_IDX, g->out_idx,
				     GS_OUT_SIDE, g->out_side, g->nev, &l))
		return NULL;
	return l;
}

size_t bt_graph_out_ends_n(const struct bt_graph *g, uint32_t id,
			   const uint32_t **out)
{
	ssize_t n;
	size_t k;

	*out = NULL;
	if (!g->out_side)
		return 0;
	if ((n = xlist_of(g, id, XL_OUT, true, out)) >= 0) {
		if (!n)
			*out = NULL;
		return (size_t)n;
	}
	k = list_of(g, id, GS_OUT_IDX, g->out_idx, GS_OUT_SIDE, g->out_side,
		    g->nev, out);
	if (!k)
		*out = NULL;
	return k;
}

bool bt_graph_time_ordered(const struct bt_graph *g)
{
	return g->version >= 2 && !g->unsorted && g->nblocks;
}

uint32_t bt_graph_ref_at(const struct bt_graph *g, uint64_t t)
{
	const struct evc_ent *x;
	uint32_t lo = 0, hi = g->nblocks, b, a, z;

	if (!bt_graph_time_ordered(g) || !g->nev)
		return 0;
	/* Events before block b are at or before its base time: the first
	 * event at or after t is in the last block whose base time is
	 * before t, or starts the next one. */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (base_time_at(g, mid) < t)
			lo = mid;
		else
			hi = mid;
	}
	b = lo;
	a = bfirst_at(g, b);
	z = bfirst_at(g, b + 1);
	if (a == z)
		return z;
	if (!(x = cache_get(g, a)))
		return 0;
	if (z < a || z - x->first > x->n) {
		bt_graph_fail(g, BT_ECORRUPT, "the graph's table of blocks "
			      "is out of order");
		return 0;
	}
	while (a < z) {
		uint32_t mid = a + (z - a) / 2;
		const struct bt_rec_event *e = &x->ev[mid - x->first];

		if (e->time < t)
			a = mid + 1;
		else
			z = mid;
	}
	return a;
}

size_t bt_graph_base_list(const struct bt_graph *g, uint32_t id, int k,
			  const uint32_t **v, const uint32_t **side)
{
	size_t n = 0;

	*side = NULL;
	switch (k) {
	case XL_IN:
		n = list_of(g, id, GS_IN_IDX, g->in_idx, GS_IN_REFS,
			    g->in_refs, g->nev, v);
		if (n && g->in_side)
			list_of(g, id, GS_IN_IDX, g->in_idx, GS_IN_SIDE,
				g->in_side, g->nev, side);
		break;
	case XL_OUT:
		n = list_of(g, id, GS_OUT_IDX, g->out_idx, GS_OUT_REFS,
			    g->out_refs, g->nev, v);
		if (n && g->out_side)
			list_of(g, id, GS_OUT_IDX, g->out_idx, GS_OUT_SIDE,
				g->out_side, g->nev, side);
		break;
	case XL_PG:
		n = list_of(g, id, GS_PG_IDX, g->pg_idx, GS_PG, g->pg,
			    g->npg, v);
		break;
	default:
		n = list_of(g, id, GS_RG_IDX, g->rg_idx, GS_RG, g->rg,
			    g->nrg, v);
		break;
	}
	return n;
}

size_t bt_graph_file_pages(const struct bt_graph *g, uint32_t file,
			   const uint32_t **out)
{
	ssize_t n = xlist_of(g, file, XL_PG, false, out);

	if (n >= 0)
		return (size_t)n;
	return list_of(g, file, GS_PG_IDX, g->pg_idx, GS_PG, g->pg, g->npg,
		       out);
}

size_t bt_graph_file_regions(const struct bt_graph *g, uint32_t file,
			     const uint32_t **out)
{
	ssize_t n = xlist_of(g, file, XL_RG, false, out);

	if (n >= 0)
		return (size_t)n;
	return list_of(g, file, GS_RG_IDX, g->rg_idx, GS_RG, g->rg, g->nrg,
		       out);
}

bool bt_graph_file_has_pages(const struct bt_graph *g, uint32_t file)
{
	return file && file <= g->n && (OFLAGS(g, file) & OF_HAS_PAGES);
}

int bt_graph_find_file(const struct bt_graph *g, const char *path,
		       uint32_t *out)
{
	size_t len = strlen(path);
	const struct bt_rec_label *best = NULL;
	uint32_t best_file = 0, best_rec = 0, i, id, h = path_hash(path, len);

	/* The PATH labels with this hash, by binary search: the records
	 * are read only for those. */
	for (i = by_path_first(g, h); i < g->npaths &&
	     LAB(g, BYP(g, i)).hash == h; i++) {
		uint32_t rec = LAB(g, BYP(g, i)).rec;
		const struct bt_rec_label *l = REC(g, rec);

		if (l->key != BT_LABEL_PATH || !str_eq(&l->value, path, len))
			continue;
		id = l->object;
		if (KIND(g, id) != BT_OBJ_FILE)
			continue;
		/* ties: the later in the log (record offsets grow in log
		 * order, also across an extension's records) */
		if (!best || l->time > best->time ||
		    (l->time == best->time && rec > best_rec)) {
			best = l;
			best_rec = rec;
			best_file = id;
		}
	}
	if (!best)
		return bt_error_set(BT_ENOTFOUND, "no file '%s' in the log",
				    path);
	*out = best_file;
	return 0;
}

int bt_graph_find_filename(const struct bt_graph *g, const char *path,
			   uint32_t *out)
{
	size_t len = strlen(path);
	uint32_t id;

	for (id = 1; id <= g->n; id++) {
		const struct bt_rec_filename *f;

		if (KIND(g, id) != BT_OBJ_FILENAME)
			continue;
		f = REC(g, OFF(g, id));
		if (str_eq(&f->path, path, len)) {
			*out = id;
			return 0;
		}
	}
	return bt_error_set(BT_ENOTFOUND, "no filename '%s' in the log", path);
}

int bt_graph_find_process(const struct bt_graph *g, uint32_t pid,
			  uint64_t at, uint32_t *out)
{
	const struct bt_rec_process *best = NULL;
	uint32_t id, best_id = 0;

	for (id = 1; id <= g->n; id++) {
		const struct bt_rec_process *p;

		if (KIND(g, id) != BT_OBJ_PROCESS)
			continue;
		p = REC(g, OFF(g, id));
		if (p->pid != pid || (at && p->start > at))
			continue;
		if (!best || p->start >= best->start) {
			best = p;
			best_id = id;
		}
	}
	if (!best) {
		if (at)
			return bt_error_set(BT_ENOTFOUND,
				"no process %u started at or before %llu ns in the log",
				pid, (unsigned long long)at);
		return bt_error_set(BT_ENOTFOUND,
				    "no process %u in the log", pid);
	}
	*out = best_id;
	return 0;
}

/* page_index() through the checked reads (for a graph from an index). */
static uint64_t page_index_ck(const struct bt_graph *g, uint32_t page)
{
	const struct bt_rec_page *p = REC(g, OFF(g, page));

	return p->index;
}

int bt_graph_find_page(const struct bt_graph *g, uint32_t file,
		       uint64_t index, uint32_t *out)
{
	const uint32_t *pg;
	size_t n = bt_graph_file_pages(g, file, &pg), lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (page_index_ck(g, pg[mid]) < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && page_index_ck(g, pg[lo]) == index) {
		*out = pg[lo];
		return 0;
	}
	return bt_error_set(BT_ENOTFOUND, "no page %llu of file %u in the log",
			    (unsigned long long)index, file);
}

int bt_graph_find_endpoint(const struct bt_graph *g, const char *addr,
			   uint32_t *out)
{
	size_t len = strlen(addr);
	uint32_t id;

	for (id = 1; id <= g->n; id++) {
		const struct bt_rec_endpoint *e;

		if (KIND(g, id) != BT_OBJ_ENDPOINT)
			continue;
		e = REC(g, OFF(g, id));
		if (str_eq(&e->addr, addr, len)) {
			*out = id;
			return 0;
		}
	}
	return bt_error_set(BT_ENOTFOUND, "no endpoint '%s' in the log", addr);
}

int bt_graph_find_endpoints(const struct bt_graph *g, const char *addr,
			    uint32_t **out, size_t *n)
{
	size_t len = strlen(addr), cap = 0;
	uint32_t id;

	*out = NULL;
	*n = 0;
	for (id = 1; id <= g->n; id++) {
		const struct bt_rec_endpoint *e;

		if (KIND(g, id) != BT_OBJ_ENDPOINT)
			continue;
		e = REC(g, OFF(g, id));
		if (!str_eq(&e->addr, addr, len))
			continue;
		if (*n + 1 > cap && bt_grow(out, &cap, *n + 1, sizeof(**out))) {
			free(*out);
			*out = NULL;
			*n = 0;
			return bt_error_set(BT_ENOMEM, "out of memory");
		}
		(*out)[(*n)++] = id;
	}
	if (!*n)
		return bt_error_set(BT_ENOTFOUND, "no endpoint '%s' in the log",
				    addr);
	return 0;
}
