/*
 * follow.h - the graph of a log that another process is writing, kept up
 * to date: what `btrack watch` queries.
 *
 * The log is named by the path its writer was given (NAME).  While a
 * writer that creates it (`btrack record`, `capture`, `import`) runs, the
 * log is its temporary file .NAME.btrack-tmp.PID beside NAME
 * (core/log.h, bt_log_writer_file()); the follower reads that file and
 * goes on at NAME once the writer renames it there (same file).  A writer
 * appending to NAME (--append) writes it in place.
 *
 * bt_follow_refresh() looks at the file's header (one pread of 64 bytes):
 * records committed since the last refresh are taken into the graph;
 * records being written past the committed length (a torn tail) are
 * waited for, never reported; a writer killed mid-record leaves a log
 * whose committed part is whole, which is all the follower reads.  The
 * file replaced underneath (another file at the path, another creation
 * time in the header), cut shorter, or its committed length moving
 * backwards is reported (BT_ECORRUPT, "... was replaced") and the follower
 * starts over on what is there now: the graph it had is dropped first,
 * so nothing reads a mapping of a file that shrank.
 *
 * Records committed since the last refresh are added to the graph it
 * has (bt_graph_extend(): the new events, objects and labels, also those
 * committed into the last block after it was read), amortised O(1) per
 * event, so a refresh costs what the log added, not what it holds.  A
 * version 1 log (which cannot be extended) is loaded again instead, as is
 * a log that was replaced, cut or rewritten.  Refreshes that find nothing
 * new cost the pread only.
 *
 * Not thread-safe: one thread refreshes and queries.  Does not print.
 */
#ifndef BT_FOLLOW_H
#define BT_FOLLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "../graph/graph.h"

struct bt_follow;

/* Follow the log NAME (it need not exist yet).  The caller owns *out
 * (bt_follow_close()).  BT_ENOMEM. */
int bt_follow_open(struct bt_follow **out, const char *name);

/*
 * Take in what was committed since the last refresh; *new_events (may be
 * NULL) is how many events that added.  0 (also when nothing is new, or
 * no log exists yet: bt_follow_graph() is then NULL), BT_ECORRUPT for a
 * log that was replaced, cut or damaged (the message says which; the next
 * refresh starts over), BT_EIO, BT_ENOMEM.
 */
int bt_follow_refresh(struct bt_follow *f, uint64_t *new_events);

/* The checks of bt_follow_refresh() (replaced, cut, moved backwards:
 * the same errors, and the graph dropped), without taking new records
 * in: an fstat and a pread.  Run before using a graph that was not
 * refreshed, so nothing reads a mapping past a file's new end. */
int bt_follow_check(struct bt_follow *f);

/* The graph as of the last refresh, or NULL when there is no log yet
 * (borrowed: valid until the next refresh or the close; what its
 * accessors returned is valid until the next refresh). */
const struct bt_graph *bt_follow_graph(const struct bt_follow *f);

/* The latest event time in the graph (ns), 0 if none. */
uint64_t bt_follow_last_time(const struct bt_follow *f);

/* Whether the writer has closed the log (no more records will come). */
bool bt_follow_is_closed(const struct bt_follow *f);

/* The file being read (NAME or the writer's temporary file), or NULL.
 * Borrowed, valid until the next refresh. */
const char *bt_follow_file(const struct bt_follow *f);

struct bt_follow_stats {
	uint64_t refreshes;    /* bt_follow_refresh() calls */
	uint64_t loads;        /* of them, those that took records in */
	uint64_t restarts;     /* the log was replaced or cut */
	uint64_t events;       /* events in the graph */
	uint64_t load_ns;      /* total time taking records in */
	uint64_t last_load_ns; /* the last one's */
	uint64_t last_load_events; /* events it added */
	bool incremental;      /* true: new records extend the graph; false:
	                          each refresh that finds some reloads (a
	                          version 1 log) */
};
void bt_follow_stats(const struct bt_follow *f, struct bt_follow_stats *out);

void bt_follow_close(struct bt_follow *f);

#endif
