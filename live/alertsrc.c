/*
 * alertsrc.c - alert sources for `btrack watch`: standard input, a FIFO,
 * a unix stream socket and a file followed like `tail -F`.  See
 * alertsrc.h for what each does; lines only, no parsing.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "alertsrc.h"
#include "../core/error.h"

enum kind { K_STDIN, K_FIFO, K_FILE, K_SOCKET };

/* One byte stream cut into lines. */
struct lbuf {
	int fd;              /* -1: unused */
	char *b;             /* BT_ALERT_LINE_MAX + 1 bytes */
	size_t len;          /* bytes of the current line in b */
	bool skipping;       /* the line was too long: drop to its newline */
};

struct bt_alertsrc {
	enum kind kind;
	char *name;          /* the spec, for messages */
	char *path;          /* file, FIFO or socket path */
	struct lbuf in;      /* stdin, FIFO, file */
	/* file */
	dev_t dev;
	ino_t ino;
	uint64_t off;        /* bytes read from the open file */
	bool missing_told;
	struct lbuf old;     /* the file rotated away, still read for a
	                        while: its writer may not have reopened */
	uint64_t old_off;
	struct timespec old_until;
	/* socket */
	int lfd;
	struct lbuf cl[BT_ALERTSRC_CLIENTS];
};

static int lbuf_init(struct lbuf *l, int fd)
{
	l->b = malloc(BT_ALERT_LINE_MAX + 1);
	if (!l->b)
		return bt_error_set(BT_ENOMEM, "out of memory");
	l->fd = fd;
	l->len = 0;
	l->skipping = false;
	return 0;
}

static void lbuf_release(struct lbuf *l)
{
	if (l->fd > 2)
		close(l->fd);
	l->fd = -1;
	free(l->b);
	l->b = NULL;
}

/* Hand the line in l (if any) to ops->line. */
static int flush_line(struct lbuf *l, const struct bt_alertsrc_ops *ops)
{
	size_t n = l->len, k = 0;
	bool too_long = l->skipping;
	int r;

	l->len = 0;
	l->skipping = false;
	while (n && (l->b[n - 1] == '\r' || l->b[n - 1] == ' ' ||
		     l->b[n - 1] == '\t'))
		n--;
	while (k < n && (l->b[k] == ' ' || l->b[k] == '\t'))
		k++;
	if (k == n && !too_long)
		return 0;
	l->b[n] = '\0';
	r = ops->line(ops->arg, l->b + k, n - k, too_long);
	return r;
}

/* Cut `n` bytes just read into lines. */
static int feed(struct lbuf *l, const char *p, size_t n,
		const struct bt_alertsrc_ops *ops)
{
	int r;

	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;
		size_t room = BT_ALERT_LINE_MAX - l->len;

		if (take > room) {
			memcpy(l->b + l->len, p, room);
			l->len += room;
			l->skipping = true;
		} else if (!l->skipping || l->len < BT_ALERT_LINE_MAX) {
			memcpy(l->b + l->len, p, take);
			l->len += take;
		}
		if (!nl)
			return 0;
		if ((r = flush_line(l, ops)))
			return r;
		p += take + 1;
		n -= take + 1;
	}
	return 0;
}

/* Read what fd has now (non-blocking).  1 at its end, 0 when it would
 * block, a negative bt_error, or a callback's value. */
static int drain(struct bt_alertsrc *s, struct lbuf *l,
		 const struct bt_alertsrc_ops *ops)
{
	char buf[16384];
	ssize_t got;
	int r;

	for (;;) {
		got = read(l->fd, buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (got < 0)
			return bt_error_set_os(BT_EIO, "cannot read '%s'",
					       s->name);
		if (got == 0)
			return 1;
		s->off += (uint64_t)got;
		if ((r = feed(l, buf, (size_t)got, ops)))
			return r;
	}
}

/* "'NAME' WHAT" to the event callback. */
static void tell(const struct bt_alertsrc_ops *ops, const char *name,
		 const char *what)
{
	char msg[512];

	if (!ops->event)
		return;
	snprintf(msg, sizeof(msg), "'%s' %s", name, what);
	ops->event(ops->arg, msg);
}

static void nap(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int open_socket(struct bt_alertsrc *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	size_t i;

	if (strlen(s->path) >= sizeof(sa.sun_path))
		return bt_error_set(BT_EINVAL, "socket path '%s' is too long",
				    s->path);
	memcpy(sa.sun_path, s->path, strlen(s->path) + 1);
	if (!lstat(s->path, &st)) {
		if (!S_ISSOCK(st.st_mode))
			return bt_error_set(BT_EINVAL, "'%s' exists and is not "
					    "a socket", s->path);
		/* A watcher that died left it; a live one would be
		 * replaced too, as a second bind of any server would. */
		unlink(s->path);
	}
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			0);
	if (s->lfd < 0)
		return bt_error_set_os(BT_EIO, "cannot create a socket");
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(s->lfd, 16))
		return bt_error_set_os(BT_EIO, "cannot listen on '%s'",
				       s->path);
	for (i = 0; i < BT_ALERTSRC_CLIENTS; i++)
		s->cl[i].fd = -1;
	return 0;
}

int bt_alertsrc_open(struct bt_alertsrc **out, const char *spec)
{
	struct bt_alertsrc *s;
	struct stat st;
	int r = 0, fd;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->name = strdup(spec))) {
		free(s);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	s->in.fd = -1;
	s->old.fd = -1;
	s->lfd = -1;
	if (!strcmp(spec, "-")) {
		s->kind = K_STDIN;
		fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
		r = lbuf_init(&s->in, 0);
		goto out;
	}
	if (!strncmp(spec, "unix:", 5)) {
		s->kind = K_SOCKET;
		if (!(s->path = strdup(spec + 5))) {
			r = bt_error_set(BT_ENOMEM, "out of memory");
			goto out;
		}
		r = open_socket(s);
		goto out;
	}
	if (!(s->path = strdup(spec))) {
		r = bt_error_set(BT_ENOMEM, "out of memory");
		goto out;
	}
	if (!stat(spec, &st) && S_ISFIFO(st.st_mode)) {
		/* Read-write: no end of file when the last writer goes,
		 * and poll() waits instead of reporting a hang-up. */
		s->kind = K_FIFO;
		fd = open(spec, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			r = bt_error_set_os(BT_EIO, "cannot open '%s'", spec);
			goto out;
		}
		r = lbuf_init(&s->in, fd);
		goto out;
	}
	if (!stat(spec, &st) && !S_ISREG(st.st_mode)) {
		r = bt_error_set(BT_EINVAL, "'%s' is not a file, a FIFO or a "
				 "socket (unix:PATH)", spec);
		goto out;
	}
	/* A file, maybe not there yet: opened by the first poll. */
	s->kind = K_FILE;
	r = lbuf_init(&s->in, -1);
	if (!r)
		r = lbuf_init(&s->old, -1);
out:
	if (r) {
		bt_alertsrc_close(s);
		return r;
	}
	*out = s;
	return 0;
}

/* Open the file at s->path if it is there (from its start). */
static int file_open(struct bt_alertsrc *s, const struct bt_alertsrc_ops *ops)
{
	struct stat st;
	int fd = open(s->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT) {
			if (!s->missing_told)
				tell(ops, s->name, "does not exist yet: "
				     "waiting for it");
			s->missing_told = true;
			return 0;
		}
		return bt_error_set_os(BT_EIO, "cannot open '%s'", s->name);
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return bt_error_set(BT_EINVAL, "'%s' is no longer a file",
				    s->name);
	}
	s->in.fd = fd;
	s->in.len = 0;
	s->in.skipping = false;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->off = 0;
	s->missing_told = false;
	return 0;
}

#define ROTATED_GRACE_S 2   /* how long a rotated file is still read */

/* Read the rotated file; close it once its grace time is over. */
static int old_poll(struct bt_alertsrc *s, const struct bt_alertsrc_ops *ops)
{
	struct timespec now;
	uint64_t off = s->off;
	int r;

	if (s->old.fd < 0)
		return 0;
	s->off = s->old_off;
	r = drain(s, &s->old, ops);
	s->old_off = s->off;
	s->off = off;
	if (r != 1 && r != 0)
		return r;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec < s->old_until.tv_sec)
		return 0;
	r = s->old.len ? flush_line(&s->old, ops) : 0;
	close(s->old.fd);
	s->old.fd = -1;
	return r;
}

/* One round of `tail -F`. */
static int file_poll(struct bt_alertsrc *s, int timeout_ms,
		     const struct bt_alertsrc_ops *ops)
{
	struct stat st, pst;
	int r;

	if ((r = old_poll(s, ops)))
		return r;

	if (s->in.fd < 0) {
		if ((r = file_open(s, ops)))
			return r;
		if (s->in.fd < 0) {
			nap(timeout_ms < 50 ? timeout_ms : 50);
			return 0;
		}
	}
	r = drain(s, &s->in, ops);
	if (r != 1)
		return r;
	/* At the end of what is there: truncated, rotated, or quiet. */
	if (!fstat(s->in.fd, &st) && (uint64_t)st.st_size < s->off) {
		tell(ops, s->name, "was truncated: reading it again from "
		     "its start");
		lseek(s->in.fd, 0, SEEK_SET);
		s->off = 0;
		s->in.len = 0;
		s->in.skipping = false;
		return 0;
	}
	if (stat(s->path, &pst) || pst.st_dev != s->dev ||
	    pst.st_ino != s->ino) {
		/* Renamed away (or removed): what was appended before the
		 * switch is read first, then the new file when it exists;
		 * the old one is read for ROTATED_GRACE_S more, for what
		 * its writer appends before it reopens the path. */
		r = drain(s, &s->in, ops);
		if (r != 1)
			return r;
		if (s->old.fd >= 0) {
			if (s->old.len && (r = flush_line(&s->old, ops)))
				return r;
			close(s->old.fd);
		}
		/* swap the buffers: the new file gets the old one's */
		{
			struct lbuf t = s->old;

			s->old = s->in;
			s->in = t;
		}
		s->old_off = s->off;
		clock_gettime(CLOCK_MONOTONIC, &s->old_until);
		s->old_until.tv_sec += ROTATED_GRACE_S;
		s->in.fd = -1;
		s->missing_told = true;
		tell(ops, s->name, "was rotated: following the new file");
		return 0;
	}
	nap(timeout_ms < 20 ? timeout_ms : 20);
	return 0;
}

static int socket_poll(struct bt_alertsrc *s, int timeout_ms,
		       const struct bt_alertsrc_ops *ops)
{
	struct pollfd pfd[BT_ALERTSRC_CLIENTS + 1];
	size_t i, n = 0, map[BT_ALERTSRC_CLIENTS];
	int r, cfd;

	for (i = 0; i < BT_ALERTSRC_CLIENTS; i++) {
		if (s->cl[i].fd < 0)
			continue;
		map[n] = i;
		pfd[n].fd = s->cl[i].fd;
		pfd[n++].events = POLLIN;
	}
	pfd[n].fd = n < BT_ALERTSRC_CLIENTS ? s->lfd : -1;
	pfd[n].events = POLLIN;
	pfd[n].revents = 0;
	r = poll(pfd, n + 1, timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 :
		       bt_error_set_os(BT_EIO, "cannot poll '%s'", s->name);
	for (i = 0; i < n; i++) {
		struct lbuf *l = &s->cl[map[i]];

		if (!pfd[i].revents)
			continue;
		r = drain(s, l, ops);
		if (r == 1 || (r < 0 && r != BT_ENOMEM)) {
			/* A client gone (or failing) ends its stream
			 * only; its last line without a newline counts. */
			r = l->len ? flush_line(l, ops) : 0;
			lbuf_release(l);
		}
		if (r)
			return r;
	}
	if (pfd[n].revents & POLLIN) {
		cfd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd >= 0) {
			for (i = 0; i < BT_ALERTSRC_CLIENTS; i++)
				if (s->cl[i].fd < 0)
					break;
			if (i == BT_ALERTSRC_CLIENTS || lbuf_init(&s->cl[i], cfd))
				close(cfd);
		}
	}
	return 0;
}

int bt_alertsrc_poll(struct bt_alertsrc *s, int timeout_ms,
		     const struct bt_alertsrc_ops *ops)
{
	struct pollfd pfd;
	int r;

	switch (s->kind) {
	case K_FILE:
		return file_poll(s, timeout_ms, ops);
	case K_SOCKET:
		return socket_poll(s, timeout_ms, ops);
	case K_STDIN:
	case K_FIFO:
		break;
	}
	pfd.fd = s->in.fd;
	pfd.events = POLLIN;
	r = poll(&pfd, 1, timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 :
		       bt_error_set_os(BT_EIO, "cannot poll '%s'", s->name);
	if (!r)
		return 0;
	r = drain(s, &s->in, ops);
	if (r == 1 && s->kind == K_STDIN) {
		if (s->in.len && (r = flush_line(&s->in, ops)))
			return r;
		return 1;
	}
	return r == 1 ? 0 : r;
}

bool bt_alertsrc_is_durable(const struct bt_alertsrc *s)
{
	return s->kind == K_FILE;
}

const char *bt_alertsrc_name(const struct bt_alertsrc *s)
{
	return s->name;
}

void bt_alertsrc_close(struct bt_alertsrc *s)
{
	size_t i;

	if (!s)
		return;
	lbuf_release(&s->in);
	if (s->kind == K_FILE)
		lbuf_release(&s->old);
	if (s->kind == K_SOCKET) {
		for (i = 0; i < BT_ALERTSRC_CLIENTS; i++)
			if (s->cl[i].fd >= 0)
				lbuf_release(&s->cl[i]);
		if (s->lfd >= 0) {
			close(s->lfd);
			unlink(s->path);
		}
	}
	free(s->path);
	free(s->name);
	free(s);
}
