/*
 * db-int.h - what the case database's store-independent logic (db.c) and
 * its stores (db-sqlite.c, db-pg.c) share: the store interface and the rows
 * that cross it.  Private to core/db*.c.
 *
 * db.c reads the log, names it (its hash), maps every object to its
 * identity key and its columns, and drives a store through struct
 * bt_db_ops: one call per row, in log order.  A store writes rows the way
 * it writes fastest (sqlite: prepared statements; PostgreSQL: COPY) and
 * gives back the database id of every object at once, so the mapping from
 * a log's ids to the database's is the same on every store, and so are
 * the ids (dense, in the order objects were first added).
 */
#ifndef BT_DB_INT_H
#define BT_DB_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

/* The integer columns of an object, by position in its INSERT (sqlite's
 * parameter numbers are these + 5). */
enum bt_dbcol {
	DBC_PID, DBC_START, DBC_PPID, DBC_UID, DBC_DEV, DBC_INO, DBC_FLAGS,
	DBC_PATH, /* a string: obj->path */
	DBC_FILE, DBC_PAGE, DBC_PROCESS, DBC_PROT, DBC_FIRST_PAGE, DBC_PAGES,
	DBC_N
};

/* One object row.  Strings are borrowed for the call. */
struct bt_dbobj {
	int64_t id;             /* database id (reading) */
	const char *kind;       /* "process", "file", ... */
	const char *host;       /* NULL for endpoints (shared by hosts) */
	const char *ident;      /* identity key, identlen bytes */
	size_t identlen;
	int64_t col[DBC_N];
	unsigned has;           /* bit c: col[c] (or path) is not NULL */
	const char *path;       /* DBC_PATH, pathlen bytes */
	size_t pathlen;
};

struct bt_dbevent {
	int64_t id;             /* reading */
	uint64_t time;
	int op, flags;
	int64_t aux, cause, effect;
};

/* A row of `labels` (value) or `notes` (object 0, text). */
struct bt_dbtext {
	int64_t id;             /* reading a walk's labels (labels_of) */
	int64_t object;
	const char *key;
	uint64_t time;
	const char *value;
	size_t len;
};

/* One end of a connection: an endpoint with a "local" label, the host of
 * the log that made it, its events' first and last times. */
struct bt_dbend {
	int64_t object;
	const char *host, *remote, *local;
	uint64_t first, last;
};

/* The query both stores run for each_end (the subset they both speak;
 * L and R wrap a byte column into text: PostgreSQL's are bytea): id,
 * host, remote, local, then min and max time as cause and as effect
 * (each an index lookup on events(cause, time) or (effect, time)). */
#define BT_DB_ENDS_SQL(L, R) \
	"SELECT o.id, g.host, " L "o.path" R "," \
	" (SELECT min(" L "value" R ") FROM labels WHERE object = o.id" \
	"  AND key = 'local')," \
	" (SELECT min(time) FROM events WHERE cause = o.id)," \
	" (SELECT max(time) FROM events WHERE cause = o.id)," \
	" (SELECT min(time) FROM events WHERE effect = o.id)," \
	" (SELECT max(time) FROM events WHERE effect = o.id)" \
	" FROM objects o JOIN logs g ON g.id = o.log" \
	" WHERE o.kind = 'endpoint' AND EXISTS (SELECT 1 FROM labels" \
	"  WHERE object = o.id AND key = 'local') ORDER BY o.id"

/* A row of `logs`. */
struct bt_dblog {
	int64_t id;
	const char *hash, *path, *host;
	uint64_t size, events, objects, first_time, last_time;
	bool has_times;
	int64_t flags;
	uint64_t created, added_at;
};

/* What one frontier of a walk asks for (core/db.c, cl_frontier()). */
struct bt_db_frontier {
	bool forward;
	/* the walk's side (backward: the events that affect each object,
	 * forward: that it causes) of obj[i], at times lo[i] to hi[i] */
	const int64_t *obj, *lo, *hi;
	size_t n;
	const int64_t *summ;    /* both sides: what the filters read */
	size_t nsumm;
	const int64_t *pages;   /* the first write into each */
	size_t npages;
	const int64_t *conn;    /* both sides: the connections' events */
	size_t nconn;
	const int64_t *whole;   /* both sides, whole */
	size_t nwhole;
	const int64_t *up;      /* the forks of these processes */
	size_t nup;
};

/* How a store spells the lists of a frontier in SQL, NULL for an empty
 * list: `in_*` after a column ("= ANY('{1,2}'::bigint[])", "IN (SELECT
 * value FROM json_each(?2))"), `from_*` as a FROM item: obj/lo/hi with
 * columns o, lo, hi and alias f, the others with column value and alias
 * p ("unnest('{1,2}'::bigint[]) AS p(value)", "json_each(?2) AS p"). */
struct bt_db_fspell {
	const char *from_range, *from_summ, *from_pages, *in_conn, *in_whole,
		   *in_up;
	/* "is in the ids of the CTE need(o)": a plan through the index
	 * (PostgreSQL cannot tell the size of a CTE) */
	const char *in_need;
};

/* A byte string. */
struct bt_dbstr {
	const char *p;
	size_t len;
};

/* The objects a walk reads (core/db.c, bt_db_export_walk()), each found
 * through an index: by id; by identity key, equal or (a prefix ending
 * with ':') starting with it; with a label of one of these values; and
 * the regions of these files (no index: a scan, asked for only for
 * files that have pages). */
struct bt_db_pick {
	const int64_t *ids;
	size_t nids;
	const struct bt_dbstr *idents, *prefixes, *values;
	size_t nidents, nprefixes, nvalues;
	const int64_t *rfiles;
	size_t nrfiles;
};

/* How a store spells a pick: `in_ids` and `in_rfiles` after a column
 * (NULL for an empty list), a byte string as lit_open HEX lit_close. */
struct bt_db_pspell {
	const char *in_ids, *in_rfiles, *lit_open, *lit_close;
};

/* The statement of a pick (columns: those of each_object's rows), an
 * object may come more than once.  Malloc'd; NULL when out of memory. */
char *bt_db_pick_sql(const struct bt_db_pick *p,
		     const struct bt_db_pspell *sp);

/* The runs of ids with one host (NULL: a shared endpoint), by id: the
 * first and the last row of each run (columns id, host, starts a run,
 * ends it), a window over every object (core/db.c, lz_map(): only when
 * the ranges of ids of the logs do not tell). */
#define BT_DB_RUNS_SQL \
	"SELECT id, host, st, en FROM (SELECT id, host," \
	" coalesce(lag(id) OVER w <> id - 1 OR NOT coalesce(lag(host)" \
	"  OVER w = host, lag(host) OVER w IS NULL AND host IS NULL)," \
	"  1 = 1) AS st," \
	" coalesce(lead(id) OVER w <> id + 1 OR NOT coalesce(lead(host)" \
	"  OVER w = host, lead(host) OVER w IS NULL AND host IS NULL)," \
	"  1 = 1) AS en" \
	" FROM objects WINDOW w AS (ORDER BY id)) AS r WHERE st OR en" \
	" ORDER BY id"

/* The store behind a struct bt_db.  Every function returns 0 or a
 * negative bt_error with a message. */
struct bt_db_ops {
	const char *name;                 /* "sqlite", "PostgreSQL" */
	void (*close)(struct bt_db *db);
	/* One integer from a query of one row (NULL or no row: dflt).  The
	 * SQL is the subset both stores speak. */
	int (*query_int)(struct bt_db *db, const char *sql, int64_t dflt,
			 int64_t *out);

	/* Adding a log: begin (the store's write lock, held to the end),
	 * then find, or insert the log row, then rows, then end or abort. */
	int (*add_begin)(struct bt_db *db);
	/* The log named `hash`: *id, or 0. */
	int (*log_find)(struct bt_db *db, const char *hash, int64_t *id);
	/* Logs created at `created` shorter than `end`, longest first, until
	 * fn returns non-zero (1: stop, <0: error). */
	int (*log_prefixes)(struct bt_db *db, uint64_t created, uint64_t end,
			    int (*fn)(void *arg, const struct bt_dblog *l),
			    void *arg);
	/* Insert the log row (and its host); *id its new id. */
	int (*log_insert)(struct bt_db *db, const struct bt_dblog *l,
			  int64_t *id);
	/* Start the rows of log `logid` (extended: it grew). */
	int (*rows_begin)(struct bt_db *db, int64_t logid, const char *host);
	/* Find the object of obj->ident or insert it: *id, *added. */
	int (*put_object)(struct bt_db *db, const struct bt_dbobj *obj,
			  int64_t *id, bool *added);
	int (*put_event)(struct bt_db *db, const struct bt_dbevent *e);
	int (*put_label)(struct bt_db *db, const struct bt_dbtext *t);
	int (*put_note)(struct bt_db *db, const struct bt_dbtext *t);
	/* All rows are in: flush, update the log row of a log that grew
	 * (l non-NULL), set file paths, commit. */
	int (*add_end)(struct bt_db *db, const struct bt_dblog *grown);
	void (*add_abort)(struct bt_db *db);

	/* Reading, inside read_begin/read_end (one snapshot). */
	int (*read_begin)(struct bt_db *db);
	void (*read_end)(struct bt_db *db);
	/* Objects of `host` and the endpoints (host NULL: all), by id (or
	 * in any order, `ordered` false: the caller sorts them). */
	int (*each_object)(struct bt_db *db, const char *host, bool ordered,
			   int (*fn)(void *arg, const struct bt_dbobj *o),
			   void *arg);
	/* Labels by id (object, key, time, value). */
	int (*each_label)(struct bt_db *db,
			  int (*fn)(void *arg, const struct bt_dbtext *t),
			  void *arg);
	/* A walk's reads: the runs of ids by host (BT_DB_RUNS_SQL), the
	 * objects of a pick (bt_db_pick_sql()), the labels of these objects
	 * by id (with their ids). */
	int (*id_runs)(struct bt_db *db,
		       int (*fn)(void *arg, int64_t first, int64_t last,
				 const char *host),
		       void *arg);
	/* Rows of `ncols` (at most 8) integers (NULL: 0) of `sql`, the
	 * subset both stores speak. */
	int (*each_ints)(struct bt_db *db, const char *sql, int ncols,
			 int (*fn)(void *arg, const int64_t *v), void *arg);
	int (*pick)(struct bt_db *db, const struct bt_db_pick *p,
		    int (*fn)(void *arg, const struct bt_dbobj *o),
		    void *arg);
	int (*labels_of)(struct bt_db *db, const int64_t *ids, size_t n,
			 int (*fn)(void *arg, const struct bt_dbtext *t),
			 void *arg);
	/* The "source" and "drops" notes of every log by id: object is
	 * the note's log id, value its text. */
	int (*each_note)(struct bt_db *db,
			 int (*fn)(void *arg, const struct bt_dbtext *t),
			 void *arg);
	/* Events by id. */
	int (*each_event)(struct bt_db *db,
			  int (*fn)(void *arg, const struct bt_dbevent *e),
			  void *arg);
	/* One frontier of a walk, in one query: bt_db_frontier_sql(). */
	int (*frontier)(struct bt_db *db, const struct bt_db_frontier *f,
			int (*fn)(void *arg, const struct bt_dbevent *e),
			void *arg);
	/* The ends of connections (BT_DB_ENDS_SQL), by id; ends without
	 * events are left out. */
	int (*each_end)(struct bt_db *db,
			int (*fn)(void *arg, const struct bt_dbend *e),
			void *arg);
	int (*has_host)(struct bt_db *db, const char *host, bool *out);
	int (*each_log)(struct bt_db *db,
			int (*fn)(void *arg, const struct bt_dblog *l),
			void *arg);

	int (*inv_save)(struct bt_db *db, const struct bt_db_inv *inv);
	/* fn for each investigation of `name` (NULL: all, by name); with
	 * result only for one name. */
	int (*inv_each)(struct bt_db *db, const char *name,
			int (*fn)(void *arg, const struct bt_db_inv *inv),
			void *arg);
};

/* The common head of every store's struct. */
struct bt_db {
	const struct bt_db_ops *ops;
	char *name;             /* for messages: the path, or the URI
	                           without its password */
	bool readonly;
	int64_t version;        /* the schema version found (BT_DB_VERSION,
	                           or BT_DB_VERSION_1: bt_db_open() upgrades
	                           it or refuses to write) */
	struct bt_db_stats stats;  /* counted by the stores */
};

/* Open the stores (db.c chooses by the name). */
int bt_db_sqlite_open(struct bt_db **out, const char *path, unsigned flags);
int bt_db_pg_open(struct bt_db **out, const char *uri, unsigned flags);

/* Names of label and note keys, by BT_LABEL_* and BT_NOTE_*. */
extern const char *const bt_db_label_names[];
extern const char *const bt_db_note_names[];

/* The ops table's rows: op, name, cause kind, effect kind. */
void bt_db_op_row(unsigned op, const char **name, const char **cause,
		  const char **effect);

/* Whether an event's aux names an object (a region). */
bool bt_db_aux_is_object(unsigned op);

/* A list of ids as text between `open` and `close`, comma-separated:
 * '{1,2,3}' (a PostgreSQL array), '[1,2,3]' (JSON for sqlite's
 * json_each()).  Malloc'd; NULL when out of memory. */
char *bt_db_id_list(const int64_t *ids, size_t n, char open, char close);

/* The statement of one frontier (struct bt_db_ops, frontier), the same
 * on both stores.  Columns: id, time, op, flags, aux, cause, effect; an
 * event may come more than once.  Malloc'd; NULL when out of memory. */
char *bt_db_frontier_sql(bool forward, const struct bt_db_fspell *sp);

#endif
