/*
 * walk.h - backward (backtrack) and forward walks over a bt_graph.
 *
 * Backward, King and Chen's rule: the detection point's threshold is `until`
 * (default: the time of the last event that affected it).  An event is
 * followed if it happened no later than the threshold of the object it
 * affects (and no earlier than `since`); its cause is reached with the
 * event's time as threshold, and a cause reached again keeps the maximum.
 * Forward is the mirror: the start's threshold is `since` (default: its
 * first event as a cause); an event is followed if it happened no earlier
 * than the threshold of its cause (and no later than `until`); the effect
 * keeps the minimum.
 *
 * A truncate with BT_EVF_EMPTY (to length 0) ends what was written into a
 * file before it: backward, a file (or a page of it) reached at T is
 * followed back only to the last such truncate at or before T (which is
 * followed: its process emptied the file), unless a writable shared
 * mapping of the file (mmap_write) came before it; forward, a file
 * reached at T is followed only to the first such truncate after T.  A
 * file reached at several times keeps one window, from the earliest to
 * the latest (walk.c, window()): never less than each needs.
 *
 * Granularity for shared-memory pages, chosen here, at query time:
 *  - page:   each page is a node; pages of one file are unrelated.
 *  - vma:    pages are grouped by mapped ranges: the regions of a file,
 *            overlapping ones merged; a node stands for one merged range.
 *  - object: pages are their file.
 * At page and vma granularity the object-level mmap events (BT_OP_MMAP_*
 * with BT_EVF_SHARED) of files that have page events are ignored; at
 * object granularity they count.
 *
 * The result is a small subgraph: nodes, and edges aggregated per (cause,
 * effect, op) with a count and first/last time.  Its order is
 * deterministic: nodes by (depth, kind, object id), edges by (first time,
 * from, to, op).
 */
#ifndef BT_WALK_H
#define BT_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph.h"

enum bt_gran { BT_GRAN_PAGE = 0, BT_GRAN_VMA = 1, BT_GRAN_OBJECT = 2 };
enum bt_dir { BT_BACKWARD = 0, BT_FORWARD = 1 };

#define BT_TIME_NONE UINT64_MAX

struct bt_filter_report;

struct bt_walk_opts {
	enum bt_gran gran;
	uint64_t since;       /* 0: no lower bound */
	uint64_t until;       /* BT_TIME_NONE: no upper bound (backward: the
	                         detection point's last affecting event) */
	uint32_t max_nodes;   /* 0: no limit */
	uint32_t max_depth;   /* 0: no limit */
};
void bt_walk_opts_init(struct bt_walk_opts *o);
int bt_gran_parse(enum bt_gran *out, const char *name);
const char *bt_gran_name(enum bt_gran g);

#define BT_NODE_DETECTION 0x1  /* where the walk started */
#define BT_NODE_ENTRY     0x2  /* backward: no cause inside the window;
                                  forward: nothing it affects (a leaf) */
#define BT_NODE_REMOTE    0x4  /* an endpoint: always an entry point */
#define BT_NODE_SUMMARY   0x8  /* not an object: the runtime files the
                                  filters collapsed for one process
                                  (filter.h); obj is one of them */

/*
 * Entry points, most likely first (filter.h ranks them; 0: not ranked).
 */
enum bt_entry_rank {
	BT_RANK_NONE = 0,
	BT_RANK_REMOTE = 1,    /* a remote endpoint */
	BT_RANK_WRITTEN = 2,   /* a file the log shows written before the
	                          window (--since) */
	BT_RANK_DATA = 3,      /* a file few processes read */
	BT_RANK_PROGRAM = 4,   /* a program or library outside the system
	                          directories */
	BT_RANK_PROCESS = 5,   /* a process with no cause in the window */
	BT_RANK_COMMON = 6,    /* a system or configuration file, or one
	                          many processes read */
	BT_RANK_NAME = 7,      /* a file name nobody changed in the window */
	BT_RANK_MAX = 7
};

struct bt_node {
	uint32_t obj;         /* object id: for a page node at vma/object
	                         granularity, the first page's object id or
	                         the file's id (kind says which) */
	uint8_t kind;         /* enum bt_obj_kind */
	uint8_t flags;        /* BT_NODE_* */
	uint32_t depth;       /* hops from the detection point */
	uint64_t threshold;   /* the time bound the walk gave it */
	uint32_t file;        /* page nodes: the file object id */
	uint64_t page_first;  /* page nodes: the pages it stands for */
	uint64_t page_last;
	uint32_t summary;     /* BT_NODE_SUMMARY: how many files it stands
	                         for; 0 otherwise */
	uint8_t rank;         /* entry points: enum bt_entry_rank */
};

struct bt_edge {
	uint32_t from, to;    /* node indexes: cause -> effect */
	uint8_t op;           /* enum bt_op */
	uint32_t count;       /* events aggregated */
	uint64_t first, last; /* their times */
};

/* The order of a result's edges (qsort comparator on struct bt_edge): by
 * first time, then from, to and op. */
int bt_edge_cmp(const void *a, const void *b);

struct bt_drops;

struct bt_result {
	const struct bt_graph *g;  /* borrowed */
	enum bt_dir dir;
	struct bt_walk_opts opts;  /* as used: until filled in */
	uint32_t detection;        /* node index of the start (always 0) */
	struct bt_node *nodes;
	size_t nnodes;
	struct bt_edge *edges;
	size_t nedges;
	bool truncated;            /* a limit stopped the walk */
	size_t unjoined;           /* endpoints of the result whose other
	                              end the log cannot tell (channel.h:
	                              half-known ends, ambiguous) */
	char limit[128];           /* which, for the user, if truncated */
	uint64_t examined;         /* events looked at */
	/* What filters removed (filter.h), or NULL: borrowed, owned by
	 * whoever ran bt_filter_apply(). */
	const struct bt_filter_report *filters;
	/* What the capture of the log lost (core/drops.h; shown by every
	 * format), or NULL when not read: borrowed, set by the query
	 * (query.h, bt_query.drops). */
	const struct bt_drops *drops;
};

/*
 * Walk from object `start`.  The caller owns *out (bt_result_free()).
 * Returns 0 (also when a limit truncated the result: see r->truncated),
 * BT_EINVAL for a bad start or options, BT_ENOMEM.
 */
int bt_backtrack(struct bt_result **out, const struct bt_graph *g,
		 uint32_t start, const struct bt_walk_opts *o);
int bt_forward(struct bt_result **out, const struct bt_graph *g,
	       uint32_t start, const struct bt_walk_opts *o);
void bt_result_free(struct bt_result *r);

/* fn for each name a user's PATH may have in a log, in the order
 * bt_spec_resolve() tries them (file:, filename:, page:). */
void bt_spec_path_candidates(const char *path,
			     void (*fn)(void *arg, const char *cand),
			     void *arg);

/*
 * A detection point: "file:PATH", "proc:PID", "proc:PID@TIME",
 * "page:PATH#N", "filename:PATH", "endpoint:ADDR".  *out_time is the time
 * the spec names (proc:PID@TIME) or BT_TIME_NONE.  A PATH is tried as
 * given, then made absolute against the current directory and normalised
 * ("./x", "a/../b"), then with symbolic links resolved (realpath(3), when
 * it exists here): the first the log knows wins.  BT_EINVAL for a spec
 * that does not parse, BT_ENOTFOUND for one naming nothing in the log.
 */
int bt_spec_resolve(uint32_t *out, uint64_t *out_time,
		    const struct bt_graph *g, const char *spec);

#endif
