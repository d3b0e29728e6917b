/*
 * fdtable.h - the recorder's per-process file descriptor tables.
 *
 * `btrack record` (capture/recorder.c) learns what each descriptor of a traced
 * process refers to when the descriptor is made (open, dup, accept, pipe,
 * connect) and keeps it here, so a read(2) or write(2) costs no look-up in
 * /proc.  A table is shared by the tasks created with CLONE_FILES (threads),
 * copied on fork, and loses its close-on-exec entries on exec, as the
 * kernel's own table does.  An fd the table does not know (inherited, made
 * by a system call the recorder does not trace) is simply absent: the
 * recorder resolves it through /proc/PID/fd/N and stores the answer.
 *
 * The audit log importer (capture/auditd.c) keeps one per process too, from
 * the open, dup*, fcntl, pipe*, socketpair, close and exit records the rules
 * log: there an fd the table does not know stays unknown (a gap, counted).
 *
 * This module only keeps state; it makes no system calls.  Descriptors at
 * or above BT_FDTABLE_MAX are never cached (always resolved through /proc).
 */
#ifndef BT_FDTABLE_H
#define BT_FDTABLE_H

#include <stdbool.h>
#include <stdint.h>

#define BT_FDTABLE_MAX (1 << 20)

enum bt_fd_kind {
	BT_FD_NONE = 0,     /* slot unused */
	BT_FD_FILE,         /* a regular file */
	BT_FD_PIPE,         /* a pipe or FIFO: a file-like object (its inode) */
	BT_FD_SOCKET,       /* a socket; `remote` if known */
	BT_FD_OTHER,        /* a directory, device, eventfd...: not recorded */
	BT_FD_PIDFD         /* a pidfd (audit): the process `ino` (its pid) */
};

/* bt_fd.access: how the descriptor was opened (0 if unknown), and whether
 * it survived an exec of its holder (a program was given it). */
#define BT_FD_READ  0x1
#define BT_FD_WRITE 0x2
#define BT_FD_EXECD 0x4
#define BT_FD_IOLOG 0x8   /* its I/O calls are in the log (audit) */
#define BT_FD_JOINED 0x10 /* an accepted connection whose client is known
                             (audit: the only connect it can be) */
#define BT_FD_DGRAM 0x20  /* a unix datagram socket (audit: its socket()
                             was logged) */

struct bt_fd {
	uint8_t kind;       /* enum bt_fd_kind */
	bool cloexec;
	uint8_t access;     /* BT_FD_READ | BT_FD_WRITE | BT_FD_EXECD */
	uint64_t dev, ino;
	char *path;         /* owned: absolute path, or "pipe:[N]"; may be NULL */
	char *remote;       /* owned: socket endpoint ("1.2.3.4:80"), or NULL */
	/* A channel (pipe, socketpair end): reads come out of the object
	 * (dev, rino), writes go into (dev, ino).  rino == ino for a pipe;
	 * for a socketpair end rino is the peer end's inode, so each
	 * direction is one object.  0: same as ino. */
	uint64_t rino;
	uint32_t file_flags; /* BT_FILEF_PIPE, BT_FILEF_ANON (core/record.h) */
	char *local;        /* owned: a socket's own address (bind), or NULL */
	uint64_t stamp;     /* the caller's: when the object was first had
	                       (the audit importer's ns time); kept by dup */
};

struct bt_fdtable {
	unsigned refs;      /* tasks sharing it (CLONE_FILES) */
	struct bt_fd *fds;  /* fds[0..cap) */
	size_t cap;
};

/* A new empty table with one reference.  The caller owns *out
 * (bt_fdtable_unref()). */
int bt_fdtable_new(struct bt_fdtable **out);

/* A private copy of t (fork without CLONE_FILES), one reference. */
int bt_fdtable_copy(struct bt_fdtable **out, const struct bt_fdtable *t);

/* Take / drop a reference; the last unref frees.  unref accepts NULL. */
struct bt_fdtable *bt_fdtable_ref(struct bt_fdtable *t);
void bt_fdtable_unref(struct bt_fdtable *t);

/* The entry of fd (borrowed, valid until the table changes), or NULL. */
const struct bt_fd *bt_fdtable_get(const struct bt_fdtable *t, int fd);

/* Set fd's entry, replacing what was there.  Strings are copied (NULL is
 * fine).  BT_EINVAL for fd < 0, BT_ELIMIT for fd >= BT_FDTABLE_MAX (not
 * cached), BT_ENOMEM. */
int bt_fdtable_set(struct bt_fdtable *t, int fd, unsigned kind, uint64_t dev,
		   uint64_t ino, const char *path, const char *remote,
		   bool cloexec);

/* Make a known fd a channel or an anonymous file: reads from (dev, rino)
 * (0: ino), file_flags for the object (BT_FILEF_*).  Kept by dup and
 * copy.  BT_ENOTFOUND for an unknown fd. */
int bt_fdtable_set_flow(struct bt_fdtable *t, int fd, uint64_t rino,
			uint32_t file_flags);

/* Set the remote endpoint of a known fd (connect, accept). */
int bt_fdtable_set_remote(struct bt_fdtable *t, int fd, const char *remote);

/* close(fd): forget it.  Out-of-range fds are ignored. */
void bt_fdtable_close(struct bt_fdtable *t, int fd);

/* close_range(first, last): forget every fd in [first, last]. */
void bt_fdtable_close_range(struct bt_fdtable *t, unsigned first,
			    unsigned last);

/* dup2(oldfd, newfd) and friends: newfd becomes what oldfd is, with its own
 * close-on-exec flag; if oldfd is unknown, newfd is forgotten. */
int bt_fdtable_dup(struct bt_fdtable *t, int oldfd, int newfd, bool cloexec);

/* pidfd_getfd(2), and SCM_RIGHTS where a source sees both ends: newfd of
 * t becomes what oldfd of `from` (another process's table, or t) is, with
 * its own close-on-exec flag; if oldfd is unknown, newfd is forgotten. */
int bt_fdtable_copy_fd(struct bt_fdtable *t, int newfd,
		       const struct bt_fdtable *from, int oldfd, bool cloexec);

/* fcntl(F_SETFD): set or clear close-on-exec of a known fd. */
void bt_fdtable_set_cloexec(struct bt_fdtable *t, int fd, bool cloexec);

/* exec: drop every close-on-exec entry; the others get BT_FD_EXECD. */
void bt_fdtable_exec(struct bt_fdtable *t);

/* Set the access mode (BT_FD_READ | BT_FD_WRITE) of a known fd; unknown
 * fds are ignored.  Kept by dup and copy, like every other field. */
void bt_fdtable_set_access(struct bt_fdtable *t, int fd, unsigned access);

/* Set the local address of a known socket (bind; an accept on it then
 * knows which of its own addresses the peer reached).  BT_ENOTFOUND for
 * an unknown fd, BT_ENOMEM. */
int bt_fdtable_set_local(struct bt_fdtable *t, int fd, const char *local);

/* Set the stamp of a known fd; unknown fds are ignored. */
void bt_fdtable_set_stamp(struct bt_fdtable *t, int fd, uint64_t stamp);

/* The first known fd >= from, or -1: for (fd = bt_fdtable_next(t, 0);
 * fd >= 0; fd = bt_fdtable_next(t, fd + 1)).  Lets a caller see what a
 * close_range, an exec or an exit is about to forget. */
int bt_fdtable_next(const struct bt_fdtable *t, int from);

#endif
