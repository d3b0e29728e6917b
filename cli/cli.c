/*
 * cli.c - option parsing, messages, exit codes and the progress line shared
 * by every command (see cli.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/display.h"
#include "../core/error.h"
#include "../core/outfile.h"
#include "../core/strbuf.h"
#include "../core/timefmt.h"
#include "../core/util.h"
#include "cli.h"

/* ---- the display rule on the terminal --------------------------------- */

void cli_put_shownn(FILE *f, const char *s, size_t n)
{
	struct bt_sb b = { 0 };

	bt_show_strn(&b, s, n);
	fputs(b.oom ? "(out of memory)" : bt_sb_str(&b), f);
	bt_sb_release(&b);
}

void cli_put_shown(FILE *f, const char *s)
{
	cli_put_shownn(f, s ? s : "", s ? strlen(s) : 0);
}

const char *cli_shown(const char *s)
{
	static struct bt_sb ring[8];
	static unsigned next;
	struct bt_sb *b = &ring[next++ % BT_ARRAY_SIZE(ring)];

	bt_sb_reset(b);
	bt_show_str(b, s);
	return b->oom ? "(out of memory)" : bt_sb_str(b);
}

const char *cli_reshown(const char *s)
{
	static struct bt_sb ring[4];
	static unsigned next;
	struct bt_sb *b = &ring[next++ % BT_ARRAY_SIZE(ring)];
	const char *bs;

	bt_sb_reset(b);
	if (!s)
		s = "";
	/* Its backslashes are the rule's own escapes: kept.  Between them,
	 * the rule again (it changes nothing in what it made itself). */
	while ((bs = strchr(s, '\\'))) {
		bt_show_strn(b, s, (size_t)(bs - s));
		bt_sb_addn(b, "\\", 1);
		s = bs + 1;
	}
	bt_show_str(b, s);
	return b->oom ? "(out of memory)" : bt_sb_str(b);
}

/*
 * "btrack: " PREFIX MESSAGE "\n" on stderr, after stdout is flushed.  The
 * message is shown by the display rule: it may quote evidence (a path, an
 * alert's detection point, a host name) through bt_error_msg(), and an
 * escape sequence or a newline in it must not reach the terminal raw.
 */
static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	char *m = NULL;

	fflush(stdout);
	fprintf(stderr, "btrack: %s", prefix);
	if (vasprintf(&m, fmt, ap) < 0)
		fputs("(out of memory)", stderr);
	else
		cli_put_shown(stderr, m);
	free(m);
	fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void cli_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

int cli_exit_code(int err)
{
	switch (err) {
	case BT_OK:
		return EXIT_OK;
	case BT_ECORRUPT:
	case BT_EVERSION:
		return EXIT_CORRUPT;
	default:
		return EXIT_ERROR;
	}
}

int cli_fail(int err)
{
	cli_error("%s", bt_error_msg());
	return cli_exit_code(err);
}

void cli_usage(const struct cli_cmd *c, FILE *f)
{
	const char *s = c->synopsis, *nl;
	const struct cli_opt *o;
	int first = 1;

	while (*s) {
		nl = strchr(s, '\n');
		fprintf(f, "%s btrack %.*s\n", first ? "usage:" : "      ",
			(int)(nl ? nl - s : (long)strlen(s)), s);
		first = 0;
		if (!nl)
			break;
		s = nl + 1;
	}
	if (c->summary)
		fprintf(f, "\n%s\n", c->summary);
	if (c->opts && c->opts[0].lname)
		fputs("\noptions:\n", f);
	for (o = c->opts; o && o->lname; o++) {
		char left[64];

		if (o->id < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->id,
				 o->lname, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->lname,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-26s %s\n", left, o->help);
	}
	fprintf(f, "\nSee btrack-%s(1).\n", c->name);
}

int cli_usage_error(const struct cli_cmd *c, const char *fmt, ...)
{
	va_list ap;
	char *m;

	fflush(stdout);
	fprintf(stderr, "btrack %s: ", c->name);
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	cli_put_shown(stderr, m ? m : "(out of memory)");
	free(m);
	fprintf(stderr, "\nTry 'btrack %s -h' for more information.\n",
		c->name);
	return EXIT_USAGE;
}

/* Whether the first operand ends the options: a command that runs another
 * command ("record CMD -x": -x is CMD's). */
static bool operand_ends_options(const struct cli_cmd *c)
{
	static const char *const runs_a_command[] = { "record" };
	size_t i;

	for (i = 0; c->name && i < BT_ARRAY_SIZE(runs_a_command); i++)
		if (!strcmp(c->name, runs_a_command[i]))
			return true;
	return false;
}

int cli_parse(const struct cli_cmd *c, int argc, char **argv,
	      int (*fn)(void *ctx, int id, const char *val), void *ctx,
	      int *first_arg)
{
	struct option lopts[64];
	char sopts[160];
	size_t n = 0, k = 0;
	const struct cli_opt *o;
	int ch, r;

	/* Options and operands may mix, as with GNU getopt and git: getopt
	 * permutes the operands to the end; "--" ends the options.  '+'
	 * instead stops at the first operand, for commands that run one.
	 * ':': report a missing argument distinctly. */
	if (operand_ends_options(c))
		sopts[k++] = '+';
	sopts[k++] = ':';
	sopts[k++] = 'h';
	for (o = c->opts; o && o->lname && n < BT_ARRAY_SIZE(lopts) - 2; o++) {
		lopts[n].name = o->lname;
		lopts[n].has_arg = o->arg ? required_argument : no_argument;
		lopts[n].flag = NULL;
		lopts[n].val = o->id;
		n++;
		if (o->id < 256 && k + 3 < sizeof(sopts)) {
			sopts[k++] = (char)o->id;
			if (o->arg)
				sopts[k++] = ':';
		}
	}
	lopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	lopts[n] = (struct option){ 0, 0, 0, 0 };
	sopts[k] = '\0';

	/* 0, not 1: glibc then forgets the permutation state of an earlier
	 * call (cmd-log and cmd-db parse again after each operand). */
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, sopts, lopts, NULL)) != -1) {
		if (ch == 'h') {
			cli_usage(c, stdout);
			return -1;
		}
		if (ch == '?') {
			if (optopt && optopt < 256)
				return cli_usage_error(c, "unknown option '-%c'",
						       optopt);
			return cli_usage_error(c, "unknown option '%s'",
					       argv[optind - 1]);
		}
		if (ch == ':')
			return cli_usage_error(c, "option '%s' needs an argument",
					       argv[optind - 1]);
		r = fn(ctx, ch, optarg);
		if (r)
			return r;
	}
	*first_arg = optind;
	return 0;
}

int cli_u64(const struct cli_cmd *c, const char *opt, const char *val,
	    uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!val || !*val || *val == '-')
		goto bad;
	v = strtoull(val, &end, 10);
	if (errno || *end)
		goto bad;
	*out = v;
	return 0;
bad:
	return cli_usage_error(c, "option '%s' wants a number, not '%s'", opt,
			       val ? val : "");
}

int cli_u32(const struct cli_cmd *c, const char *opt, const char *val,
	    uint32_t *out)
{
	uint64_t v;
	int r = cli_u64(c, opt, val, &v);

	if (r)
		return r;
	if (v > UINT32_MAX)
		return cli_usage_error(c, "option '%s': %s is too large", opt,
				       val);
	*out = (uint32_t)v;
	return 0;
}

int cli_time(const struct cli_cmd *c, const char *opt, const char *val,
	     uint64_t *out)
{
	if (bt_time_parse(out, val) == 0)
		return 0;
	return cli_usage_error(c, "option '%s': %s", opt, bt_error_msg());
}

bool cli_isatty_stderr(void)
{
	static int tty = -1;

	if (tty < 0)
		tty = isatty(2) && !getenv("BTRACK_NO_PROGRESS");
	return tty;
}

static int progress_shown;

void cli_progress(void *label, uint64_t done, uint64_t total)
{
	if (!cli_isatty_stderr())
		return;
	if (total)
		fprintf(stderr, "\r%s: %3u%%", (const char *)label,
			(unsigned)(done * 100 / total));
	else
		fprintf(stderr, "\r%s: %llu", (const char *)label,
			(unsigned long long)done);
	progress_shown = 1;
}

void cli_progress_done(void)
{
	if (progress_shown && cli_isatty_stderr())
		fputs("\r\033[K", stderr);
	progress_shown = 0;
}

/*
 * Output files: written beside the target and renamed onto it by
 * cli_close_out() (core/outfile.h), so a failed or interrupted command
 * leaves the old file, a symlink is never written through, and an existing
 * file is replaced only with --force.  A few at once.
 */
static struct out {
	FILE *f;
	struct bt_outfile of;
} outs[4];

static struct out *find_out(FILE *f)
{
	size_t i;

	for (i = 0; i < BT_ARRAY_SIZE(outs); i++)
		if (outs[i].f == f)
			return &outs[i];
	return NULL;
}

int cli_check_out(const char *path, bool force)
{
	struct stat st;

	if (force || !path || !strcmp(path, "-") ||
	    lstat(path, &st) < 0)
		return 0;
	/* a device or pipe (also behind a symlink) is written to */
	if (bt_outfile_is_direct(path))
		return 0;
	cli_error("'%s' already exists; use --force to replace it", path);
	return EXIT_ERROR;
}

FILE *cli_open_out(const char *path, bool force)
{
	struct out *o;
	int err, fd;

	if (!path || !strcmp(path, "-"))
		return stdout;
	o = find_out(NULL);
	if (!o) {
		cli_error("too many output files");
		return NULL;
	}
	if (cli_check_out(path, force))
		return NULL;
	err = bt_outfile_open(&o->of, path, force ? BT_OUTF_FORCE : 0, 0666,
			      NULL);
	if (err) {
		cli_fail(err);
		return NULL;
	}
	if (o->of.warning[0])
		cli_warn("%s", o->of.warning);
	/* the FILE has its own descriptor: the outfile keeps its own for
	 * the fsync and rename */
	fd = dup(o->of.fd);
	o->f = fd >= 0 ? fdopen(fd, "wb") : NULL;
	if (!o->f) {
		cli_error("cannot open '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		bt_outfile_abort(&o->of);
		return NULL;
	}
	return o->f;
}

int cli_close_out(FILE *f, const char *path)
{
	struct out *o = f && f != stdout ? find_out(f) : NULL;
	int bad, err;

	if (!f)
		return 0;
	bad = ferror(f);
	if (o) {
		bad |= fclose(f) != 0;
		o->f = NULL;
	} else {
		bad |= fflush(f) != 0;
	}
	if (bad) {
		int e = errno;

		if (o)
			bt_outfile_abort(&o->of);
		cli_error("cannot write '%s': %s", path ? path : "-",
			  strerror(e));
		return EXIT_ERROR;
	}
	if (o && (err = bt_outfile_commit(&o->of))) {
		bt_outfile_abort(&o->of);
		return cli_fail(err);
	}
	return 0;
}

void cli_abort_out(FILE *f)
{
	struct out *o = f && f != stdout ? find_out(f) : NULL;

	if (!o)
		return;
	fclose(f);
	o->f = NULL;
	bt_outfile_abort(&o->of);
}
