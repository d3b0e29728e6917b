/*
 * query.c - one investigation query: load the graph from its source,
 * resolve the detection point, walk, filter; the points of a batch.  The
 * contract is graph/query.h; the commands that run it are cli/walkcmd.c
 * (backtrack, forward) and cli/cmd-db.c (db save).
 *
 * It does not parse command lines, print, or choose how a result looks:
 * the caller shows the messages a result carries and renders it with the
 * display options it likes (graph/export.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "../core/error.h"
#include "../core/util.h"
#include "alert.h"
#include "dbgraph.h"
#include "query.h"

int bt_query_load(struct bt_graph **out, const struct bt_query_source *src,
		  bt_progress_fn progress, void *arg)
{
	struct bt_db *db;
	int err;

	*out = NULL;
	if (!!src->log + !!src->db + !!src->dbh != 1)
		return bt_error_set(BT_EINVAL, "a query reads one log or one "
				    "case database");
	if (src->log)
		return bt_graph_load(out, src->log, progress, arg);
	if (src->dbh)
		return bt_db_graph_host(out, src->dbh, src->host, progress,
					arg);
	err = bt_db_open(&db, src->db, BT_DB_READONLY);
	if (!err)
		err = bt_db_graph_host(out, db, src->host, progress, arg);
	bt_db_close(db);
	return err;
}

void bt_query_init(struct bt_query *q, enum bt_dir dir)
{
	memset(q, 0, sizeof(*q));
	q->dir = dir;
	q->point_time = BT_TIME_NONE;
	bt_walk_opts_init(&q->walk);
	bt_filter_opts_init(&q->filter);
}

struct bt_walk_opts bt_query_walk_opts(const struct bt_query *q)
{
	struct bt_walk_opts wo = q->walk;

	if (wo.until == BT_TIME_NONE)
		wo.until = q->point_time;
	return wo;
}

static void add_msg(struct bt_query_result *r, enum bt_query_msg_kind kind,
		    bool warning, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add_msg(struct bt_query_result *r, enum bt_query_msg_kind kind,
		    bool warning, const char *fmt, ...)
{
	struct bt_query_msg *m;
	va_list ap;

	if (r->nmsgs == BT_QUERY_MAX_MSGS)
		return;
	m = &r->msgs[r->nmsgs++];
	m->kind = kind;
	m->warning = warning;
	va_start(ap, fmt);
	vsnprintf(m->text, sizeof(m->text), fmt, ap);
	va_end(ap);
}

int bt_query_run(struct bt_query_result *out, const struct bt_graph *g,
		 const struct bt_query *q)
{
	struct bt_walk_opts wo = bt_query_walk_opts(q);
	const struct bt_filter_report *rep;
	int err;

	memset(out, 0, sizeof(*out));
	out->spec_time = BT_TIME_NONE;
	out->failed = BT_QUERY_RESOLVE;
	if (!q->spec)
		return bt_error_set(BT_EINVAL, "no detection point");
	err = bt_spec_resolve(&out->start, &out->spec_time, g, q->spec);
	if (err)
		return err;
	out->failed = BT_QUERY_WALK;
	err = q->dir == BT_BACKWARD ?
	      bt_backtrack(&out->result, g, out->start, &wo) :
	      bt_forward(&out->result, g, out->start, &wo);
	if (err) {
		/* A failed walk leaves no result to show. */
		bt_result_free(out->result);
		out->result = NULL;
		return err;
	}
	out->result->drops = q->drops;
	if (out->result->truncated)
		add_msg(out, BT_QUERY_INCOMPLETE, true,
			"the result is incomplete: %s", out->result->limit);
	if (out->result->unjoined)
		add_msg(out, BT_QUERY_UNJOINED, true,
			"%zu connection end%s left unjoined: more than one "
			"end could be the other (own port unknown, as in "
			"audit logs)", out->result->unjoined,
			out->result->unjoined == 1 ? "" : "s");
	out->failed = BT_QUERY_FILTER;
	err = bt_filter_apply(out->result, &q->filter, &out->filters);
	/* what the graph could not read (a damaged index chunk or log
	 * block) makes the result unreliable */
	if (!err)
		err = bt_graph_status(g);
	if (err)
		return err;
	rep = out->filters;
	if (rep->nremoved)
		add_msg(out, BT_QUERY_FILTERED, false,
			"graph: %zu objects, %zu dependencies; after filters "
			"%zu objects, %zu dependencies", rep->nodes_before,
			rep->edges_before, rep->nodes_after,
			rep->edges_after);
	out->failed = BT_QUERY_DONE;
	return 0;
}

void bt_query_result_release(struct bt_query_result *r)
{
	if (!r)
		return;
	/* The result borrows the report: the result goes first. */
	bt_result_free(r->result);
	bt_filter_report_free(r->filters);
	memset(r, 0, sizeof(*r));
}

const struct bt_query_msg *bt_query_msg_find(const struct bt_query_result *r,
					     enum bt_query_msg_kind kind)
{
	size_t i;

	for (i = 0; i < r->nmsgs; i++)
		if (r->msgs[i].kind == kind)
			return &r->msgs[i];
	return NULL;
}

int bt_query_render(char **out, size_t *len, const struct bt_query_result *r,
		    enum bt_format fmt, const struct bt_export_opts *o)
{
	static const struct bt_export_opts defaults = { 0 };
	FILE *m;
	int err;

	*out = NULL;
	*len = 0;
	if (!r->result)
		return bt_error_set(BT_EINVAL, "bt_query_render: no result");
	m = open_memstream(out, len);
	if (!m)
		return bt_error_set(BT_ENOMEM, "out of memory");
	err = bt_export_with(r->result, fmt, o ? o : &defaults, m);
	if (!err)
		err = bt_graph_status(r->result->g);
	if (fclose(m) && !err)
		err = bt_error_set(BT_ENOMEM, "out of memory");
	if (err) {
		free(*out);
		*out = NULL;
		*len = 0;
	}
	return err;
}

/* ---- points for a batch ------------------------------------------------ */

static int points_add(struct bt_query_points *ps, const char *spec,
		      const char *bad, uint64_t time, size_t where)
{
	char *copy = NULL;

	if ((ps->n == ps->cap &&
	     bt_grow(&ps->v, &ps->cap, ps->n + 1, sizeof(*ps->v))) ||
	    (spec && !(copy = strdup(spec))))
		return bt_error_set(BT_ENOMEM, "out of memory");
	ps->v[ps->n++] = (struct bt_query_point){ copy, bad, time, where };
	return 0;
}

int bt_query_points_read_list(struct bt_query_points *out, FILE *in,
			      const char *name)
{
	char *line = NULL, *p, *e;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int err = 0;

	out->unit = "line";
	while (!err && (len = getline(&line, &cap, in)) >= 0) {
		lineno++;
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		e = line + len;
		while (e > p && (e[-1] == '\n' || e[-1] == '\r' ||
				 e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (!*p || *p == '#')
			continue;
		/* A NUL byte: a bad point, reported when its turn comes. */
		if ((size_t)(e - p) == strlen(p))
			err = points_add(out, p, NULL, BT_TIME_NONE, lineno);
		else
			err = points_add(out, NULL, "a NUL byte in the line",
					 BT_TIME_NONE, lineno);
	}
	if (!err && ferror(in))
		err = bt_error_set_os(BT_EIO, "cannot read '%s'", name);
	free(line);
	return err;
}

int bt_query_points_read_alerts(struct bt_query_points *out, FILE *in,
				const char *name)
{
	struct bt_alert *al = NULL;
	size_t n = 0, i;
	int err;

	out->unit = "alert";
	err = bt_alert_read(&al, &n, in, name);
	for (i = 0; !err && i < n; i++)
		err = points_add(out, al[i].spec, NULL, al[i].time, i + 1);
	free(al);
	return err;
}

void bt_query_points_release(struct bt_query_points *ps)
{
	size_t i;

	if (!ps)
		return;
	for (i = 0; i < ps->n; i++)
		free(ps->v[i].spec);
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}
