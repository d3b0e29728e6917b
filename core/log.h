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
 * for version 2 it keeps a table of the blocks and decodes one block at a
 * time, on demand, to the version 1 layout (the canonical form), checking
 * the block's checksum the first time (bt_log_block_decode(), the
 * iterator).  Opening a version 2 log reads the block headers only.
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

/* Append a canonical record as read (bt_log_next()) through the appender
 * of its type, which checks it again: copies a log record by record
 * (`log upgrade`, tests, benchmarks). */
int bt_log_append_record(struct bt_log_writer *w,
			 const struct bt_rec_head *h);

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
 *
 * Version 2: no record is decoded but the last block's, and no checksum
 * is checked but the last block's.  The open walks the chain of block
 * headers (32 bytes per 64 KiB block): block numbers in sequence, object
 * and event counts that never go down nor grow faster than the bytes
 * allow, zero padding, and builds the block table (bt_log_block_info()).
 * Each block's checksum and records are checked when it is first decoded
 * (bt_log_block_decode(), bt_log_next(), bt_log_verify()), so a damaged
 * block in the middle of a log is reported then, not here.  The last
 * block is decoded here for the writer state that APPEND continues from
 * and for the torn-tail warning.  Memory: about 40 bytes per block.
 */
int bt_log_open(struct bt_log **out, const char *path);

/* Open a log held in memory (borrowed; must outlive the bt_log).  For tests
 * and fuzzing. */
int bt_log_open_mem(struct bt_log **out, const void *data, size_t size);

/* Version 2: one block, as the block table has it (from the block headers
 * read when the log was opened or refreshed). */
struct bt_log_blockinfo {
	uint64_t file_off;     /* file offset of its 32-byte header */
	uint32_t used;         /* record bytes after the header that its
	                          checksum covers */
	uint32_t crc;          /* that checksum (the header's word) */
	uint32_t first_object; /* objects defined before it: its objects are
	                          first_object + 1 ... + nobjects */
	uint32_t nobjects;     /* objects it defines */
	uint64_t first_event;  /* events before it */
	uint64_t base_time;    /* the time of the last event before it */
	uint32_t nevents;      /* events it holds */
	uint32_t lim;          /* record bytes committed (<= used; less only
	                          in the last block) */
};

/*
 * Open a version 2 log whose block table the caller already has (e.g.
 * from an index beside the log, written from bt_log_block_info()), so
 * that the open reads no block header but those from the last given block
 * on, and no entry of the table but its last two: blocks[0 .. n-2] are
 * borrowed as given (not copied: `blocks` must stay valid and unchanged
 * until bt_log_close(), which does not read it); the walk starts again at
 * blocks[n-1], which must follow blocks[n-2] (BT_ECORRUPT otherwise) and
 * may have grown.  Each given block is checked when it is decoded, as
 * the open checked them all before 2026-12: its offset chains with its
 * neighbours', it ends before the committed length, its counts do not
 * exceed the next block's; then its header, word and checksum are
 * compared with the file.  A table that does not match the file is
 * BT_ECORRUPT at that decode, never a wrong record; bt_log_block_info()
 * of a block not decoded returns the table's entry as it is.  O(1) time
 * and memory in the size of the table.  n == 0 or a version 1 log: the
 * same as bt_log_open().
 */
int bt_log_open_with_blocks(struct bt_log **out, const char *path,
			    const struct bt_log_blockinfo *blocks, uint32_t n);

void bt_log_close(struct bt_log *log);

/*
 * The records in canonical form, from offset BT_LOG_HEADER_SIZE (borrowed,
 * valid until bt_log_close() or bt_log_refresh()).  Version 1: the mapping.
 * Version 2: the first call decodes and checks every block into one
 * anonymous buffer (a copy of the header, then the records): O(log) time
 * and about 40 bytes of memory per event, not thread-safe.  NULL on error
 * (corrupt block, out of memory; bt_error_msg() says which).  Only for
 * callers that need random access by canonical offset; iterate with
 * bt_log_next() instead where possible.  bt_log_decode_all() does the same
 * and returns the error.
 */
const uint8_t *bt_log_data(const struct bt_log *log);
int bt_log_decode_all(const struct bt_log *log);
/* The end of the records in bt_log_data() (version 2: decodes them all, as
 * bt_log_data(); BT_LOG_HEADER_SIZE if that fails). */
uint64_t bt_log_committed(const struct bt_log *log);
/* The file's size, and the end in the file of the records read. */
uint64_t bt_log_file_size(const struct bt_log *log);
uint64_t bt_log_file_end(const struct bt_log *log);
/* The file's header (borrowed, in the mapping: valid until bt_log_close()
 * or bt_log_refresh()). */
const struct bt_log_header *bt_log_header(const struct bt_log *log);
/* Format version (1 or 2) and, for version 2, the number of blocks (0 for
 * version 1, which has none). */
unsigned bt_log_version(const struct bt_log *log);
uint32_t bt_log_blocks(const struct bt_log *log);

/* Version 2: block i (< bt_log_blocks()) of the block table; BT_EINVAL
 * past the end.  The counts come from the headers (nevents, nobjects: of
 * the next block's header, or for the last block from its decoding at
 * open); they are checked against the records when block i is decoded. */
int bt_log_block_info(const struct bt_log *log, uint32_t i,
		      struct bt_log_blockinfo *out);

/* Bytes of buffer bt_log_block_decode() needs for any block of at most
 * BT_LOG_BLOCK_SIZE bytes (the writer's size; a block holding one large
 * record may need more: bt_log_block_decoded_max()).  The canonical records
 * take at most 8 bytes per encoded byte; the rest is scratch (a copy of
 * the block, read with pread(2), and a kind byte per object). */
#define BT_LOG_BLOCK_DECODED_MAX \
	((size_t)9 * BT_LOG_BLOCK_SIZE + BT_LOG_BLOCK_SIZE / 2 + 48)
/* The same for every block of this log the open or a refresh read the
 * header of (>= BT_LOG_BLOCK_DECODED_MAX; may grow with bt_log_refresh()):
 * the blocks of a table given to bt_log_open_with_blocks() are not looked
 * at for it (bt_log_block_need()). */
size_t bt_log_block_decoded_max(const struct bt_log *log);
/* Bytes of buffer bt_log_block_decode() needs for block i (0 past the
 * end, or for version 1): what a reader of blocks of a given table
 * grows its buffer to when one needs more than bt_log_block_decoded_max()
 * (a block holding one large record). */
size_t bt_log_block_need(const struct bt_log *log, uint32_t i);

/* A reader that goes through the blocks in order from block `start` (a
 * full load, an index build, `log info`) is at block i: at the start and
 * every few MiB after, this asks the kernel to start reading the next few
 * MiB of the file (posix_fadvise(2) WILLNEED), so that a log not in the
 * page cache is read at the disk's sequential rate, not a page fault at a
 * time.  Only a hint: no error. */
void bt_log_read_ahead(const struct bt_log *log, uint32_t start,
		       uint32_t i);

/*
 * Version 2: decode block i into buf (cap bytes, at least what the block
 * needs: BT_ELIMIT otherwise) as canonical records, exactly the records
 * bt_log_next() returns for it (struct bt_rec_event etc., each h->len
 * bytes, 24 for an event), and set *len to their length.  Checks, the
 * first time this block is decoded in this bt_log, its checksum; and
 * every time: its header against the table, every length and bound, that
 * its records refer only to objects defined before them (ids first_object
 * + 1 ... are defined in sequence by its object records), the kinds of its
 * own objects where they are used, label and note keys, nonzero event
 * times, and that its counts and last time are what the next block's
 * header says.  Kinds of objects of earlier blocks are checked when
 * `kinds` is given (kinds[id] for 1 <= id <= first_object, as
 * bt_log_next()'s table has them); with NULL they are not.  BT_ECORRUPT
 * names the file offset.  Thread-safe: any number of threads may decode
 * blocks of the same log at once (no allocation, no global state; the
 * checksum memo is an atomic bitmap).  Not concurrently with
 * bt_log_refresh() or bt_log_decode_all().
 */
int bt_log_block_decode(const struct bt_log *log, uint32_t i, void *buf,
			size_t cap, size_t *len, const uint8_t *kinds);

/* The canonical records bt_log_block_decode() wrote into buf (len
 * bytes), one at a time: the record at *pos (advanced past it), or NULL
 * at the end. */
static inline const struct bt_rec_head *bt_log_block_rec(const void *buf,
							 size_t len,
							 size_t *pos)
{
	const struct bt_rec_head *h;
	size_t l;

	if (*pos + 8 > len)
		return NULL;
	h = (const struct bt_rec_head *)((const uint8_t *)buf + *pos);
	l = h->type == BT_REC_EVENT ? sizeof(struct bt_rec_event) : h->len;
	if (l < 8 || l > len - *pos)
		return NULL;
	*pos += l;
	return h;
}

/*
 * Version 2: the canonical records of block i as this bt_log holds them
 * decoded, without decoding anything: the last block as far as it is
 * committed (the open and each bt_log_refresh() decode it, a refresh only
 * the records committed since the last: the bytes decoded before are
 * checked again, their checksum as it was and the block's its word, so a
 * block changed under the reader is BT_ECORRUPT), and the block that was
 * the last before the last refresh, to its end, if it was held then.
 * They are the bytes bt_log_block_decode() writes for the block; a
 * refresh only appends to them, so a reader following the log takes the
 * records from where it stopped (`from`, a byte offset into them).
 * *buf is borrowed, valid until the next bt_log_refresh() or
 * bt_log_close(); *len its bytes.  The records from `from` on are checked
 * against `kinds` as bt_log_block_decode() does (kinds of objects of
 * earlier blocks; NULL: not checked).  BT_ENOTFOUND for a block not held
 * (decode it with bt_log_block_decode()), BT_EINVAL for `from` past the
 * end.  Reads only: thread-safe as bt_log_block_decode().
 */
int bt_log_block_held(const struct bt_log *log, uint32_t i, size_t from,
		      const uint8_t *kinds, const void **buf, size_t *len);

/*
 * The events of a block in compact form (bt_log_block_events()): the
 * caller gives the arrays, `cap` entries each (the block's event count
 * from bt_log_block_info() is enough); the decoder sets the rest.
 */
struct bt_log_events {
	uint32_t *cause, *effect;  /* [cap] event k's objects */
	uint8_t *op;               /* [cap] */
	uint32_t cap;
	uint32_t n;                /* events decoded */
	/* The aux of each event whose op names a region in aux (mmap and
	 * page ops) and whose aux is not 0, when it differs from the last
	 * one listed: aux[k], with auxop[k] its op.  At most cap. */
	uint32_t *aux;
	uint8_t *auxop;
	uint32_t naux;
	bool unsorted;             /* some event is earlier than the one
	                              before it (the first: than the block's
	                              base time, the last time before it) */
};

/*
 * bt_log_block_decode() with the events in compact form: the same checks
 * and errors; buf receives the block's other records (objects, labels,
 * notes, seals) as canonical records, *len bytes; the events go to `ev`
 * (more events than ev->cap is BT_ECORRUPT).  Times are not kept (only
 * whether they are in order).  Thread-safe as bt_log_block_decode().
 */
int bt_log_block_events(const struct bt_log *log, uint32_t i, void *buf,
			size_t cap, size_t *len, const uint8_t *kinds,
			struct bt_log_events *ev);

/*
 * For a reader following a log another process is writing (its writer's
 * bt_log_writer_file()): read the committed length again and take in what
 * was committed since: remap if the file grew, extend the last block if it
 * grew (its checksum is checked again at its next decode), and add the new
 * blocks to the table (header walk only; the new last block is decoded).
 * *new_events (may be NULL) is the number of events added.  Uncommitted
 * bytes (a torn tail) are waited for, not an error.  A committed length
 * that moved backwards, a file that shrank below it, or a header that
 * changed (the file was rewritten) is BT_ECORRUPT; the path naming another
 * file now (the log was replaced; a temporary file renamed at its close
 * is not) is BT_EINVAL.  On error the bt_log is as before the call.
 * Version 1 logs: the committed length and the end are updated (v1 has no
 * blocks; *new_events stays 0, an iterator counts them).  Invalidates bt_log_header() and bt_log_data() pointers; an
 * iterator that returned 0 continues with the new records.  Not
 * concurrently with any other call on this log.  BT_EINVAL for a log in
 * memory.
 */
int bt_log_refresh(struct bt_log *log, uint64_t *new_events);

/* A warning about the log (torn tail, short file), or NULL.  Borrowed, valid
 * until bt_log_close() or bt_log_refresh().  After a refresh, the torn
 * tail is looked for here, not by the refresh (a read of up to 1 MiB past
 * the committed end): not concurrently with other calls on the log. */
const char *bt_log_warning(const struct bt_log *log);

/*
 * Iterate over records in order.  bt_log_next() validates the record at the
 * cursor: length, alignment, type, strings, that object ids are defined in
 * sequence, that events refer to objects already defined, and that the op
 * fits the kinds of its objects.  It returns 1 with *out pointing to the
 * record in canonical form (its h->len bytes, 24 for an event, are the
 * same for a log and its upgrade), 0 at the end, or BT_ECORRUPT with the
 * offset in the message.
 *
 * *out is borrowed and valid until the next bt_log_next() or
 * bt_log_iter_release() on this iterator: version 2 decodes one block at a
 * time into a buffer the iterator owns (allocated once,
 * bt_log_block_decoded_max() bytes).  (Version 1, and version 2 once
 * bt_log_decode_all() or bt_log_data() was called before
 * bt_log_iter_init(), point into bt_log_data(), valid until close; code
 * that keeps records past the next call must decode all first.)
 *
 * Offsets are canonical: the offset of the record in bt_log_data(), for
 * version 1 its file offset.  `at` is the offset of the record just
 * returned, `off` that of the next one.  `end` is the end of the records
 * (version 2 while streaming: UINT64_MAX until bt_log_next() returned 0).
 * The iterator keeps a kind table of one byte per object (allocated once,
 * grown geometrically).
 */
struct bt_log_iter {
	const struct bt_log *log;
	uint64_t off;        /* offset of the next record */
	uint64_t end;        /* end of the committed records */
	uint64_t at;         /* offset of the record just returned */
	uint32_t nobjects;   /* objects defined so far */
	uint8_t *kinds;      /* kinds[id] for 1 <= id <= nobjects */
	uint32_t kinds_cap;
	/* version 2, one block at a time (private) */
	bool stream;
	uint32_t block;      /* the next block to decode */
	uint32_t blim;       /* record bytes of block - 1 decoded */
	uint8_t *buf;
	size_t buf_cap, bpos, blen;
};
void bt_log_iter_init(struct bt_log_iter *it, const struct bt_log *log);
int bt_log_next(struct bt_log_iter *it, const struct bt_rec_head **out);
void bt_log_iter_release(struct bt_log_iter *it);

/* Whether `op` may join a cause of kind `ck` to an effect of kind `ek`. */
bool bt_op_kinds_ok(unsigned op, unsigned ck, unsigned ek);
/* The table behind it: bit (ck * 8 + ek) of table[op] (256 entries; kinds
 * are < 8, an unknown kind 0 is never allowed). */
const uint64_t *bt_op_kinds_table(void);

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

/* bt_log_stats(), calling note(arg, n) for each note record, in log order,
 * on the way: one pass over the log instead of two (a log of a billion
 * events is 13 GB, more than the page cache keeps).  A nonzero return of
 * note stops the pass and is returned. */
int bt_log_stats_notes(const struct bt_log *log, struct bt_log_stats *out,
		       int (*note)(void *arg, const struct bt_rec_note *n),
		       void *arg);

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
