/*
 * walkcmd.c - the body of `btrack backtrack` and `btrack forward` (see
 * walkcmd.h): parse the options, load the graph from its source, resolve
 * the detection point, walk, and write the result in the chosen format.
 *
 * The graph comes from one function, load_source(): the log, or a case
 * database (--db, core/db.h) turned into a temporary log.  --from-list runs
 * one walk per line of a file on a graph loaded once (batch_run()).  Outputs
 * are written beside their name and renamed onto it once complete
 * (cli_open_out()): a failed export leaves nothing, an existing file is
 * replaced only with --force.
 */
#include <errno.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../graph/alert.h"
#include "../core/db.h"
#include "../graph/dbgraph.h"
#include "../core/error.h"
#include "../graph/filter.h"
#include "../graph/graph.h"
#include "../core/util.h"
#include "../graph/walk.h"
#include "../graph/export.h"
#include "walkcmd.h"

enum {
	OPT_LOG = 256, OPT_FROM, OPT_SINCE, OPT_UNTIL, OPT_GRAN,
	OPT_MAX_NODES, OPT_MAX_DEPTH, OPT_FORMAT, OPT_FILTERS, OPT_NO_FILTERS,
	OPT_HIDE, OPT_EXPLAIN, OPT_ALERT
};

#define MAX_HIDE 64

/* The case database and batch options (numbered apart from the others). */
enum { OPT_DB = 512, OPT_FROM_LIST, OPT_HOST };

const struct cli_opt walkcmd_opts[] = {
	{ OPT_LOG, "log", "LOG", "the log to read" },
	{ OPT_DB, "db", "CASE.db", "read a case database instead (btrack db)" },
	{ OPT_HOST, "host", "NAME", "with --db: only this host's objects" },
	{ OPT_FROM, "from", "SPEC", "the detection point (SPEC forms above)" },
	{ OPT_FROM_LIST, "from-list", "POINTS",
	  "one SPEC a line; a result each into the directory -o DIR" },
	{ OPT_SINCE, "since", "T", "ignore events before T (RFC 3339, epoch s)" },
	{ OPT_UNTIL, "until", "T", "ignore events after T" },
	{ OPT_GRAN, "granularity", "G", "page (default), vma or object" },
	{ OPT_MAX_NODES, "max-nodes", "N", "stop after N objects" },
	{ OPT_MAX_DEPTH, "max-depth", "N", "stop N dependencies away" },
	{ OPT_FORMAT, "format", "F", "text (default), dot, json, svg, png, pdf" },
	{ 'o', "output", "OUT", "write to OUT (format from its extension)" },
	{ 'f', "force", NULL, "replace an existing OUT" },
	{ OPT_ALERT, "alert", "FILE", "detection point and time from an IDS alert (Falco JSON, generic JSON)" },
	{ OPT_FILTERS, "filters", "LIST", "runtime,helpers,noise,private,names (default), all, none" },
	{ OPT_NO_FILTERS, "no-filters", NULL, "show the whole result (--filters none)" },
	{ OPT_HIDE, "hide", "GLOB", "also hide objects whose path, exe or address matches" },
	{ OPT_EXPLAIN, "explain", NULL, "list what each filter removed" },
	{ 0, NULL, NULL, NULL }
};

struct walkargs {
	const struct cli_cmd *cmd;
	const char *log;
	const char *db;           /* --db: a case database */
	const char *host;         /* --host: one host of it */
	const char *from_list;    /* --from-list: a file of SPECs */
	const char *from;
	const char *out;
	bool force;               /* --force: replace existing outputs */
	struct bt_walk_opts wo;
	enum bt_format fmt;
	bool have_fmt;
	const char *alert;
	struct bt_filter_opts fo;
	const char *hide[MAX_HIDE];
	bool explain;
};

int walkcmd_gran(const struct cli_cmd *c, const char *val, enum bt_gran *out)
{
	if (bt_gran_parse(out, val))
		return cli_usage_error(c, "unknown granularity '%s' (page, "
				       "vma, object)", val);
	return 0;
}

static int on_opt(void *ctx, int id, const char *val)
{
	struct walkargs *a = ctx;
	const struct cli_cmd *c = a->cmd;

	switch (id) {
	case OPT_LOG:
		a->log = val;
		return 0;
	case OPT_DB:
		a->db = val;
		return 0;
	case OPT_HOST:
		a->host = val;
		return 0;
	case OPT_FROM_LIST:
		a->from_list = val;
		return 0;
	case OPT_FROM:
		a->from = val;
		return 0;
	case OPT_SINCE:
		return cli_time(c, "--since", val, &a->wo.since);
	case OPT_UNTIL:
		return cli_time(c, "--until", val, &a->wo.until);
	case OPT_GRAN:
		return walkcmd_gran(c, val, &a->wo.gran);
	case OPT_MAX_NODES:
		return cli_u32(c, "--max-nodes", val, &a->wo.max_nodes);
	case OPT_MAX_DEPTH:
		return cli_u32(c, "--max-depth", val, &a->wo.max_depth);
	case OPT_FORMAT:
		if (bt_format_parse(&a->fmt, val))
			return cli_usage_error(c, "unknown format '%s' (text, "
					       "dot, json, svg, png, pdf)",
					       val);
		a->have_fmt = true;
		return 0;
	case 'o':
		a->out = val;
		return 0;
	case 'f':
		a->force = true;
		return 0;
	case OPT_ALERT:
		a->alert = val;
		return 0;
	case OPT_FILTERS:
		if (bt_filter_parse(&a->fo.enabled, val))
			return cli_usage_error(c, "%s", bt_error_msg());
		return 0;
	case OPT_NO_FILTERS:
		a->fo.enabled = 0;
		return 0;
	case OPT_HIDE:
		if (a->fo.nhide == MAX_HIDE)
			return cli_usage_error(c, "more than %d --hide globs",
					       MAX_HIDE);
		a->hide[a->fo.nhide++] = val;
		a->fo.enabled |= 1u << BT_FILTER_HIDE;
		return 0;
	case OPT_EXPLAIN:
		a->explain = true;
		return 0;
	}
	return EXIT_USAGE;
}

/*
 * Detection points for a batch: --from-list lines or --alert alerts, each
 * with its threshold (an alert's time) and where it came from, for
 * messages.  A line that cannot be a point is kept with spec NULL so it
 * is reported in its turn.
 */
struct point {
	char *spec;
	uint64_t until;      /* BT_TIME_NONE: as the options say */
	size_t where;        /* line number, or alert number */
};

struct points {
	struct point *v;
	size_t n, cap;
	const char *src;     /* the file, for messages */
	const char *unit;    /* "line" or "alert" */
};

static void points_free(struct points *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		free(ps->v[i].spec);
	free(ps->v);
}

static int points_add(struct points *ps, const char *spec, uint64_t until,
		      size_t where)
{
	char *copy = NULL;

	if ((ps->n == ps->cap &&
	     bt_grow(&ps->v, &ps->cap, ps->n + 1, sizeof(*ps->v))) ||
	    (spec && !(copy = strdup(spec)))) {
		cli_error("out of memory");
		return EXIT_ERROR;
	}
	ps->v[ps->n++] = (struct point){ copy, until, where };
	return 0;
}

static FILE *open_in(const char *path)
{
	FILE *in = strcmp(path, "-") ? fopen(path, "r") : stdin;

	if (!in)
		cli_error("cannot open '%s': %s", path, strerror(errno));
	return in;
}

/* --from-list FILE: one SPEC a line; blank lines and # comments skipped. */
static int read_list(struct points *ps, const char *path)
{
	char *line = NULL, *p, *e;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	FILE *in = open_in(path);
	int r = 0;

	if (!in)
		return EXIT_ERROR;
	ps->src = path;
	ps->unit = "line";
	while (!r && (len = getline(&line, &cap, in)) >= 0) {
		lineno++;
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		e = line + len;
		while (e > p && (e[-1] == '\n' || e[-1] == '\r' ||
				 e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (!*p || *p == '#')
			continue;
		/* A NUL byte: reported when its turn comes. */
		r = points_add(ps, (size_t)(e - p) == strlen(p) ? p : NULL,
			       BT_TIME_NONE, lineno);
	}
	if (!r && ferror(in)) {
		cli_error("cannot read '%s': %s", path, strerror(errno));
		r = EXIT_ERROR;
	}
	free(line);
	if (in != stdin)
		fclose(in);
	return r;
}

/* --alert FILE: IDS alerts (graph/alert.h); an alert's time is its
 * point's threshold. */
static int read_alerts(struct points *ps, const char *path)
{
	struct bt_alert *al = NULL;
	size_t n = 0, i;
	FILE *in = open_in(path);
	int err, r = 0;

	if (!in)
		return EXIT_ERROR;
	ps->src = path;
	ps->unit = "alert";
	err = bt_alert_read(&al, &n, in, path);
	if (in != stdin)
		fclose(in);
	if (err)
		return cli_fail(err);
	for (i = 0; !r && i < n; i++)
		r = points_add(ps, al[i].spec, al[i].time, i + 1);
	free(al);
	return r;
}

/* The one alert's point, when --alert names just one. */
static char alert_spec[sizeof(((struct bt_alert *)0)->spec)];

/* The one place the graph comes from. */
static int load_source(struct bt_graph **out, const struct walkargs *a)
{
	struct bt_db *db;
	int err;

	if (a->db) {
		err = bt_db_open(&db, a->db, BT_DB_READONLY);
		if (!err)
			err = bt_db_graph_host(out, db, a->host, cli_progress,
					       (void *)"loading");
		bt_db_close(db);
	} else {
		err = bt_graph_load(out, a->log, cli_progress,
				    (void *)"loading");
	}
	cli_progress_done();
	return err;
}

static bool to_stdout(const char *out)
{
	return !out || !strcmp(out, "-");
}

/* A file name for a detection point: letters, digits, '-' and '_' kept,
 * every run of anything else one '_' (no '/', no "..": it stays in DIR). */
static void point_name(char *buf, size_t n, size_t num, const char *spec)
{
	size_t k;
	bool sep = false;

	k = (size_t)snprintf(buf, n, "%03zu-", num);
	for (; *spec && k + 1 < n && k < 80; spec++) {
		unsigned char ch = (unsigned char)*spec;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_') {
			buf[k++] = (char)ch;
			sep = false;
		} else if (!sep) {
			buf[k++] = '_';
			sep = true;
		}
	}
	buf[k] = '\0';
}

/* Write one result as DIR/NAME.EXT; 0 or an exit code. */
static int write_result(const struct bt_result *res, enum bt_format fmt,
			const char *dir, const char *name, const char *ext,
			bool force)
{
	char *path;
	FILE *f;
	int err, r;

	if (asprintf(&path, "%s/%s.%s", dir, name, ext) < 0) {
		cli_error("out of memory");
		return EXIT_ERROR;
	}
	f = cli_open_out(path, force);
	if (!f) {
		free(path);
		return EXIT_ERROR;
	}
	err = bt_export(res, fmt, f);
	if (err) {
		r = cli_fail(err);
		cli_abort_out(f);
	} else {
		r = cli_close_out(f, path);
	}
	free(path);
	return r;
}

/*
 * --from-list POINTS -o DIR: one walk per detection point, a line each
 * (blank lines and '#' comments skipped), on one graph.  A bad line is
 * reported with its number and the others still run; exit status 1 if
 * any point failed.
 */
static int batch_run(const struct cli_cmd *c, enum bt_dir dir,
		     const struct walkargs *a, const struct points *ps)
{
	struct bt_graph *g = NULL;
	struct bt_result *res;
	struct bt_filter_report *frep;
	struct bt_walk_opts wo;
	char name[128];
	size_t i, bad = 0;
	uint64_t spec_time;
	uint32_t start;
	int err, r = EXIT_OK;

	if (to_stdout(a->out))
		return cli_usage_error(c, "%s '%s' has several detection "
				       "points: give -o DIR for one result "
				       "each", a->from_list ? "--from-list" :
				       "--alert", ps->src);
	if (mkdir(a->out, 0777) && errno != EEXIST) {
		cli_error("cannot create '%s': %s", a->out, strerror(errno));
		return EXIT_ERROR;
	}
	err = load_source(&g, a);
	if (err)
		return cli_fail(err);
	if (bt_graph_warning(g))
		cli_warn("%s", bt_graph_warning(g));
	for (i = 0; i < ps->n; i++) {
		const struct point *pt = &ps->v[i];

		if (!pt->spec) {
			cli_error("'%s' %s %zu: a NUL byte in the line",
				  ps->src, ps->unit, pt->where);
			bad++;
			continue;
		}
		wo = a->wo;
		if (wo.until == BT_TIME_NONE)
			wo.until = pt->until;
		err = bt_spec_resolve(&start, &spec_time, g, pt->spec);
		if (!err)
			err = dir == BT_BACKWARD ?
			      bt_backtrack(&res, g, start, &wo) :
			      bt_forward(&res, g, start, &wo);
		if (err) {
			cli_error("'%s' %s %zu: %s", ps->src, ps->unit,
				  pt->where, bt_error_msg());
			bad++;
			continue;
		}
		if (res->truncated)
			cli_warn("'%s' %s %zu: the result is incomplete: %s",
				 ps->src, ps->unit, pt->where, res->limit);
		/* The same filters as a single walk with these options. */
		frep = NULL;
		err = bt_filter_apply(res, &a->fo, &frep);
		point_name(name, sizeof(name), i + 1, pt->spec);
		if (err) {
			cli_error("'%s' %s %zu: %s", ps->src, ps->unit,
				  pt->where, bt_error_msg());
			bad++;
		} else if (write_result(res, BT_FMT_JSON, a->out, name,
					"json", a->force) ||
			   write_result(res, BT_FMT_DOT, a->out, name, "dot",
					a->force)) {
			bad++;
		} else {
			printf("%s/%s.json\n", a->out, name);
		}
		bt_result_free(res);
		bt_filter_report_free(frep);
	}
	if (bad) {
		cli_error("%zu of %zu detection points failed", bad, ps->n);
		r = EXIT_ERROR;
	}
	if (fflush(stdout)) {
		cli_error("cannot write the output");
		r = EXIT_ERROR;
	}
	bt_graph_free(g);
	return r;
}

int walkcmd_run(const struct cli_cmd *c, enum bt_dir dir, int argc,
		char **argv)
{
	struct walkargs a = { .cmd = c, .fmt = BT_FMT_TEXT };
	struct bt_graph *g = NULL;
	struct bt_result *res = NULL;
	struct bt_filter_report *frep = NULL;
	struct bt_export_opts eo = { 0 };
	const char *warn;
	uint64_t spec_time;
	uint32_t start;
	FILE *f;
	int first, r, err;

	bt_walk_opts_init(&a.wo);
	bt_filter_opts_init(&a.fo);
	a.fo.hide = a.hide;
	r = cli_parse(c, argc, argv, on_opt, &a, &first);
	if (r)
		return r < 0 ? EXIT_OK : r;
	if (first < argc)
		return cli_usage_error(c, "unexpected argument '%s'",
				       argv[first]);
	if (!a.log == !a.db)
		return cli_usage_error(c, "one of --log LOG and --db CASE.db "
				       "is required");
	if (a.host && !a.db)
		return cli_usage_error(c, "--host needs --db");
	if (!!a.from + !!a.alert + !!a.from_list > 1)
		return cli_usage_error(c, "--from, --alert and --from-list "
				       "exclude each other");
	if (a.from_list || a.alert) {
		struct points ps = { NULL, 0, 0, NULL, NULL };

		r = a.from_list ? read_list(&ps, a.from_list) :
		    read_alerts(&ps, a.alert);
		/* One alert is one walk like --from (to stdout or -o FILE);
		 * a list, or several alerts, one result each in -o DIR. */
		if (!r && a.alert && ps.n == 1) {
			snprintf(alert_spec, sizeof(alert_spec), "%s",
				 ps.v[0].spec);
			a.from = alert_spec;
			if (a.wo.until == BT_TIME_NONE)
				a.wo.until = ps.v[0].until;
		} else if (!r) {
			r = batch_run(c, dir, &a, &ps);
		}
		points_free(&ps);
		if (r || !a.from)
			return r;
	}
	if (!a.from)
		return cli_usage_error(c, "--from SPEC (or --alert FILE) is "
				       "required");
	if (a.wo.until != BT_TIME_NONE && a.wo.since > a.wo.until)
		return cli_usage_error(c, "--since is after --until");
	if (!a.have_fmt && !to_stdout(a.out) &&
	    bt_format_from_path(&a.fmt, a.out))
		a.fmt = BT_FMT_TEXT;
	if ((a.fmt == BT_FMT_PNG || a.fmt == BT_FMT_PDF) &&
	    to_stdout(a.out) && isatty(1))
		return cli_usage_error(c, "not writing %s to a terminal; use "
				       "-o FILE or a pipe",
				       a.fmt == BT_FMT_PNG ? "png" : "pdf");
	if (cli_check_out(a.out, a.force))
		return EXIT_ERROR;

	err = load_source(&g, &a);
	if (err)
		return cli_fail(err);
	warn = bt_graph_warning(g);
	if (warn)
		cli_warn("%s", warn);

	err = bt_spec_resolve(&start, &spec_time, g, a.from);
	if (err == BT_EINVAL) {
		r = cli_usage_error(c, "%s", bt_error_msg());
		goto out_graph;
	}
	if (err) {
		r = cli_fail(err);
		goto out_graph;
	}
	if (dir == BT_BACKWARD)
		err = bt_backtrack(&res, g, start, &a.wo);
	else
		err = bt_forward(&res, g, start, &a.wo);
	if (err) {
		r = cli_fail(err);
		goto out_graph;
	}
	if (res->truncated)
		cli_warn("the result is incomplete: %s", res->limit);
	err = bt_filter_apply(res, &a.fo, &frep);
	if (err) {
		r = cli_fail(err);
		goto out_result;
	}
	if (frep->nremoved)
		cli_note("graph: %zu objects, %zu dependencies; after filters "
			 "%zu objects, %zu dependencies%s", frep->nodes_before,
			 frep->edges_before, frep->nodes_after,
			 frep->edges_after, a.explain ? "" :
			 " (--explain lists what was removed, --no-filters "
			 "shows all)");

	f = cli_open_out(a.out, a.force);
	if (!f) {
		r = EXIT_ERROR;
		goto out_result;
	}
	eo.explain = a.explain;
	err = bt_export_with(res, a.fmt, &eo, f);
	if (err) {
		r = cli_fail(err);
		cli_abort_out(f);
		goto out_result;
	}
	r = cli_close_out(f, a.out);

out_result:
	bt_result_free(res);
	bt_filter_report_free(frep);
out_graph:
	bt_graph_free(g);
	return r;
}
