/*
 * db.h - the case database: many logs, from many hosts, in one store that
 * analysts can query with plain SQL, and saved investigations.  The store
 * is an sqlite file (the embedded default) or a PostgreSQL database (the
 * shared one: `postgresql://...`), with the same schema and the same
 * answers (core/db-sqlite.c, core/db-pg.c behind core/db-int.h).
 *
 * bt_db_add() loads a log (any source: they share one format,
 * core/record.h) into the database: objects merged by identity across logs
 * (a process is (host, pid, start), a file (host, dev, ino) or, for a file
 * numbered by an importer (BT_FILEF_SYNTH), (host, path), a filename
 * (host, path), a page (file, index), an endpoint its address, a region
 * (process, file, prot, pages)), events with the id of the log they came
 * from, labels, notes, and a row in `logs` identified by a hash of the
 * log's committed bytes, so adding the same log twice changes nothing, and
 * adding a log that grew since (same creation time, same bytes up to the
 * size it had) adds only its new records.  One transaction per log.
 *
 * Walks do not run on SQL: bt_db_graph() (graph/dbgraph.h) writes the
 * database's objects and events into a temporary log with the log writer
 * and loads it with bt_graph_load(), so a walk over the database is the
 * walk over a log, with the same results (for a single log: the same
 * object ids too).  Object ids are dense, in the order objects were first
 * added, on every store.
 *
 * The schema is specified for users in man/btrack-db.5; the statements
 * that create it are in db.c and must agree with that page.  This module
 * never prints and never exits.
 */
#ifndef BT_DB_H
#define BT_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "log.h"

/* The schema version (sqlite: PRAGMA user_version; PostgreSQL: the table
 * `btrack`) this build reads and writes.  Version 2: an endpoint with a
 * local address (one end of one connection) is its own object; version
 * 1 databases may have merged such ends by remote address: they are read
 * as they are, and upgraded when first opened for writing if they hold
 * no merged end, else refused for writing (bt_db_open()). */
#define BT_DB_VERSION 2
#define BT_DB_VERSION_1 1
/* PRAGMA application_id of a btrack case database: "BTCD". */
#define BT_DB_APPID 0x42544344

struct bt_db;

enum bt_db_open_flags {
	BT_DB_CREATE = 0x1,    /* create the file and schema if missing */
	BT_DB_READONLY = 0x2   /* open read-only (no CREATE) */
};

/*
 * Open a case database: `name` is an sqlite file, or a PostgreSQL
 * connection URI (postgresql://..., postgres://...) or conninfo string
 * ("host=... dbname=...", bt_db_is_pg()).  BT_ENOTFOUND if it does not
 * exist (without BT_DB_CREATE), BT_ECORRUPT for a file or database that is
 * not a btrack one, BT_EVERSION for another schema version, BT_EIO (a
 * server that cannot be reached, a refused login: the message says which).
 * The caller owns *out (bt_db_close()).
 */
int bt_db_open(struct bt_db **out, const char *name, unsigned flags);
/* (BT_EVERSION also for a version 1 database opened for writing that
 * holds connection ends merged by address: adding to it would duplicate
 * them.) */
void bt_db_close(struct bt_db *db);  /* accepts NULL */

/* Whether `name` names a PostgreSQL database rather than a file. */
bool bt_db_is_pg(const char *name);

/* The name for messages (a URI without its password; borrowed) and the
 * store ("sqlite", "PostgreSQL"). */
const char *bt_db_name(const struct bt_db *db);
const char *bt_db_store(const struct bt_db *db);

/* The sqlite handle (borrowed, valid until bt_db_close()), for tests and
 * for queries the API does not cover; NULL on another store. */
struct sqlite3 *bt_db_sqlite(struct bt_db *db);

/* What bt_db_add() did. */
struct bt_db_add_stats {
	int64_t log;            /* the log's id in `logs` */
	bool already;           /* it was there: nothing changed */
	bool extended;          /* it was there shorter (a recording that
	                           went on): only its new records were added,
	                           to the same log id and host */
	uint64_t events;        /* events added */
	uint64_t objects;       /* object records of the log */
	uint64_t new_objects;   /* of which were not in the database yet */
	uint64_t first_time, last_time;  /* of its events; 0 if none */
	char hash[33];          /* hex of the 128-bit hash of the log */
	char warning[256];      /* the log's warning (torn tail) or "" */
};

/*
 * Add the log at `path` as coming from `host` (non-empty).  The whole log
 * is read and validated first; a corrupt log (BT_ECORRUPT, offset in the
 * message) adds nothing.  A torn tail is ignored (the committed records are
 * added).  `progress` as for bt_graph_load() (may be NULL).
 */
int bt_db_add(struct bt_db *db, const char *path, const char *host,
	      bt_progress_fn progress, void *arg,
	      struct bt_db_add_stats *out);

/* Counts for `btrack db info`. */
struct bt_db_info {
	uint64_t logs, hosts, objects, events, investigations;
	uint64_t first_time, last_time;
};
int bt_db_info(struct bt_db *db, struct bt_db_info *out);

/* A log of the database, for `btrack db info`; strings borrowed for the
 * call. */
struct bt_db_log {
	int64_t id;
	const char *host, *path, *hash;
	uint64_t events, objects, first_time, last_time;
};
/* Call fn for each log, by id; fn returns 0 or stops with its value. */
int bt_db_logs(struct bt_db *db,
	       int (*fn)(void *arg, const struct bt_db_log *l), void *arg);

/*
 * Write every object, label and event of the database into a new log at
 * `path`, written in place (BT_LOGW_INPLACE: a private temporary file,
 * e.g. a memfd through /proc/self/fd).  Objects keep the order of their
 * database ids, events the order they were added in.
 */
int bt_db_export_log(struct bt_db *db, const char *path,
		     bt_progress_fn progress, void *arg);

int bt_db_export_log_host(struct bt_db *db, const char *path,
			  const char *host, bt_progress_fn progress,
			  void *arg);

/*
 * What a walk needs of the database, not all of it: into `path` (a
 * private temporary file, as above) the objects and labels it needs (of
 * `host`, NULL: all) with the ids bt_db_export_log_host() gives them, and
 * only the events a walk from the detection points may look at, found one
 * frontier at a time, one query per frontier: of every object the walk
 * can reach (a file with its pages), going back (`forward` false) from
 * causes or forward to effects, the events on the walk's side, and of
 * the other side what the filters read (its first events, its first exec
 * and write, the first with each of the first other objects: core/db.c,
 * bt_db_frontier_sql()), or all of it with `whole` (the HTML report
 * counts each node's events, PROV-JSON reads its processes' events);
 * and the forks above every process the result may show (what it
 * inherited).  A walk on that log gives what it gives on the whole
 * database's.
 *
 * The detection points are the caller's: `points` says what they may
 * name, and only the objects they can be are read (through the indexes:
 * labels_value for a path, the identity key for a process, a file name,
 * an endpoint; a file's pages with it), then resolve() gets `objects`, a
 * log of these objects and their labels alone, numbered from 1 (written
 * first, at that path, another private temporary file), and gives back the ids of the points in it:
 * *starts is malloc()ed by resolve() and freed here, *n of them (a spec
 * that names nothing is left out; it fails the same way on the walk's
 * log).  The walk's log holds the objects of the events kept and of the
 * points, with their labels, under the ids the log of the whole database
 * gives them (the others are files with no name and no events); each
 * frontier reads the objects its events name, with their labels, in a
 * few batched statements.  Reads in one snapshot of the database.
 */
struct bt_db_points {
	const char *const *paths;       /* label values: file:, page: */
	size_t npaths;
	const char *const *filenames;   /* filename: */
	size_t nfilenames;
	const char *const *endpoints;   /* endpoint: */
	size_t nendpoints;
	const uint32_t *pids;           /* proc: */
	size_t npids;
};
int bt_db_export_walk(struct bt_db *db, const char *objects,
		      const char *path, const char *host, bool forward,
		      bool whole, const struct bt_db_points *points,
		      int (*resolve)(void *arg, const char *objects,
				     uint32_t **starts, size_t *n),
		      void *arg, bt_progress_fn progress, void *parg);

/* What the store was asked, for the benchmark and BTRACK_DB_STATS. */
/* The note on the hosts of a log a case database writes for a walk over
 * 2+ hosts (core/db.c, hosts_map_note; read by graph/dbgraph.h). */
#define BT_DB_HOSTS_NOTE "btrack-db: hosts"

struct bt_db_stats {
	uint64_t queries;       /* statements sent (round trips) */
	uint64_t rows;          /* rows read */
	uint64_t frontiers;     /* frontier queries of bt_db_export_walk() */
	uint64_t walk_events;   /* events it kept */
	uint64_t walk_objects;  /* objects it read (not the whole case's) */
	uint64_t walk_labels;   /* labels it read */
	/* connections between hosts (btrack-db(5), Connections): */
	uint64_t host_links;    /* connections joined across two hosts */
	uint64_t host_ambiguous;/* half-known ends (audit) left unjoined:
	                           more than one candidate (channel.h) */
	char skew[256];         /* the clock skews estimated, for the user
	                           ("db vs web +3.000 s (1 pair), applied;
	                           ..."), or "" */
};
void bt_db_get_stats(const struct bt_db *db, struct bt_db_stats *out);

/* A saved investigation.  Strings are owned by the struct
 * (bt_db_inv_release()). */
struct bt_db_inv {
	char *name;
	char *direction;        /* "backward" or "forward" */
	char *spec;             /* the detection point */
	char *options;          /* the walk options, as given */
	uint64_t created;       /* ns since the epoch */
	uint64_t nodes, edges;
	char *result;           /* the result, JSON (graph/export.h) */
	bool replace;           /* bt_db_save(): replace one of that name */
};
void bt_db_inv_release(struct bt_db_inv *inv);

/* Save an investigation; the strings are copied.  One of that name is
 * replaced with inv->replace, else BT_EINVAL ("already exists"). */
int bt_db_save(struct bt_db *db, const struct bt_db_inv *inv);
/* Get one by name: BT_ENOTFOUND if none.  *out is the caller's
 * (bt_db_inv_release()). */
int bt_db_get(struct bt_db *db, const char *name, struct bt_db_inv *out);
/* Call fn for each, by name; the struct is borrowed for the call (result
 * is NULL).  fn returns 0 or stops the listing with its value. */
int bt_db_list(struct bt_db *db,
	       int (*fn)(void *arg, const struct bt_db_inv *inv), void *arg);

#endif
