/*
 * pagemon-bench - the cost of the page monitor on a page-touching loop:
 * write one byte in each of NPAGES pages of a MAP_SHARED mapping, ROUNDS
 * times, sleeping SLEEPMS between rounds (longer than the slice, so every
 * round starts re-armed).  Prints the nanoseconds spent touching (sleeps
 * excluded).  usage: pagemon-bench FILE NPAGES ROUNDS SLEEPMS
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static long long ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	volatile unsigned char *m;
	long psz = sysconf(_SC_PAGESIZE), n, rounds, i, p;
	long long t = 0, t0;
	struct timespec ts;
	int fd;

	if (argc != 5)
		return 1;
	n = atol(argv[2]);
	rounds = atol(argv[3]);
	ts.tv_sec = atol(argv[4]) / 1000;
	ts.tv_nsec = atol(argv[4]) % 1000 * 1000000;
	fd = open(argv[1], O_RDWR);
	if (fd < 0 || n <= 0)
		return 1;
	m = mmap(NULL, (size_t)(n * psz), PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	if (m == MAP_FAILED)
		return 1;
	for (i = 0; i < rounds; i++) {
		t0 = ns();
		for (p = 0; p < n; p++)
			m[p * psz] = (unsigned char)i;
		t += ns() - t0;
		nanosleep(&ts, NULL);
	}
	printf("%lld\n", t);
	return 0;
}
