/*
 * btrack_ioctl.h - the interface between the btrack kernel module
 * (kmod/btrack.c) and its drainer (capture/drain.c): the device, the ring
 * layout, the counters and the ioctls.  Shared by kernel and user space, so
 * kernel-safe fixed-width types only (through core/raw.h, which has the
 * raw record, the ring control page and the drop causes) and no code.
 * The prose specification is man/btrack.ko.4; this comment and that page
 * must agree.
 *
 * The module keeps one ring per possible CPU.  Each ring is
 *   - a control page (struct bt_ring_ctl), mapped read-write: `head` is
 *     written by the kernel only (store-release after the bytes it covers
 *     are written), `tail` by the reader only (store-release after it has
 *     copied the bytes out), the counters by the kernel;
 *   - `ring_size` bytes of data (a power of two, at least 64 KiB), mapped
 *     read-only.
 * head and tail are free-running byte counts; a byte lives at
 * (count & (ring_size - 1)).  head - tail <= ring_size always holds for an
 * honest pair; the kernel treats any other tail as "ring full" (it never
 * writes over unread bytes) and the reader treats any other head as a
 * corrupt ring.
 *
 * The data holds struct bt_raw records (core/raw.h): a 64-byte head,
 * then `nstr` strings, each a u16 length and that many bytes (no NUL),
 * zero padding to an 8-byte multiple; `len` covers it all.  A record never
 * wraps: when one does not fit before the end of the data, the kernel
 * writes a pad record (op BT_RAW_PAD, only its first 4 bytes meaningful,
 * len = the bytes to the end) and continues at offset 0.
 *
 * mmap offsets: the control page of CPU c is at c * 4096; the data of CPU
 * c at data_base + c * ring_size (both from BT_IOC_HELLO).  Data mappings
 * must be read-only and MAP_SHARED.
 */
#ifndef BT_IOCTL_H
#define BT_IOCTL_H

#ifdef __KERNEL__
#include <linux/ioctl.h>
#include <linux/types.h>
#else
#include <sys/ioctl.h>
#endif

#include "../core/raw.h"

#define BT_DEV_PATH "/dev/btrack"
#define BT_KMOD_ABI 1          /* ring and ioctl ABI version */
#define BT_MAX_CPUS 1024       /* control pages reserved in the offsets */
#define BT_CTL_PAGE 4096       /* control page size (and mmap unit) */
#define BT_MAX_PREFIXES 8      /* page-monitor path prefixes */
#define BT_PREFIX_MAX 256      /* bytes, with the NUL */

/* BT_IOC_HELLO: the caller fills abi, log_version (BT_RAW_VERSION, the
 * raw record's version: the log format is user space's affair) and
 * raw_head; the module fills the rest and fails with EPROTO if any of the
 * three differs from its own (it still fills its values, so the caller
 * can say which). */
struct bt_ioc_hello {
	__u32 abi;             /* in/out: BT_KMOD_ABI */
	__u32 log_version;     /* in/out: BT_RAW_VERSION */
	__u32 raw_head;        /* in/out: BT_RAW_HEAD */
	__u32 ncpus;           /* out: rings (nr_cpu_ids) */
	__u64 ring_size;       /* out: data bytes per ring */
	__u64 data_base;       /* out: mmap offset of CPU 0's data */
	__u64 slice_ns;        /* out: page re-arm period */
};

/* BT_IOC_PAGES: monitor shared mappings of files under this prefix.  An
 * empty path clears the list (then every shared file mapping is
 * monitored, the default).  EINVAL for a path that is not absolute, too
 * long or not NUL-terminated; ENOSPC past BT_MAX_PREFIXES. */
struct bt_ioc_prefix {
	__u32 len;             /* bytes before the NUL */
	__u32 flags;           /* 0 */
	char path[BT_PREFIX_MAX];
};

#define BT_IOC_MAGIC 0xb7
#define BT_IOC_HELLO _IOWR(BT_IOC_MAGIC, 1, struct bt_ioc_hello)
#define BT_IOC_START _IO(BT_IOC_MAGIC, 2)     /* capture; the caller's
                                                 process is never traced */
#define BT_IOC_STOP _IO(BT_IOC_MAGIC, 3)
#define BT_IOC_SLICE _IOW(BT_IOC_MAGIC, 4, __u64)  /* ns, 1 ms .. 10 s */
#define BT_IOC_PAGES _IOW(BT_IOC_MAGIC, 5, struct bt_ioc_prefix)

#endif /* BT_IOCTL_H */
