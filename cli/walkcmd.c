/*
 * walkcmd.c - the body of `btrack backtrack` and `btrack forward` (see
 * walkcmd.h): parse the options, load the graph from its source, resolve
 * the detection point, walk, and write the result in the chosen format.
 *
 * The graph comes from one function, load_source(): the log, or a case
 * database (--db, core/db.h) turned into a temporary log.  --from-list runs
 * one walk per line of a file on a graph loaded once (batch_run()).  Nothing is written
 * to the output file until the walk has succeeded, and a failed export
 * removes the file it created.
 */
#include <errno.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/alert.h"
#include "../core/db.h"
#include "../core/error.h"
#include "../core/filter.h"
#include "../core/graph.h"
#include "../core/walk.h"
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
	{ OPT_ALERT, "alert", "FILE", "detection point and time from an IDS alert (Falco JSON, generic JSON)" },
	{ OPT_FILTERS, "filters", "LIST", "readonly,helpers,noise (default), all, none" },
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
 * --alert FILE: the detection point and its threshold from an IDS alert.
 * The alert's time is the threshold unless --until is given.  A file with
 * several alerts takes the last one (the others are listed).
 */
static char alert_spec[sizeof(((struct bt_alert *)0)->spec)];

static int alert_point(struct walkargs *a)
{
	struct bt_alert *al = NULL;
	size_t n = 0, i;
	FILE *in;
	int err;

	in = strcmp(a->alert, "-") ? fopen(a->alert, "r") : stdin;
	if (!in) {
		cli_error("cannot open '%s': %s", a->alert, strerror(errno));
		return EXIT_ERROR;
	}
	err = bt_alert_read(&al, &n, in, a->alert);
	if (in != stdin)
		fclose(in);
	if (err)
		return cli_fail(err);
	if (n > 1) {
		cli_warn("'%s' has %zu alerts; using the last one (%s)",
			 a->alert, n, al[n - 1].spec);
		for (i = 0; i + 1 < n; i++)
			cli_note("  also: %s%s%s", al[i].spec,
				 al[i].rule[0] ? " rule " : "", al[i].rule);
	}
	snprintf(alert_spec, sizeof(alert_spec), "%s", al[n - 1].spec);
	a->from = alert_spec;
	if (a->wo.until == BT_TIME_NONE)
		a->wo.until = al[n - 1].time;
	free(al);
	return 0;
}

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
			const char *dir, const char *name, const char *ext)
{
	char *path;
	FILE *f;
	int err, r = EXIT_OK;

	if (asprintf(&path, "%s/%s.%s", dir, name, ext) < 0) {
		cli_error("out of memory");
		return EXIT_ERROR;
	}
	f = fopen(path, "w");
	if (!f) {
		cli_error("cannot write '%s': %s", path, strerror(errno));
		free(path);
		return EXIT_ERROR;
	}
	err = bt_export(res, fmt, f);
	if (err)
		r = cli_fail(err);
	if (fclose(f) && !r) {
		cli_error("cannot write '%s': %s", path, strerror(errno));
		r = EXIT_ERROR;
	}
	if (r)
		unlink(path);
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
		     const struct walkargs *a)
{
	struct bt_graph *g = NULL;
	struct bt_result *res;
	struct bt_filter_report *frep;
	char *line = NULL, *p, *e, name[128];
	size_t cap = 0, lineno = 0, num = 0, bad = 0;
	uint64_t spec_time;
	uint32_t start;
	ssize_t len;
	FILE *in;
	int err, r = EXIT_OK;

	if (a->from || a->alert)
		return cli_usage_error(c, "--from-list excludes --from and "
				       "--alert");
	if (to_stdout(a->out))
		return cli_usage_error(c, "--from-list needs -o DIR");
	if (mkdir(a->out, 0777) && errno != EEXIST) {
		cli_error("cannot create '%s': %s", a->out, strerror(errno));
		return EXIT_ERROR;
	}
	in = strcmp(a->from_list, "-") ? fopen(a->from_list, "r") : stdin;
	if (!in) {
		cli_error("cannot open '%s': %s", a->from_list,
			  strerror(errno));
		return EXIT_ERROR;
	}
	err = load_source(&g, a);
	if (err) {
		r = cli_fail(err);
		goto out;
	}
	if (bt_graph_warning(g))
		cli_warn("%s", bt_graph_warning(g));
	while ((len = getline(&line, &cap, in)) >= 0) {
		lineno++;
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		e = line + len;
		while (e > p && (e[-1] == '\n' || e[-1] == '\r' ||
				 e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (!*p || *p == '#')
			continue;
		num++;
		if ((size_t)(e - p) != strlen(p)) {
			cli_error("'%s' line %zu: a NUL byte in the line",
				  a->from_list, lineno);
			bad++;
			continue;
		}
		err = bt_spec_resolve(&start, &spec_time, g, p);
		if (!err)
			err = dir == BT_BACKWARD ?
			      bt_backtrack(&res, g, start, &a->wo) :
			      bt_forward(&res, g, start, &a->wo);
		if (err) {
			cli_error("'%s' line %zu: %s", a->from_list, lineno,
				  bt_error_msg());
			bad++;
			continue;
		}
		if (res->truncated)
			cli_warn("'%s' line %zu: the result is incomplete: %s",
				 a->from_list, lineno, res->limit);
		/* The same filters as a single walk with these options. */
		frep = NULL;
		err = bt_filter_apply(res, &a->fo, &frep);
		point_name(name, sizeof(name), num, p);
		if (err) {
			cli_error("'%s' line %zu: %s", a->from_list, lineno,
				  bt_error_msg());
			bad++;
		} else if (write_result(res, BT_FMT_JSON, a->out, name,
					"json") ||
			   write_result(res, BT_FMT_DOT, a->out, name, "dot")) {
			bad++;
		} else {
			printf("%s/%s.json\n", a->out, name);
		}
		bt_result_free(res);
		bt_filter_report_free(frep);
	}
	if (ferror(in)) {
		cli_error("cannot read '%s': %s", a->from_list,
			  strerror(errno));
		r = EXIT_ERROR;
	} else if (bad) {
		cli_error("%zu of %zu detection points failed", bad, num);
		r = EXIT_ERROR;
	}
	if (fflush(stdout)) {
		cli_error("cannot write the output");
		r = EXIT_ERROR;
	}
out:
	free(line);
	if (in != stdin)
		fclose(in);
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
	if (a.from_list)
		return batch_run(c, dir, &a);
	if (a.alert && a.from)
		return cli_usage_error(c, "--from and --alert exclude each other");
	if (a.alert) {
		r = alert_point(&a);
		if (r)
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
	frep->explain = a.explain;
	if (frep->nremoved)
		cli_note("graph: %zu objects, %zu dependencies; after filters "
			 "%zu objects, %zu dependencies%s", frep->nodes_before,
			 frep->edges_before, frep->nodes_after,
			 frep->edges_after, a.explain ? "" :
			 " (--explain lists what was removed, --no-filters "
			 "shows all)");

	f = cli_open_out(a.out);
	if (!f) {
		r = EXIT_ERROR;
		goto out_result;
	}
	err = bt_export(res, a.fmt, f);
	if (err) {
		r = cli_fail(err);
		if (f != stdout) {
			fclose(f);
			unlink(a.out);
		}
		goto out_result;
	}
	r = cli_close_out(f, a.out);
	if (r && !to_stdout(a.out))
		unlink(a.out);

out_result:
	bt_result_free(res);
	bt_filter_report_free(frep);
out_graph:
	bt_graph_free(g);
	return r;
}
