/*
 * cmd-watch.c - `btrack watch`: answer IDS alerts with backtracked graphs
 * as they arrive, on a log another process is writing.  The engine is
 * live/watch.c (alert sources live/alertsrc.c, the followed log
 * live/follow.c); this file parses the options, handles SIGINT/SIGTERM
 * and prints one line per alert.  The page is man/btrack-watch.1.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/timefmt.h"
#include "../live/watch.h"
#include "walkcmd.h"

enum {
	OPT_LOG = 256, OPT_ALERTS, OPT_WAIT, OPT_QUEUE, OPT_OUTPUTS,
	OPT_SINCE, OPT_GRAN, OPT_MAX_NODES, OPT_MAX_DEPTH, OPT_FILTERS,
	OPT_NO_FILTERS, OPT_HIDE, OPT_EXPLAIN
};

#define MAX_HIDE 64

static const struct cli_opt watch_opts[] = {
	{ OPT_LOG, "log", "LOG", "the log being written (or its writer's "
	  "temporary file while it runs)" },
	{ OPT_ALERTS, "alerts", "SRC", "alerts: a file (followed), a FIFO, "
	  "- (stdin) or unix:PATH (a socket)" },
	{ 'o', "output", "DIR", "write each alert's result into DIR" },
	{ OPT_WAIT, "wait", "SECONDS", "wait this long for the log to reach "
	  "an alert's time (default 2)" },
	{ OPT_QUEUE, "queue", "N", "alerts waiting at most (default 1024); "
	  "more are dropped and counted" },
	{ OPT_OUTPUTS, "outputs", "LIST", "json,dot,svg,text (default: all)" },
	{ OPT_SINCE, "since", "T", "ignore events before T" },
	{ OPT_GRAN, "granularity", "G", "page (default), vma or object" },
	{ OPT_MAX_NODES, "max-nodes", "N", "stop each walk after N objects" },
	{ OPT_MAX_DEPTH, "max-depth", "N", "stop each walk N dependencies "
	  "away" },
	{ OPT_FILTERS, "filters", "LIST", "runtime,helpers,noise,private,names "
	  "(default), all, none" },
	{ OPT_NO_FILTERS, "no-filters", NULL, "show the whole result" },
	{ OPT_HIDE, "hide", "GLOB", "also hide objects whose path, exe or "
	  "address matches" },
	{ OPT_EXPLAIN, "explain", NULL, "text: list what each filter removed" },
	{ 0, NULL, NULL, NULL }
};

static const struct cli_cmd watch_cmd = {
	.name = "watch",
	.synopsis = "watch --log LOG --alerts SRC -o DIR [--wait SECONDS] "
		    "[--queue N] [--outputs LIST] [--since T] "
		    "[--granularity page|vma|object] [--max-nodes N] "
		    "[--max-depth N] [--filters LIST | --no-filters] "
		    "[--hide GLOB] [--explain]",
	.summary = "Answer IDS alerts (Falco JSON, generic JSON) with "
		   "backtracked graphs as they\narrive, on a log being "
		   "written.",
	.opts = watch_opts,
};

struct watchargs {
	struct bt_watch_opts o;
	const char *hide[MAX_HIDE];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int parse_outputs(const char *val, unsigned *out)
{
	static const struct { const char *name; unsigned bit; } names[] = {
		{ "json", BT_WATCH_OUT_JSON }, { "dot", BT_WATCH_OUT_DOT },
		{ "svg", BT_WATCH_OUT_SVG }, { "text", BT_WATCH_OUT_TEXT },
		{ "all", BT_WATCH_OUT_ALL }
	};
	const char *p = val;
	size_t i;

	*out = 0;
	while (*p) {
		size_t n = strcspn(p, ",");

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == n &&
			    !strncmp(p, names[i].name, n))
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return -1;
		*out |= names[i].bit;
		p += n;
		if (*p)
			p++;
	}
	return *out ? 0 : -1;
}

static int on_opt(void *ctx, int id, const char *val)
{
	struct watchargs *a = ctx;
	const struct cli_cmd *c = &watch_cmd;
	double secs;
	char *end;
	uint64_t n;
	int r;

	switch (id) {
	case OPT_LOG:
		a->o.log = val;
		return 0;
	case OPT_ALERTS:
		a->o.alerts = val;
		return 0;
	case 'o':
		a->o.dir = val;
		return 0;
	case OPT_WAIT:
		errno = 0;
		secs = strtod(val, &end);
		if (errno || end == val || *end || !(secs >= 0) ||
		    secs > 3600)
			return cli_usage_error(c, "--wait takes seconds from 0 "
					       "to 3600, not '%s'", val);
		a->o.wait_ns = (uint64_t)(secs * 1e9);
		return 0;
	case OPT_QUEUE:
		if ((r = cli_u64(c, "--queue", val, &n)))
			return r;
		if (!n || n > BT_WATCH_QUEUE_MAX)
			return cli_usage_error(c, "--queue takes 1 to %u",
					       BT_WATCH_QUEUE_MAX);
		a->o.queue = (size_t)n;
		return 0;
	case OPT_OUTPUTS:
		if (parse_outputs(val, &a->o.outputs))
			return cli_usage_error(c, "--outputs takes a list of "
					       "json, dot, svg, text, not "
					       "'%s'", val);
		return 0;
	case OPT_SINCE:
		return cli_time(c, "--since", val, &a->o.query.walk.since);
	case OPT_GRAN:
		return walkcmd_gran(c, val, &a->o.query.walk.gran);
	case OPT_MAX_NODES:
		return cli_u32(c, "--max-nodes", val,
			       &a->o.query.walk.max_nodes);
	case OPT_MAX_DEPTH:
		return cli_u32(c, "--max-depth", val,
			       &a->o.query.walk.max_depth);
	case OPT_FILTERS:
		if (bt_filter_parse(&a->o.query.filter.enabled, val))
			return cli_usage_error(c, "%s", bt_error_msg());
		return 0;
	case OPT_NO_FILTERS:
		a->o.query.filter.enabled = 0;
		return 0;
	case OPT_HIDE:
		if (a->o.query.filter.nhide == MAX_HIDE)
			return cli_usage_error(c, "more than %d --hide globs",
					       MAX_HIDE);
		a->hide[a->o.query.filter.nhide++] = val;
		a->o.query.filter.enabled |= 1u << BT_FILTER_HIDE;
		return 0;
	case OPT_EXPLAIN:
		a->o.eo.explain = true;
		return 0;
	}
	return EXIT_USAGE;
}

/* One line per alert on stdout: what a responder reads, and scripts
 * take apart (key=value, strings shown by the display rule). */
static void on_answer(void *arg, const struct bt_watch_answer *a)
{
	char t[BT_TIME_BUFSZ];

	(void)arg;
	cli_progress_done();
	if (a->alert->time != BT_TIME_NONE)
		bt_time_format(t, sizeof(t), a->alert->time);
	else
		snprintf(t, sizeof(t), "-");
	printf("%s rule=\"%s\" point=%s", t, cli_shown(a->alert->rule),
	       a->alert->spec[0] ? cli_shown(a->alert->spec) : "-");
	if (a->err) {
		printf(" error=\"%s\"", cli_shown(a->msg ? a->msg : ""));
	} else {
		printf(" objects=%zu entry_points=%zu", a->objects,
		       a->entries);
	}
	printf(" latency=%" PRIu64 "ms", a->latency_ns / 1000000u);
	if (a->result)
		printf(" total=%" PRIu64 "ms", a->total_ns / 1000000u);
	if (a->result)
		printf(" result=%s", cli_shown(a->result));
	if (a->behind)
		printf(" behind=1");
	if (a->truncated)
		printf(" truncated=1");
	if (a->resumed)
		printf(" resumed=1");
	putchar('\n');
	fflush(stdout);
	if (a->behind && a->msg)
		cli_note("%s: %s", a->alert->spec, a->msg);
	if (a->note)
		cli_warn("%s: %s", a->alert->spec, a->note);
}

static void on_event(void *arg, bool warning, const char *msg)
{
	(void)arg;
	cli_progress_done();
	if (warning)
		cli_warn("%s", msg);
	else
		cli_note("%s", msg);
}

/* The status line, on a terminal only. */
static void on_status(void *arg, const struct bt_watch_status *st)
{
	char line[200];

	(void)arg;
	/* cli_progress() prints "LABEL: N": the drops come last. */
	snprintf(line, sizeof(line), "watching: %" PRIu64 " events, %"
		 PRIu64 " answered, %" PRIu64 " failed, %" PRIu64
		 " queued, dropped", st->events, st->answered, st->failed,
		 st->queued);
	cli_progress(line, st->dropped, 0);
}

int cmd_watch(int argc, char **argv)
{
	struct watchargs a = { 0 };
	struct bt_watch_ops ops = { on_answer, on_event, on_status, NULL };
	struct bt_watch_summary sum;
	struct sigaction sa;
	int first, r;

	bt_query_init(&a.o.query, BT_BACKWARD);
	a.o.query.filter.hide = a.hide;
	a.o.wait_ns = BT_WATCH_WAIT_DEFAULT;
	a.o.queue = BT_WATCH_QUEUE_DEFAULT;
	r = cli_parse(&watch_cmd, argc, argv, on_opt, &a, &first);
	if (r)
		return r < 0 ? EXIT_OK : r;
	if (first < argc)
		return cli_usage_error(&watch_cmd, "unexpected argument '%s'",
				       argv[first]);
	if (!a.o.log || !a.o.alerts || !a.o.dir)
		return cli_usage_error(&watch_cmd, "--log LOG, --alerts SRC "
				       "and -o DIR are required");
	if (!cli_isatty_stderr())
		ops.status = NULL;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	a.o.stop = &stop;

	r = bt_watch_run(&a.o, &ops, &sum);
	cli_progress_done();
	if (sum.st.dropped)
		cli_warn("%" PRIu64 " alert%s dropped: the queue (--queue %zu) "
			 "was full", sum.st.dropped,
			 sum.st.dropped == 1 ? "" : "s", a.o.queue);
	if (sum.unanswered)
		cli_note("%" PRIu64 " queued alert%s not answered (a followed "
			 "file's are answered at the next start)",
			 sum.unanswered, sum.unanswered == 1 ? "" : "s");
	if (r)
		return cli_fail(r);
	if (sum.st.skipped)
		cli_note("%" PRIu64 " alert%s answered before (journal in "
			 "'%s')", sum.st.skipped, sum.st.skipped == 1 ?
			 " was" : "s were", a.o.dir);
	if (fflush(stdout)) {
		cli_error("cannot write the output");
		return EXIT_ERROR;
	}
	return sum.source_ended && sum.st.failed ? EXIT_ERROR : EXIT_OK;
}
