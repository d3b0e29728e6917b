/*
 * drops.h - what a log's capture lost: the BT_NOTE_DROPS notes that the
 * recorders and `btrack capture` write when they close a log
 * (core/record.h), gathered into one summary so that a result read from
 * the log can say its graph may be incomplete (btrack-backtrack(1),
 * DROPS).
 *
 * A drops note's text is "cause=count ..." (e.g. "full=120 fault=0 bad=3
 * resync=0 op.read=120"): every key a cause, counted; but keys with a '.'
 * are a breakdown of the counts before them (by operation), and keys
 * ending in "_processes", "_repaired" and "_claimed" count processes,
 * repairs of the page ring's header, or what the traced program claims
 * (unverified), not records lost: those are left out (`btrack log info`
 * shows every note).  A note whose counts are all zero says nothing was lost.  The
 * text is untrusted (anything that writes a log writes notes): names are
 * kept only if they are short and of [a-z0-9_.], counts only if decimal;
 * anything else is counted as unreadable, never guessed.
 *
 * When: a drops note is dated when its capture ended; the capture began
 * at the source note (BT_NOTE_SOURCE) before it in the log.  The losses
 * happened somewhere in between: that window is all btrack knows of their
 * time.
 *
 * Nothing here prints.
 */
#ifndef BT_DROPS_H
#define BT_DROPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bt_log;

#define BT_DROPS_CAUSES 16     /* causes kept by name; more are summed */
#define BT_DROPS_NAME 32       /* bytes of a cause name, NUL included */

struct bt_drops {
	uint64_t total;            /* records lost or rejected, all causes
	                              (0: none recorded) */
	uint32_t notes;            /* drops notes with a nonzero count */
	uint32_t unreadable;       /* words of drops notes that did not
	                              parse (or counts that overflowed) */
	/* By cause, in order of first appearance, summed over the notes. */
	struct {
		char name[BT_DROPS_NAME];
		uint64_t count;
	} cause[BT_DROPS_CAUSES];
	uint32_t ncauses;
	uint64_t other;            /* counts of causes past the table */
	/* The window of the captures that lost them (ns since the epoch):
	 * from the earliest start to the latest end.  since == 0: a capture
	 * whose start is not in the log (no source note before its drops
	 * note); until == 0: no drops. */
	uint64_t since, until;
};

/* Add the counts of one drops note's text (len bytes, untrusted) to *d;
 * the number of records it says were lost (0: nothing).  Sets no time. */
uint64_t bt_drops_add_text(struct bt_drops *d, const char *text, size_t len);

/*
 * Read every record of `log` and sum its drops notes into *out (zeroed
 * first).  Reads the whole log (block by block, as bt_log_next()): about
 * a tenth of a second per million events, so a question answered from an
 * index reads the summary the index keeps instead (bt_graph_drops(),
 * graph.h).  The errors of bt_log_next() (BT_ECORRUPT, BT_ENOMEM).
 */
int bt_drops_read(struct bt_drops *out, const struct bt_log *log);

/*
 * The same, a part of a log at a time: a scan is the summary so far and
 * where the capture being read began.  bt_drops_scan_rec() takes one
 * record (any type; notes count), in log order; bt_drops_scan_blocks()
 * every record of blocks [from, to) of a version 2 log (decoded block by
 * block; BT_EINVAL for version 1 or a range past its blocks); and
 * bt_drops_scan_end() gives the summary.  A scan is plain data: the index
 * keeps one (graph/index.c).
 */
struct bt_drops_scan {
	struct bt_drops d;
	uint64_t start;            /* the current capture's source note's
	                              time; 0 before any */
	bool start_unknown;        /* a drops note came with no start */
};
void bt_drops_scan_init(struct bt_drops_scan *s);
void bt_drops_scan_rec(struct bt_drops_scan *s, const void *rec);
int bt_drops_scan_blocks(struct bt_drops_scan *s, const struct bt_log *log,
			 uint32_t from, uint32_t to);
void bt_drops_scan_end(const struct bt_drops_scan *s, struct bt_drops *out);
/* Whether a scan read from outside (an index) is one this code makes:
 * cause names of [a-z0-9_.], NUL-terminated, ncauses in range. */
bool bt_drops_scan_valid(const struct bt_drops_scan *s);

/* Whether the window [since, until] of d meets [t0, t1] (a result's
 * first and last event times); true when the start is unknown and the
 * end is at or after t0. */
bool bt_drops_meets(const struct bt_drops *d, uint64_t t0, uint64_t t1);

/* "full=120 bad=3" (the causes with a count; "other=N" for the rest) into
 * buf (n bytes, NUL-terminated, cut if short); returns buf. */
const char *bt_drops_causes(const struct bt_drops *d, char *buf, size_t n);

#endif
