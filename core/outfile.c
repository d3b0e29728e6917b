/*
 * outfile.c - replacing a file safely: a temporary file beside the target,
 * renamed onto it when complete (API and rules: outfile.h).
 *
 * Why beside the target: rename(2) is atomic only within one file system,
 * and the directory is where the name lives.  Why not O_TMPFILE + linkat:
 * a file with a name can be found and reported after a crash (a killed
 * recorder's log is evidence), an anonymous one is lost.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "error.h"
#include "outfile.h"

#define TMP_TAG ".btrack-tmp."
#define BASE_MAX 200      /* of NAME in .NAME.btrack-tmp.PID */

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

static int sys_renameat2(int olddirfd, const char *oldpath, int newdirfd,
			 const char *newpath, unsigned flags)
{
#ifdef SYS_renameat2
	return (int)syscall(SYS_renameat2, olddirfd, oldpath, newdirfd,
			    newpath, flags);
#else
	(void)olddirfd; (void)oldpath; (void)newdirfd; (void)newpath;
	(void)flags;
	errno = ENOSYS;
	return -1;
#endif
}

/* For tests: replaced to exercise the link + unlink fallback. */
int (*bt_outfile_renameat2)(int, const char *, int, const char *,
			    unsigned) = sys_renameat2;

static void free_names(struct bt_outfile *of)
{
	free(of->path);
	free(of->base);
	free(of->tmp);
	free(of->tmp_path);
	of->path = of->base = of->tmp = of->tmp_path = NULL;
}

static void note(struct bt_outfile *of, bool kept, const char *dir,
		 const char *name, long pid)
{
	size_t n = strlen(of->warning);

	if (n + 1 >= sizeof(of->warning))
		return;
	if (kept)
		snprintf(of->warning + n, sizeof(of->warning) - n, "%s'%s%s' "
			 "was left by a writer that died (pid %ld): kept, "
			 "rename or remove it", n ? "; " : "", dir, name, pid);
	else
		snprintf(of->warning + n, sizeof(of->warning) - n, "%sremoved "
			 "'%s%s', left by a writer that died (pid %ld)",
			 n ? "; " : "", dir, name, pid);
}

/*
 * Temporary files of this target whose writer is gone: ".BASE.btrack-tmp."
 * then a pid that does not exist (kill(pid, 0) fails with ESRCH).  A live
 * pid, even a reused one, is left alone: at worst a stale file waits for
 * the next run.
 */
static void scan_stale(struct bt_outfile *of, const char *dir,
		       const char *prefix, bt_outfile_keep_fn keep)
{
	size_t plen = strlen(prefix);
	struct dirent *de;
	DIR *d;
	int fd = openat(of->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		const char *p = de->d_name + plen;
		char *end;
		long pid;

		if (strncmp(de->d_name, prefix, plen) || *p < '1' || *p > '9')
			continue;
		errno = 0;
		pid = strtol(p, &end, 10);
		if (errno || (*end && *end != '-') || pid <= 0 ||
		    pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (keep && keep(of->dirfd, de->d_name))
			note(of, true, dir, de->d_name, pid);
		else if (unlinkat(of->dirfd, de->d_name, 0) == 0)
			note(of, false, dir, de->d_name, pid);
	}
	closedir(d);
}

bool bt_outfile_is_direct(const char *path)
{
	struct stat st;

	char link[16];
	ssize_t n;

	/* /dev/stdout, /dev/fd/N, /proc/self/fd/N: links to whatever the
	 * descriptor is, a redirected regular file included */
	if (!strncmp(path, "/proc/", 6) || !strncmp(path, "/dev/fd/", 8) ||
	    !strncmp(path, "/dev/std", 8))
		return true;
	n = readlink(path, link, sizeof(link));
	if (n >= 6 && !strncmp(link, "/proc/", 6))
		return true;
	return stat(path, &st) == 0 && !S_ISREG(st.st_mode) &&
	       !S_ISDIR(st.st_mode);
}

/* A device, a pipe, a socket (also through a symlink, as /dev/stdout):
 * written to in place, never replaced.  A regular file there (a redirected
 * /dev/stdout) is truncated, as the shell's '>' does. */
static int open_direct(struct bt_outfile *of, const char *path)
{
	struct stat st;
	int trunc = stat(path, &st) == 0 && S_ISREG(st.st_mode) ? O_TRUNC : 0;

	of->fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | trunc);
	if (of->fd < 0) {
		int r = bt_error_set_os(BT_EIO, "cannot open '%s'", path);

		bt_outfile_abort(of);
		return r;
	}
	of->direct = true;
	return 0;
}

int bt_outfile_open(struct bt_outfile *of, const char *path, unsigned flags,
		    mode_t mode, bt_outfile_keep_fn keep)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	char *dir = NULL, *prefix = NULL;
	struct stat st;
	int i, r;

	memset(of, 0, sizeof(*of));
	of->fd = of->dirfd = -1;
	of->flags = flags;
	if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
		return bt_error_set(BT_EINVAL, "'%s' is a directory", path);
	of->path = strdup(path);
	if (!of->path)
		return bt_error_set(BT_ENOMEM, "out of memory");
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		r = bt_error_set(BT_EINVAL, "'%s' is a directory", path);
		goto fail;
	}
	if (bt_outfile_is_direct(path))
		return open_direct(of, path);
	of->base = strdup(name);
	/* "DIR/" with its slash, "" for the current directory */
	dir = strndup(path, slash ? (size_t)(slash - path + 1) : 0);
	if (!of->path || !of->base || !dir) {
		r = bt_error_set(BT_ENOMEM, "out of memory");
		goto fail;
	}
	of->dirfd = open(*dir ? dir : ".", O_RDONLY | O_DIRECTORY |
			 O_CLOEXEC);
	if (of->dirfd < 0) {
		r = bt_error_set_os(errno == ENOENT ? BT_ENOTFOUND : BT_EIO,
				    "cannot open directory '%s'",
				    *dir ? dir : ".");
		goto fail;
	}
	if (!(flags & BT_OUTF_FORCE) &&
	    fstatat(of->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		r = bt_error_set(BT_EINVAL, "'%s' already exists", path);
		goto fail;
	}
	if (asprintf(&prefix, ".%.*s" TMP_TAG, BASE_MAX, name) < 0) {
		prefix = NULL;
		r = bt_error_set(BT_ENOMEM, "out of memory");
		goto fail;
	}
	scan_stale(of, dir, prefix, keep);
	/* PID, then PID-1...: a file of our pid is one a previous process
	 * of the same pid left, or one this process is writing. */
	for (i = 0; i < 100; i++) {
		free(of->tmp);
		if ((i ? asprintf(&of->tmp, "%s%ld-%d", prefix,
				  (long)getpid(), i) :
		     asprintf(&of->tmp, "%s%ld", prefix, (long)getpid())) < 0) {
			of->tmp = NULL;
			r = bt_error_set(BT_ENOMEM, "out of memory");
			goto fail;
		}
		of->fd = openat(of->dirfd, of->tmp, O_RDWR | O_CREAT | O_EXCL |
				O_NOFOLLOW | O_CLOEXEC, mode);
		if (of->fd >= 0 || errno != EEXIST)
			break;
	}
	if (of->fd < 0) {
		r = bt_error_set_os(BT_EIO, "cannot create '%s%s'", dir,
				    of->tmp);
		goto fail;
	}
	if (asprintf(&of->tmp_path, "%s%s", dir, of->tmp) < 0) {
		of->tmp_path = NULL;
		r = bt_error_set(BT_ENOMEM, "out of memory");
		goto fail;
	}
	free(prefix);
	free(dir);
	return 0;
fail:
	bt_outfile_abort(of);
	free(prefix);
	free(dir);
	return r;
}

/* With FORCE: a log being appended to holds a flock on it; replacing it
 * would send the appender's records to an unlinked file. */
static int target_busy(struct bt_outfile *of)
{
	int fd = openat(of->dirfd, of->base, O_RDONLY | O_NOFOLLOW |
			O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	bool busy;

	if (fd < 0)
		return 0;
	busy = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	if (busy)
		return bt_error_set(BT_EINVAL, "'%s' is being written by "
				    "another process", of->path);
	return 0;
}

int bt_outfile_commit(struct bt_outfile *of)
{
	int r;

	if (of->direct) {
		r = close(of->fd);
		of->fd = -1;
		if (r < 0)
			return bt_error_set_os(BT_EIO, "cannot write '%s'",
					       of->path ? of->path : "-");
		bt_outfile_abort(of);
		return 0;
	}
	if (!(of->flags & BT_OUTF_NOSYNC) && fsync(of->fd) < 0 &&
	    errno != EINVAL)
		return bt_error_set_os(BT_EIO, "cannot write '%s'",
				       of->tmp_path);
	if (of->flags & BT_OUTF_FORCE) {
		if ((r = target_busy(of)))
			return r;
		if (renameat(of->dirfd, of->tmp, of->dirfd, of->base) < 0)
			return bt_error_set_os(BT_EIO, "cannot rename '%s' to "
					       "'%s'", of->tmp_path, of->path);
	} else if (bt_outfile_renameat2(of->dirfd, of->tmp, of->dirfd,
					of->base, RENAME_NOREPLACE) < 0) {
		if (errno == EINVAL || errno == ENOSYS) {
			/* no RENAME_NOREPLACE here: link(2) fails with
			 * EEXIST just the same */
			if (linkat(of->dirfd, of->tmp, of->dirfd, of->base,
				   0) == 0)
				unlinkat(of->dirfd, of->tmp, 0);
			else
				goto fail;
		} else {
			goto fail;
		}
	}
	/* the new name is durable once the directory is */
	if (!(of->flags & BT_OUTF_NOSYNC))
		fsync(of->dirfd);
	r = close(of->fd);
	of->fd = -1;
	free(of->tmp);
	of->tmp = NULL;
	if (r < 0)
		return bt_error_set_os(BT_EIO, "cannot write '%s'", of->path);
	bt_outfile_abort(of);
	return 0;
fail:
	if (errno == EEXIST)
		return bt_error_set(BT_EINVAL, "'%s' was created by another "
				    "process meanwhile: not replaced",
				    of->path);
	return bt_error_set_os(BT_EIO, "cannot rename '%s' to '%s'",
			       of->tmp_path, of->path);
}

static void end(struct bt_outfile *of, bool remove)
{
	if (of->fd >= 0)
		close(of->fd);
	if (remove && of->tmp && of->dirfd >= 0)
		unlinkat(of->dirfd, of->tmp, 0);
	if (of->dirfd >= 0)
		close(of->dirfd);
	of->fd = of->dirfd = -1;
	free_names(of);
}

void bt_outfile_abort(struct bt_outfile *of)
{
	end(of, true);
}

void bt_outfile_release(struct bt_outfile *of)
{
	end(of, false);
}

const char *bt_outfile_tmp_path(const struct bt_outfile *of)
{
	return of->tmp_path ? of->tmp_path : of->path;
}
