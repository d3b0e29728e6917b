/*
 * check_graph.c - the graph loader (graph/graph.c): per-object event lists
 * sorted by time, labels, pages and regions of files, lookups, the memory
 * figure, progress, warnings and a corrupt log.
 *
 * Logs are written with the log writer's appenders so that object ids,
 * record order and times are exactly what each test states.  The walk has
 * its own suite (check_walk.c).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "../core/error.h"
#include "../graph/graph.h"
#include "../core/crc32c.h"
#include "../core/log.h"
#include "testutil.h"

/* A copy of the event `ref` names (bt_graph_event() copies). */
static struct bt_rec_event ev_of(const struct bt_graph *g, uint32_t ref)
{
	struct bt_rec_event e;

	ck_assert(bt_graph_event(g, ref, &e));
	return e;
}

#define S(x) (x), strlen(x)

static struct bt_log_writer *wopen(const char *name)
{
	struct bt_log_writer *w = NULL;

	ck_assert_int_eq(bt_log_writer_open(&w, tu_path(name),
					    BT_LOGW_CREATE | BT_LOGW_TRUNC), 0);
	return w;
}

static struct bt_graph *load(const char *name)
{
	struct bt_graph *g = NULL;
	int r = bt_graph_load(&g, tu_path(name), NULL, NULL);

	ck_assert_msg(r == 0, "load: %s", bt_error_msg());
	return g;
}

/* The times of an object's in-list or out-list, as a string "t t t". */
static const char *list_times(const struct bt_graph *g, uint32_t id, int out)
{
	static char buf[512];
	const uint32_t *l;
	size_t n = out ? bt_graph_out(g, id, &l) : bt_graph_in(g, id, &l), i;
	int k = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		k += snprintf(buf + k, sizeof(buf) - k, "%s%llu", i ? " " : "",
			      (unsigned long long)ev_of(g, l[i]).time);
	return buf;
}

START_TEST(lists_by_object)
{
	struct bt_log_writer *w = wopen("lists.btl");
	struct bt_graph *g;
	const uint32_t *l;

	/* 1 = process, 2 = process, 3 = file */
	ck_assert_int_eq(bt_log_append_process(w, 1, 10, 5, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_process(w, 2, 11, 6, 10, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 3, 0, 1, 100), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_FORK, 0, 0, 6, 1, 2), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 9, 7, 2, 3), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0, 9, 8, 3, 1), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);

	g = load("lists.btl");
	ck_assert_uint_eq(bt_graph_nobjects(g), 3);
	ck_assert_uint_eq(bt_graph_nevents(g), 3);
	ck_assert_int_eq(bt_graph_kind(g, 1), BT_OBJ_PROCESS);
	ck_assert_int_eq(bt_graph_kind(g, 3), BT_OBJ_FILE);
	ck_assert_int_eq(bt_graph_kind(g, 4), BT_OBJ_NONE);
	ck_assert_int_eq(bt_graph_kind(g, 0), BT_OBJ_NONE);
	/* process 1: caused the fork, affected by the read */
	ck_assert_str_eq(list_times(g, 1, 1), "6");
	ck_assert_str_eq(list_times(g, 1, 0), "8");
	ck_assert_str_eq(list_times(g, 2, 0), "6");
	ck_assert_str_eq(list_times(g, 2, 1), "7");
	ck_assert_str_eq(list_times(g, 3, 0), "7");
	ck_assert_str_eq(list_times(g, 3, 1), "8");
	ck_assert_uint_eq(bt_graph_in(g, 3, &l), 1);
	ck_assert_int_eq(ev_of(g, l[0]).op, BT_OP_WRITE);
	ck_assert_uint_eq(ev_of(g, l[0]).cause, 2);
	ck_assert_uint_eq(ev_of(g, l[0]).aux, 9);
	/* out of range ids: empty lists, no crash */
	ck_assert_uint_eq(bt_graph_in(g, 0, &l), 0);
	ck_assert_uint_eq(bt_graph_out(g, 99, &l), 0);
	ck_assert_ptr_null(bt_graph_warning(g));
	bt_graph_free(g);
}
END_TEST

START_TEST(lists_sorted_by_time)
{
	struct bt_log_writer *w = wopen("sort.btl");
	struct bt_graph *g;
	const uint32_t *l;
	size_t n, i;

	ck_assert_int_eq(bt_log_append_process(w, 1, 10, 1, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 100), 0);
	/* Writes to file 2 in log order at times 50 30 40 30 10; aux tells
	 * them apart so the tie (two at 30) must stay in log order. */
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 1, 50, 1, 2), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 2, 30, 1, 2), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 3, 40, 1, 2), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 4, 30, 1, 2), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 5, 10, 1, 2), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);

	g = load("sort.btl");
	ck_assert_str_eq(list_times(g, 2, 0), "10 30 30 40 50");
	ck_assert_str_eq(list_times(g, 1, 1), "10 30 30 40 50");
	n = bt_graph_in(g, 2, &l);
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(ev_of(g, l[1]).aux, 2);
	ck_assert_uint_eq(ev_of(g, l[2]).aux, 4);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(ev_of(g, l[i]).effect, 2);
	bt_graph_free(g);
}
END_TEST

static void collect_path(void *arg, const char *path, uint64_t time)
{
	char *buf = arg;
	size_t k = strlen(buf);

	snprintf(buf + k, 256 - k, "%s%s@%llu", k ? " " : "", path,
		 (unsigned long long)time);
}

START_TEST(labels_and_info)
{
	struct bt_log_writer *w = wopen("labels.btl");
	struct bt_graph *g;
	struct bt_object_info in;
	char paths[256] = "";

	ck_assert_int_eq(bt_log_append_process(w, 1, 42, 7, 1, 1000), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 8, 99), 0);
	ck_assert_int_eq(bt_log_append_filename(w, 3, S("/tmp/name")), 0);
	ck_assert_int_eq(bt_log_append_endpoint(w, 4, S("203.0.113.9:4444")), 0);
	ck_assert_int_eq(bt_log_append_page(w, 5, 2, 3), 0);
	ck_assert_int_eq(bt_log_append_region(w, 6, 2, 1,
			BT_PROT_READ | BT_PROT_SHARED, 2, 4), 0);
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_EXE, 10, S("/bin/sh")), 0);
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_ARGV, 10, "sh\0-c", 5), 0);
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_COMM, 10, S("sh")), 0);
	ck_assert_int_eq(bt_log_append_label(w, 2, BT_LABEL_PATH, 11, S("/a")), 0);
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_EXE, 20, S("/bin/cat")), 0);
	ck_assert_int_eq(bt_log_append_label(w, 2, BT_LABEL_PATH, 21, S("/b")), 0);
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_COMM, 30, S("cat")), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);

	g = load("labels.btl");
	ck_assert_int_eq(bt_graph_object(g, 1, &in), 0);
	ck_assert_int_eq(in.kind, BT_OBJ_PROCESS);
	ck_assert_uint_eq(in.pid, 42);
	ck_assert_uint_eq(in.start, 7);
	ck_assert_uint_eq(in.ppid, 1);
	ck_assert_uint_eq(in.uid, 1000);
	ck_assert_str_eq(in.exe, "/bin/cat");      /* the last one */
	ck_assert_str_eq(in.comm, "cat");
	ck_assert_uint_eq(in.argv_len, 5);
	ck_assert_int_eq(memcmp(in.argv, "sh\0-c", 5), 0);

	ck_assert_int_eq(bt_graph_object(g, 2, &in), 0);
	ck_assert_int_eq(in.kind, BT_OBJ_FILE);
	ck_assert_uint_eq(in.dev, 8);
	ck_assert_uint_eq(in.ino, 99);
	ck_assert_str_eq(in.path, "/b");           /* the latest */
	bt_graph_file_paths(g, 2, collect_path, paths);
	ck_assert_str_eq(paths, "/a@11 /b@21");    /* all, oldest first */

	ck_assert_int_eq(bt_graph_object(g, 3, &in), 0);
	ck_assert_int_eq(in.kind, BT_OBJ_FILENAME);
	ck_assert_str_eq(in.path, "/tmp/name");
	ck_assert_int_eq(bt_graph_object(g, 4, &in), 0);
	ck_assert_str_eq(in.path, "203.0.113.9:4444");
	ck_assert_int_eq(bt_graph_object(g, 5, &in), 0);
	ck_assert_int_eq(in.kind, BT_OBJ_PAGE);
	ck_assert_uint_eq(in.file, 2);
	ck_assert_uint_eq(in.page, 3);
	ck_assert_str_eq(in.path, "/b");
	ck_assert_int_eq(bt_graph_object(g, 6, &in), 0);
	ck_assert_int_eq(in.kind, BT_OBJ_REGION);
	ck_assert_uint_eq(in.file, 2);
	ck_assert_uint_eq(in.process, 1);
	ck_assert_uint_eq(in.page, 2);
	ck_assert_uint_eq(in.count, 4);
	ck_assert_uint_eq(in.prot, BT_PROT_READ | BT_PROT_SHARED);
	ck_assert_int_eq(bt_graph_object(g, 7, &in), BT_ENOTFOUND);
	ck_assert_int_eq(bt_graph_object(g, 0, &in), BT_ENOTFOUND);
	bt_graph_free(g);
}
END_TEST

START_TEST(pages_and_regions)
{
	struct bt_log_writer *w = wopen("pages.btl");
	struct bt_graph *g;
	const uint32_t *l;
	uint32_t id;

	ck_assert_int_eq(bt_log_append_process(w, 1, 10, 1, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 1), 0);   /* paged */
	ck_assert_int_eq(bt_log_append_file(w, 3, 0, 1, 2), 0);   /* mapped only */
	/* pages of file 2 defined out of index order: 7, 1, 4 */
	ck_assert_int_eq(bt_log_append_page(w, 4, 2, 7), 0);
	ck_assert_int_eq(bt_log_append_page(w, 5, 2, 1), 0);
	ck_assert_int_eq(bt_log_append_page(w, 6, 2, 4), 0);
	ck_assert_int_eq(bt_log_append_region(w, 7, 2, 1, BT_PROT_WRITE, 0, 8), 0);
	ck_assert_int_eq(bt_log_append_region(w, 8, 3, 1, BT_PROT_READ, 0, 1), 0);
	ck_assert_int_eq(bt_log_append_region(w, 9, 2, 1, BT_PROT_READ, 4, 1), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_PAGE_WRITE, 0, 7, 5, 1, 6), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_MMAP_READ, BT_EVF_SHARED,
					     8, 6, 3, 1), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);

	g = load("pages.btl");
	ck_assert_uint_eq(bt_graph_file_pages(g, 2, &l), 3);
	ck_assert_uint_eq(l[0], 5);   /* index 1 */
	ck_assert_uint_eq(l[1], 6);   /* index 4 */
	ck_assert_uint_eq(l[2], 4);   /* index 7 */
	ck_assert_uint_eq(bt_graph_file_pages(g, 3, &l), 0);
	ck_assert_uint_eq(bt_graph_file_regions(g, 2, &l), 2);
	ck_assert_uint_eq(l[0], 7);
	ck_assert_uint_eq(l[1], 9);
	ck_assert_uint_eq(bt_graph_file_regions(g, 3, &l), 1);
	ck_assert_uint_eq(l[0], 8);
	ck_assert(bt_graph_file_has_pages(g, 2));
	ck_assert(!bt_graph_file_has_pages(g, 3));
	ck_assert(!bt_graph_file_has_pages(g, 1));
	ck_assert(!bt_graph_file_has_pages(g, 0));

	ck_assert_int_eq(bt_graph_find_page(g, 2, 4, &id), 0);
	ck_assert_uint_eq(id, 6);
	ck_assert_int_eq(bt_graph_find_page(g, 2, 7, &id), 0);
	ck_assert_uint_eq(id, 4);
	ck_assert_int_eq(bt_graph_find_page(g, 2, 5, &id), BT_ENOTFOUND);
	ck_assert_int_eq(bt_graph_find_page(g, 3, 0, &id), BT_ENOTFOUND);
	bt_graph_free(g);
}
END_TEST

START_TEST(lookups)
{
	struct bt_log_writer *w = wopen("find.btl");
	struct bt_graph *g;
	uint32_t id;

	/* Three files seen under /etc/x: file 1 at t=10, file 2 at t=50,
	 * file 3 at t=30 (logged last): the latest is file 2. */
	ck_assert_int_eq(bt_log_append_file(w, 1, 0, 1, 1), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 2), 0);
	ck_assert_int_eq(bt_log_append_file(w, 3, 0, 1, 3), 0);
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_PATH, 10, S("/etc/x")), 0);
	ck_assert_int_eq(bt_log_append_label(w, 2, BT_LABEL_PATH, 50, S("/etc/x")), 0);
	ck_assert_int_eq(bt_log_append_label(w, 3, BT_LABEL_PATH, 30, S("/etc/x")), 0);
	ck_assert_int_eq(bt_log_append_label(w, 3, BT_LABEL_PATH, 31, S("/etc/xy")), 0);
	/* pid 100 twice (reuse): started at 5 and at 40 */
	ck_assert_int_eq(bt_log_append_process(w, 4, 100, 5, 1, 0), 0);
	ck_assert_int_eq(bt_log_append_process(w, 5, 100, 40, 1, 0), 0);
	ck_assert_int_eq(bt_log_append_process(w, 6, 101, 7, 1, 0), 0);
	ck_assert_int_eq(bt_log_append_filename(w, 7, S("/tmp/n")), 0);
	ck_assert_int_eq(bt_log_append_endpoint(w, 8, S("198.51.100.1:53")), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);

	g = load("find.btl");
	ck_assert_int_eq(bt_graph_find_file(g, "/etc/x", &id), 0);
	ck_assert_uint_eq(id, 2);
	ck_assert_int_eq(bt_graph_find_file(g, "/etc/xy", &id), 0);
	ck_assert_uint_eq(id, 3);
	ck_assert_int_eq(bt_graph_find_file(g, "/etc", &id), BT_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "/etc"));

	ck_assert_int_eq(bt_graph_find_process(g, 100, 0, &id), 0);
	ck_assert_uint_eq(id, 5);
	ck_assert_int_eq(bt_graph_find_process(g, 100, 39, &id), 0);
	ck_assert_uint_eq(id, 4);
	ck_assert_int_eq(bt_graph_find_process(g, 100, 40, &id), 0);
	ck_assert_uint_eq(id, 5);
	ck_assert_int_eq(bt_graph_find_process(g, 100, 4, &id), BT_ENOTFOUND);
	ck_assert_int_eq(bt_graph_find_process(g, 102, 0, &id), BT_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "102"));

	ck_assert_int_eq(bt_graph_find_filename(g, "/tmp/n", &id), 0);
	ck_assert_uint_eq(id, 7);
	ck_assert_int_eq(bt_graph_find_filename(g, "/tmp", &id), BT_ENOTFOUND);
	ck_assert_int_eq(bt_graph_find_endpoint(g, "198.51.100.1:53", &id), 0);
	ck_assert_uint_eq(id, 8);
	ck_assert_int_eq(bt_graph_find_endpoint(g, "198.51.100.1:5", &id),
			 BT_ENOTFOUND);
	bt_graph_free(g);
}
END_TEST

struct prog {
	unsigned calls;
	uint64_t last, total;
	int backwards;
};

static void on_progress(void *arg, uint64_t done, uint64_t total)
{
	struct prog *p = arg;

	if (done < p->last)
		p->backwards = 1;
	p->calls++;
	p->last = done;
	p->total = total;
}

/* A log of n events between a few objects, for progress and memory. */
static void write_big(const char *name, uint32_t n)
{
	struct bt_log_writer *w = wopen(name);
	uint32_t i;

	ck_assert_int_eq(bt_log_append_process(w, 1, 10, 1, 0, 0), 0);
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(bt_log_append_file(w, 2 + i, 0, 1, i), 0);
	for (i = 0; i < n; i++)
		tu_assert_int_eq(bt_log_append_event(w, i & 1 ? BT_OP_READ :
			BT_OP_WRITE, 0, 0, 10 + i, i & 1 ? 2 + i % 100 : 1,
			i & 1 ? 1 : 2 + i % 100), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
}

START_TEST(progress_and_memory)
{
	struct bt_graph *g = NULL;
	struct prog p = { 0 };
	uint64_t nev = 200000;

	write_big("big.btl", (uint32_t)nev);
	ck_assert_int_eq(bt_graph_load(&g, tu_path("big.btl"), on_progress,
				       &p), 0);
	ck_assert_uint_eq(bt_graph_nevents(g), nev);
	/* about every 1% of the work (a version 2 log: at most once per
	 * block of each pass), ending at the total */
	ck_assert_uint_ge(p.calls, 10);
	ck_assert_uint_le(p.calls, 202);
	ck_assert(!p.backwards);
	ck_assert_uint_eq(p.last, p.total);
	/* 16 bytes per event of lists (references and their ends) plus
	 * the objects: at most 24 per event beyond the mapping */
	ck_assert_uint_gt(bt_graph_memory(g), nev * 16);
	ck_assert_uint_le(bt_graph_memory(g), nev * 24);
	bt_graph_free(g);
}
END_TEST

START_TEST(torn_tail_warning)
{
	struct bt_log_writer *w = wopen("torn.btl");
	struct bt_graph *g;

	/* a new log is at its path once closed: the torn tail is made by an
	 * appender that stops without closing */
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_log_writer_open(&w, tu_path("torn.btl"),
					    BT_LOGW_APPEND), 0);

	ck_assert_int_eq(bt_log_append_process(w, 1, 10, 1, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 1), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 0, 5, 1, 2), 0);
	bt_log_writer_commit(w);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 0, 6, 1, 2), 0);
	bt_log_writer_abort(w);   /* the second write is not committed */

	g = load("torn.btl");
	ck_assert_uint_eq(bt_graph_nevents(g), 1);
	ck_assert_str_eq(list_times(g, 2, 0), "5");
	ck_assert_ptr_nonnull(bt_graph_warning(g));
	bt_graph_free(g);
}
END_TEST

START_TEST(corrupt_log)
{
	struct bt_log_writer *w = wopen("bad.btl");
	struct bt_graph *g = NULL;
	unsigned char *buf;
	size_t len;

	ck_assert_int_eq(bt_log_append_process(w, 1, 10, 1, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 1), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 0, 5, 1, 2), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	buf = tu_read_file(tu_path("bad.btl"), &len);
	ck_assert_ptr_nonnull(buf);
	/* The event is the last record (24 bytes): point its effect at an
	 * object that does not exist. */
	buf[len - 4] = 0x77;
	ck_assert_int_eq(tu_write_file(tu_path("bad.btl"), buf, len), 0);
	free(buf);
	ck_assert_int_eq(bt_graph_load(&g, tu_path("bad.btl"), NULL, NULL),
			 BT_ECORRUPT);
	ck_assert_ptr_null(g);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "offset"));
	/* a missing file: the log's error passes up, no graph */
	ck_assert_int_lt(bt_graph_load(&g, tu_path("missing.btl"), NULL, NULL),
			 0);
	ck_assert_ptr_null(g);
}
END_TEST

/* An event whose objects another block defined, of kinds its op cannot
 * join: the load fails with the decoder's word for it, whether the list
 * pass decodes the blocks again or takes pass 1's events. */
START_TEST(cross_block_kinds)
{
	static const char *const ways[] = { "twice", "" };
	struct bt_log_writer *w = wopen("xk.btl");
	struct bt_graph *g = NULL;
	uint32_t i;
	size_t k;

	struct bt_log_blockinfo bi;
	struct bt_log *log;
	uint64_t word;
	uint32_t nb;
	uint8_t *blk;
	int fd;

	ck_assert_int_eq(bt_log_append_process(w, 1, 10, 1, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 1), 0);
	ck_assert_int_eq(bt_log_append_file(w, 3, 0, 1, 2), 0);
	for (i = 0; i < 20001; i++)
		ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 0,
						     10 + i, 1, 2), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	/* The last record of the last block is the last write: tag, time
	 * delta, cause delta (0), effect delta (0), a byte each.  Its cause
	 * becomes file 3 (zigzag +2), and the block's checksum is made to
	 * match: a write from a file to a file, which no op joins, whose
	 * objects the first block defined. */
	ck_assert_int_eq(bt_log_open(&log, tu_path("xk.btl")), 0);
	nb = bt_log_blocks(log);
	ck_assert_uint_gt(nb, 1);
	ck_assert_int_eq(bt_log_block_info(log, nb - 1, &bi), 0);
	bt_log_close(log);
	fd = open(tu_path("xk.btl"), O_RDWR);
	ck_assert_int_ge(fd, 0);
	blk = malloc(BT_LOG_BLOCK_HEADER + bi.used);
	ck_assert_ptr_nonnull(blk);
	ck_assert_int_eq(pread(fd, blk, BT_LOG_BLOCK_HEADER + bi.used,
			       (off_t)bi.file_off),
			 (ssize_t)(BT_LOG_BLOCK_HEADER + bi.used));
	ck_assert_uint_eq(blk[BT_LOG_BLOCK_HEADER + bi.used - 2], 0);
	blk[BT_LOG_BLOCK_HEADER + bi.used - 2] = 4;
	word = (uint64_t)bt_crc32c(0, blk + 8, BT_LOG_BLOCK_HEADER - 8 +
				   bi.used) << 32 | bi.used;
	memcpy(blk, &word, 8);
	ck_assert_int_eq(pwrite(fd, blk, BT_LOG_BLOCK_HEADER + bi.used,
				(off_t)bi.file_off),
			 (ssize_t)(BT_LOG_BLOCK_HEADER + bi.used));
	close(fd);
	free(blk);
	for (k = 0; k < sizeof(ways) / sizeof(ways[0]); k++) {
		setenv("BTRACK_LOAD_DECODE", ways[k], 1);
		ck_assert_int_eq(bt_graph_load(&g, tu_path("xk.btl"), NULL,
					       NULL), BT_ECORRUPT);
		ck_assert_ptr_null(g);
		ck_assert_msg(strstr(bt_error_msg(), "cannot join a file to "
				     "a file"), "%s: %s", ways[k],
			      bt_error_msg());
	}
	unsetenv("BTRACK_LOAD_DECODE");
}
END_TEST

/* A log whose records pass 32 GiB cannot be indexed with u32 references:
 * a sparse file claims 33 GiB of committed records (format version 1,
 * read in place: its header has no checksum to fix). */
START_TEST(too_large)
{
	struct bt_log_writer *w;

	setenv("BTRACK_LOG_VERSION", "1", 1);
	w = wopen("huge.btl");
	struct bt_graph *g = NULL;
	uint64_t size = UINT64_C(33) << 30;
	int fd;

	ck_assert_int_eq(bt_log_append_process(w, 1, 10, 1, 0, 0), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	fd = open(tu_path("huge.btl"), O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	ck_assert_int_eq(pwrite(fd, &size, 8, 16), 8);   /* committed */
	close(fd);
	ck_assert_int_eq(bt_graph_load(&g, tu_path("huge.btl"), NULL, NULL),
			 BT_ELIMIT);
	ck_assert_ptr_null(g);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "32 GiB"));
}
END_TEST

/* ---- issue 8: labels over time, inherited images, versions ----------- */

static struct bt_graph *from_jsonl(const char *jsonl)
{
	struct bt_graph *g = NULL;

	ck_assert_msg(tu_log_from_jsonl(tu_path("j.btl"), jsonl) == 0, "%s",
		      bt_error_msg());
	ck_assert_msg(bt_graph_load(&g, tu_path("j.btl"), NULL, NULL) == 0,
		      "%s", bt_error_msg());
	return g;
}

#define J(t, rest) "{\"time\": " #t ", " rest "}\n"

struct seen_labels {
	char text[256];
	size_t n;
};

static void collect(void *arg, const char *value, size_t len, uint64_t time)
{
	struct seen_labels *s = arg;
	size_t k = strlen(s->text);

	(void)len;
	snprintf(s->text + k, sizeof(s->text) - k, "%s%llu:%s",
		 s->n++ ? " | " : "", (unsigned long long)time, value);
}

static uint32_t proc_of(const struct bt_graph *g, uint32_t pid)
{
	uint32_t id;

	ck_assert_int_eq(bt_graph_find_process(g, pid, 0, &id), 0);
	return id;
}

/* Every label is kept with its time: a process's credential changes and
 * each program it ran, in order; the latest is what bt_graph_object()
 * shows. */
START_TEST(labels_over_time)
{
	struct bt_graph *g = from_jsonl(
		J(100, "\"op\": \"exec\", \"pid\": 5, \"path\": \"/usr/bin/su\", \"uid\": 1000, \"euid\": 1000")
		J(101, "\"op\": \"setid\", \"pid\": 5, \"euid\": 0")
		J(102, "\"op\": \"setid\", \"pid\": 5, \"uid\": 0")
		J(103, "\"op\": \"exec\", \"pid\": 5, \"path\": \"/bin/bash\""));
	struct seen_labels cred = { "", 0 }, exe = { "", 0 };
	struct bt_object_info in;
	uint32_t p = proc_of(g, 5);

	bt_graph_labels(g, p, BT_LABEL_CRED, collect, &cred);
	ck_assert_uint_ge(cred.n, 2);
	ck_assert_msg(strstr(cred.text, "101:") && strstr(cred.text, "102:"),
		      "%s", cred.text);
	ck_assert_msg(strstr(cred.text, "101:") < strstr(cred.text, "102:"),
		      "%s", cred.text);
	bt_graph_labels(g, p, BT_LABEL_EXE, collect, &exe);
	ck_assert_str_eq(exe.text, "100:/usr/bin/su | 103:/bin/bash");
	ck_assert_int_eq(bt_graph_object(g, p, &in), 0);
	ck_assert_str_eq(in.exe, "/bin/bash");
	ck_assert_uint_eq(in.inherited, 0);
	bt_graph_free(g);
}
END_TEST

/* A child that never executed runs its parent's image: the exe and argv
 * the parent had at the fork, not the program the parent ran later, and
 * through a chain of such forks. */
START_TEST(forked_child_inherits_image)
{
	struct bt_graph *g = from_jsonl(
		J(100, "\"op\": \"exec\", \"pid\": 5, \"path\": \"/bin/sh\", \"comm\": \"sh\"")
		J(101, "\"op\": \"fork\", \"pid\": 5, \"child\": 6")
		J(102, "\"op\": \"fork\", \"pid\": 6, \"child\": 7")
		J(103, "\"op\": \"write\", \"pid\": 7, \"path\": \"/tmp/x\"")
		J(104, "\"op\": \"exec\", \"pid\": 5, \"path\": \"/usr/bin/make\", \"comm\": \"make\"")
		J(105, "\"op\": \"fork\", \"pid\": 5, \"child\": 8")
		J(106, "\"op\": \"fork\", \"pid\": 5, \"child\": 9")
		J(107, "\"op\": \"exec\", \"pid\": 9, \"path\": \"/usr/bin/cc\""));
	struct bt_object_info in;

	ck_assert_int_eq(bt_graph_object(g, proc_of(g, 6), &in), 0);
	ck_assert_str_eq(in.exe, "/bin/sh");
	ck_assert_str_eq(in.comm, "sh");
	ck_assert_uint_eq(in.inherited, proc_of(g, 5));
	ck_assert_int_eq(bt_graph_object(g, proc_of(g, 7), &in), 0);
	ck_assert_str_eq(in.exe, "/bin/sh");
	ck_assert_uint_eq(in.inherited, proc_of(g, 5));
	ck_assert_int_eq(bt_graph_object(g, proc_of(g, 8), &in), 0);
	ck_assert_str_eq(in.exe, "/usr/bin/make");
	/* One that executed is itself. */
	ck_assert_int_eq(bt_graph_object(g, proc_of(g, 9), &in), 0);
	ck_assert_str_eq(in.exe, "/usr/bin/cc");
	ck_assert_uint_eq(in.inherited, 0);
	bt_graph_free(g);
}
END_TEST

/* Files under one path are numbered by the first time each was seen
 * there. */
START_TEST(file_versions)
{
	struct bt_graph *g = from_jsonl(
		J(100, "\"op\": \"write\", \"pid\": 5, \"path\": \"/r/.git/config\", \"inode\": 10")
		J(101, "\"op\": \"unlink\", \"pid\": 5, \"path\": \"/r/.git/config\"")
		J(102, "\"op\": \"write\", \"pid\": 5, \"path\": \"/r/.git/config\", \"inode\": 11")
		J(103, "\"op\": \"unlink\", \"pid\": 5, \"path\": \"/r/.git/config\"")
		J(104, "\"op\": \"write\", \"pid\": 5, \"path\": \"/r/.git/config\", \"inode\": 12")
		J(105, "\"op\": \"write\", \"pid\": 5, \"path\": \"/r/other\", \"inode\": 13"));
	uint32_t f, v, n;

	ck_assert_int_eq(bt_graph_find_file(g, "/r/.git/config", &f), 0);
	bt_graph_file_version(g, f, &v, &n);
	ck_assert_uint_eq(v, 3);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(bt_graph_find_file(g, "/r/other", &f), 0);
	bt_graph_file_version(g, f, &v, &n);
	ck_assert_uint_eq(v, 1);
	ck_assert_uint_eq(n, 1);
	bt_graph_file_version(g, proc_of(g, 5), &v, &n);
	ck_assert_uint_eq(n, 0);
	bt_graph_free(g);
}
END_TEST

/* The recorder's preload library is recognised by name, unless the log
 * shows something writing a file of that name. */
START_TEST(recorder_library)
{
	struct bt_graph *g = from_jsonl(
		J(100, "\"op\": \"read\", \"pid\": 5, \"path\": \"/usr/lib/btrack/libbtrack-pages.so\"")
		J(101, "\"op\": \"write\", \"pid\": 6, \"path\": \"/tmp/libbtrack-pages.so\"")
		J(102, "\"op\": \"read\", \"pid\": 7, \"path\": \"/tmp/libbtrack-pages.so\""));
	uint32_t f;

	ck_assert_int_eq(bt_graph_find_file(g, "/usr/lib/btrack/libbtrack-pages.so", &f), 0);
	ck_assert(bt_graph_is_recorder(g, f));
	ck_assert_int_eq(bt_graph_find_file(g, "/tmp/libbtrack-pages.so", &f), 0);
	ck_assert(!bt_graph_is_recorder(g, f));
	bt_graph_free(g);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("graph");
	SRunner *sr;
	int failed;
	struct {
		const char *name;
		const TTest *t;
	} cases[] = {
		{ "lists_by_object", lists_by_object },
		{ "lists_sorted_by_time", lists_sorted_by_time },
		{ "labels_and_info", labels_and_info },
		{ "pages_and_regions", pages_and_regions },
		{ "lookups", lookups },
		{ "progress_and_memory", progress_and_memory },
		{ "torn_tail_warning", torn_tail_warning },
		{ "corrupt_log", corrupt_log },
		{ "cross_block_kinds", cross_block_kinds },
		{ "too_large", too_large },
		{ "labels_over_time", labels_over_time },
		{ "forked_child_inherits_image", forked_child_inherits_image },
		{ "file_versions", file_versions },
		{ "recorder_library", recorder_library },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_set_timeout(tc, 60);
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
