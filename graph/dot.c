/*
 * dot.c - a walk result as DOT, built through cgraph, and laid out and
 * rendered as SVG, PNG or PDF through gvc (graph/export.h).  DOT quoting
 * is cgraph's (agwrite); on top, labels double their backslashes because
 * graphviz reads "\n", "\N" ... in labels.
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
#include "filter.h"
#include "render.h"

/* ---- DOT, through cgraph ---------------------------------------------- */

/* Graphviz reads escapes ("\n", "\N", "\l") in labels and tooltips: double
 * the backslashes that bt_show_str() left, so the text shows as it is. */
static void dot_esc(struct bt_sb *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			bt_sb_addn(out, "\\\\", 2);
		else
			bt_sb_addn(out, s, 1);
	}
}

static void set(void *obj, const char *name, const char *value)
{
	agsafeset(obj, (char *)name, (char *)value, (char *)"");
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

static void node_tooltip(struct bt_sb *b, const struct bt_result *r, size_t i)
{
	const struct bt_node *nd = &r->nodes[i];
	struct bt_object_info in;
	char t[BT_TIME_BUFSZ];

	if (bt_graph_object(r->g, nd->obj, &in))
		return;
	switch (nd->kind) {
	case BT_OBJ_PROCESS:
		bt_sb_addf(b, "pid %u, started %s", in.pid,
			fmt_time(t, in.start));
		if (in.exe) {
			bt_sb_adds(b, ", exe ");
			bt_show_str(b, in.exe);
		}
		if (in.argv && in.argv_len) {
			bt_sb_adds(b, ", argv: ");
			argv_line(b, in.argv, in.argv_len);
		}
		break;
	case BT_OBJ_FILE: {
		uint32_t ver, nver;

		if (nd->flags & BT_NODE_SUMMARY) {
			bt_sb_addf(b, "%u runtime files loaded (btrack "
				"backtrack --explain lists them)", nd->summary);
			break;
		}
		if (!(in.file_flags & BT_FILEF_SYNTH))
			bt_sb_addf(b, "inode %llu:%llu",
				(unsigned long long)in.dev,
				(unsigned long long)in.ino);
		else
			bt_sb_addf(b, "file #%u", nd->obj);
		bt_graph_file_version(r->g, nd->obj, &ver, &nver);
		if (nver > 1 && ver)
			bt_sb_addf(b, ", #%u of %u under this path", ver, nver);
		break;
	}
	default:
		node_label(b, r, i);
		break;
	}
}

static int build_agraph(Agraph_t **out, const struct bt_result *r)
{
	bool back = r->dir == BT_BACKWARD;
	struct bt_sb lab = { 0 }, esc = { 0 };
	char t[BT_TIME_BUFSZ], name[32];
	Agraph_t *g;
	Agnode_t **nodes = NULL;
	size_t i;
	int err = 0;

	g = agopen((char *)"btrack", Agdirected, NULL);
	if (!g)
		return bt_error_set(BT_ENOMEM, "cannot create a graph");
	nodes = calloc(r->nnodes ? r->nnodes : 1, sizeof(*nodes));
	if (!nodes) {
		err = bt_error_set(BT_ENOMEM, "out of memory");
		goto out_graph;
	}
	set(g, "rankdir", "LR");
	set(g, "fontname", "Helvetica");
	agattr(g, AGNODE, (char *)"fontname", (char *)"Helvetica");
	agattr(g, AGEDGE, (char *)"fontname", (char *)"Helvetica");
	agattr(g, AGEDGE, (char *)"fontsize", (char *)"10");
	bt_sb_adds(&lab, back ? "backtrack from " : "forward from ");
	if (r->nnodes)
		node_label(&lab, r, r->detection);
	bt_sb_addf(&lab, " (granularity %s)", gran_name(r->opts.gran));
	if (r->truncated)
		bt_sb_addf(&lab, " - incomplete: %s", r->limit);
	if (r->filters && r->filters->nremoved) {
		bt_sb_adds(&lab, " - ");
		filter_summary(&lab, r);
	}
	dot_esc(&esc, bt_sb_str(&lab));
	set(g, "label", bt_sb_str(&esc));
	set(g, "labelloc", "t");

	for (i = 0; i < r->nnodes; i++) {
		const struct bt_node *nd = &r->nodes[i];
		struct bt_sb style = { 0 };
		Agnode_t *n;

		snprintf(name, sizeof(name), "n%zu", i);
		n = agnode(g, name, 1);
		if (!n) {
			err = bt_error_set(BT_ENOMEM, "cannot add a node");
			goto out_nodes;
		}
		nodes[i] = n;
		bt_sb_reset(&lab);
		bt_sb_reset(&esc);
		node_label(&lab, r, i);
		dot_esc(&esc, bt_sb_str(&lab));
		if (nd->kind == BT_OBJ_PROCESS) {
			/* Privilege changes under the name, a line each
			 * (graphviz's "\n"); the text has no backslash. */
			struct cred_text ct = { &lab, "\n", "\n", 0 };
			const char *q;

			bt_sb_reset(&lab);
			if (cred_changes(r->g, nd->obj, cred_to_text, &ct)) {
				set(n, "credentials", bt_sb_str(&lab) + 1);
				for (q = bt_sb_str(&lab); *q; q++) {
					if (*q == '\n')
						bt_sb_adds(&esc, "\\n");
					else
						bt_sb_addn(&esc, q, 1);
				}
			}
		}
		set(n, "label", bt_sb_str(&esc));
		set(n, "shape", nd->flags & BT_NODE_SUMMARY ? "folder" :
		    strcmp(node_kind_name(r, nd), "pipe") ? shape_of(nd->kind) :
		    "cds");
		set(n, "kind", node_kind_name(r, nd));
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
		bt_sb_reset(&lab);
		bt_sb_reset(&esc);
		node_tooltip(&lab, r, i);
		if (lab.len) {
			dot_esc(&esc, bt_sb_str(&lab));
			set(n, "tooltip", bt_sb_str(&esc));
		}
		if (nd->kind == BT_OBJ_PROCESS) {
			struct bt_object_info in;

			if (!bt_graph_object(r->g, nd->obj, &in) && in.argv &&
			    in.argv_len) {
				bt_sb_reset(&lab);
				argv_line(&lab, in.argv, in.argv_len);
				set(n, "argv", bt_sb_str(&lab));
			}
		}
		if (nd->flags & BT_NODE_DETECTION) {
			bt_sb_adds(&style, "bold");
			set(n, "color", "red");
			set(n, "fontcolor", "red");
			set(n, "penwidth", "2");
		}
		if (nd->flags & (BT_NODE_ENTRY | BT_NODE_REMOTE)) {
			bt_sb_adds(&style, style.len ? ",filled" : "filled");
			set(n, "fillcolor",
			    nd->flags & BT_NODE_REMOTE ? "orange" : "lightblue");
		}
		if (nd->flags & BT_NODE_SUMMARY) {
			/* Context, not evidence: drawn quietly. */
			bt_sb_adds(&style, style.len ? ",dashed" : "dashed");
			set(n, "color", "gray50");
			set(n, "fontcolor", "gray35");
		}
		if (style.len)
			set(n, "style", bt_sb_str(&style));
		set(n, "entry", nd->flags & (BT_NODE_ENTRY | BT_NODE_REMOTE) ?
		    "true" : "false");
		if (style.oom)
			err = bt_error_set(BT_ENOMEM, "out of memory");
		bt_sb_release(&style);
		if (err)
			goto out_nodes;
	}

	for (i = 0; i < r->nedges; i++) {
		const struct bt_edge *e = &r->edges[i];
		Agedge_t *ed;

		if (e->from >= r->nnodes || e->to >= r->nnodes) {
			err = bt_error_set(BT_EINVAL, "edge %zu refers to node "
					   "%u of %zu", i,
					   e->from > e->to ? e->from : e->to,
					   r->nnodes);
			goto out_nodes;
		}
		ed = agedge(g, nodes[e->from], nodes[e->to], NULL, 1);
		if (!ed) {
			err = bt_error_set(BT_ENOMEM, "cannot add an edge");
			goto out_nodes;
		}
		bt_sb_reset(&lab);
		bt_sb_adds(&lab, op_name(e->op));
		if (e->count > 1)
			bt_sb_addf(&lab, " \xc3\x97%u", e->count);
		bt_sb_addf(&lab, "\\n%s", fmt_time(t, e->first));
		set(ed, "label", bt_sb_str(&lab));
		set(ed, "op", op_name(e->op));
		snprintf(name, sizeof(name), "%u", e->count);
		set(ed, "count", name);
		snprintf(name, sizeof(name), "%llu",
			 (unsigned long long)e->first);
		set(ed, "first", name);
		snprintf(name, sizeof(name), "%llu",
			 (unsigned long long)e->last);
		set(ed, "last", name);
	}
	if (lab.oom || esc.oom) {
		err = bt_error_set(BT_ENOMEM, "out of memory");
		goto out_nodes;
	}
	free(nodes);
	bt_sb_release(&lab);
	bt_sb_release(&esc);
	*out = g;
	return 0;

out_nodes:
	free(nodes);
out_graph:
	bt_sb_release(&lab);
	bt_sb_release(&esc);
	agclose(g);
	return err;
}

int export_dot(const struct bt_result *r,
		const struct bt_export_opts *opts, FILE *out)
{
	Agraph_t *g;
	int err;

	err = build_agraph(&g, r);
	if (err)
		return err;
	if (agwrite(g, out) != 0 || fflush(out) != 0 || ferror(out))
		err = bt_error_set_os(BT_EIO, "cannot write the DOT output");
	agclose(g);
	return err;
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
 * until exit without FcFini(): not ours to free, and not a leak that grows.
 * LeakSanitizer calls this hook (weak in its runtime) for its default
 * suppressions.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}
#endif

int export_render(const struct bt_result *r,
		const struct bt_export_opts *opts, const char *fmt, FILE *out)
{
	agusererrf old;
	Agraph_t *g;
	GVC_t *gvc;
	int err;

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
	if (gvRender(gvc, g, fmt, out) != 0) {
		err = bt_error_set(BT_EINVAL, "graphviz cannot render %s%s%s",
				   fmt, gv_err[0] ? ": " : "", gv_err);
	} else if (fflush(out) != 0 || ferror(out)) {
		err = bt_error_set_os(BT_EIO, "cannot write the %s output",
				      fmt);
	}
	gvFreeLayout(gvc, g);
out_graph:
	agseterrf(old);
	agclose(g);
	return err;
}
