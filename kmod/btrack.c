// SPDX-License-Identifier: GPL-2.0
/*
 * btrack.c - the btrack kernel module: records what processes do to files,
 * filenames, sockets and shared file mappings (down to the page) into
 * per-CPU rings that the drainer (`btrack capture`, capture/drain.c) maps
 * through /dev/btrack.
 *
 * Hooks: the raw syscall tracepoints sys_enter (munmap; and the entry
 * time of the calls that hand data to another process: writes, sends,
 * process_vm_writev, ptrace, whose records carry it) and sys_exit
 * (every other syscall, recorded with its result; failed calls make no
 * record), sched_process_fork/exec/exit, and the x86 tracepoint
 * exceptions:page_fault_user (and page_fault_kernel on user addresses: a
 * system call touching a mapped buffer) for faults on MAP_SHARED file
 * mappings (the
 * page monitor of Sarmoria and Chapin).  A kprobe on handle_mm_fault was
 * the first design; under repeated load and unload on 6.1 it crashed
 * through the ftrace trampoline (RIP 0 from do_user_addr_fault), and the
 * tracepoint gives the same facts (address, write bit) before the fault
 * is handled.  Touched pages are re-armed once per time slice by a delayed
 * work item with unmap_mapping_range(), so that the next access by any
 * process faults again; PTEs are never edited by hand and vm_ops are never
 * swapped.
 *
 * On 6.1 every one of these probes runs with preemption disabled, so a
 * probe never sleeps: user memory is copied with copy_from_user_nofault()
 * (a fault is a counted drop, never a sleep), paths come from d_path()
 * (RCU and seqlocks only), and files are pinned with fget()/get_file()
 * whose fput() is deferred by the VFS.  Each CPU has one ring, one scratch
 * buffer and a busy flag; a record is built in the scratch buffer and
 * copied into the ring in one piece.
 *
 * What is not captured, and why: 32-bit (compat) syscalls; sockets other
 * than AF_INET/AF_INET6; reads and writes of devices and directories;
 * names of files mapped before capture started; accesses to a shared page
 * that is already mapped in the current slice (by design: one fault per
 * page, process and slice).  The interface is kmod/btrack_ioctl.h; the
 * prose specification is man/btrack.ko.4.
 */
#include <linux/atomic.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/pid.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <linux/binfmts.h>
#include <linux/compat.h>
#include <linux/socket.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <net/sock.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <asm/syscall.h>
#include <asm/unistd.h>
#include <asm/trap_pf.h>

#include "btrack_ioctl.h"

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("btrack: forensic capture of file, name, socket and shared page dependencies");

static unsigned int ring_kb = 1024;
module_param(ring_kb, uint, 0444);
MODULE_PARM_DESC(ring_kb, "ring size per CPU in KiB, a power of two, 64..65536 (default 1024)");
static unsigned int slice_ms = 10;
module_param(slice_ms, uint, 0444);
MODULE_PARM_DESC(slice_ms, "page re-arm period in ms, 1..10000 (default 10)");
static char *pages;
module_param(pages, charp, 0444);
MODULE_PARM_DESC(pages, "comma-separated path prefixes whose shared mappings are monitored (default: all)");
static unsigned int test_abi = BT_KMOD_ABI;
module_param(test_abi, uint, 0444);
MODULE_PARM_DESC(test_abi, "for tests: the ring ABI version the handshake claims (default: the real one)");

struct bt_cpu {
	struct bt_ring_ctl *ctl;	/* vmalloc_user, one page */
	u8 *data;			/* vmalloc_user, ring_size bytes */
	u64 head;			/* the kernel's copy of ctl->head */
	int busy;
	u8 *rec;			/* BT_RAW_MAX scratch for one record */
	char *p1, *p2;			/* PATH_MAX scratch each */
	/* The entry of the last call on this CPU that hands data to
	 * another process (stamped_at_entry()): its task and time, taken
	 * by that task's exit here (a task that moved to another CPU, or
	 * whose slot another task took, is stamped at its exit). */
	struct task_struct *st_task;
	u64 st_time;
	u64 t0;				/* while busy: the records' time, or 0
					   for now */
};

static struct bt_cpu *bt_cpus;
static u64 ring_size;
static int bt_on;			/* capturing; read with READ_ONCE */
static pid_t bt_excl = -1;		/* the drainer's tgid: never traced */
static unsigned long slice_jiffies;
static atomic_t bt_open_count = ATOMIC_INIT(0);

static char bt_prefix[BT_MAX_PREFIXES][BT_PREFIX_MAX];
static int bt_nprefix;		/* changed only while not capturing */

/* Pages touched in the current slice: a small open-addressing set of
 * (file, index), each file pinned with get_file() until re-armed. */
#define TOUCH_SLOTS 4096
#define TOUCH_MAX (TOUCH_SLOTS * 3 / 4)
struct bt_touch {
	struct file *file;
	pgoff_t index;
};
static struct bt_touch *touch_cur, *touch_alt;
static unsigned int touch_n;
static DEFINE_SPINLOCK(touch_lock);
static void rearm_fn(struct work_struct *w);
static DECLARE_DELAYED_WORK(rearm_work, rearm_fn);

/* ---- records ---------------------------------------------------------- */

static void drop(struct bt_cpu *c, unsigned int op, unsigned int cause)
{
	struct bt_ring_ctl *ctl = c->ctl;

	if (op >= BT_RING_OPS)
		op = 0;
	WRITE_ONCE(ctl->drops[cause], ctl->drops[cause] + 1);
	WRITE_ONCE(ctl->drops_by_op[op], ctl->drops_by_op[op] + 1);
}

/* Enter a probe: the CPU's state, or NULL when this event is not ours to
 * record.  The caller ends with probe_exit(). */
static struct bt_cpu *probe_enter(unsigned int op)
{
	struct bt_cpu *c;

	if (!READ_ONCE(bt_on) || (current->flags & PF_KTHREAD))
		return NULL;
	if (current->tgid == READ_ONCE(bt_excl))
		return NULL;
	c = &bt_cpus[smp_processor_id()];
	if (c->busy) {
		drop(c, op, BT_DROP_NESTED);
		return NULL;
	}
	c->busy = 1;
	return c;
}

static void probe_exit(struct bt_cpu *c)
{
	c->t0 = 0;
	c->busy = 0;
}

static u64 task_start(struct task_struct *t)
{
	return ktime_mono_to_real(t->group_leader->start_time);
}

static struct bt_raw *rec_begin(struct bt_cpu *c, unsigned int op)
{
	struct bt_raw *r = (struct bt_raw *)c->rec;

	memset(r, 0, BT_RAW_HEAD);
	r->len = BT_RAW_HEAD;
	r->op = op;
	r->pid = current->tgid;
	r->tid = current->pid;
	r->time = c->t0 ? c->t0 : ktime_get_real_ns();
	r->start = task_start(current);
	return r;
}

/* Append a string; -ENAMETOOLONG when the record would pass BT_RAW_MAX. */
static int rec_str(struct bt_cpu *c, const char *s, size_t n)
{
	struct bt_raw *r = (struct bt_raw *)c->rec;
	u16 n16 = n;

	if (n > U16_MAX || r->len + 2 + n > BT_RAW_MAX - 8)
		return -ENAMETOOLONG;
	memcpy(c->rec + r->len, &n16, 2);
	memcpy(c->rec + r->len + 2, s, n);
	r->len += 2 + n;
	r->nstr++;
	return 0;
}

static void rec_file(struct bt_raw *r, struct file *f)
{
	struct inode *inode = file_inode(f);

	r->dev = new_encode_dev(inode->i_sb->s_dev);
	r->ino = inode->i_ino;
	r->arg32 |= BT_RAWF_INO;
}

/* Publish the record in the scratch buffer to this CPU's ring. */
static void rec_commit(struct bt_cpu *c)
{
	struct bt_raw *r = (struct bt_raw *)c->rec;
	struct bt_ring_ctl *ctl = c->ctl;
	u32 len = ALIGN(r->len, 8);
	u64 head = c->head, tail = smp_load_acquire(&ctl->tail);
	u64 pos = head & (ring_size - 1);
	u64 room = ring_size - pos, pad = room < len ? room : 0;

	memset(c->rec + r->len, 0, len - r->len);
	r->len = len;
	/* A tail the reader could not have written counts as a full ring:
	 * never write over bytes that may be unread. */
	if (tail > head || head - tail > ring_size ||
	    head + pad + len - tail > ring_size) {
		drop(c, r->op, BT_DROP_FULL);
		return;
	}
	if (pad) {
		struct bt_raw *p = (struct bt_raw *)(c->data + pos);

		p->len = pad;
		p->op = BT_RAW_PAD;
		p->nstr = 0;
		head += pad;
		pos = 0;
	}
	memcpy(c->data + pos, r, len);
	head += len;
	c->head = head;
	smp_store_release(&ctl->head, head);
	WRITE_ONCE(ctl->events, ctl->events + 1);
}

/* ---- copying from user space and paths ------------------------------- */

/* Copy a NUL-terminated user string of at most max-1 bytes into buf,
 * without faulting: page by page.  Its length, or -EFAULT/-ENAMETOOLONG. */
static long user_str(char *buf, const char __user *u, size_t max)
{
	size_t done = 0;

	while (done < max) {
		unsigned long a = (unsigned long)u + done;
		size_t chunk = PAGE_SIZE - (a & (PAGE_SIZE - 1));
		char *nul;

		if (chunk > max - done)
			chunk = max - done;
		if (copy_from_user_nofault(buf + done, (const void __user *)a,
					   chunk))
			return -EFAULT;
		nul = memchr(buf + done, 0, chunk);
		if (nul)
			return nul - buf;
		done += chunk;
	}
	return -ENAMETOOLONG;
}

static int err_cause(long err)
{
	return err == -EFAULT ? BT_DROP_FAULT : BT_DROP_TOOLONG;
}

/* An absolute path for (dfd, user path) in c->p1, lexically as given: the
 * drainer normalises "." and "..".  Uses c->p2. */
static long user_path_abs(struct bt_cpu *c, int dfd, const char __user *up)
{
	long n = user_str(c->p2, up, PATH_MAX);
	char *base;
	size_t blen;

	if (n < 0)
		return n;
	if (n == 0)
		return -EFAULT;
	if (c->p2[0] == '/') {
		memcpy(c->p1, c->p2, n + 1);
		return n;
	}
	if (dfd == AT_FDCWD) {
		struct fs_struct *fs = current->fs;

		if (!fs)
			return -EFAULT;
		spin_lock(&fs->lock);
		base = d_path(&fs->pwd, c->p1, PATH_MAX);
		spin_unlock(&fs->lock);
	} else {
		struct file *f = fget(dfd);

		if (!f)
			return -EFAULT;
		base = d_path(&f->f_path, c->p1, PATH_MAX);
		fput(f);
	}
	if (IS_ERR(base))
		return -ENAMETOOLONG;
	blen = strlen(base);
	if (blen + 1 + n >= PATH_MAX)
		return -ENAMETOOLONG;
	memmove(c->p1, base, blen);
	c->p1[blen] = '/';
	memcpy(c->p1 + blen + 1, c->p2, n + 1);
	return blen + 1 + n;
}

/* The path of an open file as a record string (none if d_path fails). */
static int rec_file_path(struct bt_cpu *c, struct file *f)
{
	char *p = d_path(&f->f_path, c->p1, PATH_MAX);

	if (IS_ERR(p))
		return 0;
	return rec_str(c, p, strlen(p));
}

/* ---- sockets ---------------------------------------------------------- */

/* The remote address of a socket ("a.b.c.d:port", "[v6]:port") into out,
 * from the connection or else from a user sockaddr.  -1 if not an inet
 * socket or unknown; -EFAULT if the user sockaddr faults. */
static int sock_remote(struct socket *sock, const void __user *uaddr,
		       char *out, size_t n)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return -1;
	if (sk->sk_family == AF_INET) {
		struct sockaddr_in sin = {
			.sin_addr.s_addr = READ_ONCE(inet_sk(sk)->inet_daddr),
			.sin_port = READ_ONCE(inet_sk(sk)->inet_dport),
		};

		if (!sin.sin_addr.s_addr && uaddr) {
			if (copy_from_user_nofault(&sin, uaddr, sizeof(sin)))
				return -EFAULT;
			if (sin.sin_family != AF_INET)
				return -1;
		}
		if (!sin.sin_addr.s_addr)
			return -1;
		snprintf(out, n, "%pI4:%u", &sin.sin_addr, ntohs(sin.sin_port));
		return 0;
	}
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		struct sockaddr_in6 s6 = {
			.sin6_addr = sk->sk_v6_daddr,
			.sin6_port = READ_ONCE(inet_sk(sk)->inet_dport),
		};

		if (ipv6_addr_any(&s6.sin6_addr) && uaddr) {
			if (copy_from_user_nofault(&s6, uaddr, sizeof(s6)))
				return -EFAULT;
			if (s6.sin6_family != AF_INET6)
				return -1;
		}
		if (ipv6_addr_any(&s6.sin6_addr))
			return -1;
		/* A v4-mapped peer of a dual-stack socket is that IPv4
		 * endpoint: one name for one remote. */
		if (ipv6_addr_v4mapped(&s6.sin6_addr))
			snprintf(out, n, "%pI4:%u", &s6.sin6_addr.s6_addr32[3],
				 ntohs(s6.sin6_port));
		else
			snprintf(out, n, "[%pI6c]:%u", &s6.sin6_addr,
				 ntohs(s6.sin6_port));
		return 0;
	}
#endif
	return -1;
}

static void sock_event(struct bt_cpu *c, unsigned int op, struct file *f,
		       u64 bytes, const void __user *uaddr)
{
	struct socket *sock = sock_from_file(f);
	struct bt_raw *r;
	int err;

	if (!sock)
		return;
	err = sock_remote(sock, uaddr, c->p2, PATH_MAX);
	if (err == -EFAULT) {
		drop(c, op, BT_DROP_FAULT);
		return;
	}
	if (err)
		return;
	r = rec_begin(c, op);
	r->arg = bytes;
	if (rec_str(c, c->p2, strlen(c->p2))) {
		drop(c, op, BT_DROP_TOOLONG);
		return;
	}
	rec_commit(c);
}

/* The sockaddr a sendmsg/recvmsg names, or NULL. */
static const void __user *msg_name(const struct user_msghdr __user *um)
{
	struct user_msghdr m;

	if (!um || copy_from_user_nofault(&m, um, sizeof(m)))
		return NULL;
	return m.msg_name;
}

/* ---- syscall events --------------------------------------------------- */

/* An event on an open file descriptor: READ, WRITE, TRUNCATE, OPEN (CREATE
 * when the open created it).  Sockets become RECV/SEND. */
static void fd_event(struct bt_cpu *c, unsigned int op, int fd, u64 bytes,
		     const void __user *uaddr)
{
	struct file *f = fget(fd);
	umode_t mode;
	struct bt_raw *r;

	if (!f)
		return;
	mode = file_inode(f)->i_mode;
	if (S_ISSOCK(mode)) {
		if (op == BT_RAW_READ || op == BT_RAW_RECV)
			sock_event(c, BT_RAW_RECV, f, bytes, uaddr);
		else if (op == BT_RAW_WRITE || op == BT_RAW_SEND)
			sock_event(c, BT_RAW_SEND, f, bytes, uaddr);
		else if (op == BT_RAW_CONNECT || op == BT_RAW_ACCEPT)
			sock_event(c, op, f, 0, NULL);
		goto out;
	}
	if (op == BT_RAW_RECV || op == BT_RAW_SEND || op == BT_RAW_CONNECT ||
	    op == BT_RAW_ACCEPT)
		goto out;
	if (!S_ISREG(mode) && !(S_ISFIFO(mode) && op != BT_RAW_OPEN))
		goto out;
	if (op == BT_RAW_OPEN && (f->f_mode & FMODE_CREATED))
		op = BT_RAW_CREATE;
	r = rec_begin(c, op);
	rec_file(r, f);
	r->arg = bytes;
	if (rec_file_path(c, f)) {
		drop(c, op, BT_DROP_TOOLONG);
		goto out;
	}
	rec_commit(c);
out:
	fput(f);
}

/* An event on one or two user paths: TRUNCATE, UNLINK, CREATE (symlink),
 * RENAME and LINK (two). */
static void path_event(struct bt_cpu *c, unsigned int op, int dfd,
		       const char __user *p, int dfd2, const char __user *p2)
{
	long n = user_path_abs(c, dfd, p);
	int err;

	if (n < 0) {
		drop(c, op, err_cause(n));
		return;
	}
	rec_begin(c, op);
	err = rec_str(c, c->p1, n);
	if (!err && p2) {
		n = user_path_abs(c, dfd2, p2);
		if (n < 0) {
			drop(c, op, err_cause(n));
			return;
		}
		err = rec_str(c, c->p1, n);
	}
	if (err) {
		drop(c, op, BT_DROP_TOOLONG);
		return;
	}
	rec_commit(c);
}

static u32 vma_prot(struct vm_area_struct *vma)
{
	u32 prot = 0;

	if (vma->vm_flags & VM_READ)
		prot |= BT_PROT_READ;
	if (vma->vm_flags & VM_WRITE)
		prot |= BT_PROT_WRITE;
	/* A MAP_SHARED mapping of a file opened read-only has VM_MAYSHARE
	 * without VM_SHARED (do_mmap clears it): still shared. */
	if (vma->vm_flags & (VM_SHARED | VM_MAYSHARE))
		prot |= BT_PROT_SHARED;
	return prot;
}

/* MMAP (after mprotect, mremap) or MUNMAP (before munmap) of the file
 * mapping at addr, if there is one.  Needs the mmap lock: trylock only. */
static void vma_event(struct bt_cpu *c, unsigned int op, unsigned long addr,
		      unsigned long len)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct file *f = NULL;
	struct bt_raw *r;
	u64 first = 0, count = 0;
	u32 prot = 0;

	if (!mm)
		return;
	if (!mmap_read_trylock(mm)) {
		drop(c, op, BT_DROP_LOCK);
		return;
	}
	vma = vma_lookup(mm, addr);
	if (vma && vma->vm_file && S_ISREG(file_inode(vma->vm_file)->i_mode)) {
		f = get_file(vma->vm_file);
		first = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
		count = DIV_ROUND_UP(min_t(unsigned long, len,
					   vma->vm_end - addr), PAGE_SIZE);
		prot = vma_prot(vma);
	}
	mmap_read_unlock(mm);
	if (!f)
		return;
	r = rec_begin(c, op);
	rec_file(r, f);
	r->arg32 |= prot;
	r->arg = first;
	r->arg2 = count;
	if (rec_file_path(c, f))
		drop(c, op, BT_DROP_TOOLONG);
	else
		rec_commit(c);
	fput(f);
}

static void mmap_event(struct bt_cpu *c, unsigned long *a)
{
	struct file *f;
	struct bt_raw *r;
	u32 prot = 0, type = a[3] & MAP_TYPE;

	if (a[3] & MAP_ANONYMOUS)
		return;
	f = fget(a[4]);
	if (!f)
		return;
	if (!S_ISREG(file_inode(f)->i_mode))
		goto out;
	if (a[2] & PROT_READ)
		prot |= BT_PROT_READ;
	if (a[2] & PROT_WRITE)
		prot |= BT_PROT_WRITE;
	if (type == MAP_SHARED || type == MAP_SHARED_VALIDATE)
		prot |= BT_PROT_SHARED;
	r = rec_begin(c, BT_RAW_MMAP);
	rec_file(r, f);
	r->arg32 |= prot;
	r->arg = a[5] >> PAGE_SHIFT;
	r->arg2 = DIV_ROUND_UP(a[1], PAGE_SIZE);
	if (rec_file_path(c, f))
		drop(c, BT_RAW_MMAP, BT_DROP_TOOLONG);
	else
		rec_commit(c);
out:
	fput(f);
}

/* The raw op a syscall makes, 0 for none: the cheap filter that runs
 * before anything else in sys_exit. */
static unsigned int sys_op(long nr)
{
	switch (nr) {
	case __NR_open: case __NR_openat: case __NR_openat2: case __NR_creat:
		return BT_RAW_OPEN;
	case __NR_read: case __NR_pread64: case __NR_readv: case __NR_preadv:
	case __NR_preadv2:
		return BT_RAW_READ;
	case __NR_write: case __NR_pwrite64: case __NR_writev:
	case __NR_pwritev: case __NR_pwritev2:
	case __NR_sendfile: case __NR_splice: case __NR_copy_file_range:
		return BT_RAW_WRITE;
	case __NR_truncate: case __NR_ftruncate:
		return BT_RAW_TRUNCATE;
	case __NR_rename: case __NR_renameat: case __NR_renameat2:
		return BT_RAW_RENAME;
	case __NR_link: case __NR_linkat:
		return BT_RAW_LINK;
	case __NR_symlink: case __NR_symlinkat:
		return BT_RAW_CREATE;
	case __NR_unlink: case __NR_unlinkat:
		return BT_RAW_UNLINK;
	case __NR_mmap: case __NR_mprotect: case __NR_mremap:
		return BT_RAW_MMAP;
	case __NR_connect:
		return BT_RAW_CONNECT;
	case __NR_accept: case __NR_accept4:
		return BT_RAW_ACCEPT;
	case __NR_recvfrom: case __NR_recvmsg:
		return BT_RAW_RECV;
	case __NR_sendto: case __NR_sendmsg:
		return BT_RAW_SEND;
	case __NR_process_vm_writev:
	case __NR_ptrace:       /* PEEK and POKE only (bt_sys_exit) */
		return BT_RAW_MEM_WRITE;
	case __NR_process_vm_readv:
		return BT_RAW_MEM_READ;
	}
	return 0;
}

/*
 * MEM_WRITE, MEM_READ: the caller moved `bytes` into or out of the memory
 * of the task the caller named `nr` (in its pid namespace): the record
 * names that task's thread group and start, as its own records do.  A
 * target gone by now makes no record (the call succeeded, so it existed:
 * counted as a fault drop).
 */
static void mem_event(struct bt_cpu *c, unsigned int op, long nr, u64 bytes)
{
	struct task_struct *t;
	struct bt_raw *r;
	u32 tgid = 0;
	u64 start = 0;

	if (nr <= 0 || nr > BT_RAW_PID_MASK)
		return;
	rcu_read_lock();
	t = pid_task(find_vpid(nr), PIDTYPE_PID);
	if (t) {
		tgid = t->tgid;
		start = task_start(t);
	}
	rcu_read_unlock();
	if (!tgid || tgid > BT_RAW_PID_MASK) {
		drop(c, op, BT_DROP_FAULT);
		return;
	}
	r = rec_begin(c, op);
	r->arg32 = tgid;
	r->arg = bytes;
	r->arg2 = start;
	rec_commit(c);
}

/* The calls stamped at entry: they hand data to another process (a pipe's
 * reader, a socket's peer, the target of a memory write), which may use it
 * before the call returns; the backward walk's time rule needs the cause
 * no later than the effect. */
static bool stamped_at_entry(long nr)
{
	switch (nr) {
	case __NR_write: case __NR_pwrite64: case __NR_writev:
	case __NR_pwritev: case __NR_pwritev2:
	case __NR_sendto: case __NR_sendmsg:
	case __NR_process_vm_writev: case __NR_ptrace:
		return true;
	}
	return false;
}

static void bt_sys_exit(void *data, struct pt_regs *regs, long ret)
{
	long nr = syscall_get_nr(current, regs);
	unsigned int op = sys_op(nr);
	unsigned long a[6];
	struct bt_cpu *c;
	u64 t0 = 0;

	if (op && stamped_at_entry(nr) && READ_ONCE(bt_on)) {
		/* failed or not, out of its entry stamp */
		c = &bt_cpus[smp_processor_id()];
		if (c->st_task == current) {
			t0 = c->st_time;
			c->st_task = NULL;
		}
	}
	if (!op || IS_ERR_VALUE((unsigned long)ret) || in_compat_syscall())
		return;
	c = probe_enter(op);
	if (!c)
		return;
	c->t0 = t0;
	syscall_get_arguments(current, regs, a);
	switch (nr) {
	case __NR_open: case __NR_openat: case __NR_openat2: case __NR_creat:
		fd_event(c, BT_RAW_OPEN, ret, 0, NULL);
		break;
	case __NR_read: case __NR_pread64: case __NR_readv: case __NR_preadv:
	case __NR_preadv2:
		if (ret > 0)
			fd_event(c, BT_RAW_READ, a[0], ret, NULL);
		break;
	case __NR_write: case __NR_pwrite64: case __NR_writev:
	case __NR_pwritev: case __NR_pwritev2:
		if (ret > 0)
			fd_event(c, BT_RAW_WRITE, a[0], ret, NULL);
		break;
	case __NR_sendfile:	/* out_fd, in_fd */
		if (ret > 0) {
			fd_event(c, BT_RAW_READ, a[1], ret, NULL);
			fd_event(c, BT_RAW_WRITE, a[0], ret, NULL);
		}
		break;
	case __NR_splice: case __NR_copy_file_range: /* in, off, out, off */
		if (ret > 0) {
			fd_event(c, BT_RAW_READ, a[0], ret, NULL);
			fd_event(c, BT_RAW_WRITE, a[2], ret, NULL);
		}
		break;
	case __NR_truncate:
		path_event(c, op, AT_FDCWD, (void __user *)a[0], 0, NULL);
		break;
	case __NR_ftruncate:
		fd_event(c, BT_RAW_TRUNCATE, a[0], 0, NULL);
		break;
	case __NR_rename: case __NR_link:
		path_event(c, op, AT_FDCWD, (void __user *)a[0],
			   AT_FDCWD, (void __user *)a[1]);
		break;
	case __NR_renameat: case __NR_renameat2: case __NR_linkat:
		path_event(c, op, a[0], (void __user *)a[1],
			   a[2], (void __user *)a[3]);
		break;
	case __NR_symlink:
		path_event(c, op, AT_FDCWD, (void __user *)a[1], 0, NULL);
		break;
	case __NR_symlinkat:
		path_event(c, op, a[1], (void __user *)a[2], 0, NULL);
		break;
	case __NR_unlink:
		path_event(c, op, AT_FDCWD, (void __user *)a[0], 0, NULL);
		break;
	case __NR_unlinkat:
		path_event(c, op, a[0], (void __user *)a[1], 0, NULL);
		break;
	case __NR_mmap:
		mmap_event(c, a);
		break;
	case __NR_mprotect:
		vma_event(c, BT_RAW_MMAP, a[0], a[1]);
		break;
	case __NR_mremap:
		vma_event(c, BT_RAW_MMAP, ret, a[2]);
		break;
	case __NR_connect:
		fd_event(c, BT_RAW_CONNECT, a[0], 0, NULL);
		break;
	case __NR_accept: case __NR_accept4:
		fd_event(c, BT_RAW_ACCEPT, ret, 0, NULL);
		break;
	case __NR_recvfrom:
		if (ret > 0)
			fd_event(c, BT_RAW_RECV, a[0], ret,
				 (void __user *)a[4]);
		break;
	case __NR_sendto:
		if (ret > 0)
			fd_event(c, BT_RAW_SEND, a[0], ret,
				 (void __user *)a[4]);
		break;
	case __NR_recvmsg:
		if (ret > 0)
			fd_event(c, BT_RAW_RECV, a[0], ret,
				 msg_name((void __user *)a[1]));
		break;
	case __NR_sendmsg:
		if (ret > 0)
			fd_event(c, BT_RAW_SEND, a[0], ret,
				 msg_name((void __user *)a[1]));
		break;
	case __NR_process_vm_writev:	/* pid, local iov, n, remote iov */
	case __NR_process_vm_readv:
		if (ret > 0)
			mem_event(c, op, a[0], ret);
		break;
	case __NR_ptrace:		/* request, pid, addr, data */
		/* attach, stop, resume, registers: no dependency */
		if (a[0] == PTRACE_POKEDATA || a[0] == PTRACE_POKETEXT)
			mem_event(c, BT_RAW_MEM_WRITE, a[1], sizeof(long));
		else if (a[0] == PTRACE_PEEKDATA || a[0] == PTRACE_PEEKTEXT)
			mem_event(c, BT_RAW_MEM_READ, a[1], sizeof(long));
		break;
	}
	probe_exit(c);
}

/* munmap is recorded before the call: afterwards the mapping is gone. */
static void bt_sys_enter(void *data, struct pt_regs *regs, long id)
{
	unsigned long a[6];
	struct bt_cpu *c;

	if (stamped_at_entry(id)) {
		if (!READ_ONCE(bt_on) || (current->flags & PF_KTHREAD) ||
		    in_compat_syscall())
			return;
		c = &bt_cpus[smp_processor_id()];
		c->st_task = current;
		c->st_time = ktime_get_real_ns();
		return;
	}
	if (id != __NR_munmap || in_compat_syscall())
		return;
	c = probe_enter(BT_RAW_MUNMAP);
	if (!c)
		return;
	syscall_get_arguments(current, regs, a);
	vma_event(c, BT_RAW_MUNMAP, a[0], a[1]);
	probe_exit(c);
}

/* ---- process lifecycle ----------------------------------------------- */

static void bt_fork(void *data, struct task_struct *parent,
		    struct task_struct *child)
{
	struct bt_cpu *c;
	struct bt_raw *r;

	if (child->pid != child->tgid)	/* a thread, not a process */
		return;
	c = probe_enter(BT_RAW_FORK);
	if (!c)
		return;
	r = rec_begin(c, BT_RAW_FORK);
	r->arg32 = child->tgid;
	r->arg = ktime_mono_to_real(child->start_time);
	rec_commit(c);
	probe_exit(c);
}

#define ARGV_MAX 1024

static void bt_exec(void *data, struct task_struct *p, pid_t old_pid,
		    struct linux_binprm *bprm)
{
	struct mm_struct *mm = current->mm;
	struct bt_cpu *c;
	struct bt_raw *r;
	unsigned long n = 0;

	c = probe_enter(BT_RAW_EXEC);
	if (!c)
		return;
	r = rec_begin(c, BT_RAW_EXEC);
	rec_file(r, bprm->file);
	if (rec_file_path(c, bprm->file)) {
		drop(c, BT_RAW_EXEC, BT_DROP_TOOLONG);
		goto out;
	}
	if (mm && mm->arg_end > mm->arg_start) {
		n = mm->arg_end - mm->arg_start;
		if (n > ARGV_MAX) {
			n = ARGV_MAX;
			WRITE_ONCE(c->ctl->truncated, c->ctl->truncated + 1);
		}
		if (copy_from_user_nofault(c->p2,
					   (void __user *)mm->arg_start, n)) {
			drop(c, BT_RAW_EXEC, BT_DROP_FAULT);
			goto out;
		}
		while (n && c->p2[n - 1] == 0)
			n--;
	}
	if (rec_str(c, c->p2, n)) {
		drop(c, BT_RAW_EXEC, BT_DROP_TOOLONG);
		goto out;
	}
	rec_commit(c);
out:
	probe_exit(c);
}

static void bt_exit(void *data, struct task_struct *p)
{
	struct bt_cpu *c;

	/* Only the last thread of a process: the group is dead. */
	if (!p->signal || atomic_read(&p->signal->live))
		return;
	c = probe_enter(BT_RAW_EXIT);
	if (!c)
		return;
	rec_begin(c, BT_RAW_EXIT);
	rec_commit(c);
	probe_exit(c);
}

/* ---- page monitor ----------------------------------------------------- */

static void touch_add(struct bt_cpu *c, struct file *f, pgoff_t index)
{
	unsigned int i, h = (hash_ptr(f, 32) ^ hash_long(index, 32)) &
			    (TOUCH_SLOTS - 1);

	spin_lock(&touch_lock);
	for (i = 0; i < TOUCH_SLOTS; i++, h = (h + 1) & (TOUCH_SLOTS - 1)) {
		struct bt_touch *t = &touch_cur[h];

		if (t->file == f && t->index == index)
			goto out;
		if (!t->file) {
			if (touch_n >= TOUCH_MAX)
				break;
			t->file = get_file(f);
			t->index = index;
			touch_n++;
			goto out;
		}
	}
	WRITE_ONCE(c->ctl->drops[BT_DROP_REARM],
		   c->ctl->drops[BT_DROP_REARM] + 1);
out:
	spin_unlock(&touch_lock);
}

static bool prefix_ok(struct bt_cpu *c, struct file *f)
{
	char *p;
	int i;

	if (!bt_nprefix)
		return true;
	p = d_path(&f->f_path, c->p1, PATH_MAX);
	if (IS_ERR(p))
		return false;
	for (i = 0; i < bt_nprefix; i++)
		if (!strncmp(p, bt_prefix[i], strlen(bt_prefix[i])))
			return true;
	return false;
}

/*
 * A user page fault (the x86 tracepoint exceptions:page_fault_user, which
 * fires before the fault is handled).  Faults on MAP_SHARED mappings of
 * regular files become PAGE_READ/PAGE_WRITE records.  The mapping is found
 * under the mmap lock taken with a trylock (a busy lock is a counted drop
 * of cause "lock", op unknown: the fault may not have been on a monitored
 * mapping).
 */
static void bt_fault(void *data, unsigned long addr, struct pt_regs *regs,
		     unsigned long error_code)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct file *f = NULL;
	struct bt_cpu *c;
	struct bt_raw *r;
	pgoff_t index = 0, first = 0;
	unsigned long npages = 0;
	bool write = error_code & X86_PF_WRITE;
	unsigned int op = write ? BT_RAW_PAGE_WRITE : BT_RAW_PAGE_READ;

	if (!READ_ONCE(bt_on) || !mm)
		return;
	c = probe_enter(op);
	if (!c)
		return;
	if (!mmap_read_trylock(mm)) {
		drop(c, 0, BT_DROP_LOCK);
		goto out;
	}
	vma = vma_lookup(mm, addr);
	if (vma && (vma->vm_flags & (VM_SHARED | VM_MAYSHARE)) &&
	    vma->vm_file &&
	    !(vma->vm_flags & (VM_IO | VM_PFNMAP)) &&
	    S_ISREG(file_inode(vma->vm_file)->i_mode)) {
		f = get_file(vma->vm_file);
		first = vma->vm_pgoff;
		index = first + ((addr - vma->vm_start) >> PAGE_SHIFT);
		npages = vma_pages(vma);
	}
	mmap_read_unlock(mm);
	if (!f)
		goto out;
	if (!prefix_ok(c, f))
		goto out_put;
	WRITE_ONCE(c->ctl->faults, c->ctl->faults + 1);
	r = rec_begin(c, op);
	rec_file(r, f);
	r->arg = index;
	r->arg2 = first;
	r->arg32 |= min_t(unsigned long, npages, 0x7fffffff);
	if (rec_file_path(c, f))
		drop(c, op, BT_DROP_TOOLONG);
	else
		rec_commit(c);
	touch_add(c, f, index);
out_put:
	fput(f);
out:
	probe_exit(c);
}

static int touch_cmp(const void *a, const void *b)
{
	const struct bt_touch *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return 0;
}

/*
 * Re-arm the pages touched in the last slice, so the next access by any
 * process faults again; drop the file references.  Process context.  One
 * unmap_mapping_range() per file, over the span from its lowest to its
 * highest touched page: each call costs a TLB shootdown, which per page
 * made re-arming far slower than the slice (pages in the span that were
 * not touched fault once more too, which records a real access).
 */
static void touch_flush(void)
{
	struct bt_touch *t;
	unsigned int i, j, n;

	spin_lock(&touch_lock);
	t = touch_cur;
	touch_cur = touch_alt;
	touch_alt = t;
	n = touch_n;
	touch_n = 0;
	spin_unlock(&touch_lock);
	if (!n)
		return;
	/* Pack the entries to the front, then sort them by (file, index). */
	for (i = 0, j = 0; i < TOUCH_SLOTS && j < n; i++) {
		if (!t[i].file)
			continue;
		if (i != j) {
			t[j] = t[i];
			t[i].file = NULL;
		}
		j++;
	}
	n = j;
	sort(t, n, sizeof(*t), touch_cmp, NULL);
	for (i = 0; i < n; i = j) {
		struct file *f = t[i].file;
		pgoff_t first = t[i].index, last = first;

		for (j = i; j < n && t[j].file == f; j++)
			last = t[j].index;
		unmap_mapping_range(f->f_mapping,
				    (loff_t)first << PAGE_SHIFT,
				    (loff_t)(last - first + 1) << PAGE_SHIFT, 0);
		for (; i < j; i++) {
			fput(t[i].file);
			t[i].file = NULL;
		}
	}
}

static void rearm_fn(struct work_struct *w)
{
	touch_flush();
	if (READ_ONCE(bt_on))
		schedule_delayed_work(&rearm_work, READ_ONCE(slice_jiffies));
}

/* ---- tracepoints ------------------------------------------------------ */

/*
 * A fault taken in the kernel on a user address: a system call reading or
 * writing a mapped buffer (write(2) from a shared file mapping) faults
 * here, not in page_fault_user.  Faults on kernel addresses are not ours.
 */
static void bt_fault_kernel(void *data, unsigned long addr,
			    struct pt_regs *regs, unsigned long error_code)
{
	if (addr < TASK_SIZE_MAX)
		bt_fault(data, addr, regs, error_code);
}

struct bt_tp {
	const char *name;
	void *probe;
	struct tracepoint *tp;
	bool registered;
};

static struct bt_tp bt_tps[] = {
	{ "sys_enter", bt_sys_enter },
	{ "sys_exit", bt_sys_exit },
	{ "sched_process_fork", bt_fork },
	{ "sched_process_exec", bt_exec },
	{ "sched_process_exit", bt_exit },
	{ "page_fault_user", bt_fault },
	{ "page_fault_kernel", bt_fault_kernel },
};

static void find_tp(struct tracepoint *tp, void *priv)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(bt_tps); i++)
		if (!strcmp(tp->name, bt_tps[i].name))
			bt_tps[i].tp = tp;
}

static void tps_unregister(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(bt_tps); i++) {
		if (bt_tps[i].registered)
			tracepoint_probe_unregister(bt_tps[i].tp,
						    bt_tps[i].probe, NULL);
		bt_tps[i].registered = false;
	}
	tracepoint_synchronize_unregister();
}

static int tps_register(void)
{
	int i, err;

	for_each_kernel_tracepoint(find_tp, NULL);
	for (i = 0; i < ARRAY_SIZE(bt_tps); i++) {
		if (!bt_tps[i].tp) {
			pr_err("btrack: no tracepoint %s\n", bt_tps[i].name);
			err = -ENOENT;
			goto fail;
		}
		err = tracepoint_probe_register(bt_tps[i].tp, bt_tps[i].probe,
						NULL);
		if (err) {
			pr_err("btrack: cannot register %s: %d\n",
			       bt_tps[i].name, err);
			goto fail;
		}
		bt_tps[i].registered = true;
	}
	return 0;
fail:
	tps_unregister();
	return err;
}

/* ---- the device ------------------------------------------------------- */

struct bt_fh {
	bool hello;
	bool started;
};

static void capture_stop(void)
{
	if (!READ_ONCE(bt_on))
		return;
	WRITE_ONCE(bt_on, 0);
	synchronize_rcu();	/* every probe that saw bt_on has ended */
	cancel_delayed_work_sync(&rearm_work);
	touch_flush();
	touch_flush();
	WRITE_ONCE(bt_excl, -1);
}

static void capture_start(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct bt_cpu *c = &bt_cpus[cpu];
		struct bt_ring_ctl *ctl = c->ctl;

		memset(ctl, 0, sizeof(*ctl));
		ctl->ring_size = ring_size;
		ctl->cpu = cpu;
		ctl->abi = BT_KMOD_ABI;
		c->head = 0;
		c->busy = 0;
	}
	WRITE_ONCE(bt_excl, current->tgid);
	smp_store_release(&bt_on, 1);
	schedule_delayed_work(&rearm_work, READ_ONCE(slice_jiffies));
}

static int add_prefix(const char *p, size_t len)
{
	if (len == 0 || len >= BT_PREFIX_MAX || p[0] != '/')
		return -EINVAL;
	if (bt_nprefix >= BT_MAX_PREFIXES)
		return -ENOSPC;
	memcpy(bt_prefix[bt_nprefix], p, len);
	bt_prefix[bt_nprefix][len] = 0;
	bt_nprefix++;
	return 0;
}

static long bt_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	struct bt_fh *fh = filp->private_data;
	void __user *ua = (void __user *)arg;

	switch (cmd) {
	case BT_IOC_HELLO: {
		struct bt_ioc_hello h;
		bool ok;

		if (copy_from_user(&h, ua, sizeof(h)))
			return -EFAULT;
		ok = h.abi == test_abi && h.log_version == BT_RAW_VERSION &&
		     h.raw_head == BT_RAW_HEAD;
		memset(&h, 0, sizeof(h));
		h.abi = test_abi;
		h.log_version = BT_RAW_VERSION;
		h.raw_head = BT_RAW_HEAD;
		h.ncpus = nr_cpu_ids;
		h.ring_size = ring_size;
		h.data_base = (u64)BT_MAX_CPUS * PAGE_SIZE;
		h.slice_ns = (u64)jiffies_to_msecs(slice_jiffies) *
			     NSEC_PER_MSEC;
		if (copy_to_user(ua, &h, sizeof(h)))
			return -EFAULT;
		if (!ok)
			return -EPROTO;
		fh->hello = true;
		return 0;
	}
	case BT_IOC_START:
		if (!fh->hello)
			return -EPROTO;
		if (READ_ONCE(bt_on))
			return -EBUSY;
		capture_start();
		fh->started = true;
		return 0;
	case BT_IOC_STOP:
		if (!fh->started)
			return -EINVAL;
		capture_stop();
		fh->started = false;
		return 0;
	case BT_IOC_SLICE: {
		u64 ns;

		if (copy_from_user(&ns, ua, sizeof(ns)))
			return -EFAULT;
		if (ns < NSEC_PER_MSEC || ns > 10 * NSEC_PER_SEC)
			return -EINVAL;
		WRITE_ONCE(slice_jiffies,
			   max(1UL, nsecs_to_jiffies(ns)));
		return 0;
	}
	case BT_IOC_PAGES: {
		struct bt_ioc_prefix *p;
		long err;

		if (READ_ONCE(bt_on))
			return -EBUSY;
		p = memdup_user(ua, sizeof(*p));
		if (IS_ERR(p))
			return PTR_ERR(p);
		if (p->flags || p->len >= BT_PREFIX_MAX || p->path[p->len])
			err = -EINVAL;
		else if (p->len == 0)
			err = 0, bt_nprefix = 0;
		else
			err = add_prefix(p->path, p->len);
		kfree(p);
		return err;
	}
	}
	return -ENOTTY;
}

static int bt_open(struct inode *inode, struct file *filp)
{
	struct bt_fh *fh;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (atomic_cmpxchg(&bt_open_count, 0, 1))
		return -EBUSY;
	fh = kzalloc(sizeof(*fh), GFP_KERNEL);
	if (!fh) {
		atomic_set(&bt_open_count, 0);
		return -ENOMEM;
	}
	filp->private_data = fh;
	return 0;
}

static int bt_release(struct inode *inode, struct file *filp)
{
	struct bt_fh *fh = filp->private_data;

	if (fh->started)
		capture_stop();
	kfree(fh);
	atomic_set(&bt_open_count, 0);
	return 0;
}

static int bt_mmap(struct file *filp, struct vm_area_struct *vma)
{
	u64 off, size = vma->vm_end - vma->vm_start;
	u64 data_base = (u64)BT_MAX_CPUS * PAGE_SIZE;
	u64 cpu;

	if (!(vma->vm_flags & VM_SHARED) ||
	    vma->vm_pgoff > (U64_MAX >> PAGE_SHIFT))
		return -EINVAL;
	off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	if (off < data_base) {
		cpu = off / PAGE_SIZE;
		if (cpu >= nr_cpu_ids || !cpu_possible(cpu) ||
		    size != PAGE_SIZE)
			return -EINVAL;
		return remap_vmalloc_range(vma, bt_cpus[cpu].ctl, 0);
	}
	off -= data_base;
	cpu = off / ring_size;
	if (off % ring_size || cpu >= nr_cpu_ids || !cpu_possible(cpu) ||
	    size != ring_size)
		return -EINVAL;
	if (vma->vm_flags & VM_WRITE)
		return -EPERM;
	vma->vm_flags &= ~VM_MAYWRITE;
	return remap_vmalloc_range(vma, bt_cpus[cpu].data, 0);
}

static const struct file_operations bt_fops = {
	.owner = THIS_MODULE,
	.open = bt_open,
	.release = bt_release,
	.unlocked_ioctl = bt_ioctl,
	.mmap = bt_mmap,
};

static struct miscdevice bt_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "btrack",
	.fops = &bt_fops,
	.mode = 0600,
};

/* ---- load and unload -------------------------------------------------- */

static void free_cpus(void)
{
	int cpu;

	if (!bt_cpus)
		return;
	for_each_possible_cpu(cpu) {
		struct bt_cpu *c = &bt_cpus[cpu];

		vfree(c->ctl);
		vfree(c->data);
		kfree(c->rec);
		kfree(c->p1);
		kfree(c->p2);
	}
	kfree(bt_cpus);
	bt_cpus = NULL;
	kvfree(touch_cur);
	kvfree(touch_alt);
}

static int alloc_cpus(void)
{
	int cpu;

	bt_cpus = kcalloc(nr_cpu_ids, sizeof(*bt_cpus), GFP_KERNEL);
	touch_cur = kvcalloc(TOUCH_SLOTS, sizeof(*touch_cur), GFP_KERNEL);
	touch_alt = kvcalloc(TOUCH_SLOTS, sizeof(*touch_alt), GFP_KERNEL);
	if (!bt_cpus || !touch_cur || !touch_alt)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct bt_cpu *c = &bt_cpus[cpu];

		c->ctl = vmalloc_user(PAGE_SIZE);
		c->data = vmalloc_user(ring_size);
		c->rec = kmalloc(BT_RAW_MAX, GFP_KERNEL);
		c->p1 = kmalloc(PATH_MAX, GFP_KERNEL);
		c->p2 = kmalloc(PATH_MAX, GFP_KERNEL);
		if (!c->ctl || !c->data || !c->rec || !c->p1 || !c->p2)
			return -ENOMEM;
		c->ctl->ring_size = ring_size;
		c->ctl->cpu = cpu;
		c->ctl->abi = BT_KMOD_ABI;
	}
	return 0;
}

static int parse_pages_param(void)
{
	const char *s = pages;

	while (s && *s) {
		const char *e = strchrnul(s, ',');
		int err = add_prefix(s, e - s);

		if (err) {
			pr_err("btrack: bad pages= prefix '%.*s'\n",
			       (int)(e - s), s);
			return err;
		}
		s = *e ? e + 1 : e;
	}
	return 0;
}

static int __init bt_init(void)
{
	int err;

	BUILD_BUG_ON(sizeof(struct bt_raw) != BT_RAW_HEAD);
	BUILD_BUG_ON(sizeof(struct bt_ring_ctl) > PAGE_SIZE);
	BUILD_BUG_ON(BT_DROP_NCAUSE > BT_DROP_SLOTS);
	if (ring_kb < 64 || ring_kb > 65536 || (ring_kb & (ring_kb - 1))) {
		pr_err("btrack: ring_kb=%u: must be a power of two in 64..65536\n",
		       ring_kb);
		return -EINVAL;
	}
	if (slice_ms < 1 || slice_ms > 10000) {
		pr_err("btrack: slice_ms=%u: must be in 1..10000\n", slice_ms);
		return -EINVAL;
	}
	ring_size = (u64)ring_kb * 1024;
	slice_jiffies = max(1UL, msecs_to_jiffies(slice_ms));
	err = parse_pages_param();
	if (err)
		return err;
	err = alloc_cpus();
	if (err)
		goto fail_free;
	err = tps_register();
	if (err)
		goto fail_free;
	err = misc_register(&bt_misc);
	if (err)
		goto fail_tps;
	pr_info("btrack: loaded, %u CPU rings of %llu KiB, slice %u ms\n",
		nr_cpu_ids, ring_size >> 10, slice_ms);
	return 0;
fail_tps:
	tps_unregister();
fail_free:
	free_cpus();
	return err;
}

static void __exit bt_exit_module(void)
{
	misc_deregister(&bt_misc);
	capture_stop();
	/* includes tracepoint_synchronize_unregister() */
	tps_unregister();
	synchronize_rcu();
	cancel_delayed_work_sync(&rearm_work);
	touch_flush();
	touch_flush();
	free_cpus();
	pr_info("btrack: unloaded\n");
}

module_init(bt_init);
module_exit(bt_exit_module);
