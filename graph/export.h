/*
 * export.h - a walk result as something people and programs read.
 *
 * DOT is built through cgraph, so every name (quotes, newlines, invalid
 * UTF-8 in hostile file names) is escaped by graphviz itself; SVG, PNG and
 * PDF are laid out and rendered through gvc; JSON is built with jansson
 * (invalid UTF-8 is replaced, never passed through); text is a summary for
 * a terminal in the investigation's words (text.c).  The picture (dot.c)
 * reads top to bottom as time flows, with short labels, relative times,
 * one edge per pair of objects, the attack path in bold and a legend;
 * node shapes by kind (process: box, file: ellipse, filename: note, page:
 * component, endpoint: diamond, pipe: cds, runtime summary: folder); the
 * detection point is drawn bold and red, entry points filled.  Text lists
 * the entry points by rank (graph/filter.h).
 *
 * The JSON document:
 *   {"direction": "backward"|"forward", "granularity": ...,
 *    "since": T|null, "until": T|null, "truncated": bool, "limit": str|null,
 *    "detection": NODE-ID, "examined": N, "filters": {...}|null,
 *    "drops": {"records", "causes": {CAUSE: N}, "notes", "unreadable",
 *              "since", "until", "in_span"}|null (r->drops, drops.h),
 *    "nodes": [{"id", "kind", "label", "entry": bool, "detection": bool,
 *               "threshold", "depth", entry points: "rank",
 *               "entry_reason"; kind-specific: "pid", "start", "exe",
 *               "argv", "uid", "inherited", "inherited_from_pid",
 *               "credentials": [{"time", "uid", "euid", "gid", "egid",
 *               "change"}], "path", "paths", "dev", "inode", "pipe",
 *               "version", "versions", "page", "pages": [first, last],
 *               "address"; kind "runtime" (a summary): "summary"}],
 *    "edges": [{"from", "to", "op", "time", "first", "last", "count"}]}
 * Times are integer ns since the epoch; node ids are strings "n0", "n1"...
 * in result order.
 */
#ifndef BT_EXPORT_H
#define BT_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "walk.h"

enum bt_format {
	BT_FMT_TEXT, BT_FMT_DOT, BT_FMT_JSON, BT_FMT_SVG, BT_FMT_PNG,
	BT_FMT_PDF, BT_FMT_HTML, BT_FMT_PROV
};

/* Display choices for one rendering (the result itself is not changed).
 * Zero-initialised means the defaults. */
struct bt_export_opts {
	bool explain;            /* text: list what each filter removed */
	size_t max_layout_nodes; /* SVG/PNG/PDF/HTML: refuse to lay out a
	                            larger result, BT_ELIMIT (0: the
	                            built-in limit) */
};

/* Graphviz's dot layout grows much faster than the graph: about 4 s for
 * 400 objects, 18 s for 1,000, 46 s for 1,500 (one core, edge labels
 * dropped past 400 edges); a 1 M-object result used 6 GB before it was
 * killed.  Past this many objects, SVG/PNG/PDF/HTML are refused. */
#define BT_LAYOUT_NODES_DEFAULT 1000

/* "text", "dot", "json", "svg", "png", "pdf"; BT_EINVAL otherwise. */
int bt_format_parse(enum bt_format *out, const char *name);
/* Guess from an output file name's extension; BT_EINVAL if none fits. */
int bt_format_from_path(enum bt_format *out, const char *path);

/* Write `r` to `out` in `fmt` with display options `o`.  BT_EIO on a
 * write error, BT_ENOMEM. */
int bt_export_with(const struct bt_result *r, enum bt_format fmt,
		   const struct bt_export_opts *o, FILE *out);
/* The same with the default options. */
int bt_export(const struct bt_result *r, enum bt_format fmt, FILE *out);

/* A one-line label for a node, e.g. "bash [1234]" or "/tmp/x#3".  Writes at
 * most n bytes (NUL included); returns the full length. */
size_t bt_node_label(const struct bt_result *r, size_t node, char *buf,
		     size_t n);

#endif
