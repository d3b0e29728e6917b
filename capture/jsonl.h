/*
 * jsonl.h - import JSON Lines events (one JSON object per line) into a log.
 *
 * The format is in man/btrack-import.1:
 *   {"time": NS|"RFC3339", "op": "fork", "pid": 100, "child": 101}
 *   {"time": ..., "op": "exec", "pid": 101, "path": "/bin/sh", "argv": [...]}
 *   ... read write create unlink truncate rename link mmap page_read
 *   page_write connect accept recv send exit symlink chmod chown setid pipe
 * Optional fields: inode, dev, exe, comm, uid, euid, gid, egid, ppid, kind
 * (file, pipe, socketpair, anon, memfd); unknown fields are ignored.  Parsed with jansson; a line's bytes are untrusted.
 */
#ifndef BT_JSONL_H
#define BT_JSONL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/ingest.h"

struct bt_jsonl_stats {
	uint64_t lines;        /* lines read, blank ones included */
	uint64_t events;       /* observations ingested */
	uint64_t bad;          /* bad lines skipped (keep_going) */
	uint64_t first_bad;    /* line number of the first bad line, or 0 */
};

/*
 * Read `in` to its end, giving each line's observation to `sink` (what
 * bt_ingest_sink() returns, or a test's own).  `name` is used in
 * messages ("events.jsonl:12: ...").  Without keep_going, the first bad
 * line stops the import with BT_ECORRUPT and a message naming the line (the
 * caller discards the log: "a bad line imports nothing").  With keep_going,
 * bad lines are counted in stats and skipped.  Errors from the log writer
 * (BT_EIO) always stop.
 */
int bt_jsonl_import_sink(const struct bt_obs_sink *sink, FILE *in,
			 const char *name, bool keep_going,
			 struct bt_jsonl_stats *stats);

/* Parse one line into *o (strings point into storage owned by *ctx until
 * the next call).  Exposed for the fuzz target and tests. */
struct bt_jsonl_line;
int bt_jsonl_line_new(struct bt_jsonl_line **out);
void bt_jsonl_line_free(struct bt_jsonl_line *l);
int bt_jsonl_parse(struct bt_jsonl_line *l, const char *line, size_t len,
		   struct bt_obs *o);

#endif
