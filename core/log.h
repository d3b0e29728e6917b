/*
 * log.h - writing and reading the btrack log (format: core/record.h and
 * man/btrack-log.5).
 *
 * The writer appends records through a MAP_SHARED mapping of the file that
 * grows in preallocated chunks, and publishes them by advancing the header's
 * committed length with a release store after they are complete.  A writer
 * killed at any instant therefore leaves a log whose committed records are
 * all intact: the page cache holds what was written to the mapping.
 * bt_log_writer_sync() adds durability against power loss (msync).
 *
 * The reader maps the file read-only and validates every length, offset,
 * string and object reference before the caller sees a record.  Records past
 * `committed` are ignored and reported by bt_log_warning() (a torn tail).
 * Corruption is BT_ECORRUPT with the byte offset in the message.
 *
 * Neither side allocates per record.
 */
#ifndef BT_LOG_H
#define BT_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* Called now and then during long work (done/total, e.g. bytes), e.g. for
 * a progress line; may be NULL. */
typedef void (*bt_progress_fn)(void *arg, uint64_t done, uint64_t total);

/* ---- writing ---------------------------------------------------------- */

struct bt_log_writer;

enum bt_log_open_flags {
	BT_LOGW_CREATE = 0x1,  /* a new log, written to a temporary file
	                          beside path and renamed onto it at close
	                          (core/outfile.h); BT_EINVAL if path exists,
	                          at open or (a race) at close */
	BT_LOGW_TRUNC  = 0x2,  /* with CREATE: replace an existing file (a
	                          symlink is replaced, not written through) */
	BT_LOGW_APPEND = 0x4,  /* open an existing log (validated) and append;
	                          its uncommitted tail is discarded; the file
	                          is never shrunk (readers may map it) */
	BT_LOGW_INPLACE = 0x8  /* with CREATE: write path itself, truncated:
	                          only for a private temporary file (a memfd's
	                          /proc/self/fd link) no reader shares */
};

/*
 * Open a log for writing.  The caller owns *out and ends it with
 * bt_log_writer_close() (or bt_log_writer_abort()).  Holds an exclusive
 * flock on the file so two writers never share a log.  Until the close of
 * a CREATE writer the log is in bt_log_writer_file(), not at path; one left
 * there by a writer that died is removed by the next CREATE of path, or
 * kept and named in bt_log_writer_warning() if it holds records.
 */
int bt_log_writer_open(struct bt_log_writer **out, const char *path,
		       unsigned flags);

/* What the open found that the user should know (temporary logs left by
 * writers that died), or NULL.  Borrowed, valid until the close. */
const char *bt_log_writer_warning(const struct bt_log_writer *w);

/* The file being written (the temporary file of a CREATE writer).
 * Borrowed, valid until the close. */
const char *bt_log_writer_file(const struct bt_log_writer *w);

/* Number of objects defined so far; the next object id is this plus one.
 * For an appended log it counts the objects already in it. */
uint32_t bt_log_writer_objects(const struct bt_log_writer *w);

/* Bytes appended so far, committed or not (header included). */
uint64_t bt_log_writer_size(const struct bt_log_writer *w);

/*
 * Append records.  Each returns 0 or a negative bt_error (BT_EIO when the
 * file cannot grow, e.g. disk full: nothing partial becomes committed).
 * The object appenders take the id the caller assigns, which must be
 * bt_log_writer_objects(w) + 1 (BT_EINVAL otherwise).  Strings are copied;
 * `len` is their length in bytes without a NUL.
 */
int bt_log_append_event(struct bt_log_writer *w, uint8_t op, uint8_t flags,
			uint32_t aux, uint64_t time, uint32_t cause,
			uint32_t effect);
int bt_log_append_process(struct bt_log_writer *w, uint32_t id, uint32_t pid,
			  uint64_t start, uint32_t ppid, uint32_t uid);
int bt_log_append_file(struct bt_log_writer *w, uint32_t id, uint32_t flags,
		       uint64_t dev, uint64_t ino);
int bt_log_append_filename(struct bt_log_writer *w, uint32_t id,
			   const char *path, size_t len);
int bt_log_append_page(struct bt_log_writer *w, uint32_t id, uint32_t file,
		       uint64_t index);
int bt_log_append_endpoint(struct bt_log_writer *w, uint32_t id,
			   const char *addr, size_t len);
int bt_log_append_region(struct bt_log_writer *w, uint32_t id, uint32_t file,
			 uint32_t process, uint32_t prot, uint64_t first,
			 uint64_t count);
int bt_log_append_label(struct bt_log_writer *w, uint32_t object,
			uint32_t key, uint64_t time, const char *value,
			size_t len);
int bt_log_append_note(struct bt_log_writer *w, uint32_t key, uint64_t time,
		       const char *text, size_t len);

/* A seal record (struct bt_rec_seal) with an opaque payload of at most
 * 64 KiB, built by core/seal.h. */
int bt_log_append_seal(struct bt_log_writer *w, const void *data,
		       size_t len);

/* Publish everything appended so far (one release store; cheap). */
void bt_log_writer_commit(struct bt_log_writer *w);

/* Drop everything appended since the last commit (or since the open):
 * the next append continues from the committed end and the next object id
 * is the committed count + 1.  What an appender that failed half way (e.g.
 * ingest on a full disk) calls so a later close does not commit half of an
 * observation.  Cheap; never fails. */
void bt_log_writer_rollback(struct bt_log_writer *w);

/* Set header flags (BT_LOGF_*), e.g. BT_LOGF_OBJ_LEVEL. */
void bt_log_writer_set_flags(struct bt_log_writer *w, uint32_t flags);

/* Commit, then msync the mapping: durable against power loss. */
int bt_log_writer_sync(struct bt_log_writer *w);

/* Commit, mark the log closed, fsync; a CREATE writer then cuts its
 * preallocation and renames its file onto the path (if the path appeared
 * meanwhile without TRUNC: BT_EINVAL, and the log stays in its temporary
 * file, named in the message).  Free.  Accepts NULL.  Returns the first
 * error seen. */
int bt_log_writer_close(struct bt_log_writer *w);

/* Free without committing what was appended since the last commit and
 * without marking the log closed (what a crash leaves, for APPEND); a
 * CREATE writer's temporary file is removed (nothing replaced).  Accepts
 * NULL. */
void bt_log_writer_abort(struct bt_log_writer *w);

/* ---- reading ---------------------------------------------------------- */

struct bt_log;

/*
 * Open and map a log read-only, validating its header.  BT_ECORRUPT for a
 * file that is not a log or whose header is damaged, BT_EVERSION for an
 * unknown format version.  The caller owns *out (bt_log_close()).
 */
int bt_log_open(struct bt_log **out, const char *path);

/* Open a log held in memory (borrowed; must outlive the bt_log).  For tests
 * and fuzzing. */
int bt_log_open_mem(struct bt_log **out, const void *data, size_t size);

void bt_log_close(struct bt_log *log);

/* The mapped bytes and the end of the records to read (min(committed, file
 * size) rounded down to the last complete record is found while reading). */
const uint8_t *bt_log_data(const struct bt_log *log);
uint64_t bt_log_committed(const struct bt_log *log);
uint64_t bt_log_file_size(const struct bt_log *log);
const struct bt_log_header *bt_log_header(const struct bt_log *log);

/* A warning about the log (torn tail, short file), or NULL.  Borrowed, valid
 * until bt_log_close(). */
const char *bt_log_warning(const struct bt_log *log);

/*
 * Iterate over records in order.  bt_log_next() validates the record at the
 * cursor: length, alignment, type, strings, that object ids are defined in
 * sequence, that events refer to objects already defined, and that the op
 * fits the kinds of its objects.  It returns 1 with *out pointing into the
 * mapping (borrowed, valid until bt_log_close()), 0 at the end, or
 * BT_ECORRUPT with the offset in the message.  The iterator keeps a kind
 * table of one byte per object (allocated once, grown geometrically).
 */
struct bt_log_iter {
	const struct bt_log *log;
	uint64_t off;        /* offset of the next record */
	uint64_t end;        /* end of the committed records */
	uint32_t nobjects;   /* objects defined so far */
	uint8_t *kinds;      /* kinds[id] for 1 <= id <= nobjects */
	uint32_t kinds_cap;
};
void bt_log_iter_init(struct bt_log_iter *it, const struct bt_log *log);
int bt_log_next(struct bt_log_iter *it, const struct bt_rec_head **out);
void bt_log_iter_release(struct bt_log_iter *it);

/* Whether `op` may join a cause of kind `ck` to an effect of kind `ek`. */
bool bt_op_kinds_ok(unsigned op, unsigned ck, unsigned ek);

/* Names for ops and kinds ("read", "process"); NULL if out of range. */
const char *bt_op_name(unsigned op);
const char *bt_kind_name(unsigned kind);
int bt_op_parse(unsigned *out, const char *name);

/* Summary of a whole log, for `btrack log info` and `verify`. */
struct bt_log_stats {
	uint64_t records;
	uint64_t events;
	uint64_t objects;
	uint64_t by_type[BT_REC_TYPE_MAX + 1];
	uint64_t by_op[BT_OP_MAX + 1];
	uint64_t first_time, last_time;  /* of events; 0 if none */
	uint64_t bytes;                  /* committed record bytes */
};
/* Read every record; BT_ECORRUPT at the first bad one. */
int bt_log_stats(const struct bt_log *log, struct bt_log_stats *out);

/* String of a record (validated by bt_log_next()): borrowed C string. */
static inline const char *bt_rec_str(const struct bt_rec_str *s)
{
	return s->s;
}

#endif
