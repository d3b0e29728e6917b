/*
 * filter.c - the result filters and the ranking of entry points (see
 * filter.h for what each filter removes, the rule none of them breaks and
 * the guarantee that none cuts a path).
 *
 * The work is on the result, not the log: results are small (the walk
 * already bounded them), so a few passes over their nodes and edges and a
 * few look-ups in the graph per candidate are cheap.  The path guarantee
 * is a 0-1 breadth-first search from the detection point in which a
 * candidate costs 1: for every kept node cut off by the candidates, the
 * candidates on its cheapest path are kept.  Runtime files are not
 * dropped: each process they were loaded by gets one summary node with
 * their edges (per operation, counted).
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "filter.h"
#include "graph.h"
#include "../core/hash.h"

static const char *const names[BT_FILTER_COUNT] = {
	"runtime", "helpers", "noise", "hide", "private", "names"
};

static const char *const rank_names[BT_RANK_MAX + 1] = {
	[BT_RANK_REMOTE] = "remote endpoint",
	[BT_RANK_WRITTEN] = "written before the window",
	[BT_RANK_DATA] = "data few processes read",
	[BT_RANK_PROGRAM] = "program or library outside the system directories",
	[BT_RANK_PROCESS] = "process with no cause in the window",
	[BT_RANK_COMMON] = "system or configuration file, or one many processes read",
	[BT_RANK_NAME] = "file name nobody changed in the window",
};

/* Objects that carry no information flow an analyst wants to see. */
static const char *const noise_globs[] = {
	"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
	"/dev/tty", "/dev/tty[0-9]*", "/dev/ttyS[0-9]*", "/dev/pts/*",
	"/dev/ptmx", "/dev/console", "/dev/log",
	"/proc/self/*", "/proc/thread-self/*", "/proc/[0-9]*/*",
	"/var/run/utmp", "/run/utmp", "/var/log/wtmp", "/var/log/btmp",
	"/var/log/lastlog", "/etc/ld.so.cache", "/etc/localtime",
};

/* Where programs, libraries and runtime files live. */
static const char *const system_globs[] = {
	"/usr/*", "/lib/*", "/lib32/*", "/lib64/*", "/libx32/*", "/bin/*",
	"/sbin/*", "/opt/*", "/etc/*",
};

/*
 * What programs load rather than process: a file under these names that
 * nothing wrote in the window is runtime for every process that only
 * read or mapped it.  (Executables are recognised by their exec.)  The
 * list is in man/btrack-backtrack.1 too.
 */
static const char *const runtime_globs[] = {
	/* shared libraries and the loader */
	"/usr/lib*/*.so", "/usr/lib*/*.so.*", "/lib*/*.so", "/lib*/*.so.*",
	"/usr/local/lib*/*.so", "/usr/local/lib*/*.so.*",
	"/etc/ld.so.cache", "/etc/ld.so.preload", "/etc/ld.so.conf",
	"/etc/ld.so.conf.d/*",
	/* locale, character sets, time zones, terminals */
	"/usr/lib/locale/*", "/usr/share/locale/*", "/usr/share/i18n/*",
	"/etc/locale.alias", "/etc/locale.conf", "/etc/default/locale",
	"/usr/lib/*/gconv/*", "/usr/lib/gconv/*", "/etc/localtime",
	"/usr/share/zoneinfo/*", "/etc/timezone", "/usr/share/terminfo/*",
	"/lib/terminfo/*", "/etc/terminfo/*",
	/* name service */
	"/etc/nsswitch.conf", "/etc/passwd", "/etc/group", "/etc/hosts",
	"/etc/host.conf", "/etc/resolv.conf", "/etc/gai.conf",
	"/etc/services", "/etc/protocols", "/etc/networks",
	/* what libraries read as they start */
	"/usr/lib/ssl/openssl.cnf", "/etc/ssl/openssl.cnf",
	"/etc/ssl/certs/*", "/usr/lib/ssl/certs/*", "/usr/share/ca-certificates/*",
	"/proc/filesystems", "/proc/meminfo", "/proc/sys/vm/overcommit_memory",
	"/proc/sys/kernel/ngroups_max", "/sys/devices/system/cpu/*",
	"/sys/fs/selinux/*", "/etc/selinux/config",
	/* interpreters' own modules */
	"/usr/lib/python3*/*", "/usr/lib/python2*/*",
	"/usr/local/lib/python3*/*", "/usr/share/perl*/*",
	"/usr/lib/*/perl*/*",
};

/* Names (of the last component) of program code interpreters load. */
static const char *const code_names[] = {
	"*.py", "*.pyc", "*.pth", "*.pm", "*.pl", "*.rb", "*.sh", "*.bash",
	"*.js", "*.jar", "*.class", "*.elc",
};

/* Names (of the last component) of configuration files. */
static const char *const config_names[] = {
	"*.conf", "*.cnf", "*.cfg", "*.ini", "*config", ".*rc", "*.rc",
	".profile", ".*_profile", "*.toml", "*.yaml", "*.yml",
};

void bt_filter_opts_init(struct bt_filter_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->enabled = BT_FILTERS_DEFAULT;
	o->readonly_readers = 3;
}

const char *bt_filter_name(unsigned id)
{
	return id < BT_FILTER_COUNT ? names[id] : NULL;
}

int bt_filter_parse(unsigned *out, const char *list)
{
	unsigned v = 0, i;
	const char *p = list;

	if (!strcmp(list, "all")) {
		*out = (1u << BT_FILTER_COUNT) - 1;
		return 0;
	}
	if (!strcmp(list, "none") || !*list) {
		*out = 0;
		return 0;
	}
	if (!strcmp(list, "default")) {
		*out = BT_FILTERS_DEFAULT;
		return 0;
	}
	while (*p) {
		size_t n = strcspn(p, ",");

		for (i = 0; i < BT_FILTER_COUNT; i++)
			if (strlen(names[i]) == n && !memcmp(names[i], p, n))
				break;
		if (n == 8 && !memcmp(p, "readonly", 8))
			i = BT_FILTER_RUNTIME;   /* its old name */
		if (i == BT_FILTER_COUNT)
			return bt_error_set(BT_EINVAL,
				"unknown filter '%.*s' (runtime, helpers, "
				"noise, private, names, hide, all, none)",
				(int)n, p);
		v |= 1u << i;
		p += n;
		if (*p == ',')
			p++;
	}
	*out = v;
	return 0;
}

const char *bt_entry_rank_name(unsigned rank)
{
	return rank && rank <= BT_RANK_MAX ? rank_names[rank] : NULL;
}

static bool bracketed(const char *p, const char *prefix)
{
	size_t n = strlen(prefix), len;

	if (!p || strncmp(p, prefix, n))
		return false;
	len = strlen(p);
	return len > n + 1 && p[len - 1] == ']';
}

bool bt_file_is_pipe(const struct bt_object_info *info)
{
	if (info->kind != BT_OBJ_FILE)
		return false;
	if (info->file_flags & BT_FILEF_PIPE)
		return true;
	/* "socket:[N]" without the flag may be a connection to a daemon
	 * outside the recording: a source, not a channel between two
	 * recorded processes. */
	if (bracketed(info->path, "pipe:["))
		return true;
	/* "/proc/PID/fd/pipe:[N]", as some importers name them. */
	return info->path && !strncmp(info->path, "/proc/", 6) &&
	       fnmatch("/proc/*/fd/pipe:\\[*\\]", info->path, 0) == 0;
}

void bt_filter_report_free(struct bt_filter_report *rep)
{
	if (!rep)
		return;
	free(rep->removed);
	free(rep->removed_filter);
	free(rep);
}

/* ---- matching ------------------------------------------------------------ */

static int match_any(const char *const *globs, size_t n, const char *s)
{
	size_t i;

	if (!s)
		return 0;
	for (i = 0; i < n; i++)
		if (fnmatch(globs[i], s, 0) == 0)
			return 1;
	return 0;
}

struct path_match {
	const char *const *globs;
	size_t n;
	int hit;
};

static void match_path(void *arg, const char *path, uint64_t time)
{
	struct path_match *m = arg;

	(void)time;
	if (!m->hit && match_any(m->globs, m->n, path))
		m->hit = 1;
}

/* Does the node's name (any path of a file) match one of the globs? */
static int node_matches(const struct bt_graph *g, const struct bt_node *n,
			const char *const *globs, size_t ng)
{
	struct bt_object_info info;
	uint32_t obj = n->kind == BT_OBJ_PAGE ? n->file : n->obj;

	if (!ng || bt_graph_object(g, obj, &info))
		return 0;
	switch (info.kind) {
	case BT_OBJ_FILE: {
		struct path_match m = { globs, ng, 0 };

		bt_graph_file_paths(g, obj, match_path, &m);
		return m.hit || match_any(globs, ng, info.path);
	}
	case BT_OBJ_FILENAME:
	case BT_OBJ_ENDPOINT:
		return match_any(globs, ng, info.path);
	case BT_OBJ_PROCESS:
		return match_any(globs, ng, info.exe) ||
		       match_any(globs, ng, info.comm);
	default:
		return 0;
	}
}

/* ---- candidates ---------------------------------------------------------- */

static int is_write_op(unsigned op)
{
	return op == BT_OP_WRITE || op == BT_OP_TRUNCATE ||
	       op == BT_OP_MMAP_WRITE || op == BT_OP_PAGE_WRITE;
}

/* A path that takes a detour ("/usr/lib/../../tmp/x.so") is not where it
 * seems: it never matches the system or runtime lists. */
static bool plain_path(const char *p)
{
	return !strstr(p, "/../") && !strstr(p, "/./") &&
	       !(strlen(p) >= 3 && !strcmp(p + strlen(p) - 3, "/.."));
}

struct all_match {
	const char *const *globs;
	size_t n;
	int all, any;
};

static void match_all_path(void *arg, const char *path, uint64_t time)
{
	struct all_match *m = arg;

	(void)time;
	m->any = 1;
	if (!plain_path(path) || !match_any(m->globs, m->n, path))
		m->all = 0;
}

/* Does every path of file `file` match the globs (and has it one)? */
static bool file_all_match(const struct bt_graph *g, uint32_t file,
			   const char *const *globs, size_t ng)
{
	struct all_match m = { globs, ng, 1, 0 };

	bt_graph_file_paths(g, file, match_all_path, &m);
	return m.any && m.all;
}

#define NGLOBS(a) (sizeof(a) / sizeof((a)[0]))

/* Incident edges of each node, both directions (CSR). */
struct adj {
	size_t *start;   /* nnodes + 1 */
	uint32_t *edge;  /* 2 * nedges */
};

static int adj_build(struct adj *a, const struct bt_result *r)
{
	size_t i, *fill;

	a->start = calloc(r->nnodes + 1, sizeof(*a->start));
	a->edge = malloc((2 * r->nedges + 1) * sizeof(*a->edge));
	fill = calloc(r->nnodes + 1, sizeof(*fill));
	if (!a->start || !a->edge || !fill) {
		free(fill);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	for (i = 0; i < r->nedges; i++) {
		a->start[r->edges[i].from + 1]++;
		a->start[r->edges[i].to + 1]++;
	}
	for (i = 0; i < r->nnodes; i++)
		a->start[i + 1] += a->start[i];
	for (i = 0; i < r->nedges; i++) {
		uint32_t f = r->edges[i].from, t = r->edges[i].to;

		a->edge[a->start[f] + fill[f]++] = (uint32_t)i;
		if (t != f)
			a->edge[a->start[t] + fill[t]++] = (uint32_t)i;
	}
	free(fill);
	return 0;
}

static uint32_t other_end(const struct bt_edge *e, uint32_t v)
{
	return e->from == v ? e->to : e->from;
}

/* Are all of x's edges to a or b (or x itself)? */
static int only_touches(const struct bt_result *r, const struct adj *a,
			uint32_t x, uint32_t h, uint32_t p)
{
	size_t j;

	for (j = a->start[x]; j < a->start[x + 1]; j++) {
		uint32_t y = other_end(&r->edges[a->edge[j]], x);

		if (y != h && y != p && y != x)
			return 0;
	}
	return 1;
}

/*
 * A helper: a process forked by a process p that takes nothing from
 * outside and gives only to p.  Its causes may be p, the program it
 * executes (a file nothing else touches) and nodes other filters remove;
 * a file, page or endpoint it reads is information from outside, so a
 * process that reads one is no helper (`secret=$(cat secret)` must stay).
 * Its effects must be objects only it and p touch (its pipes).  Marks the
 * helper and those private objects.
 */
static void mark_helpers(const struct bt_result *r, const struct adj *a,
			 uint8_t *cand)
{
	size_t v, k;

	for (v = 1; v < r->nnodes; v++) {
		uint32_t p = UINT32_MAX;
		int ok = 1;

		if (r->nodes[v].kind != BT_OBJ_PROCESS || cand[v])
			continue;
		for (k = a->start[v]; k < a->start[v + 1]; k++) {
			const struct bt_edge *e = &r->edges[a->edge[k]];

			if (e->op == BT_OP_FORK && e->to == v &&
			    r->nodes[e->from].kind == BT_OBJ_PROCESS)
				p = e->from;
		}
		if (p == UINT32_MAX)
			continue;
		for (k = a->start[v]; k < a->start[v + 1] && ok; k++) {
			const struct bt_edge *e = &r->edges[a->edge[k]];
			uint32_t x = other_end(e, (uint32_t)v);

			if (x == p || x == v || cand[x])
				continue;
			if (x == 0 || r->nodes[x].kind == BT_OBJ_PROCESS ||
			    r->nodes[x].kind == BT_OBJ_ENDPOINT ||
			    !only_touches(r, a, x, (uint32_t)v, p))
				ok = 0;
			else if (e->to == v && e->op != BT_OP_EXEC)
				ok = 0;  /* data from outside */
		}
		if (!ok)
			continue;
		cand[v] = BT_FILTER_HELPERS + 1;
		for (k = a->start[v]; k < a->start[v + 1]; k++) {
			uint32_t x = other_end(&r->edges[a->edge[k]],
					       (uint32_t)v);

			if (x != p && x != 0 && !cand[x])
				cand[x] = BT_FILTER_HELPERS + 1;
		}
	}
}

struct comm_match {
	const char *base;
	bool hit;
};

static void comm_is(void *arg, const char *value, size_t len, uint64_t time)
{
	struct comm_match *m = arg;
	size_t n = strlen(m->base);

	(void)time;
	/* comm is the name executed, cut at 15 bytes. */
	if (len && (len == n || (len == 15 && n > 15)) &&
	    !memcmp(value, m->base, len))
		m->hit = true;
}

/* Does process `proc` run under the name of `file` (its comm is the
 * file's name): a script read by the interpreter the kernel started for
 * it ("zcat" is /bin/sh reading /usr/bin/zcat), or a program reading
 * its own image? */
static bool runs_as(const struct bt_graph *g, uint32_t proc, uint32_t file)
{
	struct bt_object_info in;
	struct comm_match m = { NULL, false };

	if (bt_graph_object(g, file, &in) || !in.path)
		return false;
	m.base = strrchr(in.path, '/');
	m.base = m.base ? m.base + 1 : in.path;
	if (!*m.base)
		return false;
	bt_graph_labels(g, proc, BT_LABEL_COMM, comm_is, &m);
	return m.hit;
}

/*
 * runtime: a file the result shows nothing writing (an entry point) whose
 * every edge is a load by a process: an exec of a file in the system
 * directories (and that process's reads of it), a read of a script there
 * by the interpreter that runs it (the process's comm is its name), or a
 * read or mapping of a file on the runtime list.
 */
static bool is_runtime(const struct bt_result *r, const struct adj *a,
		       uint32_t v)
{
	const struct bt_node *nd = &r->nodes[v];
	size_t k, j;
	int cached_sys = -1, cached_rt = -1;
	bool any_exec = false;

	if (nd->kind != BT_OBJ_FILE || !(nd->flags & BT_NODE_ENTRY) ||
	    a->start[v] == a->start[v + 1])
		return false;
	for (k = a->start[v]; k < a->start[v + 1]; k++)
		if (r->edges[a->edge[k]].op == BT_OP_EXEC)
			any_exec = true;
	for (k = a->start[v]; k < a->start[v + 1]; k++) {
		const struct bt_edge *e = &r->edges[a->edge[k]];
		bool exec_too = false;

		if (e->from != v || r->nodes[e->to].kind != BT_OBJ_PROCESS)
			return false;
		if (e->op != BT_OP_EXEC && e->op != BT_OP_READ &&
		    e->op != BT_OP_MMAP_READ)
			return false;
		if (cached_sys < 0)
			cached_sys = file_all_match(r->g, nd->obj, system_globs,
						    NGLOBS(system_globs));
		if (e->op == BT_OP_EXEC) {
			if (!cached_sys)
				return false;
			continue;
		}
		if (cached_rt < 0)
			cached_rt = file_all_match(r->g, nd->obj, runtime_globs,
						   NGLOBS(runtime_globs));
		if (cached_rt)
			continue;
		for (j = a->start[v]; any_exec && j < a->start[v + 1]; j++) {
			const struct bt_edge *x = &r->edges[a->edge[j]];

			if (x->op == BT_OP_EXEC && x->to == e->to)
				exec_too = true;
		}
		if (!cached_sys ||
		    !(exec_too || runs_as(r->g, r->nodes[e->to].obj, nd->obj)))
			return false;
	}
	return true;
}

/* The one process all of v's edges join it to, or UINT32_MAX. */
static uint32_t sole_process(const struct bt_result *r, const struct adj *a,
			     uint32_t v)
{
	uint32_t p = UINT32_MAX;
	size_t k;

	for (k = a->start[v]; k < a->start[v + 1]; k++) {
		uint32_t x = other_end(&r->edges[a->edge[k]], v);

		if (x == v)
			continue;
		if (r->nodes[x].kind != BT_OBJ_PROCESS ||
		    (p != UINT32_MAX && p != x))
			return UINT32_MAX;
		p = x;
	}
	return p;
}

/*
 * private: a file or file name only one process touches in the result and
 * that the process made: for a file, its first event in the whole log is
 * that process's write (nothing else put data in it first: sort's
 * temporary files); a name is private when only that process used it.
 */
static bool is_private(const struct bt_result *r, const struct adj *a,
		       uint32_t v)
{
	const struct bt_node *nd = &r->nodes[v];
	const struct bt_graph *g = r->g;
	const uint32_t *in, *out;
	size_t nin, nout;
	uint32_t p;

	if (nd->kind != BT_OBJ_FILE && nd->kind != BT_OBJ_FILENAME)
		return false;
	p = sole_process(r, a, v);
	if (p == UINT32_MAX)
		return false;
	if (nd->kind == BT_OBJ_FILENAME)
		return true;
	if (nd->flags & BT_NODE_ENTRY)
		return false;
	nin = bt_graph_in(g, nd->obj, &in);
	nout = bt_graph_out(g, nd->obj, &out);
	if (!nin)
		return false;
	{
		struct bt_rec_event first, o;

		bt_graph_event(g, in[0], &first);
		if (!is_write_op(first.op) || first.cause != r->nodes[p].obj)
			return false;
		if (nout && bt_graph_event(g, out[0], &o) &&
		    o.time < first.time)
			return false;
	}
	return true;
}

/* names: a file name nobody changed in the window whose only edges are
 * lookups by processes. */
static bool is_lookup_only(const struct bt_result *r, const struct adj *a,
			   uint32_t v)
{
	size_t k;

	if (r->nodes[v].kind != BT_OBJ_FILENAME ||
	    !(r->nodes[v].flags & BT_NODE_ENTRY))
		return false;
	for (k = a->start[v]; k < a->start[v + 1]; k++) {
		const struct bt_edge *e = &r->edges[a->edge[k]];

		if (e->from != v || e->op != BT_OP_LOOKUP)
			return false;
	}
	return true;
}

/*
 * /proc/PID/... is noise to process PID itself (its maps, its status);
 * read by another process it is information from PID (its environ, its
 * memory): not noise.  True when a process joined to node v in the result
 * has another pid than the one in v's path.
 */
static bool other_process_proc(const struct bt_result *r, const struct adj *a,
			       uint32_t v)
{
	struct bt_object_info in, p;
	unsigned long pid;
	char *end;
	size_t k;

	if (bt_graph_object(r->g, r->nodes[v].obj, &in) || !in.path ||
	    strncmp(in.path, "/proc/", 6) || in.path[6] < '0' ||
	    in.path[6] > '9')
		return false;
	pid = strtoul(in.path + 6, &end, 10);
	if (*end != '/')
		return false;
	for (k = a->start[v]; k < a->start[v + 1]; k++) {
		uint32_t x = other_end(&r->edges[a->edge[k]], v);

		if (x != v && r->nodes[x].kind == BT_OBJ_PROCESS &&
		    !bt_graph_object(r->g, r->nodes[x].obj, &p) &&
		    p.pid != pid)
			return true;
	}
	return false;
}

/* ---- the path guarantee -------------------------------------------------- */

/*
 * Neighbours "away" from the detection point: backward, a node's causes
 * (edges into it); forward, its effects (edges out of it).
 */
static int away(const struct bt_result *r, const struct bt_edge *e,
		uint32_t v, uint32_t *next)
{
	if (r->dir == BT_BACKWARD ? e->to == v : e->from == v) {
		*next = r->dir == BT_BACKWARD ? e->from : e->to;
		return 1;
	}
	return 0;
}

/*
 * Keep the fewest candidates so that every kept node is joined to the
 * detection point through kept nodes.  reach[] marks kept nodes joined so
 * far; a 0-1 BFS gives each node its cheapest path (parent[]).
 */
static int keep_paths(const struct bt_result *r, const struct adj *a,
		      uint8_t *cand, uint32_t *kept_by)
{
	size_t n = r->nnodes, i, k;
	/* Each relaxation pushes once: at most 2 * edges + 1 pushes, to
	 * either end of a deque whose head starts in the middle. */
	size_t half = 2 * r->nedges + 2;
	uint32_t *dist = NULL, *parent = NULL, *dq = NULL, *q = NULL;
	uint8_t *reach = NULL;
	size_t head, tail, qh, qt;
	int ret = 0;

	dist = malloc(n * sizeof(*dist));
	parent = malloc(n * sizeof(*parent));
	dq = malloc(2 * half * sizeof(*dq));
	q = malloc(n * sizeof(*q) + sizeof(*q));
	reach = calloc(n, 1);
	if (!dist || !parent || !dq || !q || !reach) {
		ret = bt_error_set(BT_ENOMEM, "out of memory");
		goto out;
	}
	/* 0-1 BFS: a candidate costs 1, a kept node 0. */
	for (i = 0; i < n; i++) {
		dist[i] = UINT32_MAX;
		parent[i] = UINT32_MAX;
	}
	head = tail = half;
	dist[0] = 0;
	dq[tail++] = 0;
	while (head < tail) {
		uint32_t v = dq[head++];

		for (k = a->start[v]; k < a->start[v + 1]; k++) {
			uint32_t x;
			uint32_t w;

			if (!away(r, &r->edges[a->edge[k]], v, &x))
				continue;
			w = dist[v] + (cand[x] ? 1 : 0);
			if (w >= dist[x])
				continue;
			dist[x] = w;
			parent[x] = v;
			if (cand[x])
				dq[tail++] = x;
			else
				dq[--head] = x;
		}
	}
	/* Kept nodes joined through kept nodes only. */
	qh = qt = 0;
	reach[0] = 1;
	q[qt++] = 0;
	for (;;) {
		while (qh < qt) {
			uint32_t v = q[qh++];

			for (k = a->start[v]; k < a->start[v + 1]; k++) {
				uint32_t x;

				if (!away(r, &r->edges[a->edge[k]], v, &x) ||
				    cand[x] || reach[x])
					continue;
				reach[x] = 1;
				q[qt++] = x;
			}
		}
		/* The first kept node still cut off: keep its path. */
		for (i = 1; i < n; i++)
			if (!cand[i] && !reach[i] && dist[i] != UINT32_MAX)
				break;
		if (i == n)
			break;
		qh = qt = 0;
		for (k = i; k != UINT32_MAX && !reach[k]; k = parent[k]) {
			if (cand[k]) {
				kept_by[cand[k] - 1]++;
				cand[k] = 0;
			}
			reach[k] = 1;
			q[qt++] = (uint32_t)k;
		}
	}
out:
	free(dist);
	free(parent);
	free(dq);
	free(q);
	free(reach);
	return ret;
}

/* ---- runtime summaries ------------------------------------------------- */

/* One runtime file's edge into a kept process. */
struct load {
	uint32_t proc;          /* kept node index (after compaction) */
	uint32_t file;          /* old node index of the runtime file */
	uint32_t edge;          /* old edge index */
};

static int cmp_load(const void *a, const void *b)
{
	const struct load *x = a, *y = b;

	if (x->proc != y->proc)
		return x->proc < y->proc ? -1 : 1;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return x->edge < y->edge ? -1 : x->edge > y->edge;
}

/* A summary node: the set of runtime files it stands for is that of the
 * first process that got it, loads[at .. at + n) (n loads, count files). */
struct summary {
	size_t at, n;
	uint32_t count;
	uint32_t rep;           /* the object that names it */
	int rep_score;
	uint64_t threshold;
	uint32_t depth;
};

/* Which file names a summary: libc first, then the executable, then a
 * library, then any. */
static int rep_score(const struct bt_graph *g, uint32_t file, unsigned op)
{
	struct bt_object_info in;
	const char *b;

	if (bt_graph_object(g, file, &in) || !in.path)
		return 0;
	b = strrchr(in.path, '/');
	b = b ? b + 1 : in.path;
	if (!strncmp(b, "libc.so", 7))
		return 4;
	if (op == BT_OP_EXEC)
		return 3;
	if (strstr(b, ".so"))
		return 2;
	return 1;
}

/* Do two processes' load lists name the same files? */
static bool same_files(const struct load *a, size_t na, const struct load *b,
		       size_t nb)
{
	size_t i = 0, j = 0;

	while (i < na && j < nb) {
		if (a[i].file != b[j].file)
			return false;
		while (i + 1 < na && a[i + 1].file == a[i].file)
			i++;
		while (j + 1 < nb && b[j + 1].file == b[j].file)
			j++;
		i++;
		j++;
	}
	return i == na && j == nb;
}

/*
 * The runtime files removed (cand == RUNTIME) become summary nodes: one
 * per process that loaded them, shared by the processes that loaded the
 * very same files (200 runs of one program: one summary, not 200), with
 * the edges per (process, operation), counted.  map[] gives the kept
 * nodes' new indexes.  Appends the nodes and edges to r.
 */
static int add_summaries(struct bt_result *r, const struct bt_node *old_nodes,
			 size_t old_n, const struct bt_edge *old_edges,
			 size_t old_ne, const uint8_t *cand, const uint32_t *map,
			 uint32_t *nsum_out)
{
	struct load *loads = NULL;
	struct summary *sum = NULL;
	struct bt_u64map by_hash;   /* hash of a file set -> summary + 1 */
	size_t nl = 0, nsum = 0, i, j, k, nedges = 0, ne;
	int ret = 0;

	*nsum_out = 0;
	bt_u64map_init(&by_hash);
	for (i = 0; i < old_ne; i++)
		if (old_edges[i].from < old_n && old_edges[i].to < old_n &&
		    cand[old_edges[i].from] == BT_FILTER_RUNTIME + 1 &&
		    map[old_edges[i].to] != UINT32_MAX)
			nl++;
	if (!nl)
		return 0;
	loads = malloc(nl * sizeof(*loads));
	sum = calloc(nl, sizeof(*sum));
	if (!loads || !sum) {
		ret = bt_error_set(BT_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0, nl = 0; i < old_ne; i++) {
		const struct bt_edge *e = &old_edges[i];

		if (e->from < old_n && e->to < old_n &&
		    cand[e->from] == BT_FILTER_RUNTIME + 1 &&
		    map[e->to] != UINT32_MAX)
			loads[nl++] = (struct load){ map[e->to], e->from,
						     (uint32_t)i };
	}
	qsort(loads, nl, sizeof(*loads), cmp_load);
	/* Every (process, op) pair is at most one edge. */
	{
		struct bt_node *nn;
		struct bt_edge *nedg;

		nn = realloc(r->nodes, (r->nnodes + nl) * sizeof(*nn));
		if (!nn) {
			ret = bt_error_set(BT_ENOMEM, "out of memory");
			goto out;
		}
		r->nodes = nn;
		nedg = realloc(r->edges, (r->nedges + nl + 1) * sizeof(*nedg));
		if (!nedg) {
			ret = bt_error_set(BT_ENOMEM, "out of memory");
			goto out;
		}
		r->edges = nedg;
	}
	ne = r->nedges;
	for (i = 0; i < nl; i = j) {
		uint64_t h = 0x9e3779b97f4a7c15ULL;
		uint32_t files = 0, si, v;
		struct summary *sm;

		for (j = i; j < nl && loads[j].proc == loads[i].proc; j++) {
			if (j == i || loads[j].file != loads[j - 1].file) {
				h = bt_hash_u64(h ^ old_nodes[loads[j].file].obj);
				files++;
			}
		}
		v = bt_u64map_get(&by_hash, h);
		if (v && same_files(loads + sum[v - 1].at, sum[v - 1].n,
				    loads + i, j - i)) {
			si = v - 1;
		} else {
			si = (uint32_t)nsum++;
			sum[si].at = i;
			sum[si].n = j - i;
			sum[si].count = files;
			sum[si].depth = UINT32_MAX;
			if (!v && (ret = bt_u64map_put(&by_hash, h, si + 1)))
				goto out;
		}
		sm = &sum[si];
		if (r->nodes[loads[i].proc].depth + 1 < sm->depth)
			sm->depth = r->nodes[loads[i].proc].depth + 1;
		/* The edges of this process, one per op. */
		for (k = i; k < j; k++) {
			const struct bt_edge *e = &old_edges[loads[k].edge];
			struct bt_edge *x = NULL;
			size_t m;
			int sc = rep_score(r->g, old_nodes[loads[k].file].obj,
					   e->op);

			if (!sm->rep || sc > sm->rep_score) {
				sm->rep = old_nodes[loads[k].file].obj;
				sm->rep_score = sc;
			}
			if (e->last > sm->threshold)
				sm->threshold = e->last;
			for (m = ne; m < r->nedges; m++)
				if (r->edges[m].op == e->op)
					x = &r->edges[m];
			if (!x) {
				x = &r->edges[r->nedges++];
				*x = *e;
				/* Summary nodes are numbered after the kept
				 * ones: r->nnodes + si, fixed below. */
				x->from = si;
				x->to = loads[i].proc;
				nedges++;
				continue;
			}
			x->count += e->count;
			if (e->first < x->first)
				x->first = e->first;
			if (e->last > x->last)
				x->last = e->last;
		}
		ne = r->nedges;
	}
	for (k = r->nedges - nedges; k < r->nedges; k++)
		r->edges[k].from += (uint32_t)r->nnodes;
	for (k = 0; k < nsum; k++) {
		struct bt_node *nd = &r->nodes[r->nnodes + k];

		memset(nd, 0, sizeof(*nd));
		nd->obj = sum[k].rep;
		nd->kind = BT_OBJ_FILE;
		nd->flags = BT_NODE_SUMMARY;
		nd->depth = sum[k].depth;
		nd->threshold = sum[k].threshold;
		nd->summary = sum[k].count;
	}
	r->nnodes += nsum;
	*nsum_out = (uint32_t)nsum;
out:
	bt_u64map_release(&by_hash);
	free(loads);
	free(sum);
	return ret;
}

/* ---- order --------------------------------------------------------------- */

static int cmp_node(const void *a, const void *b, void *arg)
{
	const struct bt_node *nodes = arg;
	const struct bt_node *x = &nodes[*(const uint32_t *)a];
	const struct bt_node *y = &nodes[*(const uint32_t *)b];
	bool sx = x->flags & BT_NODE_SUMMARY, sy = y->flags & BT_NODE_SUMMARY;

	if (x->flags & BT_NODE_DETECTION)
		return -1;
	if (y->flags & BT_NODE_DETECTION)
		return 1;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	if (sx != sy)
		return sx ? 1 : -1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->obj != y->obj)
		return x->obj < y->obj ? -1 : 1;
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

/* Nodes by (depth, summaries last, kind, object), the detection point
 * first; edges remapped and sorted as walk.h says. */
static int reorder(struct bt_result *r)
{
	uint32_t *perm, *rank;
	struct bt_node *nodes;
	size_t i, n = r->nnodes;

	perm = malloc((n + 1) * sizeof(*perm));
	rank = malloc((n + 1) * sizeof(*rank));
	nodes = malloc((n + 1) * sizeof(*nodes));
	if (!perm || !rank || !nodes) {
		free(perm);
		free(rank);
		free(nodes);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	qsort_r(perm, n, sizeof(*perm), cmp_node, r->nodes);
	for (i = 0; i < n; i++) {
		rank[perm[i]] = (uint32_t)i;
		nodes[i] = r->nodes[perm[i]];
	}
	memcpy(r->nodes, nodes, n * sizeof(*nodes));
	for (i = 0; i < r->nedges; i++) {
		r->edges[i].from = rank[r->edges[i].from];
		r->edges[i].to = rank[r->edges[i].to];
	}
	if (r->nedges)
		qsort(r->edges, r->nedges, sizeof(*r->edges), bt_edge_cmp);
	free(perm);
	free(rank);
	free(nodes);
	return 0;
}

/* ---- entry points -------------------------------------------------------- */

/* Distinct processes that read, mapped or executed `file` in the whole
 * log, up to `min`. */
static uint32_t readers(const struct bt_graph *g, uint32_t file, uint32_t min)
{
	const uint32_t *refs, *ends;
	uint32_t seen[64];
	size_t n, i, k, nseen = 0;

	if (min > 64)
		min = 64;
	/* the ends beside the list (an index) spare the events, and the
	 * references */
	if (!(n = bt_graph_out_ends_n(g, file, &ends)))
		n = bt_graph_out(g, file, &refs);
	for (i = 0; i < n && nseen < min; i++) {
		struct bt_rec_event e;

		if (ends)
			e.effect = BT_END_OBJ(ends[i]);
		else
			bt_graph_event(g, refs[i], &e);
		for (k = 0; k < nseen && seen[k] != e.effect; k++)
			;
		if (k == nseen)
			seen[nseen++] = e.effect;
	}
	return (uint32_t)nseen;
}

/* Was `file` (or a page of it) written before `since`? */
static bool written_before(const struct bt_graph *g, uint32_t file,
			   uint64_t since)
{
	const uint32_t *refs, *pg, *ends;
	size_t n, i, np, p;

	if (!since)
		return false;
	for (p = 0, np = bt_graph_file_pages(g, file, &pg); p <= np; p++) {
		uint32_t obj = p == 0 ? file : pg[p - 1];

		n = bt_graph_in(g, obj, &refs);
		ends = bt_graph_in_ends(g, obj);
		if (ends && bt_graph_time_ordered(g)) {
			/* before `since` iff the reference is before the
			 * first event at it: no event read */
			uint32_t cut = bt_graph_ref_at(g, since);

			for (i = 0; i < n && refs[i] < cut; i++)
				if (is_write_op(BT_END_OP(ends[i])))
					return true;
			continue;
		}
		for (i = 0; i < n; i++) {
			struct bt_rec_event e;

			bt_graph_event(g, refs[i], &e);
			if (e.time >= since)
				break;
			if (is_write_op(e.op))
				return true;
		}
	}
	return false;
}

/* Readers that make a file outside the system directories common (a
 * dotfile every shell reads), not data. */
#define COMMON_OUTSIDE 16

/* Was `file` executed by anyone in the log? */
static bool executed(const struct bt_graph *g, uint32_t file)
{
	const uint32_t *refs, *ends;
	size_t n = bt_graph_out_ends_n(g, file, &ends), i;
	struct bt_rec_event e;

	if (!ends)
		n = bt_graph_out(g, file, &refs);

	for (i = 0; i < n; i++)
		if (ends ? BT_END_OP(ends[i]) == BT_OP_EXEC :
		    bt_graph_event(g, refs[i], &e) && e.op == BT_OP_EXEC)
			return true;
	return false;
}

/* Is `file` read by a process that runs under its name (a script)? */
static bool run_by_reader(const struct bt_graph *g, uint32_t file)
{
	const uint32_t *refs, *ends;
	size_t n = bt_graph_out_ends_n(g, file, &ends), i;

	if (!ends)
		n = bt_graph_out(g, file, &refs);

	for (i = 0; i < n && i < 64; i++) {
		struct bt_rec_event e;

		if (ends) {
			e.op = (uint8_t)BT_END_OP(ends[i]);
			e.effect = BT_END_OBJ(ends[i]);
		} else {
			bt_graph_event(g, refs[i], &e);
		}
		if (e.op == BT_OP_READ &&
		    bt_graph_kind(g, e.effect) == BT_OBJ_PROCESS &&
		    runs_as(g, e.effect, file))
			return true;
	}
	return false;
}

static uint8_t rank_of(const struct bt_result *r, const struct bt_node *nd,
		       uint32_t common)
{
	struct bt_object_info in;
	const char *b;
	uint32_t file;
	bool sys;

	if (nd->flags & BT_NODE_REMOTE || nd->kind == BT_OBJ_ENDPOINT)
		return BT_RANK_REMOTE;
	if (nd->kind == BT_OBJ_PROCESS)
		return BT_RANK_PROCESS;
	if (nd->kind != BT_OBJ_FILE && nd->kind != BT_OBJ_PAGE)
		return BT_RANK_NAME;
	file = nd->kind == BT_OBJ_FILE ? nd->obj : nd->file;
	if (written_before(r->g, file, r->opts.since))
		return BT_RANK_WRITTEN;
	if (file_all_match(r->g, file, runtime_globs, NGLOBS(runtime_globs)))
		return BT_RANK_COMMON;
	sys = file_all_match(r->g, file, system_globs, NGLOBS(system_globs));
	if (bt_graph_object(r->g, file, &in) == 0 && in.path) {
		b = strrchr(in.path, '/');
		b = b ? b + 1 : in.path;
	} else {
		b = "";
	}
	if (sys) {
		/* Every test below ranks a system file common (and none of
		 * them data): the cheap ones first.  executed() reads every
		 * out-event of the file (2.7 M of /etc/crontab on a 1 G-event
		 * log), readers() stops at `common` readers. */
		if (strstr(b, ".so") ||
		    match_any(code_names, NGLOBS(code_names), b) ||
		    match_any(config_names, NGLOBS(config_names), b) ||
		    readers(r->g, file, common) >= common ||
		    run_by_reader(r->g, file) || executed(r->g, file))
			return BT_RANK_COMMON;
		return BT_RANK_DATA;
	}
	if (strstr(b, ".so") ||
	    match_any(code_names, NGLOBS(code_names), b) ||
	    run_by_reader(r->g, file) || executed(r->g, file))
		return BT_RANK_PROGRAM;
	/* A configuration file by its name (.gitconfig, app.conf, .bashrc):
	 * read, it may matter, but after the data. */
	if (match_any(config_names, NGLOBS(config_names), b))
		return BT_RANK_COMMON;
	/* Data, in the system directories (zcat of /usr/share/doc/x.gz,
	 * above) or not, unless many processes read it: configuration.
	 * Outside the system directories "many" is more than a few copies
	 * of a secret (cat, cp, tar of one file): COMMON_OUTSIDE readers;
	 * inside, `common`. */
	if (readers(r->g, file, COMMON_OUTSIDE) >= COMMON_OUTSIDE)
		return BT_RANK_COMMON;
	return BT_RANK_DATA;
}

/*
 * Backward: entry points are the objects with no cause left.  A process
 * whose causes were all removed (runtime files, noise) becomes one; a
 * file, page or name written in the window never does; a pipe never is;
 * a summary is not one.  Each entry point gets its rank.
 */
static int mark_entries(struct bt_result *r, uint32_t common)
{
	uint8_t *caused;
	size_t i;

	if (r->dir != BT_BACKWARD)
		return 0;
	caused = calloc(r->nnodes + 1, 1);
	if (!caused)
		return bt_error_set(BT_ENOMEM, "out of memory");
	for (i = 0; i < r->nedges; i++)
		if (!(r->nodes[r->edges[i].from].flags & BT_NODE_SUMMARY))
			caused[r->edges[i].to] = 1;
	for (i = 0; i < r->nnodes; i++) {
		struct bt_node *nd = &r->nodes[i];
		struct bt_object_info in;

		nd->rank = BT_RANK_NONE;
		if (nd->flags & BT_NODE_SUMMARY) {
			nd->flags &= (uint8_t)~BT_NODE_ENTRY;
			continue;
		}
		if (nd->kind == BT_OBJ_PROCESS && !caused[i])
			nd->flags |= BT_NODE_ENTRY;
		if (nd->kind == BT_OBJ_FILE &&
		    bt_graph_object(r->g, nd->obj, &in) == 0 &&
		    bt_file_is_pipe(&in))
			nd->flags &= (uint8_t)~BT_NODE_ENTRY;
		if (nd->flags & (BT_NODE_ENTRY | BT_NODE_REMOTE))
			nd->rank = rank_of(r, nd, common);
	}
	free(caused);
	return 0;
}

/* ---- applying ------------------------------------------------------------ */

int bt_filter_apply(struct bt_result *r, const struct bt_filter_opts *o,
		    struct bt_filter_report **out)
{
	struct bt_filter_report *rep;
	struct adj a = { NULL, NULL };
	uint8_t *cand = NULL;
	uint32_t *map = NULL, nsum = 0;
	struct bt_node *old_nodes = NULL;
	struct bt_edge *old_edges = NULL;
	size_t i, n = r->nnodes, kept = 0, nr = 0, ne = 0, old_ne;
	bool back = r->dir == BT_BACKWARD;
	int ret;

	*out = NULL;
	rep = calloc(1, sizeof(*rep));
	if (!rep)
		return bt_error_set(BT_ENOMEM, "out of memory");
	rep->nodes_before = rep->nodes_after = n;
	rep->edges_before = rep->edges_after = r->nedges;
	if (!o->enabled || n < 2)
		goto done;
	cand = calloc(n, 1);
	map = malloc(n * sizeof(*map));
	if (!cand || !map) {
		ret = bt_error_set(BT_ENOMEM, "out of memory");
		goto fail;
	}
	ret = adj_build(&a, r);
	if (ret)
		goto fail;

	for (i = 1; i < n; i++) {
		const struct bt_node *v = &r->nodes[i];

		if ((o->enabled & (1u << BT_FILTER_HIDE)) &&
		    node_matches(r->g, v, o->hide, o->nhide)) {
			cand[i] = BT_FILTER_HIDE + 1;
			continue;
		}
		if (v->kind == BT_OBJ_ENDPOINT)
			continue;
		if ((o->enabled & (1u << BT_FILTER_NOISE)) &&
		    (v->kind == BT_OBJ_FILE || v->kind == BT_OBJ_FILENAME) &&
		    node_matches(r->g, v, noise_globs, NGLOBS(noise_globs)) &&
		    !other_process_proc(r, &a, (uint32_t)i)) {
			cand[i] = BT_FILTER_NOISE + 1;
			continue;
		}
		if ((o->enabled & (1u << BT_FILTER_RUNTIME)) && back &&
		    is_runtime(r, &a, (uint32_t)i)) {
			cand[i] = BT_FILTER_RUNTIME + 1;
			continue;
		}
		if ((o->enabled & (1u << BT_FILTER_PRIVATE)) &&
		    is_private(r, &a, (uint32_t)i)) {
			cand[i] = BT_FILTER_PRIVATE + 1;
			continue;
		}
		if ((o->enabled & (1u << BT_FILTER_NAMES)) && back &&
		    is_lookup_only(r, &a, (uint32_t)i))
			cand[i] = BT_FILTER_NAMES + 1;
	}
	if ((o->enabled & (1u << BT_FILTER_HELPERS)) && back)
		mark_helpers(r, &a, cand);
	ret = keep_paths(r, &a, cand, rep->kept_by);
	if (ret)
		goto fail;

	for (i = 0; i < n; i++)
		if (cand[i])
			nr++;
	if (!nr)
		goto done;
	rep->removed = malloc(nr * sizeof(*rep->removed));
	rep->removed_filter = malloc(nr);
	old_nodes = malloc(n * sizeof(*old_nodes));
	old_edges = malloc((r->nedges + 1) * sizeof(*old_edges));
	if (!rep->removed || !rep->removed_filter || !old_nodes ||
	    !old_edges) {
		ret = bt_error_set(BT_ENOMEM, "out of memory");
		goto fail;
	}
	memcpy(old_nodes, r->nodes, n * sizeof(*old_nodes));
	memcpy(old_edges, r->edges, r->nedges * sizeof(*old_edges));
	old_ne = r->nedges;
	for (i = 0; i < n; i++) {
		if (cand[i]) {
			rep->removed[rep->nremoved] = r->nodes[i];
			rep->removed_filter[rep->nremoved++] = cand[i] - 1;
			rep->removed_by[cand[i] - 1]++;
			map[i] = UINT32_MAX;
		} else {
			map[i] = (uint32_t)kept;
			r->nodes[kept++] = r->nodes[i];
		}
	}
	for (i = 0; i < r->nedges; i++) {
		struct bt_edge e = r->edges[i];

		if (map[e.from] == UINT32_MAX || map[e.to] == UINT32_MAX)
			continue;
		e.from = map[e.from];
		e.to = map[e.to];
		r->edges[ne++] = e;
	}
	r->nnodes = kept;
	r->nedges = ne;
	ret = add_summaries(r, old_nodes, n, old_edges, old_ne, cand, map,
			    &nsum);
	if (ret)
		goto fail;
	rep->summaries = nsum;
	ret = reorder(r);
	if (ret)
		goto fail;
	rep->nodes_after = r->nnodes;
	rep->edges_after = r->nedges;
done:
	ret = mark_entries(r, o->readonly_readers ? o->readonly_readers : 3);
	if (ret)
		goto fail;
	free(cand);
	free(map);
	free(old_nodes);
	free(old_edges);
	free(a.start);
	free(a.edge);
	r->filters = rep;
	*out = rep;
	return 0;
fail:
	free(cand);
	free(map);
	free(old_nodes);
	free(old_edges);
	free(a.start);
	free(a.edge);
	bt_filter_report_free(rep);
	return ret;
}
