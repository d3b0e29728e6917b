/*
 * check_ingest.c - observations to objects and events (core/ingest.h).
 *
 * Each test builds a log through bt_ingest (from JSONL text or struct
 * bt_obs), reads it back with the validating log reader into a small model
 * (objects by id, events, labels) and checks what the dependency rules
 * say: processes by (pid, start), files by (dev, ino) or path, filenames
 * and LOOKUP only for modified names, regions named by page events.
 */
#include <check.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "../core/error.h"
#include "../graph/graph.h"
#include "../core/ingest.h"
#include "../core/log.h"
#include "../graph/walk.h"
#include "testutil.h"

#define MAXOBJ 2048
#define MAXEV 2048
#define MAXLAB 4096

struct obj {
	unsigned kind;
	uint64_t a, b;        /* process: pid, start; file: dev, ino;
	                         page: file, index; region: file, process */
	uint32_t c;           /* process: ppid; file: flags; region: prot */
	uint64_t first, count;/* region */
	char s[256];          /* filename path, endpoint address */
};

struct ev {
	unsigned op, flags;
	uint32_t aux, cause, effect;
	uint64_t time;
};

struct lab {
	uint32_t obj, key;
	char v[256];
	size_t len;
};

struct model {
	struct obj obj[MAXOBJ + 1];
	uint32_t nobj;
	struct ev ev[MAXEV];
	unsigned nev;
	struct lab lab[MAXLAB];
	unsigned nlab;
};

static struct model M;

static void load(const char *path)
{
	struct bt_log *log = NULL;
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	int r;

	memset(&M, 0, sizeof(M));
	ck_assert_msg(bt_log_open(&log, path) == 0, "%s", bt_error_msg());
	bt_log_iter_init(&it, log);
	while ((r = bt_log_next(&it, &h)) == 1) {
		struct obj *o = &M.obj[M.nobj + 1];

		switch (h->type) {
		case BT_REC_EVENT: {
			const struct bt_rec_event *e = (const void *)h;

			ck_assert_uint_lt(M.nev, MAXEV);
			M.ev[M.nev++] = (struct ev){ e->op, e->flags, e->aux,
				e->cause, e->effect, e->time };
			continue;
		}
		case BT_REC_LABEL: {
			const struct bt_rec_label *l = (const void *)h;
			struct lab *x = &M.lab[M.nlab++];

			ck_assert_uint_lt(M.nlab, MAXLAB);
			x->obj = l->object;
			x->key = l->key;
			x->len = l->value.len < 255 ? l->value.len : 255;
			memcpy(x->v, l->value.s, x->len);
			x->v[x->len] = 0;
			continue;
		}
		case BT_REC_NOTE:
			continue;
		}
		ck_assert_uint_lt(M.nobj, MAXOBJ);
		o->kind = h->type;
		switch (h->type) {
		case BT_REC_PROCESS: {
			const struct bt_rec_process *p = (const void *)h;

			ck_assert_uint_eq(p->id, M.nobj + 1);
			o->a = p->pid;
			o->b = p->start;
			o->c = p->ppid;
			break;
		}
		case BT_REC_FILE: {
			const struct bt_rec_file *f = (const void *)h;

			o->a = f->dev;
			o->b = f->ino;
			o->c = f->flags;
			break;
		}
		case BT_REC_FILENAME: {
			const struct bt_rec_filename *f = (const void *)h;

			snprintf(o->s, sizeof(o->s), "%s", bt_rec_str(&f->path));
			break;
		}
		case BT_REC_PAGE: {
			const struct bt_rec_page *p = (const void *)h;

			o->a = p->file;
			o->b = p->index;
			break;
		}
		case BT_REC_REGION: {
			const struct bt_rec_region *g = (const void *)h;

			o->a = g->file;
			o->b = g->process;
			o->c = g->prot;
			o->first = g->first;
			o->count = g->count;
			break;
		}
		case BT_REC_ENDPOINT: {
			const struct bt_rec_endpoint *e = (const void *)h;

			snprintf(o->s, sizeof(o->s), "%s", bt_rec_str(&e->addr));
			break;
		}
		}
		M.nobj++;
	}
	ck_assert_msg(r == 0, "reader: %s", bt_error_msg());
	bt_log_iter_release(&it);
	bt_log_close(log);
}

static void build(const char *jsonl)
{
	const char *p = tu_path("t.btl");
	int r = tu_log_from_jsonl(p, jsonl);

	ck_assert_msg(r == 0, "import: %s", bt_error_msg());
	load(p);
}

static unsigned count_kind(unsigned kind)
{
	unsigned n = 0;
	uint32_t i;

	for (i = 1; i <= M.nobj; i++)
		n += M.obj[i].kind == kind;
	return n;
}

/* The nth (from 0) process with pid. */
static uint32_t proc(uint32_t pid, unsigned nth)
{
	uint32_t i;

	for (i = 1; i <= M.nobj; i++)
		if (M.obj[i].kind == BT_REC_PROCESS && M.obj[i].a == pid &&
		    nth-- == 0)
			return i;
	return 0;
}

static uint32_t fname(const char *path)
{
	uint32_t i;

	for (i = 1; i <= M.nobj; i++)
		if (M.obj[i].kind == BT_REC_FILENAME &&
		    !strcmp(M.obj[i].s, path))
			return i;
	return 0;
}

/* Files labelled with path, nth of them. */
static uint32_t file_at(const char *path, unsigned nth)
{
	unsigned i;

	for (i = 0; i < M.nlab; i++)
		if (M.lab[i].key == BT_LABEL_PATH && !strcmp(M.lab[i].v, path)
		    && nth-- == 0)
			return M.lab[i].obj;
	return 0;
}

static unsigned count_labels(uint32_t obj, uint32_t key)
{
	unsigned i, n = 0;

	for (i = 0; i < M.nlab; i++)
		n += M.lab[i].obj == obj && M.lab[i].key == key;
	return n;
}

/* Index of the first event (op, cause, effect) at or after `from`, or -1. */
static int find_ev(unsigned from, unsigned op, uint32_t cause,
		   uint32_t effect)
{
	unsigned i;

	for (i = from; i < M.nev; i++)
		if (M.ev[i].op == op && M.ev[i].cause == cause &&
		    M.ev[i].effect == effect)
			return (int)i;
	return -1;
}

static int find_op(unsigned from, unsigned op)
{
	unsigned i;

	for (i = from; i < M.nev; i++)
		if (M.ev[i].op == op)
			return (int)i;
	return -1;
}

static unsigned count_op(unsigned op)
{
	unsigned i, n = 0;

	for (i = 0; i < M.nev; i++)
		n += M.ev[i].op == op;
	return n;
}

START_TEST(fork_creates_parent_and_child)
{
	uint32_t p, c;

	build("{\"time\":1000,\"op\":\"fork\",\"pid\":100,\"child\":101}\n");
	p = proc(100, 0);
	c = proc(101, 0);
	ck_assert_uint_ne(p, 0);
	ck_assert_uint_ne(c, 0);
	ck_assert_uint_eq(M.obj[c].c, 100);      /* ppid */
	ck_assert_uint_eq(M.obj[c].b, 1000);     /* start = fork time */
	ck_assert_uint_eq(M.obj[p].b, 1000);     /* first sighting */
	ck_assert_uint_eq(M.nev, 1);
	ck_assert_int_eq(find_ev(0, BT_OP_FORK, p, c), 0);
	ck_assert_uint_eq(M.ev[0].time, 1000);
}
END_TEST

START_TEST(pid_reuse_after_exit)
{
	uint32_t a, b;

	build("{\"time\":1,\"op\":\"write\",\"pid\":7,\"path\":\"/tmp/x\"}\n"
	      "{\"time\":2,\"op\":\"exit\",\"pid\":7}\n"
	      "{\"time\":3,\"op\":\"read\",\"pid\":7,\"path\":\"/tmp/x\"}\n"
	      "{\"time\":4,\"op\":\"read\",\"pid\":7,\"path\":\"/tmp/x\"}\n");
	a = proc(7, 0);
	b = proc(7, 1);
	ck_assert_uint_ne(a, 0);
	ck_assert_uint_ne(b, 0);
	ck_assert_uint_ne(a, b);
	ck_assert_uint_eq(proc(7, 2), 0);        /* no third one */
	ck_assert_uint_eq(M.obj[b].b, 3);
	ck_assert_int_ge(find_ev(0, BT_OP_WRITE, a, file_at("/tmp/x", 0)), 0);
	ck_assert_int_ge(find_ev(0, BT_OP_READ, file_at("/tmp/x", 0), b), 0);
	ck_assert_int_lt(find_ev(0, BT_OP_READ, file_at("/tmp/x", 0), a), 0);
}
END_TEST

START_TEST(start_time_separates_processes)
{
	struct bt_log_writer *w;
	struct bt_ingest *ing;
	struct bt_obs o;

	ck_assert_int_eq(bt_log_writer_open(&w, tu_path("s.btl"),
					    BT_LOGW_CREATE), 0);
	ck_assert_int_eq(bt_ingest_new(&ing, w), 0);
	bt_obs_init(&o);
	o.op = BT_RAW_READ;
	o.pid = 9;
	o.path = "/etc/hosts";
	o.time = 10;
	o.start = 5;
	ck_assert_int_eq(bt_ingest_add(ing, &o), 0);
	o.time = 11;
	ck_assert_int_eq(bt_ingest_add(ing, &o), 0);
	o.time = 12;
	o.start = 6;     /* same pid, another start: missed exit */
	ck_assert_int_eq(bt_ingest_add(ing, &o), 0);
	bt_ingest_free(ing);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	load(tu_path("s.btl"));
	ck_assert_uint_eq(count_kind(BT_REC_PROCESS), 2);
	ck_assert_uint_eq(M.obj[proc(9, 0)].b, 5);
	ck_assert_uint_eq(M.obj[proc(9, 1)].b, 6);
	ck_assert_uint_eq(count_kind(BT_REC_FILE), 1);
}
END_TEST

START_TEST(rename_then_lookup)
{
	uint32_t w, x, f, nb;
	int i;

	build("{\"time\":1,\"op\":\"create\",\"pid\":10,\"path\":\"/tmp/a\"}\n"
	      "{\"time\":2,\"op\":\"write\",\"pid\":10,\"path\":\"/tmp/a\"}\n"
	      "{\"time\":3,\"op\":\"rename\",\"pid\":10,\"path\":\"/tmp/a\","
	      "\"new_path\":\"/tmp/b\"}\n"
	      "{\"time\":4,\"op\":\"exec\",\"pid\":11,\"path\":\"/tmp/b\"}\n");
	w = proc(10, 0);
	x = proc(11, 0);
	f = file_at("/tmp/a", 0);
	ck_assert_uint_ne(f, 0);
	/* The rename moved the same file to the new name. */
	ck_assert_uint_eq(file_at("/tmp/b", 0), f);
	ck_assert_uint_eq(count_kind(BT_REC_FILE), 1);
	ck_assert_uint_eq(M.obj[f].c, BT_FILEF_SYNTH);
	nb = fname("/tmp/b");
	ck_assert_uint_ne(nb, 0);
	ck_assert_int_ge(find_ev(0, BT_OP_CREATE, w, fname("/tmp/a")), 0);
	ck_assert_int_ge(find_ev(0, BT_OP_RENAME, w, fname("/tmp/a")), 0);
	ck_assert_int_ge(find_ev(0, BT_OP_RENAME, w, nb), 0);
	/* LOOKUP of the renamed name, before the exec it serves. */
	i = find_ev(0, BT_OP_LOOKUP, nb, x);
	ck_assert_int_ge(i, 0);
	ck_assert_int_gt(find_ev(0, BT_OP_EXEC, f, x), i);
	/* A write through a created name looks it up too. */
	ck_assert_int_ge(find_ev(0, BT_OP_LOOKUP, fname("/tmp/a"), w), 0);
}
END_TEST

START_TEST(unmodified_name_adds_no_lookup)
{
	build("{\"time\":1,\"op\":\"read\",\"pid\":10,\"path\":\"/etc/passwd\"}\n"
	      "{\"time\":2,\"op\":\"exec\",\"pid\":10,\"path\":\"/bin/ls\"}\n"
	      "{\"time\":3,\"op\":\"open\",\"pid\":10,\"path\":\"/etc/group\"}\n"
	      "{\"time\":4,\"op\":\"truncate\",\"pid\":10,\"path\":\"/var/x\"}\n");
	ck_assert_uint_eq(count_op(BT_OP_LOOKUP), 0);
	ck_assert_uint_eq(count_kind(BT_REC_FILENAME), 0);
	ck_assert_uint_eq(M.nev, 3);   /* read, exec, truncate; open: none */
	ck_assert_uint_eq(count_kind(BT_REC_FILE), 4);
	ck_assert_uint_eq(count_labels(file_at("/etc/passwd", 0),
				       BT_LABEL_PATH), 1);
}
END_TEST

START_TEST(open_through_modified_name_looks_up)
{
	build("{\"time\":1,\"op\":\"create\",\"pid\":10,\"path\":\"/tmp/a\"}\n"
	      "{\"time\":2,\"op\":\"open\",\"pid\":11,\"path\":\"/tmp/a\"}\n");
	ck_assert_int_ge(find_ev(0, BT_OP_LOOKUP, fname("/tmp/a"),
				 proc(11, 0)), 0);
	ck_assert_uint_eq(M.nev, 2);
}
END_TEST

START_TEST(unlink_then_create_is_new_file)
{
	uint32_t f1, f2, p;

	build("{\"time\":1,\"op\":\"create\",\"pid\":10,\"path\":\"/tmp/x\"}\n"
	      "{\"time\":2,\"op\":\"write\",\"pid\":10,\"path\":\"/tmp/x\"}\n"
	      "{\"time\":3,\"op\":\"unlink\",\"pid\":10,\"path\":\"/tmp/x\"}\n"
	      "{\"time\":4,\"op\":\"create\",\"pid\":10,\"path\":\"/tmp/x\"}\n"
	      "{\"time\":5,\"op\":\"write\",\"pid\":10,\"path\":\"/tmp/x\"}\n"
	      "{\"time\":6,\"op\":\"read\",\"pid\":10,\"path\":\"/tmp/x\"}\n");
	p = proc(10, 0);
	f1 = file_at("/tmp/x", 0);
	f2 = file_at("/tmp/x", 1);
	ck_assert_uint_ne(f1, 0);
	ck_assert_uint_ne(f2, 0);
	ck_assert_uint_ne(f1, f2);
	ck_assert_uint_ne(M.obj[f1].b, M.obj[f2].b);  /* synthetic inodes */
	ck_assert_uint_eq(count_kind(BT_REC_FILE), 2);
	ck_assert_uint_eq(count_kind(BT_REC_FILENAME), 1);  /* one name */
	ck_assert_int_ge(find_ev(0, BT_OP_UNLINK, p, fname("/tmp/x")), 0);
	ck_assert_int_eq(M.ev[find_ev(0, BT_OP_WRITE, p, f1)].time, 2);
	ck_assert_int_eq(M.ev[find_ev(0, BT_OP_WRITE, p, f2)].time, 5);
	ck_assert_int_ge(find_ev(0, BT_OP_READ, f2, p), 0);
	ck_assert_int_lt(find_ev(0, BT_OP_READ, f1, p), 0);
}
END_TEST

START_TEST(hard_link_by_dev_ino)
{
	uint32_t f;

	build("{\"time\":1,\"op\":\"read\",\"pid\":10,\"path\":\"/a/one\","
	      "\"dev\":8,\"inode\":1234}\n"
	      "{\"time\":2,\"op\":\"read\",\"pid\":10,\"path\":\"/b/two\","
	      "\"dev\":8,\"inode\":1234}\n"
	      "{\"time\":3,\"op\":\"read\",\"pid\":10,\"path\":\"/b/two\","
	      "\"dev\":9,\"inode\":1234}\n");
	f = file_at("/a/one", 0);
	ck_assert_uint_ne(f, 0);
	ck_assert_uint_eq(file_at("/b/two", 0), f);
	ck_assert_uint_eq(M.obj[f].a, 8);
	ck_assert_uint_eq(M.obj[f].b, 1234);
	ck_assert_uint_eq(M.obj[f].c & BT_FILEF_SYNTH, 0);
	ck_assert_uint_eq(count_labels(f, BT_LABEL_PATH), 2);
	/* Another device, same inode number: another file. */
	ck_assert_uint_eq(count_kind(BT_REC_FILE), 2);
	ck_assert_uint_ne(file_at("/b/two", 1), f);
}
END_TEST

/*
 * Inodes are reused: a file deleted (its last name unlinked, or renamed
 * over) and a later file with the same (dev, ino) are two files, not one
 * file with both histories.  This merged a deleted temporary file with an
 * unrelated file in real audit logs.
 */
START_TEST(inode_reuse_after_unlink_is_new_file)
{
	uint32_t f, g;

	build("{\"time\":1,\"op\":\"create\",\"pid\":10,\"path\":\"/t/a\","
	      "\"dev\":8,\"inode\":77}\n"
	      "{\"time\":2,\"op\":\"unlink\",\"pid\":10,\"path\":\"/t/a\","
	      "\"dev\":8,\"inode\":77}\n"
	      "{\"time\":3,\"op\":\"write\",\"pid\":20,\"path\":\"/u/b\","
	      "\"dev\":8,\"inode\":77}\n"
	      /* renamed over: /u/c's old file loses its only name */
	      "{\"time\":4,\"op\":\"write\",\"pid\":20,\"path\":\"/u/c\","
	      "\"dev\":8,\"inode\":88}\n"
	      "{\"time\":5,\"op\":\"rename\",\"pid\":20,\"path\":\"/u/b\","
	      "\"new_path\":\"/u/c\",\"dev\":8,\"inode\":77}\n"
	      "{\"time\":6,\"op\":\"write\",\"pid\":30,\"path\":\"/v/d\","
	      "\"dev\":8,\"inode\":88}\n");
	f = file_at("/t/a", 0);
	g = file_at("/u/b", 0);
	ck_assert_uint_ne(f, 0);
	ck_assert_uint_ne(g, 0);
	ck_assert_uint_ne(f, g);
	ck_assert_uint_eq(count_labels(f, BT_LABEL_PATH), 1);
	/* The file renamed onto /u/c keeps its identity... */
	ck_assert_uint_eq(file_at("/u/c", 1), g);
	/* ... and the one it replaced is gone: inode 88 again is new. */
	ck_assert_uint_ne(file_at("/v/d", 0), file_at("/u/c", 0));
	ck_assert_uint_eq(count_kind(BT_REC_FILE), 4);
}
END_TEST

START_TEST(link_by_path)
{
	uint32_t f, p;

	build("{\"time\":1,\"op\":\"write\",\"pid\":10,\"path\":\"/tmp/a\"}\n"
	      "{\"time\":2,\"op\":\"link\",\"pid\":10,\"path\":\"/tmp/a\","
	      "\"new_path\":\"/tmp/c\"}\n"
	      "{\"time\":3,\"op\":\"read\",\"pid\":10,\"path\":\"/tmp/c\"}\n"
	      "{\"time\":4,\"op\":\"read\",\"pid\":10,\"path\":\"/tmp/a\"}\n");
	p = proc(10, 0);
	f = file_at("/tmp/a", 0);
	ck_assert_uint_eq(file_at("/tmp/c", 0), f);
	ck_assert_uint_eq(count_kind(BT_REC_FILE), 1);
	ck_assert_int_ge(find_ev(0, BT_OP_LINK, p, fname("/tmp/c")), 0);
	/* Only the new name was modified. */
	ck_assert_uint_eq(fname("/tmp/a"), 0);
	ck_assert_uint_eq(count_op(BT_OP_LOOKUP), 1);
	ck_assert_int_ge(find_ev(0, BT_OP_LOOKUP, fname("/tmp/c"), p), 0);
	ck_assert_uint_eq(count_op(BT_OP_READ), 2);
}
END_TEST

START_TEST(page_events_name_region)
{
	uint32_t p, q, f, r1, r2, pg1;
	int i;

	build("{\"time\":1,\"op\":\"mmap\",\"pid\":10,\"path\":\"/dev/shm/s\","
	      "\"shared\":true,\"prot\":\"rw\",\"offset\":0,\"length\":8192}\n"
	      "{\"time\":2,\"op\":\"page_write\",\"pid\":10,"
	      "\"path\":\"/dev/shm/s\",\"page\":1}\n"
	      "{\"time\":3,\"op\":\"page_write\",\"pid\":10,"
	      "\"path\":\"/dev/shm/s\",\"page\":5}\n"
	      "{\"time\":4,\"op\":\"mmap\",\"pid\":11,\"path\":\"/dev/shm/s\","
	      "\"shared\":true,\"prot\":\"r\"}\n"
	      "{\"time\":5,\"op\":\"page_read\",\"pid\":11,"
	      "\"path\":\"/dev/shm/s\",\"page\":1}\n"
	      "{\"time\":6,\"op\":\"munmap\",\"pid\":10,\"path\":\"/dev/shm/s\"}\n"
	      "{\"time\":7,\"op\":\"page_write\",\"pid\":10,"
	      "\"path\":\"/dev/shm/s\",\"page\":1}\n");
	p = proc(10, 0);
	q = proc(11, 0);
	f = file_at("/dev/shm/s", 0);
	ck_assert_uint_eq(count_kind(BT_REC_REGION), 2);
	for (r1 = 1; M.obj[r1].kind != BT_REC_REGION; r1++)
		;
	for (r2 = r1 + 1; M.obj[r2].kind != BT_REC_REGION; r2++)
		;
	ck_assert_uint_eq(M.obj[r1].a, f);
	ck_assert_uint_eq(M.obj[r1].b, p);
	ck_assert_uint_eq(M.obj[r1].first, 0);
	ck_assert_uint_eq(M.obj[r1].count, 2);
	ck_assert_uint_eq(M.obj[r1].c, BT_PROT_READ | BT_PROT_WRITE |
			  BT_PROT_SHARED);
	ck_assert_uint_eq(M.obj[r2].b, q);
	ck_assert_uint_eq(M.obj[r2].count, 0);   /* whole file */
	/* mmap events: both directions for a shared rw mapping. */
	i = find_ev(0, BT_OP_MMAP_READ, f, p);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(M.ev[i].aux, r1);
	ck_assert_uint_eq(M.ev[i].flags, BT_EVF_SHARED);
	i = find_ev(0, BT_OP_MMAP_WRITE, p, f);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(M.ev[i].aux, r1);
	ck_assert_int_lt(find_ev(0, BT_OP_MMAP_WRITE, q, f), 0);  /* "r" */
	/* Page 1 through the first region. */
	i = find_op(0, BT_OP_PAGE_WRITE);
	ck_assert_int_ge(i, 0);
	pg1 = M.ev[i].effect;
	ck_assert_uint_eq(M.obj[pg1].kind, BT_REC_PAGE);
	ck_assert_uint_eq(M.obj[pg1].a, f);
	ck_assert_uint_eq(M.obj[pg1].b, 1);
	ck_assert_uint_eq(M.ev[i].aux, r1);
	ck_assert_uint_eq(M.ev[i].time, 2);
	/* Page 5 lies outside the mapped 2 pages: no region. */
	i = find_op(i + 1, BT_OP_PAGE_WRITE);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(M.ev[i].time, 3);
	ck_assert_uint_eq(M.obj[M.ev[i].effect].b, 5);
	ck_assert_uint_eq(M.ev[i].aux, 0);
	/* The reader's page event names the reader's region. */
	i = find_ev(0, BT_OP_PAGE_READ, pg1, q);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(M.ev[i].aux, r2);
	/* After munmap the writer's region is gone; same page object. */
	i = find_ev(0, BT_OP_PAGE_WRITE, p, pg1);
	i = find_ev(i + 1, BT_OP_PAGE_WRITE, p, pg1);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(M.ev[i].time, 7);
	ck_assert_uint_eq(M.ev[i].aux, 0);
	ck_assert_uint_eq(count_kind(BT_REC_PAGE), 2);
}
END_TEST

START_TEST(private_writable_mapping_is_read_only_dependency)
{
	build("{\"time\":1,\"op\":\"mmap\",\"pid\":10,\"path\":\"/lib/x.so\","
	      "\"prot\":\"rw\"}\n");
	ck_assert_uint_eq(count_op(BT_OP_MMAP_READ), 1);
	ck_assert_uint_eq(count_op(BT_OP_MMAP_WRITE), 0);
	ck_assert_uint_eq(M.ev[0].flags, 0);
}
END_TEST

START_TEST(exec_labels)
{
	uint32_t p;
	unsigned i;
	int seen_argv = 0, seen_exe = 0, seen_comm = 0;

	build("{\"time\":1,\"op\":\"exec\",\"pid\":10,\"path\":\"/bin/sh\","
	      "\"argv\":[\"sh\",\"-c\",\"x\"],\"comm\":\"sh\"}\n"
	      "{\"time\":2,\"op\":\"read\",\"pid\":10,\"path\":\"/etc/a\","
	      "\"comm\":\"sh\"}\n");
	p = proc(10, 0);
	for (i = 0; i < M.nlab; i++) {
		if (M.lab[i].obj != p)
			continue;
		if (M.lab[i].key == BT_LABEL_ARGV) {
			ck_assert_uint_eq(M.lab[i].len, 7);
			ck_assert(!memcmp(M.lab[i].v, "sh\0-c\0x", 7));
			seen_argv++;
		} else if (M.lab[i].key == BT_LABEL_EXE) {
			ck_assert_str_eq(M.lab[i].v, "/bin/sh");
			seen_exe++;
		} else if (M.lab[i].key == BT_LABEL_COMM) {
			ck_assert_str_eq(M.lab[i].v, "sh");
			seen_comm++;
		}
	}
	ck_assert_int_eq(seen_argv, 1);
	ck_assert_int_eq(seen_exe, 1);
	ck_assert_int_eq(seen_comm, 1);   /* unchanged comm: one label */
	ck_assert_int_ge(find_ev(0, BT_OP_EXEC, file_at("/bin/sh", 0), p), 0);
}
END_TEST

START_TEST(endpoints)
{
	uint32_t p, e;
	int i;

	build("{\"time\":1,\"op\":\"connect\",\"pid\":10,"
	      "\"remote\":\"203.0.113.9:4444\"}\n"
	      "{\"time\":2,\"op\":\"recv\",\"pid\":10,"
	      "\"remote\":\"203.0.113.9:4444\",\"bytes\":100}\n"
	      "{\"time\":3,\"op\":\"send\",\"pid\":10,"
	      "\"remote\":\"203.0.113.9:4444\",\"bytes\":5000000000}\n"
	      "{\"time\":4,\"op\":\"accept\",\"pid\":10,"
	      "\"remote\":\"[2001:db8::1]:80\"}\n");
	p = proc(10, 0);
	ck_assert_uint_eq(count_kind(BT_REC_ENDPOINT), 2);
	for (e = 1; M.obj[e].kind != BT_REC_ENDPOINT; e++)
		;
	ck_assert_str_eq(M.obj[e].s, "203.0.113.9:4444");
	ck_assert_int_ge(find_ev(0, BT_OP_CONNECT, e, p), 0);
	i = find_ev(0, BT_OP_RECV, e, p);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(M.ev[i].aux, 100);
	i = find_ev(0, BT_OP_SEND, p, e);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(M.ev[i].aux, UINT32_MAX);   /* saturated */
	ck_assert_int_ge(find_ev(0, BT_OP_ACCEPT, e + 1, p), 0);
}
END_TEST

START_TEST(invalid_observation_leaves_log_unchanged)
{
	struct bt_log_writer *w;
	struct bt_ingest *ing;
	struct bt_ingest_stats st;
	struct bt_obs o;
	uint64_t size;

	ck_assert_int_eq(bt_log_writer_open(&w, tu_path("i.btl"),
					    BT_LOGW_CREATE), 0);
	ck_assert_int_eq(bt_ingest_new(&ing, w), 0);
	size = bt_log_writer_size(w);
	bt_obs_init(&o);
	ck_assert_uint_eq(o.uid, UINT32_MAX);
	o.time = 5;
	o.pid = 1;
	o.op = BT_RAW_RENAME;
	o.path = "/tmp/a";                   /* no new_path */
	ck_assert_int_eq(bt_ingest_add(ing, &o), BT_EINVAL);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "new_path"));
	o.op = BT_RAW_READ;
	o.path = NULL;
	ck_assert_int_eq(bt_ingest_add(ing, &o), BT_EINVAL);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "path"));
	o.op = BT_RAW_RECV;
	ck_assert_int_eq(bt_ingest_add(ing, &o), BT_EINVAL);
	o.op = 0;
	ck_assert_int_eq(bt_ingest_add(ing, &o), BT_EINVAL);
	o.op = BT_RAW_OP_MAX + 1;
	ck_assert_int_eq(bt_ingest_add(ing, &o), BT_EINVAL);
	o.op = BT_RAW_MEM_WRITE;             /* no peer */
	ck_assert_int_eq(bt_ingest_add(ing, &o), BT_EINVAL);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "peer"));
	o.op = BT_RAW_EXIT;
	o.time = 0;
	ck_assert_int_eq(bt_ingest_add(ing, &o), BT_EINVAL);
	ck_assert_uint_eq(bt_log_writer_size(w), size);
	ck_assert_uint_eq(bt_log_writer_objects(w), 0);
	bt_ingest_stats(ing, &st);
	ck_assert_uint_eq(st.observations, 0);
	bt_ingest_free(ing);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
}
END_TEST

START_TEST(exit_of_unknown_process_is_ignored)
{
	build("{\"time\":1,\"op\":\"exit\",\"pid\":10}\n");
	ck_assert_uint_eq(M.nobj, 0);
	ck_assert_uint_eq(M.nev, 0);
}
END_TEST

START_TEST(raw_op_names)
{
	unsigned op, back;

	for (op = 1; op <= BT_RAW_OP_MAX; op++) {
		ck_assert_ptr_nonnull(bt_raw_op_name(op));
		ck_assert_int_eq(bt_raw_op_parse(&back, bt_raw_op_name(op)), 0);
		ck_assert_uint_eq(back, op);
	}
	ck_assert_str_eq(bt_raw_op_name(BT_RAW_PAGE_READ), "page_read");
	ck_assert_str_eq(bt_raw_op_name(BT_RAW_FORK), "fork");
	ck_assert_ptr_null(bt_raw_op_name(0));
	ck_assert_ptr_null(bt_raw_op_name(BT_RAW_OP_MAX + 1));
	ck_assert_int_eq(bt_raw_op_parse(&back, "Fork"), BT_EINVAL);
	ck_assert_int_eq(bt_raw_op_parse(&back, ""), BT_EINVAL);
}
END_TEST

START_TEST(no_allocation_per_event)
{
	struct bt_log_writer *w;
	struct bt_ingest *ing;
	struct bt_ingest_stats st;
	struct bt_obs o;
	struct mallinfo2 before, after;
	const uint64_t n = 1000000;
	const char *paths[] = { "/tmp/a", "/tmp/b", "/dev/shm/s" };
	uint64_t i;

	ck_assert_int_eq(bt_log_writer_open(&w, tu_path("big.btl"),
					    BT_LOGW_CREATE), 0);
	ck_assert_int_eq(bt_ingest_new(&ing, w), 0);
	bt_obs_init(&o);
	/* Warm up: intern every object the loop uses. */
	o.time = 1;
	o.pid = 1;
	o.op = BT_RAW_MMAP;
	o.path = "/dev/shm/s";
	o.shared = true;
	o.prot = BT_PROT_READ | BT_PROT_WRITE;
	ck_assert_int_eq(bt_ingest_add(ing, &o), 0);
	o.op = BT_RAW_CREATE;
	o.path = "/tmp/b";
	ck_assert_int_eq(bt_ingest_add(ing, &o), 0);
	before = mallinfo2();
	for (i = 0; i < n; i++) {
		o.time = 2 + i;
		o.pid = 1 + (uint32_t)(i % 4);
		switch (i % 4) {
		case 0: o.op = BT_RAW_READ; break;
		case 1: o.op = BT_RAW_WRITE; break;
		case 2: o.op = BT_RAW_PAGE_WRITE; break;
		default: o.op = BT_RAW_SEND; break;
		}
		o.path = paths[i % 3];
		o.page = i % 2;
		o.remote = "198.51.100.7:443";
		o.bytes = i;
		tu_assert_int_eq(bt_ingest_add(ing, &o), 0);
	}
	after = mallinfo2();
	bt_ingest_stats(ing, &st);
	ck_assert_uint_ge(st.events, n);
	/* A handful of new objects (4 processes, a few pages) may grow the
	 * maps; per-event allocation would be megabytes. */
	ck_assert_msg(after.uordblks - before.uordblks < 64 * 1024,
		      "heap grew by %zu bytes over %llu events",
		      after.uordblks - before.uordblks,
		      (unsigned long long)n);
	bt_ingest_free(ing);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
}
END_TEST

/* ---- walks over what ingest built (graph/walk.h) ----------------------- */

static struct bt_graph *G;

static void gbuild(const char *jsonl)
{
	build(jsonl);
	bt_graph_free(G);
	G = NULL;
	ck_assert_msg(bt_graph_load(&G, tu_path("t.btl"), NULL, NULL) == 0,
		      "load: %s", bt_error_msg());
}

static struct bt_result *gwalk(enum bt_dir dir, const char *spec)
{
	struct bt_walk_opts o;
	struct bt_result *r = NULL;
	uint64_t t;
	uint32_t id;

	ck_assert_msg(bt_spec_resolve(&id, &t, G, spec) == 0, "%s: %s", spec,
		      bt_error_msg());
	bt_walk_opts_init(&o);
	if (t != BT_TIME_NONE)
		o.until = t;
	ck_assert_int_eq(dir == BT_BACKWARD ? bt_backtrack(&r, G, id, &o) :
			 bt_forward(&r, G, id, &o), 0);
	return r;
}

struct path_hit { const char *want; bool hit; };

static void path_cb(void *arg, const char *path, uint64_t time)
{
	struct path_hit *h = arg;

	(void)time;
	if (!strcmp(path, h->want))
		h->hit = true;
}

/* Whether the result holds a file once seen under path. */
static bool has_file(const struct bt_result *r, const char *path)
{
	size_t i;

	for (i = 0; i < r->nnodes; i++) {
		struct path_hit h = { path, false };

		if (r->nodes[i].kind != BT_OBJ_FILE)
			continue;
		bt_graph_file_paths(G, r->nodes[i].obj, path_cb, &h);
		if (h.hit)
			return true;
	}
	return false;
}

static bool has_proc(const struct bt_result *r, uint32_t pid)
{
	struct bt_object_info in;
	size_t i;

	for (i = 0; i < r->nnodes; i++)
		if (r->nodes[i].kind == BT_OBJ_PROCESS &&
		    bt_graph_object(G, r->nodes[i].obj, &in) == 0 &&
		    in.pid == pid)
			return true;
	return false;
}

/* `cat secret > t; mv t a; cp a b` as sources give it: with inodes (the
 * recorder, auditd) and without (a JSONL writer).  Rename used to unbind
 * the old name first, so the inode was forgotten and the next access made
 * a new file with no history. */
#define INO(n) ",\"dev\":8,\"inode\":" #n
static const char *const rename_logs[2] = {
	"{\"time\":1,\"op\":\"fork\",\"pid\":10,\"child\":11}\n"
	"{\"time\":2,\"op\":\"read\",\"pid\":11,\"path\":\"/w/secret\"" INO(1) "}\n"
	"{\"time\":3,\"op\":\"create\",\"pid\":11,\"path\":\"/w/t\"" INO(2) "}\n"
	"{\"time\":4,\"op\":\"write\",\"pid\":11,\"path\":\"/w/t\"" INO(2) "}\n"
	"{\"time\":5,\"op\":\"exit\",\"pid\":11}\n"
	"{\"time\":6,\"op\":\"fork\",\"pid\":10,\"child\":12}\n"
	"{\"time\":7,\"op\":\"rename\",\"pid\":12,\"path\":\"/w/t\","
	"\"new_path\":\"/w/a\"" INO(2) "}\n"
	"{\"time\":8,\"op\":\"fork\",\"pid\":10,\"child\":13}\n"
	"{\"time\":9,\"op\":\"read\",\"pid\":13,\"path\":\"/w/a\"" INO(2) "}\n"
	"{\"time\":10,\"op\":\"create\",\"pid\":13,\"path\":\"/w/b\"" INO(3) "}\n"
	"{\"time\":11,\"op\":\"write\",\"pid\":13,\"path\":\"/w/b\"" INO(3) "}\n",

	"{\"time\":1,\"op\":\"fork\",\"pid\":10,\"child\":11}\n"
	"{\"time\":2,\"op\":\"read\",\"pid\":11,\"path\":\"/w/secret\"}\n"
	"{\"time\":3,\"op\":\"create\",\"pid\":11,\"path\":\"/w/t\"}\n"
	"{\"time\":4,\"op\":\"write\",\"pid\":11,\"path\":\"/w/t\"}\n"
	"{\"time\":5,\"op\":\"exit\",\"pid\":11}\n"
	"{\"time\":6,\"op\":\"fork\",\"pid\":10,\"child\":12}\n"
	"{\"time\":7,\"op\":\"rename\",\"pid\":12,\"path\":\"/w/t\","
	"\"new_path\":\"/w/a\"}\n"
	"{\"time\":8,\"op\":\"fork\",\"pid\":10,\"child\":13}\n"
	"{\"time\":9,\"op\":\"read\",\"pid\":13,\"path\":\"/w/a\"}\n"
	"{\"time\":10,\"op\":\"create\",\"pid\":13,\"path\":\"/w/b\"}\n"
	"{\"time\":11,\"op\":\"write\",\"pid\":13,\"path\":\"/w/b\"}\n",
};

START_TEST(rename_keeps_the_file)
{
	struct bt_result *r;

	gbuild(rename_logs[_i]);
	ck_assert_uint_eq(count_kind(BT_REC_FILE), 3);  /* secret, t=a, b */
	ck_assert_uint_eq(file_at("/w/a", 0), file_at("/w/t", 0));
	r = gwalk(BT_BACKWARD, "file:/w/b");
	ck_assert(has_file(r, "/w/secret"));
	ck_assert(has_file(r, "/w/a"));
	ck_assert(has_proc(r, 11));             /* the writer of t */
	bt_result_free(r);
	r = gwalk(BT_BACKWARD, "file:/w/a");
	ck_assert(has_proc(r, 11));
	ck_assert(has_file(r, "/w/secret"));
	ck_assert_uint_gt(r->nnodes, 1);
	bt_result_free(r);
	r = gwalk(BT_FORWARD, "file:/w/secret");
	ck_assert(has_file(r, "/w/b"));
	ck_assert(has_proc(r, 13));
	bt_result_free(r);
}
END_TEST

/* Atomic replace (sed -i, editors, git's lock files): write a temporary
 * file, rename it over the target.  The target path names the new file;
 * the old target file ends (its inode, reused, is a new file). */
static const char *const replace_logs[2] = {
	"{\"time\":1,\"op\":\"write\",\"pid\":20,\"path\":\"/w/cfg\"" INO(5) "}\n"
	"{\"time\":2,\"op\":\"read\",\"pid\":21,\"path\":\"/w/src\"" INO(4) "}\n"
	"{\"time\":3,\"op\":\"create\",\"pid\":21,\"path\":\"/w/cfg.tmp\"" INO(6) "}\n"
	"{\"time\":4,\"op\":\"write\",\"pid\":21,\"path\":\"/w/cfg.tmp\"" INO(6) "}\n"
	"{\"time\":5,\"op\":\"rename\",\"pid\":21,\"path\":\"/w/cfg.tmp\","
	"\"new_path\":\"/w/cfg\"" INO(6) "}\n"
	"{\"time\":6,\"op\":\"read\",\"pid\":22,\"path\":\"/w/cfg\"" INO(6) "}\n"
	"{\"time\":7,\"op\":\"write\",\"pid\":22,\"path\":\"/w/out\"" INO(7) "}\n"
	"{\"time\":8,\"op\":\"write\",\"pid\":23,\"path\":\"/w/other\"" INO(5) "}\n",

	"{\"time\":1,\"op\":\"write\",\"pid\":20,\"path\":\"/w/cfg\"}\n"
	"{\"time\":2,\"op\":\"read\",\"pid\":21,\"path\":\"/w/src\"}\n"
	"{\"time\":3,\"op\":\"create\",\"pid\":21,\"path\":\"/w/cfg.tmp\"}\n"
	"{\"time\":4,\"op\":\"write\",\"pid\":21,\"path\":\"/w/cfg.tmp\"}\n"
	"{\"time\":5,\"op\":\"rename\",\"pid\":21,\"path\":\"/w/cfg.tmp\","
	"\"new_path\":\"/w/cfg\"}\n"
	"{\"time\":6,\"op\":\"read\",\"pid\":22,\"path\":\"/w/cfg\"}\n"
	"{\"time\":7,\"op\":\"write\",\"pid\":22,\"path\":\"/w/out\"}\n"
	"{\"time\":8,\"op\":\"write\",\"pid\":23,\"path\":\"/w/other\"}\n",
};

START_TEST(atomic_replace)
{
	struct bt_result *r;
	uint32_t old = 0, nw;

	gbuild(replace_logs[_i]);
	old = file_at("/w/cfg", 0);
	nw = file_at("/w/cfg.tmp", 0);
	ck_assert_uint_ne(old, nw);
	ck_assert_uint_eq(file_at("/w/cfg", 1), nw);
	r = gwalk(BT_BACKWARD, "file:/w/out");
	ck_assert(has_proc(r, 21));
	ck_assert(has_file(r, "/w/src"));
	ck_assert(!has_proc(r, 20));            /* the replaced file's writer */
	bt_result_free(r);
	r = gwalk(BT_BACKWARD, "file:/w/cfg");
	ck_assert(has_proc(r, 21));
	ck_assert(!has_proc(r, 20));
	bt_result_free(r);
	/* The replaced file lost its only name: inode 5 again is new. */
	ck_assert_uint_ne(file_at("/w/other", 0), old);
	ck_assert_uint_eq(count_kind(BT_REC_FILE), 5);
}
END_TEST

/* renameat2(RENAME_EXCHANGE): two files swap names; neither ends (two
 * renames in a row would end the second at the first, replaced).  With
 * inodes and without. */
static const char *const exchange_logs[2] = {
	"{\"time\":1,\"op\":\"write\",\"pid\":40,\"path\":\"/w/a\"" INO(5) "}\n"
	"{\"time\":2,\"op\":\"write\",\"pid\":41,\"path\":\"/w/b\"" INO(6) "}\n"
	"{\"time\":3,\"op\":\"rename\",\"pid\":42,\"path\":\"/w/a\","
	"\"new_path\":\"/w/b\",\"exchange\":true" INO(5) "}\n"
	"{\"time\":4,\"op\":\"read\",\"pid\":43,\"path\":\"/w/a\"" INO(6) "}\n"
	"{\"time\":5,\"op\":\"write\",\"pid\":43,\"path\":\"/w/out\"" INO(7) "}\n"
	"{\"time\":6,\"op\":\"read\",\"pid\":44,\"path\":\"/w/b\"" INO(5) "}\n"
	"{\"time\":7,\"op\":\"write\",\"pid\":44,\"path\":\"/w/out2\"" INO(8) "}\n",

	"{\"time\":1,\"op\":\"write\",\"pid\":40,\"path\":\"/w/a\"}\n"
	"{\"time\":2,\"op\":\"write\",\"pid\":41,\"path\":\"/w/b\"}\n"
	"{\"time\":3,\"op\":\"rename\",\"pid\":42,\"path\":\"/w/a\","
	"\"new_path\":\"/w/b\",\"exchange\":true}\n"
	"{\"time\":4,\"op\":\"read\",\"pid\":43,\"path\":\"/w/a\"}\n"
	"{\"time\":5,\"op\":\"write\",\"pid\":43,\"path\":\"/w/out\"}\n"
	"{\"time\":6,\"op\":\"read\",\"pid\":44,\"path\":\"/w/b\"}\n"
	"{\"time\":7,\"op\":\"write\",\"pid\":44,\"path\":\"/w/out2\"}\n",
};

START_TEST(rename_exchange_swaps_two_files)
{
	struct bt_result *r;

	gbuild(exchange_logs[_i]);
	ck_assert_uint_eq(file_at("/w/a", 1), file_at("/w/b", 0));
	ck_assert_uint_eq(file_at("/w/b", 1), file_at("/w/a", 0));
	r = gwalk(BT_BACKWARD, "file:/w/out");
	ck_assert(has_proc(r, 41));
	ck_assert(!has_proc(r, 40));
	bt_result_free(r);
	r = gwalk(BT_BACKWARD, "file:/w/out2");
	ck_assert(has_proc(r, 40));
	ck_assert(!has_proc(r, 41));
	bt_result_free(r);
	ck_assert_uint_eq(count_kind(BT_REC_FILE), 4);
}
END_TEST

/* Two directories swapped by RENAME_EXCHANGE: what was under one is
 * under the other (x under both: swapped; y only under b: now under a;
 * h, hard-linked under both: still under both). */
#define DX(t, op, pid, path, ino) \
	"{\"time\":" #t ",\"op\":\"" op "\",\"pid\":" #pid ",\"path\":\"" \
	path "\"" ino "}\n"
static const char *const dirswap_logs[2] = {
	DX(1, "write", 70, "/w/a/x", INO(31))
	DX(2, "write", 71, "/w/b/x", INO(32))
	DX(3, "write", 72, "/w/b/y", INO(33))
	DX(4, "write", 73, "/w/a/h", INO(34))
	"{\"time\":4,\"op\":\"link\",\"pid\":73,\"path\":\"/w/a/h\","
	"\"new_path\":\"/w/b/h\"" INO(34) "}\n"
	"{\"time\":5,\"op\":\"rename\",\"pid\":74,\"path\":\"/w/a\","
	"\"new_path\":\"/w/b\",\"exchange\":true" INO(30) "}\n"
	DX(6, "read", 80, "/w/a/x", INO(32))
	DX(6, "write", 80, "/w/out1", INO(40))
	DX(7, "read", 81, "/w/b/x", INO(31))
	DX(7, "write", 81, "/w/out2", INO(41))
	DX(8, "read", 82, "/w/a/y", INO(33))
	DX(8, "write", 82, "/w/out3", INO(42))
	DX(9, "read", 83, "/w/b/h", INO(34))
	DX(9, "write", 83, "/w/out4", INO(43)),

	DX(1, "write", 70, "/w/a/x", "")
	DX(2, "write", 71, "/w/b/x", "")
	DX(3, "write", 72, "/w/b/y", "")
	DX(4, "write", 73, "/w/a/h", "")
	"{\"time\":4,\"op\":\"link\",\"pid\":73,\"path\":\"/w/a/h\","
	"\"new_path\":\"/w/b/h\"}\n"
	"{\"time\":5,\"op\":\"rename\",\"pid\":74,\"path\":\"/w/a\","
	"\"new_path\":\"/w/b\",\"exchange\":true}\n"
	DX(6, "read", 80, "/w/a/x", "")
	DX(6, "write", 80, "/w/out1", "")
	DX(7, "read", 81, "/w/b/x", "")
	DX(7, "write", 81, "/w/out2", "")
	DX(8, "read", 82, "/w/a/y", "")
	DX(8, "write", 82, "/w/out3", "")
	DX(9, "read", 83, "/w/b/h", "")
	DX(9, "write", 83, "/w/out4", ""),
};

START_TEST(rename_exchange_swaps_two_directories)
{
	static const struct { const char *out; uint32_t yes, no; } w[] = {
		{ "file:/w/out1", 71, 70 }, { "file:/w/out2", 70, 71 },
		{ "file:/w/out3", 72, 70 }, { "file:/w/out4", 73, 72 },
	};
	struct bt_result *r;
	size_t k;

	gbuild(dirswap_logs[_i]);
	for (k = 0; k < sizeof(w) / sizeof(w[0]); k++) {
		r = gwalk(BT_BACKWARD, w[k].out);
		ck_assert_msg(has_proc(r, w[k].yes), "%s", w[k].out);
		ck_assert_msg(!has_proc(r, w[k].no), "%s", w[k].out);
		bt_result_free(r);
	}
	/* the files kept their identity: x, x, y, h, the two directories
	 * (named by the rename) and the four outputs */
	ck_assert_uint_eq(file_at("/w/a/x", 1), file_at("/w/b/x", 0));
	ck_assert_uint_eq(file_at("/w/b/x", 1), file_at("/w/a/x", 0));
	ck_assert_uint_eq(file_at("/w/a/y", 0), file_at("/w/b/y", 0));
	ck_assert_uint_eq(count_kind(BT_REC_FILE), 10);
}
END_TEST

/* A file read through a descriptor after its last name went is the file
 * it was opened on ("via_fd"); by name, the same inode is a new file. */
static const char *const unlinked_logs[2] = {
	DX(1, "write", 90, "/w/t", INO(50))
	DX(2, "unlink", 90, "/w/t", INO(50))
	"{\"time\":3,\"op\":\"read\",\"pid\":91,\"path\":\"/w/t\""
	INO(50) ",\"via_fd\":true}\n"
	DX(4, "write", 91, "/w/out", INO(51)),

	DX(1, "write", 90, "/w/t", INO(50))
	DX(2, "unlink", 90, "/w/t", INO(50))
	DX(3, "read", 91, "/w/t", INO(50))
	DX(4, "write", 91, "/w/out", INO(51)),
};

START_TEST(read_through_a_descriptor_after_unlink)
{
	struct bt_result *r;

	gbuild(unlinked_logs[_i]);
	r = gwalk(BT_BACKWARD, "file:/w/out");
	ck_assert(has_proc(r, 90));   /* (by name: the unlink's lookup) */
	bt_result_free(r);
	/* t and out; by name, the inode again is a third file */
	ck_assert_uint_eq(count_kind(BT_REC_FILE), _i == 0 ? 2 : 3);
}
END_TEST

/* Link then unlink one name: the other still names the file. */
static const char *const link_logs[2] = {
	"{\"time\":1,\"op\":\"create\",\"pid\":30,\"path\":\"/w/x\"" INO(7) "}\n"
	"{\"time\":2,\"op\":\"write\",\"pid\":30,\"path\":\"/w/x\"" INO(7) "}\n"
	"{\"time\":3,\"op\":\"link\",\"pid\":30,\"path\":\"/w/x\","
	"\"new_path\":\"/w/y\"" INO(7) "}\n"
	/* rename of two names of one file does nothing */
	"{\"time\":4,\"op\":\"rename\",\"pid\":30,\"path\":\"/w/x\","
	"\"new_path\":\"/w/y\"" INO(7) "}\n"
	"{\"time\":4,\"op\":\"read\",\"pid\":33,\"path\":\"/w/x\"}\n"
	"{\"time\":4,\"op\":\"unlink\",\"pid\":30,\"path\":\"/w/x\"" INO(7) "}\n"
	"{\"time\":5,\"op\":\"read\",\"pid\":31,\"path\":\"/w/y\"" INO(7) "}\n"
	"{\"time\":6,\"op\":\"unlink\",\"pid\":31,\"path\":\"/w/y\"" INO(7) "}\n"
	"{\"time\":7,\"op\":\"write\",\"pid\":32,\"path\":\"/w/z\"" INO(7) "}\n",

	"{\"time\":1,\"op\":\"create\",\"pid\":30,\"path\":\"/w/x\"}\n"
	"{\"time\":2,\"op\":\"write\",\"pid\":30,\"path\":\"/w/x\"}\n"
	"{\"time\":3,\"op\":\"link\",\"pid\":30,\"path\":\"/w/x\","
	"\"new_path\":\"/w/y\"}\n"
	"{\"time\":4,\"op\":\"rename\",\"pid\":30,\"path\":\"/w/x\","
	"\"new_path\":\"/w/y\"}\n"
	"{\"time\":4,\"op\":\"read\",\"pid\":33,\"path\":\"/w/x\"}\n"
	"{\"time\":4,\"op\":\"unlink\",\"pid\":30,\"path\":\"/w/x\"}\n"
	"{\"time\":5,\"op\":\"read\",\"pid\":31,\"path\":\"/w/y\"}\n"
	"{\"time\":6,\"op\":\"unlink\",\"pid\":31,\"path\":\"/w/y\"}\n"
	"{\"time\":7,\"op\":\"write\",\"pid\":32,\"path\":\"/w/z\"}\n",
};

START_TEST(hard_link_outlives_a_name)
{
	struct bt_result *r;

	gbuild(link_logs[_i]);
	ck_assert_uint_eq(file_at("/w/y", 0), file_at("/w/x", 0));
	/* After rename(x, y) of one file's two names, x still names it. */
	ck_assert_int_ge(find_ev(0, BT_OP_READ, file_at("/w/x", 0),
				 proc(33, 0)), 0);
	r = gwalk(BT_BACKWARD, "proc:31");
	ck_assert(has_proc(r, 30));
	bt_result_free(r);
	/* Both names gone: inode 7 again is another file. */
	ck_assert_uint_ne(file_at("/w/z", 0), file_at("/w/x", 0));
	ck_assert_uint_eq(count_kind(BT_REC_FILE), 2);
}
END_TEST

/* mv d e: the files under d are the same files under e (their history
 * goes along), and d's old paths no longer name them, so when they are
 * unlinked under e their inodes are free again. */
static const char *const dir_logs[2] = {
	"{\"time\":1,\"op\":\"create\",\"pid\":60,\"path\":\"/w/d\"" INO(20) "}\n"
	"{\"time\":2,\"op\":\"write\",\"pid\":60,\"path\":\"/w/d/f\"" INO(21) "}\n"
	"{\"time\":3,\"op\":\"write\",\"pid\":60,\"path\":\"/w/d/s/g\"" INO(22) "}\n"
	"{\"time\":4,\"op\":\"rename\",\"pid\":61,\"path\":\"/w/d\","
	"\"new_path\":\"/w/e\"" INO(20) "}\n"
	"{\"time\":5,\"op\":\"read\",\"pid\":62,\"path\":\"/w/e/f\"" INO(21) "}\n"
	"{\"time\":6,\"op\":\"read\",\"pid\":62,\"path\":\"/w/e/s/g\"" INO(22) "}\n"
	"{\"time\":7,\"op\":\"unlink\",\"pid\":62,\"path\":\"/w/e/f\"" INO(21) "}\n"
	"{\"time\":8,\"op\":\"write\",\"pid\":63,\"path\":\"/w/h\"" INO(21) "}\n"
	"{\"time\":9,\"op\":\"read\",\"pid\":64,\"path\":\"/w/d/f\"}\n",

	"{\"time\":1,\"op\":\"create\",\"pid\":60,\"path\":\"/w/d\"}\n"
	"{\"time\":2,\"op\":\"write\",\"pid\":60,\"path\":\"/w/d/f\"}\n"
	"{\"time\":3,\"op\":\"write\",\"pid\":60,\"path\":\"/w/d/s/g\"}\n"
	"{\"time\":4,\"op\":\"rename\",\"pid\":61,\"path\":\"/w/d\","
	"\"new_path\":\"/w/e\"}\n"
	"{\"time\":5,\"op\":\"read\",\"pid\":62,\"path\":\"/w/e/f\"}\n"
	"{\"time\":6,\"op\":\"read\",\"pid\":62,\"path\":\"/w/e/s/g\"}\n"
	"{\"time\":7,\"op\":\"unlink\",\"pid\":62,\"path\":\"/w/e/f\"}\n"
	"{\"time\":8,\"op\":\"write\",\"pid\":63,\"path\":\"/w/h\"}\n"
	"{\"time\":9,\"op\":\"read\",\"pid\":64,\"path\":\"/w/d/f\"}\n",
};

START_TEST(directory_rename_moves_its_files)
{
	struct bt_result *r;
	uint32_t f, g;

	gbuild(dir_logs[_i]);
	f = file_at("/w/d/f", 0);
	g = file_at("/w/d/s/g", 0);
	ck_assert_uint_eq(file_at("/w/e/f", 0), f);
	ck_assert_uint_eq(file_at("/w/e/s/g", 0), g);
	r = gwalk(BT_BACKWARD, "proc:62");
	ck_assert(has_proc(r, 60));
	bt_result_free(r);
	/* f's names are all gone: inode 21 again is another file, and the
	 * old path names nothing (a new file). */
	ck_assert_uint_ne(file_at("/w/h", 0), f);
	ck_assert_int_lt(find_ev(0, BT_OP_READ, f, proc(64, 0)), 0);
	ck_assert_uint_eq(count_kind(BT_REC_FILE), 5);
}
END_TEST

/* /proc/self/fd/N and friends name a descriptor, not a file: never bound,
 * never labelled.  A linkat through /proc/self/fd gives only the new name,
 * so when the real names are unlinked the inode is free again. */
START_TEST(fd_paths_are_not_names)
{
	static const char *const fdpaths[] = {
		"/proc/self/fd/3", "/proc/4242/fd/3", "/dev/fd/3",
		"/proc/thread-self/fd/3", "/proc/4242/task/4243/fd/3",
		"/dev/stdin",
	};
	char log[2048];
	const char *fp = fdpaths[_i];
	uint32_t f;
	unsigned i;

	snprintf(log, sizeof(log),
		 "{\"time\":1,\"op\":\"create\",\"pid\":40,\"path\":\"/w/a\"" INO(9) "}\n"
		 "{\"time\":2,\"op\":\"write\",\"pid\":40,\"path\":\"%s\"" INO(9) "}\n"
		 "{\"time\":3,\"op\":\"link\",\"pid\":40,\"path\":\"%s\","
		 "\"new_path\":\"/w/b\"" INO(9) "}\n"
		 "{\"time\":4,\"op\":\"read\",\"pid\":41,\"path\":\"%s\"" INO(9) "}\n"
		 "{\"time\":5,\"op\":\"unlink\",\"pid\":40,\"path\":\"/w/a\"" INO(9) "}\n"
		 "{\"time\":6,\"op\":\"unlink\",\"pid\":40,\"path\":\"/w/b\"" INO(9) "}\n"
		 "{\"time\":7,\"op\":\"write\",\"pid\":42,\"path\":\"/w/c\"" INO(9) "}\n"
		 "{\"time\":8,\"op\":\"read\",\"pid\":43,\"path\":\"%s\"}\n",
		 fp, fp, fp, fp);
	build(log);
	f = file_at("/w/a", 0);
	ck_assert_uint_ne(f, 0);
	ck_assert_uint_eq(file_at("/w/b", 0), f);
	ck_assert_uint_eq(file_at(fp, 0), 0);   /* never a label */
	ck_assert_uint_eq(fname(fp), 0);        /* never a filename */
	/* The data moved through the descriptor all the same. */
	ck_assert_int_ge(find_ev(0, BT_OP_WRITE, proc(40, 0), f), 0);
	ck_assert_int_ge(find_ev(0, BT_OP_READ, f, proc(41, 0)), 0);
	/* Real names gone: inode 9 again is a new file. */
	ck_assert_uint_ne(file_at("/w/c", 0), f);
	ck_assert_uint_eq(count_kind(BT_REC_FILE), 2);
	/* A descriptor path without an inode names nothing: no event. */
	for (i = 0; i < M.nev; i++)
		ck_assert_uint_ne(M.ev[i].effect, proc(43, 0));
}
END_TEST

START_TEST(fd_path_recognition)
{
	/* Names that only look like descriptors are names. */
	build("{\"time\":1,\"op\":\"write\",\"pid\":1,\"path\":\"/proc/self/fdinfo/3\"}\n"
	      "{\"time\":2,\"op\":\"write\",\"pid\":1,\"path\":\"/proc/12x/fd/3\"}\n"
	      "{\"time\":3,\"op\":\"write\",\"pid\":1,\"path\":\"/dev/fdx\"}\n"
	      "{\"time\":4,\"op\":\"write\",\"pid\":1,\"path\":\"/home/proc/self/fd/3\"}\n"
	      "{\"time\":5,\"op\":\"write\",\"pid\":1,\"path\":\"/proc/1/task/x/fd/3\"}\n"
	      "{\"time\":6,\"op\":\"write\",\"pid\":1,\"path\":\"/proc/1/fd/pipe:[7]\"}\n"
	      "{\"time\":7,\"op\":\"write\",\"pid\":1,\"path\":\"/dev/fd/x\"}\n"
	      "{\"time\":8,\"op\":\"write\",\"pid\":1,\"path\":\"/proc/1/fd/3x\"}\n"
	      "{\"time\":9,\"op\":\"write\",\"pid\":1,\"path\":\"/proc/1/fd/3/f\"}\n");
	ck_assert_uint_eq(count_kind(BT_REC_FILE), 8);
	ck_assert_uint_ne(file_at("/proc/self/fdinfo/3", 0), 0);
	ck_assert_uint_ne(file_at("/home/proc/self/fd/3", 0), 0);
}
END_TEST

/* A symlink: its own file, written by its creator, under a modified name.
 * Reads through it (the source gives the target's inode) look the name up
 * and read the target; the name keeps naming the link. */
START_TEST(symlink_links_creator)
{
	struct bt_result *r;
	uint32_t l, s, fn;

	gbuild("{\"time\":1,\"op\":\"write\",\"pid\":49,\"path\":\"/w/s.txt\"" INO(10) "}\n"
	       "{\"time\":2,\"op\":\"symlink\",\"pid\":50,\"path\":\"/w/l\","
	       "\"target\":\"s.txt\"" INO(11) "}\n"
	       "{\"time\":3,\"op\":\"read\",\"pid\":51,\"path\":\"/w/l\"" INO(10) "}\n"
	       "{\"time\":4,\"op\":\"write\",\"pid\":51,\"path\":\"/w/o1\"" INO(12) "}\n"
	       "{\"time\":5,\"op\":\"symlink\",\"pid\":52,\"path\":\"/w/l2\","
	       "\"target\":\"/w/s.txt\"}\n");
	l = file_at("/w/l", 0);
	s = file_at("/w/s.txt", 0);
	fn = fname("/w/l");
	ck_assert_uint_ne(l, 0);
	ck_assert_uint_ne(l, s);
	ck_assert_uint_eq(file_at("/w/l", 1), 0);       /* not relabelled */
	ck_assert_int_ge(find_ev(0, BT_OP_SYMLINK, proc(50, 0), fn), 0);
	ck_assert_int_ge(find_ev(0, BT_OP_WRITE, proc(50, 0), l), 0);
	ck_assert_int_ge(find_ev(0, BT_OP_LOOKUP, fn, proc(51, 0)), 0);
	ck_assert_int_ge(find_ev(0, BT_OP_READ, s, proc(51, 0)), 0);
	/* Without an inode the link is a synthetic file. */
	ck_assert_uint_eq(M.obj[file_at("/w/l2", 0)].c, BT_FILEF_SYNTH);
	r = gwalk(BT_BACKWARD, "file:/w/l");
	ck_assert(has_proc(r, 50));
	bt_result_free(r);
	r = gwalk(BT_BACKWARD, "file:/w/o1");
	ck_assert(has_file(r, "/w/s.txt"));
	ck_assert(has_proc(r, 50));             /* through the name */
	bt_result_free(r);
}
END_TEST

/* Without inodes, a read through a link the log saw made reads the file at
 * its target (relative to the link's directory, through "..", and link
 * after link); the names on the way are looked up.  Rename and unlink act
 * on the link itself. */
START_TEST(symlink_followed_without_inodes)
{
	struct bt_result *r;
	uint32_t s, l, q;

	gbuild("{\"time\":1,\"op\":\"write\",\"pid\":49,\"path\":\"/w/d/s.txt\"}\n"
	       "{\"time\":2,\"op\":\"symlink\",\"pid\":50,\"path\":\"/w/e/l\","
	       "\"target\":\"../d/./s.txt\"}\n"
	       "{\"time\":3,\"op\":\"symlink\",\"pid\":50,\"path\":\"/w/l2\","
	       "\"target\":\"e//l\"}\n"
	       "{\"time\":4,\"op\":\"read\",\"pid\":51,\"path\":\"/w/l2\"}\n"
	       "{\"time\":5,\"op\":\"write\",\"pid\":51,\"path\":\"/w/o1\"}\n"
	       "{\"time\":6,\"op\":\"rename\",\"pid\":52,\"path\":\"/w/e/l\","
	       "\"new_path\":\"/w/e/m\"}\n"
	       "{\"time\":7,\"op\":\"symlink\",\"pid\":53,\"path\":\"/w/loop\","
	       "\"target\":\"/w/loop\"}\n"
	       "{\"time\":8,\"op\":\"read\",\"pid\":54,\"path\":\"/w/loop\"}\n"
	       "{\"time\":9,\"op\":\"symlink\",\"pid\":55,\"path\":\"/w/up\","
	       "\"target\":\"../../../../d/s.txt\"}\n"
	       "{\"time\":10,\"op\":\"read\",\"pid\":55,\"path\":\"/w/up\"}\n");
	s = file_at("/w/d/s.txt", 0);
	l = file_at("/w/e/l", 0);
	q = proc(51, 0);
	ck_assert_uint_ne(s, 0);
	ck_assert_uint_ne(l, s);
	ck_assert_int_ge(find_ev(0, BT_OP_READ, s, q), 0);
	ck_assert_int_lt(find_ev(0, BT_OP_READ, l, q), 0);
	ck_assert_int_ge(find_ev(0, BT_OP_LOOKUP, fname("/w/l2"), q), 0);
	/* The link's own file moved with the rename, as a link. */
	ck_assert_uint_eq(file_at("/w/e/m", 0), l);
	/* A loop ends: the read goes to the link's file, no hang. */
	ck_assert_int_ge(find_op(0, BT_OP_READ), 0);
	/* ".." above / stays at /. */
	ck_assert_uint_ne(file_at("/d/s.txt", 0), 0);
	r = gwalk(BT_BACKWARD, "file:/w/o1");
	ck_assert(has_proc(r, 49));             /* the target's writer */
	ck_assert(has_proc(r, 50));             /* the links' maker */
	bt_result_free(r);
}
END_TEST

START_TEST(chmod_chown_change_the_file)
{
	struct bt_result *r;
	uint32_t f;
	int i;

	gbuild("{\"time\":1,\"op\":\"write\",\"pid\":60,\"path\":\"/w/run.sh\"}\n"
	       "{\"time\":2,\"op\":\"chmod\",\"pid\":61,\"path\":\"/w/run.sh\","
	       "\"mode\":\"0755\"}\n"
	       "{\"time\":3,\"op\":\"chown\",\"pid\":62,\"path\":\"/w/run.sh\","
	       "\"owner\":0}\n"
	       "{\"time\":4,\"op\":\"chmod\",\"pid\":61,\"path\":\"/w/run.sh\"}\n"
	       "{\"time\":5,\"op\":\"exec\",\"pid\":63,\"path\":\"/w/run.sh\"}\n");
	f = file_at("/w/run.sh", 0);
	i = find_ev(0, BT_OP_CHMOD, proc(61, 0), f);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(M.ev[i].aux, 0755);
	i = find_ev((unsigned)i + 1, BT_OP_CHMOD, proc(61, 0), f);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(M.ev[i].aux, UINT32_MAX);     /* unknown mode */
	ck_assert_int_ge(find_ev(0, BT_OP_CHOWN, proc(62, 0), f), 0);
	ck_assert_uint_eq(count_kind(BT_REC_FILE), 1);
	r = gwalk(BT_BACKWARD, "proc:63");
	ck_assert(has_proc(r, 60));
	ck_assert(has_proc(r, 61));
	ck_assert(has_proc(r, 62));
	bt_result_free(r);
}
END_TEST

/* Process injection: what a process does after another wrote into its
 * memory may carry what the writer had; what it did before may not. */
START_TEST(mem_write_makes_the_target_depend_on_the_writer)
{
	struct bt_result *r;
	int i;

	gbuild("{\"time\":1,\"op\":\"fork\",\"pid\":10,\"child\":11}\n"
	       "{\"time\":2,\"op\":\"read\",\"pid\":20,\"path\":\"/w/secret\"}\n"
	       "{\"time\":3,\"op\":\"write\",\"pid\":11,\"path\":\"/w/before\"}\n"
	       "{\"time\":4,\"op\":\"mem_write\",\"pid\":20,\"peer\":11,"
	       "\"bytes\":13}\n"
	       "{\"time\":5,\"op\":\"write\",\"pid\":11,\"path\":\"/w/vout\"}\n");
	i = find_ev(0, BT_OP_MEM_WRITE, proc(20, 0), proc(11, 0));
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(M.ev[i].aux, 13);
	ck_assert_uint_eq(count_kind(BT_REC_PROCESS), 3);  /* no new 11 */
	r = gwalk(BT_BACKWARD, "file:/w/vout");
	ck_assert(has_proc(r, 20));
	ck_assert(has_file(r, "/w/secret"));
	bt_result_free(r);
	r = gwalk(BT_BACKWARD, "file:/w/before");
	ck_assert(!has_proc(r, 20));
	ck_assert(!has_file(r, "/w/secret"));
	bt_result_free(r);
	r = gwalk(BT_FORWARD, "file:/w/secret");
	ck_assert(has_proc(r, 11));
	ck_assert(has_file(r, "/w/vout"));
	ck_assert(!has_file(r, "/w/before"));
	bt_result_free(r);
}
END_TEST

/* A reader of another's memory depends on it (process_vm_readv, PEEK);
 * the target does not depend on the reader. */
START_TEST(mem_read_makes_the_reader_depend_on_the_target)
{
	struct bt_result *r;

	gbuild("{\"time\":1,\"op\":\"read\",\"pid\":11,\"path\":\"/w/secret\"}\n"
	       "{\"time\":2,\"op\":\"read\",\"pid\":30,\"path\":\"/w/tool\"}\n"
	       "{\"time\":3,\"op\":\"mem_read\",\"pid\":30,\"peer\":11}\n"
	       "{\"time\":4,\"op\":\"write\",\"pid\":30,\"path\":\"/w/loot\"}\n"
	       "{\"time\":5,\"op\":\"write\",\"pid\":11,\"path\":\"/w/out\"}\n");
	ck_assert_int_ge(find_ev(0, BT_OP_MEM_READ, proc(11, 0), proc(30, 0)),
			 0);
	r = gwalk(BT_BACKWARD, "file:/w/loot");
	ck_assert(has_file(r, "/w/secret"));
	bt_result_free(r);
	r = gwalk(BT_BACKWARD, "file:/w/out");
	ck_assert(!has_file(r, "/w/tool"));
	bt_result_free(r);
}
END_TEST

/* /proc/PID/mem read or written is that process's memory, by path or by
 * the inode a descriptor of it has; /proc/self/mem and one's own pid are
 * no dependency; names that only look alike are files. */
START_TEST(proc_mem_paths_are_process_memory)
{
	uint32_t v, w;
	int i;

	build("{\"time\":1,\"op\":\"fork\",\"pid\":10,\"child\":11}\n"
	      "{\"time\":2,\"op\":\"write\",\"pid\":20,\"path\":\"/proc/11/mem\","
	      "\"bytes\":5}\n"
	      "{\"time\":3,\"op\":\"read\",\"pid\":20,"
	      "\"path\":\"/proc/11/task/12/mem\"}\n"
	      "{\"time\":4,\"op\":\"write\",\"pid\":20,\"path\":\"/proc/self/mem\"}\n"
	      "{\"time\":5,\"op\":\"write\",\"pid\":20,\"path\":\"/proc/20/mem\"}\n"
	      "{\"time\":6,\"op\":\"write\",\"pid\":20,\"path\":\"/proc/11/memx\"}\n"
	      "{\"time\":7,\"op\":\"write\",\"pid\":20,"
	      "\"path\":\"/proc/99999999999/mem\"}\n"
	      "{\"time\":8,\"op\":\"open\",\"pid\":21,\"path\":\"/proc/11/mem\","
	      "\"dev\":5,\"inode\":77}\n"
	      "{\"time\":9,\"op\":\"write\",\"pid\":21,\"dev\":5,\"inode\":77}\n");
	v = proc(11, 0);
	w = proc(20, 0);
	ck_assert_uint_ne(v, 0);
	i = find_ev(0, BT_OP_MEM_WRITE, w, v);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(M.ev[i].aux, 5);
	ck_assert_int_ge(find_ev(0, BT_OP_MEM_READ, v, w), 0);
	ck_assert_int_ge(find_ev(0, BT_OP_MEM_WRITE, proc(21, 0), v), 0);
	/* the two MEM_WRITEs, the MEM_READ; the look-alikes are writes */
	ck_assert_int_lt(find_ev((unsigned)i + 1, BT_OP_MEM_WRITE, w, w), 0);
	ck_assert_uint_eq(file_at("/proc/self/mem", 0), 0);
	ck_assert_uint_eq(file_at("/proc/20/mem", 0), 0);
	ck_assert_uint_ne(file_at("/proc/11/memx", 0), 0);
	ck_assert_uint_ne(file_at("/proc/99999999999/mem", 0), 0);
	ck_assert_uint_eq(proc(12, 0), 0);      /* a thread: its process */
	i = find_op(0, BT_OP_WRITE);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(M.ev[i].effect, file_at("/proc/11/memx", 0));
}
END_TEST

/* The target of a memory write is the live process of that pid, or with
 * peer_start the one that started then; one never seen is made. */
START_TEST(mem_peer_identity)
{
	build("{\"time\":1,\"op\":\"fork\",\"pid\":10,\"child\":11}\n"
	      "{\"time\":2,\"op\":\"mem_write\",\"pid\":20,\"peer\":11,"
	      "\"peer_start\":1}\n"
	      "{\"time\":3,\"op\":\"mem_write\",\"pid\":20,\"peer\":11}\n"
	      "{\"time\":4,\"op\":\"mem_write\",\"pid\":20,\"peer\":42}\n"
	      "{\"time\":5,\"op\":\"mem_write\",\"pid\":20,\"peer\":11,"
	      "\"peer_start\":3}\n"
	      "{\"time\":6,\"op\":\"mem_read\",\"pid\":20,\"peer\":20}\n");
	ck_assert_int_ge(find_ev(0, BT_OP_MEM_WRITE, proc(20, 0), proc(11, 0)),
			 0);
	ck_assert_uint_eq(M.obj[proc(42, 0)].b, 4);     /* first seen */
	/* another start: another process of pid 11 */
	ck_assert_uint_ne(proc(11, 1), 0);
	ck_assert_uint_eq(M.obj[proc(11, 1)].b, 3);
	ck_assert_int_ge(find_ev(0, BT_OP_MEM_WRITE, proc(20, 0), proc(11, 1)),
			 0);
	ck_assert_int_lt(find_op(0, BT_OP_MEM_READ), 0); /* itself */
	ck_assert_uint_eq(M.nev, 5);    /* fork + four mem_writes */
}
END_TEST

/* A target first met through a memory write of a source that does not
 * know its start (eBPF, auditd) is the process its own later observations
 * name with a start not after that write; one started after it is
 * another process (the pid was reused). */
START_TEST(mem_peer_start_unknown_then_known)
{
	struct bt_log_writer *w;
	struct bt_ingest *ing;
	struct bt_obs o;
	const char *p = tu_path("ms.btl");

	ck_assert_int_eq(bt_log_writer_open(&w, p, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	ck_assert_int_eq(bt_ingest_new(&ing, w), 0);
	bt_obs_init(&o);
	o.time = 5;
	o.op = BT_RAW_MEM_WRITE;
	o.pid = 20;
	o.peer = 11;
	ck_assert_int_eq(bt_ingest_add(ing, &o), 0);
	bt_obs_init(&o);
	o.time = 6;
	o.op = BT_RAW_WRITE;
	o.pid = 11;
	o.start = 3;                    /* before the injection: the same */
	o.path = "/w/v";
	ck_assert_int_eq(bt_ingest_add(ing, &o), 0);
	bt_obs_init(&o);
	o.time = 7;
	o.op = BT_RAW_MEM_WRITE;
	o.pid = 20;
	o.peer = 12;
	ck_assert_int_eq(bt_ingest_add(ing, &o), 0);
	bt_obs_init(&o);
	o.time = 9;
	o.op = BT_RAW_WRITE;
	o.pid = 12;
	o.start = 8;                    /* after it: pid 12 reused */
	o.path = "/w/x";
	ck_assert_int_eq(bt_ingest_add(ing, &o), 0);
	bt_obs_init(&o);
	o.time = 10;
	o.op = BT_RAW_MEM_WRITE;
	o.pid = 20;
	o.peer = 11;
	o.peer_start = 3;
	ck_assert_int_eq(bt_ingest_add(ing, &o), 0);
	bt_ingest_free(ing);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	load(p);
	ck_assert_uint_eq(proc(11, 1), 0);
	ck_assert_int_ge(find_ev(0, BT_OP_WRITE, proc(11, 0),
				 file_at("/w/v", 0)), 0);
	ck_assert_int_ge(find_ev(0, BT_OP_MEM_WRITE, proc(20, 0),
				 proc(11, 0)), 0);
	ck_assert_int_ge(find_ev(3, BT_OP_MEM_WRITE, proc(20, 0),
				 proc(11, 0)), 0);
	ck_assert_uint_ne(proc(12, 1), 0);
	ck_assert_int_ge(find_ev(0, BT_OP_MEM_WRITE, proc(20, 0),
				 proc(12, 0)), 0);
	ck_assert_int_ge(find_ev(0, BT_OP_WRITE, proc(12, 1),
				 file_at("/w/x", 0)), 0);
	ck_assert_int_lt(find_ev(0, BT_OP_WRITE, proc(12, 0),
				 file_at("/w/x", 0)), 0);
}
END_TEST

static const char *cred_of(uint32_t obj, unsigned nth)
{
	unsigned i;

	for (i = 0; i < M.nlab; i++)
		if (M.lab[i].obj == obj && M.lab[i].key == BT_LABEL_CRED &&
		    nth-- == 0)
			return M.lab[i].v;
	return NULL;
}

START_TEST(credentials)
{
	uint32_t p, c, q, s;

	build(/* first seen with full credentials: one label */
	      "{\"time\":1,\"op\":\"read\",\"pid\":70,\"path\":\"/a\","
	      "\"uid\":1000,\"euid\":1000,\"gid\":100,\"egid\":100}\n"
	      /* same again: nothing */
	      "{\"time\":2,\"op\":\"read\",\"pid\":70,\"path\":\"/a\","
	      "\"uid\":1000,\"euid\":1000,\"gid\":100,\"egid\":100}\n"
	      /* a child inherits them: no label */
	      "{\"time\":3,\"op\":\"fork\",\"pid\":70,\"child\":71,"
	      "\"uid\":1000}\n"
	      "{\"time\":4,\"op\":\"read\",\"pid\":71,\"path\":\"/a\","
	      "\"uid\":1000,\"euid\":1000,\"gid\":100,\"egid\":100}\n"
	      /* setuid binary: euid 0 from the exec on */
	      "{\"time\":5,\"op\":\"exec\",\"pid\":71,\"path\":\"/bin/su\","
	      "\"uid\":1000,\"euid\":0,\"gid\":100,\"egid\":100}\n"
	      /* setresuid(0, 0, 0) */
	      "{\"time\":6,\"op\":\"setid\",\"pid\":71,\"uid\":0,\"euid\":0}\n"
	      /* uid only, as the record has it: no label */
	      "{\"time\":7,\"op\":\"read\",\"pid\":72,\"path\":\"/a\","
	      "\"uid\":33}\n"
	      "{\"time\":8,\"op\":\"read\",\"pid\":72,\"path\":\"/a\"}\n"
	      /* unknown first, known later */
	      "{\"time\":9,\"op\":\"read\",\"pid\":73,\"path\":\"/a\"}\n"
	      "{\"time\":10,\"op\":\"setid\",\"pid\":73,\"egid\":5}\n");
	p = proc(70, 0);
	c = proc(71, 0);
	q = proc(72, 0);
	s = proc(73, 0);
	ck_assert_uint_eq(count_labels(p, BT_LABEL_CRED), 1);
	ck_assert_str_eq(cred_of(p, 0), "uid=1000 euid=1000 gid=100 egid=100");
	ck_assert_uint_eq(count_labels(c, BT_LABEL_CRED), 2);
	ck_assert_str_eq(cred_of(c, 0), "uid=1000 euid=0 gid=100 egid=100");
	ck_assert_str_eq(cred_of(c, 1), "uid=0 euid=0 gid=100 egid=100");
	ck_assert_uint_eq(count_labels(q, BT_LABEL_CRED), 0);
	ck_assert_str_eq(cred_of(s, 0), "egid=5");
	/* The process record's uid: the first known. */
	{
		struct bt_log *log;
		struct bt_log_iter it;
		const struct bt_rec_head *h;
		unsigned seen = 0;

		ck_assert_int_eq(bt_log_open(&log, tu_path("t.btl")), 0);
		bt_log_iter_init(&it, log);
		while (bt_log_next(&it, &h) == 1) {
			const struct bt_rec_process *pr = (const void *)h;

			if (h->type != BT_REC_PROCESS)
				continue;
			if (pr->pid < 70 || pr->pid > 73)
				continue;
			ck_assert_uint_eq(pr->uid, pr->pid <= 71 ? 1000 :
					  pr->pid == 72 ? 33 : UINT32_MAX);
			seen++;
		}
		ck_assert_uint_eq(seen, 4);
		bt_log_iter_release(&it);
		bt_log_close(log);
	}
	/* Label times: when the change was seen. */
	{
		unsigned i;

		for (i = 0; i < M.nlab; i++)
			if (M.lab[i].obj == s && M.lab[i].key == BT_LABEL_CRED)
				ck_assert_uint_eq(M.lab[i].len, 6);
	}
}
END_TEST

/* cat secret | gzip -c > out.gz: the pipe is a file the data moves
 * through; a new pipe on a reused pipefs inode is a new object. */
START_TEST(pipes_carry_data)
{
	struct bt_result *r;
	uint32_t pf;

	gbuild("{\"time\":1,\"op\":\"pipe\",\"pid\":80,\"dev\":12,\"inode\":900}\n"
	       "{\"time\":2,\"op\":\"fork\",\"pid\":80,\"child\":81}\n"
	       "{\"time\":3,\"op\":\"fork\",\"pid\":80,\"child\":82}\n"
	       "{\"time\":4,\"op\":\"read\",\"pid\":81,\"path\":\"/w/secret\"}\n"
	       "{\"time\":5,\"op\":\"write\",\"pid\":81,\"dev\":12,\"inode\":900}\n"
	       "{\"time\":6,\"op\":\"read\",\"pid\":82,\"dev\":12,\"inode\":900}\n"
	       "{\"time\":7,\"op\":\"write\",\"pid\":82,\"path\":\"/w/out.gz\"}\n"
	       "{\"time\":8,\"op\":\"pipe\",\"pid\":80,\"dev\":12,\"inode\":900}\n"
	       "{\"time\":9,\"op\":\"write\",\"pid\":83,\"dev\":12,\"inode\":900}\n"
	       /* a socketpair end seen first on a read, by name */
	       "{\"time\":10,\"op\":\"read\",\"pid\":84,\"path\":\"socket:[5]\","
	       "\"kind\":\"socketpair\"}\n");
	pf = M.ev[find_op(0, BT_OP_WRITE)].effect;
	ck_assert_uint_eq(M.obj[pf].c, BT_FILEF_PIPE);
	ck_assert_uint_eq(M.obj[pf].b, 900);
	ck_assert_int_ge(find_ev(0, BT_OP_READ, pf, proc(82, 0)), 0);
	r = gwalk(BT_BACKWARD, "file:/w/out.gz");
	ck_assert(has_file(r, "/w/secret"));
	ck_assert(has_proc(r, 81));
	ck_assert(!has_proc(r, 83));            /* the later pipe's writer */
	bt_result_free(r);
	ck_assert_int_lt(find_ev(0, BT_OP_WRITE, proc(83, 0), pf), 0);
	ck_assert_uint_eq(count_kind(BT_REC_FILE), 5);
	ck_assert_uint_eq(M.obj[file_at("socket:[5]", 0)].c,
			  BT_FILEF_PIPE | BT_FILEF_SYNTH);
}
END_TEST

/* mkdir("/w/d/") and rmdir("/w/d"): one name. */
START_TEST(directories)
{
	uint32_t p;

	build("{\"time\":1,\"op\":\"create\",\"pid\":90,\"path\":\"/w/d/\"}\n"
	      "{\"time\":2,\"op\":\"create\",\"pid\":90,\"path\":\"/w/d/f\"}\n"
	      "{\"time\":3,\"op\":\"unlink\",\"pid\":90,\"path\":\"/w/d/f\"}\n"
	      "{\"time\":4,\"op\":\"unlink\",\"pid\":90,\"path\":\"/w/d\"}\n"
	      "{\"time\":5,\"op\":\"create\",\"pid\":90,\"path\":\"/\"}\n");
	p = proc(90, 0);
	ck_assert_uint_ne(fname("/w/d"), 0);
	ck_assert_uint_eq(fname("/w/d/"), 0);
	ck_assert_int_ge(find_ev(0, BT_OP_CREATE, p, fname("/w/d")), 0);
	ck_assert_int_ge(find_ev(0, BT_OP_UNLINK, p, fname("/w/d")), 0);
	ck_assert_uint_ne(fname("/"), 0);
	ck_assert_uint_eq(count_kind(BT_REC_FILENAME), 3);
}
END_TEST

/*
 * A full disk (here: the file size limit) in the middle of an observation:
 * ingest rolls the writer back to the last commit and refuses what
 * follows, so even a close after the error never publishes half an
 * observation.  Each observation here is a new process exec'ing a new
 * file with a long argv: process, file, PATH label, exec, EXE and ARGV
 * labels, the ARGV label last and largest.
 */
START_TEST(full_disk_rolls_back)
{
	struct bt_log_writer *w;
	struct bt_ingest *ing;
	struct bt_ingest_stats st;
	struct bt_obs o;
	struct rlimit rl;
	static char arg[3000];
	const char *argv[2] = { "x", arg };
	char path[64];
	uint64_t committed = 0, size;
	unsigned i, procs = 0, execs = 0, argvs = 0;
	int r = 0;

	signal(SIGXFSZ, SIG_IGN);
	memset(arg, 'a', sizeof(arg) - 1);
	ck_assert_int_eq(bt_log_writer_open(&w, tu_path("full.btl"),
					    BT_LOGW_CREATE), 0);
	ck_assert_int_eq(bt_ingest_new(&ing, w), 0);
	/* The writer preallocates 1 MiB: the next growth fails. */
	rl.rlim_cur = rl.rlim_max = 1 << 20;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	bt_obs_init(&o);
	o.op = BT_RAW_EXEC;
	o.argv = argv;
	o.argc = 2;
	o.path = path;
	for (i = 1; i < 10000; i++) {
		o.time = i;
		o.pid = i;
		snprintf(path, sizeof(path), "/bin/p%u", i);
		size = bt_log_writer_size(w);
		r = bt_ingest_add(ing, &o);
		if (r)
			break;
		committed = bt_log_writer_size(w);
		ck_assert_uint_gt(committed, size);
	}
	ck_assert_int_eq(r, BT_EIO);
	ck_assert_msg(strstr(bt_error_msg(), "cannot grow"), "%s",
		      bt_error_msg());
	ck_assert_uint_eq(bt_log_writer_size(w), committed);
	/* Poisoned: the next observation is refused with the same error,
	 * even a small one that would fit. */
	o.op = BT_RAW_EXIT;
	ck_assert_int_eq(bt_ingest_add(ing, &o), BT_EIO);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "stopped"));
	ck_assert_uint_eq(bt_log_writer_size(w), committed);
	bt_ingest_stats(ing, &st);
	ck_assert_uint_eq(st.observations, i - 1);
	bt_ingest_free(ing);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	/* Every observation in the log is whole. */
	load(tu_path("full.btl"));
	procs = count_kind(BT_REC_PROCESS);
	execs = count_op(BT_OP_EXEC);
	for (i = 0; i < M.nlab; i++)
		argvs += M.lab[i].key == BT_LABEL_ARGV;
	ck_assert_uint_gt(procs, 100);
	ck_assert_uint_eq(procs, st.observations);
	ck_assert_uint_eq(execs, procs);
	ck_assert_uint_eq(argvs, procs);
	ck_assert_uint_eq(count_kind(BT_REC_FILE), procs);
}
END_TEST

static void cg_obs(struct bt_ingest *ing, uint64_t time, unsigned op,
		   uint32_t pid, uint32_t child, const char *cgroup)
{
	struct bt_obs o;

	bt_obs_init(&o);
	o.time = time;
	o.op = op;
	o.pid = pid;
	o.child = child;
	o.path = op == BT_RAW_FORK ? NULL : "/bin/sh";
	o.cgroup = cgroup;
	ck_assert_msg(bt_ingest_add(ing, &o) == 0, "%s", bt_error_msg());
}

static const char *label_val(uint32_t obj, uint32_t key, unsigned nth)
{
	unsigned i;

	for (i = 0; i < M.nlab; i++)
		if (M.lab[i].obj == obj && M.lab[i].key == key && !nth--)
			return M.lab[i].v;
	return NULL;
}

/* A process's cgroup (issue 9 "Context") is a label when it changes, like
 * comm: the same cgroup again adds none, none (NULL, "") adds none, a
 * forked child gets its parent's, a move is a second label. */
START_TEST(cgroup_label)
{
	const char *p = tu_path("cg.btl");
	const char *dk = "/system.slice/docker-0123456789abcdef0123456789abcdef"
			 "0123456789abcdef0123456789abcdef.scope";
	struct bt_log_writer *w;
	struct bt_ingest *ing;
	uint32_t parent, child;

	ck_assert_int_eq(bt_log_writer_open(&w, p, BT_LOGW_CREATE), 0);
	ck_assert_int_eq(bt_ingest_new(&ing, w), 0);
	cg_obs(ing, 10, BT_RAW_EXEC, 10, 0, "/user.slice");
	cg_obs(ing, 20, BT_RAW_EXEC, 10, 0, "/user.slice");
	cg_obs(ing, 25, BT_RAW_READ, 10, 0, NULL);
	cg_obs(ing, 26, BT_RAW_READ, 10, 0, "");
	cg_obs(ing, 30, BT_RAW_FORK, 10, 11, "/user.slice");
	cg_obs(ing, 40, BT_RAW_EXEC, 11, 0, dk);
	cg_obs(ing, 50, BT_RAW_EXEC, 11, 0, dk);
	bt_ingest_free(ing);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	load(p);
	parent = proc(10, 0);
	child = proc(11, 0);
	ck_assert_uint_eq(count_labels(parent, BT_LABEL_CGROUP), 1);
	ck_assert_str_eq(label_val(parent, BT_LABEL_CGROUP, 0), "/user.slice");
	ck_assert_uint_eq(count_labels(child, BT_LABEL_CGROUP), 2);
	ck_assert_str_eq(label_val(child, BT_LABEL_CGROUP, 0), "/user.slice");
	ck_assert_str_eq(label_val(child, BT_LABEL_CGROUP, 1), dk);
}
END_TEST

/* A rejected observation (checked before anything is appended) does not
 * stop ingest; strings past the bound are refused before the writer
 * sees them. */
START_TEST(rejection_does_not_poison)
{
	struct bt_log_writer *w;
	struct bt_ingest *ing;
	struct bt_obs o;
	char *big = malloc((1 << 20) + 2);
	uint64_t size;

	ck_assert_ptr_nonnull(big);
	memset(big, 'a', (1 << 20) + 1);
	big[0] = '/';
	big[(1 << 20) + 1] = '\0';
	ck_assert_int_eq(bt_log_writer_open(&w, tu_path("p.btl"),
					    BT_LOGW_CREATE), 0);
	ck_assert_int_eq(bt_ingest_new(&ing, w), 0);
	size = bt_log_writer_size(w);
	bt_obs_init(&o);
	o.time = 1;
	o.pid = 1;
	o.op = BT_RAW_READ;
	o.path = big;
	ck_assert_int_eq(bt_ingest_add(ing, &o), BT_EINVAL);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "'path' longer"));
	o.path = "/a";
	o.comm = big;
	ck_assert_int_eq(bt_ingest_add(ing, &o), BT_EINVAL);
	o.comm = NULL;
	o.file_flags = 0x80;
	ck_assert_int_eq(bt_ingest_add(ing, &o), BT_EINVAL);
	o.file_flags = BT_FILEF_SYNTH;          /* ingest's own, not a source's */
	ck_assert_int_eq(bt_ingest_add(ing, &o), BT_EINVAL);
	o.file_flags = 0;
	o.op = BT_RAW_SYMLINK;                  /* no target */
	ck_assert_int_eq(bt_ingest_add(ing, &o), BT_EINVAL);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "target"));
	o.op = BT_RAW_UNLINK;                   /* a name op needs a path */
	o.path = NULL;
	o.has_ino = true;
	ck_assert_int_eq(bt_ingest_add(ing, &o), BT_EINVAL);
	ck_assert_uint_eq(bt_log_writer_size(w), size);
	o.op = BT_RAW_READ;                     /* by inode alone: fine */
	ck_assert_int_eq(bt_ingest_add(ing, &o), 0);
	ck_assert_uint_gt(bt_log_writer_size(w), size);
	bt_ingest_free(ing);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	free(big);
}
END_TEST

/* ==== fidelity2 helper's cases ========================================== */

/*
 * link(2) resolves its old name: a lookup filename(old) -> process, as an
 * open's (SPADE's link test: "link (read)" of the old name).  Through
 * /proc/self/fd/N there is no old name: the file is the descriptor's, and
 * no lookup.
 */
START_TEST(link_looks_up_the_old_name)
{
	uint32_t p;

	build("{\"time\":1,\"op\":\"create\",\"pid\":10,\"path\":\"/w/a\","
	      "\"dev\":8,\"inode\":5}\n"
	      "{\"time\":2,\"op\":\"link\",\"pid\":20,\"path\":\"/w/a\","
	      "\"new_path\":\"/w/b\",\"dev\":8,\"inode\":5}\n"
	      "{\"time\":3,\"op\":\"create\",\"pid\":10,\"path\":\"/w/t\","
	      "\"dev\":8,\"inode\":6}\n"
	      "{\"time\":4,\"op\":\"link\",\"pid\":20,"
	      "\"path\":\"/proc/self/fd/3\",\"new_path\":\"/w/c\","
	      "\"dev\":8,\"inode\":6}\n");
	p = proc(20, 0);
	ck_assert_int_ge(find_ev(0, BT_OP_LOOKUP, fname("/w/a"), p), 0);
	ck_assert_int_ge(find_ev(0, BT_OP_LINK, p, fname("/w/b")), 0);
	ck_assert_uint_eq(file_at("/w/b", 0), file_at("/w/a", 0));
	ck_assert_int_ge(find_ev(0, BT_OP_LINK, p, fname("/w/c")), 0);
	ck_assert_uint_eq(file_at("/w/c", 0), file_at("/w/t", 0));
	/* one lookup: /w/a's; no name /proc/self/fd/3 */
	ck_assert_uint_eq(count_op(BT_OP_LOOKUP), 1);
	ck_assert_uint_eq(fname("/proc/self/fd/3"), 0);
}
END_TEST

static void fid_obs(struct bt_ingest *ing, uint64_t time, unsigned op,
		    uint32_t pid, const char *path, bool via_fd)
{
	struct bt_obs o;

	bt_obs_init(&o);
	o.time = time;
	o.op = op;
	o.pid = pid;
	o.path = path;
	o.has_ino = true;
	o.dev = 8;
	o.ino = 77;
	o.via_fd = via_fd;
	ck_assert_msg(bt_ingest_add(ing, &o) == 0, "%s", bt_error_msg());
}

/*
 * SPADE's dup2 test (cause C): open(t, O_CREAT) = 3, dup2(3, 1), close(3),
 * unlink(t) (its last name), then write(1): the write goes to the file
 * that was created, through the descriptor, not to a new file with the
 * same inode.  A later file created by NAME with that inode is another
 * file (inode reuse), and descriptor observations from then on are that
 * one.
 */
START_TEST(descriptor_keeps_an_unlinked_file)
{
	struct bt_log_writer *w;
	struct bt_ingest *ing;
	uint32_t t, u;

	ck_assert_int_eq(bt_log_writer_open(&w, tu_path("fd.btl"),
					    BT_LOGW_CREATE), 0);
	ck_assert_int_eq(bt_ingest_new(&ing, w), 0);
	fid_obs(ing, 1, BT_RAW_CREATE, 10, "/w/t", false);
	fid_obs(ing, 2, BT_RAW_UNLINK, 10, "/w/t", false);
	fid_obs(ing, 3, BT_RAW_WRITE, 10, NULL, true);
	/* the recorder names the descriptor's open-time path: still it */
	fid_obs(ing, 4, BT_RAW_WRITE, 10, "/w/t", true);
	/* a new file by name reuses inode 77 */
	fid_obs(ing, 5, BT_RAW_CREATE, 20, "/w/u", false);
	fid_obs(ing, 6, BT_RAW_WRITE, 20, NULL, true);
	bt_ingest_free(ing);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	load(tu_path("fd.btl"));
	t = file_at("/w/t", 0);
	u = file_at("/w/u", 0);
	ck_assert_uint_ne(t, 0);
	ck_assert_uint_ne(u, 0);
	ck_assert_uint_ne(t, u);
	ck_assert_uint_eq(count_kind(BT_REC_FILE), 2);
	ck_assert_int_ge(find_ev(0, BT_OP_WRITE, proc(10, 0), t), 0);
	ck_assert_int_lt(find_ev(0, BT_OP_WRITE, proc(10, 0), u), 0);
	ck_assert_int_ge(find_ev(0, BT_OP_WRITE, proc(20, 0), u), 0);
	/* the unlinked name is not looked up through the descriptor */
	ck_assert_uint_eq(count_op(BT_OP_LOOKUP), 0);
}
END_TEST

/* A named observation of a nameless inode is a new file even when a
 * descriptor observation came first. */
START_TEST(name_after_unlink_is_a_new_file)
{
	struct bt_log_writer *w;
	struct bt_ingest *ing;

	ck_assert_int_eq(bt_log_writer_open(&w, tu_path("fn.btl"),
					    BT_LOGW_CREATE), 0);
	ck_assert_int_eq(bt_ingest_new(&ing, w), 0);
	fid_obs(ing, 1, BT_RAW_CREATE, 10, "/w/t", false);
	fid_obs(ing, 2, BT_RAW_UNLINK, 10, "/w/t", false);
	fid_obs(ing, 3, BT_RAW_READ, 10, NULL, true);
	fid_obs(ing, 4, BT_RAW_READ, 20, "/w/v", false);
	bt_ingest_free(ing);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	load(tu_path("fn.btl"));
	ck_assert_uint_eq(count_kind(BT_REC_FILE), 2);
	ck_assert_uint_ne(file_at("/w/v", 0), file_at("/w/t", 0));
	ck_assert_int_ge(find_ev(0, BT_OP_READ, file_at("/w/t", 0),
				 proc(10, 0)), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ingest");
	SRunner *sr;
	TCase *tc;
	int failed;

#define T(fn) do { tc = tcase_create(#fn); tcase_add_test(tc, fn); \
		   tcase_set_timeout(tc, 120); suite_add_tcase(s, tc); } while (0)
	T(fork_creates_parent_and_child);
	T(pid_reuse_after_exit);
	T(start_time_separates_processes);
	T(rename_then_lookup);
	T(unmodified_name_adds_no_lookup);
	T(open_through_modified_name_looks_up);
	T(unlink_then_create_is_new_file);
	T(hard_link_by_dev_ino);
	T(inode_reuse_after_unlink_is_new_file);
	T(link_by_path);
	T(page_events_name_region);
	T(private_writable_mapping_is_read_only_dependency);
	T(exec_labels);
	T(endpoints);
	T(invalid_observation_leaves_log_unchanged);
	T(exit_of_unknown_process_is_ignored);
	T(raw_op_names);
	T(no_allocation_per_event);
#define TL(fn, n) do { tc = tcase_create(#fn); \
		       tcase_add_loop_test(tc, fn, 0, n); \
		       tcase_set_timeout(tc, 120); suite_add_tcase(s, tc); \
		  } while (0)
	TL(rename_keeps_the_file, 2);
	TL(atomic_replace, 2);
	TL(rename_exchange_swaps_two_files, 2);
	TL(rename_exchange_swaps_two_directories, 2);
	TL(read_through_a_descriptor_after_unlink, 2);
	TL(hard_link_outlives_a_name, 2);
	TL(directory_rename_moves_its_files, 2);
	TL(fd_paths_are_not_names, 6);
	T(fd_path_recognition);
	T(symlink_links_creator);
	T(symlink_followed_without_inodes);
	T(chmod_chown_change_the_file);
	T(credentials);
	T(pipes_carry_data);
	T(directories);
	T(full_disk_rolls_back);
	T(rejection_does_not_poison);
	T(cgroup_label);
	T(link_looks_up_the_old_name);
	T(descriptor_keeps_an_unlinked_file);
	T(name_after_unlink_is_a_new_file);
	T(mem_write_makes_the_target_depend_on_the_writer);
	T(mem_read_makes_the_reader_depend_on_the_target);
	T(proc_mem_paths_are_process_memory);
	T(mem_peer_identity);
	T(mem_peer_start_unknown_then_known);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
