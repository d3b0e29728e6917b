/*
 * pagemon.c - the page-level monitor for MAP_SHARED file mappings, an
 * LD_PRELOAD library (build/libbtrack-pages.so) that `btrack record` loads
 * into every traced process.
 *
 * After Sarmoria and Chapin, "Monitoring Access to Shared Memory-Mapped
 * Files" (DFRWS 2005): every page of a shared file mapping is kept
 * inaccessible (PROT_NONE) until the program touches it; the SIGSEGV that
 * follows is ours: we record a page_read or page_write into the page ring
 * (capture/pagering.h), grant the access the fault needed and let the
 * instruction restart.  Every time slice (BTRACK_SLICE_NS, default 4 ms)
 * the pages granted are revoked again, so one slice costs at most one fault
 * for a run of reads of a page, one for a run of writes, two for reads then
 * writes.  A write grant includes read (x86 cannot write-protect without
 * read-protecting), so a read that follows a write in the same slice, and
 * the read half of a read-modify-write instruction, are not recorded
 * separately.
 *
 * The program's own SIGSEGV handling keeps working: sigaction(2) and
 * signal(2) for SIGSEGV are intercepted, the program's action is
 * remembered and called (or the default action restored and the fault
 * retaken) for every fault that is not ours, including a write to a page
 * the program itself mapped or protected read-only.  SIGSEGV is removed
 * from masks the program sets (a blocked SIGSEGV on a fault kills).  The
 * read/write system call families (read, pread, readv, preadv, recv*,
 * write, pwrite, writev, pwritev, send*, their _chk and 2 variants, and
 * fread/fwrite, which read large requests straight into the buffer) grant
 * their buffers first and record the kernel's access as the program's, so
 * they never fail with EFAULT; while such a call is in the kernel the
 * process's re-arm waits (a call that blocks for long, say a recv into a
 * shared mapping, delays the re-arm of every page of the process).
 *
 * Mappings are tracked in a static table of MAX_MAPS; one that does not
 * fit, or whose page cannot be granted (vm.max_map_count: each lone
 * granted page splits a VMA), is left to the program unmonitored and
 * counted in the ring header's `unmonitored`.  Ring full: counted in
 * `dropped`, never blocks.  fork children record under their own pid
 * (getpid(2) at record time) and start a fresh slice; exec loads the
 * library afresh.  A runtime that installs its SIGSEGV handler with a raw
 * system call (Go) is noticed at the next mapping or slice, and monitoring
 * stops with every page given back.
 *
 * What it does not do: it records nothing but page events (the recorder
 * sees the mmap calls through ptrace).  It does not see, and cannot grant
 * for, accesses the kernel makes to a revoked page in other system calls
 * (those fail with EFAULT: e.g. a path string or a struct in a shared
 * mapping, io_uring, syscall(2) called directly, libc internals other than
 * the stdio paths above; a futex word is fine, since the program touches it
 * first).  Mappings made before the constructor ran are not monitored, nor
 * processes that close the ring's fd before exec.  _Fork() and raw clone
 * children get no re-arm thread (they re-arm lazily at their next fault).
 * If BTRACK_PAGERING_FD is absent or not a valid ring it does nothing at
 * all and every wrapper passes straight through.
 *
 * Concurrency: one spinlock guards the mapping table and the list of
 * granted pages.  It is taken by the SIGSEGV handler and, with every signal
 * blocked, by the wrappers and the re-arm thread, so a handler can never
 * spin on a lock its own thread holds.  Nothing reachable from the handler
 * allocates, uses stdio or takes a libc lock; memory for per-page state is
 * mapped by the mmap wrapper.  Re-arming is done by a helper thread
 * (created with the first monitored mapping, again in fork children) that
 * sleeps on a futex until a page is granted, then sleeps until the end of
 * the slice; the fault handler also re-arms lazily when it sees a slice has
 * ended (a child made by raw clone has no helper).  No timer signal is
 * used, so the program never sees EINTR because of us.
 *
 * Protection changes use pkey_mprotect(pkey -1) (same as mprotect) so a
 * recorder whose seccomp filter traces mprotect is not stopped by ours.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "../pagering.h"

#define EXPORT __attribute__((visibility("default")))

#define MAX_MAPS 256           /* monitored mappings per process */
#define GRANT_MAX 16384        /* pages granted per slice before overflow */
#define SLICE_DEFAULT_NS 4000000ull

/* Per-page state, one byte per page of a monitored mapping. */
#define PG_PR  0x01  /* the program's prot allows read */
#define PG_PW  0x02  /* the program's prot allows write */
#define PG_GR  0x04  /* granted read this slice */
#define PG_GW  0x08  /* granted write this slice */
#define PG_OFF 0x80  /* not monitored (unmapped, replaced, executable) */

struct map {
	uintptr_t start, end;  /* page aligned; start == end: free */
	uint64_t dev, ino;
	uint64_t pgoff;        /* file page index of start */
	uint8_t *pg;           /* (end - start) / psz bytes, mapped */
	size_t pglen;
	uint32_t gen;          /* bumped when the slot is freed */
	int live;              /* pages not PG_OFF remain */
};

struct grant {
	uint32_t map, gen;
	uint64_t idx;
};

/* Resolved in the constructor; the raw-syscall fallbacks serve calls made
 * before it (other libraries' constructors). */
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);
static int (*real_munmap)(void *, size_t);
static void *(*real_mremap)(void *, size_t, size_t, int, ...);
static int (*real_mprotect)(void *, size_t, int);
static int (*real_sigaction)(int, const struct sigaction *,
			     struct sigaction *);
static int (*real_sigprocmask)(int, const sigset_t *, sigset_t *);
static int (*real_pthread_sigmask)(int, const sigset_t *, sigset_t *);
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_read_chk)(int, void *, size_t, size_t);
static ssize_t (*real_pread)(int, void *, size_t, off_t);
static ssize_t (*real_pread64)(int, void *, size_t, off_t);
static ssize_t (*real_readv)(int, const struct iovec *, int);
static ssize_t (*real_preadv)(int, const struct iovec *, int, off_t);
static ssize_t (*real_recv)(int, void *, size_t, int);
static ssize_t (*real_recvfrom)(int, void *, size_t, int,
				struct sockaddr *, socklen_t *);
static ssize_t (*real_recvmsg)(int, struct msghdr *, int);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t (*real_send)(int, const void *, size_t, int);
static ssize_t (*real_sendto)(int, const void *, size_t, int,
			      const struct sockaddr *, socklen_t);
static ssize_t (*real_sendmsg)(int, const struct msghdr *, int);
static ssize_t (*real_preadv2)(int, const struct iovec *, int, off_t, int);
static ssize_t (*real_pwritev2)(int, const struct iovec *, int, off_t, int);
static ssize_t (*real_pread64_chk)(int, void *, size_t, off_t, size_t);
static ssize_t (*real_recv_chk)(int, void *, size_t, size_t, int);
static ssize_t (*real_recvfrom_chk)(int, void *, size_t, size_t, int,
				    struct sockaddr *, socklen_t *);
static size_t (*real_fread)(void *, size_t, size_t, FILE *);
static size_t (*real_fread_unlocked)(void *, size_t, size_t, FILE *);
static size_t (*real_fread_chk)(void *, size_t, size_t, size_t, FILE *);
static size_t (*real_fwrite)(const void *, size_t, size_t, FILE *);
static size_t (*real_fwrite_unlocked)(const void *, size_t, size_t, FILE *);

static int active;             /* a valid ring was found */
static size_t psz = 4096;
static uint64_t slice_ns = SLICE_DEFAULT_NS;
static int ring_fd = -1;
static uint64_t ring_dev, ring_ino;
static struct bt_pagering_hdr *ring;
static struct bt_pagering_slot *ring_slots;
static uint32_t ring_n;

static int lock_word;
static struct map maps[MAX_MAPS];
static int nlive;              /* live maps (atomic): the wrappers' fast path */
static struct grant grants[GRANT_MAX];
static uint32_t ngrants;
static int grant_overflow;
static uint64_t slice_end;     /* CLOCK_MONOTONIC ns; 0: nothing granted */
static int grants_pending;     /* futex word for the helper */
static int inflight;           /* wrapped syscalls using granted pages */
static int helper_up;
static struct sigaction prog_segv; /* the program's SIGSEGV action */
static __thread sigset_t fork_mask;

/* ---- small async-signal-safe helpers ---- */

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void lock(void)
{
	while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
		syscall(SYS_sched_yield);
}

static void unlock(void)
{
	__atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
}

static void block_all(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, old, _NSIG / 8);
}

static void restore_mask(const sigset_t *old)
{
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, old, NULL, _NSIG / 8);
}

static void *sys_mmap(void *a, size_t l, int p, int f, int fd, off_t o)
{
	if (real_mmap)
		return real_mmap(a, l, p, f, fd, o);
	return (void *)syscall(SYS_mmap, a, l, p, f, fd, o);
}

static int sys_munmap(void *a, size_t l)
{
	if (real_munmap)
		return real_munmap(a, l);
	return (int)syscall(SYS_munmap, a, l);
}

/* Change protection without a mprotect(2) the recorder may trace. */
static int set_prot(uintptr_t a, size_t l, int prot)
{
	static int no_pkey;

	if (!no_pkey) {
		long r = syscall(SYS_pkey_mprotect, a, l, prot, -1);

		if (r == 0 || errno != ENOSYS)
			return (int)r;
		no_pkey = 1;
	}
	return (int)syscall(SYS_mprotect, a, l, prot);
}

static void futex_wake(int *w)
{
	syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* ---- the ring (producer side, see pagering.h) ---- */

/* Record a page event that happened at `time` (CLOCK_REALTIME ns). */
static void emit_at(int op, const struct map *m, uint64_t idx, uint64_t time)
{
	struct bt_pagering_slot *s;
	struct bt_raw raw;
	__u64 h, t;
	uint64_t npages = (m->end - m->start) / psz;

	memset(&raw, 0, sizeof(raw));
	raw.len = sizeof(raw);
	raw.op = (uint8_t)op;
	raw.pid = (uint32_t)syscall(SYS_getpid);
	raw.tid = (uint32_t)syscall(SYS_gettid);
	raw.time = time;
	raw.dev = m->dev;
	raw.ino = m->ino;
	/* The log counts pages of 4096 bytes whatever the MMU's size. */
	raw.arg = (m->pgoff + idx) * (psz / 4096);
	raw.arg2 = m->pgoff * (psz / 4096);
	npages *= psz / 4096;
	raw.arg32 = npages > UINT32_MAX ? UINT32_MAX : (uint32_t)npages;

	h = __atomic_load_n(&ring->head, __ATOMIC_RELAXED);
	for (;;) {
		t = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
		if (t > h && t - h < (1ull << 62)) {
			/* head was scribbled behind the consumer: move it up
			 * (see pagering.h), or every producer would drop. */
			__atomic_compare_exchange_n(&ring->head, &h, t, false,
						    __ATOMIC_ACQ_REL,
						    __ATOMIC_RELAXED);
			h = __atomic_load_n(&ring->head, __ATOMIC_RELAXED);
			continue;
		}
		if (h - t >= ring_n) {
			__atomic_fetch_add(&ring->dropped, 1, __ATOMIC_RELAXED);
			return;
		}
		if (__atomic_compare_exchange_n(&ring->head, &h, h + 1, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			break;
	}
	s = &ring_slots[h & (ring_n - 1)];
	memcpy(&s->raw, &raw, sizeof(raw));
	__atomic_store_n(&s->seq, h + 1, __ATOMIC_RELEASE);
}

static void emit(int op, const struct map *m, uint64_t idx)
{
	emit_at(op, m, idx, now_ns(CLOCK_REALTIME));
}

/* ---- the mapping table (lock held) ---- */

/* The live mapping and page index holding addr, or NULL. */
static struct map *find(uintptr_t a, uint64_t *idx)
{
	int i;

	for (i = 0; i < MAX_MAPS; i++) {
		struct map *m = &maps[i];

		if (m->start == m->end || a < m->start || a >= m->end)
			continue;
		*idx = (a - m->start) / psz;
		if (!(m->pg[*idx] & PG_OFF))
			return m;
	}
	return NULL;
}

static int effective_prot(uint8_t b)
{
	int p = 0;

	if ((b & PG_GR) && (b & PG_PR))
		p |= PROT_READ;
	if ((b & PG_GW) && (b & PG_PW))
		p |= PROT_READ | PROT_WRITE;
	return p;
}

static void free_map(struct map *m)
{
	uint8_t *pg = m->pg;
	size_t len = m->pglen;

	m->start = m->end = 0;
	m->pg = NULL;
	m->gen++;
	m->live = 0;
	__atomic_fetch_sub(&nlive, 1, __ATOMIC_RELAXED);
	sys_munmap(pg, len);
}

/* Mark [a, a+len) unmonitored in every mapping (it was unmapped or
 * replaced); free mappings left with no monitored page. */
static void forget_range(uintptr_t a, size_t len)
{
	uintptr_t e = a + len;
	int i;

	for (i = 0; i < MAX_MAPS; i++) {
		struct map *m = &maps[i];
		uintptr_t s, x;
		size_t k, n, live = 0;

		if (m->start == m->end || e <= m->start || a >= m->end)
			continue;
		s = a > m->start ? a : m->start;
		x = e < m->end ? e : m->end;
		for (k = (s - m->start) / psz; k < (x - m->start + psz - 1) / psz;
		     k++)
			m->pg[k] = PG_OFF;
		n = (m->end - m->start) / psz;
		for (k = 0; k < n; k++)
			live += !(m->pg[k] & PG_OFF);
		if (!live)
			free_map(m);
	}
}

/* Revoke every page granted this slice (lock held). */
static void rearm_locked(void)
{
	uint32_t i;
	int mi;

	if (grant_overflow) {
		for (mi = 0; mi < MAX_MAPS; mi++) {
			struct map *m = &maps[mi];
			size_t k, n = (m->end - m->start) / psz;

			for (k = 0; k < n; k++) {
				if (m->pg[k] & PG_OFF ||
				    !(m->pg[k] & (PG_GR | PG_GW)))
					continue;
				m->pg[k] &= (uint8_t)~(PG_GR | PG_GW);
				set_prot(m->start + k * psz, psz, PROT_NONE);
			}
		}
	} else {
		for (i = 0; i < ngrants; ) {
			struct grant *g = &grants[i];
			struct map *m = &maps[g->map];
			uint64_t first = g->idx, n = 1;

			i++;
			if (m->gen != g->gen || m->start == m->end)
				continue;
			/* Coalesce a run of consecutive pages of one map. */
			while (i < ngrants && grants[i].map == g->map &&
			       grants[i].gen == g->gen &&
			       grants[i].idx == first + n) {
				i++;
				n++;
			}
			for (uint64_t k = first; k < first + n; k++)
				if (!(m->pg[k] & PG_OFF))
					m->pg[k] &= (uint8_t)~(PG_GR | PG_GW);
			/* Pages that went PG_OFF in the run belong to another
			 * mapping now: revoke page by page around them. */
			for (uint64_t k = first; k < first + n; ) {
				uint64_t r = k;

				while (r < first + n && !(m->pg[r] & PG_OFF))
					r++;
				if (r > k)
					set_prot(m->start + k * psz,
						 (r - k) * psz, PROT_NONE);
				k = r + 1;
			}
		}
	}
	ngrants = 0;
	grant_overflow = 0;
	slice_end = 0;
	__atomic_store_n(&grants_pending, 0, __ATOMIC_RELAXED);
}

static void on_segv(int sig, siginfo_t *si, void *uc);

/* Is our SIGSEGV handler still installed?  A runtime that installs its own
 * with a raw rt_sigaction (Go does) bypasses the sigaction wrapper. */
static bool handler_ok(void)
{
	struct sigaction cur;

	if (real_sigaction(SIGSEGV, NULL, &cur) < 0)
		return false;
	return (cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_segv;
}

static int prog_prot(uint8_t b)
{
	return ((b & PG_PR) ? PROT_READ : 0) | ((b & PG_PW) ? PROT_WRITE : 0);
}

/* Give the monitored pages of m the program's own protection (in runs, so
 * the VMAs merge again) and drop m from the table. */
static void abandon_locked(struct map *m)
{
	size_t k, r, n = (m->end - m->start) / psz;

	for (k = 0; k < n; k = r) {
		uint8_t b = m->pg[k];

		for (r = k + 1; r < n && m->pg[r] == b; r++)
			;
		if (!(b & PG_OFF))
			set_prot(m->start + k * psz, (r - k) * psz,
				 prog_prot(b));
	}
	free_map(m);
}

/* Stop monitoring for good: give every page the program's protection back
 * (its faults would now go to a handler that knows nothing of ours). */
static void give_up_locked(void)
{
	int i;

	for (i = 0; i < MAX_MAPS; i++)
		if (maps[i].start != maps[i].end)
			abandon_locked(&maps[i]);
	ngrants = 0;
	grant_overflow = 0;
	slice_end = 0;
	__atomic_store_n(&grants_pending, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&active, 0, __ATOMIC_RELEASE);
}

static void maybe_rearm_locked(uint64_t now)
{
	if (slice_end && now >= slice_end &&
	    !__atomic_load_n(&inflight, __ATOMIC_ACQUIRE))
		rearm_locked();
}

/* Grant `want` (PG_GR or PG_GW) on page idx of m if the program allows it.
 * Returns 1 if granted now, 0 if already granted (or m was abandoned: the
 * program has its own access now), -1 if not allowed. */
static int grant_locked(struct map *m, uint64_t idx, int want, uint64_t now)
{
	uint8_t b = m->pg[idx], nb;

	if (want == PG_GW ? !(b & PG_PW) : !(b & PG_PR))
		return -1;
	if (b & want)
		return 0;
	nb = b | (uint8_t)want | (want == PG_GW ? PG_GR : 0);
	if (set_prot(m->start + idx * psz, psz, effective_prot(nb)) < 0) {
		/* Most likely vm.max_map_count: every lone granted page
		 * splits a VMA.  Stop monitoring this mapping rather than
		 * fail the program's access. */
		abandon_locked(m);
		__atomic_fetch_add(&ring->unmonitored, 1, __ATOMIC_RELAXED);
		return 0;
	}
	m->pg[idx] = nb;
	if (!(b & (PG_GR | PG_GW))) {
		if (ngrants < GRANT_MAX)
			grants[ngrants++] = (struct grant){
				(uint32_t)(m - maps), m->gen, idx };
		else
			grant_overflow = 1;
	}
	if (!slice_end) {
		slice_end = now + slice_ns;
		__atomic_store_n(&grants_pending, 1, __ATOMIC_RELEASE);
		futex_wake(&grants_pending);
	}
	return 1;
}

/* ---- the fault handler ---- */

/*
 * Was the fault a write?  1 write, 0 read, -1 unknown.  x86-64 only: the
 * page-fault error code (bit 1: write access).  Elsewhere (and in the
 * BT_PAGEMON_GENERIC build the tests use to exercise it) the handler treats
 * a fault on a page with no grant as a read, and a fault on a page already
 * granted read as a write: a run of writes then costs two faults and
 * records a page_read before its page_write.
 */
static int fault_is_write(void *uc)
{
#if defined(__x86_64__) && !defined(BT_PAGEMON_GENERIC)
	ucontext_t *u = uc;

	return (u->uc_mcontext.gregs[REG_ERR] & 2) ? 1 : 0;
#else
	(void)uc;
	return -1;
#endif
}

/* 1: the fault was ours and the access is granted; 0: the program's. */
static int handle_fault(uintptr_t a, int w)
{
	uint64_t now = now_ns(CLOCK_MONOTONIC), idx;
	struct map *m;
	int r, want;

	lock();
	maybe_rearm_locked(now);
	m = find(a, &idx);
	if (!m) {
		unlock();
		return 0;
	}
	if (w < 0)
		w = (m->pg[idx] & PG_GR) ? 1 : 0;
	want = w ? PG_GW : PG_GR;
	r = grant_locked(m, idx, want, now);
	if (r > 0) {
		emit(w ? BT_RAW_PAGE_WRITE : BT_RAW_PAGE_READ, m, idx);
		__atomic_fetch_add(&ring->faults, 1, __ATOMIC_RELAXED);
	} else if (r == 0 && m->start != m->end) {
		/* Another thread granted it meanwhile; make sure the
		 * protection matches so the instruction cannot loop. */
		set_prot(m->start + idx * psz, psz,
			 effective_prot(m->pg[idx]));
	}
	unlock();
	return r >= 0;
}

/*
 * Hand a SIGSEGV that is not ours to the program's action.  Its handler
 * runs inside ours with the mask it asked for (its sa_mask, SIGSEGV itself
 * unless SA_NODEFER); returning from ours restores the interrupted mask, as
 * returning from its own would.
 */
static void chain(int sig, siginfo_t *si, void *uc)
{
	struct sigaction a = prog_segv;

	if (a.sa_flags & SA_RESETHAND)
		prog_segv.sa_handler = SIG_DFL;
	if (a.sa_handler != SIG_DFL && a.sa_handler != SIG_IGN) {
		sigset_t seg;

		sigemptyset(&seg);
		sigaddset(&seg, SIGSEGV);
		syscall(SYS_rt_sigprocmask, SIG_BLOCK, &a.sa_mask, NULL,
			_NSIG / 8);
		if (!(a.sa_flags & SA_NODEFER) ||
		    !sigismember(&a.sa_mask, SIGSEGV))
			syscall(SYS_rt_sigprocmask, (a.sa_flags & SA_NODEFER) ?
				SIG_UNBLOCK : SIG_BLOCK, &seg, NULL,
				_NSIG / 8);
		if (a.sa_flags & SA_SIGINFO)
			a.sa_sigaction(sig, si, uc);
		else
			a.sa_handler(sig);
		return;
	}
	if (a.sa_handler == SIG_IGN && si->si_code <= 0)
		return;  /* a kill(2) of an ignored signal */
	/* Default action: restore it and let the fault happen again (or,
	 * for a sent signal, send it again: it stays blocked until we
	 * return). */
	{
		struct sigaction d;

		memset(&d, 0, sizeof(d));
		d.sa_handler = SIG_DFL;
		real_sigaction(SIGSEGV, &d, NULL);
		if (si->si_code <= 0)
			syscall(SYS_tgkill, syscall(SYS_getpid),
				syscall(SYS_gettid), SIGSEGV);
	}
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;

	if (si->si_code > 0 &&
	    handle_fault((uintptr_t)si->si_addr, fault_is_write(uc))) {
		errno = saved;
		return;
	}
	errno = saved;
	chain(sig, si, uc);
}

/* ---- re-arming ---- */

static void *helper_main(void *arg)
{
	sigset_t old;

	(void)arg;
	block_all(&old);
	prctl(PR_SET_NAME, "btrack-pagemon", 0, 0, 0);
	for (;;) {
		struct timespec ts;
		uint64_t end, now;

		while (!__atomic_load_n(&grants_pending, __ATOMIC_ACQUIRE))
			syscall(SYS_futex, &grants_pending, FUTEX_WAIT_PRIVATE,
				0, NULL, NULL, 0);
		lock();
		end = slice_end;
		if (!end)  /* re-armed lazily meanwhile */
			__atomic_store_n(&grants_pending, 0, __ATOMIC_RELAXED);
		unlock();
		if (!end)
			continue;
		now = now_ns(CLOCK_MONOTONIC);
		if (now < end) {
			ts.tv_sec = (time_t)(end / 1000000000ull);
			ts.tv_nsec = (long)(end % 1000000000ull);
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
					NULL);
			continue;
		}
		if (!handler_ok()) {
			lock();
			give_up_locked();
			unlock();
			continue;
		}
		lock();
		if (slice_end && now >= slice_end) {
			/* A wrapped syscall is using granted pages: revoking
			 * them now would make it fail with EFAULT. */
			if (__atomic_load_n(&inflight, __ATOMIC_ACQUIRE))
				slice_end = now + slice_ns;
			else
				rearm_locked();
		}
		unlock();
	}
	return NULL;
}

/* Start the re-arm thread (not from the signal handler, no lock held). */
static void ensure_helper(void)
{
	pthread_attr_t at;
	pthread_t t;

	if (__atomic_exchange_n(&helper_up, 1, __ATOMIC_ACQ_REL))
		return;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&at, 64 * 1024);
	if (pthread_create(&t, &at, helper_main, NULL) != 0)
		__atomic_store_n(&helper_up, 0, __ATOMIC_RELEASE);
	pthread_attr_destroy(&at);
}

static void atfork_prepare(void)
{
	block_all(&fork_mask);
	lock();
}

static void atfork_parent(void)
{
	/* The parent starts a fresh slice too: the child now shares its
	 * shared pages, and what it writes in them may be what the parent
	 * reads next (a pool's results): a page granted before the fork
	 * would let that read go unseen until the slice ends.  (Not while
	 * a wrapped call of another thread uses granted pages: then the
	 * helper re-arms when it returns.) */
	if (ngrants || grant_overflow) {
		if (__atomic_load_n(&inflight, __ATOMIC_ACQUIRE))
			slice_end = now_ns(CLOCK_MONOTONIC);
		else
			rearm_locked();
	}
	unlock();
	restore_mask(&fork_mask);
}

static void atfork_child(void)
{
	int any;

	/* The child starts a fresh slice: its first touches are its own
	 * events.  The helper thread did not survive the fork. */
	if (ngrants || grant_overflow)
		rearm_locked();
	any = __atomic_load_n(&nlive, __ATOMIC_RELAXED) > 0;
	unlock();
	__atomic_store_n(&helper_up, 0, __ATOMIC_RELAXED);
	if (any)
		ensure_helper();
	restore_mask(&fork_mask);
}

/* ---- tracking mappings (wrappers, not the handler) ---- */

static uint8_t prot_bits(int prot)
{
	return (uint8_t)(((prot & PROT_READ) ? PG_PR : 0) |
			 ((prot & PROT_WRITE) ? PG_PW | PG_PR : 0));
}

/* Per-page state for a mapping of len bytes, all pages with the program's
 * prot; NULL (counted unmonitored) if there is no memory.  Not under the
 * lock: it maps memory. */
static uint8_t *alloc_pg(size_t len, int prot, size_t *pglen)
{
	size_t n = (len + psz - 1) / psz;
	uint8_t *pg;

	*pglen = (n + psz - 1) / psz * psz;
	pg = sys_mmap(NULL, *pglen, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pg == MAP_FAILED) {
		__atomic_fetch_add(&ring->unmonitored, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	memset(pg, prot_bits(prot), n);
	return pg;
}

/* Enter [a, a+len) into the table and revoke its pages (lock held).  Takes
 * pg; false if the table is full (pg is the caller's again). */
static bool insert_locked(uintptr_t a, size_t len, uint64_t dev,
			  uint64_t ino, uint64_t pgoff, uint8_t *pg,
			  size_t pglen)
{
	size_t n = (len + psz - 1) / psz;
	int i;

	for (i = 0; i < MAX_MAPS && maps[i].start != maps[i].end; i++)
		;
	if (i == MAX_MAPS || set_prot(a, n * psz, PROT_NONE) < 0)
		return false;
	maps[i].dev = dev;
	maps[i].ino = ino;
	maps[i].pgoff = pgoff;
	maps[i].pg = pg;
	maps[i].pglen = pglen;
	maps[i].live = 1;
	maps[i].start = a;
	maps[i].end = a + n * psz;
	__atomic_fetch_add(&nlive, 1, __ATOMIC_RELAXED);
	return true;
}

static void add_map(uintptr_t a, size_t len, int prot, uint64_t dev,
		    uint64_t ino, uint64_t pgoff)
{
	size_t pglen;
	uint8_t *pg = alloc_pg(len, prot, &pglen);
	sigset_t old;
	bool ok;

	if (!pg)
		return;
	block_all(&old);
	lock();
	ok = insert_locked(a, len, dev, ino, pgoff, pg, pglen);
	unlock();
	restore_mask(&old);
	if (!ok) {
		sys_munmap(pg, pglen);
		__atomic_fetch_add(&ring->unmonitored, 1, __ATOMIC_RELAXED);
		return;
	}
	ensure_helper();
}

static void track(uintptr_t a, size_t len, int prot, int fd, off_t off)
{
	struct stat st;

	if (prot & PROT_EXEC || fd < 0 || off < 0 || fstat(fd, &st) < 0 ||
	    !S_ISREG(st.st_mode))
		return;
	if ((uint64_t)st.st_dev == ring_dev && (uint64_t)st.st_ino == ring_ino)
		return;  /* the ring itself */
	add_map(a, len, prot, (uint64_t)st.st_dev, (uint64_t)st.st_ino,
		(uint64_t)off / psz);
}

/* Hex (base 16) or decimal digits at *p, advancing it. */
static uint64_t digits(const char **p, unsigned base)
{
	uint64_t v = 0;

	for (;; (*p)++) {
		unsigned c = (unsigned char)**p, d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return v;
		v = v * base + d;
	}
}

/* A /proc/self/maps line ("start-end perms offset MAJ:MIN inode name") of
 * the mapping at a: its device and inode. */
static bool maps_line(const char *l, uintptr_t a, uint64_t *dev, uint64_t *ino)
{
	unsigned maj, min;
	int f;

	if (digits(&l, 16) != a || *l != '-')
		return false;
	for (f = 0; f < 3; f++)         /* end, perms, offset */
		if (!(l = strchr(l, ' ')) || !*++l)
			return false;
	maj = (unsigned)digits(&l, 16);
	if (*l++ != ':')
		return false;
	min = (unsigned)digits(&l, 16);
	if (*l++ != ' ')
		return false;
	*dev = makedev(maj, min);
	*ino = digits(&l, 10);
	return *ino != 0;
}

/*
 * The kernel file behind the anonymous shared mapping at a (MAP_SHARED |
 * MAP_ANONYMOUS: memory shared with the children forked after), from
 * /proc/self/maps, read with raw system calls into the stack (no
 * allocation, no stdio): false if not found.
 */
static bool anon_ident(uintptr_t a, uint64_t *dev, uint64_t *ino)
{
	char buf[4096];
	size_t have = 0;
	bool found = false;
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/maps",
			      O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	while (!found) {
		long n = syscall(SYS_read, fd, buf + have,
				 sizeof(buf) - 1 - have);
		char *l = buf, *nl;

		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		while (!found && (nl = memchr(l, '\n', have - (size_t)(l - buf)))) {
			*nl = '\0';
			found = maps_line(l, a, dev, ino);
			l = nl + 1;
		}
		have -= (size_t)(l - buf);
		memmove(buf, l, have);
		if (have == sizeof(buf) - 1)
			have = 0;       /* a line longer than the buffer */
	}
	syscall(SYS_close, fd);
	return found;
}

/* Track an anonymous shared mapping like a file mapping of its kernel
 * file (the recorder names it from the mmap it traced). */
static void track_anon(uintptr_t a, size_t len, int prot)
{
	uint64_t dev, ino;

	if (prot & PROT_EXEC || !anon_ident(a, &dev, &ino))
		return;
	add_map(a, len, prot, dev, ino, 0);
}

static bool overlaps_any(uintptr_t a, size_t len)
{
	int i;

	if (!__atomic_load_n(&nlive, __ATOMIC_RELAXED))
		return false;
	for (i = 0; i < MAX_MAPS; i++) {
		struct map *m = &maps[i];

		if (m->start != m->end && a < m->end && a + len > m->start)
			return true;
	}
	return false;
}

static bool is_shared(int flags)
{
	int t = flags & MAP_TYPE;

	return t == MAP_SHARED || t == MAP_SHARED_VALIDATE;
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off)
{
	void *p = sys_mmap(addr, len, prot, flags, fd, off);
	int saved = errno;

	if (p == MAP_FAILED || !active)
		return p;
	if (overlaps_any((uintptr_t)p, len)) {
		sigset_t old;

		block_all(&old);
		lock();
		forget_range((uintptr_t)p, len);
		unlock();
		restore_mask(&old);
	}
	if (is_shared(flags)) {
		if (handler_ok()) {
			if (flags & MAP_ANONYMOUS)
				track_anon((uintptr_t)p, len, prot);
			else
				track((uintptr_t)p, len, prot, fd, off);
		} else {
			sigset_t old;

			block_all(&old);
			lock();
			give_up_locked();
			unlock();
			restore_mask(&old);
		}
	}
	errno = saved;
	return p;
}

EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd,
		    off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

EXPORT int munmap(void *addr, size_t len)
{
	sigset_t old;
	int r, saved;

	if (!active || !overlaps_any((uintptr_t)addr, len))
		return sys_munmap(addr, len);
	/* Under the lock, so that no re-arm can touch a new mapping that
	 * another thread makes at this address in between. */
	block_all(&old);
	lock();
	r = sys_munmap(addr, len);
	saved = errno;
	if (r == 0)
		forget_range((uintptr_t)addr, len);
	unlock();
	restore_mask(&old);
	errno = saved;
	return r;
}

EXPORT int mprotect(void *addr, size_t len, int prot)
{
	uintptr_t a = (uintptr_t)addr, e = a + len;
	sigset_t old;
	int r, i;

	if (!real_mprotect)
		real_mprotect = dlsym(RTLD_NEXT, "mprotect");
	if (!active || !overlaps_any(a, len))
		return real_mprotect(addr, len, prot);
	block_all(&old);
	lock();
	r = real_mprotect(addr, len, prot);
	if (r == 0) {
		for (i = 0; i < MAX_MAPS; i++) {
			struct map *m = &maps[i];
			uintptr_t s, x;
			size_t k;

			if (m->start == m->end || e <= m->start ||
			    a >= m->end)
				continue;
			s = a > m->start ? a : m->start;
			x = e < m->end ? e : m->end;
			for (k = (s - m->start) / psz;
			     k < (x - m->start + psz - 1) / psz; k++) {
				uint8_t b = m->pg[k];

				if (b & PG_OFF)
					continue;
				if (prot & PROT_EXEC) {
					m->pg[k] = PG_OFF; /* code: leave */
					continue;
				}
				b &= (uint8_t)~(PG_PR | PG_PW);
				b |= (uint8_t)(((prot & PROT_READ) ? PG_PR :
						0) | ((prot & PROT_WRITE) ?
						PG_PW | PG_PR : 0));
				m->pg[k] = b;
				set_prot(m->start + k * psz, psz,
					 effective_prot(b));
			}
		}
	}
	unlock();
	restore_mask(&old);
	return r;
}

EXPORT void *mremap(void *old_addr, size_t old_len, size_t new_len,
		    int flags, ...)
{
	uintptr_t a = (uintptr_t)old_addr;
	void *na = NULL, *p;
	struct map *m = NULL;
	uint64_t idx = 0;
	uint8_t *pg = NULL;
	size_t pglen = 0;
	int saved, i;
	bool kept = false;
	sigset_t old;

	if (flags & MREMAP_FIXED) {
		va_list ap;

		va_start(ap, flags);
		na = va_arg(ap, void *);
		va_end(ap);
	}
	if (!active || !overlaps_any(a, old_len))
		goto plain;
	block_all(&old);
	lock();
	for (i = 0; i < MAX_MAPS && !m; i++) {
		if (maps[i].start == maps[i].end || a < maps[i].start ||
		    a >= maps[i].end)
			continue;
		idx = (a - maps[i].start) / psz;
		if (!(maps[i].pg[idx] & PG_OFF))
			m = &maps[i];
	}
	if (m) {
		uint8_t b = m->pg[idx];
		uint64_t dev = m->dev, ino = m->ino, pgoff = m->pgoff + idx;
		size_t k, n = (m->end - m->start) / psz;

		/* The state for the new range, mapped outside the lock; the
		 * table may change meanwhile, so look again after. */
		unlock();
		pg = alloc_pg(new_len, prog_prot(b), &pglen);
		lock();
		m = NULL;
		for (i = 0; i < MAX_MAPS && !m; i++)
			if (maps[i].start != maps[i].end &&
			    a >= maps[i].start && a < maps[i].end &&
			    maps[i].dev == dev && maps[i].ino == ino &&
			    !(maps[i].pg[(a - maps[i].start) / psz] & PG_OFF))
				m = &maps[i];
		if (m) {
			idx = (a - m->start) / psz;
			n = (m->end - m->start) / psz;
			/* One protection over the range so it is one VMA
			 * again (mremap refuses to span several). */
			for (k = idx; k < n && m->start + k * psz < a + old_len;
			     k++)
				if (!(m->pg[k] & PG_OFF)) {
					m->pg[k] &= (uint8_t)~(PG_GR | PG_GW);
					set_prot(m->start + k * psz, psz,
						 PROT_NONE);
				}
		}
		p = real_mremap ? real_mremap(old_addr, old_len, new_len,
					      flags, na)
				: (void *)syscall(SYS_mremap, old_addr, old_len,
						  new_len, flags, na);
		saved = errno;
		if (p != MAP_FAILED) {
			forget_range(a, old_len);
			forget_range((uintptr_t)p, new_len);
			/* Under the lock: another thread touching the new
			 * range must find it in the table. */
			if (m && pg)
				kept = insert_locked((uintptr_t)p, new_len,
						     dev, ino, pgoff, pg,
						     pglen);
			if (m && !kept)
				set_prot((uintptr_t)p, new_len, prog_prot(b));
		}
	} else {
		p = real_mremap ? real_mremap(old_addr, old_len, new_len,
					      flags, na)
				: (void *)syscall(SYS_mremap, old_addr, old_len,
						  new_len, flags, na);
		saved = errno;
		if (p != MAP_FAILED)
			forget_range(a, old_len);
	}
	unlock();
	restore_mask(&old);
	if (pg && !kept) {
		sys_munmap(pg, pglen);
		if (p != MAP_FAILED && m)
			__atomic_fetch_add(&ring->unmonitored, 1,
					   __ATOMIC_RELAXED);
	}
	if (kept)
		ensure_helper();
	errno = saved;
	return p;

plain:
	if (real_mremap)
		return real_mremap(old_addr, old_len, new_len, flags, na);
	return (void *)syscall(SYS_mremap, old_addr, old_len, new_len, flags,
			       na);
}

/* ---- signal interception: the program's SIGSEGV action ---- */

static void strip_segv(sigset_t *s)
{
	sigdelset(s, SIGSEGV);
}

EXPORT int sigaction(int sig, const struct sigaction *act,
		     struct sigaction *oldact)
{
	struct sigaction copy, prev;
	sigset_t old;

	if (!real_sigaction)
		real_sigaction = dlsym(RTLD_NEXT, "sigaction");
	if (!active)
		return real_sigaction(sig, act, oldact);
	if (sig != SIGSEGV) {
		/* A program handler running with SIGSEGV blocked would be
		 * killed by the first monitored page it touches. */
		if (act) {
			copy = *act;
			strip_segv(&copy.sa_mask);
			act = &copy;
		}
		return real_sigaction(sig, act, oldact);
	}
	/* Copy the program's structs outside the lock: they may lie in a
	 * monitored page, and a fault with the lock held would deadlock. */
	if (act)
		copy = *act;
	block_all(&old);
	lock();
	prev = prog_segv;
	if (act)
		prog_segv = copy;
	unlock();
	restore_mask(&old);
	if (oldact)
		*oldact = prev;
	return 0;
}

static sighandler_t set_handler(int sig, sighandler_t h, int flags)
{
	struct sigaction a, o;

	memset(&a, 0, sizeof(a));
	a.sa_handler = h;
	a.sa_flags = flags;
	if (!(flags & SA_NODEFER))
		sigaddset(&a.sa_mask, sig);
	if (sigaction(sig, &a, &o) < 0)
		return SIG_ERR;
	return o.sa_handler;
}

/* signal(2) and its historical variants, which glibc implements with an
 * internal sigaction the wrapper above would not see.  A program built
 * with -std=c99 calls __sysv_signal for signal(). */
EXPORT sighandler_t signal(int sig, sighandler_t h)
{
	return set_handler(sig, h, SA_RESTART);
}

sighandler_t bsd_signal(int sig, sighandler_t h);
EXPORT sighandler_t bsd_signal(int sig, sighandler_t h)
{
	return set_handler(sig, h, SA_RESTART);
}

EXPORT sighandler_t sysv_signal(int sig, sighandler_t h)
{
	return set_handler(sig, h, SA_RESETHAND | SA_NODEFER);
}

sighandler_t __sysv_signal(int sig, sighandler_t h);
EXPORT sighandler_t __sysv_signal(int sig, sighandler_t h)
{
	return set_handler(sig, h, SA_RESETHAND | SA_NODEFER);
}

/* Resolve real_NAME, the next definition of SYM, on first use. */
#define RESOLVE(name, sym) \
	do { if (!real_##name) real_##name = dlsym(RTLD_NEXT, sym); } while (0)

/* The mask a program asks for, without SIGSEGV: the monitor's faults must
 * always be delivered.  Returns set, or copy holding the stripped mask. */
static const sigset_t *mask_without_segv(int how, const sigset_t *set,
					 sigset_t *copy)
{
	if (!active || !set || how == SIG_UNBLOCK)
		return set;
	*copy = *set;
	strip_segv(copy);
	return copy;
}

EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *oldset)
{
	sigset_t copy;

	RESOLVE(sigprocmask, "sigprocmask");
	return real_sigprocmask(how, mask_without_segv(how, set, &copy),
				oldset);
}

EXPORT int pthread_sigmask(int how, const sigset_t *set, sigset_t *oldset)
{
	sigset_t copy;

	RESOLVE(pthread_sigmask, "pthread_sigmask");
	return real_pthread_sigmask(how, mask_without_segv(how, set, &copy),
				    oldset);
}

/* ---- I/O into and out of monitored pages ---- */

/*
 * The kernel reads (write(2) family) or writes (read(2) family) the
 * program's buffers on its behalf; a revoked page would make the call fail
 * with EFAULT.  io_add() grants the access before the call; io_end(), after
 * it, records the pages the result says the kernel touched as the
 * program's accesses and takes back the grants it did not use (so the
 * program's own next touch of them still faults).  Beyond IO_DEFER pages
 * the grants are recorded at once, touched or not.  While a call holds
 * grants, no re-arm revokes them (the inflight count).
 */
#define IO_DEFER 32
#define IO_RESULT 0  /* touched if in [lo, lo + result bytes) */
#define IO_DATA   1  /* touched if the result is > 0 (iovec data) */
#define IO_OK     2  /* touched if the call succeeded (addresses, lengths) */

struct io_page {
	uintptr_t page;
	uint8_t old;     /* the page's grant bits before */
	uint8_t kind;
	uint8_t write;
};

struct io {
	bool held;       /* holds one inflight count */
	int n;
	uintptr_t lo;    /* start of the IO_RESULT buffer */
	uint64_t time;   /* CLOCK_REALTIME before the call: the kernel's
			    accesses happen during it, so they are dated no
			    later than the recorder dates the call */
	struct io_page pg[IO_DEFER];
};

static void io_begin(struct io *io)
{
	io->held = false;
	io->n = 0;
	io->lo = 0;
}

static uintptr_t add_sat(uintptr_t a, size_t len)
{
	return a + len < a ? UINTPTR_MAX : a + len;
}

static void io_add(struct io *io, const void *buf, size_t len, int kind,
		   bool write)
{
	uintptr_t a = (uintptr_t)buf, e = add_sat(a, len), hi = 0, p;
	uint64_t now, idx;
	sigset_t old;
	int i;

	if (kind == IO_RESULT)
		io->lo = a;
	if (!active || !len || !buf || !overlaps_any(a, len))
		return;
	now = now_ns(CLOCK_MONOTONIC);
	block_all(&old);
	lock();
	maybe_rearm_locked(now);
	if (!io->held) {
		__atomic_fetch_add(&inflight, 1, __ATOMIC_ACQ_REL);
		io->held = true;
		io->time = now_ns(CLOCK_REALTIME);
	}
	for (i = 0; i < MAX_MAPS; i++)
		if (maps[i].start != maps[i].end && maps[i].end > hi)
			hi = maps[i].end;
	if (e > hi)
		e = hi;  /* a huge length walks no further than the table */
	for (p = a & ~(uintptr_t)(psz - 1); p < e; p += psz) {
		struct map *m = find(p, &idx);
		uint8_t before;

		if (!m)
			continue;
		before = m->pg[idx];
		if (grant_locked(m, idx, write ? PG_GW : PG_GR, now) <= 0)
			continue;
		if (io->n < IO_DEFER)
			io->pg[io->n++] = (struct io_page){
				p, (uint8_t)(before & (PG_GR | PG_GW)),
				(uint8_t)kind, write };
		else
			emit_at(write ? BT_RAW_PAGE_WRITE : BT_RAW_PAGE_READ,
				m, idx, io->time);
	}
	unlock();
	restore_mask(&old);
}

static void io_end(struct io *io, ssize_t result)
{
	int saved = errno, i;
	sigset_t old;

	if (!io->held)
		return;
	if (io->n) {
		block_all(&old);
		lock();
		for (i = 0; i < io->n; i++) {
			const struct io_page *g = &io->pg[i];
			uint64_t idx;
			struct map *m = find(g->page, &idx);
			bool touched;

			if (!m)
				continue;
			if (g->kind == IO_RESULT)
				touched = result > 0 &&
					  g->page < add_sat(io->lo,
							    (size_t)result) &&
					  g->page + psz > io->lo;
			else if (g->kind == IO_DATA)
				touched = result > 0;
			else
				touched = result >= 0;
			if (touched) {
				emit_at(g->write ? BT_RAW_PAGE_WRITE :
					BT_RAW_PAGE_READ, m, idx, io->time);
				continue;
			}
			m->pg[idx] = (uint8_t)((m->pg[idx] & ~(PG_GR | PG_GW)) |
					       g->old);
			set_prot(g->page, psz, effective_prot(m->pg[idx]));
		}
		unlock();
		restore_mask(&old);
	}
	__atomic_fetch_sub(&inflight, 1, __ATOMIC_ACQ_REL);
	errno = saved;
}

static void io_iov(struct io *io, const struct iovec *iov, size_t n,
		   bool write)
{
	size_t i;

	if (!active || !__atomic_load_n(&nlive, __ATOMIC_RELAXED) || !iov ||
	    n > IOV_MAX)
		return;
	for (i = 0; i < n; i++)
		io_add(io, iov[i].iov_base, iov[i].iov_len, IO_DATA, write);
}

/* Bytes moved by a stdio call that returned `got` of `n` items: a short
 * count may have moved part of one more item. */
static ssize_t stdio_bytes(size_t got, size_t size, size_t n)
{
	size_t items = got < n ? got + 1 : n;

	return items && size > (size_t)SSIZE_MAX / items ? SSIZE_MAX :
	       (ssize_t)(items * size);
}


/*
 * Wrappers of calls that make the kernel read or write the program's
 * memory: the pages of the buffers are granted before the call, so it
 * cannot fail with EFAULT on a revoked page, and recorded after it
 * (into: the kernel writes them, a page write; else a page read).
 * FN is the exported symbol, REAL the suffix of its real_* pointer, SYM
 * the name dlsym finds, PARAMS and ARGS the parameter list and the
 * arguments passed on.  WRAP_BUF moves up to n bytes of buf (the result
 * says how many); WRAP_IOV moves cnt iovecs.
 */
#define WRAP_BUF(FN, REAL, SYM, into, PARAMS, ARGS) \
	EXPORT ssize_t FN PARAMS \
	{ \
		struct io io; \
		ssize_t r; \
 \
		RESOLVE(REAL, SYM); \
		io_begin(&io); \
		io_add(&io, buf, n, IO_RESULT, into); \
		r = real_##REAL ARGS; \
		io_end(&io, r); \
		return r; \
	}

#define WRAP_IOV(FN, REAL, SYM, into, PARAMS, ARGS) \
	EXPORT ssize_t FN PARAMS \
	{ \
		struct io io; \
		ssize_t r; \
 \
		RESOLVE(REAL, SYM); \
		io_begin(&io); \
		if (cnt > 0) \
			io_iov(&io, iov, (size_t)cnt, into); \
		r = real_##REAL ARGS; \
		io_end(&io, r); \
		return r; \
	}

/* The _FORTIFY_SOURCE entry points that Debian's programs call. */
ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
ssize_t __pread64_chk(int fd, void *buf, size_t n, off_t off, size_t buflen);
ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen,
		       int flags, struct sockaddr *sa, socklen_t *salen);
size_t __fread_chk(void *ptr, size_t ptrlen, size_t size, size_t n,
		   FILE *f);

WRAP_BUF(read, read, "read", true,
	 (int fd, void *buf, size_t n), (fd, buf, n))

WRAP_BUF(__read_chk, read_chk, "__read_chk", true,
	 (int fd, void *buf, size_t n, size_t buflen), (fd, buf, n, buflen))

WRAP_BUF(pread, pread, "pread", true,
	 (int fd, void *buf, size_t n, off_t off), (fd, buf, n, off))

WRAP_BUF(pread64, pread64, "pread64", true,
	 (int fd, void *buf, size_t n, off_t off), (fd, buf, n, off))

WRAP_BUF(__pread64_chk, pread64_chk, "__pread64_chk", true,
	 (int fd, void *buf, size_t n, off_t off, size_t buflen),
	 (fd, buf, n, off, buflen))

WRAP_BUF(recv, recv, "recv", true,
	 (int fd, void *buf, size_t n, int flags), (fd, buf, n, flags))

WRAP_BUF(__recv_chk, recv_chk, "__recv_chk", true,
	 (int fd, void *buf, size_t n, size_t buflen, int flags),
	 (fd, buf, n, buflen, flags))

WRAP_BUF(write, write, "write", false,
	 (int fd, const void *buf, size_t n), (fd, buf, n))

WRAP_BUF(pwrite, pwrite, "pwrite", false,
	 (int fd, const void *buf, size_t n, off_t off), (fd, buf, n, off))

WRAP_BUF(pwrite64, pwrite64, "pwrite64", false,
	 (int fd, const void *buf, size_t n, off_t off), (fd, buf, n, off))

WRAP_BUF(send, send, "send", false,
	 (int fd, const void *buf, size_t n, int flags), (fd, buf, n, flags))

EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags,
			struct sockaddr *sa, socklen_t *salen)
{
	struct io io;
	ssize_t r;

	RESOLVE(recvfrom, "recvfrom");
	io_begin(&io);
	io_add(&io, buf, n, IO_RESULT, true);
	if (sa && salen) {
		io_add(&io, salen, sizeof(*salen), IO_OK, true);
		io_add(&io, sa, *salen, IO_OK, true);
	}
	r = real_recvfrom(fd, buf, n, flags, sa, salen);
	io_end(&io, r);
	return r;
}

EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen,
			      int flags, struct sockaddr *sa,
			      socklen_t *salen)
{
	struct io io;
	ssize_t r;

	RESOLVE(recvfrom_chk, "__recvfrom_chk");
	io_begin(&io);
	io_add(&io, buf, n, IO_RESULT, true);
	if (sa && salen) {
		io_add(&io, salen, sizeof(*salen), IO_OK, true);
		io_add(&io, sa, *salen, IO_OK, true);
	}
	r = real_recvfrom_chk(fd, buf, n, buflen, flags, sa, salen);
	io_end(&io, r);
	return r;
}

EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags,
		      const struct sockaddr *sa, socklen_t salen)
{
	struct io io;
	ssize_t r;

	RESOLVE(sendto, "sendto");
	io_begin(&io);
	io_add(&io, buf, n, IO_RESULT, false);
	io_add(&io, sa, salen, IO_OK, false);
	r = real_sendto(fd, buf, n, flags, sa, salen);
	io_end(&io, r);
	return r;
}

WRAP_IOV(readv, readv, "readv", true,
	 (int fd, const struct iovec *iov, int cnt), (fd, iov, cnt))

WRAP_IOV(preadv, preadv, "preadv", true,
	 (int fd, const struct iovec *iov, int cnt, off_t off),
	 (fd, iov, cnt, off))

WRAP_IOV(preadv2, preadv2, "preadv2", true,
	 (int fd, const struct iovec *iov, int cnt, off_t off, int flags),
	 (fd, iov, cnt, off, flags))

WRAP_IOV(writev, writev, "writev", false,
	 (int fd, const struct iovec *iov, int cnt), (fd, iov, cnt))

WRAP_IOV(pwritev, pwritev, "pwritev", false,
	 (int fd, const struct iovec *iov, int cnt, off_t off),
	 (fd, iov, cnt, off))

WRAP_IOV(pwritev2, pwritev2, "pwritev2", false,
	 (int fd, const struct iovec *iov, int cnt, off_t off, int flags),
	 (fd, iov, cnt, off, flags))

EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct io io;
	ssize_t r;

	RESOLVE(recvmsg, "recvmsg");
	io_begin(&io);
	if (msg) {
		io_add(&io, msg, sizeof(*msg), IO_OK, true);
		io_iov(&io, msg->msg_iov, msg->msg_iovlen, true);
		io_add(&io, msg->msg_name, msg->msg_namelen, IO_OK, true);
		io_add(&io, msg->msg_control, msg->msg_controllen, IO_OK,
		       true);
	}
	r = real_recvmsg(fd, msg, flags);
	io_end(&io, r);
	return r;
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct io io;
	ssize_t r;

	RESOLVE(sendmsg, "sendmsg");
	io_begin(&io);
	if (msg) {
		io_iov(&io, msg->msg_iov, msg->msg_iovlen, false);
		io_add(&io, msg->msg_name, msg->msg_namelen, IO_OK, false);
		io_add(&io, msg->msg_control, msg->msg_controllen, IO_OK,
		       false);
	}
	r = real_sendmsg(fd, msg, flags);
	io_end(&io, r);
	return r;
}

/*
 * stdio reads large requests straight into the caller's buffer (and writes
 * straight from it) with internal read/write calls that no wrapper sees;
 * grant the buffer around the call.  Smaller requests go through the FILE
 * buffer and memcpy, which faults normally.
 */
#undef fread_unlocked
#undef fwrite_unlocked

static size_t mul_sat(size_t a, size_t b)
{
	return b && a > SIZE_MAX / b ? SIZE_MAX : a * b;
}

EXPORT size_t fread(void *ptr, size_t size, size_t n, FILE *f)
{
	struct io io;
	size_t r;

	RESOLVE(fread, "fread");
	io_begin(&io);
	io_add(&io, ptr, mul_sat(size, n), IO_RESULT, true);
	r = real_fread(ptr, size, n, f);
	io_end(&io, stdio_bytes(r, size, n));
	return r;
}

EXPORT size_t fread_unlocked(void *ptr, size_t size, size_t n, FILE *f)
{
	struct io io;
	size_t r;

	RESOLVE(fread_unlocked, "fread_unlocked");
	io_begin(&io);
	io_add(&io, ptr, mul_sat(size, n), IO_RESULT, true);
	r = real_fread_unlocked(ptr, size, n, f);
	io_end(&io, stdio_bytes(r, size, n));
	return r;
}

EXPORT size_t __fread_chk(void *ptr, size_t ptrlen, size_t size, size_t n,
			  FILE *f)
{
	struct io io;
	size_t r;

	RESOLVE(fread_chk, "__fread_chk");
	io_begin(&io);
	io_add(&io, ptr, mul_sat(size, n), IO_RESULT, true);
	r = real_fread_chk(ptr, ptrlen, size, n, f);
	io_end(&io, stdio_bytes(r, size, n));
	return r;
}

EXPORT size_t fwrite(const void *ptr, size_t size, size_t n, FILE *f)
{
	struct io io;
	size_t r;

	RESOLVE(fwrite, "fwrite");
	io_begin(&io);
	io_add(&io, ptr, mul_sat(size, n), IO_RESULT, false);
	r = real_fwrite(ptr, size, n, f);
	io_end(&io, stdio_bytes(r, size, n));
	return r;
}

EXPORT size_t fwrite_unlocked(const void *ptr, size_t size, size_t n,
			      FILE *f)
{
	struct io io;
	size_t r;

	RESOLVE(fwrite_unlocked, "fwrite_unlocked");
	io_begin(&io);
	io_add(&io, ptr, mul_sat(size, n), IO_RESULT, false);
	r = real_fwrite_unlocked(ptr, size, n, f);
	io_end(&io, stdio_bytes(r, size, n));
	return r;
}

/* ---- start-up ---- */

/* Map the ring named by the environment; false if there is none or it is
 * not a ring of ours (then the library stays inert). */
static bool open_ring(void)
{
	const char *v = getenv(BT_PAGERING_ENV);
	struct bt_pagering_hdr h;
	struct stat st;
	char *end;
	long fd;
	size_t len;
	void *p;

	if (!v || !*v)
		return false;
	errno = 0;
	fd = strtol(v, &end, 10);
	if (errno || *end || fd < 0 || fd > INT_MAX)
		return false;
	if (fstat((int)fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size < (off_t)sizeof(h))
		return false;
	if (pread((int)fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return false;
	if (h.magic != BT_PAGERING_MAGIC || h.version != BT_PAGERING_VERSION ||
	    h.nslots < 2 || h.nslots > (1u << 24) ||
	    (h.nslots & (h.nslots - 1)))
		return false;
	len = sizeof(h) + (size_t)h.nslots * sizeof(struct bt_pagering_slot);
	if ((uint64_t)st.st_size < len)
		return false;
	p = sys_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd,
		     0);
	if (p == MAP_FAILED)
		return false;
	ring = p;
	ring_slots = (void *)((char *)p + sizeof(h));
	ring_n = h.nslots;
	ring_fd = (int)fd;
	ring_dev = (uint64_t)st.st_dev;
	ring_ino = (uint64_t)st.st_ino;
	return true;
}

__attribute__((constructor)) static void pagemon_init(void)
{
	struct sigaction sa;
	const char *v;
	long ps;

	real_mmap = dlsym(RTLD_NEXT, "mmap");
	real_munmap = dlsym(RTLD_NEXT, "munmap");
	real_mremap = dlsym(RTLD_NEXT, "mremap");
	real_mprotect = dlsym(RTLD_NEXT, "mprotect");
	real_sigaction = dlsym(RTLD_NEXT, "sigaction");
	real_sigprocmask = dlsym(RTLD_NEXT, "sigprocmask");
	real_pthread_sigmask = dlsym(RTLD_NEXT, "pthread_sigmask");
	RESOLVE(read, "read");
	RESOLVE(pread, "pread");
	RESOLVE(pread64, "pread64");
	RESOLVE(readv, "readv");
	RESOLVE(preadv, "preadv");
	RESOLVE(recv, "recv");
	RESOLVE(recvfrom, "recvfrom");
	RESOLVE(recvmsg, "recvmsg");
	RESOLVE(write, "write");
	RESOLVE(pwrite, "pwrite");
	RESOLVE(pwrite64, "pwrite64");
	RESOLVE(writev, "writev");
	RESOLVE(pwritev, "pwritev");
	RESOLVE(send, "send");
	RESOLVE(sendto, "sendto");
	RESOLVE(sendmsg, "sendmsg");
	RESOLVE(read_chk, "__read_chk");
	RESOLVE(preadv2, "preadv2");
	RESOLVE(pwritev2, "pwritev2");
	RESOLVE(pread64_chk, "__pread64_chk");
	RESOLVE(recv_chk, "__recv_chk");
	RESOLVE(recvfrom_chk, "__recvfrom_chk");
	RESOLVE(fread, "fread");
	RESOLVE(fread_unlocked, "fread_unlocked");
	RESOLVE(fread_chk, "__fread_chk");
	RESOLVE(fwrite, "fwrite");
	RESOLVE(fwrite_unlocked, "fwrite_unlocked");
	if (!real_mmap || !real_munmap || !real_mprotect || !real_sigaction)
		return;
	ps = sysconf(_SC_PAGESIZE);
	if (ps > 0)
		psz = (size_t)ps;
	if (!open_ring())
		return;
	v = getenv(BT_PAGERING_SLICE_ENV);
	if (v && *v) {
		char *end;
		unsigned long long s = strtoull(v, &end, 10);

		if (!*end && s >= 100000ull && s <= 100000000000ull)
			slice_ns = s;
	}
	real_sigaction(SIGSEGV, NULL, &prog_segv);
	/* No SA_NODEFER: a fault inside our own handler (a bug, or a
	 * program that unmapped the ring) kills the process at once instead
	 * of recursing into a lock it holds.  SA_ONSTACK: a program that
	 * catches stack overflows on an alternate stack still can. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (real_sigaction(SIGSEGV, &sa, NULL) < 0)
		return;
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	__atomic_store_n(&active, 1, __ATOMIC_RELEASE);
}
