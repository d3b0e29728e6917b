/*
 * auditd.c - the Linux audit log importer: what each audit event means
 * (see auditd.h for what it reads and what each syscall becomes;
 * man/btrack-import.1 for the user's view).  Lines become events in the
 * record layer (audit/records.c); syscall numbers become enum bt_sys in
 * audit/syscalls.c.
 *
 * Per-process fd tables (fd -> path or remote address, learnt from
 * open/connect/accept results) live in one hash map with a string arena
 * that grows only when a new path is learnt.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/hash.h"
#include "../core/util.h"
#include "audit/records.h"
#include "audit/syscalls.h"
#include "auditd.h"

#define MAX_WOPEN  8       /* files a process holds open for writing */

struct bt_auditd {
	struct bt_ingest *ing;
	struct bt_arec *rec;
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
	char path[8192];            /* scratch for joined paths */
	char path2[8192];
	const char *argv[AUD_MAX_ARGS];
};

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
	const char *name = aev_str(e, e->items[i].name), *base;

	if (!name || !*name)
		return NULL;
	base = aev_str(e, e->cwd);
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
	o->comm = aev_str(e, e->comm);
	o->exe = aev_str(e, e->exe);
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
		p = aev_str(e, e->exe);
		item = -1;
	}
	if (!p)
		return 0;
	for (k = 0; k < e->nargs; k++)
		a->argv[n++] = e->args[k].off ? aev_str(e, e->args[k].off) : "";
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
	const char *sa = aev_str(e, e->sockaddr), *remote = NULL;
	int r;

	addr[0] = '\0';
	if (sa)
		bt_arec_sockaddr_text(sa, addr, sizeof(addr));
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

/* The record layer's callback: one completed event, in time order. */
static int complete(void *ctx, struct aev *e)
{
	struct bt_auditd *a = ctx;
	struct bt_obs o;
	int r = 0;

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
	return r;
}

int bt_auditd_line(struct bt_auditd *a, const char *line, size_t len,
		   const char *name, uint64_t lineno)
{
	return bt_arec_line(a->rec, line, len, name, lineno);
}

int bt_auditd_feed(struct bt_auditd *a, FILE *in, const char *name,
		   bool keep_going)
{
	return bt_arec_feed(a->rec, in, name, keep_going);
}

int bt_auditd_finish(struct bt_auditd *a)
{
	return bt_arec_finish(a->rec);
}

int bt_auditd_new(struct bt_auditd **out, struct bt_ingest *ing)
{
	struct bt_auditd *a = calloc(1, sizeof(*a));
	int r;

	*out = NULL;
	if (!a)
		return bt_error_set(BT_ENOMEM, "out of memory");
	r = bt_arec_new(&a->rec, &a->st, complete, a);
	if (r) {
		free(a);
		return r;
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
	bt_arec_free(a->rec);
	free(a);
}
