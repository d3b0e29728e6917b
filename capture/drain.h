/*
 * drain.h - the drainer of the btrack kernel module's rings: maps every
 * CPU's ring from /dev/btrack, copies records out, validates them (the ring
 * is never trusted: every length and string is bounded before use), merges
 * them by time across CPUs and turns each into a struct bt_obs for an
 * observation sink (struct bt_obs_sink, core/ingest.h).  Only the raw ops
 * the module produces (up to BT_RAW_SEND) are accepted from a ring; any
 * other is a bad record.
 *
 * It does not write the log (the caller's sink does) and never
 * prints.  The ring layout and the ioctls are kmod/btrack_ioctl.h; the
 * prose specification is man/btrack.ko.4 and man/btrack-capture.1.
 *
 * Merge: each CPU's ring is in time order (a record is built and published
 * with preemption disabled), but a record with an early time may still be
 * in flight on another CPU.  bt_drain_poll_sink() therefore emits the earliest
 * pending record only when every ring has a pending record or that record
 * is older than the lookahead window (BT_DRAIN_WINDOW_NS); with `all` it
 * emits everything pending (at the end of a capture).
 */
#ifndef BT_DRAIN_H
#define BT_DRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/ingest.h"
#include "../core/raw.h"
#include "../kmod/btrack_ioctl.h"
#include "cgroup.h"

#define BT_DRAIN_WINDOW_NS 20000000ull   /* 20 ms */
#define BT_DRAIN_ARGV_MAX 64             /* argv entries kept per exec */

struct bt_drain;

/*
 * One raw record, copied out of a ring and decoded: the scratch the
 * decoder needs (nothing is allocated per record).  obs and the strings
 * it points to live here until the next decode.
 */
struct bt_raw_dec {
	struct bt_obs obs;
	uint64_t rec[BT_RAW_MAX / 8];/* the record */
	char strs[BT_RAW_MAX + 16];  /* its strings, NUL-terminated */
	const char *argv[BT_DRAIN_ARGV_MAX + 1];
	char cgroup[BT_CGROUP_PATH_MAX]; /* obs.cgroup's bytes */
	char addr[2][512];           /* obs.remote and obs.local, formatted
	                                from binary (eBPF) */
};

/*
 * Validate and decode one raw record of len bytes at rec (copied into
 * dec->rec first unless it is dec->rec) into dec->obs, accepting the raw
 * ops up to max_op (and MEM_WRITE, MEM_READ, which the module writes
 * too): BT_RAW_SEND for the module's rings, BT_RAW_OP_MAX for
 * the eBPF source (capture/ebpf/btrack_ebpf.h says how it fills the ops
 * past BT_RAW_SEND).  false for bad framing or a record that cannot be
 * meaningful (the caller counts it as bad).  This is the decoder the ring
 * drainer uses; the eBPF loader shares it.
 */
bool bt_drain_decode(struct bt_raw_dec *dec, const void *rec, size_t len,
		     unsigned max_op);

struct bt_drain_stats {
	uint64_t records;       /* records read and handed to emit */
	uint64_t bad;           /* records rejected by validation */
	uint64_t resyncs;       /* rings skipped to head after bad framing */
	uint64_t kernel_events; /* records the kernel wrote (all rings) */
	uint64_t drops[BT_DROP_SLOTS];           /* kernel, by cause */
	uint64_t drops_by_op[BT_RAW_OP_MAX + 1]; /* kernel, by raw op */
	uint64_t truncated;     /* argv truncated by the kernel */
	uint64_t faults;        /* faults on monitored mappings */
	uint64_t io_uring;      /* io_uring and Linux AIO calls (the eBPF
	                           source): their I/O is not seen */
};

/*
 * Open the device (NULL: BT_DEV_PATH), check the format handshake and map
 * every ring.  BT_ENOTFOUND "no /dev/btrack: is the btrack module loaded?"
 * when it is absent, BT_EVERSION naming both versions when the module
 * speaks another format, BT_EINVAL for a file that is not the device, BT_EIO
 * otherwise.  The caller owns *out (bt_drain_close()).
 */
int bt_drain_open(struct bt_drain **out, const char *dev);

/*
 * A drainer over rings in memory, for tests: nrings control blocks and
 * data areas of ring_size bytes each (a power of two, >= 64), borrowed,
 * which must outlive the drainer.  The caller owns *out.
 */
int bt_drain_new_mem(struct bt_drain **out, unsigned nrings,
		     struct bt_ring_ctl *const *ctl,
		     const uint8_t *const *data, uint64_t ring_size);

/* Lookahead window in ns (default BT_DRAIN_WINDOW_NS). */
void bt_drain_set_window(struct bt_drain *d, uint64_t ns);

/*
 * Configure and start capture: slice_ns (0 keeps the module's), the
 * page-monitor path prefixes (n = 0: every shared file mapping), then
 * BT_IOC_START.  The calling process is never traced.  No-op for memory
 * rings.
 */
int bt_drain_start(struct bt_drain *d, uint64_t slice_ns,
		   const char *const *prefixes, size_t n);
int bt_drain_stop(struct bt_drain *d);

/*
 * Drain what is ready: at most `budget` records (0: no limit), given to
 * sink->add() in time order as described above (the observation and its
 * strings are borrowed for the call); `now` is the current time in ns
 * since the epoch, `all` ignores the window.  *nout (may be NULL) gets the
 * number emitted.  Returns 0 or the first negative value add() returned,
 * unchanged (the record it refused stays pending: the next poll offers it
 * again).
 */
int bt_drain_poll_sink(struct bt_drain *d, uint64_t now, bool all,
		       size_t budget, const struct bt_obs_sink *sink,
		       size_t *nout);

/* The counters: the drainer's own and the kernel's, summed over rings. */
void bt_drain_stats(const struct bt_drain *d, struct bt_drain_stats *out);

/* Short names of the drop causes ("full", "fault", "toolong", "nested",
 * "lock", "rearm"); NULL out of range. */
const char *bt_drop_name(unsigned cause);

/* "full=N fault=N ... bad=N" plus "op.write=N" for the ops that lost
 * events: the text of the BT_NOTE_DROPS note.  Returns the length it
 * needed (like snprintf). */
size_t bt_drain_format_drops(char *buf, size_t n,
			     const struct bt_drain_stats *s);

/* Normalise an absolute path lexically in place ("//", "/./", "a/../",
 * a trailing " (deleted)"); returns false if it is not absolute. */
bool bt_drain_normpath(char *p);

/* Unmaps and closes (capture stops when the device is closed).  Accepts
 * NULL. */
void bt_drain_close(struct bt_drain *d);

#endif
