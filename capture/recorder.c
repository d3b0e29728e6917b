/*
 * recorder.c - the ptrace + seccomp recorder behind `btrack record` (API
 * and the design choices in recorder.h; the user's view in
 * man/btrack-record.1).
 *
 * One loop waits for every tracee (waitpid(-1, __WALL)) and handles:
 *  - seccomp stops: read the system call and its arguments; paths that must
 *    be looked at before the call (does the O_CREAT target exist? which
 *    inode does unlink remove?) are resolved here; resume with
 *    PTRACE_SYSCALL to get the exit stop;
 *  - syscall-exit stops: the result; a successful call becomes observations
 *    for the sink (bt_ingest_sink() unless the caller gives one), each
 *    with the process's credentials; then PTRACE_CONT until the next
 *    traced call;
 *  - fork/vfork/clone and exec events, signal-delivery stops (the signal is
 *    passed on) and group stops (classic attach: resumed);
 *  - exits: a process ends when its last task is gone.
 * Between stops, and every 10 ms on a timer (SIGALRM interrupts waitpid),
 * the page ring is drained.
 *
 * State: tasks (threads) by tid, processes by pid, each process with its fd
 * table (capture/fdtable.h, shared with CLONE_FILES), its file mappings (for
 * munmap/mprotect), its cwd and credentials.  A (dev, ino) -> path map
 * names page events and marks anonymous files (memfd).  Pipes and
 * socketpairs are channel objects in the fd table (a socketpair: one per
 * direction); a unix stream connection is one endpoint named the same from
 * both ends (NETLINK_SOCK_DIAG); a TCP/UDP peer the call does not give is
 * read from /proc/PID/net by socket inode.
 * Reads and writes on known descriptors allocate nothing and make no system
 * call besides the two ptrace requests of the stop.
 *
 * Not captured (man page): io_uring and Linux AIO, i386 and x32 system
 * calls (all three detected and reported), descriptors received over unix sockets until first
 * used, unix datagrams from unnamed sockets, writes to non-file memory.
 * The page monitor library's own loading is never recorded.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/close_range.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
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
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
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
#include "recorder.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

/* ioctl requests recorded (asm-generic/ioctls.h, linux/fs.h; x86-64) */
#define BT_TIOCSTI 0x5412           /* push a byte into a terminal */
#define BT_FICLONE 0x40049409       /* dest shares all of src's blocks */
#define BT_FICLONERANGE 0x4020940d  /* ... a range of them */

#define PAGE 4096ULL
#define NBUCKET 1024
#define DRAIN_EVERY_US 10000
#define INTERRUPT_GRACE_NS 5000000000ULL
/* Page records from the ring (which the traced program can write) are
 * accepted only inside the recording and the life of their process, give
 * or take this much (CLOCK_REALTIME steps, the order of stamps). */
#define PAGE_TIME_SLACK_NS 1000000000ULL
/* Exited processes kept to take their late page records (drained after
 * the exit: the ring was waiting for a hole), oldest forgotten first. */
#define DEAD_MAX 1024
/* Most of a /proc/PID/net table read to find one socket's peer. */
#define NET_TABLE_MAX (64u << 20)
/* File page ranges remembered per process (struct mapped). */
#define MAPPED_MAX 4096

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

/* A decimal u32 at *p (advanced past it); -1 if none or too large. */
static int64_t dec_u32(const char **p, const char *end)
{
	uint64_t v = 0;
	const char *q = *p;

	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	if (q >= end || *q < '0' || *q > '9')
		return -1;
	while (q < end && *q >= '0' && *q <= '9') {
		v = v * 10 + (uint64_t)(*q - '0');
		if (v > UINT32_MAX)
			return -1;
		q++;
	}
	*p = q;
	return (int64_t)v;
}

int bt_record_parse_status(uint32_t cred[4], const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	int64_t v[4] = { -1, -1, -1, -1 };
	int k;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		k = -1;
		if (nl - p > 4 && !memcmp(p, "Uid:", 4))
			k = 0;
		else if (nl - p > 4 && !memcmp(p, "Gid:", 4))
			k = 2;
		if (k >= 0) {
			const char *q = p + 4;

			v[k] = dec_u32(&q, nl);
			v[k + 1] = v[k] < 0 ? -1 : dec_u32(&q, nl);
		}
		p = nl + 1;
	}
	for (k = 0; k < 4; k++)
		if (v[k] < 0)
			return bt_error_set(BT_EINVAL, "no Uid:/Gid: line in "
					    "process status");
	for (k = 0; k < 4; k++)
		cred[k] = (uint32_t)v[k];
	return 0;
}

/* Hex digits at *p into v (at most `max` digits, exactly `max` if exact);
 * -1 if none. */
static int hex_field(const char **p, const char *end, unsigned max,
		     bool exact, uint32_t *v)
{
	unsigned n = 0, d;
	const char *q = *p;

	*v = 0;
	while (q < end && n < max) {
		if (*q >= '0' && *q <= '9')
			d = (unsigned)(*q - '0');
		else if (*q >= 'A' && *q <= 'F')
			d = (unsigned)(*q - 'A' + 10);
		else if (*q >= 'a' && *q <= 'f')
			d = (unsigned)(*q - 'a' + 10);
		else
			break;
		*v = *v << 4 | d;
		n++;
		q++;
	}
	if (!n || (exact && n != max))
		return -1;
	*p = q;
	return 0;
}

/* Skip blanks, then the next blank-separated token: [*tok, *p). */
static int next_tok(const char **p, const char *end, const char **tok)
{
	const char *q = *p;

	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	if (q >= end)
		return -1;
	*tok = q;
	while (q < end && *q != ' ' && *q != '\t')
		q++;
	*p = q;
	return 0;
}

int bt_record_net_peer(char *out, size_t n, const char *text, size_t len,
		       bool v6, uint64_t ino)
{
	const char *p = text, *end = text + len, *nl, *q, *tok, *rem;
	unsigned words = v6 ? 4 : 1, i, f;
	uint32_t w[4], port;
	uint64_t row_ino;
	char a[INET6_ADDRSTRLEN];

	if (n)
		out[0] = '\0';
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		q = p;
		rem = NULL;
		for (f = 0; f < 10; f++) {
			if (next_tok(&q, nl, &tok))
				break;
			if (f == 2)
				rem = tok;
		}
		if (f < 10)
			continue;   /* the header, or a short row */
		row_ino = 0;
		for (; tok < q; tok++) {
			if (*tok < '0' || *tok > '9' ||
			    row_ino > (UINT64_MAX - 9) / 10)
				break;
			row_ino = row_ino * 10 + (uint64_t)(*tok - '0');
		}
		if (tok != q || row_ino != ino)
			continue;
		q = rem;
		for (i = 0; i < words; i++)
			if (hex_field(&q, nl, 8, true, &w[i]))
				goto bad;
		if (q >= nl || *q++ != ':' || hex_field(&q, nl, 4, true, &port))
			goto bad;
		if (!port || (!w[0] && (!v6 || !(w[1] | w[2] | w[3]))))
			return bt_error_set(BT_ENOTFOUND, "socket %llu has no "
					    "peer", (unsigned long long)ino);
		/* the kernel prints each 32-bit word of the address in the
		 * host's byte order: native words are the address bytes */
		if (v6) {
			struct in6_addr in6;

			memcpy(&in6, w, sizeof(in6));
			inet_ntop(AF_INET6, &in6, a, sizeof(a));
			snprintf(out, n, "[%s]:%u", a, port);
		} else {
			struct in_addr in;

			memcpy(&in, w, sizeof(in));
			inet_ntop(AF_INET, &in, a, sizeof(a));
			snprintf(out, n, "%s:%u", a, port);
		}
		return 0;
	}
	return bt_error_set(BT_ENOTFOUND, "no socket %llu",
			    (unsigned long long)ino);
bad:
	return bt_error_set(BT_EINVAL, "malformed address of socket %llu",
			    (unsigned long long)ino);
}

int bt_record_unix_diag_parse(struct bt_unix_sock *out, const void *msg,
			      size_t len)
{
	struct nlmsghdr nh;
	struct unix_diag_msg um;
	struct rtattr ra;
	const unsigned char *p = msg;
	size_t off, alen;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(nh))
		return bt_error_set(BT_EINVAL, "short netlink answer");
	memcpy(&nh, p, sizeof(nh));
	if (nh.nlmsg_len < sizeof(nh) || nh.nlmsg_len > len)
		return bt_error_set(BT_EINVAL, "bad netlink length %u",
				    nh.nlmsg_len);
	if (nh.nlmsg_type == NLMSG_ERROR || nh.nlmsg_type == NLMSG_DONE)
		return bt_error_set(BT_ENOTFOUND, "no such unix socket");
	if (nh.nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    nh.nlmsg_len < NLMSG_LENGTH(sizeof(um)))
		return bt_error_set(BT_EINVAL, "not a unix_diag answer");
	memcpy(&um, p + NLMSG_HDRLEN, sizeof(um));
	if (um.udiag_family != AF_UNIX)
		return bt_error_set(BT_EINVAL, "not a unix socket");
	out->type = um.udiag_type;
	out->ino = um.udiag_ino;
	for (off = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(um)));
	     off + sizeof(ra) <= nh.nlmsg_len; off += RTA_ALIGN(ra.rta_len)) {
		memcpy(&ra, p + off, sizeof(ra));
		if (ra.rta_len < sizeof(ra) || ra.rta_len > nh.nlmsg_len - off)
			return bt_error_set(BT_EINVAL, "bad attribute length");
		alen = ra.rta_len - RTA_LENGTH(0);
		if (ra.rta_type == UNIX_DIAG_PEER && alen >= 4) {
			memcpy(&out->peer, p + off + RTA_LENGTH(0), 4);
		} else if (ra.rta_type == UNIX_DIAG_NAME && alen) {
			struct sockaddr_un su;

			memset(&su, 0, sizeof(su));
			su.sun_family = AF_UNIX;
			if (alen > sizeof(su.sun_path))
				alen = sizeof(su.sun_path);
			memcpy(su.sun_path, p + off + RTA_LENGTH(0), alen);
			if (bt_record_sockaddr_fmt(out->name, sizeof(out->name),
						   &su, offsetof(struct
						   sockaddr_un, sun_path) +
						   alen))
				out->name[0] = '\0';
		}
		if (RTA_ALIGN(ra.rta_len) > nh.nlmsg_len - off)
			break;
	}
	return 0;
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
	bool sysv;              /* a System V shared memory segment (shmat):
	                           no page monitor; written until detached */
};

struct mm {
	struct map *v;
	size_t n, cap;
};

/* A shared file range a process mapped at some time (pages of 4096): the
 * page records it may make.  Kept after munmap and exec, since the ring
 * may be drained after them. */
struct mapped {
	uint64_t dev, ino, first, end;
};

struct proc {
	uint32_t pid, ppid;
	uint64_t start;
	unsigned ntasks;
	struct bt_fdtable *fdt;
	struct mm mm;
	char *cwd;              /* owned; NULL until needed */
	uint32_t cred[4];       /* uid, euid, gid, egid (UINT32_MAX unknown) */
	bool io_uring;          /* it used io_uring (noted once) */
	bool compat;            /* it made 32-bit or x32 calls (noted once) */
	uint64_t end;           /* exit time once it is gone, else 0 */
	bool exit_pending;      /* its EXIT waits for its page records */
	uint64_t exit_mark;     /* ... until the ring's tail reaches this */
	struct mapped *mp;      /* shared file ranges it ever mapped */
	size_t nmp, mpcap;
	bool mp_full;           /* MAPPED_MAX reached: files not checked */
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
	bool copy_at_entry;     /* a copy from a regular file: its read and
	                           write are both stamped at the entry */
	/* what the entry stop found out */
	bool existed, has_ino;
	bool link_anon;         /* linkat of a file that has no name */
	bool has_ino2;          /* RENAME_EXCHANGE: the other name's inode */
	bool exec_pending;      /* execve entry seen: path1, dev, ino name
	                           the file asked for (a script, maybe) */
	uint64_t dev2, ino2;
	uint64_t dev, ino;
	char *path1, *path2;    /* PATH_MAX each, owned */
	bool ok1, ok2;
	struct task *next;
};

struct devino {
	uint64_t dev, ino;
	uint32_t file_flags;    /* BT_FILEF_ANON: a memfd or unnamed file */
	char *path;             /* may be NULL (anonymous) */
	struct devino *next;
};

struct rec {
	struct bt_log_writer *w;
	struct bt_ingest *ing;
	const struct bt_record_opts *o;
	struct bt_record_stats *st;
	struct bt_pagering *ring;
	struct bt_obs_sink sink;
	struct task *tasks[NBUCKET];
	struct proc *procs[NBUCKET];
	struct devino *devinos[NBUCKET];
	unsigned ntasks;
	bool has_ring_ino;      /* the ring's memfd: never recorded */
	uint64_t ring_dev, ring_ino;
	bool has_pre_ino;       /* the page monitor library: never recorded */
	uint64_t pre_dev, pre_ino;
	char *netbuf;           /* /proc/PID/net/... text, owned */
	size_t netcap;
	/* unix stream connects not yet seen accepted, oldest first: a
	 * server that accepts after its client closed finds the client's
	 * inode here (the accept queue is first in, first out) */
	struct uconn { char name[128]; uint32_t ino; } *uconn;
	size_t nuconn, uconncap;
	int diag_fd;            /* NETLINK_SOCK_DIAG, once needed */
	bool diag_tried;
	uint32_t diag_seq;
	char diagbuf[8192];
	/* processes gone, for their late page records: oldest first (a
	 * FIFO of DEAD_MAX), and by pid (chained through next) */
	struct proc *dead[DEAD_MAX];
	size_t ndead, dead_first;
	struct proc *dead_by_pid[NBUCKET];
	size_t exits_pending;   /* dead processes with exit_pending */
	uint64_t t0;            /* the recording's start (CLOCK_REALTIME) */
	pid_t top;
	bool top_exec;          /* the command was exec'd */
	int fatal;              /* a log error: stop */
	/* pseudo-terminals seen: the generation of each (devpts dev,
	 * index), bumped by each open of the master (core/raw.h BT_PTY_INO) */
	struct ptygen { uint64_t dev, gen; uint32_t index; } *ptys;
	size_t nptys, ptycap;
	uint64_t pty_last;      /* the last generation given */
	bool pty_opening;       /* fd_lookup() of an fd open() just made */
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
	memset(p->cred, 0xff, sizeof(p->cred));
	p->next = r->procs[pid % NBUCKET];
	r->procs[pid % NBUCKET] = p;
	return p;
}

static void proc_unlink(struct rec *r, struct proc *p)
{
	struct proc **pp;

	for (pp = &r->procs[p->pid % NBUCKET]; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
}

static void proc_destroy(struct proc *p)
{
	bt_fdtable_unref(p->fdt);
	free(p->mm.v);
	free(p->mp);
	free(p->cwd);
	free(p);
}

static void proc_free(struct rec *r, struct proc *p)
{
	proc_unlink(r, p);
	proc_destroy(p);
}

static void add(struct rec *r, const struct bt_obs *ob);

static const char *devino_path(struct rec *r, uint64_t dev, uint64_t ino);

/* An observation `op` of process p (gone, or with no task at hand) at
 * `time`: its identity and credentials. */
static void proc_obs_init(struct bt_obs *ob, const struct proc *p,
			  unsigned op, uint64_t time)
{
	bt_obs_init(ob);
	ob->time = time;
	ob->op = op;
	ob->pid = p->pid;
	ob->start = p->start;
	ob->ppid = p->ppid;
	ob->uid = p->cred[0];
	ob->euid = p->cred[1];
	ob->gid = p->cred[2];
	ob->egid = p->cred[3];
}

/*
 * Process p lets go of its System V shared memory segments attached
 * writable (all of them, or the one attached at `addr`): each is written
 * by p up to now (`time`), as a mapping the page monitor cannot see.
 */
static void sysv_release(struct rec *r, struct proc *p, uint64_t time,
			 uint64_t addr)
{
	struct bt_obs ob;
	size_t i;

	for (i = 0; i < p->mm.n; i++) {
		const struct map *x = &p->mm.v[i];

		if (!x->sysv || !(x->prot & BT_PROT_WRITE) ||
		    (addr && x->start != addr))
			continue;
		proc_obs_init(&ob, p, BT_RAW_WRITE, time);
		ob.has_ino = ob.via_fd = true;
		ob.dev = x->dev;
		ob.ino = x->ino;
		ob.path = devino_path(r, x->dev, x->ino);
		add(r, &ob);
	}
}

/* The EXIT observation of a process gone at p->end. */
static void exit_obs(struct rec *r, struct proc *p)
{
	struct bt_obs ob;

	proc_obs_init(&ob, p, BT_RAW_EXIT, p->end);
	add(r, &ob);
	if (p->exit_pending) {
		p->exit_pending = false;
		r->exits_pending--;
	}
}

/*
 * A process is gone: with a page ring, keep what checks its late page
 * records (pid, start, end, the files it mapped) for a while.  Its EXIT is
 * written once every record it may have put into the ring was read (the
 * ring may be waiting for a hole): a record after the EXIT would make the
 * log's reader take it for a new process of the same pid.
 */
static void proc_retire(struct rec *r, struct proc *p, uint64_t end)
{
	uint64_t tail, head;

	p->end = end;
	sysv_release(r, p, end, 0);
	if (!r->ring) {
		exit_obs(r, p);
		proc_free(r, p);
		return;
	}
	bt_pagering_position(r->ring, &tail, &head);
	if (head > tail) {
		p->exit_pending = true;
		p->exit_mark = head;
		r->exits_pending++;
	} else {
		exit_obs(r, p);
	}
	proc_unlink(r, p);
	bt_fdtable_unref(p->fdt);
	p->fdt = NULL;
	free(p->mm.v);
	memset(&p->mm, 0, sizeof(p->mm));
	free(p->cwd);
	p->cwd = NULL;
	if (r->ndead == DEAD_MAX) {
		struct proc *old = r->dead[r->dead_first], **pp;

		for (pp = &r->dead_by_pid[old->pid % NBUCKET]; *pp;
		     pp = &(*pp)->next) {
			if (*pp == old) {
				*pp = old->next;
				break;
			}
		}
		if (old->exit_pending)
			exit_obs(r, old);
		proc_destroy(old);
		r->dead_first = (r->dead_first + 1) % DEAD_MAX;
		r->ndead--;
	}
	r->dead[(r->dead_first + r->ndead++) % DEAD_MAX] = p;
	p->next = r->dead_by_pid[p->pid % NBUCKET];
	r->dead_by_pid[p->pid % NBUCKET] = p;
}

/* Remember that p mapped pages [first, first + count) of (dev, ino)
 * shared: merged with a range of the same file it touches. */
static void mapped_add(struct proc *p, uint64_t dev, uint64_t ino,
		       uint64_t first, uint64_t count)
{
	uint64_t end = first + count < first ? UINT64_MAX : first + count;
	size_t i;

	for (i = 0; i < p->nmp; i++) {
		struct mapped *m = &p->mp[i];

		if (m->dev != dev || m->ino != ino || first > m->end ||
		    end < m->first)
			continue;
		if (first < m->first)
			m->first = first;
		if (end > m->end)
			m->end = end;
		return;
	}
	if (p->nmp == MAPPED_MAX ||
	    (p->nmp + 1 > p->mpcap &&
	     bt_grow(&p->mp, &p->mpcap, p->nmp + 1, sizeof(*p->mp)))) {
		p->mp_full = true;
		return;
	}
	p->mp[p->nmp++] = (struct mapped){ dev, ino, first, end };
}

/* Whether p may have made a page record for page `page` of (dev, ino). */
static bool mapped_has(const struct proc *p, uint64_t dev, uint64_t ino,
		       uint64_t page)
{
	size_t i;

	for (i = 0; i < p->nmp; i++)
		if (p->mp[i].dev == dev && p->mp[i].ino == ino &&
		    page >= p->mp[i].first && page < p->mp[i].end)
			return true;
	return p->mp_full;
}

static struct devino *devino_find(struct rec *r, uint64_t dev, uint64_t ino)
{
	struct devino *d;

	for (d = r->devinos[(dev * 31 + ino) % NBUCKET]; d; d = d->next)
		if (d->dev == dev && d->ino == ino)
			return d;
	return NULL;
}

static const char *devino_path(struct rec *r, uint64_t dev, uint64_t ino)
{
	struct devino *d = devino_find(r, dev, ino);

	return d ? d->path : NULL;
}

static uint32_t devino_flags(struct rec *r, uint64_t dev, uint64_t ino)
{
	struct devino *d = devino_find(r, dev, ino);

	return d ? d->file_flags : 0;
}

/* Remember a file's path (NULL: keep the one known) and flags (ORed). */
static void devino_put_flags(struct rec *r, uint64_t dev, uint64_t ino,
			     const char *path, uint32_t file_flags)
{
	struct devino *d;
	size_t b = (dev * 31 + ino) % NBUCKET;
	char *s;

	if (!path && !file_flags)
		return;
	if ((d = devino_find(r, dev, ino))) {
		d->file_flags |= file_flags;
		if (path && (!d->path || strcmp(d->path, path)) &&
		    (s = strdup(path))) {
			free(d->path);
			d->path = s;
		}
		return;
	}
	d = calloc(1, sizeof(*d));
	if (!d || (path && !(d->path = strdup(path)))) {
		free(d);
		return;
	}
	d->file_flags = file_flags;
	d->dev = dev;
	d->ino = ino;
	d->next = r->devinos[b];
	r->devinos[b] = d;
}

static void devino_put(struct rec *r, uint64_t dev, uint64_t ino,
		       const char *path)
{
	devino_put_flags(r, dev, ino, path, 0);
}

/* ---- reading the tracee ---------------------------------------------- */

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

static bool host_path(struct task *t, char *path, size_t cap,
		      const struct stat *sb);

static const char *proc_cwd(struct rec *r, struct task *t)
{
	struct proc *p = t->p;
	char q[64];
	struct stat sb;

	if (!p->cwd) {
		if (read_link(r->scratch, sizeof(r->scratch), t->tid, "cwd",
			      -1))
			return NULL;
		snprintf(q, sizeof(q), "/proc/%u/cwd", t->tid);
		if (stat(q, &sb) ||
		    !host_path(t, r->scratch, sizeof(r->scratch), &sb))
			return NULL;  /* no base: no name, never a wrong one */
		p->cwd = strdup(r->scratch);
	}
	return p->cwd;
}

/* Whether a /proc link names a file that has no name now. */
static bool is_deleted(const char *path)
{
	size_t n = strlen(path), k = sizeof(" (deleted)") - 1;

	return n > k && !strcmp(path + n - k, " (deleted)");
}

static bool same_file(const char *path, const struct stat *sb)
{
	struct stat s2;

	return stat(path, &s2) == 0 && s2.st_dev == sb->st_dev &&
	       s2.st_ino == sb->st_ino;
}

/*
 * path, as a /proc link of process t gave it for the file sb, made a name
 * of that file from the recorder's root: itself when it is one; else the
 * same name under /proc/PID/root when that is one (a process in another
 * mount namespace after pivot_root, as in a container: the kernel gives
 * its paths from its own root, and "/etc/passwd" there is not the host's);
 * else false: no name rather than a wrong one.
 */
static bool host_path(struct task *t, char *path, size_t cap,
		      const struct stat *sb)
{
	char q[PATH_MAX];
	int n;

	if (path[0] != '/' || same_file(path, sb))
		return true;
	n = snprintf(q, sizeof(q), "/proc/%u/root%s", t->p->pid,
		     path[1] ? path : "");
	if (n < 0 || (size_t)n >= sizeof(q) || (size_t)n >= cap ||
	    !same_file(q, sb))
		return false;
	memcpy(path, q, (size_t)n + 1);
	return true;
}

/*
 * Where process t's absolute names start, seen from the recorder's root,
 * into out: "" when its root is the recorder's; its root's path when that
 * names it (chroot); else /proc/PID/root (pivot_root in another mount
 * namespace).  -1 if its root cannot be seen.
 */
static int root_prefix(struct task *t, char *out, size_t cap)
{
	static struct stat self;
	static bool have_self;
	struct stat sb;
	char q[64];
	ssize_t k;

	if (!have_self) {
		if (stat("/", &self))
			return -1;
		have_self = true;
	}
	snprintf(q, sizeof(q), "/proc/%u/root", t->tid);
	if (stat(q, &sb))
		return -1;
	out[0] = '\0';
	if (sb.st_dev == self.st_dev && sb.st_ino == self.st_ino)
		return 0;
	k = readlink(q, out, cap - 1);
	if (k > 0) {
		out[k] = '\0';
		if (out[0] == '/' && same_file(out, &sb))
			return 0;
	}
	snprintf(out, cap, "/proc/%u/root", t->p->pid);
	return 0;
}

/* ---- pseudo-terminals ------------------------------------------------ */

/* The generation of pty (dev, index): a new one if `fresh` (its master was
 * just opened), else the one last given, 0 if none. */
static uint64_t pty_gen(struct rec *r, uint64_t dev, uint32_t index,
			bool fresh)
{
	size_t i;

	for (i = 0; i < r->nptys; i++)
		if (r->ptys[i].dev == dev && r->ptys[i].index == index)
			break;
	if (!fresh)
		return i < r->nptys ? r->ptys[i].gen : 0;
	if (i == r->nptys) {
		if (bt_grow(&r->ptys, &r->ptycap, r->nptys + 1,
			    sizeof(*r->ptys)))
			return 0;
		r->ptys[r->nptys++] = (struct ptygen){ .dev = dev,
						       .index = index };
	}
	if (r->pty_last < BT_PTY_GEN_MAX)
		r->pty_last++;
	return r->ptys[i].gen = r->pty_last;
}

/* The st_dev of the devpts instance at DIR/pts, DIR as seen by t (the
 * kernel finds a master's devpts so: "pts" beside the ptmx opened). */
static int pty_devpts(struct task *t, const char *dir, size_t dlen,
		      uint64_t *dev)
{
	char q[PATH_MAX + 64];
	struct stat sb;
	int n = snprintf(q, sizeof(q), "/proc/%u/root%.*s/pts", t->p->pid,
			 (int)dlen, dir);

	if (n < 0 || (size_t)n >= sizeof(q) || stat(q, &sb))
		return -1;
	*dev = sb.st_dev;
	return 0;
}

/* A number "KEY:\tN" in /proc/TID/fdinfo/FD, or -1. */
static long fdinfo_num(struct task *t, int fd, const char *key)
{
	char p[64], line[128];
	size_t k = strlen(key);
	long v = -1;
	FILE *fi;

	snprintf(p, sizeof(p), "/proc/%u/fdinfo/%d", t->tid, fd);
	if (!(fi = fopen(p, "re")))
		return -1;
	while (fgets(line, sizeof(line), fi))
		if (!strncmp(line, key, k) && line[k] == ':') {
			char *e;

			v = strtol(line + k + 1, &e, 10);
			if (e == line + k + 1 || v < 0)
				v = -1;
			break;
		}
	fclose(fi);
	return v;
}

/* The controlling terminal of t (/proc/TID/stat field 7), 0 if none. */
static unsigned long ctty(struct task *t)
{
	char p[64], buf[1024], *s;
	unsigned long nr = 0;
	int fd, n;

	snprintf(p, sizeof(p), "/proc/%u/stat", t->tid);
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* after the comm, which may hold anything: ") S ppid pgrp sid tty" */
	if (!(s = strrchr(buf, ')')) ||
	    sscanf(s + 1, " %*c %*d %*d %*d %lu", &nr) != 1)
		return 0;
	return nr;
}

/*
 * If fd (stat sb, /proc link `link`) is a pseudo-terminal, the channels
 * it writes into (*ino) and reads from (*rino) on devpts device *dev
 * (core/raw.h BT_PTY_INO): a slave /dev/pts/N (char major 136-143), a
 * master /dev/ptmx (5:2; its index in fdinfo "tty-index"), or /dev/tty
 * (5:0) when t's controlling terminal is a pty slave.  False otherwise
 * (a console, /dev/null...: not recorded).
 */
static bool pty_ident(struct rec *r, struct task *t, int fd,
		      const struct stat *sb, const char *link, uint64_t *dev,
		      uint64_t *ino, uint64_t *rino)
{
	unsigned ma = major(sb->st_rdev), mi = minor(sb->st_rdev);
	bool master = false;
	uint32_t index;
	uint64_t gen;

	if (!S_ISCHR(sb->st_mode))
		return false;
	if (ma >= BT_PTY_SLAVE_MAJOR &&
	    ma < BT_PTY_SLAVE_MAJOR + BT_PTY_SLAVE_MAJORS) {
		index = (ma - BT_PTY_SLAVE_MAJOR) * 256 + mi;
		*dev = sb->st_dev;
	} else if (ma == 5 && mi == 2) {
		long n = fdinfo_num(t, fd, "tty-index");
		const char *sl = link ? strrchr(link, '/') : NULL;

		if (n < 0 || n >= 1L << BT_PTY_INDEX_BITS || !sl)
			return false;
		index = (uint32_t)n;
		master = true;
		/* /dev/pts/ptmx is devpts's own; /dev/ptmx finds "pts"
		 * beside it */
		if (sl - link >= 4 && !strcmp(sl - 4, "/pts/ptmx"))
			*dev = sb->st_dev;
		else if (pty_devpts(t, link, (size_t)(sl - link), dev))
			return false;
	} else if (ma == 5 && mi == 0) {
		unsigned long nr = ctty(t);
		unsigned cma = major(nr), cmi = minor(nr);

		if (cma < BT_PTY_SLAVE_MAJOR ||
		    cma >= BT_PTY_SLAVE_MAJOR + BT_PTY_SLAVE_MAJORS ||
		    pty_devpts(t, "/dev", 4, dev))
			return false;
		index = (cma - BT_PTY_SLAVE_MAJOR) * 256 + cmi;
	} else {
		return false;
	}
	gen = pty_gen(r, *dev, index, master && r->pty_opening);
	*ino = BT_PTY_INO(gen, index, master ? BT_PTY_IN : BT_PTY_OUT);
	*rino = BT_PTY_INO(gen, index, master ? BT_PTY_OUT : BT_PTY_IN);
	return true;
}

/* "pty:[N.in]", "pty:[N.out]": the name of a pty channel (ino). */
static const char *pty_name(char *buf, size_t cap, uint64_t ino)
{
	snprintf(buf, cap, "pty:[%u.%s]", BT_PTY_INDEX_OF(ino),
		 BT_PTY_DIR_OF(ino) == BT_PTY_IN ? "in" : "out");
	return buf;
}

static bool fd_is_pty(const struct bt_fd *f)
{
	return f->kind == BT_FD_PIPE && BT_PTY_IS(f->ino);
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
	uint32_t fflags = 0;
	const char *path = r->scratch;
	uint64_t pdev = 0, pino = 0, prino = 0;

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
	else if (r->has_pre_ino && sb.st_dev == r->pre_dev &&
		 sb.st_ino == r->pre_ino)
		kind = BT_FD_OTHER;   /* our own page monitor library */
	else if (S_ISREG(sb.st_mode))
		kind = BT_FD_FILE;
	else if (S_ISFIFO(sb.st_mode))
		kind = BT_FD_PIPE;
	else if (S_ISSOCK(sb.st_mode))
		kind = BT_FD_SOCKET;
	else if (pty_ident(r, t, fd, &sb, path, &pdev, &pino, &prino))
		kind = BT_FD_PIPE;
	else
		kind = BT_FD_OTHER;
	if (pino) {
		/* a pty: two channels, no name (fd_io() names them) */
		sb.st_dev = pdev;
		sb.st_ino = pino;
		path = NULL;
	}
	if ((kind == BT_FD_FILE || kind == BT_FD_PIPE) && path &&
	    path[0] != '/')
		path = NULL;   /* "pipe:[N]", anon inodes: no name */
	if ((kind == BT_FD_FILE || kind == BT_FD_PIPE) && path &&
	    !is_deleted(path) &&
	    !host_path(t, r->scratch, sizeof(r->scratch), &sb))
		path = NULL;   /* no name seen from here: none, not a wrong one */
	if (kind == BT_FD_FILE && path && is_deleted(path) &&
	    !same_file(path, &sb)) {
		/* a memfd ("/memfd:x (deleted)"), an O_TMPFILE file or a file
		 * unlinked while open: no name in any file system now */
		path = NULL;
		fflags = BT_FILEF_ANON;
	}
	if (kind == BT_FD_PIPE)
		fflags = BT_FILEF_PIPE;
	if (kind == BT_FD_FILE) {
		devino_put_flags(r, sb.st_dev, sb.st_ino, path, fflags);
		fflags |= devino_flags(r, sb.st_dev, sb.st_ino);
	}
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
			   NULL, cloexec) ||
	    bt_fdtable_set_flow(t->p->fdt, fd, prino, fflags))
		return NULL;
	return bt_fdtable_get(t->p->fdt, fd);
}

/* "/proc/self/..." and "/proc/thread-self/..." mean the tracee, not the
 * recorder that looks at them: "/proc/PID/...", "/proc/TID/...". */
static void proc_self(struct task *t, char *path)
{
	static const char *const pre[] = { "/proc/self", "/proc/thread-self" };
	char tmp[32];
	size_t i, k, m;

	for (i = 0; i < 2; i++) {
		k = strlen(pre[i]);
		if (strncmp(path, pre[i], k) || (path[k] && path[k] != '/'))
			continue;
		m = (size_t)snprintf(tmp, sizeof(tmp), "/proc/%u",
				     i ? t->tid : t->p->pid);
		if (strlen(path) - k + m >= PATH_MAX)
			return;
		memmove(path + m, path + k, strlen(path + k) + 1);
		memcpy(path, tmp, m);
		return;
	}
}

/* Resolve a path argument (dirfd, addr) to an absolute path in out
 * (PATH_MAX bytes). */
static int resolve_at(struct rec *r, struct task *t, int dirfd,
		      uint64_t addr, char *out)
{
	const char *base = NULL;
	char *rel = r->scratch2;

	if (peek_str(t->tid, addr, rel, PATH_MAX))
		return -1;
	if (rel[0] == '/') {
		/* from the process's root, which may not be the recorder's */
		if (root_prefix(t, out, PATH_MAX))
			return -1;
		if (out[0]) {
			if (bt_path_join(r->scratch, sizeof(r->scratch), out,
					 rel + 1))
				return -1;
			strcpy(out, r->scratch);
			proc_self(t, out);
			return 0;
		}
	} else {
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
	if (bt_path_join(out, PATH_MAX, base, rel))
		return -1;
	proc_self(t, out);
	return 0;
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
	case BT_RAW_SYMLINK:
	case BT_RAW_CHMOD:
	case BT_RAW_CHOWN:
	case BT_RAW_MEM_WRITE:
		return true;
	default:
		return false;
	}
}

static void obs_init(struct bt_obs *ob, struct task *t, unsigned op)
{
	bt_obs_init(ob);
	ob->time = (is_sink(op) || t->copy_at_entry) && t->entry_time ?
		   t->entry_time : now_ns();
	ob->op = op;
	ob->pid = t->p->pid;
	ob->start = t->p->start;
	ob->ppid = t->p->ppid;
	ob->uid = t->p->cred[0];
	ob->euid = t->p->cred[1];
	ob->gid = t->p->cred[2];
	ob->egid = t->p->cred[3];
}

static void add(struct rec *r, const struct bt_obs *ob)
{
	int err;

	if (r->fatal)
		return;
	err = r->sink.add(r->sink.arg, ob);
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

/* Read /proc/TID/net/NAME into r->netbuf; its length, or -1. */
static ssize_t read_net(struct rec *r, struct task *t, const char *name)
{
	char p[64];
	int fd;
	ssize_t k;
	size_t len = 0;

	snprintf(p, sizeof(p), "/proc/%u/net/%s", t->tid, name);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (;;) {
		/* a traced program can make the table grow (many sockets):
		 * the row asked for is looked for in the first 64 MiB */
		if (len >= NET_TABLE_MAX)
			break;
		if (len + 4096 > r->netcap &&
		    bt_grow(&r->netbuf, &r->netcap, len + 4096, 1)) {
			close(fd);
			return -1;
		}
		k = read(fd, r->netbuf + len, r->netcap - len);
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	return (ssize_t)len;
}

/* The remote address of the TCP or UDP socket with inode ino, from the
 * kernel's tables in the tracee's network namespace; 0 or -1. */
static int sock_peer(struct rec *r, struct task *t, uint64_t ino, char *out,
		     size_t n)
{
	static const char *const names[] = { "tcp", "tcp6", "udp", "udp6" };
	size_t i;
	ssize_t len;

	for (i = 0; i < BT_ARRAY_SIZE(names); i++) {
		len = read_net(r, t, names[i]);
		if (len > 0 && bt_record_net_peer(out, n, r->netbuf,
						  (size_t)len, i % 2 == 1,
						  ino) == 0)
			return 0;
	}
	return -1;
}

/* What the kernel says about the unix socket with inode ino (asked in the
 * recorder's network namespace); 0 or -1. */
static int unix_query(struct rec *r, uint64_t ino, struct bt_unix_sock *out)
{
	struct {
		struct nlmsghdr nh;
		struct unix_diag_req req;
	} q;
	ssize_t n;

	if (ino > UINT32_MAX)
		return -1;
	if (!r->diag_tried) {
		r->diag_tried = true;
		r->diag_fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
				    NETLINK_SOCK_DIAG);
	}
	if (r->diag_fd < 0)
		return -1;
	memset(&q, 0, sizeof(q));
	q.nh.nlmsg_len = sizeof(q);
	q.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q.nh.nlmsg_flags = NLM_F_REQUEST;
	q.nh.nlmsg_seq = ++r->diag_seq;
	q.req.sdiag_family = AF_UNIX;
	q.req.udiag_states = ~0U;
	q.req.udiag_ino = (uint32_t)ino;
	q.req.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER;
	q.req.udiag_cookie[0] = q.req.udiag_cookie[1] = ~0U;
	if (send(r->diag_fd, &q, sizeof(q), 0) != (ssize_t)sizeof(q))
		return -1;
	/* the kernel answers within send(): nothing to wait for */
	n = recv(r->diag_fd, r->diagbuf, sizeof(r->diagbuf), MSG_DONTWAIT);
	if (n <= 0 || bt_record_unix_diag_parse(out, r->diagbuf, (size_t)n))
		return -1;
	return out->ino == ino ? 0 : -1;
}

/* A unix socket path as given to bind or connect may be relative: made
 * absolute against the process's working directory, so the two ends of
 * a connection spell it alike ("unix:/dir/sock" for "sock" and "./sock"). */
static void unix_abs(struct rec *r, struct task *t, char *name, size_t n)
{
	const char *cwd;
	char tmp[sizeof(((struct bt_unix_sock *)0)->name)];

	if (strncmp(name, "unix:", 5) || name[5] == '/' || name[5] == '@' ||
	    !strcmp(name + 5, "unnamed") || !(cwd = proc_cwd(r, t)) ||
	    bt_path_join(tmp, sizeof(tmp), cwd, name + 5))
		return;
	if ((size_t)snprintf(name, n, "unix:%.240s", tmp) >= n)
		name[0] = '\0';
}

/* A traced client connected to name with socket ino. */
static void uconn_put(struct rec *r, const char *name, uint32_t ino)
{
	if (strlen(name) >= sizeof(r->uconn->name))
		return;
	if (r->nuconn == 4096) {   /* never accepted here: forget the oldest */
		memmove(r->uconn, r->uconn + 1,
			(r->nuconn - 1) * sizeof(*r->uconn));
		r->nuconn--;
	}
	if (r->nuconn + 1 > r->uconncap &&
	    bt_grow(&r->uconn, &r->uconncap, r->nuconn + 1,
		    sizeof(*r->uconn)))
		return;
	snprintf(r->uconn[r->nuconn].name, sizeof(r->uconn->name), "%s",
		 name);
	r->uconn[r->nuconn++].ino = ino;
}

static int unix_query(struct rec *r, uint64_t ino, struct bt_unix_sock *out);

/* An accept of socket `self` on the listener `name` whose peer is `peer`
 * (0 if the client is gone): the client's inode, and that connect is no
 * longer pending.  A pending client whose socket is still open and joined
 * to another socket (or to none yet) is not this one. */
static uint32_t uconn_take(struct rec *r, const char *name, uint32_t self,
			   uint32_t peer)
{
	struct bt_unix_sock c;
	size_t i;

	for (i = 0; i < r->nuconn; i++) {
		if (peer ? r->uconn[i].ino != peer :
		    strcmp(r->uconn[i].name, name))
			continue;
		if (!peer && !unix_query(r, r->uconn[i].ino, &c) &&
		    c.peer != self)
			continue;
		peer = r->uconn[i].ino;
		memmove(r->uconn + i, r->uconn + i + 1,
			(r->nuconn - i - 1) * sizeof(*r->uconn));
		r->nuconn--;
		break;
	}
	return peer;
}

/*
 * The endpoint of a unix stream connection, the same string from both
 * ends: "unix:PATH#INO", PATH the listener's name (what the client
 * connected to), INO the client's socket inode.  Data sent by one end is
 * received by the other through this one object; two connections to one
 * server are two objects (no dependency between its clients is invented);
 * a server outside the recording is still named.  `path` is the address
 * the client connected to (connect), or NULL: `server` says the socket
 * came from accept, else the role is found from which end has a name.
 * The server's end has no inode until accept(), so the client names its
 * own.  0, or -1 for a socket that is no unix stream (or unknown).
 */
static int unix_conn(struct rec *r, struct task *t, uint64_t ino,
		     const char *path, bool server, char *out, size_t n)
{
	struct bt_unix_sock a, b;

	if (unix_query(r, ino, &a) || a.type == SOCK_DGRAM)
		return -1;
	unix_abs(r, t, a.name, sizeof(a.name));
	if (path) {
		uconn_put(r, path, a.ino);
		snprintf(out, n, "%.200s#%u", path, a.ino);
		return 0;
	}
	if (server && a.name[0])
		a.peer = uconn_take(r, a.name, a.ino, a.peer);
	if (!a.peer)
		return -1;
	if (server) {
		snprintf(out, n, "%.200s#%u", a.name[0] ? a.name :
			 "unix:unnamed", a.peer);
		return 0;
	}
	if (unix_query(r, a.peer, &b))
		b.name[0] = '\0';
	unix_abs(r, t, b.name, sizeof(b.name));
	if (a.name[0] && !b.name[0])        /* the accepted end */
		snprintf(out, n, "%.200s#%u", a.name, a.peer);
	else if (!a.name[0] && b.name[0])   /* the connecting end */
		snprintf(out, n, "%.200s#%u", b.name, a.ino);
	else                                /* cannot tell: both ends */
		snprintf(out, n, "%.200s#%u-%u", a.name[0] ? a.name :
			 "unix:unnamed", a.ino < a.peer ? a.ino : a.peer,
			 a.ino < a.peer ? a.peer : a.ino);
	return 0;
}

static bool is_unix_conn(const char *remote)
{
	return remote && !strncmp(remote, "unix:", 5) && strchr(remote, '#');
}

/*
 * A unix datagram socket bound to a name, received on from an unnamed
 * sender (recvfrom gives no address): its name is the mailbox its
 * senders sent to ("unix:PATH", as their sendto or connect named it), so
 * the datagram comes out of that endpoint.  0, or -1 for any other
 * socket.
 */
static int unix_dgram_name(struct rec *r, struct task *t, uint64_t ino,
			   char *out, size_t n)
{
	struct bt_unix_sock a;

	if (unix_query(r, ino, &a) || a.type != SOCK_DGRAM || !a.name[0])
		return -1;
	unix_abs(r, t, a.name, sizeof(a.name));
	if (!a.name[0] || (size_t)snprintf(out, n, "%s", a.name) >= n)
		return -1;
	return 0;
}

/*
 * The name of unix datagram socket fd, if it is one and bound: where the
 * datagrams it receives were sent, whichever sender's name recvfrom
 * gives (that is where replies go).  Asked of the kernel once per
 * descriptor and kept as its `local` (unused otherwise for a unix
 * socket: sock_local()), "" when it has none: a socket receives only
 * once bound, and is never bound again.  NULL if none.
 */
static const char *unix_mailbox(struct rec *r, struct task *t, int fd)
{
	const struct bt_fd *f = bt_fdtable_get(t->p->fdt, fd);
	char name[256];

	if (!f || f->kind != BT_FD_SOCKET)
		return NULL;
	if (!f->local) {
		if (unix_dgram_name(r, t, f->ino, name, sizeof(name)))
			name[0] = '\0';
		if (bt_fdtable_set_local(t->p->fdt, fd, name))
			return NULL;
		f = bt_fdtable_get(t->p->fdt, fd);
	}
	return f->local && f->local[0] ? f->local : NULL;
}

/*
 * The socket's own address ("127.0.0.1:54321"), the other half of a
 * connection's name (ingest.h `local`): learned once per socket
 * descriptor and kept in the fd table (dup and fork keep it), never per
 * event.  A copy of the tracee's descriptor (pidfd_open(2) and
 * pidfd_getfd(2): the tracer may), getsockname(2), and fstat(2) to check
 * it is the same socket (its inode): six system calls, once (about 40 us
 * here, a tenth of one traced event's cost).  "" is kept when
 * it cannot be known (no pidfd_getfd, not an IP socket, no port yet):
 * the endpoint is then the remote address alone, as without this.  Only
 * for an IP remote.  Borrowed from the fd table (valid until it changes).
 */
static const char *sock_local(struct rec *r, struct task *t, int fd,
			      const char *remote)
{
	const struct bt_fd *f = bt_fdtable_get(t->p->fdt, fd);
	char ep[INET6_ADDRSTRLEN + 16];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct stat sb;
	int pfd, sfd;

	(void)r;
	if (!f || f->kind != BT_FD_SOCKET || !remote ||
	    !strncmp(remote, "unix:", 5) || !strncmp(remote, "socket:", 7))
		return NULL;
	if (f->local)
		return *f->local ? f->local : NULL;
	ep[0] = '\0';
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_getfd)
	pfd = (int)syscall(SYS_pidfd_open, (pid_t)t->p->pid, 0);
	if (pfd >= 0) {
		sfd = (int)syscall(SYS_pidfd_getfd, pfd, fd, 0);
		if (sfd >= 0) {
			/* getsockname first: on anything but a socket (a
			 * thread of the tracee may have put a FUSE file at
			 * that number) it fails at once, where fstat could
			 * wait on the file system; a socket's fstat never
			 * does */
			if (getsockname(sfd, (struct sockaddr *)&ss,
					&sl) == 0 &&
			    fstat(sfd, &sb) == 0 && (uint64_t)sb.st_ino ==
			    f->ino &&
			    (ss.ss_family == AF_INET ||
			     ss.ss_family == AF_INET6) &&
			    (ss.ss_family == AF_INET ?
			     ((struct sockaddr_in *)&ss)->sin_port :
			     ((struct sockaddr_in6 *)&ss)->sin6_port) &&
			    bt_record_sockaddr_fmt(ep, sizeof(ep), &ss, sl))
				ep[0] = '\0';
			close(sfd);
		}
		close(pfd);
	}
#else
	(void)pfd;
	(void)sfd;
	(void)sb;
	(void)ss;
	(void)sl;
#endif
	if (bt_fdtable_set_local(t->p->fdt, fd, ep))
		return NULL;
	return ep[0] ? bt_fdtable_get(t->p->fdt, fd)->local : NULL;
}

/* A file-ish observation through fd: READ/WRITE/TRUNCATE on a file or pipe,
 * RECV/SEND on a socket. */
/*
 * A copy inside the kernel (sendfile, splice, tee, copy_file_range) reads
 * its input and writes its output in one call.  From a regular file, the
 * data is there at the entry: both events are stamped at the entry, so a
 * reader of the output (a pipe the parent drains), whose read is stamped
 * at its exit, always comes after, whichever stop the recorder handles
 * first.  From a channel, the data may come from a writer still running:
 * both are stamped at the exit, the read first.
 */
static void copy_stamp(struct rec *r, struct task *t, int in_fd)
{
	const struct bt_fd *f = fd_lookup(r, t, in_fd, false, false);

	if (f && f->kind == BT_FD_FILE)
		t->copy_at_entry = true;
	else
		t->entry_time = 0;
}

/* ioctl(fd, TIOCSTI, &c): c pushed into the terminal's input as if typed,
 * from the slave or the master: a write of one byte into the pty's "in"
 * channel, whichever end fd is. */
static void pty_inject(struct rec *r, struct task *t, int fd)
{
	const struct bt_fd *f = fd_lookup(r, t, fd, false, false);
	struct bt_obs ob;
	char name[64];

	if (!f || !fd_is_pty(f))
		return;
	obs_init(&ob, t, BT_RAW_WRITE);
	ob.via_fd = ob.has_ino = true;
	ob.dev = f->dev;
	ob.ino = BT_PTY_DIR_OF(f->ino) == BT_PTY_IN ? f->ino : f->rino;
	ob.file_flags = f->file_flags;
	ob.path = pty_name(name, sizeof(name), ob.ino);
	ob.bytes = 1;
	add(r, &ob);
}

static void fd_io(struct rec *r, struct task *t, int fd, bool out,
		  uint64_t bytes, const char *remote_override)
{
	const struct bt_fd *f = fd_lookup(r, t, fd, false, false);
	struct bt_obs ob;
	char ep[256];

	if (!f || f->kind == BT_FD_OTHER)
		return;
	if (f->kind == BT_FD_SOCKET) {
		obs_init(&ob, t, out ? BT_RAW_SEND : BT_RAW_RECV);
		/* a unix connection's one endpoint, whatever address the
		 * call names (recvfrom gives the peer's bound name) */
		ob.remote = remote_override && !is_unix_conn(f->remote) ?
			    remote_override : f->remote;
		if (ob.remote == remote_override && ob.remote &&
		    !strncmp(ob.remote, "unix:", 5)) {
			/* "sock" and "./sock" are one address */
			snprintf(ep, sizeof(ep), "%s", ob.remote);
			unix_abs(r, t, ep, sizeof(ep));
			ob.remote = ep[0] ? ep : remote_override;
		}
		if (!ob.remote) {
			/* inherited, or accepted without an address, or a
			 * datagram from an unnamed sender to this socket's
			 * name: ask the kernel's socket tables once, then
			 * remember (a recvfrom that names its sender still
			 * says who) */
			if (unix_conn(r, t, f->ino, NULL, false, ep,
				      sizeof(ep)) &&
			    (out || unix_dgram_name(r, t, f->ino, ep,
						    sizeof(ep))) &&
			    sock_peer(r, t, f->ino, ep, sizeof(ep)))
				snprintf(ep, sizeof(ep), "socket:[%llu]",
					 (unsigned long long)f->ino);
			bt_fdtable_set_remote(t->p->fdt, fd, ep);
			ob.remote = ep;
		} else if (!out && !strncmp(ob.remote, "unix:", 5) &&
			   !is_unix_conn(ob.remote)) {
			/* a datagram received at this socket's name comes
			 * out of that name, whoever sent it */
			const char *own = unix_mailbox(r, t, fd);

			if (own) {
				snprintf(ep, sizeof(ep), "%s", own);
				ob.remote = ep;
			}
		}
		ob.local = sock_local(r, t, fd, ob.remote);
	} else {
		obs_init(&ob, t, out ? BT_RAW_WRITE : BT_RAW_READ);
		ob.path = f->path;
		ob.via_fd = true;   /* the file it was opened on */
		ob.has_ino = true;
		ob.dev = f->dev;
		ob.ino = !out && f->rino ? f->rino : f->ino;
		ob.file_flags = f->file_flags;
		if (fd_is_pty(f))
			ob.path = pty_name(ep, sizeof(ep), ob.ino);
	}
	ob.bytes = bytes;
	add(r, &ob);
}

/*
 * ioctl(dest, FICLONE, src) and ioctl(dest, FICLONERANGE, &range): dest
 * shares src's blocks (a reflink: cp on btrfs and XFS, where coreutils 9
 * clones by default): a copy, as copy_file_range, with no read or write
 * call.  A read of src and a write of dest, stamped at the call's entry.
 */
static void on_clone_file(struct rec *r, struct task *t)
{
	uint64_t *a = t->args;
	int64_t src = (int64_t)a[2];
	uint64_t len = 0;

	if ((uint32_t)a[1] == BT_FICLONERANGE) {
		struct { int64_t src_fd; uint64_t off, len, dest_off; } cr;

		if (peek(t->tid, a[2], &cr, sizeof(cr)) != sizeof(cr))
			return;
		src = cr.src_fd;
		len = cr.len;
	}
	if (src < 0 || src > INT32_MAX)
		return;
	copy_stamp(r, t, (int)src);
	fd_io(r, t, (int)src, false, len, NULL);
	fd_io(r, t, (int)a[0], true, len, NULL);
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
	ob.via_fd = true;   /* a mapping holds the file it was made on */
	ob.has_ino = true;
	ob.dev = x->dev;
	ob.ino = x->ino;
	ob.file_flags = devino_flags(r, x->dev, x->ino);  /* a memfd */
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
			ob.via_fd = true;  /* the file it was mapped from */
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

/* io_uring and Linux AIO (io_submit): the reads and writes happen in the
 * kernel, without a system call the filter sees.  Say so, once per process,
 * in the log; the CLI warns at the end. */
static void on_async(struct rec *r, struct task *t, const char *what)
{
	char msg[160];

	r->st->io_uring++;
	if (t->p->io_uring)
		return;
	t->p->io_uring = true;
	r->st->io_uring_procs++;
	snprintf(msg, sizeof(msg), "%s used by pid %u: its I/O is not "
		 "recorded", what, t->p->pid);
	note(r, BT_NOTE_TEXT, msg);
}

/* System calls of another ABI (i386 through int 0x80, x32): not decoded.
 * Said once per process in the log; counted for the CLI. */
static void on_compat(struct rec *r, struct task *t, const char *what)
{
	char msg[160];

	r->st->compat++;
	if (t->p->compat)
		return;
	t->p->compat = true;
	r->st->compat_procs++;
	snprintf(msg, sizeof(msg), "%s system calls used by pid %u: their "
		 "I/O is not recorded", what, t->p->pid);
	note(r, BT_NOTE_TEXT, msg);
}

/* The credentials of tid now, into p->cred; false if unreadable. */
static bool read_creds(struct rec *r, struct proc *p, uint32_t tid)
{
	char path[64];
	size_t len;

	snprintf(path, sizeof(path), "/proc/%u/status", tid);
	read_file(path, r->scratch, sizeof(r->scratch), &len);
	return bt_record_parse_status(p->cred, r->scratch, len) == 0;
}

/*
 * linkat(fd, "", ..., AT_EMPTY_PATH) and linkat(AT_FDCWD, "/proc/self/fd/N",
 * ..., AT_SYMLINK_FOLLOW) link the open file itself, not a name: the
 * /proc path is never a name of the file.  The file is found by its inode;
 * its old name is the one its descriptor has, if any, else the file is
 * anonymous (O_TMPFILE, memfd) and the link is its first name.  Returns
 * whether the call was one of those (t->path1/ok1/has_ino/link_anon set).
 */
static bool link_by_fd(struct rec *r, struct task *t)
{
	uint64_t *a = t->args;
	char *rel = r->scratch2, procp[96], *end;
	const char *q;
	unsigned long pid, fd;
	struct stat sb;
	ssize_t k;

	if (peek_str(t->tid, a[1], rel, PATH_MAX))
		return false;
	if (!rel[0] && (a[4] & AT_EMPTY_PATH)) {
		if ((int)a[0] < 0)
			return false;
		snprintf(procp, sizeof(procp), "/proc/%u/fd/%d", t->tid,
			 (int)a[0]);
	} else if ((a[4] & AT_SYMLINK_FOLLOW) &&
		   !resolve_at(r, t, (int)a[0], a[1], t->path1) &&
		   !strncmp(t->path1, "/proc/", 6)) {
		q = t->path1 + 6;
		if (!strncmp(q, "self/", 5)) {
			pid = t->p->pid;
			q += 5;
		} else if (!strncmp(q, "thread-self/", 12)) {
			pid = t->tid;
			q += 12;
		} else {
			pid = strtoul(q, &end, 10);
			if (end == q || *end != '/')
				return false;
			q = end + 1;
		}
		if (strncmp(q, "fd/", 3))
			return false;
		fd = strtoul(q + 3, &end, 10);
		if (end == q + 3 || *end || fd > INT32_MAX)
			return false;
		snprintf(procp, sizeof(procp), "/proc/%lu/fd/%lu", pid, fd);
	} else {
		return false;
	}
	t->ok1 = false;
	if (stat(procp, &sb) || S_ISDIR(sb.st_mode))
		return true;
	t->has_ino = true;
	t->dev = sb.st_dev;
	t->ino = sb.st_ino;
	k = readlink(procp, t->path1, PATH_MAX - 1);
	if (k > 0) {
		t->path1[k] = '\0';
		t->ok1 = t->path1[0] == '/' && !(is_deleted(t->path1) &&
						 !same_file(t->path1, &sb));
	}
	t->link_anon = !t->ok1;
	return true;
}

/*
 * POSIX message queues (mq_overview(7)): a queue is a file of the mqueue
 * file system, conventionally mounted at /dev/mqueue, and that is its
 * name here whether mounted or not: mq_open("/q") (the C library passes
 * "q") names /dev/mqueue/q.  mq_timedsend writes it, mq_timedreceive
 * reads it (fd_io()).  At the entry of mq_open and mq_unlink: the name
 * into t->path1 (ok1), and whether mq_open's O_CREAT will make the queue
 * (t->existed false): surely with O_EXCL, else when the mounted file
 * system shows no such name (unmounted: an open, which ends no earlier
 * queue of that name).
 */
#define BT_MQUEUE_MAGIC 0x19800202
static void mq_entry(struct task *t, uint64_t name, uint64_t flags)
{
	char q[NAME_MAX + 2];
	const char *n = q;
	struct statfs fs;
	struct stat sb;

	if (peek_str(t->tid, name, q, sizeof(q)))
		return;
	if (*n == '/')
		n++;
	if (!*n || strchr(n, '/') ||
	    snprintf(t->path1, PATH_MAX, "/dev/mqueue/%s", n) >= PATH_MAX)
		return;
	t->ok1 = true;
	if (statfs("/dev/mqueue", &fs) ||
	    (unsigned long)fs.f_type != BT_MQUEUE_MAGIC) {
		t->existed = !(flags & O_EXCL);
		return;
	}
	if (lstat(t->path1, &sb) == 0) {
		t->existed = true;
		t->has_ino = true;
		t->dev = sb.st_dev;
		t->ino = sb.st_ino;
	}
}

/* A ptrace request that reads or writes the tracee's memory. */
static bool is_mem_request(uint64_t req)
{
	return req == PTRACE_PEEKDATA || req == PTRACE_PEEKTEXT ||
	       req == PTRACE_POKEDATA || req == PTRACE_POKETEXT;
}

/* Returns whether the call needs its exit stop (most do: the result says
 * whether a dependency happened). */
static bool on_sys_entry(struct rec *r, struct task *t)
{
	struct __ptrace_syscall_info si;
	uint64_t *a = t->args;
	struct stat sb;
	uint64_t flags;
	bool dir_ok = false, follow = false;
	long k;

	t->entry_time = now_ns();
	t->copy_at_entry = false;
	k = ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, sizeof(si), &si);
	t->in_sys = true;
	t->nr = -1;
	t->ok1 = t->ok2 = t->has_ino = t->existed = t->link_anon = false;
	t->has_ino2 = t->exec_pending = false;
	if (k > 0 && si.op == PTRACE_SYSCALL_INFO_SECCOMP &&
	    (si.arch != AUDIT_ARCH_X86_64 || (si.seccomp.nr & 0x40000000)))
		on_compat(r, t, si.arch == AUDIT_ARCH_X86_64 ? "x32" :
			  "32-bit");
	if (k <= 0 || si.op != PTRACE_SYSCALL_INFO_SECCOMP ||
	    si.arch != AUDIT_ARCH_X86_64 || (si.seccomp.nr & 0x40000000)) {
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
	case SYS_ptrace:
		/* Only what moves memory is a dependency: attaching,
		 * stopping, resuming or reading registers is none. */
		if (!is_mem_request(a[0])) {
			t->in_sys = false;
			return false;
		}
		return true;
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
	case SYS_mq_open:
		mq_entry(t, a[0], a[1]);
		return true;
	case SYS_mq_unlink:
		mq_entry(t, a[0], O_EXCL);
		return true;
	case SYS_unlink:
	case SYS_unlinkat:
		dir_ok = t->nr == SYS_unlinkat && (a[2] & AT_REMOVEDIR);
		t->ok1 = !resolve_at(r, t, t->nr == SYS_unlink ? AT_FDCWD :
				     (int)a[0], t->nr == SYS_unlink ? a[0] :
				     a[1], t->path1);
		break;
	case SYS_rmdir:
		dir_ok = true;
		t->ok1 = !resolve_at(r, t, AT_FDCWD, a[0], t->path1);
		break;
	case SYS_chmod:
	case SYS_chown:
	case SYS_lchown:
	case SYS_mkdir:
	case SYS_mknod:
		t->ok1 = !resolve_at(r, t, AT_FDCWD, a[0], t->path1);
		return true;
	case SYS_fchmodat:
	case SYS_fchmodat2:
	case SYS_fchownat:
	case SYS_mkdirat:
	case SYS_mknodat:
		t->ok1 = !resolve_at(r, t, (int)a[0], a[1], t->path1);
		/* "" with AT_EMPTY_PATH: the file dirfd refers to */
		t->ok2 = t->ok1 && r->scratch2[0] == '\0';
		return true;
	case SYS_io_uring_setup:
	case SYS_io_uring_enter:
	case SYS_io_uring_register:
		on_async(r, t, "io_uring");
		t->in_sys = false;
		return false;
	case SYS_rename:
	case SYS_link:
		/* a directory's rename is recorded (its files keep their
		 * identity; the name changed), a directory cannot be linked */
		dir_ok = t->nr == SYS_rename;
		t->ok1 = !resolve_at(r, t, AT_FDCWD, a[0], t->path1);
		t->ok2 = !resolve_at(r, t, AT_FDCWD, a[1], t->path2);
		break;
	case SYS_renameat:
	case SYS_renameat2:
		dir_ok = true;
		t->ok1 = !resolve_at(r, t, (int)a[0], a[1], t->path1);
		t->ok2 = !resolve_at(r, t, (int)a[2], a[3], t->path2);
		if (t->nr == SYS_renameat2 && (a[4] & RENAME_EXCHANGE) &&
		    t->ok2 && lstat(t->path2, &sb) == 0) {
			t->has_ino2 = true;
			t->dev2 = sb.st_dev;
			t->ino2 = sb.st_ino;
		}
		break;
	case SYS_execve:
	case SYS_execveat: {
		/* the file asked for: when the kernel runs an interpreter
		 * instead (#!), the script is read by the kernel, not by a
		 * system call; the exec event then names it too */
		int dfd = t->nr == SYS_execve ? AT_FDCWD : (int)a[0];
		uint64_t pa = t->nr == SYS_execve ? a[0] : a[1];
		char pp[64];

		t->in_sys = false;
		if (resolve_at(r, t, dfd, pa, t->path1))
			return false;
		if (t->nr == SYS_execveat && !r->scratch2[0] &&
		    (a[4] & AT_EMPTY_PATH)) {
			snprintf(pp, sizeof(pp), "/proc/%u/fd/%d", t->tid,
				 dfd);
			if (stat(pp, &sb))
				return false;
			t->path1[0] = '\0';
		} else if (stat(t->path1, &sb)) {
			return false;
		}
		t->exec_pending = true;
		t->dev = sb.st_dev;
		t->ino = sb.st_ino;
		return false;
	}
	case SYS_io_setup:
	case SYS_io_submit:
		on_async(r, t, "aio");
		t->in_sys = false;
		return false;
	case SYS_linkat:
		t->ok2 = !resolve_at(r, t, (int)a[2], a[3], t->path2);
		if (link_by_fd(r, t))
			return true;
		t->ok1 = !resolve_at(r, t, (int)a[0], a[1], t->path1);
		follow = a[4] & AT_SYMLINK_FOLLOW;
		break;
	case SYS_symlink:
	case SYS_symlinkat:
		t->ok1 = !resolve_at(r, t, t->nr == SYS_symlink ? AT_FDCWD :
				     (int)a[1], t->nr == SYS_symlink ? a[1] :
				     a[2], t->path1);
		/* the link's content, as given (not resolved) */
		t->ok2 = !peek_str(t->tid, a[0], t->path2, PATH_MAX);
		return true;
	default:
		return true;
	}
	/* unlink, rmdir, rename, link: the inode the old name points at now
	 * (a directory is recorded by rmdir only; a name that does not exist
	 * will fail) */
	if (t->ok1 && (follow ? stat(t->path1, &sb) :
			lstat(t->path1, &sb)) == 0) {
		if (S_ISDIR(sb.st_mode) && !dir_ok) {
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

/* A truncate of a file; `empties`: to length 0 (BT_EVF_EMPTY). */
/* A truncate of (dev, ino), by its name or (via_fd: ftruncate) through a
 * descriptor, which keeps its file after its last name went. */
static void trunc_obs(struct rec *r, struct task *t, const char *path,
		      uint64_t dev, uint64_t ino, bool empties, bool via_fd)
{
	struct bt_obs ob;

	obs_init(&ob, t, BT_RAW_TRUNCATE);
	ob.path = path;
	ob.via_fd = via_fd;
	ob.has_ino = true;
	ob.dev = dev;
	ob.ino = ino;
	ob.empties = empties;
	add(r, &ob);
}

/* The thread group of thread tid from /proc/TID/status (its first lines,
 * read into the stack: nothing allocated), 0 if unknown. */
static uint32_t tgid_of(uint32_t tid)
{
	char path[64], buf[512];
	const char *at;
	unsigned long v = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/status", tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (!(at = strstr(buf, "\nTgid:")) ||
	    sscanf(at + 6, "%lu", &v) != 1)
		return 0;
	return v <= UINT32_MAX ? (uint32_t)v : 0;
}

/*
 * The traced process wrote (`write`) or read the memory of the process
 * with thread id `tid` (process_vm_writev/readv, ptrace POKE/PEEK):
 * MEM_WRITE or MEM_READ naming that process's thread group, with its
 * start time when it is one of the traced (the pid of one that is not is
 * the live process's, its start unknown).
 */
static void mem_obs(struct rec *r, struct task *t, bool write, uint32_t tid,
		    uint64_t bytes)
{
	struct task *x = task_find(r, tid);
	struct proc *p = x && x->p ? x->p : NULL;
	struct bt_obs ob;

	if (!p && (p = proc_find(r, tid)) && p->end)
		p = NULL;
	obs_init(&ob, t, write ? BT_RAW_MEM_WRITE : BT_RAW_MEM_READ);
	ob.peer = p ? p->pid : tgid_of(tid);
	ob.peer_start = p ? p->start : 0;
	ob.bytes = bytes;
	if (!ob.peer)
		ob.peer = tid;
	add(r, &ob);
}

static void on_open_exit(struct rec *r, struct task *t, int fd)
{
	uint64_t flags = t->args[5];
	const struct bt_fd *f;
	bool created;

	if (t->nr == SYS_open)
		flags = t->args[1];
	else if (t->nr == SYS_openat)
		flags = t->args[2];
	r->pty_opening = true;  /* /dev/ptmx: a new pty */
	f = fd_lookup(r, t, fd, true, flags & O_CLOEXEC);
	r->pty_opening = false;
	if (!f || f->kind != BT_FD_FILE)
		return;
	created = (flags & O_CREAT) && !t->existed;
	path_obs(r, t, created ? BT_RAW_CREATE : BT_RAW_OPEN, f->path, NULL,
		 true, f->dev, f->ino);
	/* Linux truncates an existing regular file opened with O_TRUNC,
	 * whatever the access mode and with or without O_CREAT: to 0 */
	if ((flags & O_TRUNC) && !created)
		trunc_obs(r, t, f->path, f->dev, f->ino, true, false);
}

/* mq_open returned descriptor fd for t->path1: the queue's file. */
static void on_mq_open_exit(struct rec *r, struct task *t, int fd)
{
	uint64_t flags = t->args[1];
	struct stat sb;
	char p[64];

	snprintf(p, sizeof(p), "/proc/%u/fd/%d", t->tid, fd);
	if (!t->ok1 || stat(p, &sb) ||
	    bt_fdtable_set(t->p->fdt, fd, BT_FD_FILE, sb.st_dev, sb.st_ino,
			   t->path1, NULL, flags & O_CLOEXEC))
		return;
	path_obs(r, t, (flags & O_CREAT) && !t->existed ? BT_RAW_CREATE :
		 BT_RAW_OPEN, t->path1, NULL, true, sb.st_dev, sb.st_ino);
}

/* msgsnd(id, msg, len, flags) (a write of `len` bytes) or msgrcv(id,
 * ...), which returns the bytes taken: of the System V message queue's
 * channel (core/raw.h BT_SYSV_MSG_INO). */
static void msg_obs(struct rec *r, struct task *t, bool out, uint64_t id,
		    uint64_t bytes)
{
	struct bt_obs ob;
	char name[32];

	if (id > INT32_MAX)
		return;
	snprintf(name, sizeof(name), BT_SYSV_MSG_NAME, (unsigned)id);
	obs_init(&ob, t, out ? BT_RAW_WRITE : BT_RAW_READ);
	ob.path = name;
	ob.has_ino = true;
	ob.dev = 0;
	ob.ino = BT_SYSV_MSG_INO(id);
	ob.file_flags = BT_FILEF_PIPE;
	ob.bytes = bytes;
	add(r, &ob);
}

static void on_connect(struct rec *r, struct task *t, int fd, uint64_t addr,
		       uint64_t len, unsigned op)
{
	unsigned char sa[sizeof(struct sockaddr_un) + 16];
	char ep[256];
	struct bt_obs ob;

	if (len > sizeof(sa))
		len = sizeof(sa);
	const struct bt_fd *f;

	if (!addr || peek(t->tid, addr, sa, len) != (ssize_t)len ||
	    bt_record_sockaddr_fmt(ep, sizeof(ep), sa, len))
		return;
	if (!(f = fd_lookup(r, t, fd, false, false)))
		return;
	if (!strncmp(ep, "unix:", 5)) {
		char path[256];

		snprintf(path, sizeof(path), "%s", ep);
		unix_abs(r, t, path, sizeof(path));
		unix_conn(r, t, f->ino, path, false, ep, sizeof(ep));
	}
	bt_fdtable_set_remote(t->p->fdt, fd, ep);
	obs_init(&ob, t, op);
	ob.remote = ep;
	/* a (UDP) socket connected again may have another source address */
	bt_fdtable_set_local(t->p->fdt, fd, NULL);
	ob.local = sock_local(r, t, fd, ep);
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
	/* a unix connection: the connection, not the client's (unnamed)
	 * address */
	if (unix_conn(r, t, f->ino, NULL, true, ep, sizeof(ep)) && a[1] &&
	    a[2] && peek(t->tid, a[2], &alen, 4) == 4) {
		if (alen > sizeof(sa))
			alen = sizeof(sa);
		if (peek(t->tid, a[1], sa, alen) != (ssize_t)alen ||
		    bt_record_sockaddr_fmt(ep, sizeof(ep), sa, alen))
			ep[0] = '\0';
	}
	/* accept(fd, NULL, NULL): the peer is in the kernel's tables */
	if (!ep[0] && sock_peer(r, t, f->ino, ep, sizeof(ep)))
		ep[0] = '\0';
	if (!ep[0] || !strcmp(ep, "unix:unnamed"))
		snprintf(ep, sizeof(ep), "socket:[%llu]",
			 (unsigned long long)f->ino);
	bt_fdtable_set_remote(t->p->fdt, fd, ep);
	obs_init(&ob, t, BT_RAW_ACCEPT);
	ob.remote = ep;
	ob.local = sock_local(r, t, fd, ep);
	add(r, &ob);
}

/* The mapping of t's process that starts at addr, as /proc/PID/maps
 * shows it: into *x (shared, the kernel file's device and inode) and
 * its name (" (deleted)" cut) into name; false if none. */
static bool maps_at(struct task *t, uint64_t addr, struct map *x,
		    char name[256])
{
	unsigned long long s, e, off, ino;
	char path[64], line[512], perms[8];
	unsigned maj, min;
	bool found = false;
	FILE *f;
	char *sp;

	snprintf(path, sizeof(path), "/proc/%d/maps", t->tid);
	if (!(f = fopen(path, "re")))
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		name[0] = '\0';
		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %255[^\n]", &s,
			   &e, perms, &off, &maj, &min, &ino, name) < 7 ||
		    s != addr)
			continue;
		if ((sp = strstr(name, " (deleted)")))
			*sp = '\0';
		memset(x, 0, sizeof(*x));
		x->start = s;
		x->end = e;
		x->dev = makedev(maj, min);
		x->ino = ino;
		x->pgoff = off / PAGE;
		x->prot = (perms[0] == 'r' ? BT_PROT_READ : 0) |
			  (perms[1] == 'w' ? BT_PROT_WRITE : 0);
		x->shared = true;
		found = true;
	}
	fclose(f);
	return found;
}

/* A shared mapping *x that no mmap of a descriptor made: recorded as an
 * mmap of the kernel file behind it (path, or none). */
static void kernel_mapping(struct rec *r, struct task *t, struct map *x,
			   const char *path)
{
	munmap_range(r, t, x->start, x->end - x->start);
	mm_add(&t->p->mm, x);
	mapped_add(t->p, x->dev, x->ino, x->pgoff, (x->end - x->start) / PAGE);
	mmap_obs(r, t, x, path);
}

/*
 * shmat(2) of a System V shared memory segment at addr: a shared mapping
 * of the segment's file in the kernel (/proc/PID/maps names it
 * "/SYSVKEY", by its device and inode), recorded as an mmap of it, so
 * that what one process stores in the segment reaches the processes that
 * read it (the preload's page monitor does not see it: no mmap call).
 */
static void on_shmat_exit(struct rec *r, struct task *t, uint64_t addr)
{
	char name[256];
	struct map x;

	if (!maps_at(t, addr, &x, name))
		return;
	x.sysv = true;
	kernel_mapping(r, t, &x, name[0] == '/' ? name : NULL);
}

/*
 * mmap(MAP_SHARED | MAP_ANONYMOUS) at addr: memory shared with the
 * children forked after (PostgreSQL's, nginx's).  The kernel backs it
 * with a file of no file system ("/dev/zero (deleted)" in
 * /proc/PID/maps): an anonymous file (BT_FILEF_ANON) by its device and
 * inode, whose pages the page monitor records like a file mapping's.
 */
static void on_anon_shared(struct rec *r, struct task *t, uint64_t addr)
{
	char name[256];
	struct map x;

	if (!maps_at(t, addr, &x, name))
		return;
	devino_put_flags(r, x.dev, x.ino, NULL, BT_FILEF_ANON);
	kernel_mapping(r, t, &x, NULL);
}

static void on_mmap_exit(struct rec *r, struct task *t, uint64_t addr)
{
	uint64_t *a = t->args;
	const struct bt_fd *f;
	struct map x;

	if ((a[3] & MAP_ANONYMOUS) && ((a[3] & MAP_TYPE) == MAP_SHARED ||
				       (a[3] & MAP_TYPE) == MAP_SHARED_VALIDATE)) {
		on_anon_shared(r, t, addr);
		return;
	}
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
	x.sysv = false;
	munmap_range(r, t, x.start, x.end - x.start);  /* MAP_FIXED */
	mm_add(&t->p->mm, &x);
	if (x.shared)
		mapped_add(t->p, x.dev, x.ino, x.pgoff,
			   (x.end - x.start) / PAGE);
	mmap_obs(r, t, &x, f->path);
}

/* shmdt(2) of the segment attached at addr: its mapping ends. */
static void on_shmdt(struct rec *r, struct task *t, uint64_t addr)
{
	const struct mm *m = &t->p->mm;
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->v[i].start == addr) {
			sysv_release(r, t->p, now_ns(), addr);
			munmap_range(r, t, addr, m->v[i].end - addr);
			return;
		}
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
		if (x->shared)
			mapped_add(t->p, x->dev, x->ino, x->pgoff,
				   (x->end - x->start) / PAGE);
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

/* chmod, chown and friends: the file whose attributes changed.  `fd` >= 0
 * for the f* calls (and AT_EMPTY_PATH), else t->path1, followed unless
 * `nofollow`. */
static void attr_obs(struct rec *r, struct task *t, unsigned op, int fd,
		     bool nofollow, uint32_t mode, uint32_t owner,
		     uint32_t group)
{
	struct bt_obs ob;
	struct stat sb;
	char *real = NULL;

	obs_init(&ob, t, op);
	if (fd >= 0) {
		const struct bt_fd *f = fd_lookup(r, t, fd, false, false);

		/* a pty's mode (grantpt, mesg) is no data in it */
		if (!f || (f->kind != BT_FD_FILE && f->kind != BT_FD_PIPE) ||
		    fd_is_pty(f))
			return;
		ob.path = f->path;
		ob.via_fd = true;
		ob.dev = f->dev;
		ob.ino = f->ino;
		ob.file_flags = f->file_flags;
	} else {
		if (!t->ok1 || (nofollow ? lstat(t->path1, &sb) :
				stat(t->path1, &sb)))
			return;
		/* through a symbolic link: the file's own name */
		ob.path = nofollow ? t->path1 :
			  (real = realpath(t->path1, NULL)) ? real : t->path1;
		ob.dev = sb.st_dev;
		ob.ino = sb.st_ino;
	}
	ob.has_ino = true;
	ob.mode = mode == UINT32_MAX ? mode : mode & 07777;
	ob.owner = owner;
	ob.group = group;
	add(r, &ob);
	free(real);
}

/* A successful set*id call: the credentials now. */
static void on_setid(struct rec *r, struct task *t)
{
	uint32_t old[4];
	struct bt_obs ob;

	memcpy(old, t->p->cred, sizeof(old));
	if (!read_creds(r, t->p, t->tid))
		return;
	/* glibc repeats the call in every thread: one observation for a
	 * change, and one for the main thread's call */
	if (!memcmp(old, t->p->cred, sizeof(old)) && t->tid != t->p->pid)
		return;
	obs_init(&ob, t, BT_RAW_SETID);
	add(r, &ob);
}

/* A channel made by pipe or socketpair: fds[0] and fds[1] (ints in the
 * tracee at addr).  A pipe is one object (its inode); a socketpair is two,
 * one per direction, each named by the inode of the end written into. */
static void on_channel(struct rec *r, struct task *t, uint64_t addr,
		       bool cloexec, bool pair)
{
	int fds[2], i;
	struct stat sb[2];
	char p[64];
	struct bt_obs ob;

	if (peek(t->tid, addr, fds, sizeof(fds)) != sizeof(fds))
		return;
	for (i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "/proc/%u/fd/%d", t->tid, fds[i]);
		if (stat(p, &sb[i])) {
			bt_fdtable_close(t->p->fdt, fds[0]);
			bt_fdtable_close(t->p->fdt, fds[1]);
			return;
		}
	}
	for (i = 0; i < 2; i++) {
		if (bt_fdtable_set(t->p->fdt, fds[i], BT_FD_PIPE, sb[i].st_dev,
				   sb[i].st_ino, NULL, NULL, cloexec) == 0)
			bt_fdtable_set_flow(t->p->fdt, fds[i], pair ?
					    sb[!i].st_ino : 0, BT_FILEF_PIPE);
		if (i && !pair)
			break;
		obs_init(&ob, t, BT_RAW_PIPE);
		ob.has_ino = true;
		ob.dev = sb[i].st_dev;
		ob.ino = sb[i].st_ino;
		ob.file_flags = BT_FILEF_PIPE;
		add(r, &ob);
	}
}

/* The address of a msghdr at addr (sendmsg's given, recvmsg's filled in),
 * formatted into ep; NULL if none (a connected socket). */
static const char *msg_addr(struct task *t, uint64_t addr, char *ep,
			    size_t n)
{
	struct msghdr mh;
	unsigned char sa[sizeof(struct sockaddr_un) + 16];
	size_t len;

	if (peek(t->tid, addr, &mh, sizeof(mh)) != sizeof(mh) ||
	    !mh.msg_name || !mh.msg_namelen)
		return NULL;
	len = mh.msg_namelen < sizeof(sa) ? mh.msg_namelen : sizeof(sa);
	if (peek(t->tid, (uint64_t)(uintptr_t)mh.msg_name, sa, len) !=
	    (ssize_t)len || bt_record_sockaddr_fmt(ep, n, sa, len) ||
	    !strcmp(ep, "unix:unnamed"))
		return NULL;
	return ep;
}

/* The direction of an fd from its open flags (vmsplice): true if it is
 * written into. */
static bool fd_is_write_end(struct task *t, int fd)
{
	char p[64], line[128];
	FILE *fi;
	unsigned fl = 0;
	bool w = false;

	snprintf(p, sizeof(p), "/proc/%u/fdinfo/%d", t->tid, fd);
	if (!(fi = fopen(p, "re")))
		return false;
	while (fgets(line, sizeof(line), fi))
		if (sscanf(line, "flags: %o", &fl) == 1)
			w = (fl & O_ACCMODE) == O_WRONLY;
	fclose(fi);
	return w;
}

/*
 * The names of unlink and rename are read from the tracee at the call's
 * entry; another of its threads can rewrite them before the kernel reads
 * them, so that the call acts on another name than the one recorded.
 * After the call the name should (rename: `present`) or should no longer
 * (unlink) be the file seen at the entry, and the call succeeded, so the
 * old name must have held a file at the entry.  When it is not so, the
 * event is still recorded as seen, and a note says it could not be
 * confirmed (a concurrent change by another process looks the same).
 */
static void confirm(struct rec *r, struct task *t, const char *path,
		    bool present)
{
	struct stat sb;
	bool same = t->has_ino && lstat(path, &sb) == 0 &&
		    sb.st_dev == t->dev && sb.st_ino == t->ino;
	char msg[PATH_MAX + 160];

	if (t->has_ino && same == present)
		return;
	r->st->unconfirmed++;
	snprintf(msg, sizeof(msg), "%s by pid %u of '%s' not confirmed "
		 "after the call: the name %s (its argument rewritten by a "
		 "thread during the call, or a concurrent change)",
		 present ? "rename" : "unlink", t->p->pid, path,
		 present ? "does not hold the file renamed" :
		 "still holds the file unlinked");
	note(r, BT_NOTE_TEXT, msg);
}

static void on_sys_exit(struct rec *r, struct task *t)
{
	struct __ptrace_syscall_info si;
	uint64_t *a = t->args;
	int64_t rv;
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
	case SYS_mq_timedreceive:    /* the message's length */
		if (rv > 0)
			fd_io(r, t, (int)a[0], false, (uint64_t)rv, NULL);
		break;
	case SYS_mq_timedsend:       /* mqd, msg, len, prio, timeout */
		fd_io(r, t, (int)a[0], true, a[2], NULL);
		break;
	case SYS_msgsnd:
		msg_obs(r, t, true, a[0], a[2]);
		break;
	case SYS_msgrcv:
		if (rv > 0)
			msg_obs(r, t, false, a[0], (uint64_t)rv);
		break;
	case SYS_mq_open:
		on_mq_open_exit(r, t, (int)rv);
		break;
	case SYS_mq_unlink:
		if (t->ok1)
			path_obs(r, t, BT_RAW_UNLINK, t->path1, NULL,
				 t->has_ino, t->dev, t->ino);
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
		/* copies: the write carries what the read got (copy_stamp) */
		copy_stamp(r, t, (int)a[1]);
		if (rv > 0) {
			fd_io(r, t, (int)a[1], false, (uint64_t)rv, NULL);
			fd_io(r, t, (int)a[0], true, (uint64_t)rv, NULL);
		}
		break;
	case SYS_splice:     /* in, off, out */
	case SYS_copy_file_range:
		copy_stamp(r, t, (int)a[0]);
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
		if (rv > 0) {
			char ep[256];

			fd_io(r, t, (int)a[0], t->nr == SYS_sendmsg,
			      (uint64_t)rv, msg_addr(t, a[1], ep, sizeof(ep)));
		}
		break;
	case SYS_recvmmsg:
	case SYS_sendmmsg: {
		/* rv messages, each with its own address and length */
		struct mmsghdr mm;
		char ep[256];
		int64_t i;
		uint64_t at;

		for (i = 0; i < rv && i < 1024; i++) {
			at = a[1] + (uint64_t)i * sizeof(mm);
			if (peek(t->tid, at, &mm, sizeof(mm)) != sizeof(mm))
				break;
			if (mm.msg_len)
				fd_io(r, t, (int)a[0], t->nr == SYS_sendmmsg,
				      mm.msg_len, msg_addr(t, at, ep,
							   sizeof(ep)));
		}
		break;
	}
	case SYS_tee:        /* in, out: both pipes; in keeps its data */
		copy_stamp(r, t, (int)a[0]);
		if (rv > 0) {
			fd_io(r, t, (int)a[0], false, (uint64_t)rv, NULL);
			fd_io(r, t, (int)a[1], true, (uint64_t)rv, NULL);
		}
		break;
	case SYS_vmsplice:
		if (rv > 0)
			fd_io(r, t, (int)a[0], fd_is_write_end(t, (int)a[0]),
			      (uint64_t)rv, NULL);
		break;
	case SYS_socketpair:
		on_channel(r, t, a[3], a[1] & SOCK_CLOEXEC, true);
		break;
	case SYS_process_vm_writev:  /* pid, local iov, n, remote iov */
	case SYS_process_vm_readv:
		if (rv > 0)
			mem_obs(r, t, t->nr == SYS_process_vm_writev,
				(uint32_t)a[0], (uint64_t)rv);
		break;
	case SYS_ptrace:             /* request, pid, addr, data */
		mem_obs(r, t, a[0] == PTRACE_POKEDATA ||
			a[0] == PTRACE_POKETEXT, (uint32_t)a[1],
			sizeof(long));
		break;
	case SYS_memfd_create: {
		const struct bt_fd *f = fd_lookup(r, t, (int)rv, true,
						  a[1] & MFD_CLOEXEC);

		/* a file with no name: written, then maybe executed */
		if (f && f->kind == BT_FD_FILE) {
			devino_put_flags(r, f->dev, f->ino, NULL,
					 BT_FILEF_ANON);
			bt_fdtable_set_flow(t->p->fdt, (int)rv, 0,
					    BT_FILEF_ANON);
		}
		break;
	}
	case SYS_chmod:
		attr_obs(r, t, BT_RAW_CHMOD, -1, false, (uint32_t)a[1],
			 UINT32_MAX, UINT32_MAX);
		break;
	case SYS_fchmod:
		attr_obs(r, t, BT_RAW_CHMOD, (int)a[0], false, (uint32_t)a[1],
			 UINT32_MAX, UINT32_MAX);
		break;
	case SYS_fchmodat:
	case SYS_fchmodat2: {
		uint64_t fl = t->nr == SYS_fchmodat2 ? a[3] : 0;

		attr_obs(r, t, BT_RAW_CHMOD, t->ok2 && (fl & AT_EMPTY_PATH) ?
			 (int)a[0] : -1, fl & AT_SYMLINK_NOFOLLOW,
			 (uint32_t)a[2], UINT32_MAX, UINT32_MAX);
		break;
	}
	case SYS_chown:
	case SYS_lchown:
		attr_obs(r, t, BT_RAW_CHOWN, -1, t->nr == SYS_lchown,
			 UINT32_MAX, (uint32_t)a[1], (uint32_t)a[2]);
		break;
	case SYS_fchown:
		attr_obs(r, t, BT_RAW_CHOWN, (int)a[0], false, UINT32_MAX,
			 (uint32_t)a[1], (uint32_t)a[2]);
		break;
	case SYS_fchownat:
		attr_obs(r, t, BT_RAW_CHOWN, t->ok2 && (a[4] & AT_EMPTY_PATH) ?
			 (int)a[0] : -1, a[4] & AT_SYMLINK_NOFOLLOW,
			 UINT32_MAX, (uint32_t)a[2], (uint32_t)a[3]);
		break;
	case SYS_setuid:
	case SYS_setgid:
	case SYS_setreuid:
	case SYS_setregid:
	case SYS_setresuid:
	case SYS_setresgid:
		on_setid(r, t);
		break;
	case SYS_mkdir:
	case SYS_mkdirat:
	case SYS_mknod:
	case SYS_mknodat:
		if (t->ok1 && lstat(t->path1, &sb) == 0)
			path_obs(r, t, BT_RAW_CREATE, t->path1, NULL, true,
				 sb.st_dev, sb.st_ino);
		break;
	case SYS_rmdir:
		if (t->ok1)
			path_obs(r, t, BT_RAW_UNLINK, t->path1, NULL,
				 t->has_ino, t->dev, t->ino);
		break;
	case SYS_truncate:
		/* the length, a[1], is in the call's registers: 0 empties
		 * the file */
		if (t->ok1 && stat(t->path1, &sb) == 0)
			trunc_obs(r, t, t->path1, sb.st_dev, sb.st_ino,
				  a[1] == 0, false);
		break;
	case SYS_ftruncate: {
		const struct bt_fd *f = fd_lookup(r, t, (int)a[0], false,
						  false);

		if (f && f->kind == BT_FD_FILE)
			trunc_obs(r, t, f->path, f->dev, f->ino, a[1] == 0,
				  true);
		break;
	}
	case SYS_rename:
	case SYS_renameat:
	case SYS_renameat2:
		if (t->ok1 && t->ok2 &&
		    !(t->nr == SYS_renameat2 && (a[4] & RENAME_EXCHANGE)))
			confirm(r, t, t->path2, true);
		if (t->ok1 && t->ok2) {
			struct bt_obs ob;

			obs_init(&ob, t, BT_RAW_RENAME);
			ob.path = t->path1;
			ob.new_path = t->path2;
			ob.has_ino = t->has_ino;
			ob.dev = t->dev;
			ob.ino = t->ino;
			/* RENAME_EXCHANGE: the two files swapped names */
			ob.exchange = t->nr == SYS_renameat2 &&
				      (a[4] & RENAME_EXCHANGE);
			ob.has_ino2 = ob.exchange && t->has_ino2;
			ob.dev2 = t->dev2;
			ob.ino2 = t->ino2;
			add(r, &ob);
		}
		break;
	case SYS_fallocate:
		/* punching a hole, zeroing, collapsing or inserting a range
		 * changes the content: a write of len bytes */
		if (a[1] & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE |
			    FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE))
			fd_io(r, t, (int)a[0], true, a[3], NULL);
		break;
	case SYS_link:
	case SYS_linkat:
		/* a file without a name gets its first one */
		if (t->link_anon && t->ok2)
			path_obs(r, t, BT_RAW_CREATE, t->path2, NULL, true,
				 t->dev, t->ino);
		if (t->ok1 && t->ok2)
			path_obs(r, t, BT_RAW_LINK, t->path1, t->path2,
				 t->has_ino, t->dev, t->ino);
		break;
	case SYS_symlink:
	case SYS_symlinkat:
		if (t->ok1 && lstat(t->path1, &sb) == 0) {
			struct bt_obs ob;

			/* the link's own name and inode; its content */
			obs_init(&ob, t, BT_RAW_SYMLINK);
			ob.path = t->path1;
			ob.target = t->ok2 ? t->path2 : NULL;
			ob.has_ino = true;
			ob.dev = sb.st_dev;
			ob.ino = sb.st_ino;
			add(r, &ob);
		}
		break;
	case SYS_unlink:
	case SYS_unlinkat:
		if (t->ok1)
			confirm(r, t, t->path1, false);
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
	case SYS_shmat:
		on_shmat_exit(r, t, (uint64_t)rv);
		break;
	case SYS_shmdt:
		on_shmdt(r, t, a[0]);
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
		on_channel(r, t, a[0], t->nr == SYS_pipe2 &&
			   (a[1] & O_CLOEXEC), false);
		break;
	case SYS_chdir:
	case SYS_fchdir:
		free(t->p->cwd);
		t->p->cwd = NULL;
		break;
	case SYS_ioctl:         /* TIOCSTI, FICLONE, FICLONERANGE only */
		if (rv == 0 && (uint32_t)a[1] == BT_TIOCSTI)
			pty_inject(r, t, (int)a[0]);
		else if (rv == 0)
			on_clone_file(r, t);
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
	SYS_munmap, SYS_mremap, SYS_mprotect, SYS_shmat, SYS_shmdt,
	SYS_mq_open, SYS_mq_timedsend, SYS_mq_timedreceive, SYS_mq_unlink,
	SYS_msgsnd, SYS_msgrcv,
	SYS_connect, SYS_accept, SYS_accept4, SYS_recvfrom, SYS_recvmsg,
	SYS_sendto, SYS_sendmsg,
	SYS_dup, SYS_dup2, SYS_dup3, SYS_close, SYS_close_range,
	SYS_pipe, SYS_pipe2, SYS_socketpair, SYS_tee, SYS_vmsplice,
	SYS_recvmmsg, SYS_sendmmsg,
	SYS_chdir, SYS_fchdir,
	SYS_mkdir, SYS_mkdirat, SYS_rmdir, SYS_mknod, SYS_mknodat,
	SYS_memfd_create,
	SYS_chmod, SYS_fchmod, SYS_fchmodat, SYS_fchmodat2,
	SYS_chown, SYS_fchown, SYS_lchown, SYS_fchownat,
	SYS_setuid, SYS_setgid, SYS_setreuid, SYS_setregid, SYS_setresuid,
	SYS_setresgid,
	SYS_io_uring_setup, SYS_io_uring_enter, SYS_io_uring_register,
	SYS_io_setup, SYS_io_submit, SYS_fallocate,
	SYS_execve, SYS_execveat,
	SYS_process_vm_readv, SYS_process_vm_writev, SYS_ptrace,
};

/* i386 system calls that read, write, name or run files or talk to the
 * network (unistd_32.h numbers): not decoded, but stopped at so that a
 * program that uses them (int 0x80 works in any x86-64 process) is
 * reported, never silently unrecorded.  The x32 ABI (nr bit 30) is
 * stopped at whole. */
static const int traced_i386[] = {
	3, 4, 5, 8, 9, 10, 11, 15, 38, 39, 42, 90, 92, 102, 145, 146, 180,
	181, 187, 192, 239, 295, 302, 303, 313, 358, 362, 364, 369, 370,
	371, 372, 377, 378, 379, 437,
};

#define ARG_LO(n) (offsetof(struct seccomp_data, args) + 8 * (n))

/* Build the filter: arch check, then mmap (file mappings only), fcntl
 * (F_DUPFD, F_DUPFD_CLOEXEC, F_SETFD only), then the list.  Returns the
 * number of instructions. */
static size_t build_filter(struct sock_filter *f, size_t cap)
{
	size_t n = 0, i, nt = BT_ARRAY_SIZE(traced);
	size_t n32 = BT_ARRAY_SIZE(traced_i386);

	if (cap < nt + n32 + 55)
		return 0;
#define I(x) (f[n++] = (struct sock_filter)x)
	I(BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		   offsetof(struct seccomp_data, arch)));
	I(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64,
		   (unsigned char)(n32 + 4), 0));
	/* i386: the calls of traced_i386 stop (reported), others run */
	I(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0,
		   (unsigned char)(n32 + 1)));
	I(BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		   offsetof(struct seccomp_data, nr)));
	for (i = 0; i < n32; i++)
		I(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			   (unsigned)traced_i386[i],
			   (unsigned char)(n32 - i), 0));
	I(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	I(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE));
	/* x86-64 */
	I(BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		   offsetof(struct seccomp_data, nr)));
	/* x32 system calls (bit 30): not decoded, stopped at and reported */
	I(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1));
	I(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE));
	/* A child made with CLONE_UNTRACED is not traced: it, and anything
	 * it runs under a ptrace of its own, would escape the recording.
	 * Refused (EPERM).  clone3's flags are in memory, out of a filter's
	 * reach: ENOSYS, and the C library falls back to clone. */
	I(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 4));
	I(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)));
	I(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_UNTRACED, 0, 1));
	I(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));
	I(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	I(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1));
	I(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS));
	/* A seccomp filter of the program's own that returns USER_NOTIF
	 * takes precedence over our TRACE, and its listener can let the
	 * call run unseen: no listener (EPERM). */
	I(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 0, 4));
	I(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)));
	I(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
		   SECCOMP_FILTER_FLAG_NEW_LISTENER, 0, 1));
	I(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));
	I(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	/* mmap: only with a file (not MAP_ANONYMOUS), or anonymous memory
	 * shared with the children (MAP_SHARED: bit 0x1 of the type) */
	I(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, 0, 5));
	I(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(3)));
	I(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, MAP_ANONYMOUS, 0, 2));
	I(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, MAP_SHARED, 1, 0));
	I(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	I(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE));
	/* ioctl: only TIOCSTI (input pushed into a terminal) and the
	 * reflink copies FICLONE, FICLONERANGE */
	I(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0, 6));
	I(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)));
	I(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, BT_TIOCSTI, 3, 0));
	I(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, BT_FICLONE, 2, 0));
	I(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, BT_FICLONERANGE, 1, 0));
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
		if (old->exec_pending) {
			char *sw = t->path1;

			t->path1 = old->path1;
			old->path1 = sw;
			t->exec_pending = true;
			t->dev = old->dev;
			t->ino = old->ino;
		}
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
	sysv_release(r, p, now_ns(), 0);
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
	if (i < alen || alen == sizeof(r->argbuf) - 1) {
		/* a command line can be made long to push what matters out
		 * of the record: say it was cut */
		char msg[160];

		snprintf(msg, sizeof(msg), "argv of pid %u cut: longer than "
			 "%zu arguments or %zu bytes", p->pid,
			 BT_ARRAY_SIZE(argv), sizeof(r->argbuf) - 1);
		note(r, BT_NOTE_TEXT, msg);
	}
	snprintf(path, sizeof(path), "/proc/%u/comm", t->tid);
	read_file(path, comm, sizeof(comm) - 1, &clen);
	while (clen && comm[clen - 1] == '\n')
		clen--;
	comm[clen] = '\0';

	/* no_new_privs keeps set-id bits from acting, but a capability
	 * change at exec (file capabilities) still shows here */
	read_creds(r, p, t->tid);
	obs_init(&ob, t, BT_RAW_EXEC);
	if (has_exe) {
		ob.exe = exe;
		ob.has_ino = true;
		ob.dev = sb.st_dev;
		ob.ino = sb.st_ino;
		if (is_deleted(exe) && !same_file(exe, &sb)) {
			/* fexecve of a memfd, or a program deleted since:
			 * the file, not a name */
			ob.file_flags = BT_FILEF_ANON;
			devino_put_flags(r, sb.st_dev, sb.st_ino, NULL,
					 BT_FILEF_ANON);
		} else {
			ob.path = exe;
			ob.file_flags = devino_flags(r, sb.st_dev, sb.st_ino);
			devino_put(r, sb.st_dev, sb.st_ino, exe);
		}
	}
	ob.comm = clen ? comm : NULL;
	ob.argv = argv;
	ob.argc = argc;
	add(r, &ob);
	if (t->exec_pending && has_exe &&
	    (t->dev != sb.st_dev || t->ino != sb.st_ino)) {
		/* a script (or a binfmt_misc file): the kernel read it to
		 * choose the interpreter, which reads it again; it is what
		 * was executed.  The exe stays the interpreter's. */
		struct stat ss;
		char *real = t->path1[0] ? realpath(t->path1, NULL) : NULL;

		ob.exe = NULL;
		ob.path = real ? real : t->path1[0] ? t->path1 : NULL;
		ob.dev = t->dev;
		ob.ino = t->ino;
		ob.file_flags = devino_flags(r, t->dev, t->ino);
		if (ob.path && (stat(ob.path, &ss) || ss.st_ino != t->ino ||
				ss.st_dev != t->dev))
			ob.path = NULL;   /* replaced since: the file only */
		add(r, &ob);
		free(real);
	}
	t->exec_pending = false;
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
		if (t->p->nmp && !bt_grow(&np->mp, &np->mpcap, t->p->nmp,
					  sizeof(*np->mp))) {
			memcpy(np->mp, t->p->mp, t->p->nmp * sizeof(*np->mp));
			np->nmp = t->p->nmp;
		}
		np->mp_full = t->p->mp_full || (t->p->nmp && !np->nmp);
		if (t->p->cwd)
			np->cwd = strdup(t->p->cwd);
		memcpy(np->cred, t->p->cred, sizeof(np->cred));
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
		/* the EXIT is written by proc_retire(), maybe later */
		obs_init(&ob, t, BT_RAW_EXIT);
		proc_retire(r, p, ob.time);
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

/*
 * The process a page record claims, if the claim holds: a process of the
 * recorded tree (running, or gone recently) with that pid, alive at the
 * record's time.  *known: some process had that pid (the time is wrong).
 */
static struct proc *page_owner(struct rec *r, uint32_t pid, uint64_t time,
			       bool *known)
{
	struct proc *p = proc_find(r, pid), *d;

	*known = p != NULL;
	if (p && time >= p->start - PAGE_TIME_SLACK_NS)
		return p;
	for (d = r->dead_by_pid[pid % NBUCKET]; d; d = d->next) {
		if (d->pid != pid)
			continue;
		*known = true;
		if (time >= d->start - PAGE_TIME_SLACK_NS &&
		    time <= d->end + PAGE_TIME_SLACK_NS)
			return d;
	}
	return NULL;
}

/*
 * A record from the page ring.  The ring's memory is the traced program's
 * to write, so the record is a claim: it becomes an observation only for a
 * process of the recorded tree, at a time inside the recording and that
 * process's life, on a page of a file that process mapped shared.  What
 * fails is counted by cause (never a phantom process, never an event dated
 * outside the recording).
 */
static int page_cb(void *arg, const struct bt_raw *raw)
{
	struct rec *r = arg;
	struct proc *p;
	struct bt_obs ob;
	bool known;
	int err;

	if (raw->time < r->t0 - PAGE_TIME_SLACK_NS ||
	    raw->time > now_ns() + PAGE_TIME_SLACK_NS) {
		r->st->page_bad_time++;
		return 0;
	}
	p = page_owner(r, raw->pid, raw->time, &known);
	if (!p) {
		if (known)
			r->st->page_bad_time++;
		else
			r->st->page_bad_pid++;
		return 0;
	}
	if (!mapped_has(p, raw->dev, raw->ino, raw->arg)) {
		r->st->page_bad_file++;
		return 0;
	}
	bt_obs_init(&ob);
	ob.time = raw->time;
	ob.op = raw->op;
	ob.pid = raw->pid;
	ob.start = p->start;
	ob.ppid = p->ppid;
	ob.has_ino = true;
	ob.via_fd = true;   /* through a mapping: the file it was made on */
	ob.dev = raw->dev;
	ob.ino = raw->ino;
	ob.path = devino_path(r, raw->dev, raw->ino);
	ob.file_flags = devino_flags(r, raw->dev, raw->ino);
	ob.page = raw->arg;
	ob.uid = p->cred[0];
	ob.euid = p->cred[1];
	ob.gid = p->cred[2];
	ob.egid = p->cred[3];
	err = r->sink.add(r->sink.arg, &ob);
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

/* The BT_NOTE_DROPS note of the page ring: "cause=count ..." for every
 * nonzero count (none: no note). */
static void drops_note(struct rec *r, const struct bt_record_stats *st)
{
	const struct { const char *k; uint64_t v; } c[] = {
		{ "page_holes", st->page_holes },
		{ "page_malformed", st->page_malformed },
		{ "page_pid_not_traced", st->page_bad_pid },
		{ "page_time_outside", st->page_bad_time },
		{ "page_file_not_mapped", st->page_bad_file },
		{ "page_ring_header_repaired", st->ring_repaired },
		{ "page_ring_full_claimed", st->ring_full_claimed },
	};
	char text[512];
	size_t i, n = 0;

	text[0] = '\0';
	for (i = 0; i < BT_ARRAY_SIZE(c); i++)
		if (c[i].v && n < sizeof(text))
			n += (size_t)snprintf(text + n, sizeof(text) - n,
					      "%s%s=%llu", n ? " " : "",
					      c[i].k,
					      (unsigned long long)c[i].v);
	if (n)
		note(r, BT_NOTE_DROPS, text);
}

static void drain(struct rec *r, bool final)
{
	int err;

	if (!r->ring || r->fatal)
		return;
	err = bt_pagering_drain(r->ring, final, page_cb, r);
	if (err && err != BT_EINVAL)
		r->fatal = err;
	if (r->exits_pending) {
		uint64_t tail, head;
		size_t i;

		bt_pagering_position(r->ring, &tail, &head);
		for (i = 0; i < r->ndead && r->exits_pending; i++) {
			struct proc *d = r->dead[(r->dead_first + i) %
						 DEAD_MAX];

			if (d->exit_pending && (final || tail >= d->exit_mark))
				exit_obs(r, d);
		}
	}
}

/* The periodic work of the loop: drain the page ring, then the caller's
 * tick (sealing), which sees everything drained committed. */
static void periodic(struct rec *r)
{
	drain(r, false);
	if (r->o->tick && !r->fatal)
		r->o->tick(r->o->tick_arg);
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
	struct sock_filter f[256];
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
	for (b = 0; b < r->ndead; b++)
		proc_destroy(r->dead[(r->dead_first + b) % DEAD_MAX]);
	r->ndead = 0;
	memset(r->dead_by_pid, 0, sizeof(r->dead_by_pid));
	free(r->netbuf);
	free(r->ptys);
	free(r->uconn);
	if (r->diag_tried && r->diag_fd >= 0)
		close(r->diag_fd);
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
	r->t0 = now_ns();
	err = bt_ingest_new(&r->ing, w);
	if (err)
		goto out_free;
	r->sink = o->sink ? *o->sink : bt_ingest_sink(r->ing);
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
		/* the loader opens, reads and maps the library in every
		 * process: that is the recorder, never a cause */
		if (stat(o->preload, &rsb) == 0) {
			r->has_pre_ino = true;
			r->pre_dev = rsb.st_dev;
			r->pre_ino = rsb.st_ino;
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
	read_creds(r, p, (uint32_t)pid);
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
				periodic(r);
				continue;
			}
			break;   /* ECHILD: nobody left */
		}
		on_stop(r, pid, status);
		if (g_alarm) {
			g_alarm = 0;
			periodic(r);
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
		/* The recorder's own counts; the producers' ring-full count
		 * is in memory the traced program writes: a claim, apart. */
		out->page_malformed = ps.invalid + ps.bad_seq;
		out->page_holes = ps.holes;
		out->ring_repaired = ps.header;
		out->ring_full_claimed = ps.claimed_dropped;
		out->page_rejected = out->page_malformed + out->page_bad_pid +
				     out->page_bad_time + out->page_bad_file;
		out->drops = out->page_holes + out->page_rejected;
		drops_note(r, out);
	}
	if (out->lost) {
		snprintf(text, sizeof(text), "refused=%llu",
			 (unsigned long long)out->lost);
		note(r, BT_NOTE_DROPS, text);
	}
	if (out->io_uring) {
		snprintf(text, sizeof(text), "io_uring_calls=%llu "
			 "io_uring_processes=%llu",
			 (unsigned long long)out->io_uring,
			 (unsigned long long)out->io_uring_procs);
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
