/*
 * labels.c - names, times, node labels and credential changes shared by
 * the output formats (graph/render.h).
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
#include "export.h"
#include "render.h"

/* ---- names, times, labels --------------------------------------------- */

const char *op_name(unsigned op)
{
	const char *s = bt_op_name(op);

	return s ? s : "?";
}

const char *kind_name(unsigned kind)
{
	const char *s = bt_kind_name(kind);

	return s ? s : "?";
}

const char *gran_name(enum bt_gran g)
{
	const char *s = bt_gran_name(g);

	return s ? s : "?";
}

/* RFC 3339 with the fraction's trailing zeros trimmed; the integer ns if
 * the time cannot be formatted. */
const char *fmt_time(char buf[BT_TIME_BUFSZ], uint64_t ns)
{
	size_t n = bt_time_format(buf, BT_TIME_BUFSZ, ns);
	char *dot, *z;

	if (!n || n >= BT_TIME_BUFSZ || buf[n - 1] != 'Z') {
		snprintf(buf, BT_TIME_BUFSZ, "%llu", (unsigned long long)ns);
		return buf;
	}
	dot = strchr(buf, '.');
	if (dot) {
		z = buf + n - 1;
		while (z > dot + 1 && z[-1] == '0')
			z--;
		if (z == dot + 1)
			z = dot;
		memmove(z, "Z", 2);
	}
	return buf;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s && s[1] ? s + 1 : p;
}

/* "pipe 30633" for a channel named "pipe:[30633]" (or "socket:[N]"). */
static bool pipe_label(struct bt_sb *b, const struct bt_object_info *fi)
{
	const char *p = fi->path, *br;

	if (!bt_file_is_pipe(fi))
		return false;
	if (p && (br = strchr(p, '[')) != NULL && br > p) {
		bt_show_strn(b, p, (size_t)(br - p - (br[-1] == ':')));
		bt_sb_adds(b, " ");
		bt_show_strn(b, br + 1, strlen(br + 1) - 1);
	} else {
		bt_sb_addf(b, "pipe (%llu:%llu)", (unsigned long long)fi->dev,
			(unsigned long long)fi->ino);
	}
	return true;
}

static void file_label(struct bt_sb *b, const struct bt_graph *g, uint32_t file)
{
	struct bt_object_info fi;

	if (bt_graph_object(g, file, &fi) != 0) {
		bt_sb_addf(b, "file #%u", file);
		return;
	}
	if (pipe_label(b, &fi))
		return;
	if (fi.path) {
		bt_show_str(b, fi.path);
	} else if (!(fi.file_flags & BT_FILEF_SYNTH)) {
		bt_sb_addf(b, "file (%llu:%llu)", (unsigned long long)fi.dev,
			(unsigned long long)fi.ino);
	} else {
		bt_sb_addf(b, "file #%u", file);
	}
}

/* "libc.so.6 and 17 runtime files" */
static void summary_label(struct bt_sb *b, const struct bt_result *r,
			  const struct bt_node *nd)
{
	struct bt_object_info in;

	if (bt_graph_object(r->g, nd->obj, &in) == 0 && in.path)
		bt_show_str(b, base_name(in.path));
	else
		bt_sb_adds(b, "runtime file");
	if (nd->summary > 1)
		bt_sb_addf(b, " and %u runtime file%s", nd->summary - 1,
			nd->summary > 2 ? "s" : "");
	else
		bt_sb_adds(b, " (runtime)");
}

/* The kind as the outputs name it: "runtime" for a summary, "pipe" for a
 * channel, else the object kind. */
const char *node_kind_name(const struct bt_result *r,
			   const struct bt_node *nd)
{
	struct bt_object_info in;

	if (nd->flags & BT_NODE_SUMMARY)
		return "runtime";
	if (nd->kind == BT_OBJ_FILE && bt_graph_object(r->g, nd->obj, &in) == 0 &&
	    bt_file_is_pipe(&in))
		return "pipe";
	return kind_name(nd->kind);
}

/* ---- credentials ------------------------------------------------------ */

const char *const cred_keys[4] = { "uid", "euid", "gid", "egid" };

static void cred_parse(struct cred *c, const char *s, size_t len)
{
	size_t i = 0, k;

	for (k = 0; k < 4; k++)
		c->v[k] = -1;
	while (i < len) {
		size_t start = i, klen;
		uint64_t n = 0;
		bool digits = false;

		while (i < len && s[i] != '=' && s[i] != ' ')
			i++;
		klen = i - start;
		if (i < len && s[i] == '=') {
			for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
				if (n < UINT32_MAX)
					n = n * 10 + (uint64_t)(s[i] - '0');
				digits = true;
			}
			for (k = 0; digits && n <= UINT32_MAX && k < 4; k++)
				if (strlen(cred_keys[k]) == klen &&
				    !memcmp(cred_keys[k], s + start, klen))
					c->v[k] = (int64_t)n;
		}
		while (i < len && s[i] != ' ')
			i++;
		while (i < len && s[i] == ' ')
			i++;
	}
}

struct cred_list {
	struct cred *v;
	size_t n, cap;
	bool oom;
};

static void cred_add(void *arg, const char *value, size_t len, uint64_t time)
{
	struct cred_list *l = arg;

	if (l->oom)
		return;
	if (l->n == l->cap && bt_grow(&l->v, &l->cap, l->n + 1,
				      sizeof(*l->v))) {
		l->oom = true;
		return;
	}
	cred_parse(&l->v[l->n], value, len);
	l->v[l->n++].time = time;
}

/*
 * The credential changes of a process, from its BT_LABEL_CRED labels: one
 * line each, "uid 1000 -> 0, euid 1000 -> 0 at T".  The process record's
 * uid and the first label are the start, not changes.  Calls fn for each
 * change with its text; returns how many.
 */
size_t cred_changes(const struct bt_graph *g, uint32_t proc,
		    void (*fn)(void *arg, const char *text,
			       const struct cred *now, uint64_t time),
		    void *arg)
{
	struct cred_list l = { NULL, 0, 0, false };
	struct bt_object_info in;
	int64_t cur[4] = { -1, -1, -1, -1 };
	char t[BT_TIME_BUFSZ];
	struct bt_sb b = { 0 };
	size_t i, k, n = 0;

	if (bt_graph_object(g, proc, &in) || in.kind != BT_OBJ_PROCESS)
		return 0;
	if (in.uid != UINT32_MAX)
		cur[0] = in.uid;
	bt_graph_labels(g, proc, BT_LABEL_CRED, cred_add, &l);
	for (i = 0; i < l.n; i++) {
		bt_sb_reset(&b);
		for (k = 0; k < 4; k++) {
			int64_t v = l.v[i].v[k];

			if (v < 0 || v == cur[k])
				continue;
			if (cur[k] >= 0)
				bt_sb_addf(&b, "%s%s %lld -> %lld",
					b.len ? ", " : "", cred_keys[k],
					(long long)cur[k], (long long)v);
			cur[k] = v;
		}
		if (!b.len)
			continue;
		bt_sb_addf(&b, " at %s", fmt_time(t, l.v[i].time));
		if (!b.oom)
			fn(arg, bt_sb_str(&b), &l.v[i], l.v[i].time);
		n++;
	}
	bt_sb_release(&b);
	free(l.v);
	return n;
}

void cred_to_text(void *arg, const char *text, const struct cred *now,
		  uint64_t time)
{
	struct cred_text *c = arg;

	(void)now;
	(void)time;
	bt_sb_adds(c->b, c->n++ ? c->sep : c->lead);
	bt_sb_adds(c->b, text);
}

/* The display label of node i, by the rule at the top of this file. */
void label_of(struct bt_sb *b, const struct bt_result *r,
	      const struct bt_node *nd)
{
	struct bt_object_info in;
	bool have = bt_graph_object(r->g, nd->obj, &in) == 0;

	if (nd->flags & BT_NODE_SUMMARY) {
		summary_label(b, r, nd);
		return;
	}
	switch (nd->kind) {
	case BT_OBJ_PROCESS:
		if (have && in.exe && *in.exe)
			bt_show_str(b, base_name(in.exe));
		else if (have && in.comm && *in.comm)
			bt_show_str(b, in.comm);
		else
			bt_sb_adds(b, "process");
		bt_sb_addf(b, " [%u]", have ? in.pid : 0);
		break;
	case BT_OBJ_FILE:
		file_label(b, r->g, nd->obj);
		break;
	case BT_OBJ_FILENAME:
		bt_sb_adds(b, "name: ");
		bt_show_str(b, have ? in.path : NULL);
		break;
	case BT_OBJ_PAGE:
		file_label(b, r->g, nd->file ? nd->file : (have ? in.file : 0));
		if (r->opts.gran == BT_GRAN_OBJECT)
			bt_sb_adds(b, " (pages)");
		else if (nd->page_first == nd->page_last)
			bt_sb_addf(b, " #%llu",
				(unsigned long long)nd->page_first);
		else
			bt_sb_addf(b, " #%llu-%llu",
				(unsigned long long)nd->page_first,
				(unsigned long long)nd->page_last);
		break;
	case BT_OBJ_ENDPOINT:
		bt_show_str(b, have ? in.path : NULL);
		break;
	default:
		bt_sb_addf(b, "%s #%u", kind_name(nd->kind), nd->obj);
		break;
	}
}

void node_label(struct bt_sb *b, const struct bt_result *r, size_t i)
{
	label_of(b, r, &r->nodes[i]);
}

/* "filters removed 12 of 40 objects (runtime 9, noise 3)", or nothing. */
void filter_summary(struct bt_sb *b, const struct bt_result *r)
{
	const struct bt_filter_report *f = r->filters;
	unsigned k;
	int first = 1;

	if (!f || !f->nremoved)
		return;
	bt_sb_addf(b, "filters removed %zu of %zu objects (", f->nremoved,
		f->nodes_before);
	for (k = 0; k < BT_FILTER_COUNT; k++) {
		if (!f->removed_by[k])
			continue;
		bt_sb_addf(b, "%s%s %u", first ? "" : ", ", bt_filter_name(k),
			f->removed_by[k]);
		first = 0;
	}
	bt_sb_adds(b, ")");
	if (f->summaries)
		bt_sb_addf(b, ", runtime files collapsed into %u summar%s",
			f->summaries, f->summaries > 1 ? "ies" : "y");
}

size_t bt_node_label(const struct bt_result *r, size_t node, char *buf,
		     size_t n)
{
	struct bt_sb b = { 0 };
	size_t len;

	if (!r || node >= r->nnodes) {
		if (n)
			buf[0] = '\0';
		return 0;
	}
	node_label(&b, r, node);
	len = b.len;
	if (n) {
		size_t k = len < n - 1 ? len : n - 1;

		memcpy(buf, bt_sb_str(&b), k);
		buf[k] = '\0';
	}
	bt_sb_release(&b);
	return len;
}

/* argv (NUL-separated) as one line, words shown by the rule. */
void argv_line(struct bt_sb *b, const char *argv, size_t len)
{
	size_t i = 0, k;

	while (i < len) {
		k = strnlen(argv + i, len - i);
		if (i)
			bt_sb_adds(b, " ");
		bt_show_strn(b, argv + i, k);
		i += k + 1;
	}
}
