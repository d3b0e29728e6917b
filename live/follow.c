/*
 * follow.c - following a log being written (see follow.h): find the file
 * (NAME or its writer's temporary file), watch its header's committed
 * length, take new records into the graph, notice a replaced or shrunken
 * file.  The log format is core/log.h's; this module only decides when to
 * read and what changed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "follow.h"
#include "../core/error.h"
#include "../core/record.h"

#define TMP_TAG ".btrack-tmp."
#define BASE_MAX 200   /* NAME is cut to this in .NAME.btrack-tmp.PID
                          (core/outfile.c) */

struct bt_follow {
	char *name;             /* NAME as given */
	char *dir;              /* its directory ("." if none) */
	char *base;             /* its last component, cut to BASE_MAX */
	char *file;             /* the file read: NAME or DIR/.tmp; NULL */
	int fd;                 /* file, to read its header; -1 */
	dev_t dev;
	ino_t ino;
	uint64_t created;       /* header's creation time */
	uint64_t committed;     /* header's committed length as loaded */
	uint64_t size;          /* file size as loaded */
	bool closed;            /* header's BT_LOGF_CLOSED as loaded */
	struct bt_graph *g;
	uint64_t last_time;
	bool incremental;       /* the graph is extended, not reloaded */
	struct bt_follow_stats st;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int bt_follow_open(struct bt_follow **out, const char *name)
{
	struct bt_follow *f = calloc(1, sizeof(*f));
	const char *slash = strrchr(name, '/');

	*out = NULL;
	if (!f)
		return bt_error_set(BT_ENOMEM, "out of memory");
	f->fd = -1;
	f->name = strdup(name);
	if (slash)
		f->dir = strndup(name, slash == name ? 1 : (size_t)(slash - name));
	else
		f->dir = strdup(".");
	f->base = strndup(slash ? slash + 1 : name, BASE_MAX);
	if (!f->name || !f->dir || !f->base) {
		bt_follow_close(f);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	*out = f;
	return 0;
}

/* Drop the file and the graph (a refresh then looks for the log anew). */
static void forget(struct bt_follow *f)
{
	bt_graph_free(f->g);
	f->g = NULL;
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	free(f->file);
	f->file = NULL;
	f->committed = f->size = f->created = 0;
	f->closed = false;
	f->last_time = 0;
	f->st.events = 0;
}

static bool pid_alive(long pid)
{
	return pid > 0 && pid <= INT_MAX &&
	       (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* The writer's temporary file .BASE.btrack-tmp.PID in DIR: one whose
 * writer lives, else the newest (a writer that died leaves its records);
 * NULL if none (caller frees). */
static char *find_tmp(const struct bt_follow *f)
{
	char prefix[BASE_MAX + 32], *best = NULL;
	size_t plen;
	struct dirent *de;
	struct timespec best_t = { 0, 0 };
	bool best_alive = false;
	DIR *d = opendir(f->dir);

	if (!d)
		return NULL;
	plen = (size_t)snprintf(prefix, sizeof(prefix), ".%s" TMP_TAG, f->base);
	while ((de = readdir(d))) {
		char *end, *path;
		long pid;
		struct stat st;
		bool alive;

		if (strncmp(de->d_name, prefix, plen))
			continue;
		pid = strtol(de->d_name + plen, &end, 10);
		if (*end || end == de->d_name + plen)
			continue;
		if (asprintf(&path, "%s/%s", f->dir, de->d_name) < 0)
			break;
		if (lstat(path, &st) || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		alive = pid_alive(pid);
		if (!best || (alive && !best_alive) ||
		    (alive == best_alive &&
		     (st.st_mtim.tv_sec > best_t.tv_sec ||
		      (st.st_mtim.tv_sec == best_t.tv_sec &&
		       st.st_mtim.tv_nsec > best_t.tv_nsec)))) {
			free(best);
			best = path;
			best_t = st.st_mtim;
			best_alive = alive;
		} else {
			free(path);
		}
	}
	closedir(d);
	return best;
}

/* Read the header of the file open at fd. */
static int read_header(int fd, struct bt_log_header *h)
{
	ssize_t got = pread(fd, h, sizeof(*h), 0);

	if (got != (ssize_t)sizeof(*h))
		return -1;
	return memcmp(h->magic, BT_LOG_MAGIC, sizeof(h->magic)) ? -1 : 0;
}

/* Open `path` as the file followed (no graph yet). */
static int attach(struct bt_follow *f, const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return errno == ENOENT ? BT_ENOTFOUND :
		       bt_error_set_os(BT_EIO, "cannot open '%s'", path);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return bt_error_set(BT_EINVAL, "'%s' is not a file", path);
	}
	f->file = strdup(path);
	if (!f->file) {
		close(fd);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	return 0;
}

/* The latest event time of a loaded graph's log.  Version 2: from its
 * last block only (the time of the last event before it, and its own
 * events), O(block); version 1: a pass over the log. */
static uint64_t log_last_time(const struct bt_graph *g)
{
	const struct bt_log *log = bt_graph_log(g);
	struct bt_log_blockinfo bi;
	struct bt_log_stats st;
	uint32_t n = bt_log_blocks(log);
	size_t cap, len, off;
	const uint8_t *recs;
	const void *held;
	uint8_t *buf = NULL;
	uint64_t t;

	if (bt_log_version(log) < 2 || !n) {
		if (bt_log_stats(log, &st))
			return 0;
		return st.last_time;
	}
	if (bt_log_block_info(log, n - 1, &bi))
		return 0;
	t = bi.base_time;
	/* the log holds its last block decoded (the refresh decoded only
	 * what is new); else decode it */
	if (!bt_log_block_held(log, n - 1, 0, NULL, &held, &len)) {
		recs = held;
	} else {
		cap = bt_log_block_decoded_max(log);
		buf = malloc(cap);
		if (!buf || bt_log_block_decode(log, n - 1, buf, cap, &len,
						NULL)) {
			free(buf);
			return t;
		}
		recs = buf;
	}
	/* The records were validated by the decoder: events are 24
	 * bytes, the others say their length (a multiple of 8). */
	for (off = 0; off + sizeof(struct bt_rec_head) <= len;) {
		const struct bt_rec_head *h = (const void *)(recs + off);

		if (h->type == BT_REC_EVENT) {
			const struct bt_rec_event *e = (const void *)h;

			if (off + sizeof(*e) > len)
				break;
			if (e->time > t)
				t = e->time;
			off += sizeof(*e);
		} else {
			if (h->len < sizeof(*h))
				break;
			off += h->len;
		}
	}
	free(buf);
	return t;
}

/*
 * Take in records up to the committed length: extend the graph
 * (bt_graph_extend(): refreshes the log and adds only what is new,
 * amortised O(1) per event).  A version 1 log, no graph yet, or an
 * extension that failed (a block that no longer decodes, the log
 * rewritten under us) load the whole log again instead.
 */
static int take_in(struct bt_follow *f, const struct bt_log_header *h,
		   uint64_t size, uint64_t *new_events)
{
	struct bt_graph *g = NULL;
	uint64_t t0 = now_ns(), before = f->st.events, added = 0;
	int r;

	if (f->g && bt_log_version(bt_graph_log(f->g)) >= 2) {
		r = bt_graph_extend(f->g, &added);
		if (!r) {
			f->incremental = true;
			goto done;
		}
		if (r == BT_ENOMEM)
			return r;
		/* else: read it all again (the caller reports a log that
		 * was replaced or cut before it gets here) */
	}
	r = bt_graph_load(&g, f->file, NULL, NULL);
	if (r)
		return r;
	bt_graph_free(f->g);
	f->g = g;
	f->incremental = bt_log_version(bt_graph_log(g)) >= 2;
	added = bt_graph_nevents(g) >= before ? bt_graph_nevents(g) - before :
		bt_graph_nevents(g);
done:
	f->committed = h->committed;
	f->size = size;
	f->created = h->created;
	f->closed = h->flags & BT_LOGF_CLOSED;
	f->last_time = log_last_time(f->g);
	f->st.events = bt_graph_nevents(f->g);
	f->st.loads++;
	f->st.last_load_ns = now_ns() - t0;
	f->st.load_ns += f->st.last_load_ns;
	f->st.last_load_events = added;
	if (new_events)
		*new_events = added;
	return 0;
}

/* Find the file to follow: NAME, else the writer's temporary file. */
static int find_file(struct bt_follow *f)
{
	char *tmp;
	int r;

	r = attach(f, f->name);
	if (r != BT_ENOTFOUND)
		return r;
	tmp = find_tmp(f);
	if (!tmp)
		return BT_ENOTFOUND;
	r = attach(f, tmp);
	free(tmp);
	return r;
}

/* Where the followed file is now: NAME after the writer's rename. */
static int track_rename(struct bt_follow *f)
{
	struct stat st;
	char *p;

	if (!strcmp(f->file, f->name) || stat(f->name, &st))
		return 0;
	if (st.st_dev == f->dev && st.st_ino == f->ino) {
		if (!(p = strdup(f->name)))
			return bt_error_set(BT_ENOMEM, "out of memory");
		free(f->file);
		f->file = p;
		return 0;
	}
	/* Another file took NAME: the log there now is the one to follow. */
	return bt_error_set(BT_ECORRUPT, "log '%s' was replaced by another "
			    "file; reading it from its start", f->name);
}

/* The checks of a refresh, and with `take` taking new records in. */
static int update(struct bt_follow *f, uint64_t *new_events, bool take)
{
	struct bt_log_header h;
	struct stat st;
	int r;

	if (new_events)
		*new_events = 0;
	if (take)
		f->st.refreshes++;
	if (!f->file) {
		r = find_file(f);
		if (r == BT_ENOTFOUND)
			return 0;
		if (r)
			return r;
	}
	if ((r = track_rename(f)))
		goto restart;
	if (!strcmp(f->file, f->name)) {
		bool gone = stat(f->name, &st) != 0;

		if (gone && !f->g)
			goto restart_quiet;
		if (gone || st.st_dev != f->dev || st.st_ino != f->ino) {
			r = bt_error_set(BT_ECORRUPT, "log '%s' was %s; "
					 "reading the log at its path from "
					 "its start", f->name, gone ?
					 "removed" : "replaced");
			goto restart;
		}
	}
	if (fstat(f->fd, &st))
		return bt_error_set_os(BT_EIO, "cannot stat '%s'", f->file);
	if (read_header(f->fd, &h)) {
		if (!f->g && (uint64_t)st.st_size < sizeof(h))
			return 0;   /* being created: wait */
		r = bt_error_set(BT_ECORRUPT, "log '%s' no longer has a log "
				 "header (replaced or overwritten)", f->file);
		goto restart;
	}
	if (f->g && h.created != f->created) {
		r = bt_error_set(BT_ECORRUPT, "log '%s' was replaced (another "
				 "creation time); reading it from its start",
				 f->file);
		goto restart;
	}
	if (f->g && h.committed < f->committed) {
		r = bt_error_set(BT_ECORRUPT, "the end of log '%s' moved "
				 "backwards (committed %llu bytes, was %llu); "
				 "reading it from its start", f->file,
				 (unsigned long long)h.committed,
				 (unsigned long long)f->committed);
		goto restart;
	}
	if (f->g && (uint64_t)st.st_size < f->committed) {
		r = bt_error_set(BT_ECORRUPT, "log '%s' was cut to %llu bytes "
				 "(it had %llu committed); reading it from its "
				 "start", f->file, (unsigned long long)st.st_size,
				 (unsigned long long)f->committed);
		goto restart;
	}
	if (f->g && (!take || (h.committed == f->committed &&
			       !!(h.flags & BT_LOGF_CLOSED) == f->closed)))
		return 0;
	r = take_in(f, &h, (uint64_t)st.st_size, new_events);
	if (r == BT_ENOTFOUND)
		goto restart_quiet;   /* renamed between two calls */
	return r;
restart:
	f->st.restarts++;
restart_quiet:
	forget(f);
	return r == BT_ENOTFOUND ? 0 : r;
}

int bt_follow_refresh(struct bt_follow *f, uint64_t *new_events)
{
	return update(f, new_events, true);
}

int bt_follow_check(struct bt_follow *f)
{
	return update(f, NULL, false);
}

const struct bt_graph *bt_follow_graph(const struct bt_follow *f)
{
	return f->g;
}

uint64_t bt_follow_last_time(const struct bt_follow *f)
{
	return f->last_time;
}

bool bt_follow_is_closed(const struct bt_follow *f)
{
	return f->closed;
}

const char *bt_follow_file(const struct bt_follow *f)
{
	return f->file;
}

void bt_follow_stats(const struct bt_follow *f, struct bt_follow_stats *out)
{
	*out = f->st;
	out->incremental = f->incremental;
}

void bt_follow_close(struct bt_follow *f)
{
	if (!f)
		return;
	forget(f);
	free(f->name);
	free(f->dir);
	free(f->base);
	free(f);
}
