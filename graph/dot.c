/*
 * dot.c - a walk result as DOT, built through cgraph, and laid out and
 * rendered as SVG, PNG or PDF through gvc (graph/export.h).  DOT quoting
 * is cgraph's (agwrite); on top, labels double their backslashes because
 * graphviz reads "\n", "\N" ... in labels.
 *
 * The picture is meant to be read at a glance (man/btrack-backtrack.1,
 * OUTPUT):
 *  - time flows top to bottom: causes above their effects, the detection
 *    point alone on the bottom rank, the top-ranked entry point on the top
 *    rank;
 *  - node labels are short (comm [pid]; a path cut to the components that
 *    tell it apart from the other paths of the result), everything else
 *    (full path, argv, uid, times) is in the tooltip and in attributes;
 *  - the events between two nodes are one edge, labelled with their
 *    operations, count and first time as an offset from the first event of
 *    the result ("+0.58 s"); absolute times in the tooltip;
 *  - the attack path, the shortest path in hops (ties: the edges that come
 *    first in the result) from the top-ranked entry point to the detection
 *    point (forward: from the start to the nearest remote endpoint, else
 *    the deepest leaf), is drawn bold;
 *  - edges that are no cause (a send into a remote endpoint) are dotted
 *    and do not shape the layout; the runtime summaries are quiet;
 *  - processes are clustered by process tree (the fork edges of the
 *    result) when there is more than one, with the objects only that
 *    tree touches;
 *  - a legend cluster explains shapes and colours.
 * Graphs too large to lay out are refused before graphviz sees them
 * (bt_export_opts.max_layout_nodes): dot's layout grows much faster than
 * the graph, and a 1 M-node result used 6 GB before it was killed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include "../core/error.h"
#include "../core/log.h"
#include "../core/util.h"
#include "dbgraph.h"
#include "filter.h"
#include "render.h"

/* Label widths, in characters. */
#define LABEL_COLS 28
#define TITLE_COLS 60
/* Edges (between distinct pairs) up to which they carry labels. */
#define LABEL_EDGES 400

/* ---- DOT, through cgraph ---------------------------------------------- */

/* Graphviz reads escapes ("\n", "\N", "\l") in labels and tooltips: double
 * the backslashes that bt_show_str() left, so the text shows as it is. */
static void dot_esc(struct bt_sb *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			bt_sb_addn(out, "\\\\", 2);
		else if (*s == '\n')
			bt_sb_addn(out, "\\n", 2);  /* our own line breaks */
		else
			bt_sb_addn(out, s, 1);
	}
}

static void set(void *obj, const char *name, const char *value)
{
	agsafeset(obj, (char *)name, (char *)value, (char *)"");
}

/* Set an attribute to shown text (our "\n" line breaks kept). */
static void set_text(void *obj, const char *name, struct bt_sb *text)
{
	struct bt_sb esc = { 0 };

	dot_esc(&esc, bt_sb_str(text));
	set(obj, name, bt_sb_str(&esc));
	if (esc.oom)
		text->oom = true;
	bt_sb_release(&esc);
}

static const char *shape_of(unsigned kind)
{
	switch (kind) {
	case BT_OBJ_PROCESS:
		return "box";
	case BT_OBJ_FILE:
		return "ellipse";
	case BT_OBJ_FILENAME:
		return "note";
	case BT_OBJ_PAGE:
		return "component";
	case BT_OBJ_ENDPOINT:
		return "diamond";
	default:
		return "octagon";
	}
}

/* The last graphviz error message, captured instead of printed. */
static char gv_err[512];

static int gv_errf(char *msg)
{
	size_t n = strlen(gv_err);

	if (n < sizeof(gv_err) - 1)
		snprintf(gv_err + n, sizeof(gv_err) - n, "%s%s",
			 n ? "; " : "", msg);
	/* graphviz ends its messages with a newline; ours do not. */
	n = strlen(gv_err);
	while (n && (gv_err[n - 1] == '\n' || gv_err[n - 1] == ' '))
		gv_err[--n] = '\0';
	return 0;
}

/* ---- the picture's model ---------------------------------------------- */

/* The events between two nodes, all operations together: one edge. */
struct gedge {
	uint32_t from, to;
	uint64_t ops;          /* 1 << enum bt_op */
	uint64_t count, first, last;
	bool cause;            /* edge_is_cause() */
	bool quiet;            /* from a runtime summary: context */
	bool path;             /* on the attack path */
	bool stacked;          /* from a stacked source (stagger()) */
};

struct view {
	const struct bt_result *r;
	struct gedge *e;
	size_t ne;
	size_t *need;          /* short_paths() */
	uint64_t *first, *last;  /* per node: its events in the result */
	uint32_t *tree;        /* per node: process tree + 1, 0: none */
	uint32_t ntrees;
	uint32_t top;          /* the attack path's start (or UINT32_MAX) */
	uint32_t *stack;       /* invisible edges, pairs (stagger()) */
	size_t *column;        /* per node: its stack's column + 1, or 0 */
	size_t nstack;
	size_t widest;         /* most nodes at one depth */
	bool sideways;         /* drawn left to right (WIDE_LEVEL) */
	struct reltime rt;
	struct adj adj;
};

static int cmp_gedge(const void *x, const void *y)
{
	const struct gedge *a = x, *b = y;

	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	if (a->to != b->to)
		return a->to < b->to ? -1 : 1;
	return a->first < b->first ? -1 : a->first > b->first;
}

static int cmp_gedge_time(const void *x, const void *y)
{
	const struct gedge *a = x, *b = y;

	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	return a->to < b->to ? -1 : a->to > b->to;
}

/* Merge the result's edges per (from, to), in time order afterwards. */
static int merge_edges(struct view *v)
{
	const struct bt_result *r = v->r;
	size_t i, n = 0;

	v->e = calloc(r->nedges ? r->nedges : 1, sizeof(*v->e));
	if (!v->e)
		return bt_error_set(BT_ENOMEM, "out of memory");
	for (i = 0; i < r->nedges; i++) {
		const struct bt_edge *e = &r->edges[i];

		if (e->from >= r->nnodes || e->to >= r->nnodes)
			return bt_error_set(BT_EINVAL, "edge %zu refers to "
					    "node %u of %zu", i,
					    e->from > e->to ? e->from : e->to,
					    r->nnodes);
		v->e[i] = (struct gedge){ e->from, e->to,
			e->op < 64 ? 1ull << e->op : 0, e->count, e->first,
			e->last, edge_is_cause(r, e),
			!!(r->nodes[e->from].flags & BT_NODE_SUMMARY), false, false };
	}
	qsort(v->e, r->nedges, sizeof(*v->e), cmp_gedge);
	for (i = 0; i < r->nedges; i++) {
		struct gedge *g = &v->e[i], *m = n ? &v->e[n - 1] : NULL;

		if (m && m->from == g->from && m->to == g->to) {
			m->ops |= g->ops;
			m->count += g->count;
			if (g->first < m->first)
				m->first = g->first;
			if (g->last > m->last)
				m->last = g->last;
			m->cause = m->cause && g->cause;
			continue;
		}
		v->e[n++] = *g;
	}
	v->ne = n;
	qsort(v->e, n, sizeof(*v->e), cmp_gedge_time);
	return 0;
}

/* The attack path's start: the entry point ranked first (result order
 * among equals), remote endpoints before others when unranked. */
static uint32_t top_entry(const struct bt_result *r)
{
	uint32_t best = UINT32_MAX;
	unsigned best_key = UINT32_MAX;
	size_t i;

	for (i = 0; i < r->nnodes; i++) {
		const struct bt_node *nd = &r->nodes[i];
		unsigned key;

		if (!(nd->flags & (BT_NODE_ENTRY | BT_NODE_REMOTE)) ||
		    (nd->flags & (BT_NODE_DETECTION | BT_NODE_SUMMARY)))
			continue;
		key = nd->rank ? nd->rank :
		      (nd->flags & BT_NODE_REMOTE) ? BT_RANK_REMOTE :
		      BT_RANK_MAX + 1;
		if (key < best_key) {
			best_key = key;
			best = (uint32_t)i;
		}
	}
	return best;
}

/*
 * Mark the attack path: breadth first over the cause edges from `src`,
 * the edges taken in time order, until `dst` (or, forward with no dst,
 * the first remote node, else the farthest one).
 */
static int attack_path(struct view *v)
{
	const struct bt_result *r = v->r;
	bool back = r->dir == BT_BACKWARD;
	size_t *via, *queue, *ostart, *oidx, *pos, qh = 0, qt = 0, i, k;
	int pass;
	uint32_t src, dst = UINT32_MAX, far = UINT32_MAX, n = (uint32_t)r->nnodes;
	int err = 0;

	src = back ? top_entry(r) : r->detection;
	v->top = back ? src : UINT32_MAX;
	if (src >= n)
		return 0;
	if (back)
		dst = r->detection;
	via = malloc(n * sizeof(*via));
	queue = malloc(n * sizeof(*queue));
	ostart = calloc(n + 1, sizeof(*ostart));
	oidx = malloc((v->ne ? v->ne : 1) * sizeof(*oidx));
	pos = malloc((n + 1) * sizeof(*pos));
	if (!via || !queue || !ostart || !oidx || !pos) {
		err = bt_error_set(BT_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < v->ne; i++)
		ostart[v->e[i].from + 1]++;
	for (i = 0; i < n; i++)
		ostart[i + 1] += ostart[i];
	memcpy(pos, ostart, (n + 1) * sizeof(*pos));
	for (i = 0; i < v->ne; i++)
		oidx[pos[v->e[i].from]++] = i;
	for (i = 0; i < n; i++)
		via[i] = SIZE_MAX;
	via[src] = v->ne;  /* reached, by no edge */
	queue[qt++] = src;
	while (qh < qt) {
		uint32_t u = (uint32_t)queue[qh++];

		if (u == dst)
			break;
		if (!back && u != src) {
			if (r->nodes[u].flags & BT_NODE_REMOTE) {
				dst = u;
				break;
			}
			far = u;
		}
		/* Content before names: of two paths as short, the one
		 * through the file rather than through its name's lookup. */
		for (pass = 0; pass < 2; pass++) {
			for (k = ostart[u]; k < ostart[u + 1]; k++) {
				const struct gedge *g = &v->e[oidx[k]];
				bool name = r->nodes[g->to].kind ==
					    BT_OBJ_FILENAME;

				if (!g->cause || g->quiet || name != pass ||
				    via[g->to] != SIZE_MAX)
					continue;
				via[g->to] = oidx[k];
				queue[qt++] = g->to;
			}
		}
	}
	if (dst >= n)
		dst = far;
	if (dst < n && via[dst] != SIZE_MAX)
		for (i = dst; i != src; i = v->e[via[i]].from)
			v->e[via[i]].path = true;
out:
	free(via);
	free(queue);
	free(ostart);
	free(oidx);
	free(pos);
	return err;
}

static uint32_t uf_find(uint32_t *p, uint32_t x)
{
	while (p[x] != x) {
		p[x] = p[p[x]];
		x = p[x];
	}
	return x;
}

/*
 * Process trees: processes joined by fork edges; every other node joins
 * the tree of the processes it touches when they are all of one tree
 * (the detection point, entry points and endpoints stay outside, where
 * they stand out).  v->tree[i] is a tree number + 1, or 0; trees of one
 * node are not trees.
 */
static int process_trees(struct view *v)
{
	const struct bt_result *r = v->r;
	uint32_t n = (uint32_t)r->nnodes, *p, *size, *num, i;
	bool *forked;
	size_t k;
	int cut, err = 0;

	v->tree = calloc(n ? n : 1, sizeof(*v->tree));
	p = malloc((n ? n : 1) * sizeof(*p));
	size = calloc(n ? n : 1, sizeof(*size));
	num = calloc(n ? n : 1, sizeof(*num));
	forked = calloc(n ? n : 1, sizeof(*forked));
	if (!v->tree || !p || !size || !num || !forked) {
		err = bt_error_set(BT_ENOMEM, "out of memory");
		goto out;
	}
	/* One tree (everything a shell or init started) groups nothing:
	 * then the trees under its root's children. */
	for (cut = 0; cut < 2 && v->ntrees < 2; cut++) {
		v->ntrees = 0;
		memset(v->tree, 0, n * sizeof(*v->tree));
		memset(size, 0, n * sizeof(*size));
		memset(num, 0, n * sizeof(*num));
		for (i = 0; i < n; i++)
			p[i] = i;
		for (k = 0; k < v->ne; k++) {
			const struct gedge *g = &v->e[k];

			if (r->nodes[g->from].kind != BT_OBJ_PROCESS ||
			    r->nodes[g->to].kind != BT_OBJ_PROCESS ||
			    (r->nodes[g->from].flags & BT_NODE_SUMMARY))
				continue;
			if (!cut)
				forked[g->to] = true;
			else if (!forked[g->from])
				continue;
			p[uf_find(p, g->from)] = uf_find(p, g->to);
		}
		for (i = 0; i < n; i++)
			if (r->nodes[i].kind == BT_OBJ_PROCESS)
				size[uf_find(p, i)]++;
		for (i = 0; i < n; i++) {
			uint32_t root = uf_find(p, i);

			if (r->nodes[i].kind != BT_OBJ_PROCESS ||
			    size[root] < 2 || (r->nodes[i].flags &
			    (BT_NODE_DETECTION | BT_NODE_ENTRY)))
				continue;
			if (!num[root])
				num[root] = ++v->ntrees;
			v->tree[i] = num[root];
		}
	}
	for (i = 0; i < n; i++) {
		const struct bt_node *nd = &r->nodes[i];
		uint32_t t = 0;
		bool one = true;
		size_t side, m;

		if (nd->kind == BT_OBJ_PROCESS ||
		    (nd->flags & (BT_NODE_DETECTION | BT_NODE_ENTRY |
				  BT_NODE_REMOTE)))
			continue;
		for (side = 0; side < 2 && one; side++) {
			const size_t *st = side ? v->adj.out_start :
					   v->adj.in_start;
			const size_t *ix = side ? v->adj.out : v->adj.in;

			for (m = st[i]; m < st[i + 1] && one; m++) {
				const struct bt_edge *e = &r->edges[ix[m]];
				uint32_t o = side ? e->to : e->from;

				if (o >= n || r->nodes[o].kind !=
				    BT_OBJ_PROCESS)
					continue;
				if (!v->tree[o] || (t && v->tree[o] != t))
					one = false;
				t = v->tree[o];
			}
		}
		if (one)
			v->tree[i] = t;
	}
	/* One tree is no grouping. */
	if (v->ntrees < 2) {
		memset(v->tree, 0, n * sizeof(*v->tree));
		v->ntrees = 0;
	}
out:
	free(p);
	free(size);
	free(num);
	free(forked);
	return err;
}

/*
 * Many sources feeding one node (the files a compiler read, the pages a
 * database process touched) would make one very wide rank, and their
 * edges cross the whole picture: stack them instead in STAGGER_ROW
 * columns above the node they feed first, with invisible edges from each
 * to the one under it.  A source here is a node no cause edge enters
 * (backward; forward: the mirror, none leaves).  v->stack holds the
 * invisible edges, (from, to) pairs.
 */
#define STAGGER_ROW 4
#define WIDE_LEVEL 40

static int stagger(struct view *v)
{
	const struct bt_result *r = v->r;
	bool back = r->dir == BT_BACKWARD;
	size_t n = r->nnodes, i, *in, *out, *fan, *seen;
	uint32_t *last, *hub_of;
	int err = 0;

	if (v->sideways)
		return 0;

	in = calloc(n ? n : 1, sizeof(*in));
	out = calloc(n ? n : 1, sizeof(*out));
	fan = calloc(n ? n : 1, sizeof(*fan));
	seen = calloc(n ? n : 1, sizeof(*seen));
	last = malloc((n ? n : 1) * STAGGER_ROW * sizeof(*last));
	hub_of = calloc(n ? n : 1, sizeof(*hub_of));
	v->stack = malloc((n ? n : 1) * 2 * sizeof(*v->stack));
	v->column = calloc(n ? n : 1, sizeof(*v->column));
	if (!in || !out || !fan || !seen || !last || !hub_of || !v->stack ||
	    !v->column) {
		err = bt_error_set(BT_ENOMEM, "out of memory");
		goto out;
	}
	/* in: cause edges towards the source side (backward: into the
	 * node); out: away from it. */
	for (i = 0; i < v->ne; i++) {
		const struct gedge *g = &v->e[i];

		if (!g->cause)
			continue;
		in[back ? g->to : g->from]++;
		out[back ? g->from : g->to]++;
	}
	/* Each source stacks above the node its first edge feeds. */
	for (i = 0; i < v->ne; i++) {
		const struct gedge *g = &v->e[i];
		uint32_t src = back ? g->from : g->to;

		if (g->cause && !in[src] && !hub_of[src] &&
		    !(r->nodes[src].flags & BT_NODE_DETECTION)) {
			hub_of[src] = (back ? g->to : g->from) + 1;
			fan[hub_of[src] - 1]++;
		}
	}
	/* Their edges carry no label: a column of "read +0.11 s" is as
	 * wide as a row of files; the times are in the tooltips. */
	for (i = 0; i < v->ne; i++) {
		uint32_t src = back ? v->e[i].from : v->e[i].to;

		if (hub_of[src] && fan[hub_of[src] - 1] > STAGGER_ROW &&
		    !v->e[i].path)
			v->e[i].stacked = true;
	}
	for (i = 0; i < n; i++) {
		size_t hub, k, col;

		if (!hub_of[i] || fan[hub_of[i] - 1] <= STAGGER_ROW)
			continue;
		hub = hub_of[i] - 1;
		k = seen[hub]++;
		col = hub * STAGGER_ROW + k % STAGGER_ROW;
		if (k >= STAGGER_ROW) {
			/* Backward the stack grows upwards, away from the
			 * hub; forward downwards. */
			v->stack[2 * v->nstack] = back ? (uint32_t)i :
						  last[col];
			v->stack[2 * v->nstack + 1] = back ? last[col] :
						      (uint32_t)i;
			v->nstack++;
		}
		last[col] = (uint32_t)i;
		v->column[i] = col + 1;
	}
out:
	free(in);
	free(out);
	free(fan);
	free(seen);
	free(last);
	free(hub_of);
	return err;
}

static void view_release(struct view *v)
{
	free(v->e);
	free(v->need);
	free(v->first);
	free(v->last);
	free(v->tree);
	free(v->stack);
	free(v->column);
	adj_release(&v->adj);
}

static int view_build(struct view *v, const struct bt_result *r)
{
	size_t i;
	int err;

	memset(v, 0, sizeof(*v));
	v->r = r;
	v->top = UINT32_MAX;
	reltime_init(&v->rt, result_t0(r), result_t1(r), false);
	v->first = malloc((r->nnodes ? r->nnodes : 1) * sizeof(*v->first));
	v->last = calloc(r->nnodes ? r->nnodes : 1, sizeof(*v->last));
	if (!v->first || !v->last) {
		err = bt_error_set(BT_ENOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < r->nnodes; i++)
		v->first[i] = BT_TIME_NONE;
	/* A level of more than WIDE_LEVEL objects (the 88 files and pages
	 * a database read) is a row thousands of points wide top to bottom,
	 * where node labels lie along the row; left to right it is a
	 * column, each node a line high. */
	for (i = 0; i < r->nnodes; i++) {
		size_t k = i, d = r->nodes[i].depth;

		while (k < r->nnodes && r->nodes[k].depth == d)
			k++;
		if (k - i > v->widest)
			v->widest = k - i;
		i = k - 1;
	}
	v->sideways = v->widest > WIDE_LEVEL;
	if ((err = merge_edges(v)) || (err = adj_build(&v->adj, r)) ||
	    (err = short_paths(&v->need, r)) || (err = attack_path(v)) ||
	    (err = process_trees(v)) || (err = stagger(v)))
		goto fail;
	for (i = 0; i < v->ne; i++) {
		const struct gedge *g = &v->e[i];
		uint32_t ends[2] = { g->from, g->to };
		int k;

		for (k = 0; k < 2; k++) {
			if (g->first < v->first[ends[k]])
				v->first[ends[k]] = g->first;
			if (g->last > v->last[ends[k]])
				v->last[ends[k]] = g->last;
		}
	}
	return 0;
fail:
	view_release(v);
	return err;
}

/* ---- labels and tooltips ---------------------------------------------- */

static void short_label(struct bt_sb *b, const struct view *v, size_t i)
{
	const struct bt_result *r = v->r;
	const struct bt_node *nd = &r->nodes[i];
	struct bt_object_info in;
	const char *path = node_path(r, nd);
	struct bt_sb tmp = { 0 };

	if (bt_graph_object(r->g, nd->obj, &in)) {
		label_of(b, r, nd);
		return;
	}
	if (nd->flags & BT_NODE_SUMMARY) {
		if (nd->summary > 1)
			bt_sb_addf(b, "%u runtime files", nd->summary);
		else
			label_of(b, r, nd);
		return;
	}
	switch (nd->kind) {
	case BT_OBJ_PROCESS:
		proc_name(&tmp, &in);
		add_clipped(b, bt_sb_str(&tmp), tmp.len, LABEL_COLS, true);
		break;
	case BT_OBJ_FILE:
	case BT_OBJ_FILENAME:
		if (path)
			short_path(b, path, v->need[i], LABEL_COLS);
		else if (!strcmp(node_kind_name(r, nd), "pipe"))
			bt_sb_adds(b, "pipe");
		else
			label_of(b, r, nd);
		break;
	case BT_OBJ_PAGE:
		label_of(&tmp, r, nd);
		if (path) {
			const char *hash = strrchr(bt_sb_str(&tmp), ' ');

			short_path(b, path, v->need[i], LABEL_COLS);
			if (hash)
				bt_sb_adds(b, hash);
		} else {
			bt_sb_adds(b, bt_sb_str(&tmp));
		}
		break;
	case BT_OBJ_ENDPOINT:
		bt_show_str(&tmp, in.path);
		add_clipped(b, bt_sb_str(&tmp), tmp.len, LABEL_COLS, true);
		break;
	default:
		label_of(b, r, nd);
		break;
	}
	if (tmp.oom)
		b->oom = true;
	bt_sb_release(&tmp);
}

static const char *role_of(const struct bt_result *r, const struct bt_node *nd)
{
	bool back = r->dir == BT_BACKWARD;

	if (nd->flags & BT_NODE_DETECTION)
		return back ? "detection point" : "starting point";
	if (nd->flags & BT_NODE_SUMMARY)
		return "runtime files (context)";
	if (nd->flags & (BT_NODE_ENTRY | BT_NODE_REMOTE))
		return back ? "entry point" : "leaf";
	return "intermediate";
}

/* Full details, one per line: what the short label leaves out. */
/* "cgroup PATH (container ID12)" and a newline, when known. */
static void cgroup_line(struct bt_sb *b, const struct bt_graph *g,
			uint32_t proc)
{
	char cid[BT_CONTAINER_ID_LEN + 1];
	struct bt_sb cg = { 0 };

	if (proc_cgroup(&cg, g, proc, cid)) {
		bt_sb_addf(b, "cgroup %s", bt_sb_str(&cg));
		if (cid[0])
			bt_sb_addf(b, " (container %.12s)", cid);
		bt_sb_adds(b, "\n");
	}
	bt_sb_release(&cg);
}

static void node_tooltip(struct bt_sb *b, const struct view *v, size_t i)
{
	const struct bt_result *r = v->r;
	const struct bt_node *nd = &r->nodes[i];
	struct bt_object_info in;
	char t[BT_TIME_BUFSZ], t2[BT_TIME_BUFSZ], rel[BT_RELTIME_BUFSZ];
	const char *why = bt_entry_rank_name(nd->rank);

	bt_sb_adds(b, node_kind_name(r, nd));
	bt_sb_adds(b, ", ");
	bt_sb_adds(b, role_of(r, nd));
	if (why)
		bt_sb_addf(b, " (%s)", why);
	bt_sb_adds(b, "\n");
	if (bt_graph_object(r->g, nd->obj, &in))
		return;
	if (nd->flags & BT_NODE_SUMMARY) {
		label_of(b, r, nd);
		bt_sb_addf(b, "\n%u runtime file%s loaded (btrack backtrack "
			"--explain lists them)\n", nd->summary,
			plural(nd->summary, "", "s"));
	} else {
		switch (nd->kind) {
		case BT_OBJ_PROCESS:
			if (in.argv && in.argv_len) {
				argv_line(b, in.argv, in.argv_len);
				bt_sb_adds(b, "\n");
			}
			bt_sb_addf(b, "pid %u", in.pid);
			if (in.ppid)
				bt_sb_addf(b, ", parent %u", in.ppid);
			if (in.uid != UINT32_MAX)
				bt_sb_addf(b, ", uid %u", in.uid);
			bt_sb_addf(b, "\nstarted %s\n", fmt_time(t, in.start));
			if (in.exe) {
				bt_sb_adds(b, "exe ");
				bt_show_str(b, in.exe);
				bt_sb_adds(b, "\n");
			}
			cgroup_line(b, r->g, nd->obj);
			break;
		case BT_OBJ_FILE:
		case BT_OBJ_PAGE: {
			uint32_t ver, nver, f = nd->kind == BT_OBJ_FILE ?
				nd->obj : nd->file ? nd->file : in.file;
			struct bt_object_info fi;

			if (nd->kind == BT_OBJ_FILE &&
			    !strcmp(node_kind_name(r, nd), "pipe")) {
				bt_sb_adds(b, "pipe ");
				pipe_ends(b, r, &v->adj, i);
				bt_sb_adds(b, "\n");
			}
			label_of(b, r, nd);
			bt_sb_adds(b, "\n");
			if (bt_graph_object(r->g, f, &fi))
				break;
			if (!(fi.file_flags & BT_FILEF_SYNTH))
				bt_sb_addf(b, "inode %llu:%llu",
					(unsigned long long)fi.dev,
					(unsigned long long)fi.ino);
			else
				bt_sb_addf(b, "file #%u", f);
			bt_graph_file_version(r->g, f, &ver, &nver);
			if (nver > 1 && ver)
				bt_sb_addf(b, ", #%u of %u under this path",
					ver, nver);
			bt_sb_adds(b, "\n");
			break;
		}
		default:
			label_of(b, r, nd);
			bt_sb_adds(b, "\n");
			break;
		}
	}
	if (v->first[i] != BT_TIME_NONE) {
		bt_sb_addf(b, "events %s", rel_time(rel, &v->rt, v->first[i]));
		bt_sb_addf(b, " (%s)", fmt_time(t, v->first[i]));
		if (v->last[i] != v->first[i])
			bt_sb_addf(b, " to %s (%s)",
				rel_time(rel, &v->rt, v->last[i]),
				fmt_time(t2, v->last[i]));
		bt_sb_adds(b, "\n");
	}
	if (nd->threshold && nd->threshold != BT_TIME_NONE)
		bt_sb_addf(b, "%s %s", r->dir == BT_BACKWARD ? "until" : "from",
			fmt_time(t, nd->threshold));
	while (b->len && b->buf[b->len - 1] == '\n')
		b->len--;
}

static void ops_text(struct bt_sb *b, uint64_t ops)
{
	unsigned op;
	bool first = true;

	for (op = 0; op < 64; op++) {
		if (!(ops & (1ull << op)))
			continue;
		bt_sb_addf(b, "%s%s", first ? "" : ",", op_name(op));
		first = false;
	}
}

static void edge_tooltip(struct bt_sb *b, const struct view *v,
			 const struct gedge *g)
{
	char t[BT_TIME_BUFSZ];

	label_of(b, v->r, &v->r->nodes[g->from]);
	bt_sb_adds(b, " -> ");
	label_of(b, v->r, &v->r->nodes[g->to]);
	bt_sb_adds(b, "\n");
	ops_text(b, g->ops);
	bt_sb_addf(b, " x%llu\n%s", (unsigned long long)g->count,
		fmt_time(t, g->first));
	if (g->last != g->first)
		bt_sb_addf(b, " to %s", fmt_time(t, g->last));
	if (!g->cause)
		bt_sb_addf(b, "\nnot a cause: %s",
			v->r->dir == BT_BACKWARD ? "into an entry point" :
			"out of a remote endpoint");
	else if (g->path)
		bt_sb_adds(b, "\non the attack path");
}

/* ---- the graph -------------------------------------------------------- */

static void graph_title(struct bt_sb *b, const struct view *v)
{
	const struct bt_result *r = v->r;
	struct bt_sb lab = { 0 };
	char t[BT_TIME_BUFSZ];

	bt_sb_adds(b, r->dir == BT_BACKWARD ? "backtrack from " :
		   "forward from ");
	if (r->nnodes) {
		short_label(&lab, v, r->detection);
		bt_sb_addn(b, lab.buf ? lab.buf : "", lab.len);
	}
	bt_sb_addf(b, ", granularity %s", gran_name(r->opts.gran));
	bt_sb_addf(b, "\ntimes: seconds after %s", fmt_time(t, v->rt.t0));
	if (v->sideways)
		bt_sb_addf(b, "\ntime flows left to right (%zu objects at one "
			   "depth)", v->widest);
	if (r->truncated) {
		bt_sb_reset(&lab);
		bt_show_str(&lab, r->limit);
		bt_sb_adds(b, "\nincomplete: ");
		add_clipped(b, bt_sb_str(&lab), lab.len, TITLE_COLS, false);
	}
	if (r->filters && r->filters->nremoved) {
		const struct bt_filter_report *f = r->filters;

		/* The details are in the text output (--explain). */
		bt_sb_addf(b, "\nfilters removed %zu of %zu object%s",
			   f->nremoved, f->nodes_before,
			   plural(f->nodes_before, "", "s"));
		if (f->summaries)
			bt_sb_addf(b, "; runtime files in %u summar%s",
				   f->summaries,
				   plural(f->summaries, "y", "ies"));
	}
	if (lab.oom)
		b->oom = true;
	bt_sb_release(&lab);
}

/* A node for each kind of thing the picture shows, in a cluster. */
static void add_legend(Agraph_t *g, const struct view *v)
{
	static const struct {
		const char *shape, *style, *fill, *color, *text;
		unsigned kind;  /* shown if the result has one; 0: always */
	} item[] = {
		{ "box", "", "", "black", "process",
		  BT_OBJ_PROCESS + 100 },
		{ "ellipse", "", "", "black", "file", BT_OBJ_FILE + 100 },
		{ "note", "", "", "black", "file name",
		  BT_OBJ_FILENAME + 100 },
		{ "component", "", "", "black", "shared page",
		  BT_OBJ_PAGE + 100 },
		{ "cds", "", "", "black", "pipe", 1 },
		{ "folder", "dashed", "", "gray50", "runtime files", 2 },
		{ "box", "filled", "lightblue", "black", "entry point", 3 },
		{ "diamond", "filled", "orange", "black", "remote\\nendpoint",
		  BT_OBJ_ENDPOINT + 100 },
		{ "box", "bold,filled", "#ffe4e4", "red",
		  "detection point", 0 },
	};
	bool back = v->r->dir == BT_BACKWARD, has[256] = { false };
	Agraph_t *lg;
	Agnode_t *prev = NULL, *n;
	Agedge_t *e;
	char name[32];
	size_t i;

	for (i = 0; i < v->r->nnodes; i++) {
		const struct bt_node *nd = &v->r->nodes[i];

		has[100 + nd->kind] = true;
		if (nd->flags & BT_NODE_SUMMARY)
			has[2] = true;
		else if (!strcmp(node_kind_name(v->r, nd), "pipe"))
			has[1] = true;
		if ((nd->flags & BT_NODE_ENTRY) &&
		    !(nd->flags & (BT_NODE_REMOTE | BT_NODE_DETECTION)))
			has[3] = true;
	}
	lg = agsubg(g, (char *)"cluster_legend", 1);
	if (!lg)
		return;
	set(lg, "label", "legend");
	set(lg, "fontsize", "9");
	set(lg, "style", "rounded");
	set(lg, "color", "gray70");
	set(lg, "margin", "4");
	/* A column: each item under the previous one (invisible edges),
	 * beside the picture rather than under it. */
	for (i = 0; i < BT_ARRAY_SIZE(item) + 2; i++) {
		const char *text;

		if (i < BT_ARRAY_SIZE(item) && item[i].kind &&
		    !has[item[i].kind])
			continue;
		snprintf(name, sizeof(name), "legend%zu", i);
		n = agnode(lg, name, 1);
		if (!n)
			return;
		set(n, "fontsize", "8");
		set(n, "height", "0.22");
		set(n, "margin", "0.04,0.02");
		if (i < BT_ARRAY_SIZE(item)) {
			set(n, "width", "1.1");
			set(n, "fixedsize", "true");
			text = item[i].text;
			if (i == BT_ARRAY_SIZE(item) - 1 && !back)
				text = "starting point";
			if (i == 6 && !back)
				text = "leaf";
			set(n, "label", text);
			set(n, "shape", item[i].shape);
			set(n, "style", item[i].style);
			set(n, "fillcolor", item[i].fill);
			set(n, "color", item[i].color);
			if (i == BT_ARRAY_SIZE(item) - 1)
				set(n, "penwidth", "2");
			if (!strcmp(item[i].shape, "diamond"))
				set(n, "height", "0.42");
		} else {
			set(n, "shape", "plaintext");
			set(n, "label", i == BT_ARRAY_SIZE(item) ?
			    "bold red: attack path\\n+T: first event, in s\\n"
			    "after the title's time" :
			    "dotted: not a cause");
		}
		set(n, "tooltip", "legend");
		if (prev) {
			e = agedge(lg, prev, n, NULL, 1);
			if (e)
				set(e, "style", "invis");
		}
		prev = n;
	}
}

/* "process tree of sh [5300]": named after the process of the tree no
 * other process of it forked. */
static void name_trees(Agraph_t **clusters, const struct view *v)
{
	const struct bt_result *r = v->r;
	bool *forked = calloc(r->nnodes ? r->nnodes : 1, sizeof(*forked));
	struct bt_object_info in;
	struct bt_sb tl = { 0 };
	size_t i, t;

	if (!forked)
		return;
	for (i = 0; i < v->ne; i++)
		if (v->tree[v->e[i].from] && v->tree[v->e[i].from] ==
		    v->tree[v->e[i].to] && (v->e[i].ops & (1ull << BT_OP_FORK)))
			forked[v->e[i].to] = true;
	for (t = 1; t <= v->ntrees; t++) {
		for (i = 0; i < r->nnodes; i++)
			if (v->tree[i] == t && !forked[i] &&
			    r->nodes[i].kind == BT_OBJ_PROCESS)
				break;
		if (i == r->nnodes ||
		    bt_graph_object(r->g, r->nodes[i].obj, &in))
			continue;
		bt_sb_reset(&tl);
		bt_sb_adds(&tl, "process tree of ");
		proc_name(&tl, &in);
		set_text(clusters[t], "label", &tl);
	}
	bt_sb_release(&tl);
	free(forked);
}

/* A result over several hosts (a case database, dbgraph.h): one cluster
 * per host, "cluster_host_NAME", made when first needed. */
struct hostcl {
	const char *host;       /* bt_hostmap_get()'s pointer */
	Agraph_t *cl;
};

static Agraph_t *host_cluster(Agraph_t *g, struct hostcl **hc, size_t *n,
			      const char *host)
{
	struct bt_sb b = { 0 };
	struct hostcl *x;
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*hc)[i].host == host)
			return (*hc)[i].cl;
	x = realloc(*hc, (*n + 1) * sizeof(**hc));
	if (!x)
		return NULL;
	*hc = x;
	bt_sb_adds(&b, "cluster_host_");
	bt_show_str(&b, host);
	x[*n].host = host;
	x[*n].cl = b.oom ? NULL : agsubg(g, (char *)bt_sb_str(&b), 1);
	bt_sb_reset(&b);
	bt_sb_adds(&b, "host ");
	bt_show_str(&b, host);
	if (x[*n].cl) {
		set(x[*n].cl, "style", "rounded");
		set(x[*n].cl, "color", "steelblue");
		set(x[*n].cl, "fontcolor", "steelblue");
		set(x[*n].cl, "fontsize", "10");
		set(x[*n].cl, "labeljust", "l");
		set_text(x[*n].cl, "label", &b);
	}
	bt_sb_release(&b);
	return x[(*n)++].cl;
}

static int build_agraph(Agraph_t **out, const struct bt_result *r)
{
	struct view v;
	struct bt_sb lab = { 0 };
	char name[64], rel[BT_RELTIME_BUFSZ];
	Agraph_t *g, **clusters = NULL, *sink, *top;
	Agnode_t **nodes = NULL;
	struct bt_hostmap *hm = NULL;
	struct hostcl *hc = NULL;
	size_t i, nhc = 0;
	int err;

	if ((err = bt_hostmap_new(&hm, r->g)))
		return err;
	if (!bt_hostmap_spans(hm, r)) {
		bt_hostmap_free(hm);
		hm = NULL;
	}
	err = view_build(&v, r);
	if (err) {
		bt_hostmap_free(hm);
		return err;
	}
	g = agopen((char *)"btrack", Agdirected, NULL);
	if (!g) {
		view_release(&v);
		return bt_error_set(BT_ENOMEM, "cannot create a graph");
	}
	nodes = calloc(r->nnodes ? r->nnodes : 1, sizeof(*nodes));
	clusters = calloc(v.ntrees + 1, sizeof(*clusters));
	if (!nodes || !clusters) {
		err = bt_error_set(BT_ENOMEM, "out of memory");
		goto out;
	}
	set(g, "rankdir", v.sideways ? "LR" : "TB");
	set(g, "fontname", "Helvetica");
	set(g, "fontsize", "11");
	set(g, "nodesep", "0.18");
	set(g, "ranksep", "0.3");
	set(g, "newrank", "true");
	set(g, "remincross", "true");
	agattr(g, AGNODE, (char *)"fontname", (char *)"Helvetica");
	agattr(g, AGNODE, (char *)"fontsize", (char *)"10");
	agattr(g, AGNODE, (char *)"height", (char *)"0.3");
	agattr(g, AGNODE, (char *)"margin", (char *)"0.06,0.03");
	agattr(g, AGEDGE, (char *)"fontname", (char *)"Helvetica");
	agattr(g, AGEDGE, (char *)"fontsize", (char *)"8");
	agattr(g, AGEDGE, (char *)"arrowsize", (char *)"0.6");
	graph_title(&lab, &v);
	set_text(g, "label", &lab);
	set(g, "labelloc", "t");
	set(g, "labeljust", "l");

	for (i = 1; i <= v.ntrees; i++) {
		Agraph_t *parent = g;
		size_t k;

		/* a process tree lies on one host: inside its cluster */
		for (k = 0; hm && k < r->nnodes; k++) {
			const char *h;

			if (v.tree[k] != i ||
			    !(h = bt_hostmap_get(hm, r->nodes[k].obj)))
				continue;
			if (!(parent = host_cluster(g, &hc, &nhc, h))) {
				err = bt_error_set(BT_ENOMEM, "cannot add a "
						   "cluster");
				goto out;
			}
			break;
		}
		snprintf(name, sizeof(name), "cluster_tree%zu", i);
		clusters[i] = agsubg(parent, name, 1);
		if (!clusters[i]) {
			err = bt_error_set(BT_ENOMEM, "cannot add a cluster");
			goto out;
		}
		set(clusters[i], "style", "rounded,dashed");
		set(clusters[i], "color", "gray70");
		set(clusters[i], "fontsize", "8");
		set(clusters[i], "fontcolor", "gray40");
		set(clusters[i], "labeljust", "l");
		set(clusters[i], "margin", "6");
	}
	sink = agsubg(g, (char *)"detection", 1);
	top = agsubg(g, (char *)"top", 1);
	if (!sink || !top) {
		err = bt_error_set(BT_ENOMEM, "cannot add a subgraph");
		goto out;
	}
	set(sink, "rank", r->dir == BT_BACKWARD ? "sink" : "source");
	set(top, "rank", r->dir == BT_BACKWARD ? "source" : "sink");

	for (i = 0; i < r->nnodes; i++) {
		const struct bt_node *nd = &r->nodes[i];
		struct bt_sb style = { 0 };
		Agraph_t *home = g;
		struct bt_object_info in;
		bool have = !bt_graph_object(r->g, nd->obj, &in);
		const char *path = node_path(r, nd);
		Agraph_t *hcl = NULL;
		Agnode_t *n;

		if (v.tree[i])
			home = clusters[v.tree[i]];
		if (nd->flags & BT_NODE_DETECTION)
			home = sink;
		else if (i == v.top)
			home = top;
		if (hm && !v.tree[i] && bt_hostmap_get(hm, nd->obj) &&
		    !(hcl = host_cluster(g, &hc, &nhc,
					 bt_hostmap_get(hm, nd->obj)))) {
			err = bt_error_set(BT_ENOMEM, "cannot add a cluster");
			goto out;
		}
		if (hcl && home == g)
			home = hcl;
		snprintf(name, sizeof(name), "n%zu", i);
		n = agnode(home, name, 1);
		if (!n || (hcl && home != hcl && !agsubnode(hcl, n, 1))) {
			err = bt_error_set(BT_ENOMEM, "cannot add a node");
			goto out;
		}
		if (hm && bt_hostmap_get(hm, nd->obj)) {
			struct bt_sb hs = { 0 };

			bt_show_str(&hs, bt_hostmap_get(hm, nd->obj));
			set_text(n, "host", &hs);
			bt_sb_release(&hs);
		}
		nodes[i] = n;
		set(n, "id", name);
		if (v.column && v.column[i]) {
			/* One group per column: graphviz keeps it straight. */
			snprintf(name, sizeof(name), "s%zu", v.column[i]);
			set(n, "group", name);
		}
		bt_sb_reset(&lab);
		short_label(&lab, &v, i);
		if (nd->kind == BT_OBJ_PROCESS &&
		    !(nd->flags & BT_NODE_SUMMARY)) {
			/* Privilege changes under the name, a line each. */
			struct bt_sb cr = { 0 };
			struct cred_text ct = { &cr, "", "\n", 0 };

			if (cred_changes(r->g, nd->obj, cred_to_text, &ct)) {
				set(n, "credentials", bt_sb_str(&cr));
				bt_sb_adds(&lab, "\n");
				bt_sb_adds(&lab, bt_sb_str(&cr));
			}
			bt_sb_release(&cr);
		}
		set_text(n, "label", &lab);
		set(n, "shape", nd->flags & BT_NODE_SUMMARY ? "folder" :
		    strcmp(node_kind_name(r, nd), "pipe") ? shape_of(nd->kind) :
		    "cds");
		set(n, "kind", node_kind_name(r, nd));
		set(n, "role", role_of(r, nd));
		if (nd->rank) {
			snprintf(name, sizeof(name), "%u", nd->rank);
			set(n, "entry_rank", name);
			set(n, "entry_reason", bt_entry_rank_name(nd->rank));
		}
		if (nd->flags & BT_NODE_SUMMARY) {
			snprintf(name, sizeof(name), "%u", nd->summary);
			set(n, "summary", name);
		}
		snprintf(name, sizeof(name), "%u", nd->obj);
		set(n, "object", name);
		snprintf(name, sizeof(name), "%u", nd->depth);
		set(n, "depth", name);
		if (path) {
			bt_sb_reset(&lab);
			bt_show_str(&lab, path);
			set_text(n, "path", &lab);
		}
		bt_sb_reset(&lab);
		node_tooltip(&lab, &v, i);
		set_text(n, "tooltip", &lab);
		if (nd->kind == BT_OBJ_PROCESS && have && in.argv &&
		    in.argv_len) {
			bt_sb_reset(&lab);
			argv_line(&lab, in.argv, in.argv_len);
			set_text(n, "argv", &lab);
		}
		if (nd->flags & BT_NODE_DETECTION) {
			bt_sb_adds(&style, "bold,filled");
			set(n, "color", "red");
			set(n, "fillcolor", "#ffe4e4");
			set(n, "penwidth", "2.5");
		} else if (nd->flags & BT_NODE_REMOTE) {
			bt_sb_adds(&style, "bold,filled");
			set(n, "fillcolor", "orange");
			set(n, "penwidth", "2");
		} else if (nd->flags & BT_NODE_ENTRY) {
			bt_sb_adds(&style, "filled");
			set(n, "fillcolor", "lightblue");
		}
		if (nd->flags & BT_NODE_SUMMARY) {
			/* Context, not evidence: drawn quietly. */
			bt_sb_adds(&style, style.len ? ",dashed" : "dashed");
			set(n, "color", "gray50");
			set(n, "fontcolor", "gray35");
			set(n, "fontsize", "8");
		}
		if (style.len)
			set(n, "style", bt_sb_str(&style));
		set(n, "entry", nd->flags & (BT_NODE_ENTRY | BT_NODE_REMOTE) ?
		    "true" : "false");
		if (style.oom)
			err = bt_error_set(BT_ENOMEM, "out of memory");
		bt_sb_release(&style);
		if (err)
			goto out;
	}

	for (i = 0; i < v.ne; i++) {
		const struct gedge *ge = &v.e[i];
		Agedge_t *ed;

		ed = agedge(g, nodes[ge->from], nodes[ge->to], NULL, 1);
		if (!ed) {
			err = bt_error_set(BT_ENOMEM, "cannot add an edge");
			goto out;
		}
		snprintf(name, sizeof(name), "e%u_%u", ge->from, ge->to);
		set(ed, "id", name);
		bt_sb_reset(&lab);
		ops_text(&lab, ge->ops);
		set(ed, "op", bt_sb_str(&lab));
		if (ge->count > 1)
			bt_sb_addf(&lab, " \xc3\x97%llu",
				   (unsigned long long)ge->count);
		bt_sb_addf(&lab, "\n%s", rel_time(rel, &v.rt, ge->first));
		/* Edge labels are most of the layout's time on large
		 * graphs (11 s of 13 for 400 objects): past LABEL_EDGES
		 * the times are in the tooltips only. */
		if (ge->cause && !ge->quiet && !ge->stacked &&
		    v.ne <= LABEL_EDGES)
			set_text(ed, "label", &lab);
		snprintf(name, sizeof(name), "%llu",
			 (unsigned long long)ge->count);
		set(ed, "count", name);
		snprintf(name, sizeof(name), "%llu",
			 (unsigned long long)ge->first);
		set(ed, "first", name);
		snprintf(name, sizeof(name), "%llu",
			 (unsigned long long)ge->last);
		set(ed, "last", name);
		set(ed, "cause", ge->cause ? "true" : "false");
		set(ed, "attack", ge->path ? "true" : "false");
		bt_sb_reset(&lab);
		edge_tooltip(&lab, &v, ge);
		set_text(ed, "tooltip", &lab);
		if (!ge->cause) {
			set(ed, "style", "dotted");
			set(ed, "color", "gray55");
			set(ed, "constraint", "false");
		} else if (ge->path) {
			set(ed, "style", "bold");
			set(ed, "penwidth", "2.5");
			set(ed, "color", "#c00000");
			set(ed, "fontcolor", "#c00000");
		} else if (ge->quiet) {
			set(ed, "color", "gray65");
			set(ed, "arrowhead", "none");
		}
	}
	for (i = 0; i < v.nstack; i++) {
		Agedge_t *ed = agedge(g, nodes[v.stack[2 * i]],
				      nodes[v.stack[2 * i + 1]], NULL, 1);

		if (!ed) {
			err = bt_error_set(BT_ENOMEM, "cannot add an edge");
			goto out;
		}
		set(ed, "style", "invis");
		set(ed, "stack", "true");
	}
	name_trees(clusters, &v);
	add_legend(g, &v);
	if (lab.oom) {
		err = bt_error_set(BT_ENOMEM, "out of memory");
		goto out;
	}
out:
	free(nodes);
	free(clusters);
	free(hc);
	bt_hostmap_free(hm);
	bt_sb_release(&lab);
	view_release(&v);
	if (err)
		agclose(g);
	else
		*out = g;
	return err;
}

int export_dot(const struct bt_result *r,
		const struct bt_export_opts *opts, FILE *out)
{
	Agraph_t *g;
	int err;

	(void)opts;
	err = build_agraph(&g, r);
	if (err)
		return err;
	if (agwrite(g, out) != 0 || fflush(out) != 0 || ferror(out))
		err = bt_error_set_os(BT_EIO, "cannot write the DOT output");
	agclose(g);
	return err;
}

/* Whether graphviz may lay out r: a limit on the nodes (and, since edges
 * cost too, ten times as many edges) checked before anything is built. */
static int layout_check(const struct bt_result *r,
			const struct bt_export_opts *o, const char *fmt)
{
	size_t max = o->max_layout_nodes ? o->max_layout_nodes :
		     BT_LAYOUT_NODES_DEFAULT;

	if (r->nnodes <= max && r->nedges / 10 <= max)
		return 0;
	return bt_error_set(BT_ELIMIT, "the result has %zu objects and %zu "
			    "dependencies, too many to lay out as %s (at most "
			    "%zu objects): narrow the walk (--max-nodes N, "
			    "--max-depth N, --since, --hide) or write it as "
			    "text, JSON or DOT (--format text|json|dot)",
			    r->nnodes, r->nedges, fmt, max);
}

/*
 * One graphviz context for the process, made on first use and kept: with
 * graphviz 2.42 a second gvContext() after gvFreeContext() makes the pango
 * plugin compare against a font name the first context freed (a
 * use-after-free found by AddressSanitizer), so the context is not freed.
 */
static GVC_t *gv_context(void)
{
	static GVC_t *gvc;

	if (!gvc)
		gvc = gvContext();
	return gvc;
}

#if defined(__SANITIZE_ADDRESS__)
/*
 * fontconfig, which graphviz's text layout initialises, keeps its caches
 * until exit without FcFini(): not ours to free, and not a leak that grows;
 * nor is graphviz's own, below.
 * LeakSanitizer calls this hook (weak in its runtime) for its default
 * suppressions.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n"
	       /* graphviz 2.43's dot layout does not free the virtual
		* edges of a cluster's skeleton (build_skeleton, from
		* class2; seen with fast_unwind_on_malloc=0): every graph
		* with a cluster (the legend) leaks a few KB per layout.
		* The default unwinder stops in libgvc (no frame
		* pointers), so the library is named. */
	       "leak:libgvc.so\n";
}
#endif

int export_render(const struct bt_result *r,
		const struct bt_export_opts *opts, const char *fmt, FILE *out)
{
	agusererrf old;
	Agraph_t *g;
	GVC_t *gvc;
	char *data = NULL;
	unsigned int len = 0;
	int err;

	err = layout_check(r, opts, fmt);
	if (err)
		return err;
	err = build_agraph(&g, r);
	if (err)
		return err;
	gv_err[0] = '\0';
	old = agseterrf(gv_errf);
	gvc = gv_context();
	if (!gvc) {
		err = bt_error_set(BT_ENOMEM, "cannot start graphviz");
		goto out_graph;
	}
	if (gvLayout(gvc, g, "dot") != 0) {
		err = bt_error_set(BT_EINVAL, "graphviz cannot lay out the "
				   "graph%s%s", gv_err[0] ? ": " : "", gv_err);
		goto out_graph;
	}
	/* Rendered into memory, written by us: graphviz's own writer
	 * calls exit(1) when a write fails (a full disk). */
	if (gvRenderData(gvc, g, fmt, &data, &len) != 0 || !data) {
		err = bt_error_set(BT_EINVAL, "graphviz cannot render %s%s%s",
				   fmt, gv_err[0] ? ": " : "", gv_err);
	} else if (fwrite(data, 1, len, out) != len || fflush(out) != 0 ||
		   ferror(out)) {
		err = bt_error_set_os(BT_EIO, "cannot write the %s output",
				      fmt);
	}
	if (data)
		gvFreeRenderData(data);
	gvFreeLayout(gvc, g);
out_graph:
	agseterrf(old);
	agclose(g);
	return err;
}
