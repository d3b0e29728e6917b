/*
 * auditd.c - the Linux audit log importer (see auditd.h for what it reads
 * and what each syscall becomes; man/btrack-import.1 for the user's view).
 *
 * Records are grouped into events by (time, serial) in a fixed table of
 * open events, each with a fixed string arena: nothing is allocated per
 * line or per event.  Per-process fd tables (fd -> path or remote address,
 * learnt from open/connect/accept results) live in one hash map with a
 * string arena that grows only when a new path is learnt.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "../core/error.h"
#include "../core/hash.h"
#include "../core/util.h"
#include "auditd.h"

#define MAX_SLOTS  256     /* events open or waiting at once */
#define REORDER_N  128     /* completed events held back for ordering */
#define REORDER_NS 2000000000ULL  /* ... or for at most this long */
#define ARENA      32768   /* string bytes per event */
#define MAX_ITEMS  8       /* PATH records per event */
#define MAX_ARGS   256     /* EXECVE arguments kept */
#define MAX_LINE   (1 << 20)
#define FIELD_MAX  8192    /* a decoded field's bytes */
#define MAX_WOPEN  8       /* files a process holds open for writing */

/* x86-64 syscall numbers btrack maps. */
enum {
	SYS_read = 0, SYS_write = 1, SYS_open = 2, SYS_mmap = 9,
	SYS_pread64 = 17, SYS_pwrite64 = 18, SYS_readv = 19, SYS_writev = 20,
	SYS_dup = 32, SYS_dup2 = 33, SYS_connect = 42, SYS_accept = 43,
	SYS_sendto = 44, SYS_recvfrom = 45, SYS_sendmsg = 46,
	SYS_recvmsg = 47, SYS_clone = 56, SYS_fork = 57, SYS_vfork = 58,
	SYS_execve = 59, SYS_truncate = 76, SYS_ftruncate = 77,
	SYS_rename = 82, SYS_creat = 85, SYS_link = 86, SYS_unlink = 87,
	SYS_symlink = 88, SYS_openat = 257, SYS_unlinkat = 263,
	SYS_renameat = 264, SYS_linkat = 265, SYS_symlinkat = 266,
	SYS_accept4 = 288, SYS_dup3 = 292, SYS_renameat2 = 316,
	SYS_execveat = 322, SYS_clone3 = 435, SYS_openat2 = 437
};

static const struct { const char *name; int nr; } sysnames[] = {
	{ "read", SYS_read }, { "write", SYS_write }, { "open", SYS_open },
	{ "mmap", SYS_mmap }, { "pread64", SYS_pread64 },
	{ "pwrite64", SYS_pwrite64 }, { "readv", SYS_readv },
	{ "writev", SYS_writev }, { "dup", SYS_dup }, { "dup2", SYS_dup2 },
	{ "connect", SYS_connect }, { "accept", SYS_accept },
	{ "sendto", SYS_sendto }, { "recvfrom", SYS_recvfrom },
	{ "sendmsg", SYS_sendmsg }, { "recvmsg", SYS_recvmsg },
	{ "clone", SYS_clone }, { "fork", SYS_fork }, { "vfork", SYS_vfork },
	{ "execve", SYS_execve }, { "truncate", SYS_truncate },
	{ "ftruncate", SYS_ftruncate }, { "rename", SYS_rename },
	{ "creat", SYS_creat }, { "link", SYS_link }, { "unlink", SYS_unlink },
	{ "symlink", SYS_symlink }, { "openat", SYS_openat },
	{ "unlinkat", SYS_unlinkat }, { "renameat", SYS_renameat },
	{ "linkat", SYS_linkat }, { "symlinkat", SYS_symlinkat },
	{ "accept4", SYS_accept4 }, { "dup3", SYS_dup3 },
	{ "renameat2", SYS_renameat2 }, { "execveat", SYS_execveat },
	{ "clone3", SYS_clone3 }, { "openat2", SYS_openat2 },
};

enum rtype {
	R_OTHER, R_SYSCALL, R_EXECVE, R_CWD, R_PATH, R_PROCTITLE, R_SOCKADDR,
	R_FD_PAIR, R_MMAP, R_EOE
};

static const struct { const char *name; enum rtype t; } rtypes[] = {
	{ "SYSCALL", R_SYSCALL }, { "EXECVE", R_EXECVE }, { "CWD", R_CWD },
	{ "PATH", R_PATH }, { "PROCTITLE", R_PROCTITLE },
	{ "SOCKADDR", R_SOCKADDR }, { "FD_PAIR", R_FD_PAIR },
	{ "MMAP", R_MMAP }, { "EOE", R_EOE },
};

enum nametype { NT_NONE, NT_NORMAL, NT_PARENT, NT_CREATE, NT_DELETE,
		NT_UNKNOWN };

struct item {
	uint32_t name;       /* arena offset + 1, 0 = none */
	enum nametype nt;
	int has_ino;
	uint64_t ino, dev;
};

struct arg {
	uint32_t off;        /* arena offset + 1 */
	uint32_t len, cap;
};

/*
 * An event's slot is free, open (records still arriving) or done (its EOE
 * came; waiting to be ingested in time order).  Audit stamps an event at
 * syscall entry but writes it at exit, so a vfork is written after its
 * child has exec'd and run: completed events are held back and released
 * oldest first (by time, then serial) once more than REORDER_N wait or
 * the oldest is REORDER_NS older than the newest record.
 */
enum { SLOT_FREE = 0, SLOT_OPEN = 1, SLOT_DONE = 2 };

struct aev {
	int used;            /* SLOT_* */
	uint64_t time, serial, seq;
	int has_syscall;
	int sysno;
	int success;
	int64_t exit;
	uint64_t a[4];
	uint32_t pid, ppid, uid;
	uint32_t comm, exe, cwd, sockaddr;
	int has_mmap;
	int64_t mmap_fd;
	uint64_t mmap_flags;
	int has_fdpair;
	int64_t fd0, fd1;
	struct item items[MAX_ITEMS];
	int nitems;
	int argc;            /* from EXECVE argc=, -1 if none */
	struct arg args[MAX_ARGS];
	int nargs;
	char arena[ARENA];
	uint32_t alen;
};

struct bt_auditd {
	struct bt_ingest *ing;
	struct aev *ev;      /* MAX_SLOTS */
	size_t ndone;        /* slots completed, waiting to be ingested */
	uint64_t max_time;   /* latest record time seen */
	uint64_t seq;
	struct bt_auditd_stats st;
	/* fd tables: key (pid << 32 | fd) -> index + 1 into strs */
	struct bt_u64map fds;
	/* Files each process opened for writing, most recent last: pid ->
	 * index + 1 into wopen (a pool that grows with new processes). */
	struct bt_u64map wmap;
	struct wopen { uint32_t n; uint32_t str[MAX_WOPEN]; } *wopen;
	size_t nwopen, wopen_cap;
	/* pid -> index + 1 into seen_ms: the millisecond the process that now
	 * has this pid was first seen (by a fork, or as an actor). */
	struct bt_u64map seen;
	uint64_t *seen_ms;
	size_t nseen, seen_cap;
	char *strs;
	size_t strs_len, strs_cap;
	char line[FIELD_MAX * 2];   /* scratch for one decoded field */
	char path[8192];            /* scratch for joined paths */
	char path2[8192];
	const char *argv[MAX_ARGS];
};

/* ---- small parsers ----------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_u64(const char *s, size_t n, int base, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 20)
		return -1;
	for (i = 0; i < n; i++) {
		int d = base == 16 ? hexval(s[i]) :
			(s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);
		if (d < 0)
			return -1;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -1;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*out = v;
	return 0;
}

static int parse_i64(const char *s, size_t n, int64_t *out)
{
	uint64_t v;
	int neg = n && s[0] == '-';

	if (parse_u64(s + neg, n - (size_t)neg, 10, &v) || v > INT64_MAX)
		return -1;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

/*
 * Decode an audit string value: "quoted" (taken as is), (null), or hex.
 * Writes at most cap-1 bytes and a NUL into out; *trunc set if cut.
 * Returns the decoded length, or -1 if the value is neither form.
 */
static long decode_str(const char *v, size_t n, char *out, size_t cap,
		       int *trunc)
{
	size_t i, k = 0;

	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		for (i = 1; i + 1 < n; i++) {
			if (k + 1 >= cap) {
				*trunc = 1;
				break;
			}
			out[k++] = v[i];
		}
		out[k] = '\0';
		return (long)k;
	}
	if (n == 6 && !memcmp(v, "(null)", 6))
		return -1;
	if (n % 2)
		return -1;
	for (i = 0; i + 1 < n; i += 2) {
		int h = hexval(v[i]), l = hexval(v[i + 1]);

		if (h < 0 || l < 0)
			return -1;
		if (k + 1 >= cap) {
			*trunc = 1;
			break;
		}
		out[k++] = (char)(h << 4 | l);
	}
	out[k] = '\0';
	return (long)k;
}

/* ---- per-event storage --------------------------------------------------- */

/* Copy bytes into the event's arena; returns offset + 1, or 0 if full. */
static uint32_t arena_put(struct bt_auditd *a, struct aev *e, const char *s,
			  size_t n)
{
	uint32_t off;

	if (n + 1 > ARENA - e->alen) {
		a->st.truncated++;
		return 0;
	}
	off = e->alen;
	memcpy(e->arena + off, s, n);
	e->arena[off + n] = '\0';
	e->alen += (uint32_t)n + 1;
	return off + 1;
}

static const char *astr(const struct aev *e, uint32_t ref)
{
	return ref ? e->arena + ref - 1 : NULL;
}

static struct aev *event_find(struct bt_auditd *a, uint64_t time,
			      uint64_t serial, int create, int *err);

/* ---- the fd table -------------------------------------------------------- */

static int fd_set_str(struct bt_auditd *a, uint32_t pid, int64_t fd,
		      const char *s)
{
	size_t n = strlen(s) + 1;
	int r;

	if (fd < 0 || fd > INT32_MAX || !pid)
		return 0;
	if (a->strs_len + n > UINT32_MAX - 1)
		return 0;  /* table full: forget, do not fail the import */
	r = bt_grow(&a->strs, &a->strs_cap, a->strs_len + n, 1);
	if (r)
		return r;
	memcpy(a->strs + a->strs_len, s, n);
	r = bt_u64map_put(&a->fds, (uint64_t)pid << 32 | (uint64_t)fd,
			  (uint32_t)a->strs_len + 1);
	a->strs_len += n;
	return r;
}

static const char *fd_get(const struct bt_auditd *a, uint32_t pid,
			  int64_t fd)
{
	uint32_t v;

	if (fd < 0 || fd > INT32_MAX)
		return NULL;
	v = bt_u64map_get(&a->fds, (uint64_t)pid << 32 | (uint64_t)fd);
	return v ? a->strs + v - 1 : NULL;
}

/*
 * Audit logs opens, not write(2): a file opened for writing may receive
 * anything the process reads afterwards, until it exits (closes are not
 * logged either).  So a process's read or exec is followed by a write to
 * each file it holds open for writing, at the same time; without that, a
 * redirection opened before the program runs (sh -c 'cat a > b') would
 * write b before cat read a, and the walk would rightly not connect them.
 */
static int wopen_add(struct bt_auditd *a, uint32_t pid, const char *path)
{
	uint32_t v = bt_u64map_get(&a->wmap, pid), off, i;
	struct wopen *w;
	size_t n = strlen(path) + 1;
	int r;

	if (a->strs_len + n > UINT32_MAX - 1)
		return 0;
	if (!v) {
		r = bt_grow(&a->wopen, &a->wopen_cap, a->nwopen + 1,
			    sizeof(*a->wopen));
		if (!r)
			r = bt_u64map_put(&a->wmap, pid,
					  (uint32_t)a->nwopen + 1);
		if (r)
			return r;
		a->wopen[a->nwopen].n = 0;
		v = (uint32_t)++a->nwopen;
	}
	w = &a->wopen[v - 1];
	for (i = 0; i < w->n; i++)
		if (!strcmp(a->strs + w->str[i], path))
			return 0;
	r = bt_grow(&a->strs, &a->strs_cap, a->strs_len + n, 1);
	if (r)
		return r;
	off = (uint32_t)a->strs_len;
	memcpy(a->strs + off, path, n);
	a->strs_len += n;
	if (w->n == MAX_WOPEN) {
		memmove(w->str, w->str + 1, (MAX_WOPEN - 1) * sizeof(*w->str));
		w->n--;
	}
	w->str[w->n++] = off;
	return 0;
}

static int add(struct bt_auditd *a, const struct bt_obs *o);

/* A child inherits its parent's open files (a redirection set up by the
 * shell before fork).  A pid reused by a new process starts empty. */
static int wopen_inherit(struct bt_auditd *a, uint32_t parent,
			 uint32_t child)
{
	uint32_t pv = bt_u64map_get(&a->wmap, parent);
	uint32_t cv = bt_u64map_get(&a->wmap, child);
	int r;

	if (!pv && cv) {
		a->wopen[cv - 1].n = 0;
		return 0;
	}
	if (!pv)
		return 0;
	if (!cv) {
		r = bt_grow(&a->wopen, &a->wopen_cap, a->nwopen + 1,
			    sizeof(*a->wopen));
		if (!r)
			r = bt_u64map_put(&a->wmap, child,
					  (uint32_t)a->nwopen + 1);
		if (r)
			return r;
		cv = (uint32_t)++a->nwopen;
	}
	a->wopen[cv - 1] = a->wopen[pv - 1];
	return 0;
}

/* After process `pid` read something at `time`: it may have written it
 * into every file it holds open for writing. */
static int wopen_flow(struct bt_auditd *a, const struct bt_obs *base)
{
	uint32_t v = bt_u64map_get(&a->wmap, base->pid), i;
	struct bt_obs o;
	int r = 0;

	if (!v)
		return 0;
	for (i = 0; !r && i < a->wopen[v - 1].n; i++) {
		o = *base;
		o.op = BT_RAW_WRITE;
		o.path = a->strs + a->wopen[v - 1].str[i];
		o.has_ino = false;
		o.bytes = 0;
		o.argv = NULL;
		o.argc = 0;
		r = add(a, &o);
	}
	return r;
}

/* ---- paths ----------------------------------------------------------------- */

/* Join base and name and fold "." and ".." lexically into out. */
static const char *join_path(char *out, size_t cap, const char *base,
			     const char *name)
{
	char tmp[8192];
	size_t k = 0, i, n;
	int r;

	if (name[0] == '/' || !base)
		r = snprintf(tmp, sizeof(tmp), "%s", name);
	else
		r = snprintf(tmp, sizeof(tmp), "%s/%s", base, name);
	if (r < 0 || (size_t)r >= sizeof(tmp) || tmp[0] != '/')
		return NULL;
	n = (size_t)r;
	out[k++] = '/';
	for (i = 0; i < n;) {
		size_t j;

		while (i < n && tmp[i] == '/')
			i++;
		for (j = i; j < n && tmp[j] != '/'; j++)
			;
		if (j == i)
			break;
		if (j - i == 1 && tmp[i] == '.') {
			;
		} else if (j - i == 2 && tmp[i] == '.' && tmp[i + 1] == '.') {
			while (k > 1 && out[k - 1] != '/')
				k--;
			if (k > 1)
				k--;
		} else {
			if (k > 1)
				out[k++] = '/';
			if (k + (j - i) + 1 >= cap)
				return NULL;
			memcpy(out + k, tmp + i, j - i);
			k += j - i;
		}
		i = j;
	}
	out[k] = '\0';
	return out;
}

/* The path of PATH item i, made absolute against dirfd's path or cwd. */
static const char *item_path(struct bt_auditd *a, const struct aev *e,
			     int i, int64_t dirfd, char *out, size_t cap)
{
	const char *name = astr(e, e->items[i].name), *base;

	if (!name || !*name)
		return NULL;
	base = astr(e, e->cwd);
	if (name[0] != '/' && dirfd >= 0) {
		const char *d = fd_get(a, e->pid, dirfd);

		if (d && d[0] == '/')
			base = d;
	}
	return join_path(out, cap, base, name);
}

/* The last item of the given name types, or -1. */
static int find_item(const struct aev *e, unsigned mask, int from_end)
{
	int i;

	if (from_end) {
		for (i = e->nitems - 1; i >= 0; i--)
			if (mask & (1u << e->items[i].nt))
				return i;
	} else {
		for (i = 0; i < e->nitems; i++)
			if (mask & (1u << e->items[i].nt))
				return i;
	}
	return -1;
}

#define M(nt) (1u << (nt))

/* ---- turning an event into observations --------------------------------- */

static void obs_base(struct bt_obs *o, const struct aev *e)
{
	bt_obs_init(o);
	o->time = e->time;
	o->pid = e->pid;
	o->ppid = e->ppid;
	o->uid = e->uid;
	o->comm = astr(e, e->comm);
	o->exe = astr(e, e->exe);
}

static void obs_item(struct bt_obs *o, const struct aev *e, int i)
{
	if (i >= 0 && e->items[i].has_ino) {
		o->has_ino = true;
		o->dev = e->items[i].dev;
		o->ino = e->items[i].ino;
	}
}

static int add(struct bt_auditd *a, const struct bt_obs *o)
{
	int r = bt_ingest_add(a->ing, o);

	if (r == BT_EINVAL)
		return 0;  /* not meaningful: skip, the ingest said why */
	if (!r)
		a->st.used++;
	return r;
}

static int64_t dirfd_arg(uint64_t v)
{
	/* AT_FDCWD is -100; audit prints a0 as unsigned hex of 64 or 32
	 * bits. */
	int64_t s = (int64_t)v;

	if ((v >> 32) == 0 && (v & 0x80000000u))
		s = (int32_t)(uint32_t)v;
	return s == -100 ? -1 : s;
}

static void sockaddr_text(const char *hex, char *out, size_t cap)
{
	unsigned char b[128];
	size_t n = 0, i;
	unsigned fam;

	out[0] = '\0';
	for (i = 0; hex[i] && hex[i + 1] && n < sizeof(b); i += 2) {
		int h = hexval(hex[i]), l = hexval(hex[i + 1]);

		if (h < 0 || l < 0)
			return;
		b[n++] = (unsigned char)(h << 4 | l);
	}
	if (n < 2)
		return;
	fam = b[0] | (unsigned)b[1] << 8;
	if (fam == 2 && n >= 8) {
		snprintf(out, cap, "%u.%u.%u.%u:%u", b[4], b[5], b[6], b[7],
			 (unsigned)b[2] << 8 | b[3]);
	} else if (fam == 10 && n >= 24) {
		char *p = out;
		size_t left = cap;
		int w;

		w = snprintf(p, left, "[");
		for (i = 0; i < 8 && w > 0 && (size_t)w < left; i++) {
			p += w;
			left -= (size_t)w;
			w = snprintf(p, left, "%s%x", i ? ":" : "",
				     (unsigned)b[8 + 2 * i] << 8 | b[9 + 2 * i]);
		}
		if (w > 0 && (size_t)w < left) {
			p += w;
			left -= (size_t)w;
			snprintf(p, left, "]:%u", (unsigned)b[2] << 8 | b[3]);
		}
	} else if (fam == 1 && n > 2) {
		size_t k, m = 0;
		int abstract = b[2] == 0;
		char tmp[110];

		for (k = 2 + (size_t)abstract; k < n && m + 1 < sizeof(tmp);
		     k++) {
			if (!b[k])
				break;
			tmp[m++] = isprint(b[k]) ? (char)b[k] : '?';
		}
		tmp[m] = '\0';
		snprintf(out, cap, "unix:%s%s", abstract ? "@" : "", tmp);
	}
}

static int do_open(struct bt_auditd *a, const struct aev *e)
{
	struct bt_obs o;
	uint64_t flags;
	int64_t dirfd = -1;
	int i, r = 0, acc, creat;
	const char *p;

	switch (e->sysno) {
	case SYS_open: flags = e->a[1]; break;
	case SYS_creat: flags = 01 | 0100 | 01000; break;
	case SYS_openat: flags = e->a[2]; dirfd = dirfd_arg(e->a[0]); break;
	default: flags = 0; dirfd = dirfd_arg(e->a[0]); break; /* openat2 */
	}
	i = find_item(e, M(NT_CREATE) | M(NT_NORMAL) | M(NT_UNKNOWN), 1);
	if (i < 0)
		return 0;
	p = item_path(a, e, i, dirfd, a->path, sizeof(a->path));
	if (!p)
		return 0;
	acc = (int)(flags & 3);
	creat = e->items[i].nt == NT_CREATE;
	if (creat) {
		obs_base(&o, e);
		o.op = BT_RAW_CREATE;
		o.path = p;
		obs_item(&o, e, i);
		r = add(a, &o);
	}
	if (!r && (acc == 0 || acc == 2) && !creat) {
		obs_base(&o, e);
		o.op = BT_RAW_READ;
		o.path = p;
		obs_item(&o, e, i);
		r = add(a, &o);
		if (!r)
			r = wopen_flow(a, &o);
	}
	if (!r && (acc == 1 || acc == 2 || creat)) {
		obs_base(&o, e);
		o.op = BT_RAW_WRITE;
		o.path = p;
		obs_item(&o, e, i);
		r = add(a, &o);
		if (!r)
			r = wopen_add(a, e->pid, p);
	}
	if (!r && e->exit >= 0)
		r = fd_set_str(a, e->pid, e->exit, p);
	return r;
}

static int do_exec(struct bt_auditd *a, const struct aev *e)
{
	struct bt_obs o;
	int item, k, n = 0, r;
	const char *p;

	item = find_item(e, M(NT_NORMAL) | M(NT_UNKNOWN), 0);
	p = item >= 0 ? item_path(a, e, item, -1, a->path, sizeof(a->path)) :
	    NULL;
	if (!p) {
		p = astr(e, e->exe);
		item = -1;
	}
	if (!p)
		return 0;
	for (k = 0; k < e->nargs; k++)
		a->argv[n++] = e->args[k].off ? astr(e, e->args[k].off) : "";
	obs_base(&o, e);
	o.op = BT_RAW_EXEC;
	o.path = p;
	o.argv = a->argv;
	o.argc = (size_t)n;
	obs_item(&o, e, item);
	r = add(a, &o);
	return r ? r : wopen_flow(a, &o);
}

static int do_names(struct bt_auditd *a, const struct aev *e)
{
	struct bt_obs o;
	int64_t dirfd = -1, dirfd2 = -1;
	int i, j;
	const char *p, *q;

	obs_base(&o, e);
	switch (e->sysno) {
	case SYS_unlink:
	case SYS_unlinkat:
		if (e->sysno == SYS_unlinkat)
			dirfd = dirfd_arg(e->a[0]);
		i = find_item(e, M(NT_DELETE), 1);
		if (i < 0 ||
		    !(p = item_path(a, e, i, dirfd, a->path, sizeof(a->path))))
			return 0;
		o.op = BT_RAW_UNLINK;
		o.path = p;
		obs_item(&o, e, i);
		return add(a, &o);
	case SYS_rename:
	case SYS_renameat:
	case SYS_renameat2:
		if (e->sysno != SYS_rename) {
			dirfd = dirfd_arg(e->a[0]);
			dirfd2 = dirfd_arg(e->a[2]);
		}
		i = find_item(e, M(NT_DELETE), 0);
		j = find_item(e, M(NT_CREATE), 1);
		if (i < 0 || j < 0)
			return 0;
		p = item_path(a, e, i, dirfd, a->path, sizeof(a->path));
		q = item_path(a, e, j, dirfd2, a->path2, sizeof(a->path2));
		if (!p || !q)
			return 0;
		o.op = BT_RAW_RENAME;
		o.path = p;
		o.new_path = q;
		obs_item(&o, e, i);
		return add(a, &o);
	case SYS_link:
	case SYS_linkat:
	case SYS_symlink:
	case SYS_symlinkat:
		if (e->sysno == SYS_linkat) {
			dirfd = dirfd_arg(e->a[0]);
			dirfd2 = dirfd_arg(e->a[2]);
		} else if (e->sysno == SYS_symlinkat) {
			dirfd2 = dirfd_arg(e->a[1]);
		}
		j = find_item(e, M(NT_CREATE), 1);
		if (j < 0 || !(q = item_path(a, e, j, dirfd2, a->path2,
					     sizeof(a->path2))))
			return 0;
		if (e->sysno == SYS_link || e->sysno == SYS_linkat) {
			i = find_item(e, M(NT_NORMAL), 0);
			p = i >= 0 ? item_path(a, e, i, dirfd, a->path,
					       sizeof(a->path)) : NULL;
			if (p) {
				o.op = BT_RAW_LINK;
				o.path = p;
				o.new_path = q;
				obs_item(&o, e, i);
				return add(a, &o);
			}
		}
		/* A symlink is a new name holding a path: a create. */
		o.op = BT_RAW_CREATE;
		o.path = q;
		obs_item(&o, e, j);
		return add(a, &o);
	case SYS_truncate:
		i = find_item(e, M(NT_NORMAL) | M(NT_UNKNOWN), 1);
		if (i < 0 ||
		    !(p = item_path(a, e, i, -1, a->path, sizeof(a->path))))
			return 0;
		o.op = BT_RAW_TRUNCATE;
		o.path = p;
		obs_item(&o, e, i);
		return add(a, &o);
	}
	return 0;
}

static int do_fd_io(struct bt_auditd *a, const struct aev *e)
{
	struct bt_obs o;
	const char *p = fd_get(a, e->pid, (int64_t)e->a[0]);
	int write = e->sysno == SYS_write || e->sysno == SYS_pwrite64 ||
		    e->sysno == SYS_writev || e->sysno == SYS_ftruncate;

	if (!p)
		return 0;
	obs_base(&o, e);
	if (p[0] != '/') {
		/* A socket's remote. */
		if (e->sysno == SYS_ftruncate)
			return 0;
		o.op = write ? BT_RAW_SEND : BT_RAW_RECV;
		o.remote = p;
	} else {
		o.op = e->sysno == SYS_ftruncate ? BT_RAW_TRUNCATE :
		       write ? BT_RAW_WRITE : BT_RAW_READ;
		o.path = p;
	}
	if (e->exit > 0 && e->sysno != SYS_ftruncate)
		o.bytes = (uint64_t)e->exit;
	return add(a, &o);
}

static int do_net(struct bt_auditd *a, const struct aev *e)
{
	struct bt_obs o;
	char addr[160];
	const char *sa = astr(e, e->sockaddr), *remote = NULL;
	int r;

	addr[0] = '\0';
	if (sa)
		sockaddr_text(sa, addr, sizeof(addr));
	if (addr[0])
		remote = addr;
	else
		remote = fd_get(a, e->pid, (int64_t)e->a[0]);
	if (!remote || remote[0] == '/')
		return 0;
	obs_base(&o, e);
	o.remote = remote;
	switch (e->sysno) {
	case SYS_connect:
		o.op = BT_RAW_CONNECT;
		r = add(a, &o);
		if (!r)
			r = fd_set_str(a, e->pid, (int64_t)e->a[0], remote);
		return r;
	case SYS_accept:
	case SYS_accept4:
		o.op = BT_RAW_ACCEPT;
		r = add(a, &o);
		if (!r && e->exit >= 0)
			r = fd_set_str(a, e->pid, e->exit, remote);
		return r;
	case SYS_sendto:
	case SYS_sendmsg:
		o.op = BT_RAW_SEND;
		break;
	default:
		o.op = BT_RAW_RECV;
		break;
	}
	if (e->exit > 0)
		o.bytes = (uint64_t)e->exit;
	return add(a, &o);
}

static int do_mmap(struct bt_auditd *a, const struct aev *e)
{
	struct bt_obs o;
	const char *p;
	uint64_t prot = e->a[2], flags = e->a[3];
	int64_t fd = e->has_mmap ? e->mmap_fd : -1;

	if (e->has_mmap)
		flags = e->mmap_flags;
	p = fd_get(a, e->pid, fd);
	if (!p || p[0] != '/')
		return 0;
	obs_base(&o, e);
	o.op = BT_RAW_MMAP;
	o.path = p;
	o.shared = (flags & 0x03) == 0x01;
	o.prot = (prot & 1 ? BT_PROT_READ : 0) | (prot & 2 ? BT_PROT_WRITE : 0);
	o.map_first = 0;
	o.map_count = (e->a[1] + 4095) / 4096;
	return add(a, &o);
}

/* Note that the process with `pid` was first seen in millisecond `ms`. */
static int seen_set(struct bt_auditd *a, uint32_t pid, uint64_t ms)
{
	uint32_t v = bt_u64map_get(&a->seen, pid);
	int r;

	if (!v) {
		r = bt_grow(&a->seen_ms, &a->seen_cap, a->nseen + 1,
			    sizeof(*a->seen_ms));
		if (!r)
			r = bt_u64map_put(&a->seen, pid,
					  (uint32_t)a->nseen + 1);
		if (r)
			return r;
		v = (uint32_t)++a->nseen;
	}
	a->seen_ms[v - 1] = ms;
	return 0;
}

/*
 * Audit writes a vfork (and a fork whose parent is descheduled) after the
 * child's own first events, and in the same millisecond the child's events
 * may carry smaller serials.  So a process is joined to its parent (ppid)
 * when it is first seen, and a fork record arriving later for a child
 * first seen in the fork's millisecond or after is that same link, skipped.
 * A fork of a pid last seen earlier is a new process (pid reuse).
 */
static int first_sighting(struct bt_auditd *a, const struct aev *e)
{
	struct bt_obs o;
	int r;

	if (bt_u64map_get(&a->seen, e->pid))
		return 0;
	r = seen_set(a, e->pid, e->time / 1000000ULL);
	if (r || !e->ppid || e->ppid == e->pid)
		return r;
	if (!bt_u64map_get(&a->seen, e->ppid) &&
	    (r = seen_set(a, e->ppid, e->time / 1000000ULL)))
		return r;
	bt_obs_init(&o);
	o.time = e->time;
	o.op = BT_RAW_FORK;
	o.pid = e->ppid;
	o.child = e->pid;
	r = add(a, &o);
	return r ? r : wopen_inherit(a, e->ppid, e->pid);
}

static int complete(struct bt_auditd *a, struct aev *e)
{
	struct bt_obs o;
	int r = 0;

	a->st.events++;
	if (!e->has_syscall)
		goto out;
	if (e->success && (r = first_sighting(a, e)))
		goto out;
	if (!e->success) {
		a->st.failed++;
		goto out;
	}
	switch (e->sysno) {
	case SYS_open: case SYS_openat: case SYS_openat2: case SYS_creat:
		r = do_open(a, e);
		break;
	case SYS_execve: case SYS_execveat:
		r = do_exec(a, e);
		break;
	case SYS_clone: case SYS_fork: case SYS_vfork: case SYS_clone3:
		if (e->exit <= 0 || e->exit > UINT32_MAX)
			break;
		/* clone with CLONE_THREAD makes a thread of this process. */
		if (e->sysno == SYS_clone && (e->a[0] & 0x10000))
			break;
		{
			uint32_t v = bt_u64map_get(&a->seen,
						   (uint64_t)e->exit);

			if (v && a->seen_ms[v - 1] >= e->time / 1000000ULL)
				break;  /* joined at its first sighting */
		}
		obs_base(&o, e);
		o.op = BT_RAW_FORK;
		o.child = (uint32_t)e->exit;
		r = add(a, &o);
		if (!r)
			r = seen_set(a, o.child, e->time / 1000000ULL);
		if (!r)
			r = wopen_inherit(a, e->pid, o.child);
		break;
	case SYS_unlink: case SYS_unlinkat: case SYS_rename:
	case SYS_renameat: case SYS_renameat2: case SYS_link:
	case SYS_linkat: case SYS_symlink: case SYS_symlinkat:
	case SYS_truncate:
		r = do_names(a, e);
		break;
	case SYS_read: case SYS_write: case SYS_pread64: case SYS_pwrite64:
	case SYS_readv: case SYS_writev: case SYS_ftruncate:
		r = do_fd_io(a, e);
		break;
	case SYS_connect: case SYS_accept: case SYS_accept4:
	case SYS_sendto: case SYS_sendmsg: case SYS_recvfrom:
	case SYS_recvmsg:
		r = do_net(a, e);
		break;
	case SYS_mmap:
		r = do_mmap(a, e);
		break;
	case SYS_dup: case SYS_dup2: case SYS_dup3: {
		const char *p = fd_get(a, e->pid, (int64_t)e->a[0]);

		if (p && e->exit >= 0) {
			/* p may move when the string table grows. */
			snprintf(a->path, sizeof(a->path), "%s", p);
			r = fd_set_str(a, e->pid, e->exit, a->path);
		}
		break;
	}
	default:
		a->st.unknown++;
		break;
	}
out:
	e->used = SLOT_FREE;
	return r;
}

/* ---- grouping ------------------------------------------------------------ */

/* The done event that comes first in time (then serial), or NULL. */
static struct aev *first_done(struct bt_auditd *a)
{
	struct aev *best = NULL;
	int i;

	for (i = 0; i < MAX_SLOTS; i++) {
		struct aev *e = &a->ev[i];

		if (e->used != SLOT_DONE)
			continue;
		if (!best || e->time < best->time ||
		    (e->time == best->time && e->serial < best->serial))
			best = e;
	}
	return best;
}

/* Ingest done events in order while the window says they may go (all of
 * them with `all`). */
static int drain(struct bt_auditd *a, int all)
{
	struct aev *e;
	int r;

	while ((e = first_done(a))) {
		if (!all && a->ndone <= REORDER_N &&
		    e->time + REORDER_NS > a->max_time)
			break;
		a->ndone--;
		r = complete(a, e);
		if (r)
			return r;
	}
	return 0;
}

static int close_event(struct bt_auditd *a, struct aev *e)
{
	e->used = SLOT_DONE;
	a->ndone++;
	return drain(a, 0);
}

/*
 * The open slot of (time, serial); with `create`, a free slot (making one
 * if all are taken: the first done event is ingested, or else the oldest
 * open one is closed and ingested).  NULL without `create` if none.
 */
static struct aev *event_find(struct bt_auditd *a, uint64_t time,
			      uint64_t serial, int create, int *err)
{
	struct aev *free_slot = NULL, *oldest = NULL;
	int i;

	*err = 0;
	for (i = 0; i < MAX_SLOTS; i++) {
		struct aev *e = &a->ev[i];

		if (e->used == SLOT_FREE) {
			if (!free_slot)
				free_slot = e;
			continue;
		}
		if (e->used != SLOT_OPEN)
			continue;
		if (e->serial == serial && e->time == time)
			return e;
		if (!oldest || e->seq < oldest->seq)
			oldest = e;
	}
	if (!create || free_slot)
		return free_slot;
	if (!first_done(a) && oldest) {
		oldest->used = SLOT_DONE;
		a->ndone++;
	}
	free_slot = first_done(a);
	if (!free_slot)
		return NULL;
	a->ndone--;
	*err = complete(a, free_slot);
	return *err ? NULL : free_slot;
}

static void event_init(struct bt_auditd *a, struct aev *e, uint64_t time,
		       uint64_t serial)
{
	e->used = SLOT_OPEN;
	e->time = time;
	e->serial = serial;
	e->seq = a->seq++;
	e->has_syscall = 0;
	e->sysno = -1;
	e->success = 0;
	e->exit = 0;
	memset(e->a, 0, sizeof(e->a));
	e->pid = e->ppid = 0;
	e->uid = UINT32_MAX;
	e->comm = e->exe = e->cwd = e->sockaddr = 0;
	e->has_mmap = e->has_fdpair = 0;
	e->nitems = 0;
	e->argc = -1;
	e->nargs = 0;
	e->alen = 0;
}

/* ---- records ------------------------------------------------------------- */

struct field {
	const char *k, *v;
	size_t kn, vn;
};

/* Next "key=value" in [*p, end); 0 at the end or the enriched part. */
static int next_field(const char **p, const char *end, struct field *f)
{
	const char *s = *p, *q;

	while (s < end && *s == ' ')
		s++;
	if (s >= end || *s == '\x1d')
		return 0;
	q = s;
	while (q < end && *q != '=' && *q != ' ' && *q != '\x1d')
		q++;
	if (q >= end || *q != '=') {
		/* A bare word: skip it. */
		*p = q;
		f->k = s;
		f->kn = (size_t)(q - s);
		f->v = q;
		f->vn = 0;
		return 1;
	}
	f->k = s;
	f->kn = (size_t)(q - s);
	q++;
	f->v = q;
	if (q < end && (*q == '"' || *q == '\'')) {
		char c = *q;
		const char *c2 = memchr(q + 1, c, (size_t)(end - q - 1));

		q = c2 ? c2 + 1 : end;
	} else {
		while (q < end && *q != ' ' && *q != '\x1d')
			q++;
	}
	f->vn = (size_t)(q - f->v);
	*p = q;
	return 1;
}

static int key_is(const struct field *f, const char *k)
{
	return f->kn == strlen(k) && !memcmp(f->k, k, f->kn);
}

static uint32_t put_str(struct bt_auditd *a, struct aev *e,
			const struct field *f)
{
	int trunc = 0;
	long n = decode_str(f->v, f->vn, a->line, sizeof(a->line), &trunc);

	if (trunc)
		a->st.truncated++;
	if (n < 0)
		return 0;
	return arena_put(a, e, a->line, (size_t)n);
}

static int rec_syscall(struct bt_auditd *a, struct aev *e, const char *p,
		       const char *end)
{
	struct field f;
	uint64_t v;
	int64_t s;
	size_t i;

	e->has_syscall = 1;
	while (next_field(&p, end, &f)) {
		if (key_is(&f, "syscall")) {
			if (!parse_u64(f.v, f.vn, 10, &v) && v < 1024) {
				e->sysno = (int)v;
			} else {
				for (i = 0; i < BT_ARRAY_SIZE(sysnames); i++)
					if (strlen(sysnames[i].name) == f.vn &&
					    !memcmp(sysnames[i].name, f.v,
						    f.vn))
						e->sysno = sysnames[i].nr;
			}
		} else if (key_is(&f, "arch")) {
			if (!(f.vn == 8 && !memcmp(f.v, "c000003e", 8)) &&
			    !(f.vn == 6 && !memcmp(f.v, "x86_64", 6)))
				e->sysno = -2;  /* not x86-64: unknown */
		} else if (key_is(&f, "success")) {
			e->success = f.vn == 3 && !memcmp(f.v, "yes", 3);
		} else if (key_is(&f, "exit")) {
			if (!parse_i64(f.v, f.vn, &s))
				e->exit = s;
		} else if (f.kn == 2 && f.k[0] == 'a' && f.k[1] >= '0' &&
			   f.k[1] <= '3') {
			if (!parse_u64(f.v, f.vn, 16, &v))
				e->a[f.k[1] - '0'] = v;
		} else if (key_is(&f, "pid")) {
			if (!parse_u64(f.v, f.vn, 10, &v) && v <= UINT32_MAX)
				e->pid = (uint32_t)v;
		} else if (key_is(&f, "ppid")) {
			if (!parse_u64(f.v, f.vn, 10, &v) && v <= UINT32_MAX)
				e->ppid = (uint32_t)v;
		} else if (key_is(&f, "uid")) {
			if (!parse_u64(f.v, f.vn, 10, &v) && v < UINT32_MAX)
				e->uid = (uint32_t)v;
		} else if (key_is(&f, "comm")) {
			e->comm = put_str(a, e, &f);
		} else if (key_is(&f, "exe")) {
			e->exe = put_str(a, e, &f);
		}
	}
	if (!e->pid)
		e->has_syscall = 0;
	return 0;
}

static int parse_argidx(const struct field *f, unsigned *idx, int *chunk,
			unsigned *cidx, int *is_len)
{
	size_t i = 1;
	unsigned n = 0;

	if (f->kn < 2 || f->k[0] != 'a' || !isdigit((unsigned char)f->k[1]))
		return -1;
	while (i < f->kn && isdigit((unsigned char)f->k[i])) {
		if (n > 100000)
			return -1;
		n = n * 10 + (unsigned)(f->k[i++] - '0');
	}
	*idx = n;
	*chunk = 0;
	*is_len = 0;
	if (i == f->kn)
		return 0;
	if (f->kn - i == 4 && !memcmp(f->k + i, "_len", 4)) {
		*is_len = 1;
		return 0;
	}
	if (f->k[i] == '[' && f->k[f->kn - 1] == ']') {
		unsigned c = 0;

		for (i++; i < f->kn - 1; i++) {
			if (!isdigit((unsigned char)f->k[i]) || c > 100000)
				return -1;
			c = c * 10 + (unsigned)(f->k[i] - '0');
		}
		*chunk = 1;
		*cidx = c;
		return 0;
	}
	return -1;
}

static void rec_execve(struct bt_auditd *a, struct aev *e, const char *p,
		       const char *end)
{
	struct field f;
	uint64_t v;

	while (next_field(&p, end, &f)) {
		unsigned idx, cidx;
		int chunk, is_len, trunc = 0;
		long n;
		struct arg *g;

		if (key_is(&f, "argc")) {
			if (!parse_u64(f.v, f.vn, 10, &v) && v < 1000000)
				e->argc = (int)v;
			continue;
		}
		if (parse_argidx(&f, &idx, &chunk, &cidx, &is_len))
			continue;
		if (idx >= MAX_ARGS) {
			a->st.truncated++;
			continue;
		}
		while (e->nargs <= (int)idx)
			e->args[e->nargs++] = (struct arg){ 0, 0, 0 };
		g = &e->args[idx];
		if (is_len) {
			/* Reserve the whole argument; chunks fill it. */
			if (parse_u64(f.v, f.vn, 10, &v) || v > ARENA ||
			    v + 1 > ARENA - e->alen) {
				a->st.truncated++;
				continue;
			}
			g->off = e->alen + 1;
			g->cap = (uint32_t)v;
			g->len = 0;
			e->arena[e->alen] = '\0';
			e->alen += (uint32_t)v + 1;
			continue;
		}
		n = decode_str(f.v, f.vn, a->line, sizeof(a->line), &trunc);
		if (n < 0)
			continue;
		if (chunk) {
			size_t m = (size_t)n;

			if (!g->off || g->cap < g->len ||
			    m > g->cap - g->len) {
				a->st.truncated++;
				m = g->off && g->cap > g->len ?
				    g->cap - g->len : 0;
			}
			if (m) {
				memcpy(e->arena + g->off - 1 + g->len, a->line,
				       m);
				g->len += (uint32_t)m;
				e->arena[g->off - 1 + g->len] = '\0';
			}
		} else {
			g->off = arena_put(a, e, a->line, (size_t)n);
			g->len = g->cap = (uint32_t)n;
		}
	}
}

static void rec_path(struct bt_auditd *a, struct aev *e, const char *p,
		     const char *end)
{
	struct field f;
	struct item it = { 0, NT_UNKNOWN, 0, 0, 0 };
	int have_ino = 0, have_dev = 0;
	uint64_t v;

	while (next_field(&p, end, &f)) {
		if (key_is(&f, "name")) {
			it.name = put_str(a, e, &f);
		} else if (key_is(&f, "inode")) {
			if (!parse_u64(f.v, f.vn, 10, &v)) {
				it.ino = v;
				have_ino = 1;
			}
		} else if (key_is(&f, "dev")) {
			const char *c = memchr(f.v, ':', f.vn);
			uint64_t ma, mi;

			if (c && !parse_u64(f.v, (size_t)(c - f.v), 16, &ma) &&
			    !parse_u64(c + 1, f.vn - (size_t)(c - f.v) - 1, 16,
				       &mi) && ma < 4096 && mi < (1u << 20)) {
				it.dev = makedev((unsigned)ma, (unsigned)mi);
				have_dev = 1;
			}
		} else if (key_is(&f, "nametype")) {
			if (f.vn == 6 && !memcmp(f.v, "NORMAL", 6))
				it.nt = NT_NORMAL;
			else if (f.vn == 6 && !memcmp(f.v, "PARENT", 6))
				it.nt = NT_PARENT;
			else if (f.vn == 6 && !memcmp(f.v, "CREATE", 6))
				it.nt = NT_CREATE;
			else if (f.vn == 6 && !memcmp(f.v, "DELETE", 6))
				it.nt = NT_DELETE;
		}
	}
	it.has_ino = have_ino && have_dev;
	if (e->nitems >= MAX_ITEMS) {
		a->st.truncated++;
		return;
	}
	e->items[e->nitems++] = it;
}

static void rec_simple(struct bt_auditd *a, struct aev *e, enum rtype t,
		       const char *p, const char *end)
{
	struct field f;
	int64_t s;
	uint64_t v;

	while (next_field(&p, end, &f)) {
		switch (t) {
		case R_CWD:
			if (key_is(&f, "cwd"))
				e->cwd = put_str(a, e, &f);
			break;
		case R_SOCKADDR:
			if (key_is(&f, "saddr") && f.vn < 512)
				e->sockaddr = arena_put(a, e, f.v, f.vn);
			break;
		case R_MMAP:
			if (key_is(&f, "fd") && !parse_i64(f.v, f.vn, &s)) {
				e->mmap_fd = s;
				e->has_mmap = 1;
			} else if (key_is(&f, "flags") &&
				   !parse_u64(f.v, f.vn, 16, &v)) {
				e->mmap_flags = v;
			}
			break;
		case R_FD_PAIR:
			if (key_is(&f, "fd0") && !parse_i64(f.v, f.vn, &s))
				e->fd0 = s, e->has_fdpair = 1;
			else if (key_is(&f, "fd1") && !parse_i64(f.v, f.vn, &s))
				e->fd1 = s;
			break;
		default:
			break;
		}
	}
}

static int bad_line(struct bt_auditd *a, const char *name, uint64_t lineno,
		    const char *why)
{
	return bt_error_set(BT_ECORRUPT, "%s:%" PRIu64 ": %s", name, lineno,
			    why);
}

int bt_auditd_line(struct bt_auditd *a, const char *line, size_t len,
		   const char *name, uint64_t lineno)
{
	const char *p = line, *end = line + len, *t, *q;
	uint64_t sec, ms, serial, time;
	enum rtype rt = R_OTHER;
	struct aev *e;
	size_t i, tn;
	int r = 0;

	while (end > p && (end[-1] == '\r' || end[-1] == ' '))
		end--;
	if (p == end)
		return 0;
	if (memchr(p, '\0', len))
		return bad_line(a, name, lineno, "NUL byte in line");
	if ((size_t)(end - p) > 5 && !memcmp(p, "node=", 5)) {
		q = memchr(p, ' ', (size_t)(end - p));
		if (!q)
			return bad_line(a, name, lineno, "no record after node=");
		p = q + 1;
	}
	if ((size_t)(end - p) < 5 || memcmp(p, "type=", 5))
		return bad_line(a, name, lineno, "not an audit record (no type=)");
	t = p + 5;
	q = memchr(t, ' ', (size_t)(end - t));
	if (!q)
		return bad_line(a, name, lineno, "no msg= after the type");
	tn = (size_t)(q - t);
	p = q + 1;
	if ((size_t)(end - p) < 11 || memcmp(p, "msg=audit(", 10))
		return bad_line(a, name, lineno, "no msg=audit(...)");
	p += 10;
	q = memchr(p, '.', (size_t)(end - p));
	if (!q || parse_u64(p, (size_t)(q - p), 10, &sec) ||
	    sec > 9000000000ULL)
		return bad_line(a, name, lineno, "bad seconds in msg=audit()");
	p = q + 1;
	q = memchr(p, ':', (size_t)(end - p));
	if (!q || q - p != 3 || parse_u64(p, 3, 10, &ms))
		return bad_line(a, name, lineno,
				"bad milliseconds in msg=audit()");
	p = q + 1;
	q = memchr(p, ')', (size_t)(end - p));
	if (!q || parse_u64(p, (size_t)(q - p), 10, &serial))
		return bad_line(a, name, lineno, "bad serial in msg=audit()");
	p = q + 1;
	if (p < end && *p == ':')
		p++;
	a->st.records++;

	for (i = 0; i < BT_ARRAY_SIZE(rtypes); i++)
		if (strlen(rtypes[i].name) == tn &&
		    !memcmp(rtypes[i].name, t, tn))
			rt = rtypes[i].t;
	if (rt == R_OTHER || rt == R_PROCTITLE) {
		/* PROCTITLE repeats EXECVE's argv; other types carry no
		 * dependency btrack records. */
		a->st.unused++;
		return 0;
	}
	/* Events in one millisecond keep their serial order. */
	time = sec * 1000000000ULL + ms * 1000000ULL + serial % 1000000ULL;
	if (time > a->max_time)
		a->max_time = time;
	e = event_find(a, time, serial, rt != R_EOE, &r);
	if (r)
		return r;
	if (!e)
		return 0;  /* EOE of an event already completed */
	if (e->used == SLOT_FREE)
		event_init(a, e, time, serial);
	switch (rt) {
	case R_SYSCALL:
		rec_syscall(a, e, p, end);
		break;
	case R_EXECVE:
		rec_execve(a, e, p, end);
		break;
	case R_PATH:
		rec_path(a, e, p, end);
		break;
	case R_EOE:
		return close_event(a, e);
	default:
		rec_simple(a, e, rt, p, end);
		break;
	}
	return 0;
}

int bt_auditd_feed(struct bt_auditd *a, FILE *in, const char *name,
		   bool keep_going)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t lineno = 0;
	int r = 0;

	while ((n = getline(&buf, &cap, in)) >= 0) {
		lineno++;
		a->st.lines++;
		if (n > 0 && buf[n - 1] == '\n')
			n--;
		if (n > MAX_LINE)
			r = bad_line(a, name, lineno, "line longer than 1 MiB");
		else
			r = bt_auditd_line(a, buf, (size_t)n, name, lineno);
		if (r == BT_ECORRUPT && keep_going) {
			a->st.bad++;
			if (!a->st.first_bad)
				a->st.first_bad = lineno;
			r = 0;
		}
		if (r)
			break;
	}
	if (!r && ferror(in))
		r = bt_error_set_os(BT_EIO, "cannot read '%s'", name);
	free(buf);
	return r;
}

int bt_auditd_finish(struct bt_auditd *a)
{
	int i;

	for (i = 0; i < MAX_SLOTS; i++) {
		if (a->ev[i].used == SLOT_OPEN) {
			a->ev[i].used = SLOT_DONE;
			a->ndone++;
		}
	}
	return drain(a, 1);
}

int bt_auditd_new(struct bt_auditd **out, struct bt_ingest *ing)
{
	struct bt_auditd *a = calloc(1, sizeof(*a));

	*out = NULL;
	if (!a)
		return bt_error_set(BT_ENOMEM, "out of memory");
	a->ev = calloc(MAX_SLOTS, sizeof(*a->ev));
	if (!a->ev) {
		free(a);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	a->ing = ing;
	bt_u64map_init(&a->fds);
	bt_u64map_init(&a->wmap);
	bt_u64map_init(&a->seen);
	*out = a;
	return 0;
}

void bt_auditd_stats(const struct bt_auditd *a, struct bt_auditd_stats *out)
{
	*out = a->st;
}

void bt_auditd_free(struct bt_auditd *a)
{
	if (!a)
		return;
	bt_u64map_release(&a->fds);
	bt_u64map_release(&a->wmap);
	bt_u64map_release(&a->seen);
	free(a->seen_ms);
	free(a->wopen);
	free(a->strs);
	free(a->ev);
	free(a);
}
