/*
 * cmd-record.c - `btrack record`: run a command under the ptrace + seccomp
 * recorder (capture/recorder.c), or with the eBPF source scoped to its
 * process tree (capture/ebpfrec.c), and write its activity into a log.
 *
 * The log is written in place, not through a temporary file: the point is
 * that a recorder killed at any instant (or Ctrl-C) leaves the events it
 * committed in LOG.  This file parses options, chooses the source
 * (--source), finds the page monitor library, opens the log, turns
 * SIGINT/SIGTERM/SIGHUP into bt_record_interrupt() or
 * bt_ebpfrec_interrupt(), prints the summary and exits with the command's
 * status (the same summary and status whatever the source).  The
 * user-facing specification is man/btrack-record.1.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../capture/ebpfrec.h"
#include "../capture/recorder.h"
#include "../core/error.h"
#include "../core/log.h"
#include "cli.h"
#include "seal.h"

#ifndef BTRACK_LIBDIR
#define BTRACK_LIBDIR "/usr/local/lib"
#endif
#define PRELOAD_NAME "libbtrack-pages.so"

enum { OPT_SLICE = 256, OPT_NO_PAGES, OPT_APPEND, OPT_FORCE, OPT_SEAL_KEY,
       OPT_SEAL_EVERY, OPT_SOURCE, OPT_RING };

static const struct cli_opt opts[] = {
	{ 'o', "output", "LOG", "the log to write (default btrack.btl)" },
	{ OPT_SOURCE, "source", "SRC", "ptrace, ebpf or auto (default "
	  "ptrace; auto: ebpf when root with BTF, else ptrace)" },
	{ OPT_SLICE, "slice", "MS",
	  "ptrace: page re-arm period in milliseconds (default 4)" },
	{ OPT_RING, "ring-mb", "MB", "ebpf: ring buffer size (a power of "
	  "two, default 64)" },
	{ OPT_NO_PAGES, "no-pages", NULL,
	  "no page events: shared mappings at object level" },
	{ OPT_APPEND, "append", NULL, "append to an existing LOG" },
	{ OPT_FORCE, "force", NULL, "replace an existing LOG" },
	{ OPT_SEAL_KEY, "seal-key", "STATE",
	  "seal the log with this sealing state when it closes" },
	{ OPT_SEAL_EVERY, "seal-every", "DURATION",
	  "with --seal-key: also seal every DURATION (90s, 15m, 1h)" },
	{ 0, NULL, NULL, NULL }
};

static const struct cli_cmd cmd = {
	"record",
	"record [-o LOG] [--source SRC] [--slice MS] [--ring-mb MB] "
	"[--no-pages] [--append] [--force] "
	"[--seal-key STATE [--seal-every DURATION]] -- CMD [ARGS...]",
	"Run CMD and record what it and its descendants do to files, "
	"filenames, shared mappings (down to the page) and sockets.",
	opts
};

enum source { SRC_PTRACE, SRC_EBPF, SRC_AUTO };

/* The source without --source.  ptrace: it needs no privilege and sees
 * every access to a shared page; btrack-record(1) says why eBPF is not
 * the default. */
#define SRC_DEFAULT SRC_PTRACE

struct args {
	const char *out;
	enum source source;
	uint64_t slice_ms, ring_bytes;
	bool slice_set, no_pages, append, force;
	struct cli_seal seal;
	struct bt_log_writer *w;   /* for the seal tick */
};

static int opt(void *ctx, int id, const char *val)
{
	struct args *a = ctx;
	uint64_t v;

	switch (id) {
	case 'o':
		a->out = val;
		return 0;
	case OPT_SOURCE:
		if (!strcmp(val, "ptrace"))
			a->source = SRC_PTRACE;
		else if (!strcmp(val, "ebpf"))
			a->source = SRC_EBPF;
		else if (!strcmp(val, "auto"))
			a->source = SRC_AUTO;
		else
			return cli_usage_error(&cmd, "--source '%s': must be "
					       "ptrace, ebpf or auto", val);
		return 0;
	case OPT_RING:
		if (cli_u64(&cmd, "--ring-mb", val, &v))
			return EXIT_USAGE;
		if (!v || v > 2048 || (v & (v - 1)))
			return cli_usage_error(&cmd, "--ring-mb %s: must be a "
					       "power of two, 1 to 2048", val);
		a->ring_bytes = v << 20;
		return 0;
	case OPT_SLICE:
		if (cli_u64(&cmd, "--slice", val, &a->slice_ms))
			return EXIT_USAGE;
		if (a->slice_ms == 0 || a->slice_ms > 60000)
			return cli_usage_error(&cmd, "option '--slice' wants "
					       "1 to 60000 ms, not '%s'", val);
		a->slice_set = true;
		return 0;
	case OPT_NO_PAGES:
		a->no_pages = true;
		return 0;
	case OPT_APPEND:
		a->append = true;
		return 0;
	case OPT_FORCE:
		a->force = true;
		return 0;
	case OPT_SEAL_KEY:
		a->seal.state = val;
		return 0;
	case OPT_SEAL_EVERY:
		return cli_seal_every(&cmd, &a->seal, val);
	}
	return EXIT_USAGE;
}

/* The page monitor: $BTRACK_PRELOAD, else beside the binary (a build tree:
 * DIR/build/ or DIR/), else the installed one.  NULL if none exists. */
static const char *find_preload(char *buf, size_t n)
{
	const char *env = getenv("BTRACK_PRELOAD");
	char exe[PATH_MAX], *slash;
	ssize_t k;

	if (env && *env)
		return access(env, R_OK) == 0 ? env : NULL;
	k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (k > 0) {
		exe[k] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			if ((size_t)snprintf(buf, n, "%s/build/%s", exe,
					     PRELOAD_NAME) < n &&
			    access(buf, R_OK) == 0)
				return buf;
			if ((size_t)snprintf(buf, n, "%s/%s", exe,
					     PRELOAD_NAME) < n &&
			    access(buf, R_OK) == 0)
				return buf;
		}
	}
	snprintf(buf, n, "%s/btrack/%s", BTRACK_LIBDIR, PRELOAD_NAME);
	return access(buf, R_OK) == 0 ? buf : NULL;
}

static void seal_tick(void *arg)
{
	struct args *a = arg;

	cli_seal_tick(&a->seal, a->w);
}

static bool use_ebpf;   /* for the signal handler */

/* A terminal's Ctrl-C (si_code SI_KERNEL) reached the command too: do not
 * send it a second one. */
static void on_signal(int sig, siginfo_t *si, void *ctx)
{
	bool forward = !si || si->si_code != SI_KERNEL;

	(void)ctx;
	if (use_ebpf)
		bt_ebpfrec_interrupt(sig, forward);
	else
		bt_record_interrupt(sig, forward);
}

/*
 * Choose the source and, for eBPF, load the programs (*x), before the log
 * is opened: an explicit --source ebpf that cannot work is an error,
 * auto falls back to ptrace and says so.  0 or an exit code.
 */
static int choose(struct args *a, struct bt_ebpfrec **x, char *const *argv)
{
	struct bt_ebpfrec_opts eo;
	char why[256];
	int r;

	*x = NULL;
	if (a->source == SRC_PTRACE) {
		if (a->ring_bytes)
			return cli_usage_error(&cmd, "--ring-mb is an option "
					       "of the eBPF source (--source "
					       "ebpf)");
		return 0;
	}
	if (a->slice_set) {
		if (a->source == SRC_EBPF)
			return cli_usage_error(&cmd, "--slice is an option of "
					       "the ptrace source's page "
					       "monitor; the eBPF source "
					       "sees page faults, not time "
					       "slices");
		fprintf(stderr, "btrack record: source ptrace (--slice)\n");
		return 0;
	}
	if (!bt_ebpfrec_usable(why, sizeof(why))) {
		if (a->source == SRC_EBPF) {
			cli_error("--source ebpf: %s", why);
			return EXIT_ERROR;
		}
		fprintf(stderr, "btrack record: source ptrace (%s)\n", why);
		return 0;
	}
	memset(&eo, 0, sizeof(eo));
	eo.argv = argv;
	eo.pages = !a->no_pages;
	eo.ring_bytes = a->ring_bytes;
	if (a->seal.every_ns) {
		eo.tick = seal_tick;
		eo.tick_arg = a;
	}
	r = bt_ebpfrec_open(x, &eo);
	if (r) {
		if (a->source == SRC_EBPF)
			return cli_fail(r);
		fprintf(stderr, "btrack record: source ptrace (the eBPF "
			"programs did not load: %s)\n", bt_error_msg());
		return 0;
	}
	if (a->source == SRC_AUTO)
		fprintf(stderr, "btrack record: source ebpf\n");
	return 0;
}

int cmd_record(int argc, char **argv)
{
	struct args a = { .out = "btrack.btl", .source = SRC_DEFAULT };
	struct bt_ebpfrec *x = NULL;
	struct bt_record_opts ro;
	struct bt_record_stats st;
	struct bt_log_writer *w = NULL;
	struct sigaction sa, old[3];
	static const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };
	char preload[PATH_MAX];
	unsigned flags;
	int first, r, i, rc;

	r = cli_parse(&cmd, argc, argv, opt, &a, &first);
	if (r)
		return r < 0 ? EXIT_OK : r;
	if (first >= argc)
		return cli_usage_error(&cmd, "no command to record");
	if ((r = cli_seal_check(&cmd, &a.seal)))
		return r;
	if (a.append && a.force)
		return cli_usage_error(&cmd, "--append and --force exclude "
				       "each other");
	if (!a.append && !a.force && faccessat(AT_FDCWD, a.out, F_OK,
					       AT_SYMLINK_NOFOLLOW) == 0) {
		cli_error("'%s' already exists; use --force to replace it or "
			  "--append to add to it", a.out);
		return EXIT_ERROR;
	}
	if ((r = choose(&a, &x, argv + first)))
		return r;
	use_ebpf = x != NULL;

	memset(&ro, 0, sizeof(ro));
	ro.argv = argv + first;
	ro.slice_ns = a.slice_set ? a.slice_ms * 1000000ULL : 0;
	ro.pages = !a.no_pages;
	if (ro.pages && !x) {
		ro.preload = find_preload(preload, sizeof(preload));
		if (!ro.preload) {
			cli_warn("page monitor %s not found (set "
				 "BTRACK_PRELOAD); recording shared mappings "
				 "at object level", PRELOAD_NAME);
			ro.pages = false;
		}
	}

	flags = a.append ? BT_LOGW_APPEND : BT_LOGW_CREATE |
		(a.force ? BT_LOGW_TRUNC : 0);
	if ((r = bt_log_writer_open(&w, a.out, flags))) {
		bt_ebpfrec_close(x);
		return cli_fail(r);
	}
	if (bt_log_writer_warning(w))
		cli_warn("%s", bt_log_writer_warning(w));
	if (!ro.pages)
		bt_log_writer_set_flags(w, BT_LOGF_OBJ_LEVEL);
	if ((r = cli_seal_start(&a.seal, w, a.out))) {
		bt_log_writer_close(w);
		bt_ebpfrec_close(x);
		return r;
	}
	a.w = w;
	if (a.seal.every_ns) {
		ro.tick = seal_tick;
		ro.tick_arg = &a;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;  /* no SA_RESTART: the wait returns */
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	if (x) {
		/* pages: the programs' page faults (never the monitor) */
		r = bt_ebpfrec_run(x, w, &st);
	} else {
		r = bt_record_run(w, &ro, &st);
	}
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	bt_ebpfrec_close(x);

	if (r && !st.ran) {
		/* the command never started: 127 not found, 126 not run */
		cli_error("%s", bt_error_msg());
		cli_seal_finish(&a.seal, w);
		bt_log_writer_close(w);
		return st.status > 0 ? st.status : EXIT_ERROR;
	}
	rc = st.status < 0 ? EXIT_ERROR : st.status;
	if (r) {
		cli_error("%s", bt_error_msg());
		rc = EXIT_ERROR;
	}
	if (st.warning[0])
		cli_warn("%s", st.warning);
	if (st.io_uring && st.io_uring_procs)
		cli_warn("%llu process(es) used io_uring or Linux AIO (%llu "
			 "calls): their I/O is not recorded",
			 (unsigned long long)st.io_uring_procs,
			 (unsigned long long)st.io_uring);
	else if (st.io_uring)  /* (the eBPF source counts calls only) */
		cli_warn("io_uring or Linux AIO used (%llu calls): Linux AIO, "
			 "and io_uring operations but read, write, send, "
			 "receive, open, accept and connect, are not "
			 "recorded", (unsigned long long)st.io_uring);
	if (st.unconfirmed)
		cli_warn("%llu unlink(s) or rename(s) could not be confirmed "
			 "after the call (notes in the log)",
			 (unsigned long long)st.unconfirmed);
	if (st.compat)
		cli_warn("%llu process(es) made 32-bit or x32 system calls "
			 "(%llu calls): their I/O is not recorded",
			 (unsigned long long)st.compat_procs,
			 (unsigned long long)st.compat);
	if (st.static_bins)
		cli_warn("%llu static program(s): shared mappings recorded "
			 "at object level",
			 (unsigned long long)st.static_bins);
	if (st.page_rejected)
		cli_warn("%llu page records refused (%llu of pids not "
			 "traced, %llu dated outside the recording or their "
			 "process, %llu of files not mapped, %llu malformed): "
			 "the traced program wrote into its page ring",
			 (unsigned long long)st.page_rejected,
			 (unsigned long long)st.page_bad_pid,
			 (unsigned long long)st.page_bad_time,
			 (unsigned long long)st.page_bad_file,
			 (unsigned long long)st.page_malformed);
	if (st.ring_repaired)
		cli_warn("the page ring's header was rewritten by the traced "
			 "program (repaired %llu times)",
			 (unsigned long long)st.ring_repaired);
	if (st.ring_full_claimed)
		cli_warn("the traced program claims %llu page events were "
			 "lost to a full ring (its own count, not verified)",
			 (unsigned long long)st.ring_full_claimed);
	if (cli_seal_finish(&a.seal, w))
		rc = EXIT_ERROR;
	if ((r = bt_log_writer_close(w))) {
		cli_error("%s", bt_error_msg());
		rc = EXIT_ERROR;
	}
	fprintf(stderr, "btrack: recorded %llu events (%llu processes, "
		"%llu files, %llu pages, %llu drops)%s into %s\n",
		(unsigned long long)st.events,
		(unsigned long long)st.processes,
		(unsigned long long)st.files,
		(unsigned long long)st.pages,
		(unsigned long long)st.drops,
		st.interrupted ? " (interrupted)" : "", a.out);
	return rc;
}
