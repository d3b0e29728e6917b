/*
 * check_gen.c - the synthetic log generator (capture/gen.h): determinism,
 * size and shape of what it writes, and that its planted attack chain is
 * the answer a backward walk gives: reached at page granularity without
 * the background writer of another page of the same shared file, which
 * object granularity does reach.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../capture/gen.h"
#include "../core/error.h"
#include "../graph/graph.h"
#include "../core/log.h"
#include "../graph/walk.h"
#include "testutil.h"

/* A copy of the event `ref` names (bt_graph_event() copies). */
static struct bt_rec_event ev_of(const struct bt_graph *g, uint32_t ref)
{
	struct bt_rec_event e;

	ck_assert(bt_graph_event(g, ref, &e));
	return e;
}

#define NOISE_EXE "/usr/lib/shmcache/shmcached"

static struct bt_gen_info gen_log(const char *path, uint64_t events,
				  uint64_t seed)
{
	struct bt_log_writer *w;
	struct bt_gen_opts o = { .events = events, .seed = seed };
	struct bt_gen_info info;
	int r;

	r = bt_log_writer_open(&w, path, BT_LOGW_CREATE | BT_LOGW_TRUNC);
	ck_assert_msg(r == 0, "open: %s", bt_error_msg());
	r = bt_gen(w, &o, &info);
	ck_assert_msg(r == 0, "gen: %s", bt_error_msg());
	r = bt_log_writer_close(w);
	ck_assert_msg(r == 0, "close: %s", bt_error_msg());
	return info;
}

/* Compare two logs byte for byte except the header's created time and
 * (format version 2) the header checksums at 40-47 that cover it. */
static int same_log(const char *a, const char *b)
{
	size_t na, nb;
	unsigned char *da = tu_read_file(a, &na), *db = tu_read_file(b, &nb);
	int same;

	ck_assert_ptr_nonnull(da);
	ck_assert_ptr_nonnull(db);
	ck_assert_uint_gt(na, 64);
	same = na == nb && !memcmp(da, db, 24) &&
	       !memcmp(da + 32, db + 32, 8) &&
	       !memcmp(da + 48, db + 48, na - 48);
	free(da);
	free(db);
	return same;
}

START_TEST(test_deterministic)
{
	const char *a = tu_path("a.btl"), *b = tu_path("b.btl"),
		   *c = tu_path("c.btl");
	struct bt_gen_info ia = gen_log(a, 50000, 7);
	struct bt_gen_info ib = gen_log(b, 50000, 7);

	gen_log(c, 50000, 8);
	ck_assert_uint_eq(ia.events, ib.events);
	ck_assert_uint_eq(ia.objects, ib.objects);
	ck_assert_msg(same_log(a, b), "same seed, different logs");
	ck_assert_msg(!same_log(a, c), "different seeds, same log");
}
END_TEST

START_TEST(test_start_time)
{
	const char *a = tu_path("s.btl");
	struct bt_log_writer *w;
	struct bt_gen_opts o = { .events = 2000, .seed = 3,
				 .start = 1800000000000000000ull };
	struct bt_gen_info info;
	struct bt_log *log;
	struct bt_log_stats st;

	ck_assert_int_eq(bt_log_writer_open(&w, a, BT_LOGW_CREATE), 0);
	ck_assert_int_eq(bt_gen(w, &o, &info), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_log_open(&log, a), 0);
	ck_assert_int_eq(bt_log_stats(log, &st), 0);
	ck_assert_uint_ge(st.first_time, o.start);
	/* a few microseconds per event: well within an hour for 2000 */
	ck_assert_uint_lt(st.last_time, o.start + 3600ull * 1000000000ull);
	bt_log_close(log);
}
END_TEST

/* The log holds about N events, in time order, every record valid, and
 * what the generator reports is what is in the file. */
static void check_count(uint64_t n)
{
	const char *p = tu_path("n.btl");
	struct bt_gen_info info = gen_log(p, n, 1);
	struct bt_log *log;
	struct bt_log_stats st;
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	uint64_t last = 0, events = 0;
	int r;

	ck_assert_uint_ge(info.events, n);
	ck_assert_uint_le(info.events, n + n / 100 + 100);
	ck_assert_int_eq(bt_log_open(&log, p), 0);
	ck_assert_ptr_null(bt_log_warning(log));
	ck_assert_int_eq(bt_log_stats(log, &st), 0);
	ck_assert_uint_eq(st.events, info.events);
	ck_assert_uint_eq(st.objects, info.objects);
	bt_log_iter_init(&it, log);
	while ((r = bt_log_next(&it, &h)) == 1) {
		const struct bt_rec_event *e = (const void *)h;

		if (h->type != BT_REC_EVENT)
			continue;
		tu_assert(e->time >= last, "event %llu goes back in time",
			  (unsigned long long)events);
		last = e->time;
		events++;
	}
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(events, info.events);
	bt_log_iter_release(&it);
	bt_log_close(log);
}

START_TEST(test_count_small)
{
	check_count(1000);
}
END_TEST

START_TEST(test_count_large)
{
	check_count(300000);
}
END_TEST

/* The realistic shapes are there: every op the generator claims. */
START_TEST(test_shapes)
{
	const char *p = tu_path("shape.btl");
	static const unsigned ops[] = {
		BT_OP_FORK, BT_OP_EXEC, BT_OP_READ, BT_OP_WRITE,
		BT_OP_MMAP_READ, BT_OP_MMAP_WRITE, BT_OP_PAGE_READ,
		BT_OP_PAGE_WRITE, BT_OP_CREATE, BT_OP_RENAME, BT_OP_UNLINK,
		BT_OP_LOOKUP, BT_OP_CONNECT, BT_OP_RECV, BT_OP_SEND,
	};
	struct bt_log *log;
	struct bt_log_stats st;
	size_t i;

	gen_log(p, 200000, 11);
	ck_assert_int_eq(bt_log_open(&log, p), 0);
	ck_assert_int_eq(bt_log_stats(log, &st), 0);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		ck_assert_msg(st.by_op[ops[i]] > 0, "no %s event",
			      bt_op_name(ops[i]));
	/* one note says where the log came from */
	ck_assert_uint_eq(st.by_type[BT_REC_NOTE], 1);
	/* many processes and files; reads dominate */
	ck_assert_uint_gt(st.by_type[BT_REC_PROCESS], 1000);
	ck_assert_uint_gt(st.by_type[BT_REC_FILE], 1000);
	ck_assert_uint_gt(st.by_op[BT_OP_READ], st.events / 3);
	/* the on-disk budget: <= 32 bytes per event, objects included */
	ck_assert_msg(st.bytes + BT_LOG_HEADER_SIZE <= 32 * st.events,
		      "%llu bytes for %llu events",
		      (unsigned long long)st.bytes,
		      (unsigned long long)st.events);
	bt_log_close(log);
}
END_TEST

struct found {
	bool entry, payload, page, noise, reader_proc;
	uint32_t endpoint_node;
};

static struct found walk(const struct bt_graph *g,
			 const struct bt_gen_info *info, enum bt_gran gran)
{
	struct bt_walk_opts o;
	struct bt_result *res;
	struct found f = { 0 };
	uint32_t start;
	uint64_t t;
	size_t i;
	int r;

	r = bt_spec_resolve(&start, &t, g, info->detection);
	ck_assert_msg(r == 0, "resolve %s: %s", info->detection,
		      bt_error_msg());
	bt_walk_opts_init(&o);
	o.gran = gran;
	r = bt_backtrack(&res, g, start, &o);
	ck_assert_msg(r == 0, "backtrack: %s", bt_error_msg());
	ck_assert(!res->truncated);
	for (i = 0; i < res->nnodes; i++) {
		const struct bt_node *n = &res->nodes[i];
		struct bt_object_info oi;

		ck_assert_int_eq(bt_graph_object(g, n->obj, &oi), 0);
		if (n->kind == BT_OBJ_ENDPOINT && oi.path &&
		    !strcmp(oi.path, info->entry)) {
			f.entry = true;
			ck_assert(n->flags & BT_NODE_REMOTE);
		}
		if (n->kind == BT_OBJ_FILE && oi.path &&
		    !strcmp(oi.path, "/tmp/.x/payload.sh"))
			f.payload = true;
		if (n->kind == BT_OBJ_PAGE && oi.path &&
		    !strcmp(oi.path, "/dev/shm/.x"))
			f.page = true;
		if (n->kind == BT_OBJ_PROCESS && oi.exe &&
		    !strcmp(oi.exe, NOISE_EXE))
			f.noise = true;
		if (n->kind == BT_OBJ_PROCESS && oi.exe &&
		    !strcmp(oi.exe, "/usr/local/bin/shmstat"))
			f.reader_proc = true;
	}
	bt_result_free(res);
	return f;
}

static void chain_case(uint64_t events, uint64_t seed)
{
	const char *p = tu_path("chain.btl");
	struct bt_gen_info info = gen_log(p, events, seed);
	struct bt_graph *g;
	struct found f;
	int r;

	ck_assert_str_eq(info.detection, "file:/var/tmp/.x/loot");
	ck_assert_str_eq(info.entry, "203.0.113.66:4444");
	r = bt_graph_load(&g, p, NULL, NULL);
	ck_assert_msg(r == 0, "load: %s", bt_error_msg());

	f = walk(g, &info, BT_GRAN_PAGE);
	ck_assert_msg(f.entry, "page: entry endpoint not reached");
	ck_assert_msg(f.payload, "page: payload not reached");
	ck_assert_msg(f.page, "page: shared page not reached");
	ck_assert_msg(f.reader_proc, "page: reader process not reached");
	ck_assert_msg(!f.noise, "page: the other page's writer was reached");

	f = walk(g, &info, BT_GRAN_OBJECT);
	ck_assert_msg(f.entry, "object: entry endpoint not reached");
	ck_assert_msg(f.noise, "object: the other page's writer not reached");
	bt_graph_free(g);
}

START_TEST(test_chain_page_vs_object)
{
	chain_case(200000, 1);
}
END_TEST

START_TEST(test_chain_seeds)
{
	chain_case(20000, (uint64_t)_i * 7919 + 2);
}
END_TEST

START_TEST(test_chain_tiny)
{
	/* fewer events than the chain itself: still planted, still found */
	chain_case(10, 5);
}
END_TEST

/* The chain's objects are fresh: the entry endpoint only feeds the curl
 * process, the attack page is written and read by one process each. */
START_TEST(test_chain_fresh)
{
	const char *p = tu_path("fresh.btl");
	struct bt_gen_info info = gen_log(p, 100000, 9);
	struct bt_graph *g;
	const uint32_t *refs;
	uint32_t ep, file, pg, who = 0;
	size_t n, i;

	ck_assert_int_eq(bt_graph_load(&g, p, NULL, NULL), 0);
	ck_assert_int_eq(bt_graph_find_endpoint(g, info.entry, &ep), 0);
	ck_assert_uint_eq(bt_graph_in(g, ep, &refs), 1);  /* the send */
	n = bt_graph_out(g, ep, &refs);
	ck_assert_uint_ge(n, 2);
	for (i = 0; i < n; i++) {
		const struct bt_rec_event ev = ev_of(g, refs[i]), *e = &ev;

		if (!who)
			who = e->effect;
		ck_assert_uint_eq(e->effect, who);
	}
	ck_assert_int_eq(bt_graph_find_file(g, "/dev/shm/.x", &file), 0);
	ck_assert_int_eq(bt_graph_find_page(g, file, 12, &pg), 0);
	n = bt_graph_in(g, pg, &refs);
	ck_assert_uint_ge(n, 1);
	for (i = 0, who = 0; i < n; i++) {
		const struct bt_rec_event ev = ev_of(g, refs[i]), *e = &ev;

		ck_assert_uint_eq(e->op, BT_OP_PAGE_WRITE);
		if (!who)
			who = e->cause;
		ck_assert_uint_eq(e->cause, who);
	}
	ck_assert_uint_eq(bt_graph_out(g, pg, &refs), 1);
	bt_graph_free(g);
}
END_TEST

START_TEST(test_bad_args)
{
	struct bt_log_writer *w;
	struct bt_gen_opts o = { .events = 10 };
	struct bt_gen_info info;

	ck_assert_int_eq(bt_gen(NULL, &o, &info), BT_EINVAL);
	ck_assert_int_eq(bt_log_writer_open(&w, tu_path("bad.btl"),
					    BT_LOGW_CREATE), 0);
	ck_assert_int_eq(bt_gen(w, NULL, &info), BT_EINVAL);
	ck_assert_int_eq(bt_gen(w, &o, NULL), BT_EINVAL);
	o.events = (uint64_t)1 << 50;
	ck_assert_int_eq(bt_gen(w, &o, &info), BT_EINVAL);
	ck_assert(strstr(bt_error_msg(), "too many") != NULL);
	/* nothing was written by the refused calls */
	ck_assert_uint_eq(bt_log_writer_objects(w), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
}
END_TEST

/* ---- bt_gen_jsonl ------------------------------------------------------ */

/* The log at `log` as JSONL text (caller frees). */
static char *to_jsonl(const char *log, uint64_t *lines)
{
	const char *out = tu_path("out.jsonl");
	FILE *f = fopen(out, "w");
	char *text;
	int r;

	ck_assert_ptr_nonnull(f);
	r = bt_gen_jsonl(f, log, lines);
	ck_assert_msg(r == 0, "jsonl: %s", bt_error_msg());
	ck_assert_int_eq(fclose(f), 0);
	text = tu_read_file(out, NULL);
	ck_assert_ptr_nonnull(text);
	return text;
}

static unsigned count_lines(const char *s, const char *needle)
{
	unsigned n = 0;

	for (; (s = strstr(s, needle)); s++)
		n++;
	return n;
}

/* Imported back, a generated log's JSONL holds about the same events and
 * the same planted chain. */
START_TEST(test_jsonl_roundtrip)
{
	const char *p = tu_path("j.btl"), *q = tu_path("ji.btl");
	struct bt_gen_info info = gen_log(p, 30000, 4);
	struct bt_log *log;
	struct bt_log_stats st;
	struct bt_graph *g;
	struct found f;
	uint64_t lines;
	char *text = to_jsonl(p, &lines);
	int r;

	ck_assert_uint_eq(count_lines(text, "\n"), lines);
	ck_assert_uint_gt(lines, info.events * 9 / 10);
	r = tu_log_from_jsonl(q, text);
	ck_assert_msg(r == 0, "import: %s", bt_error_msg());
	free(text);
	ck_assert_int_eq(bt_log_open(&log, q), 0);
	ck_assert_int_eq(bt_log_stats(log, &st), 0);
	ck_assert_uint_ge(st.events, info.events * 95 / 100);
	ck_assert_uint_le(st.events, info.events * 105 / 100);
	ck_assert_uint_gt(st.by_op[BT_OP_LOOKUP], 0);  /* derived again */
	bt_log_close(log);

	ck_assert_int_eq(bt_graph_load(&g, q, NULL, NULL), 0);
	f = walk(g, &info, BT_GRAN_PAGE);
	ck_assert_msg(f.entry && f.payload && f.page && !f.noise,
		      "imported, page: entry %d payload %d page %d noise %d",
		      f.entry, f.payload, f.page, f.noise);
	f = walk(g, &info, BT_GRAN_OBJECT);
	ck_assert(f.entry && f.noise);
	bt_graph_free(g);
}
END_TEST

/* A truncate that empties the file comes out with "length":0 and back in
 * with its flag; one of unknown length without a length. */
START_TEST(test_jsonl_truncate_length)
{
	const char *p = tu_path("t.btl"), *q = tu_path("ti.btl");
	struct bt_log_writer *w;
	struct bt_graph *g;
	struct bt_rec_event e;
	const uint32_t *in;
	uint32_t file;
	size_t n, i, empty = 0, other = 0;
	char *text;

	ck_assert_int_eq(bt_log_writer_open(&w, p, BT_LOGW_CREATE), 0);
	ck_assert_int_eq(bt_log_append_process(w, 1, 10, 1000, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 7), 0);
	ck_assert_int_eq(bt_log_append_label(w, 2, BT_LABEL_PATH, 1000,
					     "/log", 4), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_TRUNCATE, BT_EVF_EMPTY,
					     0, 2000, 1, 2), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_TRUNCATE, 0, 0, 3000,
					     1, 2), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	text = to_jsonl(p, NULL);
	ck_assert_uint_eq(count_lines(text, "\"op\":\"truncate\""), 2);
	ck_assert_uint_eq(count_lines(text, "\"length\":0"), 1);
	ck_assert_int_eq(tu_log_from_jsonl(q, text), 0);
	free(text);
	ck_assert_int_eq(bt_graph_load(&g, q, NULL, NULL), 0);
	ck_assert_int_eq(bt_graph_find_file(g, "/log", &file), 0);
	n = bt_graph_in(g, file, &in);
	for (i = 0; i < n; i++) {
		ck_assert(bt_graph_event(g, in[i], &e));
		if (e.op != BT_OP_TRUNCATE)
			continue;
		if (e.flags & BT_EVF_EMPTY)
			ck_assert_uint_eq(empty++, other);  /* the first */
		else
			other++;
	}
	ck_assert_uint_eq(empty, 1);
	ck_assert_uint_eq(other, 1);
	bt_graph_free(g);
}
END_TEST

/* Two processes with one pid: an exit line between them keeps them apart
 * on import.  A hostile path comes back byte-exact. */
START_TEST(test_jsonl_pid_reuse_and_escapes)
{
	static const char evil[] = "/tmp/a\"b\\c\nd\te\x01";
	const char *p = tu_path("h.btl"), *q = tu_path("hi.btl");
	struct bt_log_writer *w;
	struct bt_graph *g;
	uint32_t file, a, b;
	uint64_t lines;
	char *text;
	int r;

	ck_assert_int_eq(bt_log_writer_open(&w, p, BT_LOGW_CREATE), 0);
	ck_assert_int_eq(bt_log_append_process(w, 1, 10, 1000, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 7), 0);
	ck_assert_int_eq(bt_log_append_label(w, 2, BT_LABEL_PATH, 1000, evil,
					     strlen(evil)), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 5, 2000, 1, 2),
			 0);
	ck_assert_int_eq(bt_log_append_process(w, 3, 10, 3000, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0, 5, 4000, 2, 3),
			 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);

	text = to_jsonl(p, &lines);
	ck_assert_uint_eq(lines, 3);
	ck_assert_msg(strstr(text, "\"op\":\"exit\",\"pid\":10") != NULL,
		      "no exit line: %s", text);
	ck_assert_ptr_null(strchr(text, '\t'));  /* escaped, not raw */
	r = tu_log_from_jsonl(q, text);
	ck_assert_msg(r == 0, "import: %s\n%s", bt_error_msg(), text);
	free(text);

	ck_assert_int_eq(bt_graph_load(&g, q, NULL, NULL), 0);
	ck_assert_int_eq(bt_graph_find_file(g, evil, &file), 0);
	ck_assert_int_eq(bt_graph_find_process(g, 10, 2500, &a), 0);
	ck_assert_int_eq(bt_graph_find_process(g, 10, 0, &b), 0);
	ck_assert_uint_ne(a, b);
	bt_graph_free(g);
}
END_TEST

START_TEST(test_jsonl_bad_input)
{
	const char *p = tu_path("notalog");
	FILE *f = tmpfile();

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(tu_write_file(p, "hello, world\n", 13), 0);
	ck_assert_int_eq(bt_gen_jsonl(f, p, NULL), BT_ECORRUPT);
	ck_assert_int_lt(bt_gen_jsonl(f, tu_path("missing"), NULL), 0);
	ck_assert_int_eq(bt_gen_jsonl(NULL, p, NULL), BT_EINVAL);
	ck_assert_int_eq(bt_gen_jsonl(f, NULL, NULL), BT_EINVAL);
	fclose(f);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("gen");
	TCase *tc;

	tc = tcase_create("deterministic");
	tcase_add_test(tc, test_deterministic);
	suite_add_tcase(s, tc);
	tc = tcase_create("start_time");
	tcase_add_test(tc, test_start_time);
	suite_add_tcase(s, tc);
	tc = tcase_create("count");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_count_small);
	tcase_add_test(tc, test_count_large);
	suite_add_tcase(s, tc);
	tc = tcase_create("shapes");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_shapes);
	suite_add_tcase(s, tc);
	tc = tcase_create("chain");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_chain_page_vs_object);
	tcase_add_loop_test(tc, test_chain_seeds, 0, 5);
	tcase_add_test(tc, test_chain_tiny);
	suite_add_tcase(s, tc);
	tc = tcase_create("fresh");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_chain_fresh);
	suite_add_tcase(s, tc);
	tc = tcase_create("jsonl");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_jsonl_roundtrip);
	tcase_add_test(tc, test_jsonl_pid_reuse_and_escapes);
	tcase_add_test(tc, test_jsonl_truncate_length);
	tcase_add_test(tc, test_jsonl_bad_input);
	suite_add_tcase(s, tc);
	tc = tcase_create("bad_args");
	tcase_add_test(tc, test_bad_args);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite());
}
