/*
 * btrack_ebpf.h - the interface between the btrack eBPF programs
 * (capture/ebpf/btrack.bpf.c) and their loader (capture/ebpf/loader.c):
 * the counters map and the scope modes.  Shared by BPF and user space, so
 * fixed-width kernel types only and no code; the raw record itself is
 * core/raw.h (shared with the kernel module and the decoder).
 *
 * The programs write struct bt_raw records (core/raw.h: a 64-byte head,
 * `nstr` strings of a u16 length and bytes, zero padding to 8 bytes) into
 * one BPF ring buffer, each record one ring-buffer sample.  They fill the
 * same fields as the module for the ops the module has, and the ops the
 * module lacks (BT_RAW_SYMLINK ... BT_RAW_PIPE) as follows:
 *   SYMLINK  string 0 the link's absolute name, string 1 its target as
 *            given
 *   CHMOD    arg the new mode; string 0 the path, or dev+ino (BT_RAWF_INO)
 *            and the path of the open file (fchmod)
 *   CHOWN    arg the new owner, arg2 the new group ((u32)-1: unchanged)
 *   SETID    arg uid | euid << 32, arg2 gid | egid << 32, after the call
 *   PIPE     dev+ino of the channel and its name "pipe:[INO]"; a
 *            socketpair makes two, "socket:[INO]" of each end (the
 *            channel of the data that end sends)
 * FORK and EXEC also carry arg2 = bpf_get_current_cgroup_id() (the
 * module leaves it 0); any other record of a process seen for the first
 * time, or whose cgroup changed, ends with it (BT_RAWF_CGROUP).
 * capture/cgroup.c resolves it to a path.
 * READ and WRITE through a descriptor carry the path only the first time
 * the open file is seen (its open, or its first read or write): later
 * ones have dev+inode and no string.  A read or write of a socketpair's
 * end is a READ from the peer's channel or a WRITE to its own.
 * WRITE and SEND are stamped at the syscall's entry (the data may be read
 * before the call returns), everything else at its exit.
 * Socket ops (CONNECT, ACCEPT, RECV, SEND) set BT_RAWF_ADDR in arg32 and
 * carry the remote address as string 0 and, for inet sockets, the local
 * one as string 1, each a struct bt_raw_addr (core/raw.h) that the
 * decoder formats.
 */
#ifndef BT_EBPF_H
#define BT_EBPF_H

#include "../../core/raw.h"

#define BT_EBPF_ABI 2

/* Scope of capture (the `scope` setting of the programs). */
enum bt_ebpf_scope {
	BT_EBPF_ALL = 0,       /* every process but the excluded one */
	BT_EBPF_PIDS = 1,      /* processes in the `tracked` map (a tree:
	                          children of a tracked process join it) */
	BT_EBPF_CGROUP = 2     /* processes in the cgroup (v2) of the
	                          `cgroup` map and its descendants */
};

/* Slots of drops_by_op: a power of two above BT_RAW_OP_MAX, so that the
 * programs can index it with a mask the verifier accepts. */
#define BT_EBPF_OPS 32

/* One per CPU in the `stats` map; the loader sums them.  The same
 * counters as struct bt_ring_ctl (core/raw.h): events +
 * sum(drops_by_op) = events seen. */
struct bt_ebpf_stats {
	__u64 events;          /* records written to the ring */
	__u64 drops[BT_DROP_SLOTS];           /* by enum bt_drop_cause */
	__u64 drops_by_op[BT_EBPF_OPS];       /* the same, by raw op */
	__u64 truncated;       /* argv truncated (event kept) */
	__u64 faults;          /* faults seen on shared file mappings */
	__u64 busy;            /* the CPU's scratch is in use (not a count) */
	__u64 io_uring;        /* io_uring and Linux AIO calls in scope:
	                          the I/O they make is not seen */
};

#endif /* BT_EBPF_H */
