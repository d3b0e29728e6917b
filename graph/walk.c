/*
 * walk.c - backward (backtrack) and forward walks over a loaded graph, and
 * detection point specs (see walk.h for the rules and the result's order).
 *
 * A walk is a work queue of result nodes.  A node is one object, or at vma
 * and object granularity a group of page objects (with, at object
 * granularity, their file).  Its "members" are the objects whose event
 * lists it reads: itself and a slice of its file's page list (sorted by page
 * index).  Each list is sorted by time, so the events inside a node's time
 * window are found with two binary searches.  A node remembers the window
 * it has examined; when its threshold moves (up backward, down forward) only
 * the events between the old and the new bound are examined, so every event
 * is looked at at most once and a walk is linear in the events it touches.
 *
 * vma groups (the file's regions, overlapping ones merged) are computed per
 * file the first time a page of that file is reached, never for the whole
 * log.  Arrays grow geometrically; nothing is allocated per event.
 *
 * It does not load (graph.c) and does not print.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/hash.h"
#include "../core/timefmt.h"
#include "../core/util.h"
#include "channel.h"
#include "walk.h"

/* Node indexes fit in 28 bits so (from, to, op) packs into an edge key. */
#define MAX_WALK_NODES (UINT32_C(1) << 28)

struct wnode {
	uint32_t obj;        /* the node's object id (its key) */
	uint8_t kind;
	bool queued, has_done;
	uint32_t depth;
	uint64_t t;          /* threshold */
	uint64_t done;       /* threshold already examined (if has_done) */
	/* Files and pages, whose window an emptying bounds (window()): the
	 * other extreme of the times the node was reached at (backward the
	 * earliest, forward the latest; t is the latest / the earliest),
	 * if has_t2; and the other end of the window examined (backward
	 * its start, forward its end), if has_done. */
	bool has_t2;
	uint64_t t2;
	uint64_t edge;
	uint32_t self;       /* member object with its own lists, or 0 */
	uint32_t extra;      /* page nodes: their file, whose read(2) and
	                        write(2) events the pages depend on, or 0 */
	uint32_t file;       /* page groups and files with pages */
	uint32_t ps, pe;     /* slice of file's pages that are members */
	uint64_t pfirst, plast;
	/* While one list is scanned (expand(): scan stamps, list positions) */
	uint32_t scan;       /* the scan that last met this node */
	bool fresh, trig;    /* created in it; its threshold moves */
	size_t pos;          /* entries at or past (backward) / before
	                        (forward) this position move the threshold */
	size_t fj, lj;       /* first and last entry that met it */
};

/* A merged range of a file's regions. */
struct range {
	uint64_t first, last;
};

/* Per file, the merged ranges: ranges[at .. at+n). */
struct vma {
	size_t at, n;
};

struct walker {
	const struct bt_graph *g;
	struct bt_walk_opts o;
	enum bt_dir dir;
	struct bt_result *r;

	struct wnode *nodes;
	size_t nnodes, nodes_cap;
	struct bt_u64map obj2node;   /* object id -> node index + 1 */

	struct bt_edge *edges;
	size_t nedges, edges_cap;
	struct bt_u64map edge_map;   /* packed (from, to, op) -> edge + 1 */

	uint32_t *queue;
	size_t qhead, qlen, qcap;

	struct bt_u64map file2vma;   /* file id -> vma index + 1 */
	struct vma *vmas;
	size_t nvmas, vmas_cap;
	struct range *ranges;
	size_t nranges, ranges_cap;

	bool obj_level;              /* the log has BT_LOGF_OBJ_LEVEL */

	/* One list scan: what it met (expand()). */
	uint32_t scan;
	uint32_t *met_nodes;
	size_t nmet_nodes, met_nodes_cap;
	struct escan *escan;         /* [edges_cap] */
	size_t escan_cap;
	uint32_t *met_edges;
	size_t nmet_edges, met_edges_cap;
	struct bt_channels *chan;    /* channel.h, made when first needed */
	/* An endpoint start: the other endpoints of its address (one per
	 * connection end in a log with local addresses), members of node 0,
	 * so that endpoint:ADDR starts from every connection to ADDR. */
	uint32_t *alias;
	size_t nalias;
};

/* Per edge, for the scan that last met it. */
struct escan {
	uint32_t scan;
	uint32_t count;
	size_t fj, lj;
};

void bt_walk_opts_init(struct bt_walk_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->gran = BT_GRAN_PAGE;
	o->since = 0;
	o->until = BT_TIME_NONE;
}

static const char *const gran_names[] = { "page", "vma", "object" };

int bt_gran_parse(enum bt_gran *out, const char *name)
{
	size_t i;

	for (i = 0; i < BT_ARRAY_SIZE(gran_names); i++) {
		if (strcmp(name, gran_names[i]) == 0) {
			*out = (enum bt_gran)i;
			return 0;
		}
	}
	return bt_error_set(BT_EINVAL,
		"bad granularity '%s': expected page, vma or object", name);
}

const char *bt_gran_name(enum bt_gran g)
{
	if ((unsigned)g >= BT_ARRAY_SIZE(gran_names))
		return NULL;
	return gran_names[g];
}

/* ---- time windows over sorted lists ------------------------------------ */

static inline uint64_t ev_time(const struct bt_graph *g, uint32_t ref)
{
	struct bt_rec_event e;

	bt_graph_event(g, ref, &e);
	return e.time;
}

/* First index whose event time is >= t.  When references are in time
 * order this reads no event of the list: one block for the reference. */
static size_t lower_bound(const struct bt_graph *g, const uint32_t *l,
			  size_t n, uint64_t t)
{
	size_t lo = 0, hi = n;

	if (t == 0 || n == 0)
		return 0;
	if (bt_graph_time_ordered(g)) {
		uint32_t ref = bt_graph_ref_at(g, t);

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (l[mid] < ref)
				lo = mid + 1;
			else
				hi = mid;
		}
		return lo;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ev_time(g, l[mid]) < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* First index whose event time is > t. */
static size_t upper_bound(const struct bt_graph *g, const uint32_t *l,
			  size_t n, uint64_t t)
{
	if (t == UINT64_MAX)
		return n;
	return lower_bound(g, l, n, t + 1);
}

/* ---- nodes --------------------------------------------------------------- */

static uint64_t page_index(const struct bt_graph *g, uint32_t page)
{
	struct bt_object_info info;

	bt_graph_object_bare(g, page, &info);
	return info.page;
}

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->last < y->last ? -1 : x->last > y->last;
}

/* The merged region ranges of `file`, computed once per walk. */
static int file_vma(struct walker *w, uint32_t file, const struct vma **out)
{
	uint32_t v = bt_u64map_get(&w->file2vma, file);
	const uint32_t *rg;
	size_t n, i, at;
	struct vma *vm;
	int r;

	if (v) {
		*out = &w->vmas[v - 1];
		return 0;
	}
	n = bt_graph_file_regions(w->g, file, &rg);
	if (w->nranges + n > w->ranges_cap &&
	    (r = bt_grow(&w->ranges, &w->ranges_cap, w->nranges + n,
			 sizeof(*w->ranges))))
		return r;
	if (w->nvmas + 1 > w->vmas_cap &&
	    (r = bt_grow(&w->vmas, &w->vmas_cap, w->nvmas + 1,
			 sizeof(*w->vmas))))
		return r;
	at = w->nranges;
	for (i = 0; i < n; i++) {
		struct bt_object_info info;
		struct range *x = &w->ranges[at + i];

		bt_graph_object_bare(w->g, rg[i], &info);
		x->first = info.page;
		/* A count of 0 means "to the end of the file". */
		if (info.count == 0 || info.count - 1 > UINT64_MAX - info.page)
			x->last = UINT64_MAX;
		else
			x->last = info.page + info.count - 1;
	}
	if (n > 1)   /* (w->ranges is NULL while a file has no regions) */
		qsort(w->ranges + at, n, sizeof(*w->ranges), cmp_range);
	/* Merge overlapping ranges in place. */
	{
		size_t k = 0;

		for (i = 0; i < n; i++) {
			struct range *x = &w->ranges[at + i];

			if (k && x->first <= w->ranges[at + k - 1].last) {
				if (x->last > w->ranges[at + k - 1].last)
					w->ranges[at + k - 1].last = x->last;
				continue;
			}
			w->ranges[at + k++] = *x;
		}
		n = k;
	}
	w->nranges = at + n;
	vm = &w->vmas[w->nvmas++];
	vm->at = at;
	vm->n = n;
	if ((r = bt_u64map_put(&w->file2vma, file, (uint32_t)w->nvmas)))
		return r;
	*out = vm;
	return 0;
}

/* Slice [*ps, *pe) of the file's (index-sorted) pages within [a, b]. */
static void page_slice(const struct bt_graph *g, uint32_t file, uint64_t a,
		       uint64_t b, uint32_t *ps, uint32_t *pe)
{
	const uint32_t *pg;
	size_t n = bt_graph_file_pages(g, file, &pg), lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (page_index(g, pg[mid]) < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	*ps = (uint32_t)lo;
	hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (page_index(g, pg[mid]) <= b)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pe = (uint32_t)lo;
}

/* What node `obj` belongs to at this granularity: fills the key and the
 * members of a new node in *n. */
static int describe(struct walker *w, uint32_t obj, struct wnode *n)
{
	const struct bt_graph *g = w->g;
	struct bt_object_info info;
	const uint32_t *pg;
	size_t npg;

	memset(n, 0, sizeof(*n));
	/* A walk describes each object it meets (also when --max-nodes
	 * stopped it from adding nodes): its kind, and a page's record
	 * (its file and index) only, not the labels bt_graph_object()
	 * reads (a busy file's PATH labels are many) nor other records
	 * (scattered over the graph: a cache miss each). */
	info.kind = bt_graph_kind(g, obj);
	if (info.kind == BT_OBJ_PAGE)
		bt_graph_object_bare(g, obj, &info);
	n->obj = obj;
	n->kind = info.kind;
	n->self = obj;
	if (info.kind == BT_OBJ_PAGE && w->o.gran == BT_GRAN_OBJECT) {
		return describe(w, info.file, n);
	} else if (info.kind == BT_OBJ_FILE) {
		/* At object granularity the pages are the file.  At page and
		 * vma granularity a read(2) of a file, whose offsets the log
		 * does not hold, depends on every page write before it, and
		 * a page write reaches every later read(2): conservative,
		 * never missing (the pages are members of the file's node). */
		npg = bt_graph_file_pages(g, obj, &pg);
		if (npg) {
			n->file = obj;
			n->ps = 0;
			n->pe = (uint32_t)npg;
			n->pfirst = page_index(g, pg[0]);
			n->plast = page_index(g, pg[npg - 1]);
		}
	} else if (info.kind == BT_OBJ_PAGE) {
		n->file = info.file;
		n->extra = info.file;
		n->pfirst = n->plast = info.page;
		if (w->o.gran == BT_GRAN_VMA) {
			const struct vma *vm;
			const struct range *x;
			size_t lo = 0, hi;
			int r;

			if ((r = file_vma(w, info.file, &vm)))
				return r;
			hi = vm->n;
			/* Last range starting at or before the page. */
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;

				if (w->ranges[vm->at + mid].first <= info.page)
					lo = mid + 1;
				else
					hi = mid;
			}
			x = lo ? &w->ranges[vm->at + lo - 1] : NULL;
			if (x && x->last >= info.page) {
				page_slice(g, info.file, x->first, x->last,
					   &n->ps, &n->pe);
				npg = bt_graph_file_pages(g, info.file, &pg);
				if (n->ps < n->pe && n->pe <= npg) {
					n->obj = pg[n->ps];
					n->self = 0;
					n->pfirst = x->first;
					n->plast = x->last;
					/* A mapping of unknown length reaches
					 * to the end: show the pages seen. */
					if (x->last == UINT64_MAX)
						n->plast = page_index(g,
							pg[n->pe - 1]);
				}
			}
		}
	}
	return 0;
}

/*
 * The node of object `obj`, created with `depth` if new (*created).  Returns
 * the node index + 1, 0 when a limit refused a new node, or a negative
 * bt_error.
 */
static long long node_of(struct walker *w, uint32_t obj, uint32_t depth,
			 bool *created)
{
	uint32_t v = bt_u64map_get(&w->obj2node, obj);
	struct wnode n;
	int r;

	*created = false;
	if (v)
		return v;
	if ((r = describe(w, obj, &n)))
		return r;
	v = bt_u64map_get(&w->obj2node, n.obj);
	if (!v) {
		if (w->nnodes && w->o.max_depth && depth > w->o.max_depth) {
			if (!w->r->truncated) {
				w->r->truncated = true;
				snprintf(w->r->limit, sizeof(w->r->limit),
					 "stopped at depth %u (--max-depth)",
					 w->o.max_depth);
			}
			return 0;
		}
		if (w->nnodes && ((w->o.max_nodes &&
				   w->nnodes >= w->o.max_nodes) ||
				  w->nnodes >= MAX_WALK_NODES)) {
			if (!w->r->truncated) {
				w->r->truncated = true;
				snprintf(w->r->limit, sizeof(w->r->limit),
					 "stopped at %zu nodes (--max-nodes)",
					 w->nnodes);
			}
			return 0;
		}
		if (w->nnodes + 1 > w->nodes_cap &&
		    (r = bt_grow(&w->nodes, &w->nodes_cap, w->nnodes + 1,
				 sizeof(*w->nodes))))
			return r;
		n.depth = depth;
		w->nodes[w->nnodes++] = n;
		v = (uint32_t)w->nnodes;
		if (n.obj != obj &&
		    (r = bt_u64map_put(&w->obj2node, n.obj, v)))
			return r;
		*created = true;
	}
	if ((r = bt_u64map_put(&w->obj2node, obj, v)))
		return r;
	return v;
}

static int push(struct walker *w, uint32_t node)
{
	int r;

	if (w->nodes[node].queued)
		return 0;
	if (w->qhead && w->qhead == w->qlen)
		w->qhead = w->qlen = 0;
	if (w->qlen + 1 > w->qcap) {
		if (w->qhead > w->qcap / 2) {
			memmove(w->queue, w->queue + w->qhead,
				(w->qlen - w->qhead) * sizeof(*w->queue));
			w->qlen -= w->qhead;
			w->qhead = 0;
		} else if ((r = bt_grow(&w->queue, &w->qcap, w->qlen + 1,
					sizeof(*w->queue)))) {
			return r;
		}
	}
	w->queue[w->qlen++] = node;
	w->nodes[node].queued = true;
	return 0;
}

/* Object-level mmap events of shared mappings of files with page events
 * stand for the page events: ignored at page and vma granularity. */
static bool skip_event(const struct walker *w, const struct bt_rec_event *e)
{
	/* The recorder's preload library is in every traced process and
	 * never a cause of what the programs did. */
	if ((e->op == BT_OP_READ || e->op == BT_OP_MMAP_READ ||
	     e->op == BT_OP_EXEC) && bt_graph_is_recorder(w->g, e->cause))
		return true;
	if (w->o.gran == BT_GRAN_OBJECT || !(e->flags & BT_EVF_SHARED) ||
	    (e->op != BT_OP_MMAP_READ && e->op != BT_OP_MMAP_WRITE))
		return false;
	/* A log with mappings recorded at object level only (a static
	 * program the page monitor could not enter): a mapping no page event
	 * went through may be one of them, and counts at object level. */
	if (w->obj_level && !bt_graph_region_has_pages(w->g, e->aux))
		return false;
	if (e->op == BT_OP_MMAP_READ)
		return bt_graph_file_has_pages(w->g, e->cause);
	return bt_graph_file_has_pages(w->g, e->effect);
}

/* The event list of member i of a node (self first, then the extra
 * object, then the page slice; in-lists backward, out-lists forward);
 * false past the last member. */
static bool member_of(const struct walker *w, const struct wnode *n,
		      size_t i, const uint32_t **l, size_t *len,
		      const uint32_t **ends, uint32_t *out_obj);

static bool member(const struct walker *w, const struct wnode *n, size_t i,
		   const uint32_t **l, size_t *len)
{
	const uint32_t *ends;
	uint32_t obj;

	return member_of(w, n, i, l, len, &ends, &obj);
}

/* member(), with the list's ends (bt_graph_in_ends(); NULL if the graph
 * has none) and the member object. */
static bool member_of(const struct walker *w, const struct wnode *n,
		      size_t i, const uint32_t **l, size_t *len,
		      const uint32_t **ends, uint32_t *out_obj)
{
	const uint32_t *pg;
	uint32_t obj;

	if (n->self && i == 0) {
		obj = n->self;
	} else if (n->extra && i == (n->self ? 1u : 0u)) {
		obj = n->extra;
	} else {
		size_t np = (size_t)(n->pe - n->ps);

		i -= (n->self ? 1 : 0) + (n->extra ? 1 : 0);
		if (i < np) {
			bt_graph_file_pages(w->g, n->file, &pg);
			obj = pg[n->ps + i];
		} else if (n == w->nodes && i - np < w->nalias) {
			obj = w->alias[i - np];
		} else {
			return false;
		}
	}
	*out_obj = obj;
	if (w->dir == BT_BACKWARD) {
		*len = bt_graph_in(w->g, obj, l);
		*ends = *len ? bt_graph_in_ends(w->g, obj) : NULL;
	} else {
		*len = bt_graph_out(w->g, obj, l);
		*ends = *len ? bt_graph_out_ends(w->g, obj) : NULL;
	}
	return true;
}

/* Backward: the time of the last event that affects node 0 (not ignored);
 * forward: of the first it causes.  BT_TIME_NONE / 0 if none. */
static uint64_t default_threshold(const struct walker *w,
				  const struct wnode *n)
{
	const uint32_t *l;
	size_t len, i, j;
	bool back = w->dir == BT_BACKWARD;
	uint64_t best = back ? 0 : BT_TIME_NONE;
	bool found = false;
	int pass;

	/* Backward, an unlink is not what the analyst asks about: it ends
	 * the name and carries nothing into it (a later `make clean` would
	 * make rm and its ancestry the causes).  Skip unlinks unless the
	 * name has nothing else. */
	for (pass = back ? 0 : 1; pass < 2 && !found; pass++) {
		for (i = 0; member(w, n, i, &l, &len); i++) {
			for (j = 0; j < len; j++) {
				struct bt_rec_event e;

				if (!bt_graph_event(w->g,
						    l[back ? len - 1 - j : j],
						    &e))
					return back ? BT_TIME_NONE : 0;
				if (skip_event(w, &e) ||
				    (pass == 0 && e.op == BT_OP_UNLINK))
					continue;
				if (back ? e.time >= best : e.time <= best)
					best = e.time;
				found = true;
				break;
			}
		}
	}
	if (!found)
		return back ? BT_TIME_NONE : 0;
	return best;
}

/* The edge (from, to, op), created with no events if new: its index, or
 * a negative bt_error. */
static long long edge_of(struct walker *w, uint32_t from, uint32_t to,
			 uint8_t op)
{
	uint64_t key = (uint64_t)from << 36 | (uint64_t)to << 8 | op;
	uint32_t v = bt_u64map_get(&w->edge_map, key);
	struct bt_edge *e;
	int r;

	if (v)
		return v - 1;
	if (w->nedges + 1 > w->edges_cap &&
	    (r = bt_grow(&w->edges, &w->edges_cap, w->nedges + 1,
			 sizeof(*w->edges))))
		return r;
	if (w->edges_cap > w->escan_cap) {
		size_t old = w->escan_cap;

		if ((r = bt_grow(&w->escan, &w->escan_cap, w->edges_cap,
				 sizeof(*w->escan))))
			return r;
		memset(w->escan + old, 0,
		       (w->escan_cap - old) * sizeof(*w->escan));
	}
	e = &w->edges[w->nedges++];
	e->from = from;
	e->to = to;
	e->op = op;
	e->count = 0;
	e->first = UINT64_MAX;
	e->last = 0;
	if ((r = bt_u64map_put(&w->edge_map, key, (uint32_t)w->nedges)))
		return r;
	return (long long)w->nedges - 1;
}

static int met(uint32_t **a, size_t *n, size_t *cap, uint32_t x)
{
	int r;

	if (*n + 1 > *cap && (r = bt_grow(a, cap, *n + 1, sizeof(**a))))
		return r;
	(*a)[(*n)++] = x;
	return 0;
}

/* The time of entry j of list l (a failure to read it is kept for
 * bt_graph_status()). */
static uint64_t time_at(const struct bt_graph *g, const uint32_t *l,
			size_t j)
{
	struct bt_rec_event e;

	bt_graph_event(g, l[j], &e);
	return e.time;
}

/* ---- emptyings (BT_EVF_EMPTY) ------------------------------------------ */

/* The file whose emptyings bound node n's window (window()): a file's
 * own, a page's or a page group's file; 0 for any other node. */
static uint32_t cut_file(const struct wnode *n)
{
	if (n->kind == BT_OBJ_FILE)
		return n->self ? n->self : n->file;
	if (n->kind == BT_OBJ_PAGE)
		return n->file;
	return 0;
}

/* The op of entry j of a list, from its ends when the graph keeps them
 * (no event read), else from the event. */
static unsigned op_at(const struct bt_graph *g, const uint32_t *l,
		      const uint32_t *ends, size_t j)
{
	struct bt_rec_event e;

	if (ends)
		return BT_END_OP(ends[j]);
	if (!bt_graph_event(g, l[j], &e))
		return 0;               /* kept for bt_graph_status() */
	return e.op;
}

/* Whether entry j of an in-list is an emptying: a truncate to length 0
 * (one of unknown length is not). */
static bool is_emptying(const struct bt_graph *g, const uint32_t *l,
			const uint32_t *ends, size_t j)
{
	struct bt_rec_event e;

	if (ends && BT_END_OP(ends[j]) != BT_OP_TRUNCATE)
		return false;
	if (!bt_graph_event(g, l[j], &e))
		return false;
	return e.op == BT_OP_TRUNCATE && (e.flags & BT_EVF_EMPTY);
}

/*
 * Backward: the time of the last emptying of `file` at or before t (the
 * emptying is in the window: its process decided the content), 0 if none.
 * Also 0 when a writable shared mapping of the file (mmap_write, since
 * `since`) came before it: that mapping may write on after the emptying,
 * at times a log of object-level mappings does not hold, so nothing is
 * cut.  It reads the list back from t to the emptying, which the walk
 * examines anyway, and from there the ops (the ends) down to since.
 */
static uint64_t cut_before(const struct bt_graph *g, uint32_t file,
			   uint64_t t, uint64_t since)
{
	const uint32_t *l, *ends;
	size_t n = bt_graph_in(g, file, &l), j, c, lo;

	ends = n ? bt_graph_in_ends(g, file) : NULL;
	lo = lower_bound(g, l, n, since);
	for (j = upper_bound(g, l, n, t); j > lo; j--)
		if (is_emptying(g, l, ends, j - 1))
			break;
	if (j == lo)
		return 0;
	c = j - 1;
	for (j = lo; j < c; j++)
		if (op_at(g, l, ends, j) == BT_OP_MMAP_WRITE)
			return 0;
	return time_at(g, l, c);
}

/* Forward: the time of the first emptying of `file` after t and no later
 * than until (a read at that very time is kept: which came first is
 * unknown), BT_TIME_NONE if none. */
static uint64_t cut_after(const struct bt_graph *g, uint32_t file,
			  uint64_t t, uint64_t until)
{
	const uint32_t *l, *ends;
	size_t n = bt_graph_in(g, file, &l), j;

	ends = n ? bt_graph_in_ends(g, file) : NULL;
	n = upper_bound(g, l, n, until);
	for (j = upper_bound(g, l, n, t); j < n; j++)
		if (is_emptying(g, l, ends, j))
			return time_at(g, l, j);
	return BT_TIME_NONE;
}

/*
 * Examine entries [lo, hi) of one list (member `mobj` of node v, in time
 * order) and follow them.  What the rule needs of an event is its op, its
 * other end and its time; the time only matters (a) for each edge's first
 * and last time, (b) for the new threshold of the node it reaches (the
 * latest time backward, the earliest forward), and (c) for whether it
 * moves that node's threshold, i.e. whether the node is queued again.  In
 * a list sorted by time, (a) and (b) are the times of the first and last
 * entries that met the edge or node, read once each after the scan, and
 * (c) holds from a position on (backward: at or past the first entry later
 * than the old threshold; forward: before the first entry at or after
 * it), found by binary search.  So with the ends beside the list (an index)
 * the scan reads no event but those, and mmap events (whose flags and
 * region decide whether they count).  Without them it reads every entry,
 * with the same outcome.  Nodes are created and queued in entry order, as
 * a scan event by event would.
 */
static int scan_list(struct walker *w, uint32_t v, uint32_t mobj,
		     const uint32_t *l, const uint32_t *ends, size_t lo,
		     size_t hi)
{
	const struct bt_graph *g = w->g;
	bool back = w->dir == BT_BACKWARD, created;
	uint32_t nobj = bt_graph_nobjects(g), depth = w->nodes[v].depth;
	/* the last cause asked whether it is the recorder: a list's entries
	 * come from a few objects, again and again (a daemon's 1.9 M reads
	 * of two files on a 1 G-event log) */
	uint32_t rec_obj = 0;
	bool rec_is = false;
	/* and the node and edge of the last entry's other end: the next
	 * entry is often the same (node_of() and edge_of() are lookups
	 * once they exist) */
	uint32_t m_other = 0;
	unsigned m_op = 0;
	long long m_o = 0, m_ei = -1;
	size_t j, k;
	int r;

	w->scan++;
	w->nmet_nodes = w->nmet_edges = 0;
	for (j = lo; j < hi; j++) {
		struct bt_rec_event ev;
		uint32_t other, cause, x;
		unsigned op;
		struct wnode *on;
		struct escan *es;
		long long o, ei;

		if (ends) {
			x = ends[j];
			op = BT_END_OP(x);
			other = BT_END_OBJ(x);
			if (op == BT_OP_MMAP_READ || op == BT_OP_MMAP_WRITE) {
				if (!bt_graph_event(g, l[j], &ev))
					return bt_graph_status(g);
				if (skip_event(w, &ev))
					goto skipped;
			} else {
				cause = back ? other : mobj;
				if ((op == BT_OP_READ || op == BT_OP_EXEC) &&
				    cause != rec_obj) {
					rec_obj = cause;
					rec_is = bt_graph_is_recorder(g, cause);
				}
				if ((op == BT_OP_READ || op == BT_OP_EXEC) &&
				    rec_is && cause == rec_obj)
					goto skipped;
			}
		} else {
			if (!bt_graph_event(g, l[j], &ev))
				return bt_graph_status(g);
			op = ev.op;
			other = back ? ev.cause : ev.effect;
			if (skip_event(w, &ev))
				goto skipped;
		}
		w->r->examined++;
		if (other == 0 || other > nobj)
			continue;
		if (other == m_other) {
			o = m_o;
			created = false;
		} else {
			o = node_of(w, other, depth + 1, &created);
			if (o < 0)
				return (int)o;
			m_other = other;
			m_o = o;
			m_ei = -1;
		}
		if (o == 0 || (uint32_t)(o - 1) == v)
			continue;
		on = &w->nodes[o - 1];
		if (on->scan != w->scan) {
			on->scan = w->scan;
			on->fresh = created;
			on->trig = created;
			on->fj = j;
			if (!created)
				on->pos = back ? upper_bound(g, l, hi, on->t) :
					  lower_bound(g, l, hi, on->t);
			if ((r = met(&w->met_nodes, &w->nmet_nodes,
				     &w->met_nodes_cap, (uint32_t)(o - 1))))
				return r;
		}
		on->lj = j;
		if (!on->trig && (back ? j >= on->pos : j < on->pos))
			on->trig = true;
		if (on->trig && (r = push(w, (uint32_t)(o - 1))))
			return r;
		if (m_ei >= 0 && op == m_op) {
			ei = m_ei;
		} else {
			ei = back ? edge_of(w, (uint32_t)(o - 1), v,
					    (uint8_t)op) :
				    edge_of(w, v, (uint32_t)(o - 1), (uint8_t)op);
			if (ei < 0)
				return (int)ei;
			m_ei = ei;
			m_op = op;
		}
		es = &w->escan[ei];
		if (es->scan != w->scan) {
			es->scan = w->scan;
			es->count = 0;
			es->fj = j;
			if ((r = met(&w->met_edges, &w->nmet_edges,
				     &w->met_edges_cap, (uint32_t)ei)))
				return r;
		}
		es->count++;
		es->lj = j;
		continue;
skipped:
		w->r->examined++;
	}
	/* The times: each edge's first and last, each node's new
	 * threshold. */
	for (k = 0; k < w->nmet_edges; k++) {
		struct bt_edge *e = &w->edges[w->met_edges[k]];
		struct escan *es = &w->escan[w->met_edges[k]];
		uint64_t a = time_at(g, l, es->fj);
		uint64_t z = es->lj == es->fj ? a : time_at(g, l, es->lj);

		e->count += es->count;
		if (a < e->first)
			e->first = a;
		if (z > e->last)
			e->last = z;
	}
	for (k = 0; k < w->nmet_nodes; k++) {
		struct wnode *on = &w->nodes[w->met_nodes[k]];

		/* A file or page: the other extreme of its reach times, and
		 * if that moves past the end its window was cut at, the
		 * node is examined again (expand()). */
		if (on->kind == BT_OBJ_FILE || on->kind == BT_OBJ_PAGE) {
			uint64_t r2 = time_at(g, l, back ? on->fj : on->lj);

			if (!on->has_t2 ||
			    (back ? r2 < on->t2 : r2 > on->t2)) {
				on->t2 = r2;
				on->has_t2 = true;
				if (on->has_done && cut_file(on) &&
				    (back ? r2 < on->edge : r2 >= on->edge) &&
				    (r = push(w, w->met_nodes[k])))
					return r;
			}
		}
		if (!on->trig)
			continue;
		/* backward: the latest entry that met it (the first one
		 * past pos, or any if new, is no later); forward: the
		 * earliest */
		on->t = time_at(g, l, back ? on->lj : on->fj);
	}
	return bt_graph_status(g);
}

/* An edge with one more event at time t. */
static int add_edge(struct walker *w, uint32_t from, uint32_t to,
		    uint8_t op, uint64_t t)
{
	long long ei = edge_of(w, from, to, op);
	struct bt_edge *e;

	if (ei < 0)
		return (int)ei;
	e = &w->edges[ei];
	e->count++;
	if (t < e->first)
		e->first = t;
	if (t > e->last)
		e->last = t;
	return 0;
}

/* ---- connections (channel.h) ------------------------------------------ */

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* The other end of endpoint node v's connection, when the log holds it,
 * is reached through a connection edge at v's threshold: backward, what
 * the peer's processes sent arrives at v; forward, what was sent into v
 * arrives at the peer.  The edge is added only when it moves the peer's
 * threshold, so a channel shows as one edge, not one each way. */
static int follow_peer(struct walker *w, uint32_t v, uint32_t obj)
{
	bool back = w->dir == BT_BACKWARD, created;
	uint64_t t = w->nodes[v].t, sl;
	uint32_t peer;
	long long o;
	int r;

	if ((r = bt_channel_peer_lazy(&w->chan, w->g, BT_CHANNEL_TOLERANCE_NS,
				       obj, &peer)) || !peer)
		return r;
	o = node_of(w, peer, w->nodes[v].depth + 1, &created);
	if (o <= 0 || (uint32_t)(o - 1) == v)
		return o < 0 ? (int)o : 0;
	sl = bt_channel_slack(w->chan);  /* between hosts: channel.h */
	if (!created && (back ? t <= sat_add(w->nodes[o - 1].t, sl) :
			 sat_add(t, sl) >= w->nodes[o - 1].t))
		return 0;
	t = back ? sat_add(t, sl) : (t < sl ? 0 : t - sl);
	if ((r = back ? add_edge(w, (uint32_t)(o - 1), v, BT_OP_CONNECTION, t) :
		 add_edge(w, v, (uint32_t)(o - 1), BT_OP_CONNECTION, t)))
		return r;
	w->nodes[o - 1].t = t;
	return push(w, (uint32_t)(o - 1));
}

/*
 * The window of node n: [*lo_t, *hi_t] in time.  Backward, since to the
 * threshold; forward, the threshold to until.  A file (or a page of it)
 * that was emptied (truncate with BT_EVF_EMPTY) holds nothing of what was
 * written before: backward the window starts at the last emptying at or
 * before the earliest time n was reached at, forward it ends at the first
 * emptying after the latest.  A node reached at several times keeps one
 * window from the earliest to the latest, which never misses what one of
 * them needs (it may keep writes an emptying between them ended).  The
 * window only grows: once examined, its other end is n->edge.
 */
static void window(const struct walker *w, const struct wnode *n,
		   uint64_t *lo_t, uint64_t *hi_t)
{
	bool back = w->dir == BT_BACKWARD;
	uint32_t cf = cut_file(n);
	uint64_t t2, c;

	*lo_t = back ? w->o.since : n->t;
	*hi_t = back ? n->t : w->o.until;
	if (!cf)
		return;
	if (back) {
		t2 = n->has_t2 && n->t2 < n->t ? n->t2 : n->t;
		if (n->has_done && t2 >= n->edge) {
			*lo_t = n->edge;        /* the same emptying */
			return;
		}
		c = cut_before(w->g, cf, t2, w->o.since);
		if (c > *lo_t)
			*lo_t = c;
		if (n->has_done && n->edge < *lo_t)
			*lo_t = n->edge;
	} else {
		t2 = n->has_t2 && n->t2 > n->t ? n->t2 : n->t;
		if (n->has_done && t2 < n->edge) {
			*hi_t = n->edge;
			return;
		}
		c = cut_after(w->g, cf, t2, w->o.until);
		if (c < *hi_t)
			*hi_t = c;
		if (n->has_done && n->edge > *hi_t)
			*hi_t = n->edge;
	}
}

/* Examine the events of node v inside its window that were not examined
 * before, and follow them. */
static int expand(struct walker *w, uint32_t v)
{
	const struct bt_graph *g = w->g;
	const uint32_t *l, *ends;
	size_t len, i, lo, hi, a, b;
	bool back = w->dir == BT_BACKWARD;
	struct wnode *n = &w->nodes[v];
	uint64_t done = n->done, edge = n->edge, lo_t, hi_t;
	bool has_done = n->has_done;
	uint32_t mobj;
	int r;

	window(w, n, &lo_t, &hi_t);
	n->done = n->t;
	n->edge = back ? lo_t : hi_t;
	n->has_done = true;
	for (i = 0; member_of(w, &w->nodes[v], i, &l, &len, &ends, &mobj);
	     i++) {
		/* lo_t <= time <= hi_t, less what was examined: backward
		 * [edge, done], forward [done, edge] */
		lo = lower_bound(g, l, len, lo_t);
		hi = upper_bound(g, l, len, hi_t);
		a = b = lo;
		if (has_done) {
			a = lower_bound(g, l, len, back ? edge : done);
			b = upper_bound(g, l, len, back ? done : edge);
		}
		if (lo < a && lo < hi &&
		    (r = scan_list(w, v, mobj, l, ends, lo, a < hi ? a : hi)))
			return r;
		if (b > lo)
			lo = b;
		if (lo < hi && (r = scan_list(w, v, mobj, l, ends, lo, hi)))
			return r;
	}
	if (w->nodes[v].kind != BT_OBJ_ENDPOINT)
		return 0;
	if ((r = follow_peer(w, v, w->nodes[v].obj)))
		return r;
	for (i = 0; v == 0 && i < w->nalias; i++)
		if ((r = follow_peer(w, 0, w->alias[i])))
			return r;
	return 0;
}

/* Node 0 is endpoint `start`: the other endpoints of its address become
 * its members (struct walker). */
static int start_aliases(struct walker *w, uint32_t start)
{
	struct bt_object_info in;
	uint32_t *all = NULL;
	size_t n = 0, i;
	char *addr;
	int r;

	if (bt_graph_object(w->g, start, &in) || !in.path)
		return 0;
	if (!(addr = strdup(in.path)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	r = bt_graph_find_endpoints(w->g, addr, &all, &n);
	free(addr);
	if (r)
		return r == BT_ENOTFOUND ? 0 : r;
	w->alias = all;
	for (i = 0; i < n; i++) {
		if (all[i] == start)
			continue;
		if ((r = bt_u64map_put(&w->obj2node, all[i], 1)))
			return r;
		all[w->nalias++] = all[i];
	}
	return 0;
}

static int cmp_node(const void *a, const void *b, void *arg)
{
	const struct wnode *nodes = arg;
	const struct wnode *x = &nodes[*(const uint32_t *)a];
	const struct wnode *y = &nodes[*(const uint32_t *)b];

	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->obj < y->obj ? -1 : x->obj > y->obj;
}

int bt_edge_cmp(const void *a, const void *b)
{
	const struct bt_edge *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	return x->op < y->op ? -1 : x->op > y->op;
}

/* Order the result as walk.h states and set the flags. */
static int finish(struct walker *w)
{
	struct bt_result *r = w->r;
	uint32_t *perm = NULL, *rank = NULL;
	size_t i;
	int ret = 0;

	r->nodes = calloc(w->nnodes ? w->nnodes : 1, sizeof(*r->nodes));
	perm = malloc((w->nnodes ? w->nnodes : 1) * sizeof(*perm));
	rank = malloc((w->nnodes ? w->nnodes : 1) * sizeof(*rank));
	if (!r->nodes || !perm || !rank) {
		ret = bt_error_set(BT_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < w->nnodes; i++)
		perm[i] = (uint32_t)i;
	/* Node 0 is the only node at depth 0, so it stays first. */
	qsort_r(perm, w->nnodes, sizeof(*perm), cmp_node, w->nodes);
	for (i = 0; i < w->nnodes; i++) {
		const struct wnode *n = &w->nodes[perm[i]];
		struct bt_node *o = &r->nodes[i];

		rank[perm[i]] = (uint32_t)i;
		o->obj = n->obj;
		o->kind = n->kind;
		o->depth = n->depth;
		o->threshold = n->t;
		o->file = n->file;
		o->page_first = n->pfirst;
		o->page_last = n->plast;
		o->flags = BT_NODE_ENTRY;
		if (n->kind == BT_OBJ_ENDPOINT &&
		    !bt_channel_peer(w->chan, n->obj))  /* channel.h */
			o->flags |= BT_NODE_REMOTE;
		if (n->kind == BT_OBJ_ENDPOINT &&
		    bt_channel_is_ambiguous(w->chan, n->obj))
			r->unjoined++;
	}
	r->nnodes = w->nnodes;
	if (r->nnodes)
		r->nodes[0].flags |= BT_NODE_DETECTION;
	for (i = 0; i < w->nedges; i++) {
		struct bt_edge *e = &w->edges[i];

		e->from = rank[e->from];
		e->to = rank[e->to];
		/* Backward: a node with a cause is not an entry point;
		 * forward: a node that affects something is not a leaf. */
		if (w->dir == BT_BACKWARD)
			r->nodes[e->to].flags &= ~BT_NODE_ENTRY;
		else
			r->nodes[e->from].flags &= ~BT_NODE_ENTRY;
	}
	for (i = 0; i < r->nnodes; i++)
		if (r->nodes[i].flags & BT_NODE_REMOTE)
			r->nodes[i].flags |= BT_NODE_ENTRY;
	if (w->nedges)
		qsort(w->edges, w->nedges, sizeof(*w->edges), bt_edge_cmp);
	r->edges = w->edges;
	r->nedges = w->nedges;
	w->edges = NULL;
out:
	free(perm);
	free(rank);
	return ret;
}

static int walk(struct bt_result **out, const struct bt_graph *g,
		uint32_t start, const struct bt_walk_opts *o, enum bt_dir dir)
{
	struct walker w;
	struct bt_result *r;
	bool created;
	long long v;
	int ret;

	*out = NULL;
	if (!g || !o)
		return bt_error_set(BT_EINVAL, "no graph or options");
	if (start == 0 || start > bt_graph_nobjects(g) ||
	    bt_graph_kind(g, start) == BT_OBJ_REGION)
		return bt_error_set(BT_EINVAL,
			"bad start object %u for a walk", start);
	if ((unsigned)o->gran > BT_GRAN_OBJECT)
		return bt_error_set(BT_EINVAL, "bad granularity %d",
				    (int)o->gran);
	if (o->until != BT_TIME_NONE && o->since > o->until)
		return bt_error_set(BT_EINVAL,
			"the time window is empty (since is after until)");
	memset(&w, 0, sizeof(w));
	w.g = g;
	w.o = *o;
	w.dir = dir;
	w.obj_level = bt_graph_log(g) &&
		(bt_log_header(bt_graph_log(g))->flags & BT_LOGF_OBJ_LEVEL);
	bt_u64map_init(&w.obj2node);
	bt_u64map_init(&w.edge_map);
	bt_u64map_init(&w.file2vma);
	r = calloc(1, sizeof(*r));
	if (!r)
		return bt_error_set(BT_ENOMEM, "out of memory");
	w.r = r;
	r->g = g;
	r->dir = dir;
	r->detection = 0;

	v = node_of(&w, start, 0, &created);
	if (v <= 0) {
		ret = v < 0 ? (int)v : bt_error_set(BT_EINVAL, "bad start");
		goto fail;
	}
	if (w.nodes[0].kind == BT_OBJ_ENDPOINT &&
	    (ret = start_aliases(&w, start)))
		goto fail;
	if (dir == BT_BACKWARD)
		w.nodes[0].t = o->until != BT_TIME_NONE ? o->until :
			default_threshold(&w, &w.nodes[0]);
	else
		w.nodes[0].t = o->since != 0 ? o->since :
			default_threshold(&w, &w.nodes[0]);
	if (dir == BT_BACKWARD)
		w.o.until = w.nodes[0].t;
	else
		w.o.since = w.nodes[0].t;
	r->opts = w.o;
	if ((ret = push(&w, 0)))
		goto fail;
	while (w.qhead < w.qlen) {
		uint32_t n = w.queue[w.qhead++];

		w.nodes[n].queued = false;
		if ((ret = expand(&w, n)))
			goto fail;
	}
	/* An event that could not be read (a block of the log that no
	 * longer checks) makes the whole result unreliable. */
	if ((ret = bt_graph_status(g)) || (ret = finish(&w)))
		goto fail;
	*out = r;
	r = NULL;
fail:
	bt_result_free(r);
	free(w.nodes);
	free(w.edges);
	free(w.queue);
	free(w.vmas);
	free(w.ranges);
	free(w.met_nodes);
	free(w.met_edges);
	free(w.escan);
	bt_u64map_release(&w.obj2node);
	bt_u64map_release(&w.edge_map);
	bt_u64map_release(&w.file2vma);
	bt_channels_free(w.chan);
	free(w.alias);
	return ret;
}

int bt_backtrack(struct bt_result **out, const struct bt_graph *g,
		 uint32_t start, const struct bt_walk_opts *o)
{
	return walk(out, g, start, o, BT_BACKWARD);
}

int bt_forward(struct bt_result **out, const struct bt_graph *g,
	       uint32_t start, const struct bt_walk_opts *o)
{
	return walk(out, g, start, o, BT_FORWARD);
}

void bt_result_free(struct bt_result *r)
{
	if (!r)
		return;
	free(r->nodes);
	free(r->edges);
	free(r);
}

/* ---- detection point specs ------------------------------------------- */

static bool parse_u64(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 20)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (v > (max - (uint64_t)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* ---- paths of detection points ----------------------------------------- */

#define MAX_CANDIDATES 4

struct candidates {
	char path[MAX_CANDIDATES][PATH_MAX];
	size_t n;
};

static void cand_add(struct candidates *c, const char *p)
{
	size_t i;

	if (!*p || strlen(p) >= PATH_MAX || c->n == MAX_CANDIDATES)
		return;
	for (i = 0; i < c->n; i++)
		if (!strcmp(c->path[i], p))
			return;
	strcpy(c->path[c->n++], p);
}

/* `path` made absolute against `cwd` (if relative) and normalised without
 * looking at the file system: "//" and "." dropped, ".." takes back one
 * component.  false if it does not fit. */
static bool lexical(char *out, size_t n, const char *cwd, const char *path)
{
	char buf[PATH_MAX];
	size_t k = 0, len;
	const char *p, *e;

	if (*path == '/')
		len = (size_t)snprintf(buf, sizeof(buf), "%s", path);
	else
		len = (size_t)snprintf(buf, sizeof(buf), "%s/%s", cwd, path);
	if (len >= sizeof(buf) || n < 2)
		return false;
	out[0] = '\0';
	for (p = buf; *p; p = e) {
		while (*p == '/')
			p++;
		e = p + strcspn(p, "/");
		if (e == p || (e - p == 1 && p[0] == '.'))
			continue;
		if (e - p == 2 && p[0] == '.' && p[1] == '.') {
			while (k > 0 && out[k - 1] != '/')
				k--;
			if (k > 0)
				k--;
			out[k] = '\0';
			continue;
		}
		if (k + 1 + (size_t)(e - p) + 1 > n)
			return false;
		out[k++] = '/';
		memcpy(out + k, p, (size_t)(e - p));
		k += (size_t)(e - p);
		out[k] = '\0';
	}
	if (k == 0) {
		out[0] = '/';
		out[1] = '\0';
	}
	return true;
}

/*
 * The names a user's path may have in the log: as given; absolute and
 * normalised against the current directory; with symbolic links resolved
 * (realpath(3)) if it exists now, or else its directory resolved.  The log
 * holds the paths the programs used, which may differ from the user's
 * ("./x", a symlinked /tmp): each is tried in this order.
 */
static void path_candidates(struct candidates *c, const char *path)
{
	char cwd[PATH_MAX], buf[PATH_MAX], real[PATH_MAX], *slash;

	c->n = 0;
	cand_add(c, path);
	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	if (lexical(buf, sizeof(buf), cwd, path))
		cand_add(c, buf);
	else
		return;
	if (realpath(buf, real)) {
		cand_add(c, real);
		return;
	}
	slash = strrchr(buf, '/');
	if (!slash || slash == buf)
		return;
	*slash = '\0';
	if (realpath(buf, real) &&
	    strlen(real) + 1 + strlen(slash + 1) < sizeof(real)) {
		strcat(real, real[1] ? "/" : "");
		strcat(real, slash + 1);
		cand_add(c, real);
	}
}

void bt_spec_path_candidates(const char *path,
			     void (*fn)(void *arg, const char *cand),
			     void *arg)
{
	struct candidates c;
	size_t i;

	path_candidates(&c, path);
	for (i = 0; i < c.n; i++)
		fn(arg, c.path[i]);
}

typedef int (*find_path_fn)(const struct bt_graph *g, const char *path,
			    uint32_t *out);

/* The first candidate of `path` that `find` knows; BT_ENOTFOUND naming
 * the candidates tried. */
static int find_path(const struct bt_graph *g, const char *path,
		     find_path_fn find, const char *what, uint32_t *out)
{
	struct candidates c;
	char tried[1024];
	size_t i, k = 0;

	path_candidates(&c, path);
	for (i = 0; i < c.n; i++)
		if (find(g, c.path[i], out) == 0)
			return 0;
	tried[0] = '\0';
	for (i = 1; i < c.n && k < sizeof(tried); i++)
		k += (size_t)snprintf(tried + k, sizeof(tried) - k, "%s'%s'",
				      i > 1 ? ", " : "", c.path[i]);
	if (c.n > 1)
		return bt_error_set(BT_ENOTFOUND,
				    "no %s '%s' in the log (nor %s)", what,
				    path, tried);
	return bt_error_set(BT_ENOTFOUND, "no %s '%s' in the log", what, path);
}

int bt_spec_resolve(uint32_t *out, uint64_t *out_time,
		    const struct bt_graph *g, const char *spec)
{
	const char *arg;
	uint64_t v, t;
	int r;

	*out_time = BT_TIME_NONE;
	if (!strncmp(spec, "file:", 5) && spec[5]) {
		arg = spec + 5;
		return find_path(g, arg, bt_graph_find_file, "file", out);
	}
	if (!strncmp(spec, "filename:", 9) && spec[9])
		return find_path(g, spec + 9, bt_graph_find_filename,
				 "filename", out);
	if (!strncmp(spec, "endpoint:", 9) && spec[9])
		return bt_graph_find_endpoint(g, spec + 9, out);
	if (!strncmp(spec, "proc:", 5)) {
		const char *at;

		arg = spec + 5;
		at = strchr(arg, '@');
		if (!parse_u64(arg, at ? (size_t)(at - arg) : strlen(arg),
			       UINT32_MAX, &v))
			return bt_error_set(BT_EINVAL,
				"bad detection point '%s': expected proc:PID or proc:PID@TIME",
				spec);
		t = 0;
		if (at) {
			if ((r = bt_time_parse(&t, at + 1))) {
				char msg[256];

				/* bt_error_msg() is the buffer we write. */
				snprintf(msg, sizeof(msg), "%s",
					 bt_error_msg());
				return bt_error_set(r,
					"bad detection point '%s': %s", spec,
					msg);
			}
			if (t == 0)
				t = 1;   /* 0 means "latest" below */
			*out_time = t;
		}
		return bt_graph_find_process(g, (uint32_t)v, t, out);
	}
	if (!strncmp(spec, "page:", 5)) {
		const char *hash = strrchr(spec + 5, '#');
		char path[4096];
		uint32_t file;
		size_t n;

		arg = spec + 5;
		if (!hash || hash == arg ||
		    !parse_u64(hash + 1, strlen(hash + 1), UINT64_MAX, &v))
			return bt_error_set(BT_EINVAL,
				"bad detection point '%s': expected page:PATH#N",
				spec);
		n = (size_t)(hash - arg);
		if (n >= sizeof(path))
			return bt_error_set(BT_EINVAL,
				"bad detection point '%s': path too long", spec);
		memcpy(path, arg, n);
		path[n] = '\0';
		if ((r = find_path(g, path, bt_graph_find_file, "file",
				   &file)))
			return r;
		if ((r = bt_graph_find_page(g, file, v, out)))
			return bt_error_set(r, "no page %llu of '%s' in the log",
					    (unsigned long long)v, path);
		return 0;
	}
	return bt_error_set(BT_EINVAL,
		"bad detection point '%s': expected file:PATH, proc:PID[@TIME], page:PATH#N, filename:PATH or endpoint:ADDR",
		spec);
}
