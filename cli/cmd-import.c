/*
 * cmd-import.c - `btrack import`: read events in an interchange format
 * (JSONL, or Linux audit logs) and write a log.
 *
 * The log is written to a temporary file beside the output and renamed over
 * it only when every input was imported, so a bad line (without
 * --keep-going) or an I/O error leaves no log behind and never destroys an
 * existing one, and so does an input that yields no event at all (exit 3:
 * a wrong format or rules that log nothing btrack uses must not pass for an
 * empty investigation).  Parsing is capture/jsonl.c and capture/auditd.c
 * (which sends its observations through bt_ingest_sink()), the object and
 * event rules are core/ingest.c; this file only opens, counts and reports.  The user-facing
 * specification is man/btrack-import.1.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../capture/auditd.h"
#include "../capture/jsonl.h"
#include "../core/error.h"
#include "../core/ingest.h"
#include "../core/log.h"
#include "../core/timefmt.h"
#include "cli.h"

enum { OPT_FORMAT = 256, OPT_KEEP_GOING, OPT_FORCE };

static const struct cli_opt opts[] = {
	{ OPT_FORMAT, "format", "FMT", "input format: jsonl (default), auditd" },
	{ OPT_KEEP_GOING, "keep-going", NULL,
	  "skip and count bad lines instead of stopping" },
	{ OPT_FORCE, "force", NULL, "replace an existing LOG" },
	{ 'o', "output", "LOG", "the log to write (required)" },
	{ 0, NULL, NULL, NULL }
};

static const struct cli_cmd cmd = {
	"import",
	"import [--format jsonl|auditd] [--keep-going] [--force] -o LOG FILE...",
	"Import events from FILEs ('-' is standard input), in order, into one "
	"new log.",
	opts
};

/* What the inputs contributed, and a format's state across inputs (the
 * auditd importer carries open events and fd tables from one rotated log
 * to the next). */
struct counts {
	uint64_t lines;
	uint64_t bad;
	void *state;
	struct bt_auditd_stats aud;
};

/* One input format: import all of `in` into `ing`; `finish`, if any,
 * ends the import after the last input and frees the state (also on
 * error, with ing NULL). */
struct format {
	const char *name;
	int (*import)(struct bt_ingest *ing, FILE *in, const char *name,
		      bool keep_going, struct counts *out);
	int (*finish)(struct bt_ingest *ing, struct counts *out);
};

static int import_jsonl(struct bt_ingest *ing, FILE *in, const char *name,
			bool keep_going, struct counts *out)
{
	struct bt_jsonl_stats st;
	struct bt_obs_sink sink = bt_ingest_sink(ing);
	int r = bt_jsonl_import_sink(&sink, in, name, keep_going, &st);

	out->lines += st.lines;
	out->bad += st.bad;
	return r;
}

static int import_auditd(struct bt_ingest *ing, FILE *in, const char *name,
			 bool keep_going, struct counts *out)
{
	struct bt_auditd *a = out->state;
	uint64_t lines0;
	int r;

	if (!a) {
		r = bt_auditd_new(&a, bt_ingest_sink(ing));
		if (r)
			return r;
		out->state = a;
	}
	lines0 = out->aud.lines;
	r = bt_auditd_feed(a, in, name, keep_going);
	bt_auditd_stats(a, &out->aud);
	out->lines += out->aud.lines - lines0;
	out->bad = out->aud.bad;
	return r;
}

static int finish_auditd(struct bt_ingest *ing, struct counts *out)
{
	struct bt_auditd *a = out->state;
	int r = 0;

	if (a && ing) {
		r = bt_auditd_finish(a);
		bt_auditd_stats(a, &out->aud);
	}
	bt_auditd_free(a);
	out->state = NULL;
	return r;
}

static const struct format formats[] = {
	{ "jsonl", import_jsonl, NULL },
	{ "auditd", import_auditd, finish_auditd },
};

struct args {
	const struct format *fmt;
	bool keep_going, force;
	const char *out;
};

static int opt(void *ctx, int id, const char *val)
{
	struct args *a = ctx;
	size_t i;

	switch (id) {
	case OPT_FORMAT:
		for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
			if (!strcmp(formats[i].name, val))
				break;
		if (i == sizeof(formats) / sizeof(formats[0]))
			return cli_usage_error(&cmd, "unknown format '%s'",
					       val);
		a->fmt = &formats[i];
		return 0;
	case OPT_KEEP_GOING:
		a->keep_going = true;
		return 0;
	case OPT_FORCE:
		a->force = true;
		return 0;
	case 'o':
		a->out = val;
		return 0;
	}
	return EXIT_USAGE;
}

/* ---- progress: count the bytes the importer reads ---------------------- */

struct progress {
	FILE *in;
	uint64_t done, total, shown;
};

static ssize_t progress_read(void *cookie, char *buf, size_t n)
{
	struct progress *p = cookie;
	size_t r = fread(buf, 1, n, p->in);

	if (r == 0 && ferror(p->in))
		return -1;
	p->done += r;
	if (p->done - p->shown >= (1u << 20)) {
		p->shown = p->done;
		cli_progress((void *)"importing", p->done, p->total);
	}
	return (ssize_t)r;
}

/* Open input `path` ("-" is stdin); on a terminal, wrapped to show
 * progress.  *raw is what to fclose() besides the wrapper. */
static FILE *open_input(const char *path, struct progress *p, FILE **raw)
{
	static const cookie_io_functions_t io = { .read = progress_read };
	off_t size;
	FILE *f, *w;

	*raw = NULL;
	if (!strcmp(path, "-"))
		f = stdin;
	else if (!(f = fopen(path, "rb")))
		return NULL;
	if (!cli_isatty_stderr())
		return f;
	p->in = f;
	p->done = p->shown = 0;
	/* <sys/stat.h> clashes with record.h's __u64 on glibc (statx pulls
	 * in linux/types.h), so the size of a regular file comes from lseek;
	 * a pipe fails it and shows a count instead of a percentage. */
	size = lseek(fileno(f), 0, SEEK_END);
	p->total = size > 0 && lseek(fileno(f), 0, SEEK_SET) == 0 ?
		   (uint64_t)size : 0;
	w = fopencookie(p, "r", io);
	if (!w)
		return f;
	*raw = f;
	return w;
}

static void close_input(FILE *f, FILE *raw)
{
	if (raw) {
		fclose(f);
		f = raw;
	}
	if (f && f != stdin)
		fclose(f);
}

/* ---- the command ------------------------------------------------------ */

/* The log's temporary file (beside -o, renamed onto it at the close),
 * removed if the user interrupts the import. */
static char tmp[4096];
static volatile sig_atomic_t tmp_live;

static void on_signal(int sig)
{
	if (tmp_live)
		unlink(tmp);   /* async-signal-safe */
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static void summary(const struct bt_ingest_stats *st,
		    const struct counts *c, const char *out)
{
	fprintf(stderr, "imported %llu events (%llu processes, %llu files, "
		"%llu filenames, %llu pages, %llu regions, %llu endpoints) "
		"from %llu lines into %s",
		(unsigned long long)st->events,
		(unsigned long long)st->objects[BT_REC_PROCESS],
		(unsigned long long)st->objects[BT_REC_FILE],
		(unsigned long long)st->objects[BT_REC_FILENAME],
		(unsigned long long)st->objects[BT_REC_PAGE],
		(unsigned long long)st->objects[BT_REC_REGION],
		(unsigned long long)st->objects[BT_REC_ENDPOINT],
		(unsigned long long)c->lines, out);
	if (c->bad)
		fprintf(stderr, "; skipped %llu bad lines",
			(unsigned long long)c->bad);
	fputc('\n', stderr);
	if (c->aud.records)
		fprintf(stderr, "audit: %llu records in %llu events; unused: "
			"%llu records of other types, %llu failed syscalls, "
			"%llu syscalls btrack does not map, %llu fields cut "
			"at their limit\n",
			(unsigned long long)c->aud.records,
			(unsigned long long)c->aud.events,
			(unsigned long long)c->aud.unused,
			(unsigned long long)c->aud.failed,
			(unsigned long long)c->aud.unknown,
			(unsigned long long)c->aud.truncated);
	if (c->aud.gaps)
		fprintf(stderr, "audit: %llu events name a descriptor or peer "
			"the log never showed (opened before the log, or by "
			"a call the rules do not log): no dependency made\n",
			(unsigned long long)c->aud.gaps);
	if (c->aud.arch_other)
		fprintf(stderr, "audit: %llu syscall events of architecture "
			"0x%08x not decoded\n",
			(unsigned long long)c->aud.arch_other,
			(unsigned)c->aud.arch_other_first);
	if (c->aud.bad_fields)
		fprintf(stderr, "audit: %llu malformed fields decoded as far "
			"as they go\n", (unsigned long long)c->aud.bad_fields);
	if (c->aud.uring)
		fprintf(stderr, "audit: %llu io_uring operations: not visible "
			"to btrack\n", (unsigned long long)c->aud.uring);
	if (c->aud.io_uring_calls)
		fprintf(stderr, "audit: %llu io_uring or Linux AIO calls: the "
			"reads and writes they make are not in the log "
			"(io_uring_calls in its drops note)\n",
			(unsigned long long)c->aud.io_uring_calls);
	if (c->aud.bad_names)
		fprintf(stderr, "audit: %llu file names malformed (hex of odd "
			"length, not hex, a NUL byte inside): not used as "
			"names; %llu events that needed one skipped (an open "
			"names its file by inode)\n",
			(unsigned long long)c->aud.bad_names,
			(unsigned long long)c->aud.bad_name_skipped);
	if (c->aud.long_lines)
		fprintf(stderr, "audit: %llu lines longer than 1 MiB skipped "
			"unread\n", (unsigned long long)c->aud.long_lines);
	if (c->aud.no_newline)
		fprintf(stderr, "audit: the last line of %llu input(s) has no "
			"newline (cut while being written?): imported as it "
			"is\n", (unsigned long long)c->aud.no_newline);
}

int cmd_import(int argc, char **argv)
{
	struct args a = { &formats[0], false, false, NULL };
	struct bt_log_writer *w = NULL;
	struct bt_ingest *ing = NULL;
	struct bt_ingest_stats st;
	struct counts c = { 0 };
	struct progress prog;
	char note[512];
	int first, r, i, rc = EXIT_ERROR;
	size_t nl;

	r = cli_parse(&cmd, argc, argv, opt, &a, &first);
	if (r)
		return r < 0 ? EXIT_OK : r;
	if (!a.out)
		return cli_usage_error(&cmd, "option '-o LOG' is required");
	if (first >= argc)
		return cli_usage_error(&cmd, "no input FILE (use '-' for "
				       "standard input)");
	if (!a.force && faccessat(AT_FDCWD, a.out, F_OK,
				  AT_SYMLINK_NOFOLLOW) == 0) {
		cli_error("'%s' already exists; use --force to replace it",
			  a.out);
		return EXIT_ERROR;
	}

	catch_signals();
	if ((r = bt_log_writer_open(&w, a.out, BT_LOGW_CREATE |
				    (a.force ? BT_LOGW_TRUNC : 0))))
		return cli_fail(r);
	if (bt_log_writer_warning(w))
		cli_warn("%s", bt_log_writer_warning(w));
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s",
			     bt_log_writer_file(w)) < sizeof(tmp))
		tmp_live = 1;
	if ((r = bt_ingest_new(&ing, w)))
		goto fail;
	nl = (size_t)snprintf(note, sizeof(note), "import %s", a.fmt->name);
	for (i = first; i < argc && nl < sizeof(note); i++)
		nl += (size_t)snprintf(note + nl, sizeof(note) - nl, " %s",
				       argv[i]);
	if ((r = bt_log_append_note(w, BT_NOTE_SOURCE, bt_time_now(), note,
				    strlen(note))))
		goto fail;

	for (i = first; i < argc; i++) {
		FILE *raw, *in = open_input(argv[i], &prog, &raw);

		if (!in) {
			r = bt_error_set_os(BT_EIO, "cannot open '%s'",
					    argv[i]);
			goto fail;
		}
		r = a.fmt->import(ing, in, !strcmp(argv[i], "-") ?
				  "<stdin>" : argv[i], a.keep_going, &c);
		close_input(in, raw);
		cli_progress_done();
		if (r)
			goto fail;
	}

	if (a.fmt->finish && (r = a.fmt->finish(ing, &c)))
		goto fail;
	bt_ingest_stats(ing, &st);
	if (st.events == 0 && c.lines > 0) {
		/* Lines were read and none made an event: a wrong format,
		 * rules that log nothing btrack uses, or input it cannot
		 * read.  Saying "imported 0 events" and exiting 0 would
		 * pass for an empty investigation. */
		if (c.aud.records)
			r = bt_error_set(BT_ECORRUPT, "no events in the input "
					 "(%llu lines, %llu audit records, "
					 "%llu of types btrack does not use, "
					 "%llu failed syscalls, %llu syscalls "
					 "it does not map)",
					 (unsigned long long)c.lines,
					 (unsigned long long)c.aud.records,
					 (unsigned long long)c.aud.unused,
					 (unsigned long long)c.aud.failed,
					 (unsigned long long)c.aud.unknown);
		else if (c.bad)
			r = bt_error_set(BT_ECORRUPT, "no events in the input "
					 "(%llu lines, %llu of them bad)",
					 (unsigned long long)c.lines,
					 (unsigned long long)c.bad);
		else
			r = bt_error_set(BT_ECORRUPT, "no events in the input "
					 "(%llu lines)",
					 (unsigned long long)c.lines);
		goto fail;
	}
	bt_ingest_free(ing);
	ing = NULL;
	if (c.aud.io_uring_calls) {
		/* I/O the log cannot show: a drops note, so that a walk says
		 * its graph may be incomplete (core/drops.h) */
		char text[64];
		int tl = snprintf(text, sizeof(text), "io_uring_calls=%llu",
				  (unsigned long long)c.aud.io_uring_calls);

		if ((r = bt_log_append_note(w, BT_NOTE_DROPS, bt_time_now(),
					    text, (size_t)tl)))
			goto fail;
	}
	tmp_live = 0;
	r = bt_log_writer_close(w);
	w = NULL;
	if (r)
		goto fail;
	summary(&st, &c, a.out);
	return EXIT_OK;
fail:
	cli_progress_done();
	rc = cli_fail(r);
	if (a.fmt->finish)
		a.fmt->finish(NULL, &c);
	bt_ingest_free(ing);
	tmp_live = 0;
	bt_log_writer_abort(w);   /* removes the temporary file */
	return rc;
}
