/*
 * cmd-capture.c - `btrack capture`: drain the kernel module's rings, or
 * the eBPF source's ring buffer, into a log until a signal or a duration
 * ends it.
 *
 * The sources are capture/drain.c (the module: draining, validation and
 * time merge) and capture/ebpf/loader.c (eBPF: the same raw records,
 * decoded by the same code, scoped in the kernel); objects and
 * events are core/ingest.c, which commits after every observation, so a
 * capture killed with SIGKILL leaves a valid log holding everything it had
 * ingested.  SIGINT and SIGTERM stop capture, drain what the rings still
 * hold, write the drop counts as a BT_NOTE_DROPS note and close the log;
 * SIGUSR1 prints the counters.  The user-facing specification is
 * man/btrack-capture.1 (and man/btrack.ko.4 for the module).
 *
 * --watch DIR --alerts SRC runs the watch engine (live/watch.c, the same
 * bt_watch_run() as `btrack watch`, options and output from watchcmd.c)
 * on a thread of its own, on the log this capture writes (it follows the
 * temporary file, then NAME).  At the end of the capture the log is
 * closed first, then the watcher reads the alerts its source has ready,
 * answers every queued alert on the final log, and stops.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/stat.h>
#include <unistd.h>

#include "../capture/drain.h"
#include "../capture/ebpf/loader.h"
#include "../core/error.h"
#include "../core/ingest.h"
#include "../core/log.h"
#include "../core/timefmt.h"
#include "cli.h"
#include "seal.h"
#include "watchcmd.h"

enum { OPT_FORCE = 256, OPT_DURATION, OPT_SLICE, OPT_PAGES, OPT_DEVICE,
       OPT_SEAL_KEY, OPT_SEAL_EVERY };
enum { OPT_SOURCE = 320, OPT_PID, OPT_CGROUP, OPT_RING, OPT_NO_PAGES };
enum { OPT_WATCH = 340, OPT_ALERTS };

static const struct cli_opt opts[] = {
	{ OPT_SOURCE, "source", "SRC", "kmod, ebpf or auto (default: the "
	  "module when /dev/btrack exists, else eBPF)" },
	{ OPT_PID, "pid", "PID", "eBPF: capture only PID and its "
	  "descendants" },
	{ OPT_CGROUP, "cgroup", "DIR", "eBPF: capture only the cgroup (v2) "
	  "DIR and its descendants" },
	{ OPT_RING, "ring-mb", "MB", "eBPF: ring buffer size (a power of two, "
	  "default 64)" },
	{ OPT_NO_PAGES, "no-pages", NULL, "eBPF: do not record page faults "
	  "on shared file mappings" },
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
	{ OPT_WATCH, "watch", "DIR", "answer the alerts of --alerts on the "
	  "log as it is written: results into DIR (as btrack watch)" },
	{ OPT_ALERTS, "alerts", "SRC", "with --watch: a file (followed), a "
	  "FIFO, - (stdin) or unix:PATH (a socket)" },
	WATCHCMD_OPTS,
	{ 0, NULL, NULL, NULL }
};

static const struct cli_cmd cmd = {
	"capture",
	"capture [-o LOG] [--force] [--duration S] [--source SRC] "
	"[--pid PID] [--cgroup DIR] [--ring-mb MB] [--no-pages] [--slice MS] "
	"[--pages PATH]... [--device DEV] "
	"[--seal-key STATE [--seal-every DURATION]] "
	"[--watch DIR --alerts SRC " WATCHCMD_SYNOPSIS "]",
	"Capture system activity (the btrack module or eBPF) into a new log "
	"until SIGINT/SIGTERM or the duration.",
	opts
};

#define MAX_PAGES BT_MAX_PREFIXES

enum source { SRC_AUTO, SRC_KMOD, SRC_EBPF };

struct args {
	const char *out, *device;
	enum source source;
	struct bt_ebpf_opts ebpf;
	bool kmod_only;         /* an option only the module has was given */
	bool force;
	uint64_t duration_ns, slice_ns;
	const char *pages[MAX_PAGES];
	size_t npages;
	struct cli_seal seal;
	struct watchcmd wc;     /* --watch: wc.o.dir set */
	const char *watch_opt;  /* a watch option given (for the check) */
};

static int opt(void *ctx, int id, const char *val)
{
	struct args *a = ctx;
	uint64_t v;
	char *end;
	double s;
	int r;

	switch (id) {
	case OPT_SOURCE:
		if (!strcmp(val, "kmod"))
			a->source = SRC_KMOD;
		else if (!strcmp(val, "ebpf"))
			a->source = SRC_EBPF;
		else if (!strcmp(val, "auto"))
			a->source = SRC_AUTO;
		else
			return cli_usage_error(&cmd, "--source '%s': must be "
					       "kmod, ebpf or auto", val);
		return 0;
	case OPT_PID:
		r = cli_u64(&cmd, "--pid", val, &v);
		if (r)
			return r;
		if (!v || v > INT32_MAX)
			return cli_usage_error(&cmd, "--pid %s: not a pid",
					       val);
		a->ebpf.pid = (uint32_t)v;
		return 0;
	case OPT_CGROUP:
		a->ebpf.cgroup = val;
		return 0;
	case OPT_RING:
		r = cli_u64(&cmd, "--ring-mb", val, &v);
		if (r)
			return r;
		if (!v || v > 2048 || (v & (v - 1)))
			return cli_usage_error(&cmd, "--ring-mb %s: must be a "
					       "power of two, 1 to 2048", val);
		a->ebpf.ring_bytes = v << 20;
		return 0;
	case OPT_NO_PAGES:
		a->ebpf.no_pages = true;
		return 0;
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
		a->kmod_only = true;
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
		a->kmod_only = true;
		return 0;
	case OPT_DEVICE:
		a->device = val;
		a->kmod_only = true;
		return 0;
	case OPT_SEAL_KEY:
		a->seal.state = val;
		return 0;
	case OPT_SEAL_EVERY:
		return cli_seal_every(&cmd, &a->seal, val);
	case OPT_WATCH:
		a->wc.o.dir = val;
		return 0;
	case OPT_ALERTS:
		a->wc.o.alerts = val;
		return 0;
	}
	r = watchcmd_opt(&a->wc, &cmd, id, val);
	if (r == 0 && !a->watch_opt) {
		const struct cli_opt *o;

		for (o = opts; o->lname && o->id != id; o++)
			;
		a->watch_opt = o->lname;
	}
	return r == 1 ? EXIT_USAGE : r;
}

static volatile sig_atomic_t stop_flag, report_flag;
static volatile sig_atomic_t watch_finish, watch_report;

/* --watch: the watch engine on a thread of its own. */
struct watcher {
	struct watchcmd *wc;
	struct bt_watch_ops ops;
	struct bt_watch_summary sum;
	pthread_t th;
	bool started;
	int r;                  /* bt_watch_run()'s */
	char msg[1024];         /* its message (error messages are per
	                           thread) */
};

static void *watch_main(void *arg)
{
	struct watcher *wt = arg;

	wt->r = bt_watch_run(&wt->wc->o, &wt->ops, &wt->sum);
	if (wt->r) {
		snprintf(wt->msg, sizeof(wt->msg), "%s", bt_error_msg());
		/* Now, not at the end: the capture goes on without it. */
		cli_warn("the watcher stopped: %s", wt->msg);
	}
	return NULL;
}

/* Start the watcher on the log being written.  The capture's signals
 * are blocked on its threads: they stop or report the capture, whose
 * loop tells the watcher. */
static int watch_start(struct watcher *wt, struct watchcmd *wc)
{
	sigset_t set, old;
	int e;

	wt->wc = wc;
	watchcmd_ops(wc, &wt->ops, false);
	wc->o.finish = &watch_finish;
	wc->o.report = &watch_report;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	e = pthread_create(&wt->th, NULL, watch_main, wt);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		errno = e;
		return bt_error_set_os(BT_EIO, "cannot start the watcher");
	}
	wt->started = true;
	return 0;
}

/* The capture is over and its log closed: the watcher reads what its
 * source has ready, answers every queued alert on the final log, and
 * stops.  Its exit code (alerts that failed are in the results, not a
 * failure of the capture). */
static int watch_end(struct watcher *wt)
{
	struct bt_watch_summary sum;

	if (!wt->started)
		return EXIT_OK;
	watch_finish = 1;
	pthread_join(wt->th, NULL);
	wt->started = false;
	sum = wt->sum;
	sum.source_ended = false;
	if (wt->r)
		bt_error_set(wt->r, "%s", wt->msg);
	return watchcmd_finish(wt->wc, wt->r, &sum);
}

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

/* The source: the module's rings (d) or the eBPF ring (e). */
struct src {
	struct bt_drain *d;
	struct bt_ebpf *e;
};

static void src_stats(const struct src *src, struct bt_drain_stats *st)
{
	if (src->e)
		bt_ebpf_stats(src->e, st);
	else
		bt_drain_stats(src->d, st);
}

/* Drain what is ready (all: everything, at the end); *n gets the count. */
static int src_poll(struct src *src, bool all, const struct bt_obs_sink *sink,
		    size_t *n)
{
	if (src->e)
		return bt_ebpf_poll_sink(src->e, 0, sink, n);
	return bt_drain_poll_sink(src->d, bt_time_now(), all, all ? 0 : 65536,
				  sink, n);
}

static int src_stop(struct src *src)
{
	return src->e ? bt_ebpf_stop(src->e) : bt_drain_stop(src->d);
}

static void src_close(struct src *src)
{
	bt_ebpf_close(src->e);
	bt_drain_close(src->d);
}

/* Open the source the options ask for; its name for the source note. */
static int src_open(struct src *src, struct args *a, const char **name)
{
	struct stat st;
	enum source s = a->source;
	int err;
	bool scoped = a->ebpf.pid || a->ebpf.cgroup;

	if (s == SRC_AUTO)
		s = a->kmod_only || (!scoped && (!bt_ebpf_built() ||
			!stat(a->device ? a->device : BT_DEV_PATH, &st))) ?
		    SRC_KMOD : SRC_EBPF;
	if (s == SRC_KMOD && scoped)
		return cli_usage_error(&cmd, "--pid and --cgroup need the "
				       "eBPF source (--source ebpf)");
	if (s == SRC_EBPF && a->kmod_only)
		return cli_usage_error(&cmd, "--slice, --pages and --device "
				       "are options of the module source "
				       "(--source kmod)");
	if (a->source == SRC_AUTO)
		fprintf(stderr, "btrack capture: source %s\n",
			s == SRC_KMOD ? "kmod" : "ebpf");
	if (s == SRC_KMOD) {
		*name = a->device ? a->device : BT_DEV_PATH;
		err = bt_drain_open(&src->d, a->device);
	} else {
		*name = "ebpf";
		err = bt_ebpf_open(&src->e, &a->ebpf);
	}
	return err ? cli_fail(err) : 0;
}

static void report(struct src *src, const struct sink *s, FILE *f)
{
	struct bt_drain_stats st;
	struct bt_ingest_stats is;
	char drops[1024];

	src_stats(src, &st);
	bt_ingest_stats(s->ing, &is);
	bt_drain_format_drops(drops, sizeof(drops), &st);
	fprintf(f, "btrack capture: %llu records drained (%llu written by "
		"the %s, %llu page faults), %llu events logged, %llu "
		"invalid; drops: %s\n",
		(unsigned long long)st.records,
		(unsigned long long)st.kernel_events,
		src->e ? "eBPF programs" : "module",
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
	struct watcher wt = { 0 };
	struct src src = { NULL, NULL };
	const char *name = "";
	struct bt_log_writer *w = NULL;
	struct sink s = { 0 };
	struct bt_obs_sink sink = { emit, &s };
	struct bt_drain_stats st;
	struct sigaction sa;
	uint64_t start, idle_ns = 1000000, deadline = 0;
	char text[1024];
	int first, r, err, rc = EXIT_ERROR;
	size_t n;

	watchcmd_init(&a.wc, "capture");
	r = cli_parse(&cmd, argc, argv, opt, &a, &first);
	if (r)
		return r < 0 ? 0 : r;
	if (first < argc)
		return cli_usage_error(&cmd, "unexpected argument '%s'",
				       argv[first]);
	if ((r = cli_seal_check(&cmd, &a.seal)))
		return r;
	if (!a.wc.o.dir != !a.wc.o.alerts)
		return cli_usage_error(&cmd, "--watch DIR and --alerts SRC go "
				       "together");
	if (!a.wc.o.dir && a.watch_opt)
		return cli_usage_error(&cmd, "--%s is an option of --watch",
				       a.watch_opt);
	if (a.wc.o.dir) {
		struct stat lst;

		/* The watcher follows NAME once it exists: it would answer
		 * on the log being replaced, not on this capture's. */
		if (!lstat(a.out, &lst)) {
			cli_error("'%s' exists: with --watch, remove it first "
				  "(the watcher would read it)", a.out);
			return EXIT_ERROR;
		}
		a.wc.o.log = a.out;
	}

	r = src_open(&src, &a, &name);
	if (r)
		return r;
	err = bt_log_writer_open(&w, a.out, BT_LOGW_CREATE |
				 (a.force ? BT_LOGW_TRUNC : 0));
	if (err)
		goto fail;
	if (bt_log_writer_warning(w))
		cli_warn("%s", bt_log_writer_warning(w));
	if ((r = cli_seal_start(&a.seal, w, a.out))) {
		rc = r;
		goto out;
	}
	err = bt_ingest_new(&s.ing, w);
	if (err)
		goto fail;
	s.log = bt_ingest_sink(s.ing);
	start = bt_time_now();
	n = (size_t)snprintf(text, sizeof(text), "capture %s", name);
	err = bt_log_append_note(w, BT_NOTE_SOURCE, start, text, n);
	if (err)
		goto fail;
	bt_log_writer_commit(w);
	if (a.wc.o.dir && (err = watch_start(&wt, &a.wc)))
		goto fail;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;     /* no SA_RESTART: the nap ends */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_report;
	sigaction(SIGUSR1, &sa, NULL);

	if (src.d && (err = bt_drain_start(src.d, a.slice_ns, a.pages,
					   a.npages)))
		goto fail;
	if (a.duration_ns)
		deadline = bt_time_now() + a.duration_ns;
	fprintf(stderr, "btrack capture: capturing into '%s'\n", a.out);
	while (!stop_flag) {
		uint64_t now = bt_time_now();

		if (deadline && now >= deadline)
			break;
		err = src_poll(&src, false, &sink, &n);
		if (err)
			goto fail;
		if (report_flag) {
			report_flag = 0;
			report(&src, &s, stderr);
			watch_report = 1;
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
	err = src_stop(&src);
	if (err)
		goto fail;
	do {
		err = src_poll(&src, true, &sink, &n);
		if (err)
			goto fail;
	} while (n);
	src_stats(&src, &st);
	n = bt_drain_format_drops(text, sizeof(text), &st);
	if (n >= sizeof(text))
		n = sizeof(text) - 1;
	err = bt_log_append_note(w, BT_NOTE_DROPS, bt_time_now(), text, n);
	if (err)
		goto fail;
	report(&src, &s, stderr);
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
	src_close(&src);
	/* The log is closed (renamed to NAME): the last alerts are
	 * answered on all of it. */
	r = watch_end(&wt);
	return rc ? rc : r;
}
