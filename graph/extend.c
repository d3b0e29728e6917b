/*
 * extend.c - take what a growing log committed since a graph was loaded
 * into the graph, without loading it again (bt_graph_extend(), graph.h).
 *
 * The arrays a load built (graph-int.h) stay as they are: they may be
 * read-only mappings of an index.  What the log adds lives beside them:
 *  - per object, a list of its own (an allocation of its own, struct
 *    xlist) for each list that gained an entry (in, out events; pages,
 *    regions of a file): the base list is copied there once (room for
 *    half as many again), then the list grows by half when full, by
 *    realloc(), which remaps the pages of a large one instead of copying
 *    them (a shared pool that grew by realloc() copied all lists at each
 *    growth, and left garbage to compact: 1.25x the CPU and the
 *    memory, bench_load extend).  Objects without a list of their own
 *    answer from the base arrays;
 *  - the per-object arrays (kind, flags, record offsets, label heads) and
 *    the labels, block table and PATH index grow geometrically (the PATH
 *    labels added are merged into the index in place, from its back:
 *    a binary search each and one memmove); copied
 *    from an index's mapping to the heap (after checking its chunks) on
 *    first growth;
 *  - object and label records are copied into an arena of their own, at
 *    offsets after the loaded arena's.
 * Per event: two entries appended to a pending buffer; at the end of a
 * call (or every PEND_MAX events) they are grouped by object and each
 * object's run appended to its list at once: its list is found and grown
 * once per call, not once per event (one to two thirds of the CPU of an
 * extension went to that, per event).  No allocation per event.  An event
 * earlier than the latest held (a log not in time order) first flushes
 * what is pending, then is inserted at its place by time (a binary search
 * reading event times), and the graph notes it is not time ordered.
 *
 * The last block of a live log grows in place: the graph keeps how many of
 * its events, objects and kept labels it holds (blocks[last] and
 * tail_labs) and takes only the records after them.
 *
 * Version 1 logs are not extended (BT_EVERSION: load again).  Not
 * thread-safe; does not print.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../core/error.h"
#include "../core/util.h"
#include "graph-int.h"
#include "graph.h"

/* The pool of chained segments (struct bt_gext, chain). */
#define POOL_SHIFT 19                     /* 2 MiB chunks (a huge page) */
#define POOL_WORDS (1u << POOL_SHIFT)
#define POOL_MAXCHUNKS (1u << (31 - POOL_SHIFT))  /* addresses < 2^31 */
#define SEG_SIDE 0x80000000u
/* In a segment's first word: a segment of one entry, [prev | SEG_ONE,
 * ref, end when the graph keeps the ends] (most of them at small steps:
 * a quarter less of the pool to fault in).  Once the ends are dropped
 * they never come back, so a reader that wants them reads only segments
 * written with them. */
#define SEG_ONE 0x80000000u
/* entries of a segment at most (header and ends included, a chunk) */
#define SEG_MAX ((POOL_WORDS - 2) / 2)

/* The gsec sections an extension copies to the heap (own bits). */
#define OWN(s) (1u << (s))

/* The slack before an extension rebuilds its lists (rebase_due();
 * graph-int.h; tests lower it). */
uint64_t bt_gext_rebase_min = UINT64_C(4) << 20;
uint64_t bt_gext_rebases;

static int nomem(void)
{
	return bt_error_set(BT_ENOMEM, "out of memory");
}

static int bad_block(uint32_t b, const char *what)
{
	return bt_error_set(BT_ECORRUPT, "block %u of the log: %s", b, what);
}

/* Free every list an extension keeps. */
static void free_lists(struct bt_gext *x)
{
	uint32_t i;
	int k;

	for (i = 0; i < x->nxo; i++)
		for (k = 0; k < XL_N; k++) {
			free(x->xo[i][k].v);
			free(x->xo[i][k].side);
		}
	for (i = 0; i < x->npool; i++)
		munmap(x->pool[i], POOL_WORDS * sizeof(uint32_t));
	free(x->pool);
	x->pool = NULL;
	x->npool = x->pool_cap = x->pool_used = 0;
	if (x->chain_cap) {
		memset(x->chain[0], 0, x->chain_cap * sizeof(uint32_t));
		memset(x->chain[1], 0, x->chain_cap * sizeof(uint32_t));
	}
	x->list_bytes = 0;
}

void bt_gext_free(struct bt_graph *g)
{
	struct bt_gext *x = g->ext;

	if (g->idx) {
		/* heap copies of what was mapped */
		if (g->own & OWN(GS_KIND))
			free(g->kind);
		if (g->own & OWN(GS_OFLAGS))
			free(g->oflags);
		if (g->own & OWN(GS_OFF))
			free(g->off);
		if (g->own & OWN(GS_PATH_HEAD))
			free(g->path_head);
		if (g->own & OWN(GS_ATTR_HEAD))
			free(g->attr_head);
		if (g->own & OWN(GS_LABS))
			free(g->labs);
		if (g->own & OWN(GS_BY_PATH))
			free(g->by_path);
		if (g->own & OWN(GS_BFIRST))
			free(g->bfirst);
		if (g->own & OWN(GS_BLOCKS))
			free(g->blocks);
		if (g->own & OWN(GS_IN_IDX)) {
			free(g->in_idx);
			free(g->out_idx);
			free(g->pg_idx);
			free(g->rg_idx);
			free(g->pg);
			free(g->rg);
			free(g->in_refs);
			free(g->out_refs);
			free(g->in_side);
			free(g->out_side);
		}
	}
	if (!x)
		return;
	free_lists(x);
	free(x->xid);
	free(x->xo);
	if (x->arena)
		munmap(x->arena, x->acap);
	free(x->buf);
	free(x->times);
	free(x->newpaths);
	free(x->bp_hash);
	free(x->ltail);
	free(x->pend[0]);
	free(x->pend[1]);
	free(x->ptmp);
	free(x->chain[0]);
	free(x->chain[1]);
	free(x);
	g->ext = NULL;
}

/* ---- records ------------------------------------------------------------ */

/* A record at logical offset off * 8 (the loaded arena, or ours). */
static const void *rec(const struct bt_graph *g, uint64_t off)
{
	uint64_t at = off * 8;

	if (at >= g->data_len)
		return g->ext->arena + (at - g->data_len);
	return g->data + at;
}

/* Room for `need` bytes in the arena: an anonymous mapping that doubles
 * with mremap(), which moves its pages instead of copying them (realloc()
 * copied it at each doubling below glibc's mmap threshold: a tenth of an
 * extension's CPU). */
static int arena_grow(struct bt_gext *x, size_t need)
{
	size_t cap = x->acap ? x->acap : (size_t)1 << 20;
	void *p;

	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return nomem();
		cap *= 2;
	}
	p = x->arena ? mremap(x->arena, x->acap, cap, MREMAP_MAYMOVE) :
		       mmap(NULL, cap, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return nomem();
#ifdef MADV_HUGEPAGE
	madvise(p, cap, MADV_HUGEPAGE);   /* filled front to back */
#endif
	x->arena = p;
	x->acap = cap;
	return 0;
}

/* Fault the arena in up to `need` bytes and 2 MiB more, with one call
 * rather than a fault per page (faults took a tenth of an extension's
 * CPU); only an optimisation. */
static void arena_populate(struct bt_gext *x, size_t need)
{
	size_t to = (need + ((size_t)2 << 20)) & ~(((size_t)2 << 20) - 1);

	if (to > x->acap)
		to = x->acap;
	if (to > x->apop)
		bt_populate(x->arena + x->apop, to - x->apop);
	x->apop = to;
}

/* Copy a record into our arena; *off its logical offset / 8. */
static int arena_add(struct bt_graph *g, const void *r, size_t len,
		     uint32_t *off)
{
	struct bt_gext *x = g->ext;
	uint64_t at = g->data_len + x->alen;
	int e;

	if (at / 8 + len / 8 > UINT32_MAX)
		return bt_error_set(BT_ELIMIT,
			"too many object and label records for the index");
	if (x->alen + len > x->acap && (e = arena_grow(x, x->alen + len)))
		return e;
	if (x->alen + len > x->apop)
		arena_populate(x, x->alen + len);
	memcpy(x->arena + x->alen, r, len);
	x->alen += len;
	*off = (uint32_t)(at / 8);
	return 0;
}

/* ---- arrays that grow ---------------------------------------------------- */

/* Make the array of section s (elements of `size` bytes, `n` in use) a
 * heap array of `cap` elements: copied from the index's mapping (its
 * chunks checked first) the first time, then realloc'd.  New slots are
 * zeroed. */
static int own_grow(struct bt_graph *g, enum gsec s, void **arr, size_t size,
		    size_t n, size_t old_cap, size_t cap)
{
	void *p;

	if (g->idx && !(g->own & OWN(s))) {
		if (n && bt_index_check(g, s, 0, (uint64_t)n * size))
			return bt_graph_status(g);
		if (!(p = calloc(cap, size)))
			return nomem();
		if (n)
			memcpy(p, *arr, n * size);
		*arr = p;
		g->own |= OWN(s);
		return 0;
	}
	if (!(p = realloc(*arr, cap * size)))
		return nomem();
	if (cap > old_cap)
		memset((uint8_t *)p + old_cap * size, 0,
		       (cap - old_cap) * size);
	*arr = p;
	return 0;
}

/* Room in the per-object arrays for ids up to `id` (and the slot after). */
static int grow_objs(struct bt_graph *g, size_t id)
{
	struct bt_gext *x = g->ext;
	size_t n = (size_t)g->n + 2, cap = x->ocap, old = x->ocap;
	int r;

	if (id + 2 <= x->ocap)
		return 0;
	if (cap < 64)
		cap = 64;
	while (cap < id + 2) {
		if (cap > SIZE_MAX / 32)
			return bt_error_set(BT_ENOMEM, "too many objects");
		cap *= 2;
	}
	if ((r = own_grow(g, GS_KIND, (void **)&g->kind, 1, n, old, cap)) ||
	    (r = own_grow(g, GS_OFLAGS, (void **)&g->oflags, 1, n, old,
			  cap)) ||
	    (r = own_grow(g, GS_OFF, (void **)&g->off, 4, n, old, cap)) ||
	    (r = own_grow(g, GS_PATH_HEAD, (void **)&g->path_head, 4, n, old,
			  cap)) ||
	    (r = own_grow(g, GS_ATTR_HEAD, (void **)&g->attr_head, 4, n, old,
			  cap)))
		return r;
	x->ocap = cap;
	return 0;
}

/* Room for block b in blocks[] and bfirst[b + 1]. */
static int grow_blocks(struct bt_graph *g, uint32_t b)
{
	struct bt_gext *x = g->ext;
	size_t cap = x->bcap, old = x->bcap;
	int r;

	if ((size_t)b < x->bcap && (g->own & OWN(GS_BLOCKS) || !g->idx))
		return 0;
	if (cap < 16)
		cap = 16;
	while (cap <= b)
		cap *= 2;
	if ((r = own_grow(g, GS_BLOCKS, (void **)&g->blocks,
			  sizeof(*g->blocks), g->nblocks, old, cap)) ||
	    (r = own_grow(g, GS_BFIRST, (void **)&g->bfirst, 4,
			  (size_t)g->nblocks + 1, old + 1, cap + 1)))
		return r;
	x->bcap = (uint32_t)cap;
	return 0;
}

/* Room for one more label. */
static int grow_labs(struct bt_graph *g)
{
	struct bt_gext *x = g->ext;
	size_t cap = x->labs_cap;
	int r;

	if (g->nlabs >= UINT32_MAX - 1)
		return bt_error_set(BT_ELIMIT, "log too large for the index");
	if ((size_t)g->nlabs + 1 <= x->labs_cap &&
	    (g->own & OWN(GS_LABS) || !g->idx))
		return 0;
	if (cap < 64)
		cap = 64;
	while (cap < (size_t)g->nlabs + 1)
		cap *= 2;
	if ((r = own_grow(g, GS_LABS, (void **)&g->labs, sizeof(struct lab),
			  g->nlabs, x->labs_cap, cap)))
		return r;
	x->labs_cap = cap;
	return 0;
}

/* ---- lists ------------------------------------------------------------- */

/* Give list l room for cap entries (and their ends beside them when
 * `side`).  A list is an allocation of its own: realloc() moves a large
 * one by remapping its pages, not copying them. */
static int list_room(struct bt_gext *x, struct xlist *l, size_t cap,
		     bool side)
{
	uint32_t *v;

	if (cap > UINT32_MAX)
		return bt_error_set(BT_ELIMIT, "a list is too long");
	if (!(v = realloc(l->v, cap * sizeof(uint32_t))))
		return nomem();
	l->v = v;
	if (side) {
		if (!(v = realloc(l->side, cap * sizeof(uint32_t))))
			return nomem();
		l->side = v;
	}
	x->list_bytes += (cap - l->cap) * sizeof(uint32_t) * (side ? 2 : 1);
	l->cap = (uint32_t)cap;
	return 0;
}

/* ---- the pool of chained segments (struct bt_gext, chain) ---------------- */

static uint32_t *seg_at(const struct bt_gext *x, uint32_t a1)
{
	uint32_t a = a1 - 1;

	return x->pool[a >> POOL_SHIFT] + (a & (POOL_WORDS - 1));
}

/* Room for a segment of `words` words: its address + 1. */
static int pool_take(struct bt_gext *x, uint32_t words, uint32_t *a1)
{
	if (!x->npool || x->pool_used + words > POOL_WORDS) {
		uint32_t *c;

		if (x->npool == POOL_MAXCHUNKS - 1)
			return bt_error_set(BT_ELIMIT, "the graph's extension "
				"is too large: load the log again");
		if (x->npool == x->pool_cap) {
			size_t cap = x->pool_cap ? x->pool_cap * 2 : 16;
			uint32_t **p = realloc(x->pool, cap * sizeof(*p));

			if (!p)
				return nomem();
			x->pool = p;
			x->pool_cap = (uint32_t)cap;
		}
		c = mmap(NULL, POOL_WORDS * sizeof(uint32_t),
			 PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		if (c == MAP_FAILED)
			return nomem();
		/* A chunk is filled front to back: huge pages where the
		 * kernel has them (the first write of a page cost more
		 * than the rest of the extension, 8 us per 4 KiB page in
		 * a virtual machine, a third as much per huge page), its
		 * pages faulted in with one call, not one fault each.
		 * Only optimisations. */
#ifdef MADV_HUGEPAGE
		madvise(c, POOL_WORDS * sizeof(uint32_t), MADV_HUGEPAGE);
#endif
		bt_populate(c, POOL_WORDS * sizeof(uint32_t));
		x->pool[x->npool++] = c;
		x->pool_used = 0;
		x->list_bytes += POOL_WORDS * sizeof(uint32_t);
	}
	*a1 = ((x->npool - 1) << POOL_SHIFT | x->pool_used) + 1;
	x->pool_used += words;
	return 0;
}

/* Entries of object id's chain k. */
static size_t chain_len(const struct bt_gext *x, uint32_t id, int k)
{
	uint32_t a1 = x->chain[k][id];
	size_t n = 0;

	while (a1) {
		const uint32_t *s = seg_at(x, a1);

		n += s[0] & SEG_ONE ? 1 : s[1] & ~SEG_SIDE;
		a1 = s[0] & ~SEG_ONE;
	}
	return n;
}

/* Copy object id's chain k (n entries: chain_len()) into v and side
 * (NULL: not wanted; zeros where a segment has none), oldest first. */
static void chain_copy(const struct bt_gext *x, uint32_t id, int k,
		       size_t n, uint32_t *v, uint32_t *side)
{
	uint32_t a1 = x->chain[k][id];

	while (a1) {
		const uint32_t *s = seg_at(x, a1);
		uint32_t m;

		if (s[0] & SEG_ONE) {
			v[--n] = s[1];
			if (side)
				side[n] = s[2];
			a1 = s[0] & ~SEG_ONE;
			continue;
		}
		m = s[1] & ~SEG_SIDE;
		n -= m;
		memcpy(v + n, s + 2, (size_t)m * 4);
		if (side) {
			if (s[1] & SEG_SIDE)
				memcpy(side + n, s + 2 + m, (size_t)m * 4);
			else
				memset(side + n, 0, (size_t)m * 4);
		}
		a1 = s[0];
	}
}

/* Room in chain[] for object id. */
static int chain_room(struct bt_gext *x, uint32_t id)
{
	size_t c = x->chain_cap ? x->chain_cap : 1024;
	int k;

	if (id < x->chain_cap)
		return 0;
	while (c <= id)
		c *= 2;
	for (k = 0; k < 2; k++) {
		uint32_t *v = realloc(x->chain[k], c * sizeof(*v));

		if (!v)
			return nomem();
		memset(v + x->chain_cap, 0, (c - x->chain_cap) * sizeof(*v));
		x->chain[k] = v;
	}
	x->chain_cap = c;
	return 0;
}

/* Object id's own list k, made if it has none yet (its base list copied
 * into it), with room for `more` more entries. */
static int own_list(struct bt_graph *g, uint32_t id, int k, uint32_t more,
		    struct xlist **out)
{
	struct bt_gext *x = g->ext;
	struct xlist *l;
	const uint32_t *bv, *bs;
	bool side;
	size_t n;
	int r;

	if (id >= x->xid_cap) {
		size_t c = x->xid_cap ? x->xid_cap : 1024;
		uint32_t *v;

		while (c <= id)
			c *= 2;
		if (!(v = realloc(x->xid, c * sizeof(*v))))
			return nomem();
		memset(v + x->xid_cap, 0, (c - x->xid_cap) * sizeof(*v));
		x->xid = v;
		x->xid_cap = c;
	}
	if (!x->xid[id]) {
		if (x->nxo == UINT32_MAX - 1)
			return bt_error_set(BT_ELIMIT, "too many objects");
		if (x->nxo == x->xo_cap &&
		    (r = bt_grow(&x->xo, &x->xo_cap, (size_t)x->nxo + 1,
				 sizeof(*x->xo))))
			return r;
		memset(x->xo[x->nxo], 0, sizeof(*x->xo));
		x->xid[id] = ++x->nxo;
	}
	l = &x->xo[x->xid[id] - 1][k];
	side = x->ends && k <= XL_OUT;
	if (!l->cap) {
		/* the base list copied once, and what was chained after it,
		 * room for half as many again */
		size_t c = bt_gext_chained(g, id, k) ? chain_len(x, id, k) : 0;

		n = bt_graph_base_list(g, id, k, &bv, &bs);
		if (n + c + more > UINT32_MAX)
			return bt_error_set(BT_ELIMIT, "a list is too long");
		/* a reader's fold (more == 0): exactly what it holds;
		 * the extension grows it when it appends */
		if ((r = list_room(x, l, (n + c) + (more ? (n + c) / 2 + 4 +
						   more : 0), side)))
			return r;
		if (n)
			memcpy(l->v, bv, n * 4);
		if (side && n) {
			if (bs)
				memcpy(l->side, bs, n * 4);
			else
				memset(l->side, 0, n * 4);
		}
		if (c) {
			chain_copy(x, id, k, c, l->v + n,
				   side ? l->side + n : NULL);
			x->chain[k][id] = 0;
		}
		l->n = (uint32_t)(n + c);
	} else if (more > l->cap - l->n &&
		   (r = list_room(x, l, (size_t)l->cap + l->cap / 2 + 4 +
				  more, side))) {
		return r;
	}
	*out = l;
	return 0;
}

/* Insert v (and s beside it) at position pos of list l. */
static void list_insert(struct xlist *l, uint32_t pos, uint32_t v,
			uint32_t s)
{
	if (pos < l->n) {
		memmove(l->v + pos + 1, l->v + pos,
			(size_t)(l->n - pos) * 4);
		if (l->side)
			memmove(l->side + pos + 1, l->side + pos,
				(size_t)(l->n - pos) * 4);
	}
	l->v[pos] = v;
	if (l->side)
		l->side[pos] = s;
	l->n++;
}

/* ---- events --------------------------------------------------------------- */

/* The time of event ref: of the block being taken in from its times,
 * else through the event cache. */
static uint64_t time_of(const struct bt_graph *g, uint32_t ref,
			uint32_t cur_first, uint32_t cur_n)
{
	struct bt_rec_event e;

	if (ref >= cur_first && ref - cur_first < cur_n)
		return g->ext->times[ref - cur_first];
	if (!bt_graph_event(g, ref, &e))
		return 0;
	return e.time;
}

/* Where an event at time t goes in a list in (time, log order) order:
 * after every entry at or before t (the new ref is the latest). */
static uint32_t place(const struct bt_graph *g, const uint32_t *a,
		      uint32_t n, uint64_t t, uint32_t cur_first,
		      uint32_t cur_n)
{
	uint32_t lo = 0, hi = n;

	if (!n || time_of(g, a[n - 1], cur_first, cur_n) <= t)
		return n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (time_of(g, a[mid], cur_first, cur_n) <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* An event of a log out of time order (events in order are pending:
 * pend()) into object id's list k at its place: the list's own latest
 * time decides (read once per list, then kept), and only an event earlier
 * than it is placed by a binary search reading event times. */
static int add_to(struct bt_graph *g, uint32_t id, int k, uint32_t ref,
		  uint32_t side, uint64_t t, uint32_t cur_first,
		  uint32_t cur_n)
{
	struct xlist *l;
	uint32_t pos;
	int r;

	if ((r = own_list(g, id, k, 1, &l)))
		return r;
	if (!l->last_t1)
		l->last_t1 = 1 + (l->n ? time_of(g, l->v[l->n - 1], cur_first,
						 cur_n) : 0);
	if (l->last_t1 - 1 <= t) {
		pos = l->n;
		l->last_t1 = t + 1;   /* 0 (unknown) past UINT64_MAX */
	} else {
		pos = place(g, l->v, l->n, t, cur_first, cur_n);
	}
	list_insert(l, pos, ref, side);
	return 0;
}

/* Entries pending at most (per direction) before they are flushed: 3 MiB
 * of them each. */
#define PEND_MAX 262144u
/* Entries ahead whose objects flush_dir() asks the cache for. */
#define PREFETCH_AHEAD 32
/* Bits of an object id sorted per pass of flush()'s radix sort. */
#define RADIX_BITS 11

/* Put the pending entries of one direction (k: XL_IN or XL_OUT) into
 * their lists: sorted by object (stable: log order, which is time order,
 * within an object) by an LSD radix sort, then each object's run copied
 * at once. */
static int flush_dir(struct bt_graph *g, int k)
{
	struct bt_gext *x = g->ext;
	struct xpend *a = x->pend[k], *t = x->ptmp, *sw;
	size_t n = x->npend, i, j;
	uint32_t shift, cnt[1u << RADIX_BITS];
	int r;

	for (shift = 0; shift < 32 && (x->pend_max >> shift); shift +=
	     RADIX_BITS) {
		uint32_t sum = 0, c;

		memset(cnt, 0, sizeof(cnt));
		for (i = 0; i < n; i++)
			cnt[(a[i].id >> shift) & ((1u << RADIX_BITS) - 1)]++;
		for (c = 0; c < (1u << RADIX_BITS); c++) {
			uint32_t v = cnt[c];

			cnt[c] = sum;
			sum += v;
		}
		for (i = 0; i < n; i++)
			t[cnt[(a[i].id >> shift) &
			      ((1u << RADIX_BITS) - 1)]++] = a[i];
		sw = a;
		a = t;
		t = sw;
	}
	if (x->pend_max && (r = chain_room(x, x->pend_max)))
		return r;
	for (i = 0; i < n; i = j) {
		struct xlist *l = NULL;
		uint32_t id = a[i].id;

		/* the objects are far apart (a cache miss each in xid[] and
		 * chain[], most of flush's time): ask for those of a run
		 * ahead */
		if (i + PREFETCH_AHEAD < n) {
			uint32_t pid = a[i + PREFETCH_AHEAD].id;

			if (pid < x->xid_cap)
				__builtin_prefetch(&x->xid[pid]);
			__builtin_prefetch(&x->chain[k][pid], 1);
		}
		for (j = i + 1; j < n && a[j].id == id && j - i < SEG_MAX;
		     j++)
			;
		if (bt_gext_list(g, id, k)) {
			/* it has a list of its own: append */
			if ((r = own_list(g, id, k, (uint32_t)(j - i), &l)))
				return r;
			for (; i < j; i++) {
				l->v[l->n] = a[i].ref;
				if (l->side)
					l->side[l->n] = a[i].side;
				l->n++;
			}
			/* the latest time is that of its last entry: read
			 * again if an event out of order comes (add_to()) */
			l->last_t1 = 0;
		} else {
			/* a segment chained to its earlier ones */
			uint32_t m = (uint32_t)(j - i), a1 = 0, *sg, q;

			if (m == 1) {
				if ((r = pool_take(x, x->ends ? 3 : 2, &a1)))
					return r;
				sg = seg_at(x, a1);
				sg[0] = x->chain[k][id] | SEG_ONE;
				sg[1] = a[i].ref;
				if (x->ends)
					sg[2] = a[i].side;
				x->chain[k][id] = a1;
				i = j;
				continue;
			}
			if ((r = pool_take(x, 2 + m * (x->ends ? 2 : 1), &a1)))
				return r;
			sg = seg_at(x, a1);
			sg[0] = x->chain[k][id];
			sg[1] = m | (x->ends ? SEG_SIDE : 0);
			for (q = 0; q < m; q++)
				sg[2 + q] = a[i + q].ref;
			if (x->ends)
				for (q = 0; q < m; q++)
					sg[2 + m + q] = a[i + q].side;
			x->chain[k][id] = a1;
			i = j;
		}
	}
	/* the sort may have left the entries in the other buffer */
	if (a != x->pend[k]) {
		x->ptmp = x->pend[k];
		x->pend[k] = a;
	}
	return 0;
}

int bt_gext_fold(struct bt_graph *g, uint32_t id, int k)
{
	struct xlist *l;

	if (!bt_gext_chained(g, id, k))
		return 0;
	return own_list(g, id, k, 0, &l);
}

/* Put every pending entry into its list. */
static int flush(struct bt_graph *g)
{
	struct bt_gext *x = g->ext;
	int r;

	if (!x->npend)
		return 0;
	if ((r = flush_dir(g, XL_IN)) || (r = flush_dir(g, XL_OUT)))
		return r;
	x->npend = 0;
	x->pend_max = 0;
	return 0;
}

/* Event ref (in time order) for the lists of effect (in) and cause (out),
 * later (flush()). */
static int pend(struct bt_graph *g, uint32_t effect, uint32_t cause,
		uint32_t ref, uint32_t side_in, uint32_t side_out)
{
	struct bt_gext *x = g->ext;
	int r;

	if (x->npend == PEND_MAX && (r = flush(g)))
		return r;
	if (x->npend == x->pend_cap) {
		size_t c = x->pend_cap ? x->pend_cap * 2 : 4096;
		struct xpend *p;
		int k;

		if (c > PEND_MAX)
			c = PEND_MAX;
		for (k = 0; k < 2; k++) {
			if (!(p = realloc(x->pend[k], c * sizeof(*p))))
				return nomem();
			x->pend[k] = p;
		}
		if (!(p = realloc(x->ptmp, c * sizeof(*p))))
			return nomem();
		x->ptmp = p;
		x->pend_cap = c;
	}
	x->pend[XL_IN][x->npend] = (struct xpend){ effect, ref, side_in };
	x->pend[XL_OUT][x->npend] = (struct xpend){ cause, ref, side_out };
	x->npend++;
	if (effect > x->pend_max)
		x->pend_max = effect;
	if (cause > x->pend_max)
		x->pend_max = cause;
	return 0;
}

/* The file of a page or region (checked when the object was added). */
static uint32_t file_of(const struct bt_graph *g, uint32_t id)
{
	return ((const uint32_t *)rec(g, g->off[id]))[3];
}

static int add_event(struct bt_graph *g, const struct bt_rec_event *e,
		     uint32_t ref, uint32_t cur_first, uint32_t cur_n)
{
	struct bt_gext *x = g->ext;
	bool in_order;
	int r;

	if (e->cause == 0 || e->effect == 0 || e->cause > g->n ||
	    e->effect > g->n)
		return bt_error_set(BT_ECORRUPT,
			"event %u refers to an object not in the log", ref);
	if (e->time < x->last_t)
		g->unsorted = true;
	x->last_t = e->time;
	in_order = x->max_known && e->time >= x->max_t;
	if (in_order) {
		if ((r = pend(g, e->effect, e->cause, ref,
			      (uint32_t)e->op << BT_END_OBJ_BITS | e->cause,
			      (uint32_t)e->op << BT_END_OBJ_BITS | e->effect)))
			return r;
	} else if ((r = flush(g)) ||
		   (r = add_to(g, e->effect, XL_IN, ref,
			       (uint32_t)e->op << BT_END_OBJ_BITS | e->cause,
			       e->time, cur_first, cur_n)) ||
		   (r = add_to(g, e->cause, XL_OUT, ref,
			       (uint32_t)e->op << BT_END_OBJ_BITS | e->effect,
			       e->time, cur_first, cur_n))) {
		return r;
	}
	if (!x->max_known || e->time > x->max_t) {
		x->max_t = e->time;
		x->max_known = true;
	}
	/* the flags a load derives from the events (graph.c,
	 * objects_finish() and mark_region()) */
	if ((e->op == BT_OP_PAGE_READ || e->op == BT_OP_PAGE_WRITE) &&
	    e->aux && e->aux <= g->n &&
	    (g->kind[e->aux] == BT_OBJ_REGION ||
	     g->kind[e->aux] == BT_OBJ_PAGE))
		g->oflags[e->aux] |= OF_RG_PAGES;
	if (g->kind[e->effect] == BT_OBJ_PAGE)
		g->oflags[file_of(g, e->effect)] |= OF_HAS_PAGES;
	if (g->kind[e->cause] == BT_OBJ_PAGE)
		g->oflags[file_of(g, e->cause)] |= OF_HAS_PAGES;
	/* something wrote it: not the recorder's library */
	g->oflags[e->effect] &= (uint8_t)~OF_RECORDER;
	return 0;
}

/* ---- objects and labels ----------------------------------------------------- */

static uint64_t page_index(const struct bt_graph *g, uint32_t page)
{
	return ((const struct bt_rec_page *)rec(g, g->off[page]))->index;
}

static int add_object(struct bt_graph *g, const struct bt_rec_head *h)
{
	uint32_t id = ((const uint32_t *)h)[2], off, f;
	struct xlist *l;
	int r;

	if (id != g->n + 1 || id >= UINT32_MAX - 2)
		return bt_error_set(BT_ECORRUPT,
			"object id %u out of sequence (%u objects)", id, g->n);
	if ((r = grow_objs(g, id)) || (r = arena_add(g, h, h->len, &off)))
		return r;
	g->kind[id] = (uint8_t)h->type;
	g->off[id] = off;
	g->oflags[id] = 0;
	g->path_head[id] = g->attr_head[id] = 0;
	g->n = id;
	if (h->type != BT_REC_PAGE && h->type != BT_REC_REGION)
		return 0;
	f = ((const uint32_t *)h)[3];
	if (f == 0 || f >= id || g->kind[f] != BT_OBJ_FILE)
		return bt_error_set(BT_ECORRUPT, "bad file id %u of object %u",
				    f, id);
	if (h->type == BT_REC_PAGE) {
		uint64_t want = ((const struct bt_rec_page *)h)->index;
		const uint32_t *a;
		uint32_t lo = 0, hi;

		if ((r = own_list(g, f, XL_PG, 1, &l)))
			return r;
		/* by index, ties by id (the new id is the largest) */
		a = l->v;
		hi = l->n;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;

			if (page_index(g, a[mid]) <= want)
				lo = mid + 1;
			else
				hi = mid;
		}
		list_insert(l, lo, id, 0);
		g->npg++;
	} else {
		if ((r = own_list(g, f, XL_RG, 1, &l)))
			return r;
		list_insert(l, l->n, id, 0);
		g->nrg++;
	}
	return 0;
}

static int add_label(struct bt_graph *g, const struct bt_rec_label *lr)
{
	struct bt_gext *x = g->ext;
	uint32_t off, i, *head, *tail, j, steps = 0;
	struct lab *nl;
	int r;

	if ((r = grow_labs(g)) || (r = arena_add(g, lr, lr->h.len, &off)))
		return r;
	i = g->nlabs++;
	nl = &g->labs[i];
	nl->rec = off;
	nl->next = 0;
	nl->hash = 0;
	head = lr->key == BT_LABEL_PATH ? &g->path_head[lr->object] :
	       &g->attr_head[lr->object];
	/* at the end of the object's list: oldest first, log order; its
	 * last label found by a walk once, then kept */
	if (lr->object >= x->ltail_cap) {
		size_t c = x->ltail_cap;

		if ((r = bt_grow(&x->ltail, &c, (size_t)lr->object + 1,
				 sizeof(*x->ltail))))
			return r;
		memset(x->ltail + x->ltail_cap, 0,
		       (c - x->ltail_cap) * sizeof(*x->ltail));
		x->ltail_cap = c;
	}
	tail = &x->ltail[lr->object][lr->key == BT_LABEL_PATH ? 0 : 1];
	if (!*head) {
		*head = i + 1;
	} else {
		j = *tail;
		if (!j)
			for (j = *head; g->labs[j - 1].next &&
			     steps++ < g->nlabs;)
				j = g->labs[j - 1].next;
		g->labs[j - 1].next = i + 1;
	}
	*tail = i + 1;
	if (lr->key != BT_LABEL_PATH)
		return 0;
	nl->hash = bt_graph_path_hash(lr->value.s, lr->value.len);
	if (g->kind[lr->object] == BT_OBJ_FILE &&
	    bt_graph_is_recorder_path(bt_rec_str(&lr->value))) {
		const uint32_t *l;

		/* its events pending too */
		if ((r = flush(g)))
			return r;
		if (!bt_graph_in(g, lr->object, &l))
			g->oflags[lr->object] |= OF_RECORDER;
	}
	if (x->npaths_new == x->newpaths_cap &&
	    (r = bt_grow(&x->newpaths, &x->newpaths_cap, x->npaths_new + 1,
			 sizeof(*x->newpaths))))
		return r;
	x->newpaths[x->npaths_new++] = i;
	return 0;
}

/* The hashes beside by_path (bp_hash) for npaths + more entries: made
 * once from the labels (0 for a bad entry of an index, as the loader's
 * reads give; by_path and the labels are on the heap by now:
 * own_grow()), then kept by merge_paths(). */
static int path_hashes(struct bt_graph *g, size_t more)
{
	struct bt_gext *x = g->ext;
	size_t j;
	int r;

	if ((r = bt_grow(&x->bp_hash, &x->bph_cap, g->npaths + more,
			 sizeof(*x->bp_hash))))
		return r;
	if (x->bph_n == g->npaths)
		return 0;
	for (j = 0; j < g->npaths; j++) {
		uint32_t v = g->by_path[j];

		x->bp_hash[j] = v < g->nlabs ? g->labs[v].hash : 0;
	}
	x->bph_n = g->npaths;
	return 0;
}

/* Where label nw (hash h) goes in by_path[0, n): after every entry at or
 * before it.  The hashes are uniform: interpolation on them (bh, beside
 * by_path) finds the place in a few reads of one small array (a binary
 * search read a label per step, a cache and TLB miss each: a tenth of an
 * extension's CPU), then halving; the full order (time, log order) only
 * between equal hashes. */
static uint32_t path_place(struct bt_graph *g, const uint32_t *bh,
			   uint32_t n, uint32_t nw, uint32_t h)
{
	uint32_t lo = 0, hi = n, mid;
	int steps;

	for (steps = 0; steps < 8 && hi - lo > 8; steps++) {
		uint32_t hl = bh[lo], hh = bh[hi - 1];

		if (h < hl) {
			hi = lo;
			break;
		}
		if (h > hh) {
			lo = hi;
			break;
		}
		if (hh == hl)
			break;
		mid = lo + (uint32_t)((uint64_t)(h - hl) * (hi - 1 - lo) /
				      (hh - hl));
		if (bh[mid] < h)
			lo = mid + 1;
		else if (bh[mid] > h)
			hi = mid;
		else
			break;
	}
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (bh[mid] != h ? bh[mid] < h :
		    bt_graph_cmp_by_path(&g->by_path[mid], &nw, g) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Merge the PATH labels added into by_path (sorted by hash, time, log
 * order) in place, from the back: a search per label added (path_place())
 * and one move of the entries after the first place (memmove, no compare,
 * no allocation but by_path's geometric growth). */
static int merge_paths(struct bt_graph *g)
{
	struct bt_gext *x = g->ext;
	uint64_t total = (uint64_t)g->npaths + x->npaths_new;
	uint32_t *bp, *bh, i, j, out;
	size_t cap;
	int r;

	if (!x->npaths_new)
		return 0;
	if (total >= UINT32_MAX)
		return bt_error_set(BT_ELIMIT, "log too large for the index");
	if (!g->idx && !(g->own & OWN(GS_BY_PATH)) && !x->bp_cap)
		x->bp_cap = g->npaths;   /* a load's exact array */
	if (total > x->bp_cap || (g->idx && !(g->own & OWN(GS_BY_PATH)))) {
		cap = x->bp_cap < 64 ? 64 : x->bp_cap;
		while (cap < total)
			cap *= 2;
		if ((r = own_grow(g, GS_BY_PATH, (void **)&g->by_path, 4,
				  g->npaths, x->bp_cap, cap)))
			return r;
		x->bp_cap = cap;
	}
	if ((r = path_hashes(g, x->npaths_new)))
		return r;
	qsort_r(x->newpaths, x->npaths_new, sizeof(uint32_t),
		bt_graph_cmp_by_path, g);
	bp = g->by_path;
	bh = x->bp_hash;
	i = g->npaths;              /* by_path[0, i) not yet placed */
	out = (uint32_t)total;      /* bp[out, total) placed */
	for (j = (uint32_t)x->npaths_new; j > 0; j--) {
		uint32_t nw = x->newpaths[j - 1], h = g->labs[nw].hash, lo;

		lo = path_place(g, bh, i, nw, h);
		out -= i - lo;
		memmove(bp + out, bp + lo, (size_t)(i - lo) * 4);
		memmove(bh + out, bh + lo, (size_t)(i - lo) * 4);
		bp[--out] = nw;
		bh[out] = h;
		i = lo;
	}
	g->npaths = (uint32_t)total;
	x->bph_n = g->npaths;
	x->npaths_new = 0;
	return 0;
}

/* ---- blocks ------------------------------------------------------------ */

/* Decode block b of g's log into x->buf. */
static int decode(struct bt_graph *g, uint32_t b, size_t *len)
{
	struct bt_gext *x = g->ext;
	size_t need = bt_log_block_decoded_max(g->log);

	if (need > x->bufsz) {
		free(x->buf);
		x->bufsz = 0;
		if (!(x->buf = malloc(need)))
			return nomem();
		x->bufsz = need;
	}
	return bt_log_block_decode(g->log, b, x->buf, x->bufsz, len, g->kind);
}

int bt_graph_tail_labels(const struct bt_graph *g, uint32_t *out)
{
	struct bt_gext tmp, *x = g->ext;
	struct bt_graph *gg = (struct bt_graph *)g;
	const struct bt_rec_head *h;
	size_t len = 0, pos = 0;
	uint32_t n = 0;
	int r;

	*out = 0;
	if (g->version < 2 || !g->nblocks)
		return 0;
	if (!x) {
		memset(&tmp, 0, sizeof(tmp));
		gg->ext = &tmp;
	}
	r = decode(gg, g->nblocks - 1, &len);
	if (!r)
		while ((h = bt_log_block_rec(gg->ext->buf, len, &pos)))
			if (h->type == BT_REC_LABEL &&
			    bt_graph_label_ok((const void *)h, g->n))
				n++;
	if (!x) {
		free(tmp.buf);
		gg->ext = NULL;
	}
	*out = n;
	return r;
}

/* The latest time of the events held (a log not in time order): every
 * block decoded once, the first time it is needed. */
static int scan_max(struct bt_graph *g)
{
	struct bt_gext *x = g->ext;
	uint32_t b;
	int r;

	for (b = 0; b < g->nblocks; b++) {
		const struct bt_rec_head *h;
		uint32_t held = g->bfirst[b + 1] - g->bfirst[b], k = 0;
		size_t len = 0, pos = 0;

		if (!held)
			continue;
		if ((r = decode(g, b, &len)))
			return r;
		while (k < held && (h = bt_log_block_rec(x->buf, len, &pos))) {
			const struct bt_rec_event *e = (const void *)h;

			if (h->type != BT_REC_EVENT)
				continue;
			k++;
			if (!x->max_known || e->time > x->max_t) {
				x->max_t = e->time;
				x->max_known = true;
			}
		}
	}
	return 0;
}

static int ext_init(struct bt_graph *g)
{
	struct bt_gext *x;
	size_t c;
	int r;

	if (!g->tail_known) {
		/* before the log is refreshed: its last block is the one
		 * the graph was loaded from */
		if ((r = bt_graph_tail_labels(g, &g->tail_labs)))
			return r;
		g->tail_known = true;
	}
	if (!(x = calloc(1, sizeof(*x))))
		return nomem();
	g->ext = x;
	g->nbase = g->n;
	g->nev_base = g->nev;
	/* the heap arrays of a loaded graph have their exact sizes */
	x->ocap = g->idx ? 0 : (size_t)g->n + 2;
	x->labs_cap = g->idx ? 0 : g->nlabs;
	x->bcap = g->idx ? 0 : g->nblocks;
	/* a graph from an index: its per-object arrays are read-only
	 * mappings, and an extension writes flags and label heads */
	if (g->idx && (r = grow_objs(g, (size_t)g->n + 1)))
		return r;
	/* the ends beside the event lists */
	x->ends = g->in_side != NULL;
	/* the arrays per object of the lists, for the objects loaded and
	 * a quarter more at once, zeroed by calloc (pages as they are first
	 * used), not grown by doubling from 1 k (copies and memsets of each,
	 * a few percent of an extension by 2 M events) */
	c = (size_t)g->n + g->n / 4 + 1024;
	x->chain[0] = calloc(c, sizeof(uint32_t));
	x->chain[1] = calloc(c, sizeof(uint32_t));
	x->xid = calloc(c, sizeof(*x->xid));
	x->ltail = calloc(c, sizeof(*x->ltail));
	if (!x->chain[0] || !x->chain[1] || !x->xid || !x->ltail)
		return nomem();   /* freed with the extension */
	x->chain_cap = x->xid_cap = x->ltail_cap = c;
	return 0;
}

/* Take block b into the graph from its event skip_e, object skip_o and
 * kept label skip_l on (what it held of it before).  The records come
 * from the log's decode of the block where it holds one (its growing last
 * block: bt_log_block_held()), from where the last take of this block
 * stopped; else from a decode of the whole block. */
static int take_block(struct bt_graph *g, uint32_t b, uint32_t skip_e,
		      uint32_t skip_o, uint32_t skip_l, uint64_t *added)
{
	struct bt_gext *x = g->ext;
	struct bt_log_blockinfo bi;
	const struct bt_rec_head *h;
	const void *recs;
	size_t len = 0, pos, start;
	uint32_t ne, no, nl, first, k;
	bool resume = x->took_b == b + 1 && x->took_e == skip_e &&
		      x->took_o == skip_o && x->took_l == skip_l;
	int r;

	start = resume ? x->took_pos : 0;
	if ((r = bt_log_block_info(g->log, b, &bi)))
		return r;
	if (bi.first_event + bi.nevents >= UINT32_MAX ||
	    (uint64_t)bi.first_object + bi.nobjects >= UINT32_MAX - 2)
		return bt_error_set(BT_ELIMIT,
			"log too large for the index (at most 4 G events and objects)");
	/* before its records are checked against g->kind, which has the
	 * objects before it */
	if (bi.first_event != g->nev - skip_e ||
	    bi.first_object != g->n - skip_o || bi.nevents < skip_e ||
	    bi.nobjects < skip_o)
		return bad_block(b, "does not follow what the graph holds");
	r = bt_log_block_held(g->log, b, start, g->kind, &recs, &len);
	if (r == BT_ENOTFOUND) {
		if ((r = decode(g, b, &len)))
			return r;
		recs = x->buf;
	} else if (r) {
		return r;
	}
	x->took_b = 0;   /* times[] changes */
	if (start > len)
		return bad_block(b, "its records changed since it was read");
	first = (uint32_t)bi.first_event;
	/* the times of its events, for places in lists (time_of()): those
	 * of the events taken before are there when resuming */
	if (bi.nevents > x->times_cap &&
	    (r = bt_grow(&x->times, &x->times_cap, bi.nevents,
			 sizeof(*x->times))))
		return r;
	k = resume ? skip_e : 0;
	for (pos = start; (h = bt_log_block_rec(recs, len, &pos));)
		if (h->type == BT_REC_EVENT && k < bi.nevents)
			x->times[k++] = ((const struct bt_rec_event *)h)->time;
	if (k != bi.nevents)
		return bad_block(b, "its event count does not match");
	/* the time of the last event held, for the time order */
	if (!x->last_known) {
		x->last_t = skip_e ? x->times[skip_e - 1] : bi.base_time;
		x->last_known = true;
		if (!g->unsorted) {
			x->max_t = x->last_t;
			x->max_known = true;
		} else if ((r = scan_max(g))) {
			return r;
		}
		/* scan_max() used the buffer */
		if (recs == x->buf && (r = decode(g, b, &len)))
			return r;
	}
	if ((r = grow_blocks(g, b)))
		return r;
	/* From here the graph changes: a failure leaves it broken. */
	x->broken = true;
	g->blocks[b] = bi;
	g->bfirst[b] = first;
	g->bfirst[b + 1] = first + bi.nevents;
	if (b >= g->nblocks)
		g->nblocks = b + 1;
	bt_graph_cache_reset(g, b);
	ne = resume ? skip_e : 0;
	no = resume ? skip_o : 0;
	nl = resume ? skip_l : 0;
	for (pos = start; (h = bt_log_block_rec(recs, len, &pos));) {
		if (h->type == BT_REC_EVENT) {
			if (ne++ < skip_e)
				continue;
			g->nev = first + ne;
			(*added)++;
			if ((r = add_event(g, (const void *)h, first + ne - 1,
					   first, bi.nevents)))
				return r;
		} else if (bt_rec_is_object(h->type)) {
			if (no++ < skip_o)
				continue;
			if ((r = add_object(g, h)))
				return r;
		} else if (h->type == BT_REC_LABEL &&
			   bt_graph_label_ok((const void *)h, g->n)) {
			if (nl++ < skip_l)
				continue;
			if ((r = add_label(g, (const void *)h)))
				return r;
		}
	}
	if (ne != bi.nevents || no != bi.nobjects || nl < skip_l)
		return bad_block(b, "its records changed since it was read");
	g->tail_labs = nl;
	x->took_b = b + 1;
	x->took_e = ne;
	x->took_o = no;
	x->took_l = nl;
	x->took_pos = pos;
	x->broken = false;
	return 0;
}

/*
 * Whether the lists an extension keeps (pool chunks, lists of their own,
 * segments folded into them and left in the pool) take more than twice
 * what the events they hold would take rebuilt (8 bytes each, 16 with the
 * ends), plus a slack of bt_gext_rebase_min events' worth.  Chained
 * segments take about that (the pool is filled in order), so a graph
 * that only grows is not rebuilt: a rebuild is O(events) on the caller's
 * thread (btrack watch stalled 4-6 s at 4 and 8 M events when it came at
 * each doubling), and is left to when readers folded so many lists that
 * the garbage matters.
 */
static bool rebase_due(const struct bt_graph *g)
{
	const struct bt_gext *x = g->ext;
	uint64_t per = x->ends ? 16 : 8;

	return x->list_bytes > 2 * (g->nev - g->nev_base) * per +
			       bt_gext_rebase_min * per ||
	       x->npool >= POOL_MAXCHUNKS / 4 * 3;   /* before it is full */
}

/*
 * Rebase: build the lists of every object into new exact arrays (as a
 * load would: in_idx, in_refs, ... for all n objects), and drop the lists.
 * Run when rebase_due(): O(events), and the memory per event comes back
 * to a load's.
 */
static int rebase(struct bt_graph *g)
{
	struct bt_gext *x = g->ext;
	uint32_t *idx[4] = { NULL }, *arr[4] = { NULL }, *side[2] = { NULL };
	uint64_t tot[4] = { g->nev, g->nev, 0, 0 }, at[4] = { 0 };
	size_t n2 = (size_t)g->n + 2;
	uint32_t id;
	int k, r = 0;

	for (k = 0; k < 4; k++)
		if (!(idx[k] = malloc(n2 * sizeof(uint32_t))))
			goto nomem;
	for (id = 1; id <= g->n; id++) {
		const uint32_t *v;

		tot[2] += bt_graph_file_pages(g, id, &v);
		tot[3] += bt_graph_file_regions(g, id, &v);
	}
	for (k = 0; k < 4; k++)
		if (!(arr[k] = malloc((tot[k] ? tot[k] : 1) * 4)))
			goto nomem;
	if (g->in_side)
		for (k = 0; k < 2; k++)
			if (!(side[k] = malloc((tot[k] ? tot[k] : 1) * 4)))
				goto nomem;
	for (id = 0; id <= g->n; id++) {
		for (k = 0; k < 4; k++) {
			const struct xlist *l = id ? bt_gext_list(g, id, k) :
						NULL;
			const uint32_t *v = NULL, *s = NULL;
			size_t n = 0, c = 0;

			idx[k][id] = (uint32_t)at[k];
			if (l) {
				/* base and all since, in its own list */
				n = l->n;
				v = l->v;
				s = l->side;
			} else if (id) {
				n = bt_graph_base_list(g, id, k, &v, &s);
				if (bt_gext_chained(g, id, k))
					c = chain_len(x, id, k);
			}
			if (at[k] + n + c > tot[k]) {
				r = bt_error_set(BT_ECORRUPT,
					"the graph's lists do not add up");
				goto out;
			}
			if (n)
				memcpy(arr[k] + at[k], v, n * 4);
			if (k < 2 && side[k] && n) {
				if (s)
					memcpy(side[k] + at[k], s, n * 4);
				else
					memset(side[k] + at[k], 0, n * 4);
			}
			if (c)
				chain_copy(x, id, k, c, arr[k] + at[k] + n,
					   k < 2 && side[k] ?
					   side[k] + at[k] + n : NULL);
			at[k] += n + c;
		}
	}
	for (k = 0; k < 4; k++)
		idx[k][g->n + 1] = (uint32_t)at[k];
	if ((r = bt_graph_status(g)))
		goto out;
	if (at[0] != g->nev || at[1] != g->nev) {
		r = bt_error_set(BT_ECORRUPT,
				 "the graph's lists do not add up");
		goto out;
	}
	/* out with the old */
	if (g->bigmap) {
		munmap(g->bigmap, g->bigmap_len);
		g->bigmap = NULL;
	} else if (!g->idx || g->own & OWN(GS_IN_REFS)) {
		free(g->in_refs);
		free(g->out_refs);
		free(g->in_side);
		free(g->out_side);
	}
	if (!g->idx || g->own & OWN(GS_IN_IDX)) {
		free(g->in_idx);
		free(g->out_idx);
		free(g->pg_idx);
		free(g->rg_idx);
		free(g->pg);
		free(g->rg);
	}
	g->in_idx = idx[0];
	g->out_idx = idx[1];
	g->pg_idx = idx[2];
	g->rg_idx = idx[3];
	g->in_refs = arr[0];
	g->out_refs = arr[1];
	g->pg = arr[2];
	g->rg = arr[3];
	g->npg = (uint32_t)tot[2];
	g->nrg = (uint32_t)tot[3];
	g->in_side = side[0];
	g->out_side = side[1];
	g->own |= OWN(GS_IN_IDX) | OWN(GS_OUT_IDX) | OWN(GS_PG_IDX) |
		  OWN(GS_RG_IDX) | OWN(GS_IN_REFS) | OWN(GS_OUT_REFS) |
		  OWN(GS_IN_SIDE) | OWN(GS_OUT_SIDE) | OWN(GS_PG) | OWN(GS_RG);
	g->nbase = g->n;
	g->nev_base = g->nev;
	g->cap = n2;
	/* no lists of their own again */
	free_lists(x);
	if (x->xid)
		memset(x->xid, 0, x->xid_cap * sizeof(*x->xid));
	x->nxo = 0;
	bt_gext_rebases++;
	return 0;
nomem:
	r = nomem();
out:
	for (k = 0; k < 4; k++) {
		free(idx[k]);
		free(arr[k]);
	}
	free(side[0]);
	free(side[1]);
	return r;
}

/* Drop the ends (a log past 2^27 objects has none: graph.h). */
static void drop_ends(struct bt_graph *g)
{
	struct bt_gext *x = g->ext;
	uint32_t i;
	int k;

	if (!g->bigmap && (!g->idx || g->own & OWN(GS_IN_SIDE))) {
		free(g->in_side);
		free(g->out_side);
	}
	g->in_side = g->out_side = NULL;
	for (i = 0; i < x->nxo; i++)
		for (k = XL_IN; k <= XL_OUT; k++) {
			struct xlist *l = &x->xo[i][k];

			if (l->side)
				x->list_bytes -= (size_t)l->cap * 4;
			free(l->side);
			l->side = NULL;
		}
	x->ends = false;
}

/* Take in what g's log (refreshed or not) has past what g holds. */
static int take_in(struct bt_graph *g, uint64_t *added)
{
	struct bt_gext *x = g->ext;
	uint32_t nb = g->nblocks, nl = bt_log_blocks(g->log), b;
	struct bt_log_blockinfo li;
	int r;

	if (nl < nb)
		return bt_error_set(BT_ECORRUPT,
			"the log has fewer blocks than the graph holds");
	b = nb;
	if (nb) {
		const struct bt_log_blockinfo *hb = &g->blocks[nb - 1];

		if ((r = bt_log_block_info(g->log, nb - 1, &li)))
			return r;
		if (li.first_event != hb->first_event ||
		    li.first_object != hb->first_object ||
		    li.file_off != hb->file_off || li.lim < hb->lim ||
		    li.nevents < hb->nevents || li.nobjects < hb->nobjects)
			return bad_block(nb - 1, "changed since it was read");
		if (li.lim != hb->lim)
			b = nb - 1;   /* it grew in place */
	}
	for (; b < nl; b++) {
		bool old = nb && b == nb - 1;

		if ((r = take_block(g, b, old ? g->blocks[b].nevents : 0,
				    old ? g->blocks[b].nobjects : 0,
				    old ? g->tail_labs : 0, added)))
			return r;
		if (g->in_side && (uint64_t)g->n >> BT_END_OBJ_BITS) {
			if ((r = flush(g))) {
				x->broken = true;
				return r;
			}
			drop_ends(g);
		}
	}
	if ((r = flush(g)) || (r = merge_paths(g))) {
		x->broken = true;
		return r;
	}
	if (rebase_due(g)) {
		if ((r = rebase(g)))
			return r;
		return bt_graph_status(g);
	}
	return bt_graph_status(g);
}

int bt_graph_extend(struct bt_graph *g, uint64_t *added)
{
	uint64_t n = 0;
	int r;

	if (added)
		*added = 0;
	if (g->version < 2)
		return bt_error_set(BT_EVERSION,
			"a version 1 log cannot be extended: load it again");
	if (!g->log)
		return bt_error_set(BT_EINVAL, "the graph has no log");
	if (g->ext && g->ext->broken)
		return bt_error_set(BT_EINVAL,
			"an earlier extension of the graph failed: load the "
			"log again");
	if (!g->ext && (r = ext_init(g)))
		return r;
	if ((r = bt_log_refresh(g->log, NULL)))
		return r;
	r = take_in(g, &n);
	if (added)
		*added = n;
	return r;
}

int bt_graph_extend_loaded(struct bt_graph *g, uint64_t *added)
{
	uint64_t n = 0;
	int r;

	if (added)
		*added = 0;
	if (!g->ext && (r = ext_init(g)))
		return r;
	r = take_in(g, &n);
	if (added)
		*added = n;
	return r;
}
