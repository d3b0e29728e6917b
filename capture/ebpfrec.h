/*
 * ebpfrec.h - `btrack record --source ebpf`: run a command with the eBPF
 * source (capture/ebpf/loader.h) scoped in the kernel to the command's
 * process tree, and write what the tree does into a log.
 *
 * The programs are loaded first, with an empty scope.  Then the command's
 * first process is forked; it waits on a pipe until its pid is in the
 * scope, and then execs the command.  Its children join the scope in the
 * kernel as they are forked.  Records are drained into the log's ingest
 * (commit after each observation, as every source) until the whole tree
 * has exited, then the programs are detached, the ring drained to its end
 * and the drop counts written as a BT_NOTE_DROPS note.
 *
 * What is recorded is what `btrack capture --source ebpf` sees, for the
 * tree only: nothing of btrack's own (its process is excluded in the
 * kernel; the first process's reads and writes before its exec are
 * btrack's, and dropped here).  Page events come from the programs' page
 * faults (first touch of a page per process and mapping, btrack-capture(1))
 * instead of the LD_PRELOAD page monitor.  The results go into the
 * recorder's struct bt_record_stats, so `btrack record` reports and exits
 * the same way whatever the source.  The prose specification is
 * man/btrack-record.1.  Never prints.
 */
#ifndef BT_EBPFREC_H
#define BT_EBPFREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/log.h"
#include "recorder.h"

struct bt_ebpfrec_opts {
	char *const *argv;      /* the command, argv[0] looked up in PATH */
	bool pages;             /* record page faults on shared file
	                           mappings */
	uint64_t ring_bytes;    /* the eBPF ring (0: the loader's default) */
	/* Called about every 10 ms between observations (all committed),
	 * e.g. to seal the log periodically.  NULL: none. */
	void (*tick)(void *arg);
	void *tick_arg;
};

struct bt_ebpfrec;

/*
 * Whether this host can record with eBPF: a btrack built with it, root,
 * BTF.  true, or false with the reason in why (n bytes).  bt_ebpfrec_open()
 * may still fail (a kernel that refuses the programs).
 */
bool bt_ebpfrec_usable(char *why, size_t n);

/*
 * Load and attach the programs, scoped to no process yet, so that a
 * failure comes before anything runs.  BT_EINVAL, BT_EIO with the reason
 * (bt_error_msg()), BT_ENOMEM.  The caller owns *out.
 */
int bt_ebpfrec_open(struct bt_ebpfrec **out, const struct bt_ebpfrec_opts *o);

/*
 * Run the command and record into w (borrowed, open for writing; the
 * caller closes it).  As bt_record_run(): 0 when the recording ran to
 * the end, whatever the command's exit status (out->status); BT_EIO when
 * the command could not be started (out->ran false, out->status 127 if it
 * was not found, 126 if it could not be run) or the log not written;
 * BT_ENOMEM.  The fields of out the eBPF source has no counterpart for
 * (syscalls, compat, the page ring's; io_uring_procs: io_uring counts
 * calls only) stay 0.  Once per open.
 */
int bt_ebpfrec_run(struct bt_ebpfrec *x, struct bt_log_writer *w,
		   struct bt_record_stats *out);

/*
 * Ask a running bt_ebpfrec_run() to stop, as bt_record_interrupt():
 * async-signal-safe; the first call forwards sig to the command's first
 * process (unless forward is false) and keeps recording while the tree
 * winds down; a second call, or the tree still running 5 s later, kills
 * every process of the tree (SIGKILL).
 */
void bt_ebpfrec_interrupt(int sig, bool forward);

/* Detaches, unloads and frees; accepts NULL. */
void bt_ebpfrec_close(struct bt_ebpfrec *x);

#endif
