/*
 * filter.h - shrink a walk result to what an analyst needs to read, and
 * rank its entry points.
 *
 * The rule every filter keeps: a filter may shrink the graph but never
 * hides a file whose content may have flowed into the detection point,
 * except the runtime files programs load, and those are collapsed into one
 * summary node per process ("libc.so.6 and 17 runtime files"), not
 * dropped.  Filters (each can be turned on or off; the default set is
 * "runtime,helpers,noise,private,names"):
 *  - runtime: files nothing wrote in the window (entry points of the
 *    result) that processes only load: executables in the system
 *    directories (the exec, and the interpreter's read of its script),
 *    shared libraries there, locale and character-set data, the loader's
 *    cache, name-service configuration (nsswitch.conf, passwd, group,
 *    hosts, resolv.conf ...), time zones, and the few files libraries read
 *    at start (openssl.cnf, /proc/filesystems ...): runtime_globs[] in
 *    filter.c, listed in man/btrack-backtrack.1.  A file any process reads
 *    otherwise (cp of a library, zcat of /usr/share/doc/x.gz) stays.
 *    Backward walks only.
 *  - helpers: processes that only talk to their parent: forked by it,
 *    reading nothing from outside, connected to nothing but the parent,
 *    objects only the two of them touch (their pipes), and objects other
 *    filters remove.  Backward walks only.
 *  - noise: well-known objects that carry no information flow worth
 *    showing: /dev/null, /dev/zero, the terminals, the files of
 *    /proc/self and /proc/PID, utmp, wtmp, ... (noise_globs[]).
 *  - private: files and file names only one process touches in the
 *    result and that it made (a file whose first event is that process's
 *    write: sort's temporary files, a name it created and looked up):
 *    nothing enters them from outside.
 *  - names: file names nobody changed in the window whose only role is a
 *    lookup (the read or write of the file shows the access).  Backward.
 *  - hide: objects whose path (file, filename, page), executable
 *    (process) or address (endpoint) matches a user glob (fnmatch(3),
 *    '*' also matches '/').
 *
 * The recorder's own preload library is never a cause: the walk skips it
 * (bt_graph_is_recorder()), filters or not.
 *
 * No filter cuts a path: after the candidates of all enabled filters are
 * chosen, every node that stays must still be joined to the detection
 * point as it was in the unfiltered result; where a candidate is needed
 * for that, the fewest such candidates are kept (and counted as kept).
 * The detection point is never removed, and the built-in filters never
 * remove an endpoint.
 *
 * Entry points (backward): the objects with no cause in the result.  After
 * filtering, a process whose only causes were runtime files or noise is
 * one too; a pipe never is; a summary node is not one.  Each entry point
 * gets a rank (walk.h, enum bt_entry_rank), with or without filters.
 */
#ifndef BT_FILTER_H
#define BT_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "walk.h"

enum bt_filter_id {
	BT_FILTER_RUNTIME = 0,
	BT_FILTER_HELPERS = 1,
	BT_FILTER_NOISE = 2,
	BT_FILTER_HIDE = 3,
	BT_FILTER_PRIVATE = 4,
	BT_FILTER_NAMES = 5,
	BT_FILTER_COUNT = 6
};
/* The runtime filter's old name ("readonly" is still accepted). */
#define BT_FILTER_READONLY BT_FILTER_RUNTIME

#define BT_FILTERS_DEFAULT \
	((1u << BT_FILTER_RUNTIME) | (1u << BT_FILTER_HELPERS) | \
	 (1u << BT_FILTER_NOISE) | (1u << BT_FILTER_PRIVATE) | \
	 (1u << BT_FILTER_NAMES))

struct bt_filter_opts {
	unsigned enabled;             /* 1u << enum bt_filter_id */
	uint32_t readonly_readers;    /* ranking: a file in the system
	                                 directories this many distinct
	                                 processes read in the whole log is
	                                 common (default 3; outside them,
	                                 16) */
	const char *const *hide;      /* globs, borrowed */
	size_t nhide;
};

void bt_filter_opts_init(struct bt_filter_opts *o);

/* "runtime,helpers,noise,private,names,hide" ("readonly" is runtime),
 * "all", "none", "default"; BT_EINVAL. */
int bt_filter_parse(unsigned *out, const char *list);
const char *bt_filter_name(unsigned id);

/* Why an entry point of this rank is one, e.g. "remote endpoint"; NULL
 * for BT_RANK_NONE. */
const char *bt_entry_rank_name(unsigned rank);

/* Whether a file is an unnamed channel (a pipe or socketpair: flagged
 * BT_FILEF_PIPE, or named "pipe:[N]" or "/proc/PID/fd/pipe:[N]" by a
 * source that does not flag it).  `info` is the file's bt_graph_object(). */
bool bt_file_is_pipe(const struct bt_object_info *info);

/* What the filters did. */
struct bt_filter_report {
	size_t nodes_before, edges_before;
	size_t nodes_after, edges_after;
	uint32_t removed_by[BT_FILTER_COUNT];  /* nodes removed per filter */
	uint32_t kept_by[BT_FILTER_COUNT];     /* candidates kept for a path */
	uint32_t summaries;                    /* runtime summary nodes added */
	struct bt_node *removed;               /* the removed nodes */
	uint8_t *removed_filter;               /* which filter, per node */
	size_t nremoved;
};

/*
 * Filter `r` in place (nodes and edges removed, runtime summary nodes
 * added, nodes and edges in the order walk.h gives, node 0 still the
 * detection point), then mark and rank the entry points (also when no
 * filter is enabled).  *out (owned by the caller, freed
 * with bt_filter_report_free()) says what was removed; r->filters is set to
 * it (borrowed by the result: free the report after the result is last
 * used).  BT_ENOMEM, BT_EINVAL for a bad glob list.
 */
int bt_filter_apply(struct bt_result *r, const struct bt_filter_opts *o,
		    struct bt_filter_report **out);

void bt_filter_report_free(struct bt_filter_report *rep);

#endif
