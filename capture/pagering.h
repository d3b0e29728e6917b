/*
 * pagering.h - the ring through which the page monitor (the LD_PRELOAD
 * library capture/preload/, loaded into every traced process) hands page
 * events to `btrack record`.
 *
 * The recorder creates the ring (a memfd, MAP_SHARED) before it starts the
 * command and passes its fd number in the environment (BT_PAGERING_ENV,
 * inherited across fork and exec; the fd is not close-on-exec).  Every
 * traced process maps it and is a producer; the recorder is the only
 * consumer.  Slots are fixed size and hold one struct bt_raw (no strings):
 * op BT_RAW_PAGE_READ / BT_RAW_PAGE_WRITE, pid, tid, time, dev, ino, arg =
 * page index in the file, arg2 = the mapping's first page in the file and
 * arg32 = its length in pages (saturated).
 *
 * Protocol (multi-producer, single consumer):
 *   producer: t = fetch_add(&head, 1); if t - tail >= nslots: fetch_add
 *   (&dropped, 1), done (the ring is full: drop, never block).  Otherwise
 *   fill slot[t & mask].raw, then store-release slot.seq = t + 1.
 *   consumer: for t from tail: s = slot[t & mask]; load-acquire s.seq; if
 *   s.seq != t + 1 the slot is not published yet (stop, retry later) or
 *   garbage; copy the raw record out, validate it, then store-release
 *   tail = t + 1.
 * A producer that dies between the fetch_add and the publish leaves a hole;
 * the consumer skips a hole that stays unpublished for longer than a grace
 * period (or at the end of recording) and counts it as dropped.
 *
 * The traced program can write anything into this memory: the consumer
 * trusts nothing it reads from the ring (head, tail, seq, raw fields) until
 * it has checked it, never follows a length or index it did not bound, and
 * counts slots it rejects.
 *
 * Producers reserve with a compare-and-swap on head (load head h; if h -
 * tail >= nslots drop; else CAS head h -> h+1), which is the fetch_add
 * above without burning a ticket on a drop: a burnt ticket would be a hole
 * the consumer has to wait out.  Consumers do not depend on which of the
 * two a producer uses (a burnt ticket is skipped as a hole).  A producer
 * that finds tail ahead of head (head was scribbled) moves head up to tail
 * with a CAS before reserving, so the ring recovers.
 */
#ifndef BT_PAGERING_H
#define BT_PAGERING_H

#include <stdint.h>

#include "../core/raw.h"
#include "../core/record.h"

#define BT_PAGERING_ENV "BTRACK_PAGERING_FD"
#define BT_PAGERING_SLICE_ENV "BTRACK_SLICE_NS"  /* re-arm period, ns */
#define BT_PAGERING_MAGIC 0x474e495245474150ULL /* "PAGERING" */
#define BT_PAGERING_VERSION 1

struct bt_pagering_hdr {
	__u64 magic;
	__u32 version;
	__u32 nslots;        /* power of two */
	__u64 head;          /* next ticket, producers */
	__u64 tail;          /* next ticket to read, consumer */
	__u64 dropped;       /* producers: ring full */
	__u64 faults;        /* producers: page faults handled */
	__u64 static_bins;   /* producers: unused, reserved */
	__u64 unmonitored;   /* producers: MAP_SHARED file mappings left
	                        unmonitored (table full, no memory) */
	__u64 pad[8];        /* to 128 bytes */
};

struct bt_pagering_slot {
	__u64 seq;           /* ticket + 1 once published */
	struct bt_raw raw;
};

#ifndef __KERNEL__
#include <stdbool.h>

struct bt_pagering;

struct bt_pagering_stats {
	/* Counted by the consumer (the recorder's own memory): */
	uint64_t events;     /* delivered to the callback */
	uint64_t invalid;    /* published slots whose record the consumer
	                        rejected (op, len, nstr, pid or time 0, or
	                        rewritten while it was copied) */
	uint64_t bad_seq;    /* slots with a sequence number no producer
	                        writes (scribbled), skipped */
	uint64_t holes;      /* slots never published (a producer died) */
	uint64_t header;     /* drains that found the header scribbled (head
	                        or tail impossible, magic, version or nslots
	                        changed) and repaired it */
	/* Read from the ring header, which the traced program can write:
	 * what the producers claim, never verified, reported as such. */
	uint64_t claimed_dropped;     /* ring full */
	uint64_t claimed_faults;      /* page faults handled */
	uint64_t claimed_unmonitored; /* shared mappings the producers could
	                                 not monitor (see the header field) */
};

/* Create a ring of `nslots` (rounded up to a power of two) in a memfd.
 * *out_fd is the fd to pass to children (owned by the ring; closed by
 * bt_pagering_free()).  The caller owns *out. */
int bt_pagering_create(struct bt_pagering **out, uint32_t nslots,
		       int *out_fd);

/*
 * Deliver every published slot to fn, oldest first, after validating it
 * (op is PAGE_READ or PAGE_WRITE, len and nstr those of a page record, pid
 * nonzero, time nonzero).  The callback sees a private copy and checks what
 * only the caller knows (the pid is traced, the time inside the recording,
 * the file mapped).  fn returns 0 or a negative bt_error, which stops the
 * drain and is returned.  With `final`, unpublished holes are skipped and
 * counted (end of recording).  Never trusts the shared memory: see the
 * protocol above.  A header whose head or tail no producer could have
 * written (head more than nslots past the consumer's tail, or behind it;
 * tail not the consumer's) is repaired and counted; so are a changed
 * magic, version or nslots.  One call does a bounded amount of work.
 */
int bt_pagering_drain(struct bt_pagering *r, bool final,
		      int (*fn)(void *arg, const struct bt_raw *raw),
		      void *arg);

void bt_pagering_stats(const struct bt_pagering *r,
		       struct bt_pagering_stats *out);

/* Where the consumer is (*tail: every ticket below it was delivered or
 * counted) and the head the producers have reached, as far as it can be
 * believed (clamped to [*tail, *tail + nslots]).  A record reserved now
 * has a ticket below *head: once *tail reaches it, it has been seen. */
void bt_pagering_position(const struct bt_pagering *r, uint64_t *tail,
			  uint64_t *head);

void bt_pagering_free(struct bt_pagering *r);
#endif

#endif
