/*
 * ingest.c - observations to objects and events (see ingest.h for the
 * rules; the dependency table is in DESIGN.md and man/btrack-log.5).
 *
 * State, all interned once per new thing and never allocated per event:
 *  - pids: pid -> index in procs[] of the live process with that pid; exit
 *    clears it, so a reused pid makes a new process.
 *  - paths: every path seen -> index in paths[]; each path knows the file
 *    bound to it now (0 after unlink or rename away) and its filename
 *    object, which exists only once the name was modified (created,
 *    renamed, linked, unlinked): "modified" is exactly "has a filename".
 *  - pair maps keyed by two u64s: files by (dev, ino), pages by (file,
 *    index), regions by (process, file), and the (file, path) pairs already
 *    labelled with BT_LABEL_PATH.
 *  - endpoints by address.
 *  - per real file (one with a (dev, ino)): its inode and how many paths
 *    are bound to it.  When its last path goes (unlink, or a rename away)
 *    its (dev, ino) is forgotten, so a file that later gets the same inode
 *    number (inodes are reused) is a new file, not the deleted one.  A
 *    file reached through another hard link after that becomes a new file
 *    too: the lesser error, since hard links are rare and inode reuse of
 *    temporary files is constant.
 * Each observation's records are appended and then committed together, so
 * a reader never sees half of one.  Argument checks happen before anything
 * is appended: a rejected observation leaves the log as it was.
 *
 * This module does not parse any source format and does not order events
 * by time: it writes them in the order they are added.
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "hash.h"
#include "ingest.h"
#include "util.h"

/* ---- a map from (u64, u64) to u32 ------------------------------------- */

struct pairmap {
	uint64_t *a, *b;
	uint32_t *vals;
	uint8_t *occ;          /* 1 if the slot holds a key */
	size_t cap, used;
};

static uint64_t pair_hash(uint64_t a, uint64_t b)
{
	return bt_hash_u64(a ^ bt_hash_u64(b + 0x9e3779b97f4a7c15ULL));
}

static size_t pair_slot(const struct pairmap *m, uint64_t a, uint64_t b)
{
	size_t mask = m->cap - 1, i;

	for (i = pair_hash(a, b) & mask; m->occ[i]; i = (i + 1) & mask)
		if (m->a[i] == a && m->b[i] == b)
			break;
	return i;
}

static uint32_t pair_get(const struct pairmap *m, uint64_t a, uint64_t b)
{
	size_t i;

	if (!m->cap)
		return 0;
	i = pair_slot(m, a, b);
	return m->occ[i] ? m->vals[i] : 0;
}

static int pair_grow(struct pairmap *m)
{
	struct pairmap n = { 0 };
	size_t i, j;

	n.cap = m->cap ? m->cap * 2 : 64;
	if (n.cap < m->cap || n.cap > SIZE_MAX / sizeof(uint64_t))
		return bt_error_set(BT_ENOMEM, "map too large");
	n.a = malloc(n.cap * sizeof(*n.a));
	n.b = malloc(n.cap * sizeof(*n.b));
	n.vals = malloc(n.cap * sizeof(*n.vals));
	n.occ = calloc(n.cap, 1);
	if (!n.a || !n.b || !n.vals || !n.occ) {
		free(n.a);
		free(n.b);
		free(n.vals);
		free(n.occ);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	for (i = 0; i < m->cap; i++) {
		if (!m->occ[i])
			continue;
		j = pair_slot(&n, m->a[i], m->b[i]);
		n.a[j] = m->a[i];
		n.b[j] = m->b[i];
		n.vals[j] = m->vals[i];
		n.occ[j] = 1;
	}
	n.used = m->used;
	free(m->a);
	free(m->b);
	free(m->vals);
	free(m->occ);
	*m = n;
	return 0;
}

static int pair_put(struct pairmap *m, uint64_t a, uint64_t b, uint32_t v)
{
	size_t i;

	if (!m->cap && pair_grow(m))
		return BT_ENOMEM;
	i = pair_slot(m, a, b);
	if (!m->occ[i]) {
		if ((m->used + 1) * 10 > m->cap * 7) {
			if (pair_grow(m))
				return BT_ENOMEM;
			i = pair_slot(m, a, b);
		}
		m->occ[i] = 1;
		m->a[i] = a;
		m->b[i] = b;
		m->used++;
	}
	m->vals[i] = v;
	return 0;
}

static void pair_release(struct pairmap *m)
{
	free(m->a);
	free(m->b);
	free(m->vals);
	free(m->occ);
}

/* ---- state ------------------------------------------------------------ */

struct proc {
	uint32_t id;           /* process object id */
	uint64_t start;
	uint64_t exe_hash;     /* of the last EXE label written, 0 = none */
	uint64_t comm_hash;    /* of the last COMM label written */
};

struct path {
	uint32_t file;         /* file bound to this path now, 0 = none */
	uint32_t fname;        /* filename object id once modified, else 0 */
};

struct region {
	uint32_t id;
	uint32_t next;         /* older region of the same (process, file),
	                          index + 1, 0 = none */
	uint64_t first, count; /* pages; count 0 = the whole file */
};

struct bt_ingest {
	struct bt_log_writer *w;
	struct bt_ingest_stats st;

	struct bt_u64map pids;     /* pid -> procs index + 1 */
	struct proc *procs;
	size_t nprocs, procs_cap;

	struct bt_strmap pathmap;  /* path -> paths index + 1 */
	struct path *paths;
	size_t npaths, paths_cap;

	struct pairmap files;      /* (dev, ino) -> file id */
	struct pairmap pages;      /* (file id, index) -> page id */
	struct pairmap regmap;     /* (process id, file id) -> regions idx+1 */
	struct pairmap labelled;   /* (file id, paths index) -> 1 */
	struct region *regions;
	size_t nregions, regions_cap;
	struct bt_strmap endpoints;/* address -> endpoint id */

	struct bt_u64map fidx;     /* real file id -> rfiles index + 1 */
	struct rfile { uint64_t dev, ino; uint32_t nbound; } *rfiles;
	size_t nrfiles, rfiles_cap;

	uint64_t synth_ino;        /* last synthetic inode number */
	char *argbuf;              /* ARGV joined, reused */
	size_t argbuf_cap;
};

static const char *const op_names[] = {
	[BT_RAW_FORK] = "fork", [BT_RAW_EXEC] = "exec",
	[BT_RAW_EXIT] = "exit", [BT_RAW_OPEN] = "open",
	[BT_RAW_READ] = "read", [BT_RAW_WRITE] = "write",
	[BT_RAW_TRUNCATE] = "truncate", [BT_RAW_MMAP] = "mmap",
	[BT_RAW_MUNMAP] = "munmap", [BT_RAW_PAGE_READ] = "page_read",
	[BT_RAW_PAGE_WRITE] = "page_write", [BT_RAW_CREATE] = "create",
	[BT_RAW_RENAME] = "rename", [BT_RAW_LINK] = "link",
	[BT_RAW_UNLINK] = "unlink", [BT_RAW_CONNECT] = "connect",
	[BT_RAW_ACCEPT] = "accept", [BT_RAW_RECV] = "recv",
	[BT_RAW_SEND] = "send", [BT_RAW_SYMLINK] = "symlink",
	[BT_RAW_CHMOD] = "chmod", [BT_RAW_CHOWN] = "chown",
	[BT_RAW_SETID] = "setid", [BT_RAW_PIPE] = "pipe",
};

const char *bt_raw_op_name(unsigned op)
{
	return op >= 1 && op <= BT_RAW_OP_MAX ? op_names[op] : NULL;
}

int bt_raw_op_parse(unsigned *out, const char *name)
{
	unsigned i;

	for (i = 1; i <= BT_RAW_OP_MAX; i++) {
		if (!strcmp(op_names[i], name)) {
			*out = i;
			return 0;
		}
	}
	return bt_error_set(BT_EINVAL, "unknown op '%.40s'", name);
}

void bt_obs_init(struct bt_obs *o)
{
	memset(o, 0, sizeof(*o));
	o->uid = o->euid = o->gid = o->egid = UINT32_MAX;
	o->mode = o->owner = o->group = UINT32_MAX;
}

static int sink_add(void *arg, const struct bt_obs *o)
{
	return bt_ingest_add(arg, o);
}

struct bt_obs_sink bt_ingest_sink(struct bt_ingest *ing)
{
	return (struct bt_obs_sink){ sink_add, ing };
}

int bt_ingest_new(struct bt_ingest **out, struct bt_log_writer *w)
{
	struct bt_ingest *ing = calloc(1, sizeof(*ing));

	if (!ing)
		return bt_error_set(BT_ENOMEM, "out of memory");
	ing->w = w;
	bt_u64map_init(&ing->pids);
	bt_u64map_init(&ing->fidx);
	bt_strmap_init(&ing->pathmap);
	bt_strmap_init(&ing->endpoints);
	*out = ing;
	return 0;
}

void bt_ingest_free(struct bt_ingest *ing)
{
	if (!ing)
		return;
	bt_u64map_release(&ing->pids);
	bt_strmap_release(&ing->pathmap);
	bt_strmap_release(&ing->endpoints);
	pair_release(&ing->files);
	pair_release(&ing->pages);
	pair_release(&ing->regmap);
	pair_release(&ing->labelled);
	bt_u64map_release(&ing->fidx);
	free(ing->rfiles);
	free(ing->procs);
	free(ing->paths);
	free(ing->regions);
	free(ing->argbuf);
	free(ing);
}

void bt_ingest_stats(const struct bt_ingest *ing, struct bt_ingest_stats *out)
{
	*out = ing->st;
}

/* ---- objects ---------------------------------------------------------- */

/* The id the next object record gets; BT_ELIMIT when ids run out. */
static int next_id(struct bt_ingest *ing, uint32_t *id)
{
	uint32_t n = bt_log_writer_objects(ing->w);

	*id = 0;
	if (n == UINT32_MAX)
		return bt_error_set(BT_ELIMIT, "too many objects for one log");
	*id = n + 1;
	return 0;
}

static int label(struct bt_ingest *ing, uint32_t obj, uint32_t key,
		 uint64_t time, const char *s, size_t len)
{
	return bt_log_append_label(ing->w, obj, key, time, s, len);
}

static int new_process(struct bt_ingest *ing, uint32_t pid, uint64_t start,
		       uint32_t ppid, uint32_t uid, size_t *slot)
{
	struct proc *p;
	uint32_t id;
	int r;

	if (ing->nprocs + 1 > ing->procs_cap &&
	    bt_grow(&ing->procs, &ing->procs_cap, ing->nprocs + 1,
		    sizeof(*ing->procs)))
		return BT_ENOMEM;
	if ((r = next_id(ing, &id)) ||
	    (r = bt_log_append_process(ing->w, id, pid, start, ppid, uid)))
		return r;
	/* Only a map failure can follow; the record is not committed then
	 * and the caller stops. */
	if ((r = bt_u64map_put(&ing->pids, pid, (uint32_t)ing->nprocs + 1)))
		return r;
	p = &ing->procs[ing->nprocs];
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->start = start;
	*slot = ing->nprocs++;
	ing->st.objects[BT_REC_PROCESS]++;
	return 0;
}

/* The live process with pid, made if there is none (or its start differs
 * from a known one). */
static int get_process(struct bt_ingest *ing, const struct bt_obs *o,
		       size_t *slot)
{
	uint32_t v = bt_u64map_get(&ing->pids, o->pid);

	if (v && (!o->start || ing->procs[v - 1].start == o->start)) {
		*slot = v - 1;
		return 0;
	}
	return new_process(ing, o->pid, o->start ? o->start : o->time,
			   o->ppid, o->uid, slot);
}

/* Label a process's EXE or COMM when it differs from the last one. */
static int proc_label(struct bt_ingest *ing, size_t slot, uint32_t key,
		      uint64_t time, const char *s)
{
	struct proc *p = &ing->procs[slot];
	uint64_t *last = key == BT_LABEL_EXE ? &p->exe_hash : &p->comm_hash;
	size_t len = strlen(s);
	uint64_t h = bt_hash_bytes(s, len) | 1;
	int r;

	if (*last == h)
		return 0;
	if ((r = label(ing, p->id, key, time, s, len)))
		return r;
	*last = h;
	return 0;
}

static int path_index(struct bt_ingest *ing, const char *path, size_t *out)
{
	uint32_t v = bt_strmap_get(&ing->pathmap, path);
	int r;

	if (v) {
		*out = v - 1;
		return 0;
	}
	if (ing->npaths >= UINT32_MAX - 1)
		return bt_error_set(BT_ELIMIT, "too many paths");
	if (ing->npaths + 1 > ing->paths_cap &&
	    bt_grow(&ing->paths, &ing->paths_cap, ing->npaths + 1,
		    sizeof(*ing->paths)))
		return BT_ENOMEM;
	if ((r = bt_strmap_put(&ing->pathmap, path,
			       (uint32_t)ing->npaths + 1)))
		return r;
	ing->paths[ing->npaths].file = 0;
	ing->paths[ing->npaths].fname = 0;
	*out = ing->npaths++;
	return 0;
}

static int new_file(struct bt_ingest *ing, uint32_t flags, uint64_t dev,
		    uint64_t ino, uint32_t *out)
{
	uint32_t id;
	int r;

	if ((r = next_id(ing, &id)) ||
	    (r = bt_grow(&ing->rfiles, &ing->rfiles_cap, ing->nrfiles + 1,
			 sizeof(*ing->rfiles))) ||
	    (r = bt_log_append_file(ing->w, id, flags, dev, ino)) ||
	    (r = pair_put(&ing->files, dev, ino, id)) ||
	    (r = bt_u64map_put(&ing->fidx, id, (uint32_t)ing->nrfiles + 1)))
		return r;
	ing->rfiles[ing->nrfiles++] = (struct rfile){ dev, ino, 0 };
	ing->st.objects[BT_REC_FILE]++;
	*out = id;
	return 0;
}

/* Count a path bound to (+1) or taken from (-1) a file; a real file that
 * loses its last path forgets its (dev, ino). */
static int count_bound(struct bt_ingest *ing, uint32_t file, int delta)
{
	uint32_t v = file ? bt_u64map_get(&ing->fidx, file) : 0;
	struct rfile *f;

	if (!v)
		return 0;  /* synthetic, or none */
	f = &ing->rfiles[v - 1];
	if (delta > 0) {
		f->nbound++;
		return 0;
	}
	if (f->nbound && --f->nbound == 0 &&
	    pair_get(&ing->files, f->dev, f->ino) == file)
		return pair_put(&ing->files, f->dev, f->ino, 0);
	return 0;
}

/* Take path index pi away from its file (unlink, rename away). */
static int unbind(struct bt_ingest *ing, size_t pi)
{
	uint32_t old = ing->paths[pi].file;

	ing->paths[pi].file = 0;
	return count_bound(ing, old, -1);
}

/* Bind path index pi to file, with a PATH label the first time the file is
 * seen under that path. */
static int bind(struct bt_ingest *ing, size_t pi, uint32_t file,
		uint64_t time, const char *path)
{
	uint32_t old = ing->paths[pi].file;
	int r;

	if (old != file && ((r = count_bound(ing, old, -1)) ||
			    (r = count_bound(ing, file, +1))))
		return r;
	ing->paths[pi].file = file;
	if (!file || pair_get(&ing->labelled, file, pi))
		return 0;
	if ((r = pair_put(&ing->labelled, file, pi, 1)) ||
	    (r = label(ing, file, BT_LABEL_PATH, time, path, strlen(path))))
		return r;
	return 0;
}

/*
 * The file at `path` now: by (dev, ino) when the source gave them, else
 * the file bound to the path, else a new file with a synthetic inode.
 */
static int get_file(struct bt_ingest *ing, const struct bt_obs *o,
		    const char *path, bool use_ino, uint32_t *file, size_t *pi)
{
	uint32_t f = 0;
	int r;

	if ((r = path_index(ing, path, pi)))
		return r;
	if (use_ino && o->has_ino) {
		f = pair_get(&ing->files, o->dev, o->ino);
		if (!f && (r = new_file(ing, 0, o->dev, o->ino, &f)))
			return r;
	} else {
		f = ing->paths[*pi].file;
		/* Synthetic files live on dev 0 with inodes counted from 1;
		 * a source giving real inodes on dev 0 for some files and
		 * none for others could collide, so synthetic ones are
		 * kept apart by the SYNTH flag and never entered into the
		 * (dev, ino) map. */
		if (!f) {
			uint32_t id;

			if ((r = next_id(ing, &id)) ||
			    (r = bt_log_append_file(ing->w, id, BT_FILEF_SYNTH,
						    0, ing->synth_ino + 1)))
				return r;
			ing->synth_ino++;
			ing->st.objects[BT_REC_FILE]++;
			f = id;
		}
	}
	if (ing->paths[*pi].file != f && (r = bind(ing, *pi, f, o->time, path)))
		return r;
	*file = f;
	return 0;
}

/* The filename object of path index pi (made, and so "modified", now). */
static int get_fname(struct bt_ingest *ing, size_t pi, const char *path,
		     uint32_t *out)
{
	uint32_t id;
	int r;

	if (ing->paths[pi].fname) {
		*out = ing->paths[pi].fname;
		return 0;
	}
	if ((r = next_id(ing, &id)) ||
	    (r = bt_log_append_filename(ing->w, id, path, strlen(path))))
		return r;
	ing->paths[pi].fname = id;
	ing->st.objects[BT_REC_FILENAME]++;
	*out = id;
	return 0;
}

static int event(struct bt_ingest *ing, unsigned op, unsigned flags,
		 uint32_t aux, uint64_t time, uint32_t cause, uint32_t effect)
{
	int r = bt_log_append_event(ing->w, (uint8_t)op, (uint8_t)flags, aux,
				    time, cause, effect);

	if (!r)
		ing->st.events++;
	return r;
}

/* A LOOKUP filename -> process when the name at pi was modified. */
static int lookup(struct bt_ingest *ing, size_t pi, uint64_t time,
		  uint32_t proc)
{
	if (!ing->paths[pi].fname)
		return 0;
	return event(ing, BT_OP_LOOKUP, 0, 0, time, ing->paths[pi].fname,
		     proc);
}

static uint32_t sat32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static int argv_label(struct bt_ingest *ing, uint32_t proc,
		      const struct bt_obs *o)
{
	size_t n = 0, i, len;

	for (i = 0; i < o->argc; i++) {
		len = o->argv[i] ? strlen(o->argv[i]) : 0;
		if (len > SIZE_MAX - n - 1)
			return bt_error_set(BT_EINVAL, "argv too long");
		n += len + 1;
	}
	if (!n)
		return 0;
	if (n > ing->argbuf_cap &&
	    bt_grow(&ing->argbuf, &ing->argbuf_cap, n, 1))
		return BT_ENOMEM;
	for (n = 0, i = 0; i < o->argc; i++) {
		len = o->argv[i] ? strlen(o->argv[i]) : 0;
		memcpy(ing->argbuf + n, o->argv[i] ? o->argv[i] : "", len);
		ing->argbuf[n + len] = '\0';
		n += len + 1;
	}
	/* NUL-separated, without the last NUL (the record adds one). */
	return label(ing, proc, BT_LABEL_ARGV, o->time, ing->argbuf, n - 1);
}

static int new_region(struct bt_ingest *ing, uint32_t proc, uint32_t file,
		      const struct bt_obs *o, uint32_t *out)
{
	struct region *rg;
	uint32_t id, prot = 0;
	int r;

	if (ing->nregions >= UINT32_MAX - 1)
		return bt_error_set(BT_ELIMIT, "too many regions");
	if (ing->nregions + 1 > ing->regions_cap &&
	    bt_grow(&ing->regions, &ing->regions_cap, ing->nregions + 1,
		    sizeof(*ing->regions)))
		return BT_ENOMEM;
	prot = (o->prot & (BT_PROT_READ | BT_PROT_WRITE)) |
	       (o->shared ? BT_PROT_SHARED : 0);
	if ((r = next_id(ing, &id)) ||
	    (r = bt_log_append_region(ing->w, id, file, proc, prot,
				      o->map_first, o->map_count)))
		return r;
	rg = &ing->regions[ing->nregions];
	rg->id = id;
	rg->first = o->map_first;
	rg->count = o->map_count;
	rg->next = pair_get(&ing->regmap, proc, file);
	if ((r = pair_put(&ing->regmap, proc, file,
			  (uint32_t)ing->nregions + 1)))
		return r;
	ing->nregions++;
	ing->st.objects[BT_REC_REGION]++;
	*out = id;
	return 0;
}

static bool region_has(const struct region *rg, uint64_t page)
{
	return page >= rg->first &&
	       (rg->count == 0 || page - rg->first < rg->count);
}

/* The newest live region of (proc, file) holding page, or 0. */
static uint32_t find_region(const struct bt_ingest *ing, uint32_t proc,
			    uint32_t file, uint64_t page)
{
	uint32_t i = pair_get(&ing->regmap, proc, file);

	for (; i; i = ing->regions[i - 1].next)
		if (region_has(&ing->regions[i - 1], page))
			return ing->regions[i - 1].id;
	return 0;
}

/* munmap: unlink from the chain the regions overlapping the unmapped range
 * (all of them when the range is unknown). */
static int drop_regions(struct bt_ingest *ing, uint32_t proc, uint32_t file,
			const struct bt_obs *o)
{
	uint32_t head = pair_get(&ing->regmap, proc, file), *link = &head, i;

	while ((i = *link)) {
		struct region *rg = &ing->regions[i - 1];
		bool hit = o->map_count == 0 ||
			   ((rg->count == 0 || o->map_first <
			     rg->first + rg->count) &&
			    rg->first < o->map_first + o->map_count);

		if (hit)
			*link = rg->next;
		else
			link = &rg->next;
	}
	if (!ing->regmap.cap)
		return 0;
	return pair_put(&ing->regmap, proc, file, head);
}

static int get_page(struct bt_ingest *ing, uint32_t file, uint64_t index,
		    uint32_t *out)
{
	uint32_t id = pair_get(&ing->pages, file, index);
	int r;

	if (!id) {
		if ((r = next_id(ing, &id)) ||
		    (r = bt_log_append_page(ing->w, id, file, index)) ||
		    (r = pair_put(&ing->pages, file, index, id)))
			return r;
		ing->st.objects[BT_REC_PAGE]++;
	}
	*out = id;
	return 0;
}

static int get_endpoint(struct bt_ingest *ing, const char *addr,
			uint32_t *out)
{
	uint32_t id = bt_strmap_get(&ing->endpoints, addr);
	int r;

	if (!id) {
		if ((r = next_id(ing, &id)) ||
		    (r = bt_log_append_endpoint(ing->w, id, addr,
						strlen(addr))) ||
		    (r = bt_strmap_put(&ing->endpoints, addr, id)))
			return r;
		ing->st.objects[BT_REC_ENDPOINT]++;
	}
	*out = id;
	return 0;
}

/* ---- observations ----------------------------------------------------- */

static int check(const struct bt_obs *o)
{
	const char *name = bt_raw_op_name(o->op);

	if (!name)
		return bt_error_set(BT_EINVAL, "unknown op %u", o->op);
	/* The log reserves time 0 (a reader treats it as corruption). */
	if (!o->time)
		return bt_error_set(BT_EINVAL, "%s: field 'time' must be after "
				    "the epoch", name);
	switch (o->op) {
	case BT_RAW_FORK:
	case BT_RAW_EXIT:
		return 0;
	case BT_RAW_CONNECT:
	case BT_RAW_ACCEPT:
	case BT_RAW_RECV:
	case BT_RAW_SEND:
		if (!o->remote || !*o->remote)
			return bt_error_set(BT_EINVAL, "%s: field 'remote' "
					    "is missing", name);
		return 0;
	case BT_RAW_RENAME:
	case BT_RAW_LINK:
		if (!o->new_path || !*o->new_path)
			return bt_error_set(BT_EINVAL, "%s: field 'new_path' "
					    "is missing", name);
		break;
	case BT_RAW_MMAP:
		if (o->map_count && o->map_first > UINT64_MAX - o->map_count)
			return bt_error_set(BT_EINVAL, "mmap: mapped range "
					    "overflows");
		break;
	}
	if (!o->path || !*o->path)
		return bt_error_set(BT_EINVAL, "%s: field 'path' is missing",
				    name);
	return 0;
}

static int add(struct bt_ingest *ing, const struct bt_obs *o, size_t ps)
{
	uint32_t proc = ing->procs[ps].id, file = 0, fn = 0, fn2 = 0, rg = 0;
	uint32_t pg = 0, ep = 0;
	size_t pi, pi2;
	unsigned flags, op;
	uint64_t before = ing->st.events;
	int r;

	switch (o->op) {
	case BT_RAW_FORK: {
		size_t cs;

		if ((r = new_process(ing, o->child, o->child_start ?
				     o->child_start : o->time, o->pid, o->uid,
				     &cs)))
			return r;
		if ((r = event(ing, BT_OP_FORK, 0, 0, o->time, proc,
			       ing->procs[cs].id)))
			return r;
		break;
	}
	case BT_RAW_EXIT:
		bt_u64map_put(&ing->pids, o->pid, 0);
		break;
	case BT_RAW_EXEC:
		if ((r = get_file(ing, o, o->path, true, &file, &pi)) ||
		    (r = lookup(ing, pi, o->time, proc)) ||
		    (r = event(ing, BT_OP_EXEC, 0, 0, o->time, file, proc)) ||
		    (r = proc_label(ing, ps, BT_LABEL_EXE, o->time, o->path)) ||
		    (r = argv_label(ing, proc, o)))
			return r;
		break;
	case BT_RAW_OPEN:
		if ((r = get_file(ing, o, o->path, true, &file, &pi)) ||
		    (r = lookup(ing, pi, o->time, proc)))
			return r;
		break;
	case BT_RAW_READ:
	case BT_RAW_WRITE:
	case BT_RAW_TRUNCATE:
		if ((r = get_file(ing, o, o->path, true, &file, &pi)) ||
		    (r = lookup(ing, pi, o->time, proc)))
			return r;
		if (o->op == BT_RAW_READ)
			r = event(ing, BT_OP_READ, 0, sat32(o->bytes),
				  o->time, file, proc);
		else if (o->op == BT_RAW_WRITE)
			r = event(ing, BT_OP_WRITE, 0, sat32(o->bytes),
				  o->time, proc, file);
		else
			r = event(ing, BT_OP_TRUNCATE, 0, 0, o->time, proc,
				  file);
		if (r)
			return r;
		break;
	case BT_RAW_MMAP:
		flags = o->shared ? BT_EVF_SHARED : 0;
		if ((r = get_file(ing, o, o->path, true, &file, &pi)) ||
		    (r = lookup(ing, pi, o->time, proc)) ||
		    (r = new_region(ing, proc, file, o, &rg)))
			return r;
		if ((o->prot & BT_PROT_READ) &&
		    (r = event(ing, BT_OP_MMAP_READ, flags, rg, o->time, file,
			       proc)))
			return r;
		if ((o->prot & BT_PROT_WRITE) && o->shared &&
		    (r = event(ing, BT_OP_MMAP_WRITE, flags, rg, o->time,
			       proc, file)))
			return r;
		break;
	case BT_RAW_MUNMAP:
		if ((r = get_file(ing, o, o->path, true, &file, &pi)) ||
		    (r = drop_regions(ing, proc, file, o)))
			return r;
		break;
	case BT_RAW_PAGE_READ:
	case BT_RAW_PAGE_WRITE:
		if ((r = get_file(ing, o, o->path, true, &file, &pi)) ||
		    (r = get_page(ing, file, o->page, &pg)))
			return r;
		rg = find_region(ing, proc, file, o->page);
		if (o->op == BT_RAW_PAGE_READ)
			r = event(ing, BT_OP_PAGE_READ, 0, rg, o->time, pg,
				  proc);
		else
			r = event(ing, BT_OP_PAGE_WRITE, 0, rg, o->time, proc,
				  pg);
		if (r)
			return r;
		break;
	case BT_RAW_CREATE:
		/* An unbound path (never seen, or unlinked) gets a new
		 * file in get_file(). */
		if ((r = get_file(ing, o, o->path, true, &file, &pi)) ||
		    (r = get_fname(ing, pi, o->path, &fn)) ||
		    (r = event(ing, BT_OP_CREATE, 0, 0, o->time, proc, fn)))
			return r;
		break;
	case BT_RAW_UNLINK:
		if ((r = path_index(ing, o->path, &pi)) ||
		    (r = get_fname(ing, pi, o->path, &fn)) ||
		    (r = event(ing, BT_OP_UNLINK, 0, 0, o->time, proc, fn)) ||
		    (r = unbind(ing, pi)))
			return r;
		break;
	case BT_RAW_RENAME:
	case BT_RAW_LINK:
		op = o->op == BT_RAW_RENAME ? BT_OP_RENAME : BT_OP_LINK;
		if ((r = get_file(ing, o, o->path, true, &file, &pi)) ||
		    (r = path_index(ing, o->new_path, &pi2)))
			return r;
		/* path_index may have moved paths[]: pi stays valid. */
		if (op == BT_OP_RENAME &&
		    ((r = get_fname(ing, pi, o->path, &fn)) ||
		     (r = event(ing, op, 0, 0, o->time, proc, fn))))
			return r;
		if ((r = get_fname(ing, pi2, o->new_path, &fn2)) ||
		    (r = event(ing, op, 0, 0, o->time, proc, fn2)))
			return r;
		if (op == BT_OP_RENAME && pi != pi2 && (r = unbind(ing, pi)))
			return r;
		if (ing->paths[pi2].file != file &&
		    (r = bind(ing, pi2, file, o->time, o->new_path)))
			return r;
		break;
	case BT_RAW_CONNECT:
	case BT_RAW_ACCEPT:
	case BT_RAW_RECV:
	case BT_RAW_SEND:
		if ((r = get_endpoint(ing, o->remote, &ep)))
			return r;
		if (o->op == BT_RAW_SEND)
			r = event(ing, BT_OP_SEND, 0, sat32(o->bytes),
				  o->time, proc, ep);
		else
			r = event(ing, o->op == BT_RAW_CONNECT ?
				  BT_OP_CONNECT : o->op == BT_RAW_ACCEPT ?
				  BT_OP_ACCEPT : BT_OP_RECV, 0,
				  sat32(o->bytes), o->time, ep, proc);
		if (r)
			return r;
		break;
	}
	if (ing->st.events == before)
		ing->st.ignored++;
	return 0;
}

int bt_ingest_add(struct bt_ingest *ing, const struct bt_obs *o)
{
	size_t ps;
	int r;

	if ((r = check(o)))
		return r;
	if (o->op == BT_RAW_EXIT && !bt_u64map_get(&ing->pids, o->pid)) {
		/* The exit of a process never seen: nothing to record. */
		ing->st.observations++;
		ing->st.ignored++;
		return 0;
	}
	if ((r = get_process(ing, o, &ps)))
		return r;
	if (o->exe && o->op != BT_RAW_EXEC &&
	    (r = proc_label(ing, ps, BT_LABEL_EXE, o->time, o->exe)))
		return r;
	if (o->comm && (r = proc_label(ing, ps, BT_LABEL_COMM, o->time,
				       o->comm)))
		return r;
	if ((r = add(ing, o, ps)))
		return r;
	bt_log_writer_commit(ing->w);
	ing->st.observations++;
	return 0;
}
