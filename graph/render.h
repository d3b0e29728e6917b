/*
 * render.h - what the output formats (text.c, dot.c, json.c) share: names,
 * times, node labels and credential changes, all shown through the display
 * rule for untrusted strings (core/display.h).  Internal to graph/; the
 * public contract is graph/export.h.
 */
#ifndef BT_RENDER_H
#define BT_RENDER_H

#include <stdint.h>
#include <stdio.h>

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
void label_of(struct bt_sb *b, const struct bt_result *r,
	      const struct bt_node *nd);
void node_label(struct bt_sb *b, const struct bt_result *r, size_t i);
void filter_summary(struct bt_sb *b, const struct bt_result *r);
void argv_line(struct bt_sb *b, const char *argv, size_t len);

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
