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
 * (varints, deltas) into checksummed blocks; the reader checks each block's
 * CRC-32C and decodes every block into one buffer of canonical (version 1
 * layout) records when the log is opened, so that bt_log_data() and the
 * pointers bt_log_next() returns look the same for both versions.  A
 * version 1 log is read in place.  The writer writes version 1 only when
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
	[BT_OP_CHOWN] = "chown",
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
#ifdef MADV_POPULATE_WRITE
	/* Fault the new chunk in now, in one call, rather than one page
	 * fault per 4 KiB on the hot path.  Only an optimisation. */
	if (w->map)
		madvise((uint8_t *)m + w->cap, ncap - w->cap,
			MADV_POPULATE_WRITE);
#endif
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

/* One version 2 block, as the reader found it (for messages, `log info`,
 * and the block index a later reader may build). */
struct rblock {
	uint64_t off;        /* file offset of its header */
	uint64_t img;        /* offset of its first record in the image */
};

struct bt_log {
	const uint8_t *map;   /* the file's mapping, or the borrowed bytes */
	const uint8_t *data;  /* the records: map (v1) or img (v2) */
	uint64_t size;        /* file size (of the mapping) */
	uint64_t committed;   /* the header's value, read once at open */
	uint64_t end;         /* end of the records in `data` */
	uint64_t fend;        /* end of the records in the file (v1: end) */
	unsigned version;
	int fd;               /* for pread(2) of the tail; -1 for memory */
	bool short_file;      /* size < committed: stop at the last complete
	                         record (v2: block) instead of reporting
	                         corruption */
	bool mapped;          /* map is our mapping (else borrowed/copy) */
	void *copy;           /* owned aligned copy for bt_log_open_mem */
	uint8_t *img;         /* v2: header copy + decoded records, owned */
	uint64_t img_cap;     /* its mapped size */
	uint64_t img_ready;   /* bytes of it populated, <= img_cap */
	struct rblock *blocks;
	uint32_t nblocks, blocks_cap;
	uint32_t block_size;
	struct wblock tail;   /* v2: the last block's encoder state at fend */
	char *path;           /* for messages; "<memory>" for open_mem */
	char warning[256];
};

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

static inline bool get_varint(const uint8_t **pp, const uint8_t *end,
			      uint64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	unsigned sh = 0;

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
#ifdef MADV_POPULATE_WRITE
	if (ncap > log->img_ready)
		madvise(log->img + log->img_ready, ncap - log->img_ready,
			MADV_POPULATE_WRITE);
#endif
	log->img_ready = ncap;
	return 0;
}

/* Decoder state across blocks and within one. */
struct dstate {
	uint64_t last_time;   /* the last event's time in the log so far */
	uint64_t events;
	uint32_t objects;
	uint64_t prev_time;   /* within the block */
	uint32_t prev_cause, prev_effect;
};

static int bad_rec(struct bt_log *log, const uint8_t *rec, uint64_t blk,
		   const char *what)
{
	return corrupt(log, "%s in the record at offset %llu (block at "
		       "offset %llu)", what,
		       (unsigned long long)(rec - log->map),
		       (unsigned long long)blk);
}

/* Append a string record's canonical form: `fixed` bytes up to the
 * string's u32 length (filled by the caller from *out), then the bytes. */
static int img_str(struct bt_log *log, size_t fixed, const uint8_t *s,
		   uint32_t len, struct bt_rec_head **out)
{
	uint64_t rl = ((uint64_t)fixed + len + 1 + 7) & ~(uint64_t)7;
	struct bt_rec_head *h;
	int r;

	if (rl > UINT32_MAX)
		return bt_error_set(BT_ECORRUPT, "record too long");
	if ((r = img_reserve(log, rl)))
		return r;
	h = (void *)(log->img + log->end);
	memset(h, 0, rl);
	h->len = (uint32_t)rl;
	memcpy((uint8_t *)h + fixed - 4, &len, 4);
	if (len)
		memcpy((uint8_t *)h + fixed, s, len);
	*out = h;
	return 0;
}

/*
 * Decode the records in [p, lim) of the block at file offset `blk` into
 * the image, in canonical form.  Bounds are checked here; what the records
 * mean (kinds, references, strings) is checked by bt_log_next() on the
 * image, as for version 1.
 */
static int decode_block(struct bt_log *log, struct dstate *st,
			const uint8_t *p, const uint8_t *lim, uint64_t blk)
{
	while (p < lim) {
		const uint8_t *rec = p;
		uint8_t tag = *p++;
		struct bt_rec_head *h;
		uint64_t zt, zc, ze, v64;
		uint32_t len, u, id = st->objects + 1;
		int r;

		if (likely(!(tag & TAG_REC))) {
			struct bt_rec_event *e;
			uint32_t aux = 0;
			uint8_t fl = 0;

			if (unlikely(!(tag & EV_OP)))
				return bad_rec(log, rec, blk, "bad tag 0x00");
			if (unlikely(!get_varint(&p, lim, &zt) ||
				     !get_varint(&p, lim, &zc) ||
				     !get_varint(&p, lim, &ze) ||
				     zc > UINT32_MAX || ze > UINT32_MAX))
				return bad_rec(log, rec, blk, "bad event");
			if (tag & EV_AUX && !get_u32(&p, lim, &aux))
				return bad_rec(log, rec, blk, "bad event aux");
			if (tag & EV_FLAGS) {
				if (p >= lim)
					return bad_rec(log, rec, blk,
						       "truncated event");
				fl = *p++;
			}
			if (unlikely(log->end + EVENT_SIZE > log->img_ready) &&
			    (r = img_reserve(log, EVENT_SIZE)))
				return r;
			e = (void *)(log->img + log->end);
			e->type = BT_REC_EVENT;
			e->op = tag & EV_OP;
			e->flags = fl;
			e->aux = aux;
			e->time = st->prev_time + unzz64(zt);
			e->cause = st->prev_cause + unzz32((uint32_t)zc);
			e->effect = st->prev_effect + unzz32((uint32_t)ze);
			st->prev_time = e->time;
			st->prev_cause = e->cause;
			st->prev_effect = e->effect;
			st->last_time = e->time;
			st->events++;
			log->end += EVENT_SIZE;
			continue;
		}
		switch (tag & ~TAG_REC) {
		case BT_REC_PROCESS: {
			struct bt_rec_process *q;
			uint32_t pid, ppid, uid1;

			if (!get_u32(&p, lim, &pid) ||
			    !get_varint(&p, lim, &zt) ||
			    !get_u32(&p, lim, &ppid) ||
			    !get_u32(&p, lim, &uid1))
				return bad_rec(log, rec, blk, "bad process");
			if ((r = img_reserve(log, sizeof(*q))))
				return r;
			q = (void *)(log->img + log->end);
			memset(q, 0, sizeof(*q));
			q->h.type = BT_REC_PROCESS;
			q->h.len = sizeof(*q);
			q->id = id;
			q->pid = pid;
			q->start = st->prev_time + unzz64(zt);
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
			    !get_varint(&p, lim, &ino))
				return bad_rec(log, rec, blk, "bad file");
			if ((r = img_reserve(log, sizeof(*f))))
				return r;
			f = (void *)(log->img + log->end);
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
		case BT_REC_ENDPOINT:
			if (!get_u32(&p, lim, &len) ||
			    len > (uint64_t)(lim - p))
				return bad_rec(log, rec, blk, "bad string");
			r = img_str(log, offsetof(struct bt_rec_filename,
						  path.s), p, len, &h);
			if (r)
				return r;
			p += len;
			h->type = tag & ~TAG_REC;
			((struct bt_rec_filename *)h)->id = id;
			break;
		case BT_REC_PAGE: {
			struct bt_rec_page *g;

			if (!get_u32(&p, lim, &u) || !get_varint(&p, lim, &v64))
				return bad_rec(log, rec, blk, "bad page");
			if ((r = img_reserve(log, sizeof(*g))))
				return r;
			g = (void *)(log->img + log->end);
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
			    !get_varint(&p, lim, &count))
				return bad_rec(log, rec, blk, "bad region");
			if ((r = img_reserve(log, sizeof(*g))))
				return r;
			g = (void *)(log->img + log->end);
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
			struct bt_rec_label *l;
			uint32_t key;

			if (!get_u32(&p, lim, &key) || !get_u32(&p, lim, &u) ||
			    !get_varint(&p, lim, &zt) ||
			    !get_u32(&p, lim, &len) ||
			    len > (uint64_t)(lim - p))
				return bad_rec(log, rec, blk, "bad label");
			r = img_str(log, offsetof(struct bt_rec_label, value.s),
				    p, len, &h);
			if (r)
				return r;
			p += len;
			h->type = BT_REC_LABEL;
			l = (void *)h;
			l->object = st->objects - u;
			l->key = key;
			l->time = st->prev_time + unzz64(zt);
			break;
		}
		case BT_REC_NOTE: {
			struct bt_rec_note *o;
			uint32_t key;

			if (!get_u32(&p, lim, &key) ||
			    !get_varint(&p, lim, &v64) ||
			    !get_u32(&p, lim, &len) ||
			    len > (uint64_t)(lim - p))
				return bad_rec(log, rec, blk, "bad note");
			r = img_str(log, offsetof(struct bt_rec_note, text.s),
				    p, len, &h);
			if (r)
				return r;
			p += len;
			h->type = BT_REC_NOTE;
			o = (void *)h;
			o->key = key;
			o->time = v64;
			break;
		}
		case BT_REC_SEAL: {
			uint64_t rl;

			if (!get_u32(&p, lim, &len) ||
			    len > (uint64_t)(lim - p))
				return bad_rec(log, rec, blk, "bad seal");
			rl = (sizeof(struct bt_rec_seal) + (uint64_t)len + 7) &
			     ~(uint64_t)7;
			if ((r = img_reserve(log, rl)))
				return r;
			h = (void *)(log->img + log->end);
			memset(h, 0, rl);
			h->type = BT_REC_SEAL;
			h->len = (uint32_t)rl;
			((struct bt_rec_seal *)h)->len = len;
			memcpy(((struct bt_rec_seal *)h)->data, p, len);
			p += len;
			break;
		}
		default: {
			char m[32];

			snprintf(m, sizeof(m), "bad tag 0x%02x", tag);
			return bad_rec(log, rec, blk, m);
		}
		}
		if (bt_rec_is_object(h->type))
			st->objects = id;
		log->end += h->len;
	}
	return 0;
}

static int add_block(struct bt_log *log, uint64_t off)
{
	if (log->nblocks == log->blocks_cap) {
		uint32_t ncap = log->blocks_cap ? log->blocks_cap * 2 : 64;
		struct rblock *n;

		if (ncap < log->blocks_cap)
			return bt_error_set(BT_ELIMIT, "too many blocks");
		n = realloc(log->blocks, (size_t)ncap * sizeof(*n));
		if (!n)
			return bt_error_set(BT_ENOMEM, "out of memory");
		log->blocks = n;
		log->blocks_cap = ncap;
	}
	log->blocks[log->nblocks].off = off;
	log->blocks[log->nblocks].img = log->end;
	log->nblocks++;
	return 0;
}

/*
 * Check and decode every block up to the committed length C into the
 * image.  Each block's header word is read once (acquire); its CRC is
 * checked before any of its bytes are decoded.  A block whose word ends
 * past C (a writer between its two stores, or killed there) is checked
 * over all of its bytes, which exist (the writer wrote them first), and
 * decoded up to C only.
 */
static int decode_v2(struct bt_log *log)
{
	uint64_t c = log->short_file ? log->size : log->committed;
	uint64_t off = BT_LOG_HEADER_SIZE, est;
	struct dstate st = { 0 };
	int r;

	/* at most 12 image bytes per committed byte (a filename with an
	 * empty path: 2 bytes encoded, 24 decoded) */
	est = (c - off) * 12 + 4096;
	/* reserve the address space (the image grows in it); pages come as
	 * records are written */
	log->end = 0;
	log->img_cap = est;
	if ((r = img_reserve(log, BT_LOG_HEADER_SIZE)))
		return r;
	memcpy(log->img, log->map, BT_LOG_HEADER_SIZE);
	log->end = BT_LOG_HEADER_SIZE;
	while (off < c) {
		const struct bt_log_block *b = (const void *)(log->map + off);
		uint64_t word, end, lim, pad;
		uint32_t used, crc;
		bool cut = false;

		if (c - off < BH) {
			if (log->short_file)
				break;
			return corrupt(log, "committed length %llu at offset "
				       "16 cuts the block header at offset "
				       "%llu", (unsigned long long)c,
				       (unsigned long long)off);
		}
		word = __atomic_load_n((const uint64_t *)b, __ATOMIC_ACQUIRE);
		used = (uint32_t)word;
		crc = (uint32_t)(word >> 32);
		end = off + BH + used;
		if (used == 0)
			return corrupt(log, "empty block at offset %llu",
				       (unsigned long long)off);
		if (end > log->size) {
			if (!log->short_file)
				return corrupt(log, "block at offset %llu: "
					       "length %u runs past the end of "
					       "the file",
					       (unsigned long long)off, used);
			/* a truncated copy: its complete records, said to
			 * be unchecked (the checksum needs the whole) */
			cut = true;
		}
		if (!cut && bt_crc32c(0, (const uint8_t *)b + 8,
				      BH - 8 + (size_t)used) != crc)
			return corrupt(log, "checksum mismatch in the block at "
				       "offset %llu (%u bytes)",
				       (unsigned long long)off, used);
		if (b->seq != log->nblocks || b->objects != st.objects ||
		    b->events != st.events || b->base_time != st.last_time)
			return corrupt(log, "block at offset %llu does not "
				       "follow the one before it (number, "
				       "objects, events or base time)",
				       (unsigned long long)off);
		if ((r = add_block(log, off)))
			return r;
		st.prev_time = st.last_time;
		st.prev_cause = 0;
		st.prev_effect = 0;
		lim = end < c ? end : c;
		r = decode_block(log, &st, log->map + off + BH,
				 log->map + lim, off);
		if (cut) {
			/* up to the last record that decoded whole */
			snprintf(log->warning, sizeof(log->warning),
				 "log is %llu bytes, shorter than its "
				 "committed length %llu: reading up to the "
				 "last complete record; the records of the "
				 "block at offset %llu, cut short, are not "
				 "checksummed", (unsigned long long)log->size,
				 (unsigned long long)log->committed,
				 (unsigned long long)off);
			off = c;
			break;
		}
		if (r)
			return r;
		log->tail.start = off;
		log->tail.used = (uint32_t)(lim - off - BH);
		log->tail.seq = b->seq;
		log->tail.prev_time = st.prev_time;
		log->tail.prev_cause = st.prev_cause;
		log->tail.prev_effect = st.prev_effect;
		log->tail.events = st.events;
		if (end >= c) {
			if (end > c)
				snprintf(log->warning, sizeof(log->warning),
					 "ignoring %llu bytes of uncommitted "
					 "records after offset %llu",
					 (unsigned long long)(end - c),
					 (unsigned long long)c);
			off = lim;
			break;
		}
		pad = (end + 7) & ~(uint64_t)7;
		if (pad >= c)
			return corrupt(log, "committed length %llu at offset "
				       "16 ends in the padding after the "
				       "block at offset %llu",
				       (unsigned long long)c,
				       (unsigned long long)off);
		for (; end < pad; end++)
			if (log->map[end])
				return corrupt(log, "nonzero padding at "
					       "offset %llu",
					       (unsigned long long)end);
		off = pad;
	}
	if (!log->nblocks)
		log->tail.prev_time = 0;
	log->fend = off < c ? off : c;
	if (log->short_file && log->fend < log->committed &&
	    !log->warning[0])
		snprintf(log->warning, sizeof(log->warning),
			 "log is %llu bytes, shorter than its committed "
			 "length %llu: reading up to the last complete block",
			 (unsigned long long)log->size,
			 (unsigned long long)log->committed);
	if (!log->short_file && !log->warning[0])
		torn_warning(log, log->committed);
	log->data = log->img;
	return 0;
}

/* Checks of the header and, for version 2, of every block. */
static int open_common(struct bt_log *log)
{
	int r = check_header(log);

	if (r)
		return r;
	log->data = log->map;
	if (log->version >= 2)
		return decode_v2(log);
	return 0;
}

int bt_log_open(struct bt_log **out, const char *path)
{
	struct bt_log *log;
	struct stat st;
	void *m;
	int r;

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
	log->size = (uint64_t)st.st_size;
	if (log->size < BT_LOG_HEADER_SIZE) {
		/* too short to map usefully; read what is there for the
		 * message */
		static const uint8_t zero[BT_LOG_HEADER_SIZE];
		uint8_t buf[BT_LOG_HEADER_SIZE];
		ssize_t n = pread(log->fd, buf, sizeof(buf), 0);

		log->size = n > 0 ? (uint64_t)n : 0;
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
	r = open_common(log);
	if (r)
		goto fail;
	*out = log;
	return 0;
fail:
	bt_log_close(log);
	return r;
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
	r = open_common(log);
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
	free(log->path);
	free(log);
}

const uint8_t *bt_log_data(const struct bt_log *log)
{
	return log->data;
}

uint64_t bt_log_committed(const struct bt_log *log)
{
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

int bt_log_block(const struct bt_log *log, uint32_t i, uint64_t *file_off,
		 uint64_t *data_off)
{
	if (i >= log->nblocks)
		return bt_error_set(BT_EINVAL, "no block %u (%u blocks)", i,
				    log->nblocks);
	*file_off = log->blocks[i].off;
	*data_off = log->blocks[i].img;
	return 0;
}

const struct bt_log_header *bt_log_header(const struct bt_log *log)
{
	return (const struct bt_log_header *)log->map;
}

const char *bt_log_warning(const struct bt_log *log)
{
	return log->warning[0] ? log->warning : NULL;
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
	it->end = log->end;
}

void bt_log_iter_release(struct bt_log_iter *it)
{
	free(it->kinds);
	it->kinds = NULL;
	it->kinds_cap = 0;
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

	if (unlikely(off >= it->end))
		return 0;
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
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	int r;

	memset(out, 0, sizeof(*out));
	bt_log_iter_init(&it, log);
	while ((r = bt_log_next(&it, &h)) == 1) {
		out->records++;
		out->by_type[h->type]++;
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

/* Append the canonical record h to w through the appenders (which check
 * it again). */
static int copy_record(struct bt_log_writer *w, const struct bt_rec_head *h)
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
		r = copy_record(w, h);
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
