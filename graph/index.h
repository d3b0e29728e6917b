/*
 * index.h - the index beside a log: LOG.btx, the loaded graph of a
 * version 2 log (graph.h) written to a file, so that a later question maps
 * it instead of reading the whole log, and reads only the pages it needs.
 *
 * The file (man/btrack-log.5, section INDEX FILE) is a 4 KiB header, then
 * sections: the per-object lists of events (u32 event numbers) and beside
 * them each entry's op and other end (bt_graph_in_ends()), the per-object
 * tables (kind, flags, list offsets, record offsets, label heads), each
 * file's pages and regions, the labels, the PATH labels by path, a copy of
 * the object and label records, and the log's block table.  Each section
 * is cut into 4 KiB chunks with a CRC-32C each; a chunk is checked the
 * first time a question reads it, so a corrupt index is never believed
 * (the question fails: BT_ECORRUPT naming the index) and a fresh process
 * touches only what it reads.  The header, with its own CRC, names the log
 * it was built from: creation time, committed length, block count and the
 * last block's checksum.  A log that only grew since (appended to: the
 * index's blocks a prefix of the log's, its last block the same as far as
 * the index read it) is served from the index extended with the rest
 * (bt_graph_extend()'s code); a log that changed otherwise makes the index
 * stale: it is not used.
 *
 * Protection is against damage, not forgery: the log (with its seals)
 * stays the evidence; `btrack log index` rebuilds the index from it.
 *
 * bt_graph_load() uses an index when present and valid; when there is
 * none, or it is stale or damaged, it reads the log and (per
 * bt_index_policy) writes a new one, saying so in bt_graph_warning().
 * Version 1 logs have no index.
 */
#ifndef BT_INDEX_H
#define BT_INDEX_H

#include <stdint.h>

#include "../core/log.h"
#include "graph.h"

/* The index's path for a log: LOG + this suffix. */
#define BT_INDEX_SUFFIX ".btx"

/* Figures of an index just built. */
struct bt_index_stats {
	uint64_t events, objects;
	uint64_t bytes;       /* of the index file */
	double seconds;       /* to build it (load included) */
};

/*
 * Build (or rebuild) the index of the version 2 log at `log` into `out`
 * (NULL: LOG.btx), replacing it (written beside it and renamed).  Loads
 * the log (on two threads), checking every record.  BT_EVERSION for a
 * version 1 log ("upgrade it first"), the reader's errors, BT_EIO.
 */
int bt_index_build(const char *log, const char *out, bt_progress_fn progress,
		   void *arg, struct bt_index_stats *st);

/*
 * When bt_graph_load() writes an index for a log that has none (or a
 * stale or damaged one): BT_INDEX_AUTO (the default) when the log is
 * closed, holds at least BT_INDEX_AUTO_EVENTS events and its directory is
 * writable; BT_INDEX_ALWAYS for any closed log; BT_INDEX_NEVER never (an
 * existing valid index is still used).  BT_INDEX_OFF: neither use nor
 * write one.  The environment variable BTRACK_INDEX=auto|always|never|off
 * sets it too (read by each load).
 */
enum bt_index_policy {
	BT_INDEX_AUTO = 0,
	BT_INDEX_ALWAYS = 1,
	BT_INDEX_NEVER = 2,
	BT_INDEX_OFF = 3
};
#define BT_INDEX_AUTO_EVENTS 1000000
void bt_index_set_policy(enum bt_index_policy p);

/* Whether the graph was mapped from an index (for messages and tests). */
int bt_graph_from_index(const struct bt_graph *g);

#endif
