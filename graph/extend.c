/*
 * extend.c - take what a growing log committed since a graph was loaded
 * into the graph, without loading it again (bt_graph_extend(), graph.h).
 *
 * The arrays a load built (graph-int.h) stay as they are: they may be
 * read-only mappings of an index.  What the log adds lives beside them:
 *  - per object, a list of its own in a growable pool (struct bt_gext) for
 *    each list that gained an entry (in, out events; pages, regions of a
 *    file): the base list is copied there once, then the list grows by
 *    half again when full; the place it left is garbage, and a pool is
 *    compacted when garbage passes half of it.  Objects without a list
 *    of their own answer from the base arrays;
 *  - the per-object arrays (kind, flags, record offsets, label heads) and
 *    the labels, block table and PATH index grow geometrically; copied
 *    from an index's mapping to the heap (after checking its chunks) on
 *    first growth;
 *  - object and label records are copied into an arena of their own, at
 *    offsets after the loaded arena's.
 * Per event: two list appends, amortised O(1), no allocation.  An event
 * earlier than the latest held (a log not in time order) is inserted at
 * its place by time (a binary search reading event times), and the graph
 * notes it is not time ordered.
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

#include "../core/error.h"
#include "../core/util.h"
#include "graph-int.h"
#include "graph.h"

/* The gsec sections an extension copies to the heap (own bits). */
#define OWN(s) (1u << (s))

static int nomem(void)
{
	return bt_error_set(BT_ENOMEM, "out of memory");
}

static int bad_block(uint32_t b, const char *what)
{
	return bt_error_set(BT_ECORRUPT, "block %u of the log: %s", b, what);
}

void bt_gext_free(struct bt_graph *g)
{
	struct bt_gext *x = g->ext;
	int k;

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
	}
	if (!x)
		return;
	free(x->xid);
	free(x->xo);
	for (k = 0; k < XL_N; k++) {
		free(x->pool[k].v);
		free(x->pool[k].side);
	}
	free(x->arena);
	free(x->buf);
	free(x->times);
	free(x->newpaths);
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
	if (x->alen + len > x->acap &&
	    (e = bt_grow(&x->arena, &x->acap, x->alen + len, 1)))
		return e;
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

/* `n` entries at the end of pool k; their offset in *off. */
static int pool_alloc(struct bt_graph *g, int k, uint64_t n, uint64_t *off)
{
	struct xpool *p = &g->ext->pool[k];
	bool side = p->side != NULL;
	size_t cap = p->cap, c2;
	void *v;

	if (p->len + n > p->cap) {
		c2 = cap < 1024 ? 1024 : cap;
		while (c2 < p->len + n) {
			if (c2 > SIZE_MAX / 16)
				return nomem();
			c2 = c2 + c2 / 2;
		}
		if (!(v = realloc(p->v, c2 * sizeof(uint32_t))))
			return nomem();
		p->v = v;
		if (side) {
			if (!(v = realloc(p->side, c2 * sizeof(uint32_t))))
				return nomem();
			p->side = v;
		}
		p->cap = c2;
	}
	*off = p->len;
	p->len += n;
	return 0;
}

/* Move every list of pool k to a new array, in order, dropping the
 * garbage.  O(entries) for a pool at least half garbage: amortised. */
static int pool_compact(struct bt_graph *g, int k)
{
	struct bt_gext *x = g->ext;
	struct xpool *p = &x->pool[k];
	uint64_t live = p->len - p->garbage, at = 0, cap;
	uint32_t *v, *side = NULL;
	uint32_t i;

	cap = live + live / 2 + 1024;
	if (!(v = malloc(cap * sizeof(uint32_t))))
		return nomem();
	if (p->side && !(side = malloc(cap * sizeof(uint32_t)))) {
		free(v);
		return nomem();
	}
	for (i = 0; i < x->nxo; i++) {
		struct xlist *l = &x->xo[i][k];

		if (!l->cap)
			continue;
		memcpy(v + at, p->v + l->off, (size_t)l->n * 4);
		if (side)
			memcpy(side + at, p->side + l->off, (size_t)l->n * 4);
		l->off = at;
		at += l->cap;
	}
	free(p->v);
	free(p->side);
	p->v = v;
	p->side = side;
	p->len = at;
	p->cap = cap;
	p->garbage = 0;
	return 0;
}

/* The base list k of id (the loaded arrays), and beside it its ends. */
static size_t base_list(const struct bt_graph *g, uint32_t id, int k,
			const uint32_t **v, const uint32_t **side)
{
	size_t n = 0;

	*v = *side = NULL;
	switch (k) {
	case XL_IN:
		n = bt_graph_in(g, id, v);
		*side = bt_graph_in_ends(g, id);
		break;
	case XL_OUT:
		n = bt_graph_out(g, id, v);
		*side = bt_graph_out_ends(g, id);
		break;
	case XL_PG:
		n = bt_graph_file_pages(g, id, v);
		break;
	default:
		n = bt_graph_file_regions(g, id, v);
		break;
	}
	return n;
}

/* Object id's own list k, made if it has none yet (its base list copied
 * into the pool), with room for one more entry. */
static int own_list(struct bt_graph *g, uint32_t id, int k,
		    struct xlist **out)
{
	struct bt_gext *x = g->ext;
	struct xpool *p = &x->pool[k];
	struct xlist *l;
	const uint32_t *bv, *bs;
	uint64_t off;
	size_t n, cap;
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
	if (!l->cap) {
		n = base_list(g, id, k, &bv, &bs);
		cap = n + n / 2 + 4;
		if (cap > UINT32_MAX)
			return bt_error_set(BT_ELIMIT, "a list is too long");
		if ((r = pool_alloc(g, k, cap, &off)))
			return r;
		/* the pool may have moved; the base did not */
		if (n)
			memcpy(p->v + off, bv, n * 4);
		if (p->side) {
			if (bs && n)
				memcpy(p->side + off, bs, n * 4);
			else if (n)
				memset(p->side + off, 0, n * 4);
		}
		l = &x->xo[x->xid[id] - 1][k];
		l->off = off;
		l->n = (uint32_t)n;
		l->cap = (uint32_t)cap;
	} else if (l->n == l->cap) {
		cap = (size_t)l->cap + l->cap / 2 + 4;
		if (cap > UINT32_MAX)
			return bt_error_set(BT_ELIMIT, "a list is too long");
		if ((r = pool_alloc(g, k, cap, &off)))
			return r;
		l = &x->xo[x->xid[id] - 1][k];
		memcpy(p->v + off, p->v + l->off, (size_t)l->n * 4);
		if (p->side)
			memcpy(p->side + off, p->side + l->off,
			       (size_t)l->n * 4);
		p->garbage += l->cap;
		l->off = off;
		l->cap = (uint32_t)cap;
	}
	*out = l;
	return 0;
}

/* Insert v (and s beside it) at position pos of list l of pool k. */
static void list_insert(struct bt_graph *g, int k, struct xlist *l,
			uint32_t pos, uint32_t v, uint32_t s)
{
	struct xpool *p = &g->ext->pool[k];
	uint32_t *a = p->v + l->off;

	if (pos < l->n)
		memmove(a + pos + 1, a + pos, (size_t)(l->n - pos) * 4);
	a[pos] = v;
	if (p->side) {
		a = p->side + l->off;
		if (pos < l->n)
			memmove(a + pos + 1, a + pos,
				(size_t)(l->n - pos) * 4);
		a[pos] = s;
	}
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

static int add_to(struct bt_graph *g, uint32_t id, int k, uint32_t ref,
		  uint32_t side, uint64_t t, bool in_order,
		  uint32_t cur_first, uint32_t cur_n)
{
	struct xlist *l;
	uint32_t pos;
	int r;

	if ((r = own_list(g, id, k, &l)))
		return r;
	pos = in_order ? l->n :
	      place(g, g->ext->pool[k].v + l->off, l->n, t, cur_first,
		    cur_n);
	list_insert(g, k, l, pos, ref, side);
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
	if ((r = add_to(g, e->effect, XL_IN, ref,
			(uint32_t)e->op << BT_END_OBJ_BITS | e->cause, e->time,
			in_order, cur_first, cur_n)) ||
	    (r = add_to(g, e->cause, XL_OUT, ref,
			(uint32_t)e->op << BT_END_OBJ_BITS | e->effect,
			e->time, in_order, cur_first, cur_n)))
		return r;
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

		if ((r = own_list(g, f, XL_PG, &l)))
			return r;
		/* by index, ties by id (the new id is the largest) */
		a = g->ext->pool[XL_PG].v + l->off;
		hi = l->n;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;

			if (page_index(g, a[mid]) <= want)
				lo = mid + 1;
			else
				hi = mid;
		}
		list_insert(g, XL_PG, l, lo, id, 0);
		g->npg++;
	} else {
		if ((r = own_list(g, f, XL_RG, &l)))
			return r;
		list_insert(g, XL_RG, l, l->n, id, 0);
		g->nrg++;
	}
	return 0;
}

static int add_label(struct bt_graph *g, const struct bt_rec_label *lr)
{
	struct bt_gext *x = g->ext;
	uint32_t off, i, *head, j, steps = 0;
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
	/* at the end of the object's list: oldest first, log order */
	if (!*head) {
		*head = i + 1;
	} else {
		for (j = *head; g->labs[j - 1].next && steps++ < g->nlabs;)
			j = g->labs[j - 1].next;
		g->labs[j - 1].next = i + 1;
	}
	if (lr->key != BT_LABEL_PATH)
		return 0;
	nl->hash = bt_graph_path_hash(lr->value.s, lr->value.len);
	if (g->kind[lr->object] == BT_OBJ_FILE &&
	    bt_graph_is_recorder_path(bt_rec_str(&lr->value))) {
		const uint32_t *l;

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

/* Merge the PATH labels added into by_path (sorted by hash, time, log
 * order): O(paths) per extension that added any. */
static int merge_paths(struct bt_graph *g)
{
	struct bt_gext *x = g->ext;
	uint32_t *m, i = 0, j = 0, k = 0;
	uint64_t total = (uint64_t)g->npaths + x->npaths_new;

	if (!x->npaths_new)
		return 0;
	if (g->idx && !(g->own & OWN(GS_BY_PATH)) && g->npaths &&
	    bt_index_check(g, GS_BY_PATH, 0, (uint64_t)g->npaths * 4))
		return bt_graph_status(g);
	qsort_r(x->newpaths, x->npaths_new, sizeof(uint32_t),
		bt_graph_cmp_by_path, g);
	if (!(m = malloc(total * sizeof(uint32_t))))
		return nomem();
	while (i < g->npaths && j < x->npaths_new)
		m[k++] = bt_graph_cmp_by_path(&g->by_path[i], &x->newpaths[j],
					      g) <= 0 ? g->by_path[i++] :
						       x->newpaths[j++];
	while (i < g->npaths)
		m[k++] = g->by_path[i++];
	while (j < x->npaths_new)
		m[k++] = x->newpaths[j++];
	if (!g->idx || g->own & OWN(GS_BY_PATH))
		free(g->by_path);
	g->by_path = m;
	g->own |= OWN(GS_BY_PATH);
	g->npaths = (uint32_t)total;
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

/* Records of a decoded block, one at a time. */
static const struct bt_rec_head *next_rec(const uint8_t *buf, size_t len,
					  size_t *pos)
{
	const struct bt_rec_head *h;
	size_t l;

	if (*pos + 8 > len)
		return NULL;
	h = (const void *)(buf + *pos);
	l = h->type == BT_REC_EVENT ? sizeof(struct bt_rec_event) : h->len;
	if (l < 8 || l > len - *pos)
		return NULL;
	*pos += l;
	return h;
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
		while ((h = next_rec(gg->ext->buf, len, &pos)))
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
		while (k < held && (h = next_rec(x->buf, len, &pos))) {
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
	if (g->in_side) {
		/* the ends beside the pooled event lists */
		x->pool[XL_IN].side = malloc(4);
		x->pool[XL_OUT].side = malloc(4);
		if (!x->pool[XL_IN].side || !x->pool[XL_OUT].side)
			return nomem();
	}
	return 0;
}

/* Take block b into the graph from its event skip_e, object skip_o and
 * kept label skip_l on (what it held of it before). */
static int take_block(struct bt_graph *g, uint32_t b, uint32_t skip_e,
		      uint32_t skip_o, uint32_t skip_l, uint64_t *added)
{
	struct bt_gext *x = g->ext;
	struct bt_log_blockinfo bi;
	const struct bt_rec_head *h;
	size_t len = 0, pos = 0;
	uint32_t ne = 0, no = 0, nl = 0, first, k;
	int r;

	if ((r = bt_log_block_info(g->log, b, &bi)) ||
	    (r = decode(g, b, &len)))
		return r;
	if (bi.first_event + bi.nevents >= UINT32_MAX ||
	    (uint64_t)bi.first_object + bi.nobjects >= UINT32_MAX - 2)
		return bt_error_set(BT_ELIMIT,
			"log too large for the index (at most 4 G events and objects)");
	if (bi.first_event != g->nev - skip_e ||
	    bi.first_object != g->n - skip_o || bi.nevents < skip_e ||
	    bi.nobjects < skip_o)
		return bad_block(b, "does not follow what the graph holds");
	first = (uint32_t)bi.first_event;
	/* the times of its events, for places in lists (time_of()) */
	if (bi.nevents > x->times_cap &&
	    (r = bt_grow(&x->times, &x->times_cap, bi.nevents,
			 sizeof(*x->times))))
		return r;
	for (k = 0; (h = next_rec(x->buf, len, &pos));)
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
		if ((r = decode(g, b, &len)))
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
	bt_graph_cache_reset(g);
	for (pos = 0; (h = next_rec(x->buf, len, &pos));) {
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
	x->broken = false;
	return 0;
}

/* Drop the ends (a log past 2^27 objects has none: graph.h). */
static void drop_ends(struct bt_graph *g)
{
	struct bt_gext *x = g->ext;

	if (!g->idx && !g->bigmap) {
		free(g->in_side);
		free(g->out_side);
	}
	g->in_side = g->out_side = NULL;
	free(x->pool[XL_IN].side);
	free(x->pool[XL_OUT].side);
	x->pool[XL_IN].side = x->pool[XL_OUT].side = NULL;
}

/* Take in what g's log (refreshed or not) has past what g holds. */
static int take_in(struct bt_graph *g, uint64_t *added)
{
	struct bt_gext *x = g->ext;
	uint32_t nb = g->nblocks, nl = bt_log_blocks(g->log), b, k;
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
		if (g->in_side && (uint64_t)g->n >> BT_END_OBJ_BITS)
			drop_ends(g);
	}
	if ((r = merge_paths(g))) {
		x->broken = true;
		return r;
	}
	for (k = 0; k < XL_N; k++)
		if (x->pool[k].garbage > x->pool[k].len / 2 &&
		    (r = pool_compact(g, k)))
			return r;
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
