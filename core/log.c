/*
 * log.c - the btrack log writer and reader (API: log.h; format: record.h's
 * header comment and man/btrack-log.5).
 *
 * The writer appends records into a MAP_SHARED mapping of the file.  The
 * file grows in preallocated chunks (posix_fallocate, so a full disk is an
 * error return rather than a SIGBUS on a later store) and the mapping follows
 * with mremap.  Records become part of the log only when the header's
 * committed length is advanced past them, with one release store, after they
 * are complete; a writer killed at any instant leaves every committed record
 * intact in the page cache.  The writer checks what it is given (ids in
 * sequence, references to defined objects of the right kind) so it never
 * writes a log the reader would reject.
 *
 * The reader maps the file read-only and validates every length, offset,
 * string and reference before a caller sees a record, in the manner of git's
 * chunk-format.c: nothing in the file is trusted.  Bytes past `committed`
 * are a torn tail (or preallocated zeros) and are ignored with a warning.
 *
 * Version 2 (the default for new logs) writes the same records compactly
 * (varints, deltas) into checksummed blocks.  Opening one walks the block
 * headers into a table (no record is decoded but the last block's); a
 * block is decoded on demand into canonical (version 1 layout) records,
 * its CRC-32C checked the first time, by bt_log_block_decode() (thread-
 * safe, for parallel loaders) and by the iterator, one block at a time.
 * bt_log_data() decodes every block into one buffer, lazily, for the few
 * callers that need random access by canonical offset.  A version 1 log is
 * read in place.  The writer writes version 1 only when
 * asked (BT_LOGW_V1 or BTRACK_LOG_VERSION=1), for tests and comparisons.
 *
 * A reader never touches the bytes of a mapping past what it validated as
 * committed (except, in version 2, the rest of a block whose checksum word
 * a writer advanced just before the committed length: those bytes exist,
 * the writer wrote them first): a writer may cut its preallocation while
 * readers have the file mapped.  Torn tails are found with pread(2).
 *
 * This file does not interpret events (that is graph/graph.c) and does not
 * print: problems are bt_error codes with messages that name the byte offset.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crc32c.h"
#include "error.h"
#include "util.h"
#include "log.h"
#include "outfile.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the btrack log is little-endian and read in place: little-endian hosts only"
#endif

/* The layout in record.h's comment, checked against the structs. */
_Static_assert(sizeof(struct bt_log_header) == BT_LOG_HEADER_SIZE, "header");
_Static_assert(offsetof(struct bt_log_header, committed) == 16, "committed");
_Static_assert(offsetof(struct bt_log_header, created) == 24, "created");
_Static_assert(offsetof(struct bt_log_header, header_size) == 32, "hsize");
_Static_assert(offsetof(struct bt_log_header, block_size) == 36, "bsize");
_Static_assert(offsetof(struct bt_log_header, hcrc) == 40, "hcrc");
_Static_assert(offsetof(struct bt_log_header, ccrc) == 44, "ccrc");
_Static_assert(sizeof(struct bt_log_block) == BT_LOG_BLOCK_HEADER, "block");
_Static_assert(sizeof(struct bt_rec_event) == 24, "event");
_Static_assert(sizeof(struct bt_rec_head) == 8, "head");
_Static_assert(sizeof(struct bt_rec_process) == 32, "process");
_Static_assert(sizeof(struct bt_rec_file) == 32, "file");
_Static_assert(offsetof(struct bt_rec_filename, path) == 12, "filename");
_Static_assert(sizeof(struct bt_rec_page) == 24, "page");
_Static_assert(offsetof(struct bt_rec_endpoint, addr) == 12, "endpoint");
_Static_assert(sizeof(struct bt_rec_region) == 40, "region");
_Static_assert(offsetof(struct bt_rec_label, value) == 24, "label");
_Static_assert(offsetof(struct bt_rec_note, text) == 24, "note");

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define CHUNK_MIN ((uint64_t)1 << 20)  /* smallest preallocation step */
#define EVENT_SIZE ((uint32_t)sizeof(struct bt_rec_event))
#define BH BT_LOG_BLOCK_HEADER

/* ---- version 2 encoding primitives ------------------------------------ */

/* Unsigned LEB128: 7 bits a byte, low first, high bit = more. */
static inline size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

static inline uint64_t zz64(uint64_t d)
{
	return (d << 1) ^ (uint64_t)((int64_t)d >> 63);
}

static inline uint64_t unzz64(uint64_t z)
{
	return (z >> 1) ^ (0 - (z & 1));
}

static inline uint32_t zz32(uint32_t d)
{
	return (d << 1) ^ (uint32_t)((int32_t)d >> 31);
}

static inline uint32_t unzz32(uint32_t z)
{
	return (z >> 1) ^ (0u - (z & 1));
}

/* Record tags: an event's tag is its op (1-31) | EV_AUX | EV_FLAGS; any
 * other record's is TAG_REC | type. */
#define EV_OP    0x1f
#define EV_AUX   0x20   /* aux follows (else aux = 0) */
#define EV_FLAGS 0x40   /* a flags byte follows (else flags = 0) */
#define TAG_REC  0x80

/* The CRC-32C of the header's fields that never change (bytes 0-11, 24-39,
 * 48-63) and of its flags and committed length (bytes 12-23). */
static uint32_t header_crc(const struct bt_log_header *h)
{
	const uint8_t *b = (const void *)h;
	uint32_t c = bt_crc32c(0, b, 12);

	c = bt_crc32c(c, b + 24, 16);
	return bt_crc32c(c, b + 48, 16);
}

static uint32_t close_crc(uint32_t flags, uint64_t committed)
{
	uint8_t b[12];

	memcpy(b, &flags, 4);
	memcpy(b + 4, &committed, 8);
	return bt_crc32c(0, b, 12);
}

/* ---- ops and kinds ---------------------------------------------------- */

#define K(ck, ek) ((uint64_t)1 << ((ck) * 8 + (ek)))
#define P BT_OBJ_PROCESS
#define F BT_OBJ_FILE
#define N BT_OBJ_FILENAME
#define G BT_OBJ_PAGE
#define E BT_OBJ_ENDPOINT

/*
 * Bit (cause kind * 8 + effect kind) of op_kinds[op] is set when op may join
 * a cause of that kind to an effect of that kind.  Index 0 and anything past
 * BT_OP_MAX are 0, so one shift and mask checks op, cause and effect at once
 * (kinds are < 8; an undefined object has kind 0, never allowed).
 */
static const uint64_t op_kinds[256] = {
	[BT_OP_FORK] = K(P, P),
	[BT_OP_EXEC] = K(F, P),
	[BT_OP_READ] = K(F, P),
	[BT_OP_WRITE] = K(P, F),
	[BT_OP_TRUNCATE] = K(P, F),
	[BT_OP_MMAP_READ] = K(F, P),
	[BT_OP_MMAP_WRITE] = K(P, F),
	[BT_OP_PAGE_READ] = K(G, P),
	[BT_OP_PAGE_WRITE] = K(P, G),
	[BT_OP_CREATE] = K(P, N),
	[BT_OP_RENAME] = K(P, N),
	[BT_OP_LINK] = K(P, N),
	[BT_OP_UNLINK] = K(P, N),
	[BT_OP_LOOKUP] = K(N, P),
	[BT_OP_CONNECT] = K(E, P),
	[BT_OP_ACCEPT] = K(E, P),
	[BT_OP_RECV] = K(E, P),
	[BT_OP_SEND] = K(P, E),
	[BT_OP_SYMLINK] = K(P, N),
	[BT_OP_CHMOD] = K(P, F),
	[BT_OP_CHOWN] = K(P, F),
	[BT_OP_MEM_WRITE] = K(P, P),
	[BT_OP_MEM_READ] = K(P, P),
};
#undef P
#undef F
#undef N
#undef G
#undef E
#undef K

/* Ops whose aux names a region object (or is 0). */
static inline bool op_aux_region(unsigned op)
{
	return op >= BT_OP_MMAP_READ && op <= BT_OP_PAGE_WRITE;
}

static const char *const op_names[BT_OP_MAX + 1] = {
	[BT_OP_FORK] = "fork", [BT_OP_EXEC] = "exec", [BT_OP_READ] = "read",
	[BT_OP_WRITE] = "write", [BT_OP_TRUNCATE] = "truncate",
	[BT_OP_MMAP_READ] = "mmap_read", [BT_OP_MMAP_WRITE] = "mmap_write",
	[BT_OP_PAGE_READ] = "page_read", [BT_OP_PAGE_WRITE] = "page_write",
	[BT_OP_CREATE] = "create", [BT_OP_RENAME] = "rename",
	[BT_OP_LINK] = "link", [BT_OP_UNLINK] = "unlink",
	[BT_OP_LOOKUP] = "lookup", [BT_OP_CONNECT] = "connect",
	[BT_OP_ACCEPT] = "accept", [BT_OP_RECV] = "recv", [BT_OP_SEND] = "send",
	[BT_OP_SYMLINK] = "symlink", [BT_OP_CHMOD] = "chmod",
	[BT_OP_CHOWN] = "chown", [BT_OP_MEM_WRITE] = "mem_write",
	[BT_OP_MEM_READ] = "mem_read",
};

static const char *const kind_names[] = {
	[BT_OBJ_PROCESS] = "process", [BT_OBJ_FILE] = "file",
	[BT_OBJ_FILENAME] = "filename", [BT_OBJ_PAGE] = "page",
	[BT_OBJ_ENDPOINT] = "endpoint", [BT_OBJ_REGION] = "region",
};

bool bt_op_kinds_ok(unsigned op, unsigned ck, unsigned ek)
{
	if (op > BT_OP_MAX || ck > 7 || ek > 7)
		return false;
	return (op_kinds[op] >> (ck * 8 + ek)) & 1;
}

const char *bt_op_name(unsigned op)
{
	return op <= BT_OP_MAX ? op_names[op] : NULL;
}

const char *bt_kind_name(unsigned kind)
{
	if (kind >= sizeof(kind_names) / sizeof(kind_names[0]))
		return NULL;
	return kind_names[kind];
}

int bt_op_parse(unsigned *out, const char *name)
{
	unsigned op;

	for (op = 1; op <= BT_OP_MAX; op++) {
		if (!strcmp(op_names[op], name)) {
			*out = op;
			return 0;
		}
	}
	return bt_error_set(BT_EINVAL, "unknown operation '%s'", name);
}

/* The kind a label key applies to. */
static unsigned label_kind(uint32_t key)
{
	switch (key) {
	case BT_LABEL_EXE:
	case BT_LABEL_ARGV:
	case BT_LABEL_COMM:
	case BT_LABEL_CRED:
	case BT_LABEL_CGROUP:
		return BT_OBJ_PROCESS;
	case BT_LABEL_PATH:
		return BT_OBJ_FILE;
	case BT_LABEL_LOCAL:
		return BT_OBJ_ENDPOINT;
	}
	return BT_OBJ_NONE;
}

static const char *kname(unsigned kind)
{
	const char *s = bt_kind_name(kind);

	return s ? s : "undefined";
}

/* Kind tables, one byte per object id (index 0 unused), grown
 * geometrically. */
static int kinds_reserve(uint8_t **kinds, uint32_t *cap, uint64_t need)
{
	uint64_t ncap = *cap ? *cap : 1024;
	uint8_t *n;

	if (need <= *cap)
		return 0;
	if (need > UINT32_MAX)
		return bt_error_set(BT_ELIMIT, "too many objects (%llu)",
				    (unsigned long long)need);
	while (ncap < need)
		ncap *= 2;
	if (ncap > UINT32_MAX)
		ncap = UINT32_MAX;
	n = realloc(*kinds, ncap);
	if (!n)
		return bt_error_set(BT_ENOMEM, "out of memory");
	memset(n + *cap, 0, ncap - *cap);
	*kinds = n;
	*cap = (uint32_t)ncap;
	return 0;
}

static uint64_t last_nonzero(const uint8_t *d, uint64_t from, uint64_t to);

/* ---- writing ---------------------------------------------------------- */

/* Version 2: the block being filled, and the encoder's state in it. */
struct wblock {
	uint64_t start;      /* file offset of its header; 0: no block yet */
	uint32_t used;       /* record bytes after the header */
	uint32_t crc;        /* CRC-32C of header bytes 8-31 and `used` bytes */
	uint32_t seq;
	uint64_t prev_time;  /* the last event's time (base_time at start) */
	uint32_t prev_cause, prev_effect;
	uint64_t events;     /* events in the whole log so far */
};

struct bt_log_writer {
	int fd;
	char *path;
	uint8_t *map;        /* MAP_SHARED, cap bytes */
	uint64_t cap;        /* file size = mapping size, a page multiple */
	uint64_t size;       /* bytes appended (header included) */
	uint32_t objects;    /* objects appended */
	uint64_t csize;      /* size at the last commit (= header committed) */
	uint32_t cobjects;   /* objects at the last commit */
	uint8_t *kinds;      /* kinds[id], 1 <= id <= objects */
	uint32_t kinds_cap;
	struct bt_outfile of; /* CREATE: the temporary file renamed onto
	                         path at close (of.fd is fd) */
	bool replace;        /* of is in use */
	unsigned version;    /* 1 or 2 */
	uint32_t block_size; /* version 2 */
	struct wblock b;     /* version 2: the current block ... */
	struct wblock cb;    /* ... and what it was at the last commit */
	uint8_t *scratch;    /* version 2: the canonical record being built */
	size_t scratch_cap;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline struct bt_log_header *whdr(struct bt_log_writer *w)
{
	return (struct bt_log_header *)w->map;
}

/*
 * Make the file and the mapping at least `need` bytes: preallocate (an
 * error, not a later SIGBUS, when the disk is full or the file size limit
 * is hit), then remap.  Growth is geometric: max(1 MiB, cap / 8).
 */
static int reserve(struct bt_log_writer *w, uint64_t need)
{
	uint64_t step = w->cap / 8 > CHUNK_MIN ? w->cap / 8 : CHUNK_MIN;
	uint64_t ncap = w->cap + step;
	long pg = sysconf(_SC_PAGESIZE);
	void *m;
	int r;

	if (need < w->size || need > (uint64_t)1 << 62)
		return bt_error_set(BT_ELIMIT, "log '%s' too large", w->path);
	if (ncap < need)
		ncap = need;
	ncap = (ncap + (uint64_t)pg - 1) & ~((uint64_t)pg - 1);
	/* A signal (the capture's SIGINT/SIGTERM) can interrupt a large
	 * allocation: try again, the records appended so far need it. */
	do
		r = posix_fallocate(w->fd, (off_t)w->cap,
				    (off_t)(ncap - w->cap));
	while (r == EINTR);
	if (r) {
		errno = r;
		/* fallocate may have extended the file partly: cut it back so
		 * the file matches the mapping. */
		if (ftruncate(w->fd, (off_t)w->cap) < 0) {
			/* the file stays longer than the mapping: harmless, the
			 * extra bytes are zeros past committed */
		}
		errno = r;
		return bt_error_set_os(BT_EIO, "cannot grow log '%s' to %llu "
				       "bytes", w->path,
				       (unsigned long long)ncap);
	}
	if (w->map)
		m = mremap(w->map, w->cap, ncap, MREMAP_MAYMOVE);
	else
		m = mmap(NULL, ncap, PROT_READ | PROT_WRITE, MAP_SHARED,
			 w->fd, 0);
	if (m == MAP_FAILED)
		return bt_error_set_os(BT_EIO, "cannot map log '%s'", w->path);
	/* Fault the new chunk in now, in one call, rather than one page
	 * fault per 4 KiB on the hot path.  Only an optimisation. */
	if (w->map)
		bt_populate((uint8_t *)m + w->cap, ncap - w->cap);
	w->map = m;
	w->cap = ncap;
	return 0;
}

static void writer_free(struct bt_log_writer *w)
{
	if (w->map)
		munmap(w->map, w->cap);
	if (w->replace)
		w->fd = -1;      /* of.fd, closed by the outfile */
	if (w->fd >= 0)
		close(w->fd);
	free(w->kinds);
	free(w->scratch);
	free(w->path);
	free(w);
}

static void log_tail(const struct bt_log *log, unsigned *version,
		     uint32_t *block_size, struct wblock *b, uint64_t *end);

/* APPEND: validate the existing log, count its objects and learn their
 * kinds, and cut the file to its last complete committed record. */
static int writer_load(struct bt_log_writer *w)
{
	struct bt_log *log = NULL;
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	uint64_t end, tail;
	off_t fsize;
	int r;

	r = bt_log_open(&log, w->path);
	if (r)
		return r;
	bt_log_iter_init(&it, log);
	while ((r = bt_log_next(&it, &h)) == 1)
		;
	end = it.off;
	/* version 2: `end` is the file offset the decoded records end at */
	log_tail(log, &w->version, &w->block_size, &w->b, &end);
	if (r == 0) {
		w->objects = it.nobjects;
		w->kinds = it.kinds;
		w->kinds_cap = it.kinds_cap;
		it.kinds = NULL;
	}
	bt_log_iter_release(&it);
	bt_log_close(log);
	if (r)
		return r;
	/*
	 * Map the whole file (no truncation: a reader may have it mapped),
	 * publish `end` as the committed length before anything grows the
	 * file (a short copy's larger committed must never cover the zeros
	 * appended after it), then zero the uncommitted tail.
	 */
	fsize = lseek(w->fd, 0, SEEK_END);
	if (fsize < (off_t)end)
		return bt_error_set_os(BT_EIO, "cannot read log '%s'", w->path);
	w->cap = (uint64_t)fsize;
	w->size = end;
	w->map = mmap(NULL, w->cap, PROT_READ | PROT_WRITE, MAP_SHARED, w->fd,
		      0);
	if (w->map == MAP_FAILED) {
		w->map = NULL;
		return bt_error_set_os(BT_EIO, "cannot map log '%s'", w->path);
	}
	if (w->b.start) {
		/* the block word may be ahead of `end` (a writer killed
		 * between the two stores): make it cover `end` exactly */
		w->b.crc = bt_crc32c(0, w->map + w->b.start + 8,
				     BH - 8 + (size_t)w->b.used);
		__atomic_store_n((uint64_t *)(w->map + w->b.start),
				 w->b.used | (uint64_t)w->b.crc << 32,
				 __ATOMIC_RELEASE);
	}
	w->cb = w->b;
	__atomic_store_n(&whdr(w)->committed, end, __ATOMIC_RELEASE);
	w->csize = end;
	w->cobjects = w->objects;
	/* no close checksum first, then open: a crash in between leaves
	 * "closed, no close checksum", which readers accept */
	__atomic_store_n(&whdr(w)->ccrc, 0, __ATOMIC_RELEASE);
	__atomic_fetch_and(&whdr(w)->flags, ~(uint32_t)BT_LOGF_CLOSED,
			   __ATOMIC_RELEASE);
	tail = last_nonzero(w->map, end, w->cap);
	memset(w->map + end, 0, tail - end);
	return 0;
}

/* Keep a temporary log left by a writer that died if it holds records
 * (a killed recorder's evidence); remove it if it holds nothing. */
static bool keep_stale(int dirfd, const char *name)
{
	struct bt_log_header h;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	bool keep;

	if (fd < 0)
		return true;
	keep = pread(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h) &&
	       !memcmp(h.magic, BT_LOG_MAGIC, sizeof(h.magic)) &&
	       h.committed > h.header_size;
	close(fd);
	return keep;
}

/*
 * CREATE: the log is written to a temporary file beside `path` (outfile.h)
 * and renamed onto it at close, so a reader of an older `path` never sees
 * it truncated, a symlink at `path` is replaced rather than written
 * through, and of two writers of one new log the second fails at close.
 * INPLACE: `path` itself, truncated (a private temporary file).
 */
static int create_file(struct bt_log_writer *w, const char *path,
		       unsigned flags)
{
	int r;

	if (flags & BT_LOGW_INPLACE) {
		w->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (w->fd < 0)
			return bt_error_set_os(errno == ENOENT ? BT_ENOTFOUND :
					       BT_EIO, "cannot open '%s'", path);
		if (ftruncate(w->fd, 0) < 0)
			return bt_error_set_os(BT_EIO, "cannot truncate '%s'",
					       path);
		return 0;
	}
	r = bt_outfile_open(&w->of, path, flags & BT_LOGW_TRUNC ?
			    BT_OUTF_FORCE : 0, 0644, keep_stale);
	if (r == BT_EINVAL && strstr(bt_error_msg(), "already exists"))
		return bt_error_set(BT_EINVAL, "log '%s' already exists",
				    path);
	if (r)
		return r;
	w->replace = true;
	w->fd = w->of.fd;
	return 0;
}

/* The version a new log is written in: BT_LOGW_V1, else
 * BTRACK_LOG_VERSION=1 from the environment (tests), else the current. */
static unsigned new_version(unsigned flags)
{
	const char *e = getenv("BTRACK_LOG_VERSION");

	if ((flags & BT_LOGW_V1) || (e && !strcmp(e, "1")))
		return 1;
	return BT_LOG_VERSION;
}

/* The header of a new log, written with pwrite before the file grows: a
 * file of this size or more always starts with a valid header (version,
 * block size and header checksum included). */
static int write_header(struct bt_log_writer *w, unsigned flags)
{
	struct bt_log_header hdr;

	memset(&hdr, 0, sizeof(hdr));
	w->version = new_version(flags);
	memcpy(hdr.magic, BT_LOG_MAGIC, sizeof(hdr.magic));
	hdr.version = w->version;
	hdr.flags = 0;
	hdr.created = now_ns();
	hdr.header_size = BT_LOG_HEADER_SIZE;
	hdr.committed = BT_LOG_HEADER_SIZE;
	if (w->version >= 2) {
		w->block_size = BT_LOG_BLOCK_SIZE;
		hdr.block_size = w->block_size;
		hdr.hcrc = header_crc(&hdr);
	}
	if (pwrite(w->fd, &hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
		return bt_error_set_os(BT_EIO, "cannot write log '%s'",
				       w->path);
	return 0;
}

int bt_log_writer_open(struct bt_log_writer **out, const char *path,
		       unsigned flags)
{
	struct bt_log_writer *w;
	int r;

	*out = NULL;
	if (!!(flags & BT_LOGW_CREATE) == !!(flags & BT_LOGW_APPEND) ||
	    ((flags & (BT_LOGW_TRUNC | BT_LOGW_INPLACE)) &&
	     !(flags & BT_LOGW_CREATE)))
		return bt_error_set(BT_EINVAL, "bad log open flags 0x%x",
				    flags);
	w = calloc(1, sizeof(*w));
	if (!w)
		return bt_error_set(BT_ENOMEM, "out of memory");
	w->fd = -1;
	w->path = strdup(path);
	if (!w->path) {
		r = bt_error_set(BT_ENOMEM, "out of memory");
		goto fail;
	}
	if (flags & BT_LOGW_CREATE) {
		r = create_file(w, path, flags);
		if (r)
			goto fail;
	} else {
		/* never written through a symlink */
		w->fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (w->fd < 0 && errno == ELOOP) {
			r = bt_error_set(BT_EINVAL, "log '%s' is a symbolic "
					 "link: not appended to", path);
			goto fail;
		}
		if (w->fd < 0) {
			r = bt_error_set_os(errno == ENOENT ? BT_ENOTFOUND :
					    BT_EIO, "cannot open '%s'", path);
			goto fail;
		}
	}
	/* Lock before touching the contents: an appender and a replacing
	 * writer (outfile's commit) check it. */
	if (flock(w->fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			r = bt_error_set(BT_EINVAL, "log '%s' is being written "
					 "by another process", path);
		else
			r = bt_error_set_os(BT_EIO, "cannot lock '%s'", path);
		goto fail;
	}
	if (flags & BT_LOGW_APPEND) {
		r = writer_load(w);
		if (r)
			goto fail;
		*out = w;
		return 0;
	}
	r = write_header(w, flags);
	if (r)
		goto fail;
	r = reserve(w, BT_LOG_HEADER_SIZE);
	if (r)
		goto fail;
	w->size = BT_LOG_HEADER_SIZE;
	w->csize = w->size;
	*out = w;
	return 0;
fail:
	if (w->replace)
		bt_outfile_abort(&w->of);
	writer_free(w);
	return r;
}

const char *bt_log_writer_warning(const struct bt_log_writer *w)
{
	return w->replace && w->of.warning[0] ? w->of.warning : NULL;
}

const char *bt_log_writer_file(const struct bt_log_writer *w)
{
	return w->replace ? bt_outfile_tmp_path(&w->of) : w->path;
}

uint32_t bt_log_writer_objects(const struct bt_log_writer *w)
{
	return w->objects;
}

uint64_t bt_log_writer_size(const struct bt_log_writer *w)
{
	return w->size;
}

/* ---- version 2: encoding into blocks ---------------------------------- */

#define ENC_MAX 48  /* bytes of a record's encoding before its string */

/*
 * Encode the canonical record h (checked by its appender) in block state b
 * with `objects` objects defined: the fixed part into buf (returns its
 * length), the string or payload that follows it as *tail, *tlen.  The
 * decoder (decode_block) inverts this; man/btrack-log.5 specifies both.
 */
static size_t encode(const struct wblock *b, uint32_t objects,
		     const struct bt_rec_head *h, uint8_t *buf,
		     const void **tail, size_t *tlen)
{
	uint32_t id = objects + 1;
	size_t n = 1;

	*tail = NULL;
	*tlen = 0;
	if (h->type == BT_REC_EVENT) {
		const struct bt_rec_event *e = (const void *)h;

		buf[0] = e->op;
		n += put_varint(buf + n, zz64(e->time - b->prev_time));
		n += put_varint(buf + n, zz32(e->cause - b->prev_cause));
		n += put_varint(buf + n, zz32(e->effect - b->prev_effect));
		if (e->aux) {
			buf[0] |= EV_AUX;
			n += put_varint(buf + n, e->aux);
		}
		if (e->flags) {
			buf[0] |= EV_FLAGS;
			buf[n++] = e->flags;
		}
		return n;
	}
	buf[0] = (uint8_t)(TAG_REC | h->type);
	switch (h->type) {
	case BT_REC_PROCESS: {
		const struct bt_rec_process *p = (const void *)h;

		n += put_varint(buf + n, p->pid);
		n += put_varint(buf + n, zz64(p->start - b->prev_time));
		n += put_varint(buf + n, p->ppid);
		n += put_varint(buf + n, (uint32_t)(p->uid + 1));
		break;
	}
	case BT_REC_FILE: {
		const struct bt_rec_file *f = (const void *)h;

		n += put_varint(buf + n, f->flags);
		n += put_varint(buf + n, f->dev);
		n += put_varint(buf + n, f->ino);
		break;
	}
	case BT_REC_FILENAME:
	case BT_REC_ENDPOINT: {
		const struct bt_rec_filename *f = (const void *)h;

		n += put_varint(buf + n, f->path.len);
		*tail = f->path.s;
		*tlen = f->path.len;
		break;
	}
	case BT_REC_PAGE: {
		const struct bt_rec_page *p = (const void *)h;

		n += put_varint(buf + n, id - p->file);
		n += put_varint(buf + n, p->index);
		break;
	}
	case BT_REC_REGION: {
		const struct bt_rec_region *g = (const void *)h;

		n += put_varint(buf + n, id - g->file);
		n += put_varint(buf + n, id - g->process);
		n += put_varint(buf + n, g->prot);
		n += put_varint(buf + n, g->first);
		n += put_varint(buf + n, g->count);
		break;
	}
	case BT_REC_LABEL: {
		const struct bt_rec_label *l = (const void *)h;

		n += put_varint(buf + n, l->key);
		n += put_varint(buf + n, objects - l->object);
		n += put_varint(buf + n, zz64(l->time - b->prev_time));
		n += put_varint(buf + n, l->value.len);
		*tail = l->value.s;
		*tlen = l->value.len;
		break;
	}
	case BT_REC_NOTE: {
		const struct bt_rec_note *o = (const void *)h;

		n += put_varint(buf + n, o->key);
		n += put_varint(buf + n, o->time);
		n += put_varint(buf + n, o->text.len);
		*tail = o->text.s;
		*tlen = o->text.len;
		break;
	}
	case BT_REC_SEAL: {
		const struct bt_rec_seal *z = (const void *)h;

		n += put_varint(buf + n, z->len);
		*tail = z->data;
		*tlen = z->len;
		break;
	}
	}
	return n;
}

static inline void store_word(struct bt_log_writer *w, const struct wblock *b)
{
	__atomic_store_n((uint64_t *)(w->map + b->start),
			 b->used | (uint64_t)b->crc << 32, __ATOMIC_RELEASE);
}

/*
 * Finish the current block (its word covers all its records; the commit
 * that follows publishes them) and start the next at the 8-byte aligned
 * offset after it.  The new header is written, but `size` and the
 * committed length stay before it until a record is in it: no reader ever
 * sees an empty block.
 */
static int new_block(struct bt_log_writer *w)
{
	uint64_t start = (w->size + 7) & ~(uint64_t)7;
	struct bt_log_block *bh;
	int r;

	if (w->b.start)
		store_word(w, &w->b);
	if (start + BH > w->cap && (r = reserve(w, start + BH)))
		return r;
	bh = (struct bt_log_block *)(w->map + start);
	bh->seq = w->b.start ? w->b.seq + 1 : 0;
	bh->objects = w->objects;
	bh->base_time = w->b.prev_time;
	bh->events = w->b.events;
	w->b.start = start;
	w->b.used = 0;
	w->b.seq = bh->seq;
	w->b.crc = bt_crc32c(0, (const uint8_t *)bh + 8, BH - 8);
	w->b.prev_cause = 0;
	w->b.prev_effect = 0;
	return 0;
}

/* Append the canonical record h in version 2. */
static int v2_append(struct bt_log_writer *w, const struct bt_rec_head *h)
{
	uint8_t buf[ENC_MAX];
	const void *tail;
	size_t n, tlen;
	uint64_t at;
	int r;

	n = encode(&w->b, w->objects, h, buf, &tail, &tlen);
	if (unlikely(!w->b.start || (w->b.used &&
		     BH + (uint64_t)w->b.used + n + tlen > w->block_size))) {
		if ((r = new_block(w)))
			return r;
		n = encode(&w->b, w->objects, h, buf, &tail, &tlen);
	}
	if (unlikely((uint64_t)w->b.used + n + tlen > UINT32_MAX - BH))
		return bt_error_set(BT_EINVAL, "record too long");
	at = w->b.start + BH + w->b.used;
	if (unlikely(at + n + tlen > w->cap) &&
	    (r = reserve(w, at + n + tlen)))
		return r;
	memcpy(w->map + at, buf, n);
	if (tlen)
		memcpy(w->map + at + n, tail, tlen);
	w->b.crc = bt_crc32c(w->b.crc, w->map + at, n + tlen);
	w->b.used += (uint32_t)(n + tlen);
	w->size = at + n + tlen;
	if (h->type == BT_REC_EVENT) {
		const struct bt_rec_event *e = (const void *)h;

		w->b.prev_time = e->time;
		w->b.prev_cause = e->cause;
		w->b.prev_effect = e->effect;
		w->b.events++;
	}
	return 0;
}

int bt_log_append_event(struct bt_log_writer *w, uint8_t op, uint8_t flags,
			uint32_t aux, uint64_t time, uint32_t cause,
			uint32_t effect)
{
	struct bt_rec_event *e;
	uint64_t off = w->size;
	unsigned ck, ek;

	if (unlikely(cause - 1u >= w->objects || effect - 1u >= w->objects))
		return bt_error_set(BT_EINVAL, "event refers to undefined "
				    "object (cause %u, effect %u, %u objects)",
				    cause, effect, w->objects);
	ck = w->kinds[cause];
	ek = w->kinds[effect];
	if (unlikely(!((op_kinds[op] >> (ck * 8 + ek)) & 1) || !time))
		goto bad;
	if (unlikely(op_aux_region(op) && aux &&
		     (aux > w->objects || w->kinds[aux] != BT_OBJ_REGION)))
		goto bad;
	if (likely(w->version >= 2)) {
		struct bt_rec_event ev = {
			.type = BT_REC_EVENT, .op = op, .flags = flags,
			.aux = aux, .time = time, .cause = cause,
			.effect = effect
		};

		return v2_append(w, (const struct bt_rec_head *)&ev);
	}
	if (unlikely(off + EVENT_SIZE > w->cap)) {
		int r = reserve(w, off + EVENT_SIZE);

		if (r)
			return r;
	}
	e = (struct bt_rec_event *)(w->map + off);
	e->type = BT_REC_EVENT;
	e->op = op;
	e->flags = flags;
	e->aux = aux;
	e->time = time;
	e->cause = cause;
	e->effect = effect;
	w->size = off + EVENT_SIZE;
	return 0;
bad:
	if (!time)
		return bt_error_set(BT_EINVAL, "event with time 0");
	if (op == 0 || op > BT_OP_MAX)
		return bt_error_set(BT_EINVAL, "bad event op %u", op);
	if (!((op_kinds[op] >> (ck * 8 + ek)) & 1))
		return bt_error_set(BT_EINVAL, "op '%s' cannot join a %s to a "
				    "%s", op_names[op], kname(ck), kname(ek));
	return bt_error_set(BT_EINVAL, "op '%s' aux %u is not a region",
			    op_names[op], aux);
}

/* Reserve a zeroed variable-length record of `len` bytes (a multiple of
 * 8); the caller fills it and then calls rec_end(). */
static int rec_begin(void *out, struct bt_log_writer *w, uint16_t type,
		     uint64_t len)
{
	struct bt_rec_head *h;
	int r;

	if (len > UINT32_MAX)
		return bt_error_set(BT_EINVAL, "record too long (%llu bytes)",
				    (unsigned long long)len);
	if (w->version >= 2) {
		/* built in the scratch buffer, encoded by rec_end() */
		if (len > w->scratch_cap) {
			size_t ncap = w->scratch_cap ? w->scratch_cap : 256;
			void *n;

			while (ncap < len)
				ncap *= 2;
			n = realloc(w->scratch, ncap);
			if (!n)
				return bt_error_set(BT_ENOMEM, "out of memory");
			w->scratch = n;
			w->scratch_cap = ncap;
		}
		h = (struct bt_rec_head *)w->scratch;
	} else {
		if (w->size + len > w->cap) {
			r = reserve(w, w->size + len);
			if (r)
				return r;
		}
		h = (struct bt_rec_head *)(w->map + w->size);
	}
	memset(h, 0, len);
	h->type = type;
	h->x = 0;
	h->len = (uint32_t)len;
	*(void **)out = h;
	return 0;
}

static int rec_end(struct bt_log_writer *w, const void *rec)
{
	if (w->version >= 2)
		return v2_append(w, rec);
	w->size += ((const struct bt_rec_head *)rec)->len;
	return 0;
}

/* Bytes of a record with a fixed part of `fixed` bytes (up to and
 * including the string's u32 length) and a string of len bytes. */
static uint64_t str_rec_len(size_t fixed, size_t len)
{
	return ((uint64_t)fixed + len + 1 + 7) & ~(uint64_t)7;
}

static void put_str(struct bt_rec_str *s, const char *str, size_t len)
{
	s->len = (uint32_t)len;
	if (len)
		memcpy(s->s, str, len);
	s->s[len] = '\0';
}

/* An object id must be the next one; make room for its kind. */
static int new_object(struct bt_log_writer *w, uint32_t id)
{
	if (id != w->objects + 1u || id == 0)
		return bt_error_set(BT_EINVAL, "object id %u out of sequence "
				    "(expected %u)", id, w->objects + 1u);
	return kinds_reserve(&w->kinds, &w->kinds_cap, (uint64_t)id + 1);
}

static int ref_ok(struct bt_log_writer *w, uint32_t id, unsigned kind,
		  const char *what)
{
	if (id == 0 || id > w->objects || w->kinds[id] != kind)
		return bt_error_set(BT_EINVAL, "%s %u is not a defined %s",
				    what, id, kname(kind));
	return 0;
}

static void defined(struct bt_log_writer *w, unsigned kind)
{
	w->objects++;
	w->kinds[w->objects] = (uint8_t)kind;
}

int bt_log_append_process(struct bt_log_writer *w, uint32_t id, uint32_t pid,
			  uint64_t start, uint32_t ppid, uint32_t uid)
{
	struct bt_rec_process *p;
	int r = new_object(w, id);

	if (r)
		return r;
	r = rec_begin(&p, w, BT_REC_PROCESS, sizeof(*p));
	if (r)
		return r;
	p->id = id;
	p->pid = pid;
	p->start = start;
	p->ppid = ppid;
	p->uid = uid;
	r = rec_end(w, p);
	if (r)
		return r;
	defined(w, BT_OBJ_PROCESS);
	return 0;
}

int bt_log_append_file(struct bt_log_writer *w, uint32_t id, uint32_t flags,
		       uint64_t dev, uint64_t ino)
{
	struct bt_rec_file *f;
	int r = new_object(w, id);

	if (r)
		return r;
	r = rec_begin(&f, w, BT_REC_FILE, sizeof(*f));
	if (r)
		return r;
	f->id = id;
	f->flags = flags;
	f->dev = dev;
	f->ino = ino;
	r = rec_end(w, f);
	if (r)
		return r;
	defined(w, BT_OBJ_FILE);
	return 0;
}

static int str_object(struct bt_log_writer *w, uint32_t id, unsigned type,
		      const char *s, size_t len)
{
	/* filename and endpoint share the layout { head, id, str } */
	struct bt_rec_filename *f;
	int r;

	if (len > UINT32_MAX - 64)
		return bt_error_set(BT_EINVAL, "string too long");
	r = new_object(w, id);
	if (r)
		return r;
	r = rec_begin(&f, w, (uint16_t)type,
		      str_rec_len(offsetof(struct bt_rec_filename, path.s),
				  len));
	if (r)
		return r;
	f->id = id;
	put_str(&f->path, s, len);
	r = rec_end(w, f);
	if (r)
		return r;
	defined(w, type);
	return 0;
}

int bt_log_append_filename(struct bt_log_writer *w, uint32_t id,
			   const char *path, size_t len)
{
	return str_object(w, id, BT_REC_FILENAME, path, len);
}

int bt_log_append_endpoint(struct bt_log_writer *w, uint32_t id,
			   const char *addr, size_t len)
{
	return str_object(w, id, BT_REC_ENDPOINT, addr, len);
}

int bt_log_append_page(struct bt_log_writer *w, uint32_t id, uint32_t file,
		       uint64_t index)
{
	struct bt_rec_page *p;
	int r = ref_ok(w, file, BT_OBJ_FILE, "page's file");

	if (!r)
		r = new_object(w, id);
	if (r)
		return r;
	r = rec_begin(&p, w, BT_REC_PAGE, sizeof(*p));
	if (r)
		return r;
	p->id = id;
	p->file = file;
	p->index = index;
	r = rec_end(w, p);
	if (r)
		return r;
	defined(w, BT_OBJ_PAGE);
	return 0;
}

int bt_log_append_region(struct bt_log_writer *w, uint32_t id, uint32_t file,
			 uint32_t process, uint32_t prot, uint64_t first,
			 uint64_t count)
{
	struct bt_rec_region *g;
	int r = ref_ok(w, file, BT_OBJ_FILE, "region's file");

	if (!r)
		r = ref_ok(w, process, BT_OBJ_PROCESS, "region's process");
	if (!r)
		r = new_object(w, id);
	if (r)
		return r;
	r = rec_begin(&g, w, BT_REC_REGION, sizeof(*g));
	if (r)
		return r;
	g->id = id;
	g->file = file;
	g->process = process;
	g->prot = prot;
	g->first = first;
	g->count = count;
	r = rec_end(w, g);
	if (r)
		return r;
	defined(w, BT_OBJ_REGION);
	return 0;
}

int bt_log_append_label(struct bt_log_writer *w, uint32_t object,
			uint32_t key, uint64_t time, const char *value,
			size_t len)
{
	struct bt_rec_label *l;
	unsigned kind = label_kind(key);
	int r;

	if (!kind)
		return bt_error_set(BT_EINVAL, "bad label key %u", key);
	r = ref_ok(w, object, kind, "label's object");
	if (r)
		return r;
	if (len > UINT32_MAX - 64)
		return bt_error_set(BT_EINVAL, "string too long");
	r = rec_begin(&l, w, BT_REC_LABEL,
		      str_rec_len(offsetof(struct bt_rec_label, value.s), len));
	if (r)
		return r;
	l->object = object;
	l->key = key;
	l->time = time;
	put_str(&l->value, value, len);
	r = rec_end(w, l);
	if (r)
		return r;
	return 0;
}

int bt_log_append_note(struct bt_log_writer *w, uint32_t key, uint64_t time,
		       const char *text, size_t len)
{
	struct bt_rec_note *n;
	int r;

	if (key < BT_NOTE_SOURCE || key > BT_NOTE_TEXT)
		return bt_error_set(BT_EINVAL, "bad note key %u", key);
	if (len > UINT32_MAX - 64)
		return bt_error_set(BT_EINVAL, "string too long");
	r = rec_begin(&n, w, BT_REC_NOTE,
		      str_rec_len(offsetof(struct bt_rec_note, text.s), len));
	if (r)
		return r;
	n->key = key;
	n->time = time;
	put_str(&n->text, text, len);
	r = rec_end(w, n);
	if (r)
		return r;
	return 0;
}

int bt_log_append_seal(struct bt_log_writer *w, const void *data,
		       size_t len)
{
	struct bt_rec_seal *s;
	int r;

	if (len > 65536)
		return bt_error_set(BT_EINVAL, "seal too long");
	r = rec_begin(&s, w, BT_REC_SEAL,
		      (uint32_t)((sizeof(*s) + len + 7) & ~(size_t)7));
	if (r)
		return r;
	s->len = (uint32_t)len;
	s->reserved = 0;
	memcpy(s->data, data, len);
	r = rec_end(w, s);
	if (r)
		return r;
	return 0;
}

/* Version 2: the block word first (its CRC covers every record up to
 * `size`), then the committed length: a writer killed between the two
 * leaves a word a little ahead, which readers handle. */
void bt_log_writer_commit(struct bt_log_writer *w)
{
	if (w->b.start)
		store_word(w, &w->b);
	__atomic_store_n(&whdr(w)->committed, w->size, __ATOMIC_RELEASE);
	w->csize = w->size;
	w->cobjects = w->objects;
	w->cb = w->b;
}

/*
 * Forget what was appended since the last commit: the size and the object
 * count go back, and the bytes are zeroed so the file past `committed` is
 * zeros again, as a fresh preallocation is (a reader never looks there, but
 * a torn-tail warning should not be caused by records nobody committed).
 * The kinds of the forgotten objects stay in the table; they are
 * overwritten when ids are assigned again.
 */
void bt_log_writer_rollback(struct bt_log_writer *w)
{
	uint64_t hi = w->size;

	/* version 2: a block started since has its header past `size` */
	if (w->b.start && w->b.start + BH > hi)
		hi = w->b.start + BH;
	if (hi > w->csize)
		memset(w->map + w->csize, 0, hi - w->csize);
	w->size = w->csize;
	w->objects = w->cobjects;
	w->b = w->cb;
	/* a block finished since stored a word past the commit */
	if (w->b.start)
		store_word(w, &w->b);
}

void bt_log_writer_set_created(struct bt_log_writer *w, uint64_t created)
{
	whdr(w)->created = created;
	if (w->version >= 2)
		whdr(w)->hcrc = header_crc(whdr(w));
}

unsigned bt_log_writer_version(const struct bt_log_writer *w)
{
	return w->version;
}

void bt_log_writer_set_flags(struct bt_log_writer *w, uint32_t flags)
{
	__atomic_fetch_or(&whdr(w)->flags, flags, __ATOMIC_RELEASE);
}

int bt_log_writer_sync(struct bt_log_writer *w)
{
	bt_log_writer_commit(w);
	if (msync(w->map, w->cap, MS_SYNC) < 0)
		return bt_error_set_os(BT_EIO, "cannot sync log '%s'", w->path);
	return 0;
}

/*
 * The end of a log's file at close.  A new log (a temporary file nobody
 * reads) is cut to its size, synced and renamed onto its path.  An
 * appended log is never shrunk: a reader may have it mapped, and pages
 * past a shrunk end fault with SIGBUS; the preallocated tail past the
 * records stays as zeros, its blocks freed where the file system can.
 */
static int finish_file(struct bt_log_writer *w)
{
	long pg = sysconf(_SC_PAGESIZE);
	uint64_t keep = (w->size + (uint64_t)pg - 1) & ~((uint64_t)pg - 1);
	int r = 0;

	if (w->replace) {
		if (ftruncate(w->fd, (off_t)w->size) < 0)
			r = bt_error_set_os(BT_EIO, "cannot truncate log "
					    "'%s'", bt_log_writer_file(w));
		else
			r = bt_outfile_commit(&w->of);
		if (r) {
			/* Not renamed (lost a race for the name, or an I/O
			 * error): keep what was written, it may be a
			 * recording that cannot be made again, and say
			 * where it is. */
			char *why = strdup(bt_error_msg());

			r = bt_error_set(r, "%s; this log is left in '%s'",
					 why ? why : "not renamed",
					 bt_outfile_tmp_path(&w->of));
			free(why);
			bt_outfile_release(&w->of);
		}
		w->replace = false;
		w->fd = -1;
		return r;
	}
	if (keep < w->cap)
		fallocate(w->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			  (off_t)keep, (off_t)(w->cap - keep));
	if (fsync(w->fd) < 0)
		r = bt_error_set_os(BT_EIO, "cannot sync log '%s'", w->path);
	if (close(w->fd) < 0 && !r)
		r = bt_error_set_os(BT_EIO, "cannot close log '%s'", w->path);
	w->fd = -1;
	return r;
}

static int writer_finish_file(struct bt_log_writer *w);

int bt_log_writer_close(struct bt_log_writer *w)
{
	int r = 0;

	if (!w)
		return 0;
	bt_log_writer_commit(w);
	bt_log_writer_set_flags(w, BT_LOGF_CLOSED);
	if (w->version >= 2)
		__atomic_store_n(&whdr(w)->ccrc,
				 close_crc(whdr(w)->flags, w->size),
				 __ATOMIC_RELEASE);
	r = writer_finish_file(w);
	writer_free(w);
	return r;
}

/* Unmap, then finish the file (finish_file(): a new log is cut, synced
 * and renamed; an appended one is never shrunk).  The file's part of
 * closing; the log is complete and closed before this. */
static int writer_finish_file(struct bt_log_writer *w)
{
	int r = 0, r2;

	if (munmap(w->map, w->cap) < 0 && !r)
		r = bt_error_set_os(BT_EIO, "cannot unmap log '%s'", w->path);
	w->map = NULL;
	r2 = finish_file(w);
	if (!r)
		r = r2;
	return r;
}

void bt_log_writer_abort(struct bt_log_writer *w)
{
	if (!w)
		return;
	if (w->replace) {
		bt_outfile_abort(&w->of);
		w->replace = false;
		w->fd = -1;
	}
	writer_free(w);
}

/* ---- reading ---------------------------------------------------------- */

/* One version 2 block, as the header walk found it.  The header fields
 * are copied: a decode compares them with the file again, so a table
 * handed in (bt_log_open_with_blocks()) or a file changed under us gives
 * an error, not a wrong record. */
struct rblock {
	uint64_t off;          /* file offset of its header */
	uint64_t first_event;  /* header: events before it */
	uint64_t base_time;    /* header: the last event's time before it */
	uint32_t first_object; /* header: objects before it */
	uint32_t used;         /* its word: record bytes the crc covers */
	uint32_t crc;          /* its word */
	uint32_t lim;          /* record bytes to decode: used, but in the
	                          last block what is committed (or, in a
	                          short file, what decoded whole) */
};

/* What decoding one block found. */
struct dres {
	uint64_t events;      /* events in the block */
	uint32_t objects;     /* objects it defines */
	uint64_t prev_time;   /* the decoder's state after its last record */
	uint32_t prev_cause, prev_effect;
	uint32_t good;        /* record bytes that decoded whole */
};

/*
 * A block decoded as far as its records are committed, kept so that the
 * next decode of it starts at the first record not decoded yet (a
 * refresh of a growing last block decodes only what was committed since;
 * a reader takes the records after those it took: bt_log_block_held()).
 * The bytes decoded are checked again at each resumption: the checksum of
 * what was decoded must be what it was (crc), and that of the whole
 * block the header's word, so a block changed under us is an error, never
 * a record decoded from other bytes than the ones kept.
 */
struct held {
	uint32_t block;        /* its index + 1; 0: nothing held */
	uint64_t off;          /* its file offset */
	struct dres st;        /* the decoder's state after st.good bytes */
	uint32_t crc;          /* CRC-32C of header bytes 8-31 and the
	                          st.good record bytes, as decoded */
	uint8_t *out;          /* its canonical records: len bytes (cap) */
	size_t len, cap;
	uint8_t *lk;           /* kinds of its own objects (lk_cap) */
	size_t lk_cap;
};

struct bt_log {
	const uint8_t *map;   /* the file's mapping, or the borrowed bytes */
	const uint8_t *data;  /* the records: map (v1) or img (v2, once
	                         decoded in full) */
	uint64_t size;        /* file size (of the mapping) */
	uint64_t committed;   /* the header's value, read at open/refresh */
	uint64_t end;         /* end of the records in `data` (v2: of the
	                         image, once decoded) */
	uint64_t fend;        /* end of the records in the file (v1: end) */
	unsigned version;
	int fd;               /* for pread(2) of the tail; -1 for memory */
	bool short_file;      /* size < committed: stop at the last complete
	                         record (v2: block) instead of reporting
	                         corruption */
	bool mapped;          /* map is our mapping (else borrowed/copy) */
	bool tail_cut;        /* v2: the last block is cut short by the end
	                         of a short file (its checksum unchecked) */
	bool img_done;        /* v2: img holds every block, checked */
	int img_err;          /* v2: why decoding every block failed (not
	                         tried again: the message is img_msg) */
	char *img_msg;
	void *copy;           /* owned aligned copy for bt_log_open_mem */
	uint8_t *img;         /* v2: header copy + decoded records, owned */
	uint64_t img_cap;     /* its mapped size */
	uint64_t img_ready;   /* bytes of it populated, <= img_cap */
	/* The block table: blocks [0, ngiven) are read from `given`, the
	 * table handed to bt_log_open_with_blocks() (borrowed, never
	 * copied nor scanned: a question on a log of 200 k blocks uses a
	 * few), through blk(); blocks[k] is block ngiven + k, found by the
	 * header walk (blocks_cap entries). */
	const struct bt_log_blockinfo *given;
	uint32_t ngiven;
	struct rblock *blocks;
	uint32_t nblocks, blocks_cap;
	uint64_t *crc_ok;     /* bit i: block i's checksum was checked
	                         (atomic: decodes run in parallel) */
	uint32_t block_size;
	uint32_t tail_objects; /* v2: objects defined by all blocks */
	uint64_t max_need;    /* v2: the largest decode_need() of a block */
	struct wblock tail;   /* v2: the last block's encoder state at fend */
	struct held hcur;     /* v2: the last block, as far as committed */
	struct held hprev;    /* v2: the block last before the last refresh,
	                         when it was held then (to its end) */
	uint8_t *hraw;        /* the bytes of a held block, read (hraw_cap) */
	size_t hraw_cap;
	struct bt_log_header hdr0; /* the header at open (refresh compares) */
	dev_t dev;            /* the file opened (refresh compares) */
	ino_t ino;
	char *path;           /* for messages; "<memory>" for open_mem */
	bool torn_due;        /* a refresh left the torn-tail scan (for
	                         warning) to bt_log_warning() */
	char warning[256];
};

/* Block i (< nblocks) of the table, by value.  A block of the given
 * table is taken from it as it is: blk_check() and the decode compare it
 * with the file before a record of it is read. */
static inline struct rblock blk(const struct bt_log *log, uint32_t i)
{
	const struct bt_log_blockinfo *g;
	struct rblock b;

	if (i >= log->ngiven)
		return log->blocks[i - log->ngiven];
	g = &log->given[i];
	b.off = g->file_off;
	b.first_event = g->first_event;
	b.base_time = g->base_time;
	b.first_object = g->first_object;
	b.used = g->used;
	b.crc = g->crc;
	b.lim = g->used;   /* every given block but the last is whole */
	return b;
}

/* Block i, found by the walk (not a given one), to change. */
static inline struct rblock *blk_own(struct bt_log *log, uint32_t i)
{
	assert(i >= log->ngiven && i < log->nblocks);
	return &log->blocks[i - log->ngiven];
}

static int corrupt(const struct bt_log *log, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int corrupt(const struct bt_log *log, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return bt_error_set(BT_ECORRUPT, "corrupt log '%s': %s", log->path,
			    buf);
}

/* The same for a record bt_log_next() refuses: version 2 records are
 * checked once decoded, their offsets are in the decoded records (as `log
 * dump` shows them). */
static int corrupt_it(const struct bt_log_iter *it, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int corrupt_it(const struct bt_log_iter *it, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return corrupt(it->log, "%s%s", buf, it->log->version >= 2 ?
		       " of the decoded records" : "");
}

/* Offset one past the last nonzero byte in [from, to), or from. */
static uint64_t last_nonzero(const uint8_t *d, uint64_t from, uint64_t to)
{
	uint64_t i = to;

	while (i > from && (i & 7))
		if (d[--i])
			return i + 1;
	while (i >= from + 8) {
		uint64_t v;

		memcpy(&v, d + i - 8, 8);
		if (v)
			break;
		i -= 8;
	}
	while (i > from)
		if (d[--i])
			return i + 1;
	return from;
}

/*
 * Offset one past the last nonzero byte in [from, from + max) (max 0: to
 * the end of the file), or from.  Read with pread(2), never through the
 * mapping: these bytes are past the committed length, and a writer may cut
 * them off while we look (a mapping would then raise SIGBUS).
 */
static uint64_t tail_scan(const struct bt_log *log, uint64_t from,
			  uint64_t max)
{
	uint64_t to = log->size, last = from, pos;
	uint8_t buf[16384];

	if (from >= to)
		return from;
	if (max && to - from > max)
		to = from + max;
	if (log->fd < 0)
		return last_nonzero(log->map, from, to);
	for (pos = from; pos < to;) {
		size_t want = to - pos < sizeof(buf) ? (size_t)(to - pos) :
			      sizeof(buf);
		ssize_t n = pread(log->fd, buf, want, (off_t)pos);
		uint64_t e;

		if (n <= 0)
			break;
		e = last_nonzero(buf, 0, (uint64_t)n);
		if (e)
			last = pos + e;
		pos += (uint64_t)n;
	}
	return last;
}

/* How far past `committed` a reader looks for a torn tail when opening a
 * log (bt_log_verify() looks at all of it). */
#define TAIL_SCAN_MAX ((uint64_t)1 << 20)

static void torn_warning(struct bt_log *log, uint64_t committed)
{
	/* Report whole 8-byte units: v1 records are 8-byte aligned.  Only
	 * when something is there: an appended log keeps zeros past an
	 * unaligned committed end (v2), which are no torn records. */
	uint64_t last = tail_scan(log, committed, TAIL_SCAN_MAX);
	uint64_t torn = last > committed ? (last + 7) & ~(uint64_t)7 : 0;

	if (torn > log->size)
		torn = log->size;
	if (torn > committed)
		snprintf(log->warning, sizeof(log->warning),
			 "ignoring %llu bytes of uncommitted records after "
			 "offset %llu", (unsigned long long)(torn - committed),
			 (unsigned long long)committed);
}

/* Version 2 header checks: hcrc over the fixed fields, known flags, and,
 * for a closed log, the close checksum over flags and committed. */
static int check_header_v2(struct bt_log *log, const struct bt_log_header *h,
			   uint64_t committed)
{
	uint32_t flags = h->flags;

	if (header_crc(h) != h->hcrc)
		return corrupt(log, "header checksum mismatch at offset 40 "
			       "(the header is damaged)");
	if (h->block_size < 256 || h->block_size > (1u << 30))
		return corrupt(log, "bad block size %u at offset 36",
			       h->block_size);
	if (flags & ~(uint32_t)BT_LOGF_ALL)
		return corrupt(log, "unknown flags 0x%x at offset 12", flags);
	if (h->ccrc) {
		uint32_t want = close_crc(flags, committed);

		if (!(flags & BT_LOGF_CLOSED) && h->ccrc ==
		    close_crc(flags | BT_LOGF_CLOSED, committed))
			return corrupt(log, "flags at offset 12 lost the "
				       "closed mark of a closed log");
		if (h->ccrc != want)
			return corrupt(log, "close checksum mismatch at "
				       "offset 44: flags (offset 12) or "
				       "committed length (offset 16) damaged");
	}
	/* CLOSED without a close checksum: a writer reopening it to append
	 * was stopped between clearing the two; nothing to check. */
	log->block_size = h->block_size;
	return 0;
}

static int check_header(struct bt_log *log)
{
	const struct bt_log_header *h = (const void *)log->map;
	uint64_t committed;
	int r;

	if (log->size < 8 || memcmp(h->magic, BT_LOG_MAGIC, 8))
		return bt_error_set(BT_ECORRUPT, "'%s' is not a btrack log "
				    "(bad magic at offset 0)", log->path);
	if (log->size < BT_LOG_HEADER_SIZE)
		return corrupt(log, "header truncated at offset %llu",
			       (unsigned long long)log->size);
	if (h->version < BT_LOG_VERSION_MIN || h->version > BT_LOG_VERSION)
		return bt_error_set(BT_EVERSION, "log '%s' has format version "
				    "%u; this btrack reads versions %u to %u",
				    log->path, h->version, BT_LOG_VERSION_MIN,
				    BT_LOG_VERSION);
	log->version = h->version;
	if (h->header_size != BT_LOG_HEADER_SIZE)
		return corrupt(log, "bad header size %u at offset 32",
			       h->header_size);
	committed = __atomic_load_n(&h->committed, __ATOMIC_ACQUIRE);
	if (committed < BT_LOG_HEADER_SIZE ||
	    (log->version == 1 && (committed & 7)))
		return corrupt(log, "bad committed length %llu at offset 16",
			       (unsigned long long)committed);
	if (log->version >= 2 && (r = check_header_v2(log, h, committed)))
		return r;
	log->committed = committed;
	if (committed > log->size) {
		log->short_file = true;
		log->end = log->size & ~(uint64_t)7;
		snprintf(log->warning, sizeof(log->warning),
			 "log is %llu bytes, shorter than its committed "
			 "length %llu: reading up to the last complete %s",
			 (unsigned long long)log->size,
			 (unsigned long long)committed,
			 log->version >= 2 ? "block" : "record");
		log->fend = log->end;
		return 0;
	}
	log->end = committed;
	log->fend = committed;
	if (log->version == 1)
		torn_warning(log, committed);
	return 0;
}

/* ---- version 2: decoding blocks --------------------------------------- */

/* The longest encoding of an event: tag, four 10-byte varints (time,
 * cause, effect, aux), flags.  With this many bytes left, vget() needs no
 * bound checks. */
#define EV_ENC_MAX 42

static inline bool get_varint(const uint8_t **pp, const uint8_t *end,
			      uint64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	unsigned sh = 0;

	if (likely(p < end && *p < 0x80)) {   /* most deltas: one byte */
		*out = *p;
		*pp = p + 1;
		return true;
	}
	if (likely(end - p >= 10)) {
		/* the longest varint fits: no bound check per byte */
		for (;;) {
			uint8_t c = *p++;

			v |= (uint64_t)(c & 0x7f) << sh;
			if (!(c & 0x80)) {
				*pp = p;
				*out = v;
				return true;
			}
			sh += 7;
			if (sh >= 64)
				return false;
		}
	}
	while (likely(p < end) && sh < 64) {
		uint8_t c = *p++;

		v |= (uint64_t)(c & 0x7f) << sh;
		if (!(c & 0x80)) {
			*pp = p;
			*out = v;
			return true;
		}
		sh += 7;
	}
	return false;
}

static inline bool get_u32(const uint8_t **pp, const uint8_t *end,
			   uint32_t *out)
{
	uint64_t v;

	if (!get_varint(pp, end, &v) || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* get_varint() with at least 10 bytes readable at *pp (no bound checks);
 * two and three bytes inline, the caller does one. */
static inline bool vget(const uint8_t **pp, uint64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t v = p[0] & 0x7f, c;

	c = p[1];
	v |= (c & 0x7f) << 7;
	if (likely(c < 0x80)) {
		*pp = p + 2;
		*out = v;
		return true;
	}
	c = p[2];
	v |= (c & 0x7f) << 14;
	if (likely(c < 0x80)) {
		*pp = p + 3;
		*out = v;
		return true;
	}
	return get_varint(pp, p + 10, out);
}

/* One varint at p (at least 10 bytes readable) into v; ok &= success. */
#define VGET(p, v, ok) do { \
		if (likely(*(p) < 0x80)) \
			(v) = *(p)++; \
		else \
			(ok) &= vget(&(p), &(v)); \
	} while (0)

#define IMG_STEP ((uint64_t)8 << 20)

/*
 * Make room for `need` more image bytes.  The image is an anonymous
 * mapping: the first call reserves address space for the largest image
 * the committed bytes can decode to (MAP_NORESERVE: pages are only used as
 * they are written; huge pages where the kernel has them, as the image is
 * written once front to back), so it normally never moves; mremap grows it
 * otherwise.
 */
static int img_reserve(struct bt_log *log, uint64_t need)
{
	uint64_t ncap = log->img_cap > 4096 ? log->img_cap : 4096;
	void *n;

	if (log->end + need <= log->img_ready)
		return 0;
	if (need > ((uint64_t)1 << 44) || log->end > ((uint64_t)1 << 44))
		return bt_error_set(BT_ELIMIT, "log '%s' too large",
				    log->path);
	if (log->img && log->end + need <= log->img_cap)
		goto populate;
	while (ncap < log->end + need)
		ncap *= 2;
	if (log->img)
		n = mremap(log->img, log->img_cap, ncap, MREMAP_MAYMOVE);
	else {
		n = mmap(NULL, ncap, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			 MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (n == MAP_FAILED && ncap > IMG_STEP) {
			/* strict overcommit: start small, grow by mremap */
			ncap = IMG_STEP;
			while (ncap < log->end + need)
				ncap *= 2;
			n = mmap(NULL, ncap, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		}
	}
	if (n == MAP_FAILED)
		return bt_error_set_os(BT_ENOMEM, "out of memory decoding log "
				       "'%s'", log->path);
#ifdef MADV_HUGEPAGE
	madvise(n, ncap, MADV_HUGEPAGE);   /* only an optimisation */
#endif
	log->img = n;
	log->img_cap = ncap;
populate:
	/* Fault the next pages in with one call rather than one fault per
	 * page (as the writer does); only an optimisation. */
	ncap = (log->end + need + IMG_STEP - 1) & ~(IMG_STEP - 1);
	if (ncap > log->img_cap)
		ncap = log->img_cap;
	if (ncap > log->img_ready)
		bt_populate(log->img + log->img_ready, ncap - log->img_ready);
	log->img_ready = ncap;
	return 0;
}

/*
 * Read-ahead of a log read in order.  A mapped file's pages are otherwise
 * read as they fault, a few at a time, each read waited for: a log of
 * 2 GB not in the page cache read at 45 MB/s where the disk gives 400.
 * RA_BYTES at a time, RA_BYTES ahead of the reader.
 */
#define RA_BYTES (UINT64_C(8) << 20)
#define RA_BLOCKS 128   /* of at most 64 KiB: at most RA_BYTES */

static void advise_range(const struct bt_log *log, uint64_t off,
			 uint64_t end)
{
	if (log->fd < 0 || !log->mapped || end <= off)
		return;
	(void)posix_fadvise(log->fd, (off_t)off, (off_t)(end - off),
			    POSIX_FADV_WILLNEED);
}

void bt_log_read_ahead(const struct bt_log *log, uint32_t start,
		       uint32_t i)
{
	uint64_t a, z;

	if (log->version < 2 || i < start || (i - start) % RA_BLOCKS ||
	    i >= log->nblocks)
		return;
	/* at the start, the first two windows; then the one after next */
	a = i == start ? i : (uint64_t)i + RA_BLOCKS;
	z = a + (i == start ? 2 * RA_BLOCKS : RA_BLOCKS);
	if (a >= log->nblocks)
		return;
	advise_range(log, blk(log, (uint32_t)a).off, z < log->nblocks ?
		     blk(log, (uint32_t)z).off : log->fend);
}

/* Bytes [off, off + n) of the file, committed: with pread(2) for a file
 * (a header walk reads 32 bytes per 64 KiB: faulting the mapping in would
 * map 64 KiB around each), else from the bytes in memory. */
static int read_at(const struct bt_log *log, uint64_t off, void *buf,
		   size_t n)
{
	ssize_t r;

	if (log->fd < 0 || !log->mapped) {
		memcpy(buf, log->map + off, n);
		return 0;
	}
	do
		r = pread(log->fd, buf, n, (off_t)off);
	while (r < 0 && errno == EINTR);
	if (r != (ssize_t)n)
		return bt_error_set_os(BT_EIO, "cannot read log '%s' at offset "
				       "%llu", log->path,
				       (unsigned long long)off);
	return 0;
}

/* What one decode knows about objects: ids up to `first` are earlier
 * blocks' (their kinds in `kinds`, or unknown), later ones the block's own
 * (their kinds in `lk`, kept in the caller's buffer). */
struct dctx {
	const struct bt_log *log;
	uint64_t blk;          /* file offset of the block */
	const uint8_t *src;    /* the block's bytes (a copy, or the map) */
	uint32_t first;        /* objects before the block */
	const uint8_t *kinds;  /* may be NULL */
	uint8_t *lk;           /* lk[id - first - 1] */
};

#define KIND_ANY 0xff   /* an earlier block's object, kind not given */

/*
 * Buffer bytes decoding a block of `span` record bytes may need: at most
 * 8 canonical bytes per encoded byte (a file, page, note or seal record of
 * 3-4 bytes, or a name or seal of 2, decodes to 16-32; an event of 4 or
 * more to 24; other records less); then, at the buffer's end, a copy of
 * the block read with pread(2) (header and span bytes, 8-byte aligned)
 * and one kind byte per object defined (an object takes 2 bytes or more).
 */
static inline uint64_t decode_need(uint64_t span)
{
	return 9 * span + span / 2 + BH + 16;
}

_Static_assert(BT_LOG_BLOCK_DECODED_MAX == 9 * (uint64_t)BT_LOG_BLOCK_SIZE +
	       BT_LOG_BLOCK_SIZE / 2 + BH + 16, "decoded max");

static int rec_err(const struct dctx *d, const uint8_t *rec,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int rec_err(const struct dctx *d, const uint8_t *rec,
		   const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return corrupt(d->log, "%s in the record at offset %llu (block at "
		       "offset %llu)", buf,
		       (unsigned long long)(d->blk + (uint64_t)(rec - d->src)),
		       (unsigned long long)d->blk);
}

static inline unsigned dkind(const struct dctx *d, uint32_t id)
{
	if (id > d->first)
		return d->lk[id - d->first - 1];
	return d->kinds ? d->kinds[id] : KIND_ANY;
}

/* A reference to object `id` of kind `kind` with `objs` defined. */
static int dref(const struct dctx *d, const uint8_t *rec, uint32_t id,
		unsigned kind, uint32_t objs, const char *what)
{
	unsigned have;

	if (id - 1u >= objs)
		return rec_err(d, rec, "%s refers to undefined object %u",
			       what, id);
	have = dkind(d, id);
	if (have != kind && have != KIND_ANY)
		return rec_err(d, rec, "%s refers to object %u, a %s, not a "
			       "%s", what, id, kname(have), kname(kind));
	return 0;
}

/* Explain why an event failed the checks. */
static int dbad_event(const struct dctx *d, const uint8_t *rec,
		      const struct bt_rec_event *e, uint32_t objs)
{
	unsigned ck, ek;

	if (e->op == 0 || e->op > BT_OP_MAX)
		return rec_err(d, rec, "bad op %u", e->op);
	if (e->cause - 1u >= objs)
		return rec_err(d, rec, "event refers to undefined object %u "
			       "(cause)", e->cause);
	if (e->effect - 1u >= objs)
		return rec_err(d, rec, "event refers to undefined object %u "
			       "(effect)", e->effect);
	ck = dkind(d, e->cause);
	ek = dkind(d, e->effect);
	if (!e->time)
		return rec_err(d, rec, "time 0 in event");
	if (ck != KIND_ANY && ek != KIND_ANY && !bt_op_kinds_ok(e->op, ck, ek))
		return rec_err(d, rec, "op '%s' cannot join a %s to a %s",
			       op_names[e->op], kname(ck), kname(ek));
	if (op_aux_region(e->op) && e->aux)
		return rec_err(d, rec, "op '%s' aux %u is not a region",
			       op_names[e->op], e->aux);
	return rec_err(d, rec, "op '%s' cannot join objects %u and %u",
		       op_names[e->op], e->cause, e->effect);
}

/* Start a canonical string record of `fixed` bytes up to the string's u32
 * length, then the string, its NUL and zero padding. */
static struct bt_rec_head *dstr(uint8_t *o, size_t fixed, const uint8_t *s,
				uint32_t len, uint32_t rl)
{
	struct bt_rec_head *h = (void *)o;

	memset(h, 0, rl);
	h->len = rl;
	memcpy(o + fixed - 4, &len, 4);
	if (len)
		memcpy(o + fixed, s, len);
	return h;
}

/*
 * Decode the records in [p, lim) of a block into canonical records at out
 * (at most olim), checking them (see bt_log_block_decode()).  lenient:
 * stop without an error at the first record that does not decode (the
 * cut end of a short file); res->good says how far it got.  from: the
 * state after the first from->good bytes of the block, where p is (a
 * block decoded before as far as it was committed), or NULL at its start;
 * res then counts from the block's start too.
 */
static int decode_recs(const struct dctx *d, const uint8_t *p,
		       const uint8_t *lim, uint8_t *out, uint8_t *olim,
		       uint64_t base_time, bool lenient, size_t *len,
		       struct dres *res, struct bt_log_events *ev,
		       const struct dres *from)
{
	const uint8_t *start = p, *rec = p;
	uint8_t *o = out;
	uint32_t objs = d->first, prev_cause = 0, prev_effect = 0;
	uint64_t prev_time = base_time, events = 0;
	int r = 0;

	if (from) {
		/* resume after from->good bytes (p is there) */
		objs += from->objects;
		prev_time = from->prev_time;
		prev_cause = from->prev_cause;
		prev_effect = from->prev_effect;
		events = from->events;
	}

	while (p < lim) {
		uint8_t tag = *p++;
		struct bt_rec_head *h;
		uint64_t zt = 0, zc = 0, ze = 0, v64, rl;
		uint32_t len32, u, id = objs + 1;
		unsigned kind;

		rec = p - 1;
		if (likely(!(tag & TAG_REC))) {
			struct bt_rec_event ebuf, *e;
			uint32_t aux = 0, c, f;
			uint64_t allow, t;
			unsigned ck, ek, op = tag & EV_OP;
			uint8_t fl = 0;

			if (likely(lim - p >= EV_ENC_MAX)) {
				/* the common case, far from the end: no bound
				 * checks, one-byte deltas inline */
				bool ok = true;

				VGET(p, zt, ok);
				VGET(p, zc, ok);
				VGET(p, ze, ok);
				if (unlikely(!ok || zc > UINT32_MAX ||
					     ze > UINT32_MAX)) {
					r = rec_err(d, rec, "bad event");
					goto fail;
				}
				if (tag & EV_AUX) {
					uint64_t a = 0;

					VGET(p, a, ok);
					if (unlikely(!ok || a > UINT32_MAX)) {
						r = rec_err(d, rec,
							    "bad event aux");
						goto fail;
					}
					aux = (uint32_t)a;
				}
				if (tag & EV_FLAGS)
					fl = *p++;
			} else {
				if (unlikely(!get_varint(&p, lim, &zt) ||
					     !get_varint(&p, lim, &zc) ||
					     !get_varint(&p, lim, &ze) ||
					     zc > UINT32_MAX ||
					     ze > UINT32_MAX)) {
					r = rec_err(d, rec, "bad event");
					goto fail;
				}
				if (tag & EV_AUX && !get_u32(&p, lim, &aux)) {
					r = rec_err(d, rec, "bad event aux");
					goto fail;
				}
				if (tag & EV_FLAGS) {
					if (p >= lim) {
						r = rec_err(d, rec,
							    "truncated event");
						goto fail;
					}
					fl = *p++;
				}
			}
			if (ev) {
				e = &ebuf;
			} else {
				if (unlikely(o + EVENT_SIZE > olim))
					goto full;
				e = (void *)o;
			}
			e->type = BT_REC_EVENT;
			e->op = (uint8_t)op;
			e->flags = fl;
			e->aux = aux;
			t = e->time = prev_time + unzz64(zt);
			c = e->cause = prev_cause + unzz32((uint32_t)zc);
			f = e->effect = prev_effect + unzz32((uint32_t)ze);
			/* op, kinds, known objects, nonzero time, and aux a
			 * region (or 0) where it names one */
			allow = op_kinds[op];
			if (unlikely(c - 1u >= objs || f - 1u >= objs)) {
				r = dbad_event(d, rec, e, objs);
				goto fail;
			}
			ck = dkind(d, c);
			ek = dkind(d, f);
			if (ck != KIND_ANY)
				allow &= (uint64_t)0xff << (ck * 8);
			if (ek != KIND_ANY)
				allow &= (uint64_t)0x0101010101010101ULL << ek;
			if (unlikely(!allow || !t ||
				     (op_aux_region(op) && aux &&
				      (aux - 1u >= objs ||
				       ((ck = dkind(d, aux)) != BT_OBJ_REGION &&
					ck != KIND_ANY))))) {
				r = dbad_event(d, rec, e, objs);
				goto fail;
			}
			if (ev) {
				uint32_t k = ev->n;

				if (unlikely(k >= ev->cap)) {
					r = rec_err(d, rec, "more events in "
						    "the block than its "
						    "header says");
					goto fail;
				}
				ev->cause[k] = c;
				ev->effect[k] = f;
				ev->op[k] = (uint8_t)op;
				ev->n = k + 1;
				if (unlikely(t < prev_time))
					ev->unsorted = true;
				if (aux && op_aux_region(op) &&
				    (!ev->naux || ev->aux[ev->naux - 1] != aux ||
				     ev->auxop[ev->naux - 1] != op)) {
					ev->aux[ev->naux] = aux;
					ev->auxop[ev->naux++] = (uint8_t)op;
				}
			} else {
				o += EVENT_SIZE;
			}
			prev_time = t;
			prev_cause = c;
			prev_effect = f;
			events++;
			continue;
		}
		kind = tag & ~TAG_REC;
		switch (kind) {
		case BT_REC_PROCESS: {
			struct bt_rec_process *q;
			uint32_t pid, ppid, uid1;

			if (!get_u32(&p, lim, &pid) ||
			    !get_varint(&p, lim, &zt) ||
			    !get_u32(&p, lim, &ppid) ||
			    !get_u32(&p, lim, &uid1)) {
				r = rec_err(d, rec, "bad process");
				goto fail;
			}
			if (o + sizeof(*q) > olim)
				goto full;
			q = (void *)o;
			memset(q, 0, sizeof(*q));
			q->h.type = BT_REC_PROCESS;
			q->h.len = sizeof(*q);
			q->id = id;
			q->pid = pid;
			q->start = prev_time + unzz64(zt);
			q->ppid = ppid;
			q->uid = uid1 - 1;
			h = &q->h;
			break;
		}
		case BT_REC_FILE: {
			struct bt_rec_file *f;
			uint32_t fflags;
			uint64_t dev, ino;

			if (!get_u32(&p, lim, &fflags) ||
			    !get_varint(&p, lim, &dev) ||
			    !get_varint(&p, lim, &ino)) {
				r = rec_err(d, rec, "bad file");
				goto fail;
			}
			if (o + sizeof(*f) > olim)
				goto full;
			f = (void *)o;
			memset(f, 0, sizeof(*f));
			f->h.type = BT_REC_FILE;
			f->h.len = sizeof(*f);
			f->id = id;
			f->flags = fflags;
			f->dev = dev;
			f->ino = ino;
			h = &f->h;
			break;
		}
		case BT_REC_FILENAME:
		case BT_REC_ENDPOINT: {
			size_t fixed = offsetof(struct bt_rec_filename, path.s);

			if (!get_u32(&p, lim, &len32) ||
			    len32 > (uint64_t)(lim - p)) {
				r = rec_err(d, rec, "bad string");
				goto fail;
			}
			rl = (fixed + (uint64_t)len32 + 1 + 7) & ~(uint64_t)7;
			if (rl > (uint64_t)(olim - o))
				goto full;
			h = dstr(o, fixed, p, len32, (uint32_t)rl);
			p += len32;
			h->type = (uint16_t)kind;
			((struct bt_rec_filename *)h)->id = id;
			break;
		}
		case BT_REC_PAGE: {
			struct bt_rec_page *g;

			if (!get_u32(&p, lim, &u) ||
			    !get_varint(&p, lim, &v64)) {
				r = rec_err(d, rec, "bad page");
				goto fail;
			}
			if ((r = dref(d, rec, id - u, BT_OBJ_FILE, objs,
				      "page")))
				goto fail;
			if (o + sizeof(*g) > olim)
				goto full;
			g = (void *)o;
			memset(g, 0, sizeof(*g));
			g->h.type = BT_REC_PAGE;
			g->h.len = sizeof(*g);
			g->id = id;
			g->file = id - u;
			g->index = v64;
			h = &g->h;
			break;
		}
		case BT_REC_REGION: {
			struct bt_rec_region *g;
			uint32_t pr, prot;
			uint64_t first, count;

			if (!get_u32(&p, lim, &u) || !get_u32(&p, lim, &pr) ||
			    !get_u32(&p, lim, &prot) ||
			    !get_varint(&p, lim, &first) ||
			    !get_varint(&p, lim, &count)) {
				r = rec_err(d, rec, "bad region");
				goto fail;
			}
			if ((r = dref(d, rec, id - u, BT_OBJ_FILE, objs,
				      "region")) ||
			    (r = dref(d, rec, id - pr, BT_OBJ_PROCESS, objs,
				      "region")))
				goto fail;
			if (o + sizeof(*g) > olim)
				goto full;
			g = (void *)o;
			memset(g, 0, sizeof(*g));
			g->h.type = BT_REC_REGION;
			g->h.len = sizeof(*g);
			g->id = id;
			g->file = id - u;
			g->process = id - pr;
			g->prot = prot;
			g->first = first;
			g->count = count;
			h = &g->h;
			break;
		}
		case BT_REC_LABEL: {
			size_t fixed = offsetof(struct bt_rec_label, value.s);
			struct bt_rec_label *l;
			uint32_t key;
			unsigned lk;

			if (!get_u32(&p, lim, &key) || !get_u32(&p, lim, &u) ||
			    !get_varint(&p, lim, &zt) ||
			    !get_u32(&p, lim, &len32) ||
			    len32 > (uint64_t)(lim - p)) {
				r = rec_err(d, rec, "bad label");
				goto fail;
			}
			lk = label_kind(key);
			if (!lk) {
				r = rec_err(d, rec, "bad label key %u", key);
				goto fail;
			}
			if ((r = dref(d, rec, objs - u, lk, objs, "label")))
				goto fail;
			rl = (fixed + (uint64_t)len32 + 1 + 7) & ~(uint64_t)7;
			if (rl > (uint64_t)(olim - o))
				goto full;
			h = dstr(o, fixed, p, len32, (uint32_t)rl);
			p += len32;
			h->type = BT_REC_LABEL;
			l = (void *)h;
			l->object = objs - u;
			l->key = key;
			l->time = prev_time + unzz64(zt);
			break;
		}
		case BT_REC_NOTE: {
			size_t fixed = offsetof(struct bt_rec_note, text.s);
			struct bt_rec_note *n;
			uint32_t key;

			if (!get_u32(&p, lim, &key) ||
			    !get_varint(&p, lim, &v64) ||
			    !get_u32(&p, lim, &len32) ||
			    len32 > (uint64_t)(lim - p)) {
				r = rec_err(d, rec, "bad note");
				goto fail;
			}
			if (key < BT_NOTE_SOURCE || key > BT_NOTE_TEXT) {
				r = rec_err(d, rec, "bad note key %u", key);
				goto fail;
			}
			rl = (fixed + (uint64_t)len32 + 1 + 7) & ~(uint64_t)7;
			if (rl > (uint64_t)(olim - o))
				goto full;
			h = dstr(o, fixed, p, len32, (uint32_t)rl);
			p += len32;
			h->type = BT_REC_NOTE;
			n = (void *)h;
			n->key = key;
			n->time = v64;
			break;
		}
		case BT_REC_SEAL:
			if (!get_u32(&p, lim, &len32) ||
			    len32 > (uint64_t)(lim - p)) {
				r = rec_err(d, rec, "bad seal");
				goto fail;
			}
			rl = (sizeof(struct bt_rec_seal) + (uint64_t)len32 +
			      7) & ~(uint64_t)7;
			if (rl > (uint64_t)(olim - o))
				goto full;
			h = (void *)o;
			memset(h, 0, rl);
			h->type = BT_REC_SEAL;
			h->len = (uint32_t)rl;
			((struct bt_rec_seal *)h)->len = len32;
			memcpy(((struct bt_rec_seal *)h)->data, p, len32);
			p += len32;
			break;
		default:
			r = rec_err(d, rec, "bad tag 0x%02x", tag);
			goto fail;
		}
		if (bt_rec_is_object(kind)) {
			if (objs == UINT32_MAX) {
				r = rec_err(d, rec, "too many objects");
				goto fail;
			}
			d->lk[objs - d->first] = (uint8_t)kind;
			objs = id;
		}
		o += h->len;
	}
	rec = p;
	goto done;
full:
	/* decode_need() is wrong, or the caller's buffer too small */
	r = bt_error_set(BT_ELIMIT, "the buffer is too small to decode the "
			 "block at offset %llu", (unsigned long long)d->blk);
	lenient = false;
fail:
	if (!lenient)
		return r;
done:
	*len = (size_t)(o - out);
	res->events = events;
	res->objects = objs - d->first;
	res->prev_time = prev_time;
	res->prev_cause = prev_cause;
	res->prev_effect = prev_effect;
	res->good = (from ? from->good : 0) + (uint32_t)(rec - start);
	return 0;
}

/* Whether block i's checksum is known good (checked in this bt_log). */
static inline bool crc_known(const struct bt_log *log, uint32_t i)
{
	return __atomic_load_n(&log->crc_ok[i / 64], __ATOMIC_RELAXED) >>
	       (i % 64) & 1;
}

/* Record bytes of block i the file holds: all `used` (the checksum
 * covers them; past the committed length in a last block whose word is
 * ahead, which the writer wrote first), but in a block cut short by the
 * end of a short file. */
static inline uint32_t blk_span(const struct bt_log *log, uint32_t i)
{
	struct rblock b = blk(log, i);

	return i == log->nblocks - 1 && log->tail_cut ? b.lim : b.used;
}

/* Check block i's checksum over its bytes at src (NULL: in the map). */
static int check_crc(const struct bt_log *log, uint32_t i,
		     const uint8_t *src)
{
	struct rblock bb = blk(log, i);
	const struct rblock *b = &bb;

	if (crc_known(log, i))
		return 0;
	if (i == log->nblocks - 1 && log->tail_cut)
		return 0;   /* cut short: said by the warning */
	if (!src && (b->off > log->size ||
		     BH + (uint64_t)b->used > log->size - b->off))
		return corrupt(log, "block at offset %llu: length %u runs "
			       "past the end of the file",
			       (unsigned long long)b->off, b->used);
	if (!src)
		src = log->map + b->off;
	if (bt_crc32c(0, src + 8, BH - 8 + (size_t)b->used) != b->crc)
		return corrupt(log, "checksum mismatch in the block at offset "
			       "%llu (%u bytes)", (unsigned long long)b->off,
			       b->used);
	__atomic_fetch_or(&log->crc_ok[i / 64], (uint64_t)1 << (i % 64),
			  __ATOMIC_RELAXED);
	return 0;
}

/* Block i's header (at src) against the table; for a block of a given
 * table, its word too (a block before the last no longer changes). */
static bool header_matches(const struct bt_log *log, uint32_t i,
			   const uint8_t *src)
{
	struct rblock b = blk(log, i);
	const struct bt_log_block *h = (const void *)src;
	uint64_t word;

	memcpy(&word, src, 8);
	return h->seq == i && h->objects == b.first_object &&
	       h->events == b.first_event && h->base_time == b.base_time &&
	       (i >= log->ngiven ||
		word == (b.used | (uint64_t)b.crc << 32));
}

/*
 * Whether block i of a given table can be a block of this log, before it
 * is read: what bt_log_open_with_blocks() does not check of the table at
 * open (the whole table would cost a pass over it for each question on a
 * log of 200 k blocks), checked of the blocks a reader decodes.  Its
 * offset follows the block before it, the block after it follows it, it
 * is not empty and ends before the committed length, and its counts are
 * no more than the next block's.  Its header, word and checksum are then
 * compared with the file by the decode.
 */
static int blk_check(const struct bt_log *log, uint32_t i)
{
	const struct bt_log_blockinfo *g, *p;
	uint64_t c = log->short_file ? log->size : log->committed;
	uint64_t at = BT_LOG_HEADER_SIZE, next, nobj, nev;

	if (i >= log->ngiven)
		return 0;
	g = &log->given[i];
	if (i) {
		p = g - 1;
		at = p->file_off < c && p->used < c ?
		     (p->file_off + BH + p->used + 7) & ~(uint64_t)7 : 0;
	}
	if (i + 1 < log->ngiven) {
		next = g[1].file_off;
		nobj = g[1].first_object;
		nev = g[1].first_event;
	} else {
		next = log->blocks[0].off;
		nobj = log->blocks[0].first_object;
		nev = log->blocks[0].first_event;
	}
	if (g->file_off == at && g->used && BH + (uint64_t)g->used < c &&
	    g->file_off < c - BH - g->used &&
	    next == ((g->file_off + BH + g->used + 7) & ~(uint64_t)7) &&
	    nobj >= g->first_object && nev >= g->first_event &&
	    (i || (!g->first_object && !g->first_event && !g->base_time)))
		return 0;
	return bt_error_set(BT_ECORRUPT, "the block table given for log '%s' "
			    "does not match it (block %u at offset %llu)",
			    log->path, i, (unsigned long long)g->file_off);
}

/* A chain error at block i: name the damage a checksum finds in block i
 * or the one before it first, as that is what it most likely is. */
static int chain_error(const struct bt_log *log, uint32_t i, uint64_t off)
{
	int r;

	if (i < log->nblocks && (r = check_crc(log, i, NULL)))
		return r;
	if (i > 0 && i - 1 < log->nblocks &&
	    (r = check_crc(log, i - 1, NULL)))
		return r;
	return corrupt(log, "block at offset %llu does not follow the one "
		       "before it (number, objects, events or base time)",
		       (unsigned long long)off);
}

static int given_mismatch(const struct bt_log *log, uint32_t i,
			  const uint8_t *src);

/* Decode block i (see bt_log_block_decode()). */
static int decode_blk(const struct bt_log *log, uint32_t i, uint8_t *buf,
		      size_t cap, size_t *len, const uint8_t *kinds,
		      bool lenient, struct dres *res, struct bt_log_events *ev)
{
	struct rblock bb = blk(log, i);
	const struct rblock *b = &bb;
	uint32_t span = blk_span(log, i);
	uint64_t need = decode_need(span);
	struct dctx d = { log, b->off, NULL, b->first_object, kinds, NULL };
	uint8_t *olim;
	int r;

	if ((r = blk_check(log, i)))
		return r;
	if (cap < need)
		return bt_error_set(BT_ELIMIT, "a buffer of %zu bytes is too "
				    "small to decode the block at offset %llu "
				    "(%llu bytes needed)", cap,
				    (unsigned long long)b->off,
				    (unsigned long long)need);
	d.lk = buf + cap - (span / 2 + 1);
	olim = d.lk;
	if (log->mapped) {
		/* A copy, read with pread(2): cheaper here than faulting
		 * the mapping in, and a file cut under us is an error, not
		 * a SIGBUS. */
		uint8_t *raw = (uint8_t *)((uintptr_t)(d.lk - BH - span) &
					   ~(uintptr_t)7);

		if ((r = read_at(log, b->off, raw, BH + (size_t)span)))
			return r;
		d.src = raw;
		olim = raw;
	} else {
		d.src = log->map + b->off;
	}
	if (!header_matches(log, i, d.src))
		return i < log->ngiven ? given_mismatch(log, i, d.src) :
		       chain_error(log, i, b->off);
	if ((r = check_crc(log, i, d.src)))
		return r;
	r = decode_recs(&d, d.src + BH, d.src + BH + b->lim, buf, olim,
			b->base_time, lenient, len, res, ev, NULL);
	if (r)
		return r;
	/* what the next block's header says comes before it */
	if (i + 1 < log->nblocks) {
		struct rblock nb = blk(log, i + 1);
		const struct rblock *n = &nb;

		if (res->good != b->lim ||
		    n->first_object != b->first_object + res->objects ||
		    n->first_event != b->first_event + res->events ||
		    n->base_time != res->prev_time)
			return chain_error(log, i + 1, n->off);
	}
	return 0;
}

int bt_log_block_decode(const struct bt_log *log, uint32_t i, void *buf,
			size_t cap, size_t *len, const uint8_t *kinds)
{
	struct dres res;

	*len = 0;
	if (i >= log->nblocks)
		return bt_error_set(BT_EINVAL, "no block %u (%u blocks)", i,
				    log->nblocks);
	return decode_blk(log, i, buf, cap, len, kinds, false, &res, NULL);
}

int bt_log_block_events(const struct bt_log *log, uint32_t i, void *buf,
			size_t cap, size_t *len, const uint8_t *kinds,
			struct bt_log_events *ev)
{
	struct dres res;

	*len = 0;
	ev->n = 0;
	ev->naux = 0;
	ev->unsorted = false;
	if (i >= log->nblocks)
		return bt_error_set(BT_EINVAL, "no block %u (%u blocks)", i,
				    log->nblocks);
	return decode_blk(log, i, buf, cap, len, kinds, false, &res, ev);
}

/* Room for n bytes at *p (cap *cap), keeping what it holds. */
static int room(uint8_t **p, size_t *cap, size_t n)
{
	uint8_t *q;

	if (n <= *cap)
		return 0;
	if (!(q = realloc(*p, n)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	*p = q;
	*cap = n;
	return 0;
}

/*
 * Decode block i into h: from where h stopped if h holds it (the bytes
 * it decoded checked again first: their checksum as it was, that of the
 * whole block its word), else from its start.  lenient: as decode_recs()
 * (a block cut short by a short file: no checksum).  On error h holds
 * what it held (or nothing, if it held another block).
 */
static int hold_decode(struct bt_log *log, uint32_t i, struct held *h,
		       bool lenient)
{
	struct rblock bb = blk(log, i);
	const struct rblock *b = &bb;
	uint32_t span = blk_span(log, i), good, pre, max = BT_LOG_BLOCK_SIZE;
	struct dctx d = { log, b->off, NULL, b->first_object, NULL, NULL };
	bool cut = i == log->nblocks - 1 && log->tail_cut;
	struct dres res;
	const uint8_t *src;
	size_t len;
	int r;

	if ((r = blk_check(log, i)))
		return r;
	if (h->block != i + 1 || h->off != b->off || h->st.good > b->lim) {
		h->block = 0;
		memset(&h->st, 0, sizeof(h->st));
		h->st.prev_time = b->base_time;
		h->len = 0;
	}
	good = h->st.good;
	/* room for a whole block at once: a growing block does not move
	 * its records at each refresh */
	if (max < span)
		max = span;
	if ((r = room(&h->out, &h->cap, 8 * (size_t)max + 8)) ||
	    (r = room(&h->lk, &h->lk_cap, max / 2 + 1)))
		return r;
	if (log->mapped) {
		/* a copy, read with pread(2), as decode_blk() */
		if ((r = room(&log->hraw, &log->hraw_cap, BH + (size_t)max)) ||
		    (r = read_at(log, b->off, log->hraw, BH + (size_t)span)))
			return r;
		src = log->hraw;
	} else {
		src = log->map + b->off;
	}
	d.src = src;
	d.lk = h->lk;
	if (!header_matches(log, i, src))
		return i < log->ngiven ? given_mismatch(log, i, src) :
		       chain_error(log, i, b->off);
	pre = bt_crc32c(0, src + 8, BH - 8 + (size_t)good);
	if (h->block && pre != h->crc)
		return corrupt(log, "the block at offset %llu changed since it "
			       "was read (its first %u record bytes)",
			       (unsigned long long)b->off, good);
	if (!cut) {
		if (bt_crc32c(pre, src + BH + good, span - good) != b->crc)
			return corrupt(log, "checksum mismatch in the block at "
				       "offset %llu (%u bytes)",
				       (unsigned long long)b->off, b->used);
		__atomic_fetch_or(&log->crc_ok[i / 64],
				  (uint64_t)1 << (i % 64), __ATOMIC_RELAXED);
	}
	r = decode_recs(&d, src + BH + good, src + BH + b->lim,
			h->out + h->len, h->out + h->cap, b->base_time,
			lenient, &len, &res, NULL, h->block ? &h->st : NULL);
	if (r)
		return r;
	/* what the next block's header says comes before it */
	if (i + 1 < log->nblocks) {
		struct rblock nb = blk(log, i + 1);
		const struct rblock *n = &nb;

		if (res.good != b->lim ||
		    n->first_object != b->first_object + res.objects ||
		    n->first_event != b->first_event + res.events ||
		    n->base_time != res.prev_time)
			return chain_error(log, i + 1, n->off);
	}
	h->crc = bt_crc32c(pre, src + BH + good, res.good - good);
	h->st = res;
	h->len += len;
	h->off = b->off;
	h->block = i + 1;
	return 0;
}

static inline unsigned hkind(const struct held *h, uint32_t first,
			     const uint8_t *kinds, uint32_t id)
{
	return id > first ? h->lk[id - first - 1] : kinds[id];
}

/* The references to objects of earlier blocks in h's records [from, len)
 * against kinds (their own objects were checked when decoded). */
static int held_kinds(const struct bt_log *log, uint32_t i,
		      const struct held *h, size_t from, const uint8_t *kinds)
{
	struct rblock bb = blk(log, i);
	const struct rblock *b = &bb;
	uint32_t first = b->first_object;
	const struct bt_rec_head *rh;
	const char *what = NULL;
	unsigned k1 = 0, k2 = 0, want = 0;
	uint32_t id = 0;

	while ((rh = bt_log_block_rec(h->out, h->len, &from))) {
		switch (rh->type) {
		case BT_REC_EVENT: {
			const struct bt_rec_event *e = (const void *)rh;

			k1 = hkind(h, first, kinds, e->cause);
			k2 = hkind(h, first, kinds, e->effect);
			if (unlikely(k1 > 7 || k2 > 7 ||
				     !(op_kinds[e->op] >> (k1 * 8 + k2) & 1)))
				return corrupt(log, "op '%s' cannot join a %s "
					"to a %s in the block at offset %llu",
					bt_op_name(e->op) ? bt_op_name(e->op) :
					"?", kname(k1), kname(k2),
					(unsigned long long)b->off);
			if (unlikely(op_aux_region(e->op) && e->aux &&
				     e->aux <= first &&
				     kinds[e->aux] != BT_OBJ_REGION))
				return corrupt(log, "op '%s' aux %u is not a "
					"region in the block at offset %llu",
					bt_op_name(e->op), e->aux,
					(unsigned long long)b->off);
			continue;
		}
		case BT_REC_PAGE: {
			const struct bt_rec_page *g = (const void *)rh;

			id = g->file;
			want = BT_OBJ_FILE;
			what = "page";
			break;
		}
		case BT_REC_REGION: {
			const struct bt_rec_region *g = (const void *)rh;

			if (g->process <= first &&
			    kinds[g->process] != BT_OBJ_PROCESS) {
				id = g->process;
				want = BT_OBJ_PROCESS;
				what = "region";
				goto bad;
			}
			id = g->file;
			want = BT_OBJ_FILE;
			what = "region";
			break;
		}
		case BT_REC_LABEL: {
			const struct bt_rec_label *l = (const void *)rh;

			id = l->object;
			want = label_kind(l->key);
			what = "label";
			break;
		}
		default:
			continue;
		}
		if (id <= first && kinds[id] != want)
			goto bad;
	}
	return 0;
bad:
	return corrupt(log, "%s refers to object %u, a %s, not a %s, in the "
		       "block at offset %llu", what, id, kname(kinds[id]),
		       kname(want), (unsigned long long)b->off);
}

int bt_log_block_held(const struct bt_log *log, uint32_t i, size_t from,
		      const uint8_t *kinds, const void **buf, size_t *len)
{
	const struct held *h = NULL;
	int r;

	*buf = NULL;
	*len = 0;
	if (i < log->nblocks) {
		if (log->hcur.block == i + 1)
			h = &log->hcur;
		else if (log->hprev.block == i + 1)
			h = &log->hprev;
	}
	if (!h || h->off != blk(log, i).off || h->st.good != blk(log, i).lim)
		return bt_error_set(BT_ENOTFOUND, "block %u is not held "
				    "decoded", i);
	if (from > h->len)
		return bt_error_set(BT_EINVAL, "offset %zu past the records "
				    "of block %u", from, i);
	if (kinds && (r = held_kinds(log, i, h, from, kinds)))
		return r;
	*buf = h->out;
	*len = h->len;
	return 0;
}

const uint64_t *bt_op_kinds_table(void)
{
	return op_kinds;
}

size_t bt_log_block_decoded_max(const struct bt_log *log)
{
	return log->max_need > BT_LOG_BLOCK_DECODED_MAX ?
	       (size_t)log->max_need : BT_LOG_BLOCK_DECODED_MAX;
}

size_t bt_log_block_need(const struct bt_log *log, uint32_t i)
{
	uint64_t need;

	if (log->version < 2 || i >= log->nblocks)
		return 0;
	need = decode_need(blk_span(log, i));
	return need > SIZE_MAX ? SIZE_MAX : (size_t)need;
}

int bt_log_block_info(const struct bt_log *log, uint32_t i,
		      struct bt_log_blockinfo *out)
{
	struct rblock b;

	memset(out, 0, sizeof(*out));
	if (i >= log->nblocks)
		return bt_error_set(BT_EINVAL, "no block %u (%u blocks)", i,
				    log->nblocks);
	b = blk(log, i);
	out->file_off = b.off;
	out->used = b.used;
	out->crc = b.crc;
	out->lim = b.lim;
	out->first_object = b.first_object;
	out->first_event = b.first_event;
	out->base_time = b.base_time;
	if (i + 1 < log->nblocks) {
		struct rblock n = blk(log, i + 1);

		out->nobjects = n.first_object - b.first_object;
		out->nevents = (uint32_t)(n.first_event - b.first_event);
	} else {
		out->nobjects = log->tail_objects - b.first_object;
		out->nevents = (uint32_t)(log->tail.events - b.first_event);
	}
	return 0;
}

/* Room in the block table (and its checksum memo) for n blocks, the
 * given ones included: a multiple of 64 (a word of the memo). */
static int blocks_room(struct bt_log *log, uint32_t n)
{
	uint32_t ncap = (n + 63) & ~(uint32_t)63;
	size_t own;
	struct rblock *nb;
	uint64_t *bits;

	if (n <= log->blocks_cap)
		return 0;
	if (ncap < n)
		return bt_error_set(BT_ELIMIT, "too many blocks");
	/* 8 MB at a billion events, filled at open: a fault per 2 MiB */
	own = (size_t)(ncap - log->ngiven) * sizeof(*nb);
	nb = log->blocks ? realloc(log->blocks, own) : bt_alloc_huge(own);
	if (!nb)
		return bt_error_set(BT_ENOMEM, "out of memory");
	if (log->blocks)
		bt_advise_huge(nb, own);
	log->blocks = nb;
	if (!(bits = realloc(log->crc_ok, (size_t)ncap / 64 * 8)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	memset(bits + log->blocks_cap / 64, 0,
	       (size_t)(ncap - log->blocks_cap) / 64 * 8);
	log->crc_ok = bits;
	log->blocks_cap = ncap;
	return 0;
}

static int add_block(struct bt_log *log, const struct rblock *rb,
		     uint32_t span)
{
	int r;

	if (log->nblocks == log->blocks_cap) {
		/* double the part the walk found (not the given one) */
		uint32_t more = log->blocks_cap - log->ngiven;

		if (more < 64)
			more = 64;
		if (log->blocks_cap > UINT32_MAX - more)
			return bt_error_set(BT_ELIMIT, "too many blocks");
		if ((r = blocks_room(log, log->blocks_cap + more)))
			return r;
	}
	log->blocks[log->nblocks - log->ngiven] = *rb;
	__atomic_fetch_and(&log->crc_ok[log->nblocks / 64],
			   ~((uint64_t)1 << (log->nblocks % 64)),
			   __ATOMIC_RELAXED);
	log->nblocks++;
	if (decode_need(span) > log->max_need)
		log->max_need = decode_need(span);
	return 0;
}

/* The walk found something wrong at or after the block rb: if rb's
 * checksum fails (its header or length was damaged, the likeliest cause),
 * say that instead, as a reader that decoded it would. */
static int damaged(const struct bt_log *log, const struct rblock *rb)
{
	if (rb->off + BH + (uint64_t)rb->used > log->size)
		return 0;
	if (bt_crc32c(0, log->map + rb->off + 8, BH - 8 + (size_t)rb->used) ==
	    rb->crc)
		return 0;
	return corrupt(log, "checksum mismatch in the block at offset %llu "
		       "(%u bytes)", (unsigned long long)rb->off, rb->used);
}

/* Block i of a given table does not match the file's header there (at
 * src): the log's damage when that header is block i's and its own word
 * and checksum do not check (said as a reader of the log alone would),
 * else the table's. */
static int given_mismatch(const struct bt_log *log, uint32_t i,
			  const uint8_t *src)
{
	const struct bt_log_block *h = (const void *)src;
	struct rblock b = blk(log, i);
	uint64_t word;
	int r;

	memcpy(&word, src, 8);
	b.used = (uint32_t)word;
	b.crc = (uint32_t)(word >> 32);
	if (h->seq == i && log->map && (r = damaged(log, &b)))
		return r;
	return bt_error_set(BT_ECORRUPT, "the block table given for log '%s' "
			    "does not match it (block %u at offset %llu)",
			    log->path, i, (unsigned long long)b.off);
}

/* Whether the file (not the mapping) is now at least `end` bytes. */
static bool file_holds(const struct bt_log *log, uint64_t end)
{
	struct stat st;

	return log->fd >= 0 && log->mapped && fstat(log->fd, &st) == 0 &&
	       (uint64_t)st.st_size >= end;
}

/*
 * Walk the block headers from file offset `off` (block log->nblocks) up
 * to the committed length c, adding them to the table.  Only each
 * header's 32 bytes and the padding before the next are read (one read
 * per block, after the acquire load of c: the writer stored each word
 * before the committed length that covers it).  What a header walk can
 * check without decoding is checked: numbers in sequence, counts that
 * never go down nor grow more than the bytes before allow, zero padding;
 * the rest (exact counts, base time, checksums) when a block is decoded.
 * A block whose word ends past c (a writer between its two stores, or
 * killed there) is the last; its records are decoded up to c only.
 * *endp: where the records end.
 */
static int walk_blocks(struct bt_log *log, uint64_t off, uint64_t c,
		       uint64_t *endp)
{
	uint8_t hb[8 + BH];         /* padding before a header, the header */
	const struct bt_log_block *b = (const void *)(hb + 8);
	bool have = false;          /* b holds the header at off */
	uint64_t ra = off;          /* read-ahead asked up to here */
	int r;

	while (off < c) {
		struct rblock pbv, rb;
		const struct rblock *pb = NULL;
		uint64_t word, end, pad, n;
		bool ok;
		size_t k;

		if (log->nblocks) {
			pbv = blk(log, log->nblocks - 1);
			pb = &pbv;
		}
		if (c - off < BH) {
			if (log->short_file)
				break;
			if (pb && (r = damaged(log, pb)))
				return r;
			return corrupt(log, "committed length %llu at offset "
				       "16 cuts the block header at offset "
				       "%llu", (unsigned long long)c,
				       (unsigned long long)off);
		}
		/* a header every 64 KiB, each read a wait of its own from a
		 * cold cache (15 s for 2 GB): read the file ahead instead */
		if (off + RA_BYTES > ra) {
			uint64_t from = off > ra ? off : ra;

			ra = from + RA_BYTES;
			advise_range(log, from, ra < c ? ra : c);
		}
		if (!have && (r = read_at(log, off, hb + 8, BH)))
			return r;
		have = false;
		memcpy(&word, b, 8);
		rb.off = off;
		rb.used = (uint32_t)word;
		rb.crc = (uint32_t)(word >> 32);
		rb.first_object = b->objects;
		rb.first_event = b->events;
		rb.base_time = b->base_time;
		end = off + BH + rb.used;
		if (rb.used == 0)
			return (r = damaged(log, &rb)) ? r :
			       corrupt(log, "empty block at offset %llu",
				       (unsigned long long)off);
		if (pb)
			ok = b->seq == log->nblocks &&
			     rb.first_object >= pb->first_object &&
			     rb.first_object - pb->first_object <=
			     pb->used / 2 &&
			     rb.first_event >= pb->first_event &&
			     rb.first_event - pb->first_event <= pb->used / 4;
		else
			ok = b->seq == 0 && !rb.first_object &&
			     !rb.first_event && !rb.base_time;
		/* a word ahead of c (a writer between its two stores) may
		 * cover bytes of a file grown since it was mapped: not a
		 * block past the end if the file holds them now (they are
		 * read with pread(2)) */
		if (end > log->size && !(end > c && c <= log->size &&
					 !log->short_file &&
					 file_holds(log, end))) {
			if (!log->short_file && pb && (r = damaged(log, pb)))
				return r;
			if (!log->short_file)
				return corrupt(log, "block at offset %llu: "
					       "length %u runs past the end of "
					       "the file",
					       (unsigned long long)off,
					       rb.used);
			/* a truncated copy: its complete records, said to
			 * be unchecked (the checksum needs the whole) */
			rb.lim = (uint32_t)(log->size - off - BH);
			if (!ok)
				return corrupt(log, "block at offset %llu does "
					       "not follow the one before it "
					       "(number, objects, events or "
					       "base time)",
					       (unsigned long long)off);
			if ((r = add_block(log, &rb, rb.lim)))
				return r;
			log->tail_cut = true;
			*endp = c;
			return 0;
		}
		rb.lim = end < c ? rb.used : (uint32_t)(c - off - BH);
		if ((r = add_block(log, &rb, rb.used)))
			return r;
		if (!ok) {
			/* the header may be damaged: its checksum says */
			r = chain_error(log, log->nblocks - 1, off);
			log->nblocks--;
			return r;
		}
		if (end >= c) {
			if (end > c)
				snprintf(log->warning, sizeof(log->warning),
					 "ignoring %llu bytes of uncommitted "
					 "records after offset %llu",
					 (unsigned long long)(end - c),
					 (unsigned long long)c);
			*endp = c;
			return 0;
		}
		pad = (end + 7) & ~(uint64_t)7;
		if (pad >= c) {
			r = check_crc(log, log->nblocks - 1, NULL);
			return r ? r : corrupt(log, "committed length %llu at "
					       "offset 16 ends in the padding "
					       "after the block at offset "
					       "%llu", (unsigned long long)c,
					       (unsigned long long)off);
		}
		/* the padding, and the next header with it if it is there */
		n = pad - end;
		if (c - pad >= BH) {
			n += BH;
			have = true;
		}
		if ((r = read_at(log, end, hb + 8 - (pad - end), n)))
			return r;
		for (k = 0; k < pad - end; k++)
			if (hb[8 - (pad - end) + k])
				return (r = damaged(log, &rb)) ? r :
				       corrupt(log, "nonzero padding at "
					       "offset %llu",
					       (unsigned long long)(end + k));
		off = pad;
	}
	*endp = off < c ? off : c;
	return 0;
}

/*
 * The last block failed to decode and its word was ahead of the committed
 * length (a writer killed between its two stores): the bytes past the
 * committed length may have been discarded and written again by an APPEND
 * writer since the word was read (it rewrites the word first).  Read the
 * word again: if it changed and still covers the committed bytes, take it
 * and decode again (true); else the damage is real (false).  Only the
 * committed bytes are decoded either way.
 */
static bool retry_tail(struct bt_log *log, struct rblock *b)
{
	uint64_t word;
	uint32_t used, crc;

	if (log->tail_cut || b->used <= b->lim || !log->mapped ||
	    read_at(log, b->off, &word, sizeof(word)))
		return false;
	used = (uint32_t)word;
	crc = (uint32_t)(word >> 32);
	if ((used == b->used && crc == b->crc) || used < b->lim ||
	    b->off + BH + (uint64_t)used > log->size)
		return false;
	b->used = used;
	b->crc = crc;
	if (decode_need(used) > log->max_need)
		log->max_need = decode_need(used);
	return true;
}

/* Decode the last block for the writer state at the end of the log (what
 * APPEND continues from); a block cut short by a short file decodes as far
 * as its records are whole. */
static int decode_tail(struct bt_log *log)
{
	struct rblock *b;
	struct dres res;
	int r, tries;

	if (!log->nblocks) {
		memset(&log->tail, 0, sizeof(log->tail));
		log->tail_objects = 0;
		return 0;
	}
	b = blk_own(log, log->nblocks - 1);
	for (tries = 0;; tries++) {
		/* from where the last decode of it stopped, if it was
		 * the last block then too */
		r = hold_decode(log, log->nblocks - 1, &log->hcur,
				log->tail_cut);
		/* A word that changed is a writer at work, not damage
		 * (retry_tail() says no when it stays): a reader descheduled
		 * on a busy machine can see it change several times, so
		 * give up only after many (3 failed check_log's race test
		 * now and then under a parallel test run). */
		if (r != BT_ECORRUPT || tries == 64 || !retry_tail(log, b))
			break;
	}
	if (r)
		return r;
	res = log->hcur.st;
	if (log->tail_cut) {
		b->lim = res.good;
		snprintf(log->warning, sizeof(log->warning),
			 "log is %llu bytes, shorter than its committed "
			 "length %llu: reading up to the last complete "
			 "record; the records of the block at offset %llu, "
			 "cut short, are not checksummed",
			 (unsigned long long)log->size,
			 (unsigned long long)log->committed,
			 (unsigned long long)b->off);
	}
	log->tail.start = b->off;
	log->tail.used = b->lim;
	log->tail.seq = log->nblocks - 1;
	log->tail.prev_time = res.prev_time;
	log->tail.prev_cause = res.prev_cause;
	log->tail.prev_effect = res.prev_effect;
	log->tail.events = b->first_event + res.events;
	log->tail_objects = b->first_object + res.objects;
	return 0;
}

/* The block table handed in to bt_log_open_with_blocks(): borrowed, not
 * copied, and read here only where the walk starts again, at its last
 * entry, which must follow the entry before it.  The rest is checked a
 * block at a time, when a reader decodes it (blk_check(), decode_blk()):
 * a question on a log of 200 k blocks reads a few of them, and an open
 * that took the whole table took a tenth of its time. */
static int take_blocks(struct bt_log *log, const struct bt_log_blockinfo *bi,
		       uint32_t n, uint64_t c, uint64_t *next)
{
	uint64_t off = BT_LOG_HEADER_SIZE;
	uint32_t bad = n - 1;
	int r;

	if (n > 1) {
		const struct bt_log_blockinfo *p = &bi[n - 2];

		bad = n - 2;
		if (!p->used || BH + (uint64_t)p->used >= c ||
		    p->file_off >= c - BH - p->used)
			goto bad;
		off = (p->file_off + BH + p->used + 7) & ~(uint64_t)7;
		bad = n - 1;
	}
	if (bi[n - 1].file_off != off)
		goto bad;
	log->given = bi;
	log->ngiven = n - 1;
	log->nblocks = n - 1;
	if ((r = blocks_room(log, n)))
		return r;
	*next = off;
	return 0;
bad:
	return bt_error_set(BT_ECORRUPT, "the block table given for log '%s' "
			    "does not match it (block %u at offset %llu)",
			    log->path, bad,
			    (unsigned long long)bi[bad].file_off);
}

/*
 * The block table of a version 2 log up to its committed length, and its
 * last block decoded.  `bi` (n > 0): a table to start from.
 */
static int open_v2(struct bt_log *log, const struct bt_log_blockinfo *bi,
		   uint32_t n)
{
	uint64_t c = log->short_file ? log->size : log->committed;
	uint64_t off = BT_LOG_HEADER_SIZE, end;
	int r;

	if (n && (r = take_blocks(log, bi, n, c, &off)))
		return r;
	r = walk_blocks(log, off, c, &end);
	if (r)
		return r;
	if ((r = decode_tail(log)))
		return r;
	log->fend = end;
	if (log->short_file && log->fend < log->committed &&
	    !log->warning[0])
		snprintf(log->warning, sizeof(log->warning),
			 "log is %llu bytes, shorter than its committed "
			 "length %llu: reading up to the last complete block",
			 (unsigned long long)log->size,
			 (unsigned long long)log->committed);
	if (!log->short_file && !log->warning[0])
		torn_warning(log, log->committed);
	return 0;
}

/*
 * Decode every block into the image (bt_log_data()).  The image is an
 * anonymous mapping, reserved for the largest image the committed bytes
 * can decode to (MAP_NORESERVE: pages are only used as they are written).
 */
static int decode_all(struct bt_log *log)
{
	uint64_t est = 0;
	uint32_t i;
	int r;

	if (log->img_done || log->version < 2)
		return 0;
	if (log->img_err)
		return bt_error_set(log->img_err, "%s", log->img_msg ?
				    log->img_msg : "cannot decode the log");
	if (log->img) {
		munmap(log->img, log->img_cap);
		log->img = NULL;
	}
	log->img_cap = 0;
	log->img_ready = 0;
	log->end = 0;
	for (i = 0; i < log->nblocks; i++)
		est += 8 * (uint64_t)blk(log, i).lim;
	log->img_cap = est + log->max_need + 4096 + BT_LOG_HEADER_SIZE;
	if ((r = img_reserve(log, BT_LOG_HEADER_SIZE)))
		return r;
	memcpy(log->img, log->map, BT_LOG_HEADER_SIZE);
	log->end = BT_LOG_HEADER_SIZE;
	for (i = 0; i < log->nblocks; i++) {
		uint64_t need = decode_need(blk_span(log, i));
		struct dres res;
		size_t len;

		bt_log_read_ahead(log, 0, i);
		if ((r = img_reserve(log, need)))
			return r;
		r = decode_blk(log, i, log->img + log->end, need, &len, NULL,
			       false, &res, NULL);
		if (r)
			return r;
		log->end += len;
	}
	log->data = log->img;
	log->img_done = true;
	return 0;
}

int bt_log_decode_all(const struct bt_log *clog)
{
	/* the lazy image is the only state a const bt_log changes */
	struct bt_log *log = (struct bt_log *)clog;
	int r = decode_all(log);

	if (r == BT_ECORRUPT && !log->img_err) {
		/* a damaged log: say so again, without decoding it again */
		log->img_err = r;
		free(log->img_msg);
		log->img_msg = strdup(bt_error_msg());
	}
	return r;
}

/* Checks of the header and, for version 2, the block table. */
static int open_common(struct bt_log *log, const struct bt_log_blockinfo *bi,
		       uint32_t n)
{
	int r = check_header(log);

	if (r)
		return r;
	log->data = log->map;
	memcpy(&log->hdr0, log->map, BT_LOG_HEADER_SIZE);
	if (log->version >= 2) {
		log->end = BT_LOG_HEADER_SIZE;
		return open_v2(log, bi, n);
	}
	return 0;
}

/* Map the file again at its current size (it grew).  Nothing in the
 * bt_log points into the old mapping but bt_log_header()'s result. */
static int remap(struct bt_log *log, uint64_t nsize)
{
	void *m;

	if (nsize <= log->size)
		return 0;
	m = mremap((void *)log->map, log->size, nsize, MREMAP_MAYMOVE);
	if (m == MAP_FAILED)
		return bt_error_set_os(BT_EIO, "cannot map '%s'", log->path);
	log->map = m;
	log->size = nsize;
	if (log->version < 2 || !log->img_done)
		log->data = log->map;
	return 0;
}

static int open_path(struct bt_log **out, const char *path,
		     const struct bt_log_blockinfo *bi, uint32_t n)
{
	struct bt_log *log;
	struct stat st;
	void *m;
	int r, tries;

	*out = NULL;
	log = calloc(1, sizeof(*log));
	if (!log)
		return bt_error_set(BT_ENOMEM, "out of memory");
	log->fd = -1;
	log->path = strdup(path);
	if (!log->path) {
		free(log);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	log->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (log->fd < 0) {
		r = bt_error_set_os(errno == ENOENT ? BT_ENOTFOUND : BT_EIO,
				    "cannot open '%s'", path);
		goto fail;
	}
	if (fstat(log->fd, &st) < 0) {
		r = bt_error_set_os(BT_EIO, "cannot stat '%s'", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		r = bt_error_set(BT_EINVAL, "'%s' is not a regular file", path);
		goto fail;
	}
	log->dev = st.st_dev;
	log->ino = st.st_ino;
	log->size = (uint64_t)st.st_size;
	if (log->size < BT_LOG_HEADER_SIZE) {
		/* too short to map usefully; read what is there for the
		 * message */
		static const uint8_t zero[BT_LOG_HEADER_SIZE];
		uint8_t buf[BT_LOG_HEADER_SIZE];
		ssize_t nr = pread(log->fd, buf, sizeof(buf), 0);

		log->size = nr > 0 ? (uint64_t)nr : 0;
		log->map = log->size ? buf : zero;
		r = check_header(log);
		log->map = NULL;
		if (!r)
			r = corrupt(log, "header truncated");
		goto fail;
	}
	/* The whole file as fstat saw it; only what the header says is
	 * committed is read through it (see the top of this file). */
	m = mmap(NULL, log->size, PROT_READ, MAP_SHARED, log->fd, 0);
	if (m == MAP_FAILED) {
		r = bt_error_set_os(BT_EIO, "cannot map '%s'", path);
		goto fail;
	}
	log->map = m;
	log->mapped = true;
	/* A writer may have grown the file and committed past the size
	 * seen above: that is no short file, map it again. */
	for (tries = 0; tries < 4; tries++) {
		uint64_t c = __atomic_load_n(
			&((const struct bt_log_header *)log->map)->committed,
			__ATOMIC_ACQUIRE);

		if (c <= log->size || fstat(log->fd, &st) < 0 ||
		    (uint64_t)st.st_size <= log->size)
			break;
		if ((r = remap(log, (uint64_t)st.st_size)))
			goto fail;
	}
	r = open_common(log, bi, n);
	if (r)
		goto fail;
	*out = log;
	return 0;
fail:
	bt_log_close(log);
	return r;
}

int bt_log_open(struct bt_log **out, const char *path)
{
	return open_path(out, path, NULL, 0);
}

int bt_log_open_with_blocks(struct bt_log **out, const char *path,
			    const struct bt_log_blockinfo *blocks, uint32_t n)
{
	return open_path(out, path, blocks, n);
}

int bt_log_open_mem(struct bt_log **out, const void *data, size_t size)
{
	struct bt_log *log;
	int r;

	*out = NULL;
	log = calloc(1, sizeof(*log));
	if (!log)
		return bt_error_set(BT_ENOMEM, "out of memory");
	log->fd = -1;
	log->path = strdup("<memory>");
	if (!log->path) {
		free(log);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	/* Records are read in place as structs: they need 8-byte alignment. */
	if ((uintptr_t)data & 7) {
		log->copy = malloc(size ? size : 1);
		if (!log->copy) {
			bt_log_close(log);
			return bt_error_set(BT_ENOMEM, "out of memory");
		}
		memcpy(log->copy, data, size);
		data = log->copy;
	}
	log->map = data;
	log->size = size;
	r = open_common(log, NULL, 0);
	if (r) {
		bt_log_close(log);
		return r;
	}
	*out = log;
	return 0;
}

void bt_log_close(struct bt_log *log)
{
	if (!log)
		return;
	if (log->mapped)
		munmap((void *)log->map, log->size);
	if (log->fd >= 0)
		close(log->fd);
	free(log->copy);
	if (log->img)
		munmap(log->img, log->img_cap);
	free(log->blocks);
	free(log->crc_ok);
	free(log->hcur.out);
	free(log->hcur.lk);
	free(log->hprev.out);
	free(log->hprev.lk);
	free(log->hraw);
	free(log->img_msg);
	free(log->path);
	free(log);
}

const uint8_t *bt_log_data(const struct bt_log *log)
{
	if (log->version >= 2 && !log->img_done &&
	    bt_log_decode_all(log))
		return NULL;
	return log->data;
}

uint64_t bt_log_committed(const struct bt_log *log)
{
	if (log->version >= 2 && !log->img_done &&
	    bt_log_decode_all(log))
		return BT_LOG_HEADER_SIZE;
	return log->end;
}

uint64_t bt_log_file_size(const struct bt_log *log)
{
	return log->size;
}

uint64_t bt_log_file_end(const struct bt_log *log)
{
	return log->fend;
}

unsigned bt_log_version(const struct bt_log *log)
{
	return log->version;
}

uint32_t bt_log_blocks(const struct bt_log *log)
{
	return log->nblocks;
}

const struct bt_log_header *bt_log_header(const struct bt_log *log)
{
	return (const struct bt_log_header *)log->map;
}

const char *bt_log_warning(const struct bt_log *clog)
{
	/* the torn-tail scan a refresh left to now is the only state a
	 * const bt_log changes here */
	struct bt_log *log = (struct bt_log *)clog;

	if (log->torn_due) {
		log->torn_due = false;
		if (!log->warning[0] && !log->short_file)
			torn_warning(log, log->committed);
	}
	return log->warning[0] ? log->warning : NULL;
}

static void held_swap(struct bt_log *log)
{
	struct held t = log->hprev;

	log->hprev = log->hcur;
	log->hcur = t;
}

/*
 * Refresh: see log.h.  The order matters: the committed length is read
 * first (acquire), then the file's size, which a writer grows before it
 * commits into it, so the mapping always covers what is committed.
 */
int bt_log_refresh(struct bt_log *log, uint64_t *new_events)
{
	const struct bt_log_header *h;
	struct bt_log_header now;
	struct stat st, pst;
	uint64_t c, old_events, old_committed, end, off;
	uint32_t old_n = log->nblocks, last;
	struct rblock old_last;
	struct wblock old_tail = log->tail;
	uint32_t old_objects = log->tail_objects;
	char old_warning[sizeof(log->warning)];
	bool swapped = false, old_torn_due;
	int r;

	if (new_events)
		*new_events = 0;
	if (!log->mapped)
		return bt_error_set(BT_EINVAL, "log '%s' is in memory: "
				    "nothing to refresh", log->path);
	if (stat(log->path, &pst) == 0 &&
	    (pst.st_dev != log->dev || pst.st_ino != log->ino))
		return bt_error_set(BT_EINVAL, "log '%s' was replaced by "
				    "another file: open it again", log->path);
	h = (const void *)log->map;
	c = __atomic_load_n(&h->committed, __ATOMIC_ACQUIRE);
	if (fstat(log->fd, &st) < 0)
		return bt_error_set_os(BT_EIO, "cannot stat '%s'", log->path);
	if ((uint64_t)st.st_size < log->fend)
		return corrupt(log, "the file shrank to %llu bytes, below the "
			       "end of its records at %llu",
			       (unsigned long long)st.st_size,
			       (unsigned long long)log->fend);
	if ((r = remap(log, (uint64_t)st.st_size)))
		return r;
	h = (const void *)log->map;
	memcpy(&now, h, sizeof(now));
	now.committed = c;
	if (memcmp(now.magic, log->hdr0.magic, 8) ||
	    now.version != log->hdr0.version ||
	    now.created != log->hdr0.created ||
	    now.block_size != log->hdr0.block_size ||
	    now.hcrc != log->hdr0.hcrc)
		return corrupt(log, "the header changed since the log was "
			       "opened (the file was rewritten)");
	if (c < log->committed)
		return corrupt(log, "the committed length at offset 16 went "
			       "back from %llu to %llu",
			       (unsigned long long)log->committed,
			       (unsigned long long)c);
	if (c > log->size)
		return 0;  /* not yet: a writer grows the file first */
	if (log->short_file)
		return 0;  /* a cut copy does not grow */
	if (c == log->committed)
		return 0;
	if (log->version < 2) {
		if (c & 7)
			return corrupt(log, "bad committed length %llu at "
				       "offset 16", (unsigned long long)c);
		log->committed = c;
		log->end = c;
		log->fend = c;
		log->warning[0] = '\0';
		log->torn_due = true;
		return 0;
	}
	if ((r = check_header_v2(log, h, c))) {
		/* A writer closing meanwhile stores its close checksum
		 * (release) after the committed length it covers: if that
		 * moved on since it was read, take it at the next refresh
		 * (a reader racing a close read it as damage). */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (h->ccrc && __atomic_load_n(&h->committed,
					       __ATOMIC_ACQUIRE) != c)
			return 0;
		return r;
	}
	/* Version 2: the last block again (it may have grown), then the
	 * blocks after it. */
	memcpy(old_warning, log->warning, sizeof(old_warning));
	old_torn_due = log->torn_due;
	log->torn_due = false;
	old_committed = log->committed;
	old_events = log->tail.events;
	log->warning[0] = '\0';
	off = BT_LOG_HEADER_SIZE;
	last = 0;
	if (old_n) {
		last = old_n - 1;
		old_last = *blk_own(log, last);
		off = old_last.off;
		log->nblocks = last;
	}
	log->committed = c;
	r = walk_blocks(log, off, c, &end);
	if (!r && old_n) {
		/* the table's own copy, or old_last if the walk found none */
		const struct rblock *b = log->nblocks > last ?
					 blk_own(log, last) : &old_last;
		/* Only what was committed when it was read is the log's: a
		 * word that was ahead of it (a writer killed between its two
		 * stores) covered bytes an APPEND writer may since have
		 * discarded and written again, so the word may now be
		 * shorter, or as long with another checksum. */
		bool ahead = old_last.used > old_last.lim;

		if (log->nblocks <= last ||
		    b->used < (ahead ? old_last.lim : old_last.used) ||
		    (!ahead && b->used == old_last.used &&
		     b->crc != old_last.crc) ||
		    b->first_object != old_last.first_object ||
		    b->first_event != old_last.first_event ||
		    b->base_time != old_last.base_time)
			r = corrupt(log, "the block at offset %llu changed "
				    "since it was read",
				    (unsigned long long)old_last.off);
	}
	if (!r && old_n && log->nblocks > old_n &&
	    log->hcur.block == old_n) {
		/* the last block is last no more: the rest of it, for a
		 * reader taking it (bt_log_block_held()) */
		r = hold_decode(log, last, &log->hcur, false);
		if (!r) {
			held_swap(log);
			swapped = true;
		}
	}
	if (!r)
		r = decode_tail(log);
	if (r) {
		/* as before the call; what is held stays held (a block
		 * changed under us is found again by the next try, not
		 * decoded again from its start as if it were new) */
		if (swapped)
			held_swap(log);
		log->nblocks = old_n;
		if (old_n)
			*blk_own(log, last) = old_last;
		log->committed = old_committed;
		log->tail = old_tail;
		log->tail_objects = old_objects;
		memcpy(log->warning, old_warning, sizeof(old_warning));
		log->torn_due = old_torn_due;
		return r;
	}
	log->fend = end;
	/* the torn tail, when asked (bt_log_warning()): the scan reads up
	 * to 1 MiB past the committed end, most of a refresh's time when a
	 * follower takes a few thousand events at a time */
	if (!log->warning[0])
		log->torn_due = true;
	log->img_err = 0;
	if (log->img_done) {
		/* the image covers what was there: decode again on demand */
		munmap(log->img, log->img_cap);
		log->img = NULL;
		log->img_cap = 0;
		log->img_ready = 0;
		log->img_done = false;
		log->data = log->map;
		log->end = BT_LOG_HEADER_SIZE;
	}
	if (new_events)
		*new_events = log->tail.events - old_events;
	return 0;
}

static void log_tail(const struct bt_log *log, unsigned *version,
		     uint32_t *block_size, struct wblock *b, uint64_t *end)
{
	*version = log->version;
	memset(b, 0, sizeof(*b));
	if (log->version < 2)
		return;
	*block_size = log->block_size;
	*b = log->tail;
	*end = log->fend;
}

int bt_log_verify(const struct bt_log *log, struct bt_log_stats *st)
{
	const struct bt_log_header *h = bt_log_header(log);
	bool closed = h->flags & BT_LOGF_CLOSED;
	uint64_t torn;
	int r = bt_log_stats(log, st);

	if (r)
		return r;
	if (!closed)
		return 0;
	/* A closed log ends exactly at its committed length: anything else
	 * is damage to the log or to its committed length.  (A copy
	 * shorter than that is not: the warning says it is incomplete.) */
	if (log->short_file)
		return 0;
	if (log->fend != log->committed)
		return corrupt(log, "committed length %llu at offset 16 is "
			       "not the end of the last record (%llu)",
			       (unsigned long long)log->committed,
			       (unsigned long long)log->fend);
	torn = tail_scan(log, log->committed, 0);
	if (torn > log->committed)
		return corrupt(log, "closed log has %llu bytes of data after "
			       "its committed end at offset %llu",
			       (unsigned long long)(torn - log->committed),
			       (unsigned long long)log->committed);
	return 0;
}

void bt_log_iter_init(struct bt_log_iter *it, const struct bt_log *log)
{
	memset(it, 0, sizeof(*it));
	it->log = log;
	it->off = BT_LOG_HEADER_SIZE;
	it->at = BT_LOG_HEADER_SIZE;
	it->end = log->end;
	if (log->version >= 2 && !log->img_done) {
		it->stream = true;
		it->end = UINT64_MAX;
	}
}

void bt_log_iter_release(struct bt_log_iter *it)
{
	free(it->kinds);
	it->kinds = NULL;
	it->kinds_cap = 0;
	free(it->buf);
	it->buf = NULL;
	it->buf_cap = 0;
	it->bpos = it->blen = 0;
}

/* Decode the iterator's next block into its buffer: block it->block, or
 * the block it holds again if it grew (bt_log_refresh()), continuing
 * after the records already returned.  0 at the end. */
static int refill(struct bt_log_iter *it)
{
	const struct bt_log *log = it->log;
	struct rblock bb;
	const struct rblock *b = &bb;
	uint32_t i;
	struct dres res;
	uint64_t need;
	size_t len;
	int r;

	if (it->block && it->block <= log->nblocks &&
	    blk(log, it->block - 1).lim > it->blim)
		i = it->block - 1;      /* it grew: the new records */
	else if (it->block < log->nblocks)
		i = it->block;
	else
		return 0;
	bb = blk(log, i);
	if (i == it->block && b->first_object != it->nobjects)
		return chain_error(log, i, b->off);
	bt_log_read_ahead(log, 0, i);
	need = decode_need(blk_span(log, i));
	if (need > it->buf_cap) {
		size_t cap = need > BT_LOG_BLOCK_DECODED_MAX ? (size_t)need :
			     BT_LOG_BLOCK_DECODED_MAX;
		uint8_t *n;

		if (need > SIZE_MAX / 2)
			return bt_error_set(BT_ENOMEM, "out of memory");
		n = malloc(cap);
		if (!n)
			return bt_error_set(BT_ENOMEM, "out of memory");
		free(it->buf);
		it->buf = n;
		it->buf_cap = cap;
	}
	/* the kinds of every earlier block's objects */
	if ((r = kinds_reserve(&it->kinds, &it->kinds_cap,
			       (uint64_t)b->first_object + 1)))
		return r;
	r = decode_blk(log, i, it->buf, it->buf_cap, &len, it->kinds, false,
		       &res, NULL);
	if (r)
		return r;
	if (i == it->block) {
		it->bpos = 0;
		it->block++;
	} else {
		/* the same records again, then the new ones */
		it->bpos = it->blen;
	}
	it->blen = len;
	it->blim = b->lim;
	return 1;
}

/* Version 2, one block at a time: the records were checked when their
 * block was decoded; only the kind table is kept here. */
static int next_stream(struct bt_log_iter *it, const struct bt_rec_head **out)
{
	const struct bt_rec_head *h;
	uint32_t len;
	int r;

	while (unlikely(it->bpos >= it->blen)) {
		r = refill(it);
		if (r <= 0) {
			if (r == 0)
				it->end = it->off;
			return r;
		}
	}
	h = (const void *)(it->buf + it->bpos);
	if (likely(h->type == BT_REC_EVENT)) {
		len = EVENT_SIZE;
	} else {
		len = h->len;
		if (bt_rec_is_object(h->type)) {
			uint32_t id = it->nobjects + 1;

			r = kinds_reserve(&it->kinds, &it->kinds_cap,
					  (uint64_t)id + 1);
			if (r)
				return r;
			it->kinds[id] = (uint8_t)h->type;
			it->nobjects = id;
		}
	}
	it->at = it->off;
	it->off += len;
	it->bpos += len;
	it->end = UINT64_MAX;
	*out = h;
	return 1;
}

/* A record that does not fit before the end: the end of a truncated copy
 * (stop there, the warning says so), else corruption. */
static int past_end(struct bt_log_iter *it, uint64_t len)
{
	if (it->log->short_file) {
		it->end = it->off;
		return 0;
	}
	return corrupt_it(it, "bad record length %llu at offset %llu",
		       (unsigned long long)len, (unsigned long long)it->off);
}

/* Explain why the event at it->off failed the fast path. */
static int bad_event(struct bt_log_iter *it, const struct bt_rec_event *e)
{
	unsigned long long off = it->off;
	unsigned ck, ek;

	if (e->op == 0 || e->op > BT_OP_MAX)
		return corrupt_it(it, "bad op %u in event at offset %llu",
			       e->op, off);
	if (e->cause == 0 || e->cause > it->nobjects)
		return corrupt_it(it, "event at offset %llu refers to "
			       "undefined object %u (cause)", off, e->cause);
	if (e->effect == 0 || e->effect > it->nobjects)
		return corrupt_it(it, "event at offset %llu refers to "
			       "undefined object %u (effect)", off, e->effect);
	ck = it->kinds[e->cause];
	ek = it->kinds[e->effect];
	if (!bt_op_kinds_ok(e->op, ck, ek))
		return corrupt_it(it, "op '%s' cannot join a %s to a %s "
			       "in event at offset %llu", op_names[e->op],
			       kname(ck), kname(ek), off);
	if (!e->time)
		return corrupt_it(it, "time 0 in event at offset %llu", off);
	return corrupt_it(it, "op '%s' aux %u is not a region in event at "
		       "offset %llu", op_names[e->op], e->aux, off);
}

/* The string at record offset `so` must fit in the record with its NUL. */
static int check_str(struct bt_log_iter *it, const struct bt_rec_head *h,
		     uint32_t so)
{
	const struct bt_rec_str *s = (const void *)((const uint8_t *)h + so);

	if ((uint64_t)so + 4 + s->len + 1 > h->len)
		return corrupt_it(it, "bad string length %u at offset %llu",
			       s->len, (unsigned long long)(it->off + so));
	if (s->s[s->len] != '\0')
		return corrupt_it(it, "missing NUL after string at offset "
			       "%llu", (unsigned long long)(it->off + so + 4 +
							    s->len));
	return 0;
}

/* An object reference inside a record at record offset `fo`. */
static int check_ref(struct bt_log_iter *it, uint32_t id, unsigned kind,
		     uint32_t fo)
{
	unsigned have;

	if (id == 0 || id > it->nobjects)
		return corrupt_it(it, "reference to undefined object %u at "
			       "offset %llu", id,
			       (unsigned long long)(it->off + fo));
	have = it->kinds[id];
	if (have != kind)
		return corrupt_it(it, "object %u referenced at offset %llu "
			       "is a %s, not a %s", id,
			       (unsigned long long)(it->off + fo), kname(have),
			       kname(kind));
	return 0;
}

static int check_id(struct bt_log_iter *it, uint32_t id)
{
	if (id != it->nobjects + 1u || id == 0)
		return corrupt_it(it, "object id %u out of sequence at "
			       "offset %llu (expected %u)", id,
			       (unsigned long long)(it->off + 8),
			       it->nobjects + 1u);
	return 0;
}

static const uint32_t min_len[BT_REC_TYPE_MAX + 1] = {
	[BT_REC_PROCESS] = sizeof(struct bt_rec_process),
	[BT_REC_FILE] = sizeof(struct bt_rec_file),
	[BT_REC_FILENAME] = offsetof(struct bt_rec_filename, path.s) + 1,
	[BT_REC_PAGE] = sizeof(struct bt_rec_page),
	[BT_REC_ENDPOINT] = offsetof(struct bt_rec_endpoint, addr.s) + 1,
	[BT_REC_REGION] = sizeof(struct bt_rec_region),
	[BT_REC_LABEL] = offsetof(struct bt_rec_label, value.s) + 1,
	[BT_REC_NOTE] = offsetof(struct bt_rec_note, text.s) + 1,
	[BT_REC_SEAL] = sizeof(struct bt_rec_seal),
};

static int next_slow(struct bt_log_iter *it, const struct bt_rec_head **out)
{
	const struct bt_rec_head *h =
		(const void *)(it->log->data + it->off);
	unsigned long long off = it->off;
	unsigned kind = 0;
	uint32_t id = 0;
	int r = 0;

	if (h->type == BT_REC_EVENT) {
		/* the fast path found it did not fit */
		return past_end(it, EVENT_SIZE);
	}
	if (h->type == 0 || h->type > BT_REC_TYPE_MAX)
		return corrupt_it(it, "unknown record type %u at offset %llu",
			       h->type, off);
	if (h->x != 0)
		return corrupt_it(it, "bad record head (x=%u) at offset %llu",
			       h->x, off);
	if (h->len < ((min_len[h->type] + 7) & ~7u) || (h->len & 7))
		return corrupt_it(it, "bad record length %u at offset %llu",
			       h->len, off);
	if (h->len > it->end - it->off)
		return past_end(it, h->len);

	switch (h->type) {
	case BT_REC_PROCESS:
	case BT_REC_FILE:
		id = ((const struct bt_rec_process *)h)->id;
		kind = h->type;
		break;
	case BT_REC_FILENAME:
	case BT_REC_ENDPOINT:
		id = ((const struct bt_rec_filename *)h)->id;
		kind = h->type;
		r = check_str(it, h, offsetof(struct bt_rec_filename, path));
		break;
	case BT_REC_PAGE: {
		const struct bt_rec_page *p = (const void *)h;

		id = p->id;
		kind = BT_OBJ_PAGE;
		r = check_ref(it, p->file, BT_OBJ_FILE,
			      offsetof(struct bt_rec_page, file));
		break;
	}
	case BT_REC_REGION: {
		const struct bt_rec_region *g = (const void *)h;

		id = g->id;
		kind = BT_OBJ_REGION;
		r = check_ref(it, g->file, BT_OBJ_FILE,
			      offsetof(struct bt_rec_region, file));
		if (!r)
			r = check_ref(it, g->process, BT_OBJ_PROCESS,
				      offsetof(struct bt_rec_region, process));
		break;
	}
	case BT_REC_LABEL: {
		const struct bt_rec_label *l = (const void *)h;
		unsigned lk = label_kind(l->key);

		if (!lk)
			return corrupt_it(it, "bad label key %u at offset "
				       "%llu", l->key,
				       off + offsetof(struct bt_rec_label,
						      key));
		r = check_ref(it, l->object, lk,
			      offsetof(struct bt_rec_label, object));
		if (!r)
			r = check_str(it, h,
				      offsetof(struct bt_rec_label, value));
		break;
	}
	case BT_REC_NOTE: {
		const struct bt_rec_note *n = (const void *)h;

		if (n->key < BT_NOTE_SOURCE || n->key > BT_NOTE_TEXT)
			return corrupt_it(it, "bad note key %u at offset "
				       "%llu", n->key,
				       off + offsetof(struct bt_rec_note, key));
		r = check_str(it, h, offsetof(struct bt_rec_note, text));
		break;
	}
	case BT_REC_SEAL: {
		const struct bt_rec_seal *s = (const void *)h;

		if (s->len > h->len - sizeof(*s) || s->reserved)
			return corrupt_it(it, "bad seal length %u at offset "
				       "%llu", s->len, off);
		break;
	}
	}
	if (r)
		return r;
	if (kind) {
		r = check_id(it, id);
		if (r)
			return r;
		r = kinds_reserve(&it->kinds, &it->kinds_cap,
				  (uint64_t)id + 1);
		if (r)
			return r;
		it->kinds[id] = (uint8_t)kind;
		it->nobjects = id;
	}
	it->at = it->off;
	it->off += h->len;
	*out = h;
	return 1;
}

int bt_log_next(struct bt_log_iter *it, const struct bt_rec_head **out)
{
	const struct bt_rec_event *e;
	uint64_t off = it->off;
	uint32_t n = it->nobjects;
	uint32_t c, f;

	if (it->stream)
		return next_stream(it, out);
	if (unlikely(off >= it->end)) {
		if (it->log->version >= 2 && !it->log->img_done)
			return bt_error_set(BT_EINVAL, "log '%s' was refreshed "
					    "under an iterator of its decoded "
					    "records", it->log->path);
		if (it->end >= it->log->end)
			return 0;
		it->end = it->log->end;   /* v1, refreshed */
	}
	e = (const void *)(it->log->data + off);
	/* Fast path: an event that fits, op and kinds in the table, known
	 * objects, nonzero time, and aux a region (or 0) where it names one. */
	if (likely(e->type == BT_REC_EVENT && it->end - off >= EVENT_SIZE)) {
		c = e->cause;
		f = e->effect;
		if (likely(c - 1u < n && f - 1u < n &&
			   ((op_kinds[e->op] >> (it->kinds[c] * 8 +
						 it->kinds[f])) & 1) &&
			   e->time != 0 &&
			   (!op_aux_region(e->op) || e->aux == 0 ||
			    (e->aux <= n &&
			     it->kinds[e->aux] == BT_OBJ_REGION)))) {
			it->at = off;
			it->off = off + EVENT_SIZE;
			*out = (const struct bt_rec_head *)e;
			return 1;
		}
		return bad_event(it, e);
	}
	return next_slow(it, out);
}

int bt_log_stats(const struct bt_log *log, struct bt_log_stats *out)
{
	return bt_log_stats_notes(log, out, NULL, NULL);
}

int bt_log_stats_notes(const struct bt_log *log, struct bt_log_stats *out,
		       int (*note)(void *arg, const struct bt_rec_note *n),
		       void *arg)
{
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	int r;

	memset(out, 0, sizeof(*out));
	bt_log_iter_init(&it, log);
	while ((r = bt_log_next(&it, &h)) == 1) {
		out->records++;
		out->by_type[h->type]++;
		if (h->type == BT_REC_NOTE && note &&
		    (r = note(arg, (const struct bt_rec_note *)h)))
			break;
		if (h->type == BT_REC_EVENT) {
			const struct bt_rec_event *e = (const void *)h;

			out->events++;
			out->by_op[e->op]++;
			if (!out->first_time || e->time < out->first_time)
				out->first_time = e->time;
			if (e->time > out->last_time)
				out->last_time = e->time;
		}
	}
	out->objects = it.nobjects;
	out->bytes = (log->version >= 2 ? log->fend : it.off) -
		     BT_LOG_HEADER_SIZE;
	out->blocks = log->nblocks;
	bt_log_iter_release(&it);
	return r < 0 ? r : 0;
}

/* ---- upgrade ---------------------------------------------------------- */

int bt_log_append_record(struct bt_log_writer *w,
			 const struct bt_rec_head *h)
{
	switch (h->type) {
	case BT_REC_EVENT: {
		const struct bt_rec_event *e = (const void *)h;

		return bt_log_append_event(w, e->op, e->flags, e->aux, e->time,
					   e->cause, e->effect);
	}
	case BT_REC_PROCESS: {
		const struct bt_rec_process *p = (const void *)h;

		return bt_log_append_process(w, p->id, p->pid, p->start,
					     p->ppid, p->uid);
	}
	case BT_REC_FILE: {
		const struct bt_rec_file *f = (const void *)h;

		return bt_log_append_file(w, f->id, f->flags, f->dev, f->ino);
	}
	case BT_REC_FILENAME: {
		const struct bt_rec_filename *f = (const void *)h;

		return bt_log_append_filename(w, f->id, f->path.s,
					      f->path.len);
	}
	case BT_REC_ENDPOINT: {
		const struct bt_rec_endpoint *f = (const void *)h;

		return bt_log_append_endpoint(w, f->id, f->addr.s,
					      f->addr.len);
	}
	case BT_REC_PAGE: {
		const struct bt_rec_page *p = (const void *)h;

		return bt_log_append_page(w, p->id, p->file, p->index);
	}
	case BT_REC_REGION: {
		const struct bt_rec_region *g = (const void *)h;

		return bt_log_append_region(w, g->id, g->file, g->process,
					    g->prot, g->first, g->count);
	}
	case BT_REC_LABEL: {
		const struct bt_rec_label *l = (const void *)h;

		return bt_log_append_label(w, l->object, l->key, l->time,
					   l->value.s, l->value.len);
	}
	case BT_REC_NOTE: {
		const struct bt_rec_note *n = (const void *)h;

		return bt_log_append_note(w, n->key, n->time, n->text.s,
					  n->text.len);
	}
	case BT_REC_SEAL: {
		const struct bt_rec_seal *z = (const void *)h;

		return bt_log_append_seal(w, z->data, z->len);
	}
	}
	return bt_error_set(BT_EINVAL, "unknown record type %u", h->type);
}

/* Record length of a canonical record. */
static uint32_t rec_len(const struct bt_rec_head *h)
{
	return h->type == BT_REC_EVENT ? EVENT_SIZE : h->len;
}

/* Compare the canonical records of two logs, one by one. */
static int same_records(const struct bt_log *a, const struct bt_log *b,
			const char *out)
{
	struct bt_log_iter ia, ib;
	const struct bt_rec_head *ha, *hb;
	uint64_t n = 0;
	int ra, rb, r = 0;

	bt_log_iter_init(&ia, a);
	bt_log_iter_init(&ib, b);
	for (;; n++) {
		ra = bt_log_next(&ia, &ha);
		rb = bt_log_next(&ib, &hb);
		if (ra < 0 || rb < 0) {
			r = ra < 0 ? ra : rb;
			break;
		}
		if (ra != rb || (ra == 1 && (rec_len(ha) != rec_len(hb) ||
		    memcmp(ha, hb, rec_len(ha))))) {
			r = bt_error_set(BT_ECORRUPT, "record %llu of '%s' "
					 "differs from the original's: the "
					 "original has bytes no writer "
					 "writes (nonzero padding or reserved "
					 "fields)", (unsigned long long)n,
					 out);
			break;
		}
		if (ra == 0)
			break;
	}
	bt_log_iter_release(&ia);
	bt_log_iter_release(&ib);
	return r;
}

int bt_log_upgrade(const struct bt_log *in, const char *out, unsigned flags,
		   struct bt_log_stats *st)
{
	struct bt_log_writer *w = NULL;
	struct bt_log *check = NULL;
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	uint64_t n = 0;
	int r;

	r = bt_log_writer_open(&w, out, BT_LOGW_CREATE |
			       (flags & (BT_LOGW_TRUNC | BT_LOGW_V1)));
	if (r)
		return r;
	bt_log_writer_set_created(w, bt_log_header(in)->created);
	bt_log_iter_init(&it, in);
	while ((r = bt_log_next(&it, &h)) == 1) {
		r = bt_log_append_record(w, h);
		if (r)
			break;
		if (!(++n & 0xffff))
			bt_log_writer_commit(w);
	}
	bt_log_iter_release(&it);
	if (r) {
		bt_log_writer_abort(w);
		unlink(out);
		return r;
	}
	bt_log_writer_set_flags(w, bt_log_header(in)->flags &
			       BT_LOGF_OBJ_LEVEL);
	r = bt_log_writer_close(w);
	if (!r)
		r = bt_log_open(&check, out);
	if (!r)
		r = same_records(in, check, out);
	if (!r && st)
		r = bt_log_stats(check, st);
	bt_log_close(check);
	if (r)
		unlink(out);
	return r;
}
