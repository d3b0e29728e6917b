/*
 * cmd-gen.c - `btrack gen`: write a synthetic log (capture/gen.h) for
 * benchmarks and tests at scale.
 *
 * The log is written beside LOG under a temporary name and renamed over it
 * only when generation succeeded, so a failed run leaves no half log and
 * --force never destroys the old log for nothing.  --jsonl turns that
 * temporary log into JSONL observations (bt_gen_jsonl()) before the
 * rename: the input `btrack import` reads, at any scale.  The summary, the
 * planted detection point and its entry point go to stderr (stdout stays
 * empty, as for `btrack import`); man/btrack-gen.1 documents their form,
 * which scripts may parse:
 *
 *   btrack: generated N events, M objects into 'LOG' in S s (R M events/s, B bytes/event)
 *   detection point: file:/var/tmp/.x/loot
 *   entry point: endpoint:203.0.113.66:4444
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../capture/gen.h"
#include "../core/error.h"
#include "../core/log.h"
#include "cli.h"

enum { OPT_START = 256, OPT_JSONL, OPT_SEND_TO, OPT_RECV_FROM };

static const struct cli_opt gen_opts[] = {
	{ 'n', "events", "N", "about N events (suffixes k, M, G: 10^3, 10^6, 10^9)" },
	{ 's', "seed", "S", "random seed (default 1): same seed, same log" },
	{ OPT_START, "start", "TIME", "time of the first event (RFC 3339 or epoch s)" },
	{ OPT_SEND_TO, "send-to", "REMOTE,LOCAL", "the detection file's writer sends it to REMOTE from LOCAL" },
	{ OPT_RECV_FROM, "recv-from", "REMOTE,LOCAL", "the attack enters from REMOTE, accepted on LOCAL" },
	{ 'f', "force", NULL, "replace LOG if it exists" },
	{ OPT_JSONL, "jsonl", NULL, "write JSONL observations (btrack import's format)" },
	{ 'o', "output", "LOG", "the log to write" },
	{ 0, NULL, NULL, NULL }
};

static const struct cli_cmd gen_cmd = {
	"gen",
	"gen --events N [--seed S] [--start TIME] [--send-to REMOTE,LOCAL] "
	"[--recv-from REMOTE,LOCAL] [--force] [--jsonl] -o LOG",
	"Generate a synthetic log with one planted attack chain.",
	gen_opts
};

struct gen_args {
	struct bt_gen_opts o;
	int have_events;
	int force;
	int jsonl;
	const char *out;
};

/* N with an optional decimal suffix k, M or G. */
static int parse_count(const char *val, uint64_t *out)
{
	char *end;
	unsigned long long v, mul = 1;

	errno = 0;
	if (!val || *val < '0' || *val > '9')
		return -1;
	v = strtoull(val, &end, 10);
	if (errno)
		return -1;
	if (*end == 'k' || *end == 'K')
		mul = 1000ull, end++;
	else if (*end == 'M' || *end == 'm')
		mul = 1000000ull, end++;
	else if (*end == 'G' || *end == 'g')
		mul = 1000000000ull, end++;
	if (*end || (v && mul > UINT64_MAX / v))
		return -1;
	*out = v * mul;
	return 0;
}

static int opt(void *ctx, int id, const char *val)
{
	struct gen_args *a = ctx;

	switch (id) {
	case 'n':
		if (parse_count(val, &a->o.events) || !a->o.events)
			return cli_usage_error(&gen_cmd,
				"option '--events' wants a positive number "
				"(suffixes k, M, G), not '%s'", val);
		a->have_events = 1;
		return 0;
	case 's':
		return cli_u64(&gen_cmd, "--seed", val, &a->o.seed);
	case OPT_START:
		return cli_time(&gen_cmd, "--start", val, &a->o.start);
	case OPT_SEND_TO:
	case OPT_RECV_FROM:
		if (!strchr(val, ',') || *val == ',' ||
		    !val[strcspn(val, ",") + 1])
			return cli_usage_error(&gen_cmd, "option '--%s' wants "
					       "REMOTE,LOCAL, not '%s'",
					       id == OPT_SEND_TO ? "send-to" :
					       "recv-from", val);
		if (id == OPT_SEND_TO)
			a->o.send_to = val;
		else
			a->o.recv_from = val;
		return 0;
	case 'f':
		a->force = 1;
		return 0;
	case OPT_JSONL:
		a->jsonl = 1;
		return 0;
	case 'o':
		a->out = val;
		return 0;
	}
	return EXIT_USAGE;
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The JSONL observations of the log at `path` into `out` (replaced as
 * every output is: cli_open_out()). */
static int to_jsonl(const char *path, const char *out, bool force,
		    uint64_t *lines)
{
	FILE *f = cli_open_out(out, force);
	int err;

	if (!f)
		return EXIT_ERROR;
	err = bt_gen_jsonl(f, path, lines);
	if (err) {
		cli_abort_out(f);
		return cli_fail(err);
	}
	return cli_close_out(f, out);
}

int cmd_gen(int argc, char **argv)
{
	struct gen_args a = { .o = { .seed = 1 } };
	struct bt_log_writer *w = NULL;
	struct bt_gen_info info;
	char *tmp = NULL;
	double t0, t;
	uint64_t size, lines = 0;
	int first, r, err;

	r = cli_parse(&gen_cmd, argc, argv, opt, &a, &first);
	if (r)
		return r < 0 ? EXIT_OK : r;
	if (first < argc)
		return cli_usage_error(&gen_cmd, "unexpected argument '%s'",
				       argv[first]);
	if (!a.have_events)
		return cli_usage_error(&gen_cmd, "missing '--events N'");
	if (!a.out)
		return cli_usage_error(&gen_cmd, "missing '-o LOG'");
	if (cli_check_out(a.out, a.force))
		return EXIT_ERROR;
	/* --jsonl: the log is a step on the way, in a temporary file named
	 * as outputs' are (core/outfile.h), so that one a killed gen left is
	 * removed by the next writer of -o */
	if (a.jsonl) {
		const char *slash = strrchr(a.out, '/');
		int dl = slash ? (int)(slash - a.out + 1) : 0;

		if (asprintf(&tmp, "%.*s.%.200s.btrack-tmp.%ld-gen", dl, a.out,
			     a.out + dl, (long)getpid()) < 0) {
			cli_error("out of memory");
			return EXIT_ERROR;
		}
	}
	err = bt_log_writer_open(&w, a.jsonl ? tmp : a.out, BT_LOGW_CREATE |
				 (a.force || a.jsonl ? BT_LOGW_TRUNC : 0));
	if (err)
		goto fail;
	if (bt_log_writer_warning(w))
		cli_warn("%s", bt_log_writer_warning(w));
	t0 = seconds();
	err = bt_gen(w, &a.o, &info);
	t = seconds() - t0;
	if (err) {
		bt_log_writer_abort(w);
		goto fail;
	}
	size = bt_log_writer_size(w);
	err = bt_log_writer_close(w);
	if (err)
		goto fail;
	if (a.jsonl) {
		r = to_jsonl(tmp, a.out, a.force, &lines);
		unlink(tmp);
		if (r) {
			free(tmp);
			return r;
		}
	}
	free(tmp);
	if (a.jsonl)
		cli_error("generated %llu events, %llu objects as %llu JSONL "
			  "lines into '%s' in %.2f s",
			  (unsigned long long)info.events,
			  (unsigned long long)info.objects,
			  (unsigned long long)lines, a.out, t);
	else
		cli_error("generated %llu events, %llu objects into '%s' in "
			  "%.2f s (%.1f M events/s, %.1f bytes/event)",
			  (unsigned long long)info.events,
			  (unsigned long long)info.objects, a.out, t,
			  t > 0 ? (double)info.events / t / 1e6 : 0.0,
			  info.events ? (double)size / (double)info.events :
			  0.0);
	fprintf(stderr, "detection point: %s\n", info.detection);
	fprintf(stderr, "entry point: endpoint:%s\n", info.entry);
	return EXIT_OK;
fail:
	r = cli_fail(err);
	if (tmp)
		unlink(tmp);
	free(tmp);
	return r;
}
