/*
 * record-mmap.c - touch one page of a shared file mapping, for the
 * recorder's scenario tests (tests/scenario/record-mmap.sh).
 *
 *   record-mmap FILE write PAGE BYTE   store BYTE over page PAGE
 *   record-mmap FILE read PAGE OUT     copy page PAGE to OUT with write(2)
 *
 * FILE is mapped whole with MAP_SHARED (read-write for write, read-only for
 * read), so the only way data moves is through the pages: what a recorder
 * without page monitoring cannot tell apart.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct stat sb;
	long page = 4096, idx;
	int w, fd, out;
	unsigned char *m;

	if (argc != 5) {
		fprintf(stderr, "usage: record-mmap FILE write|read PAGE "
			"BYTE|OUT\n");
		return 2;
	}
	w = !strcmp(argv[2], "write");
	idx = atol(argv[3]);
	fd = open(argv[1], w ? O_RDWR : O_RDONLY);
	if (fd < 0 || fstat(fd, &sb) || (idx + 1) * page > sb.st_size) {
		perror(argv[1]);
		return 1;
	}
	m = mmap(NULL, (size_t)sb.st_size, w ? PROT_READ | PROT_WRITE :
		 PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	close(fd);
	if (w) {
		memset(m + idx * page, argv[4][0], (size_t)page);
		if (msync(m, (size_t)sb.st_size, MS_SYNC))
			perror("msync");
	} else {
		out = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (out < 0 || write(out, m + idx * page, 16) != 16) {
			perror(argv[4]);
			return 1;
		}
		close(out);
	}
	munmap(m, (size_t)sb.st_size);
	return 0;
}
