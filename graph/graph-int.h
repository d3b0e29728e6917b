/*
 * graph-int.h - the inside of struct bt_graph, shared by graph.c (the
 * loader and the accessors) and index.c (which writes these arrays to an
 * index file beside the log and maps them back).  Nothing else includes it.
 *
 * Every array is either allocated by the loader (g->idx == NULL) or points
 * into the mapping of a validated index (g->idx != NULL), whose chunks are
 * checked (CRC-32C) the first time an accessor touches them: see
 * IDX_CHECK() and graph/index.h.
 */
#ifndef BT_GRAPH_INT_H
#define BT_GRAPH_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "graph.h"
#include "../core/log.h"

/* Objects flags (oflags[]). */
#define OF_HAS_PAGES 0x1   /* file: some page of it has page events */
#define OF_RECORDER  0x2   /* file: the recorder's own preload library */
#define OF_RG_PAGES  0x4   /* region: some page event went through it */

/* A label, linked per object. */
struct lab {
	uint32_t rec;     /* record offset / 8 in g->data */
	uint32_t next;    /* index + 1 of the next label, 0 = end */
	uint32_t hash;    /* PATH labels: path_hash() of the path, so that
	                     bt_graph_find_file() binary-searches by_path and
	                     reads records only on a match; others 0 */
};

/* Sections of a graph, as an index file stores them (index.c).  The order
 * is the file's. */
enum gsec {
	GS_KIND, GS_OFLAGS, GS_OFF, GS_IN_IDX, GS_OUT_IDX, GS_PG_IDX,
	GS_RG_IDX, GS_PATH_HEAD, GS_ATTR_HEAD, GS_IN_REFS, GS_OUT_REFS,
	GS_PG, GS_RG, GS_LABS, GS_BY_PATH, GS_ARENA, GS_BFIRST, GS_BLOCKS,
	GS_IN_SIDE, GS_OUT_SIDE, GS_COUNT
};

struct evcache;
struct bt_index;
struct bt_gext;

struct bt_graph {
	struct bt_log *log;
	unsigned version;      /* the log's format version */
	/* Object and label records in canonical form: version 1 the
	 * mapped log (refs and offsets are file offsets / 8), version 2 an
	 * arena of copies (offsets / 8 into it).  data_len bytes. */
	const uint8_t *data;
	uint64_t data_len;
	uint8_t *arena;        /* version 2, loaded: owns data (a mapping
	                          of arena_map bytes: graph.c, amap_*()) */
	size_t arena_map;
	uint32_t n;            /* objects, ids 1..n */
	uint64_t nev;
	size_t cap;            /* capacity of the per-object arrays */

	uint8_t *kind;         /* [n + 2] enum bt_obj_kind */
	uint8_t *oflags;       /* [n + 2] OF_* */
	uint32_t *off;         /* [n + 2] object record offset / 8 */
	uint32_t *in_idx;      /* [n + 2] CSR: id's list is [idx[id],
	                          idx[id+1]) */
	uint32_t *out_idx;
	uint32_t *pg_idx;
	uint32_t *rg_idx;
	uint32_t *path_head;   /* [n + 2] PATH labels, oldest first */
	uint32_t *attr_head;   /* [n + 2] other labels, oldest first */

	uint32_t *in_refs;     /* [nev] event references */
	uint32_t *out_refs;
	uint32_t *in_side;     /* [nev] or NULL: beside in_refs, the packed
	                          op and other end (BT_END_*) of each */
	uint32_t *out_side;
	uint32_t *pg;          /* [npg] page ids per file, by index */
	uint32_t npg;
	uint32_t *rg;          /* [nrg] region ids per file, log order */
	uint32_t nrg;
	struct lab *labs;      /* [nlabs] in log order */
	uint32_t nlabs, labs_cap;
	uint8_t *lk;           /* while loading: per label LK_* (graph.c,
	                          add_lab(), objects_finish()), then NULL */
	uint32_t *by_path;     /* [npaths] PATH label indexes by (hash,
	                          time, log order) */
	uint32_t npaths;

	/* Version 2: events are numbered 0 .. nev-1 in log order (a ref is
	 * an event number); block b holds events [bfirst[b], bfirst[b+1]).
	 * Decoded through a small cache (evcache). */
	uint32_t nblocks;
	uint32_t *bfirst;      /* [nblocks + 1] */
	struct bt_log_blockinfo *blocks;  /* [nblocks] the block table as
	                                     loaded (for the index) */
	struct evcache *cache;

	bool unsorted;         /* some event is earlier than one before it */

	/* Unused (was: the lists in a mapping of an index being built). */
	void *bigmap;
	size_t bigmap_len;

	/* Set when the graph came from an index (index.c): the arrays above
	 * point into its mapping and are checked lazily. */
	struct bt_index *idx;
	char warning[512];     /* about the index, or "" */

	/* Extension (extend.c, bt_graph_extend()).  The arrays above stay
	 * as loaded (or mapped) for the objects and events they held; what
	 * the log adds later lives beside them: */
	uint32_t own;          /* bit per enum gsec: that array was copied
	                          from the index's mapping to the heap (or
	                          grown there): not checked, freed */
	uint32_t nbase;        /* objects the CSR lists (in_idx, out_idx,
	                          pg_idx, rg_idx: [nbase + 2]) cover */
	uint64_t nev_base;     /* events in in_refs ... out_side */
	uint32_t tail_labs;    /* labels kept (label_ok()) of the log's last
	                          block as held: with blocks[nblocks - 1]'s
	                          event and object counts, where an extension
	                          of a block that grew in place resumes */
	bool tail_known;       /* tail_labs is set (else computed from the
	                          log before its first refresh) */
	struct bt_gext *ext;   /* NULL until first extended */
};

/* Lists an extension keeps per object (struct bt_gext). */
enum { XL_IN, XL_OUT, XL_PG, XL_RG, XL_N };

/* One list of an extended object: n entries in an allocation of its own
 * (room for cap), `side` beside the event lists when the graph keeps the
 * ends.  cap == 0: the object still uses its base list. */
struct xlist {
	uint32_t *v, *side;
	uint32_t n, cap;
	uint64_t last_t1;      /* event lists of a log out of time order:
	                          1 + the latest time in it, 0 unknown */
};

/* An entry pending (struct bt_gext): event ref goes to object id's list,
 * side beside it. */
struct xpend {
	uint32_t id, ref, side;
};

struct bt_gext {
	uint32_t *xid;         /* [xid_cap] per object: 1 + its index in xo,
	                          0: no list of its own yet */
	size_t xid_cap;
	struct xlist (*xo)[XL_N];
	uint32_t nxo;
	size_t xo_cap;
	size_t list_bytes;     /* allocated by the lists (xlist) */
	bool ends;             /* the event lists keep their ends */
	uint8_t *arena;        /* records added, at logical offsets
	                          g->data_len + ... (/ 8 in off[], labs) */
	uint64_t alen;
	size_t acap;
	size_t apop;           /* bytes of the arena faulted in */
	size_t ocap;           /* capacity of kind, oflags, off, path_head,
	                          attr_head (heap) */
	size_t labs_cap;       /* heap labs */
	uint32_t bcap;         /* capacity of blocks[] and bfirst[] - 1 */
	uint64_t last_t;       /* time of the last event held (log order) */
	uint64_t max_t;        /* the latest time of an event held */
	bool last_known, max_known;
	bool broken;           /* an extension failed half way: refuse */
	uint8_t *buf;          /* a decoded block */
	size_t bufsz;
	uint64_t *times;       /* [times_cap] of the block being taken in */
	size_t times_cap;
	/* The block taken in last (index + 1; 0 none), what was taken of
	 * it (events, objects, kept labels: the skip counts the next take
	 * of it gives) and the canonical offset after those records: the
	 * next take of it starts there (bt_log_block_held()), and times[]
	 * holds its first took_e events' times. */
	uint32_t took_b, took_e, took_o, took_l;
	size_t took_pos;
	uint32_t *newpaths;    /* PATH labels added, for by_path */
	size_t npaths_new, newpaths_cap;
	size_t bp_cap;         /* capacity of by_path (heap) */
	uint32_t (*ltail)[2];  /* [ltail_cap] per object: index + 1 of the
	                          last PATH ([0]) and other ([1]) label,
	                          0: not known yet (found once, walking) */
	size_t ltail_cap;
	/* Entries of events in time order not yet in their lists, per
	 * direction (XL_IN, XL_OUT): appended in log order, then grouped
	 * by object (a stable radix sort) and copied a run per object
	 * (extend.c, flush()), so that an object's list is looked up and
	 * grown once per batch, not once per event. */
	struct xpend *pend[2], *ptmp;
	size_t npend, pend_cap;
	uint32_t pend_max;     /* the largest object id pending */
	/* Where flush() puts a run of entries of an object that has no list
	 * of its own: a segment in a pool of chunks that never move (no
	 * allocation per object, no copy of its base list); a segment is
	 * [prev, n | SEG_SIDE, n refs, n ends when SEG_SIDE] or, of one
	 * entry, [prev | SEG_ONE, ref, end when the ends are kept], prev and
	 * chain[k][id] the word address + 1 of an object's newest segment
	 * (chunk << POOL_SHIFT | word), 0 none.  A reader (graph.c,
	 * xlist_of()) makes the object's list of its own out of base and
	 * segments the first time it reads it (bt_gext_fold()). */
	uint32_t *chain[2];    /* [chain_cap] per direction */
	size_t chain_cap;
	uint32_t **pool;       /* [npool] chunks */
	uint32_t npool, pool_cap, pool_used;  /* words used of the last */
};


/* The list `k` of object `id` an extension keeps, or NULL (then the base
 * arrays answer). */
static inline const struct xlist *bt_gext_list(const struct bt_graph *g,
					       uint32_t id, int k)
{
	const struct bt_gext *x = g->ext;

	if (!x || id >= x->xid_cap || !x->xid[id] ||
	    !x->xo[x->xid[id] - 1][k].cap)
		return NULL;
	return &x->xo[x->xid[id] - 1][k];
}

/* Whether object id's list k (XL_IN, XL_OUT) has entries an extension
 * chained (struct bt_gext, chain) and not yet put into a list of its own;
 * bt_gext_fold() does (0, or BT_ENOMEM, BT_ELIMIT). */
static inline bool bt_gext_chained(const struct bt_graph *g, uint32_t id,
				   int k)
{
	const struct bt_gext *x = g->ext;

	return x && k <= XL_OUT && id < x->chain_cap && x->chain[k][id];
}
int bt_gext_fold(struct bt_graph *g, uint32_t id, int k);

/* Graph.c: object id's list k (XL_*) as loaded (or mapped), without what
 * an extension added; for the events (XL_IN, XL_OUT), *side the ends
 * beside them, or NULL. */
size_t bt_graph_base_list(const struct bt_graph *g, uint32_t id, int k,
			  const uint32_t **v, const uint32_t **side);

/* Extend.c: the slack, in events' worth of list bytes, beyond twice what
 * the events added would take rebuilt, that the lists an extension keeps
 * may take before it rebuilds them (extend.c, rebase_due(); for tests: 0
 * rebuilds often). */
extern uint64_t bt_gext_rebase_min;
extern uint64_t bt_gext_rebases;   /* rebuilds done (for tests) */

/* Extend.c: free g->ext and what it owns; the heap copies of arrays
 * that were in an index's mapping (g->own). */
void bt_gext_free(struct bt_graph *g);
/* Extend.c: the kept labels of the last block of g's log as g holds it
 * (before any refresh); for the index writer and the first extension. */
int bt_graph_tail_labels(const struct bt_graph *g, uint32_t *out);
/* Extend.c: bt_graph_extend() without refreshing the log (a graph from
 * an index whose log was opened as it is now). */
int bt_graph_extend_loaded(struct bt_graph *g, uint64_t *added);
/* Graph.c: drop the decoded blocks `from` and after from the event cache
 * (block `from` grew; those before it are sealed and stay). */
void bt_graph_cache_reset(struct bt_graph *g, uint32_t from);
/* Graph.c: whether a label record is kept (its object in 1..n, a known
 * key), and the hash of a PATH label's bytes. */
bool bt_graph_label_ok(const struct bt_rec_label *l, uint32_t n);
uint32_t bt_graph_path_hash(const char *s, size_t n);
/* Graph.c: the file name of btrack record's preload library. */
bool bt_graph_is_recorder_path(const char *path);
/* Graph.c: compare two by_path entries (label indexes) */
int bt_graph_cmp_by_path(const void *a, const void *b, void *arg);


/* Check, once, the chunks of section `sec` holding bytes [off, off + len)
 * of a graph mapped from an index; 0 or BT_ECORRUPT (and the graph
 * remembers the failure: bt_graph_status()).  Index.c. */
int bt_index_check(const struct bt_graph *g, enum gsec sec, uint64_t off,
		   uint64_t len);

static inline bool idx_ok(const struct bt_graph *g, enum gsec sec,
			  uint64_t off, uint64_t len)
{
	return !g->idx || bt_index_check(g, sec, off, len) == 0;
}

/* Record a failure found while answering (a block or an index chunk that
 * does not check): the first one is kept for bt_graph_status(). */
void bt_graph_fail(const struct bt_graph *g, int code, const char *msg);

/* Index.c: write the graph's arrays to `path` (replacing it). */
int bt_index_write(const struct bt_graph *g, const char *path);
/* Index.c: map `path` and, if it is valid and matches the log at
 * `logpath`, make *out a graph over it (1); 0 with *why set when there is
 * no usable index (missing, stale, corrupt: *why says which, "" when
 * missing); negative on a hard error. */
int bt_index_load(struct bt_graph **out, const char *logpath,
		  const char *path, char *why, size_t whylen);
void bt_index_free(struct bt_index *idx);
/* Index.c: the drops scan (core/drops.h) an index keeps of g's log, and
 * the block it resumes at (1); 0 when it keeps none usable. */
struct bt_drops_scan;
int bt_index_drops(const struct bt_graph *g, struct bt_drops_scan *sc,
		   uint32_t *from);

/*
 * Where a build puts its lists (index.c, building an index): they are
 * built in passes, each over ranges of objects whose lists take at most
 * `budget` bytes (both directions, refs and ends), and handed to write()
 * range by range: entries [first, first + n) of section `sec` (GS_IN_REFS,
 * GS_OUT_REFS, GS_IN_SIDE, GS_OUT_SIDE), each section's ranges in
 * increasing order.  When one pass holds them all, the graph keeps its
 * lists; else its in_refs, out_refs, in_side and out_side are NULL and
 * only the rest of the graph is usable.  write() returns 0 or a negative
 * bt_error (the build then fails).  Memory: the budget, plus the
 * per-object tables.
 */
struct bt_listsink {
	int (*write)(void *ctx, const struct bt_graph *g, enum gsec sec,
		     uint64_t first, const uint32_t *p, uint64_t n);
	void *ctx;
	uint64_t budget;
};
/* bt_graph_from_log() with the lists written to `sink` (version 2
 * only). */
int bt_graph_build(struct bt_graph **out, struct bt_log *log,
		   bt_progress_fn progress, void *arg,
		   const struct bt_listsink *sink);

/* Graph.c: a graph shell with its event cache, for index.c. */
struct bt_graph *bt_graph_alloc(void);
int bt_graph_cache_init(struct bt_graph *g);

#endif
