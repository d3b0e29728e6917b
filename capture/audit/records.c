/*
 * records.c - the record layer of the audit log importer (see records.h):
 * line shapes, fields, decoding of quoted and hex strings, per-event
 * storage, grouping by (time, serial) and the order events complete in.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "../../core/error.h"
#include "../../core/util.h"
#include "records.h"
#include "syscalls.h"

#define MAX_SLOTS  256     /* events open or waiting at once */
#define REORDER_N  128     /* completed events held back for ordering */
#define REORDER_NS 2000000000ULL  /* ... or for at most this long */
#define MAX_LINE   (1 << 20)
#define FIELD_MAX  8192    /* a decoded field's bytes */

enum rtype {
	R_OTHER, R_SYSCALL, R_EXECVE, R_CWD, R_PATH, R_PROCTITLE, R_SOCKADDR,
	R_FD_PAIR, R_MMAP, R_EOE, R_SOCKETCALL, R_OPENAT2, R_URINGOP, R_LOGIN
};

/* Record types by name (auditd) and number (the kernel's own log lines,
 * "audit: type=1300 audit(...)"; linux/audit.h). */
static const struct { const char *name; uint16_t num; enum rtype t; }
rtypes[] = {
	{ "SYSCALL", 1300, R_SYSCALL }, { "EXECVE", 1309, R_EXECVE },
	{ "CWD", 1307, R_CWD }, { "PATH", 1302, R_PATH },
	{ "PROCTITLE", 1327, R_PROCTITLE }, { "SOCKADDR", 1306, R_SOCKADDR },
	{ "FD_PAIR", 1317, R_FD_PAIR }, { "MMAP", 1323, R_MMAP },
	{ "EOE", 1320, R_EOE }, { "SOCKETCALL", 1304, R_SOCKETCALL },
	{ "OPENAT2", 1337, R_OPENAT2 }, { "URINGOP", 1336, R_URINGOP },
	{ "LOGIN", 1006, R_LOGIN },
};


/*
 * An event's slot is free, open (records still arriving) or done (its EOE
 * came; waiting to be handed over in time order).  Audit stamps an event at
 * syscall entry but writes it at exit, so a vfork is written after its
 * child has exec'd and run: completed events are held back and released
 * oldest first (by time, then serial) once more than REORDER_N wait or
 * the oldest is REORDER_NS older than the newest record.
 */
enum { SLOT_FREE = 0, SLOT_OPEN = 1, SLOT_DONE = 2 };

/* What event_find() and first_done() scan, apart from the 40 KiB event
 * bodies: one cache line per few slots instead of a page per slot. */
struct slot {
	uint64_t time, serial, seq;
	uint32_t node;
	uint8_t state;       /* SLOT_* */
};

struct bt_arec {
	/* Event bodies, made when their slot is first taken: a log whose
	 * events do not interleave uses a few.  At most MAX_SLOTS are ever
	 * made, so none is allocated per event. */
	struct aev *ev[MAX_SLOTS];
	struct slot *sl;     /* MAX_SLOTS, sl[i] describes ev[i] */
	size_t ndone;        /* slots completed, waiting to be handed over */
	uint64_t max_time;   /* latest record time seen */
	/* the events most recently begun in the log (aev.exit_floor): their
	 * node (a log that merges hosts has a clock each), serial, time */
	struct { uint32_t node; uint64_t serial, time; } recent[32];
	size_t nrecent;
	uint64_t seq;
	struct bt_auditd_stats *st;
	bt_arec_complete_fn complete;
	void *ctx;
	char line[FIELD_MAX * 2];   /* scratch for one decoded field */
};

/* ---- small parsers ----------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_u64(const char *s, size_t n, int base, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 20)
		return -1;
	for (i = 0; i < n; i++) {
		int d = hexval(s[i]);

		if (d < 0 || d >= base)
			return -1;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -1;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*out = v;
	return 0;
}

static int parse_i64(const char *s, size_t n, int64_t *out)
{
	uint64_t v;
	int neg = n && s[0] == '-';

	if (parse_u64(s + neg, n - (size_t)neg, 10, &v) || v > INT64_MAX)
		return -1;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

/*
 * Decode an audit string value: "quoted" (taken as is), hex, or absent:
 * (null), "?" or empty.  Writes at most cap-1 bytes and a NUL into out;
 * *trunc set if cut.  A value that is none of these (hex of odd length,
 * a non-hex byte) is decoded as far as it can be and sets *bad to 1: hex
 * up to its last whole pair, other bare text as it is.  A value that
 * decodes to a NUL byte inside (hex 00, or a raw NUL in the line) is no
 * string the kernel logs: *bad is 2, and read as a C string it would be
 * another, shorter one ("2F00" is not "/").  Returns the decoded length,
 * or -1 if absent.
 */
static long decode_str(const char *v, size_t n, char *out, size_t cap,
		       int *trunc, int *bad)
{
	size_t i, k = 0;

	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		for (i = 1; i + 1 < n; i++) {
			if (k + 1 >= cap) {
				*trunc = 1;
				break;
			}
			out[k++] = v[i];
		}
		out[k] = '\0';
		if (memchr(out, '\0', k))
			*bad = 2;
		return (long)k;
	}
	if (n == 0 || (n == 6 && !memcmp(v, "(null)", 6)) ||
	    (n == 1 && v[0] == '?'))
		return -1;
	for (i = 0; i < n; i++) {
		if (hexval(v[i]) < 0) {
			/* Not hex: bare text, kept as it is. */
			*bad = 1;
			if (n + 1 > cap) {
				*trunc = 1;
				n = cap - 1;
			}
			memcpy(out, v, n);
			out[n] = '\0';
			if (memchr(out, '\0', n))
				*bad = 2;
			return (long)n;
		}
	}
	if (n % 2)
		*bad = 1;  /* the last digit is lost */
	for (i = 0; i + 1 < n; i += 2) {
		int h = hexval(v[i]), l = hexval(v[i + 1]);

		if (k + 1 >= cap) {
			*trunc = 1;
			break;
		}
		out[k++] = (char)(h << 4 | l);
	}
	out[k] = '\0';
	if (memchr(out, '\0', k))
		*bad = 2;
	return (long)k;
}

/* ---- per-event storage --------------------------------------------------- */

/* Copy bytes into the event's arena; returns offset + 1, or 0 if full. */
static uint32_t arena_put(struct bt_arec *a, struct aev *e, const char *s,
			  size_t n)
{
	uint32_t off;

	if (n + 1 > AUD_ARENA - e->alen) {
		a->st->truncated++;
		return 0;
	}
	off = e->alen;
	memcpy(e->arena + off, s, n);
	e->arena[off + n] = '\0';
	e->alen += (uint32_t)n + 1;
	return off + 1;
}

static void resolve_syscall(struct bt_arec *a, struct aev *e);

/* ---- decoding a socket address ------------------------------------------ */

void bt_arec_sockaddr_text(const char *hex, char *out, size_t cap)
{
	unsigned char b[128];
	size_t n = 0, i;
	unsigned fam;

	out[0] = '\0';
	for (i = 0; hex[i] && hex[i + 1] && n < sizeof(b); i += 2) {
		int h = hexval(hex[i]), l = hexval(hex[i + 1]);

		if (h < 0 || l < 0)
			return;
		b[n++] = (unsigned char)(h << 4 | l);
	}
	if (n < 2)
		return;
	fam = b[0] | (unsigned)b[1] << 8;
	if (fam == 2 && n >= 8) {
		snprintf(out, cap, "%u.%u.%u.%u:%u", b[4], b[5], b[6], b[7],
			 (unsigned)b[2] << 8 | b[3]);
	} else if (fam == 10 && n >= 24) {
		/* the canonical text (RFC 5952: [::1], [::ffff:127.0.0.1]),
		 * as the recorder and the eBPF source name an address, so
		 * that the same endpoint is the same name from every source */
		char ip[INET6_ADDRSTRLEN];

		if (inet_ntop(AF_INET6, b + 8, ip, sizeof(ip)))
			snprintf(out, cap, "[%s]:%u", ip,
				 (unsigned)b[2] << 8 | b[3]);
	} else if (fam == 1 && n > 2) {
		size_t k, m = 0;
		int abstract = b[2] == 0;
		char tmp[110];

		for (k = 2 + (size_t)abstract; k < n && m + 1 < sizeof(tmp);
		     k++) {
			if (!b[k])
				break;
			tmp[m++] = isprint(b[k]) ? (char)b[k] : '?';
		}
		tmp[m] = '\0';
		snprintf(out, cap, "unix:%s%s", abstract ? "@" : "", tmp);
	}
}

/* ---- grouping ------------------------------------------------------------ */

/* Give a completed event to the caller; its slot is free afterwards. */
static int hand_over(struct bt_arec *a, struct aev *e)
{
	int r;

	a->st->events++;
	resolve_syscall(a, e);
	r = a->complete(a->ctx, e);
	a->sl[e->slot].state = SLOT_FREE;
	return r;
}

/* The done event that comes first in time (then serial), or NULL. */
static struct aev *first_done(struct bt_arec *a)
{
	const struct slot *best = NULL;
	int i, b = 0;

	for (i = 0; i < MAX_SLOTS; i++) {
		const struct slot *e = &a->sl[i];

		if (e->state != SLOT_DONE)
			continue;
		if (!best || e->time < best->time ||
		    (e->time == best->time && e->serial < best->serial)) {
			best = e;
			b = i;
		}
	}
	return best ? a->ev[b] : NULL;
}

/* Ingest done events in order while the window says they may go (all of
 * them with `all`). */
static int drain(struct bt_arec *a, int all)
{
	struct aev *e;
	int r;

	while ((e = first_done(a))) {
		if (!all && a->ndone <= REORDER_N &&
		    e->time + REORDER_NS > a->max_time)
			break;
		a->ndone--;
		r = hand_over(a, e);
		if (r)
			return r;
	}
	return 0;
}

/* e's call as syscall= names it (enum bt_sys; socketcall itself, not the
 * call it makes), or `none` when the record names none. */
static int named_syscall(const struct aev *e, int none)
{
	if (e->nr >= 0)
		return bt_asys_by_nr(e->arch, (uint64_t)e->nr);
	if (e->sysname)
		return bt_asys_by_name(e->arch, aev_str(e, e->sysname),
				       strlen(aev_str(e, e->sysname)));
	return none;
}

/*
 * Is e an accept or a receive (recvfrom, recvmsg, recvmmsg,
 * mq_timedreceive, msgrcv; read and readv, of a pipe or socket, when the
 * rules log them)?  One that
 * blocked is stamped at its entry, before the connect or the send it
 * waited for, and written at its exit, after it: it is handed over in
 * the order of its exit (aev.exit_floor), after that connect or send, or
 * the importer could not tell which connect an accept took, nor where a
 * datagram came to.  (Before resolve_syscall(), which counts.)
 */
static bool waits_for_peer(const struct aev *e)
{
	int sysno;

	if (!e->has_syscall || e->arch == BT_ARCH_OTHER)
		return false;
	sysno = named_syscall(e, SYS_UNKNOWN);
	if (sysno == SYS_socketcall)
		sysno = bt_asys_socketcall(e->a[0]);
	return sysno == SYS_accept || sysno == SYS_accept4 ||
	       sysno == SYS_recvfrom || sysno == SYS_recvmsg ||
	       sysno == SYS_recvmmsg || sysno == SYS_mq_timedreceive ||
	       sysno == SYS_mq_timedreceive_time64 || sysno == SYS_msgrcv ||
	       sysno == SYS_read || sysno == SYS_readv;
}

/* Slot i's event is complete: dated (waits_for_peer()), and done. */
static void mark_done(struct bt_arec *a, int i)
{
	struct aev *e = a->ev[i];

	if (e->exit_floor > e->time && waits_for_peer(e)) {
		/* dated at its exit: the floor's millisecond, its own serial
		 * in the low digits (higher than the floor's) */
		uint64_t t = e->exit_floor - e->exit_floor % 1000000 +
			     e->time % 1000000;

		e->time = t < e->exit_floor ? e->exit_floor : t;
		e->waited = 1;
		a->sl[i].time = e->time;
	}
	a->sl[i].state = SLOT_DONE;
	a->ndone++;
}

static int close_event(struct bt_arec *a, struct aev *e)
{
	mark_done(a, e->slot);
	return drain(a, 0);
}

/*
 * The open slot of (time, serial); with `create`, a free slot (making one
 * if all are taken: the first done event is ingested, or else the oldest
 * open one is closed and ingested).  NULL without `create` if none.
 */
static struct aev *event_find(struct bt_arec *a, uint64_t time,
			      uint64_t serial, uint32_t node, int create,
			      int *err)
{
	struct aev *free_slot;
	struct slot *oldest = NULL;
	int i, free_i = -1;

	*err = 0;
	for (i = 0; i < MAX_SLOTS; i++) {
		struct slot *e = &a->sl[i];

		if (e->state == SLOT_FREE) {
			if (free_i < 0)
				free_i = i;
			continue;
		}
		if (e->state != SLOT_OPEN)
			continue;
		/* A record without node= joins its event's records with
		 * one (a log is not expected to mix them). */
		if (e->serial == serial && e->time == time &&
		    (e->node == node || !node || !e->node)) {
			if (!e->node)
				e->node = a->ev[i]->node = node;
			return a->ev[i];
		}
		if (!oldest || e->seq < oldest->seq)
			oldest = e;
	}
	if (!create)
		return NULL;
	if (free_i >= 0 && !a->ev[free_i]) {
		a->ev[free_i] = malloc(sizeof(*a->ev[free_i]));
		if (!a->ev[free_i]) {
			*err = bt_error_set(BT_ENOMEM, "out of memory");
			return NULL;
		}
		a->ev[free_i]->slot = free_i;
	}
	if (free_i >= 0)
		return a->ev[free_i];
	if (!first_done(a) && oldest)
		mark_done(a, (int)(oldest - a->sl));
	free_slot = first_done(a);
	if (!free_slot)
		return NULL;
	a->ndone--;
	*err = hand_over(a, free_slot);
	return *err ? NULL : free_slot;
}

static void event_init(struct bt_arec *a, struct aev *e, uint64_t time,
		       uint64_t serial, uint32_t node)
{
	int slot = e->slot;

	/* The fields before the arrays; items, args and arena are used only
	 * up to nitems, nargs and alen. */
	memset(e, 0, offsetof(struct aev, items));
	e->slot = slot;
	e->time = time;
	e->serial = serial;
	e->node = node;
	e->seq = a->seq++;
	a->sl[slot] = (struct slot){ time, serial, e->seq, node,
					  SLOT_OPEN };
	e->sysno = SYS_UNKNOWN;
	e->nr = -1;
	e->success = AEV_UNSTATED;
	e->uid = e->euid = e->suid = e->fsuid = UINT32_MAX;
	e->gid = e->egid = e->sgid = e->fsgid = UINT32_MAX;
	e->auid = e->ses = UINT32_MAX;
	e->mmap_fd = -1;
	e->fd0 = e->fd1 = -1;
	e->argc = -1;
	e->uring_op = -1;
}

/* ---- records ------------------------------------------------------------- */

struct field {
	const char *k, *v;
	size_t kn, vn;
	const char *u;       /* the value without its quotes, if quoted */
	size_t un;
};

/* Next "key=value" in [*p, end); 0 at the end or the enriched part. */
static int next_field(const char **p, const char *end, struct field *f)
{
	const char *s = *p, *q;

	while (s < end && *s == ' ')
		s++;
	if (s >= end || *s == '\x1d')
		return 0;
	q = s;
	while (q < end && *q != '=' && *q != ' ' && *q != '\x1d')
		q++;
	if (q >= end || *q != '=') {
		/* A bare word: skip it. */
		*p = q;
		f->k = s;
		f->kn = (size_t)(q - s);
		f->v = f->u = q;
		f->vn = f->un = 0;
		return 1;
	}
	f->k = s;
	f->kn = (size_t)(q - s);
	q++;
	f->v = q;
	if (q < end && (*q == '"' || *q == '\'')) {
		char c = *q;
		const char *c2 = memchr(q + 1, c, (size_t)(end - q - 1));

		q = c2 ? c2 + 1 : end;
	} else {
		while (q < end && *q != ' ' && *q != '\x1d')
			q++;
	}
	f->vn = (size_t)(q - f->v);
	f->u = f->v;
	f->un = f->vn;
	if (f->vn >= 2 && (f->v[0] == '"' || f->v[0] == '\'') &&
	    f->v[f->vn - 1] == f->v[0]) {
		f->u++;
		f->un -= 2;
	}
	*p = q;
	return 1;
}

static int key_is(const struct field *f, const char *k)
{
	return f->kn == strlen(k) && !memcmp(f->k, k, f->kn);
}

static int val_is(const struct field *f, const char *v)
{
	return f->un == strlen(v) && !memcmp(f->u, v, f->un);
}

/* Numeric fields, quoted or not.  A malformed one is counted. */
static int fu64(struct bt_arec *a, const struct field *f, int base,
		uint64_t *out)
{
	const char *v = f->u;
	size_t n = f->un;

	/* MMAP writes flags=0x%lx; the other hex fields have no prefix. */
	if (base == 16 && n > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
		v += 2;
		n -= 2;
	}
	if (!parse_u64(v, n, base, out))
		return 0;
	a->st->bad_fields++;
	return -1;
}

static int fi64(struct bt_arec *a, const struct field *f, int64_t *out)
{
	if (!parse_i64(f->u, f->un, out))
		return 0;
	a->st->bad_fields++;
	return -1;
}

/* An id field (uid=, auid=, ...): UINT32_MAX (unset) if 4294967295 or
 * malformed. */
static uint32_t fid(struct bt_arec *a, const struct field *f)
{
	uint64_t v;

	if (f->un == 2 && !memcmp(f->u, "-1", 2))
		return UINT32_MAX;
	if (fu64(a, f, 10, &v) || v > UINT32_MAX)
		return UINT32_MAX;
	return (uint32_t)v;
}

/* Decode a string field into a->line; -1 if absent.  One with a NUL
 * inside is taken as absent (it would read as a shorter string).  A
 * malformed one is counted in bad_fields, or, if badp is given, said
 * there for the caller to count. */
static long fstr_bad(struct bt_arec *a, const struct field *f, int *badp)
{
	int trunc = 0, bad = 0;
	long n = decode_str(f->v, f->vn, a->line, sizeof(a->line), &trunc,
			    &bad);

	if (trunc)
		a->st->truncated++;
	if (badp)
		*badp = bad;
	else if (bad)
		a->st->bad_fields++;
	return bad == 2 ? -1 : n;
}

static long fstr(struct bt_arec *a, const struct field *f)
{
	return fstr_bad(a, f, NULL);
}

static uint32_t put_str(struct bt_arec *a, struct aev *e,
			const struct field *f)
{
	long n = fstr(a, f);

	if (n < 0)
		return 0;
	return arena_put(a, e, a->line, (size_t)n);
}

static int rec_syscall(struct bt_arec *a, struct aev *e, const char *p,
		       const char *end)
{
	struct field f;
	uint64_t v;
	int64_t s;

	e->has_syscall = 1;
	while (next_field(&p, end, &f)) {
		if (key_is(&f, "syscall")) {
			if (!parse_u64(f.u, f.un, 10, &v) && v <= INT64_MAX) {
				e->nr = (int64_t)v;
			} else if (f.un && f.un < 64) {
				e->nr = -1;  /* interpreted: by name */
				e->sysname = arena_put(a, e, f.u, f.un);
			} else {
				a->st->bad_fields++;
			}
		} else if (key_is(&f, "arch")) {
			e->arch = bt_asys_arch(f.u, f.un, &e->arch_raw);
		} else if (key_is(&f, "success")) {
			if (val_is(&f, "yes"))
				e->success = AEV_YES;
			else if (val_is(&f, "no"))
				e->success = AEV_NO;
			else
				a->st->bad_fields++;
		} else if (key_is(&f, "exit")) {
			if (!fi64(a, &f, &s)) {
				e->exit = s;
				e->has_exit = 1;
			}
		} else if (f.kn == 2 && f.k[0] == 'a' && f.k[1] >= '0' &&
			   f.k[1] <= '3') {
			if (!fu64(a, &f, 16, &v)) {
				e->a[f.k[1] - '0'] = v;
				e->has_a |= 1u << (f.k[1] - '0');
			}
		} else if (key_is(&f, "pid")) {
			if (!fu64(a, &f, 10, &v) && v <= UINT32_MAX)
				e->pid = (uint32_t)v;
		} else if (key_is(&f, "ppid")) {
			if (!fu64(a, &f, 10, &v) && v <= UINT32_MAX)
				e->ppid = (uint32_t)v;
		} else if (key_is(&f, "uid")) {
			e->uid = fid(a, &f);
		} else if (key_is(&f, "euid")) {
			e->euid = fid(a, &f);
		} else if (key_is(&f, "suid")) {
			e->suid = fid(a, &f);
		} else if (key_is(&f, "fsuid")) {
			e->fsuid = fid(a, &f);
		} else if (key_is(&f, "gid")) {
			e->gid = fid(a, &f);
		} else if (key_is(&f, "egid")) {
			e->egid = fid(a, &f);
		} else if (key_is(&f, "sgid")) {
			e->sgid = fid(a, &f);
		} else if (key_is(&f, "fsgid")) {
			e->fsgid = fid(a, &f);
		} else if (key_is(&f, "auid")) {
			e->auid = fid(a, &f);
		} else if (key_is(&f, "ses")) {
			e->ses = fid(a, &f);
		} else if (key_is(&f, "comm")) {
			e->comm = put_str(a, e, &f);
		} else if (key_is(&f, "exe")) {
			e->exe = put_str(a, e, &f);
		} else if (key_is(&f, "key")) {
			e->key = put_str(a, e, &f);
		} else if (key_is(&f, "uring_op")) {
			if (!fu64(a, &f, 10, &v) && v < INT32_MAX)
				e->uring_op = (int)v;
		}
	}
	if (!e->pid)
		e->has_syscall = 0;
	return 0;
}

/*
 * What the whole event says about its syscall, once all records are in:
 * the canonical syscall of (arch, number or name), i386's socketcall
 * resolved to its sub-call with the SOCKETCALL record's arguments.
 */
static void resolve_syscall(struct bt_arec *a, struct aev *e)
{
	if (!e->has_syscall)
		return;
	if (e->arch == BT_ARCH_OTHER) {
		e->sysno = SYS_UNKNOWN;
		if (!a->st->arch_other++)
			a->st->arch_other_first = e->arch_raw;
		return;
	}
	e->sysno = named_syscall(e, e->sysno);
	if (e->sysno == SYS_socketcall) {
		e->sysno = bt_asys_socketcall(e->a[0]);
		if (e->has_socketcall) {
			memcpy(e->a, e->sc_a, sizeof(e->a));
		} else {
			/* The arguments are in user memory: unknown. */
			memset(e->a, 0xff, sizeof(e->a));
			e->args_unknown = 1;
		}
	}
}

static int parse_argidx(const struct field *f, unsigned *idx, int *chunk,
			unsigned *cidx, int *is_len)
{
	size_t i = 1;
	unsigned n = 0;

	if (f->kn < 2 || f->k[0] != 'a' || !isdigit((unsigned char)f->k[1]))
		return -1;
	while (i < f->kn && isdigit((unsigned char)f->k[i])) {
		if (n > 100000)
			return -1;
		n = n * 10 + (unsigned)(f->k[i++] - '0');
	}
	*idx = n;
	*chunk = 0;
	*is_len = 0;
	if (i == f->kn)
		return 0;
	if (f->kn - i == 4 && !memcmp(f->k + i, "_len", 4)) {
		*is_len = 1;
		return 0;
	}
	if (f->k[i] == '[' && f->k[f->kn - 1] == ']') {
		unsigned c = 0;

		for (i++; i < f->kn - 1; i++) {
			if (!isdigit((unsigned char)f->k[i]) || c > 100000)
				return -1;
			c = c * 10 + (unsigned)(f->k[i] - '0');
		}
		*chunk = 1;
		*cidx = c;
		return 0;
	}
	return -1;
}

static void rec_execve(struct bt_arec *a, struct aev *e, const char *p,
		       const char *end)
{
	struct field f;
	uint64_t v;

	while (next_field(&p, end, &f)) {
		unsigned idx, cidx;
		int chunk, is_len;
		long n;
		struct aud_arg *g;

		if (key_is(&f, "argc")) {
			if (!fu64(a, &f, 10, &v) && v < 1000000)
				e->argc = (int)v;
			continue;
		}
		if (parse_argidx(&f, &idx, &chunk, &cidx, &is_len))
			continue;
		if (idx >= AUD_MAX_ARGS) {
			a->st->truncated++;
			continue;
		}
		while (e->nargs <= (int)idx)
			e->args[e->nargs++] = (struct aud_arg){ 0, 0, 0 };
		g = &e->args[idx];
		if (is_len) {
			/* Reserve the whole argument; chunks fill it. */
			if (fu64(a, &f, 10, &v) || v > AUD_ARENA ||
			    v + 1 > AUD_ARENA - e->alen) {
				a->st->truncated++;
				continue;
			}
			g->off = e->alen + 1;
			g->cap = (uint32_t)v;
			g->len = 0;
			e->arena[e->alen] = '\0';
			e->alen += (uint32_t)v + 1;
			continue;
		}
		n = fstr(a, &f);
		if (n < 0)
			continue;
		if (chunk) {
			size_t m = (size_t)n;

			if (!g->off || g->cap < g->len ||
			    m > g->cap - g->len) {
				a->st->truncated++;
				m = g->off && g->cap > g->len ?
				    g->cap - g->len : 0;
			}
			if (m) {
				memcpy(e->arena + g->off - 1 + g->len, a->line,
				       m);
				g->len += (uint32_t)m;
				e->arena[g->off - 1 + g->len] = '\0';
			}
		} else {
			g->off = arena_put(a, e, a->line, (size_t)n);
			g->len = g->cap = (uint32_t)n;
		}
	}
}

static void rec_path(struct bt_arec *a, struct aev *e, const char *p,
		     const char *end)
{
	struct field f;
	struct aud_item it = { .nt = NT_UNKNOWN, .ouid = UINT32_MAX,
			       .ogid = UINT32_MAX };
	int have_ino = 0, have_dev = 0, idx = -1;
	uint64_t v;

	while (next_field(&p, end, &f)) {
		if (key_is(&f, "item")) {
			if (!fu64(a, &f, 10, &v) && v < 1000)
				idx = (int)v;
		} else if (key_is(&f, "name")) {
			/* A file's name is its identity: one decoded only in
			 * part would name another file ("/etc/passw"), so a
			 * malformed name is no name (the file is still known
			 * by its inode), counted and reported. */
			int bad = 0;
			long n = fstr_bad(a, &f, &bad);

			it.name = 0;
			it.bad_name = 0;
			if (bad) {
				it.bad_name = 1;
				a->st->bad_names++;
			} else if (n >= 0) {
				it.name = arena_put(a, e, a->line, (size_t)n);
			}
		} else if (key_is(&f, "inode")) {
			if (!fu64(a, &f, 10, &v)) {
				it.ino = v;
				have_ino = 1;
			}
		} else if (key_is(&f, "dev")) {
			const char *c = memchr(f.u, ':', f.un);
			uint64_t ma, mi;

			if (c && !parse_u64(f.u, (size_t)(c - f.u), 16, &ma) &&
			    !parse_u64(c + 1, f.un - (size_t)(c - f.u) - 1, 16,
				       &mi) && ma < 4096 && mi < (1u << 20)) {
				it.dev = makedev((unsigned)ma, (unsigned)mi);
				have_dev = 1;
			} else {
				a->st->bad_fields++;
			}
		} else if (key_is(&f, "mode")) {
			if (!fu64(a, &f, 8, &v) && v <= UINT32_MAX) {
				it.mode = (uint32_t)v;
				it.has_mode = 1;
			}
		} else if (key_is(&f, "ouid")) {
			it.ouid = fid(a, &f);
		} else if (key_is(&f, "ogid")) {
			it.ogid = fid(a, &f);
		} else if (key_is(&f, "nametype")) {
			if (val_is(&f, "NORMAL"))
				it.nt = NT_NORMAL;
			else if (val_is(&f, "PARENT"))
				it.nt = NT_PARENT;
			else if (val_is(&f, "CREATE"))
				it.nt = NT_CREATE;
			else if (val_is(&f, "DELETE"))
				it.nt = NT_DELETE;
		}
	}
	it.has_ino = have_ino && have_dev;
	/* PATH records may come in any order (laurel's test data has them
	 * reversed): item=N goes to slot N, the gaps stay NT_NONE. */
	if (idx < 0)
		idx = e->nitems;
	if (idx >= AUD_MAX_ITEMS) {
		a->st->truncated++;
		return;
	}
	while (e->nitems <= idx)
		e->items[e->nitems++] = (struct aud_item){ .nt = NT_NONE };
	e->items[idx] = it;
}

static void rec_simple(struct bt_arec *a, struct aev *e, enum rtype t,
		       const char *p, const char *end)
{
	struct field f;
	int64_t s;
	uint64_t v;

	while (next_field(&p, end, &f)) {
		switch (t) {
		case R_CWD:
			if (key_is(&f, "cwd"))
				e->cwd = put_str(a, e, &f);
			break;
		case R_SOCKADDR:
			if (key_is(&f, "saddr") && f.un < 512)
				e->sockaddr = arena_put(a, e, f.u, f.un);
			break;
		case R_MMAP:
			if (key_is(&f, "fd") && !fi64(a, &f, &s)) {
				e->mmap_fd = s;
				e->has_mmap = 1;
			} else if (key_is(&f, "flags") &&
				   !fu64(a, &f, 16, &v)) {
				e->mmap_flags = v;
			}
			break;
		case R_FD_PAIR:
			if (key_is(&f, "fd0") && !fi64(a, &f, &s))
				e->fd0 = s, e->has_fdpair = 1;
			else if (key_is(&f, "fd1") && !fi64(a, &f, &s))
				e->fd1 = s;
			break;
		case R_SOCKETCALL:
			/* i386 socketcall's arguments: a0..a3 kept. */
			if (f.kn == 2 && f.k[0] == 'a' && f.k[1] >= '0' &&
			    f.k[1] <= '3' && !fu64(a, &f, 16, &v)) {
				e->sc_a[f.k[1] - '0'] = v;
				e->has_socketcall = 1;
			}
			break;
		case R_OPENAT2:
			if (key_is(&f, "oflag") && !fu64(a, &f, 8, &v)) {
				e->oflag = v;
				e->has_oflag = 1;
			}
			break;
		default:
			break;
		}
	}
}

static int bad_line(struct bt_arec *a, const char *name, uint64_t lineno,
		    const char *why)
{
	return bt_error_set(BT_ECORRUPT, "%s:%" PRIu64 ": %s", name, lineno,
			    why);
}

/*
 * Where the record starts: at the line's start ("type=" or "node="), or,
 * after a syslog or journal prefix ("Nov 30 10:00:00 host audispd: ",
 * "... kernel: audit: "), at the first " type=" or " node=".  NULL if
 * neither.
 */
static const char *record_start(const char *p, const char *end)
{
	const char *q;

	if ((size_t)(end - p) >= 5 &&
	    (!memcmp(p, "type=", 5) || !memcmp(p, "node=", 5)))
		return p;
	for (q = p; (q = memchr(q, ' ', (size_t)(end - q))); q++) {
		if ((size_t)(end - q) > 6 &&
		    (!memcmp(q + 1, "type=", 5) || !memcmp(q + 1, "node=", 5)))
			return q + 1;
	}
	return NULL;
}

/* A 32-bit hash of a node= name, never 0 (0 is "no node"). */
static uint32_t node_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h ? h : 1;
}

int bt_arec_line(struct bt_arec *a, const char *line, size_t len,
		 const char *name, uint64_t lineno)
{
	const char *p = line, *end = line + len, *t, *q;
	uint64_t sec, ms, serial, time, num, floor;
	enum rtype rt = R_OTHER;
	uint32_t node = 0;
	struct aev *e;
	size_t i, tn;
	int r = 0;

	while (end > p && (end[-1] == '\r' || end[-1] == ' ' ||
			   end[-1] == '\n'))
		end--;
	if (p == end || *p == '#')
		return 0;  /* blank, or a comment (laurel's test data) */
	if (memchr(p, '\0', len))
		return bad_line(a, name, lineno, "NUL byte in line");
	q = p;
	p = record_start(p, end);
	if (!p && memmem(q, (size_t)(end - q), " audit[", 7))
		/* journalctl's "host audit[PID]: SYSCALL arch=..." */
		return bad_line(a, name, lineno, "a journal line without its "
				"audit(TIME:SERIAL) stamp: import "
				"/var/log/audit/audit.log or ausearch --raw "
				"output");
	if (!p)
		return bad_line(a, name, lineno, "not an audit record (no type=)");
	if (!memcmp(p, "node=", 5)) {
		q = memchr(p, ' ', (size_t)(end - p));
		if (!q)
			return bad_line(a, name, lineno, "no record after node=");
		node = node_hash(p + 5, (size_t)(q - p - 5));
		p = q + 1;
	}
	if ((size_t)(end - p) < 5 || memcmp(p, "type=", 5))
		return bad_line(a, name, lineno, "not an audit record (no type=)");
	t = p + 5;
	q = memchr(t, ' ', (size_t)(end - t));
	if (!q)
		return bad_line(a, name, lineno, "no msg= after the type");
	tn = (size_t)(q - t);
	p = q + 1;
	/* auditd writes msg=audit(...), the kernel's own log audit(...). */
	if ((size_t)(end - p) >= 10 && !memcmp(p, "msg=audit(", 10))
		p += 10;
	else if ((size_t)(end - p) >= 6 && !memcmp(p, "audit(", 6))
		p += 6;
	else
		return bad_line(a, name, lineno, "no msg=audit(...)");
	q = memchr(p, ')', (size_t)(end - p));
	if (q && memchr(p, '/', (size_t)(q - p)))
		return bad_line(a, name, lineno, "a local-time stamp "
				"(ausearch -i): import the raw log, or "
				"ausearch --raw output");
	q = memchr(p, '.', (size_t)(end - p));
	if (!q || parse_u64(p, (size_t)(q - p), 10, &sec) ||
	    sec > 9000000000ULL)
		return bad_line(a, name, lineno, "bad seconds in msg=audit()");
	p = q + 1;
	q = memchr(p, ':', (size_t)(end - p));
	if (!q || q - p != 3 || parse_u64(p, 3, 10, &ms))
		return bad_line(a, name, lineno,
				"bad milliseconds in msg=audit()");
	p = q + 1;
	q = memchr(p, ')', (size_t)(end - p));
	if (!q || parse_u64(p, (size_t)(q - p), 10, &serial))
		return bad_line(a, name, lineno, "bad serial in msg=audit()");
	p = q + 1;
	if (p < end && *p == ':')
		p++;
	a->st->records++;

	if (parse_u64(t, tn, 10, &num))
		num = 0;
	for (i = 0; i < BT_ARRAY_SIZE(rtypes); i++)
		if ((strlen(rtypes[i].name) == tn &&
		     !memcmp(rtypes[i].name, t, tn)) || num == rtypes[i].num)
			rt = rtypes[i].t;
	/* Events in one millisecond keep their serial order. */
	time = sec * 1000000000ULL + ms * 1000000ULL + serial % 1000000ULL;
	if (rt == R_OTHER || rt == R_PROCTITLE) {
		/* PROCTITLE repeats EXECVE's argv; other types carry no
		 * dependency btrack records.  But PROCTITLE is the last
		 * record the kernel writes for a syscall event but EOE, and
		 * auditd does not write EOE to its log: without it an event
		 * would stay open until the slots run out, and the events
		 * be handed over in the order they were written rather than
		 * in time order through the window. */
		a->st->unused++;
		if (rt == R_PROCTITLE &&
		    (e = event_find(a, time, serial, node, 0, &r)) &&
		    a->sl[e->slot].state == SLOT_OPEN && e->has_syscall)
			return close_event(a, e);
		return r;
	}
	if (time > a->max_time)
		a->max_time = time;
	e = event_find(a, time, serial, node, rt != R_EOE, &r);
	if (r)
		return r;
	if (!e)
		return 0;  /* EOE of an event already completed */
	if (a->sl[e->slot].state == SLOT_FREE) {
		event_init(a, e, time, serial, node);
		/* Written before this one and numbered before it (audit
		 * numbers an event when it writes its first record, at
		 * exit): those calls had begun (their stamp) before this one
		 * returned. */
		floor = time;
		for (i = 0; i < a->nrecent && i < BT_ARRAY_SIZE(a->recent);
		     i++)
			if (a->recent[i].node == node &&
			    a->recent[i].serial < serial &&
			    a->recent[i].time > floor)
				floor = a->recent[i].time;
		e->exit_floor = floor;
		i = a->nrecent++ % BT_ARRAY_SIZE(a->recent);
		a->recent[i].node = node;
		a->recent[i].serial = serial;
		a->recent[i].time = time;
	}
	switch (rt) {
	case R_SYSCALL:
		rec_syscall(a, e, p, end);
		break;
	case R_URINGOP:
		rec_syscall(a, e, p, end);
		e->has_syscall = 0;
		e->has_uring = 1;
		a->st->uring++;
		break;
	case R_EXECVE:
		rec_execve(a, e, p, end);
		break;
	case R_PATH:
		rec_path(a, e, p, end);
		break;
	case R_EOE:
		return close_event(a, e);
	case R_LOGIN:
		e->login = 1;  /* the write of /proc/self/loginuid */
		break;
	default:
		rec_simple(a, e, rt, p, end);
		break;
	}
	return 0;
}

/*
 * Read one line into *buf (grown as needed, never past MAX_LINE + 1
 * bytes), without its newline.  A longer line is never held whole: its
 * first MAX_LINE + 1 bytes are kept and the rest is read and thrown away.
 * Returns the length kept (MAX_LINE + 1 means "too long"), -1 at the end
 * of the input, -2 out of memory; *nl says whether the line ended with a
 * newline.
 */
static ssize_t read_line(FILE *in, char **buf, size_t *cap, bool *nl)
{
	size_t n = 0;
	int c;

	*nl = false;
	while ((c = getc_unlocked(in)) != EOF) {
		if (c == '\n') {
			*nl = true;
			return (ssize_t)n;
		}
		if (n > MAX_LINE)
			continue;
		if (n == *cap) {
			size_t nc = *cap ? *cap * 2 : 4096;
			char *b;

			if (nc > MAX_LINE + 1)
				nc = MAX_LINE + 1;
			if (!(b = realloc(*buf, nc)))
				return -2;
			*buf = b;
			*cap = nc;
		}
		(*buf)[n++] = (char)c;
	}
	return n ? (ssize_t)n : -1;
}

int bt_arec_feed(struct bt_arec *a, FILE *in, const char *name,
		   bool keep_going)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t lineno = 0;
	bool nl;
	int r = 0;

	while ((n = read_line(in, &buf, &cap, &nl)) >= 0) {
		lineno++;
		a->st->lines++;
		if (!nl)
			a->st->no_newline++;  /* the last line: cut? */
		if (n > MAX_LINE) {
			r = bad_line(a, name, lineno,
				     "line longer than 1 MiB");
			if (r == BT_ECORRUPT && keep_going)
				a->st->long_lines++;
		} else {
			r = bt_arec_line(a, n ? buf : "", (size_t)n, name,
					 lineno);
		}
		if (r == BT_ECORRUPT && keep_going) {
			a->st->bad++;
			if (!a->st->first_bad)
				a->st->first_bad = lineno;
			r = 0;
		}
		if (r)
			break;
	}
	if (n == -2)
		r = bt_error_set(BT_ENOMEM, "out of memory");
	else if (!r && ferror(in))
		r = bt_error_set_os(BT_EIO, "cannot read '%s'", name);
	free(buf);
	return r;
}

int bt_arec_finish(struct bt_arec *a)
{
	int i;

	for (i = 0; i < MAX_SLOTS; i++) {
		if (a->sl[i].state == SLOT_OPEN)
			mark_done(a, i);
	}
	return drain(a, 1);
}

int bt_arec_new(struct bt_arec **out, struct bt_auditd_stats *st,
		bt_arec_complete_fn fn, void *ctx)
{
	struct bt_arec *a = calloc(1, sizeof(*a));

	*out = NULL;
	if (!a)
		return bt_error_set(BT_ENOMEM, "out of memory");
	/* Bodies are made in event_find() and initialised by event_init()
	 * (not zeroed: read only up to their counts). */
	a->sl = calloc(MAX_SLOTS, sizeof(*a->sl));
	if (!a->sl) {
		free(a);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	a->st = st;
	a->complete = fn;
	a->ctx = ctx;
	*out = a;
	return 0;
}

void bt_arec_free(struct bt_arec *a)
{
	int i;

	if (!a)
		return;
	for (i = 0; i < MAX_SLOTS; i++)
		free(a->ev[i]);
	free(a->sl);
	free(a);
}
