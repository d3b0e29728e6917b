/*
 * dbgraph.c - the dependency graph of a case database (graph/dbgraph.h):
 * the database's events written into a temporary log, then loaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../core/db.h"
#include "../core/error.h"
#include "dbgraph.h"

/* The temporary log: a memfd (no disk, no fsync) through /proc/self/fd
 * when the kernel has them, else an unlinked file in $TMPDIR. */
static int graph_via(struct bt_graph **out, struct bt_db *db,
		     const char *path, const char *host,
		     bt_progress_fn progress, void *arg)
{
	int err = bt_db_export_log_host(db, path, host, progress, arg);
	struct bt_log *log;

	/* a temporary log: read it, never index it */
	if (err || (err = bt_log_open(&log, path)))
		return err;
	return bt_graph_from_log(out, log, progress, arg);
}

int bt_db_graph(struct bt_graph **out, struct bt_db *db,
		bt_progress_fn progress, void *arg)
{
	return bt_db_graph_host(out, db, NULL, progress, arg);
}

int bt_db_graph_host(struct bt_graph **out, struct bt_db *db,
		     const char *host, bt_progress_fn progress, void *arg)
{
	const char *dir = getenv("TMPDIR");
	char *path, proc[64];
	int fd, err;

	*out = NULL;
	fd = memfd_create("btrack-db", MFD_CLOEXEC);
	if (fd >= 0) {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (access(proc, R_OK | W_OK) == 0) {
			err = graph_via(out, db, proc, host, progress, arg);
			close(fd);
			return err;
		}
		close(fd);
	}
	if (!dir || !*dir)
		dir = "/tmp";
	if (asprintf(&path, "%s/btrack-db-XXXXXX", dir) < 0)
		return bt_error_set(BT_ENOMEM, "out of memory");
	fd = mkstemp(path);
	if (fd < 0) {
		err = bt_error_set_os(BT_EIO, "cannot create a temporary file "
				      "in '%s'", dir);
		free(path);
		return err;
	}
	close(fd);
	err = graph_via(out, db, path, host, progress, arg);
	unlink(path);
	free(path);
	return err;
}
