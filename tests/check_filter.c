/*
 * check_filter.c - the result filters (runtime, helpers, noise, private,
 * names, hide), the rule that no filter hides data that flowed into the
 * detection point, their guarantee that no kept node loses its path to the
 * detection point, the ranking of entry points, and IDS alerts as
 * detection points.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../capture/gen.h"
#include "../graph/alert.h"
#include "../core/error.h"
#include "../graph/filter.h"
#include "../graph/graph.h"
#include "../core/log.h"
#include "../graph/walk.h"
#include "testutil.h"

#define EV(t, rest) "{\"time\": " #t ", " rest "}\n"

/*
 * An attack: 203.0.113.9 -> p10 (recv) writes /tmp/evil; p20 runs a helper
 * (p21, "uname") through a pipe, reads /tmp/evil, /etc/secret and the
 * widely read /lib/libc.so.6, writes /dev/null and the output /srv/out.
 * Four other processes read libc too.
 */
static const char attack[] =
	EV(100, "\"op\": \"exec\", \"pid\": 10, \"path\": \"/usr/bin/curl\"")
	EV(101, "\"op\": \"read\", \"pid\": 10, \"path\": \"/lib/libc.so.6\"")
	EV(102, "\"op\": \"recv\", \"pid\": 10, \"remote\": \"203.0.113.9:4444\"")
	EV(103, "\"op\": \"create\", \"pid\": 10, \"path\": \"/tmp/evil\"")
	EV(104, "\"op\": \"write\", \"pid\": 10, \"path\": \"/tmp/evil\"")
	EV(110, "\"op\": \"exec\", \"pid\": 20, \"path\": \"/usr/bin/python3\"")
	EV(111, "\"op\": \"read\", \"pid\": 20, \"path\": \"/lib/libc.so.6\"")
	EV(112, "\"op\": \"fork\", \"pid\": 20, \"child\": 21")
	EV(113, "\"op\": \"exec\", \"pid\": 21, \"path\": \"/usr/bin/uname\"")
	EV(114, "\"op\": \"read\", \"pid\": 21, \"path\": \"/lib/libc.so.6\"")
	EV(115, "\"op\": \"write\", \"pid\": 21, \"path\": \"/proc/20/fd/pipe:[77]\", \"inode\": 77, \"dev\": 9")
	EV(116, "\"op\": \"read\", \"pid\": 20, \"path\": \"/proc/20/fd/pipe:[77]\", \"inode\": 77, \"dev\": 9")
	EV(117, "\"op\": \"read\", \"pid\": 20, \"path\": \"/tmp/evil\"")
	EV(118, "\"op\": \"read\", \"pid\": 20, \"path\": \"/etc/secret\"")
	EV(119, "\"op\": \"write\", \"pid\": 20, \"path\": \"/dev/null\"")
	EV(120, "\"op\": \"read\", \"pid\": 20, \"path\": \"/dev/tty1\"")
	EV(121, "\"op\": \"create\", \"pid\": 20, \"path\": \"/srv/out\"")
	EV(122, "\"op\": \"write\", \"pid\": 20, \"path\": \"/srv/out\"")
	EV(130, "\"op\": \"read\", \"pid\": 30, \"path\": \"/lib/libc.so.6\"")
	EV(131, "\"op\": \"read\", \"pid\": 31, \"path\": \"/lib/libc.so.6\"")
	EV(132, "\"op\": \"read\", \"pid\": 32, \"path\": \"/lib/libc.so.6\"");

static struct bt_graph *load(const char *jsonl)
{
	const char *log = tu_path("f.btl");
	struct bt_graph *g = NULL;

	ck_assert_msg(tu_log_from_jsonl(log, jsonl) == 0, "%s",
		      bt_error_msg());
	ck_assert_msg(bt_graph_load(&g, log, NULL, NULL) == 0, "%s",
		      bt_error_msg());
	return g;
}

static struct bt_result *walk_from(struct bt_graph *g, const char *spec,
				   enum bt_dir dir)
{
	struct bt_result *r = NULL;
	struct bt_walk_opts o;
	uint32_t obj;
	uint64_t t;

	ck_assert_msg(bt_spec_resolve(&obj, &t, g, spec) == 0, "%s",
		      bt_error_msg());
	bt_walk_opts_init(&o);
	if (dir == BT_BACKWARD)
		ck_assert_int_eq(bt_backtrack(&r, g, obj, &o), 0);
	else
		ck_assert_int_eq(bt_forward(&r, g, obj, &o), 0);
	return r;
}

/* Index of the node for `path` (file/filename/endpoint) or pid, or -1.
 * Runtime summaries are not objects: never found. */
static long find(const struct bt_result *r, const char *path, uint32_t pid)
{
	size_t i;

	for (i = 0; i < r->nnodes; i++) {
		struct bt_object_info info;

		if (r->nodes[i].flags & BT_NODE_SUMMARY)
			continue;
		ck_assert_int_eq(bt_graph_object(r->g, r->nodes[i].obj, &info),
				 0);
		if (path && info.path && !strcmp(info.path, path) &&
		    info.kind != BT_OBJ_FILENAME)
			return (long)i;
		if (pid && info.kind == BT_OBJ_PROCESS && info.pid == pid)
			return (long)i;
	}
	return -1;
}

/* Every node reaches the detection point (node 0) along the walk's
 * direction using the result's own edges. */
static void assert_connected(const struct bt_result *r)
{
	char *reach = calloc(r->nnodes + 1, 1);
	size_t i, changed = 1;

	reach[0] = 1;
	while (changed) {
		changed = 0;
		for (i = 0; i < r->nedges; i++) {
			const struct bt_edge *e = &r->edges[i];
			uint32_t near = r->dir == BT_BACKWARD ? e->to : e->from;
			uint32_t far = r->dir == BT_BACKWARD ? e->from : e->to;

			if (reach[near] && !reach[far]) {
				reach[far] = 1;
				changed = 1;
			}
		}
	}
	for (i = 0; i < r->nnodes; i++)
		ck_assert_msg(reach[i], "node %zu is cut off after filtering",
			      i);
	free(reach);
}

START_TEST(default_filters_remove_noise_and_keep_the_attack)
{
	struct bt_graph *g = load(attack);
	struct bt_result *r = walk_from(g, "file:/srv/out", BT_BACKWARD);
	struct bt_filter_opts o;
	struct bt_filter_report *rep;
	size_t before = r->nnodes;

	/* Unfiltered, everything is there. */
	ck_assert_int_ge(find(r, "/lib/libc.so.6", 0), 0);
	ck_assert_int_ge(find(r, "/dev/null", 0), -1);
	ck_assert_int_ge(find(r, "/dev/tty1", 0), 0);
	ck_assert_int_ge(find(r, NULL, 21), 0);

	bt_filter_opts_init(&o);
	ck_assert_int_eq(bt_filter_apply(r, &o, &rep), 0);
	ck_assert_ptr_eq(r->filters, rep);
	ck_assert_uint_eq(rep->nodes_before, before);
	ck_assert_uint_eq(rep->nodes_after, r->nnodes);
	ck_assert_uint_lt(r->nnodes, before);
	/* libc: a library nothing wrote, collapsed into its readers'
	 * summaries. */
	ck_assert_int_eq(find(r, "/lib/libc.so.6", 0), -1);
	ck_assert_uint_ge(rep->removed_by[BT_FILTER_RUNTIME], 1);
	ck_assert_uint_ge(rep->summaries, 1);
	/* The terminal is noise; the helper and its pipe are gone. */
	ck_assert_int_eq(find(r, "/dev/tty1", 0), -1);
	ck_assert_int_eq(find(r, NULL, 21), -1);
	ck_assert_uint_ge(rep->removed_by[BT_FILTER_HELPERS], 1);
	ck_assert_uint_ge(rep->removed_by[BT_FILTER_NOISE], 1);
	/* The secret, read by one process, stays; so does the whole path to
	 * the entry point. */
	ck_assert_int_ge(find(r, "/etc/secret", 0), 0);
	ck_assert_int_ge(find(r, "/tmp/evil", 0), 0);
	ck_assert_int_ge(find(r, NULL, 10), 0);
	ck_assert_int_ge(find(r, "203.0.113.9:4444", 0), 0);
	ck_assert_int_eq(r->nodes[0].flags & BT_NODE_DETECTION,
			 BT_NODE_DETECTION);
	assert_connected(r);
	ck_assert_uint_eq(rep->nremoved, before + rep->summaries - r->nnodes);
	bt_result_free(r);
	bt_filter_report_free(rep);
	bt_graph_free(g);
}
END_TEST

/* `secret=$(cat secret)`: a child that reads data from outside and hands
 * it to its parent through a pipe is how the data flows, not a helper. */
START_TEST(a_child_reading_outside_data_is_no_helper)
{
	static const char text[] =
	EV(100, "\"op\": \"exec\", \"pid\": 20, \"path\": \"/bin/sh\"")
	EV(101, "\"op\": \"fork\", \"pid\": 20, \"child\": 22")
	EV(102, "\"op\": \"exec\", \"pid\": 22, \"path\": \"/bin/cat\"")
	EV(103, "\"op\": \"read\", \"pid\": 22, \"path\": \"/home/u/secret\"")
	EV(104, "\"op\": \"write\", \"pid\": 22, \"path\": \"/proc/20/fd/pipe:[78]\", \"inode\": 78, \"dev\": 9")
	EV(105, "\"op\": \"read\", \"pid\": 20, \"path\": \"/proc/20/fd/pipe:[78]\", \"inode\": 78, \"dev\": 9")
	EV(106, "\"op\": \"fork\", \"pid\": 20, \"child\": 23")
	EV(107, "\"op\": \"exec\", \"pid\": 23, \"path\": \"/bin/uname\"")
	EV(108, "\"op\": \"write\", \"pid\": 23, \"path\": \"/proc/20/fd/pipe:[79]\", \"inode\": 79, \"dev\": 9")
	EV(109, "\"op\": \"read\", \"pid\": 20, \"path\": \"/proc/20/fd/pipe:[79]\", \"inode\": 79, \"dev\": 9")
	EV(110, "\"op\": \"write\", \"pid\": 20, \"path\": \"/srv/out\"");
	struct bt_graph *g = load(text);
	struct bt_result *r = walk_from(g, "file:/srv/out", BT_BACKWARD);
	struct bt_filter_opts o;
	struct bt_filter_report *rep;

	bt_filter_opts_init(&o);
	ck_assert_int_eq(bt_filter_apply(r, &o, &rep), 0);
	ck_assert_int_ge(find(r, NULL, 22), 0);
	ck_assert_int_ge(find(r, "/home/u/secret", 0), 0);
	/* uname took nothing from outside: a helper, gone with its pipe and
	 * its program. */
	ck_assert_int_eq(find(r, NULL, 23), -1);
	ck_assert_int_eq(find(r, "/bin/uname", 0), -1);
	ck_assert_int_eq(find(r, "/proc/20/fd/pipe:[79]", 0), -1);
	ck_assert_uint_ge(rep->removed_by[BT_FILTER_HELPERS], 1);
	/* What stays is the flow itself: /srv/out <- sh <- pipe 78 <- cat
	 * <- the secret, and the programs sh and cat ran, as summaries. */
	ck_assert_uint_eq(r->nnodes, 5 + rep->summaries);
	ck_assert_uint_eq(rep->summaries, 2);
	ck_assert_int_ge(find(r, NULL, 20), 0);
	ck_assert_int_ge(find(r, "/proc/20/fd/pipe:[78]", 0), 0);
	assert_connected(r);
	bt_result_free(r);
	bt_filter_report_free(rep);
	bt_graph_free(g);
}
END_TEST

START_TEST(each_filter_can_be_turned_off)
{
	struct bt_graph *g = load(attack);
	struct bt_result *r = walk_from(g, "file:/srv/out", BT_BACKWARD);
	struct bt_filter_opts o;
	struct bt_filter_report *rep;
	size_t before = r->nnodes;

	bt_filter_opts_init(&o);
	o.enabled = 0;
	ck_assert_int_eq(bt_filter_apply(r, &o, &rep), 0);
	ck_assert_uint_eq(r->nnodes, before);
	bt_filter_report_free(rep);

	o.enabled = 1u << BT_FILTER_NOISE;
	ck_assert_int_eq(bt_filter_apply(r, &o, &rep), 0);
	ck_assert_int_ge(find(r, "/lib/libc.so.6", 0), 0);
	ck_assert_int_ge(find(r, NULL, 21), 0);
	ck_assert_int_eq(find(r, "/dev/tty1", 0), -1);
	bt_filter_report_free(rep);
	bt_result_free(r);
	bt_graph_free(g);
}
END_TEST

/* Hiding the only link to the entry point keeps it: a filter never cuts a
 * path. */
START_TEST(hide_never_cuts_a_path)
{
	struct bt_graph *g = load(attack);
	struct bt_result *r = walk_from(g, "file:/srv/out", BT_BACKWARD);
	struct bt_filter_opts o;
	struct bt_filter_report *rep;
	const char *const globs[] = { "/tmp/evi*", "/etc/secret" };

	bt_filter_opts_init(&o);
	o.enabled |= 1u << BT_FILTER_HIDE;
	o.hide = globs;
	o.nhide = 2;
	ck_assert_int_eq(bt_filter_apply(r, &o, &rep), 0);
	/* /etc/secret is a leaf: hidden.  The file /tmp/evil and its name
	 * both join curl and the endpoint to the output (the write, and the
	 * create then lookup): one of the two must stay, and is counted as
	 * kept; the other goes. */
	ck_assert_int_eq(find(r, "/etc/secret", 0), -1);
	ck_assert_int_ge(find(r, "203.0.113.9:4444", 0), 0);
	ck_assert_int_ge(find(r, NULL, 10), 0);
	ck_assert_uint_eq(rep->kept_by[BT_FILTER_HIDE], 1);
	ck_assert_uint_eq(rep->removed_by[BT_FILTER_HIDE], 2);
	assert_connected(r);
	bt_result_free(r);
	bt_filter_report_free(rep);
	bt_graph_free(g);
}
END_TEST

/* On a generated log with thousands of processes: filtering shrinks the
 * result, keeps every kept node connected, and keeps the planted entry. */
START_TEST(generated_log_keeps_the_planted_entry)
{
	const char *log = tu_path("gen.btl");
	struct bt_log_writer *w = NULL;
	struct bt_gen_opts go = { .events = 200000, .seed = 7,
				  .start = 1700000000000000000ULL };
	struct bt_gen_info info;
	struct bt_graph *g = NULL;
	struct bt_result *r;
	struct bt_filter_opts o;
	struct bt_filter_report *rep;
	size_t before;

	ck_assert_int_eq(bt_log_writer_open(&w, log, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	ck_assert_msg(bt_gen(w, &go, &info) == 0, "%s", bt_error_msg());
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	r = walk_from(g, info.detection, BT_BACKWARD);
	before = r->nnodes;
	ck_assert_int_ge(find(r, info.entry, 0), 0);
	bt_filter_opts_init(&o);
	ck_assert_int_eq(bt_filter_apply(r, &o, &rep), 0);
	ck_assert_int_ge(find(r, info.entry, 0), 0);
	ck_assert_uint_le(r->nnodes, before);
	assert_connected(r);
	bt_result_free(r);
	bt_filter_report_free(rep);
	bt_graph_free(g);
}
END_TEST

START_TEST(forward_walks_keep_connectivity)
{
	struct bt_graph *g = load(attack);
	struct bt_result *r = walk_from(g, "endpoint:203.0.113.9:4444",
					BT_FORWARD);
	struct bt_filter_opts o;
	struct bt_filter_report *rep;

	bt_filter_opts_init(&o);
	ck_assert_int_eq(bt_filter_apply(r, &o, &rep), 0);
	ck_assert_int_ge(find(r, "/srv/out", 0), 0);
	ck_assert_int_eq(find(r, "/dev/null", 0), -1);
	assert_connected(r);
	bt_result_free(r);
	bt_filter_report_free(rep);
	bt_graph_free(g);
}
END_TEST

START_TEST(filter_lists_parse)
{
	unsigned v;

	ck_assert_int_eq(bt_filter_parse(&v, "readonly,noise"), 0);
	ck_assert_uint_eq(v, (1u << BT_FILTER_READONLY) |
			  (1u << BT_FILTER_NOISE));
	ck_assert_int_eq(bt_filter_parse(&v, "none"), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(bt_filter_parse(&v, "all"), 0);
	ck_assert_uint_eq(v, (1u << BT_FILTER_COUNT) - 1);
	ck_assert_int_eq(bt_filter_parse(&v, "runtime,private,names"), 0);
	ck_assert_uint_eq(v, (1u << BT_FILTER_RUNTIME) |
			  (1u << BT_FILTER_PRIVATE) | (1u << BT_FILTER_NAMES));
	ck_assert_int_eq(bt_filter_parse(&v, "default"), 0);
	ck_assert_uint_eq(v, BT_FILTERS_DEFAULT);
	ck_assert_int_eq(bt_filter_parse(&v, "readonly,bogus"), BT_EINVAL);
	ck_assert(strstr(bt_error_msg(), "bogus"));
}
END_TEST


/*
 * Issue 8, item 10: `cat s.txt | tr a-z A-Z | sort > o2`, where s.txt was
 * read by other processes before (ln, cp).  The data that flowed into o2
 * stays whoever else read it; the programs and libraries are runtime,
 * collapsed per process; sort's temporary file and its names are private;
 * the pipes are no entry points; s.txt is the first entry point.
 */
static const char pipeline[] =
	EV(100, "\"op\": \"exec\", \"pid\": 10, \"path\": \"/usr/bin/dash\"")
	EV(101, "\"op\": \"read\", \"pid\": 10, \"path\": \"/usr/lib/x86_64-linux-gnu/libc.so.6\"")
	EV(102, "\"op\": \"read\", \"pid\": 10, \"path\": \"/etc/passwd\"")
	EV(103, "\"op\": \"exec\", \"pid\": 11, \"path\": \"/usr/bin/cp\"")
	EV(104, "\"op\": \"read\", \"pid\": 11, \"path\": \"/tmp/w/s.txt\"")
	EV(105, "\"op\": \"write\", \"pid\": 11, \"path\": \"/tmp/w/c\"")
	EV(106, "\"op\": \"read\", \"pid\": 12, \"path\": \"/tmp/w/s.txt\"")
	EV(110, "\"op\": \"fork\", \"pid\": 10, \"child\": 20")
	EV(111, "\"op\": \"exec\", \"pid\": 20, \"path\": \"/usr/bin/cat\"")
	EV(112, "\"op\": \"read\", \"pid\": 20, \"path\": \"/usr/lib/x86_64-linux-gnu/libc.so.6\"")
	EV(113, "\"op\": \"read\", \"pid\": 20, \"path\": \"/usr/lib/locale/C.utf8/LC_CTYPE\"")
	EV(114, "\"op\": \"read\", \"pid\": 20, \"path\": \"/tmp/w/s.txt\"")
	EV(115, "\"op\": \"write\", \"pid\": 20, \"path\": \"/proc/9/fd/pipe:[501]\", \"inode\": 501, \"dev\": 9")
	EV(120, "\"op\": \"fork\", \"pid\": 10, \"child\": 21")
	EV(121, "\"op\": \"exec\", \"pid\": 21, \"path\": \"/usr/bin/tr\"")
	EV(122, "\"op\": \"read\", \"pid\": 21, \"path\": \"/usr/lib/x86_64-linux-gnu/libc.so.6\"")
	EV(123, "\"op\": \"read\", \"pid\": 21, \"path\": \"/proc/9/fd/pipe:[501]\", \"inode\": 501, \"dev\": 9")
	EV(124, "\"op\": \"write\", \"pid\": 21, \"path\": \"/proc/9/fd/pipe:[502]\", \"inode\": 502, \"dev\": 9")
	EV(130, "\"op\": \"fork\", \"pid\": 10, \"child\": 22")
	EV(131, "\"op\": \"exec\", \"pid\": 22, \"path\": \"/usr/bin/sort\"")
	EV(132, "\"op\": \"read\", \"pid\": 22, \"path\": \"/usr/lib/x86_64-linux-gnu/libc.so.6\"")
	EV(133, "\"op\": \"read\", \"pid\": 22, \"path\": \"/etc/nsswitch.conf\"")
	EV(134, "\"op\": \"read\", \"pid\": 22, \"path\": \"/proc/9/fd/pipe:[502]\", \"inode\": 502, \"dev\": 9")
	EV(135, "\"op\": \"create\", \"pid\": 22, \"path\": \"/tmp/sortAbc\"")
	EV(136, "\"op\": \"write\", \"pid\": 22, \"path\": \"/tmp/sortAbc\"")
	EV(137, "\"op\": \"read\", \"pid\": 22, \"path\": \"/tmp/sortAbc\"")
	EV(138, "\"op\": \"unlink\", \"pid\": 22, \"path\": \"/tmp/sortAbc\"")
	EV(139, "\"op\": \"write\", \"pid\": 22, \"path\": \"/tmp/w/o2\"");

START_TEST(data_stays_runtime_collapses)
{
	struct bt_graph *g = load(pipeline);
	struct bt_result *r = walk_from(g, "file:/tmp/w/o2", BT_BACKWARD);
	struct bt_filter_opts o;
	struct bt_filter_report *rep;
	size_t i, nsum = 0, nentry = 0;
	long s;

	ck_assert_int_ge(find(r, "/tmp/w/s.txt", 0), 0);
	bt_filter_opts_init(&o);
	ck_assert_int_eq(bt_filter_apply(r, &o, &rep), 0);
	/* Read by three processes, yet it is the data: it stays. */
	s = find(r, "/tmp/w/s.txt", 0);
	ck_assert_int_ge(s, 0);
	ck_assert(r->nodes[s].flags & BT_NODE_ENTRY);
	ck_assert_uint_eq(r->nodes[s].rank, BT_RANK_DATA);
	/* Runtime files: gone as objects, counted in summaries. */
	ck_assert_int_eq(find(r, "/usr/lib/x86_64-linux-gnu/libc.so.6", 0), -1);
	ck_assert_int_eq(find(r, "/usr/bin/sort", 0), -1);
	ck_assert_int_eq(find(r, "/etc/nsswitch.conf", 0), -1);
	ck_assert_int_eq(find(r, "/usr/lib/locale/C.utf8/LC_CTYPE", 0), -1);
	/* sort's temporary file: private. */
	ck_assert_int_eq(find(r, "/tmp/sortAbc", 0), -1);
	ck_assert_uint_ge(rep->removed_by[BT_FILTER_PRIVATE], 1);
	for (i = 0; i < r->nnodes; i++) {
		const struct bt_node *nd = &r->nodes[i];
		struct bt_object_info in;

		if (nd->flags & BT_NODE_SUMMARY) {
			nsum++;
			ck_assert(!(nd->flags & BT_NODE_ENTRY));
			ck_assert_uint_ge(nd->summary, 1);
			continue;
		}
		ck_assert_int_eq(bt_graph_object(g, nd->obj, &in), 0);
		if (bt_file_is_pipe(&in))
			ck_assert_msg(!(nd->flags & BT_NODE_ENTRY),
				      "pipe %s is an entry point", in.path);
		if (nd->flags & BT_NODE_ENTRY)
			nentry++;
	}
	/* dash, cat, tr, sort: one summary each; sort's names the most. */
	ck_assert_uint_eq(nsum, 4);
	ck_assert_uint_eq(rep->summaries, 4);
	/* The entry points: s.txt and the shell that started it all (its
	 * only causes were runtime files). */
	ck_assert_uint_eq(nentry, 2);
	ck_assert(r->nodes[find(r, NULL, 10)].flags & BT_NODE_ENTRY);
	ck_assert_uint_eq(r->nodes[find(r, NULL, 10)].rank, BT_RANK_PROCESS);
	assert_connected(r);
	bt_result_free(r);
	bt_filter_report_free(rep);

	/* --no-filters shows everything: libc and the temporary file. */
	r = walk_from(g, "file:/tmp/w/o2", BT_BACKWARD);
	o.enabled = 0;
	ck_assert_int_eq(bt_filter_apply(r, &o, &rep), 0);
	ck_assert_int_ge(find(r, "/usr/lib/x86_64-linux-gnu/libc.so.6", 0), 0);
	ck_assert_int_ge(find(r, "/tmp/sortAbc", 0), 0);
	ck_assert_uint_eq(rep->summaries, 0);
	/* Ranked anyway: data before the configuration every process
	 * reads. */
	ck_assert_uint_eq(r->nodes[find(r, "/tmp/w/s.txt", 0)].rank,
			  BT_RANK_DATA);
	ck_assert_uint_eq(r->nodes[find(r, "/usr/lib/x86_64-linux-gnu/libc.so.6",
					0)].rank, BT_RANK_COMMON);
	bt_result_free(r);
	bt_filter_report_free(rep);
	bt_graph_free(g);
}
END_TEST

/* zcat of files under /usr: their content is the data, not runtime. */
START_TEST(system_directory_data_stays)
{
	static const char text[] =
	EV(100, "\"op\": \"exec\", \"pid\": 10, \"path\": \"/usr/bin/gzip\"")
	EV(101, "\"op\": \"read\", \"pid\": 10, \"path\": \"/usr/share/doc/a/changelog.gz\"")
	EV(102, "\"op\": \"write\", \"pid\": 10, \"path\": \"/proc/9/fd/pipe:[9]\", \"inode\": 9, \"dev\": 9")
	EV(110, "\"op\": \"exec\", \"pid\": 11, \"path\": \"/usr/bin/gzip\"")
	EV(111, "\"op\": \"read\", \"pid\": 11, \"path\": \"/usr/share/doc/b/changelog.gz\"")
	EV(112, "\"op\": \"write\", \"pid\": 11, \"path\": \"/proc/9/fd/pipe:[9]\", \"inode\": 9, \"dev\": 9")
	EV(120, "\"op\": \"exec\", \"pid\": 12, \"path\": \"/usr/bin/wc\"")
	EV(121, "\"op\": \"read\", \"pid\": 12, \"path\": \"/proc/9/fd/pipe:[9]\", \"inode\": 9, \"dev\": 9")
	EV(122, "\"op\": \"write\", \"pid\": 12, \"path\": \"/tmp/count\"");
	struct bt_graph *g = load(text);
	struct bt_result *r = walk_from(g, "file:/tmp/count", BT_BACKWARD);
	struct bt_filter_opts o;
	struct bt_filter_report *rep;

	bt_filter_opts_init(&o);
	ck_assert_int_eq(bt_filter_apply(r, &o, &rep), 0);
	ck_assert_int_ge(find(r, "/usr/share/doc/a/changelog.gz", 0), 0);
	ck_assert_int_ge(find(r, "/usr/share/doc/b/changelog.gz", 0), 0);
	ck_assert_uint_eq(r->nodes[find(r, "/usr/share/doc/a/changelog.gz",
					0)].rank, BT_RANK_DATA);
	ck_assert_int_eq(find(r, "/usr/bin/gzip", 0), -1);
	bt_result_free(r);
	bt_filter_report_free(rep);
	bt_graph_free(g);
}
END_TEST

/* A library written in the window (a tampered libc), a library outside the
 * system directories (LD_PRELOAD=/tmp/evil.so) and a file reached through
 * a path that only looks like a system one are never runtime. */
START_TEST(suspicious_runtime_files_stay)
{
	static const char text[] =
	EV(100, "\"op\": \"write\", \"pid\": 5, \"path\": \"/usr/lib/libz.so.1\"")
	EV(110, "\"op\": \"exec\", \"pid\": 10, \"path\": \"/usr/bin/app\"")
	EV(111, "\"op\": \"read\", \"pid\": 10, \"path\": \"/usr/lib/libz.so.1\"")
	EV(112, "\"op\": \"read\", \"pid\": 10, \"path\": \"/tmp/evil.so\"")
	EV(113, "\"op\": \"read\", \"pid\": 10, \"path\": \"/usr/lib/../../home/u/x.so\"")
	EV(114, "\"op\": \"read\", \"pid\": 10, \"path\": \"/usr/lib/libc.so.6\"")
	EV(120, "\"op\": \"write\", \"pid\": 10, \"path\": \"/tmp/out\"");
	struct bt_graph *g = load(text);
	struct bt_result *r = walk_from(g, "file:/tmp/out", BT_BACKWARD);
	struct bt_filter_opts o;
	struct bt_filter_report *rep;
	long x;

	bt_filter_opts_init(&o);
	ck_assert_int_eq(bt_filter_apply(r, &o, &rep), 0);
	ck_assert_int_ge(find(r, "/usr/lib/libz.so.1", 0), 0);
	ck_assert_int_ge(find(r, NULL, 5), 0);
	x = find(r, "/tmp/evil.so", 0);
	ck_assert_int_ge(x, 0);
	ck_assert_uint_eq(r->nodes[x].rank, BT_RANK_PROGRAM);
	ck_assert_int_ge(find(r, "/usr/lib/../../home/u/x.so", 0), 0);
	ck_assert_int_eq(find(r, "/usr/lib/libc.so.6", 0), -1);
	bt_result_free(r);
	bt_filter_report_free(rep);
	bt_graph_free(g);
}
END_TEST

/* Entry points by rank: a remote endpoint, then a file written before the
 * window, data, a process, configuration; a name nobody changed is the
 * names filter's. */
START_TEST(entry_points_are_ranked)
{
	static const char text[] =
	EV(50, "\"op\": \"write\", \"pid\": 3, \"path\": \"/srv/old\"")
	EV(100, "\"op\": \"recv\", \"pid\": 10, \"remote\": \"198.51.100.7:443\"")
	EV(101, "\"op\": \"read\", \"pid\": 10, \"path\": \"/srv/old\"")
	EV(102, "\"op\": \"read\", \"pid\": 10, \"path\": \"/home/u/data\"")
	EV(103, "\"op\": \"read\", \"pid\": 10, \"path\": \"/etc/app.conf\"")
	EV(104, "\"op\": \"read\", \"pid\": 11, \"path\": \"/etc/app.conf\"")
	EV(105, "\"op\": \"read\", \"pid\": 12, \"path\": \"/etc/app.conf\"")
	EV(106, "\"op\": \"write\", \"pid\": 13, \"path\": \"/tmp/out\"")
	EV(107, "\"op\": \"read\", \"pid\": 10, \"path\": \"/home/u/.gitconfig\"")
	EV(110, "\"op\": \"write\", \"pid\": 10, \"path\": \"/tmp/out\"");
	struct bt_graph *g = load(text);
	struct bt_result *r = NULL;
	struct bt_walk_opts wo;
	struct bt_filter_opts o;
	struct bt_filter_report *rep;
	uint32_t obj;
	uint64_t t;

	ck_assert_int_eq(bt_spec_resolve(&obj, &t, g, "file:/tmp/out"), 0);
	bt_walk_opts_init(&wo);
	wo.since = 80;
	ck_assert_int_eq(bt_backtrack(&r, g, obj, &wo), 0);
	bt_filter_opts_init(&o);
	ck_assert_int_eq(bt_filter_apply(r, &o, &rep), 0);
	ck_assert_uint_eq(r->nodes[find(r, "198.51.100.7:443", 0)].rank,
			  BT_RANK_REMOTE);
	ck_assert_uint_eq(r->nodes[find(r, "/srv/old", 0)].rank,
			  BT_RANK_WRITTEN);
	ck_assert_uint_eq(r->nodes[find(r, "/home/u/data", 0)].rank,
			  BT_RANK_DATA);
	ck_assert_uint_eq(r->nodes[find(r, NULL, 10)].rank, BT_RANK_NONE);
	ck_assert_uint_eq(r->nodes[find(r, NULL, 13)].rank, BT_RANK_PROCESS);
	ck_assert_uint_eq(r->nodes[find(r, "/etc/app.conf", 0)].rank,
			  BT_RANK_COMMON);
	/* Configuration by its name, wherever it is. */
	ck_assert_uint_eq(r->nodes[find(r, "/home/u/.gitconfig", 0)].rank,
			  BT_RANK_COMMON);
	ck_assert_str_eq(bt_entry_rank_name(BT_RANK_REMOTE), "remote endpoint");
	ck_assert_ptr_null(bt_entry_rank_name(BT_RANK_NONE));
	bt_result_free(r);
	bt_filter_report_free(rep);
	bt_graph_free(g);
}
END_TEST

/* /proc/PID/... is noise to PID itself, information from PID to anyone
 * else (reading another process's environment or memory). */
START_TEST(another_process_proc_is_no_noise)
{
	static const char text[] =
	EV(100, "\"op\": \"read\", \"pid\": 30, \"path\": \"/proc/30/status\"")
	EV(101, "\"op\": \"read\", \"pid\": 30, \"path\": \"/proc/99/environ\"")
	EV(102, "\"op\": \"read\", \"pid\": 30, \"path\": \"/proc/self/maps\"")
	EV(103, "\"op\": \"write\", \"pid\": 30, \"path\": \"/tmp/out\"");
	struct bt_graph *g = load(text);
	struct bt_result *r = walk_from(g, "file:/tmp/out", BT_BACKWARD);
	struct bt_filter_opts o;
	struct bt_filter_report *rep;

	bt_filter_opts_init(&o);
	ck_assert_int_eq(bt_filter_apply(r, &o, &rep), 0);
	ck_assert_int_ge(find(r, "/proc/99/environ", 0), 0);
	ck_assert_int_eq(find(r, "/proc/30/status", 0), -1);
	ck_assert_int_eq(find(r, "/proc/self/maps", 0), -1);
	bt_result_free(r);
	bt_filter_report_free(rep);
	bt_graph_free(g);
}
END_TEST

/* ---- alerts -------------------------------------------------------------- */

static int read_alerts(const char *text, struct bt_alert **a, size_t *n)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	int r = bt_alert_read(a, n, in, "alerts.json");

	fclose(in);
	return r;
}

START_TEST(falco_alerts_become_detection_points)
{
	static const char text[] =
"{\"hostname\":\"h\",\"output\":\"File below /etc opened for writing\",\"priority\":\"Error\",\"rule\":\"Write below etc\",\"source\":\"syscall\",\"time\":\"2026-11-21T10:00:01.500000000Z\",\"output_fields\":{\"evt.time\":1700000000000000000,\"fd.name\":\"/etc/passwd\",\"proc.exepath\":\"/usr/bin/x\",\"proc.pid\":1234}}\n"
"\n"
"{\"rule\":\"Outbound connection\",\"time\":\"2026-11-21T10:00:02Z\",\"output_fields\":{\"fd.name\":\"10.0.0.1:5->10.0.0.2:80\",\"proc.pid\":77}}\n"
"{\"object\":\"file:/var/tmp/.x/loot\",\"time\":1700000000000000123}\n";
	struct bt_alert *a;
	size_t n;

	ck_assert_msg(read_alerts(text, &a, &n) == 0, "%s", bt_error_msg());
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(a[0].spec, "file:/etc/passwd");
	/* "time" wins over evt.time */
	ck_assert_uint_eq(a[0].time, 1795255201500000000ULL);
	ck_assert_str_eq(a[0].rule, "Write below etc");
	/* A socket fd.name is not a path: the process at that time. */
	ck_assert_str_eq(a[1].spec, "proc:77@2026-11-21T10:00:02.000000000Z");
	ck_assert_str_eq(a[2].spec, "file:/var/tmp/.x/loot");
	ck_assert_uint_eq(a[2].time, 1700000000000000123ULL);
	ck_assert_uint_eq(a[2].where, 4);
	free(a);
}
END_TEST

START_TEST(generic_alert_array)
{
	static const char text[] =
		"[{\"object\": \"proc:5\"}, {\"object\": \"page:/dev/shm/s#3\","
		" \"time\": \"2026-01-01T00:00:00Z\"}]";
	struct bt_alert *a;
	size_t n;

	ck_assert_int_eq(read_alerts(text, &a, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(a[0].spec, "proc:5");
	ck_assert_uint_eq(a[0].time, BT_TIME_NONE);
	ck_assert_str_eq(a[1].spec, "page:/dev/shm/s#3");
	free(a);
}
END_TEST

START_TEST(bad_alerts_name_where)
{
	static const struct { const char *text, *where; } bad[] = {
		{ "{\"object\": 5}\n", "alerts.json:1:" },
		{ "{\"x\": 1}\n{\"object\": \"file:/a\"}\n{oops\n",
		  "alerts.json:1:" },
		{ "{\"object\": \"file:/a\"}\n{oops\n", "alerts.json:2:" },
		{ "[{\"object\": \"file:/a\"}, 7]", "alerts.json:alert 2:" },
		{ "{\"object\": \"file:/a\", \"time\": \"yesterday\"}",
		  "alerts.json:1:" },
		{ "{\"output_fields\": {\"proc.exepath\": \"/x\"}}",
		  "alerts.json:1:" },
		{ "{\"object\": \"file:/a\\nfile:/b\"}", "alerts.json:1:" },
	};
	struct bt_alert *a;
	size_t n, i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(read_alerts(bad[i].text, &a, &n), BT_ECORRUPT);
		ck_assert_msg(strstr(bt_error_msg(), bad[i].where),
			      "case %zu: '%s'", i, bt_error_msg());
	}
	ck_assert_int_eq(read_alerts("", &a, &n), BT_EINVAL);
	ck_assert_int_eq(read_alerts("\n\n", &a, &n), BT_EINVAL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("filter");
	TCase *tc;

	tc = tcase_create("filters");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, default_filters_remove_noise_and_keep_the_attack);
	tcase_add_test(tc, each_filter_can_be_turned_off);
	tcase_add_test(tc, a_child_reading_outside_data_is_no_helper);
	tcase_add_test(tc, hide_never_cuts_a_path);
	tcase_add_test(tc, generated_log_keeps_the_planted_entry);
	tcase_add_test(tc, forward_walks_keep_connectivity);
	tcase_add_test(tc, filter_lists_parse);
	tcase_add_test(tc, data_stays_runtime_collapses);
	tcase_add_test(tc, system_directory_data_stays);
	tcase_add_test(tc, suspicious_runtime_files_stay);
	tcase_add_test(tc, entry_points_are_ranked);
	tcase_add_test(tc, another_process_proc_is_no_noise);
	suite_add_tcase(s, tc);
	tc = tcase_create("alerts");
	tcase_add_test(tc, falco_alerts_become_detection_points);
	tcase_add_test(tc, generic_alert_array);
	tcase_add_test(tc, bad_alerts_name_where);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite());
}
