/*
 * btrack_ebpf.h - the interface between the btrack eBPF programs
 * (capture/ebpf/btrack.bpf.c) and their loader (capture/ebpf/loader.c):
 * the counters map, the scope modes and the one record convention the eBPF
 * side adds to the module's raw records.  Shared by BPF and user space, so
 * fixed-width kernel types only and no code; it expects core/record.h and
 * kmod/btrack_ioctl.h to be included before it.
 *
 * The programs write struct bt_raw records (core/record.h, framed as in
 * kmod/btrack_ioctl.h: a 64-byte head, `nstr` strings of a u16 length and
 * bytes, zero padding to 8 bytes) into one BPF ring buffer, each record one
 * ring-buffer sample.  They fill the same fields as the module for the ops
 * the module has, and the user-space ops (BT_RAW_SYMLINK ... BT_RAW_PIPE)
 * as follows:
 *   SYMLINK  string 0 the link's absolute name, string 1 its target as
 *            given
 *   CHMOD    arg the new mode; string 0 the path, or dev+ino (BT_RAWF_INO)
 *            and the path of the open file (fchmod)
 *   CHOWN    arg the new owner, arg2 the new group ((u32)-1: unchanged)
 *   SETID    arg uid | euid << 32, arg2 gid | egid << 32, after the call
 *   PIPE     dev+ino of the channel and its name "pipe:[INO]"
 * READ and WRITE through a descriptor carry the path only the first time
 * the open file is seen (its open, or its first read or write): later
 * ones have dev+inode and no string.
 * Socket ops (CONNECT, ACCEPT, RECV, SEND) set BT_RAWF_ADDR in arg32 and
 * carry their remote address as string 0 in binary, struct bt_ebpf_addr:
 * the loader formats it as the module does ("a.b.c.d:port",
 * "[v6]:port") before the shared decoder sees the record.
 */
#ifndef BT_EBPF_H
#define BT_EBPF_H

#define BT_EBPF_ABI 1

/* arg32 of socket records: string 0 is a struct bt_ebpf_addr. */
#define BT_RAWF_ADDR 0x40000000u

/* Scope of capture (the `scope` setting of the programs). */
enum bt_ebpf_scope {
	BT_EBPF_ALL = 0,       /* every process but the excluded one */
	BT_EBPF_PIDS = 1,      /* processes in the `tracked` map (a tree:
	                          children of a tracked process join it) */
	BT_EBPF_CGROUP = 2     /* processes in the cgroup (v2) of the
	                          `cgroup` map and its descendants */
};

struct bt_ebpf_addr {
	__u16 family;          /* AF_INET or AF_INET6 */
	__u16 port;            /* host order */
	__u8 addr[16];         /* network order; 4 bytes for AF_INET */
};

/* Slots of drops_by_op: a power of two above BT_RAW_OP_MAX, so that the
 * programs can index it with a mask the verifier accepts. */
#define BT_EBPF_OPS 32

/* One per CPU in the `stats` map; the loader sums them.  The same
 * counters as struct bt_ring_ctl (kmod/btrack_ioctl.h): events +
 * sum(drops_by_op) = events seen. */
struct bt_ebpf_stats {
	__u64 events;          /* records written to the ring */
	__u64 drops[BT_DROP_SLOTS];           /* by enum bt_drop_cause */
	__u64 drops_by_op[BT_EBPF_OPS];       /* the same, by raw op */
	__u64 truncated;       /* argv truncated (event kept) */
	__u64 faults;          /* faults seen on shared file mappings */
	__u64 busy;            /* the CPU's scratch is in use (not a count) */
};

#endif /* BT_EBPF_H */
