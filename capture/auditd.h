/*
 * auditd.h - import Linux audit logs (auditd's audit.log, RAW or ENRICHED
 * format) into a log.
 *
 * The record layer (audit/records.h) reads lines: "[node=N ]type=T
 * msg=audit(SECONDS.MILLIS:SERIAL): k=v ...", also after a syslog or
 * journal prefix, or the kernel's "audit: type=1300 audit(...): ..." form;
 * values plain or quoted; ENRICHED "\x1dK=V ..." interpretations ignored;
 * '#' lines are comments.  Records of one event share (node, time,
 * serial) and may interleave with other events' records; an event is
 * complete at its EOE record, when too many events are open (the oldest is
 * completed), or at the end of the input.  Used record types: SYSCALL,
 * EXECVE (split long arguments aN_len/aN[i], hex-encoded values), CWD,
 * PATH (placed by item=), PROCTITLE, SOCKADDR, SOCKETCALL, FD_PAIR, MMAP,
 * OPENAT2, EOE.  Others are counted as unused.  Syscalls (audit/syscalls.h)
 * are x86-64 (arch=c000003e, and x32), i386 (arch=40000003) or aarch64
 * (arch=c00000b7), by number or, in interpreted logs, by name; other
 * architectures are counted (arch_other), never decoded.
 *
 * What a syscall becomes (audit sees no read(2)/write(2) in the shipped
 * rules, so opens and descriptor lifetimes stand for them; the inference
 * is described at the top of auditd.c): open/openat/openat2/creat for
 * reading -> read, for writing -> write, O_CREAT of a new name -> create,
 * O_TRUNC of an existing file -> truncate; execve, execveat -> exec (and
 * reads of the interpreter and loader); clone/fork/vfork -> fork;
 * exit_group -> exit; rename*, link*, unlink*, rmdir, mkdir*, mknod*,
 * truncate -> name ops; symlink* -> symlink; chmod/chown families -> chmod,
 * chown; set*id -> setid; pipe, pipe2, socketpair -> pipe objects; close,
 * dup*, fcntl, close_range -> the fd tables; mmap of an fd -> mmap;
 * connect/accept/bind -> connect/accept and socket addresses;
 * sendto/sendmsg/recvfrom/recvmsg -> send/recv (on a socketpair end:
 * write/read of its direction); pidfd_getfd -> a copy of another
 * process's descriptor (read, write as at an open).  Failed syscalls
 * (success=no) make nothing.  The rules that produce such a log are
 * capture/audit/btrack.rules and btrack-minimal.rules; btrack-import(1)
 * says what each gives.
 *
 * The input is untrusted: every field is bounded and checked; a line that
 * does not have the audit shape is a bad line reported with its number.
 */
#ifndef BT_AUDITD_H
#define BT_AUDITD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/ingest.h"

struct bt_auditd_stats {
	uint64_t lines;       /* lines read */
	uint64_t records;     /* well-formed records */
	uint64_t events;      /* audit events (by serial) completed */
	uint64_t used;        /* observations ingested */
	uint64_t unused;      /* records of types btrack does not use */
	uint64_t failed;      /* syscalls that failed (no dependency) */
	uint64_t unknown;     /* syscalls btrack does not map */
	uint64_t gaps;        /* events naming a descriptor or peer the log
	                         never showed (an fd inherited from before the
	                         log, accept with no address): no dependency
	                         is guessed */
	uint64_t truncated;   /* strings cut at the field limit */
	uint64_t bad;         /* malformed lines skipped (keep_going) */
	uint64_t first_bad;   /* line number of the first, 0 if none */
	uint64_t bad_fields;  /* malformed fields (hex of odd length, a
			       * number that is not one): decoded as far as
			       * they can be, their event kept */
	uint64_t arch_other;  /* SYSCALL events of an architecture btrack
			       * does not decode (not x86-64, i386, aarch64):
			       * their syscalls are not used */
	uint32_t arch_other_first; /* its AUDIT_ARCH_* value (first seen),
				    * 0 if given by an unknown name */
	uint64_t uring;       /* io_uring operations (URINGOP): not used */
	uint64_t io_uring_calls; /* io_uring_setup/enter/register, io_setup,
			       * io_submit: the I/O they start is in no
			       * syscall the rules log (not seen) */
	uint64_t bad_names;   /* PATH names malformed (hex of odd length, a
			       * byte that is not hex, a NUL inside): not
			       * used as names (not in bad_fields) */
	uint64_t bad_name_skipped; /* events skipped for want of such a
			       * name (an open still names its file by
			       * inode) */
	uint64_t no_newline;  /* inputs whose last line had no newline
			       * (imported as it is: cut while written?) */
	uint64_t long_lines;  /* lines over the length limit, skipped
			       * unread (keep_going) */
};

struct bt_auditd;

/* Start an import into `sink` (its arg is borrowed; bt_ingest_sink()
 * gives the one that writes a log).  The caller owns *out and ends it
 * with bt_auditd_finish() then bt_auditd_free(). */
int bt_auditd_new(struct bt_auditd **out, struct bt_obs_sink sink);

/*
 * Read `in` to its end.  Several inputs (rotated logs, oldest first) may be
 * fed to one import: open events and per-process state carry over.  A
 * malformed line is BT_ECORRUPT naming "NAME:LINE" unless keep_going, which
 * counts and skips it.  Writer errors pass up unchanged.
 */
int bt_auditd_feed(struct bt_auditd *a, FILE *in, const char *name,
		   bool keep_going);

/* Feed one line (without its newline); for fuzzing and tests.  `lineno` is
 * used in messages. */
int bt_auditd_line(struct bt_auditd *a, const char *line, size_t len,
		   const char *name, uint64_t lineno);

/* Complete every open event (end of input). */
int bt_auditd_finish(struct bt_auditd *a);

void bt_auditd_stats(const struct bt_auditd *a, struct bt_auditd_stats *out);

void bt_auditd_free(struct bt_auditd *a);

#endif
