/*
 * prov.c - a walk result as W3C PROV-JSON (graph/export.h), the form
 * CamFlow and SPADE emit, so a result loads into PROV tooling (the Python
 * `prov` package, ProvToolbox).  Built with jansson; every string from the
 * log goes through the display rule (core/display.h) first, so the JSON is
 * valid UTF-8 whatever the file names hold.
 *
 * The mapping (documented in man/btrack-backtrack.1, PROV-JSON):
 *  - a process is an activity (prov:startTime: its start); a file, file
 *    name, page, endpoint, pipe or runtime summary is an entity; each
 *    carries prov:type btrack:KIND, prov:label and btrack:* attributes;
 *  - each distinct user id a process ran as (its uid at the start, each
 *    later uid or euid) is an agent btrack:uidN, joined to the process by
 *    wasAssociatedWith, as SPADE ties processes to their user agents;
 *  - each edge of the result is one relation, keyed btrack:eN (N: the
 *    edge's index in the JSON output): process -> process (fork) is
 *    wasInformedBy(child, parent); entity -> process is used(process,
 *    entity); process -> entity is wasGeneratedBy(entity, process), except
 *    unlink, which is wasInvalidatedBy(name, process); entity -> entity
 *    (the two ends of one connection) is wasDerivedFrom(effect, cause).  prov:time (or
 *    btrack:time for wasInformedBy, which has no time in PROV-DM) is the
 *    first event; btrack:op, btrack:count and btrack:last say the rest;
 *  - a rename or link whose old and new names are both in the result is
 *    also wasDerivedFrom(new, old) with prov:activity the process, keyed
 *    btrack:dN.
 * Element ids are btrack:nN, the JSON output's node ids.
 *
 * The document is streamed one element at a time, as json.c does, so a
 * large result never becomes one jansson tree.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../core/drops.h"
#include "../core/error.h"
#include "../core/log.h"
#include "../core/raw.h"     /* BT_PTY_* */
#include "../core/util.h"
#include "filter.h"
#include "jsonbuild.h"
#include "render.h"

/* The btrack namespace: a URN, so nothing in a report points at the
 * network. */
#define PROV_NS "urn:btrack:"

/* An xsd:dateTime with nanoseconds, as PROV-JSON writes times. */
static json_t *jdate(uint64_t ns)
{
	char t[BT_TIME_BUFSZ];

	bt_time_format(t, sizeof(t), ns);
	return json_string(t);
}

/* The same as a typed value, for attributes outside PROV's own (whose
 * time attributes are dateTimes by definition). */
static json_t *jdate_typed(uint64_t ns)
{
	char t[BT_TIME_BUFSZ];

	bt_time_format(t, sizeof(t), ns);
	return json_pack("{s:s, s:s}", "$", t, "type", "xsd:dateTime");
}

/* What the capture of the log lost, on the detection element with the
 * walk's own attributes: btrack:drops (records; only when the log was
 * read for it), and when some were lost btrack:drops_causes ("full=120
 * bad=3"), btrack:drops_since and btrack:drops_until (the window of the
 * captures that lost them, when known) and btrack:drops_in_span. */
static void prov_drops(json_t *o, const struct bt_result *r, bool *bad)
{
	const struct bt_drops *d = r->drops;
	char causes[512];

	if (!d)
		return;
	bt_jset(o, "btrack:drops", json_integer((json_int_t)d->total), bad);
	if (!d->total)
		return;
	bt_jset(o, "btrack:drops_causes",
		json_string(bt_drops_causes(d, causes, sizeof(causes))), bad);
	if (d->since)
		bt_jset(o, "btrack:drops_since", jdate_typed(d->since), bad);
	if (d->until)
		bt_jset(o, "btrack:drops_until", jdate_typed(d->until), bad);
	bt_jset(o, "btrack:drops_in_span", json_boolean(drops_in_span(r)),
		bad);
}

/* {"$": "btrack:process", "type": "prov:QUALIFIED_NAME"} */
static json_t *jqname(const char *local)
{
	char q[64];

	snprintf(q, sizeof(q), "btrack:%s", local);
	return json_pack("{s:s, s:s}", "$", q, "type", "prov:QUALIFIED_NAME");
}

static const char *rel_names[] = {
	"wasInformedBy", "used", "wasGeneratedBy", "wasInvalidatedBy"
};
/* REL_DERIVED: an entity -> entity edge (the two ends of one connection,
 * graph/channel.h), written in the wasDerivedFrom group */
enum rel { REL_INFORMED, REL_USED, REL_GENERATED, REL_INVALIDATED, REL_N,
	   REL_DERIVED = REL_N };

static bool is_activity(const struct bt_node *nd)
{
	return nd->kind == BT_OBJ_PROCESS && !(nd->flags & BT_NODE_SUMMARY);
}

static enum rel rel_of(const struct bt_result *r, const struct bt_edge *e)
{
	bool fa = is_activity(&r->nodes[e->from]);
	bool ta = is_activity(&r->nodes[e->to]);

	if (fa && ta)
		return REL_INFORMED;
	if (ta)
		return REL_USED;
	if (!fa)
		return REL_DERIVED;
	if (e->op == BT_OP_UNLINK)
		return REL_INVALIDATED;
	return REL_GENERATED;
}

/* ---- elements --------------------------------------------------------- */

struct paths_ctx {
	json_t *arr;
	struct bt_sb *tmp;
	bool *bad;
};

static void add_path(void *arg, const char *path, uint64_t time)
{
	struct paths_ctx *c = arg;
	json_t *v = bt_jstr(c->tmp, path);

	(void)time;
	if (!v || json_array_append_new(c->arr, v))
		*c->bad = true;
}

static void file_attrs(json_t *o, const struct bt_result *r, uint32_t file,
		       struct bt_sb *tmp, bool *bad)
{
	struct bt_object_info fi;
	struct paths_ctx pc = { NULL, tmp, bad };
	uint32_t ver, nver;

	if (bt_graph_object(r->g, file, &fi))
		return;
	if (fi.path)
		bt_jset(o, "btrack:path", bt_jstr(tmp, fi.path), bad);
	/* Every path it was seen under: a PROV multi-valued attribute. */
	pc.arr = json_array();
	if (pc.arr)
		bt_graph_file_paths(r->g, file, add_path, &pc);
	if (pc.arr && json_array_size(pc.arr) > 1)
		bt_jset(o, "btrack:paths", pc.arr, bad);
	else
		json_decref(pc.arr);
	if ((fi.file_flags & BT_FILEF_PIPE) && BT_PTY_IS(fi.ino)) {
		/* a pty's direction (json.c) */
		bt_jset(o, "btrack:dev", json_integer((json_int_t)fi.dev), bad);
		bt_jset(o, "btrack:pty", json_integer(BT_PTY_INDEX_OF(fi.ino)),
			bad);
		bt_jset(o, "btrack:direction", json_string(
			BT_PTY_DIR_OF(fi.ino) == BT_PTY_IN ? "in" : "out"), bad);
	} else if (!(fi.file_flags & BT_FILEF_SYNTH)) {
		bt_jset(o, "btrack:dev", json_integer((json_int_t)fi.dev), bad);
		bt_jset(o, "btrack:inode", json_integer((json_int_t)fi.ino),
			bad);
	}
	if (!bt_file_is_pipe(&fi)) {
		bt_graph_file_version(r->g, file, &ver, &nver);
		if (nver > 1 && ver) {
			bt_jset(o, "btrack:version", json_integer(ver), bad);
			bt_jset(o, "btrack:versions", json_integer(nver), bad);
		}
	}
}

struct cred_prov {
	json_t *arr;
	bool *bad;
};

static void cred_to_prov(void *arg, const char *text, const struct cred *now,
			 uint64_t time)
{
	struct cred_prov *c = arg;

	(void)now;
	(void)time;
	if (json_array_append_new(c->arr, json_string(text)))
		*c->bad = true;
}

/* One activity or entity: the attributes every node has, then its kind's. */
static json_t *prov_element(const struct bt_result *r, size_t i,
			    struct bt_sb *tmp, bool *bad)
{
	const struct bt_node *nd = &r->nodes[i];
	struct bt_object_info in;
	json_t *o = json_object();

	bt_jset(o, "prov:type", jqname(node_kind_name(r, nd)), bad);
	bt_sb_reset(tmp);
	node_label(tmp, r, i);
	/* node_label() has shown it by the rule already. */
	bt_jset(o, "prov:label", tmp->oom ? NULL :
		json_stringn(bt_sb_str(tmp), tmp->len), bad);
	bt_jset(o, "btrack:object", json_integer(nd->obj), bad);
	bt_jset(o, "btrack:depth", json_integer(nd->depth), bad);
	if (nd->threshold != BT_TIME_NONE)
		bt_jset(o, "btrack:threshold", jdate_typed(nd->threshold), bad);
	if (nd->flags & BT_NODE_DETECTION) {
		/* The walk itself: PROV has no place for a document's own
		 * attributes, so they go on the element it started from. */
		bt_jset(o, "btrack:detection", json_true(), bad);
		bt_jset(o, "btrack:direction",
			json_string(r->dir == BT_BACKWARD ?
			"backward" : "forward"), bad);
		bt_jset(o, "btrack:granularity",
			json_string(gran_name(r->opts.gran)), bad);
		if (r->truncated) {
			bt_jset(o, "btrack:truncated", json_true(), bad);
			bt_jset(o, "btrack:limit", bt_jstr(tmp, r->limit), bad);
		}
		prov_drops(o, r, bad);
	}
	if (nd->flags & (BT_NODE_ENTRY | BT_NODE_REMOTE))
		bt_jset(o, "btrack:entry", json_true(), bad);
	if (nd->rank) {
		bt_jset(o, "btrack:entry_rank", json_integer(nd->rank), bad);
		bt_jset(o, "btrack:entry_reason",
			json_string(bt_entry_rank_name(nd->rank)), bad);
	}
	if (nd->flags & BT_NODE_SUMMARY) {
		bt_jset(o, "btrack:summary", json_integer(nd->summary), bad);
		return o;
	}
	if (bt_graph_object(r->g, nd->obj, &in))
		return o;
	switch (nd->kind) {
	case BT_OBJ_PROCESS: {
		struct cred_prov c = { json_array(), bad };

		if (in.start)
			bt_jset(o, "prov:startTime", jdate(in.start), bad);
		bt_jset(o, "btrack:pid", json_integer(in.pid), bad);
		if (in.ppid)
			bt_jset(o, "btrack:ppid", json_integer(in.ppid), bad);
		if (in.uid != UINT32_MAX)
			bt_jset(o, "btrack:uid", json_integer(in.uid), bad);
		if (in.exe)
			bt_jset(o, "btrack:exe", bt_jstr(tmp, in.exe), bad);
		if (in.comm)
			bt_jset(o, "btrack:comm", bt_jstr(tmp, in.comm), bad);
		if (in.argv && in.argv_len) {
			bt_sb_reset(tmp);
			argv_line(tmp, in.argv, in.argv_len);
			bt_jset(o, "btrack:cmdline", tmp->oom ? NULL :
				json_stringn(bt_sb_str(tmp), tmp->len), bad);
		}
		if (in.inherited)
			bt_jset(o, "btrack:inherited", json_true(), bad);
		if (c.arr && cred_changes(r->g, nd->obj, cred_to_prov, &c))
			bt_jset(o, "btrack:credentials", c.arr, bad);
		else
			json_decref(c.arr);
		break;
	}
	case BT_OBJ_FILE:
		file_attrs(o, r, nd->obj, tmp, bad);
		break;
	case BT_OBJ_FILENAME:
		bt_jset(o, "btrack:path", bt_jstr(tmp, in.path), bad);
		break;
	case BT_OBJ_PAGE:
		file_attrs(o, r, nd->file ? nd->file : in.file, tmp, bad);
		bt_jset(o, "btrack:page_first",
			json_integer((json_int_t)nd->page_first), bad);
		bt_jset(o, "btrack:page_last",
			json_integer((json_int_t)nd->page_last), bad);
		break;
	case BT_OBJ_ENDPOINT:
		bt_jset(o, "btrack:address", bt_jstr(tmp, in.path), bad);
		break;
	default:
		break;
	}
	return o;
}

/* ---- agents: the user ids processes ran as ---------------------------- */

struct uids {
	uint32_t *v;
	size_t n, cap;
	bool oom;
};

static void uid_add(struct uids *u, int64_t uid)
{
	size_t i;

	if (uid < 0 || uid >= UINT32_MAX || u->oom)
		return;
	for (i = 0; i < u->n; i++)
		if (u->v[i] == (uint32_t)uid)
			return;
	if (u->n == u->cap && bt_grow(&u->v, &u->cap, u->n + 1,
				      sizeof(*u->v))) {
		u->oom = true;
		return;
	}
	u->v[u->n++] = (uint32_t)uid;
}

/* The uid and euid of a BT_LABEL_CRED value "uid=N euid=N gid=N egid=N"
 * (fields may be missing). */
static void uid_of_label(void *arg, const char *value, size_t len,
			 uint64_t time)
{
	size_t i = 0;

	(void)time;
	while (i < len) {
		size_t k = i, n = 0;
		int64_t v = 0;

		while (k < len && value[k] != '=' && value[k] != ' ')
			k++;
		n = k - i;
		if (k < len && value[k] == '=' &&
		    ((n == 3 && !memcmp(value + i, "uid", 3)) ||
		     (n == 4 && !memcmp(value + i, "euid", 4)))) {
			bool digits = false;

			for (k++; k < len && value[k] >= '0' &&
			     value[k] <= '9'; k++) {
				if (v <= UINT32_MAX)
					v = v * 10 + (value[k] - '0');
				digits = true;
			}
			if (digits)
				uid_add(arg, v);
		}
		while (k < len && value[k] != ' ')
			k++;
		while (k < len && value[k] == ' ')
			k++;
		i = k;
	}
}

/* The distinct uids process node i ran as: its uid at the start, then
 * the uid and euid of each credential label (the first may already differ
 * from the start: a set-user-ID program). */
static void proc_uids(struct uids *u, const struct bt_result *r, size_t i)
{
	struct bt_object_info in;

	u->n = 0;
	if (!is_activity(&r->nodes[i]) ||
	    bt_graph_object(r->g, r->nodes[i].obj, &in))
		return;
	if (in.uid != UINT32_MAX)
		uid_add(u, in.uid);
	bt_graph_labels(r->g, r->nodes[i].obj, BT_LABEL_CRED, uid_of_label, u);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* ---- derivations: rename and link ------------------------------------- */

/* Node index of object `obj` of kind `kind`, or SIZE_MAX. */
struct objidx {
	uint32_t obj;
	uint32_t node;
};

static int cmp_objidx(const void *a, const void *b)
{
	const struct objidx *x = a, *y = b;

	return x->obj < y->obj ? -1 : x->obj > y->obj;
}

static size_t find_name(const struct objidx *ix, size_t n, uint32_t obj)
{
	struct objidx key = { obj, 0 };
	const struct objidx *p = bsearch(&key, ix, n, sizeof(*ix), cmp_objidx);

	return p ? p->node : SIZE_MAX;
}

/* The first event of list[0..n) at or after time t. */
static size_t lower_bound(const struct bt_graph *g, const uint32_t *list,
			  size_t n, uint64_t t)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		struct bt_rec_event e;

		bt_graph_event(g, list[mid], &e);
		if (e.time < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct deriv {
	uint32_t to, from, proc;   /* node indexes: new name, old, process */
	uint64_t time;
	uint8_t op;
};

struct derivs {
	struct deriv *v;
	size_t n, cap;
	bool oom;
};

static void deriv_add(struct derivs *d, size_t to, size_t from, size_t proc,
		      uint64_t time, uint8_t op)
{
	if (to == SIZE_MAX || from == SIZE_MAX || to == from || d->oom)
		return;
	if (d->n == d->cap && bt_grow(&d->v, &d->cap, d->n + 1,
				      sizeof(*d->v))) {
		d->oom = true;
		return;
	}
	d->v[d->n++] = (struct deriv){ (uint32_t)to, (uint32_t)from,
				       (uint32_t)proc, time, op };
}

static int cmp_deriv(const void *a, const void *b)
{
	const struct deriv *x = a, *y = b;

	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	if (x->proc != y->proc)
		return x->proc < y->proc ? -1 : 1;
	if (x->op != y->op)
		return x->op < y->op ? -1 : 1;
	return x->time < y->time ? -1 : x->time > y->time;
}

/* One relation per (new, old, process, op), at its first time, as edges
 * aggregate their events. */
static void deriv_unique(struct derivs *d)
{
	size_t i, n = 0;

	if (!d->n)
		return;
	qsort(d->v, d->n, sizeof(*d->v), cmp_deriv);
	for (i = 0; i < d->n; i++) {
		if (n && d->v[n - 1].to == d->v[i].to &&
		    d->v[n - 1].from == d->v[i].from &&
		    d->v[n - 1].proc == d->v[i].proc &&
		    d->v[n - 1].op == d->v[i].op)
			continue;
		d->v[n++] = d->v[i];
	}
	d->n = n;
}

/*
 * Which new names came from which old ones.  The log has no event between
 * two names: ingest writes a rename as two events of one process at one
 * time, the old name's then the new name's, and a link as a lookup of the
 * old name and a link to the new one at one time.  So for each rename or
 * link edge of the result, the process's events in the edge's time span
 * are read back from the graph and paired; a pair that is ambiguous (more
 * than two renames at one instant, several lookups) is left out.
 */
static void find_derivations(struct derivs *d, const struct bt_result *r,
			     const struct objidx *ix, size_t nix)
{
	const struct bt_graph *g = r->g;
	size_t i;

	for (i = 0; i < r->nedges; i++) {
		const struct bt_edge *e = &r->edges[i];
		const struct bt_node *p = &r->nodes[e->from];
		const uint32_t *out, *in;
		size_t nout, nin, k;

		if ((e->op != BT_OP_RENAME && e->op != BT_OP_LINK) ||
		    !is_activity(p))
			continue;
		nout = bt_graph_out(g, p->obj, &out);
		nin = bt_graph_in(g, p->obj, &in);
		for (k = lower_bound(g, out, nout, e->first); k < nout; k++) {
			/* Events are copies: told apart by their
			 * references, which increase in log order. */
			struct bt_rec_event ev, ot = { 0 }, x;
			uint32_t ot_ref = 0;
			bool has_ot = false;
			size_t a, b, j, nsame = 0;

			bt_graph_event(g, out[k], &ev);
			if (ev.time > e->last)
				break;
			if (ev.op != e->op ||
			    find_name(ix, nix, ev.effect) != e->to)
				continue;
			if (e->op == BT_OP_RENAME) {
				/* The renames of this instant: exactly two,
				 * this the second. */
				a = k;
				while (a > 0 &&
				       bt_graph_event(g, out[a - 1], &x) &&
				       x.time == ev.time)
					a--;
				for (b = a; b < nout; b++) {
					bt_graph_event(g, out[b], &x);
					if (x.time != ev.time)
						break;
					if (x.op == BT_OP_RENAME) {
						if (out[b] != out[k] &&
						    !has_ot) {
							ot = x;
							ot_ref = out[b];
							has_ot = true;
						}
						nsame++;
					}
				}
				if (nsame != 2 || !has_ot || ot_ref > out[k])
					has_ot = false;
			} else {
				for (j = lower_bound(g, in, nin, ev.time);
				     j < nin; j++) {
					bt_graph_event(g, in[j], &x);
					if (x.time != ev.time)
						break;
					if (x.op == BT_OP_LOOKUP) {
						ot = x;
						has_ot = true;
						nsame++;
					}
				}
				if (nsame != 1)
					has_ot = false;
			}
			if (has_ot)
				deriv_add(d, e->to, find_name(ix, nix,
					  ot.op == BT_OP_LOOKUP ? ot.cause :
					  ot.effect), e->from, ev.time,
					  e->op);
		}
	}
}

/* ---- relations -------------------------------------------------------- */

static void qid(char *buf, size_t n, const char *what, size_t i)
{
	snprintf(buf, n, "btrack:%s%zu", what, i);
}

static json_t *prov_relation(const struct bt_result *r, size_t i,
			     enum rel rel, bool *bad)
{
	const struct bt_edge *e = &r->edges[i];
	json_t *o = json_object();
	char from[32], to[32];

	qid(from, sizeof(from), "n", e->from);
	qid(to, sizeof(to), "n", e->to);
	switch (rel) {
	case REL_INFORMED:
		bt_jset(o, "prov:informed", json_string(to), bad);
		bt_jset(o, "prov:informant", json_string(from), bad);
		bt_jset(o, "btrack:time", jdate_typed(e->first), bad);
		break;
	case REL_USED:
		bt_jset(o, "prov:activity", json_string(to), bad);
		bt_jset(o, "prov:entity", json_string(from), bad);
		bt_jset(o, "prov:time", jdate(e->first), bad);
		break;
	case REL_GENERATED:
	case REL_INVALIDATED:
		bt_jset(o, "prov:entity", json_string(to), bad);
		bt_jset(o, "prov:activity", json_string(from), bad);
		bt_jset(o, "prov:time", jdate(e->first), bad);
		break;
	default:
		break;
	}
	bt_jset(o, "btrack:op", json_string(op_name(e->op)), bad);
	bt_jset(o, "btrack:count", json_integer(e->count), bad);
	if (e->last != e->first)
		bt_jset(o, "btrack:last", jdate_typed(e->last), bad);
	return o;
}

/* ---- the document ----------------------------------------------------- */

/* Write one member `"key": value` of an open object, `first` says whether
 * a comma goes before it.  value is stolen. */
static bool member(FILE *out, bool *first, const char *key, json_t *v,
		   bool bad)
{
	json_t *k = json_string(key);
	bool ok = !bad && v && k &&
		  fputs(*first ? "\n    " : ",\n    ", out) != EOF &&
		  json_dumpf(k, out, JSON_ENCODE_ANY) == 0 &&
		  fputs(": ", out) != EOF &&
		  json_dumpf(v, out, JSON_ENCODE_ANY | JSON_COMPACT) == 0;

	*first = false;
	json_decref(k);
	json_decref(v);
	return ok;
}

/* Open `"name": {` for a group (the caller closes it with `}`); only
 * groups with members are written, as the other emitters do. */
static bool group_open(FILE *out, bool *any, const char *name)
{
	bool ok = fprintf(out, "%s\n  \"%s\": {", *any ? "," : "", name) > 0;

	*any = true;
	return ok;
}

int export_prov(const struct bt_result *r,
		const struct bt_export_opts *opts, FILE *out)
{
	struct bt_sb tmp = { 0 };
	struct uids u = { 0 }, all = { 0 };
	struct derivs d = { 0 };
	struct objidx *ix = NULL;
	size_t i, k, nix = 0, nact = 0, nassoc = 0;
	bool bad = false, ok, any = false, first;
	char id[48], id2[48];
	unsigned rel;
	size_t nrel[REL_N + 1] = { 0 };

	(void)opts;
	for (i = 0; i < r->nedges; i++) {
		if (r->edges[i].from >= r->nnodes ||
		    r->edges[i].to >= r->nnodes)
			return bt_error_set(BT_EINVAL, "edge %zu refers to a "
					    "node out of range", i);
		nrel[rel_of(r, &r->edges[i])]++;
	}
	/* File names by object id, for the derivations. */
	ix = calloc(r->nnodes ? r->nnodes : 1, sizeof(*ix));
	if (!ix)
		return bt_error_set(BT_ENOMEM, "out of memory");
	for (i = 0; i < r->nnodes; i++) {
		if (r->nodes[i].kind == BT_OBJ_FILENAME &&
		    !(r->nodes[i].flags & BT_NODE_SUMMARY))
			ix[nix++] = (struct objidx){ r->nodes[i].obj,
						     (uint32_t)i };
		if (is_activity(&r->nodes[i])) {
			nact++;
			proc_uids(&u, r, i);
			for (k = 0; k < u.n; k++)
				uid_add(&all, u.v[k]);
			nassoc += u.n;
		}
	}
	qsort(ix, nix, sizeof(*ix), cmp_objidx);
	find_derivations(&d, r, ix, nix);
	deriv_unique(&d);
	if (all.n)
		qsort(all.v, all.n, sizeof(*all.v), cmp_u32);
	if (u.oom || all.oom || d.oom)
		bad = true;

	ok = fputs("{\n  \"prefix\": {\"btrack\": \"" PROV_NS "\"}", out)
	     != EOF;
	any = true;

	if (ok && nact) {
		ok = group_open(out, &any, "activity");
		first = true;
		for (i = 0; ok && i < r->nnodes; i++) {
			if (!is_activity(&r->nodes[i]))
				continue;
			qid(id, sizeof(id), "n", i);
			ok = member(out, &first, id,
				    prov_element(r, i, &tmp, &bad), bad);
		}
		ok = ok && fputs("\n  }", out) != EOF;
	}
	if (ok && r->nnodes > nact) {
		ok = group_open(out, &any, "entity");
		first = true;
		for (i = 0; ok && i < r->nnodes; i++) {
			if (is_activity(&r->nodes[i]))
				continue;
			qid(id, sizeof(id), "n", i);
			ok = member(out, &first, id,
				    prov_element(r, i, &tmp, &bad), bad);
		}
		ok = ok && fputs("\n  }", out) != EOF;
	}
	if (ok && all.n) {
		ok = group_open(out, &any, "agent");
		first = true;
		for (k = 0; ok && k < all.n; k++) {
			json_t *a = json_object();

			snprintf(id, sizeof(id), "btrack:uid%u", all.v[k]);
			bt_jset(a, "prov:type", jqname("user"), &bad);
			bt_jset(a, "btrack:uid", json_integer(all.v[k]), &bad);
			snprintf(id2, sizeof(id2), "uid %u", all.v[k]);
			bt_jset(a, "prov:label", json_string(id2), &bad);
			ok = member(out, &first, id, a, bad);
		}
		ok = ok && fputs("\n  }", out) != EOF;
	}
	if (ok && nassoc) {
		size_t n = 0;

		ok = group_open(out, &any, "wasAssociatedWith");
		first = true;
		for (i = 0; ok && i < r->nnodes; i++) {
			proc_uids(&u, r, i);
			for (k = 0; ok && k < u.n; k++) {
				json_t *a = json_object();

				qid(id, sizeof(id), "n", i);
				bt_jset(a, "prov:activity", json_string(id),
					&bad);
				snprintf(id2, sizeof(id2), "btrack:uid%u",
					 u.v[k]);
				bt_jset(a, "prov:agent", json_string(id2),
					&bad);
				qid(id, sizeof(id), "a", n++);
				ok = member(out, &first, id, a, bad);
			}
		}
		ok = ok && fputs("\n  }", out) != EOF;
	}
	for (rel = 0; ok && rel < REL_N; rel++) {
		if (!nrel[rel])
			continue;
		ok = group_open(out, &any, rel_names[rel]);
		first = true;
		for (i = 0; ok && i < r->nedges; i++) {
			if (rel_of(r, &r->edges[i]) != rel)
				continue;
			qid(id, sizeof(id), "e", i);
			ok = member(out, &first, id,
				    prov_relation(r, i, rel, &bad), bad);
		}
		ok = ok && fputs("\n  }", out) != EOF;
	}
	if (ok && (d.n || nrel[REL_DERIVED])) {
		ok = group_open(out, &any, "wasDerivedFrom");
		first = true;
		/* the two ends of a connection: what the cause's end was
		 * sent, the effect's end delivers */
		for (i = 0; ok && i < r->nedges; i++) {
			const struct bt_edge *e = &r->edges[i];
			json_t *a;

			if (rel_of(r, e) != REL_DERIVED)
				continue;
			a = json_object();
			qid(id, sizeof(id), "n", e->to);
			bt_jset(a, "prov:generatedEntity", json_string(id),
				&bad);
			qid(id, sizeof(id), "n", e->from);
			bt_jset(a, "prov:usedEntity", json_string(id), &bad);
			bt_jset(a, "btrack:op", json_string(op_name(e->op)),
				&bad);
			bt_jset(a, "btrack:time", jdate_typed(e->first), &bad);
			bt_jset(a, "btrack:count", json_integer(e->count),
				&bad);
			qid(id, sizeof(id), "e", i);
			ok = member(out, &first, id, a, bad);
		}
		for (k = 0; ok && k < d.n; k++) {
			json_t *a = json_object();

			qid(id, sizeof(id), "n", d.v[k].to);
			bt_jset(a, "prov:generatedEntity", json_string(id),
				&bad);
			qid(id, sizeof(id), "n", d.v[k].from);
			bt_jset(a, "prov:usedEntity", json_string(id), &bad);
			qid(id, sizeof(id), "n", d.v[k].proc);
			bt_jset(a, "prov:activity", json_string(id), &bad);
			bt_jset(a, "btrack:op", json_string(op_name(d.v[k].op)),
				&bad);
			bt_jset(a, "btrack:time", jdate_typed(d.v[k].time),
				&bad);
			qid(id, sizeof(id), "d", k);
			ok = member(out, &first, id, a, bad);
		}
		ok = ok && fputs("\n  }", out) != EOF;
	}
	ok = ok && fputs("\n}\n", out) != EOF;

	bt_sb_release(&tmp);
	free(ix);
	free(u.v);
	free(all.v);
	free(d.v);
	if (bad)
		return bt_error_set(BT_ENOMEM, "cannot build the PROV-JSON "
				    "output");
	if (!ok || fflush(out) != 0 || ferror(out))
		return bt_error_set_os(BT_EIO, "cannot write the PROV-JSON "
				       "output");
	return 0;
}
