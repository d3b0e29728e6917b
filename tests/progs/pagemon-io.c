/*
 * pagemon-io - system calls that read into or write from pages of a
 * MAP_SHARED mapping that the page monitor has revoked, for
 * tests/check_pagemon.c.  None of them may fail with EFAULT.
 *
 * usage: pagemon-io MAPFILE SRCFILE DSTFILE   (SRCFILE: at least 16 KiB)
 *   read(SRC) into page 1, readv into page 2, pread into page 3, fread of
 *   12 KiB (stdio reads that straight into the buffer) into pages 4-6;
 *   write 16 bytes of page 1 and fwrite all of page 7 (never touched) to
 *   DST.  Prints "ok" and exits 0 if every call moved the bytes and the
 *   mapping holds them.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

static char want[12288];

int main(int argc, char **argv)
{
	unsigned char *m;
	struct iovec iov;
	long psz = sysconf(_SC_PAGESIZE);
	FILE *f, *out;
	int fd, src, dst;
	ssize_t r;

	if (argc != 4 || psz != 4096)
		return 1;
	fd = open(argv[1], O_RDWR);
	src = open(argv[2], O_RDONLY);
	dst = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	f = fopen(argv[2], "r");
	if (fd < 0 || src < 0 || dst < 0 || !f)
		return 1;
	m = mmap(NULL, (size_t)(8 * psz), PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	if (m == MAP_FAILED)
		return 1;
	if (pread(src, want, sizeof(want), 0) != (ssize_t)sizeof(want))
		return 1;
	r = read(src, m + psz, 16);
	if (r != 16) {
		perror("read");
		return 2;
	}
	iov.iov_base = m + 2 * psz + 100;
	iov.iov_len = 16;
	lseek(src, 0, SEEK_SET);
	r = readv(src, &iov, 1);
	if (r != 16) {
		perror("readv");
		return 2;
	}
	r = pread(src, m + 3 * psz, 16, 0);
	if (r != 16) {
		perror("pread");
		return 2;
	}
	if (fread(m + 4 * psz, 1, sizeof(want), f) != sizeof(want)) {
		perror("fread");
		return 2;
	}
	r = write(dst, m + psz, 16);
	if (r != 16) {
		perror("write");
		return 2;
	}
	out = fdopen(dst, "w");
	if (!out || fwrite(m + 7 * psz, 1, (size_t)psz, out) != (size_t)psz ||
	    fflush(out)) {
		perror("fwrite");
		return 2;
	}
	if (memcmp(want, m + psz, 16) || memcmp(want, m + 2 * psz + 100, 16) ||
	    memcmp(want, m + 3 * psz, 16) ||
	    memcmp(want, m + 4 * psz, sizeof(want)))
		return 3;
	printf("ok\n");
	return 0;
}
