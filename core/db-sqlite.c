/*
 * db-sqlite.c - the sqlite store of a case database (struct bt_db_ops,
 * db-int.h): one file, the embedded default.  The schema is
 * man/btrack-db.5; the statements that create it are here and must agree
 * with that page (and with db-pg.c).
 *
 * Rows go through prepared statements made once per database.  An object
 * is looked up by its identity key (`ident`, a unique text column) and
 * inserted only if it is new.  Into an empty database the events go
 * without their indexes, which are built after the bulk insert.  Writers
 * take the write lock first (BEGIN IMMEDIATE), so ids are given in the
 * order logs were added, whatever runs at once.
 */
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db-int.h"
#include "error.h"
#include "log.h"
#include "timefmt.h"
#include "util.h"

/* Statements kept for the life of the database. */
enum {
	ST_OBJ_INSERT, ST_OBJ_FIND, ST_EVENT, ST_LABEL, ST_NOTE, ST_LOG_FIND,
	ST_N
};

struct sqlite_db {
	struct bt_db base;
	sqlite3 *sql;
	sqlite3_stmt *st[ST_N];
	int64_t logid;          /* the log being added */
	bool bulk;              /* into an empty events table */
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

/* (events_exec's and events_empty's predicates spell these) */
_Static_assert(BT_OP_EXEC == 2 && BT_OP_TRUNCATE == 5 && BT_EVF_EMPTY == 2,
	       "the partial indexes' ops and flags");

/* Built after a bulk insert into an empty events table. */
static const char *const event_indexes[] = {
	"CREATE INDEX IF NOT EXISTS events_effect ON events(effect, time)",
	"CREATE INDEX IF NOT EXISTS events_cause ON events(cause, time)",
	/* the execs of a file (a walk's filters: was it ever run?) */
	"CREATE INDEX IF NOT EXISTS events_exec ON events(cause, time)"
	" WHERE op = 2",
	/* the emptyings of a file (truncate with BT_EVF_EMPTY: a forward
	 * walk's window of it ends at one, core/db.c) */
	"CREATE INDEX IF NOT EXISTS events_empty ON events(effect, time)"
	" WHERE op = 5 AND (flags & 2) <> 0",
};

static struct sqlite_db *S(struct bt_db *db)
{
	return (struct sqlite_db *)db;
}

static int sqlerr(struct sqlite_db *db, int code, const char *what)
{
	int rc = sqlite3_errcode(db->sql);

	if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
		return bt_error_set(BT_ECORRUPT, "'%s': %s: %s", db->base.name,
				    what, sqlite3_errmsg(db->sql));
	if (rc == SQLITE_NOMEM)
		return bt_error_set(BT_ENOMEM, "out of memory");
	return bt_error_set(code, "'%s': %s: %s", db->base.name, what,
			    sqlite3_errmsg(db->sql));
}

/* Run a prepared insert once and reset it: 0 or a bt_error naming `what`. */
static int step_done(struct sqlite_db *db, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : sqlerr(db, BT_EIO, what);
}

static int exec(struct sqlite_db *db, const char *sql)
{
	db->base.stats.queries++;
	if (sqlite3_exec(db->sql, sql, NULL, NULL, NULL) != SQLITE_OK)
		return sqlerr(db, BT_EIO, "sql");
	return 0;
}

static int prepare(struct sqlite_db *db, sqlite3_stmt **out, const char *sql)
{
	db->base.stats.queries++;
	if (sqlite3_prepare_v2(db->sql, sql, -1, out, NULL) != SQLITE_OK)
		return sqlerr(db, BT_EIO, "sql");
	return 0;
}

static void bind_u64(sqlite3_stmt *s, int i, uint64_t v)
{
	sqlite3_bind_int64(s, i, (sqlite3_int64)v);
}

static int query_int(struct bt_db *bdb, const char *sql, int64_t dflt,
		     int64_t *out)
{
	struct sqlite_db *db = S(bdb);
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
static int put_ops(struct sqlite_db *db)
{
	const char *name, *c, *e;
	char buf[160];
	unsigned op;
	int err;

	for (op = 1; op <= BT_OP_MAX; op++) {
		bt_db_op_row(op, &name, &c, &e);
		snprintf(buf, sizeof(buf), "INSERT OR IGNORE INTO ops "
			 "VALUES(%u, '%s', '%s', '%s')", op, name, c, e);
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
static int create_schema(struct sqlite_db *db)
{
	char buf[160];
	int64_t tables, appid;
	size_t i;
	int err;

	if ((err = exec(db, "BEGIN IMMEDIATE")))
		return err;
	if ((err = query_int(&db->base, "SELECT count(*) FROM sqlite_master",
			     0, &tables)) ||
	    (err = query_int(&db->base, "PRAGMA application_id", 0, &appid)))
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
	[ST_LOG_FIND] = "SELECT id FROM logs WHERE hash = ?1",
};

static const struct bt_db_ops sqlite_ops;

static void sq_close(struct bt_db *bdb)
{
	struct sqlite_db *db = S(bdb);
	int i;

	for (i = 0; i < ST_N; i++)
		sqlite3_finalize(db->st[i]);
	sqlite3_close(db->sql);
	free(db->base.name);
	free(db);
}

int bt_db_sqlite_open(struct bt_db **out, const char *path, unsigned flags)
{
	struct sqlite_db *db;
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
	if (!db || !(db->base.name = strdup(path))) {
		free(db);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	db->base.ops = &sqlite_ops;
	db->base.readonly = flags & BT_DB_READONLY;
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
	/* A walk reads rows all over the file, a frontier at a time: from
	 * the mapping, not one pread(2) a page. */
	sqlite3_exec(db->sql, "PRAGMA mmap_size=1073741824", NULL, NULL,
		     NULL);
	if ((err = query_int(&db->base, "SELECT count(*) FROM sqlite_master",
			     0, &tables)))
		goto fail;
	if ((err = query_int(&db->base, "PRAGMA application_id", 0,
			     &appid)) ||
	    (err = query_int(&db->base, "PRAGMA user_version", 0, &version)))
		goto fail;
	if (tables == 0 && appid == 0) {
		if (!(flags & BT_DB_CREATE) || (flags & BT_DB_READONLY)) {
			err = bt_error_set(BT_ECORRUPT, "'%s' is an empty "
					   "database, not a btrack case "
					   "database (btrack db add)", path);
			goto fail;
		}
		if ((err = create_schema(db)) ||
		    (err = query_int(&db->base, "PRAGMA application_id", 0,
				     &appid)) ||
		    (err = query_int(&db->base, "PRAGMA user_version", 0,
				     &version)))
			goto fail;
	}
	if (appid != BT_DB_APPID) {
		err = bt_error_set(BT_ECORRUPT, "'%s' is an sqlite database "
				   "but not a btrack case database", path);
		goto fail;
	} else if (version != BT_DB_VERSION && version != BT_DB_VERSION_1) {
		err = bt_error_set(BT_EVERSION, "'%s': case database version "
				   "%" PRId64 ", this btrack reads version %d",
				   path, version, BT_DB_VERSION);
		goto fail;
	}
	db->base.version = version;
	if (!(flags & BT_DB_READONLY)) {
		int64_t nops = 0;

		if ((err = query_int(&db->base, "SELECT count(*) FROM ops", 0,
				     &nops)) ||
		    (nops < BT_OP_MAX && (err = put_ops(db))))
			goto fail;
		for (i = 0; i < ST_N; i++)
			if ((err = prepare(db, &db->st[i], stmt_sql[i])))
				goto fail;
	}
	*out = &db->base;
	return 0;
fail:
	sq_close(&db->base);
	return err;
}

struct sqlite3 *bt_db_sqlite(struct bt_db *db)
{
	return db->ops == &sqlite_ops ? S(db)->sql : NULL;
}

/* ---- adding a log ------------------------------------------------------ */

static int sq_add_begin(struct bt_db *bdb)
{
	struct sqlite_db *db = S(bdb);
	int err;

	/* One transaction per log: a cache large enough that the insert
	 * does not spill pages to the WAL before the commit. */
	if ((err = exec(db, "PRAGMA synchronous=NORMAL")) ||
	    (err = exec(db, "PRAGMA cache_size=-262144")))
		return err;
	return exec(db, "BEGIN IMMEDIATE");
}

static int sq_log_find(struct bt_db *bdb, const char *hash, int64_t *id)
{
	struct sqlite_db *db = S(bdb);
	sqlite3_stmt *s = db->st[ST_LOG_FIND];
	int rc;

	*id = 0;
	sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sqlerr(db, BT_EIO, "finding the log");
	return 0;
}

static int sq_log_prefixes(struct bt_db *bdb, uint64_t created, uint64_t end,
			   int (*fn)(void *arg, const struct bt_dblog *l),
			   void *arg)
{
	struct sqlite_db *db = S(bdb);
	sqlite3_stmt *s;
	int rc, err, r = 0;

	if ((err = prepare(db, &s, "SELECT id, size, hash, host FROM logs"
			   " WHERE created = ?1 AND size < ?2 ORDER BY size"
			   " DESC")))
		return err;
	bind_u64(s, 1, created);
	bind_u64(s, 2, end);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct bt_dblog l = {
			.id = sqlite3_column_int64(s, 0),
			.size = (uint64_t)sqlite3_column_int64(s, 1),
			.hash = (const char *)sqlite3_column_text(s, 2),
			.host = (const char *)sqlite3_column_text(s, 3),
		};

		if ((r = fn(arg, &l)))
			break;
	}
	if (!r && rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = sqlerr(db, BT_EIO, "finding the log");
	sqlite3_finalize(s);
	return r;
}

static int bind_log(sqlite3_stmt *s, const struct bt_dblog *l)
{
	sqlite3_bind_text(s, 1, l->hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, l->path, -1, SQLITE_STATIC);
	bind_u64(s, 3, l->size);
	bind_u64(s, 4, l->events);
	bind_u64(s, 5, l->objects);
	if (l->has_times) {
		bind_u64(s, 6, l->first_time);
		bind_u64(s, 7, l->last_time);
	}
	sqlite3_bind_int64(s, 8, l->flags);
	return 0;
}

static int sq_log_insert(struct bt_db *bdb, const struct bt_dblog *l,
			 int64_t *id)
{
	struct sqlite_db *db = S(bdb);
	sqlite3_stmt *s;
	int64_t nev;
	int rc, err;

	if ((err = query_int(bdb, "SELECT count(*) FROM (SELECT 1 FROM events"
			     " LIMIT 1)", 0, &nev)))
		return err;
	db->bulk = nev == 0;
	if ((err = prepare(db, &s, "INSERT INTO logs(hash, path, size,"
			   " events, objects, first_time, last_time, flags,"
			   " host, created, added_at) VALUES(?1, ?2, ?3, ?4,"
			   " ?5, ?6, ?7, ?8, ?9, ?10, ?11)")))
		return err;
	bind_log(s, l);
	sqlite3_bind_text(s, 9, l->host, -1, SQLITE_STATIC);
	bind_u64(s, 10, l->created);
	bind_u64(s, 11, l->added_at);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sqlerr(db, BT_EIO, "inserting the log");
	*id = sqlite3_last_insert_rowid(db->sql);
	if ((err = prepare(db, &s, "INSERT OR IGNORE INTO hosts(name, "
			   "added_at) VALUES(?1, ?2)")))
		return err;
	sqlite3_bind_text(s, 1, l->host, -1, SQLITE_STATIC);
	bind_u64(s, 2, l->added_at);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sqlerr(db, BT_EIO, "inserting the host");
	return 0;
}

static int sq_rows_begin(struct bt_db *bdb, int64_t logid, const char *host)
{
	struct sqlite_db *db = S(bdb);
	int err;

	(void)host;
	db->logid = logid;
	if (db->bulk &&
	    ((err = exec(db, "DROP INDEX IF EXISTS events_effect")) ||
	     (err = exec(db, "DROP INDEX IF EXISTS events_cause")) ||
	     (err = exec(db, "DROP INDEX IF EXISTS events_exec")) ||
	     (err = exec(db, "DROP INDEX IF EXISTS events_empty"))))
		return err;
	sqlite3_bind_int64(db->st[ST_EVENT], 1, logid);
	return 0;
}

static int sq_put_object(struct bt_db *bdb, const struct bt_dbobj *o,
			 int64_t *id, bool *added)
{
	struct sqlite_db *db = S(bdb);
	sqlite3_stmt *s = db->st[ST_OBJ_INSERT], *f;
	int rc, c;

	sqlite3_bind_text(s, 1, o->kind, -1, SQLITE_STATIC);
	if (o->host)
		sqlite3_bind_text(s, 2, o->host, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, o->ident, (int)o->identlen, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, db->logid);
	for (c = 0; c < DBC_N; c++) {
		if (!(o->has & (1u << c)))
			continue;
		if (c == DBC_PATH)
			sqlite3_bind_text(s, 5 + c, o->path, (int)o->pathlen,
					  SQLITE_STATIC);
		else
			sqlite3_bind_int64(s, 5 + c, o->col[c]);
	}
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return sqlerr(db, BT_EIO, "inserting an object");
	*added = sqlite3_changes(db->sql) == 1;
	if (*added) {
		*id = sqlite3_last_insert_rowid(db->sql);
		return 0;
	}
	f = db->st[ST_OBJ_FIND];
	sqlite3_bind_text(f, 1, o->ident, (int)o->identlen, SQLITE_STATIC);
	rc = sqlite3_step(f);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(f, 0) : 0;
	sqlite3_reset(f);
	if (rc != SQLITE_ROW)
		return sqlerr(db, BT_EIO, "finding an object");
	return 0;
}

static int sq_put_event(struct bt_db *bdb, const struct bt_dbevent *e)
{
	struct sqlite_db *db = S(bdb);
	sqlite3_stmt *ev = db->st[ST_EVENT];

	bind_u64(ev, 2, e->time);
	sqlite3_bind_int(ev, 3, e->op);
	sqlite3_bind_int(ev, 4, e->flags);
	sqlite3_bind_int64(ev, 5, e->aux);
	sqlite3_bind_int64(ev, 6, e->cause);
	sqlite3_bind_int64(ev, 7, e->effect);
	return step_done(db, ev, "inserting an event");
}

static int sq_put_label(struct bt_db *bdb, const struct bt_dbtext *t)
{
	struct sqlite_db *db = S(bdb);
	sqlite3_stmt *s = db->st[ST_LABEL];

	sqlite3_bind_int64(s, 1, db->logid);
	sqlite3_bind_int64(s, 2, t->object);
	sqlite3_bind_text(s, 3, t->key, -1, SQLITE_STATIC);
	bind_u64(s, 4, t->time);
	sqlite3_bind_text(s, 5, t->value, (int)t->len, SQLITE_STATIC);
	return step_done(db, s, "inserting a label");
}

static int sq_put_note(struct bt_db *bdb, const struct bt_dbtext *t)
{
	struct sqlite_db *db = S(bdb);
	sqlite3_stmt *s = db->st[ST_NOTE];

	sqlite3_bind_int64(s, 1, db->logid);
	sqlite3_bind_text(s, 2, t->key, -1, SQLITE_STATIC);
	bind_u64(s, 3, t->time);
	sqlite3_bind_text(s, 4, t->value, (int)t->len, SQLITE_STATIC);
	return step_done(db, s, "inserting a note");
}

static int sq_add_end(struct bt_db *bdb, const struct bt_dblog *grown)
{
	struct sqlite_db *db = S(bdb);
	sqlite3_stmt *s;
	size_t i;
	int rc, err;

	if (!db->logid)         /* the log was there: nothing written */
		return exec(db, "COMMIT");
	if (grown) {
		if ((err = prepare(db, &s, "UPDATE logs SET hash = ?1, path ="
				   " ?2, size = ?3, events = ?4, objects = ?5,"
				   " first_time = ?6, last_time = ?7, flags ="
				   " ?8 WHERE id = ?9")))
			goto fail;
		bind_log(s, grown);
		sqlite3_bind_int64(s, 9, grown->id);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE) {
			err = sqlerr(db, BT_EIO, "updating the log");
			goto fail;
		}
	}
	/* A file's path column: the latest path it was seen under, for SQL
	 * (the walk takes paths from the labels).  The files this add
	 * inserted have it (db.c); a log that grew may have given a path to
	 * a file of its first part. */
	if (grown) {
		if ((err = prepare(db, &s, "UPDATE objects SET path = (SELECT"
				   " value FROM labels l WHERE l.object ="
				   " objects.id AND l.key = 'path' ORDER BY"
				   " l.time DESC, l.id DESC LIMIT 1) WHERE"
				   " log = ?1 AND kind = 'file' AND path IS"
				   " NULL")))
			goto fail;
		sqlite3_bind_int64(s, 1, db->logid);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE) {
			err = sqlerr(db, BT_EIO, "setting file paths");
			goto fail;
		}
	}
	for (i = 0; i < BT_ARRAY_SIZE(event_indexes); i++)
		if ((err = exec(db, event_indexes[i])))
			goto fail;
	if ((err = exec(db, "COMMIT")))
		goto fail;
	if (db->bulk)
		exec(db, "ANALYZE");
	db->logid = 0;
	db->bulk = false;
	return 0;
fail:
	sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
	db->logid = 0;
	db->bulk = false;
	return err;
}

static void sq_add_abort(struct bt_db *bdb)
{
	struct sqlite_db *db = S(bdb);

	sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
	db->logid = 0;
	db->bulk = false;
}

/* ---- reading ----------------------------------------------------------- */

static int sq_read_begin(struct bt_db *bdb)
{
	return exec(S(bdb), "BEGIN");
}

static void sq_read_end(struct bt_db *bdb)
{
	sqlite3_exec(S(bdb)->sql, "COMMIT", NULL, NULL, NULL);
}

/* The rows of objects of `s` (the columns of sq_each_object()). */
static int object_rows(struct sqlite_db *db, sqlite3_stmt *s,
		       int (*fn)(void *arg, const struct bt_dbobj *o),
		       void *arg)
{
	int rc, err = 0, c;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct bt_dbobj o = {
			.id = sqlite3_column_int64(s, 0),
			.kind = (const char *)sqlite3_column_text(s, 1),
			.host = (const char *)sqlite3_column_text(s,
								  2 + DBC_N),
		};

		db->base.stats.rows++;
		for (c = 0; c < DBC_N; c++) {
			if (sqlite3_column_type(s, 2 + c) == SQLITE_NULL)
				continue;
			o.has |= 1u << c;
			if (c == DBC_PATH) {
				o.path = (const char *)
					 sqlite3_column_text(s, 2 + c);
				o.pathlen = (size_t)
					    sqlite3_column_bytes(s, 2 + c);
			} else {
				o.col[c] = sqlite3_column_int64(s, 2 + c);
			}
		}
		if ((err = fn(arg, &o)))
			break;
	}
	if (!err && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlerr(db, BT_EIO, "reading objects");
	return err;
}

static int sq_each_object(struct bt_db *bdb, const char *host, bool ordered,
			  int (*fn)(void *arg, const struct bt_dbobj *o),
			  void *arg)
{
	struct sqlite_db *db = S(bdb);
	sqlite3_stmt *s;
	int err;

	(void)ordered;          /* the rowid order costs nothing */

	/* With a host: its objects and the endpoints (shared by all). */
	if ((err = prepare(db, &s, "SELECT id, kind, pid, start, ppid, uid,"
			   " dev, ino, flags, path, file, page, process, prot,"
			   " first_page, pages, host FROM objects WHERE ?1 IS"
			   " NULL OR host IS NULL OR host = ?1 ORDER BY id")))
		return err;
	if (host)
		sqlite3_bind_text(s, 1, host, -1, SQLITE_STATIC);
	err = object_rows(db, s, fn, arg);
	sqlite3_finalize(s);
	return err;
}

static int sq_id_runs(struct bt_db *bdb,
		      int (*fn)(void *arg, int64_t first, int64_t last,
				const char *host),
		      void *arg)
{
	struct sqlite_db *db = S(bdb);
	sqlite3_stmt *s;
	char *host = NULL;
	int64_t first = 0;
	int rc, err;

	if ((err = prepare(db, &s, BT_DB_RUNS_SQL)))
		return err;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		const char *h = (const char *)sqlite3_column_text(s, 1);

		db->base.stats.rows++;
		if (sqlite3_column_int(s, 2)) {
			first = id;
			free(host);
			host = NULL;
			if (h && !(host = strdup(h))) {
				err = bt_error_set(BT_ENOMEM, "out of memory");
				break;
			}
		}
		if (sqlite3_column_int(s, 3) && (err = fn(arg, first, id,
							   host)))
			break;
	}
	if (!err && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlerr(db, BT_EIO, "reading the ids of objects");
	sqlite3_finalize(s);
	free(host);
	return err;
}

static int sq_each_ints(struct bt_db *bdb, const char *sql, int ncols,
			int (*fn)(void *arg, const int64_t *v), void *arg)
{
	struct sqlite_db *db = S(bdb);
	sqlite3_stmt *s;
	int64_t v[8];
	int rc, err, i;

	if (ncols < 1 || ncols > 8)
		return bt_error_set(BT_EINVAL, "bad query");
	if ((err = prepare(db, &s, sql)))
		return err;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		db->base.stats.rows++;
		for (i = 0; i < ncols; i++)
			v[i] = sqlite3_column_int64(s, i);
		if ((err = fn(arg, v)))
			break;
	}
	if (!err && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlerr(db, BT_EIO, "reading a query");
	sqlite3_finalize(s);
	return err;
}

static int sq_pick(struct bt_db *bdb, const struct bt_db_pick *p,
		   int (*fn)(void *arg, const struct bt_dbobj *o), void *arg)
{
	struct sqlite_db *db = S(bdb);
	const struct bt_db_pspell sp = {
		p->nids ? "IN (SELECT value FROM json_each(?1))" : NULL,
		p->nrfiles ? "IN (SELECT value FROM json_each(?2))" : NULL,
		"CAST(X'", "' AS TEXT)",
	};
	char *ids = bt_db_id_list(p->ids, p->nids, '[', ']');
	char *rf = bt_db_id_list(p->rfiles, p->nrfiles, '[', ']');
	char *sql = NULL;
	sqlite3_stmt *s = NULL;
	int err = 0;

	if (!ids || !rf || !(sql = bt_db_pick_sql(p, &sp)))
		err = bt_error_set(BT_ENOMEM, "out of memory");
	if (!err && !(err = prepare(db, &s, sql))) {
		/* ?N of an empty list is not in the statement */
		sqlite3_bind_text(s, 1, ids, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, rf, -1, SQLITE_STATIC);
		err = object_rows(db, s, fn, arg);
	}
	sqlite3_finalize(s);
	free(sql);
	free(ids);
	free(rf);
	return err;
}

/* Rows of (object or log, key, time, text[, id]) from `sql` (its ?1 bound
 * to `bind` when not NULL), one call each. */
static int each_text(struct sqlite_db *db, const char *sql, const char *bind,
		     const char *what,
		     int (*fn)(void *arg, const struct bt_dbtext *t),
		     void *arg)
{
	sqlite3_stmt *s;
	int rc, err;
	bool with_id;

	if ((err = prepare(db, &s, sql)))
		return err;
	if (bind)
		sqlite3_bind_text(s, 1, bind, -1, SQLITE_STATIC);
	with_id = sqlite3_column_count(s) > 4;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct bt_dbtext t = {
			.object = sqlite3_column_int64(s, 0),
			.key = (const char *)sqlite3_column_text(s, 1),
			.time = (uint64_t)sqlite3_column_int64(s, 2),
			.value = (const char *)sqlite3_column_text(s, 3),
			.len = (size_t)sqlite3_column_bytes(s, 3),
			.id = with_id ? sqlite3_column_int64(s, 4) : 0,
		};

		db->base.stats.rows++;
		if ((err = fn(arg, &t)))
			break;
	}
	if (!err && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlerr(db, BT_EIO, what);
	sqlite3_finalize(s);
	return err;
}

static int sq_each_label(struct bt_db *bdb,
			 int (*fn)(void *arg, const struct bt_dbtext *t),
			 void *arg)
{
	return each_text(S(bdb), "SELECT object, key, time, value FROM"
			 " labels ORDER BY id", NULL, "reading labels", fn,
			 arg);
}

static int sq_labels_of(struct bt_db *bdb, const int64_t *ids, size_t n,
			int (*fn)(void *arg, const struct bt_dbtext *t),
			void *arg)
{
	char *list = bt_db_id_list(ids, n, '[', ']');
	int err;

	if (!list)
		return bt_error_set(BT_ENOMEM, "out of memory");
	err = each_text(S(bdb), "SELECT object, key, time, value, id FROM"
			" labels WHERE object IN (SELECT value FROM"
			" json_each(?1)) ORDER BY id", list, "reading labels",
			fn, arg);
	free(list);
	return err;
}

static int sq_each_note(struct bt_db *bdb,
			int (*fn)(void *arg, const struct bt_dbtext *t),
			void *arg)
{
	return each_text(S(bdb), "SELECT log, key, time, text FROM notes"
			 " WHERE key IN ('source', 'drops') ORDER BY id",
			 NULL, "reading notes", fn, arg);
}

static int sq_each_event(struct bt_db *bdb,
			 int (*fn)(void *arg, const struct bt_dbevent *e),
			 void *arg)
{
	struct sqlite_db *db = S(bdb);
	sqlite3_stmt *s;
	int rc, err;

	if ((err = prepare(db, &s, "SELECT id, time, op, flags, aux, cause,"
			   " effect FROM events ORDER BY id")))
		return err;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct bt_dbevent e = {
			.id = sqlite3_column_int64(s, 0),
			.time = (uint64_t)sqlite3_column_int64(s, 1),
			.op = sqlite3_column_int(s, 2),
			.flags = sqlite3_column_int(s, 3),
			.aux = sqlite3_column_int64(s, 4),
			.cause = sqlite3_column_int64(s, 5),
			.effect = sqlite3_column_int64(s, 6),
		};

		db->base.stats.rows++;
		if ((err = fn(arg, &e)))
			break;
	}
	if (!err && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlerr(db, BT_EIO, "reading events");
	sqlite3_finalize(s);
	return err;
}

/* The walk's side to read: [[obj, lo, hi], ...]. */
static char *range_list(const struct bt_db_frontier *f)
{
	char *p = malloc(f->n * 66 + 3);
	size_t i, k = 0;

	if (!p)
		return NULL;
	p[k++] = '[';
	for (i = 0; i < f->n; i++)
		k += (size_t)sprintf(p + k, "%s[%" PRId64 ",%" PRId64 ",%"
				     PRId64 "]", i ? "," : "", f->obj[i],
				     f->lo[i], f->hi[i]);
	p[k++] = ']';
	p[k] = '\0';
	return p;
}

static int sq_frontier(struct bt_db *bdb, const struct bt_db_frontier *f,
		       int (*fn)(void *arg, const struct bt_dbevent *e),
		       void *arg)
{
	struct sqlite_db *db = S(bdb);
	struct bt_db_fspell sp = {
		f->n ? "(SELECT json_extract(value, '$[0]') AS o,"
		       " json_extract(value, '$[1]') AS lo,"
		       " json_extract(value, '$[2]') AS hi"
		       " FROM json_each(?1)) AS f" : NULL,
		f->nsumm ? "json_each(?2) AS p" : NULL,
		f->npages ? "json_each(?3) AS p" : NULL,
		f->nconn ? "IN (SELECT value FROM json_each(?4))" : NULL,
		f->nwhole ? "IN (SELECT value FROM json_each(?5))" : NULL,
		f->nup ? "IN (SELECT value FROM json_each(?6))" : NULL,
		"IN (SELECT o FROM need)",
	};
	char *l[6] = {
		range_list(f),
		bt_db_id_list(f->summ, f->nsumm, '[', ']'),
		bt_db_id_list(f->pages, f->npages, '[', ']'),
		bt_db_id_list(f->conn, f->nconn, '[', ']'),
		bt_db_id_list(f->whole, f->nwhole, '[', ']'),
		bt_db_id_list(f->up, f->nup, '[', ']'),
	};
	char *sql = NULL;
	sqlite3_stmt *s = NULL;
	int rc, err = 0, i;

	for (i = 0; i < 6; i++)
		if (!l[i])
			err = bt_error_set(BT_ENOMEM, "out of memory");
	if (!err && !(sql = bt_db_frontier_sql(f->forward, &sp)))
		err = bt_error_set(BT_ENOMEM, "out of memory");
	if (err || (err = prepare(db, &s, sql)))
		goto out;
	/* ?N of an empty list is not in the statement: SQLITE_RANGE */
	for (i = 0; i < 6; i++)
		sqlite3_bind_text(s, i + 1, l[i], -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct bt_dbevent e = {
			.id = sqlite3_column_int64(s, 0),
			.time = (uint64_t)sqlite3_column_int64(s, 1),
			.op = sqlite3_column_int(s, 2),
			.flags = sqlite3_column_int(s, 3),
			.aux = sqlite3_column_int64(s, 4),
			.cause = sqlite3_column_int64(s, 5),
			.effect = sqlite3_column_int64(s, 6),
		};

		db->base.stats.rows++;
		if ((err = fn(arg, &e)))
			break;
	}
	if (!err && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlerr(db, BT_EIO, "reading a frontier");
out:
	sqlite3_finalize(s);
	free(sql);
	for (i = 0; i < 6; i++)
		free(l[i]);
	return err;
}

/* One end from columns c (min) and c + 1 (max), both NULL for none. */
static bool sq_span(sqlite3_stmt *s, int c, uint64_t *first, uint64_t *last,
		    bool any)
{
	uint64_t a, b;

	if (sqlite3_column_type(s, c) == SQLITE_NULL)
		return any;
	a = (uint64_t)sqlite3_column_int64(s, c);
	b = (uint64_t)sqlite3_column_int64(s, c + 1);
	if (!any || a < *first)
		*first = a;
	if (!any || b > *last)
		*last = b;
	return true;
}

static int sq_each_end(struct bt_db *bdb,
		       int (*fn)(void *arg, const struct bt_dbend *e),
		       void *arg)
{
	struct sqlite_db *db = S(bdb);
	sqlite3_stmt *s;
	int rc, err;

	if ((err = prepare(db, &s, BT_DB_ENDS_SQL("", ""))))
		return err;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct bt_dbend e = {
			.object = sqlite3_column_int64(s, 0),
			.host = (const char *)sqlite3_column_text(s, 1),
			.remote = (const char *)sqlite3_column_text(s, 2),
			.local = (const char *)sqlite3_column_text(s, 3),
		};
		bool any;

		db->base.stats.rows++;
		any = sq_span(s, 4, &e.first, &e.last, false);
		any = sq_span(s, 6, &e.first, &e.last, any);
		if (!any || !e.host || !e.remote || !e.local)
			continue;
		if ((err = fn(arg, &e)))
			break;
	}
	if (!err && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlerr(db, BT_EIO, "reading connections");
	sqlite3_finalize(s);
	return err;
}

static int sq_has_host(struct bt_db *bdb, const char *host, bool *out)
{
	struct sqlite_db *db = S(bdb);
	sqlite3_stmt *s;
	int rc, err;

	if ((err = prepare(db, &s, "SELECT 1 FROM hosts WHERE name = ?1")))
		return err;
	sqlite3_bind_text(s, 1, host, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	*out = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sqlerr(db, BT_EIO, "finding the host");
	return 0;
}

static int sq_each_log(struct bt_db *bdb,
		       int (*fn)(void *arg, const struct bt_dblog *l),
		       void *arg)
{
	struct sqlite_db *db = S(bdb);
	sqlite3_stmt *s;
	int rc, err;

	if ((err = prepare(db, &s, "SELECT id, host, events, objects, hash,"
			   " path, first_time, last_time FROM logs ORDER BY"
			   " id")))
		return err;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct bt_dblog l = {
			.id = sqlite3_column_int64(s, 0),
			.host = (const char *)sqlite3_column_text(s, 1),
			.events = (uint64_t)sqlite3_column_int64(s, 2),
			.objects = (uint64_t)sqlite3_column_int64(s, 3),
			.hash = (const char *)sqlite3_column_text(s, 4),
			.path = (const char *)sqlite3_column_text(s, 5),
			.first_time = (uint64_t)sqlite3_column_int64(s, 6),
			.last_time = (uint64_t)sqlite3_column_int64(s, 7),
		};

		if ((err = fn(arg, &l)))
			break;
	}
	if (!err && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlerr(db, BT_EIO, "reading logs");
	sqlite3_finalize(s);
	return err;
}

/* ---- investigations ---------------------------------------------------- */

static int sq_inv_save(struct bt_db *bdb, const struct bt_db_inv *inv)
{
	struct sqlite_db *db = S(bdb);
	sqlite3_stmt *s;
	int rc, err;

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
				    "exists in '%s'", inv->name,
				    db->base.name);
	if (rc != SQLITE_DONE)
		return sqlerr(db, BT_EIO, "saving an investigation");
	return 0;
}

static int sq_inv_each(struct bt_db *bdb, const char *name,
		       int (*fn)(void *arg, const struct bt_db_inv *inv),
		       void *arg)
{
	struct sqlite_db *db = S(bdb);
	sqlite3_stmt *s;
	int rc, err, r = 0;

	if ((err = prepare(db, &s, name ?
			   "SELECT name, direction, spec, options, created,"
			   " nodes, edges, result FROM investigations WHERE"
			   " name = ?1" :
			   "SELECT name, direction, spec, options, created,"
			   " nodes, edges, NULL FROM investigations ORDER BY"
			   " name")))
		return err;
	if (name)
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct bt_db_inv inv = {
			.name = (char *)sqlite3_column_text(s, 0),
			.direction = (char *)sqlite3_column_text(s, 1),
			.spec = (char *)sqlite3_column_text(s, 2),
			.options = (char *)sqlite3_column_text(s, 3),
			.created = (uint64_t)sqlite3_column_int64(s, 4),
			.nodes = (uint64_t)sqlite3_column_int64(s, 5),
			.edges = (uint64_t)sqlite3_column_int64(s, 6),
			.result = (char *)sqlite3_column_text(s, 7),
		};

		if ((r = fn(arg, &inv)))
			break;
	}
	if (!r && rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = sqlerr(db, BT_EIO, "reading investigations");
	sqlite3_finalize(s);
	return r;
}

static const struct bt_db_ops sqlite_ops = {
	.name = "sqlite",
	.close = sq_close,
	.query_int = query_int,
	.add_begin = sq_add_begin,
	.log_find = sq_log_find,
	.log_prefixes = sq_log_prefixes,
	.log_insert = sq_log_insert,
	.rows_begin = sq_rows_begin,
	.put_object = sq_put_object,
	.put_event = sq_put_event,
	.put_label = sq_put_label,
	.put_note = sq_put_note,
	.add_end = sq_add_end,
	.add_abort = sq_add_abort,
	.read_begin = sq_read_begin,
	.read_end = sq_read_end,
	.each_object = sq_each_object,
	.each_label = sq_each_label,
	.id_runs = sq_id_runs,
	.each_ints = sq_each_ints,
	.pick = sq_pick,
	.labels_of = sq_labels_of,
	.each_note = sq_each_note,
	.each_event = sq_each_event,
	.frontier = sq_frontier,
	.each_end = sq_each_end,
	.has_host = sq_has_host,
	.each_log = sq_each_log,
	.inv_save = sq_inv_save,
	.inv_each = sq_inv_each,
};
