/*
 * check_pagemon.c - the LD_PRELOAD page monitor end to end, without the
 * recorder: each test creates a page ring, runs a test program
 * (tests/progs/pagemon-*.c) with LD_PRELOAD=libbtrack-pages.so and the
 * ring's fd in its environment, drains the ring and checks the events:
 * fault counts per slice, program-owned SIGSEGV handlers, read(2) into
 * revoked pages, pids of several processes and of fork children, and that
 * nothing happens without a ring.
 *
 * The library and programs are found next to this binary's build
 * directory: $(B)/libbtrack-pages.so and $(B)/progs/.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../capture/pagering.h"
#include "../core/error.h"
#include "testutil.h"

#define MAXEV 4096

static char bdir[PATH_MAX];     /* the build directory */
static const char *so_name = "libbtrack-pages.so";

struct evs {
	int n;
	struct bt_raw ev[MAXEV];
};

static struct evs evs;

static void find_bdir(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	ck_assert_int_gt(n, 0);
	exe[n] = 0;
	/* $(B)/tests/check_pagemon -> $(B) */
	snprintf(bdir, sizeof(bdir), "%s", dirname(dirname(exe)));
}

static const char *prog(const char *name)
{
	static char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/progs/%s", bdir, name);
	return p;
}

static int collect(void *arg, const struct bt_raw *raw)
{
	struct evs *e = arg;

	if (e->n < MAXEV)
		e->ev[e->n++] = *raw;
	return 0;
}

/* A file of npages zero pages in the temp dir. */
static const char *mkfile(const char *name, int npages)
{
	const char *p = tu_path(name);
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)npages * 4096), 0);
	close(fd);
	return p;
}

/*
 * Start argv[0] with the monitor preloaded.  ringfd < 0: no ring variable;
 * envfd: the value to put in BTRACK_PAGERING_FD if not NULL (overrides
 * ringfd).  Stdout goes to `out` if not NULL.  Returns the pid.
 */
static pid_t start(char **argv, int ringfd, const char *envfd,
		   const char *slice_ns, const char *out)
{
	char so[PATH_MAX + 64], fdbuf[16];
	pid_t pid;

	snprintf(so, sizeof(so), "%s/%s", bdir, so_name);
	ck_assert_msg(access(so, R_OK) == 0, "missing %s", so);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		setenv("LD_PRELOAD", so, 1);
		unsetenv(BT_PAGERING_ENV);
		if (envfd) {
			setenv(BT_PAGERING_ENV, envfd, 1);
		} else if (ringfd >= 0) {
			snprintf(fdbuf, sizeof(fdbuf), "%d", ringfd);
			setenv(BT_PAGERING_ENV, fdbuf, 1);
		}
		if (slice_ns)
			setenv(BT_PAGERING_SLICE_ENV, slice_ns, 1);
		if (out) {
			int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

			if (fd < 0 || dup2(fd, 1) < 0)
				_exit(126);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static int finish(pid_t pid)
{
	int st;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return st;
}

/* Run to completion; returns the wait status. */
static int run(char **argv, int ringfd, const char *slice_ns,
	       const char *out)
{
	return finish(start(argv, ringfd, NULL, slice_ns, out));
}

static void drain_all(struct bt_pagering *r)
{
	evs.n = 0;
	ck_assert_int_eq(bt_pagering_drain(r, true, collect, &evs), 0);
}

/* Events of op for (pid, page); pid 0 or page -1 match any. */
static int count(int op, uint32_t pid, long page)
{
	int i, c = 0;

	for (i = 0; i < evs.n; i++)
		if (evs.ev[i].op == op && (!pid || evs.ev[i].pid == pid) &&
		    (page < 0 || evs.ev[i].arg == (uint64_t)page))
			c++;
	return c;
}

static void assert_exit0(int st)
{
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "program status 0x%x", st);
}

static struct bt_pagering *ring;
static int ringfd;

static void setup(void)
{
	find_bdir();
	ck_assert_int_eq(bt_pagering_create(&ring, 4096, &ringfd), 0);
}

static void teardown(void)
{
	bt_pagering_free(ring);
	ring = NULL;
}

/* ---- fault counts per slice ---- */

/* A long slice: no re-arm during the run. */
#define LONG_SLICE "10000000000"

START_TEST(counts_read_run)
{
	const char *f = mkfile("c1", 8);
	char *argv[] = { (char *)prog("pagemon-counts"), (char *)f, "8", "r",
			 "r", NULL };
	struct bt_pagering_stats st;
	long p;

	assert_exit0(run(argv, ringfd, LONG_SLICE, NULL));
	drain_all(ring);
	/* 20 passes over 8 pages: one fault per page. */
	for (p = 0; p < 8; p++)
		ck_assert_int_eq(count(BT_RAW_PAGE_READ, 0, p), 1);
	ck_assert_int_eq(count(BT_RAW_PAGE_READ, 0, -1), 8);
	ck_assert_int_eq(count(BT_RAW_PAGE_WRITE, 0, -1), 0);
	bt_pagering_stats(ring, &st);
	ck_assert_uint_eq(st.claimed_faults, 8);
	ck_assert_uint_eq(st.claimed_dropped, 0);
	ck_assert_uint_eq(st.invalid, 0);
}
END_TEST

START_TEST(counts_read_then_write)
{
	const char *f = mkfile("c2", 8);
	char *argv[] = { (char *)prog("pagemon-counts"), (char *)f, "8", "r",
			 "w", "r", "w", NULL };
	long p;

	assert_exit0(run(argv, ringfd, LONG_SLICE, NULL));
	drain_all(ring);
	for (p = 0; p < 8; p++) {
		ck_assert_int_eq(count(BT_RAW_PAGE_READ, 0, p), 1);
		ck_assert_int_eq(count(BT_RAW_PAGE_WRITE, 0, p), 1);
	}
	ck_assert_int_eq(evs.n, 16);
}
END_TEST

START_TEST(counts_write_run)
{
	const char *f = mkfile("c3", 8);
	char *argv[] = { (char *)prog("pagemon-counts"), (char *)f, "8", "w",
			 "r", "w", NULL };
	long p;

	assert_exit0(run(argv, ringfd, LONG_SLICE, NULL));
	drain_all(ring);
	/* A write grant includes read: one fault per page. */
	for (p = 0; p < 8; p++)
		ck_assert_int_eq(count(BT_RAW_PAGE_WRITE, 0, p), 1);
	ck_assert_int_eq(count(BT_RAW_PAGE_READ, 0, -1), 0);
}
END_TEST

START_TEST(counts_rearm)
{
	const char *f = mkfile("c4", 8);
	/* 100 ms slices, phases 400 ms apart: every phase is re-armed. */
	char *argv[] = { (char *)prog("pagemon-counts"), (char *)f, "8", "r",
			 "s400", "r", "s400", "w", "s400", "r", "w", NULL };
	long p;

	assert_exit0(run(argv, ringfd, "100000000", NULL));
	drain_all(ring);
	for (p = 0; p < 8; p++) {
		ck_assert_int_eq(count(BT_RAW_PAGE_READ, 0, p), 3);
		ck_assert_int_eq(count(BT_RAW_PAGE_WRITE, 0, p), 2);
	}
}
END_TEST

START_TEST(counts_fields)
{
	const char *f = mkfile("c5", 8);
	char *argv[] = { (char *)prog("pagemon-counts"), (char *)f, "8", "w5",
			 NULL };
	struct stat st;
	struct timespec ts;
	uint64_t t0;
	pid_t pid;

	ck_assert_int_eq(stat(f, &st), 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	t0 = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	pid = start(argv, ringfd, NULL, LONG_SLICE, NULL);
	assert_exit0(finish(pid));
	drain_all(ring);
	ck_assert_int_eq(evs.n, 1);
	ck_assert_int_eq(evs.ev[0].op, BT_RAW_PAGE_WRITE);
	ck_assert_uint_eq(evs.ev[0].pid, (uint32_t)pid);
	ck_assert_uint_eq(evs.ev[0].tid, (uint32_t)pid);
	ck_assert_uint_eq(evs.ev[0].dev, (uint64_t)st.st_dev);
	ck_assert_uint_eq(evs.ev[0].ino, (uint64_t)st.st_ino);
	ck_assert_uint_eq(evs.ev[0].arg, 5);
	ck_assert_uint_eq(evs.ev[0].arg2, 0);
	ck_assert_uint_eq(evs.ev[0].arg32, 8);
	ck_assert_uint_ge(evs.ev[0].time, t0);
	ck_assert_uint_lt(evs.ev[0].time, t0 + 60ull * 1000000000ull);
}
END_TEST

START_TEST(counts_generic)
{
	const char *f = mkfile("c6", 8);
	char *argv[] = { (char *)prog("pagemon-counts"), (char *)f, "8", "w",
			 "r", "w", NULL };
	long p;

	/* Without the x86 error code: the first fault of a page is taken
	 * for a read, the second for a write. */
	so_name = "progs/libbtrack-pages-generic.so";
	assert_exit0(run(argv, ringfd, LONG_SLICE, NULL));
	drain_all(ring);
	for (p = 0; p < 8; p++) {
		ck_assert_int_eq(count(BT_RAW_PAGE_READ, 0, p), 1);
		ck_assert_int_eq(count(BT_RAW_PAGE_WRITE, 0, p), 1);
	}
	ck_assert_int_eq(evs.n, 16);
}
END_TEST

/* ---- the program's own SIGSEGV ---- */

static void segv_mode(const char *mode, const char *want)
{
	const char *f = mkfile("s", 4), *out = tu_path("segv.out");
	char *argv[] = { (char *)prog("pagemon-segv"), (char *)f,
			 (char *)mode, NULL };
	size_t len;
	char *text;

	assert_exit0(run(argv, ringfd, LONG_SLICE, out));
	text = tu_read_file(out, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(len >= strlen(want) && !memcmp(text, want, strlen(want)),
		      "output '%.*s', want '%s'", (int)len, text, want);
	free(text);
	drain_all(ring);
	/* The monitor kept working around the program's handler. */
	ck_assert_int_ge(count(BT_RAW_PAGE_WRITE, 0, 0), 1);
	ck_assert_int_ge(count(BT_RAW_PAGE_WRITE, 0, 1), 1);
}

START_TEST(segv_unrelated)
{
	segv_mode("unrelated", "handled 2");
}
END_TEST

START_TEST(segv_signal)
{
	segv_mode("signal", "handled 2");
}
END_TEST

START_TEST(segv_sysv)
{
	segv_mode("sysv", "handled 2");
}
END_TEST

START_TEST(segv_nodefer)
{
	segv_mode("nodefer", "handled 2");
}
END_TEST

START_TEST(segv_ownpage)
{
	segv_mode("ownpage", "handled 1");
	/* The page the program protected itself: written after its
	 * handler made it writable, through the monitor. */
	ck_assert_int_eq(count(BT_RAW_PAGE_WRITE, 0, 2), 1);
}
END_TEST

START_TEST(segv_readonly_write)
{
	const char *f = mkfile("ro", 4);
	char *argv[] = { (char *)prog("pagemon-segv"), (char *)f, "rowrite",
			 NULL };
	int st = run(argv, ringfd, LONG_SLICE, NULL);

	/* Writing a read-only mapping is the program's fault: default
	 * action, as without the monitor; the read before it was seen. */
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
		      "status 0x%x", st);
	drain_all(ring);
	ck_assert_int_eq(count(BT_RAW_PAGE_READ, 0, 0), 1);
	ck_assert_int_eq(count(BT_RAW_PAGE_WRITE, 0, -1), 0);
}
END_TEST

/* ---- system calls on revoked pages ---- */

START_TEST(io_into_revoked)
{
	const char *f = mkfile("io", 8), *src = tu_path("src"),
		   *dst = tu_path("dst"), *out = tu_path("io.out");
	char *argv[] = { (char *)prog("pagemon-io"), (char *)f, (char *)src,
			 (char *)dst, NULL };
	static char data[16384], zero[4096];
	size_t len, i;
	char *text;
	long p;

	for (i = 0; i < sizeof(data); i++)
		data[i] = "0123456789abcdef"[i % 16];
	ck_assert_int_eq(tu_write_file(src, data, sizeof(data)), 0);
	assert_exit0(run(argv, ringfd, LONG_SLICE, out));
	text = tu_read_file(dst, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(len, 16 + sizeof(zero));
	ck_assert(!memcmp(text, data, 16));
	ck_assert(!memcmp(text + 16, zero, sizeof(zero)));
	free(text);
	drain_all(ring);
	/* read, readv, pread, fread wrote pages 1-6 on the program's
	 * behalf; fwrite read page 7; page 0 was never touched. */
	for (p = 1; p <= 6; p++)
		ck_assert_int_eq(count(BT_RAW_PAGE_WRITE, 0, p), 1);
	ck_assert_int_eq(count(BT_RAW_PAGE_READ, 0, 7), 1);
	ck_assert_int_eq(count(BT_RAW_PAGE_WRITE, 0, 7), 0);
	ck_assert_int_eq(count(BT_RAW_PAGE_READ, 0, 0) +
			 count(BT_RAW_PAGE_WRITE, 0, 0), 0);
	ck_assert_int_eq(evs.n, 7);
}
END_TEST

START_TEST(io_short_read)
{
	const char *f = mkfile("short", 8), *src = tu_path("src16");
	char *argv[] = { (char *)prog("pagemon-misc"), "shortread", (char *)f,
			 (char *)src, NULL };

	/* A read(2) offered 3 pages but filling 16 bytes of the first:
	 * one page_write; the pages it did not fill are revoked again, so
	 * the program's own write to one of them is seen. */
	ck_assert_int_eq(tu_write_file(src, "0123456789abcdef", 16), 0);
	assert_exit0(run(argv, ringfd, LONG_SLICE, NULL));
	drain_all(ring);
	ck_assert_int_eq(count(BT_RAW_PAGE_WRITE, 0, 4), 1);
	ck_assert_int_eq(count(BT_RAW_PAGE_WRITE, 0, 5), 1);
	ck_assert_int_eq(count(BT_RAW_PAGE_WRITE, 0, 6), 0);
	ck_assert_int_eq(evs.n, 2);
}
END_TEST

/* ---- processes ---- */

START_TEST(two_processes)
{
	const char *f = mkfile("two", 8);
	char *a1[] = { (char *)prog("pagemon-counts"), (char *)f, "8", "w1",
		       "s100", "w1", NULL };
	char *a5[] = { (char *)prog("pagemon-counts"), (char *)f, "8", "w5",
		       "r5", NULL };
	pid_t p1 = start(a1, ringfd, NULL, LONG_SLICE, NULL);
	pid_t p5 = start(a5, ringfd, NULL, LONG_SLICE, NULL);

	assert_exit0(finish(p1));
	assert_exit0(finish(p5));
	drain_all(ring);
	ck_assert_int_eq(count(BT_RAW_PAGE_WRITE, (uint32_t)p1, 1), 1);
	ck_assert_int_eq(count(BT_RAW_PAGE_WRITE, (uint32_t)p5, 5), 1);
	ck_assert_int_eq(evs.n, 2);
}
END_TEST

START_TEST(fork_child_pid)
{
	const char *f = mkfile("fork", 4), *out = tu_path("fork.out");
	char *argv[] = { (char *)prog("pagemon-fork"), (char *)f, NULL };
	pid_t parent = start(argv, ringfd, NULL, LONG_SLICE, out), child;
	size_t len;
	char *text;

	assert_exit0(finish(parent));
	text = tu_read_file(out, &len);
	ck_assert_ptr_nonnull(text);
	child = (pid_t)atoi(text);
	free(text);
	ck_assert_int_gt(child, 0);
	ck_assert_int_ne(child, parent);
	drain_all(ring);
	ck_assert_int_eq(count(BT_RAW_PAGE_READ, (uint32_t)parent, 0), 1);
	ck_assert_int_eq(count(BT_RAW_PAGE_WRITE, (uint32_t)child, 3), 1);
	/* The child starts a fresh slice: its own read of page 0. */
	ck_assert_int_eq(count(BT_RAW_PAGE_READ, (uint32_t)child, 0), 1);
	ck_assert_int_eq(count(BT_RAW_PAGE_WRITE, (uint32_t)parent, 1), 1);
	ck_assert_int_eq(count(BT_RAW_PAGE_WRITE, (uint32_t)parent, 3), 0);
	ck_assert_int_eq(evs.n, 4);
}
END_TEST

START_TEST(exec_child)
{
	const char *f = mkfile("exec", 4);
	char cmd[PATH_MAX * 2];
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	pid_t sh;

	/* sh forks and execs the program: its events carry its own pid. */
	snprintf(cmd, sizeof(cmd), "'%s' '%s' 4 w2; true",
		 prog("pagemon-counts"), f);
	sh = start(argv, ringfd, NULL, LONG_SLICE, NULL);
	assert_exit0(finish(sh));
	drain_all(ring);
	ck_assert_int_eq(evs.n, 1);
	ck_assert_int_eq(count(BT_RAW_PAGE_WRITE, 0, 2), 1);
	ck_assert_uint_ne(evs.ev[0].pid, (uint32_t)sh);
}
END_TEST

START_TEST(threads)
{
	const char *f = mkfile("thr", 8), *out = tu_path("thr.out");
	char *argv[] = { (char *)prog("pagemon-misc"), "threads", (char *)f,
			 "4", NULL };
	pid_t pid = start(argv, ringfd, NULL, LONG_SLICE, out);
	int tids[4], i, j;
	size_t len;
	char *text, *s;

	assert_exit0(finish(pid));
	text = tu_read_file(out, &len);
	ck_assert_ptr_nonnull(text);
	for (i = 0, s = text; i < 4; i++)
		tids[i] = (int)strtol(s, &s, 10);
	free(text);
	drain_all(ring);
	ck_assert_int_eq(evs.n, 4);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(count(BT_RAW_PAGE_WRITE, (uint32_t)pid, i), 1);
		for (j = 0; j < evs.n; j++)
			if (evs.ev[j].arg == (uint64_t)i)
				ck_assert_uint_eq(evs.ev[j].tid,
						  (uint32_t)tids[i]);
		ck_assert_int_ne(tids[i], pid);
	}
}
END_TEST

START_TEST(remap)
{
	const char *f = mkfile("rm1", 8), *f2 = mkfile("rm2", 1);
	char *argv[] = { (char *)prog("pagemon-misc"), "remap", (char *)f,
			 (char *)f2, NULL };
	struct stat s1, s2;
	int i;

	ck_assert_int_eq(stat(f, &s1), 0);
	ck_assert_int_eq(stat(f2, &s2), 0);
	assert_exit0(run(argv, ringfd, LONG_SLICE, NULL));
	drain_all(ring);
	ck_assert_int_eq(count(BT_RAW_PAGE_WRITE, 0, 0), 2);
	ck_assert_int_eq(count(BT_RAW_PAGE_WRITE, 0, 6), 1);
	for (i = 0; i < evs.n; i++) {
		const struct bt_raw *e = &evs.ev[i];

		if (e->arg == 6) {
			ck_assert_uint_eq(e->ino, (uint64_t)s1.st_ino);
			ck_assert_uint_eq(e->arg32, 8);  /* the new length */
		}
	}
	/* The last event is the write to the second file, mapped where the
	 * first one was. */
	ck_assert_uint_eq(evs.ev[evs.n - 1].ino, (uint64_t)s2.st_ino);
	ck_assert_uint_eq(evs.ev[evs.n - 1].arg, 0);
	ck_assert_uint_eq(evs.ev[evs.n - 1].arg32, 1);
}
END_TEST

START_TEST(table_full)
{
	const char *f = mkfile("many", 1);
	char *argv[] = { (char *)prog("pagemon-misc"), "many", (char *)f,
			 "300", NULL };
	struct bt_pagering_stats st;

	assert_exit0(run(argv, ringfd, LONG_SLICE, NULL));
	drain_all(ring);
	bt_pagering_stats(ring, &st);
	/* Mappings beyond the table run unmonitored, and are counted. */
	ck_assert_uint_gt(st.claimed_unmonitored, 0);
	ck_assert_uint_eq((uint64_t)evs.n + st.claimed_unmonitored, 300);
}
END_TEST

START_TEST(blocking_read)
{
	const char *f = mkfile("blk", 4), *out = tu_path("blk.out");
	char *argv[] = { (char *)prog("pagemon-misc"), "blockread",
			 (char *)f, NULL };
	uint64_t t0;
	size_t len;
	char *text;

	/* 5 ms slices: the re-arm must not revoke the page the blocked
	 * read(2) is about to fill. */
	assert_exit0(run(argv, ringfd, "5000000", out));
	text = tu_read_file(out, &len);
	ck_assert_ptr_nonnull(text);
	t0 = strtoull(text, NULL, 10);
	free(text);
	drain_all(ring);
	ck_assert_int_eq(count(BT_RAW_PAGE_WRITE, 0, 1), 1);
	/* Dated when the call began, not when it returned 300 ms later:
	 * the recorder dates the read no earlier, and a backward walk
	 * drops causes later than their effect. */
	for (int i = 0; i < evs.n; i++)
		if (evs.ev[i].arg == 1) {
			ck_assert_uint_ge(evs.ev[i].time, t0);
			ck_assert_uint_lt(evs.ev[i].time, t0 + 150000000ull);
		}
}
END_TEST

START_TEST(stress)
{
	const char *f = mkfile("stress", 64);
	char *argv[] = { (char *)prog("pagemon-misc"), "stress", (char *)f,
			 "1500", NULL };
	struct bt_pagering_stats st;
	uint64_t total = 0;
	pid_t pid, r, other = 0;
	int i, status = 0, done = 0;

	/* Threads, fork children and mapping churn under 1 ms slices: no
	 * deadlock or crash, no corrupt slot, children's own pids. */
	pid = start(argv, ringfd, NULL, "1000000", NULL);
	while (!done) {
		evs.n = 0;
		ck_assert_int_eq(bt_pagering_drain(ring, false, collect, &evs),
				 0);
		for (i = 0; i < evs.n; i++)
			if (evs.ev[i].pid != (uint32_t)pid)
				other = (pid_t)evs.ev[i].pid;
		total += (uint64_t)evs.n;
		r = waitpid(pid, &status, WNOHANG);
		ck_assert_int_ne(r, -1);
		done = r == pid;
		usleep(2000);
	}
	assert_exit0(status);
	drain_all(ring);
	total += (uint64_t)evs.n;
	bt_pagering_stats(ring, &st);
	ck_assert_uint_gt(total, 1000);
	ck_assert_uint_eq(st.invalid, 0);
	ck_assert_uint_eq(st.holes, 0);
	ck_assert_int_gt(other, 0);
}
END_TEST

START_TEST(raw_handler)
{
	const char *f = mkfile("raw", 4);
	char *argv[] = { (char *)prog("pagemon-misc"), "rawsegv", (char *)f,
			 NULL };

	/* A handler installed behind the library's back: the monitor gives
	 * every page its protection back at the next slice, and the program
	 * lives. */
	assert_exit0(run(argv, ringfd, "20000000", NULL));
	drain_all(ring);
	ck_assert_int_eq(evs.n, 1);
	ck_assert_int_eq(count(BT_RAW_PAGE_WRITE, 0, 0), 1);
}
END_TEST

/* ---- no ring: the program runs as if the library were not there ---- */

START_TEST(no_ring)
{
	const char *f = mkfile("none", 4), *out = tu_path("none.out");
	char *argv[] = { (char *)prog("pagemon-counts"), (char *)f, "4", "w",
			 "r", NULL };
	char devnull[16];
	const char *bad[] = { NULL, "", "abc", "-1", "99999", "2",
			      devnull };
	int fd = open("/dev/null", O_RDONLY), i;
	size_t len;
	char *text;

	ck_assert_int_ge(fd, 0);
	snprintf(devnull, sizeof(devnull), "%d", fd);
	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		pid_t pid = start(argv, -1, bad[i], NULL, out);

		assert_exit0(finish(pid));
		text = tu_read_file(out, &len);
		ck_assert_ptr_nonnull(text);
		/* 10 passes over 4 pages of bytes (p + k), k < 10. */
		ck_assert_str_eq(text, "240\n");
		free(text);
	}
	drain_all(ring);
	ck_assert_int_eq(evs.n, 0);
	close(fd);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("pagemon");
	struct { const char *name; const TTest *t; } tests[] = {
		{ "counts_read_run", counts_read_run },
		{ "counts_read_then_write", counts_read_then_write },
		{ "counts_write_run", counts_write_run },
		{ "counts_rearm", counts_rearm },
		{ "counts_fields", counts_fields },
		{ "counts_generic", counts_generic },
		{ "segv_unrelated", segv_unrelated },
		{ "segv_signal", segv_signal },
		{ "segv_sysv", segv_sysv },
		{ "segv_nodefer", segv_nodefer },
		{ "segv_ownpage", segv_ownpage },
		{ "segv_readonly_write", segv_readonly_write },
		{ "io_into_revoked", io_into_revoked },
		{ "two_processes", two_processes },
		{ "fork_child_pid", fork_child_pid },
		{ "io_short_read", io_short_read },
		{ "exec_child", exec_child },
		{ "threads", threads },
		{ "remap", remap },
		{ "table_full", table_full },
		{ "blocking_read", blocking_read },
		{ "stress", stress },
		{ "raw_handler", raw_handler },
		{ "no_ring", no_ring },
	};
	size_t i;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		TCase *tc = tcase_create(tests[i].name);

		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_set_timeout(tc, 30);
		tcase_add_test(tc, tests[i].t);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	return tu_run(suite());
}
