/*
 * export.c - a walk result (core/walk.h) as DOT, SVG, PNG, PDF, JSON or
 * text; the contract is graph/export.h, the user-facing description
 * man/btrack-backtrack.1 (OUTPUT).
 *
 * Every string taken from the log (paths, argv, addresses) is untrusted: a
 * hostile file name may hold quotes, backslashes, newlines, terminal escape
 * sequences or bytes that are not UTF-8.  All formats show such strings
 * through one rule (show_str() below), so that DOT, SVG, JSON and text agree
 * and the original bytes can be recovered: a backslash is written "\\"; a
 * byte that is not part of valid UTF-8, a control character (C0, DEL, C1),
 * a Unicode line/paragraph separator or bidirectional override, and an '&'
 * that starts something looking like an XML entity are written "\xNN" per
 * byte.  DOT quoting itself is cgraph's (agwrite); on top, labels double
 * their backslashes because graphviz reads "\n", "\N" ... in labels.
 *
 * This module does not walk (core/walk.c) and does not print to the
 * terminal: it writes to the FILE * it is given and returns errors.
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
#include <jansson.h>

#include "../core/error.h"
#include "../core/filter.h"
#include "../core/graph.h"
#include "../core/log.h"
#include "../core/timefmt.h"
#include "../core/util.h"
#include "../core/walk.h"
#include "export.h"

/* ---- a growing string ------------------------------------------------ */

struct sb {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void sb_addn(struct sb *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap &&
	    bt_grow(&b->buf, &b->cap, b->len + n + 1, 1)) {
		b->oom = true;
		return;
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

static void sb_adds(struct sb *b, const char *s)
{
	sb_addn(b, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
sb_addf(struct sb *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		sb_addn(b, tmp, (size_t)n);
		return;
	}
	/* Long: format again into the buffer itself. */
	if (b->oom || bt_grow(&b->buf, &b->cap, b->len + (size_t)n + 1, 1)) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void sb_reset(struct sb *b)
{
	b->len = 0;
	if (b->buf)
		b->buf[0] = '\0';
}

static const char *sb_str(struct sb *b)
{
	return b->buf ? b->buf : "";
}

static void sb_release(struct sb *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->cap = 0;
}

/* ---- the display rule for untrusted strings --------------------------- */

/* Length of the valid UTF-8 sequence at s (1..4) and its code point, or 0
 * if the bytes there are not valid UTF-8 (overlong, surrogate, too large,
 * truncated). */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static bool cp_unsafe(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
	       c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f ||
	       c == 0x061c;
}

/* "&name;" or "&#123;": what graphviz and SVG viewers would decode. */
static bool looks_like_entity(const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 1; i < n && i < 34; i++) {
		if (s[i] == ';')
			return i > 1;
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '#'))
			return false;
	}
	return false;
}

static void show_strn(struct sb *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k, run = 0;
	uint32_t cp;

	while (i < n) {
		k = utf8_seq(s + i, n - i, &cp);
		if (k && !cp_unsafe(cp) && cp != '\\' &&
		    !(cp == '&' && looks_like_entity(s + i, n - i))) {
			i += k;
			run += k;
			continue;
		}
		sb_addn(b, str + i - run, run);
		run = 0;
		if (k == 1 && cp == '\\') {
			sb_addn(b, "\\\\", 2);
			i++;
			continue;
		}
		if (!k)
			k = 1;
		while (k--)
			sb_addf(b, "\\x%02x", s[i++]);
	}
	sb_addn(b, str + i - run, run);
}

static void show_str(struct sb *b, const char *s)
{
	show_strn(b, s ? s : "", s ? strlen(s) : 0);
}

/* ---- names, times, labels --------------------------------------------- */

static const char *op_name(unsigned op)
{
	const char *s = bt_op_name(op);

	return s ? s : "?";
}

static const char *kind_name(unsigned kind)
{
	const char *s = bt_kind_name(kind);

	return s ? s : "?";
}

static const char *gran_name(enum bt_gran g)
{
	const char *s = bt_gran_name(g);

	return s ? s : "?";
}

/* RFC 3339 with the fraction's trailing zeros trimmed; the integer ns if
 * the time cannot be formatted. */
static const char *fmt_time(char buf[BT_TIME_BUFSZ], uint64_t ns)
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
static bool pipe_label(struct sb *b, const struct bt_object_info *fi)
{
	const char *p = fi->path, *br;

	if (!bt_file_is_pipe(fi))
		return false;
	if (p && (br = strchr(p, '[')) != NULL && br > p) {
		show_strn(b, p, (size_t)(br - p - (br[-1] == ':')));
		sb_adds(b, " ");
		show_strn(b, br + 1, strlen(br + 1) - 1);
	} else {
		sb_addf(b, "pipe (%llu:%llu)", (unsigned long long)fi->dev,
			(unsigned long long)fi->ino);
	}
	return true;
}

static void file_label(struct sb *b, const struct bt_graph *g, uint32_t file)
{
	struct bt_object_info fi;

	if (bt_graph_object(g, file, &fi) != 0) {
		sb_addf(b, "file #%u", file);
		return;
	}
	if (pipe_label(b, &fi))
		return;
	if (fi.path) {
		show_str(b, fi.path);
	} else if (!(fi.file_flags & BT_FILEF_SYNTH)) {
		sb_addf(b, "file (%llu:%llu)", (unsigned long long)fi.dev,
			(unsigned long long)fi.ino);
	} else {
		sb_addf(b, "file #%u", file);
	}
}

/* "libc.so.6 and 17 runtime files" */
static void summary_label(struct sb *b, const struct bt_result *r,
			  const struct bt_node *nd)
{
	struct bt_object_info in;

	if (bt_graph_object(r->g, nd->obj, &in) == 0 && in.path)
		show_str(b, base_name(in.path));
	else
		sb_adds(b, "runtime file");
	if (nd->summary > 1)
		sb_addf(b, " and %u runtime file%s", nd->summary - 1,
			nd->summary > 2 ? "s" : "");
	else
		sb_adds(b, " (runtime)");
}

/* The kind as the outputs name it: "runtime" for a summary, "pipe" for a
 * channel, else the object kind. */
static const char *node_kind_name(const struct bt_result *r,
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

/* A BT_LABEL_CRED value "uid=N euid=N gid=N egid=N" (fields may be
 * missing: -1). */
struct cred {
	int64_t v[4];
	uint64_t time;
};

static const char *const cred_keys[4] = { "uid", "euid", "gid", "egid" };

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
static size_t cred_changes(const struct bt_graph *g, uint32_t proc,
			   void (*fn)(void *arg, const char *text,
				      const struct cred *now, uint64_t time),
			   void *arg)
{
	struct cred_list l = { NULL, 0, 0, false };
	struct bt_object_info in;
	int64_t cur[4] = { -1, -1, -1, -1 };
	char t[BT_TIME_BUFSZ];
	struct sb b = { 0 };
	size_t i, k, n = 0;

	if (bt_graph_object(g, proc, &in) || in.kind != BT_OBJ_PROCESS)
		return 0;
	if (in.uid != UINT32_MAX)
		cur[0] = in.uid;
	bt_graph_labels(g, proc, BT_LABEL_CRED, cred_add, &l);
	for (i = 0; i < l.n; i++) {
		sb_reset(&b);
		for (k = 0; k < 4; k++) {
			int64_t v = l.v[i].v[k];

			if (v < 0 || v == cur[k])
				continue;
			if (cur[k] >= 0)
				sb_addf(&b, "%s%s %lld -> %lld",
					b.len ? ", " : "", cred_keys[k],
					(long long)cur[k], (long long)v);
			cur[k] = v;
		}
		if (!b.len)
			continue;
		sb_addf(&b, " at %s", fmt_time(t, l.v[i].time));
		if (!b.oom)
			fn(arg, sb_str(&b), &l.v[i], l.v[i].time);
		n++;
	}
	sb_release(&b);
	free(l.v);
	return n;
}

struct cred_text {
	struct sb *b;
	const char *lead, *sep;
	size_t n;
};

static void cred_to_text(void *arg, const char *text, const struct cred *now,
			 uint64_t time)
{
	struct cred_text *c = arg;

	(void)now;
	(void)time;
	sb_adds(c->b, c->n++ ? c->sep : c->lead);
	sb_adds(c->b, text);
}

/* The display label of node i, by the rule at the top of this file. */
static void label_of(struct sb *b, const struct bt_result *r,
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
			show_str(b, base_name(in.exe));
		else if (have && in.comm && *in.comm)
			show_str(b, in.comm);
		else
			sb_adds(b, "process");
		sb_addf(b, " [%u]", have ? in.pid : 0);
		break;
	case BT_OBJ_FILE:
		file_label(b, r->g, nd->obj);
		break;
	case BT_OBJ_FILENAME:
		sb_adds(b, "name: ");
		show_str(b, have ? in.path : NULL);
		break;
	case BT_OBJ_PAGE:
		file_label(b, r->g, nd->file ? nd->file : (have ? in.file : 0));
		if (r->opts.gran == BT_GRAN_OBJECT)
			sb_adds(b, " (pages)");
		else if (nd->page_first == nd->page_last)
			sb_addf(b, " #%llu",
				(unsigned long long)nd->page_first);
		else
			sb_addf(b, " #%llu-%llu",
				(unsigned long long)nd->page_first,
				(unsigned long long)nd->page_last);
		break;
	case BT_OBJ_ENDPOINT:
		show_str(b, have ? in.path : NULL);
		break;
	default:
		sb_addf(b, "%s #%u", kind_name(nd->kind), nd->obj);
		break;
	}
}

static void node_label(struct sb *b, const struct bt_result *r, size_t i)
{
	label_of(b, r, &r->nodes[i]);
}

/* "filters removed 12 of 40 objects (runtime 9, noise 3)", or nothing. */
static void filter_summary(struct sb *b, const struct bt_result *r)
{
	const struct bt_filter_report *f = r->filters;
	unsigned k;
	int first = 1;

	if (!f || !f->nremoved)
		return;
	sb_addf(b, "filters removed %zu of %zu objects (", f->nremoved,
		f->nodes_before);
	for (k = 0; k < BT_FILTER_COUNT; k++) {
		if (!f->removed_by[k])
			continue;
		sb_addf(b, "%s%s %u", first ? "" : ", ", bt_filter_name(k),
			f->removed_by[k]);
		first = 0;
	}
	sb_adds(b, ")");
	if (f->summaries)
		sb_addf(b, ", runtime files collapsed into %u summar%s",
			f->summaries, f->summaries > 1 ? "ies" : "y");
}

size_t bt_node_label(const struct bt_result *r, size_t node, char *buf,
		     size_t n)
{
	struct sb b = { 0 };
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

		memcpy(buf, sb_str(&b), k);
		buf[k] = '\0';
	}
	sb_release(&b);
	return len;
}

/* argv (NUL-separated) as one line, words shown by the rule. */
static void argv_line(struct sb *b, const char *argv, size_t len)
{
	size_t i = 0, k;

	while (i < len) {
		k = strnlen(argv + i, len - i);
		if (i)
			sb_adds(b, " ");
		show_strn(b, argv + i, k);
		i += k + 1;
	}
}

/* ---- format names ----------------------------------------------------- */

static const char *const fmt_names[] = {
	[BT_FMT_TEXT] = "text", [BT_FMT_DOT] = "dot", [BT_FMT_JSON] = "json",
	[BT_FMT_SVG] = "svg", [BT_FMT_PNG] = "png", [BT_FMT_PDF] = "pdf",
};

int bt_format_parse(enum bt_format *out, const char *name)
{
	size_t i;

	for (i = 0; name && i < BT_ARRAY_SIZE(fmt_names); i++) {
		if (!strcmp(name, fmt_names[i])) {
			*out = (enum bt_format)i;
			return 0;
		}
	}
	return bt_error_set(BT_EINVAL,
			    "unknown format '%s' (text, dot, json, svg, png, "
			    "pdf)", name ? name : "");
}

int bt_format_from_path(enum bt_format *out, const char *path)
{
	static const struct { const char *ext; enum bt_format f; } ext[] = {
		{ "txt", BT_FMT_TEXT }, { "text", BT_FMT_TEXT },
		{ "dot", BT_FMT_DOT }, { "gv", BT_FMT_DOT },
		{ "json", BT_FMT_JSON }, { "svg", BT_FMT_SVG },
		{ "png", BT_FMT_PNG }, { "pdf", BT_FMT_PDF },
	};
	const char *dot = path ? strrchr(path, '.') : NULL;
	size_t i;

	if (dot && !strchr(dot, '/')) {
		for (i = 0; i < BT_ARRAY_SIZE(ext); i++) {
			if (!strcasecmp(dot + 1, ext[i].ext)) {
				*out = ext[i].f;
				return 0;
			}
		}
	}
	return bt_error_set(BT_EINVAL, "cannot tell the format of '%s' from "
			    "its name", path ? path : "");
}

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

static void text_window(struct sb *b, const struct bt_result *r)
{
	char t[BT_TIME_BUFSZ];

	sb_adds(b, "window: since ");
	sb_adds(b, r->opts.since ? fmt_time(t, r->opts.since) : "-");
	sb_adds(b, ", until ");
	sb_adds(b, r->opts.until != BT_TIME_NONE ?
		fmt_time(t, r->opts.until) : "-");
	sb_adds(b, "\n");
}

/* What tells a node apart beyond its label: a file's inode when several
 * files had its path, a process that runs its parent's image. */
static void text_details(struct sb *b, const struct bt_result *r,
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
			sb_addf(b, ", #%u of %u under this path, inode "
				"%llu:%llu", ver, nver,
				(unsigned long long)in.dev,
				(unsigned long long)in.ino);
	}
	if (nd->kind == BT_OBJ_PROCESS && in.inherited) {
		struct bt_object_info p;

		if (bt_graph_object(r->g, in.inherited, &p) == 0)
			sb_addf(b, ", forked from [%u] without exec", p.pid);
	}
}

static int export_text(const struct bt_result *r, FILE *out)
{
	bool back = r->dir == BT_BACKWARD;
	struct by_node bn = { 0 };
	struct sb b = { 0 };
	char t[BT_TIME_BUFSZ];
	size_t i, k, nentry = 0;
	unsigned rank;
	int err;

	err = by_node_build(&bn, r, back);
	if (err)
		return err;
	sb_addf(&b, "%s from ", back ? "backtrack" : "forward");
	if (r->nnodes)
		node_label(&b, r, r->detection);
	sb_addf(&b, " (%s), granularity %s\n",
		r->nnodes ? kind_name(r->nodes[r->detection].kind) : "?",
		gran_name(r->opts.gran));
	text_window(&b, r);
	sb_addf(&b, "result: %zu objects, %zu dependencies, %llu events "
		"examined\n", r->nnodes, r->nedges,
		(unsigned long long)r->examined);
	if (r->truncated)
		sb_addf(&b, "truncated: %s\n", r->limit);
	if (r->filters && r->filters->nremoved) {
		const struct bt_filter_report *f = r->filters;

		filter_summary(&b, r);
		sb_adds(&b, "\n");
		for (i = 0; f->explain && i < f->nremoved; i++) {
			sb_addf(&b, "  - %-8s ",
				bt_filter_name(f->removed_filter[i]));
			label_of(&b, r, &f->removed[i]);
			sb_addf(&b, "  (%s)\n",
				node_kind_name(r, &f->removed[i]));
		}
	}

	for (i = 0; i < r->nnodes; i++) {
		const struct bt_node *nd = &r->nodes[i];

		if (i == 0 || nd->depth != r->nodes[i - 1].depth)
			sb_addf(&b, "\ndepth %u:\n", nd->depth);
		sb_addf(&b, "  [%zu] ", i);
		node_label(&b, r, i);
		sb_addf(&b, "  (%s", node_kind_name(r, nd));
		text_details(&b, r, nd);
		if (nd->flags & BT_NODE_DETECTION)
			sb_adds(&b, ", detection point");
		if (nd->flags & BT_NODE_ENTRY)
			sb_adds(&b, back ? ", entry point" : ", leaf");
		if (nd->flags & BT_NODE_REMOTE)
			sb_adds(&b, ", remote");
		if (nd->threshold != BT_TIME_NONE && nd->threshold)
			sb_addf(&b, ", %s %s", back ? "until" : "from",
				fmt_time(t, nd->threshold));
		sb_adds(&b, ")\n");
		if (nd->kind == BT_OBJ_PROCESS &&
		    !(nd->flags & BT_NODE_SUMMARY)) {
			struct cred_text ct = { &b, "        credentials: ",
						"; ", 0 };

			if (cred_changes(r->g, nd->obj, cred_to_text, &ct))
				sb_adds(&b, "\n");
		}
		for (k = bn.start[i]; k < bn.start[i + 1]; k++) {
			const struct bt_edge *e = &r->edges[bn.idx[k]];
			uint32_t o = back ? e->from : e->to;

			sb_addf(&b, "        %s %-10s %s [%u] ",
				back ? "<-" : "->", op_name(e->op),
				back ? "from" : "to  ", o);
			if (o < r->nnodes)
				node_label(&b, r, o);
			sb_addf(&b, "  at %s", fmt_time(t, e->first));
			if (e->count > 1)
				sb_addf(&b, " (x%u, last %s)", e->count,
					fmt_time(t, e->last));
			sb_adds(&b, "\n");
		}
		if (b.len > 65536) {
			if (fwrite(b.buf, 1, b.len, out) != b.len)
				break;
			sb_reset(&b);
		}
	}

	for (i = 0; i < r->nnodes; i++)
		if (r->nodes[i].flags & (BT_NODE_ENTRY | BT_NODE_REMOTE))
			nentry++;
	sb_addf(&b, "\n%s (%zu)%s:\n", back ? "entry points" : "leaves",
		nentry, back && nentry > 1 ? ", most likely first" : "");
	/* Backward: by rank (filter.h), then in result order. */
	for (rank = 0; rank <= (back ? BT_RANK_MAX : 0); rank++) {
		for (i = 0; i < r->nnodes; i++) {
			const struct bt_node *nd = &r->nodes[i];
			const char *why;

			if (!(nd->flags & (BT_NODE_ENTRY | BT_NODE_REMOTE)) ||
			    (back && nd->rank != rank))
				continue;
			sb_addf(&b, "  [%zu] ", i);
			node_label(&b, r, i);
			sb_addf(&b, "  (%s", node_kind_name(r, nd));
			text_details(&b, r, nd);
			why = back ? bt_entry_rank_name(nd->rank) : NULL;
			if (why)
				sb_addf(&b, ": %s", why);
			sb_adds(&b, ")\n");
		}
	}
	if (r->truncated)
		sb_addf(&b, "\nthe result is incomplete: %s\n", r->limit);

	err = 0;
	if (b.oom)
		err = bt_error_set(BT_ENOMEM, "out of memory");
	else if (fwrite(sb_str(&b), 1, b.len, out) != b.len ||
		 fflush(out) != 0 || ferror(out))
		err = bt_error_set_os(BT_EIO, "cannot write the text output");
	sb_release(&b);
	by_node_release(&bn);
	return err;
}

/* ---- DOT, through cgraph ---------------------------------------------- */

/* Graphviz reads escapes ("\n", "\N", "\l") in labels and tooltips: double
 * the backslashes that show_str() left, so the text shows as it is. */
static void dot_esc(struct sb *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			sb_addn(out, "\\\\", 2);
		else
			sb_addn(out, s, 1);
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

static void node_tooltip(struct sb *b, const struct bt_result *r, size_t i)
{
	const struct bt_node *nd = &r->nodes[i];
	struct bt_object_info in;
	char t[BT_TIME_BUFSZ];

	if (bt_graph_object(r->g, nd->obj, &in))
		return;
	switch (nd->kind) {
	case BT_OBJ_PROCESS:
		sb_addf(b, "pid %u, started %s", in.pid,
			fmt_time(t, in.start));
		if (in.exe) {
			sb_adds(b, ", exe ");
			show_str(b, in.exe);
		}
		if (in.argv && in.argv_len) {
			sb_adds(b, ", argv: ");
			argv_line(b, in.argv, in.argv_len);
		}
		break;
	case BT_OBJ_FILE: {
		uint32_t ver, nver;

		if (nd->flags & BT_NODE_SUMMARY) {
			sb_addf(b, "%u runtime files loaded (btrack "
				"backtrack --explain lists them)", nd->summary);
			break;
		}
		if (!(in.file_flags & BT_FILEF_SYNTH))
			sb_addf(b, "inode %llu:%llu",
				(unsigned long long)in.dev,
				(unsigned long long)in.ino);
		else
			sb_addf(b, "file #%u", nd->obj);
		bt_graph_file_version(r->g, nd->obj, &ver, &nver);
		if (nver > 1 && ver)
			sb_addf(b, ", #%u of %u under this path", ver, nver);
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
	struct sb lab = { 0 }, esc = { 0 };
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
	sb_adds(&lab, back ? "backtrack from " : "forward from ");
	if (r->nnodes)
		node_label(&lab, r, r->detection);
	sb_addf(&lab, " (granularity %s)", gran_name(r->opts.gran));
	if (r->truncated)
		sb_addf(&lab, " - incomplete: %s", r->limit);
	if (r->filters && r->filters->nremoved) {
		sb_adds(&lab, " - ");
		filter_summary(&lab, r);
	}
	dot_esc(&esc, sb_str(&lab));
	set(g, "label", sb_str(&esc));
	set(g, "labelloc", "t");

	for (i = 0; i < r->nnodes; i++) {
		const struct bt_node *nd = &r->nodes[i];
		struct sb style = { 0 };
		Agnode_t *n;

		snprintf(name, sizeof(name), "n%zu", i);
		n = agnode(g, name, 1);
		if (!n) {
			err = bt_error_set(BT_ENOMEM, "cannot add a node");
			goto out_nodes;
		}
		nodes[i] = n;
		sb_reset(&lab);
		sb_reset(&esc);
		node_label(&lab, r, i);
		dot_esc(&esc, sb_str(&lab));
		if (nd->kind == BT_OBJ_PROCESS) {
			/* Privilege changes under the name, a line each
			 * (graphviz's "\n"); the text has no backslash. */
			struct cred_text ct = { &lab, "\n", "\n", 0 };
			const char *q;

			sb_reset(&lab);
			if (cred_changes(r->g, nd->obj, cred_to_text, &ct)) {
				set(n, "credentials", sb_str(&lab) + 1);
				for (q = sb_str(&lab); *q; q++) {
					if (*q == '\n')
						sb_adds(&esc, "\\n");
					else
						sb_addn(&esc, q, 1);
				}
			}
		}
		set(n, "label", sb_str(&esc));
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
		sb_reset(&lab);
		sb_reset(&esc);
		node_tooltip(&lab, r, i);
		if (lab.len) {
			dot_esc(&esc, sb_str(&lab));
			set(n, "tooltip", sb_str(&esc));
		}
		if (nd->kind == BT_OBJ_PROCESS) {
			struct bt_object_info in;

			if (!bt_graph_object(r->g, nd->obj, &in) && in.argv &&
			    in.argv_len) {
				sb_reset(&lab);
				argv_line(&lab, in.argv, in.argv_len);
				set(n, "argv", sb_str(&lab));
			}
		}
		if (nd->flags & BT_NODE_DETECTION) {
			sb_adds(&style, "bold");
			set(n, "color", "red");
			set(n, "fontcolor", "red");
			set(n, "penwidth", "2");
		}
		if (nd->flags & (BT_NODE_ENTRY | BT_NODE_REMOTE)) {
			sb_adds(&style, style.len ? ",filled" : "filled");
			set(n, "fillcolor",
			    nd->flags & BT_NODE_REMOTE ? "orange" : "lightblue");
		}
		if (nd->flags & BT_NODE_SUMMARY) {
			/* Context, not evidence: drawn quietly. */
			sb_adds(&style, style.len ? ",dashed" : "dashed");
			set(n, "color", "gray50");
			set(n, "fontcolor", "gray35");
		}
		if (style.len)
			set(n, "style", sb_str(&style));
		set(n, "entry", nd->flags & (BT_NODE_ENTRY | BT_NODE_REMOTE) ?
		    "true" : "false");
		if (style.oom)
			err = bt_error_set(BT_ENOMEM, "out of memory");
		sb_release(&style);
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
		sb_reset(&lab);
		sb_adds(&lab, op_name(e->op));
		if (e->count > 1)
			sb_addf(&lab, " \xc3\x97%u", e->count);
		sb_addf(&lab, "\\n%s", fmt_time(t, e->first));
		set(ed, "label", sb_str(&lab));
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
	sb_release(&lab);
	sb_release(&esc);
	*out = g;
	return 0;

out_nodes:
	free(nodes);
out_graph:
	sb_release(&lab);
	sb_release(&esc);
	agclose(g);
	return err;
}

static int export_dot(const struct bt_result *r, FILE *out)
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

static int export_render(const struct bt_result *r, const char *fmt,
			 FILE *out)
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

/* ---- JSON, through jansson -------------------------------------------- */

static json_t *jstr(struct sb *tmp, const char *s)
{
	sb_reset(tmp);
	show_str(tmp, s);
	if (tmp->oom)
		return NULL;
	return json_stringn(sb_str(tmp), tmp->len);
}

static json_t *jtime(uint64_t t)
{
	return t == BT_TIME_NONE ? json_null() : json_integer((json_int_t)t);
}

/* Set key to v (stolen); remember a failure. */
static void jset(json_t *o, const char *key, json_t *v, bool *bad)
{
	if (!v || json_object_set_new(o, key, v))
		*bad = true;
}

struct paths_ctx {
	json_t *arr;
	struct sb *tmp;
	bool *bad;
};

static void add_path(void *arg, const char *path, uint64_t time)
{
	struct paths_ctx *c = arg;
	json_t *v = jstr(c->tmp, path);

	if (!v || json_array_append_new(c->arr, v))
		*c->bad = true;
}

static void json_file_fields(json_t *o, const struct bt_result *r,
			     uint32_t file, struct sb *tmp, bool *bad)
{
	struct bt_object_info fi;
	struct paths_ctx pc = { json_array(), tmp, bad };

	if (bt_graph_object(r->g, file, &fi)) {
		json_decref(pc.arr);
		return;
	}
	jset(o, "file", json_integer(file), bad);
	jset(o, "path", fi.path ? jstr(tmp, fi.path) : json_null(), bad);
	if (pc.arr)
		bt_graph_file_paths(r->g, file, add_path, &pc);
	jset(o, "paths", pc.arr, bad);
	jset(o, "synthetic", json_boolean(fi.file_flags & BT_FILEF_SYNTH),
	     bad);
	if (bt_file_is_pipe(&fi))
		jset(o, "pipe", json_true(), bad);
	else {
		uint32_t ver, nver;

		bt_graph_file_version(r->g, file, &ver, &nver);
		if (nver > 1 && ver) {
			jset(o, "version", json_integer(ver), bad);
			jset(o, "versions", json_integer(nver), bad);
		}
	}
	if (!(fi.file_flags & BT_FILEF_SYNTH)) {
		jset(o, "dev", json_integer((json_int_t)fi.dev), bad);
		jset(o, "inode", json_integer((json_int_t)fi.ino), bad);
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

	jset(o, "time", json_integer((json_int_t)time), c->bad);
	for (k = 0; k < 4; k++)
		if (now->v[k] >= 0)
			jset(o, cred_keys[k], json_integer(now->v[k]), c->bad);
	jset(o, "change", json_string(text), c->bad);
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
		jset(o, "credentials", c.arr, bad);
	else
		json_decref(c.arr);
}

static json_t *json_node(const struct bt_result *r, size_t i,
			 struct sb *tmp, bool *bad)
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
	jset(o, "id", json_string(id), bad);
	jset(o, "object", json_integer(nd->obj), bad);
	jset(o, "kind", json_string(nd->flags & BT_NODE_SUMMARY ? "runtime" :
				    kind_name(nd->kind)), bad);
	sb_reset(tmp);
	node_label(tmp, r, i);
	jset(o, "label", tmp->oom ? NULL : json_stringn(sb_str(tmp), tmp->len),
	     bad);
	jset(o, "entry", json_boolean(nd->flags & (BT_NODE_ENTRY |
						   BT_NODE_REMOTE)), bad);
	jset(o, "detection", json_boolean(nd->flags & BT_NODE_DETECTION), bad);
	jset(o, "threshold", jtime(nd->threshold), bad);
	jset(o, "depth", json_integer(nd->depth), bad);
	if (nd->rank) {
		jset(o, "rank", json_integer(nd->rank), bad);
		jset(o, "entry_reason",
		     json_string(bt_entry_rank_name(nd->rank)), bad);
	}
	if (nd->flags & BT_NODE_SUMMARY) {
		/* The files are in "filters"."removed" (filter runtime). */
		jset(o, "summary", json_integer(nd->summary), bad);
		return o;
	}
	if (bt_graph_object(r->g, nd->obj, &in))
		return o;
	switch (nd->kind) {
	case BT_OBJ_PROCESS: {
		json_t *argv = json_array();
		size_t k = 0, n;

		jset(o, "pid", json_integer(in.pid), bad);
		jset(o, "start", json_integer((json_int_t)in.start), bad);
		if (in.ppid)
			jset(o, "ppid", json_integer(in.ppid), bad);
		if (in.uid != UINT32_MAX)
			jset(o, "uid", json_integer(in.uid), bad);
		jset(o, "exe", in.exe ? jstr(tmp, in.exe) : json_null(), bad);
		if (in.comm)
			jset(o, "comm", jstr(tmp, in.comm), bad);
		while (argv && in.argv && k < in.argv_len) {
			n = strnlen(in.argv + k, in.argv_len - k);
			sb_reset(tmp);
			show_strn(tmp, in.argv + k, n);
			if (tmp->oom || json_array_append_new(argv,
			    json_stringn(sb_str(tmp), tmp->len)))
				*bad = true;
			k += n + 1;
		}
		jset(o, "argv", argv, bad);
		if (in.inherited) {
			struct bt_object_info p;

			/* exe, argv, comm: the parent's at the fork. */
			jset(o, "inherited", json_true(), bad);
			if (bt_graph_object(r->g, in.inherited, &p) == 0)
				jset(o, "inherited_from_pid",
				     json_integer(p.pid), bad);
		}
		json_creds(o, r->g, nd->obj, bad);
		break;
	}
	case BT_OBJ_FILE:
		json_file_fields(o, r, nd->obj, tmp, bad);
		break;
	case BT_OBJ_FILENAME:
		jset(o, "path", jstr(tmp, in.path), bad);
		break;
	case BT_OBJ_PAGE: {
		json_t *pages = json_array();

		json_file_fields(o, r, nd->file ? nd->file : in.file, tmp,
				 bad);
		if (nd->page_first == nd->page_last &&
		    r->opts.gran == BT_GRAN_PAGE)
			jset(o, "page", json_integer((json_int_t)
						     nd->page_first), bad);
		if (!pages ||
		    json_array_append_new(pages, json_integer((json_int_t)
				nd->page_first)) ||
		    json_array_append_new(pages, json_integer((json_int_t)
				nd->page_last)))
			*bad = true;
		jset(o, "pages", pages, bad);
		break;
	}
	case BT_OBJ_ENDPOINT:
		jset(o, "address", jstr(tmp, in.path), bad);
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
	jset(o, "from", json_string(id), bad);
	snprintf(id, sizeof(id), "n%u", e->to);
	jset(o, "to", json_string(id), bad);
	jset(o, "op", json_string(op_name(e->op)), bad);
	jset(o, "time", json_integer((json_int_t)e->first), bad);
	jset(o, "time_text", json_string(fmt_time(t, e->first)), bad);
	jset(o, "first", json_integer((json_int_t)e->first), bad);
	jset(o, "last", json_integer((json_int_t)e->last), bad);
	jset(o, "count", json_integer(e->count), bad);
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
static json_t *json_filters(const struct bt_result *r, struct sb *tmp,
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
	jset(x, "nodes", json_integer((json_int_t)f->nodes_before), bad);
	jset(x, "edges", json_integer((json_int_t)f->edges_before), bad);
	jset(o, "before", x, bad);
	x = json_object();
	jset(x, "nodes", json_integer((json_int_t)f->nodes_after), bad);
	jset(x, "edges", json_integer((json_int_t)f->edges_after), bad);
	jset(o, "after", x, bad);
	for (i = 0; rm && i < f->nremoved; i++) {
		json_t *e = json_object();

		jset(e, "filter",
		     json_string(bt_filter_name(f->removed_filter[i])), bad);
		jset(e, "kind", json_string(node_kind_name(r, &f->removed[i])),
		     bad);
		sb_reset(tmp);
		label_of(tmp, r, &f->removed[i]);
		/* label_of() has escaped it already. */
		jset(e, "label", tmp->oom ? NULL :
		     json_stringn(sb_str(tmp), tmp->len), bad);
		if (!e || json_array_append_new(rm, e))
			*bad = true;
	}
	for (k = 0; kept && k < BT_FILTER_COUNT; k++)
		if (f->kept_by[k])
			jset(kept, bt_filter_name(k),
			     json_integer(f->kept_by[k]), bad);
	jset(o, "removed", rm, bad);
	jset(o, "kept_for_paths", kept, bad);
	jset(o, "summaries", json_integer(f->summaries), bad);
	if (!o)
		*bad = true;
	return o;
}

/*
 * The document is streamed: the head keys, then one node or edge object
 * per line, built and freed one at a time, so a result of 100 000 nodes
 * does not become a jansson tree of a gigabyte.
 */
static int export_json(const struct bt_result *r, FILE *out)
{
	struct sb tmp = { 0 };
	char id[32];
	bool bad = false, ok;
	size_t i;

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
	     fputs(",\n  \"nodes\": [", out) != EOF;
	for (i = 0; ok && i < r->nnodes; i++)
		ok = json_put(out, i ? ",\n    " : "\n    ",
			      json_node(r, i, &tmp, &bad), bad);
	ok = ok && fputs(r->nnodes ? "\n  ],\n  \"edges\": [" :
			 "],\n  \"edges\": [", out) != EOF;
	for (i = 0; ok && i < r->nedges; i++)
		ok = json_put(out, i ? ",\n    " : "\n    ",
			      json_edge(r, i, &bad), bad);
	ok = ok && fputs(r->nedges ? "\n  ]\n}\n" : "]\n}\n", out) != EOF;
	sb_release(&tmp);
	if (bad)
		return bt_error_set(BT_ENOMEM, "cannot build the JSON output");
	if (!ok || fflush(out) != 0 || ferror(out))
		return bt_error_set_os(BT_EIO, "cannot write the JSON output");
	return 0;
}

/* ---- entry ------------------------------------------------------------ */

int bt_export(const struct bt_result *r, enum bt_format fmt, FILE *out)
{
	if (!r || !out || (r->nnodes && r->detection >= r->nnodes))
		return bt_error_set(BT_EINVAL, "bt_export: bad result");
	errno = 0;
	switch (fmt) {
	case BT_FMT_TEXT:
		return export_text(r, out);
	case BT_FMT_DOT:
		return export_dot(r, out);
	case BT_FMT_JSON:
		return export_json(r, out);
	case BT_FMT_SVG:
		return export_render(r, "svg", out);
	case BT_FMT_PNG:
		return export_render(r, "png", out);
	case BT_FMT_PDF:
		return export_render(r, "pdf", out);
	}
	return bt_error_set(BT_EINVAL, "bt_export: unknown format %d",
			    (int)fmt);
}
