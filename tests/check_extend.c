/*
 * check_extend.c - bt_graph_extend() (graph/graph.h): a graph loaded from
 * a prefix of a log and extended, step by step, while a writer appends
 * the rest (the last block growing in place, cuts mid-block) answers
 * exactly as a fresh load of the same log at every step: objects, kinds,
 * flags, labels, lists and their ends, pages and regions, lookups, and
 * the JSON of walks.  Also: events out of time order, late pages, the
 * recorder's library, a stale index extended instead of rebuilt, a log
 * that shrinks or is replaced (an error, never a crash), version 1.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../capture/gen.h"
#include "../core/error.h"
#include "../core/log.h"
#include "../graph/export.h"
#include "../graph/graph.h"
#include "../graph/graph-int.h"
#include "../graph/index.h"
#include "../graph/walk.h"
#include "testutil.h"

/* ---- copying a log record by record -------------------------------------- */

/* Append the canonical record h to w. */
static void put(struct bt_log_writer *w, const struct bt_rec_head *h)
{
	tu_assert(bt_log_append_record(w, h) == 0, "append: %s",
		  bt_error_msg());
}

/* The records of the log at path (decoded whole: the pointers stay valid
 * until bt_log_close()). */
struct recs {
	struct bt_log *log;
	const struct bt_rec_head **v;
	size_t n;
	uint64_t *events;   /* [n + 1] events before record i */
};

static void recs_read(struct recs *rs, const char *path)
{
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	size_t cap = 0;
	int r;

	memset(rs, 0, sizeof(*rs));
	ck_assert_int_eq(bt_log_open(&rs->log, path), 0);
	ck_assert_int_eq(bt_log_decode_all(rs->log), 0);
	bt_log_iter_init(&it, rs->log);
	while ((r = bt_log_next(&it, &h)) == 1) {
		if (rs->n + 1 >= cap) {
			cap = cap ? cap * 2 : 1024;
			rs->v = realloc(rs->v, cap * sizeof(*rs->v));
			rs->events = realloc(rs->events,
					     (cap + 1) * sizeof(*rs->events));
			ck_assert(rs->v && rs->events);
		}
		rs->events[rs->n + 1] = (rs->n ? rs->events[rs->n] : 0) +
					(h->type == BT_REC_EVENT);
		if (!rs->n)
			rs->events[0] = 0;
		rs->v[rs->n++] = h;
	}
	ck_assert_int_eq(r, 0);
	bt_log_iter_release(&it);
	if (!rs->n) {
		rs->events = realloc(rs->events, sizeof(*rs->events));
		rs->events[0] = 0;
	}
}

static void recs_free(struct recs *rs)
{
	bt_log_close(rs->log);
	free(rs->v);
	free(rs->events);
}

/* ---- comparing two graphs ------------------------------------------------ */

static void add_str(void *arg, const char *v, size_t len, uint64_t t)
{
	FILE *f = arg;

	fprintf(f, "%llu:%zu:", (unsigned long long)t, len);
	fwrite(v, 1, len, f);
	fputc('\n', f);
}

static void add_path(void *arg, const char *p, uint64_t t)
{
	add_str(arg, p, strlen(p), t);
}

/* Everything the accessors say of object id, as text. */
static char *describe(const struct bt_graph *g, uint32_t id)
{
	struct bt_object_info o;
	const uint32_t *l, *e;
	char *buf = NULL;
	size_t len = 0, n, i;
	uint32_t key, v, vs;
	FILE *f = open_memstream(&buf, &len);

	tu_assert(f, "open_memstream");
	tu_assert_int_eq(bt_graph_object(g, id, &o), 0);
	fprintf(f, "kind %d pid %u ppid %u uid %u start %llu inh %u\n",
		o.kind, o.pid, o.ppid, o.uid, (unsigned long long)o.start,
		o.inherited);
	fprintf(f, "exe %s comm %s path %s\n", o.exe ? o.exe : "-",
		o.comm ? o.comm : "-", o.path ? o.path : "-");
	if (o.argv)
		fwrite(o.argv, 1, o.argv_len, f);
	fprintf(f, "\ndev %llu ino %llu ff %u file %u page %llu count %llu "
		"proc %u prot %u\n", (unsigned long long)o.dev,
		(unsigned long long)o.ino, o.file_flags, o.file,
		(unsigned long long)o.page, (unsigned long long)o.count,
		o.process, o.prot);
	fprintf(f, "rec %d pages %d rgp %d\n", bt_graph_is_recorder(g, id),
		bt_graph_file_has_pages(g, id),
		bt_graph_region_has_pages(g, id));
	n = bt_graph_in(g, id, &l);
	e = bt_graph_in_ends(g, id);
	fprintf(f, "in %zu:", n);
	for (i = 0; i < n; i++)
		fprintf(f, " %u/%x", l[i], e ? e[i] : 0);
	n = bt_graph_out(g, id, &l);
	e = bt_graph_out_ends(g, id);
	fprintf(f, "\nout %zu:", n);
	for (i = 0; i < n; i++)
		fprintf(f, " %u/%x", l[i], e ? e[i] : 0);
	n = bt_graph_file_pages(g, id, &l);
	fprintf(f, "\npages %zu:", n);
	for (i = 0; i < n; i++)
		fprintf(f, " %u", l[i]);
	n = bt_graph_file_regions(g, id, &l);
	fprintf(f, "\nregions %zu:", n);
	for (i = 0; i < n; i++)
		fprintf(f, " %u", l[i]);
	fputc('\n', f);
	for (key = 1; key <= BT_LABEL_MAX; key++) {
		fprintf(f, "label %u:\n", key);
		bt_graph_labels(g, id, key, add_str, f);
	}
	fprintf(f, "paths:\n");
	bt_graph_file_paths(g, id, add_path, f);
	bt_graph_file_version(g, id, &v, &vs);
	fprintf(f, "version %u of %u\n", v, vs);
	if (o.kind == BT_OBJ_FILE && o.path) {
		uint32_t x = 0;

		bt_graph_find_file(g, o.path, &x);
		fprintf(f, "find_file %u\n", x);
	}
	if (o.kind == BT_OBJ_PROCESS) {
		uint32_t x = 0;

		bt_graph_find_process(g, o.pid, 0, &x);
		fprintf(f, "find_process %u\n", x);
	}
	fclose(f);
	return buf;
}

/* The JSON of a walk from `spec` ("" when it does not resolve). */
static char *answer(const struct bt_graph *g, const char *spec,
		    enum bt_dir dir, enum bt_gran gran)
{
	struct bt_walk_opts o;
	struct bt_result *r = NULL;
	uint32_t start;
	uint64_t t;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	err = bt_spec_resolve(&start, &t, g, spec);
	if (err == BT_ENOTFOUND)
		return strdup("");
	ck_assert_msg(err == 0, "%s: %s", spec, bt_error_msg());
	bt_walk_opts_init(&o);
	o.gran = gran;
	o.max_nodes = 300;
	err = dir == BT_BACKWARD ? bt_backtrack(&r, g, start, &o) :
				   bt_forward(&r, g, start, &o);
	ck_assert_msg(err == 0, "%s: %s", spec, bt_error_msg());
	f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(bt_export(r, BT_FMT_JSON, f), 0);
	fclose(f);
	bt_result_free(r);
	ck_assert_int_eq(bt_graph_status(g), 0);
	return buf;
}

/* a: extended, b: loaded fresh from the same log. */
static void same_graph(const struct bt_graph *a, const struct bt_graph *b,
		       const char *const *specs, size_t nspecs,
		       const char *ctx)
{
	uint32_t id, n = bt_graph_nobjects(b);
	size_t i;
	int d, gr;

	ck_assert_int_eq(bt_graph_status(a), 0);
	ck_assert_uint_eq(bt_graph_nobjects(a), n);
	ck_assert_uint_eq(bt_graph_nevents(a), bt_graph_nevents(b));
	ck_assert_msg(bt_graph_time_ordered(a) == bt_graph_time_ordered(b),
		      "%s: time order differs", ctx);
	/* the PATH index: every label, in order (merge_paths()) */
	ck_assert_uint_eq(a->npaths, b->npaths);
	for (i = 1; i < a->npaths; i++)
		tu_assert(bt_graph_cmp_by_path(&a->by_path[i - 1],
					       &a->by_path[i],
					       (void *)a) <= 0,
			  "%s: PATH index out of order at %zu", ctx, i);
	for (id = 1; id <= n; id++) {
		char *x = describe(a, id), *y = describe(b, id);

		tu_assert(!strcmp(x, y), "%s: object %u differs:\n"
			  "extended:\n%s\nloaded:\n%s", ctx, id, x, y);
		free(x);
		free(y);
	}
	/* every event as the extended graph reads it: through its event
	 * cache, which keeps the blocks the extension did not change */
	for (i = 0; i < bt_graph_nevents(b); i++) {
		struct bt_rec_event ea, eb;

		tu_assert(bt_graph_event(a, (uint32_t)i, &ea), "%zu", i);
		tu_assert(bt_graph_event(b, (uint32_t)i, &eb), "%zu", i);
		tu_assert(!memcmp(&ea, &eb, sizeof(ea)),
			  "%s: event %zu differs", ctx, i);
	}
	if (bt_graph_time_ordered(b) && bt_graph_nevents(b)) {
		struct bt_rec_event e0, e1;

		ck_assert(bt_graph_event(b, 0, &e0));
		ck_assert(bt_graph_event(b, (uint32_t)bt_graph_nevents(b) - 1,
					 &e1));
		for (i = 0; i <= 16; i++) {
			uint64_t t = e0.time + (e1.time - e0.time) / 16 * i;

			ck_assert_uint_eq(bt_graph_ref_at(a, t),
					  bt_graph_ref_at(b, t));
		}
		ck_assert_uint_eq(bt_graph_ref_at(a, e1.time + 1),
				  bt_graph_ref_at(b, e1.time + 1));
	}
	for (i = 0; i < nspecs; i++)
		for (d = 0; d < 2; d++)
			for (gr = 0; gr < 3; gr++) {
				char *x = answer(a, specs[i], d, gr);
				char *y = answer(b, specs[i], d, gr);

				ck_assert_msg(!strcmp(x, y),
					      "%s: %s dir %d gran %d differs",
					      ctx, specs[i], d, gr);
				free(x);
				free(y);
			}
}

static struct bt_graph *fresh(const char *path)
{
	struct bt_log *log;
	struct bt_graph *g;

	ck_assert_int_eq(bt_log_open(&log, path), 0);
	ck_assert_msg(bt_graph_from_log(&g, log, NULL, NULL) == 0, "%s",
		      bt_error_msg());
	return g;
}

static uint64_t rnd_state = 12345;
/* Records replay() appends after each commit without committing them (a
 * torn tail the extension must wait for). */
static size_t replay_torn;

static uint64_t rnd(void)
{
	rnd_state = rnd_state * 6364136223846793005ull + 1442695040888963407ull;
	return rnd_state >> 33;
}

/*
 * Copy the log at src into a new log at dst record by record, committing
 * at `ncuts` random cuts (or after every record when ncuts is 0): the
 * graph is loaded at the first cut and extended at each next one, then
 * compared with a fresh load (in full every `every` cuts, and at the end).
 */
static void replay(const char *src, const char *dst, size_t ncuts,
		   unsigned every, const char *const *specs, size_t nspecs)
{
	struct recs rs;
	struct bt_log_writer *w;
	struct bt_graph *g = NULL, *f;
	size_t i, cut, step = 0, ci = 0;
	char ctx[64];

	recs_read(&rs, src);
	ck_assert_int_eq(bt_log_writer_open(&w, dst, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	i = 0;
	while (ci < rs.n) {
		uint64_t added = 0, before;
		size_t k;

		if (!ncuts)
			cut = i + 1;
		else if (!g)
			cut = i + 1 + rnd() % (rs.n / 2 + 1);
		else
			cut = i + 1 + rnd() % (2 * rs.n / ncuts + 1);
		if (cut > rs.n)
			cut = rs.n;
		if (cut < i)
			cut = i;
		before = rs.events[ci];
		for (; i < cut; i++)
			put(w, rs.v[i]);
		bt_log_writer_commit(w);
		ci = cut;
		/* a torn tail: records appended, not committed (the next
		 * cut commits them) */
		for (k = 0; k < replay_torn && i < rs.n; k++)
			put(w, rs.v[i++]);
		snprintf(ctx, sizeof(ctx), "cut %zu at record %zu", step, cut);
		if (!g) {
			ck_assert_int_eq(bt_graph_load(&g,
					 bt_log_writer_file(w), NULL, NULL), 0);
			ck_assert_uint_eq(bt_graph_nevents(g), rs.events[cut]);
		} else {
			ck_assert_msg(bt_graph_extend(g, &added) == 0, "%s: %s",
				      ctx, bt_error_msg());
			ck_assert_uint_eq(added, rs.events[cut] - before);
		}
		if (step % every == 0 || cut == rs.n) {
			f = fresh(bt_log_writer_file(w));
			same_graph(g, f, specs, nspecs, ctx);
			bt_graph_free(f);
		}
		step++;
	}
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	/* renamed onto dst at the close: nothing more to take */
	{
		uint64_t added = 1;

		ck_assert_int_eq(bt_graph_extend(g, &added), 0);
		ck_assert_uint_eq(added, 0);
	}
	f = fresh(dst);
	same_graph(g, f, specs, nspecs, "closed");
	bt_graph_free(f);
	bt_graph_free(g);
	recs_free(&rs);
}

static struct bt_gen_info gen_log(const char *path, uint64_t events,
				  uint64_t seed)
{
	struct bt_log_writer *w;
	struct bt_gen_opts o = { .events = events, .seed = seed };
	struct bt_gen_info info;

	ck_assert_int_eq(bt_log_writer_open(&w, path, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	ck_assert_int_eq(bt_gen(w, &o, &info), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	return info;
}

static void setup(void)
{
	bt_index_set_policy(BT_INDEX_OFF);
	replay_torn = 0;
}

/* ---- tests --------------------------------------------------------------- */

START_TEST(generated_in_steps)
{
	const char *src = tu_path("gen.btl"), *dst = tu_path("live.btl");
	struct bt_gen_info info = gen_log(src, 30000, 3 + (uint64_t)_i);
	const char *specs[] = {
		info.detection, "file:/etc/passwd", "proc:1", "proc:3",
		"file:/dev/shm/.x",
	};

	rnd_state = 1000 + (uint64_t)_i;
	/* the second run rebuilds the lists as soon as it may (rebase) */
	bt_gext_rebase_min = _i ? 0 : 65536;
	bt_gext_rebases = 0;
	replay(src, dst, 14, 3, specs, sizeof(specs) / sizeof(specs[0]));
	if (_i)
		ck_assert_uint_gt(bt_gext_rebases, 0);
}
END_TEST

/* A log of a few blocks grown in small steps, each ending with a torn
 * record (cuts at every other record, mid-block and at each block's
 * boundary; then random cuts of a few hundred records), extended at each:
 * the extension takes the last block's records from where it stopped
 * (bt_log_block_held()), and gives the graph a load gives, the same
 * answers included. */
START_TEST(generated_small_steps)
{
	const char *src = tu_path("gs.btl"), *dst = tu_path("gsl.btl");
	struct bt_gen_info info = gen_log(src, _i ? 30000 : 8000, 5);
	const char *specs[] = {
		info.detection, "file:/etc/passwd", "proc:1",
	};

	rnd_state = 4242;
	replay_torn = _i ? 3 : 1;
	bt_gext_rebase_min = 65536;
	replay(src, dst, _i ? 200 : 0, _i ? 40 : 2000, specs,
	       sizeof(specs) / sizeof(specs[0]));
}
END_TEST

/* A log written by hand with what an extension must get right: events
 * earlier than those held (into lists, and the graph no longer in time
 * order), a new object referring to old ones, a page of a file appearing
 * late (kept in index order) and its first event, a region, the
 * recorder's library then written, a path seen under two files, labels
 * of every kind.  Extended after every record. */
static void tricky_log(const char *path)
{
	struct bt_log_writer *w;
	uint64_t t = UINT64_C(1700000000000000000);
	const char argv[] = "sh\0-c\0x";

	ck_assert_int_eq(bt_log_writer_open(&w, path, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	ck_assert_int_eq(bt_log_append_process(w, 1, 100, t, 1, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 8, 20), 0);
	ck_assert_int_eq(bt_log_append_label(w, 2, BT_LABEL_PATH, t,
					     "/tmp/a", 6), 0);
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_EXE, t,
					     "/bin/sh", 7), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 0, t + 100,
					     1, 2), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0, 0, t + 200,
					     2, 1), 0);
	ck_assert_int_eq(bt_log_append_page(w, 3, 2, 7), 0);
	ck_assert_int_eq(bt_log_append_region(w, 4, 2, 1, BT_PROT_READ |
					      BT_PROT_WRITE | BT_PROT_SHARED,
					      0, 16), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_PAGE_WRITE, 0, 4,
					     t + 300, 1, 3), 0);
	/* earlier than what came before */
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0, 0, t + 150,
					     2, 1), 0);
	ck_assert_int_eq(bt_log_append_process(w, 5, 101, t + 50, 100, 0),
			 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_FORK, 0, 0, t + 50, 1,
					     5), 0);
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_ARGV, t + 60,
					     argv, sizeof(argv) - 1), 0);
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_CRED, t + 60,
					     "uid=0 euid=0", 12), 0);
	/* a page of index 2, after the page of index 7 */
	ck_assert_int_eq(bt_log_append_page(w, 6, 2, 2), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_PAGE_READ, 0, 4,
					     t + 10, 6, 5), 0);
	ck_assert_int_eq(bt_log_append_file(w, 7, 0, 8, 21), 0);
	ck_assert_int_eq(bt_log_append_label(w, 7, BT_LABEL_PATH, t + 400,
					     "/tmp/a", 6), 0);
	ck_assert_int_eq(bt_log_append_label(w, 2, BT_LABEL_PATH, t + 5,
					     "/tmp/b", 6), 0);
	ck_assert_int_eq(bt_log_append_file(w, 8, 0, 8, 22), 0);
	ck_assert_int_eq(bt_log_append_label(w, 8, BT_LABEL_PATH, t,
				"/usr/lib/btrack/libbtrack-pages.so", 34), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_MMAP_READ, 0, 0,
					     t + 500, 8, 5), 0);
	ck_assert_int_eq(bt_log_append_note(w, BT_NOTE_TEXT, t, "hi", 2), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 0, t + 20,
					     5, 7), 0);
	ck_assert_int_eq(bt_log_append_file(w, 9, 0, 8, 23), 0);
	ck_assert_int_eq(bt_log_append_label(w, 9, BT_LABEL_PATH, t,
				"/usr/lib/btrack/libbtrack-pages.so", 34), 0);
	/* written: no longer the recorder's */
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 0, t + 600,
					     5, 8), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0, 0, t + 600,
					     7, 5), 0);
	ck_assert_int_eq(bt_log_append_label(w, 7, BT_LABEL_PATH, t + 400,
					     "/tmp/a", 6), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
}

START_TEST(tricky_every_record)
{
	const char *src = tu_path("tricky.btl"), *dst = tu_path("tl.btl");
	const char *specs[] = {
		"file:/tmp/a", "file:/tmp/b", "proc:100", "proc:101",
	};
	struct bt_graph *g;

	tricky_log(src);
	bt_gext_rebase_min = (uint64_t)_i;
	ck_assert_int_eq(bt_graph_load(&g, src, NULL, NULL), 0);
	ck_assert(!bt_graph_time_ordered(g));
	bt_graph_free(g);
	replay(src, dst, 0, 1, specs, sizeof(specs) / sizeof(specs[0]));
}
END_TEST

/* An imported scenario (JSONL, tests/data) and a recorded one. */
START_TEST(scenario_in_steps)
{
	const char *src = tu_path("sar.btl"), *dst = tu_path("sar2.btl");
	const char *top = getenv("BTRACK_TOP");
	const char *specs[] = { "file:/X", "file:/A", "proc:3" };
	char p[4096];
	char *text;
	size_t len;

	snprintf(p, sizeof(p), "%s/tests/data/sarmoria.jsonl",
		 top ? top : ".");
	text = tu_read_file(p, &len);
	ck_assert_msg(text != NULL, "cannot read %s", p);
	text = realloc(text, len + 1);
	text[len] = '\0';
	ck_assert_int_eq(tu_log_from_jsonl(src, text), 0);
	free(text);
	replay(src, dst, 0, 1, specs, sizeof(specs) / sizeof(specs[0]));
}
END_TEST

/* The live graph (`btrack watch`) takes a truncation to 0 as the loaded
 * one does (K2): at every record of a copytruncate the extended graph
 * answers as a fresh load, and at the end p1 is no cause of /out. */
START_TEST(emptying_in_steps)
{
	const char *src = tu_path("ct.btl"), *dst = tu_path("ct2.btl");
	const char *specs[] = { "file:/out", "file:/log", "proc:1",
				"proc:4" };
	struct bt_graph *g;
	char *a;

	ck_assert_int_eq(tu_log_from_jsonl(src,
		"{\"time\":1000,\"op\":\"write\",\"pid\":1,\"path\":\"/log\"}\n"
		"{\"time\":2000,\"op\":\"read\",\"pid\":2,\"path\":\"/log\"}\n"
		"{\"time\":2500,\"op\":\"write\",\"pid\":2,\"path\":\"/log.1\"}\n"
		"{\"time\":3000,\"op\":\"truncate\",\"pid\":3,\"path\":\"/log\","
		"\"length\":0}\n"
		"{\"time\":4000,\"op\":\"write\",\"pid\":4,\"path\":\"/log\"}\n"
		"{\"time\":5000,\"op\":\"read\",\"pid\":5,\"path\":\"/log\"}\n"
		"{\"time\":5500,\"op\":\"write\",\"pid\":5,\"path\":\"/out\"}\n"),
		0);
	replay(src, dst, 0, 1, specs, sizeof(specs) / sizeof(specs[0]));
	g = fresh(dst);
	a = answer(g, "file:/out", BT_BACKWARD, BT_GRAN_PAGE);
	ck_assert_ptr_nonnull(strstr(a, "\"process [4]\""));
	ck_assert_ptr_null(strstr(a, "\"process [1]\""));
	free(a);
	bt_graph_free(g);
}
END_TEST

START_TEST(recorded_in_steps)
{
	const char *bin = getenv("BTRACK");
	const char *src = tu_path("rec.btl"), *dst = tu_path("rec2.btl");
	const char *dir = tu_tmpdir();
	char cmd[8192], spec[4200];
	const char *specs[] = { spec, "proc:1" };

	if (!bin) {
		fprintf(stderr, "BTRACK not set: recorded log skipped\n");
		return;
	}
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && '%s' record -o '%s' -- sh -c 'echo a > f1; "
		 "cat f1 > f2; cp f2 f3; ls > f4; sort f4 > f5' "
		 ">/dev/null 2>&1", dir, bin, src);
	if (system(cmd) != 0) {
		fprintf(stderr, "btrack record failed here: skipped\n");
		return;
	}
	snprintf(spec, sizeof(spec), "file:%s/f5", dir);
	rnd_state = 77;
	bt_gext_rebase_min = 0;
	replay(src, dst, 8, 1, specs, 2);
}
END_TEST

/* An index written at half the log, the log appended to: the load maps
 * the index and extends it, and answers as a load of the log. */
START_TEST(stale_index_extended)
{
	const char *src = tu_path("si-src.btl"), *log = tu_path("si.btl");
	struct bt_gen_info info = gen_log(src, 40000, 11);
	const char *specs[] = {
		info.detection, "file:/etc/passwd", "proc:1", "proc:3",
	};
	struct recs rs;
	struct bt_log_writer *w;
	struct bt_graph *g = NULL, *f;
	size_t i, half;
	uint64_t added;

	recs_read(&rs, src);
	half = rs.n / 2;
	bt_gext_rebase_min = 0;   /* lists rebuilt from the index's too */
	ck_assert_int_eq(bt_log_writer_open(&w, log, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	for (i = 0; i < half; i++)
		put(w, rs.v[i]);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_index_build(log, NULL, NULL, NULL, NULL), 0);
	ck_assert_int_eq(bt_log_writer_open(&w, log, BT_LOGW_APPEND), 0);
	for (; i < rs.n; i++) {
		put(w, rs.v[i]);
		if (i != half + 3)
			continue;
		/* a few records more, in the same last block */
		bt_log_writer_commit(w);
		bt_index_set_policy(BT_INDEX_NEVER);
		ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
		bt_index_set_policy(BT_INDEX_OFF);
		ck_assert_msg(bt_graph_from_index(g), "%s",
			      bt_graph_warning(g) ? bt_graph_warning(g) : "");
		f = fresh(log);
		same_graph(g, f, specs, 4, "index + 4 records");
		bt_graph_free(f);
	}
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	/* and it extends further as the log grows (rebuilding the lists
	 * it had from the index) */
	bt_gext_rebases = 0;
	ck_assert_int_eq(bt_graph_extend(g, &added), 0);
	ck_assert_uint_gt(bt_gext_rebases, 0);
	ck_assert_uint_gt(added, 1000);
	f = fresh(log);
	same_graph(g, f, specs, 4, "index + extended");
	bt_graph_free(f);
	bt_graph_free(g);

	bt_index_set_policy(BT_INDEX_NEVER);
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	bt_index_set_policy(BT_INDEX_OFF);
	ck_assert_msg(bt_graph_from_index(g), "the stale index was not used");
	ck_assert_ptr_null(bt_graph_warning(g));
	f = fresh(log);
	same_graph(g, f, specs, 4, "index at half");
	bt_graph_free(f);
	bt_graph_free(g);
	recs_free(&rs);
}
END_TEST

/* A log replaced or changed under its index is refused, never extended:
 * another log in its place; the part of the last block the index covers
 * changed (then the log is damaged: BT_ECORRUPT). */
START_TEST(stale_index_rewritten)
{
	const char *log = tu_path("rw.btl"), *other = tu_path("rw2.btl");
	struct bt_log_blockinfo bi;
	struct bt_log_writer *w;
	struct bt_graph *g;
	struct bt_log *l;
	uint32_t p;
	FILE *f;
	int c;

	gen_log(log, 3000, 5);
	ck_assert_int_eq(bt_index_build(log, NULL, NULL, NULL, NULL), 0);
	gen_log(other, 6000, 6);
	ck_assert_int_eq(rename(other, log), 0);
	bt_index_set_policy(BT_INDEX_NEVER);
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	ck_assert(!bt_graph_from_index(g));
	ck_assert_ptr_nonnull(strstr(bt_graph_warning(g), "another log"));
	bt_graph_free(g);

	gen_log(log, 3000, 5);
	ck_assert_int_eq(bt_index_build(log, NULL, NULL, NULL, NULL), 0);
	ck_assert_int_eq(bt_log_open(&l, log), 0);
	ck_assert_int_eq(bt_log_block_info(l, bt_log_blocks(l) - 1, &bi), 0);
	bt_log_close(l);
	ck_assert_int_eq(bt_log_writer_open(&w, log, BT_LOGW_APPEND), 0);
	ck_assert_int_eq(bt_log_append_process(w, bt_log_writer_objects(w) +
					       1, 4242, 1, 0, 0), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	/* extended, as it only grew */
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	ck_assert(bt_graph_from_index(g));
	ck_assert_int_eq(bt_graph_find_process(g, 4242, 0, &p), 0);
	bt_graph_free(g);
	/* a byte of what the index covered changes */
	f = fopen(log, "r+b");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, (long)bi.file_off + 32 + 16, SEEK_SET), 0);
	c = fgetc(f);
	ck_assert_int_eq(fseek(f, (long)bi.file_off + 32 + 16, SEEK_SET), 0);
	fputc(c ^ 0x40, f);
	fclose(f);
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), BT_ECORRUPT);
	bt_index_set_policy(BT_INDEX_OFF);
}
END_TEST

/* The log under a graph shrinks or is replaced: an error, the graph
 * still answers for what it holds. */
START_TEST(shrunk_or_replaced)
{
	const char *log = tu_path("sh.btl"), *other = tu_path("sh2.btl");
	struct bt_log_writer *w;
	struct bt_graph *g;
	uint64_t n, added;
	uint32_t p;

	gen_log(log, 5000, 9);
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	n = bt_graph_nevents(g);
	/* replaced */
	gen_log(other, 8000, 10);
	ck_assert_int_eq(rename(other, log), 0);
	ck_assert_int_eq(bt_graph_extend(g, &added), BT_EINVAL);
	ck_assert_uint_eq(bt_graph_nevents(g), n);
	ck_assert_int_eq(bt_graph_find_process(g, 1, 0, &p), 0);
	bt_graph_free(g);
	/* cut shorter */
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	n = bt_graph_nevents(g);
	ck_assert_int_eq(truncate(log, 8192), 0);
	/* BT_ECORRUPT from the refresh, or BT_EIO reading the cut block */
	ck_assert_int_lt(bt_graph_extend(g, &added), 0);
	ck_assert_uint_eq(bt_graph_nevents(g), n);
	bt_graph_free(g);
	/* the committed length moving backwards */
	gen_log(log, 5000, 9);
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	{
		FILE *f = fopen(log, "r+b");
		uint64_t c = 4096;

		ck_assert_ptr_nonnull(f);
		ck_assert_int_eq(fseek(f, 16, SEEK_SET), 0);
		ck_assert_int_eq(fwrite(&c, 8, 1, f), 1);
		fclose(f);
	}
	ck_assert_int_eq(bt_graph_extend(g, &added), BT_ECORRUPT);
	bt_graph_free(g);
	(void)w;
}
END_TEST

START_TEST(version1)
{
	const char *log = tu_path("v1.btl");
	struct bt_log_writer *w;
	struct bt_graph *g;
	uint64_t added;

	ck_assert_int_eq(bt_log_writer_open(&w, log, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC | BT_LOGW_V1), 0);
	ck_assert_int_eq(bt_log_append_process(w, 1, 1, 1, 0, 0), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	ck_assert_int_eq(bt_graph_extend(g, &added), BT_EVERSION);
	ck_assert_uint_eq(bt_graph_nobjects(g), 1);
	bt_graph_free(g);
}
END_TEST

/* Memory: a graph loaded at a fiftieth of a log and extended to its end,
 * read between steps (lists folded: garbage in the pool), holds about
 * what a load of it holds, without rebuilding its lists on the way (a
 * rebuild is O(events) on the watcher's thread: stalls of seconds). */
START_TEST(memory_bounded)
{
	const char *src = tu_path("m.btl"), *dst = tu_path("m2.btl");
	struct recs rs;
	struct bt_log_writer *w;
	struct bt_graph *g = NULL, *f;
	size_t i;

	gen_log(src, 200000, 21);
	recs_read(&rs, src);
	ck_assert_int_eq(bt_log_writer_open(&w, dst, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	bt_gext_rebase_min = UINT64_C(4) << 20;   /* the default */
	bt_gext_rebases = 0;
	for (i = 0; i < rs.n; i++) {
		put(w, rs.v[i]);
		if (i == rs.n / 50) {
			bt_log_writer_commit(w);
			ck_assert_int_eq(bt_graph_load(&g,
					 bt_log_writer_file(w), NULL, NULL), 0);
		} else if (g && i % 5000 == 0) {
			uint32_t id;

			bt_log_writer_commit(w);
			ck_assert_int_eq(bt_graph_extend(g, NULL), 0);
			for (id = 1 + (uint32_t)(i / 5000) % 7;
			     id <= bt_graph_nobjects(g); id += 97) {
				const uint32_t *l;

				bt_graph_in(g, id, &l);
				bt_graph_out(g, id, &l);
			}
		}
	}
	bt_log_writer_commit(w);
	ck_assert_int_eq(bt_graph_extend(g, NULL), 0);
	ck_assert_uint_eq(bt_gext_rebases, 0);
	f = fresh(bt_log_writer_file(w));
	ck_assert_uint_eq(bt_graph_nevents(g), bt_graph_nevents(f));
	same_graph(g, f, NULL, 0, "grown fifty-fold");
	ck_assert_msg(bt_graph_memory(g) < 2 * bt_graph_memory(f),
		      "extended %zu bytes, loaded %zu", bt_graph_memory(g),
		      bt_graph_memory(f));
	bt_graph_free(f);
	bt_graph_free(g);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	recs_free(&rs);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("extend");
	TCase *tc = tcase_create("extend");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, generated_in_steps, 0, 2);
	tcase_add_loop_test(tc, tricky_every_record, 0, 2);
	tcase_add_loop_test(tc, generated_small_steps, 0, 2);
	tcase_add_test(tc, scenario_in_steps);
	tcase_add_test(tc, emptying_in_steps);
	tcase_add_test(tc, recorded_in_steps);
	tcase_add_test(tc, stale_index_extended);
	tcase_add_test(tc, stale_index_rewritten);
	tcase_add_test(tc, shrunk_or_replaced);
	tcase_add_test(tc, version1);
	tcase_add_test(tc, memory_bounded);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite());
}
