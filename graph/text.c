/*
 * text.c - a walk result as a summary for a terminal (graph/export.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/error.h"
#include "../core/log.h"
#include "../core/util.h"
#include "filter.h"
#include "render.h"

/* ---- edges by node ---------------------------------------------------- */

/* Edge indexes grouped by node (their `to` for backward, `from` for
 * forward), each group in result order: idx[start[i] .. start[i+1]). */
struct by_node {
	size_t *start;
	size_t *idx;
};

static int by_node_build(struct by_node *bn, const struct bt_result *r,
			 bool by_to)
{
	size_t i, n = r->nnodes, *pos;

	bn->start = calloc(n + 1, sizeof(*bn->start));
	bn->idx = calloc(r->nedges ? r->nedges : 1, sizeof(*bn->idx));
	pos = calloc(n + 1, sizeof(*pos));
	if (!bn->start || !bn->idx || !pos) {
		free(pos);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	for (i = 0; i < r->nedges; i++) {
		uint32_t k = by_to ? r->edges[i].to : r->edges[i].from;

		if (k < n)
			bn->start[k + 1]++;
	}
	for (i = 0; i < n; i++)
		bn->start[i + 1] += bn->start[i];
	memcpy(pos, bn->start, (n + 1) * sizeof(*pos));
	for (i = 0; i < r->nedges; i++) {
		uint32_t k = by_to ? r->edges[i].to : r->edges[i].from;

		if (k < n)
			bn->idx[pos[k]++] = i;
	}
	free(pos);
	return 0;
}

static void by_node_release(struct by_node *bn)
{
	free(bn->start);
	free(bn->idx);
}

/* ---- text ------------------------------------------------------------- */

static void text_window(struct bt_sb *b, const struct bt_result *r)
{
	char t[BT_TIME_BUFSZ];

	bt_sb_adds(b, "window: since ");
	bt_sb_adds(b, r->opts.since ? fmt_time(t, r->opts.since) : "-");
	bt_sb_adds(b, ", until ");
	bt_sb_adds(b, r->opts.until != BT_TIME_NONE ?
		fmt_time(t, r->opts.until) : "-");
	bt_sb_adds(b, "\n");
}

/* What tells a node apart beyond its label: a file's inode when several
 * files had its path, a process that runs its parent's image. */
static void text_details(struct bt_sb *b, const struct bt_result *r,
			 const struct bt_node *nd)
{
	struct bt_object_info in;
	uint32_t ver, nver;

	if (nd->flags & BT_NODE_SUMMARY || bt_graph_object(r->g, nd->obj, &in))
		return;
	if (nd->kind == BT_OBJ_FILE && !(in.file_flags & BT_FILEF_SYNTH) &&
	    !bt_file_is_pipe(&in)) {
		/* Several files under one path (replaced by a rename,
		 * deleted and made again): which one. */
		bt_graph_file_version(r->g, nd->obj, &ver, &nver);
		if (nver > 1 && ver)
			bt_sb_addf(b, ", #%u of %u under this path, inode "
				"%llu:%llu", ver, nver,
				(unsigned long long)in.dev,
				(unsigned long long)in.ino);
	}
	if (nd->kind == BT_OBJ_PROCESS && in.inherited) {
		struct bt_object_info p;

		if (bt_graph_object(r->g, in.inherited, &p) == 0)
			bt_sb_addf(b, ", forked from [%u] without exec", p.pid);
	}
}

int export_text(const struct bt_result *r,
		const struct bt_export_opts *opts, FILE *out)
{
	bool back = r->dir == BT_BACKWARD;
	struct by_node bn = { 0 };
	struct bt_sb b = { 0 };
	char t[BT_TIME_BUFSZ];
	size_t i, k, nentry = 0;
	unsigned rank;
	int err;

	err = by_node_build(&bn, r, back);
	if (err)
		return err;
	bt_sb_addf(&b, "%s from ", back ? "backtrack" : "forward");
	if (r->nnodes)
		node_label(&b, r, r->detection);
	bt_sb_addf(&b, " (%s), granularity %s\n",
		r->nnodes ? kind_name(r->nodes[r->detection].kind) : "?",
		gran_name(r->opts.gran));
	text_window(&b, r);
	bt_sb_addf(&b, "result: %zu objects, %zu dependencies, %llu events "
		"examined\n", r->nnodes, r->nedges,
		(unsigned long long)r->examined);
	if (r->truncated)
		bt_sb_addf(&b, "truncated: %s\n", r->limit);
	if (r->filters && r->filters->nremoved) {
		const struct bt_filter_report *f = r->filters;

		filter_summary(&b, r);
		bt_sb_adds(&b, "\n");
		for (i = 0; opts->explain && i < f->nremoved; i++) {
			bt_sb_addf(&b, "  - %-8s ",
				bt_filter_name(f->removed_filter[i]));
			label_of(&b, r, &f->removed[i]);
			bt_sb_addf(&b, "  (%s)\n",
				node_kind_name(r, &f->removed[i]));
		}
	}

	for (i = 0; i < r->nnodes; i++) {
		const struct bt_node *nd = &r->nodes[i];

		if (i == 0 || nd->depth != r->nodes[i - 1].depth)
			bt_sb_addf(&b, "\ndepth %u:\n", nd->depth);
		bt_sb_addf(&b, "  [%zu] ", i);
		node_label(&b, r, i);
		bt_sb_addf(&b, "  (%s", node_kind_name(r, nd));
		text_details(&b, r, nd);
		if (nd->flags & BT_NODE_DETECTION)
			bt_sb_adds(&b, ", detection point");
		if (nd->flags & BT_NODE_ENTRY)
			bt_sb_adds(&b, back ? ", entry point" : ", leaf");
		if (nd->flags & BT_NODE_REMOTE)
			bt_sb_adds(&b, ", remote");
		if (nd->threshold != BT_TIME_NONE && nd->threshold)
			bt_sb_addf(&b, ", %s %s", back ? "until" : "from",
				fmt_time(t, nd->threshold));
		bt_sb_adds(&b, ")\n");
		if (nd->kind == BT_OBJ_PROCESS &&
		    !(nd->flags & BT_NODE_SUMMARY)) {
			struct cred_text ct = { &b, "        credentials: ",
						"; ", 0 };

			if (cred_changes(r->g, nd->obj, cred_to_text, &ct))
				bt_sb_adds(&b, "\n");
		}
		for (k = bn.start[i]; k < bn.start[i + 1]; k++) {
			const struct bt_edge *e = &r->edges[bn.idx[k]];
			uint32_t o = back ? e->from : e->to;

			bt_sb_addf(&b, "        %s %-10s %s [%u] ",
				back ? "<-" : "->", op_name(e->op),
				back ? "from" : "to  ", o);
			if (o < r->nnodes)
				node_label(&b, r, o);
			bt_sb_addf(&b, "  at %s", fmt_time(t, e->first));
			if (e->count > 1)
				bt_sb_addf(&b, " (x%u, last %s)", e->count,
					fmt_time(t, e->last));
			bt_sb_adds(&b, "\n");
		}
		if (b.len > 65536) {
			if (fwrite(b.buf, 1, b.len, out) != b.len)
				break;
			bt_sb_reset(&b);
		}
	}

	for (i = 0; i < r->nnodes; i++)
		if (r->nodes[i].flags & (BT_NODE_ENTRY | BT_NODE_REMOTE))
			nentry++;
	bt_sb_addf(&b, "\n%s (%zu)%s:\n", back ? "entry points" : "leaves",
		nentry, back && nentry > 1 ? ", most likely first" : "");
	/* Backward: by rank (filter.h), then in result order. */
	for (rank = 0; rank <= (back ? BT_RANK_MAX : 0); rank++) {
		for (i = 0; i < r->nnodes; i++) {
			const struct bt_node *nd = &r->nodes[i];
			const char *why;

			if (!(nd->flags & (BT_NODE_ENTRY | BT_NODE_REMOTE)) ||
			    (back && nd->rank != rank))
				continue;
			bt_sb_addf(&b, "  [%zu] ", i);
			node_label(&b, r, i);
			bt_sb_addf(&b, "  (%s", node_kind_name(r, nd));
			text_details(&b, r, nd);
			why = back ? bt_entry_rank_name(nd->rank) : NULL;
			if (why)
				bt_sb_addf(&b, ": %s", why);
			bt_sb_adds(&b, ")\n");
		}
	}
	if (r->truncated)
		bt_sb_addf(&b, "\nthe result is incomplete: %s\n", r->limit);

	err = 0;
	if (b.oom)
		err = bt_error_set(BT_ENOMEM, "out of memory");
	else if (fwrite(bt_sb_str(&b), 1, b.len, out) != b.len ||
		 fflush(out) != 0 || ferror(out))
		err = bt_error_set_os(BT_EIO, "cannot write the text output");
	bt_sb_release(&b);
	by_node_release(&bn);
	return err;
}
