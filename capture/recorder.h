/*
 * recorder.h - `btrack record`: run a command under ptrace with a seccomp-bpf
 * filter and write what it and every descendant do into a log.
 *
 * The child installs a seccomp filter (after PR_SET_NO_NEW_PRIVS) that
 * returns SECCOMP_RET_TRACE for the system calls that make dependencies
 * (open, read, write, mmap, rename, connect, dup, close, ...; the list is in
 * recorder.c and man/btrack-record.1) and ALLOW for all others, so only those
 * stop the tracee.  At the seccomp stop the recorder reads the arguments
 * (PTRACE_GET_SYSCALL_INFO), resumes with PTRACE_SYSCALL to get the exit
 * stop, and records the call with its result there: failed calls make no
 * dependency.  fork/clone/exec/exit come from ptrace events.  Each
 * observation goes to the observation sink (core/ingest.h; the log's
 * ingest unless the caller gives its own), which commits after each one,
 * so a recorder killed at any instant leaves a valid log.
 *
 * Every observation carries the acting process's credentials (uid, euid,
 * gid, egid), read from /proc/PID/status when the command starts, at each
 * exec and after each successful set*id call, and inherited on fork.
 *
 * Unless pages are off, the recorder also creates the page ring
 * (capture/pagering.h), loads the page monitor into the command with
 * LD_PRELOAD and drains the ring into PAGE_READ/PAGE_WRITE observations.
 *
 * Tracees are attached with PTRACE_O_EXITKILL: a process whose seccomp
 * filter says TRACE gets ENOSYS from those calls when no tracer is left, so
 * a command that outlived a killed recorder would run wrong; it is killed
 * with it instead.  The log is still valid up to the last commit.
 *
 * x86-64 only (the filter checks AUDIT_ARCH_X86_64; i386 and x32 system
 * calls that do I/O are stopped at and counted, not decoded).  The filter
 * also closes the ways out of the recording: clone(CLONE_UNTRACED) EPERM,
 * clone3 ENOSYS, a seccomp user-notification listener EPERM.  Page records
 * from the ring are claims, checked against the recorded processes, the
 * recording's time and the files each process mapped.  The library never prints: warnings are
 * counted and described in the stats for the CLI to show.
 */
#ifndef BT_RECORD_CAPTURE_H
#define BT_RECORD_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/ingest.h"
#include "../core/log.h"

#define BT_RECORD_SLICE_NS_DEFAULT 4000000ULL  /* 4 ms */

struct bt_record_opts {
	char *const *argv;      /* the command, argv[0] looked up in PATH */
	bool pages;             /* load the page monitor */
	const char *preload;    /* path of libbtrack-pages.so (pages only) */
	uint64_t slice_ns;      /* page re-arm period, ns (0: default) */
	uint32_t ring_slots;    /* page ring size (0: default 65536) */
	/* Where observations go (borrowed): NULL for the log's own ingest
	 * (bt_ingest_sink()).  Notes always go to the log. */
	const struct bt_obs_sink *sink;
	/* Called from the recording loop about every 10 ms, between
	 * observations (all of them committed), e.g. to seal the log
	 * periodically (core/seal.h).  NULL: none. */
	void (*tick)(void *arg);
	void *tick_arg;
};

struct bt_record_stats {
	uint64_t syscalls;      /* seccomp stops handled */
	uint64_t observations;  /* given to ingest */
	uint64_t events;        /* events written (from ingest) */
	uint64_t processes;     /* process objects */
	uint64_t files;         /* file objects */
	uint64_t pages;         /* page objects */
	uint64_t page_events;   /* page observations from the ring */
	uint64_t drops;         /* page records the recorder lost or refused:
	                           page_holes + page_rejected (its own
	                           counts, never the ring header's) */
	uint64_t page_holes;    /* ring slots reserved, never published */
	uint64_t page_rejected; /* page records refused, the sum of: */
	uint64_t page_malformed;/*   not a page record, or a slot sequence
	                             number no producer writes */
	uint64_t page_bad_pid;  /*   a pid not of the recorded tree */
	uint64_t page_bad_time; /*   a time outside the recording, or
	                             outside its process's life */
	uint64_t page_bad_file; /*   a page of no file the process mapped
	                             shared */
	uint64_t ring_repaired; /* drains that found the ring header rewritten
	                           (by the traced program) and repaired it */
	uint64_t ring_full_claimed; /* page events the producers say they
	                           dropped, ring full: read from the ring
	                           header, which the traced program can
	                           write; unverified */
	uint64_t lost;          /* observations ingest refused (BT_EINVAL) */
	uint64_t static_bins;   /* execs of binaries without PT_INTERP */
	uint64_t io_uring;      /* io_uring_setup/enter/register and Linux
	                           AIO io_setup/io_submit calls: the I/O they
	                           do is not recorded */
	uint64_t io_uring_procs;/* processes that made them */
	uint64_t compat;        /* i386 (int 0x80) or x32 system calls that
	                           read, write or name files or sockets: not
	                           decoded, their I/O is not recorded */
	uint64_t compat_procs;  /* processes that made them */
	uint64_t unconfirmed;   /* unlinks and renames whose names did not
	                           end as the call says (a path argument
	                           rewritten during the call?): noted */
	int status;             /* the command's exit status, 128+N if killed
	                           by signal N; -1 if it never ran */
	bool ran;               /* the command was exec'd */
	bool obj_level;         /* some mappings recorded at object level */
	bool interrupted;       /* stopped by bt_record_interrupt() */
	char warning[256];      /* the first warning, or "" */
};

/*
 * Run the command and record into `w` (borrowed, open for writing; the
 * caller closes it).  Returns 0 when the recording ran to the end (whatever
 * the command's exit status, which is in out->status), BT_EIO if the command
 * could not be started (out->status -1) or the log could not be written,
 * BT_ENOMEM.  The log is valid whatever happens: every observation is
 * committed as it is added.
 */
int bt_record_run(struct bt_log_writer *w, const struct bt_record_opts *o,
		  struct bt_record_stats *out);

/*
 * Ask a running bt_record_run() to stop (async-signal-safe; call it from a
 * SIGINT/SIGTERM handler).  The first call forwards `sig` to the command's
 * first process (unless `forward` is false: a terminal's Ctrl-C already
 * reached the whole foreground process group) and keeps recording while
 * the command winds down; a second call, or the command still running 5 s
 * later, kills every tracee (SIGKILL) and ends the recording.
 */
void bt_record_interrupt(int sig, bool forward);

/* Helpers, exposed for tests. */

/* Format a sockaddr read from a tracee (untrusted: `len` bytes at `sa`)
 * as "1.2.3.4:80", "[2001:db8::1]:80", "unix:/path", "unix:@abstract" or
 * "unix:unnamed".  BT_EINVAL for a family or length that makes no sense
 * (the out string then says "family N"). */
int bt_record_sockaddr_fmt(char *out, size_t n, const void *sa, size_t len);

/* The credentials in the text of a /proc/PID/status file (untrusted: `len`
 * bytes, not NUL-terminated): cred[0..3] = real uid, effective uid, real
 * gid, effective gid.  BT_EINVAL when a Uid: or Gid: line is missing or
 * malformed (cred unchanged then). */
int bt_record_parse_status(uint32_t cred[4], const char *text, size_t len);

/* Find the socket with inode `ino` in the text of /proc/PID/net/tcp, udp
 * (v6 false) or tcp6, udp6 (v6 true), `len` bytes, and format its remote
 * address as "1.2.3.4:80" or "[2001:db8::1]:80".  0 found, BT_ENOTFOUND
 * when no row has that inode or its remote address is unset (an
 * unconnected UDP socket, a listener), BT_EINVAL for a malformed row of
 * that inode.  Rows that cannot be read are skipped. */
int bt_record_net_peer(char *out, size_t n, const char *text, size_t len,
		       bool v6, uint64_t ino);

/* A unix socket as sock_diag describes it (struct unix_diag_msg and its
 * attributes, one netlink message of `len` bytes at `msg`, checked: a
 * truncated or malformed answer is BT_EINVAL, a netlink error BT_ENOTFOUND).
 * type: SOCK_STREAM...; peer: the peer's inode, 0 if none; name: the
 * bound address as "unix:/path", "unix:@abstract" or "" if unnamed. */
struct bt_unix_sock {
	unsigned type;
	uint32_t ino, peer;
	char name[256];
};
int bt_record_unix_diag_parse(struct bt_unix_sock *out, const void *msg,
			      size_t len);

/* Whether an ELF image (its first `len` bytes) has a PT_INTERP program
 * header (a dynamically linked program the page monitor can load into).
 * 1 yes, 0 no (static), BT_EINVAL if it is not a 64-bit ELF we can read. */
int bt_record_elf_has_interp(const void *data, size_t len);

#endif
