/*
 * pagemon-segv - a program with its own SIGSEGV handling, for
 * tests/check_pagemon.c: the page monitor must leave it working.
 *
 * usage: pagemon-segv FILE MODE
 *   unrelated  sigaction handler, fault on an unmapped address, siglongjmp
 *   signal     the same with signal(2)
 *   sysv       the same with sysv_signal(3) (handler reset after each)
 *   nodefer    the same with SA_NODEFER and _longjmp (no mask restored):
 *              SIGSEGV must not stay blocked after the first
 *   ownpage    mprotect one page of the shared mapping PROT_NONE itself;
 *              its handler makes it writable again and returns
 *   rowrite    map the file read-only and write to it: must die of SIGSEGV
 * Every mode also reads and writes page 0 of the shared mapping.  Prints
 * "handled N" and exits 0 when the handler ran as expected.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile sig_atomic_t handled;
static volatile unsigned char *own;
static long psz;
static volatile uintptr_t bad_addr = 16;

static jmp_buf plain_env;

static void plain_jump(int sig)
{
	(void)sig;
	handled++;
	_longjmp(plain_env, 1);
}

static void jump(int sig)
{
	(void)sig;
	handled++;
	siglongjmp(env, 1);
}

static void fix(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if ((volatile unsigned char *)si->si_addr < own ||
	    (volatile unsigned char *)si->si_addr >= own + psz)
		_exit(3);
	handled++;
	mprotect((void *)own, (size_t)psz, PROT_READ | PROT_WRITE);
}

int main(int argc, char **argv)
{
	volatile unsigned char *m, *hole;
	struct sigaction sa;
	int fd, ro;

	if (argc != 3)
		return 1;
	psz = sysconf(_SC_PAGESIZE);
	ro = !strcmp(argv[2], "rowrite");
	fd = open(argv[1], ro ? O_RDONLY : O_RDWR);
	if (fd < 0)
		return 1;
	m = mmap(NULL, (size_t)(4 * psz), ro ? PROT_READ :
		 PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	if (ro) {
		(void)m[0];
		m[0] = 1;    /* the program's own bug: default action */
		return 0;
	}
	m[0] = (unsigned char)(m[0] + 1);
	if (!strcmp(argv[2], "unrelated") || !strcmp(argv[2], "signal")) {
		if (argv[2][0] == 'u') {
			sa.sa_handler = jump;
			sigaction(SIGSEGV, &sa, NULL);
		} else {
			signal(SIGSEGV, jump);
		}
		if (!sigsetjmp(env, 1))
			*(volatile int *)bad_addr = 1;
		if (argv[2][0] == 's')
			signal(SIGSEGV, jump);  /* may have been reset */
		/* An address that was mapped and no longer is. */
		hole = mmap(NULL, (size_t)psz, PROT_READ, MAP_PRIVATE |
			    MAP_ANONYMOUS, -1, 0);
		munmap((void *)hole, (size_t)psz);
		if (!sigsetjmp(env, 1))
			(void)*hole;
	} else if (!strcmp(argv[2], "sysv")) {
		sysv_signal(SIGSEGV, plain_jump);
		if (!_setjmp(plain_env))
			*(volatile int *)bad_addr = 1;
		sysv_signal(SIGSEGV, plain_jump);
		if (!_setjmp(plain_env))
			*(volatile int *)bad_addr = 2;
	} else if (!strcmp(argv[2], "nodefer")) {
		sa.sa_handler = plain_jump;
		sa.sa_flags = SA_NODEFER;
		sigaction(SIGSEGV, &sa, NULL);
		if (!_setjmp(plain_env))
			*(volatile int *)bad_addr = 1;
		if (!_setjmp(plain_env))
			*(volatile int *)bad_addr = 2;
	} else if (!strcmp(argv[2], "ownpage")) {
		own = m + 2 * psz;
		sa.sa_sigaction = fix;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGSEGV, &sa, NULL);
		mprotect((void *)own, (size_t)psz, PROT_NONE);
		own[5] = 7;
		if (own[5] != 7)
			return 4;
	} else {
		return 1;
	}
	m[psz] = (unsigned char)(m[0] + 1);  /* still monitored after */
	printf("handled %d\n", (int)handled);
	return 0;
}
