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
		return BT_OBJ_PROCESS;
	case BT_LABEL_PATH:
		return BT_OBJ_FILE;
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
	r = posix_fallocate(w->fd, (off_t)w->cap, (off_t)(ncap - w->cap));
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
	free(w->path);
	free(w);
}

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
	__atomic_store_n(&whdr(w)->committed, end, __ATOMIC_RELEASE);
	w->csize = end;
	w->cobjects = w->objects;
	whdr(w)->flags &= ~(uint32_t)BT_LOGF_CLOSED;
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

/* The header of a new log, written with pwrite before the file grows: a
 * file of this size or more always starts with a valid header. */
static int write_header(struct bt_log_writer *w)
{
	struct bt_log_header hdr;

	memset(&hdr, 0, sizeof(hdr));
	memcpy(hdr.magic, BT_LOG_MAGIC, sizeof(hdr.magic));
	hdr.version = BT_LOG_VERSION;
	hdr.flags = 0;
	hdr.created = now_ns();
	hdr.header_size = BT_LOG_HEADER_SIZE;
	hdr.committed = BT_LOG_HEADER_SIZE;
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
	r = write_header(w);
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
	if (w->size + len > w->cap) {
		r = reserve(w, w->size + len);
		if (r)
			return r;
	}
	h = (struct bt_rec_head *)(w->map + w->size);
	memset(h, 0, len);
	h->type = type;
	h->x = 0;
	h->len = (uint32_t)len;
	*(void **)out = h;
	return 0;
}

static void rec_end(struct bt_log_writer *w, const void *rec)
{
	w->size += ((const struct bt_rec_head *)rec)->len;
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
	rec_end(w, p);
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
	rec_end(w, f);
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
	rec_end(w, f);
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
	rec_end(w, p);
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
	rec_end(w, g);
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
	rec_end(w, l);
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
	rec_end(w, n);
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
	rec_end(w, s);
	return 0;
}

void bt_log_writer_commit(struct bt_log_writer *w)
{
	__atomic_store_n(&whdr(w)->committed, w->size, __ATOMIC_RELEASE);
	w->csize = w->size;
	w->cobjects = w->objects;
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
	if (w->size > w->csize)
		memset(w->map + w->csize, 0, w->size - w->csize);
	w->size = w->csize;
	w->objects = w->cobjects;
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

int bt_log_writer_close(struct bt_log_writer *w)
{
	int r = 0, r2;

	if (!w)
		return 0;
	bt_log_writer_commit(w);
	bt_log_writer_set_flags(w, BT_LOGF_CLOSED);
	if (munmap(w->map, w->cap) < 0 && !r)
		r = bt_error_set_os(BT_EIO, "cannot unmap log '%s'", w->path);
	w->map = NULL;
	r2 = finish_file(w);
	if (!r)
		r = r2;
	writer_free(w);
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

struct bt_log {
	const uint8_t *data;
	uint64_t size;        /* file size */
	uint64_t committed;   /* the header's value, read once at open */
	uint64_t end;         /* min(committed, size rounded down to 8) */
	bool short_file;      /* size < committed: stop at the last complete
	                         record instead of reporting corruption */
	bool mapped;          /* data is our mapping (else borrowed/copy) */
	void *copy;           /* owned aligned copy for bt_log_open_mem */
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

static int check_header(struct bt_log *log)
{
	const struct bt_log_header *h = (const void *)log->data;
	uint64_t committed, torn;

	if (log->size < 8 || memcmp(h->magic, BT_LOG_MAGIC, 8))
		return bt_error_set(BT_ECORRUPT, "'%s' is not a btrack log "
				    "(bad magic at offset 0)", log->path);
	if (log->size < BT_LOG_HEADER_SIZE)
		return corrupt(log, "header truncated at offset %llu",
			       (unsigned long long)log->size);
	if (h->version != BT_LOG_VERSION)
		return bt_error_set(BT_EVERSION, "log '%s' has format version "
				    "%u; this btrack reads version %u",
				    log->path, h->version, BT_LOG_VERSION);
	if (h->header_size != BT_LOG_HEADER_SIZE)
		return corrupt(log, "bad header size %u at offset 32",
			       h->header_size);
	committed = __atomic_load_n(&h->committed, __ATOMIC_ACQUIRE);
	if (committed < BT_LOG_HEADER_SIZE || (committed & 7))
		return corrupt(log, "bad committed length %llu at offset 16",
			       (unsigned long long)committed);
	log->committed = committed;
	if (committed > log->size) {
		log->short_file = true;
		log->end = log->size & ~(uint64_t)7;
		snprintf(log->warning, sizeof(log->warning),
			 "log is %llu bytes, shorter than its committed "
			 "length %llu: reading up to the last complete record",
			 (unsigned long long)log->size,
			 (unsigned long long)committed);
		return 0;
	}
	log->end = committed;
	/* Report whole 8-byte units: records are 8-byte aligned. */
	torn = (last_nonzero(log->data, committed, log->size) + 7) &
	       ~(uint64_t)7;
	if (torn > log->size)
		torn = log->size;
	if (torn > committed)
		snprintf(log->warning, sizeof(log->warning),
			 "ignoring %llu bytes of uncommitted records after "
			 "offset %llu", (unsigned long long)(torn - committed),
			 (unsigned long long)committed);
	return 0;
}

int bt_log_open(struct bt_log **out, const char *path)
{
	struct bt_log *log;
	struct stat st;
	void *m;
	int fd, r;

	*out = NULL;
	log = calloc(1, sizeof(*log));
	if (!log)
		return bt_error_set(BT_ENOMEM, "out of memory");
	log->path = strdup(path);
	if (!log->path) {
		free(log);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = bt_error_set_os(errno == ENOENT ? BT_ENOTFOUND : BT_EIO,
				    "cannot open '%s'", path);
		goto fail;
	}
	if (fstat(fd, &st) < 0) {
		r = bt_error_set_os(BT_EIO, "cannot stat '%s'", path);
		goto fail_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		r = bt_error_set(BT_EINVAL, "'%s' is not a regular file", path);
		goto fail_fd;
	}
	log->size = (uint64_t)st.st_size;
	if (log->size < BT_LOG_HEADER_SIZE) {
		/* too short to map usefully; read what is there for the
		 * message */
		static const uint8_t zero[BT_LOG_HEADER_SIZE];
		uint8_t buf[BT_LOG_HEADER_SIZE];
		ssize_t n = pread(fd, buf, sizeof(buf), 0);

		log->size = n > 0 ? (uint64_t)n : 0;
		log->data = log->size ? buf : zero;
		r = check_header(log);
		log->data = NULL;
		goto fail_fd;
	}
	m = mmap(NULL, log->size, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		r = bt_error_set_os(BT_EIO, "cannot map '%s'", path);
		goto fail_fd;
	}
	close(fd);
	log->data = m;
	log->mapped = true;
	r = check_header(log);
	if (r)
		goto fail;
	*out = log;
	return 0;
fail_fd:
	close(fd);
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
	log->data = data;
	log->size = size;
	r = check_header(log);
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
		munmap((void *)log->data, log->size);
	free(log->copy);
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

const struct bt_log_header *bt_log_header(const struct bt_log *log)
{
	return (const struct bt_log_header *)log->data;
}

const char *bt_log_warning(const struct bt_log *log)
{
	return log->warning[0] ? log->warning : NULL;
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
	return corrupt(it->log, "bad record length %llu at offset %llu",
		       (unsigned long long)len, (unsigned long long)it->off);
}

/* Explain why the event at it->off failed the fast path. */
static int bad_event(struct bt_log_iter *it, const struct bt_rec_event *e)
{
	unsigned long long off = it->off;
	unsigned ck, ek;

	if (e->op == 0 || e->op > BT_OP_MAX)
		return corrupt(it->log, "bad op %u in event at offset %llu",
			       e->op, off);
	if (e->cause == 0 || e->cause > it->nobjects)
		return corrupt(it->log, "event at offset %llu refers to "
			       "undefined object %u (cause)", off, e->cause);
	if (e->effect == 0 || e->effect > it->nobjects)
		return corrupt(it->log, "event at offset %llu refers to "
			       "undefined object %u (effect)", off, e->effect);
	ck = it->kinds[e->cause];
	ek = it->kinds[e->effect];
	if (!bt_op_kinds_ok(e->op, ck, ek))
		return corrupt(it->log, "op '%s' cannot join a %s to a %s "
			       "in event at offset %llu", op_names[e->op],
			       kname(ck), kname(ek), off);
	if (!e->time)
		return corrupt(it->log, "time 0 in event at offset %llu", off);
	return corrupt(it->log, "op '%s' aux %u is not a region in event at "
		       "offset %llu", op_names[e->op], e->aux, off);
}

/* The string at record offset `so` must fit in the record with its NUL. */
static int check_str(struct bt_log_iter *it, const struct bt_rec_head *h,
		     uint32_t so)
{
	const struct bt_rec_str *s = (const void *)((const uint8_t *)h + so);

	if ((uint64_t)so + 4 + s->len + 1 > h->len)
		return corrupt(it->log, "bad string length %u at offset %llu",
			       s->len, (unsigned long long)(it->off + so));
	if (s->s[s->len] != '\0')
		return corrupt(it->log, "missing NUL after string at offset "
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
		return corrupt(it->log, "reference to undefined object %u at "
			       "offset %llu", id,
			       (unsigned long long)(it->off + fo));
	have = it->kinds[id];
	if (have != kind)
		return corrupt(it->log, "object %u referenced at offset %llu "
			       "is a %s, not a %s", id,
			       (unsigned long long)(it->off + fo), kname(have),
			       kname(kind));
	return 0;
}

static int check_id(struct bt_log_iter *it, uint32_t id)
{
	if (id != it->nobjects + 1u || id == 0)
		return corrupt(it->log, "object id %u out of sequence at "
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
		return corrupt(it->log, "unknown record type %u at offset %llu",
			       h->type, off);
	if (h->x != 0)
		return corrupt(it->log, "bad record head (x=%u) at offset %llu",
			       h->x, off);
	if (h->len < ((min_len[h->type] + 7) & ~7u) || (h->len & 7))
		return corrupt(it->log, "bad record length %u at offset %llu",
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
			return corrupt(it->log, "bad label key %u at offset "
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
			return corrupt(it->log, "bad note key %u at offset "
				       "%llu", n->key,
				       off + offsetof(struct bt_rec_note, key));
		r = check_str(it, h, offsetof(struct bt_rec_note, text));
		break;
	}
	case BT_REC_SEAL: {
		const struct bt_rec_seal *s = (const void *)h;

		if (s->len > h->len - sizeof(*s) || s->reserved)
			return corrupt(it->log, "bad seal length %u at offset "
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
	out->bytes = it.off - BT_LOG_HEADER_SIZE;
	bt_log_iter_release(&it);
	return r < 0 ? r : 0;
}
