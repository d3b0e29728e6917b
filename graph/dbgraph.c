/*
 * dbgraph.c - the dependency graph of a case database (graph/dbgraph.h):
 * the database's events, or those a walk needs, written into a temporary
 * log, then loaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../core/db.h"
#include "../core/error.h"
#include "dbgraph.h"
#include "walk.h"

/* A private temporary file: a memfd (no disk, no fsync) through
 * /proc/self/fd when the kernel has them, else an unlinked file in
 * $TMPDIR.  *path is the caller's (tmp_close()). */
struct tmp {
	int fd;
	char *path;
	bool unlink;
};

/* A temporary log: read it, never index it (graph/index.h). */
static int load_tmp(struct bt_graph **out, const char *path,
		    bt_progress_fn progress, void *arg)
{
	struct bt_log *log;
	int err;

	*out = NULL;
	if ((err = bt_log_open(&log, path)))
		return err;
	return bt_graph_from_log(out, log, progress, arg);
}

static int tmp_open(struct tmp *t)
{
	const char *dir = getenv("TMPDIR");

	t->unlink = false;
	t->fd = memfd_create("btrack-db", MFD_CLOEXEC);
	if (t->fd >= 0) {
		if (asprintf(&t->path, "/proc/self/fd/%d", t->fd) < 0) {
			close(t->fd);
			return bt_error_set(BT_ENOMEM, "out of memory");
		}
		if (access(t->path, R_OK | W_OK) == 0)
			return 0;
		free(t->path);
		close(t->fd);
	}
	if (!dir || !*dir)
		dir = "/tmp";
	if (asprintf(&t->path, "%s/btrack-db-XXXXXX", dir) < 0)
		return bt_error_set(BT_ENOMEM, "out of memory");
	t->fd = mkstemp(t->path);
	if (t->fd < 0) {
		int err = bt_error_set_os(BT_EIO, "cannot create a temporary "
					  "file in '%s'", dir);

		free(t->path);
		return err;
	}
	t->unlink = true;
	return 0;
}

static void tmp_close(struct tmp *t)
{
	if (t->unlink)
		unlink(t->path);
	close(t->fd);
	free(t->path);
}

int bt_db_graph(struct bt_graph **out, struct bt_db *db,
		bt_progress_fn progress, void *arg)
{
	return bt_db_graph_host(out, db, NULL, progress, arg);
}

int bt_db_graph_host(struct bt_graph **out, struct bt_db *db,
		     const char *host, bt_progress_fn progress, void *arg)
{
	struct tmp t;
	int err;

	*out = NULL;
	if ((err = tmp_open(&t)))
		return err;
	err = bt_db_export_log_host(db, t.path, host, progress, arg);
	if (!err)
		err = load_tmp(out, t.path, progress, arg);
	tmp_close(&t);
	return err;
}

struct points {
	const char *const *specs;
	size_t n;
};

/* The detection points, found in the log of the objects alone. */
static int resolve(void *arg, const char *objects, uint32_t **starts,
		   size_t *n)
{
	const struct points *p = arg;
	struct bt_graph *g;
	uint64_t t;
	size_t i;
	int err;

	*n = 0;
	if ((err = load_tmp(&g, objects, NULL, NULL)))
		return err;
	*starts = calloc(p->n + 1, sizeof(**starts));
	if (!*starts) {
		bt_graph_free(g);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	/* A spec that names nothing fails again, the same, on the walk's
	 * graph: left out here. */
	for (i = 0; i < p->n; i++)
		if (p->specs[i] &&
		    bt_spec_resolve(&(*starts)[*n], &t, g, p->specs[i]) == 0)
			(*n)++;
	bt_graph_free(g);
	return 0;
}

int bt_db_graph_walk(struct bt_graph **out, struct bt_db *db,
		     const char *host, enum bt_dir dir,
		     const char *const *specs, size_t n,
		     bt_progress_fn progress, void *arg)
{
	struct points p = { specs, n };
	struct tmp objs, walk;
	int err;

	*out = NULL;
	if ((err = tmp_open(&objs)))
		return err;
	if ((err = tmp_open(&walk))) {
		tmp_close(&objs);
		return err;
	}
	err = bt_db_export_walk(db, objs.path, walk.path, host,
				dir == BT_FORWARD, resolve, &p, progress, arg);
	tmp_close(&objs);
	if (!err)
		err = load_tmp(out, walk.path, progress, arg);
	tmp_close(&walk);
	return err;
}
