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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/ingest.h"
#include "../core/log.h"
#include "testutil.h"

#define MAXOBJ 256
#define MAXEV 256
#define MAXLAB 256

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
		ck_assert_int_eq(bt_ingest_add(ing, &o), 0);
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
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
