/*
 * db.c - the case database, independent of its store (see db.h; users'
 * specification of the schema: man/btrack-db.5; the stores: db-sqlite.c
 * and db-pg.c behind struct bt_db_ops, db-int.h).
 *
 * Adding a log is two passes over it: the first validates every record
 * (bt_log_next()), counts, and keeps the path of every file numbered by an
 * importer (its identity); the log's name is a hash of its committed
 * bytes.  The second maps every object to its identity key (`ident`) and
 * hands the store one row per object, event, label and note, in log order;
 * the store answers each object with its database id (found or new), so
 * the mapping from the log's ids to the database's does not depend on the
 * store.  One transaction per log.
 *
 * It does not walk: bt_db_graph() (graph/dbgraph.c) builds the graph a
 * walk needs from the database.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../graph/channel.h"   /* bt_conn_match(): the one rule */
#include "db-int.h"
#include "error.h"
#include "hash.h"
#include "log.h"
#include "raw.h"        /* BT_PTY_IS */
#include "strbuf.h"
#include "timefmt.h"
#include "util.h"

const char *const bt_db_label_names[] = {
	[BT_LABEL_EXE] = "exe", [BT_LABEL_ARGV] = "argv",
	[BT_LABEL_COMM] = "comm", [BT_LABEL_PATH] = "path",
	[BT_LABEL_CRED] = "cred", [BT_LABEL_CGROUP] = "cgroup",
	[BT_LABEL_LOCAL] = "local",
};
const char *const bt_db_note_names[] = {
	[BT_NOTE_SOURCE] = "source", [BT_NOTE_DROPS] = "drops",
	[BT_NOTE_TEXT] = "text",
};

void bt_db_op_row(unsigned op, const char **name, const char **cause,
		  const char **effect)
{
	unsigned ck, ek;

	*name = bt_op_name(op);
	*cause = *effect = "";
	for (ck = BT_OBJ_PROCESS; ck <= BT_OBJ_ENDPOINT; ck++)
		for (ek = BT_OBJ_PROCESS; ek <= BT_OBJ_ENDPOINT; ek++)
			if (bt_op_kinds_ok(op, ck, ek)) {
				*cause = bt_kind_name(ck);
				*effect = bt_kind_name(ek);
			}
}

bool bt_db_aux_is_object(unsigned op)
{
	return op == BT_OP_PAGE_READ || op == BT_OP_PAGE_WRITE ||
	       op == BT_OP_MMAP_READ || op == BT_OP_MMAP_WRITE;
}

char *bt_db_id_list(const int64_t *ids, size_t n, char open, char close)
{
	char *p = malloc(n * 21 + 3);
	size_t i, k = 0;

	if (!p)
		return NULL;
	p[k++] = open;
	for (i = 0; i < n; i++)
		k += (size_t)sprintf(p + k, "%s%" PRId64, i ? "," : "",
				     ids[i]);
	p[k++] = close;
	p[k] = '\0';
	return p;
}

/* A URI, or a conninfo string: "keyword=value ..." starting with one of
 * libpq's usual keywords (a file of such a name is given as ./NAME). */
bool bt_db_is_pg(const char *name)
{
	static const char *const kw[] = {
		"host=", "hostaddr=", "dbname=", "user=", "port=",
		"service=", "password=", "sslmode=",
	};
	size_t i;

	if (!strncmp(name, "postgresql://", 13) ||
	    !strncmp(name, "postgres://", 11))
		return true;
	for (i = 0; i < BT_ARRAY_SIZE(kw); i++)
		if (!strncmp(name, kw[i], strlen(kw[i])))
			return true;
	return false;
}

/*
 * A version 1 database opened for writing.  Before version 2 an endpoint
 * was keyed by its remote address alone, also with a local address (one
 * end of one connection), so two connections to one server were one
 * object; version 2 keys such an end by (host, remote, local, log, id):
 * adding a log again (or the rest of a log that grew) to a database
 * holding merged ends would add its ends a second time.  The merged ends
 * cannot be split again (which events were whose is lost): without any,
 * the database is version 2 as it is; with some, writing is refused.
 */
static int upgrade_v1(struct bt_db *db)
{
	/* an endpoint labelled with a local address whose ident is the
	 * old one, "0::e:" and its address (ident_set()) */
	const char *q = bt_db_is_pg(db->name) ?
		"SELECT count(*) FROM objects o WHERE o.kind = 'endpoint' "
		"AND o.ident = '\\x303a3a653a'::bytea || o.path AND EXISTS "
		"(SELECT 1 FROM labels l WHERE l.object = o.id AND "
		"l.key = 'local')" :
		"SELECT count(*) FROM objects o WHERE o.kind = 'endpoint' "
		"AND o.ident = '0::e:' || o.path AND EXISTS "
		"(SELECT 1 FROM labels l WHERE l.object = o.id AND "
		"l.key = 'local')";
	int64_t merged = 0, v;
	char set[64];
	int err;

	if ((err = db->ops->query_int(db, q, 0, &merged)))
		return err;
	if (merged)
		return bt_error_set(BT_EVERSION, "'%s': case database version "
				    "1 with %" PRId64 " connection end%s "
				    "merged by address (made before btrack "
				    "kept them apart): adding to it would "
				    "duplicate them; add the logs to a new "
				    "case database (walks still read this one)",
				    db->name, merged, merged == 1 ? "" : "s");
	snprintf(set, sizeof(set), bt_db_is_pg(db->name) ?
		 "UPDATE btrack SET version = %d" : "PRAGMA user_version=%d",
		 BT_DB_VERSION);
	if ((err = db->ops->query_int(db, set, 0, &v)))
		return err;
	db->version = BT_DB_VERSION;
	return 0;
}

int bt_db_open(struct bt_db **out, const char *name, unsigned flags)
{
	int err;

	*out = NULL;
	err = bt_db_is_pg(name) ? bt_db_pg_open(out, name, flags) :
	      bt_db_sqlite_open(out, name, flags);
	if (err || (*out)->version != BT_DB_VERSION_1 ||
	    (flags & BT_DB_READONLY))
		return err;
	if ((err = upgrade_v1(*out))) {
		bt_db_close(*out);
		*out = NULL;
	}
	return err;
}

void bt_db_close(struct bt_db *db)
{
	if (db)
		db->ops->close(db);
}

const char *bt_db_name(const struct bt_db *db)
{
	return db->name;
}

const char *bt_db_store(const struct bt_db *db)
{
	return db->ops->name;
}

/* ---- naming a log ------------------------------------------------------ */

/* A 128-bit hash of bytes, 8 at a time in two lanes (not cryptographic:
 * it names a log, it does not authenticate it), fed in pieces: the same
 * as over their concatenation. */
struct h128 {
	uint64_t a, b;
	uint8_t tail[8];
	unsigned nt;
};

static void h128_word(struct h128 *h, uint64_t w)
{
	h->a = (h->a ^ w) * 0x9e3779b97f4a7c15ULL;
	h->a ^= h->a >> 29;
	h->b = (h->b + w) * 0xff51afd7ed558ccdULL;
	h->b ^= h->b >> 32;
}

static void h128_feed(struct h128 *h, const uint8_t *p, size_t n)
{
	uint64_t w;
	size_t i = 0;

	while (h->nt && i < n) {
		h->tail[h->nt++] = p[i++];
		if (h->nt == 8) {
			memcpy(&w, h->tail, 8);
			h128_word(h, w);
			h->nt = 0;
		}
	}
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h128_word(h, w);
	}
	for (; i < n; i++)
		h->tail[h->nt++] = p[i];
}

static void h128_end(struct h128 *h)
{
	unsigned i;

	for (i = 0; i < h->nt; i++) {
		h->a = (h->a ^ h->tail[i]) * 0x100000001b3ULL;
		h->b = (h->b + h->tail[i]) * 0xc4ceb9fe1a85ec53ULL;
	}
	h->nt = 0;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

/* The name of a log: a 128-bit hash of its creation time and its records
 * in canonical form up to `end` (a record boundary), as 32 hex digits.
 * The records are read one at a time (bt_log_next()), never decoded
 * whole. */
static int log_hash(const struct bt_log *log, uint64_t created,
		    uint64_t end, char out[33])
{
	struct h128 h = { .a = mix(created ^ 0x6274726b), .b = mix(end) };
	struct bt_log_iter it;
	const struct bt_rec_head *r;
	int rc;

	static const uint8_t zero[8];
	uint64_t at = BT_LOG_HEADER_SIZE, len;

	/* Records are 8-byte aligned in canonical form, padded with zeros
	 * (the bytes between them are hashed as zeros). */
	bt_log_iter_init(&it, log);
	while ((rc = bt_log_next(&it, &r)) == 1 && it.at < end) {
		for (; at < it.at; at += 8)
			h128_feed(&h, zero, it.at - at < 8 ?
				  (size_t)(it.at - at) : 8);
		len = r->type == BT_REC_EVENT ?
		      sizeof(struct bt_rec_event) : r->len;
		at = it.at + (end - it.at < len ? end - it.at : len);
		h128_feed(&h, (const uint8_t *)r, (size_t)(at - it.at));
	}
	bt_log_iter_release(&it);
	if (rc < 0)
		return rc;
	for (; at < end; at += 8)
		h128_feed(&h, zero, end - at < 8 ? (size_t)(end - at) : 8);
	h128_end(&h);
	snprintf(out, 33, "%016" PRIx64 "%016" PRIx64, mix(h.a ^ end),
		 mix(h.b + h.a));
	return 0;
}

/* What the first pass found of one object of the log. */
struct scan_obj {
	char *path;             /* a file's first PATH label, an endpoint's
	                           LOCAL label (owned) */
	/* A file's latest PATH label (by time, then log order: the labels
	 * table's "ORDER BY time DESC, id DESC") and its time: the path
	 * column of a file the add inserts, so that no UPDATE runs after
	 * the load (owned). */
	char *last;
	uint64_t last_time;
};

/* What the first pass found. */
struct scan {
	uint64_t events, objects, first, last, end;
	struct scan_obj *obj;   /* [id] */
	size_t obj_cap;
};

static void scan_release(struct scan *s)
{
	size_t i;

	for (i = 0; i < s->obj_cap; i++) {
		free(s->obj[i].path);
		free(s->obj[i].last);
	}
	free(s->obj);
}

/* The scan's entry of object `id` (grown as needed), or NULL. */
static struct scan_obj *scan_obj(struct scan *s, uint32_t id)
{
	size_t old = s->obj_cap;

	if (id >= old) {
		if (bt_grow(&s->obj, &s->obj_cap, (size_t)id + 1,
			    sizeof(*s->obj)))
			return NULL;
		memset(s->obj + old, 0, (s->obj_cap - old) *
		       sizeof(*s->obj));
	}
	return &s->obj[id];
}

/* The first pass.  A record is read only until the next bt_log_next():
 * the paths it needs later are copied. */
static int scan_log(const struct bt_log *log, struct scan *s)
{
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	int r;

	bt_log_iter_init(&it, log);
	while ((r = bt_log_next(&it, &h)) == 1) {
		if (h->type == BT_REC_EVENT) {
			const struct bt_rec_event *e = (const void *)h;

			if (!s->events++)
				s->first = e->time;
			if (e->time > s->last)
				s->last = e->time;
			if (e->time < s->first)
				s->first = e->time;
		} else if (h->type == BT_REC_LABEL) {
			const struct bt_rec_label *l = (const void *)h;
			struct scan_obj *o;

			/* a file's first path; an endpoint's local address
			 * (ids of files and endpoints never collide) */
			if (l->key != BT_LABEL_PATH &&
			    l->key != BT_LABEL_LOCAL)
				continue;
			if (!(o = scan_obj(s, l->object))) {
				r = BT_ENOMEM;
				break;
			}
			if (!o->path &&
			    !(o->path = strdup(bt_rec_str(&l->value)))) {
				r = BT_ENOMEM;
				break;
			}
			/* the labels the add inserts (add_records) */
			if (l->key != BT_LABEL_PATH || l->object == 0 ||
			    l->object > it.nobjects ||
			    (o->last && l->time < o->last_time))
				continue;
			o->last_time = l->time;
			if (o->last && !strcmp(o->last, bt_rec_str(&l->value)))
				continue;
			free(o->last);
			if (!(o->last = strdup(bt_rec_str(&l->value)))) {
				r = BT_ENOMEM;
				break;
			}
		}
	}
	s->objects = it.nobjects;
	s->end = it.off;
	bt_log_iter_release(&it);
	if (r == BT_ENOMEM)
		return bt_error_set(BT_ENOMEM, "out of memory");
	return r < 0 ? r : 0;
}

/* ---- adding a log ------------------------------------------------------ */

/* The identity key of an object (see man/btrack-db.5). */
struct ident {
	char *buf;
	size_t cap;
};

static int ident_set(struct ident *id, const char *host, const char *fmt,
		     ...) __attribute__((format(printf, 3, 4)));
static int ident_set(struct ident *id, const char *host, const char *fmt,
		     ...)
{
	va_list ap;
	size_t hl = host ? strlen(host) : 0;
	int n, m;

	for (;;) {
		n = snprintf(id->buf, id->cap, "%zu:%s:", hl, host ? host : "");
		if (n >= 0 && (size_t)n < id->cap) {
			va_start(ap, fmt);
			m = vsnprintf(id->buf + n, id->cap - n, fmt, ap);
			va_end(ap);
			if (m >= 0 && (size_t)(n + m) < id->cap)
				return n + m;
		}
		if (bt_grow(&id->buf, &id->cap, id->cap + 256 +
			    (size_t)(n > 0 ? n : 0) * 2, 1))
			return BT_ENOMEM;
	}
}

struct adder {
	struct bt_db *db;
	const struct bt_log *log;
	const char *host;
	char *host_owned;       /* the host of a log that grew */
	int64_t logid;
	uint32_t *map;          /* [log id] = database id */
	struct scan *scan;
	struct ident ident;
	uint64_t new_objects;
	uint64_t skip;          /* records before this offset are in the
	                           database already (a log that grew) */
	uint64_t events;        /* events added */
	struct bt_strmap gens;  /* a file's identity -> files of this log
	                           that had it so far */
	uint64_t created, end;  /* for the prefix search */
};

static void set(struct bt_dbobj *o, enum bt_dbcol c, int64_t v)
{
	o->col[c] = v;
	o->has |= 1u << c;
}

/* Hand the object in *o (ident in a->ident, n bytes) to the store. */
static int put_object(struct adder *a, struct bt_dbobj *o, int n,
		      uint32_t logid)
{
	int64_t id;
	bool added;
	int err;

	if (n < 0)
		return bt_error_set(BT_ENOMEM, "out of memory");
	o->ident = a->ident.buf;
	o->identlen = (size_t)n;
	if ((err = a->db->ops->put_object(a->db, o, &id, &added)))
		return err;
	if (id <= 0 || id > UINT32_MAX)
		return bt_error_set(BT_ELIMIT, "'%s': more objects than a "
				    "log can hold", a->db->name);
	a->new_objects += added;
	a->map[logid] = (uint32_t)id;
	return 0;
}

static uint32_t mapped(const struct adder *a, uint32_t id)
{
	return a->map[id];
}

static int add_object(struct adder *a, const struct bt_rec_head *h)
{
	struct bt_dbobj o = { .host = a->host };
	int n;

	switch (h->type) {
	case BT_REC_PROCESS: {
		const struct bt_rec_process *p = (const void *)h;

		o.kind = "process";
		n = ident_set(&a->ident, a->host, "p:%u:%" PRIu64, p->pid,
			      (uint64_t)p->start);
		set(&o, DBC_PID, p->pid);
		set(&o, DBC_START, (int64_t)p->start);
		set(&o, DBC_PPID, p->ppid);
		set(&o, DBC_UID, p->uid);
		return put_object(a, &o, n, p->id);
	}
	case BT_REC_FILE: {
		const struct bt_rec_file *f = (const void *)h;
		const char *path = NULL;
		uint32_t gen;
		int r;

		o.kind = "file";
		if ((f->flags & BT_FILEF_SYNTH) && f->id < a->scan->obj_cap)
			path = a->scan->obj[f->id].path;
		if (path) {
			n = ident_set(&a->ident, a->host, "s:%s", path);
			o.path = path;
			o.pathlen = strlen(path);
			o.has |= 1u << DBC_PATH;
		} else if ((f->flags & BT_FILEF_SYNTH) ||
			   ((f->flags & BT_FILEF_PIPE) && BT_PTY_IS(f->ino))) {
			/* Synthetic inodes are numbered per log; so are a
			 * pty's generations (raw.h BT_PTY_INO): two logs'
			 * "pty 0, generation 1" are not one pty. */
			n = ident_set(&a->ident, a->host, "f:%" PRIu64 ":%"
				      PRIu64 ":s:%" PRId64, (uint64_t)f->dev,
				      (uint64_t)f->ino, a->logid);
		} else {
			n = ident_set(&a->ident, a->host, "f:%" PRIu64
				      ":%" PRIu64, (uint64_t)f->dev,
				      (uint64_t)f->ino);
			/* The path column: the latest path it had (only
			 * used when the store inserts it). */
			if (f->id < a->scan->obj_cap &&
			    (path = a->scan->obj[f->id].last)) {
				o.path = path;
				o.pathlen = strlen(path);
				o.has |= 1u << DBC_PATH;
			}
		}
		if (n < 0)
			return bt_error_set(BT_ENOMEM, "out of memory");
		/*
		 * The log keeps apart files that share an identity key: an
		 * inode reused after the last name of its file went, a name
		 * unlinked and made again by a source without inodes.  The
		 * first such file of a log merges across logs; the later ones
		 * are this log's own (":LOG:N", N from 2), so the database
		 * answers as the log does.
		 */
		gen = bt_strmap_get(&a->gens, a->ident.buf) + 1;
		if ((r = bt_strmap_put(&a->gens, a->ident.buf, gen)))
			return bt_error_set(BT_ENOMEM, "out of memory");
		if (gen > 1) {
			if ((size_t)n + 48 > a->ident.cap &&
			    bt_grow(&a->ident.buf, &a->ident.cap,
				    (size_t)n + 48, 1))
				return bt_error_set(BT_ENOMEM,
						    "out of memory");
			n += snprintf(a->ident.buf + n, a->ident.cap -
				      (size_t)n, ":%" PRId64 ":%" PRIu32,
				      a->logid, gen);
		}
		set(&o, DBC_DEV, (int64_t)f->dev);
		set(&o, DBC_INO, (int64_t)f->ino);
		set(&o, DBC_FLAGS, f->flags);
		return put_object(a, &o, n, f->id);
	}
	case BT_REC_FILENAME: {
		const struct bt_rec_filename *f = (const void *)h;

		o.kind = "filename";
		n = ident_set(&a->ident, a->host, "n:%s", bt_rec_str(&f->path));
		o.path = bt_rec_str(&f->path);
		o.pathlen = f->path.len;
		o.has |= 1u << DBC_PATH;
		return put_object(a, &o, n, f->id);
	}
	case BT_REC_PAGE: {
		const struct bt_rec_page *p = (const void *)h;

		o.kind = "page";
		n = ident_set(&a->ident, NULL, "g:%u:%" PRIu64,
			      mapped(a, p->file), (uint64_t)p->index);
		set(&o, DBC_FILE, mapped(a, p->file));
		set(&o, DBC_PAGE, (int64_t)p->index);
		return put_object(a, &o, n, p->id);
	}
	case BT_REC_ENDPOINT: {
		const struct bt_rec_endpoint *e = (const void *)h;
		const char *local = e->id < a->scan->obj_cap ?
				    a->scan->obj[e->id].path : NULL;

		o.kind = "endpoint";
		/*
		 * With its local address (ingest.h), one end of one
		 * connection of this host: its own object (the log's id
		 * keeps two connections of one port pair apart, and a log
		 * that grew maps to it again), for the join between hosts.
		 * Without: shared by all hosts, by the remote address.
		 */
		if (local) {
			n = ident_set(&a->ident, a->host, "e:%s:l:%s:%" PRId64
				      ":%" PRIu32, bt_rec_str(&e->addr),
				      local, a->logid, e->id);
		} else {
			o.host = NULL;
			n = ident_set(&a->ident, NULL, "e:%s",
				      bt_rec_str(&e->addr));
		}
		o.path = bt_rec_str(&e->addr);
		o.pathlen = e->addr.len;
		o.has |= 1u << DBC_PATH;
		return put_object(a, &o, n, e->id);
	}
	case BT_REC_REGION: {
		const struct bt_rec_region *r = (const void *)h;

		o.kind = "region";
		n = ident_set(&a->ident, NULL, "r:%u:%u:%u:%" PRIu64 ":%"
			      PRIu64, mapped(a, r->process),
			      mapped(a, r->file), r->prot,
			      (uint64_t)r->first, (uint64_t)r->count);
		set(&o, DBC_FILE, mapped(a, r->file));
		set(&o, DBC_PROCESS, mapped(a, r->process));
		set(&o, DBC_PROT, r->prot);
		set(&o, DBC_FIRST_PAGE, (int64_t)r->first);
		set(&o, DBC_PAGES, (int64_t)r->count);
		return put_object(a, &o, n, r->id);
	}
	}
	return 0;
}

static int add_records(struct adder *a, bt_progress_fn progress, void *arg)
{
	struct bt_db *db = a->db;
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	uint64_t n = 0;
	int r, err = 0;

	bt_log_iter_init(&it, a->log);
	while ((r = bt_log_next(&it, &h)) == 1) {
		if (it.at < a->skip) {   /* where the record starts */
			/* Added before: only map its objects' ids. */
			if (bt_rec_is_object(h->type) &&
			    (err = add_object(a, h)))
				break;
			continue;
		}
		if (h->type == BT_REC_EVENT) {
			const struct bt_rec_event *e = (const void *)h;
			struct bt_dbevent ev = {
				.time = e->time, .op = e->op,
				.flags = e->flags, .aux = e->aux,
				.cause = mapped(a, e->cause),
				.effect = mapped(a, e->effect),
			};

			if (bt_db_aux_is_object(e->op) && e->aux)
				ev.aux = e->aux < it.nobjects + 1 ?
					 mapped(a, e->aux) : 0;
			if ((err = db->ops->put_event(db, &ev)))
				break;
			a->events++;
			if (progress && !(++n & 0xffff))
				progress(arg, it.off, a->scan->end);
		} else if (h->type == BT_REC_LABEL) {
			const struct bt_rec_label *l = (const void *)h;
			struct bt_dbtext t;

			if (l->object == 0 || l->object > it.nobjects ||
			    l->key == 0 || l->key > BT_LABEL_MAX)
				continue;
			t = (struct bt_dbtext){
				.object = mapped(a, l->object),
				.key = bt_db_label_names[l->key],
				.time = l->time, .value = bt_rec_str(&l->value),
				.len = l->value.len,
			};
			if ((err = db->ops->put_label(db, &t)))
				break;
		} else if (h->type == BT_REC_NOTE) {
			const struct bt_rec_note *o = (const void *)h;
			struct bt_dbtext t = {
				.key = o->key >= 1 && o->key <= BT_NOTE_TEXT ?
				       bt_db_note_names[o->key] : "other",
				.time = o->time, .value = bt_rec_str(&o->text),
				.len = o->text.len,
			};

			if ((err = db->ops->put_note(db, &t)))
				break;
		} else if (bt_rec_is_object(h->type) &&
			   (err = add_object(a, h))) {
			break;
		}
	}
	bt_log_iter_release(&it);
	if (!err && r < 0)
		err = r;
	return err;
}

/*
 * A log that grew since it was added (a recording that went on): same
 * creation time, and its first `size` bytes hash to what the database
 * has.  Then only the records past them are added, into the same log row
 * and host.  Sets a->logid, a->skip and a->host, or leaves them.
 */
static int prefix_one(void *arg, const struct bt_dblog *l)
{
	struct adder *a = arg;
	char hash[33];
	int err;

	if (l->size < BT_LOG_HEADER_SIZE || (l->size & 7) || !l->hash ||
	    !l->host)
		return 0;
	if ((err = log_hash(a->log, a->created, l->size, hash)))
		return err;
	if (strcmp(hash, l->hash))
		return 0;
	if (!(a->host_owned = strdup(l->host)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	a->host = a->host_owned;
	a->logid = l->id;
	a->skip = l->size;
	return 1;
}

int bt_db_add(struct bt_db *db, const char *path, const char *host,
	      bt_progress_fn progress, void *arg,
	      struct bt_db_add_stats *out)
{
	struct bt_log *log = NULL;
	struct scan sc = { 0 };
	struct adder a = { .db = db, .host = host, .scan = &sc };
	struct bt_dblog row = { 0 };
	bool in_tx = false;
	int err;

	memset(out, 0, sizeof(*out));
	bt_strmap_init(&a.gens);
	if (!host || !*host)
		return bt_error_set(BT_EINVAL, "a host name is required");
	if (db->readonly)
		return bt_error_set(BT_EINVAL, "'%s' is open read-only",
				    db->name);
	if ((err = bt_log_open(&log, path)))
		return err;
	a.log = log;
	if ((err = scan_log(log, &sc))) {
		if (err == BT_ECORRUPT)
			bt_error_set(BT_ECORRUPT, "'%s': %s", path,
				     bt_error_msg());
		goto out;
	}

	/* Identity: the creation time and the committed records. */
	if (bt_log_warning(log))
		snprintf(out->warning, sizeof(out->warning), "%s",
			 bt_log_warning(log));
	a.created = bt_log_header(log)->created;
	a.end = sc.end;
	if ((err = log_hash(log, a.created, sc.end, out->hash)))
		goto out;
	out->events = sc.events;
	out->objects = sc.objects;
	out->first_time = sc.first;
	out->last_time = sc.last;

	if ((err = db->ops->add_begin(db)))
		goto out;
	in_tx = true;
	if ((err = db->ops->log_find(db, out->hash, &out->log)))
		goto out;
	if (out->log) {
		out->already = true;
		err = db->ops->add_end(db, NULL);
		in_tx = false;
		goto out;
	}
	if ((err = db->ops->log_prefixes(db, a.created, sc.end, prefix_one,
					 &a)) < 0)
		goto out;
	err = 0;

	row = (struct bt_dblog){
		.hash = out->hash, .path = path, .host = a.host,
		.size = sc.end, .events = sc.events, .objects = sc.objects,
		.first_time = sc.first, .last_time = sc.last,
		.has_times = sc.events > 0,
		.flags = bt_log_header(log)->flags,
		.created = a.created, .added_at = bt_time_now(),
	};
	/* The logs row first: objects and events refer to it.  A log that
	 * grew keeps its row, updated after its new records are in. */
	if (!a.skip && (err = db->ops->log_insert(db, &row, &a.logid)))
		goto out;
	row.id = out->log = a.logid;
	a.map = calloc((size_t)sc.objects + 1, sizeof(*a.map));
	if (!a.map) {
		err = bt_error_set(BT_ENOMEM, "out of memory");
		goto out;
	}
	if ((err = db->ops->rows_begin(db, a.logid, a.host)) ||
	    (err = add_records(&a, progress, arg)))
		goto out;
	out->new_objects = a.new_objects;
	out->events = a.events;
	out->extended = a.skip != 0;
	if (progress)
		progress(arg, sc.end, sc.end);
	err = db->ops->add_end(db, a.skip ? &row : NULL);
	in_tx = false;
out:
	if (in_tx)
		db->ops->add_abort(db);
	free(a.map);
	free(a.host_owned);
	free(a.ident.buf);
	bt_strmap_release(&a.gens);
	scan_release(&sc);
	bt_log_close(log);
	return err;
}

int bt_db_info(struct bt_db *db, struct bt_db_info *out)
{
	static const struct {
		const char *sql;
		size_t off;
	} q[] = {
		{ "SELECT count(*) FROM logs", offsetof(struct bt_db_info, logs) },
		{ "SELECT count(*) FROM hosts",
		  offsetof(struct bt_db_info, hosts) },
		{ "SELECT count(*) FROM objects",
		  offsetof(struct bt_db_info, objects) },
		{ "SELECT sum(events) FROM logs",
		  offsetof(struct bt_db_info, events) },
		{ "SELECT count(*) FROM investigations",
		  offsetof(struct bt_db_info, investigations) },
		{ "SELECT min(first_time) FROM logs",
		  offsetof(struct bt_db_info, first_time) },
		{ "SELECT max(last_time) FROM logs",
		  offsetof(struct bt_db_info, last_time) },
	};
	int64_t v;
	size_t i;
	int err;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < BT_ARRAY_SIZE(q); i++) {
		if ((err = db->ops->query_int(db, q[i].sql, 0, &v)))
			return err;
		*(uint64_t *)((char *)out + q[i].off) = (uint64_t)v;
	}
	return 0;
}

struct logs_arg {
	int (*fn)(void *arg, const struct bt_db_log *l);
	void *arg;
};

static int log_one(void *arg, const struct bt_dblog *l)
{
	struct logs_arg *la = arg;
	struct bt_db_log x = {
		.id = l->id, .host = l->host, .path = l->path,
		.hash = l->hash, .events = l->events, .objects = l->objects,
		.first_time = l->first_time, .last_time = l->last_time,
	};

	return la->fn(la->arg, &x);
}

int bt_db_logs(struct bt_db *db,
	       int (*fn)(void *arg, const struct bt_db_log *l), void *arg)
{
	struct logs_arg la = { fn, arg };

	return db->ops->each_log(db, log_one, &la);
}

/* ---- the database as a log --------------------------------------------- */

static int label_key(const char *name)
{
	unsigned k;

	for (k = 1; k <= BT_LABEL_MAX; k++)
		if (name && !strcmp(name, bt_db_label_names[k]))
			return (int)k;
	return 0;
}

/* A walk's closure, per object (bt_db_export_walk()). */
#define CL_QUEUED 0x1           /* group: its events are asked for */
#define CL_UP 0x2               /* its forks are asked for */
#define CL_REACHED 0x4          /* group: th[] is set */
#define CL_GOT 0x8              /* group: got[] is set */
#define CL_HAVE 0x10            /* the object and its labels are read */
#define CL_PGASK 0x20           /* file: its pages are asked for */
#define CL_START 0x40           /* group: a detection point (its window
                                   is never cut: cl_cuts()) */
#define CL_PGDONE 0x80          /* file: its pages are read */
#define LZ_VONLY 0x1            /* fl2: a file read as a version only */
#define LZ_VASKED 0x2           /* fl2: the versions of its paths asked */

struct exporter {
	struct bt_db *db;
	struct bt_log_writer *w;
	uint32_t *map;          /* [database id] = log id, 0: left out */
	int64_t max;
	uint32_t next;
	bool some;              /* one host: events across hosts dropped */
	uint64_t n, total;
	int64_t flags;
	bt_progress_fn progress;
	void *arg;
	/* for a walk's closure: what each object is, and the inverse map */
	uint8_t *kind;          /* [database id] */
	uint32_t *ref1, *ref2;  /* page: file; region: file, process */
	uint32_t *dbid;         /* [log id] = database id */
	/* a walk's: the objects and labels read, to write them by id */
	struct bt_dbobj *objs;
	size_t nobjs, objs_cap;
	struct bt_dbtext *labs;
	size_t nlabs, labs_cap;
	char *arena;            /* their strings */
	size_t arena_len, arena_cap;
	/* connections between hosts (links_build()), with 2+ hosts */
	char **hosts;           /* the hosts with ends, by name */
	size_t nhosts;
	int64_t *shift;         /* [host] ns added to its times */
	uint16_t *hix;          /* [database id] host + 1, 0: none */
	uint32_t *peer;         /* [database id] the other end, 0: none */
	const uint8_t *closure; /* a walk's log: [database id] CL_* */
};

/* Copy n bytes (and a NUL) into the arena: the offset, or -1. */
static int64_t keep(struct exporter *x, const char *p, size_t n)
{
	int64_t at = (int64_t)x->arena_len;

	if (x->arena_len + n + 1 > x->arena_cap &&
	    bt_grow(&x->arena, &x->arena_cap, x->arena_len + n + 1, 1))
		return -1;
	memcpy(x->arena + x->arena_len, p, n);
	x->arena[x->arena_len + n] = '\0';
	x->arena_len += n + 1;
	return at;
}

/* Remember a row (strings as arena offsets, in path/value). */
static int cache_object(struct exporter *x, const struct bt_dbobj *o)
{
	struct bt_dbobj *c;
	int64_t at = 0;

	if (x->nobjs == x->objs_cap &&
	    bt_grow(&x->objs, &x->objs_cap, x->nobjs + 1, sizeof(*x->objs)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	if ((o->has & (1u << DBC_PATH)) &&
	    (at = keep(x, o->path, o->pathlen)) < 0)
		return bt_error_set(BT_ENOMEM, "out of memory");
	c = &x->objs[x->nobjs++];
	*c = *o;
	c->kind = bt_kind_name(x->kind[o->id]);
	c->ident = NULL;
	c->host = NULL;         /* borrowed; x->hix has it already */
	c->path = (const char *)(uintptr_t)at;
	return 0;
}

static uint32_t ref(const struct exporter *x, int64_t v)
{
	return v > 0 && v <= x->max ? x->map[v] : 0;
}

/* Whether v names an object that exists but was left out (another
 * host's). */
static bool left_out(const struct exporter *x, int64_t v)
{
	return v > 0 && v <= x->max && !x->map[v];
}

/* ---- connections between hosts ----------------------------------------- */

/*
 * With two hosts or more, the ends of connections (endpoints with a
 * "local" label) of all hosts are matched with bt_conn_match(), the rule
 * of one log (graph/channel.h), after each host's times are put on one
 * clock (man/btrack-db.5, Connections between hosts):
 *  1. pairs of two hosts matched exactly (both addresses equal, none
 *     loopback) within BT_DB_SKEW_WINDOW_NS give, per pair of hosts, the
 *     median of (first time of the end on the host later by name - first
 *     time of the other): that pair's skew, reported;
 *  2. hosts are put on the clock of the first host by name of their
 *     group (hosts joined by such pairs), a skew of at least
 *     BT_DB_SKEW_MIN_NS subtracted (a smaller one is not told apart from
 *     network delay);
 *  3. all ends are matched again with BT_CHANNEL_TOLERANCE_NS.
 * The exported log then has the shifted times, the "local" label only on
 * the ends paired (the walk, graph/walk.c, pairs them again on the log
 * with the same rule and finds these pairs), and a walk's closure crosses
 * from an end to its peer.
 */
#define BT_DB_SKEW_WINDOW_NS (600ULL * 1000000000ULL)
#define BT_DB_SKEW_MIN_NS (100LL * 1000000LL)

struct ends {
	struct bt_conn_end *e;
	int64_t *obj;
	char **host;            /* per end, then index into x->hosts */
	size_t n, cap;
	int err;
};

static int end_row(void *arg, const struct bt_dbend *r)
{
	struct ends *s = arg;
	struct bt_conn_end e = { .first = r->first, .last = r->last };

	if (bt_sockaddr_parse_local(&e.local, r->local, strlen(r->local)) ||
	    bt_sockaddr_parse(&e.remote, r->remote, strlen(r->remote)) ||
	    e.first > e.last) {
		return 0;       /* not an IP end: left alone */
	}
	if (s->n == s->cap) {
		size_t c1 = s->cap, c2 = s->cap;

		if (bt_grow(&s->e, &s->cap, s->n + 1, sizeof(*s->e)) ||
		    bt_grow(&s->obj, &c1, s->n + 1, sizeof(*s->obj)) ||
		    bt_grow(&s->host, &c2, s->n + 1, sizeof(*s->host)))
			return bt_error_set(BT_ENOMEM, "out of memory");
	}
	if (!(s->host[s->n] = strdup(r->host)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	s->obj[s->n] = r->object;
	s->e[s->n++] = e;
	return 0;
}

/* each_log: the log's host, into s->host (e and obj unused past s.n) */
static int log_host(void *arg, const struct bt_dblog *l)
{
	struct ends *s = arg;
	size_t cap = s->n;

	if (!l->host)
		return 0;
	if (bt_grow(&s->host, &cap, s->n + 1, sizeof(*s->host)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	if (!(s->host[s->n] = strdup(l->host)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	s->n++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The index of host `name` in x->hosts + 1, or 0. */
static uint16_t host_ix(const struct exporter *x, const char *name)
{
	char **f;

	if (!name || !x->nhosts)
		return 0;
	f = bsearch(&name, x->hosts, x->nhosts, sizeof(*x->hosts), cmp_str);
	return f ? (uint16_t)(f - x->hosts + 1) : 0;
}

static bool exact(const struct bt_conn_end *a, const struct bt_conn_end *b)
{
	return !a->local.any && !a->remote.any &&
	       !memcmp(a->local.addr, b->remote.addr, 16) &&
	       !memcmp(a->remote.addr, b->local.addr, 16);
}

static bool is_loop(const struct bt_sockaddr *a)
{
	static const uint8_t one[16] = { [15] = 1 };

	return !memcmp(a->addr, one, 16) ||
	       (a->addr[10] == 0xff && a->addr[11] == 0xff &&
		a->addr[12] == 127);
}

/* Step 1 and 2: x->shift from the pairs in peer. */
static int links_skew(struct exporter *x, struct ends *s, const size_t *peer)
{
	size_t nh = x->nhosts, i, j, k, *queue = NULL, nq = 0;
	int64_t **d = NULL, *med = NULL;
	size_t *nd = NULL, *capd = NULL;
	bool *seen = NULL;
	int err = 0;
	char *rep = x->db->stats.skew;
	size_t rl = strlen(rep);

	d = calloc(nh * nh, sizeof(*d));
	nd = calloc(nh * nh, sizeof(*nd));
	capd = calloc(nh * nh, sizeof(*capd));
	med = calloc(nh * nh, sizeof(*med));
	seen = calloc(nh, sizeof(*seen));
	queue = calloc(nh, sizeof(*queue));
	if (!d || !nd || !capd || !med || !seen || !queue) {
		err = bt_error_set(BT_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < s->n; i++) {
		const struct bt_conn_end *a = &s->e[i], *b;
		size_t p = peer[i], ha, hb, cell;
		int64_t off;

		if (p == SIZE_MAX || p < i)
			continue;
		b = &s->e[p];
		if (a->host == b->host || !exact(a, b) ||
		    is_loop(&a->local) || is_loop(&a->remote))
			continue;
		if (!a->host || !b->host)
			continue;
		/* host numbers are 1-based (host_ix()) */
		ha = (a->host < b->host ? a->host : b->host) - 1;
		hb = (a->host < b->host ? b->host : a->host) - 1;
		off = a->host < b->host ?
		      (int64_t)(b->first - a->first) :
		      (int64_t)(a->first - b->first);
		cell = ha * nh + hb;
		if (bt_grow(&d[cell], &capd[cell], nd[cell] + 1,
			    sizeof(**d))) {
			err = bt_error_set(BT_ENOMEM, "out of memory");
			goto out;
		}
		d[cell][nd[cell]++] = off;
	}
	for (i = 0; i < nh * nh; i++) {
		if (!nd[i])
			continue;
		qsort(d[i], nd[i], sizeof(**d), cmp_i64);
		med[i] = nd[i] & 1 ? d[i][nd[i] / 2] :
			 d[i][nd[i] / 2 - 1] / 2 + d[i][nd[i] / 2] / 2;
		if (rl + 1 < sizeof(x->db->stats.skew))
			rl += (size_t)snprintf(rep + rl,
				sizeof(x->db->stats.skew) - rl,
				"%s%s vs %s %+.3f s (%zu pair%s)%s",
				rl ? "; " : "", x->hosts[i % nh],
				x->hosts[i / nh], (double)med[i] / 1e9,
				nd[i], nd[i] == 1 ? "" : "s",
				llabs(med[i]) >= BT_DB_SKEW_MIN_NS ?
				", applied" : "");
		if (rl >= sizeof(x->db->stats.skew))
			rl = sizeof(x->db->stats.skew) - 1;
	}
	/* each group on the clock of its first host by name */
	for (i = 0; i < nh; i++) {
		if (seen[i])
			continue;
		seen[i] = true;
		x->shift[i] = 0;
		nq = 0;
		queue[nq++] = i;
		for (k = 0; k < nq; k++) {
			size_t h = queue[k];

			for (j = 0; j < nh; j++) {
				size_t cell = h < j ? h * nh + j : j * nh + h;
				int64_t m;

				if (seen[j] || j == h || !nd[cell])
					continue;
				/* med: (later by name) - (earlier) */
				m = h < j ? med[cell] : -med[cell];
				if (llabs(m) < BT_DB_SKEW_MIN_NS)
					m = 0;
				x->shift[j] = x->shift[h] - m;
				seen[j] = true;
				queue[nq++] = j;
			}
		}
	}
out:
	if (d)
		for (i = 0; i < nh * nh; i++)
			free(d[i]);
	free(d);
	free(nd);
	free(capd);
	free(med);
	free(seen);
	free(queue);
	return err;
}

static uint64_t shifted(uint64_t t, int64_t by)
{
	if (by < 0)
		return t < (uint64_t)-by ? 0 : t - (uint64_t)-by;
	return t > UINT64_MAX - (uint64_t)by ? UINT64_MAX : t + (uint64_t)by;
}

/* In the read transaction, after export_prepare(): the hosts, their
 * shifts and the pairs (x->peer), when the database has a host. */
static int links_build(struct exporter *x, const char *only)
{
	struct bt_db *db = x->db;
	struct ends s = { 0 };
	size_t i, k, nends, *peer = NULL, nall;
	bool *amb = NULL;
	int64_t nhosts;
	int err;

	db->stats.skew[0] = '\0';
	db->stats.host_links = 0;
	db->stats.host_ambiguous = 0;
	/* One host too: a walk that reads the database a frontier at a
	 * time reaches the other end of a connection inside one log only
	 * through its peer (the graph pairs the ends it holds, and it would
	 * never hold the server's end of a client it walks back from). */
	if ((err = db->ops->query_int(db, "SELECT count(*) FROM hosts", 0,
				      &nhosts)) || nhosts < 1)
		return err;
	err = db->ops->each_end(db, end_row, &s);
	nall = nends = s.n;
	if (err)
		goto out;
	/* the hosts, by name: of the ends, and of the logs */
	err = db->ops->each_log(db, log_host, &s);
	nall = s.n;
	if (err)
		goto out;
	x->hosts = malloc((s.n + 1) * sizeof(*x->hosts));
	if (!x->hosts) {
		err = bt_error_set(BT_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < s.n; i++)
		x->hosts[i] = s.host[i];
	qsort(x->hosts, s.n, sizeof(*x->hosts), cmp_str);
	for (i = k = 0; i < s.n; i++)
		if (!k || strcmp(x->hosts[k - 1], x->hosts[i]))
			x->hosts[k++] = x->hosts[i];
	x->nhosts = k < UINT16_MAX ? k : UINT16_MAX - 1;
	for (i = 0; i < x->nhosts; i++)
		if (!(x->hosts[i] = strdup(x->hosts[i]))) {
			x->nhosts = i;
			err = bt_error_set(BT_ENOMEM, "out of memory");
			goto out;
		}
	s.n = nends;
	if (only) {
		/* one host asked for: its own ends only, paired among
		 * themselves, as the walk on its log pairs them */
		for (i = k = 0; i < s.n; i++) {
			struct bt_conn_end e = s.e[i];
			int64_t o = s.obj[i];
			char *h = s.host[i];

			if (strcmp(h, only))
				continue;
			s.e[i] = s.e[k];
			s.obj[i] = s.obj[k];
			s.host[i] = s.host[k];
			s.e[k] = e;
			s.obj[k] = o;
			s.host[k++] = h;
		}
		s.n = k;
	}
	for (i = 0; i < s.n; i++)
		s.e[i].host = host_ix(x, s.host[i]);
	x->shift = calloc(x->nhosts + 1, sizeof(*x->shift));
	x->hix = calloc((size_t)x->max + 1, sizeof(*x->hix));
	x->peer = calloc((size_t)x->max + 1, sizeof(*x->peer));
	peer = malloc((s.n + 1) * sizeof(*peer));
	if (!x->shift || !x->hix || !x->peer || !peer) {
		err = bt_error_set(BT_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < s.n; i++)
		if (s.obj[i] > 0 && s.obj[i] <= x->max)
			x->hix[s.obj[i]] = (uint16_t)s.e[i].host;
	if (!s.n)
		goto out;
	/* 1, 2: the skews */
	if ((err = bt_conn_match(peer, s.e, s.n, BT_DB_SKEW_WINDOW_NS)) ||
	    (err = links_skew(x, &s, peer)))
		goto out;
	/* 3: on one clock */
	for (i = 0; i < s.n; i++) {
		int64_t by = s.e[i].host ? x->shift[s.e[i].host - 1] : 0;

		s.e[i].first = shifted(s.e[i].first, by);
		s.e[i].last = shifted(s.e[i].last, by);
	}
	if (!(amb = malloc((s.n + 1) * sizeof(*amb)))) {
		err = bt_error_set(BT_ENOMEM, "out of memory");
		goto out;
	}
	if ((err = bt_conn_match_ex(peer, amb, s.e, s.n,
				    BT_CHANNEL_TOLERANCE_NS)))
		goto out;
	for (i = 0; i < s.n; i++)
		db->stats.host_ambiguous += amb[i];
	for (i = 0; i < s.n; i++) {
		int64_t a = s.obj[i];

		if (peer[i] == SIZE_MAX || a <= 0 || a > x->max)
			continue;
		x->peer[a] = (uint32_t)s.obj[peer[i]];
		if (s.e[i].host != s.e[peer[i]].host && i < peer[i])
			db->stats.host_links++;
	}
out:
	for (i = 0; i < nall; i++)
		free(s.host[i]);
	free(s.host);
	free(s.e);
	free(s.obj);
	free(peer);
	free(amb);
	return err;
}

/* The shift of an object's host. */
static int64_t shift_of(const struct exporter *x, int64_t id)
{
	if (!x->hix || id <= 0 || id > x->max || !x->hix[id])
		return 0;
	return x->shift[x->hix[id] - 1];
}

static int export_object(void *arg, const struct bt_dbobj *o)
{
	struct exporter *x = arg;
	const char *p = (o->has & (1u << DBC_PATH)) ? o->path : NULL;
	size_t plen = p ? o->pathlen : 0;
	const int64_t *c = o->col;
	uint32_t id;

	if (o->id <= 0 || o->id > x->max || !o->kind)
		return bt_error_set(BT_ECORRUPT, "'%s': bad object row %"
				    PRId64, x->db->name, o->id);
	id = x->map[o->id] = ++x->next;
	if (x->hix && o->host)
		x->hix[o->id] = host_ix(x, o->host);
	if (x->kind) {
		x->dbid[id] = (uint32_t)o->id;
		x->ref1[o->id] = c[DBC_FILE] > 0 && c[DBC_FILE] <= x->max ?
				 (uint32_t)c[DBC_FILE] : 0;
		x->ref2[o->id] = c[DBC_PROCESS] > 0 &&
				 c[DBC_PROCESS] <= x->max ?
				 (uint32_t)c[DBC_PROCESS] : 0;
	}
	if (!strcmp(o->kind, "process")) {
		if (x->kind)
			x->kind[o->id] = BT_OBJ_PROCESS;
		return bt_log_append_process(x->w, id, (uint32_t)c[DBC_PID],
					     shifted((uint64_t)c[DBC_START],
						     shift_of(x, o->id)),
					     (uint32_t)c[DBC_PPID],
					     (uint32_t)c[DBC_UID]);
	}
	if (!strcmp(o->kind, "file")) {
		if (x->kind)
			x->kind[o->id] = BT_OBJ_FILE;
		return bt_log_append_file(x->w, id, (uint32_t)c[DBC_FLAGS],
					  (uint64_t)c[DBC_DEV],
					  (uint64_t)c[DBC_INO]);
	}
	if (!strcmp(o->kind, "filename"))
		return bt_log_append_filename(x->w, id, p ? p : "", plen);
	if (!strcmp(o->kind, "page")) {
		if (x->kind)
			x->kind[o->id] = BT_OBJ_PAGE;
		return bt_log_append_page(x->w, id, ref(x, c[DBC_FILE]),
					  (uint64_t)c[DBC_PAGE]);
	}
	if (!strcmp(o->kind, "endpoint"))
		return bt_log_append_endpoint(x->w, id, p ? p : "", plen);
	if (!strcmp(o->kind, "region")) {
		if (x->kind)
			x->kind[o->id] = BT_OBJ_REGION;
		return bt_log_append_region(x->w, id, ref(x, c[DBC_FILE]),
					    ref(x, c[DBC_PROCESS]),
					    (uint32_t)c[DBC_PROT],
					    (uint64_t)c[DBC_FIRST_PAGE],
					    (uint64_t)c[DBC_PAGES]);
	}
	return bt_error_set(BT_ECORRUPT, "'%s': object %" PRId64 " has an "
			    "unknown kind", x->db->name, o->id);
}

/* A walk's object read: remember the row (its kind, its host), to be
 * written in the order of the ids (walk_write()). */
static int collect_object(void *arg, const struct bt_dbobj *o)
{
	static const struct {
		const char *name;
		uint8_t kind;
	} kinds[] = {
		{ "process", BT_OBJ_PROCESS }, { "file", BT_OBJ_FILE },
		{ "page", BT_OBJ_PAGE }, { "region", BT_OBJ_REGION },
		{ "filename", BT_OBJ_FILENAME },
		{ "endpoint", BT_OBJ_ENDPOINT },
	};
	struct exporter *x = arg;
	size_t i;

	if (o->id <= 0 || o->id > x->max || !o->kind)
		return bt_error_set(BT_ECORRUPT, "'%s': bad object row %"
				    PRId64, x->db->name, o->id);
	for (i = 0; i < BT_ARRAY_SIZE(kinds); i++)
		if (!strcmp(o->kind, kinds[i].name))
			break;
	if (i == BT_ARRAY_SIZE(kinds))
		return bt_error_set(BT_ECORRUPT, "'%s': object %" PRId64
				    " has an unknown kind", x->db->name,
				    o->id);
	x->kind[o->id] = kinds[i].kind;
	if (x->hix && o->host)
		x->hix[o->id] = host_ix(x, o->host);
	return cache_object(x, o);
}

static int cmp_obj_id(const void *a, const void *b)
{
	const struct bt_dbobj *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_label_id(const void *a, const void *b)
{
	const struct bt_dbtext *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int export_label(void *arg, const struct bt_dbtext *t)
{
	struct exporter *x = arg;
	uint32_t obj = ref(x, t->object);
	int key = label_key(t->key);

	if (!obj || !key || !t->value)
		return 0;
	/* between hosts: only the ends paired keep their local address,
	 * so that the walk pairs them and no others */
	if (x->peer && key == BT_LABEL_LOCAL && !x->peer[t->object])
		return 0;
	/* a walk's log: only the ends it may reach (which have all their
	 * events, as have their peers), so that the ends it does not reach,
	 * of which the log has a part, change nothing in how the walk pairs
	 * the others */
	if (x->peer && key == BT_LABEL_LOCAL && x->closure &&
	    !(x->closure[t->object] & CL_REACHED))
		return 0;
	return bt_log_append_label(x->w, obj, (uint32_t)key,
				   shifted(t->time, shift_of(x, t->object)),
				   t->value, t->len);
}

static int export_event(void *arg, const struct bt_dbevent *e)
{
	struct exporter *x = arg;
	uint32_t aux = (uint32_t)e->aux, cause, effect;
	int err;

	if (bt_db_aux_is_object((unsigned)e->op))
		aux = ref(x, e->aux);
	cause = ref(x, e->cause);
	effect = ref(x, e->effect);
	if (x->some && (!cause || !effect) &&
	    (cause || left_out(x, e->cause)) &&
	    (effect || left_out(x, e->effect)))
		return 0;
	if (e->op <= 0 || e->op > BT_OP_MAX || !cause || !effect)
		return bt_error_set(BT_ECORRUPT, "'%s': a bad event row (op "
				    "%d, cause %u, effect %u)", x->db->name,
				    e->op, cause, effect);
	err = bt_log_append_event(x->w, (uint8_t)e->op, (uint8_t)e->flags,
				  aux, shifted(e->time, x->hix &&
					       x->hix[e->cause] ?
					       shift_of(x, e->cause) :
					       shift_of(x, e->effect)),
				  cause, effect);
	if (!err && !(++x->n & 0xffff)) {
		bt_log_writer_commit(x->w);
		if (x->progress)
			x->progress(x->arg, x->n, x->total);
	}
	return err;
}

/* In the read transaction: check the host, size the maps. */
static int export_prepare(struct exporter *x, const char *host)
{
	struct bt_db *db = x->db;
	int64_t total;
	bool found;
	int err;

	if (host) {
		if ((err = db->ops->has_host(db, host, &found)))
			return err;
		if (!found)
			return bt_error_set(BT_ENOTFOUND, "no host '%s' in "
					    "'%s'", host, db->name);
	}
	if ((err = db->ops->query_int(db, "SELECT max(id) FROM objects", 0,
				      &x->max)) ||
	    (err = db->ops->query_int(db, "SELECT coalesce(sum(events), 0) "
				      "FROM logs", 0, &total)) ||
	    (err = db->ops->query_int(db, "SELECT coalesce(max(flags & 2), "
				      "0) FROM logs", 0, &x->flags)))
		return err;
	x->total = (uint64_t)total;
	if (x->max < 0 || x->max >= UINT32_MAX)
		return bt_error_set(BT_ELIMIT, "'%s': too many objects for a "
				    "log", db->name);
	x->map = calloc((size_t)x->max + 1, sizeof(*x->map));
	if (!x->map)
		return bt_error_set(BT_ENOMEM, "out of memory");
	/* one host asked for: no joins with others (its own times, as its
	 * log), its own ends paired */
	return links_build(x, host);
}

/*
 * With 2+ hosts: which host each object of the log written is on, for the
 * outputs (graph/dbgraph.h, bt_hostmap): a note BT_NOTE_TEXT,
 * BT_DB_HOSTS_NOTE "\n", then "H NAME\n" per host (numbered from 1), then
 * "S SKEW\n" (stats.skew) if any, "R FIRST LAST H\n" per run of log ids
 * on host H.  Objects are numbered
 * log by log, so the runs are few; past BT_DB_HOSTS_NOTE_MAX bytes no
 * note (the outputs show no hosts).
 */
#define BT_DB_HOSTS_NOTE_MAX 16384
static int hosts_map_note(struct exporter *x)
{
	struct bt_sb_lite { char *p; size_t len, cap; } b = { 0 };
	int64_t id;
	uint32_t first = 0, last = 0;
	unsigned h = 0;
	size_t i;
	int err = 0, n;
	char line[64];

#define ADD(str, l) do { \
		if (b.len + (l) + 1 > b.cap && \
		    bt_grow(&b.p, &b.cap, b.len + (l) + 1, 1)) { \
			err = bt_error_set(BT_ENOMEM, "out of memory"); \
			goto out; \
		} \
		memcpy(b.p + b.len, (str), (l)); \
		b.len += (l); \
	} while (0)

	if (!x->hix || x->nhosts < 2)
		return 0;
	ADD(BT_DB_HOSTS_NOTE "\n", sizeof(BT_DB_HOSTS_NOTE));
	for (i = 0; i < x->nhosts; i++) {
		if (strchr(x->hosts[i], '\n'))
			goto out;       /* not representable: no note */
		ADD("H ", 2);
		ADD(x->hosts[i], strlen(x->hosts[i]));
		ADD("\n", 1);
	}
	if (x->db->stats.skew[0]) {
		ADD("S ", 2);
		ADD(x->db->stats.skew, strlen(x->db->stats.skew));
		ADD("\n", 1);
	}
	for (id = 1; id <= x->max + 1; id++) {
		uint32_t lid = id <= x->max ? x->map[id] : 0;
		unsigned hh = lid ? x->hix[id] : 0;

		if (id <= x->max && !lid)
			continue;
		if (h && (!lid || hh != h || lid != last + 1)) {
			n = snprintf(line, sizeof(line), "R %u %u %u\n",
				     first, last, h);
			ADD(line, (size_t)n);
			h = 0;
		}
		if (lid && hh && !h) {
			h = hh;
			first = lid;
		}
		last = lid;
		if (b.len > BT_DB_HOSTS_NOTE_MAX)
			goto out;
	}
	err = bt_log_append_note(x->w, BT_NOTE_TEXT, 0, b.p, b.len);
out:
#undef ADD
	free(b.p);
	return err;
}

/* With connections joined between hosts: the note that tells the walk to
 * cross them with a slack (graph/channel.h). */
static int hosts_note(struct exporter *x)
{
	char buf[96];
	int n, err;

	if ((err = hosts_map_note(x)))
		return err;
	if (!x->db->stats.host_links)
		return 0;
	n = snprintf(buf, sizeof(buf), "%s%llu", BT_CHANNEL_HOSTS_NOTE,
		     (unsigned long long)BT_CHANNEL_HOSTS_SLACK_NS);
	return bt_log_append_note(x->w, BT_NOTE_TEXT, 0, buf, (size_t)n);
}

/* The logs of one host (NULL: all), then their capture notes. */
struct note_ctx {
	struct exporter *x;
	const char *host;
	int64_t *logs;
	size_t n, cap;
};

static int note_log(void *arg, const struct bt_dblog *l)
{
	struct note_ctx *c = arg;

	if (c->host && (!l->host || strcmp(l->host, c->host)))
		return 0;
	if (c->n == c->cap && bt_grow(&c->logs, &c->cap, c->n + 1,
				      sizeof(*c->logs)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	c->logs[c->n++] = l->id;
	return 0;
}

static int export_note(void *arg, const struct bt_dbtext *t)
{
	struct note_ctx *c = arg;
	size_t i;

	for (i = 0; i < c->n && c->logs[i] != t->object; i++)
		;
	if (i == c->n)
		return 0;
	return bt_log_append_note(c->x->w, strcmp(t->key, "drops") ?
				  BT_NOTE_SOURCE : BT_NOTE_DROPS, t->time,
				  t->value, t->len);
}

/* The "source" and "drops" notes of the logs of `host` (NULL: all), in
 * their order, so that a walk over the database says what their captures
 * lost as one over the log would (core/drops.h). */
static int capture_notes(struct exporter *x, const char *host)
{
	struct note_ctx c = { x, host, NULL, 0, 0 };
	int err;

	err = x->db->ops->each_log(x->db, note_log, &c);
	if (!err && c.n)
		err = x->db->ops->each_note(x->db, export_note, &c);
	free(c.logs);
	return err;
}

/* Open the log at `path`: the caller's private temporary file
 * (graph/dbgraph.c), written in place. */
static int export_open(struct exporter *x, const char *path)
{
	int err;

	if ((err = bt_log_writer_open(&x->w, path, BT_LOGW_CREATE |
				      BT_LOGW_INPLACE)))
		return err;
	if (x->flags)
		bt_log_writer_set_flags(x->w, BT_LOGF_OBJ_LEVEL);
	return 0;
}

/* Open the log at `path` and write the objects and labels of `host`. */
static int export_objects(struct exporter *x, const char *path,
			  const char *host)
{
	struct bt_db *db = x->db;
	int err;

	x->next = 0;
	x->n = 0;
	if ((err = export_open(x, path)) ||
	    (err = db->ops->each_object(db, host, true, export_object, x)))
		return err;
	if ((err = db->ops->each_label(db, export_label, x)) ||
	    (err = hosts_note(x)))
		return err;
	return capture_notes(x, host);
}

static int export_close(struct exporter *x)
{
	int err = bt_log_writer_close(x->w);

	x->w = NULL;
	return err;
}

static void export_release(struct exporter *x)
{
	if (x->w)
		bt_log_writer_abort(x->w);
	x->w = NULL;
	free(x->map);
	free(x->kind);
	free(x->ref1);
	free(x->ref2);
	free(x->dbid);
	free(x->objs);
	free(x->labs);
	free(x->arena);
	while (x->nhosts)
		free(x->hosts[--x->nhosts]);
	free(x->hosts);
	free(x->shift);
	free(x->hix);
	free(x->peer);
}

int bt_db_export_log(struct bt_db *db, const char *path,
		     bt_progress_fn progress, void *arg)
{
	return bt_db_export_log_host(db, path, NULL, progress, arg);
}

int bt_db_export_log_host(struct bt_db *db, const char *path,
			  const char *host, bt_progress_fn progress,
			  void *arg)
{
	struct exporter x = { .db = db, .some = host != NULL,
			      .progress = progress, .arg = arg };
	int err;

	if ((err = db->ops->read_begin(db)))
		return err;
	if (!(err = export_prepare(&x, host)) &&
	    !(err = export_objects(&x, path, host)) &&
	    !(err = db->ops->each_event(db, export_event, &x)))
		err = export_close(&x);
	db->ops->read_end(db);
	export_release(&x);
	return err;
}

/* ---- what a walk needs ------------------------------------------------- */

/*
 * Per object of the closure (flags[database id]).  A group is a file with
 * its pages (a walk's node at any granularity lies in one), or one other
 * object; its threshold bounds the thresholds the walk can give its nodes:
 * backward the latest time of an event that can reach it (from a group
 * reached, no later than that group's threshold), forward the earliest.
 * Only events inside the thresholds carry the walk on; every event of a
 * group reached is kept (the filters count readers and writers over the
 * whole log).
 */

struct closure {
	struct exporter *x;
	bool forward;
	bool whole;             /* both sides of every object, whole */
	bool changed;
	uint8_t *fl;
	uint64_t *th;           /* [group] threshold */
	uint64_t *got;          /* [group] the walk's side is read up to */
	/* Per group: the other extreme of the times it was reached at
	 * (backward the earliest, forward the latest), and the emptying
	 * (truncate with BT_EVF_EMPTY) that bounds its window (backward
	 * where it starts, forward where it ends; 0 none: cl_cuts(),
	 * graph/walk.c's window()); backward, the earliest
	 * writable shared mapping (which voids it). */
	uint64_t *t2, *cut, *mw;
	size_t nempty;          /* emptyings read: none, no cl_cuts() */
	uint32_t *pg_at, *pg_n; /* pages of each file: pgv[pg_at[f] ..] */
	uint32_t *pgv;
	size_t npgv, pgvcap;
	/* objects read in this round (lz_read()), and what to ask next */
	int64_t *fresh, *ask, *rfiles;
	size_t nfresh, freshcap, nask, askcap, nrf, rfcap;
	struct bt_dbstr *pre;   /* page prefixes ("0::g:FILE:") */
	size_t npre, precap;
	char *pbuf;             /* their bytes */
	size_t pblen, pbcap;
	struct { int64_t file, page; } *pp;  /* pages of files asked */
	size_t npp, ppcap;
	/* files read only as versions of others' paths (graph.c,
	 * bt_graph_file_version()): theirs are not asked for until the walk
	 * meets them */
	uint8_t *fl2;           /* [database id] LZ_* */
	bool vmode;             /* reading versions */
	int64_t *vq;            /* files met that were read as versions */
	size_t nvq, vqcap;
	int64_t *q, *up;        /* the next frontier: groups, processes */
	size_t nq, qcap, nup, upcap;
	struct bt_dbevent *ev;  /* events kept (duplicates until sorted) */
	size_t nev, evcap;
};

static int cl_push(int64_t **v, size_t *n, size_t *cap, int64_t id)
{
	if (*n == *cap && bt_grow(v, cap, *n + 1, sizeof(**v)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	(*v)[(*n)++] = id;
	return 0;
}

/* The group of an object: a page's file, or itself. */
static uint32_t cl_group(const struct closure *c, uint32_t id)
{
	const struct exporter *x = c->x;

	return x->kind[id] == BT_OBJ_PAGE && x->ref1[id] ? x->ref1[id] : id;
}

/* Queue a group for its events (cl_frontier()). */
static int cl_queue(struct closure *c, uint32_t g)
{
	if (c->fl[g] & CL_QUEUED)
		return 0;
	c->fl[g] |= CL_QUEUED;
	return cl_push(&c->q, &c->nq, &c->qcap, g);
}

/* A process the result may show: what it inherited comes from the forks
 * above it (graph.c, inherit_image()), so its forks are asked for, and
 * those of each parent found, up the chain.  Only processes reached, the
 * processes of regions reached and of the regions of events that carry the
 * walk (the result's edges): the other processes seen (the readers of a
 * file everybody reads) are counted by the filters, never shown. */
static int cl_up(struct closure *c, int64_t id)
{
	if (id <= 0 || id > c->x->max || !c->x->map[id] ||
	    c->x->kind[id] != BT_OBJ_PROCESS || (c->fl[id] & CL_UP))
		return 0;
	c->fl[id] |= CL_UP;
	return cl_push(&c->up, &c->nup, &c->upcap, id);
}

/* The walk may reach object `id` through an event at time t. */
static int cl_reach(struct closure *c, int64_t id, uint64_t t)
{
	const struct exporter *x = c->x;
	uint32_t g;

	if (id <= 0 || id > x->max || !x->map[id])
		return 0;
	g = cl_group(c, (uint32_t)id);
	if (!(c->fl[g] & CL_REACHED)) {
		int err;

		c->fl[g] |= CL_REACHED;
		c->th[g] = t;
		c->t2[g] = t;
		c->changed = true;
		if ((err = cl_queue(c, g)) ||
		    (err = cl_up(c, g)) ||
		    (x->kind[g] == BT_OBJ_REGION &&
		     (err = cl_up(c, x->ref2[g]))))
			return err;
		/* the other end of a connection between hosts: all its
		 * events (the walk's times across it are on one clock
		 * only in the log written) */
		if (x->peer && x->peer[g])
			return cl_reach(c, x->peer[g], c->forward ? 0 :
					UINT64_MAX);
		return 0;
	}
	if (c->forward ? t > c->t2[g] : t < c->t2[g]) {
		c->t2[g] = t;           /* its window may grow */
		if (c->nempty)          /* (else nothing is cut) */
			c->changed = true;
	}
	if (c->forward ? t < c->th[g] : t > c->th[g]) {
		c->th[g] = t;
		c->changed = true;
		/* past what was read of its walk's side: the rest */
		if ((c->fl[g] & CL_GOT) &&
		    (c->forward ? t < c->got[g] : t > c->got[g]))
			return cl_queue(c, g);
	}
	return 0;
}

/* The group of the object an event affects, 0 if none. */
static uint32_t cl_effect(const struct closure *c, const struct bt_dbevent *e)
{
	const struct exporter *x = c->x;

	if (e->effect <= 0 || e->effect > x->max || !x->map[e->effect])
		return 0;
	return cl_group(c, (uint32_t)e->effect);
}

/*
 * The emptying that bounds each group's window (graph/walk.c, window()):
 * backward where it starts, the last truncate with BT_EVF_EMPTY into it at
 * or before the earliest time it was reached at (none when a writable
 * shared mapping of it came first); forward where it ends, the first
 * after the latest.  Backward every event into a group up to its
 * threshold is read (cl_frontier()), forward its emptyings from its
 * threshold on (bt_db_frontier_sql()), so they are here.  The closure's
 * reach times include the walk's (it has no window and no limits), so its
 * window is never narrower than the walk's, and what the walk follows
 * stays in the closure; a detection point (whose threshold is the walk's
 * --until or --since) is never cut.
 */
static void cl_cuts(struct closure *c)
{
	size_t i;
	uint32_t g;
	int pass;

	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < c->nev; i++) {
			const struct bt_dbevent *e = &c->ev[i];

			if (!(g = cl_effect(c, e)) ||
			    (c->fl[g] & (CL_REACHED | CL_START)) !=
			    CL_REACHED)
				continue;
			if (pass == 0) {
				c->cut[g] = 0;
				c->mw[g] = UINT64_MAX;
			} else if (pass == 1) {
				bool empty = e->op == BT_OP_TRUNCATE &&
					     (e->flags & BT_EVF_EMPTY);

				if (empty && c->forward &&
				    e->time > c->t2[g] &&
				    (!c->cut[g] || e->time < c->cut[g]))
					c->cut[g] = e->time;
				if (empty && !c->forward &&
				    e->time <= c->t2[g] &&
				    e->time > c->cut[g])
					c->cut[g] = e->time;
				if (e->op == BT_OP_MMAP_WRITE &&
				    e->time < c->mw[g])
					c->mw[g] = e->time;
			} else if (!c->forward && c->mw[g] <= c->cut[g]) {
				c->cut[g] = 0;
			}
		}
	}
}

/* Carry the thresholds over the events kept until nothing moves; groups
 * reached for the first time are queued for the next frontier. */
static int cl_propagate(struct closure *c)
{
	const struct exporter *x = c->x;
	size_t i;
	int err;

	do {
		c->changed = false;
		if (c->nempty)
			cl_cuts(c);
		for (i = 0; i < c->nev; i++) {
			const struct bt_dbevent *e = &c->ev[i];
			int64_t from = c->forward ? e->cause : e->effect;
			int64_t to = c->forward ? e->effect : e->cause;
			uint32_t g;

			if (from <= 0 || from > x->max || !x->map[from])
				continue;
			g = cl_group(c, (uint32_t)from);
			if (!(c->fl[g] & CL_REACHED) ||
			    (c->forward ? e->time < c->th[g] :
			     e->time > c->th[g]))
				continue;
			/* outside the emptyings that bound its window
			 * (backward the emptying itself is followed) */
			if (!(c->fl[g] & CL_START) && c->cut[g] &&
			    (c->forward ? e->time > c->cut[g] :
			     e->time < c->cut[g]))
				continue;
			if ((err = cl_reach(c, to, e->time)))
				return err;
			if (bt_db_aux_is_object((unsigned)e->op) &&
			    e->aux > 0 && e->aux <= x->max &&
			    (err = cl_up(c, x->ref2[e->aux])))
				return err;
		}
	} while (c->changed);
	return 0;
}

static int cl_event(void *arg, const struct bt_dbevent *e)
{
	struct closure *c = arg;

	if (c->nev == c->evcap &&
	    bt_grow(&c->ev, &c->evcap, c->nev + 1, sizeof(*c->ev)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	c->ev[c->nev++] = *e;
	if (e->op == BT_OP_TRUNCATE && (e->flags & BT_EVF_EMPTY))
		c->nempty++;
	return 0;
}

/* The forks of the events from `from` on (read, with their objects): the
 * fork of a process whose forks are asked for is its parent's. */
static int cl_forks(struct closure *c, size_t from)
{
	const struct exporter *x = c->x;
	size_t i;
	int err;

	for (i = from; i < c->nev; i++) {
		const struct bt_dbevent *e = &c->ev[i];

		if (e->op == BT_OP_FORK && e->effect > 0 &&
		    e->effect <= x->max && (c->fl[e->effect] & CL_UP) &&
		    (err = cl_up(c, e->cause)))
			return err;
	}
	return 0;
}

static int cmp_event_id(const void *a, const void *b)
{
	const struct bt_dbevent *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* ---- the objects a walk reads ------------------------------------------ */

/*
 * A walk reads no object before it needs it: the detection points through
 * the indexes (bt_db_points), then, per frontier, the objects its events
 * name, in rounds of one statement each (lz_read()): the objects asked
 * for, then what they name (a page's file, a region's file and process,
 * the other end of a connection) and the pages of each file (its identity
 * keys "0::g:FILE:..."), then the regions of the files with pages; then
 * the labels of all these in one statement.  The log ids are those of the
 * log of the whole database (objects numbered by id, of `host` and the
 * shared endpoints), found from the runs of ids by host (id_runs), a
 * query that reads no row out of the server but the first and the last
 * of each run.
 */
struct runs {
	struct exporter *x;
	const char *only;
	int64_t last;
};

static int run_row(void *arg, int64_t first, int64_t last, const char *host)
{
	struct runs *r = arg;
	struct exporter *x = r->x;
	uint16_t h;
	int64_t id;

	if (first <= r->last || first > last || last > x->max)
		return bt_error_set(BT_ECORRUPT, "'%s': bad ids of objects",
				    x->db->name);
	r->last = last;
	if (r->only && host && strcmp(host, r->only))
		return 0;
	h = host ? host_ix(x, host) : 0;
	for (id = first; id <= last; id++) {
		x->map[id] = ++x->next;
		if (x->hix && host)
			x->hix[id] = h;
	}
	return 0;
}

/*
 * The runs without a scan of the objects' rows on the server: ids are
 * given log by log (core/db-int.h), so each log's objects are one range
 * of ids, all of its host but the shared endpoints (host NULL), whose
 * identity keys ("0::e:...") an index finds.  One GROUP BY over the
 * objects (a count, no rows out) gives the ranges; a log that grew later
 * (two ranges), or a hole in the ids, and the runs query does.
 */
struct lmap {
	int64_t (*r)[3];        /* log, first, last */
	size_t n, cap;
	bool bad;
	int64_t *shared;
	size_t ns, scap;
	struct { int64_t id; char *host; } *log;
	size_t nlog, lcap;
};

static int lmap_range(void *arg, const int64_t *v)
{
	struct lmap *m = arg;

	if (v[1] <= 0 || v[2] < v[1] || v[3] != v[2] - v[1] + 1) {
		m->bad = true;
		return 0;
	}
	if (m->n == m->cap && bt_grow(&m->r, &m->cap, m->n + 1,
				      sizeof(*m->r)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	m->r[m->n][0] = v[0];
	m->r[m->n][1] = v[1];
	m->r[m->n++][2] = v[2];
	return 0;
}

static int lmap_shared(void *arg, const struct bt_dbobj *o)
{
	struct lmap *m = arg;

	if (o->host)
		return 0;
	if (m->ns == m->scap && bt_grow(&m->shared, &m->scap, m->ns + 1,
					sizeof(*m->shared)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	m->shared[m->ns++] = o->id;
	return 0;
}

static int lmap_log(void *arg, const struct bt_dblog *l)
{
	struct lmap *m = arg;

	if (m->nlog == m->lcap && bt_grow(&m->log, &m->lcap, m->nlog + 1,
					  sizeof(*m->log)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	m->log[m->nlog].id = l->id;
	if (!(m->log[m->nlog++].host = strdup(l->host ? l->host : "")))
		return bt_error_set(BT_ENOMEM, "out of memory");
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;

	return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* The log ids (x->map, x->hix, x->next) of the objects of `only` (NULL:
 * all) and the shared endpoints. */
static int lz_map(struct exporter *x, const char *only)
{
	static const struct bt_dbstr ep = { "0::e:", 5 };
	struct bt_db *db = x->db;
	struct lmap m = { 0 };
	struct runs runs = { .x = x, .only = only };
	struct bt_db_pick p = { .prefixes = &ep, .nprefixes = 1 };
	size_t i, k, s = 0;
	int err;

	x->next = 0;
	if ((err = db->ops->each_ints(db, "SELECT log, min(id), max(id),"
				      " count(*) FROM objects GROUP BY log",
				      4, lmap_range, &m)) ||
	    m.bad || (err = db->ops->each_log(db, lmap_log, &m)) ||
	    (err = db->ops->pick(db, &p, lmap_shared, &m)))
		goto out;
	qsort(m.r, m.n, sizeof(*m.r), cmp_range);
	qsort(m.shared, m.ns, sizeof(*m.shared), cmp_i64);
	for (i = 0; i < m.n && !m.bad; i++) {
		for (k = 0; k < m.nlog && m.log[k].id != m.r[i][0]; k++)
			;
		if ((i && m.r[i][1] <= m.r[i - 1][2]) || k == m.nlog)
			m.bad = true;
		else
			m.r[i][0] = (int64_t)k;         /* its log's index */
	}
	for (i = 0; i < m.n && !m.bad && !err; i++) {
		int64_t id = m.r[i][1], end = m.r[i][2];
		const char *h = m.log[m.r[i][0]].host;

		while (s < m.ns && m.shared[s] < id)
			s++;
		/* pieces of the range between its shared endpoints */
		while (id <= end && !err) {
			if (s < m.ns && m.shared[s] == id) {
				err = run_row(&runs, id, id, NULL);
				id++;
				s++;
				continue;
			}
			k = s < m.ns && m.shared[s] <= end ?
			    (size_t)(m.shared[s] - 1) : (size_t)end;
			err = run_row(&runs, id, (int64_t)k, h);
			id = (int64_t)k + 1;
		}
	}
out:
	if (!err && m.bad) {
		/* the runs query, from scratch */
		memset(x->map, 0, ((size_t)x->max + 1) * sizeof(*x->map));
		x->next = 0;
		runs.last = 0;
		err = db->ops->id_runs(db, run_row, &runs);
	}
	for (i = 0; i < m.nlog; i++)
		free(m.log[i].host);
	free(m.log);
	free(m.r);
	free(m.shared);
	return err;
}

/* Ask for object `id` in the next round, if it is in the log and not read
 * (nor asked for) yet. */
static int lz_ask(struct closure *c, int64_t id)
{
	const struct exporter *x = c->x;

	if (id <= 0 || id > x->max || !x->map[id])
		return 0;
	if (c->fl[id] & CL_HAVE) {
		/* met: what it may show needs its versions and pages */
		if (!(c->fl2[id] & LZ_VONLY) || c->vmode)
			return 0;
		c->fl2[id] &= (uint8_t)~LZ_VONLY;
		return cl_push(&c->vq, &c->nvq, &c->vqcap, id);
	}
	c->fl[id] |= CL_HAVE;   /* asked: read once */
	return cl_push(&c->ask, &c->nask, &c->askcap, id);
}

/* A row of a pick. */
static int lz_object(void *arg, const struct bt_dbobj *o)
{
	struct closure *c = arg;
	struct exporter *x = c->x;
	int64_t f = o->col[DBC_FILE], p = o->col[DBC_PROCESS];
	int err;

	if (o->id <= 0 || o->id > x->max)
		return bt_error_set(BT_ECORRUPT, "'%s': bad object row %"
				    PRId64, x->db->name, o->id);
	if (!x->map[o->id])
		return 0;       /* another host's */
	/* a page of a file whose pages are asked for */
	if (o->kind && !strcmp(o->kind, "page") && f > 0 && f <= x->max &&
	    (c->fl[f] & CL_PGASK)) {
		if (c->npp == c->ppcap &&
		    bt_grow(&c->pp, &c->ppcap, c->npp + 1, sizeof(*c->pp)))
			return bt_error_set(BT_ENOMEM, "out of memory");
		c->pp[c->npp].file = f;
		c->pp[c->npp++].page = o->id;
	}
	if (x->kind[o->id])
		return 0;       /* read already (or twice in one answer) */
	if ((err = collect_object(x, o)))
		return err;
	c->fl[o->id] |= CL_HAVE;
	if (c->vmode)
		c->fl2[o->id] |= LZ_VONLY;
	x->ref1[o->id] = f > 0 && f <= x->max ? (uint32_t)f : 0;
	x->ref2[o->id] = p > 0 && p <= x->max ? (uint32_t)p : 0;
	x->db->stats.walk_objects++;
	return cl_push(&c->fresh, &c->nfresh, &c->freshcap, o->id);
}

static int lz_label(void *arg, const struct bt_dbtext *t)
{
	struct exporter *x = arg;
	struct bt_dbtext *c;
	int key = label_key(t->key);
	int64_t at;

	if (!key || !t->value || t->object <= 0 || t->object > x->max)
		return 0;
	if (x->nlabs == x->labs_cap &&
	    bt_grow(&x->labs, &x->labs_cap, x->nlabs + 1, sizeof(*x->labs)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	if ((at = keep(x, t->value, t->len)) < 0)
		return bt_error_set(BT_ENOMEM, "out of memory");
	c = &x->labs[x->nlabs++];
	*c = *t;
	c->key = bt_db_label_names[key];
	c->value = (const char *)(uintptr_t)at;
	x->db->stats.walk_labels++;
	return 0;
}

static int cmp_pp(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* Add a byte string to the prefixes (c->pbuf offsets until lz_read()). */
static int lz_prefix(struct closure *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int lz_prefix(struct closure *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = c->pbcap - c->pblen;

		va_start(ap, fmt);
		n = vsnprintf(c->pbuf ? c->pbuf + c->pblen : NULL, room, fmt,
			      ap);
		va_end(ap);
		if (n < 0)
			return bt_error_set(BT_EINVAL, "bad identity key");
		if ((size_t)n < room)
			break;
		if (bt_grow(&c->pbuf, &c->pbcap, c->pblen + (size_t)n + 1, 1))
			return bt_error_set(BT_ENOMEM, "out of memory");
	}
	if (c->npre == c->precap &&
	    bt_grow(&c->pre, &c->precap, c->npre + 1, sizeof(*c->pre)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	c->pre[c->npre].p = (const char *)(uintptr_t)c->pblen;
	c->pre[c->npre++].len = (size_t)n;
	c->pblen += (size_t)n;
	return 0;
}

/*
 * Read the objects of *p (more may be in c->ask, c->pre), and rounds
 * after it until nothing more is named, then their labels.  A pick's
 * prefixes and idents given by the caller are used as they are; the
 * pages' prefixes are added here.
 */
static int lz_read(struct closure *c, struct bt_db_pick *p)
{
	struct exporter *x = c->x;
	struct bt_db *db = x->db;
	size_t i, k, nlab = 0, round;
	int64_t *labs = NULL;
	size_t labcap = 0;
	int err = 0;

	for (round = 0;; round++) {
		struct bt_dbstr *pre = NULL;

		if (round) {
			memset(p, 0, sizeof(*p));
			if (!c->nask && !c->npre && !c->nrf)
				break;
		}
		/* the pages' prefixes, as pointers now */
		if (c->npre) {
			size_t n = p->nprefixes + c->npre;

			if (!(pre = malloc(n * sizeof(*pre))))
				return bt_error_set(BT_ENOMEM,
						    "out of memory");
			for (i = 0; i < p->nprefixes; i++)
				pre[i] = p->prefixes[i];
			for (k = 0; k < c->npre; k++, i++) {
				pre[i].p = c->pbuf + (uintptr_t)c->pre[k].p;
				pre[i].len = c->pre[k].len;
			}
			p->prefixes = pre;
			p->nprefixes = n;
		}
		if (c->nask) {
			p->ids = c->ask;
			p->nids = c->nask;
		}
		p->rfiles = c->rfiles;
		p->nrfiles = c->nrf;
		c->nfresh = 0;
		c->npp = 0;
		err = db->ops->pick(db, p, lz_object, c);
		free(pre);
		c->nask = c->npre = c->pblen = c->nrf = 0;
		if (err)
			break;
		/* the pages of the files asked for, by id */
		if (c->npp) {
			qsort(c->pp, c->npp, sizeof(*c->pp), cmp_pp);
			for (i = 0; i < c->npp && !err; i++) {
				int64_t f = c->pp[i].file;

				if ((c->fl[f] & CL_PGDONE) ||
				    (i && f == c->pp[i - 1].file &&
				     c->pp[i].page == c->pp[i - 1].page))
					continue;
				if (!c->pg_n[f])
					c->pg_at[f] = (uint32_t)c->npgv;
				if (c->npgv == c->pgvcap &&
				    bt_grow(&c->pgv, &c->pgvcap, c->npgv + 1,
					    sizeof(*c->pgv)))
					err = bt_error_set(BT_ENOMEM,
							   "out of memory");
				if (err)
					break;
				c->pgv[c->npgv++] = (uint32_t)c->pp[i].page;
				c->pg_n[f]++;
			}
			for (i = 0; i < c->npp; i++)
				c->fl[c->pp[i].file] |= CL_PGDONE;
		}
		/* what the objects read name */
		for (i = 0; i < c->nfresh && !err; i++) {
			int64_t id = c->fresh[i];

			if (nlab == labcap &&
			    bt_grow(&labs, &labcap, nlab + 1, sizeof(*labs))) {
				err = bt_error_set(BT_ENOMEM, "out of memory");
				break;
			}
			labs[nlab++] = id;
			if ((err = lz_ask(c, x->ref1[id])) ||
			    (err = lz_ask(c, x->ref2[id])) ||
			    (x->peer && (err = lz_ask(c, x->peer[id]))))
				break;
			if (x->kind[id] == BT_OBJ_FILE &&
			    !(c->fl2[id] & LZ_VONLY) &&
			    !(c->fl[id] & CL_PGASK)) {
				c->fl[id] |= CL_PGASK;
				err = lz_prefix(c, "0::g:%" PRId64 ":", id);
			}
		}
	}
	if (!err && nlab)
		err = db->ops->labels_of(db, labs, nlab, lz_label, x);
	free(labs);
	return err;
}

/* Add the PATH labels of file `id` (read, x->labs from `from`) to the
 * values of *v (offsets into *buf). */
static int lz_paths(struct closure *c, int64_t id, size_t from,
		    struct bt_dbstr **v, size_t *n, size_t *cap, char **buf,
		    size_t *len, size_t *bcap)
{
	struct exporter *x = c->x;
	size_t i;

	if (c->fl2[id] & (LZ_VONLY | LZ_VASKED))
		return 0;
	c->fl2[id] |= LZ_VASKED;
	for (i = from; i < x->nlabs; i++) {
		const struct bt_dbtext *t = &x->labs[i];

		if (t->object != id ||
		    t->key != bt_db_label_names[BT_LABEL_PATH])
			continue;
		if ((*n == *cap && bt_grow(v, cap, *n + 1, sizeof(**v))) ||
		    (*len + t->len > *bcap &&
		     bt_grow(buf, bcap, *len + t->len, 1)))
			return bt_error_set(BT_ENOMEM, "out of memory");
		memcpy(*buf + *len, x->arena + (uintptr_t)t->value, t->len);
		(*v)[*n].p = (const char *)(uintptr_t)*len;
		(*v)[(*n)++].len = t->len;
		*len += t->len;
	}
	return 0;
}

/*
 * lz_read(), then the other files of the paths of the files read (their
 * versions), and what the walk met of the files read as versions only:
 * their pages, their versions.
 */
static int lz_load(struct closure *c, struct bt_db_pick *p)
{
	struct exporter *x = c->x;
	struct bt_dbstr *v = NULL;
	char *buf = NULL;
	size_t from = x->nlabs, n, cap = 0, len, bcap = 0, i, k;
	int err;

	if ((err = lz_read(c, p)))
		return err;
	for (;;) {
		n = len = 0;
		for (i = from; i < x->nlabs && !err; i++)
			if (x->kind[x->labs[i].object] == BT_OBJ_FILE)
				err = lz_paths(c, x->labs[i].object, from, &v,
					       &n, &cap, &buf, &len, &bcap);
		/* met after being read as versions: all their labels */
		for (k = 0; k < c->nvq && !err; k++) {
			int64_t id = c->vq[k];

			if (!(c->fl[id] & CL_PGASK)) {
				c->fl[id] |= CL_PGASK;
				err = lz_prefix(c, "0::g:%" PRId64 ":", id);
			}
			if (!err)
				err = lz_paths(c, id, 0, &v, &n, &cap, &buf,
					       &len, &bcap);
		}
		c->nvq = 0;
		if (err || (!n && !c->npre))
			break;
		for (i = 0; i < n; i++)
			v[i].p = buf + (uintptr_t)v[i].p;
		memset(p, 0, sizeof(*p));
		p->values = v;
		p->nvalues = n;
		from = x->nlabs;
		c->vmode = true;
		err = lz_read(c, p);
		c->vmode = false;
		if (err)
			break;
	}
	free(v);
	free(buf);
	return err;
}

/* Read what the events from `from` on name. */
static int lz_events(struct closure *c, size_t from)
{
	struct bt_db_pick p = { 0 };
	size_t i;
	int err;

	for (i = from; i < c->nev; i++) {
		const struct bt_dbevent *e = &c->ev[i];

		if ((err = lz_ask(c, e->cause)) ||
		    (err = lz_ask(c, e->effect)) ||
		    (bt_db_aux_is_object((unsigned)e->op) &&
		     (err = lz_ask(c, e->aux))))
			return err;
	}
	if (!c->nask && !c->nvq)
		return 0;
	return lz_load(c, &p);
}

/* The regions of the files reached that have pages (walk.c, file_vma():
 * the ranges a page's node spans at vma granularity), at the end: they
 * change nothing in what the walk reads, and finding them is a scan (no
 * index on objects.file). */
static int lz_regions(struct closure *c)
{
	struct exporter *x = c->x;
	struct bt_db_pick p = { 0 };
	int64_t id;
	int err;

	for (id = 1; id <= x->max; id++)
		if (c->pg_n[id] && (c->fl[id] & CL_REACHED) &&
		    (err = cl_push(&c->rfiles, &c->nrf, &c->rfcap, id)))
			return err;
	if (!c->nrf)
		return 0;
	return lz_load(c, &p);
}

/* The objects the detection points may be (struct bt_db_points). */
static int lz_points(struct closure *c, const struct bt_db_points *pt,
		     const char *only)
{
	struct exporter *x = c->x;
	struct bt_db_pick p = { 0 };
	struct bt_dbstr *v = NULL, *id = NULL;
	size_t i, h, n = 0, cap, nid = 0;
	int err = 0;
	/* per host (only's, or all): filename and process keys, ends */
	size_t nh = only ? 1 : x->nhosts;

	cap = pt->npaths + 1;
	if (!(v = calloc(cap, sizeof(*v))) ||
	    !(id = calloc(pt->nfilenames * (nh + 1) + pt->nendpoints + 1,
			  sizeof(*id)))) {
		err = bt_error_set(BT_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < pt->npaths; i++)
		v[n++] = (struct bt_dbstr){ pt->paths[i],
					    strlen(pt->paths[i]) };
	/* keys made below go to c->pbuf as prefixes; exact ones are kept
	 * apart as offsets, then turned into pointers */
	for (h = 0; h < nh && !err; h++) {
		const char *hn = only ? only : x->hosts[h];
		size_t hl = strlen(hn), at;

		for (i = 0; i < pt->nfilenames && !err; i++) {
			at = c->npre;
			if ((err = lz_prefix(c, "%zu:%s:n:%s", hl, hn,
					     pt->filenames[i])))
				break;
			/* exact: moved out of the prefixes */
			id[nid++] = c->pre[at];
			c->npre = at;
		}
		for (i = 0; i < pt->nendpoints && !err; i++)
			err = lz_prefix(c, "%zu:%s:e:%s:l:", hl, hn,
					pt->endpoints[i]);
		for (i = 0; i < pt->npids && !err; i++)
			err = lz_prefix(c, "%zu:%s:p:%" PRIu32 ":", hl, hn,
					pt->pids[i]);
	}
	for (i = 0; i < pt->nendpoints && !err; i++) {
		size_t at = c->npre;

		if ((err = lz_prefix(c, "0::e:%s", pt->endpoints[i])))
			break;
		id[nid++] = c->pre[at];
		c->npre = at;
	}
	if (err)
		goto out;
	for (i = 0; i < nid; i++)
		id[i].p = c->pbuf + (uintptr_t)id[i].p;
	p.values = v;
	p.nvalues = n;
	p.idents = id;
	p.nidents = nid;
	err = lz_load(c, &p);
out:
	free(v);
	free(id);
	return err;
}

/* A copy of `v` at the end of (*s)[*n]. */
static int push_copy(char ***s, size_t *n, size_t *cap, const char *v)
{
	if (bt_grow(s, cap, *n + 1, sizeof(**s)) || !((*s)[*n] = strdup(v)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	(*n)++;
	return 0;
}

/* The endpoints named as the paths of the detection points (walk.c,
 * start_aliases(): a point's path names these endpoints too). */
static int lz_aliases(struct closure *c, const uint32_t *starts, size_t n,
		      const char *host)
{
	struct exporter *x = c->x;
	struct bt_db_points pt = { 0 };
	char **s = NULL;
	size_t i, k, ns = 0, cap = 0;
	int err = 0;

	for (i = 0; i < n && !err; i++) {
		int64_t id, f;

		if (!starts[i] || starts[i] > x->next)
			continue;
		id = x->dbid[starts[i]];
		f = x->kind[id] == BT_OBJ_PAGE ? x->ref1[id] : id;
		for (k = 0; k < x->nobjs && !err; k++) {
			const struct bt_dbobj *o = &x->objs[k];

			if (o->id != id || !(o->has & (1u << DBC_PATH)) ||
			    (x->kind[id] != BT_OBJ_FILENAME &&
			     x->kind[id] != BT_OBJ_ENDPOINT))
				continue;
			err = push_copy(&s, &ns, &cap,
					x->arena + (uintptr_t)o->path);
		}
		for (k = 0; k < x->nlabs && !err; k++) {
			const struct bt_dbtext *t = &x->labs[k];

			if (t->object != f || x->kind[f] != BT_OBJ_FILE ||
			    t->key != bt_db_label_names[BT_LABEL_PATH])
				continue;
			err = push_copy(&s, &ns, &cap,
					x->arena + (uintptr_t)t->value);
		}
	}
	if (!err && ns) {
		pt.endpoints = (const char *const *)s;
		pt.nendpoints = ns;
		err = lz_points(c, &pt, host);
	}
	for (i = 0; i < ns; i++)
		free(s[i]);
	free(s);
	return err;
}

/* An object of the log the walk did not read: a file without a name nor
 * events, which no walk, no detection point, no output meets (a file
 * name without a path would do too, but a run of those decodes to more
 * than a block of the log may: core/log.c, decode_need()). */
static int hole(struct exporter *x)
{
	return bt_log_append_file(x->w, ++x->next, 0, 0, 0);
}

/* Write the walk's log: the objects read under their ids (the others as
 * holes: hole()), then their labels (by id), or, `compact`, the
 * objects read numbered from 1 (x->dbid maps them back), for resolve(). */
static int walk_write(struct exporter *x, const char *path, const char *host,
		      bool compact)
{
	uint32_t *map = NULL, n = x->next;
	size_t i;
	int err;

	qsort(x->objs, x->nobjs, sizeof(*x->objs), cmp_obj_id);
	qsort(x->labs, x->nlabs, sizeof(*x->labs), cmp_label_id);
	if (compact) {
		map = x->map;
		if (!(x->map = calloc((size_t)x->max + 1, sizeof(*x->map)))) {
			x->map = map;
			return bt_error_set(BT_ENOMEM, "out of memory");
		}
	}
	x->n = 0;
	x->next = 0;
	if ((err = export_open(x, path)))
		goto out;
	for (i = 0; i < x->nobjs && !err; i++) {
		struct bt_dbobj o = x->objs[i];

		o.path = x->arena + (uintptr_t)o.path;
		while (!compact && x->next + 1 < x->map[o.id] && !err)
			err = hole(x);
		if (!err)
			err = export_object(x, &o);
	}
	while (!compact && x->next < n && !err)
		err = hole(x);
	for (i = 0; i < x->nlabs && !err; i++) {
		struct bt_dbtext t = x->labs[i];

		t.value = x->arena + (uintptr_t)t.value;
		err = export_label(x, &t);
	}
	if (!err && !compact && !(err = hosts_note(x)))
		err = capture_notes(x, host);
out:
	if (compact) {
		free(x->map);
		x->map = map;
	}
	return err;
}

/*
 * The statement of one frontier.  Of every object asked for, the events on
 * the walk's side (backward: the events that affect it) inside the time
 * its group's threshold allows (cl_frontier()): the walk carries on only
 * through these.  Of the rest of its lists, what the filters and the
 * loader read (graph/filter.c, graph.c), no more: the readers of a file
 * everybody reads, the writes of a busy process are tens of thousands of
 * events the walk never crosses.  By kind:
 *  - a file (and a region, a file name): of each side, its first
 *    BT_DB_SIDE events (run_by_reader(): the first 64; is_private(): the
 *    first), found one at a time through the index in a recursive query;
 *    the first exec of it (executed(); the partial index events_exec) and
 *    the first write into it (written_before()); and when its first 64
 *    readers are not 64 processes, the first event with each other object
 *    for the first 64 of them (readers(): up to 64 distinct, in list
 *    order), from its first BT_DB_DEEP events (found the same way) or,
 *    past those, from all its events; each in the graph's order (time,
 *    then id);
 *  - a page: the first write into it (written_before());
 *  - a process: its forks (forked_by()), asked for as `up`; and on a
 *    store of one host (no connections joined between hosts: the graph
 *    joins the ends of one log itself, graph/channel.c) every event of a
 *    connection, as the span of an end the walk does not reach counts;
 *  - an end of a connection: everything (its span is its first and last
 *    events), as every object of a result whose output counts each
 *    node's events (the HTML report) or reads them (PROV-JSON).
 * A list made of these and of events other lists bring answers each of
 * those questions as the whole list: what precedes the 64th first event
 * with another object has only objects among the first 63.
 */
#define BT_DB_SIDE 64
#define BT_DB_DEEP 1024
#define FRONTIER_COLS "id, time, op, flags, aux, cause, effect"

/* rX(o, id, n): the first `k` events of each object of `set` (sl, or a
 * CTE of the same shape) in column s, in order (time, id): each the next
 * after the one before, one index step each. */
static void first_sql(struct bt_sb *sb, const char *r, const char *set,
		      const char *s, int k)
{
	bt_sb_addf(sb, "%s(o, id, n) AS (SELECT o, (SELECT id FROM events"
		   " WHERE %s = %s.o ORDER BY time, id LIMIT 1), 1 FROM %s"
		   " UNION ALL SELECT %s.o, (SELECT x.id FROM events x WHERE"
		   " x.%s = %s.o AND x.time >= e.time AND (x.time > e.time OR"
		   " x.id > e.id) ORDER BY x.time, x.id LIMIT 1), %s.n + 1"
		   " FROM %s JOIN events e ON e.id = %s.id WHERE %s.n < %d)",
		   r, s, set, set, r, s, r, r, r, r, r, k);
}

/* The objects of rX whose first `k` events (all it has, if fewer) have
 * fewer than BT_DB_SIDE other objects: their readers() need more. */
static void few_sql(struct bt_sb *sb, const char *name, const char *r,
		    int k)
{
	bt_sb_addf(sb, "%s(o) AS (SELECT %s.o FROM %s JOIN events e ON e.id"
		   " = %s.id GROUP BY %s.o HAVING count(*) = %d AND"
		   " count(DISTINCT e.effect) < %d)", name, r, r, r, r, k,
		   BT_DB_SIDE);
}

/* Of the events `from` (rows with the event columns), the first with each
 * other object (effect), for the first BT_DB_SIDE such objects of each
 * cause. */
static void distinct_sql(struct bt_sb *sb, const char *from)
{
	bt_sb_addf(sb, "SELECT " FRONTIER_COLS " FROM (SELECT " FRONTIER_COLS
		   ", CASE WHEN rt = 1 THEN row_number() OVER (PARTITION BY"
		   " cause, rt = 1 ORDER BY time, id) END AS rd FROM (SELECT "
		   FRONTIER_COLS ", row_number() OVER (PARTITION BY cause,"
		   " effect ORDER BY time, id) AS rt FROM %s) AS a) AS b WHERE"
		   " rd <= %d", from, BT_DB_SIDE);
}

/* The first event of each object in column s whose op is in `ops`. */
static void first_op_sql(struct bt_sb *sb, const char *s, const char *ops)
{
	bt_sb_addf(sb, "SELECT " FRONTIER_COLS " FROM events WHERE id IN"
		   " (SELECT (SELECT id FROM events WHERE %s = sl.o AND op %s"
		   " ORDER BY time, id LIMIT 1) FROM sl)", s, ops);
}

char *bt_db_frontier_sql(bool forward, const struct bt_db_fspell *sp)
{
	const char *ws = forward ? "cause" : "effect";
	struct bt_sb sb = { 0 };
	bool any = false;
	char conn[64], ops[64];

	snprintf(conn, sizeof(conn), "(%d, %d, %d, %d)", BT_OP_CONNECT,
		 BT_OP_ACCEPT, BT_OP_RECV, BT_OP_SEND);
	if (sp->from_summ) {
		bt_sb_addf(&sb, "WITH RECURSIVE sl(o) AS (SELECT value FROM"
			   " %s), ", sp->from_summ);
		first_sql(&sb, "rc", "sl", "cause", BT_DB_SIDE);
		bt_sb_adds(&sb, ", ");
		first_sql(&sb, "re", "sl", "effect", BT_DB_SIDE);
		/* the files whose first 64 readers are fewer processes: their
		 * first BT_DB_DEEP events, and past those (a file read over
		 * and over by a few) all */
		bt_sb_adds(&sb, ", ");
		few_sql(&sb, "few", "rc", BT_DB_SIDE);
		bt_sb_adds(&sb, ", ");
		first_sql(&sb, "rk", "few", "cause", BT_DB_DEEP);
		bt_sb_adds(&sb, ", ");
		few_sql(&sb, "need", "rk", BT_DB_DEEP);
		bt_sb_adds(&sb, " ");
	}
#define BRANCH() (any ? bt_sb_adds(&sb, " UNION ALL ") : (void)0, any = true)
	if (sp->from_range) {
		BRANCH();
		bt_sb_addf(&sb, "SELECT e.id, e.time, e.op, e.flags, e.aux,"
			   " e.cause, e.effect FROM %s JOIN events e ON"
			   " e.%s = f.o AND e.time BETWEEN f.lo AND f.hi",
			   sp->from_range, ws);
	}
	/* Forward, the emptyings of a file in that time (truncates to 0,
	 * on the other side): the walk's window of the file ends at the
	 * first after what reached it (graph/walk.c, cut_after()); backward
	 * the walk's side holds them. */
	if (sp->from_range && forward) {
		BRANCH();
		bt_sb_addf(&sb, "SELECT e.id, e.time, e.op, e.flags, e.aux,"
			   " e.cause, e.effect FROM %s JOIN events e ON"
			   " e.effect = f.o AND e.time BETWEEN f.lo AND f.hi"
			   " AND e.op = %d AND (e.flags & %d) <> 0",
			   sp->from_range, BT_OP_TRUNCATE, BT_EVF_EMPTY);
	}
	if (sp->from_summ) {
		BRANCH();
		bt_sb_adds(&sb, "SELECT " FRONTIER_COLS " FROM events WHERE id"
			   " IN (SELECT id FROM rc UNION ALL SELECT id FROM"
			   " re)");
		BRANCH();
		snprintf(ops, sizeof(ops), "= %d", BT_OP_EXEC);
		first_op_sql(&sb, "cause", ops);
		BRANCH();
		snprintf(ops, sizeof(ops), "IN (%d, %d, %d, %d)", BT_OP_WRITE,
			 BT_OP_TRUNCATE, BT_OP_MMAP_WRITE, BT_OP_PAGE_WRITE);
		first_op_sql(&sb, "effect", ops);
		BRANCH();
		distinct_sql(&sb, "events WHERE id IN (SELECT id FROM rk)");
		BRANCH();
		{
			char from[96];

			snprintf(from, sizeof(from), "events WHERE cause %s",
				 sp->in_need);
			distinct_sql(&sb, from);
		}
	}
	if (sp->from_pages) {
		BRANCH();
		bt_sb_addf(&sb, "SELECT " FRONTIER_COLS " FROM events WHERE"
			   " id IN (SELECT (SELECT id FROM events WHERE"
			   " effect = p.value AND op IN (%d, %d, %d, %d)"
			   " ORDER BY time, id LIMIT 1) FROM %s)",
			   BT_OP_WRITE, BT_OP_TRUNCATE, BT_OP_MMAP_WRITE,
			   BT_OP_PAGE_WRITE, sp->from_pages);
	}
	if (sp->in_conn) {
		BRANCH();
		bt_sb_addf(&sb, "SELECT " FRONTIER_COLS " FROM events WHERE"
			   " cause %s AND op IN %s UNION ALL SELECT "
			   FRONTIER_COLS " FROM events WHERE effect %s AND op"
			   " IN %s", sp->in_conn, conn, sp->in_conn, conn);
	}
	if (sp->in_whole) {
		BRANCH();
		bt_sb_addf(&sb, "SELECT " FRONTIER_COLS " FROM events"
			   " WHERE cause %s UNION ALL SELECT " FRONTIER_COLS
			   " FROM events WHERE effect %s", sp->in_whole,
			   sp->in_whole);
	}
	if (sp->in_up || !any) {
		BRANCH();
		bt_sb_addf(&sb, "SELECT " FRONTIER_COLS " FROM events"
			   " WHERE op = %d AND effect %s", BT_OP_FORK,
			   sp->in_up ? sp->in_up : "IS NULL");
	}
#undef BRANCH
	if (sb.oom) {
		bt_sb_release(&sb);
		return NULL;
	}
	return sb.buf;
}

#define PICK_COLS "o.id, o.kind, o.pid, o.start, o.ppid, o.uid, o.dev," \
	" o.ino, o.flags, o.path, o.file, o.page, o.process, o.prot," \
	" o.first_page, o.pages, o.host"

static void lit_sql(struct bt_sb *sb, const struct bt_db_pspell *sp,
		    const struct bt_dbstr *v, bool next)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	bt_sb_adds(sb, sp->lit_open);
	for (i = 0; i < v->len; i++) {
		unsigned char b = (unsigned char)v->p[i];
		char h[3] = { hex[b >> 4], hex[b & 15], '\0' };

		/* the upper bound of a prefix: its last byte (':') + 1 */
		if (next && i + 1 == v->len)
			h[1] = hex[(b + 1) & 15], h[0] = hex[(b + 1) >> 4];
		bt_sb_adds(sb, h);
	}
	bt_sb_adds(sb, sp->lit_close);
}

char *bt_db_pick_sql(const struct bt_db_pick *p,
		     const struct bt_db_pspell *sp)
{
	struct bt_sb sb = { 0 };
	bool any = false;
	size_t i;

#define BRANCH() (any ? bt_sb_adds(&sb, " UNION ALL ") : (void)0, any = true)
	if (p->nids && sp->in_ids) {
		BRANCH();
		bt_sb_addf(&sb, "SELECT " PICK_COLS " FROM objects o WHERE"
			   " o.id %s", sp->in_ids);
	}
	/* each key an index lookup, each prefix an index range */
	if (p->nidents) {
		BRANCH();
		bt_sb_adds(&sb, "SELECT " PICK_COLS " FROM (VALUES ");
		for (i = 0; i < p->nidents; i++) {
			bt_sb_adds(&sb, i ? "), (" : "(");
			lit_sql(&sb, sp, &p->idents[i], false);
		}
		bt_sb_adds(&sb, ")) AS r JOIN objects o ON o.ident ="
			   " r.column1");
	}
	if (p->nprefixes) {
		BRANCH();
		bt_sb_adds(&sb, "SELECT " PICK_COLS " FROM (VALUES ");
		for (i = 0; i < p->nprefixes; i++) {
			bt_sb_adds(&sb, i ? "), (" : "(");
			lit_sql(&sb, sp, &p->prefixes[i], false);
			bt_sb_adds(&sb, ", ");
			lit_sql(&sb, sp, &p->prefixes[i], true);
		}
		bt_sb_adds(&sb, ")) AS r JOIN objects o ON o.ident >="
			   " r.column1 AND o.ident < r.column2");
	}
	if (p->nvalues) {
		BRANCH();
		bt_sb_adds(&sb, "SELECT " PICK_COLS " FROM objects o WHERE"
			   " o.id IN (SELECT object FROM labels WHERE key ="
			   " 'path' AND value IN (");
		for (i = 0; i < p->nvalues; i++) {
			if (i)
				bt_sb_adds(&sb, ", ");
			lit_sql(&sb, sp, &p->values[i], false);
		}
		bt_sb_adds(&sb, "))");
	}
	if (p->nrfiles && sp->in_rfiles) {
		BRANCH();
		bt_sb_addf(&sb, "SELECT " PICK_COLS " FROM objects o WHERE"
			   " o.kind = 'region' AND o.file %s", sp->in_rfiles);
	}
	if (!any)
		bt_sb_adds(&sb, "SELECT " PICK_COLS " FROM objects o WHERE"
			   " o.id IS NULL");
#undef BRANCH
	if (sb.oom) {
		bt_sb_release(&sb);
		return NULL;
	}
	return sb.buf;
}

/* The lists of one frontier, grown across frontiers. */
struct flists {
	int64_t *v[7];          /* obj, lo, hi, summ, pages, conn, whole */
	size_t n[7], cap[7];
};
enum { FL_OBJ, FL_LO, FL_HI, FL_SUMM, FL_PAGES, FL_CONN, FL_WHOLE };

static int64_t clamp_time(uint64_t t)
{
	return t > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)t;
}

/* The next frontier from the groups queued: what to ask of each member
 * (bt_db_frontier_sql()), the walk's side from where the last read of its
 * group stopped to its threshold. */
static int cl_frontier(struct closure *c, struct flists *l,
		       struct bt_db_frontier *f)
{
	const struct exporter *x = c->x;
	size_t i, k;
	int err;

	memset(l->n, 0, sizeof(l->n));
	for (i = 0; i < c->nq; i++) {
		uint32_t g = (uint32_t)c->q[i], m;
		bool first = !(c->fl[g] & CL_GOT);
		bool whole = c->whole || x->kind[g] == BT_OBJ_ENDPOINT;
		size_t np = x->kind[g] == BT_OBJ_FILE ? c->pg_n[g] : 0;
		int64_t lo, hi;

		c->fl[g] &= (uint8_t)~CL_QUEUED;
		if (c->forward) {
			lo = clamp_time(c->th[g]);
			hi = first ? INT64_MAX : clamp_time(c->got[g]) - 1;
		} else {
			lo = first ? INT64_MIN + 1 : clamp_time(c->got[g]) + 1;
			hi = clamp_time(c->th[g]);
		}
		c->fl[g] |= CL_GOT;
		c->got[g] = whole ? (c->forward ? 0 : UINT64_MAX) : c->th[g];
		if (whole && !first)
			continue;
		for (k = 0; k <= np; k++) {
			int which = -1;

			m = k ? c->pgv[c->pg_at[g] + k - 1] : g;
			if (whole) {
				which = FL_WHOLE;
			} else {
				if (lo <= hi &&
				    ((err = cl_push(&l->v[FL_OBJ],
						    &l->n[FL_OBJ],
						    &l->cap[FL_OBJ], m)) ||
				     (err = cl_push(&l->v[FL_LO],
						    &l->n[FL_LO],
						    &l->cap[FL_LO], lo)) ||
				     (err = cl_push(&l->v[FL_HI],
						    &l->n[FL_HI],
						    &l->cap[FL_HI], hi))))
					return err;
				if (first)
					which = x->kind[m] == BT_OBJ_PAGE ?
						FL_PAGES :
						x->kind[m] != BT_OBJ_PROCESS ?
						FL_SUMM : x->peer ? -1 :
						FL_CONN;
			}
			if (which >= 0 &&
			    (err = cl_push(&l->v[which], &l->n[which],
					   &l->cap[which], m)))
				return err;
		}
	}
	c->nq = 0;
	f->forward = c->forward;
	f->obj = l->v[FL_OBJ];
	f->lo = l->v[FL_LO];
	f->hi = l->v[FL_HI];
	f->n = l->n[FL_OBJ];
	f->summ = l->v[FL_SUMM];
	f->nsumm = l->n[FL_SUMM];
	f->pages = l->v[FL_PAGES];
	f->npages = l->n[FL_PAGES];
	f->conn = l->v[FL_CONN];
	f->nconn = l->n[FL_CONN];
	f->whole = l->v[FL_WHOLE];
	f->nwhole = l->n[FL_WHOLE];
	return 0;
}

int bt_db_export_walk(struct bt_db *db, const char *objects,
		      const char *path, const char *host, bool forward,
		      bool whole, const struct bt_db_points *points,
		      int (*resolve)(void *arg, const char *objects,
				     uint32_t **starts, size_t *n),
		      void *arg, bt_progress_fn progress, void *parg)
{
	struct exporter x = { .db = db, .some = host != NULL,
			      .progress = progress, .arg = parg };
	struct closure c = { .x = &x, .forward = forward, .whole = whole };
	uint32_t *starts = NULL, total;
	size_t nstarts = 0, i, k;
	int64_t *up = NULL;
	struct flists fl = { 0 };
	int err;

	if ((err = db->ops->read_begin(db)))
		return err;
	if ((err = export_prepare(&x, host)))
		goto out;
	x.kind = calloc((size_t)x.max + 1, 1);
	x.ref1 = calloc((size_t)x.max + 1, sizeof(*x.ref1));
	x.ref2 = calloc((size_t)x.max + 1, sizeof(*x.ref2));
	x.dbid = calloc((size_t)x.max + 1, sizeof(*x.dbid));
	c.fl = calloc((size_t)x.max + 1, 1);
	c.th = calloc((size_t)x.max + 1, sizeof(*c.th));
	c.got = calloc((size_t)x.max + 1, sizeof(*c.got));
	c.t2 = calloc((size_t)x.max + 1, sizeof(*c.t2));
	c.cut = calloc((size_t)x.max + 1, sizeof(*c.cut));
	c.mw = calloc((size_t)x.max + 1, sizeof(*c.mw));
	c.pg_at = calloc((size_t)x.max + 1, sizeof(*c.pg_at));
	c.pg_n = calloc((size_t)x.max + 1, sizeof(*c.pg_n));
	c.fl2 = calloc((size_t)x.max + 1, 1);
	if (!x.kind || !x.ref1 || !x.ref2 || !x.dbid || !c.fl || !c.th ||
	    !c.got || !c.t2 || !c.cut || !c.mw || !c.pg_at || !c.pg_n ||
	    !c.fl2) {
		err = bt_error_set(BT_ENOMEM, "out of memory");
		goto out;
	}
	/* The log ids of all objects (of host), then the objects the
	 * points may be, in a log of their own for the caller to find the
	 * points in. */
	if ((err = lz_map(&x, host)))
		goto out;
	total = x.next;
	if ((err = lz_points(&c, points, host)) ||
	    (err = walk_write(&x, objects, host, true)) ||
	    (err = export_close(&x)) ||
	    (err = resolve(arg, objects, &starts, &nstarts)) ||
	    (err = lz_aliases(&c, starts, nstarts, host)))
		goto out;
	for (i = 0; i < nstarts; i++) {
		int64_t id;

		if (!starts[i] || starts[i] > x.next)
			continue;
		id = x.dbid[starts[i]];
		if ((err = cl_reach(&c, id, forward ? 0 : UINT64_MAX)) ||
		    (err = cl_up(&c, id)))
			goto out;
		if (id > 0 && id <= x.max && x.map[id])
			c.fl[cl_group(&c, (uint32_t)id)] |= CL_START;
	}
	x.next = total;
	/* One query per frontier, and what its events name. */
	while (c.nq || c.nup) {
		struct bt_db_frontier f;
		size_t from = c.nev;

		free(up);
		up = c.up;
		f.up = up;
		f.nup = c.nup;
		c.up = NULL;
		c.nup = c.upcap = 0;
		if ((err = cl_frontier(&c, &fl, &f)))
			goto out;
		db->stats.frontiers++;
		if ((err = db->ops->frontier(db, &f, cl_event, &c)) ||
		    (err = lz_events(&c, from)) ||
		    (err = cl_forks(&c, from)) ||
		    (err = cl_propagate(&c)))
			goto out;
	}
	if ((err = lz_regions(&c)))
		goto out;
	qsort(c.ev, c.nev, sizeof(*c.ev), cmp_event_id);
	for (i = k = 0; i < c.nev; i++)
		if (!k || c.ev[k - 1].id != c.ev[i].id)
			c.ev[k++] = c.ev[i];
	c.nev = k;
	db->stats.walk_events += k;
	/* The log the walk runs on: the objects read, the events kept. */
	x.closure = c.fl;
	x.total = c.nev;
	if ((err = walk_write(&x, path, host, false)))
		goto out;
	for (i = 0; i < c.nev; i++)
		if ((err = export_event(&x, &c.ev[i])))
			goto out;
	err = export_close(&x);
out:
	db->ops->read_end(db);
	export_release(&x);
	free(starts);
	free(up);
	for (i = 0; i < BT_ARRAY_SIZE(fl.v); i++)
		free(fl.v[i]);
	free(c.q);
	free(c.got);
	free(c.up);
	free(c.fl);
	free(c.th);
	free(c.t2);
	free(c.cut);
	free(c.mw);
	free(c.pg_at);
	free(c.pg_n);
	free(c.pgv);
	free(c.fresh);
	free(c.ask);
	free(c.rfiles);
	free(c.pre);
	free(c.pbuf);
	free(c.pp);
	free(c.fl2);
	free(c.vq);
	free(c.ev);
	return err;
}

void bt_db_get_stats(const struct bt_db *db, struct bt_db_stats *out)
{
	*out = db->stats;
}

/* ---- investigations ---------------------------------------------------- */

void bt_db_inv_release(struct bt_db_inv *inv)
{
	if (!inv)
		return;
	free(inv->name);
	free(inv->direction);
	free(inv->spec);
	free(inv->options);
	free(inv->result);
	memset(inv, 0, sizeof(*inv));
}

int bt_db_save(struct bt_db *db, const struct bt_db_inv *inv)
{
	if (!inv->name || !*inv->name)
		return bt_error_set(BT_EINVAL, "an investigation needs a name");
	if (db->readonly)
		return bt_error_set(BT_EINVAL, "'%s' is open read-only",
				    db->name);
	return db->ops->inv_save(db, inv);
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

static int inv_copy(void *arg, const struct bt_db_inv *in)
{
	struct bt_db_inv *out = arg;

	out->name = dup_or_empty(in->name);
	out->direction = dup_or_empty(in->direction);
	out->spec = dup_or_empty(in->spec);
	out->options = dup_or_empty(in->options);
	out->result = dup_or_empty(in->result);
	out->created = in->created;
	out->nodes = in->nodes;
	out->edges = in->edges;
	if (!out->name || !out->direction || !out->spec || !out->options ||
	    !out->result) {
		bt_db_inv_release(out);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	return 1;
}

int bt_db_get(struct bt_db *db, const char *name, struct bt_db_inv *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = db->ops->inv_each(db, name, inv_copy, out);
	if (err < 0)
		return err;
	if (!err)
		return bt_error_set(BT_ENOTFOUND, "no investigation '%s' in "
				    "'%s'", name, db->name);
	return 0;
}

int bt_db_list(struct bt_db *db,
	       int (*fn)(void *arg, const struct bt_db_inv *inv), void *arg)
{
	return db->ops->inv_each(db, NULL, fn, arg);
}
