/*
 * graph.h - the dependency graph of a loaded log.
 *
 * bt_graph_load() maps a log (through bt_log), validates every record once,
 * and builds compact indexes over its events without copying them: for
 * every object the events that affect it (in-list) and the events it
 * causes (out-list), each sorted by time, as u32 references.  A reference
 * is opaque and increases in log order: for a version 2 log the event's
 * number (at most 4 G events), for version 1 its byte offset / 8.  Memory
 * beyond the mapping, version 2: 16 bytes per event (the references and,
 * beside them, each event's op and other end), some 30 bytes per object
 * and a copy of the object and label records; version 1: 8 bytes per
 * event.  No allocation per event.  Version 2 logs load on up to two
 * threads.
 *
 * When an index beside the log (graph/index.h, LOG.btx) is present and
 * matches the log, bt_graph_load() maps it instead of reading the log:
 * a question then reads only the pages it needs.
 *
 * It does not walk (walk.h) and does not print.
 */
#ifndef BT_GRAPH_H
#define BT_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/log.h"
#include "../core/record.h"

struct bt_graph;

/*
 * Load the log at `path`.  The caller owns *out (bt_graph_free()).
 * BT_ECORRUPT with the byte offset for a bad record, BT_EVERSION, BT_EIO,
 * BT_ENOMEM, BT_ELIMIT for a log too large for the index.
 */
int bt_graph_load(struct bt_graph **out, const char *path,
		  bt_progress_fn progress, void *arg);

/* Build the graph from an open log, never from an index; takes ownership
 * of `log` (closed by bt_graph_free(), also on error). */
int bt_graph_from_log(struct bt_graph **out, struct bt_log *log,
		      bt_progress_fn progress, void *arg);

void bt_graph_free(struct bt_graph *g);

/*
 * Take in what the graph's log committed since it was loaded (or last
 * extended): refreshes the log (bt_log_refresh(): the caller does not)
 * and adds the new events, objects and labels, including those committed
 * into the last block after it was read (a live log's last block grows in
 * place).  *added (may be NULL): events added.  Afterwards every accessor
 * answers exactly as bt_graph_load() of the log would (lists in time
 * order, ties in log order: an event earlier than those held goes to its
 * place, and bt_graph_time_ordered() becomes false).  Amortised O(1) per
 * event, no allocation per event; memory grows by about the load's per
 * event plus what the lists of extended objects keep in reserve.
 *
 * Every pointer an accessor returned before (lists, ends, strings,
 * records) is invalid after a call: ask again.
 *
 * Errors: BT_EVERSION for a version 1 log (load it again), the refresh's
 * (BT_ECORRUPT for a log that shrank or was rewritten, BT_EINVAL for a
 * log replaced by another file; the graph is then as before), a block
 * that does not decode (BT_ECORRUPT), BT_ENOMEM, BT_ELIMIT.  After an
 * error other than the refresh's, the graph may hold part of what was
 * added: it still answers for what it holds, but a later extension fails
 * (BT_EINVAL): load the log again.
 */
int bt_graph_extend(struct bt_graph *g, uint64_t *added);

/* Threads a version 2 load may use (1 or 2; 0: the default, 2 when the
 * machine has two processors).  For the benchmark. */
void bt_graph_set_threads(unsigned n);

/*
 * 0, or the first failure met while answering from the graph: a block of
 * the log or a chunk of its index that no longer checks (BT_ECORRUPT,
 * found when first read), or memory for the event cache (BT_ENOMEM).  The
 * accessors cannot fail one by one (bt_graph_event() returns false and a
 * zeroed event); a walk or an export that read the graph calls this and
 * refuses its result if it is not 0.  Sets the error message.
 */
int bt_graph_status(const struct bt_graph *g);

/* The underlying log (borrowed) and its warning (torn tail) or NULL. */
const struct bt_log *bt_graph_log(const struct bt_graph *g);

/*
 * What the capture of g's log lost (its drops notes summed, core/drops.h),
 * as the log is now: from an index, the summary it keeps and the blocks
 * after those it covers (the last block and any the log grew by);
 * otherwise a read of the whole log (bt_drops_read()).  BT_EINVAL when
 * g has no log, else bt_drops_read()'s errors.
 */
struct bt_drops;
int bt_graph_drops(const struct bt_graph *g, struct bt_drops *out);

/*
 * Whether g's log may have text notes before its first event, where a
 * case database's export puts its hosts and channel notes (dbgraph.h,
 * channel.h): false only when its index says it has none, so that those
 * readers skip the records before the first event (4 M objects in a
 * generated log of 1 G events: 0.2 s of each question).
 */
bool bt_graph_lead_notes(const struct bt_graph *g);
const char *bt_graph_warning(const struct bt_graph *g);

uint32_t bt_graph_nobjects(const struct bt_graph *g);  /* ids 1..n */
uint64_t bt_graph_nevents(const struct bt_graph *g);

/* Bytes the graph allocated beyond the mapping (for the benchmark). */
size_t bt_graph_memory(const struct bt_graph *g);
/* Of which the cache of decoded events (a version 2 log's): bounded (32 MiB
 * of events at most), it fills as walks read events, and a long-running
 * reader (btrack watch) holds it full. */
size_t bt_graph_cache_memory(const struct bt_graph *g);

enum bt_obj_kind bt_graph_kind(const struct bt_graph *g, uint32_t id);

/* What is known of an object.  Strings are borrowed from the graph (the
 * mapped log, its arena of object records, or its index; valid
 * until bt_graph_free() or bt_graph_extend()), NULL when unknown. */
struct bt_object_info {
	uint32_t id;
	enum bt_obj_kind kind;
	/* process */
	uint32_t pid, ppid, uid;
	uint64_t start;
	const char *exe;
	const char *argv;       /* NUL-separated, argv_len bytes */
	size_t argv_len;
	const char *comm;
	uint32_t inherited;     /* exe, argv and comm are those of this
	                           ancestor at the fork (the process never
	                           executed anything), or 0 */
	/* file */
	uint64_t dev, ino;
	uint32_t file_flags;
	const char *path;       /* filename: the path; file: the last path it
	                           was seen under; page/region: its file's;
	                           endpoint: the address */
	/* page, region */
	uint32_t file;          /* file object id */
	uint64_t page;          /* page: index; region: first page */
	uint64_t count;         /* region: pages */
	uint32_t process;       /* region: the mapping process */
	uint32_t prot;          /* region: BT_PROT_* */
};
int bt_graph_object(const struct bt_graph *g, uint32_t id,
		    struct bt_object_info *out);
/* The same from the object's own record only: kind, pid, ppid, uid (the
 * record's), start, dev, ino, file_flags, file, page, count, process,
 * prot, and a filename's or endpoint's path; no labels (exe, argv, comm,
 * a file's path: lists as long as the object is busy, read by
 * bt_graph_object() each time).  What a walk needs to place an object. */
int bt_graph_object_bare(const struct bt_graph *g, uint32_t id,
			 struct bt_object_info *out);

/* Every path a file was seen under, oldest first: calls fn for each. */
void bt_graph_file_paths(const struct bt_graph *g, uint32_t file,
			 void (*fn)(void *arg, const char *path, uint64_t time),
			 void *arg);

/* Every label of `key` an object has, oldest first (log order for equal
 * times): calls fn with the value (borrowed, `len` bytes and a NUL) and the
 * time it became true.  For a process, BT_LABEL_CRED gives its credential
 * changes ("uid=0 euid=0 ..."), BT_LABEL_EXE each program it executed. */
void bt_graph_labels(const struct bt_graph *g, uint32_t id, uint32_t key,
		     void (*fn)(void *arg, const char *value, size_t len,
				uint64_t time),
		     void *arg);

/* Files seen under a file's last path, numbered by the first time each was
 * seen there: *version is this file's number (1 ..), *versions how many
 * there are (0, 0 for a file with no path). */
void bt_graph_file_version(const struct bt_graph *g, uint32_t file,
			   uint32_t *version, uint32_t *versions);

/* Whether a file is btrack record's own preload library (by its name, and
 * nothing in the log wrote it): never a cause, the walks skip it. */
bool bt_graph_is_recorder(const struct bt_graph *g, uint32_t id);

/* Event lists, sorted by time (ties in log order).  *out is borrowed:
 * valid until bt_graph_extend() or bt_graph_free(). */
size_t bt_graph_in(const struct bt_graph *g, uint32_t id,
		   const uint32_t **out);
size_t bt_graph_out(const struct bt_graph *g, uint32_t id,
		    const uint32_t **out);
/*
 * Beside the lists, when the graph keeps them (version 2 logs, loaded or
 * mapped from an index, with fewer than 2^27 objects): for
 * each entry of bt_graph_in(id) / bt_graph_out(id), its op and the object
 * at the other end (the cause of an in-event, the effect of an out-event)
 * packed in a u32, so a walk reads events only where it needs their time.
 * NULL when not kept.  Borrowed, as the lists.
 */
const uint32_t *bt_graph_in_ends(const struct bt_graph *g, uint32_t id);
const uint32_t *bt_graph_out_ends(const struct bt_graph *g, uint32_t id);
/* bt_graph_out_ends() with the length of the list, for a reader that
 * needs the ends only: the references are not read (from an index, a
 * list of 2.7 M entries is 10 MB of pages and checksums).  0 and *out
 * NULL when the ends are not kept or the list is empty. */
size_t bt_graph_out_ends_n(const struct bt_graph *g, uint32_t id,
			   const uint32_t **out);
#define BT_END_OBJ_BITS 27
#define BT_END_OP(x) ((unsigned)((x) >> BT_END_OBJ_BITS))
#define BT_END_OBJ(x) ((uint32_t)(x) & ((UINT32_C(1) << BT_END_OBJ_BITS) - 1))

/*
 * Whether references are in time order (a version 2 log whose events are
 * in time order: then, for any list, an event is at or after time t iff its
 * reference is at least bt_graph_ref_at(t), and a time window is found
 * without reading events).  bt_graph_ref_at(): the first reference whose
 * event is at or after t (bt_graph_nevents() if none); reads one block.
 */
bool bt_graph_time_ordered(const struct bt_graph *g);
uint32_t bt_graph_ref_at(const struct bt_graph *g, uint64_t t);

/*
 * Copy the event a reference names into *out.  false (and *out zeroed,
 * the failure kept for bt_graph_status()) for a reference out of range or
 * a block of the log that does not decode.  Version 2 decodes the block
 * holding the event through a small cache of decoded blocks (a one-entry
 * fast path; reading a list in order decodes each block once): not
 * thread-safe on one graph.
 */
bool bt_graph_event(const struct bt_graph *g, uint32_t ref,
		    struct bt_rec_event *out);

/* Pages of a file (page object ids, by index), regions of a file
 * (borrowed, as the lists). */
size_t bt_graph_file_pages(const struct bt_graph *g, uint32_t file,
			   const uint32_t **out);
size_t bt_graph_file_regions(const struct bt_graph *g, uint32_t file,
			     const uint32_t **out);
/* Whether a file has page-level events (then object-level mmap events of
 * its shared mappings are ignored at page and vma granularity). */
bool bt_graph_file_has_pages(const struct bt_graph *g, uint32_t file);

/* Whether some page event went through a region (a monitored mapping
 * that was touched). */
bool bt_graph_region_has_pages(const struct bt_graph *g, uint32_t region);

/* Lookups for detection points.  BT_ENOTFOUND with a message if none. */
int bt_graph_find_file(const struct bt_graph *g, const char *path,
		       uint32_t *out);  /* latest file seen under path */
int bt_graph_find_filename(const struct bt_graph *g, const char *path,
			   uint32_t *out);
int bt_graph_find_process(const struct bt_graph *g, uint32_t pid,
			  uint64_t at, uint32_t *out);  /* at = 0: latest */
int bt_graph_find_page(const struct bt_graph *g, uint32_t file,
		       uint64_t index, uint32_t *out);
int bt_graph_find_endpoint(const struct bt_graph *g, const char *addr,
			   uint32_t *out);
/* Every endpoint with address `addr`, in id order: a log with local
 * addresses has one per connection end (core/ingest.c), a log without
 * one per address.  The caller owns *out (free()).  0, BT_ENOTFOUND,
 * BT_ENOMEM. */
int bt_graph_find_endpoints(const struct bt_graph *g, const char *addr,
			    uint32_t **out, size_t *n);

#endif
