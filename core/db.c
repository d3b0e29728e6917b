/*
 * db.c - the sqlite case database (see db.h; users' specification of the
 * schema: man/btrack-db.5).
 *
 * Adding a log is two passes over its mapping: the first validates every
 * record (bt_log_next()), counts, hashes the committed bytes and finds the
 * path of every file numbered by an importer (its identity); the second
 * inserts, in one transaction, through prepared statements made once per
 * database.  An object is looked up by its identity key (`ident`, a unique
 * text column) and inserted only if it is new; a per-log table maps the
 * log's object ids to database ids.  Into an empty database the events go
 * without their indexes, which are built after the bulk insert.
 *
 * It does not walk: bt_db_graph() (graph/dbgraph.c) turns the database
 * back into a log and the walk runs on that (graph/walk.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "db.h"
#include "error.h"
#include "hash.h"
#include "log.h"
#include "timefmt.h"
#include "util.h"

/* Statements kept for the life of the database. */
enum {
	ST_OBJ_INSERT, ST_OBJ_FIND, ST_EVENT, ST_LABEL, ST_NOTE, ST_LOG_FIND,
	ST_N
};

struct bt_db {
	sqlite3 *sql;
	char *path;
	sqlite3_stmt *st[ST_N];
};

static const char *const schema[] = {
	"CREATE TABLE logs ("
	" id INTEGER PRIMARY KEY,"
	" hash TEXT NOT NULL UNIQUE,"
	" path TEXT NOT NULL,"
	" host TEXT NOT NULL,"
	" size INTEGER NOT NULL,"
	" events INTEGER NOT NULL,"
	" objects INTEGER NOT NULL,"
	" first_time INTEGER,"
	" last_time INTEGER,"
	" flags INTEGER NOT NULL,"
	" created INTEGER NOT NULL,"
	" added_at INTEGER NOT NULL)",
	"CREATE TABLE hosts ("
	" name TEXT PRIMARY KEY,"
	" added_at INTEGER NOT NULL)",
	"CREATE TABLE ops ("
	" op INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" cause TEXT NOT NULL,"
	" effect TEXT NOT NULL)",
	"CREATE TABLE objects ("
	" id INTEGER PRIMARY KEY,"
	" kind TEXT NOT NULL,"
	" host TEXT,"
	" ident TEXT NOT NULL UNIQUE,"
	" log INTEGER NOT NULL REFERENCES logs(id),"
	" pid INTEGER, start INTEGER, ppid INTEGER, uid INTEGER,"
	" dev INTEGER, ino INTEGER, flags INTEGER,"
	" path TEXT,"
	" file INTEGER REFERENCES objects(id),"
	" page INTEGER,"
	" process INTEGER REFERENCES objects(id),"
	" prot INTEGER, first_page INTEGER, pages INTEGER)",
	"CREATE TABLE labels ("
	" id INTEGER PRIMARY KEY,"
	" log INTEGER NOT NULL REFERENCES logs(id),"
	" object INTEGER NOT NULL REFERENCES objects(id),"
	" key TEXT NOT NULL,"
	" time INTEGER NOT NULL,"
	" value TEXT NOT NULL)",
	"CREATE INDEX labels_object ON labels(object)",
	"CREATE INDEX labels_value ON labels(value)",
	"CREATE TABLE events ("
	" id INTEGER PRIMARY KEY,"
	" log INTEGER NOT NULL REFERENCES logs(id),"
	" time INTEGER NOT NULL,"
	" op INTEGER NOT NULL REFERENCES ops(op),"
	" flags INTEGER NOT NULL,"
	" aux INTEGER NOT NULL,"
	" cause INTEGER NOT NULL REFERENCES objects(id),"
	" effect INTEGER NOT NULL REFERENCES objects(id))",
	"CREATE TABLE notes ("
	" id INTEGER PRIMARY KEY,"
	" log INTEGER NOT NULL REFERENCES logs(id),"
	" key TEXT NOT NULL,"
	" time INTEGER NOT NULL,"
	" text TEXT NOT NULL)",
	"CREATE TABLE investigations ("
	" name TEXT PRIMARY KEY,"
	" direction TEXT NOT NULL,"
	" spec TEXT NOT NULL,"
	" options TEXT NOT NULL,"
	" created INTEGER NOT NULL,"
	" nodes INTEGER NOT NULL,"
	" edges INTEGER NOT NULL,"
	" result TEXT NOT NULL)",
	"CREATE VIEW event_view AS"
	" SELECT e.id, e.log, e.time, o.name AS op, e.cause, e.effect,"
	"  e.aux, e.flags FROM events e JOIN ops o ON o.op = e.op",
};

/* Built after a bulk insert into an empty events table. */
static const char *const event_indexes[] = {
	"CREATE INDEX IF NOT EXISTS events_effect ON events(effect, time)",
	"CREATE INDEX IF NOT EXISTS events_cause ON events(cause, time)",
};

static const char *const label_names[] = {
	[BT_LABEL_EXE] = "exe", [BT_LABEL_ARGV] = "argv",
	[BT_LABEL_COMM] = "comm", [BT_LABEL_PATH] = "path",
	[BT_LABEL_CRED] = "cred", [BT_LABEL_CGROUP] = "cgroup",
};
static const char *const note_names[] = {
	[BT_NOTE_SOURCE] = "source", [BT_NOTE_DROPS] = "drops",
	[BT_NOTE_TEXT] = "text",
};

static int sqlerr(struct bt_db *db, int code, const char *what)
{
	int rc = sqlite3_errcode(db->sql);

	if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
		return bt_error_set(BT_ECORRUPT, "'%s': %s: %s", db->path,
				    what, sqlite3_errmsg(db->sql));
	if (rc == SQLITE_NOMEM)
		return bt_error_set(BT_ENOMEM, "out of memory");
	return bt_error_set(code, "'%s': %s: %s", db->path, what,
			    sqlite3_errmsg(db->sql));
}

static int exec(struct bt_db *db, const char *sql)
{
	if (sqlite3_exec(db->sql, sql, NULL, NULL, NULL) != SQLITE_OK)
		return sqlerr(db, BT_EIO, "sql");
	return 0;
}

static int prepare(struct bt_db *db, sqlite3_stmt **out, const char *sql)
{
	if (sqlite3_prepare_v2(db->sql, sql, -1, out, NULL) != SQLITE_OK)
		return sqlerr(db, BT_EIO, "sql");
	return 0;
}

/* One integer from a query of one row (or `dflt`). */
static int query_int(struct bt_db *db, const char *sql, int64_t dflt,
		     int64_t *out)
{
	sqlite3_stmt *s;
	int rc, err;

	if ((err = prepare(db, &s, sql)))
		return err;
	rc = sqlite3_step(s);
	*out = dflt;
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		*out = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sqlerr(db, BT_EIO, "query");
	return 0;
}

/* The ops table: name and the kinds each side may be.  OR IGNORE: a
 * database made by an older build learns the ops added since (symlink,
 * chmod, chown) when it is next opened for writing. */
static int put_ops(struct bt_db *db)
{
	char buf[160];
	unsigned op, ck, ek;
	int err;

	for (op = 1; op <= BT_OP_MAX; op++) {
		const char *c = NULL, *e = NULL;

		for (ck = BT_OBJ_PROCESS; ck <= BT_OBJ_ENDPOINT; ck++)
			for (ek = BT_OBJ_PROCESS; ek <= BT_OBJ_ENDPOINT; ek++)
				if (bt_op_kinds_ok(op, ck, ek)) {
					c = bt_kind_name(ck);
					e = bt_kind_name(ek);
				}
		snprintf(buf, sizeof(buf), "INSERT OR IGNORE INTO ops "
			 "VALUES(%u, '%s', '%s', '%s')", op, bt_op_name(op),
			 c ? c : "", e ? e : "");
		if ((err = exec(db, buf)))
			return err;
	}
	return 0;
}

/*
 * Create the schema of a new database.  Two `db add` may create the same
 * new database at once: the write lock is taken first (BEGIN IMMEDIATE,
 * waiting up to the busy timeout) and the database checked again inside,
 * so the second finds the first's schema instead of failing on "table
 * logs already exists".
 */
static int create_schema(struct bt_db *db)
{
	char buf[160];
	int64_t tables, appid;
	size_t i;
	int err;

	if ((err = exec(db, "BEGIN IMMEDIATE")))
		return err;
	if ((err = query_int(db, "SELECT count(*) FROM sqlite_master", 0,
			     &tables)) ||
	    (err = query_int(db, "PRAGMA application_id", 0, &appid)))
		goto fail;
	if (tables || appid)     /* made meanwhile: checked by the caller */
		return exec(db, "COMMIT");
	for (i = 0; i < BT_ARRAY_SIZE(schema); i++)
		if ((err = exec(db, schema[i])))
			goto fail;
	for (i = 0; i < BT_ARRAY_SIZE(event_indexes); i++)
		if ((err = exec(db, event_indexes[i])))
			goto fail;
	if ((err = put_ops(db)))
		goto fail;
	snprintf(buf, sizeof(buf), "PRAGMA application_id=%d",
		 (int)BT_DB_APPID);
	if ((err = exec(db, buf)))
		goto fail;
	snprintf(buf, sizeof(buf), "PRAGMA user_version=%d", BT_DB_VERSION);
	if ((err = exec(db, buf)) || (err = exec(db, "COMMIT")))
		goto fail;
	/*
	 * WAL (readers beside a writer), set outside the transaction.  The
	 * switch needs the database to itself and SQLite answers SQLITE_BUSY
	 * at once, without the busy handler, while another `db add` reads
	 * it: try again for a while.  A database left in rollback mode still
	 * works; it is only slower to share.
	 */
	for (i = 0; i < 200; i++) {
		int rc = sqlite3_exec(db->sql, "PRAGMA journal_mode=WAL", NULL,
				      NULL, NULL);

		if (rc == SQLITE_OK)
			break;
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			return sqlerr(db, BT_EIO, "sql");
		sqlite3_sleep(10);
	}
	return 0;
fail:
	sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

static const char *const stmt_sql[ST_N] = {
	[ST_OBJ_INSERT] =
		"INSERT INTO objects(kind, host, ident, log, pid, start, ppid,"
		" uid, dev, ino, flags, path, file, page, process, prot,"
		" first_page, pages) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
		" ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
		" ON CONFLICT(ident) DO NOTHING",
	[ST_OBJ_FIND] = "SELECT id FROM objects WHERE ident = ?1",
	[ST_EVENT] = "INSERT INTO events(log, time, op, flags, aux, cause,"
		     " effect) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_LABEL] = "INSERT INTO labels(log, object, key, time, value)"
		     " VALUES(?1, ?2, ?3, ?4, ?5)",
	[ST_NOTE] = "INSERT INTO notes(log, key, time, text)"
		    " VALUES(?1, ?2, ?3, ?4)",
	[ST_LOG_FIND] = "SELECT id, events, objects, first_time, last_time"
			" FROM logs WHERE hash = ?1",
};

int bt_db_open(struct bt_db **out, const char *path, unsigned flags)
{
	struct bt_db *db;
	int64_t appid, version, tables;
	int oflags, err, i;

	*out = NULL;
	if (access(path, F_OK) != 0) {
		if (errno == ENOENT && !(flags & BT_DB_CREATE))
			return bt_error_set(BT_ENOTFOUND, "no case database "
					    "'%s'", path);
		if (errno != ENOENT)
			return bt_error_set_os(BT_EIO, "cannot open '%s'",
					       path);
	}
	db = calloc(1, sizeof(*db));
	if (!db || !(db->path = strdup(path))) {
		free(db);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	oflags = (flags & BT_DB_READONLY) ? SQLITE_OPEN_READONLY :
		 SQLITE_OPEN_READWRITE;
	if (flags & BT_DB_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &db->sql, oflags, NULL) != SQLITE_OK) {
		err = db->sql ? sqlerr(db, BT_EIO, "cannot open") :
		      bt_error_set(BT_ENOMEM, "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(db->sql, 0);
	/* Another `db add` holds the write lock for one log at most. */
	sqlite3_busy_timeout(db->sql, 600000);
	if ((err = query_int(db, "SELECT count(*) FROM sqlite_master", 0,
			     &tables)))
		goto fail;
	if ((err = query_int(db, "PRAGMA application_id", 0, &appid)) ||
	    (err = query_int(db, "PRAGMA user_version", 0, &version)))
		goto fail;
	if (tables == 0 && appid == 0) {
		if (!(flags & BT_DB_CREATE) || (flags & BT_DB_READONLY)) {
			err = bt_error_set(BT_ECORRUPT, "'%s' is an empty "
					   "database, not a btrack case "
					   "database (btrack db add)", path);
			goto fail;
		}
		if ((err = create_schema(db)) ||
		    (err = query_int(db, "PRAGMA application_id", 0,
				     &appid)) ||
		    (err = query_int(db, "PRAGMA user_version", 0,
				     &version)))
			goto fail;
	}
	if (appid != BT_DB_APPID) {
		err = bt_error_set(BT_ECORRUPT, "'%s' is an sqlite database "
				   "but not a btrack case database", path);
		goto fail;
	} else if (version != BT_DB_VERSION) {
		err = bt_error_set(BT_EVERSION, "'%s': case database version "
				   "%" PRId64 ", this btrack reads version %d",
				   path, version, BT_DB_VERSION);
		goto fail;
	}
	if (!(flags & BT_DB_READONLY)) {
		int64_t nops = 0;

		if ((err = query_int(db, "SELECT count(*) FROM ops", 0,
				     &nops)) ||
		    (nops < BT_OP_MAX && (err = put_ops(db))))
			goto fail;
		for (i = 0; i < ST_N; i++)
			if ((err = prepare(db, &db->st[i], stmt_sql[i])))
				goto fail;
	}
	*out = db;
	return 0;
fail:
	bt_db_close(db);
	return err;
}

void bt_db_close(struct bt_db *db)
{
	int i;

	if (!db)
		return;
	for (i = 0; i < ST_N; i++)
		sqlite3_finalize(db->st[i]);
	sqlite3_close(db->sql);
	free(db->path);
	free(db);
}

struct sqlite3 *bt_db_sqlite(struct bt_db *db)
{
	return db->sql;
}

/* ---- adding a log ------------------------------------------------------ */

/* A 128-bit hash of bytes, 8 at a time in two lanes (not cryptographic:
 * it names a log, it does not authenticate it). */
static void hash128(const uint8_t *p, size_t n, uint64_t h[2])
{
	uint64_t a = h[0], b = h[1], w;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		a = (a ^ w) * 0x9e3779b97f4a7c15ULL;
		a ^= a >> 29;
		b = (b + w) * 0xff51afd7ed558ccdULL;
		b ^= b >> 32;
	}
	for (; i < n; i++) {
		a = (a ^ p[i]) * 0x100000001b3ULL;
		b = (b + p[i]) * 0xc4ceb9fe1a85ec53ULL;
	}
	h[0] = a;
	h[1] = b;
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
 * up to `end`, as 32 hex digits. */
static void log_hash(const struct bt_log *log, uint64_t created,
		     uint64_t end, char out[33])
{
	uint64_t h[2];

	h[0] = mix(created ^ 0x6274726b);
	h[1] = mix(end);
	hash128(bt_log_data(log) + BT_LOG_HEADER_SIZE,
		end - BT_LOG_HEADER_SIZE, h);
	snprintf(out, 33, "%016" PRIx64 "%016" PRIx64, mix(h[0] ^ end),
		 mix(h[1] + h[0]));
}

/* What the first pass found. */
struct scan {
	uint64_t events, objects, first, last, end;
	uint64_t *path_off;     /* [id]: offset of a file's first PATH label */
	size_t path_cap;
};

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

			if (l->key != BT_LABEL_PATH)
				continue;
			if (l->object >= s->path_cap) {
				size_t old = s->path_cap;

				if (bt_grow(&s->path_off, &s->path_cap,
					    (size_t)l->object + 1,
					    sizeof(*s->path_off))) {
					r = BT_ENOMEM;
					break;
				}
				memset(s->path_off + old, 0, (s->path_cap - old)
				       * sizeof(*s->path_off));
			}
			if (!s->path_off[l->object])
				s->path_off[l->object] = it.at;
		}
	}
	s->objects = it.nobjects;
	s->end = it.off;
	bt_log_iter_release(&it);
	return r < 0 ? r : 0;
}

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
};

static void bind_u64(sqlite3_stmt *s, int i, uint64_t v)
{
	sqlite3_bind_int64(s, i, (sqlite3_int64)v);
}

/* Insert or find the object whose columns are bound to ST_OBJ_INSERT;
 * returns its id in *out. */
static int put_object(struct adder *a, const char *kind, bool hosted,
		      int identlen, uint32_t logid)
{
	struct bt_db *db = a->db;
	sqlite3_stmt *s = db->st[ST_OBJ_INSERT], *f;
	int64_t id;
	int rc;

	sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	if (hosted)
		sqlite3_bind_text(s, 2, a->host, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, a->ident.buf, identlen, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, a->logid);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return sqlerr(db, BT_EIO, "inserting an object");
	if (sqlite3_changes(db->sql) == 1) {
		id = sqlite3_last_insert_rowid(db->sql);
		a->new_objects++;
	} else {
		f = db->st[ST_OBJ_FIND];
		sqlite3_bind_text(f, 1, a->ident.buf, identlen,
				  SQLITE_STATIC);
		rc = sqlite3_step(f);
		id = rc == SQLITE_ROW ? sqlite3_column_int64(f, 0) : 0;
		sqlite3_reset(f);
		if (rc != SQLITE_ROW)
			return sqlerr(db, BT_EIO, "finding an object");
	}
	if (id <= 0 || id > UINT32_MAX)
		return bt_error_set(BT_ELIMIT, "'%s': more objects than a "
				    "log can hold", db->path);
	a->map[logid] = (uint32_t)id;
	return 0;
}

static uint32_t mapped(const struct adder *a, uint32_t id)
{
	return a->map[id];
}

static int add_object(struct adder *a, const struct bt_rec_head *h)
{
	sqlite3_stmt *s = a->db->st[ST_OBJ_INSERT];
	int n;

	switch (h->type) {
	case BT_REC_PROCESS: {
		const struct bt_rec_process *p = (const void *)h;

		n = ident_set(&a->ident, a->host, "p:%u:%" PRIu64, p->pid,
			      (uint64_t)p->start);
		if (n < 0)
			return n;
		sqlite3_bind_int64(s, 5, p->pid);
		bind_u64(s, 6, p->start);
		sqlite3_bind_int64(s, 7, p->ppid);
		sqlite3_bind_int64(s, 8, p->uid);
		return put_object(a, "process", true, n, p->id);
	}
	case BT_REC_FILE: {
		const struct bt_rec_file *f = (const void *)h;
		const struct bt_rec_label *l = NULL;
		uint32_t gen;
		int r;

		if ((f->flags & BT_FILEF_SYNTH) && f->id < a->scan->path_cap &&
		    a->scan->path_off[f->id])
			l = (const void *)(bt_log_data(a->log) +
					   a->scan->path_off[f->id]);
		if (l) {
			n = ident_set(&a->ident, a->host, "s:%s",
				      bt_rec_str(&l->value));
			sqlite3_bind_text(s, 12, bt_rec_str(&l->value),
					  (int)l->value.len, SQLITE_STATIC);
		} else if (f->flags & BT_FILEF_SYNTH) {
			/* Synthetic inodes are numbered per log. */
			n = ident_set(&a->ident, a->host, "f:%" PRIu64 ":%"
				      PRIu64 ":s:%" PRId64, (uint64_t)f->dev,
				      (uint64_t)f->ino, a->logid);
		} else {
			n = ident_set(&a->ident, a->host, "f:%" PRIu64
				      ":%" PRIu64, (uint64_t)f->dev,
				      (uint64_t)f->ino);
		}
		if (n < 0)
			return n;
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
			return r;
		if (gen > 1) {
			int m;

			if ((size_t)n + 48 > a->ident.cap &&
			    bt_grow(&a->ident.buf, &a->ident.cap,
				    (size_t)n + 48, 1))
				return BT_ENOMEM;
			m = snprintf(a->ident.buf + n, a->ident.cap - (size_t)n,
				     ":%" PRId64 ":%" PRIu32, a->logid, gen);
			n += m;
		}
		if (n < 0)
			return n;
		bind_u64(s, 9, f->dev);
		bind_u64(s, 10, f->ino);
		sqlite3_bind_int64(s, 11, f->flags);
		return put_object(a, "file", true, n, f->id);
	}
	case BT_REC_FILENAME: {
		const struct bt_rec_filename *f = (const void *)h;

		n = ident_set(&a->ident, a->host, "n:%s", bt_rec_str(&f->path));
		if (n < 0)
			return n;
		sqlite3_bind_text(s, 12, bt_rec_str(&f->path),
				  (int)f->path.len, SQLITE_STATIC);
		return put_object(a, "filename", true, n, f->id);
	}
	case BT_REC_PAGE: {
		const struct bt_rec_page *p = (const void *)h;

		n = ident_set(&a->ident, NULL, "g:%u:%" PRIu64,
			      mapped(a, p->file), (uint64_t)p->index);
		if (n < 0)
			return n;
		sqlite3_bind_int64(s, 13, mapped(a, p->file));
		bind_u64(s, 14, p->index);
		return put_object(a, "page", true, n, p->id);
	}
	case BT_REC_ENDPOINT: {
		const struct bt_rec_endpoint *e = (const void *)h;

		n = ident_set(&a->ident, NULL, "e:%s", bt_rec_str(&e->addr));
		if (n < 0)
			return n;
		sqlite3_bind_text(s, 12, bt_rec_str(&e->addr),
				  (int)e->addr.len, SQLITE_STATIC);
		return put_object(a, "endpoint", false, n, e->id);
	}
	case BT_REC_REGION: {
		const struct bt_rec_region *r = (const void *)h;

		n = ident_set(&a->ident, NULL, "r:%u:%u:%u:%" PRIu64 ":%"
			      PRIu64, mapped(a, r->process),
			      mapped(a, r->file), r->prot,
			      (uint64_t)r->first, (uint64_t)r->count);
		if (n < 0)
			return n;
		sqlite3_bind_int64(s, 13, mapped(a, r->file));
		sqlite3_bind_int64(s, 15, mapped(a, r->process));
		sqlite3_bind_int64(s, 16, r->prot);
		bind_u64(s, 17, r->first);
		bind_u64(s, 18, r->count);
		return put_object(a, "region", true, n, r->id);
	}
	}
	return 0;
}

static bool aux_is_object(unsigned op)
{
	return op == BT_OP_PAGE_READ || op == BT_OP_PAGE_WRITE ||
	       op == BT_OP_MMAP_READ || op == BT_OP_MMAP_WRITE;
}

static int add_records(struct adder *a, bt_progress_fn progress, void *arg)
{
	struct bt_db *db = a->db;
	sqlite3_stmt *ev = db->st[ST_EVENT];
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	uint64_t n = 0;
	int r, err = 0;

	sqlite3_bind_int64(ev, 1, a->logid);
	bt_log_iter_init(&it, a->log);
	while ((r = bt_log_next(&it, &h)) == 1) {
		if (it.at < a->skip) {
			/* Added before: only map its objects' ids. */
			if (bt_rec_is_object(h->type) &&
			    (err = add_object(a, h)))
				break;
			continue;
		}
		if (h->type == BT_REC_EVENT) {
			const struct bt_rec_event *e = (const void *)h;
			uint32_t aux = e->aux;

			if (aux_is_object(e->op) && aux)
				aux = aux < it.nobjects + 1 ? mapped(a, aux) :
				      0;
			bind_u64(ev, 2, e->time);
			sqlite3_bind_int(ev, 3, e->op);
			sqlite3_bind_int(ev, 4, e->flags);
			sqlite3_bind_int64(ev, 5, aux);
			sqlite3_bind_int64(ev, 6, mapped(a, e->cause));
			sqlite3_bind_int64(ev, 7, mapped(a, e->effect));
			if (sqlite3_step(ev) != SQLITE_DONE) {
				sqlite3_reset(ev);
				err = sqlerr(db, BT_EIO, "inserting an event");
				break;
			}
			sqlite3_reset(ev);
			a->events++;
			if (progress && !(++n & 0xffff))
				progress(arg, it.off, a->scan->end);
		} else if (h->type == BT_REC_LABEL) {
			const struct bt_rec_label *l = (const void *)h;
			sqlite3_stmt *s = db->st[ST_LABEL];
			int rc;

			if (l->object == 0 || l->object > it.nobjects ||
			    l->key == 0 || l->key > BT_LABEL_MAX)
				continue;
			sqlite3_bind_int64(s, 1, a->logid);
			sqlite3_bind_int64(s, 2, mapped(a, l->object));
			sqlite3_bind_text(s, 3, label_names[l->key], -1,
					  SQLITE_STATIC);
			bind_u64(s, 4, l->time);
			sqlite3_bind_text(s, 5, bt_rec_str(&l->value),
					  (int)l->value.len, SQLITE_STATIC);
			rc = sqlite3_step(s);
			sqlite3_reset(s);
			if (rc != SQLITE_DONE) {
				err = sqlerr(db, BT_EIO, "inserting a label");
				break;
			}
		} else if (h->type == BT_REC_NOTE) {
			const struct bt_rec_note *o = (const void *)h;
			sqlite3_stmt *s = db->st[ST_NOTE];
			const char *k = o->key >= 1 && o->key <= BT_NOTE_TEXT ?
					note_names[o->key] : "other";
			int rc;

			sqlite3_bind_int64(s, 1, a->logid);
			sqlite3_bind_text(s, 2, k, -1, SQLITE_STATIC);
			bind_u64(s, 3, o->time);
			sqlite3_bind_text(s, 4, bt_rec_str(&o->text),
					  (int)o->text.len, SQLITE_STATIC);
			rc = sqlite3_step(s);
			sqlite3_reset(s);
			if (rc != SQLITE_DONE) {
				err = sqlerr(db, BT_EIO, "inserting a note");
				break;
			}
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
static int find_prefix(struct bt_db *db, const struct bt_log *log,
		       uint64_t created, uint64_t end, struct adder *a)
{
	sqlite3_stmt *s;
	char hash[33];
	int64_t size;
	int rc, err;

	if ((err = prepare(db, &s, "SELECT id, size, hash, host FROM logs"
			   " WHERE created = ?1 AND size < ?2 ORDER BY size"
			   " DESC")))
		return err;
	bind_u64(s, 1, created);
	bind_u64(s, 2, end);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(s, 2);
		const char *ho = (const char *)sqlite3_column_text(s, 3);

		size = sqlite3_column_int64(s, 1);
		if (size < BT_LOG_HEADER_SIZE || (size & 7) || !h || !ho)
			continue;
		log_hash(log, created, (uint64_t)size, hash);
		if (strcmp(hash, h))
			continue;
		a->host_owned = strdup(ho);
		if (!a->host_owned) {
			err = bt_error_set(BT_ENOMEM, "out of memory");
			break;
		}
		a->host = a->host_owned;
		a->logid = sqlite3_column_int64(s, 0);
		a->skip = (uint64_t)size;
		break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlerr(db, BT_EIO, "finding the log");
	sqlite3_finalize(s);
	return err;
}

int bt_db_add(struct bt_db *db, const char *path, const char *host,
	      bt_progress_fn progress, void *arg,
	      struct bt_db_add_stats *out)
{
	struct bt_log *log = NULL;
	struct scan sc = { 0 };
	struct adder a = { .db = db, .host = host, .scan = &sc };
	sqlite3_stmt *s = NULL;
	uint64_t created;
	int64_t nev;
	bool bulk, in_tx = false;
	int err, rc;
	size_t i;

	memset(out, 0, sizeof(*out));
	bt_strmap_init(&a.gens);
	if (!host || !*host)
		return bt_error_set(BT_EINVAL, "a host name is required");
	if (!db->st[ST_EVENT])
		return bt_error_set(BT_EINVAL, "'%s' is open read-only",
				    db->path);
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
	memcpy(&created, bt_log_data(log) + 24, 8);
	log_hash(log, created, sc.end, out->hash);
	out->events = sc.events;
	out->objects = sc.objects;
	out->first_time = sc.first;
	out->last_time = sc.last;

	/* One transaction per log: a cache large enough that the insert
	 * does not spill pages to the WAL before the commit. */
	if ((err = exec(db, "PRAGMA synchronous=NORMAL")) ||
	    (err = exec(db, "PRAGMA cache_size=-262144")) ||
	    (err = exec(db, "BEGIN IMMEDIATE")))
		goto out;
	in_tx = true;
	s = db->st[ST_LOG_FIND];
	sqlite3_bind_text(s, 1, out->hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->already = true;
		out->log = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		err = exec(db, "COMMIT");
		in_tx = !!err;
		goto out;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		err = sqlerr(db, BT_EIO, "finding the log");
		goto out;
	}
	if ((err = find_prefix(db, log, created, sc.end, &a)))
		goto out;

	if ((err = query_int(db, "SELECT count(*) FROM (SELECT 1 FROM events"
			     " LIMIT 1)", 0, &nev)))
		goto out;
	bulk = nev == 0;
	if (bulk && ((err = exec(db, "DROP INDEX IF EXISTS events_effect")) ||
		     (err = exec(db, "DROP INDEX IF EXISTS events_cause"))))
		goto out;

	/* The logs row first: objects and events refer to it.  A log that
	 * grew keeps its row, updated after its new records are in. */
	if (a.skip)
		goto add;
	if ((err = prepare(db, &s, "INSERT INTO logs(hash, path, host, size,"
			   " events, objects, first_time, last_time, flags,"
			   " created, added_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6,"
			   " ?7, ?8, ?9, ?11, ?10)")))
		goto out;
	sqlite3_bind_text(s, 1, out->hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, host, -1, SQLITE_STATIC);
	bind_u64(s, 4, sc.end);
	bind_u64(s, 5, sc.events);
	bind_u64(s, 6, sc.objects);
	if (sc.events) {
		bind_u64(s, 7, sc.first);
		bind_u64(s, 8, sc.last);
	}
	sqlite3_bind_int64(s, 9, bt_log_header(log)->flags);
	bind_u64(s, 10, bt_time_now());
	bind_u64(s, 11, created);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	s = NULL;
	if (rc != SQLITE_DONE) {
		err = sqlerr(db, BT_EIO, "inserting the log");
		goto out;
	}
	a.logid = out->log = sqlite3_last_insert_rowid(db->sql);
	if ((err = prepare(db, &s, "INSERT OR IGNORE INTO hosts(name, "
			   "added_at) VALUES(?1, ?2)")))
		goto out;
	sqlite3_bind_text(s, 1, host, -1, SQLITE_STATIC);
	bind_u64(s, 2, bt_time_now());
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	s = NULL;
	if (rc != SQLITE_DONE) {
		err = sqlerr(db, BT_EIO, "inserting the host");
		goto out;
	}

add:
	a.map = calloc((size_t)sc.objects + 1, sizeof(*a.map));
	if (!a.map) {
		err = bt_error_set(BT_ENOMEM, "out of memory");
		goto out;
	}
	if ((err = add_records(&a, progress, arg)))
		goto out;
	out->new_objects = a.new_objects;
	out->events = a.events;
	if (a.skip) {
		out->extended = true;
		if ((err = prepare(db, &s, "UPDATE logs SET hash = ?1, path ="
				   " ?2, size = ?3, events = ?4, objects = ?5,"
				   " first_time = ?6, last_time = ?7, flags ="
				   " ?8 WHERE id = ?9")))
			goto out;
		sqlite3_bind_text(s, 1, out->hash, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, path, -1, SQLITE_STATIC);
		bind_u64(s, 3, sc.end);
		bind_u64(s, 4, sc.events);
		bind_u64(s, 5, sc.objects);
		if (sc.events) {
			bind_u64(s, 6, sc.first);
			bind_u64(s, 7, sc.last);
		}
		sqlite3_bind_int64(s, 8, bt_log_header(log)->flags);
		sqlite3_bind_int64(s, 9, a.logid);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		s = NULL;
		if (rc != SQLITE_DONE) {
			err = sqlerr(db, BT_EIO, "updating the log");
			goto out;
		}
	}
	/* A file's path column: the latest path it was seen under, for SQL
	 * (the walk takes paths from the labels). */
	if ((err = prepare(db, &s, "UPDATE objects SET path = (SELECT value"
			   " FROM labels l WHERE l.object = objects.id AND"
			   " l.key = 'path' ORDER BY l.time DESC, l.id DESC"
			   " LIMIT 1) WHERE log = ?1 AND kind = 'file' AND"
			   " path IS NULL")))
		goto out;
	sqlite3_bind_int64(s, 1, a.logid);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	s = NULL;
	if (rc != SQLITE_DONE) {
		err = sqlerr(db, BT_EIO, "setting file paths");
		goto out;
	}
	if (progress)
		progress(arg, sc.end, sc.end);
	for (i = 0; i < BT_ARRAY_SIZE(event_indexes); i++)
		if ((err = exec(db, event_indexes[i])))
			goto out;
	if ((err = exec(db, "COMMIT")))
		goto out;
	in_tx = false;
	if (bulk)
		exec(db, "ANALYZE");
out:
	if (in_tx)
		sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
	free(a.map);
	free(a.host_owned);
	free(a.ident.buf);
	bt_strmap_release(&a.gens);
	free(sc.path_off);
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
		if ((err = query_int(db, q[i].sql, 0, &v)))
			return err;
		*(uint64_t *)((char *)out + q[i].off) = (uint64_t)v;
	}
	return 0;
}

/* ---- the database as a log --------------------------------------------- */

static int label_key(const unsigned char *name)
{
	unsigned k;

	for (k = 1; k <= BT_LABEL_MAX; k++)
		if (name && !strcmp((const char *)name, label_names[k]))
			return (int)k;
	return 0;
}

static uint64_t col_u64(sqlite3_stmt *s, int i)
{
	return (uint64_t)sqlite3_column_int64(s, i);
}

static uint32_t col_ref(sqlite3_stmt *s, int i, const uint32_t *map,
			int64_t max)
{
	int64_t v = sqlite3_column_int64(s, i);

	return v > 0 && v <= max ? map[v] : 0;
}

static int write_objects(struct bt_db *db, struct bt_log_writer *w,
			 uint32_t *map, int64_t max, const char *host)
{
	sqlite3_stmt *s;
	uint32_t id = 0;
	int rc, err;

	/* With a host: its objects and the endpoints (shared by all). */
	if ((err = prepare(db, &s, "SELECT id, kind, pid, start, ppid, uid,"
			   " dev, ino, flags, path, file, page, process, prot,"
			   " first_page, pages FROM objects WHERE ?1 IS NULL"
			   " OR host IS NULL OR host = ?1 ORDER BY id")))
		return err;
	if (host)
		sqlite3_bind_text(s, 1, host, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t dbid = sqlite3_column_int64(s, 0);
		const char *kind = (const char *)sqlite3_column_text(s, 1);
		const char *p;
		int plen;

		if (dbid <= 0 || dbid > max || !kind) {
			err = bt_error_set(BT_ECORRUPT, "'%s': bad object "
					   "row %" PRId64, db->path, dbid);
			break;
		}
		map[dbid] = ++id;
		p = (const char *)sqlite3_column_text(s, 9);
		plen = sqlite3_column_bytes(s, 9);
		if (!strcmp(kind, "process"))
			err = bt_log_append_process(w, id,
				(uint32_t)sqlite3_column_int64(s, 2),
				col_u64(s, 3),
				(uint32_t)sqlite3_column_int64(s, 4),
				(uint32_t)sqlite3_column_int64(s, 5));
		else if (!strcmp(kind, "file"))
			err = bt_log_append_file(w, id,
				(uint32_t)sqlite3_column_int64(s, 8),
				col_u64(s, 6), col_u64(s, 7));
		else if (!strcmp(kind, "filename"))
			err = bt_log_append_filename(w, id, p ? p : "",
						     p ? (size_t)plen : 0);
		else if (!strcmp(kind, "page"))
			err = bt_log_append_page(w, id,
				col_ref(s, 10, map, max), col_u64(s, 11));
		else if (!strcmp(kind, "endpoint"))
			err = bt_log_append_endpoint(w, id, p ? p : "",
						     p ? (size_t)plen : 0);
		else if (!strcmp(kind, "region"))
			err = bt_log_append_region(w, id,
				col_ref(s, 10, map, max),
				col_ref(s, 12, map, max),
				(uint32_t)sqlite3_column_int64(s, 13),
				col_u64(s, 14), col_u64(s, 15));
		else
			err = bt_error_set(BT_ECORRUPT, "'%s': object %" PRId64
					   " has an unknown kind '%s'",
					   db->path, dbid, kind);
		if (err)
			break;
	}
	if (!err && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlerr(db, BT_EIO, "reading objects");
	sqlite3_finalize(s);
	return err;
}

static int write_labels(struct bt_db *db, struct bt_log_writer *w,
			const uint32_t *map, int64_t max)
{
	sqlite3_stmt *s;
	int rc, err, key;
	uint32_t obj;

	if ((err = prepare(db, &s, "SELECT object, key, time, value FROM"
			   " labels ORDER BY id")))
		return err;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(s, 3);

		obj = col_ref(s, 0, map, max);
		key = label_key(sqlite3_column_text(s, 1));
		if (!obj || !key || !v)
			continue;
		err = bt_log_append_label(w, obj, (uint32_t)key,
					  col_u64(s, 2), v,
					  (size_t)sqlite3_column_bytes(s, 3));
		if (err)
			break;
	}
	if (!err && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlerr(db, BT_EIO, "reading labels");
	sqlite3_finalize(s);
	return err;
}

/* Whether column i names an object that exists but was left out (another
 * host's). */
static bool left_out(sqlite3_stmt *s, int i, const uint32_t *map,
		     int64_t max)
{
	int64_t v = sqlite3_column_int64(s, i);

	return v > 0 && v <= max && !map[v];
}

static int write_events(struct bt_db *db, struct bt_log_writer *w,
			const uint32_t *map, int64_t max, bool some,
			bt_progress_fn progress, void *arg, int64_t total)
{
	sqlite3_stmt *s;
	uint64_t n = 0;
	uint32_t aux, cause, effect;
	int rc, err = 0, op;

	if ((err = prepare(db, &s, "SELECT time, op, flags, aux, cause,"
			   " effect FROM events ORDER BY id")))
		return err;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		op = sqlite3_column_int(s, 1);
		aux = (uint32_t)sqlite3_column_int64(s, 3);
		if (aux_is_object((unsigned)op))
			aux = col_ref(s, 3, map, max);
		cause = col_ref(s, 4, map, max);
		effect = col_ref(s, 5, map, max);
		if (some && (!cause || !effect) && (cause || left_out(s, 4,
		    map, max)) && (effect || left_out(s, 5, map, max)))
			continue;
		if (op <= 0 || op > BT_OP_MAX || !cause || !effect) {
			err = bt_error_set(BT_ECORRUPT, "'%s': a bad event row"
					   " (op %d, cause %u, effect %u)",
					   db->path, op, cause, effect);
			break;
		}
		err = bt_log_append_event(w, (uint8_t)op,
					  (uint8_t)sqlite3_column_int(s, 2),
					  aux, col_u64(s, 0), cause, effect);
		if (err)
			break;
		if (!(++n & 0xffff)) {
			bt_log_writer_commit(w);
			if (progress)
				progress(arg, n, (uint64_t)total);
		}
	}
	if (!err && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlerr(db, BT_EIO, "reading events");
	sqlite3_finalize(s);
	return err;
}

/* Whether `host` is in the database: 0 or BT_ENOTFOUND. */
static int check_host(struct bt_db *db, const char *host)
{
	sqlite3_stmt *s;
	int rc, err;

	if ((err = prepare(db, &s, "SELECT 1 FROM hosts WHERE name = ?1")))
		return err;
	sqlite3_bind_text(s, 1, host, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return sqlerr(db, BT_EIO, "finding the host");
	return bt_error_set(BT_ENOTFOUND, "no host '%s' in '%s'", host,
			    db->path);
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
	struct bt_log_writer *w = NULL;
	uint32_t *map = NULL;
	int64_t max, flags, total;
	int err;

	if ((err = exec(db, "BEGIN")))
		return err;
	if ((host && (err = check_host(db, host))) ||
	    (err = query_int(db, "SELECT max(id) FROM objects", 0, &max)) ||
	    (err = query_int(db, "SELECT coalesce(sum(events), 0) FROM logs",
			     0, &total)) ||
	    (err = query_int(db, "SELECT (SELECT coalesce(max(flags & 2), 0)"
			     " FROM logs)", 0, &flags)))
		goto out;
	if (max < 0 || max >= UINT32_MAX) {
		err = bt_error_set(BT_ELIMIT, "'%s': too many objects for a "
				   "log", db->path);
		goto out;
	}
	map = calloc((size_t)max + 1, sizeof(*map));
	if (!map) {
		err = bt_error_set(BT_ENOMEM, "out of memory");
		goto out;
	}
	/* path is the caller's private temporary file (graph/dbgraph.c):
	 * written in place */
	if ((err = bt_log_writer_open(&w, path, BT_LOGW_CREATE |
				      BT_LOGW_INPLACE)))
		goto out;
	if (flags)
		bt_log_writer_set_flags(w, BT_LOGF_OBJ_LEVEL);
	if ((err = write_objects(db, w, map, max, host)) ||
	    (err = write_labels(db, w, map, max)) ||
	    (err = write_events(db, w, map, max, host != NULL, progress, arg,
				total)))
		goto out;
	err = bt_log_writer_close(w);
	w = NULL;
out:
	if (w)
		bt_log_writer_abort(w);
	sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL);
	free(map);
	return err;
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
	sqlite3_stmt *s;
	int rc, err;

	if (!inv->name || !*inv->name)
		return bt_error_set(BT_EINVAL, "an investigation needs a name");
	if ((err = prepare(db, &s, inv->replace ?
			   "INSERT OR REPLACE INTO investigations"
			   "(name, direction, spec, options, created, nodes,"
			   " edges, result) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7,"
			   " ?8)" :
			   "INSERT INTO investigations"
			   "(name, direction, spec, options, created, nodes,"
			   " edges, result) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7,"
			   " ?8)")))
		return err;
	sqlite3_bind_text(s, 1, inv->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, inv->direction ? inv->direction : "backward",
			  -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, inv->spec ? inv->spec : "", -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(s, 4, inv->options ? inv->options : "", -1,
			  SQLITE_STATIC);
	bind_u64(s, 5, inv->created);
	bind_u64(s, 6, inv->nodes);
	bind_u64(s, 7, inv->edges);
	sqlite3_bind_text(s, 8, inv->result ? inv->result : "", -1,
			  SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_CONSTRAINT && !inv->replace)
		return bt_error_set(BT_EINVAL, "investigation '%s' already "
				    "exists in '%s'", inv->name, db->path);
	if (rc != SQLITE_DONE)
		return sqlerr(db, BT_EIO, "saving an investigation");
	return 0;
}

static char *col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return strdup(t ? (const char *)t : "");
}

static int inv_row(sqlite3_stmt *s, struct bt_db_inv *out, bool result)
{
	memset(out, 0, sizeof(*out));
	out->name = col_dup(s, 0);
	out->direction = col_dup(s, 1);
	out->spec = col_dup(s, 2);
	out->options = col_dup(s, 3);
	out->created = col_u64(s, 4);
	out->nodes = col_u64(s, 5);
	out->edges = col_u64(s, 6);
	if (result)
		out->result = col_dup(s, 7);
	if (!out->name || !out->direction || !out->spec || !out->options ||
	    (result && !out->result)) {
		bt_db_inv_release(out);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	return 0;
}

int bt_db_get(struct bt_db *db, const char *name, struct bt_db_inv *out)
{
	sqlite3_stmt *s;
	int rc, err;

	memset(out, 0, sizeof(*out));
	if ((err = prepare(db, &s, "SELECT name, direction, spec, options,"
			   " created, nodes, edges, result FROM"
			   " investigations WHERE name = ?1")))
		return err;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		err = inv_row(s, out, true);
	else if (rc == SQLITE_DONE)
		err = bt_error_set(BT_ENOTFOUND, "no investigation '%s' in "
				   "'%s'", name, db->path);
	else
		err = sqlerr(db, BT_EIO, "reading an investigation");
	sqlite3_finalize(s);
	return err;
}

int bt_db_list(struct bt_db *db,
	       int (*fn)(void *arg, const struct bt_db_inv *inv), void *arg)
{
	struct bt_db_inv inv;
	sqlite3_stmt *s;
	int rc, err;

	if ((err = prepare(db, &s, "SELECT name, direction, spec, options,"
			   " created, nodes, edges FROM investigations"
			   " ORDER BY name")))
		return err;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((err = inv_row(s, &inv, false)))
			break;
		err = fn(arg, &inv);
		bt_db_inv_release(&inv);
		if (err)
			break;
	}
	if (!err && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlerr(db, BT_EIO, "listing investigations");
	sqlite3_finalize(s);
	return err;
}
