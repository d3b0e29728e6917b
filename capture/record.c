/*
 * record.c - the ptrace + seccomp recorder behind `btrack record` (API and
 * the design choices in record.h; the user's view in man/btrack-record.1).
 *
 * One loop waits for every tracee (waitpid(-1, __WALL)) and handles:
 *  - seccomp stops: read the system call and its arguments; paths that must
 *    be looked at before the call (does the O_CREAT target exist? which
 *    inode does unlink remove?) are resolved here; resume with
 *    PTRACE_SYSCALL to get the exit stop;
 *  - syscall-exit stops: the result; a successful call becomes observations
 *    for bt_ingest_add(); then PTRACE_CONT until the next traced call;
 *  - fork/vfork/clone and exec events, signal-delivery stops (the signal is
 *    passed on) and group stops (classic attach: resumed);
 *  - exits: a process ends when its last task is gone.
 * Between stops, and every 10 ms on a timer (SIGALRM interrupts waitpid),
 * the page ring is drained.
 *
 * State: tasks (threads) by tid, processes by pid, each process with its fd
 * table (capture/fdtable.h, shared with CLONE_FILES), its file mappings (for
 * munmap/mprotect), its cwd.  A (dev, ino) -> path map names page events.
 * Reads and writes on known descriptors allocate nothing and make no system
 * call besides the two ptrace requests of the stop.
 *
 * Not captured (man page): io_uring, 32-bit system calls, descriptors
 * received over unix sockets until first used, data exchanged through
 * socketpairs, writes to non-file memory.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/close_range.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/ingest.h"
#include "../core/util.h"
#include "fdtable.h"
#include "pagering.h"
#include "path.h"
#include "record.h"

#define PAGE 4096ULL
#define NBUCKET 1024
#define DRAIN_EVERY_US 10000
#define INTERRUPT_GRACE_NS 5000000000ULL

/* ---- helpers exposed for tests ---------------------------------------- */

/* Copy bytes as printable text: \xNN for anything else. */
static void put_escaped(char *out, size_t n, const unsigned char *s,
			size_t len)
{
	size_t o = 0, i;

	for (i = 0; i < len && o + 5 < n; i++) {
		if (s[i] >= 0x21 && s[i] < 0x7f && s[i] != '\\')
			out[o++] = (char)s[i];
		else
			o += (size_t)snprintf(out + o, n - o, "\\x%02x", s[i]);
	}
	out[o < n ? o : n - 1] = '\0';
}

int bt_record_sockaddr_fmt(char *out, size_t n, const void *sa, size_t len)
{
	sa_family_t fam;
	char a[INET6_ADDRSTRLEN];

	if (!n)
		return bt_error_set(BT_EINVAL, "no room");
	out[0] = '\0';
	if (!sa || len < sizeof(fam)) {
		snprintf(out, n, "family ?");
		return bt_error_set(BT_EINVAL, "sockaddr of %zu bytes", len);
	}
	memcpy(&fam, sa, sizeof(fam));
	if (fam == AF_INET && len >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in in;

		memcpy(&in, sa, sizeof(in));
		inet_ntop(AF_INET, &in.sin_addr, a, sizeof(a));
		snprintf(out, n, "%s:%u", a, ntohs(in.sin_port));
		return 0;
	}
	if (fam == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 in6;

		memcpy(&in6, sa, sizeof(in6));
		inet_ntop(AF_INET6, &in6.sin6_addr, a, sizeof(a));
		snprintf(out, n, "[%s]:%u", a, ntohs(in6.sin6_port));
		return 0;
	}
	if (fam == AF_UNIX) {
		const unsigned char *p = (const unsigned char *)sa +
			offsetof(struct sockaddr_un, sun_path);
		size_t plen;
		char esc[sizeof(((struct sockaddr_un *)0)->sun_path) * 4 + 1];

		if (len > sizeof(struct sockaddr_un))
			len = sizeof(struct sockaddr_un);
		plen = len - offsetof(struct sockaddr_un, sun_path);
		if (plen == 0) {
			snprintf(out, n, "unix:unnamed");
			return 0;
		}
		if (p[0] == '\0') {
			put_escaped(esc, sizeof(esc), p + 1, plen - 1);
			snprintf(out, n, "unix:@%s", esc);
			return 0;
		}
		plen = strnlen((const char *)p, plen);
		put_escaped(esc, sizeof(esc), p, plen);
		snprintf(out, n, "unix:%s", esc);
		return 0;
	}
	snprintf(out, n, "family %u", (unsigned)fam);
	return bt_error_set(BT_EINVAL, "unsupported address family %u "
			    "(%zu bytes)", (unsigned)fam, len);
}

int bt_record_elf_has_interp(const void *data, size_t len)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	uint64_t i, off;

	if (len < sizeof(eh))
		return bt_error_set(BT_EINVAL, "not an ELF file (too short)");
	memcpy(&eh, data, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64)
		return bt_error_set(BT_EINVAL, "not a 64-bit ELF file");
	if (eh.e_phentsize != sizeof(ph))
		return bt_error_set(BT_EINVAL, "bad ELF program header size");
	for (i = 0; i < eh.e_phnum; i++) {
		off = eh.e_phoff + i * sizeof(ph);
		if (off < eh.e_phoff || off > len || len - off < sizeof(ph))
			return bt_error_set(BT_EINVAL,
					    "ELF program headers out of range");
		memcpy(&ph, (const char *)data + off, sizeof(ph));
		if (ph.p_type == PT_INTERP)
			return 1;
	}
	return 0;
}

/* ---- state -------------------------------------------------------------- */

struct map {
	uint64_t start, end;    /* [start, end) in the tracee */
	uint64_t dev, ino, pgoff;
	unsigned prot;          /* BT_PROT_READ | BT_PROT_WRITE */
	bool shared;
};

struct mm {
	struct map *v;
	size_t n, cap;
};

struct proc {
	uint32_t pid, ppid;
	uint64_t start;
	unsigned ntasks;
	struct bt_fdtable *fdt;
	struct mm mm;
	char *cwd;              /* owned; NULL until needed */
	struct proc *next;
};

struct task {
	uint32_t tid;
	struct proc *p;         /* NULL while its parent's event is pending */
	bool attached;          /* its initial SIGSTOP was seen */
	bool in_sys;            /* between seccomp stop and exit stop */
	int nr;
	uint64_t args[6];
	uint64_t entry_time;    /* ns, at the seccomp stop */
	/* what the entry stop found out */
	bool existed, has_ino;
	uint64_t dev, ino;
	char *path1, *path2;    /* PATH_MAX each, owned */
	bool ok1, ok2;
	struct task *next;
};

struct devino {
	uint64_t dev, ino;
	char *path;
	struct devino *next;
};

struct rec {
	struct bt_log_writer *w;
	struct bt_ingest *ing;
	const struct bt_record_opts *o;
	struct bt_record_stats *st;
	struct bt_pagering *ring;
	struct task *tasks[NBUCKET];
	struct proc *procs[NBUCKET];
	struct devino *devinos[NBUCKET];
	unsigned ntasks;
	bool has_ring_ino;      /* the ring's memfd: never recorded */
	uint64_t ring_dev, ring_ino;
	pid_t top;
	bool top_exec;          /* the command was exec'd */
	int fatal;              /* a log error: stop */
	char scratch[PATH_MAX];
	char scratch2[PATH_MAX];
	char argbuf[65536];
};

static volatile sig_atomic_t g_intr_count;
static volatile sig_atomic_t g_intr_sig;
static volatile sig_atomic_t g_alarm;

void bt_record_interrupt(int sig, bool forward)
{
	g_intr_sig = forward ? sig : 0;
	g_intr_count++;
}

static void on_alarm(int sig)
{
	(void)sig;
	g_alarm = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void warn(struct rec *r, const char *what, const char *arg)
{
	if (!r->st->warning[0])
		snprintf(r->st->warning, sizeof(r->st->warning), "%s: %s",
			 what, arg);
}

static struct task *task_find(struct rec *r, uint32_t tid)
{
	struct task *t;

	for (t = r->tasks[tid % NBUCKET]; t; t = t->next)
		if (t->tid == tid)
			return t;
	return NULL;
}

static struct task *task_new(struct rec *r, uint32_t tid, struct proc *p)
{
	struct task *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->path1 = malloc(PATH_MAX);
	t->path2 = malloc(PATH_MAX);
	if (!t->path1 || !t->path2) {
		free(t->path1);
		free(t->path2);
		free(t);
		return NULL;
	}
	t->tid = tid;
	t->p = p;
	if (p)
		p->ntasks++;
	t->next = r->tasks[tid % NBUCKET];
	r->tasks[tid % NBUCKET] = t;
	r->ntasks++;
	return t;
}

static void task_unlink(struct rec *r, struct task *t)
{
	struct task **pp;

	for (pp = &r->tasks[t->tid % NBUCKET]; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			r->ntasks--;
			return;
		}
	}
}

static struct proc *proc_find(struct rec *r, uint32_t pid)
{
	struct proc *p;

	for (p = r->procs[pid % NBUCKET]; p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

static struct proc *proc_new(struct rec *r, uint32_t pid, uint32_t ppid,
			     uint64_t start)
{
	struct proc *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->pid = pid;
	p->ppid = ppid;
	p->start = start;
	p->next = r->procs[pid % NBUCKET];
	r->procs[pid % NBUCKET] = p;
	return p;
}

static void proc_free(struct rec *r, struct proc *p)
{
	struct proc **pp;

	for (pp = &r->procs[p->pid % NBUCKET]; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	bt_fdtable_unref(p->fdt);
	free(p->mm.v);
	free(p->cwd);
	free(p);
}

static const char *devino_path(struct rec *r, uint64_t dev, uint64_t ino)
{
	struct devino *d;

	for (d = r->devinos[(dev * 31 + ino) % NBUCKET]; d; d = d->next)
		if (d->dev == dev && d->ino == ino)
			return d->path;
	return NULL;
}

static void devino_put(struct rec *r, uint64_t dev, uint64_t ino,
		       const char *path)
{
	struct devino *d;
	size_t b = (dev * 31 + ino) % NBUCKET;
	char *s;

	if (!path)
		return;
	for (d = r->devinos[b]; d; d = d->next) {
		if (d->dev == dev && d->ino == ino) {
			if (strcmp(d->path, path) && (s = strdup(path))) {
				free(d->path);
				d->path = s;
			}
			return;
		}
	}
	d = calloc(1, sizeof(*d));
	if (!d || !(d->path = strdup(path))) {
		free(d);
		return;
	}
	d->dev = dev;
	d->ino = ino;
	d->next = r->devinos[b];
	r->devinos[b] = d;
}

/* ---- reading the tracee ---------------------------------------------- */

static ssize_t peek(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec l = { buf, len }, rm = { (void *)(uintptr_t)addr, len };

	return process_vm_readv(pid, &l, 1, &rm, 1, 0);
}

/* A NUL-terminated string from the tracee, read page by page so that a
 * string ending just before an unmapped page reads fine. */
static int peek_str(pid_t pid, uint64_t addr, char *buf, size_t n)
{
	size_t got = 0, chunk;
	ssize_t k;

	if (!addr)
		return -1;
	while (got + 1 < n) {
		chunk = PAGE - ((addr + got) % PAGE);
		if (chunk > n - 1 - got)
			chunk = n - 1 - got;
		k = peek(pid, addr + got, buf + got, chunk);
		if (k <= 0)
			return -1;
		if (memchr(buf + got, '\0', (size_t)k))
			return 0;
		got += (size_t)k;
	}
	buf[n - 1] = '\0';
	return -1;  /* too long */
}

/* readlink of /proc/TID/WHAT (fd >= 0: /proc/TID/fd/FD). */
static int read_link(char *out, size_t n, unsigned tid, const char *what,
		     int fd)
{
	char p[64];
	ssize_t k;

	if (fd >= 0)
		snprintf(p, sizeof(p), "/proc/%u/fd/%d", tid, fd);
	else
		snprintf(p, sizeof(p), "/proc/%u/%s", tid, what);
	k = readlink(p, out, n - 1);
	if (k < 0)
		return -1;
	out[k] = '\0';
	return 0;
}

static const char *proc_cwd(struct rec *r, struct task *t)
{
	struct proc *p = t->p;

	if (!p->cwd) {
		if (read_link(r->scratch, sizeof(r->scratch), t->tid, "cwd",
			      -1))
			return NULL;
		p->cwd = strdup(r->scratch);
	}
	return p->cwd;
}

/* What fd is, from /proc (stat and readlink), stored in the fd table.
 * Returns the entry or NULL. */
static const struct bt_fd *fd_lookup(struct rec *r, struct task *t, int fd,
				     bool cloexec_known, bool cloexec)
{
	const struct bt_fd *f = NULL;
	char p[64];
	struct stat sb;
	unsigned kind;
	const char *path = r->scratch;

	if (fd < 0)
		return NULL;
	if (!cloexec_known)
		f = bt_fdtable_get(t->p->fdt, fd);
	if (f)
		return f;
	snprintf(p, sizeof(p), "/proc/%u/fd/%d", t->tid, fd);
	if (stat(p, &sb))
		return NULL;
	if (read_link(r->scratch, sizeof(r->scratch), t->tid, NULL, fd))
		path = NULL;
	if (r->has_ring_ino && sb.st_dev == r->ring_dev &&
	    sb.st_ino == r->ring_ino)
		kind = BT_FD_OTHER;   /* our own page ring */
	else if (S_ISREG(sb.st_mode))
		kind = BT_FD_FILE;
	else if (S_ISFIFO(sb.st_mode))
		kind = BT_FD_PIPE;
	else if (S_ISSOCK(sb.st_mode))
		kind = BT_FD_SOCKET;
	else
		kind = BT_FD_OTHER;
	if (kind == BT_FD_FILE && path && path[0] != '/')
		path = NULL;   /* "/x (deleted)" stays; anon inodes do not */
	if (kind == BT_FD_FILE)
		devino_put(r, sb.st_dev, sb.st_ino, path);
	if (!cloexec_known) {
		int fl;

		snprintf(p, sizeof(p), "/proc/%u/fdinfo/%d", t->tid, fd);
		/* flags: octal, O_CLOEXEC 02000000 */
		cloexec = false;
		{
			FILE *fi = fopen(p, "re");
			char line[128];

			while (fi && fgets(line, sizeof(line), fi))
				if (sscanf(line, "flags: %o", &fl) == 1)
					cloexec = fl & O_CLOEXEC;
			if (fi)
				fclose(fi);
		}
	}
	if (bt_fdtable_set(t->p->fdt, fd, kind, sb.st_dev, sb.st_ino, path,
			   NULL, cloexec))
		return NULL;
	return bt_fdtable_get(t->p->fdt, fd);
}

/* Resolve a path argument (dirfd, addr) to an absolute path in out. */
static int resolve_at(struct rec *r, struct task *t, int dirfd,
		      uint64_t addr, char *out)
{
	const char *base = NULL;
	char *rel = r->scratch2;

	if (peek_str(t->tid, addr, rel, PATH_MAX))
		return -1;
	if (rel[0] != '/') {
		if (dirfd == AT_FDCWD) {
			base = proc_cwd(r, t);
		} else {
			const struct bt_fd *f = bt_fdtable_get(t->p->fdt, dirfd);

			if (f && f->path) {
				base = f->path;
			} else if (!read_link(r->scratch, sizeof(r->scratch),
					      t->tid, NULL, dirfd)) {
				base = r->scratch;
			}
		}
		if (!base)
			return -1;
	}
	return bt_path_join(out, PATH_MAX, base, rel) ? -1 : 0;
}

/* ---- observations ----------------------------------------------------- */

/*
 * Times.  Stops of different tasks reach the recorder in any order, so the
 * time of a stop is not the order of what happened.  Data a call puts into
 * an object (write, send, truncate, create, rename, ...) is stamped at the
 * call's entry, data it takes out (read, recv, accept, connect) at its exit:
 * whatever a reader got from a writer, the writer's event is then earlier,
 * which is what the backward walk's time rule needs.
 */
static bool is_sink(unsigned op)
{
	switch (op) {
	case BT_RAW_WRITE:
	case BT_RAW_TRUNCATE:
	case BT_RAW_CREATE:
	case BT_RAW_RENAME:
	case BT_RAW_LINK:
	case BT_RAW_UNLINK:
	case BT_RAW_SEND:
		return true;
	default:
		return false;
	}
}

static void obs_init(struct bt_obs *ob, struct task *t, unsigned op)
{
	bt_obs_init(ob);
	ob->time = is_sink(op) && t->entry_time ? t->entry_time : now_ns();
	ob->op = op;
	ob->pid = t->p->pid;
	ob->start = t->p->start;
	ob->ppid = t->p->ppid;
}

static void add(struct rec *r, const struct bt_obs *ob)
{
	int err;

	if (r->fatal)
		return;
	err = bt_ingest_add(r->ing, ob);
	if (err == BT_EINVAL) {
		r->st->lost++;
		warn(r, "observation refused", bt_error_msg());
		return;
	}
	if (err) {
		r->fatal = err;
		return;
	}
	r->st->observations++;
}

static void note(struct rec *r, uint32_t key, const char *text)
{
	if (r->fatal)
		return;
	if (bt_log_append_note(r->w, key, now_ns(), text, strlen(text)) == 0)
		bt_log_writer_commit(r->w);
}

/* A file-ish observation through fd: READ/WRITE/TRUNCATE on a file or pipe,
 * RECV/SEND on a socket. */
static void fd_io(struct rec *r, struct task *t, int fd, bool out,
		  uint64_t bytes, const char *remote_override)
{
	const struct bt_fd *f = fd_lookup(r, t, fd, false, false);
	struct bt_obs ob;
	char ep[64];

	if (!f || f->kind == BT_FD_OTHER)
		return;
	if (f->kind == BT_FD_SOCKET) {
		obs_init(&ob, t, out ? BT_RAW_SEND : BT_RAW_RECV);
		ob.remote = remote_override ? remote_override : f->remote;
		if (!ob.remote) {
			snprintf(ep, sizeof(ep), "socket:[%llu]",
				 (unsigned long long)f->ino);
			ob.remote = ep;
		}
	} else {
		obs_init(&ob, t, out ? BT_RAW_WRITE : BT_RAW_READ);
		ob.path = f->path;
		ob.has_ino = true;
		ob.dev = f->dev;
		ob.ino = f->ino;
	}
	ob.bytes = bytes;
	add(r, &ob);
}

/* ---- mappings --------------------------------------------------------- */

static void mm_add(struct mm *m, const struct map *x)
{
	if (m->n + 1 > m->cap &&
	    bt_grow(&m->v, &m->cap, m->n + 1, sizeof(*m->v)))
		return;
	m->v[m->n++] = *x;
}

static void mmap_obs(struct rec *r, struct task *t, const struct map *x,
		     const char *path)
{
	struct bt_obs ob;

	obs_init(&ob, t, BT_RAW_MMAP);
	ob.path = path;
	ob.has_ino = true;
	ob.dev = x->dev;
	ob.ino = x->ino;
	ob.shared = x->shared;
	ob.prot = x->prot;
	ob.map_first = x->pgoff;
	ob.map_count = (x->end - x->start + PAGE - 1) / PAGE;
	add(r, &ob);
}

static void munmap_range(struct rec *r, struct task *t, uint64_t a,
			 uint64_t len)
{
	struct mm *m = &t->p->mm;
	uint64_t e = a + ((len + PAGE - 1) & ~(PAGE - 1));
	size_t i = 0;
	struct bt_obs ob;

	while (i < m->n) {
		struct map *x = &m->v[i];

		if (x->end <= a || x->start >= e) {
			i++;
			continue;
		}
		if (a <= x->start && e >= x->end) {
			obs_init(&ob, t, BT_RAW_MUNMAP);
			ob.has_ino = true;
			ob.dev = x->dev;
			ob.ino = x->ino;
			ob.path = devino_path(r, x->dev, x->ino);
			add(r, &ob);
			m->v[i] = m->v[--m->n];
			continue;
		}
		/* partial: keep the larger remaining piece */
		if (a > x->start && e < x->end) {
			struct map tail = *x;

			tail.pgoff += (e - x->start) / PAGE;
			tail.start = e;
			x->end = a;
			mm_add(m, &tail);
		} else if (a <= x->start) {
			x->pgoff += (e - x->start) / PAGE;
			x->start = e;
		} else {
			x->end = a;
		}
		i++;
	}
}

static unsigned bt_prot(uint64_t prot)
{
	return ((prot & PROT_READ) ? BT_PROT_READ : 0) |
	       ((prot & PROT_WRITE) ? BT_PROT_WRITE : 0);
}

/* ---- system calls ------------------------------------------------------ */

/* Returns whether the call needs its exit stop (most do: the result says
 * whether a dependency happened). */
static bool on_sys_entry(struct rec *r, struct task *t)
{
	struct __ptrace_syscall_info si;
	uint64_t *a = t->args;
	struct stat sb;
	uint64_t flags;
	long k;

	t->entry_time = now_ns();
	k = ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, sizeof(si), &si);
	t->in_sys = true;
	t->nr = -1;
	t->ok1 = t->ok2 = t->has_ino = t->existed = false;
	if (k <= 0 || si.op != PTRACE_SYSCALL_INFO_SECCOMP ||
	    si.arch != AUDIT_ARCH_X86_64) {
		t->in_sys = false;
		return false;
	}
	r->st->syscalls++;
	t->nr = (int)si.seccomp.nr;
	memcpy(t->args, si.seccomp.args, sizeof(t->args));
	switch (t->nr) {
	case SYS_close:
		/* the fd is released even when close fails (EINTR, EIO), and
		 * an fd close rejects (EBADF) is not in the table: no need
		 * for the exit stop */
		bt_fdtable_close(t->p->fdt, (int)a[0]);
		t->in_sys = false;
		return false;
	case SYS_read:
	case SYS_pread64:
	case SYS_readv:
	case SYS_preadv:
	case SYS_preadv2:
	case SYS_write:
	case SYS_pwrite64:
	case SYS_writev:
	case SYS_pwritev:
	case SYS_pwritev2: {
		/* a terminal, /dev/null, an eventfd...: never a dependency,
		 * so no exit stop either */
		const struct bt_fd *f = fd_lookup(r, t, (int)a[0], false,
						  false);

		if (!f || f->kind == BT_FD_OTHER) {
			t->in_sys = false;
			return false;
		}
		return true;
	}
	case SYS_open:
	case SYS_creat:
	case SYS_openat:
	case SYS_openat2:
		if (t->nr == SYS_open)
			flags = a[1];
		else if (t->nr == SYS_creat)
			flags = O_CREAT | O_WRONLY | O_TRUNC;
		else if (t->nr == SYS_openat)
			flags = a[2];
		else if (peek(t->tid, a[2], &flags, sizeof(flags)) !=
			 sizeof(flags))
			flags = 0;
		t->args[5] = flags;  /* openat2: keep the flags at hand */
		if (!(flags & O_CREAT))
			return true;
		t->ok1 = !resolve_at(r, t, (t->nr == SYS_openat ||
					   t->nr == SYS_openat2) ?
				     (int)a[0] : AT_FDCWD,
				     (t->nr == SYS_openat ||
				      t->nr == SYS_openat2) ? a[1] : a[0],
				     t->path1);
		t->existed = t->ok1 && lstat(t->path1, &sb) == 0;
		return true;
	case SYS_truncate:
	case SYS_chdir:
		t->ok1 = !resolve_at(r, t, AT_FDCWD, a[0], t->path1);
		return true;
	case SYS_unlink:
	case SYS_unlinkat:
		if (t->nr == SYS_unlinkat && (a[2] & AT_REMOVEDIR))
			return true;
		t->ok1 = !resolve_at(r, t, t->nr == SYS_unlink ? AT_FDCWD :
				     (int)a[0], t->nr == SYS_unlink ? a[0] :
				     a[1], t->path1);
		break;
	case SYS_rename:
	case SYS_link:
		t->ok1 = !resolve_at(r, t, AT_FDCWD, a[0], t->path1);
		t->ok2 = !resolve_at(r, t, AT_FDCWD, a[1], t->path2);
		break;
	case SYS_renameat:
	case SYS_renameat2:
	case SYS_linkat:
		t->ok1 = !resolve_at(r, t, (int)a[0], a[1], t->path1);
		t->ok2 = !resolve_at(r, t, (int)a[2], a[3], t->path2);
		break;
	case SYS_symlink:
		t->ok1 = !resolve_at(r, t, AT_FDCWD, a[1], t->path1);
		return true;
	case SYS_symlinkat:
		t->ok1 = !resolve_at(r, t, (int)a[1], a[2], t->path1);
		return true;
	default:
		return true;
	}
	/* unlink, rename, link: the inode the old name points at now (a
	 * directory is not recorded; a name that does not exist will fail) */
	if (t->ok1 && lstat(t->path1, &sb) == 0) {
		if (S_ISDIR(sb.st_mode)) {
			t->ok1 = false;
		} else {
			t->has_ino = true;
			t->dev = sb.st_dev;
			t->ino = sb.st_ino;
		}
	}
	return true;
}

static void path_obs(struct rec *r, struct task *t, unsigned op,
		     const char *path, const char *new_path, bool has_ino,
		     uint64_t dev, uint64_t ino)
{
	struct bt_obs ob;

	obs_init(&ob, t, op);
	ob.path = path;
	ob.new_path = new_path;
	ob.has_ino = has_ino;
	ob.dev = dev;
	ob.ino = ino;
	add(r, &ob);
}

static void on_open_exit(struct rec *r, struct task *t, int fd)
{
	uint64_t flags = t->args[5];
	const struct bt_fd *f;

	if (t->nr == SYS_open)
		flags = t->args[1];
	else if (t->nr == SYS_openat)
		flags = t->args[2];
	f = fd_lookup(r, t, fd, true, flags & O_CLOEXEC);
	if (!f || f->kind != BT_FD_FILE)
		return;
	if ((flags & O_CREAT) && !t->existed)
		path_obs(r, t, BT_RAW_CREATE, f->path, NULL, true, f->dev,
			 f->ino);
	else
		path_obs(r, t, BT_RAW_OPEN, f->path, NULL, true, f->dev,
			 f->ino);
	if ((flags & O_TRUNC) && t->existed && (flags & O_ACCMODE))
		path_obs(r, t, BT_RAW_TRUNCATE, f->path, NULL, true, f->dev,
			 f->ino);
}

static void on_connect(struct rec *r, struct task *t, int fd, uint64_t addr,
		       uint64_t len, unsigned op)
{
	unsigned char sa[sizeof(struct sockaddr_un) + 16];
	char ep[256];
	struct bt_obs ob;

	if (len > sizeof(sa))
		len = sizeof(sa);
	if (!addr || peek(t->tid, addr, sa, len) != (ssize_t)len ||
	    bt_record_sockaddr_fmt(ep, sizeof(ep), sa, len))
		return;
	if (!fd_lookup(r, t, fd, false, false))
		return;
	bt_fdtable_set_remote(t->p->fdt, fd, ep);
	obs_init(&ob, t, op);
	ob.remote = ep;
	add(r, &ob);
}

static void on_accept(struct rec *r, struct task *t, int fd)
{
	uint64_t *a = t->args;
	uint32_t alen = 0;
	unsigned char sa[sizeof(struct sockaddr_un) + 16];
	char ep[256];
	const struct bt_fd *f;
	struct bt_obs ob;

	f = fd_lookup(r, t, fd, true,
		      t->nr == SYS_accept4 && (a[3] & SOCK_CLOEXEC));
	if (!f)
		return;
	ep[0] = '\0';
	if (a[1] && a[2] && peek(t->tid, a[2], &alen, 4) == 4) {
		if (alen > sizeof(sa))
			alen = sizeof(sa);
		if (peek(t->tid, a[1], sa, alen) != (ssize_t)alen ||
		    bt_record_sockaddr_fmt(ep, sizeof(ep), sa, alen))
			ep[0] = '\0';
	}
	if (!ep[0] || !strcmp(ep, "unix:unnamed"))
		snprintf(ep, sizeof(ep), "socket:[%llu]",
			 (unsigned long long)f->ino);
	bt_fdtable_set_remote(t->p->fdt, fd, ep);
	obs_init(&ob, t, BT_RAW_ACCEPT);
	ob.remote = ep;
	add(r, &ob);
}

static void on_mmap_exit(struct rec *r, struct task *t, uint64_t addr)
{
	uint64_t *a = t->args;
	const struct bt_fd *f;
	struct map x;

	if ((a[3] & MAP_ANONYMOUS) || (int)a[4] < 0)
		return;
	f = fd_lookup(r, t, (int)a[4], false, false);
	if (!f || f->kind != BT_FD_FILE)
		return;
	x.start = addr;
	x.end = addr + ((a[1] + PAGE - 1) & ~(PAGE - 1));
	x.dev = f->dev;
	x.ino = f->ino;
	x.pgoff = a[5] / PAGE;
	x.prot = bt_prot(a[2]);
	x.shared = (a[3] & MAP_TYPE) == MAP_SHARED ||
		   (a[3] & MAP_TYPE) == MAP_SHARED_VALIDATE;
	munmap_range(r, t, x.start, x.end - x.start);  /* MAP_FIXED */
	mm_add(&t->p->mm, &x);
	mmap_obs(r, t, &x, f->path);
}

static void on_mremap_exit(struct rec *r, struct task *t, uint64_t addr)
{
	struct mm *m = &t->p->mm;
	uint64_t old = t->args[0], nlen = t->args[2];
	size_t i;

	for (i = 0; i < m->n; i++) {
		struct map *x = &m->v[i];

		if (x->start != old)
			continue;
		x->start = addr;
		x->end = addr + ((nlen + PAGE - 1) & ~(PAGE - 1));
		mmap_obs(r, t, x, devino_path(r, x->dev, x->ino));
		return;
	}
}

static void on_mprotect_exit(struct rec *r, struct task *t)
{
	struct mm *m = &t->p->mm;
	uint64_t a = t->args[0];
	uint64_t e = a + ((t->args[1] + PAGE - 1) & ~(PAGE - 1));
	unsigned prot = bt_prot(t->args[2]);
	size_t i;

	for (i = 0; i < m->n; i++) {
		struct map *x = &m->v[i];

		if (x->end <= a || x->start >= e || (prot & ~x->prot) == 0) {
			if (x->end > a && x->start < e)
				x->prot = prot;
			continue;
		}
		/* new access on a file mapping: a new dependency */
		x->prot = prot;
		mmap_obs(r, t, x, devino_path(r, x->dev, x->ino));
	}
}

static void on_sys_exit(struct rec *r, struct task *t)
{
	struct __ptrace_syscall_info si;
	uint64_t *a = t->args;
	int64_t rv;
	int pfd[2];
	long k;
	struct stat sb;

	t->in_sys = false;
	if (t->nr < 0 || !t->p)
		return;
	k = ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, sizeof(si), &si);
	if (k <= 0 || si.op != PTRACE_SYSCALL_INFO_EXIT)
		return;
	rv = si.exit.rval;
	if (si.exit.is_error) {
		if ((t->nr == SYS_connect) && rv == -EINPROGRESS)
			on_connect(r, t, (int)a[0], a[1], a[2],
				   BT_RAW_CONNECT);
		return;
	}
	switch (t->nr) {
	case SYS_open:
	case SYS_openat:
	case SYS_openat2:
	case SYS_creat:
		on_open_exit(r, t, (int)rv);
		break;
	case SYS_read:
	case SYS_pread64:
	case SYS_readv:
	case SYS_preadv:
	case SYS_preadv2:
		if (rv > 0)
			fd_io(r, t, (int)a[0], false, (uint64_t)rv, NULL);
		break;
	case SYS_write:
	case SYS_pwrite64:
	case SYS_writev:
	case SYS_pwritev:
	case SYS_pwritev2:
		if (rv > 0)
			fd_io(r, t, (int)a[0], true, (uint64_t)rv, NULL);
		break;
	case SYS_sendfile:   /* out, in */
		/* copies: the write carries what the read got, so both are
		 * stamped at the exit, the read first */
		t->entry_time = 0;
		if (rv > 0) {
			fd_io(r, t, (int)a[1], false, (uint64_t)rv, NULL);
			fd_io(r, t, (int)a[0], true, (uint64_t)rv, NULL);
		}
		break;
	case SYS_splice:     /* in, off, out */
	case SYS_copy_file_range:
		t->entry_time = 0;
		if (rv > 0) {
			fd_io(r, t, (int)a[0], false, (uint64_t)rv, NULL);
			fd_io(r, t, (int)a[2], true, (uint64_t)rv, NULL);
		}
		break;
	case SYS_recvfrom:
	case SYS_sendto:
		if (rv > 0) {
			bool out = t->nr == SYS_sendto;
			unsigned char sa[sizeof(struct sockaddr_un) + 16];
			uint32_t alen = 0;
			char ep[256];
			const char *over = NULL;

			if (out && a[4] && a[5] <= sizeof(sa)) {
				alen = (uint32_t)a[5];
			} else if (!out && a[4] && a[5]) {
				if (peek(t->tid, a[5], &alen, 4) != 4)
					alen = 0;
				if (alen > sizeof(sa))
					alen = sizeof(sa);
			}
			if (alen && peek(t->tid, a[4], sa, alen) ==
			    (ssize_t)alen &&
			    !bt_record_sockaddr_fmt(ep, sizeof(ep), sa, alen) &&
			    strcmp(ep, "unix:unnamed"))
				over = ep;
			fd_io(r, t, (int)a[0], out, (uint64_t)rv, over);
		}
		break;
	case SYS_recvmsg:
	case SYS_sendmsg:
		if (rv > 0)
			fd_io(r, t, (int)a[0], t->nr == SYS_sendmsg,
			      (uint64_t)rv, NULL);
		break;
	case SYS_truncate:
		if (t->ok1 && stat(t->path1, &sb) == 0)
			path_obs(r, t, BT_RAW_TRUNCATE, t->path1, NULL, true,
				 sb.st_dev, sb.st_ino);
		break;
	case SYS_ftruncate: {
		const struct bt_fd *f = fd_lookup(r, t, (int)a[0], false,
						  false);

		if (f && f->kind == BT_FD_FILE)
			path_obs(r, t, BT_RAW_TRUNCATE, f->path, NULL, true,
				 f->dev, f->ino);
		break;
	}
	case SYS_rename:
	case SYS_renameat:
	case SYS_renameat2:
		if (t->ok1 && t->ok2)
			path_obs(r, t, BT_RAW_RENAME, t->path1, t->path2,
				 t->has_ino, t->dev, t->ino);
		break;
	case SYS_link:
	case SYS_linkat:
		if (t->ok1 && t->ok2)
			path_obs(r, t, BT_RAW_LINK, t->path1, t->path2,
				 t->has_ino, t->dev, t->ino);
		break;
	case SYS_symlink:
	case SYS_symlinkat:
		if (t->ok1 && lstat(t->path1, &sb) == 0)
			path_obs(r, t, BT_RAW_CREATE, t->path1, NULL, true,
				 sb.st_dev, sb.st_ino);
		break;
	case SYS_unlink:
	case SYS_unlinkat:
		if (t->ok1)
			path_obs(r, t, BT_RAW_UNLINK, t->path1, NULL,
				 t->has_ino, t->dev, t->ino);
		break;
	case SYS_mmap:
		on_mmap_exit(r, t, (uint64_t)rv);
		break;
	case SYS_munmap:
		munmap_range(r, t, a[0], a[1]);
		break;
	case SYS_mremap:
		on_mremap_exit(r, t, (uint64_t)rv);
		break;
	case SYS_mprotect:
		on_mprotect_exit(r, t);
		break;
	case SYS_connect:
		on_connect(r, t, (int)a[0], a[1], a[2], BT_RAW_CONNECT);
		break;
	case SYS_accept:
	case SYS_accept4:
		on_accept(r, t, (int)rv);
		break;
	case SYS_dup:
		bt_fdtable_dup(t->p->fdt, (int)a[0], (int)rv, false);
		break;
	case SYS_dup2:
	case SYS_dup3:
		bt_fdtable_dup(t->p->fdt, (int)a[0], (int)a[1],
			       t->nr == SYS_dup3 && (a[2] & O_CLOEXEC));
		break;
	case SYS_fcntl:
		if (a[1] == F_DUPFD || a[1] == F_DUPFD_CLOEXEC)
			bt_fdtable_dup(t->p->fdt, (int)a[0], (int)rv,
				       a[1] == F_DUPFD_CLOEXEC);
		else if (a[1] == F_SETFD)
			bt_fdtable_set_cloexec(t->p->fdt, (int)a[0],
					       a[2] & FD_CLOEXEC);
		break;
	case SYS_close_range:
		if (a[2] & CLOSE_RANGE_CLOEXEC) {
			uint64_t i;

			for (i = a[0]; i <= a[1] && i < t->p->fdt->cap; i++)
				bt_fdtable_set_cloexec(t->p->fdt, (int)i, true);
		} else {
			bt_fdtable_close_range(t->p->fdt, (unsigned)a[0],
					       (unsigned)a[1]);
		}
		break;
	case SYS_pipe:
	case SYS_pipe2:
		if (peek(t->tid, a[0], pfd, sizeof(pfd)) == sizeof(pfd)) {
			bt_fdtable_close(t->p->fdt, pfd[0]);
			bt_fdtable_close(t->p->fdt, pfd[1]);
		}
		break;
	case SYS_chdir:
	case SYS_fchdir:
		free(t->p->cwd);
		t->p->cwd = NULL;
		break;
	default:
		break;
	}
}

/* ---- the seccomp filter ------------------------------------------------ */

static const int traced[] = {
	SYS_open, SYS_openat, SYS_openat2, SYS_creat,
	SYS_read, SYS_pread64, SYS_readv, SYS_preadv, SYS_preadv2,
	SYS_sendfile, SYS_splice, SYS_copy_file_range,
	SYS_write, SYS_pwrite64, SYS_writev, SYS_pwritev, SYS_pwritev2,
	SYS_truncate, SYS_ftruncate,
	SYS_rename, SYS_renameat, SYS_renameat2,
	SYS_link, SYS_linkat, SYS_symlink, SYS_symlinkat,
	SYS_unlink, SYS_unlinkat,
	SYS_munmap, SYS_mremap, SYS_mprotect,
	SYS_connect, SYS_accept, SYS_accept4, SYS_recvfrom, SYS_recvmsg,
	SYS_sendto, SYS_sendmsg,
	SYS_dup, SYS_dup2, SYS_dup3, SYS_close, SYS_close_range,
	SYS_pipe, SYS_pipe2,
	SYS_chdir, SYS_fchdir,
};

#define ARG_LO(n) (offsetof(struct seccomp_data, args) + 8 * (n))

/* Build the filter: arch check, then mmap (file mappings only), fcntl
 * (F_DUPFD, F_DUPFD_CLOEXEC, F_SETFD only), then the list.  Returns the
 * number of instructions. */
static size_t build_filter(struct sock_filter *f, size_t cap)
{
	size_t n = 0, i, nt = BT_ARRAY_SIZE(traced);

	if (cap < nt + 24)
		return 0;
#define I(x) (f[n++] = (struct sock_filter)x)
	I(BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		   offsetof(struct seccomp_data, arch)));
	I(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0));
	I(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	I(BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		   offsetof(struct seccomp_data, nr)));
	/* x32 system calls (bit 30) are not recorded */
	I(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1));
	I(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	/* mmap: only with a file (not MAP_ANONYMOUS) */
	I(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, 0, 4));
	I(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(3)));
	I(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, MAP_ANONYMOUS, 0, 1));
	I(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	I(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE));
	/* fcntl: only the commands that change the fd table */
	I(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_fcntl, 0, 6));
	I(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)));
	I(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_DUPFD, 3, 0));
	I(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_DUPFD_CLOEXEC, 2, 0));
	I(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_SETFD, 1, 0));
	I(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	I(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE));
	for (i = 0; i < nt; i++)
		I(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)traced[i],
			   (unsigned char)(nt - i), 0));
	I(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	I(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE));
#undef I
	return n;
}

/* ---- process lifecycle ------------------------------------------------- */

static void read_file(const char *path, char *buf, size_t n, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t k;

	*len = 0;
	if (fd < 0)
		return;
	while (*len < n && (k = read(fd, buf + *len, n - *len)) > 0)
		*len += (size_t)k;
	close(fd);
}

static void on_exec(struct rec *r, struct task *t)
{
	unsigned long former = 0;
	struct task *old;
	struct proc *p = t->p;
	char path[64], exe[PATH_MAX], comm[64];
	const char *argv[256];
	size_t alen = 0, clen = 0, argc = 0, i;
	struct stat sb;
	struct bt_obs ob;
	bool has_exe;
	char head[16384];
	size_t hlen;

	if (!p)
		return;
	ptrace(PTRACE_GETEVENTMSG, t->tid, 0, &former);
	if (former && former != t->tid && (old = task_find(r, (uint32_t)former))) {
		/* exec from a thread: it took the leader's tid */
		task_unlink(r, old);
		if (old->p)
			old->p->ntasks--;
		free(old->path1);
		free(old->path2);
		free(old);
	}
	t->in_sys = false;
	if (t->tid == (uint32_t)r->top) {
		r->top_exec = true;
		r->st->ran = true;
	}
	if (p->fdt->refs > 1) {
		struct bt_fdtable *c;

		if (bt_fdtable_copy(&c, p->fdt) == 0) {
			bt_fdtable_unref(p->fdt);
			p->fdt = c;
		}
	}
	bt_fdtable_exec(p->fdt);
	p->mm.n = 0;

	snprintf(path, sizeof(path), "/proc/%u/exe", t->tid);
	has_exe = stat(path, &sb) == 0 &&
		  !read_link(exe, sizeof(exe), t->tid, "exe", -1);
	snprintf(path, sizeof(path), "/proc/%u/cmdline", t->tid);
	read_file(path, r->argbuf, sizeof(r->argbuf) - 1, &alen);
	r->argbuf[alen] = '\0';
	for (i = 0; i < alen && argc < BT_ARRAY_SIZE(argv); ) {
		argv[argc++] = r->argbuf + i;
		i += strlen(r->argbuf + i) + 1;
	}
	snprintf(path, sizeof(path), "/proc/%u/comm", t->tid);
	read_file(path, comm, sizeof(comm) - 1, &clen);
	while (clen && comm[clen - 1] == '\n')
		clen--;
	comm[clen] = '\0';

	obs_init(&ob, t, BT_RAW_EXEC);
	if (has_exe) {
		ob.path = exe;
		ob.exe = exe;
		ob.has_ino = true;
		ob.dev = sb.st_dev;
		ob.ino = sb.st_ino;
		devino_put(r, sb.st_dev, sb.st_ino, exe);
	}
	ob.comm = clen ? comm : NULL;
	ob.argv = argv;
	ob.argc = argc;
	add(r, &ob);
	if (!has_exe)
		return;
	if (sb.st_mode & (S_ISUID | S_ISGID)) {
		char msg[PATH_MAX + 96];

		snprintf(msg, sizeof(msg), "set-id program '%s' ran without "
			 "privileges (no_new_privs)", exe);
		note(r, BT_NOTE_TEXT, msg);
	}
	if (!r->o->pages)
		return;
	snprintf(path, sizeof(path), "/proc/%u/exe", t->tid);
	read_file(path, head, sizeof(head), &hlen);
	if (bt_record_elf_has_interp(head, hlen) == 0) {
		char msg[PATH_MAX + 96];

		r->st->static_bins++;
		if (!r->st->obj_level) {
			r->st->obj_level = true;
			bt_log_writer_set_flags(r->w, BT_LOGF_OBJ_LEVEL);
		}
		snprintf(msg, sizeof(msg), "static binary '%s' (pid %u): its "
			 "shared mappings are recorded at object level", exe,
			 p->pid);
		note(r, BT_NOTE_TEXT, msg);
	}
}

static void on_fork(struct rec *r, struct task *t, int event)
{
	unsigned long msg = 0;
	uint32_t child;
	uint64_t flags = 0;
	struct user_regs_struct regs;
	struct task *c;
	struct proc *np;
	struct bt_obs ob;

	if (!t->p || ptrace(PTRACE_GETEVENTMSG, t->tid, 0, &msg))
		return;
	child = (uint32_t)msg;
	if (event == PTRACE_EVENT_VFORK) {
		flags = CLONE_VM | CLONE_VFORK;
	} else if (event == PTRACE_EVENT_CLONE &&
		   !ptrace(PTRACE_GETREGS, t->tid, 0, &regs)) {
		if (regs.orig_rax == SYS_clone3) {
			if (peek(t->tid, regs.rdi, &flags, 8) != 8)
				flags = 0;
		} else {
			flags = regs.rdi;
		}
	}
	c = task_find(r, child);
	if (flags & CLONE_THREAD) {
		np = t->p;
	} else {
		np = proc_new(r, child, t->p->pid, now_ns());
		if (!np)
			return;
		if (flags & CLONE_FILES)
			np->fdt = bt_fdtable_ref(t->p->fdt);
		else if (bt_fdtable_copy(&np->fdt, t->p->fdt))
			bt_fdtable_new(&np->fdt);
		if (t->p->mm.n && !bt_grow(&np->mm.v, &np->mm.cap, t->p->mm.n,
					   sizeof(*np->mm.v))) {
			memcpy(np->mm.v, t->p->mm.v,
			       t->p->mm.n * sizeof(*np->mm.v));
			np->mm.n = t->p->mm.n;
		}
		if (t->p->cwd)
			np->cwd = strdup(t->p->cwd);
		if (!np->fdt) {
			proc_free(r, np);
			return;
		}
		obs_init(&ob, t, BT_RAW_FORK);
		ob.child = child;
		ob.child_start = np->start;
		add(r, &ob);
	}
	if (c) {
		/* its initial stop came first */
		c->p = np;
		np->ntasks++;
		if (c->attached)
			ptrace(PTRACE_CONT, c->tid, 0, 0);
	} else {
		task_new(r, child, np);
	}
}

static void task_gone(struct rec *r, struct task *t, int status)
{
	struct proc *p = t->p;
	struct bt_obs ob;

	if (t->tid == (uint32_t)r->top) {
		if (WIFEXITED(status))
			r->st->status = WEXITSTATUS(status);
		else if (WIFSIGNALED(status))
			r->st->status = 128 + WTERMSIG(status);
	}
	task_unlink(r, t);
	if (p && --p->ntasks == 0) {
		obs_init(&ob, t, BT_RAW_EXIT);
		add(r, &ob);
		proc_free(r, p);
	}
	free(t->path1);
	free(t->path2);
	free(t);
}

static void drain(struct rec *r, bool final);

static void resume(struct task *t, int sig)
{
	ptrace(t->in_sys ? PTRACE_SYSCALL : PTRACE_CONT, t->tid, 0,
	       (void *)(long)sig);
}

static void on_stop(struct rec *r, pid_t pid, int status)
{
	struct task *t = task_find(r, (uint32_t)pid);
	int sig, event;
	siginfo_t si;

	/* page events first: they happened before this stop, and a process
	 * must not be gone (exit) or replaced (exec) when its events come */
	drain(r, false);
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		if (t)
			task_gone(r, t, status);
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	sig = WSTOPSIG(status);
	event = status >> 16;
	if (!t) {
		/* a new task whose parent's event has not come yet */
		t = task_new(r, (uint32_t)pid, NULL);
		if (t)
			t->attached = true;
		return;
	}
	if (!t->attached) {
		t->attached = true;
		if (sig == SIGSTOP) {
			if (t->p)
				ptrace(PTRACE_CONT, pid, 0, 0);
			return;
		}
	}
	if (sig == (SIGTRAP | 0x80)) {
		on_sys_exit(r, t);
		ptrace(PTRACE_CONT, pid, 0, 0);
		return;
	}
	if (sig == SIGTRAP && event) {
		switch (event) {
		case PTRACE_EVENT_SECCOMP:
			if (t->p && !on_sys_entry(r, t)) {
				ptrace(PTRACE_CONT, pid, 0, 0);
				return;
			}
			t->in_sys = true;
			ptrace(PTRACE_SYSCALL, pid, 0, 0);
			return;
		case PTRACE_EVENT_FORK:
		case PTRACE_EVENT_VFORK:
		case PTRACE_EVENT_CLONE:
			on_fork(r, t, event);
			break;
		case PTRACE_EVENT_EXEC:
			on_exec(r, t);
			break;
		default:
			break;
		}
		resume(t, 0);
		return;
	}
	/* a signal: delivery stop, or a group stop (classic attach: there is
	 * no siginfo then; resume without a signal) */
	if (ptrace(PTRACE_GETSIGINFO, pid, 0, &si) < 0) {
		resume(t, 0);
		return;
	}
	resume(t, sig);
}

/* ---- page ring --------------------------------------------------------- */

static int page_cb(void *arg, const struct bt_raw *raw)
{
	struct rec *r = arg;
	struct proc *p = proc_find(r, raw->pid);
	struct bt_obs ob;
	int err;

	bt_obs_init(&ob);
	ob.time = raw->time;
	ob.op = raw->op;
	ob.pid = raw->pid;
	ob.start = p ? p->start : 0;
	ob.ppid = p ? p->ppid : 0;
	ob.has_ino = true;
	ob.dev = raw->dev;
	ob.ino = raw->ino;
	ob.path = devino_path(r, raw->dev, raw->ino);
	ob.page = raw->arg;
	err = bt_ingest_add(r->ing, &ob);
	if (err == BT_EINVAL) {
		r->st->lost++;
		return 0;
	}
	if (err)
		return err;
	r->st->observations++;
	r->st->page_events++;
	return 0;
}

static void drain(struct rec *r, bool final)
{
	int err;

	if (!r->ring || r->fatal)
		return;
	err = bt_pagering_drain(r->ring, final, page_cb, r);
	if (err && err != BT_EINVAL)
		r->fatal = err;
}

/* ---- running ----------------------------------------------------------- */

static void kill_all(struct rec *r, int sig)
{
	size_t b;
	struct task *t;

	for (b = 0; b < NBUCKET; b++)
		for (t = r->tasks[b]; t; t = t->next)
			kill((pid_t)t->tid, sig);
}

static void child_run(const struct bt_record_opts *o, int ring_fd,
		      int errpipe)
{
	struct sock_filter f[128];
	struct sock_fprog prog;
	int e;

	if (ring_fd >= 0) {
		char v[32];
		const char *old = getenv("LD_PRELOAD");
		size_t n = strlen(o->preload) + (old ? strlen(old) : 0) + 2;
		char *pl = malloc(n);

		snprintf(v, sizeof(v), "%d", ring_fd);
		setenv(BT_PAGERING_ENV, v, 1);
		snprintf(v, sizeof(v), "%llu", (unsigned long long)
			 (o->slice_ns ? o->slice_ns :
			  BT_RECORD_SLICE_NS_DEFAULT));
		setenv(BT_PAGERING_SLICE_ENV, v, 1);
		if (pl) {
			snprintf(pl, n, "%s%s%s", o->preload, old ? " " : "",
				 old ? old : "");
			setenv("LD_PRELOAD", pl, 1);
		}
	}
	prog.len = (unsigned short)build_filter(f, BT_ARRAY_SIZE(f));
	prog.filter = f;
	if (ptrace(PTRACE_TRACEME, 0, 0, 0) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
		goto fail;
	raise(SIGSTOP);
	execvp(o->argv[0], o->argv);
fail:
	e = errno;
	if (write(errpipe, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(e == ENOENT ? 127 : 126);
}

static void release(struct rec *r)
{
	size_t b;

	for (b = 0; b < NBUCKET; b++) {
		while (r->tasks[b]) {
			struct task *t = r->tasks[b];

			r->tasks[b] = t->next;
			free(t->path1);
			free(t->path2);
			free(t);
		}
		while (r->procs[b])
			proc_free(r, r->procs[b]);
		while (r->devinos[b]) {
			struct devino *d = r->devinos[b];

			r->devinos[b] = d->next;
			free(d->path);
			free(d);
		}
	}
}

int bt_record_run(struct bt_log_writer *w, const struct bt_record_opts *o,
		  struct bt_record_stats *out)
{
	struct rec *r;
	int ring_fd = -1, errpipe[2], status, err = 0, e;
	int handled = 0;
	pid_t pid;
	struct sigaction sa, old_alrm;
	struct itimerval it = { { 0, DRAIN_EVERY_US }, { 0, DRAIN_EVERY_US } };
	struct itimerval old_it;
	uint64_t kill_at = 0;
	struct bt_ingest_stats is;
	struct proc *p;
	struct task *t;
	struct stat rsb;
	char text[256];

	memset(out, 0, sizeof(*out));
	out->status = -1;
	if (!o->argv || !o->argv[0])
		return bt_error_set(BT_EINVAL, "no command to record");
	r = calloc(1, sizeof(*r));
	if (!r)
		return bt_error_set(BT_ENOMEM, "out of memory");
	r->w = w;
	r->o = o;
	r->st = out;
	err = bt_ingest_new(&r->ing, w);
	if (err)
		goto out_free;
	if (o->pages && o->preload) {
		err = bt_pagering_create(&r->ring, o->ring_slots ?
					 o->ring_slots : 65536, &ring_fd);
		if (err)
			goto out_ingest;
		if (fstat(ring_fd, &rsb) == 0) {
			r->has_ring_ino = true;
			r->ring_dev = rsb.st_dev;
			r->ring_ino = rsb.st_ino;
		}
	}
	snprintf(text, sizeof(text), "record %s%s", o->argv[0],
		 r->ring ? "" : " (object level: no page monitor)");
	note(r, BT_NOTE_SOURCE, text);
	if (pipe2(errpipe, O_CLOEXEC)) {
		err = bt_error_set_os(BT_EIO, "cannot create a pipe");
		goto out_ring;
	}
	g_intr_count = 0;
	pid = fork();
	if (pid < 0) {
		err = bt_error_set_os(BT_EIO, "cannot fork");
		close(errpipe[0]);
		close(errpipe[1]);
		goto out_ring;
	}
	if (pid == 0) {
		close(errpipe[0]);
		child_run(o, ring_fd, errpipe[1]);
	}
	close(errpipe[1]);
	r->top = pid;
	if (waitpid(pid, &status, __WALL) != pid || !WIFSTOPPED(status)) {
		if (read(errpipe[0], &e, sizeof(e)) == sizeof(e))
			errno = e;
		err = bt_error_set_os(BT_EIO, "cannot trace '%s'", o->argv[0]);
		close(errpipe[0]);
		goto out_ring;
	}
	if (ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD |
		   PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
		   PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC |
		   PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL)) {
		err = bt_error_set_os(BT_EIO, "cannot trace '%s'", o->argv[0]);
		kill(pid, SIGKILL);
		waitpid(pid, &status, __WALL);
		close(errpipe[0]);
		goto out_ring;
	}
	p = proc_new(r, (uint32_t)pid, (uint32_t)getpid(), now_ns());
	if (!p || bt_fdtable_new(&p->fdt) ||
	    !(t = task_new(r, (uint32_t)pid, p))) {
		err = bt_error_set(BT_ENOMEM, "out of memory");
		kill(pid, SIGKILL);
		waitpid(pid, &status, __WALL);
		close(errpipe[0]);
		goto out_ring;
	}
	t->attached = true;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;   /* no SA_RESTART: waitpid returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old_alrm);
	setitimer(ITIMER_REAL, &it, &old_it);
	ptrace(PTRACE_CONT, pid, 0, 0);

	while (r->ntasks > 0) {
		if (g_intr_count != handled) {
			if (handled == 0 && g_intr_count == 1) {
				if (g_intr_sig)
					kill(r->top, g_intr_sig);
				kill_at = now_ns() + INTERRUPT_GRACE_NS;
			} else {
				kill_all(r, SIGKILL);
			}
			handled = g_intr_count;
			out->interrupted = true;
		}
		if ((kill_at && now_ns() > kill_at) || r->fatal) {
			kill_all(r, SIGKILL);
			kill_at = 0;
		}
		pid = waitpid(-1, &status, __WALL);
		if (pid < 0) {
			if (errno == EINTR) {
				g_alarm = 0;
				drain(r, false);
				continue;
			}
			break;   /* ECHILD: nobody left */
		}
		on_stop(r, pid, status);
		if (g_alarm) {
			g_alarm = 0;
			drain(r, false);
		}
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &old_it, NULL);
	sigaction(SIGALRM, &old_alrm, NULL);

	if (!r->top_exec && read(errpipe[0], &e, sizeof(e)) == sizeof(e)) {
		errno = e;
		err = bt_error_set_os(BT_EIO, "cannot run '%s'", o->argv[0]);
		out->status = e == ENOENT ? 127 : 126;
	}
	close(errpipe[0]);
	drain(r, true);
	if (r->ring) {
		struct bt_pagering_stats ps;

		bt_pagering_stats(r->ring, &ps);
		out->drops = ps.dropped + ps.invalid + ps.holes;
		if (out->drops) {
			snprintf(text, sizeof(text), "page_ring_full=%llu "
				 "page_invalid=%llu page_holes=%llu",
				 (unsigned long long)ps.dropped,
				 (unsigned long long)ps.invalid,
				 (unsigned long long)ps.holes);
			note(r, BT_NOTE_DROPS, text);
		}
	}
	if (out->lost) {
		snprintf(text, sizeof(text), "refused=%llu",
			 (unsigned long long)out->lost);
		note(r, BT_NOTE_DROPS, text);
	}
	if (!err && r->fatal)
		err = r->fatal;
	bt_ingest_stats(r->ing, &is);
	out->events = is.events;
	out->processes = is.objects[BT_REC_PROCESS];
	out->files = is.objects[BT_REC_FILE];
	out->pages = is.objects[BT_REC_PAGE];
out_ring:
	bt_pagering_free(r->ring);
out_ingest:
	bt_ingest_free(r->ing);
out_free:
	release(r);
	free(r);
	return err;
}
