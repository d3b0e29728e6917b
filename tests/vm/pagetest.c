/*
 * pagetest.c - a test program for the VM test (tests/vm/): touches chosen
 * pages of a MAP_SHARED file mapping, so the page monitor of the btrack
 * module can be checked page by page.  Built static and run inside the VM.
 *
 *   pagetest create FILE NPAGES       write NPAGES zero pages with write(2)
 *   pagetest write FILE PAGE [MS]     map shared, store one byte in PAGE,
 *                                     then sleep MS ms (default 0)
 *   pagetest read FILE PAGE           map shared, load one byte of PAGE
 *   pagetest remap FILE NPAGES        map shared read-write, mprotect to
 *                                     read-only, munmap
 *   pagetest bench FILE NPAGES ITER   store into every page ITER times;
 *                                     prints the elapsed ns
 *   pagetest inject SRC OUT HOW       a child waits for its buffer to
 *                                     fill, then writes it to OUT; the
 *                                     parent reads SRC and writes it into
 *                                     the child's buffer: HOW vm
 *                                     (a process_vm_readv of it, then
 *                                     process_vm_writev), poke
 *                                     (ptrace attach, POKEDATA, detach)
 *                                     or procmem (pwrite of
 *                                     /proc/PID/mem)
 * Each prints "pid=N" first.  Not part of btrack.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* A reader opens the file read-only, as readers do: its MAP_SHARED mapping
 * then has VM_MAYSHARE without VM_SHARED, which the module must still
 * monitor. */
static unsigned char *map(const char *path, size_t npages, int prot)
{
	int fd = open(path, prot & PROT_WRITE ? O_RDWR : O_RDONLY);
	void *p;

	if (fd < 0)
		die(path);
	p = mmap(NULL, npages * 4096, prot, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	close(fd);
	return p;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The buffer at the same address in the parent and its forked child. */
static volatile char ibuf[64];

static int inject(const char *src, const char *out, const char *how)
{
	char d[sizeof(ibuf)] = { 0 };
	int fd = open(src, O_RDONLY), i, st;
	ssize_t n;
	pid_t c;

	if (fd < 0 || (n = read(fd, d, sizeof(d) - 1)) <= 0)
		die(src);
	close(fd);
	if ((c = fork()) < 0)
		die("fork");
	if (c == 0) {
		for (i = 0; i < 10000 && !ibuf[0]; i++)
			usleep(1000);
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, (const char *)ibuf,
				    strnlen((const char *)ibuf, sizeof(ibuf))) < 0)
			_exit(1);
		_exit(0);
	}
	printf("child=%d\n", (int)c);
	fflush(stdout);
	if (!strcmp(how, "vm")) {
		struct iovec l, r = { (void *)ibuf, (size_t)n };
		char back[sizeof(ibuf)];

		/* the read first: once written, the child goes */
		l = (struct iovec){ back, (size_t)n };
		if (process_vm_readv(c, &l, 1, &r, 1, 0) != n)
			die("process_vm_readv");
		l = (struct iovec){ d, (size_t)n };
		if (process_vm_writev(c, &l, 1, &r, 1, 0) != n)
			die("process_vm_writev");
	} else if (!strcmp(how, "poke")) {
		long w;

		if (ptrace(PTRACE_ATTACH, c, NULL, NULL) ||
		    waitpid(c, NULL, 0) != c)
			die("PTRACE_ATTACH");
		for (i = 0; i < n; i += sizeof(long)) {
			memcpy(&w, d + i, sizeof(w));
			if (ptrace(PTRACE_POKEDATA, c, (void *)(ibuf + i),
				   (void *)w))
				die("PTRACE_POKEDATA");
		}
		if (ptrace(PTRACE_DETACH, c, NULL, NULL))
			die("PTRACE_DETACH");
	} else if (!strcmp(how, "procmem")) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/mem", (int)c);
		fd = open(path, O_RDWR);
		if (fd < 0 || pwrite(fd, d, (size_t)n, (off_t)(long)ibuf) != n)
			die(path);
		close(fd);
	} else {
		return 2;
	}
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
		die("child");
	return 0;
}

int main(int argc, char **argv)
{
	static char zero[4096];
	volatile unsigned char *p;
	unsigned long page;

	if (argc < 4)
		return 2;
	printf("pid=%d\n", (int)getpid());
	fflush(stdout);
	page = strtoul(argv[3], NULL, 10);
	if (!strcmp(argv[1], "inject") && argc > 4)
		return inject(argv[2], argv[3], argv[4]);
	if (!strcmp(argv[1], "create")) {
		int fd = open(argv[2], O_RDWR | O_CREAT | O_TRUNC, 0644);
		unsigned long i;

		if (fd < 0)
			die(argv[2]);
		for (i = 0; i < page; i++)
			if (write(fd, zero, sizeof(zero)) != sizeof(zero))
				die("write");
		close(fd);
	} else if (!strcmp(argv[1], "write")) {
		p = map(argv[2], page + 1, PROT_READ | PROT_WRITE);
		p[page * 4096 + 7] = 'W';
		if (argc > 4)
			usleep(atoi(argv[4]) * 1000);
	} else if (!strcmp(argv[1], "read")) {
		p = map(argv[2], page + 1, PROT_READ);
		printf("byte=%d\n", p[page * 4096 + 7]);
	} else if (!strcmp(argv[1], "remap")) {
		/* map shared read-write, make it read-only, unmap */
		p = map(argv[2], page + 1, PROT_READ | PROT_WRITE);
		if (mprotect((void *)p, (page + 1) * 4096, PROT_READ))
			die("mprotect");
		if (munmap((void *)p, (page + 1) * 4096))
			die("munmap");
	} else if (!strcmp(argv[1], "bench") && argc > 4) {
		unsigned long i, n = strtoul(argv[4], NULL, 10), j;
		unsigned long long t0;

		p = map(argv[2], page, PROT_READ | PROT_WRITE);
		t0 = now_ns();
		for (i = 0; i < n; i++)
			for (j = 0; j < page; j++)
				p[j * 4096 + (i & 4095)]++;
		printf("elapsed_ns=%llu\n", now_ns() - t0);
	} else {
		return 2;
	}
	return 0;
}
