/*
 * dbgraph.h - the dependency graph of a case database.  Walks do not run
 * on SQL: the database's objects and events are written into a temporary
 * log with the log writer (bt_db_export_log_host(), core/db.h) and loaded
 * with bt_graph_load(), so a walk over the database is the walk over a log,
 * with the same results (for a single log: the same object ids too).
 */
#ifndef BT_DBGRAPH_H
#define BT_DBGRAPH_H

#include "../core/db.h"
#include "graph.h"

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

#endif
