/*
 * cmd-capture.c - `btrack capture`: drain the kernel module's rings into a
 * log until a signal or a duration ends it.
 *
 * The draining, validation and time merge are capture/drain.c; objects and
 * events are core/ingest.c, which commits after every observation, so a
 * capture killed with SIGKILL leaves a valid log holding everything it had
 * ingested.  SIGINT and SIGTERM stop capture, drain what the rings still
 * hold, write the drop counts as a BT_NOTE_DROPS note and close the log;
 * SIGUSR1 prints the counters.  The user-facing specification is
 * man/btrack-capture.1 (and man/btrack.ko.4 for the module).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../capture/drain.h"
#include "../core/error.h"
#include "../core/ingest.h"
#include "../core/log.h"
#include "../core/timefmt.h"
#include "cli.h"
#include "seal.h"

enum { OPT_FORCE = 256, OPT_DURATION, OPT_SLICE, OPT_PAGES, OPT_DEVICE,
       OPT_SEAL_KEY, OPT_SEAL_EVERY };

static const struct cli_opt opts[] = {
	{ 'o', "output", "LOG", "the log to write (default btrack.btl)" },
	{ OPT_FORCE, "force", NULL, "replace an existing LOG" },
	{ OPT_DURATION, "duration", "S", "stop after S seconds (default: "
	  "at SIGINT or SIGTERM)" },
	{ OPT_SLICE, "slice", "MS", "re-arm shared pages every MS ms" },
	{ OPT_PAGES, "pages", "PATH", "monitor shared mappings only under "
	  "PATH (repeatable; default all)" },
	{ OPT_DEVICE, "device", "DEV", "the device (default /dev/btrack)" },
	{ OPT_SEAL_KEY, "seal-key", "STATE",
	  "seal the log with this sealing state when it closes" },
	{ OPT_SEAL_EVERY, "seal-every", "DURATION",
	  "with --seal-key: also seal every DURATION (90s, 15m, 1h)" },
	{ 0, NULL, NULL, NULL }
};

static const struct cli_cmd cmd = {
	"capture",
	"capture [-o LOG] [--force] [--duration S] [--slice MS] "
	"[--pages PATH]... [--device DEV] "
	"[--seal-key STATE [--seal-every DURATION]]",
	"Drain the btrack kernel module's rings into a new log until "
	"SIGINT/SIGTERM or the duration.",
	opts
};

#define MAX_PAGES BT_MAX_PREFIXES

struct args {
	const char *out, *device;
	bool force;
	uint64_t duration_ns, slice_ns;
	const char *pages[MAX_PAGES];
	size_t npages;
	struct cli_seal seal;
};

static int opt(void *ctx, int id, const char *val)
{
	struct args *a = ctx;
	uint64_t v;
	char *end;
	double s;
	int r;

	switch (id) {
	case 'o':
		a->out = val;
		return 0;
	case OPT_FORCE:
		a->force = true;
		return 0;
	case OPT_DURATION:
		errno = 0;
		s = strtod(val, &end);
		if (errno || end == val || *end || !(s > 0) || s > 1e9)
			return cli_usage_error(&cmd, "--duration '%s': not a "
					       "positive number of seconds",
					       val);
		a->duration_ns = (uint64_t)(s * 1e9);
		return 0;
	case OPT_SLICE:
		r = cli_u64(&cmd, "--slice", val, &v);
		if (r)
			return r;
		if (v < 1 || v > 10000)
			return cli_usage_error(&cmd, "--slice %s: must be 1 to "
					       "10000 ms", val);
		a->slice_ns = v * 1000000;
		return 0;
	case OPT_PAGES:
		if (val[0] != '/' || strlen(val) >= BT_PREFIX_MAX)
			return cli_usage_error(&cmd, "--pages '%s': must be an "
					       "absolute path under %d bytes",
					       val, BT_PREFIX_MAX);
		if (a->npages == MAX_PAGES)
			return cli_usage_error(&cmd, "at most %d --pages",
					       MAX_PAGES);
		a->pages[a->npages++] = val;
		return 0;
	case OPT_DEVICE:
		a->device = val;
		return 0;
	case OPT_SEAL_KEY:
		a->seal.state = val;
		return 0;
	case OPT_SEAL_EVERY:
		return cli_seal_every(&cmd, &a->seal, val);
	}
	return EXIT_USAGE;
}

static volatile sig_atomic_t stop_flag, report_flag;

static void on_stop(int sig)
{
	stop_flag = 1;
}

static void on_report(int sig)
{
	report_flag = 1;
}

struct sink {
	struct bt_ingest *ing;
	struct bt_obs_sink log; /* bt_ingest_sink(ing) */
	uint64_t invalid;       /* observations ingest refused */
};

/* The drainer's sink: the log's, counting the observations ingest refuses
 * as meaningless instead of stopping. */
static int emit(void *ctx, const struct bt_obs *o)
{
	struct sink *s = ctx;
	int r = s->log.add(s->log.arg, o);

	if (r == BT_EINVAL) {   /* meaningless: count it, keep going */
		s->invalid++;
		return 0;
	}
	return r;
}

static void report(struct bt_drain *d, const struct sink *s, FILE *f)
{
	struct bt_drain_stats st;
	struct bt_ingest_stats is;
	char drops[1024];

	bt_drain_stats(d, &st);
	bt_ingest_stats(s->ing, &is);
	bt_drain_format_drops(drops, sizeof(drops), &st);
	fprintf(f, "btrack capture: %llu records drained (%llu written by "
		"the module, %llu page faults), %llu events logged, %llu "
		"invalid; drops: %s\n",
		(unsigned long long)st.records,
		(unsigned long long)st.kernel_events,
		(unsigned long long)st.faults,
		(unsigned long long)is.events,
		(unsigned long long)s->invalid, drops);
}

static void nap(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000),
			       (long)(ns % 1000000000) };

	nanosleep(&ts, NULL);  /* a signal ends it early: fine */
}

int cmd_capture(int argc, char **argv)
{
	struct args a = { .out = "btrack.btl" };
	struct bt_drain *d = NULL;
	struct bt_log_writer *w = NULL;
	struct sink s = { 0 };
	struct bt_obs_sink sink = { emit, &s };
	struct bt_drain_stats st;
	struct sigaction sa;
	uint64_t start, idle_ns = 1000000, deadline = 0;
	char text[1024];
	int first, r, err, rc = EXIT_ERROR;
	size_t n;

	r = cli_parse(&cmd, argc, argv, opt, &a, &first);
	if (r)
		return r < 0 ? 0 : r;
	if (first < argc)
		return cli_usage_error(&cmd, "unexpected argument '%s'",
				       argv[first]);
	if ((r = cli_seal_check(&cmd, &a.seal)))
		return r;

	err = bt_drain_open(&d, a.device);
	if (err)
		return cli_fail(err);
	err = bt_log_writer_open(&w, a.out, BT_LOGW_CREATE |
				 (a.force ? BT_LOGW_TRUNC : 0));
	if (err)
		goto fail;
	if ((r = cli_seal_start(&a.seal, w, a.out))) {
		rc = r;
		goto out;
	}
	err = bt_ingest_new(&s.ing, w);
	if (err)
		goto fail;
	s.log = bt_ingest_sink(s.ing);
	start = bt_time_now();
	n = (size_t)snprintf(text, sizeof(text), "capture %s",
			     a.device ? a.device : BT_DEV_PATH);
	err = bt_log_append_note(w, BT_NOTE_SOURCE, start, text, n);
	if (err)
		goto fail;
	bt_log_writer_commit(w);

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;     /* no SA_RESTART: the nap ends */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_report;
	sigaction(SIGUSR1, &sa, NULL);

	err = bt_drain_start(d, a.slice_ns, a.pages, a.npages);
	if (err)
		goto fail;
	if (a.duration_ns)
		deadline = bt_time_now() + a.duration_ns;
	fprintf(stderr, "btrack capture: capturing into '%s'\n", a.out);
	while (!stop_flag) {
		uint64_t now = bt_time_now();

		if (deadline && now >= deadline)
			break;
		err = bt_drain_poll_sink(d, now, false, 65536, &sink, &n);
		if (err)
			goto fail;
		if (report_flag) {
			report_flag = 0;
			report(d, &s, stderr);
		}
		cli_seal_tick(&a.seal, w);
		if (n >= 65536)
			continue;
		/* Sleep longer while the rings stay empty, up to 50 ms. */
		idle_ns = n ? 1000000 : idle_ns * 2;
		if (idle_ns > 50000000)
			idle_ns = 50000000;
		nap(idle_ns);
	}
	/* After STOP returns no probe writes any more: drain the rest. */
	err = bt_drain_stop(d);
	if (err)
		goto fail;
	do {
		err = bt_drain_poll_sink(d, bt_time_now(), true, 0, &sink,
					 &n);
		if (err)
			goto fail;
	} while (n);
	bt_drain_stats(d, &st);
	n = bt_drain_format_drops(text, sizeof(text), &st);
	if (n >= sizeof(text))
		n = sizeof(text) - 1;
	err = bt_log_append_note(w, BT_NOTE_DROPS, bt_time_now(), text, n);
	if (err)
		goto fail;
	report(d, &s, stderr);
	r = cli_seal_finish(&a.seal, w);
	err = bt_log_writer_close(w);
	w = NULL;
	if (err)
		goto fail;
	rc = r;
	goto out;
fail:
	rc = cli_fail(err);
out:
	if (w)   /* an error: still seal what was written as it closes */
		cli_seal_finish(&a.seal, w);
	cli_seal_release(&a.seal);
	bt_ingest_free(s.ing);
	bt_log_writer_close(w);
	bt_drain_close(d);
	return rc;
}
