/*
 * check_walk.c - backward and forward walks (graph/walk.c) and detection
 * point specs.
 *
 * The logs are JSONL scenarios imported through the real importer
 * (tu_log_from_jsonl), so each one reads like the paper's example.  Results
 * are compared as sets of readable names: a process is "p<pid>", a file its
 * path without the leading '/', a page "<file>#<index>" (a vma group
 * "<file>#<first>-<last>"), a filename "n:<path>", an endpoint its address.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/error.h"
#include "../graph/graph.h"
#include "../core/log.h"
#include "../core/timefmt.h"
#include "../graph/walk.h"
#include "testutil.h"

/* One JSONL line at 2026-11-21T10:00:SS Z. */
#define L(ss, rest) "{\"time\":\"2026-11-21T10:00:" ss "Z\"," rest "}\n"

/* Time T(k) of the scenarios: k seconds after 10:00:00. */
static uint64_t T(int k)
{
	uint64_t t;

	ck_assert_int_eq(bt_time_parse(&t, "2026-11-21T10:00:00Z"), 0);
	return t + (uint64_t)k * 1000000000u;
}

static struct bt_graph *import(const char *name, const char *jsonl)
{
	struct bt_graph *g = NULL;
	int r = tu_log_from_jsonl(tu_path(name), jsonl);

	ck_assert_msg(r == 0, "import: %s", bt_error_msg());
	r = bt_graph_load(&g, tu_path(name), NULL, NULL);
	ck_assert_msg(r == 0, "load: %s", bt_error_msg());
	return g;
}

static void node_name(const struct bt_graph *g, const struct bt_node *n,
		      char *buf, size_t len)
{
	struct bt_object_info in;

	ck_assert_int_eq(bt_graph_object(g, n->obj, &in), 0);
	switch (n->kind) {
	case BT_OBJ_PROCESS:
		snprintf(buf, len, "p%u", in.pid);
		break;
	case BT_OBJ_FILE:
		snprintf(buf, len, "%s", in.path ? in.path + 1 : "?");
		break;
	case BT_OBJ_PAGE:
		if (n->page_first == n->page_last)
			snprintf(buf, len, "%s#%llu", in.path + 1,
				 (unsigned long long)n->page_first);
		else
			snprintf(buf, len, "%s#%llu-%llu", in.path + 1,
				 (unsigned long long)n->page_first,
				 (unsigned long long)n->page_last);
		break;
	case BT_OBJ_FILENAME:
		snprintf(buf, len, "n:%s", in.path);
		break;
	default:
		snprintf(buf, len, "%s", in.path);
		break;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, space-separated names; static storage. */
static const char *join_sorted(char **items, size_t n, const char *sep)
{
	static char out[4096];
	size_t i, k = 0;

	qsort(items, n, sizeof(*items), cmp_str);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		k += (size_t)snprintf(out + k, sizeof(out) - k, "%s%s",
				      i ? sep : "", items[i]);
		free(items[i]);
	}
	free(items);
	return out;
}

static const char *nodeset(const struct bt_result *r)
{
	char **items = calloc(r->nnodes + 1, sizeof(char *));
	size_t i;

	for (i = 0; i < r->nnodes; i++) {
		items[i] = malloc(256);
		node_name(r->g, &r->nodes[i], items[i], 256);
	}
	return join_sorted(items, r->nnodes, " ");
}

/* "cause>effect op[xN]" for every edge, sorted, comma-separated. */
static const char *edgeset(const struct bt_result *r)
{
	char **items = calloc(r->nedges + 1, sizeof(char *));
	char a[256], b[256];
	size_t i;

	for (i = 0; i < r->nedges; i++) {
		const struct bt_edge *e = &r->edges[i];

		node_name(r->g, &r->nodes[e->from], a, sizeof(a));
		node_name(r->g, &r->nodes[e->to], b, sizeof(b));
		items[i] = malloc(600);
		if (e->count > 1)
			snprintf(items[i], 600, "%s>%s %s x%u", a, b,
				 bt_op_name(e->op), e->count);
		else
			snprintf(items[i], 600, "%s>%s %s", a, b,
				 bt_op_name(e->op));
	}
	return join_sorted(items, r->nedges, ", ");
}

/* The node standing for object id `obj`, or NULL. */
static const struct bt_node *node(const struct bt_result *r, uint32_t obj)
{
	size_t i;

	for (i = 0; i < r->nnodes; i++)
		if (r->nodes[i].obj == obj)
			return &r->nodes[i];
	return NULL;
}

static uint32_t file_id(const struct bt_graph *g, const char *path)
{
	uint32_t id = 0;

	ck_assert_msg(bt_graph_find_file(g, path, &id) == 0, "%s",
		      bt_error_msg());
	return id;
}

static uint32_t proc_id(const struct bt_graph *g, uint32_t pid)
{
	uint32_t id = 0;

	ck_assert_msg(bt_graph_find_process(g, pid, 0, &id) == 0, "%s",
		      bt_error_msg());
	return id;
}

static struct bt_result *walk(const struct bt_graph *g, enum bt_dir dir,
			      uint32_t start, enum bt_gran gran,
			      uint64_t since, uint64_t until)
{
	struct bt_walk_opts o;
	struct bt_result *r = NULL;
	int ret;

	bt_walk_opts_init(&o);
	o.gran = gran;
	o.since = since;
	o.until = until;
	ret = dir == BT_BACKWARD ? bt_backtrack(&r, g, start, &o) :
		bt_forward(&r, g, start, &o);
	ck_assert_msg(ret == 0, "walk: %s", bt_error_msg());
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->detection, 0);
	ck_assert_uint_eq(r->nodes[0].obj, start);
	ck_assert(r->nodes[0].flags & BT_NODE_DETECTION);
	return r;
}

/*
 * Sarmoria and Chapin (2005), the worked example:
 * T0 p1 creates p2; T1 p2 writes B; T2 p2 writes C; T3 p1 reads A;
 * T4 p1 creates p3; T5 p3 reads B; T6 p3 writes X; T7 p3 reads C;
 * T8 p1 creates p4; T9 p4 writes D.
 */
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

START_TEST(sarmoria_backtrack)
{
	struct bt_graph *g = import("s.btl", sarmoria);
	struct bt_result *r = walk(g, BT_BACKWARD, file_id(g, "/X"),
				   BT_GRAN_PAGE, 0, BT_TIME_NONE);
	size_t i;

	/* C is read after X was written; D and p4 are unrelated. */
	ck_assert_str_eq(nodeset(r), "A B X p1 p2 p3");
	ck_assert_str_eq(edgeset(r),
		"A>p1 read, B>p3 read, p1>p2 fork, p1>p3 fork, "
		"p2>B write, p3>X write");
	/* Thresholds: X the time of its last write; a cause the time of
	 * the latest event it caused inside the window (p1: T4, not T0). */
	ck_assert_uint_eq(r->nodes[0].threshold, T(6));
	ck_assert_uint_eq(r->opts.until, T(6));
	ck_assert_uint_eq(node(r, proc_id(g, 3))->threshold, T(6));
	ck_assert_uint_eq(node(r, file_id(g, "/B"))->threshold, T(5));
	ck_assert_uint_eq(node(r, proc_id(g, 1))->threshold, T(4));
	ck_assert_uint_eq(node(r, proc_id(g, 2))->threshold, T(1));
	ck_assert_uint_eq(node(r, file_id(g, "/A"))->threshold, T(3));
	/* depths: hops from X */
	ck_assert_uint_eq(node(r, proc_id(g, 3))->depth, 1);
	ck_assert_uint_eq(node(r, proc_id(g, 1))->depth, 2);
	ck_assert_uint_eq(node(r, file_id(g, "/B"))->depth, 2);
	ck_assert_uint_eq(node(r, file_id(g, "/A"))->depth, 3);
	ck_assert_uint_eq(node(r, proc_id(g, 2))->depth, 3);
	/* edge times */
	for (i = 0; i < r->nedges; i++) {
		const struct bt_edge *e = &r->edges[i];

		ck_assert_uint_eq(e->count, 1);
		ck_assert_uint_eq(e->first, e->last);
		if (r->nodes[e->to].obj == file_id(g, "/X"))
			ck_assert_uint_eq(e->first, T(6));
		if (r->nodes[e->from].obj == file_id(g, "/A"))
			ck_assert_uint_eq(e->first, T(3));
	}
	ck_assert(!r->truncated);
	bt_result_free(r);
	bt_graph_free(g);
}
END_TEST

/* The same example written out of time order (a merge of several
 * recorders may do that): the loader sorts each list, the walk is the
 * same. */
START_TEST(sarmoria_out_of_order)
{
	static const struct { int t; uint8_t op; uint32_t c, e; } ev[] = {
		/* objects: 1-4 = p1-p4, 5 A, 6 B, 7 C, 8 D, 9 X */
		{ 9, BT_OP_WRITE, 4, 8 }, { 3, BT_OP_READ, 5, 1 },
		{ 6, BT_OP_WRITE, 3, 9 }, { 0, BT_OP_FORK, 1, 2 },
		{ 7, BT_OP_READ, 7, 3 }, { 1, BT_OP_WRITE, 2, 6 },
		{ 8, BT_OP_FORK, 1, 4 }, { 5, BT_OP_READ, 6, 3 },
		{ 2, BT_OP_WRITE, 2, 7 }, { 4, BT_OP_FORK, 1, 3 },
	};
	static const char *const files[] = { "/A", "/B", "/C", "/D", "/X" };
	struct bt_log_writer *w = NULL;
	struct bt_graph *g = NULL;
	struct bt_result *r;
	uint32_t i;

	ck_assert_int_eq(bt_log_writer_open(&w, tu_path("shuf.btl"),
				BT_LOGW_CREATE | BT_LOGW_TRUNC), 0);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(bt_log_append_process(w, i + 1, i + 1,
				 T(0), 0, 0), 0);
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(bt_log_append_file(w, i + 5, BT_FILEF_SYNTH,
						    0, i + 1), 0);
		ck_assert_int_eq(bt_log_append_label(w, i + 5, BT_LABEL_PATH,
				 T(0), files[i], 2), 0);
	}
	for (i = 0; i < sizeof(ev) / sizeof(ev[0]); i++)
		ck_assert_int_eq(bt_log_append_event(w, ev[i].op, 0, 0,
				 T(ev[i].t), ev[i].c, ev[i].e), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_graph_load(&g, tu_path("shuf.btl"), NULL, NULL),
			 0);

	r = walk(g, BT_BACKWARD, 9, BT_GRAN_PAGE, 0, BT_TIME_NONE);
	ck_assert_str_eq(nodeset(r), "A B X p1 p2 p3");
	ck_assert_uint_eq(node(r, 1)->threshold, T(4));
	bt_result_free(r);
	r = walk(g, BT_FORWARD, 5, BT_GRAN_PAGE, 0, BT_TIME_NONE);
	ck_assert_str_eq(nodeset(r), "A D X p1 p3 p4");
	bt_result_free(r);
	bt_graph_free(g);
}
END_TEST

START_TEST(order_and_entry_flags)
{
	struct bt_graph *g = import("s.btl", sarmoria);
	struct bt_result *r = walk(g, BT_BACKWARD, file_id(g, "/X"),
				   BT_GRAN_PAGE, 0, BT_TIME_NONE);
	size_t i;

	/* nodes by (depth, kind, object id); edges by (first, from, to) */
	for (i = 1; i < r->nnodes; i++) {
		const struct bt_node *a = &r->nodes[i - 1], *b = &r->nodes[i];

		ck_assert(a->depth < b->depth ||
			  (a->depth == b->depth && (a->kind < b->kind ||
			   (a->kind == b->kind && a->obj < b->obj))));
		ck_assert(!(b->flags & BT_NODE_DETECTION));
	}
	for (i = 1; i < r->nedges; i++)
		ck_assert_uint_le(r->edges[i - 1].first, r->edges[i].first);
	/* The only entry point is A: everything else has a cause. */
	for (i = 0; i < r->nnodes; i++) {
		bool entry = r->nodes[i].flags & BT_NODE_ENTRY;

		ck_assert_int_eq(entry, r->nodes[i].obj == file_id(g, "/A"));
		ck_assert(!(r->nodes[i].flags & BT_NODE_REMOTE));
	}
	bt_result_free(r);

	/* Nothing affected A: the result is A alone, an entry point with an
	 * unbounded threshold. */
	r = walk(g, BT_BACKWARD, file_id(g, "/A"), BT_GRAN_PAGE, 0,
		 BT_TIME_NONE);
	ck_assert_uint_eq(r->nnodes, 1);
	ck_assert_uint_eq(r->nedges, 0);
	ck_assert_uint_eq(r->nodes[0].threshold, BT_TIME_NONE);
	ck_assert_uint_eq(r->nodes[0].flags,
			  BT_NODE_DETECTION | BT_NODE_ENTRY);
	bt_result_free(r);
	bt_graph_free(g);
}
END_TEST

START_TEST(since_until)
{
	struct bt_graph *g = import("s.btl", sarmoria);
	struct bt_result *r;

	/* since T2: p2's write of B (T1) is too early, p2 is not reached */
	r = walk(g, BT_BACKWARD, file_id(g, "/X"), BT_GRAN_PAGE, T(2),
		 BT_TIME_NONE);
	ck_assert_str_eq(nodeset(r), "A B X p1 p3");
	ck_assert(node(r, file_id(g, "/B"))->flags & BT_NODE_ENTRY);
	bt_result_free(r);
	/* until T5: X was written at T6, nothing before affects it */
	r = walk(g, BT_BACKWARD, file_id(g, "/X"), BT_GRAN_PAGE, 0, T(5));
	ck_assert_str_eq(nodeset(r), "X");
	ck_assert_uint_eq(r->nodes[0].threshold, T(5));
	bt_result_free(r);
	/* p3 until T4: its fork (T4) counts, its read of B (T5) not */
	r = walk(g, BT_BACKWARD, proc_id(g, 3), BT_GRAN_PAGE, 0, T(4));
	ck_assert_str_eq(nodeset(r), "A p1 p3");
	bt_result_free(r);
	/* an empty window is the caller's mistake */
	{
		struct bt_walk_opts o;

		bt_walk_opts_init(&o);
		o.since = T(5);
		o.until = T(4);
		ck_assert_int_eq(bt_backtrack(&r, g, proc_id(g, 3), &o),
				 BT_EINVAL);
		ck_assert_ptr_null(r);
	}
	bt_graph_free(g);
}
END_TEST

/*
 * A cause reached twice keeps the later threshold, even when it was
 * examined already.  P writes D (T9).  P read F (T3) and G (T8).  Q wrote F
 * at T2, so Q is first reached (depth 3) with threshold T2 and examined:
 * its read of H (T4) is too late for that.  The longer path D<-P<-G<-R<-K
 * reaches Q again with threshold T5 (Q wrote K at T5): now H (T4) and its
 * writer p70 belong to the result, and Q's fork (T0) is not counted twice.
 */
static const char twice[] =
	L("00", "\"op\":\"fork\",\"pid\":1,\"child\":50")
	L("01", "\"op\":\"write\",\"pid\":70,\"path\":\"/H\"")
	L("02", "\"op\":\"write\",\"pid\":50,\"path\":\"/F\"")
	L("03", "\"op\":\"read\",\"pid\":60,\"path\":\"/F\"")
	L("04", "\"op\":\"read\",\"pid\":50,\"path\":\"/H\"")
	L("05", "\"op\":\"write\",\"pid\":50,\"path\":\"/K\"")
	L("06", "\"op\":\"read\",\"pid\":80,\"path\":\"/K\"")
	L("07", "\"op\":\"write\",\"pid\":80,\"path\":\"/G\"")
	L("08", "\"op\":\"read\",\"pid\":60,\"path\":\"/G\"")
	L("09", "\"op\":\"write\",\"pid\":60,\"path\":\"/D\"");

START_TEST(reached_twice_keeps_max)
{
	struct bt_graph *g = import("twice.btl", twice);
	struct bt_result *r = walk(g, BT_BACKWARD, file_id(g, "/D"),
				   BT_GRAN_PAGE, 0, BT_TIME_NONE);

	ck_assert_str_eq(nodeset(r), "D F G H K p1 p50 p60 p70 p80");
	ck_assert_str_eq(edgeset(r),
		"F>p60 read, G>p60 read, H>p50 read, K>p80 read, "
		"p1>p50 fork, p50>F write, p50>K write, p60>D write, "
		"p70>H write, p80>G write");
	ck_assert_uint_eq(node(r, proc_id(g, 50))->threshold, T(5));
	ck_assert_uint_eq(node(r, proc_id(g, 50))->depth, 3);
	ck_assert_uint_eq(node(r, file_id(g, "/H"))->threshold, T(4));
	/* every event is examined at most once */
	ck_assert_uint_le(r->examined, bt_graph_nevents(g));
	bt_result_free(r);
	bt_graph_free(g);
}
END_TEST

/* Two processes with pid 100, one after the other. */
static const char reuse[] =
	L("00", "\"op\":\"fork\",\"pid\":1,\"child\":100")
	L("01", "\"op\":\"write\",\"pid\":100,\"path\":\"/E\"")
	L("02", "\"op\":\"exit\",\"pid\":100")
	L("03", "\"op\":\"fork\",\"pid\":1,\"child\":100")
	L("04", "\"op\":\"write\",\"pid\":100,\"path\":\"/F\"");

START_TEST(pid_reuse)
{
	struct bt_graph *g = import("reuse.btl", reuse);
	uint32_t first, second, id;
	uint64_t t;
	char spec[64];
	struct bt_result *r;

	ck_assert_int_eq(bt_graph_find_process(g, 100, T(1), &first), 0);
	second = proc_id(g, 100);
	ck_assert_uint_ne(first, second);
	r = walk(g, BT_BACKWARD, file_id(g, "/F"), BT_GRAN_PAGE, 0,
		 BT_TIME_NONE);
	ck_assert_str_eq(nodeset(r), "F p1 p100");
	ck_assert_ptr_nonnull(node(r, second));
	ck_assert_ptr_null(node(r, first));
	bt_result_free(r);
	r = walk(g, BT_BACKWARD, file_id(g, "/E"), BT_GRAN_PAGE, 0,
		 BT_TIME_NONE);
	ck_assert_ptr_nonnull(node(r, first));
	ck_assert_ptr_null(node(r, second));
	bt_result_free(r);

	/* specs: proc:PID is the latest, proc:PID@TIME the one running */
	ck_assert_int_eq(bt_spec_resolve(&id, &t, g, "proc:100"), 0);
	ck_assert_uint_eq(id, second);
	ck_assert_uint_eq(t, BT_TIME_NONE);
	snprintf(spec, sizeof(spec), "proc:100@%llu",
		 (unsigned long long)(T(1) / 1000000000u));
	ck_assert_int_eq(bt_spec_resolve(&id, &t, g, spec), 0);
	ck_assert_uint_eq(id, first);
	ck_assert_uint_eq(t, T(1));
	ck_assert_int_eq(bt_spec_resolve(&id, &t, g,
			 "proc:100@2026-11-21T10:00:03Z"), 0);
	ck_assert_uint_eq(id, second);
	bt_graph_free(g);
}
END_TEST

/*
 * Impact of A, forward: p1 reads A at T3, so A's threshold is T3.  p1's
 * events at or after T3: it creates p3 (T4) and p4 (T8), not p2 (T0).  p3
 * (threshold T4) writes X at T6; its reads of B and C affect p3, not the
 * other way round.  p4 (T8) writes D at T9.  Result: A p1 p3 p4 X D, and
 * the leaves X and D are the entry flags of a forward walk.
 */
START_TEST(forward_mirror)
{
	struct bt_graph *g = import("s.btl", sarmoria);
	struct bt_result *r;
	size_t i;

	r = walk(g, BT_FORWARD, file_id(g, "/A"), BT_GRAN_PAGE, 0,
		 BT_TIME_NONE);
	ck_assert_str_eq(nodeset(r), "A D X p1 p3 p4");
	ck_assert_str_eq(edgeset(r),
		"A>p1 read, p1>p3 fork, p1>p4 fork, p3>X write, p4>D write");
	ck_assert_uint_eq(r->nodes[0].threshold, T(3));
	ck_assert_uint_eq(r->opts.since, T(3));
	ck_assert_uint_eq(node(r, proc_id(g, 3))->threshold, T(4));
	ck_assert_uint_eq(node(r, proc_id(g, 4))->threshold, T(8));
	for (i = 0; i < r->nnodes; i++) {
		uint32_t o = r->nodes[i].obj;
		bool leaf = o == file_id(g, "/X") || o == file_id(g, "/D");

		ck_assert_int_eq(!!(r->nodes[i].flags & BT_NODE_ENTRY), leaf);
	}
	bt_result_free(r);

	/* until T7 cuts p4's creation (T8) */
	r = walk(g, BT_FORWARD, file_id(g, "/A"), BT_GRAN_PAGE, 0, T(7));
	ck_assert_str_eq(nodeset(r), "A X p1 p3");
	bt_result_free(r);

	/* From p2 (its first act is T1): B and C; p3 is reached through B
	 * at T5 and keeps that, the minimum, not C's T7; so X (T6) counts. */
	r = walk(g, BT_FORWARD, proc_id(g, 2), BT_GRAN_PAGE, 0,
		 BT_TIME_NONE);
	ck_assert_str_eq(nodeset(r), "B C X p2 p3");
	ck_assert_uint_eq(node(r, proc_id(g, 3))->threshold, T(5));
	bt_result_free(r);

	/* since T6 from p1: only p4 (T8) and D remain */
	r = walk(g, BT_FORWARD, proc_id(g, 1), BT_GRAN_PAGE, T(6),
		 BT_TIME_NONE);
	ck_assert_str_eq(nodeset(r), "D p1 p4");
	bt_result_free(r);
	bt_graph_free(g);
}
END_TEST

/*
 * Shared memory: p10 writes page 1 and p11 page 5 of /dev/shm/s; p12 reads
 * page 1 and then writes /out.  `w11` is p11's mapping: pages 4-5 (apart
 * from p10's and p12's 0-1) or 0-5 (overlapping them).
 */
static char *shm_log(const char *w11)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf), "%s%s%s%s%s%s%s",
		L("00", "\"op\":\"mmap\",\"pid\":10,\"path\":\"/dev/shm/s\","
			"\"shared\":true,\"prot\":\"rw\",\"offset\":0,"
			"\"length\":8192"),
		w11,
		L("02", "\"op\":\"mmap\",\"pid\":12,\"path\":\"/dev/shm/s\","
			"\"shared\":true,\"prot\":\"r\",\"offset\":0,"
			"\"length\":8192"),
		L("03", "\"op\":\"page_write\",\"pid\":10,"
			"\"path\":\"/dev/shm/s\",\"page\":1"),
		L("04", "\"op\":\"page_write\",\"pid\":11,"
			"\"path\":\"/dev/shm/s\",\"page\":5"),
		L("05", "\"op\":\"page_read\",\"pid\":12,"
			"\"path\":\"/dev/shm/s\",\"page\":1"),
		L("06", "\"op\":\"write\",\"pid\":12,\"path\":\"/out\""));
	return buf;
}

#define W11_APART L("01", "\"op\":\"mmap\",\"pid\":11," \
	"\"path\":\"/dev/shm/s\",\"shared\":true,\"prot\":\"rw\"," \
	"\"offset\":16384,\"length\":8192")
#define W11_OVERLAP L("01", "\"op\":\"mmap\",\"pid\":11," \
	"\"path\":\"/dev/shm/s\",\"shared\":true,\"prot\":\"rw\"," \
	"\"offset\":0,\"length\":24576")

#define W11_WHOLE L("01", "\"op\":\"mmap\",\"pid\":11," \
	"\"path\":\"/dev/shm/s\",\"shared\":true,\"prot\":\"rw\"")

START_TEST(granularity)
{
	struct bt_graph *g = import("shm1.btl", shm_log(W11_APART));
	struct bt_result *r;
	uint32_t out = file_id(g, "/out"), shm = file_id(g, "/dev/shm/s");

	ck_assert(bt_graph_file_has_pages(g, shm));
	/* page: only the writer of page 1; the object-level mmap events of
	 * the file do not count (it has page events), so the file itself is
	 * not a node */
	r = walk(g, BT_BACKWARD, out, BT_GRAN_PAGE, 0, BT_TIME_NONE);
	ck_assert_str_eq(nodeset(r), "dev/shm/s#1 out p10 p12");
	ck_assert_str_eq(edgeset(r), "dev/shm/s#1>p12 page_read, "
		"p10>dev/shm/s#1 page_write, p12>out write");
	ck_assert_ptr_null(node(r, shm));
	bt_result_free(r);
	/* object: pages are their file, mmap events count: both writers */
	r = walk(g, BT_BACKWARD, out, BT_GRAN_OBJECT, 0, BT_TIME_NONE);
	ck_assert_str_eq(nodeset(r), "dev/shm/s out p10 p11 p12");
	ck_assert_ptr_nonnull(node(r, shm));
	ck_assert_uint_eq(node(r, shm)->kind, BT_OBJ_FILE);
	ck_assert_uint_eq(node(r, shm)->threshold, T(5));
	/* (p10 and p11 map it read-write: mmap_read edges to them too) */
	ck_assert_str_eq(edgeset(r), "dev/shm/s>p10 mmap_read, "
		"dev/shm/s>p11 mmap_read, dev/shm/s>p12 mmap_read, "
		"dev/shm/s>p12 page_read, p10>dev/shm/s mmap_write, "
		"p10>dev/shm/s page_write, p11>dev/shm/s mmap_write, "
		"p11>dev/shm/s page_write, p12>out write");
	bt_result_free(r);
	/* vma, mappings apart: pages 0-1 and 4-5 are different groups */
	r = walk(g, BT_BACKWARD, out, BT_GRAN_VMA, 0, BT_TIME_NONE);
	ck_assert_str_eq(nodeset(r), "dev/shm/s#0-1 out p10 p12");
	bt_result_free(r);
	bt_graph_free(g);

	/* vma, mappings overlapping: one group 0-5, both writers */
	g = import("shm2.btl", shm_log(W11_OVERLAP));
	out = file_id(g, "/out");
	r = walk(g, BT_BACKWARD, out, BT_GRAN_VMA, 0, BT_TIME_NONE);
	ck_assert_str_eq(nodeset(r), "dev/shm/s#0-5 out p10 p11 p12");
	bt_result_free(r);
	/* page granularity does not depend on the mappings */
	r = walk(g, BT_BACKWARD, out, BT_GRAN_PAGE, 0, BT_TIME_NONE);
	ck_assert_str_eq(nodeset(r), "dev/shm/s#1 out p10 p12");
	bt_result_free(r);
	bt_graph_free(g);

	/* p11 maps the whole file (no length): one group from page 0 to
	 * the end, shown up to the last page seen */
	g = import("shm3.btl", shm_log(W11_WHOLE));
	r = walk(g, BT_BACKWARD, file_id(g, "/out"), BT_GRAN_VMA, 0,
		 BT_TIME_NONE);
	ck_assert_str_eq(nodeset(r), "dev/shm/s#0-5 out p10 p11 p12");
	bt_result_free(r);
	bt_graph_free(g);
}
END_TEST

/* The mirror: what p11's write of page 5 affected.  Page: nothing reads
 * page 5.  vma apart: nothing reads pages 4-5.  vma overlapping: p12 read
 * page 1 of the same group 0-5 at T5 and wrote /out.  Object: the file,
 * then everyone who mapped or read it after T1 (p10 mapped it at T0,
 * before p11 acted: not reached). */
START_TEST(granularity_forward)
{
	struct bt_graph *g = import("shm1.btl", shm_log(W11_APART));
	struct bt_result *r;

	r = walk(g, BT_FORWARD, proc_id(g, 11), BT_GRAN_PAGE, 0,
		 BT_TIME_NONE);
	ck_assert_str_eq(nodeset(r), "dev/shm/s#5 p11");
	bt_result_free(r);
	r = walk(g, BT_FORWARD, proc_id(g, 11), BT_GRAN_VMA, 0, BT_TIME_NONE);
	ck_assert_str_eq(nodeset(r), "dev/shm/s#4-5 p11");
	bt_result_free(r);
	r = walk(g, BT_FORWARD, proc_id(g, 11), BT_GRAN_OBJECT, 0,
		 BT_TIME_NONE);
	ck_assert_str_eq(nodeset(r), "dev/shm/s out p11 p12");
	bt_result_free(r);
	bt_graph_free(g);

	g = import("shm2.btl", shm_log(W11_OVERLAP));
	r = walk(g, BT_FORWARD, proc_id(g, 11), BT_GRAN_VMA, 0, BT_TIME_NONE);
	ck_assert_str_eq(nodeset(r), "dev/shm/s#0-5 out p11 p12");
	bt_result_free(r);
	bt_graph_free(g);
}
END_TEST

/* A shared file mapped but never watched page by page: its object-level
 * mmap events are the only evidence and count at every granularity. */
static const char mmap_only[] =
	L("00", "\"op\":\"mmap\",\"pid\":20,\"path\":\"/dev/shm/t\","
		"\"shared\":true,\"prot\":\"rw\"")
	L("01", "\"op\":\"mmap\",\"pid\":21,\"path\":\"/dev/shm/t\","
		"\"shared\":true,\"prot\":\"r\"")
	L("02", "\"op\":\"write\",\"pid\":21,\"path\":\"/out2\"");

START_TEST(mmap_events_without_pages)
{
	struct bt_graph *g = import("mm.btl", mmap_only);
	struct bt_result *r;
	enum bt_gran gr;

	ck_assert(!bt_graph_file_has_pages(g, file_id(g, "/dev/shm/t")));
	for (gr = BT_GRAN_PAGE; gr <= BT_GRAN_OBJECT; gr++) {
		r = walk(g, BT_BACKWARD, file_id(g, "/out2"), gr, 0,
			 BT_TIME_NONE);
		ck_assert_str_eq(nodeset(r), "dev/shm/t out2 p20 p21");
		bt_result_free(r);
	}
	bt_graph_free(g);
}
END_TEST

START_TEST(limits)
{
	struct bt_graph *g = import("s.btl", sarmoria);
	struct bt_walk_opts o;
	struct bt_result *r = NULL;

	bt_walk_opts_init(&o);
	o.max_nodes = 3;
	ck_assert_int_eq(bt_backtrack(&r, g, file_id(g, "/X"), &o), 0);
	ck_assert_uint_eq(r->nnodes, 3);
	ck_assert(r->truncated);
	ck_assert_ptr_nonnull(strstr(r->limit, "3 nodes (--max-nodes)"));
	ck_assert_uint_eq(r->nodes[0].obj, file_id(g, "/X"));
	bt_result_free(r);

	bt_walk_opts_init(&o);
	o.max_depth = 1;
	ck_assert_int_eq(bt_backtrack(&r, g, file_id(g, "/X"), &o), 0);
	ck_assert_str_eq(nodeset(r), "X p3");
	ck_assert(r->truncated);
	ck_assert_ptr_nonnull(strstr(r->limit, "depth 1 (--max-depth)"));
	bt_result_free(r);

	/* a limit that is not reached truncates nothing */
	bt_walk_opts_init(&o);
	o.max_nodes = 6;
	o.max_depth = 3;
	ck_assert_int_eq(bt_backtrack(&r, g, file_id(g, "/X"), &o), 0);
	ck_assert_uint_eq(r->nnodes, 6);
	ck_assert(!r->truncated);
	ck_assert_str_eq(r->limit, "");
	bt_result_free(r);

	/* bad start objects and granularity */
	bt_walk_opts_init(&o);
	ck_assert_int_eq(bt_backtrack(&r, g, 0, &o), BT_EINVAL);
	ck_assert_int_eq(bt_forward(&r, g, bt_graph_nobjects(g) + 1, &o),
			 BT_EINVAL);
	o.gran = (enum bt_gran)7;
	ck_assert_int_eq(bt_backtrack(&r, g, file_id(g, "/X"), &o),
			 BT_EINVAL);
	bt_graph_free(g);
}
END_TEST

static void same_result(const struct bt_result *a, const struct bt_result *b)
{
	size_t i;

	ck_assert_uint_eq(a->nnodes, b->nnodes);
	ck_assert_uint_eq(a->nedges, b->nedges);
	for (i = 0; i < a->nnodes; i++) {
		ck_assert_uint_eq(a->nodes[i].obj, b->nodes[i].obj);
		ck_assert_uint_eq(a->nodes[i].flags, b->nodes[i].flags);
		ck_assert_uint_eq(a->nodes[i].depth, b->nodes[i].depth);
		ck_assert_uint_eq(a->nodes[i].threshold, b->nodes[i].threshold);
	}
	for (i = 0; i < a->nedges; i++) {
		ck_assert_uint_eq(a->edges[i].from, b->edges[i].from);
		ck_assert_uint_eq(a->edges[i].to, b->edges[i].to);
		ck_assert_uint_eq(a->edges[i].op, b->edges[i].op);
		ck_assert_uint_eq(a->edges[i].count, b->edges[i].count);
		ck_assert_uint_eq(a->edges[i].first, b->edges[i].first);
	}
}

START_TEST(determinism)
{
	struct bt_graph *g = import("twice.btl", twice);
	struct bt_graph *g2 = NULL;
	struct bt_result *a, *b, *c;
	enum bt_gran gr;

	ck_assert_int_eq(bt_graph_load(&g2, tu_path("twice.btl"), NULL,
				       NULL), 0);
	for (gr = BT_GRAN_PAGE; gr <= BT_GRAN_OBJECT; gr++) {
		a = walk(g, BT_BACKWARD, file_id(g, "/D"), gr, 0,
			 BT_TIME_NONE);
		b = walk(g, BT_BACKWARD, file_id(g, "/D"), gr, 0,
			 BT_TIME_NONE);
		c = walk(g2, BT_BACKWARD, file_id(g2, "/D"), gr, 0,
			 BT_TIME_NONE);
		ck_assert_uint_gt(a->nnodes, 5);
		same_result(a, b);
		same_result(a, c);
		bt_result_free(a);
		bt_result_free(b);
		bt_result_free(c);
	}
	bt_graph_free(g2);
	bt_graph_free(g);
}
END_TEST

/* Data received from a remote endpoint, written to a file. */
static const char remote[] =
	L("00", "\"op\":\"recv\",\"pid\":30,\"remote\":\"203.0.113.9:4444\"")
	L("01", "\"op\":\"create\",\"pid\":30,\"path\":\"/tmp/dropped\"")
	L("02", "\"op\":\"write\",\"pid\":30,\"path\":\"/tmp/dropped\"");

START_TEST(endpoints_are_entry_points)
{
	struct bt_graph *g = import("remote.btl", remote);
	struct bt_result *r;
	uint32_t ep, id;
	uint64_t t;
	size_t i;

	ck_assert_int_eq(bt_spec_resolve(&ep, &t, g,
			 "endpoint:203.0.113.9:4444"), 0);
	ck_assert_int_eq(bt_graph_kind(g, ep), BT_OBJ_ENDPOINT);
	r = walk(g, BT_BACKWARD, file_id(g, "/tmp/dropped"), BT_GRAN_PAGE, 0,
		 BT_TIME_NONE);
	/* the name p30 created is modified, so the write through it looks
	 * it up (BackTracker's name dependency) */
	ck_assert_str_eq(nodeset(r),
			 "203.0.113.9:4444 n:/tmp/dropped p30 tmp/dropped");
	for (i = 0; i < r->nnodes; i++) {
		if (r->nodes[i].obj == ep)
			ck_assert_uint_eq(r->nodes[i].flags,
					  BT_NODE_ENTRY | BT_NODE_REMOTE);
		else
			ck_assert(!(r->nodes[i].flags & BT_NODE_ENTRY));
	}
	bt_result_free(r);
	/* forward from the endpoint: still remote and an entry point */
	r = walk(g, BT_FORWARD, ep, BT_GRAN_PAGE, 0, BT_TIME_NONE);
	ck_assert_ptr_nonnull(strstr(nodeset(r), "tmp/dropped"));
	ck_assert_uint_eq(r->nodes[0].flags,
			  BT_NODE_DETECTION | BT_NODE_ENTRY | BT_NODE_REMOTE);
	bt_result_free(r);
	ck_assert_int_eq(bt_spec_resolve(&id, &t, g, "filename:/tmp/dropped"),
			 0);
	ck_assert_int_eq(bt_graph_kind(g, id), BT_OBJ_FILENAME);
	bt_graph_free(g);
}
END_TEST

START_TEST(specs)
{
	struct bt_graph *g = import("shm1.btl", shm_log(W11_APART));
	uint32_t id, page;
	uint64_t t;
	enum bt_gran gr;
	static const char *const bad[] = {
		"", "file:", "proc:", "proc:abc", "proc:12x", "proc:-1",
		"proc:99999999999", "proc:10@", "proc:10@yesterday",
		"page:/dev/shm/s", "page:/dev/shm/s#", "page:/dev/shm/s#x",
		"page:#1", "bogus:/x", "FILE:/out", "filename:", "endpoint:",
	};
	size_t i;

	ck_assert_int_eq(bt_spec_resolve(&id, &t, g, "file:/out"), 0);
	ck_assert_uint_eq(id, file_id(g, "/out"));
	ck_assert_uint_eq(t, BT_TIME_NONE);
	ck_assert_int_eq(bt_spec_resolve(&id, &t, g, "proc:12"), 0);
	ck_assert_uint_eq(id, proc_id(g, 12));
	ck_assert_int_eq(bt_spec_resolve(&id, &t, g, "page:/dev/shm/s#5"), 0);
	ck_assert_int_eq(bt_graph_find_page(g, file_id(g, "/dev/shm/s"), 5,
					    &page), 0);
	ck_assert_uint_eq(id, page);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = bt_spec_resolve(&id, &t, g, bad[i]);

		ck_assert_msg(r == BT_EINVAL, "'%s' gave %d", bad[i], r);
	}
	/* well formed but naming nothing: the message names it */
	ck_assert_int_eq(bt_spec_resolve(&id, &t, g, "file:/nope"),
			 BT_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "/nope"));
	ck_assert_int_eq(bt_spec_resolve(&id, &t, g, "proc:4242"),
			 BT_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "4242"));
	ck_assert_int_eq(bt_spec_resolve(&id, &t, g, "page:/dev/shm/s#3"),
			 BT_ENOTFOUND);
	ck_assert_int_eq(bt_spec_resolve(&id, &t, g, "page:/nope#3"),
			 BT_ENOTFOUND);
	ck_assert_int_eq(bt_spec_resolve(&id, &t, g, "filename:/nope"),
			 BT_ENOTFOUND);
	ck_assert_int_eq(bt_spec_resolve(&id, &t, g, "endpoint:1.2.3.4:5"),
			 BT_ENOTFOUND);
	/* p12 started at T2 (first seen): nothing with pid 12 before */
	ck_assert_int_eq(bt_spec_resolve(&id, &t, g,
			 "proc:12@2026-11-21T09:00:00Z"), BT_ENOTFOUND);

	/* granularity names */
	for (gr = BT_GRAN_PAGE; gr <= BT_GRAN_OBJECT; gr++) {
		enum bt_gran back = (enum bt_gran)-1;

		ck_assert_int_eq(bt_gran_parse(&back, bt_gran_name(gr)), 0);
		ck_assert_int_eq(back, gr);
	}
	ck_assert_str_eq(bt_gran_name(BT_GRAN_VMA), "vma");
	ck_assert_int_eq(bt_gran_parse(&gr, "pages"), BT_EINVAL);
	ck_assert_int_eq(bt_gran_parse(&gr, ""), BT_EINVAL);
	ck_assert_ptr_null(bt_gran_name((enum bt_gran)3));
	bt_graph_free(g);
}
END_TEST

/*
 * Issue 8: a file written through a shared mapping (page events) and then
 * read with read(2): the read depends on every page write before it (the
 * log has no offsets), at every granularity; a page read depends on an
 * earlier write(2); forward mirrors both.
 */
static const char mixed_io[] =
	L("01", "\"op\":\"write\",\"pid\":10,\"path\":\"/dev/shm/m\"")
	L("02", "\"op\":\"page_write\",\"pid\":11,\"path\":\"/dev/shm/m\",\"page\":1")
	L("03", "\"op\":\"read\",\"pid\":12,\"path\":\"/dev/shm/m\"")
	L("04", "\"op\":\"write\",\"pid\":12,\"path\":\"/out\"")
	L("05", "\"op\":\"page_write\",\"pid\":13,\"path\":\"/dev/shm/m\",\"page\":2")
	L("06", "\"op\":\"page_read\",\"pid\":14,\"path\":\"/dev/shm/m\",\"page\":1")
	L("07", "\"op\":\"write\",\"pid\":14,\"path\":\"/out2\"");

START_TEST(read_after_page_writes)
{
	struct bt_graph *g = import("mixed.btl", mixed_io);
	struct bt_walk_opts o;
	struct bt_result *r;
	const char *n;
	int gran;

	for (gran = BT_GRAN_PAGE; gran <= BT_GRAN_OBJECT; gran++) {
		bt_walk_opts_init(&o);
		o.gran = (enum bt_gran)gran;
		ck_assert_int_eq(bt_backtrack(&r, g, file_id(g, "/out"), &o), 0);
		n = nodeset(r);
		/* p11's page write before the read; not p13's after it. */
		ck_assert_msg(strstr(n, "p11") && strstr(n, "p10") &&
			      !strstr(n, "p13"), "%s: %s",
			      bt_gran_name(o.gran), n);
		bt_result_free(r);
		/* A page read depends on the write(2) before it. */
		ck_assert_int_eq(bt_backtrack(&r, g, file_id(g, "/out2"), &o),
				 0);
		n = nodeset(r);
		ck_assert_msg(strstr(n, "p10") && strstr(n, "p11"), "%s: %s",
			      bt_gran_name(o.gran), n);
		bt_result_free(r);
		/* Forward: the page writer reaches the reader of read(2). */
		ck_assert_int_eq(bt_forward(&r, g, proc_id(g, 11), &o), 0);
		n = nodeset(r);
		ck_assert_msg(strstr(n, "out") && strstr(n, "p12"), "%s: %s",
			      bt_gran_name(o.gran), n);
		bt_result_free(r);
	}
	bt_graph_free(g);
}
END_TEST

/* The recorder's preload library is never a cause. */
START_TEST(recorder_library_is_no_cause)
{
	struct bt_graph *g = import("rec.btl",
		L("01", "\"op\":\"read\",\"pid\":10,\"path\":\"/usr/lib/btrack/libbtrack-pages.so\"")
		L("02", "\"op\":\"read\",\"pid\":10,\"path\":\"/in\"")
		L("03", "\"op\":\"write\",\"pid\":10,\"path\":\"/out\""));
	struct bt_walk_opts o;
	struct bt_result *r;

	bt_walk_opts_init(&o);
	ck_assert_int_eq(bt_backtrack(&r, g, file_id(g, "/out"), &o), 0);
	ck_assert_str_eq(nodeset(r), "in out p10");
	bt_result_free(r);
	bt_graph_free(g);
}
END_TEST

/* --from paths: relative, "./", "..", through a symlinked directory. */
START_TEST(spec_paths)
{
	char real[4096], jsonl[8192], cwd[4096], spec[4200];
	struct bt_graph *g;
	uint32_t id, want;
	uint64_t t;

	ck_assert_ptr_nonnull(realpath(tu_tmpdir(), real));
	ck_assert_int_eq(mkdir(tu_path("d"), 0777), 0);
	ck_assert_int_eq(symlink(tu_path("d"), tu_path("lnk")), 0);
	snprintf(jsonl, sizeof(jsonl),
		 L("01", "\"op\":\"write\",\"pid\":10,\"path\":\"%s/d/x\""),
		 real);
	g = import("paths.btl", jsonl);
	snprintf(spec, sizeof(spec), "%s/d/x", real);
	want = file_id(g, spec);
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(tu_path("d")), 0);
	ck_assert_int_eq(bt_spec_resolve(&id, &t, g, "file:x"), 0);
	ck_assert_uint_eq(id, want);
	ck_assert_int_eq(bt_spec_resolve(&id, &t, g, "file:./x"), 0);
	ck_assert_uint_eq(id, want);
	ck_assert_int_eq(bt_spec_resolve(&id, &t, g, "file:../d/./x"), 0);
	ck_assert_uint_eq(id, want);
	snprintf(spec, sizeof(spec), "file:%s", tu_path("lnk/x"));
	ck_assert_int_eq(bt_spec_resolve(&id, &t, g, spec), 0);
	ck_assert_uint_eq(id, want);
	/* Naming nothing: the candidates are in the message. */
	ck_assert_int_eq(bt_spec_resolve(&id, &t, g, "file:nothing"),
			 BT_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "/d/nothing'"));
	ck_assert_int_eq(chdir(cwd), 0);
	bt_graph_free(g);
}
END_TEST

/*
 * A file name's default threshold is not a later unlink: `make clean`
 * removing the name after the fact must not make rm a cause.  p1 creates
 * /app at T1; p2 (rm) unlinks it at T5.
 */
START_TEST(later_unlink_is_no_cause)
{
	struct bt_graph *g = import("unlink.btl",
		L("00", "\"op\":\"fork\",\"pid\":9,\"child\":1")
		L("01", "\"op\":\"create\",\"pid\":1,\"path\":\"/app\"")
		L("04", "\"op\":\"fork\",\"pid\":9,\"child\":2")
		L("05", "\"op\":\"unlink\",\"pid\":2,\"path\":\"/app\""));
	struct bt_result *r;
	uint32_t id;
	uint64_t t;

	ck_assert_int_eq(bt_spec_resolve(&id, &t, g, "filename:/app"), 0);
	r = walk(g, BT_BACKWARD, id, BT_GRAN_PAGE, 0, t);
	ck_assert_msg(strstr(nodeset(r), "p1") != NULL, "%s", nodeset(r));
	ck_assert_msg(strstr(nodeset(r), "p2") == NULL, "%s", nodeset(r));
	bt_result_free(r);
	/* asked at the unlink's time, rm is a cause */
	r = walk(g, BT_BACKWARD, id, BT_GRAN_PAGE, 0, T(5));
	ck_assert_msg(strstr(nodeset(r), "p2") != NULL, "%s", nodeset(r));
	bt_result_free(r);
	bt_graph_free(g);
}
END_TEST

/*
 * copytruncate as logrotate does it (K2): p1 writes /log, p2 copies it to
 * /log.1, p3 empties /log, p4 writes into it, p5 copies what it then holds
 * to /out.  `length` is the truncate's JSONL field.
 */
static char *copytrunc(const char *length)
{
	char *s = NULL;

	ck_assert_int_ge(asprintf(&s, "%s{\"time\":\"2026-11-21T10:00:03Z\","
		"\"op\":\"truncate\",\"pid\":3,\"path\":\"/log\"%s}\n%s",
		L("00", "\"op\":\"write\",\"pid\":1,\"path\":\"/log\"")
		L("01", "\"op\":\"read\",\"pid\":2,\"path\":\"/log\"")
		L("02", "\"op\":\"write\",\"pid\":2,\"path\":\"/log.1\""),
		length,
		L("04", "\"op\":\"write\",\"pid\":4,\"path\":\"/log\"")
		L("05", "\"op\":\"read\",\"pid\":5,\"path\":\"/log\"")
		L("06", "\"op\":\"write\",\"pid\":5,\"path\":\"/out\"")), 0);
	return s;
}

/*
 * Process memory (mem_write, mem_read): p3 reads S and writes it into
 * p2's memory at T3; p2 wrote E before and writes V after; p4 reads p2's
 * memory at T5 and writes L.
 */
static const char meminj[] =
	L("00", "\"op\":\"fork\",\"pid\":1,\"child\":2")
	L("01", "\"op\":\"read\",\"pid\":3,\"path\":\"/S\"")
	L("02", "\"op\":\"write\",\"pid\":2,\"path\":\"/E\"")
	L("03", "\"op\":\"mem_write\",\"pid\":3,\"peer\":2")
	L("04", "\"op\":\"write\",\"pid\":2,\"path\":\"/V\"")
	L("05", "\"op\":\"mem_read\",\"pid\":4,\"peer\":2")
	L("06", "\"op\":\"write\",\"pid\":4,\"path\":\"/L\"");

static const char *walk_names(const struct bt_graph *g, enum bt_dir dir,
			      uint32_t start, uint64_t t);

START_TEST(memory_writes_and_reads_are_followed)
{
	struct bt_graph *g = import("mem.btl", meminj);
	struct bt_result *r;

	r = walk(g, BT_BACKWARD, file_id(g, "/V"), BT_GRAN_PAGE, 0,
		 BT_TIME_NONE);
	ck_assert_str_eq(nodeset(r), "S V p1 p2 p3");
	ck_assert_str_eq(edgeset(r), "S>p3 read, p1>p2 fork, p2>V write, "
			 "p3>p2 mem_write");
	bt_result_free(r);
	/* before the injection p2 held nothing of S */
	ck_assert_str_eq(walk_names(g, BT_BACKWARD, file_id(g, "/E"),
				    BT_TIME_NONE), "E p1 p2");
	ck_assert_str_eq(walk_names(g, BT_BACKWARD, file_id(g, "/L"),
				    BT_TIME_NONE), "L S p1 p2 p3 p4");
	/* the reader p4 is no cause of p2 */
	ck_assert_str_eq(walk_names(g, BT_BACKWARD, file_id(g, "/V"),
				    BT_TIME_NONE), "S V p1 p2 p3");
	ck_assert_str_eq(walk_names(g, BT_FORWARD, file_id(g, "/S"), 0),
			 "L S V p2 p3 p4");
	/* from after the injection, p3 reaches nothing more */
	ck_assert_str_eq(walk_names(g, BT_FORWARD, proc_id(g, 3), T(4)),
			 "p3");
	bt_graph_free(g);
}
END_TEST

/* The nodes of a walk from `start`, the same at every granularity; `t`
 * is until backward, since forward. */
static const char *walk_names(const struct bt_graph *g, enum bt_dir dir,
			      uint32_t start, uint64_t t)
{
	static char buf[4096];
	bool back = dir == BT_BACKWARD;
	int gran;

	for (gran = BT_GRAN_PAGE; gran <= BT_GRAN_OBJECT; gran++) {
		struct bt_result *r = walk(g, dir, start, (enum bt_gran)gran,
					   back ? 0 : t,
					   back ? t : BT_TIME_NONE);

		if (gran == BT_GRAN_PAGE)
			snprintf(buf, sizeof(buf), "%s", nodeset(r));
		else    /* no pages: every granularity answers alike */
			ck_assert_str_eq(nodeset(r), buf);
		ck_assert_uint_le(r->examined, bt_graph_nevents(g));
		bt_result_free(r);
	}
	return buf;
}

/* A truncation to 0 ends what was written before it: backward the file's
 * writers before it are no cause of what it holds after (the process that
 * emptied it is), forward what was written before it does not reach the
 * readers after it. */
START_TEST(emptying_ends_earlier_writes)
{
	char *jl = copytrunc(",\"length\":0");
	struct bt_graph *g = import("ct.btl", jl);
	uint32_t log = file_id(g, "/log");

	ck_assert_str_eq(walk_names(g, BT_BACKWARD, log, BT_TIME_NONE),
			 "log p3 p4");
	ck_assert_str_eq(walk_names(g, BT_BACKWARD, file_id(g, "/out"),
				    BT_TIME_NONE), "log out p3 p4 p5");
	ck_assert_str_eq(walk_names(g, BT_BACKWARD, file_id(g, "/log.1"),
				    BT_TIME_NONE), "log log.1 p1 p2");
	/* asked before the truncation, the old writer is the cause */
	ck_assert_str_eq(walk_names(g, BT_BACKWARD, log, T(2)), "log p1");
	/* at the truncation's own time: it and nothing before */
	ck_assert_str_eq(walk_names(g, BT_BACKWARD, log, T(3)), "log p3");
	ck_assert_str_eq(walk_names(g, BT_FORWARD, proc_id(g, 1), 0),
			 "log log.1 p1 p2");
	ck_assert_str_eq(walk_names(g, BT_FORWARD, proc_id(g, 4), 0),
			 "log out p4 p5");
	bt_graph_free(g);
	free(jl);
}
END_TEST

/* The controls: a truncation to another length, or to one unknown, cuts
 * nothing (the old content may still be there). */
START_TEST(other_truncations_cut_nothing)
{
	const char *lengths[] = { ",\"length\":5", "" };
	size_t i;

	for (i = 0; i < 2; i++) {
		char *jl = copytrunc(lengths[i]);
		struct bt_graph *g = import(i ? "cu.btl" : "c5.btl", jl);

		ck_assert_str_eq(walk_names(g, BT_BACKWARD,
					    file_id(g, "/out"), BT_TIME_NONE),
				 "log out p1 p3 p4 p5");
		ck_assert_str_eq(walk_names(g, BT_FORWARD, proc_id(g, 1), 0),
				 "log log.1 out p1 p2 p5");
		bt_graph_free(g);
		free(jl);
	}
}
END_TEST

/* A file reached at two times with an emptying between them: each time
 * keeps its writers, whichever the walk meets first (the earlier one met
 * second examines the file again).  /X gets what p2 read of /log before
 * the emptying (p1's) and what p5 read after it (p4's). */
START_TEST(emptying_reached_twice)
{
	static const char *const orders[] = {
		L("05", "\"op\":\"write\",\"pid\":2,\"path\":\"/X\"")
		L("06", "\"op\":\"write\",\"pid\":5,\"path\":\"/X\""),
		L("05", "\"op\":\"write\",\"pid\":5,\"path\":\"/X\"")
		L("06", "\"op\":\"write\",\"pid\":2,\"path\":\"/X\""),
	};
	size_t i;

	for (i = 0; i < 2; i++) {
		char *jl = NULL;
		struct bt_graph *g;

		ck_assert_int_ge(asprintf(&jl, "%s%s",
			L("00", "\"op\":\"write\",\"pid\":1,\"path\":\"/log\"")
			L("01", "\"op\":\"read\",\"pid\":2,\"path\":\"/log\"")
			L("02", "\"op\":\"truncate\",\"pid\":3,\"path\":"
			  "\"/log\",\"length\":0")
			L("03", "\"op\":\"write\",\"pid\":4,\"path\":\"/log\"")
			L("04", "\"op\":\"read\",\"pid\":5,\"path\":\"/log\""),
			orders[i]), 0);
		g = import(i ? "t2.btl" : "t1.btl", jl);
		ck_assert_str_eq(walk_names(g, BT_BACKWARD, file_id(g, "/X"),
					    BT_TIME_NONE),
				 "X log p1 p2 p3 p4 p5");
		bt_graph_free(g);
		free(jl);
	}
}
END_TEST

/* Forward, the mirror: p1's write into /log ends at the emptying, but p6
 * writes into it again afterwards what it got from p1 (through /Y), and
 * that reaches p7.  (p8, which read the emptied file between the two, is
 * kept too: a node has one window, from its earliest to its latest time,
 * which may keep more than each time needs but never less: walk.c,
 * window().) */
START_TEST(emptying_forward_reached_twice)
{
	struct bt_graph *g = import("tf.btl",
		L("00", "\"op\":\"write\",\"pid\":1,\"path\":\"/log\"")
		L("01", "\"op\":\"write\",\"pid\":1,\"path\":\"/Y\"")
		L("02", "\"op\":\"truncate\",\"pid\":2,\"path\":\"/log\","
		  "\"length\":0")
		L("03", "\"op\":\"read\",\"pid\":8,\"path\":\"/log\"")
		L("04", "\"op\":\"read\",\"pid\":6,\"path\":\"/Y\"")
		L("05", "\"op\":\"write\",\"pid\":6,\"path\":\"/log\"")
		L("06", "\"op\":\"read\",\"pid\":7,\"path\":\"/log\""));

	ck_assert_str_eq(walk_names(g, BT_FORWARD, proc_id(g, 1), 0),
			 "Y log p1 p6 p7 p8");
	bt_graph_free(g);
}
END_TEST

/* A writable shared mapping made before the emptying may write on after
 * it, unseen: nothing is cut. */
START_TEST(emptying_after_shared_mapping)
{
	struct bt_graph *g = import("tm.btl",
		L("00", "\"op\":\"mmap\",\"pid\":1,\"path\":\"/db\","
		  "\"shared\":true,\"prot\":\"rw\"")
		L("01", "\"op\":\"truncate\",\"pid\":2,\"path\":\"/db\","
		  "\"length\":0")
		L("02", "\"op\":\"write\",\"pid\":3,\"path\":\"/db\""));

	ck_assert_str_eq(walk_names(g, BT_BACKWARD, file_id(g, "/db"),
				    BT_TIME_NONE), "db p1 p2 p3");
	bt_graph_free(g);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("walk");
	SRunner *sr;
	int failed;
	struct {
		const char *name;
		const TTest *t;
	} cases[] = {
		{ "sarmoria_backtrack", sarmoria_backtrack },
		{ "sarmoria_out_of_order", sarmoria_out_of_order },
		{ "order_and_entry_flags", order_and_entry_flags },
		{ "since_until", since_until },
		{ "reached_twice_keeps_max", reached_twice_keeps_max },
		{ "pid_reuse", pid_reuse },
		{ "forward_mirror", forward_mirror },
		{ "granularity", granularity },
		{ "granularity_forward", granularity_forward },
		{ "mmap_events_without_pages", mmap_events_without_pages },
		{ "limits", limits },
		{ "determinism", determinism },
		{ "endpoints_are_entry_points", endpoints_are_entry_points },
		{ "specs", specs },
		{ "read_after_page_writes", read_after_page_writes },
		{ "recorder_library_is_no_cause", recorder_library_is_no_cause },
		{ "spec_paths", spec_paths },
		{ "later_unlink_is_no_cause", later_unlink_is_no_cause },
		{ "emptying_ends_earlier_writes",
		  emptying_ends_earlier_writes },
		{ "other_truncations_cut_nothing",
		  other_truncations_cut_nothing },
		{ "emptying_reached_twice", emptying_reached_twice },
		{ "emptying_forward_reached_twice",
		  emptying_forward_reached_twice },
		{ "emptying_after_shared_mapping",
		  emptying_after_shared_mapping },
		{ "memory_writes_and_reads_are_followed",
		  memory_writes_and_reads_are_followed },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_test(tc, cases[i].t);
		suite_add_tcase(s, tc);
	}
	tu_tmpdir();
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
