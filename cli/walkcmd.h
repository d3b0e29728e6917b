/*
 * walkcmd.h - what `btrack backtrack` and `btrack forward` share: one
 * option table, the query it builds (graph/query.h), its messages on the
 * terminal and the result written in its format.  The commands differ only
 * in direction; see man/btrack-backtrack.1 and man/btrack-forward.1.
 */
#ifndef BT_WALKCMD_H
#define BT_WALKCMD_H

#include "../core/db.h"
#include "../graph/walk.h"
#include "cli.h"

/* The options rows both commands use (ending with a zeroed row). */
extern const struct cli_opt walkcmd_opts[];

/* Parse --granularity for command c (usage error and EXIT_USAGE if bad). */
int walkcmd_gran(const struct cli_cmd *c, const char *val, enum bt_gran *out);

/* Run the command `c` walking in direction `dir`; returns the exit code. */
/*
 * The graph of a case database (open, or named by `name`) that walks in
 * `dir` from the n `specs` need (graph/dbgraph.h: one query per
 * frontier), with a progress line; with BTRACK_DB_STATS in the
 * environment, a note of what the store was asked.  0 or a bt_error.
 */
/*
 * What the capture of the graph's log lost (its drops notes, core/drops.h;
 * a case database's graph carries its logs' notes), into *d, with one
 * warning line on stderr when some records were lost; the log is read
 * once for it.  Returns d for bt_query.drops, or NULL when the log cannot
 * be read for it (the load or the walk reports the damage).
 */
struct bt_drops;
const struct bt_drops *walkcmd_drops(struct bt_drops *d,
				     const struct bt_graph *g);

int walkcmd_load_db(struct bt_graph **out, struct bt_db *db,
		    const char *name, const char *host, enum bt_dir dir,
		    const char *const *specs, size_t n, bool whole);

int walkcmd_run(const struct cli_cmd *c, enum bt_dir dir, int argc,
		char **argv);

#endif
