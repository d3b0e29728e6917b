/*
 * check_query.c - one investigation query (graph/query.c): the graph from
 * a log or a case database, resolve -> walk -> filter on a loaded graph,
 * errors with the step that failed, warnings and notes as data, rendering
 * into memory, and the points of a batch (--from-list, --alert).
 *
 * The log is a small attack imported through the real importer: curl
 * receives from a remote address and writes /tmp/evil, python reads it,
 * a secret and the terminal, and writes /srv/out; three processes read
 * libc, so the runtime filter collapses it.  Expectations are what
 * backtrack shows a user for the same options.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/db.h"
#include "../core/error.h"
#include "../graph/export.h"
#include "../graph/filter.h"
#include "../graph/query.h"
#include "testutil.h"

#define EV(t, rest) "{\"time\": " #t ", " rest "}\n"

static const char attack[] =
	EV(100, "\"op\": \"exec\", \"pid\": 10, \"path\": \"/usr/bin/curl\"")
	EV(101, "\"op\": \"read\", \"pid\": 10, \"path\": \"/lib/libc.so.6\"")
	EV(102, "\"op\": \"recv\", \"pid\": 10, "
		"\"remote\": \"203.0.113.9:4444\"")
	EV(103, "\"op\": \"create\", \"pid\": 10, \"path\": \"/tmp/evil\"")
	EV(104, "\"op\": \"write\", \"pid\": 10, \"path\": \"/tmp/evil\"")
	EV(110, "\"op\": \"exec\", \"pid\": 20, \"path\": \"/usr/bin/python3\"")
	EV(111, "\"op\": \"read\", \"pid\": 20, \"path\": \"/lib/libc.so.6\"")
	EV(117, "\"op\": \"read\", \"pid\": 20, \"path\": \"/tmp/evil\"")
	EV(118, "\"op\": \"read\", \"pid\": 20, \"path\": \"/etc/secret\"")
	EV(119, "\"op\": \"read\", \"pid\": 20, \"path\": \"/dev/tty1\"")
	EV(121, "\"op\": \"create\", \"pid\": 20, \"path\": \"/srv/out\"")
	EV(122, "\"op\": \"write\", \"pid\": 20, \"path\": \"/srv/out\"")
	EV(130, "\"op\": \"read\", \"pid\": 30, \"path\": \"/lib/libc.so.6\"")
	EV(200, "\"op\": \"write\", \"pid\": 20, \"path\": \"/srv/out\"");

/* The attack as a log (made once per test process). */
static const char *attack_log(void)
{
	static const char *path;

	if (!path) {
		path = tu_path("attack.btl");
		ck_assert_msg(tu_log_from_jsonl(path, attack) == 0, "%s",
			      bt_error_msg());
	}
	return path;
}

static struct bt_graph *load_attack(void)
{
	struct bt_query_source src = { .log = attack_log() };
	struct bt_graph *g = NULL;

	ck_assert_msg(bt_query_load(&g, &src, NULL, NULL) == 0, "%s",
		      bt_error_msg());
	return g;
}

/* Whether the result has a node labelled `label`. */
static bool has_node(const struct bt_result *r, const char *label)
{
	char buf[256];
	size_t i;

	for (i = 0; i < r->nnodes; i++) {
		bt_node_label(r, i, buf, sizeof(buf));
		if (!strcmp(buf, label))
			return true;
	}
	return false;
}

/* The JSON a result renders as through bt_export() (owned). */
static char *export_json(const struct bt_result *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(bt_export(r, BT_FMT_JSON, m), 0);
	ck_assert_int_eq(fclose(m), 0);
	return buf;
}

/* The query is the chain a user runs: the same result as walking and
 * filtering by hand, entry points ranked, the filter report attached. */
START_TEST(run_is_resolve_walk_filter)
{
	struct bt_graph *g = load_attack();
	struct bt_query q;
	struct bt_query_result qr;
	struct bt_result *hand = NULL;
	struct bt_filter_report *rep = NULL;
	struct bt_walk_opts wo;
	struct bt_filter_opts fo;
	uint32_t start;
	uint64_t t;
	char *a, *b;

	bt_query_init(&q, BT_BACKWARD);
	q.spec = "file:/srv/out";
	ck_assert_msg(bt_query_run(&qr, g, &q) == 0, "%s", bt_error_msg());
	ck_assert_int_eq(qr.failed, BT_QUERY_DONE);
	ck_assert_ptr_nonnull(qr.result);
	ck_assert_ptr_eq(qr.result->filters, qr.filters);
	ck_assert_uint_eq(qr.result->nodes[0].obj, qr.start);
	ck_assert(has_node(qr.result, "203.0.113.9:4444"));
	ck_assert(has_node(qr.result, "/etc/secret"));
	ck_assert(!has_node(qr.result, "/lib/libc.so.6"));
	ck_assert(!has_node(qr.result, "/dev/tty1"));

	ck_assert_int_eq(bt_spec_resolve(&start, &t, g, "file:/srv/out"), 0);
	ck_assert_uint_eq(start, qr.start);
	bt_walk_opts_init(&wo);
	bt_filter_opts_init(&fo);
	ck_assert_int_eq(bt_backtrack(&hand, g, start, &wo), 0);
	ck_assert_int_eq(bt_filter_apply(hand, &fo, &rep), 0);
	a = export_json(qr.result);
	b = export_json(hand);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	bt_result_free(hand);
	bt_filter_report_free(rep);
	bt_query_result_release(&qr);
	ck_assert_ptr_null(qr.result);
	bt_graph_free(g);
}
END_TEST

START_TEST(forward_from_the_entry_point)
{
	struct bt_graph *g = load_attack();
	struct bt_query q;
	struct bt_query_result qr;

	bt_query_init(&q, BT_FORWARD);
	q.spec = "endpoint:203.0.113.9:4444";
	ck_assert_msg(bt_query_run(&qr, g, &q) == 0, "%s", bt_error_msg());
	ck_assert_int_eq(qr.result->dir, BT_FORWARD);
	ck_assert(has_node(qr.result, "/tmp/evil"));
	ck_assert(has_node(qr.result, "/srv/out"));
	ck_assert(!has_node(qr.result, "/etc/secret"));
	bt_query_result_release(&qr);
	bt_graph_free(g);
}
END_TEST

/* Errors come back with the step that failed, so the CLI can tell a bad
 * command line (a spec that does not parse) from a failed walk. */
START_TEST(errors_name_their_step)
{
	struct bt_graph *g = load_attack();
	struct bt_query q;
	struct bt_query_result qr;

	bt_query_init(&q, BT_BACKWARD);
	q.spec = "bogus:x";
	ck_assert_int_eq(bt_query_run(&qr, g, &q), BT_EINVAL);
	ck_assert_int_eq(qr.failed, BT_QUERY_RESOLVE);
	ck_assert_ptr_null(qr.result);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "bogus:x"));
	bt_query_result_release(&qr);

	q.spec = "file:/nope";
	ck_assert_int_eq(bt_query_run(&qr, g, &q), BT_ENOTFOUND);
	ck_assert_int_eq(qr.failed, BT_QUERY_RESOLVE);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "/nope"));
	bt_query_result_release(&qr);

	q.spec = NULL;
	ck_assert_int_eq(bt_query_run(&qr, g, &q), BT_EINVAL);
	ck_assert_int_eq(qr.failed, BT_QUERY_RESOLVE);
	bt_query_result_release(&qr);

	/* A window that ends before it starts: the walk refuses it. */
	q.spec = "file:/srv/out";
	q.walk.since = 300;
	q.walk.until = 100;
	ck_assert_int_eq(bt_query_run(&qr, g, &q), BT_EINVAL);
	ck_assert_int_eq(qr.failed, BT_QUERY_WALK);
	ck_assert_ptr_null(qr.result);
	bt_query_result_release(&qr);

	bt_graph_free(g);
}
END_TEST

/* A limit that stops the walk is a success with a warning, not an
 * error; the text is what the user reads after "warning: ". */
START_TEST(incomplete_is_a_warning)
{
	struct bt_graph *g = load_attack();
	struct bt_query q;
	struct bt_query_result qr;
	const struct bt_query_msg *m;

	bt_query_init(&q, BT_BACKWARD);
	q.spec = "file:/srv/out";
	q.walk.max_nodes = 2;
	ck_assert_int_eq(bt_query_run(&qr, g, &q), 0);
	ck_assert(qr.result->truncated);
	m = bt_query_msg_find(&qr, BT_QUERY_INCOMPLETE);
	ck_assert_ptr_nonnull(m);
	ck_assert(m->warning);
	ck_assert_ptr_nonnull(strstr(m->text, "the result is incomplete"));
	ck_assert_ptr_nonnull(strstr(m->text, qr.result->limit));
	bt_query_result_release(&qr);

	q.walk.max_nodes = 0;
	ck_assert_int_eq(bt_query_run(&qr, g, &q), 0);
	ck_assert_ptr_null(bt_query_msg_find(&qr, BT_QUERY_INCOMPLETE));
	bt_query_result_release(&qr);
	bt_graph_free(g);
}
END_TEST

/* What the filters removed is a note with the sizes before and after;
 * with no filter there is none. */
START_TEST(filtered_is_a_note)
{
	struct bt_graph *g = load_attack();
	struct bt_query q;
	struct bt_query_result qr;
	const struct bt_query_msg *m;
	char want[224];

	bt_query_init(&q, BT_BACKWARD);
	q.spec = "file:/srv/out";
	ck_assert_int_eq(bt_query_run(&qr, g, &q), 0);
	m = bt_query_msg_find(&qr, BT_QUERY_FILTERED);
	ck_assert_ptr_nonnull(m);
	ck_assert(!m->warning);
	ck_assert_uint_gt(qr.filters->nodes_before, qr.filters->nodes_after);
	snprintf(want, sizeof(want), "graph: %zu objects, %zu dependencies; "
		 "after filters %zu objects, %zu dependencies",
		 qr.filters->nodes_before, qr.filters->edges_before,
		 qr.result->nnodes, qr.result->nedges);
	ck_assert_str_eq(m->text, want);
	bt_query_result_release(&qr);

	q.filter.enabled = 0;
	ck_assert_int_eq(bt_query_run(&qr, g, &q), 0);
	ck_assert_uint_eq(qr.nmsgs, 0);
	ck_assert(has_node(qr.result, "/lib/libc.so.6"));
	bt_query_result_release(&qr);
	bt_graph_free(g);
}
END_TEST

/* An alert's time bounds the walk unless --until says otherwise. */
START_TEST(point_time_is_the_threshold)
{
	struct bt_graph *g = load_attack();
	struct bt_query q;
	struct bt_query_result qr;
	size_t i;

	bt_query_init(&q, BT_BACKWARD);
	q.spec = "file:/srv/out";
	q.point_time = 150;
	ck_assert_uint_eq(bt_query_walk_opts(&q).until, 150);
	ck_assert_int_eq(bt_query_run(&qr, g, &q), 0);
	ck_assert_uint_eq(qr.result->opts.until, 150);
	for (i = 0; i < qr.result->nedges; i++)
		ck_assert_uint_le(qr.result->edges[i].last, 150);
	bt_query_result_release(&qr);

	q.walk.until = 300;
	ck_assert_uint_eq(bt_query_walk_opts(&q).until, 300);
	ck_assert_int_eq(bt_query_run(&qr, g, &q), 0);
	ck_assert_uint_eq(qr.result->opts.until, 300);
	bt_query_result_release(&qr);
	bt_graph_free(g);
}
END_TEST

/* A batch: one graph, many queries; a query does not change the graph,
 * so the same query gives the same result before and after others. */
START_TEST(batch_on_one_graph)
{
	static const char *const specs[] = {
		"file:/srv/out", "file:/tmp/evil", "file:/nope", "proc:20",
		"file:/srv/out",
	};
	struct bt_graph *g = load_attack();
	struct bt_query q;
	struct bt_query_result qr;
	char *first = NULL, *last = NULL;
	size_t i, failed = 0;

	bt_query_init(&q, BT_BACKWARD);
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		q.spec = specs[i];
		if (bt_query_run(&qr, g, &q)) {
			failed++;
		} else if (i == 0) {
			first = export_json(qr.result);
		} else if (i == 4) {
			last = export_json(qr.result);
		}
		bt_query_result_release(&qr);
	}
	ck_assert_uint_eq(failed, 1);
	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_nonnull(last);
	ck_assert_str_eq(first, last);
	free(first);
	free(last);
	bt_graph_free(g);
}
END_TEST

/* Rendering into memory is bt_export_with() into a string; display
 * options change the text, not the result. */
START_TEST(render_into_memory)
{
	struct bt_graph *g = load_attack();
	struct bt_query q;
	struct bt_query_result qr, none = { 0 };
	struct bt_export_opts eo = { .explain = true };
	char *s = NULL, *want, *plain = NULL;
	size_t len = 0;

	bt_query_init(&q, BT_BACKWARD);
	q.spec = "file:/srv/out";
	ck_assert_int_eq(bt_query_run(&qr, g, &q), 0);
	ck_assert_int_eq(bt_query_render(&s, &len, &qr, BT_FMT_JSON, NULL), 0);
	want = export_json(qr.result);
	ck_assert_str_eq(s, want);
	ck_assert_uint_eq(len, strlen(want));
	free(s);
	free(want);

	ck_assert_int_eq(bt_query_render(&plain, &len, &qr, BT_FMT_TEXT,
					 NULL), 0);
	ck_assert_int_eq(bt_query_render(&s, &len, &qr, BT_FMT_TEXT, &eo), 0);
	ck_assert_ptr_null(strstr(plain, "/lib/libc.so.6"));
	ck_assert_ptr_nonnull(strstr(s, "/lib/libc.so.6"));
	free(s);
	free(plain);

	s = (char *)"x";
	ck_assert_int_eq(bt_query_render(&s, &len, &none, BT_FMT_JSON, NULL),
			 BT_EINVAL);
	ck_assert_ptr_null(s);
	bt_query_result_release(&qr);
	bt_graph_free(g);
}
END_TEST

/* The graph of a case database: the whole of it, one host, or an open
 * handle; the same query gives the log's result. */
START_TEST(sources)
{
	struct bt_query_source src = { 0 };
	struct bt_db_add_stats st;
	struct bt_graph *g = NULL, *lg = load_attack();
	struct bt_db *db = NULL;
	struct bt_query q;
	struct bt_query_result qr, lr;
	const char *dbpath = tu_path("case.db");

	ck_assert_int_eq(bt_db_open(&db, dbpath, BT_DB_CREATE), 0);
	ck_assert_msg(bt_db_add(db, attack_log(), "web", NULL, NULL, &st) == 0,
		      "%s", bt_error_msg());
	bt_db_close(db);

	bt_query_init(&q, BT_BACKWARD);
	q.spec = "file:/srv/out";
	ck_assert_int_eq(bt_query_run(&lr, lg, &q), 0);

	src.db = dbpath;
	src.host = "web";
	ck_assert_msg(bt_query_load(&g, &src, NULL, NULL) == 0, "%s",
		      bt_error_msg());
	ck_assert_int_eq(bt_query_run(&qr, g, &q), 0);
	ck_assert_uint_eq(qr.result->nnodes, lr.result->nnodes);
	ck_assert_uint_eq(qr.result->nedges, lr.result->nedges);
	bt_query_result_release(&qr);
	bt_graph_free(g);

	src.host = "nohost";
	ck_assert_int_eq(bt_query_load(&g, &src, NULL, NULL), BT_ENOTFOUND);
	ck_assert_ptr_null(g);

	ck_assert_int_eq(bt_db_open(&db, dbpath, 0), 0);
	src.db = NULL;
	src.dbh = db;
	src.host = NULL;
	ck_assert_int_eq(bt_query_load(&g, &src, NULL, NULL), 0);
	ck_assert_int_eq(bt_query_run(&qr, g, &q), 0);
	ck_assert_uint_eq(qr.result->nnodes, lr.result->nnodes);
	bt_query_result_release(&qr);
	bt_graph_free(g);

	/* None, or two at once: refused. */
	src.log = attack_log();
	ck_assert_int_eq(bt_query_load(&g, &src, NULL, NULL), BT_EINVAL);
	memset(&src, 0, sizeof(src));
	ck_assert_int_eq(bt_query_load(&g, &src, NULL, NULL), BT_EINVAL);
	bt_db_close(db);

	src.log = tu_path("missing.btl");
	ck_assert_int_ne(bt_query_load(&g, &src, NULL, NULL), 0);
	ck_assert_ptr_null(g);

	bt_query_result_release(&lr);
	bt_graph_free(lg);
}
END_TEST

static FILE *mem_in(const void *data, size_t len)
{
	FILE *f = fmemopen((void *)data, len, "r");

	ck_assert_ptr_nonnull(f);
	return f;
}

/* --from-list: blanks around a spec, CR LF, comments and blank lines;
 * a line with a NUL byte is a bad point with its line number. */
START_TEST(points_from_a_list)
{
	static const char list[] =
		"file:/srv/out\n"
		"\n"
		"# a comment\n"
		"  \tfile:/tmp/evil \r\n"
		"proc:20\0x\n"
		"   \n"
		"endpoint:203.0.113.9:4444";
	struct bt_query_points ps = { 0 };
	FILE *in = mem_in(list, sizeof(list) - 1);

	ck_assert_int_eq(bt_query_points_read_list(&ps, in, "list"), 0);
	fclose(in);
	ck_assert_str_eq(ps.unit, "line");
	ck_assert_uint_eq(ps.n, 4);
	ck_assert_str_eq(ps.v[0].spec, "file:/srv/out");
	ck_assert_uint_eq(ps.v[0].where, 1);
	ck_assert_uint_eq(ps.v[0].time, BT_TIME_NONE);
	ck_assert_str_eq(ps.v[1].spec, "file:/tmp/evil");
	ck_assert_uint_eq(ps.v[1].where, 4);
	ck_assert_ptr_null(ps.v[2].spec);
	ck_assert_ptr_nonnull(ps.v[2].bad);
	ck_assert_ptr_nonnull(strstr(ps.v[2].bad, "NUL"));
	ck_assert_uint_eq(ps.v[2].where, 5);
	ck_assert_str_eq(ps.v[3].spec, "endpoint:203.0.113.9:4444");
	ck_assert_uint_eq(ps.v[3].where, 7);
	bt_query_points_release(&ps);
	ck_assert_uint_eq(ps.n, 0);
	bt_query_points_release(NULL);

	/* Nothing but comments: no point, no error. */
	in = mem_in("# x\n\n", 5);
	ck_assert_int_eq(bt_query_points_read_list(&ps, in, "list"), 0);
	fclose(in);
	ck_assert_uint_eq(ps.n, 0);
	bt_query_points_release(&ps);
}
END_TEST

/* --alert: a point per alert with its time; a bad alert fails the file
 * with its line. */
START_TEST(points_from_alerts)
{
	static const char two[] =
		"[{\"object\": \"file:/srv/out\", \"time\": "
		"\"1970-01-01T00:00:00.000000150Z\"},\n"
		" {\"object\": \"file:/tmp/evil\"}]\n";
	static const char bad[] =
		"{\"object\": \"file:/srv/out\"}\n{\"object\": 7}\n";
	struct bt_query_points ps = { 0 };
	FILE *in = mem_in(two, sizeof(two) - 1);

	ck_assert_msg(bt_query_points_read_alerts(&ps, in, "two.json") == 0,
		      "%s", bt_error_msg());
	fclose(in);
	ck_assert_str_eq(ps.unit, "alert");
	ck_assert_uint_eq(ps.n, 2);
	ck_assert_str_eq(ps.v[0].spec, "file:/srv/out");
	ck_assert_uint_eq(ps.v[0].time, 150);
	ck_assert_uint_eq(ps.v[0].where, 1);
	ck_assert_str_eq(ps.v[1].spec, "file:/tmp/evil");
	ck_assert_uint_eq(ps.v[1].time, BT_TIME_NONE);
	ck_assert_uint_eq(ps.v[1].where, 2);
	bt_query_points_release(&ps);

	in = mem_in(bad, sizeof(bad) - 1);
	ck_assert_int_eq(bt_query_points_read_alerts(&ps, in, "bad.json"),
			 BT_ECORRUPT);
	fclose(in);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "bad.json:2"));
	ck_assert_uint_eq(ps.n, 0);
	bt_query_points_release(&ps);

	in = mem_in("", 0);
	ck_assert_int_eq(bt_query_points_read_alerts(&ps, in, "empty.json"),
			 BT_EINVAL);
	fclose(in);
	bt_query_points_release(&ps);
}
END_TEST

int main(void)
{
	const struct {
		const char *name;
		const TTest *t;
	} cases[] = {
		{ "run_is_resolve_walk_filter", run_is_resolve_walk_filter },
		{ "forward_from_the_entry_point",
		  forward_from_the_entry_point },
		{ "errors_name_their_step", errors_name_their_step },
		{ "incomplete_is_a_warning", incomplete_is_a_warning },
		{ "filtered_is_a_note", filtered_is_a_note },
		{ "point_time_is_the_threshold", point_time_is_the_threshold },
		{ "batch_on_one_graph", batch_on_one_graph },
		{ "render_into_memory", render_into_memory },
		{ "sources", sources },
		{ "points_from_a_list", points_from_a_list },
		{ "points_from_alerts", points_from_alerts },
	};
	Suite *s = suite_create("query");
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_test(tc, cases[i].t);
		suite_add_tcase(s, tc);
	}
	tu_tmpdir();
	return tu_run(s);
}
