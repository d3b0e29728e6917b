/*
 * check_drain.c - the drainer of the kernel rings (capture/drain.h) against
 * fake rings in memory.
 *
 * The test has its own producer, written from the ring format in
 * kmod/btrack_ioctl.h (records never wrap: a pad record fills the end), so
 * a drainer that disagrees with the format fails here.  Cases: decoding of
 * each kind of record, the time merge across rings and its lookahead
 * window, wrapping many times around a small ring, hostile framing and
 * hostile records (counted, never trusted, never a crash), drop counters
 * summed across rings and written as the note text, path normalisation,
 * the device errors.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include "../capture/cgroup.h"
#include "../capture/drain.h"
#include "../core/cgroup.h"
#include "../core/drops.h"
#include "../core/error.h"
#include "testutil.h"

#define NR 3
#define RSIZE 4096
#define MAXOUT 4096

static struct bt_ring_ctl ctls[NR];
static uint8_t datas[NR][RSIZE] __attribute__((aligned(8)));
static uint64_t heads[NR];

/* What emit saw, with the strings copied. */
struct got {
	struct bt_obs o;
	char path[256], new_path[256], remote[64], argv0[64], argvl[64];
	size_t argc;
};
static struct got out[MAXOUT];
static size_t nout;
static int fail_emit;   /* emit returns BT_EIO once when set */

static void cpy(char *dst, const char *s)
{
	snprintf(dst, 256, "%s", s ? s : "(null)");
}

static int emit(void *ctx, const struct bt_obs *o)
{
	struct got *g;

	if (fail_emit) {
		fail_emit = 0;
		return BT_EIO;
	}
	ck_assert_uint_lt(nout, MAXOUT);
	g = &out[nout++];
	g->o = *o;
	cpy(g->path, o->path);
	cpy(g->new_path, o->new_path);
	snprintf(g->remote, sizeof(g->remote), "%s",
		 o->remote ? o->remote : "(null)");
	g->argc = o->argc;
	if (o->argc) {
		snprintf(g->argv0, sizeof(g->argv0), "%s", o->argv[0]);
		snprintf(g->argvl, sizeof(g->argvl), "%s",
			 o->argv[o->argc - 1]);
	}
	return 0;
}

static struct bt_drain *fresh(void)
{
	struct bt_ring_ctl *c[NR];
	const uint8_t *d[NR];
	struct bt_drain *dr;
	int i;

	memset(ctls, 0, sizeof(ctls));
	memset(datas, 0xa5, sizeof(datas));
	memset(heads, 0, sizeof(heads));
	nout = 0;
	fail_emit = 0;
	for (i = 0; i < NR; i++) {
		ctls[i].ring_size = RSIZE;
		ctls[i].abi = BT_KMOD_ABI;
		c[i] = &ctls[i];
		d[i] = datas[i];
	}
	ck_assert_int_eq(bt_drain_new_mem(&dr, NR, c, d, RSIZE), 0);
	return dr;
}

/* A record under construction, as the module builds it. */
struct rec {
	uint8_t b[BT_RAW_MAX];
	size_t len;
};

static struct bt_raw *rec_new(struct rec *r, unsigned op, uint32_t pid,
			      uint64_t time)
{
	struct bt_raw *h = (struct bt_raw *)r->b;

	memset(r->b, 0, sizeof(r->b));
	h->op = op;
	h->pid = pid;
	h->tid = pid;
	h->time = time;
	h->start = 1000;
	r->len = BT_RAW_HEAD;
	return h;
}

static void rec_str(struct rec *r, const char *s, size_t n)
{
	uint16_t n16 = n;

	memcpy(r->b + r->len, &n16, 2);
	memcpy(r->b + r->len + 2, s, n);
	r->len += 2 + n;
	((struct bt_raw *)r->b)->nstr++;
}

/* Publish r in ring i like the module: pad to the end when it does not
 * fit, then store-release head.  Returns 0, or -1 if the ring is full. */
static int put(int i, struct rec *r)
{
	struct bt_raw *h = (struct bt_raw *)r->b;
	uint64_t len = (r->len + 7) & ~7ull, head = heads[i];
	uint64_t tail = __atomic_load_n(&ctls[i].tail, __ATOMIC_ACQUIRE);
	uint64_t pos = head % RSIZE, pad = RSIZE - pos < len ? RSIZE - pos : 0;

	h->len = len;
	if (head + pad + len - tail > RSIZE)
		return -1;
	if (pad) {
		struct bt_raw *p = (struct bt_raw *)(datas[i] + pos);

		p->len = pad;
		p->op = BT_RAW_PAD;
		head += pad;
		pos = 0;
	}
	memcpy(datas[i] + pos, r->b, len);
	heads[i] = head + len;
	__atomic_store_n(&ctls[i].head, heads[i], __ATOMIC_RELEASE);
	return 0;
}

static void put_write(int i, uint32_t pid, uint64_t time, const char *path)
{
	struct rec r;
	struct bt_raw *h = rec_new(&r, BT_RAW_WRITE, pid, time);

	h->arg32 = BT_RAWF_INO;
	h->dev = 8;
	h->ino = 77;
	h->arg = 5;
	rec_str(&r, path, strlen(path));
	ck_assert_int_eq(put(i, &r), 0);
}

static size_t drain_all(struct bt_drain *d)
{
	struct bt_obs_sink sink = { emit, NULL };
	size_t n;

	ck_assert_int_eq(bt_drain_poll_sink(d, 0, true, 0, &sink, &n), 0);
	return n;
}

/* ---- decoding --------------------------------------------------------- */

START_TEST(decode_ops)
{
	struct bt_drain *d = fresh();
	static const char argv[] = "sh\0-c\0echo hi";
	struct rec r;
	struct bt_raw *h;

	h = rec_new(&r, BT_RAW_FORK, 10, 100);
	h->arg32 = 11;
	h->arg = 99;
	ck_assert_int_eq(put(0, &r), 0);
	h = rec_new(&r, BT_RAW_EXEC, 11, 101);
	h->arg32 = BT_RAWF_INO;
	h->dev = 3;
	h->ino = 4;
	rec_str(&r, "/bin/./busybox", 14);
	rec_str(&r, argv, sizeof(argv) - 1);
	ck_assert_int_eq(put(0, &r), 0);
	h = rec_new(&r, BT_RAW_RENAME, 11, 102);
	rec_str(&r, "/tmp/w/../a", 11);
	rec_str(&r, "/tmp//b", 7);
	ck_assert_int_eq(put(0, &r), 0);
	h = rec_new(&r, BT_RAW_PAGE_WRITE, 11, 103);
	h->arg32 = BT_RAWF_INO | 2;
	h->dev = 5;
	h->ino = 6;
	h->arg = 1;
	rec_str(&r, "/dev/shm/s", 10);
	ck_assert_int_eq(put(0, &r), 0);
	h = rec_new(&r, BT_RAW_CONNECT, 11, 104);
	rec_str(&r, "203.0.113.9:4444", 16);
	ck_assert_int_eq(put(0, &r), 0);
	h = rec_new(&r, BT_RAW_MMAP, 11, 105);
	h->arg32 = BT_RAWF_INO | BT_PROT_READ | BT_PROT_WRITE | BT_PROT_SHARED;
	h->ino = 6;
	h->arg = 2;
	h->arg2 = 3;
	rec_str(&r, "/dev/shm/s", 10);
	ck_assert_int_eq(put(0, &r), 0);
	h = rec_new(&r, BT_RAW_WRITE, 11, 106);
	h->arg32 = BT_RAWF_INO;
	h->dev = 12;
	h->ino = 900;
	rec_str(&r, "pipe:[900]", 10);
	ck_assert_int_eq(put(0, &r), 0);
	h = rec_new(&r, BT_RAW_EXEC, 11, 107);
	h->arg32 = BT_RAWF_INO;
	h->dev = 1;
	h->ino = 9;
	rec_str(&r, "/memfd:x (deleted)", 18);
	ck_assert_int_eq(put(0, &r), 0);
	h = rec_new(&r, BT_RAW_READ, 11, 108);
	h->arg32 = BT_RAWF_INO;
	h->ino = BT_SYSV_MSG_INO(5);
	rec_str(&r, "sysv-msg:[5]", 12);
	ck_assert_int_eq(put(0, &r), 0);
	h = rec_new(&r, BT_RAW_PAGE_READ, 11, 109);
	h->arg32 = BT_RAWF_INO;
	h->dev = 1;
	h->ino = 1234;
	rec_str(&r, "/dev/zero", 9);
	ck_assert_int_eq(put(0, &r), 0);

	ck_assert_uint_eq(drain_all(d), 10);
	ck_assert_uint_eq(out[0].o.op, BT_RAW_FORK);
	ck_assert_uint_eq(out[0].o.pid, 10);
	ck_assert_uint_eq(out[0].o.child, 11);
	ck_assert_uint_eq(out[0].o.child_start, 99);
	ck_assert_uint_eq(out[0].o.start, 1000);
	ck_assert_str_eq(out[1].path, "/bin/busybox");
	ck_assert(out[1].o.has_ino);
	ck_assert_uint_eq(out[1].o.ino, 4);
	ck_assert_uint_eq(out[1].argc, 3);
	ck_assert_str_eq(out[1].argv0, "sh");
	ck_assert_str_eq(out[1].argvl, "echo hi");
	ck_assert_str_eq(out[2].path, "/tmp/a");
	ck_assert_str_eq(out[2].new_path, "/tmp/b");
	ck_assert(!out[2].o.has_ino);
	ck_assert_uint_eq(out[3].o.op, BT_RAW_PAGE_WRITE);
	ck_assert_uint_eq(out[3].o.page, 1);
	ck_assert_uint_eq(out[3].o.dev, 5);
	ck_assert_str_eq(out[4].remote, "203.0.113.9:4444");
	ck_assert(out[5].o.shared);
	ck_assert_uint_eq(out[5].o.prot, BT_PROT_READ | BT_PROT_WRITE);
	ck_assert_uint_eq(out[5].o.map_first, 2);
	ck_assert_uint_eq(out[5].o.map_count, 3);
	ck_assert_uint_eq(out[5].o.file_flags, 0);
	/* a pipe and a memfd, as d_path names them */
	ck_assert_str_eq(out[6].path, "pipe:[900]");
	ck_assert_uint_eq(out[6].o.file_flags, BT_FILEF_PIPE);
	ck_assert_str_eq(out[7].path, "/memfd:x");
	ck_assert_uint_eq(out[7].o.file_flags, BT_FILEF_ANON);
	/* a System V message queue: a channel too */
	ck_assert_str_eq(out[8].path, "sysv-msg:[5]");
	ck_assert_uint_eq(out[8].o.file_flags, BT_FILEF_PIPE);
	/* through a descriptor or a mapping (the file it was opened on,
	 * named or not any more), or by a name */
	ck_assert(out[3].o.via_fd && out[5].o.via_fd && out[6].o.via_fd &&
		  out[8].o.via_fd);
	ck_assert(!out[1].o.via_fd && !out[2].o.via_fd);
	/* anonymous shared memory, which d_path calls /dev/zero */
	ck_assert_ptr_null(out[9].o.path);
	ck_assert_uint_eq(out[9].o.file_flags, BT_FILEF_ANON);
	ck_assert(out[9].o.has_ino && out[9].o.via_fd);
	/* every byte consumed and the tail published */
	ck_assert_uint_eq(ctls[0].tail, heads[0]);
	bt_drain_close(d);
}
END_TEST

/* ---- merging ---------------------------------------------------------- */

START_TEST(merge_by_time)
{
	struct bt_drain *d = fresh();
	static const uint64_t t0[] = { 10, 40, 70 }, t1[] = { 20, 50 },
			      t2[] = { 30, 60, 80, 90 };
	size_t i;

	for (i = 0; i < 3; i++)
		put_write(0, 1, t0[i], "/a");
	for (i = 0; i < 2; i++)
		put_write(1, 2, t1[i], "/b");
	for (i = 0; i < 4; i++)
		put_write(2, 3, t2[i], "/c");
	ck_assert_uint_eq(drain_all(d), 9);
	for (i = 0; i < 9; i++)
		ck_assert_uint_eq(out[i].o.time, (i + 1) * 10);
	bt_drain_close(d);
}
END_TEST

START_TEST(merge_window)
{
	struct bt_drain *d = fresh();
	struct bt_obs_sink sink = { emit, NULL };
	size_t n;

	bt_drain_set_window(d, 100);
	put_write(0, 1, 1000, "/a");
	put_write(1, 2, 1050, "/b");
	/* Ring 2 is empty: a record is emitted only once it is older than
	 * the window. */
	ck_assert_int_eq(bt_drain_poll_sink(d, 1080, false, 0, &sink, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(bt_drain_poll_sink(d, 1120, false, 0, &sink, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(out[0].o.time, 1000);
	/* A late record with an earlier time on ring 2 still comes first. */
	put_write(2, 3, 1040, "/c");
	put_write(0, 1, 2000, "/a");
	/* every ring has a record: the earliest is safe to emit at once */
	ck_assert_int_eq(bt_drain_poll_sink(d, 1121, false, 1, &sink, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(out[1].o.time, 1040);
	ck_assert_uint_eq(drain_all(d), 2);
	ck_assert_uint_eq(out[2].o.time, 1050);
	ck_assert_uint_eq(out[3].o.time, 2000);
	bt_drain_close(d);
}
END_TEST

START_TEST(wrap_many_times)
{
	struct bt_drain *d = fresh();
	char path[200];
	size_t total = 0, i;

	/* Records of varying length through a 4 KiB ring, 50 times its
	 * size: pads at the end, never a torn record. */
	for (i = 0; i < 2000; i++) {
		snprintf(path, sizeof(path), "/f/%0*zu", (int)(i % 97) + 1, i);
		put_write(i % 2, 1, i + 1, path);
		if (i % 7 == 6)
			total += drain_all(d);
	}
	total += drain_all(d);
	ck_assert_uint_eq(total, 2000);
	for (i = 0; i < 2000; i++) {
		snprintf(path, sizeof(path), "/f/%0*zu", (int)(i % 97) + 1, i);
		ck_assert_uint_eq(out[i].o.time, i + 1);
		ck_assert_str_eq(out[i].path, path);
	}
	ck_assert_uint_gt(heads[0], 20 * RSIZE);
	bt_drain_close(d);
}
END_TEST

START_TEST(ring_full_is_refused)
{
	struct bt_drain *d = fresh();
	struct rec r;
	size_t n = 0;

	/* The producer never writes over unread bytes. */
	rec_new(&r, BT_RAW_EXIT, 1, 1);
	while (put(0, &r) == 0)
		n++;
	ck_assert_uint_eq(n, RSIZE / BT_RAW_HEAD);
	ck_assert_uint_eq(drain_all(d), n);
	ck_assert_int_eq(put(0, &r), 0);
	bt_drain_close(d);
}
END_TEST

START_TEST(emit_error_keeps_record)
{
	struct bt_drain *d = fresh();
	struct bt_obs_sink sink = { emit, NULL };
	size_t n;

	put_write(0, 1, 5, "/a");
	fail_emit = 1;
	ck_assert_int_eq(bt_drain_poll_sink(d, 0, true, 0, &sink, &n),
			 BT_EIO);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(drain_all(d), 1);
	ck_assert_uint_eq(out[0].o.time, 5);
	bt_drain_close(d);
}
END_TEST

/* ---- hostile rings ---------------------------------------------------- */

/* Overwrite ring 0's first record's bytes at off with v (size n). */
static void poke(size_t off, const void *v, size_t n)
{
	memcpy(datas[0] + off, v, n);
}

/* Each hostile framing makes the drainer skip the ring to head (a
 * resync), emit nothing from it, and carry on with the others. */
static const struct {
	const char *name;
	int kind;
} framing[] = {
	{ "len 0", 0 }, { "len 12", 1 }, { "len past head", 2 },
	{ "len past the end", 3 }, { "head beyond size", 4 },
	{ "head behind tail", 5 }, { "pad short of the end", 6 },
	{ "len 16 record", 7 }, { "len above max", 8 },
};

START_TEST(hostile_framing)
{
	struct bt_drain *d = fresh();
	struct bt_drain_stats st;
	uint16_t v;
	uint8_t op;

	put_write(0, 1, 10, "/a");
	put_write(1, 2, 20, "/b");
	switch (framing[_i].kind) {
	case 0: v = 0; poke(0, &v, 2); break;
	case 1: v = 12; poke(0, &v, 2); break;
	case 2: v = 4000; poke(0, &v, 2); break;
	case 3:
		/* a record claiming to run past the end of the data */
		ctls[0].tail = heads[0] = RSIZE - 64;
		d = (bt_drain_close(d), d);
		{
			struct bt_ring_ctl *c[NR] = { &ctls[0], &ctls[1],
						      &ctls[2] };
			const uint8_t *dd[NR] = { datas[0], datas[1],
						  datas[2] };

			ck_assert_int_eq(bt_drain_new_mem(&d, NR, c, dd,
							  RSIZE), 0);
		}
		put_write(0, 1, 10, "/a");      /* pads, lands at 0 */
		v = 128;
		poke(RSIZE - 64, &v, 2);        /* the pad now claims 128 */
		break;
	case 4: ctls[0].head = RSIZE * 3; break;
	case 5: ctls[0].tail = 64; ctls[0].head = 8; d = (bt_drain_close(d),
		d); {
			struct bt_ring_ctl *c[NR] = { &ctls[0], &ctls[1],
						      &ctls[2] };
			const uint8_t *dd[NR] = { datas[0], datas[1],
						  datas[2] };

			ck_assert_int_eq(bt_drain_new_mem(&d, NR, c, dd,
							  RSIZE), 0);
		}
		break;
	case 6: op = BT_RAW_PAD; poke(2, &op, 1); break;
	case 7: v = 16; poke(0, &v, 2); break;
	case 8: v = 40000; poke(0, &v, 2); break;
	}
	drain_all(d);
	bt_drain_stats(d, &st);
	ck_assert_msg(st.resyncs == 1, "%s: resyncs %llu", framing[_i].name,
		      (unsigned long long)st.resyncs);
	ck_assert_uint_eq(nout, 1);
	ck_assert_uint_eq(out[0].o.pid, 2);
	/* after the resync the ring works again */
	ctls[0].head = heads[0] = ctls[0].tail;
	put_write(0, 1, 30, "/a2");
	ck_assert_uint_eq(drain_all(d), 1);
	ck_assert_str_eq(out[1].path, "/a2");
	bt_drain_close(d);
}
END_TEST

/* Each hostile record (sound framing) is skipped and counted as bad; the
 * good records around it still come out. */
static const struct {
	const char *name;
	int kind;
} records[] = {
	{ "op 0x63", 0 }, { "pid 0", 1 }, { "time 0", 2 }, { "nstr 3", 3 },
	{ "string past the record", 4 }, { "rename with one name", 5 },
	{ "NUL inside the path", 6 }, { "junk after the strings", 7 },
	{ "file op without path or inode", 8 }, { "fork of pid 0", 9 },
	{ "connect without address", 10 }, { "page without inode", 11 },
	/* The ops of user-space sources only: never from the module. */
	{ "symlink from a ring", 12 }, { "chmod from a ring", 13 },
	{ "chown from a ring", 14 }, { "setid from a ring", 15 },
	{ "pipe from a ring", 16 },
};

START_TEST(hostile_records)
{
	struct bt_drain *d = fresh();
	struct bt_drain_stats st;
	struct rec r;
	struct bt_raw *h;
	uint16_t big = 500;

	put_write(0, 1, 10, "/before");
	h = rec_new(&r, BT_RAW_WRITE, 1, 20);
	h->arg32 = BT_RAWF_INO;
	rec_str(&r, "/x", 2);
	switch (records[_i].kind) {
	case 0: h->op = 0x63; break;
	case 1: h->pid = 0; break;
	case 2: h->time = 0; break;
	case 3: rec_str(&r, "/y", 2); rec_str(&r, "/z", 2); break;
	case 4: memcpy(r.b + BT_RAW_HEAD, &big, 2); break;
	case 5: h->op = BT_RAW_RENAME; break;
	case 6: r.b[BT_RAW_HEAD + 3] = 0; break;
	case 7: r.len += 16; break;
	case 8: rec_new(&r, BT_RAW_UNLINK, 1, 20); break;
	case 9: rec_new(&r, BT_RAW_FORK, 1, 20); break;
	case 10: rec_new(&r, BT_RAW_CONNECT, 1, 20); break;
	case 11: rec_new(&r, BT_RAW_PAGE_READ, 1, 20);
		rec_str(&r, "/x", 2); break;
	case 12: h->op = BT_RAW_SYMLINK; break;
	case 13: h->op = BT_RAW_CHMOD; break;
	case 14: h->op = BT_RAW_CHOWN; break;
	case 15: h->op = BT_RAW_SETID; break;
	case 16: h->op = BT_RAW_PIPE; break;
	}
	ck_assert_int_eq(put(0, &r), 0);
	put_write(0, 1, 30, "/after");
	drain_all(d);
	bt_drain_stats(d, &st);
	ck_assert_msg(st.bad == 1, "%s: bad %llu", records[_i].name,
		      (unsigned long long)st.bad);
	ck_assert_uint_eq(st.resyncs, 0);
	ck_assert_uint_eq(nout, 2);
	ck_assert_str_eq(out[0].path, "/before");
	ck_assert_str_eq(out[1].path, "/after");
	bt_drain_close(d);
}
END_TEST

START_TEST(random_garbage)
{
	struct bt_drain *d = fresh();
	unsigned seed = 12345, round;
	size_t i;

	/* Random bytes and random heads: the drainer survives and never
	 * reports more records than could fit. */
	for (round = 0; round < 300; round++) {
		for (i = 0; i < RSIZE; i++)
			datas[round % NR][i] = rand_r(&seed);
		ctls[round % NR].head = ctls[round % NR].tail +
					(rand_r(&seed) % (RSIZE + 64)) * 8 / 8;
		nout = 0;
		drain_all(d);
		ck_assert_uint_le(nout, RSIZE / BT_RAW_HEAD * NR);
	}
	bt_drain_close(d);
}
END_TEST

/* ---- the shared decoder, as the eBPF source uses it ------------------- */

/* r padded and framed as a record of its own (what a ring-buffer sample
 * holds). */
static size_t frame(struct rec *r)
{
	size_t len = (r->len + 7) & ~(size_t)7;

	((struct bt_raw *)r->b)->len = len;
	return len;
}

static size_t add_cg(struct rec *r, uint64_t id);

/* MEM_WRITE, MEM_READ (eBPF and the module): the target's pid in arg32
 * under the flag bits (a cgroup flag does not change it), bytes, its
 * start if known; no strings, a target.  The other ops past BT_RAW_SEND
 * stay bad in a module's ring. */
START_TEST(decode_mem_ops)
{
	static struct bt_raw_dec dec;
	struct rec r;
	struct bt_raw *h;
	size_t len;

	h = rec_new(&r, BT_RAW_MEM_WRITE, 7, 10);
	h->arg32 = 4242;
	h->arg = 13;
	len = frame(&r);
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX));
	ck_assert_uint_eq(dec.obs.op, BT_RAW_MEM_WRITE);
	ck_assert_uint_eq(dec.obs.pid, 7);
	ck_assert_uint_eq(dec.obs.peer, 4242);
	ck_assert_uint_eq(dec.obs.peer_start, 0);
	ck_assert_uint_eq(dec.obs.bytes, 13);
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_SEND));
	ck_assert_uint_eq(dec.obs.peer, 4242);
	h->op = BT_RAW_PIPE;
	ck_assert(!bt_drain_decode(&dec, r.b, len, BT_RAW_SEND));
	h->op = BT_RAW_OP_MAX + 1;
	ck_assert(!bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX));
	h = rec_new(&r, BT_RAW_MEM_READ, 7, 11);
	h->arg32 = 4194303 | BT_RAWF_CGROUP;
	h->arg2 = 99;
	len = add_cg(&r, 5);
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX));
	ck_assert_uint_eq(dec.obs.op, BT_RAW_MEM_READ);
	ck_assert_uint_eq(dec.obs.peer, 4194303);
	ck_assert_uint_eq(dec.obs.peer_start, 99);
	/* no target, or strings: bad */
	h = rec_new(&r, BT_RAW_MEM_WRITE, 7, 12);
	len = frame(&r);
	ck_assert(!bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX));
	h = rec_new(&r, BT_RAW_MEM_WRITE, 7, 12);
	h->arg32 = 5;
	rec_str(&r, "/proc/5/mem", 11);
	len = frame(&r);
	ck_assert(!bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX));
}
END_TEST

START_TEST(decode_ebpf_ops)
{
	static struct bt_raw_dec dec;
	struct rec r;
	struct bt_raw *h;
	size_t len;

	/* SYMLINK: the link's name, then its target as given. */
	rec_new(&r, BT_RAW_SYMLINK, 7, 10);
	rec_str(&r, "/t/./l", 6);
	rec_str(&r, "../x", 4);
	len = frame(&r);
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX));
	ck_assert_uint_eq(dec.obs.op, BT_RAW_SYMLINK);
	ck_assert_str_eq(dec.obs.path, "/t/l");
	ck_assert_str_eq(dec.obs.target, "../x");
	/* a module's ring never has it */
	ck_assert(!bt_drain_decode(&dec, r.b, len, BT_RAW_SEND));

	/* CHMOD through a descriptor: inode, path, mode. */
	h = rec_new(&r, BT_RAW_CHMOD, 7, 11);
	h->arg32 = BT_RAWF_INO;
	h->dev = 3;
	h->ino = 4;
	h->arg = 0755;
	rec_str(&r, "/bin/x", 6);
	len = frame(&r);
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX));
	ck_assert(dec.obs.has_ino);
	ck_assert_uint_eq(dec.obs.ino, 4);
	ck_assert_uint_eq(dec.obs.mode, 0755);
	ck_assert(!bt_drain_decode(&dec, r.b, len, BT_RAW_SEND));
	/* a mode past 07777 is not a mode: unknown */
	h->arg = 0100755;
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX));
	ck_assert_uint_eq(dec.obs.mode, UINT32_MAX);

	/* CHOWN by path: owner and group, (u32)-1 unchanged. */
	h = rec_new(&r, BT_RAW_CHOWN, 7, 12);
	h->arg = 1000;
	h->arg2 = UINT32_MAX;
	rec_str(&r, "/etc/f", 6);
	len = frame(&r);
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX));
	ck_assert(!dec.obs.has_ino);
	ck_assert_uint_eq(dec.obs.owner, 1000);
	ck_assert_uint_eq(dec.obs.group, UINT32_MAX);

	/* SETID: the credentials after the call. */
	h = rec_new(&r, BT_RAW_SETID, 7, 13);
	h->arg = 1000 | (uint64_t)0 << 32;
	h->arg2 = 100 | (uint64_t)5 << 32;
	len = frame(&r);
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX));
	ck_assert_uint_eq(dec.obs.uid, 1000);
	ck_assert_uint_eq(dec.obs.euid, 0);
	ck_assert_uint_eq(dec.obs.gid, 100);
	ck_assert_uint_eq(dec.obs.egid, 5);

	/* PIPE: the channel's inode and d_path name make a pipe file. */
	h = rec_new(&r, BT_RAW_PIPE, 7, 14);
	h->arg32 = BT_RAWF_INO;
	h->dev = 13;
	h->ino = 99;
	rec_str(&r, "pipe:[99]", 9);
	len = frame(&r);
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX));
	ck_assert_uint_eq(dec.obs.file_flags, BT_FILEF_PIPE);
	ck_assert_uint_eq(dec.obs.ino, 99);

	/* TRUNCATE: with BT_RAWF_LEN arg is the length, 0 empties the
	 * file; without it (the module's records) the length is unknown,
	 * and a module's record that says otherwise is not believed */
	h = rec_new(&r, BT_RAW_TRUNCATE, 7, 15);
	h->arg32 = BT_RAWF_INO | BT_RAWF_LEN;
	h->dev = 3;
	h->ino = 5;
	rec_str(&r, "/var/log/x", 10);
	len = frame(&r);
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX));
	ck_assert_uint_eq(dec.obs.op, BT_RAW_TRUNCATE);
	ck_assert(dec.obs.empties);
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_SEND));
	ck_assert(!dec.obs.empties);
	h->arg = 5;
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX));
	ck_assert(!dec.obs.empties);
	h->arg = 0;
	h->arg32 = BT_RAWF_INO;
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX));
	ck_assert(!dec.obs.empties);
	/* by name (truncate, O_TRUNC) unless BT_RAWF_VIAFD (ftruncate):
	 * then the file the descriptor holds, named or not */
	ck_assert(!dec.obs.via_fd);
	h->arg32 = BT_RAWF_INO | BT_RAWF_LEN | BT_RAWF_VIAFD;
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX));
	ck_assert(dec.obs.via_fd && dec.obs.empties);
}
END_TEST

/* A pty's two channels (core/raw.h BT_PTY_INO): the eBPF source's READ
 * and WRITE name them pty:[N.in] and pty:[N.out]; they decode as channels
 * (BT_FILEF_PIPE) with the synthetic inode as given. */
START_TEST(decode_ebpf_pty)
{
	static struct bt_raw_dec dec;
	const uint64_t in = BT_PTY_INO(2, 3, BT_PTY_IN);
	const uint64_t outd = BT_PTY_INO(2, 3, BT_PTY_OUT);
	struct rec r;
	struct bt_raw *h;
	size_t len;

	/* the identity: bit 63, then what it was made of, both ways */
	ck_assert(BT_PTY_IS(in) && BT_PTY_IS(outd) && in != outd);
	ck_assert_uint_eq(BT_PTY_INDEX_OF(in), 3);
	ck_assert_uint_eq(BT_PTY_DIR_OF(in), BT_PTY_IN);
	ck_assert_uint_eq(BT_PTY_DIR_OF(outd), BT_PTY_OUT);
	/* another generation of the same index is another object */
	ck_assert(BT_PTY_INO(3, 3, BT_PTY_IN) != in);
	ck_assert_uint_eq(BT_PTY_INDEX_OF(BT_PTY_INO(1, (1 << 20) - 1, 1)),
			  (1 << 20) - 1);
	/* no field spills into another */
	ck_assert_uint_eq(BT_PTY_INDEX_OF(BT_PTY_INO(BT_PTY_GEN_MAX, 5, 1)),
			  5);
	ck_assert(!BT_PTY_IS((uint64_t)1 << 62));  /* audit's synthetic */

	h = rec_new(&r, BT_RAW_WRITE, 7, 20);
	h->arg32 = BT_RAWF_INO;
	h->dev = 25;
	h->ino = in;
	h->arg = 11;
	rec_str(&r, "pty:[3.in]", 10);
	len = frame(&r);
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX));
	ck_assert_uint_eq(dec.obs.op, BT_RAW_WRITE);
	ck_assert_uint_eq(dec.obs.file_flags, BT_FILEF_PIPE);
	ck_assert(dec.obs.has_ino);
	ck_assert_uint_eq(dec.obs.dev, 25);
	ck_assert_uint_eq(dec.obs.ino, in);
	ck_assert_str_eq(dec.obs.path, "pty:[3.in]");
	ck_assert_uint_eq(dec.obs.bytes, 11);

	h = rec_new(&r, BT_RAW_READ, 7, 21);
	h->arg32 = BT_RAWF_INO;
	h->dev = 25;
	h->ino = outd;
	rec_str(&r, "pty:[3.out]", 11);
	len = frame(&r);
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX));
	ck_assert_uint_eq(dec.obs.file_flags, BT_FILEF_PIPE);
	ck_assert_uint_eq(dec.obs.ino, outd);

	/* a file's walked path is absolute: a name that only starts alike
	 * further in is a plain file */
	h = rec_new(&r, BT_RAW_READ, 7, 22);
	h->arg32 = BT_RAWF_INO;
	h->dev = 8;
	h->ino = 12;
	rec_str(&r, "/tmp/pty:[3.in]", 15);
	len = frame(&r);
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX));
	ck_assert_uint_eq(dec.obs.file_flags, 0);
}
END_TEST

static const struct {
	const char *name;
	int kind;
} ebpf_records[] = {
	{ "symlink without target", 0 }, { "symlink with a relative name", 1 },
	{ "symlink with an empty target", 2 }, { "setid with a string", 3 },
	{ "length not the sample's", 4 }, { "length not 8-aligned", 5 },
	{ "shorter than a head", 6 }, { "longer than BT_RAW_MAX", 7 },
	{ "op past BT_RAW_OP_MAX", 8 }, { "max_op past BT_RAW_OP_MAX", 9 },
	{ "NUL inside the target", 10 }, { "chmod without path or inode", 11 },
};

START_TEST(decode_ebpf_hostile)
{
	static struct bt_raw_dec dec;
	static struct rec r;
	struct bt_raw *h;
	size_t len;
	unsigned max = BT_RAW_OP_MAX;

	h = rec_new(&r, BT_RAW_SYMLINK, 7, 10);
	rec_str(&r, "/t/l", 4);
	switch (ebpf_records[_i].kind) {
	case 0: break;
	case 1: rec_new(&r, BT_RAW_SYMLINK, 7, 10); rec_str(&r, "l", 1);
		rec_str(&r, "x", 1); break;
	case 2: rec_str(&r, "", 0); break;
	case 3: h->op = BT_RAW_SETID; break;
	case 10: rec_str(&r, "x\0y", 3); break;
	default: rec_str(&r, "x", 1); break;
	}
	len = frame(&r);
	switch (ebpf_records[_i].kind) {
	case 4: len += 8; break;
	case 5: h->len = len = len - 3; break;
	case 6: len = 40; break;
	case 7: len = BT_RAW_MAX + 8; break;
	case 8: h->op = BT_RAW_OP_MAX + 1; break;
	case 9: max = BT_RAW_OP_MAX + 1; break;
	case 11: rec_new(&r, BT_RAW_CHMOD, 7, 10); len = frame(&r); break;
	}
	ck_assert_msg(!bt_drain_decode(&dec, r.b, len, max), "%s",
		      ebpf_records[_i].name);
	/* the same record whole and honest decodes: the case is what fails */
	rec_new(&r, BT_RAW_SYMLINK, 7, 10);
	rec_str(&r, "/t/l", 4);
	rec_str(&r, "x", 1);
	ck_assert(bt_drain_decode(&dec, r.b, frame(&r), BT_RAW_OP_MAX));
}
END_TEST

/* A binary socket address string (eBPF, BT_RAWF_ADDR). */
static void rec_addr(struct rec *r, uint16_t fam, uint16_t port, uint32_t ino,
		     const void *ip, size_t iplen, const void *name, size_t nl)
{
	uint8_t b[sizeof(struct bt_raw_addr) + 128];
	struct bt_raw_addr a;

	memset(&a, 0, sizeof(a));
	a.family = fam;
	a.port = port;
	a.ino = ino;
	memcpy(a.addr, ip, iplen);
	memcpy(b, &a, sizeof(a));
	memcpy(b + sizeof(a), name, nl);
	rec_str(r, (const char *)b, sizeof(a) + nl);
}

/* The eBPF cgroup trailer: frame, then one more word, the id. */
static size_t add_cg(struct rec *r, uint64_t id)
{
	size_t len = frame(r);

	((struct bt_raw *)r->b)->arg32 |= BT_RAWF_CGROUP;
	memcpy(r->b + len, &id, 8);
	r->len = len + 8;
	return frame(r);
}

/* Socket records from eBPF: the binary remote and local addresses become
 * text in the forms the other sources write (the ptrace recorder's for
 * unix sockets), the local one in obs.local; socketpair channels are
 * pipe-like files. */
START_TEST(decode_ebpf_sockets)
{
	static struct bt_raw_dec dec;
	static const uint8_t lo[4] = { 127, 0, 0, 1 }, ten[4] = { 10, 1, 2, 3 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff,
					    192, 0, 2, 7 };
	static const char abs[] = "\0my sock\0\x01\\";
	struct rec r;
	struct bt_raw *h;
	size_t len;

	/* inet, both ends */
	h = rec_new(&r, BT_RAW_CONNECT, 7, 10);
	h->arg32 = BT_RAWF_ADDR;
	rec_addr(&r, BT_RAW_AF_INET, 8080, 0, lo, 4, "", 0);
	rec_addr(&r, BT_RAW_AF_INET, 41234, 0, ten, 4, "", 0);
	len = frame(&r);
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX));
	ck_assert_str_eq(dec.obs.remote, "127.0.0.1:8080");
	ck_assert_str_eq(dec.obs.local, "10.1.2.3:41234");
	/* the module's rings have text addresses only */
	ck_assert(!bt_drain_decode(&dec, r.b, len, BT_RAW_SEND));

	/* inet6 remote, no local; a v4-mapped remote is IPv4 */
	h = rec_new(&r, BT_RAW_SEND, 7, 11);
	h->arg32 = BT_RAWF_ADDR;
	h->arg = 5;
	rec_addr(&r, BT_RAW_AF_INET6, 443, 0, v6, 16, "", 0);
	ck_assert(bt_drain_decode(&dec, r.b, frame(&r), BT_RAW_OP_MAX));
	ck_assert_str_eq(dec.obs.remote, "[2001:db8::1]:443");
	ck_assert_ptr_null(dec.obs.local);
	ck_assert_uint_eq(dec.obs.bytes, 5);
	h = rec_new(&r, BT_RAW_RECV, 7, 12);
	h->arg32 = BT_RAWF_ADDR;
	rec_addr(&r, BT_RAW_AF_INET6, 53, 0, mapped, 16, "", 0);
	rec_addr(&r, BT_RAW_AF_INET6, 9, 0, mapped, 16, "", 0);
	ck_assert(bt_drain_decode(&dec, r.b, frame(&r), BT_RAW_OP_MAX));
	ck_assert_str_eq(dec.obs.remote, "192.0.2.7:53");
	ck_assert_str_eq(dec.obs.local, "192.0.2.7:9");

	/* unix: a path up to its NUL, with the connection's client inode */
	h = rec_new(&r, BT_RAW_ACCEPT, 7, 13);
	h->arg32 = BT_RAWF_ADDR;
	rec_addr(&r, BT_RAW_AF_UNIX, 0, 4242, lo, 0, "/run/x.sock\0", 12);
	ck_assert(bt_drain_decode(&dec, r.b, frame(&r), BT_RAW_OP_MAX));
	ck_assert_str_eq(dec.obs.remote, "unix:/run/x.sock#4242");
	/* abstract: '@', then every byte, unprintable ones escaped */
	h = rec_new(&r, BT_RAW_SEND, 7, 14);
	h->arg32 = BT_RAWF_ADDR;
	rec_addr(&r, BT_RAW_AF_UNIX, 0, 0, lo, 0, abs, sizeof(abs) - 1);
	ck_assert(bt_drain_decode(&dec, r.b, frame(&r), BT_RAW_OP_MAX));
	ck_assert_str_eq(dec.obs.remote, "unix:@my\\x20sock\\x00\\x01\\x5c");
	/* unnamed */
	h = rec_new(&r, BT_RAW_SEND, 7, 15);
	h->arg32 = BT_RAWF_ADDR;
	rec_addr(&r, BT_RAW_AF_UNIX, 0, 0, lo, 0, "", 0);
	ck_assert(bt_drain_decode(&dec, r.b, frame(&r), BT_RAW_OP_MAX));
	ck_assert_str_eq(dec.obs.remote, "unix:unnamed");
	/* the longest name: 108 bytes, escaped to 4 each, fits */
	{
		char big[108];

		memset(big, 0xff, sizeof(big));
		big[0] = 0;
		h = rec_new(&r, BT_RAW_SEND, 7, 16);
		h->arg32 = BT_RAWF_ADDR;
		rec_addr(&r, BT_RAW_AF_UNIX, 0, UINT32_MAX, lo, 0, big,
			 sizeof(big));
		ck_assert(bt_drain_decode(&dec, r.b, frame(&r),
					  BT_RAW_OP_MAX));
		ck_assert_uint_eq(strlen(dec.obs.remote),
				  6 + 107 * 4 + 11);
	}

	/* a socketpair's channel: a pipe-like file */
	h = rec_new(&r, BT_RAW_WRITE, 7, 17);
	h->arg32 = BT_RAWF_INO;
	h->dev = 9;
	h->ino = 77;
	rec_str(&r, "socket:[77]", 11);
	ck_assert(bt_drain_decode(&dec, r.b, frame(&r), BT_RAW_OP_MAX));
	ck_assert_uint_eq(dec.obs.file_flags, BT_FILEF_PIPE);
	ck_assert_str_eq(dec.obs.path, "socket:[77]");
}
END_TEST

static const struct {
	const char *name;
	int kind;
} sock_records[] = {
	{ "no address string", 0 }, { "unknown family", 1 },
	{ "inet address with name bytes", 2 }, { "inet with an inode", 3 },
	{ "unix with a port", 4 }, { "unix name past 108 bytes", 5 },
	{ "address shorter than its struct", 6 },
	{ "bad local address", 7 }, { "cgroup trailer of id 0", 8 },
	{ "cgroup flag without room", 9 }, { "three strings", 10 },
};

/* Hostile eBPF socket records and cgroup trailers are refused (the
 * loader counts them as bad), each case against an honest twin. */
START_TEST(decode_ebpf_sock_hostile)
{
	static struct bt_raw_dec dec;
	static const uint8_t lo[4] = { 127, 0, 0, 1 };
	static struct rec r;
	char name[200];
	struct bt_raw *h;
	size_t len = 0;

	memset(name, 'a', sizeof(name));
	h = rec_new(&r, BT_RAW_SEND, 7, 10);
	h->arg32 = BT_RAWF_ADDR;
	switch (sock_records[_i].kind) {
	case 0: break;
	case 1: rec_addr(&r, 3, 1, 0, lo, 4, "", 0); break;
	case 2: rec_addr(&r, BT_RAW_AF_INET, 1, 0, lo, 4, "x", 1); break;
	case 3: rec_addr(&r, BT_RAW_AF_INET, 1, 5, lo, 4, "", 0); break;
	case 4: rec_addr(&r, BT_RAW_AF_UNIX, 1, 0, lo, 0, "/x", 2); break;
	case 5: rec_addr(&r, BT_RAW_AF_UNIX, 0, 0, lo, 0, name, 109); break;
	case 6: rec_str(&r, "abc", 3); break;
	case 7: rec_addr(&r, BT_RAW_AF_INET, 1, 0, lo, 4, "", 0);
		rec_addr(&r, 99, 1, 0, lo, 4, "", 0); break;
	case 8: rec_addr(&r, BT_RAW_AF_INET, 1, 0, lo, 4, "", 0);
		len = add_cg(&r, 0); break;
	case 9: len = BT_RAW_HEAD; h->arg32 |= BT_RAWF_CGROUP;
		h->op = BT_RAW_EXIT; h->len = len; break;
	case 10: rec_addr(&r, BT_RAW_AF_INET, 1, 0, lo, 4, "", 0);
		rec_addr(&r, BT_RAW_AF_INET, 1, 0, lo, 4, "", 0);
		rec_addr(&r, BT_RAW_AF_INET, 1, 0, lo, 4, "", 0); break;
	}
	if (!len)
		len = frame(&r);
	ck_assert_msg(!bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX), "%s",
		      sock_records[_i].name);
	/* honest twins: a send with a remote and a cgroup id; an exit with
	 * an id */
	h = rec_new(&r, BT_RAW_SEND, 7, 10);
	h->arg32 = BT_RAWF_ADDR;
	rec_addr(&r, BT_RAW_AF_INET, 1, 0, lo, 4, "", 0);
	ck_assert(bt_drain_decode(&dec, r.b, add_cg(&r, 5), BT_RAW_OP_MAX));
	h = rec_new(&r, BT_RAW_EXIT, 7, 10);
	ck_assert(bt_drain_decode(&dec, r.b, add_cg(&r, 5), BT_RAW_OP_MAX));
}
END_TEST

/* ---- counters --------------------------------------------------------- */

START_TEST(drop_accounting)
{
	struct bt_drain *d = fresh();
	struct bt_drain_stats st;
	char text[512];
	size_t n;

	ctls[0].events = 100;
	ctls[1].events = 23;
	ctls[0].drops[BT_DROP_FULL] = 4;
	ctls[2].drops[BT_DROP_FULL] = 3;
	ctls[1].drops[BT_DROP_FAULT] = 2;
	ctls[0].drops_by_op[BT_RAW_WRITE] = 5;
	ctls[2].drops_by_op[BT_RAW_READ] = 2;
	ctls[1].drops_by_op[BT_RAW_EXEC] = 2;
	bt_drain_stats(d, &st);
	ck_assert_uint_eq(st.kernel_events, 123);
	ck_assert_uint_eq(st.drops[BT_DROP_FULL], 7);
	ck_assert_uint_eq(st.drops[BT_DROP_FAULT], 2);
	ck_assert_uint_eq(st.drops_by_op[BT_RAW_WRITE], 5);
	n = bt_drain_format_drops(text, sizeof(text), &st);
	ck_assert_uint_eq(n, strlen(text));
	ck_assert_ptr_nonnull(strstr(text, "full=7 fault=2 toolong=0"));
	ck_assert_ptr_nonnull(strstr(text, " op.write=5"));
	ck_assert_ptr_nonnull(strstr(text, " op.read=2"));
	ck_assert_ptr_nonnull(strstr(text, " op.exec=2"));
	ck_assert_ptr_null(strstr(text, "op.fork"));
	ck_assert_ptr_null(strstr(text, "io_uring"));
	/* a short buffer: truncated, NUL-terminated, full length returned */
	ck_assert_uint_eq(bt_drain_format_drops(text, 10, &st), n);
	ck_assert_uint_eq(strlen(text), 9);
	ck_assert_str_eq(bt_drop_name(BT_DROP_REARM), "rearm");
	ck_assert_ptr_null(bt_drop_name(BT_DROP_NCAUSE));
	bt_drain_close(d);
}
END_TEST

/* io_uring and Linux AIO calls (counted by the eBPF programs: their I/O
 * is in no traced syscall) are in the drops note, and counted by a walk's
 * drops summary (core/drops.h): a capture says it may have missed I/O. */
START_TEST(io_uring_calls_are_in_the_drops_note)
{
	struct bt_drain_stats st;
	struct bt_drops dr;
	char text[512];
	size_t n;

	memset(&st, 0, sizeof(st));
	st.io_uring = 3;
	n = bt_drain_format_drops(text, sizeof(text), &st);
	ck_assert_uint_eq(n, strlen(text));
	ck_assert_ptr_nonnull(strstr(text, " io_uring_calls=3"));
	memset(&dr, 0, sizeof(dr));
	ck_assert_uint_eq(bt_drops_add_text(&dr, text, n), 3);
}
END_TEST

/* ---- paths and the device --------------------------------------------- */

START_TEST(normpath)
{
	static const char *const cases[][2] = {
		{ "/", "/" }, { "//", "/" }, { "/a/b", "/a/b" },
		{ "/a//b/", "/a/b" }, { "/a/./b", "/a/b" },
		{ "/a/../b", "/b" }, { "/../../x", "/x" }, { "/a/b/..", "/a" },
		{ "/a/..", "/" }, { "/tmp/x (deleted)", "/tmp/x" },
		{ "/a/...", "/a/..." }, { "/a/.b/..c", "/a/.b/..c" },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", cases[i][0]);
		ck_assert(bt_drain_normpath(buf));
		ck_assert_msg(!strcmp(buf, cases[i][1]), "'%s' -> '%s'",
			      cases[i][0], buf);
	}
	snprintf(buf, sizeof(buf), "pipe:[12]");
	ck_assert(!bt_drain_normpath(buf));
	ck_assert_str_eq(buf, "pipe:[12]");
}
END_TEST

START_TEST(device_errors)
{
	struct bt_drain *d = NULL;
	const char *f = tu_path("notadevice");

	ck_assert_int_eq(bt_drain_open(&d, tu_path("absent")), BT_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(),
				     "is the btrack module loaded?"));
	ck_assert_int_eq(tu_write_file(f, "x", 1), 0);
	ck_assert_int_eq(bt_drain_open(&d, f), BT_EINVAL);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "not the btrack device"));
	ck_assert_int_eq(bt_drain_open(&d, "/dev/null"), BT_EINVAL);
	ck_assert_ptr_null(d);
}
END_TEST

START_TEST(bad_geometry)
{
	struct bt_ring_ctl *c[1] = { &ctls[0] };
	const uint8_t *dd[1] = { datas[0] };
	struct bt_drain *d = NULL;

	ck_assert_int_eq(bt_drain_new_mem(&d, 0, c, dd, RSIZE), BT_EINVAL);
	ck_assert_int_eq(bt_drain_new_mem(&d, 1, c, dd, 3000), BT_EINVAL);
	ck_assert_int_eq(bt_drain_new_mem(&d, 1, c, dd, 32), BT_EINVAL);
	ck_assert_ptr_null(d);
}
END_TEST

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID64B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

/* The container id a cgroup path shows, and what is not one. */
static const struct {
	const char *path;
	const char *id;         /* NULL: none */
} containers[] = {
	{ "/system.slice/docker-" ID64 ".scope", ID64 },
	{ "/docker/" ID64, ID64 },
	{ "/kubepods/besteffort/pod1234-5678/" ID64, ID64 },
	{ "/kubepods.slice/kubepods-pod1.slice/cri-containerd-" ID64 ".scope",
	  ID64 },
	{ "/machine.slice/libpod-" ID64 ".scope", ID64 },
	{ "/machine.slice/libpod-" ID64 ".scope/container", ID64 },
	{ "/crio-" ID64 ".scope", ID64 },
	{ "/docker/" ID64B "/docker-" ID64 ".scope", ID64 },  /* innermost */
	{ "/machine.slice/libpod-conmon-" ID64 ".scope", NULL },
	{ "/system.slice/docker-" ID64 ".scope\n", NULL },
	{ "/docker/" ID64 "\n/x", NULL },
	{ "/docker/0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789"
	  "abcdef", NULL },                                 /* not lowercase */
	{ "/docker/" ID64 "0", NULL },                      /* 65 digits */
	{ "/docker/123456789abcdef0123456789abcdef0123456789abcdef0123456789"
	  "abcdef", NULL },                                 /* 63 */
	{ "/docker/g123456789abcdef0123456789abcdef0123456789abcdef0123456789"
	  "abcdef", NULL },                                 /* not hex */
	{ "/docker-.scope", NULL },
	{ "/user.slice/user-0.slice/session-1.scope", NULL },
	{ "/", NULL },
	{ "", NULL },
	{ "docker-" ID64, ID64 },
};

START_TEST(container_id)
{
	const char *p = containers[_i].path, *id;
	size_t n = bt_cgroup_container(p, strlen(p), &id);

	if (!containers[_i].id) {
		ck_assert_uint_eq(n, 0);
		ck_assert_ptr_null(id);
	} else {
		ck_assert_uint_eq(n, BT_CONTAINER_ID_LEN);
		ck_assert(!memcmp(id, containers[_i].id, n));
	}
}
END_TEST

/* A path of 1 MB of components, with NULs inside: no id, no overrun (the
 * length bounds it, not a NUL). */
START_TEST(container_id_hostile)
{
	size_t n = 1 << 20, i;
	char *p = malloc(n);
	const char *id;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < n; i++)
		p[i] = i % 7 == 0 ? '/' : i % 11 == 0 ? 0 : 'a';
	ck_assert_uint_eq(bt_cgroup_container(p, n, &id), 0);
	ck_assert_uint_eq(bt_cgroup_container(NULL, 5, &id), 0);
	/* an id cut by the length is none */
	memcpy(p, "/docker/" ID64, 8 + 64);
	ck_assert_uint_eq(bt_cgroup_container(p, 8 + 63, &id), 0);
	ck_assert_uint_eq(bt_cgroup_container(p, 8 + 64, &id), 64);
	free(p);
}
END_TEST

/* A cgroup v2 id is its directory's inode: resolved under a root (here a
 * plain directory standing for the cgroup2 mount), cached, and carried
 * by an eBPF FORK or EXEC into obs.cgroup; 0 (the module) is unknown. */
START_TEST(cgroup_resolve)
{
	static struct bt_raw_dec dec;
	char root[2048], sub[4096], buf[64];
	struct stat st, rst;
	struct bt_raw *h;
	struct rec r;
	size_t len;

	snprintf(root, sizeof(root), "%s", tu_path("cgroot"));
	ck_assert_int_eq(mkdir(root, 0755), 0);
	snprintf(sub, sizeof(sub), "%s/a", root);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	snprintf(sub, sizeof(sub), "%s/a/docker-" ID64 ".scope", root);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	ck_assert_int_eq(stat(sub, &st), 0);
	ck_assert_int_eq(stat(root, &rst), 0);
	bt_cgroup_set_root(root);

	ck_assert_uint_eq(bt_cgroup_path(rst.st_ino, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "/");
	ck_assert_uint_eq(bt_cgroup_path(st.st_ino, buf, 10), 0); /* too long */
	ck_assert_uint_eq(bt_cgroup_path((uint64_t)-1, buf, sizeof(buf)), 0);
	ck_assert_uint_eq(bt_cgroup_path(0, buf, sizeof(buf)), 0);

	h = rec_new(&r, BT_RAW_FORK, 7, 10);
	h->arg32 = 8;
	h->arg2 = st.st_ino;
	len = frame(&r);
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX));
	ck_assert_ptr_nonnull(dec.obs.cgroup);
	ck_assert_str_eq(dec.obs.cgroup, "/a/docker-" ID64 ".scope");
	/* cached: the same answer with the directory gone */
	ck_assert_int_eq(rmdir(sub), 0);
	h = rec_new(&r, BT_RAW_EXEC, 7, 11);
	h->arg2 = st.st_ino;
	rec_str(&r, "/bin/x", 6);
	len = frame(&r);
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX));
	ck_assert_str_eq(dec.obs.cgroup, "/a/docker-" ID64 ".scope");
	/* the module's records: 0, unknown */
	h = rec_new(&r, BT_RAW_FORK, 7, 12);
	h->arg32 = 8;
	len = frame(&r);
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_SEND));
	ck_assert_ptr_null(dec.obs.cgroup);
	/* any other eBPF record of a process seen for the first time ends
	 * with the id (BT_RAWF_CGROUP): a READ without a path */
	h = rec_new(&r, BT_RAW_READ, 7, 13);
	h->arg32 = BT_RAWF_INO;
	h->ino = 5;
	h->arg = 3;
	len = add_cg(&r, st.st_ino);
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX));
	ck_assert_str_eq(dec.obs.cgroup, "/a/docker-" ID64 ".scope");
	ck_assert_uint_eq(dec.obs.bytes, 3);
	/* with a path before it */
	h = rec_new(&r, BT_RAW_OPEN, 7, 14);
	rec_str(&r, "/etc/x", 6);
	len = add_cg(&r, rst.st_ino);
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_OP_MAX));
	ck_assert_str_eq(dec.obs.cgroup, "/");
	ck_assert_str_eq(dec.obs.path, "/etc/x");
	/* the module never sends one: the bit is not read there (a page
	 * record's arg32 may hold any count) and the extra word is bad */
	ck_assert(!bt_drain_decode(&dec, r.b, len, BT_RAW_SEND));
	h = rec_new(&r, BT_RAW_PAGE_READ, 7, 15);
	h->arg32 = BT_RAWF_INO | BT_RAWF_CGROUP | 3;
	h->ino = 5;
	len = frame(&r);
	ck_assert(bt_drain_decode(&dec, r.b, len, BT_RAW_SEND));
	ck_assert_ptr_null(dec.obs.cgroup);
	bt_cgroup_set_root(NULL);
}
END_TEST

/* Many cgroups: every id resolves to its own path, the first time (walks)
 * and again (cache, with evictions). */
START_TEST(cgroup_many)
{
	static uint64_t ino[300];
	char root[2048], p[4096], buf[64], want[64];
	struct stat st;
	int i, pass;

	snprintf(root, sizeof(root), "%s", tu_path("cgmany"));
	ck_assert_int_eq(mkdir(root, 0755), 0);
	for (i = 0; i < 300; i++) {
		snprintf(p, sizeof(p), "%s/c%d", root, i);
		ck_assert_int_eq(mkdir(p, 0755), 0);
		ck_assert_int_eq(stat(p, &st), 0);
		ino[i] = st.st_ino;
	}
	bt_cgroup_set_root(root);
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < 300; i++) {
			snprintf(want, sizeof(want), "/c%d", i);
			ck_assert_uint_eq(bt_cgroup_path(ino[i], buf,
							 sizeof(buf)),
					  strlen(want));
			ck_assert_str_eq(buf, want);
		}
	bt_cgroup_set_root(NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("drain");
	SRunner *sr;
	TCase *tc;
	int failed;

#define ADD(name, fn) do { tc = tcase_create(name); \
		tcase_add_test(tc, fn); suite_add_tcase(s, tc); } while (0)
	ADD("decode", decode_ops);
	ADD("merge", merge_by_time);
	ADD("window", merge_window);
	ADD("wrap", wrap_many_times);
	ADD("full", ring_full_is_refused);
	ADD("emit error", emit_error_keeps_record);
	tc = tcase_create("hostile framing");
	tcase_add_loop_test(tc, hostile_framing, 0,
			    sizeof(framing) / sizeof(framing[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("hostile records");
	tcase_add_loop_test(tc, hostile_records, 0,
			    sizeof(records) / sizeof(records[0]));
	suite_add_tcase(s, tc);
	ADD("garbage", random_garbage);
	ADD("decode ebpf", decode_ebpf_ops);
	ADD("decode mem", decode_mem_ops);
	ADD("decode ebpf pty", decode_ebpf_pty);
	tc = tcase_create("decode ebpf hostile");
	tcase_add_loop_test(tc, decode_ebpf_hostile, 0,
			    sizeof(ebpf_records) / sizeof(ebpf_records[0]));
	suite_add_tcase(s, tc);
	ADD("decode ebpf sockets", decode_ebpf_sockets);
	tc = tcase_create("decode ebpf sockets hostile");
	tcase_add_loop_test(tc, decode_ebpf_sock_hostile, 0,
			    sizeof(sock_records) / sizeof(sock_records[0]));
	suite_add_tcase(s, tc);
	ADD("drops", drop_accounting);
	ADD("drops", io_uring_calls_are_in_the_drops_note);
	ADD("normpath", normpath);
	ADD("device", device_errors);
	ADD("geometry", bad_geometry);
	tc = tcase_create("container id");
	tcase_add_loop_test(tc, container_id, 0,
			    sizeof(containers) / sizeof(containers[0]));
	suite_add_tcase(s, tc);
	ADD("container id hostile", container_id_hostile);
	ADD("cgroup resolve", cgroup_resolve);
	/* 300 directories made and walked: seconds on a loaded machine */
	tc = tcase_create("cgroup many");
	tcase_add_test(tc, cgroup_many);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
#undef ADD
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
