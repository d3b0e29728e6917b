/*
 * db-pg.c - the PostgreSQL store of a case database (struct bt_db_ops,
 * db-int.h): the shared one, many analysts and many `db add` at once.
 * Same tables and columns as sqlite (man/btrack-db.5), with PostgreSQL
 * types: integers are bigint, byte strings (paths, label values, notes,
 * identity keys) are bytea, because paths and argv are bytes, not UTF-8.
 * No foreign keys (COPY speed, and Citus does not keep them across
 * distributed tables); the loader keeps the references right.
 *
 * Adding a log holds one advisory lock of the database for its
 * transaction (pg_advisory_xact_lock), so concurrent `db add` run one after
 * the other: ids are max(id) + 1 ... given by the loader, dense and in the
 * order objects were first added, as on sqlite, and an identity is looked
 * up in the objects of the log's host (and the endpoints) read once.  Rows
 * go with COPY ... FROM STDIN (FORMAT binary): events streamed, objects,
 * labels and notes buffered and sent at the end of the log.  Creating the
 * schema takes the same lock, so two first `db add` do not race.
 *
 * Reading goes through COPY (SELECT ...) TO STDOUT (FORMAT binary) in one
 * REPEATABLE READ transaction (one snapshot).
 */
#include <arpa/inet.h>
#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db-int.h"
#include "error.h"
#include "hash.h"
#include "log.h"
#include "pqdl.h"
#include "util.h"

/* The advisory lock of a btrack case database: "BTCD". */
#define LOCK_KEY "1112818500"

/* The bytes of events sent to the server at a time. */
#define COPY_CHUNK (1 << 18)

/* A growing byte buffer (a COPY body). */
struct buf {
	char *p;
	size_t len, cap;
};

struct pg_db {
	struct bt_db base;
	PGconn *c;
	/* adding a log */
	int64_t logid;
	bool bulk, in_events;
	bool parted;            /* events is partitioned (by id ranges) */
	char part[40];          /* this add's partition of events, or "" */
	int64_t next_obj, next_event, next_label, next_note;
	int64_t expect;         /* the events a new log brings, or 0 */
	int64_t first_event;    /* max(id) of events before this add */
	struct bt_strmap idents;      /* ident -> id, of the log's host */
	struct buf objs, labels, notes, events;
	bool oom;
};

static struct pg_db *P(struct bt_db *db)
{
	return (struct pg_db *)db;
}

/* ---- errors ------------------------------------------------------------ */

/* The first line of libpq's message. */
static const char *first_line(const char *msg, char *buf, size_t n)
{
	size_t i;

	snprintf(buf, n, "%s", msg ? msg : "");
	for (i = 0; buf[i]; i++)
		if (buf[i] == '\n') {
			buf[i] = '\0';
			break;
		}
	if (!strncmp(buf, "ERROR:  ", 8))
		memmove(buf, buf + 8, strlen(buf + 8) + 1);
	return buf;
}

static int pgerr(struct pg_db *db, int code, const char *what)
{
	char line[512];

	return bt_error_set(code, "'%s': %s: %s", db->base.name, what,
			    first_line(PQerrorMessage(db->c), line,
				       sizeof(line)));
}

static int reserr(struct pg_db *db, PGresult *r, const char *what)
{
	char line[512];
	int err = bt_error_set(BT_EIO, "'%s': %s: %s", db->base.name, what,
			       first_line(PQresultErrorMessage(r), line,
					  sizeof(line)));

	PQclear(r);
	return err;
}

/* Run a statement without rows. */
static int exec(struct pg_db *db, const char *sql)
{
	PGresult *r = PQexec(db->c, sql);

	db->base.stats.queries++;
	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK)
		return reserr(db, r, "sql");
	PQclear(r);
	return 0;
}

/* A query with text parameters and text results: *out is the caller's
 * (PQclear()). */
static int query(struct pg_db *db, PGresult **out, const char *sql,
		 int n, const char *const *params, const char *what)
{
	PGresult *r = PQexecParams(db->c, sql, n, NULL, params, NULL, NULL,
				   0);

	db->base.stats.queries++;
	*out = NULL;
	if (PQresultStatus(r) != PGRES_TUPLES_OK &&
	    PQresultStatus(r) != PGRES_COMMAND_OK)
		return reserr(db, r, what);
	*out = r;
	return 0;
}

static int64_t val_i64(PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 :
	       strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static int pq_query_int(struct bt_db *bdb, const char *sql, int64_t dflt,
			int64_t *out)
{
	struct pg_db *db = P(bdb);
	PGresult *r;
	int err;

	*out = dflt;
	if ((err = query(db, &r, sql, 0, NULL, "query")))
		return err;
	if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
		*out = val_i64(r, 0, 0);
	PQclear(r);
	return 0;
}

/* ---- COPY binary ------------------------------------------------------- */

static void put(struct pg_db *db, struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap &&
	    bt_grow(&b->p, &b->cap, b->len + n, 1)) {
		db->oom = true;
		return;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void put16(struct pg_db *db, struct buf *b, int16_t v)
{
	uint16_t x = htons((uint16_t)v);

	put(db, b, &x, 2);
}

static void put32(struct pg_db *db, struct buf *b, int32_t v)
{
	uint32_t x = htonl((uint32_t)v);

	put(db, b, &x, 4);
}

/* A bigint field. */
static void field64(struct pg_db *db, struct buf *b, int64_t v)
{
	uint64_t x = htobe64((uint64_t)v);

	put32(db, b, 8);
	put(db, b, &x, 8);
}

static void field_null(struct pg_db *db, struct buf *b)
{
	put32(db, b, -1);
}

static void field_bytes(struct pg_db *db, struct buf *b, const void *p,
			size_t n)
{
	put32(db, b, (int32_t)n);
	put(db, b, p, n);
}

/*
 * The hot path of an event row: the row's room reserved once, its fields
 * stored in place (no call per field; 2 M events are 34 M fields).
 */
static char *room(struct pg_db *db, struct buf *b, size_t n)
{
	if (b->len + n > b->cap &&
	    bt_grow(&b->p, &b->cap, b->len + n, 1)) {
		db->oom = true;
		return NULL;
	}
	return b->p + b->len;
}

static inline char *st16(char *p, int16_t v)
{
	uint16_t x = htons((uint16_t)v);

	memcpy(p, &x, 2);
	return p + 2;
}

static inline char *st32(char *p, int32_t v)
{
	uint32_t x = htonl((uint32_t)v);

	memcpy(p, &x, 4);
	return p + 4;
}

/* A bigint field, its length first. */
static inline char *st_f64(char *p, int64_t v)
{
	uint64_t x = htobe64((uint64_t)v);

	p = st32(p, 8);
	memcpy(p, &x, 8);
	return p + 8;
}

static inline char *st_f32(char *p, int32_t v)
{
	return st32(st32(p, 4), v);
}

static void copy_header(struct pg_db *db, struct buf *b)
{
	static const char sig[11] = "PGCOPY\n\377\r\n";

	put(db, b, sig, 11);
	put32(db, b, 0);
	put32(db, b, 0);
}

/* Send a buffer's bytes into the COPY in progress. */
static int copy_send(struct pg_db *db, struct buf *b)
{
	if (db->oom)
		return bt_error_set(BT_ENOMEM, "out of memory");
	if (b->len && PQputCopyData(db->c, b->p, (int)b->len) != 1)
		return pgerr(db, BT_EIO, "sending rows");
	b->len = 0;
	return 0;
}

static int copy_end(struct pg_db *db, const char *what)
{
	PGresult *r;
	int err = 0;

	if (PQputCopyEnd(db->c, NULL) != 1)
		return pgerr(db, BT_EIO, what);
	while ((r = PQgetResult(db->c))) {
		if (!err && PQresultStatus(r) != PGRES_COMMAND_OK)
			err = reserr(db, r, what);
		else
			PQclear(r);
	}
	return err;
}

static int copy_begin(struct pg_db *db, const char *sql, const char *what)
{
	PGresult *r = PQexec(db->c, sql);

	db->base.stats.queries++;
	if (PQresultStatus(r) != PGRES_COPY_IN)
		return reserr(db, r, what);
	PQclear(r);
	return 0;
}

/* COPY a whole buffered body (header, rows; the trailer is added). */
static int copy_all(struct pg_db *db, const char *sql, struct buf *b,
		    const char *what)
{
	int err;

	put16(db, b, -1);
	if ((err = copy_begin(db, sql, what)))
		return err;
	if ((err = copy_send(db, b))) {
		PQputCopyEnd(db->c, "btrack: cannot send");
		while (PQgetResult(db->c))
			;
		return err;
	}
	return copy_end(db, what);
}

/* One row of a COPY TO (binary): n fields, v[i] NULL for a NULL. */
struct row {
	int n;
	const char *v[24];
	int len[24];
};

static int64_t f64(const struct row *r, int i)
{
	uint64_t x;

	if (!r->v[i] || r->len[i] != 8) {
		if (r->v[i] && r->len[i] == 4) {
			uint32_t y;

			memcpy(&y, r->v[i], 4);
			return (int32_t)ntohl(y);
		}
		return 0;
	}
	memcpy(&x, r->v[i], 8);
	return (int64_t)be64toh(x);
}

/*
 * Run `sql` (a SELECT) as COPY (...) TO STDOUT (FORMAT binary) and call
 * fn for every row; fn returns 0 or stops with its value.  The fields are
 * borrowed for the call.
 */
static int copy_out(struct pg_db *db, const char *sql,
		    int (*fn)(void *arg, const struct row *r), void *arg,
		    const char *what)
{
	char *q, *data;
	PGresult *res;
	bool header = true;
	int n, err = 0;

	if (asprintf(&q, "COPY (%s) TO STDOUT (FORMAT binary)", sql) < 0)
		return bt_error_set(BT_ENOMEM, "out of memory");
	res = PQexec(db->c, q);
	free(q);
	db->base.stats.queries++;
	if (PQresultStatus(res) != PGRES_COPY_OUT)
		return reserr(db, res, what);
	PQclear(res);
	while ((n = PQgetCopyData(db->c, &data, 0)) > 0) {
		const char *p = data, *end = data + n;
		struct row r;
		uint32_t x;
		uint16_t nf;
		int i;

		if (err)
			goto next;
		if (header) {
			/* signature, flags, header extension */
			if (n < 19 || memcmp(p, "PGCOPY\n\377\r\n", 11)) {
				err = bt_error_set(BT_EIO, "'%s': %s: a bad "
						   "COPY header",
						   db->base.name, what);
				goto next;
			}
			memcpy(&x, p + 15, 4);
			p += 19 + ntohl(x);
			header = false;
			if (p >= end)
				goto next;
		}
		if (end - p < 2)
			goto bad;
		memcpy(&nf, p, 2);
		p += 2;
		if ((int16_t)ntohs(nf) == -1)
			goto next;
		r.n = ntohs(nf);
		if (r.n > 24)
			goto bad;
		for (i = 0; i < r.n; i++) {
			int32_t l;

			if (end - p < 4)
				goto bad;
			memcpy(&x, p, 4);
			p += 4;
			l = (int32_t)ntohl(x);
			if (l < 0) {
				r.v[i] = NULL;
				r.len[i] = 0;
				continue;
			}
			if (end - p < l)
				goto bad;
			r.v[i] = p;
			r.len[i] = l;
			p += l;
		}
		db->base.stats.rows++;
		err = fn(arg, &r);
		goto next;
bad:
		err = bt_error_set(BT_EIO, "'%s': %s: a bad COPY row",
				   db->base.name, what);
next:
		PQfreemem(data);
	}
	if (n == -2 && !err)
		err = pgerr(db, BT_EIO, what);
	while ((res = PQgetResult(db->c))) {
		if (!err && PQresultStatus(res) != PGRES_COMMAND_OK)
			err = reserr(db, res, what);
		else
			PQclear(res);
	}
	return err;
}

/* ---- schema ------------------------------------------------------------ */

static const char *const schema[] = {
	"CREATE TABLE btrack ("
	" appid INTEGER NOT NULL,"
	" version INTEGER NOT NULL)",
	"CREATE TABLE logs ("
	" id BIGINT PRIMARY KEY,"
	" hash TEXT NOT NULL UNIQUE,"
	" path TEXT NOT NULL,"
	" host TEXT NOT NULL,"
	" size BIGINT NOT NULL,"
	" events BIGINT NOT NULL,"
	" objects BIGINT NOT NULL,"
	" first_time BIGINT,"
	" last_time BIGINT,"
	" flags BIGINT NOT NULL,"
	" created BIGINT NOT NULL,"
	" added_at BIGINT NOT NULL)",
	"CREATE TABLE hosts ("
	" name TEXT PRIMARY KEY,"
	" added_at BIGINT NOT NULL)",
	"CREATE TABLE ops ("
	" op INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" cause TEXT NOT NULL,"
	" effect TEXT NOT NULL)",
	"CREATE TABLE objects ("
	" id BIGINT NOT NULL,"
	" kind TEXT NOT NULL,"
	" host TEXT,"
	" ident BYTEA NOT NULL,"
	" log BIGINT NOT NULL,"
	" pid BIGINT, start BIGINT, ppid BIGINT, uid BIGINT,"
	" dev BIGINT, ino BIGINT, flags BIGINT,"
	" path BYTEA,"
	" file BIGINT,"
	" page BIGINT,"
	" process BIGINT,"
	" prot BIGINT, first_page BIGINT, pages BIGINT)",
	"CREATE TABLE labels ("
	" id BIGINT NOT NULL,"
	" log BIGINT NOT NULL,"
	" object BIGINT NOT NULL,"
	" key TEXT NOT NULL,"
	" time BIGINT NOT NULL,"
	" value BYTEA NOT NULL)",
	"CREATE TABLE events ("
	" id BIGINT NOT NULL,"
	" log BIGINT NOT NULL,"
	" time BIGINT NOT NULL,"
	" op INTEGER NOT NULL,"
	" flags INTEGER NOT NULL,"
	" aux BIGINT NOT NULL,"
	" cause BIGINT NOT NULL,"
	" effect BIGINT NOT NULL) PARTITION BY RANGE (id)",
	"CREATE TABLE notes ("
	" id BIGINT PRIMARY KEY,"
	" log BIGINT NOT NULL,"
	" key TEXT NOT NULL,"
	" time BIGINT NOT NULL,"
	" text BYTEA NOT NULL)",
	"CREATE TABLE investigations ("
	" name TEXT PRIMARY KEY,"
	" direction TEXT NOT NULL,"
	" spec TEXT NOT NULL,"
	" options TEXT NOT NULL,"
	" created BIGINT NOT NULL,"
	" nodes BIGINT NOT NULL,"
	" edges BIGINT NOT NULL,"
	" result TEXT NOT NULL)",
	"CREATE VIEW event_view AS"
	" SELECT e.id, e.log, e.time, o.name AS op, e.cause, e.effect,"
	"  e.aux, e.flags FROM events e JOIN ops o ON o.op = e.op",
};

/*
 * The keys and indexes of objects and labels, built once after the rows
 * of the first log (sorted, not row by row): objects(id), objects(ident)
 * (unique: an identity is one object), labels(id), ...
 */
static const char *const drop_indexes[] = {
	"ALTER TABLE objects DROP CONSTRAINT IF EXISTS objects_pkey,"
	" DROP CONSTRAINT IF EXISTS objects_ident_key",
	"ALTER TABLE labels DROP CONSTRAINT IF EXISTS labels_pkey",
	"DROP INDEX IF EXISTS objects_host, labels_object, labels_value",
};

static const char *const make_indexes[] = {
	"ALTER TABLE objects ADD CONSTRAINT objects_pkey PRIMARY KEY (id),"
	" ADD CONSTRAINT objects_ident_key UNIQUE (ident)",
	"CREATE INDEX objects_host ON objects(host)",
	"ALTER TABLE labels ADD CONSTRAINT labels_pkey PRIMARY KEY (id)",
	"CREATE INDEX labels_object ON labels(object)",
	"CREATE INDEX labels_value ON labels(value)",
};

/*
 * The events' key and indexes.  Events are partitioned by ranges of ids,
 * one partition per `db add` (events_pID, ID its first event): each add
 * COPYs into a table of its own, made in its transaction (so a server
 * with wal_level=minimal writes no WAL for it), builds its key and
 * indexes sorted, once, and attaches it; no add pays for index entries
 * row by row, however large the database.  The parent's key and indexes
 * are those of every partition (for a new database, made on the empty
 * parent).  A database made before partitioning (events a plain table)
 * is loaded as before: the first log without the indexes, built at the
 * end; the next ones row by row.
 */
/* The events' key and indexes on table `t` (events, or a partition: a
 * name of our own, no quoting needed), named after it. */
static int make_event_indexes(struct pg_db *db, const char *t, bool full)
{
	/* A partition is never written again (a log that grew adds one of
	 * its own): its indexes are packed full, 10% fewer pages to write
	 * and to read. */
	const char *with = full ? " WITH (fillfactor = 100)" : "";
	char sql[5][200];
	size_t i;
	int err;

	snprintf(sql[0], sizeof(sql[0]), "ALTER TABLE %s ADD CONSTRAINT"
		 " %s_pkey PRIMARY KEY (id)%s", t, t, with);
	snprintf(sql[1], sizeof(sql[1]), "CREATE INDEX %s_effect ON"
		 " %s(effect, time)%s", t, t, with);
	snprintf(sql[2], sizeof(sql[2]), "CREATE INDEX %s_cause ON"
		 " %s(cause, time)%s", t, t, with);
	/* the execs of a file (a walk's filters: was it ever run?) */
	snprintf(sql[3], sizeof(sql[3]), "CREATE INDEX %s_exec ON"
		 " %s(cause, time)%s WHERE op = %d", t, t, with,
		 BT_OP_EXEC);
	/* the emptyings of a file (a forward walk's window of it ends at
	 * one: core/db.c, bt_db_frontier_sql()) */
	snprintf(sql[4], sizeof(sql[4]), "CREATE INDEX %s_empty ON"
		 " %s(effect, time)%s WHERE op = %d AND (flags & %d) <> 0", t,
		 t, with, BT_OP_TRUNCATE, BT_EVF_EMPTY);
	for (i = 0; i < 5; i++)
		if ((err = exec(db, sql[i])))
			return err;
	return 0;
}

static int put_ops(struct pg_db *db)
{
	const char *name, *c, *e;
	char buf[200];
	unsigned op;
	int err;

	for (op = 1; op <= BT_OP_MAX; op++) {
		bt_db_op_row(op, &name, &c, &e);
		snprintf(buf, sizeof(buf), "INSERT INTO ops VALUES(%u, '%s',"
			 " '%s', '%s') ON CONFLICT DO NOTHING", op, name, c,
			 e);
		if ((err = exec(db, buf)))
			return err;
	}
	return 0;
}

/* Tables of the current schema: btrack's, and all. */
static int tables(struct pg_db *db, int64_t *btrack, int64_t *all)
{
	PGresult *r;
	int err;

	/* One statement, one snapshot: a schema committed between two
	 * queries would look like tables that are not btrack's. */
	if ((err = query(db, &r, "SELECT count(*) FILTER (WHERE tablename ="
			 " 'btrack'), count(*) FROM pg_catalog.pg_tables"
			 " WHERE schemaname = current_schema()", 0, NULL,
			 "reading the schema")))
		return err;
	*btrack = PQntuples(r) ? val_i64(r, 0, 0) : 0;
	*all = PQntuples(r) ? val_i64(r, 0, 1) : 0;
	PQclear(r);
	return 0;
}

/* Create the schema under the lock; another `db add` may have made it
 * meanwhile (then the caller checks it). */
static int create_schema(struct pg_db *db)
{
	int64_t bt, all;
	char buf[160];
	size_t i;
	int err;

	if ((err = exec(db, "BEGIN")) ||
	    (err = exec(db, "SELECT pg_advisory_xact_lock(" LOCK_KEY ")")) ||
	    (err = tables(db, &bt, &all)))
		goto fail;
	if (bt || all)
		return exec(db, "COMMIT");
	for (i = 0; i < BT_ARRAY_SIZE(schema); i++)
		if ((err = exec(db, schema[i])))
			goto fail;
	for (i = 0; i < BT_ARRAY_SIZE(make_indexes); i++)
		if ((err = exec(db, make_indexes[i])))
			goto fail;
	if ((err = make_event_indexes(db, "events", false)) ||
	    (err = put_ops(db)))
		goto fail;
	snprintf(buf, sizeof(buf), "INSERT INTO btrack VALUES(%d, %d)",
		 (int)BT_DB_APPID, BT_DB_VERSION);
	if ((err = exec(db, buf)) || (err = exec(db, "COMMIT")))
		goto fail;
	return 0;
fail:
	PQclear(PQexec(db->c, "ROLLBACK"));
	return err;
}

/* The connection string without its password, for messages. */
static char *safe_name(const char *uri)
{
	char *s = strdup(uri), *p, *at, *colon, *slash;

	if (!s)
		return NULL;
	if ((p = strstr(s, "://"))) {
		p += 3;
		slash = strchr(p, '/');
		at = strchr(p, '@');
		if (at && (!slash || at < slash)) {
			colon = memchr(p, ':', (size_t)(at - p));
			if (colon)
				memmove(colon, at, strlen(at) + 1);
		}
		if ((p = strstr(s, "password=")))
			*p = '\0';
	} else if ((p = strstr(s, "password="))) {
		char *e = p + 9;

		while (*e && *e != ' ')
			e++;
		memmove(p, e, strlen(e) + 1);
	}
	return s;
}

static const struct bt_db_ops pg_ops;

static void pq_close(struct bt_db *bdb)
{
	struct pg_db *db = P(bdb);

	PQfinish(db->c);
	bt_strmap_release(&db->idents);
	free(db->objs.p);
	free(db->labels.p);
	free(db->notes.p);
	free(db->events.p);
	free(db->base.name);
	free(db);
}

/* Why a connection failed, in words a user acts on. */
static int connect_error(struct pg_db *db)
{
	char line[512];
	const char *m = first_line(PQerrorMessage(db->c), line, sizeof(line));

	if (strstr(m, "authentication failed") || strstr(m, "no password") ||
	    strstr(m, "password authentication") ||
	    strstr(m, "no pg_hba.conf entry"))
		return bt_error_set(BT_EIO, "'%s': login refused: %s",
				    db->base.name, m);
	if (strstr(m, "does not exist"))
		return bt_error_set(BT_ENOTFOUND, "'%s': %s", db->base.name,
				    m);
	if (strstr(m, "invalid") || strstr(m, "missing"))
		return bt_error_set(BT_EINVAL, "'%s': %s", db->base.name, m);
	return bt_error_set(BT_EIO, "'%s': cannot reach the server: %s",
			    db->base.name, m);
}

int bt_db_pg_open(struct bt_db **out, const char *uri, unsigned flags)
{
	struct pg_db *db;
	PGresult *r = NULL;
	int64_t bt, all;
	int err;

	*out = NULL;
	if ((err = bt_pq_load()))
		return err;
	db = calloc(1, sizeof(*db));
	if (!db || !(db->base.name = safe_name(uri))) {
		free(db);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	db->base.ops = &pg_ops;
	db->base.readonly = flags & BT_DB_READONLY;
	bt_strmap_init(&db->idents);
	db->c = PQconnectdb(uri);
	if (!db->c) {
		err = bt_error_set(BT_ENOMEM, "out of memory");
		goto fail;
	}
	if (PQstatus(db->c) != CONNECTION_OK) {
		err = connect_error(db);
		goto fail;
	}
	if ((err = exec(db, "SET client_min_messages = warning")) ||
	    (err = tables(db, &bt, &all)))
		goto fail;
	if (!bt && !all) {
		if (!(flags & BT_DB_CREATE) || (flags & BT_DB_READONLY)) {
			err = bt_error_set(BT_ECORRUPT, "'%s' is an empty "
					   "database, not a btrack case "
					   "database (btrack db add)",
					   db->base.name);
			goto fail;
		}
		if ((err = create_schema(db)) ||
		    (err = tables(db, &bt, &all)))
			goto fail;
	}
	if (!bt) {
		err = bt_error_set(BT_ECORRUPT, "'%s' is a PostgreSQL database "
				   "but not a btrack case database",
				   db->base.name);
		goto fail;
	}
	if ((err = query(db, &r, "SELECT appid, version FROM btrack", 0,
			 NULL, "reading the schema version")))
		goto fail;
	if (PQntuples(r) != 1 || val_i64(r, 0, 0) != BT_DB_APPID) {
		err = bt_error_set(BT_ECORRUPT, "'%s' is a PostgreSQL database "
				   "but not a btrack case database",
				   db->base.name);
		goto fail;
	}
	db->base.version = val_i64(r, 0, 1);
	if (db->base.version != BT_DB_VERSION &&
	    db->base.version != BT_DB_VERSION_1) {
		err = bt_error_set(BT_EVERSION, "'%s': case database version "
				   "%" PRId64 ", this btrack reads version %d",
				   db->base.name, val_i64(r, 0, 1),
				   BT_DB_VERSION);
		goto fail;
	}
	PQclear(r);
	r = NULL;
	if (!(flags & BT_DB_READONLY)) {
		int64_t nops = 0;

		if ((err = pq_query_int(&db->base, "SELECT count(*) FROM ops",
					0, &nops)) ||
		    (nops < BT_OP_MAX && (err = put_ops(db))))
			goto fail;
	}
	*out = &db->base;
	return 0;
fail:
	PQclear(r);
	pq_close(&db->base);
	return err;
}

/* ---- adding a log ------------------------------------------------------ */

static void reset_add(struct pg_db *db)
{
	db->logid = db->expect = 0;
	db->bulk = db->in_events = db->oom = false;
	db->part[0] = '\0';
	db->objs.len = db->labels.len = db->notes.len = db->events.len = 0;
	bt_strmap_release(&db->idents);
	bt_strmap_init(&db->idents);
}

static int pq_add_begin(struct bt_db *bdb)
{
	struct pg_db *db = P(bdb);
	int err;

	reset_add(db);
	/* One `db add` at a time: ids are max + 1 (dense, in order).  The
	 * indexes are built at the end (index_settings). */
	if ((err = exec(db, "BEGIN")) ||
	    (err = exec(db, "SELECT pg_advisory_xact_lock(" LOCK_KEY ")")))
		return err;
	return 0;
}

static int pq_log_find(struct bt_db *bdb, const char *hash, int64_t *id)
{
	struct pg_db *db = P(bdb);
	PGresult *r;
	int err;

	*id = 0;
	if ((err = query(db, &r, "SELECT id FROM logs WHERE hash = $1", 1,
			 &hash, "finding the log")))
		return err;
	if (PQntuples(r))
		*id = val_i64(r, 0, 0);
	PQclear(r);
	return 0;
}

static int pq_log_prefixes(struct bt_db *bdb, uint64_t created, uint64_t end,
			   int (*fn)(void *arg, const struct bt_dblog *l),
			   void *arg)
{
	struct pg_db *db = P(bdb);
	char a[24], b[24];
	const char *p[2] = { a, b };
	PGresult *r;
	int i, err, ret = 0;

	snprintf(a, sizeof(a), "%" PRId64, (int64_t)created);
	snprintf(b, sizeof(b), "%" PRId64, (int64_t)end);
	if ((err = query(db, &r, "SELECT id, size, hash, host FROM logs"
			 " WHERE created = $1 AND size < $2 ORDER BY size"
			 " DESC", 2, p, "finding the log")))
		return err;
	for (i = 0; i < PQntuples(r) && !ret; i++) {
		struct bt_dblog l = {
			.id = val_i64(r, i, 0),
			.size = (uint64_t)val_i64(r, i, 1),
			.hash = PQgetvalue(r, i, 2),
			.host = PQgetvalue(r, i, 3),
		};

		ret = fn(arg, &l);
	}
	PQclear(r);
	return ret;
}

static int pq_log_insert(struct bt_db *bdb, const struct bt_dblog *l,
			 int64_t *id)
{
	struct pg_db *db = P(bdb);
	char v[9][24];
	const char *p[12];
	PGresult *r;
	int64_t nev;
	int err;

	if ((err = pq_query_int(bdb, "SELECT coalesce(max(id), 0) + 1 FROM"
				" logs", 1, id)) ||
	    (err = pq_query_int(bdb, "SELECT count(*) FROM (SELECT 1 FROM"
				" events UNION ALL SELECT 1 FROM objects UNION"
				" ALL SELECT 1 FROM labels UNION ALL SELECT 1"
				" FROM notes LIMIT 1) AS e", 0, &nev)))
		return err;
	db->bulk = nev == 0;
	db->expect = (int64_t)l->events;
	snprintf(v[0], 24, "%" PRId64, *id);
	snprintf(v[1], 24, "%" PRId64, (int64_t)l->size);
	snprintf(v[2], 24, "%" PRId64, (int64_t)l->events);
	snprintf(v[3], 24, "%" PRId64, (int64_t)l->objects);
	snprintf(v[4], 24, "%" PRId64, (int64_t)l->first_time);
	snprintf(v[5], 24, "%" PRId64, (int64_t)l->last_time);
	snprintf(v[6], 24, "%" PRId64, l->flags);
	snprintf(v[7], 24, "%" PRId64, (int64_t)l->created);
	snprintf(v[8], 24, "%" PRId64, (int64_t)l->added_at);
	p[0] = v[0];
	p[1] = l->hash;
	p[2] = l->path;
	p[3] = l->host;
	p[4] = v[1];
	p[5] = v[2];
	p[6] = v[3];
	p[7] = l->has_times ? v[4] : NULL;
	p[8] = l->has_times ? v[5] : NULL;
	p[9] = v[6];
	p[10] = v[7];
	p[11] = v[8];
	if ((err = query(db, &r, "INSERT INTO logs(id, hash, path, host,"
			 " size, events, objects, first_time, last_time,"
			 " flags, created, added_at) VALUES($1, $2, $3, $4,"
			 " $5, $6, $7, $8, $9, $10, $11, $12)", 12, p,
			 "inserting the log")))
		return err;
	PQclear(r);
	p[0] = l->host;
	p[1] = v[8];
	if ((err = query(db, &r, "INSERT INTO hosts(name, added_at)"
			 " VALUES($1, $2) ON CONFLICT DO NOTHING", 2, p,
			 "inserting the host")))
		return err;
	PQclear(r);
	return 0;
}

static int ident_row(void *arg, const struct row *r)
{
	struct pg_db *db = arg;
	char *key;
	int64_t id = f64(r, 1);
	int err;

	if (r->n != 2 || !r->v[0] || id <= 0 || id > UINT32_MAX)
		return bt_error_set(BT_ECORRUPT, "'%s': a bad object row",
				    db->base.name);
	if (!(key = strndup(r->v[0], (size_t)r->len[0])))
		return bt_error_set(BT_ENOMEM, "out of memory");
	err = bt_strmap_put(&db->idents, key, (uint32_t)id);
	free(key);
	return err ? bt_error_set(BT_ENOMEM, "out of memory") : 0;
}

static int pq_rows_begin(struct bt_db *bdb, int64_t logid, const char *host)
{
	struct pg_db *db = P(bdb);
	char *q, *lit;
	int64_t parted;
	int err;

	db->logid = logid;
	if ((err = pq_query_int(bdb, "SELECT coalesce(max(id), 0) FROM"
				" objects", 0, &db->next_obj)) ||
	    (err = pq_query_int(bdb, "SELECT coalesce(max(id), 0) FROM"
				" events", 0, &db->first_event)) ||
	    (err = pq_query_int(bdb, "SELECT coalesce(max(id), 0) FROM"
				" labels", 0, &db->next_label)) ||
	    (err = pq_query_int(bdb, "SELECT coalesce(max(id), 0) FROM"
				" notes", 0, &db->next_note)))
		return err;
	db->next_event = db->first_event;
	/* The identities this log may meet: its host's and the endpoints. */
	lit = PQescapeLiteral(db->c, host, strlen(host));
	if (!lit)
		return pgerr(db, BT_EIO, "quoting the host");
	if (asprintf(&q, "SELECT ident, id FROM objects WHERE host = %s OR"
		     " host IS NULL", lit) < 0) {
		PQfreemem(lit);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	PQfreemem(lit);
	err = copy_out(db, q, ident_row, db, "reading identities");
	free(q);
	if (err)
		return err;
	if ((err = pq_query_int(bdb, "SELECT count(*) FROM pg_class WHERE"
				" oid = to_regclass('events') AND relkind ="
				" 'p'", 0, &parted)))
		return err;
	db->parted = parted != 0;
	/*
	 * The first log of a database: into empty tables truncated in this
	 * transaction (new files, so a server with wal_level=minimal writes
	 * no WAL for the COPY), without their keys and indexes, built once
	 * at the end.  TRUNCATE holds readers of the empty tables off until
	 * the commit.
	 */
	if (db->bulk) {
		size_t i;

		if ((err = exec(db, "TRUNCATE events, objects, labels,"
				" notes")))
			return err;
		for (i = 0; i < BT_ARRAY_SIZE(drop_indexes); i++)
			if ((err = exec(db, drop_indexes[i])))
				return err;
		if (!db->parted &&
		    ((err = exec(db, "ALTER TABLE events DROP CONSTRAINT IF"
				 " EXISTS events_pkey")) ||
		     (err = exec(db, "DROP INDEX IF EXISTS events_effect,"
				 " events_cause, events_exec, events_empty"))))
			return err;
	}
	copy_header(db, &db->objs);
	copy_header(db, &db->labels);
	copy_header(db, &db->notes);
	return 0;
}

static int pq_put_object(struct bt_db *bdb, const struct bt_dbobj *o,
			 int64_t *id, bool *added)
{
	struct pg_db *db = P(bdb);
	struct buf *b = &db->objs;
	uint32_t have;
	char *key;
	int c;

	/* ident is NUL-free (paths are C strings in the log) */
	have = bt_strmap_get(&db->idents, o->ident);
	*added = !have;
	if (have) {
		*id = have;
		return 0;
	}
	*id = ++db->next_obj;
	if (*id > UINT32_MAX)
		return bt_error_set(BT_ELIMIT, "'%s': more objects than a "
				    "log can hold", db->base.name);
	key = (char *)o->ident;
	if (bt_strmap_put(&db->idents, key, (uint32_t)*id))
		return bt_error_set(BT_ENOMEM, "out of memory");
	put16(db, b, 5 + DBC_N);
	field64(db, b, *id);
	field_bytes(db, b, o->kind, strlen(o->kind));
	if (o->host)
		field_bytes(db, b, o->host, strlen(o->host));
	else
		field_null(db, b);
	field_bytes(db, b, o->ident, o->identlen);
	field64(db, b, db->logid);
	for (c = 0; c < DBC_N; c++) {
		if (!(o->has & (1u << c)))
			field_null(db, b);
		else if (c == DBC_PATH)
			field_bytes(db, b, o->path, o->pathlen);
		else
			field64(db, b, o->col[c]);
	}
	return db->oom ? bt_error_set(BT_ENOMEM, "out of memory") : 0;
}

static int pq_put_event(struct bt_db *bdb, const struct bt_dbevent *e)
{
	struct pg_db *db = P(bdb);
	struct buf *b = &db->events;
	char *p;
	int err;

	if (!db->in_events) {
		char sql[200];

		/* A partition of its own (see event_indexes) */
		if (db->parted) {
			snprintf(db->part, sizeof(db->part), "events_p%" PRId64,
				 db->next_event + 1);
			/*
			 * With the range its ids will have as a CHECK (a new
			 * log's events are known), so that ATTACH sees its
			 * bound implied and does not scan the events again.
			 */
			if (db->expect)
				snprintf(sql, sizeof(sql), "CREATE TABLE %s"
					 " (LIKE events, CONSTRAINT %s_range"
					 " CHECK (id >= %" PRId64 " AND id <"
					 " %" PRId64 "))", db->part, db->part,
					 db->next_event + 1,
					 db->next_event + 1 + db->expect);
			else
				snprintf(sql, sizeof(sql), "CREATE TABLE %s"
					 " (LIKE events)", db->part);
			if ((err = exec(db, sql)))
				return err;
		}
		snprintf(sql, sizeof(sql), "COPY %s(id, log, time, op, flags,"
			 " aux, cause, effect) FROM STDIN (FORMAT binary)",
			 db->parted ? db->part : "events");
		if ((err = copy_begin(db, sql, "inserting events")))
			return err;
		db->in_events = true;
		copy_header(db, b);
	}
	/* the partition's CHECK holds `expect` ids */
	if (db->expect && db->next_event - db->first_event >= db->expect)
		return bt_error_set(BT_ECORRUPT, "'%s': more events than the "
				    "log had", db->base.name);
	/* 8 fields: 6 bigints, 2 integers */
	if (!(p = room(db, b, 2 + 6 * 12 + 2 * 8)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	p = st16(p, 8);
	p = st_f64(p, ++db->next_event);
	p = st_f64(p, db->logid);
	p = st_f64(p, (int64_t)e->time);
	p = st_f32(p, e->op);
	p = st_f32(p, e->flags);
	p = st_f64(p, e->aux);
	p = st_f64(p, e->cause);
	p = st_f64(p, e->effect);
	b->len = (size_t)(p - b->p);
	if (b->len >= COPY_CHUNK)
		return copy_send(db, b);
	return 0;
}

static int pq_put_label(struct bt_db *bdb, const struct bt_dbtext *t)
{
	struct pg_db *db = P(bdb);
	struct buf *b = &db->labels;

	put16(db, b, 6);
	field64(db, b, ++db->next_label);
	field64(db, b, db->logid);
	field64(db, b, t->object);
	field_bytes(db, b, t->key, strlen(t->key));
	field64(db, b, (int64_t)t->time);
	field_bytes(db, b, t->value, t->len);
	return db->oom ? bt_error_set(BT_ENOMEM, "out of memory") : 0;
}

static int pq_put_note(struct bt_db *bdb, const struct bt_dbtext *t)
{
	struct pg_db *db = P(bdb);
	struct buf *b = &db->notes;

	put16(db, b, 5);
	field64(db, b, ++db->next_note);
	field64(db, b, db->logid);
	field_bytes(db, b, t->key, strlen(t->key));
	field64(db, b, (int64_t)t->time);
	field_bytes(db, b, t->value, t->len);
	return db->oom ? bt_error_set(BT_ENOMEM, "out of memory") : 0;
}

/*
 * How the indexes of a load are built: one sort each, in memory, by this
 * backend alone.  Parallel workers split maintenance_work_mem, so each
 * sorted its third on disk and the leader merged them: more CPU seconds
 * for the same index, on a server whose cores the add shares anyway.
 * The memory: about 72 bytes an event for the largest sort, from 256 MB
 * (as before) up to 1 GB; a larger load sorts in runs on disk.
 */
static int index_settings(struct pg_db *db)
{
	int64_t mb = (db->next_event - db->first_event) / 1024 * 72 / 1024;
	char sql[80];
	int err;

	if (mb < 256)
		mb = 256;
	if (mb > 1024)
		mb = 1024;
	snprintf(sql, sizeof(sql), "SET LOCAL maintenance_work_mem ="
		 " '%" PRId64 "MB'", mb);
	if ((err = exec(db, "SET LOCAL max_parallel_maintenance_workers = 0")))
		return err;
	return exec(db, sql);
}

static int pq_add_end(struct bt_db *bdb, const struct bt_dblog *grown)
{
	struct pg_db *db = P(bdb);
	char id[24];
	const char *p[1] = { id };
	PGresult *r;
	size_t i;
	int err = 0;

	if (!db->logid) {       /* the log was there: nothing written */
		err = exec(db, "COMMIT");
		goto out;
	}
	if (db->in_events) {
		put16(db, &db->events, -1);
		db->in_events = false;
		if ((err = copy_send(db, &db->events)) ||
		    (err = copy_end(db, "inserting events")))
			goto fail;
	}
	if ((err = copy_all(db, "COPY objects(id, kind, host, ident, log,"
			    " pid, start, ppid, uid, dev, ino, flags, path,"
			    " file, page, process, prot, first_page, pages)"
			    " FROM STDIN (FORMAT binary)", &db->objs,
			    "inserting objects")) ||
	    (err = copy_all(db, "COPY labels(id, log, object, key, time,"
			    " value) FROM STDIN (FORMAT binary)",
			    &db->labels, "inserting labels")) ||
	    (err = copy_all(db, "COPY notes(id, log, key, time, text) FROM"
			    " STDIN (FORMAT binary)", &db->notes,
			    "inserting notes")))
		goto fail;
	snprintf(id, sizeof(id), "%" PRId64, db->logid);
	if (grown) {
		char v[7][24];
		const char *q[9];

		snprintf(v[0], 24, "%" PRId64, (int64_t)grown->size);
		snprintf(v[1], 24, "%" PRId64, (int64_t)grown->events);
		snprintf(v[2], 24, "%" PRId64, (int64_t)grown->objects);
		snprintf(v[3], 24, "%" PRId64, (int64_t)grown->first_time);
		snprintf(v[4], 24, "%" PRId64, (int64_t)grown->last_time);
		snprintf(v[5], 24, "%" PRId64, grown->flags);
		q[0] = grown->hash;
		q[1] = grown->path;
		q[2] = v[0];
		q[3] = v[1];
		q[4] = v[2];
		q[5] = grown->has_times ? v[3] : NULL;
		q[6] = grown->has_times ? v[4] : NULL;
		q[7] = v[5];
		q[8] = id;
		if ((err = query(db, &r, "UPDATE logs SET hash = $1, path ="
				 " $2, size = $3, events = $4, objects = $5,"
				 " first_time = $6, last_time = $7, flags ="
				 " $8 WHERE id = $9", 9, q,
				 "updating the log")))
			goto fail;
		PQclear(r);
	}
	/* A file's path column: the latest path it was seen under.  The
	 * files this add inserted have it (db.c); a log that grew may have
	 * given a path to a file of its first part. */
	if (grown &&
	    (err = query(db, &r, "UPDATE objects SET path = (SELECT value"
			 " FROM labels l WHERE l.object = objects.id AND"
			 " l.key = 'path' ORDER BY l.time DESC, l.id DESC"
			 " LIMIT 1) WHERE log = $1 AND kind = 'file' AND"
			 " path IS NULL", 1, p, "setting file paths")))
		goto fail;
	if (grown)
		PQclear(r);
	/* The frontier's `= ANY` needs the events' statistics to pick the
	 * indexes; a small sample is enough (the other tables are read
	 * whole or by their keys), and autovacuum keeps them up to date as
	 * the database grows. */
	if ((db->bulk || db->part[0]) &&
	    ((err = exec(db, "SET LOCAL default_statistics_target = 10")) ||
	     (err = index_settings(db))))
		goto fail;
	if (db->bulk) {
		for (i = 0; i < BT_ARRAY_SIZE(make_indexes); i++)
			if ((err = exec(db, make_indexes[i])))
				goto fail;
		if (!db->parted &&
		    ((err = make_event_indexes(db, "events", false)) ||
		     (err = exec(db, "ANALYZE events"))))
			goto fail;
	}
	if (db->part[0]) {
		char sql[200];

		snprintf(sql, sizeof(sql), "ALTER TABLE events ATTACH"
			 " PARTITION %s FOR VALUES FROM (%" PRId64 ") TO"
			 " (%" PRId64 ")", db->part,
			 (int64_t)strtoll(db->part + 8, NULL, 10),
			 db->next_event + 1);
		if ((err = make_event_indexes(db, db->part, true)) ||
		    (err = exec(db, sql)))
			goto fail;
		/* the range check that spared ATTACH its scan (put_event) */
		if (db->expect) {
			snprintf(sql, sizeof(sql), "ALTER TABLE %s DROP"
				 " CONSTRAINT %s_range", db->part, db->part);
			if ((err = exec(db, sql)))
				goto fail;
		}
		snprintf(sql, sizeof(sql), "ANALYZE %s", db->part);
		if ((err = exec(db, sql)))
			goto fail;
	}
	if ((err = exec(db, "COMMIT")))
		goto fail;
	goto out;
fail:
	PQclear(PQexec(db->c, "ROLLBACK"));
out:
	reset_add(db);
	return err;
}

static void pq_add_abort(struct bt_db *bdb)
{
	struct pg_db *db = P(bdb);

	if (db->in_events) {
		PQputCopyEnd(db->c, "btrack: the log was not added");
		while (PQgetResult(db->c))
			;
	}
	PQclear(PQexec(db->c, "ROLLBACK"));
	reset_add(db);
}

/* ---- reading ----------------------------------------------------------- */

/* No JIT: a frontier's statement is large and its plan's cost estimate
 * high (a recursive CTE), so the server would compile it, for a second or
 * more each time, to run a few index lookups in milliseconds. */
static int pq_read_begin(struct bt_db *bdb)
{
	int err = exec(P(bdb), "BEGIN ISOLATION LEVEL REPEATABLE READ,"
		       " READ ONLY");

	return err ? err : exec(P(bdb), "SET LOCAL jit = off");
}

static void pq_read_end(struct bt_db *bdb)
{
	PQclear(PQexec(P(bdb)->c, "COMMIT"));
}

struct each {
	struct pg_db *db;
	int (*obj)(void *arg, const struct bt_dbobj *o);
	int (*text)(void *arg, const struct bt_dbtext *t);
	int (*event)(void *arg, const struct bt_dbevent *e);
	void *arg;
	char *kind;
	size_t kind_cap;
	char *host;             /* objects: the host, NUL-terminated */
	size_t host_cap;
};

static int object_row(void *arg, const struct row *r)
{
	struct each *x = arg;
	struct bt_dbobj o = { .id = f64(r, 0) };
	int c;

	if (r->n != 3 + DBC_N || !r->v[1])
		return bt_error_set(BT_ECORRUPT, "'%s': a bad object row",
				    x->db->base.name);
	if (r->v[2 + DBC_N]) {  /* the host, NULL for shared endpoints */
		size_t hl = (size_t)r->len[2 + DBC_N];

		if (hl + 1 > x->host_cap &&
		    bt_grow(&x->host, &x->host_cap, hl + 1, 1))
			return bt_error_set(BT_ENOMEM, "out of memory");
		memcpy(x->host, r->v[2 + DBC_N], hl);
		x->host[hl] = '\0';
		o.host = x->host;
	}
	if ((size_t)r->len[1] + 1 > x->kind_cap &&
	    bt_grow(&x->kind, &x->kind_cap, (size_t)r->len[1] + 1, 1))
		return bt_error_set(BT_ENOMEM, "out of memory");
	memcpy(x->kind, r->v[1], (size_t)r->len[1]);
	x->kind[r->len[1]] = '\0';
	o.kind = x->kind;
	for (c = 0; c < DBC_N; c++) {
		if (!r->v[2 + c])
			continue;
		o.has |= 1u << c;
		if (c == DBC_PATH) {
			o.path = r->v[2 + c];
			o.pathlen = (size_t)r->len[2 + c];
		} else {
			o.col[c] = f64(r, 2 + c);
		}
	}
	return x->obj(x->arg, &o);
}

static int pq_each_object(struct bt_db *bdb, const char *host, bool ordered,
			  int (*fn)(void *arg, const struct bt_dbobj *o),
			  void *arg)
{
	struct pg_db *db = P(bdb);
	struct each x = { .db = db, .obj = fn, .arg = arg };
	char *q, *lit = NULL;
	int err;

	if (host && !(lit = PQescapeLiteral(db->c, host, strlen(host))))
		return pgerr(db, BT_EIO, "quoting the host");
	err = asprintf(&q, "SELECT id, kind, pid, start, ppid, uid, dev, ino,"
		       " flags, path, file, page, process, prot, first_page,"
		       " pages, host FROM objects%s%s%s",
		       lit ? " WHERE host IS NULL OR host = " : "",
		       lit ? lit : "", ordered ? " ORDER BY id" : "");
	PQfreemem(lit);
	if (err < 0)
		return bt_error_set(BT_ENOMEM, "out of memory");
	err = copy_out(db, q, object_row, &x, "reading objects");
	free(q);
	free(x.kind);
	free(x.host);
	return err;
}

/* A row of (object, key, time, value[, id]). */
static int label_row(void *arg, const struct row *r)
{
	struct each *x = arg;
	char key[16];
	struct bt_dbtext t;
	char *v;

	if ((r->n != 4 && r->n != 5) || !r->v[1] || !r->v[3])
		return bt_error_set(BT_ECORRUPT, "'%s': a bad label row",
				    x->db->base.name);
	snprintf(key, sizeof(key), "%.*s", r->len[1], r->v[1]);
	/* the value ends with a NUL in the log: give it one */
	if ((size_t)r->len[3] + 1 > x->kind_cap &&
	    bt_grow(&x->kind, &x->kind_cap, (size_t)r->len[3] + 1, 1))
		return bt_error_set(BT_ENOMEM, "out of memory");
	v = x->kind;
	memcpy(v, r->v[3], (size_t)r->len[3]);
	v[r->len[3]] = '\0';
	t = (struct bt_dbtext){ .object = f64(r, 0), .key = key,
				.time = (uint64_t)f64(r, 2), .value = v,
				.len = (size_t)r->len[3],
				.id = r->n == 5 && r->v[4] ? f64(r, 4) : 0 };
	return x->text(x->arg, &t);
}

static int pq_each_label(struct bt_db *bdb,
			 int (*fn)(void *arg, const struct bt_dbtext *t),
			 void *arg)
{
	struct each x = { .db = P(bdb), .text = fn, .arg = arg };
	int err = copy_out(P(bdb), "SELECT object, key, time, value FROM"
			   " labels ORDER BY id", label_row, &x,
			   "reading labels");

	free(x.kind);
	return err;
}

/* Notes have the shape of labels: (log, key, time, text). */
static int pq_each_note(struct bt_db *bdb,
			int (*fn)(void *arg, const struct bt_dbtext *t),
			void *arg)
{
	struct each x = { .db = P(bdb), .text = fn, .arg = arg };
	int err = copy_out(P(bdb), "SELECT log, key, time, text FROM notes"
			   " WHERE key IN ('source', 'drops') ORDER BY id",
			   label_row, &x, "reading notes");

	free(x.kind);
	return err;
}

static int event_row(void *arg, const struct row *r)
{
	struct each *x = arg;
	struct bt_dbevent e;

	if (r->n != 7)
		return bt_error_set(BT_ECORRUPT, "'%s': a bad event row",
				    x->db->base.name);
	e = (struct bt_dbevent){ .id = f64(r, 0), .time = (uint64_t)f64(r, 1),
				 .op = (int)f64(r, 2), .flags = (int)f64(r, 3),
				 .aux = f64(r, 4), .cause = f64(r, 5),
				 .effect = f64(r, 6) };
	return x->event(x->arg, &e);
}

static int pq_each_event(struct bt_db *bdb,
			 int (*fn)(void *arg, const struct bt_dbevent *e),
			 void *arg)
{
	struct each x = { .db = P(bdb), .event = fn, .arg = arg };

	return copy_out(P(bdb), "SELECT id, time, op, flags, aux, cause,"
			" effect FROM events ORDER BY id", event_row, &x,
			"reading events");
}

/* The list of ids as a PostgreSQL array between pre and post, or NULL
 * for none (n 0) or out of memory (*oom). */
static char *spell(const char *pre, const int64_t *ids, size_t n,
		   const char *post, bool *oom)
{
	char *l, *r = NULL;

	if (!n)
		return NULL;
	if (!(l = bt_db_id_list(ids, n, '{', '}')) ||
	    asprintf(&r, "%s%s%s", pre, l, post) < 0) {
		r = NULL;
		*oom = true;
	}
	free(l);
	return r;
}

struct runs_each {
	struct pg_db *db;
	int (*fn)(void *arg, int64_t first, int64_t last, const char *host);
	void *arg;
	int64_t first;
	char *host;
};

static int run_row_pg(void *arg, const struct row *r)
{
	struct runs_each *x = arg;
	int64_t id = f64(r, 0);

	if (r->n != 4 || !r->v[2] || !r->v[3] || r->len[2] != 1 ||
	    r->len[3] != 1)
		return bt_error_set(BT_ECORRUPT, "'%s': a bad row of ids",
				    x->db->base.name);
	if (r->v[2][0]) {
		x->first = id;
		free(x->host);
		x->host = NULL;
		if (r->v[1] && !(x->host = strndup(r->v[1],
						   (size_t)r->len[1])))
			return bt_error_set(BT_ENOMEM, "out of memory");
	}
	return r->v[3][0] ? x->fn(x->arg, x->first, id, x->host) : 0;
}

static int pq_id_runs(struct bt_db *bdb,
		      int (*fn)(void *arg, int64_t first, int64_t last,
				const char *host),
		      void *arg)
{
	struct runs_each x = { .db = P(bdb), .fn = fn, .arg = arg };
	int err = copy_out(P(bdb), BT_DB_RUNS_SQL, run_row_pg, &x,
			   "reading the ids of objects");

	free(x.host);
	return err;
}

struct ints_each {
	int (*fn)(void *arg, const int64_t *v);
	void *arg;
	int ncols;
};

static int ints_row(void *arg, const struct row *r)
{
	struct ints_each *x = arg;
	int64_t v[8];
	int i;

	for (i = 0; i < x->ncols; i++)
		v[i] = i < r->n && r->v[i] ? f64(r, i) : 0;
	return x->fn(x->arg, v);
}

static int pq_each_ints(struct bt_db *bdb, const char *sql, int ncols,
			int (*fn)(void *arg, const int64_t *v), void *arg)
{
	struct ints_each x = { fn, arg, ncols };

	if (ncols < 1 || ncols > 8)
		return bt_error_set(BT_EINVAL, "bad query");
	return copy_out(P(bdb), sql, ints_row, &x, "reading a query");
}

static int pq_pick(struct bt_db *bdb, const struct bt_db_pick *p,
		   int (*fn)(void *arg, const struct bt_dbobj *o), void *arg)
{
	struct pg_db *db = P(bdb);
	struct each x = { .db = db, .obj = fn, .arg = arg };
	bool oom = false;
	struct bt_db_pspell sp = {
		spell("= ANY('", p->ids, p->nids, "'::bigint[])", &oom),
		spell("= ANY('", p->rfiles, p->nrfiles, "'::bigint[])", &oom),
		"'\\x", "'::bytea",
	};
	char *q = NULL;
	int err;

	if (oom || !(q = bt_db_pick_sql(p, &sp)))
		err = bt_error_set(BT_ENOMEM, "out of memory");
	else
		err = copy_out(db, q, object_row, &x, "reading objects");
	free(q);
	free((char *)sp.in_ids);
	free((char *)sp.in_rfiles);
	free(x.kind);
	free(x.host);
	return err;
}

static int pq_labels_of(struct bt_db *bdb, const int64_t *ids, size_t n,
			int (*fn)(void *arg, const struct bt_dbtext *t),
			void *arg)
{
	struct each x = { .db = P(bdb), .text = fn, .arg = arg };
	bool oom = false;
	char *in, *q = NULL;
	int err;

	if (!n)
		return 0;
	in = spell("= ANY('", ids, n, "'::bigint[])", &oom);
	if (oom || asprintf(&q, "SELECT object, key, time, value, id FROM"
			    " labels WHERE object %s ORDER BY id", in) < 0) {
		q = NULL;
		err = bt_error_set(BT_ENOMEM, "out of memory");
	} else {
		err = copy_out(P(bdb), q, label_row, &x, "reading labels");
	}
	free(q);
	free(in);
	free(x.kind);
	return err;
}

static int pq_frontier(struct bt_db *bdb, const struct bt_db_frontier *f,
		       int (*fn)(void *arg, const struct bt_dbevent *e),
		       void *arg)
{
	struct pg_db *db = P(bdb);
	struct each x = { .db = db, .event = fn, .arg = arg };
	bool oom = false;
	char *o = spell("", f->obj, f->n, "", &oom);
	char *lo = spell("", f->lo, f->n, "", &oom);
	char *hi = spell("", f->hi, f->n, "", &oom), *range = NULL, *q = NULL;
	struct bt_db_fspell sp = {
		NULL,
		spell("unnest('", f->summ, f->nsumm,
		      "'::bigint[]) AS p(value)", &oom),
		spell("unnest('", f->pages, f->npages,
		      "'::bigint[]) AS p(value)", &oom),
		spell("= ANY('", f->conn, f->nconn, "'::bigint[])", &oom),
		spell("= ANY('", f->whole, f->nwhole, "'::bigint[])", &oom),
		spell("= ANY('", f->up, f->nup, "'::bigint[])", &oom),
		"= ANY(ARRAY(SELECT o FROM need))",
	};
	int err;

	if (f->n && !oom &&
	    asprintf(&range, "unnest('%s'::bigint[], '%s'::bigint[],"
		     " '%s'::bigint[]) AS f(o, lo, hi)", o, lo, hi) < 0) {
		range = NULL;
		oom = true;
	}
	sp.from_range = range;
	if (oom || !(q = bt_db_frontier_sql(f->forward, &sp)))
		err = bt_error_set(BT_ENOMEM, "out of memory");
	else
		err = copy_out(db, q, event_row, &x, "reading a frontier");
	free(q);
	free(o);
	free(lo);
	free(hi);
	free(range);
	free((char *)sp.from_summ);
	free((char *)sp.from_pages);
	free((char *)sp.in_conn);
	free((char *)sp.in_whole);
	free((char *)sp.in_up);
	return err;
}

static bool pq_span(PGresult *r, int i, int c, uint64_t *first,
		    uint64_t *last, bool any)
{
	uint64_t a, b;

	if (PQgetisnull(r, i, c))
		return any;
	a = (uint64_t)val_i64(r, i, c);
	b = (uint64_t)val_i64(r, i, c + 1);
	if (!any || a < *first)
		*first = a;
	if (!any || b > *last)
		*last = b;
	return true;
}

static int pq_each_end(struct bt_db *bdb,
		       int (*fn)(void *arg, const struct bt_dbend *e),
		       void *arg)
{
	struct pg_db *db = P(bdb);
	PGresult *r;
	int i, err, ret = 0;

	if ((err = query(db, &r, BT_DB_ENDS_SQL("encode(",
						    ", 'escape')"), 0, NULL,
			 "reading connections")))
		return err;
	for (i = 0; i < PQntuples(r) && !ret; i++) {
		struct bt_dbend e = {
			.object = val_i64(r, i, 0),
			.host = PQgetvalue(r, i, 1),
			.remote = PQgetvalue(r, i, 2),
			.local = PQgetvalue(r, i, 3),
		};
		bool any;

		db->base.stats.rows++;
		any = pq_span(r, i, 4, &e.first, &e.last, false);
		any = pq_span(r, i, 6, &e.first, &e.last, any);
		if (!any || PQgetisnull(r, i, 3))
			continue;
		ret = fn(arg, &e);
	}
	PQclear(r);
	return ret;
}

static int pq_has_host(struct bt_db *bdb, const char *host, bool *out)
{
	struct pg_db *db = P(bdb);
	PGresult *r;
	int err;

	if ((err = query(db, &r, "SELECT 1 FROM hosts WHERE name = $1", 1,
			 &host, "finding the host")))
		return err;
	*out = PQntuples(r) > 0;
	PQclear(r);
	return 0;
}

static int pq_each_log(struct bt_db *bdb,
		       int (*fn)(void *arg, const struct bt_dblog *l),
		       void *arg)
{
	struct pg_db *db = P(bdb);
	PGresult *r;
	int i, err, ret = 0;

	if ((err = query(db, &r, "SELECT id, host, events, objects, hash,"
			 " path, first_time, last_time FROM logs ORDER BY id",
			 0, NULL, "reading logs")))
		return err;
	for (i = 0; i < PQntuples(r) && !ret; i++) {
		struct bt_dblog l = {
			.id = val_i64(r, i, 0),
			.host = PQgetvalue(r, i, 1),
			.events = (uint64_t)val_i64(r, i, 2),
			.objects = (uint64_t)val_i64(r, i, 3),
			.hash = PQgetvalue(r, i, 4),
			.path = PQgetvalue(r, i, 5),
			.first_time = (uint64_t)val_i64(r, i, 6),
			.last_time = (uint64_t)val_i64(r, i, 7),
		};

		ret = fn(arg, &l);
	}
	PQclear(r);
	return ret;
}

/* ---- investigations ---------------------------------------------------- */

static int pq_inv_save(struct bt_db *bdb, const struct bt_db_inv *inv)
{
	struct pg_db *db = P(bdb);
	char v[3][24];
	const char *p[8];
	PGresult *r;

	snprintf(v[0], 24, "%" PRId64, (int64_t)inv->created);
	snprintf(v[1], 24, "%" PRId64, (int64_t)inv->nodes);
	snprintf(v[2], 24, "%" PRId64, (int64_t)inv->edges);
	p[0] = inv->name;
	p[1] = inv->direction ? inv->direction : "backward";
	p[2] = inv->spec ? inv->spec : "";
	p[3] = inv->options ? inv->options : "";
	p[4] = v[0];
	p[5] = v[1];
	p[6] = v[2];
	p[7] = inv->result ? inv->result : "";
	r = PQexecParams(db->c, inv->replace ?
			 "INSERT INTO investigations(name, direction, spec,"
			 " options, created, nodes, edges, result) VALUES($1,"
			 " $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (name) DO"
			 " UPDATE SET direction = $2, spec = $3, options = $4,"
			 " created = $5, nodes = $6, edges = $7, result = $8" :
			 "INSERT INTO investigations(name, direction, spec,"
			 " options, created, nodes, edges, result) VALUES($1,"
			 " $2, $3, $4, $5, $6, $7, $8)", 8, NULL, p, NULL,
			 NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);

		if (state && !strcmp(state, "23505") && !inv->replace) {
			PQclear(r);
			return bt_error_set(BT_EINVAL, "investigation '%s' "
					    "already exists in '%s'",
					    inv->name, db->base.name);
		}
		return reserr(db, r, "saving an investigation");
	}
	PQclear(r);
	return 0;
}

static int pq_inv_each(struct bt_db *bdb, const char *name,
		       int (*fn)(void *arg, const struct bt_db_inv *inv),
		       void *arg)
{
	struct pg_db *db = P(bdb);
	PGresult *r;
	int i, err, ret = 0;

	if ((err = query(db, &r, name ?
			 "SELECT name, direction, spec, options, created,"
			 " nodes, edges, result FROM investigations WHERE"
			 " name = $1" :
			 "SELECT name, direction, spec, options, created,"
			 " nodes, edges, NULL FROM investigations ORDER BY"
			 " name COLLATE \"C\"", name ? 1 : 0, &name,
			 "reading investigations")))
		return err;
	for (i = 0; i < PQntuples(r) && !ret; i++) {
		struct bt_db_inv inv = {
			.name = PQgetvalue(r, i, 0),
			.direction = PQgetvalue(r, i, 1),
			.spec = PQgetvalue(r, i, 2),
			.options = PQgetvalue(r, i, 3),
			.created = (uint64_t)val_i64(r, i, 4),
			.nodes = (uint64_t)val_i64(r, i, 5),
			.edges = (uint64_t)val_i64(r, i, 6),
			.result = PQgetisnull(r, i, 7) ? NULL :
				  PQgetvalue(r, i, 7),
		};

		ret = fn(arg, &inv);
	}
	PQclear(r);
	return ret;
}

static const struct bt_db_ops pg_ops = {
	.name = "PostgreSQL",
	.close = pq_close,
	.query_int = pq_query_int,
	.add_begin = pq_add_begin,
	.log_find = pq_log_find,
	.log_prefixes = pq_log_prefixes,
	.log_insert = pq_log_insert,
	.rows_begin = pq_rows_begin,
	.put_object = pq_put_object,
	.put_event = pq_put_event,
	.put_label = pq_put_label,
	.put_note = pq_put_note,
	.add_end = pq_add_end,
	.add_abort = pq_add_abort,
	.read_begin = pq_read_begin,
	.read_end = pq_read_end,
	.each_object = pq_each_object,
	.each_label = pq_each_label,
	.id_runs = pq_id_runs,
	.each_ints = pq_each_ints,
	.pick = pq_pick,
	.labels_of = pq_labels_of,
	.each_note = pq_each_note,
	.each_event = pq_each_event,
	.frontier = pq_frontier,
	.each_end = pq_each_end,
	.has_host = pq_has_host,
	.each_log = pq_each_log,
	.inv_save = pq_inv_save,
	.inv_each = pq_inv_each,
};
