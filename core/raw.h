/*
 * raw.h - the raw capture record and the ring it travels in: the one
 * definition shared by the kernel module (kmod/), the eBPF programs
 * (capture/ebpf/btrack.bpf.c), the LD_PRELOAD page monitor and the
 * user-space decoder (capture/drain.c).  It is separate from the log
 * format (core/record.h): a raw record is an observation in terms of pids,
 * paths and inodes, before objects exist; capture/ turns it into a struct
 * bt_obs (core/ingest.h).  Fixed-width kernel types only, no code, and
 * includable as is by kernel, BPF and user space alike.  The prose
 * specification is man/btrack.ko.4 (the module's rings) and
 * man/btrack-capture.1 (the eBPF source's additions).
 *
 * A raw record is { struct bt_raw head, then `nstr` strings, each a u16
 * length and that many bytes (no NUL), then zero padding to an 8-byte
 * multiple }, `len` bytes in all.  With BT_RAWF_CGROUP in arg32 (eBPF
 * only) one more 8-byte word follows the padding: the process's cgroup v2
 * id.
 */
#ifndef BT_RAW_H
#define BT_RAW_H

/* The kernel's fixed-width types (__u8 ... __u64): the kernel and user
 * space (through the UAPI header) get them from linux/types.h; a BPF
 * program has them from its vmlinux.h, included before this file. */
#ifndef __bpf__
#include <linux/types.h>
#endif

/* The raw format's version, in the module's handshake (BT_IOC_HELLO): it
 * changes when struct bt_raw, the ring or the ops a module writes do, not
 * with the log format.  3: the module writes MEM_WRITE and MEM_READ. */
#define BT_RAW_VERSION 3

enum bt_raw_op {
	BT_RAW_FORK = 1, BT_RAW_EXEC, BT_RAW_EXIT, BT_RAW_OPEN, BT_RAW_READ,
	BT_RAW_WRITE, BT_RAW_TRUNCATE, BT_RAW_MMAP, BT_RAW_MUNMAP,
	BT_RAW_PAGE_READ, BT_RAW_PAGE_WRITE, BT_RAW_CREATE, BT_RAW_RENAME,
	BT_RAW_LINK, BT_RAW_UNLINK, BT_RAW_CONNECT, BT_RAW_ACCEPT, BT_RAW_RECV,
	BT_RAW_SEND,
	/* Not produced by the kernel module; the eBPF source and
	 * user-space sources only. */
	BT_RAW_SYMLINK, BT_RAW_CHMOD, BT_RAW_CHOWN, BT_RAW_SETID, BT_RAW_PIPE,
	/* pid writes into (reads) the memory of the process whose pid is
	 * arg32 & BT_RAW_PID_MASK (eBPF: the id the call was given, which
	 * may be a thread's), arg bytes: process_vm_writev/readv, ptrace
	 * POKEDATA/PEEKDATA.  arg2: the target's start time, 0 if unknown.
	 * No strings.  (A write through /proc/PID/mem is a WRITE of that
	 * file; ingest makes it the same edge.) */
	BT_RAW_MEM_WRITE, BT_RAW_MEM_READ,
	BT_RAW_OP_MAX = BT_RAW_MEM_READ
};
/* Slots of drops_by_op in the module's ring control page: ops 0 to
 * BT_RAW_PIPE.  Fixed, so that raw ops added later leave the ring's
 * layout (and BT_KMOD_ABI) alone; a drop of a later op counts in slot 0. */
#define BT_RING_OPS 25
#define BT_RAW_PAD 0           /* op of a ring's pad record */

struct bt_raw {
	__u16 len;     /* bytes, 8-byte multiple, including strings */
	__u8 op;       /* enum bt_raw_op */
	__u8 nstr;     /* strings after the head */
	__u32 pid;     /* tgid in kernel terms */
	__u64 time;    /* ns since the epoch, UTC */
	__u64 start;   /* process start time, ns since the epoch */
	__u32 tid;
	__u32 arg32;   /* op-specific: child pid (FORK), prot|flags (MMAP),
	                  BT_RAWF_* */
	__u64 dev;
	__u64 ino;
	__u64 arg;     /* op-specific: page index, offset, bytes, the
	                  length (TRUNCATE with BT_RAWF_LEN) */
	__u64 arg2;    /* op-specific: page count (MMAP); the cgroup v2
	                  id, 0 = unknown (FORK, EXEC: eBPF only) */
};
#define BT_RAW_HEAD 64         /* sizeof(struct bt_raw) */
#define BT_RAW_MAX 12288       /* the largest record a source writes */

/* arg32 flags.  The low bits of arg32 are op-specific (a child pid is
 * below 2^22, a page count below 2^28). */
#define BT_RAW_PID_MASK 0x003fffffu /* a pid in arg32 (PID_MAX_LIMIT 2^22) */
#define BT_RAWF_INO    0x80000000u /* file ops: dev and ino are valid */
#define BT_RAWF_ADDR   0x40000000u /* socket ops (eBPF): the strings are
                                      struct bt_raw_addr, remote then
                                      (optional) local */
#define BT_RAWF_CGROUP 0x20000000u /* eBPF, any op but FORK and EXEC
                                      (which carry it in arg2): the
                                      record ends with the u64 cgroup v2
                                      id of the process */
#define BT_RAWF_NSROOT 0x10000000u /* eBPF, file ops but EXEC: the paths
                                      are from the root of a mount
                                      namespace other than the capture's
                                      (the loader names them from its
                                      own root, or under /proc/PID/root) */
#define BT_RAWF_LEN    0x08000000u /* TRUNCATE (eBPF, user space): arg
                                      is the length the file was cut to
                                      (O_TRUNC: 0).  Without it the
                                      length is unknown (the module's
                                      records): no emptying is assumed */
#define BT_RAWF_EXCHANGE 0x04000000u /* RENAME (eBPF): the two names
                                      swapped files (renameat2
                                      RENAME_EXCHANGE) */
#define BT_RAWF_VIAFD  0x02000000u /* TRUNCATE (eBPF): through a
                                       descriptor (ftruncate), not a name */

/* arg32 of MMAP/MUNMAP: these | BT_RAWF_INO.  The same values as the
 * log's region prot (core/record.h). */
#define BT_PROT_READ  0x1
#define BT_PROT_WRITE 0x2
#define BT_PROT_SHARED 0x4

/*
 * A socket address in binary (eBPF, BT_RAWF_ADDR): the decoder formats it
 * as text ("a.b.c.d:port", "[v6]:port", "unix:PATH#INO").  A string is
 * this struct, then for AF_UNIX the name's bytes: an absolute path, or a
 * NUL and an abstract name; none for an unnamed socket.
 */
struct bt_raw_addr {
	__u16 family;          /* AF_INET 2, AF_INET6 10, AF_UNIX 1 */
	__u16 port;            /* host order; 0 for AF_UNIX */
	__u32 ino;             /* AF_UNIX stream: the inode of the
	                          connection's client socket (its name in
	                          the log, as the ptrace recorder's), 0
	                          for none (a datagram) */
	__u8 addr[16];         /* network order; 4 bytes for AF_INET */
};
#define BT_RAW_AF_UNIX 1
#define BT_RAW_AF_INET 2
#define BT_RAW_AF_INET6 10

/*
 * A pseudo-terminal carries data both ways, so it is two channels (file
 * objects flagged BT_FILEF_PIPE, as pipes): "in", what the master writes
 * and the slave reads (what is typed: sshd, script, expect -> the shell's
 * programs), and "out", what the slave writes and the master reads (what
 * the terminal shows).  One object for both would make a program's output
 * flow into what is typed next.  Each is the file (dev, BT_PTY_INO(gen,
 * index, dir)): dev is the device of the pty's devpts instance (the
 * slave's st_dev, in user space's encoding), index is N of /dev/pts/N.
 * The inode is synthetic (bit 63 set: no devpts inode has it; theirs are
 * index + 3).  gen tells apart the ptys that reuse an index: a source
 * numbers them 1, 2, 3 ... from the master's open it sees (an index seen
 * before its open, or with its open unseen, has generation 0 until the
 * next open of that index).  A source names them "pty:[N.in]" and
 * "pty:[N.out]".  man/btrack-log.5 describes them.
 */
#define BT_PTY_IN  0
#define BT_PTY_OUT 1
#define BT_PTY_INDEX_BITS 20   /* NR_UNIX98_PTY_MAX is 1 << 20 */
#define BT_PTY_GEN_MAX ((1ULL << 42) - 1)
#define BT_PTY_INO(gen, index, dir) \
	(0x8000000000000000ULL | \
	 (((__u64)(gen) & BT_PTY_GEN_MAX) << (BT_PTY_INDEX_BITS + 1)) | \
	 (((__u64)(index) & ((1ULL << BT_PTY_INDEX_BITS) - 1)) << 1) | \
	 ((__u64)(dir) & 1))
#define BT_PTY_IS(ino) (((ino) >> 63) != 0)
#define BT_PTY_INDEX_OF(ino) \
	((__u32)(((ino) >> 1) & ((1ULL << BT_PTY_INDEX_BITS) - 1)))
#define BT_PTY_DIR_OF(ino) ((unsigned)((ino) & 1))
/*
 * A System V message queue (msgget(2)) is a channel too (a file object
 * flagged BT_FILEF_PIPE) named "sysv-msg:[ID]", ID the queue's id: each
 * msgsnd writes it, each msgrcv reads it.  No file system has it: its
 * identity is (0, BT_SYSV_MSG_INO(ID)), bit 62 set (bit 63 clear: not a
 * pty's).  Ids are per IPC namespace.
 */
#define BT_SYSV_MSG_INO(id) ((__u64)1 << 62 | (__u32)(id))
#define BT_SYSV_MSG_NAME "sysv-msg:[%u]"

/* Unix98 pty slaves are char devices of majors 136-143 (minor 0-255),
 * /dev/ptmx is 5:2, /dev/tty (the controlling terminal) 5:0. */
#define BT_PTY_SLAVE_MAJOR 136
#define BT_PTY_SLAVE_MAJORS 8

/* Why an event was not written.  The names (bt_drop_name() in
 * capture/drain.h) appear in the BT_NOTE_DROPS note of the log. */
enum bt_drop_cause {
	BT_DROP_FULL = 0,      /* ring full: the reader is too slow */
	BT_DROP_FAULT = 1,     /* copying a user string or struct faulted */
	BT_DROP_TOOLONG = 2,   /* a path or record longer than the limits */
	BT_DROP_NESTED = 3,    /* a probe fired inside another on one CPU */
	BT_DROP_LOCK = 4,      /* mmap lock busy (mprotect/mremap/munmap) */
	BT_DROP_REARM = 5,     /* page not re-armed: touched set full */
	BT_DROP_NCAUSE = 6,
	BT_DROP_SLOTS = 16     /* room in the control page */
};

/*
 * The module's ring (kmod/btrack_ioctl.h has the device and the ioctls).
 * One per CPU: a control page, this struct at its start, then ring_size
 * bytes of data holding raw records.  head and tail are free-running byte
 * counts; a byte lives at (count & (ring_size - 1)).  A record never
 * wraps: when one does not fit before the end of the data, the kernel
 * writes a pad record (op BT_RAW_PAD, only its first 4 bytes meaningful,
 * len = the bytes to the end) and continues at offset 0.  Counters are
 * written by the kernel only.
 */
struct bt_ring_ctl {
	__u64 head;            /* kernel: bytes published */
	__u64 tail;            /* reader: bytes consumed */
	__u64 ring_size;       /* bytes of data, power of two */
	__u32 cpu;
	__u32 abi;             /* BT_KMOD_ABI */
	__u64 events;          /* records written (pads not counted) */
	__u64 reserved;        /* 0 */
	__u64 drops[BT_DROP_SLOTS];           /* by enum bt_drop_cause */
	__u64 drops_by_op[BT_RING_OPS]; /* the same drops, by raw op
	                          (0: op unknown); every cause but
	                          BT_DROP_REARM, which loses no event.  So
	                          events + sum(drops_by_op) = events seen. */
	__u64 truncated;       /* argv truncated to fit (event kept) */
	__u64 faults;          /* page faults seen on monitored mappings */
};

#endif /* BT_RAW_H */
