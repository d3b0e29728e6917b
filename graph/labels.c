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

#include "../core/drops.h"
#include "../core/error.h"
#include "../core/log.h"
#include "../core/util.h"
#include "channel.h"
#include "filter.h"
#include "export.h"
#include "render.h"

/* ---- names, times, labels --------------------------------------------- */

const char *op_name(unsigned op)
{
	const char *s = op == BT_OP_CONNECTION ? "connection" :
			bt_op_name(op);

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
	} else if (fi.file_flags & BT_FILEF_ANON) {
		/* a memfd, an O_TMPFILE file, anonymous shared memory */
		bt_sb_addf(b, "anonymous file (%llu:%llu)",
			   (unsigned long long)fi.dev,
			   (unsigned long long)fi.ino);
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
/* ---- cgroup ----------------------------------------------------------- */

struct cgroup_last {
	struct bt_sb *b;
	char *cid;
	bool have;
};

static void cgroup_add(void *arg, const char *value, size_t len,
		       uint64_t time)
{
	struct cgroup_last *c = arg;
	const char *id;
	size_t n = bt_cgroup_container(value, len, &id);

	(void)time;
	c->have = true;
	bt_sb_reset(c->b);
	bt_show_strn(c->b, value, len);
	/* hex digits only: nothing to escape */
	memcpy(c->cid, id ? id : "", n);
	c->cid[n] = 0;
}

bool proc_cgroup(struct bt_sb *b, const struct bt_graph *g, uint32_t proc,
		 char cid[BT_CONTAINER_ID_LEN + 1])
{
	struct cgroup_last c = { b, cid, false };

	cid[0] = 0;
	bt_graph_labels(g, proc, BT_LABEL_CGROUP, cgroup_add, &c);
	return c.have;
}

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
	bt_sb_addf(b, "filters removed %zu of %zu object%s (", f->nremoved,
		f->nodes_before, f->nodes_before == 1 ? "" : "s");
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

bool drops_in_span(const struct bt_result *r)
{
	return r->drops && bt_drops_meets(r->drops, result_t0(r),
					  result_t1(r));
}

bool drops_sentence(struct bt_sb *b, const struct bt_result *r)
{
	const struct bt_drops *d = r->drops;
	char causes[512], t[BT_TIME_BUFSZ];

	if (!d || !d->total)
		return false;
	bt_sb_addf(b, "the capture lost or rejected %llu record%s (%s)",
		(unsigned long long)d->total, plural(d->total, "", "s"),
		bt_drops_causes(d, causes, sizeof(causes)));
	if (d->until) {
		if (d->since)
			bt_sb_addf(b, " between %s", fmt_time(t, d->since));
		else
			bt_sb_adds(b, " at some time");
		bt_sb_addf(b, " %s %s, %s this result's time span", d->since ?
			"and" : "before", fmt_time(t, d->until),
			drops_in_span(r) ? "overlapping" : "outside");
	}
	bt_sb_addf(b, ": the graph may be incomplete%s",
		d->until && !drops_in_span(r) ? " (less likely here)" : "");
	return true;
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

/* ---- plurals, relative times ------------------------------------------ */

const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

uint64_t result_t0(const struct bt_result *r)
{
	uint64_t t0 = BT_TIME_NONE;
	size_t i;

	for (i = 0; i < r->nedges; i++)
		if (r->edges[i].first < t0)
			t0 = r->edges[i].first;
	for (i = 0; i < r->nnodes; i++)
		if (r->nodes[i].threshold && r->nodes[i].threshold < t0)
			t0 = r->nodes[i].threshold;
	return t0 == BT_TIME_NONE ? 0 : t0;
}

uint64_t result_t1(const struct bt_result *r)
{
	uint64_t t1 = 0;
	size_t i;

	for (i = 0; i < r->nedges; i++)
		if (r->edges[i].last > t1)
			t1 = r->edges[i].last;
	for (i = 0; i < r->nnodes; i++)
		if (r->nodes[i].threshold != BT_TIME_NONE &&
		    r->nodes[i].threshold > t1)
			t1 = r->nodes[i].threshold;
	return t1;
}

void reltime_init(struct reltime *rt, uint64_t t0, uint64_t t1, bool fixed)
{
	uint64_t span = t1 > t0 ? t1 - t0 : 0, s = span / 1000000000u;

	rt->t0 = t0;
	rt->width = 1;
	while (s >= 10) {
		s /= 10;
		rt->width++;
	}
	if (fixed)
		rt->decimals = span && span < 1000000u ? 9 : 6;
	else if (span >= 100 * 1000000000ull)
		rt->decimals = 0;
	else if (span >= 10 * 1000000000ull)
		rt->decimals = 1;
	else if (span >= 1000000000ull)
		rt->decimals = 2;
	else if (span >= 10000000ull)
		rt->decimals = 3;
	else
		rt->decimals = 6;
	if (!fixed)
		rt->width = 0;
}

/*
 * "+1.23 s": t - t0 in seconds, with rt->decimals digits after the point
 * (truncated, so that an event is never shown later than it was), padded
 * to rt->width digits before it.  Times before t0 get a '-'.
 */
const char *rel_time(char buf[BT_RELTIME_BUFSZ], const struct reltime *rt,
		     uint64_t t)
{
	static const uint64_t div[10] = { 1000000000u, 100000000u,
					  10000000u, 1000000u, 100000u, 10000u,
					  1000u, 100u, 10u, 1u };
	uint64_t d = t >= rt->t0 ? t - rt->t0 : rt->t0 - t;
	int dec = rt->decimals < 0 ? 0 : rt->decimals > 9 ? 9 :
		rt->decimals;

	if (t == BT_TIME_NONE) {
		snprintf(buf, BT_RELTIME_BUFSZ, "-");
		return buf;
	}
	if (dec)
		snprintf(buf, BT_RELTIME_BUFSZ, "%c%*llu.%0*llu s",
			 t >= rt->t0 ? '+' : '-', rt->width,
			 (unsigned long long)(d / 1000000000u), dec,
			 (unsigned long long)(d % 1000000000u / div[dec]));
	else
		snprintf(buf, BT_RELTIME_BUFSZ, "%c%*llu s",
			 t >= rt->t0 ? '+' : '-', rt->width,
			 (unsigned long long)(d / 1000000000u));
	return buf;
}

/* ---- clipped display text --------------------------------------------- */

/* Length of the display token at s (an escape "\\" or "\xNN", or one
 * UTF-8 character): the rule's output is valid UTF-8 whose backslashes
 * all start escapes. */
static size_t token_len(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t k;

	if (u[0] == '\\')
		k = n > 1 && u[1] == 'x' ? 4 : 2;
	else if (u[0] >= 0xf0)
		k = 4;
	else if (u[0] >= 0xe0)
		k = 3;
	else if (u[0] >= 0xc0)
		k = 2;
	else
		k = 1;
	return k < n ? k : n;
}

/* Columns (tokens) in shown text. */
static size_t columns(const char *s, size_t n)
{
	size_t i = 0, c = 0;

	while (i < n) {
		i += token_len(s + i, n - i);
		c++;
	}
	return c;
}

void add_clipped(struct bt_sb *b, const char *s, size_t n, size_t maxcols,
		 bool keep_end)
{
	size_t cols = columns(s, n), head, tail, i = 0, c = 0, j;

	if (cols <= maxcols || maxcols < 4) {
		bt_sb_addn(b, s, n);
		return;
	}
	/* "…" takes a column. */
	head = keep_end ? (maxcols - 1) * 2 / 5 : maxcols - 1;
	tail = maxcols - 1 - head;
	while (c < head) {
		i += token_len(s + i, n - i);
		c++;
	}
	bt_sb_addn(b, s, i);
	bt_sb_adds(b, "\xe2\x80\xa6");
	/* Skip to the column where the last `tail` start. */
	for (j = i; c < cols - tail; c++)
		j += token_len(s + j, n - j);
	bt_sb_addn(b, s + j, n - j);
}

/* ---- processes -------------------------------------------------------- */

/* "comm [pid]": the kernel's name of the process (the program as it was
 * invoked), else the executable's file name. */
void proc_name(struct bt_sb *b, const struct bt_object_info *in)
{
	if (in->comm && *in->comm)
		bt_show_str(b, in->comm);
	else if (in->exe && *in->exe)
		bt_show_str(b, base_name(in->exe));
	else
		bt_sb_adds(b, "process");
	bt_sb_addf(b, " [%u]", in->pid);
}

/*
 * The command as it was run, shortened to maxcols columns: argv[0]'s file
 * name, then the arguments, runs of white space (a script's newlines)
 * made one space, words holding a space quoted.  Falls back to the name
 * proc_name() gives (without the pid).  Returns whether argv was there.
 */
bool proc_command(struct bt_sb *b, const struct bt_object_info *in,
		  size_t maxcols)
{
	struct bt_sb raw = { 0 }, shown = { 0 };
	size_t i = 0, k, j;
	const char *w;

	if (!in->argv || !in->argv_len || !*in->argv) {
		if (in->comm && *in->comm)
			bt_show_str(b, in->comm);
		else if (in->exe && *in->exe)
			bt_show_str(b, base_name(in->exe));
		else
			bt_sb_adds(b, "process");
		return false;
	}
	while (i < in->argv_len) {
		w = in->argv + i;
		k = strnlen(w, in->argv_len - i);
		if (i == 0) {
			const char *s = memrchr(w, '/', k);

			if (s && s + 1 < w + k) {
				k -= (size_t)(s + 1 - w);
				w = s + 1;
			}
		} else {
			bt_sb_adds(&raw, " ");
		}
		if (!k || memchr(w, ' ', k) || memchr(w, '\n', k) ||
		    memchr(w, '\t', k))
			bt_sb_adds(&raw, "'");
		for (j = 0; j < k; j++) {
			bool sp = w[j] == ' ' || w[j] == '\n' ||
				  w[j] == '\t' || w[j] == '\r';

			if (!sp)
				bt_sb_addn(&raw, w + j, 1);
			else if (raw.len && raw.buf[raw.len - 1] != ' ' &&
				 raw.buf[raw.len - 1] != '\'')
				bt_sb_adds(&raw, " ");
		}
		if (raw.len && raw.buf[raw.len - 1] == ' ')
			raw.len--;
		if (!k || memchr(w, ' ', k) || memchr(w, '\n', k) ||
		    memchr(w, '\t', k))
			bt_sb_adds(&raw, "'");
		i = (size_t)(w - in->argv) + k + 1;
	}
	bt_show_strn(&shown, raw.buf ? raw.buf : "", raw.len);
	add_clipped(b, bt_sb_str(&shown), shown.len, maxcols, false);
	if (raw.oom || shown.oom)
		b->oom = true;
	bt_sb_release(&raw);
	bt_sb_release(&shown);
	return true;
}

/* ---- adjacency -------------------------------------------------------- */

static int index_edges(size_t **start, size_t **idx,
		       const struct bt_result *r, bool by_to)
{
	size_t i, n = r->nnodes, *pos;

	*start = calloc(n + 1, sizeof(**start));
	*idx = calloc(r->nedges ? r->nedges : 1, sizeof(**idx));
	pos = calloc(n + 1, sizeof(*pos));
	if (!*start || !*idx || !pos) {
		free(pos);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	for (i = 0; i < r->nedges; i++) {
		uint32_t k = by_to ? r->edges[i].to : r->edges[i].from;

		if (k < n)
			(*start)[k + 1]++;
	}
	for (i = 0; i < n; i++)
		(*start)[i + 1] += (*start)[i];
	memcpy(pos, *start, (n + 1) * sizeof(*pos));
	for (i = 0; i < r->nedges; i++) {
		uint32_t k = by_to ? r->edges[i].to : r->edges[i].from;

		if (k < n)
			(*idx)[pos[k]++] = i;
	}
	free(pos);
	return 0;
}

int adj_build(struct adj *a, const struct bt_result *r)
{
	memset(a, 0, sizeof(*a));
	if (index_edges(&a->in_start, &a->in, r, true) ||
	    index_edges(&a->out_start, &a->out, r, false)) {
		adj_release(a);
		return BT_ENOMEM;
	}
	return 0;
}

void adj_release(struct adj *a)
{
	free(a->in_start);
	free(a->in);
	free(a->out_start);
	free(a->out);
	memset(a, 0, sizeof(*a));
}

bool edge_is_cause(const struct bt_result *r, const struct bt_edge *e)
{
	const struct bt_node *from, *to;

	if (e->from >= r->nnodes || e->to >= r->nnodes)
		return false;
	from = &r->nodes[e->from];
	to = &r->nodes[e->to];
	/* Backward: nothing is a cause of an entry point (a send into a
	 * remote endpoint is the client talking, not what the endpoint
	 * gave).  Forward: the mirror, past a remote leaf. */
	if (r->dir == BT_BACKWARD)
		return !(to->flags & BT_NODE_ENTRY) ||
		       (to->flags & BT_NODE_DETECTION);
	return !(from->flags & BT_NODE_REMOTE) ||
	       (from->flags & BT_NODE_DETECTION);
}

/* "cat [5316] | sh [5313]": the processes that wrote into a pipe, then
 * those that read from it, in the result ("read by sh [5313]" when the
 * result has no writer, "written by ..." when it has no reader). */
static size_t pipe_side(struct bt_sb *b, const struct bt_result *r,
			const struct adj *a, size_t i, bool readers)
{
	const size_t *st = readers ? a->out_start : a->in_start;
	const size_t *ix = readers ? a->out : a->in;
	struct bt_object_info in;
	size_t k, m, n = 0;

	for (k = st[i]; k < st[i + 1]; k++) {
		const struct bt_edge *e = &r->edges[ix[k]];
		uint32_t o = readers ? e->to : e->from;
		bool dup = false;

		if (o >= r->nnodes || r->nodes[o].kind != BT_OBJ_PROCESS ||
		    bt_graph_object(r->g, r->nodes[o].obj, &in))
			continue;
		/* A process reads a pipe in many edges (ops). */
		for (m = st[i]; m < k && !dup; m++) {
			const struct bt_edge *f = &r->edges[ix[m]];

			dup = (readers ? f->to : f->from) == o;
		}
		if (dup)
			continue;
		if (n++ == 3) {
			if (b)
				bt_sb_adds(b, ", ...");
			break;
		}
		if (!b)
			continue;
		if (n > 1)
			bt_sb_adds(b, ", ");
		proc_name(b, &in);
	}
	return n;
}

void pipe_ends(struct bt_sb *b, const struct bt_result *r,
	       const struct adj *a, size_t i)
{
	size_t w = pipe_side(NULL, r, a, i, false);
	size_t rd = pipe_side(NULL, r, a, i, true);

	if (w && rd) {
		pipe_side(b, r, a, i, false);
		bt_sb_adds(b, " | ");
		pipe_side(b, r, a, i, true);
	} else if (w) {
		bt_sb_adds(b, "written by ");
		pipe_side(b, r, a, i, false);
	} else if (rd) {
		bt_sb_adds(b, "read by ");
		pipe_side(b, r, a, i, true);
	}
}

/* ---- short paths for graphs ------------------------------------------- */

/* The path a node is named by, or NULL (processes, endpoints, pipes,
 * summaries). */
const char *node_path(const struct bt_result *r, const struct bt_node *nd)
{
	struct bt_object_info in;
	uint32_t obj = nd->obj;

	if (nd->flags & BT_NODE_SUMMARY)
		return NULL;
	if (nd->kind == BT_OBJ_PAGE) {
		if (bt_graph_object(r->g, obj, &in))
			return NULL;
		obj = nd->file ? nd->file : in.file;
	} else if (nd->kind != BT_OBJ_FILE && nd->kind != BT_OBJ_FILENAME) {
		return NULL;
	}
	if (bt_graph_object(r->g, obj, &in) || !in.path || !*in.path ||
	    (in.kind == BT_OBJ_FILE && bt_file_is_pipe(&in)))
		return NULL;
	return in.path;
}

/* The last component of p[0, *n) before *n: sets *n to its start (the
 * slash before it excluded) and returns its length. */
static size_t prev_component(const char *p, size_t *n, const char **c)
{
	size_t end = *n, s;

	while (end && p[end - 1] == '/')
		end--;
	s = end;
	while (s && p[s - 1] != '/')
		s--;
	*c = p + s;
	*n = s;
	return end - s;
}

/* Paths compared from their last component backwards; *common is how
 * many trailing components they share. */
static int cmp_rev(const char *a, const char *b, size_t *common)
{
	size_t na = strlen(a), nb = strlen(b), la, lb;
	const char *ca, *cb;
	int c;

	*common = 0;
	for (;;) {
		la = prev_component(a, &na, &ca);
		lb = prev_component(b, &nb, &cb);
		if (!la || !lb)
			return la ? 1 : lb ? -1 : 0;
		c = memcmp(ca, cb, la < lb ? la : lb);
		if (!c)
			c = la < lb ? -1 : la > lb;
		if (c)
			return c;
		(*common)++;
	}
}

struct pathref {
	const char *path;
	size_t node;
};

static int cmp_pathref(const void *x, const void *y)
{
	const struct pathref *a = x, *b = y;
	size_t common;

	return cmp_rev(a->path, b->path, &common);
}

int short_paths(size_t **out, const struct bt_result *r)
{
	struct pathref *v;
	size_t *need, n = 0, i, common, k;

	*out = NULL;
	v = calloc(r->nnodes ? r->nnodes : 1, sizeof(*v));
	need = calloc(r->nnodes ? r->nnodes : 1, sizeof(*need));
	if (!v || !need) {
		free(v);
		free(need);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	for (i = 0; i < r->nnodes; i++) {
		need[i] = 1;
		v[n].path = node_path(r, &r->nodes[i]);
		if (v[n].path)
			v[n++].node = i;
	}
	/* Sorted so, the path sharing the most trailing components with a
	 * path is next to it (or next to a path equal to it). */
	qsort(v, n, sizeof(*v), cmp_pathref);
	for (i = 0; i + 1 < n; i++) {
		if (!strcmp(v[i].path, v[i + 1].path))
			continue;
		cmp_rev(v[i].path, v[i + 1].path, &common);
		/* Every equal path around gets the same need. */
		for (k = i + 1; k-- > 0 && !strcmp(v[k].path, v[i].path);)
			if (need[v[k].node] < common + 1)
				need[v[k].node] = common + 1;
		for (k = i + 1; k < n && !strcmp(v[k].path, v[i + 1].path);
		     k++)
			if (need[v[k].node] < common + 1)
				need[v[k].node] = common + 1;
	}
	free(v);
	*out = need;
	return 0;
}

void short_path(struct bt_sb *b, const char *path, size_t need,
		size_t maxcols)
{
	struct bt_sb s = { 0 };
	size_t n = strlen(path), k = n, c;
	const char *comp = path;

	for (c = 0; c < need && k; c++)
		prev_component(path, &k, &comp);
	/* A short path says more whole ("/etc/passwd"). */
	if (!k || n <= 24 || comp <= path + 1) {
		bt_show_str(&s, path);
	} else {
		bt_sb_adds(&s, "\xe2\x80\xa6/");
		bt_show_str(&s, comp);
	}
	add_clipped(b, bt_sb_str(&s), s.len, maxcols, true);
	if (s.oom)
		b->oom = true;
	bt_sb_release(&s);
}
