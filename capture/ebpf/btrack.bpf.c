// SPDX-License-Identifier: GPL-2.0
/*
 * btrack.bpf.c - the eBPF capture source: the kernel module's probes
 * (kmod/btrack.c) rebuilt on raw tracepoints with CO-RE, writing the same
 * raw records (core/record.h) into one BPF ring buffer that the loader
 * (capture/ebpf/loader.c) drains through the module's decoder
 * (capture/drain.c).  The record conventions the eBPF side adds are in
 * btrack_ebpf.h.
 *
 * Hooks: raw_tp sys_exit (every syscall but munmap, read with its result
 * and its arguments from the saved user registers; failed calls make no
 * record, except connect's EINPROGRESS), raw_tp sys_enter (munmap, and
 * the entry time of writes and sends, which are stamped with it),
 * sched_process_fork/exec/exit, and exceptions:page_fault_user and
 * page_fault_kernel (on a user address: a syscall touching a mapping).
 * No kprobe or fentry: they are missing on kernels without CONFIG_KPROBES
 * or trampolines, and raw tracepoints give every fact needed.
 *
 * The file behind a descriptor is read at sys_exit from task->files (so an
 * open records the dev+inode of the file actually opened, after symlinks
 * and races); paths are rebuilt by walking dentries and mounts up to the
 * root of the mount namespace (no bpf_d_path: it needs fentry).  Relative
 * user paths are joined to the cwd or the dirfd's path; the drainer
 * normalises "." and "..".  A record is built in a per-CPU scratch buffer
 * and copied into the ring in one piece; a CPU whose scratch is in use
 * (a preempted program) drops with cause "nested".  Every lost event is
 * counted by cause and op in the per-CPU `stats` map.
 *
 * Sockets: inet ones name the remote end and carry the local one; unix
 * streams are named by the listener's name and the client socket's inode
 * from both ends; socketpairs are channels, one per direction.
 *
 * Typed syscall tracepoints (tp/syscalls/sys_exit_*, one program per
 * syscall) were measured against this raw sys_exit switch with programs
 * doing the same trivial work (CPU time per syscall, 2-vCPU VM): a
 * syscall not recorded costs ~190 ns more under the raw switch and ~25 ns
 * under typed tracepoints; a recorded one ~55 ns more under the raw switch
 * and ~100 ns under typed ones (the perf trace buffer filled before the
 * program).  Typed ones would win where most syscalls are not recorded,
 * but their context has no arguments (bpf_task_pt_regs() would be needed),
 * they need tracefs to attach, and ~60 programs load and attach instead of
 * one: not switched (yet).
 *
 * Not captured, and why: 32-bit (compat) syscalls; sockets other than
 * inet, inet6 and unix; reads and writes of devices and directories; user
 * strings not resident in memory at sys_exit (bpf_probe_read_user cannot
 * fault them in: a "fault" drop); for shared file mappings, only the first
 * touch of a page by a process after it is mapped or written back (eBPF
 * cannot unmap pages to re-arm them, as the module does each time slice),
 * and not the pages that fault-around maps with a read fault.
 */
#include "vmlinux.h"
#include "btrack_ebpf.h"    /* and core/raw.h, the raw record */

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include <asm/unistd_64.h>

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader before load. */
const volatile __u32 excl_tgid = 0;     /* the loader's process */
const volatile __u32 scope = BT_EBPF_ALL;
const volatile __u64 rt_offset = 0;     /* CLOCK_REALTIME - MONOTONIC */
const volatile __u32 pages_on = 1;      /* page faults on shared maps */
const volatile __u32 self_mntns = 0;    /* the loader's mount namespace */

#define PSZ 4096                        /* path buffer half */
#define REC_CAP 16384                   /* scratch record buffer */
#define ARGV_MAX 1024
#define MAX_DEPTH 48                    /* path components walked */

#define S_IFMT   00170000
#define S_IFSOCK 0140000
#define S_IFREG  0100000
#define S_IFIFO  0010000
#define S_IFCHR  0020000
#define TIOCSTI  0x5412         /* asm-generic/ioctls.h, x86-64 */
#define FICLONE 0x40049409      /* linux/fs.h: a reflink copy */
#define FICLONERANGE 0x4020940d
#define PIPEFS_MAGIC 0x50495045
#define SOCKFS_MAGIC 0x534F434B
#define MQUEUE_MAGIC 0x19800202
#define SOCK_DGRAM 2
#define FMODE_CREATED 0x100000
#define FMODE_WRITE 0x2
#define BT_O_TRUNC 01000        /* open(2)'s O_TRUNC (x86-64) */
#define PF_KTHREAD 0x00200000
#define TS_COMPAT 0x0002
#define AT_FDCWD -100
#define AT_EMPTY_PATH 0x1000
#define AT_SYMLINK_FOLLOW 0x400
#define RENAME_EXCHANGE 0x2
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define MAP_SHARED 0x01
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE 0x0f
#define MAP_ANONYMOUS 0x20
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define VM_READ 0x1
#define VM_WRITE 0x2
#define VM_SHARED 0x8
#define VM_MAYSHARE 0x80   /* a read-only shared map has only this */
#define VM_IO 0x4000
#define VM_PFNMAP 0x400
#define EINPROGRESS 115
#define EBUSY 16
#define X86_PF_WRITE 0x2
#define PAGE_SHIFT 12

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);  /* the loader may resize */
} events SEC(".maps");

struct rec_buf {
	__u32 off;              /* bytes of the record so far */
	__u32 op;               /* its op, for the drop counters */
	__u8 b[REC_CAP];
};
struct path_buf {
	char b[2][2 * PSZ];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rec_buf);
} recs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct path_buf);
} paths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bt_ebpf_stats);
} stats SEC(".maps");

/* Open files whose path was sent (struct file pointer -> inode number):
 * a read or write through one carries only its dev+inode, which spares
 * the path walk on every read and write.  The inode catches a pointer
 * reused for another file; a reused pointer to the same file had its
 * path sent by its open. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} named SEC(".maps");

/* The time a write or send in progress entered (per task, 0: none): it
 * is stamped at entry, because a reader on another CPU may consume the
 * data and reach its own sys_exit before the writer reaches its sys_exit.
 * Task storage: one slot per thread, freed with it, no hashing.  A call
 * that entered before the capture (or whose slot could not be made) is
 * stamped at its exit. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} wstamp SEC(".maps");

/* The cgroup v2 id last sent for a process (tgid -> id): a process's
 * first record, and its first after a move to another cgroup, carry the
 * id (BT_RAWF_CGROUP), so a process that was running before the capture
 * and never forks or execs still gets its cgroup label. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 32768);
	__type(key, __u32);
	__type(value, __u64);
} cgseen SEC(".maps");

/* Unix sockets seen sending or connecting (struct sock address -> its
 * socket's inode): a stream connection is named by the client socket's
 * inode from both ends, a socketpair's channel by the sender's, and the
 * sender may close (its sock loses its inode) before the other end
 * accepts or reads. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, __u64);
} clients SEC(".maps");

/* Pseudo-terminals (the master's struct tty_struct address -> its
 * generation, core/raw.h BT_PTY_INO): a new one at each open of /dev/ptmx
 * seen, so a pty that reuses an index (or a freed tty's address) is new;
 * 0 for a pty made before the capture. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} ptys SEC(".maps");
__u64 pty_last;         /* the last generation given */

/* BT_EBPF_PIDS: the tgids in scope. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} tracked SEC(".maps");

/* BT_EBPF_CGROUP: the cgroup in scope. */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup SEC(".maps");

/* The state of one probe on one CPU. */
struct bt_probe {
	struct bt_ebpf_stats *st;
	struct rec_buf *rb;     /* the record being built */
	char *pb;               /* 2 x 2*PSZ */
	struct task_struct *task;
	__u64 t0;               /* the record's time, 0: now */
	/* Arguments of the event helpers (BPF calls take five at most). */
	__u64 x1, x2;           /* the record's arg and arg2 */
	const void *ua;         /* a user sockaddr, or NULL */
	__u64 ualen;            /* its length, 0 if unknown */
	long dfd2;              /* path_event: the second path's dirfd */
	const char *p2;         /* path_event: the second path, or NULL */
};

/* ---- counters and scope ----------------------------------------------- */

static __always_inline void drop(struct bt_ebpf_stats *st, __u32 op,
				 __u32 cause)
{
	if (op > BT_RAW_OP_MAX)
		op = 0;
	barrier_var(op);
	barrier_var(cause);
	__sync_fetch_and_add(&st->drops[cause & (BT_DROP_SLOTS - 1)], 1);
	__sync_fetch_and_add(&st->drops_by_op[op & (BT_EBPF_OPS - 1)], 1);
}

static __always_inline bool in_scope(struct task_struct *t, __u32 tgid)
{
	if (tgid == excl_tgid)
		return false;
	if (BPF_CORE_READ(t, flags) & PF_KTHREAD)
		return false;
	if (scope == BT_EBPF_PIDS)
		return bpf_map_lookup_elem(&tracked, &tgid) != NULL;
	if (scope == BT_EBPF_CGROUP)
		return bpf_current_task_under_cgroup(&cgroup, 0) == 1;
	return true;
}

/* Fill c with this CPU's buffers and the current task: 0, or -1. */
static __always_inline int probe_load(struct bt_probe *c)
{
	__u32 zero = 0;

	c->task = bpf_get_current_task_btf();
	c->st = bpf_map_lookup_elem(&stats, &zero);
	c->rb = bpf_map_lookup_elem(&recs, &zero);
	c->pb = bpf_map_lookup_elem(&paths, &zero);
	c->t0 = 0;
	if (!c->st || !c->rb || !c->pb)
		return -1;
	return 0;
}

/* Enter a probe for op: 0 and c filled, or -1 when the event is not ours
 * to record.  The caller ends with leave(). */
static __always_inline int enter(struct bt_probe *c, __u32 op)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (!in_scope(bpf_get_current_task_btf(), id >> 32))
		return -1;
	if (probe_load(c))
		return -1;
	if (__sync_fetch_and_add(&c->st->busy, 1)) {
		__sync_fetch_and_add(&c->st->busy, -1);
		drop(c->st, op, BT_DROP_NESTED);
		return -1;
	}
	c->rb->op = op;
	return 0;
}

static __always_inline void leave(struct bt_probe *c)
{
	__sync_fetch_and_add(&c->st->busy, -1);
}

/* ---- records ---------------------------------------------------------- */

static __always_inline __u64 now_real(void)
{
	return bpf_ktime_get_ns() + rt_offset;
}

static __always_inline __u64 task_start(struct task_struct *t)
{
	return BPF_CORE_READ(t, group_leader, start_time) + rt_offset;
}

static __always_inline struct bt_raw *rec_begin(struct bt_probe *c, __u32 op)
{
	struct bt_raw *r = (struct bt_raw *)c->rb->b;
	__u64 id = bpf_get_current_pid_tgid();

	__builtin_memset(r, 0, BT_RAW_HEAD);
	r->op = op;
	r->pid = id >> 32;
	r->tid = (__u32)id;
	r->time = c->t0 ? c->t0 : now_real();
	r->start = task_start(c->task);
	c->rb->off = BT_RAW_HEAD;
	c->rb->op = op;
	return r;
}

/* Append n bytes from kernel memory src (the scratch path buffer) as a
 * string; -1 (a "toolong" drop by the caller) past the limits. */
static __always_inline int rec_str(struct bt_probe *c, const void *src, __u32 n)
{
	__u32 off = c->rb->off;
	struct bt_raw *r = (struct bt_raw *)c->rb->b;

	if (n >= PSZ || off + 2 + n > BT_RAW_MAX - 8 || off > 8191)
		return -1;
	c->rb->b[off & 8191] = n & 0xff;
	c->rb->b[(off + 1) & 8191] = n >> 8;
	/* Keep the compiler from dropping the masks the verifier needs. */
	barrier_var(n);
	barrier_var(off);
	if (n && bpf_probe_read_kernel(c->rb->b + ((off + 2) & 8191),
				       n & (PSZ - 1), src))
		return -1;
	c->rb->off = off + 2 + n;
	r->nstr++;
	return 0;
}

/* Publish the record: pad it to 8 bytes, add the cgroup id if the
 * process has not sent this one yet (not to FORK and EXEC, which carry it
 * in arg2, nor EXIT) and copy it into the ring. */
static __always_inline void rec_commit(struct bt_probe *c)
{
	struct bt_raw *r = (struct bt_raw *)c->rb->b;
	__u32 off = c->rb->off, len = (off + 7) & ~7u, i, tgid = r->pid;
	__u64 cg = 0, *seen;
	bool cgn = false;

	if (r->op != BT_RAW_FORK && r->op != BT_RAW_EXEC &&
	    r->op != BT_RAW_EXIT) {
		cg = bpf_get_current_cgroup_id();
		seen = bpf_map_lookup_elem(&cgseen, &tgid);
		cgn = cg && (!seen || *seen != cg);
	}
	if (len + 8 > BT_RAW_MAX) {
		drop(c->st, c->rb->op, BT_DROP_TOOLONG);
		return;
	}
	for (i = 0; i < 7; i++)
		if (off + i < len)
			c->rb->b[(off + i) & (REC_CAP - 1)] = 0;
	if (cgn) {
		__builtin_memcpy(c->rb->b + (len & (REC_CAP - 8)), &cg, 8);
		r->arg32 |= BT_RAWF_CGROUP;
		len += 8;
	}
	r->len = len;
	barrier_var(len);
	if (bpf_ringbuf_output(&events, c->rb->b, len & (REC_CAP - 1), 0)) {
		drop(c->st, c->rb->op, BT_DROP_FULL);
		return;
	}
	__sync_fetch_and_add(&c->st->events, 1);
	if (cgn)
		bpf_map_update_elem(&cgseen, &tgid, &cg, BPF_ANY);
}

static __always_inline __u64 encode_dev(__u32 dev)
{
	__u32 major = dev >> 20, minor = dev & 0xfffff;

	return (minor & 0xff) | (major << 8) | ((__u64)(minor & ~0xff) << 12);
}

static __always_inline void rec_inode(struct bt_raw *r, struct inode *ino)
{
	r->dev = encode_dev(BPF_CORE_READ(ino, i_sb, s_dev));
	r->ino = BPF_CORE_READ(ino, i_ino);
	r->arg32 |= BT_RAWF_INO;
}

/* ---- paths ------------------------------------------------------------ */

struct walk {
	struct dentry *d;
	struct mount *mnt;
	__u32 off;              /* the path starts at pb[off] */
	__u32 which;            /* the half of the path buffer */
	int err, done;
};

/* One step of walk_path(): a component, or a mount crossed.  Verified
 * once (bpf_loop), however many components a path has. */
static long walk_step(__u32 i, struct walk *w)
{
	__u32 zero = 0, len;
	struct path_buf *b = bpf_map_lookup_elem(&paths, &zero);
	struct dentry *d = w->d, *root, *parent;
	struct mount *mnt = w->mnt;
	const unsigned char *name;
	char *pb;

	if (!b)
		goto fail;
	pb = b->b[w->which & 1];
	root = BPF_CORE_READ(mnt, mnt.mnt_root);
	parent = BPF_CORE_READ(d, d_parent);
	if (d == root) {
		struct mount *mp = BPF_CORE_READ(mnt, mnt_parent);

		if (mp == mnt || !mp) {
			w->done = 1;    /* the root of the namespace */
			return 1;
		}
		w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = mp;
		return 0;
	}
	len = BPF_CORE_READ(d, d_name.len);
	name = BPF_CORE_READ(d, d_name.name);
	if (len == 0 || len > 255 || w->off < len + 1 || w->off > PSZ)
		goto fail;
	w->off -= len + 1;
	pb[w->off & (PSZ - 1)] = '/';
	if (bpf_probe_read_kernel(pb + ((w->off + 1) & (PSZ - 1)), len & 255,
				  name))
		goto fail;
	if (d == parent) {      /* a pseudo file system's root: "/NAME" */
		w->done = 1;
		return 1;
	}
	w->d = parent;
	return 0;
fail:
	w->err = 1;
	return 1;
}

/*
 * Write the absolute path of (dentry, vfsmount) into path buffer half
 * `which` so that it ends just before its byte PSZ; *start gets its first
 * byte.  The root is the empty string (the caller adds "/").  A pseudo
 * file system's dentry (no mount reaches it: memfd) is "/NAME", as d_path
 * says.  0, or -1 for a path too deep or too long.
 */
static __always_inline int walk_path(__u32 which, struct dentry *d,
				     struct vfsmount *vm, __u32 *start)
{
	struct walk w = {
		.d = d, .mnt = container_of(vm, struct mount, mnt),
		.off = PSZ, .which = which,
	};
	bpf_loop(MAX_DEPTH, walk_step, &w, 0);
	if (w.err || !w.done)
		return -1;
	*start = w.off;
	return 0;
}

/* Paths walked for a task in another mount namespace than the loader's
 * are from that namespace's root (a container's "/etc/passwd" is not the
 * host's): say so on the record (BT_RAWF_NSROOT), the loader names them. */
static __always_inline void mark_nsroot(struct bt_probe *c)
{
	struct bt_raw *r = (struct bt_raw *)c->rb->b;
	struct task_struct *t = c->task;
	__u32 ns = BPF_CORE_READ(t, nsproxy, mnt_ns, ns.inum);

	if (self_mntns && ns && ns != self_mntns &&
	    c->rb->op != BT_RAW_EXEC && c->rb->op != BT_RAW_FORK)
		r->arg32 |= BT_RAWF_NSROOT;
}

/* Append "pipe:[INO]" (sock 0) or "socket:[INO]" (sock 1), the names
 * d_path gives a channel.  -1: a drop, counted here. */
__noinline int bt_chan_name(__u64 ino, __u32 sock)
{
	struct bt_probe cc, *c = &cc;
	char *pb;
	long n;

	if (probe_load(c))
		return -1;
	pb = c->pb + 2 * PSZ;
	if (sock)
		n = bpf_snprintf(pb, 64, "socket:[%lu]", &ino, sizeof(ino));
	else
		n = bpf_snprintf(pb, 64, "pipe:[%lu]", &ino, sizeof(ino));
	if (n <= 1 || n > 64 || rec_str(c, pb, n - 1)) {
		drop(c->st, c->rb->op, BT_DROP_TOOLONG);
		return -1;
	}
	return 0;
}

/* Append the path of an open file as a string: "pipe:[INO]" for a pipe,
 * "socket:[INO]" for a socket, the walked path otherwise.  -1: a drop,
 * counted here; 1: the path is too long or too deep to walk, nothing
 * appended and nothing counted (the caller drops, or records the file by
 * its inode alone). */
__noinline int bt_file_path(__u64 fp, __u32 which)
{
	struct file *f = (struct file *)fp;
	struct bt_probe cc, *c = &cc;
	char *pb;
	__u32 start = PSZ;
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	struct vfsmount *vm = BPF_CORE_READ(f, f_path.mnt);
	struct inode *ino = BPF_CORE_READ(f, f_inode);
	unsigned long magic = BPF_CORE_READ(ino, i_sb, s_magic);

	if (magic == PIPEFS_MAGIC || magic == SOCKFS_MAGIC)
		return bt_chan_name(BPF_CORE_READ(ino, i_ino),
				    magic == SOCKFS_MAGIC);
	if (probe_load(c))
		return -1;
	pb = c->pb + (which ? 2 * PSZ : 0);
	if (walk_path(which, d, vm, &start))
		return 1;
	if (start >= PSZ) {
		pb[PSZ - 1] = '/';
		start = PSZ - 1;
	}
	/* A POSIX message queue (mq_open): a file of its IPC namespace's
	 * mqueue mount, which no path reaches ("/q"): /dev/mqueue/q, where
	 * the file system is conventionally mounted, as the other sources
	 * name it.  (Opened through that mount, the walk named it so.) */
	if (magic == MQUEUE_MAGIC) {
		struct mount *m = container_of(vm, struct mount, mnt);

		if (BPF_CORE_READ(m, mnt_parent) == m) {
			if (start < 16)
				return 1;
			start -= 11;
			__builtin_memcpy(pb + (start & (PSZ - 1)),
					 "/dev/mqueue", 11);
		}
	}
	if (rec_str(c, pb + (start & (PSZ - 1)), PSZ - start))
		return 1;
	mark_nsroot(c);
	return 0;
}

/* The file of descriptor fd of the current task, or NULL. */
static __always_inline struct file *fd_file(struct task_struct *t, long fd)
{
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	struct file **fds;
	struct file *f = NULL;

	if (fd < 0 || !fdt || (__u64)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/*
 * Append the absolute path for (dfd, user path up) as a string (walking
 * the cwd or dfd for a relative one).  -1: a drop, counted here.
 */
__noinline int bt_user_path(__s64 dfd, __u64 upp)
{
	const char *up = (const char *)upp;
	struct bt_probe cc, *c = &cc;
	char *pb;
	__u32 start = PSZ;
	struct dentry *d;
	struct vfsmount *vm;
	long n;

	if (probe_load(c))
		return -1;
	pb = c->pb;
	n = bpf_probe_read_user_str(pb + PSZ + 1, PSZ - 1, up);
	if (n <= 1) {
		drop(c->st, c->rb->op, BT_DROP_FAULT);
		return -1;
	}
	if (n >= PSZ - 1)
		goto toolong;
	if (pb[PSZ + 1] == '/') {
		if (rec_str(c, pb + PSZ + 1, n - 1))
			goto toolong;
		mark_nsroot(c);
		return 0;
	}
	if ((int)dfd == AT_FDCWD) {
		struct task_struct *t = c->task;
		struct fs_struct *fs = BPF_CORE_READ(t, fs);

		d = BPF_CORE_READ(fs, pwd.dentry);
		vm = BPF_CORE_READ(fs, pwd.mnt);
	} else {
		struct file *f = fd_file(c->task, dfd);

		if (!f) {
			drop(c->st, c->rb->op, BT_DROP_FAULT);
			return -1;
		}
		d = BPF_CORE_READ(f, f_path.dentry);
		vm = BPF_CORE_READ(f, f_path.mnt);
	}
	if (walk_path(0, d, vm, &start))
		goto toolong;
	pb[PSZ] = '/';
	if (rec_str(c, pb + (start & (PSZ - 1)), PSZ - start + n))
		goto toolong;
	mark_nsroot(c);
	return 0;
toolong:
	drop(c->st, c->rb->op, BT_DROP_TOOLONG);
	return -1;
}

/* ---- sockets ---------------------------------------------------------- */

/* The inode number of a struct sock's socket, 0 if it has none. */
static __always_inline __u64 sk_ino(struct sock *sk)
{
	struct socket *so = sk ? BPF_CORE_READ(sk, sk_socket) : NULL;
	struct socket_alloc *sa;

	if (!so)
		return 0;
	sa = container_of(so, struct socket_alloc, socket);
	return BPF_CORE_READ(sa, vfs_inode.i_ino);
}

/* The socket's struct sock of socket file f. */
static __always_inline struct sock *file_sk(struct file *f)
{
	struct socket *sock = BPF_CORE_READ(f, private_data);

	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

/* Whether sk is an end of a socketpair: a unix socket connected to a
 * peer, neither of them with a name. */
static __always_inline bool is_pair(struct sock *sk)
{
	struct unix_sock *u = (struct unix_sock *)sk, *pu;

	if (!sk || BPF_CORE_READ(sk, __sk_common.skc_family) != AF_UNIX)
		return false;
	pu = (struct unix_sock *)BPF_CORE_READ(u, peer);
	return pu && !BPF_CORE_READ(u, addr) && !BPF_CORE_READ(pu, addr);
}

/*
 * Append the remote address of unix socket skp for the record's op as a
 * struct bt_raw_addr and its name's bytes: a stream connection is named
 * by the listener's name and the client socket's inode, from either end
 * (as the ptrace recorder names it); a datagram sent by its destination
 * (the user sockaddr uap of ualen bytes, or the connected peer's name), a
 * datagram received by the receiver's own name.  1 when there is none.
 */
__noinline int bt_unix_addr(__u64 skp, __u64 uap, __u64 ualen)
{
	struct sock *sk = (struct sock *)skp, *peer;
	struct unix_sock *u = (struct unix_sock *)sk, *pu;
	struct unix_address *ad, *pad, *src = NULL;
	struct bt_probe cc, *c = &cc;
	struct bt_raw_addr *a;
	__u64 n = 0, ia, ib;
	__u32 op;
	__u16 fam = 0;
	char *nm;

	if (!sk || probe_load(c))
		return 1;
	op = c->rb->op;
	a = (struct bt_raw_addr *)(c->pb + 2 * PSZ);
	nm = c->pb + 2 * PSZ + sizeof(*a);
	__builtin_memset(a, 0, sizeof(*a));
	a->family = AF_UNIX;
	peer = BPF_CORE_READ(u, peer);
	pu = (struct unix_sock *)peer;
	ad = BPF_CORE_READ(u, addr);
	pad = peer ? BPF_CORE_READ(pu, addr) : NULL;
	if (BPF_CORE_READ(sk, sk_type) == SOCK_DGRAM) {
		if (op == BT_RAW_SEND && uap && ualen > 2) {
			const void *ua = (const void *)uap;

			if (bpf_probe_read_user(&fam, 2, ua) || fam != AF_UNIX)
				return 1;
			n = ualen - 2;
			if (n > 108)
				n = 108;
			if (bpf_probe_read_user(nm, n & 127, ua + 2)) {
				drop(c->st, op, BT_DROP_FAULT);
				return -1;
			}
		} else if (op == BT_RAW_SEND) {
			src = pad;
		} else if (op == BT_RAW_RECV) {
			src = ad;
		}
		if (!src && !n)
			return 1;
	} else {
		if (!peer)
			return 1;
		if (ad && !pad) {               /* the accepted end */
			__u64 key = (__u64)peer, *v;

			src = ad;
			a->ino = sk_ino(peer);
			if (!a->ino && (v = bpf_map_lookup_elem(&clients, &key)))
				a->ino = *v;
		} else if (!ad && pad) {        /* the connecting end */
			__u64 key = skp;

			src = pad;
			ia = sk_ino(sk);
			a->ino = ia;
			bpf_map_update_elem(&clients, &key, &ia, BPF_ANY);
		} else if (ad) {                /* both named: the smaller */
			ia = sk_ino(sk);
			ib = sk_ino(peer);
			src = ia < ib ? ad : pad;
			a->ino = ia < ib ? ia : ib;
		} else {
			return 1;               /* a socketpair: a channel */
		}
	}
	if (src) {
		int len = BPF_CORE_READ(src, len);

		n = len > 2 ? len - 2 : 0;
		if (n > 108)
			n = 108;
		if (n && bpf_probe_read_kernel(nm, n & 127, (void *)src +
				bpf_core_field_offset(struct unix_address,
						      name) + 2))
			return 1;
	}
	if (rec_str(c, a, (sizeof(*a) + n) & 255)) {
		drop(c->st, op, BT_DROP_TOOLONG);
		return -1;
	}
	return 0;
}

/*
 * Append the addresses of socket file f as struct bt_raw_addr strings:
 * the remote one (its connection's, or else the user sockaddr ua of
 * ualen bytes), then for an inet socket the local one (when it has a
 * port).  1 when there is no remote address (not connected and none
 * given, or a family other than inet, inet6 and unix), -1 for a drop.
 */
__noinline int bt_sock_addr(__u64 fp, __u64 uap, __u64 ualen)
{
	struct file *f = (struct file *)fp;
	const void *ua = (const void *)uap;
	struct bt_probe cc, *c = &cc;
	struct sock *sk = file_sk(f);
	struct bt_raw_addr *a, *l;
	__u16 fam;

	if (!sk || probe_load(c))
		return 1;
	fam = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (fam == AF_UNIX)
		return bt_unix_addr((__u64)sk, uap, ualen);
	a = (struct bt_raw_addr *)c->pb;
	l = (struct bt_raw_addr *)(c->pb + 64);
	__builtin_memset(a, 0, sizeof(*a));
	__builtin_memset(l, 0, sizeof(*l));
	l->port = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (fam == AF_INET) {
		__u32 ip = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__u32 lip = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__u16 port = BPF_CORE_READ(sk, __sk_common.skc_dport);

		if (!ip && ua) {
			struct sockaddr_in sin;

			if (bpf_probe_read_user(&sin, sizeof(sin), ua)) {
				drop(c->st, c->rb->op, BT_DROP_FAULT);
				return -1;
			}
			if (sin.sin_family != AF_INET)
				return 1;
			ip = sin.sin_addr.s_addr;
			port = sin.sin_port;
		}
		if (!ip)
			return 1;
		a->family = l->family = AF_INET;
		a->port = bpf_ntohs(port);
		__builtin_memcpy(a->addr, &ip, 4);
		__builtin_memcpy(l->addr, &lip, 4);
	} else if (fam == AF_INET6) {
		struct in6_addr ip6 = BPF_CORE_READ(sk, __sk_common.skc_v6_daddr);
		struct in6_addr lip6 =
			BPF_CORE_READ(sk, __sk_common.skc_v6_rcv_saddr);
		__u16 port = BPF_CORE_READ(sk, __sk_common.skc_dport);
		__u64 w[2];

		__builtin_memcpy(w, &ip6, 16);
		if (!w[0] && !w[1] && ua) {
			struct sockaddr_in6 s6;

			if (bpf_probe_read_user(&s6, sizeof(s6), ua)) {
				drop(c->st, c->rb->op, BT_DROP_FAULT);
				return -1;
			}
			if (s6.sin6_family != AF_INET6)
				return 1;
			ip6 = s6.sin6_addr;
			port = s6.sin6_port;
			__builtin_memcpy(w, &ip6, 16);
		}
		if (!w[0] && !w[1])
			return 1;
		a->family = l->family = AF_INET6;
		a->port = bpf_ntohs(port);
		__builtin_memcpy(a->addr, &ip6, 16);
		__builtin_memcpy(l->addr, &lip6, 16);
	} else {
		return 1;
	}
	if (rec_str(c, a, sizeof(*a)) ||
	    (l->port && rec_str(c, l, sizeof(*l)))) {
		drop(c->st, c->rb->op, BT_DROP_TOOLONG);
		return -1;
	}
	return 0;
}

/* ---- syscall events --------------------------------------------------- */

/* A socket event (CONNECT, ACCEPT, RECV, SEND) on socket file f. */
static __always_inline void sock_event(struct bt_probe *c, __u32 op,
				       struct file *f, __u64 bytes,
				       const void *ua)
{
	struct bt_raw *r = rec_begin(c, op);

	r->arg = bytes;
	r->arg32 = BT_RAWF_ADDR;
	if (bt_sock_addr((__u64)f, (__u64)ua, c->ualen))
		return;
	rec_commit(c);
}

/* A read or write of a socketpair's end f (socket sk): a WRITE into the
 * channel of f's own inode, or a READ from the peer's. */
static __always_inline void pair_event(struct bt_probe *c, __u32 op,
				       struct file *f, struct sock *sk,
				       __u64 bytes)
{
	struct inode *ino = BPF_CORE_READ(f, f_inode);
	struct bt_raw *r;
	__u64 i = BPF_CORE_READ(ino, i_ino);

	if (op == BT_RAW_READ) {
		struct unix_sock *u = (struct unix_sock *)sk;
		__u64 key = (__u64)BPF_CORE_READ(u, peer), *v;

		i = sk_ino((struct sock *)key);
		if (!i && (v = bpf_map_lookup_elem(&clients, &key)))
			i = *v;
		if (!i)
			return;
	} else {
		__u64 key = (__u64)sk;

		bpf_map_update_elem(&clients, &key, &i, BPF_ANY);
	}
	r = rec_begin(c, op);
	rec_inode(r, ino);      /* the device: sockfs, as the peer's */
	r->ino = i;
	r->arg = bytes;
	if (bt_chan_name(i, 1))
		return;
	rec_commit(c);
}

/*
 * A read or write of a pseudo-terminal (file f, on a character device):
 * a pty carries two channels (core/raw.h BT_PTY_INO), "in" (the master
 * writes, the slave reads) and "out" (the slave writes, the master
 * reads), on the device of its devpts instance (the slave's dentry, in
 * the slave tty's driver_data).  The slave may be reached as /dev/pts/N
 * or /dev/tty: its tty is the file's either way.  A TIOCSTI (a WRITE
 * with c->x2 TIOCSTI) writes into "in" from either end.  An OPEN of the
 * master starts a new generation; nothing is recorded for it.  Other
 * character devices (a console, /dev/null) are no dependency.
 */
static __noinline void pty_event(struct bt_probe *c, __u32 op, __u64 fp)
{
	struct file *f = (struct file *)fp;
	struct tty_file_private *pv = BPF_CORE_READ(f, private_data);
	struct tty_struct *tty, *master, *slave;
	struct dentry *d;
	struct bt_raw *r;
	__u64 gen = 0, key, *g, ino, idx;
	__u32 index, dir, rdev = BPF_CORE_READ(f, f_inode, i_rdev);
	__u32 ma = rdev >> 20, mi = rdev & 0xfffff;
	bool is_master;
	char *pb;
	long n;

	/* /dev/pts/N, /dev/ptmx (5:2) or /dev/tty (5:0, the caller's
	 * controlling terminal) */
	if (!((ma >= BT_PTY_SLAVE_MAJOR &&
	       ma < BT_PTY_SLAVE_MAJOR + BT_PTY_SLAVE_MAJORS) ||
	      (ma == 5 && (mi == 0 || mi == 2))) || !pv)
		return;
	tty = BPF_CORE_READ(pv, tty);
	if (!tty)
		return;
	/* By the device, not the driver's type and subtype (whose types
	 * and values changed across kernels): the master is 5:2's tty;
	 * a slave's driver has a Unix98 slave major (not a console's, nor
	 * a BSD pty's). */
	is_master = ma == 5 && mi == 2;
	master = is_master ? tty : BPF_CORE_READ(tty, link);
	slave = is_master ? BPF_CORE_READ(tty, link) : tty;
	if (!master || !slave)
		return;
	ma = BPF_CORE_READ(slave, driver, major);
	if (ma < BT_PTY_SLAVE_MAJOR ||
	    ma >= BT_PTY_SLAVE_MAJOR + BT_PTY_SLAVE_MAJORS)
		return;
	key = (__u64)master;
	if (op == BT_RAW_OPEN) {
		if (is_master) {
			gen = __sync_fetch_and_add(&pty_last, 1) + 1;
			bpf_map_update_elem(&ptys, &key, &gen, BPF_ANY);
		}
		return;
	}
	if ((g = bpf_map_lookup_elem(&ptys, &key)))
		gen = *g;
	index = BPF_CORE_READ(slave, index);
	d = BPF_CORE_READ(slave, driver_data);
	if (!d)
		return;
	/* a write goes into the direction it feeds, a read comes out of
	 * the other; TIOCSTI (c->x2) pushes into the input from either end */
	if (op == BT_RAW_WRITE && c->x2 == TIOCSTI)
		dir = BT_PTY_IN;
	else
		dir = (op == BT_RAW_WRITE) == is_master ? BT_PTY_IN :
			BT_PTY_OUT;
	ino = BT_PTY_INO(gen, index, dir);
	r = rec_begin(c, op);
	r->dev = encode_dev(BPF_CORE_READ(d, d_sb, s_dev));
	r->ino = ino;
	r->arg32 |= BT_RAWF_INO;
	r->arg = c->x1;
	pb = c->pb + 2 * PSZ;
	idx = index;
	if (dir == BT_PTY_IN)
		n = bpf_snprintf(pb, 64, "pty:[%u.in]", &idx, sizeof(idx));
	else
		n = bpf_snprintf(pb, 64, "pty:[%u.out]", &idx, sizeof(idx));
	if (n <= 1 || n > 64 || rec_str(c, pb, n - 1)) {
		drop(c->st, op, BT_DROP_TOOLONG);
		return;
	}
	rec_commit(c);
}

/* An event on an open descriptor: READ, WRITE, TRUNCATE, CHMOD, CHOWN,
 * OPEN (CREATE when the open created the file), PIPE; sockets make RECV,
 * SEND, CONNECT, ACCEPT.  c->x1 and c->x2 go into the record's arg and
 * arg2, c->ua is the user sockaddr of a socket op. */
static __noinline void file_event(struct bt_probe *c, __u32 op, __u64 fp)
{
	__u64 arg = c->x1, arg2 = c->x2;
	const void *ua = c->ua;
	struct file *f = (struct file *)fp;
	struct inode *ino;
	struct bt_raw *r;
	__u64 key;
	__u32 fmt;
	bool viafd = false;
	int n;

	if (!f)
		return;
	ino = BPF_CORE_READ(f, f_inode);
	fmt = BPF_CORE_READ(ino, i_mode) & S_IFMT;
	if (fmt == S_IFSOCK) {
		struct sock *sk = file_sk(f);

		if (op == BT_RAW_PIPE) {        /* socketpair: each end */
			r = rec_begin(c, op);
			rec_inode(r, ino);
			if (bt_chan_name(r->ino, 1))
				return;
			rec_commit(c);
			return;
		}
		if (is_pair(sk)) {
			if (op == BT_RAW_READ || op == BT_RAW_RECV)
				pair_event(c, BT_RAW_READ, f, sk, arg);
			else if (op == BT_RAW_WRITE || op == BT_RAW_SEND)
				pair_event(c, BT_RAW_WRITE, f, sk, arg);
			return;
		}
		if (op == BT_RAW_READ || op == BT_RAW_RECV)
			sock_event(c, BT_RAW_RECV, f, arg, ua);
		else if (op == BT_RAW_WRITE || op == BT_RAW_SEND)
			sock_event(c, BT_RAW_SEND, f, arg, ua);
		else if (op == BT_RAW_CONNECT || op == BT_RAW_ACCEPT)
			sock_event(c, op, f, 0, 0);
		return;
	}
	if (op == BT_RAW_RECV || op == BT_RAW_SEND || op == BT_RAW_CONNECT ||
	    op == BT_RAW_ACCEPT)
		return;
	if (fmt == S_IFCHR) {
		if (op == BT_RAW_READ || op == BT_RAW_WRITE ||
		    op == BT_RAW_OPEN)
			pty_event(c, op, (__u64)f);
		return;
	}
	if (fmt != S_IFREG && !(fmt == S_IFIFO && op != BT_RAW_OPEN))
		return;
	if (op == BT_RAW_TRUNCATE) {
		/* arg: the length; arg2 set: the O_TRUNC of an open, which
		 * cut nothing of a file it created (nor of a FIFO); else an
		 * ftruncate, through the descriptor */
		if (fmt != S_IFREG || (arg2 && (BPF_CORE_READ(f, f_mode) &
						FMODE_CREATED)))
			return;
		viafd = !arg2;
		arg2 = 0;
	}
	if (op == BT_RAW_OPEN) {
		arg2 = 0;
		if (BPF_CORE_READ(f, f_mode) & FMODE_CREATED)
			op = BT_RAW_CREATE;
	}
	r = rec_begin(c, op);
	rec_inode(r, ino);
	r->arg = arg;
	r->arg2 = arg2;
	if (op == BT_RAW_TRUNCATE)
		r->arg32 |= BT_RAWF_LEN | (viafd ? BT_RAWF_VIAFD : 0);
	key = (__u64)f;
	if (op == BT_RAW_READ || op == BT_RAW_WRITE) {
		__u64 *v = bpf_map_lookup_elem(&named, &key);

		if (v && *v == r->ino) {
			rec_commit(c);
			return;
		}
	}
	n = bt_file_path((__u64)f, 0);
	if (n < 0)
		return;
	/* A path too long to walk (a deep tree): the file by its inode
	 * alone, unnamed, rather than the event lost. */
	if (!n)
		bpf_map_update_elem(&named, &key, &r->ino, BPF_ANY);
	rec_commit(c);
}

/* The file op on descriptor fd of the current task (file_event()). */
static __always_inline void fd_event(struct bt_probe *c, __u32 op, long fd)
{
	file_event(c, op, (__u64)fd_file(c->task, fd));
}

/* An event on one or two user paths: TRUNCATE, UNLINK, CHMOD, CHOWN;
 * RENAME and LINK (two: c->dfd2, c->p2); SYMLINK (a path, then c->p2, the
 * target as given).  c->x1 and c->x2 go into arg and arg2. */
static __noinline void path_event(struct bt_probe *c, __u32 op, long dfd,
				  const char *p)
{
	const char *p2 = c->p2;
	long dfd2 = c->dfd2;
	struct bt_raw *r = rec_begin(c, op);
	char *pb = c->pb;
	long n;

	r->arg = c->x1;
	r->arg2 = c->x2;
	if (op == BT_RAW_TRUNCATE)      /* arg: the length */
		r->arg32 |= BT_RAWF_LEN;
	if (op == BT_RAW_RENAME && c->x2 == BT_RAWF_EXCHANGE) {
		r->arg2 = 0;            /* (a flag, not an argument) */
		r->arg32 |= BT_RAWF_EXCHANGE;
	}
	if (bt_user_path(dfd, (__u64)p))
		return;
	if (op == BT_RAW_SYMLINK) {
		if (!pb)
			return;
		n = bpf_probe_read_user_str(pb, PSZ, p2);
		if (n <= 1) {
			drop(c->st, op, BT_DROP_FAULT);
			return;
		}
		if (rec_str(c, pb, n - 1)) {
			drop(c->st, op, BT_DROP_TOOLONG);
			return;
		}
	} else if (p2 && bt_user_path(dfd2, (__u64)p2)) {
		return;
	}
	rec_commit(c);
}

/* SETID: the credentials after the call. */
static __always_inline void setid_event(struct bt_probe *c)
{
	struct task_struct *t = c->task;
	const struct cred *cr = BPF_CORE_READ(t, cred);
	struct bt_raw *r = rec_begin(c, BT_RAW_SETID);

	r->arg = BPF_CORE_READ(cr, uid.val) |
		 ((__u64)BPF_CORE_READ(cr, euid.val) << 32);
	r->arg2 = BPF_CORE_READ(cr, gid.val) |
		  ((__u64)BPF_CORE_READ(cr, egid.val) << 32);
	rec_commit(c);
}

/* ---- mappings --------------------------------------------------------- */

struct bt_vma {
	__u64 addr, len;
	struct file *file;
	__u64 first, count, npages, index;
	__u32 prot;
	bool shared_only;
};

static __always_inline __u32 vma_prot(__u64 fl)
{
	__u32 prot = 0;

	if (fl & VM_READ)
		prot |= BT_PROT_READ;
	if (fl & VM_WRITE)
		prot |= BT_PROT_WRITE;
	if (fl & (VM_SHARED | VM_MAYSHARE))
		prot |= BT_PROT_SHARED;
	return prot;
}

static long vma_cb(struct task_struct *t, struct vm_area_struct *vma,
		   struct bt_vma *v)
{
	struct file *f = BPF_CORE_READ(vma, vm_file);
	__u64 fl = BPF_CORE_READ(vma, vm_flags);
	__u64 start = BPF_CORE_READ(vma, vm_start);
	__u64 end = BPF_CORE_READ(vma, vm_end);
	__u64 pgoff = BPF_CORE_READ(vma, vm_pgoff), rest;

	if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFREG)
		return 0;
	if (v->shared_only &&
	    (!(fl & (VM_SHARED | VM_MAYSHARE)) || (fl & (VM_IO | VM_PFNMAP))))
		return 0;
	v->file = f;
	v->prot = vma_prot(fl);
	v->first = pgoff + ((v->addr - start) >> PAGE_SHIFT);
	rest = end - v->addr;
	if (v->len < rest)
		rest = v->len;
	v->count = (rest + 4095) >> PAGE_SHIFT;
	v->index = v->first;
	v->npages = (end - start) >> PAGE_SHIFT;
	v->first = v->shared_only ? pgoff : v->first;
	return 0;
}

/* MMAP (after mprotect, mremap) or MUNMAP (before munmap) of the file
 * mapping at addr, if there is one. */
static __noinline void vma_event(struct bt_probe *c, __u32 op, __u64 addr,
				 __u64 len)
{
	struct bt_vma v = { .addr = addr, .len = len };
	struct bt_raw *r;
	long err;

	err = bpf_find_vma(c->task, addr, vma_cb, &v, 0);
	if (err == -EBUSY) {
		drop(c->st, op, BT_DROP_LOCK);
		return;
	}
	if (err || !v.file)
		return;
	r = rec_begin(c, op);
	{ struct file *vf = v.file; rec_inode(r, BPF_CORE_READ(vf, f_inode)); }
	r->arg32 |= v.prot;
	r->arg = v.first;
	r->arg2 = v.count;
	if (bt_file_path((__u64)v.file, 0) < 0)
		return;  /* (too long: by its inode alone) */
	rec_commit(c);
}

/* mmap(addr, len, prot, flags, fd, off): the arguments in c->x1 (len),
 * c->x2 (off). */
static __noinline void mmap_event(struct bt_probe *c, __u64 prot, __u64 flags,
				  long fd)
{
	__u64 len = c->x1, off = c->x2;
	struct file *f;
	struct bt_raw *r;
	__u32 p = 0, type = flags & MAP_TYPE;

	if (flags & MAP_ANONYMOUS)
		return;
	f = fd_file(c->task, fd);
	if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFREG)
		return;
	if (prot & PROT_READ)
		p |= BT_PROT_READ;
	if (prot & PROT_WRITE)
		p |= BT_PROT_WRITE;
	if (type == MAP_SHARED || type == MAP_SHARED_VALIDATE)
		p |= BT_PROT_SHARED;
	r = rec_begin(c, BT_RAW_MMAP);
	rec_inode(r, BPF_CORE_READ(f, f_inode));
	r->arg32 |= p;
	r->arg = off >> PAGE_SHIFT;
	r->arg2 = (len + 4095) >> PAGE_SHIFT;
	if (bt_file_path((__u64)f, 0) < 0)
		return;  /* (too long: by its inode alone) */
	rec_commit(c);
}

/* ---- the syscall events, verified once each -------------------------- */

/* What sys_exit and sys_enter hand to the event functions below.  Those
 * are global functions: the verifier checks each once, not once per call
 * site and branch of the syscall switch (which passes its limits). */
struct bt_args {
	__u32 op;               /* the raw op */
	__u32 kind;             /* K_FD, K_PATH, K_MMAP, K_VMA */
	__u32 op2;              /* K_FD: the op on fd2 */
	__s64 fd, fd2;          /* K_FD: op on fd, then op2 on fd2 */
	__s64 dfd, dfd2;        /* K_PATH: the paths' dirfds */
	__u64 up, p2;           /* K_PATH: the user paths */
	__u64 x1, x2;           /* the record's arg and arg2 */
	__u64 ua, ualen;        /* a user sockaddr and its length */
	__u64 t0;               /* the records' time (0: now) */
	__u64 addr, len, prot, flags; /* K_MMAP, K_VMA */
	__u64 fp;               /* K_FD: op on this struct file instead of
	                           fd (io_uring), or 0 */
};

enum { K_NONE, K_FD, K_PATH, K_MMAP, K_VMA, K_LINKFD };

/* x for an op with no descriptor or path yet, at time t0 (0: now). */
static __always_inline void args_init(struct bt_args *x, __u32 op, __u64 t0)
{
	__builtin_memset(x, 0, sizeof(*x));
	x->op = op;
	x->op2 = BT_RAW_WRITE;
	x->fd = x->fd2 = -1;
	x->dfd = x->dfd2 = AT_FDCWD;
	x->t0 = t0;
}

__noinline int bt_ev_fd(struct bt_args *a)
{
	struct bt_probe c;

	if (!a || probe_load(&c))
		return 0;
	c.x1 = a->x1;
	c.x2 = a->x2;
	c.ua = (const void *)a->ua;
	c.ualen = a->ualen;
	c.t0 = a->t0;
	if (a->fp)
		file_event(&c, a->op, a->fp);
	if (a->fd >= 0)
		fd_event(&c, a->op, a->fd);
	if (a->fd2 >= 0)
		fd_event(&c, a->op2, a->fd2);
	return 0;
}

__noinline int bt_ev_path(struct bt_args *a)
{
	struct bt_probe c;

	if (!a || probe_load(&c))
		return 0;
	c.x1 = a->x1;
	c.x2 = a->x2;
	c.dfd2 = a->dfd2;
	c.p2 = (const char *)a->p2;
	path_event(&c, a->op, a->dfd, (const char *)a->up);
	return 0;
}

/*
 * The descriptor whose open file linkat(olddirfd, old, ..., flags) links,
 * or -1 when it links a name: old "" with AT_EMPTY_PATH (olddirfd), or
 * with AT_SYMLINK_FOLLOW "/proc/self/fd/N", "/proc/thread-self/fd/N" or
 * "/proc/PID/fd/N" of the caller's own PID (N).  How an O_TMPFILE file,
 * which has no name, is given one.
 */
/* The decimal number at s[*at] (at most 10 digits) into *v, *at past
 * it; the count of its digits. */
static __always_inline __u32 dec(const char *s, __u32 *at, __u64 *v)
{
	__u32 i;
	char ch;

	*v = 0;
	for (i = 0; i < 10; i++) {
		ch = s[*at & 63];
		if (ch < '0' || ch > '9')
			break;
		*v = *v * 10 + (__u64)(ch - '0');
		(*at)++;
	}
	return i;
}

__noinline int bt_link_fd(__s64 dfd, __u64 upp, __u64 flags)
{
	__u32 at = 6, me = bpf_get_current_pid_tgid() >> 32;
	char s[64];
	__u64 v = 0;
	long n;

	__builtin_memset(s, 0, sizeof(s));
	n = bpf_probe_read_user_str(s, sizeof(s), (const void *)upp);
	if (n == 1 && (flags & AT_EMPTY_PATH))
		return dfd >= 0 && dfd <= 0x7fffffff ? (int)dfd : -1;
	if (n < 10 || !(flags & AT_SYMLINK_FOLLOW) || s[0] != '/' ||
	    s[1] != 'p' || s[2] != 'r' || s[3] != 'o' || s[4] != 'c' ||
	    s[5] != '/')
		return -1;
	if (s[6] == 's' && s[7] == 'e' && s[8] == 'l' && s[9] == 'f' &&
	    s[10] == '/') {
		at = 11;
	} else if (s[6] == 't' && s[7] == 'h' && s[8] == 'r' && s[9] == 'e' &&
		   s[10] == 'a' && s[11] == 'd' && s[12] == '-' &&
		   s[13] == 's' && s[14] == 'e' && s[15] == 'l' &&
		   s[16] == 'f' && s[17] == '/') {
		at = 18;
	} else {
		if (!dec(s, &at, &v) || s[at & 63] != '/' || v != me)
			return -1;
		at++;
	}
	if (s[at & 63] != 'f' || s[(at + 1) & 63] != 'd' ||
	    s[(at + 2) & 63] != '/')
		return -1;
	at += 3;
	if (!dec(s, &at, &v) || s[at & 63] || v > 0x7fffffff)
		return -1;
	return (int)v;
}

/* LINK of the open file of descriptor a->fd (bt_link_fd()) to the user
 * path (a->dfd2, a->p2): by its inode, so that the new name is the file
 * written through the descriptor. */
__noinline int bt_ev_linkfd(struct bt_args *a)
{
	struct bt_probe c;
	struct bt_raw *r;
	struct file *f;
	int n;

	if (!a || probe_load(&c))
		return 0;
	f = fd_file(c.task, a->fd);
	if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFREG)
		return 0;
	r = rec_begin(&c, BT_RAW_LINK);
	rec_inode(r, BPF_CORE_READ(f, f_inode));
	n = bt_file_path((__u64)f, 0);
	if (n) {
		if (n > 0)
			drop(c.st, BT_RAW_LINK, BT_DROP_TOOLONG);
		return 0;
	}
	if (bt_user_path(a->dfd2, a->p2))
		return 0;
	rec_commit(&c);
	return 0;
}

__noinline int bt_ev_map(struct bt_args *a)
{
	struct bt_probe c;

	if (!a || probe_load(&c))
		return 0;
	if (a->kind == K_MMAP) {
		c.x1 = a->len;
		c.x2 = a->x2;
		mmap_event(&c, a->prot, a->flags, a->fd);
	} else {
		vma_event(&c, a->op, a->addr, a->len);
	}
	return 0;
}

/* ---- sys_exit --------------------------------------------------------- */

/* The raw op a syscall makes, 0 for none: the cheap filter first. */
static __always_inline __u32 sys_op(long nr)
{
	switch (nr) {
	case __NR_open: case __NR_openat: case __NR_openat2: case __NR_creat:
	case __NR_mq_open:
		return BT_RAW_OPEN;
	case __NR_read: case __NR_pread64: case __NR_readv: case __NR_preadv:
	case __NR_preadv2: case __NR_mq_timedreceive: case __NR_msgrcv:
		return BT_RAW_READ;
	case __NR_write: case __NR_pwrite64: case __NR_writev:
	case __NR_pwritev: case __NR_pwritev2: case __NR_mq_timedsend:
	case __NR_msgsnd:
	case __NR_sendfile: case __NR_splice: case __NR_copy_file_range:
	case __NR_tee: case __NR_vmsplice:
		return BT_RAW_WRITE;
	case __NR_mkdir: case __NR_mkdirat: case __NR_mknod:
	case __NR_mknodat:
		return BT_RAW_CREATE;
	case __NR_truncate: case __NR_ftruncate:
		return BT_RAW_TRUNCATE;
	case __NR_rename: case __NR_renameat: case __NR_renameat2:
		return BT_RAW_RENAME;
	case __NR_link: case __NR_linkat:
		return BT_RAW_LINK;
	case __NR_symlink: case __NR_symlinkat:
		return BT_RAW_SYMLINK;
	case __NR_unlink: case __NR_unlinkat: case __NR_rmdir:
		return BT_RAW_UNLINK;
	case __NR_mmap: case __NR_mprotect: case __NR_mremap:
		return BT_RAW_MMAP;
	case __NR_connect:
		return BT_RAW_CONNECT;
	case __NR_accept: case __NR_accept4:
		return BT_RAW_ACCEPT;
	case __NR_recvfrom: case __NR_recvmsg: case __NR_recvmmsg:
		return BT_RAW_RECV;
	case __NR_sendto: case __NR_sendmsg: case __NR_sendmmsg:
		return BT_RAW_SEND;
	case __NR_chmod: case __NR_fchmod: case __NR_fchmodat:
#ifdef __NR_fchmodat2
	case __NR_fchmodat2:
#endif
		return BT_RAW_CHMOD;
	case __NR_chown: case __NR_fchown: case __NR_lchown:
	case __NR_fchownat:
		return BT_RAW_CHOWN;
	case __NR_setuid: case __NR_setgid: case __NR_setreuid:
	case __NR_setregid: case __NR_setresuid: case __NR_setresgid:
	case __NR_setfsuid: case __NR_setfsgid:
		return BT_RAW_SETID;
	case __NR_pipe: case __NR_pipe2: case __NR_socketpair:
		return BT_RAW_PIPE;
	case __NR_ioctl:        /* TIOCSTI, FICLONE, FICLONERANGE only */
		return BT_RAW_WRITE;
	case __NR_process_vm_writev:
	case __NR_ptrace:       /* POKE and PEEK only (bt_sys_exit) */
		return BT_RAW_MEM_WRITE;
	case __NR_process_vm_readv:
		return BT_RAW_MEM_READ;
	}
	return 0;
}

/* ptrace(2) requests that move memory (asm-generic/ptrace.h). */
#define BT_PTRACE_PEEKTEXT 1
#define BT_PTRACE_PEEKDATA 2
#define BT_PTRACE_POKETEXT 4
#define BT_PTRACE_POKEDATA 5

/* MEM_WRITE, MEM_READ: the caller moved `bytes` into or out of the memory
 * of process `pid` (as the call named it: a thread id is not mapped to
 * its process here; the start time is left unknown). */
static __always_inline void mem_event(struct bt_probe *c, __u32 op, long pid,
				      long bytes)
{
	struct bt_raw *r;

	if (pid <= 0 || pid > BT_RAW_PID_MASK)
		return;
	r = rec_begin(c, op);
	r->arg32 = (__u32)pid;
	r->arg = bytes;
	rec_commit(c);
}

/* A write (msgsnd) or read (msgrcv) of `bytes` of System V message queue
 * `id`: its channel (core/raw.h BT_SYSV_MSG_INO). */
static __always_inline void msg_event(struct bt_probe *c, __u32 op, long id,
				      long bytes)
{
	struct bt_raw *r;
	char *pb = c->pb + 2 * PSZ;
	__u64 v = (__u32)id;
	long n;

	if (id < 0 || id > 0x7fffffff)
		return;
	r = rec_begin(c, op);
	r->dev = 0;
	r->ino = BT_SYSV_MSG_INO(id);
	r->arg32 |= BT_RAWF_INO;
	r->arg = bytes;
	n = bpf_snprintf(pb, 32, BT_SYSV_MSG_NAME, &v, sizeof(v));
	if (n <= 1 || n > 32 || rec_str(c, pb, n - 1)) {
		drop(c->st, op, BT_DROP_TOOLONG);
		return;
	}
	rec_commit(c);
}

/* The syscalls stamped at entry: they hand data to another process,
 * which may take it before the call returns. */
static __always_inline bool stamped_at_entry(long nr)
{
	switch (nr) {
	case __NR_write: case __NR_pwrite64: case __NR_writev:
	case __NR_pwritev: case __NR_pwritev2: case __NR_mq_timedsend:
	case __NR_msgsnd:
	case __NR_sendto: case __NR_sendmsg: case __NR_sendmmsg:
	case __NR_process_vm_writev: case __NR_ptrace:
	case __NR_vmsplice:     /* (a read out of a pipe: at its exit) */
		return true;
	}
	return false;
}

/* A 32-bit syscall: not recorded (its numbers are another table). */
static __always_inline bool is_compat(struct task_struct *t)
{
	return BPF_CORE_READ(t, thread_info.status) & TS_COMPAT;
}

/* The user sockaddr a struct user_msghdr names (NULL if none) and its
 * length. */
static __always_inline void msg_name(struct bt_args *x, const void *um)
{
	struct user_msghdr m;

	if (!um || bpf_probe_read_user(&m, sizeof(m), um))
		return;
	x->ua = (__u64)m.msg_name;
	x->ualen = m.msg_namelen > 0 ? m.msg_namelen : 0;
}


SEC("raw_tp/sys_exit")
int BPF_PROG(bt_sys_exit, struct pt_regs *regs, long ret)
{
	long nr = BPF_CORE_READ(regs, orig_ax);
	__u32 op = sys_op(nr);
	struct bt_args x;
	struct bt_probe c;
	struct pt_regs rg;
	long a0, a1, a2, a3, a4, a5;
	__u64 t0 = 0;

	if (!op)
		return 0;
	/* ioctl: only TIOCSTI, input pushed into a terminal, and the
	 * reflink copies (cp on btrfs and XFS) */
	if (nr == __NR_ioctl) {
		__u32 cmd = (__u32)BPF_CORE_READ(regs, si);

		if (cmd != TIOCSTI && cmd != FICLONE && cmd != FICLONERANGE)
			return 0;
	}
	if (stamped_at_entry(nr)) {     /* failed or not, out of its entry */
		__u64 *t = bpf_task_storage_get(&wstamp,
						bpf_get_current_task_btf(), 0, 0);

		if (t) {
			t0 = *t;
			*t = 0;
		}
	}
	if (ret < 0 && !(nr == __NR_connect && ret == -EINPROGRESS))
		return 0;
	if (enter(&c, op))
		return 0;
	if (is_compat(c.task))
		goto out;
	args_init(&x, op, t0);
	/* The arguments, in one read of the saved registers. */
	if (bpf_core_read(&rg, sizeof(rg), regs))
		goto out;
	a0 = rg.di;
	a1 = rg.si;
	a2 = rg.dx;
	a3 = rg.r10;
	a4 = rg.r8;
	a5 = rg.r9;
	switch (nr) {
	case __NR_open: case __NR_openat: case __NR_openat2: case __NR_creat:
		x.fd = ret;
		/* O_TRUNC (creat implies it): a truncate to 0 of the file
		 * unless the open created it (fd_event()) */
		{
			__u64 fl = nr == __NR_open ? a1 : nr == __NR_openat ?
				   a2 : nr == __NR_creat ? BT_O_TRUNC : 0;

			if (nr == __NR_openat2 &&
			    bpf_probe_read_user(&fl, sizeof(fl), (void *)a2))
				fl = 0;
			if (fl & BT_O_TRUNC) {
				x.fd2 = ret;
				x.op2 = BT_RAW_TRUNCATE;
				x.x2 = 1;
			}
		}
		break;
	case __NR_process_vm_writev:     /* pid, local iov, n, remote iov */
	case __NR_process_vm_readv:
		if (ret > 0)
			mem_event(&c, op, a0, ret);
		goto out;
	case __NR_ptrace:               /* request, pid, addr, data */
		/* Attaching, stopping, resuming, registers: no dependency. */
		if (a0 == BT_PTRACE_POKEDATA || a0 == BT_PTRACE_POKETEXT)
			mem_event(&c, BT_RAW_MEM_WRITE, a1, 8);
		else if (a0 == BT_PTRACE_PEEKDATA || a0 == BT_PTRACE_PEEKTEXT)
			mem_event(&c, BT_RAW_MEM_READ, a1, 8);
		goto out;
	case __NR_ioctl:
		if ((__u32)a1 == TIOCSTI) {     /* one byte typed in */
			x.x1 = 1;
			x.x2 = TIOCSTI;
			x.fd = a0;
			break;
		}
		/* FICLONE (dest, src), FICLONERANGE (dest, &range): dest
		 * shares src's blocks, a copy with no read or write call */
		x.op = BT_RAW_READ;
		x.fd2 = a0;
		if ((__u32)a1 == FICLONE) {
			x.fd = a2;
		} else {
			__s64 cr[4];    /* struct file_clone_range */

			if (!bpf_probe_read_user(cr, sizeof(cr), (void *)a2)) {
				x.fd = cr[0];
				x.x1 = cr[2];
			}
		}
		if (x.fd < 0 || x.fd > 0x7fffffff)
			x.fd = x.fd2 = -1;
		break;
	case __NR_read: case __NR_pread64: case __NR_readv: case __NR_preadv:
	case __NR_preadv2:
	case __NR_write: case __NR_pwrite64: case __NR_writev:
	case __NR_pwritev: case __NR_pwritev2:
	case __NR_mq_timedreceive:      /* mqd, ...: the message's length */
		x.x1 = ret;
		if (ret > 0)
			x.fd = a0;
		break;
	case __NR_mq_timedsend:         /* mqd, msg, len, prio, timeout */
		x.x1 = a2;
		x.fd = a0;
		break;
	case __NR_mq_open:              /* a POSIX message queue's file */
		x.fd = ret;
		break;
	case __NR_msgsnd:               /* id, msg, len, flags */
		c.t0 = t0;
		msg_event(&c, op, a0, a2);
		goto out;
	case __NR_msgrcv:               /* id, msg, len, type, flags */
		if (ret > 0)
			msg_event(&c, op, a0, ret);
		goto out;
	case __NR_sendfile:     /* out_fd, in_fd */
		x.x1 = ret;
		x.op = BT_RAW_READ;
		if (ret > 0)
			x.fd = a1, x.fd2 = a0;
		break;
	case __NR_splice: case __NR_copy_file_range: /* in, off, out, off */
		x.x1 = ret;
		x.op = BT_RAW_READ;
		if (ret > 0)
			x.fd = a0, x.fd2 = a2;
		break;
	case __NR_tee:          /* in, out: two pipes; in keeps its data */
		x.x1 = ret;
		x.op = BT_RAW_READ;
		if (ret > 0)
			x.fd = a0, x.fd2 = a1;
		break;
	case __NR_vmsplice:     /* fd, iov, n, flags: memory into a pipe
				   (its write end) or out of it */
		x.x1 = ret;
		if (ret > 0) {
			struct file *f = fd_file(c.task, a0);

			x.fd = a0;
			if (!f || !(BPF_CORE_READ(f, f_mode) & FMODE_WRITE)) {
				x.op = BT_RAW_READ;
				x.t0 = 0;
			}
		}
		break;
	case __NR_mkdir: case __NR_mknod:       /* path, mode */
		x.up = a0;
		break;
	case __NR_mkdirat: case __NR_mknodat:   /* dirfd, path, mode */
		x.dfd = a0;
		x.up = a1;
		break;
	case __NR_truncate:
		x.x1 = a1;              /* the length */
		x.up = a0;
		break;
	case __NR_unlink: case __NR_rmdir:
		x.up = a0;
		break;
	case __NR_ftruncate:
		x.x1 = a1;              /* the length */
		x.fd = a0;
		break;
	case __NR_rename: case __NR_link:
		x.p2 = a1;
		x.up = a0;
		break;
	case __NR_linkat:       /* olddirfd, old, newdirfd, new, flags */
		x.dfd2 = a2;
		x.p2 = a3;
		if ((x.fd = bt_link_fd(a0, a1, a4)) >= 0) {
			x.kind = K_LINKFD;
			break;
		}
		x.dfd = a0;
		x.up = a1;
		break;
	case __NR_renameat: case __NR_renameat2:
		if (nr == __NR_renameat2 && (a4 & RENAME_EXCHANGE))
			x.x2 = BT_RAWF_EXCHANGE;        /* (path_event) */
		x.dfd2 = a2;
		x.p2 = a3;
		x.dfd = a0;
		x.up = a1;
		break;
	case __NR_symlink:      /* target, linkpath */
		x.p2 = a0;
		x.up = a1;
		break;
	case __NR_symlinkat:    /* target, newdirfd, linkpath */
		x.p2 = a0;
		x.dfd = a1;
		x.up = a2;
		break;
	case __NR_unlinkat:
		x.dfd = a0;
		x.up = a1;
		break;
	case __NR_chmod:
		x.x1 = a1 & 07777;
		x.up = a0;
		break;
	case __NR_fchmod:
		x.x1 = a1 & 07777;
		x.fd = a0;
		break;
	case __NR_fchmodat:
#ifdef __NR_fchmodat2
	case __NR_fchmodat2:
#endif
		x.x1 = a2 & 07777;
		if (nr != __NR_fchmodat && (a3 & AT_EMPTY_PATH))
			x.fd = a0;
		else
			x.dfd = a0, x.up = a1;
		break;
	case __NR_chown: case __NR_lchown:
		x.x1 = (__u32)a1;
		x.x2 = (__u32)a2;
		x.up = a0;
		break;
	case __NR_fchown:
		x.x1 = (__u32)a1;
		x.x2 = (__u32)a2;
		x.fd = a0;
		break;
	case __NR_fchownat:
		x.x1 = (__u32)a2;
		x.x2 = (__u32)a3;
		if (a4 & AT_EMPTY_PATH)
			x.fd = a0;
		else
			x.dfd = a0, x.up = a1;
		break;
	case __NR_setuid: case __NR_setgid: case __NR_setreuid:
	case __NR_setregid: case __NR_setresuid: case __NR_setresgid:
	case __NR_setfsuid: case __NR_setfsgid:
		setid_event(&c);
		break;
	case __NR_pipe: case __NR_pipe2: case __NR_socketpair: {
		int fds[2];
		void *u = (void *)(nr == __NR_socketpair ? a3 : a0);

		if (bpf_probe_read_user(fds, sizeof(fds), u)) {
			drop(c.st, op, BT_DROP_FAULT);
		} else {
			/* a pipe's ends share one inode; a socketpair's
			 * are two channels, one per direction */
			x.fd = fds[0];
			if (nr == __NR_socketpair)
				x.fd2 = fds[1], x.op2 = BT_RAW_PIPE;
		}
		break;
	}
	case __NR_mmap:
		x.kind = K_MMAP;
		x.len = a1;
		x.prot = a2;
		x.flags = a3;
		x.fd = a4;
		x.x2 = a5;
		break;
	case __NR_mprotect:
		x.kind = K_VMA;
		x.addr = a0;
		x.len = a1;
		break;
	case __NR_mremap:
		x.kind = K_VMA;
		x.addr = ret;
		x.len = a2;
		break;
	case __NR_connect:
		x.fd = a0;
		break;
	case __NR_accept: case __NR_accept4:
		x.fd = ret;
		break;
	case __NR_recvfrom:
	case __NR_sendto:
		x.x1 = ret;
		x.ua = a4;
		x.ualen = nr == __NR_sendto ? a5 : 0;
		if (ret > 0)
			x.fd = a0;
		break;
	case __NR_recvmsg:
	case __NR_sendmsg:
		x.x1 = ret;
		if (ret > 0) {
			msg_name(&x, (void *)a1);
			x.fd = a0;
		}
		break;
	case __NR_recvmmsg:     /* ret: messages; bytes unknown (0) */
	case __NR_sendmmsg:
		if (ret > 0) {
			msg_name(&x, (void *)a1);  /* the first message's */
			x.fd = a0;
		}
		break;
	}
	if (x.kind == K_MMAP || x.kind == K_VMA)
		bt_ev_map(&x);
	else if (x.kind == K_LINKFD)
		bt_ev_linkfd(&x);
	else if (x.up)
		bt_ev_path(&x);
	else if (x.fd >= 0)
		bt_ev_fd(&x);
out:
	leave(&c);
	return 0;
}

/* io_uring and Linux AIO: the reads and writes happen in the kernel, in
 * no system call traced here; counted (io_uring_calls in the drops note),
 * so that the capture says so instead of missing them silently. */
static __always_inline bool is_async(long nr)
{
	switch (nr) {
	case __NR_io_uring_setup: case __NR_io_uring_enter:
	case __NR_io_uring_register: case __NR_io_setup: case __NR_io_submit:
		return true;
	}
	return false;
}

/* munmap is recorded before the call: afterwards the mapping is gone.
 * Writes and sends take their time here (wstamp). */
SEC("raw_tp/sys_enter")
int BPF_PROG(bt_sys_enter, struct pt_regs *regs, long id)
{
	struct bt_probe c;

	if (stamped_at_entry(id)) {
		struct task_struct *task = bpf_get_current_task_btf();
		__u64 *t;

		if (!in_scope(task, bpf_get_current_pid_tgid() >> 32))
			return 0;
		t = bpf_task_storage_get(&wstamp, task, 0,
					 BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (t)
			*t = now_real();
		return 0;
	}
	if (is_async(id)) {
		if (in_scope(bpf_get_current_task_btf(),
			     bpf_get_current_pid_tgid() >> 32) &&
		    !probe_load(&c))
			__sync_fetch_and_add(&c.st->io_uring, 1);
		return 0;
	}
	if (id != __NR_munmap)
		return 0;
	if (enter(&c, BT_RAW_MUNMAP))
		return 0;
	if (!is_compat(c.task)) {
		struct bt_args x = {
			.op = BT_RAW_MUNMAP, .kind = K_VMA,
			.addr = BPF_CORE_READ(regs, di),
			.len = BPF_CORE_READ(regs, si),
		};

		bt_ev_map(&x);
	}
	leave(&c);
	return 0;
}

/* ---- io_uring --------------------------------------------------------- */

/*
 * io_uring requests move data with no system call of their own (a ring
 * shared with the kernel, io_uring_enter at most, or none with SQPOLL):
 * the syscall tracepoints never see them.  Each one's completion does:
 * io_uring:io_uring_complete, in the submitting process (its task work,
 * or one of its io-wq or SQPOLL threads), with the request (its opcode and
 * file, a registered one too) and the result.  A read, write, send or
 * receive is recorded on its file with the bytes the result says; an
 * open or accept by the descriptor it made; a connect on its socket.
 * A write or send is stamped when it was submitted (uring_t0).  Other
 * opcodes (splice, tee, renameat, ...) are not yet.
 */
/* The write-type requests (writes and sends: what they hand over may be
 * taken before their completion is posted). */
static __always_inline bool uring_write(__u8 code)
{
	return code == IORING_OP_WRITEV || code == IORING_OP_WRITE_FIXED ||
	       code == IORING_OP_WRITE || code == IORING_OP_SENDMSG ||
	       code == IORING_OP_SEND;
}

/* When each write-type request was submitted, by request: its completion
 * is stamped then, as a write(2) at its entry (a reader on another CPU
 * may take the data before the writer's completion is posted). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} uring_t0 SEC(".maps");

SEC("raw_tp/io_uring_submit_req")
int BPF_PROG(bt_uring_submit, struct io_kiocb *rq)
{
	__u64 key = (__u64)rq, t;

	if (!rq || !uring_write(BPF_CORE_READ(rq, opcode)) ||
	    !in_scope(bpf_get_current_task_btf(),
		      bpf_get_current_pid_tgid() >> 32))
		return 0;
	t = now_real();
	bpf_map_update_elem(&uring_t0, &key, &t, BPF_ANY);
	return 0;
}

SEC("raw_tp/io_uring_complete")
int BPF_PROG(bt_uring_complete, struct io_ring_ctx *ring, void *req,
	     struct io_uring_cqe *cqe)
{
	struct io_kiocb *rq = req;
	__u64 key = (__u64)req, t0 = 0, *t;
	struct bt_probe c;
	struct bt_args x;
	__u32 op = 0;
	__s32 res;
	__u8 code;

	if (!rq || !cqe)
		return 0;
	code = BPF_CORE_READ(rq, opcode);
	res = BPF_CORE_READ(cqe, res);
	if (uring_write(code) && (t = bpf_map_lookup_elem(&uring_t0, &key))) {
		t0 = *t;
		bpf_map_delete_elem(&uring_t0, &key);
	}
	switch (code) {
	case IORING_OP_READV: case IORING_OP_READ_FIXED: case IORING_OP_READ:
	case IORING_OP_RECVMSG: case IORING_OP_RECV:
		op = BT_RAW_READ;
		break;
	case IORING_OP_WRITEV: case IORING_OP_WRITE_FIXED:
	case IORING_OP_WRITE: case IORING_OP_SENDMSG: case IORING_OP_SEND:
		op = BT_RAW_WRITE;
		break;
	case IORING_OP_OPENAT: case IORING_OP_OPENAT2:
		op = BT_RAW_OPEN;
		break;
	case IORING_OP_ACCEPT:
		op = BT_RAW_ACCEPT;
		break;
	case IORING_OP_CONNECT:
		op = BT_RAW_CONNECT;
		break;
	default:
		return 0;
	}
	if (res < 0 || (res == 0 && op != BT_RAW_CONNECT))
		return 0;
	if (enter(&c, op))
		return 0;
	if (is_compat(c.task))
		goto out;
	args_init(&x, op, t0);
	if (op == BT_RAW_OPEN || op == BT_RAW_ACCEPT)
		x.fd = res;             /* the descriptor it made */
	else {
		x.fp = (__u64)BPF_CORE_READ(rq, file);
		x.x1 = op == BT_RAW_CONNECT ? 0 : res;
		if (!x.fp)
			goto out;
	}
	bt_ev_fd(&x);
out:
	leave(&c);
	return 0;
}

/* ---- process lifecycle ----------------------------------------------- */

SEC("raw_tp/sched_process_fork")
int BPF_PROG(bt_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 pid = BPF_CORE_READ(child, pid), tgid = BPF_CORE_READ(child, tgid);
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	struct bt_raw *r;
	struct bt_probe c;

	if (pid != tgid)        /* a thread, not a process */
		return 0;
	if (scope == BT_EBPF_PIDS && bpf_map_lookup_elem(&tracked, &ptgid)) {
		__u8 one = 1;

		bpf_map_update_elem(&tracked, &tgid, &one, BPF_ANY);
	}
	if (enter(&c, BT_RAW_FORK))
		return 0;
	r = rec_begin(&c, BT_RAW_FORK);
	r->arg32 = tgid;
	r->arg = BPF_CORE_READ(child, start_time) + rt_offset;
	/* The parent's cgroup v2 id, where the child starts (drain.c) */
	r->arg2 = bpf_get_current_cgroup_id();
	rec_commit(&c);
	/* Both have sent it now (the child's is labelled at the fork). */
	bpf_map_update_elem(&cgseen, &ptgid, &r->arg2, BPF_ANY);
	bpf_map_update_elem(&cgseen, &tgid, &r->arg2, BPF_ANY);
	leave(&c);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(bt_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct file *f = BPF_CORE_READ(bprm, file);
	struct task_struct *t;
	struct mm_struct *mm;
	struct bt_raw *r;
	struct bt_probe c;
	__u64 as, ae, n = 0;
	char *pb;
	int i;

	if (enter(&c, BT_RAW_EXEC))
		return 0;
	r = rec_begin(&c, BT_RAW_EXEC);
	rec_inode(r, BPF_CORE_READ(f, f_inode));
	r->arg2 = bpf_get_current_cgroup_id();  /* its cgroup v2 id */
	i = bt_file_path((__u64)f, 0);
	if (i) {
		if (i > 0)
			drop(c.st, BT_RAW_EXEC, BT_DROP_TOOLONG);
		goto out;
	}
	t = c.task;
	mm = BPF_CORE_READ(t, mm);
	as = BPF_CORE_READ(mm, arg_start);
	ae = BPF_CORE_READ(mm, arg_end);
	pb = c.pb + 2 * PSZ;
	if (mm && ae > as) {
		n = ae - as;
		if (n > ARGV_MAX) {
			n = ARGV_MAX;
			__sync_fetch_and_add(&c.st->truncated, 1);
		}
		if (bpf_probe_read_user(pb, n & (2 * ARGV_MAX - 1),
					(void *)as)) {
			drop(c.st, BT_RAW_EXEC, BT_DROP_FAULT);
			goto out;
		}
		for (i = 0; i < 8 && n; i++) {
			if (pb[(n - 1) & (2 * ARGV_MAX - 1)])
				break;
			n--;
		}
	}
	if (rec_str(&c, pb, n)) {
		drop(c.st, BT_RAW_EXEC, BT_DROP_TOOLONG);
		goto out;
	}
	rec_commit(&c);
	{
		__u32 tgid = r->pid;

		bpf_map_update_elem(&cgseen, &tgid, &r->arg2, BPF_ANY);
	}
out:
	leave(&c);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(bt_exit, struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);
	struct bt_probe c;

	/* Only the last thread of a process: the group is dead. */
	if (BPF_CORE_READ(p, signal, live.counter))
		return 0;
	if (!enter(&c, BT_RAW_EXIT)) {
		rec_begin(&c, BT_RAW_EXIT);
		rec_commit(&c);
		leave(&c);
	}
	if (scope == BT_EBPF_PIDS)
		bpf_map_delete_elem(&tracked, &tgid);
	bpf_map_delete_elem(&cgseen, &tgid);
	return 0;
}

/* ---- page faults ------------------------------------------------------ */

/*
 * A user page fault, before it is handled: on a MAP_SHARED mapping of a
 * regular file it is a PAGE_READ or PAGE_WRITE (by the error code's write
 * bit), with arg the page index, arg2 the mapping's first page and arg32
 * its page count, as the module writes them.
 */
static __always_inline int fault(unsigned long addr, unsigned long error_code,
				 bool kernel)
{
	__u32 op = (error_code & X86_PF_WRITE) ? BT_RAW_PAGE_WRITE :
						 BT_RAW_PAGE_READ;
	struct bt_vma v = { .addr = addr, .len = 4096, .shared_only = true };
	struct bt_raw *r;
	struct bt_probe c;
	long err;

	if (!pages_on)
		return 0;
	if (enter(&c, op))
		return 0;
	if (kernel) {
		/* A write(2) from a mapped buffer faults after its entry,
		 * where the write is stamped: the page was read before. */
		__u64 *t = bpf_task_storage_get(&wstamp, c.task, 0, 0);

		if (t && *t)
			c.t0 = *t - 1;
	}
	err = bpf_find_vma(c.task, addr, vma_cb, &v, 0);
	if (err == -EBUSY) {
		drop(c.st, 0, BT_DROP_LOCK);
		goto out;
	}
	if (err || !v.file)
		goto out;
	__sync_fetch_and_add(&c.st->faults, 1);
	r = rec_begin(&c, op);
	{ struct file *vf = v.file; rec_inode(r, BPF_CORE_READ(vf, f_inode)); }
	r->arg = v.index;
	r->arg2 = v.first;
	r->arg32 |= v.npages < 0x0fffffff ? v.npages : 0x0fffffff;
	if (bt_file_path((__u64)v.file, 0) < 0)
		goto out;  /* (too long: by its inode alone) */
	rec_commit(&c);
out:
	leave(&c);
	return 0;
}

SEC("raw_tp/page_fault_user")
int BPF_PROG(bt_fault_user, unsigned long addr, struct pt_regs *regs,
	     unsigned long error_code)
{
	return fault(addr, error_code, false);
}

/* A kernel-mode fault on a user address: a system call (write(2) from a
 * mapped buffer, say) touching the shared page for the process. */
SEC("raw_tp/page_fault_kernel")
int BPF_PROG(bt_fault_kernel, unsigned long addr, struct pt_regs *regs,
	     unsigned long error_code)
{
	if (addr >= 0x800000000000ul)
		return 0;
	return fault(addr, error_code, true);
}
