/*
 * walkcmd.c - the body of `btrack backtrack` and `btrack forward` (see
 * walkcmd.h): parse the options, run the query (graph/query.h: load the
 * graph from its source, resolve the detection point, walk, filter), show
 * its warnings and notes, and write the result in the chosen format.
 *
 * --from-list and --alert with several alerts run one query per point on
 * a graph loaded once (batch_run()).  Outputs are written beside their
 * name and renamed onto it once complete (cli_open_out()): a failed query
 * or export leaves nothing, an existing file is replaced only with
 * --force, checked before the graph is loaded.
 */
#include <errno.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/drops.h"
#include "../core/error.h"
#include "../core/timefmt.h"
#include "../graph/dbgraph.h"
#include "../graph/export.h"
#include "../graph/query.h"
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
	{ OPT_DB, "db", "CASE.db", "read a case database instead (a file or postgresql://...)" },
	{ OPT_HOST, "host", "NAME", "with --db: only this host's objects" },
	{ OPT_FROM, "from", "SPEC", "the detection point (SPEC forms above)" },
	{ OPT_FROM_LIST, "from-list", "POINTS",
	  "one SPEC a line; a result each into the directory -o DIR" },
	{ OPT_SINCE, "since", "T", "ignore events before T (RFC 3339, epoch s)" },
	{ OPT_UNTIL, "until", "T", "ignore events after T" },
	{ OPT_GRAN, "granularity", "G", "page (default), vma or object" },
	{ OPT_MAX_NODES, "max-nodes", "N", "stop after N objects" },
	{ OPT_MAX_DEPTH, "max-depth", "N", "stop N dependencies away" },
	{ OPT_FORMAT, "format", "F", "text (default), dot, json, svg, png, pdf, "
	  "html, prov-json" },
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
	const char *out;
	bool force;               /* --force: replace existing outputs */
	const char *alert;
	struct bt_query q;        /* --from and what shapes the walk */
	const char *hide[MAX_HIDE];
	enum bt_format fmt;
	bool have_fmt;
	struct bt_export_opts eo; /* display choices: --explain */
	struct bt_drops drops;    /* what the log's capture lost */
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
		a->q.spec = val;
		return 0;
	case OPT_SINCE:
		return cli_time(c, "--since", val, &a->q.walk.since);
	case OPT_UNTIL:
		return cli_time(c, "--until", val, &a->q.walk.until);
	case OPT_GRAN:
		return walkcmd_gran(c, val, &a->q.walk.gran);
	case OPT_MAX_NODES:
		return cli_u32(c, "--max-nodes", val, &a->q.walk.max_nodes);
	case OPT_MAX_DEPTH:
		return cli_u32(c, "--max-depth", val, &a->q.walk.max_depth);
	case OPT_FORMAT:
		/* The list of formats is export.c's (its message). */
		if (bt_format_parse(&a->fmt, val))
			return cli_usage_error(c, "%s", bt_error_msg());
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
		if (bt_filter_parse(&a->q.filter.enabled, val))
			return cli_usage_error(c, "%s", bt_error_msg());
		return 0;
	case OPT_NO_FILTERS:
		a->q.filter.enabled = 0;
		return 0;
	case OPT_HIDE:
		if (a->q.filter.nhide == MAX_HIDE)
			return cli_usage_error(c, "more than %d --hide globs",
					       MAX_HIDE);
		a->hide[a->q.filter.nhide++] = val;
		a->q.filter.enabled |= 1u << BT_FILTER_HIDE;
		return 0;
	case OPT_EXPLAIN:
		a->eo.explain = true;
		return 0;
	}
	return EXIT_USAGE;
}

static FILE *open_in(const char *path)
{
	FILE *in = strcmp(path, "-") ? fopen(path, "r") : stdin;

	if (!in)
		cli_error("cannot open '%s': %s", path, strerror(errno));
	return in;
}

/* The points of --from-list FILE or --alert FILE (graph/query.h). */
static int read_points(struct bt_query_points *ps, const char *path,
		       bool alerts)
{
	FILE *in = open_in(path);
	int err;

	if (!in)
		return EXIT_ERROR;
	err = alerts ? bt_query_points_read_alerts(ps, in, path) :
	      bt_query_points_read_list(ps, in, path);
	if (in != stdin)
		fclose(in);
	return err ? cli_fail(err) : 0;
}

int walkcmd_load_db(struct bt_graph **out, struct bt_db *db,
		    const char *name, const char *host, enum bt_dir dir,
		    const char *const *specs, size_t n, bool whole)
{
	struct bt_db *own = NULL;
	struct bt_db_stats st;
	const char *e;
	int err;

	*out = NULL;
	if (!db && (err = bt_db_open(&own, name, BT_DB_READONLY)))
		return err;
	if (!db)
		db = own;
	/* BTRACK_DB_WALK=all: the whole database (the benchmark's "before") */
	if ((e = getenv("BTRACK_DB_WALK")) && !strcmp(e, "all"))
		err = bt_db_graph_host(out, db, host, cli_progress,
				       (void *)"loading");
	else
		err = bt_db_graph_walk_whole(out, db, host, dir, specs, n,
					     whole, cli_progress,
					     (void *)"loading");
	cli_progress_done();
	bt_db_get_stats(db, &st);
	if (!err && st.host_links)      /* btrack-db(5): between hosts */
		cli_note("%llu connection%s joined between hosts; clock skew "
			 "between hosts: %s",
			 (unsigned long long)st.host_links,
			 st.host_links == 1 ? "" : "s",
			 st.skew[0] ? st.skew : "none estimated (no exact "
			 "pair of two machines)");
	if (!err && st.host_ambiguous)  /* channel.h: half-known ends */
		cli_note("%llu connection end%s left unjoined between hosts: "
			 "more than one end could be the other (own port "
			 "unknown, as in audit logs)",
			 (unsigned long long)st.host_ambiguous,
			 st.host_ambiguous == 1 ? "" : "s");
	if (!err && getenv("BTRACK_DB_STATS")) {
		cli_note("%s: %llu queries, %llu frontiers, %llu rows read, "
			 "%llu objects and %llu labels read, %llu events "
			 "kept", bt_db_store(db),
			 (unsigned long long)st.queries,
			 (unsigned long long)st.frontiers,
			 (unsigned long long)st.rows,
			 (unsigned long long)st.walk_objects,
			 (unsigned long long)st.walk_labels,
			 (unsigned long long)st.walk_events);
	}
	bt_db_close(own);
	return err;
}

/* The graph of --log, or what the walks from `specs` need of --db
 * [--host], with a progress line. */
static int load_source(struct bt_graph **out, const struct walkargs *a,
		       const char *const *specs, size_t n)
{
	struct bt_query_source src = { .log = a->log, .host = a->host };
	int err;

	/* the HTML report counts each node's events, PROV-JSON reads its
	 * processes' events: all of them (graph/dbgraph.h) */
	if (a->db)
		return walkcmd_load_db(out, NULL, a->db, a->host, a->q.dir,
				       specs, n, a->fmt == BT_FMT_HTML ||
				       a->fmt == BT_FMT_PROV);
	err = bt_query_load(out, &src, cli_progress, (void *)"loading");
	cli_progress_done();
	return err;
}

const struct bt_drops *walkcmd_drops(struct bt_drops *d,
				     const struct bt_graph *g)
{
	char causes[256], t0[BT_TIME_BUFSZ], t1[BT_TIME_BUFSZ];

	if (bt_graph_drops(g, d))
		return NULL;
	if (!d->total)
		return d;
	bt_drops_causes(d, causes, sizeof(causes));
	bt_time_format(t0, sizeof(t0), d->since);
	bt_time_format(t1, sizeof(t1), d->until);
	if (!d->until)
		cli_warn("the capture lost or rejected %llu record%s (%s): the "
			 "graph may be incomplete", (unsigned long long)d->total,
			 d->total == 1 ? "" : "s", causes);
	else if (d->since)
		cli_warn("the capture lost or rejected %llu record%s (%s) "
			 "between %s and %s: the graph may be incomplete",
			 (unsigned long long)d->total, d->total == 1 ? "" : "s",
			 causes, t0, t1);
	else
		cli_warn("the capture lost or rejected %llu record%s (%s) "
			 "before %s: the graph may be incomplete",
			 (unsigned long long)d->total, d->total == 1 ? "" : "s",
			 causes, t1);
	return d;
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
 * --from-list POINTS or --alert FILE -o DIR: one query per detection
 * point on a graph loaded once, each result as DIR/NNN-SPEC.json and .dot.
 * A bad point is reported with its line (or alert) number and the others
 * still run; exit status 1 if any point failed.  `src` is the file the
 * points came from.
 */
static int batch_run(const struct cli_cmd *c, struct walkargs *a,
		     const char *src, const struct bt_query_points *ps)
{
	struct bt_graph *g = NULL;
	struct bt_query_result qr;
	struct bt_query q = a->q;
	const char **specs;
	char name[128];
	size_t i, k, bad = 0;
	int err, r = EXIT_OK;

	if (to_stdout(a->out))
		return cli_usage_error(c, "%s '%s' has several detection "
				       "points: give -o DIR for one result "
				       "each", a->from_list ? "--from-list" :
				       "--alert", src);
	if (mkdir(a->out, 0777) && errno != EEXIST) {
		cli_error("cannot create '%s': %s", a->out, strerror(errno));
		return EXIT_ERROR;
	}
	specs = calloc(ps->n + 1, sizeof(*specs));
	if (!specs) {
		cli_error("out of memory");
		return EXIT_ERROR;
	}
	for (i = 0; i < ps->n; i++)
		specs[i] = ps->v[i].spec;
	err = load_source(&g, a, specs, ps->n);
	free(specs);
	if (err)
		return cli_fail(err);
	if (bt_graph_warning(g))
		cli_warn("%s", bt_graph_warning(g));
	q.drops = a->q.drops = walkcmd_drops(&a->drops, g);
	for (i = 0; i < ps->n; i++) {
		const struct bt_query_point *pt = &ps->v[i];

		if (!pt->spec) {
			cli_error("'%s' %s %zu: %s", src, ps->unit,
				  pt->where, pt->bad);
			bad++;
			continue;
		}
		q.spec = pt->spec;
		q.point_time = pt->time;
		err = bt_query_run(&qr, g, &q);
		/* The walk's warnings, even if the filters then failed; the
		 * filters' note is for a single result only. */
		for (k = 0; k < qr.nmsgs; k++)
			if (qr.msgs[k].warning)
				cli_warn("'%s' %s %zu: %s", src, ps->unit,
					 pt->where, qr.msgs[k].text);
		point_name(name, sizeof(name), i + 1, pt->spec);
		if (err) {
			cli_error("'%s' %s %zu: %s", src, ps->unit,
				  pt->where, bt_error_msg());
			bad++;
		} else if (write_result(qr.result, BT_FMT_JSON, a->out, name,
					"json", a->force) ||
			   write_result(qr.result, BT_FMT_DOT, a->out, name,
					"dot", a->force)) {
			bad++;
		} else {
			printf("%s/%s.json\n", a->out, name);
		}
		bt_query_result_release(&qr);
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

/* One detection point (--from, or --alert with one alert): the query,
 * then its result in a->fmt to a->out (nothing is written unless the
 * query succeeded; a failed export removes the file it created). */
static int single_run(const struct cli_cmd *c, struct walkargs *a)
{
	struct bt_graph *g = NULL;
	struct bt_query_result qr = { 0 };
	struct bt_walk_opts wo = bt_query_walk_opts(&a->q);
	const struct bt_query_msg *m;
	const char *warn;
	size_t k;
	FILE *f;
	int r, err;

	if (!a->q.spec)
		return cli_usage_error(c, "--from SPEC (or --alert FILE) is "
				       "required");
	if (wo.until != BT_TIME_NONE && wo.since > wo.until)
		return cli_usage_error(c, "--since is after --until");
	if (!a->have_fmt && !to_stdout(a->out) &&
	    bt_format_from_path(&a->fmt, a->out))
		a->fmt = BT_FMT_TEXT;
	if ((a->fmt == BT_FMT_PNG || a->fmt == BT_FMT_PDF) &&
	    to_stdout(a->out) && isatty(1))
		return cli_usage_error(c, "not writing %s to a terminal; use "
				       "-o FILE or a pipe",
				       a->fmt == BT_FMT_PNG ? "png" : "pdf");
	if (cli_check_out(a->out, a->force))
		return EXIT_ERROR;
	err = load_source(&g, a, &a->q.spec, 1);
	if (err)
		return cli_fail(err);
	warn = bt_graph_warning(g);
	if (warn)
		cli_warn("%s", warn);
	a->q.drops = walkcmd_drops(&a->drops, g);

	err = bt_query_run(&qr, g, &a->q);
	for (k = 0; k < qr.nmsgs; k++)
		if (qr.msgs[k].warning)
			cli_warn("%s", qr.msgs[k].text);
	if (err == BT_EINVAL && qr.failed == BT_QUERY_RESOLVE) {
		r = cli_usage_error(c, "%s", bt_error_msg());
		goto out;
	}
	if (err) {
		r = cli_fail(err);
		goto out;
	}
	m = bt_query_msg_find(&qr, BT_QUERY_FILTERED);
	if (m)
		cli_note("%s%s", m->text, a->eo.explain ? "" :
			 " (--explain lists what was removed, --no-filters "
			 "shows all)");

	f = cli_open_out(a->out, a->force);
	if (!f) {
		r = EXIT_ERROR;
		goto out;
	}
	err = bt_export_with(qr.result, a->fmt, &a->eo, f);
	if (err) {
		r = cli_fail(err);
		cli_abort_out(f);
		goto out;
	}
	r = cli_close_out(f, a->out);
out:
	bt_query_result_release(&qr);
	bt_graph_free(g);
	return r;
}

int walkcmd_run(const struct cli_cmd *c, enum bt_dir dir, int argc,
		char **argv)
{
	struct walkargs a = { .cmd = c, .fmt = BT_FMT_TEXT };
	struct bt_query_points ps = { 0 };
	const char *src;
	int first, r;

	bt_query_init(&a.q, dir);
	a.q.filter.hide = a.hide;
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
	if (!!a.q.spec + !!a.alert + !!a.from_list > 1)
		return cli_usage_error(c, "--from, --alert and --from-list "
				       "exclude each other");
	if (!a.from_list && !a.alert)
		return single_run(c, &a);
	src = a.from_list ? a.from_list : a.alert;
	r = read_points(&ps, src, !a.from_list);
	if (!r && a.alert && ps.n == 1) {
		/* One alert is one walk like --from (to stdout or -o FILE);
		 * a list, or several alerts, one result each in -o DIR. */
		a.q.spec = ps.v[0].spec;
		a.q.point_time = ps.v[0].time;
		r = single_run(c, &a);
	} else if (!r) {
		r = batch_run(c, &a, src, &ps);
	}
	bt_query_points_release(&ps);
	return r;
}
