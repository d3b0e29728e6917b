/*
 * check_log.c - tests for the log writer and reader (core/log.c).
 *
 * Round trips of every record type, the writer's refusals, corruption at
 * named offsets in the style of git's t5318-commit-graph.sh, torn tails and
 * truncated copies, a writer SIGKILLed at random moments, append mode, two
 * writers, a full disk (RLIMIT_FSIZE), and randomly mutated logs (the fuzz
 * target's logic, so CI runs it without libFuzzer).  The format is
 * core/record.h and man/btrack-log.5.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../capture/gen.h"
#include "../core/crc32c.h"
#include "../core/error.h"
#include "../core/log.h"
#include "testutil.h"

#define T0 1700000000000000000ull

/* ---- helpers ---------------------------------------------------------- */

static struct bt_log_writer *wopen(const char *path, unsigned flags)
{
	struct bt_log_writer *w = NULL;
	int r = bt_log_writer_open(&w, path, flags);

	ck_assert_msg(r == 0, "open '%s': %s", path, bt_error_msg());
	return w;
}

/* Read every record; returns the bt_log_next() result that ended it. */
static int count_records(const struct bt_log *log, uint64_t *n)
{
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	int r;

	*n = 0;
	bt_log_iter_init(&it, log);
	while ((r = bt_log_next(&it, &h)) == 1)
		(*n)++;
	bt_log_iter_release(&it);
	return r;
}

/* Offsets of the records of the standard log, for corruption tests. */
struct std_log {
	uint64_t process, file, filename, page, endpoint, region, label, note;
	uint64_t ev_read, ev_page, ev_recv, end;
	void *data;
	size_t size;
};

/*
 * The standard log: one of each record type, and events between them.
 * ids: 1 process, 2 file, 3 filename, 4 page (of 2), 5 endpoint,
 * 6 region (2 mapped by 1).
 */
static void std_log(struct std_log *s)
{
	const char *path = tu_path("std.btl");
	struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE | BT_LOGW_TRUNC);

	memset(s, 0, sizeof(*s));
	s->process = bt_log_writer_size(w);
	ck_assert_int_eq(bt_log_append_process(w, 1, 100, T0, 1, 0), 0);
	s->file = bt_log_writer_size(w);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 8, 1234), 0);
	s->filename = bt_log_writer_size(w);
	ck_assert_int_eq(bt_log_append_filename(w, 3, "/etc/passwd", 11), 0);
	s->ev_read = bt_log_writer_size(w);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0, 10, T0 + 1,
					     2, 1), 0);
	s->page = bt_log_writer_size(w);
	ck_assert_int_eq(bt_log_append_page(w, 4, 2, 7), 0);
	s->endpoint = bt_log_writer_size(w);
	ck_assert_int_eq(bt_log_append_endpoint(w, 5, "203.0.113.9:4444",
						16), 0);
	s->region = bt_log_writer_size(w);
	ck_assert_int_eq(bt_log_append_region(w, 6, 2, 1, BT_PROT_WRITE |
					      BT_PROT_SHARED, 0, 16), 0);
	s->ev_page = bt_log_writer_size(w);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_PAGE_WRITE, 0, 6,
					     T0 + 2, 1, 4), 0);
	s->label = bt_log_writer_size(w);
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_EXE, T0,
					     "/bin/sh", 7), 0);
	s->note = bt_log_writer_size(w);
	ck_assert_int_eq(bt_log_append_note(w, BT_NOTE_SOURCE, T0, "test", 4),
			 0);
	s->ev_recv = bt_log_writer_size(w);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_RECV, 0, 99, T0 + 3,
					     5, 1), 0);
	s->end = bt_log_writer_size(w);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	s->data = tu_read_file(path, &s->size);
	ck_assert_ptr_nonnull(s->data);
	ck_assert_uint_eq(s->size, s->end);
}

static void put32(void *data, uint64_t off, uint32_t v)
{
	memcpy((uint8_t *)data + off, &v, 4);
}

static void put64(void *data, uint64_t off, uint64_t v)
{
	memcpy((uint8_t *)data + off, &v, 8);
}

/*
 * Open a damaged copy and read it all: expect `code`, and the message to
 * hold `want` (e.g. "at offset 96").
 */
static void expect_bad(const void *data, size_t size, int code,
		       const char *want)
{
	struct bt_log *log = NULL;
	struct bt_log_stats st;
	int r;

	r = bt_log_open_mem(&log, data, size);
	if (!r) {
		r = bt_log_stats(log, &st);
		bt_log_close(log);
	}
	ck_assert_msg(r == code, "got %d (%s), want %d", r, bt_error_msg(),
		      code);
	ck_assert_msg(strstr(bt_error_msg(), want), "message '%s' lacks '%s'",
		      bt_error_msg(), want);
}

static const char *at(uint64_t off)
{
	static char buf[4][64];
	static int n;
	char *b = buf[n++ % 4];

	snprintf(b, sizeof(buf[0]), "at offset %llu",
		 (unsigned long long)off);
	return b;
}

/* ---- round trips ------------------------------------------------------ */

START_TEST(test_roundtrip_all_types)
{
	struct std_log s;
	struct bt_log *log;
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	const struct bt_rec_event *e;
	const struct bt_rec_process *p;
	const struct bt_rec_file *f;
	const struct bt_rec_filename *fn;
	const struct bt_rec_page *pg;
	const struct bt_rec_endpoint *ep;
	const struct bt_rec_region *rg;
	const struct bt_rec_label *lb;
	const struct bt_rec_note *nt;

	std_log(&s);
	ck_assert_int_eq(bt_log_open(&log, tu_path("std.btl")), 0);
	ck_assert_ptr_null(bt_log_warning(log));
	ck_assert(bt_log_header(log)->flags & BT_LOGF_CLOSED);
	ck_assert_uint_eq(bt_log_header(log)->version, 1);
	ck_assert_uint_eq(bt_log_committed(log), s.end);
	ck_assert_uint_eq(bt_log_file_size(log), s.end);
	bt_log_iter_init(&it, log);

	ck_assert_int_eq(bt_log_next(&it, &h), 1);
	p = (const void *)h;
	ck_assert_uint_eq(h->type, BT_REC_PROCESS);
	ck_assert_uint_eq(p->id, 1);
	ck_assert_uint_eq(p->pid, 100);
	ck_assert_uint_eq(p->start, T0);
	ck_assert_uint_eq(p->ppid, 1);
	ck_assert_uint_eq(p->uid, 0);

	ck_assert_int_eq(bt_log_next(&it, &h), 1);
	f = (const void *)h;
	ck_assert_uint_eq(h->type, BT_REC_FILE);
	ck_assert_uint_eq(f->id, 2);
	ck_assert_uint_eq(f->dev, 8);
	ck_assert_uint_eq(f->ino, 1234);

	ck_assert_int_eq(bt_log_next(&it, &h), 1);
	fn = (const void *)h;
	ck_assert_uint_eq(h->type, BT_REC_FILENAME);
	ck_assert_uint_eq(fn->id, 3);
	ck_assert_uint_eq(fn->path.len, 11);
	ck_assert_str_eq(bt_rec_str(&fn->path), "/etc/passwd");

	ck_assert_int_eq(bt_log_next(&it, &h), 1);
	e = (const void *)h;
	ck_assert_uint_eq(e->type, BT_REC_EVENT);
	ck_assert_uint_eq(e->op, BT_OP_READ);
	ck_assert_uint_eq(e->aux, 10);
	ck_assert_uint_eq(e->time, T0 + 1);
	ck_assert_uint_eq(e->cause, 2);
	ck_assert_uint_eq(e->effect, 1);

	ck_assert_int_eq(bt_log_next(&it, &h), 1);
	pg = (const void *)h;
	ck_assert_uint_eq(h->type, BT_REC_PAGE);
	ck_assert_uint_eq(pg->id, 4);
	ck_assert_uint_eq(pg->file, 2);
	ck_assert_uint_eq(pg->index, 7);

	ck_assert_int_eq(bt_log_next(&it, &h), 1);
	ep = (const void *)h;
	ck_assert_uint_eq(h->type, BT_REC_ENDPOINT);
	ck_assert_uint_eq(ep->id, 5);
	ck_assert_str_eq(bt_rec_str(&ep->addr), "203.0.113.9:4444");

	ck_assert_int_eq(bt_log_next(&it, &h), 1);
	rg = (const void *)h;
	ck_assert_uint_eq(h->type, BT_REC_REGION);
	ck_assert_uint_eq(rg->id, 6);
	ck_assert_uint_eq(rg->file, 2);
	ck_assert_uint_eq(rg->process, 1);
	ck_assert_uint_eq(rg->prot, BT_PROT_WRITE | BT_PROT_SHARED);
	ck_assert_uint_eq(rg->first, 0);
	ck_assert_uint_eq(rg->count, 16);

	ck_assert_int_eq(bt_log_next(&it, &h), 1);
	e = (const void *)h;
	ck_assert_uint_eq(e->op, BT_OP_PAGE_WRITE);
	ck_assert_uint_eq(e->aux, 6);
	ck_assert_uint_eq(e->cause, 1);
	ck_assert_uint_eq(e->effect, 4);

	ck_assert_int_eq(bt_log_next(&it, &h), 1);
	lb = (const void *)h;
	ck_assert_uint_eq(h->type, BT_REC_LABEL);
	ck_assert_uint_eq(lb->object, 1);
	ck_assert_uint_eq(lb->key, BT_LABEL_EXE);
	ck_assert_uint_eq(lb->time, T0);
	ck_assert_str_eq(bt_rec_str(&lb->value), "/bin/sh");

	ck_assert_int_eq(bt_log_next(&it, &h), 1);
	nt = (const void *)h;
	ck_assert_uint_eq(h->type, BT_REC_NOTE);
	ck_assert_uint_eq(nt->key, BT_NOTE_SOURCE);
	ck_assert_str_eq(bt_rec_str(&nt->text), "test");

	ck_assert_int_eq(bt_log_next(&it, &h), 1);
	e = (const void *)h;
	ck_assert_uint_eq(e->op, BT_OP_RECV);
	ck_assert_uint_eq(e->cause, 5);

	ck_assert_int_eq(bt_log_next(&it, &h), 0);
	ck_assert_uint_eq(it.off, s.end);
	ck_assert_uint_eq(it.nobjects, 6);
	bt_log_iter_release(&it);
	bt_log_close(log);
	free(s.data);
}
END_TEST

START_TEST(test_roundtrip_hostile_strings)
{
#define S(x) { x, sizeof(x) - 1 }
	static const struct { const char *s; size_t len; } v[] = {
		S(""),
		S("a\0b"),
		S("\0"),
		S("say \"hi\" 'there'\\"),
		S("\xff\xfe\xc0\x80\xed\xa0\x80 bad utf-8"),
		S("line\nforged: 1\r\n\x1b[31mred\x1b[0m"),
		S("1234567"),    /* string + NUL ends exactly at 8 */
		S("12345678"),
	};
#undef S
	const char *path = tu_path("str.btl");
	struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE);
	struct bt_log *log;
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	char big[5000];
	size_t i;
	uint32_t id = 1;

	memset(big, 'x', sizeof(big));
	big[100] = '\0';
	ck_assert_int_eq(bt_log_append_process(w, id++, 1, T0, 0, 0), 0);
	for (i = 0; i < (sizeof(v) / sizeof(v[0])); i++) {
		ck_assert_int_eq(bt_log_append_filename(w, id++, v[i].s,
							v[i].len), 0);
		ck_assert_int_eq(bt_log_append_endpoint(w, id++, v[i].s,
							v[i].len), 0);
		ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_ARGV, T0,
						     v[i].s, v[i].len), 0);
		ck_assert_int_eq(bt_log_append_note(w, BT_NOTE_TEXT, T0,
						    v[i].s, v[i].len), 0);
	}
	ck_assert_int_eq(bt_log_append_filename(w, id++, big, sizeof(big)), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);

	ck_assert_int_eq(bt_log_open(&log, path), 0);
	bt_log_iter_init(&it, log);
	ck_assert_int_eq(bt_log_next(&it, &h), 1);
	for (i = 0; i < (sizeof(v) / sizeof(v[0])); i++) {
		int k;

		for (k = 0; k < 4; k++) {
			const struct bt_rec_str *s;

			ck_assert_int_eq(bt_log_next(&it, &h), 1);
			ck_assert_uint_eq(h->len % 8, 0);
			if (k == 0)
				s = &((const struct bt_rec_filename *)h)->path;
			else if (k == 1)
				s = &((const struct bt_rec_endpoint *)h)->addr;
			else if (k == 2)
				s = &((const struct bt_rec_label *)h)->value;
			else
				s = &((const struct bt_rec_note *)h)->text;
			ck_assert_uint_eq(s->len, v[i].len);
			ck_assert_msg(!memcmp(s->s, v[i].s, v[i].len),
				      "string %zu kind %d differs", i, k);
			ck_assert_int_eq(s->s[s->len], 0);
		}
	}
	ck_assert_int_eq(bt_log_next(&it, &h), 1);
	ck_assert_uint_eq(((const struct bt_rec_filename *)h)->path.len,
			  sizeof(big));
	ck_assert(!memcmp(((const struct bt_rec_filename *)h)->path.s, big,
			  sizeof(big)));
	ck_assert_int_eq(bt_log_next(&it, &h), 0);
	bt_log_iter_release(&it);
	bt_log_close(log);
}
END_TEST

START_TEST(test_many_events_grow)
{
	/* Enough events to grow the file through several chunks. */
	const char *path = tu_path("grow.btl");
	struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE);
	struct bt_log *log;
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	struct bt_log_stats st;
	const uint64_t n = 300000;
	uint64_t i, size, bad = 0;
	int r = 0;

	ck_assert_int_eq(bt_log_append_process(w, 1, 1, T0, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 1), 0);
	for (i = 0; i < n && !r; i++)
		r = bt_log_append_event(w, i & 1 ? BT_OP_READ : BT_OP_WRITE, 0,
					(uint32_t)i, T0 + i, i & 1 ? 2 : 1,
					i & 1 ? 1 : 2);
	ck_assert_msg(r == 0, "event %llu: %s", (unsigned long long)i,
		      bt_error_msg());
	size = bt_log_writer_size(w);
	ck_assert_uint_eq(size, 64 + 64 + n * 24);
	ck_assert_int_eq(bt_log_writer_close(w), 0);

	ck_assert_int_eq(bt_log_open(&log, path), 0);
	ck_assert_uint_eq(bt_log_file_size(log), size);
	ck_assert_int_eq(bt_log_stats(log, &st), 0);
	ck_assert_uint_eq(st.events, n);
	ck_assert_uint_eq(st.objects, 2);
	ck_assert_uint_eq(st.records, n + 2);
	ck_assert_uint_eq(st.by_op[BT_OP_READ], n / 2);
	ck_assert_uint_eq(st.by_op[BT_OP_WRITE], n / 2);
	ck_assert_uint_eq(st.by_type[BT_REC_PROCESS], 1);
	ck_assert_uint_eq(st.first_time, T0);
	ck_assert_uint_eq(st.last_time, T0 + n - 1);
	ck_assert_uint_eq(st.bytes, size - 64);
	bt_log_iter_init(&it, log);
	bt_log_next(&it, &h);
	bt_log_next(&it, &h);
	for (i = 0; i < n; i++) {
		const struct bt_rec_event *e;

		if (bt_log_next(&it, &h) != 1)
			break;
		e = (const void *)h;
		bad += e->aux != i || e->time != T0 + i;
	}
	ck_assert_uint_eq(i, n);
	ck_assert_uint_eq(bad, 0);
	bt_log_iter_release(&it);
	bt_log_close(log);
}
END_TEST

/* ---- the writer's refusals -------------------------------------------- */

START_TEST(test_writer_checks_ids_and_refs)
{
	struct bt_log_writer *w = wopen(tu_path("ids.btl"), BT_LOGW_CREATE);

	ck_assert_uint_eq(bt_log_writer_objects(w), 0);
	ck_assert_int_eq(bt_log_append_process(w, 2, 1, T0, 0, 0), BT_EINVAL);
	ck_assert_int_eq(bt_log_append_process(w, 0, 1, T0, 0, 0), BT_EINVAL);
	ck_assert_int_eq(bt_log_append_process(w, 1, 1, T0, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 1, 0, 1, 1), BT_EINVAL);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 1), 0);
	ck_assert_uint_eq(bt_log_writer_objects(w), 2);
	/* undefined objects, wrong kinds, bad op, time 0 */
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0, 0, T0, 3, 1),
			 BT_EINVAL);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0, 0, T0, 0, 1),
			 BT_EINVAL);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0, 0, T0, 1, 2),
			 BT_EINVAL);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "read"));
	ck_assert_int_eq(bt_log_append_event(w, 0, 0, 0, T0, 2, 1), BT_EINVAL);
	ck_assert_int_eq(bt_log_append_event(w, 200, 0, 0, T0, 2, 1),
			 BT_EINVAL);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0, 0, 0, 2, 1),
			 BT_EINVAL);
	/* page of a process, region of a file by a file, label on a file */
	ck_assert_int_eq(bt_log_append_page(w, 3, 1, 0), BT_EINVAL);
	ck_assert_int_eq(bt_log_append_region(w, 3, 2, 2, 0, 0, 1), BT_EINVAL);
	ck_assert_int_eq(bt_log_append_label(w, 2, BT_LABEL_EXE, T0, "x", 1),
			 BT_EINVAL);
	ck_assert_int_eq(bt_log_append_label(w, 1, 99, T0, "x", 1), BT_EINVAL);
	ck_assert_int_eq(bt_log_append_note(w, 99, T0, "x", 1), BT_EINVAL);
	/* mmap aux must be a region */
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_MMAP_WRITE, 0, 2, T0, 1,
					     2), BT_EINVAL);
	ck_assert_int_eq(bt_log_append_region(w, 3, 2, 1, 0, 0, 1), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_MMAP_WRITE, 0, 3, T0, 1,
					     2), 0);
	ck_assert_uint_eq(bt_log_writer_objects(w), 3);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
}
END_TEST

START_TEST(test_op_names)
{
	unsigned op, parsed;

	for (op = 1; op <= BT_OP_MAX; op++) {
		ck_assert_ptr_nonnull(bt_op_name(op));
		ck_assert_int_eq(bt_op_parse(&parsed, bt_op_name(op)), 0);
		ck_assert_uint_eq(parsed, op);
	}
	ck_assert_ptr_null(bt_op_name(0));
	ck_assert_ptr_null(bt_op_name(BT_OP_MAX + 1));
	ck_assert_str_eq(bt_op_name(BT_OP_MMAP_WRITE), "mmap_write");
	ck_assert_str_eq(bt_op_name(BT_OP_RECV), "recv");
	ck_assert_int_eq(bt_op_parse(&parsed, "page_read"), 0);
	ck_assert_uint_eq(parsed, BT_OP_PAGE_READ);
	ck_assert_int_eq(bt_op_parse(&parsed, "reads"), BT_EINVAL);
	ck_assert_int_eq(bt_op_parse(&parsed, ""), BT_EINVAL);
	ck_assert_str_eq(bt_kind_name(BT_OBJ_PROCESS), "process");
	ck_assert_str_eq(bt_kind_name(BT_OBJ_FILENAME), "filename");
	ck_assert_str_eq(bt_kind_name(BT_OBJ_REGION), "region");
	ck_assert_ptr_null(bt_kind_name(BT_OBJ_NONE));
	ck_assert_ptr_null(bt_kind_name(99));
	/* the dependency rules of DESIGN.md */
	ck_assert(bt_op_kinds_ok(BT_OP_FORK, BT_OBJ_PROCESS, BT_OBJ_PROCESS));
	ck_assert(bt_op_kinds_ok(BT_OP_EXEC, BT_OBJ_FILE, BT_OBJ_PROCESS));
	ck_assert(!bt_op_kinds_ok(BT_OP_EXEC, BT_OBJ_PROCESS, BT_OBJ_FILE));
	ck_assert(bt_op_kinds_ok(BT_OP_WRITE, BT_OBJ_PROCESS, BT_OBJ_FILE));
	ck_assert(bt_op_kinds_ok(BT_OP_PAGE_READ, BT_OBJ_PAGE,
				 BT_OBJ_PROCESS));
	ck_assert(bt_op_kinds_ok(BT_OP_LOOKUP, BT_OBJ_FILENAME,
				 BT_OBJ_PROCESS));
	ck_assert(bt_op_kinds_ok(BT_OP_RENAME, BT_OBJ_PROCESS,
				 BT_OBJ_FILENAME));
	ck_assert(bt_op_kinds_ok(BT_OP_RECV, BT_OBJ_ENDPOINT, BT_OBJ_PROCESS));
	ck_assert(bt_op_kinds_ok(BT_OP_SEND, BT_OBJ_PROCESS, BT_OBJ_ENDPOINT));
	ck_assert(!bt_op_kinds_ok(BT_OP_RECV, BT_OBJ_PROCESS,
				  BT_OBJ_ENDPOINT));
	ck_assert(!bt_op_kinds_ok(BT_OP_READ, BT_OBJ_REGION, BT_OBJ_PROCESS));
	ck_assert(!bt_op_kinds_ok(0, BT_OBJ_FILE, BT_OBJ_PROCESS));
	ck_assert(!bt_op_kinds_ok(1000, BT_OBJ_PROCESS, BT_OBJ_PROCESS));
	ck_assert(!bt_op_kinds_ok(BT_OP_FORK, 1000, BT_OBJ_PROCESS));
	/* process memory: process to process only */
	ck_assert_str_eq(bt_op_name(BT_OP_MEM_WRITE), "mem_write");
	ck_assert_str_eq(bt_op_name(BT_OP_MEM_READ), "mem_read");
	ck_assert(bt_op_kinds_ok(BT_OP_MEM_WRITE, BT_OBJ_PROCESS,
				 BT_OBJ_PROCESS));
	ck_assert(bt_op_kinds_ok(BT_OP_MEM_READ, BT_OBJ_PROCESS,
				 BT_OBJ_PROCESS));
	ck_assert(!bt_op_kinds_ok(BT_OP_MEM_WRITE, BT_OBJ_PROCESS,
				  BT_OBJ_FILE));
	ck_assert(!bt_op_kinds_ok(BT_OP_MEM_READ, BT_OBJ_FILE,
				  BT_OBJ_PROCESS));
}
END_TEST

/* Ops 22 and 23 fit the compact encoding's 5 op bits: written and read
 * back with their aux; a file as either end is refused by the writer. */
START_TEST(test_mem_ops_round_trip)
{
	const char *path = tu_path("mem.btl");
	struct bt_log_writer *w;
	struct bt_log *log;
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	unsigned n = 0;

	ck_assert_int_eq(bt_log_writer_open(&w, path, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	ck_assert_int_eq(bt_log_append_process(w, 1, 100, T0, 1, 0), 0);
	ck_assert_int_eq(bt_log_append_process(w, 2, 200, T0, 1, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 3, 0, 8, 42), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_MEM_WRITE, 0, 13,
					     T0 + 1, 1, 2), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_MEM_READ, 0, 8,
					     T0 + 2, 2, 1), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_MEM_WRITE, 0, 0,
					     T0 + 3, 1, 3), BT_EINVAL);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_log_open(&log, path), 0);
	bt_log_iter_init(&it, log);
	while (bt_log_next(&it, &h) == 1) {
		const struct bt_rec_event *e = (const void *)h;

		if (h->type != BT_REC_EVENT)
			continue;
		ck_assert_uint_eq(e->op, n ? BT_OP_MEM_READ : BT_OP_MEM_WRITE);
		ck_assert_uint_eq(e->aux, n ? 8 : 13);
		ck_assert_uint_eq(e->cause, n ? 2 : 1);
		n++;
	}
	ck_assert_uint_eq(n, 2);
	bt_log_iter_release(&it);
	bt_log_close(log);
}
END_TEST

/* ---- corruption at named offsets -------------------------------------- */

START_TEST(test_corrupt_header)
{
	struct std_log s;
	uint8_t *c;

	std_log(&s);
	c = malloc(s.size);

	memcpy(c, s.data, s.size);
	c[0] = 'X';
	expect_bad(c, s.size, BT_ECORRUPT, "not a btrack log");

	expect_bad("BTRK", 4, BT_ECORRUPT, "not a btrack log");
	expect_bad("", 0, BT_ECORRUPT, "not a btrack log");
	expect_bad(s.data, 40, BT_ECORRUPT, "header truncated");

	memcpy(c, s.data, s.size);
	put32(c, 8, 3);
	expect_bad(c, s.size, BT_EVERSION, "version 3");

	memcpy(c, s.data, s.size);
	put32(c, 32, 128);
	expect_bad(c, s.size, BT_ECORRUPT, "bad header size 128 at offset 32");

	memcpy(c, s.data, s.size);
	put64(c, 16, 12);
	expect_bad(c, s.size, BT_ECORRUPT, "bad committed length 12 at "
		   "offset 16");

	memcpy(c, s.data, s.size);
	put64(c, 16, s.end - 4);
	expect_bad(c, s.size, BT_ECORRUPT, "at offset 16");

	/* committed inside a record: that record runs past the end */
	memcpy(c, s.data, s.size);
	put64(c, 16, s.note + 8);
	expect_bad(c, s.size, BT_ECORRUPT, at(s.note));

	/* committed beyond the file is a truncated copy, not corruption:
	 * every complete record, and a warning */
	memcpy(c, s.data, s.size);
	put64(c, 16, s.end + 8000);
	{
		struct bt_log *log;
		struct bt_log_stats st;

		ck_assert_int_eq(bt_log_open_mem(&log, c, s.size), 0);
		ck_assert_ptr_nonnull(bt_log_warning(log));
		ck_assert_int_eq(bt_log_stats(log, &st), 0);
		ck_assert_uint_eq(st.records, 11);
		bt_log_close(log);
	}
	free(c);
	free(s.data);
}
END_TEST

START_TEST(test_corrupt_record_length)
{
	static const uint32_t lens[] = { 0, 7, 12, 0x7ffffff8u, 0xffffffffu };
	struct std_log s;
	uint8_t *c;
	size_t i;

	std_log(&s);
	c = malloc(s.size);
	for (i = 0; i < (sizeof(lens) / sizeof(lens[0])); i++) {
		char want[80];

		memcpy(c, s.data, s.size);
		put32(c, s.filename + 4, lens[i]);
		snprintf(want, sizeof(want), "bad record length %u %s",
			 lens[i], at(s.filename));
		expect_bad(c, s.size, BT_ECORRUPT, want);
	}
	/* a length that runs exactly one record too far */
	memcpy(c, s.data, s.size);
	put32(c, s.note + 4, (uint32_t)(s.end - s.note + 8));
	expect_bad(c, s.size, BT_ECORRUPT, at(s.note));
	free(c);
	free(s.data);
}
END_TEST

START_TEST(test_corrupt_record_type)
{
	struct std_log s;
	uint8_t *c;

	std_log(&s);
	c = malloc(s.size);

	memcpy(c, s.data, s.size);
	c[s.file] = 99;
	expect_bad(c, s.size, BT_ECORRUPT, "unknown record type 99");
	expect_bad(c, s.size, BT_ECORRUPT, at(s.file));

	memcpy(c, s.data, s.size);
	c[s.ev_recv] = 0;
	expect_bad(c, s.size, BT_ECORRUPT, at(s.ev_recv));

	/* an event whose type was made a process record */
	memcpy(c, s.data, s.size);
	c[s.ev_read] = BT_REC_PROCESS;
	expect_bad(c, s.size, BT_ECORRUPT, at(s.ev_read));
	free(c);
	free(s.data);
}
END_TEST

START_TEST(test_corrupt_strings)
{
	struct std_log s;
	uint8_t *c;
	uint64_t so;

	std_log(&s);
	c = malloc(s.size);
	so = s.filename + 12;    /* the path's u32 length */

	memcpy(c, s.data, s.size);
	put32(c, so, 5000);
	expect_bad(c, s.size, BT_ECORRUPT, "bad string length 5000");
	expect_bad(c, s.size, BT_ECORRUPT, at(so));

	memcpy(c, s.data, s.size);
	put32(c, so, 0xffffffffu);
	expect_bad(c, s.size, BT_ECORRUPT, at(so));

	/* "/etc/passwd" is 11 bytes: the NUL is at so + 4 + 11 */
	memcpy(c, s.data, s.size);
	c[so + 4 + 11] = 'x';
	expect_bad(c, s.size, BT_ECORRUPT, "missing NUL");
	expect_bad(c, s.size, BT_ECORRUPT, at(so + 4 + 11));

	/* the label's string: 8-byte head, object, key, time, then length */
	memcpy(c, s.data, s.size);
	put32(c, s.label + 24, 13);
	expect_bad(c, s.size, BT_ECORRUPT, at(s.label + 24));
	free(c);
	free(s.data);
}
END_TEST

START_TEST(test_corrupt_references)
{
	struct std_log s;
	uint8_t *c;

	std_log(&s);
	c = malloc(s.size);

	/* event cause undefined (at the time) and out of range */
	memcpy(c, s.data, s.size);
	put32(c, s.ev_read + 16, 50);
	expect_bad(c, s.size, BT_ECORRUPT, "undefined object 50");
	expect_bad(c, s.size, BT_ECORRUPT, at(s.ev_read));

	memcpy(c, s.data, s.size);
	put32(c, s.ev_read + 20, 4);   /* page 4 is defined later */
	expect_bad(c, s.size, BT_ECORRUPT, at(s.ev_read));

	memcpy(c, s.data, s.size);
	put32(c, s.ev_read + 20, 0);
	expect_bad(c, s.size, BT_ECORRUPT, at(s.ev_read));

	/* op whose kinds do not fit: write is process -> file */
	memcpy(c, s.data, s.size);
	c[s.ev_read + 2] = BT_OP_WRITE;
	expect_bad(c, s.size, BT_ECORRUPT, "op 'write' cannot join a file "
		   "to a process");
	expect_bad(c, s.size, BT_ECORRUPT, at(s.ev_read));

	/* op out of range, time 0 */
	memcpy(c, s.data, s.size);
	c[s.ev_recv + 2] = 200;
	expect_bad(c, s.size, BT_ECORRUPT, "bad op 200");
	memcpy(c, s.data, s.size);
	put64(c, s.ev_recv + 8, 0);
	expect_bad(c, s.size, BT_ECORRUPT, at(s.ev_recv));

	/* page-write aux names a region: make it the file */
	memcpy(c, s.data, s.size);
	put32(c, s.ev_page + 4, 2);
	expect_bad(c, s.size, BT_ECORRUPT, at(s.ev_page));

	/* page of a filename; region mapped by a file; label on a file */
	memcpy(c, s.data, s.size);
	put32(c, s.page + 12, 3);
	expect_bad(c, s.size, BT_ECORRUPT, "is a filename, not a file");
	expect_bad(c, s.size, BT_ECORRUPT, at(s.page + 12));
	memcpy(c, s.data, s.size);
	put32(c, s.region + 16, 2);
	expect_bad(c, s.size, BT_ECORRUPT, at(s.region + 16));
	memcpy(c, s.data, s.size);
	put32(c, s.label + 8, 2);
	expect_bad(c, s.size, BT_ECORRUPT, at(s.label + 8));
	memcpy(c, s.data, s.size);
	put32(c, s.label + 12, 77);
	expect_bad(c, s.size, BT_ECORRUPT, "bad label key 77");

	/* id out of sequence */
	memcpy(c, s.data, s.size);
	put32(c, s.file + 8, 5);
	expect_bad(c, s.size, BT_ECORRUPT, "object id 5 out of sequence");
	expect_bad(c, s.size, BT_ECORRUPT, at(s.file + 8));
	memcpy(c, s.data, s.size);
	put32(c, s.endpoint + 8, 4);
	expect_bad(c, s.size, BT_ECORRUPT, at(s.endpoint + 8));
	free(c);
	free(s.data);
}
END_TEST

START_TEST(test_open_mem_unaligned)
{
	struct std_log s;
	struct bt_log *log;
	struct bt_log_stats st;
	uint8_t *c;

	std_log(&s);
	c = malloc(s.size + 1);
	memcpy(c + 1, s.data, s.size);
	ck_assert_int_eq(bt_log_open_mem(&log, c + 1, s.size), 0);
	ck_assert_int_eq(bt_log_stats(log, &st), 0);
	ck_assert_uint_eq(st.records, 11);
	ck_assert_uint_eq(st.events, 3);
	ck_assert_uint_eq(st.objects, 6);
	bt_log_close(log);
	free(c);
	free(s.data);
}
END_TEST

/* ---- torn tails and truncated copies ---------------------------------- */

START_TEST(test_torn_tail)
{
	const char *path = tu_path("torn.btl");
	struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE);
	struct bt_log *log;
	struct bt_log_stats st;
	uint64_t committed;
	int i;

	/* a new log is at its path once closed: the torn tail is made by an
	 * appender that stops without closing */
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	w = wopen(path, BT_LOGW_APPEND);
	ck_assert_int_eq(bt_log_append_process(w, 1, 1, T0, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 1), 0);
	for (i = 0; i < 10; i++)
		bt_log_append_event(w, BT_OP_READ, 0, 0, T0 + i, 2, 1);
	bt_log_writer_commit(w);
	committed = bt_log_writer_size(w);
	for (i = 0; i < 5; i++)
		bt_log_append_event(w, BT_OP_WRITE, 0, 0, T0 + 100, 1, 2);
	ck_assert_int_eq(bt_log_append_filename(w, 3, "/uncommitted", 12), 0);
	bt_log_writer_abort(w);

	ck_assert_int_eq(bt_log_open(&log, path), 0);
	ck_assert_ptr_nonnull(bt_log_warning(log));
	ck_assert_msg(strstr(bt_log_warning(log), "ignoring 152 bytes of "
			     "uncommitted records after offset"),
		      "warning: %s", bt_log_warning(log));
	ck_assert_uint_eq(bt_log_committed(log), committed);
	ck_assert(!(bt_log_header(log)->flags & BT_LOGF_CLOSED));
	ck_assert_int_eq(bt_log_stats(log, &st), 0);
	ck_assert_uint_eq(st.records, 12);
	ck_assert_uint_eq(st.events, 10);
	ck_assert_uint_eq(st.by_op[BT_OP_WRITE], 0);
	ck_assert_uint_eq(st.objects, 2);
	bt_log_close(log);

	/* appending drops the torn tail and continues after the commit */
	w = wopen(path, BT_LOGW_APPEND);
	ck_assert_uint_eq(bt_log_writer_objects(w), 2);
	ck_assert_uint_eq(bt_log_writer_size(w), committed);
	ck_assert_int_eq(bt_log_append_filename(w, 3, "/after", 6), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_log_open(&log, path), 0);
	ck_assert_ptr_null(bt_log_warning(log));
	ck_assert_int_eq(bt_log_stats(log, &st), 0);
	ck_assert_uint_eq(st.records, 13);
	ck_assert_uint_eq(st.objects, 3);
	bt_log_close(log);
}
END_TEST

START_TEST(test_truncated_copy)
{
	struct std_log s;
	struct bt_log *log;
	struct bt_log_stats st;
	uint64_t n;

	std_log(&s);
	/* cut in the middle of the region record: 6 complete records */
	ck_assert_int_eq(bt_log_open_mem(&log, s.data, s.region + 12), 0);
	ck_assert_ptr_nonnull(bt_log_warning(log));
	ck_assert_ptr_nonnull(strstr(bt_log_warning(log), "shorter than"));
	ck_assert_int_eq(count_records(log, &n), 0);
	ck_assert_uint_eq(n, 6);
	ck_assert_int_eq(bt_log_stats(log, &st), 0);
	ck_assert_uint_eq(st.objects, 5);
	bt_log_close(log);
	/* cut in the middle of an event */
	ck_assert_int_eq(bt_log_open_mem(&log, s.data, s.ev_recv + 20), 0);
	ck_assert_int_eq(count_records(log, &n), 0);
	ck_assert_uint_eq(n, 10);
	bt_log_close(log);
	/* and on a record boundary */
	ck_assert_int_eq(bt_log_open_mem(&log, s.data, s.page), 0);
	ck_assert_int_eq(count_records(log, &n), 0);
	ck_assert_uint_eq(n, 4);
	bt_log_close(log);

	/* appending to a truncated copy continues after its last complete
	 * record, and the old, larger committed length does not survive */
	{
		const char *path = tu_path("short.btl");
		struct bt_log_writer *w;

		ck_assert_int_eq(tu_write_file(path, s.data, s.region + 12), 0);
		w = wopen(path, BT_LOGW_APPEND);
		ck_assert_uint_eq(bt_log_writer_objects(w), 5);
		ck_assert_uint_eq(bt_log_writer_size(w), s.region);
		ck_assert_int_eq(bt_log_append_region(w, 6, 2, 1, 0, 0, 1), 0);
		ck_assert_int_eq(bt_log_append_event(w, BT_OP_MMAP_READ, 0, 6,
						     T0, 2, 1), 0);
		bt_log_writer_abort(w);   /* commits nothing new */
		ck_assert_int_eq(bt_log_open(&log, path), 0);
		ck_assert_ptr_null(strstr(bt_log_warning(log) ?
					  bt_log_warning(log) : "",
					  "shorter"));
		ck_assert_uint_eq(bt_log_committed(log), s.region);
		ck_assert_int_eq(count_records(log, &n), 0);
		ck_assert_uint_eq(n, 6);
		bt_log_close(log);
	}
	free(s.data);
}
END_TEST

/* ---- a writer killed at random moments ---------------------------------- */

/*
 * The intended sequence: record 0 is process 1, record 1 file 2; then
 * record i (i >= 2) is a filename "/f/<i>" when i % 7 == 0, else an event
 * whose op, time and aux are functions of i.
 */
static int seq_is_name(uint64_t i)
{
	return i >= 2 && i % 7 == 0;
}

static int seq_append(struct bt_log_writer *w, uint64_t i)
{
	char name[32];
	int n;

	if (i == 0)
		return bt_log_append_process(w, 1, 42, T0, 1, 0);
	if (i == 1)
		return bt_log_append_file(w, 2, 0, 8, 99);
	if (seq_is_name(i)) {
		n = snprintf(name, sizeof(name), "/f/%llu",
			     (unsigned long long)i);
		return bt_log_append_filename(w, bt_log_writer_objects(w) + 1,
					      name, (size_t)n);
	}
	if (i % 3 == 0)
		return bt_log_append_event(w, BT_OP_WRITE, 0, (uint32_t)i,
					   T0 + i, 1, 2);
	return bt_log_append_event(w, BT_OP_READ, 0, (uint32_t)i, T0 + i,
				   2, 1);
}

/*
 * Check the log holds a prefix of the sequence; returns its length.  Plain
 * compares in the loop: every ck_assert is a write to Check's pipe, too
 * slow for hundreds of thousands of records.
 */
static uint64_t seq_check(const char *path)
{
	struct bt_log *log;
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	uint64_t i = 0;
	uint32_t names = 0;
	bool ok = true;
	int r;

	r = bt_log_open(&log, path);
	ck_assert_msg(r == 0, "open after kill: %s", bt_error_msg());
	bt_log_iter_init(&it, log);
	while (ok && (r = bt_log_next(&it, &h)) == 1) {
		if (i == 0) {
			ok = h->type == BT_REC_PROCESS &&
			     ((const struct bt_rec_process *)h)->pid == 42;
		} else if (i == 1) {
			ok = h->type == BT_REC_FILE &&
			     ((const struct bt_rec_file *)h)->ino == 99;
		} else if (seq_is_name(i)) {
			const struct bt_rec_filename *f = (const void *)h;
			char name[32];

			snprintf(name, sizeof(name), "/f/%llu",
				 (unsigned long long)i);
			ok = h->type == BT_REC_FILENAME &&
			     f->id == 3 + names &&
			     !strcmp(bt_rec_str(&f->path), name);
			names++;
		} else {
			const struct bt_rec_event *e = (const void *)h;

			ok = h->type == BT_REC_EVENT &&
			     e->op == (i % 3 == 0 ? BT_OP_WRITE : BT_OP_READ) &&
			     e->aux == i && e->time == T0 + i;
		}
		i++;
	}
	ck_assert_msg(ok, "record %llu differs from the intended sequence",
		      (unsigned long long)i - 1);
	ck_assert_msg(r == 0, "record %llu: %s", (unsigned long long)i,
		      bt_error_msg());
	bt_log_iter_release(&it);
	bt_log_close(log);
	return i;
}

static void seq_child(const char *path, uint64_t from, unsigned seed,
		      int ready)
{
	struct bt_log_writer *w;
	uint64_t i = from;

	if (bt_log_writer_open(&w, path, BT_LOGW_APPEND))
		_exit(1);
	if (write(ready, "", 1) != 1)
		_exit(3);
	srand(seed);
	for (;;) {
		int batch = 1 + rand() % 8, k;

		for (k = 0; k < batch; k++, i++)
			if (seq_append(w, i))
				_exit(2);
		bt_log_writer_commit(w);
	}
}

START_TEST(test_crash_safety)
{
	const char *path = tu_path("crash.btl");
	struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE);
	uint64_t have = 0, grew = 0;
	struct timespec ts;
	int round;

	bt_log_writer_close(w);
	srand(12345);
	for (round = 0; round < 250; round++) {
		uint64_t now;
		pid_t pid;
		int status, ready[2];
		char c;

		ck_assert_int_eq(pipe(ready), 0);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0)
			seq_child(path, have, (unsigned)round, ready[1]);
		close(ready[1]);
		/* Every other round, kill while writing, not while the
		 * appender opens (slow under sanitizers). */
		if (round % 2 == 0)
			ck_assert_int_eq(read(ready[0], &c, 1), 1);
		close(ready[0]);
		ts.tv_sec = 0;
		ts.tv_nsec = (rand() % 3000) * 1000L;
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFSIGNALED(status), "child exited with %d",
			      WEXITSTATUS(status));
		now = seq_check(path);
		ck_assert_uint_ge(now, have);
		grew += now > have;
		have = now;
		/* keep the log small so the test stays fast: each round
		 * reads it all.  50,000 records still span blocks (v2) and
		 * preallocation steps of 1 MiB (v1) */
		if (have > 50000) {
			w = wopen(path, BT_LOGW_CREATE | BT_LOGW_TRUNC);
			bt_log_writer_close(w);
			have = 0;
		}
	}
	/* the kills must land while writing, not all before the first
	 * commit */
	ck_assert_uint_gt(grew, 50);
}
END_TEST

START_TEST(test_live_reader)
{
	/* A reader beside a live writer sees exactly what was committed when
	 * it opened, and later readers see later commits. */
	const char *path = tu_path("live.btl");
	struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE);
	struct bt_log *log;
	uint64_t n;
	int i;

	ck_assert_int_eq(bt_log_writer_close(w), 0);
	w = wopen(path, BT_LOGW_APPEND);
	ck_assert_int_eq(bt_log_append_process(w, 1, 1, T0, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 1), 0);
	bt_log_writer_commit(w);
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0, 0,
						     T0 + i, 2, 1), 0);
	ck_assert_int_eq(bt_log_open(&log, path), 0);
	ck_assert_int_eq(count_records(log, &n), 0);
	ck_assert_uint_eq(n, 2);
	bt_log_close(log);
	bt_log_writer_commit(w);
	ck_assert_int_eq(bt_log_open(&log, path), 0);
	ck_assert_int_eq(count_records(log, &n), 0);
	ck_assert_uint_eq(n, 102);
	ck_assert(!(bt_log_header(log)->flags & BT_LOGF_CLOSED));
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	/* the appender's close (which never shrinks the file) does not
	 * disturb the reader */
	ck_assert_int_eq(count_records(log, &n), 0);
	ck_assert_uint_eq(n, 102);
	bt_log_close(log);
}
END_TEST

/* ---- append mode, two writers, a full disk ---------------------------- */

START_TEST(test_append_continues_ids)
{
	const char *path = tu_path("append.btl");
	struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE);
	struct bt_log *log;
	struct bt_log_stats st;

	ck_assert_int_eq(bt_log_append_process(w, 1, 1, T0, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 1), 0);
	ck_assert_int_eq(bt_log_append_page(w, 3, 2, 0), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);

	ck_assert_int_eq(bt_log_writer_open(&w, path, BT_LOGW_CREATE),
			 BT_EINVAL);
	w = wopen(path, BT_LOGW_APPEND);
	ck_assert_uint_eq(bt_log_writer_objects(w), 3);
	ck_assert_int_eq(bt_log_append_file(w, 3, 0, 1, 2), BT_EINVAL);
	ck_assert_int_eq(bt_log_append_file(w, 4, 0, 1, 2), 0);
	/* kinds of the old objects are known to the appender */
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_PAGE_READ, 0, 0, T0, 3,
					     1), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_PAGE_READ, 0, 0, T0, 2,
					     1), BT_EINVAL);
	/* while open, the log is not marked closed */
	ck_assert_int_eq(bt_log_open(&log, path), 0);
	ck_assert(!(bt_log_header(log)->flags & BT_LOGF_CLOSED));
	bt_log_close(log);
	ck_assert_int_eq(bt_log_writer_close(w), 0);

	ck_assert_int_eq(bt_log_open(&log, path), 0);
	ck_assert(bt_log_header(log)->flags & BT_LOGF_CLOSED);
	ck_assert_int_eq(bt_log_stats(log, &st), 0);
	ck_assert_uint_eq(st.objects, 4);
	ck_assert_uint_eq(st.events, 1);
	bt_log_close(log);

	/* appending to something that is not a log fails and leaves it */
	ck_assert_int_eq(tu_write_file(tu_path("junk"), "hello world", 11), 0);
	ck_assert_int_eq(bt_log_writer_open(&w, tu_path("junk"),
					    BT_LOGW_APPEND), BT_ECORRUPT);
	ck_assert_int_eq(bt_log_writer_open(&w, tu_path("none"),
					    BT_LOGW_APPEND), BT_ENOTFOUND);
}
END_TEST

/* Rollback forgets what was appended since the last commit: records and
 * object ids; a close after it publishes only committed records. */
START_TEST(test_rollback)
{
	const char *path = tu_path("rollback.btl");
	struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE);
	struct bt_log *log;
	struct bt_log_stats st;
	uint64_t size;

	bt_log_writer_rollback(w);              /* nothing yet: no-op */
	ck_assert_uint_eq(bt_log_writer_size(w), BT_LOG_HEADER_SIZE);
	ck_assert_int_eq(bt_log_append_process(w, 1, 1, T0, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 1), 0);
	bt_log_writer_commit(w);
	size = bt_log_writer_size(w);
	ck_assert_int_eq(bt_log_append_file(w, 3, 0, 1, 2), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0, 0, T0, 3, 1),
			 0);
	ck_assert_int_eq(bt_log_append_label(w, 3, BT_LABEL_PATH, T0, "/x",
					     2), 0);
	bt_log_writer_rollback(w);
	ck_assert_uint_eq(bt_log_writer_size(w), size);
	ck_assert_uint_eq(bt_log_writer_objects(w), 2);
	/* id 3 is free again, and 3 is not defined any more */
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0, 0, T0, 3, 1),
			 BT_EINVAL);
	ck_assert_int_eq(bt_log_append_page(w, 3, 2, 7), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_PAGE_READ, 0, 0, T0, 3,
					     1), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_log_open(&log, path), 0);
	ck_assert_ptr_null(bt_log_warning(log));
	ck_assert_int_eq(bt_log_stats(log, &st), 0);
	ck_assert_uint_eq(st.objects, 3);
	ck_assert_uint_eq(st.by_type[BT_REC_FILE], 1);
	ck_assert_uint_eq(st.by_type[BT_REC_PAGE], 1);
	ck_assert_uint_eq(st.by_type[BT_REC_LABEL], 0);
	ck_assert_uint_eq(st.by_op[BT_OP_READ], 0);
	ck_assert_uint_eq(st.by_op[BT_OP_PAGE_READ], 1);
	bt_log_close(log);
}
END_TEST

START_TEST(test_two_writers)
{
	const char *path = tu_path("two.btl");
	struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE), *w2 = NULL;
	pid_t pid;
	int status;

	ck_assert_int_eq(bt_log_writer_close(w), 0);
	w = wopen(path, BT_LOGW_APPEND);
	ck_assert_int_eq(bt_log_append_process(w, 1, 1, T0, 0, 0), 0);
	bt_log_writer_commit(w);
	ck_assert_int_ne(bt_log_writer_open(&w2, path, BT_LOGW_APPEND), 0);
	ck_assert_ptr_null(w2);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "another"));
	/* TRUNC must not replace a log being written: its writer's close
	 * refuses, and the log stays */
	w2 = wopen(path, BT_LOGW_CREATE | BT_LOGW_TRUNC);
	ck_assert_int_eq(bt_log_writer_close(w2), BT_EINVAL);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "another"));
	w2 = NULL;
	/* and another process is refused too */
	pid = fork();
	if (pid == 0)
		_exit(bt_log_writer_open(&w2, path, BT_LOGW_APPEND) ? 0 : 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 1), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	w = wopen(path, BT_LOGW_APPEND);
	ck_assert_uint_eq(bt_log_writer_objects(w), 2);
	bt_log_writer_abort(w);
}
END_TEST

START_TEST(test_disk_full)
{
	const char *path = tu_path("full.btl");
	struct rlimit rl = { 4 << 20, 4 << 20 };
	int fds[2], status;
	uint64_t committed = 0;
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		struct bt_log_writer *w;
		uint64_t i, n = 0;
		int r = 0;

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl))
			_exit(10);
		if (bt_log_writer_open(&w, path, BT_LOGW_CREATE))
			_exit(11);
		if (bt_log_append_process(w, 1, 1, T0, 0, 0) ||
		    bt_log_append_file(w, 2, 0, 1, 1))
			_exit(12);
		for (i = 0; i < 10000000 && !r; i++) {
			r = bt_log_append_event(w, BT_OP_READ, 0, (uint32_t)i,
						T0 + i, 2, 1);
			if (!r && i % 100 == 99) {
				bt_log_writer_commit(w);
				n = i + 1;
			}
		}
		if (write(fds[1], &n, sizeof(n)) != sizeof(n))
			_exit(13);
		if (r != BT_EIO || !strstr(bt_error_msg(), "File too large"))
			_exit(14);
		/* the records that fit are committed and a close works */
		bt_log_writer_close(w);
		_exit(0);
	}
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], &committed, sizeof(committed)),
			 sizeof(committed));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child status %d", status);
	ck_assert_uint_gt(committed, 1000);
	{
		struct bt_log *log;
		struct bt_log_stats st;

		ck_assert_int_eq(bt_log_open(&log, path), 0);
		ck_assert_int_eq(bt_log_stats(log, &st), 0);
		ck_assert_uint_ge(st.events, committed);
		ck_assert_uint_le(bt_log_file_size(log), 4 << 20);
		bt_log_close(log);
	}
}
END_TEST

/* ---- mutated logs (the fuzz target's logic) ---------------------------- */

static int fuzz_one(const uint8_t *data, size_t size)
{
	struct bt_log *log;
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	struct bt_log_stats st;
	int r;

	r = bt_log_open_mem(&log, data, size);
	if (r)
		return r;
	bt_log_iter_init(&it, log);
	while ((r = bt_log_next(&it, &h)) == 1)
		ck_assert_uint_le(it.off, bt_log_committed(log));
	bt_log_iter_release(&it);
	ck_assert_int_eq(bt_log_stats(log, &st), r);
	bt_log_close(log);
	return r;
}

START_TEST(test_mutated_logs)
{
	struct std_log s;
	uint8_t *c;
	int i, bad = 0;

	std_log(&s);
	c = malloc(s.size + 64);
	srand(777);
	for (i = 0; i < 600; i++) {
		size_t size = s.size;
		int k, nmut = 1 + rand() % 4, r;

		memcpy(c, s.data, s.size);
		for (k = 0; k < nmut; k++) {
			size_t off = 64 + (size_t)rand() % (s.size - 64);

			switch (rand() % 4) {
			case 0:
				c[off] = (uint8_t)rand();
				break;
			case 1:
				c[off] ^= (uint8_t)(1 << (rand() % 8));
				break;
			case 2:
				put32(c, off & ~(size_t)3, (uint32_t)rand());
				break;
			default:
				size = off;
				break;
			}
		}
		if (rand() % 10 == 0)
			c[rand() % 64] ^= 0xff;
		r = fuzz_one(c, size);
		if (r == BT_ECORRUPT) {
			bad++;
			ck_assert_msg(strstr(bt_error_msg(), "offset"),
				      "no offset in '%s'", bt_error_msg());
		} else {
			ck_assert_msg(r == 0 || r == BT_EVERSION,
				      "unexpected %d: %s", r, bt_error_msg());
		}
	}
	/* most mutations must be caught */
	ck_assert_int_gt(bad, 100);
	free(c);
	free(s.data);
}
END_TEST

/* ---- format version 2 --------------------------------------------------- */

/* Write the standard log's records (std_log) in version `v`; returns the
 * file's bytes. */
static void *std_log_v(const char *name, unsigned v1, size_t *size)
{
	const char *path = tu_path(name);
	struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE | BT_LOGW_TRUNC |
					(v1 ? BT_LOGW_V1 : 0));
	static const uint8_t seal[5] = { 1, 2, 3, 4, 5 };
	void *data;

	ck_assert_int_eq(bt_log_append_process(w, 1, 100, T0, 1, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 8, 1234), 0);
	ck_assert_int_eq(bt_log_append_filename(w, 3, "/etc/passwd", 11), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0, 10, T0 + 1,
					     2, 1), 0);
	ck_assert_int_eq(bt_log_append_page(w, 4, 2, 7), 0);
	ck_assert_int_eq(bt_log_append_endpoint(w, 5, "203.0.113.9:4444",
						16), 0);
	ck_assert_int_eq(bt_log_append_region(w, 6, 2, 1, BT_PROT_WRITE |
					      BT_PROT_SHARED, 0, 16), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_PAGE_WRITE,
					     BT_EVF_SHARED, 6, T0 + 2, 1, 4),
			 0);
	ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_EXE, T0,
					     "/bin/sh", 7), 0);
	ck_assert_int_eq(bt_log_append_note(w, BT_NOTE_SOURCE, T0, "test", 4),
			 0);
	/* an event earlier than the one before: negative time delta */
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_RECV, 0, 99, T0 - 5,
					     5, 1), 0);
	ck_assert_int_eq(bt_log_append_seal(w, seal, sizeof(seal)), 0);
	ck_assert_int_eq(bt_log_append_process(w, 7, 101, T0 + 9, 100,
					       (uint32_t)-1), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_FORK, 0, 0, T0 + 9, 1,
					     7), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	data = tu_read_file(path, size);
	ck_assert_ptr_nonnull(data);
	return data;
}

/* Version 1 and version 2 of the same records read back byte for byte
 * the same (canonical form), seals included. */
START_TEST(test_v2_same_records)
{
	size_t n1, n2;
	void *d1 = std_log_v("s1.btl", 1, &n1);
	void *d2 = std_log_v("s2.btl", 0, &n2);
	struct bt_log *a, *b;
	struct bt_log_iter ia, ib;
	const struct bt_rec_head *ha, *hb;
	int ra, rb, n = 0;

	ck_assert_int_eq(bt_log_open_mem(&a, d1, n1), 0);
	ck_assert_int_eq(bt_log_open_mem(&b, d2, n2), 0);
	ck_assert_uint_eq(bt_log_version(a), 1);
	ck_assert_uint_eq(bt_log_version(b), 2);
	ck_assert_uint_eq(bt_log_blocks(b), 1);
	ck_assert_uint_lt(n2, n1);
	bt_log_iter_init(&ia, a);
	bt_log_iter_init(&ib, b);
	while ((ra = bt_log_next(&ia, &ha)) == 1) {
		uint32_t len = ha->type == BT_REC_EVENT ? 24 : ha->len;

		rb = bt_log_next(&ib, &hb);
		ck_assert_int_eq(rb, 1);
		ck_assert_int_eq(memcmp(ha, hb, len), 0);
		if (ha->type == BT_REC_SEAL)
			ck_assert_uint_eq(((const struct bt_rec_seal *)hb)
					  ->data[4], 5);
		n++;
	}
	ck_assert_int_eq(ra, 0);
	ck_assert_int_eq(bt_log_next(&ib, &hb), 0);
	ck_assert_int_eq(n, 14);
	bt_log_iter_release(&ia);
	bt_log_iter_release(&ib);
	bt_log_close(a);
	bt_log_close(b);
	free(d1);
	free(d2);
}
END_TEST

/* The cgroup label (the highest key) in both versions: written, read back
 * as written; one past BT_LABEL_MAX is refused; on a file, refused. */
START_TEST(test_label_cgroup)
{
	static const char cg[] = "/system.slice/docker-"
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		".scope";
	unsigned v;

	ck_assert_uint_eq(BT_LABEL_LOCAL, BT_LABEL_MAX);
	for (v = 0; v < 2; v++) {
		const char *path = tu_path(v ? "cg1.btl" : "cg2.btl");
		struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE |
						BT_LOGW_TRUNC |
						(v ? BT_LOGW_V1 : 0));
		const struct bt_rec_head *h;
		const struct bt_rec_label *l;
		struct bt_log_iter it;
		struct bt_log *log;
		int r, n = 0;

		ck_assert_int_eq(bt_log_append_process(w, 1, 100, T0, 1, 0), 0);
		ck_assert_int_eq(bt_log_append_file(w, 2, 0, 8, 1234), 0);
		ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_CGROUP,
						     T0 + 1, cg, strlen(cg)), 0);
		ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_MAX + 1,
						     T0, "x", 1), BT_EINVAL);
		ck_assert_int_eq(bt_log_append_label(w, 2, BT_LABEL_CGROUP,
						     T0, "/", 1), BT_EINVAL);
		/* the local address is an endpoint's, never a process's */
		ck_assert_int_eq(bt_log_append_label(w, 1, BT_LABEL_LOCAL,
						     T0, "1.2.3.4:5", 9),
				 BT_EINVAL);
		ck_assert_int_eq(bt_log_writer_close(w), 0);
		ck_assert_int_eq(bt_log_open(&log, path), 0);
		ck_assert_uint_eq(bt_log_version(log), v ? 1 : 2);
		bt_log_iter_init(&it, log);
		while ((r = bt_log_next(&it, &h)) == 1) {
			if (h->type != BT_REC_LABEL)
				continue;
			l = (const struct bt_rec_label *)h;
			ck_assert_uint_eq(l->key, BT_LABEL_CGROUP);
			ck_assert_uint_eq(l->object, 1);
			ck_assert_uint_eq(l->time, T0 + 1);
			ck_assert_str_eq(bt_rec_str(&l->value), cg);
			n++;
		}
		ck_assert_int_eq(r, 0);
		ck_assert_int_eq(n, 1);
		bt_log_iter_release(&it);
		bt_log_close(log);
	}
}
END_TEST

/* Known CRC-32C values, and the table and the instruction agree. */
START_TEST(test_crc32c)
{
	uint8_t buf[1000];
	uint32_t c;
	int i;

	ck_assert_uint_eq(bt_crc32c(0, "123456789", 9), 0xE3069283u);
	ck_assert_uint_eq(bt_crc32c(0, "", 0), 0);
	for (i = 0; i < 1000; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	c = bt_crc32c(0, buf, 1000);
	ck_assert_uint_eq(bt_crc32c(bt_crc32c(0, buf, 333), buf + 333, 667),
			  c);
	/* the table path, in a child (the choice is made once) */
	{
		pid_t p = fork();
		int st;

		if (p == 0) {
			setenv("BTRACK_CRC32C_SOFT", "1", 1);
			_exit(bt_crc32c(0, buf, 1000) == c &&
			      bt_crc32c(bt_crc32c(0, buf + 1, 5), buf + 6,
					994) == bt_crc32c(0, buf + 1, 999) &&
			      bt_crc32c(0, "123456789", 9) == 0xE3069283u ?
			      0 : 1);
		}
		ck_assert_int_eq(waitpid(p, &st, 0), p);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
}
END_TEST

static void v2_expect_bad(const uint8_t *d, size_t n, const char *want)
{
	struct bt_log *log = NULL;
	struct bt_log_stats st;
	int r = bt_log_open_mem(&log, d, n);

	if (!r) {
		r = bt_log_verify(log, &st);
		bt_log_close(log);
	}
	ck_assert_msg(r == BT_ECORRUPT, "got %d (%s), want corrupt with '%s'",
		      r, bt_error_msg(), want);
	ck_assert_msg(strstr(bt_error_msg(), want), "message '%s' lacks '%s'",
		      bt_error_msg(), want);
}

/* Damage at named offsets of a version 2 log, each with its message. */
START_TEST(test_v2_corrupt)
{
	size_t n;
	uint8_t *d = std_log_v("c2.btl", 0, &n), *c = malloc(n + 64);
	uint64_t committed;
	uint32_t used;

	memcpy(&committed, d + 16, 8);
	memcpy(&used, d + 64, 4);
	ck_assert_uint_eq(committed, n);
	ck_assert_uint_eq(64 + 32 + used, n);

#define FLIP(off, bit, want) do { \
		memcpy(c, d, n); \
		c[off] ^= (uint8_t)(1u << (bit)); \
		v2_expect_bad(c, n, want); \
	} while (0)
	FLIP(24, 3, "header checksum mismatch at offset 40");   /* created */
	FLIP(40, 0, "header checksum mismatch at offset 40");   /* hcrc */
	FLIP(50, 7, "header checksum mismatch at offset 40");   /* reserved */
	FLIP(12, 1, "close checksum mismatch at offset 44");    /* a flag */
	FLIP(12, 0, "lost the closed mark");                    /* CLOSED */
	FLIP(12, 5, "unknown flags 0x21 at offset 12");
	FLIP(16, 0, "close checksum mismatch");                 /* committed */
	FLIP(18, 4, "close checksum mismatch");
	FLIP(44, 2, "close checksum mismatch");                 /* ccrc */
	FLIP(68, 4, "checksum mismatch in the block at offset 64");
	FLIP(72, 0, "checksum mismatch in the block at offset 64"); /* seq */
	FLIP(64 + 32 + 5, 6, "checksum mismatch in the block at offset 64");
	FLIP(n - 1, 0, "checksum mismatch in the block at offset 64");
	FLIP(64, 1, "block at offset 64");                      /* used */
#undef FLIP
	/* bytes after the end of a closed log */
	memcpy(c, d, n);
	memset(c + n, 0, 64);
	c[n + 9] = 1;
	v2_expect_bad(c, n + 64, "10 bytes of data after its committed end "
		      "at offset");
	/* a consistent header that claims less than the blocks hold */
	memcpy(c, d, n);
	{
		uint64_t less = n - 3;
		struct bt_log_header *h = (void *)c;

		memcpy(c + 16, &less, 8);
		h->ccrc = 0;
		h->flags = 0;
		v2_expect_bad(c, n, "");
	}
	/* an unknown tag, with a valid checksum (a crafted log) */
	memcpy(c, d, n);
	c[96] = 0x8f;
	{
		uint32_t crc = bt_crc32c(0, c + 72, 24 + used);

		memcpy(c + 68, &crc, 4);
	}
	v2_expect_bad(c, n, "bad tag 0x8f in the record at offset 96 "
		      "(block at offset 64)");
	free(c);
	free(d);
}
END_TEST

/*
 * Every single-bit flip of a closed log is caught by bt_log_verify()
 * (what `btrack log verify` runs): 1,000 random flips across a generated
 * log (header, block headers, records, the end).  The same flips of the
 * version 1 log are counted for comparison, not asserted.
 */
static unsigned flips_caught(const uint8_t *d, size_t n, unsigned seed,
			     unsigned count)
{
	uint8_t *c = malloc(n);
	unsigned i, caught = 0;

	ck_assert_ptr_nonnull(c);
	srand(seed);
	for (i = 0; i < count; i++) {
		size_t off = (size_t)rand() % n;
		struct bt_log *log;
		struct bt_log_stats st;
		int r;

		memcpy(c, d, n);
		c[off] ^= (uint8_t)(1u << (rand() % 8));
		r = bt_log_open_mem(&log, c, n);
		if (!r) {
			r = bt_log_verify(log, &st);
			bt_log_close(log);
		}
		if (r) {
			caught++;
			ck_assert_msg(strstr(bt_error_msg(), "offset"),
				      "no offset in '%s'", bt_error_msg());
		}
	}
	free(c);
	return caught;
}

static void *gen_file(const char *name, unsigned flags, size_t *n)
{
	struct bt_gen_opts o = { .events = 3000, .seed = 5 };
	struct bt_gen_info info;
	const char *path = tu_path(name);
	struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE | BT_LOGW_TRUNC |
					flags);
	void *d;

	ck_assert_int_eq(bt_gen(w, &o, &info), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	d = tu_read_file(path, n);
	ck_assert_ptr_nonnull(d);
	return d;
}

START_TEST(test_v2_bit_flips)
{
	size_t n1, n2;
	void *d1 = gen_file("f1.btl", BT_LOGW_V1, &n1);
	void *d2 = gen_file("f2.btl", 0, &n2);
	unsigned c1 = flips_caught(d1, n1, 99, 1000);
	unsigned c2 = flips_caught(d2, n2, 99, 1000);

	fprintf(stderr, "bit flips caught by verify: version 1 %u/1000 "
		"(%zu bytes), version 2 %u/1000 (%zu bytes)\n", c1, n1, c2,
		n2);
	ck_assert_uint_eq(c2, 1000);
	free(d1);
	free(d2);
}
END_TEST

/* Upgrade keeps the canonical records; v2 -> v1 too; a version 1 log
 * with bytes no writer writes is refused (its seal would not verify). */
START_TEST(test_v2_upgrade)
{
	size_t n1, n2;
	void *d1 = gen_file("u1.btl", BT_LOGW_V1, &n1);
	struct bt_log *in, *out;
	struct bt_log_stats s1, s2;
	const char *up = tu_path("u2.btl"), *down = tu_path("u3.btl");
	void *d3;
	size_t n3;

	ck_assert_int_eq(bt_log_open(&in, tu_path("u1.btl")), 0);
	ck_assert_int_eq(bt_log_stats(in, &s1), 0);
	ck_assert_int_eq(bt_log_upgrade(in, up, 0, &s2), 0);
	ck_assert_uint_eq(s1.records, s2.records);
	ck_assert_uint_eq(s1.events, s2.events);
	/* no silent replace */
	ck_assert_int_eq(bt_log_upgrade(in, up, 0, NULL), BT_EINVAL);
	ck_assert_int_eq(bt_log_open(&out, up), 0);
	ck_assert_uint_eq(bt_log_version(out), 2);
	ck_assert_uint_eq(bt_log_header(out)->created,
			  bt_log_header(in)->created);
	/* and back: the very same file bytes */
	ck_assert_int_eq(bt_log_upgrade(out, down, BT_LOGW_V1, NULL), 0);
	d3 = tu_read_file(down, &n3);
	ck_assert_uint_eq(n3, n1);
	ck_assert_int_eq(memcmp(d3, d1, n1), 0);
	bt_log_close(out);
	bt_log_close(in);
	free(d3);
	(void)n2;

	/* nonzero string padding in a version 1 log: refused, nothing
	 * left behind */
	{
		uint8_t *c = malloc(n1);
		struct bt_log *bad;
		uint32_t len;

		memcpy(c, d1, n1);
		/* the first record is the source note: pad after its NUL */
		memcpy(&len, c + 64 + 24, 4);
		if ((28 + len + 1) % 8) {
			c[64 + 28 + len + 1] = 'x';
			ck_assert_int_eq(bt_log_open_mem(&bad, c, n1), 0);
			ck_assert_int_eq(bt_log_upgrade(bad, tu_path("u4.btl"),
							0, NULL),
					 BT_ECORRUPT);
			ck_assert_int_ne(access(tu_path("u4.btl"), F_OK), 0);
			bt_log_close(bad);
		}
		free(c);
	}
	free(d1);
}
END_TEST

/* Blocks: many of them, each decoding alone; a truncated copy reads up to
 * its last complete block; appending continues the chain. */
START_TEST(test_v2_blocks)
{
	const char *path = tu_path("b.btl");
	struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE);
	struct bt_log *log;
	struct bt_log_stats st;
	uint64_t i, n = 100000, blocks;
	uint8_t *d;
	size_t size;

	ck_assert_int_eq(bt_log_append_process(w, 1, 1, T0, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 1), 0);
	for (i = 0; i < n; i++) {
		tu_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0,
						     (uint32_t)i, T0 + i * 1000,
						     2, 1), 0);
		if (i % 1000 == 0)
			bt_log_writer_commit(w);
	}
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_log_open(&log, path), 0);
	ck_assert_int_eq(bt_log_verify(log, &st), 0);
	ck_assert_uint_eq(st.events, n);
	blocks = bt_log_blocks(log);
	ck_assert_uint_gt(blocks, 3);
	{
		/* the block table: file offsets chained by `used`, the
		 * counts adding up to the log's */
		struct bt_log_blockinfo bi;
		uint64_t pf = 0, events = 0, objects = 0;
		uint32_t b, used;
		const uint8_t *dd = NULL;
		size_t dn;

		dd = tu_read_file(path, &dn);
		for (b = 0; b < blocks; b++) {
			ck_assert_int_eq(bt_log_block_info(log, b, &bi), 0);
			if (b) {
				memcpy(&used, dd + pf, 4);
				ck_assert_uint_eq(bi.file_off, (pf + 32 + used +
						  7) & ~(uint64_t)7);
			} else {
				ck_assert_uint_eq(bi.file_off, 64);
			}
			memcpy(&used, dd + bi.file_off, 4);
			ck_assert_uint_eq(bi.used, used);
			ck_assert_uint_eq(bi.lim, used);
			ck_assert_uint_eq(bi.first_event, events);
			ck_assert_uint_eq(bi.first_object, objects);
			events += bi.nevents;
			objects += bi.nobjects;
			pf = bi.file_off;
		}
		ck_assert_uint_eq(events, n);
		ck_assert_uint_eq(objects, 2);
		ck_assert_int_eq(bt_log_block_info(log, b, &bi), BT_EINVAL);
		free((void *)dd);
	}
	/* compact: under 16 bytes per event with the block headers */
	ck_assert_uint_lt(bt_log_file_size(log), n * 16);
	bt_log_close(log);

	/* a copy cut in the middle of the third block: two blocks and the
	 * third's complete records, which cannot be checked */
	d = tu_read_file(path, &size);
	{
		uint64_t off = 64;
		int k;
		uint32_t used;

		for (k = 0; k < 2; k++) {
			memcpy(&used, d + off, 4);
			off = (off + 32 + used + 7) & ~(uint64_t)7;
		}
		ck_assert_int_eq(bt_log_open_mem(&log, d, off + 100), 0);
		ck_assert_ptr_nonnull(bt_log_warning(log));
		ck_assert_ptr_nonnull(strstr(bt_log_warning(log),
					     "are not checksummed"));
		ck_assert_int_eq(bt_log_stats(log, &st), 0);
		ck_assert_uint_eq(bt_log_blocks(log), 3);
		ck_assert_uint_gt(st.events, 1000);
		ck_assert_uint_lt(st.events, n);
		bt_log_close(log);
		/* cut inside the third block's header: two blocks */
		ck_assert_int_eq(bt_log_open_mem(&log, d, off + 20), 0);
		ck_assert_int_eq(bt_log_stats(log, &st), 0);
		ck_assert_uint_eq(bt_log_blocks(log), 2);
		bt_log_close(log);
	}
	free(d);

	/* append: the chain goes on, ids and deltas too */
	w = wopen(path, BT_LOGW_APPEND);
	ck_assert_uint_eq(bt_log_writer_version(w), 2);
	ck_assert_int_eq(bt_log_append_file(w, 3, 0, 1, 2), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 0, T0 + 5, 1,
					     3), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_log_open(&log, path), 0);
	ck_assert_int_eq(bt_log_verify(log, &st), 0);
	ck_assert_uint_eq(st.events, n + 1);
	ck_assert_uint_eq(st.objects, 3);
	ck_assert_uint_eq(st.by_op[BT_OP_WRITE], 1);
	bt_log_close(log);
}
END_TEST

/* A writer killed between its block word and its committed length: the
 * word is ahead; readers read up to committed, with a warning, and an
 * appender continues from committed. */
START_TEST(test_v2_word_ahead)
{
	const char *path = tu_path("wa.btl");
	struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE);
	struct bt_log *log;
	struct bt_log_stats st;
	uint64_t committed;
	size_t size;
	uint8_t *d;
	int i;

	/* an appender (a new log's abort removes its temporary file) */
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	w = wopen(path, BT_LOGW_APPEND);
	ck_assert_int_eq(bt_log_append_process(w, 1, 1, T0, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 1), 0);
	for (i = 0; i < 10; i++)
		bt_log_append_event(w, BT_OP_READ, 0, 0, T0 + i, 2, 1);
	bt_log_writer_commit(w);
	committed = bt_log_writer_size(w);
	for (i = 0; i < 5; i++)
		bt_log_append_event(w, BT_OP_WRITE, 0, 0, T0 + 100, 1, 2);
	bt_log_writer_commit(w);
	bt_log_writer_abort(w);
	/* put the old committed length back: as if killed between */
	d = tu_read_file(path, &size);
	memcpy(d + 16, &committed, 8);
	ck_assert_int_eq(tu_write_file(path, d, size), 0);
	free(d);
	ck_assert_int_eq(bt_log_open(&log, path), 0);
	ck_assert_ptr_nonnull(bt_log_warning(log));
	ck_assert_ptr_nonnull(strstr(bt_log_warning(log), "uncommitted"));
	ck_assert_int_eq(bt_log_verify(log, &st), 0);
	ck_assert_uint_eq(st.events, 10);
	ck_assert_uint_eq(bt_log_file_end(log), committed);
	bt_log_close(log);
	w = wopen(path, BT_LOGW_APPEND);
	ck_assert_uint_eq(bt_log_writer_size(w), committed);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_EXEC, 0, 0, T0 + 50, 2,
					     1), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_log_open(&log, path), 0);
	ck_assert_ptr_null(bt_log_warning(log));
	ck_assert_int_eq(bt_log_verify(log, &st), 0);
	ck_assert_uint_eq(st.events, 11);
	ck_assert_uint_eq(st.by_op[BT_OP_WRITE], 0);
	ck_assert_uint_eq(st.by_op[BT_OP_EXEC], 1);
	bt_log_close(log);
}
END_TEST

/* A log whose last block's word is ahead of the committed length, as a
 * writer killed between its two stores leaves it: 10 events committed,
 * 5 more covered by the word only. */
static void word_ahead_log(const char *path)
{
	struct bt_log_writer *w;
	uint64_t committed;
	size_t size;
	uint8_t *d;
	int i;

	unlink(path);
	w = wopen(path, BT_LOGW_CREATE);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	w = wopen(path, BT_LOGW_APPEND);
	ck_assert_int_eq(bt_log_append_process(w, 1, 1, T0, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 1), 0);
	for (i = 0; i < 10; i++)
		bt_log_append_event(w, BT_OP_READ, 0, 0, T0 + i, 2, 1);
	bt_log_writer_commit(w);
	committed = bt_log_writer_size(w);
	for (i = 0; i < 5; i++)
		bt_log_append_event(w, BT_OP_WRITE, 0, 0, T0 + 100, 1, 2);
	bt_log_writer_commit(w);
	bt_log_writer_abort(w);
	d = tu_read_file(path, &size);
	memcpy(d + 16, &committed, 8);
	ck_assert_int_eq(tu_write_file(path, d, size), 0);
	free(d);
}

/*
 * A reader that read a last block whose word was ahead of the committed
 * length, then an APPEND writer that discards those uncommitted bytes and
 * writes others over them (fewer, as many, more): the reader's refresh
 * takes in the new records, no false "changed" or checksum error.  What
 * it read up to the committed length did not change.
 */
START_TEST(test_v2_word_ahead_then_append)
{
	const char *path = tu_path("wa2.btl");
	static const int add[] = { 1, 5, 9, 40 };
	size_t k;

	for (k = 0; k < sizeof(add) / sizeof(add[0]); k++) {
		struct bt_log_writer *w;
		struct bt_log *log;
		struct bt_log_iter it;
		struct bt_log_stats st;
		const struct bt_rec_head *h;
		uint64_t events = 0, ne;
		int i, r;

		word_ahead_log(path);
		ck_assert_int_eq(bt_log_open(&log, path), 0);
		bt_log_iter_init(&it, log);
		while ((r = bt_log_next(&it, &h)) == 1)
			events += h->type == BT_REC_EVENT;
		ck_assert_int_eq(r, 0);
		ck_assert_uint_eq(events, 10);
		w = wopen(path, BT_LOGW_APPEND);
		for (i = 0; i < add[k]; i++)
			ck_assert_int_eq(bt_log_append_event(w, BT_OP_EXEC, 0,
							     0, T0 + 50, 2, 1),
					 0);
		bt_log_writer_commit(w);
		r = bt_log_refresh(log, &ne);
		ck_assert_msg(r == 0, "%d more: %s", add[k], bt_error_msg());
		ck_assert_uint_eq(ne, (uint64_t)add[k]);
		while ((r = bt_log_next(&it, &h)) == 1)
			events += h->type == BT_REC_EVENT;
		ck_assert_msg(r == 0, "%d more: %s", add[k], bt_error_msg());
		ck_assert_uint_eq(events, 10 + (uint64_t)add[k]);
		ck_assert_int_eq(bt_log_writer_close(w), 0);
		ck_assert_int_eq(bt_log_refresh(log, &ne), 0);
		ck_assert_int_eq(bt_log_verify(log, &st), 0);
		ck_assert_uint_eq(st.events, 10 + (uint64_t)add[k]);
		ck_assert_uint_eq(st.by_op[BT_OP_WRITE], 0);
		bt_log_iter_release(&it);
		bt_log_close(log);
	}
}
END_TEST

/*
 * The same race with one writer, as it happens: a writer's block that
 * fills up stores its word over records not yet committed (ahead of the
 * committed length), and a rollback then writes other records over them.
 * Readers that open the log meanwhile must never report a checksum error:
 * bounded to ~2 s.
 */
START_TEST(test_v2_rollback_race)
{
	const char *path = tu_path("rr.btl");
	char tmp[4096];
	int fds[2], st;
	pid_t pid;
	ssize_t k;
	unsigned opens = 0;
	struct timespec t0, t1;

	unlink(path);
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct bt_log_writer *cw = NULL;
		unsigned seed = 1;
		int i, j;

		close(fds[0]);
		if (bt_log_writer_open(&cw, path, BT_LOGW_CREATE) ||
		    bt_log_append_process(cw, 1, 1, T0, 0, 0) ||
		    bt_log_append_file(cw, 2, 0, 1, 1))
			_exit(1);
		bt_log_writer_commit(cw);
		snprintf(tmp, sizeof(tmp), "%s", bt_log_writer_file(cw));
		if (write(fds[1], tmp, strlen(tmp) + 1) < 0)
			_exit(1);
		close(fds[1]);
		for (i = 0; i < 3000; i++) {
			int n = 500 + rand_r(&seed) % 4000;

			for (j = 0; j < n; j++)
				if (bt_log_append_event(cw, BT_OP_READ, 0,
						(uint32_t)rand_r(&seed),
						T0 + (uint64_t)i, 2, 1))
					_exit(1);
			if (rand_r(&seed) % 2)
				bt_log_writer_rollback(cw);
			else
				bt_log_writer_commit(cw);
		}
		_exit(bt_log_writer_close(cw) ? 1 : 0);
	}
	close(fds[1]);
	k = read(fds[0], tmp, sizeof(tmp) - 1);
	ck_assert_int_gt(k, 0);
	tmp[k] = 0;
	close(fds[0]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct bt_log *log = NULL;
		int r;

		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (t1.tv_sec - t0.tv_sec >= 2) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			break;
		}
		/* the open decodes the last block: one read of its word in
		 * the header walk, one of its bytes */
		r = bt_log_open(&log, tmp);
		bt_log_close(log);
		/* the temporary file is renamed at the close */
		if (r == BT_EIO || (r && access(tmp, F_OK)))
			continue;
		ck_assert_msg(r == 0, "after %u opens: %s", opens,
			      bt_error_msg());
		opens++;
	}
	fprintf(stderr, "rollback race: %u opens checked\n", opens);
}
END_TEST

/* Rollback across a block boundary restores the block that was being
 * committed into, and its word. */
START_TEST(test_v2_rollback_across_blocks)
{
	const char *path = tu_path("rb.btl");
	struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE);
	struct bt_log *log;
	struct bt_log_stats st;
	int i;

	ck_assert_int_eq(bt_log_append_process(w, 1, 1, T0, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 1), 0);
	for (i = 0; i < 100; i++)
		bt_log_append_event(w, BT_OP_READ, 0, 0, T0 + i, 2, 1);
	bt_log_writer_commit(w);
	for (i = 0; i < 30000; i++)    /* several blocks */
		bt_log_append_event(w, BT_OP_WRITE, 0, 7, T0 + i, 1, 2);
	bt_log_writer_rollback(w);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_EXEC, 0, 0, T0 + 500,
					     2, 1), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_log_open(&log, path), 0);
	ck_assert_ptr_null(bt_log_warning(log));
	ck_assert_int_eq(bt_log_verify(log, &st), 0);
	ck_assert_uint_eq(st.events, 101);
	ck_assert_uint_eq(st.by_op[BT_OP_WRITE], 0);
	ck_assert_uint_eq(bt_log_blocks(log), 1);
	bt_log_close(log);
}
END_TEST

/* Big records: a seal of 64 KiB and a long path fill a block alone. */
START_TEST(test_v2_big_records)
{
	const char *path = tu_path("big.btl");
	struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE);
	struct bt_log *log;
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	static char big[200000];
	int r, seals = 0, names = 0;

	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(bt_log_append_process(w, 1, 1, T0, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_seal(w, big, 65536), 0);
	ck_assert_int_eq(bt_log_append_filename(w, 2, big, sizeof(big)), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_CREATE, 0, 0, T0, 1, 2),
			 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_log_open(&log, path), 0);
	ck_assert_uint_eq(bt_log_blocks(log), 4);
	bt_log_iter_init(&it, log);
	while ((r = bt_log_next(&it, &h)) == 1) {
		if (h->type == BT_REC_SEAL) {
			ck_assert_uint_eq(((const struct bt_rec_seal *)h)->len,
					  65536);
			seals++;
		}
		if (h->type == BT_REC_FILENAME) {
			ck_assert_uint_eq(((const struct bt_rec_filename *)h)
					  ->path.len, sizeof(big));
			names++;
		}
	}
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(seals + names, 2);
	bt_log_iter_release(&it);
	bt_log_close(log);
}
END_TEST

/* Mutated version 2 logs: never a crash, most caught, always with an
 * offset (the fuzz target's logic). */
START_TEST(test_v2_mutated)
{
	size_t n;
	uint8_t *d = std_log_v("m2.btl", 0, &n), *c = malloc(n);
	int i, bad = 0;

	srand(4242);
	for (i = 0; i < 2000; i++) {
		size_t size = n;
		int k, nmut = 1 + rand() % 4, r;

		memcpy(c, d, n);
		for (k = 0; k < nmut; k++) {
			size_t off = (size_t)rand() % n;

			switch (rand() % 4) {
			case 0:
				c[off] = (uint8_t)rand();
				break;
			case 1:
				c[off] ^= (uint8_t)(1 << (rand() % 8));
				break;
			case 2:
				if (off + 4 <= n)
					put32(c, off, (uint32_t)rand());
				break;
			default:
				size = off;
				break;
			}
		}
		r = fuzz_one(c, size);
		if (r == BT_ECORRUPT) {
			bad++;
			ck_assert_msg(strstr(bt_error_msg(), "offset"),
				      "no offset in '%s'", bt_error_msg());
		} else {
			ck_assert_msg(r == 0 || r == BT_EVERSION,
				      "unexpected %d: %s", r, bt_error_msg());
		}
	}
	ck_assert_int_gt(bad, 1500);
	free(c);
	free(d);
}
END_TEST

/* ---- version 2: blocks on demand ---------------------------------------- */

/* A log of `events` generated events (capture/gen.h), or with `v1` in
 * format version 1; its path. */
static const char *gen_log(const char *name, uint64_t events, bool v1)
{
	struct bt_gen_opts o = { .events = events, .seed = 11 };
	struct bt_gen_info info;
	const char *path = tu_path(name);
	struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE | BT_LOGW_TRUNC |
					(v1 ? BT_LOGW_V1 : 0));

	ck_assert_int_eq(bt_gen(w, &o, &info), 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	return path;
}

/* Every block decoded on its own, with and without a kind table, gives
 * the records of the whole decoded log byte for byte; so does the
 * streaming iterator, whose offsets are those of bt_log_data(). */
static void same_as_image(struct bt_log *log, const uint8_t *want,
			  uint64_t want_len)
{
	struct bt_log *img;
	const uint8_t *d;
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	struct bt_log_blockinfo bi;
	uint8_t *buf, *kinds = NULL;
	size_t cap = bt_log_block_decoded_max(log), len;
	uint64_t at = BT_LOG_HEADER_SIZE, events = 0;
	uint32_t i, objects = 0;
	int r;

	/* the image: from a second reader of the same bytes */
	ck_assert_int_eq(bt_log_open_mem(&img, bt_log_header(log),
					 bt_log_file_size(log)), 0);
	d = bt_log_data(img);
	ck_assert_ptr_nonnull(d);
	if (want) {
		/* the version 1 log of the same records */
		ck_assert_uint_eq(bt_log_committed(img), want_len);
		ck_assert_mem_eq(d + 64, want + 64, want_len - 64);
	}
	buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	/* the kinds, from the image */
	kinds = calloc(bt_log_committed(img) / 8 + 2, 1);
	for (i = 0; i < bt_log_blocks(log); i++) {
		const uint8_t *p, *e;

		ck_assert_int_eq(bt_log_block_info(log, i, &bi), 0);
		ck_assert_uint_eq(bi.first_object, objects);
		ck_assert_uint_eq(bi.first_event, events);
		ck_assert_int_eq(bt_log_block_decode(log, i, buf, cap, &len,
						     NULL), 0);
		ck_assert_uint_le(at + len, bt_log_committed(img));
		ck_assert_mem_eq(buf, d + at, len);
		for (p = buf, e = buf + len; p < e;) {
			h = (const void *)p;
			if (h->type == BT_REC_EVENT) {
				events++;
				p += 24;
				continue;
			}
			if (bt_rec_is_object(h->type))
				kinds[++objects] = (uint8_t)h->type;
			p += h->len;
		}
		ck_assert_uint_eq(objects, bi.first_object + bi.nobjects);
		ck_assert_uint_eq(events, bi.first_event + bi.nevents);
		/* with the kinds of the earlier blocks: the same */
		ck_assert_int_eq(bt_log_block_decode(log, i, buf, cap, &len,
						     kinds), 0);
		ck_assert_mem_eq(buf, d + at, len);
		at += len;
	}
	ck_assert_uint_eq(at, bt_log_committed(img));
	/* too small a buffer: refused, nothing written past it */
	if (bt_log_blocks(log)) {
		ck_assert_int_eq(bt_log_block_decode(log, 0, buf, 100, &len,
						     NULL), BT_ELIMIT);
		ck_assert_int_eq(bt_log_block_decode(log, bt_log_blocks(log),
						     buf, cap, &len, NULL),
				 BT_EINVAL);
	}
	/* the iterator, one block at a time */
	bt_log_iter_init(&it, log);
	at = BT_LOG_HEADER_SIZE;
	while ((r = bt_log_next(&it, &h)) == 1) {
		uint32_t l = h->type == BT_REC_EVENT ? 24 : h->len;

		tu_assert_uint_eq(it.at, at);
		tu_assert(!memcmp(h, d + at, l), "the record at %ju differs "
			  "from the image", (uintmax_t)at);
		at += l;
		tu_assert_uint_eq(it.off, at);
	}
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(it.end, bt_log_committed(img));
	ck_assert_uint_eq(it.nobjects, objects);
	bt_log_iter_release(&it);
	free(kinds);
	free(buf);
	bt_log_close(img);
}

START_TEST(test_v2_block_decode)
{
	struct bt_log *log, *l1;
	size_t n1;
	void *d1;

	/* generated: the version 1 log of the same seed has the same
	 * canonical records, byte for byte */
	gen_log("bd1.btl", 60000, true);
	ck_assert_int_eq(bt_log_open(&l1, tu_path("bd1.btl")), 0);
	d1 = tu_read_file(tu_path("bd1.btl"), &n1);
	ck_assert_int_eq(bt_log_open(&log, gen_log("bd2.btl", 60000, false)),
			 0);
	ck_assert_uint_gt(bt_log_blocks(log), 5);
	ck_assert_uint_eq(bt_log_block_decoded_max(log),
			  BT_LOG_BLOCK_DECODED_MAX);
	same_as_image(log, d1, n1);
	bt_log_close(log);
	bt_log_close(l1);
	free(d1);
	/* every record type, a seal, negative deltas */
	d1 = std_log_v("bd3.btl", 1, &n1);
	free(std_log_v("bd4.btl", 0, &n1));
	free(d1);
	d1 = tu_read_file(tu_path("bd3.btl"), &n1);
	ck_assert_int_eq(bt_log_open(&log, tu_path("bd4.btl")), 0);
	same_as_image(log, d1, n1);
	bt_log_close(log);
	free(d1);
}
END_TEST

/* Records larger than a block: a block of one record needs a larger
 * buffer, which bt_log_block_decoded_max() gives. */
START_TEST(test_v2_block_decode_big)
{
	const char *path = tu_path("bdb.btl");
	struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE);
	struct bt_log *log;
	static char big[200000];
	uint8_t *buf;
	size_t len;

	memset(big, 'b', sizeof(big));
	ck_assert_int_eq(bt_log_append_process(w, 1, 1, T0, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_filename(w, 2, big, sizeof(big)), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_CREATE, 0, 0, T0, 1, 2),
			 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_log_open(&log, path), 0);
	ck_assert_uint_gt(bt_log_block_decoded_max(log),
			  BT_LOG_BLOCK_DECODED_MAX);
	buf = malloc(BT_LOG_BLOCK_DECODED_MAX);
	ck_assert_int_eq(bt_log_block_decode(log, 1, buf,
					     BT_LOG_BLOCK_DECODED_MAX, &len,
					     NULL), BT_ELIMIT);
	free(buf);
	same_as_image(log, NULL, 0);
	bt_log_close(log);
}
END_TEST

/* Two threads decoding the blocks of one log at once (the checksum memo
 * is shared): the same records as one thread; a damaged block is refused
 * to both. */
struct dthread {
	struct bt_log *log;
	const uint8_t *img;
	const uint64_t *at;   /* [i]: block i's offset in img */
	uint32_t first, step, bad;
	int wrong, refused;
};

static void *decode_thread(void *arg)
{
	struct dthread *t = arg;
	size_t cap = bt_log_block_decoded_max(t->log), len;
	uint8_t *buf = malloc(cap);
	uint32_t i, n = bt_log_blocks(t->log);
	int round;

	for (round = 0; round < 3; round++)
		for (i = t->first; i < n; i += t->step) {
			int r = bt_log_block_decode(t->log, i, buf, cap, &len,
						    NULL);

			if (i == t->bad) {
				t->refused += r == BT_ECORRUPT;
				continue;
			}
			if (r || len != t->at[i + 1] - t->at[i] ||
			    memcmp(buf, t->img + t->at[i], len))
				t->wrong++;
		}
	free(buf);
	return NULL;
}

START_TEST(test_v2_decode_threads)
{
	size_t n;
	uint8_t *d = tu_read_file(gen_log("th.btl", 100000, false), &n);
	struct bt_log *log, *img;
	struct dthread t[2];
	pthread_t th[2];
	uint64_t *at;
	uint32_t i, nb;
	size_t len;
	int k, pass;

	ck_assert_int_eq(bt_log_open_mem(&img, d, n), 0);
	ck_assert_ptr_nonnull(bt_log_data(img));
	nb = bt_log_blocks(img);
	ck_assert_uint_gt(nb, 8);
	at = calloc(nb + 1, sizeof(*at));
	{
		uint8_t *buf = malloc(BT_LOG_BLOCK_DECODED_MAX);

		at[0] = 64;
		for (i = 0; i < nb; i++) {
			ck_assert_int_eq(bt_log_block_decode(img, i, buf,
					BT_LOG_BLOCK_DECODED_MAX, &len, NULL),
					0);
			at[i + 1] = at[i] + len;
		}
		free(buf);
	}
	for (pass = 0; pass < 2; pass++) {
		uint8_t *c = malloc(n);
		struct bt_log_blockinfo bi;

		memcpy(c, d, n);
		/* pass 1: damage a record byte of block 3 */
		ck_assert_int_eq(bt_log_block_info(img, 3, &bi), 0);
		if (pass)
			c[bi.file_off + 32 + bi.used / 2] ^= 0x10;
		ck_assert_int_eq(bt_log_open_mem(&log, c, n), 0);
		for (k = 0; k < 2; k++) {
			t[k] = (struct dthread){ log, bt_log_data(img), at,
						 (uint32_t)k, 2,
						 pass ? 3 : UINT32_MAX, 0, 0 };
			ck_assert_int_eq(pthread_create(&th[k], NULL,
							decode_thread, &t[k]),
					 0);
		}
		for (k = 0; k < 2; k++)
			ck_assert_int_eq(pthread_join(th[k], NULL), 0);
		ck_assert_int_eq(t[0].wrong + t[1].wrong, 0);
		ck_assert_int_eq(t[0].refused + t[1].refused, pass ? 3 : 0);
		bt_log_close(log);
		free(c);
	}
	bt_log_close(img);
	free(at);
	free(d);
}
END_TEST

/* A damaged block in the middle of a log: the open does not see it (it
 * reads block headers only); decoding that block, iterating, verifying
 * and decoding all refuse it with its offset; other blocks decode. */
START_TEST(test_v2_damage_found_on_decode)
{
	size_t n;
	uint8_t *d = tu_read_file(gen_log("dm.btl", 40000, false), &n);
	struct bt_log *log;
	struct bt_log_blockinfo bi, bj;
	struct bt_log_stats st;
	uint8_t *buf = malloc(BT_LOG_BLOCK_DECODED_MAX);
	char want[64];
	uint64_t cnt;
	size_t len;

	ck_assert_int_eq(bt_log_open_mem(&log, d, n), 0);
	ck_assert_uint_gt(bt_log_blocks(log), 4);
	ck_assert_int_eq(bt_log_block_info(log, 2, &bi), 0);
	ck_assert_int_eq(bt_log_block_info(log, 3, &bj), 0);
	bt_log_close(log);
	snprintf(want, sizeof(want), "checksum mismatch in the block at "
		 "offset %llu", (unsigned long long)bi.file_off);

	/* a record byte */
	d[bi.file_off + 32 + 100] ^= 0x04;
	ck_assert_int_eq(bt_log_open_mem(&log, d, n), 0);
	ck_assert_int_eq(bt_log_block_decode(log, 1, buf,
			 BT_LOG_BLOCK_DECODED_MAX, &len, NULL), 0);
	ck_assert_int_eq(bt_log_block_decode(log, 2, buf,
			 BT_LOG_BLOCK_DECODED_MAX, &len, NULL), BT_ECORRUPT);
	ck_assert_msg(strstr(bt_error_msg(), want), "%s", bt_error_msg());
	ck_assert_int_eq(bt_log_block_decode(log, 3, buf,
			 BT_LOG_BLOCK_DECODED_MAX, &len, NULL), 0);
	ck_assert_int_eq(count_records(log, &cnt), BT_ECORRUPT);
	ck_assert_msg(strstr(bt_error_msg(), want), "%s", bt_error_msg());
	ck_assert_int_eq(bt_log_verify(log, &st), BT_ECORRUPT);
	ck_assert_msg(strstr(bt_error_msg(), want), "%s", bt_error_msg());
	ck_assert_ptr_null(bt_log_data(log));
	ck_assert_msg(strstr(bt_error_msg(), want), "%s", bt_error_msg());
	bt_log_close(log);
	d[bi.file_off + 32 + 100] ^= 0x04;

	/* the event count in a block header (which its checksum covers):
	 * found when the block before it is decoded, named as damage to
	 * the block */
	d[bj.file_off + 24] ^= 0x01;
	ck_assert_int_eq(bt_log_open_mem(&log, d, n), 0);
	ck_assert_int_eq(bt_log_block_decode(log, 2, buf,
			 BT_LOG_BLOCK_DECODED_MAX, &len, NULL), BT_ECORRUPT);
	snprintf(want, sizeof(want), "checksum mismatch in the block at "
		 "offset %llu", (unsigned long long)bj.file_off);
	ck_assert_msg(strstr(bt_error_msg(), want), "%s", bt_error_msg());
	ck_assert_int_eq(bt_log_verify(log, &st), BT_ECORRUPT);
	bt_log_close(log);
	d[bj.file_off + 24] ^= 0x01;

	/* a block's length: the walk at open finds where it ends wrong
	 * (padding, the next header) and names the block's checksum */
	{
		uint32_t used;
		uint8_t keep[4];

		memcpy(keep, d + bi.file_off, 4);
		memcpy(&used, d + bi.file_off, 4);
		for (used = used - 13; used > 1100; used -= 1001) {
			memcpy(d + bi.file_off, &used, 4);
			ck_assert_int_eq(bt_log_open_mem(&log, d, n),
					 BT_ECORRUPT);
			snprintf(want, sizeof(want), "checksum mismatch in "
				 "the block at offset %llu",
				 (unsigned long long)bi.file_off);
			ck_assert_msg(strstr(bt_error_msg(), want), "%s",
				      bt_error_msg());
		}
		memcpy(d + bi.file_off, keep, 4);
	}

	/* the last block is decoded at open: its damage is found there */
	ck_assert_int_eq(bt_log_open_mem(&log, d, n), 0);
	ck_assert_int_eq(bt_log_block_info(log, bt_log_blocks(log) - 1, &bi),
			 0);
	bt_log_close(log);
	d[bi.file_off + 40] ^= 0x80;
	ck_assert_int_eq(bt_log_open_mem(&log, d, n), BT_ECORRUPT);
	free(buf);
	free(d);
}
END_TEST

/* Decode block i of log into buf (BT_LOG_BLOCK_DECODED_MAX bytes). */
static int dec(const struct bt_log *log, uint32_t i, uint8_t *buf)
{
	size_t len;

	return bt_log_block_decode(log, i, buf, BT_LOG_BLOCK_DECODED_MAX,
				   &len, NULL);
}

/* The block table handed back in: the same log without reading the
 * headers; a table that does not match is refused, at open (its last two
 * entries, where the walk starts again) or when a block next to the
 * entry that does not match is decoded. */
START_TEST(test_v2_open_with_blocks)
{
	const char *path = gen_log("ob.btl", 40000, false);
	struct bt_log *log, *l2;
	struct bt_log_blockinfo *bi, x;
	uint32_t i, nb;
	uint64_t a, b;
	uint8_t *buf = malloc(BT_LOG_BLOCK_DECODED_MAX);
	size_t len;

	ck_assert_int_eq(bt_log_open(&log, path), 0);
	nb = bt_log_blocks(log);
	ck_assert_uint_ge(nb, 7);
	bi = calloc(nb, sizeof(*bi));
	for (i = 0; i < nb; i++)
		ck_assert_int_eq(bt_log_block_info(log, i, &bi[i]), 0);
	ck_assert_int_eq(bt_log_open_with_blocks(&l2, path, bi, nb), 0);
	ck_assert_uint_eq(bt_log_blocks(l2), nb);
	for (i = 0; i < nb; i++) {
		ck_assert_int_eq(bt_log_block_info(l2, i, &x), 0);
		ck_assert_mem_eq(&x, &bi[i], sizeof(x));
	}
	ck_assert_int_eq(count_records(log, &a), 0);
	ck_assert_int_eq(count_records(l2, &b), 0);
	ck_assert_uint_eq(a, b);
	bt_log_close(l2);
	/* a prefix of the table: the rest is walked */
	ck_assert_int_eq(bt_log_open_with_blocks(&l2, path, bi, nb / 2), 0);
	ck_assert_uint_eq(bt_log_blocks(l2), nb);
	ck_assert_int_eq(count_records(l2, &b), 0);
	ck_assert_uint_eq(a, b);
	bt_log_close(l2);
	/* offsets that do not chain: refused when a block beside the entry
	 * is decoded (the open reads only the last two entries) */
	bi[2].used += 8;
	ck_assert_int_eq(bt_log_open_with_blocks(&l2, path, bi, nb), 0);
	ck_assert_int_eq(dec(l2, 0, buf), 0);
	ck_assert_int_eq(dec(l2, 1, buf), 0);
	ck_assert_int_eq(dec(l2, 2, buf), BT_ECORRUPT);
	ck_assert_msg(strstr(bt_error_msg(), "does not match"), "%s",
		      bt_error_msg());
	ck_assert_int_eq(dec(l2, 3, buf), BT_ECORRUPT);
	ck_assert_int_eq(dec(l2, 4, buf), 0);
	bt_log_close(l2);
	bi[2].used -= 8;
	/* the entry before the last: refused at open */
	bi[nb - 2].used += 8;
	ck_assert_int_eq(bt_log_open_with_blocks(&l2, path, bi, nb),
			 BT_ECORRUPT);
	bi[nb - 2].used -= 8;
	/* a wrong checksum or count: refused when that block is decoded */
	bi[2].crc ^= 1;
	ck_assert_int_eq(bt_log_open_with_blocks(&l2, path, bi, nb), 0);
	ck_assert_int_eq(bt_log_block_decode(l2, 1, buf,
			 BT_LOG_BLOCK_DECODED_MAX, &len, NULL), 0);
	ck_assert_int_eq(bt_log_block_decode(l2, 2, buf,
			 BT_LOG_BLOCK_DECODED_MAX, &len, NULL), BT_ECORRUPT);
	bt_log_close(l2);
	bi[2].crc ^= 1;
	bi[3].first_event++;
	ck_assert_int_eq(bt_log_open_with_blocks(&l2, path, bi, nb), 0);
	ck_assert_int_eq(bt_log_block_decode(l2, 3, buf,
			 BT_LOG_BLOCK_DECODED_MAX, &len, NULL), BT_ECORRUPT);
	ck_assert_int_eq(count_records(l2, &b), BT_ECORRUPT);
	bt_log_close(l2);
	bi[3].first_event--;
	bt_log_close(log);
	free(bi);
	free(buf);
}
END_TEST

/* What an open with a block table costs does not grow with the table: an
 * entry is read only when a block beside it is decoded (a question on a
 * log of 200 k blocks decodes a few), so entries no decode reads can be
 * anything; and every block that is decoded is still checked, against
 * the file and by its checksum. */
START_TEST(test_v2_open_with_blocks_lazy)
{
	const char *path = gen_log("obl.btl", 60000, false);
	struct bt_log *log, *l2;
	struct bt_log_blockinfo *bi;
	uint32_t i, nb;
	uint64_t a, b;
	uint8_t *buf = malloc(BT_LOG_BLOCK_DECODED_MAX), c;
	char want[128];
	off_t at;
	int fd;

	ck_assert_int_eq(bt_log_open(&log, path), 0);
	nb = bt_log_blocks(log);
	ck_assert_uint_ge(nb, 8);
	bi = calloc(nb, sizeof(*bi));
	for (i = 0; i < nb; i++)
		ck_assert_int_eq(bt_log_block_info(log, i, &bi[i]), 0);
	ck_assert_int_eq(count_records(log, &a), 0);

	/* garbage in entries 3 .. nb - 3: the open takes the table, blocks
	 * 0 and 1 (and the last ones) decode; a block beside the garbage
	 * is refused, naming the table, not the log */
	memset(&bi[3], 0xa5, (size_t)(nb - 5) * sizeof(*bi));
	ck_assert_int_eq(bt_log_open_with_blocks(&l2, path, bi, nb), 0);
	ck_assert_uint_eq(bt_log_blocks(l2), nb);
	ck_assert_int_eq(dec(l2, 0, buf), 0);
	ck_assert_int_eq(dec(l2, 1, buf), 0);
	ck_assert_int_eq(dec(l2, nb - 1, buf), 0);
	for (i = 2; i < nb - 1; i++) {
		ck_assert_int_eq(dec(l2, i, buf), BT_ECORRUPT);
		ck_assert_msg(strstr(bt_error_msg(), "block table given"),
			      "block %u: %s", i, bt_error_msg());
	}
	ck_assert_int_eq(count_records(l2, &b), BT_ECORRUPT);
	bt_log_close(l2);
	for (i = 0; i < nb; i++)
		ck_assert_int_eq(bt_log_block_info(log, i, &bi[i]), 0);

	/* a damaged byte in block 4 of the log, the table right: opening
	 * with the table does not read it; decoding block 4 finds it (its
	 * checksum), every other block decodes */
	fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	at = (off_t)bi[4].file_off + BT_LOG_BLOCK_HEADER + bi[4].used / 2;
	ck_assert_int_eq(pread(fd, &c, 1, at), 1);
	c ^= 0x10;
	ck_assert_int_eq(pwrite(fd, &c, 1, at), 1);
	ck_assert_int_eq(bt_log_open_with_blocks(&l2, path, bi, nb), 0);
	for (i = 0; i < nb; i++)
		ck_assert_int_eq(dec(l2, i, buf), i == 4 ? BT_ECORRUPT : 0);
	ck_assert_int_eq(dec(l2, 4, buf), BT_ECORRUPT);
	snprintf(want, sizeof(want), "checksum mismatch in the block at "
		 "offset %llu", (unsigned long long)bi[4].file_off);
	ck_assert_msg(strstr(bt_error_msg(), want), "%s", bt_error_msg());
	ck_assert_int_eq(count_records(l2, &b), BT_ECORRUPT);
	bt_log_close(l2);
	/* its header too: named as the log's damage, not the table's */
	c ^= 0x10;
	ck_assert_int_eq(pwrite(fd, &c, 1, at), 1);
	at = (off_t)bi[4].file_off + 24;   /* base time */
	ck_assert_int_eq(pread(fd, &c, 1, at), 1);
	c ^= 0x01;
	ck_assert_int_eq(pwrite(fd, &c, 1, at), 1);
	ck_assert_int_eq(bt_log_open_with_blocks(&l2, path, bi, nb), 0);
	ck_assert_int_eq(dec(l2, 4, buf), BT_ECORRUPT);
	snprintf(want, sizeof(want), "checksum mismatch in the block at "
		 "offset %llu", (unsigned long long)bi[4].file_off);
	ck_assert_msg(strstr(bt_error_msg(), want), "%s", bt_error_msg());
	bt_log_close(l2);
	c ^= 0x01;
	ck_assert_int_eq(pwrite(fd, &c, 1, at), 1);
	close(fd);
	/* repaired: the same records as the log alone */
	ck_assert_int_eq(bt_log_open_with_blocks(&l2, path, bi, nb), 0);
	ck_assert_int_eq(count_records(l2, &b), 0);
	ck_assert_uint_eq(a, b);
	bt_log_close(l2);
	bt_log_close(log);
	free(bi);
	free(buf);
}
END_TEST

/* Append `n` events numbered from `from` (time T0 + i) between objects 2
 * and 1. */
static void append_events(struct bt_log_writer *w, uint64_t from, uint64_t n)
{
	uint64_t i;

	for (i = from; i < from + n; i++)
		tu_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0,
						     (uint32_t)i, T0 + i, 2,
						     1), 0);
}

/* Iterate on from where `it` is; check the events are numbered on from
 * *next; returns how many. */
static uint64_t read_on(struct bt_log_iter *it, uint64_t *next)
{
	const struct bt_rec_head *h;
	uint64_t n = 0;
	int r;

	while ((r = bt_log_next(it, &h)) == 1) {
		const struct bt_rec_event *e = (const void *)h;

		if (h->type != BT_REC_EVENT)
			continue;
		tu_assert_uint_eq(e->aux, (uint32_t)*next);
		tu_assert_uint_eq(e->time, T0 + *next);
		(*next)++;
		n++;
	}
	ck_assert_msg(r == 0, "%s", bt_error_msg());
	return n;
}

/* A reader following a log its writer (in this process) grows: refresh
 * adds the records committed since, the grown last block included; an
 * uncommitted tail is waited for; an iterator goes on with the new
 * records. */
START_TEST(test_v2_refresh)
{
	const char *path = tu_path("rf.btl");
	struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE | BT_LOGW_TRUNC);
	struct bt_log *log;
	struct bt_log_iter it;
	struct bt_log_stats st;
	uint64_t next = 0, ne, total = 0;
	uint32_t nb;
	int step;

	ck_assert_int_eq(bt_log_append_process(w, 1, 1, T0, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 1), 0);
	append_events(w, 0, 10);
	bt_log_writer_commit(w);
	ck_assert_int_eq(bt_log_open(&log, bt_log_writer_file(w)), 0);
	bt_log_iter_init(&it, log);
	total = read_on(&it, &next);
	ck_assert_uint_eq(total, 10);
	/* nothing new */
	ck_assert_int_eq(bt_log_refresh(log, &ne), 0);
	ck_assert_uint_eq(ne, 0);
	for (step = 0; step < 12; step++) {
		/* a few events (the last block grows), or many (new
		 * blocks, the file grows and is mapped again) */
		uint64_t k = step % 3 == 2 ? 30000 : 7 + (uint64_t)step;

		append_events(w, next, k);
		/* not committed: a torn tail, waited for */
		ck_assert_int_eq(bt_log_refresh(log, &ne), 0);
		ck_assert_uint_eq(ne, 0);
		bt_log_writer_commit(w);
		nb = bt_log_blocks(log);
		ck_assert_int_eq(bt_log_refresh(log, &ne), 0);
		ck_assert_uint_eq(ne, k);
		ck_assert_ptr_null(bt_log_warning(log));
		if (k > 1000)
			ck_assert_uint_gt(bt_log_blocks(log), nb);
		ck_assert_uint_eq(read_on(&it, &next), k);
		total += k;
	}
	bt_log_iter_release(&it);
	ck_assert_int_eq(bt_log_verify(log, &st), 0);
	ck_assert_uint_eq(st.events, total);
	same_as_image(log, NULL, 0);
	/* the writer closes: its file is renamed onto the path, the reader
	 * keeps following the same file, now closed */
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_log_refresh(log, &ne), 0);
	ck_assert_uint_eq(ne, 0);
	ck_assert(bt_log_header(log)->flags & BT_LOGF_CLOSED);
	ck_assert_int_eq(bt_log_verify(log, &st), 0);
	bt_log_close(log);
}
END_TEST

/* Version 1 has no blocks: refresh moves the end, the iterator goes on. */
START_TEST(test_v1_refresh)
{
	const char *path = tu_path("rf1.btl");
	struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE | BT_LOGW_TRUNC |
					BT_LOGW_V1);
	struct bt_log *log;
	struct bt_log_iter it;
	uint64_t next = 0, ne;
	int step;

	ck_assert_int_eq(bt_log_append_process(w, 1, 1, T0, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 1), 0);
	append_events(w, 0, 10);
	bt_log_writer_commit(w);
	ck_assert_int_eq(bt_log_open(&log, bt_log_writer_file(w)), 0);
	ck_assert_uint_eq(bt_log_version(log), 1);
	ck_assert_uint_eq(bt_log_blocks(log), 0);
	bt_log_iter_init(&it, log);
	ck_assert_uint_eq(read_on(&it, &next), 10);
	for (step = 0; step < 4; step++) {
		append_events(w, next, 50000);
		ck_assert_int_eq(bt_log_refresh(log, &ne), 0);
		ck_assert_uint_eq(read_on(&it, &next), 0);   /* torn tail */
		bt_log_writer_commit(w);
		ck_assert_int_eq(bt_log_refresh(log, &ne), 0);
		ck_assert_uint_eq(read_on(&it, &next), 50000);
	}
	bt_log_iter_release(&it);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	bt_log_close(log);
}
END_TEST

/* What a follower must refuse: the committed length going back, the file
 * shrinking, its header rewritten, another file at its path. */
START_TEST(test_v2_refresh_refuses)
{
	const char *path = tu_path("rr.btl");
	struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE | BT_LOGW_TRUNC);
	struct bt_log *log;
	uint64_t ne, c;
	size_t n;
	uint8_t *d;
	int fd;

	ck_assert_int_eq(bt_log_append_process(w, 1, 1, T0, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 1), 0);
	append_events(w, 0, 20000);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	d = tu_read_file(path, &n);

	/* committed goes back (a crafted header that passes its checks) */
	ck_assert_int_eq(bt_log_open(&log, path), 0);
	fd = open(path, O_WRONLY);
	c = n - 5;
	{
		struct bt_log_header h;

		memcpy(&h, d, sizeof(h));
		h.committed = c;
		h.flags = 0;
		h.ccrc = 0;
		ck_assert_int_eq(pwrite(fd, &h, sizeof(h), 0), sizeof(h));
	}
	ck_assert_int_eq(bt_log_refresh(log, &ne), BT_ECORRUPT);
	ck_assert_msg(strstr(bt_error_msg(), "went back"), "%s",
		      bt_error_msg());
	/* the bt_log is as it was */
	ck_assert_uint_eq(bt_log_file_end(log), n);
	ck_assert_int_eq(pwrite(fd, d, 64, 0), 64);
	ck_assert_int_eq(bt_log_refresh(log, &ne), 0);
	/* the header rewritten (another creation time) */
	{
		struct bt_log_header h;

		memcpy(&h, d, sizeof(h));
		h.created++;
		ck_assert_int_eq(pwrite(fd, &h, sizeof(h), 0), sizeof(h));
	}
	ck_assert_int_eq(bt_log_refresh(log, &ne), BT_ECORRUPT);
	ck_assert_msg(strstr(bt_error_msg(), "header changed"), "%s",
		      bt_error_msg());
	ck_assert_int_eq(pwrite(fd, d, 64, 0), 64);
	/* the file cut short */
	ck_assert_int_eq(ftruncate(fd, (off_t)n - 1000), 0);
	ck_assert_int_eq(bt_log_refresh(log, &ne), BT_ECORRUPT);
	ck_assert_msg(strstr(bt_error_msg(), "shrank"), "%s", bt_error_msg());
	close(fd);
	bt_log_close(log);

	/* another file at the path */
	ck_assert_int_eq(tu_write_file(path, d, n), 0);
	ck_assert_int_eq(bt_log_open(&log, path), 0);
	ck_assert_int_eq(tu_write_file(tu_path("rr2.btl"), d, n), 0);
	ck_assert_int_eq(rename(tu_path("rr2.btl"), path), 0);
	ck_assert_int_eq(bt_log_refresh(log, &ne), BT_EINVAL);
	ck_assert_msg(strstr(bt_error_msg(), "replaced"), "%s",
		      bt_error_msg());
	bt_log_close(log);
	/* a log in memory has nothing to refresh */
	ck_assert_int_eq(bt_log_open_mem(&log, d, n), 0);
	ck_assert_int_eq(bt_log_refresh(log, &ne), BT_EINVAL);
	bt_log_close(log);
	free(d);
}
END_TEST

/* The held records of block i: byte for byte what a decode of it
 * writes. */
static void held_is_decode(const struct bt_log *log, uint32_t i,
			   uint8_t *buf, size_t cap)
{
	const void *hb;
	size_t hlen, len;

	tu_assert_int_eq(bt_log_block_held(log, i, 0, NULL, &hb, &hlen), 0);
	tu_assert_int_eq(bt_log_block_decode(log, i, buf, cap, &len, NULL),
			 0);
	tu_assert_uint_eq(hlen, len);
	tu_assert(!memcmp(hb, buf, len), "block %u: held records differ "
		  "from its decode", i);
}

/* A log grown in steps of every size (one event, a few, mid-block, past
 * a block's end, exactly what fills a block) with a torn record after
 * each commit: after each refresh the last block's records as held (a
 * refresh decodes only what was committed since the last) are those a
 * decode of the whole block gives, the records held before are
 * unchanged, and the block that was last before a refresh is held to
 * its end; no other block is held. */
START_TEST(test_v2_held_steps)
{
	const char *path = tu_path("hs.btl");
	struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE | BT_LOGW_TRUNC);
	size_t cap = BT_LOG_BLOCK_DECODED_MAX, plen = 0, len;
	uint8_t *buf = malloc(cap), *prev = malloc(cap);
	uint64_t next = 0, ne;
	struct bt_log *log;
	const void *hb;
	uint32_t nb, last = 0;
	int step;

	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_nonnull(prev);
	ck_assert_int_eq(bt_log_append_process(w, 1, 1, T0, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 1), 0);
	bt_log_writer_commit(w);
	ck_assert_int_eq(bt_log_open(&log, bt_log_writer_file(w)), 0);
	for (step = 0; step < 400; step++) {
		uint64_t k = step % 50 == 49 ? 9000 : step % 7 == 3 ?
			     700 + (uint64_t)step : 1 + (uint64_t)step % 13;
		uint32_t b;

		/* a new object mid-block too */
		if (step % 11 == 5) {
			uint32_t id = bt_log_writer_objects(w) + 1;

			ck_assert_int_eq(bt_log_append_file(w, id, 0, 1,
							    id), 0);
		}
		append_events(w, next, k);
		next += k;
		bt_log_writer_commit(w);
		/* a torn record: appended, not committed */
		ck_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0,
						     (uint32_t)next,
						     T0 + next, 2, 1), 0);
		next++;
		ck_assert_int_eq(bt_log_refresh(log, &ne), 0);
		ck_assert_uint_eq(ne, k + (step ? 1 : 0));
		/* the torn record is said when asked (the scan for it is
		 * left to bt_log_warning()) */
		ck_assert_ptr_nonnull(bt_log_warning(log));
		ck_assert_msg(strstr(bt_log_warning(log), "uncommitted"),
			      "%s", bt_log_warning(log));
		nb = bt_log_blocks(log);
		held_is_decode(log, nb - 1, buf, cap);
		ck_assert_int_eq(bt_log_block_held(log, nb - 1, 0, NULL, &hb,
						   &len), 0);
		if (nb - 1 == last) {
			/* the same block grew: what was held is kept */
			ck_assert_uint_ge(len, plen);
			ck_assert(!memcmp(hb, prev, plen));
			ck_assert_int_eq(bt_log_block_held(log, nb - 1, len,
							   NULL, &hb, &len),
					 0);
			ck_assert_int_eq(bt_log_block_held(log, nb - 1,
							   len + 8, NULL, &hb,
							   &len), BT_EINVAL);
		} else {
			/* it was held: the rest of it decoded */
			held_is_decode(log, last, buf, cap);
		}
		ck_assert_int_eq(bt_log_block_held(log, nb - 1, 0, NULL, &hb,
						   &len), 0);
		memcpy(prev, hb, len);
		plen = len;
		for (b = 0; b + 1 < last; b++)
			ck_assert_int_eq(bt_log_block_held(log, b, 0, NULL,
							   &hb, &len),
					 BT_ENOTFOUND);
		last = nb - 1;
	}
	ck_assert_uint_gt(bt_log_blocks(log), 5);
	same_as_image(log, NULL, 0);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	bt_log_close(log);
	free(buf);
	free(prev);
}
END_TEST

/* Block i's word (record bytes used and checksum) from the file. */
static void block_word(int fd, const struct bt_log_blockinfo *bi,
		       uint32_t *used, uint32_t *crc)
{
	uint64_t word;

	tu_assert_int_eq(pread(fd, &word, 8, (off_t)bi->file_off), 8);
	*used = (uint32_t)word;
	*crc = (uint32_t)(word >> 32);
}

/* A byte changed in the records of the growing last block a reader
 * already decoded: the next refresh says so, both when its checksum no
 * longer matches and when the block's checksum was written again to
 * match the changed bytes (a refresh decodes only what is new: it must
 * not take the changed bytes as what it decoded). */
START_TEST(test_v2_held_changed)
{
	int fix;

	for (fix = 0; fix < 2; fix++) {
		const char *path = tu_path("hc.btl");
		struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE |
						BT_LOGW_TRUNC);
		struct bt_log_blockinfo bi;
		struct bt_log *log;
		uint64_t ne;
		uint32_t used, crc, nb;
		uint8_t byte, *blk;
		int fd;

		ck_assert_int_eq(bt_log_append_process(w, 1, 1, T0, 0, 0), 0);
		ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 1), 0);
		append_events(w, 0, 20000);   /* a block and a half */
		bt_log_writer_commit(w);
		ck_assert_int_eq(bt_log_open(&log, bt_log_writer_file(w)), 0);
		append_events(w, 20000, 100);
		bt_log_writer_commit(w);
		ck_assert_int_eq(bt_log_refresh(log, &ne), 0);
		ck_assert_uint_eq(ne, 100);
		nb = bt_log_blocks(log);
		ck_assert_uint_gt(nb, 1);
		ck_assert_int_eq(bt_log_block_info(log, nb - 1, &bi), 0);
		fd = open(bt_log_writer_file(w), O_RDWR);
		ck_assert_int_ge(fd, 0);
		/* a byte in the middle of what was decoded */
		ck_assert_int_eq(pread(fd, &byte, 1, (off_t)(bi.file_off +
				 BT_LOG_BLOCK_HEADER + bi.lim / 2)), 1);
		byte ^= 0x01;
		ck_assert_int_eq(pwrite(fd, &byte, 1, (off_t)(bi.file_off +
				 BT_LOG_BLOCK_HEADER + bi.lim / 2)), 1);
		append_events(w, 20100, 50);
		bt_log_writer_commit(w);
		if (fix) {
			uint64_t word;

			block_word(fd, &bi, &used, &crc);
			blk = malloc(BT_LOG_BLOCK_HEADER + used);
			ck_assert_ptr_nonnull(blk);
			ck_assert_int_eq(pread(fd, blk, BT_LOG_BLOCK_HEADER +
					       used, (off_t)bi.file_off),
					 (ssize_t)(BT_LOG_BLOCK_HEADER + used));
			crc = bt_crc32c(0, blk + 8, BT_LOG_BLOCK_HEADER - 8 +
					used);
			word = (uint64_t)crc << 32 | used;
			ck_assert_int_eq(pwrite(fd, &word, 8,
						(off_t)bi.file_off), 8);
			free(blk);
		}
		ck_assert_int_eq(bt_log_refresh(log, &ne), BT_ECORRUPT);
		ck_assert_msg(strstr(bt_error_msg(),
				     "changed since it was read") ||
			      (!fix && strstr(bt_error_msg(),
					      "checksum mismatch")), "%s",
			      bt_error_msg());
		/* said again, not taken on a second try */
		ck_assert_int_eq(bt_log_refresh(log, &ne), BT_ECORRUPT);
		close(fd);
		bt_log_writer_abort(w);
		bt_log_close(log);
	}
}
END_TEST

/* The held records are checked against the kinds of earlier blocks'
 * objects the caller gives, as a decode checks them. */
START_TEST(test_v2_held_kinds)
{
	const char *path = tu_path("hk.btl");
	struct bt_log_writer *w = wopen(path, BT_LOGW_CREATE | BT_LOGW_TRUNC);
	struct bt_log *log;
	uint8_t kinds[3] = { 0, BT_OBJ_PROCESS, BT_OBJ_FILE };
	uint8_t wrong[3] = { 0, BT_OBJ_FILE, BT_OBJ_FILE };
	const void *hb;
	size_t len;
	uint32_t nb;

	ck_assert_int_eq(bt_log_append_process(w, 1, 1, T0, 0, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 1, 1), 0);
	append_events(w, 0, 20000);
	bt_log_writer_commit(w);
	ck_assert_int_eq(bt_log_open(&log, bt_log_writer_file(w)), 0);
	nb = bt_log_blocks(log);
	ck_assert_uint_gt(nb, 1);
	ck_assert_int_eq(bt_log_block_held(log, nb - 1, 0, kinds, &hb, &len),
			 0);
	ck_assert_int_eq(bt_log_block_held(log, nb - 1, 0, wrong, &hb, &len),
			 BT_ECORRUPT);
	ck_assert_msg(strstr(bt_error_msg(), "cannot join a file to a file"),
		      "%s", bt_error_msg());
	/* as a decode with the same table says */
	{
		size_t cap = BT_LOG_BLOCK_DECODED_MAX;
		uint8_t *buf = malloc(cap);

		ck_assert_ptr_nonnull(buf);
		ck_assert_int_eq(bt_log_block_decode(log, nb - 1, buf, cap,
						     &len, wrong),
				 BT_ECORRUPT);
		free(buf);
	}
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	bt_log_close(log);
}
END_TEST

/* A writer in another process: the follower, refreshing while it
 * writes, sees every event once and in order, and never a record that
 * was not committed. */
START_TEST(test_v2_refresh_other_process)
{
	const char *path = tu_path("rc.btl");
	char tmp[4096];
	int fds[2];
	pid_t pid;
	struct bt_log *log;
	struct bt_log_iter it;
	uint64_t next = 0, ne, seen = 0, want = 200000;
	int st, rounds = 0;
	ssize_t k;

	unlink(path);
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct bt_log_writer *cw = NULL;
		uint64_t i;

		close(fds[0]);
		if (bt_log_writer_open(&cw, path, BT_LOGW_CREATE) ||
		    bt_log_append_process(cw, 1, 1, T0, 0, 0) ||
		    bt_log_append_file(cw, 2, 0, 1, 1))
			_exit(1);
		bt_log_writer_commit(cw);
		snprintf(tmp, sizeof(tmp), "%s", bt_log_writer_file(cw));
		if (write(fds[1], tmp, strlen(tmp) + 1) < 0)
			_exit(1);
		for (i = 0; i < want; i++) {
			if (bt_log_append_event(cw, BT_OP_READ, 0,
						(uint32_t)i, T0 + i, 2, 1))
				_exit(1);
			if (i % 997 == 0)
				bt_log_writer_commit(cw);
		}
		_exit(bt_log_writer_close(cw) ? 1 : 0);
	}
	close(fds[1]);
	k = read(fds[0], tmp, sizeof(tmp) - 1);
	ck_assert_int_gt(k, 0);
	tmp[k] = 0;
	close(fds[0]);
	ck_assert_int_eq(bt_log_open(&log, tmp), 0);
	bt_log_iter_init(&it, log);
	for (;;) {
		int done = waitpid(pid, &st, WNOHANG) == pid;

		ck_assert_msg(bt_log_refresh(log, &ne) == 0, "%s",
			      bt_error_msg());
		seen += read_on(&it, &next);
		rounds++;
		if (done)
			break;
	}
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(bt_log_refresh(log, &ne), 0);
	seen += read_on(&it, &next);
	ck_assert_uint_eq(seen, want);
	ck_assert(bt_log_header(log)->flags & BT_LOGF_CLOSED);
	fprintf(stderr, "refresh: %d rounds while the writer ran\n", rounds);
	bt_log_iter_release(&it);
	bt_log_close(log);
}
END_TEST

static void v2_setup(void)
{
	unsetenv("BTRACK_LOG_VERSION");
}

/* Pages of `path` in the page cache, out of *total. */
static size_t resident(const char *path, size_t *total)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct stat st;
	unsigned char *v;
	size_t n, i, k = 0;
	void *m;
	int fd = open(path, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	n = ((size_t)st.st_size + pg - 1) / pg;
	m = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert_ptr_ne(m, MAP_FAILED);
	v = malloc(n);
	ck_assert_int_eq(mincore(m, st.st_size, v), 0);
	for (i = 0; i < n; i++)
		k += v[i] & 1;
	free(v);
	munmap(m, st.st_size);
	close(fd);
	*total = n;
	return k;
}

/* A log not in the page cache is read ahead as it is opened (its block
 * headers, 64 KiB apart, were each a read waited for: 15 s for 2 GB), and
 * the hint is harmless wherever it is given. */
START_TEST(test_v2_read_ahead)
{
	const char *path = gen_log("ra.btl", 3000000, false);
	struct bt_log_stats a, b;
	struct bt_log *log;
	size_t total, k = 0;
	uint32_t i, nb;
	int fd, tries;

	ck_assert_int_eq(bt_log_open(&log, path), 0);
	ck_assert_int_eq(bt_log_stats(log, &a), 0);
	nb = bt_log_blocks(log);
	ck_assert_uint_gt(nb, 2);
	bt_log_close(log);

	/* dropped from the cache where the file system lets it (tmpfs does
	 * not: then there is nothing to see) */
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fdatasync(fd), 0);
	ck_assert_int_eq(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
	close(fd);
	if (resident(path, &total) * 2 < total) {
		ck_assert_int_eq(bt_log_open(&log, path), 0);
		/* asynchronous: wait a generous while for the reads */
		for (tries = 0; tries < 200; tries++) {
			if ((k = resident(path, &total)) * 10 >= total * 9)
				break;
			usleep(50000);
		}
		ck_assert_msg(k * 10 >= total * 9, "%zu of %zu pages read "
			      "after open", k, total);
		bt_log_close(log);
	}

	ck_assert_int_eq(bt_log_open(&log, path), 0);
	for (i = 0; i < nb + 300; i += 7) {
		bt_log_read_ahead(log, 0, i);
		bt_log_read_ahead(log, i, i);
		bt_log_read_ahead(log, i + 1, i);
		bt_log_read_ahead(log, nb - 1, i);
	}
	ck_assert_int_eq(bt_log_stats(log, &b), 0);
	ck_assert_mem_eq(&a, &b, sizeof(a));
	bt_log_close(log);
}
END_TEST

static Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	struct { const char *name; const TTest *t; int timeout; } tc[] = {
		{ "roundtrip", test_roundtrip_all_types, 0 },
		{ "hostile_strings", test_roundtrip_hostile_strings, 0 },
		{ "grow", test_many_events_grow, 30 },
		{ "writer_checks", test_writer_checks_ids_and_refs, 0 },
		{ "names", test_op_names, 0 },
		{ "mem ops round trip", test_mem_ops_round_trip, 0 },
		{ "corrupt_header", test_corrupt_header, 0 },
		{ "corrupt_length", test_corrupt_record_length, 0 },
		{ "corrupt_type", test_corrupt_record_type, 0 },
		{ "corrupt_strings", test_corrupt_strings, 0 },
		{ "corrupt_refs", test_corrupt_references, 0 },
		{ "unaligned", test_open_mem_unaligned, 0 },
		{ "torn_tail", test_torn_tail, 0 },
		{ "truncated_copy", test_truncated_copy, 0 },
		{ "crash_safety", test_crash_safety, 60 },
		{ "live_reader", test_live_reader, 0 },
		{ "append", test_append_continues_ids, 0 },
		{ "rollback", test_rollback, 0 },
		{ "two_writers", test_two_writers, 0 },
		{ "disk_full", test_disk_full, 30 },
		{ "mutated", test_mutated_logs, 30 },
	};
	/* version 2: the format-independent tests again, and its own */
	struct { const char *name; const TTest *t; int timeout; } tc2[] = {
		{ "v2_hostile_strings", test_roundtrip_hostile_strings, 0 },
		{ "v2_writer_checks", test_writer_checks_ids_and_refs, 0 },
		{ "v2_crash_safety", test_crash_safety, 60 },
		{ "v2_live_reader", test_live_reader, 0 },
		{ "v2_append", test_append_continues_ids, 0 },
		{ "v2_rollback", test_rollback, 0 },
		{ "v2_two_writers", test_two_writers, 0 },
		{ "v2_disk_full", test_disk_full, 30 },
		{ "v2_same_records", test_v2_same_records, 0 },
		{ "label_cgroup", test_label_cgroup, 0 },
		{ "crc32c", test_crc32c, 0 },
		{ "v2_corrupt", test_v2_corrupt, 0 },
		{ "v2_bit_flips", test_v2_bit_flips, 60 },
		{ "v2_upgrade", test_v2_upgrade, 0 },
		{ "v2_blocks", test_v2_blocks, 30 },
		{ "v2_word_ahead", test_v2_word_ahead, 0 },
		{ "v2_word_ahead_append", test_v2_word_ahead_then_append, 0 },
		{ "v2_rollback_race", test_v2_rollback_race, 30 },
		{ "v2_rollback_blocks", test_v2_rollback_across_blocks, 0 },
		{ "v2_big_records", test_v2_big_records, 0 },
		{ "v2_mutated", test_v2_mutated, 30 },
		{ "v2_block_decode", test_v2_block_decode, 30 },
		{ "v2_block_decode_big", test_v2_block_decode_big, 0 },
		{ "v2_decode_threads", test_v2_decode_threads, 30 },
		{ "v2_damage_on_decode", test_v2_damage_found_on_decode, 30 },
		{ "v2_open_with_blocks", test_v2_open_with_blocks, 30 },
		{ "v2_open_with_blocks_lazy", test_v2_open_with_blocks_lazy,
		  30 },
		{ "v2_refresh", test_v2_refresh, 30 },
		{ "v1_refresh", test_v1_refresh, 30 },
		{ "v2_refresh_refuses", test_v2_refresh_refuses, 30 },
		{ "v2_refresh_other", test_v2_refresh_other_process, 60 },
		{ "v2_held_steps", test_v2_held_steps, 60 },
		{ "v2_held_changed", test_v2_held_changed, 0 },
		{ "v2_held_kinds", test_v2_held_kinds, 0 },
		{ "v2_read_ahead", test_v2_read_ahead, 30 },
	};
	size_t i;

	for (i = 0; i < sizeof(tc) / sizeof(tc[0]); i++) {
		TCase *t = tcase_create(tc[i].name);

		if (tc[i].timeout)
			tcase_set_timeout(t, tc[i].timeout);
		tcase_add_test(t, tc[i].t);
		suite_add_tcase(s, t);
	}
	for (i = 0; i < sizeof(tc2) / sizeof(tc2[0]); i++) {
		TCase *t = tcase_create(tc2[i].name);

		if (tc2[i].timeout)
			tcase_set_timeout(t, tc2[i].timeout);
		/* the v2 cases run with BTRACK_LOG_VERSION unset */
		tcase_add_checked_fixture(t, v2_setup, NULL);
		tcase_add_test(t, tc2[i].t);
		suite_add_tcase(s, t);
	}
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(log_suite());
	int failed;

	/* The tests of the first list read and damage version 1 logs at
	 * named offsets: they write version 1. */
	setenv("BTRACK_LOG_VERSION", "1", 1);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
