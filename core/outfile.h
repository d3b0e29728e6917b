/*
 * outfile.h - the one way btrack replaces a file: logs (core/log.c) and
 * the CLI's outputs (-o FILE) are written to a temporary file beside the
 * target and renamed onto it once complete.
 *
 * The temporary file is DIR/.NAME.btrack-tmp.PID (NAME cut to 200 bytes),
 * created with O_CREAT|O_EXCL|O_NOFOLLOW, so nothing is ever written
 * through a symlink and a reader of the old file never sees it shrink or
 * change: the rename swaps the directory entry.  Without BT_OUTF_FORCE the
 * rename is renameat2(RENAME_NOREPLACE) (link + unlink where the file
 * system lacks it): of two writers racing for one new name, exactly one
 * wins and the other gets BT_EINVAL, nothing replaced.  With BT_OUTF_FORCE
 * the target, a symlink included, is replaced (the link itself, never what
 * it points to).  A target that is a device, a pipe or a socket, or a
 * path under /dev or /proc (e.g. /dev/null, /dev/stdout, also when it is
 * a redirected regular file) is written to directly: it is not replaced.
 *
 * Temporary files of this target left by a writer that died (its pid is
 * gone) are found at open: removed, or kept when the caller's `keep`
 * says they hold something worth keeping (a killed recorder's log), and
 * either way named in `warning`.
 *
 * Does not print; errors are bt_error codes with a message.
 */
#ifndef BT_OUTFILE_H
#define BT_OUTFILE_H

#include <stdbool.h>
#include <sys/types.h>

enum bt_outfile_flags {
	BT_OUTF_FORCE = 0x1,  /* replace an existing target */
	BT_OUTF_NOSYNC = 0x2  /* commit without fsync of the file and its
	                         directory: for derived data whose latency
	                         matters (btrack watch's results); a crash
	                         of the machine may lose it, a killed
	                         process does not */
};

struct bt_outfile {
	int fd;              /* the file to write: O_RDWR; -1 when closed */
	int dirfd;           /* the target's directory; -1 when direct */
	char *path;          /* the target as given, for messages */
	char *base;          /* its name in dirfd */
	char *tmp;           /* the temporary file's name in dirfd */
	char *tmp_path;      /* DIR/tmp, for messages */
	unsigned flags;
	bool direct;         /* a device or pipe, written in place */
	char warning[1024];  /* stale temporary files found; "" if none */
};

/*
 * Decides whether a stale temporary file `name` in `dirfd` is kept (true)
 * rather than removed.
 */
typedef bool (*bt_outfile_keep_fn)(int dirfd, const char *name);

/*
 * Create the temporary file for `path` (or open a device/pipe target).
 * BT_EINVAL when `path` exists and flags lack BT_OUTF_FORCE ("already
 * exists"), BT_ENOTFOUND when its directory does not exist, BT_EIO for
 * other system errors.  `mode` as for open(2) (the umask applies).
 * `keep` may be NULL (stale files are removed).  On success the caller
 * ends `of` with bt_outfile_commit() or bt_outfile_abort().
 */
int bt_outfile_open(struct bt_outfile *of, const char *path, unsigned flags,
		    mode_t mode, bt_outfile_keep_fn keep);

/*
 * fsync the temporary file, rename it onto the target and close it.  On
 * failure (BT_EINVAL: the target appeared meanwhile and flags lack FORCE;
 * BT_EINVAL: with FORCE, the target is a log another process is writing;
 * BT_EIO) the temporary file is left and still open: call
 * bt_outfile_abort() to remove it, or bt_outfile_release() to keep it.
 */
int bt_outfile_commit(struct bt_outfile *of);

/* Close and remove the temporary file; free.  Accepts an `of` whose open
 * or commit failed or that was already ended. */
void bt_outfile_abort(struct bt_outfile *of);

/* Close without removing the temporary file (what a crash leaves); free. */
void bt_outfile_release(struct bt_outfile *of);

/* Whether `path` is written in place, not replaced: a device, a pipe or
 * a socket, or a descriptor's name (/dev/stdout, /dev/fd/N, /proc/...). */
bool bt_outfile_is_direct(const char *path);

/* The temporary file's path (borrowed), or the target for a direct one. */
const char *bt_outfile_tmp_path(const struct bt_outfile *of);

#endif
