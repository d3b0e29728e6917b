/*
 * probe.h - what the system-call probes share (the C files of tests/probes).
 *
 * Each probe is one small program that moves data from a source to a sink
 * through one system call or call family, so that tests/scenario/probes.sh
 * can check, under each capture source (btrack record, auditd), that a
 * backtrack from the sink reaches the source.  A probe runs in a directory
 * of its own; argv[1] is the source file, argv[2] the sink (a file, or a
 * name for the name probes).  After the sink is complete and closed, every
 * probe reads ./decoy: a backtrack from the sink must not blame it.
 * A probe exits 0 on success, 1 on a failed call, 77 when the call is not
 * available here (it says why on stderr).
 */
#ifndef BT_PROBE_H
#define BT_PROBE_H
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROBE_BUF 4096

static inline void die(const char *what)
{
	fprintf(stderr, "probe: %s: %s\n", what, strerror(errno));
	exit(1);
}

static inline void unavailable(const char *what)
{
	fprintf(stderr, "probe: %s not available here: %s\n", what,
		strerror(errno));
	exit(77);
}

static inline void usage(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s SOURCE SINK\n", argv[0]);
		exit(2);
	}
}

/* Read the source with read(2) into buf; returns the byte count. */
static inline size_t slurp(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		die(path);
	n = read(fd, buf, cap);
	if (n < 0)
		die("read");
	close(fd);
	return (size_t)n;
}

/* Write buf to path with write(2) (create, truncate). */
static inline void spill(const char *path, const char *buf, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		die(path);
	if (write(fd, buf, n) != (ssize_t)n)
		die("write");
	if (close(fd) < 0)
		die("close");
}

/* Read ./decoy after the sink is done: never a cause of the sink. */
static inline void decoy(void)
{
	char buf[64];
	int fd = open("decoy", O_RDONLY);

	if (fd < 0)
		die("decoy");
	if (read(fd, buf, sizeof buf) < 0)
		die("read decoy");
	close(fd);
}

static inline void reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) < 0)
		die("waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "probe: child failed (status %d)\n", st);
		exit(1);
	}
}
#endif
