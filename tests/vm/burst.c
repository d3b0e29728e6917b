/*
 * burst.c - a test program for the VM test (tests/vm/): makes exactly N
 * successful one-byte pwrite(2) calls on FILE, the event burst whose drops
 * the btrack module must count exactly.  Prints "VMTEST: burst: pid=P
 * writes=N elapsed_ns=T" to standard output (a terminal in the VM: not
 * recorded).
 * Built static and run inside the VM.  Not part of btrack.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long n, i, ok = 0;
	struct timespec a, b;
	int fd;

	if (argc != 3)
		return 2;
	n = strtoul(argv[1], NULL, 10);
	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		if (pwrite(fd, "x", 1, 0) == 1)
			ok++;
	clock_gettime(CLOCK_MONOTONIC, &b);
	close(fd);
	printf("VMTEST: burst: pid=%d writes=%lu elapsed_ns=%llu\n",
	       (int)getpid(), ok,
	       (b.tv_sec - a.tv_sec) * 1000000000ull + b.tv_nsec - a.tv_nsec);
	return ok == n ? 0 : 1;
}
