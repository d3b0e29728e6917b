/*
 * filter.h - BackTracker's heuristics that shrink a walk result to what an
 * analyst needs to read.
 *
 * Filters (each can be turned on or off; the default set is "readonly,
 * helpers,noise"):
 *  - readonly: files that nothing wrote during the window and that are
 *    system files (under /usr, /lib*, /bin, /sbin, /opt; shared objects;
 *    Python bytecode) or that many processes read (at least
 *    `readonly_readers` distinct readers in the whole log): programs,
 *    libraries, locale data, common configuration.  A file elsewhere read
 *    by one or two processes (a secret that was stolen) stays.
 *    Backward walks only.
 *  - helpers: processes that only talk to their parent: forked by it, and
 *    connected to nothing but the parent, objects only the two of them
 *    touch (their pipes), and objects other filters remove.  Backward
 *    walks only.
 *  - noise: well-known objects that carry no information flow worth
 *    showing: /dev/null, /dev/zero, the terminals, the files of
 *    /proc/self and /proc/PID, utmp, wtmp, btmp, lastlog,
 *    /etc/ld.so.cache, ... (noise_globs[] in filter.c; the list is in
 *    man/btrack-backtrack.1)
 *  - hide: objects whose path (file, filename, page), executable
 *    (process) or address (endpoint) matches a user glob (fnmatch(3),
 *    '*' also matches '/').
 *
 * The guarantee: a filter never cuts a path.  After the candidates of all
 * enabled filters are chosen, every node that stays must still be joined
 * to the detection point as it was in the unfiltered result; where a
 * candidate is needed for that, the fewest such candidates are kept (and
 * counted as kept).  The detection point is never removed, and the
 * built-in filters never remove an endpoint.  Entry-point flags are those
 * of the unfiltered result.
 */
#ifndef BT_FILTER_H
#define BT_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "walk.h"

enum bt_filter_id {
	BT_FILTER_READONLY = 0,
	BT_FILTER_HELPERS = 1,
	BT_FILTER_NOISE = 2,
	BT_FILTER_HIDE = 3,
	BT_FILTER_COUNT = 4
};

#define BT_FILTERS_DEFAULT \
	((1u << BT_FILTER_READONLY) | (1u << BT_FILTER_HELPERS) | \
	 (1u << BT_FILTER_NOISE))

struct bt_filter_opts {
	unsigned enabled;             /* 1u << enum bt_filter_id */
	uint32_t readonly_readers;    /* default 3 */
	const char *const *hide;      /* globs, borrowed */
	size_t nhide;
};

void bt_filter_opts_init(struct bt_filter_opts *o);

/* "readonly,helpers,noise", "all", "none", "default"; BT_EINVAL. */
int bt_filter_parse(unsigned *out, const char *list);
const char *bt_filter_name(unsigned id);

/* What the filters did. */
struct bt_filter_report {
	size_t nodes_before, edges_before;
	size_t nodes_after, edges_after;
	uint32_t removed_by[BT_FILTER_COUNT];  /* nodes removed per filter */
	uint32_t kept_by[BT_FILTER_COUNT];     /* candidates kept for a path */
	struct bt_node *removed;               /* the removed nodes */
	uint8_t *removed_filter;               /* which filter, per node */
	size_t nremoved;
	bool explain;     /* set by the caller: list removed objects in
	                     text output, not only their counts */
};

/*
 * Filter `r` in place (nodes and edges removed, node order otherwise kept,
 * node 0 still the detection point).  *out (owned by the caller, freed
 * with bt_filter_report_free()) says what was removed; r->filters is set to
 * it (borrowed by the result: free the report after the result is last
 * used).  BT_ENOMEM, BT_EINVAL for a bad glob list.
 */
int bt_filter_apply(struct bt_result *r, const struct bt_filter_opts *o,
		    struct bt_filter_report **out);

void bt_filter_report_free(struct bt_filter_report *rep);

#endif
