/*
 * pagemon-counts - touch pages of a MAP_SHARED file mapping in phases, for
 * tests/check_pagemon.c (run under the page monitor).
 *
 * usage: pagemon-counts FILE NPAGES PHASE...
 *   r      read every page, 10 passes     rN  read page N, 10 times
 *   w      write every page, 10 passes    wN  write page N, 10 times
 *   sMS    sleep MS milliseconds (longer than the slice: a re-arm)
 * Exits 0, or 1 with a message on a usage or system error.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	volatile unsigned char *m;
	long psz = sysconf(_SC_PAGESIZE), n, i, p, k;
	unsigned sum = 0;
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: pagemon-counts FILE NPAGES PHASE...\n");
		return 1;
	}
	n = atol(argv[2]);
	fd = open(argv[1], O_RDWR);
	if (fd < 0 || n <= 0) {
		perror(argv[1]);
		return 1;
	}
	m = mmap(NULL, (size_t)(n * psz), PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	if (m == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (i = 3; i < argc; i++) {
		char op = argv[i][0];
		const char *a = argv[i] + 1;

		if (op == 's') {
			struct timespec ts = { atol(a) / 1000,
					       (atol(a) % 1000) * 1000000 };

			while (nanosleep(&ts, &ts) < 0)
				;
			continue;
		}
		if (op != 'r' && op != 'w') {
			fprintf(stderr, "bad phase '%s'\n", argv[i]);
			return 1;
		}
		for (k = 0; k < 10; k++)
			for (p = *a ? atol(a) : 0; p < (*a ? atol(a) + 1 : n);
			     p++) {
				if (op == 'r')
					sum += m[p * psz + k];
				else
					m[p * psz + k] = (unsigned char)(p + k);
			}
	}
	printf("%u\n", sum);
	return 0;
}
