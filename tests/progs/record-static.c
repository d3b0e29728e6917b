/*
 * record-static.c - a statically linked program (no PT_INTERP: the page
 * monitor cannot be preloaded into it) that maps a file shared and writes
 * it, for the recorder's object-level fallback test.
 *
 *   record-static FILE     (FILE at least one page long)
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd;
	char *m;

	if (argc != 2)
		return 2;
	fd = open(argv[1], O_RDWR);
	if (fd < 0)
		return 1;
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return 1;
	m[0] = 'S';
	munmap(m, 4096);
	close(fd);
	return 0;
}
