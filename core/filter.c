/*
 * filter.c - BackTracker's result filters (see filter.h for what each one
 * removes and the guarantee that none of them cuts a path).
 *
 * The work is on the result, not the log: results are small (the walk
 * already bounded them), so a few passes over their nodes and edges and a
 * few look-ups in the graph per candidate are cheap.  The path guarantee
 * is a 0-1 breadth-first search from the detection point in which a
 * candidate costs 1: for every kept node cut off by the candidates, the
 * candidates on its cheapest path are kept.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "filter.h"
#include "graph.h"

static const char *const names[BT_FILTER_COUNT] = {
	"readonly", "helpers", "noise", "hide"
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

/* Where programs, libraries and runtime files live: a file here that
 * nothing wrote during the window is read-only whoever read it. */
static const char *const system_globs[] = {
	"/usr/*", "/lib/*", "/lib32/*", "/lib64/*", "/libx32/*", "/bin/*",
	"/sbin/*", "/opt/*", "*/__pycache__/*", "*.pyc", "*.so", "*.so.*",
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
		if (i == BT_FILTER_COUNT)
			return bt_error_set(BT_EINVAL,
				"unknown filter '%.*s' (readonly, helpers, "
				"noise, hide, all, none)", (int)n, p);
		v |= 1u << i;
		p += n;
		if (*p == ',')
			p++;
	}
	*out = v;
	return 0;
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

/* A file nothing wrote in [since, until] that is a system file or that at
 * least `min` distinct processes read in the whole log. */
static int is_readonly(const struct bt_graph *g, const struct bt_node *nd,
		       uint64_t since, uint64_t until, uint32_t min)
{
	uint32_t file = nd->obj;
	const uint32_t *refs;
	uint32_t seen[64];
	size_t n, i, nseen = 0, k;

	n = bt_graph_in(g, file, &refs);
	for (i = 0; i < n; i++) {
		const struct bt_rec_event *e = bt_graph_event(g, refs[i]);

		if (e->time >= since && e->time <= until && is_write_op(e->op))
			return 0;
	}
	if (node_matches(g, nd, system_globs,
			 sizeof(system_globs) / sizeof(system_globs[0])))
		return 1;
	if (min > 64)
		min = 64;
	n = bt_graph_out(g, file, &refs);
	for (i = 0; i < n && nseen < min; i++) {
		const struct bt_rec_event *e = bt_graph_event(g, refs[i]);

		for (k = 0; k < nseen && seen[k] != e->effect; k++)
			;
		if (k == nseen)
			seen[nseen++] = e->effect;
	}
	return nseen >= min;
}

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

/* ---- applying ------------------------------------------------------------ */

int bt_filter_apply(struct bt_result *r, const struct bt_filter_opts *o,
		    struct bt_filter_report **out)
{
	struct bt_filter_report *rep;
	struct adj a = { NULL, NULL };
	uint8_t *cand = NULL;
	uint32_t *map = NULL;
	size_t i, n = r->nnodes, kept = 0, nr = 0, ne = 0;
	uint64_t since = r->opts.since, until = r->opts.until;
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
		    node_matches(r->g, v, noise_globs,
				 sizeof(noise_globs) / sizeof(noise_globs[0]))) {
			cand[i] = BT_FILTER_NOISE + 1;
			continue;
		}
		if ((o->enabled & (1u << BT_FILTER_READONLY)) &&
		    r->dir == BT_BACKWARD && v->kind == BT_OBJ_FILE &&
		    is_readonly(r->g, v, since,
				until == BT_TIME_NONE ? UINT64_MAX : until,
				o->readonly_readers))
			cand[i] = BT_FILTER_READONLY + 1;
	}
	if ((o->enabled & (1u << BT_FILTER_HELPERS)) && r->dir == BT_BACKWARD)
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
	if (!rep->removed || !rep->removed_filter) {
		ret = bt_error_set(BT_ENOMEM, "out of memory");
		goto fail;
	}
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
	rep->nodes_after = kept;
	rep->edges_after = ne;
done:
	free(cand);
	free(map);
	free(a.start);
	free(a.edge);
	r->filters = rep;
	*out = rep;
	return 0;
fail:
	free(cand);
	free(map);
	free(a.start);
	free(a.edge);
	bt_filter_report_free(rep);
	return ret;
}
