/*
 * query.h - one investigation query, from where the graph comes from to
 * the filtered result: what `btrack backtrack` and `btrack forward` run for
 * one detection point and for a batch (--from-list, --alert), and what
 * `btrack db save` keeps.
 *
 * The chain, the same for every caller:
 *   bt_query_load()    the graph of a log, or of a case database (one
 *                      host or all), loaded once;
 *   bt_query_run()     resolve the detection point, walk (walk.h), filter
 *                      and rank (filter.h): one query on a loaded graph;
 *   bt_export_with()   render the result (export.h), or bt_query_render()
 *                      into memory.
 * A batch loads the graph once and runs one query per point;
 * bt_query_points_read_list() and bt_query_points_read_alerts() read the
 * points.  Display choices (--explain, layout limits) are not part of a
 * query: they are struct bt_export_opts, given to the renderer, and change
 * no result.
 *
 * This module never prints and never exits.  Errors are a negative enum
 * bt_error with bt_error_msg(), and the step that failed; what the user
 * should hear about a result that succeeded (a limit stopped the walk, the
 * filters removed objects) is in the result as messages for the caller to
 * show.
 */
#ifndef BT_QUERY_H
#define BT_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/db.h"
#include "export.h"
#include "filter.h"
#include "graph.h"
#include "walk.h"

/* Where the graph comes from: exactly one of log, db and dbh. */
struct bt_query_source {
	const char *log;      /* a log file */
	const char *db;       /* a case database file, opened read-only */
	struct bt_db *dbh;    /* an open case database (borrowed) */
	const char *host;     /* with a database: this host's objects only
	                         (NULL: all hosts) */
};

/*
 * Load the graph of `src` (a database goes through a temporary log,
 * dbgraph.h).  The caller owns *out (bt_graph_free()) and shows
 * bt_graph_warning() if it likes.  BT_EINVAL for a source that names none
 * or several; otherwise the errors of bt_graph_load(), bt_db_open() and
 * bt_db_graph_host() unchanged.
 */
int bt_query_load(struct bt_graph **out, const struct bt_query_source *src,
		  bt_progress_fn progress, void *arg);

/* One query: the detection point and what shapes the walk and the
 * filters.  Every pointer is borrowed for the duration of bt_query_run(). */
struct bt_query {
	enum bt_dir dir;
	const char *spec;              /* the detection point (walk.h specs) */
	uint64_t point_time;           /* a time the point comes with (an
	                                  alert's): the walk's threshold when
	                                  walk.until is BT_TIME_NONE;
	                                  BT_TIME_NONE: none */
	struct bt_walk_opts walk;      /* window, granularity, limits */
	struct bt_filter_opts filter;  /* filters (hide globs borrowed) */
	const struct bt_drops *drops;  /* what the source's capture lost
	                                  (core/drops.h, bt_drops_read() of
	                                  the graph's log), given to the
	                                  result for its outputs; NULL: not
	                                  known */
};

/* Defaults: walk and filter options as their _init() give them, no
 * spec, no point time. */
void bt_query_init(struct bt_query *q, enum bt_dir dir);

/* The walk options a query runs with: q->walk, with point_time as
 * `until` when no --until was given. */
struct bt_walk_opts bt_query_walk_opts(const struct bt_query *q);

/* The step of bt_query_run() an error comes from. */
enum bt_query_step {
	BT_QUERY_DONE = 0,    /* no error */
	BT_QUERY_RESOLVE,     /* the detection point: BT_EINVAL for a spec
	                         that does not parse, BT_ENOTFOUND for one
	                         naming nothing */
	BT_QUERY_WALK,        /* BT_EINVAL for bad options, BT_ENOMEM */
	BT_QUERY_FILTER       /* BT_EINVAL for a bad glob, BT_ENOMEM */
};

enum bt_query_msg_kind {
	BT_QUERY_INCOMPLETE,  /* warning: a limit stopped the walk ("the
	                         result is incomplete: at most 5 nodes") */
	BT_QUERY_FILTERED,    /* note: the filters removed objects ("graph:
	                         9 objects, 12 dependencies; after filters 4
	                         objects, 3 dependencies") */
	BT_QUERY_UNJOINED     /* warning: connection ends of the result
	                         whose other end the log cannot tell
	                         (graph/channel.h, half-known ends) */
};

/* A message about a result, for the user: text without a prefix. */
struct bt_query_msg {
	enum bt_query_msg_kind kind;
	bool warning;         /* a warning (else a note) */
	char text[224];
};

#define BT_QUERY_MAX_MSGS 4

struct bt_query_result {
	struct bt_result *result;          /* owned; NULL if the walk
	                                      failed */
	struct bt_filter_report *filters;  /* owned; result->filters
	                                      borrows it; NULL if the
	                                      filters failed */
	uint32_t start;                    /* the detection point's object */
	uint64_t spec_time;                /* the time its spec names, or
	                                      BT_TIME_NONE */
	enum bt_query_step failed;         /* where an error came from */
	struct bt_query_msg msgs[BT_QUERY_MAX_MSGS];
	size_t nmsgs;
};

/*
 * Run query `q` on graph `g` (borrowed by the result: free the result
 * first): resolve q->spec, walk in q->dir, filter and rank.  *out is
 * filled in either way and released with bt_query_result_release(); on
 * error out->failed says which step failed and the error is returned
 * unchanged (see enum bt_query_step).  A result that a limit truncated is
 * a success with a BT_QUERY_INCOMPLETE warning.
 */
int bt_query_run(struct bt_query_result *out, const struct bt_graph *g,
		 const struct bt_query *q);

/* Free what a result owns and zero it; NULL and a zeroed result are
 * fine. */
void bt_query_result_release(struct bt_query_result *r);

/* The first message of this kind, or NULL (borrowed from r). */
const struct bt_query_msg *bt_query_msg_find(const struct bt_query_result *r,
					     enum bt_query_msg_kind kind);

/*
 * Render a successful result in `fmt` with display options `o` (NULL: the
 * defaults) into memory: *out (NUL-terminated, *len bytes without the NUL)
 * is owned by the caller (free()), NULL on error.  The errors of
 * bt_export_with(); BT_EINVAL for a result without a walk.
 */
int bt_query_render(char **out, size_t *len, const struct bt_query_result *r,
		    enum bt_format fmt, const struct bt_export_opts *o);

/* ---- points for a batch ------------------------------------------------ */

/* One detection point of a batch. */
struct bt_query_point {
	char *spec;           /* owned; NULL: the entry cannot be a point,
	                         `bad` says why */
	const char *bad;      /* static text, or NULL */
	uint64_t time;        /* an alert's time (bt_query.point_time), or
	                         BT_TIME_NONE */
	size_t where;         /* its line number, or alert number (1 ..) */
};

struct bt_query_points {
	struct bt_query_point *v;
	size_t n, cap;
	const char *unit;     /* "line" or "alert", for messages */
};

/*
 * A --from-list file: one spec a line, leading and trailing blanks and
 * CR removed, blank lines and '#' comments skipped.  A line with a NUL
 * byte is kept as a bad point, reported in its turn.  Appends to *out
 * (zero it first; release with bt_query_points_release()).  BT_EIO naming
 * `name`, BT_ENOMEM.
 */
int bt_query_points_read_list(struct bt_query_points *out, FILE *in,
			      const char *name);

/* An --alert file (alert.h): one point per alert, with its time.  The
 * errors of bt_alert_read() (BT_ECORRUPT naming the alert, BT_EINVAL for
 * no alert), BT_ENOMEM. */
int bt_query_points_read_alerts(struct bt_query_points *out, FILE *in,
				const char *name);

void bt_query_points_release(struct bt_query_points *ps);

#endif
