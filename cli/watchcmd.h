/*
 * watchcmd.h - what `btrack watch` and `btrack capture --watch` share: the
 * options of the watch engine (live/watch.h) that are not where its log,
 * alerts and results are, their parsing, and the terminal side (one line
 * per alert on stdout, notes and warnings on stderr, the stats line).
 * One engine, one code path: both commands run bt_watch_run() with what
 * this file builds.  The pages are man/btrack-watch.1 and
 * man/btrack-capture.1.
 */
#ifndef BT_WATCHCMD_H
#define BT_WATCHCMD_H

#include <signal.h>
#include <stdbool.h>

#include "../live/watch.h"
#include "cli.h"

/* Option ids of the rows WATCHCMD_OPTS, above every command's own. */
enum {
	WOPT_WAIT = 600, WOPT_QUEUE, WOPT_OUTPUTS, WOPT_SINCE, WOPT_GRAN,
	WOPT_MAX_NODES, WOPT_MAX_DEPTH, WOPT_FILTERS, WOPT_NO_FILTERS,
	WOPT_HIDE, WOPT_EXPLAIN, WOPT_STATS
};

/* The rows, for a command's option table (cli.h). */
#define WATCHCMD_OPTS \
	{ WOPT_WAIT, "wait", "SECONDS", "wait this long for the log to " \
	  "reach an alert's time (default 2)" }, \
	{ WOPT_QUEUE, "queue", "N", "alerts waiting at most (default " \
	  "1024); more are dropped and counted" }, \
	{ WOPT_OUTPUTS, "outputs", "LIST", "json,dot,svg,text (default: " \
	  "all)" }, \
	{ WOPT_SINCE, "since", "T", "ignore events before T" }, \
	{ WOPT_GRAN, "granularity", "G", "page (default), vma or object" }, \
	{ WOPT_MAX_NODES, "max-nodes", "N", "stop each walk after N " \
	  "objects" }, \
	{ WOPT_MAX_DEPTH, "max-depth", "N", "stop each walk N dependencies " \
	  "away" }, \
	{ WOPT_FILTERS, "filters", "LIST", "runtime,helpers,noise,private," \
	  "names (default), all, none" }, \
	{ WOPT_NO_FILTERS, "no-filters", NULL, "show the whole result" }, \
	{ WOPT_HIDE, "hide", "GLOB", "also hide objects whose path, exe or " \
	  "address matches" }, \
	{ WOPT_EXPLAIN, "explain", NULL, "text: list what each filter " \
	  "removed" }, \
	{ WOPT_STATS, "stats", NULL, "print a stats line at the end (and " \
	  "at SIGUSR1): alerts, latency, graph" }

/* The synopsis words of those options. */
#define WATCHCMD_SYNOPSIS \
	"[--wait SECONDS] [--queue N] [--outputs LIST] [--since T] " \
	"[--granularity page|vma|object] [--max-nodes N] [--max-depth N] " \
	"[--filters LIST | --no-filters] [--hide GLOB] [--explain] [--stats]"

#define WATCHCMD_MAX_HIDE 64

struct watchcmd {
	struct bt_watch_opts o;
	const char *hide[WATCHCMD_MAX_HIDE];
	bool stats;               /* --stats */
	const char *who;          /* "watch" or "capture": the stats line's */
};

/* Defaults (the query, --wait, --queue); `who` names the command. */
void watchcmd_init(struct watchcmd *wc, const char *who);

/* Parse one of WATCHCMD_OPTS for command c: 0, EXIT_USAGE (after the
 * message), or 1 when `id` is not one of them. */
int watchcmd_opt(struct watchcmd *wc, const struct cli_cmd *c, int id,
		 const char *val);

/* The engine's callbacks on the terminal (status only when stderr is a
 * terminal and `progress`). */
void watchcmd_ops(struct watchcmd *wc, struct bt_watch_ops *out,
		  bool progress);

/* After bt_watch_run() returned r with *sum: the warnings, notes and the
 * stats line; the command's exit code (EXIT_OK, or cli_fail(r)'s; an
 * ended source with failed alerts is EXIT_ERROR). */
int watchcmd_finish(struct watchcmd *wc, int r,
		    const struct bt_watch_summary *sum);

#endif
