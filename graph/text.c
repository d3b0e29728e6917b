/*
 * text.c - a walk result as a summary for a terminal (graph/export.h),
 * in the words of the investigation:
 *
 *   backtrack from /srv/www/app (file), granularity page
 *   times: seconds after the first event, 2026-11-21T10:00:01.5Z
 *   window: since -, until +5.000000 s (2026-11-21T10:00:06.5Z)
 *   result: 4 objects, 3 dependencies, 5 events examined
 *
 *   depth 0:
 *     [0] /srv/www/app  (file, detection point, until +5.000000 s)
 *           +3.000000 s  <- write      from [1] cc [100]  (x3, last +5.000000 s)
 *   ...
 *   entry points (2), most likely first:
 *     1. [3] 203.0.113.9:4444  (endpoint: remote endpoint)
 *
 * Processes are named by the command as it was run (shortened; the edges
 * name them "comm [pid]"), every node by its role (detection or starting
 * point, entry point or leaf, intermediate), times are fixed-width
 * offsets from the first event of the result, whose absolute time is
 * given once, in the header.  Under each node are the edges that are
 * causes of it (backward; forward: effects), never a send into an entry
 * point (edge_is_cause()).
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
#include "dbgraph.h"
#include "filter.h"
#include "render.h"

/* Columns of a command line in a node's line. */
#define COMMAND_COLS 60

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

static bool is_pipe(const struct bt_result *r, const struct bt_node *nd)
{
	return !(nd->flags & BT_NODE_SUMMARY) &&
	       !strcmp(node_kind_name(r, nd), "pipe");
}

/* A node as the text names it: processes by their command line
 * ("sh update.sh [5313]"), or short ("sh [5313]") in edge lines; pipes
 * by who wrote and who read them; the rest by label_of(). */
static void text_label(struct bt_sb *b, const struct bt_result *r,
		       const struct adj *a, size_t i, bool brief)
{
	const struct bt_node *nd = &r->nodes[i];
	struct bt_object_info in;

	if (!(nd->flags & BT_NODE_SUMMARY) && nd->kind == BT_OBJ_PROCESS &&
	    !bt_graph_object(r->g, nd->obj, &in)) {
		if (brief) {
			proc_name(b, &in);
		} else {
			proc_command(b, &in, COMMAND_COLS);
			bt_sb_addf(b, " [%u]", in.pid);
		}
		return;
	}
	if (is_pipe(r, nd)) {
		/* a pty's direction by its name ("pty 0.in"), a System V
		 * message queue by its ("sysv-msg 32768"), else "pipe" */
		if (!bt_graph_object(r->g, nd->obj, &in) && in.path &&
		    (!strncmp(in.path, "pty:[", 5) ||
		     !strncmp(in.path, "sysv-msg:[", 10))) {
			label_of(b, r, nd);
			bt_sb_adds(b, " ");
		} else {
			bt_sb_adds(b, "pipe ");
		}
		pipe_ends(b, r, a, i);
		return;
	}
	label_of(b, r, nd);
}

static const char *role(const struct bt_result *r, const struct bt_node *nd)
{
	bool back = r->dir == BT_BACKWARD;

	if (nd->flags & BT_NODE_DETECTION)
		return back ? "detection point" : "starting point";
	if (nd->flags & BT_NODE_SUMMARY)
		return "context";
	if (nd->flags & (BT_NODE_ENTRY | BT_NODE_REMOTE))
		return back ? "entry point" : "leaf";
	return "intermediate";
}

static void text_header(struct bt_sb *b, const struct bt_result *r,
			const struct adj *a, const struct reltime *rt)
{
	bool back = r->dir == BT_BACKWARD;
	char t[BT_TIME_BUFSZ], rel[BT_RELTIME_BUFSZ];

	bt_sb_addf(b, "%s from ", back ? "backtrack" : "forward");
	if (r->nnodes)
		text_label(b, r, a, r->detection, false);
	bt_sb_addf(b, " (%s), granularity %s\n",
		r->nnodes ? node_kind_name(r, &r->nodes[r->detection]) : "?",
		gran_name(r->opts.gran));
	bt_sb_addf(b, "times: seconds after the first event, %s\n",
		fmt_time(t, rt->t0));
	bt_sb_adds(b, "window: since ");
	if (r->opts.since)
		bt_sb_addf(b, "%s (%s)", rel_time(rel, rt, r->opts.since),
			fmt_time(t, r->opts.since));
	else
		bt_sb_adds(b, "-");
	bt_sb_adds(b, ", until ");
	if (r->opts.until != BT_TIME_NONE)
		bt_sb_addf(b, "%s (%s)", rel_time(rel, rt, r->opts.until),
			fmt_time(t, r->opts.until));
	else
		bt_sb_adds(b, "-");
	bt_sb_addf(b, "\nresult: %zu object%s, %zu dependenc%s, %llu event%s "
		"examined\n", r->nnodes, plural(r->nnodes, "", "s"), r->nedges,
		plural(r->nedges, "y", "ies"), (unsigned long long)r->examined,
		plural(r->examined, "", "s"));
	if (r->truncated) {
		bt_sb_adds(b, "truncated: ");
		bt_show_str(b, r->limit);
		bt_sb_adds(b, "\n");
	}
	/* what the capture lost, when the log was read for it */
	if (r->drops) {
		bt_sb_adds(b, "drops: ");
		if (!drops_sentence(b, r))
			bt_sb_adds(b, "none recorded by the capture");
		bt_sb_adds(b, "\n");
	}
}

/* The edges under node i: its causes (backward) or effects (forward).
 * What a runtime summary gave a process (exec, read, mmap_read ...) is
 * one line. */
static void text_edges(struct bt_sb *b, const struct bt_result *r,
		       const struct adj *a, size_t i, const struct reltime *rt)
{
	bool back = r->dir == BT_BACKWARD;
	const size_t *st = back ? a->in_start : a->out_start;
	const size_t *ix = back ? a->in : a->out;
	char rel[BT_RELTIME_BUFSZ];
	size_t k, m;

	for (k = st[i]; k < st[i + 1]; k++) {
		const struct bt_edge *e = &r->edges[ix[k]];
		uint32_t o = back ? e->from : e->to;
		bool summary = o < r->nnodes &&
			       (r->nodes[o].flags & BT_NODE_SUMMARY);
		uint64_t count = e->count, last = e->last;
		bool dup = false;

		if (!edge_is_cause(r, e))
			continue;
		if (summary) {
			for (m = st[i]; m < k && !dup; m++)
				dup = (back ? r->edges[ix[m]].from :
				       r->edges[ix[m]].to) == o;
			if (dup)
				continue;
			for (m = k + 1; m < st[i + 1]; m++) {
				const struct bt_edge *f = &r->edges[ix[m]];

				if ((back ? f->from : f->to) != o)
					continue;
				count += f->count;
				if (f->last > last)
					last = f->last;
			}
		}
		bt_sb_addf(b, "        %s  %s %-10s %s [%u] ",
			rel_time(rel, rt, e->first), back ? "<-" : "->",
			summary ? "loads" : op_name(e->op),
			back ? "from" : "to  ", o);
		if (o < r->nnodes)
			text_label(b, r, a, o, true);
		if (count > 1)
			bt_sb_addf(b, "  (x%llu, last %s)",
				(unsigned long long)count,
				rel_time(rel, rt, last));
		bt_sb_adds(b, "\n");
	}
}

static void text_node(struct bt_sb *b, const struct bt_result *r,
		      const struct adj *a, size_t i, const struct reltime *rt,
		      const struct bt_hostmap *hm)
{
	const struct bt_node *nd = &r->nodes[i];
	bool back = r->dir == BT_BACKWARD;
	char rel[BT_RELTIME_BUFSZ];
	const char *host = bt_hostmap_get(hm, nd->obj);

	bt_sb_addf(b, "  [%zu] ", i);
	if (host) {             /* a result over several hosts */
		bt_show_str(b, host);
		bt_sb_adds(b, ": ");
	}
	text_label(b, r, a, i, false);
	bt_sb_addf(b, "  (%s", node_kind_name(r, nd));
	text_details(b, r, nd);
	bt_sb_addf(b, ", %s", role(r, nd));
	if (nd->flags & BT_NODE_REMOTE)
		bt_sb_adds(b, ", remote");
	if (nd->threshold != BT_TIME_NONE && nd->threshold)
		bt_sb_addf(b, ", %s %s", back ? "until" : "from",
			rel_time(rel, rt, nd->threshold));
	bt_sb_adds(b, ")\n");
	if (nd->kind == BT_OBJ_PROCESS && !(nd->flags & BT_NODE_SUMMARY)) {
		struct cred_text ct = { b, "        credentials: ", "; ", 0 };

		struct bt_sb cg = { 0 };
		char cid[BT_CONTAINER_ID_LEN + 1];

		if (cred_changes(r->g, nd->obj, cred_to_text, &ct))
			bt_sb_adds(b, "\n");
		if (proc_cgroup(&cg, r->g, nd->obj, cid)) {
			bt_sb_addf(b, "        cgroup: %s", bt_sb_str(&cg));
			if (cid[0])
				bt_sb_addf(b, " (container %.12s)", cid);
			bt_sb_adds(b, "\n");
		}
		bt_sb_release(&cg);
	}
	text_edges(b, r, a, i, rt);
}

/* Backward: the entry points, most likely first (filter.h ranks them),
 * numbered; forward: the leaves, the start not among them.  Over several
 * hosts (hm), each names its host as the nodes do. */
static void text_entries(struct bt_sb *b, const struct bt_result *r,
			 const struct adj *a, const struct bt_hostmap *hm)
{
	bool back = r->dir == BT_BACKWARD;
	size_t i, n = 0, num = 0;
	unsigned rank;

	for (i = 0; i < r->nnodes; i++)
		if ((r->nodes[i].flags & (BT_NODE_ENTRY | BT_NODE_REMOTE)) &&
		    !(r->nodes[i].flags & BT_NODE_DETECTION))
			n++;
	bt_sb_addf(b, "\n%s (%zu)%s:\n", back ? "entry points" : "leaves", n,
		back && n > 1 ? ", most likely first" : "");
	for (rank = 0; rank <= (back ? BT_RANK_MAX : 0); rank++) {
		for (i = 0; i < r->nnodes; i++) {
			const struct bt_node *nd = &r->nodes[i];
			const char *why, *host;

			if (!(nd->flags & (BT_NODE_ENTRY | BT_NODE_REMOTE)) ||
			    (nd->flags & BT_NODE_DETECTION) ||
			    (back && nd->rank != rank))
				continue;
			bt_sb_addf(b, "  %zu. [%zu] ", ++num, i);
			if ((host = bt_hostmap_get(hm, nd->obj))) {
				bt_show_str(b, host);
				bt_sb_adds(b, ": ");
			}
			text_label(b, r, a, i, false);
			bt_sb_addf(b, "  (%s", node_kind_name(r, nd));
			text_details(b, r, nd);
			why = back ? bt_entry_rank_name(nd->rank) : NULL;
			if (why)
				bt_sb_addf(b, ": %s", why);
			bt_sb_adds(b, ")\n");
		}
	}
}

int export_text(const struct bt_result *r,
		const struct bt_export_opts *opts, FILE *out)
{
	struct adj a;
	struct reltime rt;
	struct bt_sb b = { 0 };
	struct bt_hostmap *hm = NULL;
	size_t i;
	int err;

	/* a case database's result over several hosts: "HOST: " before
	 * each node's label (dbgraph.h) */
	if ((err = bt_hostmap_new(&hm, r->g)))
		return err;
	if (!bt_hostmap_spans(hm, r)) {
		bt_hostmap_free(hm);
		hm = NULL;
	}
	err = adj_build(&a, r);
	if (err) {
		bt_hostmap_free(hm);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	reltime_init(&rt, result_t0(r), result_t1(r), true);
	text_header(&b, r, &a, &rt);
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
		if (i == 0 || r->nodes[i].depth != r->nodes[i - 1].depth)
			bt_sb_addf(&b, "\ndepth %u:\n", r->nodes[i].depth);
		text_node(&b, r, &a, i, &rt, hm);
		if (b.len > 65536) {
			if (fwrite(b.buf, 1, b.len, out) != b.len)
				break;
			bt_sb_reset(&b);
		}
	}
	text_entries(&b, r, &a, hm);
	if (r->truncated) {
		bt_sb_adds(&b, "\nthe result is incomplete: ");
		bt_show_str(&b, r->limit);
		bt_sb_adds(&b, "\n");
	}

	err = 0;
	if (b.oom)
		err = bt_error_set(BT_ENOMEM, "out of memory");
	else if (fwrite(bt_sb_str(&b), 1, b.len, out) != b.len ||
		 fflush(out) != 0 || ferror(out))
		err = bt_error_set_os(BT_EIO, "cannot write the text output");
	bt_sb_release(&b);
	adj_release(&a);
	bt_hostmap_free(hm);
	return err;
}
