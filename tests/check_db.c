/*
 * check_db.c - the sqlite case database (core/db.c): adding a log is
 * idempotent, logs merge objects by identity, the schema has the columns
 * man/btrack-db.5 documents, a walk over the database gives the same result
 * (JSON) as over the log, saved investigations round-trip, and files that
 * are not case databases, damaged databases and corrupt logs give clear
 * errors.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../capture/gen.h"
#include "../core/db.h"
#include "../core/ingest.h"
#include "../core/raw.h"
#include "../graph/channel.h"
#include "../graph/dbgraph.h"
#include "../core/error.h"
#include "../core/log.h"
#include "../core/timefmt.h"
#include "../core/util.h"
#include "../graph/walk.h"
#include "../graph/export.h"
#include "../graph/query.h"
#include "testutil.h"

#define L(ss, rest) "{\"time\":\"2026-11-21T10:00:" ss "Z\"," rest "}\n"

/* T0 p1 creates p2; T1 p2 writes B; T2 p2 writes C; T3 p1 reads A;
 * T4 p1 creates p3; T5 p3 reads B; T6 p3 writes X; T7 p3 reads C;
 * T8 p1 creates p4; T9 p4 writes D. */
static const char sarmoria[] =
	L("00", "\"op\":\"fork\",\"pid\":1,\"child\":2")
	L("01", "\"op\":\"write\",\"pid\":2,\"path\":\"/B\"")
	L("02", "\"op\":\"write\",\"pid\":2,\"path\":\"/C\"")
	L("03", "\"op\":\"read\",\"pid\":1,\"path\":\"/A\"")
	L("04", "\"op\":\"fork\",\"pid\":1,\"child\":3")
	L("05", "\"op\":\"read\",\"pid\":3,\"path\":\"/B\"")
	L("06", "\"op\":\"write\",\"pid\":3,\"path\":\"/X\"")
	L("07", "\"op\":\"read\",\"pid\":3,\"path\":\"/C\"")
	L("08", "\"op\":\"fork\",\"pid\":1,\"child\":4")
	L("09", "\"op\":\"write\",\"pid\":4,\"path\":\"/D\"");

static uint64_t T(int k)
{
	uint64_t t;

	ck_assert_int_eq(bt_time_parse(&t, "2026-11-21T10:00:00Z"), 0);
	return t + (uint64_t)k * 1000000000u;
}

static const char *import(const char *name, const char *jsonl)
{
	const char *p = tu_path(name);
	int r = tu_log_from_jsonl(p, jsonl);

	ck_assert_msg(r == 0, "import: %s", bt_error_msg());
	return p;
}

static struct bt_db *open_new(const char *name)
{
	struct bt_db *db = NULL;
	int r;

	unlink(tu_path(name));
	r = bt_db_open(&db, tu_path(name), BT_DB_CREATE);
	ck_assert_msg(r == 0, "open: %s", bt_error_msg());
	return db;
}

static void add(struct bt_db *db, const char *log, const char *host,
		struct bt_db_add_stats *st)
{
	int r = bt_db_add(db, log, host, NULL, NULL, st);

	ck_assert_msg(r == 0, "add %s: %s", log, bt_error_msg());
}

static int64_t q(struct bt_db *db, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(bt_db_sqlite(db), sql, -1, &s,
					    NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* The JSON of a walk from `spec`, malloc'd. */
static char *walk_json(const struct bt_graph *g, const char *spec,
		       enum bt_dir dir, const struct bt_walk_opts *o)
{
	struct bt_result *res = NULL;
	uint64_t t;
	uint32_t start;
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int r;

	r = bt_spec_resolve(&start, &t, g, spec);
	ck_assert_msg(r == 0, "resolve %s: %s", spec, bt_error_msg());
	r = dir == BT_BACKWARD ? bt_backtrack(&res, g, start, o) :
	    bt_forward(&res, g, start, o);
	ck_assert_msg(r == 0, "walk: %s", bt_error_msg());
	m = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(bt_export(res, BT_FMT_JSON, m), 0);
	fclose(m);
	bt_result_free(res);
	return buf;
}

static struct bt_graph *db_graph(struct bt_db *db)
{
	struct bt_graph *g = NULL;
	int r = bt_db_graph(&g, db, NULL, NULL);

	ck_assert_msg(r == 0, "db graph: %s", bt_error_msg());
	return g;
}

static struct bt_graph *log_graph(const char *path)
{
	struct bt_graph *g = NULL;
	int r = bt_graph_load(&g, path, NULL, NULL);

	ck_assert_msg(r == 0, "load: %s", bt_error_msg());
	return g;
}

/* ---- add ---------------------------------------------------------------- */

START_TEST(add_idempotent)
{
	const char *log = import("s.btl", sarmoria);
	struct bt_db *db = open_new("a.db");
	struct bt_db_add_stats st1, st2;
	int64_t ev, obj, lab;

	add(db, log, "h1", &st1);
	ck_assert(!st1.already);
	ck_assert_uint_eq(st1.events, 10);
	ck_assert_uint_eq(st1.objects, 9);      /* p1..p4, A B C D X */
	ck_assert_uint_eq(st1.new_objects, 9);
	ck_assert_uint_eq(st1.first_time, T(0));
	ck_assert_uint_eq(st1.last_time, T(9));
	ev = q(db, "SELECT count(*) FROM events");
	obj = q(db, "SELECT count(*) FROM objects");
	lab = q(db, "SELECT count(*) FROM labels");
	ck_assert_int_eq(ev, 10);
	ck_assert_int_eq(obj, 9);

	add(db, log, "h1", &st2);
	ck_assert(st2.already);
	ck_assert_int_eq(st2.log, st1.log);
	ck_assert_str_eq(st2.hash, st1.hash);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM events"), ev);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM objects"), obj);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM labels"), lab);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM logs"), 1);
	/* The same log under another host is still the same log. */
	add(db, log, "h2", &st2);
	ck_assert(st2.already);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM events"), ev);
	bt_db_close(db);

	/* And after closing and reopening. */
	ck_assert_int_eq(bt_db_open(&db, tu_path("a.db"), 0), 0);
	add(db, log, "h1", &st2);
	ck_assert(st2.already);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM events"), ev);
	ck_assert_int_eq(q(db, "SELECT events FROM logs"), 10);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM hosts"), 1);
	bt_db_close(db);
}
END_TEST

/* A recording that went on after it was added: only its new records go
 * in, into the same log; then it is the same log again. */
START_TEST(grown_log_adds_the_rest)
{
	const char *log = tu_path("grow.btl");
	struct bt_log_writer *w;
	struct bt_db *db = open_new("grow.db");
	struct bt_db_add_stats st;
	struct bt_graph *gl, *gd;
	struct bt_walk_opts o;
	char *a, *b;

	ck_assert_int_eq(bt_log_writer_open(&w, log, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	ck_assert_int_eq(bt_log_append_process(w, 1, 1, T(0), 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 8, 1), 0);
	ck_assert_int_eq(bt_log_append_label(w, 2, BT_LABEL_PATH, T(0), "/in",
					     3), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0, 1, T(1), 2, 1),
			 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	add(db, log, "rec", &st);
	ck_assert_uint_eq(st.events, 1);

	ck_assert_int_eq(bt_log_writer_open(&w, log, BT_LOGW_APPEND), 0);
	ck_assert_int_eq(bt_log_append_file(w, 3, 0, 8, 2), 0);
	ck_assert_int_eq(bt_log_append_label(w, 3, BT_LABEL_PATH, T(2), "/out",
					     4), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 1, T(2), 1,
					     3), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 1, T(3), 1,
					     3), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	/* Even under another --host: it is the same recording. */
	add(db, log, "other", &st);
	ck_assert(st.extended);
	ck_assert(!st.already);
	ck_assert_uint_eq(st.events, 2);
	ck_assert_uint_eq(st.new_objects, 1);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM logs"), 1);
	ck_assert_int_eq(q(db, "SELECT events FROM logs"), 3);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM events"), 3);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM objects"), 3);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM hosts"), 1);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM labels"), 2);
	add(db, log, "rec", &st);
	ck_assert(st.already);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM events"), 3);

	gl = log_graph(log);
	gd = db_graph(db);
	bt_walk_opts_init(&o);
	a = walk_json(gl, "file:/out", BT_BACKWARD, &o);
	b = walk_json(gd, "file:/out", BT_BACKWARD, &o);
	ck_assert_str_eq(b, a);
	ck_assert_ptr_nonnull(strstr(a, "\"/in\""));
	free(a);
	free(b);
	bt_graph_free(gl);
	bt_graph_free(gd);
	bt_db_close(db);
}
END_TEST

/* Two logs written by hand, so that processes keep their start time:
 * log 1: p1 forks p2 (T0), p2 writes /B (T1);
 * log 2: p1 forks p3 (T4), p3 reads /B (T5), p3 writes /X (T6), with /B
 * numbered differently (an importer's synthetic inode). */
static const char *two_logs(const char **second)
{
	struct bt_log_writer *w;
	const char *p1 = tu_path("m1.btl"), *p2 = tu_path("m2.btl");

	ck_assert_int_eq(bt_log_writer_open(&w, p1, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	ck_assert_int_eq(bt_log_append_process(w, 1, 1, T(0), 0, 0), 0);
	ck_assert_int_eq(bt_log_append_process(w, 2, 2, T(0), 1, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 3, BT_FILEF_SYNTH, 0, 1), 0);
	ck_assert_int_eq(bt_log_append_label(w, 3, BT_LABEL_PATH, T(1), "/B",
					     2), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_FORK, 0, 0, T(0), 1, 2),
			 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 5, T(1), 2,
					     3), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);

	ck_assert_int_eq(bt_log_writer_open(&w, p2, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	ck_assert_int_eq(bt_log_append_file(w, 1, 0, 8, 100), 0);  /* /X */
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_PATH, T(6), "/X",
					     2), 0);
	ck_assert_int_eq(bt_log_append_process(w, 2, 3, T(4), 1, 0), 0);
	ck_assert_int_eq(bt_log_append_process(w, 3, 1, T(0), 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 4, BT_FILEF_SYNTH, 0, 9), 0);
	ck_assert_int_eq(bt_log_append_label(w, 4, BT_LABEL_PATH, T(5), "/B",
					     2), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_FORK, 0, 0, T(4), 3, 2),
			 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0, 5, T(5), 4, 2),
			 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 5, T(6), 2,
					     1), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	*second = p2;
	return p1;
}

START_TEST(two_logs_merge)
{
	const char *l2, *l1 = two_logs(&l2);
	struct bt_db *db = open_new("m.db");
	struct bt_db_add_stats st;
	struct bt_graph *g;
	char *json;

	add(db, l1, "web", &st);
	ck_assert_uint_eq(st.new_objects, 3);
	add(db, l2, "web", &st);
	ck_assert_uint_eq(st.objects, 4);
	ck_assert_uint_eq(st.new_objects, 2);   /* /X and p3; p1, /B merged */
	ck_assert_int_eq(q(db, "SELECT count(*) FROM objects"), 5);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM objects WHERE kind ="
			   " 'process' AND pid = 1"), 1);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM objects WHERE kind ="
			   " 'file' AND path = '/B'"), 1);
	ck_assert_int_eq(q(db, "SELECT count(DISTINCT log) FROM events"), 2);
	/* Events of both logs meet at the merged objects. */
	ck_assert_int_eq(q(db, "SELECT count(*) FROM events e JOIN objects o"
			   " ON o.id = e.cause WHERE o.path = '/B'"), 1);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM events e JOIN objects o"
			   " ON o.id = e.effect WHERE o.path = '/B'"), 1);

	/* The walk crosses from log 2 into log 1. */
	g = db_graph(db);
	json = walk_json(g, "file:/X", BT_BACKWARD, &(struct bt_walk_opts){
			 .gran = BT_GRAN_PAGE, .until = BT_TIME_NONE });
	ck_assert_ptr_nonnull(strstr(json, "\"process [2]\""));
	ck_assert_ptr_nonnull(strstr(json, "\"process [1]\""));
	ck_assert_ptr_nonnull(strstr(json, "\"/B\""));
	free(json);
	bt_graph_free(g);

	/* Another host's objects are not merged with these. */
	{
		const char *l3 = import("other.btl",
			L("00", "\"op\":\"write\",\"pid\":1,\"path\":\"/B\""));

		add(db, l3, "db1", &st);
		ck_assert_uint_eq(st.new_objects, st.objects);
		ck_assert_int_eq(q(db, "SELECT count(*) FROM objects WHERE"
				   " kind = 'file' AND path = '/B'"), 2);
		ck_assert_int_eq(q(db, "SELECT count(*) FROM hosts"), 2);
	}

	/* One host's graph: its objects and the events between them. */
	ck_assert_int_eq(bt_db_graph_host(&g, db, "web", NULL, NULL), 0);
	ck_assert_uint_eq(bt_graph_nobjects(g), 5);
	ck_assert_uint_eq(bt_graph_nevents(g), 5);
	json = walk_json(g, "file:/X", BT_BACKWARD, &(struct bt_walk_opts){
			 .gran = BT_GRAN_PAGE, .until = BT_TIME_NONE });
	ck_assert_ptr_nonnull(strstr(json, "\"process [2]\""));
	free(json);
	bt_graph_free(g);
	ck_assert_int_eq(bt_db_graph_host(&g, db, "db1", NULL, NULL), 0);
	ck_assert_uint_eq(bt_graph_nobjects(g), 2);
	ck_assert_uint_eq(bt_graph_nevents(g), 1);
	bt_graph_free(g);
	ck_assert_int_eq(bt_db_graph_host(&g, db, "nope", NULL, NULL),
			 BT_ENOTFOUND);
	ck_assert_ptr_null(g);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "'nope'"));
	bt_db_close(db);
}
END_TEST

/* A log at `name` where process pid (its file name exe) moves data
 * through pty 0's "in" channel, generation 1 on devpts 25: it writes it
 * (`write`), or reads it and writes OUT. */
static const char *pty_log(const char *name, uint32_t pid, bool write,
			   const char *out)
{
	const char *p = tu_path(name);
	struct bt_log_writer *w = NULL;
	struct bt_ingest *ing = NULL;
	struct bt_obs o;
	int r;

	r = bt_log_writer_open(&w, p, BT_LOGW_CREATE | BT_LOGW_TRUNC);
	ck_assert_msg(r == 0, "open: %s", bt_error_msg());
	ck_assert_int_eq(bt_ingest_new(&ing, w), 0);
	bt_obs_init(&o);
	o.op = write ? BT_RAW_WRITE : BT_RAW_READ;
	o.time = T(write ? 1 : 2);
	o.pid = pid;
	o.has_ino = o.via_fd = true;
	o.dev = 25;
	o.ino = BT_PTY_INO(1, 0, BT_PTY_IN);
	o.file_flags = BT_FILEF_PIPE;
	o.path = "pty:[0.in]";
	o.bytes = 5;
	r = bt_ingest_add(ing, &o);
	ck_assert_msg(r == 0, "ingest: %s", bt_error_msg());
	if (out) {
		bt_obs_init(&o);
		o.op = BT_RAW_WRITE;
		o.time = T(3);
		o.pid = pid;
		o.path = out;
		o.bytes = 5;
		ck_assert_int_eq(bt_ingest_add(ing, &o), 0);
	}
	bt_ingest_free(ing);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	return p;
}

/* A pty's generation is a source's count (core/raw.h BT_PTY_INO): two
 * logs of one host that both saw "pty 0, generation 1" saw two sessions,
 * not one, so the database keeps them apart (as it keeps a log's
 * synthetic inodes), and a walk never crosses from one to the other. */
START_TEST(pty_generations_per_log)
{
	const char *l1 = pty_log("pty1.btl", 10, true, NULL);
	const char *l2 = pty_log("pty2.btl", 20, false, "/out");
	struct bt_db *db = open_new("pty.db");
	struct bt_db_add_stats st;
	struct bt_graph *g;
	char *json;

	add(db, l1, "web", &st);
	add(db, l2, "web", &st);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM objects WHERE kind ="
			   " 'file' AND dev = 25"), 2);
	g = db_graph(db);
	json = walk_json(g, "file:/out", BT_BACKWARD, &(struct bt_walk_opts){
			 .gran = BT_GRAN_PAGE, .until = BT_TIME_NONE });
	ck_assert_ptr_nonnull(strstr(json, "\"process [20]\""));
	ck_assert_msg(!strstr(json, "\"process [10]\""), "%s", json);
	/* JSON names the direction, not the synthetic inode (past the
	 * range of a JSON integer) */
	ck_assert_msg(strstr(json, "\"direction\"") &&
		      strstr(json, "\"in\"") && strstr(json, "\"pty\"") &&
		      !strstr(json, "-92233"), "%s", json);
	free(json);
	bt_graph_free(g);
	/* within one log the channel is one object: added again, nothing
	 * new */
	add(db, l2, "web", &st);
	ck_assert_uint_eq(st.new_objects, 0);
	bt_db_close(db);
}
END_TEST

/* ---- schema ------------------------------------------------------------- */

/* The columns man/btrack-db.5 documents, in order. */
static const struct {
	const char *table;
	const char *cols;
} documented[] = {
	{ "logs", "id hash path host size events objects first_time last_time "
		  "flags created added_at" },
	{ "hosts", "name added_at" },
	{ "objects", "id kind host ident log pid start ppid uid dev ino flags "
		     "path file page process prot first_page pages" },
	{ "events", "id log time op flags aux cause effect" },
	{ "ops", "op name cause effect" },
	{ "labels", "id log object key time value" },
	{ "notes", "id log key time text" },
	{ "investigations", "name direction spec options created nodes edges "
			    "result" },
	{ "event_view", "id log time op cause effect aux flags" },
};

START_TEST(schema_as_documented)
{
	struct bt_db *db = open_new("s.db");
	char sql[128], got[512];
	sqlite3_stmt *s;
	size_t i;

	for (i = 0; i < sizeof(documented) / sizeof(documented[0]); i++) {
		snprintf(sql, sizeof(sql), "PRAGMA table_info(%s)",
			 documented[i].table);
		ck_assert_int_eq(sqlite3_prepare_v2(bt_db_sqlite(db), sql, -1,
						    &s, NULL), SQLITE_OK);
		got[0] = '\0';
		while (sqlite3_step(s) == SQLITE_ROW) {
			if (got[0])
				strcat(got, " ");
			strcat(got, (const char *)sqlite3_column_text(s, 1));
		}
		sqlite3_finalize(s);
		ck_assert_msg(!strcmp(got, documented[i].cols),
			      "table %s: columns '%s', documented '%s'",
			      documented[i].table, got, documented[i].cols);
	}
	/* Indexes for both walks, the ops table, the ids. */
	ck_assert_int_eq(q(db, "SELECT count(*) FROM sqlite_master WHERE type"
			   " = 'index' AND name IN ('events_effect',"
			   " 'events_cause', 'events_exec', 'events_empty')"), 4);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM ops"), BT_OP_MAX);
	ck_assert_int_eq(q(db, "SELECT op FROM ops WHERE name = 'page_write'"),
			 BT_OP_PAGE_WRITE);
	ck_assert_int_eq(q(db, "PRAGMA application_id"), BT_DB_APPID);
	ck_assert_int_eq(q(db, "PRAGMA user_version"), BT_DB_VERSION);
	bt_db_close(db);

	/* The man page names every table and column listed here. */
	{
		char path[4096];
		size_t len;
		char *page;

		snprintf(path, sizeof(path), "%s/man/btrack-db.5",
			 getenv("BTRACK_TOP") ? getenv("BTRACK_TOP") : ".");
		page = tu_read_file(path, &len);
		if (!page)
			return;  /* run outside the tree */
		for (i = 0; i < sizeof(documented) / sizeof(documented[0]);
		     i++)
			ck_assert_msg(strstr(page, documented[i].table),
				      "btrack-db.5 does not name table %s",
				      documented[i].table);
		free(page);
	}
}
END_TEST

/* ---- walks over the database == walks over the log ----------------------- */

START_TEST(sarmoria_same_as_log)
{
	const char *log = import("s.btl", sarmoria);
	struct bt_db *db = open_new("w.db");
	struct bt_db_add_stats st;
	struct bt_graph *gl, *gd;
	struct bt_walk_opts o;
	struct bt_result *res;
	struct bt_object_info in;
	uint32_t start;
	uint64_t t;
	char *a, *b, names[256] = "";
	const char *specs[] = { "file:/X", "file:/D", "proc:3", "file:/A" };
	size_t i;

	add(db, log, "localhost", &st);
	gl = log_graph(log);
	gd = db_graph(db);
	ck_assert_uint_eq(bt_graph_nevents(gd), bt_graph_nevents(gl));
	ck_assert_uint_eq(bt_graph_nobjects(gd), bt_graph_nobjects(gl));
	bt_walk_opts_init(&o);
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		a = walk_json(gl, specs[i], BT_BACKWARD, &o);
		b = walk_json(gd, specs[i], BT_BACKWARD, &o);
		ck_assert_str_eq(b, a);
		free(a);
		free(b);
		a = walk_json(gl, specs[i], BT_FORWARD, &o);
		b = walk_json(gd, specs[i], BT_FORWARD, &o);
		ck_assert_str_eq(b, a);
		free(a);
		free(b);
	}

	/* From X: exactly X, p3, B, p2, p1, A. */
	ck_assert_int_eq(bt_spec_resolve(&start, &t, gd, "file:/X"), 0);
	ck_assert_int_eq(bt_backtrack(&res, gd, start, &o), 0);
	ck_assert_uint_eq(res->nnodes, 6);
	for (i = 0; i < res->nnodes; i++) {
		ck_assert_int_eq(bt_graph_object(gd, res->nodes[i].obj, &in),
				 0);
		if (in.kind == BT_OBJ_PROCESS)
			snprintf(names + strlen(names),
				 sizeof(names) - strlen(names), "p%u ", in.pid);
		else
			snprintf(names + strlen(names),
				 sizeof(names) - strlen(names), "%s ", in.path);
	}
	/* Nodes by (depth, kind, id): X; p3; p1, B; p2, A. */
	ck_assert_str_eq(names, "/X p3 p1 /B p2 /A ");
	bt_result_free(res);
	bt_graph_free(gl);
	bt_graph_free(gd);
	bt_db_close(db);
}
END_TEST

START_TEST(gen_same_as_log)
{
	const char *log = tu_path("g.btl");
	struct bt_gen_opts go = { .events = 60000, .seed = 7,
				  .start = T(0) };
	struct bt_gen_info gi;
	struct bt_log_writer *w;
	struct bt_db *db = open_new("g.db");
	struct bt_db_add_stats st;
	struct bt_graph *gl, *gd;
	struct bt_walk_opts o;
	char *a, *b, spec[300];
	int gran;

	ck_assert_int_eq(bt_log_writer_open(&w, log, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	ck_assert_int_eq(bt_gen(w, &go, &gi), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	add(db, log, "gen", &st);
	ck_assert_uint_eq(st.events, gi.events);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM events"),
			 (int64_t)gi.events);
	gl = log_graph(log);
	gd = db_graph(db);
	ck_assert_uint_eq(bt_graph_nobjects(gd), bt_graph_nobjects(gl));
	for (gran = BT_GRAN_PAGE; gran <= BT_GRAN_OBJECT; gran++) {
		bt_walk_opts_init(&o);
		o.gran = (enum bt_gran)gran;
		a = walk_json(gl, gi.detection, BT_BACKWARD, &o);
		b = walk_json(gd, gi.detection, BT_BACKWARD, &o);
		ck_assert_msg(!strcmp(a, b), "backtrack %s at %s differs",
			      gi.detection, bt_gran_name(o.gran));
		ck_assert_ptr_nonnull(strstr(a, gi.entry));
		free(a);
		free(b);
	}
	/* Forward from the entry point, with a window and a limit. */
	snprintf(spec, sizeof(spec), "endpoint:%s", gi.entry);
	bt_walk_opts_init(&o);
	o.max_nodes = 500;
	o.until = T(0) + 3600ull * 1000000000u;
	a = walk_json(gl, spec, BT_FORWARD, &o);
	b = walk_json(gd, spec, BT_FORWARD, &o);
	ck_assert_msg(!strcmp(a, b), "forward from %s differs", spec);
	free(a);
	free(b);
	bt_graph_free(gl);
	bt_graph_free(gd);
	bt_db_close(db);
}
END_TEST

/* The query's JSON (filters and ranks included) from `spec` on g. */
static char *query_json(const struct bt_graph *g, const char *spec,
			enum bt_dir dir, enum bt_gran gran)
{
	struct bt_query_result qr;
	struct bt_query q;
	char *out;
	size_t len;

	bt_query_init(&q, dir);
	q.spec = spec;
	q.walk.gran = gran;
	ck_assert_msg(bt_query_run(&qr, g, &q) == 0, "query %s: %s", spec,
		      bt_error_msg());
	ck_assert_int_eq(bt_query_render(&out, &len, &qr, BT_FMT_JSON, NULL),
			 0);
	bt_query_result_release(&qr);
	return out;
}

/* A walk on what its frontiers read (bt_db_graph_walk()) answers as on
 * the log, at every granularity, both ways, filters and ranks included,
 * having read fewer events than the database has. */
START_TEST(frontier_walk_same_as_log)
{
	const char *log = tu_path("f.btl");
	struct bt_gen_opts go = { .events = 40000, .seed = 3,
				  .start = T(0) };
	struct bt_gen_info gi;
	struct bt_log_writer *w;
	struct bt_db *db = open_new("f.db");
	struct bt_db_add_stats st;
	struct bt_db_stats ds;
	struct bt_graph *gl, *gf;
	char *a, *b, spec[300];
	const char *specs[2];
	int gran;

	ck_assert_int_eq(bt_log_writer_open(&w, log, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	ck_assert_int_eq(bt_gen(w, &go, &gi), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	add(db, log, "gen", &st);
	snprintf(spec, sizeof(spec), "endpoint:%s", gi.entry);
	gl = log_graph(log);
	specs[0] = gi.detection;
	ck_assert_int_eq(bt_db_graph_walk(&gf, db, NULL, BT_BACKWARD, specs,
					  1, NULL, NULL), 0);
	bt_db_get_stats(db, &ds);
	ck_assert_uint_gt(ds.frontiers, 1);
	ck_assert_uint_lt(ds.walk_events, gi.events);
	ck_assert_uint_lt(bt_graph_nevents(gf), gi.events);
	for (gran = BT_GRAN_PAGE; gran <= BT_GRAN_OBJECT; gran++) {
		a = query_json(gl, gi.detection, BT_BACKWARD, gran);
		b = query_json(gf, gi.detection, BT_BACKWARD, gran);
		ck_assert_msg(!strcmp(a, b), "backtrack %s at %s differs",
			      gi.detection, bt_gran_name(gran));
		free(a);
		free(b);
	}
	bt_graph_free(gf);
	specs[0] = spec;
	specs[1] = "proc:1";
	ck_assert_int_eq(bt_db_graph_walk(&gf, db, NULL, BT_FORWARD, specs,
					  2, NULL, NULL), 0);
	for (gran = BT_GRAN_PAGE; gran <= BT_GRAN_OBJECT; gran++) {
		a = query_json(gl, spec, BT_FORWARD, gran);
		b = query_json(gf, spec, BT_FORWARD, gran);
		ck_assert_msg(!strcmp(a, b), "forward %s at %s differs", spec,
			      bt_gran_name(gran));
		free(a);
		free(b);
	}
	bt_graph_free(gl);
	bt_graph_free(gf);
	bt_db_close(db);
}
END_TEST

/* The JSON of a walk on what the frontiers read, its stats' deltas. */
static char *lazy_json(struct bt_db *db, const char *host, const char *spec,
		       enum bt_dir dir, enum bt_gran gran,
		       struct bt_db_stats *d)
{
	struct bt_db_stats a, b;
	struct bt_graph *g;
	const char *specs[1] = { spec };
	char *out;
	int r;

	bt_db_get_stats(db, &a);
	r = bt_db_graph_walk(&g, db, host, dir, specs, 1, NULL, NULL);
	ck_assert_msg(r == 0, "walk %s: %s", spec, bt_error_msg());
	bt_db_get_stats(db, &b);
	d->walk_objects = b.walk_objects - a.walk_objects;
	d->walk_labels = b.walk_labels - a.walk_labels;
	out = query_json(g, spec, dir, gran);
	bt_graph_free(g);
	return out;
}

/* A walk reads the objects and labels it needs, not the case's: on a case
 * of two hosts, one of many objects the walk never meets, far fewer than
 * the case has, and the answers of the log (ids included) from a point
 * found through a label (a path) and from one found through a process
 * spec, both ways (--host); on the two hosts, those of the whole
 * database, also when the ids have a gap. */
START_TEST(frontier_reads_what_it_needs)
{
	const char *log = tu_path("n.btl"), *log2 = tu_path("n2.btl");
	struct bt_gen_opts go = { .events = 60000, .seed = 5,
				  .start = T(0) };
	struct bt_gen_info gi, gi2;
	struct bt_log_writer *w;
	struct bt_db *db = open_new("n.db");
	struct bt_db_add_stats st;
	struct bt_db_stats d;
	struct bt_graph *gl, *gd;
	char *a, *b, spec[64], sql[160];
	const char *specs[2];
	int64_t nobj, nlab, gap;
	uint32_t id, pid = 0;
	int i, dir, k;

	ck_assert_int_eq(bt_log_writer_open(&w, log, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	ck_assert_int_eq(bt_gen(w, &go, &gi), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	go.seed = 6;
	go.events = 400000;    /* blocks of the log of unread objects */
	ck_assert_int_eq(bt_log_writer_open(&w, log2, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	ck_assert_int_eq(bt_gen(w, &go, &gi2), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	add(db, log, "gen", &st);
	add(db, log2, "other", &st);
	nobj = q(db, "SELECT count(*) FROM objects");
	nlab = q(db, "SELECT count(*) FROM labels");
	gl = log_graph(log);
	/* a process the walks start from: the last one of the log */
	for (id = 1; id <= bt_graph_nobjects(gl); id++) {
		struct bt_object_info in;

		if (bt_graph_kind(gl, id) == BT_OBJ_PROCESS &&
		    bt_graph_object(gl, id, &in) == 0)
			pid = in.pid;
	}
	ck_assert_uint_gt(pid, 1);
	snprintf(spec, sizeof(spec), "proc:%u", pid);
	specs[0] = gi.detection;
	specs[1] = spec;
	for (i = 0; i < 2; i++) {
		for (dir = 0; dir < 2; dir++) {
			enum bt_dir dr = dir ? BT_FORWARD : BT_BACKWARD;

			a = query_json(gl, specs[i], dr, BT_GRAN_OBJECT);
			b = lazy_json(db, "gen", specs[i], dr,
				      BT_GRAN_OBJECT, &d);
			ck_assert_msg(!strcmp(a, b), "%s %s differs from the "
				      "log", dir ? "forward" : "backtrack",
				      specs[i]);
			ck_assert_msg(d.walk_objects > 0 &&
				      (int64_t)d.walk_objects * 8 < nobj &&
				      (int64_t)d.walk_labels * 4 < nlab,
				      "%s: read %llu objects of %lld, %llu "
				      "labels of %lld", specs[i],
				      (unsigned long long)d.walk_objects,
				      (long long)nobj,
				      (unsigned long long)d.walk_labels,
				      (long long)nlab);
			free(a);
			free(b);
		}
	}
	/* a file of the other host no page or region names: taken out
	 * with its events and labels, as if it had never been */
	gap = q(db, "SELECT min(o.id) FROM objects o WHERE o.host = 'other'"
		" AND o.kind = 'file' AND NOT EXISTS (SELECT 1 FROM objects p"
		" WHERE p.file = o.id)");
	ck_assert_int_gt(gap, 1);
	for (k = 0; k < 2; k++) {
		const char *sp = k ? gi2.detection : spec;

		if (k) {                /* then with a hole in the ids */
			snprintf(sql, sizeof(sql), "DELETE FROM labels WHERE"
				 " object = %lld", (long long)gap);
			q(db, sql);
			snprintf(sql, sizeof(sql), "DELETE FROM events WHERE"
				 " cause = %lld OR effect = %lld",
				 (long long)gap, (long long)gap);
			q(db, sql);
			snprintf(sql, sizeof(sql), "DELETE FROM objects WHERE"
				 " id = %lld", (long long)gap);
			q(db, sql);
			ck_assert_int_eq(q(db, "SELECT count(*) FROM objects")
					 , nobj - 1);
		}
		gd = db_graph(db);
		a = query_json(gd, sp, BT_BACKWARD, BT_GRAN_OBJECT);
		b = lazy_json(db, NULL, sp, BT_BACKWARD, BT_GRAN_OBJECT, &d);
		ck_assert_msg(!strcmp(a, b), "two hosts: %s differs from the"
			      " whole database's", sp);
		free(a);
		free(b);
		bt_graph_free(gd);
	}
	bt_graph_free(gl);
	bt_db_close(db);
}
END_TEST

/* A log where what a frontier reads of each object matters: an entry
 * point read 150 times by one process, then by 80 others, executed after
 * the point (the filters' readers, exec and first events lie past any
 * first 64: its rank, program, depends on them), another read as much
 * but never executed (common: more than 16 readers) and one read 1,150
 * times by one process before the others, a system library
 * everybody reads, and a file the walk reaches twice, the second time
 * later (its writes between the two thresholds are read then), with a
 * write after both. */
static char *busy_jsonl(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int t = 0, i;

#define EV(...) (fprintf(m, "{\"time\":\"2026-11-21T10:%02d:%02dZ\",", \
			 t / 60, t % 60), fprintf(m, __VA_ARGS__), \
		 fputs("}\n", m), t++)
	ck_assert_ptr_nonnull(m);
	for (i = 20; i <= 25; i++)
		EV("\"op\":\"fork\",\"pid\":1,\"child\":%d", i);
	EV("\"op\":\"write\",\"pid\":10,\"path\":\"/tmp/shared\"");
	for (i = 0; i < 150; i++) {
		EV("\"op\":\"read\",\"pid\":20,\"path\":\"/tmp/payload\"");
		EV("\"op\":\"read\",\"pid\":20,\"path\":\"/tmp/common\"");
		EV("\"op\":\"read\",\"pid\":20,\"path\":\"/tmp/often\"");
	}
	/* past the first 1024 events (core/db.c, BT_DB_DEEP) */
	for (i = 0; i < 1000; i++)
		EV("\"op\":\"read\",\"pid\":20,\"path\":\"/tmp/often\"");
	for (i = 100; i < 180; i++) {
		EV("\"op\":\"read\",\"pid\":%d,\"path\":\"/tmp/payload\"", i);
		EV("\"op\":\"read\",\"pid\":%d,\"path\":\"/tmp/common\"", i);
		EV("\"op\":\"read\",\"pid\":%d,\"path\":\"/tmp/often\"", i);
		EV("\"op\":\"read\",\"pid\":%d,\"path\":"
		   "\"/usr/lib/x86_64-linux-gnu/libc.so.6\"", i);
	}
	EV("\"op\":\"read\",\"pid\":21,\"path\":"
	   "\"/usr/lib/x86_64-linux-gnu/libc.so.6\"");
	EV("\"op\":\"read\",\"pid\":21,\"path\":\"/tmp/payload\"");
	EV("\"op\":\"read\",\"pid\":21,\"path\":\"/tmp/common\"");
	EV("\"op\":\"read\",\"pid\":21,\"path\":\"/tmp/often\"");
	EV("\"op\":\"read\",\"pid\":21,\"path\":\"/tmp/shared\"");
	EV("\"op\":\"write\",\"pid\":24,\"path\":\"/tmp/shared\"");
	EV("\"op\":\"write\",\"pid\":21,\"path\":\"/tmp/out\"");
	EV("\"op\":\"read\",\"pid\":23,\"path\":\"/tmp/shared\"");
	EV("\"op\":\"write\",\"pid\":23,\"path\":\"/tmp/y\"");
	EV("\"op\":\"read\",\"pid\":22,\"path\":\"/tmp/y\"");
	EV("\"op\":\"write\",\"pid\":22,\"path\":\"/tmp/out\"");
	EV("\"op\":\"exec\",\"pid\":30,\"path\":\"/tmp/payload\"");
	EV("\"op\":\"write\",\"pid\":25,\"path\":\"/tmp/shared\"");
#undef EV
	fclose(m);
	return buf;
}

/* The walk on what its frontiers read answers as on the log however busy
 * the objects it meets (busy_jsonl()); reading both sides whole (the HTML
 * report) answers the same from more events. */
START_TEST(frontier_busy_objects_same_as_log)
{
	char *jl = busy_jsonl();
	const char *log = import("busy.btl", jl);
	struct bt_db *db = open_new("busy.db");
	struct bt_db_add_stats st;
	struct bt_graph *gl, *gf, *gw;
	const char *specs[] = { "file:/tmp/out", "file:/tmp/shared",
				"proc:10", "proc:20" };
	size_t i;
	int gran;

	add(db, log, "h", &st);
	gl = log_graph(log);
	for (i = 0; i < BT_ARRAY_SIZE(specs); i++) {
		enum bt_dir dir = i < 2 ? BT_BACKWARD : BT_FORWARD;

		ck_assert_int_eq(bt_db_graph_walk(&gf, db, NULL, dir,
						  &specs[i], 1, NULL, NULL),
				 0);
		ck_assert_int_eq(bt_db_graph_walk_whole(&gw, db, NULL, dir,
							&specs[i], 1, true,
							NULL, NULL), 0);
		ck_assert_uint_lt(bt_graph_nevents(gf), bt_graph_nevents(gw));
		for (gran = BT_GRAN_PAGE; gran <= BT_GRAN_OBJECT; gran++) {
			char *a = query_json(gl, specs[i], dir, gran);
			char *b = query_json(gf, specs[i], dir, gran);
			char *c = query_json(gw, specs[i], dir, gran);

			ck_assert_msg(!strcmp(a, b), "%s at %s differs",
				      specs[i], bt_gran_name(gran));
			ck_assert_msg(!strcmp(a, c), "%s at %s differs "
				      "(whole)", specs[i],
				      bt_gran_name(gran));
			free(a);
			free(b);
			free(c);
		}
		bt_graph_free(gf);
		bt_graph_free(gw);
	}
	/* the walk from /tmp/out met /tmp/shared twice: pid 24's write,
	 * between the two times, is in the result; pid 25's, after, not */
	{
		char *a;

		ck_assert_int_eq(bt_db_graph_walk(&gf, db, NULL, BT_BACKWARD,
						  specs, 1, NULL, NULL), 0);
		a = query_json(gf, specs[0], BT_BACKWARD, BT_GRAN_OBJECT);
		ck_assert_ptr_nonnull(strstr(a, "\"process [24]\""));
		ck_assert_ptr_null(strstr(a, "\"process [25]\""));
		free(a);
		bt_graph_free(gf);
	}
	bt_graph_free(gl);
	bt_db_close(db);
	free(jl);
}
END_TEST

/* p1 reads /in 150 times, writes /log 100 times (more than the first
 * events of a side a frontier reads); p2 copies /log, p3 empties it
 * (truncate to 0), p4 writes it 100 times, p5 copies it to /out, in 150
 * writes. */
static char *emptied_jsonl(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int t = 0, i;

#define EV(...) (fprintf(m, "{\"time\":\"2026-11-21T10:%02d:%02dZ\",", \
			 t / 60, t % 60), fprintf(m, __VA_ARGS__), \
		 fputs("}\n", m), t++)
	ck_assert_ptr_nonnull(m);
	for (i = 0; i < 150; i++)
		EV("\"op\":\"read\",\"pid\":1,\"path\":\"/in\"");
	for (i = 0; i < 100; i++)
		EV("\"op\":\"write\",\"pid\":1,\"path\":\"/log\"");
	EV("\"op\":\"read\",\"pid\":2,\"path\":\"/log\"");
	EV("\"op\":\"write\",\"pid\":2,\"path\":\"/log.1\"");
	EV("\"op\":\"truncate\",\"pid\":3,\"path\":\"/log\",\"length\":0");
	for (i = 0; i < 100; i++)
		EV("\"op\":\"write\",\"pid\":4,\"path\":\"/log\"");
	EV("\"op\":\"read\",\"pid\":5,\"path\":\"/log\"");
	for (i = 0; i < 150; i++)
		EV("\"op\":\"write\",\"pid\":5,\"path\":\"/out\"");
#undef EV
	fclose(m);
	return buf;
}

/* A walk on what its frontiers read stops at an emptying (K2) as the
 * log's walk does: the same JSON both ways at every granularity; p1 is
 * no cause of /out, and forward from p1 /out is not reached (the
 * emptying is the 102nd event into /log: past what a frontier reads of a
 * file's other side).  The closure stops at the emptying too: backward
 * from /out the database reads none of p1's reads, forward from p1 none
 * of p5's writes. */
START_TEST(frontier_emptying_same_as_log)
{
	char *jl = emptied_jsonl();
	const char *log = import("empty.btl", jl);
	struct bt_db *db = open_new("empty.db");
	struct bt_db_add_stats st;
	struct bt_graph *gl, *gf;
	const char *specs[] = { "file:/out", "file:/log", "file:/log.1",
				"proc:1", "proc:4" };
	size_t i;
	int gran;

	add(db, log, "h", &st);
	gl = log_graph(log);
	for (i = 0; i < BT_ARRAY_SIZE(specs); i++) {
		enum bt_dir dir = i < 3 ? BT_BACKWARD : BT_FORWARD;
		struct bt_db_stats s0, s1;

		bt_db_get_stats(db, &s0);
		ck_assert_int_eq(bt_db_graph_walk(&gf, db, NULL, dir,
						  &specs[i], 1, NULL, NULL),
				 0);
		bt_db_get_stats(db, &s1);
		if (i == 0 || i == 3)
			ck_assert_uint_le(s1.walk_events - s0.walk_events,
					  st.events - 150);
		for (gran = BT_GRAN_PAGE; gran <= BT_GRAN_OBJECT; gran++) {
			char *a = query_json(gl, specs[i], dir, gran);
			char *b = query_json(gf, specs[i], dir, gran);

			ck_assert_msg(!strcmp(a, b), "%s at %s differs",
				      specs[i], bt_gran_name(gran));
			if (i == 0) {
				ck_assert_ptr_nonnull(strstr(b,
					"\"process [4]\""));
				ck_assert_ptr_null(strstr(b,
					"\"process [1]\""));
			}
			if (i == 3) {
				ck_assert_ptr_nonnull(strstr(b, "\"/log.1\""));
				ck_assert_ptr_null(strstr(b, "\"/out\""));
			}
			free(a);
			free(b);
		}
		bt_graph_free(gf);
	}
	bt_graph_free(gl);
	bt_db_close(db);
	free(jl);
}
END_TEST

/* ---- connections between hosts ---------------------------------------- */

#define H(mmss, rest) "{\"time\":\"2026-11-21T10:" mmss "Z\"," rest "}\n"
#define CONN(pid, local, remote) "\"pid\":" #pid ",\"local\":\"" local \
	"\",\"remote\":\"" remote "\""

/* web: two clients of db's server at once (ports 40001, 40002), port
 * 40001 used again two minutes later, and a client whose peer is not in
 * the case; db: the server's ends, each writing what it got. */
static const char web_log[] =
	H("00:00", "\"op\":\"read\",\"pid\":10,\"path\":\"/w/a\"")
	H("00:01", "\"op\":\"read\",\"pid\":11,\"path\":\"/w/b\"")
	H("00:02", "\"op\":\"connect\"," CONN(10, "10.0.0.1:40001",
					     "10.0.0.2:5432"))
	H("00:02", "\"op\":\"connect\"," CONN(11, "10.0.0.1:40002",
					     "10.0.0.2:5432"))
	H("00:03", "\"op\":\"send\"," CONN(10, "10.0.0.1:40001",
					  "10.0.0.2:5432"))
	H("00:03", "\"op\":\"send\"," CONN(11, "10.0.0.1:40002",
					  "10.0.0.2:5432"))
	H("00:04", "\"op\":\"read\",\"pid\":13,\"path\":\"/w/d\"")
	H("00:05", "\"op\":\"connect\"," CONN(13, "10.0.0.1:40003",
					     "198.51.100.7:443"))
	H("00:06", "\"op\":\"send\"," CONN(13, "10.0.0.1:40003",
					  "198.51.100.7:443"))
	H("02:00", "\"op\":\"read\",\"pid\":12,\"path\":\"/w/c\"")
	H("02:01", "\"op\":\"connect\"," CONN(12, "10.0.0.1:40001",
					     "10.0.0.2:5432"))
	H("02:02", "\"op\":\"send\"," CONN(12, "10.0.0.1:40001",
					  "10.0.0.2:5432"));
static const char db_log[] =
	H("00:02", "\"op\":\"accept\"," CONN(20, "10.0.0.2:5432",
					    "10.0.0.1:40002"))
	H("00:02", "\"op\":\"accept\"," CONN(21, "10.0.0.2:5432",
					    "10.0.0.1:40001"))
	H("00:04", "\"op\":\"recv\"," CONN(20, "10.0.0.2:5432",
					  "10.0.0.1:40002"))
	H("00:04", "\"op\":\"recv\"," CONN(21, "10.0.0.2:5432",
					  "10.0.0.1:40001"))
	H("00:05", "\"op\":\"write\",\"pid\":20,\"path\":\"/d/x2\"")
	H("00:05", "\"op\":\"write\",\"pid\":21,\"path\":\"/d/x1\"")
	H("02:01", "\"op\":\"accept\"," CONN(22, "10.0.0.2:5432",
					    "10.0.0.1:40001"))
	H("02:03", "\"op\":\"recv\"," CONN(22, "10.0.0.2:5432",
					  "10.0.0.1:40001"))
	H("02:04", "\"op\":\"write\",\"pid\":22,\"path\":\"/d/x3\"");

static char *db_walk(struct bt_db *db, const char *spec, enum bt_dir dir)
{
	struct bt_walk_opts o;
	struct bt_graph *g = NULL;
	const char *specs[1] = { spec };
	char *j;
	int r;

	bt_walk_opts_init(&o);
	r = bt_db_graph_walk(&g, db, NULL, dir, specs, 1, NULL, NULL);
	ck_assert_msg(r == 0, "db walk: %s", bt_error_msg());
	j = walk_json(g, spec, dir, &o);
	bt_graph_free(g);
	return j;
}

START_TEST(hosts_connections)
{
	const char *wl = import("hw.btl", web_log);
	const char *dl = import("hd.btl", db_log);
	struct bt_db *db = open_new("h.db");
	struct bt_db_add_stats st;
	struct bt_db_stats ds;
	char *j;

	add(db, wl, "web", &st);
	add(db, dl, "db", &st);
	/* one endpoint object per connection end: the two clients of one
	 * server address are two, and so are the two uses of port 40001 */
	ck_assert_int_eq(q(db, "SELECT count(*) FROM objects WHERE kind ="
			   " 'endpoint' AND host = 'web'"), 4);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM objects WHERE kind ="
			   " 'endpoint' AND host = 'db'"), 3);

	/* each server end reaches its own client, no other */
	j = db_walk(db, "file:/d/x1", BT_BACKWARD);
	ck_assert_msg(strstr(j, "\"/w/a\"") && !strstr(j, "\"/w/b\"") &&
		      !strstr(j, "\"/w/c\""), "x1: %s", j);
	ck_assert_msg(strstr(j, "\"host\": \"web\"") != NULL, "x1: %s", j);
	free(j);
	bt_db_get_stats(db, &ds);
	ck_assert_uint_eq(ds.host_links, 3);
	ck_assert_msg(strstr(ds.skew, "web vs db +0.000 s (3 pairs)") != NULL,
		      "skew: %s", ds.skew);
	j = db_walk(db, "file:/d/x2", BT_BACKWARD);
	ck_assert_msg(strstr(j, "\"/w/b\"") && !strstr(j, "\"/w/a\""),
		      "x2: %s", j);
	free(j);
	/* the port reused: the later connection, not the first */
	j = db_walk(db, "file:/d/x3", BT_BACKWARD);
	ck_assert_msg(strstr(j, "\"/w/c\"") && !strstr(j, "\"/w/a\""),
		      "x3: %s", j);
	free(j);
	/* forward across, and a client without its peer crosses nothing */
	j = db_walk(db, "file:/w/a", BT_FORWARD);
	ck_assert_msg(strstr(j, "\"/d/x1\"") && !strstr(j, "\"/d/x2\"") &&
		      !strstr(j, "\"/d/x3\""), "forward /w/a: %s", j);
	free(j);
	j = db_walk(db, "file:/w/d", BT_FORWARD);
	ck_assert_msg(!strstr(j, "\"/d/"), "forward /w/d: %s", j);
	free(j);
	bt_db_close(db);
}
END_TEST

/* A version 1 database (before connection ends were kept apart): read as
 * it is; for writing, upgraded when it holds no end merged by address,
 * refused when it does (adding again would duplicate them). */
START_TEST(old_database_v1)
{
	char *wl = strdup(import("ow.btl", web_log));
	char *sl = strdup(import("os.btl", sarmoria));
	struct bt_db *db = open_new("o.db");
	struct bt_db_add_stats st;
	char *j;

	add(db, wl, "web", &st);
	/* what version 1 wrote: an end keyed by its address alone */
	ck_assert_int_eq(sqlite3_exec(bt_db_sqlite(db),
		"UPDATE objects SET ident = '0::e:' || path, host = NULL "
		"WHERE id IN (SELECT min(id) FROM objects WHERE kind = "
		"'endpoint' GROUP BY path); PRAGMA user_version=1",
		NULL, NULL, NULL), SQLITE_OK);
	bt_db_close(db);
	db = NULL;
	ck_assert_int_eq(bt_db_open(&db, tu_path("o.db"), 0), BT_EVERSION);
	ck_assert_ptr_null(db);
	ck_assert_msg(strstr(bt_error_msg(), "merged by address") &&
		      strstr(bt_error_msg(), "new case database"), "%s",
		      bt_error_msg());
	/* still read */
	ck_assert_int_eq(bt_db_open(&db, tu_path("o.db"), BT_DB_READONLY),
			 0);
	j = db_walk(db, "file:/w/a", BT_FORWARD);
	ck_assert_ptr_nonnull(strstr(j, "\"/w/a\""));
	free(j);
	ck_assert_int_eq(q(db, "PRAGMA user_version"), 1);
	bt_db_close(db);

	/* no merged end: upgraded, written to */
	db = open_new("c.db");
	add(db, sl, "s", &st);
	ck_assert_int_eq(sqlite3_exec(bt_db_sqlite(db), "PRAGMA user_version"
				      "=1", NULL, NULL, NULL), SQLITE_OK);
	bt_db_close(db);
	ck_assert_int_eq(bt_db_open(&db, tu_path("c.db"), 0), 0);
	ck_assert_int_eq(q(db, "PRAGMA user_version"), BT_DB_VERSION);
	add(db, wl, "web", &st);
	ck_assert_uint_gt(st.events, 0);
	bt_db_close(db);
	free(wl);
	free(sl);
}
END_TEST

/* The notes a case database writes for a walk (which host each object is
 * on, the crossing slack) are read from any log: a log that carries them
 * malformed, or asks for too much, gets no hosts and a bounded slack. */
START_TEST(hosts_note_hostile)
{
	static const char *const bad[] = {
		"btrack-db: hosts",                     /* no newline */
		"btrack-db: hosts\nH a\nH b\nR 2 1 1\n",  /* first > last */
		"btrack-db: hosts\nH a\nH b\nR 1 2 3\n",  /* no host 3 */
		"btrack-db: hosts\nH a\nH b\nR 1 2 0\n",  /* host 0 */
		"btrack-db: hosts\nH a\nH b\nR 1 2 1\nR 2 3 2\n", /* overlap */
		"btrack-db: hosts\nH a\nH b\nX 1\n",      /* unknown line */
		"btrack-db: hosts\nH a\nR 1 3 1\n",       /* one host */
		"btrack-db: hosts\nH a\nH b\nR 1 2 1",    /* cut */
	};
	const char *log = tu_path("note.btl");
	struct bt_log_writer *w;
	struct bt_graph *g;
	struct bt_hostmap *m;
	size_t i;

	for (i = 0; i <= sizeof(bad) / sizeof(bad[0]); i++) {
		const char *t = i < sizeof(bad) / sizeof(bad[0]) ? bad[i] :
				"btrack-db: hosts\nH a\nH b\nS x\n"
				"R 1 1 1\nR 3 3 2\n";

		ck_assert_int_eq(bt_log_writer_open(&w, log, BT_LOGW_CREATE |
						    BT_LOGW_TRUNC), 0);
		ck_assert_int_eq(bt_log_append_process(w, 1, 1, T(0), 0, 0),
				 0);
		ck_assert_int_eq(bt_log_append_process(w, 2, 2, T(0), 0, 0),
				 0);
		ck_assert_int_eq(bt_log_append_process(w, 3, 3, T(0), 0, 0),
				 0);
		ck_assert_int_eq(bt_log_append_note(w, BT_NOTE_TEXT, 0, t,
						    strlen(t)), 0);
		ck_assert_int_eq(bt_log_append_note(w, BT_NOTE_TEXT, 0,
			BT_CHANNEL_HOSTS_NOTE "99999999999999999999",
			sizeof(BT_CHANNEL_HOSTS_NOTE) + 19), 0);
		ck_assert_int_eq(bt_log_append_event(w, BT_OP_FORK, 0, 0,
						     T(1), 1, 2), 0);
		ck_assert_int_eq(bt_log_writer_close(w), 0);
		g = log_graph(log);
		ck_assert_int_eq(bt_hostmap_new(&m, g), 0);
		if (i < sizeof(bad) / sizeof(bad[0])) {
			ck_assert_msg(m == NULL, "note %zu: read", i);
		} else {
			ck_assert_ptr_nonnull(m);
			ck_assert_str_eq(bt_hostmap_get(m, 1), "a");
			ck_assert_ptr_null(bt_hostmap_get(m, 2));
			ck_assert_str_eq(bt_hostmap_get(m, 3), "b");
			ck_assert_ptr_null(bt_hostmap_get(m, 4));
			ck_assert_str_eq(bt_hostmap_skew(m), "x");
			bt_hostmap_free(m);
		}
		{
			struct bt_channels *c = NULL;

			ck_assert_int_eq(bt_channels_new(&c, g,
				BT_CHANNEL_TOLERANCE_NS), 0);
			ck_assert_uint_le(bt_channel_slack(c),
					  BT_CHANNEL_TOLERANCE_NS);
			bt_channels_free(c);
		}
		bt_graph_free(g);
	}
}
END_TEST

/* A log's name is the hash of its records in canonical form as one run
 * of bytes (what older builds computed over bt_log_data()), whether it is
 * read whole or a record at a time: a log added by another build is
 * found again. */
static void ref_hash(const char *path, char out[33])
{
	struct bt_log *log;
	const uint8_t *p;
	uint64_t a, b, w, end, created;
	size_t i, n;

	ck_assert_int_eq(bt_log_open(&log, path), 0);
	p = bt_log_data(log);
	ck_assert_ptr_nonnull(p);
	end = bt_log_committed(log);
	created = bt_log_header(log)->created;
#define MIX(x) ({ uint64_t _x = (x); _x ^= _x >> 33; \
		_x *= 0xff51afd7ed558ccdULL; _x ^= _x >> 33; \
		_x *= 0xc4ceb9fe1a85ec53ULL; _x ^ (_x >> 33); })
	a = MIX(created ^ 0x6274726b);
	b = MIX(end);
	n = end - BT_LOG_HEADER_SIZE;
	p += BT_LOG_HEADER_SIZE;
	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		a = (a ^ w) * 0x9e3779b97f4a7c15ULL;
		a ^= a >> 29;
		b = (b + w) * 0xff51afd7ed558ccdULL;
		b ^= b >> 32;
	}
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)MIX(a ^ end),
		 (unsigned long long)MIX(b + a));
#undef MIX
	bt_log_close(log);
}

START_TEST(log_name_is_stable)
{
	const char *log = import("n.btl", sarmoria);
	const char *glog = tu_path("n2.btl");
	struct bt_gen_opts go = { .events = 3000, .seed = 9, .start = T(0) };
	struct bt_gen_info gi;
	struct bt_log_writer *w;
	struct bt_db *db = open_new("n.db");
	struct bt_db_add_stats st;
	char want[33];

	ck_assert_int_eq(bt_log_writer_open(&w, glog, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	ck_assert_int_eq(bt_gen(w, &go, &gi), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	add(db, log, "h", &st);
	ref_hash(log, want);
	ck_assert_str_eq(st.hash, want);
	add(db, glog, "h", &st);
	ref_hash(glog, want);
	ck_assert_str_eq(st.hash, want);
	bt_db_close(db);
}
END_TEST

/* Hostile names and argv with NULs survive the round trip. */
START_TEST(strings_round_trip)
{
	const char *log = tu_path("h.btl");
	static const char argv[] = "sh\0-c\0echo 'x'\n";
	static const char bad[] = "/tmp/\xff\xfe\n\"quote\"";
	struct bt_log_writer *w;
	struct bt_db *db = open_new("h.db");
	struct bt_db_add_stats st;
	struct bt_graph *g;
	struct bt_object_info in;

	ck_assert_int_eq(bt_log_writer_open(&w, log, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	ck_assert_int_eq(bt_log_append_process(w, 1, 42, T(0), 1, 1000), 0);
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_ARGV, T(0), argv,
					     sizeof(argv) - 1), 0);
	ck_assert_int_eq(bt_log_append_filename(w, 2, bad, sizeof(bad) - 1),
			 0);
	ck_assert_int_eq(bt_log_append_endpoint(w, 3, "[2001:db8::1]:80", 16),
			 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_CREATE, 0, 0, T(1), 1,
					     2), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_RECV, 0, 9, T(2), 3, 1),
			 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	add(db, log, "h", &st);
	g = db_graph(db);
	ck_assert_int_eq(bt_graph_object(g, 1, &in), 0);
	ck_assert_uint_eq(in.pid, 42);
	ck_assert_uint_eq(in.uid, 1000);
	ck_assert_uint_eq(in.argv_len, sizeof(argv) - 1);
	ck_assert_mem_eq(in.argv, argv, sizeof(argv) - 1);
	ck_assert_int_eq(bt_graph_object(g, 2, &in), 0);
	ck_assert_str_eq(in.path, bad);
	ck_assert_int_eq(bt_graph_object(g, 3, &in), 0);
	ck_assert_str_eq(in.path, "[2001:db8::1]:80");
	ck_assert_uint_eq(bt_graph_nevents(g), 2);
	bt_graph_free(g);
	bt_db_close(db);
}
END_TEST

/* ---- investigations ------------------------------------------------------ */

START_TEST(investigations)
{
	struct bt_db *db = open_new("i.db");
	struct bt_db_inv inv = { .name = "case-1", .direction = "backward",
				 .spec = "file:/X", .options = "--until 5",
				 .created = 123, .nodes = 6, .edges = 6,
				 .result = "{\"nodes\": []}" };
	struct bt_db_inv got;

	ck_assert_int_eq(bt_db_get(db, "case-1", &got), BT_ENOTFOUND);
	ck_assert_int_eq(bt_db_save(db, &inv), 0);
	ck_assert_int_eq(bt_db_get(db, "case-1", &got), 0);
	ck_assert_str_eq(got.spec, "file:/X");
	ck_assert_str_eq(got.options, "--until 5");
	ck_assert_str_eq(got.result, "{\"nodes\": []}");
	ck_assert_uint_eq(got.created, 123);
	ck_assert_uint_eq(got.nodes, 6);
	bt_db_inv_release(&got);
	/* Saving the same name is refused, or replaces it with replace. */
	inv.spec = "proc:3";
	ck_assert_int_eq(bt_db_save(db, &inv), BT_EINVAL);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "already exists"));
	ck_assert_int_eq(bt_db_get(db, "case-1", &got), 0);
	ck_assert_str_eq(got.spec, "file:/X");
	bt_db_inv_release(&got);
	inv.replace = true;
	ck_assert_int_eq(bt_db_save(db, &inv), 0);
	inv.name = "case-0";
	ck_assert_int_eq(bt_db_save(db, &inv), 0);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM investigations"), 2);
	ck_assert_int_eq(bt_db_get(db, "case-1", &got), 0);
	ck_assert_str_eq(got.spec, "proc:3");
	bt_db_inv_release(&got);
	inv.name = "";
	ck_assert_int_eq(bt_db_save(db, &inv), BT_EINVAL);
	bt_db_close(db);
}
END_TEST

static int list_names(void *arg, const struct bt_db_inv *inv)
{
	strcat(arg, inv->name);
	strcat(arg, " ");
	return 0;
}

START_TEST(investigations_list)
{
	struct bt_db *db = open_new("l.db");
	struct bt_db_inv inv = { .direction = "forward", .spec = "proc:1",
				 .options = "", .result = "{}" };
	char names[64] = "";

	inv.name = "zeta";
	ck_assert_int_eq(bt_db_save(db, &inv), 0);
	inv.name = "alpha";
	ck_assert_int_eq(bt_db_save(db, &inv), 0);
	ck_assert_int_eq(bt_db_list(db, list_names, names), 0);
	ck_assert_str_eq(names, "alpha zeta ");
	bt_db_close(db);
}
END_TEST

/* ---- bad files ----------------------------------------------------------- */

START_TEST(not_a_database)
{
	struct bt_db *db = NULL;
	const char *p = tu_path("text.db");
	sqlite3 *s;
	int r;

	/* Missing, without create. */
	r = bt_db_open(&db, tu_path("missing.db"), 0);
	ck_assert_int_eq(r, BT_ENOTFOUND);
	ck_assert_ptr_null(db);
	ck_assert_int_ne(access(tu_path("missing.db"), F_OK), 0);

	/* A text file. */
	ck_assert_int_eq(tu_write_file(p, "hello, not sqlite\n", 18), 0);
	r = bt_db_open(&db, p, BT_DB_CREATE);
	ck_assert_int_eq(r, BT_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), p));
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "not a database"));

	/* 64 KiB of 0xff after a valid sqlite header magic. */
	{
		char buf[65536];

		memset(buf, 0xff, sizeof(buf));
		memcpy(buf, "SQLite format 3", 16);
		ck_assert_int_eq(tu_write_file(p, buf, sizeof(buf)), 0);
		r = bt_db_open(&db, p, 0);
		ck_assert_int_eq(r, BT_ECORRUPT);
	}

	/* An empty file, opened for a walk (no create). */
	ck_assert_int_eq(tu_write_file(p, "", 0), 0);
	r = bt_db_open(&db, p, BT_DB_READONLY);
	ck_assert_int_eq(r, BT_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "not a btrack case"));

	/* Another program's sqlite database. */
	unlink(p);
	ck_assert_int_eq(sqlite3_open(p, &s), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(s, "CREATE TABLE t(x)", NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(s);
	r = bt_db_open(&db, p, BT_DB_CREATE);
	ck_assert_int_eq(r, BT_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "not a btrack case"));
	/* ...and it was left alone. */
	ck_assert_int_eq(sqlite3_open(p, &s), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(s, "SELECT x FROM t", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(s);

	/* A case database of a later schema. */
	db = open_new("v.db");
	ck_assert_int_eq(sqlite3_exec(bt_db_sqlite(db), "PRAGMA user_version"
				      "=99", NULL, NULL, NULL), SQLITE_OK);
	bt_db_close(db);
	r = bt_db_open(&db, tu_path("v.db"), 0);
	ck_assert_int_eq(r, BT_EVERSION);
}
END_TEST

/* A database damaged after it was written: an error, never a crash. */
START_TEST(damaged_database)
{
	const char *log = import("s.btl", sarmoria);
	const char *p = tu_path("d.db");
	struct bt_db *db = open_new("d.db");
	struct bt_db_add_stats st;
	struct bt_graph *g = NULL;
	size_t len, off;
	char *bytes;
	int r;

	add(db, log, "h", &st);
	ck_assert_int_eq(sqlite3_exec(bt_db_sqlite(db), "PRAGMA "
				      "wal_checkpoint(TRUNCATE)", NULL, NULL,
				      NULL), SQLITE_OK);
	bt_db_close(db);
	bytes = tu_read_file(p, &len);
	ck_assert_ptr_nonnull(bytes);
	ck_assert_uint_gt(len, 8192);
	/* Every page after the first: garbage. */
	for (off = 4096; off < len; off++)
		bytes[off] = (char)(off * 131 + 7);
	ck_assert_int_eq(tu_write_file(p, bytes, len), 0);
	free(bytes);
	r = bt_db_open(&db, p, BT_DB_READONLY);
	if (r == 0) {
		r = bt_db_graph(&g, db, NULL, NULL);
		bt_graph_free(g);
		bt_db_close(db);
	}
	ck_assert_int_eq(r, BT_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), p));
}
END_TEST

START_TEST(corrupt_log_adds_nothing)
{
	const char *log = import("s.btl", sarmoria);
	struct bt_db *db = open_new("c.db");
	struct bt_db_add_stats st;
	size_t len;
	char *bytes = tu_read_file(log, &len);
	uint32_t bad = 0xdead;

	ck_assert_ptr_nonnull(bytes);
	/* An event near the end refers to an object that does not exist:
	 * the last record is an event; its effect is its last 4 bytes. */
	ck_assert_uint_gt(len, 64 + 24);
	memcpy(bytes + len - 4, &bad, 4);
	ck_assert_int_eq(tu_write_file(tu_path("bad.btl"), bytes, len), 0);
	free(bytes);
	ck_assert_int_eq(bt_db_add(db, tu_path("bad.btl"), "h", NULL, NULL,
				   &st), BT_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "bad.btl"));
	ck_assert_int_eq(q(db, "SELECT count(*) FROM logs"), 0);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM objects"), 0);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM events"), 0);
	/* Not a log at all. */
	ck_assert_int_eq(tu_write_file(tu_path("x.btl"), "text", 4), 0);
	ck_assert_int_lt(bt_db_add(db, tu_path("x.btl"), "h", NULL, NULL,
				   &st), 0);
	/* No host. */
	ck_assert_int_eq(bt_db_add(db, log, "", NULL, NULL, &st), BT_EINVAL);
	/* The good log still goes in afterwards. */
	add(db, log, "h", &st);
	ck_assert_int_eq(q(db, "SELECT count(*) FROM events"), 10);
	bt_db_close(db);
}
END_TEST

int main(void)
{
	const struct {
		const char *name;
		const TTest *fn;
	} tests[] = {
		{ "add_idempotent", add_idempotent },
		{ "two_logs_merge", two_logs_merge },
		{ "pty_generations_per_log", pty_generations_per_log },
		{ "grown_log_adds_the_rest", grown_log_adds_the_rest },
		{ "schema_as_documented", schema_as_documented },
		{ "sarmoria_same_as_log", sarmoria_same_as_log },
		{ "gen_same_as_log", gen_same_as_log },
		{ "frontier_walk_same_as_log", frontier_walk_same_as_log },
		{ "frontier_busy_objects_same_as_log",
		  frontier_busy_objects_same_as_log },
		{ "frontier_emptying_same_as_log",
		  frontier_emptying_same_as_log },
		{ "frontier_reads_what_it_needs",
		  frontier_reads_what_it_needs },
		{ "hosts_connections", hosts_connections },
		{ "old_database_v1", old_database_v1 },
		{ "hosts_note_hostile", hosts_note_hostile },
		{ "log_name_is_stable", log_name_is_stable },
		{ "strings_round_trip", strings_round_trip },
		{ "investigations", investigations },
		{ "investigations_list", investigations_list },
		{ "not_a_database", not_a_database },
		{ "damaged_database", damaged_database },
		{ "corrupt_log_adds_nothing", corrupt_log_adds_nothing },
	};
	Suite *s = suite_create("db");
	SRunner *sr;
	size_t i;
	int failed;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		TCase *tc = tcase_create(tests[i].name);

		tcase_set_timeout(tc, 60);
		tcase_add_test(tc, tests[i].fn);
		suite_add_tcase(s, tc);
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
