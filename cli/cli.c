/*
 * cli.c - option parsing, messages, exit codes and the progress line shared
 * by every command (see cli.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/timefmt.h"
#include "../core/util.h"
#include "cli.h"

/* "btrack: " PREFIX MESSAGE "\n" on stderr, after stdout is flushed. */
static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "btrack: %s", prefix);
	vfprintf(stderr, fmt, ap);
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

	fflush(stdout);
	fprintf(stderr, "btrack %s: ", c->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
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

FILE *cli_open_out(const char *path)
{
	FILE *f;

	if (!path || !strcmp(path, "-"))
		return stdout;
	f = fopen(path, "wb");
	if (!f)
		cli_error("cannot open '%s': %s", path, strerror(errno));
	return f;
}

int cli_close_out(FILE *f, const char *path)
{
	int bad;

	if (!f)
		return 0;
	bad = ferror(f);
	if (f == stdout)
		bad |= fflush(f) != 0;
	else
		bad |= fclose(f) != 0;
	if (bad) {
		cli_error("cannot write '%s': %s", path ? path : "-",
			  strerror(errno));
		return EXIT_ERROR;
	}
	return 0;
}
