/*
 * cmd-watch.c - `btrack watch`: answer IDS alerts with backtracked graphs
 * as they arrive, on a log another process is writing.  The engine is
 * live/watch.c (alert sources live/alertsrc.c, the followed log
 * live/follow.c); the options it shares with `capture --watch` and the
 * terminal side are watchcmd.c; this file parses where the log, the
 * alerts and the results are, and handles SIGINT/SIGTERM (stop) and
 * SIGUSR1 (a stats line).  The page is man/btrack-watch.1.
 */
#include <signal.h>
#include <string.h>

#include "watchcmd.h"

enum { OPT_LOG = 256, OPT_ALERTS };

static const struct cli_opt watch_opts[] = {
	{ OPT_LOG, "log", "LOG", "the log being written (or its writer's "
	  "temporary file while it runs)" },
	{ OPT_ALERTS, "alerts", "SRC", "alerts: a file (followed), a FIFO, "
	  "- (stdin) or unix:PATH (a socket)" },
	{ 'o', "output", "DIR", "write each alert's result into DIR" },
	WATCHCMD_OPTS,
	{ 0, NULL, NULL, NULL }
};

static const struct cli_cmd watch_cmd = {
	.name = "watch",
	.synopsis = "watch --log LOG --alerts SRC -o DIR " WATCHCMD_SYNOPSIS,
	.summary = "Answer IDS alerts (Falco JSON, generic JSON) with "
		   "backtracked graphs as they\narrive, on a log being "
		   "written.",
	.opts = watch_opts,
};

static volatile sig_atomic_t stop, report;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		report = 1;
	else
		stop = 1;
}

static int on_opt(void *ctx, int id, const char *val)
{
	struct watchcmd *wc = ctx;
	int r;

	switch (id) {
	case OPT_LOG:
		wc->o.log = val;
		return 0;
	case OPT_ALERTS:
		wc->o.alerts = val;
		return 0;
	case 'o':
		wc->o.dir = val;
		return 0;
	}
	r = watchcmd_opt(wc, &watch_cmd, id, val);
	return r == 1 ? EXIT_USAGE : r;
}

int cmd_watch(int argc, char **argv)
{
	struct watchcmd wc;
	struct bt_watch_ops ops;
	struct bt_watch_summary sum;
	struct sigaction sa;
	int first, r;

	watchcmd_init(&wc, "watch");
	r = cli_parse(&watch_cmd, argc, argv, on_opt, &wc, &first);
	if (r)
		return r < 0 ? EXIT_OK : r;
	if (first < argc)
		return cli_usage_error(&watch_cmd, "unexpected argument '%s'",
				       argv[first]);
	if (!wc.o.log || !wc.o.alerts || !wc.o.dir)
		return cli_usage_error(&watch_cmd, "--log LOG, --alerts SRC "
				       "and -o DIR are required");
	watchcmd_ops(&wc, &ops, true);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	wc.o.stop = &stop;
	wc.o.report = &report;

	r = bt_watch_run(&wc.o, &ops, &sum);
	return watchcmd_finish(&wc, r, &sum);
}
