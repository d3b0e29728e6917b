/*
 * render.h - what the output formats (text.c, dot.c, json.c) share: names,
 * times, node labels and credential changes, all shown through the display
 * rule for untrusted strings (core/display.h).  Internal to graph/; the
 * public contract is graph/export.h.
 */
#ifndef BT_RENDER_H
#define BT_RENDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/cgroup.h"
#include "../core/display.h"
#include "../core/strbuf.h"
#include "../core/timefmt.h"
#include "export.h"
#include "graph.h"
#include "walk.h"

/* A BT_LABEL_CRED value "uid=N euid=N gid=N egid=N" (fields may be
 * missing: -1). */
struct cred {
	int64_t v[4];
	uint64_t time;
};
extern const char *const cred_keys[4];

/* For cred_to_text(): appends each change, `lead` before the first and
 * `sep` between. */
struct cred_text {
	struct bt_sb *b;
	const char *lead, *sep;
	size_t n;
};

const char *op_name(unsigned op);
const char *kind_name(unsigned kind);
const char *gran_name(enum bt_gran g);
const char *fmt_time(char buf[BT_TIME_BUFSZ], uint64_t ns);
const char *node_kind_name(const struct bt_result *r,
			   const struct bt_node *nd);
size_t cred_changes(const struct bt_graph *g, uint32_t proc,
		    void (*fn)(void *arg, const char *text,
			       const struct cred *now, uint64_t time),
		    void *arg);
void cred_to_text(void *arg, const char *text, const struct cred *now,
		  uint64_t time);
/* A process's last cgroup (BT_LABEL_CGROUP), shown (bt_show_strn) into b,
 * and the container id the path shows into cid ("" if none); false when
 * it has no cgroup label. */
bool proc_cgroup(struct bt_sb *b, const struct bt_graph *g, uint32_t proc,
		 char cid[BT_CONTAINER_ID_LEN + 1]);
void label_of(struct bt_sb *b, const struct bt_result *r,
	      const struct bt_node *nd);
void node_label(struct bt_sb *b, const struct bt_result *r, size_t i);
void filter_summary(struct bt_sb *b, const struct bt_result *r);
/* What the capture of the result's log lost (r->drops), in one sentence
 * without a full stop: "the capture lost or rejected 123 records (full=120
 * bad=3) between T1 and T2, inside this result's time span: the graph may
 * be incomplete"; nothing and false when none were lost (or unknown). */
bool drops_sentence(struct bt_sb *b, const struct bt_result *r);
/* Whether the window of r->drops meets the result's time span. */
bool drops_in_span(const struct bt_result *r);
void argv_line(struct bt_sb *b, const char *argv, size_t len);

/* ---- shared by the readable outputs (labels.c) ---- */

const char *plural(uint64_t n, const char *one, const char *many);

/* The first and last time in a result (its edges and thresholds); 0 for
 * a result without times. */
uint64_t result_t0(const struct bt_result *r);
uint64_t result_t1(const struct bt_result *r);

/* Times shown as offsets from the first event, "+0.000123 s". */
#define BT_RELTIME_BUFSZ 48
struct reltime {
	uint64_t t0;
	int decimals;  /* after the point */
	int width;     /* digits before it (padding), 0: none */
};
/* fixed: 6 decimals (9 for a span under 1 ms), padded to the widest offset up to t1 (text
 * columns); else as few decimals as tell events of a span apart. */
void reltime_init(struct reltime *rt, uint64_t t0, uint64_t t1, bool fixed);
const char *rel_time(char buf[BT_RELTIME_BUFSZ], const struct reltime *rt,
		     uint64_t t);

/* Append shown text s (bt_show_str()'s output, n bytes) cut to maxcols
 * columns with a "…" at the end, or in the middle (keep_end); never
 * inside an escape or a UTF-8 character. */
void add_clipped(struct bt_sb *b, const char *s, size_t n, size_t maxcols,
		 bool keep_end);

/* "comm [pid]" (the kernel's name; else the executable's file name). */
void proc_name(struct bt_sb *b, const struct bt_object_info *in);
/* The command line as run, shortened; returns whether argv was known. */
bool proc_command(struct bt_sb *b, const struct bt_object_info *in,
		  size_t maxcols);

/* A result's edges by node: in[in_start[i] .. in_start[i + 1]) are the
 * indexes of the edges into node i, out[...] those out of it, each in
 * result order. */
struct adj {
	size_t *in_start, *in, *out_start, *out;
};
int adj_build(struct adj *a, const struct bt_result *r);  /* BT_ENOMEM */
void adj_release(struct adj *a);

/* Whether an edge is a cause on the way to the detection point
 * (backward) or an effect of the start (forward): never into an entry
 * point (a send from the client into a remote endpoint), nor out of a
 * remote leaf of a forward walk. */
bool edge_is_cause(const struct bt_result *r, const struct bt_edge *e);

/* "cat [5316] | sh [5313]": who wrote into pipe node i, who read it
 * ("written by ...", "read by ..." when one side is not in the result). */
void pipe_ends(struct bt_sb *b, const struct bt_result *r,
	       const struct adj *a, size_t i);

/* The path a node is named by (file, file name, page), or NULL;
 * borrowed from the graph. */
const char *node_path(const struct bt_result *r, const struct bt_node *nd);
/* Per node, how many trailing path components tell its path apart from
 * the other paths of the result.  *out is owned by the caller (free()). */
int short_paths(size_t **out, const struct bt_result *r);
/* The path shortened: whole if short, else "…/" and its last `need`
 * components, then cut to maxcols. */
void short_path(struct bt_sb *b, const char *path, size_t need,
		size_t maxcols);

/* One entry per format, called by bt_export_with() (o never NULL). */
int export_text(const struct bt_result *r, const struct bt_export_opts *o,
		FILE *out);
int export_dot(const struct bt_result *r, const struct bt_export_opts *o,
	       FILE *out);
int export_render(const struct bt_result *r, const struct bt_export_opts *o,
		  const char *fmt, FILE *out);
int export_json(const struct bt_result *r, const struct bt_export_opts *o,
		FILE *out);
int export_html(const struct bt_result *r, const struct bt_export_opts *o,
		FILE *out);
int export_prov(const struct bt_result *r, const struct bt_export_opts *o,
		FILE *out);

#endif
