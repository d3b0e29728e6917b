/*
 * watchcmd.c - the options and terminal side of the watch engine, shared
 * by `btrack watch` (cmd-watch.c) and `btrack capture --watch`
 * (cmd-capture.c); see watchcmd.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/timefmt.h"
#include "walkcmd.h"
#include "watchcmd.h"

void watchcmd_init(struct watchcmd *wc, const char *who)
{
	memset(wc, 0, sizeof(*wc));
	bt_query_init(&wc->o.query, BT_BACKWARD);
	wc->o.query.filter.hide = wc->hide;
	wc->o.wait_ns = BT_WATCH_WAIT_DEFAULT;
	wc->o.queue = BT_WATCH_QUEUE_DEFAULT;
	wc->who = who;
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

int watchcmd_opt(struct watchcmd *wc, const struct cli_cmd *c, int id,
		 const char *val)
{
	struct bt_watch_opts *o = &wc->o;
	double secs;
	char *end;
	uint64_t n;
	int r;

	switch (id) {
	case WOPT_WAIT:
		errno = 0;
		secs = strtod(val, &end);
		if (errno || end == val || *end || !(secs >= 0) ||
		    secs > 3600)
			return cli_usage_error(c, "--wait takes seconds from 0 "
					       "to 3600, not '%s'", val);
		o->wait_ns = (uint64_t)(secs * 1e9);
		return 0;
	case WOPT_QUEUE:
		if ((r = cli_u64(c, "--queue", val, &n)))
			return r;
		if (!n || n > BT_WATCH_QUEUE_MAX)
			return cli_usage_error(c, "--queue takes 1 to %u",
					       BT_WATCH_QUEUE_MAX);
		o->queue = (size_t)n;
		return 0;
	case WOPT_OUTPUTS:
		if (parse_outputs(val, &o->outputs))
			return cli_usage_error(c, "--outputs takes a list of "
					       "json, dot, svg, text, not "
					       "'%s'", val);
		return 0;
	case WOPT_SINCE:
		return cli_time(c, "--since", val, &o->query.walk.since);
	case WOPT_GRAN:
		return walkcmd_gran(c, val, &o->query.walk.gran);
	case WOPT_MAX_NODES:
		return cli_u32(c, "--max-nodes", val, &o->query.walk.max_nodes);
	case WOPT_MAX_DEPTH:
		return cli_u32(c, "--max-depth", val, &o->query.walk.max_depth);
	case WOPT_FILTERS:
		if (bt_filter_parse(&o->query.filter.enabled, val))
			return cli_usage_error(c, "%s", bt_error_msg());
		return 0;
	case WOPT_NO_FILTERS:
		o->query.filter.enabled = 0;
		return 0;
	case WOPT_HIDE:
		if (o->query.filter.nhide == WATCHCMD_MAX_HIDE)
			return cli_usage_error(c, "more than %d --hide globs",
					       WATCHCMD_MAX_HIDE);
		wc->hide[o->query.filter.nhide++] = val;
		o->query.filter.enabled |= 1u << BT_FILTER_HIDE;
		return 0;
	case WOPT_EXPLAIN:
		o->eo.explain = true;
		return 0;
	case WOPT_STATS:
		wc->stats = true;
		return 0;
	}
	return 1;
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

/* The stats line: key=value, for people and scripts (the bench). */
static void on_report(void *arg, const struct bt_watch_status *st)
{
	const struct watchcmd *wc = arg;

	cli_progress_done();
	fprintf(stderr, "btrack %s: stats answered=%" PRIu64 " failed=%"
		PRIu64 " skipped=%" PRIu64 " dropped=%" PRIu64 " queued=%"
		PRIu64 " latency_p50=%" PRIu64 "ms latency_p99=%" PRIu64
		"ms latency_max=%" PRIu64 "ms events=%" PRIu64
		" graph_bytes=%" PRIu64 " bytes_per_event=%.1f cache_bytes=%"
		PRIu64 " heap_used=%" PRIu64 " heap_held=%" PRIu64
		" loads=%" PRIu64 " load_ms=%" PRIu64 " incremental=%s\n",
		wc->who, st->answered, st->failed, st->skipped, st->dropped,
		st->queued, st->latency_p50_ns / 1000000u,
		st->latency_p99_ns / 1000000u, st->latency_max_ns / 1000000u,
		st->events, st->graph_bytes, st->events ?
		(double)(st->graph_bytes - st->cache_bytes) /
		(double)st->events : 0.0, st->cache_bytes, st->heap_used,
		st->heap_held, st->loads, st->load_ns / 1000000u,
		st->incremental ? "yes" : "no");
}

void watchcmd_ops(struct watchcmd *wc, struct bt_watch_ops *out,
		  bool progress)
{
	memset(out, 0, sizeof(*out));
	out->answer = on_answer;
	out->event = on_event;
	out->status = progress && cli_isatty_stderr() ? on_status : NULL;
	out->report = on_report;
	out->arg = wc;
}

int watchcmd_finish(struct watchcmd *wc, int r,
		    const struct bt_watch_summary *sum)
{
	cli_progress_done();
	if (sum->st.dropped)
		cli_warn("%" PRIu64 " alert%s dropped: the queue (--queue %zu) "
			 "was full", sum->st.dropped,
			 sum->st.dropped == 1 ? "" : "s", wc->o.queue);
	if (sum->unanswered)
		cli_note("%" PRIu64 " queued alert%s not answered (a followed "
			 "file's are answered at the next start)",
			 sum->unanswered, sum->unanswered == 1 ? "" : "s");
	if (wc->stats)
		on_report(wc, &sum->st);
	if (r)
		return cli_fail(r);
	if (sum->st.skipped)
		cli_note("%" PRIu64 " alert%s answered before (journal in "
			 "'%s')", sum->st.skipped, sum->st.skipped == 1 ?
			 " was" : "s were", wc->o.dir);
	if (fflush(stdout)) {
		cli_error("cannot write the output");
		return EXIT_ERROR;
	}
	return sum->source_ended && sum->st.failed ? EXIT_ERROR : EXIT_OK;
}
