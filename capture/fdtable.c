/*
 * fdtable.c - per-process file descriptor tables of the recorder (see
 * fdtable.h).  Pure bookkeeping: no system calls, allocation only when a
 * descriptor is made (never on read/write).
 */
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/util.h"
#include "fdtable.h"

static void fd_clear(struct bt_fd *f)
{
	free(f->path);
	free(f->remote);
	free(f->local);
	memset(f, 0, sizeof(*f));
}

int bt_fdtable_new(struct bt_fdtable **out)
{
	struct bt_fdtable *t = calloc(1, sizeof(*t));

	if (!t)
		return bt_error_set(BT_ENOMEM, "out of memory");
	t->refs = 1;
	*out = t;
	return 0;
}

static int dupstr(char **out, const char *s)
{
	*out = NULL;
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : bt_error_set(BT_ENOMEM, "out of memory");
}

int bt_fdtable_copy(struct bt_fdtable **out, const struct bt_fdtable *t)
{
	struct bt_fdtable *c = NULL;
	size_t i;
	int err;

	err = bt_fdtable_new(&c);
	if (err)
		return err;
	if (t->cap) {
		c->fds = calloc(t->cap, sizeof(*c->fds));
		if (!c->fds) {
			free(c);
			return bt_error_set(BT_ENOMEM, "out of memory");
		}
		c->cap = t->cap;
	}
	for (i = 0; i < t->cap; i++) {
		c->fds[i] = t->fds[i];
		c->fds[i].path = NULL;
		c->fds[i].remote = NULL;
		c->fds[i].local = NULL;
		if (dupstr(&c->fds[i].path, t->fds[i].path) ||
		    dupstr(&c->fds[i].remote, t->fds[i].remote) ||
		    dupstr(&c->fds[i].local, t->fds[i].local)) {
			bt_fdtable_unref(c);
			return BT_ENOMEM;
		}
	}
	*out = c;
	return 0;
}

struct bt_fdtable *bt_fdtable_ref(struct bt_fdtable *t)
{
	t->refs++;
	return t;
}

void bt_fdtable_unref(struct bt_fdtable *t)
{
	size_t i;

	if (!t || --t->refs > 0)
		return;
	for (i = 0; i < t->cap; i++)
		fd_clear(&t->fds[i]);
	free(t->fds);
	free(t);
}

const struct bt_fd *bt_fdtable_get(const struct bt_fdtable *t, int fd)
{
	if (fd < 0 || (size_t)fd >= t->cap || t->fds[fd].kind == BT_FD_NONE)
		return NULL;
	return &t->fds[fd];
}

int bt_fdtable_set(struct bt_fdtable *t, int fd, unsigned kind, uint64_t dev,
		   uint64_t ino, const char *path, const char *remote,
		   bool cloexec)
{
	struct bt_fd n = { 0 };

	if (fd < 0)
		return bt_error_set(BT_EINVAL, "bad file descriptor %d", fd);
	if (fd >= BT_FDTABLE_MAX)
		return bt_error_set(BT_ELIMIT, "file descriptor %d not cached",
				    fd);
	if ((size_t)fd >= t->cap) {
		size_t old = t->cap;

		if (bt_grow(&t->fds, &t->cap, (size_t)fd + 1, sizeof(*t->fds)))
			return BT_ENOMEM;
		memset(t->fds + old, 0, (t->cap - old) * sizeof(*t->fds));
	}
	if (dupstr(&n.path, path) || dupstr(&n.remote, remote)) {
		free(n.path);
		return BT_ENOMEM;
	}
	n.kind = (uint8_t)kind;
	n.cloexec = cloexec;
	n.dev = dev;
	n.ino = ino;
	fd_clear(&t->fds[fd]);
	t->fds[fd] = n;
	return 0;
}

int bt_fdtable_set_flow(struct bt_fdtable *t, int fd, uint64_t rino,
			uint32_t file_flags)
{
	if (fd < 0 || (size_t)fd >= t->cap || t->fds[fd].kind == BT_FD_NONE)
		return bt_error_set(BT_ENOTFOUND, "unknown descriptor %d", fd);
	t->fds[fd].rino = rino;
	t->fds[fd].file_flags = file_flags;
	return 0;
}

int bt_fdtable_set_remote(struct bt_fdtable *t, int fd, const char *remote)
{
	char *r;

	if (fd < 0 || (size_t)fd >= t->cap || t->fds[fd].kind == BT_FD_NONE)
		return bt_error_set(BT_ENOTFOUND, "unknown descriptor %d", fd);
	if (dupstr(&r, remote))
		return BT_ENOMEM;
	free(t->fds[fd].remote);
	t->fds[fd].remote = r;
	return 0;
}

void bt_fdtable_close(struct bt_fdtable *t, int fd)
{
	if (fd >= 0 && (size_t)fd < t->cap)
		fd_clear(&t->fds[fd]);
}

void bt_fdtable_close_range(struct bt_fdtable *t, unsigned first,
			    unsigned last)
{
	size_t i;

	for (i = first; i < t->cap && i <= last; i++)
		fd_clear(&t->fds[i]);
}

int bt_fdtable_copy_fd(struct bt_fdtable *t, int newfd,
		       const struct bt_fdtable *from, int oldfd, bool cloexec)
{
	const struct bt_fd *o = bt_fdtable_get(from, oldfd);

	if (!o) {
		bt_fdtable_close(t, newfd);
		return 0;
	}
	/* set() may move t->fds (from may be t): copy the source first. */
	{
		struct bt_fd c = *o;
		char *p = NULL, *r = NULL, *l = NULL;
		int err;

		if (dupstr(&p, c.path) || dupstr(&r, c.remote) ||
		    dupstr(&l, c.local)) {
			free(p);
			free(r);
			return BT_ENOMEM;
		}
		err = bt_fdtable_set(t, newfd, c.kind, c.dev, c.ino, p, r,
				     cloexec);
		free(p);
		free(r);
		if (!err) {
			t->fds[newfd].access = c.access;
			t->fds[newfd].stamp = c.stamp;
			t->fds[newfd].local = l;
			err = bt_fdtable_set_flow(t, newfd, c.rino,
						  c.file_flags);
		} else {
			free(l);
		}
		return err;
	}
}

int bt_fdtable_dup(struct bt_fdtable *t, int oldfd, int newfd, bool cloexec)
{
	if (oldfd == newfd)
		return 0;
	return bt_fdtable_copy_fd(t, newfd, t, oldfd, cloexec);
}

void bt_fdtable_set_cloexec(struct bt_fdtable *t, int fd, bool cloexec)
{
	if (fd >= 0 && (size_t)fd < t->cap)
		t->fds[fd].cloexec = cloexec;
}

void bt_fdtable_exec(struct bt_fdtable *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++) {
		if (t->fds[i].kind == BT_FD_NONE)
			continue;
		if (t->fds[i].cloexec)
			fd_clear(&t->fds[i]);
		else
			t->fds[i].access |= BT_FD_EXECD;
	}
}

void bt_fdtable_set_access(struct bt_fdtable *t, int fd, unsigned access)
{
	if (fd >= 0 && (size_t)fd < t->cap && t->fds[fd].kind != BT_FD_NONE)
		t->fds[fd].access = (uint8_t)(access & (BT_FD_READ |
							BT_FD_WRITE |
							BT_FD_EXECD |
							BT_FD_IOLOG |
							BT_FD_JOINED |
							BT_FD_DGRAM));
}

int bt_fdtable_set_local(struct bt_fdtable *t, int fd, const char *local)
{
	char *l;

	if (fd < 0 || (size_t)fd >= t->cap || t->fds[fd].kind == BT_FD_NONE)
		return bt_error_set(BT_ENOTFOUND, "unknown descriptor %d", fd);
	if (dupstr(&l, local))
		return BT_ENOMEM;
	free(t->fds[fd].local);
	t->fds[fd].local = l;
	return 0;
}

int bt_fdtable_next(const struct bt_fdtable *t, int from)
{
	size_t i;

	for (i = from < 0 ? 0 : (size_t)from; i < t->cap; i++)
		if (t->fds[i].kind != BT_FD_NONE)
			return (int)i;
	return -1;
}

void bt_fdtable_set_stamp(struct bt_fdtable *t, int fd, uint64_t stamp)
{
	if (fd >= 0 && (size_t)fd < t->cap && t->fds[fd].kind != BT_FD_NONE)
		t->fds[fd].stamp = stamp;
}
