/*
 * pagering.c - the consumer side of the page-event ring (capture/pagering.h):
 * create the ring in a memfd for `btrack record`, and drain it.
 *
 * The producers are the LD_PRELOAD page monitor (capture/preload/pagemon.c)
 * inside the traced processes, which can scribble anything over the ring.
 * So the consumer keeps its own copy of everything that matters (the size,
 * its tail) and reads the shared memory only to copy a slot out, then
 * validates the copy.  It never writes anything but the tail (for the
 * producers' benefit) and never blocks.  The protocol is in pagering.h.
 *
 * The memfd is created without close-on-exec, so the command started by the
 * recorder inherits it; the recorder may set FD_CLOEXEC itself once the
 * command runs if it execs anything else.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "pagering.h"
#include "../core/error.h"

#define RING_MAX_SLOTS (1u << 24)
#define RING_MIN_SLOTS 2u
/* How long a reserved but unpublished slot is waited for before it is
 * counted as a hole.  A producer publishes within microseconds unless it was
 * stopped (by a signal or the tracer) right in between. */
#define HOLE_GRACE_NS 500000000ull

struct bt_pagering {
	int fd;
	void *map;
	size_t maplen;
	uint32_t nslots;        /* private copy: never reread from the ring */
	uint64_t tail;          /* private copy of the consumer's position */
	uint64_t hole_ticket;   /* ticket first seen unpublished, or ~0 */
	uint64_t hole_since;    /* CLOCK_MONOTONIC ns when it was first seen */
	struct bt_pagering_stats st;
};

_Static_assert(sizeof(struct bt_pagering_hdr) == 128, "ring header size");
_Static_assert(sizeof(struct bt_raw) == 64, "raw record size");

static struct bt_pagering_hdr *hdr(const struct bt_pagering *r)
{
	return r->map;
}

static struct bt_pagering_slot *slot(const struct bt_pagering *r,
				     uint64_t t)
{
	struct bt_pagering_slot *s = (void *)((char *)r->map +
					      sizeof(struct bt_pagering_hdr));
	return &s[t & (r->nslots - 1)];
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int bt_pagering_create(struct bt_pagering **out, uint32_t nslots,
		       int *out_fd)
{
	struct bt_pagering *r;
	struct bt_pagering_hdr *h;
	uint32_t n = RING_MIN_SLOTS;
	int err;

	*out = NULL;
	*out_fd = -1;
	if (nslots > RING_MAX_SLOTS)
		return bt_error_set(BT_EINVAL,
				    "page ring of %u slots is too large (max %u)",
				    nslots, RING_MAX_SLOTS);
	while (n < nslots)
		n <<= 1;
	r = calloc(1, sizeof(*r));
	if (!r)
		return bt_error_set(BT_ENOMEM, "out of memory");
	r->nslots = n;
	r->hole_ticket = ~0ull;
	r->maplen = sizeof(struct bt_pagering_hdr) +
		    (size_t)n * sizeof(struct bt_pagering_slot);
	/* No MFD_CLOEXEC: the traced command inherits the fd. */
	r->fd = memfd_create("btrack-pagering", MFD_ALLOW_SEALING);
	if (r->fd < 0) {
		err = bt_error_set_os(BT_EIO, "cannot create the page ring");
		goto fail_free;
	}
	if (ftruncate(r->fd, (off_t)r->maplen) < 0) {
		err = bt_error_set_os(BT_EIO, "cannot size the page ring");
		goto fail_close;
	}
	/* A traced program holds the fd: sealed, it cannot shrink the file
	 * under our mapping (which would SIGBUS the recorder). */
	if (fcntl(r->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
		  F_SEAL_SEAL) < 0) {
		err = bt_error_set_os(BT_EIO, "cannot seal the page ring");
		goto fail_close;
	}
	r->map = mmap(NULL, r->maplen, PROT_READ | PROT_WRITE, MAP_SHARED,
		      r->fd, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		err = bt_error_set_os(BT_EIO, "cannot map the page ring");
		goto fail_close;
	}
	h = hdr(r);
	h->version = BT_PAGERING_VERSION;
	h->nslots = n;
	/* The magic last: a producer that sees it sees the rest. */
	__atomic_store_n(&h->magic, BT_PAGERING_MAGIC, __ATOMIC_RELEASE);
	*out = r;
	*out_fd = r->fd;
	return 0;

fail_close:
	close(r->fd);
fail_free:
	free(r);
	return err;
}

static bool raw_is_valid(const struct bt_raw *raw)
{
	if (raw->op != BT_RAW_PAGE_READ && raw->op != BT_RAW_PAGE_WRITE)
		return false;
	if (raw->len != sizeof(struct bt_raw) || raw->nstr != 0)
		return false;
	return raw->pid != 0 && raw->time != 0;
}

/*
 * Has a producer published a ticket after the tail's?  Evidence that the
 * tail slot is a hole or scribble rather than one being filled right now.
 * Without it the consumer waits: a head scribbled far ahead must not make
 * it skip slots that honest producers will still fill, or run its tail past
 * theirs (they would then drop everything).  At most nslots loads.
 */
static bool later_published(const struct bt_pagering *r, uint64_t head)
{
	uint64_t t, end = head - r->tail > r->nslots ? r->tail + r->nslots :
		head;

	for (t = r->tail + 1; t < end; t++)
		if (__atomic_load_n(&slot(r, t)->seq, __ATOMIC_ACQUIRE) ==
		    t + 1)
			return true;
	return false;
}

/* Skip the slot at the tail (a hole or a rejected slot). */
static void advance(struct bt_pagering *r)
{
	r->tail++;
	r->hole_ticket = ~0ull;
	__atomic_store_n(&hdr(r)->tail, r->tail, __ATOMIC_RELEASE);
}

/*
 * The header as only the consumer and honest producers leave it: magic,
 * version and nslots as created, tail the consumer's own, head at most
 * nslots past it (a producer reserves only while head - tail < nslots, and
 * the tail it reads is never ahead of ours) and never behind it (we only
 * advance up to head).  Anything else was written by the traced program:
 * put back what we know, and move a head that runs ahead to just past the
 * last slot published in the ring's window, so that honest producers can
 * reserve again.  Returns whether something had to be repaired.
 */
static bool repair_header(struct bt_pagering *r)
{
	struct bt_pagering_hdr *h = hdr(r);
	__u64 head;
	uint64_t t, top;
	bool bad = false;

	if (__atomic_load_n(&h->magic, __ATOMIC_RELAXED) != BT_PAGERING_MAGIC ||
	    __atomic_load_n(&h->version, __ATOMIC_RELAXED) !=
	    BT_PAGERING_VERSION ||
	    __atomic_load_n(&h->nslots, __ATOMIC_RELAXED) != r->nslots) {
		__atomic_store_n(&h->version, BT_PAGERING_VERSION,
				 __ATOMIC_RELAXED);
		__atomic_store_n(&h->nslots, r->nslots, __ATOMIC_RELAXED);
		__atomic_store_n(&h->magic, BT_PAGERING_MAGIC,
				 __ATOMIC_RELEASE);
		bad = true;
	}
	if (__atomic_load_n(&h->tail, __ATOMIC_ACQUIRE) != r->tail) {
		__atomic_store_n(&h->tail, r->tail, __ATOMIC_RELEASE);
		bad = true;
	}
	head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
	if (head < r->tail) {
		/* behind: producers move it up themselves; so do we */
		__atomic_compare_exchange_n(&h->head, &head, r->tail, false,
					    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
		bad = true;
	} else if (head - r->tail > r->nslots) {
		top = r->tail;
		for (t = r->tail; t < r->tail + r->nslots; t++)
			if (__atomic_load_n(&slot(r, t)->seq,
					    __ATOMIC_ACQUIRE) == t + 1)
				top = t + 1;
		__atomic_compare_exchange_n(&h->head, &head, top, false,
					    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
		bad = true;
	}
	return bad;
}

int bt_pagering_drain(struct bt_pagering *r, bool final,
		      int (*fn)(void *arg, const struct bt_raw *raw),
		      void *arg)
{
	struct bt_pagering_hdr *h = hdr(r);
	/* Bound the work of one call: at most one lap of the ring.  Honest
	 * producers never have more than nslots slots reserved, so one lap
	 * reaches every published one. */
	uint64_t budget = r->nslots;
	int err = 0;

	if (repair_header(r))
		r->st.header++;
	while (budget--) {
		struct bt_pagering_slot *s = slot(r, r->tail);
		struct bt_raw raw;
		uint64_t head, seq, seq2;

		seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		/* A producer reserves (head) before it publishes (seq), so a
		 * published slot lies below head; a seq that says otherwise
		 * was scribbled, and following it would run the tail past
		 * the producers.  A head more than a lap ahead was scribbled
		 * after the repair above: wait for the next call. */
		head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
		if (head <= r->tail || head - r->tail > r->nslots)
			break;
		if (seq == r->tail + 1) {
			memcpy(&raw, &s->raw, sizeof(raw));
			/* A producer (or a scribbler) that rewrote the slot
			 * while we copied it changed seq or left garbage that
			 * the validation below rejects. */
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			seq2 = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
			advance(r);
			if (seq2 != seq || !raw_is_valid(&raw)) {
				r->st.invalid++;
				continue;
			}
			r->st.events++;
			err = fn(arg, &raw);
			if (err)
				break;
			continue;
		}
		/* Not published, though reserved.  An honest unpublished
		 * slot still holds the seq of an earlier lap (or 0, never
		 * used): anything else is scribble, rejected as soon as a
		 * later slot shows the producers are past it. */
		if (seq != 0 && (seq > r->tail ||
				 ((r->tail + 1 - seq) & (r->nslots - 1)))) {
			if (!final && !later_published(r, head))
				break;
			r->st.bad_seq++;
			advance(r);
			continue;
		}
		if (final) {
			r->st.holes++;
			advance(r);
			continue;
		}
		if (r->hole_ticket != r->tail) {
			r->hole_ticket = r->tail;
			r->hole_since = mono_ns();
			break;
		}
		if (mono_ns() - r->hole_since < HOLE_GRACE_NS ||
		    !later_published(r, head))
			break;
		r->st.holes++;
		advance(r);
	}
	return err;
}

void bt_pagering_stats(const struct bt_pagering *r,
		       struct bt_pagering_stats *out)
{
	const struct bt_pagering_hdr *h;

	memset(out, 0, sizeof(*out));
	if (!r)
		return;
	h = hdr(r);
	*out = r->st;
	/* The producers' counters live in memory the traced program can
	 * write: claims, kept apart from the consumer's own counts. */
	out->claimed_dropped = __atomic_load_n(&h->dropped, __ATOMIC_RELAXED);
	out->claimed_faults = __atomic_load_n(&h->faults, __ATOMIC_RELAXED);
	out->claimed_unmonitored = __atomic_load_n(&h->unmonitored,
						   __ATOMIC_RELAXED);
}

void bt_pagering_position(const struct bt_pagering *r, uint64_t *tail,
			  uint64_t *head)
{
	uint64_t h = __atomic_load_n(&hdr(r)->head, __ATOMIC_ACQUIRE);

	*tail = r->tail;
	*head = h < r->tail ? r->tail : h - r->tail > r->nslots ?
		r->tail + r->nslots : h;
}

void bt_pagering_free(struct bt_pagering *r)
{
	if (!r)
		return;
	if (r->map)
		munmap(r->map, r->maplen);
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}
