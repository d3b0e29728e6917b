/*
 * pagemon-io - read(2)/readv/pread into and write(2) out of pages of a
 * MAP_SHARED mapping that the page monitor has revoked, for
 * tests/check_pagemon.c.  None of the calls may fail with EFAULT.
 *
 * usage: pagemon-io MAPFILE SRCFILE DSTFILE
 *   read(SRC) into page 1, readv(SRC) into page 2, pread into page 3,
 *   write page 1 to DST.  Prints "ok" and exits 0 if every call moved the
 *   bytes and the mapping holds them.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned char *m;
	char buf[64];
	struct iovec iov;
	long psz = sysconf(_SC_PAGESIZE);
	int fd, src, dst;
	ssize_t r;

	if (argc != 4)
		return 1;
	fd = open(argv[1], O_RDWR);
	src = open(argv[2], O_RDONLY);
	dst = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || src < 0 || dst < 0)
		return 1;
	m = mmap(NULL, (size_t)(4 * psz), PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	if (m == MAP_FAILED)
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
	r = write(dst, m + psz, 16);
	if (r != 16) {
		perror("write");
		return 2;
	}
	pread(src, buf, 16, 0);
	if (memcmp(buf, m + psz, 16) || memcmp(buf, m + 2 * psz + 100, 16) ||
	    memcmp(buf, m + 3 * psz, 16))
		return 3;
	printf("ok\n");
	return 0;
}
