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
/* The same with `whole`: every event of each object the walk may reach,
 * both ways (bt_db_export_walk()), for the outputs that count or list a
 * node's events beyond what the filters read: the HTML report, PROV-JSON
 * (cli/walkcmd.c chooses by the format). */
int bt_db_graph_walk_whole(struct bt_graph **out, struct bt_db *db,
			   const char *host, enum bt_dir dir,
			   const char *const *specs, size_t n, bool whole,
			   bt_progress_fn progress, void *arg);

/*
 * The host of each object of a graph a case database of two hosts or more
 * wrote (its log's BT_DB_HOSTS_NOTE), for the outputs: each node of a
 * result that spans several hosts names its host.  *out is NULL for any
 * other graph (a log, one host).  0 or BT_ENOMEM.
 */
struct bt_hostmap;
int bt_hostmap_new(struct bt_hostmap **out, const struct bt_graph *g);
void bt_hostmap_free(struct bt_hostmap *m);
/* The host of object `id`, or NULL (m NULL, or an endpoint shared by
 * all hosts). */
const char *bt_hostmap_get(const struct bt_hostmap *m, uint32_t id);
/* The clock skews between hosts the database estimated (as on stderr),
 * or NULL. */
const char *bt_hostmap_skew(const struct bt_hostmap *m);
/* Whether the nodes of r lie on two hosts or more (m NULL: false). */
bool bt_hostmap_spans(const struct bt_hostmap *m, const struct bt_result *r);

#endif
