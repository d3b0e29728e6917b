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
 *  - endpoints by address, or, when the source knows the socket's own
 *    address, by (remote, local): one endpoint per connection end, with
 *    its local address in one BT_LABEL_LOCAL label.  A CONNECT or ACCEPT
 *    with a local address starts a new one (the address pair was used
 *    before and is reused now: a new connection).
 *  - per file object (finfo): its (dev, ino), how many paths are bound to
 *    it, whether it is real (in the (dev, ino) map) and whether it is a
 *    symbolic link.  When a real file's last path goes (unlink, or a
 *    rename over it) its (dev, ino) is forgotten, so a file that later
 *    gets the same inode number (inodes are reused) is a new file, not the
 *    deleted one.  A rename binds the new path before it drops the old, so
 *    a file moving between its names never loses its identity.  A file
 *    reached through another hard link after its last known name went
 *    becomes a new file too: the lesser error, since hard links are rare
 *    and inode reuse of temporary files is constant.  Descriptor paths
 *    (/proc/self/fd/N) are never bound.
 *  - per process: the last known credentials (CRED labels).
 * Each observation's records are appended and then committed together, so
 * a reader never sees half of one.  Argument checks happen before anything
 * is appended: a rejected observation leaves the log as it was.  A failure
 * after that (the writer, memory, id limits) rolls the writer back to the
 * last commit and poisons the ingest: the in-memory maps may name objects
 * the log no longer holds, so every later observation gets the same error.
 *
 * This module does not parse any source format and does not order events
 * by time: it writes them in the order they are added.
 */
#include <stdio.h>
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

/* Credentials known for a process (UINT32_MAX = unknown). */
struct cred {
	uint32_t uid, euid, gid, egid;
};

struct proc {
	uint32_t id;           /* process object id */
	uint64_t start;
	uint64_t exe_hash;     /* of the last EXE label written, 0 = none */
	uint64_t comm_hash;    /* of the last COMM label written */
	uint64_t cgroup_hash;  /* of the last CGROUP label written */
	struct cred cred;      /* last known: the record's uid, then every
	                          CRED label (or inherited at fork) */
	bool start_unknown;    /* made as the target of a memory write or
	                          read whose source did not know its start:
	                          `start` is that time, and the first start
	                          a later observation gives, if not after
	                          it, is this process's (is_proc()) */
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

/* Per file object. */
#define FI_REAL    0x1     /* in the (dev, ino) map while it has a name */
#define FI_SYMLINK 0x2     /* a symbolic link's own file */
struct finfo {
	uint64_t dev, ino;
	uint32_t nbound;       /* paths bound to it now */
	uint32_t flags;        /* FI_* */
	uint64_t target;       /* FI_SYMLINK: offset + 1 of its content in
	                          targets, 0 = unknown */
	uint32_t mem_pid;      /* bound last to /proc/PID/mem: PID (a read
	                          or write of it by inode alone is one of
	                          that process's memory), else 0 */
};

/* Symbolic links a lookup follows at most (the kernel's: 40). */
#define MAX_FOLLOW 40

struct bt_ingest {
	struct bt_log_writer *w;
	struct bt_ingest_stats st;
	int poisoned;              /* the error that stopped ingest, or 0 */
	char why[256];             /* its message */
	bool mem_bound;            /* a file was ever bound to /proc/PID/mem:
	                              else no read or write by inode alone
	                              needs a look at its file (mem_file()) */

	struct bt_u64map pids;     /* pid -> procs index + 1 */
	struct proc *procs;
	size_t nprocs, procs_cap;

	struct bt_strmap pathmap;  /* path -> paths index + 1 */
	struct path *paths;
	size_t npaths, paths_cap;

	struct pairmap files;      /* (dev, ino) -> file id */
	struct pairmap gone;       /* (dev, ino) -> file that lost its last
	                              name (for descriptor observations) */
	struct pairmap pages;      /* (file id, index) -> page id */
	struct pairmap regmap;     /* (process id, file id) -> regions idx+1 */
	struct pairmap labelled;   /* (file id, paths index) -> 1 */
	struct region *regions;
	size_t nregions, regions_cap;
	struct bt_strmap endpoints;/* address -> endpoint id */
	struct bt_strmap conns;    /* conn_key(remote, local) -> endpoint id */
	char *kbuf;                /* a conn_key being built, reused */
	size_t kbuf_cap;

	struct bt_u64map fidx;     /* file id -> finfo index + 1 */
	struct finfo *finfo;
	size_t nfinfo, finfo_cap;

	uint64_t synth_ino;        /* last synthetic inode number */
	char *argbuf;              /* ARGV joined, reused */
	size_t argbuf_cap;
	char *pbuf[2];             /* paths without a trailing '/', reused */
	size_t pbuf_cap[2];
	char *rbuf[2];             /* paths through symbolic links, reused */
	size_t rbuf_cap[2];
	char *targets;             /* symbolic links' contents, NUL-ended */
	size_t targets_len, targets_cap;
	struct bt_strmap dirs;     /* every directory above a path seen -> 1 */
	char *dbuf;                /* a path being cut into its directories */
	size_t dbuf_cap;
	struct move { size_t pi; uint32_t off; uint32_t file; } *moves;
	size_t moves_cap;          /* paths under a renamed directory */
	char *mbuf;                /* a path moved with its directory */
	size_t mbuf_cap;
	size_t via;                /* paths index of the name a lookup
	                              reached through symbolic links in this
	                              observation, or NOPATH */
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
	[BT_RAW_MEM_WRITE] = "mem_write", [BT_RAW_MEM_READ] = "mem_read",
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
	bt_strmap_init(&ing->conns);
	bt_strmap_init(&ing->dirs);
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
	bt_strmap_release(&ing->conns);
	free(ing->kbuf);
	pair_release(&ing->files);
	pair_release(&ing->gone);
	pair_release(&ing->pages);
	pair_release(&ing->regmap);
	pair_release(&ing->labelled);
	bt_u64map_release(&ing->fidx);
	free(ing->finfo);
	free(ing->procs);
	free(ing->paths);
	free(ing->regions);
	free(ing->argbuf);
	free(ing->pbuf[0]);
	free(ing->pbuf[1]);
	free(ing->rbuf[0]);
	free(ing->rbuf[1]);
	free(ing->targets);
	bt_strmap_release(&ing->dirs);
	free(ing->dbuf);
	free(ing->moves);
	free(ing->mbuf);
	free(ing);
}

void bt_ingest_stats(const struct bt_ingest *ing, struct bt_ingest_stats *out)
{
	*out = ing->st;
}

/* ---- names that are not names ----------------------------------------- */

static bool digits(const char **p)
{
	const char *s = *p;

	while (**p >= '0' && **p <= '9')
		(*p)++;
	return *p != s;
}

/*
 * A process's directory in /proc, after "/proc/": "self/", "thread-self/"
 * (*self), or "PID/" and maybe "task/TID/" (*pid = PID, UINT64_MAX past
 * ten digits).  *p goes past it.
 */
static bool proc_pid_dir(const char **p, uint64_t *pid, bool *self)
{
	const char *d = *p;

	*pid = 0;
	*self = true;
	if (!strncmp(d, "self/", 5)) {
		*p = d + 5;
		return true;
	}
	if (!strncmp(d, "thread-self/", 12)) {
		*p = d + 12;
		return true;
	}
	*self = false;
	if (!digits(p) || **p != '/')
		return false;
	if (*p - d > 10)
		*pid = UINT64_MAX;
	else
		for (; d < *p; d++)
			*pid = *pid * 10 + (unsigned)(*d - '0');
	(*p)++;
	if (!strncmp(*p, "task/", 5)) {
		*p += 5;
		if (!digits(p) || **p != '/')
			return false;
		(*p)++;
	}
	return true;
}

/*
 * Whether path names a file descriptor rather than a file: /dev/fd/N,
 * /dev/stdin, /dev/stdout, /dev/stderr, /proc/{self,thread-self,PID}/fd/N
 * and /proc/PID/task/TID/fd/N (N a number; anything after it is a path
 * under a directory descriptor, no more a name).  The kernel resolves these to whatever the
 * descriptor holds (a deleted file, a pipe, an O_TMPFILE), so they are
 * never bound to a file nor labelled: otherwise a file would keep a
 * "name" after its real names are gone, and a later file that reuses its
 * inode would be merged with it (linkat through /proc/self/fd).
 */
static bool is_fd_path(const char *p)
{
	uint64_t pid;
	bool self;

	if (!strncmp(p, "/dev/", 5)) {
		p += 5;
		if (!strncmp(p, "fd/", 3)) {
			p += 3;
			return digits(&p) && (!*p || *p == '/');
		}
		return !strcmp(p, "stdin") ||
		       !strcmp(p, "stdout") || !strcmp(p, "stderr");
	}
	if (strncmp(p, "/proc/", 6))
		return false;
	p += 6;
	if (!proc_pid_dir(&p, &pid, &self) || strncmp(p, "fd/", 3))
		return false;
	p += 3;
	return digits(&p) && (!*p || *p == '/');
}

/*
 * Whether path is a process's memory file: /proc/PID/mem or
 * /proc/PID/task/TID/mem (*pid = PID, the thread group's), or
 * /proc/self/mem, /proc/thread-self/mem (*pid = 0: the actor's own).
 */
static bool is_mem_path(const char *p, uint32_t *pid)
{
	uint64_t v;
	bool self;

	*pid = 0;
	if (strncmp(p, "/proc/", 6))
		return false;
	p += 6;
	if (!proc_pid_dir(&p, &v, &self) || strcmp(p, "mem") ||
	    (!self && (v == 0 || v > UINT32_MAX)))
		return false;
	*pid = (uint32_t)v;
	return true;
}

/* path without trailing '/' ("/tmp/d/" from mkdir is "/tmp/d"), in
 * ing->pbuf[which] if it had to change; *out = NULL for NULL. */
static int norm_path(struct bt_ingest *ing, int which, const char *path,
		     const char **out)
{
	size_t len;

	*out = path;
	if (!path)
		return 0;
	len = strlen(path);
	if (len < 2 || path[len - 1] != '/')
		return 0;
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len + 1 > ing->pbuf_cap[which] &&
	    bt_grow(&ing->pbuf[which], &ing->pbuf_cap[which], len + 1, 1))
		return BT_ENOMEM;
	memcpy(ing->pbuf[which], path, len);
	ing->pbuf[which][len] = '\0';
	*out = ing->pbuf[which];
	return 0;
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
	if ((r = bt_u64map_put(&ing->pids, pid, (uint32_t)ing->nprocs + 1)))
		return r;
	p = &ing->procs[ing->nprocs];
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->start = start;
	p->cred = (struct cred){ uid, UINT32_MAX, UINT32_MAX, UINT32_MAX };
	*slot = ing->nprocs++;
	ing->st.objects[BT_REC_PROCESS]++;
	return 0;
}

/* Whether the process in slot is the one that started at `start` (0:
 * unknown, any); one made with its start unknown takes the first known
 * start that is not after its first sighting. */
static bool is_proc(struct bt_ingest *ing, size_t slot, uint64_t start)
{
	struct proc *p = &ing->procs[slot];

	if (!start || p->start == start)
		return true;
	if (!p->start_unknown || start > p->start)
		return false;
	p->start = start;
	p->start_unknown = false;
	return true;
}

/* The live process with pid, made if there is none (or its start differs
 * from a known one). */
static int get_process(struct bt_ingest *ing, const struct bt_obs *o,
		       size_t *slot)
{
	uint32_t v = bt_u64map_get(&ing->pids, o->pid);

	if (v && is_proc(ing, v - 1, o->start)) {
		*slot = v - 1;
		return 0;
	}
	return new_process(ing, o->pid, o->start ? o->start : o->time,
			   o->ppid, o->uid, slot);
}

/* Label a process's EXE, COMM or CGROUP when it differs from the last
 * one. */
static int proc_label(struct bt_ingest *ing, size_t slot, uint32_t key,
		      uint64_t time, const char *s)
{
	struct proc *p = &ing->procs[slot];
	uint64_t *last = key == BT_LABEL_EXE ? &p->exe_hash :
			 key == BT_LABEL_CGROUP ? &p->cgroup_hash :
			 &p->comm_hash;
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

/*
 * Credentials: the observation's known fields over the last known ones;
 * a CRED label with the result when anything changed.  The process
 * record's uid starts the history, so a process whose observations only
 * ever carry that uid gets no label.
 */
static int cred_update(struct bt_ingest *ing, size_t slot,
		       const struct bt_obs *o)
{
	struct proc *p = &ing->procs[slot];
	struct cred c = p->cred;
	char buf[96];
	int n = 0, r;

	if (o->uid != UINT32_MAX)
		c.uid = o->uid;
	if (o->euid != UINT32_MAX)
		c.euid = o->euid;
	if (o->gid != UINT32_MAX)
		c.gid = o->gid;
	if (o->egid != UINT32_MAX)
		c.egid = o->egid;
	if (!memcmp(&c, &p->cred, sizeof(c)))
		return 0;
#define FIELD(f) do { if (c.f != UINT32_MAX) \
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s" #f "=%u", \
		      n ? " " : "", c.f); } while (0)
	FIELD(uid);
	FIELD(euid);
	FIELD(gid);
	FIELD(egid);
#undef FIELD
	/* Four fields of at most 15 bytes each: n < sizeof(buf). */
	if ((r = label(ing, p->id, BT_LABEL_CRED, o->time, buf, (size_t)n)))
		return r;
	p->cred = c;
	return 0;
}

#define NOPATH SIZE_MAX

/* Remember the directories above a new path ("/a/b/c": "/a/b", "/a"),
 * so a rename can tell a directory with paths under it.  Once for each
 * new directory; stops at the first one already known. */
static int note_dirs(struct bt_ingest *ing, const char *path)
{
	size_t len = strlen(path);
	char *slash;
	int r;

	if (*path != '/')
		return 0;
	if (len + 1 > ing->dbuf_cap &&
	    bt_grow(&ing->dbuf, &ing->dbuf_cap, len + 1, 1))
		return BT_ENOMEM;
	memcpy(ing->dbuf, path, len + 1);
	while ((slash = strrchr(ing->dbuf, '/')) && slash != ing->dbuf) {
		*slash = '\0';
		if (bt_strmap_get(&ing->dirs, ing->dbuf))
			return 0;
		if ((r = bt_strmap_put(&ing->dirs, ing->dbuf, 1)))
			return r;
	}
	return 0;
}

/* The index of path in paths[], made on first sight; NOPATH for no path
 * or a path that names a descriptor (is_fd_path). */
static int path_index(struct bt_ingest *ing, const char *path, size_t *out)
{
	uint32_t v;
	int r;

	*out = NOPATH;
	if (!path || is_fd_path(path))
		return 0;
	v = bt_strmap_get(&ing->pathmap, path);
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
			       (uint32_t)ing->npaths + 1)) ||
	    (r = note_dirs(ing, path)))
		return r;
	ing->paths[ing->npaths].file = 0;
	ing->paths[ing->npaths].fname = 0;
	*out = ing->npaths++;
	return 0;
}

static struct finfo *finfo(struct bt_ingest *ing, uint32_t file)
{
	uint32_t v = file ? bt_u64map_get(&ing->fidx, file) : 0;

	return v ? &ing->finfo[v - 1] : NULL;
}

/*
 * A new file object: by (dev, ino) when real (it then replaces whatever
 * file the map held for them: the caller knows it is a new file), else
 * with a synthetic inode.  Synthetic files live on dev 0 with inodes
 * counted from 1 and carry BT_FILEF_SYNTH; they are never entered into the
 * (dev, ino) map, so a source giving real inodes on dev 0 for some files
 * and none for others cannot collide.
 */
static int new_file(struct bt_ingest *ing, bool real, uint64_t dev,
		    uint64_t ino, uint32_t flags, uint32_t fi, uint32_t *out)
{
	uint32_t id;
	int r;

	if (!real) {
		flags |= BT_FILEF_SYNTH;
		dev = 0;
		ino = ing->synth_ino + 1;
	}
	if ((r = next_id(ing, &id)) ||
	    (ing->nfinfo + 1 > ing->finfo_cap &&
	     (r = bt_grow(&ing->finfo, &ing->finfo_cap, ing->nfinfo + 1,
			  sizeof(*ing->finfo)))) ||
	    (r = bt_log_append_file(ing->w, id, flags, dev, ino)) ||
	    (real && (r = pair_put(&ing->files, dev, ino, id))) ||
	    (r = bt_u64map_put(&ing->fidx, id, (uint32_t)ing->nfinfo + 1)))
		return r;
	if (!real)
		ing->synth_ino++;
	ing->finfo[ing->nfinfo++] = (struct finfo){ dev, ino, 0,
		fi | (real ? FI_REAL : 0), 0, 0 };
	ing->st.objects[BT_REC_FILE]++;
	*out = id;
	return 0;
}

/* Count a path bound to (+1) or taken from (-1) a file; a real file that
 * loses its last path forgets its (dev, ino), so a later file with the
 * same inode is a new file. */
static int count_bound(struct bt_ingest *ing, uint32_t file, int delta)
{
	struct finfo *f = finfo(ing, file);

	if (!f)
		return 0;
	if (delta > 0) {
		f->nbound++;
		return 0;
	}
	if (f->nbound && --f->nbound == 0 && (f->flags & FI_REAL) &&
	    pair_get(&ing->files, f->dev, f->ino) == file) {
		int r = pair_put(&ing->gone, f->dev, f->ino, file);

		return r ? r : pair_put(&ing->files, f->dev, f->ino, 0);
	}
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
 * seen under that path.  The new binding is counted before the old one is
 * dropped, so a file moving between its own names never looks nameless. */
static int bind(struct bt_ingest *ing, size_t pi, uint32_t file,
		uint64_t time, const char *path)
{
	uint32_t old = ing->paths[pi].file;
	struct finfo *f;
	int r;

	if (old != file && ((r = count_bound(ing, file, +1)) ||
			    (r = count_bound(ing, old, -1))))
		return r;
	ing->paths[pi].file = file;
	if (file && (f = finfo(ing, file)) && is_mem_path(path, &f->mem_pid))
		ing->mem_bound = true;
	if (!file || pair_get(&ing->labelled, file, pi))
		return 0;
	if ((r = pair_put(&ing->labelled, file, pi, 1)) ||
	    (r = label(ing, file, BT_LABEL_PATH, time, path, strlen(path))))
		return r;
	return 0;
}

enum { FIND = 0, FRESH = 1, NOFOLLOW = 2 };

/*
 * `target` read from the link at `link` (absolute), as an absolute path
 * without "." or ".." components or repeated '/', in ing->rbuf[which].
 * *out = NULL when the link is not an absolute path.
 */
static int resolve(struct bt_ingest *ing, int which, const char *link,
		   const char *target, const char **out)
{
	size_t ll = strlen(link), tl = strlen(target), need, n = 0;
	const char *p, *end;
	char *b;

	*out = NULL;
	if (*link != '/')
		return 0;
	need = ll + tl + 3;
	if (need > ing->rbuf_cap[which] &&
	    bt_grow(&ing->rbuf[which], &ing->rbuf_cap[which], need, 1))
		return BT_ENOMEM;
	b = ing->rbuf[which];
	/* The directory of the link, then the target (or the target alone
	 * when absolute); then fold the components. */
	if (*target != '/') {
		const char *slash = strrchr(link, '/');

		memcpy(b, link, (size_t)(slash - link) + 1);
		n = (size_t)(slash - link) + 1;
	}
	memcpy(b + n, target, tl + 1);
	n = 0;
	for (p = b; *p; p = end) {
		size_t len;

		while (*p == '/')
			p++;
		end = strchr(p, '/');
		if (!end)
			end = p + strlen(p);
		len = (size_t)(end - p);
		if (!len || (len == 1 && p[0] == '.'))
			continue;
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (n && b[n - 1] != '/')
				n--;
			if (n)
				n--;            /* the '/' before it */
			continue;
		}
		/* writing never overtakes reading: n <= p - b */
		b[n++] = '/';
		memmove(b + n, p, len);
		n += len;
	}
	if (!n)
		b[n++] = '/';
	b[n] = '\0';
	*out = b;
	return 0;
}

/*
 * A source without inodes names a file through a symbolic link the log
 * saw made: the file is the one at the link's target (one link after
 * another, up to MAX_FOLLOW).  *pi and *path become the target's;
 * ing->via remembers it so the lookup covers that name too.
 */
static int follow(struct bt_ingest *ing, size_t *pi, const char **path)
{
	unsigned i;
	int r;

	for (i = 0; i < MAX_FOLLOW && *pi != NOPATH; i++) {
		struct finfo *fi = finfo(ing, ing->paths[*pi].file);
		const char *to;

		if (!fi || !(fi->flags & FI_SYMLINK) || !fi->target)
			return 0;
		if ((r = resolve(ing, (int)(i & 1), *path,
				 ing->targets + fi->target - 1, &to)))
			return r;
		if (!to)
			return 0;
		if ((r = path_index(ing, to, pi)))
			return r;
		*path = to;
		ing->via = *pi;
	}
	return 0;
}

/* Remember the content of symlink file `file`. */
static int keep_target(struct bt_ingest *ing, uint32_t file,
		       const char *target)
{
	size_t len = strlen(target) + 1;
	struct finfo *fi = finfo(ing, file);

	if (!fi)
		return 0;
	if (ing->targets_len + len > ing->targets_cap &&
	    bt_grow(&ing->targets, &ing->targets_cap, ing->targets_len + len,
		    1))
		return BT_ENOMEM;
	memcpy(ing->targets + ing->targets_len, target, len);
	fi->target = ing->targets_len + 1;
	ing->targets_len += len;
	return 0;
}

/*
 * The file an observation names, in *file (0 when nothing names one: a
 * descriptor path without an inode), and the index of `path` in *pi
 * (NOPATH for none).  FIND: by (dev, ino) when the source gave them, else
 * the file bound to the path, else a new synthetic file.  FRESH: a new
 * file in any case (the observation made it: a pipe, a symlink, a memfd).
 * The path is then bound to the file, except that a path naming a
 * symbolic link keeps naming the link when the source gives the inode of
 * the file the link leads to (a lookup through the link); without an
 * inode, FIND follows the link to its target's file (NOFOLLOW does not:
 * rename and link act on the link itself).  *pi stays the index of `path`
 * as given, for the caller's lookup.
 */
static int get_file(struct bt_ingest *ing, const struct bt_obs *o,
		    const char *path, int how, uint32_t fi, uint32_t *file,
		    size_t *pi)
{
	uint32_t f = 0, flags = o->file_flags;
	struct finfo *bound;
	size_t ti;
	int r;

	*file = 0;
	if ((r = path_index(ing, path, pi)))
		return r;
	ti = *pi;
	if (o->has_ino) {
		if (how != FRESH)
			f = pair_get(&ing->files, o->dev, o->ino);
		if (!f && how != FRESH && o->via_fd &&
		    (f = pair_get(&ing->gone, o->dev, o->ino))) {
			/* Through a descriptor: the nameless file it was
			 * opened on.  Its old path names it no more (and
			 * is not looked up). */
			*file = f;
			*pi = NOPATH;
			return 0;
		}
		if (!f && (r = new_file(ing, true, o->dev, o->ino, flags, fi,
					&f)))
			return r;
	} else if (ti != NOPATH || how == FRESH) {
		if (how == FIND && (r = follow(ing, &ti, &path)))
			return r;
		if (how != FRESH && ti != NOPATH)
			f = ing->paths[ti].file;
		if (!f && (r = new_file(ing, false, 0, 0, flags, fi, &f)))
			return r;
	} else {
		return 0;
	}
	*file = f;
	if (ti == NOPATH || ing->paths[ti].file == f)
		return 0;
	bound = finfo(ing, ing->paths[ti].file);
	if (how == FIND && bound && (bound->flags & FI_SYMLINK))
		return 0;
	return bind(ing, ti, f, o->time, path);
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

/* A LOOKUP filename -> process when the name at pi was modified, and
 * one for the name symbolic links led to (ing->via), if modified. */
static int lookup(struct bt_ingest *ing, size_t pi, uint64_t time,
		  uint32_t proc)
{
	size_t v = ing->via;
	int r;

	if (pi != NOPATH && ing->paths[pi].fname &&
	    (r = event(ing, BT_OP_LOOKUP, 0, 0, time, ing->paths[pi].fname,
		       proc)))
		return r;
	if (v == NOPATH || v == pi || !ing->paths[v].fname)
		return 0;
	return event(ing, BT_OP_LOOKUP, 0, 0, time, ing->paths[v].fname, proc);
}

static uint32_t sat32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Bytes of argv joined with NULs (check() bounds it). */
static size_t argv_len(const struct bt_obs *o)
{
	size_t n = 0, i;

	for (i = 0; i < o->argc; i++)
		n += (o->argv[i] ? strlen(o->argv[i]) : 0) + 1;
	return n;
}

static int argv_label(struct bt_ingest *ing, uint32_t proc,
		      const struct bt_obs *o)
{
	size_t n = argv_len(o), i, len;

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

/*
 * The endpoint of a CONNECT, ACCEPT, SEND or RECV.  Without a local
 * address: one endpoint per remote address, as ever.  With one: one per
 * (remote, local), labelled BT_LABEL_LOCAL when made; a CONNECT or ACCEPT
 * always makes a new one, since a connection starts there (the same pair
 * seen again later is a reused port pair, a new connection), except an
 * ACCEPT with a half-known local naming one connect of the log ("#N":
 * graph/channel.h), which is that connect's endpoint.  The key is
 * "<len(remote)>:<remote><local>", unambiguous whatever bytes they hold.
 */
static int get_endpoint(struct bt_ingest *ing, const struct bt_obs *o,
			uint32_t *out)
{
	const char *addr = o->remote;
	const char *local = o->local && *o->local ? o->local : NULL;
	struct bt_strmap *m = local ? &ing->conns : &ing->endpoints;
	const char *key = addr;
	uint32_t id;
	int r;

	if (local) {
		size_t rl = strlen(addr), ll = strlen(local), n;

		n = rl + ll + 24;
		if (n > ing->kbuf_cap &&
		    (r = bt_grow(&ing->kbuf, &ing->kbuf_cap, n, 1)))
			return r;
		snprintf(ing->kbuf, n, "%zu:%s%s", rl, addr, local);
		key = ing->kbuf;
	}
	/* (an ACCEPT whose local is half-known, "?#N" or "ADDR:0#N", is
	 * the server's end of a connect numbered N in this log: the very
	 * connection the CONNECT made, which the client may have sent on
	 * before the accept) */
	id = local && (o->op == BT_RAW_CONNECT ||
		       (o->op == BT_RAW_ACCEPT && !strchr(local, '#'))) ?
	     0 : bt_strmap_get(m, key);
	if (!id) {
		if ((r = next_id(ing, &id)) ||
		    (r = bt_log_append_endpoint(ing->w, id, addr,
						strlen(addr))) ||
		    (local && (r = label(ing, id, BT_LABEL_LOCAL, o->time,
					 local, strlen(local)))) ||
		    (r = bt_strmap_put(m, key, id)))
			return r;
		ing->st.objects[BT_REC_ENDPOINT]++;
	}
	*out = id;
	return 0;
}

/* ---- observations ----------------------------------------------------- */

/* Bounds on what one observation may carry: far above what a kernel
 * gives (PATH_MAX is 4096, ARG_MAX a few MiB), far below what a record
 * holds (4 GiB), so the writer never refuses a string half way. */
#define STR_MAX ((size_t)1 << 20)
#define ARGV_MAX ((size_t)1 << 28)

static int check_str(const char *name, const char *field, const char *s)
{
	if (s && strnlen(s, STR_MAX + 1) > STR_MAX)
		return bt_error_set(BT_EINVAL, "%s: field '%s' longer than "
				    "%zu bytes", name, field, STR_MAX);
	return 0;
}

/*
 * Everything that could make an observation fail other than the writer
 * and memory, checked before anything is appended.
 */
static int check(const struct bt_obs *o)
{
	const char *name = bt_raw_op_name(o->op);
	size_t i, n = 0;
	int r;

	if (!name)
		return bt_error_set(BT_EINVAL, "unknown op %u", o->op);
	/* The log reserves time 0 (a reader treats it as corruption). */
	if (!o->time)
		return bt_error_set(BT_EINVAL, "%s: field 'time' must be after "
				    "the epoch", name);
	if (o->file_flags & ~(uint32_t)(BT_FILEF_PIPE | BT_FILEF_ANON))
		return bt_error_set(BT_EINVAL, "%s: bad file flags 0x%x",
				    name, o->file_flags);
	if ((r = check_str(name, "exe", o->exe)) ||
	    (r = check_str(name, "comm", o->comm)) ||
	    (r = check_str(name, "cgroup", o->cgroup)) ||
	    (r = check_str(name, "path", o->path)) ||
	    (r = check_str(name, "new_path", o->new_path)) ||
	    (r = check_str(name, "remote", o->remote)) ||
	    (r = check_str(name, "local", o->local)) ||
	    (r = check_str(name, "target", o->target)))
		return r;
	switch (o->op) {
	case BT_RAW_FORK:
	case BT_RAW_EXIT:
	case BT_RAW_SETID:
		return 0;
	case BT_RAW_MEM_WRITE:
	case BT_RAW_MEM_READ:
		if (!o->peer)
			return bt_error_set(BT_EINVAL, "%s: field 'peer' is "
					    "missing", name);
		return 0;
	case BT_RAW_PIPE:
		return 0;               /* a path (e.g. "pipe:[12]") is optional */
	case BT_RAW_CONNECT:
	case BT_RAW_ACCEPT:
	case BT_RAW_RECV:
	case BT_RAW_SEND:
		if (!o->remote || !*o->remote)
			return bt_error_set(BT_EINVAL, "%s: field 'remote' "
					    "is missing", name);
		return 0;
	case BT_RAW_EXEC:
		if (o->argc && !o->argv)
			return bt_error_set(BT_EINVAL, "exec: argv missing");
		for (i = 0; i < o->argc; i++) {
			size_t len = o->argv[i] ?
				strnlen(o->argv[i], ARGV_MAX) : 0;

			if (len >= ARGV_MAX - n)
				return bt_error_set(BT_EINVAL, "exec: argv "
						    "longer than %zu bytes",
						    ARGV_MAX);
			n += len + 1;
		}
		break;
	case BT_RAW_RENAME:
	case BT_RAW_LINK:
		if (!o->new_path || !*o->new_path)
			return bt_error_set(BT_EINVAL, "%s: field 'new_path' "
					    "is missing", name);
		break;
	case BT_RAW_SYMLINK:
		if (!o->target || !*o->target)
			return bt_error_set(BT_EINVAL, "symlink: field "
					    "'target' is missing");
		break;
	case BT_RAW_MMAP:
		if (o->map_count && o->map_first > UINT64_MAX - o->map_count)
			return bt_error_set(BT_EINVAL, "mmap: mapped range "
					    "overflows");
		break;
	}
	if (o->path && *o->path)
		return 0;
	/* Without a path a file is still known by its inode, except for the
	 * ops that are about a name. */
	switch (o->op) {
	case BT_RAW_CREATE:
	case BT_RAW_UNLINK:
	case BT_RAW_RENAME:
	case BT_RAW_LINK:
	case BT_RAW_SYMLINK:
		break;
	default:
		if (o->has_ino && !o->path)
			return 0;
	}
	return bt_error_set(BT_EINVAL, "%s: field 'path' is missing", name);
}

/* Collect into ing->moves[*n..] the bound paths under directory `dir`
 * ("DIR/x"), with the file each names (for move_children() and
 * swap_children()). */
static int collect_children(struct bt_ingest *ing, const char *dir,
			    size_t *n)
{
	const struct bt_strmap *m = &ing->pathmap;
	size_t dl = strlen(dir), i;

	if (!bt_strmap_get(&ing->dirs, dir))
		return 0;
	for (i = 0; i < m->cap; i++) {
		const char *key;
		size_t pi;

		if (!m->offs[i])
			continue;
		key = m->arena + m->offs[i] - 1;
		pi = m->vals[i] - 1;
		if (strncmp(key, dir, dl) || key[dl] != '/' ||
		    !ing->paths[pi].file)
			continue;
		if (*n + 1 > ing->moves_cap &&
		    bt_grow(&ing->moves, &ing->moves_cap, *n + 1,
			    sizeof(*ing->moves)))
			return BT_ENOMEM;
		ing->moves[(*n)++] = (struct move){ pi, m->offs[i] - 1,
			ing->paths[pi].file };
	}
	return 0;
}

/* The path index of `to` followed by moves[i]'s name after its first
 * `fl` bytes (its directory), the path itself in ing->mbuf. */
static int moved_path(struct bt_ingest *ing, size_t i, size_t fl,
		      const char *to, size_t *npi)
{
	/* path_index() may move the arena: copy before. */
	const char *rest = ing->pathmap.arena + ing->moves[i].off + fl;
	size_t tl = strlen(to), rl = strlen(rest);

	if (tl + rl + 1 > ing->mbuf_cap &&
	    bt_grow(&ing->mbuf, &ing->mbuf_cap, tl + rl + 1, 1))
		return BT_ENOMEM;
	memcpy(ing->mbuf, to, tl);
	memcpy(ing->mbuf + tl, rest, rl + 1);
	return path_index(ing, ing->mbuf, npi);
}

/*
 * A renamed directory takes the paths under it along: every bound path
 * "OLD/x" binds its file to "NEW/x" and lets go of the old one, so the
 * files keep their identity and their names' counts stay right.  Rare,
 * so a scan of every path is fine.
 */
static int move_children(struct bt_ingest *ing, const char *from,
			 const char *to, uint64_t time)
{
	size_t fl = strlen(from), n = 0, i;
	int r;

	if ((r = collect_children(ing, from, &n)))
		return r;
	for (i = 0; i < n; i++) {
		uint32_t file = ing->paths[ing->moves[i].pi].file;
		size_t npi;

		if ((r = moved_path(ing, i, fl, to, &npi)))
			return r;
		if (npi == NOPATH || npi == ing->moves[i].pi)
			continue;
		if ((r = bind(ing, npi, file, time, ing->mbuf)) ||
		    (ing->paths[ing->moves[i].pi].file == file &&
		     (r = unbind(ing, ing->moves[i].pi))))
			return r;
	}
	return 0;
}

/* Whether the other side of a swap (swap_children(): moves[0, na) under
 * a, of name length la, [na, n) under b, lb) had moves[i]'s file under
 * the same rest of the name (hard links "A/x" and "B/x"): then that name
 * came back to it. */
static bool mirrored(const struct bt_ingest *ing, size_t i, size_t na,
		     size_t n, size_t la, size_t lb, const char *rest)
{
	size_t j = i < na ? na : 0, end = i < na ? n : na;
	size_t ol = i < na ? lb : la;

	for (; j < end; j++)
		if (ing->moves[j].file == ing->moves[i].file &&
		    !strcmp(ing->pathmap.arena + ing->moves[j].off + ol, rest))
			return true;
	return false;
}

/*
 * Two directories swapped by RENAME_EXCHANGE swap what is under them:
 * "A/x" names what "B/x" named and the other way round.  Every file moved
 * is held named (count_bound()) while the names change hands, so none
 * ends on the way; a name left with the file it had (nothing came in its
 * place) lets go of it.
 */
static int swap_children(struct bt_ingest *ing, const char *a, const char *b,
			 uint64_t time)
{
	size_t na = 0, n = 0, i, k;
	int r;

	if ((r = collect_children(ing, a, &na)))
		return r;
	n = na;
	if ((r = collect_children(ing, b, &n)))
		return r;
	for (i = 0; i < n; i++)
		if ((r = count_bound(ing, ing->moves[i].file, +1)))
			return r;
	for (k = 0; k < 2; k++) {
		for (i = 0; i < n; i++) {
			const char *to = i < na ? b : a;
			size_t fl = strlen(i < na ? a : b);
			size_t npi, pi = ing->moves[i].pi;
			uint32_t file = ing->moves[i].file;

			if (k == 1) {
				/* nothing came in its place: let go (no
				 * path_index() here: the arena stays) */
				const char *rest = ing->pathmap.arena +
						   ing->moves[i].off + fl;

				if (ing->paths[pi].file == file &&
				    !mirrored(ing, i, na, n, strlen(a),
					      strlen(b), rest) &&
				    (r = unbind(ing, pi)))
					return r;
				continue;
			}
			if ((r = moved_path(ing, i, fl, to, &npi)))
				return r;
			if (npi == NOPATH)
				continue;
			if ((r = bind(ing, npi, file, time, ing->mbuf)))
				return r;
		}
	}
	for (i = 0; i < n; i++)
		if ((r = count_bound(ing, ing->moves[i].file, -1)))
			return r;
	return 0;
}

/*
 * renameat2(RENAME_EXCHANGE): `file`, named by path index pi, and the file
 * new_path (index pi2) named swap names.  Neither file loses its last
 * name on the way (two renames in a row would end the second file at the
 * first, replaced by it).  A rename event on each name.
 */
static int exchange(struct bt_ingest *ing, const struct bt_obs *o,
		    uint32_t proc, uint32_t file, size_t pi, size_t pi2)
{
	struct bt_obs o2 = *o;
	uint32_t other, fn;
	size_t p2;
	int r;

	o2.path = o->new_path;
	o2.has_ino = o->has_ino2;
	o2.dev = o->dev2;
	o2.ino = o->ino2;
	if ((r = get_file(ing, &o2, o2.path, NOFOLLOW, 0, &other, &p2)) ||
	    (!other && (r = new_file(ing, false, 0, 0, o->file_flags, 0,
				     &other))))
		return r;
	if ((r = get_fname(ing, pi2, o->new_path, &fn)) ||
	    (r = event(ing, BT_OP_RENAME, 0, 0, o->time, proc, fn)))
		return r;
	if (other == file)
		return 0;
	/* `other` keeps a name of its own while it moves */
	if ((r = count_bound(ing, other, +1)) ||
	    (r = bind(ing, pi2, file, o->time, o->new_path)) ||
	    (r = bind(ing, pi, other, o->time, o->path)) ||
	    (r = count_bound(ing, other, -1)))
		return r;
	/* two directories: what is under them too */
	return swap_children(ing, o->path, o->new_path, o->time);
}

static int add_rename(struct bt_ingest *ing, const struct bt_obs *o,
		      uint32_t proc)
{
	unsigned op = o->op == BT_RAW_RENAME ? BT_OP_RENAME : BT_OP_LINK;
	uint32_t file, fn;
	size_t pi, pi2;
	bool same;
	int r;

	if ((r = get_file(ing, o, o->path, NOFOLLOW, 0, &file, &pi)) ||
	    (!file && (r = new_file(ing, false, 0, 0, o->file_flags, 0,
				    &file))) ||
	    (r = path_index(ing, o->new_path, &pi2)))
		return r;
	/* path_index may have moved paths[]: pi stays valid.  link(2)
	 * resolves the old name (a lookup, as an open's; a descriptor path
	 * such as /proc/self/fd/N is no name: the file is the fd's). */
	if (op == BT_OP_LINK && (r = lookup(ing, pi, o->time, proc)))
		return r;
	if (op == BT_OP_RENAME && pi != NOPATH &&
	    ((r = get_fname(ing, pi, o->path, &fn)) ||
	     (r = event(ing, op, 0, 0, o->time, proc, fn))))
		return r;
	if (pi2 == NOPATH)
		return 0;       /* not a name: nothing is bound */
	if (op == BT_OP_RENAME && o->exchange && pi != NOPATH && pi != pi2)
		return exchange(ing, o, proc, file, pi, pi2);
	/* rename(2) of two names of one file does nothing: both stay. */
	same = ing->paths[pi2].file == file;
	if ((r = get_fname(ing, pi2, o->new_path, &fn)) ||
	    (r = event(ing, op, 0, 0, o->time, proc, fn)))
		return r;
	/* The new name first: a replaced target loses it (and ends if it
	 * was its last), and the file itself is never nameless between its
	 * two names, so its (dev, ino) is kept. */
	if ((r = bind(ing, pi2, file, o->time, o->new_path)))
		return r;
	if (op == BT_OP_RENAME && pi != NOPATH && pi != pi2 && !same &&
	    ing->paths[pi].file == file && (r = unbind(ing, pi)))
		return r;
	if (op == BT_OP_RENAME && pi != NOPATH && pi != pi2 && !same &&
	    (r = move_children(ing, o->path, o->new_path, o->time)))
		return r;
	return 0;
}

static int add(struct bt_ingest *ing, const struct bt_obs *o, size_t ps)
{
	uint32_t proc = ing->procs[ps].id, file = 0, fn = 0, rg = 0;
	uint32_t pg = 0, ep = 0;
	size_t pi;
	unsigned flags;
	uint64_t before = ing->st.events;
	int r;

	ing->via = NOPATH;
	switch (o->op) {
	case BT_RAW_FORK: {
		size_t cs;

		if ((r = new_process(ing, o->child, o->child_start ?
				     o->child_start : o->time, o->pid,
				     ing->procs[ps].cred.uid, &cs)))
			return r;
		/* The child has its parent's credentials; a later change is
		 * labelled on the child. */
		ing->procs[cs].cred = ing->procs[ps].cred;
		/* And its cgroup (a FORK's cgroup is the parent's, where
		 * the child starts); labelled so a child that never execs
		 * still says where it ran. */
		if (o->cgroup && *o->cgroup &&
		    (r = proc_label(ing, cs, BT_LABEL_CGROUP, o->time,
				    o->cgroup)))
			return r;
		if ((r = event(ing, BT_OP_FORK, 0, 0, o->time, proc,
			       ing->procs[cs].id)))
			return r;
		break;
	}
	case BT_RAW_EXIT:
		bt_u64map_put(&ing->pids, o->pid, 0);
		break;
	case BT_RAW_SETID:
		break;                  /* cred_update() did it */
	case BT_RAW_MEM_WRITE:
	case BT_RAW_MEM_READ: {
		uint32_t v = bt_u64map_get(&ing->pids, o->peer);
		size_t ts;

		/* Its own memory is no dependency on another process. */
		if (o->peer == o->pid &&
		    (!o->peer_start || o->peer_start == ing->procs[ps].start))
			break;
		if (v && is_proc(ing, v - 1, o->peer_start))
			ts = v - 1;
		else if ((r = new_process(ing, o->peer, o->peer_start ?
					  o->peer_start : o->time, 0,
					  UINT32_MAX, &ts)))
			return r;
		else
			ing->procs[ts].start_unknown = !o->peer_start;
		/* new_process() may have moved procs[]: ids by index. */
		if (o->op == BT_RAW_MEM_WRITE)
			r = event(ing, BT_OP_MEM_WRITE, 0, sat32(o->bytes),
				  o->time, proc, ing->procs[ts].id);
		else
			r = event(ing, BT_OP_MEM_READ, 0, sat32(o->bytes),
				  o->time, ing->procs[ts].id, proc);
		if (r)
			return r;
		break;
	}
	case BT_RAW_EXEC: {
		const char *exe = o->path && !is_fd_path(o->path) ? o->path :
				  o->exe;

		if ((r = get_file(ing, o, o->path, FIND, 0, &file, &pi)) ||
		    (r = lookup(ing, pi, o->time, proc)) ||
		    (file && (r = event(ing, BT_OP_EXEC, 0, 0, o->time, file,
					proc))) ||
		    (exe && (r = proc_label(ing, ps, BT_LABEL_EXE, o->time,
					    exe))) ||
		    (r = argv_label(ing, proc, o)))
			return r;
		break;
	}
	case BT_RAW_OPEN:
		if ((r = get_file(ing, o, o->path, FIND, 0, &file, &pi)) ||
		    (r = lookup(ing, pi, o->time, proc)))
			return r;
		break;
	case BT_RAW_READ:
	case BT_RAW_WRITE:
	case BT_RAW_TRUNCATE:
	case BT_RAW_CHMOD:
	case BT_RAW_CHOWN:
		if ((r = get_file(ing, o, o->path, FIND, 0, &file, &pi)))
			return r;
		if (!file)
			break;          /* a descriptor path and no inode */
		if ((r = lookup(ing, pi, o->time, proc)))
			return r;
		if (o->op == BT_RAW_READ)
			r = event(ing, BT_OP_READ, 0, sat32(o->bytes),
				  o->time, file, proc);
		else if (o->op == BT_RAW_WRITE)
			r = event(ing, BT_OP_WRITE, 0, sat32(o->bytes),
				  o->time, proc, file);
		else if (o->op == BT_RAW_TRUNCATE)
			r = event(ing, BT_OP_TRUNCATE,
				  o->empties ? BT_EVF_EMPTY : 0, 0, o->time,
				  proc, file);
		else if (o->op == BT_RAW_CHMOD)
			r = event(ing, BT_OP_CHMOD, 0, o->mode == UINT32_MAX ?
				  UINT32_MAX : o->mode & 07777, o->time, proc,
				  file);
		else
			r = event(ing, BT_OP_CHOWN, 0, 0, o->time, proc, file);
		if (r)
			return r;
		break;
	case BT_RAW_MMAP:
		flags = o->shared ? BT_EVF_SHARED : 0;
		if ((r = get_file(ing, o, o->path, FIND, 0, &file, &pi)))
			return r;
		if (!file)
			break;
		if ((r = lookup(ing, pi, o->time, proc)) ||
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
		if ((r = get_file(ing, o, o->path, FIND, 0, &file, &pi)))
			return r;
		if (file && (r = drop_regions(ing, proc, file, o)))
			return r;
		break;
	case BT_RAW_PAGE_READ:
	case BT_RAW_PAGE_WRITE:
		if ((r = get_file(ing, o, o->path, FIND, 0, &file, &pi)))
			return r;
		if (!file)
			break;
		if ((r = get_page(ing, file, o->page, &pg)))
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
		/* An unbound path (never seen, or unlinked) gets a new file
		 * in get_file(); a memfd or a pipe is always a new one. */
		if ((r = get_file(ing, o, o->path, o->file_flags ? FRESH :
				  FIND, 0, &file, &pi)))
			return r;
		if (pi == NOPATH)
			break;
		if ((r = get_fname(ing, pi, o->path, &fn)) ||
		    (r = event(ing, BT_OP_CREATE, 0, 0, o->time, proc, fn)))
			return r;
		break;
	case BT_RAW_SYMLINK:
		/* The link is a file of its own (its content is the target
		 * string): the creator writes it, and its name is modified,
		 * so a backtrack from the link finds who made it and reads
		 * through the name look it up. */
		if ((r = get_file(ing, o, o->path, FRESH, FI_SYMLINK, &file,
				  &pi)) ||
		    (r = keep_target(ing, file, o->target)))
			return r;
		if (pi == NOPATH)
			break;
		if ((r = get_fname(ing, pi, o->path, &fn)) ||
		    (r = event(ing, BT_OP_SYMLINK, 0, 0, o->time, proc, fn)) ||
		    (r = event(ing, BT_OP_WRITE, 0, sat32(strlen(o->target)),
			       o->time, proc, file)))
			return r;
		break;
	case BT_RAW_PIPE:
		if ((r = get_file(ing, o, o->path, FRESH, 0, &file, &pi)))
			return r;
		break;
	case BT_RAW_UNLINK:
		if ((r = path_index(ing, o->path, &pi)))
			return r;
		if (pi == NOPATH)
			break;
		if ((r = get_fname(ing, pi, o->path, &fn)) ||
		    (r = event(ing, BT_OP_UNLINK, 0, 0, o->time, proc, fn)) ||
		    (r = unbind(ing, pi)))
			return r;
		break;
	case BT_RAW_RENAME:
	case BT_RAW_LINK:
		if ((r = add_rename(ing, o, proc)))
			return r;
		break;
	case BT_RAW_CONNECT:
	case BT_RAW_ACCEPT:
	case BT_RAW_RECV:
	case BT_RAW_SEND:
		if ((r = get_endpoint(ing, o, &ep)))
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

/* A read or write by inode alone (a descriptor's) of a file last bound
 * to /proc/PID/mem: o->peer = PID. */
static bool mem_file(struct bt_ingest *ing, struct bt_obs *o)
{
	struct finfo *f;

	if (!o->has_ino || !ing->mem_bound)
		return false;
	f = finfo(ing, pair_get(&ing->files, o->dev, o->ino));
	if (!f || !f->mem_pid)
		return false;
	o->peer = f->mem_pid;
	return true;
}

/* After anything was appended (or the maps changed) a failure leaves
 * state that the log does not hold: roll the log back to the last commit
 * and refuse everything after, with the same error. */
static int poison(struct bt_ingest *ing, int r)
{
	bt_log_writer_rollback(ing->w);
	ing->poisoned = r;
	snprintf(ing->why, sizeof(ing->why), "%s", bt_error_msg());
	return r;
}

int bt_ingest_add(struct bt_ingest *ing, const struct bt_obs *obs)
{
	struct bt_obs o;
	size_t ps;
	int r;

	if (ing->poisoned)
		return bt_error_set(ing->poisoned, "%s (ingest stopped there)",
				    ing->why);
	if ((r = check(obs)))
		return r;
	o = *obs;
	/* A read or write of a process's memory file is one of its memory
	 * (ingest.h): not a file. */
	if ((o.op == BT_RAW_READ || o.op == BT_RAW_WRITE) &&
	    (o.path ? is_mem_path(o.path, &o.peer) : mem_file(ing, &o))) {
		o.op = o.op == BT_RAW_READ ? BT_RAW_MEM_READ :
		       BT_RAW_MEM_WRITE;
		if (!o.peer)
			o.peer = o.pid;         /* /proc/self/mem */
		o.peer_start = 0;
		o.path = NULL;
		o.has_ino = false;
	}
	if ((r = norm_path(ing, 0, o.path, &o.path)) ||
	    (r = norm_path(ing, 1, o.new_path, &o.new_path)))
		return r;
	if (o.op == BT_RAW_EXIT && !bt_u64map_get(&ing->pids, o.pid)) {
		/* The exit of a process never seen: nothing to record. */
		ing->st.observations++;
		ing->st.ignored++;
		return 0;
	}
	if ((r = get_process(ing, &o, &ps)) ||
	    (r = cred_update(ing, ps, &o)) ||
	    (o.exe && o.op != BT_RAW_EXEC &&
	     (r = proc_label(ing, ps, BT_LABEL_EXE, o.time, o.exe))) ||
	    (o.comm && (r = proc_label(ing, ps, BT_LABEL_COMM, o.time,
				       o.comm))) ||
	    (o.cgroup && *o.cgroup &&
	     (r = proc_label(ing, ps, BT_LABEL_CGROUP, o.time, o.cgroup))) ||
	    (r = add(ing, &o, ps)))
		return poison(ing, r);
	bt_log_writer_commit(ing->w);
	ing->st.observations++;
	return 0;
}
