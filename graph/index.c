/*
 * index.c - the index beside a log (see index.h; the format is in
 * man/btrack-log.5, INDEX FILE).
 *
 * Layout (little-endian, every section 64-byte aligned):
 *
 *   0       4096  header (struct ihdr), hcrc over it with hcrc = 0
 *   4096          the lists: in_refs, out_refs, in_side, out_side (nev
 *                 u32 each; the sides may be absent), written range by
 *                 range as the build makes them (bt_listsink: bounded
 *                 memory, sequential writes)
 *   ...           the other sections of struct bt_graph, in enum gsec
 *                 order, and the block table
 *   ...           per section, the CRC-32C of each chunk (u32)
 *
 * Reading maps the file, checks the header (magic, version, CRC, every
 * section inside the file, lengths that match the counts), opens the log
 * with the index's block table (bt_log_open_with_blocks(): the log's
 * block headers are not read) and compares the log with the identity the
 * header records.  Sections are then checked chunk by chunk when first
 * read (bt_index_check(), called by graph.c's accessors), except the
 * small block table and block starts, checked at open.
 *
 * It never prints.  Not thread-safe on one graph (nor is bt_graph_event()).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/crc32c.h"
#include "../core/drops.h"
#include "../core/error.h"
#include "../core/outfile.h"
#include "../core/record.h"
#include "../core/util.h"
#include "graph-int.h"
#include "index.h"

#define IDX_MAGIC "BTRKIDX"   /* 8 bytes with the NUL */
#define IDX_VERSION 1
#define IDX_HEADER 4096
/* Bytes each section checksum covers, as written (the header's chunk; a
 * reader takes any power of two from 4 KiB to 1 MiB: indexes written
 * before 2026-12 have 64 KiB).  A question's binary searches touch a
 * chunk per probe: at 64 KiB each probe checked 16 times the bytes the
 * smaller chunk does, for 0.1 % of the file in checksums at 4 KiB. */
#define IDX_CHUNK (UINT64_C(1) << 12)
#define IDX_ALIGN 64

#define IF_UNSORTED 0x1   /* the log's events are not in time order */
#define IF_SIDE     0x2   /* in_side and out_side are present */
#define IF_NO_LEAD  0x4   /* the log has an event, and no text note
                             before its first (bt_graph_lead_notes()) */

struct isec {
	uint64_t off, len;    /* bytes */
	uint64_t crc_off;     /* u32 per chunk of len */
};

struct ihdr {
	char magic[8];
	uint32_t version;
	uint32_t header_size;
	uint32_t hcrc;        /* CRC-32C of the 4096 header bytes, this 0 */
	uint32_t chunk;       /* IDX_CHUNK when written */
	/* the log */
	uint64_t log_created;
	uint64_t log_committed;
	uint32_t log_nblocks;
	uint32_t log_last_used;
	uint32_t log_last_crc;
	uint32_t flags;       /* IF_* */
	/* the graph */
	uint32_t n, npg, nrg, nlabs, npaths;
	uint32_t tail_labs1;  /* 1 + the labels of the log's last block the
	                         graph holds (graph-int.h, tail_labs): where
	                         an extension resumes when the log grew; 0:
	                         unknown (an index of an older btrack) */
	uint64_t nev;
	uint64_t data_len;    /* arena bytes */
	uint64_t file_size;
	struct isec sec[GS_COUNT];
	/* The log's drops notes (core/drops.h) summed over its blocks
	 * [0, drops_blocks1 - 1): all but the last, which a reader reads
	 * again with any blocks the log grew by (bt_graph_drops()).
	 * drops_blocks1 = 0: not kept (an index of an older btrack). */
	uint32_t drops_blocks1;
	uint32_t drops_notes, drops_unreadable, drops_ncauses;
	uint32_t drops_start_unknown, drops_pad;
	uint64_t drops_total, drops_other, drops_since, drops_until;
	uint64_t drops_start;
	struct {
		char name[BT_DROPS_NAME];
		uint64_t count;
	} drops_cause[BT_DROPS_CAUSES];
};

_Static_assert(sizeof(struct ihdr) <= IDX_HEADER, "index header too big");

static const char *const sec_names[GS_COUNT] = {
	"kind", "oflags", "off", "in_idx", "out_idx", "pg_idx", "rg_idx",
	"path_head", "attr_head", "in_refs", "out_refs", "pg", "rg", "labs",
	"by_path", "arena", "bfirst", "blocks", "in_side", "out_side",
};

struct bt_index {
	uint8_t *map;
	size_t size;
	struct ihdr h;
	char path[4096];
	uint8_t *ok[GS_COUNT];   /* bit per chunk: checked (in okmap) */
	uint8_t *okmap;          /* one anonymous mapping for them all */
	size_t oklen;
};

static enum bt_index_policy policy_set = BT_INDEX_AUTO;
static bool policy_given;

void bt_index_set_policy(enum bt_index_policy p)
{
	policy_set = p;
	policy_given = true;
}

static enum bt_index_policy policy(void)
{
	const char *e = getenv("BTRACK_INDEX");

	if (policy_given || !e)
		return policy_set;
	if (!strcmp(e, "always"))
		return BT_INDEX_ALWAYS;
	if (!strcmp(e, "never"))
		return BT_INDEX_NEVER;
	if (!strcmp(e, "off"))
		return BT_INDEX_OFF;
	return BT_INDEX_AUTO;
}

int bt_graph_from_index(const struct bt_graph *g)
{
	return g && g->idx;
}

void bt_index_free(struct bt_index *idx)
{
	if (!idx)
		return;
	if (idx->okmap)
		munmap(idx->okmap, idx->oklen);
	if (idx->map)
		munmap(idx->map, idx->size);
	free(idx);
}

/* ---- checking ------------------------------------------------------------ */

static int chunk_fail(const struct bt_graph *g, enum gsec sec, uint64_t c,
		      const char *what)
{
	char msg[512];

	snprintf(msg, sizeof(msg),
		 "index '%.400s' is damaged (%s, section %s, chunk %llu): "
		 "rebuild it with 'btrack log index' or remove it",
		 g->idx->path, what, sec_names[sec], (unsigned long long)c);
	bt_graph_fail(g, BT_ECORRUPT, msg);
	return bt_error_set(BT_ECORRUPT, "%s", msg);
}

int bt_index_check(const struct bt_graph *g, enum gsec sec, uint64_t off,
		   uint64_t len)
{
	struct bt_index *x = g->idx;
	const struct isec *s = &x->h.sec[sec];
	const uint64_t ch = x->h.chunk;
	uint64_t c, c0, c1;

	if (len == 0)
		return 0;
	if (off > s->len || len > s->len - off)
		return chunk_fail(g, sec, off / ch, "a read past its end");
	c0 = off / ch;
	c1 = (off + len - 1) / ch;
	while (c0 <= c1 && x->ok[sec][c0 / 8] & (1u << (c0 % 8)))
		c0++;
	if (c0 < c1) {
		/* Several chunks to read (a long list, a table read whole):
		 * ask for them at once.  The mapping is MADV_RANDOM, so each
		 * would otherwise be a read of its own from a cold cache. */
		uintptr_t pg = bt_page_size();
		uintptr_t a = (uintptr_t)(x->map + s->off + c0 * ch);
		uintptr_t e = (uintptr_t)(x->map + s->off +
					  (c1 * ch + ch < s->len ?
					   c1 * ch + ch : s->len));

		a &= ~(pg - 1);
		(void)madvise((void *)a, e - a, MADV_WILLNEED);
		/* and map them in one call: they are all read next, and
		 * each fault maps 16 pages (a list of 2 M entries took 120
		 * faults, tens of microseconds each here) */
#ifdef MADV_POPULATE_READ
		(void)madvise((void *)a, e - a, MADV_POPULATE_READ);
#endif
	}
	for (c = c0; c <= c1; c++) {
		uint64_t a = c * ch;
		uint64_t n = s->len - a < ch ? s->len - a : ch;
		uint32_t want;

		if (x->ok[sec][c / 8] & (1u << (c % 8)))
			continue;
		memcpy(&want, x->map + s->crc_off + c * 4, 4);
		if (bt_crc32c(0, x->map + s->off + a, n) != want)
			return chunk_fail(g, sec, c, "checksum mismatch");
		x->ok[sec][c / 8] |= (uint8_t)(1u << (c % 8));
	}
	return 0;
}

/* ---- writing ------------------------------------------------------------- */

/* The four list sections, in file order. */
static const enum gsec list_secs[4] = {
	GS_IN_REFS, GS_OUT_REFS, GS_IN_SIDE, GS_OUT_SIDE
};

struct builder {
	struct bt_outfile of;
	bool open;
	bool laid;             /* the lists' sections are placed */
	uint64_t lists_end;    /* file offset after them */
	uint64_t done[4];      /* bytes written of each (list_secs order) */
	uint32_t *crcs[4];     /* their chunks' CRC-32C, as written */
	uint32_t crc[4];       /* of the chunk being written */
	struct ihdr h;
};

static uint64_t align_up(uint64_t x)
{
	return (x + IDX_ALIGN - 1) & ~(uint64_t)(IDX_ALIGN - 1);
}

static int list_no(enum gsec s)
{
	int i;

	for (i = 0; i < 4; i++)
		if (list_secs[i] == s)
			return i;
	return -1;
}

/* The lists go first, each nev u32 (the ends only when ids fit). */
static int lay_lists(struct builder *b, const struct bt_graph *g)
{
	uint64_t one = align_up(g->nev ? g->nev * 4 : 4);
	uint64_t nc = (g->nev * 4 + IDX_CHUNK - 1) / IDX_CHUNK;
	bool side = !((uint64_t)g->n >> BT_END_OBJ_BITS);
	int i;

	if (b->laid)
		return 0;
	for (i = 0; i < (side ? 4 : 2); i++) {
		struct isec *x = &b->h.sec[list_secs[i]];

		x->off = IDX_HEADER + (uint64_t)i * one;
		x->len = g->nev * 4;
		if (!(b->crcs[i] = calloc(nc ? nc : 1, sizeof(uint32_t))))
			return bt_error_set(BT_ENOMEM, "out of memory");
	}
	b->lists_end = IDX_HEADER + (side ? 4 : 2) * one;
	b->laid = true;
	return 0;
}

static int pwrite_all(struct builder *b, const void *p, size_t n,
		      uint64_t off);

/* The sink of bt_graph_build(): entries [first, first + n) of a list,
 * each list's in order; written at once, their chunks' CRCs computed on
 * the way (a chunk may span two calls). */
static int write_list(void *ctx, const struct bt_graph *g, enum gsec sec,
		      uint64_t first, const uint32_t *p, uint64_t n)
{
	struct builder *b = ctx;
	int i = list_no(sec), r;
	const uint8_t *q = (const void *)p;
	uint64_t at, left;

	if ((r = lay_lists(b, g)))
		return r;
	if (i < 0 || !b->crcs[i] || first * 4 != b->done[i] ||
	    n * 4 > b->h.sec[sec].len - b->done[i])
		return bt_error_set(BT_EINVAL, "index lists out of order");
	at = b->h.sec[sec].off + b->done[i];
	if ((r = pwrite_all(b, p, n * 4, at)))
		return r;
	for (left = n * 4; left;) {
		uint64_t in = b->done[i] % IDX_CHUNK;
		uint64_t take = IDX_CHUNK - in < left ? IDX_CHUNK - in : left;

		b->crc[i] = bt_crc32c(b->crc[i], q, take);
		q += take;
		left -= take;
		b->done[i] += take;
		if (b->done[i] % IDX_CHUNK == 0 ||
		    b->done[i] == b->h.sec[sec].len) {
			b->crcs[i][(b->done[i] - 1) / IDX_CHUNK] = b->crc[i];
			b->crc[i] = 0;
		}
	}
	return 0;
}

static void builder_release(struct builder *b)
{
	int i;

	for (i = 0; i < 4; i++)
		free(b->crcs[i]);
}

static int pwrite_all(struct builder *b, const void *p, size_t n,
		      uint64_t off)
{
	const uint8_t *q = p;

	while (n) {
		ssize_t w = pwrite(b->of.fd, q, n > (1u << 30) ? 1u << 30 : n,
				   (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return bt_error_set_os(BT_EIO, "cannot write '%s'",
					bt_outfile_tmp_path(&b->of));
		q += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/* A section's bytes in the graph (the lists are in the mapping). */
static const void *sec_data(const struct bt_graph *g, enum gsec s,
			    uint64_t *len)
{
	uint64_t n2 = (uint64_t)g->n + 2;

	switch (s) {
	case GS_KIND: *len = n2; return g->kind;
	case GS_OFLAGS: *len = n2; return g->oflags;
	case GS_OFF: *len = n2 * 4; return g->off;
	case GS_IN_IDX: *len = n2 * 4; return g->in_idx;
	case GS_OUT_IDX: *len = n2 * 4; return g->out_idx;
	case GS_PG_IDX: *len = n2 * 4; return g->pg_idx;
	case GS_RG_IDX: *len = n2 * 4; return g->rg_idx;
	case GS_PATH_HEAD: *len = n2 * 4; return g->path_head;
	case GS_ATTR_HEAD: *len = n2 * 4; return g->attr_head;
	case GS_PG: *len = (uint64_t)g->npg * 4; return g->pg;
	case GS_RG: *len = (uint64_t)g->nrg * 4; return g->rg;
	case GS_LABS: *len = (uint64_t)g->nlabs * sizeof(struct lab);
		return g->labs;
	case GS_BY_PATH: *len = (uint64_t)g->npaths * 4; return g->by_path;
	case GS_ARENA: *len = g->data_len; return g->data;
	case GS_BFIRST: *len = ((uint64_t)g->nblocks + 1) * 4;
		return g->bfirst;
	case GS_BLOCKS: *len = (uint64_t)g->nblocks * sizeof(*g->blocks);
		return g->blocks;
	default: *len = 0; return NULL;
	}
}

/* Write everything but the lists after them, the CRCs, the header;
 * then commit (fsync, rename). */
static int finish_index(struct builder *b, const struct bt_graph *g)
{
	const struct bt_log_header *lh = bt_log_header(g->log);
	struct bt_log_blockinfo last;
	uint64_t pos, len;
	uint32_t *crcs = NULL;
	size_t crcs_cap = 0;
	int s, r, i;

	if ((r = lay_lists(b, g)))
		return r;
	for (i = 0; i < 4; i++)
		if (b->crcs[i] && b->done[i] != b->h.sec[list_secs[i]].len)
			return bt_error_set(BT_EINVAL,
				"index lists not all written");
	pos = b->lists_end;
	for (s = 0; s < GS_COUNT; s++) {
		const void *p = sec_data(g, (enum gsec)s, &len);

		if (s == GS_IN_REFS || s == GS_OUT_REFS || s == GS_IN_SIDE ||
		    s == GS_OUT_SIDE)
			continue;
		b->h.sec[s].off = pos;
		b->h.sec[s].len = len;
		if (len && (r = pwrite_all(b, p, len, pos)))
			goto out;
		pos = align_up(pos + len);
	}
	for (s = 0; s < GS_COUNT; s++) {
		struct isec *x = &b->h.sec[s];
		const uint8_t *p;
		uint64_t nc = (x->len + IDX_CHUNK - 1) / IDX_CHUNK, c;

		if (!x->len) {
			x->crc_off = pos;
			continue;
		}
		if ((i = list_no((enum gsec)s)) >= 0) {
			x->crc_off = pos;
			if ((r = pwrite_all(b, b->crcs[i], nc * 4, pos)))
				goto out;
			pos += nc * 4;
			continue;
		}
		p = sec_data(g, (enum gsec)s, &len);
		if (nc > crcs_cap &&
		    (r = bt_grow(&crcs, &crcs_cap, nc, sizeof(*crcs))))
			goto out;
		for (c = 0; c < nc; c++) {
			uint64_t a = c * IDX_CHUNK;
			uint64_t n = x->len - a < IDX_CHUNK ? x->len - a :
				     IDX_CHUNK;

			crcs[c] = bt_crc32c(0, p + a, n);
		}
		x->crc_off = pos;
		if ((r = pwrite_all(b, crcs, nc * 4, pos)))
			goto out;
		pos += nc * 4;
	}
	memcpy(b->h.magic, IDX_MAGIC, 8);
	b->h.version = IDX_VERSION;
	b->h.header_size = IDX_HEADER;
	b->h.chunk = (uint32_t)IDX_CHUNK;
	b->h.log_created = lh->created;
	b->h.log_committed = lh->committed;
	b->h.log_nblocks = g->nblocks;
	if (g->nblocks &&
	    !bt_log_block_info(g->log, g->nblocks - 1, &last)) {
		b->h.log_last_used = last.used;
		b->h.log_last_crc = last.crc;
	}
	{
		uint32_t tl;

		if (!bt_graph_tail_labels(g, &tl))
			b->h.tail_labs1 = tl + 1;
	}
	b->h.flags |= (g->unsorted ? IF_UNSORTED : 0) |
		      (b->crcs[2] ? IF_SIDE : 0);
	b->h.n = g->n;
	b->h.npg = g->npg;
	b->h.nrg = g->nrg;
	b->h.nlabs = g->nlabs;
	b->h.npaths = g->npaths;
	b->h.nev = g->nev;
	b->h.data_len = g->data_len;
	b->h.file_size = pos;
	{
		uint8_t page[IDX_HEADER];

		memset(page, 0, sizeof(page));
		b->h.hcrc = 0;
		memcpy(page, &b->h, sizeof(b->h));
		b->h.hcrc = bt_crc32c(0, page, sizeof(page));
		memcpy(page, &b->h, sizeof(b->h));
		if ((r = pwrite_all(b, page, sizeof(page), 0)))
			goto out;
	}
	if (ftruncate(b->of.fd, (off_t)pos)) {
		r = bt_error_set_os(BT_EIO, "cannot write '%s'",
				    bt_outfile_tmp_path(&b->of));
		goto out;
	}
	r = bt_outfile_commit(&b->of);
	if (!r)
		b->open = false;
out:
	free(crcs);
	return r;
}

/* Whether g's log has an event and no text note before its first: the
 * records before it decoded (a generated log of 1 G events has 4 M
 * objects there: 0.2 s a question that looked). */
static int lead_notes(struct builder *b, const struct bt_graph *g)
{
	size_t cap = bt_log_block_decoded_max(g->log), len, pos;
	const struct bt_rec_head *h;
	uint8_t *buf;
	uint32_t i;
	int r = 0;

	if (!(buf = malloc(cap)))
		return bt_error_set(BT_ENOMEM, "out of memory");
	for (i = 0; i < g->nblocks; i++) {
		if ((r = bt_log_block_decode(g->log, i, buf, cap, &len,
					     NULL)))
			break;
		for (pos = 0; (h = bt_log_block_rec(buf, len, &pos));) {
			if (h->type == BT_REC_EVENT) {
				b->h.flags |= IF_NO_LEAD;
				goto out;
			}
			if (h->type == BT_REC_NOTE &&
			    ((const struct bt_rec_note *)h)->key ==
			    BT_NOTE_TEXT)
				goto out;
		}
	}
out:
	free(buf);
	return r;
}

bool bt_graph_lead_notes(const struct bt_graph *g)
{
	return !(g->idx && (g->idx->h.flags & IF_NO_LEAD));
}

/* The drops notes of every block of g's log but the last, into the
 * header: a second read of those blocks, a tenth of a second per million
 * events, that spares each question reading them (bt_graph_drops()). */
static int keep_drops(struct builder *b, const struct bt_graph *g)
{
	struct bt_drops_scan sc;
	uint32_t nb = g->nblocks ? g->nblocks - 1 : 0, i;
	int r;

	bt_drops_scan_init(&sc);
	if ((r = bt_drops_scan_blocks(&sc, g->log, 0, nb)))
		return r;
	b->h.drops_blocks1 = nb + 1;
	b->h.drops_notes = sc.d.notes;
	b->h.drops_unreadable = sc.d.unreadable;
	b->h.drops_ncauses = sc.d.ncauses;
	b->h.drops_start_unknown = sc.start_unknown;
	b->h.drops_total = sc.d.total;
	b->h.drops_other = sc.d.other;
	b->h.drops_since = sc.d.since;
	b->h.drops_until = sc.d.until;
	b->h.drops_start = sc.start;
	for (i = 0; i < sc.d.ncauses && i < BT_DROPS_CAUSES; i++) {
		memcpy(b->h.drops_cause[i].name, sc.d.cause[i].name,
		       BT_DROPS_NAME);
		b->h.drops_cause[i].count = sc.d.cause[i].count;
	}
	return 0;
}

int bt_index_drops(const struct bt_graph *g, struct bt_drops_scan *sc,
		   uint32_t *from)
{
	const struct ihdr *h;
	uint32_t i;

	if (!g->idx || !g->idx->h.drops_blocks1)
		return 0;
	h = &g->idx->h;
	bt_drops_scan_init(sc);
	sc->d.notes = h->drops_notes;
	sc->d.unreadable = h->drops_unreadable;
	sc->d.ncauses = h->drops_ncauses;
	sc->start_unknown = h->drops_start_unknown != 0;
	sc->d.total = h->drops_total;
	sc->d.other = h->drops_other;
	sc->d.since = h->drops_since;
	sc->d.until = h->drops_until;
	sc->start = h->drops_start;
	if (sc->d.ncauses > BT_DROPS_CAUSES ||
	    h->drops_blocks1 - 1 > g->nblocks)
		return 0;
	for (i = 0; i < sc->d.ncauses; i++) {
		memcpy(sc->d.cause[i].name, h->drops_cause[i].name,
		       BT_DROPS_NAME);
		sc->d.cause[i].count = h->drops_cause[i].count;
	}
	if (!bt_drops_scan_valid(sc))
		return 0;
	*from = h->drops_blocks1 - 1;
	return 1;
}

static void index_path(char *out, size_t n, const char *log, const char *p)
{
	if (p)
		snprintf(out, n, "%s", p);
	else
		snprintf(out, n, "%s%s", log, BT_INDEX_SUFFIX);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Bytes of lists an index build keeps at a time (BTRACK_INDEX_MEM, in
 * MiB, or an eighth of the memory, at least 64 MiB). */
static uint64_t build_budget(void)
{
	const char *e = getenv("BTRACK_INDEX_MEM");
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	uint64_t m = pages > 0 && psz > 0 ?
		     (uint64_t)pages * (uint64_t)psz / 8 : 0;

	if (e && *e) {
		char *end;
		unsigned long long v = strtoull(e, &end, 10);

		if (!*end && v)
			return (uint64_t)v << 20;
	}
	return m > ((uint64_t)64 << 20) ? m : (uint64_t)64 << 20;
}

/* Load the log at `logp` writing its index at `ipath`: *out (may be
 * NULL: then freed) is the graph, with its lists when they fitted one
 * pass, else mapped from the index just written. */
static int build(struct bt_graph **out, const char *logp, const char *ipath,
		 bt_progress_fn progress, void *arg)
{
	struct builder b;
	struct bt_listsink sink = { write_list, &b, build_budget() };
	struct bt_graph *g = NULL;
	struct bt_log *log;
	char why[1024];
	int r;

	memset(&b, 0, sizeof(b));
	if ((r = bt_log_open(&log, logp)))
		return r;
	if (bt_log_version(log) < 2) {
		bt_log_close(log);
		return bt_error_set(BT_EVERSION,
			"'%s' is a version 1 log, which has no index: upgrade it first (btrack log upgrade)",
			logp);
	}
	if ((r = bt_outfile_open(&b.of, ipath, BT_OUTF_FORCE, 0644, NULL))) {
		bt_log_close(log);
		return r;
	}
	b.open = true;
	if ((r = bt_graph_build(&g, log, progress, arg, &sink)))
		goto fail;
	if ((r = keep_drops(&b, g)) || (r = lead_notes(&b, g)))
		goto fail;
	if ((r = finish_index(&b, g)))
		goto fail;
	builder_release(&b);
	if (out && !g->in_refs) {
		/* the lists were written in passes: map them */
		bt_graph_free(g);
		g = NULL;
		r = bt_index_load(&g, logp, ipath, why, sizeof(why));
		if (r < 0)
			return r;
		if (r == 0)
			return bt_error_set(BT_EIO, "%s", why[0] ? why :
					    "the index just written is missing");
	}
	if (out)
		*out = g;
	else
		bt_graph_free(g);
	return 0;
fail:
	bt_graph_free(g);
	if (b.open)
		bt_outfile_abort(&b.of);
	builder_release(&b);
	return r;
}

int bt_index_build(const char *log, const char *out, bt_progress_fn progress,
		   void *arg, struct bt_index_stats *st)
{
	char ipath[4096];
	struct bt_graph *g = NULL;
	struct stat sb;
	double t0 = now();
	int r;

	index_path(ipath, sizeof(ipath), log, out);
	if ((r = build(&g, log, ipath, progress, arg)))
		return r;
	if (st) {
		memset(st, 0, sizeof(*st));
		st->events = g->nev;
		st->objects = g->n;
		st->seconds = now() - t0;
		if (!stat(ipath, &sb))
			st->bytes = (uint64_t)sb.st_size;
	}
	bt_graph_free(g);
	return 0;
}

/* ---- reading ------------------------------------------------------------- */

static int bad(char *why, size_t n, const char *path, const char *what)
{
	snprintf(why, n, "index '%.400s' %s", path, what);
	return 0;
}

/* Map and check the header; 1, or 0 with *why. */
static int map_index(struct bt_index **out, const char *path, char *why,
		     size_t whylen)
{
	struct bt_index *x;
	struct stat sb;
	uint8_t page[IDX_HEADER];
	size_t okoff[GS_COUNT];
	uint32_t crc;
	int fd, s;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return bad(why, whylen, path, "cannot be opened");
	}
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) ||
	    (uint64_t)sb.st_size < IDX_HEADER) {
		close(fd);
		return bad(why, whylen, path, "is not an index");
	}
	if (!(x = calloc(1, sizeof(*x)))) {
		close(fd);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	snprintf(x->path, sizeof(x->path), "%s", path);
	x->size = (size_t)sb.st_size;
	x->map = mmap(NULL, x->size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (x->map == MAP_FAILED) {
		x->map = NULL;
		bt_index_free(x);
		return bad(why, whylen, path, "cannot be mapped");
	}
	(void)madvise(x->map, x->size, MADV_RANDOM);
	memcpy(&x->h, x->map, sizeof(x->h));
	memcpy(page, x->map, IDX_HEADER);
	memset(page + offsetof(struct ihdr, hcrc), 0, 4);
	crc = bt_crc32c(0, page, IDX_HEADER);
	if (memcmp(x->h.magic, IDX_MAGIC, 8) || x->h.version != IDX_VERSION ||
	    x->h.header_size != IDX_HEADER || x->h.hcrc != crc ||
	    x->h.chunk < 4096 || x->h.chunk > (1u << 20) ||
	    (x->h.chunk & (x->h.chunk - 1)) || x->h.file_size != x->size) {
		bt_index_free(x);
		return bad(why, whylen, path,
		    "is damaged or of another version (its header does not check)");
	}
	for (s = 0; s < GS_COUNT; s++) {
		const struct isec *q = &x->h.sec[s];
		uint64_t nc = (q->len + x->h.chunk - 1) / x->h.chunk;

		if (q->off % 8 || q->off > x->size ||
		    q->len > x->size - q->off || q->crc_off % 4 ||
		    q->crc_off > x->size || nc * 4 > x->size - q->crc_off) {
			bt_index_free(x);
			return bad(why, whylen, path,
			    "is damaged (a section outside the file)");
		}
		okoff[s] = x->oklen;
		x->oklen += (size_t)(nc / 8 + 1);
	}
	/* The bits, 750 KB for an index of 24 GB: zero pages of one
	 * mapping, only those a question sets are ever touched (calloc
	 * cleared them all, 90 page faults at each open). */
	x->okmap = mmap(NULL, x->oklen, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x->okmap == MAP_FAILED) {
		x->okmap = NULL;
		bt_index_free(x);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	for (s = 0; s < GS_COUNT; s++)
		x->ok[s] = x->okmap + okoff[s];
	*out = x;
	return 1;
}

/* Whether section lengths are those the counts give. */
static bool lengths_ok(const struct ihdr *h)
{
	uint64_t n2 = (uint64_t)h->n + 2, side = h->flags & IF_SIDE ?
		h->nev * 4 : 0;
	const struct isec *s = h->sec;

	return s[GS_KIND].len == n2 && s[GS_OFLAGS].len == n2 &&
	       s[GS_OFF].len == n2 * 4 && s[GS_IN_IDX].len == n2 * 4 &&
	       s[GS_OUT_IDX].len == n2 * 4 && s[GS_PG_IDX].len == n2 * 4 &&
	       s[GS_RG_IDX].len == n2 * 4 && s[GS_PATH_HEAD].len == n2 * 4 &&
	       s[GS_ATTR_HEAD].len == n2 * 4 &&
	       s[GS_IN_REFS].len == h->nev * 4 &&
	       s[GS_OUT_REFS].len == h->nev * 4 &&
	       s[GS_IN_SIDE].len == side && s[GS_OUT_SIDE].len == side &&
	       s[GS_PG].len == (uint64_t)h->npg * 4 &&
	       s[GS_RG].len == (uint64_t)h->nrg * 4 &&
	       s[GS_LABS].len == (uint64_t)h->nlabs * sizeof(struct lab) &&
	       s[GS_BY_PATH].len == (uint64_t)h->npaths * 4 &&
	       s[GS_ARENA].len == h->data_len &&
	       s[GS_BFIRST].len == ((uint64_t)h->log_nblocks + 1) * 4 &&
	       s[GS_BLOCKS].len == (uint64_t)h->log_nblocks *
				   sizeof(struct bt_log_blockinfo) &&
	       h->nev < UINT32_MAX && h->n < UINT32_MAX - 2 &&
	       h->npaths <= h->nlabs;
}

/* Whether the first `used` record bytes of the log's block `b` (which
 * grew since) are still those whose checksum was `crc` (the checksum of a
 * block extends over what is appended to it). */
static bool prefix_ok(const char *logpath, const struct bt_log_blockinfo *b,
		      uint32_t used, uint32_t crc)
{
	size_t n = BT_LOG_BLOCK_HEADER + (size_t)used;
	uint8_t *buf = malloc(n);
	ssize_t got = -1;
	int fd;

	if (!buf)
		return false;
	fd = open(logpath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		got = pread(fd, buf, n, (off_t)b->file_off);
		close(fd);
	}
	if (got != (ssize_t)n ||
	    bt_crc32c(0, buf + 8, n - 8) != crc) {
		free(buf);
		return false;
	}
	free(buf);
	return true;
}

int bt_index_load(struct bt_graph **out, const char *logpath,
		  const char *path, char *why, size_t whylen)
{
	struct bt_index *x = NULL;
	struct bt_graph *g = NULL;
	struct bt_log *log = NULL;
	struct bt_log_blockinfo last;
	const struct bt_log_header *lh;
	uint32_t i;
	bool grew;
	int r;

	*out = NULL;
	why[0] = '\0';
	if ((r = map_index(&x, path, why, whylen)) <= 0)
		return r;
	if (!lengths_ok(&x->h)) {
		bad(why, whylen, path,
		    "is damaged (section lengths do not match its counts)");
		goto no;
	}
	if (!(g = bt_graph_alloc())) {
		r = bt_error_set(BT_ENOMEM, "out of memory");
		goto fail;
	}
	g->idx = x;
#define SEC(s) ((void *)(x->map + x->h.sec[s].off))
	g->nblocks = x->h.log_nblocks;
	g->blocks = SEC(GS_BLOCKS);
	g->bfirst = SEC(GS_BFIRST);
	/* The block table and block starts (48 and 4 bytes per 64 KiB block
	 * of the log: 10 MB at a billion events) are checked where they are
	 * read, as the other sections: here their ends, which the log's open
	 * reads (bt_log_open_with_blocks() borrows the table and reads its
	 * last two entries); each block a question decodes is checked then
	 * (graph.c, cache_fill()). */
	i = g->nblocks > 2 ? g->nblocks - 2 : 0;
	if (bt_index_check(g, GS_BLOCKS, (uint64_t)i * sizeof(*g->blocks),
			   (uint64_t)(g->nblocks - i) * sizeof(*g->blocks)) ||
	    bt_index_check(g, GS_BFIRST, (uint64_t)g->nblocks * 4, 4) ||
	    g->bfirst[g->nblocks] != x->h.nev) {
		bad(why, whylen, path, "is damaged (its block table)");
		goto no_g;
	}
	if ((r = bt_log_open_with_blocks(&log, logpath, g->blocks,
					 g->nblocks))) {
		if (r != BT_ECORRUPT)
			goto fail_g;
		/* another log in its place (or damage, which reading the
		 * log alone then reports) */
		bad(why, whylen, path, "belongs to another log (its block "
		    "table does not match)");
		goto no_g;
	}
	lh = bt_log_header(log);
	if (bt_log_version(log) < 2 || lh->created != x->h.log_created) {
		bad(why, whylen, path, "belongs to another log");
		goto no_g;
	}
	/* A log that only grew since (appended to: the blocks the index
	 * covers are a prefix of the log's, the last of them the same up to
	 * where the index read it) is extended from the index below. */
	if (lh->committed < x->h.log_committed ||
	    bt_log_blocks(log) < x->h.log_nblocks) {
		bad(why, whylen, path,
		    "is stale (the log changed since it was written)");
		goto no_g;
	}
	grew = lh->committed != x->h.log_committed ||
	       bt_log_blocks(log) != x->h.log_nblocks;
	if (g->nblocks &&
	    (bt_log_block_info(log, g->nblocks - 1, &last) ||
	     last.used < x->h.log_last_used ||
	     (last.used == x->h.log_last_used &&
	      last.crc != x->h.log_last_crc) ||
	     (last.used != x->h.log_last_used &&
	      !prefix_ok(logpath, &last, x->h.log_last_used,
			 x->h.log_last_crc)))) {
		bad(why, whylen, path,
		    "is stale (the log's last block changed)");
		goto no_g;
	}
	if (grew && !x->h.tail_labs1) {
		bad(why, whylen, path,
		    "is stale (the log grew since it was written)");
		goto no_g;
	}
	g->log = log;
	log = NULL;
	g->version = 2;
	g->n = x->h.n;
	g->nev = x->h.nev;
	g->npg = x->h.npg;
	g->nrg = x->h.nrg;
	g->nlabs = x->h.nlabs;
	g->npaths = x->h.npaths;
	g->data_len = x->h.data_len;
	g->unsorted = x->h.flags & IF_UNSORTED;
	g->kind = SEC(GS_KIND);
	g->oflags = SEC(GS_OFLAGS);
	g->off = SEC(GS_OFF);
	g->in_idx = SEC(GS_IN_IDX);
	g->out_idx = SEC(GS_OUT_IDX);
	g->pg_idx = SEC(GS_PG_IDX);
	g->rg_idx = SEC(GS_RG_IDX);
	g->path_head = SEC(GS_PATH_HEAD);
	g->attr_head = SEC(GS_ATTR_HEAD);
	g->in_refs = SEC(GS_IN_REFS);
	g->out_refs = SEC(GS_OUT_REFS);
	if (x->h.flags & IF_SIDE) {
		g->in_side = SEC(GS_IN_SIDE);
		g->out_side = SEC(GS_OUT_SIDE);
	}
	g->pg = SEC(GS_PG);
	g->rg = SEC(GS_RG);
	g->labs = SEC(GS_LABS);
	g->by_path = SEC(GS_BY_PATH);
	g->data = SEC(GS_ARENA);
	g->cap = (size_t)g->n + 2;
#undef SEC
	if ((r = bt_graph_cache_init(g)))
		goto fail_g;
	if (grew) {
		g->tail_labs = x->h.tail_labs1 - 1;
		g->tail_known = true;
		if ((r = bt_graph_extend_loaded(g, NULL))) {
			if (r == BT_ENOMEM)
				goto fail_g;
			snprintf(why, whylen, "index '%.400s' is stale and could "
				 "not be extended (%.400s)", path,
				 bt_error_msg());
			goto no_g;
		}
	}
	*out = g;
	return 1;
no_g:
	bt_log_close(log);
	bt_graph_free(g);   /* frees x */
	return 0;
fail_g:
	bt_log_close(log);
	bt_graph_free(g);
	return r;
no:
	bt_index_free(x);
	return 0;
fail:
	bt_index_free(x);
	return r;
}

/* ---- bt_graph_load() ------------------------------------------------------ */

static bool dir_writable(const char *path)
{
	char dir[4096], *s;

	snprintf(dir, sizeof(dir), "%s", path);
	s = strrchr(dir, '/');
	if (!s)
		return access(".", W_OK) == 0;
	if (s == dir)
		s[1] = '\0';
	else
		*s = '\0';
	return access(dir, W_OK) == 0;
}

/* Whether an index that g was mapped from and extended (its log grew
 * since it was written) should be written again: the policy writes
 * indexes, the log is closed, the directory writable, and the log grew
 * by an eighth of the events the index holds or a million (always: by
 * any).  Each question extends an old index by all the log grew by. */
static bool rewrite(const struct bt_graph *g, enum bt_index_policy pol,
		    const char *ipath)
{
	uint64_t more;

	if (!g->ext || !g->idx ||
	    (pol != BT_INDEX_AUTO && pol != BT_INDEX_ALWAYS) ||
	    !(bt_log_header(g->log)->flags & BT_LOGF_CLOSED) ||
	    !dir_writable(ipath) || g->nev < g->idx->h.nev)
		return false;
	more = g->nev - g->idx->h.nev;
	if (pol == BT_INDEX_ALWAYS)
		return more > 0;
	return more >= BT_INDEX_AUTO_EVENTS || more * 8 >= g->idx->h.nev;
}

int bt_graph_load(struct bt_graph **out, const char *path,
		  bt_progress_fn progress, void *arg)
{
	enum bt_index_policy pol = policy();
	struct bt_graph *g = NULL;
	struct bt_log *log;
	char ipath[4096], why[1024], why2[1024];
	bool write;
	int r;

	*out = NULL;
	why[0] = '\0';
	index_path(ipath, sizeof(ipath), path, NULL);
	if (pol != BT_INDEX_OFF) {
		if ((r = bt_index_load(&g, path, ipath, why, sizeof(why))) < 0)
			return r;
		if (r == 1 && !rewrite(g, pol, ipath)) {
			*out = g;
			return 0;
		}
		if (r == 1) {
			/* the log grew much since: write the index again,
			 * so that later questions need not extend it */
			uint64_t more = g->nev - g->idx->h.nev;

			bt_graph_free(g);
			g = NULL;
			if ((r = build(&g, path, ipath, progress, arg)) == 0) {
				snprintf(g->warning, sizeof(g->warning),
					 "index '%.400s' held %llu events "
					 "fewer than the log: rewritten", ipath,
					 (unsigned long long)more);
				*out = g;
				return 0;
			}
			if (r == BT_ECORRUPT || r == BT_EVERSION ||
			    r == BT_ELIMIT)
				return r;
			/* cannot write it: use it as it is */
			snprintf(why, sizeof(why), "%.500s", bt_error_msg());
			if ((r = bt_index_load(&g, path, ipath, why2,
					       sizeof(why2))) < 0)
				return r;
			if (r == 1) {
				snprintf(g->warning, sizeof(g->warning),
					 "cannot rewrite the index '%.200s': "
					 "%.200s", ipath, why);
				*out = g;
				return 0;
			}
			why[0] = '\0';
		}
	}
	if ((r = bt_log_open(&log, path)))
		return r;
	write = pol == BT_INDEX_ALWAYS || pol == BT_INDEX_AUTO;
	if (bt_log_version(log) < 2 ||
	    !(bt_log_header(log)->flags & BT_LOGF_CLOSED) ||
	    !dir_writable(ipath))
		write = false;
	if (write && pol == BT_INDEX_AUTO && !why[0]) {
		struct bt_log_blockinfo last;
		uint32_t nb = bt_log_blocks(log);

		/* a small log loads in milliseconds: no index */
		if (!nb || bt_log_block_info(log, nb - 1, &last) ||
		    last.first_event + last.nevents < BT_INDEX_AUTO_EVENTS)
			write = false;
	}
	if (!write) {
		if ((r = bt_graph_from_log(&g, log, progress, arg)))
			return r;
		if (why[0] && pol != BT_INDEX_OFF)
			snprintf(g->warning, sizeof(g->warning),
				 "%.450s: not used, the log was read instead",
				 why);
		*out = g;
		return 0;
	}
	bt_log_close(log);
	if ((r = build(&g, path, ipath, progress, arg))) {
		/* could not write it: read the log alone */
		if (r == BT_ECORRUPT || r == BT_EVERSION || r == BT_ELIMIT)
			return r;
		if ((r = bt_log_open(&log, path)) ||
		    (r = bt_graph_from_log(&g, log, progress, arg)))
			return r;
		snprintf(g->warning, sizeof(g->warning),
			 "%.200s%scannot write the index '%.100s': %.100s", why,
			 why[0] ? "; " : "", ipath, bt_error_msg());
		*out = g;
		return 0;
	}
	if (why[0])
		snprintf(g->warning, sizeof(g->warning),
			 "%.450s: rebuilt it from the log", why);
	*out = g;
	return 0;
}
