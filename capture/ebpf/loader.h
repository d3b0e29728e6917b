/*
 * loader.h - the eBPF capture source: loads the programs of
 * capture/ebpf/btrack.bpf.c (CO-RE, through the skeleton that the build
 * generates with bpftool), attaches them to their tracepoints, and drains
 * their BPF ring buffer through the kernel module's decoder
 * (bt_drain_decode(), capture/drain.h) into an observation sink.  It never
 * prints and never writes the log (the caller's sink does).
 *
 * Needs root (CAP_BPF and CAP_PERFMON), BTF (/sys/kernel/btf/vmlinux) and
 * a btrack built with eBPF support (mk/ebpf.mk); bt_ebpf_open() says which
 * is missing.  The prose specification is man/btrack-capture.1.
 */
#ifndef BT_EBPF_LOADER_H
#define BT_EBPF_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../core/ingest.h"
#include "../drain.h"

#define BT_EBPF_RING_DEFAULT (64u << 20)   /* ring buffer bytes */

struct bt_ebpf_opts {
	uint32_t pid;           /* capture only this process and its
	                           descendants (0: every process) */
	bool tree;              /* capture only the processes given to
	                           bt_ebpf_track() and their descendants
	                           (none until then): a recorded tree */
	const char *cgroup;     /* capture only this cgroup (v2) directory
	                           and its descendants (NULL: any) */
	uint64_t ring_bytes;    /* 0: BT_EBPF_RING_DEFAULT; a power of two */
	bool no_pages;          /* do not record page faults */
};

struct bt_ebpf;

/* Whether this btrack was built with the eBPF source. */
bool bt_ebpf_built(void);

/*
 * Load the programs and start capture (the calling process is never
 * captured).  BT_EINVAL "built without eBPF support" or "no BTF", BT_EIO
 * with the reason (EPERM: not root) otherwise.  The caller owns *out
 * (bt_ebpf_close()).
 */
int bt_ebpf_open(struct bt_ebpf **out, const struct bt_ebpf_opts *o);

/*
 * Wait up to timeout_ms (0: do not wait) for records and give every one
 * the ring holds to sink->add(), in ring order (the observation and its
 * strings are borrowed for the call).  *nout (may be NULL) gets the number
 * emitted.  Returns 0, the first negative value add() returned (unchanged:
 * capture should stop), or BT_EIO.
 */
int bt_ebpf_poll_sink(struct bt_ebpf *e, int timeout_ms,
		      const struct bt_obs_sink *sink, size_t *nout);

/* Detach the programs: after it returns nothing more is written (wait
 * for in-flight programs, then drain the rest with bt_ebpf_poll_sink()). */
int bt_ebpf_stop(struct bt_ebpf *e);

/* The counters: the loader's own (records, bad) and the programs'. */
void bt_ebpf_stats(const struct bt_ebpf *e, struct bt_drain_stats *out);

/*
 * With opts.tree (or opts.pid): add pid and every process already
 * descended from it to the scope.  Its children forked from now on join
 * the scope in the kernel.  0 or BT_EIO.
 */
int bt_ebpf_track(struct bt_ebpf *e, uint32_t pid);

/*
 * The processes in the scope of opts.tree or opts.pid now (a process
 * leaves it when its last thread exits): their number, and the first max
 * of them in pids (may be NULL with max 0).  A pid whose process is gone
 * without the programs seeing its exit is removed, not counted.
 */
size_t bt_ebpf_tracked(struct bt_ebpf *e, uint32_t *pids, size_t max);

/* Detaches, unloads and frees; accepts NULL. */
void bt_ebpf_close(struct bt_ebpf *e);

#endif
