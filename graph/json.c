/*
 * json.c - a walk result as JSON, built with jansson (graph/export.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "../core/drops.h"
#include "../core/error.h"
#include "../core/log.h"
#include "../core/raw.h"     /* BT_PTY_* */
#include "../core/util.h"
#include "dbgraph.h"
#include "filter.h"
#include "jsonbuild.h"
#include "render.h"

/* ---- JSON, through jansson -------------------------------------------- */

static json_t *jtime(uint64_t t)
{
	return t == BT_TIME_NONE ? json_null() : json_integer((json_int_t)t);
}

struct paths_ctx {
	json_t *arr;
	struct bt_sb *tmp;
	bool *bad;
};

static void add_path(void *arg, const char *path, uint64_t time)
{
	struct paths_ctx *c = arg;
	json_t *v = bt_jstr(c->tmp, path);

	if (!v || json_array_append_new(c->arr, v))
		*c->bad = true;
}

static void json_file_fields(json_t *o, const struct bt_result *r,
			     uint32_t file, struct bt_sb *tmp, bool *bad)
{
	struct bt_object_info fi;
	struct paths_ctx pc = { json_array(), tmp, bad };

	if (bt_graph_object(r->g, file, &fi)) {
		json_decref(pc.arr);
		return;
	}
	bt_jset(o, "file", json_integer(file), bad);
	bt_jset(o, "path", fi.path ? bt_jstr(tmp, fi.path) : json_null(), bad);
	if (pc.arr)
		bt_graph_file_paths(r->g, file, add_path, &pc);
	bt_jset(o, "paths", pc.arr, bad);
	bt_jset(o, "synthetic", json_boolean(fi.file_flags & BT_FILEF_SYNTH),
		bad);
	if (bt_file_is_pipe(&fi))
		bt_jset(o, "pipe", json_true(), bad);
	else {
		uint32_t ver, nver;

		bt_graph_file_version(r->g, file, &ver, &nver);
		if (nver > 1 && ver) {
			bt_jset(o, "version", json_integer(ver), bad);
			bt_jset(o, "versions", json_integer(nver), bad);
		}
	}
	if ((fi.file_flags & BT_FILEF_PIPE) && BT_PTY_IS(fi.ino)) {
		/* a pty's direction: its synthetic inode says no more than
		 * these (and is past a JSON integer's range) */
		bt_jset(o, "dev", json_integer((json_int_t)fi.dev), bad);
		bt_jset(o, "pty", json_integer(BT_PTY_INDEX_OF(fi.ino)), bad);
		bt_jset(o, "direction", json_string(BT_PTY_DIR_OF(fi.ino) ==
			BT_PTY_IN ? "in" : "out"), bad);
	} else if (!(fi.file_flags & BT_FILEF_SYNTH)) {
		bt_jset(o, "dev", json_integer((json_int_t)fi.dev), bad);
		bt_jset(o, "inode", json_integer((json_int_t)fi.ino), bad);
	}
}

struct cred_json {
	json_t *arr;
	bool *bad;
};

static void cred_to_json(void *arg, const char *text, const struct cred *now,
			 uint64_t time)
{
	struct cred_json *c = arg;
	json_t *o = json_object();
	size_t k;

	bt_jset(o, "time", json_integer((json_int_t)time), c->bad);
	for (k = 0; k < 4; k++)
		if (now->v[k] >= 0)
			bt_jset(o, cred_keys[k], json_integer(now->v[k]),
				c->bad);
	bt_jset(o, "change", json_string(text), c->bad);
	if (!o || json_array_append_new(c->arr, o))
		*c->bad = true;
}

/* "credentials": [{"time", "uid", "euid", "gid", "egid", "change":
 * "uid 1000 -> 0 at T"}], the changes only; absent if none. */
static void json_creds(json_t *o, const struct bt_graph *g, uint32_t proc,
		       bool *bad)
{
	struct cred_json c = { json_array(), bad };

	if (!c.arr) {
		*bad = true;
		return;
	}
	if (cred_changes(g, proc, cred_to_json, &c))
		bt_jset(o, "credentials", c.arr, bad);
	else
		json_decref(c.arr);
}

/* "cgroup": the last cgroup path, "container": the id it shows; absent
 * when unknown. */
static void json_cgroup(json_t *o, const struct bt_graph *g, uint32_t proc,
			struct bt_sb *tmp, bool *bad)
{
	char cid[BT_CONTAINER_ID_LEN + 1];

	bt_sb_reset(tmp);
	if (!proc_cgroup(tmp, g, proc, cid))
		return;
	bt_jset(o, "cgroup", tmp->oom ? NULL :
		json_stringn(bt_sb_str(tmp), tmp->len), bad);
	if (cid[0])
		bt_jset(o, "container", json_string(cid), bad);
}

static json_t *json_node(const struct bt_result *r, size_t i,
			 const struct bt_hostmap *hm, struct bt_sb *tmp,
			 bool *bad)
{
	const struct bt_node *nd = &r->nodes[i];
	struct bt_object_info in;
	json_t *o = json_object();
	char id[32];

	if (!o) {
		*bad = true;
		return NULL;
	}
	snprintf(id, sizeof(id), "n%zu", i);
	bt_jset(o, "id", json_string(id), bad);
	bt_jset(o, "object", json_integer(nd->obj), bad);
	bt_jset(o, "kind", json_string(nd->flags & BT_NODE_SUMMARY ? "runtime" :
				    kind_name(nd->kind)), bad);
	bt_sb_reset(tmp);
	node_label(tmp, r, i);
	bt_jset(o, "label",
		tmp->oom ? NULL : json_stringn(bt_sb_str(tmp), tmp->len),
		bad);
	bt_jset(o, "entry", json_boolean(nd->flags & (BT_NODE_ENTRY |
						   BT_NODE_REMOTE)), bad);
	bt_jset(o, "detection", json_boolean(nd->flags & BT_NODE_DETECTION),
		bad);
	bt_jset(o, "threshold", jtime(nd->threshold), bad);
	bt_jset(o, "depth", json_integer(nd->depth), bad);
	if (hm) {               /* a result over several hosts */
		const char *h = bt_hostmap_get(hm, nd->obj);

		bt_sb_reset(tmp);
		if (h)          /* a name from the command line: shown */
			bt_show_str(tmp, h);
		bt_jset(o, "host", !h ? json_null() : tmp->oom ? NULL :
			json_stringn(bt_sb_str(tmp), tmp->len), bad);
	}
	if (nd->rank) {
		bt_jset(o, "rank", json_integer(nd->rank), bad);
		bt_jset(o, "entry_reason",
			json_string(bt_entry_rank_name(nd->rank)), bad);
	}
	if (nd->flags & BT_NODE_SUMMARY) {
		/* The files are in "filters"."removed" (filter runtime). */
		bt_jset(o, "summary", json_integer(nd->summary), bad);
		return o;
	}
	if (bt_graph_object(r->g, nd->obj, &in))
		return o;
	switch (nd->kind) {
	case BT_OBJ_PROCESS: {
		json_t *argv = json_array();
		size_t k = 0, n;

		bt_jset(o, "pid", json_integer(in.pid), bad);
		bt_jset(o, "start", json_integer((json_int_t)in.start), bad);
		if (in.ppid)
			bt_jset(o, "ppid", json_integer(in.ppid), bad);
		if (in.uid != UINT32_MAX)
			bt_jset(o, "uid", json_integer(in.uid), bad);
		bt_jset(o, "exe", in.exe ? bt_jstr(tmp, in.exe) : json_null(),
			bad);
		if (in.comm)
			bt_jset(o, "comm", bt_jstr(tmp, in.comm), bad);
		while (argv && in.argv && k < in.argv_len) {
			n = strnlen(in.argv + k, in.argv_len - k);
			bt_sb_reset(tmp);
			bt_show_strn(tmp, in.argv + k, n);
			if (tmp->oom || json_array_append_new(argv,
			    json_stringn(bt_sb_str(tmp), tmp->len)))
				*bad = true;
			k += n + 1;
		}
		bt_jset(o, "argv", argv, bad);
		if (in.inherited) {
			struct bt_object_info p;

			/* exe, argv, comm: the parent's at the fork. */
			bt_jset(o, "inherited", json_true(), bad);
			if (bt_graph_object(r->g, in.inherited, &p) == 0)
				bt_jset(o, "inherited_from_pid",
					json_integer(p.pid), bad);
		}
		json_creds(o, r->g, nd->obj, bad);
		json_cgroup(o, r->g, nd->obj, tmp, bad);
		break;
	}
	case BT_OBJ_FILE:
		json_file_fields(o, r, nd->obj, tmp, bad);
		break;
	case BT_OBJ_FILENAME:
		bt_jset(o, "path", bt_jstr(tmp, in.path), bad);
		break;
	case BT_OBJ_PAGE: {
		json_t *pages = json_array();

		json_file_fields(o, r, nd->file ? nd->file : in.file, tmp,
				 bad);
		if (nd->page_first == nd->page_last &&
		    r->opts.gran == BT_GRAN_PAGE)
			bt_jset(o, "page", json_integer((json_int_t)
						     nd->page_first), bad);
		if (!pages ||
		    json_array_append_new(pages, json_integer((json_int_t)
				nd->page_first)) ||
		    json_array_append_new(pages, json_integer((json_int_t)
				nd->page_last)))
			*bad = true;
		bt_jset(o, "pages", pages, bad);
		break;
	}
	case BT_OBJ_ENDPOINT:
		bt_jset(o, "address", bt_jstr(tmp, in.path), bad);
		break;
	default:
		break;
	}
	return o;
}

static json_t *json_edge(const struct bt_result *r, size_t i, bool *bad)
{
	const struct bt_edge *e = &r->edges[i];
	json_t *o = json_object();
	char id[32], t[BT_TIME_BUFSZ];

	if (!o) {
		*bad = true;
		return NULL;
	}
	snprintf(id, sizeof(id), "n%u", e->from);
	bt_jset(o, "from", json_string(id), bad);
	snprintf(id, sizeof(id), "n%u", e->to);
	bt_jset(o, "to", json_string(id), bad);
	bt_jset(o, "op", json_string(op_name(e->op)), bad);
	bt_jset(o, "time", json_integer((json_int_t)e->first), bad);
	bt_jset(o, "time_text", json_string(fmt_time(t, e->first)), bad);
	bt_jset(o, "first", json_integer((json_int_t)e->first), bad);
	bt_jset(o, "last", json_integer((json_int_t)e->last), bad);
	bt_jset(o, "count", json_integer(e->count), bad);
	return o;
}

/* Write one value (stolen) after `lead`; false on failure. */
static bool json_put(FILE *out, const char *lead, json_t *v, bool bad)
{
	bool ok = !bad && v && fputs(lead, out) != EOF &&
		  json_dumpf(v, out, JSON_ENCODE_ANY) == 0;

	json_decref(v);
	return ok;
}

/* {"before": {nodes, edges}, "after": {...}, "removed": [{"filter",
 * "kind", "label"}], "kept": {filter: n}} or null. */
static json_t *json_filters(const struct bt_result *r, struct bt_sb *tmp,
			    bool *bad)
{
	const struct bt_filter_report *f = r->filters;
	json_t *o, *rm, *kept, *x;
	size_t i;
	unsigned k;

	if (!f)
		return json_null();
	o = json_object();
	rm = json_array();
	kept = json_object();
	x = json_object();
	bt_jset(x, "nodes", json_integer((json_int_t)f->nodes_before), bad);
	bt_jset(x, "edges", json_integer((json_int_t)f->edges_before), bad);
	bt_jset(o, "before", x, bad);
	x = json_object();
	bt_jset(x, "nodes", json_integer((json_int_t)f->nodes_after), bad);
	bt_jset(x, "edges", json_integer((json_int_t)f->edges_after), bad);
	bt_jset(o, "after", x, bad);
	for (i = 0; rm && i < f->nremoved; i++) {
		json_t *e = json_object();

		bt_jset(e, "filter",
			json_string(bt_filter_name(f->removed_filter[i])), bad);
		bt_jset(e, "kind",
			json_string(node_kind_name(r, &f->removed[i])),
			bad);
		bt_sb_reset(tmp);
		label_of(tmp, r, &f->removed[i]);
		/* label_of() has escaped it already. */
		bt_jset(e, "label", tmp->oom ? NULL :
			json_stringn(bt_sb_str(tmp), tmp->len), bad);
		if (!e || json_array_append_new(rm, e))
			*bad = true;
	}
	for (k = 0; kept && k < BT_FILTER_COUNT; k++)
		if (f->kept_by[k])
			bt_jset(kept, bt_filter_name(k),
				json_integer(f->kept_by[k]), bad);
	bt_jset(o, "removed", rm, bad);
	bt_jset(o, "kept_for_paths", kept, bad);
	bt_jset(o, "summaries", json_integer(f->summaries), bad);
	if (!o)
		*bad = true;
	return o;
}

/* "drops": what the capture of the log lost (export.h), or null when the
 * log was not read for it.  Cause names are checked by core/drops.c
 * ([a-z0-9_.]). */
static json_t *json_drops(const struct bt_result *r, bool *bad)
{
	const struct bt_drops *d = r->drops;
	json_t *o, *c;
	uint32_t i;

	if (!d)
		return json_null();
	o = json_object();
	c = json_object();
	for (i = 0; c && i < d->ncauses; i++)
		bt_jset(c, d->cause[i].name,
			json_integer((json_int_t)d->cause[i].count), bad);
	if (c && d->other)
		bt_jset(c, "other", json_integer((json_int_t)d->other), bad);
	if (!c)
		*bad = true;
	bt_jset(o, "records", json_integer((json_int_t)d->total), bad);
	bt_jset(o, "causes", c, bad);
	bt_jset(o, "notes", json_integer(d->notes), bad);
	bt_jset(o, "unreadable", json_integer(d->unreadable), bad);
	bt_jset(o, "since", d->since ? jtime(d->since) : json_null(), bad);
	bt_jset(o, "until", d->until ? jtime(d->until) : json_null(), bad);
	bt_jset(o, "in_span", d->total ? json_boolean(drops_in_span(r)) :
		json_null(), bad);
	if (!o)
		*bad = true;
	return o;
}

/*
 * The document is streamed: the head keys, then one node or edge object
 * per line, built and freed one at a time, so a result of 100 000 nodes
 * does not become a jansson tree of a gigabyte.
 */
/* A string shown (bt_show_str), or null. */
static json_t *json_shown(struct bt_sb *tmp, const char *s)
{
	if (!s)
		return json_null();
	bt_sb_reset(tmp);
	bt_show_str(tmp, s);
	return tmp->oom ? NULL : json_stringn(bt_sb_str(tmp), tmp->len);
}

int export_json(const struct bt_result *r,
		const struct bt_export_opts *opts, FILE *out)
{
	struct bt_sb tmp = { 0 };
	struct bt_hostmap *hm = NULL;
	char id[32];
	bool bad = false, ok;
	size_t i;
	int err;

	/* a case database's result over several hosts: each node's host,
	 * and the clock skews applied (dbgraph.h) */
	if ((err = bt_hostmap_new(&hm, r->g)))
		return err;
	if (!bt_hostmap_spans(hm, r)) {
		bt_hostmap_free(hm);
		hm = NULL;
	}
	snprintf(id, sizeof(id), "n%u", r->detection);
	ok = json_put(out, "{\n  \"direction\": ",
		      json_string(r->dir == BT_BACKWARD ? "backward" :
				  "forward"), bad) &&
	     json_put(out, ",\n  \"granularity\": ",
		      json_string(gran_name(r->opts.gran)), bad) &&
	     json_put(out, ",\n  \"since\": ", r->opts.since ?
		      jtime(r->opts.since) : json_null(), bad) &&
	     json_put(out, ",\n  \"until\": ", jtime(r->opts.until), bad) &&
	     json_put(out, ",\n  \"truncated\": ",
		      json_boolean(r->truncated), bad) &&
	     json_put(out, ",\n  \"limit\": ", r->truncated ?
		      json_string(r->limit) : json_null(), bad) &&
	     json_put(out, ",\n  \"detection\": ", json_string(id), bad) &&
	     json_put(out, ",\n  \"examined\": ",
		      json_integer((json_int_t)r->examined), bad) &&
	     json_put(out, ",\n  \"filters\": ",
		      json_filters(r, &tmp, &bad), bad) &&
	     json_put(out, ",\n  \"drops\": ", json_drops(r, &bad), bad) &&
	     (!hm || json_put(out, ",\n  \"clock_skew\": ",
			      json_shown(&tmp, bt_hostmap_skew(hm)), bad)) &&
	     fputs(",\n  \"nodes\": [", out) != EOF;
	for (i = 0; ok && i < r->nnodes; i++)
		ok = json_put(out, i ? ",\n    " : "\n    ",
			      json_node(r, i, hm, &tmp, &bad), bad);
	ok = ok && fputs(r->nnodes ? "\n  ],\n  \"edges\": [" :
			 "],\n  \"edges\": [", out) != EOF;
	for (i = 0; ok && i < r->nedges; i++)
		ok = json_put(out, i ? ",\n    " : "\n    ",
			      json_edge(r, i, &bad), bad);
	ok = ok && fputs(r->nedges ? "\n  ]\n}\n" : "]\n}\n", out) != EOF;
	bt_sb_release(&tmp);
	bt_hostmap_free(hm);
	if (bad)
		return bt_error_set(BT_ENOMEM, "cannot build the JSON output");
	if (!ok || fflush(out) != 0 || ferror(out))
		return bt_error_set_os(BT_EIO, "cannot write the JSON output");
	return 0;
}
