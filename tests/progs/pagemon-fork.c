/*
 * pagemon-fork - a parent and its fork child touch different pages of one
 * MAP_SHARED mapping, for tests/check_pagemon.c.
 *
 * usage: pagemon-fork FILE
 *   parent reads page 0, forks; the child writes page 3 and reads page 0;
 *   the parent waits for it, then writes page 1.  Prints the child's pid.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	volatile unsigned char *m;
	long psz = sysconf(_SC_PAGESIZE);
	int fd, st;
	pid_t c;

	if (argc != 2)
		return 1;
	fd = open(argv[1], O_RDWR);
	if (fd < 0)
		return 1;
	m = mmap(NULL, (size_t)(4 * psz), PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	if (m == MAP_FAILED)
		return 1;
	(void)m[0];
	c = fork();
	if (c < 0)
		return 1;
	if (c == 0) {
		m[3 * psz] = 1;
		(void)m[0];
		_exit(0);
	}
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
		return 2;
	m[psz] = 2;
	printf("%d\n", (int)c);
	return 0;
}
