/*
 * check_pagering.c - the page-event ring (capture/pagering.c): creation,
 * one producer, many producer processes racing a small ring (every event
 * delivered or counted as dropped), a hostile producer scribbling over the
 * ring while the consumer drains, holes left by a producer that died
 * between reserving and publishing, a callback error and a header
 * rewritten by the traced program.
 *
 * The producers here follow the protocol in capture/pagering.h through
 * their own mapping of the ring's fd, as the preload library does.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../capture/pagering.h"
#include "../core/error.h"
#include "testutil.h"

struct prod {
	struct bt_pagering_hdr *h;
	struct bt_pagering_slot *s;
	uint32_t n;
	size_t len;
};

static struct prod pmap(int fd)
{
	struct prod p;
	struct stat st;
	void *m;

	ck_assert_int_eq(fstat(fd, &st), 0);
	m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED, fd, 0);
	ck_assert_ptr_ne(m, MAP_FAILED);
	p.h = m;
	p.s = (void *)((char *)m + sizeof(*p.h));
	p.n = p.h->nslots;
	p.len = (size_t)st.st_size;
	return p;
}

static struct bt_raw mkraw(uint32_t pid, uint64_t seq)
{
	struct bt_raw r;

	memset(&r, 0, sizeof(r));
	r.len = sizeof(r);
	r.op = (seq & 1) ? BT_RAW_PAGE_WRITE : BT_RAW_PAGE_READ;
	r.pid = pid;
	r.tid = pid;
	r.time = 1000 + seq;
	r.dev = 7;
	r.ino = 42;
	r.arg = seq;
	return r;
}

/* Reserve a ticket (the CAS of pagering.h, with its repair of a head found
 * behind the tail); -1 if the ring is full. */
static int64_t reserve(struct prod *p)
{
	__u64 h = __atomic_load_n(&p->h->head, __ATOMIC_RELAXED), t;

	for (;;) {
		t = __atomic_load_n(&p->h->tail, __ATOMIC_ACQUIRE);
		if (t > h && t - h < (1ull << 62)) {  /* head scribbled back */
			__atomic_compare_exchange_n(&p->h->head, &h, t, false,
						    __ATOMIC_ACQ_REL,
						    __ATOMIC_RELAXED);
			h = __atomic_load_n(&p->h->head, __ATOMIC_RELAXED);
			continue;
		}
		if (h - t >= p->n) {
			__atomic_fetch_add(&p->h->dropped, 1, __ATOMIC_RELAXED);
			return -1;
		}
		if (__atomic_compare_exchange_n(&p->h->head, &h, h + 1, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			return (int64_t)h;
	}
}

static void publish(struct prod *p, uint64_t t, const struct bt_raw *r)
{
	struct bt_pagering_slot *s = &p->s[t & (p->n - 1)];

	s->raw = *r;
	__atomic_store_n(&s->seq, t + 1, __ATOMIC_RELEASE);
}

static int produce(struct prod *p, const struct bt_raw *r)
{
	int64_t t = reserve(p);

	if (t < 0)
		return 0;
	publish(p, (uint64_t)t, r);
	return 1;
}

struct sink {
	uint64_t n;
	uint64_t next[8];   /* per producer index: next seq expected */
	int order_ok;
	struct bt_raw last;
	int fail_at;        /* return an error at this event (1-based) */
};

static int take(void *arg, const struct bt_raw *raw)
{
	struct sink *k = arg;

	k->n++;
	k->last = *raw;
	if (raw->pid >= 1000 && raw->pid < 1008) {
		/* Each producer's events arrive in its own order. */
		if (raw->arg < k->next[raw->pid - 1000])
			k->order_ok = 0;
		k->next[raw->pid - 1000] = raw->arg + 1;
	}
	if (k->fail_at && k->n == (uint64_t)k->fail_at)
		return bt_error_set(BT_EINVAL, "stop here");
	return 0;
}

START_TEST(create_sizes)
{
	struct bt_pagering *r;
	struct prod p;
	int fd;

	ck_assert_int_eq(bt_pagering_create(&r, 1000, &fd), 0);
	ck_assert_int_ge(fd, 0);
	p = pmap(fd);
	ck_assert_uint_eq(p.h->magic, BT_PAGERING_MAGIC);
	ck_assert_uint_eq(p.h->version, BT_PAGERING_VERSION);
	ck_assert_uint_eq(p.h->nslots, 1024);
	ck_assert_uint_eq(p.len, 128 + 1024 * sizeof(struct bt_pagering_slot));
	/* Sealed: a traced program cannot shrink it under the recorder. */
	ck_assert_int_lt(ftruncate(fd, 0), 0);
	munmap(p.h, p.len);
	bt_pagering_free(r);

	ck_assert_int_eq(bt_pagering_create(&r, 0, &fd), 0);
	p = pmap(fd);
	ck_assert_uint_eq(p.h->nslots, 2);
	munmap(p.h, p.len);
	bt_pagering_free(r);

	ck_assert_int_eq(bt_pagering_create(&r, 0xffffffffu, &fd), BT_EINVAL);
	ck_assert_ptr_null(r);
	bt_pagering_free(NULL);
}
END_TEST

START_TEST(single_producer)
{
	struct bt_pagering *r;
	struct bt_pagering_stats st;
	struct sink k = { .order_ok = 1 };
	struct prod p;
	struct bt_raw w;
	int fd, i, round;

	ck_assert_int_eq(bt_pagering_create(&r, 16, &fd), 0);
	p = pmap(fd);
	/* Several laps around the ring. */
	for (round = 0; round < 5; round++) {
		for (i = 0; i < 10; i++) {
			w = mkraw(1000, (uint64_t)(round * 10 + i));
			ck_assert_int_eq(produce(&p, &w), 1);
		}
		ck_assert_int_eq(bt_pagering_drain(r, false, take, &k), 0);
		ck_assert_uint_eq(k.n, (uint64_t)(round + 1) * 10);
	}
	ck_assert(k.order_ok);
	w = mkraw(1000, 49);
	ck_assert_mem_eq(&k.last, &w, sizeof(w));
	/* Full: 16 fit, the 17th is dropped. */
	for (i = 0; i < 17; i++) {
		w = mkraw(1000, (uint64_t)(50 + i));
		produce(&p, &w);
	}
	ck_assert_int_eq(bt_pagering_drain(r, true, take, &k), 0);
	bt_pagering_stats(r, &st);
	ck_assert_uint_eq(st.events, 66);
	ck_assert_uint_eq(st.claimed_dropped, 1);
	ck_assert_uint_eq(st.invalid, 0);
	ck_assert_uint_eq(st.holes, 0);
	munmap(p.h, p.len);
	bt_pagering_free(r);
}
END_TEST

START_TEST(many_producers)
{
	enum { NPROC = 4, PER = 100000 };
	struct bt_pagering *r;
	struct bt_pagering_stats st;
	struct sink k = { .order_ok = 1 };
	pid_t pids[NPROC];
	int fd, i, alive, status;

	ck_assert_int_eq(bt_pagering_create(&r, 1024, &fd), 0);
	for (i = 0; i < NPROC; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			struct prod p = pmap(fd);
			uint64_t j;

			for (j = 0; j < PER; j++) {
				struct bt_raw w = mkraw(1000 + (uint32_t)i, j);

				produce(&p, &w);
			}
			_exit(0);
		}
	}
	alive = NPROC;
	while (alive) {
		ck_assert_int_eq(bt_pagering_drain(r, false, take, &k), 0);
		while (alive && waitpid(-1, &status, WNOHANG) > 0) {
			ck_assert(WIFEXITED(status) &&
				  WEXITSTATUS(status) == 0);
			alive--;
		}
	}
	ck_assert_int_eq(bt_pagering_drain(r, true, take, &k), 0);
	bt_pagering_stats(r, &st);
	ck_assert_uint_eq(st.events + st.claimed_dropped, (uint64_t)NPROC * PER);
	ck_assert_uint_eq(st.events, k.n);
	ck_assert_uint_eq(st.invalid, 0);
	ck_assert_uint_eq(st.holes, 0);
	ck_assert(k.order_ok);
	ck_assert_uint_ge(st.events, 1024);  /* the ring was full at the end */
	printf("many producers: %llu events, %llu dropped\n",
	       (unsigned long long)st.events,
	       (unsigned long long)st.claimed_dropped);
	bt_pagering_free(r);
}
END_TEST

START_TEST(invalid_slots)
{
	struct bt_pagering *r;
	struct bt_pagering_stats st;
	struct sink k = { .order_ok = 1 };
	struct prod p;
	struct bt_raw w;
	int fd, i;

	ck_assert_int_eq(bt_pagering_create(&r, 16, &fd), 0);
	p = pmap(fd);
	for (i = 0; i < 7; i++) {
		w = mkraw(1000, (uint64_t)i);
		switch (i) {
		case 1: w.op = BT_RAW_READ; break;
		case 2: w.pid = 0; break;
		case 3: w.time = 0; break;
		case 4: w.len = 200; break;
		case 5: w.nstr = 3; break;
		case 6: w.op = 0xff; break;
		}
		ck_assert_int_eq(produce(&p, &w), 1);
	}
	w = mkraw(1000, 7);
	produce(&p, &w);
	ck_assert_int_eq(bt_pagering_drain(r, false, take, &k), 0);
	bt_pagering_stats(r, &st);
	ck_assert_uint_eq(st.events, 2);
	ck_assert_uint_eq(st.invalid, 6);
	ck_assert_uint_eq(k.last.arg, 7);
	munmap(p.h, p.len);
	bt_pagering_free(r);
}
END_TEST

START_TEST(hostile_scribbler)
{
	struct bt_pagering *r;
	struct bt_pagering_stats st;
	struct sink k = { .order_ok = 1 };
	struct timespec t0, t1;
	struct prod ph;
	pid_t pid;
	int fd, status, rc;

	ck_assert_int_eq(bt_pagering_create(&r, 64, &fd), 0);
	ph = pmap(fd);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct prod p = pmap(fd);
		unsigned char *b = (unsigned char *)p.h;
		uint64_t x = 88172645463325252ull, j;

		uint64_t saved = 0;

		/* Valid events mixed with random bytes over the slots and the
		 * header, and plausible lies: seq values just ahead of the
		 * consumer, raw fields overwritten mid-slot, now and then a
		 * huge or backwards head for a while.  (Scribbling head for
		 * good would only stop this producer's own events.) */
		for (j = 0; ; j++) {
			struct bt_raw w = mkraw(1000, j);
			size_t off;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* Mostly honest: a scribbler far faster than the
			 * consumer would destroy every slot before it is read
			 * and there would be nothing valid left to check. */
			switch (j % 256) {
			case 0: case 16: case 32: case 48:
				off = 128 + (size_t)(x % (p.len - 128));
				if (j % 1024 == 0) {  /* header, not head/tail */
					off = (size_t)(x % 112);
					off += off >= 16 ? 16 : 0;
				}
				b[off] = (unsigned char)(x >> 32);
				break;
			case 6:
				p.s[x % p.n].seq = p.h->tail + 1 + (x >> 62);
				break;
			case 7:
				memcpy((char *)&p.s[(x >> 8) % p.n].raw +
				       (x >> 40) % 56, &x, 8);
				break;
			default:
				produce(&p, &w);
				break;
			}
			if (j % 100000 == 99999) {
				saved = p.h->head;
				p.h->head = (x & 1) ? x : 0;
			} else if (j % 100000 == 9999 && saved) {
				p.h->head = saved;
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		rc = bt_pagering_drain(r, false, take, &k);
		tu_assert_int_eq(rc, 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
	} while (t1.tv_sec - t0.tv_sec < 2);
	ck_assert_int_eq(bt_pagering_drain(r, true, take, &k), 0);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(bt_pagering_drain(r, true, take, &k), 0);
	bt_pagering_stats(r, &st);
	fprintf(stderr, "hostile: %llu events, %llu invalid, %llu holes, head %llu tail %llu\n",
	       (unsigned long long)st.events,
	       (unsigned long long)st.invalid,
	       (unsigned long long)st.holes,
	       (unsigned long long)ph.h->head,
	       (unsigned long long)ph.h->tail);
	ck_assert_uint_eq(st.events, k.n);
	ck_assert_uint_gt(st.invalid, 0);
	ck_assert_uint_gt(st.events, 0);
	bt_pagering_free(r);
}
END_TEST

START_TEST(holes)
{
	struct bt_pagering *r;
	struct bt_pagering_stats st;
	struct sink k = { .order_ok = 1 };
	struct prod p;
	struct bt_raw w;
	struct timespec ts = { 0, 700000000 };
	int fd;

	ck_assert_int_eq(bt_pagering_create(&r, 16, &fd), 0);
	p = pmap(fd);
	/* A producer reserved ticket 0 and died; ticket 1 is published. */
	ck_assert_int_eq(reserve(&p), 0);
	w = mkraw(1000, 1);
	ck_assert_int_eq(produce(&p, &w), 1);
	ck_assert_int_eq(bt_pagering_drain(r, false, take, &k), 0);
	ck_assert_uint_eq(k.n, 0);      /* waits for the hole ... */
	ck_assert_int_eq(bt_pagering_drain(r, false, take, &k), 0);
	ck_assert_uint_eq(k.n, 0);
	nanosleep(&ts, NULL);           /* ... for a grace period */
	ck_assert_int_eq(bt_pagering_drain(r, false, take, &k), 0);
	ck_assert_uint_eq(k.n, 1);
	ck_assert_uint_eq(k.last.arg, 1);
	bt_pagering_stats(r, &st);
	ck_assert_uint_eq(st.holes, 1);

	/* At the end of recording a hole is skipped at once. */
	ck_assert_int_eq(reserve(&p), 2);
	w = mkraw(1000, 3);
	ck_assert_int_eq(produce(&p, &w), 1);
	ck_assert_int_eq(bt_pagering_drain(r, true, take, &k), 0);
	ck_assert_uint_eq(k.n, 2);
	bt_pagering_stats(r, &st);
	ck_assert_uint_eq(st.holes, 2);
	/* The tail the producers see moved past the holes. */
	ck_assert_uint_eq(p.h->tail, 4);
	munmap(p.h, p.len);
	bt_pagering_free(r);
}
END_TEST

START_TEST(callback_error)
{
	struct bt_pagering *r;
	struct sink k = { .order_ok = 1, .fail_at = 2 };
	struct prod p;
	struct bt_raw w;
	int fd, i;

	ck_assert_int_eq(bt_pagering_create(&r, 16, &fd), 0);
	p = pmap(fd);
	for (i = 0; i < 4; i++) {
		w = mkraw(1000, (uint64_t)i);
		produce(&p, &w);
	}
	ck_assert_int_eq(bt_pagering_drain(r, false, take, &k), BT_EINVAL);
	ck_assert_uint_eq(k.n, 2);
	/* The failed event was consumed; the next drain goes on after it. */
	k.fail_at = 0;
	ck_assert_int_eq(bt_pagering_drain(r, false, take, &k), 0);
	ck_assert_uint_eq(k.n, 4);
	ck_assert_uint_eq(k.last.arg, 3);
	munmap(p.h, p.len);
	bt_pagering_free(r);
}
END_TEST

/* The traced program rewrites the header: a head far ahead (every honest
 * producer would then find the ring full for good), a tail that is not the
 * consumer's, a changed nslots and magic, huge drop counters.  The
 * consumer repairs the header and counts it, producers go on, a final
 * drain counts at most one lap of holes, and the counters it reports as
 * its own stay its own. */
START_TEST(header_scribbled)
{
	struct bt_pagering *r;
	struct bt_pagering_stats st;
	struct sink k = { .order_ok = 0 };
	struct prod p;
	struct bt_raw w;
	int fd, i;

	ck_assert_int_eq(bt_pagering_create(&r, 16, &fd), 0);
	p = pmap(fd);
	for (i = 0; i < 3; i++) {
		w = mkraw(1000, (uint64_t)i);
		ck_assert_int_eq(produce(&p, &w), 1);
	}
	p.h->head = 1ull << 61;
	p.h->tail = 12345;
	p.h->nslots = 1u << 20;
	p.h->magic = 0;
	p.h->dropped = 16794204488075357955ull;
	ck_assert_int_eq(bt_pagering_drain(r, false, take, &k), 0);
	bt_pagering_stats(r, &st);
	ck_assert_uint_eq(st.header, 1);
	ck_assert_uint_eq(k.n, 3);          /* the published ones came */
	ck_assert_uint_eq(p.h->head, 3);    /* just past the last published */
	ck_assert_uint_eq(p.h->tail, 3);
	ck_assert_uint_eq(p.h->nslots, 16);
	ck_assert(p.h->magic == BT_PAGERING_MAGIC);
	/* honest producers reserve again */
	w = mkraw(1000, 3);
	ck_assert_int_eq(produce(&p, &w), 1);
	ck_assert_int_eq(bt_pagering_drain(r, false, take, &k), 0);
	ck_assert_uint_eq(k.n, 4);
	bt_pagering_stats(r, &st);
	ck_assert_uint_eq(st.header, 1);    /* a sane header is not counted */
	ck_assert_uint_eq(st.claimed_dropped, 16794204488075357955ull);
	ck_assert_uint_eq(st.holes, 0);
	/* head scribbled right before the end: at most a lap is walked,
	 * and what is left of it is counted once as holes */
	p.h->head = ~0ull - 5;
	ck_assert_int_eq(bt_pagering_drain(r, true, take, &k), 0);
	bt_pagering_stats(r, &st);
	ck_assert_uint_eq(st.header, 2);
	ck_assert_uint_le(st.holes, 16);
	ck_assert_uint_eq(st.events, 4);
	/* behind the tail: repaired too */
	p.h->head = 1;
	ck_assert_int_eq(bt_pagering_drain(r, false, take, &k), 0);
	bt_pagering_stats(r, &st);
	ck_assert_uint_eq(st.header, 3);
	ck_assert_uint_ge(p.h->head, p.h->tail);
	munmap(p.h, p.len);
	bt_pagering_free(r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("pagering");
	struct { const char *name; const TTest *t; } tests[] = {
		{ "create_sizes", create_sizes },
		{ "single_producer", single_producer },
		{ "many_producers", many_producers },
		{ "invalid_slots", invalid_slots },
		{ "hostile_scribbler", hostile_scribbler },
		{ "holes", holes },
		{ "callback_error", callback_error },
		{ "header_scribbled", header_scribbled },
	};
	size_t i;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		TCase *tc = tcase_create(tests[i].name);

		tcase_set_timeout(tc, 60);
		tcase_add_test(tc, tests[i].t);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	return tu_run(suite());
}
