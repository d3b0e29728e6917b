/*
 * auditd.c - the Linux audit log importer: what each audit event means
 * (see auditd.h for what it reads and what each syscall becomes;
 * man/btrack-import.1 for the user's view).  Lines become events in the
 * record layer (audit/records.c); syscall numbers become enum bt_sys in
 * audit/syscalls.c.
 *
 * Audit logs system calls, not data: btrack's rules do not log read(2) and
 * write(2).  What a process may have read or written is inferred from the
 * descriptors it holds, kept per process in a capture/fdtable table (the
 * recorder's) built from open, dup*, fcntl(F_DUPFD*), pipe*, socketpair,
 * memfd_create, connect, accept, bind, copied at fork, trimmed at exec
 * (close-on-exec), released by close, close_range, dup2 over a descriptor
 * and exit_group.  The inference, never more than the log supports:
 *
 *  - An open is a read (O_RDONLY, O_RDWR) and a write (O_WRONLY, O_RDWR,
 *    creat) of the file at the open: with the minimal rules (exec and open
 *    only) that is all there is, one write at open time, nothing later.
 *  - When the log shows descriptor lifetimes (it has close records: then
 *    the rules are taken to log dup*, fcntl and pipes too, as btrack.rules
 *    does; exits alone would leave descriptors closed unseen in the tables
 *    and in every child's), a descriptor's holder may move data through it
 *    at any time until it lets go of it, so the release of a descriptor
 *    open for writing is a write by its holder at that moment (and a
 *    pipe's or a socket's read end a read, since data written into a
 *    channel while the reader holds it reaches it).  Reads come before writes when a
 *    process releases several at once (exit).
 *  - Before an inferred write, the process may have received on each
 *    connected socket it holds (a reverse shell writes files long before
 *    it lets go of its socket; IP, or the server's end of a unix
 *    connection joined to the one connect it can be, pend_accept());
 *    when a server receives on an accepted connection, each client
 *    holding a socket connected to it may have sent before
 *    (flush_senders); when a client receives (or lets go), each server
 *    holding the accepted end may have sent before (flush_servers: a
 *    server's close wakes the client before the close's own record is
 *    written); flush_peers() does all three.  A receive in the log is dated no
 *    earlier than the events numbered before it (aev.exit_floor: audit
 *    stamps at syscall entry, a receive that waited is stamped before
 *    the send it waited for).
 *  - A FIFO opened by its name is a channel known by its inode: its
 *    reader's reads may happen until it lets go of it (a read then,
 *    after a write by each other process holding it for writing).
 *  - Pipes and socketpairs are objects (BT_FILEF_PIPE) numbered by the
 *    importer; a memfd is an anonymous file (BT_FILEF_ANON).  When a
 *    channel is read (its reader lets go) or an anonymous file executed,
 *    every other process holding it for writing at that moment may have
 *    written first: each gets a write then.
 *  - A channel end counts in a process that was exec'd holding it
 *    (BT_FD_EXECD: the programs of a pipeline); in a process that was
 *    not, a read end only if no other process holds it when it lets go
 *    of it, a write end only if the process took in anything (a read,
 *    an exec, a receive) since the channel was made (fd stamp).
 *    The shell that made a pipeline's pipe, and each forked child before
 *    its exec, hold both ends for a moment and close them unused while
 *    the children hold them: counting those would route the pipe's data
 *    into the shell and everything it runs later.  A process that keeps
 *    a read end for itself ($(cmd), popen, a parent reading its child) is
 *    its only holder when it lets go; a forked child that writes what it
 *    read has taken something in.
 *  - A descriptor closed while the process holds the same object through
 *    another one (close(3) after dup2(3, 1)) is not let go of yet.
 *  - When the log shows a process's read(2) and write(2) themselves (a
 *    read or write family record of it was seen, as in SPADE's logs),
 *    nothing is inferred when it lets go of a descriptor: each read and
 *    write is its own observation, at its time.  (Per process; and not
 *    the write to /proc/self/loginuid a login logs whatever the rules,
 *    known by its LOGIN record.)  A
 *    socket whose send/recv calls are in the log is not inferred either
 *    (per descriptor: the full rules log sendto and friends for UDP).
 *    On a socketpair end such a call is a write or a read of its
 *    direction (chan_io(): a receive that waited is dated after the send
 *    it got).
 *  - pidfd_getfd copies a descriptor of the process a pidfd_open named
 *    (BT_FD_PIDFD): the caller reads or writes its file then, as at an
 *    open.  A descriptor passed by SCM_RIGHTS is not in the log: reads
 *    through it are gaps (the message that carried it is a read of what
 *    the sender, which opened the file, wrote).
 *  - Observations through a descriptor name its object by (dev, ino),
 *    without a path: no name is resolved by a read(2), so no lookup.
 *  - A descriptor the table does not know (inherited from before the log,
 *    made by an unlogged call) makes nothing: a read, write or mmap through
 *    it is counted as a gap (stats.gaps), never guessed.
 *  - A pseudo-terminal is not followed (the recorder and the eBPF source
 *    make it two channels, core/raw.h BT_PTY_INO): the open of /dev/ptmx
 *    is logged but not the index it got (nor TIOCGPTN, an ioctl), and the
 *    slave is mostly had through TIOCGPTPEER (glibc's openpty, script),
 *    an ioctl too, so the two ends cannot be joined; character devices
 *    are not recorded (BT_FD_OTHER).
 *
 * Synthetic objects (pipes, socketpair directions, memfds) are (dev 0,
 * ino SYNTH_BASE + n): fdtable entries of kind BT_FD_PIPE without a path
 * keep the object read through the fd in `ino` and the one written in
 * `dev` (the same for a pipe end, the two directions for a socketpair).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/hash.h"
#include "../core/util.h"
#include "audit/records.h"
#include "audit/syscalls.h"
#include "auditd.h"
#include "fdtable.h"
#include "path.h"

#define SYNTH_BASE (1ULL << 62)  /* first synthetic object number */

/* Open flags, fcntl commands and friends (x86-64, i386 and aarch64 agree
 * on these). */
#define A_O_ACCMODE  03
#define A_O_CREAT    0100
#define A_O_TRUNC    01000
#define A_O_CLOEXEC  02000000
#define A_AF_UNIX    1           /* socket(2) a0 */
#define A_SOCK_DGRAM 2           /* socket(2) a1, under A_SOCK_TYPE */
#define A_SOCK_TYPE  0xf
#define A_F_DUPFD    0
#define A_F_SETFD    2
#define A_F_DUPFD_CLOEXEC 1030
#define A_CLOSE_RANGE_CLOEXEC 4
#define A_CLONE_FILES  0x400
#define A_CLONE_THREAD 0x10000
#define A_MFD_CLOEXEC  1
#define A_S_IFMT   0170000
#define A_S_IFREG  0100000
#define A_S_IFDIR  0040000
#define A_S_IFIFO  0010000

/* A shared mapping of a file (MAP_SHARED with a descriptor): its object
 * and whether it maps it for reading, writing. */
struct smap {
	uint64_t dev, ino;
	unsigned flags;          /* the object's BT_FILEF_ANON, or 0 */
	bool read, write;
};
#define SMAPS_MAX 64             /* shared mappings kept per process */

/* One live process as the importer knows it. */
struct proc {
	uint32_t pid, ppid;
	uint64_t seen_ms;        /* millisecond first seen (fork or actor) */
	uint64_t start;          /* forced start for ingest, 0 = none */
	struct bt_fdtable *fds;  /* owned reference; NULL: nothing known */
	bool iolog;              /* the log shows its read(2)/write(2) */
	uint64_t last_input;     /* time of its latest read, exec, recv... */
	uint32_t root;           /* its chroot: index + 1 into roots, 0 = /,
				  * ROOT_UNKNOWN: its paths mean nothing */
	uint32_t ocwd;           /* the cwd it had outside its root, as
				  * logged (index + 1 into roots), 0 none */
	bool exe_in;             /* its exe was run inside its root */
	struct smap *maps;       /* its shared file mappings (owned) */
	size_t nmaps, maps_cap;
};

#define ROOT_UNKNOWN UINT32_MAX
#define ROOTS_MAX 1024           /* distinct chroot directories kept */

struct bt_auditd {
	struct bt_obs_sink sink;
	struct bt_arec *rec;
	struct bt_auditd_stats st;
	/* live processes: pid -> index + 1 into procs; freed slots are
	 * reused (pfree), so the pool is as big as the most processes
	 * alive at once (plus those whose exit the log does not show). */
	struct bt_u64map pmap;
	struct proc *procs;
	size_t nprocs, procs_cap;
	uint32_t *pfree;
	size_t npfree, pfree_cap;
	bool fdlife;             /* the log shows descriptor lifetimes */
	uint64_t next_obj;       /* next synthetic object */
	char path[8192];         /* scratch for joined paths */
	char path2[8192];
	char addr[256];          /* scratch for socket addresses */
	char local[320];         /* scratch for a connect's own address */
	uint64_t next_conn;      /* numbers a connect's half-known local */
	/* Connects to loopback addresses not yet taken by an accept on a
	 * listener bound to that address (accept(fd, NULL, NULL): see
	 * peer_of_null_accept()).  A fixed ring: the oldest falls out. */
	struct pending {
		char addr[120];      /* "" = free slot (an IP address and
		                        port, or a unix socket's name) */
		char local[96];      /* the client's local (conn_local()) */
		bool uncertain;      /* an accept may have taken another */
		bool dgram;          /* a datagram sent (sendto), no connect:
		                        only for learn_port(), never accepted */
		uint64_t time;       /* of the connect or send (ns) */
	} pend[64];
	unsigned pend_next;
	/* Accepts without a peer that no logged connect was waiting for
	 * (pend_accept() found none): the connect may be written after the
	 * accept it woke (connect_joins_accept()).  A fixed ring. */
	struct pacc {
		char addr[120];      /* the listener's address; "" = free */
		uint32_t pid;        /* the server and its new descriptor */
		int fd;
		uint64_t time;       /* the accept's return (its floor) */
		bool port0;          /* an accept with its peer's address on a
		                        listener bound to port 0 whose port
		                        was not known yet (addr "ADDR:0"):
		                        connect_names_accept() */
	} pacc[16];
	unsigned pacc_next;
	/* Unix socket names known to be datagram sockets' (a datagram was
	 * sent to or received at one: dgram_name_put()): a connect to one
	 * of them sets where the socket's datagrams go, it is no
	 * connection a server accepts (syslog(3) and /dev/log).  A fixed
	 * ring, "" = free. */
	char dgnames[16][112];
	unsigned dgnames_next;
	/* Receives just logged (lrecv_put()): one that a send stamped in
	 * the same millisecond may have fed is taken again after that send
	 * (rerecv()).  A fixed ring, pid 0 = free. */
	struct lrecv {
		uint32_t pid;
		uint64_t start, time;
		char remote[120], local[96];
	} lrecv[16];
	unsigned lrecv_next;
	/* System V shared memory segments attached (shmat): the segment's
	 * id and the anonymous object (SYNTH_BASE + n) that stands for it.
	 * A fixed ring: a segment attached again after 64 others is a new
	 * object. */
	struct { uint64_t id, obj; } shm[64];
	unsigned shm_next;
	const char *argv[AUD_MAX_ARGS];
	/* Directories processes chrooted into (absolute, never "/"), each
	 * once: a chrooted process's names (and cwd, and exe) are relative
	 * to its root, as audit logs them. */
	char **roots;
	size_t nroots, roots_cap;
	char rootpath[8192];     /* scratch: a name inside a root */
	char exepath[8192];      /* scratch: an exe inside a root */
	/* Processes lately ended (exit_group), so that a fork record written
	 * after its child's exit (a vfork's parent runs on only once the
	 * child has exec'd or ended) does not make that child again, a ghost
	 * holding a copy of the parent's descriptors (a pipe's write end, so
	 * a writer of everything read from it) to the end of the log.  A
	 * fixed ring: the oldest falls out. */
	struct gone {
		uint32_t pid, ppid;
		uint64_t seen_ms;
	} gone[64];
	unsigned gone_next;
	/* Receives on socketpair ends that waited for their data (stamped
	 * before the send they got, which comes later in time order): held
	 * until the send on their direction shows, or their process's next
	 * event, which audit stamped after the receive returned (chan_io()). */
	struct pendr {
		uint32_t pid;
		uint64_t start, dev, obj, time, bytes;
		unsigned kind;  /* PENDR_* */
	} pendr[16];
	unsigned npendr;
};

static struct proc *proc_get(struct bt_auditd *a, uint32_t pid);

/* What a held receive reads (struct pendr): a channel (a pipe, a
 * socketpair direction), a POSIX message queue's file, a System V
 * message queue. */
enum { PENDR_PAIR, PENDR_MQ, PENDR_MSG };
static int pendr_hold(struct bt_auditd *a, const struct aev *e,
		      uint64_t dev, uint64_t obj, unsigned kind);
static int pendr_sent(struct bt_auditd *a, uint64_t dev, uint64_t obj,
		      uint64_t time);

static int add(struct bt_auditd *a, const struct bt_obs *o)
{
	int r = a->sink.add(a->sink.arg, o);

	if (!r && (o->op == BT_RAW_READ || o->op == BT_RAW_EXEC ||
		   o->op == BT_RAW_RECV || o->op == BT_RAW_ACCEPT ||
		   o->op == BT_RAW_CONNECT || o->op == BT_RAW_MMAP ||
		   o->op == BT_RAW_MEM_READ || o->op == BT_RAW_MEM_WRITE)) {
		/* a MEM_WRITE is an input of its target */
		struct proc *p = proc_get(a, o->op == BT_RAW_MEM_WRITE ?
					  o->peer : o->pid);

		if (p && o->time > p->last_input)
			p->last_input = o->time;
	}

	if (r == BT_EINVAL)
		return 0;  /* not meaningful: skip, the ingest said why */
	if (!r)
		a->st.used++;
	return r;
}

/* ---- processes ------------------------------------------------------------ */

static struct proc *proc_get(struct bt_auditd *a, uint32_t pid)
{
	uint32_t v = bt_u64map_get(&a->pmap, pid);

	return v ? &a->procs[v - 1] : NULL;
}

/* A fresh entry for pid (replacing a stale one), with no fd table. */
static int proc_new(struct bt_auditd *a, uint32_t pid, uint32_t ppid,
		    uint64_t ms, struct proc **out)
{
	uint32_t v = bt_u64map_get(&a->pmap, pid);
	struct proc *p;
	int r;

	if (!v) {
		bool popped = a->npfree > 0;

		if (popped) {
			v = a->pfree[--a->npfree] + 1;
		} else {
			if (a->nprocs + 1 > a->procs_cap &&
			    bt_grow(&a->procs, &a->procs_cap, a->nprocs + 1,
				    sizeof(*a->procs)))
				return BT_ENOMEM;
			v = (uint32_t)++a->nprocs;
			a->procs[v - 1].fds = NULL;
			a->procs[v - 1].maps = NULL;
			a->procs[v - 1].pid = 0;
		}
		if ((r = bt_u64map_put(&a->pmap, pid, v))) {
			if (popped)
				a->npfree++;  /* still there */
			else
				a->nprocs--;
			return r;
		}
	}
	p = &a->procs[v - 1];
	bt_fdtable_unref(p->fds);
	free(p->maps);
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->ppid = ppid;
	p->seen_ms = ms;
	*out = p;
	return 0;
}

static void proc_del(struct bt_auditd *a, uint32_t pid)
{
	uint32_t v = bt_u64map_get(&a->pmap, pid);

	if (!v)
		return;
	bt_fdtable_unref(a->procs[v - 1].fds);
	a->procs[v - 1].fds = NULL;
	free(a->procs[v - 1].maps);
	a->procs[v - 1].maps = NULL;
	a->procs[v - 1].nmaps = a->procs[v - 1].maps_cap = 0;
	a->procs[v - 1].pid = 0;
	bt_u64map_put(&a->pmap, pid, 0);
	/* pfree never needs more room than nprocs. */
	if (a->npfree + 1 > a->pfree_cap &&
	    bt_grow(&a->pfree, &a->pfree_cap, a->nprocs, sizeof(*a->pfree)))
		return;  /* the slot is lost, not the import */
	a->pfree[a->npfree++] = v - 1;
}

/* The process's fd table, made empty if it has none.  NULL on ENOMEM. */
static struct bt_fdtable *proc_fds(struct proc *p)
{
	if (!p->fds && bt_fdtable_new(&p->fds))
		return NULL;
	return p->fds;
}

/* ---- observations ----------------------------------------------------------- */

/*
 * Path `path` (absolute, as process p sees it) as seen from the real root,
 * into out; NULL if p's root is unknown or the result does not fit.
 * (audit logs names, the cwd and the exe relative to the process's root:
 * a chrooted process's "/o" is ROOT/o.)
 */
static const char *root_path(struct bt_auditd *a, const struct proc *p,
			     const char *path, char *out, size_t cap)
{
	if (!p || !p->root)
		return path;
	if (p->root == ROOT_UNKNOWN || p->root > a->nroots ||
	    path[0] != '/') {
		a->st.gaps++;
		return NULL;
	}
	return bt_path_join(out, cap, a->roots[p->root - 1], path + 1) ?
	       NULL : out;
}

static void obs_base(struct bt_obs *o, const struct bt_auditd *a,
		     const struct aev *e)
{
	const struct proc *p = proc_get((struct bt_auditd *)a, e->pid);

	bt_obs_init(o);
	o->time = e->time;
	o->pid = e->pid;
	o->start = p ? p->start : 0;
	o->ppid = e->ppid;
	o->uid = e->uid;
	o->euid = e->euid;
	o->gid = e->gid;
	o->egid = e->egid;
	o->comm = aev_str(e, e->comm);
	o->exe = aev_str(e, e->exe);
	if (p && p->root && p->exe_in && o->exe)
		o->exe = root_path((struct bt_auditd *)a, p, o->exe,
				   ((struct bt_auditd *)a)->exepath,
				   sizeof(a->exepath));
}

static void obs_item(struct bt_obs *o, const struct aev *e, int i)
{
	if (i >= 0 && e->items[i].has_ino) {
		o->has_ino = true;
		o->dev = e->items[i].dev;
		o->ino = e->items[i].ino;
	}
}

static bool fd_is_channel(const struct bt_fd *f)
{
	return f->kind == BT_FD_PIPE && !f->path && f->ino >= SYNTH_BASE;
}

/* A FIFO opened by its name: a channel known by its inode.  Data written
 * into it while a reader holds it reaches that reader, so its reads, like
 * a pipe's, may happen until the reader lets go of it. */
static bool fd_is_fifo(const struct bt_fd *f)
{
	return f->kind == BT_FD_PIPE && !fd_is_channel(f);
}

static bool fd_is_anon(const struct bt_fd *f)
{
	return f->kind == BT_FD_FILE && !f->path && f->ino >= SYNTH_BASE;
}

/* Point o at the object fd f refers to, for a read (or, with `write`, a
 * write) through it.  False if f names nothing btrack records. */
static bool obs_fd(struct bt_obs *o, const struct bt_fd *f, bool write)
{
	o->via_fd = true;
	if (fd_is_channel(f)) {
		o->has_ino = true;
		o->dev = 0;
		o->ino = write ? f->dev : f->ino;
		o->file_flags = BT_FILEF_PIPE;
		return true;
	}
	if (fd_is_anon(f)) {
		o->has_ino = true;
		o->dev = 0;
		o->ino = f->ino;
		o->file_flags = BT_FILEF_ANON;
		return true;
	}
	if ((f->kind == BT_FD_FILE || f->kind == BT_FD_PIPE) &&
	    (f->path || f->ino)) {
		/* By inode when known: no name is looked up through an fd. */
		if (f->ino) {
			o->has_ino = true;
			o->dev = f->dev;
			o->ino = f->ino;
		} else {
			o->path = f->path;
		}
		return true;
	}
	return false;
}

/* Does a live process other than `pid` hold channel `f`'s same end (the
 * object it reads, or the one it writes)? */
static bool other_holder(struct bt_auditd *a, uint32_t pid,
			 const struct bt_fd *f, bool write)
{
	uint64_t id = write ? f->dev : f->ino;
	unsigned want = write ? BT_FD_WRITE : BT_FD_READ;
	size_t i;
	int fd;

	for (i = 0; i < a->nprocs; i++) {
		struct proc *p = &a->procs[i];

		if (!p->pid || p->pid == pid || !p->fds)
			continue;
		for (fd = bt_fdtable_next(p->fds, 0); fd >= 0;
		     fd = bt_fdtable_next(p->fds, fd + 1)) {
			const struct bt_fd *g = bt_fdtable_get(p->fds, fd);

			if (fd_is_channel(g) && (g->access & want) &&
			    (write ? g->dev : g->ino) == id)
				return true;
		}
	}
	return false;
}

/* Does channel end f count in process pid (see the top of this file)? */
static bool channel_counts(struct bt_auditd *a, uint32_t pid,
			   const struct bt_fd *f, bool write)
{
	struct proc *p;

	if (f->access & BT_FD_EXECD)
		return true;
	if (!write)
		return !other_holder(a, pid, f, false);
	p = proc_get(a, pid);
	return p && p->last_input > f->stamp;
}

/* Does process p's descriptor f match what a flush looks for? */
typedef bool (*holder_fn)(struct bt_auditd *a, const struct proc *p,
			  const struct bt_fd *f, const void *arg);

/*
 * Every live process other than `except` (and not one whose own I/O is in
 * the log) holding a descriptor that `match` accepts may have moved data
 * through it before now: one `op` event by each, through the first such
 * descriptor.
 */
static int flush_holders(struct bt_auditd *a, uint64_t time, uint32_t except,
			 unsigned op, holder_fn match, const void *arg)
{
	struct bt_obs o;
	size_t i;
	int fd, r;

	for (i = 0; i < a->nprocs; i++) {
		struct proc *p = &a->procs[i];

		if (!p->pid || p->pid == except || !p->fds || p->iolog)
			continue;  /* (its I/O is in the log) */
		for (fd = bt_fdtable_next(p->fds, 0); fd >= 0;
		     fd = bt_fdtable_next(p->fds, fd + 1)) {
			const struct bt_fd *f = bt_fdtable_get(p->fds, fd);

			if (!match(a, p, f, arg))
				continue;
			bt_obs_init(&o);
			o.time = time;
			o.pid = p->pid;
			o.start = p->start;
			o.op = op;
			if (op == BT_RAW_SEND) {
				o.remote = f->remote;
				o.local = f->local;
			} else
				obs_fd(&o, f, true);
			if ((r = add(a, &o)))
				return r;
			break;  /* one event per process is enough */
		}
	}
	return 0;
}

/* A write end of synthetic object *(uint64_t *)arg that counts. */
static bool holds_for_writing(struct bt_auditd *a, const struct proc *p,
			      const struct bt_fd *f, const void *arg)
{
	uint64_t id = *(const uint64_t *)arg;

	return (f->access & BT_FD_WRITE) && !(f->access & BT_FD_IOLOG) &&
	       (fd_is_channel(f) || fd_is_anon(f)) &&
	       (!fd_is_channel(f) || channel_counts(a, p->pid, f, true)) &&
	       (fd_is_channel(f) ? f->dev : f->ino) == id;
}

/* Every live process other than `except` holding synthetic object `id`
 * open for writing may have written it before now: a write by each. */
static int flush_writers(struct bt_auditd *a, uint64_t id, uint64_t time,
			 uint32_t except)
{
	return flush_holders(a, time, except, BT_RAW_WRITE, holds_for_writing,
			     &id);
}

/* The same FIFO as *(const struct bt_fd *)arg, held for writing. */
static bool holds_fifo_for_writing(struct bt_auditd *a, const struct proc *p,
				   const struct bt_fd *f, const void *arg)
{
	const struct bt_fd *r = arg;

	(void)a;
	(void)p;
	return (f->access & BT_FD_WRITE) && fd_is_fifo(f) &&
	       f->dev == r->dev && f->ino == r->ino &&
	       (f->ino || (f->path && r->path && !strcmp(f->path, r->path)));
}

/* Before a read of FIFO r by `except` now: every other live process
 * holding it for writing may have written first. */
static int flush_fifo_writers(struct bt_auditd *a, const struct bt_fd *r,
			      uint64_t time, uint32_t except)
{
	return flush_holders(a, time, except, BT_RAW_WRITE,
			     holds_fifo_for_writing, r);
}

/* What a flush of senders looks for: sockets connected to `server`, and,
 * with `peer`, whose own local address may be `peer`. */
struct sender_want {
	const char *server;  /* the address the clients connected to */
	const char *peer;    /* the server's view of its client, or NULL */
};

static bool ip_addr(const char *s);

/* A unix socket's name ("unix:/run/x.sock", "unix:@abstract"): the
 * address every client of a local service connects to. */
static bool unix_named(const char *s)
{
	return s && !strncmp(s, "unix:", 5) && s[5] &&
	       strcmp(s + 5, "unnamed");
}

/* Names every Linux system gives datagram sockets (syslog(3)'s /dev/log,
 * systemd's journal and notify sockets): known as such before any
 * datagram to them is logged. */
static const char *const well_known_dgram[] = {
	"unix:/dev/log", "unix:/run/systemd/journal/dev-log",
	"unix:/run/systemd/journal/socket", "unix:/run/systemd/notify",
};

/* Is unix socket name `name` a datagram socket's? */
static bool dgram_name(const struct bt_auditd *a, const char *name)
{
	size_t k;

	for (k = 0; k < BT_ARRAY_SIZE(well_known_dgram); k++)
		if (!strcmp(name, well_known_dgram[k]))
			return true;
	for (k = 0; k < BT_ARRAY_SIZE(a->dgnames); k++)
		if (a->dgnames[k][0] && !strcmp(a->dgnames[k], name))
			return true;
	return false;
}

/* Unix socket name `name` is a datagram socket's (a datagram was sent to
 * it or received at it). */
static void dgram_name_put(struct bt_auditd *a, const char *name)
{
	if (!unix_named(name) || strlen(name) >= sizeof(a->dgnames[0]) ||
	    dgram_name(a, name))
		return;
	snprintf(a->dgnames[a->dgnames_next++ % BT_ARRAY_SIZE(a->dgnames)],
		 sizeof(a->dgnames[0]), "%s", name);
}

/* Is a client's remote `to` the server's local `server`?  The same
 * address, or a wildcard listener's port reached through loopback. */
static bool same_service(const char *to, const char *server)
{
	const char *pc, *ps;

	if (!strcmp(to, server))
		return true;
	if (strncmp(server, "0.0.0.0:", 8) && strncmp(server, "[::]:", 5))
		return false;
	if (strncmp(to, "127.", 4) && strncmp(to, "[::1]:", 6))
		return false;
	pc = strrchr(to, ':');
	ps = strrchr(server, ':');
	return pc && ps && !strcmp(pc, ps);
}

/* A socket connected to the address wanted, not logged or joined itself;
 * with a peer wanted, only one whose local may be that peer: that same
 * address, or half-known (the ephemeral port a connect got is not
 * logged: conn_local()). */
static bool holds_connected(struct bt_auditd *a, const struct proc *p,
			    const struct bt_fd *f, const void *arg)
{
	const struct sender_want *w = arg;

	(void)a;
	(void)p;
	if (f->kind != BT_FD_SOCKET || !f->remote ||
	    (f->access & (BT_FD_IOLOG | BT_FD_JOINED)) ||
	    !same_service(f->remote, w->server))
		return false;
	/* a unix connection's client end is known exactly (conn_local()) */
	if (unix_named(w->server))
		return !w->peer || (f->local && !strcmp(f->local, w->peer));
	return !w->peer || !f->local || f->local[0] == '?' ||
	       strchr(f->local, '#') || !strcmp(f->local, w->peer);
}

/*
 * Server `except` receives now on a connection to its address `server`
 * from `peer` (NULL: a joined connection, BT_FD_JOINED, whose peer is the
 * one connect pending): each live client holding a socket connected to
 * that address (from that peer, when it may be) may have sent before now
 * (its own send is otherwise inferred only when it lets go, possibly
 * after the server received: a download run, then sending what it read
 * to a listener, would lose it): a send by each.  The send is on the
 * client's own endpoint, which joins the server's only where the pairing
 * is unambiguous (graph/channel.h).
 */
static int flush_senders(struct bt_auditd *a, const char *server,
			 const char *peer, uint64_t time, uint32_t except)
{
	struct sender_want w = { server, peer };

	return flush_holders(a, time, except, BT_RAW_SEND, holds_connected,
			     &w);
}

/* The connection of accepted socket f (its local is the listener's IP
 * address, its remote the client's): its clients' sends before now. */
static int flush_accepted_senders(struct bt_auditd *a, const struct bt_fd *f,
				  uint64_t time, uint32_t except)
{
	if (!f || f->kind != BT_FD_SOCKET || !f->remote || !f->local ||
	    (f->access & BT_FD_JOINED) || !ip_addr(f->local) ||
	    !ip_addr(f->remote) || strchr(f->local, '#') ||
	    f->local[0] == '?')
		return 0;
	return flush_senders(a, f->local, f->remote, time, except);
}

/* A connection a server accepted at address `server` (the address its
 * client connected to), not logged itself: from client `peer` (the
 * client's own address: a joined connection's is its half-known local
 * as conn_local() gave it; any other's only when fully known, else from
 * any client). */
static bool holds_accepted(struct bt_auditd *a, const struct proc *p,
			   const struct bt_fd *f, const void *arg)
{
	const struct sender_want *w = arg;

	(void)a;
	(void)p;
	if (f->kind != BT_FD_SOCKET || !f->remote || !f->local ||
	    (f->access & BT_FD_IOLOG))
		return false;
	if (f->access & BT_FD_JOINED)
		return w->peer && !strcmp(f->remote, w->server) &&
		       !strcmp(f->local, w->peer);
	return ip_addr(f->local) && !strchr(f->local, '#') &&
	       same_service(w->server, f->local) &&
	       (!w->peer || !ip_addr(w->peer) || strchr(w->peer, '#') ||
		!ip_addr(f->remote) || !strcmp(f->remote, w->peer));
}

/*
 * Client `except` receives now on its connection f to a server (the
 * mirror of flush_accepted_senders()): each live server process holding
 * the accepted end may have sent before now (its sends are otherwise
 * inferred only when it lets go, and the client may have written what it
 * got long before: a server's close wakes the client's read before the
 * close's own record is written), a send by each.  Not for a socket
 * some server accepted itself (its local is the address a client
 * connected to).
 */
static int flush_servers(struct bt_auditd *a, const struct bt_fd *f,
			 uint64_t time, uint32_t except)
{
	struct sender_want w;

	if (!f || f->kind != BT_FD_SOCKET || !f->remote ||
	    (f->access & BT_FD_JOINED) || !ip_addr(f->remote))
		return 0;
	w.server = f->remote;
	w.peer = f->local;
	return flush_holders(a, time, except, BT_RAW_SEND, holds_accepted,
			     &w);
}

/*
 * Process `except` receives now on connected socket f, or lets go of it:
 * whoever holds its other end may have sent before now (their sends are
 * inferred, when they let go): the client of a joined connection (of a
 * unix one, exactly the one that connect gave f->local), the clients of
 * an accepted one, the server of a client's.
 */
static int flush_peers(struct bt_auditd *a, const struct bt_fd *f,
		       uint64_t time, uint32_t except)
{
	int r;

	if ((f->access & BT_FD_JOINED) &&
	    (r = flush_senders(a, f->remote,
			       unix_named(f->remote) ? f->local : NULL,
			       time, except)))
		return r;
	if ((r = flush_accepted_senders(a, f, time, except)))
		return r;
	return flush_servers(a, f, time, except);
}

/* Do g and f refer to the same thing, the same way? */
static bool same_fd(const struct bt_fd *g, const struct bt_fd *f)
{
	return g->kind == f->kind &&
	       (g->access & (BT_FD_READ | BT_FD_WRITE)) ==
	       (f->access & (BT_FD_READ | BT_FD_WRITE)) &&
	       g->dev == f->dev && g->ino == f->ino &&
	       (g->path == NULL) == (f->path == NULL) &&
	       (!g->path || !strcmp(g->path, f->path)) &&
	       (g->remote == NULL) == (f->remote == NULL) &&
	       (!g->remote || !strcmp(g->remote, f->remote));
}

/* Does an fd below `fd` in t refer to the same object as f (so releasing
 * both at once would say the same thing twice)? */
static bool same_before(const struct bt_fdtable *t, int fd,
			const struct bt_fd *f)
{
	int k;

	for (k = bt_fdtable_next(t, 0); k >= 0 && k < fd;
	     k = bt_fdtable_next(t, k + 1))
		if (same_fd(bt_fdtable_get(t, k), f))
			return true;
	return false;
}

/*
 * Before process e->pid's inferred write into `out`: each channel it holds
 * for reading may have delivered data by now (a reader that writes a file
 * and closes it before its pipe), so a read of each, after the writes of
 * their other holders.
 */
static int pull_channels(struct bt_auditd *a, const struct aev *e,
			 const struct bt_fdtable *t, const struct bt_fd *out)
{
	struct bt_obs o;
	int fd, r;

	for (fd = bt_fdtable_next(t, 0); fd >= 0;
	     fd = bt_fdtable_next(t, fd + 1)) {
		const struct bt_fd *f = bt_fdtable_get(t, fd);

		if (f == out || !(f->access & BT_FD_READ) ||
		    same_before(t, fd, f))
			continue;
		if (f->kind == BT_FD_SOCKET) {
			/* A connected socket's data may have arrived by now
			 * too (a reverse shell: bash < /dev/tcp/... runs what
			 * the attacker sends and writes files long before it
			 * lets go of the socket): a receive.  IP, or the
			 * server's end of a joined unix connection (a
			 * service reading requests on its socket); not a
			 * unix client's end: a service's stdout connected to
			 * journald would make journald a cause of each file
			 * it writes. */
			bool ujoin = unix_named(f->remote) &&
				     (f->access & BT_FD_JOINED);

			if ((!ip_addr(f->remote) && !ujoin) ||
			    (f->access & BT_FD_IOLOG) ||
			    (out->kind == BT_FD_SOCKET && out->remote &&
			     !strcmp(out->remote, f->remote)))
				continue;
			if ((r = flush_peers(a, f, e->time, e->pid)))
				return r;
			obs_base(&o, a, e);
			o.op = BT_RAW_RECV;
			o.remote = f->remote;
			o.local = f->local;
			if ((r = add(a, &o)))
				return r;
			continue;
		}
		if (fd_is_fifo(f)) {
			if (same_fd(out, f) || (fd_is_fifo(out) &&
						out->dev == f->dev &&
						out->ino == f->ino))
				continue;
			if ((r = flush_fifo_writers(a, f, e->time, e->pid)))
				return r;
		} else {
			if (!fd_is_channel(f) || (f->access & BT_FD_IOLOG) ||
			    (fd_is_channel(out) && out->dev == f->ino) ||
			    !channel_counts(a, e->pid, f, false))
				continue;
			if ((r = flush_writers(a, f->ino, e->time, e->pid)))
				return r;
		}
		obs_base(&o, a, e);
		o.op = BT_RAW_READ;
		obs_fd(&o, f, false);
		if ((r = add(a, &o)))
			return r;
	}
	return 0;
}

/* ---- shared mappings ---------------------------------------------------- */

/*
 * A process reads and writes a file it maps shared (a shared memory
 * segment in /dev/shm, a memfd, SQLite's -shm) by touching memory, which
 * audit does not log, at any time until it unmaps it (munmap is not
 * logged: until it execs or exits).  So a mapping is held like a
 * descriptor of a channel: before a write the process is inferred to
 * make, it may have read each file it maps for reading, after every other
 * process that maps it for writing may have written it; when it execs or
 * exits, it may have written each file it maps for writing.
 */
static void obs_map(struct bt_obs *o, const struct smap *m)
{
	o->via_fd = true;
	o->has_ino = true;
	o->dev = m->dev;
	o->ino = m->ino;
	o->file_flags = m->flags;
}

/* Remember that p maps object o shared (read, write). */
static int map_add(struct bt_auditd *a, struct proc *p, const struct bt_obs *o,
		   bool read, bool write)
{
	size_t k;

	if (!o->has_ino)
		return 0;
	for (k = 0; k < p->nmaps; k++) {
		struct smap *m = &p->maps[k];

		if (m->dev == o->dev && m->ino == o->ino) {
			m->read |= read;
			m->write |= write;
			return 0;
		}
	}
	if (p->nmaps >= SMAPS_MAX) {
		a->st.gaps++;  /* not followed: counted */
		return 0;
	}
	if (p->nmaps + 1 > p->maps_cap &&
	    bt_grow(&p->maps, &p->maps_cap, p->nmaps + 1, sizeof(*p->maps)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	p->maps[p->nmaps++] = (struct smap){ .dev = o->dev, .ino = o->ino,
		.flags = o->file_flags & BT_FILEF_ANON, .read = read,
		.write = write };
	return 0;
}

/* A child gets copies of its parent's shared mappings. */
static int maps_copy(struct proc *child, const struct proc *parent)
{
	child->nmaps = 0;
	if (!parent->nmaps)
		return 0;
	if (parent->nmaps > child->maps_cap &&
	    bt_grow(&child->maps, &child->maps_cap, parent->nmaps,
		    sizeof(*child->maps)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	memcpy(child->maps, parent->maps, parent->nmaps * sizeof(*parent->maps));
	child->nmaps = parent->nmaps;
	return 0;
}

/* Every live process other than `except` mapping m's object for writing
 * may have written it before now (no call shows what a process stores in
 * memory, whatever the rules log): a write by each. */
static int flush_map_writers(struct bt_auditd *a, const struct smap *m,
			     uint64_t time, uint32_t except)
{
	struct bt_obs o;
	size_t i, k;
	int r;

	for (i = 0; i < a->nprocs; i++) {
		struct proc *p = &a->procs[i];

		if (!p->pid || p->pid == except)
			continue;
		for (k = 0; k < p->nmaps; k++) {
			if (!p->maps[k].write || p->maps[k].dev != m->dev ||
			    p->maps[k].ino != m->ino)
				continue;
			bt_obs_init(&o);
			o.time = time;
			o.pid = p->pid;
			o.start = p->start;
			o.op = BT_RAW_WRITE;
			obs_map(&o, m);
			if ((r = add(a, &o)))
				return r;
			break;
		}
	}
	return 0;
}

/* Before process e->pid's inferred write into object (dev, ino) now: it
 * may have read each file it maps for reading (but that one). */
static int pull_maps(struct bt_auditd *a, const struct aev *e,
		     struct proc *pr, uint64_t dev, uint64_t ino)
{
	struct bt_obs o;
	size_t k;
	int r;

	if (!a->fdlife || !pr)
		return 0;
	for (k = 0; k < pr->nmaps; k++) {
		const struct smap *m = &pr->maps[k];

		if (!m->read || (m->dev == dev && m->ino == ino))
			continue;
		if ((r = flush_map_writers(a, m, e->time, e->pid)))
			return r;
		obs_base(&o, a, e);
		o.op = BT_RAW_READ;
		obs_map(&o, m);
		if ((r = add(a, &o)))
			return r;
	}
	return 0;
}

/* Process e->pid unmaps everything now (exec, exit): what it read through
 * its mappings may be in what it wrote through them. */
static int release_maps(struct bt_auditd *a, const struct aev *e,
			struct proc *pr)
{
	struct bt_obs o;
	size_t k;
	int r;

	if (!pr || !pr->nmaps)
		return 0;
	for (k = 0; k < pr->nmaps && !pr->maps[k].write; k++)
		;
	/* (what it read matters only for what it wrote: none, nothing) */
	if (a->fdlife && k < pr->nmaps) {
		if ((r = pull_maps(a, e, pr, 0, 0)))
			return r;
		for (k = 0; k < pr->nmaps; k++) {
			if (!pr->maps[k].write)
				continue;
			obs_base(&o, a, e);
			o.op = BT_RAW_WRITE;
			obs_map(&o, &pr->maps[k]);
			if ((r = add(a, &o)))
				return r;
		}
	}
	pr->nmaps = 0;
	return 0;
}

/*
 * Process e->pid lets go of fd f now (close, dup2 over it, exec, exit):
 * whatever it read so far may have gone into it.  `pass` 0 gives the reads
 * (a channel's or socket's read end), 1 the writes; nothing unless the log
 * shows descriptor lifetimes.
 */
static int release_fd(struct bt_auditd *a, const struct aev *e,
		      const struct bt_fd *f, int pass)
{
	struct proc *pr = proc_get(a, e->pid);
	struct bt_obs o;
	int r;

	if (!a->fdlife || (pr && pr->iolog) || (f->access & BT_FD_IOLOG))
		return 0;
	obs_base(&o, a, e);
	if (f->kind == BT_FD_SOCKET) {
		if (!f->remote)
			return 0;
		if (!pass && (r = flush_peers(a, f, e->time, e->pid)))
			return r;
		if (pass && !(f->access & BT_FD_WRITE))
			return 0;  /* sent its last before (do_shutdown()) */
		o.remote = f->remote;
		o.local = f->local;
		o.op = pass ? BT_RAW_SEND : BT_RAW_RECV;
		return add(a, &o);
	}
	/* A channel end held by a process that was not exec'd with it counts
	 * only if no other process holds that end: see the top of this
	 * file. */
	if (pass == 0 && fd_is_fifo(f)) {
		if (!(f->access & BT_FD_READ))
			return 0;
		if ((r = flush_fifo_writers(a, f, e->time, e->pid)))
			return r;
		o.op = BT_RAW_READ;
		return obs_fd(&o, f, false) ? add(a, &o) : 0;
	}
	if (pass == 0) {
		if (!(f->access & BT_FD_READ) || !fd_is_channel(f) ||
		    !channel_counts(a, e->pid, f, false))
			return 0;
		if ((r = flush_writers(a, f->ino, e->time, e->pid)))
			return r;
		o.op = BT_RAW_READ;
		return obs_fd(&o, f, false) ? add(a, &o) : 0;
	}
	if (!(f->access & BT_FD_WRITE))
		return 0;
	/* Whatever the process's pipes delivered so far, and whatever it
	 * read from its shared mappings, may be in it. */
	if (pr && pr->fds && (r = pull_channels(a, e, pr->fds, f)))
		return r;
	if (pr && pr->nmaps && (r = pull_maps(a, e, pr, f->dev, f->ino)))
		return r;
	if (fd_is_channel(f) && !channel_counts(a, e->pid, f, true))
		return 0;
	obs_base(&o, a, e);
	o.op = BT_RAW_WRITE;
	return obs_fd(&o, f, true) ? add(a, &o) : 0;
}

/* Release the fds of t in [first, last] (only the close-on-exec ones with
 * `cloexec_only`), reads first, and forget them. */
static int release_range(struct bt_auditd *a, const struct aev *e,
			 struct bt_fdtable *t, unsigned first, unsigned last,
			 bool cloexec_only)
{
	int pass, fd, r;

	if (!t)
		return 0;
	for (pass = 0; pass < 2; pass++) {
		for (fd = bt_fdtable_next(t, (int)first);
		     fd >= 0 && (unsigned)fd <= last;
		     fd = bt_fdtable_next(t, fd + 1)) {
			const struct bt_fd *f = bt_fdtable_get(t, fd);

			if ((cloexec_only && !f->cloexec) ||
			    same_before(t, fd, f))
				continue;
			if ((r = release_fd(a, e, f, pass)))
				return r;
		}
	}
	if (cloexec_only)
		bt_fdtable_exec(t);
	else
		bt_fdtable_close_range(t, first, last);
	return 0;
}

/* close(fd) and what dup2 does to its newfd. */
static int release_one(struct bt_auditd *a, const struct aev *e,
		       struct bt_fdtable *t, int64_t fd)
{
	const struct bt_fd *f;
	int k;

	if (!t || fd < 0 || fd >= BT_FDTABLE_MAX)
		return 0;
	f = bt_fdtable_get(t, (int)fd);
	if (!f)
		return 0;
	/* Still held through another fd (close(3) after dup2(3, 1)): the
	 * process has not let go of it yet. */
	for (k = bt_fdtable_next(t, 0); k >= 0; k = bt_fdtable_next(t, k + 1))
		if (k != fd && same_fd(bt_fdtable_get(t, k), f))
			break;
	if (k >= 0) {
		bt_fdtable_close(t, (int)fd);
		return 0;
	}
	return release_range(a, e, t, (unsigned)fd, (unsigned)fd, false);
}

static int fd_ok(int64_t fd)
{
	return fd >= 0 && fd < BT_FDTABLE_MAX;
}

/* ---- paths ----------------------------------------------------------------- */

/* The path of PATH item i, made absolute against dirfd's path or cwd. */
static const char *item_path(struct bt_auditd *a, const struct aev *e,
			     int i, int64_t dirfd, char *out, size_t cap)
{
	const char *name = aev_str(e, e->items[i].name), *base;
	struct proc *p = proc_get(a, e->pid);

	if (!name || !*name) {
		if (e->items[i].bad_name)
			a->st.bad_name_skipped++;
		return NULL;
	}
	base = aev_str(e, e->cwd);
	if (name[0] != '/' && dirfd >= 0) {
		const struct bt_fd *d = p && p->fds ?
					bt_fdtable_get(p->fds, (int)dirfd) :
					NULL;

		if (d && d->path && d->path[0] == '/') {
			/* (a descriptor's path is already seen from the
			 * real root) */
			return bt_path_join(out, cap, d->path, name) ? NULL :
			       out;
		}
		a->st.gaps++;  /* unknown directory: no guess */
		return NULL;
	}
	if (p && p->root && (name[0] == '/' || !p->ocwd || !base ||
			     p->ocwd > a->nroots ||
			     strcmp(base, a->roots[p->ocwd - 1]))) {
		/* a name inside the root (a relative one from a cwd inside
		 * it: the cwd it kept outside the root, from before the
		 * chroot, is logged as seen from the real root) */
		if (bt_path_join(a->rootpath, sizeof(a->rootpath), base,
				 name))
			return NULL;
		return root_path(a, p, a->rootpath, out, cap);
	}
	return bt_path_join(out, cap, base, name) ? NULL : out;
}

/* The last (or first) item of the given name types, or -1. */
static int find_item(const struct aev *e, unsigned mask, int from_end)
{
	int i;

	if (from_end) {
		for (i = e->nitems - 1; i >= 0; i--)
			if (mask & (1u << e->items[i].nt))
				return i;
	} else {
		for (i = 0; i < e->nitems; i++)
			if (mask & (1u << e->items[i].nt))
				return i;
	}
	return -1;
}

#define M(nt) (1u << (nt))

static int64_t dirfd_arg(uint64_t v)
{
	/* AT_FDCWD is -100; audit prints a0 as unsigned hex of 64 or 32
	 * bits. */
	int64_t s = (int64_t)v;

	if ((v >> 32) == 0 && (v & 0x80000000u))
		s = (int32_t)(uint32_t)v;
	return s == -100 ? -1 : s;
}

/* A 32-bit id argument: (uid_t)-1 means "unchanged". */
static uint32_t id_arg(uint64_t v)
{
	return (uint32_t)v;
}

/* "/dev/fd/N", "/proc/self/fd/N", "/proc/PID/fd/N" of this process: N,
 * else -1.  Such a name is the descriptor's object, not a file. */
static int64_t fd_alias(const char *path, uint32_t pid)
{
	const char *p = NULL;
	char pre[40];
	uint64_t n = 0;

	if (!strncmp(path, "/dev/fd/", 8))
		p = path + 8;
	else if (!strncmp(path, "/proc/self/fd/", 14))
		p = path + 14;
	else if (snprintf(pre, sizeof(pre), "/proc/%u/fd/", pid) > 0 &&
		 !strncmp(path, pre, strlen(pre)))
		p = path + strlen(pre);
	if (!p || !*p)
		return -1;
	for (; *p; p++) {
		if (!isdigit((unsigned char)*p) || n > BT_FDTABLE_MAX)
			return -1;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	return (int64_t)n;
}

static unsigned item_kind(const struct aev *e, int i)
{
	unsigned fmt = e->items[i].mode & A_S_IFMT;

	if (!e->items[i].has_mode || fmt == A_S_IFREG)
		return BT_FD_FILE;
	if (fmt == A_S_IFIFO)
		return BT_FD_PIPE;
	return BT_FD_OTHER;
}

/* Whether truncate's or ftruncate's length (a1) is known to be 0.  On
 * i386, truncate64 and ftruncate64 (which the syscall table maps to
 * truncate and ftruncate) pass it in a1 (low) and a2 (high): both must be
 * 0 (for the 32-bit calls a2 is whatever the register held: a non-zero a2
 * leaves the length unknown, which cuts nothing). */
static bool length_is_0(const struct aev *e)
{
	if (!(e->has_a & 2) || e->a[1] != 0)
		return false;
	if (e->arch == BT_ARCH_I386)
		return (e->has_a & 4) && e->a[2] == 0;
	return true;
}

/* ---- turning an event into observations --------------------------------- */

static int do_open(struct bt_auditd *a, const struct aev *e)
{
	struct bt_obs o;
	struct proc *pr = proc_get(a, e->pid);
	struct bt_fdtable *t = pr ? proc_fds(pr) : NULL;
	uint64_t flags;
	int64_t dirfd = -1, alias;
	int i, r = 0, acc, creat, trunc;
	unsigned kind, access;
	const char *p;

	switch (e->sysno) {
	case SYS_open: flags = e->a[1]; break;
	case SYS_creat: flags = 01 | A_O_CREAT | A_O_TRUNC; break;
	case SYS_openat: flags = e->a[2]; dirfd = dirfd_arg(e->a[0]); break;
	default: /* openat2: its flags are in the OPENAT2 record */
		flags = e->has_oflag ? e->oflag : 0;
		dirfd = dirfd_arg(e->a[0]);
		break;
	}
	i = find_item(e, M(NT_CREATE) | M(NT_NORMAL) | M(NT_UNKNOWN), 1);
	if (i < 0)
		return 0;
	p = aev_str(e, e->items[i].name);
	if ((e->items[i].bad_name || !p || !*p) && e->items[i].has_ino) {
		/* a malformed name, or none (a file opened or created through
		 * a symlink is logged name=(null)): the file, known by its
		 * inode, unnamed; what goes through the fd is not lost */
		p = NULL;
	} else {
		p = item_path(a, e, i, dirfd, a->path, sizeof(a->path));
		/* A name it cannot make absolute (cwd="<too_long>" past
		 * PATH_MAX, a directory descriptor it does not know): the
		 * file by its inode, unnamed, rather than the open lost. */
		if (!p && !e->items[i].has_ino)
			return 0;
	}
	acc = (int)(flags & A_O_ACCMODE);
	access = (acc == 0 || acc == 2 ? BT_FD_READ : 0) |
		 (acc == 1 || acc == 2 ? BT_FD_WRITE : 0);
	/* /dev/fd/N: another descriptor of N's object (a pipe, a memfd). */
	if (p && (alias = fd_alias(p, e->pid)) >= 0 && t &&
	    bt_fdtable_get(t, (int)alias)) {
		const struct bt_fd *f = bt_fdtable_get(t, (int)alias);

		if ((access & BT_FD_READ) && !fd_is_channel(f)) {
			obs_base(&o, a, e);
			o.op = BT_RAW_READ;
			if (obs_fd(&o, f, false) && (r = add(a, &o)))
				return r;
		}
		if (!fd_ok(e->exit))
			return 0;
		if ((r = bt_fdtable_dup(t, (int)alias, (int)e->exit,
					(flags & A_O_CLOEXEC) != 0)))
			return r == BT_ELIMIT ? 0 : r;
		bt_fdtable_set_access(t, (int)e->exit, access);
		return 0;
	}
	kind = item_kind(e, i);
	creat = e->items[i].nt == NT_CREATE;
	trunc = !creat && acc != 0 && (flags & A_O_TRUNC);
	if (kind != BT_FD_OTHER) {
		obs_base(&o, a, e);
		o.path = p;
		obs_item(&o, e, i);
		if (creat) {
			o.op = BT_RAW_CREATE;
			r = add(a, &o);
		} else if (trunc) {
			o.op = BT_RAW_TRUNCATE;
			o.empties = true;       /* O_TRUNC: to length 0 */
			r = add(a, &o);
			o.empties = false;
		}
		if (!r && (access & BT_FD_READ) && !creat) {
			o.op = BT_RAW_READ;
			r = add(a, &o);
		}
		if (!r && ((access & BT_FD_WRITE) || creat)) {
			o.op = BT_RAW_WRITE;
			r = add(a, &o);
		}
	}
	if (r || !t || !fd_ok(e->exit))
		return r;
	r = bt_fdtable_set(t, (int)e->exit, kind,
			   e->items[i].has_ino ? e->items[i].dev : 0,
			   e->items[i].has_ino ? e->items[i].ino : 0, p, NULL,
			   (flags & A_O_CLOEXEC) != 0);
	if (!r) {
		bt_fdtable_set_access(t, (int)e->exit, access);
		bt_fdtable_set_stamp(t, (int)e->exit, e->time);
	}
	return r;
}

/* The file execve ran, as an observation's path or object; NULL if none. */
static int do_exec(struct bt_auditd *a, const struct aev *e)
{
	struct bt_obs o;
	struct proc *pr = proc_get(a, e->pid);
	const struct bt_fd *f = NULL;
	int item, k, n = 0, r;
	const char *p = NULL, *name;

	if (pr)  /* a chrooted process runs a program of its root */
		pr->exe_in = pr->root != 0;
	item = find_item(e, M(NT_NORMAL) | M(NT_UNKNOWN), 0);
	name = item >= 0 ? aev_str(e, e->items[item].name) : NULL;
	obs_base(&o, a, e);
	if (e->sysno == SYS_execveat && name && !*name && pr && pr->fds) {
		/* fexecve / execveat(fd, "", AT_EMPTY_PATH): the fd's file. */
		f = bt_fdtable_get(pr->fds, (int)dirfd_arg(e->a[0]));
		if (f && !obs_fd(&o, f, false))
			f = NULL;
		if (!f) {
			a->st.gaps++;
			return 0;
		}
		if (fd_is_anon(f) &&
		    (r = flush_writers(a, f->ino, e->time, 0)))
			return r;
		p = o.path;
		item = -1;
	} else if (item >= 0) {
		p = item_path(a, e, item,
			      e->sysno == SYS_execveat ?
			      dirfd_arg(e->a[0]) : -1, a->path,
			      sizeof(a->path));
	}
	if (!p && !f) {
		p = aev_str(e, e->exe);
		item = -1;
	}
	if (!p && !f)
		return 0;
	for (k = 0; k < e->nargs; k++)
		a->argv[n++] = e->args[k].off ? aev_str(e, e->args[k].off) : "";
	o.op = BT_RAW_EXEC;
	o.path = p;
	o.argv = a->argv;
	o.argc = (size_t)n;
	if (!f)
		obs_item(&o, e, item);
	if ((r = add(a, &o)))
		return r;
	/* The other NORMAL items are the script's interpreter and the ELF
	 * loader: their code runs in the process too (SPADE's "load"). */
	for (k = 0; k < e->nitems; k++) {
		const struct aud_item *x = &e->items[k];
		const char *xn = aev_str(e, x->name);

		if (k == item || x->nt != NT_NORMAL || !xn || !*xn)
			continue;
		/* Older kernels log the program twice. */
		if (item >= 0 && (!strcmp(xn, aev_str(e, e->items[item].name)) ||
				  (x->has_ino && e->items[item].has_ino &&
				   x->ino == e->items[item].ino &&
				   x->dev == e->items[item].dev)))
			continue;
		if (!(p = item_path(a, e, k, -1, a->path2, sizeof(a->path2))))
			continue;
		obs_base(&o, a, e);
		o.exe = NULL;  /* the exec just named the program */
		o.op = BT_RAW_READ;
		o.path = p;
		obs_item(&o, e, k);
		if ((r = add(a, &o)))
			return r;
	}
	if ((r = release_maps(a, e, pr)))
		return r;
	if (pr && pr->fds)
		return release_range(a, e, pr->fds, 0, BT_FDTABLE_MAX, true);
	return 0;
}

/* The link target of a symlink event: the name that is neither the parent
 * nor the new link (audit logs it as a PATH item of its own). */
static const char *symlink_target(const struct aev *e)
{
	int i;

	for (i = 0; i < e->nitems; i++)
		if (e->items[i].nt != NT_PARENT && e->items[i].nt != NT_CREATE)
			return aev_str(e, e->items[i].name);
	return NULL;
}

/*
 * A renameat2 whose items say RENAME_EXCHANGE (audit does not log its
 * flags, a4): two DELETE items, the first `del` (the old name), and two
 * CREATE items, each created name one of the deleted ones with the other
 * one's inode.  The second DELETE item, or -1 for a plain rename (one
 * CREATE: the new name, its replaced file a DELETE).
 */
static int exchanged(const struct aev *e, int del)
{
	int k, del2 = -1, creates = 0;

	for (k = del + 1; k < (int)e->nitems; k++) {
		if (e->items[k].nt == NT_DELETE && del2 < 0)
			del2 = k;
		else if (e->items[k].nt == NT_CREATE)
			creates++;
	}
	return creates == 2 && del2 >= 0 ? del2 : -1;
}

static int do_names(struct bt_auditd *a, const struct aev *e)
{
	struct bt_obs o;
	int64_t dirfd = -1, dirfd2 = -1;
	int i, j, k;
	const char *p, *q;

	obs_base(&o, a, e);
	switch (e->sysno) {
	case SYS_unlink:
	case SYS_unlinkat:
	case SYS_rmdir:
	case SYS_mkdir:
	case SYS_mkdirat:
	case SYS_mknod:
	case SYS_mknodat: {
		/* a name removed (DELETE item) or made (CREATE item) */
		bool made = e->sysno != SYS_unlink &&
			    e->sysno != SYS_unlinkat && e->sysno != SYS_rmdir;

		if (e->sysno == SYS_unlinkat || e->sysno == SYS_mkdirat ||
		    e->sysno == SYS_mknodat)
			dirfd = dirfd_arg(e->a[0]);
		i = find_item(e, made ? M(NT_CREATE) : M(NT_DELETE), 1);
		if (i < 0 ||
		    !(p = item_path(a, e, i, dirfd, a->path, sizeof(a->path))))
			return 0;
		o.op = made ? BT_RAW_CREATE : BT_RAW_UNLINK;
		o.path = p;
		obs_item(&o, e, i);
		return add(a, &o);
	}
	case SYS_rename:
	case SYS_renameat:
	case SYS_renameat2:
		if (e->sysno != SYS_rename) {
			dirfd = dirfd_arg(e->a[0]);
			dirfd2 = dirfd_arg(e->a[2]);
		}
		i = find_item(e, M(NT_DELETE), 0);
		j = find_item(e, M(NT_CREATE), 1);
		if (i < 0 || j < 0)
			return 0;
		o.op = BT_RAW_RENAME;
		if (e->sysno == SYS_renameat2 && (k = exchanged(e, i)) >= 0) {
			/* RENAME_EXCHANGE (the flags are not logged): each
			 * name was deleted and created, the second DELETE
			 * item is the other name */
			o.exchange = true;
			j = k;
			if (e->items[j].has_ino) {
				o.has_ino2 = true;
				o.dev2 = e->items[j].dev;
				o.ino2 = e->items[j].ino;
			}
		}
		p = item_path(a, e, i, dirfd, a->path, sizeof(a->path));
		q = item_path(a, e, j, dirfd2, a->path2, sizeof(a->path2));
		if (!p || !q)
			return 0;
		o.path = p;
		o.new_path = q;
		obs_item(&o, e, i);
		return add(a, &o);
	case SYS_link:
	case SYS_linkat:
		if (e->sysno == SYS_linkat) {
			dirfd = dirfd_arg(e->a[0]);
			dirfd2 = dirfd_arg(e->a[2]);
		}
		j = find_item(e, M(NT_CREATE), 1);
		i = find_item(e, M(NT_NORMAL), 0);
		if (j < 0 || i < 0 ||
		    !(q = item_path(a, e, j, dirfd2, a->path2,
				    sizeof(a->path2))) ||
		    !(p = item_path(a, e, i, dirfd, a->path, sizeof(a->path))))
			return 0;
		o.op = BT_RAW_LINK;
		o.path = p;
		o.new_path = q;
		obs_item(&o, e, i);
		return add(a, &o);
	case SYS_symlink:
	case SYS_symlinkat:
		if (e->sysno == SYS_symlinkat)
			dirfd2 = dirfd_arg(e->a[1]);
		j = find_item(e, M(NT_CREATE), 1);
		if (j < 0 || !(q = item_path(a, e, j, dirfd2, a->path2,
					     sizeof(a->path2))))
			return 0;
		o.op = BT_RAW_SYMLINK;
		o.path = q;
		o.target = symlink_target(e);
		obs_item(&o, e, j);
		return add(a, &o);
	case SYS_truncate:
		i = find_item(e, M(NT_NORMAL) | M(NT_UNKNOWN), 1);
		if (i < 0 ||
		    !(p = item_path(a, e, i, -1, a->path, sizeof(a->path))))
			return 0;
		o.op = BT_RAW_TRUNCATE;
		o.path = p;
		o.empties = length_is_0(e);
		obs_item(&o, e, i);
		return add(a, &o);
	}
	return 0;
}

/* chmod and chown families: by name (a PATH item) or by fd. */
static int do_attr(struct bt_auditd *a, const struct aev *e)
{
	struct bt_obs o;
	struct proc *pr = proc_get(a, e->pid);
	int64_t dirfd = -1;
	int i;
	bool byfd = false;

	obs_base(&o, a, e);
	switch (e->sysno) {
	case SYS_chmod:
		o.op = BT_RAW_CHMOD;
		o.mode = (uint32_t)(e->a[1] & 07777);
		break;
	case SYS_fchmod:
		o.op = BT_RAW_CHMOD;
		o.mode = (uint32_t)(e->a[1] & 07777);
		byfd = true;
		break;
	case SYS_fchmodat:
	case SYS_fchmodat2:
		o.op = BT_RAW_CHMOD;
		o.mode = (uint32_t)(e->a[2] & 07777);
		dirfd = dirfd_arg(e->a[0]);
		break;
	case SYS_chown:
	case SYS_lchown:
		o.op = BT_RAW_CHOWN;
		o.owner = id_arg(e->a[1]);
		o.group = id_arg(e->a[2]);
		break;
	case SYS_fchown:
		o.op = BT_RAW_CHOWN;
		o.owner = id_arg(e->a[1]);
		o.group = id_arg(e->a[2]);
		byfd = true;
		break;
	default: /* fchownat */
		o.op = BT_RAW_CHOWN;
		o.owner = id_arg(e->a[2]);
		o.group = id_arg(e->a[3]);
		dirfd = dirfd_arg(e->a[0]);
		break;
	}
	i = find_item(e, M(NT_NORMAL) | M(NT_UNKNOWN), 0);
	if (!byfd && i >= 0 && aev_str(e, e->items[i].name) &&
	    *aev_str(e, e->items[i].name)) {
		o.path = item_path(a, e, i, dirfd, a->path, sizeof(a->path));
		if (!o.path)
			return 0;
		obs_item(&o, e, i);
		return add(a, &o);
	}
	/* fchmod, fchown, or *at with AT_EMPTY_PATH: the fd's file. */
	{
		const struct bt_fd *f = pr && pr->fds ?
			bt_fdtable_get(pr->fds, (int)dirfd_arg(e->a[0])) :
			NULL;

		if (!f || !obs_fd(&o, f, true)) {
			a->st.gaps++;
			return 0;
		}
	}
	return add(a, &o);
}

/*
 * One logged read (write false) or write of `bytes` through descriptor fd
 * of process pr: a read or write of its file or channel, a receive or
 * send on its socket; ftruncate (trunc) a truncate.  A logged write may
 * carry what the process read through its shared mappings, which no call
 * shows: those reads first.
 */
static int fd_io_one(struct bt_auditd *a, const struct aev *e,
		     struct proc *pr, int64_t fd, bool write, bool trunc,
		     uint64_t bytes)
{
	const struct bt_fd *f = pr && pr->fds ?
		bt_fdtable_get(pr->fds, (int)dirfd_arg((uint64_t)fd)) : NULL;
	struct bt_obs o;
	int r;

	if (!f) {
		a->st.gaps++;
		return 0;
	}
	obs_base(&o, a, e);
	if (f->kind == BT_FD_SOCKET) {
		if (trunc || !f->remote)
			return 0;
		o.op = write ? BT_RAW_SEND : BT_RAW_RECV;
		o.remote = f->remote;
		o.local = f->local;
	} else {
		if (!obs_fd(&o, f, write))
			return 0;
		o.op = trunc ? BT_RAW_TRUNCATE :
		       write ? BT_RAW_WRITE : BT_RAW_READ;
		o.empties = trunc && length_is_0(e);
		/* a read of a channel that waited: held until the write it
		 * waited for shows (pendr_hold(), as a socketpair's) */
		if (!write && fd_is_channel(f) && e->waited)
			return pendr_hold(a, e, 0, f->ino, PENDR_PAIR);
		if (!write && fd_is_channel(f) &&
		    (r = flush_writers(a, f->ino, e->time, e->pid)))
			return r;
	}
	if (write && !trunc && pr->nmaps &&
	    (r = pull_maps(a, e, pr, o.dev, o.ino)))
		return r;
	if (!trunc)
		o.bytes = bytes;
	if ((r = add(a, &o)))
		return r;
	return write && o.op == BT_RAW_WRITE && fd_is_channel(f) ?
	       pendr_sent(a, 0, o.ino, o.time) : 0;
}

/*
 * The read and write calls, when the rules log them (btrack.rules does
 * not: a log made with rules that do, SPADE's say): read, write, pread64,
 * pwrite64, readv, writev, preadv, pwritev, preadv2, pwritev2 on their
 * descriptor (a0); the copies in the kernel read one descriptor and write
 * another: sendfile (out a0, in a1), splice and copy_file_range (in a0,
 * out a2), tee (in a0, out a1); vmsplice moves memory into the pipe a0
 * (its write end) or out of it.  Such a process's I/O is in the log:
 * nothing is inferred for its descriptors any more (iolog).
 */
static int do_fd_io(struct bt_auditd *a, const struct aev *e)
{
	struct proc *pr = proc_get(a, e->pid);
	uint64_t bytes = e->exit > 0 ? (uint64_t)e->exit : 0;
	int64_t in = -1, out = -1;
	const struct bt_fd *f;
	int r;

	/* (The write that sets the loginuid at a login is logged whatever
	 * the rules: it says nothing of the process's other I/O.) */
	if (e->sysno != SYS_ftruncate && pr && !e->login)
		pr->iolog = true;
	switch (e->sysno) {
	case SYS_ftruncate:
		return fd_io_one(a, e, pr, (int64_t)e->a[0], true, true, 0);
	case SYS_write: case SYS_pwrite64: case SYS_writev:
	case SYS_pwritev: case SYS_pwritev2:
		out = (int64_t)e->a[0];
		break;
	case SYS_sendfile:
		in = (int64_t)e->a[1];
		out = (int64_t)e->a[0];
		break;
	case SYS_splice: case SYS_copy_file_range:
		in = (int64_t)e->a[0];
		out = (int64_t)e->a[2];
		break;
	case SYS_tee:
		in = (int64_t)e->a[0];
		out = (int64_t)e->a[1];
		break;
	case SYS_vmsplice:
		f = pr && pr->fds ? bt_fdtable_get(pr->fds,
			(int)dirfd_arg(e->a[0])) : NULL;
		if (f && (f->access & BT_FD_WRITE))
			out = (int64_t)e->a[0];
		else
			in = (int64_t)e->a[0];
		break;
	default:        /* the reads */
		in = (int64_t)e->a[0];
		break;
	}
	if (in >= 0 && (r = fd_io_one(a, e, pr, in, false, false, bytes)))
		return r;
	return out >= 0 ? fd_io_one(a, e, pr, out, true, false, bytes) : 0;
}

/* The socket fd's entry, made if unknown (a socket(2) the rules do not
 * log); NULL if it cannot be kept. */
static const struct bt_fd *sock_fd(struct proc *pr, int64_t fd)
{
	struct bt_fdtable *t = pr ? proc_fds(pr) : NULL;
	const struct bt_fd *f;

	if (!t || !fd_ok(fd))
		return NULL;
	f = bt_fdtable_get(t, (int)fd);
	if (f && f->kind == BT_FD_SOCKET)
		return f;
	if (bt_fdtable_set(t, (int)fd, BT_FD_SOCKET, 0, 0, NULL, NULL, false))
		return NULL;
	bt_fdtable_set_access(t, (int)fd, BT_FD_READ | BT_FD_WRITE);
	return bt_fdtable_get(t, (int)fd);
}

/* A loopback address "127.x.y.z:port" or "[::1]:port" with a port, or a
 * unix socket's name: every process that connects to it is on this host,
 * so a logged connect may be the one an accept took (pend_accept(),
 * connect_joins_accept()). */
static bool local_service(const char *addr)
{
	const char *c = strrchr(addr, ':');

	if (unix_named(addr))
		return true;
	if (!c || !strcmp(c, ":0") || !c[1])
		return false;
	return !strncmp(addr, "127.", 4) || !strncmp(addr, "[::1]:", 6);
}

/* A connect to `addr` from local `local` seen: remember it if an accept
 * may need it. */
static void pend_connect(struct bt_auditd *a, const char *addr,
			 const char *local, uint64_t time, bool dgram)
{
	struct pending *p;

	if (!local_service(addr) || strlen(addr) >= sizeof(p->addr) ||
	    (local && strlen(local) >= sizeof(p->local)))
		return;
	if (dgram) {
		/* one slot per address datagrams go to (a resolver's
		 * queries must not push the connects out) */
		size_t k;

		for (k = 0; k < BT_ARRAY_SIZE(a->pend); k++)
			if (a->pend[k].dgram && !strcmp(a->pend[k].addr, addr)) {
				a->pend[k].time = time;
				return;
			}
	}
	p = &a->pend[a->pend_next++ % BT_ARRAY_SIZE(a->pend)];
	snprintf(p->addr, sizeof(p->addr), "%s", addr);
	snprintf(p->local, sizeof(p->local), "%s", local ? local : "");
	p->uncertain = false;
	p->dgram = dgram;
	p->time = time;
}

/* An IP address and port ("1.2.3.4:80", "[::1]:80"), not a unix path. */
static bool ip_addr(const char *s)
{
	return s && (s[0] == '[' || (s[0] >= '0' && s[0] <= '9')) &&
	       strrchr(s, ':');
}

/*
 * The local address of a connect to `remote` by a socket whose bind gave
 * `bound` (NULL if none): the bound address when it has a port; else
 * half-known (graph/channel.h): "?" or the bound "ADDR:0", then "#N",
 * N this log's connect number, so that each connection is its own
 * endpoint (core/ingest.c keys one by (remote, local)).  Audit never
 * logs the ephemeral port a connect got.  A connect to a unix socket's
 * name is "?#N" (the client is unnamed; an accept that can take only
 * that connect joins it: pend_accept()).  NULL for any other remote.
 */
static const char *conn_local(struct bt_auditd *a, const char *remote,
			      const char *bound)
{
	size_t bl = bound ? strlen(bound) : 0;

	if (unix_named(remote)) {
		/* a unix client is unnamed: each connection its own */
		a->next_conn++;
		snprintf(a->local, sizeof(a->local), "?#%" PRIu64,
			 a->next_conn);
		return a->local;
	}
	if (!ip_addr(remote))
		return NULL;
	if (bl > 2 && strcmp(bound + bl - 2, ":0") && ip_addr(bound))
		return bound;
	a->next_conn++;
	if (bl > 2 && ip_addr(bound) && bl < sizeof(a->local) - 24)
		snprintf(a->local, sizeof(a->local), "%s#%" PRIu64, bound,
			 a->next_conn);
	else
		snprintf(a->local, sizeof(a->local), "?#%" PRIu64,
			 a->next_conn);
	return a->local;
}

/*
 * An accept on a listener bound to `local` takes one of the pending
 * connects to it: which one, the log cannot tell when there are several
 * (the rest become uncertain).  Returns true when exactly one connect
 * was pending and certain: the accepted connection is that one.
 */
static bool pend_accept(struct bt_auditd *a, const char *local,
			char *client, size_t client_size)
{
	size_t i, n = 0, first = 0, k;
	bool sure = true;

	if (client_size)
		client[0] = '\0';
	if (!local || !local_service(local))
		return false;
	for (k = 0; k < BT_ARRAY_SIZE(a->pend); k++) {
		/* oldest first */
		i = (a->pend_next + k) % BT_ARRAY_SIZE(a->pend);
		if (!a->pend[i].addr[0] || a->pend[i].dgram ||
		    strcmp(a->pend[i].addr, local))
			continue;
		if (!n++)
			first = i;
		sure = sure && !a->pend[i].uncertain;
	}
	if (!n)
		return false;
	a->pend[first].addr[0] = '\0';
	if (client_size)
		snprintf(client, client_size, "%s", a->pend[first].local);
	if (n == 1)
		return sure;
	for (k = 0; k < BT_ARRAY_SIZE(a->pend); k++)
		if (!a->pend[k].dgram && !strcmp(a->pend[k].addr, local))
			a->pend[k].uncertain = true;
	return false;
}

/* How much earlier than a connect's stamp the floor of the accept it woke
 * may be (connect_joins_accept()). */
#define CONNECT_SLACK_NS 20000000ULL

/* An accept of `fd` by `pid` on a listener at `addr`, remembered for a
 * connect written after it (pacc_put(), pacc_put_port0()). */
static void pacc_store(struct bt_auditd *a, const char *addr, uint32_t pid,
		       int64_t fd, uint64_t time, bool port0)
{
	struct pacc *p = &a->pacc[a->pacc_next % BT_ARRAY_SIZE(a->pacc)];

	if (strlen(addr) >= sizeof(p->addr) || !fd_ok(fd))
		return;
	a->pacc_next++;
	snprintf(p->addr, sizeof(p->addr), "%s", addr);
	p->pid = pid;
	p->fd = (int)fd;
	p->time = time;
	p->port0 = port0;
}

/* ... one that no logged connect was waiting for, without a peer:
 * connect_joins_accept(). */
static void pacc_put(struct bt_auditd *a, const char *addr, uint32_t pid,
		     int64_t fd, uint64_t time)
{
	if (local_service(addr))
		pacc_store(a, addr, pid, fd, time, false);
}

/* The length of an IP address's host part ("127.0.0.1" of
 * "127.0.0.1:80"), 0 if it has no port. */
static size_t host_len(const char *addr)
{
	const char *c = strrchr(addr, ':');

	return c ? (size_t)(c - addr) : 0;
}

/* Is IP address `bound` "HOST:0" (bound to port 0, its port not known
 * yet), and `to` (unless NULL) an address of that host with a port? */
static bool port0_of(const char *bound, const char *to)
{
	size_t hl = host_len(bound);

	if (!hl || !ip_addr(bound) || strcmp(bound + hl, ":0"))
		return false;
	return !to || (ip_addr(to) && host_len(to) == hl &&
		       !strncmp(bound, to, hl) && strcmp(to + hl, ":0"));
}

/*
 * An accept with its peer's address on a listener bound to "ADDR:0"
 * whose port no connect had told yet (learn_port()): the connect that
 * woke it may be written after it.  Remembered for
 * connect_names_accept().
 */
static void pacc_put_port0(struct bt_auditd *a, const char *lst,
			   uint32_t pid, int64_t fd, uint64_t time)
{
	if (port0_of(lst, NULL))
		pacc_store(a, lst, pid, fd, time, true);
}

/*
 * A connect to `addr` ("ADDR:PORT"), stamped at `time`, written after an
 * accept on a listener bound to ADDR:0 (pacc_put_port0()) that returned
 * at most CONNECT_SLACK_NS before, and the only such accept: that
 * accepted connection's own address is `addr`, so that its sends and
 * receives from now on are the end a walk joins with this client's
 * (graph/channel.h).  Its accept stays on the end named by "ADDR:0".
 */
static int connect_names_accept(struct bt_auditd *a, const char *addr,
				uint64_t time)
{
	size_t k, n = 0, hit = 0;
	struct proc *pr;
	const struct bt_fd *f;

	for (k = 0; k < BT_ARRAY_SIZE(a->pacc); k++) {
		const struct pacc *p = &a->pacc[k];

		if (p->port0 && p->addr[0] && port0_of(p->addr, addr) &&
		    p->time + CONNECT_SLACK_NS >= time && !n++)
			hit = k;
	}
	if (n != 1)
		return 0;
	a->pacc[hit].addr[0] = '\0';
	if (!(pr = proc_get(a, a->pacc[hit].pid)) || !pr->fds ||
	    !(f = bt_fdtable_get(pr->fds, a->pacc[hit].fd)) ||
	    f->kind != BT_FD_SOCKET || !f->local || !port0_of(f->local, NULL))
		return 0;
	return bt_fdtable_set_local(pr->fds, a->pacc[hit].fd, addr) ==
	       BT_ENOMEM ? BT_ENOMEM : 0;
}

/*
 * A connect to `addr` from half-known `local` (conn_local()), stamped at
 * `time`, written after the accept it woke: an accept on a listener at
 * that address returned after the connect began (its floor, a time it
 * had not returned by, is no more than CONNECT_SLACK_NS before `time`:
 * the floor is only as late as the events numbered before the accept)
 * and no other such accept is waiting.  That accepted descriptor, if
 * still held and not joined yet, becomes the server's end of this
 * connection (pend_accept() the other way round).  True if it was
 * joined (the connect is then not pending).
 */
static bool connect_joins_accept(struct bt_auditd *a, const char *addr,
				 const char *local, uint64_t time)
{
	static const char unknown[] = "unknown peer on local ";
	size_t k, n = 0, hit = 0;
	struct proc *pr;
	const struct bt_fd *f;

	if (!local || !local_service(addr))
		return false;
	for (k = 0; k < BT_ARRAY_SIZE(a->pacc); k++) {
		const struct pacc *p = &a->pacc[k];

		if (p->addr[0] && !p->port0 && !strcmp(p->addr, addr) &&
		    p->time + CONNECT_SLACK_NS >= time) {
			if (!n++)
				hit = k;
		}
	}
	if (n != 1)
		return false;
	a->pacc[hit].addr[0] = '\0';
	if (!(pr = proc_get(a, a->pacc[hit].pid)) || !pr->fds ||
	    !(f = bt_fdtable_get(pr->fds, a->pacc[hit].fd)) ||
	    f->kind != BT_FD_SOCKET || !f->remote ||
	    strncmp(f->remote, unknown, sizeof(unknown) - 1) ||
	    strcmp(f->remote + sizeof(unknown) - 1, addr))
		return false;
	if (bt_fdtable_set_remote(pr->fds, a->pacc[hit].fd, addr) ||
	    bt_fdtable_set_local(pr->fds, a->pacc[hit].fd, local))
		return false;
	f = bt_fdtable_get(pr->fds, a->pacc[hit].fd);
	bt_fdtable_set_access(pr->fds, a->pacc[hit].fd,
			      f->access | BT_FD_JOINED);
	return true;
}

/*
 * A socket bound to port 0 got a port from the kernel, which audit does
 * not log: its bound address reads "ADDR:0", which no client connected
 * or sent to.  The connects waiting for an accept on it (a listener), or
 * the datagrams sent to its address (dgram: a receiver; connects too, a
 * connected UDP socket's), since it was bound (`since`: none before can
 * be to it) name the port: when the ones to that address (a wildcard
 * socket: to loopback) all went to one port, that is its port, written
 * into out ("ADDR:PORT") and returned true; several ports (several such
 * sockets at once, or a connect to another service of that address),
 * none: false, the socket stays half-known.
 */
static bool learn_port(const struct bt_auditd *a, const char *bound,
		       uint64_t since, bool dgram, char *out, size_t cap)
{
	const char *c = strrchr(bound, ':'), *port = NULL, *pc;
	size_t hl = c ? (size_t)(c - bound) : 0, k;
	bool v4any = !strcmp(bound, "0.0.0.0:0");
	bool v6any = !strcmp(bound, "[::]:0");

	if (!c || strcmp(c, ":0") || !ip_addr(bound))
		return false;
	for (k = 0; k < BT_ARRAY_SIZE(a->pend); k++) {
		const char *p = a->pend[k].addr;

		if (!p[0] || !(pc = strrchr(p, ':')) ||
		    a->pend[k].time < since || (a->pend[k].dgram && !dgram))
			continue;
		if (!((size_t)(pc - p) == hl && !strncmp(p, bound, hl)) &&
		    !(v4any && !strncmp(p, "127.", 4)) &&
		    !(v6any && (!strncmp(p, "[::1]:", 6) ||
				!strncmp(p, "127.", 4))))
			continue;
		if (port && strcmp(port, pc))
			return false;
		port = pc;
	}
	if (!port || hl + strlen(port) >= cap)
		return false;
	snprintf(out, cap, "%.*s%s", (int)hl, bound, port);
	return true;
}

/* A socket's bound address (bind), not the half-known local a connect
 * gave it (conn_local()), or NULL. */
static const char *bound_local(const struct bt_fd *f)
{
	return f && f->local && f->local[0] != '?' &&
	       !strchr(f->local, '#') ? f->local : NULL;
}

/*
 * A send or receive logged on a socketpair end: a write of the direction
 * it writes, a read of the one it reads, each at its time, and nothing
 * inferred for that descriptor any more (BT_FD_IOLOG).  Audit stamps a
 * call at its entry: a receive that waited (its exit floor, the events
 * numbered before it, is later than its stamp; the record layer dates it
 * at that floor, aev.waited) got data from a send stamped after its
 * entry, and the send may be numbered after it too (written after the
 * receiver woke) and so come later in time order.  So it is held back
 * until a send on its direction shows (then dated just after it), or
 * until its own process's next event (stamped after it returned: such a
 * send had begun by then, and has shown), or the end.
 */
static uint64_t after_time(uint64_t t, uint64_t stamp)
{
	/* t or later, with the event's own serial in the low digits (as
	 * records.c gives every event), strictly after t */
	uint64_t u = t - t % 1000000 + stamp % 1000000;

	return u > t ? u : u + 1000000;
}

static int pendr_emit(struct bt_auditd *a, unsigned i, uint64_t after)
{
	struct pendr p = a->pendr[i];
	struct bt_obs o;
	int r;

	a->pendr[i] = a->pendr[--a->npendr];
	bt_obs_init(&o);
	o.pid = p.pid;
	o.start = p.start;
	o.op = BT_RAW_READ;
	o.via_fd = true;
	o.has_ino = true;
	o.dev = p.dev;
	o.ino = p.obj;
	o.file_flags = p.kind == PENDR_MQ ? 0 : BT_FILEF_PIPE;
	if (p.kind == PENDR_MSG) {
		snprintf(a->path, sizeof(a->path), BT_SYSV_MSG_NAME,
			 (unsigned)(p.obj & 0xffffffffu));
		o.path = a->path;
	}
	o.bytes = p.bytes;
	o.time = p.time;
	if (after && o.time <= after)
		o.time = after_time(after, p.time);
	if (p.kind == PENDR_PAIR &&
	    (r = flush_writers(a, p.obj, o.time, p.pid)))
		return r;
	return add(a, &o);
}

/* Hold back a receive that waited (see above) until a send into the same
 * object shows (pendr_sent()), or its process's next event. */
static int pendr_hold(struct bt_auditd *a, const struct aev *e,
		      uint64_t dev, uint64_t obj, unsigned kind)
{
	struct proc *pr = proc_get(a, e->pid);
	int r;

	if (a->npendr == BT_ARRAY_SIZE(a->pendr) && (r = pendr_emit(a, 0, 0)))
		return r;
	a->pendr[a->npendr++] = (struct pendr){
		e->pid, pr ? pr->start : 0, dev, obj, e->time,
		e->exit > 0 ? (uint64_t)e->exit : 0, kind
	};
	return 0;
}

/* A send into (dev, obj) at `time`: the receives held for it, after it. */
static int pendr_sent(struct bt_auditd *a, uint64_t dev, uint64_t obj,
		      uint64_t time)
{
	unsigned i;
	int r;

	for (i = 0; i < a->npendr;) {
		if (a->pendr[i].obj != obj || a->pendr[i].dev != dev) {
			i++;
			continue;
		}
		if ((r = pendr_emit(a, i, time)))
			return r;
	}
	return 0;
}

/* Emit the held receives of process pid (0: all of them). */
static int pendr_flush(struct bt_auditd *a, uint32_t pid)
{
	unsigned i = 0;
	int r;

	while (i < a->npendr) {
		if (pid && a->pendr[i].pid != pid) {
			i++;
			continue;
		}
		if ((r = pendr_emit(a, i, 0)))
			return r;
	}
	return 0;
}

static int chan_io(struct bt_auditd *a, const struct aev *e,
		   struct bt_fdtable *t, int fd, const struct bt_fd *f,
		   bool send)
{
	uint64_t obj = send ? f->dev : f->ino;
	struct bt_obs o;
	int r;

	bt_fdtable_set_access(t, fd, f->access | BT_FD_IOLOG);
	if (!send) {
		if (e->waited)
			return pendr_hold(a, e, 0, obj, PENDR_PAIR);
		if ((r = flush_writers(a, obj, e->time, e->pid)))
			return r;
	}
	obs_base(&o, a, e);
	o.op = send ? BT_RAW_WRITE : BT_RAW_READ;
	o.via_fd = true;
	o.has_ino = true;
	o.ino = obj;
	o.file_flags = BT_FILEF_PIPE;
	if (e->exit > 0)
		o.bytes = (uint64_t)e->exit;
	if ((r = add(a, &o)))
		return r;
	return send ? pendr_sent(a, 0, obj, o.time) : 0;
}

/*
 * POSIX message queues (mq_overview(7)).  A queue is a file of the
 * mqueue file system, whose conventional mount point is /dev/mqueue:
 * mq_open("/q") names /dev/mqueue/q (audit logs the name without its
 * slash, and it is never relative to the working directory).  What
 * mq_timedsend puts in it, mq_timedreceive takes out: a write and a read
 * of that file, logged call by call (btrack.rules), so nothing is
 * inferred for its descriptor (BT_FD_IOLOG).  A receive that waited is
 * held back until the send it waited for shows, as a socketpair's is
 * (pendr_hold()).
 */
static const char *mq_path(struct bt_auditd *a, const struct aev *e, int i)
{
	const char *name = aev_str(e, e->items[i].name);

	if (e->items[i].bad_name || !name)
		return NULL;
	if (*name == '/')
		name++;
	if (!*name || strchr(name, '/') ||
	    snprintf(a->path, sizeof(a->path), "/dev/mqueue/%s", name) >=
	    (int)sizeof(a->path))
		return NULL;
	return a->path;
}

static int do_mq_open(struct bt_auditd *a, const struct aev *e)
{
	struct proc *pr = proc_get(a, e->pid);
	struct bt_fdtable *t = pr ? proc_fds(pr) : NULL;
	int i = find_item(e, M(NT_CREATE) | M(NT_NORMAL) | M(NT_UNKNOWN), 1);
	unsigned acc = (unsigned)(e->a[1] & A_O_ACCMODE);
	const char *p;
	struct bt_obs o;
	int r;

	if (i < 0)
		return 0;
	p = mq_path(a, e, i);
	if (!p && !e->items[i].has_ino)
		return 0;
	obs_base(&o, a, e);
	o.op = e->items[i].nt == NT_CREATE ? BT_RAW_CREATE : BT_RAW_OPEN;
	o.path = p;
	obs_item(&o, e, i);
	if ((r = add(a, &o)) || !t || !fd_ok(e->exit))
		return r;
	r = bt_fdtable_set(t, (int)e->exit, BT_FD_FILE,
			   e->items[i].has_ino ? e->items[i].dev : 0,
			   e->items[i].has_ino ? e->items[i].ino : 0, p, NULL,
			   (e->a[1] & A_O_CLOEXEC) != 0);
	if (!r)
		bt_fdtable_set_access(t, (int)e->exit, BT_FD_IOLOG |
				      (acc == 0 || acc == 2 ? BT_FD_READ : 0) |
				      (acc == 1 || acc == 2 ? BT_FD_WRITE : 0));
	return r == BT_ELIMIT ? 0 : r;
}

/* mq_timedsend(mqd, msg, len, prio, timeout) (send), or
 * mq_timedreceive(mqd, msg, len, prio, timeout), which returns the
 * message's length. */
static int do_mq_io(struct bt_auditd *a, const struct aev *e, bool send)
{
	struct proc *pr = proc_get(a, e->pid);
	const struct bt_fd *f = pr && pr->fds ?
		bt_fdtable_get(pr->fds, (int)dirfd_arg(e->a[0])) : NULL;
	struct bt_obs o;
	int r;

	if (!f || f->kind != BT_FD_FILE) {
		a->st.gaps++;
		return 0;
	}
	obs_base(&o, a, e);
	if (!obs_fd(&o, f, send))
		return 0;
	if (!send && e->waited && o.has_ino)
		return pendr_hold(a, e, o.dev, o.ino, PENDR_MQ);
	o.op = send ? BT_RAW_WRITE : BT_RAW_READ;
	o.bytes = send ? e->a[2] : e->exit > 0 ? (uint64_t)e->exit : 0;
	if ((r = add(a, &o)))
		return r;
	return send && o.has_ino ? pendr_sent(a, o.dev, o.ino, o.time) : 0;
}

/* mq_unlink(name): the queue's name goes. */
static int do_mq_unlink(struct bt_auditd *a, const struct aev *e)
{
	int i = find_item(e, M(NT_DELETE), 1);
	const char *p = i >= 0 ? mq_path(a, e, i) : NULL;
	struct bt_obs o;

	if (!p)
		return 0;
	obs_base(&o, a, e);
	o.op = BT_RAW_UNLINK;
	o.path = p;
	obs_item(&o, e, i);
	return add(a, &o);
}

/*
 * msgsnd(id, msg, len, flags) or msgrcv(id, msg, len, type, flags), which
 * returns the bytes taken: a write or a read of the System V message
 * queue's channel (core/raw.h BT_SYSV_MSG_INO), logged call by call; a
 * receive that waited is held for its send as mq_timedreceive's.
 */
static int do_msg(struct bt_auditd *a, const struct aev *e, bool send)
{
	uint64_t obj = BT_SYSV_MSG_INO(e->a[0]);
	struct bt_obs o;
	int r;

	if (e->a[0] > INT32_MAX)
		return 0;
	if (!send && e->waited)
		return pendr_hold(a, e, 0, obj, PENDR_MSG);
	obs_base(&o, a, e);
	o.op = send ? BT_RAW_WRITE : BT_RAW_READ;
	snprintf(a->path, sizeof(a->path), BT_SYSV_MSG_NAME,
		 (unsigned)e->a[0]);
	o.path = a->path;
	o.has_ino = true;
	o.ino = obj;
	o.file_flags = BT_FILEF_PIPE;
	o.bytes = send ? e->a[2] : e->exit > 0 ? (uint64_t)e->exit : 0;
	if ((r = add(a, &o)))
		return r;
	return send ? pendr_sent(a, 0, obj, o.time) : 0;
}

/*
 * A unix socket's name as the call gave it may be relative to the
 * caller's working directory (the event's CWD record): made absolute in
 * place, so that "sock" bound in /dir and "/dir/sock" connected to are
 * one address, and "sock" in two directories two (the recorder does the
 * same).  A chrooted process's absolute name is under its root, as its
 * file names are (postfix's /dev/log is /var/spool/postfix/dev/log).
 * Left as logged without a CWD, or relative in a chroot, or when the root
 * is not known.
 */
static void unix_name_abs(struct bt_auditd *a, const struct aev *e,
			  char *addr, size_t cap)
{
	const char *cwd = aev_str(e, e->cwd), *name;
	struct proc *p = proc_get(a, e->pid);

	if (strncmp(addr, "unix:", 5) || !addr[5] || addr[5] == '@')
		return;
	if (addr[5] == '/' && p && p->root) {
		if (p->root == ROOT_UNKNOWN || p->root > a->nroots ||
		    !(name = root_path(a, p, addr + 5, a->path2,
				       sizeof(a->path2))) ||
		    strlen(name) + 6 > cap)
			return;
		snprintf(addr, cap, "unix:%s", name);
		return;
	}
	if (addr[5] == '/' || !cwd || cwd[0] != '/' || (p && p->root) ||
	    bt_path_join(a->path2, sizeof(a->path2), cwd, addr + 5) ||
	    strlen(a->path2) + 6 > cap)
		return;
	snprintf(addr, cap, "unix:%s", a->path2);
}

/* A receive just logged, on endpoint (o->remote, o->local), for rerecv(). */
static void lrecv_put(struct bt_auditd *a, const struct bt_obs *o)
{
	struct lrecv *l;

	if (strlen(o->remote) >= sizeof(l->remote) ||
	    (o->local && strlen(o->local) >= sizeof(l->local)))
		return;
	l = &a->lrecv[a->lrecv_next++ % BT_ARRAY_SIZE(a->lrecv)];
	l->pid = o->pid;
	l->start = o->start;
	l->time = o->time;
	snprintf(l->remote, sizeof(l->remote), "%s", o->remote);
	snprintf(l->local, sizeof(l->local), "%s", o->local ? o->local : "");
}

/*
 * Send o, logged after receives stamped in its millisecond: audit stamps
 * a call at its entry in milliseconds and numbers it at its exit, so a
 * receiver woken by this send can return, and be numbered, before the
 * send is.  Each such receive by another process on this send's endpoint
 * (one connection's, or a unix name's), or at the address it was sent to
 * (the receiver's bound address: UDP, a connection not joined), is taken
 * again just after the send: what the receiver does next then follows
 * what it got.  A receive of something else in that millisecond gains
 * this send as a cause (no finer order is in the log).
 */
static int rerecv(struct bt_auditd *a, const struct bt_obs *o)
{
	const char *local = o->local ? o->local : "";
	struct bt_obs r;
	size_t k;
	int err;

	for (k = 0; k < BT_ARRAY_SIZE(a->lrecv); k++) {
		struct lrecv *l = &a->lrecv[k];
		bool port0 = false;

		if (!l->pid || l->pid == o->pid || o->time < l->time ||
		    o->time / 1000000 != l->time / 1000000)
			continue;
		if (strcmp(l->remote, o->remote) || strcmp(l->local, local)) {
			/* bound to port 0 (its port not learned yet): the
			 * port this send went to on that address */
			port0 = port0_of(l->local, o->remote);
			if (!port0 && (!ip_addr(l->local) ||
				       !ip_addr(o->remote) ||
				       !same_service(o->remote, l->local)))
				continue;
		}
		bt_obs_init(&r);
		r.pid = l->pid;
		r.start = l->start;
		r.op = BT_RAW_RECV;
		r.remote = l->remote;
		r.local = port0 ? o->remote : l->local[0] ? l->local : NULL;
		r.time = o->time + 1;
		l->pid = 0;
		if ((err = add(a, &r)))
			return err;
	}
	return 0;
}

/*
 * A connect of datagram socket fd to unix name o->remote (its socket()
 * was logged as one, or the name is a datagram socket's: dgram_name()):
 * no connection, no server accepts it; the socket's datagrams go into
 * that name, as a sendto naming it would put them, and come out where
 * its receiver reads them (do_net(): a unix datagram's endpoint is the
 * name it was sent to, whoever sent it).
 */
static int dgram_connect(struct bt_auditd *a, struct bt_obs *o,
			 struct bt_fdtable *t, int fd)
{
	const struct bt_fd *f;
	int r;

	dgram_name_put(a, o->remote);
	o->local = NULL;
	if ((r = add(a, o)))
		return r;
	if (!t || !(f = bt_fdtable_get(t, fd)) || f->kind != BT_FD_SOCKET)
		return 0;
	bt_fdtable_set_access(t, fd, f->access | BT_FD_DGRAM);
	return bt_fdtable_set_remote(t, fd, o->remote) == BT_ENOMEM ?
	       BT_ENOMEM : 0;
}

/*
 * socket(2), logged for unix datagram sockets (capture/audit/btrack.rules):
 * a new socket at the descriptor it returned, marked BT_FD_DGRAM when it
 * is one (dgram_connect()).
 */
static int do_socket(struct bt_auditd *a, const struct aev *e)
{
	struct proc *pr = proc_get(a, e->pid);
	struct bt_fdtable *t = pr ? proc_fds(pr) : NULL;
	/* (SOCK_RAW, 3, is SOCK_DGRAM for AF_UNIX) */
	bool dgram = e->a[0] == A_AF_UNIX &&
		     ((e->a[1] & A_SOCK_TYPE) | 1) == (A_SOCK_DGRAM | 1);
	int r;

	if (!t || !fd_ok(e->exit))
		return 0;
	r = bt_fdtable_set(t, (int)e->exit, BT_FD_SOCKET, 0, 0, NULL, NULL,
			   (e->a[1] & A_O_CLOEXEC) != 0);
	if (r)
		return r == BT_ELIMIT ? 0 : r;
	bt_fdtable_set_access(t, (int)e->exit, BT_FD_READ | BT_FD_WRITE |
			      (dgram ? BT_FD_DGRAM : 0));
	return 0;
}

static int do_net(struct bt_auditd *a, const struct aev *e)
{
	struct bt_obs o;
	struct proc *pr = proc_get(a, e->pid);
	struct bt_fdtable *t = pr ? proc_fds(pr) : NULL;
	const char *sa = aev_str(e, e->sockaddr), *remote = NULL;
	const char *local = NULL, *lst;
	const struct bt_fd *f;
	char *addr = a->addr, client[96];
	bool joined = false, unknown = false, mailbox = false;
	int r;

	addr[0] = '\0';
	if (sa)
		bt_arec_sockaddr_text(sa, addr, sizeof(a->addr));
	unix_name_abs(a, e, addr, sizeof(a->addr));
	if (addr[0])
		remote = addr;
	obs_base(&o, a, e);
	switch (e->sysno) {
	case SYS_bind:
		if (!remote || !(f = sock_fd(pr, dirfd_arg(e->a[0]))))
			return 0;
		/* when it was bound: learn_port() */
		bt_fdtable_set_stamp(t, (int)dirfd_arg(e->a[0]), e->time);
		return bt_fdtable_set_local(t, (int)dirfd_arg(e->a[0]),
					    remote) == BT_ENOMEM ?
		       BT_ENOMEM : 0;
	case SYS_connect:
		if (!remote)
			return 0;
		f = sock_fd(pr, dirfd_arg(e->a[0]));
		o.op = BT_RAW_CONNECT;
		o.remote = remote;
		if (unix_named(remote) &&
		    ((f && (f->access & BT_FD_DGRAM)) || dgram_name(a, remote)))
			return dgram_connect(a, &o, t, (int)dirfd_arg(e->a[0]));
		o.local = local = conn_local(a, remote, f ? f->local : NULL);
		if ((r = add(a, &o)))
			return r;
		if ((r = connect_names_accept(a, remote, e->time)))
			return r;
		if (!connect_joins_accept(a, remote, local, e->time))
			pend_connect(a, remote, local, e->time, false);
		if (f && (bt_fdtable_set_remote(t, (int)dirfd_arg(e->a[0]),
						remote) == BT_ENOMEM ||
			  (local && local != f->local &&
			   bt_fdtable_set_local(t, (int)dirfd_arg(e->a[0]),
						local) == BT_ENOMEM)))
			return BT_ENOMEM;
		return 0;
	case SYS_accept:
	case SYS_accept4:
		f = t ? bt_fdtable_get(t, (int)dirfd_arg(e->a[0])) : NULL;
		if (f && f->kind != BT_FD_SOCKET)
			f = NULL;
		lst = bound_local(f);
		if (lst && learn_port(a, lst, f->stamp, false, a->path2,
				      sizeof(a->path2))) {
			/* from now on the listener's address is the one its
			 * clients connect to (bind to port 0) */
			if (bt_fdtable_set_local(t, (int)dirfd_arg(e->a[0]),
						 a->path2) == BT_ENOMEM)
				return BT_ENOMEM;
			f = bt_fdtable_get(t, (int)dirfd_arg(e->a[0]));
			lst = bound_local(f);
		}
		if (remote) {
			/* it takes one of the connects to its address; this
			 * end is (listener's address, peer): its local is
			 * the listener's, wildcard or not (channel.h) */
			if (lst) {
				pend_accept(a, lst, client, 0);
				if (ip_addr(remote) && ip_addr(lst))
					local = lst;
			}
		} else if (lst && pend_accept(a, lst, client,
					      sizeof(client))) {
			/* accept(fd, NULL, NULL) on a loopback address that
			 * exactly one logged connect was waiting for: the
			 * peer is that client, which sends to and receives
			 * from this address (the endpoint it connected to):
			 * the same endpoint as the client's, (address,
			 * client's local) */
			snprintf(a->path2, sizeof(a->path2), "%s", lst);
			remote = a->path2;
			if (client[0])
				local = client;
			joined = true;
		} else {
			/* accept(fd, NULL, NULL): no SOCKADDR.  Name the
			 * peer by the listener's own address, or count it. */
			if (!lst) {
				a->st.gaps++;
				return 0;
			}
			snprintf(a->path2, sizeof(a->path2),
				 "unknown peer on local %s", lst);
			remote = a->path2;
			unknown = true;
		}
		o.op = BT_RAW_ACCEPT;
		o.remote = remote;
		o.local = local;
		if ((r = add(a, &o)))
			return r;
		if (!t || !fd_ok(e->exit))
			return 0;
		r = bt_fdtable_set(t, (int)e->exit, BT_FD_SOCKET, 0, 0, NULL,
				   remote, e->sysno == SYS_accept4 &&
				   (e->a[3] & A_O_CLOEXEC));
		if (!r && local)
			r = bt_fdtable_set_local(t, (int)e->exit, local);
		if (!r && unknown)
			pacc_put(a, lst, e->pid, e->exit, e->time);
		else if (!r && local && local == lst)
			pacc_put_port0(a, lst, e->pid, e->exit, e->time);
		if (!r)
			bt_fdtable_set_access(t, (int)e->exit,
					      BT_FD_READ | BT_FD_WRITE |
					      (joined ? BT_FD_JOINED : 0));
		return r == BT_ELIMIT ? 0 : r;
	case SYS_sendto:
	case SYS_sendmsg:
	case SYS_sendmmsg:
		o.op = BT_RAW_SEND;
		break;
	default:
		/* (one that waited is dated by the record layer at the
		 * events numbered before it: aev.exit_floor, aev.waited) */
		o.op = BT_RAW_RECV;
		break;
	}
	/* A socketpair end: a channel of two synthetic directions. */
	if (t && (f = bt_fdtable_get(t, (int)dirfd_arg(e->a[0]))) &&
	    fd_is_channel(f))
		return chan_io(a, e, t, (int)dirfd_arg(e->a[0]), f,
			       o.op == BT_RAW_SEND);
	/* This socket's sends and receives are in the log: nothing is
	 * inferred for it when it goes. */
	if (t && (f = bt_fdtable_get(t, (int)dirfd_arg(e->a[0]))))
		bt_fdtable_set_access(t, (int)dirfd_arg(e->a[0]),
				      f->access | BT_FD_IOLOG);
	if (!remote) {
		/* A connected socket: its peer. */
		f = t ? bt_fdtable_get(t, (int)dirfd_arg(e->a[0])) : NULL;
		if (f && f->kind != BT_FD_SOCKET) {
			/* send on a pipe?  Not a socket we know. */
			f = NULL;
		}
		remote = f ? f->remote : NULL;
		o.local = f ? f->local : NULL;
		/* A receive on an accepted connection: what its client may
		 * have sent by now (its sends are inferred). */
		if (o.op == BT_RAW_RECV &&
		    ((r = flush_accepted_senders(a, f, o.time, e->pid)) ||
		     (r = flush_servers(a, f, o.time, e->pid))))
			return r;
	}
	f = t ? bt_fdtable_get(t, (int)dirfd_arg(e->a[0])) : NULL;
	if (o.op == BT_RAW_RECV && f && f->kind == BT_FD_SOCKET &&
	    (lst = bound_local(f)) && unix_named(lst)) {
		/* A datagram received at this socket's unix name (a
		 * connection's socket has no such name): out of that name,
		 * where its senders put it (sendto naming it, or connect
		 * then send), whoever sent it; the sender's own name, when
		 * recvfrom gives one, is where replies go.  Each process
		 * holding a socket connected to the name (and sending by
		 * write(2), unlogged) may have sent by now. */
		remote = lst;
		o.local = NULL;
		mailbox = true;
		dgram_name_put(a, lst);
		if ((r = flush_senders(a, lst, NULL, o.time, e->pid)))
			return r;
	} else if (o.op == BT_RAW_SEND && unix_named(remote) &&
		   (!f || !f->local || !strchr(f->local, '#'))) {
		/* A datagram to a unix name (not on a unix connection,
		 * whose local is "?#N"): into that name, whatever the
		 * sender's own; a sendto naming it says it is a datagram
		 * socket's */
		if (sa)
			dgram_name_put(a, remote);
		o.local = NULL;
		mailbox = true;
	}
	if (!remote) {
		a->st.gaps++;
		return 0;
	}
	if (!o.local && !mailbox && (f = sock_fd(pr, dirfd_arg(e->a[0])))) {
		/* a datagram socket bound to port 0: its port from what was
		 * sent to its address since (learn_port()); a datagram sent
		 * to a loopback address: what may teach a receiver its port */
		if (o.op == BT_RAW_RECV && (lst = bound_local(f)) &&
		    learn_port(a, lst, f->stamp, true, a->path2,
			       sizeof(a->path2))) {
			if (bt_fdtable_set_local(t, (int)dirfd_arg(e->a[0]),
						 a->path2) == BT_ENOMEM)
				return BT_ENOMEM;
			f = bt_fdtable_get(t, (int)dirfd_arg(e->a[0]));
		}
		if (o.op == BT_RAW_SEND)
			pend_connect(a, remote, NULL, e->time, true);
		/* An address given (sendto, recvfrom: UDP): this end is
		 * (peer, the socket's own address), as for a connection.  A
		 * socket that sends unbound got an ephemeral port audit does
		 * not log: half-known (conn_local()), kept on the socket so
		 * that its datagrams and the replies are one endpoint, which
		 * the receiver's (bound) end can join (graph/channel.h). */
		if (!f->local && o.op == BT_RAW_SEND && ip_addr(remote) &&
		    (local = conn_local(a, remote, NULL)) &&
		    bt_fdtable_set_local(t, (int)dirfd_arg(e->a[0]), local) ==
		    BT_ENOMEM)
			return BT_ENOMEM;
		f = bt_fdtable_get(t, (int)dirfd_arg(e->a[0]));
		o.local = f ? f->local : NULL;
		/* A datagram received at a known address: each process
		 * holding a socket connected to it (a connected UDP socket
		 * sends by write(2), not logged: inferred when it lets go)
		 * may have sent it by now, as a TCP server's clients
		 * (flush_accepted_senders()). */
		if (o.op == BT_RAW_RECV && (lst = bound_local(f)) &&
		    ip_addr(lst) && ip_addr(remote) &&
		    strcmp(strrchr(lst, ':'), ":0") &&
		    (r = flush_senders(a, lst, remote, o.time, e->pid)))
			return r;
	}
	o.remote = remote;
	/* (sendmmsg and recvmmsg return messages, not bytes) */
	if (e->exit > 0 && e->sysno != SYS_sendmmsg &&
	    e->sysno != SYS_recvmmsg)
		o.bytes = (uint64_t)e->exit;
	if ((r = add(a, &o)))
		return r;
	if (o.op == BT_RAW_RECV)
		lrecv_put(a, &o);
	else
		r = rerecv(a, &o);
	return r;
}

/*
 * shutdown(fd, SHUT_WR or SHUT_RDWR): the socket sends nothing more, and
 * its peer reads the end of the data now (Java closes a connection so,
 * and lets go of the descriptor later): what it sent, inferred when it
 * lets go otherwise (its writes are not logged), is sent by now.
 */
static int do_shutdown(struct bt_auditd *a, const struct aev *e)
{
	struct proc *pr = proc_get(a, e->pid);
	struct bt_fdtable *t = pr ? proc_fds(pr) : NULL;
	const struct bt_fd *f;
	int fd = (int)dirfd_arg(e->a[0]), r;

	if (!t || !fd_ok(dirfd_arg(e->a[0])) || e->a[1] == 0 ||
	    !(f = bt_fdtable_get(t, fd)) || f->kind != BT_FD_SOCKET ||
	    !(f->access & BT_FD_WRITE))
		return 0;
	if ((r = release_fd(a, e, f, 1)))
		return r;
	bt_fdtable_set_access(t, fd, f->access & ~BT_FD_WRITE);
	return 0;
}

/*
 * mmap(MAP_SHARED | MAP_ANONYMOUS): memory the process shares with the
 * children it forks after (PostgreSQL's and nginx's shared memory, a
 * scoreboard): one anonymous object per such mapping, read and written
 * until exit as a shared file mapping is, and inherited at fork
 * (maps_copy()).
 */
#define A_MAP_ANONYMOUS 0x20
static int anon_shared(struct bt_auditd *a, const struct aev *e,
		       struct proc *pr, uint64_t prot)
{
	struct bt_obs o;
	int r;

	if (!pr || !(prot & 3))
		return 0;
	obs_base(&o, a, e);
	o.op = BT_RAW_MMAP;
	o.via_fd = o.has_ino = true;
	o.dev = 0;
	o.ino = SYNTH_BASE + a->next_obj++;
	o.file_flags = BT_FILEF_ANON;
	o.shared = true;
	o.prot = (prot & 1 ? BT_PROT_READ : 0) | (prot & 2 ? BT_PROT_WRITE : 0);
	o.map_count = (e->a[1] + 4095) / 4096;
	if ((r = map_add(a, pr, &o, (prot & 1) != 0, (prot & 2) != 0)))
		return r;
	return add(a, &o);
}

static int do_mmap(struct bt_auditd *a, const struct aev *e)
{
	struct bt_obs o;
	struct proc *pr = proc_get(a, e->pid);
	uint64_t prot = e->a[2], flags = e->a[3];
	int64_t fd = e->has_mmap ? e->mmap_fd : -1;
	const struct bt_fd *f;
	int r;

	/* The SYSCALL record's a3 is the flags; the MMAP record's flags=0x1
	 * (hex with a prefix) is taken only where a3 is not there (i386's old
	 * mmap passes a pointer). */
	if (e->has_mmap && e->mmap_flags)
		flags = e->mmap_flags;
	if (fd < 0 && (flags & 0x03) == 0x01 && (flags & A_MAP_ANONYMOUS))
		return anon_shared(a, e, pr, prot);
	if (fd < 0)
		return 0;  /* private anonymous memory */
	f = pr && pr->fds ? bt_fdtable_get(pr->fds, (int)fd) : NULL;
	if (!f) {
		a->st.gaps++;
		return 0;
	}
	obs_base(&o, a, e);
	if (f->kind != BT_FD_FILE || !obs_fd(&o, f, false))
		return 0;
	o.op = BT_RAW_MMAP;
	o.shared = (flags & 0x03) == 0x01;
	o.prot = (prot & 1 ? BT_PROT_READ : 0) | (prot & 2 ? BT_PROT_WRITE : 0);
	o.map_first = 0;
	o.map_count = (e->a[1] + 4095) / 4096;
	if (o.shared && o.prot && (r = map_add(a, pr, &o,
					       (o.prot & BT_PROT_READ) != 0,
					       (o.prot & BT_PROT_WRITE) != 0)))
		return r;
	return add(a, &o);
}

/* dup, dup2, dup3, fcntl(F_DUPFD*, F_SETFD). */
static int do_dup(struct bt_auditd *a, const struct aev *e)
{
	struct proc *pr = proc_get(a, e->pid);
	struct bt_fdtable *t = pr ? pr->fds : NULL;
	int64_t oldfd = dirfd_arg(e->a[0]), newfd = e->exit;
	bool cloexec = false;
	int r;

	if (!t)
		return 0;
	switch (e->sysno) {
	case SYS_fcntl:
		if (e->a[1] == A_F_SETFD) {
			if (fd_ok(oldfd))
				bt_fdtable_set_cloexec(t, (int)oldfd,
						       e->a[2] & 1);
			return 0;
		}
		if (e->a[1] != A_F_DUPFD && e->a[1] != A_F_DUPFD_CLOEXEC)
			return 0;
		cloexec = e->a[1] == A_F_DUPFD_CLOEXEC;
		break;
	case SYS_dup3:
		cloexec = (e->a[2] & A_O_CLOEXEC) != 0;
		/* fall through */
	case SYS_dup2:
		newfd = dirfd_arg(e->a[1]);
		if (newfd == oldfd)
			return 0;
		/* dup2 closes newfd first. */
		if ((r = release_one(a, e, t, newfd)))
			return r;
		break;
	default:
		break;
	}
	if (!fd_ok(oldfd) || !fd_ok(newfd))
		return 0;
	r = bt_fdtable_dup(t, (int)oldfd, (int)newfd, cloexec);
	return r == BT_ELIMIT ? 0 : r;
}

/* pipe, pipe2, socketpair: FD_PAIR gives the two fds. */
static int do_pair(struct bt_auditd *a, const struct aev *e)
{
	struct bt_obs o;
	struct proc *pr = proc_get(a, e->pid);
	struct bt_fdtable *t = pr ? proc_fds(pr) : NULL;
	uint64_t x, y;
	bool cloexec;
	int r;

	if (!e->has_fdpair || !t || !fd_ok(e->fd0) || !fd_ok(e->fd1))
		return 0;
	x = SYNTH_BASE + a->next_obj++;
	if (e->sysno == SYS_socketpair) {
		/* Two directions: fd0 writes x and reads y, fd1 the other
		 * way round. */
		y = SYNTH_BASE + a->next_obj++;
		cloexec = (e->a[1] & A_O_CLOEXEC) != 0;
	} else {
		y = x;
		cloexec = e->sysno == SYS_pipe2 && (e->a[1] & A_O_CLOEXEC);
	}
	obs_base(&o, a, e);
	o.op = BT_RAW_PIPE;
	o.has_ino = true;
	o.dev = 0;
	o.ino = x;
	o.file_flags = BT_FILEF_PIPE;
	if ((r = add(a, &o)))
		return r;
	if (y != x) {
		o.ino = y;
		if ((r = add(a, &o)))
			return r;
	}
	if (e->sysno == SYS_socketpair) {
		if ((r = bt_fdtable_set(t, (int)e->fd0, BT_FD_PIPE, x, y, NULL,
					NULL, cloexec)) ||
		    (r = bt_fdtable_set(t, (int)e->fd1, BT_FD_PIPE, y, x, NULL,
					NULL, cloexec)))
			return r;
		bt_fdtable_set_access(t, (int)e->fd0, BT_FD_READ | BT_FD_WRITE);
		bt_fdtable_set_access(t, (int)e->fd1, BT_FD_READ | BT_FD_WRITE);
		bt_fdtable_set_stamp(t, (int)e->fd0, e->time);
		bt_fdtable_set_stamp(t, (int)e->fd1, e->time);
		return 0;
	}
	if ((r = bt_fdtable_set(t, (int)e->fd0, BT_FD_PIPE, x, x, NULL, NULL,
				cloexec)) ||
	    (r = bt_fdtable_set(t, (int)e->fd1, BT_FD_PIPE, x, x, NULL, NULL,
				cloexec)))
		return r;
	bt_fdtable_set_access(t, (int)e->fd0, BT_FD_READ);
	bt_fdtable_set_access(t, (int)e->fd1, BT_FD_WRITE);
	bt_fdtable_set_stamp(t, (int)e->fd0, e->time);
	bt_fdtable_set_stamp(t, (int)e->fd1, e->time);
	return 0;
}

/*
 * pidfd_open(pid): a descriptor naming process pid.  pidfd_getfd(pidfd,
 * fd): a copy of that process's descriptor fd (close-on-exec), as if
 * opened again: a file it can read is read now, one it can write is
 * written (what the caller read before may go in), as at an open; a
 * channel counts when the caller lets go of it, as any other end.
 */
static int do_pidfd(struct bt_auditd *a, const struct aev *e)
{
	struct proc *pr = proc_get(a, e->pid), *tp;
	struct bt_fdtable *t = pr ? proc_fds(pr) : NULL;
	const struct bt_fd *pf, *f;
	struct bt_obs o;
	int r;

	if (!t || !e->has_exit || !fd_ok(e->exit))
		return 0;
	if (e->sysno == SYS_pidfd_open) {
		if (e->a[0] == 0 || e->a[0] > UINT32_MAX)
			return 0;
		r = bt_fdtable_set(t, (int)e->exit, BT_FD_PIDFD, 0, e->a[0],
				   NULL, NULL, true);
		return r == BT_ELIMIT ? 0 : r;
	}
	pf = bt_fdtable_get(t, (int)dirfd_arg(e->a[0]));
	tp = pf && pf->kind == BT_FD_PIDFD ? proc_get(a, (uint32_t)pf->ino) :
	     NULL;
	f = tp && tp->fds ? bt_fdtable_get(tp->fds, (int)dirfd_arg(e->a[1])) :
	    NULL;
	if (!f) {
		/* a descriptor of a process, or a process, it does not know */
		bt_fdtable_close(t, (int)e->exit);
		a->st.gaps++;
		return 0;
	}
	if (!fd_is_channel(f) && f->kind != BT_FD_SOCKET) {
		obs_base(&o, a, e);
		if (f->access & BT_FD_READ) {
			o.op = BT_RAW_READ;
			if (obs_fd(&o, f, false) && (r = add(a, &o)))
				return r;
		}
		obs_base(&o, a, e);
		if (f->access & BT_FD_WRITE) {
			o.op = BT_RAW_WRITE;
			if (obs_fd(&o, f, true) && (r = add(a, &o)))
				return r;
		}
	}
	r = bt_fdtable_copy_fd(t, (int)e->exit, tp->fds,
			       (int)dirfd_arg(e->a[1]), true);
	if (r)
		return r == BT_ELIMIT ? 0 : r;
	f = bt_fdtable_get(t, (int)e->exit);
	/* not given by an exec, whatever the original was */
	if (f)
		bt_fdtable_set_access(t, (int)e->exit,
				      f->access & ~(unsigned)BT_FD_EXECD);
	return 0;
}

static int do_memfd(struct bt_auditd *a, const struct aev *e)
{
	struct proc *pr = proc_get(a, e->pid);
	struct bt_fdtable *t = pr ? proc_fds(pr) : NULL;
	uint64_t m = SYNTH_BASE + a->next_obj++;
	int r;

	if (!t || !fd_ok(e->exit))
		return 0;
	r = bt_fdtable_set(t, (int)e->exit, BT_FD_FILE, m, m, NULL, NULL,
			   (e->a[1] & A_MFD_CLOEXEC) != 0);
	if (!r) {
		bt_fdtable_set_access(t, (int)e->exit,
				      BT_FD_READ | BT_FD_WRITE);
		bt_fdtable_set_stamp(t, (int)e->exit, e->time);
	}
	return r;
}

/*
 * shmat(shmid, addr, flags) of a System V shared memory segment: a shared
 * mapping of an anonymous object that stands for the segment, readable,
 * and writable unless SHM_RDONLY: what one process stores in it reaches
 * the processes that read it, as for a shared file mapping (written and
 * read until the process lets go of it).  The segment's key is not
 * logged: each id is one object.
 */
#define A_SHM_RDONLY 010000
static int do_shmat(struct bt_auditd *a, const struct aev *e)
{
	struct proc *pr = proc_get(a, e->pid);
	bool write = !(e->a[2] & A_SHM_RDONLY);
	uint64_t obj = 0;
	struct bt_obs o;
	size_t k;
	int r;

	if (!pr)
		return 0;
	for (k = 0; k < BT_ARRAY_SIZE(a->shm) && !obj; k++)
		if (a->shm[k].obj && a->shm[k].id == e->a[0])
			obj = a->shm[k].obj;
	if (!obj) {
		obj = SYNTH_BASE + a->next_obj++;
		k = a->shm_next++ % BT_ARRAY_SIZE(a->shm);
		a->shm[k].id = e->a[0];
		a->shm[k].obj = obj;
	}
	obs_base(&o, a, e);
	o.op = BT_RAW_MMAP;
	o.via_fd = o.has_ino = true;
	o.dev = 0;
	o.ino = obj;
	o.file_flags = BT_FILEF_ANON;
	o.shared = true;
	o.prot = BT_PROT_READ | (write ? BT_PROT_WRITE : 0);
	if ((r = map_add(a, pr, &o, true, write)))
		return r;
	return add(a, &o);
}

static int do_setid(struct bt_auditd *a, const struct aev *e)
{
	struct bt_obs o;

	/* The SYSCALL record shows the credentials at the call's exit. */
	obs_base(&o, a, e);
	o.op = BT_RAW_SETID;
	return add(a, &o);
}

/*
 * Another process's memory: ptrace POKEDATA, POKETEXT (a0 4, 5; a1 the
 * target) write 8 bytes of it, PEEKTEXT, PEEKDATA (1, 2) read them;
 * process_vm_writev, process_vm_readv (a0 the target) move exit bytes.
 * Any other ptrace request (attach, stop, resume, registers) is no
 * dependency.  The target is the pid as the caller named it (a thread's
 * id names its own process only if it is the leader): its start time when
 * it was seen.  A write through /proc/PID/mem is the open's (do_open) and
 * ingest's (core/ingest.h).
 */
static int do_mem(struct bt_auditd *a, const struct aev *e)
{
	const struct proc *t;
	struct bt_obs o;
	uint64_t pid;

	obs_base(&o, a, e);
	if (e->sysno == SYS_ptrace) {
		if (e->a[0] == 4 || e->a[0] == 5)
			o.op = BT_RAW_MEM_WRITE;
		else if (e->a[0] == 1 || e->a[0] == 2)
			o.op = BT_RAW_MEM_READ;
		else
			return 0;
		pid = e->a[1];
		o.bytes = 8;
	} else {
		if (!e->has_exit || e->exit <= 0)
			return 0;       /* nothing moved */
		o.op = e->sysno == SYS_process_vm_writev ? BT_RAW_MEM_WRITE :
		       BT_RAW_MEM_READ;
		pid = e->a[0];
		o.bytes = (uint64_t)e->exit;
	}
	if (!pid || pid > UINT32_MAX || !(e->has_a & (e->sysno == SYS_ptrace ?
						       3u : 1u)))
		return 0;
	o.peer = (uint32_t)pid;
	t = proc_get(a, o.peer);
	o.peer_start = t ? t->start : 0;
	return add(a, &o);
}

/* exit_group: the process's descriptors go, then the process. */
static int do_exit(struct bt_auditd *a, const struct aev *e)
{
	struct proc *pr = proc_get(a, e->pid);
	struct bt_obs o;
	int r = 0;

	if (pr && pr->fds && pr->fds->refs == 1)
		r = release_range(a, e, pr->fds, 0, BT_FDTABLE_MAX, false);
	if (!r)
		r = release_maps(a, e, pr);
	if (r)
		return r;
	obs_base(&o, a, e);
	o.op = BT_RAW_EXIT;
	r = add(a, &o);
	if (pr) {
		struct gone *g =
			&a->gone[a->gone_next++ % BT_ARRAY_SIZE(a->gone)];

		g->pid = pr->pid;
		g->ppid = pr->ppid;
		g->seen_ms = pr->seen_ms;
	}
	proc_del(a, e->pid);
	return r;
}

/* Whether pid, a child of ppid first seen at or after ms, has ended. */
static bool child_gone(const struct bt_auditd *a, uint32_t pid,
		       uint32_t ppid, uint64_t ms)
{
	for (size_t i = 0; i < BT_ARRAY_SIZE(a->gone); i++) {
		const struct gone *g = &a->gone[i];

		if (g->pid == pid && g->ppid == ppid && g->seen_ms >= ms)
			return true;
	}
	return false;
}

static int do_fork(struct bt_auditd *a, const struct aev *e)
{
	struct proc *pr, *child;
	struct bt_obs o;
	uint32_t cpid;
	int r;

	if (e->exit <= 0 || e->exit > UINT32_MAX)
		return 0;
	/* clone with CLONE_THREAD makes a thread of this process. */
	if (e->sysno == SYS_clone && (e->a[0] & A_CLONE_THREAD))
		return 0;
	/*
	 * clone3 takes its flags in a struct (a0 is its address): a thread
	 * (pthread_create, every runtime's pool) cannot be told from a
	 * process by this record.  But audit's pid= is the thread group's:
	 * a thread's own events carry its creator's pid, a new process's
	 * its own.  So a clone3 child is left to its first sighting
	 * (first_sighting(): a pid= never seen, its ppid= the parent), and
	 * a thread never becomes a process of its own (which would hold a
	 * copy of the descriptors it shares and be taken as their writer).
	 */
	if (e->sysno == SYS_clone3)
		return 0;
	cpid = (uint32_t)e->exit;
	child = proc_get(a, cpid);
	if (child && child->seen_ms >= e->time / 1000000ULL &&
	    child->ppid == e->pid)
		return 0;  /* joined at its first sighting */
	if (!child && child_gone(a, cpid, e->pid, e->time / 1000000ULL))
		return 0;  /* joined at its first sighting, and gone since */
	obs_base(&o, a, e);
	o.op = BT_RAW_FORK;
	o.child = cpid;
	if ((r = add(a, &o)))
		return r;
	if ((r = proc_new(a, cpid, e->pid, e->time / 1000000ULL, &child)))
		return r;
	pr = proc_get(a, e->pid);
	if (pr) {
		child->root = pr->root;
		child->ocwd = pr->ocwd;
		child->exe_in = pr->exe_in;
		if ((r = maps_copy(child, pr)))
			return r;
	}
	if (!pr || !pr->fds)
		return 0;
	if (e->sysno == SYS_clone && (e->a[0] & A_CLONE_FILES)) {
		child->fds = bt_fdtable_ref(pr->fds);
		return 0;
	}
	return bt_fdtable_copy(&child->fds, pr->fds);
}

/*
 * Audit writes a vfork (and a fork whose parent is descheduled) after the
 * child's own first events, and in the same millisecond the child's events
 * may carry smaller serials.  So a process is joined to its parent (ppid)
 * when it is first seen (with a copy of the parent's descriptors), and a
 * fork record arriving later for a child first seen in the fork's
 * millisecond or after is that same link, skipped.  A fork of a pid last
 * seen earlier is a new process (pid reuse).
 *
 * Without clone or exit records, a pid that execs under another parent is
 * a new process too (pid reuse), unless the new parent is init (pid 1),
 * which adopts orphans: that process may be the old one, re-parented.
 */
static int first_sighting(struct bt_auditd *a, const struct aev *e)
{
	struct proc *pr = proc_get(a, e->pid), *pp;
	struct bt_obs o;
	uint64_t ms = e->time / 1000000ULL, start = 0;
	int r;

	if (pr && !(e->sysno == SYS_execve || e->sysno == SYS_execveat))
		return 0;
	if (pr) {
		if (!pr->ppid || !e->ppid || pr->ppid == e->ppid ||
		    e->ppid == 1)
			return 0;
		/* A new process on an old pid: the old one ended unseen. */
		bt_obs_init(&o);
		o.time = e->time;
		o.op = BT_RAW_EXIT;
		o.pid = e->pid;
		o.start = pr->start;
		if ((r = add(a, &o)))
			return r;
		start = e->time;
	}
	if ((r = proc_new(a, e->pid, e->ppid, ms, &pr)))
		return r;
	pr->start = start;
	if (!e->ppid || e->ppid == e->pid)
		return 0;
	pp = proc_get(a, e->ppid);
	if (!pp) {
		if ((r = proc_new(a, e->ppid, 0, ms, &pp)))
			return r;
		pr = proc_get(a, e->pid);  /* the pool may have moved */
	}
	bt_obs_init(&o);
	o.time = e->time;
	o.op = BT_RAW_FORK;
	o.pid = e->ppid;
	o.start = pp->start;
	o.child = e->pid;
	o.child_start = start;
	if ((r = add(a, &o)))
		return r;
	pp = proc_get(a, e->ppid);
	pr->root = pp->root;
	pr->ocwd = pp->ocwd;
	pr->exe_in = pp->exe_in;
	if ((r = maps_copy(pr, pp)))
		return r;
	if (pp->fds)
		return bt_fdtable_copy(&pr->fds, pp->fds);
	return 0;
}

/* Directory p's number in roots (index + 1), added if new; 0 if none is
 * left (ROOTS_MAX), or a negative bt_error. */
static int64_t root_intern(struct bt_auditd *a, const char *p)
{
	size_t k;
	char *c;

	for (k = 0; k < a->nroots; k++)
		if (!strcmp(a->roots[k], p))
			return (int64_t)k + 1;
	if (k >= ROOTS_MAX)
		return 0;
	if (a->nroots + 1 > a->roots_cap &&
	    bt_grow(&a->roots, &a->roots_cap, a->nroots + 1,
		    sizeof(*a->roots)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	if (!(c = strdup(p)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	a->roots[a->nroots++] = c;
	return (int64_t)a->nroots;
}

/*
 * chroot(2), and pivot_root(2) as a container runtime calls it (its new
 * root, first item, becomes the caller's root): the process's names (and
 * its children's) are relative to that directory from now on.  Its cwd stays where it was, outside the
 * root unless it was the root itself (chroot(1) and most programs chdir
 * into the root next; chdir is not logged): until the logged cwd differs
 * from that one, relative names are taken from there.
 */
static int do_chroot(struct bt_auditd *a, const struct aev *e)
{
	struct proc *pr = proc_get(a, e->pid);
	int i = find_item(e, M(NT_NORMAL) | M(NT_UNKNOWN),
			  e->sysno == SYS_chroot);
	const char *p, *cwd = aev_str(e, e->cwd);
	int64_t k, c = 0;

	if (!pr)
		return 0;
	if (e->sysno == SYS_pivot_root) {
		/* Its records are written at its exit, relative to the new
		 * root already: "." and cwd="/" say nothing of where the new
		 * root is.  Only an absolute name from the real root does;
		 * otherwise its files are named through /proc/PID/root (the
		 * same files, from the host, while PID lives): never as if
		 * they were the host's. */
		const char *n = i >= 0 ? aev_str(e, e->items[i].name) : NULL;

		if (n && n[0] == '/' && !pr->root) {
			p = bt_path_join(a->path, sizeof(a->path), "/", n) ?
			    NULL : a->path;
		} else {
			snprintf(a->path, sizeof(a->path), "/proc/%u/root",
				 e->pid);
			p = a->path;
		}
		cwd = NULL;  /* logged inside the new root */
	} else {
		p = i >= 0 ? item_path(a, e, i, -1, a->path,
				       sizeof(a->path)) : NULL;
	}
	if (!p) {
		pr->root = ROOT_UNKNOWN;  /* its names would mislead */
		a->st.gaps++;
		return 0;
	}
	if (!strcmp(p, "/")) {
		pr->root = 0;
		pr->ocwd = 0;
		return 0;
	}
	if ((k = root_intern(a, p)) < 0)
		return (int)k;
	if (cwd && cwd[0] == '/' && !pr->root && strcmp(cwd, p) &&
	    (c = root_intern(a, cwd)) < 0)
		return (int)c;
	if (!k) {
		pr->root = ROOT_UNKNOWN;
		a->st.gaps++;
		return 0;
	}
	pr->root = (uint32_t)k;
	pr->ocwd = (uint32_t)c;
	pr->exe_in = false;
	return 0;
}

/* Digits at *p, advanced past them: their value, or -1 if none or more
 * than 32 bits. */
static int64_t take_u32(const char **p)
{
	uint64_t v = 0;
	const char *s = *p;

	while (isdigit((unsigned char)**p) && v <= UINT32_MAX)
		v = v * 10 + (uint64_t)(*(*p)++ - '0');
	return *p == s || v > UINT32_MAX ? -1 : (int64_t)v;
}

/*
 * A namespace file's name, seen from the real root: "/proc/P/ns/T" or
 * "/proc/P/task/TID/ns/T" with P a number, "self" or "thread-self".  Its
 * process P (0 for self), with *type pointing at T; -1 for any other name.
 */
static int64_t ns_file(const char *path, const char **type)
{
	const char *p = path;
	int64_t pid = 0;

	if (strncmp(p, "/proc/", 6))
		return -1;
	p += 6;
	if (!strncmp(p, "self/", 5))
		p += 4;
	else if (!strncmp(p, "thread-self/", 12))
		p += 11;
	else if ((pid = take_u32(&p)) < 0)
		return -1;
	if (!strncmp(p, "/task/", 6)) {
		p += 6;
		if (take_u32(&p) < 0)
			return -1;
	}
	if (strncmp(p, "/ns/", 4) || !p[4] || strchr(p + 4, '/'))
		return -1;
	*type = p + 4;
	return pid;
}

#define A_CLONE_NEWNS 0x20000

/*
 * setns(2) into a mount namespace (nsenter -m, a container runtime's exec,
 * docker exec): from now on the process's root and cwd are that
 * namespace's root, and audit logs its names (cwd, exe) from there.  The
 * log says which namespace only through the descriptor's name: a namespace
 * file /proc/PID/ns/mnt opened before gives the root /proc/PID/root (the
 * same files, seen from the host, while PID lives).  Any other descriptor
 * (a pidfd, a bind-mounted namespace file, one the log did not see opened)
 * leaves the root unknown: its names would name the host's files, so they
 * are dropped and its files are kept by inode.  Other namespaces (net,
 * pid, ...) change no name.
 */
static int do_setns(struct bt_auditd *a, const struct aev *e)
{
	struct proc *pr = proc_get(a, e->pid);
	const struct bt_fd *f;
	const char *type = NULL;
	uint64_t want = e->a[1] & 0xffffffffu;
	int64_t owner = -1, k;

	if (!pr || (want && !(want & A_CLONE_NEWNS)))
		return 0;
	f = pr->fds ? bt_fdtable_get(pr->fds, (int)dirfd_arg(e->a[0])) :
		      NULL;
	if (f && f->path)
		owner = ns_file(f->path, &type);
	if (owner >= 0 && strcmp(type, "mnt")) {
		if (!want)
			return 0;  /* (fd, 0) into a namespace of another type */
		owner = -1;    /* a pidfd-like mask: which mount ns, unknown */
	}
	if (owner == 0 || owner == pr->pid)
		return 0;  /* its own mount namespace: nothing changes */
	if (owner < 0) {
		pr->root = ROOT_UNKNOWN;
		pr->ocwd = 0;
		a->st.gaps++;
		return 0;
	}
	snprintf(a->path, sizeof(a->path), "/proc/%u/root", (unsigned)owner);
	if ((k = root_intern(a, a->path)) < 0)
		return (int)k;
	pr->root = k ? (uint32_t)k : ROOT_UNKNOWN;
	pr->ocwd = 0;  /* setns moved its cwd to the new root */
	pr->exe_in = false;
	if (!k)
		a->st.gaps++;
	return 0;
}

/*
 * A non-blocking connect (curl, every event loop) returns EINPROGRESS:
 * audit says success=no, yet the connection is being made and the
 * descriptor's sends and receives go to that peer.  (The same number on
 * x86-64, i386 and aarch64.)  btrack.rules logs it.
 */
#define A_EINPROGRESS 115
static bool connect_in_progress(const struct aev *e)
{
	return e->sysno == SYS_connect && e->has_exit &&
	       e->exit == -A_EINPROGRESS;
}

/* The record layer's callback: one completed event, in time order. */
static int complete(void *ctx, struct aev *e)
{
	struct bt_auditd *a = ctx;
	struct proc *pr;
	int r = 0;

	if (!e->has_syscall)
		return 0;
	if (a->npendr && (r = pendr_flush(a, e->pid)))
		return r;
	if (e->arch == BT_ARCH_OTHER) {
		/* counted by the record layer (arch_other): not decoded */
		return first_sighting(a, e);
	}
	if (aev_exits_process(e)) {
		/* No result: an exit never fails.  (exit(2) ends one thread:
		 * not the process.) */
		if ((r = first_sighting(a, e)))
			return r;
		return do_exit(a, e);
	}
	if (e->success == AEV_NO && !connect_in_progress(e)) {
		a->st.failed++;
		return 0;
	}
	if ((r = first_sighting(a, e)))
		return r;
	switch (e->sysno) {
	case SYS_shutdown:
		a->fdlife = true;  /* (logged by the full rules only) */
		return do_shutdown(a, e);
	case SYS_io_uring_setup: case SYS_io_uring_enter:
	case SYS_io_uring_register: case SYS_io_setup: case SYS_io_submit:
		/* io_uring and Linux AIO: the reads and writes happen in
		 * the kernel, no syscall the rules see: counted, said */
		a->st.io_uring_calls++;
		return 0;
	case SYS_open: case SYS_openat: case SYS_openat2: case SYS_creat:
		return do_open(a, e);
	case SYS_execve: case SYS_execveat:
		return do_exec(a, e);
	case SYS_clone: case SYS_fork: case SYS_vfork: case SYS_clone3:
		return do_fork(a, e);
	case SYS_unlink: case SYS_unlinkat: case SYS_rename:
	case SYS_renameat: case SYS_renameat2: case SYS_link:
	case SYS_linkat: case SYS_symlink: case SYS_symlinkat:
	case SYS_truncate: case SYS_mkdir: case SYS_mkdirat:
	case SYS_rmdir: case SYS_mknod: case SYS_mknodat:
		return do_names(a, e);
	case SYS_chmod: case SYS_fchmod: case SYS_fchmodat:
	case SYS_fchmodat2: case SYS_chown: case SYS_fchown:
	case SYS_lchown: case SYS_fchownat:
		return do_attr(a, e);
	case SYS_setuid: case SYS_setreuid: case SYS_setresuid:
	case SYS_setgid: case SYS_setregid: case SYS_setresgid:
	case SYS_setfsuid: case SYS_setfsgid:
		return do_setid(a, e);
	case SYS_read: case SYS_write: case SYS_pread64: case SYS_pwrite64:
	case SYS_readv: case SYS_writev: case SYS_ftruncate:
	case SYS_preadv: case SYS_pwritev: case SYS_preadv2:
	case SYS_pwritev2: case SYS_sendfile: case SYS_splice:
	case SYS_copy_file_range: case SYS_tee: case SYS_vmsplice:
		return do_fd_io(a, e);
	case SYS_connect: case SYS_accept: case SYS_accept4: case SYS_bind:
	case SYS_sendto: case SYS_sendmsg: case SYS_recvfrom:
	case SYS_recvmsg: case SYS_sendmmsg: case SYS_recvmmsg:
		if (e->args_unknown)
			return 0;  /* i386 socketcall without its arguments */
		return do_net(a, e);
	case SYS_socket:
		return e->args_unknown ? 0 : do_socket(a, e);
	case SYS_mmap:
		return do_mmap(a, e);
	case SYS_shmat:
		return do_shmat(a, e);
	case SYS_mq_open:
		return do_mq_open(a, e);
	case SYS_mq_timedsend: case SYS_mq_timedsend_time64:
	case SYS_mq_timedreceive: case SYS_mq_timedreceive_time64:
		return do_mq_io(a, e, e->sysno == SYS_mq_timedsend ||
				e->sysno == SYS_mq_timedsend_time64);
	case SYS_mq_unlink:
		return do_mq_unlink(a, e);
	case SYS_msgsnd: case SYS_msgrcv:
		return do_msg(a, e, e->sysno == SYS_msgsnd);
	case SYS_dup: case SYS_dup2: case SYS_dup3: case SYS_fcntl:
		return do_dup(a, e);
	case SYS_pipe: case SYS_pipe2: case SYS_socketpair:
		return do_pair(a, e);
	case SYS_memfd_create:
		return do_memfd(a, e);
	case SYS_ptrace: case SYS_process_vm_writev:
	case SYS_process_vm_readv:
		return do_mem(a, e);
	case SYS_pidfd_open: case SYS_pidfd_getfd:
		return do_pidfd(a, e);
	case SYS_chroot:
	case SYS_pivot_root:
		return do_chroot(a, e);
	case SYS_setns:
		return do_setns(a, e);
	case SYS_close:
		a->fdlife = true;
		pr = proc_get(a, e->pid);
		return pr ? release_one(a, e, pr->fds, dirfd_arg(e->a[0])) : 0;
	case SYS_close_range:
		a->fdlife = true;
		pr = proc_get(a, e->pid);
		if (!pr || !pr->fds)
			return 0;
		if (e->a[2] & A_CLOSE_RANGE_CLOEXEC) {
			uint64_t fd;

			for (fd = e->a[0]; fd <= e->a[1] &&
			     fd < BT_FDTABLE_MAX; fd++)
				bt_fdtable_set_cloexec(pr->fds, (int)fd, true);
			return 0;
		}
		return release_range(a, e, pr->fds, (unsigned)e->a[0],
				     e->a[1] > UINT32_MAX ? UINT32_MAX :
				     (unsigned)e->a[1], false);
	default:
		a->st.unknown++;
		return 0;
	}
}

int bt_auditd_line(struct bt_auditd *a, const char *line, size_t len,
		   const char *name, uint64_t lineno)
{
	return bt_arec_line(a->rec, line, len, name, lineno);
}

int bt_auditd_feed(struct bt_auditd *a, FILE *in, const char *name,
		   bool keep_going)
{
	return bt_arec_feed(a->rec, in, name, keep_going);
}

int bt_auditd_finish(struct bt_auditd *a)
{
	int r = bt_arec_finish(a->rec);

	return r ? r : pendr_flush(a, 0);
}

int bt_auditd_new(struct bt_auditd **out, struct bt_obs_sink sink)
{
	struct bt_auditd *a = calloc(1, sizeof(*a));
	int r;

	*out = NULL;
	if (!a)
		return bt_error_set(BT_ENOMEM, "out of memory");
	r = bt_arec_new(&a->rec, &a->st, complete, a);
	if (r) {
		free(a);
		return r;
	}
	a->sink = sink;
	bt_u64map_init(&a->pmap);
	*out = a;
	return 0;
}

void bt_auditd_stats(const struct bt_auditd *a, struct bt_auditd_stats *out)
{
	*out = a->st;
}

void bt_auditd_free(struct bt_auditd *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->nprocs; i++) {
		bt_fdtable_unref(a->procs[i].fds);
		free(a->procs[i].maps);
	}
	for (i = 0; i < a->nroots; i++)
		free(a->roots[i]);
	free(a->roots);
	bt_u64map_release(&a->pmap);
	free(a->procs);
	free(a->pfree);
	bt_arec_free(a->rec);
	free(a);
}
