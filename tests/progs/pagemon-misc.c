/*
 * pagemon-misc - more programs for tests/check_pagemon.c, one per mode:
 *
 *   threads FILE N    N threads write pages 0..N-1 of FILE (8 pages), each
 *                     its own, 1000 times; prints the threads' tids
 *   remap FILE FILE2  map 4 pages of FILE (8 pages), write page 0, mremap
 *                     to 8 pages, write page 6, unmap; map FILE2 at the
 *                     same address (MAP_FIXED) and write its page 0
 *   many FILE N       map page 0 of FILE N times, write each mapping
 *   blockread FILE    read(2) from a pipe into page 1 while the writer
 *                     waits 300 ms (many slices) before writing; prints
 *                     CLOCK_REALTIME ns taken just before the read
 *   stress FILE MS    4 threads read and write random pages of FILE (64
 *                     pages) for MS ms while a fifth forks children that
 *                     do the same briefly and munmap/mmap/mprotect churn
 *                     goes on; must finish with status 0
 *   shortread FILE SRC  read(2) up to 3 pages into pages 4-6 of FILE (8
 *                     pages) from SRC, which holds 16 bytes (page 4 only),
 *                     then write page 5 itself
 *   rawsegv FILE      write page 0, then set SIGSEGV to SIG_IGN with a raw
 *                     rt_sigaction (as Go's runtime installs handlers),
 *                     wait 300 ms, write pages 0 and 1, map FILE again
 *                     and write it: must not die
 * Exits 0 when every step worked.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned char *m;
static long psz;
static pthread_barrier_t bar;
static int tids[64];

static volatile int stop;
static const char *stress_file;

static void touch_random(unsigned *seed, long npages, long n)
{
	long i;

	for (i = 0; i < n; i++) {
		long p = rand_r(seed) % npages;
		volatile unsigned char *c = m + p * psz + (rand_r(seed) % 64);

		if (rand_r(seed) & 1) {
			unsigned char v = (unsigned char)rand_r(seed);

			*c = v;
			(void)*c;
		} else {
			(void)*c;
		}
	}
}

static void *stresser(void *arg)
{
	unsigned seed = (unsigned)(long)arg;

	while (!stop)
		touch_random(&seed, 64, 1000);
	return NULL;
}

static void *forker(void *arg)
{
	unsigned seed = 99;

	(void)arg;
	while (!stop) {
		pid_t c = fork();
		int st;

		if (c == 0) {
			touch_random(&seed, 64, 200);
			_exit(0);
		}
		if (c < 0 || waitpid(c, &st, 0) != c || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			exit(5);
	}
	return NULL;
}

static void *churner(void *arg)
{
	int fd = open(stress_file, O_RDWR);

	(void)arg;
	if (fd < 0)
		exit(6);
	while (!stop) {
		volatile unsigned char *p = mmap(NULL, (size_t)(8 * psz),
						 PROT_READ | PROT_WRITE,
						 MAP_SHARED, fd, 0);

		if (p == MAP_FAILED)
			exit(7);
		p[0] = 1;
		mprotect((void *)p, (size_t)psz, PROT_READ);
		(void)p[psz];
		(void)p[0];
		munmap((void *)p, (size_t)(8 * psz));
	}
	close(fd);
	return NULL;
}

static void *worker(void *arg)
{
	long i = (long)arg, k;

	tids[i] = (int)syscall(SYS_gettid);
	pthread_barrier_wait(&bar);
	for (k = 0; k < 1000; k++)
		m[i * psz + (k % 64)] = (unsigned char)k;
	return NULL;
}

static volatile unsigned char *map(const char *path, long pages, void *at)
{
	int fd = open(path, O_RDWR);
	void *p;

	if (fd < 0)
		exit(1);
	p = mmap(at, (size_t)(pages * psz), PROT_READ | PROT_WRITE,
		 MAP_SHARED | (at ? MAP_FIXED : 0), fd, 0);
	if (p == MAP_FAILED)
		exit(1);
	close(fd);
	return p;
}

int main(int argc, char **argv)
{
	psz = sysconf(_SC_PAGESIZE);
	if (argc < 3)
		return 1;
	if (!strcmp(argv[1], "threads") && argc == 4) {
		long n = atol(argv[3]), i;
		pthread_t t[64];

		if (n < 1 || n > 8)
			return 1;
		m = map(argv[2], 8, NULL);
		pthread_barrier_init(&bar, NULL, (unsigned)n);
		for (i = 0; i < n; i++)
			if (pthread_create(&t[i], NULL, worker, (void *)i))
				return 1;
		for (i = 0; i < n; i++)
			pthread_join(t[i], NULL);
		for (i = 0; i < n; i++)
			printf("%d\n", tids[i]);
		return 0;
	}
	if (!strcmp(argv[1], "remap") && argc == 4) {
		volatile unsigned char *a = map(argv[2], 4, NULL), *b;

		a[0] = 1;
		b = mremap((void *)a, (size_t)(4 * psz), (size_t)(8 * psz),
			   MREMAP_MAYMOVE);
		if (b == MAP_FAILED)
			return 2;
		if (b[0] != 1)
			return 3;
		b[6 * psz] = 6;
		if (munmap((void *)b, (size_t)(8 * psz)))
			return 4;
		a = map(argv[3], 1, (void *)b);
		a[0] = 2;
		return 0;
	}
	if (!strcmp(argv[1], "many") && argc == 4) {
		long n = atol(argv[3]), i;

		for (i = 0; i < n; i++) {
			volatile unsigned char *p = map(argv[2], 1, NULL);

			p[i % 64] = (unsigned char)i;
		}
		return 0;
	}
	if (!strcmp(argv[1], "stress") && argc == 4) {
		struct timespec ts = { atol(argv[3]) / 1000,
				       atol(argv[3]) % 1000 * 1000000 };
		pthread_t t[6];
		long i;

		stress_file = argv[2];
		m = map(argv[2], 64, NULL);
		for (i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, stresser, (void *)(i + 1));
		pthread_create(&t[4], NULL, forker, NULL);
		pthread_create(&t[5], NULL, churner, NULL);
		nanosleep(&ts, NULL);
		stop = 1;
		for (i = 0; i < 6; i++)
			pthread_join(t[i], NULL);
		return 0;
	}
	if (!strcmp(argv[1], "shortread") && argc == 4) {
		int src = open(argv[3], O_RDONLY);

		m = map(argv[2], 8, NULL);
		if (src < 0 || read(src, (void *)(m + 4 * psz + 4000),
				    (size_t)(3 * psz)) != 16)
			return 2;
		m[5 * psz] = 5;
		return 0;
	}
	if (!strcmp(argv[1], "rawsegv")) {
		struct { void *h; unsigned long flags; void *r; unsigned long
			 mask; } ka = { SIG_IGN, 0, NULL, 0 };
		struct timespec ts = { 0, 300000000 };
		volatile unsigned char *b;

		m = map(argv[2], 4, NULL);
		m[0] = 1;
		if (syscall(SYS_rt_sigaction, SIGSEGV, &ka, NULL, 8))
			return 2;
		nanosleep(&ts, NULL);
		m[0] = 2;
		m[psz] = 3;
		b = map(argv[2], 4, NULL);
		b[2 * psz] = 4;
		return 0;
	}
	if (!strcmp(argv[1], "blockread")) {
		struct timespec t0;
		int pfd[2], st;
		pid_t c;

		m = map(argv[2], 4, NULL);
		if (pipe(pfd))
			return 1;
		c = fork();
		if (c == 0) {
			struct timespec ts = { 0, 300000000 };

			nanosleep(&ts, NULL);
			_exit(write(pfd[1], "0123456789abcdef", 16) != 16);
		}
		m[0] = 1;  /* keep slices going in this process */
		clock_gettime(CLOCK_REALTIME, &t0);
		printf("%lld\n", (long long)t0.tv_sec * 1000000000ll +
		       t0.tv_nsec);
		if (read(pfd[0], (void *)(m + psz), 16) != 16) {
			perror("read");
			return 2;
		}
		if (memcmp((void *)(m + psz), "0123456789abcdef", 16))
			return 3;
		waitpid(c, &st, 0);
		return 0;
	}
	return 1;
}
