/*
 * records.h - the record layer of the audit log importer: lines ->
 * records -> events.
 *
 * A line is "[node=N ]type=T msg=audit(SECONDS.MILLIS:SERIAL): k=v ...",
 * possibly after a syslog or journal prefix, or the kernel's own form
 * "audit: type=1300 audit(...): ..." (numeric types).  Values may be
 * quoted; ENRICHED interpretations after \x1d are ignored; '#' lines are
 * comments.  Records of one event share (node, time, serial) and may
 * interleave with other events' records; an event is complete at its EOE
 * record, when too many events are open (the oldest is completed), or at
 * the end of the input.  Completed events are held back and handed to the
 * caller's callback in time order (then serial), one at a time, as a
 * struct aev, with its syscall resolved for its architecture.
 *
 * Nothing is allocated per line or per event: events live in a fixed table
 * of slots (a slot's body is made the first time it is taken), each with a
 * fixed string arena.  An aev and every string it refers to are borrowed
 * by the callback, valid until it returns.  A malformed field is decoded
 * as far as it goes and counted (bad_fields); the event is kept.
 */
#ifndef BT_AUDIT_RECORDS_H
#define BT_AUDIT_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../auditd.h"
#include "syscalls.h"

#define AUD_ARENA     32768   /* string bytes per event */
#define AUD_MAX_ITEMS 8       /* PATH records per event */
#define AUD_MAX_ARGS  256     /* EXECVE arguments kept */

/* A PATH record's nametype=. */
enum nametype { NT_NONE, NT_NORMAL, NT_PARENT, NT_CREATE, NT_DELETE,
		NT_UNKNOWN };

struct aud_item {
	uint32_t name;       /* arena offset + 1, 0 = none */
	enum nametype nt;
	int has_ino;         /* inode= and dev= both present */
	uint64_t ino, dev;
	int has_mode;
	uint32_t mode;       /* mode= (octal in the log): type and permissions */
	uint32_t ouid, ogid; /* owner; UINT32_MAX if not given */
	int bad_name;        /* name= was malformed (hex of odd length, a
	                        byte that is not hex, a NUL inside): no name,
	                        counted in bad_names */
};

struct aud_arg {
	uint32_t off;        /* arena offset + 1 */
	uint32_t len, cap;
};

/* struct aev's success: the SYSCALL record's success= field.  A syscall
 * that does not return (exit, exit_group; one the process died in) has
 * no success= and no exit= field: AEV_UNSTATED, which is not a failure. */
#define AEV_NO        0
#define AEV_YES       1
#define AEV_UNSTATED  (-1)

/*
 * One audit event.  String fields are arena references (offset + 1, 0 =
 * absent): read them with aev_str().  Ids (uid ... ses) are UINT32_MAX
 * when absent or unset (4294967295 in the log).
 */
struct aev {
	int slot;            /* private to the record layer */
	uint64_t time, serial, seq;
	/* Audit stamps an event at syscall entry and writes it at exit: the
	 * latest stamp among its own and those of the recent events of its
	 * node written and numbered before it, a time its syscall had not
	 * yet returned by.  A receive that blocked is stamped before the
	 * send it waited for; its data arrived by this time.  An accept and
	 * a receive (recvfrom, recvmsg) are handed over at this time (their
	 * `time` set to it, serial kept in the low digits): after the
	 * connect or the send they waited for. */
	uint64_t exit_floor;
	int waited;          /* an accept or receive so moved to its floor */
	uint32_t node;       /* hash of node=NAME, 0 if none: part of the key */
	int has_syscall;     /* a SYSCALL record with a pid came */
	int sysno;           /* enum bt_sys, whatever the architecture;
			      * SYS_UNKNOWN for an unmapped call or for
			      * arch == BT_ARCH_OTHER (never misdecoded) */
	int arch;            /* enum bt_arch (BT_ARCH_NONE: no arch=) */
	uint32_t arch_raw;   /* AUDIT_ARCH_* as logged, 0 if unknown */
	int64_t nr;          /* syscall= number as logged, -1 if by name */
	uint32_t sysname;    /* syscall= name of an interpreted log */
	int success;         /* AEV_YES, AEV_NO or AEV_UNSTATED */
	int has_exit;        /* exit= present */
	int64_t exit;
	uint64_t a[4];       /* for i386 socketcall: the sub-call's own
			      * arguments (SOCKETCALL record) */
	unsigned has_a;      /* bit k: a<k>= was there and parsed (a
			      * missing argument reads 0, which is not a
			      * length of 0) */
	int args_unknown;    /* socketcall without its SOCKETCALL record:
			      * a[] are all ones, not arguments */
	int has_socketcall;
	uint64_t sc_a[4];
	uint32_t pid, ppid;
	uint32_t uid, euid, suid, fsuid, gid, egid, sgid, fsgid, auid, ses;
	uint32_t comm, exe, cwd, sockaddr, key;
	int login;           /* a LOGIN record: this is the write that set
			      * the loginuid, logged whatever the rules */
	int has_mmap;
	int64_t mmap_fd;
	uint64_t mmap_flags;
	int has_fdpair;
	int64_t fd0, fd1;
	int has_oflag;       /* OPENAT2 record: openat2's open_how.flags */
	uint64_t oflag;
	int has_uring;       /* a URINGOP record (io_uring op, no syscall) */
	int uring_op;
	int nitems;
	int argc;            /* from EXECVE argc=, -1 if none */
	int nargs;
	uint32_t alen;
	struct aud_item items[AUD_MAX_ITEMS];
	struct aud_arg args[AUD_MAX_ARGS];
	char arena[AUD_ARENA];
};

/* Does this event end its process?  exit_group does; exit ends a thread
 * (the last thread's exit ends the process, which the log cannot tell). */
static inline bool aev_exits_process(const struct aev *e)
{
	return e->has_syscall && e->sysno == SYS_exit_group;
}

/* The string at arena reference `ref`, NULL if 0.  Borrowed from e. */
static inline const char *aev_str(const struct aev *e, uint32_t ref)
{
	return ref ? e->arena + ref - 1 : NULL;
}

/* Called once per completed event, in time order.  A nonzero return stops
 * the import and is passed up unchanged. */
typedef int (*bt_arec_complete_fn)(void *ctx, struct aev *e);

struct bt_arec;

/* A new record parser that counts into *st (lines, records, events,
 * unused, truncated, bad, first_bad; borrowed) and hands completed events
 * to fn(ctx, e).  The caller owns *out and frees it with bt_arec_free(). */
int bt_arec_new(struct bt_arec **out, struct bt_auditd_stats *st,
		bt_arec_complete_fn fn, void *ctx);

/* One line without its newline; see bt_auditd_line(). */
int bt_arec_line(struct bt_arec *p, const char *line, size_t len,
		 const char *name, uint64_t lineno);

/* Read `in` to its end; see bt_auditd_feed(). */
int bt_arec_feed(struct bt_arec *p, FILE *in, const char *name,
		 bool keep_going);

/* Complete every open event (end of input). */
int bt_arec_finish(struct bt_arec *p);

void bt_arec_free(struct bt_arec *p);

/* Render a SOCKADDR saddr= hex value as "a.b.c.d:port", "[v6]:port" (v6 in
 * its canonical text, RFC 5952) or
 * "unix:path" into out (empty if not one of those). */
void bt_arec_sockaddr_text(const char *hex, char *out, size_t cap);

#endif
