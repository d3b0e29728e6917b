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
 * New logs are format version 2: compact records in blocks, each with a
 * CRC-32C that every commit extends.  The reader reads versions 1 and 2;
 * for version 2 it checks every block's checksum and decodes the records
 * to the version 1 layout (their canonical form) when the log is opened.
 *
 * The reader maps the file read-only and validates every length, offset,
 * string and object reference before the caller sees a record.  Records past
 * `committed` are ignored and reported by bt_log_warning() (a torn tail);
 * the reader never reads the mapping past them.  Corruption is BT_ECORRUPT
 * with the byte offset in the message.
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
	                          is never shrunk (readers may map it); the
	                          log keeps its format version */
	BT_LOGW_INPLACE = 0x8, /* with CREATE: write path itself, truncated:
	                          only for a private temporary file (a memfd's
	                          /proc/self/fd link) no reader shares */
	BT_LOGW_V1     = 0x10  /* with CREATE: write format version 1 (for
	                          tests and comparisons; the environment
	                          variable BTRACK_LOG_VERSION=1 does the same
	                          for every new log) */
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

/* The format version being written (1 or 2). */
unsigned bt_log_writer_version(const struct bt_log_writer *w);

/* Set the header's creation time (ns since the epoch), e.g. to keep an
 * upgraded log's; before the log has readers. */
void bt_log_writer_set_created(struct bt_log_writer *w, uint64_t created);

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

/* The records in canonical form, from offset BT_LOG_HEADER_SIZE, and the end
 * of them (borrowed, valid until bt_log_close()).  Version 1: the mapping
 * and min(committed, file size) (the last complete record is found while
 * reading).  Version 2: the decoded records (the first 64 bytes are a copy
 * of the header) and their end. */
const uint8_t *bt_log_data(const struct bt_log *log);
uint64_t bt_log_committed(const struct bt_log *log);
/* The file's size, and the end in the file of the records read. */
uint64_t bt_log_file_size(const struct bt_log *log);
uint64_t bt_log_file_end(const struct bt_log *log);
/* The file's header (borrowed, in the mapping). */
const struct bt_log_header *bt_log_header(const struct bt_log *log);
/* Format version (1 or 2) and, for version 2, the number of blocks. */
unsigned bt_log_version(const struct bt_log *log);
uint32_t bt_log_blocks(const struct bt_log *log);
/* Version 2: where block i (< bt_log_blocks()) starts in the file and
 * where its first record starts in bt_log_data(); BT_EINVAL past the end.
 * For an index of blocks: each block decodes on its own from its header
 * (struct bt_log_block). */
int bt_log_block(const struct bt_log *log, uint32_t i, uint64_t *file_off,
		 uint64_t *data_off);

/* A warning about the log (torn tail, short file), or NULL.  Borrowed, valid
 * until bt_log_close(). */
const char *bt_log_warning(const struct bt_log *log);

/*
 * Iterate over records in order.  bt_log_next() validates the record at the
 * cursor: length, alignment, type, strings, that object ids are defined in
 * sequence, that events refer to objects already defined, and that the op
 * fits the kinds of its objects.  It returns 1 with *out pointing into
 * bt_log_data() (borrowed, valid until bt_log_close(); the record's h->len
 * bytes, 24 for an event, are its canonical form, the same for a log and
 * its upgrade), 0 at the end, or BT_ECORRUPT with the offset in the
 * message.  `off` is the offset in bt_log_data(): for version 1 the file
 * offset, for version 2 the offset in the decoded records.  The iterator
 * keeps a kind table of one byte per object (allocated once, grown
 * geometrically).
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
	uint64_t bytes;                  /* committed record bytes (v2: block
	                                    bytes, headers included) */
	uint64_t blocks;                 /* v2 blocks; 0 for v1 */
};
/* Read every record; BT_ECORRUPT at the first bad one. */
int bt_log_stats(const struct bt_log *log, struct bt_log_stats *out);

/* bt_log_stats(), and for a closed log also: the committed length is the
 * end of the last record and no byte after it is nonzero (read with
 * pread(2), the whole file).  What `btrack log verify` runs. */
int bt_log_verify(const struct bt_log *log, struct bt_log_stats *out);

/*
 * Write the records of `in` into a new log `out` (BT_LOGW_TRUNC: replace
 * it; BT_LOGW_V1: in format version 1), keeping its creation time and
 * object-level flag, then read `out` back and check that its canonical
 * records are byte for byte those of `in` (BT_ECORRUPT otherwise, e.g. for
 * a version 1 log with nonzero padding).  On success *st (may be NULL)
 * has the new log's figures; on failure `out` is removed.  What `btrack
 * log upgrade` runs.
 */
int bt_log_upgrade(const struct bt_log *in, const char *out, unsigned flags,
		   struct bt_log_stats *st);

/* String of a record (validated by bt_log_next()): borrowed C string. */
static inline const char *bt_rec_str(const struct bt_rec_str *s)
{
	return s->s;
}

#endif
