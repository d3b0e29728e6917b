/*
 * html.c - a walk result as one self-contained HTML report
 * (graph/export.h; for the user: man/btrack-backtrack.1, HTML REPORT).
 *
 * One file that needs no network: the graph as SVG laid out by gvc
 * (export_render(), so it looks as the svg format does), the CSS and the
 * JavaScript inline.  The page shows the graph with zoom and pan, the
 * details of the object clicked (attributes, labels with their times, the
 * events in and out with times and counts), a timeline of the result's
 * events that highlights what the pointer is on, a search box, and what
 * the filters removed or collapsed and why.
 *
 * Hostile names.  Everything from the log is untrusted (core/display.h):
 *  - the data, the SVG included, travels as one JSON document in a
 *    <script type="application/json"> element, with '<', '>' and '&'
 *    written \u003c, \u003e, \u0026, so no string can close the element
 *    or open another;
 *  - strings are shown by the display rule first (valid UTF-8, control
 *    characters as \xNN), and the script puts them into the page with
 *    textContent and setAttribute only;
 *  - the SVG is parsed as XML and rebuilt element by element from a list
 *    of the elements and attributes graphviz draws with: no script, event
 *    attribute or link survives, whatever gvc emitted;
 *  - a Content-Security-Policy lets only the report's own script run (a
 *    random nonce per report) and forbids every network fetch.
 * The labels, names and times are labels.c's (graph/render.h), as in the
 * other formats.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <jansson.h>

#include "../core/error.h"
#include "../core/log.h"
#include "../core/raw.h"     /* BT_PTY_* */
#include "../core/util.h"
#include "filter.h"
#include "dbgraph.h"
#include "jsonbuild.h"
#include "render.h"

/* Larger results get a report without the drawing: graphviz's layout of
 * thousands of nodes takes minutes.  The limit the other renderings have
 * (graph/export.h, once it defines it). */
#ifndef BT_LAYOUT_NODES_DEFAULT
#define BT_LAYOUT_NODES_DEFAULT 2000
#endif

/* Why each filter removes what it does (filter.h, in the user's words). */
static const char *const filter_why[BT_FILTER_COUNT] = {
	[BT_FILTER_RUNTIME] = "files programs only load (system executables, "
		"shared libraries, locale data, name-service configuration) "
		"and nothing wrote in the window: collapsed into one runtime "
		"summary per process",
	[BT_FILTER_HELPERS] = "processes that only talk to their parent "
		"(forked by it, reading nothing from outside) and what only "
		"the two of them touch",
	[BT_FILTER_NOISE] = "well-known objects that carry no information "
		"flow: /dev/null, terminals, /proc/self, utmp ...",
	[BT_FILTER_HIDE] = "objects matching a --hide pattern",
	[BT_FILTER_PRIVATE] = "files and names only one process touches and "
		"that it made itself (temporary files)",
	[BT_FILTER_NAMES] = "file names nobody changed in the window whose "
		"only role is a lookup",
};

/* ---- JSON into a script element --------------------------------------- */

/*
 * Write v (stolen) as JSON that cannot end the <script> element it is in:
 * '<', '>' and '&' only occur inside JSON strings, where \u003c, \u003e
 * and \u0026 mean the same characters.
 */
static bool put_json(FILE *out, json_t *v, bool *bad)
{
	char *s, *p;
	bool ok = true;

	if (!v) {
		*bad = true;
		return false;
	}
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(v);
	if (!s) {
		*bad = true;
		return false;
	}
	for (p = s; ok && *p; p++) {
		switch (*p) {
		case '<':
			ok = fputs("\\u003c", out) != EOF;
			break;
		case '>':
			ok = fputs("\\u003e", out) != EOF;
			break;
		case '&':
			ok = fputs("\\u0026", out) != EOF;
			break;
		default:
			ok = putc(*p, out) != EOF;
			break;
		}
	}
	free(s);
	return ok;
}

static json_t *jsb(struct bt_sb *b)
{
	return b->oom ? NULL : json_stringn(bt_sb_str(b), b->len);
}

static json_t *jtime(uint64_t ns)
{
	char t[BT_TIME_BUFSZ];

	bt_time_format(t, sizeof(t), ns);
	return json_string(t);
}

/* Append [key, value] (value stolen) to the attribute list. */
static void attr(json_t *attrs, const char *key, json_t *value, bool *bad)
{
	json_t *p = json_array();

	bt_jpush(p, json_string(key), bad);
	bt_jpush(p, value, bad);
	bt_jpush(attrs, p, bad);
}

static void attrf(json_t *attrs, const char *key, bool *bad,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void attrf(json_t *attrs, const char *key, bool *bad,
		  const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	attr(attrs, key, json_string(buf), bad);
}

/* ---- one node: attributes and labels ---------------------------------- */

struct lab {
	uint64_t time;
	size_t seq;
	json_t *v;   /* [key, value, time] */
};

struct label_ctx {
	struct lab *v;
	size_t n, cap;
	const char *key;
	uint64_t t0;
	struct bt_sb *tmp;
	bool *bad;
};

static void add_label(void *arg, const char *value, size_t len,
		      uint64_t time)
{
	struct label_ctx *c = arg;
	json_t *l = json_array();
	int64_t d = (int64_t)(time - c->t0);

	bt_jpush(l, json_string(c->key), c->bad);
	if (!strcmp(c->key, "argv")) {
		bt_sb_reset(c->tmp);
		argv_line(c->tmp, value, len);
		bt_jpush(l, jsb(c->tmp), c->bad);
	} else {
		bt_jpush(l, bt_jstrn(c->tmp, value, strnlen(value, len)),
			 c->bad);
	}
	bt_jpush(l, jtime(time), c->bad);
	/* [3]: seconds from the result's first event (may be before it). */
	bt_jpush(l, json_real((double)d / 1e9), c->bad);
	if (c->n == c->cap && bt_grow(&c->v, &c->cap, c->n + 1,
				      sizeof(*c->v))) {
		json_decref(l);
		*c->bad = true;
		return;
	}
	c->v[c->n] = (struct lab){ time, c->n, l };
	c->n++;
}

static int cmp_lab(const void *a, const void *b)
{
	const struct lab *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Every label of the object (exe, argv, comm, paths, credentials), by
 * time: bt_graph_labels() gives each key oldest first; merged here. */
static json_t *node_labels(const struct bt_graph *g, uint32_t obj,
			   uint64_t t0, struct bt_sb *tmp, bool *bad)
{
	static const char *const keys[BT_LABEL_MAX + 1] = {
		[BT_LABEL_EXE] = "exe", [BT_LABEL_ARGV] = "argv",
		[BT_LABEL_COMM] = "comm", [BT_LABEL_PATH] = "path",
		[BT_LABEL_CRED] = "credentials", [BT_LABEL_CGROUP] = "cgroup",
		[BT_LABEL_LOCAL] = "local",
	};
	struct label_ctx c = { NULL, 0, 0, NULL, t0, tmp, bad };
	json_t *arr = json_array();
	size_t i;
	unsigned k;

	for (k = 1; k <= BT_LABEL_MAX && obj; k++) {
		c.key = keys[k] ? keys[k] : "label";
		bt_graph_labels(g, obj, k, add_label, &c);
	}
	if (c.n)
		qsort(c.v, c.n, sizeof(*c.v), cmp_lab);
	for (i = 0; i < c.n; i++)
		bt_jpush(arr, c.v[i].v, bad);
	free(c.v);
	return arr;
}

struct cred_attr {
	json_t *attrs;
	bool *bad;
};

static void cred_to_attr(void *arg, const char *text, const struct cred *now,
			 uint64_t time)
{
	struct cred_attr *c = arg;

	(void)now;
	(void)time;
	attr(c->attrs, "credential change", json_string(text), c->bad);
}

struct paths_attr {
	json_t *attrs;
	const char *last;
	struct bt_sb *tmp;
	bool *bad;
};

static void path_to_attr(void *arg, const char *path, uint64_t time)
{
	struct paths_attr *c = arg;
	char t[BT_TIME_BUFSZ];
	json_t *p;

	if (c->last && !strcmp(path, c->last))
		return;
	bt_sb_reset(c->tmp);
	bt_show_str(c->tmp, path);
	bt_sb_addf(c->tmp, " (from %s)", fmt_time(t, time));
	p = jsb(c->tmp);
	attr(c->attrs, "also named", p, c->bad);
}

static void file_attrs(json_t *attrs, const struct bt_result *r,
		       uint32_t file, struct bt_sb *tmp, bool *bad)
{
	struct bt_object_info fi;
	struct paths_attr pc = { attrs, NULL, tmp, bad };
	uint32_t ver, nver;

	if (bt_graph_object(r->g, file, &fi))
		return;
	if (fi.path)
		attr(attrs, "path", bt_jstrn(tmp, fi.path, strlen(fi.path)),
		     bad);
	pc.last = fi.path;
	bt_graph_file_paths(r->g, file, path_to_attr, &pc);
	if ((fi.file_flags & BT_FILEF_PIPE) && BT_PTY_IS(fi.ino))
		attrf(attrs, "channel", bad, "pseudo-terminal %u, %s",
		      BT_PTY_INDEX_OF(fi.ino),
		      BT_PTY_DIR_OF(fi.ino) == BT_PTY_IN ?
		      "what is typed (master to slave)" :
		      "what is shown (slave to master)");
	else if (bt_file_is_pipe(&fi))
		attr(attrs, "channel", json_string("pipe or socket pair"),
		     bad);
	if (!(fi.file_flags & BT_FILEF_SYNTH))
		attrf(attrs, "inode", bad, "%llu:%llu",
		      (unsigned long long)fi.dev, (unsigned long long)fi.ino);
	else
		attr(attrs, "inode", json_string("unknown (imported)"), bad);
	if (!bt_file_is_pipe(&fi)) {
		bt_graph_file_version(r->g, file, &ver, &nver);
		if (nver > 1 && ver)
			attrf(attrs, "version", bad,
			      "%u of %u files under this path", ver, nver);
	}
}

static json_t *html_node(const struct bt_result *r, size_t i, uint64_t t0,
			 const struct bt_hostmap *hm, struct bt_sb *tmp,
			 bool *bad)
{
	const struct bt_node *nd = &r->nodes[i];
	struct bt_object_info in;
	json_t *o = json_object(), *attrs = json_array();
	uint32_t lobj = 0;
	const uint32_t *refs;
	char t[BT_TIME_BUFSZ];
	size_t nin, nout;

	bt_jset(o, "kind", json_string(node_kind_name(r, nd)), bad);
	bt_sb_reset(tmp);
	node_label(tmp, r, i);
	bt_jset(o, "label", jsb(tmp), bad);
	if (nd->flags & BT_NODE_DETECTION)
		bt_jset(o, "detection", json_true(), bad);
	if (nd->flags & (BT_NODE_ENTRY | BT_NODE_REMOTE))
		bt_jset(o, "entry", json_true(), bad);
	if (nd->rank) {
		bt_jset(o, "rank", json_integer(nd->rank), bad);
		bt_jset(o, "reason", json_string(bt_entry_rank_name(nd->rank)),
			bad);
	}
	if (bt_hostmap_get(hm, nd->obj)) {  /* over several hosts */
		bt_sb_reset(tmp);
		bt_show_str(tmp, bt_hostmap_get(hm, nd->obj));
		attr(attrs, "host", jsb(tmp), bad);
	}
	if (nd->flags & BT_NODE_SUMMARY) {
		attrf(attrs, "stands for", bad, "%u runtime file%s the "
		      "process loaded", nd->summary,
		      nd->summary == 1 ? "" : "s");
		goto common;
	}
	if (bt_graph_object(r->g, nd->obj, &in))
		goto common;
	lobj = nd->obj;
	switch (nd->kind) {
	case BT_OBJ_PROCESS: {
		struct cred_attr ca = { attrs, bad };

		attrf(attrs, "pid", bad, "%u", in.pid);
		if (in.ppid)
			attrf(attrs, "parent pid", bad, "%u", in.ppid);
		if (in.uid != UINT32_MAX)
			attrf(attrs, "uid", bad, "%u", in.uid);
		attr(attrs, "started", json_string(fmt_time(t, in.start)), bad);
		if (in.argv && in.argv_len) {
			bt_sb_reset(tmp);
			argv_line(tmp, in.argv, in.argv_len);
			attr(attrs, "command", jsb(tmp), bad);
		}
		if (in.exe)
			attr(attrs, "executable",
			     bt_jstrn(tmp, in.exe, strlen(in.exe)), bad);
		if (in.comm)
			attr(attrs, "comm", bt_jstrn(tmp, in.comm,
						  strlen(in.comm)), bad);
		if (in.inherited) {
			struct bt_object_info p;

			if (bt_graph_object(r->g, in.inherited, &p) == 0)
				attrf(attrs, "program", bad, "inherited from "
				      "pid %u (it never executed another)",
				      p.pid);
		}
		cred_changes(r->g, nd->obj, cred_to_attr, &ca);
		break;
	}
	case BT_OBJ_FILE:
		file_attrs(attrs, r, nd->obj, tmp, bad);
		break;
	case BT_OBJ_FILENAME:
		attr(attrs, "path", bt_jstrn(tmp, in.path, in.path ?
					  strlen(in.path) : 0), bad);
		break;
	case BT_OBJ_PAGE:
		lobj = nd->file ? nd->file : in.file;
		file_attrs(attrs, r, lobj, tmp, bad);
		if (r->opts.gran == BT_GRAN_OBJECT)
			attr(attrs, "pages", json_string("all (object "
			     "granularity)"), bad);
		else if (nd->page_first == nd->page_last)
			attrf(attrs, "page", bad, "%llu (bytes %llu-%llu)",
			      (unsigned long long)nd->page_first,
			      (unsigned long long)nd->page_first * 4096,
			      (unsigned long long)nd->page_first * 4096 +
			      4095);
		else
			attrf(attrs, "pages", bad, "%llu-%llu",
			      (unsigned long long)nd->page_first,
			      (unsigned long long)nd->page_last);
		break;
	case BT_OBJ_ENDPOINT:
		attr(attrs, "address", bt_jstrn(tmp, in.path, in.path ?
					     strlen(in.path) : 0), bad);
		break;
	default:
		break;
	}
	nin = bt_graph_in(r->g, nd->obj, &refs);
	nout = bt_graph_out(r->g, nd->obj, &refs);
	attrf(attrs, "in the log", bad, "%zu event%s affect%s it, it caused "
	      "%zu", nin, nin == 1 ? "" : "s", nin == 1 ? "s" : "", nout);
common:
	attrf(attrs, "object id", bad, "%u", nd->obj);
	attrf(attrs, "hops from the detection point", bad, "%u", nd->depth);
	if (nd->threshold != BT_TIME_NONE)
		attr(attrs, r->dir == BT_BACKWARD ? "events up to" :
		     "events from", json_string(fmt_time(t, nd->threshold)),
		     bad);
	bt_jset(o, "attrs", attrs, bad);
	bt_jset(o, "labels", lobj ? node_labels(r->g, lobj, t0, tmp, bad) :
		json_array(), bad);
	return o;
}

/* ---- edges, filters, the head ----------------------------------------- */

static json_t *html_edge(const struct bt_result *r, size_t i, uint64_t t0,
			 bool *bad)
{
	const struct bt_edge *e = &r->edges[i];
	json_t *o = json_object();

	bt_jset(o, "from", json_integer(e->from), bad);
	bt_jset(o, "to", json_integer(e->to), bad);
	bt_jset(o, "op", json_string(op_name(e->op)), bad);
	bt_jset(o, "count", json_integer(e->count), bad);
	bt_jset(o, "first", jtime(e->first), bad);
	bt_jset(o, "last", jtime(e->last), bad);
	/* Seconds from the first event: doubles keep microseconds over
	 * years, and script numbers cannot hold ns since the epoch. */
	bt_jset(o, "t", json_real(e->first >= t0 ?
			       (double)(e->first - t0) / 1e9 : 0), bad);
	bt_jset(o, "tl", json_real(e->last >= t0 ?
				(double)(e->last - t0) / 1e9 : 0), bad);
	return o;
}

static json_t *html_filters(const struct bt_result *r, struct bt_sb *tmp,
			    bool *bad)
{
	const struct bt_filter_report *f = r->filters;
	json_t *o, *by, *rm;
	size_t i;
	unsigned k;

	if (!f)
		return json_null();
	o = json_object();
	bt_jset(o, "before", json_pack("[I,I]", (json_int_t)f->nodes_before,
				    (json_int_t)f->edges_before), bad);
	bt_jset(o, "after", json_pack("[I,I]", (json_int_t)f->nodes_after,
				   (json_int_t)f->edges_after), bad);
	bt_jset(o, "summaries", json_integer(f->summaries), bad);
	by = json_array();
	for (k = 0; k < BT_FILTER_COUNT; k++)
		bt_jpush(by, json_pack("{s:s, s:i, s:i, s:s}",
				    "filter", bt_filter_name(k),
				    "removed", (int)f->removed_by[k],
				    "kept", (int)f->kept_by[k],
				    "why", filter_why[k] ? filter_why[k] : ""),
			 bad);
	bt_jset(o, "by", by, bad);
	rm = json_array();
	for (i = 0; i < f->nremoved; i++) {
		json_t *e = json_object();

		bt_jset(e, "filter",
			json_string(bt_filter_name(f->removed_filter[i])), bad);
		bt_jset(e, "kind",
			json_string(node_kind_name(r, &f->removed[i])),
			bad);
		bt_sb_reset(tmp);
		label_of(tmp, r, &f->removed[i]);
		bt_jset(e, "label", jsb(tmp), bad);
		bt_jpush(rm, e, bad);
	}
	bt_jset(o, "removed", rm, bad);
	return o;
}

static json_t *html_meta(const struct bt_result *r, uint64_t t0,
			 struct bt_sb *tmp, bool *bad)
{
	json_t *o = json_object();
	char t[BT_TIME_BUFSZ];

	bt_sb_reset(tmp);
	bt_sb_adds(tmp, r->dir == BT_BACKWARD ? "backtrack from " :
		   "forward from ");
	if (r->nnodes)
		node_label(tmp, r, r->detection);
	bt_jset(o, "title", jsb(tmp), bad);
	bt_jset(o, "direction", json_string(r->dir == BT_BACKWARD ? "backward" :
					 "forward"), bad);
	bt_jset(o, "granularity", json_string(gran_name(r->opts.gran)), bad);
	bt_jset(o, "detection", json_integer(r->detection), bad);
	bt_jset(o, "nodes", json_integer((json_int_t)r->nnodes), bad);
	bt_jset(o, "edges", json_integer((json_int_t)r->nedges), bad);
	bt_jset(o, "examined", json_integer((json_int_t)r->examined), bad);
	bt_jset(o, "t0", r->nedges ? json_string(fmt_time(t, t0)) : json_null(),
		bad);
	bt_jset(o, "since", r->opts.since ? json_string(fmt_time(t,
		 r->opts.since)) : json_null(), bad);
	bt_jset(o, "until", r->opts.until != BT_TIME_NONE ?
		json_string(fmt_time(t, r->opts.until)) : json_null(), bad);
	bt_jset(o, "truncated", json_boolean(r->truncated), bad);
	bt_sb_reset(tmp);
	if (r->truncated)
		bt_show_str(tmp, r->limit);
	bt_jset(o, "limit", jsb(tmp), bad);
	/* what the capture lost: a sentence, or null (none, or not read) */
	bt_sb_reset(tmp);
	bt_jset(o, "drops", drops_sentence(tmp, r) ? jsb(tmp) : json_null(),
		bad);
	return o;
}

/* ---- the SVG ---------------------------------------------------------- */

/*
 * The graph as gvc lays it out for the svg format, from "<svg" on (the XML
 * declaration and the DOCTYPE, which names a DTD on the network, are left
 * out).  NULL with *note saying why there is no drawing.
 */
static char *render_svg(const struct bt_result *r,
			const struct bt_export_opts *o, struct bt_sb *note)
{
	size_t max = o->max_layout_nodes ? o->max_layout_nodes :
		     BT_LAYOUT_NODES_DEFAULT;
	char *buf = NULL, *svg;
	size_t len = 0;
	FILE *m;
	int err;

	if (r->nnodes > max) {
		bt_sb_addf(note, "The graph is not drawn: %zu objects are "
			   "more than %zu (the details, the timeline and the "
			   "search still work; narrow the walk with --since, "
			   "--max-depth or --hide for a drawing).", r->nnodes,
			   max);
		return NULL;
	}
	m = open_memstream(&buf, &len);
	if (!m) {
		bt_sb_adds(note, "The graph is not drawn: out of memory.");
		return NULL;
	}
	err = export_render(r, o, "svg", m);
	if (fclose(m) != 0 && !err)
		err = BT_ENOMEM;
	if (err) {
		bt_sb_adds(note, "The graph is not drawn: ");
		bt_show_str(note, bt_error_msg());
		free(buf);
		return NULL;
	}
	svg = buf ? strstr(buf, "<svg") : NULL;
	if (!svg) {
		bt_sb_adds(note, "The graph is not drawn: graphviz gave no "
			   "SVG.");
		free(buf);
		return NULL;
	}
	memmove(buf, svg, len - (size_t)(svg - buf) + 1);
	return buf;
}

/* ---- the page around the data ----------------------------------------
 * The style and the script, kept as C strings so the report needs no file
 * besides the binary.  The script's rules: strings from the data reach
 * the page through textContent and setAttribute only; no inline event
 * attribute (the CSP forbids them); no network. */

static const char page_css[] =
":root { --fg: #1d2329; --muted: #5b6670; --line: #d5dbe0; --bg: #fff;\n"
"  --panel: #f6f8fa; --accent: #1565c0; --hot: #e65100; }\n"
"* { box-sizing: border-box; }\n"
"body { margin: 0; font: 14px/1.4 system-ui, -apple-system, \"Segoe UI\",\n"
"  Helvetica, Arial, sans-serif; color: var(--fg); background: var(--bg); }\n"
"header { padding: 10px 16px; border-bottom: 1px solid var(--line);\n"
"  display: flex; flex-wrap: wrap; align-items: center; gap: 4px 16px; }\n"
"header h1 { font-size: 18px; margin: 0; flex: 1 1 auto;\n"
"  overflow-wrap: anywhere; }\n"
"#bt-summary { color: var(--muted); flex-basis: 100%; order: 3; }\n"
".warn { color: #b71c1c; font-weight: 600; flex-basis: 100%; order: 4;\n"
"  margin: 0; }\n"
".search { position: relative; }\n"
"#bt-search { width: 260px; padding: 5px 8px; border: 1px solid var(--line);\n"
"  border-radius: 4px; font: inherit; }\n"
"#bt-match-count { color: var(--muted); margin-left: 6px; }\n"
"#bt-matches { position: absolute; right: 0; z-index: 5; margin: 2px 0 0;\n"
"  padding: 4px 0; list-style: none; background: var(--bg);\n"
"  border: 1px solid var(--line); max-height: 300px; overflow: auto;\n"
"  min-width: 260px; max-width: 480px; box-shadow: 0 2px 8px #0002; }\n"
"#bt-matches:empty { display: none; }\n"
"#bt-matches li { padding: 1px 8px; }\n"
"main { display: grid; grid-template-columns: minmax(0, 1fr) 400px;\n"
"  height: 62vh; min-height: 360px; border-bottom: 1px solid var(--line); }\n"
"#bt-graph-pane { position: relative; min-width: 0; }\n"
"#bt-graph { position: absolute; inset: 0; overflow: hidden; cursor: grab;\n"
"  touch-action: none; }\n"
"#bt-graph.panning { cursor: grabbing; }\n"
"#bt-graph > svg { width: 100%; height: 100%; display: block;\n"
"  user-select: none; }\n"
".toolbar { position: absolute; top: 8px; left: 8px; z-index: 2;\n"
"  display: flex; gap: 4px; }\n"
".toolbar button { font: inherit; min-width: 30px; padding: 2px 8px;\n"
"  border: 1px solid var(--line); background: var(--bg); border-radius: 4px;\n"
"  cursor: pointer; }\n"
"#bt-details { overflow: auto; padding: 8px 14px; background: var(--panel);\n"
"  border-left: 1px solid var(--line); }\n"
"#bt-details h2 { font-size: 16px; margin: 4px 0; overflow-wrap: anywhere;\n"
"  white-space: pre-wrap; }\n"
"#bt-details h3 { font-size: 13px; margin: 14px 0 4px; color: var(--muted);\n"
"  text-transform: uppercase; letter-spacing: .03em; }\n"
"dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px;\n"
"  margin: 6px 0; }\n"
"dt { color: var(--muted); }\n"
"dd { margin: 0; overflow-wrap: anywhere; white-space: pre-wrap; }\n"
"table { border-collapse: collapse; width: 100%; font-size: 12.5px; }\n"
"th, td { text-align: left; padding: 2px 6px 2px 0; vertical-align: top;\n"
"  border-bottom: 1px solid var(--line); overflow-wrap: anywhere;\n"
"  white-space: pre-wrap; }\n"
"th { color: var(--muted); font-weight: 600; white-space: nowrap; }\n"
"td:first-child { white-space: pre; font-variant-numeric: tabular-nums; }\n"
".badges { margin: 4px 0; display: flex; flex-wrap: wrap; gap: 4px; }\n"
".badge { border-radius: 3px; padding: 0 6px; font-size: 12px;\n"
"  background: #e3e8ec; }\n"
".badge.det { background: #ffcdd2; color: #b71c1c; }\n"
".badge.entry { background: #ffe0b2; color: #8a3c00; }\n"
"button.link { font: inherit; color: var(--accent); background: none;\n"
"  border: 0; padding: 0; cursor: pointer; text-align: left;\n"
"  overflow-wrap: anywhere; white-space: pre-wrap; }\n"
"button.link:hover { text-decoration: underline; }\n"
"section.pane { padding: 8px 16px 16px; }\n"
"section.pane h2 { font-size: 15px; margin: 8px 0; }\n"
"#bt-timeline { font-size: 12.5px; max-height: 40vh; overflow: auto; }\n"
".row { display: grid; grid-template-columns: max-content minmax(160px, 2fr)\n"
"  minmax(0, 3fr); gap: 10px; align-items: center; padding: 1px 4px;\n"
"  border-radius: 3px; cursor: default; }\n"
".row:not(.axis):hover, .row.hl { background: #fff3e0; }\n"
".row .when { font-family: ui-monospace, Menlo, Consolas, monospace;\n"
"  white-space: pre; color: var(--muted); }\n"
".row .track { position: relative; height: 12px; background: #eef1f4;\n"
"  border-radius: 2px; }\n"
".row .bar { position: absolute; top: 2px; bottom: 2px; min-width: 3px;\n"
"  background: #607d8b; border-radius: 2px; }\n"
".row.hl .bar { background: var(--hot); }\n"
".row .what { overflow: hidden; text-overflow: ellipsis; white-space: pre; }\n"
".row .op { color: var(--muted); }\n"
".axis { position: sticky; top: 0; background: var(--bg); z-index: 1;\n"
"  color: var(--muted); }\n"
".axis .track { background: none; height: 16px; }\n"
".axis .tick { position: absolute; transform: translateX(-50%);\n"
"  white-space: nowrap; font-size: 11px; }\n"
".axis .tick:first-child { transform: none; }\n"
".axis .tick:last-child { transform: translateX(-100%); }\n"
".bar.op-write, .bar.op-page_write, .bar.op-mmap_write, .bar.op-send,\n"
".bar.op-create, .bar.op-rename, .bar.op-link, .bar.op-truncate {\n"
"  background: #8d6e63; }\n"
".bar.op-fork, .bar.op-exec { background: #5c6bc0; }\n"
".bar.op-connect, .bar.op-recv, .bar.op-accept { background: #ef6c00; }\n"
".note { color: var(--muted); padding: 16px; }\n"
"#bt-graph .node { cursor: pointer; }\n"
"#bt-graph .node:focus { outline: none; }\n"
"#bt-graph .node.hl :is(polygon, ellipse, path, polyline),\n"
"#bt-graph .node:focus :is(polygon, ellipse, path, polyline) {\n"
"  stroke: var(--hot); stroke-width: 3px; }\n"
"#bt-graph .node.sel :is(polygon, ellipse, path, polyline) {\n"
"  stroke: var(--accent); stroke-width: 4px; }\n"
"#bt-graph .edge.hl path { stroke: var(--hot); stroke-width: 3px; }\n"
"#bt-graph .edge.hl polygon { stroke: var(--hot); fill: var(--hot); }\n"
"#bt-graph .edge.hl text { fill: var(--hot); }\n"
"#bt-graph svg.searching .node:not(.match),\n"
"#bt-graph svg.searching .edge { opacity: .2; }\n"
"#bt-graph .node.match :is(polygon, ellipse, path, polyline) {\n"
"  stroke: #2e7d32; stroke-width: 3px; }\n"
"@media print { .toolbar, .search { display: none; }\n"
"  main { display: block; height: auto; }\n"
"  #bt-graph { position: static; height: 70vh; } }\n";

static const char page_body[] =
"<body>\n"
"<header id=\"bt-header\"><h1 id=\"bt-title\">btrack report</h1>\n"
"<div class=\"search\"><input id=\"bt-search\" type=\"search\" "
"placeholder=\"Search objects\" aria-label=\"Search objects\" "
"autocomplete=\"off\"><span id=\"bt-match-count\"></span>"
"<ul id=\"bt-matches\"></ul></div>\n"
"<div id=\"bt-summary\"></div></header>\n"
"<noscript><p class=\"note\">This report needs JavaScript to show the "
"graph, the details and the timeline; its data is the JSON in the "
"element bt-data.</p></noscript>\n"
"<main><section id=\"bt-graph-pane\" aria-label=\"graph\">"
"<div class=\"toolbar\">"
"<button type=\"button\" id=\"bt-zoom-in\" title=\"Zoom in\">+</button>"
"<button type=\"button\" id=\"bt-zoom-out\" title=\"Zoom out\">&#8722;"
"</button>"
"<button type=\"button\" id=\"bt-zoom-fit\" title=\"Show the whole "
"graph\">Fit</button></div>\n"
"<div id=\"bt-graph\"></div></section>\n"
"<aside id=\"bt-details\" aria-live=\"polite\"><p class=\"note\">Click "
"an object in the graph for its details.</p></aside></main>\n"
"<section class=\"pane\"><h2>Timeline</h2><div id=\"bt-timeline\">"
"</div></section>\n"
"<section class=\"pane\"><h2>Filters: what was removed and why</h2>"
"<div id=\"bt-filters\"></div></section>\n";

static const char page_js[] =
"(function () {\n"
"'use strict';\n"
"// Every string from the result is untrusted: it reaches the page through\n"
"// textContent and setAttribute only, never as markup.\n"
"var D = JSON.parse(document.getElementById('bt-data').textContent);\n"
"var SVGNS = 'http://www.w3.org/2000/svg';\n"
"var XLINKNS = 'http://www.w3.org/1999/xlink';\n"
"var N = D.nodes, E = D.edges;\n"
"var nodeEls = [], edgeEls = [], rowEls = [], TL_MAX = 3000;\n"
"var svg = null, vb = null, home = null, selected = -1;\n"
"function $(id) { return document.getElementById(id); }\n"
"function el(tag, cls, text) {\n"
"  var e = document.createElement(tag);\n"
"  if (cls) e.className = cls;\n"
"  if (text !== undefined && text !== null) e.textContent = String(text);\n"
"  return e;\n"
"}\n"
"function add(parent, child) { parent.appendChild(child); return child; }\n"
"// ---- times ----------------------------------------------------------\n"
"var span = 0;\n"
"E.forEach(function (e) { span = Math.max(span, e.tl); });\n"
"function off(s) {\n"
"  var sign = s < 0 ? '\\u2212' : '+';\n"
"  s = Math.abs(s);\n"
"  if (span >= 100000) return sign + (s / 3600).toFixed(2) + ' h';\n"
"  if (span >= 1000) return sign + s.toFixed(1) + ' s';\n"
"  return sign + s.toFixed(3) + ' s';\n"
"}\n"
"var offWidth = off(span).length;\n"
"// A long label cut in the middle: a path's end tells most.\n"
"function short(t) {\n"
"  var c = Array.from(t);  // code points: never half a surrogate pair\n"
"  return c.length <= 56 ? t :\n"
"    c.slice(0, 14).join('') + '\\u2026' + c.slice(-41).join('');\n"
"}\n"
"function offPad(s) {\n"
"  var t = off(s);\n"
"  while (t.length < offWidth) t = '\\u2007' + t;\n"
"  return t;\n"
"}\n"
"// ---- header -----------------------------------------------------------\n"
"document.title = 'btrack: ' + D.meta.title;\n"
"$('bt-title').textContent = D.meta.title;\n"
"(function () {\n"
"  var m = D.meta, s = $('bt-summary');\n"
"  var parts = [m.nodes + ' objects, ' + m.edges + ' dependencies',\n"
"    'granularity ' + m.granularity,\n"
"    m.direction === 'backward' ? 'backward walk' : 'forward walk'];\n"
"  if (m.t0) parts.push('times are offsets from ' + m.t0);\n"
"  if (m.since) parts.push('since ' + m.since);\n"
"  if (m.until) parts.push('until ' + m.until);\n"
"  parts.push(m.examined + ' events examined');\n"
"  s.textContent = parts.join(' \\u00b7 ');\n"
"  if (m.truncated) {\n"
"    var w = add($('bt-header'), el('p', 'warn',\n"
"      'The result is incomplete: ' + m.limit));\n"
"    w.setAttribute('role', 'alert');\n"
"  }\n"
"  if (m.drops) {\n"
"    var d = add($('bt-header'), el('p', 'warn', 'Drops: ' + m.drops));\n"
"    d.setAttribute('role', 'alert');\n"
"  }\n"
"})();\n"
"// ---- the graph: gvc's SVG, rebuilt element by element ----------------\n"
"// Only the elements and attributes graphviz draws with are copied, so\n"
"// nothing in the SVG can run (no script, no event attribute, no link).\n"
"var EL_OK = {svg: 1, g: 1, title: 1, polygon: 1, polyline: 1, ellipse: 1,\n"
"  circle: 1, path: 1, text: 1, tspan: 1, rect: 1, line: 1, a: 1, defs: 1,\n"
"  linearGradient: 1, radialGradient: 1, stop: 1};\n"
"var AT_OK = {id: 1, 'class': 1, transform: 1, viewBox: 1, x: 1, y: 1,\n"
"  x1: 1, y1: 1, x2: 1, y2: 1, cx: 1, cy: 1, r: 1, rx: 1, ry: 1, dx: 1,\n"
"  dy: 1, width: 1, height: 1, points: 1, d: 1, fill: 1, 'fill-opacity': 1,\n"
"  stroke: 1, 'stroke-width': 1, 'stroke-dasharray': 1,\n"
"  'stroke-opacity': 1, 'font-family': 1, 'font-size': 1,\n"
"  'font-weight': 1, 'font-style': 1, 'text-anchor': 1,\n"
"  'text-decoration': 1, opacity: 1, offset: 1, 'stop-color': 1,\n"
"  'stop-opacity': 1, gradientUnits: 1, gradientTransform: 1,\n"
"  preserveAspectRatio: 1, style: 1};\n"
"function copySvg(src) {\n"
"  if (src.nodeType === 3) return document.createTextNode(src.nodeValue);\n"
"  if (src.nodeType !== 1 || src.namespaceURI !== SVGNS ||\n"
"      !EL_OK.hasOwnProperty(src.localName))\n"
"    return null;\n"
"  // An <a> becomes a <g>; its tooltip a <title>.\n"
"  var name = src.localName === 'a' ? 'g' : src.localName;\n"
"  var out = document.createElementNS(SVGNS, name), i, a, c;\n"
"  for (i = 0; i < src.attributes.length; i++) {\n"
"    a = src.attributes[i];\n"
"    if (a.namespaceURI === XLINKNS && a.localName === 'title') {\n"
"      add(out, document.createElementNS(SVGNS, 'title')).textContent =\n"
"        a.value;\n"
"      continue;\n"
"    }\n"
"    if (a.namespaceURI || !AT_OK.hasOwnProperty(a.localName)) continue;\n"
"    if (a.localName === 'style' &&\n"
"        (!/^[-\\w\\s:;.,#%()]*$/.test(a.value) ||\n"
"         /url\\s*\\(/i.test(a.value)))\n"
"      continue;\n"
"    out.setAttribute(a.localName, a.value);\n"
"  }\n"
"  for (c = src.firstChild; c; c = c.nextSibling) {\n"
"    var k = copySvg(c);\n"
"    if (k) out.appendChild(k);\n"
"  }\n"
"  return out;\n"
"}\n"
"function titleOf(g) {\n"
"  for (var c = g.firstChild; c; c = c.nextSibling)\n"
"    if (c.nodeType === 1 && c.localName === 'title') return c;\n"
"  return null;\n"
"}\n"
"function buildGraph() {\n"
"  var host = $('bt-graph');\n"
"  if (!D.svg) {\n"
"    add(host, el('p', 'note', D.svg_note || 'No graph.'));\n"
"    document.querySelector('.toolbar').hidden = true;\n"
"    return;\n"
"  }\n"
"  var doc = new DOMParser().parseFromString(D.svg, 'image/svg+xml');\n"
"  var root = doc.documentElement;\n"
"  if (!root || root.localName !== 'svg' ||\n"
"      doc.getElementsByTagName('parsererror').length) {\n"
"    add(host, el('p', 'note', 'The graph could not be read.'));\n"
"    return;\n"
"  }\n"
"  svg = copySvg(root);\n"
"  svg.removeAttribute('width');\n"
"  svg.removeAttribute('height');\n"
"  svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');\n"
"  var b = (svg.getAttribute('viewBox') || '0 0 100 100').split(/[\\s,]+/)\n"
"    .map(Number);\n"
"  home = {x: b[0], y: b[1], w: b[2] || 100, h: b[3] || 100};\n"
"  var pad = Math.max(home.w, home.h) * 0.02;\n"
"  home = {x: home.x - pad, y: home.y - pad, w: home.w + 2 * pad,\n"
"          h: home.h + 2 * pad};\n"
"  vb = {x: home.x, y: home.y, w: home.w, h: home.h};\n"
"  host.appendChild(svg);\n"
"  var byPair = {};\n"
"  E.forEach(function (e, i) {\n"
"    var k = e.from + '>' + e.to;\n"
"    (byPair[k] = byPair[k] || []).push(i);\n"
"  });\n"
"  var gs = svg.querySelectorAll('g.node, g.edge'), i, m, t, g, k;\n"
"  var drawn = {};\n"
"  for (i = 0; i < gs.length; i++) {\n"
"    g = gs[i];\n"
"    t = titleOf(g);\n"
"    if (!t) continue;\n"
"    if (g.classList.contains('node') &&\n"
"        (m = /^n(\\d+)$/.exec(t.textContent)) && +m[1] < N.length) {\n"
"      k = +m[1];\n"
"      nodeEls[k] = g;\n"
"      g.setAttribute('data-node', k);\n"
"      g.setAttribute('tabindex', '0');\n"
"      g.setAttribute('role', 'button');\n"
"      g.setAttribute('aria-label', N[k].kind + ' ' + N[k].label);\n"
"      t.textContent = N[k].label;\n"
"      hookNode(g, k);\n"
"    } else if (g.classList.contains('edge') &&\n"
"               (m = /^n(\\d+)->n(\\d+)$/.exec(t.textContent)) &&\n"
"               byPair[m[1] + '>' + m[2]]) {\n"
"      k = m[1] + '>' + m[2];\n"
"      (drawn[k] = drawn[k] || []).push(g);\n"
"    }\n"
"  }\n"
"  // The drawn edges of a pair of nodes are the result's edges of that\n"
"  // pair in the order they were added (graphviz's ids \"edgeN\" count up);\n"
"  // if the drawing merged them, each drawn edge stands for all.\n"
"  Object.keys(drawn).forEach(function (k) {\n"
"    var gl = drawn[k], list = byPair[k];\n"
"    var seq = function (g) {\n"
"      var mm = /^edge(\\d+)$/.exec(g.getAttribute('id') || '');\n"
"      return mm ? +mm[1] : 0;\n"
"    };\n"
"    gl.sort(function (a, b) { return seq(a) - seq(b); });\n"
"    gl.forEach(function (g, j) {\n"
"      var mine = gl.length === list.length ? [list[j]] : list;\n"
"      g.setAttribute('data-edges', mine.join(' '));\n"
"      mine.forEach(function (x) { edgeEls[x] = g; });\n"
"      titleOf(g).textContent = mine.map(edgeText).join('\\n');\n"
"      hookEdge(g, mine);\n"
"    });\n"
"  });\n"
"  setVB();\n"
"  hookZoom(host);\n"
"}\n"
"function edgeText(i) {\n"
"  var e = E[i];\n"
"  return N[e.from].label + ' \\u2192 ' + e.op +\n"
"    (e.count > 1 ? ' \\u00d7' + e.count : '') + ' \\u2192 ' +\n"
"    N[e.to].label +\n"
"    ' at ' + off(e.t);\n"
"}\n"
"function hookNode(g, k) {\n"
"  g.addEventListener('click', function (ev) {\n"
"    if (dragged) return;\n"
"    ev.stopPropagation();\n"
"    select(k, false);\n"
"  });\n"
"  g.addEventListener('keydown', function (ev) {\n"
"    if (ev.key === 'Enter' || ev.key === ' ') {\n"
"      ev.preventDefault();\n"
"      select(k, false);\n"
"    }\n"
"  });\n"
"  g.addEventListener('mouseenter', function () { hoverNode(k, true); });\n"
"  g.addEventListener('mouseleave', function () { hoverNode(k, false); });\n"
"}\n"
"function hookEdge(g, list) {\n"
"  g.addEventListener('mouseenter', function () { hoverEdges(list, true); });\n"
"  g.addEventListener('mouseleave', function () {\n"
"    hoverEdges(list, false);\n"
"  });\n"
"  g.addEventListener('click', function (ev) {\n"
"    if (dragged) return;\n"
"    ev.stopPropagation();\n"
"    showEdge(list[0]);\n"
"  });\n"
"}\n"
"// ---- zoom and pan -------------------------------------------------------\n"
"var dragged = false;\n"
"function setVB() {\n"
"  if (svg) svg.setAttribute('viewBox', [vb.x, vb.y, vb.w, vb.h].join(' '));\n"
"}\n"
"function toSvg(cx, cy) {\n"
"  var m = svg.getScreenCTM();\n"
"  if (!m) return {x: vb.x + vb.w / 2, y: vb.y + vb.h / 2};\n"
"  var p = svg.createSVGPoint();\n"
"  p.x = cx;\n"
"  p.y = cy;\n"
"  return p.matrixTransform(m.inverse());\n"
"}\n"
"function zoom(f, cx, cy) {\n"
"  var r = svg.getBoundingClientRect(), p;\n"
"  if (cx === undefined) {\n"
"    cx = r.left + r.width / 2;\n"
"    cy = r.top + r.height / 2;\n"
"  }\n"
"  p = toSvg(cx, cy);\n"
"  var w = vb.w * f, h = vb.h * f;\n"
"  if (w > home.w * 20 || w < home.w / 50) return;\n"
"  vb.x = p.x - (p.x - vb.x) * f;\n"
"  vb.y = p.y - (p.y - vb.y) * f;\n"
"  vb.w = w;\n"
"  vb.h = h;\n"
"  setVB();\n"
"}\n"
"function fit() {\n"
"  vb = {x: home.x, y: home.y, w: home.w, h: home.h};\n"
"  setVB();\n"
"}\n"
"function centreOn(k) {\n"
"  var g = nodeEls[k];\n"
"  if (!g || !svg) return;\n"
"  var r = g.getBoundingClientRect(), a = toSvg(r.left, r.top),\n"
"    b = toSvg(r.right, r.bottom);\n"
"  var w = Math.max(vb.w, 1), h = Math.max(vb.h, 1);\n"
"  if (a.x >= vb.x && b.x <= vb.x + w && a.y >= vb.y && b.y <= vb.y + h)\n"
"    return;\n"
"  vb.x = (a.x + b.x) / 2 - w / 2;\n"
"  vb.y = (a.y + b.y) / 2 - h / 2;\n"
"  setVB();\n"
"}\n"
"function hookZoom(host) {\n"
"  var start = null;\n"
"  host.addEventListener('wheel', function (ev) {\n"
"    ev.preventDefault();\n"
"    zoom(Math.exp(Math.max(-1, Math.min(1, ev.deltaY / 300))),\n"
"         ev.clientX, ev.clientY);\n"
"  }, {passive: false});\n"
"  host.addEventListener('pointerdown', function (ev) {\n"
"    if (ev.button !== 0) return;\n"
"    start = {x: ev.clientX, y: ev.clientY, vx: vb.x, vy: vb.y,\n"
"             m: svg.getScreenCTM()};\n"
"    dragged = false;\n"
"  });\n"
"  host.addEventListener('pointermove', function (ev) {\n"
"    if (!start || !start.m) return;\n"
"    var dx = ev.clientX - start.x, dy = ev.clientY - start.y;\n"
"    if (!dragged && Math.abs(dx) + Math.abs(dy) < 4) return;\n"
"    if (!dragged) host.setPointerCapture(ev.pointerId);\n"
"    dragged = true;\n"
"    host.classList.add('panning');\n"
"    vb.x = start.vx - dx / start.m.a;\n"
"    vb.y = start.vy - dy / start.m.d;\n"
"    setVB();\n"
"  });\n"
"  function end() {\n"
"    start = null;\n"
"    host.classList.remove('panning');\n"
"    setTimeout(function () { dragged = false; }, 0);\n"
"  }\n"
"  host.addEventListener('pointerup', end);\n"
"  host.addEventListener('pointercancel', end);\n"
"  $('bt-zoom-in').addEventListener('click', function () {\n"
"    zoom(1 / 1.25);\n"
"  });\n"
"  $('bt-zoom-out').addEventListener('click', function () { zoom(1.25); });\n"
"  $('bt-zoom-fit').addEventListener('click', fit);\n"
"}\n"
"// ---- highlighting -------------------------------------------------------\n"
"function mark(e, cls, on) {\n"
"  if (e) e.classList.toggle(cls, on);\n"
"}\n"
"function hoverNode(k, on) {\n"
"  mark(nodeEls[k], 'hl', on);\n"
"  E.forEach(function (e, i) {\n"
"    if (e.from === k || e.to === k) mark(rowEls[i], 'hl', on);\n"
"  });\n"
"}\n"
"function hoverEdges(list, on) {\n"
"  list.forEach(function (i) {\n"
"    mark(edgeEls[i], 'hl', on);\n"
"    mark(rowEls[i], 'hl', on);\n"
"    mark(nodeEls[E[i].from], 'hl', on);\n"
"    mark(nodeEls[E[i].to], 'hl', on);\n"
"  });\n"
"}\n"
"// ---- details ----------------------------------------------------------\n"
"function nodeLink(k) {\n"
"  var b = el('button', 'link', N[k].label);\n"
"  b.type = 'button';\n"
"  b.title = N[k].kind;\n"
"  b.addEventListener('click', function () { select(k, true); });\n"
"  b.addEventListener('mouseenter', function () { hoverNode(k, true); });\n"
"  b.addEventListener('mouseleave', function () { hoverNode(k, false); });\n"
"  return b;\n"
"}\n"
"function table(head, rows) {\n"
"  var t = el('table'), tr = add(add(t, el('thead')), el('tr'));\n"
"  head.forEach(function (h) { add(tr, el('th', null, h)); });\n"
"  var tb = add(t, el('tbody'));\n"
"  rows.forEach(function (r) {\n"
"    var row = add(tb, el('tr'));\n"
"    r.forEach(function (c) {\n"
"      var td = add(row, el('td'));\n"
"      if (c instanceof Node) td.appendChild(c);\n"
"      else td.textContent = c;\n"
"    });\n"
"  });\n"
"  return t;\n"
"}\n"
"function kv(pairs) {\n"
"  var dl = el('dl');\n"
"  pairs.forEach(function (p) {\n"
"    add(dl, el('dt', null, p[0]));\n"
"    add(dl, el('dd', null, p[1]));\n"
"  });\n"
"  return dl;\n"
"}\n"
"function badges(n) {\n"
"  var p = el('p', 'badges');\n"
"  add(p, el('span', 'badge kind-' + n.kind, n.kind));\n"
"  if (n.detection) add(p, el('span', 'badge det', 'detection point'));\n"
"  if (n.entry) add(p, el('span', 'badge entry',\n"
"    'entry point' + (n.rank ? ' #' + n.rank + ': ' + n.reason : '')));\n"
"  return p;\n"
"}\n"
"function events(k, dir) {\n"
"  var rows = [];\n"
"  E.forEach(function (e, i) {\n"
"    if ((dir === 'in' ? e.to : e.from) !== k) return;\n"
"    var other = dir === 'in' ? e.from : e.to;\n"
"    var when = el('span', null, offPad(e.t));\n"
"    when.title = e.first + (e.last !== e.first ? ' \\u2026 ' + e.last : '');\n"
"    rows.push([when, e.op, nodeLink(other), String(e.count)]);\n"
"  });\n"
"  return rows;\n"
"}\n"
"function select(k, centre) {\n"
"  if (selected >= 0) mark(nodeEls[selected], 'sel', false);\n"
"  selected = k;\n"
"  mark(nodeEls[k], 'sel', true);\n"
"  if (centre) centreOn(k);\n"
"  var n = N[k], box = $('bt-details');\n"
"  box.textContent = '';\n"
"  add(box, el('h2', 'label', n.label)).id = 'bt-details-label';\n"
"  add(box, badges(n));\n"
"  add(box, kv(n.attrs));\n"
"  if (n.labels.length) {\n"
"    add(box, el('h3', null, 'Labels over time'));\n"
"    add(box, table(['when', 'label', 'value'], n.labels.map(function (l) {\n"
"      var when = el('span', null, offPad(l[3]));\n"
"      when.title = l[2];\n"
"      return [when, l[0], l[1]];\n"
"    })));\n"
"  }\n"
"  var ins = events(k, 'in'), outs = events(k, 'out');\n"
"  add(box, el('h3', null, 'Events in (' + ins.length + ')'));\n"
"  if (ins.length)\n"
"    add(box, table(['when', 'event', 'from', 'count'], ins));\n"
"  add(box, el('h3', null, 'Events out (' + outs.length + ')'));\n"
"  if (outs.length)\n"
"    add(box, table(['when', 'event', 'to', 'count'], outs));\n"
"  box.setAttribute('data-node', k);\n"
"}\n"
"function showEdge(i) {\n"
"  var e = E[i], box = $('bt-details');\n"
"  if (selected >= 0) mark(nodeEls[selected], 'sel', false);\n"
"  selected = -1;\n"
"  box.textContent = '';\n"
"  add(box, el('h2', 'label',\n"
"    e.op + (e.count > 1 ? ' \\u00d7' + e.count : '')));\n"
"  var p = add(box, el('p'));\n"
"  add(p, nodeLink(e.from));\n"
"  add(p, document.createTextNode(' \\u2192 '));\n"
"  add(p, nodeLink(e.to));\n"
"  add(box, kv([['first', e.first + ' (' + off(e.t) + ')'],\n"
"               ['last', e.last + ' (' + off(e.tl) + ')'],\n"
"               ['events', String(e.count)]]));\n"
"  box.setAttribute('data-edge', i);\n"
"}\n"
"// ---- timeline -----------------------------------------------------------\n"
"function buildTimeline() {\n"
"  var host = $('bt-timeline');\n"
"  if (!E.length) {\n"
"    add(host, el('p', 'note', 'No events.'));\n"
"    return;\n"
"  }\n"
"  var axis = add(host, el('div', 'row axis')), q;\n"
"  add(axis, el('span', 'when', 'when'));\n"
"  var track = add(axis, el('span', 'track'));\n"
"  for (q = 0; q <= 4; q++) {\n"
"    var tick = add(track, el('span', 'tick', off(span * q / 4)));\n"
"    tick.style.left = (q * 25) + '%';\n"
"  }\n"
"  add(axis, el('span', 'what', 'event'));\n"
"  // A browser lays out a few thousand rows quickly, not a hundred thousand.\n"
"  var shown = E.length > TL_MAX ? E.slice(0, TL_MAX) : E;\n"
"  shown.forEach(function (e, i) {\n"
"    var row = add(host, el('div', 'row'));\n"
"    row.setAttribute('data-edge', i);\n"
"    row.tabIndex = 0;\n"
"    add(row, el('span', 'when', offPad(e.t)));\n"
"    var tr = add(row, el('span', 'track')),\n"
"      bar = add(tr, el('span', 'bar op-' + e.op));\n"
"    var l = span ? e.t / span * 100 : 0,\n"
"      w = span ? (e.tl - e.t) / span * 100 : 0;\n"
"    bar.style.left = l.toFixed(3) + '%';\n"
"    bar.style.width = Math.max(w, 0.6).toFixed(3) + '%';\n"
"    var what = add(row, el('span', 'what'));\n"
"    add(what, el('span', 'from', short(N[e.from].label)));\n"
"    add(what, el('span', 'op', ' ' + e.op +\n"
"      (e.count > 1 ? ' \\u00d7' + e.count : '') + ' '));\n"
"    add(what, el('span', 'to', short(N[e.to].label)));\n"
"    row.title = N[e.from].label + ' \\u2192 ' + N[e.to].label + '\\n' +\n"
"      e.first + (e.last !== e.first ? ' \\u2026 ' + e.last : '');\n"
"    row.addEventListener('mouseenter', function () {\n"
"      hoverEdges([i], true);\n"
"    });\n"
"    row.addEventListener('mouseleave', function () {\n"
"      hoverEdges([i], false);\n"
"    });\n"
"    row.addEventListener('click', function () { showEdge(i); });\n"
"    row.addEventListener('keydown', function (ev) {\n"
"      if (ev.key === 'Enter') showEdge(i);\n"
"    });\n"
"    rowEls[i] = row;\n"
"  });\n"
"  if (shown.length < E.length)\n"
"    add(host, el('p', 'note', 'The first ' + shown.length + ' of ' +\n"
"      E.length + ' events are listed; the details of each object list ' +\n"
"      'all of its own, and the JSON output (--format json) has them all.'));\n"
"}\n"
"// ---- search -----------------------------------------------------------\n"
"var hay = N.map(function (n) {\n"
"  return [n.label, n.kind]\n"
"    .concat(n.attrs.map(function (a) { return a[1]; }))\n"
"    .concat(n.labels.map(function (l) { return l[1]; })).join('\\n')\n"
"    .toLowerCase();\n"
"});\n"
"var matches = [], matchAt = -1;\n"
"function search() {\n"
"  var q = $('bt-search').value.trim().toLowerCase(), list = $('bt-matches');\n"
"  list.textContent = '';\n"
"  nodeEls.forEach(function (g) { if (g) g.classList.remove('match'); });\n"
"  matches = [];\n"
"  matchAt = -1;\n"
"  if (svg) svg.classList.toggle('searching', q !== '');\n"
"  if (!q) {\n"
"    $('bt-match-count').textContent = '';\n"
"    return;\n"
"  }\n"
"  hay.forEach(function (h, k) { if (h.indexOf(q) >= 0) matches.push(k); });\n"
"  matches.forEach(function (k) { mark(nodeEls[k], 'match', true); });\n"
"  $('bt-match-count').textContent = matches.length + ' match' +\n"
"    (matches.length === 1 ? '' : 'es');\n"
"  matches.slice(0, 50).forEach(function (k) {\n"
"    add(add(list, el('li')), nodeLink(k));\n"
"  });\n"
"}\n"
"$('bt-search').addEventListener('input', search);\n"
"$('bt-search').addEventListener('keydown', function (ev) {\n"
"  if (ev.key === 'Enter' && matches.length) {\n"
"    matchAt = (matchAt + 1) % matches.length;\n"
"    select(matches[matchAt], true);\n"
"  } else if (ev.key === 'Escape') {\n"
"    $('bt-search').value = '';\n"
"    search();\n"
"  }\n"
"});\n"
"// ---- filters ----------------------------------------------------------\n"
"function buildFilters() {\n"
"  var f = D.filters, host = $('bt-filters');\n"
"  if (!f) {\n"
"    add(host, el('p', null, 'No filters ran: this is the whole result ' +\n"
"      'of the walk.'));\n"
"    return;\n"
"  }\n"
"  add(host, el('p', null, 'Before the filters: ' + f.before[0] +\n"
"    ' objects, ' + f.before[1] + ' dependencies; after: ' + f.after[0] +\n"
"    ' objects, ' + f.after[1] + ' dependencies.' +\n"
"    (f.summaries ? ' Runtime files were collapsed into ' + f.summaries +\n"
"     ' summary node' + (f.summaries > 1 ? 's' : '') + '.' : '')));\n"
"  var rows = f.by.filter(function (b) { return b.removed || b.kept; })\n"
"    .map(function (b) {\n"
"      return [b.filter, String(b.removed), String(b.kept), b.why];\n"
"    });\n"
"  if (!rows.length) {\n"
"    add(host, el('p', null, 'The filters removed nothing.'));\n"
"    return;\n"
"  }\n"
"  add(host, table(['filter', 'removed', 'kept for a path', 'why'], rows));\n"
"  if (f.removed.length) {\n"
"    var det = add(host, el('details'));\n"
"    add(det, el('summary', null, 'What was removed (' + f.removed.length +\n"
"      ')'));\n"
"    add(det, table(['filter', 'kind', 'object'],\n"
"      f.removed.map(function (r) { return [r.filter, r.kind, r.label]; })));\n"
"  }\n"
"}\n"
"buildGraph();\n"
"buildTimeline();\n"
"buildFilters();\n"
"if (N.length) select(D.meta.detection, false);\n"
"})();\n";

/* ---- the report ------------------------------------------------------- */

/* A nonce for the Content-Security-Policy: 128 random bits, so that a
 * string in the log cannot guess it. */
static int make_nonce(char out[33])
{
	unsigned char b[16];
	size_t got = 0, i;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return bt_error_set_os(BT_EIO, "cannot get random "
					       "bytes for the report");
		got += (size_t)n;
	}
	for (i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

int export_html(const struct bt_result *r,
		const struct bt_export_opts *opts, FILE *out)
{
	struct bt_sb tmp = { 0 }, note = { 0 };
	struct bt_hostmap *hm = NULL;
	char nonce[33], *svg;
	uint64_t t0 = UINT64_MAX;
	bool bad = false, ok;
	size_t i;
	int err;

	err = make_nonce(nonce);
	if (err)
		return err;
	for (i = 0; i < r->nedges; i++) {
		if (r->edges[i].from >= r->nnodes ||
		    r->edges[i].to >= r->nnodes)
			return bt_error_set(BT_EINVAL, "edge %zu refers to a "
					    "node out of range", i);
		if (r->edges[i].first < t0)
			t0 = r->edges[i].first;
	}
	if (t0 == UINT64_MAX)
		t0 = 0;
	/* a case database's result over several hosts: a "host" line per
	 * node (the SVG has one cluster per host, dot.c) */
	if ((err = bt_hostmap_new(&hm, r->g)))
		return err;
	if (!bt_hostmap_spans(hm, r)) {
		bt_hostmap_free(hm);
		hm = NULL;
	}
	svg = render_svg(r, opts, &note);

	ok = fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head>\n"
		     "<meta charset=\"utf-8\">\n"
		     "<meta http-equiv=\"Content-Security-Policy\" "
		     "content=\"default-src 'none'; script-src 'nonce-%s'; "
		     "style-src 'unsafe-inline'; img-src data:; "
		     "base-uri 'none'; form-action 'none'\">\n"
		     "<meta name=\"viewport\" content=\"width=device-width, "
		     "initial-scale=1\">\n"
		     "<meta name=\"generator\" content=\"btrack\">\n"
		     "<link rel=\"icon\" href=\"data:,\">\n"
		     "<title>btrack report</title>\n<style>\n", nonce) > 0 &&
	     fputs(page_css, out) != EOF &&
	     fputs("</style>\n</head>\n", out) != EOF &&
	     fputs(page_body, out) != EOF &&
	     fputs("<script type=\"application/json\" id=\"bt-data\">"
		   "{\"meta\":", out) != EOF &&
	     put_json(out, html_meta(r, t0, &tmp, &bad), &bad) &&
	     fputs(",\n\"nodes\":[", out) != EOF;
	for (i = 0; ok && i < r->nnodes; i++)
		ok = (!i || fputs(",\n", out) != EOF) &&
		     put_json(out, html_node(r, i, t0, hm, &tmp, &bad),
			      &bad);
	ok = ok && fputs("],\n\"edges\":[", out) != EOF;
	for (i = 0; ok && i < r->nedges; i++)
		ok = (!i || fputs(",\n", out) != EOF) &&
		     put_json(out, html_edge(r, i, t0, &bad), &bad);
	ok = ok && fputs("],\n\"filters\":", out) != EOF &&
	     put_json(out, html_filters(r, &tmp, &bad), &bad) &&
	     fputs(",\n\"svg_note\":", out) != EOF &&
	     put_json(out, note.len ? jsb(&note) : json_null(), &bad) &&
	     fputs(",\n\"svg\":", out) != EOF &&
	     put_json(out, svg ? json_string(svg) : json_null(), &bad) &&
	     fprintf(out, "}</script>\n<script nonce=\"%s\">\n", nonce) > 0 &&
	     fputs(page_js, out) != EOF &&
	     fputs("</script>\n</body>\n</html>\n", out) != EOF;

	free(svg);
	bt_hostmap_free(hm);
	bt_sb_release(&tmp);
	bt_sb_release(&note);
	if (bad)
		return bt_error_set(BT_ENOMEM, "cannot build the HTML report");
	if (!ok || fflush(out) != 0 || ferror(out))
		return bt_error_set_os(BT_EIO, "cannot write the HTML report");
	return 0;
}
