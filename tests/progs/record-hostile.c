/*
 * record-hostile.c - a traced program that attacks `btrack record` through
 * its page ring (capture/pagering.h), for tests/scenario/record-hostile.sh.
 *
 *   record-hostile FILE
 *   record-hostile --escape DIR
 *   record-hostile --toctou DIR
 *
 * FILE (at least 4 pages) is mapped shared; page 0 is written honestly
 * first.  Then, through its own mapping of the ring (the fd is in
 * BTRACK_PAGERING_FD, as for the page monitor):
 *   hole     a ticket reserved and never published, then a child that
 *            writes page 3 and exits at once: its record waits behind
 *            the hole until the recorder gives up on it, after the child
 *            is gone, and must still be taken (prints "child PID")
 *   fakepid  records that follow the protocol but name pids the recorder
 *            never traced (1, the recorder itself, one that does not exist)
 *   time     its own pid, dated in 2182, in 1970 and an hour ago
 *   file     its own pid and a good time, but a file it never mapped
 *            (/etc/passwd) and a page of FILE far beyond the mapping
 *   drops    huge drop, fault and unmonitored counters in the header
 *   header   head far ahead, tail elsewhere, nslots and magic changed
 *   random   random bytes over every slot and the header
 *   flood    fake-pid records as fast as the ring takes them, 300 ms
 * with a pause after each so that the recorder drains, and an honest write
 * of page 1 after the header attack and of page 2 at the end: the ring
 * must recover.  Prints "forged N" (records it wrote by hand) on stdout.
 *
 * --escape tries the ways out of the recording that the system call
 * filter closes, and says on stdout how each went:
 *   clone    clone(CLONE_UNTRACED): a child the recorder does not trace
 *            (it would write DIR/untraced); must fail
 *   clone3   the same through clone3, whose flags a filter cannot read
 *   notif    a seccomp filter of its own with a user-notification
 *            listener (which could let calls run unseen); must fail
 *   x32      a write through the x32 ABI (bit 30): fails on most kernels,
 *            must be reported by the recorder
 *   i386     open and write DIR/i386 through int 0x80, in a child (killed
 *            by SIGSEGV on a kernel without IA-32 emulation)
 *
 * --toctou unlinks DIR/t000 ... DIR/t199 while a second thread flips the
 * name's last four bytes between "tNNN" and "d000" (DIR/d000 a decoy,
 * made again whenever it goes): the recorder reads one name at the call's
 * entry, the kernel may act on the other.
 *
 * Exits 0, or 2 for a usage error, 77 if there is no ring (run without
 * the page monitor).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../capture/pagering.h"

static struct bt_pagering_hdr *h;
static struct bt_pagering_slot *slots;
static uint32_t nslots;
static size_t ringlen;
static unsigned long long forged;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait (10 s at most) until the recorder has put the header back and
 * drained the ring to less than half full, so that an honest write that
 * follows is not dropped however slow the machine is. */
static void wait_ring_sane(uint32_t n)
{
	int i;

	for (i = 0; i < 2000; i++) {
		uint64_t hd = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
		uint64_t t = __atomic_load_n(&h->tail, __ATOMIC_ACQUIRE);

		if (h->magic == BT_PAGERING_MAGIC && h->nslots == n &&
		    hd >= t && hd - t < n / 2)
			return;
		pause_ms(5);
	}
}

/* Publish a record as an honest producer would (pagering.h). */
static void forge(uint32_t pid, uint64_t time, uint64_t dev, uint64_t ino,
		  uint64_t page)
{
	struct bt_pagering_slot *s;
	struct bt_raw raw;
	uint64_t hd, t;

	memset(&raw, 0, sizeof(raw));
	raw.len = sizeof(raw);
	raw.op = BT_RAW_PAGE_WRITE;
	raw.pid = pid;
	raw.tid = pid;
	raw.time = time;
	raw.dev = dev;
	raw.ino = ino;
	raw.arg = page;
	hd = __atomic_load_n(&h->head, __ATOMIC_RELAXED);
	for (;;) {
		t = __atomic_load_n(&h->tail, __ATOMIC_ACQUIRE);
		if (hd - t >= nslots)
			return;   /* full (or scribbled): try later */
		if (__atomic_compare_exchange_n(&h->head, &hd, hd + 1, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			break;
	}
	s = &slots[hd & (nslots - 1)];
	memcpy(&s->raw, &raw, sizeof(raw));
	__atomic_store_n(&s->seq, hd + 1, __ATOMIC_RELEASE);
	forged++;
}

static char flip_name[4096];
static size_t flip_at;
static uint32_t flip_a, flip_b;
static volatile int flip_stop;

static void *flipper(void *arg)
{
	uint32_t *w = (uint32_t *)(flip_name + flip_at);

	(void)arg;
	while (!flip_stop) {
		__atomic_store_n(w, flip_a, __ATOMIC_RELAXED);
		__atomic_store_n(w, flip_b, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int toctou(const char *dir)
{
	char decoy[4096], t[4096];
	pthread_t th;
	int i, fd;

	snprintf(decoy, sizeof(decoy), "%s/d000", dir);
	for (i = 0; i < 200; i++) {
		snprintf(t, sizeof(t), "%s/t%03d", dir, i);
		if ((fd = open(t, O_WRONLY | O_CREAT, 0644)) < 0)
			return 1;
		close(fd);
	}
	/* the word flipped is 4-byte aligned: pad the directory part */
	flip_at = (strlen(dir) + 1 + 3) & ~(size_t)3;
	memset(flip_name, '/', flip_at);
	memcpy(flip_name, dir, strlen(dir));
	memcpy(&flip_b, "d000", 4);
	for (i = 0; i < 200; i++) {
		char n[5];

		if ((fd = open(decoy, O_WRONLY | O_CREAT, 0644)) < 0)
			return 1;
		close(fd);
		snprintf(n, sizeof(n), "t%03d", i);
		memcpy(&flip_a, n, 4);
		memcpy(flip_name + flip_at, n, 4);
		flip_stop = 0;
		if (pthread_create(&th, NULL, flipper, NULL))
			return 1;
		(void)unlink(flip_name);
		flip_stop = 1;
		pthread_join(th, NULL);
	}
	return 0;
}

static void say(const char *what, long rv)
{
	printf("%s %s\n", what, rv < 0 ? strerror(errno) : "ok");
	fflush(stdout);
}

static int escape(const char *dir)
{
	static char path[4096];
	struct clone_args ca;
	struct sock_filter f[] = {
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	};
	struct sock_fprog prog = { 1, f };
	long rv;
	int st;

	snprintf(path, sizeof(path), "%s/untraced", dir);
	rv = syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
	if (rv == 0) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		_exit(fd < 0 ? 1 : 0);
	}
	if (rv > 0)
		waitpid((pid_t)rv, &st, 0);
	say("clone", rv);
	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_UNTRACED;
	ca.exit_signal = SIGCHLD;
	rv = syscall(SYS_clone3, &ca, sizeof(ca));
	if (rv == 0) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		_exit(fd < 0 ? 1 : 0);
	}
	if (rv > 0)
		waitpid((pid_t)rv, &st, 0);
	say("clone3", rv);
	rv = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		     SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	say("notif", rv);
	if (rv >= 0)
		return 1;   /* every call would now wait for a listener */
	rv = syscall(0x40000000 | SYS_write, 1, "x32\n", 4);
	say("x32", rv);
	snprintf(path, sizeof(path), "%s/i386", dir);
	rv = fork();
	if (rv == 0) {
		static const char msg[] = "int 0x80\n";
		static char p32[4096];
		long fd, r;

		/* int 0x80 takes 32-bit pointers: static storage of a
		 * non-PIE build, or fail cleanly */
		if ((uintptr_t)p32 > 0xffffffffu)
			_exit(3);
		memcpy(p32, path, sizeof(p32));
		__asm__ volatile ("int $0x80" : "=a"(fd) : "a"(5), "b"(p32),
				  "c"(O_WRONLY | O_CREAT | O_TRUNC), "d"(0644)
				  : "memory");
		__asm__ volatile ("int $0x80" : "=a"(r) : "a"(4), "b"(fd),
				  "c"(msg), "d"(sizeof(msg) - 1) : "memory");
		_exit(r > 0 ? 0 : 1);
	}
	if (rv > 0 && waitpid((pid_t)rv, &st, 0) == rv)
		printf("i386 %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 0 ?
		       "ok" : "unavailable");
	return 0;
}

int main(int argc, char **argv)
{
	const char *v = getenv(BT_PAGERING_ENV);
	struct stat sb, pw;
	unsigned char *m, *b;
	uint64_t x = 0x9e3779b97f4a7c15ull, t0;
	uint32_t me = (uint32_t)getpid();
	size_t i;
	int fd, rfd;

	if (argc == 3 && !strcmp(argv[1], "--escape"))
		return escape(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--toctou"))
		return toctou(argv[2]);
	if (argc != 2) {
		fprintf(stderr, "usage: record-hostile FILE | --escape DIR\n");
		return 2;
	}
	if (!v || (rfd = atoi(v)) < 0 || fstat(rfd, &sb) ||
	    (size_t)sb.st_size < sizeof(*h)) {
		fprintf(stderr, "record-hostile: no page ring\n");
		return 77;
	}
	ringlen = (size_t)sb.st_size;
	h = mmap(NULL, ringlen, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0);
	if (h == MAP_FAILED) {
		perror("record-hostile: ring");
		return 1;
	}
	nslots = h->nslots;
	slots = (void *)(h + 1);
	if ((fd = open(argv[1], O_RDWR)) < 0 || fstat(fd, &sb) ||
	    sb.st_size < 4 * 4096 || stat("/etc/passwd", &pw)) {
		perror("record-hostile: file");
		return 1;
	}
	m = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		perror("record-hostile: mmap");
		return 1;
	}
	m[0] = 'h';          /* honest: page 0 */
	pause_ms(50);

	/* hole, and a child's record drained after its exit */
	{
		uint64_t hd = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
		pid_t c;
		int st;

		__atomic_compare_exchange_n(&h->head, &hd, hd + 1, false,
					    __ATOMIC_ACQ_REL,
					    __ATOMIC_RELAXED);
		c = fork();
		if (c == 0) {
			m[3 * 4096] = 'c';   /* honest: page 3, the child */
			_exit(0);
		}
		if (c < 0 || waitpid(c, &st, 0) != c)
			return 1;
		printf("child %d\n", (int)c);
		pause_ms(800);   /* past the recorder's grace for a hole */
	}

	/* fakepid */
	forge(1, now_ns(), sb.st_dev, sb.st_ino, 0);
	forge((uint32_t)getppid(), now_ns(), sb.st_dev, sb.st_ino, 0);
	forge(4000000u, now_ns(), sb.st_dev, sb.st_ino, 0);
	pause_ms(50);
	/* time: 2182-01-01, 1970, an hour ago */
	forge(me, 6697152000ull * 1000000000ull, sb.st_dev, sb.st_ino, 0);
	forge(me, 1, sb.st_dev, sb.st_ino, 0);
	forge(me, now_ns() - 3600ull * 1000000000ull, sb.st_dev, sb.st_ino,
	      0);
	pause_ms(50);
	/* file */
	forge(me, now_ns(), pw.st_dev, pw.st_ino, 0);
	forge(me, now_ns(), sb.st_dev, sb.st_ino, 1ull << 40);
	pause_ms(50);
	/* drops */
	h->dropped = 16794204488075357955ull;
	h->faults = ~0ull;
	h->unmonitored = ~0ull - 1;
	/* header */
	h->head = 1ull << 61;
	h->tail = 12345;
	h->nslots = 1u << 20;
	h->magic = 0;
	pause_ms(50);
	wait_ring_sane(nslots);
	m[4096] = 'h';       /* honest: page 1, once the ring is repaired */
	pause_ms(50);
	/* random */
	b = (unsigned char *)h;
	for (i = 0; i < ringlen; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		b[i] = (unsigned char)x;
	}
	pause_ms(50);
	wait_ring_sane(nslots);
	/* flood, for a bounded time */
	t0 = now_ns();
	while (now_ns() - t0 < 300000000ull)
		forge((uint32_t)(x++ % 3000000u) + 5000000u, now_ns(),
		      sb.st_dev, sb.st_ino, 0);
	wait_ring_sane(nslots);
	m[2 * 4096] = 'h';   /* honest: page 2 */
	printf("forged %llu\n", forged);
	return 0;
}
