/*
 * watch.h - live response: IDS alerts answered with backtracked graphs as
 * they arrive (`btrack watch`, man/btrack-watch.1).
 *
 * Two threads.  The reader reads alert lines from the source
 * (alertsrc.h), parses each (graph/alert.h) and puts it in a bounded
 * queue of `queue` entries allocated once: when the queue is full, a
 * followed file's reader waits (the file keeps the alerts: nothing is
 * lost), any other source's alert is dropped and counted.  The engine
 * takes alerts in order and, for each:
 *   - refreshes the followed log (follow.h: the graph is extended with
 *     what was committed since, so an alert sees every event committed
 *     before it, also events committed late with earlier times; the
 *     engine refreshes while idle too).  A version 1 log, which is loaded
 *     again at each refresh, is refreshed only when the graph does not
 *     yet reach the alert's time or hold its detection point;
 *   - waits up to `wait_ns` after the alert's arrival while the log's last
 *     event is older than the alert's time or its detection point is not
 *     in the log yet, refreshing; then runs with what there is, and says
 *     so (answer.behind);
 *   - runs the query (graph/query.h: resolve, walk with the limits of
 *     `query`, filter) and writes the result into DIR as NAME.txt (the
 *     text summary), NAME.dot, NAME.svg and NAME.json (JSON first, SVG
 *     last: a graphviz layout takes tens of ms), NAME being the alert's
 *     time and rule made safe for a file name, with -2, -3 ... when
 *     taken; files are created beside their name and renamed onto it
 *     without replacing anything (core/outfile.h; not fsynced: see
 *     commit_nosync() in watch.c);
 *   - calls ops->answer.
 *
 * Restart: DIR/.btrack-watch.journal records, for every alert, "B KEY
 * NAME" before its files are written and "D KEY STATUS" after (one
 * O_APPEND write each; a torn last line is ignored).  KEY is a hash of the
 * alert's line and its ordinal among identical lines since the source
 * started.  An alert whose KEY is done is skipped; one begun but not done
 * (a watcher killed while writing it) is answered again under its NAME,
 * writing only the files not yet there.  A followed file is read from its
 * start at every start, so a watcher killed with SIGKILL and started again
 * answers each of its alerts exactly once; alerts that were queued from a
 * FIFO, socket or standard input when it died are gone with it.  The
 * journal holds 16 bytes of memory per alert answered.
 *
 * Does not print: messages go through ops.
 */
#ifndef BT_WATCH_H
#define BT_WATCH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../graph/alert.h"
#include "../graph/export.h"
#include "../graph/query.h"

#define BT_WATCH_QUEUE_DEFAULT 1024
#define BT_WATCH_QUEUE_MAX (1u << 20)
#define BT_WATCH_WAIT_DEFAULT 2000000000ull   /* 2 s */
#define BT_WATCH_JOURNAL ".btrack-watch.journal"

/* Result files, a bit each. */
enum {
	BT_WATCH_OUT_JSON = 1, BT_WATCH_OUT_DOT = 2, BT_WATCH_OUT_SVG = 4,
	BT_WATCH_OUT_TEXT = 8, BT_WATCH_OUT_ALL = 15
};

struct bt_watch_opts {
	const char *log;            /* the log NAME (follow.h) */
	const char *alerts;         /* the source (alertsrc.h) */
	const char *dir;            /* created if missing */
	struct bt_query query;      /* walk and filter options; spec and
	                               point_time are set per alert */
	struct bt_export_opts eo;   /* display options */
	uint64_t wait_ns;           /* --wait */
	size_t queue;               /* capacity, 1 .. BT_WATCH_QUEUE_MAX */
	unsigned outputs;           /* BT_WATCH_OUT_*, 0: all */
	volatile sig_atomic_t *stop;  /* set (by a signal) to stop */
	/* Set when the log's writer is done (`capture --watch`, at the
	 * end of the capture; may be NULL): the source's alerts that are
	 * ready are read, every queued alert is answered (on the final
	 * log), then bt_watch_run() returns. */
	volatile sig_atomic_t *finish;
	/* Set (by a signal) to have ops->report called once (may be
	 * NULL); the engine clears it. */
	volatile sig_atomic_t *report;
};

/* One alert answered (or not). */
struct bt_watch_answer {
	const struct bt_alert *alert;  /* spec, rule, time (borrowed) */
	uint64_t line;            /* its line number in the source */
	int err;                  /* 0, or why it has no result */
	const char *msg;          /* err's message, or NULL */
	bool resumed;             /* begun by a watcher that died */
	bool behind;              /* the log (still being written) had not
	                             caught up with the alert's time after
	                             the wait */
	bool truncated;           /* a limit stopped the walk */
	uint64_t log_time;        /* the log's last event time when run */
	size_t objects;           /* nodes of the result */
	size_t entries;           /* entry points among them */
	uint64_t latency_ns;      /* from its arrival to its first result
	                             file (JSON) written */
	uint64_t total_ns;        /* ... to all its files written */
	const char *result;       /* DIR/NAME (no extension), or NULL */
	const char *note;         /* a filter or limit message, or NULL */
};

struct bt_watch_status {
	uint64_t answered, failed, skipped, dropped, queued;
	uint64_t events;          /* in the graph */
	uint64_t log_time;
	uint64_t graph_bytes;     /* the graph's memory beyond the mapped
	                             log (bt_graph_memory()) */
	uint64_t cache_bytes;     /* of which its cache of decoded events
	                             (bounded; fills as alerts walk) */
	/* The process's heap (mallinfo2): bytes in use, and bytes the
	 * allocator holds (in use, free in its arenas, mmap'd chunks).  In
	 * use stays flat over alerts once the cache is full; what it holds
	 * may stay at a peak's height. */
	uint64_t heap_used, heap_held;
	/* Latency (arrival to the first result file) of the alerts
	 * answered, from a fixed histogram: 1 ms steps up to 1 s, 100 ms
	 * steps up to 60 s, then "60 s or more".  0 when none. */
	uint64_t latency_p50_ns, latency_p99_ns, latency_max_ns;
	/* The followed log (follow.h, bt_follow_stats). */
	uint64_t loads;           /* refreshes that took records in */
	uint64_t load_ns;         /* their total time */
	uint64_t restarts;        /* the log was replaced or cut */
	bool incremental;         /* false: each load reloads the log */
};

/* Called from the thread that runs bt_watch_run(), one at a time. */
struct bt_watch_ops {
	void (*answer)(void *arg, const struct bt_watch_answer *a);
	/* What the user should hear: a warning (log replaced, alerts
	 * dropped) or a note (source rotated, waiting for the log). */
	void (*event)(void *arg, bool warning, const char *msg);
	/* About once a second while running; may be NULL. */
	void (*status)(void *arg, const struct bt_watch_status *st);
	void *arg;
	/* When *opts.report was set; may be NULL. */
	void (*report)(void *arg, const struct bt_watch_status *st);
};

/* Totals at the end. */
struct bt_watch_summary {
	struct bt_watch_status st;
	uint64_t unanswered;      /* queued when stopped */
	bool source_ended;        /* standard input ended */
};

/*
 * Run until *o->stop is set, or the source ends (standard input) or
 * *o->finish is set: then the queue is answered first.  0, or a negative bt_error for what stops the
 * watcher (the directory or journal cannot be written, the source cannot
 * be opened or read); alerts that fail are answers with err set, not
 * errors.  *sum (may be NULL) gets the totals.
 */
int bt_watch_run(const struct bt_watch_opts *o, const struct bt_watch_ops *ops,
		 struct bt_watch_summary *sum);

/* A file name for an alert: its time ("20261121T100007.500000000Z") and
 * rule, letters, digits, '-' and '_' kept, any other run one '_'; "alert"
 * without a rule, "notime" without a time.  At most n bytes (NUL
 * included). */
void bt_watch_name(char *buf, size_t n, const struct bt_alert *a);

#endif
