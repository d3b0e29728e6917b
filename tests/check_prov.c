/*
 * check_prov.c - graph/prov.c: the PROV-JSON mapping (activities,
 * entities, agents, one relation per edge of the type its ends and
 * operation give), derivations from renames and links read back from the
 * log, hostile names as valid UTF-8.  Loading with the Python prov package
 * is tests/cli/prov.sh.
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

static struct bt_log_writer *w;

static void open_log(void)
{
	ck_assert_int_eq(bt_log_writer_open(&w, tu_path("prov.btl"),
					    BT_LOGW_CREATE | BT_LOGW_TRUNC),
			 0);
}

static struct bt_graph *close_log(void)
{
	struct bt_graph *g;

	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_msg(bt_graph_load(&g, tu_path("prov.btl"), NULL, NULL) == 0,
		      "load: %s", bt_error_msg());
	return g;
}

static void ev(uint8_t op, uint64_t t, uint32_t cause, uint32_t effect)
{
	ck_assert_int_eq(bt_log_append_event(w, op, 0, 0, t, cause, effect),
			 0);
}

/* The PROV-JSON of r, parsed strictly (valid UTF-8 or it fails). */
static json_t *prov(const struct bt_result *r)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	json_error_t jerr;
	json_t *d;
	int err;

	ck_assert_ptr_nonnull(f);
	err = bt_export(r, BT_FMT_PROV, f);
	ck_assert_msg(err == 0, "export: %s", bt_error_msg());
	ck_assert_int_eq(fclose(f), 0);
	d = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &jerr);
	ck_assert_msg(d != NULL, "PROV-JSON: %s", jerr.text);
	free(buf);
	return d;
}

static const char *str(json_t *d, const char *group, const char *id,
		       const char *key)
{
	json_t *v = json_object_get(json_object_get(json_object_get(d, group),
						    id), key);

	ck_assert_msg(json_is_string(v), "%s %s %s", group, id, key);
	return json_string_value(v);
}

static void result(struct bt_result *r, const struct bt_graph *g,
		   struct bt_node *nodes, size_t nn, struct bt_edge *edges,
		   size_t ne)
{
	memset(r, 0, sizeof(*r));
	r->g = g;
	r->dir = BT_FORWARD;
	r->opts.gran = BT_GRAN_PAGE;
	r->opts.until = BT_TIME_NONE;
	r->nodes = nodes;
	r->nnodes = nn;
	r->edges = edges;
	r->nedges = ne;
}

/*
 * 1 bash [100] uid 1000 forks 2 sh [101], which becomes root (euid 0);
 * 3 file /in, 4 endpoint, 5 file /out, 6 name /old.
 * 3 -read-> 2, 4 -recv-> 2 (twice), 2 -write-> 5, 2 -unlink-> 6.
 */
START_TEST(test_mapping)
{
	static const char cred[] = "uid=1000 euid=0 gid=1000 egid=1000";
	struct bt_node nodes[6] = {
		{ .obj = 1, .kind = BT_OBJ_PROCESS, .flags = BT_NODE_DETECTION,
		  .threshold = T0 },
		{ .obj = 2, .kind = BT_OBJ_PROCESS, .depth = 1 },
		{ .obj = 3, .kind = BT_OBJ_FILE, .depth = 2,
		  .flags = BT_NODE_ENTRY, .rank = 3 },
		{ .obj = 4, .kind = BT_OBJ_ENDPOINT, .depth = 2,
		  .flags = BT_NODE_ENTRY | BT_NODE_REMOTE, .rank = 1 },
		{ .obj = 5, .kind = BT_OBJ_FILE, .depth = 2 },
		{ .obj = 6, .kind = BT_OBJ_FILENAME, .depth = 2 },
	};
	struct bt_edge edges[5] = {
		{ 0, 1, BT_OP_FORK, 1, T0 + SEC, T0 + SEC },
		{ 2, 1, BT_OP_READ, 1, T0 + 2 * SEC, T0 + 2 * SEC },
		{ 3, 1, BT_OP_RECV, 2, T0 + 3 * SEC, T0 + 4 * SEC },
		{ 1, 4, BT_OP_WRITE, 1, T0 + 5 * SEC, T0 + 5 * SEC },
		{ 1, 5, BT_OP_UNLINK, 1, T0 + 6 * SEC, T0 + 6 * SEC },
	};
	struct bt_result r;
	struct bt_graph *g;
	json_t *d, *x;

	open_log();
	ck_assert_int_eq(bt_log_append_process(w, 1, 100, T0, 1, 1000), 0);
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_EXE, T0,
					     "/bin/bash", 9), 0);
	ck_assert_int_eq(bt_log_append_process(w, 2, 101, T0 + SEC, 100,
					       1000), 0);
	ck_assert_int_eq(bt_log_append_label(w, 2, BT_LABEL_CRED,
					     T0 + 2 * SEC, cred,
					     sizeof(cred) - 1), 0);
	ck_assert_int_eq(bt_log_append_file(w, 3, 0, 8, 42), 0);
	ck_assert_int_eq(bt_log_append_label(w, 3, BT_LABEL_PATH, T0, "/in",
					     3), 0);
	ck_assert_int_eq(bt_log_append_endpoint(w, 4, "203.0.113.9:4444",
						16), 0);
	ck_assert_int_eq(bt_log_append_file(w, 5, 0, 8, 43), 0);
	ck_assert_int_eq(bt_log_append_label(w, 5, BT_LABEL_PATH, T0, "/out",
					     4), 0);
	ck_assert_int_eq(bt_log_append_filename(w, 6, "/old", 4), 0);
	g = close_log();
	result(&r, g, nodes, 6, edges, 5);
	d = prov(&r);

	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(d,
		"prefix"), "btrack")), "urn:btrack:");
	ck_assert_int_eq(json_object_size(json_object_get(d, "activity")), 2);
	ck_assert_int_eq(json_object_size(json_object_get(d, "entity")), 4);
	ck_assert_str_eq(str(d, "activity", "btrack:n0", "prov:label"),
			 "bash [100]");
	ck_assert_str_eq(str(d, "activity", "btrack:n1", "prov:startTime"),
			 "2023-11-14T22:13:21.000000000Z");
	ck_assert_str_eq(str(d, "entity", "btrack:n3", "btrack:address"),
			 "203.0.113.9:4444");
	x = json_object_get(json_object_get(json_object_get(d, "entity"),
					    "btrack:n3"), "prov:type");
	ck_assert_str_eq(json_string_value(json_object_get(x, "$")),
			 "btrack:endpoint");
	ck_assert_str_eq(json_string_value(json_object_get(x, "type")),
			 "prov:QUALIFIED_NAME");
	/* Agents: uid 1000 (both), and 0 (the second became root). */
	ck_assert_int_eq(json_object_size(json_object_get(d, "agent")), 2);
	ck_assert_int_eq(json_object_size(json_object_get(d,
		"wasAssociatedWith")), 3);
	/* One relation per edge, by type. */
	ck_assert_str_eq(str(d, "wasInformedBy", "btrack:e0", "prov:informed"),
			 "btrack:n1");
	ck_assert_str_eq(str(d, "wasInformedBy", "btrack:e0",
			     "prov:informant"), "btrack:n0");
	ck_assert_str_eq(str(d, "used", "btrack:e1", "prov:activity"),
			 "btrack:n1");
	ck_assert_str_eq(str(d, "used", "btrack:e1", "prov:entity"),
			 "btrack:n2");
	ck_assert_str_eq(str(d, "used", "btrack:e2", "btrack:op"), "recv");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
		json_object_get(d, "used"), "btrack:e2"), "btrack:count")), 2);
	ck_assert_str_eq(str(d, "used", "btrack:e2", "prov:time"),
			 "2023-11-14T22:13:23.000000000Z");
	ck_assert_str_eq(str(d, "wasGeneratedBy", "btrack:e3", "prov:entity"),
			 "btrack:n4");
	ck_assert_str_eq(str(d, "wasInvalidatedBy", "btrack:e4",
			     "prov:entity"), "btrack:n5");
	ck_assert_ptr_null(json_object_get(d, "wasDerivedFrom"));
	json_decref(d);
	bt_graph_free(g);
}
END_TEST

/*
 * Process 1 renames /a to /b (two events at one instant), links /b as /c
 * (a lookup of /b and the link at one instant); at a third instant three
 * renames, which cannot be paired.
 */
START_TEST(test_derivations)
{
	struct bt_node nodes[6] = {
		{ .obj = 1, .kind = BT_OBJ_PROCESS,
		  .flags = BT_NODE_DETECTION },
		{ .obj = 2, .kind = BT_OBJ_FILENAME, .depth = 1 },
		{ .obj = 3, .kind = BT_OBJ_FILENAME, .depth = 1 },
		{ .obj = 4, .kind = BT_OBJ_FILENAME, .depth = 1 },
		{ .obj = 5, .kind = BT_OBJ_FILENAME, .depth = 1 },
		{ .obj = 6, .kind = BT_OBJ_FILENAME, .depth = 1 },
	};
	struct bt_edge edges[7] = {
		{ 0, 1, BT_OP_RENAME, 1, T0 + SEC, T0 + SEC },
		{ 0, 2, BT_OP_RENAME, 1, T0 + SEC, T0 + SEC },
		{ 2, 0, BT_OP_LOOKUP, 1, T0 + 2 * SEC, T0 + 2 * SEC },
		{ 0, 3, BT_OP_LINK, 1, T0 + 2 * SEC, T0 + 2 * SEC },
		{ 0, 4, BT_OP_RENAME, 1, T0 + 3 * SEC, T0 + 3 * SEC },
		{ 0, 5, BT_OP_RENAME, 2, T0 + 3 * SEC, T0 + 3 * SEC },
	};
	struct bt_result r;
	struct bt_graph *g;
	json_t *d, *der;

	open_log();
	ck_assert_int_eq(bt_log_append_process(w, 1, 100, T0, 1, 0), 0);
	ck_assert_int_eq(bt_log_append_filename(w, 2, "/a", 2), 0);
	ck_assert_int_eq(bt_log_append_filename(w, 3, "/b", 2), 0);
	ck_assert_int_eq(bt_log_append_filename(w, 4, "/c", 2), 0);
	ck_assert_int_eq(bt_log_append_filename(w, 5, "/x", 2), 0);
	ck_assert_int_eq(bt_log_append_filename(w, 6, "/y", 2), 0);
	ev(BT_OP_RENAME, T0 + SEC, 1, 2);
	ev(BT_OP_RENAME, T0 + SEC, 1, 3);
	ev(BT_OP_LOOKUP, T0 + 2 * SEC, 3, 1);
	ev(BT_OP_LINK, T0 + 2 * SEC, 1, 4);
	ev(BT_OP_RENAME, T0 + 3 * SEC, 1, 5);
	ev(BT_OP_RENAME, T0 + 3 * SEC, 1, 6);
	ev(BT_OP_RENAME, T0 + 3 * SEC, 1, 6);
	g = close_log();
	result(&r, g, nodes, 6, edges, 6);
	d = prov(&r);
	der = json_object_get(d, "wasDerivedFrom");
	ck_assert_int_eq(json_object_size(der), 2);
	ck_assert_str_eq(str(d, "wasDerivedFrom", "btrack:d0",
			     "prov:generatedEntity"), "btrack:n2");
	ck_assert_str_eq(str(d, "wasDerivedFrom", "btrack:d0",
			     "prov:usedEntity"), "btrack:n1");
	ck_assert_str_eq(str(d, "wasDerivedFrom", "btrack:d0",
			     "prov:activity"), "btrack:n0");
	ck_assert_str_eq(str(d, "wasDerivedFrom", "btrack:d0", "btrack:op"),
			 "rename");
	ck_assert_str_eq(str(d, "wasDerivedFrom", "btrack:d1",
			     "prov:generatedEntity"), "btrack:n3");
	ck_assert_str_eq(str(d, "wasDerivedFrom", "btrack:d1",
			     "prov:usedEntity"), "btrack:n2");
	ck_assert_str_eq(str(d, "wasDerivedFrom", "btrack:d1", "btrack:op"),
			 "link");
	/* Relations: 5 wasGeneratedBy (renames, the link), 1 used. */
	ck_assert_int_eq(json_object_size(json_object_get(d,
		"wasGeneratedBy")), 5);
	ck_assert_int_eq(json_object_size(json_object_get(d, "used")), 1);
	json_decref(d);
	bt_graph_free(g);
}
END_TEST

/* Names that are not UTF-8 or hold control characters: valid JSON, shown
 * by the rule. */
START_TEST(test_hostile)
{
	static const char name[] = "/tmp/a\nb\xff\xc3\"\\<script>";
	struct bt_node nodes[2] = {
		{ .obj = 2, .kind = BT_OBJ_FILE, .flags = BT_NODE_DETECTION },
		{ .obj = 1, .kind = BT_OBJ_PROCESS, .depth = 1 },
	};
	struct bt_edge edges[1] = {
		{ 1, 0, BT_OP_WRITE, 1, T0 + SEC, T0 + SEC },
	};
	struct bt_result r;
	struct bt_graph *g;
	json_t *d;
	char label[256];

	open_log();
	ck_assert_int_eq(bt_log_append_process(w, 1, 100, T0, 1, 0), 0);
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_ARGV, T0, name,
					     sizeof(name)), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 8, 42), 0);
	ck_assert_int_eq(bt_log_append_label(w, 2, BT_LABEL_PATH, T0, name,
					     sizeof(name) - 1), 0);
	ev(BT_OP_WRITE, T0 + SEC, 1, 2);
	g = close_log();
	result(&r, g, nodes, 2, edges, 1);
	d = prov(&r);
	bt_node_label(&r, 0, label, sizeof(label));
	ck_assert_str_eq(str(d, "entity", "btrack:n0", "prov:label"), label);
	ck_assert_str_eq(label, "/tmp/a\\x0ab\\xff\\xc3\"\\\\<script>");
	ck_assert_str_eq(str(d, "entity", "btrack:n0", "btrack:path"), label);
	ck_assert_str_eq(str(d, "activity", "btrack:n1", "btrack:cmdline"),
			 label);
	json_decref(d);
	bt_graph_free(g);
}
END_TEST

static Suite *prov_suite(void)
{
	Suite *s = suite_create("prov");
	TCase *tc;

#define TC(name, fn) do { tc = tcase_create(name); \
		tcase_add_test(tc, fn); suite_add_tcase(s, tc); } while (0)
	TC("mapping", test_mapping);
	TC("derivations", test_derivations);
	TC("hostile names", test_hostile);
#undef TC
	return s;
}

int main(void)
{
	return tu_run(prov_suite());
}
