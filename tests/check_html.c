/*
 * check_html.c - graph/html.c: the report's format names, its data element
 * that no hostile name can end, its Content-Security-Policy and nonce, a
 * result too large to draw, write errors and bad results.  The browser's
 * side (clicks, search, no script runs) is tests/cli/html.sh.
 *
 * The fixture is a small log written with the writer and loaded with the
 * real loader; the walk result is put together by hand.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../core/error.h"
#include "../core/log.h"
#include "../graph/export.h"
#include "../graph/graph.h"
#include "../graph/walk.h"
#include "testutil.h"

#define T0 1700000000000000000ull
#define SEC 1000000000ull

/* Names that try to end the data element, open markup, break a line, or
 * are not UTF-8. */
static const char *const hostile[] = {
	"/tmp/</script><script>alert(1)</script>",
	"/tmp/<!--<script>",
	"/tmp/\"'&amp;<img src=x onerror=alert(2)>",
	"/tmp/a\nb\r\x1b[2J\xff\xfe\xc3",
	"/tmp/\xe2\x80\xa8\xe2\x80\xae</SCRIPT >",
};

/* 1 process bash [100]; 2 file `name`; 3 file /out; 4 endpoint;
 * 2 -read-> 1 at T0+1s, 4 -recv-> 1 at T0+2s, 1 -write-> 3 at T0+3s. */
static struct bt_graph *fixture(const char *name)
{
	static const char argv[] = "bash\0-c\0</script>";
	struct bt_log_writer *w;
	struct bt_graph *g;
	const char *path = tu_path("html.btl");

	ck_assert_int_eq(bt_log_writer_open(&w, path, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	ck_assert_int_eq(bt_log_append_process(w, 1, 100, T0, 1, 1000), 0);
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_EXE, T0,
					     "/bin/bash", 9), 0);
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_ARGV, T0, argv,
					     sizeof(argv) - 1), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 8, 42), 0);
	ck_assert_int_eq(bt_log_append_label(w, 2, BT_LABEL_PATH, T0, name,
					     strlen(name)), 0);
	ck_assert_int_eq(bt_log_append_file(w, 3, 0, 8, 43), 0);
	ck_assert_int_eq(bt_log_append_label(w, 3, BT_LABEL_PATH, T0, "/out",
					     4), 0);
	ck_assert_int_eq(bt_log_append_endpoint(w, 4, "203.0.113.9:4444",
						16), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0, 10,
					     T0 + 1 * SEC, 2, 1), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_RECV, 0, 10,
					     T0 + 2 * SEC, 4, 1), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 10,
					     T0 + 3 * SEC, 1, 3), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_msg(bt_graph_load(&g, path, NULL, NULL) == 0, "load: %s",
		      bt_error_msg());
	return g;
}

static struct bt_node nodes[4];
static struct bt_edge edges[3];

static void result(struct bt_result *r, const struct bt_graph *g)
{
	memset(r, 0, sizeof(*r));
	r->g = g;
	r->dir = BT_BACKWARD;
	r->opts.gran = BT_GRAN_PAGE;
	r->opts.until = T0 + 3 * SEC;
	nodes[0] = (struct bt_node){ .obj = 3, .kind = BT_OBJ_FILE,
		.flags = BT_NODE_DETECTION, .threshold = T0 + 3 * SEC };
	nodes[1] = (struct bt_node){ .obj = 1, .kind = BT_OBJ_PROCESS,
		.depth = 1, .threshold = T0 + 3 * SEC };
	nodes[2] = (struct bt_node){ .obj = 2, .kind = BT_OBJ_FILE,
		.flags = BT_NODE_ENTRY, .depth = 2, .threshold = T0 + SEC };
	nodes[3] = (struct bt_node){ .obj = 4, .kind = BT_OBJ_ENDPOINT,
		.flags = BT_NODE_ENTRY | BT_NODE_REMOTE, .depth = 2,
		.threshold = T0 + 2 * SEC };
	edges[0] = (struct bt_edge){ 2, 1, BT_OP_READ, 1, T0 + SEC, T0 + SEC };
	edges[1] = (struct bt_edge){ 3, 1, BT_OP_RECV, 1, T0 + 2 * SEC,
		T0 + 2 * SEC };
	edges[2] = (struct bt_edge){ 1, 0, BT_OP_WRITE, 1, T0 + 3 * SEC,
		T0 + 3 * SEC };
	r->nodes = nodes;
	r->nnodes = 4;
	r->edges = edges;
	r->nedges = 3;
}

/* The report as a string (caller frees). */
static char *report(const struct bt_result *r, const struct bt_export_opts *o)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	int err;

	ck_assert_ptr_nonnull(f);
	err = bt_export_with(r, BT_FMT_HTML, o, f);
	ck_assert_msg(err == 0, "export: %s", bt_error_msg());
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay++;
	}
	return n;
}

/* The data element's JSON (the caller decrefs), checked to hold no markup
 * character at all. */
static json_t *data_of(const char *page)
{
	static const char open[] =
		"<script type=\"application/json\" id=\"bt-data\">";
	const char *a = strstr(page, open), *b;
	json_error_t jerr;
	json_t *d;

	ck_assert_ptr_nonnull(a);
	a += strlen(open);
	b = strstr(a, "</script>");
	ck_assert_ptr_nonnull(b);
	ck_assert_msg(strcspn(a, "<>&") == (size_t)(b - a),
		      "a markup character in the data");
	d = json_loadb(a, (size_t)(b - a), 0, &jerr);
	ck_assert_msg(d != NULL, "data: %s", jerr.text);
	return d;
}

START_TEST(test_format_names)
{
	enum bt_format f;

	ck_assert_int_eq(bt_format_parse(&f, "html"), 0);
	ck_assert_int_eq(f, BT_FMT_HTML);
	ck_assert_int_eq(bt_format_parse(&f, "prov-json"), 0);
	ck_assert_int_eq(f, BT_FMT_PROV);
	ck_assert_int_eq(bt_format_parse(&f, "prov"), 0);
	ck_assert_int_eq(f, BT_FMT_PROV);
	ck_assert_int_eq(bt_format_parse(&f, "HTML"), BT_EINVAL);
	ck_assert_int_eq(bt_format_from_path(&f, "out/report.html"), 0);
	ck_assert_int_eq(f, BT_FMT_HTML);
	ck_assert_int_eq(bt_format_from_path(&f, "R.HTM"), 0);
	ck_assert_int_eq(f, BT_FMT_HTML);
	ck_assert_int_eq(bt_format_from_path(&f, "case.prov.json"), 0);
	ck_assert_int_eq(f, BT_FMT_PROV);
	ck_assert_int_eq(bt_format_from_path(&f, "CASE.PROV.JSON"), 0);
	ck_assert_int_eq(f, BT_FMT_PROV);
	/* Another .json is btrack's JSON, also a file named .prov.json. */
	ck_assert_int_eq(bt_format_from_path(&f, "case.json"), 0);
	ck_assert_int_eq(f, BT_FMT_JSON);
	ck_assert_int_eq(bt_format_from_path(&f, "dir/.prov.json"), 0);
	ck_assert_int_eq(f, BT_FMT_JSON);
	ck_assert_int_eq(bt_format_from_path(&f, "x.html/y"), BT_EINVAL);
}
END_TEST

/* A hostile name is data, in the one data element, and the page has the
 * two script elements it should. */
START_TEST(test_hostile)
{
	static const struct bt_export_opts o = { .max_layout_nodes = 0 };
	struct bt_graph *g = fixture(hostile[_i]);
	struct bt_result r;
	char *page, label[512];
	json_t *d, *n;
	size_t i;

	result(&r, g);
	page = report(&r, &o);
	ck_assert_msg(count(page, "<script") == 2, "%zu script elements",
		      count(page, "<script"));
	ck_assert_int_eq(count(page, "</script>"), 2);
	ck_assert_int_eq(count(page, "<SCRIPT"), 0);
	ck_assert_int_eq(count(page, "<img"), 0);
	d = data_of(page);
	n = json_object_get(d, "nodes");
	ck_assert_int_eq(json_array_size(n), 4);
	for (i = 0; i < 4; i++) {
		bt_node_label(&r, i, label, sizeof(label));
		ck_assert_str_eq(json_string_value(json_object_get(
			json_array_get(n, i), "label")), label);
	}
	/* The name is shown by the rule: no raw control character. */
	ck_assert_ptr_null(strpbrk(label, "\n\r\x1b"));
	/* The SVG is in the data, as a string that starts with <svg. */
	ck_assert_int_eq(strncmp(json_string_value(json_object_get(d, "svg")),
				 "<svg", 4), 0);
	json_decref(d);
	free(page);
	bt_graph_free(g);
}
END_TEST

/* Only the report's own script may run, and nothing may be fetched; the
 * nonce changes from one report to the next. */
START_TEST(test_csp)
{
	static const struct bt_export_opts o = { .max_layout_nodes = 0 };
	struct bt_graph *g = fixture("/tmp/in");
	struct bt_result r;
	char *a, *b, na[33], nb[33];
	const char *p;

	result(&r, g);
	a = report(&r, &o);
	b = report(&r, &o);
	ck_assert_ptr_nonnull(strstr(a, "<meta http-equiv=\"Content-Security-"
				     "Policy\" content=\"default-src 'none'; "
				     "script-src 'nonce-"));
	p = strstr(a, "'nonce-");
	ck_assert_int_eq(sscanf(p, "'nonce-%32[0-9a-f]'", na), 1);
	ck_assert_int_eq(strlen(na), 32);
	p = strstr(b, "'nonce-");
	ck_assert_int_eq(sscanf(p, "'nonce-%32[0-9a-f]'", nb), 1);
	ck_assert_str_ne(na, nb);
	/* The code's script element carries the nonce. */
	ck_assert_int_eq(count(a, na), 2);
	ck_assert_ptr_null(strstr(a, "src=\"http"));
	ck_assert_ptr_null(strstr(a, "<!DOCTYPE svg"));
	free(a);
	free(b);
	bt_graph_free(g);
}
END_TEST

/* A result larger than the layout limit: the report, without the drawing,
 * saying why. */
START_TEST(test_too_large)
{
	static const struct bt_export_opts o = { .max_layout_nodes = 3 };
	struct bt_graph *g = fixture("/tmp/in");
	struct bt_result r;
	json_t *d;
	char *page;

	result(&r, g);
	page = report(&r, &o);
	d = data_of(page);
	ck_assert(json_is_null(json_object_get(d, "svg")));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(d,
		"svg_note")), "not drawn: 4 objects are more than 3"));
	ck_assert_int_eq(json_array_size(json_object_get(d, "edges")), 3);
	json_decref(d);
	free(page);
	bt_graph_free(g);
}
END_TEST

/* Details: attributes, labels with times, edge times as offsets. */
START_TEST(test_details)
{
	static const struct bt_export_opts o = { .max_layout_nodes = 0 };
	struct bt_graph *g = fixture("/tmp/in");
	struct bt_result r;
	json_t *d, *p, *e, *a;
	char *page;
	size_t i;
	bool pid = false, cmd = false;

	result(&r, g);
	page = report(&r, &o);
	d = data_of(page);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(d,
		"meta"), "t0")), "2023-11-14T22:13:21Z");
	p = json_array_get(json_object_get(d, "nodes"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(p, "kind")),
			 "process");
	json_array_foreach(json_object_get(p, "attrs"), i, a) {
		const char *k = json_string_value(json_array_get(a, 0));
		const char *v = json_string_value(json_array_get(a, 1));

		pid |= !strcmp(k, "pid") && !strcmp(v, "100");
		cmd |= !strcmp(k, "command") && !strcmp(v, "bash -c </script>");
	}
	ck_assert(pid && cmd);
	/* exe and argv labels, at T0, 1 s before the first event. */
	ck_assert_int_eq(json_array_size(json_object_get(p, "labels")), 2);
	a = json_array_get(json_object_get(p, "labels"), 0);
	ck_assert_str_eq(json_string_value(json_array_get(a, 0)), "exe");
	ck_assert(json_real_value(json_array_get(a, 3)) == -1.0);
	e = json_array_get(json_object_get(d, "edges"), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(e, "from")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(e, "op")), "write");
	ck_assert(json_real_value(json_object_get(e, "t")) == 2.0);
	json_decref(d);
	free(page);
	bt_graph_free(g);
}
END_TEST

START_TEST(test_errors)
{
	static const struct bt_export_opts o = { .max_layout_nodes = 0 };
	struct bt_graph *g = fixture("/tmp/in");
	struct bt_result r;
	char *buf = NULL;
	size_t n = 0;
	FILE *f;

	result(&r, g);
	f = fopen("/dev/full", "w");
	if (f) {
		ck_assert_int_eq(bt_export_with(&r, BT_FMT_HTML, &o, f),
				 BT_EIO);
		clearerr(f);
		ck_assert_int_eq(bt_export_with(&r, BT_FMT_PROV, &o, f),
				 BT_EIO);
		fclose(f);
	}
	f = open_memstream(&buf, &n);
	edges[0].to = 9;   /* no such node */
	ck_assert_int_eq(bt_export_with(&r, BT_FMT_HTML, &o, f), BT_EINVAL);
	ck_assert_int_eq(bt_export_with(&r, BT_FMT_PROV, &o, f), BT_EINVAL);
	fclose(f);
	free(buf);
	bt_graph_free(g);
}
END_TEST

static Suite *html_suite(void)
{
	Suite *s = suite_create("html");
	TCase *tc;

#define TC(name, fn) do { tc = tcase_create(name); \
		tcase_add_test(tc, fn); tcase_set_timeout(tc, 60); \
		suite_add_tcase(s, tc); } while (0)
	TC("format names", test_format_names);
	tc = tcase_create("hostile names");
	tcase_add_loop_test(tc, test_hostile, 0,
			    sizeof(hostile) / sizeof(hostile[0]));
	tcase_set_timeout(tc, 60);  /* graphviz and fontconfig start slowly */
	suite_add_tcase(s, tc);
	TC("csp and nonce", test_csp);
	TC("too large to draw", test_too_large);
	TC("details", test_details);
	TC("errors", test_errors);
#undef TC
	return s;
}

int main(void)
{
	return tu_run(html_suite());
}
