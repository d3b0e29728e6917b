/*
 * graph.c - load a log into compact per-object indexes (see graph.h).
 *
 * Two passes over the mapped records, no copy of the events:
 *  1. bt_log_next() validates every record; we note each object's record
 *     offset and kind and count, per object, the events it causes and the
 *     events that affect it, its pages, regions and labels, and whether the
 *     log's events are in time order (they usually are).
 *  2. A raw walk over the records pass 1 validated fills the CSR arrays
 *     (prefix sums of the counts) and links labels.  If the log was
 *     not in time order, the lists that are not get sorted, by (time, log
 *     order); a list of a time-ordered log is in order by construction.
 * Per event the graph keeps two u32 references (offset / 8): 8 bytes.  Per
 * object about 30 bytes.  Arrays are allocated from counts (per-object ones
 * grow geometrically during pass 1), never per event.
 *
 * Lookups (find_file, find_process, ...) scan the label or object tables
 * once per query: linear in objects, which is fine for a detection point
 * resolved once per walk; find_page binary-searches the file's page list.
 *
 * It does not walk (walk.c) and does not print.  Format: core/record.h and
 * man/btrack-log.5.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "graph.h"
#include "../core/hash.h"
#include "../core/log.h"
#include "../core/util.h"

/* Objects flags (oflags[]). */
#define OF_HAS_PAGES 0x1   /* file: some page of it has page events */
#define OF_RECORDER  0x2   /* file: the recorder's own preload library */
#define OF_RG_PAGES  0x4   /* region: some page event went through it */

/* The page monitor btrack record preloads (capture/pagemon.c): a file by
 * this name that nothing in the log wrote is the recorder's, never a cause
 * of what the traced programs did. */
#define RECORDER_LIB "libbtrack-pages.so"

/* A label, linked per object. */
struct lab {
	uint32_t rec;     /* record offset / 8 */
	uint32_t next;    /* index + 1 of the next label, 0 = end */
	uint32_t hash;    /* PATH labels: path_hash() of the path, so that
	                     bt_graph_find_file() scans this array and reads
	                     the mapped log only on a match; others 0 */
};

/* The hash of a PATH label's bytes (low half of bt_hash_bytes()). */
static uint32_t path_hash(const char *s, size_t n)
{
	return (uint32_t)bt_hash_bytes(s, n);
}

struct bt_graph {
	struct bt_log *log;
	const uint8_t *data;
	uint64_t end;          /* end of the validated records */
	uint32_t n;            /* objects, ids 1..n */
	uint64_t nev;
	size_t cap;            /* capacity of the per-object arrays */

	uint8_t *kind;         /* [cap] enum bt_obj_kind */
	uint8_t *oflags;       /* [cap] OF_* */
	uint32_t *off;         /* [cap] object record offset / 8 */
	uint32_t *in_idx;      /* [cap] CSR: id's list is [idx[id], idx[id+1]) */
	uint32_t *out_idx;
	uint32_t *pg_idx;
	uint32_t *rg_idx;
	uint32_t *path_head;   /* [cap] PATH labels, oldest first */
	uint32_t *attr_head;   /* [cap] other labels, oldest first (all of
	                          them: a process's EXE at a time, its CRED
	                          changes) */

	uint32_t *in_refs;     /* [nev] */
	uint32_t *out_refs;
	uint32_t *pg;          /* [npages] page ids per file, by index */
	uint32_t npg;
	uint32_t *rg;          /* [nregions] region ids per file, log order */
	uint32_t nrg;
	struct lab *labs;
	uint32_t nlabs, labs_cap;
	uint32_t *by_path;     /* [npaths] PATH label indexes by (hash, time,
	                          log order): who else was seen under a path */
	uint32_t npaths;

	bool unsorted;         /* some event is earlier than one before it */
};

/* Pass 2 prefetches the counters of the event this many bytes ahead. */
#define PREFETCH_AHEAD (32 * sizeof(struct bt_rec_event))

#define MAX_LOG_BYTES (UINT64_C(1) << 35)   /* u32 refs of offset / 8 */

static inline const void *rec_at(const struct bt_graph *g, uint32_t ref)
{
	return g->data + (size_t)ref * 8;
}

static inline const struct bt_rec_event *ev_at(const struct bt_graph *g,
					       uint32_t ref)
{
	return rec_at(g, ref);
}

/* Give every per-object array `ncap` slots; new slots are zeroed.  Used to
 * grow geometrically during pass 1 and to fit exactly after it. */
static int resize_objs(struct bt_graph *g, size_t ncap)
{
	void *p;

#define RESIZE(field) do { \
		p = realloc(g->field, ncap * sizeof(*g->field)); \
		if (!p) \
			return bt_error_set(BT_ENOMEM, "out of memory"); \
		g->field = p; \
		if (ncap > g->cap) \
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

static int cmp_ref_time(const void *a, const void *b, void *arg)
{
	const struct bt_graph *g = arg;
	uint32_t ra = *(const uint32_t *)a, rb = *(const uint32_t *)b;
	uint64_t ta = ev_at(g, ra)->time, tb = ev_at(g, rb)->time;

	if (ta != tb)
		return ta < tb ? -1 : 1;
	return ra < rb ? -1 : ra > rb;
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

static bool in_order(const struct bt_graph *g, const uint32_t *l, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (ev_at(g, l[i])->time < ev_at(g, l[i - 1])->time)
			return false;
	return true;
}

/* The regions page events went through (their aux, checked by the
 * reader to be a region when not 0). */
static void mark_regions(struct bt_graph *g, const uint32_t *l, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		const struct bt_rec_event *e = ev_at(g, l[i]);

		if ((e->op == BT_OP_PAGE_READ || e->op == BT_OP_PAGE_WRITE) &&
		    e->aux && e->aux <= g->n &&
		    g->kind[e->aux] == BT_OBJ_REGION)
			g->oflags[e->aux] |= OF_RG_PAGES;
	}
}

/*
 * Sort the lists that are out of time order (only when the log as a whole
 * is not in time order: then every list already is), and each file's
 * pages by index.  Mark files with page events: a page's only events are
 * page events, so a file has them if one of its pages has any event.
 */
static void sort_lists(struct bt_graph *g)
{
	uint32_t id, i, a, b;
	uint64_t prev;
	bool sorted;

	for (id = 1; id <= g->n; id++) {
		if (g->unsorted) {
			a = g->in_idx[id], b = g->in_idx[id + 1];
			if (!in_order(g, g->in_refs + a, b - a))
				qsort_r(g->in_refs + a, b - a,
					sizeof(uint32_t), cmp_ref_time, g);
			a = g->out_idx[id], b = g->out_idx[id + 1];
			if (!in_order(g, g->out_refs + a, b - a))
				qsort_r(g->out_refs + a, b - a,
					sizeof(uint32_t), cmp_ref_time, g);
		}
		if (g->kind[id] == BT_OBJ_PAGE &&
		    (g->in_idx[id] != g->in_idx[id + 1] ||
		     g->out_idx[id] != g->out_idx[id + 1])) {
			const struct bt_rec_page *p = rec_at(g, g->off[id]);

			g->oflags[p->file] |= OF_HAS_PAGES;
			mark_regions(g, g->in_refs + g->in_idx[id],
				     g->in_idx[id + 1] - g->in_idx[id]);
			mark_regions(g, g->out_refs + g->out_idx[id],
				     g->out_idx[id + 1] - g->out_idx[id]);
		}
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

/* Pass 1: validate, note objects, count. */
static int pass1(struct bt_graph *g, bt_progress_fn progress, void *arg)
{
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	uint64_t total = g->end, step, next, npg = 0, nrg = 0, nlabs = 0;
	uint64_t last = 0;
	int r;

	step = total / 100 ? total / 100 : 1;
	next = step;
	bt_log_iter_init(&it, g->log);
	while ((r = bt_log_next(&it, &h)) == 1) {
		uint64_t off = (const uint8_t *)h - g->data;

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
			nlabs++;
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
			if (h->type == BT_REC_PAGE ||
			    h->type == BT_REC_REGION) {
				/* Both have the file id after their id. */
				uint32_t f = ((const uint32_t *)h)[3];

				if (f == 0 || f >= id ||
				    g->kind[f] != BT_OBJ_FILE) {
					r = bt_error_set(BT_ECORRUPT,
						"bad file id %u at offset %llu",
						f, (unsigned long long)off);
					break;
				}
				if (h->type == BT_REC_PAGE) {
					g->pg_idx[f]++;
					npg++;
				} else {
					g->rg_idx[f]++;
					nrg++;
				}
			}
		}
		if (progress && it.off >= next) {
			progress(arg, it.off / 2, total);
			next = it.off + step;
		}
	}
	g->end = it.off;
	bt_log_iter_release(&it);
	if (r < 0)
		return r;
	if (g->nev > UINT32_MAX || npg > UINT32_MAX || nrg > UINT32_MAX ||
	    nlabs > UINT32_MAX - 1)
		return bt_error_set(BT_ELIMIT, "log too large for the index");
	g->npg = (uint32_t)npg;
	g->nrg = (uint32_t)nrg;
	g->nlabs = 0;
	/* Fit: ids 0..n and the end of the last list at n + 1. */
	if ((r = resize_objs(g, (size_t)g->n + 2)))
		return r;
	g->labs_cap = (uint32_t)nlabs;
	g->labs = malloc((nlabs ? nlabs : 1) * sizeof(*g->labs));
	if (!g->labs)
		return bt_error_set(BT_ENOMEM, "out of memory");
	return 0;
}

static void add_label(struct bt_graph *g, const struct bt_rec_label *l,
		      uint32_t ref)
{
	uint32_t *head;
	struct lab *x;

	if (l->object == 0 || l->object > g->n || l->key == 0 ||
	    l->key > BT_LABEL_MAX)
		return;
	/* Prepended; reversed to oldest (log order) first after the pass.
	 * Every label is kept: the latest of a key is what a display shows,
	 * earlier ones say what was true when (exe at a fork, credentials). */
	if (l->key == BT_LABEL_PATH)
		head = &g->path_head[l->object];
	else
		head = &g->attr_head[l->object];
	x = &g->labs[g->nlabs++];
	x->rec = ref;
	x->next = *head;
	x->hash = l->key == BT_LABEL_PATH ?
		  path_hash(l->value.s, l->value.len) : 0;
	*head = g->nlabs;
}

static void reverse_list(struct bt_graph *g, uint32_t *head)
{
	uint32_t i, prev = 0, next;

	for (i = *head; i; i = next) {
		next = g->labs[i - 1].next;
		g->labs[i - 1].next = prev;
		prev = i;
	}
	*head = prev;
}

static void reverse_labels(struct bt_graph *g)
{
	uint32_t id;

	for (id = 1; id <= g->n; id++) {
		reverse_list(g, &g->path_head[id]);
		reverse_list(g, &g->attr_head[id]);
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

/*
 * After the lists are built: the PATH labels sorted by path (for versions
 * and find_file), and the recorder's own library marked.  4 bytes per PATH
 * label.
 */
static int index_paths(struct bt_graph *g)
{
	uint32_t i, k = 0;

	for (i = 0; i < g->nlabs; i++) {
		const struct bt_rec_label *l = rec_at(g, g->labs[i].rec);

		if (l->key != BT_LABEL_PATH)
			continue;
		k++;
		if (g->kind[l->object] == BT_OBJ_FILE &&
		    !strcmp(base_of(bt_rec_str(&l->value)), RECORDER_LIB) &&
		    g->in_idx[l->object] == g->in_idx[l->object + 1])
			g->oflags[l->object] |= OF_RECORDER;
	}
	g->by_path = malloc((k ? k : 1) * sizeof(*g->by_path));
	if (!g->by_path)
		return bt_error_set(BT_ENOMEM, "out of memory");
	for (i = 0, k = 0; i < g->nlabs; i++) {
		const struct bt_rec_label *l = rec_at(g, g->labs[i].rec);

		if (l->key == BT_LABEL_PATH)
			g->by_path[k++] = i;
	}
	g->npaths = k;
	qsort_r(g->by_path, k, sizeof(*g->by_path), cmp_by_path, g);
	return 0;
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

	if (off + PREFETCH_AHEAD + sizeof(*a) <= g->end) {
		a = (const void *)(g->data + off + PREFETCH_AHEAD);
		if (a->effect <= n && a->cause <= n) {
			__builtin_prefetch(g->in_idx + a->effect, 1);
			__builtin_prefetch(g->out_idx + a->cause, 1);
		}
	}
	if (off + PREFETCH_AHEAD / 2 + sizeof(*a) <= g->end) {
		a = (const void *)(g->data + off + PREFETCH_AHEAD / 2);
		if (a->effect <= n && a->cause <= n) {
			__builtin_prefetch(g->in_refs + g->in_idx[a->effect], 1);
			__builtin_prefetch(g->out_refs + g->out_idx[a->cause],
					   1);
		}
	}
}

static int changed(uint64_t off)
{
	return bt_error_set(BT_ECORRUPT,
		"log changed while loading (record at offset %llu)",
		(unsigned long long)off);
}

/* Pass 2: the records are valid; fill the lists.  Progress: pass 1 is
 * reported as the first half of the bytes, pass 2 as the second. */
static int pass2(struct bt_graph *g, uint64_t total, bt_progress_fn progress,
		 void *arg)
{
	uint64_t off = bt_log_header(g->log)->header_size, len;
	uint64_t step = total / 100 ? total / 100 : 1, next = step;
	uint32_t n = g->n;

	if (prefix(g->in_idx, n) != g->nev || prefix(g->out_idx, n) != g->nev)
		return bt_error_set(BT_ECORRUPT, "event count mismatch");
	prefix(g->pg_idx, n);
	prefix(g->rg_idx, n);
	g->in_refs = malloc((g->nev ? g->nev : 1) * sizeof(uint32_t));
	g->out_refs = malloc((g->nev ? g->nev : 1) * sizeof(uint32_t));
	g->pg = malloc((g->npg ? g->npg : 1) * sizeof(uint32_t));
	g->rg = malloc((g->nrg ? g->nrg : 1) * sizeof(uint32_t));
	if (!g->in_refs || !g->out_refs || !g->pg || !g->rg)
		return bt_error_set(BT_ENOMEM, "out of memory");

	for (; off < g->end; off += len) {
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
			continue;
		}
		len = h->len;
		if (len < 8 || len % 8)
			return changed(off);
		switch (h->type) {
		case BT_REC_PAGE: {
			const struct bt_rec_page *p = (const void *)h;

			if (p->file > n || g->pg_idx[p->file] >= g->npg)
				return changed(off);
			g->pg[g->pg_idx[p->file]++] = p->id;
			break;
		}
		case BT_REC_REGION: {
			const struct bt_rec_region *rg = (const void *)h;

			if (rg->file > n || g->rg_idx[rg->file] >= g->nrg)
				return changed(off);
			g->rg[g->rg_idx[rg->file]++] = rg->id;
			break;
		}
		case BT_REC_LABEL:
			if (g->nlabs >= g->labs_cap)
				return changed(off);
			add_label(g, (const void *)h, ref);
			break;
		default:
			break;
		}
	}
	unshift(g->in_idx, n);
	unshift(g->out_idx, n);
	unshift(g->pg_idx, n);
	unshift(g->rg_idx, n);
	reverse_labels(g);
	sort_lists(g);
	if (progress)
		progress(arg, total, total);
	return index_paths(g);
}

int bt_graph_from_log(struct bt_graph **out, struct bt_log *log,
		      bt_progress_fn progress, void *arg)
{
	struct bt_graph *g;
	uint64_t end;
	int r;

	*out = NULL;
	g = calloc(1, sizeof(*g));
	if (!g) {
		bt_log_close(log);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	g->log = log;
	g->data = bt_log_data(log);
	/* the end of the records, already within the file (version 2:
	 * of the decoded records, which may be longer than the file) */
	end = bt_log_committed(log);
	if (end > MAX_LOG_BYTES) {
		r = bt_error_set(BT_ELIMIT,
			"log of %llu bytes is too large for the index (at most 32 GiB of records)",
			(unsigned long long)end);
		goto fail;
	}
	g->end = end;
	if ((r = grow_objs(g, 2)))
		goto fail;
	if ((r = pass1(g, progress, arg)))
		goto fail;
	if ((r = pass2(g, end, progress, arg)))
		goto fail;
	*out = g;
	return 0;
fail:
	bt_graph_free(g);
	return r;
}

int bt_graph_load(struct bt_graph **out, const char *path,
		  bt_progress_fn progress, void *arg)
{
	struct bt_log *log;
	int r;

	*out = NULL;
	if ((r = bt_log_open(&log, path)))
		return r;
	return bt_graph_from_log(out, log, progress, arg);
}

void bt_graph_free(struct bt_graph *g)
{
	if (!g)
		return;
	free(g->kind);
	free(g->oflags);
	free(g->off);
	free(g->in_idx);
	free(g->out_idx);
	free(g->pg_idx);
	free(g->rg_idx);
	free(g->path_head);
	free(g->attr_head);
	free(g->in_refs);
	free(g->out_refs);
	free(g->pg);
	free(g->rg);
	free(g->labs);
	free(g->by_path);
	bt_log_close(g->log);
	free(g);
}

const struct bt_log *bt_graph_log(const struct bt_graph *g)
{
	return g->log;
}

const char *bt_graph_warning(const struct bt_graph *g)
{
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

size_t bt_graph_memory(const struct bt_graph *g)
{
	size_t per_obj = 2 * sizeof(uint8_t) + 7 * sizeof(uint32_t);

	return sizeof(*g) + g->cap * per_obj +
		(size_t)g->nev * 2 * sizeof(uint32_t) +
		((size_t)g->npg + g->nrg) * sizeof(uint32_t) +
		(size_t)g->nlabs * sizeof(struct lab) +
		(size_t)g->npaths * sizeof(uint32_t);
}

enum bt_obj_kind bt_graph_kind(const struct bt_graph *g, uint32_t id)
{
	if (id == 0 || id > g->n)
		return BT_OBJ_NONE;
	return g->kind[id];
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

	for (i = g->attr_head[id]; i; i = g->labs[i - 1].next) {
		const struct bt_rec_label *l = rec_at(g, g->labs[i - 1].rec);

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
	for (i = g->attr_head[id]; i; i = g->labs[i - 1].next) {
		const struct bt_rec_label *l = rec_at(g, g->labs[i - 1].rec);

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
	uint32_t i;

	for (i = g->in_idx[id]; i < g->in_idx[id + 1]; i++) {
		const struct bt_rec_event *e = ev_at(g, g->in_refs[i]);

		if (e->op == BT_OP_FORK && e->cause && e->cause <= g->n &&
		    g->kind[e->cause] == BT_OBJ_PROCESS && e->cause != id) {
			*t = e->time;
			return e->cause;
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

	for (i = g->path_head[file]; i; i = g->labs[i - 1].next) {
		const struct bt_rec_label *l = rec_at(g, g->labs[i - 1].rec);

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

int bt_graph_object(const struct bt_graph *g, uint32_t id,
		    struct bt_object_info *out)
{
	const void *rec;
	const struct bt_rec_label *l;

	memset(out, 0, sizeof(*out));
	if (id == 0 || id > g->n)
		return bt_error_set(BT_ENOTFOUND, "no object %u in the log",
				    id);
	rec = rec_at(g, g->off[id]);
	out->id = id;
	out->kind = g->kind[id];
	switch (g->kind[id]) {
	case BT_OBJ_PROCESS: {
		const struct bt_rec_process *p = rec;

		out->pid = p->pid;
		out->ppid = p->ppid;
		out->uid = first_uid(g, id, p->uid);
		out->start = p->start;
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
	}
	case BT_OBJ_FILE: {
		const struct bt_rec_file *f = rec;

		out->dev = f->dev;
		out->ino = f->ino;
		out->file_flags = f->flags;
		out->path = file_path(g, id);
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
		out->path = file_path(g, p->file);
		break;
	}
	case BT_OBJ_REGION: {
		const struct bt_rec_region *rg = rec;

		out->file = rg->file;
		out->page = rg->first;
		out->count = rg->count;
		out->process = rg->process;
		out->prot = rg->prot;
		out->path = file_path(g, rg->file);
		break;
	}
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
	for (i = g->path_head[file]; i; i = g->labs[i - 1].next) {
		const struct bt_rec_label *l = rec_at(g, g->labs[i - 1].rec);

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
	i = key == BT_LABEL_PATH ? g->path_head[id] : g->attr_head[id];
	for (; i; i = g->labs[i - 1].next) {
		const struct bt_rec_label *l = rec_at(g, g->labs[i - 1].rec);

		if (l->key == key)
			fn(arg, bt_rec_str(&l->value), l->value.len, l->time);
	}
}

bool bt_graph_region_has_pages(const struct bt_graph *g, uint32_t region)
{
	return region && region <= g->n && (g->oflags[region] & OF_RG_PAGES);
}

bool bt_graph_is_recorder(const struct bt_graph *g, uint32_t id)
{
	return id && id <= g->n && (g->oflags[id] & OF_RECORDER);
}

/* First index in by_path of labels with hash h. */
static uint32_t by_path_first(const struct bt_graph *g, uint32_t h)
{
	uint32_t lo = 0, hi = g->npaths;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (g->labs[g->by_path[mid]].hash < h)
			lo = mid + 1;
		else
			hi = mid;
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
	if (file == 0 || file > g->n || g->kind[file] != BT_OBJ_FILE ||
	    !(last = last_path(g, file)))
		return;
	len = last->value.len;
	h = path_hash(last->value.s, len);
	/* Files seen under the path, in the order of their first time
	 * there (by_path is in time order within a hash). */
	for (i = by_path_first(g, h); i < g->npaths &&
	     g->labs[g->by_path[i]].hash == h; i++) {
		const struct bt_rec_label *l =
			rec_at(g, g->labs[g->by_path[i]].rec);

		if (g->kind[l->object] != BT_OBJ_FILE ||
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

size_t bt_graph_in(const struct bt_graph *g, uint32_t id,
		   const uint32_t **out)
{
	if (id == 0 || id > g->n) {
		*out = NULL;
		return 0;
	}
	*out = g->in_refs + g->in_idx[id];
	return g->in_idx[id + 1] - g->in_idx[id];
}

size_t bt_graph_out(const struct bt_graph *g, uint32_t id,
		    const uint32_t **out)
{
	if (id == 0 || id > g->n) {
		*out = NULL;
		return 0;
	}
	*out = g->out_refs + g->out_idx[id];
	return g->out_idx[id + 1] - g->out_idx[id];
}

const struct bt_rec_event *bt_graph_event(const struct bt_graph *g,
					  uint32_t ref)
{
	return ev_at(g, ref);
}

size_t bt_graph_file_pages(const struct bt_graph *g, uint32_t file,
			   const uint32_t **out)
{
	if (file == 0 || file > g->n) {
		*out = NULL;
		return 0;
	}
	*out = g->pg + g->pg_idx[file];
	return g->pg_idx[file + 1] - g->pg_idx[file];
}

size_t bt_graph_file_regions(const struct bt_graph *g, uint32_t file,
			     const uint32_t **out)
{
	if (file == 0 || file > g->n) {
		*out = NULL;
		return 0;
	}
	*out = g->rg + g->rg_idx[file];
	return g->rg_idx[file + 1] - g->rg_idx[file];
}

bool bt_graph_file_has_pages(const struct bt_graph *g, uint32_t file)
{
	return file && file <= g->n && (g->oflags[file] & OF_HAS_PAGES);
}

int bt_graph_find_file(const struct bt_graph *g, const char *path,
		       uint32_t *out)
{
	size_t len = strlen(path);
	const struct bt_rec_label *best = NULL;
	uint32_t best_file = 0, i, id, h = path_hash(path, len);

	/* Linear over the label table, comparing hashes; the mapped log is
	 * read only for the labels whose hash matches: once per query. */
	for (i = 0; i < g->nlabs; i++) {
		const struct bt_rec_label *l;

		if (g->labs[i].hash != h)
			continue;
		l = rec_at(g, g->labs[i].rec);
		if (l->key != BT_LABEL_PATH || !str_eq(&l->value, path, len))
			continue;
		id = l->object;
		if (g->kind[id] != BT_OBJ_FILE)
			continue;
		if (!best || l->time > best->time ||
		    (l->time == best->time && l > best)) {
			best = l;
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

		if (g->kind[id] != BT_OBJ_FILENAME)
			continue;
		f = rec_at(g, g->off[id]);
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

		if (g->kind[id] != BT_OBJ_PROCESS)
			continue;
		p = rec_at(g, g->off[id]);
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

int bt_graph_find_page(const struct bt_graph *g, uint32_t file,
		       uint64_t index, uint32_t *out)
{
	const uint32_t *pg;
	size_t n = bt_graph_file_pages(g, file, &pg), lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (page_index(g, pg[mid]) < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && page_index(g, pg[lo]) == index) {
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

		if (g->kind[id] != BT_OBJ_ENDPOINT)
			continue;
		e = rec_at(g, g->off[id]);
		if (str_eq(&e->addr, addr, len)) {
			*out = id;
			return 0;
		}
	}
	return bt_error_set(BT_ENOTFOUND, "no endpoint '%s' in the log", addr);
}
