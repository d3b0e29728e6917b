/*
 * dbgraph.h - the dependency graph of a case database.  Walks do not run
 * on SQL: the database's objects and events, or only the events a walk
 * needs (found one frontier at a time, one query each), are written into
 * a temporary log with the log writer (core/db.h) and loaded with
 * bt_graph_load(), so a walk over the database is the walk over a log,
 * with the same results (for a single log: the same object ids too).
 */
#ifndef BT_DBGRAPH_H
#define BT_DBGRAPH_H

#include "../core/db.h"
#include "graph.h"
#include "walk.h"

/*
 * The dependency graph of the whole database: bt_db_export_log() into a
 * memfd (or, without memfds, an unlinked temporary file in $TMPDIR or
 * /tmp), then bt_graph_load().  The caller owns *out (bt_graph_free()).
 */
int bt_db_graph(struct bt_graph **out, struct bt_db *db,
		bt_progress_fn progress, void *arg);

/* The same for one host (host NULL: all).  BT_ENOTFOUND for a host the
 * database does not have. */
int bt_db_graph_host(struct bt_graph **out, struct bt_db *db,
		     const char *host, bt_progress_fn progress, void *arg);

/*
 * The graph that walks in `dir` from the detection points `specs` (n of
 * them; NULL entries skipped) need, and no more: every object and label
 * of the host (NULL: all), and the events bt_db_export_walk() keeps, one
 * query per frontier.  A walk from one of these points, in that
 * direction, gives on it what it gives on bt_db_graph_host()'s graph (a
 * spec that names nothing fails the same way).  The caller owns *out.
 */
int bt_db_graph_walk(struct bt_graph **out, struct bt_db *db,
		     const char *host, enum bt_dir dir,
		     const char *const *specs, size_t n,
		     bt_progress_fn progress, void *arg);

#endif
