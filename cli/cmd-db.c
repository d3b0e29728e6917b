/*
 * cmd-db.c - `btrack db`: load logs into a case database, an sqlite file
 * or a PostgreSQL database (add), show what it holds (info), and keep
 * investigations in it (save, list, show).  The database itself is
 * core/db.c; `save` runs the query of `backtrack --db` (graph/query.h: the
 * walk goes through a temporary log of what its frontiers read,
 * graph/dbgraph.h) and keeps its JSON result.  The pages are
 * man/btrack-db.1 (the command) and man/btrack-db.5 (the schema).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../core/db.h"
#include "../core/drops.h"
#include "../core/error.h"
#include "../core/timefmt.h"
#include "../graph/query.h"
#include "cli.h"
#include "walkcmd.h"

enum {
	OPT_DB = 256, OPT_HOST, OPT_FROM, OPT_SINCE, OPT_UNTIL, OPT_GRAN,
	OPT_MAX_NODES, OPT_MAX_DEPTH, OPT_FORWARD, OPT_FORMAT, OPT_FILTERS,
	OPT_NO_FILTERS
};

#define SYN_ADD "db add --db CASE.db [--host NAME] LOG..."
#define SYN_INFO "db info --db CASE.db"
#define SYN_SAVE "db save --db CASE.db [--host NAME] NAME --from SPEC " \
		 "[--forward] " \
		 "[--since T] [--until T] [--granularity page|vma|object] " \
		 "[--max-nodes N] [--max-depth N] [--filters LIST | --no-filters] " \
		 "[--force]"
#define SYN_LIST "db list --db CASE.db"
#define SYN_SHOW "db show --db CASE.db NAME [--format text|json]"

static const struct cli_opt no_opts[] = { { 0, NULL, NULL, NULL } };

static const struct cli_cmd db_cmd = {
	"db",
	SYN_ADD "\n" SYN_INFO "\n" SYN_SAVE "\n" SYN_LIST "\n" SYN_SHOW,
	"Load logs into a case database and query it; keep investigations "
	"in it.\nThe schema, for SQL queries: btrack-db(5).",
	no_opts
};

static const struct cli_opt add_opts[] = {
	{ OPT_DB, "db", "CASE.db", "the case database, a file or postgresql://... (created if missing)" },
	{ OPT_HOST, "host", "NAME", "the host the logs come from "
	  "(default: localhost)" },
	{ 0, NULL, NULL, NULL }
};
static const struct cli_cmd add_cmd = {
	"db", SYN_ADD,
	"Add LOGs to the database; a log already in it is skipped.", add_opts
};

static const struct cli_opt db_only_opts[] = {
	{ OPT_DB, "db", "CASE.db", "the case database (a file or postgresql://...)" },
	{ 0, NULL, NULL, NULL }
};
static const struct cli_cmd info_cmd = {
	"db", SYN_INFO, "Show the logs, hosts and counts of the database.",
	db_only_opts
};
static const struct cli_cmd list_cmd = {
	"db", SYN_LIST, "List the saved investigations.", db_only_opts
};

static const struct cli_opt save_opts[] = {
	{ OPT_DB, "db", "CASE.db", "the case database (a file or postgresql://...)" },
	{ OPT_HOST, "host", "NAME", "walk over this host's objects only" },
	{ OPT_FROM, "from", "SPEC", "the detection point" },
	{ OPT_FORWARD, "forward", NULL, "walk forward instead of back" },
	{ OPT_SINCE, "since", "T", "ignore events before T" },
	{ OPT_UNTIL, "until", "T", "ignore events after T" },
	{ OPT_GRAN, "granularity", "G", "page (default), vma or object" },
	{ OPT_MAX_NODES, "max-nodes", "N", "stop after N objects" },
	{ OPT_MAX_DEPTH, "max-depth", "N", "stop N dependencies away" },
	{ OPT_FILTERS, "filters", "LIST",
	  "the filters, as for backtrack (default: its defaults)" },
	{ OPT_NO_FILTERS, "no-filters", NULL,
	  "save the whole result (--filters none)" },
	{ 'f', "force", NULL, "replace an investigation of that name" },
	{ 0, NULL, NULL, NULL }
};
static const struct cli_cmd save_cmd = {
	"db", SYN_SAVE,
	"Walk from SPEC over the database and save the detection point, the "
	"options\nand the result as investigation NAME (--force replaces "
	"one of that name).", save_opts
};

static const struct cli_opt show_opts[] = {
	{ OPT_DB, "db", "CASE.db", "the case database (a file or postgresql://...)" },
	{ OPT_FORMAT, "format", "F", "text (default) or json (the result)" },
	{ 0, NULL, NULL, NULL }
};
static const struct cli_cmd show_cmd = {
	"db", SYN_SHOW, "Show a saved investigation.", show_opts
};

struct args {
	const struct cli_cmd *cmd;
	const char *db, *host, *from;
	bool forward, json, filters_set, force;
	unsigned filters;       /* with filters_set: 1u << enum bt_filter_id */
	struct bt_walk_opts wo;
	char options[512];      /* the walk options as given */
	char **ops;             /* operands */
	int nops;
};

static void note_opt(struct args *a, const char *name, const char *val)
{
	size_t n = strlen(a->options);

	snprintf(a->options + n, sizeof(a->options) - n, "%s--%s%s%s",
		 n ? " " : "", name, val ? " " : "", val ? val : "");
}

/* "--filters runtime,helpers" or "--no-filters" into the options. */
static void note_filters(struct args *a, unsigned enabled)
{
	char list[128] = "";
	size_t n = 0;
	unsigned i;

	if (!enabled) {
		note_opt(a, "no-filters", NULL);
		return;
	}
	for (i = 0; i < BT_FILTER_COUNT; i++)
		if (enabled & (1u << i) && n < sizeof(list))
			n += (size_t)snprintf(list + n, sizeof(list) - n,
					      "%s%s", n ? "," : "",
					      bt_filter_name(i));
	note_opt(a, "filters", list);
}

static int on_opt(void *ctx, int id, const char *val)
{
	struct args *a = ctx;
	const struct cli_cmd *c = a->cmd;

	switch (id) {
	case OPT_DB:
		a->db = val;
		return 0;
	case OPT_HOST:
		if (!*val)
			return cli_usage_error(c, "--host needs a name");
		a->host = val;
		if (c == &save_cmd)
			note_opt(a, "host", val);
		return 0;
	case OPT_FROM:
		a->from = val;
		return 0;
	case OPT_FORWARD:
		a->forward = true;
		return 0;
	case 'f':
		a->force = true;
		return 0;
	case OPT_FILTERS:
		if (bt_filter_parse(&a->filters, val))
			return cli_usage_error(c, "%s", bt_error_msg());
		a->filters_set = true;
		return 0;
	case OPT_NO_FILTERS:
		a->filters = 0;
		a->filters_set = true;
		return 0;
	case OPT_SINCE:
		note_opt(a, "since", val);
		return cli_time(c, "--since", val, &a->wo.since);
	case OPT_UNTIL:
		note_opt(a, "until", val);
		return cli_time(c, "--until", val, &a->wo.until);
	case OPT_GRAN:
		note_opt(a, "granularity", val);
		return walkcmd_gran(c, val, &a->wo.gran);
	case OPT_MAX_NODES:
		note_opt(a, "max-nodes", val);
		return cli_u32(c, "--max-nodes", val, &a->wo.max_nodes);
	case OPT_MAX_DEPTH:
		note_opt(a, "max-depth", val);
		return cli_u32(c, "--max-depth", val, &a->wo.max_depth);
	case OPT_FORMAT:
		if (!strcmp(val, "json"))
			a->json = true;
		else if (!strcmp(val, "text"))
			a->json = false;
		else
			return cli_usage_error(c, "unknown format '%s' "
					       "(text, json)", val);
		return 0;
	}
	return EXIT_USAGE;
}

/* Parse options anywhere among the operands ("--" ends the options).
 * Returns 0, an exit code, or a negative value for -h. */
static int parse(struct args *a, const struct cli_cmd *c, int argc,
		 char **argv)
{
	int first, r;

	a->cmd = c;
	a->ops = calloc((size_t)argc + 1, sizeof(*a->ops));
	if (!a->ops) {
		cli_error("out of memory");
		return EXIT_ERROR;
	}
	for (;;) {
		r = cli_parse(c, argc, argv, on_opt, a, &first);
		if (r)
			return r;
		if (first > 1 && !strcmp(argv[first - 1], "--")) {
			while (first < argc)
				a->ops[a->nops++] = argv[first++];
			break;
		}
		if (first >= argc)
			break;
		/* argv[first] is an operand: continue after it, with it in
		 * the place getopt skips (argv[0]). */
		a->ops[a->nops++] = argv[first];
		argc -= first;
		argv += first;
	}
	if (!a->db)
		return cli_usage_error(c, "--db CASE.db is required");
	return 0;
}

static int open_db(struct bt_db **out, const struct args *a, unsigned fl)
{
	int err = bt_db_open(out, a->db, fl);

	return err ? cli_fail(err) : 0;
}

/* ---- add --------------------------------------------------------------- */

static int db_add(struct args *a)
{
	struct bt_db_add_stats st;
	struct bt_db *db;
	const char *host = a->host ? a->host : "localhost";
	int i, err, r, worst = EXIT_OK;

	if (a->nops == 0)
		return cli_usage_error(a->cmd, "no LOG to add");
	if ((r = open_db(&db, a, BT_DB_CREATE)))
		return r;
	for (i = 0; i < a->nops; i++) {
		err = bt_db_add(db, a->ops[i], host, cli_progress,
				(void *)"adding", &st);
		cli_progress_done();
		if (err) {
			r = cli_fail(err);
			if (r > worst)
				worst = r;
			continue;
		}
		if (st.warning[0])
			cli_warn("%s: %s", a->ops[i], st.warning);
		if (st.extended)
			printf("%s: log %lld grew since it was added: %llu "
			       "new events added (%llu new objects)\n",
			       cli_shown(a->ops[i]), (long long)st.log,
			       (unsigned long long)st.events,
			       (unsigned long long)st.new_objects);
		else if (st.already)
			printf("%s: already in the database as log %lld, "
			       "nothing added\n", cli_shown(a->ops[i]),
			       (long long)st.log);
		else
			printf("%s: added as log %lld (host %s): %llu "
			       "events, %llu objects (%llu new)\n",
			       cli_shown(a->ops[i]), (long long)st.log,
			       cli_shown(host),
			       (unsigned long long)st.events,
			       (unsigned long long)st.objects,
			       (unsigned long long)st.new_objects);
	}
	bt_db_close(db);
	return worst;
}

/* ---- info -------------------------------------------------------------- */

static void print_time(const char *label, uint64_t t)
{
	char buf[BT_TIME_BUFSZ];

	if (!t)
		return;
	bt_time_format(buf, sizeof(buf), t);
	printf("%-15s %s\n", label, buf);
}

static int info_log(void *arg, const struct bt_db_log *l)
{
	(void)arg;
	printf("log %lld: host %s, %llu events, %llu objects, %s, %s\n",
	       (long long)l->id, cli_shown(l->host),
	       (unsigned long long)l->events,
	       (unsigned long long)l->objects, cli_shown(l->hash),
	       cli_shown(l->path));
	return 0;
}

static int db_info(struct args *a)
{
	struct bt_db_info in;
	struct bt_db *db;
	int r, err;

	if (a->nops)
		return cli_usage_error(a->cmd, "unexpected argument '%s'",
				       a->ops[0]);
	if ((r = open_db(&db, a, BT_DB_READONLY)))
		return r;
	if ((err = bt_db_info(db, &in))) {
		r = cli_fail(err);
		goto out;
	}
	printf("%-15s %llu\n%-15s %llu\n%-15s %llu\n%-15s %llu\n"
	       "%-15s %llu\n", "logs", (unsigned long long)in.logs,
	       "hosts", (unsigned long long)in.hosts,
	       "objects", (unsigned long long)in.objects,
	       "events", (unsigned long long)in.events,
	       "investigations", (unsigned long long)in.investigations);
	print_time("first event", in.first_time);
	print_time("last event", in.last_time);
	/* host and path are as the database holds them: shown by the rule */
	if ((err = bt_db_logs(db, info_log, NULL)))
		r = cli_fail(err);
out:
	bt_db_close(db);
	return r;
}

/* ---- save, list, show -------------------------------------------------- */

static int db_save(struct args *a)
{
	struct bt_db_inv inv = { 0 };
	struct bt_graph *g = NULL;
	struct bt_query_result qr = { 0 };
	struct bt_query q;
	struct bt_drops drops;
	struct bt_db *db;
	size_t i, len = 0;
	int r, err;

	if (a->nops != 1)
		return cli_usage_error(a->cmd, a->nops ? "one NAME only" :
				       "a NAME is required");
	if (!a->from)
		return cli_usage_error(a->cmd, "--from SPEC is required");
	if (a->wo.until != BT_TIME_NONE && a->wo.since > a->wo.until)
		return cli_usage_error(a->cmd, "--since is after --until");
	if ((r = open_db(&db, a, 0)))
		return r;
	/* Nothing replaced silently: said before the walk, checked again
	 * by the save itself. */
	if (!a->force && bt_db_get(db, a->ops[0], &inv) == 0) {
		bt_db_inv_release(&inv);
		cli_error("investigation '%s' already exists in '%s'; use "
			  "--force to replace it", a->ops[0], a->db);
		r = EXIT_ERROR;
		goto out;
	}
	/* What `btrack backtrack --db` runs with the same options.  The
	 * filter set goes into the options, spelled out, so that the saved
	 * result can be made again after the defaults change. */
	bt_query_init(&q, a->forward ? BT_FORWARD : BT_BACKWARD);
	q.spec = a->from;
	q.walk = a->wo;
	if (a->filters_set)
		q.filter.enabled = a->filters;
	err = walkcmd_load_db(&g, db, a->db, a->host, q.dir, &q.spec, 1,
			      false);
	if (err) {
		r = cli_fail(err);
		goto out;
	}
	if (bt_graph_warning(g))
		cli_warn("%s", bt_graph_warning(g));
	q.drops = walkcmd_drops(&drops, g);
	err = bt_query_run(&qr, g, &q);
	for (i = 0; i < qr.nmsgs; i++)
		if (qr.msgs[i].warning)
			cli_warn("%s", qr.msgs[i].text);
	if (err == BT_EINVAL && qr.failed == BT_QUERY_RESOLVE) {
		r = cli_usage_error(a->cmd, "%s", bt_error_msg());
		goto out;
	}
	if (!err) {
		note_filters(a, q.filter.enabled);
		err = bt_query_render(&inv.result, &len, &qr, BT_FMT_JSON,
				      NULL);
	}
	if (err) {
		r = cli_fail(err);
		goto out;
	}
	inv.name = a->ops[0];
	inv.replace = a->force;
	inv.direction = a->forward ? "forward" : "backward";
	inv.spec = (char *)a->from;
	inv.options = a->options;
	inv.created = bt_time_now();
	inv.nodes = qr.result->nnodes;
	inv.edges = qr.result->nedges;
	if ((err = bt_db_save(db, &inv))) {
		r = cli_fail(err);
		goto out;
	}
	printf("saved '%s': %s from %s, %zu nodes, %zu edges\n",
	       cli_shown(inv.name), inv.direction, cli_shown(inv.spec),
	       qr.result->nnodes, qr.result->nedges);
out:
	free(inv.result);
	bt_query_result_release(&qr);
	bt_graph_free(g);
	bt_db_close(db);
	return r;
}

static int list_one(void *arg, const struct bt_db_inv *inv)
{
	char t[BT_TIME_BUFSZ];

	(void)arg;
	bt_time_format(t, sizeof(t), inv->created);
	/* one line a row, tab-separated: the rule shows a tab or a newline
	 * in a name as \x09, \x0a */
	printf("%s\t%s\t%s\t%llu nodes\t%llu edges\t%s%s%s\n",
	       cli_shown(inv->name), cli_shown(inv->direction),
	       cli_shown(inv->spec), (unsigned long long)inv->nodes,
	       (unsigned long long)inv->edges, t, *inv->options ? "\t" : "",
	       cli_shown(inv->options));
	return 0;
}

static int db_list(struct args *a)
{
	struct bt_db *db;
	int r, err;

	if (a->nops)
		return cli_usage_error(a->cmd, "unexpected argument '%s'",
				       a->ops[0]);
	if ((r = open_db(&db, a, BT_DB_READONLY)))
		return r;
	if ((err = bt_db_list(db, list_one, NULL)))
		r = cli_fail(err);
	bt_db_close(db);
	return r;
}

/* The nodes of a saved JSON result, one a line. */
static int show_text(const struct bt_db_inv *inv)
{
	char t[BT_TIME_BUFSZ];
	json_error_t jerr;
	json_t *doc, *nodes, *n;
	size_t i;

	bt_time_format(t, sizeof(t), inv->created);
	printf("name:       %s\ndirection:  %s\nfrom:       %s\n"
	       "options:    %s\nsaved:      %s\nresult:     %llu nodes, "
	       "%llu edges\n", cli_shown(inv->name),
	       cli_shown(inv->direction), cli_shown(inv->spec),
	       *inv->options ? cli_shown(inv->options) : "(none)", t,
	       (unsigned long long)inv->nodes,
	       (unsigned long long)inv->edges);
	doc = json_loads(inv->result, 0, &jerr);
	if (!doc) {
		cli_error("investigation '%s': its result is not valid JSON "
			  "(line %d: %s)", inv->name, jerr.line, jerr.text);
		return EXIT_CORRUPT;
	}
	nodes = json_object_get(doc, "nodes");
	json_array_foreach(nodes, i, n) {
		const char *label = json_string_value(json_object_get(n,
								      "label"));
		const char *kind = json_string_value(json_object_get(n,
								     "kind"));

		/* the labels were shown by the rule when saved; a database
		 * from elsewhere may hold anything */
		printf("  %-9s %s%s%s\n", kind ? cli_shown(kind) : "?",
		       label ? cli_reshown(label) : "?",
		       json_is_true(json_object_get(n, "detection")) ?
		       "  (detection point)" : "",
		       json_is_true(json_object_get(n, "entry")) ?
		       "  (entry point)" : "");
	}
	json_decref(doc);
	return EXIT_OK;
}

/* The saved JSON as it is: what btrack wrote has no control byte but the
 * line breaks and indentation, and a database from elsewhere that holds
 * one (an escape sequence) is refused rather than sent to the terminal. */
static int show_json(const struct bt_db_inv *inv)
{
	const unsigned char *p;

	for (p = (const unsigned char *)inv->result; *p; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r') ||
		    *p == 0x7f) {
			cli_error("investigation '%s': its result is not valid "
				  "JSON (control byte 0x%02x at offset %zu)",
				  inv->name, *p,
				  (size_t)(p - (const unsigned char *)
					   inv->result));
			return EXIT_CORRUPT;
		}
	fputs(inv->result, stdout);
	return EXIT_OK;
}

static int db_show(struct args *a)
{
	struct bt_db_inv inv;
	struct bt_db *db;
	int r, err;

	if (a->nops != 1)
		return cli_usage_error(a->cmd, a->nops ? "one NAME only" :
				       "a NAME is required");
	if ((r = open_db(&db, a, BT_DB_READONLY)))
		return r;
	if ((err = bt_db_get(db, a->ops[0], &inv))) {
		r = cli_fail(err);
		goto out;
	}
	if (a->json)
		r = show_json(&inv);
	else
		r = show_text(&inv);
	bt_db_inv_release(&inv);
	if (!r && (fflush(stdout) || ferror(stdout))) {
		cli_error("cannot write the output");
		r = EXIT_ERROR;
	}
out:
	bt_db_close(db);
	return r;
}

static const struct {
	const char *name;
	const struct cli_cmd *cmd;
	int (*fn)(struct args *a);
} subs[] = {
	{ "add", &add_cmd, db_add },
	{ "info", &info_cmd, db_info },
	{ "save", &save_cmd, db_save },
	{ "list", &list_cmd, db_list },
	{ "show", &show_cmd, db_show },
};

int cmd_db(int argc, char **argv)
{
	struct args a = { 0 };
	size_t i;
	int r;

	if (argc < 2 || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "--help")) {
		cli_usage(&db_cmd, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i].name))
			break;
	if (i == sizeof(subs) / sizeof(subs[0]))
		return cli_usage_error(&db_cmd, "unknown subcommand '%s' "
				       "(add, info, save, list, show)",
				       argv[1]);
	bt_walk_opts_init(&a.wo);
	r = parse(&a, subs[i].cmd, argc - 1, argv + 1);
	if (!r)
		r = subs[i].fn(&a);
	free(a.ops);
	return r < 0 ? EXIT_OK : r;
}
